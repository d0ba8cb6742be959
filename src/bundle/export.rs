//! Writing a bundle: the scope's events are read in case order, redacted, written as canonical JSON
//! lines straight into the bundle's zip (hashed into the Merkle tree and the file's sha256 as they
//! go, never staged on disk first) and into a staging case that DuckDB turns into Parquet; custody,
//! notes, findings and rules follow; then the rest is zipped with its sha256 into the manifest,
//! which is signed. The bundle appears under its name only when complete.

use std::collections::BTreeSet;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use duckdb::{params, Connection};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::disclosure;
use super::merkle::{self, RootBuilder};
use super::redact::{Erasure, Profile, Redactor};
use super::{
    keys, BundleExportReport, BundleFile, BundleRequest, EventsSummary, Manifest, RedactionRecord,
    Scope, SignatureFile, SignerRecord, DECISION_RULES, EVENTS_JSONL_ZST, EVENTS_PARQUET, FINDINGS,
    FOLD_RULES, FORMAT, MANIFEST, NOTES, SALT_KEYS, SIGNATURE, SOURCES,
};
use crate::error::{Error, Result};
use crate::inspect;
use crate::job::Job;
use crate::model::Axis;
use crate::model::{format_micros, parse_instant};
use crate::store;

/// How a leaf is made, as the manifest says it (disclosure.rs and ARCHITECTURE.md in full).
pub const LEAF_RULE: &str =
    "For each line of events/events.jsonl.zst (decompressed): each field's commitment c = SHA-256(\"C\" || salt || u32be(len p) || p || value text), the salt the line's or SHA-256(\"S\" || key || i64be(nonce) || p)[0..16] with the key of the field's pattern and source from events/salt-keys.json; commitments given for fields not disclosed; leaf = SHA-256(0x00 || \"E\" || u32be(n) || each u32be(len p) || p || c, by the bytes of p) (RFC 6962 leaf); inner nodes SHA-256(0x01 || left || right). See README.txt";

/// A finding as a bundle carries it.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct FindingRow {
    pub source_id: Option<i64>,
    pub kind: crate::findings::FindingKind,
    pub stream_id: Option<String>,
    pub event_id: Option<String>,
    pub message: String,
}

/// The bundle's zip while it is written, under a partial name beside the output.
type BundleZip = super::container::Writer<BufWriter<std::fs::File>>;

/// A bundle half made: the zip under a partial name with the events already in it, and the other
/// files in a staging folder next to the output.
pub struct Staging {
    pub dir: PathBuf,
    /// The zip being written (`None` only while the events' writer holds it).
    zip: Option<BundleZip>,
    /// The zip's partial name, renamed to `out` when complete.
    partial: PathBuf,
    /// Files already in the zip, with their digests, for the manifest.
    packed: Vec<BundleFile>,
    /// A case holding the bundle's (redacted) events, to explain decisions from.
    pub stage_case: PathBuf,
    out: PathBuf,
    signing: Option<ed25519_dalek::SigningKey>,
    manifest: Manifest,
    /// Decisions whose explanations the bundle carries (their ids as the bundle reads them).
    pub decisions_to_explain: Vec<String>,
    attach: Vec<PathBuf>,
}

