//! LLM calls in OpenTelemetry data, whatever the instrumentation wrote: the GenAI semantic
//! conventions, current (`gen_ai.provider.name`, `gen_ai.input.messages` as JSON strings) and older
//! (`gen_ai.system`, indexed `gen_ai.prompt.N.*` / `gen_ai.completion.N.*`, `prompt_tokens`,
//! content in span events), and OpenInference (`openinference.span.kind`, `llm.*`,
//! `input.value` / `output.value`, `retrieval.documents.N.*`).
//!
//! A call is an LLM call (a decision), a retrieval or embedding (the context a decision was given,
//! linked by trace), or a tool call (a cause). The payload written for an LLM call has the fields
//! the decision view reads: `decision`, `model`, `model_version`, `parameters`,
//! `system_instructions`, `input_messages`, `output_messages`, `usage`, `finish_reasons`.

use serde_json::{json, Map, Value};

use super::{first, text};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    Llm,
    Retrieval,
    Embedding,
    Tool,
}

/// One recognised call, its fields normalized across conventions.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub kind: CallKind,
    pub convention: &'static str,
    pub operation: String,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub response_model: Option<String>,
    pub parameters: Map<String, Value>,
    pub system_instructions: Value,
    pub input_messages: Value,
    pub output_messages: Value,
    pub finish_reasons: Value,
    pub response_id: Option<String>,
    pub usage: Map<String, Value>,
    pub documents: Vec<Value>,
    pub tool: Map<String, Value>,
    pub subject: Option<String>,
    pub conversation: Option<String>,
}

impl Call {
    /// A call of `kind` with nothing known yet but its convention and operation.
    pub fn new(kind: CallKind, convention: &'static str, operation: &str) -> Call {
        Call {
            kind,
            convention,
            operation: operation.to_string(),
            provider: None,
            model: None,
            response_model: None,
            parameters: Map::new(),
            system_instructions: Value::Null,
            input_messages: Value::Null,
            output_messages: Value::Null,
            finish_reasons: Value::Null,
            response_id: None,
            usage: Map::new(),
            documents: Vec::new(),
            tool: Map::new(),
            subject: None,
            conversation: None,
        }
    }

    /// Gives every retrieved document an id: its own, else its source file (and chunk) from its
    /// metadata (LangChain writes no ids), else `<span id>#<position>`.
    pub fn name_documents(&mut self, span_id: &str) {
        for (i, d) in self.documents.iter_mut().enumerate() {
            let Value::Object(doc) = d else { continue };
            if text(doc.get("id")).is_some() {
                continue;
            }
            let meta = json_text(doc.get("metadata"));
            let id = match (text(meta.get("source")), text(meta.get("chunk"))) {
                (Some(src), Some(chunk)) => format!("{src}#{chunk}"),
                (Some(src), None) => src,
                _ => format!("{span_id}#{i}"),
            };
            doc.insert("id".into(), json!(id));
        }
    }

    /// The event type: `gen_ai.<operation>` (`gen_ai.chat`, ...); every retrieval (retrieve,
    /// rerank, a vector query) is `gen_ai.retrieval`, so a decision finds its context by one name.
    pub fn event_type(&self) -> String {
        match self.kind {
            CallKind::Retrieval => "gen_ai.retrieval".to_string(),
            _ => format!("gen_ai.{}", self.operation),
        }
    }

    /// The event's payload.
    pub fn payload(&self, attrs: &Map<String, Value>) -> Value {
        match self.kind {
            CallKind::Llm => json!({
                "decision": true,
                "operation": self.operation,
                "convention": self.convention,
                "provider": self.provider,
                "model": self.model.clone().or(self.response_model.clone()),
                "model_version": self.response_model.clone().or(self.model.clone()),
                "parameters": self.parameters,
                "system_instructions": self.system_instructions,
                "input_messages": self.input_messages,
                "output_messages": self.output_messages,
                "finish_reasons": self.finish_reasons,
                "response_id": self.response_id,
                "usage": self.usage,
                "attributes": attrs,
            }),
            CallKind::Retrieval | CallKind::Embedding => json!({
                "operation": self.operation,
                "convention": self.convention,
                "provider": self.provider,
                "model": self.model,
                "query": self.input_messages,
                "documents": self.documents,
                "retrieved_document_ids": self.documents.iter()
                    .filter_map(|d| text(d.get("id"))).collect::<Vec<_>>(),
                "attributes": attrs,
            }),
            CallKind::Tool => json!({
                "operation": self.operation,
                "convention": self.convention,
                "tool": self.tool,
                "attributes": attrs,
            }),
        }
    }
}

