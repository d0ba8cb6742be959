//! The fold: a stream's events, in the order of one time axis, turned into the entity's state.
//!
//! Pure functions over in-memory events, shared by every as-of path (single stream, history, stored
//! snapshots), so there is one definition of "the state at T".
//!
//! - Order: by the axis time, then `seq` (import order) for ties.
//! - Upcasters rewrite a payload to the newest schema version before anything else reads it.
//! - View `AsCorrected` (what we know now): an event with `corrects` = X amends X in place (X's payload
//!   merge-patched with the correction's), or retracts X when the correction's payload is null or its
//!   type ends in `Retracted`; the correction has no effect of its own, and events marked skipped at the
//!   source (Marten `is_skipped`) are left out (a skipped correction corrects nothing). View `AsRecorded` (what the system believed then):
//!   every event applies as itself at its own time, mistakes included.
//! - Effect: the event type's projection rule, or a JSON merge patch of an object payload into the state.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::{Map, Value};

use super::rules::{toml_to_json, FoldRules, Rule, UNAVAILABLE_VALUE};
use crate::model::Axis;
use crate::model::Micros;

/// Which truth about corrections a fold shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// Corrections replace what they correct; skipped events are left out.
    #[default]
    AsCorrected,
    /// Every event as it was recorded, mistakes and all.
    AsRecorded,
}

/// One event as the fold needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldEvent {
    pub seq: i64,
    pub event_id: String,
    pub event_type: String,
    pub schema_version: i64,
    pub stream_version: Option<i64>,
    pub occurred: Micros,
    pub recorded: Micros,
    pub corrects: Option<String>,
    /// Marked skipped by the source (Marten `is_skipped`).
    pub skipped: bool,
    pub payload: Payload,
}

/// An event's payload as JSON text, parsed when a step reads it. Folds hold a stream's events
/// whole, and the parsed tree of maps costs several times the text (about 1 KB an event against
/// 150-400 bytes for the generated lending payloads): for a busy stream of a million events that
/// is the difference between the memory budget and more. Text that is not JSON reads as null.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Payload(Option<Box<str>>);

impl Payload {
    /// The payload as the case stores it (`payload::VARCHAR`; None for SQL NULL).
    pub fn from_text(text: Option<&str>) -> Self {
        Payload(text.map(Box::from))
    }

    /// The payload, parsed.
    pub fn value(&self) -> Value {
        match &self.0 {
            Some(text) => serde_json::from_str(text).unwrap_or(Value::Null),
            None => Value::Null,
        }
    }

    /// The payload with only the top-level fields `keep` names, the others skipped unparsed: what
    /// a default merge of [`Self::value`] does to those fields, for a fold that reads no others.
    /// A payload that is not an object reads as [`Self::value`] does. (A skipped field is checked
    /// for syntax a little less strictly than a parse: a lone surrogate escape in it goes unseen.)
    pub fn projected(&self, keep: &dyn Fn(&str) -> bool) -> Value {
        match self
            .0
            .as_deref()
            .and_then(|text| crate::model::json::object_fields(text, keep))
        {
            Some(fields) => Value::Object(fields),
            None => self.value(),
        }
    }

    pub fn is_null(&self) -> bool {
        match &self.0 {
            None => true,
            Some(text) => {
                text.trim() == "null"
                    || serde_json::from_str::<serde::de::IgnoredAny>(text).is_err()
            }
        }
    }
}

impl From<Value> for Payload {
    fn from(value: Value) -> Self {
        Payload((!value.is_null()).then(|| value.to_string().into()))
    }
}

impl FoldEvent {
    pub fn time(&self, axis: Axis) -> Micros {
        match axis {
            Axis::Occurred => self.occurred,
            Axis::Recorded => self.recorded,
        }
    }

    /// For tests: an event of `event_type`, schema version 1, neither a correction nor skipped.
    #[cfg(test)]
    pub(crate) fn plain(
        seq: i64,
        id: &str,
        event_type: &str,
        (occurred, recorded): (Micros, Micros),
        payload: Value,
    ) -> Self {
        FoldEvent {
            seq,
            event_id: id.into(),
            event_type: event_type.into(),
            schema_version: 1,
            stream_version: None,
            occurred,
            recorded,
            corrects: None,
            skipped: false,
            payload: payload.into(),
        }
    }

