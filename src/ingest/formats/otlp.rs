//! OpenTelemetry as exported in OTLP/JSON: traces (`resourceSpans`) and logs (`resourceLogs`), as
//! one request, an array of requests or one request per line (BOM and CRLF handled by the
//! container). Each span and each log record is a row.
//!
//! Exporters disagree on details the spec leaves open or that older SDKs got wrong, and all are
//! read: trace and span ids in hex of either case or in base64 (stored as lowercase hex, so one
//! trace joins across exports), times as strings or numbers (exact above 2^53), `kind` and
//! `status.code` as numbers or enum names, `intValue` as a string, `arrayValue`, `kvlistValue`,
//! `bytesValue`; children listed before their parents, parents missing. A log record is linked to
//! its span by trace and span id; one with no time takes its observed time (marked as placed).
//! LLM calls, retrievals and tool calls are recognised by `genai`.
//!
//! A span becomes its document through [`Span`], which the LLM platforms' exports (`langsmith`,
//! `langfuse`, `phoenix`) share: their rows are rebuilt as spans, so their calls become the same
//! events and decisions.

use std::collections::BTreeSet;

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::{genai, Rebuild, Row};

pub fn detect(keys: &BTreeSet<String>) -> Option<String> {
    let has = |k: &str| keys.contains(k);
    if has("resourceSpans") || has("resource_spans") {
        Some("has `resourceSpans`: OpenTelemetry OTLP JSON traces".into())
    } else if has("resourceLogs") || has("resource_logs") {
        Some("has `resourceLogs`: OpenTelemetry OTLP JSON logs".into())
    } else if has("scopeSpans") || has("scopeLogs") {
        Some("has `scopeSpans` or `scopeLogs`: OpenTelemetry resources, one per line (OTLP JSON without its request wrapper)".into())
    } else {
        None
    }
}

pub struct Otlp;

impl Rebuild for Otlp {
    fn rows(&mut self, record: &Value, _raw: &str, out: &mut Vec<Row>) {
        let before = out.len();
        // Java's logging exporter writes one bare ResourceSpans (or ResourceLogs) per line.
        let wrapped;
        let record = if field(record, "scopeSpans").is_some() {
            wrapped = json!({"resourceSpans": [record]});
            &wrapped
        } else if field(record, "scopeLogs").is_some() {
            wrapped = json!({"resourceLogs": [record]});
            &wrapped
        } else {
            record
        };
        spans(record, out);
        logs(record, out);
        if out.len() == before && !has_any(record) {
            out.push(Row::refused(
                "not an OTLP request: it has neither `resourceSpans` nor `resourceLogs`",
            ));
        }
    }
    fn many_rows_per_record(&self) -> bool {
        true
    }
}

/// A field of an OTLP object by its JSON name (lowerCamelCase) or its proto name (snake_case),
/// which proto3 JSON readers accept too and some exporters write (Phoenix); null is absent.
pub fn field<'v>(v: &'v Value, camel: &str) -> Option<&'v Value> {
    let obj = v.as_object()?;
    if let Some(x) = obj.get(camel).filter(|x| !x.is_null()) {
        return Some(x);
    }
    let mut snake = String::with_capacity(camel.len() + 4);
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            snake.push('_');
            snake.push(c.to_ascii_lowercase());
        } else {
            snake.push(c);
        }
    }
    obj.get(&snake).filter(|x| !x.is_null())
}

/// True when the value is an OTLP request (even one that holds no spans or logs).
fn has_any(v: &Value) -> bool {
    field(v, "resourceSpans").is_some() || field(v, "resourceLogs").is_some()
}

