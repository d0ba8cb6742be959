//! Models on record: every model version the case's deployment events name (and every version its
//! decisions name without one), when each went live and when it was replaced, what its deployment
//! recorded (training cutoff, metrics, approvals, features), the decisions it made, the share of
//! its replayed decisions that reproduced, and two findings about a decision's model: the version
//! was not live when the decision was made, or the decision is about an instant before the
//! version's training cutoff (the model may have learned from what followed it).
//!
//! A deployment puts its version live from its time (when it occurred) until the next deployment
//! of another version of the same model. Read from the decision view's `model_deployments` and
//! `decisions` and from the replay results; the deployment's metadata is read by the field names
//! registries and model cards use (MLflow, SageMaker, Vertex, model cards), tried in order.

use std::collections::{BTreeMap, HashMap};

use duckdb::Connection;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::Result;
use crate::findings::FindingKind;
use crate::model::{format_micros, parse_instant, Micros};
use crate::store::columns::{ints, strings, text_at};

/// Findings listed in a report (all are counted).
pub const FINDINGS_SHOWN: usize = 1_000;

/// Every model version on record.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct ModelsReport {
    /// By model, then by when each version first went live (never deployed last).
    pub models: Vec<ModelRecord>,
    /// The first decisions (by time) that raise a finding about their model.
    pub findings: Vec<ModelFinding>,
    /// Decisions made by a version that was not live then (of models with deployments on record).
    pub not_live: i64,
    /// Decisions about an instant before their version's training cutoff.
    pub before_cutoff: i64,
}

/// When a version was live: from one deployment until another version's.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct LiveSpan {
    pub from: String,
    /// None: still live.
    pub to: Option<String>,
}

/// One model version.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct ModelRecord {
    pub model: Option<String>,
    pub version: String,
    /// When it first went live; None: no deployment on record.
    pub deployed_at: Option<String>,
    pub deployed_by: Option<String>,
    /// The deployment event (the first).
    pub deployment_event_id: Option<String>,
    /// When it was last replaced; None while live or never deployed.
    pub replaced_at: Option<String>,
    pub replaced_by: Option<String>,
    /// The version of the same model live just before it first went live.
    pub predecessor: Option<String>,
    pub live: Vec<LiveSpan>,
    /// What its deployments recorded (the later overriding), less the model's name and version.
    pub metadata: Value,
    /// The training data's cutoff as recorded (a date covers that whole day).
    pub training_cutoff: Option<String>,
    pub metrics: BTreeMap<String, f64>,
    /// Approval, certification and stage fields as recorded.
    pub approvals: BTreeMap<String, Value>,
    pub features: Vec<String>,
    pub decisions: i64,
    pub first_decision_at: Option<String>,
    pub last_decision_at: Option<String>,
    /// Decisions replayed (the latest replay of each, counterfactuals aside) and of them, those
    /// whose replay gave the recorded answer.
    pub replayed: i64,
    pub reproduced: i64,
    pub not_live: i64,
    pub before_cutoff: i64,
}

/// A decision's finding about its model.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct ModelFinding {
    pub kind: FindingKind,
    pub decision_id: String,
    pub event_id: String,
    pub stream_id: String,
    pub model: Option<String>,
    pub model_version: Option<String>,
    pub decided_at: String,
    pub message: String,
}

/// Fields that hold the training data's cutoff, at the top of the metadata or in its tags.
const CUTOFF_FIELDS: &[&str] = &[
    "training_cutoff",
    "training_data_cutoff",
    "trainingCutoff",
    "data_cutoff",
    "dataCutoff",
    "knowledge_cutoff",
    "train_end",
    "train_window_end",
    "data_window_end",
    "training_end_date",
    "trained_through",
];
/// Objects that hold metrics as name -> number (or MLflow's list of {key, value}).
const METRIC_FIELDS: &[&str] = &[
    "metrics",
    "evaluation_metrics",
    "evaluation",
    "PerformanceMetrics",
    "performance_metrics",
];
/// Approval, certification and stage fields.
const APPROVAL_FIELDS: &[&str] = &[
    "approval_status",
    "ModelApprovalStatus",
    "approval",
    "approved_by",
    "approved_at",
    "ApprovalDescription",
    "certification",
    "certifications",
    "certified_by",
    "CertifyForMarketplace",
    "risk_tier",
    "stage",
    "current_stage",
    "to_stage",
];
/// Lists of the model's inputs.
const FEATURE_FIELDS: &[&str] = &[
    "features",
    "feature_set",
    "feature_list",
    "input_features",
    "feature_names",
];
/// Containers of key/value metadata the fields above may sit in.
const TAG_CONTAINERS: &[&str] = &[
    "tags",
    "properties",
    "labels",
    "CustomerMetadataProperties",
    "metadata",
];

