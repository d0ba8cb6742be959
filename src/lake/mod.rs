//! The lake export: a case written as Parquet laid out for distributed engines (Apache Spark,
//! Trino, Hive), with a manifest that says what every file holds and lets anyone check it.
//!
//! Layout of `DIR`:
//! - `events/event_date=YYYY-MM-DD/stream_bucket=N/*.parquet`: every event, partitioned by the UTC
//!   date it occurred and a bucket of its stream (the first 8 hex digits of `md5(stream_id)`, as an
//!   integer, modulo `stream_buckets`); times as UTC microsecond timestamps, payload and metadata as
//!   JSON text.
//! - `decisions/*.parquet`: the decision view.
//! - `states/view=V/axis=A/*.parquet`: the state changelogs of every stream (see [`changelog`]):
//!   one row per stream and instant, `valid_from` to `valid_to`, so the state at T is one ASOF join.
//! - `manifest.json`: each file's SHA-256 and row count, the case's event count and the Merkle root
//!   over its events (a bundle's construction: a case without erasure markers gives the root a
//!   bundle of it all has, and the export of a bundle keeps the bundle's root; a bundle applies
//!   erasure markers, this export writes the case as it is), the fold rules' fingerprint, the state
//!   shapes per stream type, and the tool version.
//!
//! The export is written beside `DIR` and renamed into place when complete, so a failed or
//! cancelled export leaves nothing half-written.

pub mod changelog;
pub mod spark;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use duckdb::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::bundle::merkle::RootBuilder;
use crate::error::{Error, Result};
use crate::job::Job;
use crate::model::rows::EVENT_COLUMNS;
use crate::timeline::fold::FoldEvent;
use crate::timeline::rules::FoldRules;
use crate::timeline::snapshots;

/// The manifest's format name; a reader refuses others.
pub const FORMAT: &str = "casefile-lake/1";
pub const MANIFEST: &str = "manifest.json";

/// One file of an export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct LakeFile {
    /// Relative to the export's folder, with `/`.
    pub path: String,
    pub sha256: String,
    #[ts(type = "number")]
    pub rows: u64,
    /// `events`, `decisions` or `states`.
    pub table: String,
}

/// `manifest.json` of an export.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct LakeManifest {
    pub format: String,
    pub created_by: String,
    /// As a training set's manifest has it: the case's sources and event count, hashed.
    pub case_fingerprint: String,
    #[ts(type = "number")]
    pub events: u64,
    /// RFC 6962 Merkle root over the events' canonical lines in `seq` order (hex).
    pub merkle_root: String,
    #[ts(type = "number")]
    pub streams: u64,
    pub stream_buckets: u32,
    /// SHA-256 of the fold rules the states were folded with.
    pub fold_rules_sha256: String,
    /// Per stream type, the types of its states' top-level fields (JSON), for populations.
    pub shapes: BTreeMap<String, String>,
    /// Rows per table.
    #[ts(type = "Record<string, number>")]
    pub tables: BTreeMap<String, u64>,
    pub files: Vec<LakeFile>,
}

/// An export written.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct LakeExport {
    pub path: String,
    pub files: Vec<LakeFile>,
    #[ts(type = "number")]
    pub events: u64,
    pub merkle_root: String,
    #[ts(type = "Record<string, number>")]
    pub tables: BTreeMap<String, u64>,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// One thing wrong with an export.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct LakeProblem {
    pub file: String,
    pub message: String,
}

/// What checking an export found.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct LakeVerify {
    pub path: String,
    pub ok: bool,
    #[ts(type = "number")]
    pub files_checked: u64,
    #[ts(type = "number")]
    pub events: u64,
    pub merkle_root: String,
    pub problems: Vec<LakeProblem>,
}

fn sql_text(path: &Path) -> String {
    path.to_string_lossy().replace('\'', "''")
}