/// The staging folder goes whether the bundle was made or not, and so does an unfinished zip.
impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(zip) = self.zip.take() {
            // Closed before the half-made bundle is removed.
            drop(zip);
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

fn user_error(message: String) -> Error {
    Error::BadArgument { message }
}

/// Checks the request, then writes the bundle's files into a staging folder.
pub fn stage(
    conn: &Connection,
    case_path: &Path,
    req: &BundleRequest,
    operator: Option<(Profile, Vec<u8>)>,
    view: &crate::viewer::ViewInfo,
    job: &Job,
) -> Result<Staging> {
    let out = PathBuf::from(&req.out);
    if out.exists() {
        return Err(user_error(format!(
            "{} already exists; a bundle is never overwritten. Remove it or choose another name.",
            out.display()
        )));
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(user_error(format!(
            "The folder {} does not exist.",
            parent.display()
        )));
    }
    let operator_view_profile = operator.is_some();
    let profile = match &req.redact {
        _ if operator.is_some() => operator.as_ref().map(|(p, _)| p.clone()),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                user_error(format!("Cannot read the redaction profile {path}: {e}."))
            })?;
            Some(Profile::parse(&text, path)?)
        }
        None => None,
    };
    let signing = req
        .sign
        .as_deref()
        .map(keys::load_signing_key)
        .transpose()?;
    let attach: Vec<PathBuf> = req.attach.iter().map(PathBuf::from).collect();
    if let Some(missing) = attach.iter().find(|p| !p.is_file()) {
        return Err(user_error(format!(
            "The report to attach {} does not exist.",
            missing.display()
        )));
    }
    let axis = req.axis.unwrap_or(Axis::Recorded);
    let from = req.from.as_deref().map(parse_instant).transpose()?;
    let to = req.to.as_deref().map(parse_instant).transpose()?;
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(user_error(
                "The window's start is after its end; swap --from and --to.".into(),
            ));
        }
    }
    let scoped = scope_streams(conn, req)?;

    let default_profile = Profile::default();
    let prof = profile.as_ref().unwrap_or(&default_profile);
    let (secret, secret_note) = match &profile {
        Some(_) if operator.is_some() => operator.map_or((Vec::new(), None), |(_, s)| {
            (
                s,
                Some("the case's operator-view key, so pseudonyms match the operator's screens and notes; not in the bundle".into()),
            )
        }),
        Some(p) if !p.pseudonymize.is_empty() => {
            let (s, note) = p.secret()?;
            (s, Some(note))
        }
        _ => (Vec::new(), None),
    };
    let erasures = erasure_markers(conn, &prof.erasure_field)?;
    let (key, key_note) = disclosure_key(conn)?;
    // In the operator view, what people wrote and sentences about masked fields go as the view
    // shows them (see viewer).
    let view_mask = operator_view_profile
        .then(|| crate::viewer::Mask::new(prof.clone(), secret.clone(), &erasures));
    let redactor = Redactor::new(prof.clone(), secret, &erasures);
    // In the operator view a rule applies at any depth, as on the operator's screens.
    let redactor = if operator_view_profile {
        redactor.anywhere()
    } else {
        redactor
    };

    let dir = PathBuf::from(format!("{}.partial", out.display()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(dir.join("events"))?;
    let partial = PathBuf::from(format!("{}.partial.zip", out.display()));
    let zip = super::container::Writer::new(BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(&partial)?,
    ));
    let mut staging = Staging {
        stage_case: dir.join("stage.duckdb"),
        dir,
        zip: Some(zip),
        partial,
        packed: Vec::new(),
        out,
        signing,
        manifest: empty_manifest(case_path),
        decisions_to_explain: Vec::new(),
        attach,
    };

    // The window and the stream list, as SQL over `events`.
    let axis_col = axis.column();
    let mut clauses = Vec::new();
    if scoped {
        clauses.push("stream_id IN (SELECT stream_id FROM bundle_streams)".to_string());
    }
    if let Some(f) = from {
        clauses.push(format!("{axis_col} >= make_timestamp({f})"));
    }
    if let Some(t) = to {
        clauses.push(format!("{axis_col} <= make_timestamp({t})"));
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let total: i64 = conn.query_row(&format!("SELECT count(*) FROM events {filter}"), [], |r| {
        r.get(0)
    })?;
    if total == 0 {
        return Err(user_error(
            "Nothing to export: no event of the case is in that scope.".into(),
        ));
    }
    let total = total as u64;
    // Salt keys may go only where the bundle holds every event of the source, and only for
    // fields no rule or erasure marker could hide.
    let whole_sources = whole_sources(conn, &filter)?;
    // An erasure marker's fields are the payload's (as the redactor reads them).
    let rule_paths: Vec<String> = prof
        .drop
        .iter()
        .chain(&prof.pseudonymize)
        .cloned()
        .chain(
            erasures
                .iter()
                .flat_map(|e| e.fields.iter().map(|f| format!("payload.{f}"))),
        )
        .collect();
    let maybe_hidden = disclosure::MaybeHidden::new(rule_paths.iter().map(String::as_str));
    let salter =
        disclosure::Salter::new(disclosure::CaseKey::new(key), whole_sources, maybe_hidden);

    let written = {
        let _sharing = crate::store::SmallerShare::beside_staging(conn)?;
        write_events(conn, &mut staging, &filter, total, &redactor, &salter, job)?
    };
    write_json(&staging.dir.join(SALT_KEYS), &salter.carried_keys())?;
    // The streams written, kept by DuckDB (within its budget): millions at 30M events.
    conn.execute_batch(&format!(
        "CREATE OR REPLACE TEMP TABLE bundle_written_streams AS SELECT DISTINCT stream_id FROM events {filter}"
    ))?;
    let stream_count: i64 =
        conn.query_row("SELECT count(*) FROM bundle_written_streams", [], |r| {
            r.get(0)
        })?;
    let mut is_written =
        conn.prepare("SELECT count(*) > 0 FROM bundle_written_streams WHERE stream_id = ?")?;
    let mut stream_written =
        |stream: &str| -> Result<bool> { Ok(is_written.query_row([stream], |r| r.get(0))?) };

    job.report("writing the Parquet copy", total, total);
    {
        let stage = crate::store::open_staging(&staging.stage_case)?;
        let parquet = staging.dir.join(EVENTS_PARQUET);
        // The staging copy was appended in seq order by one thread and DuckDB keeps insertion
        // order, so no sort (which held the whole copy under a second memory limit).
        stage.execute_batch(&format!(
            "COPY events TO '{}' (FORMAT parquet, COMPRESSION zstd)",
            parquet.to_string_lossy().replace('\'', "''")
        ))?;
    }

    job.report("custody, notes, findings", total, total);
    let sources: Vec<_> = inspect::sources(conn)?
        .into_iter()
        .filter(|s| written.source_ids.contains(&s.source_id))
        .collect();
    write_json(&staging.dir.join(SOURCES), &sources)?;

    let whole_case = !scoped && from.is_none() && to.is_none();
    let mut notes = Vec::new();
    for mut n in crate::notes::list(conn)? {
        let keep = match &n.stream_id {
            None => true,
            Some(s) => whole_case || stream_written(s)?,
        };
        if keep {
            match &view_mask {
                Some(m) => crate::viewer::Masked::mask(&mut n, m),
                None => n.stream_id = n.stream_id.map(|s| redactor.stream_id(&s)),
            }
            notes.push(n);
        }
    }
    write_json(&staging.dir.join(NOTES), &notes)?;

    let findings = write_findings(
        conn,
        &staging.dir.join(FINDINGS),
        view_mask.as_ref(),
        &written.source_ids,
        &redactor,
    )?;

    for (key, file) in [
        ("fold_rules", FOLD_RULES),
        ("decision_rules", DECISION_RULES),
    ] {
        if let Some(text) = crate::store::meta::get(conn, key) {
            std::fs::create_dir_all(staging.dir.join("rules"))?;
            std::fs::write(staging.dir.join(file), text)?;
        }
    }
    if let Some(ids) = &req.decisions {
        staging.decisions_to_explain = ids.clone();
    }

    let mut erasures_written = Vec::new();
    for e in &erasures {
        if stream_written(&e.stream_id)? {
            erasures_written.push(Erasure {
                stream_id: redactor.stream_id(&e.stream_id),
                ..e.clone()
            });
        }
    }
    // The case's connection outlives the export: the streams' table goes with its last use.
    drop(is_written);
    conn.execute_batch("DROP TABLE bundle_written_streams")?;
    let m = &mut staging.manifest;
    m.scope = Scope {
        kind: if req.decisions.is_some() {
            "decisions"
        } else if req.streams.is_some() {
            "streams"
        } else {
            "case"
        }
        .into(),
        streams: req
            .streams
            .as_ref()
            .map(|s| s.iter().map(|id| redactor.stream_id(id)).collect()),
        decisions: req.decisions.clone(),
        from: from.map(format_micros),
        to: to.map(format_micros),
        axis: (from.is_some() || to.is_some()).then(|| axis.name().into()),
        stream_count: stream_count as u64,
        notes: notes.len() as u64,
        findings,
        sources: sources.len() as u64,
    };
    m.events = EventsSummary {
        count: written.count,
        merkle_root: hex::encode(written.root),
        leaf: LEAF_RULE.into(),
        salts: Some(key_note),
        first_recorded_at: written.first_recorded.map(format_micros),
        last_recorded_at: written.last_recorded.map(format_micros),
    };
    m.redaction = RedactionRecord {
        profile: prof.name.clone(),
        profile_sha256: profile.as_ref().map(|p| p.sha256.clone()),
        dropped: prof.drop.clone(),
        pseudonymized: prof.pseudonymize.clone(),
        pseudonym_secret: secret_note,
        counts: written.counts.clone(),
        erasures: erasures_written,
        view: Some(view.label()),
    };
    Ok(staging)
}

fn empty_manifest(case_path: &Path) -> Manifest {
    Manifest {
        format: FORMAT.into(),
        tool_version: format!("casefile {}", env!("CARGO_PKG_VERSION")),
        created_at: format_micros(chrono::Utc::now().timestamp_micros()),
        created_by: crate::ingest::os_user(),
        case_name: case_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        scope: Scope::default(),
        events: EventsSummary {
            count: 0,
            merkle_root: String::new(),
            leaf: LEAF_RULE.into(),
            salts: None,
            first_recorded_at: None,
            last_recorded_at: None,
        },
        redaction: RedactionRecord {
            profile: "none".into(),
            profile_sha256: None,
            dropped: vec![],
            pseudonymized: vec![],
            pseudonym_secret: None,
            counts: Default::default(),
            erasures: vec![],
            view: None,
        },
        reports: vec![],
        files: vec![],
        signer: None,
        container: Some(super::container::CANONICAL.into()),
    }
}

/// The sources every event of which is in the bundle's scope (`filter`).
fn whole_sources(conn: &Connection, filter: &str) -> Result<std::collections::HashSet<i64>> {
    let sql = format!(
        "WITH inside AS (SELECT source_id, count(*) AS n FROM events {filter} GROUP BY ALL),
              every AS (SELECT source_id, count(*) AS n FROM events GROUP BY ALL)
         SELECT inside.source_id FROM inside JOIN every USING (source_id) WHERE inside.n = every.n"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([], |r| r.get::<_, i64>(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// The case's disclosure key, from which every event's salts derive (see disclosure.rs), and what
/// the manifest says of it. Made on the first export and kept in the case, so every bundle of the
/// case, redacted or not, gives an event the same leaf and a scope the same root; it never enters
/// a bundle.
pub(crate) fn disclosure_key(conn: &Connection) -> Result<(Vec<u8>, String)> {
    const KEY: &str = "disclosure_key";
    const SHARED: &str = "derived from the case's disclosure key (kept in the case, not in the bundle): every bundle of these events, however redacted, has these leaves and this root";
    // Read as stored: a key that cannot be read is an error, never silently replaced (the
    // case's earlier bundles would share no root with the next).
    let stored = |conn: &Connection| -> Result<Option<Vec<u8>>> {
        let mut stmt = conn.prepare("SELECT value FROM main.case_meta WHERE key = ?")?;
        let texts: Vec<String> = stmt
            .query_map([KEY], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        texts
            .first()
            .map(|text| {
                hex::decode(text).ok().filter(|k| k.len() == 32).ok_or_else(|| Error::BadArgument {
                    message: "The case's disclosure key is damaged (not 32 bytes of hex), so a bundle cannot have the salts of the case's earlier bundles.".into(),
                })
            })
            .transpose()
    };
    if let Some(key) = stored(conn)? {
        return Ok((key, SHARED.into()));
    }
    let mut key = vec![0u8; 32];
    getrandom::fill(&mut key).map_err(|e| Error::BadArgument {
        message: format!("The system's random source failed: {e}."),
    })?;
    let kept = conn.execute(
        "INSERT OR IGNORE INTO main.case_meta VALUES (?, ?)",
        [KEY, hex::encode(&key).as_str()],
    );
    Ok(match kept {
        // Whichever key was stored first is the case's.
        Ok(_) => (stored(conn)?.unwrap_or(key), SHARED.into()),
        // A case that cannot be written still exports; its bundles just share no root.
        Err(_) => (key, "drawn for this bundle only (the case could not keep a key): no other bundle shares its root".into()),
    })
}

/// Fills `bundle_streams` when the request names streams or decisions; false when it names neither.
fn scope_streams(conn: &Connection, req: &BundleRequest) -> Result<bool> {
    if req.streams.is_none() && req.decisions.is_none() {
        return Ok(false);
    }
    conn.execute_batch(
        "CREATE OR REPLACE TEMP TABLE bundle_streams (stream_id VARCHAR);
         CREATE OR REPLACE TEMP TABLE bundle_decisions (decision_id VARCHAR);",
    )?;
    if let Some(streams) = &req.streams {
        for s in streams {
            let n: i64 = conn.query_row(
                "SELECT count(*) FROM events WHERE stream_id = ?",
                [s],
                |r| r.get(0),
            )?;
            if n == 0 {
                return Err(Error::UnknownStream { stream: s.clone() });
            }
            conn.execute("INSERT INTO bundle_streams VALUES (?)", [s])?;
        }
    }
    if let Some(ids) = &req.decisions {
        for id in ids {
            let n: i64 = conn.query_row(
                "SELECT count(*) FROM decisions WHERE decision_id = ?",
                [id],
                |r| r.get(0),
            )?;
            if n == 0 {
                return Err(Error::UnknownDecision { id: id.clone() });
            }
            conn.execute("INSERT INTO bundle_decisions VALUES (?)", [id])?;
        }
        // Everything an explanation reads: the decision's and its subject's streams, linked events'
        // streams, the deployments of its model version, its context documents.
        conn.execute_batch(
            "INSERT INTO bundle_streams
             WITH d AS (SELECT * FROM decisions WHERE decision_id IN (SELECT decision_id FROM bundle_decisions))
             SELECT stream_id FROM d
             UNION SELECT subject_id FROM d
             UNION SELECT l.stream_id FROM decision_links l JOIN d ON l.decision_event_id = d.event_id
             UNION SELECT m.stream_id FROM model_deployments m JOIN d ON m.model_version = d.model_version
             UNION SELECT c.stream_id FROM context_refs c JOIN d
                   ON list_contains(from_json(coalesce(d.context_ids, '[]'), '[\"VARCHAR\"]'), c.chunk_id)",
        )?;
    }
    Ok(true)
}

/// Every erasure marker in the case: an event whose payload lists erased fields under `field`.
pub(crate) fn erasure_markers(conn: &Connection, field: &str) -> Result<Vec<Erasure>> {
    let path = format!("$.\"{}\"", field.replace('"', ""));
    let mut stmt = conn.prepare(
        "SELECT stream_id, event_id, json_extract(payload, ?)::VARCHAR FROM events
         WHERE json_type(payload, ?) = 'ARRAY' ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![path, path], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (stream_id, marker_event_id, list) = row?;
        let fields: Vec<String> = serde_json::from_str::<Vec<Value>>(&list)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        if !fields.is_empty() {
            out.push(Erasure {
                stream_id,
                marker_event_id,
                fields,
            });
        }
    }
    Ok(out)
}

/// What writing the events saw.
struct Written {
    count: u64,
    root: merkle::Hash,
    source_ids: BTreeSet<i64>,
    first_recorded: Option<i64>,
    last_recorded: Option<i64>,
    counts: super::RedactionCounts,
}

/// One event ready to write: redacted, as its canonical line and leaf, and as the staging row.
struct Prepared {
    ev: crate::model::Event,
    occurred: i64,
    recorded: i64,
    line: Vec<u8>,
    leaf: merkle::Hash,
    payload: Option<String>,
    metadata: Option<String>,
    counts: super::RedactionCounts,
}

/// Events are read from DuckDB in batches here, redacted and serialized on rayon's pool, and
/// written in order (lines, leaves, staging rows) on a thread of its own while the next batch is read.
const BATCH: usize = 8192;

fn prepare(
    redactor: &Redactor,
    salter: &disclosure::Salter,
    raw: crate::model::rows::RawEvent,
) -> Result<Prepared> {
    let (occurred, recorded) = (raw.occurred, raw.recorded);
    let mut ev = raw.finish();
    let original_value = serde_json::to_value(&ev).expect("an event serializes");
    let counts = redactor.apply(&mut ev);
    let shown_value = serde_json::to_value(&ev).expect("an event serializes");
    let original = disclosure::flatten(&original_value);
    let shown = (shown_value != original_value).then(|| disclosure::flatten(&shown_value));
    let (line, leaf) = salter
        .line(
            ev.seq,
            ev.source_id,
            &original,
            shown.as_ref().unwrap_or(&original),
        )
        .map_err(|field| Error::BadArgument {
            message: format!("Casefile would have given away the salt of the hidden field {field} of event {}: its key was meant for fields nothing hides. The bundle was not written; please report this.", ev.event_id),
        })?;
    let line = line.to_bytes();
    let canonical = |v: &Value| (!v.is_null()).then(|| super::canonical_string(v));
    Ok(Prepared {
        payload: canonical(&ev.payload),
        metadata: canonical(&ev.metadata),
        ev,
        occurred,
        recorded,
        line,
        leaf,
        counts,
    })
}

/// What the writing thread hands back: the tree, the count and what redaction did, and the zip
/// with the events' lines in it.
struct Sink {
    tree: RootBuilder,
    count: u64,
    counts: super::RedactionCounts,
    lines: BundleFile,
}

/// A writer into the zip's current entry that keeps the sha256 and size of what went through.
struct Digesting<'a> {
    zip: &'a mut BundleZip,
    sha256: Sha256,
    size: u64,
}

impl Write for Digesting<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.zip.write(buf)?;
        self.sha256.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.zip.flush()
    }
}

/// Writes the events into the staging case and, as lines, into the zip (which is handed back
/// whether or not this succeeds, so the caller can remove it).
fn write_prepared(
    stage: Connection,
    mut zip: BundleZip,
    rx: std::sync::mpsc::Receiver<Vec<Prepared>>,
) -> (BundleZip, Result<Sink>) {
    let sink = write_prepared_into(stage, &mut zip, rx);
    (zip, sink)
}

fn write_prepared_into(
    stage: Connection,
    zip: &mut BundleZip,
    rx: std::sync::mpsc::Receiver<Vec<Prepared>>,
) -> Result<Sink> {
    let mut appender = stage.appender("events")?;
    zip.start(EVENTS_JSONL_ZST)?;
    let mut jsonl = super::seekable::LinesWriter::new(Digesting {
        zip,
        sha256: Sha256::new(),
        size: 0,
    })?;
    let mut tree = RootBuilder::default();
    let mut count = 0u64;
    let mut counts = super::RedactionCounts::default();
    for batch in rx {
        for p in batch {
            let ev = &p.ev;
            tree.push_leaf(p.leaf);
            jsonl.line(&p.line)?;
            appender.append_row(params![
                ev.seq,
                ev.event_id,
                ev.stream_id,
                ev.stream_type,
                ev.stream_version,
                ev.event_type,
                ev.schema_version,
                store::timestamp(p.occurred),
                store::timestamp(p.recorded),
                ev.recorded_at_defaulted,
                ev.naive_time,
                ev.actor,
                ev.reason,
                ev.causation_id,
                ev.correlation_id,
                ev.corrects,
                p.payload,
                p.metadata,
                ev.source_id,
                ev.source_row,
                hex::encode(p.leaf),
            ])?;
            counts += p.counts;
            count += 1;
        }
    }
    appender.flush()?;
    let digesting = jsonl.finish()?;
    Ok(Sink {
        tree,
        count,
        counts,
        lines: BundleFile {
            path: EVENTS_JSONL_ZST.into(),
            sha256: hex::encode(digesting.sha256.finalize()),
            size: digesting.size,
        },
    })
}

fn write_events(
    conn: &Connection,
    staging: &mut Staging,
    filter: &str,
    total: u64,
    redactor: &Redactor,
    salter: &disclosure::Salter,
    job: &Job,
) -> Result<Written> {
    use rayon::prelude::*;
    let stage = store::open_staging(&staging.stage_case)?;
    stage.execute_batch("ALTER TABLE events ADD COLUMN event_hash VARCHAR;")?;
    let zip = staging
        .zip
        .take()
        .expect("the zip is the staging's until the events are written");
    // Streamed in Arrow batches: a row-by-row result is held whole by DuckDB before the first
    // row (6.9 GB for 10M events under a 4 GB budget).
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM events {filter} ORDER BY seq",
        crate::model::rows::EVENT_COLUMNS_BATCHED
    ))?;
    let mut written = Written {
        count: 0,
        root: [0; 32],
        source_ids: BTreeSet::new(),
        first_recorded: None,
        last_recorded: None,
        counts: Default::default(),
    };
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Prepared>>(2);
    let writer = std::thread::spawn(move || write_prepared(stage, zip, rx));
    let mut read = 0u64;
    let result = (|| -> Result<()> {
        let mut pending: Vec<crate::model::rows::RawEvent> = Vec::with_capacity(BATCH);
        let mut batches = stmt.stream_arrow([])?;
        loop {
            let next = batches.next().transpose()?;
            if let Some(arrow) = &next {
                for raw in crate::model::rows::raw_events_of_batch(arrow)? {
                    let (ev, recorded) = (&raw.ev, raw.recorded);
                    written.source_ids.insert(ev.source_id);
                    written.first_recorded =
                        Some(written.first_recorded.map_or(recorded, |f| f.min(recorded)));
                    written.last_recorded =
                        Some(written.last_recorded.map_or(recorded, |l| l.max(recorded)));
                    pending.push(raw);
                }
            }
            if pending.len() < BATCH && next.is_some() {
                continue;
            }
            if pending.is_empty() {
                return Ok(());
            }
            let batch = std::mem::replace(&mut pending, Vec::with_capacity(BATCH));
            read += batch.len() as u64;
            let prepared: Vec<Prepared> = batch
                .into_par_iter()
                .map(|raw| prepare(redactor, salter, raw))
                .collect::<Result<_>>()?;
            if tx.send(prepared).is_err() {
                // The writer stopped: its error is reported below.
                return Ok(());
            }
            job.report("writing the events", read, total);
            job.check()?;
            if next.is_none() {
                return Ok(());
            }
        }
    })();
    drop(tx);
    let (zip, sink) = writer.join().expect("the writing thread does not panic");
    staging.zip = Some(zip);
    result?;
    let sink = sink?;
    staging.packed.push(sink.lines);
    written.count = sink.count;
    written.counts = sink.counts;
    written.root = sink.tree.root();
    Ok(written)
}

