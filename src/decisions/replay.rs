//! Replay: run recorded decisions again through a replayer and compare the answers.
//!
//! A replayer is a program the investigator configures in the case, per model and version; nothing
//! from the log ever names what runs. Each decision is sent as one JSON document on the program's
//! stdin (never as arguments) and its answer read from stdout; the program is started directly (no
//! shell), with a timeout, several at once (bounded), and killed when it overruns or the run is
//! cancelled. The answer is compared with the recorded output as canonical JSON (key order ignored,
//! 1 = 1.0), numbers within the replayer's tolerance. Runs and per-decision results are appended to
//! `replay_runs` / `replay_results`; mismatches of a version's own replayer become determinism
//! findings. Running version A's decisions through version B's replayer is a counterfactual: its
//! differences are flips, not findings.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use duckdb::{params, Connection};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::normalize::label_of;
use super::{
    decision_row, filter_sql, find, same_value, Decision, DecisionQuery, DECISION_COLUMNS,
};
use crate::error::{Error, Result};
use crate::findings::FindingKind;
use crate::hint::Hint;

const REPLAYERS_KEY: &str = "replayers";
/// A replayer's answer larger than this is refused (and the program stopped).
pub const MAX_ANSWER_BYTES: usize = 16 << 20;
const DEFAULT_TIMEOUT_MS: u64 = 10_000;

/// A program that can decide again, configured by the investigator.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct Replayer {
    pub name: String,
    /// The model it replays (any when absent).
    #[serde(default)]
    pub model: Option<String>,
    /// The version it replays (any when absent).
    #[serde(default)]
    pub model_version: Option<String>,
    /// The program: an absolute path (a bare name is looked up on PATH when the replayer is added).
    pub command: String,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
    /// Numbers within this absolute difference count as equal (0: exact).
    #[serde(default)]
    pub tolerance: f64,
    /// How many decisions run at once.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Output fields compared (all when empty).
    #[serde(default)]
    pub compare: Vec<String>,
}

fn default_timeout() -> u64 {
    DEFAULT_TIMEOUT_MS
}

