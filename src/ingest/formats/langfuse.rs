//! Langfuse traces and observations, in the shapes Langfuse exports them: a trace downloaded from
//! the UI (`trace-<id>.json`: `{"trace": {…}, "observations": [… ]}`, camelCase, JSON values),
//! and blob storage exports (`<project>/traces/…`, `<project>/observations/…` in the legacy mode,
//! `<project>/observations_v2/…` in the enriched mode; JSON lines, CSV or Parquet; snake_case,
//! `input`, `output` and `model_parameters` as JSON text or plain text). The public API's
//! camelCase objects read the same way.
//!
//! An observation is one row, rebuilt as a span of its trace (see `otlp::Span`): the observation
//! id is the event id, its parent (`parent_observation_id`: null in the legacy mode, `""` in the
//! enriched mode and CSV, both no parent) the cause, the trace id the correlation, its start time
//! the event's time and its end the recorded time. A `GENERATION` is an LLM call (a decision),
//! a `RETRIEVER` a retrieval whose documents (`output.documents`, or an output that is a list)
//! are the context of the calls after it in the trace, an `EMBEDDING` an embedding and a `TOOL`
//! a tool call; spans, events, agents, chains, evaluators and guardrails are events named as the
//! observation. A trace is a `langfuse.trace` event (its user, session, tags, release, input and
//! output) on its own stream.
//!
//! Every observation is on its trace's stream, whatever the export: the legacy observations
//! carry no session, and one observation exported in several shapes must land as the same event.
//! So the payload holds only what every shape gives, normalised (JSON text parsed, `""` as null,
//! times as RFC 3339 UTC), and the same trace read from a UI download, a legacy and an enriched
//! export is one set of events (the later copies are exact duplicates, counted once). What only
//! one shape gives (the enriched rows' trace fields, `latency`, `total_cost`, the download's
//! `createdAt`) is kept in the metadata (`langfuse`).
//!
//! Times: blob storage exports write `YYYY-MM-DD HH:MM:SS.ffffff` without an offset, which
//! Langfuse documents as UTC: they are read as UTC, not flagged as a guess, and the event's
//! metadata says so (`time_zone`).

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::genai::{Call, CallKind};
use super::otlp::Span;
use super::{documented_utc, json_or_text, text, Rebuild, Row};

pub fn detect(keys: &BTreeSet<String>) -> Option<String> {
    let has = |k: &str| keys.contains(k);
    if has("trace") && has("observations") && has("trace.id") {
        Some("has `trace` and `observations`: a trace downloaded from Langfuse".into())
    } else if (has("trace_id") && has("parent_observation_id") && has("type"))
        || (has("traceId") && has("parentObservationId") && has("type"))
    {
        Some("has `trace_id`, `parent_observation_id` and `type`: Langfuse observations".into())
    } else if has("timestamp") && has("bookmarked") && (has("project_id") || has("projectId")) {
        Some("has `timestamp`, `bookmarked` and `project_id`: Langfuse traces".into())
    } else {
        None
    }
}

#[derive(Default)]
pub struct Langfuse {
    /// The last record was a UI download, which holds many rows.
    document: bool,
}

impl Rebuild for Langfuse {
    fn rows(&mut self, record: &Value, _raw: &str, out: &mut Vec<Row>) {
        let row = |r: Result<Value, String>| match r {
            Ok(d) => Row::doc(d),
            Err(why) => Row::refused(why),
        };
        self.document = false;
        let Some(o) = record.as_object() else {
            out.push(Row::refused(
                "not a Langfuse trace or observation: each is a JSON object",
            ));
            return;
        };
        if let (Some(Value::Object(trace)), Some(observations)) =
            (o.get("trace"), o.get("observations"))
        {
            self.document = true;
            out.push(Row {
                raw: Some(Value::Object(trace.clone()).to_string()),
                outcome: row(trace_document(trace, "ui-download")).outcome,
            });
            for obs in observations.as_array().into_iter().flatten() {
                out.push(Row {
                    raw: Some(obs.to_string()),
                    outcome: row(match obs.as_object() {
                        Some(ob) => observation_document(ob, "ui-download"),
                        None => Err("not an observation: each is a JSON object".into()),
                    })
                    .outcome,
                });
            }
            return;
        }
        if get(o, "trace_id").is_some()
            && (o.contains_key("type") || get(o, "start_time").is_some())
        {
            out.push(row(observation_document(o, shape(o))));
        } else if get(o, "trace_id").is_some() {
            out.push(Row::refused(
                "not a Langfuse trace or observation: it names a trace but has no `type` or `start_time` (a score?); only traces and observations are read",
            ));
        } else if get(o, "timestamp").is_some() && get(o, "id").is_some() {
            out.push(row(trace_document(o, shape(o))));
        } else {
            out.push(Row::refused(
                "not a Langfuse trace or observation: an observation has `trace_id` and `type`, a trace `id` and `timestamp`",
            ));
        }
    }