/// How many stream buckets: a power of two that keeps the busiest day's file of each bucket near
/// a million events at most. Sized by the day, not the case: a year of a billion events is 2.7M a
/// day, 4 buckets and 1,460 files, where sizing by the case's total would write 365 x 1,024 files
/// of 2,700 events (small files are what distributed readers handle worst).
fn bucket_count(busiest_day_events: u64) -> u32 {
    let mut n = 1u32;
    while (n as u64) * 1_000_000 < busiest_day_events && n < 1024 {
        n *= 2;
    }
    n
}

/// The SQL bucket of a stream id (also how a reader finds a stream's bucket).
pub fn bucket_sql(column: &str, buckets: u32) -> String {
    format!("(('0x' || substr(md5({column}), 1, 8))::UBIGINT % {buckets})::INTEGER")
}

/// Refuses a destination that holds anything.
fn check_destination(dir: &Path) -> Result<()> {
    if dir.exists() {
        let empty = dir.is_dir()
            && std::fs::read_dir(dir)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
        if !empty {
            return Err(Error::BadArgument {
                message: format!(
                    "{} already exists and is not an empty folder; choose a new folder for the export.",
                    dir.display()
                ),
            });
        }
    }
    Ok(())
}

/// Removes the staging folder unless the export completed.
pub(crate) struct Staging(pub(crate) PathBuf, pub(crate) bool);

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.1 {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Writes the lake export of the case on `conn` into `dir` (snapshots and the decision view must
/// be current). `cancelled` is asked between steps and streams.
pub fn export(conn: &Connection, rules: &FoldRules, dir: &Path, job: &Job) -> Result<LakeExport> {
    check_destination(dir)?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp)?;
    let mut staging = Staging(tmp.clone(), false);
    let _watch = job.watch(conn);
    let stop = || job.check();
    let say = |phase: &str, done: u64, total: u64| job.report(phase, done, total);

    let (events, streams): (i64, i64) = conn.query_row(
        "SELECT count(*), count(DISTINCT stream_id) FROM events",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let busiest_day: i64 = conn.query_row(
        "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM events GROUP BY CAST(occurred_at AS DATE))",
        [],
        |r| r.get(0),
    )?;
    let buckets = bucket_count(busiest_day as u64);

    say("writing the events", 0, 4);
    // Sorted by the partition (a sort DuckDB spills within the budget): each partition's rows
    // arrive together, so only a few Parquet writers, each buffering a row group, are open at
    // once. In stream order, every partition stays open for the whole scan. (Whether a file's
    // rows then keep `seq` order through DuckDB's parallel write is not checked.)
    conn.execute_batch(&format!(
        "COPY (SELECT seq, event_id, stream_id, stream_type, stream_version, event_type, schema_version,
                  occurred_at::TIMESTAMPTZ AS occurred_at, recorded_at::TIMESTAMPTZ AS recorded_at,
                  recorded_at_defaulted, naive_time, actor, reason, causation_id, correlation_id, corrects,
                  payload::VARCHAR AS payload, metadata::VARCHAR AS metadata,
                  {skipped} AS skipped, source_id, source_row,
                  CAST(occurred_at AS DATE) AS event_date, {bucket} AS stream_bucket
               FROM events ORDER BY event_date, stream_bucket, seq)
         TO '{out}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (event_date, stream_bucket), FILENAME_PATTERN 'part-{{i}}');",
        skipped = snapshots::SKIPPED_SQL,
        bucket = bucket_sql("stream_id", buckets),
        out = sql_text(&tmp.join("events")),
    ))?;
    stop()?;
    say("writing the decisions", 1, 4);
    std::fs::create_dir_all(tmp.join("decisions"))?;
    conn.execute_batch(&format!(
        "COPY (SELECT * REPLACE (decided_at::TIMESTAMPTZ AS decided_at, recorded_at::TIMESTAMPTZ AS recorded_at)
               FROM decisions ORDER BY decided_at, event_id)
         TO '{}' (FORMAT parquet, COMPRESSION zstd);",
        sql_text(&tmp.join("decisions").join("part-0.parquet"))
    ))?;
    stop()?;

    let shapes: BTreeMap<String, String> = {
        let mut stmt =
            conn.prepare("SELECT coalesce(stream_type, ''), structure FROM snapshot_shapes")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    write_states(conn, rules, &tmp, streams as u64, &shapes, job)?;
    stop()?;

    say("hashing the events", 3, 4);
    let merkle_root = hex::encode(event_root(conn)?);
    stop()?;

    say("hashing the files", 4, 4);
    let files = list_files(conn, &tmp)?;
    let mut tables = BTreeMap::new();
    for f in &files {
        *tables.entry(f.table.clone()).or_insert(0) += f.rows;
    }
    let manifest = LakeManifest {
        format: FORMAT.into(),
        created_by: format!("casefile {}", env!("CARGO_PKG_VERSION")),
        case_fingerprint: crate::trainset::case_fingerprint(conn)?,
        events: events as u64,
        merkle_root: merkle_root.clone(),
        streams: streams as u64,
        stream_buckets: buckets,
        fold_rules_sha256: crate::store::sql::sha256_text(&rules.to_toml()),
        shapes,
        tables: tables.clone(),
        files: files.clone(),
    };
    let body = serde_json::to_string_pretty(&manifest).map_err(|e| Error::Analysis {
        cause: e.to_string(),
    })? + "\n";
    std::fs::write(tmp.join(MANIFEST), body)?;
    stop()?;
    if dir.exists() {
        std::fs::remove_dir(dir)?;
    }
    std::fs::rename(&tmp, dir)?;
    staging.1 = true;
    let bytes = files
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(&f.path)).ok())
        .map(|m| m.len())
        .sum();
    Ok(LakeExport {
        path: crate::store::absolute(dir).to_string_lossy().into_owned(),
        files,
        events: events as u64,
        merkle_root,
        tables,
        bytes,
    })
}

