//! The decisions in a case: which events record a model deciding something about a subject, in one
//! normalized shape (model, version, inputs as the model saw them, output, LLM fields, retrieved
//! context), and the questions asked of them: `explain` (what the model saw against what the system
//! knew and what was true) and `replay` (run the decision again through an investigator's replayer).
//!
//! The decision view is derived, like the time machine's snapshots: `build` reads the events once
//! into `decisions` (plus the links to what corrected or followed each one, the model deployments and
//! the context chunks), audits every decision's recorded inputs against the subject's state as the
//! system knew it then (stale inputs become findings), and stores the key it was built from. It is
//! rebuilt when the events or the decision rules change.

pub mod explain;
pub mod models;
pub mod normalize;
pub mod rates;
pub mod replay;
pub mod report;
pub mod traces;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use duckdb::arrow::array::{
    ArrayRef, Float64Builder, Int64Array, StringArray, StringBuilder, TimestampMicrosecondBuilder,
};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::{params, Connection};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::findings::{self, FindingKind};
use crate::model::json::{Key, ValueKind};
use crate::model::Axis;
use crate::model::{format_micros, Micros};
use crate::timeline::fold::{self, View};
use crate::timeline::{load_rules, snapshots};
use normalize::{Candidate, CandidatePayload, Kind};
use rayon::prelude::*;

const RULES_KEY: &str = "decision_rules";
const BUILT_KEY: &str = "decisions_built_from";
/// The catalogue of input keys, rebuilt with the view.
const INPUTS_KEY: &str = "decision_input_keys";
/// The spec the typed copy of the inputs (`decision_inputs`) was built with.
const TYPED_INPUTS_KEY: &str = "decision_inputs_typed";
/// Marks the layout of `decision_inputs` before its spec; a table of an older layout (the typed
/// struct alone, joined to `decisions`) is not read, and the comparison parses the inputs instead.
const TYPED_INPUTS_LAYOUT: &str = "layout 2:";

/// Which events are decisions, as the investigator configured it (TOML kept in the case).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct DecisionRules {
    /// Also detect decisions: events with a model (name or version) and an output, and OTLP GenAI spans.
    #[serde(default = "yes")]
    pub detect: bool,
    /// Event types that are decisions whatever their payload holds, and where their subject is.
    #[serde(default, rename = "decision")]
    pub decisions: Vec<DecisionType>,
    /// Event types never taken as decisions (for detections that are wrong).
    #[serde(default)]
    pub exclude: Vec<String>,
}

fn yes() -> bool {
    true
}

impl Default for DecisionRules {
    fn default() -> Self {
        DecisionRules {
            detect: true,
            decisions: Vec::new(),
            exclude: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct DecisionType {
    pub event_type: String,
    /// A top-level payload field naming the subject's stream (default: the event's own stream).
    #[serde(default)]
    pub subject: Option<String>,
}

impl DecisionRules {
    pub fn parse(text: &str, origin: &str) -> Result<DecisionRules> {
        toml::from_str(text).map_err(|e| Error::BadArgument {
            message: format!(
                "The decision rules in {origin} are not valid: {}",
                e.message()
            ),
        })
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("decision rules serialize")
    }

    fn configured(&self, event_type: &str) -> Option<&DecisionType> {
        self.decisions.iter().find(|d| d.event_type == event_type)
    }
}

pub fn load_rules_of_decisions(conn: &Connection) -> Result<DecisionRules> {
    let text: Option<String> = crate::store::meta::get(conn, RULES_KEY);
    match text {
        Some(t) => DecisionRules::parse(&t, "the case"),
        None => Ok(DecisionRules::default()),
    }
}

pub fn save_rules_of_decisions(
    conn: &Connection,
    text: &str,
    origin: &str,
) -> Result<DecisionRules> {
    let rules = DecisionRules::parse(text, origin)?;
    crate::store::meta::set(conn, RULES_KEY, &rules.to_toml())?;
    Ok(rules)
}

/// One decision in its normalized shape.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Decision {
    pub decision_id: String,
    /// The event that records it.
    pub event_id: String,
    /// The stream the event is in.
    pub stream_id: String,
    /// The entity the decision is about (the event's stream unless the rules or payload say otherwise).
    pub subject_id: String,
    pub event_type: String,
    /// When the model decided (the event's occurred time).
    pub decided_at: String,
    /// When the system recorded the decision.
    pub recorded_at: String,
    pub actor: Option<String>,
    pub model: Option<String>,
    pub model_version: Option<String>,
    /// The features as the model saw them.
    pub inputs: Value,
    /// What the model answered (score, label, confidence, reasoning; or the LLM's response).
    pub output: Value,
    /// The output's label (or class, prediction, acuity), as text, for filtering.
    pub label: Option<String>,
    pub score: Option<f64>,
    /// Set for LLM decisions.
    pub llm: Option<LlmFields>,
    pub retrieved_context_ids: Vec<String>,
    pub feature_set_hash: Option<String>,
    pub causation_id: Option<String>,
    pub correlation_id: Option<String>,
    /// Recorded inputs that differ from what the system knew when the model decided.
    pub stale_inputs: i64,
    /// Events that correct (override) this decision.
    pub corrections: i64,
    /// The verdict of the latest replay of this decision.
    pub last_replay: Option<replay::ReplayStatus>,
}

/// The fields an LLM call carries.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct LlmFields {
    pub system_prompt: Value,
    pub prompt: Value,
    pub parameters: Value,
    pub response: Value,
    pub tokens: Value,
    pub finish_reason: Value,
}

/// Which decisions a list or a replay is about.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct DecisionQuery {
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub model_version: Option<String>,
    /// Decided at or after (RFC 3339).
    #[serde(default)]
    pub from: Option<String>,
    /// Decided at or before (RFC 3339).
    #[serde(default)]
    pub to: Option<String>,
    /// Subject (or stream) id containing this text.
    #[serde(default)]
    pub subject: Option<String>,
    /// The output's label.
    #[serde(default)]
    pub label: Option<String>,
    /// Latest replay verdict, or never replayed.
    #[serde(default)]
    pub replay: Option<replay::ReplayFilter>,
    /// Only decisions with stale inputs.
    #[serde(default)]
    pub stale_only: bool,
    /// More fields that must equal a value: `actor`, `event_type`, or `input.NAME` (an input as
    /// text). Cohort filters use them; the app's list does not.
    #[serde(default)]
    #[ts(skip)]
    pub fields: Vec<(String, String)>,
    /// `subject` is matched against decision ids only (the operator view, where subjects and
    /// streams are named by pseudonyms and a search of their real ids would tell them).
    #[serde(skip)]
    #[ts(skip)]
    pub subject_by_decision_id_only: bool,
    #[serde(default)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub offset: Option<usize>,
    /// Start after this page cursor (a page's `next`) instead of at `offset`: as quick a million
    /// decisions deep as at the start.
    #[serde(default)]
    pub after: Option<String>,
}

/// A page of decisions and what the whole filter holds.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct DecisionPage {
    pub decisions: Vec<Decision>,
    /// Decisions matching the filter in all.
    pub total: i64,
    /// The cursor of the next page (`after`), when this one was full.
    pub next: Option<String>,
    /// Models and versions in the case, with their decision counts (for filters).
    pub versions: Vec<VersionCount>,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct VersionCount {
    pub model: Option<String>,
    pub model_version: Option<String>,
    pub decisions: i64,
}

/// Progress of building the decision view.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct DecisionBuildProgress {
    pub phase: String,
    pub done: u64,
    pub total: u64,
}

/// The key the decision view was built from: the case's sources and event count and both rule sets.
fn current_key(conn: &Connection, rules: &DecisionRules) -> Result<String> {
    let (sources, events) = crate::store::sources_and_events(conn)?;
    let fold_rules = load_rules(conn)?;
    Ok(format!(
        "{}|{events}|{}|{}",
        crate::store::sql::sha256_text(&sources),
        crate::store::sql::sha256_text(&rules.to_toml()),
        fold_rules.fingerprint()
    ))
}

/// True when the stored decision view was built from the case as it is now.
pub fn is_current(conn: &Connection) -> Result<bool> {
    let rules = load_rules_of_decisions(conn)?;
    let want = current_key(conn, &rules)?;
    let built: Option<String> = crate::store::meta::get(conn, BUILT_KEY);
    Ok(built.as_deref() == Some(want.as_str()))
}

/// Builds the decision view when it is missing or stale; true when it built it.
pub fn ensure_built(conn: &Connection, progress: &dyn Fn(&DecisionBuildProgress)) -> Result<bool> {
    if is_current(conn)? {
        // A view built by an older Casefile keeps its typed copy in an older layout: only that
        // copy is built again (seconds), not the whole view.
        let layout = crate::store::meta::get(conn, TYPED_INPUTS_KEY);
        if layout.is_some_and(|l| !l.starts_with(TYPED_INPUTS_LAYOUT)) {
            build_typed_inputs(conn, &input_keys(conn)?)?;
        }
        return Ok(false);
    }
    build(conn, progress)?;
    Ok(true)
}

