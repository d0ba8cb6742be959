//! What the system knew, instant by instant: for one stream, the fold (as corrected, in recorded
//! order, ties by `seq`) of the events both occurred and recorded by each of a run of instants.
//! An event is known from the later of its two times. The one implementation behind the training
//! set's point-in-time states and the lake's `known` history.
//!
//! The fold is kept up to date as events become known rather than refolded at each instant (a
//! busy stream, refolded at each, is quadratic). An event that becomes known late sits in the
//! recorded order before events already folded, and a correction changes what an earlier event
//! does; so the fold keeps checkpoints every so many steps and, when events join, goes back to the
//! last checkpoint before the first step they change and folds on from there.

use std::collections::{BTreeSet, HashSet};
use std::ops::Bound;

use super::fold::{Corrections, FoldEvent, Step, View};
use super::rules::FoldRules;
use crate::model::Micros;

/// Steps between checkpoints: a late event costs at most this many steps more than the ones after
/// it, and a checkpoint is one clone of the fold.
pub const CHECKPOINT_EVERY: usize = 1_000;

/// When an event becomes known.
pub fn known_at(e: &FoldEvent) -> Micros {
    e.occurred.max(e.recorded)
}

/// For each of `instants` (ascending), calls `emit` with the fold of the events known by it: a
/// fold starts as `start` and takes each step with `step`.
pub fn fold_known<F: Clone>(
    events: &[FoldEvent],
    rules: &FoldRules,
    known_elsewhere: &HashSet<String>,
    instants: impl IntoIterator<Item = Micros>,
    start: F,
    step: impl FnMut(&mut F, &Step),
    emit: impl FnMut(Micros, &F),
) {
    fold_known_every(
        events,
        rules,
        known_elsewhere,
        instants,
        start,
        step,
        emit,
        CHECKPOINT_EVERY,
    )
}

#[allow(clippy::too_many_arguments)]
fn fold_known_every<F: Clone>(
    events: &[FoldEvent],
    rules: &FoldRules,
    known_elsewhere: &HashSet<String>,
    instants: impl IntoIterator<Item = Micros>,
    start: F,
    mut step: impl FnMut(&mut F, &Step),
    mut emit: impl FnMut(Micros, &F),
    every: usize,
) {
    let key = |j: usize| (events[j].recorded, events[j].seq);
    let mut joining: Vec<usize> = (0..events.len()).collect();
    joining.sort_by_key(|&j| (known_at(&events[j]), key(j)));
    let mut corrections = Corrections::new(events, known_elsewhere);
    // The known events in recorded order, as (key, index): a set, not a list, since an event that
    // joins late goes in before others (copying a list of them at every instant was quadratic).
    let mut order: BTreeSet<(Key, usize)> = BTreeSet::new();
    // The events up to and including `done` (a key; None: none) are folded into `folded`,
    // `steps` of them.
    let mut folded = start.clone();
    let mut done: Option<Key> = None;
    let mut steps = 0usize;
    // (last key folded, steps folded, the fold then), ascending.
    let mut checkpoints: Vec<(Option<Key>, usize, F)> = vec![(None, 0, start)];
    let mut next = 0;
    for at in instants {
        let begin = next;
        while next < joining.len() && known_at(&events[joining[next]]) <= at {
            next += 1;
        }
        if next > begin {
            let mut batch = joining[begin..next].to_vec();
            batch.sort_by_key(|&j| key(j));
            // The events whose step may now differ: those joining, the ones that lost their id to
            // one joining, every event up the correction chain of a joining correction (its
            // amendment changes), and the corrections naming a joining event (they applied as
            // events of their own while it was unknown).
            let mut changed: Vec<usize> = Vec::new();
            for &j in &batch {
                changed.extend(corrections.add(j));
            }
            for &j in &batch {
                changed.push(j);
                changed.extend_from_slice(corrections.naming(j));
                let mut seen = HashSet::from([j]);
                let mut up = corrections.target(j);
                while let Some(t) = up.filter(|&t| seen.insert(t)) {
                    changed.push(t);
                    up = corrections.target(t);
                }
            }
            order.extend(batch.iter().map(|&j| (key(j), j)));
            let first = changed.iter().map(|&c| key(c)).min();
            if let (Some(first), Some(last)) = (first, done) {
                if first <= last {
                    // Back to the last checkpoint that folded only events before `first`.
                    while checkpoints
                        .last()
                        .is_some_and(|(k, _, _)| k.is_some_and(|k| k >= first))
                    {
                        checkpoints.pop();
                    }
                    let (k, n, f) = checkpoints.last().expect("the start is never dropped");
                    done = *k;
                    steps = *n;
                    folded = f.clone();
                }
            }
            let after = match done {
                None => Bound::Unbounded,
                Some(k) => Bound::Excluded((k, usize::MAX)),
            };
            for &(k, j) in order.range((after, Bound::Unbounded)) {
                step(&mut folded, &corrections.step(j, View::AsCorrected, rules));
                done = Some(k);
                steps += 1;
                if steps.is_multiple_of(every) {
                    checkpoints.push((done, steps, folded.clone()));
                }
            }
        }
        emit(at, &folded);
    }
}

