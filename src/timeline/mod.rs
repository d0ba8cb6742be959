//! The time machine: the state of any stream at any instant, on either time axis, in either view of
//! corrections; its history with field-level diffs; the difference between two instants; and event
//! counts over time (the data behind the scrubber's density strip).
//!
//! The fold itself is pure (`fold`); stored states (`snapshots`) turn an as-of into a lookup and make
//! the population as-of (`population`) one SQL pass. This module loads a stream's events from the
//! case, keeps the case's fold rules (`rules`, stored in `case_meta`), caches what an open case has
//! already checked, and shapes the answers the facade returns.

pub mod fold;
pub mod gaps;
pub mod known;
pub mod population;
pub mod rules;
pub mod snapshots;

use std::collections::HashSet;

use duckdb::Connection;
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::rows::{event_row, EVENT_COLUMNS};
use crate::model::Axis;
use crate::model::{format_micros, Event, Micros};
use fold::{Change, FoldEvent, View};
use rules::FoldRules;

const RULES_KEY: &str = "fold_rules";

/// The case's fold rules (none: every event merges its payload).
pub fn load_rules(conn: &Connection) -> Result<FoldRules> {
    match crate::store::meta::get(conn, RULES_KEY) {
        Some(t) => FoldRules::parse(&t, "the case"),
        None => Ok(FoldRules::default()),
    }
}

/// Checks and stores fold rules in the case, replacing any before.
pub fn save_rules(conn: &Connection, text: &str, origin: &str) -> Result<FoldRules> {
    let rules = FoldRules::parse(text, origin)?;
    crate::store::meta::set(conn, RULES_KEY, &rules.to_toml())?;
    Ok(rules)
}

/// What an open case remembers between time-machine questions. Every write through the same `Case`
/// (import, new rules) clears it; DuckDB's file lock keeps other processes from writing meanwhile.
#[derive(Default)]
pub struct MachineCache {
    rules: Option<FoldRules>,
    snapshots_current: Option<bool>,
    index: Option<snapshots::SnapshotIndex>,
}

impl MachineCache {
    pub fn clear(&mut self) {
        *self = MachineCache::default();
    }

    pub fn rules(&mut self, conn: &Connection) -> Result<&FoldRules> {
        if self.rules.is_none() {
            self.rules = Some(load_rules(conn)?);
        }
        Ok(self.rules.as_ref().expect("loaded above"))
    }

    /// True when the stored snapshots were built from the case as it is now.
    pub fn snapshots_current(&mut self, conn: &Connection) -> Result<bool> {
        if let Some(c) = self.snapshots_current {
            return Ok(c);
        }
        let want = snapshots::current_key(conn, self.rules(conn)?)?;
        let current = snapshots::built_key(conn)?.as_deref() == Some(want.as_str());
        self.snapshots_current = Some(current);
        Ok(current)
    }

    /// Builds the snapshots when they are missing or stale; true when it built them.
    pub fn ensure_snapshots(
        &mut self,
        conn: &Connection,
        progress: &dyn Fn(&snapshots::BuildProgress),
    ) -> Result<bool> {
        if self.snapshots_current(conn)? {
            return Ok(false);
        }
        self.rebuild(conn, snapshots::SnapshotPolicy::default(), progress)?;
        Ok(true)
    }

    /// Rebuilds the snapshots with `policy`, whether or not they were current.
    pub fn rebuild(
        &mut self,
        conn: &Connection,
        policy: snapshots::SnapshotPolicy,
        progress: &dyn Fn(&snapshots::BuildProgress),
    ) -> Result<()> {
        let rules = self.rules(conn)?.clone();
        snapshots::rebuild(conn, &rules, policy, progress)?;
        self.snapshots_current = Some(true);
        self.index = None;
        Ok(())
    }

    /// Builds the snapshots if needed and loads the in-memory index of where each stream's sit.
    /// Loads the stored snapshots' index when they are current, and builds nothing: what an app does
    /// right after opening a case so that the first scrub is as quick as the rest. True when loaded.
    pub fn warm_if_current(&mut self, conn: &Connection) -> Result<bool> {
        if !self.snapshots_current(conn)? {
            return Ok(false);
        }
        if self.index.is_none() {
            self.index = Some(snapshots::SnapshotIndex::load(conn)?);
        }
        Ok(true)
    }

    pub fn warm(
        &mut self,
        conn: &Connection,
        progress: &dyn Fn(&snapshots::BuildProgress),
    ) -> Result<usize> {
        self.ensure_snapshots(conn, progress)?;
        if self.index.is_none() {
            self.index = Some(snapshots::SnapshotIndex::load(conn)?);
        }
        Ok(self.index.as_ref().map_or(0, |i| i.streams()))
    }
}

