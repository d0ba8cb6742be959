//! Population as-of: the state of every stream of one type at one instant, as a table with one
//! column per top-level state field (typed where the field is a scalar, JSON where it is nested).
//! One SQL pass over the stored snapshots; long streams held as checkpoints are finished in Rust.

use std::path::Path;

use duckdb::Connection;
use serde::Serialize;
use serde_json::{Map, Value};

use super::fold::View;
use super::rules::FoldRules;
use super::snapshots::{self, combo_bit};
use crate::error::{Error, Result};
use crate::inspect::SqlResult;
use crate::model::Axis;
use crate::model::{format_micros, Micros};

/// One column of a population table.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct PopulationColumn {
    pub name: String,
    /// The DuckDB type of the column (`JSON` for nested values).
    pub r#type: String,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Population {
    pub stream_type: String,
    pub at: String,
    pub axis: Axis,
    pub view: View,
    /// Entities that exist at `at`.
    pub rows: u64,
    pub columns: Vec<PopulationColumn>,
    /// The first rows, for a quick look.
    pub preview: SqlResult,
    /// The file written, when one was asked for.
    pub out: Option<String>,
    /// True when the table was also kept in the case as `population`.
    pub saved: bool,
}

/// How a population is asked for.
#[derive(Debug, Clone)]
pub struct PopulationQuery {
    pub stream_type: String,
    pub at: Micros,
    pub axis: Axis,
    pub view: View,
    /// Write the table to this file (.parquet, .csv or .json).
    pub out: Option<std::path::PathBuf>,
    /// Keep the table in the case as `population` so the SQL console can query it.
    pub save: bool,
    pub preview_rows: usize,
}

use crate::store::sql::quote_ident;

/// The json_transform structure of a type's states: scalars typed, anything nested as JSON.
pub(crate) fn structure(shape: &str) -> Result<Vec<(String, String)>> {
    let v: Value = serde_json::from_str(shape).map_err(|e| Error::Query {
        cause: format!("the stored state shape is not JSON: {e}"),
    })?;
    let Value::Object(fields) = v else {
        return Ok(Vec::new());
    };
    Ok(fields
        .into_iter()
        .filter(|(k, _)| k != "stream_id")
        .map(|(k, t)| {
            let ty = match t.as_str() {
                Some("BIGINT" | "UBIGINT") => "BIGINT",
                Some("DOUBLE") => "DOUBLE",
                Some("BOOLEAN") => "BOOLEAN",
                Some("VARCHAR") => "VARCHAR",
                _ => "JSON",
            };
            (k, ty.to_string())
        })
        .collect())
}

/// Refuses a stream type the case does not have, naming the ones it does.
fn ensure_type_known(conn: &Connection, stream_type: &str) -> Result<()> {
    let known: bool = conn.query_row(
        "SELECT count(*) > 0 FROM snapshots WHERE stream_type = ?",
        [&stream_type],
        |r| r.get(0),
    )?;
    if !known {
        let types: Vec<String> = {
            let mut stmt = conn.prepare(
                "SELECT DISTINCT stream_type FROM events WHERE stream_type IS NOT NULL ORDER BY 1",
            )?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<std::result::Result<_, _>>()?
        };
        return Err(Error::BadArgument {
            message: format!(
                "The case has no streams of type `{}`. Types in the case: {}.",
                stream_type,
                if types.is_empty() {
                    "none".to_string()
                } else {
                    types.join(", ")
                }
            ),
        });
    }
    Ok(())
}