fn default_concurrency() -> usize {
    2
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct ReplayerFile {
    #[serde(default, rename = "replayer")]
    replayers: Vec<Replayer>,
}

pub fn replayers(conn: &Connection) -> Result<Vec<Replayer>> {
    let text: Option<String> = crate::store::meta::get(conn, REPLAYERS_KEY);
    match text {
        None => Ok(Vec::new()),
        Some(t) => Ok(toml::from_str::<ReplayerFile>(&t)
            .map_err(|e| Error::BadArgument {
                message: format!("The case's replayers are not valid: {}", e.message()),
            })?
            .replayers),
    }
}

fn save(conn: &Connection, list: Vec<Replayer>) -> Result<()> {
    let text = toml::to_string(&ReplayerFile { replayers: list }).expect("replayers serialize");
    crate::store::meta::set(conn, REPLAYERS_KEY, &text)?;
    Ok(())
}

const HASHES_KEY: &str = "replayer_hashes";

/// What identifies a program file's content without reading it: device, inode, size, and the
/// change time, which any write or rename into place moves and ordinary tools cannot set back.
fn file_identity(path: &Path) -> Result<String> {
    let m = std::fs::metadata(path).map_err(|e| Error::BadArgument {
        message: format!(
            "The replayer program {} cannot be read: {e}.",
            path.display()
        ),
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Ok(format!(
            "{}:{}:{}:{}.{}",
            m.dev(),
            m.ino(),
            m.size(),
            m.ctime(),
            m.ctime_nsec()
        ))
    }
    #[cfg(not(unix))]
    {
        let modified = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        Ok(format!("{}:{modified}", m.len()))
    }
}

/// The program's sha256 for the run's record. Hashing a large program (a model server bundle can
/// be a gigabyte) on every replay would dominate a one-decision replay, so the hash is kept in the
/// case with the file's identity and recomputed whenever that identity changes.
fn program_sha256(conn: &Connection, program: &Path) -> Result<String> {
    let identity = file_identity(program)?;
    let key = program.to_string_lossy();
    let mut known: HashMap<String, (String, String)> = crate::store::meta::get(conn, HASHES_KEY)
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    if let Some((id, sha)) = known.get(key.as_ref()) {
        if *id == identity {
            return Ok(sha.clone());
        }
    }
    let sha = crate::store::sql::sha256_file(program)?;
    // A file that changed while it was hashed is hashed again next time.
    if file_identity(program)? == identity {
        known.insert(key.into_owned(), (identity, sha.clone()));
        crate::store::meta::set(
            conn,
            HASHES_KEY,
            &serde_json::to_string(&known).expect("hashes serialize"),
        )?;
    }
    Ok(sha)
}

/// Finds the program a command names: a path (made absolute), or a bare name on PATH.
pub fn resolve_command(command: &str) -> Result<PathBuf> {
    let bad = |why: String| Error::BadArgument { message: why };
    if command.trim().is_empty() {
        return Err(bad("A replayer needs a program to run.".into()));
    }
    let path = if command.contains('/') {
        std::path::absolute(command).unwrap_or_else(|_| PathBuf::from(command))
    } else {
        std::env::var_os("PATH")
            .into_iter()
            .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .map(|dir| dir.join(command))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                bad(format!(
                    "No program `{command}` was found on PATH. Give the replayer's full path."
                ))
            })?
    };
    let meta = std::fs::metadata(&path).map_err(|e| {
        bad(format!(
            "The replayer program {} cannot be used: {e}.",
            path.display()
        ))
    })?;
    if !meta.is_file() {
        return Err(bad(format!(
            "The replayer program {} is not a file.",
            path.display()
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o111 == 0 {
            return Err(bad(format!(
                "The replayer program {} is not executable (chmod +x it).",
                path.display()
            )));
        }
    }
    Ok(path)
}

/// The programs (with their arguments) this user added as replayers on this computer, kept in the
/// user's config folder, one small file each (named by the hash of what it holds, so that two
/// processes adding at once never lose each other's). A case file carries its replayers, so a case
/// from someone else could name any program: only what was added here runs.
const TRUSTED_DIR: &str = "trusted-replayers";

fn trusted_entry(program: &Path, args: &[String]) -> (PathBuf, String) {
    let entry = serde_json::to_string(&(program, args)).expect("a path and strings serialize");
    let name = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(entry.as_bytes()));
    (PathBuf::from(TRUSTED_DIR).join(name), entry)
}

/// Records that this user trusts `program` run with `args`.
fn trust(program: &Path, args: &[String]) -> Result<()> {
    let (name, entry) = trusted_entry(program, args);
    let file = crate::config::config_dir()?.join(name);
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // Written whole then renamed, so a crash never leaves half an entry.
    let partial = file.with_extension(format!("{}.partial", std::process::id()));
    std::fs::write(&partial, entry)?;
    std::fs::rename(&partial, &file)?;
    Ok(())
}

fn is_trusted(program: &Path, args: &[String]) -> Result<bool> {
    let (name, entry) = trusted_entry(program, args);
    let file = crate::config::config_dir()?.join(name);
    Ok(std::fs::read_to_string(file).is_ok_and(|held| held == entry))
}

/// Adds a replayer (replacing one of the same name), with its program resolved and checked, and
/// trusted by this user on this computer from now on.
pub fn add_replayer(conn: &Connection, mut r: Replayer) -> Result<Replayer> {
    if r.name.trim().is_empty() {
        return Err(Error::BadArgument {
            message: "A replayer needs a name.".into(),
        });
    }
    if r.timeout_ms == 0 {
        return Err(Error::BadArgument {
            message: "A replayer's timeout must be more than 0 ms.".into(),
        });
    }
    if !(r.tolerance >= 0.0 && r.tolerance.is_finite()) {
        return Err(Error::BadArgument {
            message: "A replayer's tolerance must be a number of 0 or more.".into(),
        });
    }
    r.concurrency = r.concurrency.clamp(1, 16);
    let program = resolve_command(&r.command)?;
    // Hashed now, so the first replay does not wait for it.
    program_sha256(conn, &program)?;
    r.command = program.to_string_lossy().into_owned();
    trust(&program, &r.args)?;
    let mut list = replayers(conn)?;
    list.retain(|x| x.name != r.name);
    list.push(r.clone());
    save(conn, list)?;
    Ok(r)
}

pub fn remove_replayer(conn: &Connection, name: &str) -> Result<()> {
    let mut list = replayers(conn)?;
    let before = list.len();
    list.retain(|x| x.name != name);
    if list.len() == before {
        return Err(Error::BadArgument {
            message: format!("The case has no replayer named `{name}`."),
        });
    }
    save(conn, list)
}

/// What to replay.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ReplayRequest {
    /// Decision ids (or their event ids); when empty, `query` selects the decisions.
    #[serde(default)]
    pub decisions: Vec<String>,
    #[serde(default)]
    pub query: DecisionQuery,
    /// Use this replayer for every decision (a counterfactual when its version differs).
    #[serde(default)]
    pub replayer: Option<String>,
    /// Run each decision this many times (at least 1); answers that differ between runs are
    /// `nondeterministic`.
    #[serde(default)]
    pub repeat: Option<u32>,
}

/// A moment of a replay, for progress bars.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ReplayProgress {
    pub done: usize,
    pub total: usize,
    pub matched: usize,
    pub mismatched: usize,
    pub failed: usize,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ReplayerUsed {
    pub name: String,
    pub command: String,
    pub sha256: String,
    pub args: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Difference {
    pub path: String,
    pub recorded: Value,
    pub replayed: Value,
}

/// How a replay's answer compares with the recorded one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ReplayStatus {
    /// The replayed answer is the recorded one (within the replayer's tolerance).
    Match,
    /// The replayed answer differs from the recorded one.
    Mismatch,
    /// The replayer could not answer (not found, crashed, timed out, answered nonsense).
    Failed,
    /// Replaying several times gave different answers.
    Nondeterministic,
}

impl ReplayStatus {
    /// As stored in `replay_results.status` and written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplayStatus::Match => "match",
            ReplayStatus::Mismatch => "mismatch",
            ReplayStatus::Failed => "failed",
            ReplayStatus::Nondeterministic => "nondeterministic",
        }
    }

    /// From `replay_results.status` (None for text no version of Casefile wrote).
    pub fn parse(text: &str) -> Option<Self> {
        [
            ReplayStatus::Match,
            ReplayStatus::Mismatch,
            ReplayStatus::Failed,
            ReplayStatus::Nondeterministic,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A decision list's filter on the latest replay: never replayed, or a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ReplayFilter {
    /// Never replayed (its own version's replayer; counterfactuals do not count).
    #[serde(rename = "none")]
    Never,
    Match,
    Mismatch,
    Failed,
    Nondeterministic,
}

impl ReplayFilter {
    /// Every filter, in the order a list of them is written.
    pub const ALL: [ReplayFilter; 5] = [
        ReplayFilter::Never,
        ReplayFilter::Match,
        ReplayFilter::Mismatch,
        ReplayFilter::Failed,
        ReplayFilter::Nondeterministic,
    ];

    /// As written in a cohort filter and in JSON.
    pub fn as_str(self) -> &'static str {
        self.status().map_or("none", ReplayStatus::as_str)
    }

    /// From a cohort filter's text (`replay=mismatch`).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == text)
    }

    /// The verdict filtered on (None: never replayed).
    pub fn status(self) -> Option<ReplayStatus> {
        match self {
            ReplayFilter::Never => None,
            ReplayFilter::Match => Some(ReplayStatus::Match),
            ReplayFilter::Mismatch => Some(ReplayStatus::Mismatch),
            ReplayFilter::Failed => Some(ReplayStatus::Failed),
            ReplayFilter::Nondeterministic => Some(ReplayStatus::Nondeterministic),
        }
    }
}

