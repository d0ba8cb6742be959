//! `casefile decisions`, `explain`, `replay`, `replayers` and `decision-rules`: parse, call the
//! facade, print.

use std::path::{Path, PathBuf};

use casefile::{
    Case, DecisionQuery, Error, JobKind, Period, ReplayFilter, ReplayMode, ReplayRequest,
    ReplayStatus, Replayer,
};
use serde_json::Value;

use super::render::print;
use super::Exit;

/// The decision filters `decisions` and `replay` share.
#[derive(clap::Args, Debug)]
pub(super) struct DecisionFilter {
    #[arg(long)]
    model: Option<String>,
    #[arg(long)]
    model_version: Option<String>,
    /// Decided at or after (RFC 3339).
    #[arg(long)]
    from: Option<String>,
    /// Decided at or before (RFC 3339).
    #[arg(long)]
    to: Option<String>,
    /// Subject or decision id containing this text.
    #[arg(long)]
    subject: Option<String>,
    /// The output's label (approve, decline, ...).
    #[arg(long)]
    label: Option<String>,
    /// Only decisions whose recorded inputs differ from what the system knew then.
    #[arg(long)]
    stale: bool,
    /// By the latest replay verdict: none (never replayed), match, mismatch, failed or
    /// nondeterministic.
    #[arg(long, value_parser = replay_filter)]
    replay: Option<ReplayFilter>,
}

fn replay_filter(text: &str) -> Result<ReplayFilter, String> {
    ReplayFilter::parse(text).ok_or_else(|| {
        format!(
            "it is {}, not `{text}`",
            ReplayFilter::ALL.map(ReplayFilter::as_str).join(", ")
        )
    })
}

impl From<DecisionFilter> for DecisionQuery {
    fn from(f: DecisionFilter) -> Self {
        DecisionQuery {
            model: f.model,
            model_version: f.model_version,
            from: f.from,
            to: f.to,
            subject: f.subject,
            label: f.label,
            stale_only: f.stale,
            replay: f.replay,
            ..Default::default()
        }
    }
}

#[derive(clap::Args)]
pub(super) struct DecisionsArgs {
    case: PathBuf,
    #[command(flatten)]
    filter: DecisionFilter,
    #[arg(long, default_value_t = 1_000)]
    limit: usize,
    #[arg(long, default_value_t = 0)]
    offset: usize,
    /// Start after this cursor (the `next` a page printed) instead of at --offset.
    #[arg(long, conflicts_with = "offset")]
    after: Option<String>,
}

#[derive(clap::Args)]
pub(super) struct ExplainArgs {
    case: PathBuf,
    decision_id: String,
}

#[derive(clap::Args)]
pub(super) struct ModelsArgs {
    case: PathBuf,
}

#[derive(clap::Args)]
pub(super) struct RatesArgs {
    case: PathBuf,
    #[command(flatten)]
    filter: DecisionFilter,
    /// The width of a bucket: day, week (from Monday) or month, in UTC.
    #[arg(long, default_value = "week", value_parser = period)]
    by: Period,
}

fn period(text: &str) -> Result<Period, String> {
    Period::parse(text).ok_or_else(|| {
        format!(
            "it is {}, not `{text}`",
            Period::ALL.map(Period::as_str).join(", ")
        )
    })
}

#[derive(clap::Args)]
pub(super) struct ReplayArgs {
    case: PathBuf,
    /// A decision id (repeatable).
    #[arg(long = "decision")]
    decisions: Vec<String>,
    #[command(flatten)]
    filter: DecisionFilter,
    /// Use this replayer for every decision (a counterfactual when its version differs).
    #[arg(long)]
    replayer: Option<String>,
    /// Run each decision N times; differing answers are `nondeterministic`.
    #[arg(long, default_value_t = 1)]
    repeat: u32,
    /// Result rows shown as text (all are in --json and stored in the case).
    #[arg(long, default_value_t = 20)]
    show: usize,
}

#[derive(clap::Args)]
pub(super) struct ReplayersArgs {
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
}

#[derive(clap::Args)]
pub(super) struct DecisionRulesArgs {
    case: PathBuf,
    #[arg(long)]
    set: Option<PathBuf>,
}

fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 90 {
        format!("{}…", s.chars().take(90).collect::<String>())
    } else {
        s
    }
}

fn open_built(case: &Path) -> Result<Case, Error> {
    let c = super::open(case)?;
    super::jobs::run(JobKind::DecisionView, |job| c.build_decisions_job(job))?;
    Ok(c)
}