    fn retracts(&self) -> bool {
        self.payload.is_null() || self.event_type.ends_with("Retracted")
    }
}

/// What one event does in a view.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Index into the events given to `plan`.
    pub index: usize,
    /// The payload that takes effect (upcast, amended by corrections), or None when it has no effect.
    pub effect: Option<Value>,
    /// The event type whose rule applies (a correction takes effect under its target's type).
    pub effect_type: String,
    /// Schema versions when upcasters rewrote the payload: (from, to).
    pub upcast: Option<(i64, i64)>,
    /// Why the event does what it does, when that is not plain.
    pub notes: Vec<String>,
}

/// Upcasts a payload through every upcaster that applies, returning it and the version reached.
pub fn upcast(rules: &FoldRules, event_type: &str, version: i64, payload: &Value) -> (Value, i64) {
    upcast_owned(rules, event_type, version, payload.clone())
}

/// [`upcast`] of a payload the caller no longer needs.
fn upcast_owned(rules: &FoldRules, event_type: &str, version: i64, payload: Value) -> (Value, i64) {
    if rules.upcasters.is_empty() {
        return (payload, version);
    }
    let mut v = version;
    let mut p = payload;
    // Bounded: each step raises the version, and there are finitely many upcasters.
    while let Some(u) = rules.upcaster_for(event_type, v) {
        if let Value::Object(_) = p {
            for (from, to) in u.rename.iter().chain(u.moves.iter()) {
                if let Some(value) = take_path(&mut p, from) {
                    put_path(&mut p, to, value);
                }
            }
            for (path, default) in &u.defaults {
                if get_path(&p, path).is_none() {
                    put_path(&mut p, path, toml_to_json(default));
                }
            }
        }
        v += 1;
    }
    (p, v)
}

/// The order in which a view applies events on an axis, with each event's effect.
/// `known_elsewhere` holds ids of events outside `events` that exist in the case (so a correction
/// of one of them is still a correction here, with nothing in this stream to amend).
pub fn plan(
    events: &[FoldEvent],
    axis: Axis,
    view: View,
    rules: &FoldRules,
    known_elsewhere: &HashSet<String>,
) -> Vec<Step> {
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by_key(|&i| (events[i].time(axis), events[i].seq));
    let mut corrections = Corrections::new(events, known_elsewhere);
    for i in 0..events.len() {
        corrections.add(i);
    }
    // Each payload is parsed once and moved into its step (the order is a permutation).
    let mut payloads: Vec<Value> = events.iter().map(|e| e.payload.value()).collect();
    order
        .into_iter()
        .map(|i| corrections.step_owned(i, std::mem::take(&mut payloads[i]), view, rules))
        .collect()
}

/// Who corrects whom among the events of a stream that are in play: all of them for a plain
/// fold, or those known so far when events join one by one (the known history), so a step can be
/// worked out for one event without planning the rest again.
pub struct Corrections<'e> {
    events: &'e [FoldEvent],
    known_elsewhere: &'e HashSet<String>,
    /// The events in play by id (the last index, should a stream repeat an id).
    by_id: foldhash::HashMap<&'e str, usize>,
    /// The corrections in play by the id they name, whether or not that event is in play, in the
    /// order they were recorded.
    naming: foldhash::HashMap<&'e str, Vec<usize>>,
}

impl<'e> Corrections<'e> {
    /// None of `events` in play yet.
    pub fn new(events: &'e [FoldEvent], known_elsewhere: &'e HashSet<String>) -> Self {
        Corrections {
            events,
            known_elsewhere,
            by_id: foldhash::HashMap::default(),
            naming: foldhash::HashMap::default(),
        }
    }

    /// Puts event `i` in play. Returns the event that held its id until now, if any.
    pub fn add(&mut self, i: usize) -> Option<usize> {
        let events = self.events;
        let e = &events[i];
        let mut displaced = None;
        match self.by_id.get(e.event_id.as_str()).copied() {
            Some(held) if held > i => {}
            held => {
                displaced = held;
                self.by_id.insert(e.event_id.as_str(), i);
            }
        }
        if let Some(t) = e.corrects.as_deref().filter(|t| *t != e.event_id) {
            let list = self.naming.entry(t).or_default();
            let key = |c: usize| (events[c].recorded, events[c].seq);
            let at = list.partition_point(|&c| key(c) < key(i));
            list.insert(at, i);
        }
        displaced
    }

