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

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::ops::Bound;

use serde_json::{Map, Value};

use super::fold::{Corrections, FoldEvent, State, Step, View};
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
            let changed = join(&mut corrections, &batch);
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

/// True when every event of the stream folds as a plain merge patch (no projection rule, built-in
/// or the case's, names its type), so [`fold_known_merged`] applies.
pub fn merges_only(events: &[FoldEvent], rules: &FoldRules) -> bool {
    events
        .iter()
        .all(|e| rules.rule_for(&e.event_type).is_none())
}

/// Events per block of [`fold_known_merged`]'s tree.
pub const MERGED_BLOCK: usize = 32;

/// [`fold_known`] for a stream whose events all fold as merge patches ([`merges_only`]): `emit`
/// gets, per instant, the state and the last known event in recorded order (an index).
///
/// Merge patches compose (the patch of a run of events is one patch), so instead of folding again
/// from a checkpoint when an event joins behind others or a correction changes an earlier step
/// (a busy stream's corrections, each refolding weeks of events, made the known fold quadratic),
/// the events sit in their final recorded order in blocks of `block`, each block holds the patch
/// of its known events, and a tree holds the composition of runs of blocks: a change recomputes
/// its block and the tree above it, and the state at an instant is the root applied to nothing.
pub fn fold_known_merged(
    events: &[FoldEvent],
    rules: &FoldRules,
    known_elsewhere: &HashSet<String>,
    instants: impl IntoIterator<Item = Micros>,
    block: usize,
    mut emit: impl FnMut(Micros, &State, Option<usize>),
) {
    let block = block.max(1);
    let key = |j: usize| (events[j].recorded, events[j].seq);
    let mut joining: Vec<usize> = (0..events.len()).collect();
    joining.sort_by_key(|&j| (known_at(&events[j]), key(j)));
    // Every event's place in the final recorded order.
    let mut by_key: Vec<usize> = (0..events.len()).collect();
    by_key.sort_by_key(|&j| key(j));
    let mut place = vec![0usize; events.len()];
    for (p, &j) in by_key.iter().enumerate() {
        place[j] = p;
    }
    let blocks = events.len().div_ceil(block).max(1);
    let leaves = blocks.next_power_of_two();
    // tree[1] is the root; tree[leaves + b] is block b's patch; None: no object effect.
    let mut tree: Vec<Option<Patch>> = vec![None; 2 * leaves];
    let mut known = vec![false; events.len()];
    let mut corrections = Corrections::new(events, known_elsewhere);
    let mut last: Option<usize> = None;
    let mut state: State = None;
    let mut next = 0;
    for at in instants {
        let begin = next;
        while next < joining.len() && known_at(&events[joining[next]]) <= at {
            next += 1;
        }
        if next > begin {
            let mut batch = joining[begin..next].to_vec();
            batch.sort_by_key(|&j| key(j));
            let changed = join(&mut corrections, &batch);
            for &j in &batch {
                known[j] = true;
                if last.is_none_or(|l| key(l) < key(j)) {
                    last = Some(j);
                }
            }
            let mut touched: Vec<usize> = changed.iter().map(|&c| place[c] / block).collect();
            touched.sort_unstable();
            touched.dedup();
            for b in touched {
                let mut patch: Option<Patch> = None;
                for &j in &by_key[b * block..((b + 1) * block).min(events.len())] {
                    if !known[j] {
                        continue;
                    }
                    let step = corrections.step(j, View::AsCorrected, rules);
                    if let Some(Value::Object(effect)) = &step.effect {
                        patch
                            .get_or_insert_with(Patch::default)
                            .then_payload(effect);
                    }
                }
                let mut node = leaves + b;
                tree[node] = patch;
                while node > 1 {
                    node /= 2;
                    tree[node] = Patch::composed(&tree[2 * node], &tree[2 * node + 1]);
                }
            }
            state = tree[1].as_ref().map(|p| {
                let mut v = Value::Object(Map::new());
                p.apply(&mut v);
                v
            });
        }
        emit(at, &state, last);
    }
}

/// What a run of merge patches (RFC 7396) does to an object: per key, removed, set, or merged
/// into (a value that is not an object merged into as if it were an empty one).
#[derive(Debug, Clone, Default, PartialEq)]
struct Patch(BTreeMap<String, KeyOp>);