/// A string attribute that holds JSON, parsed; anything else as it is.
pub fn json_text(v: Option<&Value>) -> Value {
    match v {
        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::String(s.clone())),
        Some(other) => other.clone(),
        None => Value::Null,
    }
}

/// The most items one flattened list keeps, and the deepest path read: a crafted attribute name
/// (`gen_ai.prompt.99999999999.content`, a key of a million dots) must not exhaust memory or stack.
const MAX_ITEMS: usize = 4096;
const MAX_DEPTH: usize = 12;

fn put(node: &mut Value, path: &[&str], value: Value) {
    let Some((head, rest)) = path.split_first() else {
        *node = value;
        return;
    };
    if let Ok(i) = head.parse::<usize>() {
        if i >= MAX_ITEMS {
            return;
        }
        if !node.is_array() {
            *node = Value::Array(Vec::new());
        }
        let list = node.as_array_mut().expect("made an array above");
        if list.len() <= i {
            list.resize(i + 1, Value::Null);
        }
        put(&mut list[i], rest, value);
    } else {
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
        let map = node.as_object_mut().expect("made an object above");
        put(
            map.entry(head.to_string()).or_insert(Value::Null),
            rest,
            value,
        );
    }
}

/// Attributes flattened under `prefix` (`llm.input_messages.0.message.role`) rebuilt as a list
/// (or object) of their values; Null when there are none.
pub fn unflatten(attrs: &Map<String, Value>, prefix: &str) -> Value {
    let mut root = Value::Null;
    let lead = format!("{prefix}.");
    for (k, v) in attrs {
        if let Some(rest) = k.strip_prefix(&lead) {
            let path: Vec<&str> = rest.split('.').take(MAX_DEPTH + 1).collect();
            if path.len() <= MAX_DEPTH {
                put(&mut root, &path, json_text(Some(v)));
            }
        }
    }
    if let Value::Array(items) = &mut root {
        items.retain(|i| !i.is_null());
    }
    root
}

/// OpenInference wraps each message as `{message: {...}}`, each document as `{document: {...}}`.
fn unwrap_items(list: Value, wrapper: &str) -> Value {
    match list {
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|i| match i {
                    Value::Object(mut m) if m.len() == 1 && m.contains_key(wrapper) => {
                        m.remove(wrapper).unwrap_or(Value::Null)
                    }
                    other => other,
                })
                .collect(),
        ),
        other => other,
    }
}

fn string(attrs: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    text(first(attrs, keys))
}

fn non_null(v: Value) -> Option<Value> {
    (!v.is_null()).then_some(v)
}

/// Recognises a span's call from its attributes and span events (`name`, `attributes`).
pub fn recognise(attrs: &Map<String, Value>, events: &[Value]) -> Option<Call> {
    if let Some(kind) = attrs.get("openinference.span.kind").and_then(Value::as_str) {
        return openinference(kind, attrs);
    }
    gen_ai(attrs, events).or_else(|| traceloop(attrs, events))
}

