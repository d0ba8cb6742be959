//! Long work as a job: a kind, named phases with progress (done of total), and a cancel handle
//! that also interrupts the DuckDB query running at that moment.
//!
//! Every long operation of the facade takes a `&Job`. The CLI draws its progress bar from the
//! job's reports and cancels it on Ctrl-C; the app sends every job's reports as one event and
//! cancels any job by its id. A job runs on a connection of its own (`Case::try_clone`), so the
//! case answers other questions while it works. A cancelled job leaves the case as it was: each
//! operation writes inside a transaction or into a staging place it renames at the end.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use duckdb::{Connection, InterruptHandle};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum JobKind {
    Import,
    Snapshots,
    DecisionView,
    Replay,
    Drift,
    Trainset,
    Population,
    BundleExport,
    BundleVerify,
    BundleOpen,
    LakeExport,
}

impl JobKind {
    /// The work as a noun phrase that starts a sentence: "The training set".
    pub fn title(self) -> &'static str {
        match self {
            JobKind::Import => "The import",
            JobKind::Snapshots => "The time machine's build",
            JobKind::DecisionView => "The decision view's build",
            JobKind::Replay => "The replay",
            JobKind::Drift => "The drift comparison",
            JobKind::Trainset => "The training set",
            JobKind::Population => "The population",
            JobKind::BundleExport => "The bundle export",
            JobKind::BundleVerify => "The bundle check",
            JobKind::BundleOpen => "Opening the bundle",
            JobKind::LakeExport => "The lake export",
        }
    }

    /// What a cancelled job of this kind left behind, as the end of a sentence.
    pub fn left_behind(self) -> &'static str {
        match self {
            JobKind::Import => "nothing from the file being read was loaded",
            JobKind::Replay => "the decisions replayed before it stopped are kept",
            JobKind::BundleExport
            | JobKind::LakeExport
            | JobKind::Trainset
            | JobKind::Population => "nothing was written",
            JobKind::BundleVerify | JobKind::BundleOpen | JobKind::Drift => "nothing was changed",
            JobKind::Snapshots | JobKind::DecisionView => {
                "the case is as it was, and it is built again when next needed"
            }
        }
    }
}

/// One report of a job's progress: the phase it is in and how far along that phase is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct JobProgress {
    #[ts(type = "number")]
    pub job: u64,
    pub kind: JobKind,
    pub phase: String,
    #[ts(type = "number")]
    pub done: u64,
    /// 0 when the phase's size is not known.
    #[ts(type = "number")]
    pub total: u64,
    /// What only some kinds of job tell: the file being read, the verdicts so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub detail: Option<JobDetail>,
}

/// The part of a report only some jobs have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum JobDetail {
    /// An import: the file being read (done and total are its bytes) and its rows read so far.
    Import {
        path: String,
        #[ts(type = "number")]
        rows: u64,
    },
    /// A replay: the verdicts of the decisions replayed so far (done and total are decisions).
    Replay {
        #[ts(type = "number")]
        matched: u64,
        #[ts(type = "number")]
        mismatched: u64,
        #[ts(type = "number")]
        failed: u64,
    },
}

/// How a job ended, for whoever watched it from elsewhere (the app's header).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct JobFinished {
    #[ts(type = "number")]
    pub job: u64,
    pub kind: JobKind,
    pub outcome: JobOutcome,
    /// The error's sentence when it failed or was cancelled.
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum JobOutcome {
    Done,
    Cancelled,
    Failed,
}

impl JobFinished {
    pub fn of<T>(job: &Job, outcome: &Result<T>) -> JobFinished {
        let (outcome, message) = match outcome {
            Ok(_) => (JobOutcome::Done, None),
            Err(e @ Error::JobCancelled { .. }) => (JobOutcome::Cancelled, Some(e.to_string())),
            Err(e) => (JobOutcome::Failed, Some(e.to_string())),
        };
        JobFinished {
            job: job.id,
            kind: job.kind,
            outcome,
            message,
        }
    }
}