/// One deployment as the decision view keeps it.
struct Deployment {
    model: Option<String>,
    version: String,
    event_id: String,
    at: Micros,
    actor: Option<String>,
    payload: Map<String, Value>,
    /// What it does to its version, read once from the payload.
    stage: Stage,
}

/// A (model, version) key.
type VersionKey = (Option<String>, String);

/// Every model version on record in the case (the decision view built).
pub fn models(conn: &Connection) -> Result<ModelsReport> {
    read_models(conn, &mut |_| Ok(()))
}

/// Writes every model finding (a decision by a version not live then, or about an instant before
/// its training cutoff) into the case's findings, replacing those of an earlier build: they reach
/// `casefile findings`, the bundles and the findings SQL reads. Returns how many.
pub(crate) fn record_findings(conn: &Connection) -> Result<u64> {
    crate::findings::clear(conn, FindingKind::ModelVersionNotLive)?;
    crate::findings::clear(conn, FindingKind::DecidedBeforeTrainingCutoff)?;
    // Kept while the decisions stream in (the connection has their result open), then written.
    let mut found: Vec<(FindingKind, String, String, String)> = Vec::new();
    read_models(conn, &mut |f| {
        found.push((
            f.kind,
            f.stream_id.clone(),
            f.event_id.clone(),
            f.message.clone(),
        ));
        Ok(())
    })?;
    for (kind, stream, event, message) in &found {
        crate::findings::record(conn, None, *kind, Some(stream), Some(event), message)?;
    }
    Ok(found.len() as u64)
}