/// Whether a run replayed decisions through their own version's replayer or another's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ReplayMode {
    Replay,
    /// Some decisions ran through another version's replayer.
    Counterfactual,
}

impl ReplayMode {
    /// As stored in `replay_runs.mode` and written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplayMode::Replay => "replay",
            ReplayMode::Counterfactual => "counterfactual",
        }
    }

    fn parse(text: &str) -> Self {
        if text == "counterfactual" {
            ReplayMode::Counterfactual
        } else {
            ReplayMode::Replay
        }
    }
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ReplayResult {
    pub decision_id: String,
    pub event_id: String,
    pub stream_id: String,
    pub model_version: Option<String>,
    pub replayer: Option<String>,
    pub status: ReplayStatus,
    /// True when the replayer is another version's (a counterfactual).
    pub counterfactual: bool,
    pub recorded: Value,
    pub replayed: Value,
    pub differences: Vec<Difference>,
    /// Why the replay failed, in a sentence.
    pub error: Option<String>,
    /// The label changed (for counterfactuals: the decision would have gone the other way).
    pub flipped: bool,
    pub duration_ms: f64,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ReplayReport {
    pub run_id: i64,
    pub mode: ReplayMode,
    pub started_at: String,
    pub finished_at: String,
    pub replayed: usize,
    pub matched: usize,
    pub mismatched: usize,
    pub failed: usize,
    pub nondeterministic: usize,
    /// Decisions whose label the replayer changed.
    pub flips: usize,
    pub cancelled: bool,
    pub replayers: Vec<ReplayerUsed>,
    pub results: Vec<ReplayResult>,
    /// Determinism findings raised by this run.
    pub findings: usize,
    /// Wall time of the run and the sum of the replayer programs' own time (spawn to exit), in µs.
    pub wall_us: i64,
    pub replayer_us: i64,
}

/// A replay run as stored.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ReplayRunSummary {
    pub run_id: i64,
    pub mode: ReplayMode,
    pub started_at: String,
    pub replayed: i64,
    pub matched: i64,
    pub mismatched: i64,
    pub failed: i64,
    pub nondeterministic: i64,
    pub flips: i64,
    pub cancelled: bool,
    pub replayers: Value,
    pub run_by: String,
}