type Sink = Box<dyn Fn(&JobProgress) + Send + Sync>;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A running job's handle: shared between the worker, who reports, and whoever may cancel.
pub struct Job {
    id: u64,
    kind: JobKind,
    cancelled: AtomicBool,
    interrupts: Mutex<Vec<(u64, Arc<InterruptHandle>)>>,
    next_watch: AtomicU64,
    sink: Sink,
    /// The phase last traced and the tenth of it reached (see [`Job::trace_phase`]).
    last_phase: Mutex<Option<(String, u64)>>,
}

impl Job {
    /// A job whose reports go to `sink`.
    pub fn new(kind: JobKind, sink: impl Fn(&JobProgress) + Send + Sync + 'static) -> Arc<Job> {
        Arc::new(Job {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            kind,
            cancelled: AtomicBool::new(false),
            interrupts: Mutex::new(Vec::new()),
            next_watch: AtomicU64::new(0),
            sink: Box::new(sink),
            last_phase: Mutex::new(None),
        })
    }

    /// A job nobody watches (tests, and work done on the way to something else).
    pub fn quiet(kind: JobKind) -> Arc<Job> {
        Job::new(kind, |_| {})
    }

    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn kind(&self) -> JobKind {
        self.kind
    }

    /// Reports progress in `phase`.
    pub fn report(&self, phase: &str, done: u64, total: u64) {
        self.report_with(phase, done, total, None);
    }

    /// Reports progress in `phase` with what only this kind of job tells.
    pub fn report_with(&self, phase: &str, done: u64, total: u64, detail: Option<JobDetail>) {
        (self.sink)(&JobProgress {
            job: self.id,
            kind: self.kind,
            phase: phase.to_string(),
            done,
            total,
            detail,
        });
        self.trace_phase(phase, done, total);
        self.pause_if_asked(phase);
    }

    /// With `CASEFILE_JOB_TRACE` set, each new phase and each tenth of a phase's progress goes to
    /// stderr with the seconds since the process started and its resident memory: how a
    /// benchmark tells which phase peaks, and whether memory grows as a phase goes on.
    fn trace_phase(&self, phase: &str, done: u64, total: u64) {
        static TRACE: std::sync::OnceLock<Option<std::time::Instant>> = std::sync::OnceLock::new();
        let Some(started) = *TRACE.get_or_init(|| {
            std::env::var_os("CASEFILE_JOB_TRACE").map(|_| std::time::Instant::now())
        }) else {
            return;
        };
        let tenth = done.saturating_mul(10).checked_div(total).unwrap_or(0);
        let mut last = self.last_phase.lock().unwrap_or_else(|p| p.into_inner());
        let traced = last.as_ref().map(|(p, t)| (p.as_str(), *t));
        if traced != Some((phase, tenth)) {
            *last = Some((phase.to_string(), tenth));
            let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            let field = |name: &str| {
                status
                    .lines()
                    .find(|l| l.starts_with(name))
                    .map(|l| l[name.len()..].trim().to_string())
                    .unwrap_or_default()
            };
            eprintln!(
                "casefile: {:.1} s, rss {}, peak so far {}: {:?} {phase} ({done} of {total})",
                started.elapsed().as_secs_f64(),
                field("VmRSS:"),
                field("VmHWM:"),
                self.kind
            );
        }
    }

