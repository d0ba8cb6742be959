//! The `casefile` command line: parse, call the facade, print (readable text, or with `--json` the
//! facade's DTO as one JSON document). Progress goes to stderr. Exit 0 ok, 1 failed, 2 bad input.
//!
//! Laid out like the desktop shell's `commands/`: one module per domain, each owning its commands'
//! arguments (`#[derive(clap::Args)]` structs) and their printing; `execute` only dispatches.
//! Shared arguments are in `args`, printing and shared text in `render`, long work in `jobs`.

use casefile::{Error, ErrorDto};
use clap::{Parser, Subcommand};

mod args;
mod bundle;
mod case;
mod decisions;
mod drift;
mod generate;
mod import;
mod jobs;
mod lake;
mod notes;
mod population;
mod render;
mod sql;
mod timeline;
mod trainset;

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
    /// The view to show the case in: auditor (every record as loaded) or operator (masked by the
    /// case's operator profile). Default: operator when the case has an operator profile.
    #[arg(long, global = true, value_enum)]
    view: Option<casefile::Viewer>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import event logs into a case (created if missing), with a chain of custody.
    Import(import::ImportArgs),
    /// Summarise a case: counts, time span, types, sources.
    Info(case::InfoArgs),
    /// List events, filtered.
    Events(timeline::EventsArgs),
    /// List quarantined rows with their reasons.
    Quarantine(import::QuarantineArgs),
    /// List integrity findings.
    Findings(import::FindingsArgs),
    /// Add a note to a case: a bookmark of an instant, a stream or an event. Notes are append-only;
    /// `--supersedes N` records an edit of note N.
    Note(notes::NoteArgs),
    /// The view a case opens in and its operator profile; or, with --operator-profile, set the
    /// profile (a redaction profile, TOML) that the operator view masks the case with.
    View(case::ViewArgs),
    /// List a case's notes, oldest first (replaced notes marked).
    Notes(notes::NotesArgs),
    /// Run read-only SQL over a case (no other file is reachable).
    Sql(sql::SqlArgs),
    /// The state of one stream at an instant.
    State(timeline::StateArgs),
    /// Every event of a stream with the state after it and what changed.
    History(timeline::HistoryArgs),
    /// What changed between two instants: in one stream, or across every stream of a type (--type).
    Diff(timeline::DiffArgs),
    /// The state of every stream of a type at an instant, as a table.
    Population(population::PopulationArgs),
    /// Event counts per time bucket (the scrubber's density strip).
    Timeline(timeline::TimelineArgs),
    /// Show the case's fold rules (projection rules and upcasters), or replace them from a TOML file.
    Rules(timeline::RulesArgs),
    /// Evidence gaps: streams whose history in the case starts with a summary of what came before
    /// (a compaction, a snapshot, a carried-forward balance) or past version 1. With --set, first
    /// stores the rules that say which event types are summaries (TOML).
    Gaps(timeline::GapsArgs),
    /// List the AI decisions in a case (detected, or configured with `decision-rules`).
    Decisions(decisions::DecisionsArgs),
    /// Explain one decision: what the model saw, what the system knew then, what was true, the model
    /// as deployed, the context documents as they were, and what happened afterwards.
    Explain(decisions::ExplainArgs),
    /// Every model version on record: when it went live and was replaced, its training cutoff,
    /// metrics, approvals and features, its decisions, the share of replays that reproduced, and
    /// decisions by a version that was not live or about a time before its training cutoff.
    Models(decisions::ModelsArgs),
    /// Decisions over time: per day, week or month (UTC) and model version, how many, by label,
    /// mean score, overrides, corrections, stale inputs and replays that did not reproduce, with
    /// the deployments in between.
    Rates(decisions::RatesArgs),
    /// Replay decisions through the case's replayers and compare with what was recorded. Exits 1 when
    /// a decision did not reproduce (mismatch, nondeterministic or failed); a counterfactual run
    /// (another version's replayer) exits 0 whatever changed.
    Replay(decisions::ReplayArgs),
    /// Compare two cohorts of decisions: which inputs and outputs drifted, by how much, with which
    /// test. A cohort is `key=value[,key=value]` over model, model_version, label, subject, from, to,
    /// stale, replay, actor, event_type and input.NAME.
    Drift(drift::DriftArgs),
    /// Build a point-in-time training set from a spec (TOML): each feature as it was known at the
    /// example time, the label from what came after, and a leakage audit; writes FILE (.parquet or
    /// .csv) and FILE.manifest.json.
    Trainset(trainset::TrainsetArgs),
    /// Write a case (or a bundle) as a lake export: Parquet laid out for Spark, Trino or Hive
    /// (events by date and stream bucket, decisions, state changelogs) under a manifest of hashes;
    /// or, with --verify DIR, check one.
    Export(lake::ExportArgs),
    /// List the case's replayers, or add / remove one. A replayer reads a decision request (JSON) on
    /// stdin and prints its answer (JSON) on stdout; it is run directly, never through a shell.
    Replayers(decisions::ReplayersArgs),
    /// Case bundles: export evidence as one signed, tamper-evident file; verify one offline.
    Bundle(bundle::BundleArgs),
    /// Investigator keys that sign bundles.
    Keys(bundle::KeysArgs),
    /// Show which events are decisions (TOML), or replace those rules from a file.
    DecisionRules(decisions::DecisionRulesArgs),
    /// Write generated event logs: the bundled samples, or one scenario at N events for benchmarks.
    Generate(generate::GenerateArgs),
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
            if let Some(hint) = e.hint() {
                eprintln!("  try: {}", hint.command());
            }
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