/// Reads the events into the decision view, in one transaction.
pub fn build(conn: &Connection, progress: &dyn Fn(&DecisionBuildProgress)) -> Result<()> {
    let rules = load_rules_of_decisions(conn)?;
    let key = current_key(conn, &rules)?;
    let report = |phase: &str, done: u64, total: u64| {
        progress(&DecisionBuildProgress {
            phase: phase.to_string(),
            done,
            total,
        })
    };
    crate::store::in_transaction(conn, || {
        conn.execute_batch(
            "DELETE FROM decisions; DELETE FROM decision_links; DELETE FROM model_deployments;
             DELETE FROM context_refs;",
        )?;
        findings::clear(conn, FindingKind::StaleInput)?;
        report("finding decisions", 0, 0);
        let (found, mut keys) = load_candidates(conn, &rules, &report)?;
        traces::link(conn)?;
        // Linking merges some LLM log records into the decision they detail: counted while found,
        // their input keys are counted again without them.
        let kept: i64 = conn.query_row("SELECT count(*) FROM decisions", [], |r| r.get(0))?;
        if kept as usize != found {
            keys = count_input_keys(conn)?;
        }
        report(
            "linking corrections and outcomes",
            found as u64,
            found as u64,
        );
        conn.execute_batch(
            "UPDATE decisions SET subject_id = subject_hint
                 WHERE subject_hint IS NOT NULL AND subject_hint IN (SELECT stream_id FROM events);
             INSERT INTO decision_links
                 SELECT d.event_id, e.event_id, e.stream_id, 'corrects' FROM events e JOIN decisions d ON e.corrects = d.event_id;
             INSERT INTO decision_links
                 SELECT d.event_id, e.event_id, e.stream_id, 'caused' FROM events e JOIN decisions d ON e.causation_id = d.event_id;
             UPDATE decisions SET corrections = c.n FROM
                 (SELECT decision_event_id, count(*) AS n FROM decision_links WHERE link = 'corrects' GROUP BY ALL) c
                 WHERE decisions.event_id = c.decision_event_id;
             INSERT INTO context_refs
                 SELECT DISTINCT json_extract_string(payload, '$.chunk_id'), stream_id FROM events
                 WHERE payload::VARCHAR LIKE '%\"chunk_id\"%' AND json_extract_string(payload, '$.chunk_id') IS NOT NULL;",
        )?;
        audit_inputs(conn, &report)?;
        report(
            "checking decisions against their models",
            found as u64,
            found as u64,
        );
        models::record_findings(conn)?;
        report("cataloguing the inputs", found as u64, found as u64);
        store_input_keys(conn, &keys)?;
        build_typed_inputs(conn, &keys)?;
        crate::store::meta::set(conn, BUILT_KEY, &key)?;
        Ok(())
    })
}

/// An input key the decisions record, with how many decisions give it a number and how many any
/// scalar (numbers, text, booleans).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputKey {
    pub key: String,
    pub numeric: u64,
    pub scalar: u64,
}

impl InputKey {
    /// Mostly numbers (at least 90% of its scalar values), so compared as a number.
    pub fn is_numeric(&self) -> bool {
        self.numeric * 10 >= self.scalar * 9
    }
}

/// The `json_transform` type spec that reads every input at once (each decision's inputs parsed
/// once, not once per column), and the keys it cannot carry: struct field names are
/// case-insensitive, so keys equal but for case are read one by one instead.
pub fn typed_inputs_spec(inputs: &[(String, bool)]) -> (Option<String>, Vec<String>) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (k, _) in inputs {
        *seen.entry(k.to_lowercase()).or_default() += 1;
    }
    let mut spec = serde_json::Map::new();
    let mut apart = Vec::new();
    for (k, numeric) in inputs {
        if seen[&k.to_lowercase()] > 1 {
            apart.push(k.clone());
        } else {
            spec.insert(
                k.clone(),
                serde_json::Value::from(if *numeric { "DOUBLE" } else { "VARCHAR" }),
            );
        }
    }
    (
        (!spec.is_empty()).then(|| serde_json::Value::Object(spec).to_string()),
        apart,
    )
}

/// A narrow, typed copy of the decision view for comparisons over a million decisions
/// (`decision_inputs`): the fields a cohort filter reads but the inputs' JSON (named as in
/// `decisions`, so the same filter applies to either table), the output's confidence as a number,
/// `typed`, a struct of the catalogued input keys (numbers as DOUBLE, the rest as text), and
/// `same_inputs`, a 64-bit hash of subject and inputs that pairs decisions made on the same inputs.
/// A drift comparison then scans columns, with no JSON to parse and no join. Rebuilt with the
/// view; the layout and spec it was built with are kept in `case_meta`.
fn build_typed_inputs(conn: &Connection, keys: &[InputKey]) -> Result<()> {
    let inputs: Vec<(String, bool)> = keys
        .iter()
        .filter(|k| k.scalar > 0)
        .map(|k| (k.key.clone(), k.is_numeric()))
        .collect();
    let (spec, _) = typed_inputs_spec(&inputs);
    let typed = spec.as_ref().map_or(String::new(), |s| {
        format!(
            ", json_transform(d.inputs, '{}') AS typed",
            s.replace('\'', "''")
        )
    });
    conn.execute_batch(&format!(
        "DROP TABLE IF EXISTS decision_inputs;
         CREATE TABLE decision_inputs AS
             SELECT d.decision_id, d.event_id, d.stream_id, d.subject_id, d.event_type, d.decided_at,
                    d.actor, d.model, d.model_version, d.label, d.score, d.stale_inputs,
                    TRY_CAST(json_extract_string(d.output, '$.confidence') AS DOUBLE) AS confidence,
                    hash(d.subject_id, d.inputs) AS same_inputs{typed}
             FROM decisions d;"
    ))?;
    crate::store::meta::set(
        conn,
        TYPED_INPUTS_KEY,
        &format!("{TYPED_INPUTS_LAYOUT}{}", spec.as_deref().unwrap_or("")),
    )?;
    Ok(())
}

/// The spec `decision_inputs` was built with, when the view has that table.
pub fn typed_inputs_table(conn: &Connection) -> Option<String> {
    crate::store::meta::get(conn, TYPED_INPUTS_KEY)?
        .strip_prefix(TYPED_INPUTS_LAYOUT)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Every input key of the decision view with its counts, each decision's inputs read once.
/// (Asking DuckDB for each key's `json_type` parsed a decision's inputs once per key: 15 s of a
/// 2M-decision view with 20 inputs.)
fn count_input_keys(conn: &Connection) -> Result<Vec<InputKey>> {
    // On the building connection: the view is counted inside the transaction that writes it.
    let mut stmt =
        conn.prepare("SELECT inputs::VARCHAR FROM decisions WHERE inputs IS NOT NULL")?;
    let mut counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for batch in stmt.stream_arrow([])? {
        let inputs = crate::store::columns::strings(&batch?, 0)?;
        for r in 0..duckdb::arrow::array::Array::len(&inputs) {
            if let Some(text) = crate::store::columns::text_at(&inputs, r) {
                count_keys_of(text, &mut counts);
            }
        }
    }
    Ok(keys_of(counts))
}

/// Adds one set of input key counts to another.
fn add_counts(into: &mut BTreeMap<String, (u64, u64)>, part: BTreeMap<String, (u64, u64)>) {
    for (key, (numeric, scalar)) in part {
        let entry = into.entry(key).or_default();
        entry.0 += numeric;
        entry.1 += scalar;
    }
}

/// Input keys from their counts, in key order.
fn keys_of(counts: BTreeMap<String, (u64, u64)>) -> Vec<InputKey> {
    counts
        .into_iter()
        .map(|(key, (numeric, scalar))| InputKey {
            key,
            numeric,
            scalar,
        })
        .collect()
}

/// Adds one decision's inputs (a JSON object; anything else has no keys) to `counts`: per key,
/// (values that are numbers, values that are numbers, text or booleans), as DuckDB's `json_type`
/// tells them apart. Values are not parsed, only their first character read.
fn count_keys_of(inputs: &str, counts: &mut BTreeMap<String, (u64, u64)>) {
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
    use serde_json::value::RawValue;

    struct Counting<'c>(&'c mut BTreeMap<String, (u64, u64)>);
    impl<'de> DeserializeSeed<'de> for Counting<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de> Visitor<'de> for Counting<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of inputs")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
            while let Some((Key(key), value)) = map.next_entry::<Key<'de>, &'de RawValue>()? {
                count_key(self.0, &key, ValueKind::of_text(value.get()));
            }
            Ok(())
        }
    }
    let mut de = serde_json::Deserializer::from_str(inputs);
    // Not an object (or not JSON): no keys, as `json_type(inputs) = 'OBJECT'` had it.
    let _ = Counting(counts).deserialize(&mut de);
}

/// Counts one input key's value of `kind`: (numbers, numbers + text + booleans).
fn count_key(counts: &mut BTreeMap<String, (u64, u64)>, key: &str, kind: ValueKind) {
    let (numeric, scalar) = match kind {
        ValueKind::Number => (1, 1),
        ValueKind::OtherScalar => (0, 1),
        ValueKind::NotScalar => (0, 0),
    };
    let entry = match counts.get_mut(key) {
        Some(e) => e,
        None => counts.entry(key.to_string()).or_default(),
    };
    entry.0 += numeric;
    entry.1 += scalar;
}

