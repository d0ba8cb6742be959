//! Casefile's engine: case files of imported event logs, and everything asked of them.
//!
//! This file is the facade: the one API the CLI and the desktop app call. It hands out plain serde
//! types (DTOs) so the CLI's `--json` and the app see the same shapes.

/// `Display` for enums of fixed values: the value as written in JSON (`as_str`), padded as asked.
macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.as_str())
            }
        }
    )*};
}

pub mod bundle;
pub mod config;
pub mod decisions;
pub mod drift;
pub mod error;
pub mod findings;
pub mod generate;
pub mod hint;
pub mod ingest;
pub mod inspect;
pub mod job;
pub mod lake;
pub mod model;
pub mod notes;
pub mod store;
pub mod timeline;
pub mod trainset;
pub mod viewer;

use std::path::{Path, PathBuf};

use duckdb::Connection;

pub use bundle::keys::KeyInfo;
pub use bundle::verify::VerifyOptions;
pub use bundle::{
    BundleExportReport, BundleFile, BundleRequest, Manifest, Problem, SignatureCheck, VerifyReport,
};
/// The allocator every Casefile binary declares as its global allocator (see ARCHITECTURE.md).
pub use mimalloc::MiMalloc;

pub use decisions::explain::Explanation;
pub use decisions::models::{LiveSpan, ModelFinding, ModelRecord, ModelsReport};
pub use decisions::rates::{DeploymentMark, Period, RateBucket, RatesReport};
pub use decisions::replay::{
    ReplayFilter, ReplayMode, ReplayProgress, ReplayReport, ReplayRequest, ReplayRunSummary,
    ReplayStatus, Replayer,
};
pub use decisions::{
    Decision, DecisionBuildProgress, DecisionPage, DecisionQuery, DecisionRules, Discrepancy,
};
pub use drift::attribution::Verdict;
pub use drift::{
    DriftReport, DriftRequest, DriftRole, DriftTest, FeatureDrift, RateDrift, ValueKind,
};
pub use error::{Error, ErrorCode, ErrorDto, Result};
pub use findings::{Finding, FindingKind};
pub use hint::Hint;
pub use timeline::gaps::{EvidenceGap, GapKind, GapRules, GapsReport};
/// What `import --dry-run` answers: each file as it would be read and its first records as they
/// would load; nothing is loaded.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct DryRun {
    pub dry_run: bool,
    pub files: Vec<SourcePreview>,
    /// One preview per folder given (its files are not repeated in `files`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(optional = nullable)]
    pub folders: Vec<ingest::folder::FolderPreview>,
}

/// Parquet files are read in a helper process first: a program that imports calls
/// `serve_helper_if_asked` first thing in `main` (see [`ingest::parquet`]).
pub use ingest::folder::{FolderPreview, FolderSummary};
pub use ingest::parquet::{serve_helper_if_asked, use_helper};
pub use ingest::{
    ImportOptions, ImportProgress, ImportReport, NoProgress, PreviewRow, ProgressSink, ReasonCount,
    SourcePreview, SourceReport,
};
pub use inspect::detail::EventDetail;
pub use inspect::{
    CaseInfo, EventPage, EventQuery, QuarantinePage, QuarantineReport, SourceRecord, SqlResult,
    StreamSummary,
};
pub use job::{Job, JobDetail, JobFinished, JobKind, JobOutcome, JobProgress};
pub use lake::spark::{
    EngineInfo, JoinForm, SparkPopulationReport, SparkPopulationRequest, SparkTrainsetReport,
    SparkTrainsetRequest,
};
pub use lake::{LakeExport, LakeFile, LakeManifest, LakeProblem, LakeVerify};
pub use model::Axis;
pub use model::{format_micros, parse_instant, Event, Micros};
pub use notes::{NewNote, Note};
pub use store::memory::{
    budget as memory_budget, memory_limit, parse_memory_limit, set_memory_limit, LimitOrigin,
    MemoryBudget, MEMORY_LIMIT_ENV,
};
pub use timeline::fold::{Change, View};
pub use timeline::population::{
    Population, PopulationColumn, PopulationDiff, PopulationPage, PopulationPageQuery,
    PopulationQuery, StreamChange,
};
pub use timeline::rules::FoldRules;
pub use timeline::snapshots::{BuildProgress, SnapshotPolicy};
pub use timeline::{
    AsOfQuery, Bucket, History, HistoryStep, StreamDiff, StreamState, Timeline, TimelineQuery,
};
pub use trainset::{
    FeatureLeakage, LabelAudit, TrainsetColumn, TrainsetManifest, TrainsetReport, TrainsetRequest,
    TrainsetRole,
};
pub use viewer::{OperatorProfile, ViewInfo, Viewer};

/// An open case file.
pub struct Case {
    conn: Connection,
    path: PathBuf,
    machine: std::cell::RefCell<timeline::MachineCache>,
    /// Set when this is a bundle opened read-only (the bundle's path; `path` is its loaded copy).
    bundle: Option<PathBuf>,
    /// The operator view's mask; none in the auditor view.
    mask: Option<std::sync::Arc<viewer::Mask>>,
}

/// A replay ready to run on its own connection to the case (see [`Case::prepare_replay`]).
pub struct PreparedReplay {
    conn: Connection,
}

