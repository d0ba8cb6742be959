//! The time machine on the command line: `events` (event pages), `state` (one stream as of an
//! instant), `history` (its steps and what each changed), `diff` (between two instants, of a stream
//! or a whole stream type), `timeline` (density buckets) and `rules` (the case's fold rules).

use std::path::PathBuf;

use casefile::{Error, EventQuery, JobKind, TimelineQuery};

use super::args::{time_arg, AsOfArgs, AxisArg};
use super::render::{changes_text, pretty, print, view_name};
use super::{jobs, Exit};

#[derive(clap::Args)]
pub(super) struct EventsArgs {
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
}

#[derive(clap::Args)]
pub(super) struct StateArgs {
    case: PathBuf,
    stream: String,
    /// The instant (RFC 3339).
    #[arg(long)]
    at: String,
    #[command(flatten)]
    asof: AsOfArgs,
}

#[derive(clap::Args)]
pub(super) struct HistoryArgs {
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
}

#[derive(clap::Args)]
pub(super) struct DiffArgs {
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
}

#[derive(clap::Args)]
pub(super) struct TimelineArgs {
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
}

#[derive(clap::Args)]
pub(super) struct RulesArgs {
    case: PathBuf,
    /// A TOML file of [[rule]] and [[upcaster]] entries to store in the case.
    #[arg(long)]
    set: Option<PathBuf>,
}

#[derive(clap::Args)]
pub(super) struct GapsArgs {
    case: PathBuf,
    /// One stream's gaps only.
    #[arg(long)]
    stream: Option<String>,
    /// A TOML file (`summaries = [regex, ...]`, `leading_versions = true|false`, `log_start =
    /// true|false`, `beginnings = [regex, ...]`) to store in the case.
    #[arg(long)]
    set: Option<PathBuf>,
}

pub(super) fn gaps(json: bool, args: GapsArgs) -> Result<Exit, Error> {
    let GapsArgs { case, stream, set } = args;
    let c = super::open(&case)?;
    if let Some(file) = set {
        let text = std::fs::read_to_string(&file).map_err(|e| Error::BadArgument {
            message: format!("Cannot read the rules file {}: {e}.", file.display()),
        })?;
        c.set_gap_rules(&text, &file.display().to_string())?;
    }
    let report = c.gaps(stream.as_deref())?;
    print(json, &report, |r| {
        let mut s = String::new();
        for g in &r.gaps {
            s += &format!("{}\n", g.message);
        }
        let listed = r.gaps.len() as i64;
        let total = r.summaries + r.leading_versions + r.log_starts;
        if total == 0 {
            s += "No evidence gaps: no stream starts with a summary, past version 1 or after a Kafka partition's log start.\n";
        } else {
            let streams = |n: i64| format!("{n} {}", if n == 1 { "stream" } else { "streams" });
            s += &format!(
                "{} start with a summary, {} past version 1, {} after a Kafka partition's log start{}\n",
                streams(r.summaries),
                r.leading_versions,
                r.log_starts,
                if listed < total {
                    format!(" ({listed} listed)")
                } else {
                    String::new()
                }
            );
        }
        s
    });
    Ok(Exit::Done)
}

pub(super) fn events(json: bool, args: EventsArgs) -> Result<Exit, Error> {
    let EventsArgs {
        case,
        stream,
        event_type,
        from,
        to,
        axis,
        limit,
        offset,
        after,
    } = args;
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
    let page = super::open(&case)?.events(&q)?;
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
    Ok(Exit::Done)
}

pub(super) fn state(json: bool, args: StateArgs) -> Result<Exit, Error> {
    let StateArgs {
        case,
        stream,
        at,
        asof,
    } = args;
    let at = casefile::parse_instant(&at)?;
    let st = super::open(&case)?.state(&stream, at, asof.into())?;
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
    Ok(Exit::Done)
}

pub(super) fn history(json: bool, args: HistoryArgs) -> Result<Exit, Error> {
    let HistoryArgs {
        case,
        stream,
        asof,
        after,
        limit,
    } = args;
    let c = super::open(&case)?;
    let h = c.history_page(&stream, asof.into(), after, limit)?;
    let gaps = c.gaps(Some(&stream))?.gaps;
    /// The history with where the case does not hold all of it.
    #[derive(serde::Serialize)]
    struct WithGaps<'a> {
        #[serde(flatten)]
        history: &'a casefile::History,
        evidence_gaps: &'a [casefile::EvidenceGap],
    }
    let shown = WithGaps {
        history: &h,
        evidence_gaps: &gaps,
    };
    print(json, &shown, |w| {
        let h = w.history;
        let mut s = String::new();
        for g in w.evidence_gaps {
            s += &format!("Evidence gap: {}\n", g.message);
        }
        s += &format!(
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
        if let Some(next) = &h.next {
            s += &format!("next page: --after {next}\n");
        }
        s
    });
    Ok(Exit::Done)
}

pub(super) fn diff(json: bool, args: DiffArgs) -> Result<Exit, Error> {
    let DiffArgs {
        case,
        stream,
        stream_type,
        from,
        to,
        asof,
        limit,
    } = args;
    let (from, to) = (
        casefile::parse_instant(&from)?,
        casefile::parse_instant(&to)?,
    );
    let c = super::open(&case)?;
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
            let d = c.population_diff(&stream_type, from, to, asof.into(), limit, &|_| {})?;
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
                message: "Name one stream, or give --type for every stream of a type (not both)."
                    .into(),
            })
        }
    }
    Ok(Exit::Done)
}

pub(super) fn timeline(json: bool, args: TimelineArgs) -> Result<Exit, Error> {
    let TimelineArgs {
        case,
        buckets,
        stream_type,
        event_type,
        actor,
        stream,
        from,
        to,
        axis,
    } = args;
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
    let t = super::open(&case)?.timeline(&q)?;
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
    Ok(Exit::Done)
}

pub(super) fn rules(json: bool, args: RulesArgs) -> Result<Exit, Error> {
    let RulesArgs { case, set } = args;
    let c = super::open(&case)?;
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
    Ok(Exit::Done)
}