/// Rows the export handles at a time: state rows staged before they are written out (bounding the
/// TEMP table, and what DuckDB spills of it, whatever the case's size), and events hashed per
/// range of `seq`. Tests set `CASEFILE_LAKE_CHUNK_ROWS` lower so a small case takes many chunks.
fn chunk_rows() -> usize {
    std::env::var("CASEFILE_LAKE_CHUNK_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(1_000_000)
}

/// Folds every stream into its histories and writes them as Parquet, a chunk at a time: the rows
/// of about a million are staged in a TEMP table, each history's share written to its own file
/// (`states/view=V/axis=A/part-K.parquet`, rows in stream order), and the table emptied. No global
/// sort: a reader joins on stream and time, and within a file the streams come in order anyway.
fn write_states(
    conn: &Connection,
    rules: &FoldRules,
    tmp: &Path,
    streams: u64,
    shapes: &BTreeMap<String, String>,
    job: &Job,
) -> Result<()> {
    let say = |phase: &str, done: u64, total: u64| job.report(phase, done, total);
    let stop = || job.check();
    // Staged in a TEMP table of a second connection to the case: one database, one memory budget,
    // and no result open where the rows are appended. The table goes with the connection.
    let stage = conn.try_clone()?;
    let _watch = job.watch(&stage);
    stage.execute_batch(
        "CREATE OR REPLACE TEMP TABLE lake_states (
            stream_id VARCHAR NOT NULL, stream_type VARCHAR, view VARCHAR NOT NULL, axis VARCHAR NOT NULL,
            valid_from TIMESTAMP NOT NULL, valid_to TIMESTAMP, state VARCHAR, last_event_id VARCHAR,
            source_time TIMESTAMP, set_times VARCHAR, events_seen BIGINT NOT NULL);",
    )?;
    let fields = nested_fields_sql(shapes)?;
    let states_dir = tmp.join("states");
    let targets = snapshots::correction_targets(conn)?;
    let mut appender = stage.appender("lake_states")?;
    let chunk_rows = chunk_rows();
    let mut staged = 0usize;
    let mut part = 0usize;
    // The histories a chunk held, so each gets a file.
    let mut histories: std::collections::BTreeSet<(&'static str, &'static str)> =
        Default::default();
    let mut write_chunk =
        |appender: &mut duckdb::Appender,
         histories: &mut std::collections::BTreeSet<(&'static str, &'static str)>|
         -> Result<()> {
            appender.flush()?;
            for (view, axis) in std::mem::take(histories) {
                let dir = states_dir
                    .join(format!("view={view}"))
                    .join(format!("axis={axis}"));
                std::fs::create_dir_all(&dir)?;
                stage.execute_batch(&format!(
                    "COPY (SELECT stream_id, stream_type, valid_from::TIMESTAMPTZ AS valid_from,
                          valid_to::TIMESTAMPTZ AS valid_to, state, last_event_id,
                          source_time::TIMESTAMPTZ AS source_time,
                          set_times AS set_times_us, {fields} AS fields_json, events_seen
                       FROM lake_states WHERE view = '{view}' AND axis = '{axis}')
                 TO '{}' (FORMAT parquet, COMPRESSION zstd);",
                    sql_text(&dir.join(format!("part-{part}.parquet"))),
                ))?;
            }
            stage.execute_batch("DELETE FROM lake_states;")?;
            part += 1;
            Ok(())
        };
    let mut done = 0u64;
    say("folding the states", 0, streams);
    // Streams are folded in batches on rayon's pool and appended in order.
    let mut batch: Vec<(String, Option<String>, Vec<FoldEvent>)> = Vec::new();
    let mut batch_events = 0usize;
    let mut flush = |batch: &mut Vec<(String, Option<String>, Vec<FoldEvent>)>| -> Result<()> {
        use rayon::prelude::*;
        // Serialized here too: writing the states as JSON is most of the work.
        let folded: Vec<Vec<ReadyRow>> = batch
            .par_iter()
            .map(|(_, _, events)| {
                let elsewhere = snapshots::known_elsewhere(events, &targets);
                changelog::stream_histories(events, rules, &elsewhere)
                    .into_iter()
                    .map(ReadyRow::from)
                    .collect()
            })
            .collect();
        for ((stream, stream_type, _), rows) in batch.drain(..).zip(folded) {
            for row in rows {
                histories.insert((row.view, row.axis));
                appender.append_row(params![
                    stream,
                    stream_type,
                    row.view,
                    row.axis,
                    crate::store::timestamp(row.from),
                    row.to.map(crate::store::timestamp),
                    row.state,
                    row.last_event_id,
                    row.source_time.map(crate::store::timestamp),
                    row.set_times,
                    row.events_seen,
                ])?;
                staged += 1;
            }
            done += 1;
            if staged >= chunk_rows {
                write_chunk(&mut appender, &mut histories)?;
                staged = 0;
            }
        }
        say("folding the states", done, streams);
        stop()
    };
    snapshots::for_each_stream(conn, "", &mut |stream, stream_type, events| {
        batch.push((
            stream.to_string(),
            stream_type.map(String::from),
            events.to_vec(),
        ));
        batch_events += events.len();
        if batch_events >= 20_000 {
            batch_events = 0;
            flush(&mut batch)?;
        }
        Ok(())
    })?;
    flush(&mut batch)?;
    if staged > 0 {
        write_chunk(&mut appender, &mut histories)?;
    }
    drop(appender);
    stage.execute_batch("DROP TABLE lake_states;")?;
    Ok(())
}