fn store_input_keys(conn: &Connection, keys: &[InputKey]) -> Result<()> {
    let text = serde_json::to_string(keys).map_err(|e| Error::Analysis {
        cause: e.to_string(),
    })?;
    crate::store::meta::set(conn, INPUTS_KEY, &text)?;
    Ok(())
}

/// The input keys of the decision view, from the catalogue stored with it (made now for a view
/// built before there was one).
pub fn input_keys(conn: &Connection) -> Result<Vec<InputKey>> {
    let stored: Option<String> = crate::store::meta::get(conn, INPUTS_KEY);
    match stored.and_then(|s| serde_json::from_str(&s).ok()) {
        Some(keys) => Ok(keys),
        None => {
            let keys = count_input_keys(conn)?;
            // Kept for next time when the case can be written (a read-only one counts again).
            let _ = store_input_keys(conn, &keys);
            Ok(keys)
        }
    }
}

/// A candidate event worked out, ready to append.
enum Classified {
    Decision(Box<DecisionRow>),
    /// With the payload's text, which the deployment keeps whole.
    Deployment(Box<(Candidate, normalize::Deployment, String)>),
    Neither,
}

/// A decision as `decisions` stores it: its JSON fields already written as text.
struct DecisionRow {
    candidate: Candidate,
    decision_id: String,
    subject_hint: Option<String>,
    model: Option<String>,
    model_version: Option<String>,
    inputs: String,
    input_kinds: Option<Vec<(String, ValueKind)>>,
    output: String,
    label: Option<String>,
    score: Option<f64>,
    llm: Option<String>,
    context_ids: String,
    feature_set_hash: Option<String>,
}

impl DecisionRow {
    fn of(mut candidate: Candidate, d: normalize::Normalized) -> DecisionRow {
        // Freed here, on the pool, rather than by the appending thread.
        candidate.payload.fields = Value::Null;
        DecisionRow {
            candidate,
            decision_id: d.decision_id,
            subject_hint: d.subject_hint,
            model: d.model,
            model_version: d.model_version,
            inputs: d.inputs,
            input_kinds: d.input_kinds,
            output: d.output.to_string(),
            label: d.label,
            score: d.score,
            llm: d
                .llm
                .as_ref()
                .map(|l| serde_json::to_string(l).expect("llm fields serialize")),
            context_ids: Value::from(d.retrieved_context_ids).to_string(),
            feature_set_hash: d.feature_set_hash,
        }
    }
}

/// A batch of candidates classified: how many were read, its decisions as rows of `decisions`
/// (in order), its deployments, and its decisions' input keys counted.
struct ClassifiedBatch {
    read: usize,
    decisions: Option<RecordBatch>,
    deployments: Vec<(Candidate, normalize::Deployment, String)>,
    counts: BTreeMap<String, (u64, u64)>,
}

/// One batch of candidate events parsed and classified, on every core, in the batch's order
/// (`load_candidates`' columns), with its decisions' input keys counted.
fn classify_batch(batch: &RecordBatch, rules: &DecisionRules) -> Result<ClassifiedBatch> {
    use crate::store::columns::{ints, strings, text_at};
    let text = |i| strings(batch, i);
    let (event_id, stream_id, stream_type, event_type) = (text(0)?, text(1)?, text(2)?, text(3)?);
    let occurred = ints(batch, 4)?;
    let recorded = ints(batch, 5)?;
    let (actor, causation_id, correlation_id, corrects, payload) =
        (text(6)?, text(7)?, text(8)?, text(9)?, text(10)?);
    let opt = |a: &StringArray, r: usize| text_at(a, r).map(str::to_string);
    let mut classified: Vec<Classified> = (0..batch.num_rows())
        .into_par_iter()
        .map(|r| {
            let mut c = Candidate {
                event_id: event_id.value(r).to_string(),
                stream_id: stream_id.value(r).to_string(),
                stream_type: opt(&stream_type, r),
                event_type: event_type.value(r).to_string(),
                occurred: occurred.value(r),
                recorded: recorded.value(r),
                actor: opt(&actor, r),
                causation_id: opt(&causation_id, r),
                correlation_id: opt(&correlation_id, r),
                corrects: opt(&corrects, r),
                payload: CandidatePayload::parse(text_at(&payload, r).unwrap_or("null")),
            };
            match normalize::classify(&mut c, rules) {
                Kind::Decision(d) => Classified::Decision(Box::new(DecisionRow::of(c, *d))),
                Kind::Deployment(m) => {
                    let text = text_at(&payload, r).unwrap_or("null").to_string();
                    Classified::Deployment(Box::new((c, m, text)))
                }
                Kind::Neither => Classified::Neither,
            }
        })
        .collect();
    let counts = classified
        .par_iter()
        .fold(BTreeMap::new, |mut counts, row| {
            if let Classified::Decision(d) = row {
                match &d.input_kinds {
                    Some(kinds) => {
                        for (key, kind) in kinds {
                            count_key(&mut counts, key, *kind);
                        }
                    }
                    None => count_keys_of(&d.inputs, &mut counts),
                }
            }
            counts
        })
        .reduce(BTreeMap::new, |mut all, part| {
            add_counts(&mut all, part);
            all
        });
    let mut rows = DecisionColumns::default();
    let mut deployments = Vec::new();
    for row in classified.iter_mut() {
        match row {
            Classified::Decision(d) => rows.push(d),
            Classified::Deployment(_) => {
                if let Classified::Deployment(d) = std::mem::replace(row, Classified::Neither) {
                    deployments.push(*d);
                }
            }
            Classified::Neither => {}
        }
    }
    // Freed on the pool: freed here, the rows' strings were half of this thread's time, and this
    // thread is the one the appending thread waits for.
    classified.into_par_iter().for_each(drop);
    Ok(ClassifiedBatch {
        read: batch.num_rows(),
        decisions: rows.finish()?,
        deployments,
        counts,
    })
}

/// Rows of `decisions` as Arrow columns: the appending thread hands DuckDB a batch, not 22
/// values a row (binding them was a third of its time).
#[derive(Default)]
struct DecisionColumns {
    rows: usize,
    text: [StringBuilder; 17],
    times: [TimestampMicrosecondBuilder; 2],
    score: Float64Builder,
}

impl DecisionColumns {
    fn push(&mut self, d: &DecisionRow) {
        let c = &d.candidate;
        let [decision_id, event_id, stream_id, subject_id, subject_hint, event_type, actor, model, model_version, inputs, output, label, llm, context_ids, feature_set_hash, causation_id, correlation_id] =
            &mut self.text;
        decision_id.append_value(&d.decision_id);
        event_id.append_value(&c.event_id);
        stream_id.append_value(&c.stream_id);
        subject_id.append_value(&c.stream_id);
        subject_hint.append_option(d.subject_hint.as_deref());
        event_type.append_value(&c.event_type);
        actor.append_option(c.actor.as_deref());
        model.append_option(d.model.as_deref());
        model_version.append_option(d.model_version.as_deref());
        inputs.append_value(&d.inputs);
        output.append_value(&d.output);
        label.append_option(d.label.as_deref());
        llm.append_option(d.llm.as_deref());
        context_ids.append_value(&d.context_ids);
        feature_set_hash.append_option(d.feature_set_hash.as_deref());
        causation_id.append_option(c.causation_id.as_deref());
        correlation_id.append_option(c.correlation_id.as_deref());
        self.times[0].append_value(c.occurred);
        self.times[1].append_value(c.recorded);
        self.score.append_option(d.score);
        self.rows += 1;
    }

    /// The batch in `decisions`' column order; None when it has no rows.
    fn finish(mut self) -> Result<Option<RecordBatch>> {
        if self.rows == 0 {
            return Ok(None);
        }
        let mut text = self
            .text
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef);
        let mut next = || text.next().expect("17 text columns");
        let (decision_id, event_id, stream_id, subject_id, subject_hint, event_type) =
            (next(), next(), next(), next(), next(), next());
        let (actor, model, model_version, inputs, output, label) =
            (next(), next(), next(), next(), next(), next());
        let (llm, context_ids, feature_set_hash, causation_id, correlation_id) =
            (next(), next(), next(), next(), next());
        let zeros = || Arc::new(Int64Array::from(vec![0i64; self.rows])) as ArrayRef;
        let columns: Vec<ArrayRef> = vec![
            decision_id,
            event_id,
            stream_id,
            subject_id,
            subject_hint,
            event_type,
            Arc::new(self.times[0].finish()),
            Arc::new(self.times[1].finish()),
            actor,
            model,
            model_version,
            inputs,
            output,
            label,
            Arc::new(self.score.finish()),
            llm,
            context_ids,
            feature_set_hash,
            causation_id,
            correlation_id,
            zeros(),
            zeros(),
        ];
        crate::store::columns::batch_of(columns, "decision batch").map(Some)
    }
}

