//! Framing a SQL dump (see `sqldump` for the reading, `tables` for what tables hold): the rows of
//! each event table are staged as canonical documents, numbered one by one in file order; stream
//! tables give their streams' types once the whole dump is read (pg_dump writes tables in name
//! order, so `mt_events` comes before `mt_streams`); large objects a whole-database dump holds
//! after the tables are joined to the rows that name them. Every table's rows are counted, so each
//! event table reconciles on its own: rows read = loaded + quarantined + duplicates.

use std::collections::HashMap;

use duckdb::Connection;
use serde_json::Value;

use super::formats::Outcome;
use super::frame::{oversize_reason, Stager, MAX_ROW_BYTES};
use super::mapping::Mapping;
use super::source::Source;
use super::sqldump::{Dialect, DumpReader, Item, Table};
use super::tables::{self, Reading, Store, TableRead, TableRole, ValueContext};
use crate::error::{Error, Result};

/// One table of the dump and the rows (numbered as staged) its events took.
#[derive(Debug, Clone)]
pub struct TableSpan {
    pub read: TableRead,
    pub reading: Reading,
    pub first_row: i64,
    pub last_row: i64,
    /// The table definition its rows were last read with, and its columns' kinds.
    kinds: Option<(std::rc::Rc<Table>, Vec<tables::ValueKind>)>,
}

/// How far a preview reads on past the rows it maps, to count every table's rows and read the
/// stream table that usually comes after the events.
const PREVIEW_SCAN_BYTES: u64 = 256 << 20;

/// The start of the reason a row gets while its large object is not yet read.
const LARGE_OBJECT_MISSING: &str = "is large object";