#[derive(Debug, Clone, PartialEq)]
enum KeyOp {
    Remove,
    Set(Value),
    Merge(Patch),
}

impl Patch {
    /// This patch followed by `payload`, an object merge patch.
    fn then_payload(&mut self, payload: &Map<String, Value>) {
        for (k, v) in payload {
            let op = match v {
                Value::Null => KeyOp::Remove,
                Value::Object(inner) => {
                    let mut p = Patch::default();
                    p.then_payload(inner);
                    KeyOp::Merge(p)
                }
                other => KeyOp::Set(other.clone()),
            };
            match self.0.get_mut(k) {
                Some(before) => before.then(op),
                None => {
                    self.0.insert(k.clone(), op);
                }
            }
        }
    }

    /// This patch followed by `other`.
    fn then_patch(&mut self, other: &Patch) {
        for (k, op) in &other.0 {
            match self.0.get_mut(k) {
                Some(before) => before.then(op.clone()),
                None => {
                    self.0.insert(k.clone(), op.clone());
                }
            }
        }
    }

    fn composed(first: &Option<Patch>, second: &Option<Patch>) -> Option<Patch> {
        match (first, second) {
            (None, p) | (p, None) => p.clone(),
            (Some(a), Some(b)) => {
                let mut out = a.clone();
                out.then_patch(b);
                Some(out)
            }
        }
    }

    /// Applies the patch to `target` (made an object first when it is not one).
    fn apply(&self, target: &mut Value) {
        if !target.is_object() {
            *target = Value::Object(Map::new());
        }
        let map = target.as_object_mut().expect("made an object above");
        for (k, op) in &self.0 {
            match op {
                KeyOp::Remove => {
                    map.remove(k);
                }
                KeyOp::Set(v) => {
                    map.insert(k.clone(), v.clone());
                }
                KeyOp::Merge(p) => p.apply(map.entry(k.clone()).or_insert(Value::Null)),
            }
        }
    }
}

impl KeyOp {
    /// This operation on a key followed by `next`.
    fn then(&mut self, next: KeyOp) {
        *self = match (std::mem::replace(self, KeyOp::Remove), next) {
            (_, KeyOp::Remove) => KeyOp::Remove,
            (_, KeyOp::Set(v)) => KeyOp::Set(v),
            (KeyOp::Merge(mut a), KeyOp::Merge(b)) => {
                a.then_patch(&b);
                KeyOp::Merge(a)
            }
            (KeyOp::Remove, KeyOp::Merge(b)) => {
                let mut v = Value::Object(Map::new());
                b.apply(&mut v);
                KeyOp::Set(v)
            }
            (KeyOp::Set(mut v), KeyOp::Merge(b)) => {
                b.apply(&mut v);
                KeyOp::Set(v)
            }
        };
    }
}

/// Puts `batch` in play and returns the events whose step may now differ: those joining, the ones
/// that lost their id to one joining, every event up the correction chain of a joining correction
/// (its amendment changes), and the corrections naming a joining event (they applied as events of
/// their own while it was unknown).
fn join(corrections: &mut Corrections, batch: &[usize]) -> Vec<usize> {
    let mut changed: Vec<usize> = Vec::new();
    for &j in batch {
        changed.extend(corrections.add(j));
    }
    for &j in batch {
        changed.push(j);
        changed.extend_from_slice(corrections.naming(j));
        let mut seen = HashSet::from([j]);
        let mut up = corrections.target(j);
        while let Some(t) = up.filter(|&t| seen.insert(t)) {
            changed.push(t);
            up = corrections.target(t);
        }
    }
    changed
}