/// OpenLLMetry's spans that carry no GenAI attributes: tools (`traceloop.span.kind = tool`) and
/// vector-store queries whose results are span events (`db.query.result`).
fn traceloop(attrs: &Map<String, Value>, events: &[Value]) -> Option<Call> {
    let results: Vec<Value> = events
        .iter()
        .filter(|e| e.get("name").and_then(Value::as_str) == Some("db.query.result"))
        .filter_map(|e| e.get("attributes").and_then(Value::as_object))
        .map(|a| {
            let mut d = Map::new();
            for (k, v) in a {
                if let Some(f) = k.strip_prefix("db.query.result.") {
                    d.insert(f.to_string(), v.clone());
                }
            }
            Value::Object(d)
        })
        .collect();
    if !results.is_empty() {
        let mut call = Call::new(CallKind::Retrieval, "openllmetry", "retrieval");
        call.provider = string(attrs, &["db.system", "vector_db.vendor"]);
        call.documents = results;
        subject_of(attrs, &mut call);
        return Some(call);
    }
    if attrs.get("traceloop.span.kind").and_then(Value::as_str) == Some("tool") {
        let mut call = Call::new(CallKind::Tool, "openllmetry", "execute_tool");
        for (k, key) in [
            ("name", "traceloop.entity.name"),
            ("input", "traceloop.entity.input"),
            ("output", "traceloop.entity.output"),
        ] {
            if let Some(v) = attrs.get(key) {
                call.tool.insert(k.into(), json_text(Some(v)));
            }
        }
        subject_of(attrs, &mut call);
        return Some(call);
    }
    None
}

fn subject_of(attrs: &Map<String, Value>, call: &mut Call) {
    call.subject = string(attrs, &["app.subject_id", "casefile.subject"]);
    call.conversation = string(
        attrs,
        &["gen_ai.conversation.id", "session.id", "conversation.id"],
    );
}

fn gen_ai(attrs: &Map<String, Value>, events: &[Value]) -> Option<Call> {
    let operation = string(attrs, &["gen_ai.operation.name"]);
    let model = string(attrs, &["gen_ai.request.model"]);
    let system = string(attrs, &["gen_ai.provider.name", "gen_ai.system"]);
    if operation.is_none() && model.is_none() && system.is_none() {
        return None;
    }
    // Without an operation name: OpenLLMetry's request type (chat, completion, embedding, rerank).
    let op = operation.unwrap_or_else(|| {
        match attrs.get("llm.request.type").and_then(Value::as_str) {
            Some("embedding") => "embeddings",
            Some("completion") => "text_completion",
            Some("rerank") => "rerank",
            _ => "chat",
        }
        .to_string()
    });
    let kind = match op.as_str() {
        "execute_tool" => CallKind::Tool,
        "embeddings" => CallKind::Embedding,
        "retrieval" | "retrieve" | "rerank" => CallKind::Retrieval,
        // An agent wrapper names a model but is not itself a call to it.
        "create_agent" | "invoke_agent" => return None,
        _ => CallKind::Llm,
    };
    let mut call = Call::new(kind, "gen_ai", &op);
    // OpenLLMetry writes "OpenAI", the conventions "openai".
    call.provider = system.map(|p| p.to_ascii_lowercase());
    call.model = model;
    call.response_model = string(attrs, &["gen_ai.response.model"]);
    call.response_id = string(attrs, &["gen_ai.response.id"]);
    subject_of(attrs, &mut call);
    for (k, v) in attrs {
        if let Some(p) = k.strip_prefix("gen_ai.request.") {
            if p != "model" {
                call.parameters.insert(p.to_string(), v.clone());
            }
        }
    }
    for (name, keys) in [
        (
            "input_tokens",
            &["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"][..],
        ),
        (
            "output_tokens",
            &[
                "gen_ai.usage.output_tokens",
                "gen_ai.usage.completion_tokens",
            ][..],
        ),
        (
            "total_tokens",
            &["gen_ai.usage.total_tokens", "llm.usage.total_tokens"][..],
        ),
    ] {
        if let Some(v) = first(attrs, keys) {
            call.usage.insert(name.into(), v.clone());
        }
    }
    call.system_instructions = json_text(attrs.get("gen_ai.system_instructions"));
    call.input_messages = non_null(json_text(attrs.get("gen_ai.input.messages")))
        .or_else(|| non_null(unflatten(attrs, "gen_ai.prompt")))
        .unwrap_or(Value::Null);
    call.output_messages = non_null(json_text(attrs.get("gen_ai.output.messages")))
        .or_else(|| non_null(unflatten(attrs, "gen_ai.completion")))
        .unwrap_or(Value::Null);
    call.finish_reasons = attrs
        .get("gen_ai.response.finish_reasons")
        .cloned()
        .unwrap_or(Value::Null);
    // Content in span events: the operation-details event, the older content events, and the
    // older per-message events.
    let mut inputs = Vec::new();
    let mut outputs = Vec::new();
    for e in events {
        let name = e.get("name").and_then(Value::as_str).unwrap_or_default();
        let a = e
            .get("attributes")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        match name {
            "gen_ai.client.inference.operation.details" => {
                if call.input_messages.is_null() {
                    call.input_messages = json_text(a.get("gen_ai.input.messages"));
                }
                if call.output_messages.is_null() {
                    call.output_messages = json_text(a.get("gen_ai.output.messages"));
                }
                if call.system_instructions.is_null() {
                    call.system_instructions = json_text(a.get("gen_ai.system_instructions"));
                }
            }
            "gen_ai.content.prompt" if call.input_messages.is_null() => {
                call.input_messages = json_text(a.get("gen_ai.prompt"));
            }
            "gen_ai.content.completion" if call.output_messages.is_null() => {
                call.output_messages = json_text(a.get("gen_ai.completion"));
            }
            "gen_ai.system.message"
            | "gen_ai.user.message"
            | "gen_ai.assistant.message"
            | "gen_ai.tool.message" => inputs.push(message_event(name, &a, &Value::Null)),
            "gen_ai.choice" => outputs.push(message_event(name, &a, &Value::Null)),
            _ => {}
        }
    }
    if call.input_messages.is_null() && !inputs.is_empty() {
        call.input_messages = Value::Array(inputs);
    }
    if call.output_messages.is_null() && !outputs.is_empty() {
        call.output_messages = Value::Array(outputs);
    }
    if kind == CallKind::Tool {
        for (k, v) in attrs {
            if let Some(p) = k.strip_prefix("gen_ai.tool.") {
                call.tool.insert(p.to_string(), v.clone());
            }
        }
    }
    if matches!(kind, CallKind::Retrieval | CallKind::Embedding) {
        call.documents = documents(attrs);
    }
    Some(call)
}