impl PreparedReplay {
    /// Replays decisions through their replayers (or one named replayer: a counterfactual when its
    /// version differs), stores the run, raises determinism findings. `cancel` stops it between and
    /// during decisions (running programs are killed); what finished is kept.
    pub fn run(
        &self,
        req: &ReplayRequest,
        progress: &dyn Fn(&ReplayProgress),
        cancel: &std::sync::atomic::AtomicBool,
    ) -> Result<ReplayReport> {
        decisions::replay::replay(&self.conn, req, progress, cancel)
    }
}

impl Case {
    /// Opens a case, creating an empty one when the file does not exist.
    pub fn open_or_create(path: &Path) -> Result<Case> {
        if path.exists() && bundle::open::is_bundle(path) {
            return Err(Error::ReadOnly {
                path: path.to_path_buf(),
                what: "importing".into(),
            });
        }
        Case {
            conn: store::open_read_write(path, true)?,
            path: path.to_path_buf(),
            machine: Default::default(),
            bundle: None,
            mask: None,
        }
        .in_default_view()
    }

    /// Opens an existing case, or a case bundle read-only; a missing file is an error.
    pub fn open(path: &Path) -> Result<Case> {
        Self::open_with_progress(path, &Job::quiet(JobKind::BundleOpen))
    }

    /// As [`Case::open`], reporting progress while a bundle is loaded the first time.
    pub fn open_with_progress(path: &Path, job: &Job) -> Result<Case> {
        if path.is_file() && bundle::open::is_bundle(path) {
            let loaded = job.finish(bundle::open::materialize(path, job))?;
            return Case {
                conn: store::open_read_write(&loaded, false)?,
                path: loaded,
                machine: Default::default(),
                bundle: Some(path.to_path_buf()),
                mask: None,
            }
            .in_default_view();
        }
        Case {
            conn: store::open_read_write(path, false)?,
            path: path.to_path_buf(),
            machine: Default::default(),
            bundle: None,
            mask: None,
        }
        .in_default_view()
    }

    /// A case with an operator profile opens in the operator view; the auditor view is asked for.
    fn in_default_view(mut self) -> Result<Case> {
        if viewer::stored_profile(&self.conn)?.is_some() {
            self.mask = Some(std::sync::Arc::new(viewer::Mask::of_case(&self.conn)?));
        }
        Ok(self)
    }

    /// The view in force and the case's operator profile.
    pub fn view(&self) -> Result<ViewInfo> {
        Ok(ViewInfo {
            viewer: if self.mask.is_some() {
                Viewer::Operator
            } else {
                Viewer::Auditor
            },
            operator_profile: viewer::stored_profile(&self.conn)?
                .as_ref()
                .map(viewer::describe),
        })
    }

    /// Shows the case in `to`: the operator view needs the case's operator profile.
    pub fn set_viewer(&mut self, to: Viewer) -> Result<ViewInfo> {
        self.mask = match to {
            Viewer::Auditor => None,
            Viewer::Operator => Some(std::sync::Arc::new(viewer::Mask::of_case(&self.conn)?)),
        };
        self.view()
    }

    /// Stores the operator profile (a redaction profile's TOML; `origin` names it in errors). Only
    /// in the auditor view: an operator does not choose their own mask.
    pub fn set_operator_profile(&mut self, text: &str, origin: &str) -> Result<ViewInfo> {
        self.writable("setting the operator profile")?;
        self.auditor_only("Changing the operator profile")?;
        viewer::store_profile(&self.conn, text, origin)?;
        self.view()
    }

    /// Removes the operator profile (auditor view only).
    pub fn clear_operator_profile(&mut self) -> Result<ViewInfo> {
        self.writable("removing the operator profile")?;
        self.auditor_only("Removing the operator profile")?;
        viewer::clear_profile(&self.conn)?;
        self.view()
    }

    fn auditor_only(&self, what: &str) -> Result<()> {
        match self.mask {
            Some(_) => Err(Error::OperatorView { what: what.into() }),
            None => Ok(()),
        }
    }

    /// `value` as the view in force shows it.
    fn shown<T: viewer::Masked>(&self, mut value: T) -> T {
        if let Some(m) = &self.mask {
            value.mask(m);
        }
        value
    }

    /// The stream the user named: in the operator view, by its pseudonym.
    fn named(&self, given: &str) -> Result<String> {
        match &self.mask {
            Some(m) => m.real_stream(&self.conn, given),
            None => Ok(given.to_string()),
        }
    }

    fn named_opt(&self, given: Option<&str>) -> Result<Option<String>> {
        given.map(|g| self.named(g)).transpose()
    }

    /// The same case on a connection of its own, for a job: it reads and writes beside this one
    /// (DuckDB's transactions keep each consistent) and remembers nothing of this one's cache.
    pub fn try_clone(&self) -> Result<Case> {
        Ok(Case {
            conn: self.conn.try_clone()?,
            path: self.path.clone(),
            machine: Default::default(),
            bundle: self.bundle.clone(),
            mask: self.mask.clone(),
        })
    }

    /// Applies the memory budget in force now to this case's database (connections opened later
    /// get it anyway; this is for a change of the budget while the case is open).
    pub fn apply_memory_limit(&self) -> Result<()> {
        let bytes = store::memory::duckdb_limit()?;
        self.conn
            .execute_batch(&format!("SET memory_limit = '{bytes}B';"))?;
        Ok(())
    }

