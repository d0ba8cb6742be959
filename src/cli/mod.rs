//! The `casefile` command line: parse, call the facade, print (readable text, or with `--json` the
//! facade's DTO as one JSON document). Progress goes to stderr. Exit 0 ok, 1 failed, 2 bad input.

use std::cell::RefCell;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use casefile::{
    AsOfQuery, Case, Error, ErrorDto, EventQuery, ImportOptions, ImportProgress, JobKind,
    PopulationQuery, ProgressSink, TimelineQuery, View,
};
use clap::{Parser, Subcommand, ValueEnum};

mod bundle;
mod decisions;
mod drift;
mod jobs;
mod lake;
mod trainset;
use drift::DriftArgs;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

#[derive(Parser)]
#[command(
    name = "casefile",
    version,
    about = "Casefile: a forensic workbench for AI decisions recorded in event logs"
)]
struct Cli {
    /// Print one JSON document on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// How much memory the embedded engine may use (4GB, 512MB, 50%); past it, work spills to
    /// disk beside the case. Default: CASEFILE_MEMORY_LIMIT, or half of this machine's memory.
    #[arg(long, global = true, value_name = "SIZE")]
    memory_limit: Option<String>,
    #[command(subcommand)]
    command: Command,
}

/// Where long analyses run: the embedded engine, or Apache Spark.
#[derive(clap::Args)]
pub(super) struct SparkArgs {
    /// Where to build: the embedded engine (duckdb) or Apache Spark through spark-submit (from a
    /// case, or a lake export folder).
    #[arg(long, value_enum, default_value = "duckdb")]
    engine: EngineArg,
    /// Spark's master: local[*], local[2], spark://host:7077, yarn, k8s://...
    #[arg(long, default_value = "local[*]")]
    master: String,
    /// How Spark finds a state at an example time: ASOF JOIN (Spark 4.3+), a join and
    /// row_number (any engine), or auto (ASOF where the cluster has it).
    #[arg(long, value_enum, default_value = "auto")]
    join: JoinArg,
    /// A Python with pyspark installed (its spark-submit is used).
    #[arg(long)]
    python: Option<PathBuf>,
    /// The spark-submit to use (default: on PATH, or beside --python's pyspark).
    #[arg(long)]
    spark_submit: Option<PathBuf>,
    /// A Spark setting KEY=VALUE (repeatable), e.g. spark.driver.memory=8g; a local run's
    /// driver gets 4g unless given.
    #[arg(long = "conf", value_name = "KEY=VALUE")]
    spark_conf: Vec<String>,
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum EngineArg {
    Duckdb,
    Spark,
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum JoinArg {
    Auto,
    Asof,
    Portable,
}

impl From<JoinArg> for casefile::JoinForm {
    fn from(j: JoinArg) -> Self {
        match j {
            JoinArg::Auto => casefile::JoinForm::Auto,
            JoinArg::Asof => casefile::JoinForm::Asof,
            JoinArg::Portable => casefile::JoinForm::Portable,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum AxisArg {
    Occurred,
    Recorded,
}

impl From<AxisArg> for casefile::Axis {
    fn from(a: AxisArg) -> Self {
        match a {
            AxisArg::Occurred => casefile::Axis::Occurred,
            AxisArg::Recorded => casefile::Axis::Recorded,
        }
    }
}

/// How an as-of question is asked on the command line.
#[derive(clap::Args, Clone, Copy)]
struct AsOfArgs {
    /// recorded: what the system knew; occurred: what was true in the world.
    #[arg(long, value_enum, default_value = "recorded")]
    axis: AxisArg,
    /// Show what the system believed at the time, mistakes included (corrections apply only from
    /// when they were recorded; skipped events apply).
    #[arg(long)]
    as_recorded: bool,
}

impl From<AsOfArgs> for AsOfQuery {
    fn from(a: AsOfArgs) -> Self {
        AsOfQuery {
            axis: a.axis.into(),
            view: if a.as_recorded {
                View::AsRecorded
            } else {
                View::AsCorrected
            },
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Import event logs into a case (created if missing), with a chain of custody.
    Import {
        case: PathBuf,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// jsonl, json, csv, parquet, sql, cloudevents, marten, axon, kcat, otlp, debezium, langsmith,
        /// langfuse or phoenix (detected when omitted).
        #[arg(long)]
        format: Option<String>,
        /// A TOML mapping file saying where each envelope field comes from.
        #[arg(long = "map")]
        map: Option<PathBuf>,
        /// The time (RFC 3339) given to events that carry none of their own; they are marked.
        #[arg(long = "default-time")]
        default_time: Option<String>,
        /// Show how the first records would be loaded (or why quarantined); load nothing.
        #[arg(long = "dry-run")]
        dry_run: bool,
    },
    /// Summarise a case: counts, time span, types, sources.
    Info { case: PathBuf },
    /// List events, filtered.
    Events {
        case: PathBuf,
        #[arg(long)]
        stream: Option<String>,
        #[arg(long = "type")]
        event_type: Option<String>,
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        /// The time axis --from/--to and the order use.
        #[arg(long, value_enum, default_value = "occurred")]
        axis: AxisArg,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// Start after this cursor (the `next` a page printed): as quick a million rows deep as at
        /// the start, where --offset reads past every row before.
        #[arg(long, conflicts_with = "offset")]
        after: Option<String>,
    },
    /// List quarantined rows with their reasons.
    Quarantine { case: PathBuf },
    /// List integrity findings.
    Findings { case: PathBuf },
    /// Add a note to a case: a bookmark of an instant, a stream or an event. Notes are append-only;
    /// `--supersedes N` records an edit of note N.
    Note {
        case: PathBuf,
        /// What you found.
        text: String,
        /// The instant the note is about (RFC 3339).
        #[arg(long)]
        at: Option<String>,
        /// The axis of `--at`.
        #[arg(long, value_enum, default_value = "recorded")]
        axis: AxisArg,
        #[arg(long)]
        stream: Option<String>,
        #[arg(long)]
        event: Option<String>,
        /// The note this one replaces.
        #[arg(long)]
        supersedes: Option<i64>,
    },
    /// List a case's notes, oldest first (replaced notes marked).
    Notes { case: PathBuf },
    /// Run read-only SQL over a case (no other file is reachable).
    Sql {
        case: PathBuf,
        query: String,
        #[arg(long, default_value_t = 10_000)]
        max_rows: usize,
    },
    /// The state of one stream at an instant.
    State {
        case: PathBuf,
        stream: String,
        /// The instant (RFC 3339).
        #[arg(long)]
        at: String,
        #[command(flatten)]
        asof: AsOfArgs,
    },
    /// Every event of a stream with the state after it and what changed.
    History {
        case: PathBuf,
        stream: String,
        #[command(flatten)]
        asof: AsOfArgs,
        /// Start after this many steps (the `next` a page printed).
        #[arg(long, default_value_t = 0)]
        after: usize,
        /// At most this many steps (all by default).
        #[arg(long)]
        limit: Option<usize>,
    },
    /// What changed between two instants: in one stream, or across every stream of a type (--type).
    Diff {
        case: PathBuf,
        /// The stream; leave it out and give --type for the whole population.
        stream: Option<String>,
        #[arg(long = "type")]
        stream_type: Option<String>,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[command(flatten)]
        asof: AsOfArgs,
        /// Changed streams listed in a population diff.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// The state of every stream of a type at an instant, as a table.
    Population {
        case: PathBuf,
        /// The stream type (see `casefile info`).
        #[arg(long = "type")]
        stream_type: String,
        #[arg(long)]
        at: String,
        #[command(flatten)]
        asof: AsOfArgs,
        /// Write the table to a file: .parquet, .csv or .json (with --engine spark, a folder that
        /// gets population.parquet).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Keep the table in the case as `population`, for `casefile sql`.
        #[arg(long)]
        save: bool,
        /// Rows shown.
        #[arg(long, default_value_t = 20)]
        preview: usize,
        #[command(flatten)]
        spark: SparkArgs,
    },
    /// Event counts per time bucket (the scrubber's density strip).
    Timeline {
        case: PathBuf,
        #[arg(long, default_value_t = 100)]
        buckets: usize,
        /// Only streams of this type.
        #[arg(long = "type")]
        stream_type: Option<String>,
        #[arg(long)]
        event_type: Option<String>,
        #[arg(long)]
        actor: Option<String>,
        #[arg(long)]
        stream: Option<String>,
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        #[arg(long, value_enum, default_value = "recorded")]
        axis: AxisArg,
    },
    /// Show the case's fold rules (projection rules and upcasters), or replace them from a TOML file.
    Rules {
        case: PathBuf,
        /// A TOML file of [[rule]] and [[upcaster]] entries to store in the case.
        #[arg(long)]
        set: Option<PathBuf>,
    },
    /// List the AI decisions in a case (detected, or configured with `decision-rules`).
    Decisions {
        case: PathBuf,
        #[command(flatten)]
        filter: decisions::DecisionFilter,
        #[arg(long, default_value_t = 1_000)]
        limit: usize,
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// Start after this cursor (the `next` a page printed) instead of at --offset.
        #[arg(long, conflicts_with = "offset")]
        after: Option<String>,
    },
    /// Explain one decision: what the model saw, what the system knew then, what was true, the model
    /// as deployed, the context documents as they were, and what happened afterwards.
    Explain { case: PathBuf, decision_id: String },
    /// Replay decisions through the case's replayers and compare with what was recorded. Exits 1 when
    /// a decision did not reproduce (mismatch, nondeterministic or failed); a counterfactual run
    /// (another version's replayer) exits 0 whatever changed.
    Replay {
        case: PathBuf,
        /// A decision id (repeatable).
        #[arg(long = "decision")]
        decisions: Vec<String>,
        #[command(flatten)]
        filter: decisions::DecisionFilter,
        /// Use this replayer for every decision (a counterfactual when its version differs).
        #[arg(long)]
        replayer: Option<String>,
        /// Run each decision N times; differing answers are `nondeterministic`.
        #[arg(long, default_value_t = 1)]
        repeat: u32,
        /// Result rows shown as text (all are in --json and stored in the case).
        #[arg(long, default_value_t = 20)]
        show: usize,
    },
    /// Compare two cohorts of decisions: which inputs and outputs drifted, by how much, with which
    /// test. A cohort is `key=value[,key=value]` over model, model_version, label, subject, from, to,
    /// stale, replay, actor, event_type and input.NAME.
    Drift {
        case: PathBuf,
        /// The reference cohort.
        #[arg(long)]
        a: String,
        /// The cohort compared with it.
        #[arg(long)]
        b: String,
        /// Input features to compare (comma-separated; all when omitted).
        #[arg(long, value_delimiter = ',')]
        features: Vec<String>,
        /// A column's test instead of the default: COLUMN=ks|chi2|wasserstein|psi|jensenshannon
        /// (repeatable).
        #[arg(long = "test")]
        tests: Vec<String>,
        /// A column's threshold instead of the test's default: COLUMN=VALUE (repeatable).
        #[arg(long = "threshold")]
        thresholds: Vec<String>,
        /// Also compare inside each value of this column (an input, label, model or
        /// model_version), the 20 largest segments.
        #[arg(long)]
        segment_by: Option<String>,
        /// Also write the report as a self-contained HTML file.
        #[arg(long)]
        html: Option<PathBuf>,
    },
    /// Build a point-in-time training set from a spec (TOML): each feature as it was known at the
    /// example time, the label from what came after, and a leakage audit; writes FILE (.parquet or
    /// .csv) and FILE.manifest.json.
    Trainset {
        /// A case, or (with --engine spark) a lake export folder.
        case: PathBuf,
        #[arg(long, required_unless_present = "starter")]
        spec: Option<PathBuf>,
        /// The file to write (.parquet or .csv); with --engine spark, a folder (it gets
        /// trainset.parquet and its manifest).
        #[arg(long, required_unless_present_any = ["starter", "emit_sql"])]
        out: Option<PathBuf>,
        /// Print a starter spec for this case (its decisions, their entities' fields, a guessed
        /// label) to edit, instead of building.
        #[arg(long, conflicts_with_all = ["spec", "out"])]
        starter: bool,
        #[command(flatten)]
        spark: SparkArgs,
        /// Print the Spark SQL the spec compiles to, for running in a notebook, instead of running it.
        #[arg(long)]
        emit_sql: bool,
    },
    /// Write a case (or a bundle) as a lake export: Parquet laid out for Spark, Trino or Hive
    /// (events by date and stream bucket, decisions, state changelogs) under a manifest of hashes;
    /// or, with --verify DIR, check one.
    Export {
        /// The case or bundle to export (not with --verify).
        #[arg(required_unless_present = "verify")]
        case: Option<PathBuf>,
        /// The folder to write (new or empty).
        #[arg(required_unless_present = "verify")]
        dir: Option<PathBuf>,
        /// Check the export in this folder against its manifest.
        #[arg(long, conflicts_with_all = ["case", "dir"])]
        verify: Option<PathBuf>,
    },
    /// List the case's replayers, or add / remove one. A replayer reads a decision request (JSON) on
    /// stdin and prints its answer (JSON) on stdout; it is run directly, never through a shell.
    Replayers {
        case: PathBuf,
        /// Add (or replace) a replayer with this name; the program and its arguments follow `--`.
        #[arg(long)]
        add: Option<String>,
        /// Remove the replayer with this name.
        #[arg(long)]
        remove: Option<String>,
        #[arg(long)]
        model: Option<String>,
        #[arg(long)]
        model_version: Option<String>,
        #[arg(long, default_value_t = 10_000)]
        timeout_ms: u64,
        /// Numbers within this absolute difference count as equal.
        #[arg(long, default_value_t = 0.0)]
        tolerance: f64,
        #[arg(long, default_value_t = 2)]
        concurrency: usize,
        /// Output fields to compare (comma-separated; all when omitted).
        #[arg(long, value_delimiter = ',')]
        compare: Vec<String>,
        /// The program and its arguments.
        #[arg(last = true)]
        program: Vec<String>,
    },
    /// Case bundles: export evidence as one signed, tamper-evident file; verify one offline.
    Bundle {
        #[command(subcommand)]
        what: bundle::BundleCommand,
    },
    /// Investigator keys that sign bundles.
    Keys {
        #[command(subcommand)]
        what: bundle::KeysCommand,
    },
    /// Show which events are decisions (TOML), or replace those rules from a file.
    DecisionRules {
        case: PathBuf,
        #[arg(long)]
        set: Option<PathBuf>,
    },
    /// Write generated event logs: the bundled samples, or one scenario at N events for benchmarks.
    Generate {
        #[command(subcommand)]
        what: GenerateCommand,
    },
}

#[derive(Subcommand)]
enum GenerateCommand {
    /// Write the bundled sample files into a folder (deterministic).
    Samples { out: PathBuf },
    /// Write one scenario with N events (deterministic from --seed): `lending` (applicants'
    /// histories and decisions, JSON lines), `lending-quirks` (the same with late corrections and
    /// retractions, events recorded before they occur, ties at one instant, and loan outcomes),
    /// `drift` (decisions with 20 inputs, two model versions,
    /// planted shifts in the second half) or `marten-dump` (a Marten store as a pg_dump file).
    Events {
        out: PathBuf,
        #[arg(long, default_value = "lending")]
        scenario: String,
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
        #[arg(long, default_value_t = 100_000)]
        streams: u64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// This many busy streams (the first applicants) among the others (lending scenarios).
        #[arg(long, default_value_t = 0)]
        hot_streams: u64,
        /// The share of all events the hot streams take between them, in percent.
        #[arg(long, default_value_t = 10)]
        hot_share: u64,
    },
}

/// How a command that printed its answer ends: the process's exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Exit {
    Done,
    /// A check that did not hold (a replay that did not reproduce, a bundle or export that does
    /// not verify): the answer says why, and the status is 1.
    CheckFailed,
    /// Ctrl-C stopped the job, and what it had done is printed (a replay's kept verdicts): 130.
    Interrupted,
}

impl Exit {
    fn code(self) -> i32 {
        match self {
            Exit::Done => 0,
            Exit::CheckFailed => 1,
            Exit::Interrupted => jobs::INTERRUPTED,
        }
    }

    /// `CheckFailed` unless `held`.
    pub(super) fn checked(held: bool) -> Exit {
        if held {
            Exit::Done
        } else {
            Exit::CheckFailed
        }
    }
}

pub fn run() -> i32 {
    let cli = Cli::parse();
    let json = cli.json;
    match execute(cli) {
        Ok(exit) => exit.code(),
        Err(e) => {
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({ "error": ErrorDto::from(&e) })
                    )
                    .unwrap_or_default()
                );
            }
            eprintln!("error[{}]: {e}", e.code());
            if matches!(e, Error::JobCancelled { .. }) {
                jobs::INTERRUPTED
            } else if e.is_user_error() {
                2
            } else {
                1
            }
        }
    }
}

fn print<T: Serialize>(json: bool, value: &T, text: impl FnOnce(&T) -> String) {
    use std::io::Write;
    let out = if json {
        serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
    } else {
        text(value)
    };
    let mut stdout = std::io::stdout().lock();
    // A reader that stops early (`| head`) closes the pipe: that is not an error worth a panic.
    if let Err(e) = stdout
        .write_all(out.as_bytes())
        .and_then(|_| stdout.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("casefile: cannot write the output: {e}");
            std::process::exit(1);
        }
    }
}

/// Shows a progress bar on stderr once an import has run for a second.
struct BarSink<'a> {
    started: Instant,
    bar: RefCell<Option<ProgressBar>>,
    /// The import's job: Ctrl-C cancels it, which stops the file being read.
    job: &'a casefile::Job,
}

impl ProgressSink for BarSink<'_> {
    fn keep_going(&self) -> bool {
        !self.job.is_cancelled()
    }

    fn progress(&self, p: &ImportProgress) {
        if self.started.elapsed() < Duration::from_secs(1) {
            return;
        }
        let mut slot = self.bar.borrow_mut();
        let bar = slot.get_or_insert_with(|| {
            let b = ProgressBar::new(p.bytes_total.max(1));
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} {msg:12} [{bar:30}] {bytes}/{total_bytes} {elapsed}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            b.enable_steady_tick(Duration::from_millis(200));
            b
        });
        bar.set_length(p.bytes_total.max(1));
        if p.phase == "reading" {
            bar.set_position(p.bytes_done);
            bar.set_message(format!("reading {} rows", p.rows));
        } else {
            bar.set_position(p.bytes_total);
            bar.set_message(p.phase.to_string());
        }
    }
}