    /// Cancellation tests set CASEFILE_FAULT_PAUSE to a phase name: the job waits at that phase's
    /// reports (and says so on stderr) until it is cancelled. With CASEFILE_FAULT_PAUSE_WHILE
    /// naming a file, only while that file exists (a window test pauses one job of many).
    fn pause_if_asked(&self, phase: &str) {
        static PAUSE: std::sync::OnceLock<(Option<String>, Option<std::path::PathBuf>)> =
            std::sync::OnceLock::new();
        let (at, marker) = PAUSE.get_or_init(|| {
            (
                std::env::var("CASEFILE_FAULT_PAUSE").ok(),
                std::env::var_os("CASEFILE_FAULT_PAUSE_WHILE").map(Into::into),
            )
        });
        let armed = || marker.as_ref().is_none_or(|m| m.exists());
        if at.as_deref() == Some(phase) && armed() {
            eprintln!("casefile: paused at {phase}");
            while !self.is_cancelled() && armed() {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
    }

    /// Asks the job to stop, and interrupts the queries it is running.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        for (_, handle) in self
            .interrupts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            handle.interrupt();
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    /// Stops here when the job was cancelled.
    pub fn check(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(self.cancelled_error())
        } else {
            Ok(())
        }
    }

    /// The error a cancelled job ends with.
    pub fn cancelled_error(&self) -> Error {
        Error::JobCancelled { job: self.kind }
    }

    /// While the guard lives, cancelling the job interrupts the query running on `conn`.
    pub fn watch(&self, conn: &Connection) -> Watch<'_> {
        let key = self.next_watch.fetch_add(1, Ordering::Relaxed);
        let handle = conn.interrupt_handle();
        if self.is_cancelled() {
            handle.interrupt();
        }
        self.interrupts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((key, handle));
        Watch { job: self, key }
    }

    /// The job's outcome: any failure of a cancelled job (an interrupted query among them) is its
    /// cancellation.
    pub fn finish<T>(&self, outcome: Result<T>) -> Result<T> {
        match outcome {
            Err(_) if self.is_cancelled() => Err(self.cancelled_error()),
            other => other,
        }
    }

    /// For code that polls a flag: true once cancelled.
    pub fn cancelled_flag(&self) -> &AtomicBool {
        &self.cancelled
    }
}

/// Keeps a connection interruptible by its job; see [`Job::watch`].
pub struct Watch<'a> {
    job: &'a Job,
    key: u64,
}

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        self.job
            .interrupts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(k, _)| *k != self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancelling_a_job_interrupts_the_query_it_is_running() {
        let conn = Connection::open_in_memory().unwrap();
        let job = Job::quiet(JobKind::Drift);
        let worker = job.clone();
        let runner = std::thread::spawn(move || {
            let _watch = worker.watch(&conn);
            // A query that would take minutes: a cross join counted.
            let outcome: Result<i64> = conn
                .query_row(
                    "SELECT count(*) FROM range(1000000000) a, range(1000) b WHERE a.range + b.range = 7",
                    [],
                    |r| r.get(0),
                )
                .map_err(Error::from);
            worker.finish(outcome)
        });
        // Cancel until the worker stops: an interrupt that lands before DuckDB starts the query
        // is not remembered by it, a later one is.
        while !runner.is_finished() {
            job.cancel();
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let outcome = runner.join().unwrap();
        match outcome {
            Err(Error::JobCancelled {
                job: JobKind::Drift,
            }) => {}
            other => panic!("expected the drift job cancelled, got {other:?}"),
        }
    }

    #[test]
    fn a_cancelled_job_says_what_it_left_behind() {
        let job = Job::quiet(JobKind::LakeExport);
        assert!(job.check().is_ok());
        job.cancel();
        let e = job.check().unwrap_err();
        assert_eq!(e.code(), "cancelled");
        assert_eq!(
            e.to_string(),
            "The lake export was cancelled; nothing was written."
        );
    }

    #[test]
    fn reports_carry_the_job_and_its_phase() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let job = Job::new(JobKind::Trainset, move |p| {
            sink.lock().unwrap().push(p.clone())
        });
        job.report("joining the states", 3, 10);
        let seen = seen.lock().unwrap();
        assert_eq!(
            seen.as_slice(),
            [JobProgress {
                job: job.id(),
                kind: JobKind::Trainset,
                phase: "joining the states".into(),
                done: 3,
                total: 10,
                detail: None,
            }]
        );
    }
}
