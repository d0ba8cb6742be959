//! Reading what a case holds: its summary (`info`), pages of events, the quarantine, and
//! user-typed SQL on a locked-down connection.

use std::collections::BTreeMap;

use duckdb::types::ValueRef;
use duckdb::Connection;
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::rows::{event_row, EVENT_COLUMNS};
use crate::model::{format_micros, parse_instant, Axis, Event, Micros, PageCursor};

pub mod detail;

/// The chain-of-custody record of one source.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct SourceRecord {
    pub source_id: i64,
    pub path: String,
    pub file_name: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub format: String,
    pub container: String,
    pub compression: String,
    pub detected_by: String,
    pub mapping: String,
    pub imported_at: String,
    pub imported_by: String,
    pub tool_version: String,
    pub rows_read: i64,
    pub rows_loaded: i64,
    pub rows_quarantined: i64,
    pub duplicates: i64,
    pub recorded_at_defaulted: i64,
    pub naive_timestamps: i64,
    /// Events given a time that is not their own (schema 5; absent from older bundles).
    #[serde(default)]
    pub times_placed: i64,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CaseInfo {
    pub path: String,
    pub schema_version: i64,
    pub events: i64,
    pub streams: i64,
    /// Earliest and latest occurred_at.
    pub first_at: Option<String>,
    pub last_at: Option<String>,
    pub first_recorded_at: Option<String>,
    pub last_recorded_at: Option<String>,
    pub event_types: BTreeMap<String, i64>,
    /// Streams per stream type.
    pub stream_types: BTreeMap<String, i64>,
    pub quarantined: i64,
    pub findings: BTreeMap<String, i64>,
    pub sources: Vec<SourceRecord>,
    /// Set when the case is a bundle opened read-only: the bundle's path (every write is refused).
    pub bundle: Option<String>,
    /// The view the case is shown in (set by the facade).
    pub view: Option<crate::viewer::ViewInfo>,
}

fn opt_time(us: Option<i64>) -> Option<String> {
    us.map(format_micros)
}