/// The document a replayer reads on stdin.
pub fn request_document(d: &Decision, replayer: &Replayer, counterfactual: bool) -> Value {
    let mut doc = json!({
        "decision_id": d.decision_id,
        "event_id": d.event_id,
        "subject_id": d.subject_id,
        "decided_at": d.decided_at,
        "model": d.model,
        "model_version": d.model_version,
        "inputs": d.inputs,
        "retrieved_context_ids": d.retrieved_context_ids,
        "feature_set_hash": d.feature_set_hash,
    });
    if let Some(llm) = &d.llm {
        doc["llm"] = serde_json::to_value(llm).expect("llm fields serialize");
    }
    if counterfactual {
        doc["counterfactual"] =
            json!({"replayer": replayer.name, "model_version": replayer.model_version});
    }
    doc
}

fn restrict(v: &Value, fields: &[String]) -> Value {
    if fields.is_empty() {
        return v.clone();
    }
    match v {
        Value::Object(m) => Value::Object(
            fields
                .iter()
                .filter_map(|f| m.get(f).map(|x| (f.clone(), x.clone())))
                .collect::<Map<_, _>>(),
        ),
        other => other.clone(),
    }
}

fn differences(path: &str, a: &Value, b: &Value, tol: f64, out: &mut Vec<Difference>) {
    if out.len() >= 20 || same_value(a, b, tol) {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                differences(
                    &p,
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    tol,
                    out,
                );
            }
        }
        _ => out.push(Difference {
            path: if path.is_empty() {
                "$".into()
            } else {
                path.into()
            },
            recorded: a.clone(),
            replayed: b.clone(),
        }),
    }
}

/// One run of the program: its answer, or why there is none.
struct Answer {
    result: std::result::Result<Value, String>,
    us: i64,
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        6 => "SIGABRT",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        15 => "SIGTERM",
        8 => "SIGFPE",
        4 => "SIGILL",
        7 => "SIGBUS",
        _ => "a signal",
    }
}

fn excerpt(bytes: &[u8], n: usize) -> String {
    let s = String::from_utf8_lossy(bytes);
    let s = s.trim();
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n).collect::<String>())
    } else {
        s.to_string()
    }
}

async fn read_capped<R: tokio::io::AsyncRead + Unpin>(mut r: R, cap: usize) -> (Vec<u8>, bool) {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        match r.read(&mut chunk).await {
            Ok(0) | Err(_) => return (buf, false),
            Ok(n) => {
                if buf.len() + n > cap {
                    return (buf, true);
                }
                buf.extend_from_slice(&chunk[..n]);
            }
        }
    }
}