pub(super) fn list(json: bool, args: DecisionsArgs) -> Result<Exit, Error> {
    let DecisionsArgs {
        case,
        filter,
        limit,
        offset,
        after,
    } = args;
    let q = DecisionQuery {
        limit: Some(limit),
        offset: Some(offset),
        after,
        ..filter.into()
    };
    let page = open_built(&case)?.decisions(&q)?;
    print(json, &page, |p| {
        let mut s = String::new();
        for d in &p.decisions {
            s += &format!(
                "{}  {}  {}  {} {}  {}{}{}\n",
                d.decided_at,
                d.decision_id,
                d.subject_id,
                d.model.as_deref().unwrap_or("-"),
                d.model_version.as_deref().unwrap_or("-"),
                d.label
                    .clone()
                    .or(d.score.map(|x| x.to_string()))
                    .unwrap_or_else(|| short(&d.output)),
                if d.stale_inputs > 0 {
                    format!("  [{} stale input(s)]", d.stale_inputs)
                } else {
                    String::new()
                },
                if d.corrections > 0 {
                    "  [overridden]"
                } else {
                    ""
                }
            );
        }
        s += &format!("({} of {} decisions)\n", p.decisions.len(), p.total);
        if let Some(next) = &p.next {
            s += &format!("next page: --after {next}\n");
        }
        s
    });
    Ok(Exit::Done)
}

pub(super) fn models(json: bool, args: ModelsArgs) -> Result<Exit, Error> {
    let report = open_built(&args.case)?.models()?;
    print(json, &report, |r| {
        let mut s = String::new();
        for m in &r.models {
            s += &format!(
                "{} {}\n",
                m.model.as_deref().unwrap_or("(unnamed model)"),
                m.version
            );
            s += &match (&m.deployed_at, &m.replaced_at) {
                (Some(from), Some(to)) => format!(
                    "  live {from} until {to} (replaced by {})\n",
                    m.replaced_by.as_deref().unwrap_or("?")
                ),
                (Some(from), None) => format!("  live since {from}\n"),
                (None, _) => "  no deployment on record\n".to_string(),
            };
            if m.live.len() > 1 {
                s += &format!("  live {} times\n", m.live.len());
            }
            if let Some(c) = &m.training_cutoff {
                s += &format!("  training cutoff {c}\n");
            }
            if !m.metrics.is_empty() {
                let metrics: Vec<String> =
                    m.metrics.iter().map(|(k, v)| format!("{k} {v}")).collect();
                s += &format!("  metrics: {}\n", metrics.join(", "));
            }
            for (k, v) in &m.approvals {
                s += &format!("  {k}: {}\n", short(v));
            }
            if !m.features.is_empty() {
                s += &format!("  features: {}\n", m.features.join(", "));
            }
            s += &format!("  {} decisions", m.decisions);
            if let (Some(a), Some(b)) = (&m.first_decision_at, &m.last_decision_at) {
                s += &format!(" from {a} to {b}");
            }
            s += "\n";
            if m.replayed > 0 {
                s += &format!(
                    "  replays: {} of {} reproduced ({:.1}%)\n",
                    m.reproduced,
                    m.replayed,
                    100.0 * m.reproduced as f64 / m.replayed as f64
                );
            }
            if m.not_live > 0 {
                s += &format!("  {} decisions made while it was not live\n", m.not_live);
            }
            if m.before_cutoff > 0 {
                s += &format!(
                    "  {} decisions about a time before its training cutoff\n",
                    m.before_cutoff
                );
            }
        }
        if r.models.is_empty() {
            s += "No model deployments or model versions in this case.\n";
        }
        for f in &r.findings {
            s += &format!("{}: {}\n", f.kind, f.message);
        }
        let listed = r.findings.len() as i64;
        if r.not_live + r.before_cutoff > listed {
            s += &format!(
                "({listed} of {} findings listed; all are counted in --json)\n",
                r.not_live + r.before_cutoff
            );
        }
        s
    });
    Ok(Exit::Done)
}