    /// The event in play that `i` corrects.
    pub fn target(&self, i: usize) -> Option<usize> {
        let e = &self.events[i];
        e.corrects
            .as_deref()
            .filter(|t| *t != e.event_id)
            .and_then(|t| self.by_id.get(t).copied())
    }

    /// The corrections in play that name event `i` (skipped ones included).
    pub fn naming(&self, i: usize) -> &[usize] {
        self.naming
            .get(self.events[i].event_id.as_str())
            .map_or(&[], Vec::as_slice)
    }

    /// The corrections that amend event `i`, in the order they were recorded.
    fn correctors(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let own = self.by_id.get(self.events[i].event_id.as_str()) == Some(&i);
        let list = if own { self.naming(i) } else { &[] };
        list.iter().copied().filter(|&c| !self.events[c].skipped)
    }

    /// The id `e` corrects, when that is an event in play or elsewhere in the case.
    fn target_id<'a>(&self, e: &'a FoldEvent) -> Option<&'a str> {
        e.corrects
            .as_deref()
            .filter(|t| *t != e.event_id)
            .filter(|t| self.by_id.contains_key(t) || self.known_elsewhere.contains(*t))
    }

    /// What event `i` does in `view`, given the events in play.
    pub fn step(&self, i: usize, view: View, rules: &FoldRules) -> Step {
        self.step_owned(i, self.events[i].payload.value(), view, rules)
    }

    /// [`Self::step`] with event `i`'s payload given, for a fold that reads payloads as it goes
    /// and keeps only the corrections' in memory (the ones `amended` reads).
    pub fn step_with(&self, i: usize, payload: &Value, view: View, rules: &FoldRules) -> Step {
        self.step_owned(i, payload.clone(), view, rules)
    }

    /// [`Self::step_with`] taking the payload.
    pub fn step_owned(&self, i: usize, payload: Value, view: View, rules: &FoldRules) -> Step {
        let e = &self.events[i];
        let (payload, reached) = upcast_owned(rules, &e.event_type, e.schema_version, payload);
        let upcast = (reached != e.schema_version).then_some((e.schema_version, reached));
        let mut step = Step {
            index: i,
            effect: Some(payload),
            effect_type: e.event_type.clone(),
            upcast,
            notes: Vec::new(),
        };
        if view == View::AsRecorded {
            if let Some(t) = &e.corrects {
                step.notes.push(format!(
                    "correction of {t}; as recorded it applies as an event of its own"
                ));
            }
            if e.skipped {
                step.notes
                    .push("marked skipped at the source; as recorded it applies".into());
            }
            return step;
        }
        if let Some(t) = self.target_id(e) {
            step.effect = None;
            step.notes.push(if self.by_id.contains_key(t) {
                format!("correction of {t}; takes effect in {t}'s place")
            } else {
                format!("correction of {t}, an event of another stream; no effect here")
            });
            return step;
        }
        if e.skipped {
            step.effect = None;
            step.notes.push("marked skipped at the source".into());
            return step;
        }
        // Most events have no correction: no amending (and no set of visited events to make).
        if self.correctors(i).next().is_some() {
            let mut visiting = HashSet::new();
            step.effect =
                self.amended(rules, i, step.effect.take(), &mut visiting, &mut step.notes);
        }
        step
    }

    /// `payload` of event `i` after every correction of it (and of those corrections) in record
    /// order.
    fn amended(
        &self,
        rules: &FoldRules,
        i: usize,
        payload: Option<Value>,
        visiting: &mut HashSet<usize>,
        notes: &mut Vec<String>,
    ) -> Option<Value> {
        let events = self.events;
        if !visiting.insert(i) {
            notes.push(format!(
                "corrections of {} form a cycle; the cycle was cut",
                events[i].event_id
            ));
            return payload;
        }
        let mut current = payload;
        for c in self.correctors(i) {
            let ce = &events[c];
            if ce.retracts() {
                notes.push(format!("retracted by {}", ce.event_id));
                current = None;
                continue;
            }
            let (cp, _) =
                upcast_owned(rules, &ce.event_type, ce.schema_version, ce.payload.value());
            let cp = self.amended(rules, c, Some(cp), visiting, notes);
            notes.push(format!("corrected by {}", ce.event_id));
            current = match (current, cp) {
                (Some(mut base), Some(patch)) => {
                    merge_patch(&mut base, &patch);
                    Some(base)
                }
                (None, patch) => patch,
                (base, None) => base,
            };
        }
        visiting.remove(&i);
        current
    }
}