/// One message of the older per-message events (`gen_ai.user.message`, `gen_ai.choice`): its
/// content is in the body (log events) or the attributes (span events).
fn message_event(name: &str, attrs: &Map<String, Value>, body: &Value) -> Value {
    let role = name
        .strip_prefix("gen_ai.")
        .and_then(|n| n.strip_suffix(".message"))
        .unwrap_or("assistant");
    let mut m = match body {
        Value::Object(b) => b.clone(),
        Value::String(s) => {
            let mut m = Map::new();
            m.insert("content".into(), Value::String(s.clone()));
            m
        }
        _ => Map::new(),
    };
    for (k, v) in attrs {
        if let Some(p) = k.strip_prefix("gen_ai.") {
            if !matches!(p, "system" | "provider.name" | "event.name") {
                m.entry(p.to_string()).or_insert_with(|| json_text(Some(v)));
            }
        } else if k == "content" || k == "role" {
            m.entry(k.clone()).or_insert_with(|| json_text(Some(v)));
        }
    }
    m.entry("role".to_string()).or_insert_with(|| json!(role));
    Value::Object(m)
}

/// Documents of a retrieval: OpenInference's `retrieval.documents.N.document.*`, or GenAI's
/// `gen_ai.retrieval.documents` (a JSON string).
fn documents(attrs: &Map<String, Value>) -> Vec<Value> {
    let listed = match unwrap_items(unflatten(attrs, "retrieval.documents"), "document") {
        Value::Array(items) => items,
        _ => Vec::new(),
    };
    if !listed.is_empty() {
        return listed;
    }
    match json_text(attrs.get("gen_ai.retrieval.documents")) {
        Value::Array(items) => items,
        _ => Vec::new(),
    }
}