/// SQL for `fields_json`: per row, the top-level fields its stream type's population shows as JSON
/// text, as DuckDB writes them (number formats and key order included), so an engine downstream
/// shows what the embedded population shows without re-serializing JSON its own way.
fn nested_fields_sql(shapes: &BTreeMap<String, String>) -> Result<String> {
    let mut arms = Vec::new();
    for (stream_type, shape) in shapes {
        let fields: Vec<String> = crate::timeline::population::structure(shape)?
            .into_iter()
            .filter(|(_, ty)| ty == "JSON")
            .map(|(name, _)| {
                let key = name.replace('\'', "''");
                let path = format!("$.\"{}\"", name.replace('"', "\\\"")).replace('\'', "''");
                format!("struct_pack(k := '{key}', v := json_extract(state, '{path}')::VARCHAR)")
            })
            .collect();
        if !fields.is_empty() {
            arms.push(format!(
                "WHEN '{}' THEN map_from_entries([{}])",
                stream_type.replace('\'', "''"),
                fields.join(", ")
            ));
        }
    }
    Ok(if arms.is_empty() {
        "NULL::MAP(VARCHAR, VARCHAR)".to_string()
    } else {
        format!("CASE coalesce(stream_type, '') {} END", arms.join(" "))
    })
}

/// A state row as it is appended: its JSON written.
struct ReadyRow {
    view: &'static str,
    axis: &'static str,
    from: i64,
    to: Option<i64>,
    state: Option<String>,
    last_event_id: Option<String>,
    source_time: Option<i64>,
    set_times: Option<String>,
    events_seen: i64,
}