/// RFC 7396 JSON merge patch of `patch` into `target`.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    merge_patch_owned(target, patch.clone());
}

/// [`merge_patch`] of a patch the caller no longer needs: its keys and values move into the
/// target instead of being copied.
pub fn merge_patch_owned(target: &mut Value, patch: Value) {
    let Value::Object(patch) = patch else {
        *target = patch;
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let map = target.as_object_mut().expect("made an object above");
    for (k, v) in patch {
        if v.is_null() {
            map.remove(&k);
        } else {
            merge_patch_owned(map.entry(k).or_insert(Value::Null), v);
        }
    }
}

fn segments(path: &str) -> Vec<&str> {
    path.split('.')
        .filter(|s| !s.is_empty() && *s != "$")
        .collect()
}

/// The value at a dotted path ("" or "$" is the whole value).
pub fn get_path<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    segments(path)
        .into_iter()
        .try_fold(v, |node, seg| node.as_object()?.get(seg))
}

fn take_path(v: &mut Value, path: &str) -> Option<Value> {
    let segs = segments(path);
    let (last, parents) = segs.split_last()?;
    let mut node = v;
    for seg in parents {
        node = node.as_object_mut()?.get_mut(*seg)?;
    }
    node.as_object_mut()?.remove(*last)
}

/// Sets a dotted path, creating objects on the way (replacing non-objects in the way).
fn put_path(v: &mut Value, path: &str, value: Value) {
    let segs = segments(path);
    let Some((last, parents)) = segs.split_last() else {
        *v = value;
        return;
    };
    let mut node = v;
    for seg in parents {
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
        node = node
            .as_object_mut()
            .expect("made an object above")
            .entry(seg.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if !node.is_object() {
        *node = Value::Object(Map::new());
    }
    node.as_object_mut()
        .expect("made an object above")
        .insert(last.to_string(), value);
}

fn slot<'v>(v: &'v mut Value, path: &str) -> &'v mut Value {
    if get_path(v, path).is_none() {
        put_path(v, path, Value::Null);
    }
    segments(path).into_iter().fold(v, |node, seg| {
        node.as_object_mut()
            .expect("put_path made objects")
            .get_mut(seg)
            .expect("put_path made the path")
    })
}

/// An entity's state: `None` before it exists and after it is deleted.
pub type State = Option<Value>;

/// Applies one effect to a state; returns notes on anything that could not be done as asked.
pub fn apply(
    state: &mut State,
    effect_type: &str,
    payload: &Value,
    rules: &FoldRules,
) -> Vec<String> {
    let mut notes = Vec::new();
    let Some(rule) = rules.rule_for(effect_type) else {
        if payload.is_object() {
            merge_patch(
                state.get_or_insert_with(|| Value::Object(Map::new())),
                payload,
            );
        } else {
            notes.push("the payload is not an object; the default merge changes nothing".into());
        }
        return notes;
    };
    apply_rule(state, rule, payload, &mut notes);
    notes
}

/// [`apply`] of an effect the caller no longer needs (a merge moves it into the state).
pub fn apply_owned(
    state: &mut State,
    effect_type: &str,
    payload: Value,
    rules: &FoldRules,
) -> Vec<String> {
    if rules.rule_for(effect_type).is_none() && payload.is_object() {
        merge_patch_owned(
            state.get_or_insert_with(|| Value::Object(Map::new())),
            payload,
        );
        return Vec::new();
    }
    apply(state, effect_type, &payload, rules)
}

