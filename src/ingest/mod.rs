//! Import: one source file into a case, with every row accounted for.
//!
//! read (sha256 while streaming, decompress) -> detect container and envelope -> frame rows into a
//! staging table -> DuckDB maps them to the envelope -> rejects go to `quarantine` with a reason,
//! exact duplicates are counted, conflicting duplicates are quarantined and raised as findings ->
//! one transaction per file -> CHECKPOINT. rows_read = rows_loaded + rows_quarantined + duplicates.

pub mod detect;
pub mod dump;
pub mod folder;
pub mod formats;
pub mod frame;
pub mod integrity;
pub mod mapping;
pub mod parquet;
pub mod source;
pub mod sqldump;
pub mod tables;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use duckdb::Connection;
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::findings::{self, Finding, FindingKind};
use detect::{Container, Envelope};
use mapping::{lit, Mapping, MappingSql};
use source::Source;

/// How a user asked a file to be read.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// A `--format` name (see `detect::FORMAT_NAMES`); detected when absent.
    pub format: Option<String>,
    /// A TOML mapping file that says where each envelope field comes from.
    pub mapping: Option<PathBuf>,
    /// The same as text (edited in the app's import screen); wins over `mapping`.
    pub mapping_toml: Option<String>,
    /// The time (RFC 3339) given to events that have none of their own; wins over a mapping's
    /// `default_time`. Such events are marked (`time_placed` in metadata, a count, a finding).
    pub default_time: Option<String>,
}

/// A moment of an import, for progress bars.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ImportProgress {
    pub path: String,
    pub phase: &'static str,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub rows: u64,
}

/// Receives progress; `keep_going` returning false cancels the import of the current file.
pub trait ProgressSink {
    fn progress(&self, p: &ImportProgress);
    fn keep_going(&self) -> bool {
        true
    }
}

/// An import's progress as its job's reports (at most ten a second, and each new phase), and the
/// job's cancel as the import's.
pub struct JobSink<'a> {
    job: &'a crate::job::Job,
    last: std::cell::Cell<Option<(std::time::Instant, &'static str)>>,
}

impl<'a> JobSink<'a> {
    pub fn new(job: &'a crate::job::Job) -> Self {
        JobSink {
            job,
            last: Default::default(),
        }
    }
}

impl ProgressSink for JobSink<'_> {
    fn progress(&self, p: &ImportProgress) {
        let due = self.last.get().is_none_or(|(at, phase)| {
            phase != p.phase || at.elapsed() >= std::time::Duration::from_millis(100)
        });
        if due {
            self.last.set(Some((std::time::Instant::now(), p.phase)));
            self.job.report_with(
                p.phase,
                p.bytes_done,
                p.bytes_total,
                Some(crate::job::JobDetail::Import {
                    path: p.path.clone(),
                    rows: p.rows,
                }),
            );
        }
    }

    fn keep_going(&self) -> bool {
        !self.job.is_cancelled()
    }
}

/// A sink that ignores progress.
pub struct NoProgress;
impl ProgressSink for NoProgress {
    fn progress(&self, _: &ImportProgress) {}
}

/// What happened to one source file. Keys are part of the CLI contract.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SourceReport {
    pub source_id: i64,
    pub path: String,
    pub sha256: String,
    pub size_bytes: u64,
    pub format: String,
    pub container: String,
    pub compression: String,
    pub detected_by: String,
    pub rows_read: u64,
    pub rows_loaded: u64,
    pub rows_quarantined: u64,
    pub duplicates: u64,
    pub blank_lines: u64,
    pub recorded_at_defaulted: u64,
    pub naive_timestamps: u64,
    /// Events loaded with a time that is not their own: the enclosing record's (a Kafka record's
    /// timestamp, a log record's observed time) or the default time given for the file.
    pub times_placed: u64,
    /// True when a file with the same sha256 was already in the case: nothing was read or changed.
    pub already_imported: bool,
    pub message: String,
    /// For a SQL dump: every table met and what became of its rows (event tables reconcile on
    /// their own); empty for other files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(optional = nullable)]
    pub tables: Vec<tables::TableRead>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ImportReport {
    pub sources: Vec<SourceReport>,
    pub findings: Vec<Finding>,
    /// Findings raised in all; `findings` lists at most `FINDINGS_LISTED` of them.
    pub findings_total: u64,
    /// One summary per folder given (its files are also in `sources`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(optional = nullable)]
    pub folders: Vec<folder::FolderSummary>,
}

pub const FINDINGS_LISTED: usize = 10_000;

/// DuckDB's memory while a file is imported (`CASEFILE_IMPORT_MEMORY` sets another; a smaller
/// memory budget lowers it): beyond it, staging, mapping and the sorted load spill to a temporary
/// file beside the case.
pub const IMPORT_MEMORY: u64 = 1 << 30;

/// The plan for reading one file.
struct Plan {
    container: Container,
    envelope: Envelope,
    mapping: Mapping,
    detected_by: String,
    /// Stream types from a stream table beside the file (a folder's `mt_streams`).
    stream_types: Option<std::rc::Rc<tables::StreamTypes>>,
}

impl Plan {
    /// The rebuilder of the plan's format, when its records are rebuilt while framed.
    fn rebuilder(&self) -> Option<Box<dyn formats::Rebuild>> {
        if self.container == Container::Parquet && !self.envelope.rebuilds_parquet() {
            return None;
        }
        if self.envelope == Envelope::Marten {
            return Some(Box::new(tables::MartenRows {
                types: self.stream_types.clone(),
            }));
        }
        formats::rebuilder(self.envelope, &self.mapping)
    }

    /// The user's mapping, when it names fields (it then says which tables of a dump to read).
    fn user_tables(&self) -> Option<&Mapping> {
        (self.envelope == Envelope::Mapped).then_some(&self.mapping)
    }

    /// The first part of `detected_by`: what wrote the file.
    fn detected_by_tool(&self) -> String {
        self.detected_by
            .split(';')
            .next()
            .unwrap_or_default()
            .to_string()
    }

    fn format_name(&self) -> String {
        match self.envelope {
            Envelope::Canonical => self.container.name().to_string(),
            e => e.name().to_string(),
        }
    }
}

