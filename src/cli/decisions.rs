//! `casefile decisions`, `explain`, `replay` and `replayers`: parse, call the facade, print.

use std::path::Path;

use casefile::{Case, DecisionQuery, Error, JobKind, ReplayRequest, Replayer};
use serde_json::Value;

use super::print;

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
            ..Default::default()
        }
    }
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
    let c = Case::open(case)?;
    super::jobs::run(JobKind::DecisionView, |job| c.build_decisions_job(job))?;
    Ok(c)
}

pub(super) fn list(json: bool, case: &Path, q: DecisionQuery) -> Result<(), Error> {
    let page = open_built(case)?.decisions(&q)?;
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
    Ok(())
}

pub(super) fn explain(json: bool, case: &Path, id: &str) -> Result<(), Error> {
    let x = open_built(case)?.explain(id)?;
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
    Ok(())
}

pub(super) fn replay(
    json: bool,
    case: &Path,
    req: ReplayRequest,
    show: usize,
) -> Result<super::Exit, Error> {
    let c = Case::open(case)?;
    let report = super::jobs::run(JobKind::Replay, |job| c.replay_job(&req, job))?;
    // Stopped by Ctrl-C, the replays that finished are kept and printed, and the status says so.
    let exit = if report.cancelled {
        super::Exit::Interrupted
    } else {
        super::Exit::checked(report.mode != "replay" || report.matched == report.replayed)
    };
    print(json, &report, |r| {
        let mut s = format!(
            "Replay run {} ({}): {} replayed, {} matched, {} mismatched, {} nondeterministic, {} failed{}\n",
            r.run_id,
            r.mode,
            r.replayed,
            r.matched,
            r.mismatched,
            r.nondeterministic,
            r.failed,
            if r.mode == "counterfactual" {
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
            .filter(|x| x.status != "match" || x.flipped)
            .collect();
        notable.sort_by_key(|x| !x.flipped);
        for x in notable.iter().take(show) {
            let status = if x.counterfactual && x.status == "mismatch" {
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

pub(super) fn replayers(
    json: bool,
    case: &Path,
    add: Option<Replayer>,
    remove: Option<String>,
) -> Result<(), Error> {
    let c = Case::open(case)?;
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
    Ok(())
}
