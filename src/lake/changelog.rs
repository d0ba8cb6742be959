//! State changelogs: for one stream, its state after each instant of a time axis, one row per
//! instant, so that "the state at T" is the row with the latest start at or before T: a single
//! inequality that any engine's ASOF join (or a join and `row_number`) answers.
//!
//! Five histories per stream, each the time machine's own fold (`timeline::fold`, so upcasters,
//! projection rules, corrections and skipped events mean what they mean everywhere else):
//!
//! - `recorded` and `occurred`, in both views (`as_corrected`, `as_recorded`): the fold of the events
//!   up to T on that axis, as the stored snapshots hold it (populations, states).
//! - `known` (as corrected): what the system knew at T, the training set's recorded axis. An event
//!   is known at T when it had occurred and been recorded by T: two inequalities, `occurred_at <= T`
//!   and `recorded_at <= T`, which are one: `max(occurred_at, recorded_at) <= T`. So the known
//!   history is keyed on that later time, and each row holds the fold (in recorded order, ties by
//!   `seq`) of exactly the events known then, with the corrections among them applied in place.
//!
//! The `as_corrected` histories on the `known` and `occurred` axes also carry, per path in the
//! state, when the value there was last set (the occurred time of the event that set it), which a
//! training set's time-to-live needs.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use crate::model::Axis;
use crate::model::Micros;
use crate::timeline::fold::{self, FoldEvent, View};
use crate::timeline::known;
use crate::timeline::rules::FoldRules;

/// Which history a row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum History {
    /// One axis, one view: the fold of the events up to T on that axis.
    Axis(Axis, View),
    /// As corrected, the events both occurred and recorded by T.
    Known,
}

impl History {
    pub const ALL: [History; 5] = [
        History::Known,
        History::Axis(Axis::Recorded, View::AsCorrected),
        History::Axis(Axis::Occurred, View::AsCorrected),
        History::Axis(Axis::Recorded, View::AsRecorded),
        History::Axis(Axis::Occurred, View::AsRecorded),
    ];

    /// The `view` column.
    pub fn view_name(self) -> &'static str {
        match self {
            History::Known | History::Axis(_, View::AsCorrected) => "as_corrected",
            History::Axis(_, View::AsRecorded) => "as_recorded",
        }
    }

    /// The `axis` column.
    pub fn axis_name(self) -> &'static str {
        match self {
            History::Known => "known",
            History::Axis(Axis::Recorded, _) => "recorded",
            History::Axis(Axis::Occurred, _) => "occurred",
        }
    }

    /// True when rows carry when each path was last set.
    fn tracks(self) -> bool {
        matches!(
            self,
            History::Known | History::Axis(Axis::Occurred, View::AsCorrected)
        )
    }
}

/// One row of a history: the state from `from` until the next row's `from`.
#[derive(Debug, Clone, PartialEq)]
pub struct StateRow {
    pub history: History,
    pub from: Micros,
    /// The next row's start; None for the last row.
    pub to: Option<Micros>,
    /// None before the entity exists and after it is deleted.
    pub state: Option<Value>,
    /// The last event of the history up to `from` (applied or not).
    pub last_event_id: Option<String>,
    /// That event's time on the history's axis (recorded time on the known axis).
    pub source_time: Option<Micros>,
    /// Per path with a value (dotted), when it was last set; only for tracking histories.
    pub set_times: Option<BTreeMap<String, Micros>>,
    pub events_seen: u64,
}

/// Every path (dotted, through objects) at which `state` has a non-null value. A key holding a dot
/// or empty cannot be named by a dotted path, so it and what is under it are left out.
fn paths_into<'v>(v: &'v Value, prefix: &str, out: &mut Vec<(String, &'v Value)>) {
    let Value::Object(map) = v else { return };
    for (k, child) in map {
        if k.is_empty() || k.contains('.') || k == "$" || child.is_null() {
            continue;
        }
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        paths_into(child, &path, out);
        out.push((path, child));
    }
}

/// A fold that notes, per path, when its value was last set: `Tracking` of the training set,
/// for every path at once.
#[derive(Default, Clone)]
struct Tracker {
    state: fold::State,
    set_times: BTreeMap<String, Micros>,
    last: Option<(String, Micros)>,
    seen: u64,
}