/// Builds the temporary table `population` on `conn` and describes it.
pub fn population(conn: &Connection, rules: &FoldRules, q: &PopulationQuery) -> Result<Population> {
    let shape: Option<String> = conn
        .query_row(
            "SELECT structure FROM snapshot_shapes WHERE stream_type IS NOT DISTINCT FROM ?",
            [&q.stream_type],
            |r| r.get(0),
        )
        .ok();
    ensure_type_known(conn, &q.stream_type)?;
    let fields = match &shape {
        Some(s) => structure(s)?,
        None => Vec::new(),
    };
    let spec = Value::Object(
        fields
            .iter()
            .map(|(k, t)| (k.clone(), Value::from(t.clone())))
            .collect::<Map<String, Value>>(),
    )
    .to_string()
    .replace('\'', "''");
    let (from, to) = match q.axis {
        Axis::Recorded => ("rec_from", "rec_to"),
        Axis::Occurred => ("occ_from", "occ_to"),
    };
    let bit = combo_bit(q.view, q.axis);
    let select_fields: String = fields
        .iter()
        .map(|(k, _)| format!(", p.{}", quote_ident(k)))
        .collect();
    let transform = if fields.is_empty() {
        "NULL".to_string()
    } else {
        format!("json_transform(state, '{spec}')")
    };
    conn.execute(
        &format!(
            "CREATE OR REPLACE TEMP TABLE population AS
             SELECT stream_id{select_fields} FROM (
                SELECT stream_id, {transform} AS p FROM snapshots
                WHERE stream_type = ? AND combos & {bit} <> 0 AND {from} <= ? AND ? < {to}
                  AND exact AND state IS NOT NULL
             )"
        ),
        duckdb::params![q.stream_type, q.at, q.at],
    )?;
    // Long streams are stored as checkpoints: finish their fold one by one.
    let partial: Vec<String> = {
        let mut stmt = conn.prepare(&format!(
            "SELECT stream_id FROM snapshots WHERE stream_type = ? AND combos & {bit} <> 0
             AND {from} <= ? AND ? < {to} AND NOT exact"
        ))?;
        let rows = stmt.query_map(duckdb::params![q.stream_type, q.at, q.at], |r| r.get(0))?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    for stream in partial {
        let stored = snapshots::lookup(conn, None, &stream, q.at, q.view, q.axis, rules)?;
        if let Some(state) = stored.and_then(|s| s.state) {
            conn.execute(
                &format!(
                    "INSERT INTO population SELECT ?{select_fields} FROM (SELECT {} AS p)",
                    if fields.is_empty() {
                        "NULL".to_string()
                    } else {
                        format!("json_transform(?::VARCHAR, '{spec}')")
                    }
                ),
                duckdb::params![stream, state.to_string()],
            )?;
        }
    }
    let rows: i64 = conn.query_row("SELECT count(*) FROM population", [], |r| r.get(0))?;
    let mut columns = vec![PopulationColumn {
        name: "stream_id".into(),
        r#type: "VARCHAR".into(),
    }];
    columns.extend(fields.iter().map(|(k, t)| PopulationColumn {
        name: k.clone(),
        r#type: t.clone(),
    }));
    let preview = crate::inspect::sql(
        conn,
        &format!(
            "SELECT * FROM population ORDER BY stream_id LIMIT {}",
            q.preview_rows
        ),
        q.preview_rows,
    )?;
    let out = match &q.out {
        Some(path) => Some(export(conn, path)?),
        None => None,
    };
    if q.save {
        conn.execute_batch(
            "CREATE OR REPLACE TABLE main.population AS SELECT * FROM temp.population ORDER BY stream_id;",
        )?;
    }
    Ok(Population {
        stream_type: q.stream_type.clone(),
        at: format_micros(q.at),
        axis: q.axis,
        view: q.view,
        rows: rows as u64,
        columns,
        preview,
        out,
        saved: q.save,
    })
}

/// Writes the temporary `population` table to a file; the format follows the extension.
fn export(conn: &Connection, path: &Path) -> Result<String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let format = match ext.as_deref() {
        Some("parquet") => "FORMAT parquet",
        Some("csv") => "FORMAT csv, HEADER true",
        Some("json") | Some("jsonl") => "FORMAT json",
        _ => {
            return Err(Error::BadArgument {
                message: format!(
                "Cannot tell what to write from the name {}; end it in .parquet, .csv or .json.",
                path.display()
            ),
            })
        }
    };
    let text = path.to_string_lossy().replace('\'', "''");
    conn.execute_batch(&format!(
        "COPY (SELECT * FROM temp.population ORDER BY stream_id) TO '{text}' ({format});"
    ))
    .map_err(|e| Error::BadArgument {
        message: format!("Cannot write {}: {e}", path.display()),
    })?;
    Ok(crate::store::absolute(path).to_string_lossy().to_string())
}