/// Crash-safety tests set CASEFILE_FAULT_PAUSE to a phase name; the import stops there (and says so
/// on stderr) until the test kills the process. With CASEFILE_FAULT_TRACE set it only says when it
/// passes each one (so a test can kill it a moment later). Unset, this costs two environment
/// lookups per file.
fn fault_point(phase: &str, cancelled: &dyn Fn() -> bool) {
    if std::env::var_os("CASEFILE_FAULT_TRACE").is_some() {
        eprintln!("casefile: at {phase}");
    }
    if std::env::var("CASEFILE_FAULT_PAUSE").is_ok_and(|p| p == phase) {
        eprintln!("casefile: paused at {phase}");
        // Until killed (the crash tests), or cancelled (Ctrl-C, the app's Cancel).
        while !cancelled() {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

/// Runs `sql` on `conn`; with `CASEFILE_SQL_LOG` set, writes the statement and its time to stderr
/// (how the import's phases are profiled).
pub(crate) fn run_sql_step(conn: &Connection, label: &str, sql: &str) -> Result<()> {
    if std::env::var_os("CASEFILE_SQL_LOG").is_none() {
        conn.execute_batch(sql)?;
        return Ok(());
    }
    let started = std::time::Instant::now();
    let done = conn.execute_batch(sql);
    eprintln!(
        "-- {label}: {:.3} s{}\n{}\n",
        started.elapsed().as_secs_f64(),
        if done.is_ok() { "" } else { " (failed)" },
        sql.trim()
    );
    Ok(done?)
}

/// With `CASEFILE_SQL_LOG` set, writes how long a step took to stderr.
pub(crate) fn log_elapsed(label: &str, since: std::time::Instant) {
    if std::env::var_os("CASEFILE_SQL_LOG").is_some() {
        eprintln!("-- {label}: {:.3} s", since.elapsed().as_secs_f64());
    }
}

pub(crate) fn os_user() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(whoami::username)
}

fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

type Forced = Option<(Option<Container>, Option<Envelope>)>;

/// The user's choices, checked: how to read files and the default time for events without one.
#[derive(Clone)]
struct Choices {
    forced: Forced,
    mapping: Option<Mapping>,
    default_time: Option<String>,
    /// Set for the files of a folder: the keys of the partition folders the file is in.
    partition: Vec<(String, String)>,
    /// Set for the files of a folder that holds a stream table.
    stream_types: Option<std::rc::Rc<tables::StreamTypes>>,
}

/// The user's format and mapping choices, checked.
fn read_options(opts: &ImportOptions) -> Result<Choices> {
    let mapping = match (&opts.mapping_toml, &opts.mapping) {
        (Some(text), _) => Some(Mapping::from_toml_text(text, "typed in the import screen")?),
        (None, Some(p)) => Some(Mapping::from_toml_file(p)?),
        (None, None) => None,
    };
    let forced = match &opts.format {
        Some(f) => Some(detect::parse_format(f).ok_or_else(|| Error::UnknownFormat {
            given: f.clone(),
            known: detect::FORMAT_NAMES.join(", "),
        })?),
        None => None,
    };
    if let Some(t) = &opts.default_time {
        crate::model::parse_instant(t)?;
    }
    let default_time = opts
        .default_time
        .clone()
        .or_else(|| mapping.as_ref().and_then(|m| m.default_time.clone()));
    Ok(Choices {
        forced,
        mapping,
        default_time,
        partition: Vec::new(),
        stream_types: None,
    })
}

/// Refuses a path that is missing or not a regular file, saying which.
fn ensure_regular_file(path: &Path) -> Result<()> {
    if path.is_file() {
        return Ok(());
    }
    Err(Error::SourceUnreadable {
        path: path.to_path_buf(),
        cause: if path.exists() {
            "it is not a regular file".into()
        } else {
            "no such file".into()
        },
    })
}

/// How a file would be read, shown before anything is loaded (the app's import screen).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SourcePreview {
    pub path: String,
    pub size_bytes: u64,
    pub compression: String,
    /// The format name as `--format` takes it.
    pub format: String,
    pub container: String,
    pub detected_by: String,
    /// Where each envelope field comes from, as the TOML a mapping file holds (editable).
    pub mapping_toml: String,
    /// The same mapping as data, for the import screen's form.
    pub mapping: Mapping,
    /// True when the format's records are read by its own rules (CloudEvents, Kafka, OTLP): its
    /// mapping reads the rebuilt records, and only its options (default time, Kafka) are the
    /// user's to set unless fields are mapped by hand.
    pub rebuilt: bool,
    /// The envelope fields a mapping can fill, in order.
    pub envelope_fields: Vec<String>,
    /// Keys (and dotted paths) seen in the sampled rows.
    pub keys: Vec<String>,
    /// The first rows as read, before mapping.
    pub sample: Vec<serde_json::Value>,
    /// Whether a file with the same sha256 is already in the case (known only after hashing, so
    /// only checked for files up to 64 MiB here; the import itself always checks).
    pub sha256: Option<String>,
    pub already_imported: Option<bool>,
    /// Every format name the import accepts.
    pub formats: Vec<String>,
    /// The first records as they would be loaded (or why they would be quarantined).
    pub rows: Vec<PreviewRow>,
    /// How many records were mapped for this preview (the first ones of the file).
    pub sampled_rows: u64,
    /// Of those, how many would be quarantined, by reason (most common first).
    pub would_quarantine: u64,
    pub reasons: Vec<ReasonCount>,
    /// Of those, how many would be given a time that is not their own, by where it comes from.
    pub times_placed: Vec<ReasonCount>,
    /// Of those, how many repeat an event already read with the same body (counted once).
    pub duplicates: u64,
    /// For a SQL dump: the tables met in the part read, and what each was read as.
    pub tables: Vec<tables::TableRead>,
}

/// One record as the import would load it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct PreviewRow {
    pub row: i64,
    pub event_id: Option<String>,
    pub stream_id: Option<String>,
    pub stream_type: Option<String>,
    pub event_type: Option<String>,
    pub occurred_at: Option<String>,
    pub recorded_at: Option<String>,
    /// Where the time came from when it is not the event's own (`kafka_timestamp`, `default_time`...).
    pub time_placed: Option<String>,
    pub payload: serde_json::Value,
    /// Why the record would be quarantined; None when it would load.
    pub quarantined: Option<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ReasonCount {
    pub reason: String,
    pub rows: u64,
}

const PREVIEW_ROWS: usize = 5;
/// Records mapped for a preview (and `import --dry-run`).
const PREVIEW_MAPPED: u64 = 1000;
/// Of those, the ones shown.
const PREVIEW_SHOWN: usize = 20;
const PREVIEW_HASH_LIMIT: u64 = 64 << 20;

/// Detects how a file would be read, with the same logic as the import, and samples a few rows.
pub fn preview(conn: &Connection, path: &Path, opts: &ImportOptions) -> Result<SourcePreview> {
    let choices = read_options(opts)?;
    preview_with(conn, path, &choices)
}

/// How every file of a folder would be read (see `folder`), with the same logic as the import.
pub fn preview_folder(
    conn: &Connection,
    root: &Path,
    opts: &ImportOptions,
) -> Result<folder::FolderPreview> {
    let choices = read_options(opts)?;
    let (data, types, mut out) = sort_folder(root, &choices)?;
    let types = (!types.is_empty()).then(|| std::rc::Rc::new(types));
    for f in data {
        if out.files.len() >= folder::FOLDER_PREVIEWED {
            out.not_previewed += 1;
            continue;
        }
        let mut file_choices = choices.clone();
        file_choices.partition = f.partition.clone();
        file_choices.stream_types = types.clone();
        match preview_with(conn, &f.path, &file_choices) {
            Ok(p) => out.files.push(folder::FolderFilePreview {
                path: crate::store::absolute(&f.path)
                    .to_string_lossy()
                    .to_string(),
                partition: f
                    .partition
                    .iter()
                    .map(|(k, v)| folder::PartitionKey {
                        key: k.clone(),
                        value: v.clone(),
                    })
                    .collect(),
                preview: p,
            }),
            Err(e) => out.not_imported.push(folder::FileNotImported {
                path: crate::store::absolute(&f.path)
                    .to_string_lossy()
                    .to_string(),
                code: e.code(),
                message: e.to_string(),
            }),
        }
    }
    Ok(out)
}

/// A folder's files sorted out: the data files to read, the stream types of its stream tables,
/// and a preview holding the stream tables and the files that are not data.
fn sort_folder(
    root: &Path,
    choices: &Choices,
) -> Result<(
    Vec<folder::FolderFile>,
    tables::StreamTypes,
    folder::FolderPreview,
)> {
    let walked = folder::walk(root)?;
    let files = walked.files;
    let mut out = folder::FolderPreview {
        path: crate::store::absolute(root).to_string_lossy().to_string(),
        files_found: (files.len() + walked.passed_over.len()) as u64,
        files: Vec::new(),
        not_previewed: 0,
        stream_tables: Vec::new(),
        not_imported: Vec::new(),
    };
    for (path, why) in walked.passed_over {
        out.not_imported.push(folder::FileNotImported {
            path: crate::store::absolute(&path).to_string_lossy().to_string(),
            code: crate::ErrorCode::NotData,
            message: why,
        });
    }
    let mut data = Vec::new();
    let mut types = tables::StreamTypes::new();
    for f in files {
        let shown = crate::store::absolute(&f.path)
            .to_string_lossy()
            .to_string();
        if let Some(why) = folder::not_data(&f.path) {
            out.not_imported.push(folder::FileNotImported {
                path: shown,
                code: crate::ErrorCode::NotData,
                message: why.into(),
            });
            continue;
        }
        // Marten's stream table is read first: the events beside it take their types from it.
        let stream_table = choices.mapping.is_none()
            && stream_table_keys(&f.path).is_some_and(|k| tables::is_marten_stream_table(&k));
        if !stream_table {
            data.push(f);
            continue;
        }
        match folder::read_stream_table(&f.path) {
            Ok(t) => {
                out.stream_tables.push(folder::StreamTableRead {
                    path: shown,
                    streams: t.len() as u64,
                });
                types.extend(t);
            }
            Err(e) => out.not_imported.push(folder::FileNotImported {
                path: shown,
                code: e.code(),
                message: e.to_string(),
            }),
        }
    }
    Ok((data, types, out))
}

fn preview_with(conn: &Connection, path: &Path, choices: &Choices) -> Result<SourcePreview> {
    ensure_regular_file(path)?;
    let mut src = Source::open(path)?;
    let head = src.peek(1 << 20)?;
    let Detected {
        plan,
        keys,
        document,
        parquet,
    } = detect_plan(path, &mut src, &head, choices, None)?;
    let mapped = map_sample(
        conn,
        path,
        &plan,
        document.as_deref(),
        parquet.as_ref(),
        &choices.partition,
    )?;
    let sample: Vec<Value> = match plan.container {
        Container::Lines => sample_lines(&head, PREVIEW_ROWS),
        Container::Document => sample_document(document.as_deref().unwrap_or_default())
            .map(|rows| rows.into_iter().take(PREVIEW_ROWS).collect())
            .unwrap_or_default(),
        Container::Csv => csv_sample(&head, PREVIEW_ROWS),
        Container::Parquet => parquet
            .map(|p| p.sample.into_iter().take(PREVIEW_ROWS).collect())
            .unwrap_or_default(),
        // A dump's rows are shown as read into documents (`rows`), table by table (`tables`).
        Container::Sql => Vec::new(),
    };
    let (sha256, already_imported) = if src.size_bytes <= PREVIEW_HASH_LIMIT {
        let digest = source::sha256_file(path)?;
        let known: bool = conn.query_row(
            "SELECT count(*) > 0 FROM sources WHERE sha256 = ?",
            [&digest],
            |r| r.get(0),
        )?;
        (Some(digest), Some(known))
    } else {
        (None, None)
    };
    Ok(SourcePreview {
        path: crate::store::absolute(path).to_string_lossy().to_string(),
        size_bytes: src.size_bytes,
        compression: src.compression.name().to_string(),
        format: plan.format_name(),
        container: plan.container.name().to_string(),
        detected_by: plan.detected_by.clone(),
        mapping_toml: plan.mapping.to_toml(),
        mapping: plan.mapping.clone(),
        rebuilt: plan.rebuilder().is_some(),
        envelope_fields: mapping::FIELDS.iter().map(|f| f.to_string()).collect(),
        keys: keys.into_iter().collect(),
        sample,
        sha256,
        already_imported,
        formats: detect::FORMAT_NAMES.iter().map(|f| f.to_string()).collect(),
        rows: mapped.rows,
        sampled_rows: mapped.sampled,
        would_quarantine: mapped.reasons.iter().map(|r| r.rows).sum(),
        reasons: mapped.reasons,
        times_placed: mapped.placed,
        duplicates: mapped.duplicates,
        tables: mapped.tables,
    })
}

struct MappedSample {
    rows: Vec<PreviewRow>,
    sampled: u64,
    reasons: Vec<ReasonCount>,
    placed: Vec<ReasonCount>,
    duplicates: u64,
    tables: Vec<tables::TableRead>,
}

/// Maps the file's first records exactly as the import would (same framing, same SQL) in
/// temporary tables of the case's connection, and reads back what would be loaded or quarantined.
fn map_sample(
    conn: &Connection,
    path: &Path,
    plan: &Plan,
    document: Option<&str>,
    parquet: Option<&parquet::Inspection>,
    partition: &[(String, String)],
) -> Result<MappedSample> {
    frame::create_stage(conn)?;
    let result = (|| {
        let mut stager = frame::Stager::new(conn);
        let limit = Some(PREVIEW_MAPPED);
        let mut spans = Vec::new();
        match plan.container {
            Container::Sql => {
                let mut src = Source::open(path)?;
                spans = dump::frame_dump(
                    conn,
                    &mut src,
                    &mut stager,
                    plan.user_tables(),
                    &|_| true,
                    limit,
                )?;
            }
            Container::Lines => {
                let mut src = Source::open(path)?;
                frame::frame_lines(&mut src, &mut stager, plan.rebuilder(), &|_| true, limit)?
            }
            Container::Csv => {
                let mut src = Source::open(path)?;
                frame::frame_csv(&mut src, &mut stager, plan.rebuilder(), limit)?
            }
            Container::Document => frame::frame_document(
                document.unwrap_or_default(),
                path,
                &mut stager,
                plan.rebuilder(),
                limit,
            )?,
            Container::Parquet => {
                let mut records = frame::Records::new(&mut stager, plan.rebuilder());
                for (i, row) in parquet
                    .map(|p| p.sample.as_slice())
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    records.record(i as i64 + 1, &row.to_string())?;
                }
                records.finish();
            }
        }
        stager.flush()?;
        add_partition_keys(conn, partition)?;
        let sampled = stager.rows;
        let select = MappingSql::new(&plan.mapping).select("preview");
        conn.execute_batch(&format!("CREATE OR REPLACE TEMP TABLE mapped AS {select};"))?;
        explain_bad_json(conn)?;
        // Ids seen twice, in these records or already in the case, as the import would find them.
        find_collisions(conn)?;
        conn.execute_batch(
            r#"UPDATE mapped SET reject = format('duplicate event_id {} with a different body than {} row {}', c.event_id, c.first_source, c.first_row)
               FROM collisions c WHERE c."row" = mapped."row" AND c.status = 'conflict';"#,
        )?;
        let duplicates: i64 = conn.query_row(
            "SELECT count(*) FROM collisions WHERE status = 'duplicate'",
            [],
            |r| r.get(0),
        )?;
        let rows = {
            let mut stmt = conn.prepare(&format!(
                r#"SELECT "row", event_id, stream_id, stream_type, event_type,
                       strftime(occurred_at, '%Y-%m-%dT%H:%M:%S.%fZ'), strftime(recorded_at, '%Y-%m-%dT%H:%M:%S.%fZ'),
                       time_placed, payload::VARCHAR, reject
                   FROM mapped ORDER BY "row" LIMIT {PREVIEW_SHOWN}"#
            ))?;
            let rows = stmt.query_map([], |r| {
                let rejected: Option<String> = r.get(9)?;
                let keep = |v: Option<String>| v.filter(|_| rejected.is_none());
                Ok(PreviewRow {
                    row: r.get(0)?,
                    event_id: keep(r.get(1)?),
                    stream_id: r.get(2)?,
                    stream_type: r.get(3)?,
                    event_type: r.get(4)?,
                    occurred_at: r.get(5)?,
                    recorded_at: r.get(6)?,
                    time_placed: r.get(7)?,
                    payload: r
                        .get::<_, Option<String>>(8)?
                        .and_then(|p| serde_json::from_str(&p).ok())
                        .unwrap_or(Value::Null),
                    quarantined: rejected,
                })
            })?;
            rows.collect::<std::result::Result<Vec<_>, _>>()?
        };
        let counts = |sql: &str| -> Result<Vec<ReasonCount>> {
            let mut stmt = conn.prepare(sql)?;
            let rows = stmt.query_map([], |r| {
                Ok(ReasonCount {
                    reason: r.get(0)?,
                    rows: r.get::<_, i64>(1)? as u64,
                })
            })?;
            Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
        };
        let reasons = counts(
            "SELECT reject, count(*) FROM mapped WHERE reject IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1",
        )?;
        let placed = counts(
            "SELECT time_placed, count(*) FROM mapped WHERE reject IS NULL AND time_placed IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1",
        )?;
        Ok(MappedSample {
            rows,
            sampled,
            reasons,
            placed,
            duplicates: duplicates as u64,
            tables: spans.into_iter().map(|s| s.read).collect(),
        })
    })();
    conn.execute_batch(
        "DROP TABLE IF EXISTS temp.stage; DROP TABLE IF EXISTS temp.mapped; DROP TABLE IF EXISTS temp.collisions;",
    )?;
    result
}