async fn run_program(program: &Path, replayer: &Replayer, request: &[u8]) -> Answer {
    let started = Instant::now();
    let timeout = Duration::from_millis(replayer.timeout_ms);
    let mut child = match tokio::process::Command::new(program)
        .args(&replayer.args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .env("CASEFILE_REPLAY", "1")
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            return Answer {
                result: Err(format!(
                    "the replayer {} could not be started: {e}",
                    program.display()
                )),
                us: started.elapsed().as_micros() as i64,
            }
        }
    };
    let mut stdin = child.stdin.take().expect("piped");
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let write = async move {
        // A program that exits without reading its input is not an error of ours.
        let _ = stdin.write_all(request).await;
        let _ = stdin.shutdown().await;
        drop(stdin);
    };
    let work = async {
        let ((), (out, too_big), (err, _), status) = tokio::join!(
            write,
            read_capped(stdout, MAX_ANSWER_BYTES),
            read_capped(stderr, 64 << 10),
            child.wait()
        );
        (out, too_big, err, status)
    };
    let outcome = tokio::time::timeout(timeout, work).await;
    let us = started.elapsed().as_micros() as i64;
    let result = match outcome {
        Err(_) => {
            let _ = child.start_kill();
            let _ = child.wait().await;
            Err(format!(
                "the replayer did not answer within {} ms and was stopped",
                replayer.timeout_ms
            ))
        }
        Ok((_, true, _, _)) => {
            let _ = child.start_kill();
            Err(format!(
                "the replayer printed more than {} MiB and was stopped",
                MAX_ANSWER_BYTES >> 20
            ))
        }
        Ok((out, false, err, status)) => match status {
            Err(e) => Err(format!("waiting for the replayer failed: {e}")),
            Ok(st) if !st.success() => {
                let tail = excerpt(&err, 300);
                let said = if tail.is_empty() {
                    String::new()
                } else {
                    format!("; it said: {tail}")
                };
                #[cfg(unix)]
                {
                    use std::os::unix::process::ExitStatusExt;
                    if let Some(sig) = st.signal() {
                        return Answer {
                            result: Err(format!(
                                "the replayer crashed (killed by signal {sig}, {}){said}",
                                signal_name(sig)
                            )),
                            us,
                        };
                    }
                }
                Err(format!(
                    "the replayer exited with status {}{said}",
                    st.code().unwrap_or(-1)
                ))
            }
            Ok(_) if out.iter().all(u8::is_ascii_whitespace) => {
                Err("the replayer exited successfully but printed nothing".into())
            }
            Ok(_) => serde_json::from_slice::<Value>(&out).map_err(|e| {
                format!(
                    "the replayer printed something that is not JSON ({e}): `{}`",
                    excerpt(&out, 120)
                )
            }),
        },
    };
    Answer { result, us }
}

struct Job {
    index: usize,
    replayer: usize,
    counterfactual: bool,
    request: Vec<u8>,
}

/// The decisions a request names or selects.
fn selected(conn: &Connection, req: &ReplayRequest) -> Result<Vec<Decision>> {
    if !req.decisions.is_empty() {
        return req.decisions.iter().map(|id| find(conn, id)).collect();
    }
    let (filter, params) = filter_sql(&req.query)?;
    let refs: Vec<&dyn duckdb::ToSql> = params.iter().map(|p| p.as_ref()).collect();
    let page = match (req.query.limit, req.query.offset) {
        (None, None) => String::new(),
        (limit, offset) => format!(
            "LIMIT {} OFFSET {}",
            limit.map_or(i64::MAX, |l| l as i64),
            offset.unwrap_or(0)
        ),
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT {DECISION_COLUMNS} FROM decisions d {filter} ORDER BY d.decided_at, d.event_id {page}"
    ))?;
    let rows = stmt.query_map(refs.as_slice(), decision_row)?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

fn pick(list: &[Replayer], d: &Decision) -> Option<usize> {
    let model_ok = |r: &Replayer| r.model.is_none() || r.model == d.model;
    list.iter()
        .position(|r| {
            model_ok(r) && r.model_version.is_some() && r.model_version == d.model_version
        })
        .or_else(|| {
            list.iter()
                .position(|r| model_ok(r) && r.model_version.is_none())
        })
}