/// A stream's events as stored, and as the fold reads them.
pub struct LoadedStream {
    pub events: Vec<Event>,
    pub fold_events: Vec<FoldEvent>,
    /// Events of other streams that this stream's corrections point at.
    pub known_elsewhere: HashSet<String>,
}

/// Loads every event of one stream (an unknown stream is an error).
pub fn load_stream(conn: &Connection, stream: &str) -> Result<LoadedStream> {
    // Cached: an as-of is asked many times a second while the scrubber moves.
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS}, epoch_us(occurred_at), epoch_us(recorded_at), {} FROM events WHERE stream_id = ? ORDER BY seq",
        snapshots::SKIPPED_SQL
    ))?;
    let rows = stmt.query_map([stream], |r| {
        let e = event_row(r)?;
        let occurred: i64 = r.get(20)?;
        let recorded: i64 = r.get(21)?;
        let skipped: bool = r.get(22)?;
        Ok((e, occurred, recorded, skipped))
    })?;
    let mut events = Vec::new();
    let mut fold_events = Vec::new();
    for row in rows {
        let (e, occurred, recorded, skipped) = row?;
        fold_events.push(FoldEvent {
            seq: e.seq,
            event_id: e.event_id.clone(),
            event_type: e.event_type.clone(),
            schema_version: e.schema_version,
            stream_version: e.stream_version,
            occurred,
            recorded,
            corrects: e.corrects.clone(),
            skipped,
            payload: e.payload.clone().into(),
        });
        events.push(e);
    }
    if events.is_empty() {
        return Err(Error::UnknownStream {
            stream: stream.to_string(),
        });
    }
    let known_elsewhere = known_elsewhere_of(conn, &fold_events)?;
    Ok(LoadedStream {
        events,
        fold_events,
        known_elsewhere,
    })
}

/// The events of other streams that `events`' corrections point at and that exist in the case.
fn known_elsewhere_of(conn: &Connection, events: &[FoldEvent]) -> Result<HashSet<String>> {
    let own: HashSet<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
    let outside: HashSet<&str> = events
        .iter()
        .filter_map(|e| e.corrects.as_deref())
        .filter(|t| !own.contains(t))
        .collect();
    let mut known_elsewhere = HashSet::new();
    for target in outside {
        let found: i64 = conn
            .prepare_cached("SELECT count(*) FROM events WHERE event_id = ?")?
            .query_row([target], |r| r.get(0))?;
        if found > 0 {
            known_elsewhere.insert(target.to_string());
        }
    }
    Ok(known_elsewhere)
}

/// How an as-of question is asked.
#[derive(Debug, Clone, Copy, Default)]
pub struct AsOfQuery {
    pub axis: Axis,
    pub view: View,
}

/// The state of one stream at one instant.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct StreamState {
    pub stream_id: String,
    pub at: String,
    pub axis: Axis,
    pub view: View,
    /// The highest stream_version among the events up to `at` (their count when the stream has none).
    pub version: Option<i64>,
    pub last_event_id: Option<String>,
    /// Events whose effect is in the state.
    pub events_applied: usize,
    /// Events up to `at`, applied or not (corrections, skipped events).
    pub events_seen: usize,
    /// False before the entity's first event and after it was deleted.
    pub exists: bool,
    /// The state (an empty object when the entity does not exist).
    pub state: Value,
}

/// The state of one stream at `at`: a stored snapshot when they are current, else a fold of the
/// stream's events (the same fold the snapshots were made with).
impl StreamState {
    fn from_fold(stream: &str, at: Micros, q: AsOfQuery, r: fold::AsOf) -> StreamState {
        StreamState {
            stream_id: stream.to_string(),
            at: format_micros(at),
            axis: q.axis,
            view: q.view,
            version: r.version,
            last_event_id: r.last_event_id,
            events_applied: r.events_applied,
            events_seen: r.events_seen,
            exists: r.state.is_some(),
            state: r.state.unwrap_or_else(|| Value::Object(Default::default())),
        }
    }
}

/// The state at `at` by folding the stream's events, never from stored snapshots (for checks).
pub fn folded_state(
    conn: &Connection,
    stream: &str,
    at: Micros,
    q: AsOfQuery,
) -> Result<StreamState> {
    let rules = load_rules(conn)?;
    Ok(StreamState::from_fold(
        stream,
        at,
        q,
        fold_state(conn, &rules, stream, at, q)?,
    ))
}