/// One stream's change between two instants, in a population diff.
#[derive(Debug, Clone, Serialize)]
pub struct StreamChange {
    pub stream_id: String,
    /// `added` (exists only at `to`), `removed` (only at `from`) or `changed`.
    pub change: &'static str,
    pub diff: Vec<super::fold::Change>,
}

/// What changed across every stream of a type between two instants.
#[derive(Debug, Clone, Serialize)]
pub struct PopulationDiff {
    pub stream_type: String,
    pub from: String,
    pub to: String,
    pub axis: Axis,
    pub view: View,
    pub added: u64,
    pub removed: u64,
    pub changed: u64,
    /// Streams that exist at both instants with the same state.
    pub unchanged: u64,
    /// How many streams changed each top-level field.
    pub fields: std::collections::BTreeMap<String, u64>,
    /// The first `limit` changed streams, by id.
    pub streams: Vec<StreamChange>,
}

/// Compares the population of a type at two instants.
pub fn population_diff(
    conn: &Connection,
    rules: &FoldRules,
    stream_type: &str,
    from: Micros,
    to: Micros,
    q: super::AsOfQuery,
    limit: usize,
) -> Result<PopulationDiff> {
    if to < from {
        return Err(Error::BadArgument {
            message: "--to is before --from; give the earlier instant first.".into(),
        });
    }
    ensure_type_known(conn, stream_type)?;
    let (lo, hi) = match q.axis {
        Axis::Recorded => ("rec_from", "rec_to"),
        Axis::Occurred => ("occ_from", "occ_to"),
    };
    let bit = combo_bit(q.view, q.axis);
    let at = |name: &str, t: &str| {
        format!(
            "{name} AS (SELECT stream_id, state, exact FROM snapshots WHERE stream_type = ?
             AND combos & {bit} <> 0 AND {lo} <= {t} AND {t} < {hi})"
        )
    };
    let sql = format!(
        "WITH {}, {}
         SELECT coalesce(a.stream_id, b.stream_id) AS sid, a.state, b.state,
             coalesce(a.exact, true) AND coalesce(b.exact, true)
         FROM a FULL OUTER JOIN b USING (stream_id)
         WHERE a.state IS DISTINCT FROM b.state OR NOT coalesce(a.exact, true) OR NOT coalesce(b.exact, true)
         ORDER BY sid",
        at("a", &from.to_string()),
        at("b", &to.to_string())
    );
    let mut out = PopulationDiff {
        stream_type: stream_type.to_string(),
        from: format_micros(from),
        to: format_micros(to),
        axis: q.axis,
        view: q.view,
        added: 0,
        removed: 0,
        changed: 0,
        unchanged: 0,
        fields: Default::default(),
        streams: Vec::new(),
    };
    let parse =
        |s: Option<String>| s.map(|t| serde_json::from_str::<Value>(&t).unwrap_or(Value::Null));
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([stream_type, stream_type], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, bool>(3)?,
        ))
    })?;
    for row in rows {
        let (sid, a, b, exact) = row?;
        let (a, b) = if exact {
            (parse(a), parse(b))
        } else {
            let get = |t| -> Result<Option<Value>> {
                Ok(
                    snapshots::lookup(conn, None, &sid, t, q.view, q.axis, rules)?
                        .and_then(|s| s.state),
                )
            };
            (get(from)?, get(to)?)
        };
        let change = match (&a, &b) {
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            (Some(x), Some(y)) if x != y => "changed",
            (Some(_), Some(_)) => {
                out.unchanged += 1;
                continue;
            }
            _ => continue,
        };
        let diff = super::fold::diff(&a, &b);
        match change {
            "added" => out.added += 1,
            "removed" => out.removed += 1,
            _ => out.changed += 1,
        }
        let mut touched: Vec<String> = diff
            .iter()
            .map(|c| {
                c.path
                    .split(['.', '['])
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        touched.sort();
        touched.dedup();
        for f in touched {
            *out.fields.entry(f).or_default() += 1;
        }
        if out.streams.len() < limit {
            out.streams.push(StreamChange {
                stream_id: sid,
                change,
                diff,
            });
        }
    }
    // Streams the query above skipped: stored exactly, existing at both instants, the same.
    let same: i64 = conn.query_row(
        &format!(
            "WITH {}, {} SELECT count(*) FROM a JOIN b USING (stream_id)
             WHERE a.exact AND b.exact AND a.state IS NOT NULL AND a.state = b.state",
            at("a", &from.to_string()),
            at("b", &to.to_string())
        ),
        [stream_type, stream_type],
        |r| r.get(0),
    )?;
    out.unchanged += same as u64;
    Ok(out)
}

/// How the app pages through the last population built on a connection.
#[derive(Debug, Clone, Default, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct PopulationPageQuery {
    /// Keep rows where this text appears (case-insensitive) in `column`, or anywhere in the row.
    pub contains: Option<String>,
    pub column: Option<String>,
    pub sort_by: Option<String>,
    pub descending: bool,
    pub limit: usize,
    pub offset: usize,
}