impl Drop for BarSink<'_> {
    fn drop(&mut self) {
        if let Some(b) = self.bar.borrow_mut().take() {
            b.finish_and_clear();
        }
    }
}

fn view_name(v: View) -> &'static str {
    match v {
        View::AsCorrected => "as corrected",
        View::AsRecorded => "as recorded",
    }
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn changes_text(changes: &[casefile::Change]) -> String {
    changes
        .iter()
        .map(|c| match c.op {
            "add" => format!("    + {} = {}\n", c.path, c.new),
            "remove" => format!("    - {} (was {})\n", c.path, c.old),
            _ => format!("    ~ {}: {} -> {}\n", c.path, c.old, c.new),
        })
        .collect()
}

/// A dry run of one file in words: how it is read, what would be quarantined, the first rows.
fn dry_run_text(p: &casefile::SourcePreview) -> String {
    let mut s = format!(
        "{}\n  format {} ({})\n  the first {} records: {} would load, {} would be quarantined\n",
        p.path,
        p.format,
        p.detected_by,
        p.sampled_rows,
        p.sampled_rows - p.would_quarantine,
        p.would_quarantine
    );
    for r in &p.reasons {
        s += &format!("    {} x {}\n", r.rows, r.reason);
    }
    for t in &p.times_placed {
        s += &format!(
            "  {} would take a time not their own: {}\n",
            t.rows, t.reason
        );
    }
    let cut = |v: &str, n: usize| -> String {
        if v.chars().count() > n {
            format!("{}...", v.chars().take(n - 3).collect::<String>())
        } else {
            v.to_string()
        }
    };
    s += &format!(
        "  {:>5}  {:<24} {:<24} {:<27} {:<27} {}\n",
        "row", "stream", "type", "occurred", "recorded", "payload / quarantined because"
    );
    for r in &p.rows {
        let tail = match &r.quarantined {
            Some(why) => format!("QUARANTINED: {why}"),
            None => cut(&r.payload.to_string(), 60),
        };
        s += &format!(
            "  {:>5}  {:<24} {:<24} {:<27} {:<27} {}\n",
            r.row,
            cut(r.stream_id.as_deref().unwrap_or("-"), 24),
            cut(r.event_type.as_deref().unwrap_or("-"), 24),
            r.occurred_at.as_deref().unwrap_or("-"),
            r.recorded_at.as_deref().unwrap_or("-"),
            tail
        );
    }
    s
}