/// Replays the decisions `req` selects; appends the run and its results; raises determinism findings.
pub fn replay(
    conn: &Connection,
    req: &ReplayRequest,
    progress: &dyn Fn(&ReplayProgress),
    cancel: &AtomicBool,
) -> Result<ReplayReport> {
    let wall = Instant::now();
    let started_at = chrono::Utc::now().timestamp_micros();
    let decisions = selected(conn, req)?;
    if decisions.is_empty() {
        return Err(Error::BadArgument {
            message: "No decision matches; nothing to replay.".into(),
        }
        .with_hint(Hint::ListDecisions));
    }
    let configured = replayers(conn)?;
    let explicit =
        match &req.replayer {
            Some(name) => Some(configured.iter().position(|r| &r.name == name).ok_or_else(
                || {
                    let e = Error::BadArgument {
                        message: format!(
                            "The case has no replayer named `{name}`. Configured: {}.",
                            if configured.is_empty() {
                                "none".to_string()
                            } else {
                                configured
                                    .iter()
                                    .map(|r| r.name.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            }
                        ),
                    };
                    if configured.is_empty() {
                        e.with_hint(Hint::AddReplayer {
                            model: None,
                            model_version: None,
                        })
                    } else {
                        e
                    }
                },
            )?),
            None => None,
        };
    let choice: Vec<Option<usize>> = decisions
        .iter()
        .map(|d| explicit.or_else(|| pick(&configured, d)))
        .collect();
    if choice.iter().all(Option::is_none) {
        let d = &decisions[0];
        return Err(Error::BadArgument {
            message: format!(
                "No replayer is configured for {} {}.",
                d.model.as_deref().unwrap_or("(no model)"),
                d.model_version.as_deref().unwrap_or("(no version)"),
            ),
        }
        .with_hint(Hint::AddReplayer {
            model: d.model.clone(),
            model_version: d.model_version.clone(),
        }));
    }
    // The programs as they are now: resolved, present, and hashed for the record.
    let mut used: HashMap<usize, (PathBuf, ReplayerUsed)> = HashMap::new();
    for i in choice.iter().flatten() {
        if used.contains_key(i) {
            continue;
        }
        let r = &configured[*i];
        let program = resolve_command(&r.command).map_err(|e| Error::BadArgument {
            message: format!("The replayer `{}` cannot run: {e}", r.name),
        })?;
        if !is_trusted(&program, &r.args)? {
            return Err(Error::BadArgument {
                message: format!(
                    "The replayer `{}` would run {} {}, which was not added as a replayer on this computer: a case from elsewhere cannot run programs here. Check the program, then add the replayer again to trust it.",
                    r.name,
                    program.display(),
                    r.args.join(" ")
                ),
            }
            .with_hint(Hint::TrustReplayer {
                name: r.name.clone(),
            }));
        }
        let sha256 = program_sha256(conn, &program)?;
        used.insert(
            *i,
            (
                program.clone(),
                ReplayerUsed {
                    name: r.name.clone(),
                    command: program.to_string_lossy().into_owned(),
                    sha256,
                    args: r.args.clone(),
                },
            ),
        );
    }
    let repeat = req.repeat.unwrap_or(1).clamp(1, 10) as usize;
    let mut results: Vec<Option<ReplayResult>> = vec![None; decisions.len()];
    let mut jobs = Vec::new();
    for (index, d) in decisions.iter().enumerate() {
        match choice[index] {
            None => {
                results[index] = Some(failed(
                    d,
                    None,
                    false,
                    format!(
                        "no replayer is configured for {} {}",
                        d.model.as_deref().unwrap_or("(no model)"),
                        d.model_version.as_deref().unwrap_or("(no version)")
                    ),
                ))
            }
            Some(r) => {
                let rep = &configured[r];
                let counterfactual =
                    rep.model_version.is_some() && rep.model_version != d.model_version;
                jobs.push(Job {
                    index,
                    replayer: r,
                    counterfactual,
                    request: serde_json::to_vec(&request_document(d, rep, counterfactual))
                        .expect("request serializes"),
                });
            }
        }
    }
    let concurrency = used
        .keys()
        .map(|i| configured[*i].concurrency)
        .max()
        .unwrap_or(1)
        .clamp(1, 16);
    let total = decisions.len();
    let mut tally = ReplayProgress {
        done: results.iter().filter(|r| r.is_some()).count(),
        total,
        matched: 0,
        mismatched: 0,
        failed: results.iter().filter(|r| r.is_some()).count(),
    };
    progress(&tally);
    let mut cancelled = false;
    let mut replayer_us = 0i64;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut pending = jobs.into_iter();
        let mut running = tokio::task::JoinSet::new();
        loop {
            while running.len() < concurrency && !cancel.load(Ordering::Relaxed) {
                let Some(job) = pending.next() else { break };
                let (program, _) = &used[&job.replayer];
                let program = program.clone();
                let rep = configured[job.replayer].clone();
                running.spawn(async move {
                    let mut answers = Vec::with_capacity(repeat);
                    for _ in 0..repeat {
                        let a = run_program(&program, &rep, &job.request).await;
                        let stop = a.result.is_err();
                        answers.push(a);
                        if stop {
                            break;
                        }
                    }
                    (job.index, job.replayer, job.counterfactual, answers)
                });
            }
            if running.is_empty() {
                break;
            }
            // Wake up now and then to notice a cancel while programs run.
            let next = tokio::time::timeout(Duration::from_millis(50), running.join_next()).await;
            if cancel.load(Ordering::Relaxed) {
                cancelled = true;
                running.abort_all();
                while running.join_next().await.is_some() {}
                break;
            }
            let Ok(Some(joined)) = next else { continue };
            let Ok((index, r, counterfactual, answers)) = joined else {
                continue;
            };
            replayer_us += answers.iter().map(|a| a.us).sum::<i64>();
            let rep = &configured[r];
            let res = judge(&decisions[index], rep, counterfactual, answers);
            match res.status {
                ReplayStatus::Match => tally.matched += 1,
                ReplayStatus::Failed => tally.failed += 1,
                ReplayStatus::Mismatch | ReplayStatus::Nondeterministic => tally.mismatched += 1,
            }
            tally.done += 1;
            results[index] = Some(res);
            progress(&tally);
        }
    });
    if cancel.load(Ordering::Relaxed) && results.iter().any(Option::is_none) {
        cancelled = true;
    }
    let results: Vec<ReplayResult> = results.into_iter().flatten().collect();
    let count = |s: ReplayStatus| results.iter().filter(|r| r.status == s).count();
    let mode = if results.iter().any(|r| r.counterfactual) {
        ReplayMode::Counterfactual
    } else {
        ReplayMode::Replay
    };
    let mut replayers_used: Vec<ReplayerUsed> = used.into_values().map(|(_, u)| u).collect();
    replayers_used.sort_by(|a, b| a.name.cmp(&b.name));
    let finished_at = chrono::Utc::now().timestamp_micros();
    let mut report = ReplayReport {
        run_id: 0,
        mode,
        started_at: crate::model::format_micros(started_at),
        finished_at: crate::model::format_micros(finished_at),
        replayed: results.len(),
        matched: count(ReplayStatus::Match),
        mismatched: count(ReplayStatus::Mismatch),
        failed: count(ReplayStatus::Failed),
        nondeterministic: count(ReplayStatus::Nondeterministic),
        flips: results.iter().filter(|r| r.flipped).count(),
        cancelled,
        replayers: replayers_used,
        results,
        findings: 0,
        wall_us: 0,
        replayer_us,
    };
    store(conn, &mut report, started_at, finished_at, repeat)?;
    report.wall_us = wall.elapsed().as_micros() as i64;
    Ok(report)
}