    /// Forgets what this connection remembers of the case (its rules, whether the time machine is
    /// current), for after a job on another connection changed it.
    pub fn forget_cached(&self) {
        self.machine.borrow_mut().clear();
    }

    /// The file the user opened (the bundle, for a bundle).
    pub fn path(&self) -> &Path {
        self.bundle.as_deref().unwrap_or(&self.path)
    }

    /// The bundle this case was opened from; every write is refused then.
    pub fn bundle(&self) -> Option<&Path> {
        self.bundle.as_deref()
    }

    fn writable(&self, what: &str) -> Result<()> {
        match &self.bundle {
            Some(path) => Err(Error::ReadOnly {
                path: path.clone(),
                what: what.into(),
            }),
            None => Ok(()),
        }
    }

    /// Imports source files, each in its own transaction, reporting progress to `sink`.
    pub fn import(
        &self,
        files: &[PathBuf],
        opts: &ImportOptions,
        sink: &dyn ProgressSink,
    ) -> Result<ImportReport> {
        self.writable("importing")?;
        self.machine.borrow_mut().clear();
        ingest::import_files(&self.conn, files, opts, sink)
    }

    /// `import` as a job: its progress the job's reports (the file and its rows as detail), and
    /// cancelling it stops the file being read, which is left out whole.
    pub fn import_job(
        &self,
        files: &[PathBuf],
        opts: &ImportOptions,
        job: &Job,
    ) -> Result<ImportReport> {
        self.import_watched(files, opts, &ingest::JobSink::new(job), job)
    }

    /// `import` reporting to a sink of the caller's (the CLI's byte-level bar), cancelled by `job`
    /// (the sink's `keep_going` asks it), which also interrupts the query running at that moment.
    pub fn import_watched(
        &self,
        files: &[PathBuf],
        opts: &ImportOptions,
        sink: &dyn ProgressSink,
        job: &Job,
    ) -> Result<ImportReport> {
        let _watch = job.watch(&self.conn);
        job.finish(self.import(files, opts, sink))
    }

    pub fn info(&self) -> Result<CaseInfo> {
        let mut info = inspect::info(&self.conn, &store::absolute(self.path()).to_string_lossy())?;
        info.bundle = self
            .bundle
            .as_ref()
            .map(|b| store::absolute(b).to_string_lossy().into_owned());
        info.view = Some(self.view()?);
        Ok(info)
    }

    pub fn events(&self, query: &EventQuery) -> Result<EventPage> {
        let mut query = query.clone();
        query.stream = self.named_opt(query.stream.as_deref())?;
        Ok(self.shown(inspect::events(&self.conn, &query)?))
    }