/// Where an event sits in recorded order: (recorded, seq).
type Key = (Micros, i64);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Axis;
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

    fn merged(
        events: &[FoldEvent],
        instants: &[Micros],
        rules: &FoldRules,
        elsewhere: &HashSet<String>,
        block: usize,
    ) -> Vec<(fold::State, Option<String>)> {
        let mut out = Vec::new();
        fold_known_merged(
            events,
            rules,
            elsewhere,
            instants.iter().copied(),
            block,
            |_, state, last| out.push((state.clone(), last.map(|i| events[i].event_id.clone()))),
        );
        out
    }

    #[test]
    fn composing_merge_patches_gives_what_folding_each_instant_from_scratch_gives() {
        let mut events = awkward_stream();
        // Nested objects: a key set to a value, merged into, removed, merged into again; an
        // object set over a value and a value over an object; an empty object.
        let nested = [
            ("m1", 11, 12, json!({"o": {"a": 1, "b": {"c": 1}}})),
            ("m2", 21, 22, json!({"o": {"b": {"d": 2}, "a": null}})),
            ("m3", 31, 32, json!({"o": 5})),
            ("m4", 41, 42, json!({"o": {"e": {}}})),
            ("m5", 51, 52, json!({"o": null, "p": {"q": null}})),
            ("m6", 61, 62, json!({"o": {"f": [1, 2]}})),
            ("m7", 71, 3, json!({"o": {"g": 1}, "n": "early"})),
            ("m8", 81, 82, json!(17)),
            ("m9", 91, 92, json!({})),
        ];
        let mut seq = events.len() as i64;
        for (id, occurred, recorded, payload) in nested {
            seq += 1;
            events.push(ev(seq, id, occurred, recorded, None, payload));
        }
        events.push(ev(
            seq + 1,
            "m2c",
            25,
            300,
            Some("m2"),
            json!({"o": {"b": null}}),
        ));
        let rules = FoldRules::default();
        assert!(merges_only(&events, &rules));
        let elsewhere = HashSet::from(["elsewhere".to_string()]);
        let instants: Vec<Micros> = (-5..520).collect();
        let expected: Vec<_> = instants
            .iter()
            .map(|&t| from_scratch(&events, t, &rules, &elsewhere))
            .collect();
        for block in [1, 2, 3, 7, 32, 1_000] {
            let got = merged(&events, &instants, &rules, &elsewhere, block);
            assert_eq!(got.len(), expected.len());
            for (k, (g, e)) in got.iter().zip(&expected).enumerate() {
                assert_eq!(g, e, "at {} with blocks of {block}", instants[k]);
            }
        }
        // The nested keys really were exercised: at 300 `o` has been merged into, set to 5,
        // merged into, removed and merged into again; m7's `g`, recorded first, is long gone.
        let at_300 = expected[305].0.as_ref().unwrap();
        assert_eq!(at_300["o"], json!({"f": [1, 2]}));
        assert_eq!(
            expected[20].0.as_ref().unwrap()["o"],
            json!({"a": 1, "b": {"c": 1}})
        );
    }

    #[test]
    fn a_stream_with_a_projection_rule_is_not_folded_by_composing_patches() {
        let events = awkward_stream();
        let rules = FoldRules::parse(
            "[[rule]]\nevent_type = \"Updated\"\nincrement = { \"n\" = \"n\" }\n",
            "test",
        )
        .unwrap();
        assert!(!merges_only(&events, &rules));
        assert!(merges_only(&events, &FoldRules::default()));
    }

    #[test]
    fn a_busy_streams_known_fold_matches_the_definition_at_every_instant_an_event_joins() {
        let dir = tempfile::tempdir().unwrap();
        let case = crate::generate::busy_case(dir.path(), 6_000, 50, 5, 30);
        let conn = &case.conn;
        let rules = crate::timeline::load_rules(conn).unwrap();
        let targets = crate::timeline::snapshots::correction_targets(conn).unwrap();
        let (mut checked, mut merged_checked) = (0, 0);
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
            let composed = merges_only(events, &rules)
                .then(|| merged(events, &instants, &rules, &elsewhere, MERGED_BLOCK));
            for (k, &t) in instants.iter().enumerate() {
                let want = from_scratch(events, t, &rules, &elsewhere);
                assert_eq!(got[k], want, "at {t}");
                if let Some(composed) = &composed {
                    assert_eq!(composed[k], want, "composed, at {t}");
                }
            }
            checked += instants.len();
            merged_checked += composed.map_or(0, |c| c.len());
            Ok(())
        })
        .unwrap();
        assert!(checked >= 400, "{checked}");
        assert!(merged_checked >= 400, "{merged_checked}");
    }
}