pub fn state(
    conn: &Connection,
    cache: &mut MachineCache,
    stream: &str,
    at: Micros,
    q: AsOfQuery,
) -> Result<StreamState> {
    let answer = |r: fold::AsOf| StreamState::from_fold(stream, at, q, r);
    if cache.snapshots_current(conn)? {
        cache.rules(conn)?;
        let rules = cache.rules.as_ref().expect("loaded above");
        let stored = snapshots::lookup(
            conn,
            cache.index.as_ref(),
            stream,
            at,
            q.view,
            q.axis,
            rules,
        )?
        .ok_or_else(|| Error::UnknownStream {
            stream: stream.to_string(),
        })?;
        return Ok(answer(fold::AsOf {
            state: stored.state,
            events_seen: stored.events_seen,
            events_applied: stored.events_applied,
            last_event_id: stored.last_event_id,
            version: stored.version,
        }));
    }
    let rules = cache.rules(conn)?;
    Ok(answer(fold_state(conn, rules, stream, at, q)?))
}

/// The state at `at` by folding the stream's events, without stored snapshots.
pub fn fold_state(
    conn: &Connection,
    rules: &FoldRules,
    stream: &str,
    at: Micros,
    q: AsOfQuery,
) -> Result<fold::AsOf> {
    let s = load_stream(conn, stream)?;
    let steps = fold::plan(&s.fold_events, q.axis, q.view, rules, &s.known_elsewhere);
    Ok(fold::as_of(&s.fold_events, &steps, q.axis, at, rules))
}

/// How many streams of a type exist at `at`, by folding every one of them from its events: the
/// naive population, for checks and benchmarks against the stored snapshots.
pub fn population_by_fold(
    conn: &Connection,
    rules: &FoldRules,
    stream_type: &str,
    at: Micros,
    q: AsOfQuery,
) -> Result<u64> {
    let known = snapshots::correction_targets(conn)?;
    let mut existing = 0;
    snapshots::for_each_stream(
        conn,
        &format!("stream_type = {}", crate::store::sql::lit(stream_type)),
        &mut |_, _, events| {
            let steps = fold::plan(events, q.axis, q.view, rules, &known);
            if fold::as_of(events, &steps, q.axis, at, rules)
                .state
                .is_some()
            {
                existing += 1;
            }
            Ok(())
        },
    )?;
    Ok(existing)
}

/// A payload rewritten by upcasters.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Upcast {
    pub from_schema: i64,
    pub to_schema: i64,
    pub payload: Value,
}

/// One event of a history, with the state after it and what it changed.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct HistoryStep {
    /// The event as recorded (raw payload).
    pub event: Event,
    /// The event's time on the history's axis.
    pub at: String,
    /// True when the event's effect was applied (false for corrections folded into their target,
    /// retracted and skipped events in the as-corrected view).
    pub applied: bool,
    /// Present when upcasters rewrote the payload before it was applied.
    pub upcast: Option<Upcast>,
    /// The payload that took effect, when it differs from the raw one (upcast or corrected).
    pub effective_payload: Option<Value>,
    pub notes: Vec<String>,
    pub exists: bool,
    pub state: Value,
    pub diff: Vec<Change>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct History {
    pub stream_id: String,
    pub axis: Axis,
    pub view: View,
    /// Steps in the stream's whole history; `steps` holds those from `first_step` on (a page).
    #[ts(type = "number")]
    pub total_steps: usize,
    #[ts(type = "number")]
    pub first_step: usize,
    pub steps: Vec<HistoryStep>,
    /// Where the next page starts (`after`), when there are steps past this page.
    #[ts(type = "number | null")]
    pub next: Option<usize>,
}

/// A stream's whole history.
pub fn history(conn: &Connection, stream: &str, q: AsOfQuery) -> Result<History> {
    history_page(conn, stream, q, 0, None, false)
}