/// Stages the event rows of a dump; returns every table met, in file order.
pub fn frame_dump(
    conn: &Connection,
    src: &mut Source,
    stager: &mut Stager,
    user: Option<&Mapping>,
    tick: &dyn Fn(u64) -> bool,
    limit: Option<u64>,
) -> Result<Vec<TableSpan>> {
    let head = src.peek(1 << 16)?;
    let dialect = Dialect::sniff(&head);
    let path = src.path.clone();
    let mut spans: Vec<TableSpan> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let mut row: i64 = 0;
    let mut pending_lo: Vec<i64> = Vec::new();
    let mut lo_table: Option<std::rc::Rc<Table>> = None;
    let mut streams = 0u64;
    let mut large_objects = 0u64;
    conn.execute_batch(
        "CREATE OR REPLACE TEMP TABLE dump_streams (key VARCHAR, type VARCHAR);
         CREATE OR REPLACE TEMP TABLE dump_lo (oid VARCHAR, data BLOB);",
    )?;
    let no_objects: HashMap<String, Vec<u8>> = HashMap::new();
    let started = std::time::Instant::now();
    {
        let mut stream_app = conn.appender_to_catalog_and_db("dump_streams", "temp", "main")?;
        let mut lo_app = conn.appender_to_catalog_and_db("dump_lo", "temp", "main")?;
        let bytes_read = src.bytes_read.clone();
        let mut reader = DumpReader::new(src.reader(), dialect, MAX_ROW_BYTES);
        let mut items = 0u64;
        // A preview stops staging at its limit but reads on (up to PREVIEW_SCAN_BYTES) to count.
        let mut counting_only = false;
        loop {
            if limit.is_some_and(|l| stager.rows >= l) {
                counting_only = true;
                if bytes_read.load(std::sync::atomic::Ordering::Relaxed) > PREVIEW_SCAN_BYTES {
                    break;
                }
            }
            let item = match reader.next_item() {
                Ok(Some(item)) => item,
                Ok(None) => break,
                Err(e) => {
                    return Err(Error::SourceFormat {
                        path: path.clone(),
                        cause: format!(
                            "it is {} that cannot be read past line {}: {}. Nothing was imported.",
                            dialect.tool(),
                            e.line,
                            e.message
                        ),
                    })
                }
            };
            items += 1;
            if items.is_multiple_of(65_536) && !tick(stager.rows) {
                return Err(Error::Cancelled { path: path.clone() });
            }
            let ctx = ValueContext {
                mysql_utc: reader.mysql_utc,
            };
            let (table, values, raw, oversize) = match item {
                Item::LargeObject { oid, bytes } => {
                    lo_app.append_row(duckdb::params![oid, bytes])?;
                    large_objects += 1;
                    continue;
                }
                Item::Row {
                    table, values, raw, ..
                } => (table, values, raw, None),
                Item::Oversize {
                    table,
                    kept,
                    length,
                    ..
                } => (table, Vec::new(), kept, Some(length)),
            };
            // A dump of several databases (pg_dumpall, --all-databases) names each table's.
            let name = match &reader.database {
                Some(db) => format!("{db}: {}", table.name),
                None => table.name.clone(),
            };
            let at = *by_name.entry(name.clone()).or_insert_with(|| {
                let reading = tables::classify(&table, user);
                let (role, store, note) = match &reading {
                    Reading::Events(s) => (TableRole::Events, Some(*s), String::new()),
                    Reading::Streams => (TableRole::Streams, None, String::new()),
                    Reading::Skipped(why) => (TableRole::Skipped, None, why.clone()),
                };
                spans.push(TableSpan {
                    read: TableRead {
                        table: name.clone(),
                        role,
                        store,
                        rows_read: 0,
                        rows_loaded: 0,
                        rows_quarantined: 0,
                        duplicates: 0,
                        note,
                    },
                    reading,
                    first_row: 0,
                    last_row: 0,
                    kinds: None,
                });
                spans.len() - 1
            });
            let span = &mut spans[at];
            span.read.rows_read += 1;
            let store = match &span.reading {
                Reading::Events(store) => *store,
                Reading::Streams => {
                    if let Ok(o) = tables::row_object(&table.columns, &values, ctx) {
                        if let Some((key, ty)) = tables::marten_stream(&o) {
                            stream_app.append_row(duckdb::params![key, ty])?;
                            streams += 1;
                        }
                    }
                    continue;
                }
                Reading::Skipped(_) => continue,
            };
            if counting_only {
                continue;
            }
            row += 1;
            if span.first_row == 0 {
                span.first_row = row;
            }
            span.last_row = row;
            if let Some(length) = oversize {
                stager.push(row, &raw, None, Some(&oversize_reason(length)))?;
                continue;
            }
            // Column kinds are worked out once per table definition (a COPY block shares one).
            if !span
                .kinds
                .as_ref()
                .is_some_and(|(t, _)| std::rc::Rc::ptr_eq(t, &table))
            {
                span.kinds = Some((table.clone(), tables::value_kinds(&table.columns)));
            }
            let kinds = &span.kinds.as_ref().expect("set above").1;
            let object = match tables::row_object_of_kinds(&table.columns, kinds, &values, ctx) {
                Ok(o) => o,
                Err(why) => {
                    stager.push(row, &raw, None, Some(&why))?;
                    continue;
                }
            };
            let outcome = match store {
                Store::Marten => tables::marten_doc(&object, None),
                Store::Axon => tables::axon_doc(&table.columns, &object, &no_objects),
                Store::Canonical => tables::canonical_doc(&object),
                Store::Mapped => Outcome::Doc(Value::Object(object.clone())),
            };
            match outcome {
                Outcome::Doc(d) => stager.push(row, &raw, Some(&d.to_string()), None)?,
                Outcome::Refused(why) => {
                    // Kept with the row's columns: the large objects may come later in the dump.
                    let columns = (store == Store::Axon && why.contains(LARGE_OBJECT_MISSING))
                        .then(|| Value::Object(object).to_string());
                    if columns.is_some() {
                        pending_lo.push(row);
                        lo_table.get_or_insert(table.clone());
                    }
                    stager.push(row, &raw, columns.as_deref(), Some(&why))?;
                }
            }
        }
        stream_app.flush()?;
        lo_app.flush()?;
    }
    stager.flush()?;
    super::log_elapsed("dump read", started);
    for span in &mut spans {
        if span.read.role == TableRole::Streams {
            span.read.note = format!(
                "{} stream{} whose types the events take",
                span.read.rows_read,
                if span.read.rows_read == 1 { "" } else { "s" }
            );
        }
    }
    if streams > 0 {
        let applying = std::time::Instant::now();
        apply_stream_types(conn, &spans)?;
        super::log_elapsed("stream types", applying);
    }
    if let (Some(table), true) = (lo_table, large_objects > 0) {
        resolve_large_objects(conn, &table, &pending_lo)?;
    }
    conn.execute_batch(
        "DROP TABLE IF EXISTS temp.dump_streams; DROP TABLE IF EXISTS temp.dump_lo;",
    )?;
    Ok(spans)
}

