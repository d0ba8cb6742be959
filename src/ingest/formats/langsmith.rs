//! LangSmith runs, as its bulk export writes them (Parquet in a Hive-partitioned tree,
//! `…/session_id=<project>/runs/year=…/month=…/day=…/` or, in the newer layout,
//! `…/session_id=<project>/resource=runs/year=…/`), and as JSON with the same fields (the API's
//! runs, or the export's rows as JSON lines). One run is one row, rebuilt as a span of its trace
//! (see `otlp::Span`): the run id is the event id, its parent the cause, `trace_id` the
//! correlation, the start time the event's time and the end its recorded time.
//!
//! What a run is comes from `run_type`: an `llm` run is an LLM call (a decision), a `retriever`
//! run a retrieval whose documents are the context of the calls after it in the trace, an
//! `embedding` run an embedding and a `tool` run a tool call; chains, parsers and prompts are
//! events named as the run. The call's fields are read from the shapes LangChain's tracer and
//! `langsmith.wrappers.wrap_openai` store: chat-model inputs as a list of lists of serialized
//! messages (`{"lc":1,"type":"constructor","id":[…,"HumanMessage"],"kwargs":{…}}`), outputs as
//! an `LLMResult` (`generations`, `llm_output`), or the raw OpenAI request and `ChatCompletion`;
//! the model and parameters from `extra.invocation_params` and `extra.metadata.ls_*`; tokens from
//! the run's own columns. `inputs`, `outputs`, `extra`, `events` and `feedback_stats` are JSON
//! text in the export and parsed. A call with a thread (`extra.metadata` `thread_id`,
//! `session_id` or `conversation_id`, LangSmith's thread keys) is on the thread's stream, as OTLP
//! calls with a conversation are; other runs are on their trace's.
//!
//! Times: `format_version` `v2_beta` exports write UTC with its offset; older exports write naive
//! timestamps, which LangSmith documents as UTC: they are read as UTC, not flagged as a guess,
//! and the event's metadata says so (`time_zone`). The export's partition keys (`export_id`,
//! `tenant_id`, `session_id`, `resource`, `year`, `month`, `day`) reach the event's metadata
//! from the folder (see `folder`).

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::genai::{Call, CallKind};
use super::otlp::Span;
use super::{documented_utc, json_or_text, text, Rebuild, Row};

pub fn detect(keys: &BTreeSet<String>) -> Option<String> {
    let has = |k: &str| keys.contains(k);
    (has("run_type")
        && has("start_time")
        && (has("dotted_order") || has("trace_id") || has("parent_run_id")))
    .then(|| {
        "has `run_type`, `start_time` and `dotted_order` or `trace_id`: LangSmith runs (a bulk export's rows, or runs from its API)"
            .to_string()
    })
}

pub struct LangSmith;

impl Rebuild for LangSmith {
    fn rows(&mut self, record: &Value, _raw: &str, out: &mut Vec<Row>) {
        out.push(match run_document(record) {
            Ok(d) => Row::doc(d),
            Err(why) => Row::refused(why),
        });
    }
}

/// The run's columns that become the span itself rather than its attributes.
const SPAN_COLUMNS: &[&str] = &[
    "id",
    "trace_id",
    "parent_run_id",
    "parent_run_ids",
    "name",
    "run_type",
    "start_time",
    "end_time",
    "status",
    "is_root",
    "dotted_order",
    "trace_tier",
    "tenant_id",
    "session_id",
    "events",
];

/// Columns that are times, read as LangSmith documents them (UTC).
const TIME_COLUMNS: &[&str] = &["first_token_time"];