fn time_arg(v: &Option<String>) -> Result<Option<i64>, Error> {
    v.as_deref().map(casefile::parse_instant).transpose()
}

fn execute(cli: Cli) -> Result<Exit, Error> {
    let json = cli.json;
    let mut exit = Exit::Done;
    if let Some(text) = &cli.memory_limit {
        casefile::set_memory_limit(Some(casefile::parse_memory_limit(text, "--memory-limit")?));
    }
    match cli.command {
        Command::Import {
            case,
            files,
            format,
            map,
            default_time,
            dry_run,
        } => {
            let opts = ImportOptions {
                format,
                mapping: map,
                mapping_toml: None,
                default_time,
            };
            if dry_run {
                let answer = Case::dry_run(&case, &files, &opts)?;
                print(json, &answer, |a| {
                    let mut parts: Vec<String> = a.files.iter().map(dry_run_text).collect();
                    for f in &a.folders {
                        let mut t = format!(
                            "folder {}: {} files found, {} previewed\n",
                            f.path,
                            f.files_found,
                            f.files.len()
                        );
                        for st in &f.stream_tables {
                            t += &format!("  stream table {} ({} streams)\n", st.path, st.streams);
                        }
                        for n in &f.not_imported {
                            t +=
                                &format!("  not imported: {} [{}] {}\n", n.path, n.code, n.message);
                        }
                        parts.push(t);
                        parts.extend(f.files.iter().map(|x| dry_run_text(&x.preview)));
                    }
                    parts.join("\n")
                });
                return Ok(Exit::Done);
            }
            let c = Case::open_or_create(&case)?;
            let report = jobs::run(JobKind::Import, |job| {
                let sink = BarSink {
                    started: Instant::now(),
                    bar: RefCell::new(None),
                    job,
                };
                c.import_watched(&files, &opts, &sink, job)
            })?;
            print(json, &report, |r| {
                let mut s = String::new();
                for src in &r.sources {
                    s += &format!(
                        "{}\n  sha256 {}\n  format {} ({}), compression {}\n  {}\n",
                        src.path,
                        src.sha256,
                        src.format,
                        src.detected_by,
                        src.compression,
                        src.message
                    );
                    if !src.already_imported {
                        s += &format!(
                            "  rows read {} = loaded {} + quarantined {} + duplicates {}\n",
                            src.rows_read, src.rows_loaded, src.rows_quarantined, src.duplicates
                        );
                    }
                }
                for f in &r.folders {
                    s += &format!(
                        "folder {}
  {}
",
                        f.path, f.message
                    );
                    for n in &f.not_imported {
                        s += &format!("  not imported: {} [{}] {}\n", n.path, n.code, n.message);
                    }
                }
                if !r.findings.is_empty() {
                    s += &format!("{} integrity findings:\n", r.findings_total);
                    for f in r.findings.iter().take(20) {
                        s += &format!("  [{}] {}\n", f.kind, f.message);
                    }
                    if r.findings_total > 20 {
                        s += &format!(
                            "  ... and {} more (casefile findings {})\n",
                            r.findings_total - 20,
                            case.display()
                        );
                    }
                }
                s
            });
        }
        Command::Info { case } => {
            let info = Case::open(&case)?.info()?;
            print(json, &info, |i| {
                let mut s = format!(
                    "{}{}\n  {} events in {} streams, occurred {} .. {}\n  {} rows quarantined\n",
                    i.path,
                    if i.bundle.is_some() {
                        " (a case bundle, opened read-only)"
                    } else {
                        ""
                    },
                    i.events,
                    i.streams,
                    i.first_at.as_deref().unwrap_or("-"),
                    i.last_at.as_deref().unwrap_or("-"),
                    i.quarantined
                );
                s += "  stream types:";
                for (k, v) in &i.stream_types {
                    s += &format!(" {k} ({v})");
                }
                s += "\n  event types:";
                for (k, v) in &i.event_types {
                    s += &format!(" {k} ({v})");
                }
                s += "\n  findings:";
                if i.findings.is_empty() {
                    s += " none";
                }
                for (k, v) in &i.findings {
                    s += &format!(" {k} ({v})");
                }
                s += "\n  sources:\n";
                for src in &i.sources {
                    s += &format!(
                        "    #{} {} {} sha256 {} read {} loaded {} quarantined {} duplicates {} (imported {} by {})\n",
                        src.source_id,
                        src.file_name,
                        src.format,
                        src.sha256,
                        src.rows_read,
                        src.rows_loaded,
                        src.rows_quarantined,
                        src.duplicates,
                        src.imported_at,
                        src.imported_by
                    );
                }
                s
            });
        }
        Command::Events {
            case,
            stream,
            event_type,
            from,
            to,
            axis,
            limit,
            offset,
            after,
        } => {
            let q = EventQuery {
                stream,
                event_type,
                from: time_arg(&from)?,
                to: time_arg(&to)?,
                axis: axis.into(),
                limit,
                offset,
                after,
            };
            let page = Case::open(&case)?.events(&q)?;
            print(json, &page, |p| {
                let mut s = String::new();
                for e in &p.events {
                    s += &format!(
                        "{:>8} {} {} {} {} {}\n",
                        e.seq,
                        e.occurred_at,
                        e.stream_id,
                        e.event_type,
                        e.event_id,
                        serde_json::to_string(&e.payload).unwrap_or_default()
                    );
                }
                s += &format!("({} of {} events)\n", p.events.len(), p.total);
                if let Some(next) = &p.next {
                    s += &format!("next page: --after {next}\n");
                }
                s
            });
        }
        Command::Quarantine { case } => {
            let q = Case::open(&case)?.quarantine()?;
            print(json, &q, |q| {
                let mut s = String::new();
                for r in &q.rows {
                    s += &format!("{}:{}: {}\n    {}\n", r.source, r.row, r.reason, r.raw);
                }
                s += &format!("({} rows quarantined)\n", q.rows.len());
                s
            });
        }
        Command::Findings { case } => {
            let c = Case::open(&case)?;
            // Stale decision inputs are findings too: read the decisions first when they changed.
            jobs::run(JobKind::DecisionView, |job| c.build_decisions_job(job))?;
            let f = c.findings()?;
            let doc = serde_json::json!({ "findings": f });
            print(json, &doc, |_| {
                let mut s = String::new();
                for x in &f {
                    s += &format!("[{}] {}\n", x.kind, x.message);
                }
                s += &format!("({} findings)\n", f.len());
                s
            });
        }
        Command::Note {
            case,
            text,
            at,
            axis,
            stream,
            event,
            supersedes,
        } => {
            let at = at.as_deref().map(casefile::parse_instant).transpose()?;
            let note = Case::open(&case)?.add_note(&casefile::NewNote {
                body: text,
                at,
                axis: Some(axis.into()),
                stream_id: stream,
                event_id: event,
                supersedes,
            })?;
            print(json, &note, |n| format!("note {} added\n", n.note_id));
        }
        Command::Notes { case } => {
            let notes = Case::open(&case)?.notes()?;
            let doc = serde_json::json!({ "notes": notes });
            print(json, &doc, |_| {
                let mut s = String::new();
                for n in &notes {
                    let anchor = [
                        n.at.clone(),
                        n.stream_id.clone(),
                        n.event_id.clone().map(|e| format!("event {e}")),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", ");
                    let replaced = n
                        .superseded_by
                        .map(|b| format!(" (replaced by note {b})"))
                        .unwrap_or_default();
                    s += &format!(
                        "#{} {} {} [{}]{}\n    {}\n",
                        n.note_id, n.created_at, n.author, anchor, replaced, n.body
                    );
                }
                s += &format!("({} notes)\n", notes.len());
                s
            });
        }
        Command::Sql {
            case,
            query,
            max_rows,
        } => {
            let r = casefile::run_sql(&case, &query, max_rows)?;
            print(json, &r, |r| {
                let mut s = r.columns.join("\t") + "\n";
                for row in &r.rows {
                    let cells: Vec<String> = row
                        .iter()
                        .map(|v| match v {
                            serde_json::Value::String(t) => t.clone(),
                            serde_json::Value::Null => "NULL".into(),
                            other => other.to_string(),
                        })
                        .collect();
                    s += &(cells.join("\t") + "\n");
                }
                if r.truncated {
                    s += "(truncated)\n";
                }
                s
            });
        }
        Command::State {
            case,
            stream,
            at,
            asof,
        } => {
            let at = casefile::parse_instant(&at)?;
            let st = Case::open(&case)?.state(&stream, at, asof.into())?;
            print(json, &st, |st| {
                let mut s = format!(
                    "{} at {} ({} axis, {}): {} of {} events applied, last {}, version {}\n",
                    st.stream_id,
                    st.at,
                    casefile::Axis::name(st.axis),
                    view_name(st.view),
                    st.events_applied,
                    st.events_seen,
                    st.last_event_id.as_deref().unwrap_or("-"),
                    st.version.map_or("-".into(), |v| v.to_string()),
                );
                if st.exists {
                    s += &pretty(&st.state);
                } else if st.events_seen == 0 {
                    s += "(the stream has no events yet at this instant)";
                } else {
                    s += "(the entity was deleted)";
                }
                s + "\n"
            });
        }
        Command::History {
            case,
            stream,
            asof,
            after,
            limit,
        } => {
            let h = Case::open(&case)?.history_page(&stream, asof.into(), after, limit)?;
            print(json, &h, |h| {
                let mut s = format!(
                    "{} ({} axis, {}), {} events{}\n",
                    h.stream_id,
                    casefile::Axis::name(h.axis),
                    view_name(h.view),
                    h.total_steps,
                    if h.steps.len() < h.total_steps {
                        format!(
                            ", steps {} to {} shown",
                            h.first_step + 1,
                            h.first_step + h.steps.len()
                        )
                    } else {
                        String::new()
                    }
                );
                for step in &h.steps {
                    s += &format!(
                        "{} {} {}{}\n",
                        step.at,
                        step.event.event_type,
                        step.event.event_id,
                        if step.applied { "" } else { " (no effect)" }
                    );
                    for note in &step.notes {
                        s += &format!("    note: {note}\n");
                    }
                    s += &changes_text(&step.diff);
                }
                if let Some(next) = h.next {
                    s += &format!("next page: --after {next}\n");
                }
                s
            });
        }
        Command::Diff {
            case,
            stream,
            stream_type,
            from,
            to,
            asof,
            limit,
        } => {
            let (from, to) = (
                casefile::parse_instant(&from)?,
                casefile::parse_instant(&to)?,
            );
            let c = Case::open(&case)?;
            match (stream, stream_type) {
                (Some(stream), None) => {
                    let d = c.diff(&stream, from, to, asof.into())?;
                    print(json, &d, |d| {
                        format!(
                            "{} from {} to {} ({} axis, {}): {} events, {} changes\n{}",
                            d.stream_id,
                            d.from,
                            d.to,
                            casefile::Axis::name(d.axis),
                            view_name(d.view),
                            d.events.len(),
                            d.diff.len(),
                            changes_text(&d.diff)
                        )
                    });
                }
                (None, Some(stream_type)) => {
                    jobs::run(JobKind::Snapshots, |job| c.build_time_machine(job))?;
                    let d =
                        c.population_diff(&stream_type, from, to, asof.into(), limit, &|_| {})?;
                    print(json, &d, |d| {
                        let mut s = format!(
                            "{} streams from {} to {} ({} axis, {}): {} added, {} removed, {} changed, {} unchanged\n",
                            d.stream_type,
                            d.from,
                            d.to,
                            casefile::Axis::name(d.axis),
                            view_name(d.view),
                            d.added,
                            d.removed,
                            d.changed,
                            d.unchanged
                        );
                        for (field, n) in &d.fields {
                            s += &format!("  {field}: changed in {n} streams\n");
                        }
                        for st in &d.streams {
                            s += &format!(
                                "{} ({})\n{}",
                                st.stream_id,
                                st.change,
                                changes_text(&st.diff)
                            );
                        }
                        s
                    });
                }
                _ => {
                    return Err(Error::BadArgument {
                        message:
                            "Name one stream, or give --type for every stream of a type (not both)."
                                .into(),
                    })
                }
            }
        }
        Command::Timeline {
            case,
            buckets,
            stream_type,
            event_type,
            actor,
            stream,
            from,
            to,
            axis,
        } => {
            let q = TimelineQuery {
                buckets,
                axis: axis.into(),
                stream_type,
                event_type,
                actor,
                stream,
                from: time_arg(&from)?,
                to: time_arg(&to)?,
            };
            let t = Case::open(&case)?.timeline(&q)?;
            print(json, &t, |t| {
                let peak = t.buckets.iter().map(|b| b.count).max().unwrap_or(0).max(1);
                let mut s = format!(
                    "{} events, {} buckets ({} axis)\n",
                    t.total,
                    t.buckets.len(),
                    casefile::Axis::name(t.axis)
                );
                for b in &t.buckets {
                    let bar = (b.count * 40 / peak) as usize;
                    s += &format!("{} {:>9} {}\n", b.start, b.count, "#".repeat(bar));
                }
                s
            });
        }
        Command::Population {
            case,
            stream_type,
            at,
            asof,
            out,
            save,
            preview,
            spark,
        } => {
            let at = casefile::parse_instant(&at)?;
            let asof: AsOfQuery = asof.into();
            if matches!(spark.engine, EngineArg::Spark) {
                let out = out.ok_or_else(|| Error::BadArgument {
                    message:
                        "--engine spark writes the population to a folder: give it with --out DIR."
                            .into(),
                })?;
                let q = casefile::SparkPopulationRequest {
                    stream_type,
                    at,
                    axis: asof.axis,
                    view: asof.view,
                    out,
                    master: spark.master,
                    python: spark.python,
                    spark_submit: spark.spark_submit,
                    conf: spark.spark_conf,
                    preview_rows: preview,
                };
                return trainset::population_spark(json, &case, q).map(|_| Exit::Done);
            }
            let q = PopulationQuery {
                stream_type,
                at,
                axis: asof.axis,
                view: asof.view,
                out,
                save,
                preview_rows: preview,
            };
            let c = Case::open(&case)?;
            jobs::run(JobKind::Snapshots, |job| c.build_time_machine(job))?;
            let p = c.population(&q, &|_| {})?;
            print(json, &p, |p| {
                let mut s = format!(
                    "{} {} streams at {} ({} axis, {})\n",
                    p.rows,
                    p.stream_type,
                    p.at,
                    casefile::Axis::name(p.axis),
                    view_name(p.view)
                );
                s += &p.preview.columns.join("\t");
                s.push('\n');
                for row in &p.preview.rows {
                    let cells: Vec<String> = row
                        .iter()
                        .map(|v| match v {
                            serde_json::Value::String(t) => t.clone(),
                            other => other.to_string(),
                        })
                        .collect();
                    s += &cells.join("\t");
                    s.push('\n');
                }
                if let Some(out) = &p.out {
                    s += &format!("written to {out}\n");
                }
                if p.saved {
                    s += "kept in the case as table `population`\n";
                }
                s
            });
        }
        Command::Rules { case, set } => {
            let c = Case::open(&case)?;
            let rules = match set {
                Some(file) => {
                    let text = std::fs::read_to_string(&file).map_err(|e| Error::BadArgument {
                        message: format!("Cannot read the rules file {}: {e}.", file.display()),
                    })?;
                    c.set_fold_rules(&text, &file.display().to_string())?
                }
                None => c.fold_rules()?,
            };
            print(json, &rules, |r| {
                if r.rules.is_empty() && r.upcasters.is_empty() {
                    "No fold rules: every event merges its payload into the state.\n".into()
                } else {
                    r.to_toml()
                }
            });
        }
        Command::Decisions {
            case,
            filter,
            limit,
            offset,
            after,
        } => decisions::list(
            json,
            &case,
            casefile::DecisionQuery {
                limit: Some(limit),
                offset: Some(offset),
                after,
                ..filter.into()
            },
        )?,
        Command::Explain { case, decision_id } => decisions::explain(json, &case, &decision_id)?,
        Command::Drift {
            case,
            a,
            b,
            features,
            tests,
            thresholds,
            segment_by,
            html,
        } => drift::run(
            json,
            &case,
            DriftArgs {
                a,
                b,
                features,
                tests,
                thresholds,
                segment_by,
                html,
            },
        )?,
        Command::Bundle { what } => exit = bundle::run(json, what)?,
        Command::Keys { what } => bundle::keys(json, what)?,
        Command::Trainset {
            case,
            spec,
            out,
            starter,
            spark,
            emit_sql,
        } => match (spec, out) {
            (Some(spec), _) if emit_sql => trainset::emit_sql(&case, &spec, spark.join.into())?,
            (Some(spec), Some(out)) if !starter && matches!(spark.engine, EngineArg::Spark) => {
                let SparkArgs {
                    master,
                    join,
                    python,
                    spark_submit,
                    spark_conf,
                    ..
                } = spark;
                trainset::run_spark(
                    json,
                    &case,
                    &spec,
                    casefile::SparkTrainsetRequest {
                        spec: String::new(),
                        origin: String::new(),
                        out,
                        master,
                        join: join.into(),
                        python,
                        spark_submit,
                        conf: spark_conf,
                        preview_rows: 10,
                    },
                )?
            }
            (Some(spec), Some(out)) if !starter => trainset::run(json, &case, &spec, out)?,
            _ => trainset::starter(json, &case)?,
        },
        Command::Export { case, dir, verify } => match (verify, case, dir) {
            (Some(dir), _, _) => exit = Exit::checked(lake::verify(json, &dir)?),
            (None, Some(case), Some(dir)) => lake::export(json, &case, &dir)?,
            _ => unreachable!("clap requires CASE and DIR without --verify"),
        },
        Command::Replay {
            case,
            decisions: ids,
            filter,
            replayer,
            repeat,
            show,
        } => {
            exit = decisions::replay(
                json,
                &case,
                casefile::ReplayRequest {
                    decisions: ids,
                    query: filter.into(),
                    replayer,
                    repeat: Some(repeat),
                },
                show,
            )?
        }
        Command::Replayers {
            case,
            add,
            remove,
            model,
            model_version,
            timeout_ms,
            tolerance,
            concurrency,
            compare,
            program,
        } => decisions::replayers(
            json,
            &case,
            add.map(|name| casefile::Replayer {
                name,
                model,
                model_version,
                command: program.first().cloned().unwrap_or_default(),
                args: program.iter().skip(1).cloned().collect(),
                timeout_ms,
                tolerance,
                concurrency,
                compare,
            }),
            remove,
        )?,
        Command::DecisionRules { case, set } => {
            let c = Case::open(&case)?;
            let rules = match set {
                Some(file) => {
                    let text = std::fs::read_to_string(&file).map_err(|e| Error::BadArgument {
                        message: format!(
                            "Cannot read the decision rules file {}: {e}.",
                            file.display()
                        ),
                    })?;
                    c.set_decision_rules(&text, &file.display().to_string())?
                }
                None => c.decision_rules()?,
            };
            print(json, &rules, |r| r.to_toml());
        }
        Command::Generate { what } => match what {
            GenerateCommand::Samples { out } => {
                let written = casefile::generate::write_samples(&out)?;
                let doc = serde_json::json!({ "files": written });
                print(json, &doc, |_| {
                    written
                        .iter()
                        .map(|w| format!("{}\n", w.display()))
                        .collect()
                });
            }
            GenerateCommand::Events {
                out,
                scenario,
                events,
                streams,
                seed,
                hot_streams,
                hot_share,
            } => {
                let n = casefile::generate::write_bench_with_hot(
                    &out,
                    &scenario,
                    events,
                    streams,
                    seed,
                    casefile::generate::HotStreams {
                        streams: hot_streams,
                        share_percent: hot_share,
                    },
                )?;
                let doc = serde_json::json!({ "path": out, "events": n });
                print(json, &doc, |_| {
                    format!("wrote {n} events to {}\n", out.display())
                });
            }
        },
    }
    Ok(exit)
}