/// Events whose payload could be a decision or a deployment, normalized in Rust and appended.
/// Returns how many decisions it found and their input keys (see [`count_input_keys`]), counted
/// as they are found rather than in a pass of their own over the view.
fn load_candidates(
    conn: &Connection,
    rules: &DecisionRules,
    report: &dyn Fn(&str, u64, u64),
) -> Result<(usize, Vec<InputKey>)> {
    let configured: Vec<String> = rules
        .decisions
        .iter()
        .map(|d| crate::store::sql::lit(&d.event_type))
        .collect();
    let configured_sql = if configured.is_empty() {
        "false".to_string()
    } else {
        format!("event_type IN ({})", configured.join(", "))
    };
    let detect_sql = if rules.detect {
        // A payload that names a model or a decision, or a deployment that names its model and
        // version otherwise (`name` and `version` on a model's own stream, SageMaker's fields).
        r#"(payload::VARCHAR LIKE '%"model%' OR payload::VARCHAR LIKE '%"decision"%'
            OR payload::VARCHAR LIKE '%"ModelPackage%' OR stream_type = 'Model'
            OR (event_type ILIKE '%model%' AND payload::VARCHAR LIKE '%"version"%'))"#
    } else {
        "false"
    };
    // Streamed in Arrow batches on a second connection (the appenders write on this one): a
    // row-by-row result is materialised whole first, 7M candidates with their payloads at 30M
    // events (4.4 GB under a 4 GB budget). A reader thread reads and classifies a batch while
    // this one appends the one before (DuckDB compresses and writes what is appended, a quarter
    // of the phase, on the appending thread).
    let reader = conn.try_clone()?;
    let sql = format!(
        "SELECT event_id, stream_id, stream_type, event_type, epoch_us(occurred_at), epoch_us(recorded_at),
                actor, causation_id, correlation_id, corrects, payload::VARCHAR
         FROM events WHERE {configured_sql} OR {detect_sql}"
    );
    let mut decisions = conn.appender("decisions")?;
    let mut deployments = conn.appender("model_deployments")?;
    let mut found = 0usize;
    let mut seen = 0u64;
    let mut counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    std::thread::scope(|scope| -> Result<()> {
        let (sender, batches) = std::sync::mpsc::sync_channel::<Result<ClassifiedBatch>>(1);
        scope.spawn(move || {
            let read = (|| -> Result<()> {
                let mut stmt = reader.prepare(&sql)?;
                for batch in stmt.stream_arrow([])? {
                    if sender.send(Ok(classify_batch(&batch?, rules)?)).is_err() {
                        // The appender stopped on an error of its own.
                        return Ok(());
                    }
                }
                Ok(())
            })();
            if let Err(e) = read {
                let _ = sender.send(Err(e));
            }
        });
        for classified in batches {
            let batch = classified?;
            add_counts(&mut counts, batch.counts);
            let before = seen;
            seen += batch.read as u64;
            if before / 100_000 != seen / 100_000 {
                report("finding decisions", seen, 0);
            }
            if let Some(rows) = batch.decisions {
                found += rows.num_rows();
                decisions.append_record_batch(rows)?;
            }
            for (c, m, payload) in batch.deployments {
                deployments.append_row(params![
                    m.model,
                    m.model_version,
                    c.event_id,
                    c.stream_id,
                    crate::store::timestamp(c.occurred),
                    crate::store::timestamp(c.recorded),
                    c.actor,
                    payload,
                ])?;
            }
        }
        Ok(())
    })?;
    decisions.flush()?;
    deployments.flush()?;
    Ok((found, keys_of(counts)))
}

/// A recorded input that differs from the subject's state as the system knew it when the model decided.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Discrepancy {
    /// The input's name (a top-level field of the subject's state).
    pub path: String,
    /// What the model saw.
    pub recorded: Value,
    /// What the case says the value was.
    pub reconstructed: Value,
    /// The event that set the value the model did not see, and when it was recorded.
    pub set_by: Option<String>,
    pub set_recorded_at: Option<String>,
    pub message: String,
}

/// Two JSON values equal as data: numbers by value (1 = 1.0), objects whatever their key order.
pub fn same_value(a: &Value, b: &Value, tolerance: f64) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y || (x - y).abs() <= tolerance,
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_value(a, b, tolerance))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w, tolerance)))
        }
        _ => a == b,
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

/// The decision's inputs against the subject's state at `at` on the recorded axis (as corrected),
/// from the subject's events with the decision itself left out.
pub fn input_discrepancies(
    decision_event: &str,
    inputs: &Value,
    subject_events: &[fold::FoldEvent],
    at: Micros,
    rules: &crate::timeline::rules::FoldRules,
    known_elsewhere: &std::collections::HashSet<String>,
) -> (Option<Value>, Vec<Discrepancy>, Vec<String>) {
    let events: Vec<fold::FoldEvent> = subject_events
        .iter()
        .filter(|e| e.event_id != decision_event)
        .cloned()
        .collect();
    let steps = fold::plan(
        &events,
        Axis::Recorded,
        View::AsCorrected,
        rules,
        known_elsewhere,
    );
    let state = fold::as_of(&events, &steps, Axis::Recorded, at, rules).state;
    // The newest event known by then whose payload set a field: the value the model missed.
    let setter = |name: &str| {
        steps
            .iter()
            .map(|s| &events[s.index])
            .filter(|e| e.recorded <= at)
            .filter(|e| e.payload.value().get(name).is_some())
            .max_by_key(|e| (e.recorded, e.seq))
    };
    let (found, unmatched) = compare_inputs(inputs, state.as_ref(), at, setter);
    let unmatched = unmatched.into_iter().map(str::to_string).collect();
    (state, found, unmatched)
}

/// The recorded inputs against the subject's state then: a discrepancy per input whose value
/// differs (naming the event that set what the system knew, from `setter`), and the inputs the
/// state has no field for.
fn compare_inputs<'e, 'i>(
    inputs: &'i Value,
    state: Option<&Value>,
    at: Micros,
    setter: impl Fn(&str) -> Option<&'e fold::FoldEvent>,
) -> (Vec<Discrepancy>, Vec<&'i str>) {
    let mut found = Vec::new();
    let mut unmatched = Vec::new();
    let Value::Object(inputs) = inputs else {
        return (found, unmatched);
    };
    let empty = serde_json::Map::new();
    let fields = state.and_then(Value::as_object).unwrap_or(&empty);
    for (name, seen) in inputs {
        let Some(known) = fields.get(name) else {
            unmatched.push(name.as_str());
            continue;
        };
        if same_value(seen, known, 0.0) {
            continue;
        }
        let setter = setter(name);
        let message = match setter {
            Some(e) => format!(
                "The model saw {name} = {}, but the system already knew {} (event {}, recorded {}, {} before the decision).",
                show(seen),
                show(known),
                e.event_id,
                format_micros(e.recorded),
                human_span(at - e.recorded)
            ),
            None => format!(
                "The model saw {name} = {}, but the subject's state then had {}.",
                show(seen),
                show(known)
            ),
        };
        found.push(Discrepancy {
            path: name.clone(),
            recorded: seen.clone(),
            reconstructed: known.clone(),
            set_by: setter.map(|e| e.event_id.clone()),
            set_recorded_at: setter.map(|e| format_micros(e.recorded)),
            message,
        });
    }
    (found, unmatched)
}

/// One decision to check: its id, its event, when it decided, its recorded inputs (JSON text,
/// parsed where the subject is checked, on the pool).
type ToCheck = (String, String, Micros, String);

/// About how many decisions the input audit holds in memory at a time.
/// (Each share is a pass over the decisions and the subjects' events; a decision held is its
/// inputs' text, about half a kilobyte with 20 inputs.)
const SUBJECT_SHARE_DECISIONS: u64 = 200_000;

/// About how many events of the subjects read the audit holds before checking them in parallel.
const AUDIT_BATCH_EVENTS: usize = 50_000;

/// A batch of subjects' events for the audit's checker, with their share's decisions.
type AuditBatch = (
    Arc<HashMap<String, Vec<ToCheck>>>,
    Vec<(String, Vec<fold::FoldEvent>)>,
);

/// The decisions the input audit checks (recorded inputs that are a non-empty object), as SQL over
/// `decisions`.
const AUDITED: &str =
    "inputs IS NOT NULL AND inputs::VARCHAR LIKE '{%' AND inputs::VARCHAR <> '{}'";

/// The decisions with recorded inputs whose subjects match `subjects` (SQL over `subject_id`), by
/// subject.
fn decisions_by_subject(
    conn: &Connection,
    subjects: &str,
) -> Result<HashMap<String, Vec<ToCheck>>> {
    use crate::store::columns::{ints, strings};
    let mut by_subject: HashMap<String, Vec<ToCheck>> = HashMap::new();
    let mut stmt = conn.prepare(&format!(
        "SELECT subject_id, decision_id, event_id, epoch_us(decided_at), inputs::VARCHAR FROM decisions
         WHERE {AUDITED} AND ({subjects})"
    ))?;
    for batch in stmt.stream_arrow([])? {
        let batch = batch?;
        let (subject, decision, event, inputs) = (
            strings(&batch, 0)?,
            strings(&batch, 1)?,
            strings(&batch, 2)?,
            strings(&batch, 4)?,
        );
        let decided = ints(&batch, 3)?;
        for r in 0..batch.num_rows() {
            let entry = match by_subject.get_mut(subject.value(r)) {
                Some(list) => list,
                None => by_subject.entry(subject.value(r).to_string()).or_default(),
            };
            entry.push((
                decision.value(r).to_string(),
                event.value(r).to_string(),
                decided.value(r),
                inputs.value(r).to_string(),
            ));
        }
    }
    Ok(by_subject)
}