/// The models report; `every` is handed every finding (the report lists the first
/// [`FINDINGS_SHOWN`]).
fn read_models(
    conn: &Connection,
    every: &mut dyn FnMut(&ModelFinding) -> Result<()>,
) -> Result<ModelsReport> {
    let deployments = deployments(conn)?;
    // Per model, its deployments in time order; each opens a span of its version.
    let mut by_model: BTreeMap<Option<String>, Vec<&Deployment>> = BTreeMap::new();
    for d in &deployments {
        by_model.entry(d.model.clone()).or_default().push(d);
    }
    let mut records: BTreeMap<VersionKey, ModelRecord> = BTreeMap::new();
    let mut spans: HashMap<VersionKey, Vec<(Micros, Option<Micros>)>> = HashMap::new();
    for (model, all) in &by_model {
        // Only deployments that put their version live open spans; a move to another stage is
        // read for its metadata, and an archival ends the version's span.
        let list: Vec<&Deployment> = all
            .iter()
            .copied()
            .filter(|d| d.stage == Stage::Live)
            .collect();
        for d in all.iter().filter(|d| d.stage != Stage::Live) {
            let record = records
                .entry((model.clone(), d.version.clone()))
                .or_insert_with(|| empty_record(model.clone(), d.version.clone()));
            read_metadata(record, &d.payload);
        }
        for (i, d) in list.iter().enumerate() {
            let key = (model.clone(), d.version.clone());
            // The span ends at the next deployment of another version, or the version's archival.
            let next = list[i + 1..].iter().find(|n| n.version != d.version);
            let archived = all
                .iter()
                .find(|a| a.version == d.version && a.at > d.at && a.stage == Stage::Archived)
                .filter(|a| next.is_none_or(|n| a.at < n.at));
            let ended_at = archived.map(|a| a.at).or(next.map(|n| n.at));
            let previous = list[..i].iter().rev().find(|p| p.version != d.version);
            let own = spans.entry(key.clone()).or_default();
            // A redeployment of the live version extends its span, it does not open one.
            if !own
                .iter()
                .any(|(from, to)| *from <= d.at && to.is_none_or(|t| d.at < t))
            {
                own.push((d.at, ended_at));
            }
            let record = records
                .entry(key)
                .or_insert_with(|| empty_record(model.clone(), d.version.clone()));
            if record.deployed_at.is_none() {
                record.deployed_at = Some(format_micros(d.at));
                record.deployed_by = d.actor.clone();
                record.deployment_event_id = Some(d.event_id.clone());
                record.predecessor = previous.map(|p| p.version.clone());
            }
            record.replaced_at = ended_at.map(format_micros);
            record.replaced_by = if archived.is_some() {
                None
            } else {
                next.map(|n| n.version.clone())
            };
            read_metadata(record, &d.payload);
        }
    }
    let cutoffs: HashMap<VersionKey, Micros> = records
        .iter()
        .filter_map(|(key, r)| {
            let at = r.training_cutoff.as_deref().and_then(cutoff_instant)?;
            Some((key.clone(), at))
        })
        .collect();
    for (key, list) in &spans {
        if let Some(r) = records.get_mut(key) {
            r.live = list
                .iter()
                .map(|(from, to)| LiveSpan {
                    from: format_micros(*from),
                    to: to.map(format_micros),
                })
                .collect();
        }
    }

    let mut report = ModelsReport {
        models: Vec::new(),
        findings: Vec::new(),
        not_live: 0,
        before_cutoff: 0,
    };
    let mut last_at: HashMap<VersionKey, Micros> = HashMap::new();
    // The decisions, in time order, a batch at a time: counted per version and checked.
    let mut stmt = conn.prepare(
        "SELECT decision_id, event_id, stream_id, model, model_version, epoch_us(decided_at)
         FROM decisions ORDER BY decided_at, decision_id",
    )?;
    for batch in stmt.stream_arrow([])? {
        let batch = batch?;
        let decision_id = strings(&batch, 0)?;
        let event_id = strings(&batch, 1)?;
        let stream_id = strings(&batch, 2)?;
        let model = strings(&batch, 3)?;
        let version = strings(&batch, 4)?;
        let at = ints(&batch, 5)?;
        for r in 0..batch.num_rows() {
            let model = text_at(&model, r).map(str::to_string);
            let version = text_at(&version, r).map(str::to_string);
            let at = at.value(r);
            let Some(v) = version.clone() else { continue };
            let model = resolve_model(&by_model, model, &v);
            let key = (model.clone(), v.clone());
            let deployed_model = by_model.contains_key(&model);
            let record = records
                .entry(key.clone())
                .or_insert_with(|| empty_record(model.clone(), v.clone()));
            record.decisions += 1;
            if record.first_decision_at.is_none() {
                record.first_decision_at = Some(format_micros(at));
            }
            // In time order: the last seen is the last; written once the decisions are read.
            match last_at.get_mut(&key) {
                Some(last) => *last = at,
                None => {
                    last_at.insert(key.clone(), at);
                }
            }
            let mut raise = |kind: FindingKind, message: String| -> Result<()> {
                let finding = ModelFinding {
                    kind,
                    decision_id: decision_id.value(r).to_string(),
                    event_id: event_id.value(r).to_string(),
                    stream_id: stream_id.value(r).to_string(),
                    model: model.clone(),
                    model_version: version.clone(),
                    decided_at: format_micros(at),
                    message,
                };
                every(&finding)?;
                if report.findings.len() < FINDINGS_SHOWN {
                    report.findings.push(finding);
                }
                Ok(())
            };
            let live = spans.get(&key).is_some_and(|s| {
                s.iter()
                    .any(|(from, to)| *from <= at && to.is_none_or(|t| at < t))
            });
            if deployed_model && !live {
                record.not_live += 1;
                report.not_live += 1;
                let then = live_version_at(&by_model[&model], at);
                raise(
                    FindingKind::ModelVersionNotLive,
                    format!(
                        "Decision {} names {} {v}, which was not live then (the live version was {}).",
                        decision_id.value(r),
                        model.as_deref().unwrap_or("the model"),
                        then.unwrap_or("none: no version had been deployed")
                    ),
                )?;
            }
            if let Some(&cutoff) = cutoffs.get(&key) {
                if at < cutoff {
                    record.before_cutoff += 1;
                    report.before_cutoff += 1;
                    raise(
                        FindingKind::DecidedBeforeTrainingCutoff,
                        format!(
                            "Decision {} was made at {} by {} {v}, trained on data up to {}: the model may have learned from what followed.",
                            decision_id.value(r),
                            format_micros(at),
                            model.as_deref().unwrap_or("the model"),
                            record.training_cutoff.as_deref().unwrap_or("?")
                        ),
                    )?;
                }
            }
        }
    }
    for (key, at) in last_at {
        if let Some(r) = records.get_mut(&key) {
            r.last_decision_at = Some(format_micros(at));
        }
    }
    replays(conn, &by_model, &mut records)?;
    let mut models: Vec<ModelRecord> = records.into_values().collect();
    models.sort_by(|a, b| {
        (
            &a.model,
            a.deployed_at.is_none(),
            &a.deployed_at,
            &a.version,
        )
            .cmp(&(
                &b.model,
                b.deployed_at.is_none(),
                &b.deployed_at,
                &b.version,
            ))
    });
    report.models = models;
    Ok(report)
}