impl From<changelog::StateRow> for ReadyRow {
    fn from(row: changelog::StateRow) -> Self {
        ReadyRow {
            view: row.history.view_name(),
            axis: row.history.axis_name(),
            from: row.from,
            to: row.to,
            state: row.state.map(|s| s.to_string()),
            last_event_id: row.last_event_id,
            source_time: row.source_time,
            set_times: row
                .set_times
                .map(|t| serde_json::to_string(&t).expect("a map of times serializes")),
            events_seen: row.events_seen as i64,
        }
    }
}

/// The Merkle root over every event's leaf in `seq` order (its fields committed under the case's
/// disclosure key, see bundle::disclosure): what every bundle of the whole case has, however
/// redacted. A case opened from a bundle holds the events as the bundle shows them, so its root
/// is built from the leaves the bundle signed.
///
/// Read a range of `seq` values at a time (a million, see [`chunk_rows`]): one `ORDER BY seq` over every event sorted
/// the whole table, payloads included, and took 7.5 GB at 11.6M events under a 4 GB budget. Each
/// range filters on `seq` alone before the other columns are read.
fn event_root(conn: &Connection) -> Result<crate::bundle::merkle::Hash> {
    let range = chunk_rows() as i64;
    let (first, last): (Option<i64>, Option<i64>) =
        conn.query_row("SELECT min(seq), max(seq) FROM events", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let mut tree = RootBuilder::default();
    let (Some(first), Some(last)) = (first, last) else {
        return Ok(tree.root());
    };
    let from_bundle: bool = conn.query_row(
        "SELECT count(*) > 0 FROM duckdb_tables() WHERE table_name = 'bundle_leaves'",
        [],
        |r| r.get(0),
    )?;
    if from_bundle {
        let mut stmt = conn.prepare("SELECT event_hash FROM bundle_leaves ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let hex_leaf: String = r.get(0)?;
            let leaf = hex::decode(&hex_leaf)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| crate::error::Error::BadArgument {
                    message: format!("The bundle's leaf `{hex_leaf}` is not a SHA-256 hash."),
                })?;
            tree.push_leaf(leaf);
        }
        return Ok(tree.root());
    }
    let (key, _) = crate::bundle::export::disclosure_key(conn)?;
    // Nothing is hidden and nothing carried: only the leaves are wanted.
    let salter = crate::bundle::disclosure::Salter::new(
        crate::bundle::disclosure::CaseKey::new(key),
        Default::default(),
        Default::default(),
    );
    let mut stmt = conn.prepare(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE seq >= ? AND seq < ? ORDER BY seq"
    ))?;
    let mut from = first;
    while from <= last {
        let mut rows = stmt.query(params![from, from.saturating_add(range)])?;
        while let Some(r) = rows.next()? {
            let ev = crate::model::rows::raw_event_row(r)?.finish();
            tree.push_leaf(salter.event_leaf(
                ev.seq,
                ev.source_id,
                &serde_json::to_value(&ev).expect("an event serializes"),
            ));
        }
        from = from.saturating_add(range);
    }
    Ok(tree.root())
}