pub(super) fn rates(json: bool, args: RatesArgs) -> Result<Exit, Error> {
    let RatesArgs { case, filter, by } = args;
    let report = open_built(&case)?.rates(&filter.into(), by)?;
    print(json, &report, |r| {
        let mut s = format!(
            "{:<12} {:<24} {:>9} {:<28} {:>10} {:>9} {:>11} {:>6} {:>14}\n",
            "from",
            "model version",
            "decisions",
            "labels",
            "mean score",
            "overrides",
            "corrections",
            "stale",
            "not reproduced"
        );
        let mut marks = r.deployments.iter().peekable();
        for b in &r.buckets {
            while let Some(d) = marks.next_if(|d| d.at < b.end) {
                s += &format!("  -- {} deployed {}\n", d.model_version, d.at);
            }
            let labels: Vec<String> = b.labels.iter().map(|(l, n)| format!("{l} {n}")).collect();
            s += &format!(
                "{:<12} {:<24} {:>9} {:<28} {:>10} {:>9} {:>11} {:>6} {:>14}\n",
                &b.start[..10.min(b.start.len())],
                format!(
                    "{} {}",
                    b.model.as_deref().unwrap_or("-"),
                    b.model_version.as_deref().unwrap_or("-")
                ),
                b.decisions,
                labels.join(", "),
                b.mean_score.map_or("-".to_string(), |m| format!("{m:.3}")),
                b.overrides,
                b.corrections,
                b.stale,
                b.replay_mismatches + b.replay_failures,
            );
        }
        for d in marks {
            s += &format!("  -- {} deployed {}\n", d.model_version, d.at);
        }
        if r.buckets.is_empty() {
            s += "No decisions match.\n";
        }
        s
    });
    Ok(Exit::Done)
}

pub(super) fn explain(json: bool, args: ExplainArgs) -> Result<Exit, Error> {
    let ExplainArgs { case, decision_id } = args;
    let x = open_built(&case)?.explain(&decision_id)?;
    print(json, &x, |x| {
        let d = &x.decision;
        let mut s = format!(
            "Decision {} ({} event {}) about {}\n  decided {} by {} {} (recorded {})\n  output: {}\n",
            d.decision_id,
            d.event_type,
            d.event_id,
            d.subject_id,
            d.decided_at,
            d.model.as_deref().unwrap_or("?"),
            d.model_version.as_deref().unwrap_or("?"),
            d.recorded_at,
            short(&d.output)
        );
        let m = &x.model;
        s += &format!(
            "\nModel: {} {}{}\n",
            m.model.as_deref().unwrap_or("?"),
            m.model_version.as_deref().unwrap_or("?"),
            match (&m.deployed_at, m.consistent) {
                (Some(at), true) => format!(", deployed {at} (live then)"),
                (Some(at), false) => format!(
                    ", deployed {at}; but the live version then was {}",
                    m.live_version.as_deref().unwrap_or("none")
                ),
                (None, _) if m.deployments_known == 0 => ", no deployment on record".into(),
                (None, _) => ", never deployed before the decision".into(),
            }
        );
        s += &format!(
            "\nInputs as the model saw them, against what the system knew at {}:\n",
            x.reconstructed.at
        );
        if let Value::Object(inputs) = &x.recorded_inputs {
            for (k, v) in inputs {
                let known = x.reconstructed_state.get(k);
                let mark = if x.discrepancies.iter().any(|d| &d.path == k) {
                    "  <- DIFFERS"
                } else {
                    ""
                };
                s += &format!(
                    "  {k:20} saw {:>14}   knew {:>14}{mark}\n",
                    short(v),
                    known.map(short).unwrap_or_else(|| "(no field)".into())
                );
            }
        } else {
            s += "  (no recorded inputs)\n";
        }
        for d in &x.discrepancies {
            s += &format!("  ! {}\n", d.message);
        }
        for h in &x.hindsight {
            s += &format!("  hindsight: {}\n", h.message);
        }
        if !x.context.is_empty() {
            s += "\nRetrieved context, as it was then:\n";
            for c in &x.context {
                s += &format!(
                    "  {} -> {} version {}{}\n",
                    c.id,
                    c.stream_id.as_deref().unwrap_or("(not in the case)"),
                    c.version_then.map(|v| v.to_string()).unwrap_or("-".into()),
                    if c.changed_since {
                        " (changed since)"
                    } else {
                        ""
                    }
                );
            }
        }
        if !x.causation.is_empty() {
            s += "\nCaused by:\n";
            for e in &x.causation {
                s += &format!(
                    "  {} {} {} ({})\n",
                    e.occurred_at,
                    e.event_type,
                    e.event_id,
                    e.actor.as_deref().unwrap_or("-")
                );
            }
        }
        s += &format!("\nAfterwards ({} events):\n", x.later_total);
        for l in &x.later_events {
            s += &format!(
                "  {} {:10} {} {} ({}){}\n",
                l.event.occurred_at,
                l.kind,
                l.event.event_type,
                l.event.event_id,
                l.event.actor.as_deref().unwrap_or("-"),
                l.event
                    .reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            );
        }
        s
    });
    Ok(Exit::Done)
}

