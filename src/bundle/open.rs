//! Opening a bundle for reading: its events (from the Parquet copy), custody, notes, findings and
//! rules are loaded into a case of its own in the user's cache dir, keyed by the bundle's manifest,
//! the zip's checksums of every file and the file's size and modification time, so a changed bundle
//! never reuses an older load. Opening does not verify (the app verifies on arrival; the CLI has
//! `bundle verify`). The facade
//! opens that case read-only (every write refused); derived data (snapshots, the decision view) is
//! built in it as in any case.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use duckdb::{params, Connection};
use sha2::{Digest, Sha256};

use super::export::{zip_error, FindingRow};
use super::{
    Manifest, DECISION_RULES, EVENTS_PARQUET, FINDINGS, FOLD_RULES, MANIFEST, NOTES, SOURCES,
};
use crate::error::{Error, Result};
use crate::inspect::SourceRecord;
use crate::job::Job;
use crate::model::parse_instant;
use crate::notes::Note;
use crate::store;

/// True when `path` is a zip file (a bundle), by its first bytes.
pub fn is_bundle(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == *b"PK\x03\x04"
}

/// Where opened bundles are kept: `$CASEFILE_CACHE_DIR` or the platform cache dir's `casefile/bundles`.
fn cache_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CASEFILE_CACHE_DIR") {
        return Ok(PathBuf::from(dir).join("bundles"));
    }
    Ok(dirs::cache_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("casefile")
        .join("bundles"))
}

fn not_a_bundle(path: &Path, cause: String) -> Error {
    Error::NotABundle {
        path: path.to_path_buf(),
        cause,
    }
}

/// The case a bundle's content was loaded into (loading it the first time).
pub fn materialize(bundle: &Path, job: &Job) -> Result<PathBuf> {
    let mut archive = zip::ZipArchive::new(BufReader::new(File::open(bundle)?))
        .map_err(|e| not_a_bundle(bundle, format!("it is not a zip archive ({e})")))?;
    let structural = super::safety::check_archive(&mut archive);
    if !structural.is_empty() {
        let reasons: Vec<String> = structural
            .iter()
            .map(|p| match &p.file {
                Some(f) => format!("{f}: {}", p.message.trim_end_matches('.')),
                None => p.message.trim_end_matches('.').to_string(),
            })
            .collect();
        return Err(not_a_bundle(
            bundle,
            format!("it is refused ({})", reasons.join("; ")),
        ));
    }
    let manifest_bytes = entry_bytes(&mut archive, MANIFEST)
        .ok_or_else(|| not_a_bundle(bundle, "it has no manifest.json".into()))?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| not_a_bundle(bundle, format!("its manifest is not readable ({e})")))?;
    // The file's size and modification time too: a byte changed in place keeps the zip's own
    // checksums but must not reuse a load made before the change.
    let meta = std::fs::metadata(bundle)?;
    let mut key = Sha256::new();
    key.update(&manifest_bytes);
    key.update(meta.len().to_le_bytes());
    if let Ok(modified) = meta.modified() {
        if let Ok(since) = modified.duration_since(std::time::UNIX_EPOCH) {
            key.update(since.as_nanos().to_le_bytes());
        }
    }
    for i in 0..archive.len() {
        let f = archive.by_index_raw(i).map_err(zip_error)?;
        key.update(f.name().map_err(zip_error)?.as_bytes());
        key.update(f.crc32().to_le_bytes());
        key.update(f.size().to_le_bytes());
    }
    let key = hex::encode(key.finalize());
    let dir = cache_dir()?;
    std::fs::create_dir_all(&dir)?;
    let case = dir.join(format!("{}.duckdb", &key[..24]));
    if case.exists() {
        return Ok(case);
    }
    let partial = dir.join(format!("{}.duckdb.partial", &key[..24]));
    let parquet = dir.join(format!("{}.parquet.partial", &key[..24]));
    let _ = std::fs::remove_file(&partial);
    let result = (|| -> Result<()> {
        job.report("reading the bundle's events", 0, manifest.events.count);
        {
            let limit = manifest
                .files
                .iter()
                .find(|f| f.path == EVENTS_PARQUET)
                .map(|f| f.size)
                .ok_or_else(|| {
                    not_a_bundle(bundle, format!("its manifest lists no {EVENTS_PARQUET}"))
                })?;
            let entry = archive
                .by_name(EVENTS_PARQUET)
                .map_err(|_| not_a_bundle(bundle, format!("it has no {EVENTS_PARQUET}")))?;
            let copied = std::io::copy(&mut entry.take(limit + 1), &mut File::create(&parquet)?)?;
            if copied > limit {
                return Err(not_a_bundle(
                    bundle,
                    format!(
                        "{EVENTS_PARQUET} holds more than the {limit} bytes its manifest gives"
                    ),
                ));
            }
        }
        // The Parquet copy comes from whoever made the bundle: read away from any database first.
        if let Some(why) = crate::ingest::parquet::why_unreadable(&parquet)? {
            return Err(not_a_bundle(
                bundle,
                format!("its {EVENTS_PARQUET} cannot be read ({why})"),
            ));
        }
        let conn = store::open_read_write(&partial, true)?;
        conn.execute(
            "INSERT INTO events SELECT seq, event_id, stream_id, stream_type, stream_version, event_type,
                    schema_version, occurred_at, recorded_at, recorded_at_defaulted, naive_time, actor, reason,
                    causation_id, correlation_id, corrects, payload, metadata, source_id, source_row
             FROM read_parquet(?) ORDER BY stream_id, recorded_at, seq",
            [parquet.to_string_lossy()],
        )?;
        // The leaves the bundle signed, for what recomputes its root from the case (a lake
        // export): the events here are as the bundle shows them, withheld fields absent.
        conn.execute(
            "CREATE TABLE bundle_leaves AS SELECT seq, event_hash FROM read_parquet(?)",
            [parquet.to_string_lossy()],
        )?;
        load_side_tables(&conn, &mut |name| entry_bytes(&mut archive, name))?;
        if let Ok(findings) = archive.by_name(FINDINGS) {
            load_findings(&conn, findings)?;
        }
        crate::store::meta::set(&conn, "bundle_merkle_root", &manifest.events.merkle_root)?;
        conn.execute_batch("CHECKPOINT;")?;
        Ok(())
    })();
    let _ = std::fs::remove_file(&parquet);
    match result {
        Ok(()) => {
            std::fs::rename(&partial, &case)?;
            Ok(case)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn entry_bytes(archive: &mut zip::ZipArchive<BufReader<File>>, name: &str) -> Option<Vec<u8>> {
    let entry = archive.by_name(name).ok()?;
    super::safety::read_capped(entry, name, super::safety::MAX_SMALL_FILE).ok()
}

/// Loads the findings of `findings.json` (as a bundle holds them) into a case's findings, read and
/// appended a record at a time: a bundle of a 30M-event case holds millions, over 256 MB (past
/// the cap for the small files read whole, which left a big bundle opened without its findings).
pub fn load_findings(conn: &Connection, findings: impl Read) -> Result<()> {
    use serde::de::{Deserializer as _, SeqAccess, Visitor};
    struct Appending<'a> {
        rows: duckdb::Appender<'a>,
        failure: Option<Error>,
    }
    impl<'de> Visitor<'de> for &mut Appending<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of findings")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
            while let Some(f) = seq.next_element::<FindingRow>()? {
                if let Err(e) = self.rows.append_row(params![
                    f.source_id,
                    f.kind.as_str(),
                    f.stream_id,
                    f.event_id,
                    f.message
                ]) {
                    self.failure = Some(e.into());
                    return Err(serde::de::Error::custom("the findings could not be stored"));
                }
            }
            Ok(())
        }
    }
    conn.execute_batch(
        "CREATE OR REPLACE TEMP TABLE bundle_findings (source_id BIGINT, kind VARCHAR, stream_id VARCHAR, event_id VARCHAR, message VARCHAR);",
    )?;
    {
        let mut appending = Appending {
            rows: conn.appender("bundle_findings")?,
            failure: None,
        };
        let mut json = serde_json::Deserializer::from_reader(std::io::BufReader::new(findings));
        let read = json.deserialize_seq(&mut appending);
        if let Some(e) = appending.failure.take() {
            return Err(e);
        }
        read.and_then(|()| json.end())
            .map_err(|e| Error::NotABundle {
                path: PathBuf::from(FINDINGS),
                cause: format!("{FINDINGS} is not readable ({e})"),
            })?;
        appending.rows.flush()?;
    }
    conn.execute_batch(&format!(
        "{} SELECT source_id, kind, stream_id, event_id, message FROM bundle_findings ORDER BY rowid;
         DROP TABLE bundle_findings;",
        crate::findings::INSERT_SQL
    ))?;
    Ok(())
}