/// Marten rows take their stream's type from the stream table (a type-less stream has none).
/// The stage is rewritten rather than updated: an UPDATE of every row keeps the old values in
/// memory until it commits, a rewrite streams and spills.
fn apply_stream_types(conn: &Connection, spans: &[TableSpan]) -> Result<()> {
    let ranges: Vec<String> = spans
        .iter()
        .filter(|s| s.reading == Reading::Events(Store::Marten) && s.first_row > 0)
        .map(|s| format!(r#"s."row" BETWEEN {} AND {}"#, s.first_row, s.last_row))
        .collect();
    if ranges.is_empty() {
        return Ok(());
    }
    super::frame::rewrite_stage(
        conn,
        r#"CASE WHEN st.key IS NOT NULL THEN json_merge_patch(s.doc::JSON, json_object('stream_type', st.type))::VARCHAR ELSE s.doc END"#,
        &format!(
            r#"LEFT JOIN (SELECT key, any_value(type) AS type FROM dump_streams GROUP BY key) st
               ON s.pre_reason IS NULL AND s.doc IS NOT NULL AND ({})
              AND json_extract_string(s.doc, '$.stream_id') = st.key"#,
            ranges.join(" OR ")
        ),
    )
}

/// Rows whose payload or meta-data is a large object read again, now that the dump's large
/// objects are known.
fn resolve_large_objects(conn: &Connection, table: &Table, rows: &[i64]) -> Result<()> {
    struct FromCase<'c>(&'c Connection);
    impl tables::LargeObjects for FromCase<'_> {
        fn get(&self, oid: &str) -> Option<Vec<u8>> {
            self.0
                .query_row(
                    "SELECT data FROM dump_lo WHERE oid = ? LIMIT 1",
                    [oid],
                    |r| r.get(0),
                )
                .ok()
        }
    }
    let objects = FromCase(conn);
    for row in rows {
        let (columns,): (Option<String>,) =
            conn.query_row(r#"SELECT doc FROM stage WHERE "row" = ?"#, [row], |r| {
                Ok((r.get(0)?,))
            })?;
        let Some(Value::Object(o)) = columns.and_then(|c| serde_json::from_str(&c).ok()) else {
            continue;
        };
        match tables::axon_doc(&table.columns, &o, &objects) {
            Outcome::Doc(d) => conn.execute(
                r#"UPDATE stage SET doc = ?, pre_reason = NULL WHERE "row" = ?"#,
                duckdb::params![d.to_string(), row],
            )?,
            Outcome::Refused(why) => conn.execute(
                r#"UPDATE stage SET doc = NULL, pre_reason = ? WHERE "row" = ?"#,
                duckdb::params![why, row],
            )?,
        };
    }
    Ok(())
}

/// Counts what became of each event table's rows, once the file is loaded as `source_id`.
pub fn reconcile_tables(conn: &Connection, source_id: i64, spans: &mut [TableSpan]) -> Result<()> {
    for s in spans
        .iter_mut()
        .filter(|s| s.read.role == TableRole::Events)
    {
        if s.first_row == 0 {
            continue;
        }
        let count = |sql: &str| -> Result<u64> {
            let n: i64 = conn.query_row(
                sql,
                duckdb::params![source_id, s.first_row, s.last_row],
                |r| r.get(0),
            )?;
            Ok(n as u64)
        };
        s.read.rows_loaded = count(
            "SELECT count(*) FROM main.events WHERE source_id = ? AND source_row BETWEEN ? AND ?",
        )?;
        s.read.rows_quarantined = count(
            r#"SELECT count(*) FROM main.quarantine WHERE source_id = ? AND "row" BETWEEN ? AND ?"#,
        )?;
        let dup: i64 = conn.query_row(
            r#"SELECT count(*) FROM collisions WHERE status = 'duplicate' AND "row" BETWEEN ? AND ?"#,
            duckdb::params![s.first_row, s.last_row],
            |r| r.get(0),
        )?;
        s.read.duplicates = dup as u64;
    }
    Ok(())
}

/// One sentence per table, for the import's finding and message.
pub fn tables_sentence(dialect_tool: &str, spans: &[TableSpan]) -> String {
    let parts: Vec<String> = spans
        .iter()
        .map(|s| {
            let r = &s.read;
            let rows = |n: u64| format!("{n} row{}", if n == 1 { "" } else { "s" });
            match r.role {
                TableRole::Events => format!(
                    "{} ({} events): {} read, {} loaded, {} quarantined, {} duplicate",
                    r.table,
                    match r.store {
                        Some(Store::Marten) => "Marten",
                        Some(Store::Axon) => "Axon",
                        Some(Store::Canonical) => "canonical",
                        Some(Store::Mapped) | None => "mapped",
                    },
                    rows(r.rows_read),
                    r.rows_loaded,
                    r.rows_quarantined,
                    r.duplicates
                ),
                TableRole::Streams => format!("{}: {}", r.table, r.note),
                TableRole::Skipped => {
                    format!("{} skipped, {} ({})", r.table, rows(r.rows_read), r.note)
                }
            }
        })
        .collect();
    if parts.is_empty() {
        return format!("{dialect_tool} holding no table data.");
    }
    format!("Tables of {dialect_tool}: {}.", parts.join("; "))
}
