//! Formats whose records are not one flat event each, rebuilt in Rust as canonical documents
//! before DuckDB maps them: CloudEvents (data by content type, base64, extensions), Kafka dumps
//! written by kcat (keys, headers, tombstones, schema-registry prefixes, CloudEvents inside) and
//! OpenTelemetry (spans and log records nested in resources and scopes; LLM calls in the GenAI and
//! OpenInference conventions become decisions, see `genai`) and Debezium change events (a
//! database's row changes, with or without their schema, unwrapped, in kcat dumps or
//! kafka-console-consumer lines; see `debezium`).
//!
//! Each format is one module with the same three parts: `detect` (from the keys of sampled records,
//! with the reason in words), a [`Rebuild`] that turns one parsed record into rows, and the one
//! canonical mapping every rebuilt document is read with ([`canonical_mapping`]). Flat formats
//! (canonical, Marten, Axon, a user's mapping) need no rebuilding: DuckDB maps them directly.
//!
//! A rebuilt document has the envelope's own field names. `time_placed` says where a time that is
//! not the event's own came from (the enclosing Kafka record, a log's observed time); it ends up in
//! the event's metadata and in the source's count of placed times.

pub mod cloudevents;
pub mod debezium;
pub mod genai;
pub mod kafka;
pub mod otlp;
pub mod xstream;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
#[cfg(test)]
use serde_json::json;
use serde_json::{Map, Value};

use super::detect::Envelope;
use super::mapping::{Mapping, OneOrMany};

/// What one record became: a canonical document, or a refusal naming the rule it breaks.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Doc(Value),
    Refused(String),
}

/// One row of the source. `raw` is the row's own text when it is not the whole record's (a span
/// of an OTLP request); otherwise the record's text is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub raw: Option<String>,
    pub outcome: Outcome,
}

impl Row {
    pub fn doc(doc: Value) -> Row {
        Row {
            raw: None,
            outcome: Outcome::Doc(doc),
        }
    }
    pub fn refused(reason: impl Into<String>) -> Row {
        Row {
            raw: None,
            outcome: Outcome::Refused(reason.into()),
        }
    }
}

/// An integrity observation made while reading (offset gaps of a Kafka partition).
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub kind: &'static str,
    pub stream_id: Option<String>,
    pub message: String,
}

/// Turns parsed records of one format into rows.
pub trait Rebuild {
    /// Appends the rows of one record (`raw` is its text) to `out`.
    fn rows(&mut self, record: &Value, raw: &str, out: &mut Vec<Row>);
    /// True when one record can hold many rows (an OTLP request holds spans): rows are then
    /// numbered one by one, not by the record's line.
    fn many_rows_per_record(&self) -> bool {
        false
    }
    /// True when the format's records may hold bytes that are not UTF-8 (kcat prints keys and
    /// payloads raw): such a line is read with [`mark_invalid_bytes`] instead of being refused.
    fn reads_raw_bytes(&self) -> bool {
        false
    }
    /// A line that is no JSON value but a record in the format's own text (a line of
    /// kafka-console-consumer), as the record it stands for; None when it is not one.
    fn text_record(&self, _line: &str) -> Option<Value> {
        None
    }
    /// What the whole file showed, said once it is read.
    fn finish(&mut self) -> Vec<Observation> {
        Vec::new()
    }
}

/// Options of the rebuilt formats a mapping file (or the import screen) can set.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct KafkaOptions {
    /// The field of a JSON key that names the stream (default: the key's only field, else the key).
    /// For Debezium changes: the row's key column(s), comma-separated, read from the Kafka key
    /// (default: all its columns) or, without one, from the row (default: `id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_field: Option<String>,
    /// Headers that name the event type, tried in order before the payload's own type field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_headers: Option<Vec<String>>,
}

/// The rebuilder for an envelope, if its records are rebuilt.
pub fn rebuilder(envelope: Envelope, mapping: &Mapping) -> Option<Box<dyn Rebuild>> {
    match envelope {
        Envelope::CloudEvents => Some(Box::new(cloudevents::CloudEvents)),
        Envelope::Kcat => Some(Box::new(kafka::Kcat::new(
            mapping.kafka.clone().unwrap_or_default(),
        ))),
        Envelope::Otlp => Some(Box::new(otlp::Otlp)),
        Envelope::Marten => Some(Box::new(super::tables::MartenRows { types: None })),
        Envelope::Axon => Some(Box::new(super::tables::AxonRows)),
        Envelope::Debezium => Some(Box::new(debezium::Debezium::new(
            mapping.kafka.clone().unwrap_or_default(),
        ))),
        _ => None,
    }
}