/// The first rows of a CSV file as objects keyed by the header.
fn csv_sample(head: &[u8], limit: usize) -> Vec<Value> {
    let data = head.strip_prefix(&[0xef, 0xbb, 0xbf][..]).unwrap_or(head);
    let first = data.split(|b| *b == b'\n').next().unwrap_or_default();
    let text = String::from_utf8_lossy(first);
    let delim = [b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|d| text.matches(*d as char).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delim)
        .flexible(true)
        .from_reader(data);
    let Ok(header) = reader.headers().cloned() else {
        return Vec::new();
    };
    reader
        .records()
        .take(limit)
        .filter_map(|r| r.ok())
        .map(|r| {
            Value::Object(
                header
                    .iter()
                    .zip(r.iter())
                    .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                    .collect(),
            )
        })
        .collect()
}

/// Imports files in order, each in its own transaction.
pub fn import_files(
    conn: &Connection,
    files: &[PathBuf],
    opts: &ImportOptions,
    sink: &dyn ProgressSink,
) -> Result<ImportReport> {
    let choices = read_options(opts)?;
    for f in files.iter().filter(|f| !f.is_dir()) {
        ensure_regular_file(f)?;
    }
    // Staging, mapping and loading spill to disk past this, so a file of any size imports in
    // bounded memory (users' laptops have 8-16 GB); the case's own limit is back afterwards.
    let limit: String =
        conn.query_row("SELECT current_setting('memory_limit')", [], |r| r.get(0))?;
    let budget = match std::env::var("CASEFILE_IMPORT_MEMORY") {
        Ok(text) => text,
        Err(_) => format!(
            "{}B",
            IMPORT_MEMORY.min(crate::store::memory::duckdb_limit()?)
        ),
    };
    conn.execute_batch(&format!("SET memory_limit = {};", lit(&budget)))?;
    let result = import_all(conn, files, &choices, sink);
    conn.execute_batch(&format!("SET memory_limit = {};", lit(&limit)))?;
    result
}