/// The steps of a stream's history after the first `after`, at most `limit`. A stream of a
/// million events is never read whole: its events are read without payloads (but for
/// corrections', which amend others) to plan the order, the state before the page comes from the
/// stored snapshot at or before it when `stored` (the snapshots are current) and the steps from
/// there, and only those steps' events are read whole.
pub fn history_page(
    conn: &Connection,
    stream: &str,
    q: AsOfQuery,
    after: usize,
    limit: Option<usize>,
    stored: bool,
) -> Result<History> {
    let rules = load_rules(conn)?;
    let events = snapshots::light_events(conn, stream)?;
    if events.is_empty() {
        return Err(Error::UnknownStream {
            stream: stream.to_string(),
        });
    }
    let known_elsewhere = known_elsewhere_of(conn, &events)?;
    let mut corrections = fold::Corrections::new(&events, &known_elsewhere);
    for i in 0..events.len() {
        corrections.add(i);
    }
    // The plan's order (`fold::plan`'s): by the axis time, then seq.
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by_key(|&i| (events[i].time(q.axis), events[i].seq));
    let total_steps = order.len();
    let first = after.min(total_steps);
    let end = limit.map_or(total_steps, |n| after.saturating_add(n).min(total_steps));
    let (from, mut state) = if stored && first > 0 {
        snapshots::stored_at_or_before(conn, stream, q.view, q.axis, first)?
    } else {
        (0, None)
    };
    let mut out = Vec::with_capacity(end - first);
    let time = match q.axis {
        Axis::Recorded => "recorded_at",
        Axis::Occurred => "occurred_at",
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE stream_id = ?
         ORDER BY epoch_us({time}), seq LIMIT ? OFFSET ?"
    ))?;
    let rows = stmt.query_map(
        duckdb::params![stream, (end - from.min(end)) as i64, from as i64],
        event_row,
    )?;
    for (number, row) in (from..end).zip(rows) {
        let e = row?;
        let i = order[number];
        let fe = &events[i];
        if fe.seq != e.seq {
            return Err(Error::Query {
                cause: format!(
                    "history of {stream}: the events read in a different order the second time; the case changed meanwhile"
                ),
            });
        }
        let step = corrections.step_with(i, &e.payload, q.view, &rules);
        if number < first {
            // Before the page: only the state matters.
            if let Some(effect) = &step.effect {
                fold::apply(&mut state, &step.effect_type, effect, &rules);
            }
            continue;
        }
        let before = state.clone();
        let mut notes = step.notes.clone();
        if let Some(effect) = &step.effect {
            notes.extend(fold::apply(&mut state, &step.effect_type, effect, &rules));
        }
        let upcast = step.upcast.map(|(from, to)| Upcast {
            from_schema: from,
            to_schema: to,
            payload: fold::upcast(&rules, &fe.event_type, fe.schema_version, &e.payload).0,
        });
        out.push(HistoryStep {
            at: format_micros(fe.time(q.axis)),
            applied: step.effect.is_some(),
            effective_payload: step.effect.clone().filter(|p| *p != e.payload),
            upcast,
            notes,
            exists: state.is_some(),
            state: state
                .clone()
                .unwrap_or_else(|| Value::Object(Default::default())),
            diff: fold::diff(&before, &state),
            event: e,
        });
    }
    if out.len() != end - first {
        return Err(Error::Query {
            cause: format!(
                "history of {stream}: {} of {} steps read; the case changed meanwhile",
                out.len(),
                end - first
            ),
        });
    }
    Ok(History {
        stream_id: stream.to_string(),
        axis: q.axis,
        view: q.view,
        total_steps,
        first_step: first,
        steps: out,
        next: (end < total_steps).then_some(end),
    })
}

/// What changed in one stream between two instants.
#[derive(Debug, Clone, Serialize)]
pub struct StreamDiff {
    pub stream_id: String,
    pub from: String,
    pub to: String,
    pub axis: Axis,
    pub view: View,
    pub before: Value,
    pub after: Value,
    pub diff: Vec<Change>,
    /// Events with axis time in (from, to], in axis order.
    pub events: Vec<String>,
}

pub fn diff(
    conn: &Connection,
    stream: &str,
    from: Micros,
    to: Micros,
    q: AsOfQuery,
) -> Result<StreamDiff> {
    if to < from {
        return Err(Error::BadArgument {
            message: format!(
                "--to ({}) is before --from ({}); give the earlier instant first.",
                format_micros(to),
                format_micros(from)
            ),
        });
    }
    let rules = load_rules(conn)?;
    let s = load_stream(conn, stream)?;
    let steps = fold::plan(&s.fold_events, q.axis, q.view, &rules, &s.known_elsewhere);
    let a = fold::as_of(&s.fold_events, &steps, q.axis, from, &rules);
    let b = fold::as_of(&s.fold_events, &steps, q.axis, to, &rules);
    let events = steps
        .iter()
        .map(|st| &s.fold_events[st.index])
        .filter(|e| e.time(q.axis) > from && e.time(q.axis) <= to)
        .map(|e| e.event_id.clone())
        .collect();
    let empty = || Value::Object(Default::default());
    Ok(StreamDiff {
        stream_id: stream.to_string(),
        from: format_micros(from),
        to: format_micros(to),
        axis: q.axis,
        view: q.view,
        diff: fold::diff(&a.state, &b.state),
        before: a.state.unwrap_or_else(empty),
        after: b.state.unwrap_or_else(empty),
        events,
    })
}

