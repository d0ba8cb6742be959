//! LLM calls recorded across several records of a trace, put together after the decisions are
//! found: an instrumentation may keep a call's messages in log events beside its span (the
//! `gen_ai.client.inference.operation.details` event, or older per-message events such as
//! `gen_ai.user.message` and `gen_ai.choice`), and the documents a call was given in a retrieval
//! span of the same trace.
//!
//! - A span's decision takes the messages of the log events emitted inside it (their
//!   `causation_id` is the span's id) where it has none of its own; an operation-details event
//!   whose span is in the case is then not a decision of its own (one call, one decision). One
//!   whose span was not exported stays a decision.
//! - A decision without retrieved context ids takes the ids of the documents retrieved earlier in
//!   its trace (`gen_ai.retrieval` events with the same `correlation_id`).
//! - Tool calls of the trace that had returned when the model was called are causes of its
//!   decision (explain lists them with the causation chain).

use std::collections::BTreeMap;

use duckdb::Connection;
use serde_json::{json, Value};

use super::LlmFields;
use crate::error::Result;

/// The event type of a retrieval (see `ingest::formats::genai`).
pub const RETRIEVAL: &str = "gen_ai.retrieval";
/// The event type of a tool call.
pub const TOOL_CALL: &str = "gen_ai.execute_tool";
const DETAILS: &str = "gen_ai.client.inference.operation.details";
const MESSAGE_EVENTS: &[&str] = &[
    "gen_ai.system.message",
    "gen_ai.user.message",
    "gen_ai.assistant.message",
    "gen_ai.tool.message",
    "gen_ai.choice",
];

/// Content gathered for one span's decision from the log events inside it.
#[derive(Default)]
struct Gathered {
    system: Value,
    inputs: Vec<Value>,
    outputs: Vec<Value>,
    /// Operation-details events merged into the span's decision (no longer decisions themselves).
    merged_details: Vec<String>,
}

fn list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

/// A document id as text (ids may be numbers).
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Runs both steps; called by the decision build inside its transaction.
pub fn link(conn: &Connection) -> Result<()> {
    merge_log_content(conn)?;
    attach_retrieved_context(conn)?;
    Ok(())
}