fn run_document(record: &Value) -> Result<Value, String> {
    let run = record
        .as_object()
        .ok_or("not a run: a LangSmith run is a JSON object (one row of the export)")?;
    let id = text(run.get("id"))
        .map(|s| s.trim().to_ascii_lowercase())
        .ok_or("no run id (`id`): every LangSmith run has one")?;
    let parent = text(run.get("parent_run_id")).map(|s| s.trim().to_ascii_lowercase());
    let trace_id = text(run.get("trace_id"))
        .map(|s| s.trim().to_ascii_lowercase())
        .or_else(|| root_of_dotted_order(run.get("dotted_order")))
        .or_else(|| parent.is_none().then(|| id.clone()))
        .ok_or("no `trace_id` and no `dotted_order` to find it from: a run with a parent belongs to its root's trace")?;
    let run_type = text(run.get("run_type")).unwrap_or_default();
    let name = text(run.get("name")).unwrap_or_else(|| {
        if run_type.is_empty() {
            "run".to_string()
        } else {
            run_type.clone()
        }
    });
    let (start, start_naive) = documented_utc(run.get("start_time"));
    let (end, end_naive) = documented_utc(run.get("end_time"));
    let mut naive = start_naive || end_naive;

    let mut attrs = Map::new();
    for (k, v) in run {
        if SPAN_COLUMNS.contains(&k.as_str()) {
            continue;
        }
        let v = if TIME_COLUMNS.contains(&k.as_str()) {
            let (t, was_naive) = documented_utc(Some(v));
            naive |= was_naive;
            t.unwrap_or(Value::Null)
        } else {
            json_or_text(v)
        };
        attrs.insert(k.clone(), v);
    }
    let events: Vec<Value> = match run.get("events").map(json_or_text) {
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|e| {
                let time = documented_utc(e.get("time")).0;
                json!({
                    "name": e.get("name"),
                    "time": time,
                    "attributes": e.get("kwargs").cloned().unwrap_or_else(|| json!({})),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    let status = text(run.get("status"));
    let error = text(run.get("error"));
    let code = match status.as_deref() {
        Some("error") => "STATUS_CODE_ERROR",
        Some("success") => "STATUS_CODE_OK",
        _ if error.is_some() => "STATUS_CODE_ERROR",
        _ => "STATUS_CODE_UNSET",
    };
    let mut langsmith = Map::new();
    for k in [
        "run_type",
        "status",
        "is_root",
        "dotted_order",
        "parent_run_ids",
        "trace_tier",
        "session_id",
        "tenant_id",
    ] {
        if let Some(v) = run.get(k).filter(|v| !v.is_null()) {
            langsmith.insert(k.to_string(), v.clone());
        }
    }
    let mut metadata = Map::new();
    metadata.insert("langsmith".into(), Value::Object(langsmith));
    metadata.insert("status".into(), json!({"code": code, "message": error}));
    if naive {
        metadata.insert(
            "time_zone".into(),
            json!("UTC: the export wrote times without an offset, and LangSmith documents them as UTC"),
        );
    }
    let call = recognise(&run_type, &name, &attrs);
    let span = Span {
        trace_id,
        span_id: id,
        parent,
        name,
        service: "langsmith".to_string(),
        start,
        end,
        attributes: attrs,
        events,
        metadata,
    };
    Ok(span.document(call))
}

/// The root run's id in a `dotted_order` (`<time>Z<run id>` parts joined by dots, root first).
fn root_of_dotted_order(v: Option<&Value>) -> Option<String> {
    let first = v?.as_str()?.split('.').next()?;
    let (_, id) = first.split_once(['Z', 'z'])?;
    (!id.is_empty()).then(|| id.to_ascii_lowercase())
}

fn obj(v: Option<&Value>) -> Option<&Map<String, Value>> {
    v.and_then(Value::as_object)
}

/// The call a run stands for, from its type and its (parsed) data.
fn recognise(run_type: &str, name: &str, attrs: &Map<String, Value>) -> Option<Call> {
    let inputs = attrs.get("inputs").cloned().unwrap_or(Value::Null);
    let outputs = attrs.get("outputs").cloned().unwrap_or(Value::Null);
    let extra = obj(attrs.get("extra"));
    let meta = extra.and_then(|e| obj(e.get("metadata")));
    let ls = |k: &str| meta.and_then(|m| text(m.get(k)));
    let mut call = match run_type {
        "llm" => {
            let op = if ls("ls_model_type").as_deref() == Some("llm") {
                "text_completion"
            } else {
                "chat"
            };
            let mut call = Call::new(CallKind::Llm, "langsmith", op);
            llm(&mut call, extra, &inputs, &outputs, attrs);
            call
        }
        "retriever" => {
            let mut call = Call::new(CallKind::Retrieval, "langsmith", "retrieval");
            call.provider = ls("ls_vector_store_provider");
            call.input_messages = inputs.get("query").cloned().unwrap_or(inputs.clone());
            call.documents = match &outputs {
                Value::Array(items) => items.clone(),
                o => match o.get("documents") {
                    Some(Value::Array(items)) => items.clone(),
                    _ => Vec::new(),
                },
            };
            call
        }
        "embedding" => {
            let mut call = Call::new(CallKind::Embedding, "langsmith", "embeddings");
            call.provider = ls("ls_provider").map(|p| p.to_ascii_lowercase());
            call.model = invocation(extra)
                .and_then(|p| text(super::first(p, &["model", "model_name"])))
                .or_else(|| ls("ls_model_name"));
            call.input_messages = inputs.clone();
            call
        }
        "tool" => {
            let mut call = Call::new(CallKind::Tool, "langsmith", "execute_tool");
            call.tool.insert("name".into(), json!(name));
            call.tool.insert("input".into(), inputs.clone());
            // A tool's return is kept under `output` by LangChain's tracer.
            let output = match &outputs {
                Value::Object(o) if o.len() == 1 && o.contains_key("output") => o["output"].clone(),
                other => other.clone(),
            };
            call.tool.insert("output".into(), output);
            call
        }
        _ => return None,
    };
    call.conversation = ls("thread_id")
        .or_else(|| ls("session_id"))
        .or_else(|| ls("conversation_id"));
    Some(call)
}

fn invocation(extra: Option<&Map<String, Value>>) -> Option<&Map<String, Value>> {
    extra.and_then(|e| obj(e.get("invocation_params")))
}

/// Request keys of a raw OpenAI request (`wrap_openai`) that are not parameters.
const NOT_PARAMETERS: &[&str] = &[
    "messages",
    "prompt",
    "prompts",
    "input",
    "model",
    "model_name",
    "_type",
];

fn llm(
    call: &mut Call,
    extra: Option<&Map<String, Value>>,
    inputs: &Value,
    outputs: &Value,
    attrs: &Map<String, Value>,
) {
    let meta = extra.and_then(|e| obj(e.get("metadata")));
    let params = invocation(extra);
    call.provider = meta
        .and_then(|m| text(m.get("ls_provider")))
        .map(|p| p.to_ascii_lowercase());
    call.model = params
        .and_then(|p| text(super::first(p, &["model", "model_name"])))
        .or_else(|| meta.and_then(|m| text(m.get("ls_model_name"))))
        .or_else(|| text(inputs.get("model")));
    let generations: Vec<&Value> = match outputs.get("generations") {
        Some(Value::Array(batches)) => batches
            .iter()
            .flat_map(|b| match b {
                Value::Array(items) => items.iter().collect::<Vec<_>>(),
                one => vec![one],
            })
            .collect(),
        _ => Vec::new(),
    };
    let first_kwargs = generations
        .first()
        .and_then(|g| g.get("message"))
        .and_then(|m| m.get("kwargs"));
    call.response_model = outputs
        .pointer("/llm_output/model_name")
        .and_then(|v| text(Some(v)))
        .or_else(|| text(outputs.get("model")))
        .or_else(|| {
            first_kwargs
                .and_then(|k| k.pointer("/response_metadata/model_name"))
                .and_then(|v| text(Some(v)))
        });
    // `wrap_openai` keeps the request's own id of the answer.
    call.response_id = text(outputs.get("id")).filter(|_| outputs.get("choices").is_some());
    for (k, v) in params.into_iter().flatten() {
        if !NOT_PARAMETERS.contains(&k.as_str()) {
            call.parameters.insert(k.clone(), v.clone());
        }
    }
    if let Value::Object(request) = inputs {
        for (k, v) in request {
            if !NOT_PARAMETERS.contains(&k.as_str()) && !call.parameters.contains_key(k) {
                call.parameters.insert(k.clone(), v.clone());
            }
        }
    }
    call.input_messages = match inputs.get("messages") {
        Some(Value::Array(items)) => {
            let flat: Vec<Value> = items
                .iter()
                .flat_map(|b| match b {
                    // LangChain's tracer: a list per prompt of the batch.
                    Value::Array(batch) => batch.iter().map(message).collect::<Vec<_>>(),
                    one => vec![message(one)],
                })
                .collect();
            Value::Array(flat)
        }
        _ => match inputs.get("prompts") {
            Some(p) => p.clone(),
            None => inputs.clone(),
        },
    };
    if let Value::Array(items) = &call.input_messages {
        if let Some(s) = items
            .iter()
            .find(|m| m.get("role").and_then(Value::as_str) == Some("system"))
        {
            call.system_instructions = s.get("content").cloned().unwrap_or(Value::Null);
        }
    }
    let mut finish: Vec<Value> = Vec::new();
    call.output_messages = if !generations.is_empty() {
        Value::Array(
            generations
                .iter()
                .map(|g| {
                    let reason = g
                        .pointer("/generation_info/finish_reason")
                        .or_else(|| g.pointer("/message/kwargs/response_metadata/finish_reason"))
                        .filter(|v| !v.is_null());
                    if let Some(r) = reason {
                        finish.push(r.clone());
                    }
                    match g.get("message") {
                        Some(m) => message(m),
                        None => json!({"role": "assistant", "content": g.get("text")}),
                    }
                })
                .collect(),
        )
    } else if let Some(Value::Array(choices)) = outputs.get("choices") {
        Value::Array(
            choices
                .iter()
                .map(|c| {
                    if let Some(r) = c.get("finish_reason").filter(|v| !v.is_null()) {
                        finish.push(r.clone());
                    }
                    c.get("message")
                        .or_else(|| c.get("text"))
                        .cloned()
                        .unwrap_or(Value::Null)
                })
                .collect(),
        )
    } else {
        outputs.clone()
    };
    if !finish.is_empty() {
        call.finish_reasons = Value::Array(finish);
    }
    // The run's own token columns; else the usage the answer reports.
    for (name, column, reported) in [
        ("input_tokens", "prompt_tokens", "prompt_tokens"),
        ("output_tokens", "completion_tokens", "completion_tokens"),
        ("total_tokens", "total_tokens", "total_tokens"),
    ] {
        let v = attrs
            .get(column)
            .filter(|v| !v.is_null())
            .or_else(|| outputs.pointer(&format!("/llm_output/token_usage/{reported}")))
            .or_else(|| outputs.pointer(&format!("/usage/{reported}")));
        if let Some(v) = v {
            call.usage.insert(name.into(), v.clone());
        }
    }
}

/// One chat message as the GenAI conventions write it (`role`, `content`, tool calls), from a
/// LangChain message serialized by its tracer (`{"lc":1,"type":"constructor","id":[…,
/// "HumanMessage"],"kwargs":{…}}`), from `messages_to_dict` (`{"type":"human","data":{…}}`), or
/// as it is (an OpenAI request's message).
fn message(m: &Value) -> Value {
    let (class, fields) = if m.get("lc").is_some() && m.get("kwargs").is_some() {
        let class = m
            .get("id")
            .and_then(Value::as_array)
            .and_then(|id| id.last())
            .and_then(Value::as_str)
            .unwrap_or_default();
        (class.to_string(), m.get("kwargs"))
    } else if m.get("role").is_none() && m.get("type").is_some() && m.get("data").is_some() {
        (String::new(), m.get("data"))
    } else if m.get("role").is_none() && m.get("type").is_some() && m.get("content").is_some() {
        (String::new(), Some(m))
    } else {
        return m.clone();
    };
    let Some(Value::Object(k)) = fields else {
        return m.clone();
    };
    let kind = k
        .get("type")
        .or_else(|| m.get("type"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let role = match (kind, class.trim_end_matches("Chunk")) {
        ("human", _) | (_, "HumanMessage") => "user".to_string(),
        ("ai", _) | (_, "AIMessage") => "assistant".to_string(),
        ("system", _) | (_, "SystemMessage") => "system".to_string(),
        ("tool", _) | (_, "ToolMessage") => "tool".to_string(),
        ("function", _) | (_, "FunctionMessage") => "function".to_string(),
        _ => text(k.get("role")).unwrap_or_else(|| kind.to_string()),
    };
    let mut out = Map::new();
    out.insert("role".into(), json!(role));
    out.insert(
        "content".into(),
        k.get("content").cloned().unwrap_or(Value::Null),
    );
    for key in ["tool_calls", "tool_call_id", "name"] {
        match k.get(key) {
            Some(Value::Array(a)) if a.is_empty() => {}
            Some(Value::Null) | None => {}
            Some(v) => {
                out.insert(key.into(), v.clone());
            }
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::formats::Outcome;

    fn doc(record: Value) -> Value {
        let mut out = Vec::new();
        LangSmith.rows(&record, "", &mut out);
        match out.remove(0).outcome {
            Outcome::Doc(d) => d,
            Outcome::Refused(why) => panic!("refused: {why}"),
        }
    }

    #[test]
    fn a_langchain_chat_run_is_a_decision_with_its_messages_and_tokens() {
        let d = doc(json!({
            "id": "1F0E2D3C-0003-4a5b-8c6d-7e8f9a0b1c2d", "trace_id": "1f0e2d3c-0001-4a5b-8c6d-7e8f9a0b1c2d",
            "parent_run_id": "1f0e2d3c-0001-4a5b-8c6d-7e8f9a0b1c2d", "name": "ChatOpenAI", "run_type": "llm",
            "start_time": "2025-03-14T09:12:03.611204", "end_time": "2025-03-14T09:12:05.046330",
            "status": "success",
            "inputs": "{\"messages\":[[{\"lc\":1,\"type\":\"constructor\",\"id\":[\"langchain\",\"schema\",\"messages\",\"SystemMessage\"],\"kwargs\":{\"content\":\"Be brief.\",\"type\":\"system\"}},{\"lc\":1,\"type\":\"constructor\",\"id\":[\"langchain\",\"schema\",\"messages\",\"HumanMessage\"],\"kwargs\":{\"content\":\"Hi\",\"type\":\"human\"}}]]}",
            "outputs": "{\"generations\":[[{\"text\":\"Hello\",\"generation_info\":{\"finish_reason\":\"stop\"},\"message\":{\"lc\":1,\"type\":\"constructor\",\"id\":[\"langchain\",\"schema\",\"messages\",\"AIMessage\"],\"kwargs\":{\"content\":\"Hello\",\"type\":\"ai\",\"tool_calls\":[]}}}]],\"llm_output\":{\"model_name\":\"gpt-4o-mini-2024-07-18\"}}",
            "extra": "{\"invocation_params\":{\"model\":\"gpt-4o-mini\",\"temperature\":0.1,\"_type\":\"openai-chat\"},\"metadata\":{\"ls_provider\":\"openai\",\"thread_id\":\"th-1\"}}",
            "prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}));
        assert_eq!(d["event_id"], "1f0e2d3c-0003-4a5b-8c6d-7e8f9a0b1c2d");
        assert_eq!(d["event_type"], "gen_ai.chat");
        assert_eq!(d["stream_id"], "th-1");
        assert_eq!(d["stream_type"], "Conversation");
        assert_eq!(d["correlation_id"], "1f0e2d3c-0001-4a5b-8c6d-7e8f9a0b1c2d");
        // Naive times are UTC as LangSmith documents them, and the metadata says so.
        assert_eq!(d["occurred_at"], "2025-03-14T09:12:03.611204Z");
        assert!(d["metadata"]["time_zone"].as_str().unwrap().contains("UTC"));
        let p = &d["payload"];
        assert_eq!(p["decision"], true);
        assert_eq!(p["model"], "gpt-4o-mini");
        assert_eq!(p["model_version"], "gpt-4o-mini-2024-07-18");
        assert_eq!(p["provider"], "openai");
        assert_eq!(p["parameters"], json!({"temperature": 0.1}));
        assert_eq!(
            p["input_messages"],
            json!([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}])
        );
        assert_eq!(p["system_instructions"], "Be brief.");
        assert_eq!(
            p["output_messages"],
            json!([{"role": "assistant", "content": "Hello"}])
        );
        assert_eq!(p["finish_reasons"], json!(["stop"]));
        assert_eq!(p["usage"]["total_tokens"], 12);
    }

    #[test]
    fn retriever_documents_without_ids_are_named_by_their_source() {
        let d = doc(json!({
            "id": "r2", "trace_id": "t1", "parent_run_id": "t1", "name": "VectorStoreRetriever",
            "run_type": "retriever", "start_time": "2025-03-14T09:12:03.125001+00:00",
            "inputs": "{\"query\":\"q?\"}",
            "outputs": "{\"documents\":[{\"page_content\":\"A\",\"metadata\":{\"source\":\"docs/a.md\",\"chunk\":4},\"type\":\"Document\"}]}"}));
        assert_eq!(d["event_type"], "gen_ai.retrieval");
        assert_eq!(d["payload"]["query"], "q?");
        assert_eq!(
            d["payload"]["retrieved_document_ids"],
            json!(["docs/a.md#4"])
        );
        assert!(d["metadata"]["time_zone"].is_null());
    }

    #[test]
    fn a_trace_is_found_from_the_dotted_order_and_chains_are_plain_events() {
        let d = doc(json!({
            "id": "b", "parent_run_id": "a", "name": "StrOutputParser", "run_type": "parser",
            "start_time": "2025-03-14 09:12:05.047718",
            "dotted_order": "20250314T091203123456ZA.20250314T091205047718Zb"}));
        assert_eq!(d["correlation_id"], "a");
        assert_eq!(d["stream_id"], "a");
        assert_eq!(d["event_type"], "StrOutputParser");
        assert_eq!(d["occurred_at"], "2025-03-14T09:12:05.047718Z");
        let mut out = Vec::new();
        LangSmith.rows(
            &json!({"id": "c", "parent_run_id": "a", "run_type": "llm"}),
            "",
            &mut out,
        );
        assert!(matches!(&out[0].outcome, Outcome::Refused(why) if why.contains("trace_id")));
    }

    #[test]
    fn a_wrapped_openai_call_keeps_the_request_and_its_tool_calls() {
        let d = doc(json!({
            "id": "c1", "trace_id": "t", "parent_run_id": "t", "name": "ChatOpenAI", "run_type": "llm",
            "start_time": "2025-03-15T22:00:01.0102+00:00", "status": "success",
            "inputs": "{\"messages\":[{\"role\":\"user\",\"content\":\"Why?\"}],\"model\":\"gpt-4o\",\"temperature\":0,\"tools\":[{\"type\":\"function\"}]}",
            "outputs": "{\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\"}]},\"finish_reason\":\"tool_calls\"}]}",
            "extra": "{\"metadata\":{\"ls_provider\":\"openai\"}}"}));
        let p = &d["payload"];
        assert_eq!(p["model"], "gpt-4o");
        assert_eq!(p["model_version"], "gpt-4o-2024-08-06");
        assert_eq!(p["response_id"], "chatcmpl-1");
        assert_eq!(p["parameters"]["temperature"], 0);
        assert_eq!(p["parameters"]["tools"][0]["type"], "function");
        assert_eq!(p["output_messages"][0]["tool_calls"][0]["id"], "call_1");
        assert_eq!(p["finish_reasons"], json!(["tool_calls"]));
        assert_eq!(d["stream_id"], "t");
    }
}