fn empty_record(model: Option<String>, version: String) -> ModelRecord {
    ModelRecord {
        model,
        version,
        deployed_at: None,
        deployed_by: None,
        deployment_event_id: None,
        replaced_at: None,
        replaced_by: None,
        predecessor: None,
        live: Vec::new(),
        metadata: Value::Null,
        training_cutoff: None,
        metrics: BTreeMap::new(),
        approvals: BTreeMap::new(),
        features: Vec::new(),
        decisions: 0,
        first_decision_at: None,
        last_decision_at: None,
        replayed: 0,
        reproduced: 0,
        not_live: 0,
        before_cutoff: 0,
    }
}

fn deployments(conn: &Connection) -> Result<Vec<Deployment>> {
    let mut stmt = conn.prepare(
        "SELECT model, model_version, event_id, epoch_us(deployed_at), actor, payload::VARCHAR
         FROM model_deployments ORDER BY deployed_at, recorded_at, event_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, Option<String>>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (model, version, event_id, at, actor, payload) = row?;
        let payload = match payload.map(|t| serde_json::from_str::<Value>(&t)) {
            Some(Ok(Value::Object(m))) => m,
            _ => Map::new(),
        };
        out.push(Deployment {
            model,
            version,
            event_id,
            at,
            actor,
            stage: stage_of(&payload),
            payload,
        });
    }
    Ok(out)
}

/// The model a decision's version belongs to: its own name when deployments name it; else, when it
/// names none or one without deployments, the one deployed model that has the version (the
/// decision or the deployment left the name out).
fn resolve_model(
    by_model: &BTreeMap<Option<String>, Vec<&Deployment>>,
    model: Option<String>,
    version: &str,
) -> Option<String> {
    if by_model.contains_key(&model) {
        return model;
    }
    let mut having = by_model
        .iter()
        .filter(|(_, list)| list.iter().any(|d| d.version == version))
        .map(|(m, _)| m);
    match (having.next(), having.next()) {
        (Some(only), None) if model.is_none() || only.is_none() => only.clone(),
        _ => model,
    }
}

/// What a deployment event does to its version, by the stage it names (`to_stage`, `stage`,
/// `current_stage`, `ModelApprovalStatus`...): none named, or production, puts it live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Live,
    Archived,
    /// Staging, a candidate, pending approval: recorded, not live.
    Elsewhere,
}

fn stage_of(payload: &Map<String, Value>) -> Stage {
    let named = ["to_stage", "stage", "current_stage"]
        .iter()
        .find_map(|k| payload.get(*k).and_then(Value::as_str))
        .map(str::to_ascii_lowercase);
    match named.as_deref() {
        None => Stage::Live,
        Some("production" | "prod" | "live" | "deployed" | "serving" | "active" | "ready") => {
            Stage::Live
        }
        Some("archived" | "retired" | "deprecated" | "decommissioned" | "rolled_back") => {
            Stage::Archived
        }
        Some(_) => Stage::Elsewhere,
    }
}

/// The version of a model live at `at`, from its deployments in time order.
fn live_version_at<'d>(list: &[&'d Deployment], at: Micros) -> Option<&'d str> {
    list.iter()
        .rev()
        .filter(|d| d.stage != Stage::Elsewhere)
        .find(|d| d.at <= at)
        .filter(|d| d.stage == Stage::Live)
        .map(|d| d.version.as_str())
}