impl Tracker {
    fn step(
        &mut self,
        e: &FoldEvent,
        step: &fold::Step,
        axis_time: Micros,
        rules: &FoldRules,
        track: bool,
    ) {
        self.seen += 1;
        self.last = Some((e.event_id.clone(), axis_time));
        let Some(effect) = &step.effect else { return };
        if !track {
            fold::apply(&mut self.state, &step.effect_type, effect, rules);
            return;
        }
        let before = self.state.clone();
        fold::apply(&mut self.state, &step.effect_type, effect, rules);
        let mut after = Vec::new();
        if let Some(s) = &self.state {
            paths_into(s, "", &mut after);
        }
        let mut times = BTreeMap::new();
        for (path, value) in after {
            let was = before
                .as_ref()
                .and_then(|b| fold::get_path(b, &path))
                .filter(|v| !v.is_null());
            let set = was != Some(value) || fold::restates(rules, &step.effect_type, effect, &path);
            let time = if set {
                Some(e.occurred)
            } else {
                self.set_times.get(&path).copied()
            };
            if let Some(t) = time {
                times.insert(path, t);
            }
        }
        self.set_times = times;
    }

    fn row(&self, history: History, from: Micros) -> StateRow {
        StateRow {
            history,
            from,
            to: None,
            state: self.state.clone(),
            last_event_id: self.last.as_ref().map(|l| l.0.clone()),
            source_time: self.last.as_ref().map(|l| l.1),
            set_times: history.tracks().then(|| self.set_times.clone()),
            events_seen: self.seen,
        }
    }
}

/// Closes each row at the next row's start.
fn link(mut rows: Vec<StateRow>) -> Vec<StateRow> {
    for i in 1..rows.len() {
        let next = rows[i].from;
        rows[i - 1].to = Some(next);
    }
    rows
}

/// The history of one axis and view: a row per distinct axis time.
fn axis_history(
    events: &[FoldEvent],
    axis: Axis,
    view: View,
    rules: &FoldRules,
    known_elsewhere: &HashSet<String>,
) -> Vec<StateRow> {
    let history = History::Axis(axis, view);
    let steps = fold::plan(events, axis, view, rules, known_elsewhere);
    let mut t = Tracker::default();
    let mut rows = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let e = &events[step.index];
        let at = e.time(axis);
        t.step(e, step, at, rules, history.tracks());
        let next = steps.get(i + 1).map(|s| events[s.index].time(axis));
        if next != Some(at) {
            rows.push(t.row(history, at));
        }
    }
    link(rows)
}

/// The known history: at each instant k at which an event becomes known (the later of its two
/// times), the fold of the events known by k (`timeline::known`).
fn known_history(
    events: &[FoldEvent],
    rules: &FoldRules,
    known_elsewhere: &HashSet<String>,
) -> Vec<StateRow> {
    let mut instants: Vec<Micros> = events.iter().map(known::known_at).collect();
    instants.sort_unstable();
    instants.dedup();
    let mut rows = Vec::with_capacity(instants.len());
    known::fold_known(
        events,
        rules,
        known_elsewhere,
        instants,
        Tracker::default(),
        |t, step| {
            let e = &events[step.index];
            t.step(e, step, e.recorded, rules, true);
        },
        |k, t| rows.push(t.row(History::Known, k)),
    );
    link(rows)
}

/// Every history of one stream.
pub fn stream_histories(
    events: &[FoldEvent],
    rules: &FoldRules,
    known_elsewhere: &HashSet<String>,
) -> Vec<StateRow> {
    let mut rows = known_history(events, rules, known_elsewhere);
    for h in History::ALL {
        if let History::Axis(axis, view) = h {
            rows.extend(axis_history(events, axis, view, rules, known_elsewhere));
        }
    }
    rows
}