fn import_all(
    conn: &Connection,
    files: &[PathBuf],
    choices: &Choices,
    sink: &dyn ProgressSink,
) -> Result<ImportReport> {
    let mut report = ImportReport {
        sources: Vec::new(),
        findings: Vec::new(),
        findings_total: 0,
        folders: Vec::new(),
    };
    for f in files {
        if f.is_dir() {
            let summary = import_folder(conn, f, choices, sink, &mut report)?;
            report.folders.push(summary);
            continue;
        }
        let (src, found) = import_one(conn, f, choices, sink)?;
        report.add(src, found);
    }
    Ok(report)
}

impl ImportReport {
    fn add(&mut self, src: SourceReport, found: Vec<Finding>) {
        self.findings_total += found.len() as u64;
        let room = FINDINGS_LISTED.saturating_sub(self.findings.len());
        self.findings.extend(found.into_iter().take(room));
        self.sources.push(src);
    }
}

/// Imports every file below `root` (see `folder`); a file that fails is listed, not fatal,
/// unless the import was cancelled.
fn import_folder(
    conn: &Connection,
    root: &Path,
    choices: &Choices,
    sink: &dyn ProgressSink,
    report: &mut ImportReport,
) -> Result<folder::FolderSummary> {
    let (data, types, sorted) = sort_folder(root, choices)?;
    let mut summary = folder::FolderSummary {
        path: sorted.path,
        files_found: sorted.files_found,
        files_imported: 0,
        files_already_imported: 0,
        rows_read: 0,
        rows_loaded: 0,
        rows_quarantined: 0,
        duplicates: 0,
        stream_tables: sorted.stream_tables,
        not_imported: sorted.not_imported,
        message: String::new(),
    };
    let types = (!types.is_empty()).then(|| std::rc::Rc::new(types));
    for f in data {
        let mut file_choices = choices.clone();
        file_choices.partition = f.partition.clone();
        file_choices.stream_types = types.clone();
        match import_one(conn, &f.path, &file_choices, sink) {
            Ok((src, found)) => {
                if src.already_imported {
                    summary.files_already_imported += 1;
                } else {
                    summary.files_imported += 1;
                }
                summary.rows_read += src.rows_read;
                summary.rows_loaded += src.rows_loaded;
                summary.rows_quarantined += src.rows_quarantined;
                summary.duplicates += src.duplicates;
                report.add(src, found);
            }
            Err(e @ Error::Cancelled { .. }) => return Err(e),
            // A query interrupted by the cancel fails like any other: it is the cancel, not a
            // file that could not be imported, and the files after it are not read.
            Err(_) if !sink.keep_going() => {
                return Err(Error::Cancelled {
                    path: f.path.clone(),
                })
            }
            Err(e) => {
                // What the failed file left behind is not part of the next one.
                let _ = conn.execute_batch(
                    "DROP TABLE IF EXISTS temp.stage; DROP TABLE IF EXISTS temp.mapped; DROP TABLE IF EXISTS temp.collisions;",
                );
                summary.not_imported.push(folder::FileNotImported {
                    path: crate::store::absolute(&f.path)
                        .to_string_lossy()
                        .to_string(),
                    code: e.code(),
                    message: e.to_string(),
                })
            }
        }
    }
    summary.message = folder_sentence(&summary);
    Ok(summary)
}

/// The keys of a file's first rows when it is CSV or JSON (for telling stream tables apart).
fn stream_table_keys(path: &Path) -> Option<BTreeSet<String>> {
    let mut src = Source::open(path).ok()?;
    let head = src.peek(1 << 16).ok()?;
    match detect::sniff_container(&head).0 {
        Container::Csv => Some(csv_header_keys(&head)),
        Container::Lines => Some(detect::key_paths(&sample_lines(&head, 20))),
        _ => None,
    }
}

fn folder_sentence(s: &folder::FolderSummary) -> String {
    let mut out = format!(
        "{} found: {} imported, {} already in the case, {} not imported. {} read: {} loaded, {} quarantined, {} counted once.",
        counted(s.files_found as i64, "file", "files"),
        s.files_imported,
        s.files_already_imported,
        s.not_imported.len(),
        counted(s.rows_read as i64, "row", "rows"),
        s.rows_loaded,
        s.rows_quarantined,
        s.duplicates
    );
    for t in &s.stream_tables {
        out.push_str(&format!(
            " {} was read as Marten's stream table: {} the events take their types from.",
            t.path,
            counted(t.streams as i64, "stream", "streams")
        ));
    }
    out
}