    fn many_rows_per_record(&self) -> bool {
        self.document
    }
}

/// Which export a flat record comes from, by its spelling.
fn shape(o: &Map<String, Value>) -> &'static str {
    if o.contains_key("traceId") || o.contains_key("projectId") {
        "api"
    } else if o.contains_key("trace_name") || o.contains_key("latency") {
        "blob storage, enriched"
    } else {
        "blob storage, legacy"
    }
}

/// `snake_case` → `lowerCamelCase`.
fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut up = false;
    for c in snake.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.push(c.to_ascii_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A field by its export name or its camelCase (UI, API) name; null and `""` (the enriched
/// export's unset value, an empty CSV field) are absent.
fn get<'v>(o: &'v Map<String, Value>, snake: &str) -> Option<&'v Value> {
    let present = |v: &&Value| !v.is_null() && v.as_str() != Some("");
    o.get(snake)
        .filter(present)
        .or_else(|| o.get(&camel(snake)).filter(present))
}

/// A field normalised for the payload: JSON text parsed, absent as null.
fn value(o: &Map<String, Value>, snake: &str) -> Value {
    get(o, snake).map(json_or_text).unwrap_or(Value::Null)
}

/// An object field (an object, or JSON text holding one); absent or otherwise as null.
fn object(o: &Map<String, Value>, snake: &str) -> Value {
    match value(o, snake) {
        v @ Value::Object(_) => v,
        _ => Value::Null,
    }
}

/// Times, read as Langfuse documents them; `naive` is set when one had no offset.
fn time(o: &Map<String, Value>, snake: &str, naive: &mut bool) -> Option<Value> {
    let (t, was_naive) = documented_utc(get(o, snake));
    *naive |= was_naive;
    t
}

/// Keys kept in the metadata as the export gave them (what only some shapes have).
const EXTRA_KEYS: &[&str] = &[
    "project_id",
    "total_cost",
    "latency",
    "time_to_first_token",
    "internal_model_id",
    "model_id",
    "prompt_id",
    "user_id",
    "session_id",
    "trace_name",
    "tags",
    "release",
    "bookmarked",
    "public",
    "created_at",
    "updated_at",
    "usage",
    "unit",
];

fn extras(o: &Map<String, Value>, export: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("export".into(), json!(export));
    for k in EXTRA_KEYS {
        if let Some(v) = get(o, k) {
            m.insert((*k).to_string(), v.clone());
        }
    }
    m
}

const ZONE_NOTE: &str =
    "UTC: the export wrote times without an offset, and Langfuse documents them as UTC";