/// A page of the population table and how many rows pass the filter.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct PopulationPage {
    pub page: SqlResult,
    pub total: i64,
    pub offset: usize,
}

/// A page of the temporary `population` table the last `population` call built on `conn`.
pub fn population_page(conn: &Connection, q: &PopulationPageQuery) -> Result<PopulationPage> {
    let columns: Vec<String> = {
        let mut stmt = conn.prepare(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'population' AND database_name = 'temp' ORDER BY column_index",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    if columns.is_empty() {
        return Err(Error::BadArgument {
            message: "No population has been built yet: choose a stream type and an instant first."
                .into(),
        });
    }
    let known = |name: &Option<String>| -> Result<Option<String>> {
        match name {
            None => Ok(None),
            Some(c) if columns.contains(c) => Ok(Some(quote_ident(c))),
            Some(c) => Err(Error::BadArgument {
                message: format!(
                    "The population has no column `{c}`. Columns: {}.",
                    columns.join(", ")
                ),
            }),
        }
    };
    let filter_column = known(&q.column)?;
    let sort = known(&q.sort_by)?.unwrap_or_else(|| "stream_id".into());
    let filter = match q
        .contains
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        None => "TRUE".to_string(),
        Some(text) => {
            let pattern = crate::store::sql::lit(&format!(
                "%{}%",
                text.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            ));
            match &filter_column {
                Some(c) => format!("CAST({c} AS VARCHAR) ILIKE {pattern} ESCAPE '\\'"),
                None => format!("CAST(p AS VARCHAR) ILIKE {pattern} ESCAPE '\\'"),
            }
        }
    };
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM temp.population p WHERE {filter}"),
        [],
        |r| r.get(0),
    )?;
    let order = if q.descending { "DESC" } else { "ASC" };
    let limit = q.limit.clamp(1, 1_000);
    let page = crate::inspect::sql(
        conn,
        &format!(
            "SELECT p.* FROM temp.population p WHERE {filter} ORDER BY {sort} {order} NULLS LAST, stream_id LIMIT {limit} OFFSET {}",
            q.offset
        ),
        limit,
    )?;
    Ok(PopulationPage {
        page,
        total,
        offset: q.offset,
    })
}