    /// Streams whose id contains `text`, optionally of one type (for the app's entity search).
    pub fn streams(
        &self,
        text: &str,
        stream_type: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StreamSummary>> {
        match &self.mask {
            Some(m) if m.pseudonymizes_streams() => {
                let ids = m.streams_whose_pseudonym_contains(&self.conn, text, limit)?;
                let mut found = self.shown(inspect::streams_named(&self.conn, &ids, stream_type)?);
                found.sort_by(|a, b| a.stream_id.cmp(&b.stream_id));
                Ok(found)
            }
            _ => Ok(self.shown(inspect::streams(&self.conn, text, stream_type, limit)?)),
        }
    }

    pub fn quarantine(&self) -> Result<QuarantineReport> {
        Ok(self.shown(inspect::quarantine(&self.conn)?))
    }

    /// The state of one stream at an instant (see `timeline` for the axes and views).
    pub fn state(&self, stream: &str, at: Micros, q: AsOfQuery) -> Result<StreamState> {
        let stream = self.named(stream)?;
        let state = timeline::state(&self.conn, &mut self.machine.borrow_mut(), &stream, at, q)?;
        Ok(self.shown(state))
    }

    /// The state of one stream by folding its events, never from stored snapshots (for checks).
    pub fn fold_state(&self, stream: &str, at: Micros, q: AsOfQuery) -> Result<StreamState> {
        let stream = self.named(stream)?;
        Ok(self.shown(timeline::folded_state(&self.conn, &stream, at, q)?))
    }

    /// How many streams of a type exist at an instant, folding every stream from its events (the
    /// naive population, for checks and benchmarks).
    pub fn population_by_fold(&self, stream_type: &str, at: Micros, q: AsOfQuery) -> Result<u64> {
        let rules = self.fold_rules()?;
        timeline::population_by_fold(&self.conn, &rules, stream_type, at, q)
    }

    /// Builds the stored snapshots when they are missing or stale; true when it built them.
    pub fn build_snapshots(&self, progress: &dyn Fn(&BuildProgress)) -> Result<bool> {
        self.machine
            .borrow_mut()
            .ensure_snapshots(&self.conn, progress)
    }

    /// Rebuilds the stored snapshots now with a given density (tests use small ones to exercise
    /// checkpoints on short streams).
    pub fn rebuild_snapshots(
        &self,
        policy: SnapshotPolicy,
        progress: &dyn Fn(&BuildProgress),
    ) -> Result<()> {
        self.machine
            .borrow_mut()
            .rebuild(&self.conn, policy, progress)
    }

    /// Readies the time machine for many questions: snapshots built and their index in memory.
    /// Returns the number of streams indexed.
    pub fn warm_time_machine(&self, progress: &dyn Fn(&BuildProgress)) -> Result<usize> {
        self.machine.borrow_mut().warm(&self.conn, progress)
    }

    /// Loads the time machine's in-memory index when the stored snapshots are current (building
    /// nothing); true when it did. Without it an as-of still works, only slower.
    pub fn warm_time_machine_if_built(&self) -> Result<bool> {
        self.machine.borrow_mut().warm_if_current(&self.conn)
    }

    /// The state of every stream of a type at an instant, as a table (building snapshots if needed).
    pub fn population(
        &self,
        q: &PopulationQuery,
        progress: &dyn Fn(&BuildProgress),
    ) -> Result<Population> {
        if q.out.is_some() {
            self.auditor_only("Writing a population to a file")?;
        }
        let mut machine = self.machine.borrow_mut();
        machine.ensure_snapshots(&self.conn, progress)?;
        let rules = machine.rules(&self.conn)?.clone();
        Ok(self.shown(timeline::population::population(&self.conn, &rules, q)?))
    }

    /// Every event of a stream in axis order, with the state after it and a field-level diff.
    pub fn history(&self, stream: &str, q: AsOfQuery) -> Result<History> {
        let stream = self.named(stream)?;
        Ok(self.shown(timeline::history(&self.conn, &stream, q)?))
    }

    /// A page of `history`: the steps after the first `after`, at most `limit`.
    pub fn history_page(
        &self,
        stream: &str,
        q: AsOfQuery,
        after: usize,
        limit: Option<usize>,
    ) -> Result<History> {
        // The stored snapshots, when current, hold the state before a page deep in a busy stream.
        let stored = after > 0 && self.machine.borrow_mut().snapshots_current(&self.conn)?;
        let stream = self.named(stream)?;
        Ok(self.shown(timeline::history_page(
            &self.conn, &stream, q, after, limit, stored,
        )?))
    }

    /// What changed in one stream between two instants.
    pub fn diff(&self, stream: &str, from: Micros, to: Micros, q: AsOfQuery) -> Result<StreamDiff> {
        let stream = self.named(stream)?;
        Ok(self.shown(timeline::diff(&self.conn, &stream, from, to, q)?))
    }

    /// What changed across every stream of a type between two instants (building snapshots if needed).
    pub fn population_diff(
        &self,
        stream_type: &str,
        from: Micros,
        to: Micros,
        q: AsOfQuery,
        limit: usize,
        progress: &dyn Fn(&BuildProgress),
    ) -> Result<PopulationDiff> {
        let mut machine = self.machine.borrow_mut();
        machine.ensure_snapshots(&self.conn, progress)?;
        let rules = machine.rules(&self.conn)?.clone();
        Ok(self.shown(timeline::population::population_diff(
            &self.conn,
            &rules,
            stream_type,
            from,
            to,
            q,
            limit,
        )?))
    }

    /// Event counts per time bucket.
    pub fn timeline(&self, q: &TimelineQuery) -> Result<Timeline> {
        let mut q = q.clone();
        if let Some(m) = &self.mask {
            q.stream = self.named_opt(q.stream.as_deref())?;
            if q.actor.is_some() && m.masks_actor() {
                return Err(Error::OperatorView {
                    what: "Counting the events of an actor the view masks".into(),
                });
            }
        }
        timeline::timeline(&self.conn, &q)
    }

    /// The case's fold rules (projection rules and upcasters).
    pub fn fold_rules(&self) -> Result<FoldRules> {
        timeline::load_rules(&self.conn)
    }

    /// Checks and stores new fold rules; `origin` names the text in errors (a file name).
    pub fn set_fold_rules(&self, text: &str, origin: &str) -> Result<FoldRules> {
        self.writable("changing the fold rules")?;
        self.auditor_only("Changing the fold rules (they decide what a state shows)")?;
        self.machine.borrow_mut().clear();
        timeline::save_rules(&self.conn, text, origin)
    }

    /// Where the case does not hold a stream's whole history (every stream's, or `stream`'s).
    pub fn gaps(&self, stream: Option<&str>) -> Result<GapsReport> {
        let rules = timeline::gaps::load_rules(&self.conn)?;
        let stream = self.named_opt(stream)?;
        Ok(self.shown(timeline::gaps::gaps(&self.conn, &rules, stream.as_deref())?))
    }

    /// Checks and stores the rules that say which events are summaries.
    pub fn set_gap_rules(&self, text: &str, origin: &str) -> Result<GapRules> {
        self.writable("changing the evidence gap rules")?;
        self.auditor_only("Changing the evidence gap rules")?;
        timeline::gaps::save_rules(&self.conn, text, origin)
    }

    /// How `path` would be read by `import` with `opts`, and its first rows; nothing is loaded.
    pub fn preview(&self, path: &Path, opts: &ImportOptions) -> Result<SourcePreview> {
        ingest::preview(&self.conn, path, opts)
    }

    /// How every file of a folder would be imported; nothing is loaded.
    pub fn preview_folder(
        &self,
        path: &Path,
        opts: &ImportOptions,
    ) -> Result<ingest::folder::FolderPreview> {
        ingest::preview_folder(&self.conn, path, opts)
    }

    /// How files would be imported into the case at `case`, loading nothing (`import --dry-run`).
    /// The files are mapped in a scratch case; the case itself is only read (whether a file is
    /// already in it), never created, upgraded or written.
    pub fn dry_run(case: &Path, files: &[PathBuf], opts: &ImportOptions) -> Result<DryRun> {
        let scratch = std::env::temp_dir().join(format!(
            "casefile-dry-run-{}-{}.casefile",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        let result = (|| {
            let c = Case::open_or_create(&scratch)?;
            let mut previews: Vec<SourcePreview> = files
                .iter()
                .filter(|f| !f.is_dir())
                .map(|f| c.preview(f, opts))
                .collect::<Result<_>>()?;
            let mut folders: Vec<ingest::folder::FolderPreview> = files
                .iter()
                .filter(|f| f.is_dir())
                .map(|f| c.preview_folder(f, opts))
                .collect::<Result<_>>()?;
            let known = if case.is_file() && !bundle::open::is_bundle(case) {
                let conn = store::open_locked_down(case)?;
                let mut stmt = conn.prepare("SELECT sha256 FROM sources")?;
                let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
                rows.collect::<std::result::Result<std::collections::HashSet<String>, _>>()?
            } else {
                Default::default()
            };
            let in_folders = folders
                .iter_mut()
                .flat_map(|f| f.files.iter_mut().map(|x| &mut x.preview));
            for p in previews.iter_mut().chain(in_folders) {
                p.already_imported = p.sha256.as_ref().map(|h| known.contains(h));
            }
            Ok(DryRun {
                dry_run: true,
                files: previews,
                folders,
            })
        })();
        let _ = std::fs::remove_file(&scratch);
        let _ = std::fs::remove_file(scratch.with_extension("casefile.wal"));
        result
    }

    /// One page of quarantined rows, of one source or all.
    pub fn quarantine_page(
        &self,
        source_id: Option<i64>,
        limit: usize,
        offset: usize,
    ) -> Result<QuarantinePage> {
        Ok(self.shown(inspect::quarantine_page(
            &self.conn,
            source_id,
            limit.min(1_000),
            offset,
        )?))
    }

    /// One event in full: envelope, provenance, causation chain, corrections, findings.
    pub fn event_detail(&self, stream_id: &str, event_id: &str) -> Result<EventDetail> {
        let stream_id = self.named(stream_id)?;
        Ok(self.shown(inspect::detail::event_detail(
            &self.conn, &stream_id, event_id,
        )?))
    }

    /// A page of the population last built by `population` (filtered, sorted).
    pub fn population_page(&self, q: &PopulationPageQuery) -> Result<PopulationPage> {
        if let Some(m) = &self.mask {
            m.check_population_page(q)?;
        }
        Ok(self.shown(timeline::population::population_page(&self.conn, q)?))
    }

    /// Appends a note written by the current OS user.
    pub fn add_note(&self, note: &NewNote) -> Result<Note> {
        self.writable("adding a note")?;
        let mut note = note.clone();
        note.stream_id = self.named_opt(note.stream_id.as_deref())?;
        let view = self.view()?.label();
        Ok(self.shown(notes::add(&self.conn, &ingest::os_user(), &note, &view)?))
    }

    /// Every note, oldest first, with what superseded what.
    pub fn notes(&self) -> Result<Vec<Note>> {
        Ok(self.shown(notes::list(&self.conn)?))
    }

    /// Runs user-typed SQL read-only, exactly as `run_sql` does. DuckDB locks a file to one
    /// configuration per process, so the case's own read-write connection is closed for the query
    /// and reopened after it; the time machine's caches survive (nothing can change meanwhile).
    pub fn query_read_only(&mut self, query: &str, max_rows: usize) -> Result<SqlResult> {
        let placeholder = Connection::open_in_memory()?;
        drop(std::mem::replace(&mut self.conn, placeholder));
        let result = match &self.mask {
            Some(m) => run_sql_masked(&self.path, query, max_rows, m.clone()),
            None => run_sql(&self.path, query, max_rows),
        };
        self.conn = store::open_read_write(&self.path, false)?;
        result
    }

    /// A page of the decisions matching `q`, in decision time order.
    pub fn decisions(&self, q: &DecisionQuery) -> Result<DecisionPage> {
        decisions::ensure_built(&self.conn, &|_| {})?;
        let q = self.decision_query(q)?;
        Ok(self.shown(decisions::list(&self.conn, &q)?))
    }

    /// A decision filter as the engine reads it: the subject by its real id, and no filter on a
    /// value the operator view masks.
    fn decision_query(&self, q: &DecisionQuery) -> Result<DecisionQuery> {
        let mut q = q.clone();
        if let Some(m) = &self.mask {
            m.check_decision_query(&q)?;
            if let Some(given) = q.subject.clone().filter(|_| m.pseudonymizes_streams()) {
                // A subject's pseudonym names it; any other text is looked for in decision ids.
                match m.real_stream(&self.conn, &given) {
                    Ok(real) => q.subject = Some(real),
                    Err(_) => q.subject_by_decision_id_only = true,
                }
            }
        }
        Ok(q)
    }

    /// Every model version on record: deployments, metadata, decisions, replays and findings.
    pub fn models(&self) -> Result<ModelsReport> {
        decisions::ensure_built(&self.conn, &|_| {})?;
        Ok(self.shown(decisions::models::models(&self.conn)?))
    }

    /// The decisions matching `q` over time: per period and model version, counts, labels, mean
    /// score, overrides, corrections, stale inputs and replay verdicts, with the deployments.
    pub fn rates(&self, q: &DecisionQuery, period: Period) -> Result<RatesReport> {
        decisions::ensure_built(&self.conn, &|_| {})?;
        let q = self.decision_query(q)?;
        decisions::rates::rates(&self.conn, &q, period)
    }

    /// One decision explained: recorded inputs against the state then, model, context, what followed.
    pub fn explain(&self, decision_id: &str) -> Result<Explanation> {
        decisions::ensure_built(&self.conn, &|_| {})?;
        let mut machine = self.machine.borrow_mut();
        let rules = machine.rules(&self.conn)?;
        Ok(self.shown(decisions::explain::explain(&self.conn, rules, decision_id)?))
    }

    /// The rules that say which events are decisions.
    pub fn decision_rules(&self) -> Result<DecisionRules> {
        decisions::load_rules_of_decisions(&self.conn)
    }

    /// Checks and stores new decision rules (the view is rebuilt on the next question).
    pub fn set_decision_rules(&self, text: &str, origin: &str) -> Result<DecisionRules> {
        self.writable("changing the decision rules")?;
        self.auditor_only("Changing the decision rules")?;
        decisions::save_rules_of_decisions(&self.conn, text, origin)
    }

    /// The replayers configured in this case.
    pub fn replayers(&self) -> Result<Vec<Replayer>> {
        decisions::replay::replayers(&self.conn)
    }

    /// Adds (or replaces, by name) a replayer; its program is resolved to an absolute path and checked.
    pub fn add_replayer(&self, replayer: Replayer) -> Result<Replayer> {
        self.writable("adding a replayer")?;
        self.auditor_only("Adding a replayer (a replayer is handed each decision unmasked)")?;
        decisions::replay::add_replayer(&self.conn, replayer)
    }

    pub fn remove_replayer(&self, name: &str) -> Result<()> {
        self.writable("removing a replayer")?;
        self.auditor_only("Removing a replayer")?;
        decisions::replay::remove_replayer(&self.conn, name)
    }

    /// `replay` as a job: the decision view built first as a phase of it, each decision replayed
    /// reported with the verdicts so far, and cancelling it stops starting programs (the decisions
    /// replayed by then are kept, and the report says it was cancelled).
    pub fn replay_job(&self, req: &ReplayRequest, job: &Job) -> Result<ReplayReport> {
        job.finish((|| {
            self.writable("replaying (a replay is stored in the case)")?;
            self.auditor_only("Replaying decisions (a replayer is handed each decision unmasked)")?;
            self.ensure_decisions_for(job)?;
            // Not watched: its queries are short, and an interrupted one would lose replays done.
            let report = self.prepare_replay()?.run(
                req,
                &|p| {
                    job.report_with(
                        "replaying the decisions",
                        p.done as u64,
                        p.total as u64,
                        Some(JobDetail::Replay {
                            matched: p.matched as u64,
                            mismatched: p.mismatched as u64,
                            failed: p.failed as u64,
                        }),
                    )
                },
                job.cancelled_flag(),
            )?;
            Ok(self.shown(report))
        })())
    }

    /// True when the decision view was built from the case as it is now (nothing to build).
    pub fn decision_view_current(&self) -> Result<bool> {
        decisions::is_current(&self.conn)
    }

    /// True when the time machine's snapshots were built from the case as it is now.
    pub fn time_machine_current(&self) -> Result<bool> {
        self.machine.borrow_mut().snapshots_current(&self.conn)
    }

    /// Builds the decision view (when missing or stale) as a job.
    pub fn build_decisions_job(&self, job: &Job) -> Result<()> {
        job.finish(self.ensure_decisions_for(job))
    }

    /// Builds the time machine's snapshots (when missing or stale) as a job.
    pub fn build_time_machine(&self, job: &Job) -> Result<()> {
        job.finish(self.ensure_time_machine_for(job).map(|_| ()))
    }

    /// A replay on a connection of its own: it can run while the case answers other questions
    /// (the app keeps browsing decisions while replayer programs work).
    pub fn prepare_replay(&self) -> Result<PreparedReplay> {
        self.writable("replaying (a replay is stored in the case)")?;
        self.auditor_only("Replaying decisions (a replayer is handed each decision unmasked)")?;
        decisions::ensure_built(&self.conn, &|_| {})?;
        Ok(PreparedReplay {
            conn: self.conn.try_clone()?,
        })
    }

    /// Compares two cohorts of decisions column by column (inputs and outputs).
    pub fn drift(&self, req: &DriftRequest, job: &Job) -> Result<DriftReport> {
        job.finish((|| {
            if let Some(m) = &self.mask {
                m.check_cohort(&req.a)?;
                m.check_cohort(&req.b)?;
                m.check_segment(req.segment_by.as_deref())?;
            }
            self.ensure_decisions_for(job)?;
            Ok(self.shown(drift::compare(&self.conn, req, job)?))
        })())
    }

    /// A point-in-time training set as the spec describes it, with its leakage audit and manifest
    /// (the file and the manifest written when `out` is given).
    pub fn trainset(&self, req: &TrainsetRequest, job: &Job) -> Result<TrainsetReport> {
        job.finish((|| {
            self.auditor_only("Cutting a training set (its rows are the case's records)")?;
            let spec = trainset::spec::TrainsetSpec::from_toml(&req.spec, &req.origin)?;
            if matches!(spec.examples, trainset::spec::ExampleSource::Decisions(_)) {
                self.ensure_decisions_for(job)?;
            }
            let rules = self.ensure_time_machine_for(job)?;
            trainset::build(&self.conn, &rules, req, job)
        })())
    }

    /// Writes the lake export of this case into `dir`: events, decisions and state changelogs as
    /// Parquet for distributed engines, under a manifest (see `lake`).
    pub fn lake_export(&self, dir: &Path, job: &Job) -> Result<LakeExport> {
        job.finish((|| {
            self.auditor_only("A lake export (it writes every event as loaded)")?;
            self.ensure_decisions_for(job)?;
            let rules = self.ensure_time_machine_for(job)?;
            lake::export(&self.conn, &rules, dir, job)
        })())
    }

    /// The decision view built (when stale) as a phase of `job`.
    fn ensure_decisions_for(&self, job: &Job) -> Result<()> {
        let _watch = job.watch(&self.conn);
        decisions::ensure_built(&self.conn, &|p| job.report(&p.phase, p.done, p.total))?;
        job.check()
    }

    /// The time machine's snapshots built (when stale) as a phase of `job`; its fold rules.
    fn ensure_time_machine_for(&self, job: &Job) -> Result<FoldRules> {
        let _watch = job.watch(&self.conn);
        let mut machine = self.machine.borrow_mut();
        machine.ensure_snapshots(&self.conn, &|p| {
            job.report("building the time machine", p.streams_done, p.streams_total)
        })?;
        job.check()?;
        Ok(machine.rules(&self.conn)?.clone())
    }

    /// A starter spec for this case: its decisions (or commonest events) as examples, the scalar
    /// fields of their entities' states, a count, and a label guessed from what follows them.
    pub fn trainset_starter(&self) -> Result<String> {
        decisions::ensure_built(&self.conn, &|_| {})?;
        self.machine
            .borrow_mut()
            .ensure_snapshots(&self.conn, &|_| {})?;
        trainset::starter::starter(&self.conn)
    }

    /// The drift report as a self-contained HTML page (inline SVG charts, no external assets).
    pub fn drift_html(&self, report: &DriftReport) -> String {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        drift::report::html(
            report,
            &name,
            &format_micros(chrono::Utc::now().timestamp_micros()),
        )
    }

    /// Earlier replay runs, newest first.
    pub fn replay_runs(&self, limit: usize) -> Result<Vec<ReplayRunSummary>> {
        decisions::replay::runs(&self.conn, limit)
    }

    /// Writes a case bundle: the scope's events redacted, hashed into a Merkle tree and written as
    /// JSONL and Parquet, with custody, notes, findings, rules, the chosen decisions' explanations
    /// and attached reports, under a manifest signed when a key is given.
    pub fn bundle_export(&self, req: &BundleRequest, job: &Job) -> Result<BundleExportReport> {
        job.finish(self.bundle_export_job(req, job))
    }

    fn bundle_export_job(&self, req: &BundleRequest, job: &Job) -> Result<BundleExportReport> {
        if req.decisions.is_some() {
            self.ensure_decisions_for(job)?;
        }
        let _watch = job.watch(&self.conn);
        let operator = match &self.mask {
            Some(m) => {
                if req.redact.is_some() {
                    return Err(Error::OperatorView {
                        what: "Choosing another redaction profile for a bundle (the view's own profile applies)".into(),
                    });
                }
                Some((m.profile().clone(), m.secret().to_vec()))
            }
            None => None,
        };
        let view = self.view()?;
        let mut req = req.clone();
        if let Some(streams) = &req.streams {
            req.streams = Some(
                streams
                    .iter()
                    .map(|s| self.named(s))
                    .collect::<Result<_>>()?,
            );
        }
        let req = &req;
        let mut staging =
            bundle::export::stage(&self.conn, self.path(), req, operator, &view, job)?;
        if !staging.decisions_to_explain.is_empty() {
            let ids = staging.decisions_to_explain.clone();
            {
                let conn = store::open_read_write(&staging.stage_case, false)?;
                let dir = staging.dir.clone();
                bundle::open::load_side_tables(&conn, &mut |name| {
                    std::fs::read(dir.join(name)).ok()
                })?;
                if let Ok(findings) = std::fs::File::open(dir.join(bundle::FINDINGS)) {
                    bundle::open::load_findings(&conn, findings)?;
                }
            }
            let stage = Case::open(&staging.stage_case)?;
            let name = self
                .path()
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let now = format_micros(chrono::Utc::now().timestamp_micros());
            for (i, id) in ids.iter().enumerate() {
                job.report("explaining the decisions", i as u64, ids.len() as u64);
                job.check()?;
                let e = stage.explain(id)?;
                let file = format!("decisions/{}.html", safe_file_name(id));
                bundle::export::add_report(
                    &mut staging,
                    &file,
                    decisions::report::html(&e, &name, &now).as_bytes(),
                )?;
            }
        }
        bundle::export::finish(staging, job)
    }

    /// Every integrity finding in the case, oldest first.
    pub fn findings(&self) -> Result<Vec<Finding>> {
        Ok(self.shown(findings::list(&self.conn, None, usize::MAX >> 1)?))
    }

    /// Every integrity finding in the case, oldest first, handed to `each` one at a time (as the
    /// view shows it), so millions of them need no more memory than one; how many there were.
    pub fn each_finding(&self, mut each: impl FnMut(Finding) -> Result<()>) -> Result<u64> {
        findings::each(&self.conn, |f| each(self.shown(f)))
    }
}

/// Checks a bundle offline: signature, every file's digest, the events' Merkle root.
pub fn verify_bundle(path: &Path, opts: &VerifyOptions, job: &Job) -> Result<VerifyReport> {
    job.finish(bundle::verify::verify(path, opts, job))
}

/// The inclusion proof of one event of a bundle (its line and audit path to the manifest's root).
pub fn prove_bundle_event(path: &Path, event_id: &str) -> Result<bundle::verify::EventProof> {
    bundle::verify::prove_event(path, event_id)
}

/// One event of a bundle with only the named fields disclosed (value and salt) and the others
/// withheld, with its audit path: proof that a field a redacted bundle withholds had this value.
pub fn reveal_bundle_fields(
    path: &Path,
    event_id: &str,
    fields: &[String],
) -> Result<bundle::verify::EventProof> {
    bundle::verify::reveal(path, event_id, fields)
}

/// Checks revealed fields (from [`reveal_bundle_fields`]) against a bundle that may withhold them.
pub fn check_revealed_fields(
    bundle_path: &Path,
    revealed: &Path,
    opts: &VerifyOptions,
    job: &Job,
) -> Result<bundle::verify::RevealCheck> {
    job.finish(bundle::verify::check_reveal(
        bundle_path,
        revealed,
        opts,
        job,
    ))
}

/// Creates an investigator's signing key in the user's config dir.
pub fn new_key(name: &str) -> Result<KeyInfo> {
    bundle::keys::new_key(name)
}

/// The investigator's signing keys in the user's config dir.
pub fn list_keys() -> Result<Vec<KeyInfo>> {
    bundle::keys::list_keys()
}

/// A file name made from an id: anything but letters, digits, '-', '_' and '.' becomes '_'.
fn safe_file_name(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Runs user-typed SQL against a case, read-only, with every file but the case out of reach.
pub fn run_sql(path: &Path, query: &str, max_rows: usize) -> Result<SqlResult> {
    let conn = store::open_locked_down(path)?;
    inspect::sql(&conn, query, max_rows)
}

/// As [`run_sql`], in the view asked for (none: the case's default, the operator view when the
/// case has an operator profile).
pub fn run_sql_in_view(
    path: &Path,
    query: &str,
    max_rows: usize,
    view: Option<Viewer>,
) -> Result<SqlResult> {
    let conn = store::open_locked_down(path)?;
    let operator = match view {
        Some(v) => v == Viewer::Operator,
        None => viewer::stored_profile(&conn)?.is_some(),
    };
    if !operator {
        return inspect::sql(&conn, query, max_rows);
    }
    let mask = std::sync::Arc::new(viewer::Mask::of_case(&conn)?);
    viewer::sql::run(&conn, query, max_rows, mask)
}

/// As [`run_sql`], in the operator view: the query reads the case's tables masked, and nothing
/// else ([`viewer::sql`]).
pub fn run_sql_masked(
    path: &Path,
    query: &str,
    max_rows: usize,
    mask: std::sync::Arc<viewer::Mask>,
) -> Result<SqlResult> {
    let conn = store::open_locked_down(path)?;
    viewer::sql::run(&conn, query, max_rows, mask)
}

/// Checks a lake export against its manifest: every file present, unchanged, with its rows, and
/// nothing added.
pub fn lake_verify(dir: &Path) -> Result<LakeVerify> {
    lake::verify(dir)
}

/// True when `path` is a folder holding a lake export's manifest.
pub fn is_lake_export(path: &Path) -> bool {
    path.is_dir() && path.join(lake::MANIFEST).is_file()
}

/// Builds a training set on Apache Spark from a lake export (see `lake::spark`).
pub fn trainset_on_spark(export: &Path, req: &SparkTrainsetRequest) -> Result<SparkTrainsetReport> {
    lake::spark::trainset(export, req)
}

/// The Spark SQL a training set compiles to over a lake export, as a script.
pub fn trainset_sql(export: &Path, spec: &str, origin: &str, join: JoinForm) -> Result<String> {
    lake::spark::emit_sql(export, spec, origin, join)
}

/// Builds the population of a stream type at an instant on Apache Spark from a lake export.
pub fn population_on_spark(
    export: &Path,
    q: &SparkPopulationRequest,
) -> Result<SparkPopulationReport> {
    lake::spark::population(export, q)
}

/// A case imported from JSON lines written in a test (one file, `events.jsonl`, in `dir`).
#[cfg(test)]
pub(crate) fn case_of_lines(dir: &Path, lines: &[String]) -> Case {
    let file = dir.join("events.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let case = Case::open_or_create(&dir.join("c.casefile")).unwrap();
    case.import(&[file], &Default::default(), &NoProgress)
        .unwrap();
    case
}
