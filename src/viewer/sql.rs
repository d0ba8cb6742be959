//! SQL in the operator view: the query reads temporary views named like the case's tables
//! (`events`, `decisions`, `findings`, ...), each masked by functions registered on the connection
//! that apply the operator's mask ([`Mask`]). DuckDB parses the query first
//! (`json_serialize_sql`), and every table it names must be one of those views or a CTE of the
//! query, unqualified; the only table functions allowed make numbers (`range`,
//! `generate_series`, `unnest`). Anything else is refused with the name it tried to read.

use std::sync::Arc;

use duckdb::core::{DataChunkHandle, Inserter, LogicalTypeId};
use duckdb::vscalar::{ScalarFunctionSignature, VScalar};
use duckdb::vtab::arrow::WritableVector;
use duckdb::Connection;
use serde_json::Value;

use super::Mask;
use crate::error::{Error, Result};
use crate::inspect::SqlResult;

/// The masked views, and how each column of the table reads in them (None: as it is).
const VIEWS: &[(&str, &[(&str, &str)])] = &[
    (
        "events",
        &[
            ("stream_id", "casefile_stream(stream_id)"),
            (
                "payload",
                "casefile_payload(stream_id, payload::VARCHAR)::JSON",
            ),
            ("metadata", "casefile_metadata(metadata::VARCHAR)::JSON"),
        ],
    ),
    (
        "decisions",
        &[
            ("stream_id", "casefile_stream(stream_id)"),
            ("subject_id", "casefile_stream(subject_id)"),
            ("inputs", "casefile_derived(stream_id, inputs)"),
            ("output", "casefile_derived(stream_id, output)"),
            ("llm", "casefile_derived(stream_id, llm)"),
        ],
    ),
    (
        "findings",
        &[
            ("stream_id", "casefile_stream(stream_id)"),
            ("message", "casefile_message(stream_id, message)"),
        ],
    ),
    (
        "notes",
        &[
            ("stream_id", "casefile_stream(stream_id)"),
            // A note is shown in the operator view only when it was written in it.
            (
                "body",
                "CASE WHEN view LIKE 'operator%' THEN body ELSE '[withheld: written in the auditor view]' END",
            ),
        ],
    ),
    ("sources", &[]),
    ("quarantine", &[("raw", "'[withheld]'")]),
    (
        "model_deployments",
        &[
            ("stream_id", "casefile_stream(stream_id)"),
            ("payload", "casefile_derived(NULL, payload)"),
        ],
    ),
    ("replay_runs", &[]),
    (
        "replay_results",
        &[
            ("stream_id", "casefile_stream(stream_id)"),
            ("recorded", "casefile_derived(stream_id, recorded)"),
            ("replayed", "casefile_derived(stream_id, replayed)"),
            ("differences", "casefile_differences(stream_id, differences)"),
        ],
    ),
    (
        "decision_links",
        &[("stream_id", "casefile_stream(stream_id)")],
    ),
    (
        "context_refs",
        &[("stream_id", "casefile_stream(stream_id)")],
    ),
];

/// Envelope columns a profile may drop or pseudonymize, and the views that have them.
const ENVELOPE: &[&str] = &[
    "actor",
    "reason",
    "causation_id",
    "correlation_id",
    "corrects",
];

const NUMBER_FUNCTIONS: &[&str] = &["range", "generate_series", "unnest"];