pub(super) fn replay(json: bool, args: ReplayArgs) -> Result<Exit, Error> {
    let ReplayArgs {
        case,
        decisions: ids,
        filter,
        replayer,
        repeat,
        show,
    } = args;
    let req = ReplayRequest {
        decisions: ids,
        query: filter.into(),
        replayer,
        repeat: Some(repeat),
    };
    let c = super::open(&case)?;
    let report = super::jobs::run(JobKind::Replay, |job| c.replay_job(&req, job))?;
    // Stopped by Ctrl-C, the replays that finished are kept and printed, and the status says so.
    let exit = if report.cancelled {
        Exit::Interrupted
    } else {
        Exit::checked(report.mode != ReplayMode::Replay || report.matched == report.replayed)
    };
    print(json, &report, |r| {
        let mut s = format!(
            "Replay run {} ({}): {} replayed, {} matched, {} mismatched, {} nondeterministic, {} failed{}\n",
            r.run_id,
            r.mode.as_str(),
            r.replayed,
            r.matched,
            r.mismatched,
            r.nondeterministic,
            r.failed,
            if r.mode == ReplayMode::Counterfactual {
                format!(", {} would have flipped", r.flips)
            } else {
                String::new()
            }
        );
        for u in &r.replayers {
            s += &format!(
                "  replayer {}: {} {} (sha256 {})\n",
                u.name,
                u.command,
                u.args.join(" "),
                u.sha256
            );
        }
        let mut notable: Vec<_> = r
            .results
            .iter()
            .filter(|x| x.status != ReplayStatus::Match || x.flipped)
            .collect();
        notable.sort_by_key(|x| !x.flipped);
        for x in notable.iter().take(show) {
            let status = if x.counterfactual && x.status == ReplayStatus::Mismatch {
                "changed"
            } else {
                x.status.as_str()
            };
            s += &format!("  {:16} {:10}", status, x.decision_id);
            if let Some(e) = &x.error {
                s += &format!(" {e}");
            }
            for d in x.differences.iter().take(3) {
                s += &format!(
                    " {}: {} -> {};",
                    d.path,
                    short(&d.recorded),
                    short(&d.replayed)
                );
            }
            if x.flipped {
                s += " (flipped)";
            }
            s += "\n";
        }
        if notable.len() > show {
            s += &format!(
                "  ... and {} more (--json lists all)\n",
                notable.len() - show
            );
        }
        if r.findings > 0 {
            s += &format!(
                "{} determinism findings raised (casefile findings CASE)\n",
                r.findings
            );
        }
        s
    });
    Ok(exit)
}

pub(super) fn replayers(json: bool, args: ReplayersArgs) -> Result<Exit, Error> {
    let ReplayersArgs {
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
    } = args;
    let add = add.map(|name| Replayer {
        name,
        model,
        model_version,
        command: program.first().cloned().unwrap_or_default(),
        args: program.iter().skip(1).cloned().collect(),
        timeout_ms,
        tolerance,
        concurrency,
        compare,
    });
    let c = super::open(&case)?;
    if let Some(r) = add {
        if r.command.is_empty() {
            return Err(Error::BadArgument {
                message: "Name the replayer's program after `--`: `casefile replayers CASE --add NAME -- PROGRAM [ARGS...]`.".into(),
            });
        }
        c.add_replayer(r)?;
    }
    if let Some(name) = remove {
        c.remove_replayer(&name)?;
    }
    let list = c.replayers()?;
    let doc = serde_json::json!({ "replayers": list });
    print(json, &doc, |_| {
        if list.is_empty() {
            return "No replayers configured. Add one: casefile replayers CASE --add NAME --model M --model-version V -- PROGRAM [ARGS...]\n".into();
        }
        list.iter()
            .map(|r| {
                format!(
                    "{}: {} {} for {} {} (timeout {} ms, tolerance {}, {} at once)\n",
                    r.name,
                    r.command,
                    r.args.join(" "),
                    r.model.as_deref().unwrap_or("any model"),
                    r.model_version.as_deref().unwrap_or("any version"),
                    r.timeout_ms,
                    r.tolerance,
                    r.concurrency
                )
            })
            .collect()
    });
    Ok(Exit::Done)
}

pub(super) fn rules(json: bool, args: DecisionRulesArgs) -> Result<Exit, Error> {
    let DecisionRulesArgs { case, set } = args;
    let c = super::open(&case)?;
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
    Ok(Exit::Done)
}