/// Fills a record's metadata, cutoff, metrics, approvals and features from a deployment's payload
/// (a later deployment of the version overrides what it restates and keeps the rest: a rollback's
/// deployment often names the version alone).
fn read_metadata(record: &mut ModelRecord, payload: &Map<String, Value>) {
    let mut metadata = match std::mem::take(&mut record.metadata) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    for (k, v) in payload {
        if !["model", "model_name", "model_version"].contains(&k.as_str()) {
            metadata.insert(k.clone(), v.clone());
        }
    }
    // Where a field may sit: the payload itself, then its tag containers (a list of {key, value}
    // read as an object).
    let mut places: Vec<Map<String, Value>> = vec![payload.clone()];
    for c in TAG_CONTAINERS {
        if let Some(v) = payload.get(*c) {
            if let Some(m) = as_object(v) {
                places.push(m);
            }
        }
    }
    let find = |names: &[&str]| -> Option<(String, Value)> {
        places.iter().find_map(|p| {
            names.iter().find_map(|n| {
                p.get(*n)
                    .filter(|v| !v.is_null())
                    .map(|v| (n.to_string(), v.clone()))
            })
        })
    };
    if let Some((_, v)) = find(CUTOFF_FIELDS) {
        record.training_cutoff = match v {
            Value::String(s) => Some(s),
            other => Some(other.to_string()),
        };
    }
    for name in METRIC_FIELDS {
        if let Some(m) = payload.get(*name).and_then(as_object) {
            for (k, v) in m {
                if let Some(x) = number(&v) {
                    record.metrics.insert(k, x);
                }
            }
        }
    }
    for name in APPROVAL_FIELDS {
        if let Some(v) = places
            .iter()
            .find_map(|p| p.get(*name).filter(|v| !v.is_null()))
        {
            record.approvals.insert(name.to_string(), v.clone());
        }
    }
    if let Some((_, Value::Array(items))) = find(FEATURE_FIELDS) {
        let names: Vec<String> = items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o.get("name").and_then(Value::as_str).map(str::to_string),
                _ => None,
            })
            .collect();
        if !names.is_empty() {
            record.features = names;
        }
    }
    record.metadata = Value::Object(metadata);
}

/// An object, or a list of `{key, value}` pairs (MLflow's tags and metrics) read as one.
fn as_object(v: &Value) -> Option<Map<String, Value>> {
    match v {
        Value::Object(m) => Some(m.clone()),
        Value::Array(items) => {
            let mut m = Map::new();
            for i in items {
                let key = i
                    .get("key")
                    .or_else(|| i.get("name"))
                    .and_then(Value::as_str)?;
                m.insert(
                    key.to_string(),
                    i.get("value").cloned().unwrap_or(Value::Null),
                );
            }
            Some(m)
        }
        _ => None,
    }
}

/// A metric's value: a number, a number written as text, or `{value: number}`.
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Object(o) => o.get("value").and_then(number),
        _ => None,
    }
}

/// The first instant after a training cutoff: a date (`2024-02-15`) covers its whole day; a full
/// time is taken as it is.
fn cutoff_instant(text: &str) -> Option<Micros> {
    let text = text.trim();
    if text.len() == 10 {
        let midnight = parse_instant(&format!("{text}T00:00:00Z")).ok()?;
        return Some(midnight + 86_400_000_000);
    }
    parse_instant(text).ok()
}