fn sample_lines(head: &[u8], limit: usize) -> Vec<Value> {
    head.split(|b| *b == b'\n')
        .enumerate()
        .map(|(i, l)| frame::json_line_body(l, i == 0))
        .filter_map(|l| match std::str::from_utf8(l) {
            // kafka-console-consumer's lines are records in text of their own.
            Ok(t) => serde_json::from_str::<Value>(t)
                .ok()
                .or_else(|| formats::kafka::console_line(t.trim_end_matches('\r')))
                // Python's JSON with a bare NaN (Phoenix's spans_to_jsonl) still shows its keys.
                .or_else(|| formats::parse_non_finite(t).map(|(v, _)| v)),
            // kcat prints binary keys and payloads raw: the line's shape still tells the format.
            Err(_) => serde_json::from_str::<Value>(&formats::mark_invalid_bytes(l)).ok(),
        })
        .take(limit)
        .collect()
}

/// Up to 200 records of a JSON document or stream (those that parse).
fn sample_document(text: &str) -> serde_json::Result<Vec<Value>> {
    Ok(frame::document_records(text)?
        .into_iter()
        .filter_map(|r| match r {
            frame::Record::Text(t) => serde_json::from_str(t).ok(),
            frame::Record::Refused(..) => None,
        })
        .take(200)
        .collect())
}

fn csv_header_keys(head: &[u8]) -> BTreeSet<String> {
    let data = head.strip_prefix(&[0xef, 0xbb, 0xbf][..]).unwrap_or(head);
    let line = data.split(|b| *b == b'\n').next().unwrap_or_default();
    let text = String::from_utf8_lossy(line);
    let delim = [',', ';', '\t', '|']
        .into_iter()
        .max_by_key(|d| text.matches(*d).count())
        .unwrap_or(',');
    text.split(delim)
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A preview has no cancel button: a reader that gives no first rows in this time gives up.
const PARQUET_PREVIEW_LIMIT: std::time::Duration = std::time::Duration::from_secs(120);

fn preview_parquet(path: &Path) -> Result<parquet::Inspection> {
    let started = std::time::Instant::now();
    let in_time = || started.elapsed() < PARQUET_PREVIEW_LIMIT;
    parquet::inspect(path, PREVIEW_MAPPED as usize, false, &in_time).map_err(|e| match e {
        Error::Cancelled { path } => Error::SourceFormat {
            path,
            cause: format!(
                "the Parquet reader gave no first rows in {} s, so the file was not read further.",
                PARQUET_PREVIEW_LIMIT.as_secs()
            ),
        },
        other => other,
    })
}

fn check_mapping(path: &Path, plan: &Plan, keys: &BTreeSet<String>) -> Result<()> {
    let missing: Vec<&str> = ["stream_id", "event_type", "occurred_at"]
        .into_iter()
        .filter(|f| plan.mapping.candidates(f).is_empty())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let seen: Vec<&str> = keys.iter().map(String::as_str).take(40).collect();
    // `psql \copy` in its default text format writes no header: the first row is data.
    if plan.container == Container::Csv && header_is_data(keys) {
        return Err(Error::SourceFormat {
            path: path.to_path_buf(),
            cause: "its first row is data, not column names (it holds `\\N`, times or ids): it looks like a `psql \\copy` in COPY's text format, which has no header. Export it again with `\\copy … to 'FILE' with (format csv, header)`, or give the columns in a mapping file (--map) and add a header row.".into(),
        });
    }
    Err(Error::SourceFormat {
        path: path.to_path_buf(),
        cause: format!(
            "read as {} ({}), but no field was found for {}. Fields seen: {}. Describe the format in a mapping file and pass it with --map.",
            plan.container.name(),
            plan.detected_by,
            missing.join(", "),
            if seen.is_empty() { "none".to_string() } else { seen.join(", ") }
        ),
    })
}

/// pg_dump's own archive formats (custom, tar) hold the tables in a form only pg_restore reads:
/// say how to turn them into the plain SQL this reads.
fn archive_of_pg_dump(head: &[u8]) -> Option<String> {
    let tar = head.len() > 262 && &head[257..262] == b"ustar";
    let custom = head.starts_with(b"PGDMP");
    let tar_of_dump =
        tar && memchr::memmem::find(&head[..head.len().min(1 << 16)], b"toc.dat").is_some();
    (custom || tar_of_dump).then(|| {
        format!(
            "it is a pg_dump archive in the {} format, which only pg_restore reads. Turn it into a plain SQL dump with `pg_restore -f dump.sql FILE` (no database needed) and import dump.sql.",
            if custom { "custom (-Fc)" } else { "tar (-Ft)" }
        )
    })
}

/// True when "column names" are values: Postgres's NULL marker, times, UUIDs or numbers.
fn header_is_data(keys: &BTreeSet<String>) -> bool {
    let looks = |k: &str| {
        k == "\\N"
            || tables::time_text(k, false) != k
            || (k.len() == 36 && k.chars().filter(|c| *c == '-').count() == 4)
            || (!k.is_empty() && k.chars().all(|c| c.is_ascii_digit()))
    };
    keys.iter().filter(|k| looks(k)).count() >= 2
}

/// What detection settled for one file: how to read it, the keys seen, and (for a JSON document,
/// which has to be read whole to be sampled) its text.
struct Detected {
    plan: Plan,
    keys: BTreeSet<String>,
    document: Option<String>,
    /// A Parquet file's read away from the case (see [`parquet`]).
    parquet: Option<parquet::Inspection>,
}

/// Settles container, envelope and mapping for a file: the user's choices first, then sniffing.
/// A Parquet file is read away from the case (see [`parquet`]); for an import (`import` is asked
/// whether to go on meanwhile) it is read whole.
fn detect_plan(
    path: &Path,
    src: &mut Source,
    head: &[u8],
    choices: &Choices,
    import: Option<&dyn Fn() -> bool>,
) -> Result<Detected> {
    let forced = choices.forced;
    if let Some(cause) = archive_of_pg_dump(head) {
        return Err(Error::SourceFormat {
            path: path.to_path_buf(),
            cause,
        });
    }
    // A mapping file that names no fields only sets options (time format, default time, Kafka).
    let options = choices.mapping.as_ref();
    let user_mapping = options.filter(|m| !m.fields.is_empty());
    // Container: the mapping's, the --format's, or sniffed.
    let (container, mut why) = match (
        user_mapping
            .and_then(|m| m.container.as_deref())
            .and_then(Container::from_name),
        forced.and_then(|f| f.0),
    ) {
        (Some(c), _) => (c, "named by the mapping file".to_string()),
        (None, Some(c)) => (c, "named by --format".to_string()),
        (None, None) => detect::sniff_container(head),
    };
    if container == Container::Parquet && src.compression != source::Compression::None {
        return Err(Error::SourceFormat {
            path: path.to_path_buf(),
            cause: format!(
                "it is a {}-compressed Parquet file; decompress it first.",
                src.compression.name()
            ),
        });
    }

    // For a JSON document the whole text is needed anyway: read it once, sample it, frame it.
    let mut document: Option<String> = None;
    let mut parquet: Option<parquet::Inspection> = None;
    // A file that holds no records at all (an empty batch `[]`) loads nothing, whatever its format.
    let mut no_records = false;
    // Where a document stops being UTF-8, if it does.
    let mut not_utf8: Option<usize> = None;
    let keys: BTreeSet<String> = match container {
        Container::Lines => {
            no_records = head.iter().all(|b| b.is_ascii_whitespace());
            detect::key_paths(&sample_lines(head, 200))
        }
        Container::Csv => csv_header_keys(head),
        // A dump's tables are recognised one by one while it is read.
        Container::Sql => BTreeSet::new(),
        Container::Parquet => {
            let read = match import {
                Some(keep_going) => parquet::inspect(path, 0, true, keep_going)?,
                None => preview_parquet(path)?,
            };
            let keys = read.keys.clone();
            parquet = Some(read);
            keys
        }
        Container::Document => {
            let limit = frame::MAX_DOCUMENT_BYTES as u64;
            let bytes = src.read_whole(limit)?;
            // Bytes that are not UTF-8 are kept marked; only kcat dumps may hold them (raw keys
            // and payloads), which is checked once the envelope is known.
            let too_long = bytes.len() as u64 > limit;
            let text = match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(_) if too_long => String::new(),
                Err(e) => {
                    not_utf8 = Some(e.utf8_error().valid_up_to());
                    formats::mark_invalid_bytes(e.as_bytes())
                }
            };
            if too_long {
                return Err(Error::SourceFormat {
                    path: path.to_path_buf(),
                    cause: format!(
                        "it is one JSON document of over {} MB, the limit for a document read whole. Export it as JSON lines (one event per line), which has no such limit.",
                        limit >> 20
                    ),
                });
            }
            let sample = sample_document(&text).map_err(|e| frame::not_json(path, e))?;
            no_records =
                sample.is_empty() && frame::document_records(&text).is_ok_and(|r| r.is_empty());
            document = Some(text);
            detect::key_paths(&sample)
        }
    };
    let (envelope, env_why) = match (user_mapping, forced.and_then(|f| f.1)) {
        (Some(_), _) => (
            Envelope::Mapped,
            "fields as the mapping file says".to_string(),
        ),
        (None, Some(e)) if forced.and_then(|f| f.0).is_none() => {
            (e, "named by --format".to_string())
        }
        (None, _) if container == Container::Sql => (
            Envelope::Canonical,
            "rows of event-store tables rebuilt as events".to_string(),
        ),
        (None, _) => detect::sniff_envelope(&keys),
    };
    why = format!("{}; {}", why, env_why);
    let mut mapping = match user_mapping {
        Some(m) => m.clone(),
        // Rows of a dump's tables are rebuilt as canonical documents, stream types settled.
        None if container == Container::Sql => {
            let mut m = formats::canonical_mapping(options);
            m.derive_stream_type = Some(false);
            m
        }
        None => {
            let mut m = detect::builtin_mapping(envelope, container, &keys);
            if let Some(o) = options {
                m.time_format = o.time_format.clone().or(m.time_format);
                m.kafka = o.kafka.clone();
            }
            m
        }
    };
    mapping.default_time = choices.default_time.clone();
    let plan = Plan {
        container,
        envelope,
        mapping,
        detected_by: why,
        stream_types: choices.stream_types.clone(),
    };
    if let Some(at) = not_utf8.filter(|_| !plan.rebuilder().is_some_and(|r| r.reads_raw_bytes())) {
        return Err(Error::SourceFormat {
            path: path.to_path_buf(),
            cause: format!("it is not valid UTF-8 text (the byte at offset {at} is not)."),
        });
    }
    if plan.envelope == Envelope::Canonical && tables::is_marten_stream_table(&keys) {
        return Err(Error::SourceFormat {
            path: path.to_path_buf(),
            cause: "it is Marten's stream table (mt_streams): it names the types of streams and holds no events. Import it together with the mt_events export, both in one folder, and the events take their stream types from it.".into(),
        });
    }
    if plan.rebuilder().is_none() && !no_records && container != Container::Sql {
        check_mapping(path, &plan, &keys)?;
    }
    Ok(Detected {
        plan,
        keys,
        document,
        parquet,
    })
}