fn apply_rule(state: &mut State, rule: &Rule, payload: &Value, notes: &mut Vec<String>) {
    if rule.delete_entity {
        *state = None;
        return;
    }
    if rule.replace {
        replace(state, payload, notes);
    }
    let s = state.get_or_insert_with(|| Value::Object(Map::new()));
    for path in &rule.unset {
        take_path(s, path);
    }
    for (to, from) in &rule.set {
        if let Some(v) = get_path(payload, from) {
            put_path(s, to, v.clone());
        }
    }
    for (to, from) in &rule.merge {
        if let Some(v) = get_path(payload, from) {
            if to.is_empty() || to == "$" {
                merge_patch(s, v);
            } else {
                merge_patch(slot(s, to), v);
            }
        }
    }
    for (to, from) in &rule.increment {
        let Some(by) = get_path(payload, from) else {
            continue;
        };
        let Some(by) = by.as_f64() else {
            notes.push(format!("increment of {to}: `{from}` is not a number"));
            continue;
        };
        let current = slot(s, to);
        match current {
            Value::Null => *current = number(by),
            Value::Number(n) => *current = number(n.as_f64().unwrap_or(0.0) + by),
            _ => notes.push(format!(
                "increment of {to}: the state there is not a number"
            )),
        }
    }
    for (to, from) in &rule.append {
        let Some(v) = get_path(payload, from) else {
            continue;
        };
        let current = slot(s, to);
        match current {
            Value::Null => *current = Value::Array(vec![v.clone()]),
            Value::Array(items) => items.push(v.clone()),
            _ => notes.push(format!("append to {to}: the state there is not a list")),
        }
    }
    for (to, from) in &rule.remove {
        let Some(v) = get_path(payload, from) else {
            continue;
        };
        match get_path(s, to).map(Value::is_array) {
            Some(true) => {
                if let Value::Array(items) = slot(s, to) {
                    items.retain(|i| i != v);
                }
            }
            Some(false) => notes.push(format!("remove from {to}: the state there is not a list")),
            None => {}
        }
    }
}

/// The payload becomes the whole state (a database row after its change). A field holding
/// Debezium's unavailable-value placeholder was not sent: it keeps its previous value, or is left
/// out when there was none.
fn replace(state: &mut State, payload: &Value, notes: &mut Vec<String>) {
    let Value::Object(row) = payload else {
        notes.push("the payload is not an object; the state was not replaced".into());
        return;
    };
    let previous = state.take();
    let mut next = row.clone();
    for (k, v) in row {
        if v.as_str() != Some(UNAVAILABLE_VALUE) {
            continue;
        }
        match previous.as_ref().and_then(|p| p.get(k)) {
            Some(old) => {
                next.insert(k.clone(), old.clone());
                notes.push(format!(
                    "{k}: not sent with the change (unavailable); its previous value is kept"
                ));
            }
            None => {
                next.remove(k);
                notes.push(format!(
                    "{k}: not sent with the change (unavailable) and not known before; left out"
                ));
            }
        }
    }
    *state = Some(Value::Object(next));
}

/// True when the event type's effect restates every field its payload holds (no rule: a merge
/// patch; a replacing rule), so a field present is set again even when its value is unchanged.
pub fn restates(rules: &FoldRules, effect_type: &str, payload: &Value, path: &str) -> bool {
    let restating = rules.rule_for(effect_type).is_none_or(|r| r.replace);
    restating && get_path(payload, path).is_some_and(|v| v.as_str() != Some(UNAVAILABLE_VALUE))
}

/// A JSON number: an integer when the value is whole and in range, else a float.
fn number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9.007e15 {
        Value::from(value as i64)
    } else {
        serde_json::Number::from_f64(value)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

/// One field-level change between two states.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Change {
    pub path: String,
    /// `add`, `remove` or `change`.
    pub op: &'static str,
    pub old: Value,
    pub new: Value,
}

fn join(prefix: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (prefix.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{prefix}.{key}"),
        (_, false) => format!("{prefix}[{}]", Value::from(key)),
    }
}

/// Field-level differences: objects are compared key by key, anything else as a whole value.
pub fn diff(old: &State, new: &State) -> Vec<Change> {
    let empty = Value::Object(Map::new());
    let mut out = Vec::new();
    diff_into(
        "",
        old.as_ref().unwrap_or(&empty),
        new.as_ref().unwrap_or(&empty),
        &mut out,
    );
    out
}