fn failed(
    d: &Decision,
    replayer: Option<&Replayer>,
    counterfactual: bool,
    why: String,
) -> ReplayResult {
    ReplayResult {
        decision_id: d.decision_id.clone(),
        event_id: d.event_id.clone(),
        stream_id: d.stream_id.clone(),
        model_version: d.model_version.clone(),
        replayer: replayer.map(|r| r.name.clone()),
        status: ReplayStatus::Failed,
        counterfactual,
        recorded: d.output.clone(),
        replayed: Value::Null,
        differences: Vec::new(),
        error: Some(format!("Decision {}: {why}.", d.decision_id)),
        flipped: false,
        duration_ms: 0.0,
    }
}

/// The verdict on one decision from its replays.
fn judge(d: &Decision, rep: &Replayer, counterfactual: bool, answers: Vec<Answer>) -> ReplayResult {
    let duration_ms = answers.iter().map(|a| a.us).sum::<i64>() as f64 / 1000.0;
    let mut outputs = Vec::new();
    for a in answers {
        match a.result {
            Err(why) => {
                let mut f = failed(d, Some(rep), counterfactual, why);
                f.duration_ms = duration_ms;
                return f;
            }
            Ok(v) => {
                let out = match v {
                    Value::Object(ref m) if m.contains_key("output") => m["output"].clone(),
                    other => other,
                };
                outputs.push(restrict(&out, &rep.compare));
            }
        }
    }
    let recorded = restrict(&d.output, &rep.compare);
    let first = outputs[0].clone();
    let consistent = outputs.iter().all(|o| same_value(o, &first, rep.tolerance));
    let mut diffs = Vec::new();
    differences("", &recorded, &first, rep.tolerance, &mut diffs);
    let status = if !consistent {
        ReplayStatus::Nondeterministic
    } else if diffs.is_empty() {
        ReplayStatus::Match
    } else {
        ReplayStatus::Mismatch
    };
    let flipped = label_of(&recorded).is_some() && label_of(&recorded) != label_of(&first);
    ReplayResult {
        decision_id: d.decision_id.clone(),
        event_id: d.event_id.clone(),
        stream_id: d.stream_id.clone(),
        model_version: d.model_version.clone(),
        replayer: Some(rep.name.clone()),
        status,
        counterfactual,
        recorded,
        replayed: if outputs.len() > 1 && !consistent {
            Value::Array(outputs)
        } else {
            first
        },
        differences: diffs,
        error: None,
        flipped,
        duration_ms,
    }
}