fn openinference(kind: &str, attrs: &Map<String, Value>) -> Option<Call> {
    let (call_kind, op) = match kind.to_ascii_uppercase().as_str() {
        "LLM" => (CallKind::Llm, "chat"),
        "RETRIEVER" => (CallKind::Retrieval, "retrieval"),
        "EMBEDDING" => (CallKind::Embedding, "embeddings"),
        "TOOL" => (CallKind::Tool, "execute_tool"),
        _ => return None,
    };
    let mut call = Call::new(call_kind, "openinference", op);
    call.provider = string(attrs, &["llm.provider", "llm.system"]);
    call.model = string(attrs, &["llm.model_name", "embedding.model_name"]);
    subject_of(attrs, &mut call);
    if let Value::Object(p) = json_text(attrs.get("llm.invocation_parameters")) {
        call.parameters = p;
    }
    for (name, key) in [
        ("input_tokens", "llm.token_count.prompt"),
        ("output_tokens", "llm.token_count.completion"),
        ("total_tokens", "llm.token_count.total"),
    ] {
        if let Some(v) = attrs.get(key) {
            call.usage.insert(name.into(), v.clone());
        }
    }
    let input_value = json_text(attrs.get("input.value"));
    let output_value = json_text(attrs.get("output.value"));
    call.input_messages = non_null(unwrap_items(
        unflatten(attrs, "llm.input_messages"),
        "message",
    ))
    .unwrap_or_else(|| input_value.clone());
    call.output_messages = non_null(unwrap_items(
        unflatten(attrs, "llm.output_messages"),
        "message",
    ))
    .unwrap_or_else(|| output_value.clone());
    // The system prompt is the first system message, when there is one.
    if let Value::Array(items) = &call.input_messages {
        if let Some(s) = items
            .iter()
            .find(|m| m.get("role").and_then(Value::as_str) == Some("system"))
        {
            call.system_instructions = s.get("content").cloned().unwrap_or(Value::Null);
        }
    }
    match call_kind {
        CallKind::Retrieval | CallKind::Embedding => {
            call.documents = documents(attrs);
            call.input_messages = input_value;
        }
        CallKind::Tool => {
            for (k, v) in attrs {
                if let Some(p) = k.strip_prefix("tool.") {
                    call.tool.insert(p.to_string(), json_text(Some(v)));
                }
            }
            if !input_value.is_null() {
                call.tool.insert("input".into(), input_value);
            }
            if !output_value.is_null() {
                call.tool.insert("output".into(), output_value);
            }
        }
        CallKind::Llm => {}
    }
    Some(call)
}

/// Recognises a GenAI log event: the operation-details event (its messages in attributes or the
/// body) and the older per-message events. They describe a call whose span (when exported) is
/// the decision; the event is linked to it by span id.
pub fn recognise_log(name: &str, attrs: &Map<String, Value>, body: &Value) -> Option<Call> {
    let mut call = Call::new(CallKind::Llm, "gen_ai", "");
    call.provider = string(attrs, &["gen_ai.provider.name", "gen_ai.system"]);
    call.model = string(attrs, &["gen_ai.request.model"]);
    call.response_model = string(attrs, &["gen_ai.response.model"]);
    subject_of(attrs, &mut call);
    match name {
        "gen_ai.client.inference.operation.details" => {
            let from = |k: &str| {
                non_null(json_text(attrs.get(k)))
                    .or_else(|| body.get(k).cloned())
                    .unwrap_or(Value::Null)
            };
            call.operation = "client.inference.operation.details".into();
            call.input_messages = from("gen_ai.input.messages");
            call.output_messages = from("gen_ai.output.messages");
            call.system_instructions = from("gen_ai.system_instructions");
        }
        "gen_ai.system.message"
        | "gen_ai.user.message"
        | "gen_ai.assistant.message"
        | "gen_ai.tool.message" => {
            call.operation = name.trim_start_matches("gen_ai.").to_string();
            call.input_messages = Value::Array(vec![message_event(name, attrs, body)]);
        }
        "gen_ai.choice" => {
            call.operation = "choice".into();
            call.output_messages = Value::Array(vec![message_event(name, attrs, body)]);
        }
        _ => return None,
    }
    Some(call)
}