fn diff_into(path: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, av) in a {
                match b.get(k) {
                    Some(bv) => diff_into(&join(path, k), av, bv, out),
                    None => out.push(Change {
                        path: join(path, k),
                        op: "remove",
                        old: av.clone(),
                        new: Value::Null,
                    }),
                }
            }
            for (k, bv) in b {
                if !a.contains_key(k) {
                    out.push(Change {
                        path: join(path, k),
                        op: "add",
                        old: Value::Null,
                        new: bv.clone(),
                    });
                }
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(Change {
            path: path.to_string(),
            op: "change",
            old: a.clone(),
            new: b.clone(),
        }),
    }
}

/// The state of a stream at `at` on an axis: the fold of the planned steps whose time is <= at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AsOf {
    pub state: State,
    /// Events with axis time <= at (applied or not).
    pub events_seen: usize,
    /// Events whose effect was applied.
    pub events_applied: usize,
    pub last_event_id: Option<String>,
    /// The highest stream_version seen, or the count seen when the stream has no versions.
    pub version: Option<i64>,
}

/// Folds `events` up to and including `at`.
pub fn as_of(
    events: &[FoldEvent],
    steps: &[Step],
    axis: Axis,
    at: Micros,
    rules: &FoldRules,
) -> AsOf {
    let mut state: State = None;
    let mut seen = 0;
    let mut applied = 0;
    let mut last = None;
    let mut version: Option<i64> = None;
    for step in steps {
        let e = &events[step.index];
        if e.time(axis) > at {
            break;
        }
        seen += 1;
        last = Some(e.event_id.clone());
        version = match (version, e.stream_version) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if let Some(effect) = &step.effect {
            apply(&mut state, &step.effect_type, effect, rules);
            applied += 1;
        }
    }
    let has_versions = events.iter().any(|e| e.stream_version.is_some());
    AsOf {
        state,
        events_seen: seen,
        events_applied: applied,
        last_event_id: last,
        version: if has_versions {
            version
        } else {
            Some(seen as i64)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(id: &str, t: i64, rec: i64, ty: &str, payload: Value) -> FoldEvent {
        FoldEvent::plain(t, id, ty, (t, rec), payload)
    }

    fn fold(events: &[FoldEvent], axis: Axis, view: View, at: i64, rules: &FoldRules) -> State {
        let steps = plan(events, axis, view, rules, &HashSet::new());
        as_of(events, &steps, axis, at, rules).state
    }

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut t = json!({"a": {"b": 1, "c": 2}, "d": [1]});
        merge_patch(&mut t, &json!({"a": {"b": null, "e": 3}, "d": [2]}));
        assert_eq!(t, json!({"a": {"c": 2, "e": 3}, "d": [2]}));
    }

    /// RFC 7396's Appendix A, for the merge that copies the patch and the one that moves it.
    #[test]
    fn merge_patch_owned_and_borrowed_give_the_rfc_7396_examples() {
        let examples = [
            (json!({"a":"b"}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"b"}), json!({"b":"c"}), json!({"a":"b","b":"c"})),
            (json!({"a":"b"}), json!({"a":null}), json!({})),
            (
                json!({"a":"b","b":"c"}),
                json!({"a":null}),
                json!({"b":"c"}),
            ),
            (json!({"a":["b"]}), json!({"a":"c"}), json!({"a":"c"})),
            (json!({"a":"c"}), json!({"a":["b"]}), json!({"a":["b"]})),
            (
                json!({"a":{"b":"c"}}),
                json!({"a":{"b":"d","c":null}}),
                json!({"a":{"b":"d"}}),
            ),
            (json!({"a":[{"b":"c"}]}), json!({"a":[1]}), json!({"a":[1]})),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a":"b"}), json!(["c"]), json!(["c"])),
            (json!({"a":"foo"}), json!(null), json!(null)),
            (json!({"a":"foo"}), json!("bar"), json!("bar")),
            (json!({"e":null}), json!({"a":1}), json!({"e":null,"a":1})),
            (json!([1, 2]), json!({"a":"b","c":null}), json!({"a":"b"})),
            (
                json!({}),
                json!({"a":{"bb":{"ccc":null}}}),
                json!({"a":{"bb":{}}}),
            ),
        ];
        for (target, patch, result) in examples {
            let mut borrowed = target.clone();
            merge_patch(&mut borrowed, &patch);
            assert_eq!(borrowed, result, "{target} + {patch}");
            let mut owned = target.clone();
            merge_patch_owned(&mut owned, patch.clone());
            assert_eq!(owned, result, "{target} + {patch}");
        }
    }

    #[test]
    fn late_events_count_on_the_recorded_axis_only_once_recorded() {
        let events = vec![
            ev("1", 10, 11, "Scored", json!({"score": 592})),
            ev("2", 20, 100, "Scored", json!({"score": 519})),
        ];
        let r = FoldRules::default();
        let at = 50;
        assert_eq!(
            fold(&events, Axis::Recorded, View::AsCorrected, at, &r),
            Some(json!({"score": 592}))
        );
        assert_eq!(
            fold(&events, Axis::Occurred, View::AsCorrected, at, &r),
            Some(json!({"score": 519}))
        );
        assert_eq!(
            fold(&events, Axis::Occurred, View::AsCorrected, 5, &r),
            None
        );
    }

    #[test]
    fn corrections_amend_in_place_as_corrected_and_apply_late_as_recorded() {
        let mut fix = ev(
            "3",
            30,
            30,
            "DecisionOverridden",
            json!({"label": "approve"}),
        );
        fix.corrects = Some("2".into());
        let events = vec![
            ev("1", 10, 10, "Registered", json!({"name": "A"})),
            ev(
                "2",
                20,
                20,
                "Decided",
                json!({"label": "decline", "score": 0.2}),
            ),
            fix,
            ev("4", 40, 40, "Decided", json!({"note": "later"})),
        ];
        let r = FoldRules::default();
        // As corrected, the fix is visible at 25 (before it was made): what we know now.
        assert_eq!(
            fold(&events, Axis::Recorded, View::AsCorrected, 25, &r),
            Some(json!({"name": "A", "label": "approve", "score": 0.2}))
        );
        // As recorded, the mistake stands until the fix was recorded.
        assert_eq!(
            fold(&events, Axis::Recorded, View::AsRecorded, 25, &r),
            Some(json!({"name": "A", "label": "decline", "score": 0.2}))
        );
        assert_eq!(
            fold(&events, Axis::Recorded, View::AsRecorded, 35, &r),
            Some(json!({"name": "A", "label": "approve", "score": 0.2}))
        );
        let mut retract = ev("5", 50, 50, "DecisionRetracted", Value::Null);
        retract.corrects = Some("4".into());
        let mut with_retraction = events.clone();
        with_retraction.push(retract);
        assert_eq!(
            fold(&with_retraction, Axis::Recorded, View::AsCorrected, 60, &r),
            Some(json!({"name": "A", "label": "approve", "score": 0.2}))
        );
    }

    #[test]
    fn rules_set_increment_append_remove_unset_and_delete() {
        let r = FoldRules::parse(
            r#"
[[rule]]
event_type = "Paid"
increment = { "paid" = "amount" }
append = { "payments" = "" }
set = { "last.amount" = "amount" }
[[rule]]
event_type = "Refunded"
remove = { "payments" = "refund" }
increment = { "paid" = "minus" }
unset = ["last"]
[[rule]]
event_type = "Erased"
delete_entity = true
"#,
            "test",
        )
        .unwrap();
        let events = vec![
            ev("1", 1, 1, "Paid", json!({"amount": 10})),
            ev("2", 2, 2, "Paid", json!({"amount": 2.5})),
            ev(
                "3",
                3,
                3,
                "Refunded",
                json!({"refund": {"amount": 10}, "minus": -10}),
            ),
            ev("4", 4, 4, "Erased", json!({})),
            ev("5", 5, 5, "Paid", json!({"amount": 1})),
        ];
        let at = |t| fold(&events, Axis::Recorded, View::AsCorrected, t, &r);
        assert_eq!(
            at(2),
            Some(
                json!({"paid": 12.5, "payments": [{"amount": 10}, {"amount": 2.5}], "last": {"amount": 2.5}})
            )
        );
        assert_eq!(
            at(3),
            Some(json!({"paid": 2.5, "payments": [{"amount": 2.5}]}))
        );
        assert_eq!(at(4), None);
        assert_eq!(
            at(5),
            Some(json!({"paid": 1, "payments": [{"amount": 1}], "last": {"amount": 1}}))
        );
    }

    #[test]
    fn row_changes_replace_the_state_keep_unavailable_columns_and_deletes_end_it() {
        use crate::timeline::rules::{ROW_CREATED, ROW_DELETED, ROW_UPDATED, TOMBSTONE};
        let r = FoldRules::default();
        let events = vec![
            ev(
                "1",
                1,
                1,
                ROW_CREATED,
                json!({"id": 1, "status": "applied", "notes": "ref", "tag": "x"}),
            ),
            ev(
                "2",
                2,
                2,
                ROW_UPDATED,
                json!({"id": 1, "status": "screened", "notes": UNAVAILABLE_VALUE, "extra": UNAVAILABLE_VALUE}),
            ),
            ev("3", 3, 3, ROW_DELETED, Value::Null),
            ev("4", 4, 4, TOMBSTONE, Value::Null),
            ev("5", 5, 5, ROW_CREATED, json!({"id": 1})),
        ];
        let at = |t| fold(&events, Axis::Recorded, View::AsCorrected, t, &r);
        // Replaced, not merged: `tag` is gone; `notes` was not sent, so it keeps its value; `extra`
        // was never known.
        assert_eq!(
            at(2),
            Some(json!({"id": 1, "status": "screened", "notes": "ref"}))
        );
        assert_eq!(at(3), None);
        assert_eq!(at(4), None);
        assert_eq!(at(5), Some(json!({"id": 1})));
        let mut state = at(1);
        let notes = apply(&mut state, ROW_UPDATED, &events[1].payload.value(), &r);
        assert_eq!(notes.len(), 2, "{notes:?}");
        // The case's own rule for the type wins over the built-in one.
        let own = FoldRules::parse(
            "[[rule]]\nevent_type = \"RowUpdated\"\nmerge = { \"\" = \"\" }",
            "t",
        )
        .unwrap();
        assert_eq!(
            fold(&events[..2], Axis::Recorded, View::AsCorrected, 2, &own).unwrap()["tag"],
            json!("x")
        );
        assert!(restates(
            &r,
            ROW_UPDATED,
            &events[1].payload.value(),
            "status"
        ));
        assert!(!restates(
            &r,
            ROW_UPDATED,
            &events[1].payload.value(),
            "notes"
        ));
    }

    #[test]
    fn upcasters_chain_versions_and_leave_the_raw_payload_alone() {
        let r = FoldRules::parse(
            r#"
[[upcaster]]
event_type = "Scored"
schema_version = 1
rename = { score = "credit_score" }
[[upcaster]]
event_type = "Scored"
schema_version = 2
move = { "credit_score" = "credit.score" }
defaults = { "credit.bureau" = "unknown" }
"#,
            "test",
        )
        .unwrap();
        let raw = json!({"score": 700});
        let (p, v) = upcast(&r, "Scored", 1, &raw);
        assert_eq!(p, json!({"credit": {"score": 700, "bureau": "unknown"}}));
        assert_eq!(v, 3);
        assert_eq!(raw, json!({"score": 700}));
        let (same, v2) = upcast(&r, "Scored", 3, &raw);
        assert_eq!((same, v2), (raw, 3));
    }

    #[test]
    fn diffs_name_each_changed_field() {
        let d = diff(
            &Some(json!({"a": 1, "b": {"c": 2, "d": 3}, "x.y": 1})),
            &Some(json!({"a": 1, "b": {"c": 5}, "e": [1]})),
        );
        let ops: Vec<(String, &str)> = d.iter().map(|c| (c.path.clone(), c.op)).collect();
        assert_eq!(
            ops,
            vec![
                ("b.c".to_string(), "change"),
                ("b.d".to_string(), "remove"),
                ("[\"x.y\"]".to_string(), "remove"),
                ("e".to_string(), "add"),
            ]
        );
    }
}