/// The view `--view` asked for (none: the case's default).
static REQUESTED_VIEW: std::sync::OnceLock<casefile::Viewer> = std::sync::OnceLock::new();

/// Opens a case in the view asked for.
pub(super) fn open(path: &std::path::Path) -> Result<casefile::Case, Error> {
    let mut case = casefile::Case::open(path)?;
    if let Some(v) = REQUESTED_VIEW.get() {
        case.set_viewer(*v)?;
    }
    Ok(case)
}

/// The view asked for with `--view`, if any.
pub(super) fn requested_view() -> Option<casefile::Viewer> {
    REQUESTED_VIEW.get().copied()
}

fn execute(cli: Cli) -> Result<Exit, Error> {
    let json = cli.json;
    if let Some(v) = cli.view {
        let _ = REQUESTED_VIEW.set(v);
    }
    if let Some(text) = &cli.memory_limit {
        casefile::set_memory_limit(Some(casefile::parse_memory_limit(text, "--memory-limit")?));
    }
    match cli.command {
        Command::Import(args) => import::run(json, args),
        Command::Info(args) => case::info(json, args),
        Command::View(args) => case::view(json, args),
        Command::Events(args) => timeline::events(json, args),
        Command::Quarantine(args) => import::quarantine(json, args),
        Command::Findings(args) => import::findings(json, args),
        Command::Note(args) => notes::add(json, args),
        Command::Notes(args) => notes::list(json, args),
        Command::Sql(args) => sql::run(json, args),
        Command::State(args) => timeline::state(json, args),
        Command::History(args) => timeline::history(json, args),
        Command::Diff(args) => timeline::diff(json, args),
        Command::Population(args) => population::run(json, args),
        Command::Timeline(args) => timeline::timeline(json, args),
        Command::Rules(args) => timeline::rules(json, args),
        Command::Gaps(args) => timeline::gaps(json, args),
        Command::Decisions(args) => decisions::list(json, args),
        Command::Explain(args) => decisions::explain(json, args),
        Command::Models(args) => decisions::models(json, args),
        Command::Rates(args) => decisions::rates(json, args),
        Command::Replay(args) => decisions::replay(json, args),
        Command::Drift(args) => drift::run(json, args),
        Command::Trainset(args) => trainset::run(json, args),
        Command::Export(args) => lake::run(json, args),
        Command::Replayers(args) => decisions::replayers(json, args),
        Command::Bundle(args) => bundle::run(json, args),
        Command::Keys(args) => bundle::keys(json, args),
        Command::DecisionRules(args) => decisions::rules(json, args),
        Command::Generate(args) => generate::run(json, args),
    }
}