/// The fold of a subject's steps in recorded order, with who last set each payload field.
#[derive(Clone, Default)]
struct Folded {
    state: fold::State,
    /// Per payload field, the last event folded that set it.
    setters: foldhash::HashMap<String, usize>,
}

impl Folded {
    /// Folds event `i` (its step worked out now: a busy subject's steps are not held), reading
    /// only the payload fields `keep` names when it is given.
    fn step(
        &mut self,
        events: &[fold::FoldEvent],
        corrections: &fold::Corrections,
        i: usize,
        rules: &crate::timeline::rules::FoldRules,
        keep: Option<&dyn Fn(&str) -> bool>,
    ) {
        // The payload is parsed once: its fields name the setters, then it is the step's.
        let payload = match keep {
            Some(keep) => events[i].payload.projected(keep),
            None => events[i].payload.value(),
        };
        if let Value::Object(fields) = &payload {
            for key in fields.keys() {
                match self.setters.get_mut(key.as_str()) {
                    Some(j) => *j = i,
                    None => {
                        self.setters.insert(key.clone(), i);
                    }
                }
            }
        }
        let step = corrections.step_owned(i, payload, View::AsCorrected, rules);
        if let Some(effect) = step.effect {
            fold::apply_owned(&mut self.state, &step.effect_type, effect, rules);
        }
    }
}

/// `input_discrepancies` for every decision of one subject in one pass: the subject's events are
/// planned once and folded forward through the decisions in time order (folding them again for
/// each decision made a busy subject's check quadratic: 46 s for 3 streams of 7,700 events). A
/// decision's own event is left out of what it is checked against: the fold stops short of it
/// (and a copy folds on past it when later steps are known by then too); when an earlier
/// decision's fold already took it in, the fold goes back to the last checkpoint before it and
/// folds on without it (going back for every decision folded a subject of 20 decisions 210 times). A decision that takes part in a correction is checked the slow way, since leaving its event
/// out changes other steps. Results in `decisions`' order.
fn check_subject(
    events: &[fold::FoldEvent],
    decisions: &[ToCheck],
    rules: &crate::timeline::rules::FoldRules,
    known_elsewhere: &std::collections::HashSet<String>,
) -> Vec<Vec<Discrepancy>> {
    // The plan's order (recorded time, then seq), each step worked out as it is folded.
    let mut steps: Vec<usize> = (0..events.len()).collect();
    steps.sort_by_key(|&i| (events[i].recorded, events[i].seq));
    let mut corrections = fold::Corrections::new(events, known_elsewhere);
    for i in 0..events.len() {
        corrections.add(i);
    }
    let corrected: foldhash::HashSet<&str> = events
        .iter()
        .filter_map(|e| e.corrects.as_deref())
        .collect();
    let by_id: foldhash::HashMap<&str, usize> = events
        .iter()
        .enumerate()
        .map(|(i, e)| (e.event_id.as_str(), i))
        .collect();
    // Where each event's step is.
    let mut position = vec![0; events.len()];
    for (k, &i) in steps.iter().enumerate() {
        position[i] = k;
    }
    // Each decision's inputs by name, their values parsed only where the state has the field (most
    // inputs of most views are not fields of the subject's state).
    let recorded: Vec<Vec<(Key, &serde_json::value::RawValue)>> =
        decisions.iter().map(|d| inputs_by_name(&d.3)).collect();
    // Only the state's fields that the decisions' inputs name are ever compared. Where every event
    // of the subject takes the default merge (no rule, no upcaster for its type), a merge patch's
    // top-level fields fold apart, so the fold reads those fields alone: the rest of each payload
    // (a decision's own inputs and output among it) is skipped, not parsed.
    let names: foldhash::HashSet<&str> = recorded
        .iter()
        .flat_map(|inputs| inputs.iter().map(|(Key(name), _)| name.as_ref()))
        .collect();
    let merged_by_default = crate::timeline::known::merges_only(events, rules)
        && !events.iter().any(|e| rules.upcasts(&e.event_type));
    let named = |field: &str| names.contains(field);
    let keep: Option<&dyn Fn(&str) -> bool> = merged_by_default.then_some(&named);
    // Event `j` folds nothing the comparison reads: the fold reads only the compared fields and
    // its payload has none of them.
    let sets_nothing_compared = |j: usize| {
        keep.is_some_and(
            |keep| matches!(events[j].payload.projected(keep), Value::Object(f) if f.is_empty()),
        )
    };
    let mut order: Vec<usize> = (0..decisions.len()).collect();
    order.sort_by_key(|&i| decisions[i].2);
    let mut folded = Folded::default();
    // (steps folded, the fold then), ascending.
    let mut checkpoints: Vec<(usize, Folded)> = vec![(0, Folded::default())];
    let mut next = 0;
    // Folds the steps from `next` up to `to` into `folded`, keeping a checkpoint every so often.
    let advance = |folded: &mut Folded,
                   next: &mut usize,
                   to: usize,
                   checkpoints: &mut Vec<(usize, Folded)>| {
        while *next < to {
            folded.step(events, &corrections, steps[*next], rules, keep);
            *next += 1;
            if next.is_multiple_of(crate::timeline::known::CHECKPOINT_EVERY) {
                checkpoints.push((*next, folded.clone()));
            }
        }
    };
    let mut out: Vec<Vec<Discrepancy>> = vec![Vec::new(); decisions.len()];
    for i in order {
        let (_, event_id, at, text) = &decisions[i];
        // The steps known by the decision's time are those before `end`.
        let mut end = next;
        while steps.get(end).is_some_and(|&j| events[j].recorded <= *at) {
            end += 1;
        }
        let own = by_id.get(event_id.as_str()).copied();
        let in_correction = own
            .is_some_and(|j| events[j].corrects.is_some() || corrected.contains(event_id.as_str()));
        if in_correction {
            advance(&mut folded, &mut next, end, &mut checkpoints);
            let inputs = serde_json::from_str(text).unwrap_or(Value::Null);
            out[i] = input_discrepancies(event_id, &inputs, events, *at, rules, known_elsewhere).1;
            continue;
        }
        let compare = |f: &Folded| {
            // The inputs the state has a field for, as a parsed object has them (in order, a
            // repeated name with its last value): the others are neither compared nor reported.
            let fields = f.state.as_ref().and_then(Value::as_object);
            let mut present = serde_json::Map::new();
            for (Key(name), value) in &recorded[i] {
                if fields.is_some_and(|fields| fields.contains_key(name.as_ref())) {
                    let value = serde_json::from_str(value.get()).unwrap_or(Value::Null);
                    present.insert(name.to_string(), value);
                }
            }
            if present.is_empty() {
                return Vec::new();
            }
            compare_inputs(&Value::Object(present), f.state.as_ref(), *at, |name| {
                f.setters.get(name).map(|&j| &events[j])
            })
            .0
        };
        out[i] = match own.map(|j| position[j]).filter(|&p| p < end) {
            // Its own event is not known by then: the fold as it goes.
            None => {
                advance(&mut folded, &mut next, end, &mut checkpoints);
                compare(&folded)
            }
            // Its own event is among the steps still to fold (most decisions are the newest
            // event of their subject): the fold up to it is the fold without it, or a copy of it
            // folds on past it.
            Some(p) if p >= next => {
                advance(&mut folded, &mut next, p, &mut checkpoints);
                let found = if p + 1 == end {
                    compare(&folded)
                } else {
                    let mut without = folded.clone();
                    for &j in &steps[p + 1..end] {
                        without.step(events, &corrections, j, rules, keep);
                    }
                    compare(&without)
                };
                advance(&mut folded, &mut next, end, &mut checkpoints);
                found
            }
            // Already folded (an earlier decision's time was later), by an event that sets none
            // of the fields compared (a decision's own payload rarely has an input at its top
            // level): where the fold reads only those fields, folding it changed nothing the
            // comparison reads, so the fold with it is the fold without it. (Folding again from a
            // checkpoint for each decision recorded ahead of its time grew with the square of a
            // busy subject: 20 s for each of three subjects of 1.15M events at 30M.)
            Some(_) if own.is_some_and(sets_nothing_compared) => {
                advance(&mut folded, &mut next, end, &mut checkpoints);
                compare(&folded)
            }
            // Already folded, by an event that sets a field compared: from the last checkpoint
            // before it, without it.
            Some(p) => {
                advance(&mut folded, &mut next, end, &mut checkpoints);
                let (from, base) = checkpoints
                    .iter()
                    .rev()
                    .find(|(n, _)| *n <= p)
                    .expect("the start is a checkpoint");
                let mut without = base.clone();
                for (k, &j) in steps.iter().enumerate().take(next).skip(*from) {
                    if k != p {
                        without.step(events, &corrections, j, rules, keep);
                    }
                }
                compare(&without)
            }
        };
    }
    out
}