/// Writes the findings of the written streams (and, for a finding of no stream, of the written
/// sources) to `path` as the JSON array `write_json` would, a batch at a time: a 30M-event case has
/// millions of findings, and held whole (DuckDB's result, the rows, the text) they went past the
/// budget. Returns how many were written.
fn write_findings(
    conn: &Connection,
    path: &Path,
    view_mask: Option<&crate::viewer::Mask>,
    source_ids: &BTreeSet<i64>,
    redactor: &Redactor,
) -> Result<u64> {
    use serde::ser::Serializer as _;
    use store::columns::{int_at, ints, strings, text_at};
    let mut stmt = conn.prepare(
        "SELECT source_id::BIGINT, kind, stream_id, event_id, message FROM findings
         WHERE stream_id IS NULL OR stream_id IN (SELECT stream_id FROM bundle_written_streams)
         ORDER BY finding_id",
    )?;
    let mut batches = stmt.stream_arrow([])?;
    let mut failure: Option<Error> = None;
    let mut count = 0u64;
    let mut batch_rows = Vec::new().into_iter();
    let rows = std::iter::from_fn(|| loop {
        if let Some(row) = batch_rows.next() {
            count += 1;
            return Some(row);
        }
        let batch = batches.next()?;
        let rows = (|| -> Result<Vec<FindingRow>> {
            let batch = batch?;
            let (source, kind, stream, event, message) = (
                ints(&batch, 0)?,
                strings(&batch, 1)?,
                strings(&batch, 2)?,
                strings(&batch, 3)?,
                strings(&batch, 4)?,
            );
            let mut rows = Vec::with_capacity(batch.num_rows());
            for r in 0..batch.num_rows() {
                let source_id = int_at(&source, r);
                let stream_id = text_at(&stream, r);
                if stream_id.is_none() && source_id.is_some_and(|s| !source_ids.contains(&s)) {
                    continue;
                }
                let mut text = message.value(r).to_string();
                if let Some(m) = view_mask {
                    m.message(stream_id, &mut text);
                }
                rows.push(FindingRow {
                    source_id,
                    kind: crate::findings::FindingKind::parse(kind.value(r))?,
                    stream_id: stream_id.map(|s| redactor.stream_id(s)),
                    event_id: text_at(&event, r).map(str::to_string),
                    message: text,
                });
            }
            Ok(rows)
        })();
        match rows {
            Ok(rows) => batch_rows = rows.into_iter(),
            Err(e) => {
                failure = Some(e);
                return None;
            }
        }
    });
    let mut out = serde_json::Serializer::with_formatter(
        BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?),
        serde_json::ser::PrettyFormatter::new(),
    );
    out.collect_seq(rows)
        .map_err(|e| Error::Io(std::io::Error::other(e)))?;
    if let Some(e) = failure {
        return Err(e);
    }
    let mut file = out.into_inner();
    file.write_all(b"\n")?;
    file.flush()?;
    Ok(count)
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut text = serde_json::to_vec_pretty(value).expect("bundle records serialize");
    text.push(b'\n');
    std::fs::write(path, text)?;
    Ok(())
}