/// Every Parquet file under `root` with its hash, row count and table, by path.
fn list_files(conn: &Connection, root: &Path) -> Result<Vec<LakeFile>> {
    let mut found = Vec::new();
    walk(root, root, &mut found)?;
    found.sort();
    let mut files = Vec::new();
    for rel in found {
        let path = root.join(&rel);
        let rows = parquet_rows(conn, &path)?;
        files.push(LakeFile {
            table: rel.split('/').next().unwrap_or_default().to_string(),
            sha256: crate::store::sql::sha256_file(&path)?,
            rows,
            path: rel,
        });
    }
    Ok(files)
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(root, &path, out)?;
        } else {
            let rel = path
                .strip_prefix(root)
                .expect("walked under the root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push(rel);
        }
    }
    Ok(())
}

fn parquet_rows(conn: &Connection, path: &Path) -> Result<u64> {
    let rows: i64 = conn.query_row(
        &format!(
            "SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata('{}')",
            sql_text(path)
        ),
        [],
        |r| r.get(0),
    )?;
    Ok(rows as u64)
}

/// Reads an export's manifest, refusing a folder that is not an export.
pub fn read_manifest(dir: &Path) -> Result<LakeManifest> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|_| {
        Error::BadExport {
            message: format!(
                "{} is not a Casefile lake export: it has no {MANIFEST}.",
                dir.display()
            ),
        }
        .with_hint(crate::hint::Hint::ExportLake)
    })?;
    let manifest: LakeManifest = serde_json::from_str(&text).map_err(|e| Error::BadExport {
        message: format!("The manifest {} cannot be read: {e}.", path.display()),
    })?;
    if manifest.format != FORMAT {
        return Err(Error::BadExport {
            message: format!(
                "{} is a `{}` export; this Casefile reads `{FORMAT}`.",
                dir.display(),
                manifest.format
            ),
        });
    }
    Ok(manifest)
}

/// Checks every file of an export against its manifest: present, unchanged (SHA-256), the rows it
/// should have, and nothing added.
pub fn verify(dir: &Path) -> Result<LakeVerify> {
    let manifest = read_manifest(dir)?;
    let conn = crate::store::open_scratch_in_memory()?;
    let mut problems = Vec::new();
    let mut listed = HashSet::new();
    for f in &manifest.files {
        listed.insert(f.path.clone());
        let path = dir.join(&f.path);
        if !path.is_file() {
            problems.push(LakeProblem {
                file: f.path.clone(),
                message: "is missing".into(),
            });
            continue;
        }
        let sha = crate::store::sql::sha256_file(&path)?;
        if sha != f.sha256 {
            problems.push(LakeProblem {
                file: f.path.clone(),
                message: format!(
                    "was changed: its SHA-256 is {sha}, the manifest says {}",
                    f.sha256
                ),
            });
            continue;
        }
        match parquet_rows(&conn, &path) {
            Ok(rows) if rows == f.rows => {}
            Ok(rows) => problems.push(LakeProblem {
                file: f.path.clone(),
                message: format!("has {rows} rows, the manifest says {}", f.rows),
            }),
            Err(e) => problems.push(LakeProblem {
                file: f.path.clone(),
                message: format!("is not readable Parquet: {e}"),
            }),
        }
    }
    let mut present = Vec::new();
    walk(dir, dir, &mut present)?;
    for rel in present {
        if rel != MANIFEST && !listed.contains(&rel) {
            problems.push(LakeProblem {
                file: rel,
                message: "is not in the manifest (added after the export)".into(),
            });
        }
    }
    let event_rows: u64 = manifest
        .files
        .iter()
        .filter(|f| f.table == "events")
        .map(|f| f.rows)
        .sum();
    if event_rows != manifest.events {
        problems.push(LakeProblem {
            file: MANIFEST.into(),
            message: format!(
                "lists {event_rows} event rows in its files but says the case has {} events",
                manifest.events
            ),
        });
    }
    Ok(LakeVerify {
        path: crate::store::absolute(dir).to_string_lossy().into_owned(),
        ok: problems.is_empty(),
        files_checked: manifest.files.len() as u64,
        events: manifest.events,
        merkle_root: manifest.merkle_root,
        problems,
    })
}