pub fn info(conn: &Connection, path: &str) -> Result<CaseInfo> {
    let (events, streams, first, last, first_rec, last_rec): (i64, i64, Option<i64>, Option<i64>, Option<i64>, Option<i64>) =
        conn.query_row(
            "SELECT count(*), count(DISTINCT stream_id), epoch_us(min(occurred_at)), epoch_us(max(occurred_at)),
                    epoch_us(min(recorded_at)), epoch_us(max(recorded_at)) FROM events",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )?;
    let counts = |sql: &str| -> Result<BTreeMap<String, i64>> {
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    };
    let schema_version: i64 = conn
        .query_row(
            "SELECT value FROM case_meta WHERE key = 'schema_version'",
            [],
            |r| r.get::<_, String>(0),
        )?
        .parse()
        .unwrap_or(0);
    Ok(CaseInfo {
        path: path.to_string(),
        schema_version,
        events,
        streams,
        first_at: opt_time(first),
        last_at: opt_time(last),
        first_recorded_at: opt_time(first_rec),
        last_recorded_at: opt_time(last_rec),
        event_types: counts("SELECT event_type, count(*) FROM events GROUP BY 1")?,
        stream_types: counts(
            "SELECT coalesce(stream_type, '(none)'), count(DISTINCT stream_id) FROM events GROUP BY 1",
        )?,
        quarantined: conn.query_row("SELECT count(*) FROM quarantine", [], |r| r.get(0))?,
        findings: counts("SELECT kind, count(*) FROM findings GROUP BY 1")?,
        sources: sources(conn)?,
        bundle: None,
        view: None,
    })
}

pub fn sources(conn: &Connection) -> Result<Vec<SourceRecord>> {
    let mut stmt = conn.prepare(
        "SELECT source_id, path, file_name, size_bytes, sha256, format, container, compression, detected_by, mapping,
                epoch_us(imported_at), imported_by, tool_version, rows_read, rows_loaded, rows_quarantined, duplicates,
                recorded_at_defaulted, naive_timestamps, coalesce(times_placed, 0)
         FROM sources ORDER BY source_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(SourceRecord {
            source_id: r.get(0)?,
            path: r.get(1)?,
            file_name: r.get(2)?,
            size_bytes: r.get(3)?,
            sha256: r.get(4)?,
            format: r.get(5)?,
            container: r.get(6)?,
            compression: r.get(7)?,
            detected_by: r.get(8)?,
            mapping: r.get(9)?,
            imported_at: format_micros(r.get(10)?),
            imported_by: r.get(11)?,
            tool_version: r.get(12)?,
            rows_read: r.get(13)?,
            rows_loaded: r.get(14)?,
            rows_quarantined: r.get(15)?,
            duplicates: r.get(16)?,
            recorded_at_defaulted: r.get(17)?,
            naive_timestamps: r.get(18)?,
            times_placed: r.get(19)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    pub stream: Option<String>,
    pub event_type: Option<String>,
    pub from: Option<Micros>,
    pub to: Option<Micros>,
    pub axis: Axis,
    pub limit: usize,
    pub offset: usize,
    /// Start after this page cursor (a page's `next`) instead of at `offset`.
    pub after: Option<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct EventPage {
    pub events: Vec<Event>,
    /// Events matching the filter in all (the page holds at most `limit`).
    pub total: i64,
    /// The cursor of the next page (`after`), when this one was full.
    pub next: Option<String>,
}

pub fn events(conn: &Connection, q: &EventQuery) -> Result<EventPage> {
    let axis = q.axis.column();
    let mut clauses = Vec::new();
    let mut params: Vec<Box<dyn duckdb::ToSql>> = Vec::new();
    if let Some(s) = &q.stream {
        clauses.push("stream_id = ?".to_string());
        params.push(Box::new(s.clone()));
    }
    if let Some(t) = &q.event_type {
        clauses.push("event_type = ?".to_string());
        params.push(Box::new(t.clone()));
    }
    if let Some(f) = q.from {
        clauses.push(format!("{axis} >= make_timestamp(?)"));
        params.push(Box::new(f));
    }
    if let Some(t) = q.to {
        clauses.push(format!("{axis} <= make_timestamp(?)"));
        params.push(Box::new(t));
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let refs: Vec<&dyn duckdb::ToSql> = params.iter().map(|p| p.as_ref()).collect();
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM events {filter}"),
        refs.as_slice(),
        |r| r.get(0),
    )?;
    let (page_filter, offset) = match &q.after {
        Some(text) => {
            let cursor = PageCursor::decode(text)?;
            let seq: i64 = cursor.tie.parse().map_err(|_| Error::BadArgument {
                message: format!("`{text}` is not a cursor of the event list."),
            })?;
            (cursor.narrow(&filter, axis, "seq", &seq.to_string()), 0)
        }
        None => (filter, q.offset),
    };
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events {page_filter} ORDER BY {axis}, seq LIMIT {} OFFSET {offset}",
        q.limit
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(refs.as_slice(), event_row)?;
    let events: Vec<Event> = rows.collect::<std::result::Result<_, _>>()?;
    let next = match events.last() {
        Some(last) if events.len() == q.limit => Some(
            PageCursor {
                at: parse_instant(match q.axis {
                    Axis::Occurred => &last.occurred_at,
                    Axis::Recorded => &last.recorded_at,
                })?,
                tie: last.seq.to_string(),
            }
            .encode(),
        ),
        _ => None,
    };
    Ok(EventPage {
        events,
        total,
        next,
    })
}

/// One stream found by a search.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct StreamSummary {
    pub stream_id: String,
    pub stream_type: Option<String>,
    pub events: i64,
}

/// Streams whose id contains `text` (case-insensitive), optionally of one type, by id, at most `limit`.
pub fn streams(
    conn: &Connection,
    text: &str,
    stream_type: Option<&str>,
    limit: usize,
) -> Result<Vec<StreamSummary>> {
    let pattern = format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let mut stmt = conn.prepare(&format!(
        "SELECT stream_id, any_value(stream_type), count(*) FROM events
         WHERE stream_id ILIKE ? ESCAPE '\\' AND (? IS NULL OR stream_type = ?)
         GROUP BY stream_id ORDER BY stream_id LIMIT {}",
        limit.min(1_000)
    ))?;
    let rows = stmt.query_map(
        duckdb::params![pattern, stream_type, stream_type],
        stream_summary,
    )?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// A row of (stream_id, stream_type, events).
fn stream_summary(r: &duckdb::Row) -> duckdb::Result<StreamSummary> {
    Ok(StreamSummary {
        stream_id: r.get(0)?,
        stream_type: r.get(1)?,
        events: r.get(2)?,
    })
}

/// The streams named in `ids` (optionally of one type), by id.
pub fn streams_named(
    conn: &Connection,
    ids: &[String],
    stream_type: Option<&str>,
) -> Result<Vec<StreamSummary>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let list: Vec<String> = ids.iter().map(|i| crate::store::sql::lit(i)).collect();
    let mut stmt = conn.prepare(&format!(
        "SELECT stream_id, any_value(stream_type), count(*) FROM events
         WHERE stream_id IN ({}) AND (? IS NULL OR stream_type = ?)
         GROUP BY stream_id",
        list.join(", ")
    ))?;
    let rows = stmt.query_map(duckdb::params![stream_type, stream_type], stream_summary)?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct QuarantineRow {
    /// The source file's name.
    pub source: String,
    pub source_id: i64,
    pub row: i64,
    pub reason: String,
    pub raw: String,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct QuarantineReport {
    pub rows: Vec<QuarantineRow>,
}

/// One page of quarantined rows (optionally of one source) and how many there are in all.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct QuarantinePage {
    pub rows: Vec<QuarantineRow>,
    pub total: i64,
}

pub fn quarantine_page(
    conn: &Connection,
    source_id: Option<i64>,
    limit: usize,
    offset: usize,
) -> Result<QuarantinePage> {
    let total: i64 = conn.query_row(
        "SELECT count(*) FROM quarantine WHERE ?::BIGINT IS NULL OR source_id = ?",
        duckdb::params![source_id, source_id],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(&format!(
        r#"SELECT s.file_name, q.source_id, q."row", q.reason, q.raw FROM quarantine q JOIN sources s USING (source_id)
           WHERE ?::BIGINT IS NULL OR q.source_id = ? ORDER BY q.source_id, q."row" LIMIT {limit} OFFSET {offset}"#
    ))?;
    let rows = stmt.query_map(duckdb::params![source_id, source_id], |r| {
        Ok(QuarantineRow {
            source: r.get(0)?,
            source_id: r.get(1)?,
            row: r.get(2)?,
            reason: r.get(3)?,
            raw: r.get(4)?,
        })
    })?;
    Ok(QuarantinePage {
        rows: rows.collect::<std::result::Result<_, _>>()?,
        total,
    })
}

pub fn quarantine(conn: &Connection) -> Result<QuarantineReport> {
    let page = quarantine_page(conn, None, i64::MAX as usize, 0)?;
    Ok(QuarantineReport { rows: page.rows })
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SqlResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    /// True when the result had more than `max_rows` rows and was cut.
    pub truncated: bool,
}

fn cell(v: ValueRef<'_>) -> Value {
    use duckdb::types::ValueRef as V;
    match v {
        V::Null => Value::Null,
        V::Boolean(b) => Value::Bool(b),
        V::TinyInt(i) => i.into(),
        V::SmallInt(i) => i.into(),
        V::Int(i) => i.into(),
        V::BigInt(i) => i.into(),
        V::HugeInt(i) => Value::String(i.to_string()),
        V::UTinyInt(i) => i.into(),
        V::USmallInt(i) => i.into(),
        V::UInt(i) => i.into(),
        V::UBigInt(i) => i.into(),
        V::Float(f) => serde_json::Number::from_f64(f as f64)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        V::Double(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        V::Text(t) => Value::String(String::from_utf8_lossy(t).to_string()),
        V::Blob(b) => Value::String(hex::encode(b)),
        V::Interval {
            months,
            days,
            nanos,
        } => Value::String(interval_text(months, days, nanos)),
        other => Value::String(format!("{:?}", other.to_owned())),
    }
}

/// An interval as DuckDB writes it: "1 year 2 months 38 days 23:59:59.999847".
fn interval_text(months: i32, days: i32, nanos: i64) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n.abs() == 1 { "" } else { "s" });
    let mut parts = Vec::new();
    let (years, months) = (months / 12, months % 12);
    if years != 0 {
        parts.push(plural(years as i64, "year"));
    }
    if months != 0 {
        parts.push(plural(months as i64, "month"));
    }
    if days != 0 {
        parts.push(plural(days as i64, "day"));
    }
    if nanos != 0 || parts.is_empty() {
        let sign = if nanos < 0 { "-" } else { "" };
        let micros = nanos.unsigned_abs() / 1_000;
        let (secs, frac) = (micros / 1_000_000, micros % 1_000_000);
        let mut t = format!(
            "{sign}{:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
        if frac != 0 {
            t += &format!(".{frac:06}");
        }
        parts.push(t);
    }
    parts.join(" ")
}

/// Runs user SQL on a connection opened by `store::open_locked_down`. Every value is cast to a
/// JSON-friendly type in DuckDB first (times come back as RFC 3339 text via VARCHAR casts).
pub fn sql(conn: &Connection, query: &str, max_rows: usize) -> Result<SqlResult> {
    let trimmed = query.trim().trim_end_matches(';');
    if trimmed.is_empty() {
        return Err(Error::BadArgument {
            message: "The query is empty. Write a SELECT, e.g. SELECT event_type, count(*) FROM events GROUP BY 1.".into(),
        });
    }
    let refuse = |e: duckdb::Error| {
        let text = e.to_string();
        if text.contains("read-only")
            || text.contains("external access")
            || text.contains("disabled")
            || text.contains("lock_configuration")
            || text.contains("locked")
        {
            Error::QueryRefused { cause: text }
        } else {
            Error::Query { cause: text }
        }
    };
    let mut stmt = conn.prepare(trimmed).map_err(refuse)?;
    let mut rows = stmt.query([]).map_err(refuse)?;
    let columns: Vec<String> = rows.as_ref().map(|s| s.column_names()).unwrap_or_default();
    let mut out = Vec::new();
    let mut truncated = false;
    while let Some(row) = rows.next().map_err(refuse)? {
        if out.len() == max_rows {
            truncated = true;
            break;
        }
        let mut values = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            let v = match row.get_ref(i)? {
                ValueRef::Timestamp(unit, n) => {
                    use duckdb::types::TimeUnit;
                    let us = match unit {
                        TimeUnit::Second => n * 1_000_000,
                        TimeUnit::Millisecond => n * 1000,
                        TimeUnit::Microsecond => n,
                        TimeUnit::Nanosecond => n / 1000,
                    };
                    Value::String(format_micros(us))
                }
                other => cell(other),
            };
            values.push(v);
        }
        out.push(values);
    }
    Ok(SqlResult {
        columns,
        rows: out,
        truncated,
    })
}
