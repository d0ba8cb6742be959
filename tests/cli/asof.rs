//! The engine's as-of against a plain fold written here, independently, over generated streams with
//! late-arriving events, out-of-order recording, ties, corrections, retractions, skipped events,
//! upcasts, deletions and projection rules; every stream, random instants, both axes, both views.

use std::collections::BTreeMap;

use casefile::{
    AsOfQuery, Axis, Case, ImportOptions, NoProgress, PopulationQuery, SnapshotPolicy, View,
};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};

use crate::common::tmp;

#[derive(Clone, Debug)]
struct Gen {
    seq: i64,
    id: String,
    stream: String,
    kind: String,
    schema: i64,
    occurred: i64,
    recorded: i64,
    corrects: Option<String>,
    skipped: bool,
    payload: Value,
}

/// Which fold rules a run uses, drawn at random: each rule or upcaster present or not.
#[derive(Clone, Copy, Debug)]
struct RuleSet {
    deposit: bool,
    closed_deletes: bool,
    upcast: bool,
}

impl RuleSet {
    fn toml(self) -> String {
        let mut text = String::new();
        if self.deposit {
            text += "[[rule]]\nevent_type = \"Deposit\"\nincrement = { \"balance\" = \"amount\" }\nappend = { \"deposits\" = \"amount\" }\n";
        }
        if self.closed_deletes {
            text += "[[rule]]\nevent_type = \"Closed\"\ndelete_entity = true\n";
        }
        if self.upcast {
            text += "[[upcaster]]\nevent_type = \"Profile\"\nschema_version = 1\nrename = { nm = \"name\" }\n";
        }
        text
    }
}

fn generate(rng: &mut ChaCha8Rng, streams: usize) -> Vec<Gen> {
    let mut out = Vec::new();
    let mut n = 0;
    for s in 0..streams {
        let stream = format!("acct-{s}");
        let mut t = 1_700_000_000_000_000 + rng.random_range(0..1_000) * 1_000_000;
        let count = rng.random_range(1..25);
        let mut mine: Vec<String> = Vec::new();
        for _ in 0..count {
            n += 1;
            let id = format!("e{n}");
            // Ties on purpose: sometimes no time passes.
            t += if rng.random_bool(0.15) {
                0
            } else {
                rng.random_range(1..5_000) * 1_000_000
            };
            let recorded = match rng.random_range(0..10) {
                0 | 1 => t + rng.random_range(50_000..500_000) * 1_000_000, // weeks late
                2 => t,
                _ => t + rng.random_range(0..60) * 1_000_000,
            };
            let mut e = Gen {
                seq: 0,
                id: id.clone(),
                stream: stream.clone(),
                kind: String::new(),
                schema: 1,
                occurred: t,
                recorded,
                corrects: None,
                skipped: rng.random_bool(0.05),
                payload: Value::Null,
            };
            let roll = rng.random_range(0..100);
            if roll < 12 && !mine.is_empty() {
                let target = mine[rng.random_range(0..mine.len())].clone();
                e.corrects = Some(target);
                if rng.random_bool(0.25) {
                    e.kind = "EntryRetracted".into();
                } else {
                    e.kind = "Corrected".into();
                    e.payload =
                        json!({"amount": rng.random_range(1..50), "tier": rng.random_range(0..3)});
                }
            } else if roll < 45 {
                e.kind = "Deposit".into();
                e.payload = json!({"amount": rng.random_range(1..500)});
                mine.push(id.clone());
            } else if roll < 50 {
                e.kind = "Closed".into();
                e.payload = json!({});
                mine.push(id.clone());
            } else {
                e.kind = "Profile".into();
                e.schema = if rng.random_bool(0.5) { 1 } else { 2 };
                let key = if e.schema == 1 { "nm" } else { "name" };
                let mut p = Map::new();
                p.insert(key.into(), json!(format!("n{}", rng.random_range(0..9))));
                if rng.random_bool(0.5) {
                    p.insert(
                        "address".into(),
                        json!({"city": format!("c{}", rng.random_range(0..5))}),
                    );
                }
                if rng.random_bool(0.2) {
                    p.insert("address".into(), json!({"zip": null, "street": "s"}));
                }
                if rng.random_bool(0.1) {
                    p.insert("tier".into(), Value::Null);
                }
                e.payload = Value::Object(p);
                mine.push(id.clone());
            }
            out.push(e);
        }
    }
    // Arrival order: mostly by recording time, with some shuffling.
    out.sort_by_key(|e| e.recorded);
    for i in 0..out.len() {
        if rng.random_bool(0.1) {
            let j = rng.random_range(0..out.len());
            out.swap(i, j);
        }
    }
    for (i, e) in out.iter_mut().enumerate() {
        e.seq = i as i64 + 1;
    }
    out
}