/// Counts each version's replayed decisions and those that reproduced (the latest replay of each
/// decision, counterfactual runs aside: the decision list's verdict).
fn replays(
    conn: &Connection,
    by_model: &BTreeMap<Option<String>, Vec<&Deployment>>,
    records: &mut BTreeMap<VersionKey, ModelRecord>,
) -> Result<()> {
    let mut stmt = conn.prepare(
        "WITH latest AS (
             SELECT r.event_id, arg_max(r.status, r.run_id) AS status
             FROM replay_results r JOIN replay_runs u USING (run_id)
             WHERE u.mode = 'replay' GROUP BY r.event_id)
         SELECT d.model, d.model_version, count(*), count(*) FILTER (WHERE l.status = 'match')
         FROM latest l JOIN decisions d ON d.event_id = l.event_id
         WHERE d.model_version IS NOT NULL GROUP BY ALL",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, Option<String>>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    for row in rows {
        let (model, version, replayed, reproduced) = row?;
        let model = resolve_model(by_model, model, &version);
        if let Some(r) = records.get_mut(&(model, version)) {
            r.replayed += replayed;
            r.reproduced += reproduced;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str, stream: &str, kind: &str, at: &str, payload: Value) -> String {
        serde_json::json!({"event_id": id, "stream_id": stream, "stream_type": stream.split('-').next(),
            "event_type": kind, "occurred_at": at, "recorded_at": at, "actor": "system/test",
            "payload": payload})
        .to_string()
    }

    fn decision(id: &str, version: &str, at: &str) -> String {
        line(
            id,
            &format!("Application-{id}"),
            "LoanDecisionMade",
            at,
            serde_json::json!({"decision_id": id, "model": "scorer", "model_version": version,
                               "output": {"label": "approve"}, "score": 0.7}),
        )
    }

    #[test]
    fn versions_are_live_from_their_deployment_until_another_and_decisions_outside_are_findings() {
        let dir = tempfile::tempdir().unwrap();
        let deployed = |id: &str, at: &str, payload: Value| {
            line(id, "Model-scorer", "ModelDeployed", at, payload)
        };
        let lines = [
            deployed(
                "dep-1",
                "2024-01-01T00:00:00Z",
                serde_json::json!({"model": "scorer", "model_version": "v1",
                "training_cutoff": "2023-12-15", "metrics": {"auc": 0.7, "ks": "0.3"},
                "tags": [{"key": "approved_by", "value": "risk-committee"}], "features": ["income", "age"]}),
            ),
            deployed(
                "dep-2",
                "2024-02-01T00:00:00Z",
                serde_json::json!({"model": "scorer", "model_version": "v2",
                "training_data_cutoff": "2024-01-20T12:00:00Z", "ModelApprovalStatus": "Approved",
                "evaluation_metrics": [{"key": "auc", "value": 0.75}]}),
            ),
            // A rollback to v1, naming the version alone.
            deployed(
                "dep-3",
                "2024-03-01T00:00:00Z",
                serde_json::json!({"model": "scorer", "model_version": "v1"}),
            ),
            // v3 moved to staging: recorded, never live; v1 archived, ending its second span.
            deployed(
                "dep-4",
                "2024-02-10T00:00:00Z",
                serde_json::json!({"model": "scorer", "model_version": "v3", "to_stage": "Staging"}),
            ),
            deployed(
                "dep-5",
                "2024-03-20T00:00:00Z",
                serde_json::json!({"model": "scorer", "model_version": "v1", "to_stage": "Archived"}),
            ),
            decision("a", "v1", "2023-12-20T00:00:00Z"),
            decision("b", "v1", "2023-12-10T00:00:00Z"),
            decision("c", "v1", "2024-01-10T00:00:00Z"),
            decision("d", "v1", "2024-02-10T00:00:00Z"),
            decision("e", "v2", "2024-01-25T00:00:00Z"),
            decision("f", "v2", "2024-02-05T00:00:00Z"),
            decision("g", "v2", "2024-03-05T00:00:00Z"),
            decision("h", "v1", "2024-03-10T00:00:00Z"),
            decision("i", "v3", "2024-02-15T00:00:00Z"),
            // A decision that names the version alone: the one model that deployed v2.
            line(
                "j",
                "Application-j",
                "LoanDecisionMade",
                "2024-02-20T00:00:00Z",
                serde_json::json!({"decision_id": "j", "model_version": "v2", "output": {"label": "decline"}}),
            ),
        ];
        let case = crate::case_of_lines(dir.path(), &lines);
        // Replays: the latest of each decision counts, a counterfactual run's do not.
        crate::decisions::ensure_built(&case.conn, &|_| {}).unwrap();
        crate::decisions::record_replays(
            &case.conn,
            &[(1, "replay"), (2, "replay"), (3, "counterfactual")],
            &[
                (1, "c", "match"),
                (1, "h", "mismatch"),
                (1, "f", "mismatch"),
                (2, "f", "match"),
                (3, "c", "mismatch"),
            ],
        );
        let report = case.models().unwrap();
        let by_version = |v: &str| report.models.iter().find(|m| m.version == v).unwrap();
        assert_eq!(report.models.len(), 3);
        // Worked out by hand from the lines above.
        let v1 = by_version("v1");
        assert_eq!(v1.model.as_deref(), Some("scorer"));
        assert_eq!(v1.deployed_at.as_deref(), Some("2024-01-01T00:00:00Z"));
        assert_eq!(v1.deployment_event_id.as_deref(), Some("dep-1"));
        assert_eq!(
            v1.replaced_at.as_deref(),
            Some("2024-03-20T00:00:00Z"),
            "archived after the rollback"
        );
        assert_eq!(v1.replaced_by, None, "archived, not replaced");
        assert_eq!(v1.predecessor, None);
        assert_eq!(
            v1.live,
            vec![
                LiveSpan {
                    from: "2024-01-01T00:00:00Z".into(),
                    to: Some("2024-02-01T00:00:00Z".into())
                },
                LiveSpan {
                    from: "2024-03-01T00:00:00Z".into(),
                    to: Some("2024-03-20T00:00:00Z".into())
                },
            ]
        );
        assert_eq!(v1.training_cutoff.as_deref(), Some("2023-12-15"));
        assert_eq!(
            v1.metrics,
            BTreeMap::from([("auc".to_string(), 0.7), ("ks".to_string(), 0.3)])
        );
        // The archival's stage is the version's last word on it.
        assert_eq!(
            v1.approvals,
            BTreeMap::from([
                ("approved_by".to_string(), Value::from("risk-committee")),
                ("to_stage".to_string(), Value::from("Archived"))
            ])
        );
        assert_eq!(v1.features, vec!["income", "age"]);
        assert_eq!(
            v1.metadata["training_cutoff"], "2023-12-15",
            "kept through the rollback"
        );
        assert_eq!((v1.decisions, v1.not_live, v1.before_cutoff), (5, 3, 1));
        assert_eq!((v1.replayed, v1.reproduced), (2, 1));
        assert_eq!(
            v1.first_decision_at.as_deref(),
            Some("2023-12-10T00:00:00Z")
        );
        assert_eq!(v1.last_decision_at.as_deref(), Some("2024-03-10T00:00:00Z"));
        let v2 = by_version("v2");
        assert_eq!(v2.replaced_at.as_deref(), Some("2024-03-01T00:00:00Z"));
        assert_eq!(v2.replaced_by.as_deref(), Some("v1"));
        assert_eq!(v2.predecessor.as_deref(), Some("v1"));
        assert_eq!(v2.training_cutoff.as_deref(), Some("2024-01-20T12:00:00Z"));
        assert_eq!(v2.metrics, BTreeMap::from([("auc".to_string(), 0.75)]));
        assert_eq!(
            v2.approvals,
            BTreeMap::from([("ModelApprovalStatus".to_string(), Value::from("Approved"))])
        );
        assert_eq!((v2.decisions, v2.not_live, v2.before_cutoff), (4, 2, 0));
        assert_eq!((v2.replayed, v2.reproduced), (1, 1));
        let v3 = by_version("v3");
        assert_eq!(v3.deployed_at, None, "staged, never live");
        assert_eq!(v3.approvals.get("to_stage"), Some(&Value::from("Staging")));
        assert_eq!((v3.decisions, v3.not_live), (1, 1));
        assert_eq!((report.not_live, report.before_cutoff), (6, 1));
        let mut flagged: Vec<(&str, &str)> = report
            .findings
            .iter()
            .map(|f| (f.kind.as_str(), f.decision_id.as_str()))
            .collect();
        flagged.sort();
        let not_live = "model_version_not_live";
        assert_eq!(
            flagged,
            vec![
                ("decided_before_training_cutoff", "b"),
                (not_live, "a"),
                (not_live, "b"),
                (not_live, "d"),
                (not_live, "e"),
                (not_live, "g"),
                (not_live, "i"),
            ]
        );
        // The same findings are in the case's findings (what `casefile findings` and bundles read).
        let mut stored: Vec<(String, String)> = case
            .findings()
            .unwrap()
            .into_iter()
            .filter(|f| {
                matches!(
                    f.kind,
                    FindingKind::ModelVersionNotLive | FindingKind::DecidedBeforeTrainingCutoff
                )
            })
            .map(|f| (f.kind.as_str().to_string(), f.event_id.unwrap_or_default()))
            .collect();
        stored.sort();
        let mut listed: Vec<(String, String)> = report
            .findings
            .iter()
            .map(|f| (f.kind.as_str().to_string(), f.event_id.clone()))
            .collect();
        listed.sort();
        assert_eq!(stored, listed);
        let e = report
            .findings
            .iter()
            .find(|f| f.decision_id == "e")
            .unwrap();
        assert!(
            e.message.contains("the live version was v1"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_date_cutoff_covers_its_whole_day() {
        let day = parse_instant("2024-02-15T00:00:00Z").unwrap();
        assert_eq!(cutoff_instant("2024-02-15"), Some(day + 86_400_000_000));
        assert_eq!(
            cutoff_instant("2024-02-15T06:00:00Z"),
            Some(day + 6 * 3_600_000_000)
        );
        assert_eq!(cutoff_instant("soon"), None);
    }
}