/// A decision's recorded inputs (a JSON object's text) as (name, value text) pairs, in order;
/// text that is not an object has none.
fn inputs_by_name(text: &str) -> Vec<(Key<'_>, &serde_json::value::RawValue)> {
    serde_json::from_str::<crate::model::json::Entries>(text)
        .map(|e| e.0)
        .unwrap_or_default()
}

/// A duration in words: "12 min", "3 h", "4 days".
pub fn human_span(us: i64) -> String {
    let s = us.abs() / 1_000_000;
    if s < 120 {
        format!("{s} s")
    } else if s < 7_200 {
        format!("{} min", s / 60)
    } else if s < 172_800 {
        format!("{} h", s / 3_600)
    } else {
        format!("{} days", s / 86_400)
    }
}

/// Checks every decision's recorded inputs against what the system knew when it decided; stores the
/// count on the decision and raises a `stale_input` finding per differing input.
fn audit_inputs(conn: &Connection, report: &dyn Fn(&str, u64, u64)) -> Result<()> {
    audit_inputs_in_shares(conn, report, SUBJECT_SHARE_DECISIONS, AUDIT_BATCH_EVENTS)
}

/// `audit_inputs`, holding about `share_decisions` decisions in memory at a time and checking
/// the subjects read about `batch_events` events at a time.
fn audit_inputs_in_shares(
    conn: &Connection,
    report: &dyn Fn(&str, u64, u64),
    share_decisions: u64,
    batch_events: usize,
) -> Result<()> {
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM decisions WHERE {AUDITED}"),
        [],
        |r| r.get(0),
    )?;
    if total == 0 {
        return Ok(());
    }
    report("checking inputs against the state then", 0, total as u64);
    let rules = load_rules(conn)?;
    let targets = snapshots::correction_targets(conn)?;
    // A share of the subjects at a time, so that their decisions and events in memory stay bounded
    // (all of 2M decisions with 20 inputs at once peaked at 11.9 GB under a 4 GB budget). A share
    // is a range of subject ids, and the subjects' streams are read by the same range of stream
    // ids: the decisions are written in stream order and the events kept in it, so each share
    // reads its own rows of either table (shares by a hash of the subject read all of both again
    // in every share: at 2M decisions, ten passes over each).
    let shares = (total as u64)
        .div_ceil(share_decisions)
        .max(snapshots::stream_shares(conn)?)
        .max(1);
    // The bounds only balance the shares, so they are sampled from every decision's subject
    // without reading the inputs (a second pass over them, a gigabyte at 2M decisions).
    let ranges = snapshots::KeyRange::split(conn, "SELECT subject_id FROM decisions", shares)?;
    let done = AtomicU64::new(0);
    // This thread reads a share's decisions and the subjects' events, a batch at a time; a
    // checker thread checks each batch on rayon's pool meanwhile (reading and checking in turn
    // left a core idle half the time), the results taken in the order read.
    let (stale, findings, read) = std::thread::scope(|scope| {
        let (sender, batches) = std::sync::mpsc::sync_channel::<AuditBatch>(1);
        let checker = scope.spawn(|| {
            let mut stale: Vec<(String, i64)> = Vec::new();
            let mut findings: Vec<(String, String, String)> = Vec::new();
            for (by_subject, batch) in batches {
                let checked: Vec<Vec<Vec<Discrepancy>>> = batch
                    .par_iter()
                    .map(|(stream, events)| {
                        check_subject(events, &by_subject[stream.as_str()], &rules, &targets)
                    })
                    .collect();
                for ((stream, _), checked) in batch.iter().zip(checked) {
                    let list = &by_subject[stream.as_str()];
                    for ((decision_id, event_id, _, _), found) in list.iter().zip(checked) {
                        if found.is_empty() {
                            continue;
                        }
                        stale.push((event_id.clone(), found.len() as i64));
                        for d in found {
                            findings.push((
                                stream.clone(),
                                event_id.clone(),
                                format!("Decision {decision_id}: {}", d.message),
                            ));
                        }
                    }
                    done.fetch_add(list.len() as u64, Ordering::Relaxed);
                }
            }
            (stale, findings)
        });
        let read = (|| -> Result<()> {
            for range in &ranges {
                let in_share = range.sql("subject_id");
                let by_subject = Arc::new(decisions_by_subject(conn, &in_share)?);
                if by_subject.is_empty() {
                    continue;
                }
                let mut batch: Vec<(String, Vec<fold::FoldEvent>)> = Vec::new();
                let mut held = 0usize;
                let send = |batch: &mut Vec<(String, Vec<fold::FoldEvent>)>| -> Result<()> {
                    // Only a checker that stopped hangs up: reading stops, and its panic is
                    // raised when it is joined.
                    sender
                        .send((Arc::clone(&by_subject), std::mem::take(batch)))
                        .map_err(|_| Error::Analysis {
                            cause: "the check of the decisions' inputs stopped".into(),
                        })?;
                    report(
                        "checking inputs against the state then",
                        done.load(Ordering::Relaxed),
                        total as u64,
                    );
                    Ok(())
                };
                let of_range = range.sql("stream_id");
                snapshots::take_each_stream(
                    conn,
                    &format!(
                        "stream_id IN (SELECT subject_id FROM decisions WHERE {in_share}) AND {of_range}"
                    ),
                    &mut |stream, _type, events| {
                        if !by_subject.contains_key(stream) {
                            return Ok(events);
                        }
                        held += events.len();
                        batch.push((stream.to_string(), events));
                        if held >= batch_events {
                            send(&mut batch)?;
                            held = 0;
                        }
                        Ok(Vec::new())
                    },
                )?;
                if !batch.is_empty() {
                    send(&mut batch)?;
                }
            }
            Ok(())
        })();
        drop(sender);
        let (stale, findings) = checker.join().expect("checking a subject does not panic");
        (stale, findings, read)
    });
    read?;
    // In bulk: one UPDATE per decision would scan `decisions` each time (minutes at 100k stale).
    conn.execute_batch(
        "CREATE TEMP TABLE stale_counts (event_id VARCHAR, n BIGINT);
         CREATE TEMP TABLE stale_findings (stream_id VARCHAR, event_id VARCHAR, message VARCHAR);",
    )?;
    {
        let mut counts = conn.appender("stale_counts")?;
        for (event_id, n) in &stale {
            counts.append_row(params![event_id, n])?;
        }
        counts.flush()?;
        let mut rows = conn.appender("stale_findings")?;
        for (stream, event_id, message) in &findings {
            rows.append_row(params![stream, event_id, message])?;
        }
        rows.flush()?;
    }
    conn.execute_batch(&format!(
        "UPDATE decisions SET stale_inputs = c.n FROM stale_counts c WHERE decisions.event_id = c.event_id;
         {}
             SELECT NULL, {}, stream_id, event_id, message FROM stale_findings ORDER BY rowid;
         DROP TABLE stale_counts; DROP TABLE stale_findings;",
        findings::INSERT_SQL,
        FindingKind::StaleInput.sql()
    ))?;
    report(
        "checking inputs against the state then",
        total as u64,
        total as u64,
    );
    Ok(())
}

pub(crate) const DECISION_COLUMNS: &str = "d.decision_id, d.event_id, d.stream_id, d.subject_id, d.event_type,
    epoch_us(d.decided_at), epoch_us(d.recorded_at), d.actor, d.model, d.model_version, d.inputs::VARCHAR,
    d.output::VARCHAR, d.label, d.score, d.llm::VARCHAR, d.context_ids::VARCHAR, d.feature_set_hash,
    d.causation_id, d.correlation_id, d.stale_inputs, d.corrections,
    (SELECT r.status FROM replay_results r JOIN replay_runs u USING (run_id)
      WHERE r.event_id = d.event_id AND u.mode = 'replay' ORDER BY r.run_id DESC LIMIT 1)";

fn json_of(s: Option<String>) -> Value {
    s.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null)
}

pub(crate) fn decision_row(r: &duckdb::Row<'_>) -> duckdb::Result<Decision> {
    let context: Value = json_of(r.get(15)?);
    Ok(Decision {
        decision_id: r.get(0)?,
        event_id: r.get(1)?,
        stream_id: r.get(2)?,
        subject_id: r.get(3)?,
        event_type: r.get(4)?,
        decided_at: format_micros(r.get(5)?),
        recorded_at: format_micros(r.get(6)?),
        actor: r.get(7)?,
        model: r.get(8)?,
        model_version: r.get(9)?,
        inputs: json_of(r.get(10)?),
        output: json_of(r.get(11)?),
        label: r.get(12)?,
        score: r.get(13)?,
        llm: r
            .get::<_, Option<String>>(14)?
            .and_then(|t| serde_json::from_str(&t).ok()),
        retrieved_context_ids: context
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        feature_set_hash: r.get(16)?,
        causation_id: r.get(17)?,
        correlation_id: r.get(18)?,
        stale_inputs: r.get(19)?,
        corrections: r.get(20)?,
        last_replay: r
            .get::<_, Option<String>>(21)?
            .as_deref()
            .and_then(replay::ReplayStatus::parse),
    })
}