pub(crate) const README: &str = r#"This is a Casefile case bundle (format casefile-bundle/2): evidence exported from a Casefile case.

Check it offline:   casefile bundle verify THIS.casebundle --key INVESTIGATOR.pub
Open it read-only:  casefile info THIS.casebundle   (or File > Open in the Casefile app)
A field withheld here, revealed later: casefile bundle reveal THIS.casebundle --check REVEALED.json
Without Casefile:   casefile-verify THIS.casebundle --key SHA256:FINGERPRINT   (verifier/ in
                    Casefile's source: one file over SHA-256, Ed25519, JSON and zstd libraries)

manifest.json            every file's SHA-256 and size, the scope, the redaction, the events' Merkle root
signature.json           ed25519 signature over the exact bytes of manifest.json (when signed)
events/events.jsonl.zst  one line per event (below); zstd frames of 4096 lines, then a seek table
                         (a skippable frame: zstd -d reads the whole)
events/salt-keys.json    salt keys: {"source": {"pattern": "key, hex"}}
events/events.parquet    the events as this bundle shows them, each with its leaf (event_hash)
custody/sources.json     where every event came from: source files, their SHA-256, who imported them
notes.json, findings.json, rules/, reports/

Every bundle of a case, however redacted, has the same Merkle root: a leaf commits to each of the
event's values through a salted hash, and a field not shown keeps its commitment.

Checking it without Casefile (a SHA-256, an Ed25519, a zstd and a JSON library are enough):
A. Key. signature.json's "public_key" is base64 of 32 bytes; its fingerprint is "SHA256:" and the
   unpadded base64 of SHA-256(key). Compare it with the fingerprint you were given.
B. Signature. Ed25519-verify the base64 "signature" over the bytes of manifest.json as stored.
C. Files. For each {path, sha256, size} of the manifest's "files": the zip entry of that name has
   that many bytes and that SHA-256 (lowercase hex); the zip holds nothing else but manifest.json
   and signature.json. (The zip is canonical: entries stored, in the manifest's order, dated
   1980-01-01, ZIP64 headers, no extra fields or comments; casefile bundle verify checks its every
   byte.)
D. Events. Decompress events/events.jsonl.zst and split it on "\n": the manifest's events.count
   lines, each a JSON object:
     disclosed   {pointer: value text}  values shown as they were, each as its JSON text (a string:
                                        hash its characters as UTF-8, never a re-serialisation)
     salts       {pointer: hex}         salts given with disclosed fields
     withheld, pseudonymized, erased   {pointer: commitment, hex}   fields not shown
     pseudonyms  {pointer: text}        what is shown in a pseudonymized value's place (not hashed)
     nonce, source (numbers)
   For each disclosed field, p its pointer (RFC 6901) and v its value text, both as UTF-8 bytes:
     salt = salts[p], or else SHA-256("S" || key || i64be(nonce) || p)[0..16], with key =
            salt-keys.json[source][pattern], the pattern being p with every all-digit segment
            written "*" (/payload/items/3/sku -> /payload/items/*/sku)
     c    = SHA-256("C" || salt || u32be(len p) || p || v)
   The other fields' c is given. With all n fields sorted by the bytes of p:
     leaf = SHA-256(0x00 || "E" || u32be(n) || for each field: u32be(len p) || p || c)
   "S", "C" and "E" are the single bytes 0x53, 0x43 and 0x45; u32be(x) and i64be(x) are x in 4 and
   8 bytes, big-endian.
E. Root. RFC 6962: the root of one leaf is the leaf; of n > 1 leaves, with k the largest power of
   two below n, SHA-256(0x01 || root(first k) || root(the rest)); of none, SHA-256 of nothing. It
   equals the manifest's events.merkle_root (hex).
F. One event. casefile bundle prove THIS.casebundle EVENT_ID gives its line (every salt in it),
   its index and audit path: recompute the leaf as in D and follow RFC 9162 section 2.1.3.2.

Test vector: key 000102030405060708090a0b0c0d0e0f, nonce 5, p "/event_id", v "\"e-1\"":
salt e12aa50e4b2ee3dd52d5b9711a261cbe,
c 925fcf8bd52028956340af0fb7ff4d912575f5202c9737eb311ba6e9c5deb407.
"#;

/// Writes `reports/...` files into the staging folder (explanations rendered by the caller).
pub fn add_report(staging: &mut Staging, name: &str, bytes: &[u8]) -> Result<()> {
    let path = staging.dir.join("reports").join(name);
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p)?;
    }
    std::fs::write(path, bytes)?;
    staging.manifest.reports.push(format!("reports/{name}"));
    Ok(())
}

/// Zips the staging folder with the manifest (and its signature), then moves the bundle into place.
pub fn finish(mut staging: Staging, job: &Job) -> Result<BundleExportReport> {
    for path in std::mem::take(&mut staging.attach) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "report".into());
        let bytes = std::fs::read(&path)?;
        // Two reports of the same name both travel: the later one gets a number.
        let mut unique = name.clone();
        let mut n = 1;
        while staging
            .manifest
            .reports
            .contains(&format!("reports/{unique}"))
        {
            n += 1;
            unique = match name.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem}-{n}.{ext}"),
                None => format!("{name}-{n}"),
            };
        }
        add_report(&mut staging, &unique, &bytes)?;
    }
    std::fs::write(staging.dir.join("README.txt"), README)?;
    let mut names = vec![
        "README.txt".to_string(),
        EVENTS_PARQUET.into(),
        SALT_KEYS.into(),
        SOURCES.into(),
        NOTES.into(),
        FINDINGS.into(),
    ];
    for rule in [FOLD_RULES, DECISION_RULES] {
        if staging.dir.join(rule).exists() {
            names.push(rule.into());
        }
    }
    names.extend(staging.manifest.reports.iter().cloned());

    // What is packed goes from the staging folder as it goes into the zip, and the staging case
    // (only there to explain decisions from) goes first: at 30M events the staged files and the
    // zip side by side needed about 45 GB free (the events' lines, the bulk, are in the zip
    // already).
    for stage_file in [
        staging.stage_case.clone(),
        staging.stage_case.with_extension("duckdb.wal"),
    ] {
        if stage_file.exists() {
            std::fs::remove_file(stage_file)?;
        }
    }
    let result = (|| -> Result<BundleExportReport> {
        let zip = staging
            .zip
            .as_mut()
            .expect("the zip is the staging's once the events are written");
        let total: u64 = names
            .iter()
            .map(|n| {
                std::fs::metadata(staging.dir.join(n))
                    .map(|m| m.len())
                    .unwrap_or(0)
            })
            .sum();
        let mut done = 0u64;
        let mut files = std::mem::take(&mut staging.packed);
        for name in &names {
            let src = staging.dir.join(name);
            let size = std::fs::metadata(&src)?.len();
            zip.start(name)?;
            let mut reader = std::fs::File::open(&src)?;
            let mut hasher = Sha256::new();
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let n = reader.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
                zip.write_all(&buf[..n])?;
                let before = done;
                done += n as u64;
                if before >> 24 != done >> 24 {
                    job.report("packing the bundle", done, total);
                    job.check()?;
                }
            }
            drop(reader);
            std::fs::remove_file(&src)?;
            files.push(BundleFile {
                path: name.clone(),
                sha256: hex::encode(hasher.finalize()),
                size,
            });
        }
        let m = &mut staging.manifest;
        m.files = files.clone();
        m.signer = staging.signing.as_ref().map(|k| SignerRecord {
            algorithm: "ed25519".into(),
            public_key: keys::public_key_text(&k.verifying_key()),
            fingerprint: keys::fingerprint(&k.verifying_key()),
        });
        let mut manifest_bytes = serde_json::to_vec_pretty(&m).expect("the manifest serializes");
        manifest_bytes.push(b'\n');
        zip.start(MANIFEST)?;
        zip.write_all(&manifest_bytes)?;
        if let Some(key) = &staging.signing {
            let sig = SignatureFile {
                algorithm: "ed25519".into(),
                public_key: keys::public_key_text(&key.verifying_key()),
                fingerprint: keys::fingerprint(&key.verifying_key()),
                signature: keys::sign(key, &manifest_bytes),
            };
            let mut bytes = serde_json::to_vec_pretty(&sig).expect("a signature serializes");
            bytes.push(b'\n');
            zip.start(SIGNATURE)?;
            zip.write_all(&bytes)?;
        }
        let zip = staging.zip.take().expect("the zip is still open");
        let (mut inner, _) = zip.finish()?;
        inner.flush()?;
        inner.get_ref().sync_all()?;
        Ok(BundleExportReport {
            path: store::absolute(&staging.out).to_string_lossy().into_owned(),
            events: m.events.count,
            files,
            merkle_root: m.events.merkle_root.clone(),
            signed_by: m.signer.as_ref().map(|s| s.fingerprint.clone()),
            size_bytes: 0,
            scope: m.scope.clone(),
            redaction: m.redaction.clone(),
        })
    })();
    match result {
        Ok(mut report) => {
            std::fs::rename(&staging.partial, &staging.out)?;
            report.size_bytes = std::fs::metadata(&staging.out)?.len();
            Ok(report)
        }
        Err(e) => {
            // Closed before it is removed (a zip still open would be finalised afterwards).
            drop(staging.zip.take());
            let _ = std::fs::remove_file(&staging.partial);
            Err(e)
        }
    }
}

pub(crate) fn zip_error(e: zip::result::ZipError) -> Error {
    Error::Io(std::io::Error::other(e.to_string()))
}