fn store(
    conn: &Connection,
    report: &mut ReplayReport,
    started_at: i64,
    finished_at: i64,
    repeat: usize,
) -> Result<()> {
    let ts = crate::store::timestamp;
    report.findings = crate::store::in_transaction(conn, || {
        let run_id: i64 = conn.query_row("SELECT nextval('replay_run_ids')", [], |r| r.get(0))?;
        report.run_id = run_id;
        conn.execute(
            "INSERT INTO replay_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            params![
                run_id,
                ts(started_at),
                ts(finished_at),
                report.mode.as_str(),
                serde_json::to_string(&report.replayers).expect("serializes"),
                repeat as i64,
                report.replayed as i64,
                report.matched as i64,
                report.mismatched as i64,
                report.failed as i64,
                report.nondeterministic as i64,
                report.flips as i64,
                report.cancelled,
                crate::ingest::os_user(),
                env!("CARGO_PKG_VERSION"),
            ],
        )?;
        let mut app = conn.appender("replay_results")?;
        for r in &report.results {
            app.append_row(params![
                run_id,
                r.decision_id,
                r.event_id,
                r.stream_id,
                r.replayer,
                r.status.as_str(),
                r.counterfactual,
                r.recorded.to_string(),
                r.replayed.to_string(),
                serde_json::to_string(&r.differences).expect("serializes"),
                r.error,
                r.flipped,
                (r.duration_ms * 1000.0) as i64,
            ])?;
        }
        app.flush()?;
        drop(app);
        let mut findings = 0;
        for r in report.results.iter().filter(|r| !r.counterfactual) {
            let (kind, what) = match r.status {
                ReplayStatus::Mismatch => (
                    FindingKind::ReplayMismatch,
                    format!(
                        "Replaying decision {} with `{}` did not give the recorded answer: {}.",
                        r.decision_id,
                        r.replayer.as_deref().unwrap_or("?"),
                        r.differences
                            .iter()
                            .take(3)
                            .map(|d| format!(
                                "{} recorded {} but replayed {}",
                                d.path, d.recorded, d.replayed
                            ))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                ),
                ReplayStatus::Nondeterministic => (
                    FindingKind::NondeterministicReplay,
                    format!(
                        "Replaying decision {} with `{}` several times gave different answers.",
                        r.decision_id,
                        r.replayer.as_deref().unwrap_or("?")
                    ),
                ),
                _ => continue,
            };
            crate::findings::record(
                conn,
                None,
                kind,
                Some(&r.stream_id),
                Some(&r.event_id),
                &format!("{what} (replay run {run_id})"),
            )?;
            findings += 1;
        }
        Ok(findings)
    })?;
    Ok(())
}

/// Earlier replay runs, newest first.
pub fn runs(conn: &Connection, limit: usize) -> Result<Vec<ReplayRunSummary>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT run_id, mode, epoch_us(started_at), decisions, matched, mismatched, failed, nondeterministic,
                flips, cancelled, replayers::VARCHAR, run_by
         FROM replay_runs ORDER BY run_id DESC LIMIT {limit}"
    ))?;
    let rows = stmt.query_map([], |r| {
        Ok(ReplayRunSummary {
            run_id: r.get(0)?,
            mode: ReplayMode::parse(&r.get::<_, String>(1)?),
            started_at: crate::model::format_micros(r.get(2)?),
            replayed: r.get(3)?,
            matched: r.get(4)?,
            mismatched: r.get(5)?,
            failed: r.get(6)?,
            nondeterministic: r.get(7)?,
            flips: r.get(8)?,
            cancelled: r.get(9)?,
            replayers: r
                .get::<_, Option<String>>(10)?
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or(Value::Null),
            run_by: r.get(11)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}