fn import_one(
    conn: &Connection,
    path: &Path,
    choices: &Choices,
    sink: &dyn ProgressSink,
) -> Result<(SourceReport, Vec<Finding>)> {
    let path_text = crate::store::absolute(path).to_string_lossy().to_string();
    let progress = |phase: &'static str, src: Option<&Source>, rows: u64| {
        let (done, total) = src
            .map(|s| {
                (
                    s.bytes_read.load(std::sync::atomic::Ordering::Relaxed),
                    s.size_bytes,
                )
            })
            .unwrap_or((0, 0));
        sink.progress(&ImportProgress {
            path: path_text.clone(),
            phase,
            bytes_done: done,
            bytes_total: total,
            rows,
        });
    };
    let started = std::time::Instant::now();
    let mut src = Source::open(path)?;
    let head = src.peek(1 << 20)?;
    // Detection can take a while itself: a JSON document is read whole, a Parquet file read in the helper.
    progress("reading", Some(&src), 0);
    let Detected {
        plan,
        mut document,
        parquet,
        ..
    } = detect_plan(path, &mut src, &head, choices, Some(&|| sink.keep_going()))?;

    // Frame into the staging table.
    frame::create_stage(conn)?;
    let mut spans: Vec<dump::TableSpan> = Vec::new();
    let mut stager = frame::Stager::new(conn);
    progress("reading", Some(&src), 0);
    // Progress while rows stream in (lines, dumps); false from the sink cancels.
    let bytes = src.bytes_read.clone();
    let total = src.size_bytes;
    let tick = |rows: u64| {
        sink.progress(&ImportProgress {
            path: path_text.clone(),
            phase: "reading",
            bytes_done: bytes.load(std::sync::atomic::Ordering::Relaxed),
            bytes_total: total,
            rows,
        });
        sink.keep_going()
    };
    match plan.container {
        Container::Lines => {
            frame::frame_lines(&mut src, &mut stager, plan.rebuilder(), &tick, None)?;
        }
        Container::Document => {
            let text = document.take().unwrap_or_default();
            frame::frame_document(&text, path, &mut stager, plan.rebuilder(), None)?;
        }
        Container::Csv => frame::frame_csv(&mut src, &mut stager, plan.rebuilder(), None)?,
        Container::Sql => {
            spans = dump::frame_dump(conn, &mut src, &mut stager, plan.user_tables(), &tick, None)?;
        }
        Container::Parquet => {
            let read = parquet
                .as_ref()
                .expect("a Parquet plan comes with its read");
            match plan.rebuilder() {
                // A format that rebuilds its rows reads each one as its JSON rows are read.
                Some(rebuild) => {
                    let mut records = frame::Records::new(&mut stager, Some(rebuild));
                    parquet::each_row(conn, path, read, &mut |row, text| {
                        records.record(row, text)
                    })?;
                    records.finish();
                }
                None => stager.rows += parquet::frame(conn, path, read)?,
            }
        }
    }
    stager.flush()?;
    add_partition_keys(conn, &choices.partition)?;
    let rows_read = stager.rows;
    let blank_lines = stager.blank_lines;
    let observations = std::mem::take(&mut stager.observations);
    let compression = src.compression;
    let size_bytes = src.size_bytes;
    let sha256 = src.finish()?;
    log_elapsed("staged", started);
    fault_point("staged", &|| !sink.keep_going());
    if !sink.keep_going() {
        return Err(Error::Cancelled {
            path: path.to_path_buf(),
        });
    }

    // The same bytes were imported before: change nothing, and say so.
    let earlier: Option<(i64, String)> = conn
        .query_row(
            "SELECT source_id, strftime(imported_at, '%Y-%m-%dT%H:%M:%SZ') FROM sources WHERE sha256 = ?",
            [&sha256],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .ok();
    if let Some((id, when)) = earlier {
        conn.execute_batch("DROP TABLE IF EXISTS temp.stage;")?;
        let mut report = base_report(id, path_text, sha256, size_bytes, &plan, compression);
        report.already_imported = true;
        report.message = format!(
            "Already imported as source {id} on {when} (same sha256); nothing was changed."
        );
        return Ok((report, Vec::new()));
    }

    // Map every staged row to the envelope (or a reason it cannot be).
    progress("mapping", None, rows_read);
    let select = MappingSql::new(&plan.mapping).select(&sha256);
    run_sql_step(
        conn,
        "map",
        &format!("CREATE OR REPLACE TEMP TABLE mapped AS {select};"),
    )?;
    explain_bad_json(conn)?;
    find_collisions(conn)?;

    // One transaction for everything this file adds.
    progress("loading", None, rows_read);
    let imported_at = now_micros();
    let tx = conn.unchecked_transaction()?;
    let source_id: i64 = conn.query_row(
        "SELECT coalesce(max(source_id), 0) + 1 FROM sources",
        [],
        |r| r.get(0),
    )?;
    let seq_base: i64 =
        conn.query_row("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get(0))?;
    let has_position: bool = conn.query_row(
        "SELECT count(*) > 0 FROM mapped WHERE position IS NOT NULL AND reject IS NULL",
        [],
        |r| r.get(0),
    )?;
    let seq_expr = if has_position {
        format!("{seq_base} + row_number() OVER (ORDER BY position NULLS LAST, \"row\")")
    } else {
        format!("{seq_base} + \"row\"")
    };
    run_sql_step(
        conn,
        "load",
        &format!(
            r#"
INSERT INTO main.quarantine (source_id, "row", reason, raw, event_id)
SELECT {source_id}, m."row", m.reject, s.raw, NULL FROM mapped m JOIN stage s ON s."row" = m."row" WHERE m.reject IS NOT NULL
UNION ALL
SELECT {source_id}, m."row",
    format('duplicate event_id {{}} with a different body than {{}} row {{}}', m.event_id, c.first_source, c.first_row),
    s.raw, m.event_id
FROM mapped m JOIN collisions c ON c."row" = m."row" JOIN stage s ON s."row" = m."row" WHERE c.status = 'conflict'
ORDER BY 2;

INSERT INTO main.events
SELECT seq, event_id, stream_id, stream_type, stream_version, event_type, schema_version, occurred_at, recorded_at,
    recorded_at_defaulted, naive_time, actor, reason, causation_id, correlation_id, corrects, payload, metadata,
    {source_id}, "row"
FROM (
    SELECT m.*, {seq_expr} AS seq FROM mapped m ANTI JOIN (SELECT "row" FROM collisions WHERE status <> 'keep') c ON c."row" = m."row"
    WHERE m.reject IS NULL
)
ORDER BY stream_id, recorded_at, seq;

{insert_finding}
SELECT {source_id}, {conflicting_duplicate}, m.stream_id, m.event_id,
    format('Event id {{}} appears again at row {{}} with a different body than {{}} row {{}}; the later row was quarantined.',
        m.event_id, m."row", c.first_source, c.first_row)
FROM mapped m JOIN collisions c ON c."row" = m."row" WHERE c.status = 'conflict';
"#,
            insert_finding = findings::INSERT_SQL,
            conflicting_duplicate = FindingKind::ConflictingDuplicate.sql(),
        ),
    )?;
    let (loaded, defaulted, naive): (i64, i64, i64) = conn.query_row(
        "SELECT count(*), count(*) FILTER (WHERE recorded_at_defaulted), count(*) FILTER (WHERE naive_time) FROM main.events WHERE source_id = ?",
        [source_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    // Times that are not the events' own, by where they came from (loaded rows only).
    let placed: Vec<(String, i64)> = {
        let mut stmt = conn.prepare(
            r#"SELECT time_placed, count(*) FROM mapped m
               ANTI JOIN (SELECT "row" FROM collisions WHERE status <> 'keep') c ON c."row" = m."row"
               WHERE m.reject IS NULL AND m.time_placed IS NOT NULL GROUP BY ALL ORDER BY 1"#,
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    let times_placed: i64 = placed.iter().map(|(_, n)| n).sum();
    for (origin, n) in &placed {
        let sentence = time_placed_sentence(origin, *n, plan.mapping.default_time.as_deref());
        findings::record(
            conn,
            Some(source_id),
            FindingKind::TimePlaced,
            None,
            None,
            &sentence,
        )?;
    }
    for o in &observations {
        findings::record(
            conn,
            Some(source_id),
            o.kind,
            o.stream_id.as_deref(),
            None,
            &o.message,
        )?;
    }
    let quarantined: i64 = conn.query_row(
        "SELECT count(*) FROM main.quarantine WHERE source_id = ?",
        [source_id],
        |r| r.get(0),
    )?;
    let duplicates: i64 = conn.query_row(
        "SELECT count(*) FROM collisions WHERE status = 'duplicate'",
        [],
        |r| r.get(0),
    )?;
    dump::reconcile_tables(conn, source_id, &mut spans)?;
    let tables_sentence = (plan.container == Container::Sql)
        .then(|| dump::tables_sentence(&plan.detected_by_tool(), &spans));
    if let Some(sentence) = &tables_sentence {
        findings::record(
            conn,
            Some(source_id),
            FindingKind::TablesRead,
            None,
            None,
            sentence,
        )?;
    }
    if loaded as u64 + quarantined as u64 + duplicates as u64 != rows_read {
        tx.rollback()?;
        return Err(Error::Query {
            cause: format!(
                "reconciliation failed for {}: {rows_read} rows read but {loaded} loaded + {quarantined} quarantined + {duplicates} duplicates. Nothing was imported; please report this.",
                path.display()
            ),
        });
    }
    conn.execute(
        "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, make_timestamp(?), ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        duckdb::params![
            source_id,
            path_text,
            path.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default(),
            size_bytes as i64,
            sha256,
            plan.format_name(),
            plan.container.name(),
            compression.name(),
            plan.detected_by,
            plan.mapping.to_toml(),
            imported_at,
            os_user(),
            format!("casefile {}", env!("CARGO_PKG_VERSION")),
            rows_read as i64,
            loaded,
            quarantined,
            duplicates,
            defaulted,
            naive,
            times_placed,
        ],
    )?;
    progress("checking", None, rows_read);
    integrity::raise(conn, source_id, imported_at)?;
    fault_point("in-transaction", &|| false);
    let committing = std::time::Instant::now();
    tx.commit()?;
    log_elapsed("commit", committing);
    fault_point("committed", &|| false);
    match run_sql_step(conn, "checkpoint", "CHECKPOINT;") {
        // Cancelled after the commit: the file is in (the write-ahead log holds it until the
        // next checkpoint), so the import reports it rather than a cancel that changed nothing.
        Err(_) if !sink.keep_going() => {}
        other => other?,
    }
    conn.execute_batch("DROP TABLE IF EXISTS temp.stage; DROP TABLE IF EXISTS temp.mapped; DROP TABLE IF EXISTS temp.collisions;")?;

    log_elapsed("total", started);
    let found = findings::list(conn, Some(source_id), FINDINGS_LISTED)?;
    let mut message = format!(
        "{} loaded, {} quarantined, {} counted once.",
        counted(loaded, "event", "events"),
        counted(quarantined, "row", "rows"),
        counted(duplicates, "exact duplicate", "exact duplicates")
    );
    if defaulted > 0 {
        message.push_str(&format!(
            " {} no recorded time; recorded_at was set to occurred_at.",
            events_had(defaulted)
        ));
    }
    if naive > 0 {
        message.push_str(&format!(
            " {} times without a UTC offset; they were read as UTC.",
            events_had(naive)
        ));
    }
    for (origin, n) in &placed {
        message.push(' ');
        message.push_str(&time_placed_sentence(
            origin,
            *n,
            plan.mapping.default_time.as_deref(),
        ));
    }
    let mut report = base_report(source_id, path_text, sha256, size_bytes, &plan, compression);
    report.rows_read = rows_read;
    report.rows_loaded = loaded as u64;
    report.rows_quarantined = quarantined as u64;
    report.duplicates = duplicates as u64;
    report.blank_lines = blank_lines;
    report.recorded_at_defaulted = defaulted as u64;
    report.naive_timestamps = naive as u64;
    report.times_placed = times_placed as u64;
    if let Some(sentence) = tables_sentence {
        message.push(' ');
        message.push_str(&sentence);
    }
    report.message = message;
    report.tables = spans.into_iter().map(|s| s.read).collect();
    Ok((report, found))
}

/// Gives every staged JSON object the keys of the partition folders its file is in, unless it
/// has a key of that name itself. The row is the target of the merge and the patch holds only the
/// keys it lacks (never a null), so nothing of the row changes: with the row as the patch, every
/// null in it, at any depth, would be taken for a deletion.
fn add_partition_keys(conn: &Connection, partition: &[(String, String)]) -> Result<()> {
    if partition.is_empty() {
        return Ok(());
    }
    let d = "coalesce(s.doc, s.raw)";
    let missing: Vec<String> = partition
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}, CASE WHEN list_contains(json_keys({d}), {k}) THEN NULL ELSE {v} END",
                k = lit(k),
                v = lit(v)
            )
        })
        .collect();
    frame::rewrite_stage(
        conn,
        &format!(
            "CASE WHEN s.pre_reason IS NULL AND TRY(json_type({d})) = 'OBJECT'
                  THEN json_merge_patch({d}::JSON, json_merge_patch('{{}}'::JSON, json_object({missing})))::VARCHAR
                  ELSE s.doc END",
            missing = missing.join(", ")
        ),
        "",
    )
}

