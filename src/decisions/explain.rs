//! Explain one decision: what the model saw (recorded inputs), what the system knew about the subject
//! when it decided (the recorded axis), what was true then as far as the case knows now (the occurred
//! axis, late facts included), the model as deployed at that instant, the retrieved documents as they
//! were then, the causation chain, and everything that happened to the subject afterwards.
//!
//! Everything is folded from the subject's events, loaded once (a zone-map read of one stream), so an
//! explanation costs a few stream reads whatever the case's size.

use std::collections::HashSet;

use duckdb::Connection;
use serde::Serialize;
use serde_json::Value;

use super::{find, input_discrepancies, same_value, Decision, Discrepancy};
use crate::error::Result;
use crate::findings::{Finding, FindingKind};
use crate::model::rows::{event_row, EVENT_COLUMNS};
use crate::model::Axis;
use crate::model::{format_micros, parse_instant, Event, Micros};
use crate::timeline::fold::{self, View};
use crate::timeline::rules::FoldRules;
use crate::timeline::{load_stream, LoadedStream};

/// How many later events an explanation lists (their total is given).
pub const LATER_LIMIT: usize = 500;

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Explanation {
    pub decision: Decision,
    /// The features as the model saw them.
    pub recorded_inputs: Value,
    /// The subject's state as the system knew it when the model decided (recorded axis, corrections
    /// known by then applied, the decision itself left out).
    pub reconstructed_state: Value,
    /// Where and when that state was reconstructed.
    pub reconstructed: Reconstruction,
    /// Recorded inputs that differ from the reconstructed state: the model saw stale or wrong data.
    pub discrepancies: Vec<Discrepancy>,
    /// Recorded inputs the subject's state has no field for (derived features, for instance).
    pub unmatched_inputs: Vec<String>,
    /// The subject's state at the same instant on the occurred axis, with everything known now.
    pub world_state: Value,
    /// Inputs that differ from what was true then, learned only later (late facts).
    pub hindsight: Vec<Hindsight>,
    pub model: ModelAtDecision,
    /// The retrieved context documents as they were when the model decided.
    pub context: Vec<ContextDocument>,
    /// The events that led to the decision, nearest first (following `causation_id`).
    pub causation: Vec<Event>,
    /// Everything that happened to the subject after the decision (and what corrected or followed it).
    pub later_events: Vec<LaterEvent>,
    pub later_total: usize,
    /// What this explanation found, as findings.
    pub findings: Vec<Finding>,
    /// Where the case does not hold the subject's whole history: its state then may come from a
    /// summary, or from part of its events.
    pub evidence_gaps: Vec<crate::timeline::gaps::EvidenceGap>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Reconstruction {
    pub stream_id: String,
    pub at: String,
    pub axis: Axis,
    pub exists: bool,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Hindsight {
    pub path: String,
    pub recorded: Value,
    /// What was true at the decision's instant, as the case knows it now.
    pub actual: Value,
    /// The late event that carries it and when the system learned it.
    pub event_id: Option<String>,
    pub learned_at: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ModelAtDecision {
    pub model: Option<String>,
    pub model_version: Option<String>,
    /// The deployment of this version in force then (its event and payload: metrics, cutoff, features).
    pub deployment_event_id: Option<String>,
    pub deployed_at: Option<String>,
    pub deployed_by: Option<String>,
    pub metadata: Value,
    /// The version of this model the case says was live when the decision was made.
    pub live_version: Option<String>,
    /// False when the decision names a version that was not the live one (or was never deployed).
    pub consistent: bool,
    pub deployments_known: usize,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ContextDocument {
    pub id: String,
    /// The document's stream (a chunk id is resolved to the document that holds it).
    pub stream_id: Option<String>,
    pub found: bool,
    /// The document's state as the system knew it when the model decided.
    pub state_then: Value,
    pub version_then: Option<i64>,
    /// The latest state differs from the one the model was given.
    pub changed_since: bool,
    pub version_now: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct LaterEvent {
    /// override (a human corrected the decision), correction, caused (it followed from the decision),
    /// outcome (correlated with the decision), late_fact (true before the decision, recorded after),
    /// later (anything else that happened to the subject).
    pub kind: String,
    pub event: Event,
}

fn stream_or_none(conn: &Connection, stream: &str) -> Result<Option<LoadedStream>> {
    match load_stream(conn, stream) {
        Ok(s) => Ok(Some(s)),
        Err(crate::Error::UnknownStream { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

fn state_at(s: &LoadedStream, axis: Axis, at: Micros, rules: &FoldRules) -> fold::AsOf {
    let steps = fold::plan(
        &s.fold_events,
        axis,
        View::AsCorrected,
        rules,
        &s.known_elsewhere,
    );
    fold::as_of(&s.fold_events, &steps, axis, at, rules)
}

fn micros(text: &str) -> Micros {
    parse_instant(text).unwrap_or_default()
}

fn event_by_id(conn: &Connection, event_id: &str) -> Result<Option<Event>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE event_id = ? ORDER BY seq LIMIT 1"
    ))?;
    let mut rows = stmt.query_map([event_id], event_row)?;
    Ok(rows.next().transpose()?)
}

fn event_in_stream(conn: &Connection, stream: &str, event_id: &str) -> Result<Option<Event>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE stream_id = ? AND event_id = ? ORDER BY seq LIMIT 1"
    ))?;
    let mut rows = stmt.query_map([stream, event_id], event_row)?;
    Ok(rows.next().transpose()?)
}

/// Explains the decision `id` (a decision id, or the id of the event that records it).
pub fn explain(conn: &Connection, rules: &FoldRules, id: &str) -> Result<Explanation> {
    let decision = find(conn, id)?;
    let at = micros(&decision.decided_at);
    let decided_recorded = micros(&decision.recorded_at);
    let subject = stream_or_none(conn, &decision.subject_id)?;
    let own = if decision.subject_id == decision.stream_id {
        None
    } else {
        stream_or_none(conn, &decision.stream_id)?
    };
    let mut findings = Vec::new();

    // What the system knew, and the inputs against it.
    let (reconstructed_state, discrepancies, unmatched_inputs, exists) = match &subject {
        Some(s) => {
            let (state, found, unmatched) = input_discrepancies(
                &decision.event_id,
                &decision.inputs,
                &s.fold_events,
                at,
                rules,
                &s.known_elsewhere,
            );
            let exists = state.is_some();
            (
                state.unwrap_or_else(|| Value::Object(Default::default())),
                found,
                unmatched,
                exists,
            )
        }
        None => (
            Value::Object(Default::default()),
            Vec::new(),
            Vec::new(),
            false,
        ),
    };
    for d in &discrepancies {
        findings.push(Finding {
            kind: FindingKind::StaleInput,
            stream_id: Some(decision.subject_id.clone()),
            event_id: Some(decision.event_id.clone()),
            message: d.message.clone(),
        });
    }

    // What was true then, as known now.
    let mut world_state = Value::Object(Default::default());
    let mut hindsight = Vec::new();
    if let Some(s) = &subject {
        let events: Vec<fold::FoldEvent> = s
            .fold_events
            .iter()
            .filter(|e| e.event_id != decision.event_id)
            .cloned()
            .collect();
        let steps = fold::plan(
            &events,
            Axis::Occurred,
            View::AsCorrected,
            rules,
            &s.known_elsewhere,
        );
        if let Some(w) = fold::as_of(&events, &steps, Axis::Occurred, at, rules).state {
            world_state = w;
        }
        if let Value::Object(inputs) = &decision.inputs {
            for (name, seen) in inputs {
                let Some(actual) = world_state.get(name) else {
                    continue;
                };
                // Only what the system did not know yet is hindsight; a value it already knew is
                // a discrepancy (above), not a late fact.
                let known = reconstructed_state.get(name);
                if same_value(seen, actual, 0.0)
                    || known.is_some_and(|k| same_value(k, actual, 0.0))
                {
                    continue;
                }
                let late = events
                    .iter()
                    .filter(|e| {
                        e.occurred <= at && e.recorded > at && e.payload.value().get(name).is_some()
                    })
                    .max_by_key(|e| (e.occurred, e.seq));
                let message = match late {
                    Some(e) => format!(
                        "{name} was in fact {} when the model decided (it saw {}); the system learned it at {}, {} after the decision (event {}).",
                        actual, seen, format_micros(e.recorded), super::human_span(e.recorded - at), e.event_id
                    ),
                    None => format!("{name} was in fact {actual} when the model decided (it saw {seen})."),
                };
                hindsight.push(Hindsight {
                    path: name.clone(),
                    recorded: seen.clone(),
                    actual: actual.clone(),
                    event_id: late.map(|e| e.event_id.clone()),
                    learned_at: late.map(|e| format_micros(e.recorded)),
                    message,
                });
            }
        }
    }

    let model = model_at(conn, &decision, at)?;
    if !model.consistent && model.deployments_known > 0 {
        findings.push(Finding {
            kind: FindingKind::ModelVersionNotLive,
            stream_id: Some(decision.stream_id.clone()),
            event_id: Some(decision.event_id.clone()),
            message: format!(
                "Decision {} names {} {}, but the version live then was {}.",
                decision.decision_id,
                decision.model.as_deref().unwrap_or("the model"),
                decision.model_version.as_deref().unwrap_or("(no version)"),
                model.live_version.as_deref().unwrap_or("none")
            ),
        });
    }

    let mut context = Vec::new();
    for cid in &decision.retrieved_context_ids {
        context.push(context_document(
            conn,
            rules,
            cid,
            at,
            decision.correlation_id.as_deref(),
        )?);
    }

    // The causation chain, looked up in the decision's own streams first (a zone-map read).
    let known: Vec<&Event> = subject
        .iter()
        .chain(own.iter())
        .flat_map(|s| s.events.iter())
        .collect();
    let mut causation: Vec<Event> = Vec::new();
    let mut next = decision.causation_id.clone();
    while let Some(cause) = next.take() {
        if causation.len() == crate::inspect::detail::CHAIN_LIMIT
            || causation.iter().any(|e| e.event_id == cause)
        {
            break;
        }
        let found = match known.iter().find(|e| e.event_id == cause) {
            Some(e) => Some((*e).clone()),
            None => event_by_id(conn, &cause)?,
        };
        if let Some(e) = found {
            next = e.causation_id.clone();
            causation.push(e);
        }
    }

    // Tool calls of the same trace that had returned when the model was called: their results
    // were the model's input (an agent's loop), so they are causes too, nearest first.
    if let Some(trace) = &decision.correlation_id {
        for id in super::traces::tool_calls_before(conn, trace, at)? {
            if causation.len() == crate::inspect::detail::CHAIN_LIMIT {
                break;
            }
            if causation.iter().any(|e| e.event_id == id) {
                continue;
            }
            if let Some(e) = event_by_id(conn, &id)? {
                causation.push(e);
            }
        }
    }

    // Later events: the subject's own, and whatever corrected or followed from the decision.
    let mut later: Vec<LaterEvent> = Vec::new();
    let mut seen_ids: HashSet<String> = HashSet::new();
    let links: Vec<(String, String, String)> = {
        let mut stmt = conn.prepare_cached(
            "SELECT event_id, stream_id, link FROM decision_links WHERE decision_event_id = ?",
        )?;
        let rows = stmt.query_map([&decision.event_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    for (event_id, stream, _link) in &links {
        let e = match known.iter().find(|e| &e.event_id == event_id) {
            Some(e) => Some((*e).clone()),
            None => event_in_stream(conn, stream, event_id)?,
        };
        if let Some(e) = e {
            seen_ids.insert(e.event_id.clone());
            later.push(LaterEvent {
                kind: kind_of(&e, &decision, at, decided_recorded),
                event: e,
            });
        }
    }
    for s in subject.iter().chain(own.iter()) {
        for e in &s.events {
            if e.event_id == decision.event_id || seen_ids.contains(&e.event_id) {
                continue;
            }
            let occurred = micros(&e.occurred_at);
            let recorded = micros(&e.recorded_at);
            if occurred > at || recorded > decided_recorded {
                seen_ids.insert(e.event_id.clone());
                later.push(LaterEvent {
                    kind: kind_of(e, &decision, at, decided_recorded),
                    event: e.clone(),
                });
            }
        }
    }
    later.sort_by(|a, b| {
        (micros(&a.event.occurred_at), a.event.seq)
            .cmp(&(micros(&b.event.occurred_at), b.event.seq))
    });
    let later_total = later.len();
    later.truncate(LATER_LIMIT);

    let gap_rules = crate::timeline::gaps::load_rules(conn)?;
    let evidence_gaps =
        crate::timeline::gaps::gaps(conn, &gap_rules, Some(&decision.subject_id))?.gaps;
    Ok(Explanation {
        evidence_gaps,
        recorded_inputs: decision.inputs.clone(),
        reconstructed: Reconstruction {
            stream_id: decision.subject_id.clone(),
            at: decision.decided_at.clone(),
            axis: Axis::Recorded,
            exists,
        },
        reconstructed_state,
        discrepancies,
        unmatched_inputs,
        world_state,
        hindsight,
        model,
        context,
        causation,
        later_events: later,
        later_total,
        findings,
        decision,
    })
}

fn kind_of(e: &Event, d: &Decision, at: Micros, decided_recorded: Micros) -> String {
    let occurred = micros(&e.occurred_at);
    let recorded = micros(&e.recorded_at);
    let kind = if e.corrects.as_deref() == Some(d.event_id.as_str()) {
        if e.actor.as_deref().is_some_and(|a| a.starts_with("human/")) {
            "override"
        } else {
            "correction"
        }
    } else if e.causation_id.as_deref() == Some(d.event_id.as_str()) {
        "caused"
    } else if occurred <= at && recorded > decided_recorded {
        "late_fact"
    } else if refers_to(e, d) {
        "outcome"
    } else {
        "later"
    };
    kind.to_string()
}

/// True when a later event names the decision: same correlation id, or a top-level payload value
/// equal to the decision's id or correlation id (an outcome keyed by application id, say).
fn refers_to(e: &Event, d: &Decision) -> bool {
    if d.correlation_id.is_some() && e.correlation_id == d.correlation_id {
        return true;
    }
    let keys: Vec<&str> = [Some(d.decision_id.as_str()), d.correlation_id.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    e.payload.as_object().is_some_and(|m| {
        m.values()
            .any(|v| v.as_str().is_some_and(|s| keys.contains(&s)))
    })
}

/// (version, event id, deployed at, actor, payload) of one deployment.
type DeploymentRow = (String, String, i64, Option<String>, Option<String>);

fn model_at(conn: &Connection, d: &Decision, at: Micros) -> Result<ModelAtDecision> {
    // Deployments of this model known when the decision was made (recorded axis), newest last.
    let mut stmt = conn.prepare_cached(
        "SELECT model_version, event_id, epoch_us(deployed_at), actor, payload::VARCHAR FROM model_deployments
         WHERE (model = ? OR ? IS NULL OR model IS NULL) AND recorded_at <= make_timestamp(?)
         ORDER BY deployed_at, recorded_at",
    )?;
    let rows: Vec<DeploymentRow> = stmt
        .query_map(duckdb::params![d.model, d.model, at], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<std::result::Result<_, _>>()?;
    let live = rows.iter().rfind(|r| r.2 <= at);
    let mine = rows
        .iter()
        .rfind(|r| Some(&r.0) == d.model_version.as_ref());
    Ok(ModelAtDecision {
        model: d.model.clone(),
        model_version: d.model_version.clone(),
        deployment_event_id: mine.map(|r| r.1.clone()),
        deployed_at: mine.map(|r| format_micros(r.2)),
        deployed_by: mine.and_then(|r| r.3.clone()),
        metadata: mine
            .and_then(|r| r.4.as_ref())
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or(Value::Null),
        live_version: live.map(|r| r.0.clone()),
        consistent: live.map(|r| &r.0) == d.model_version.as_ref(),
        deployments_known: rows.len(),
    })
}

fn context_document(
    conn: &Connection,
    rules: &FoldRules,
    id: &str,
    at: Micros,
    trace: Option<&str>,
) -> Result<ContextDocument> {
    let mut stream = stream_or_none(conn, id)?.map(|s| (id.to_string(), s));
    if stream.is_none() {
        let owner: Option<String> = conn
            .prepare_cached("SELECT stream_id FROM context_refs WHERE chunk_id = ? LIMIT 1")?
            .query_row([id], |r| r.get(0))
            .ok();
        if let Some(owner) = owner {
            stream = stream_or_none(conn, &owner)?.map(|s| (owner, s));
        }
    }
    // A document retrieved in the decision's trace: as the retrieval gave it to the model.
    if stream.is_none() {
        if let Some((stream_id, doc)) = trace
            .map(|t| super::traces::retrieved_document(conn, t, id))
            .transpose()?
            .flatten()
        {
            return Ok(ContextDocument {
                id: id.to_string(),
                stream_id: Some(stream_id),
                found: true,
                state_then: doc,
                version_then: None,
                changed_since: false,
                version_now: None,
            });
        }
    }
    let Some((stream_id, s)) = stream else {
        return Ok(ContextDocument {
            id: id.to_string(),
            stream_id: None,
            found: false,
            state_then: Value::Null,
            version_then: None,
            changed_since: false,
            version_now: None,
        });
    };
    let then = state_at(&s, Axis::Recorded, at, rules);
    let now = state_at(&s, Axis::Recorded, Micros::MAX, rules);
    Ok(ContextDocument {
        id: id.to_string(),
        stream_id: Some(stream_id),
        found: true,
        changed_since: then.state != now.state,
        state_then: then.state.unwrap_or(Value::Null),
        version_then: then.version,
        version_now: now.version,
    })
}
