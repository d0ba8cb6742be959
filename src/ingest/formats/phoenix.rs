//! Phoenix spans in its older and notebook exports: the JSON lines of `spans_to_jsonl` (one span
//! a line: `name`, `context` {`trace_id`, `span_id`}, `span_kind`, `parent_id`, times, status,
//! `attributes`, `events`, `conversation`) and the rows of `px.Client().get_spans_dataframe()` (or
//! a saved `TraceDataset`), as Parquet or JSON lines: `context.span_id`, `context.trace_id` and
//! one `attributes.<dotted key>` column per attribute. Phoenix's current downloads are OTLP JSON
//! and read by `otlp`.
//!
//! One span is one row, rebuilt as a span of its trace (see `otlp::Span`) with its attributes in
//! the flattened form OpenInference defines (`llm.input_messages.0.message.role`): Phoenix keeps
//! list attributes as lists of objects with dotted keys (`"llm.input_messages": [{"message.role":
//! …}]`), which are flattened back, so `genai` recognises LLM calls (decisions), retrievals (their
//! documents the context of the calls after them in the trace), embeddings and tool calls exactly
//! as in OTLP spans. Where a span has no `openinference.span.kind` attribute its `span_kind` is
//! used. Token counts a dataframe turned into floats (`41.0`, a column with NaN elsewhere) are
//! whole numbers again.
//!
//! Quirks: `spans_to_jsonl` writes Python's `json.dumps` with `allow_nan`, so a NaN score is the
//! bare token `NaN`, which is not JSON: such a line is read with each `NaN`, `Infinity` and
//! `-Infinity` as null, and the event's metadata names each one (`non_finite_read_as_null`).
//! Early Phoenix wrote span and trace ids as UUIDs: they are kept as they are (lowercase), while
//! OTel ids are lowercase hex as in OTLP. A time without an offset (a naive `datetime`) is read
//! as UTC and flagged, as any naive time is: Phoenix does not document it.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::otlp::{normalize_id, Span};
use super::{genai, text, text_time, Rebuild, Row};

pub fn detect(keys: &BTreeSet<String>) -> Option<String> {
    let has = |k: &str| keys.contains(k);
    if has("span_kind") && has("context.span_id") && has("context.trace_id") {
        Some("has `span_kind` and `context.span_id`: Phoenix spans (spans_to_jsonl, or rows of get_spans_dataframe)".into())
    } else if has("span_kind") && has("context") && has("parent_id") && has("start_time") {
        Some("has `span_kind`, `context` and `parent_id`: Phoenix spans".into())
    } else {
        None
    }
}

pub struct Phoenix;

/// The key a line read by [`Phoenix::text_record`] carries its non-finite numbers under: no
/// export writes it (U+FDD0 is a noncharacter).
const NON_FINITE_KEY: &str = "\u{FDD0}non_finite";

impl Rebuild for Phoenix {
    fn rows(&mut self, record: &Value, _raw: &str, out: &mut Vec<Row>) {
        out.push(match span_document(record) {
            Ok(d) => Row::doc(d),
            Err(why) => Row::refused(why),
        });
    }

    /// A line that is JSON but for bare `NaN` / `Infinity` tokens (Python's `allow_nan`).
    fn text_record(&self, line: &str) -> Option<Value> {
        let (mut v, marks) = super::parse_non_finite(line)?;
        let m = v.as_object_mut()?;
        m.insert(
            NON_FINITE_KEY.into(),
            Value::Array(
                marks
                    .into_iter()
                    .map(|(pointer, token)| json!(format!("{pointer} was {token}")))
                    .collect(),
            ),
        );
        Some(v)
    }
}