/// A report with the source's identity filled in and every count zero.
fn base_report(
    source_id: i64,
    path: String,
    sha256: String,
    size_bytes: u64,
    plan: &Plan,
    compression: source::Compression,
) -> SourceReport {
    SourceReport {
        source_id,
        path,
        sha256,
        size_bytes,
        format: plan.format_name(),
        container: plan.container.name().into(),
        compression: compression.name().into(),
        detected_by: plan.detected_by.clone(),
        rows_read: 0,
        rows_loaded: 0,
        rows_quarantined: 0,
        duplicates: 0,
        blank_lines: 0,
        recorded_at_defaulted: 0,
        naive_timestamps: 0,
        times_placed: 0,
        already_imported: false,
        message: String::new(),
        tables: Vec::new(),
    }
}

/// Says where `n` events without a time of their own were placed.
fn time_placed_sentence(origin: &str, n: i64, default_time: Option<&str>) -> String {
    let at = match origin {
        "kafka_timestamp" => "the timestamp of the Kafka record that carried them".to_string(),
        "observed_time" => {
            "the time the log records were observed (observedTimeUnixNano)".to_string()
        }
        "default_time" => format!(
            "the default time given for the file ({})",
            default_time.unwrap_or("given")
        ),
        other => other.to_string(),
    };
    format!(
        "{} no time of {}; {} placed at {at}.",
        events_had(n),
        if n == 1 { "its own" } else { "their own" },
        if n == 1 { "it was" } else { "they were" },
    )
}