/// The row of `rows` (one history, by start) in force at `at`.
pub fn at(rows: &[StateRow], at: Micros) -> Option<&StateRow> {
    rows.iter().rev().find(|r| r.from <= at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(id: &str, occurred: i64, recorded: i64, payload: Value) -> FoldEvent {
        FoldEvent::plain(
            recorded * 10 + occurred,
            id,
            "Updated",
            (occurred, recorded),
            payload,
        )
    }

    /// The two-inequality definition, folded from scratch at `t`: the events with
    /// `occurred <= t` and `recorded <= t`, as corrected, in recorded order.
    fn known_by_definition(events: &[FoldEvent], t: i64, rules: &FoldRules) -> fold::State {
        let kept: Vec<FoldEvent> = events
            .iter()
            .filter(|e| e.occurred <= t && e.recorded <= t)
            .cloned()
            .collect();
        let steps = fold::plan(
            &kept,
            Axis::Recorded,
            View::AsCorrected,
            rules,
            &HashSet::new(),
        );
        fold::as_of(&kept, &steps, Axis::Recorded, t, rules).state
    }

    /// The reduction of two inequalities to one key: at every instant (each event's two times, and
    /// the instants between and around them) the known history's row in force holds exactly the
    /// fold of the events that had occurred and been recorded by then.
    #[test]
    fn the_known_history_keyed_on_the_later_time_equals_the_two_inequality_fold() {
        let mut fix = ev("c", 25, 60, json!({"score": 600}));
        fix.corrects = Some("b".into());
        let cases: Vec<Vec<FoldEvent>> = vec![
            // In order, late arrivals, one recorded early for a future instant, a correction
            // recorded late, a retraction, ties at one instant.
            vec![
                ev("a", 10, 10, json!({"score": 500})),
                ev("b", 20, 20, json!({"score": 510})),
            ],
            vec![
                ev("a", 10, 12, json!({"score": 500, "city": "Lyon"})),
                ev("b", 20, 50, json!({"score": 510})),
                ev("d", 40, 30, json!({"score": 530})),
                ev("e", 45, 15, json!({"plan": "gold"})),
                fix.clone(),
                ev("f", 50, 50, json!({"city": null})),
                ev("g", 50, 50, json!({"city": "Paris"})),
            ],
            vec![
                ev("b", 20, 20, json!({"score": 510})),
                {
                    let mut r = ev("r", 22, 70, Value::Null);
                    r.event_type = "ScoreRetracted".into();
                    r.corrects = Some("b".into());
                    r
                },
                fix,
                ev("h", 90, 80, json!({"score": 700})),
            ],
        ];
        let rules = FoldRules::default();
        for events in cases {
            let rows = known_history(&events, &rules, &HashSet::new());
            let mut instants: Vec<i64> = events
                .iter()
                .flat_map(|e| [e.occurred, e.recorded])
                .flat_map(|t| [t - 1, t, t + 1])
                .collect();
            instants.push(i64::MAX - 1);
            for t in instants {
                let expected = known_by_definition(&events, t, &rules);
                let got = at(&rows, t).and_then(|r| r.state.clone());
                assert_eq!(got, expected, "at {t} in {events:?}");
            }
            // One row per instant, each starting at some event's later time.
            let starts: Vec<i64> = rows.iter().map(|r| r.from).collect();
            let mut distinct = starts.clone();
            distinct.dedup();
            assert_eq!(starts, distinct);
        }
    }

    #[test]
    fn set_times_follow_the_last_change_of_each_path() {
        let events = vec![
            ev(
                "a",
                10,
                10,
                json!({"score": 500, "address": {"city": "Lyon"}}),
            ),
            ev("b", 20, 20, json!({"address": {"zip": "69001"}})),
            ev("c", 30, 30, json!({"score": 500})),
            ev("d", 40, 40, json!({"address": null})),
        ];
        let rows = known_history(&events, &FoldRules::default(), &HashSet::new());
        let times = |t: i64| at(&rows, t).unwrap().set_times.clone().unwrap();
        // `address` changed at 20 (a field added under it); `address.city` stayed from 10.
        assert_eq!(times(25).get("address"), Some(&20));
        assert_eq!(times(25).get("address.city"), Some(&10));
        // A merge patch restates `score` at 30 with the same value: set again.
        assert_eq!(times(35).get("score"), Some(&30));
        // Removed at 40: no time.
        assert_eq!(times(45).get("address"), None);
        assert_eq!(times(45).get("address.zip"), None);
    }
}