/// The SQL filter for a query, with its parameters.
pub(crate) fn filter_sql(q: &DecisionQuery) -> Result<(String, Vec<Box<dyn duckdb::ToSql>>)> {
    let mut clauses: Vec<String> = Vec::new();
    let mut params: Vec<Box<dyn duckdb::ToSql>> = Vec::new();
    if let Some(m) = &q.model {
        clauses.push("d.model = ?".into());
        params.push(Box::new(m.clone()));
    }
    if let Some(v) = &q.model_version {
        clauses.push("d.model_version = ?".into());
        params.push(Box::new(v.clone()));
    }
    if let Some(f) = &q.from {
        clauses.push("d.decided_at >= make_timestamp(?)".into());
        params.push(Box::new(crate::model::parse_instant(f)?));
    }
    if let Some(t) = &q.to {
        clauses.push("d.decided_at <= make_timestamp(?)".into());
        params.push(Box::new(crate::model::parse_instant(t)?));
    }
    if let Some(s) = q.subject.as_deref().filter(|s| !s.is_empty()) {
        let pattern = format!("%{s}%");
        if q.subject_by_decision_id_only {
            clauses.push("d.decision_id ILIKE ?".into());
            params.push(Box::new(pattern));
        } else {
            clauses.push(
                "(d.subject_id ILIKE ? OR d.stream_id ILIKE ? OR d.decision_id ILIKE ?)".into(),
            );
            for _ in 0..3 {
                params.push(Box::new(pattern.clone()));
            }
        }
    }
    if let Some(l) = &q.label {
        clauses.push("d.label = ?".into());
        params.push(Box::new(l.clone()));
    }
    if q.stale_only {
        clauses.push("d.stale_inputs > 0".into());
    }
    for (field, value) in &q.fields {
        match field.as_str() {
            "actor" => clauses.push("d.actor = ?".into()),
            "event_type" => clauses.push("d.event_type = ?".into()),
            _ => match field.strip_prefix("input.") {
                Some(name) if !name.is_empty() => {
                    clauses.push("json_extract_string(d.inputs, ?) = ?".into());
                    params.push(Box::new(format!(
                        "$.\"{}\"",
                        name.replace('"', "\\\"")
                    )));
                }
                _ => {
                    return Err(Error::BadArgument {
                        message: format!(
                            "`{field}` is not a decision field to filter on; use actor, event_type or input.NAME."
                        ),
                    })
                }
            },
        }
        params.push(Box::new(value.clone()));
    }
    if let Some(filter) = q.replay {
        let latest = "(SELECT r.status FROM replay_results r JOIN replay_runs u USING (run_id)
              WHERE r.event_id = d.event_id AND u.mode = 'replay' ORDER BY r.run_id DESC LIMIT 1)";
        match filter.status() {
            None => clauses.push(format!("{latest} IS NULL")),
            Some(status) => {
                clauses.push(format!("{latest} = ?"));
                params.push(Box::new(status.as_str().to_string()));
            }
        }
    }
    let sql = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    Ok((sql, params))
}