/// The payload of a GenAI log event: the messages it carries, not a decision of its own (its span
/// is the decision).
pub fn log_payload(call: &Call, attrs: &Map<String, Value>) -> Value {
    json!({
        "provider": call.provider,
        "model": call.model,
        "system_instructions": call.system_instructions,
        "input_messages": call.input_messages,
        "output_messages": call.output_messages,
        "attributes": attrs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn older_indexed_prompts_and_token_names_are_read() {
        let a = attrs(json!({
            "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o", "gen_ai.request.temperature": 0.2,
            "gen_ai.prompt.0.role": "system", "gen_ai.prompt.0.content": "Be brief.",
            "gen_ai.prompt.1.role": "user", "gen_ai.prompt.1.content": "Hi",
            "gen_ai.completion.0.role": "assistant", "gen_ai.completion.0.content": "Hello",
            "gen_ai.usage.prompt_tokens": 12, "gen_ai.usage.completion_tokens": 3}));
        let c = recognise(&a, &[]).unwrap();
        assert_eq!(c.kind, CallKind::Llm);
        assert_eq!(c.provider.as_deref(), Some("openai"));
        assert_eq!(
            c.input_messages,
            json!([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}])
        );
        assert_eq!(
            c.output_messages,
            json!([{"role": "assistant", "content": "Hello"}])
        );
        assert_eq!(c.usage["input_tokens"], json!(12));
        assert_eq!(c.parameters["temperature"], json!(0.2));
    }

    #[test]
    fn openinference_llm_spans_unflatten_messages_and_parse_parameters() {
        let a = attrs(json!({
            "openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-mini", "llm.provider": "openai",
            "llm.invocation_parameters": "{\"temperature\": 0, \"max_tokens\": 256}",
            "llm.input_messages.0.message.role": "system", "llm.input_messages.0.message.content": "Use the context.",
            "llm.input_messages.1.message.role": "user", "llm.input_messages.1.message.content": "Q?",
            "llm.output_messages.0.message.role": "assistant", "llm.output_messages.0.message.content": "A.",
            "llm.token_count.prompt": 40, "llm.token_count.completion": 2, "llm.token_count.total": 42}));
        let c = recognise(&a, &[]).unwrap();
        assert_eq!(c.convention, "openinference");
        assert_eq!(c.parameters["max_tokens"], json!(256));
        assert_eq!(
            c.input_messages[1],
            json!({"role": "user", "content": "Q?"})
        );
        assert_eq!(c.system_instructions, json!("Use the context."));
        assert_eq!(c.usage["total_tokens"], json!(42));
    }

    #[test]
    fn openinference_retrievers_list_their_documents() {
        let a = attrs(json!({
            "openinference.span.kind": "RETRIEVER", "input.value": "refund policy",
            "retrieval.documents.0.document.id": "doc-1", "retrieval.documents.0.document.score": 0.9,
            "retrieval.documents.0.document.content": "Refunds within 30 days.",
            "retrieval.documents.1.document.id": "doc-2", "retrieval.documents.1.document.content": "…"}));
        let c = recognise(&a, &[]).unwrap();
        assert_eq!(c.kind, CallKind::Retrieval);
        assert_eq!(c.documents.len(), 2);
        assert_eq!(
            c.payload(&a)["retrieved_document_ids"],
            json!(["doc-1", "doc-2"])
        );
    }

    #[test]
    fn crafted_attribute_names_cannot_exhaust_memory_or_the_stack() {
        let mut a = Map::new();
        a.insert("gen_ai.prompt.99999999999.content".into(), json!("x"));
        a.insert("gen_ai.prompt.18446744073709551615.role".into(), json!("x"));
        a.insert(
            format!("gen_ai.prompt.0{}", ".a".repeat(100_000)),
            json!("x"),
        );
        a.insert("gen_ai.prompt.1.content".into(), json!("kept"));
        assert_eq!(unflatten(&a, "gen_ai.prompt"), json!([{"content": "kept"}]));
    }

    #[test]
    fn content_in_span_events_fills_the_messages() {
        let a = attrs(json!({"gen_ai.system": "anthropic", "gen_ai.request.model": "claude"}));
        let events = vec![
            json!({"name": "gen_ai.user.message", "attributes": {"content": "Hi"}}),
            json!({"name": "gen_ai.choice", "attributes": {"gen_ai.system": "anthropic", "content": "Hello", "finish_reason": "stop"}}),
        ];
        let c = recognise(&a, &events).unwrap();
        assert_eq!(c.input_messages, json!([{"content": "Hi", "role": "user"}]));
        assert_eq!(c.output_messages[0]["content"], json!("Hello"));
    }
}