/// Loads custody, notes and rules (as a bundle holds them) into a case's tables; the findings
/// are [`load_findings`]'.
pub fn load_side_tables(
    conn: &Connection,
    file: &mut dyn FnMut(&str) -> Option<Vec<u8>>,
) -> Result<()> {
    let bad = |name: &str, e: serde_json::Error| Error::NotABundle {
        path: PathBuf::from(name),
        cause: format!("{name} is not readable ({e})"),
    };
    let time = |t: &str| parse_instant(t).map(store::timestamp);
    if let Some(bytes) = file(SOURCES) {
        let sources: Vec<SourceRecord> =
            serde_json::from_slice(&bytes).map_err(|e| bad(SOURCES, e))?;
        for s in sources {
            conn.execute(
                "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                params![
                    s.source_id,
                    s.path,
                    s.file_name,
                    s.size_bytes,
                    s.sha256,
                    s.format,
                    s.container,
                    s.compression,
                    s.detected_by,
                    s.mapping,
                    time(&s.imported_at)?,
                    s.imported_by,
                    s.tool_version,
                    s.rows_read,
                    s.rows_loaded,
                    s.rows_quarantined,
                    s.duplicates,
                    s.recorded_at_defaulted,
                    s.naive_timestamps,
                    s.times_placed
                ],
            )?;
        }
    }
    if let Some(bytes) = file(NOTES) {
        let notes: Vec<Note> = serde_json::from_slice(&bytes).map_err(|e| bad(NOTES, e))?;
        for n in notes {
            conn.execute(
                "INSERT INTO notes (note_id, created_at, author, at_time, stream_id, event_id, body, supersedes, axis, view)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                params![
                    n.note_id,
                    time(&n.created_at)?,
                    n.author,
                    n.at.as_deref().map(time).transpose()?,
                    n.stream_id,
                    n.event_id,
                    n.body,
                    n.supersedes,
                    n.axis.map(|a| a.name()),
                    n.view
                ],
            )?;
        }
    }
    for (key, name) in [
        ("fold_rules", FOLD_RULES),
        ("decision_rules", DECISION_RULES),
    ] {
        if let Some(bytes) = file(name) {
            crate::store::meta::set(conn, key, &String::from_utf8_lossy(&bytes))?;
        }
    }
    Ok(())
}