/// Makes `conn` (the case opened read-only) answer SQL as the operator sees the case: the mask's
/// functions registered and the masked views created.
pub fn prepare(conn: &Connection, mask: Arc<Mask>) -> Result<()> {
    conn.register_scalar_function_with_state::<Stream>("casefile_stream", &mask.clone())?;
    conn.register_scalar_function_with_state::<Payload>("casefile_payload", &mask.clone())?;
    conn.register_scalar_function_with_state::<Metadata>("casefile_metadata", &mask.clone())?;
    conn.register_scalar_function_with_state::<Derived>("casefile_derived", &mask.clone())?;
    conn.register_scalar_function_with_state::<Message>("casefile_message", &mask.clone())?;
    conn.register_scalar_function_with_state::<Pseudonym>("casefile_pseudonym", &mask.clone())?;
    conn.register_scalar_function_with_state::<Differences>("casefile_differences", &mask.clone())?;
    let catalog: String = conn.query_row("SELECT current_database()", [], |r| r.get(0))?;
    let profile = mask.profile();
    for (view, masked) in VIEWS {
        let mut stmt = conn.prepare(
            "SELECT column_name FROM information_schema.columns
             WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
        )?;
        let columns: Vec<String> = stmt
            .query_map([view], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        let select: Vec<String> = columns
            .iter()
            .map(|c| {
                let q = crate::store::sql::quote_ident(c);
                let expr = if ENVELOPE.contains(&c.as_str()) && profile.drop.contains(c) {
                    "NULL".to_string()
                } else if ENVELOPE.contains(&c.as_str()) && profile.pseudonymize.contains(c) {
                    format!("casefile_pseudonym({q})")
                } else {
                    masked
                        .iter()
                        .find(|(name, _)| name == c)
                        .map_or(q.clone(), |(_, e)| e.to_string())
                };
                format!("{expr} AS {q}")
            })
            .collect();
        conn.execute_batch(&format!(
            "CREATE TEMP VIEW {view} AS SELECT {} FROM {}.main.{view};",
            select.join(", "),
            crate::store::sql::quote_ident(&catalog)
        ))?;
    }
    Ok(())
}

/// Answers `query` on `conn` (the case opened read-only) as the operator sees the case: the views
/// made, the query checked, then run.
pub fn run(conn: &Connection, query: &str, max_rows: usize, mask: Arc<Mask>) -> Result<SqlResult> {
    prepare(conn, mask)?;
    check(conn, query.trim().trim_end_matches(';'))?;
    crate::inspect::sql(conn, query, max_rows)
}

/// Refuses a query that would read anything but the masked views.
pub fn check(conn: &Connection, query: &str) -> Result<()> {
    let refused = |cause: String| Error::QueryRefused { cause };
    let ast: String = conn.query_row("SELECT json_serialize_sql(?)", [query], |r| r.get(0))?;
    let ast: Value = serde_json::from_str(&ast).map_err(|e| refused(e.to_string()))?;
    if ast["error"].as_bool() == Some(true) {
        let why = ast["error_message"]
            .as_str()
            .unwrap_or("it is not a single SELECT");
        return Err(refused(format!(
            "the operator view runs one SELECT over its masked tables, and this query is not one ({why})."
        )));
    }
    let statements = ast["statements"].as_array().map_or(0, Vec::len);
    if statements != 1 {
        return Err(refused(format!(
            "the operator view runs one SELECT at a time; this text holds {statements}."
        )));
    }
    let mut ctes = Vec::new();
    collect_ctes(&ast, &mut ctes);
    // Every name a table reference could resolve to (the case's tables, DuckDB's own views such as
    // sqlite_master): a CTE may not take one, or a reference outside the CTE's scope would read it.
    let real: Vec<String> = {
        let mut stmt = conn.prepare(
            "SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views()",
        )?;
        let names = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        names
    };
    let views: Vec<&str> = VIEWS.iter().map(|(v, _)| *v).collect();
    if let Some(c) = ctes
        .iter()
        .find(|c| real.iter().any(|r| r.eq_ignore_ascii_case(c)) && !views.contains(&c.as_str()))
    {
        return Err(refused(format!(
            "the CTE `{c}` has the name of a table of the case; name it otherwise."
        )));
    }
    let mut problem = None;
    walk(&ast, &mut |node| {
        if problem.is_some() {
            return;
        }
        match node["type"].as_str() {
            Some("BASE_TABLE") => {
                let name = node["table_name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_lowercase();
                let qualified = !node["schema_name"].as_str().unwrap_or_default().is_empty()
                    || !node["catalog_name"].as_str().unwrap_or_default().is_empty();
                if qualified || !(views.contains(&name.as_str()) || ctes.contains(&name)) {
                    problem = Some(format!(
                        "the operator view reads only its masked tables, by their plain names ({}); `{}` is not one of them.",
                        views.join(", "),
                        node["qualified_name"]["path"]
                            .as_array()
                            .map(|p| p
                                .iter()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join("."))
                            .unwrap_or(name)
                    ));
                }
            }
            Some("FUNCTION")
                if node["function_name"]
                    .as_str()
                    .is_some_and(|f| f.to_lowercase().starts_with("casefile_")) =>
            {
                problem = Some(format!(
                    "the functions that mask the views (`{}`) are not for queries: they would tell which pseudonym a guessed value has.",
                    node["function_name"].as_str().unwrap_or_default()
                ));
            }
            Some("TABLE_FUNCTION") => {
                let f = node["function"]["function_name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_lowercase();
                if !NUMBER_FUNCTIONS.contains(&f.as_str()) {
                    problem = Some(format!(
                        "the operator view reads only its masked tables; the table function `{f}` is not available in it."
                    ));
                }
            }
            _ => {}
        }
    });
    match problem {
        Some(p) => Err(refused(p)),
        None => Ok(()),
    }
}

fn collect_ctes(v: &Value, out: &mut Vec<String>) {
    walk(v, &mut |node| {
        if let Some(map) = node["cte_map"]["map"].as_array() {
            for entry in map {
                if let Some(k) = entry["key"].as_str() {
                    out.push(k.to_lowercase());
                }
            }
        }
    });
}

fn walk(v: &Value, f: &mut dyn FnMut(&Value)) {
    match v {
        Value::Object(map) => {
            f(v);
            for child in map.values() {
                walk(child, f);
            }
        }
        Value::Array(items) => {
            for child in items {
                walk(child, f);
            }
        }
        _ => {}
    }
}

/// Applies `op` to each row's text arguments, writing its text result (NULL in, NULL out for the
/// last argument).
fn map_rows(
    input: &mut DataChunkHandle,
    output: &mut dyn WritableVector,
    op: &dyn Fn(&[Option<String>]) -> Option<String>,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let rows = input.len();
    let columns = input.num_columns();
    let vectors: Vec<_> = (0..columns).map(|i| input.flat_vector(i)).collect();
    let mut out = output.flat_vector();
    let mut args = vec![None; columns];
    for row in 0..rows {
        for (i, v) in vectors.iter().enumerate() {
            args[i] = if v.row_is_null(row as u64) {
                None
            } else {
                let mut s =
                    unsafe { v.as_slice_with_len::<duckdb::ffi::duckdb_string_t>(rows) }[row];
                Some(duckdb::types::DuckString::new(&mut s).as_str().into_owned())
            };
        }
        match op(&args) {
            Some(text) => out.insert(row, text.as_str()),
            None => out.set_null(row),
        }
    }
    Ok(())
}

fn text_to_text(arity: usize) -> Vec<ScalarFunctionSignature> {
    vec![ScalarFunctionSignature::exact(
        (0..arity).map(|_| LogicalTypeId::Varchar.into()).collect(),
        LogicalTypeId::Varchar.into(),
    )]
}

/// Parses JSON text, masks it, writes it back (text that is not JSON is withheld whole).
fn json_through(text: &str, op: &dyn Fn(&mut Value)) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(mut v) => {
            op(&mut v);
            v.to_string()
        }
        Err(_) => serde_json::to_string(super::WITHHELD).unwrap_or_default(),
    }
}

macro_rules! masking_function {
    ($name:ident, $arity:expr, |$mask:ident, $args:ident| $body:expr) => {
        struct $name;
        impl VScalar for $name {
            type State = Arc<Mask>;
            fn invoke(
                state: &Self::State,
                input: &mut DataChunkHandle,
                output: &mut dyn WritableVector,
            ) -> std::result::Result<(), Box<dyn std::error::Error>> {
                let $mask = state;
                map_rows(input, output, &|$args| $body)
            }
            fn signatures() -> Vec<ScalarFunctionSignature> {
                text_to_text($arity)
            }
        }
    };
}

masking_function!(Stream, 1, |m, a| a[0].as_deref().map(|s| m.stream(s)));
masking_function!(Pseudonym, 1, |m, a| a[0].as_deref().map(|s| m.pseudonym(s)));
masking_function!(Payload, 2, |m, a| a[1]
    .as_deref()
    .map(|t| json_through(t, &|v| m.payload(a[0].as_deref(), v))));
masking_function!(Metadata, 1, |m, a| a[0]
    .as_deref()
    .map(|t| json_through(t, &|v| m.metadata(v))));
masking_function!(Derived, 2, |m, a| a[1]
    .as_deref()
    .map(|t| json_through(t, &|v| m.derived(a[0].as_deref(), v))));
masking_function!(Message, 2, |m, a| a[1].as_deref().map(|t| {
    let mut text = t.to_string();
    m.message(a[0].as_deref(), &mut text);
    text
}));

masking_function!(Differences, 2, |m, a| a[1]
    .as_deref()
    .map(|t| json_through(t, &|v| m.differences(a[0].as_deref(), v))));