/// An OTLP AnyValue as plain JSON.
pub fn any_value(v: &Value) -> Value {
    if let Some(s) = field(v, "stringValue") {
        return s.clone();
    }
    if let Some(i) = field(v, "intValue") {
        return match i {
            Value::String(s) => s.parse::<i64>().map(Value::from).unwrap_or(i.clone()),
            other => other.clone(),
        };
    }
    if let Some(d) = field(v, "doubleValue") {
        // Non-finite doubles are written as strings ("NaN", "Infinity"); they stay strings.
        return d.clone();
    }
    if let Some(b) = field(v, "boolValue") {
        return b.clone();
    }
    if let Some(a) = field(v, "arrayValue") {
        return Value::Array(each(a, "values").map(any_value).collect());
    }
    if let Some(k) = field(v, "kvlistValue") {
        return Value::Object(attributes(field(k, "values")));
    }
    if let Some(b) = field(v, "bytesValue") {
        return b.clone();
    }
    Value::Null
}

/// An attribute list (`[{key, value}]`) as an object.
pub fn attributes(list: Option<&Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for kv in list.and_then(Value::as_array).into_iter().flatten() {
        if let Some(k) = field(kv, "key").and_then(Value::as_str) {
            out.insert(
                k.to_string(),
                field(kv, "value").map(any_value).unwrap_or(Value::Null),
            );
        }
    }
    out
}

/// A trace or span id as lowercase hex: hex of either case as is, base64 decoded (some exporters
/// write the protobuf JSON mapping's base64). An empty or all-zero id is no id.
pub fn normalize_id(v: Option<&Value>, bytes: usize) -> Option<String> {
    let s = v?.as_str()?.trim();
    if s.is_empty() {
        return None;
    }
    let hex = if s.len() == bytes * 2 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        s.to_ascii_lowercase()
    } else {
        match base64::engine::general_purpose::STANDARD.decode(s) {
            Ok(b) if b.len() == bytes => hex::encode(b),
            _ => s.to_string(),
        }
    };
    (!hex.bytes().all(|b| b == b'0')).then_some(hex)
}

/// A time in nanoseconds since the epoch, as a string or a number, written out as RFC 3339 (exact
/// to the nanosecond, whatever the magnitude); zero is no time. A value that is no such number is
/// passed on as it is, for the mapping to refuse with its text.
fn nanos(v: Option<&Value>) -> Option<Value> {
    let v = v?;
    let zero = match v {
        Value::String(s) => s.is_empty() || s.trim_start_matches('0').is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Null => true,
        _ => false,
    };
    if zero {
        return None;
    }
    Some(super::epoch_text(v, 1).map_or_else(|| v.clone(), Value::String))
}

const SPAN_KINDS: &[&str] = &[
    "SPAN_KIND_UNSPECIFIED",
    "SPAN_KIND_INTERNAL",
    "SPAN_KIND_SERVER",
    "SPAN_KIND_CLIENT",
    "SPAN_KIND_PRODUCER",
    "SPAN_KIND_CONSUMER",
];
const STATUS_CODES: &[&str] = &["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];

/// An enum given as its number or its name, as the name.
fn enum_name(v: Option<&Value>, names: &[&str]) -> Value {
    match v {
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|i| names.get(i as usize))
            .map(|s| json!(s))
            .unwrap_or_else(|| json!(n)),
        Some(Value::String(s)) => json!(s),
        _ => Value::Null,
    }
}