/// Where an event sits in recorded order: (recorded, seq).
type Key = (Micros, i64);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::Axis;
    use crate::timeline::fold;
    use serde_json::{json, Value};

    fn ev(
        seq: i64,
        id: &str,
        occurred: i64,
        recorded: i64,
        corrects: Option<&str>,
        payload: Value,
    ) -> FoldEvent {
        FoldEvent {
            corrects: corrects.map(str::to_string),
            ..FoldEvent::plain(seq, id, "Updated", (occurred, recorded), payload)
        }
    }

    /// The definition: the events with `occurred <= t` and `recorded <= t`, planned and folded
    /// from scratch.
    fn from_scratch(
        events: &[FoldEvent],
        t: Micros,
        rules: &FoldRules,
        elsewhere: &HashSet<String>,
    ) -> (fold::State, Option<String>) {
        let kept: Vec<FoldEvent> = events
            .iter()
            .filter(|e| e.occurred <= t && e.recorded <= t)
            .cloned()
            .collect();
        let mut state = None;
        let mut last = None;
        for s in fold::plan(&kept, Axis::Recorded, View::AsCorrected, rules, elsewhere) {
            last = Some(kept[s.index].event_id.clone());
            if let Some(effect) = &s.effect {
                fold::apply(&mut state, &s.effect_type, effect, rules);
            }
        }
        (state, last)
    }

    fn kept_up(
        events: &[FoldEvent],
        instants: &[Micros],
        rules: &FoldRules,
        elsewhere: &HashSet<String>,
        every: usize,
    ) -> Vec<(fold::State, Option<String>)> {
        let mut out = Vec::new();
        fold_known_every(
            events,
            rules,
            elsewhere,
            instants.iter().copied(),
            (None, None),
            |(state, last): &mut (fold::State, Option<String>), s| {
                *last = Some(events[s.index].event_id.clone());
                if let Some(effect) = &s.effect {
                    fold::apply(state, &s.effect_type, effect, rules);
                }
            },
            |_, f| out.push(f.clone()),
            every,
        );
        out
    }

    /// A stream with every way an event can change earlier steps: recorded before it occurs (so
    /// it joins behind ones already folded), corrections of corrections, a retraction known before
    /// what it retracts, a retraction, a cycle, a repeated id (whose retraction passes to the later
    /// event), a correction of another stream's event, and a skipped correction. Every event sets a
    /// key of its own, so one applied in the wrong place shows.
    fn awkward_stream() -> Vec<FoldEvent> {
        let mut events = Vec::new();
        let mut seq = 0;
        let mut push = |id: &str, occurred, recorded, corrects, payload| {
            seq += 1;
            events.push(ev(seq, id, occurred, recorded, corrects, payload));
        };
        for k in 0..40 {
            let mut payload = json!({"n": k, "k": k % 3});
            payload[format!("f{k}")] = json!(k);
            push(&format!("e{k}"), k * 10, k * 10 + 1, None, payload);
        }
        push("late", 500, 15, None, json!({"late": true, "n": -5}));
        push("c1", 60, 62, Some("e3"), json!({"n": 300}));
        push("c2", 70, 71, Some("c1"), json!({"x": 1}));
        push("early", 80, 81, Some("future"), json!({"f3": null}));
        push("future", 200, 95, None, json!({"future": 1}));
        push("r", 120, 121, Some("e5"), Value::Null);
        push("y1", 130, 131, Some("y2"), json!({"y": 1}));
        push("y2", 140, 141, Some("y1"), json!({"y": 2}));
        push("c7", 100, 101, Some("e7"), Value::Null);
        push("e7", 150, 151, None, json!({"again": 7}));
        push("c3", 160, 161, Some("elsewhere"), json!({"z": 1}));
        push("s", 170, 2, Some("e1"), json!({"n": -1}));
        push("c4", 450, 30, Some("e2"), json!({"n": 200}));
        let s = events.iter_mut().find(|e| e.event_id == "s").unwrap();
        s.skipped = true;
        // A retraction by its type: while "future" is unknown it applies as an event of its own
        // and its payload removes f3.
        let early = events.iter_mut().find(|e| e.event_id == "early").unwrap();
        early.event_type = "UpdateRetracted".into();
        events
    }

    #[test]
    fn keeping_the_known_fold_up_to_date_gives_what_folding_each_instant_from_scratch_gives() {
        let events = awkward_stream();
        let rules = FoldRules::default();
        let elsewhere = HashSet::from(["elsewhere".to_string()]);
        let instants: Vec<Micros> = (-5..520).collect();
        let expected: Vec<_> = instants
            .iter()
            .map(|&t| from_scratch(&events, t, &rules, &elsewhere))
            .collect();
        for every in [1, 2, 3, 7, 1_000] {
            let got = kept_up(&events, &instants, &rules, &elsewhere, every);
            for (k, (g, e)) in got.iter().zip(&expected).enumerate() {
                assert_eq!(g, e, "at {} with a checkpoint every {every}", instants[k]);
            }
            assert_eq!(got.len(), expected.len());
        }
        // The stream really does change earlier steps: "late", known at 500, sits early in the
        // recorded order, so the events after it overwrite its `n` (applied at the end, it would
        // leave n = -5).
        let at_500 = expected[505].0.as_ref().unwrap();
        assert_eq!(at_500["late"], json!(true));
        assert_eq!(at_500["n"], json!(39));
    }

    #[test]
    fn a_busy_streams_known_fold_matches_the_definition_at_every_instant_an_event_joins() {
        let dir = tempfile::tempdir().unwrap();
        let case = crate::generate::busy_case(dir.path(), 6_000, 50, 5, 30);
        let conn = &case.conn;
        let rules = crate::timeline::load_rules(conn).unwrap();
        let targets = crate::timeline::snapshots::correction_targets(conn).unwrap();
        let mut checked = 0;
        crate::timeline::snapshots::for_each_stream(conn, "", &mut |_, _, events| {
            if events.len() < 500 {
                return Ok(());
            }
            let elsewhere = crate::timeline::snapshots::known_elsewhere(events, &targets);
            let mut instants: Vec<Micros> = events.iter().map(known_at).collect();
            instants.sort();
            instants.dedup();
            instants.truncate(400);
            let got = kept_up(events, &instants, &rules, &elsewhere, 16);
            for (k, &t) in instants.iter().enumerate() {
                assert_eq!(
                    got[k],
                    from_scratch(events, t, &rules, &elsewhere),
                    "at {t}"
                );
            }
            checked += instants.len();
            Ok(())
        })
        .unwrap();
        assert!(checked >= 400, "{checked}");
    }
}