fn events_had(n: i64) -> String {
    counted(n, "event had", "events had")
}

/// `n` with its digits grouped by thousands, and the noun that goes with it: "12,983 rows".
fn counted(n: i64, one: &str, many: &str) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(d);
    }
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{grouped} {}", if n == 1 { one } else { many })
}

/// Replaces the bare 'not JSON' reason with where and why the parser stopped.
fn explain_bad_json(conn: &Connection) -> Result<()> {
    let bad: Vec<(i64, String)> = {
        let mut stmt = conn.prepare(
            r#"SELECT m."row", s.raw FROM mapped m JOIN stage s ON s."row" = m."row" WHERE m.reject = 'not JSON'"#,
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    if bad.is_empty() {
        return Ok(());
    }
    let mut values = Vec::new();
    for (row, raw) in &bad {
        let why = match serde_json::from_str::<Value>(raw) {
            Err(e) => format!(
                "not JSON: {} at column {}",
                e.classify_message(),
                e.column()
            ),
            Ok(_) => "not JSON".to_string(),
        };
        values.push(format!("({row}, {})", lit(&why)));
    }
    for chunk in values.chunks(1000) {
        conn.execute_batch(&format!(
            r#"UPDATE mapped SET reject = w.why FROM (VALUES {}) w("row", why) WHERE mapped."row" = w."row";"#,
            chunk.join(", ")
        ))?;
    }
    Ok(())
}

trait ClassifyMessage {
    fn classify_message(&self) -> String;
}
impl ClassifyMessage for serde_json::Error {
    fn classify_message(&self) -> String {
        // serde_json's Display ends with " at line L column C"; keep only the cause.
        let s = self.to_string();
        match s.rfind(" at line ") {
            Some(i) => s[..i].to_string(),
            None => s,
        }
    }
}

/// Rows whose event_id is seen twice (in this file, or already in the case): the first keeps it;
/// a later one with the same body is a duplicate, with a different body a conflict.
fn find_collisions(conn: &Connection) -> Result<()> {
    run_sql_step(
        conn,
        "collisions",
        r#"
CREATE OR REPLACE TEMP TABLE collisions AS
WITH good AS (SELECT * FROM mapped WHERE reject IS NULL),
ids AS (
    SELECT event_id FROM good GROUP BY event_id HAVING count(*) > 1
    UNION
    SELECT g.event_id FROM good g SEMI JOIN main.events e ON e.event_id = g.event_id
),
cand AS (
    SELECT 0 AS origin, e.source_id, e.source_row AS "row", e.event_id, e.stream_id, e.event_type, e.occurred_at,
        json(e.payload)::VARCHAR AS body
    FROM main.events e SEMI JOIN ids ON ids.event_id = e.event_id
    UNION ALL
    SELECT 1, NULL, g."row", g.event_id, g.stream_id, g.event_type, g.occurred_at, json(g.payload)::VARCHAR
    FROM good g SEMI JOIN ids ON ids.event_id = g.event_id
),
ranked AS (
    SELECT *, row_number() OVER w AS rn,
        first_value(stream_id) OVER w AS f_stream, first_value(event_type) OVER w AS f_type,
        first_value(occurred_at) OVER w AS f_occurred, first_value(body) OVER w AS f_body,
        first_value(coalesce(source_id, -1)) OVER w AS f_source, first_value("row") OVER w AS f_row
    FROM cand
    WINDOW w AS (PARTITION BY event_id ORDER BY origin, "row" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT "row", event_id,
    CASE WHEN rn = 1 THEN 'keep'
         WHEN stream_id = f_stream AND event_type = f_type AND occurred_at = f_occurred
              AND body IS NOT DISTINCT FROM f_body THEN 'duplicate'
         ELSE 'conflict' END AS status,
    CASE WHEN f_source = -1 THEN 'this file' ELSE 'source ' || f_source END AS first_source,
    f_row AS first_row
FROM ranked WHERE origin = 1;
"#,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::counted;

    #[test]
    fn import_summaries_group_digits_and_agree_in_number() {
        assert_eq!(counted(0, "row", "rows"), "0 rows");
        assert_eq!(counted(1, "event", "events"), "1 event");
        assert_eq!(counted(999, "row", "rows"), "999 rows");
        assert_eq!(counted(1000, "row", "rows"), "1,000 rows");
        assert_eq!(counted(100_000, "event", "events"), "100,000 events");
        assert_eq!(counted(12_345_678, "row", "rows"), "12,345,678 rows");
        assert_eq!(counted(-1234, "row", "rows"), "-1,234 rows");
    }
}