fn each<'v>(v: &'v Value, key: &str) -> impl Iterator<Item = &'v Value> {
    field(v, key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// Each span of an `ExportTraceServiceRequest`, as a row with its own text.
fn spans(request: &Value, out: &mut Vec<Row>) {
    for rs in each(request, "resourceSpans") {
        let resource = attributes(field(rs, "resource").and_then(|r| field(r, "attributes")));
        for ss in each(rs, "scopeSpans").chain(each(rs, "instrumentationLibrarySpans")) {
            let scope = field(ss, "scope")
                .or(field(ss, "instrumentationLibrary"))
                .cloned()
                .unwrap_or(Value::Null);
            for span in each(ss, "spans") {
                out.push(Row {
                    raw: Some(span.to_string()),
                    outcome: match span_document(span, &resource, &scope) {
                        Ok(d) => super::Outcome::Doc(d),
                        Err(why) => super::Outcome::Refused(why),
                    },
                });
            }
        }
    }
}

fn span_document(
    span: &Value,
    resource: &Map<String, Value>,
    scope: &Value,
) -> Result<Value, String> {
    if !span.is_object() {
        return Err("not a span: a span is a JSON object (OTLP/JSON)".into());
    }
    let attrs = attributes(field(span, "attributes"));
    let trace_id = normalize_id(field(span, "traceId"), 16)
        .ok_or("no valid traceId (missing, empty or all zeros): every span belongs to a trace (OTLP Span.trace_id is required and must not be all zeros)")?;
    let span_id = normalize_id(field(span, "spanId"), 8)
        .ok_or("no valid spanId (missing, empty or all zeros): every span has an id (OTLP Span.span_id is required and must not be all zeros)")?;
    let events: Vec<Value> = each(span, "events")
        .map(|e| {
            json!({
                "name": field(e, "name"),
                "time": nanos(field(e, "timeUnixNano")),
                "attributes": attributes(field(e, "attributes")),
            })
        })
        .collect();
    let call = genai::recognise(&attrs, &events);
    let mut metadata = Map::new();
    metadata.insert("resource".into(), Value::Object(resource.clone()));
    metadata.insert("scope".into(), scope.clone());
    metadata.insert("kind".into(), enum_name(field(span, "kind"), SPAN_KINDS));
    metadata.insert(
        "status".into(),
        json!({
            "code": enum_name(field(span, "status").and_then(|s| field(s, "code")), STATUS_CODES),
            "message": field(span, "status").and_then(|s| field(s, "message")),
        }),
    );
    let span = Span {
        parent: normalize_id(field(span, "parentSpanId"), 8),
        service: resource
            .get("service.name")
            .and_then(Value::as_str)
            .unwrap_or("service")
            .to_string(),
        name: field(span, "name")
            .and_then(Value::as_str)
            .unwrap_or("span")
            .to_string(),
        start: nanos(field(span, "startTimeUnixNano")),
        end: nanos(field(span, "endTimeUnixNano")),
        trace_id,
        span_id,
        attributes: attrs,
        events,
        metadata,
    };
    Ok(span.document(call))
}

/// One span, whatever wrote it: an OTLP span, or a row of an LLM platform's export rebuilt as one
/// (a LangSmith run, a Langfuse observation, a Phoenix span). [`Span::document`] turns it into the
/// one canonical document every trace format gives, so the decision view reads them all alike.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub trace_id: String,
    pub span_id: String,
    pub parent: Option<String>,
    pub name: String,
    /// Who ran it (OTLP's `service.name`; a platform's name where its export names no service).
    pub service: String,
    /// Start and end, as the mapping reads times (RFC 3339 text, or a value it refuses with words).
    pub start: Option<Value>,
    pub end: Option<Value>,
    /// The span's attributes as the source gave them (the payload keeps them).
    pub attributes: Map<String, Value>,
    /// Its events (`name`, `time`, `attributes`).
    pub events: Vec<Value>,
    /// What the format says of the span besides, first in the metadata (OTLP: resource, scope,
    /// kind, status).
    pub metadata: Map<String, Value>,
}