/// Picks a rebuilt format from the keys of sampled records, with the reason in words.
pub fn detect(keys: &BTreeSet<String>) -> Option<(Envelope, String)> {
    otlp::detect(keys)
        .map(|why| (Envelope::Otlp, why))
        .or_else(|| kafka::detect(keys).map(|why| (Envelope::Kcat, why)))
        .or_else(|| debezium::detect(keys).map(|why| (Envelope::Debezium, why)))
        .or_else(|| cloudevents::detect(keys).map(|why| (Envelope::CloudEvents, why)))
}

/// The mapping every rebuilt document is read with; `user` keeps the user's time and format options.
pub fn canonical_mapping(user: Option<&Mapping>) -> Mapping {
    // A rebuilt document has the envelope's own field names.
    let mut m = Mapping::default();
    for f in super::mapping::FIELDS {
        m.fields
            .insert(f.to_string(), OneOrMany::Many(vec![f.to_string()]));
    }
    if let Some(u) = user {
        m.default_time = u.default_time.clone();
        m.kafka = u.kafka.clone();
    }
    m
}

/// A JSON value as text: strings as they are, numbers and booleans as their JSON, others None.
pub fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The first of `keys` present (and not null) in object `m`.
pub fn first<'v>(m: &'v Map<String, Value>, keys: &[&str]) -> Option<&'v Value> {
    keys.iter().filter_map(|k| m.get(*k)).find(|v| !v.is_null())
}

/// An instant given in whole `unit`s since the epoch (a number or a string of digits) as RFC 3339
/// text, exact to the nanosecond: times the rebuilders take from an enclosing record are written
/// out whole so no time format of the user's and no guess by magnitude applies to them. None when
/// the value is no such number or out of range.
pub fn epoch_text(v: &Value, nanos_per_unit: i128) -> Option<String> {
    let n: i128 = match v {
        Value::Number(n) => n.as_i64().map(i128::from).or(n.as_u64().map(i128::from))?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    let ns = n.checked_mul(nanos_per_unit)?;
    let secs = i64::try_from(ns.div_euclid(1_000_000_000)).ok()?;
    let sub = ns.rem_euclid(1_000_000_000) as u32;
    let t = chrono::DateTime::from_timestamp(secs, sub)?;
    Some(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

/// True for a media type whose content is JSON (`application/json`, `text/json`, `…+json`).
pub fn is_json_media_type(content_type: &str) -> bool {
    let base = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    base == "application/json" || base == "text/json" || base.ends_with("+json")
}

/// Bytes as a payload: JSON when `json` and they parse, text when they are UTF-8, else base64.
/// Returns the value and how it was kept (`json`, `text`, `base64`).
pub fn bytes_payload(bytes: &[u8], json: bool) -> (Value, &'static str) {
    use base64::Engine as _;
    match std::str::from_utf8(bytes) {
        Ok(s) => match serde_json::from_str::<Value>(s).ok().filter(|_| json) {
            Some(v) => (v, "json"),
            None => (Value::String(s.to_string()), "text"),
        },
        Err(_) => (
            Value::String(base64::engine::general_purpose::STANDARD.encode(bytes)),
            "base64",
        ),
    }
}

/// Bytes that are not UTF-8 (a Kafka key or payload that kcat printed raw) are carried through
/// JSON parsing as characters of Unicode's last private-use plane, U+10FF00 + the byte, and
/// turned back into the same bytes by [`marked_bytes`].
const BYTE_MARK: u32 = 0x10FF00;

/// Text with each byte that is not part of valid UTF-8 replaced by its marker character.
pub fn mark_invalid_bytes(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 16);
    loop {
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let (good, rest) = bytes.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).expect("checked valid"));
                let bad = e.error_len().unwrap_or(rest.len()).max(1);
                for b in &rest[..bad] {
                    out.push(char::from_u32(BYTE_MARK + u32::from(*b)).expect("a valid scalar"));
                }
                bytes = &rest[bad..];
            }
        }
    }
}