fn merge(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = json!({});
            }
            let t = target.as_object_mut().unwrap();
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    let slot = t.entry(k.clone()).or_insert(Value::Null);
                    merge(slot, v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

fn upcast(e: &Gen, rules: RuleSet) -> Value {
    let mut p = e.payload.clone();
    if rules.upcast && e.kind == "Profile" && e.schema == 1 {
        if let Some(v) = p.as_object_mut().unwrap().remove("nm") {
            p["name"] = v;
        }
    }
    p
}

/// The plain fold: filter by the axis, order by (axis time, seq), apply.
fn expected(
    all: &[Gen],
    stream: &str,
    at: i64,
    axis: Axis,
    view: View,
    rules: RuleSet,
) -> Option<Value> {
    let time = |e: &Gen| match axis {
        Axis::Occurred => e.occurred,
        Axis::Recorded => e.recorded,
    };
    let mine: Vec<&Gen> = all.iter().filter(|e| e.stream == stream).collect();
    let mut seen: Vec<&Gen> = mine.iter().copied().filter(|e| time(e) <= at).collect();
    if view == View::AsCorrected {
        seen.retain(|e| e.corrects.is_none() && !e.skipped);
    }
    seen.sort_by_key(|e| (time(e), e.seq));
    let mut state: Option<Value> = None;
    for e in seen {
        let mut effect = Some(upcast(e, rules));
        if view == View::AsCorrected {
            let mut fixes: Vec<&Gen> = mine
                .iter()
                .copied()
                .filter(|c| c.corrects.as_deref() == Some(e.id.as_str()) && !c.skipped)
                .collect();
            fixes.sort_by_key(|c| (c.recorded, c.seq));
            for c in fixes {
                if c.kind.ends_with("Retracted") {
                    effect = None;
                } else {
                    let mut base = effect.take().unwrap_or_else(|| json!({}));
                    merge(&mut base, &c.payload);
                    effect = Some(base);
                }
            }
        }
        let Some(p) = effect else { continue };
        match e.kind.as_str() {
            "Closed" if rules.closed_deletes => state = None,
            "Deposit" if rules.deposit => {
                let s = state.get_or_insert_with(|| json!({}));
                let amount = p["amount"].as_i64().unwrap();
                let balance = s.get("balance").and_then(Value::as_i64).unwrap_or(0);
                s["balance"] = json!(balance + amount);
                match s.get_mut("deposits") {
                    Some(Value::Array(list)) => list.push(json!(amount)),
                    _ => s["deposits"] = json!([amount]),
                }
            }
            _ if p.is_object() => merge(state.get_or_insert_with(|| json!({})), &p),
            _ => {}
        }
    }
    state
}

fn write_jsonl(events: &[Gen], path: &std::path::Path) {
    let mut text = String::new();
    for e in events {
        let mut line = json!({
            "event_id": e.id,
            "stream_id": e.stream,
            "stream_type": "Account",
            "event_type": e.kind,
            "schema_version": e.schema,
            "occurred_at": casefile::format_micros(e.occurred),
            "recorded_at": casefile::format_micros(e.recorded),
            "payload": e.payload,
        });
        if let Some(c) = &e.corrects {
            line["corrects"] = json!(c);
        }
        if e.skipped {
            line["is_skipped"] = json!(true);
        }
        text += &line.to_string();
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn as_of_equals_a_plain_fold_for_random_streams_instants_axes_views_and_rules() {
    for seed in 0..3u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let events = generate(&mut rng, 5);
        let dir = tmp();
        let file = dir.path().join("gen.jsonl");
        write_jsonl(&events, &file);
        let case = Case::open_or_create(&dir.path().join("gen.casefile")).unwrap();
        let report = case
            .import(&[file], &ImportOptions::default(), &NoProgress)
            .unwrap();
        assert_eq!(report.sources[0].rows_loaded as usize, events.len());
        let rules = RuleSet {
            deposit: rng.random_bool(0.5),
            closed_deletes: rng.random_bool(0.7),
            upcast: rng.random_bool(0.7),
        };
        case.set_fold_rules(&rules.toml(), "test").unwrap();
        let mut streams: Vec<&str> = events.iter().map(|e| e.stream.as_str()).collect();
        streams.sort();
        streams.dedup();
        let mut instants: Vec<i64> = events
            .iter()
            .flat_map(|e| [e.occurred, e.recorded, e.recorded - 1])
            .collect();
        instants.shuffle(&mut rng);
        instants.truncate(6);
        instants.push(0);
        instants.push(i64::MAX / 4);
        let mut checked = BTreeMap::new();
        let mut compare = |case: &Case, how: &str, warm: bool| {
            if warm {
                case.warm_time_machine(&|_| {}).unwrap();
            }
            for stream in &streams {
                for &at in &instants {
                    for axis in [Axis::Recorded, Axis::Occurred] {
                        for view in [View::AsCorrected, View::AsRecorded] {
                            let got = case.state(stream, at, AsOfQuery { axis, view }).unwrap();
                            let want = expected(&events, stream, at, axis, view, rules);
                            assert_eq!(
                                got.exists.then(|| got.state.clone()),
                                want,
                                "{how}: seed {seed} ({rules:?}), {stream} at {at} on {axis:?} {view:?}"
                            );
                            *checked.entry(want.is_some()).or_insert(0) += 1;
                        }
                    }
                }
            }
            // The history read in pages of 2 (each after the first starts from what is stored
            // at or before it): after the last step at each instant, the state the plain fold
            // gives at that instant.
            for stream in &streams {
                for axis in [Axis::Recorded, Axis::Occurred] {
                    for view in [View::AsCorrected, View::AsRecorded] {
                        let q = AsOfQuery { axis, view };
                        let mut steps = Vec::new();
                        let mut after = Some(0);
                        while let Some(from) = after {
                            let page = case.history_page(stream, q, from, Some(2)).unwrap();
                            assert_eq!(page.first_step, from);
                            steps.extend(page.steps);
                            after = page.next;
                        }
                        let time = |id: &str| {
                            let e = events.iter().find(|e| e.id == id).unwrap();
                            match axis {
                                Axis::Recorded => e.recorded,
                                Axis::Occurred => e.occurred,
                            }
                        };
                        let mine = events.iter().filter(|e| e.stream == *stream).count();
                        assert_eq!(steps.len(), mine, "{how}: {stream} history length");
                        for (k, step) in steps.iter().enumerate() {
                            let at = time(&step.event.event_id);
                            if steps
                                .get(k + 1)
                                .is_some_and(|n| time(&n.event.event_id) == at)
                            {
                                continue;
                            }
                            let want = expected(&events, stream, at, axis, view, rules);
                            assert_eq!(
                                step.exists.then(|| step.state.clone()),
                                want,
                                "{how}: seed {seed} ({rules:?}), {stream} history step {k} at {at} on {axis:?} {view:?}"
                            );
                            *checked.entry(want.is_some()).or_insert(0) += 1;
                        }
                    }
                }
            }
        };
        // Folding events (no snapshots yet), then snapshots after every event, then sparse
        // checkpoints (every 3 events for streams over 4) so short streams exercise both paths.
        compare(&case, "fold", false);
        case.rebuild_snapshots(SnapshotPolicy::default(), &|_| {})
            .unwrap();
        compare(&case, "dense snapshots", true);
        case.rebuild_snapshots(
            SnapshotPolicy {
                dense_limit: 4,
                every: 3,
                ..SnapshotPolicy::default()
            },
            &|_| {},
        )
        .unwrap();
        compare(&case, "checkpoints, indexed", true);
        // Streams over 2 events folded from payloads read in each plan's order (the path of a
        // busy stream), both after every event and with checkpoints.
        case.rebuild_snapshots(
            SnapshotPolicy {
                paged_from: 2,
                ..SnapshotPolicy::default()
            },
            &|_| {},
        )
        .unwrap();
        compare(&case, "dense snapshots, paged", true);
        case.rebuild_snapshots(
            SnapshotPolicy {
                dense_limit: 4,
                every: 3,
                paged_from: 2,
            },
            &|_| {},
        )
        .unwrap();
        compare(&case, "checkpoints, paged", true);
        // Population: every stream type at a few instants, against the plain fold.
        for &at in instants.iter().take(4) {
            for axis in [Axis::Recorded, Axis::Occurred] {
                for view in [View::AsCorrected, View::AsRecorded] {
                    let want = streams
                        .iter()
                        .filter(|s| expected(&events, s, at, axis, view, rules).is_some())
                        .count();
                    let p = case
                        .population(
                            &PopulationQuery {
                                stream_type: "Account".into(),
                                at,
                                axis,
                                view,
                                out: None,
                                save: false,
                                preview_rows: 100,
                            },
                            &|_| {},
                        )
                        .unwrap();
                    assert_eq!(
                        p.rows as usize, want,
                        "population at {at} {axis:?} {view:?}"
                    );
                }
            }
        }
        assert!(
            checked.get(&true).copied().unwrap_or(0) > 60,
            "too few non-empty states were compared: {checked:?}"
        );
    }
}