fn observation_document(o: &Map<String, Value>, export: &str) -> Result<Value, String> {
    let id = get(o, "id")
        .and_then(|v| text(Some(v)))
        .ok_or("no observation id (`id`): every Langfuse observation has one")?;
    let trace_id = get(o, "trace_id")
        .and_then(|v| text(Some(v)))
        .ok_or("no `trace_id`: every Langfuse observation belongs to a trace")?;
    let parent = get(o, "parent_observation_id").and_then(|v| text(Some(v)));
    let kind = get(o, "type")
        .and_then(Value::as_str)
        .unwrap_or("SPAN")
        .to_ascii_uppercase();
    let name = get(o, "name")
        .and_then(|v| text(Some(v)))
        .unwrap_or_else(|| kind.to_ascii_lowercase());
    let mut naive = false;
    let start = time(o, "start_time", &mut naive);
    let end = time(o, "end_time", &mut naive);
    let completion_start = time(o, "completion_start_time", &mut naive);
    let level = get(o, "level").and_then(|v| text(Some(v)));
    let status_message = get(o, "status_message").and_then(|v| text(Some(v)));
    let model = get(o, "provided_model_name")
        .or_else(|| get(o, "model"))
        .and_then(|v| text(Some(v)));
    let usage = match object(o, "usage_details") {
        Value::Null => object(o, "usage"),
        u => u,
    };

    // What every export shape gives, normalised, in one order.
    let mut attrs = Map::new();
    attrs.insert("name".into(), json!(name));
    attrs.insert("type".into(), json!(kind));
    attrs.insert("level".into(), json!(level));
    attrs.insert("status_message".into(), json!(status_message));
    attrs.insert(
        "version".into(),
        json!(get(o, "version").and_then(|v| text(Some(v)))),
    );
    attrs.insert(
        "environment".into(),
        json!(get(o, "environment").and_then(|v| text(Some(v)))),
    );
    attrs.insert("metadata".into(), value(o, "metadata"));
    attrs.insert("input".into(), value(o, "input"));
    attrs.insert("output".into(), value(o, "output"));
    attrs.insert("model".into(), json!(model));
    attrs.insert("model_parameters".into(), object(o, "model_parameters"));
    attrs.insert("usage_details".into(), object(o, "usage_details"));
    attrs.insert("cost_details".into(), object(o, "cost_details"));
    attrs.insert("completion_start_time".into(), json!(completion_start));
    attrs.insert(
        "prompt_name".into(),
        json!(get(o, "prompt_name").and_then(|v| text(Some(v)))),
    );
    attrs.insert(
        "prompt_version".into(),
        json!(get(o, "prompt_version").and_then(|v| text(Some(v)))),
    );

    let call = recognise(&kind, &name, model, &usage, &attrs);
    let mut metadata = Map::new();
    metadata.insert("langfuse".into(), Value::Object(extras(o, export)));
    metadata.insert(
        "status".into(),
        json!({
            "code": if level.as_deref() == Some("ERROR") { "STATUS_CODE_ERROR" } else { "STATUS_CODE_UNSET" },
            "message": status_message,
        }),
    );
    if naive {
        metadata.insert("time_zone".into(), json!(ZONE_NOTE));
    }
    let span = Span {
        trace_id,
        span_id: id,
        parent,
        name,
        service: "langfuse".to_string(),
        start,
        end,
        attributes: attrs,
        events: Vec::new(),
        metadata,
    };
    Ok(span.document(call))
}

/// The call an observation stands for, from its type.
fn recognise(
    kind: &str,
    name: &str,
    model: Option<String>,
    usage: &Value,
    attrs: &Map<String, Value>,
) -> Option<Call> {
    let input = attrs.get("input").cloned().unwrap_or(Value::Null);
    let output = attrs.get("output").cloned().unwrap_or(Value::Null);
    let call = match kind {
        "GENERATION" => {
            let mut call = Call::new(CallKind::Llm, "langfuse", "chat");
            call.model = model;
            if let Some(Value::Object(p)) = attrs.get("model_parameters") {
                call.parameters = p.clone();
            }
            call.input_messages = match &input {
                Value::Object(m) if matches!(m.get("messages"), Some(Value::Array(_))) => {
                    m["messages"].clone()
                }
                other => other.clone(),
            };
            if let Value::Array(items) = &call.input_messages {
                if let Some(s) = items
                    .iter()
                    .find(|m| m.get("role").and_then(Value::as_str) == Some("system"))
                {
                    call.system_instructions = s.get("content").cloned().unwrap_or(Value::Null);
                }
            }
            // One message answered is a list of one, as the GenAI conventions write it.
            call.output_messages = match &output {
                Value::Object(m) if m.contains_key("role") => Value::Array(vec![output.clone()]),
                other => other.clone(),
            };
            for (k, v) in usage.as_object().into_iter().flatten() {
                let name = match k.as_str() {
                    "input" | "promptTokens" => "input_tokens",
                    "output" | "completionTokens" => "output_tokens",
                    "total" | "totalTokens" => "total_tokens",
                    other => other,
                };
                call.usage.insert(name.to_string(), v.clone());
            }
            call
        }
        "RETRIEVER" => {
            let mut call = Call::new(CallKind::Retrieval, "langfuse", "retrieval");
            call.input_messages = input;
            call.documents = match &output {
                Value::Array(items) => items.clone(),
                o => match o.get("documents") {
                    Some(Value::Array(items)) => items.clone(),
                    _ => Vec::new(),
                },
            };
            call
        }
        "EMBEDDING" => {
            let mut call = Call::new(CallKind::Embedding, "langfuse", "embeddings");
            call.model = model;
            call.input_messages = input;
            call
        }
        "TOOL" => {
            let mut call = Call::new(CallKind::Tool, "langfuse", "execute_tool");
            call.tool.insert("name".into(), json!(name));
            call.tool.insert("input".into(), input);
            call.tool.insert("output".into(), output);
            call
        }
        _ => return None,
    };
    Some(call)
}