/// A page of decisions matching `q`, in decision time order.
pub fn list(conn: &Connection, q: &DecisionQuery) -> Result<DecisionPage> {
    let (filter, params) = filter_sql(q)?;
    let refs: Vec<&dyn duckdb::ToSql> = params.iter().map(|p| p.as_ref()).collect();
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM decisions d {filter}"),
        refs.as_slice(),
        |r| r.get(0),
    )?;
    let limit = q.limit.unwrap_or(1_000).min(100_000);
    let (page_filter, offset, page_params) = match &q.after {
        Some(text) => {
            let cursor = crate::model::PageCursor::decode(text)?;
            let narrowed = cursor.narrow(&filter, "d.decided_at", "d.event_id", "?");
            (narrowed, 0, vec![cursor.tie])
        }
        None => (filter.clone(), q.offset.unwrap_or(0), Vec::new()),
    };
    let mut page_refs = refs.clone();
    page_refs.extend(page_params.iter().map(|p| p as &dyn duckdb::ToSql));
    // The page's rows picked by their sort keys alone, then read whole: ordering whole rows read
    // every column (the inputs' and outputs' JSON, the replay status) of every row past the
    // cursor, 330 ms a million rows deep at 2M decisions against 100 ms.
    let mut stmt = conn.prepare(&format!(
        "WITH page AS (SELECT d.rowid AS row FROM decisions d {page_filter}
                       ORDER BY d.decided_at, d.event_id LIMIT {limit} OFFSET {offset})
         SELECT {DECISION_COLUMNS} FROM decisions d SEMI JOIN page ON d.rowid = page.row
         ORDER BY d.decided_at, d.event_id"
    ))?;
    let decisions = stmt
        .query_map(page_refs.as_slice(), decision_row)?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let next = match decisions.last() {
        Some(last) if decisions.len() == limit => Some(
            crate::model::PageCursor {
                at: crate::model::parse_instant(&last.decided_at)?,
                tie: last.event_id.clone(),
            }
            .encode(),
        ),
        _ => None,
    };
    let mut stmt = conn.prepare(
        "SELECT model, model_version, count(*) FROM decisions GROUP BY ALL ORDER BY model, model_version",
    )?;
    let versions = stmt
        .query_map([], |r| {
            Ok(VersionCount {
                model: r.get(0)?,
                model_version: r.get(1)?,
                decisions: r.get(2)?,
            })
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let mut stmt = conn.prepare(
        "SELECT DISTINCT label FROM decisions WHERE label IS NOT NULL ORDER BY label LIMIT 50",
    )?;
    let labels = stmt
        .query_map([], |r| r.get(0))?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(DecisionPage {
        decisions,
        total,
        next,
        versions,
        labels,
    })
}

/// The decision with this id (or, failing that, the decision recorded by the event with this id).
pub fn find(conn: &Connection, id: &str) -> Result<Decision> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {DECISION_COLUMNS} FROM decisions d WHERE d.decision_id = ? ORDER BY d.decided_at, d.event_id"
    ))?;
    let mut found = stmt
        .query_map([id], decision_row)?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    if found.is_empty() {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {DECISION_COLUMNS} FROM decisions d WHERE d.event_id = ?"
        ))?;
        found = stmt
            .query_map([id], decision_row)?
            .collect::<std::result::Result<Vec<_>, _>>()?;
    }
    match found.len() {
        0 => Err(Error::UnknownDecision { id: id.to_string() }),
        1 => Ok(found.pop().expect("one")),
        _ => Err(Error::BadArgument {
            message: format!(
                "{} decisions have the id `{id}` (events {}). Name one by its event id instead.",
                found.len(),
                found
                    .iter()
                    .map(|d| d.event_id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
    }
}

/// Replay runs and results written straight into a case, for tests of what reads them: `runs` as
/// (run id, mode), `results` as (run id, decision id, status); a decision's id is its event's id,
/// and a result counts as a counterfactual when its run is one.
#[cfg(test)]
pub(crate) fn record_replays(
    conn: &Connection,
    runs: &[(i64, &str)],
    results: &[(i64, &str, &str)],
) {
    for (run, mode) in runs {
        conn.execute(
            "INSERT INTO replay_runs VALUES (?, now(), now(), ?, '', 1, 0, 0, 0, 0, 0, 0, false, 'test', 'test')",
            duckdb::params![run, mode],
        )
        .unwrap();
    }
    for (run, id, status) in results {
        let counterfactual = runs.iter().any(|(r, m)| r == run && *m == "counterfactual");
        conn.execute(
            "INSERT INTO replay_results VALUES (?, ?, ?, 's', NULL, ?, ?, NULL, NULL, NULL, NULL, false, 0)",
            duckdb::params![run, id, id, status, counterfactual],
        )
        .unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_keys_are_counted_by_kind_as_duckdb_types_them() {
        let rows = [
            r#"{"a": 1, "b": "x", "c": null, "d": [1], "e": {"f": 2}, "g": true, "h": -2.5e3, "k\"ey": 1}"#,
            r#"{"a": "1", "g": false, "\u00e9t\u00e9": 0}"#,
            r#"[1, 2]"#,
            r#""text""#,
            r#"{}"#,
        ];
        let mut counts = BTreeMap::new();
        for r in rows {
            count_keys_of(r, &mut counts);
        }
        // Worked out by hand: (numbers, numbers + text + booleans).
        let expected: BTreeMap<String, (u64, u64)> = [
            ("a", (1, 2)),
            ("b", (0, 1)),
            ("c", (0, 0)),
            ("d", (0, 0)),
            ("e", (0, 0)),
            ("g", (0, 2)),
            ("h", (1, 1)),
            ("k\"ey", (1, 1)),
            ("été", (1, 1)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(counts, expected);
        // And as DuckDB's json_type tells the kinds (the SQL this count replaced).
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE d (inputs JSON)").unwrap();
        for r in rows {
            conn.execute("INSERT INTO d VALUES (?)", [r]).unwrap();
        }
        let mut stmt = conn
            .prepare(
                "WITH k AS (SELECT unnest(json_keys(inputs)) AS key, inputs FROM d
                            WHERE json_type(inputs) = 'OBJECT'),
                      t AS (SELECT key, json_type(inputs, '$.\"' || replace(key, '\"', '\\\"') || '\"') AS type FROM k)
                 SELECT key, count(*) FILTER (WHERE type IN ('BIGINT', 'UBIGINT', 'DOUBLE')),
                        count(*) FILTER (WHERE type NOT IN ('NULL', 'OBJECT', 'ARRAY'))
                 FROM t GROUP BY key ORDER BY key",
            )
            .unwrap();
        let by_duckdb: BTreeMap<String, (u64, u64)> = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    (r.get::<_, i64>(1)? as u64, r.get::<_, i64>(2)? as u64),
                ))
            })
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(counts, by_duckdb);
    }

    #[test]
    fn the_input_keys_counted_while_finding_decisions_are_those_of_the_built_view() {
        let dir = tempfile::tempdir().unwrap();
        let case = crate::generate::busy_case(dir.path(), 3_000, 40, 2, 10);
        let conn = &case.conn;
        ensure_built(conn, &|_| {}).unwrap();
        let stored = input_keys(conn).unwrap();
        assert!(
            stored.iter().filter(|k| k.scalar > 0).count() >= 3,
            "{stored:?}"
        );
        assert_eq!(stored, count_input_keys(conn).unwrap());
    }

    /// The reference is the check as it was: each decision's subject folded again without the
    /// decision's own event.
    #[test]
    fn a_fold_of_only_the_fields_the_inputs_name_finds_what_the_whole_fold_finds() {
        use crate::timeline::fold::FoldEvent;
        use crate::timeline::rules::FoldRules;
        use serde_json::json;
        let event = |seq: i64, id: &str, event_type: &str, payload: Value| {
            FoldEvent::plain(seq, id, event_type, (seq, seq), payload)
        };
        let mut events = vec![
            event(
                1,
                "e1",
                "Registered",
                json!({"income": 100, "note": {"deep": [1, 2]}, "years": 29}),
            ),
            event(
                2,
                "e2",
                "IncomeChanged",
                json!({"income": 200, "amount": 180}),
            ),
            event(
                3,
                "e3",
                "IncomeCorrected",
                json!({"income": 250, "amount": 240}),
            ),
            event(
                4,
                "e4",
                "Decided",
                json!({"inputs": {"income": 100, "age": 30}, "output": {"label": "ok"}}),
            ),
            event(5, "e5", "AgeSet", json!({"years": 31, "income": null})),
            event(
                6,
                "e6",
                "Decided",
                json!({"inputs": {"income": 250, "age": 31}, "output": {"label": "no"}}),
            ),
            // Decisions recorded ahead of their time (decided at 11 and 12), one of them setting
            // an input's field at its payload's top level, so that leaving it out changes the
            // state compared.
            event(
                7,
                "e7",
                "Decided",
                json!({"income": 300, "inputs": {"income": 250}, "output": {"label": "ok"}}),
            ),
            event(
                8,
                "e8",
                "Decided",
                json!({"inputs": {"income": 300}, "output": {"label": "ok"}}),
            ),
            event(
                9,
                "e9",
                "Decided",
                json!({"inputs": {"income": 350}, "output": {"label": "no"}}),
            ),
            event(10, "e10", "Noted", json!({"note": "reviewed"})),
        ];
        events[2].corrects = Some("e2".into());
        let decisions: Vec<ToCheck> = [
            ("d1", "e4", 4, r#"{"income":100,"age":30}"#),
            ("d2", "e6", 6, r#"{"income":250,"age":31}"#),
            ("d3", "e8", 8, r#"{"income":300}"#),
            ("d4", "e7", 11, r#"{"income":250}"#),
            ("d5", "e9", 12, r#"{"income":350}"#),
        ]
        .iter()
        .map(|(d, e, at, inputs)| (d.to_string(), e.to_string(), *at, inputs.to_string()))
        .collect();
        let none = std::collections::HashSet::new();
        let paths = |found: &[Discrepancy]| -> Vec<String> {
            found.iter().map(|d| d.path.clone()).collect()
        };
        let check = |rules: &FoldRules| -> Vec<Vec<String>> {
            let checked = check_subject(&events, &decisions, rules, &none);
            for ((_, event_id, at, inputs), found) in decisions.iter().zip(&checked) {
                let inputs: Value = serde_json::from_str(inputs).unwrap();
                let (_, reference, _) =
                    input_discrepancies(event_id, &inputs, &events, *at, rules, &none);
                assert_eq!(paths(found), paths(&reference), "{event_id}");
            }
            checked.iter().map(|found| paths(found)).collect()
        };
        // Default merges (the projected fold): at 4 the corrected income (250) differs from the
        // 100 the model saw, and no age is known; at 6 the income was removed and no age is known;
        // at 8 the income is e7's 300; at 11, without its own e7, no income is known; at 12 it is
        // e7's 300, not the 350 seen.
        let income = || vec!["income".to_string()];
        assert_eq!(
            check(&FoldRules::default()),
            vec![income(), vec![], vec![], vec![], income()]
        );
        // An upcaster that makes `years` the age, and a rule that sets the income from `amount`
        // (the whole fold): at 4 the income is the corrected amount (240), at 6 the age is 31; the
        // later three as with default merges (no rule for their events).
        let rules = FoldRules::parse(
            r#"
            [[upcaster]]
            event_type = "AgeSet"
            schema_version = 1
            rename = { years = "age" }
            [[rule]]
            event_type = "IncomeChanged"
            set = { income = "amount" }
            "#,
            "test",
        )
        .unwrap();
        assert_eq!(
            check(&rules),
            vec![income(), vec![], vec![], vec![], income()]
        );
    }

    #[test]
    fn checking_a_subjects_decisions_in_one_pass_finds_what_one_fold_per_decision_finds() {
        let dir = tempfile::tempdir().unwrap();
        // Two busy subjects among 200, with late corrections, retractions and events recorded
        // before they occur.
        let case = crate::generate::busy_case(dir.path(), 12_000, 200, 5, 40);
        let conn = &case.conn;
        ensure_built(conn, &|_| {}).unwrap();
        let rules = load_rules(conn).unwrap();
        let targets = snapshots::correction_targets(conn).unwrap();
        let by_subject = decisions_by_subject(conn, "true").unwrap();
        let (mut compared, mut stale, mut busiest, mut own_folded) = (0, 0, 0, 0);
        // Decisions whose own event is the newest known by their time, and those with later
        // events known by then too.
        let (mut own_newest, mut own_then_more) = (0, 0);
        snapshots::for_each_stream(conn, "", &mut |stream, _, events| {
            let Some(list) = by_subject.get(stream) else {
                return Ok(());
            };
            busiest = busiest.max(list.len());
            let messages = |found: &[Discrepancy]| -> Vec<String> {
                found.iter().map(|d| d.message.clone()).collect()
            };
            for ((_, event_id, at, inputs), found) in list
                .iter()
                .zip(check_subject(events, list, &rules, &targets))
            {
                let inputs: Value = serde_json::from_str(inputs).unwrap();
                let (_, reference, _) =
                    input_discrepancies(event_id, &inputs, events, *at, &rules, &targets);
                assert_eq!(messages(&found), messages(&reference), "{event_id}");
                compared += 1;
                stale += usize::from(!reference.is_empty());
                // Its own event already folded by its time, past the first checkpoint: checked
                // from a checkpoint without it.
                if let Some(own) = events.iter().find(|e| &e.event_id == event_id) {
                    let before = events
                        .iter()
                        .filter(|e| (e.recorded, e.seq) < (own.recorded, own.seq))
                        .count();
                    own_folded += usize::from(own.recorded <= *at && before >= 1_000);
                    if own.recorded <= *at {
                        let later = events.iter().any(|e| {
                            e.recorded <= *at && (e.recorded, e.seq) > (own.recorded, own.seq)
                        });
                        own_then_more += usize::from(later);
                        own_newest += usize::from(!later);
                    }
                }
            }
            Ok(())
        })
        .unwrap();
        // Every decision compared, stale inputs among them, and subjects with hundreds of them.
        assert_eq!(compared, by_subject.values().map(Vec::len).sum::<usize>());
        assert!(stale > 20, "{stale} stale of {compared}");
        assert!(busiest > 400, "{busiest}");
        assert!(own_folded > 0, "{own_folded}");
        assert!(
            own_newest > 0 && own_then_more > 0,
            "{own_newest} {own_then_more}"
        );
        // Audited a share of the subjects at a time, the counts and findings are the same.
        let audit = |share: u64, batch: usize| -> (Vec<(String, i64)>, Vec<String>) {
            conn.execute_batch(
                "UPDATE decisions SET stale_inputs = 0; DELETE FROM findings WHERE kind = 'stale_input';",
            )
            .unwrap();
            audit_inputs_in_shares(conn, &|_, _, _| {}, share, batch).unwrap();
            let mut stmt = conn
                .prepare("SELECT event_id, stale_inputs FROM decisions ORDER BY event_id")
                .unwrap();
            let counts = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            let mut stmt = conn
                .prepare("SELECT message FROM findings WHERE kind = 'stale_input' ORDER BY message")
                .unwrap();
            let messages = stmt
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            (counts, messages)
        };
        // And checked in parallel batches of any size: each subject its own, or a few together.
        let whole = audit(u64::MAX, usize::MAX);
        assert!(!whole.1.is_empty());
        assert_eq!(audit(500, AUDIT_BATCH_EVENTS), whole);
        assert_eq!(audit(u64::MAX, 1), whole);
        assert_eq!(audit(500, 300), whole);
    }
}