impl Span {
    /// The canonical document: an LLM call, retrieval, embedding or tool call (`call`, see
    /// `genai`) is a `gen_ai.*` event on its subject's stream, else its conversation's, else its
    /// trace's; any other span is an event named as the span on its trace's stream. The event id
    /// is the span id, the cause its parent, the correlation its trace; it occurred at its start
    /// and was recorded at its end.
    pub fn document(self, mut call: Option<genai::Call>) -> Value {
        let Span {
            trace_id,
            span_id,
            parent,
            name,
            service,
            start,
            end,
            attributes: attrs,
            events,
            mut metadata,
        } = self;
        if let Some(c) = &mut call {
            c.name_documents(&span_id);
        }
        let (event_type, stream_id, stream_type, actor, payload) = match &call {
            Some(c) => {
                let (stream, stype) = match &c.subject {
                    Some(s) => (s.clone(), Value::Null),
                    None => match &c.conversation {
                        Some(conv) => (conv.clone(), json!("Conversation")),
                        None => (trace_id.clone(), json!("Trace")),
                    },
                };
                let actor = match c.kind {
                    genai::CallKind::Llm => {
                        format!("ai/{}", c.model.clone().unwrap_or_else(|| service.clone()))
                    }
                    _ => format!("system/{service}"),
                };
                (
                    json!(c.event_type()),
                    stream,
                    stype,
                    json!(actor),
                    c.payload(&attrs),
                )
            }
            None => (
                json!(name),
                trace_id.clone(),
                json!("Trace"),
                json!(format!("system/{service}")),
                json!({"attributes": attrs, "events": events}),
            ),
        };
        metadata.insert("span_name".into(), json!(name));
        metadata.insert("trace_id".into(), json!(trace_id));
        metadata.insert("span_id".into(), json!(span_id));
        metadata.insert("parent_span_id".into(), json!(parent));
        metadata.insert(
            "events".into(),
            if call.is_some() {
                Value::Array(events)
            } else {
                Value::Null
            },
        );
        json!({
            "event_id": span_id,
            "stream_id": stream_id,
            "stream_type": stream_type,
            "event_type": event_type,
            "occurred_at": start,
            "recorded_at": end,
            "actor": actor,
            "causation_id": parent,
            "correlation_id": trace_id,
            "payload": payload,
            "metadata": metadata,
        })
    }
}

/// Each log record of an `ExportLogsServiceRequest`, as a row with its own text.
fn logs(request: &Value, out: &mut Vec<Row>) {
    for rl in each(request, "resourceLogs") {
        let resource = attributes(field(rl, "resource").and_then(|r| field(r, "attributes")));
        for sl in each(rl, "scopeLogs").chain(each(rl, "instrumentationLibraryLogs")) {
            let scope = field(sl, "scope")
                .or(field(sl, "instrumentationLibrary"))
                .cloned()
                .unwrap_or(Value::Null);
            for record in each(sl, "logRecords") {
                out.push(Row {
                    raw: Some(record.to_string()),
                    outcome: match log_document(record, &resource, &scope) {
                        Ok(d) => super::Outcome::Doc(d),
                        Err(why) => super::Outcome::Refused(why),
                    },
                });
            }
        }
    }
}