fn merge_log_content(conn: &Connection) -> Result<()> {
    let mut types: Vec<String> = MESSAGE_EVENTS.iter().map(|t| format!("'{t}'")).collect();
    types.push(format!("'{DETAILS}'"));
    let mut stmt = conn.prepare(&format!(
        "SELECT e.event_id, e.causation_id, e.event_type, e.payload::VARCHAR
         FROM events e SEMI JOIN decisions d ON d.event_id = e.causation_id
         WHERE e.event_type IN ({}) AND e.causation_id <> e.event_id
         ORDER BY e.causation_id, e.occurred_at, e.seq",
        types.join(", ")
    ))?;
    let mut rows = stmt.query([])?;
    let mut by_span: BTreeMap<String, Gathered> = BTreeMap::new();
    while let Some(r) = rows.next()? {
        let event_id: String = r.get(0)?;
        let span: String = r.get(1)?;
        let event_type: String = r.get(2)?;
        let payload: Value = r
            .get::<_, Option<String>>(3)?
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or(Value::Null);
        let g = by_span.entry(span).or_default();
        if g.system.is_null() {
            g.system = payload
                .get("system_instructions")
                .cloned()
                .unwrap_or(Value::Null);
        }
        g.inputs
            .extend(list(payload.get("input_messages").unwrap_or(&Value::Null)));
        g.outputs
            .extend(list(payload.get("output_messages").unwrap_or(&Value::Null)));
        if event_type == DETAILS {
            g.merged_details.push(event_id);
        }
    }
    drop(rows);
    if by_span.is_empty() {
        return Ok(());
    }
    // The spans' current LLM fields, read once; the merged ones written back in one statement.
    let current: BTreeMap<String, Option<String>> = {
        let mut stmt = conn.prepare(&format!(
            "SELECT event_id, llm FROM decisions WHERE event_id IN (SELECT causation_id FROM events
                WHERE event_type IN ({}) AND causation_id IS NOT NULL)",
            types.join(", ")
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    conn.execute_batch(
        "CREATE OR REPLACE TEMP TABLE merged_llm (event_id VARCHAR, llm VARCHAR);
         CREATE OR REPLACE TEMP TABLE merged_details (event_id VARCHAR);",
    )?;
    {
        let mut llm_rows = conn.appender_to_catalog_and_db("merged_llm", "temp", "main")?;
        let mut detail_rows = conn.appender_to_catalog_and_db("merged_details", "temp", "main")?;
        for (span, g) in by_span {
            let mut llm: LlmFields = current
                .get(&span)
                .cloned()
                .flatten()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_default();
            if llm.system_prompt.is_null() {
                llm.system_prompt = g.system;
            }
            if llm.prompt.is_null() && !g.inputs.is_empty() {
                llm.prompt = Value::Array(g.inputs);
            }
            if llm.response.is_null() && !g.outputs.is_empty() {
                llm.response = Value::Array(g.outputs);
            }
            let text = serde_json::to_string(&llm).expect("llm fields serialize");
            llm_rows.append_row(duckdb::params![span, text])?;
            for merged in &g.merged_details {
                detail_rows.append_row([merged])?;
            }
        }
        llm_rows.flush()?;
        detail_rows.flush()?;
    }
    conn.execute_batch(
        "UPDATE decisions SET llm = m.llm FROM merged_llm m WHERE decisions.event_id = m.event_id;
         DELETE FROM decisions WHERE event_id IN (SELECT event_id FROM merged_details);
         DROP TABLE temp.merged_llm; DROP TABLE temp.merged_details;",
    )?;
    Ok(())
}

fn attach_retrieved_context(conn: &Connection) -> Result<()> {
    let mut stmt = conn.prepare(&format!(
        "SELECT d.event_id, r.payload::VARCHAR
         FROM decisions d JOIN events r ON r.correlation_id = d.correlation_id
            AND r.event_type = '{RETRIEVAL}' AND r.occurred_at <= d.decided_at
         WHERE d.correlation_id IS NOT NULL AND coalesce(d.context_ids, '[]') = '[]'
         ORDER BY d.event_id, r.occurred_at, r.seq"
    ))?;
    let mut rows = stmt.query([])?;
    let mut ids: BTreeMap<String, Vec<String>> = BTreeMap::new();
    while let Some(r) = rows.next()? {
        let decision: String = r.get(0)?;
        let payload: Value = r
            .get::<_, Option<String>>(1)?
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or(Value::Null);
        let list = ids.entry(decision).or_default();
        for id in payload
            .get("retrieved_document_ids")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(id_text)
        {
            if !list.contains(&id) {
                list.push(id);
            }
        }
    }
    drop(rows);
    conn.execute_batch(
        "CREATE OR REPLACE TEMP TABLE trace_context (event_id VARCHAR, ids VARCHAR);",
    )?;
    {
        let mut app = conn.appender_to_catalog_and_db("trace_context", "temp", "main")?;
        for (decision, list) in ids.into_iter().filter(|(_, l)| !l.is_empty()) {
            app.append_row(duckdb::params![decision, json!(list).to_string()])?;
        }
        app.flush()?;
    }
    conn.execute_batch(
        "UPDATE decisions SET context_ids = c.ids FROM trace_context c WHERE decisions.event_id = c.event_id;
         DROP TABLE temp.trace_context;",
    )?;
    Ok(())
}

/// A retrieved document as the model was given it, found in the retrieval events of a trace.
pub fn retrieved_document(
    conn: &Connection,
    correlation_id: &str,
    id: &str,
) -> Result<Option<(String, Value)>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT stream_id, payload::VARCHAR FROM events
         WHERE event_type = '{RETRIEVAL}' AND correlation_id = ? ORDER BY occurred_at, seq"
    ))?;
    let mut rows = stmt.query([correlation_id])?;
    while let Some(r) = rows.next()? {
        let stream: String = r.get(0)?;
        let payload: Value = r
            .get::<_, Option<String>>(1)?
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or(Value::Null);
        let found = payload
            .get("documents")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|d| d.get("id").and_then(id_text).as_deref() == Some(id));
        if let Some(doc) = found {
            return Ok(Some((stream, doc.clone())));
        }
    }
    Ok(None)
}

/// Tool calls of a trace that ended at or before `at` (a span's end is its recorded time), the
/// latest first.
pub fn tool_calls_before(
    conn: &Connection,
    correlation_id: &str,
    at: crate::model::Micros,
) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT event_id FROM events WHERE event_type = '{TOOL_CALL}' AND correlation_id = ?
            AND epoch_us(recorded_at) <= ? ORDER BY recorded_at DESC, seq DESC"
    ))?;
    let rows = stmt.query_map(duckdb::params![correlation_id, at], |r| r.get(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}