/// Which events a timeline counts.
#[derive(Debug, Clone, Default)]
pub struct TimelineQuery {
    pub buckets: usize,
    pub axis: Axis,
    pub stream_type: Option<String>,
    pub event_type: Option<String>,
    pub actor: Option<String>,
    pub stream: Option<String>,
    pub from: Option<Micros>,
    pub to: Option<Micros>,
}

#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct Bucket {
    pub start: String,
    pub end: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Timeline {
    pub axis: Axis,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Where the bulk of the events lie (approximate 0.1% and 99.9% quantiles), when the span was
    /// not given: a few far-off times (a typo'd year) would otherwise squash everything else.
    pub usual_from: Option<String>,
    pub usual_to: Option<String>,
    /// Width of each bucket in microseconds.
    pub bucket_micros: i64,
    pub total: i64,
    pub buckets: Vec<Bucket>,
}

/// Event counts in equal time buckets over [from, to] (the filtered events' span by default).
pub fn timeline(conn: &Connection, q: &TimelineQuery) -> Result<Timeline> {
    if q.buckets == 0 || q.buckets > 100_000 {
        return Err(Error::BadArgument {
            message: format!(
                "--buckets must be between 1 and 100000 (got {}).",
                q.buckets
            ),
        });
    }
    let axis = q.axis.column();
    let mut clauses = Vec::new();
    let mut params: Vec<Box<dyn duckdb::ToSql>> = Vec::new();
    for (column, value) in [
        ("stream_type", &q.stream_type),
        ("event_type", &q.event_type),
        ("actor", &q.actor),
        ("stream_id", &q.stream),
    ] {
        if let Some(v) = value {
            clauses.push(format!("{column} = ?"));
            params.push(Box::new(v.clone()));
        }
    }
    let filter = |extra: &[String]| {
        let all: Vec<String> = clauses.iter().chain(extra.iter()).cloned().collect();
        if all.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", all.join(" AND "))
        }
    };
    let refs: Vec<&dyn duckdb::ToSql> = params.iter().map(|p| p.as_ref()).collect();
    let mut usual = (None, None);
    let (from, to) = match (q.from, q.to) {
        (Some(f), Some(t)) => (Some(f), Some(t)),
        (f, t) => {
            let (lo, hi, usual_lo, usual_hi): (Option<i64>, Option<i64>, Option<i64>, Option<i64>) =
                conn.query_row(
                    &format!(
                        "SELECT epoch_us(min({axis})), epoch_us(max({axis})),
                            approx_quantile(epoch_us({axis}), 0.001)::BIGINT,
                            approx_quantile(epoch_us({axis}), 0.999)::BIGINT
                         FROM events {}",
                        filter(&[])
                    ),
                    refs.as_slice(),
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )?;
            if q.from.is_none() && q.to.is_none() {
                usual = (usual_lo.map(format_micros), usual_hi.map(format_micros));
            }
            (f.or(lo), t.or(hi))
        }
    };
    let (Some(from), Some(to)) = (from, to) else {
        return Ok(Timeline {
            axis: q.axis,
            from: None,
            to: None,
            usual_from: None,
            usual_to: None,
            bucket_micros: 0,
            total: 0,
            buckets: Vec::new(),
        });
    };
    if to < from {
        return Err(Error::BadArgument {
            message: "--to is before --from; give the earlier instant first.".into(),
        });
    }
    let n = q.buckets as i64;
    // Buckets cover [from, to] inclusive: the last one ends just after `to`.
    let width = ((to - from) / n + 1).max(1);
    let range = [format!(
        "{axis} BETWEEN make_timestamp({from}) AND make_timestamp({to})"
    )];
    let sql = format!(
        "SELECT (epoch_us({axis}) - {from}) // {width} AS b, count(*) FROM events {} GROUP BY b",
        filter(&range)
    );
    let mut counts = vec![0i64; q.buckets];
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(refs.as_slice(), |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (b, c) = row?;
        counts[(b.clamp(0, n - 1)) as usize] += c;
    }
    let buckets = counts
        .iter()
        .enumerate()
        .map(|(i, &count)| Bucket {
            start: format_micros(from + width * i as i64),
            end: format_micros(from + width * (i as i64 + 1)),
            count,
        })
        .collect();
    Ok(Timeline {
        axis: q.axis,
        from: Some(format_micros(from)),
        to: Some(format_micros(to)),
        usual_from: usual.0,
        usual_to: usual.1,
        bucket_micros: width,
        total: counts.iter().sum(),
        buckets,
    })
}