fn trace_document(o: &Map<String, Value>, export: &str) -> Result<Value, String> {
    let id = get(o, "id")
        .and_then(|v| text(Some(v)))
        .ok_or("no trace id (`id`): every Langfuse trace has one")?;
    let mut naive = false;
    let occurred = time(o, "timestamp", &mut naive);
    let recorded = time(o, "created_at", &mut naive);
    let user = get(o, "user_id").and_then(|v| text(Some(v)));
    let s = |k: &str| json!(get(o, k).and_then(|v| text(Some(v))));
    let payload = json!({
        "name": s("name"),
        "user_id": user,
        "session_id": s("session_id"),
        "release": s("release"),
        "version": s("version"),
        "environment": s("environment"),
        "tags": value(o, "tags"),
        "public": value(o, "public"),
        "bookmarked": value(o, "bookmarked"),
        "input": value(o, "input"),
        "output": value(o, "output"),
        "metadata": value(o, "metadata"),
    });
    let mut metadata = Map::new();
    metadata.insert("langfuse".into(), Value::Object(extras(o, export)));
    if naive {
        metadata.insert("time_zone".into(), json!(ZONE_NOTE));
    }
    Ok(json!({
        "event_id": id,
        "stream_id": id,
        "stream_type": "Trace",
        "event_type": "langfuse.trace",
        "occurred_at": occurred,
        "recorded_at": recorded,
        "actor": match &user {
            Some(u) => format!("user/{u}"),
            None => "system/langfuse".to_string(),
        },
        "correlation_id": id,
        "payload": payload,
        "metadata": metadata,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::formats::Outcome;

    fn docs(record: Value) -> Vec<Value> {
        let mut out = Vec::new();
        Langfuse::default().rows(&record, "", &mut out);
        out.into_iter()
            .map(|r| match r.outcome {
                Outcome::Doc(d) => d,
                Outcome::Refused(why) => panic!("refused: {why}"),
            })
            .collect()
    }

    #[test]
    fn one_generation_gives_the_same_payload_from_every_export_shape() {
        let legacy = docs(
            json!({"id": "o1", "trace_id": "t1", "type": "GENERATION", "parent_observation_id": null,
            "start_time": "2025-03-14 10:15:03.512000", "end_time": "2025-03-14 10:15:04.861000", "name": "answer",
            "metadata": {"attempt": "2"}, "level": "DEFAULT", "status_message": null, "version": null,
            "input": "[{\"role\":\"user\",\"content\":\"Hi\"}]", "output": "{\"role\":\"assistant\",\"content\":\"Hello\"}",
            "provided_model_name": "gpt-4o", "model_parameters": "{\"temperature\":0.2}",
            "usage_details": {"input": 9, "output": 2, "total": 11}, "cost_details": {},
            "completion_start_time": "2025-03-14 10:15:03.998000", "prompt_name": null, "prompt_version": null}),
        );
        // The enriched export as CSV gives text fields, JSON cells embedded, and "" for unset.
        let enriched = docs(json!({"id": "o1", "trace_id": "t1", "type": "GENERATION",
            "start_time": "2025-03-14 10:15:03.512000", "end_time": "2025-03-14 10:15:04.861000", "name": "answer",
            "metadata": {"attempt": "2"}, "level": "DEFAULT", "status_message": "", "parent_observation_id": "",
            "input": [{"role": "user", "content": "Hi"}], "output": {"role": "assistant", "content": "Hello"},
            "provided_model_name": "gpt-4o", "model_parameters": {"temperature": 0.2},
            "usage_details": {"input": 9, "output": 2, "total": 11}, "cost_details": {},
            "completion_start_time": "2025-03-14 10:15:03.998000", "latency": "1.349", "trace_name": "faq"}));
        let download = docs(
            json!({"trace": {"id": "t1", "timestamp": "2025-03-14T10:15:02.118Z", "name": "faq"},
            "observations": [{"id": "o1", "traceId": "t1", "type": "GENERATION", "parentObservationId": null,
            "startTime": "2025-03-14T10:15:03.512Z", "endTime": "2025-03-14T10:15:04.861Z", "name": "answer",
            "metadata": {"attempt": "2"}, "level": "DEFAULT", "statusMessage": null, "version": null,
            "input": [{"role": "user", "content": "Hi"}], "output": {"role": "assistant", "content": "Hello"},
            "model": "gpt-4o", "modelParameters": {"temperature": 0.2},
            "usageDetails": {"input": 9, "output": 2, "total": 11}, "costDetails": {},
            "usage": {"input": 9, "output": 2, "total": 11, "unit": "TOKENS"},
            "completionStartTime": "2025-03-14T10:15:03.998Z"}]}),
        );
        assert_eq!(download.len(), 2);
        let g = &download[1];
        for other in [&legacy[0], &enriched[0]] {
            assert_eq!(other["payload"], g["payload"]);
            assert_eq!(other["stream_id"], g["stream_id"]);
            assert_eq!(other["occurred_at"], g["occurred_at"]);
            assert!(other["causation_id"].is_null());
        }
        assert_eq!(g["occurred_at"], "2025-03-14T10:15:03.512Z");
        assert_eq!(g["event_type"], "gen_ai.chat");
        assert_eq!(g["payload"]["usage"]["input_tokens"], 9);
        assert_eq!(
            g["payload"]["output_messages"],
            json!([{"role": "assistant", "content": "Hello"}])
        );
        // Zone-less blob times are UTC as Langfuse documents them, and said so; the download's are not.
        assert!(legacy[0]["metadata"]["time_zone"]
            .as_str()
            .unwrap()
            .contains("UTC"));
        assert!(g["metadata"]["time_zone"].is_null());
        assert_eq!(
            enriched[0]["metadata"]["langfuse"]["export"],
            "blob storage, enriched"
        );
    }

    #[test]
    fn retrievers_give_their_documents_and_traces_their_own_event() {
        let d = docs(
            json!({"id": "o2", "trace_id": "t1", "type": "RETRIEVER", "parent_observation_id": "o0",
            "start_time": "2025-03-14 10:15:02.131000", "name": "faq-search",
            "input": "{\"query\":\"q\"}",
            "output": "{\"documents\":[{\"id\":\"faq-12\",\"content\":\"A\",\"score\":0.77}]}"}),
        );
        assert_eq!(d[0]["event_type"], "gen_ai.retrieval");
        assert_eq!(d[0]["causation_id"], "o0");
        assert_eq!(d[0]["payload"]["retrieved_document_ids"], json!(["faq-12"]));
        let t = docs(
            json!({"id": "t1", "timestamp": "2025-03-14 10:15:02.118000", "name": "faq",
            "project_id": "p", "bookmarked": false, "user_id": "u-1", "input": "Hi?"}),
        );
        assert_eq!(t[0]["event_type"], "langfuse.trace");
        assert_eq!(t[0]["actor"], "user/u-1");
        assert_eq!(t[0]["payload"]["input"], "Hi?");
        assert_eq!(t[0]["occurred_at"], "2025-03-14T10:15:02.118Z");
    }
}