/// The bytes a string stands for: marker characters as their byte, anything else as its UTF-8.
pub fn marked_bytes(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        match (c as u32).checked_sub(BYTE_MARK) {
            Some(b) if b < 256 => out.push(b as u8),
            _ => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out
}

/// Splits a text into its top-level JSON values: objects and arrays one after another, separated
/// by any whitespace or RFC 7464 record separators (0x1E), pretty-printed or not. Text between
/// values that is not JSON (a tool's own message line) is returned as a piece of its own, one line
/// at a time, so it is quarantined as what it is.
pub fn split_values(text: &str) -> Vec<Piece<'_>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\r' | b'\n' | 0x1e => i += 1,
            b'{' | b'[' => {
                let start = i;
                let mut depth = 0usize;
                let mut in_string = false;
                let mut escaped = false;
                let mut end = None;
                while i < b.len() {
                    let c = b[i];
                    i += 1;
                    if in_string {
                        if escaped {
                            escaped = false;
                        } else if c == b'\\' {
                            escaped = true;
                        } else if c == b'"' {
                            in_string = false;
                        }
                        continue;
                    }
                    match c {
                        b'"' => in_string = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                end = Some(i);
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                match end {
                    Some(e) => out.push(Piece::Value(&text[start..e])),
                    None => out.push(Piece::Unclosed(&text[start..])),
                }
            }
            _ => {
                // Not the start of a value: the rest of this line is a piece of its own.
                let start = i;
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                out.push(Piece::Stray(text[start..i].trim_end_matches('\r')));
            }
        }
    }
    out
}

/// One piece of a text split by [`split_values`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'t> {
    /// A balanced `{…}` or `[…]` (it may still not parse).
    Value(&'t str),
    /// A value that is still open at the end of the text.
    Unclosed(&'t str),
    /// A line of other text between values.
    Stray(&'t str),
}

/// Why a line of text that is no JSON value is quarantined.
pub fn stray_reason(line: &str) -> String {
    if line.starts_with('%') {
        "not a record: a line of the dumping tool's own output (kcat writes its messages starting with %)"
            .to_string()
    } else {
        "not JSON: text between records that is not a JSON value".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_split_whatever_separates_them() {
        let text = "{\n  \"a\": 1\n}\n{\"b\": \"}{\"}{\"c\":[1,{}]}\x1e{\"d\":2}\n% Reached end of topic t [0] at offset 3\n[1,\n2]  {\"e\":";
        let pieces = split_values(text);
        assert_eq!(
            pieces,
            vec![
                Piece::Value("{\n  \"a\": 1\n}"),
                Piece::Value("{\"b\": \"}{\"}"),
                Piece::Value("{\"c\":[1,{}]}"),
                Piece::Value("{\"d\":2}"),
                Piece::Stray("% Reached end of topic t [0] at offset 3"),
                Piece::Value("[1,\n2]"),
                Piece::Unclosed("{\"e\":"),
            ]
        );
        assert!(stray_reason("% Reached end").contains("dumping tool"));
    }

    #[test]
    fn bytes_that_are_not_text_survive_json_parsing() {
        let line = b"{\"payload\": \"\\u0000\x9e\xc3\xa9x\"}";
        let text = mark_invalid_bytes(line);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            marked_bytes(v["payload"].as_str().unwrap()),
            vec![0x00, 0x9e, 0xc3, 0xa9, b'x']
        );
    }

    #[test]
    fn enclosing_times_are_written_out_exactly() {
        assert_eq!(
            epoch_text(&json!(1714644175918i64), 1_000_000).as_deref(),
            Some("2024-05-02T10:02:55.918Z")
        );
        assert_eq!(
            epoch_text(&json!("1761998400610123457"), 1).as_deref(),
            Some("2025-11-01T12:00:00.610123457Z")
        );
        assert_eq!(epoch_text(&json!("soon"), 1), None);
        assert_eq!(epoch_text(&json!(i64::MAX), 1_000_000_000_000), None);
    }

    #[test]
    fn bytes_become_json_text_or_base64() {
        assert_eq!(bytes_payload(b"{\"a\":1}", true).1, "json");
        assert_eq!(
            bytes_payload(b"{\"a\":1}", false),
            (Value::String("{\"a\":1}".into()), "text")
        );
        assert_eq!(
            bytes_payload(&[0x89, b'P', b'N', b'G'], true),
            (Value::String("iVBORw==".into()), "base64")
        );
        assert!(is_json_media_type(
            "application/cloudevents+json; charset=utf-8"
        ));
        assert!(!is_json_media_type("text/xml"));
    }
}