fn span_document(record: &Value) -> Result<Value, String> {
    let mut o = record
        .as_object()
        .cloned()
        .ok_or("not a span: a Phoenix span is a JSON object")?;
    let non_finite = o.remove(NON_FINITE_KEY);
    let context = o.get("context").and_then(Value::as_object).cloned();
    let shape = if context.is_some() {
        "spans_to_jsonl"
    } else {
        "spans dataframe"
    };
    let ctx = |k: &str| {
        context
            .as_ref()
            .and_then(|c| c.get(k))
            .or_else(|| o.get(&format!("context.{k}")))
            .cloned()
    };
    let id = |v: Option<Value>, bytes: usize| {
        let s = text(v.as_ref())?.trim().to_ascii_lowercase();
        normalize_id(Some(&Value::String(s)), bytes)
    };
    let trace_id = id(ctx("trace_id"), 16)
        .ok_or("no trace id (`context.trace_id`): every Phoenix span belongs to a trace")?;
    let span_id = id(ctx("span_id"), 8)
        .ok_or("no span id (`context.span_id`): every Phoenix span has one")?;
    let parent = id(o.get("parent_id").cloned(), 8);
    let kind = text(o.get("span_kind"));

    let mut attrs = Map::new();
    if let Some(Value::Object(a)) = o.get("attributes") {
        for (k, v) in a {
            let nested = !k.contains('.') && v.is_object();
            flatten(&mut attrs, k.clone(), v, nested);
        }
    }
    for (k, v) in &o {
        if let Some(key) = k.strip_prefix("attributes.") {
            flatten(&mut attrs, key.to_string(), v, false);
        }
    }
    if let Some(k) = &kind {
        attrs
            .entry("openinference.span.kind")
            .or_insert_with(|| json!(k));
    }
    for (k, v) in attrs.iter_mut() {
        if k.starts_with("llm.token_count.") {
            if let Some(f) = v
                .as_f64()
                .filter(|f| v.is_f64() && f.fract() == 0.0 && f.abs() < 9e15)
            {
                *v = json!(f as i64);
            }
        }
    }
    let events: Vec<Value> = match o.get("events").map(super::json_or_text) {
        Some(Value::Array(items)) => items
            .iter()
            .map(|e| {
                json!({
                    "name": e.get("name"),
                    "time": time(e.get("timestamp")),
                    "attributes": e.get("attributes").cloned().unwrap_or_else(|| json!({})),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    let status = text(o.get("status_code")).map(|c| c.to_ascii_uppercase());
    let mut metadata = Map::new();
    metadata.insert(
        "phoenix".into(),
        json!({"span_kind": kind, "status_code": status, "export": shape}),
    );
    metadata.insert(
        "status".into(),
        json!({
            "code": match status.as_deref() {
                Some("OK") => "STATUS_CODE_OK",
                Some("ERROR") => "STATUS_CODE_ERROR",
                _ => "STATUS_CODE_UNSET",
            },
            "message": text(o.get("status_message")),
        }),
    );
    if let Some(n) = non_finite {
        metadata.insert("non_finite_read_as_null".into(), n);
    }
    let mut call = genai::recognise(&attrs, &events);
    if let Some(c) = &mut call {
        if c.conversation.is_none() {
            c.conversation = o
                .get("conversation")
                .and_then(|v| v.get("conversation_id"))
                .and_then(|v| text(Some(v)));
        }
    }
    let span = Span {
        trace_id,
        span_id,
        parent,
        name: text(o.get("name")).unwrap_or_else(|| "span".to_string()),
        service: "phoenix".to_string(),
        start: time(o.get("start_time")),
        end: time(o.get("end_time")),
        attributes: attrs,
        events,
        metadata,
    };
    Ok(span.document(call))
}

/// A time as the mapping reads it: text with an offset as RFC 3339 UTC; naive text as it is (read
/// as UTC and flagged); epoch numbers (pandas' default) as they are.
fn time(v: Option<&Value>) -> Option<Value> {
    match v? {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(match text_time(s) {
            Some((t, true)) => json!(super::rfc3339(t)),
            _ => json!(s),
        }),
        other => Some(other.clone()),
    }
}

/// An attribute in OpenInference's flattened form: a list of objects becomes `key.N.<its keys>`
/// (their keys may be dotted, as Phoenix writes them), and in `nested` form (an attribute given
/// as an object of namespaces, `{"llm": {"model_name": …}}`) objects become `key.<their keys>`.
/// Other values (an object inside a list item, as `document.metadata`) are kept whole; nulls
/// (a dataframe's absent attribute) are left out.
fn flatten(out: &mut Map<String, Value>, key: String, v: &Value, nested: bool) {
    match v {
        Value::Null => {}
        Value::Object(m) if nested => {
            for (k, x) in m {
                flatten(out, format!("{key}.{k}"), x, true);
            }
        }
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
            for (i, item) in items.iter().enumerate() {
                for (k, x) in item.as_object().into_iter().flatten() {
                    flatten(out, format!("{key}.{i}.{k}"), x, nested);
                }
            }
        }
        other => {
            out.insert(key, other.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::formats::Outcome;

    fn doc(line: &str) -> Value {
        let record = serde_json::from_str(line)
            .ok()
            .or_else(|| Phoenix.text_record(line))
            .expect("a record");
        let mut out = Vec::new();
        Phoenix.rows(&record, line, &mut out);
        match out.remove(0).outcome {
            Outcome::Doc(d) => d,
            Outcome::Refused(why) => panic!("refused: {why}"),
        }
    }

    #[test]
    fn a_bare_nan_is_read_as_null_and_named_in_the_metadata() {
        let d = doc(
            r#"{"name": "retrieve", "context": {"trace_id": "8F14E45F-ceea-467f-a9c1-2b3c4d5e6f70", "span_id": "0a1b2c3d-0002-4e5f-8a9b-0c1d2e3f4a02"}, "span_kind": "RETRIEVER", "parent_id": "0a1b2c3d-0001-4e5f-8a9b-0c1d2e3f4a01", "start_time": "2024-01-16T08:30:00.110000+00:00", "end_time": "2024-01-16T08:30:00.410000+00:00", "status_code": "OK", "status_message": "", "attributes": {"input.value": "Q", "retrieval.documents": [{"document.id": "kb-88", "document.score": 0.8312, "document.content": "A", "document.metadata": {"source": "kb/billing.md"}}, {"document.id": "kb-91", "document.score": NaN, "document.content": "B"}]}, "events": [], "conversation": null}"#,
        );
        assert_eq!(d["event_type"], "gen_ai.retrieval");
        // UUID ids stay UUIDs, lowercased.
        assert_eq!(d["correlation_id"], "8f14e45f-ceea-467f-a9c1-2b3c4d5e6f70");
        assert_eq!(d["causation_id"], "0a1b2c3d-0001-4e5f-8a9b-0c1d2e3f4a01");
        assert_eq!(d["occurred_at"], "2024-01-16T08:30:00.110Z");
        let docs = &d["payload"]["documents"];
        assert_eq!(docs[0]["metadata"]["source"], "kb/billing.md");
        assert_eq!(docs[1]["id"], "kb-91");
        assert!(docs[1]["score"].is_null());
        assert_eq!(
            d["metadata"]["non_finite_read_as_null"],
            json!(["/attributes/retrieval.documents/1/document.score was NaN"])
        );
        assert!(d["payload"]["attributes"]
            .as_object()
            .unwrap()
            .contains_key("retrieval.documents.1.document.id"));
    }

    #[test]
    fn dataframe_rows_are_read_like_spans_and_float_token_counts_are_whole() {
        let d = doc(
            r#"{"name":"OpenAI.chat","span_kind":"LLM","parent_id":"b7ad6b7169203331","start_time":"2024-05-07T14:02:11.311Z","end_time":"2024-05-07T14:02:13.402Z","status_code":"OK","status_message":"","events":[],"context.span_id":"b7ad6b7169203333","context.trace_id":"3c2b1a09f8e7d6c5b4a3928170f6e5d4","attributes.llm.model_name":"gpt-4o-mini","attributes.llm.invocation_parameters":"{\"temperature\": 0.1}","attributes.llm.input_messages":[{"message.role":"system","message.content":"Context."},{"message.role":"user","message.content":"Q?"}],"attributes.llm.output_messages":[{"message.role":"assistant","message.content":"A."}],"attributes.llm.token_count.prompt":41.0,"attributes.retrieval.documents":null}"#,
        );
        assert_eq!(d["event_id"], "b7ad6b7169203333");
        assert_eq!(d["event_type"], "gen_ai.chat");
        let p = &d["payload"];
        assert_eq!(p["decision"], true);
        assert_eq!(p["model"], "gpt-4o-mini");
        assert_eq!(p["parameters"]["temperature"], 0.1);
        assert_eq!(p["system_instructions"], "Context.");
        assert_eq!(
            p["input_messages"][1],
            json!({"role": "user", "content": "Q?"})
        );
        assert_eq!(p["output_messages"][0]["content"], "A.");
        assert_eq!(p["usage"]["input_tokens"], json!(41));
        assert_eq!(d["metadata"]["phoenix"]["export"], "spans dataframe");
    }

    #[test]
    fn naive_times_are_left_for_the_mapping_to_flag() {
        assert_eq!(
            time(Some(&json!("2024-01-16T08:30:01.500000"))),
            Some(json!("2024-01-16T08:30:01.500000"))
        );
        assert_eq!(
            time(Some(&json!("2024-05-07 14:02:11.006+00"))),
            Some(json!("2024-05-07T14:02:11.006Z"))
        );
    }
}