fn log_document(
    record: &Value,
    resource: &Map<String, Value>,
    scope: &Value,
) -> Result<Value, String> {
    if !record.is_object() {
        return Err("not a log record: a log record is a JSON object (OTLP/JSON)".into());
    }
    let attrs = attributes(field(record, "attributes"));
    let trace_id = normalize_id(field(record, "traceId"), 16);
    let span_id = normalize_id(field(record, "spanId"), 8);
    let service = resource
        .get("service.name")
        .and_then(Value::as_str)
        .unwrap_or("service")
        .to_string();
    let name = field(record, "eventName")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .or_else(|| attrs.get("event.name").and_then(Value::as_str))
        .map(str::to_string);
    let body = field(record, "body").map(any_value).unwrap_or(Value::Null);
    let (occurred, placed) = match nanos(field(record, "timeUnixNano")) {
        Some(t) => (Some(t), None),
        None => (
            nanos(field(record, "observedTimeUnixNano")),
            Some("observed_time"),
        ),
    };
    let placed = placed.filter(|_| occurred.is_some());
    let call = name
        .as_deref()
        .and_then(|n| genai::recognise_log(n, &attrs, &body));
    let (event_type, stream_id, stream_type, payload) = match &call {
        Some(c) => (
            json!(c.event_type()),
            c.subject
                .clone()
                .or(c.conversation.clone())
                .or(trace_id.clone())
                .unwrap_or_else(|| format!("service/{service}")),
            json!(if trace_id.is_some() {
                "Trace"
            } else {
                "Service"
            }),
            if c.operation == "client.inference.operation.details" {
                c.payload(&attrs)
            } else {
                genai::log_payload(c, &attrs)
            },
        ),
        None => (
            json!(name.clone().unwrap_or_else(|| "log".to_string())),
            trace_id
                .clone()
                .unwrap_or_else(|| format!("service/{service}")),
            json!(if trace_id.is_some() {
                "Trace"
            } else {
                "Service"
            }),
            json!({
                "body": body,
                "severity_text": field(record, "severityText"),
                "severity_number": field(record, "severityNumber"),
                "attributes": attrs,
            }),
        ),
    };
    Ok(json!({
        "stream_id": stream_id,
        "stream_type": stream_type,
        "event_type": event_type,
        "occurred_at": occurred,
        "recorded_at": nanos(field(record, "observedTimeUnixNano")),
        "actor": format!("system/{service}"),
        // A log record emitted inside a span is caused by it.
        "causation_id": span_id,
        "correlation_id": trace_id,
        "payload": payload,
        "metadata": {
            "resource": resource, "scope": scope, "log_record": true,
            "trace_id": trace_id, "span_id": span_id,
            "severity_text": field(record, "severityText"),
            "severity_number": field(record, "severityNumber"),
        },
        "time_placed": placed,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stored_as_lowercase_hex_whatever_the_export_wrote() {
        let hex = "5B8EFFF798038103D269B633813FC60C";
        let b64 = base64::engine::general_purpose::STANDARD
            .encode(hex::decode("5b8efff798038103d269b633813fc60c").unwrap());
        assert_eq!(
            normalize_id(Some(&json!(hex)), 16),
            normalize_id(Some(&json!(b64)), 16)
        );
        assert_eq!(
            normalize_id(Some(&json!(hex)), 16).unwrap(),
            "5b8efff798038103d269b633813fc60c"
        );
        assert_eq!(normalize_id(Some(&json!("")), 8), None);
        assert_eq!(normalize_id(Some(&json!("0000000000000000")), 8), None);
    }

    #[test]
    fn enums_and_times_are_read_in_either_form() {
        assert_eq!(
            enum_name(Some(&json!(3)), SPAN_KINDS),
            json!("SPAN_KIND_CLIENT")
        );
        assert_eq!(
            enum_name(Some(&json!("SPAN_KIND_CLIENT")), SPAN_KINDS),
            json!("SPAN_KIND_CLIENT")
        );
        assert_eq!(nanos(Some(&json!("0"))), None);
        assert_eq!(
            nanos(Some(&json!(1700000000123456789u64))),
            Some(json!("2023-11-14T22:13:20.123456789Z"))
        );
        assert_eq!(
            any_value(&json!({"arrayValue": {"values": [{"intValue": "9007199254740993"}]}})),
            json!([9007199254740993i64])
        );
    }

    #[test]
    fn a_log_record_without_a_time_takes_its_observed_time() {
        let mut out = Vec::new();
        Otlp.rows(
            &json!({"resourceLogs": [{"scopeLogs": [{"logRecords": [
                {"timeUnixNano": "0", "observedTimeUnixNano": "1700000000000000000", "body": {"stringValue": "hi"},
                 "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174"},
                {"body": {"stringValue": "no time"}}]}]}]}),
            "",
            &mut out,
        );
        assert_eq!(out.len(), 2);
        let super::super::Outcome::Doc(d) = &out[0].outcome else {
            panic!("a log record is a document")
        };
        assert_eq!(d["time_placed"], json!("observed_time"));
        assert_eq!(d["causation_id"], json!("eee19b7ec3c1b174"));
        let super::super::Outcome::Doc(d) = &out[1].outcome else {
            panic!("a log record is a document")
        };
        assert!(d["occurred_at"].is_null());
    }
}
