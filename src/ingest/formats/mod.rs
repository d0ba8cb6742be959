//! Formats whose records are not one flat event each, rebuilt in Rust as canonical documents
//! before DuckDB maps them: CloudEvents (data by content type, base64, extensions), Kafka dumps
//! written by kcat (keys, headers, tombstones, schema-registry prefixes, CloudEvents inside) and
//! OpenTelemetry (spans and log records nested in resources and scopes; LLM calls in the GenAI and
//! OpenInference conventions become decisions, see `genai`), Debezium change events (a
//! database's row changes, with or without their schema, unwrapped, in kcat dumps or
//! kafka-console-consumer lines; see `debezium`), and the exports of LLM platforms, each row
//! rebuilt as the span OTLP would give so its LLM calls become decisions alike: LangSmith runs
//! (`langsmith`), Langfuse traces and observations (`langfuse`) and Phoenix spans (`phoenix`).
//! Their Parquet files are rebuilt too: DuckDB reads each row as JSON text and the format's
//! rebuilder reads that (the other formats' Parquet is mapped flat).
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
pub mod langfuse;
pub mod langsmith;
pub mod otlp;
pub mod phoenix;
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
    pub kind: crate::findings::FindingKind,
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
        Envelope::LangSmith => Some(Box::new(langsmith::LangSmith)),
        Envelope::Langfuse => Some(Box::new(langfuse::Langfuse::default())),
        Envelope::Phoenix => Some(Box::new(phoenix::Phoenix)),
        _ => None,
    }
}

/// Picks a rebuilt format from the keys of sampled records, with the reason in words.
pub fn detect(keys: &BTreeSet<String>) -> Option<(Envelope, String)> {
    otlp::detect(keys)
        .map(|why| (Envelope::Otlp, why))
        .or_else(|| langsmith::detect(keys).map(|why| (Envelope::LangSmith, why)))
        .or_else(|| langfuse::detect(keys).map(|why| (Envelope::Langfuse, why)))
        .or_else(|| phoenix::detect(keys).map(|why| (Envelope::Phoenix, why)))
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

/// A date-time written as text, `YYYY-MM-DD[T| ]HH:MM:SS[.fraction]` with or without an offset
/// (`Z`, `±HH`, `±HH:MM`, `±HHMM`), as RFC 3339, Python's `isoformat()` and DuckDB's JSON write
/// them: the instant (a time without an offset taken as UTC) and whether the text gave its offset.
/// None for any other text.
pub fn text_time(s: &str) -> Option<(chrono::DateTime<chrono::Utc>, bool)> {
    let s = s.trim();
    if s.len() < 19 || !s.is_char_boundary(19) {
        return None;
    }
    let (body, offset_secs, had_offset) = if let Some(b) = s.strip_suffix(['Z', 'z']) {
        (b, 0, true)
    } else {
        match s[19..].rfind(['+', '-']).map(|i| i + 19) {
            Some(i) => {
                let o = s[i + 1..].replace(':', "");
                let (h, m) = match o.len() {
                    2 => (o.parse::<i32>().ok()?, 0),
                    4 => (o[..2].parse::<i32>().ok()?, o[2..].parse::<i32>().ok()?),
                    _ => return None,
                };
                if h > 23 || m > 59 {
                    return None;
                }
                let sign = if &s[i..=i] == "-" { -1 } else { 1 };
                (&s[..i], sign * (h * 3600 + m * 60), true)
            }
            None => (s, 0, false),
        }
    };
    let mut naive_text = body.to_string();
    if naive_text.as_bytes().get(10) == Some(&b' ') {
        naive_text.replace_range(10..11, "T");
    }
    let naive: chrono::NaiveDateTime = naive_text.parse().ok()?;
    let utc = naive.and_utc() - chrono::TimeDelta::seconds(i64::from(offset_secs));
    Some((utc, had_offset))
}

/// An instant as RFC 3339 UTC text, exact to its last non-zero digit group.
pub fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// A time a platform documents as UTC but may write without an offset (LangSmith's older bulk
/// exports, Langfuse's blob storage exports): text read by [`text_time`] is written out as RFC
/// 3339 UTC, so it is taken as the instant the platform means and not flagged as a guess; the
/// flag says whether the text had no offset (the event's metadata says so). Other values (epoch
/// numbers, text that is no time) are passed on for the mapping to read or refuse; empty text and
/// null are no time.
pub fn documented_utc(v: Option<&Value>) -> (Option<Value>, bool) {
    match v {
        None | Some(Value::Null) => (None, false),
        Some(Value::String(s)) if s.trim().is_empty() => (None, false),
        Some(Value::String(s)) => match text_time(s) {
            Some((t, had_offset)) => (Some(Value::String(rfc3339(t))), !had_offset),
            None => (Some(Value::String(s.clone())), false),
        },
        Some(other) => (Some(other.clone()), false),
    }
}

/// Text that holds a JSON object or array (a platform's JSON-encoded column), parsed; any other
/// value, and text that does not parse, as it is.
pub fn json_or_text(v: &Value) -> Value {
    match v {
        Value::String(s) if s.trim_start().starts_with(['{', '[']) => {
            serde_json::from_str(s).unwrap_or_else(|_| v.clone())
        }
        other => other.clone(),
    }
}

/// Marks a non-finite number (written by Python's `json.dumps` with its default `allow_nan`)
/// while it passes through JSON parsing: a string no export writes (U+FDD0 is a noncharacter).
const NON_FINITE_MARK: char = '\u{FDD0}';

/// Parses a line that is JSON but for bare `NaN`, `Infinity` and `-Infinity` tokens (not JSON,
/// but what Python writes for float NaN and infinities): each is read as null. Returns the value
/// and, for each such number, its JSON Pointer and the token written; None when the text does not
/// parse even so, or holds no such token (it is then plain JSON or not JSON at all).
pub fn parse_non_finite(text: &str) -> Option<(Value, Vec<(String, String)>)> {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 16);
    let mut i = 0;
    let mut last = 0;
    let mut in_string = false;
    let mut escaped = false;
    let mut found = false;
    while i < b.len() {
        let c = b[i];
        if in_string {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        if c == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        let token = ["-Infinity", "Infinity", "NaN"]
            .into_iter()
            .find(|t| b[i..].starts_with(t.as_bytes()));
        if let Some(t) = token {
            let before = b[..i].iter().rev().find(|c| !c.is_ascii_whitespace());
            let after = b.get(i + t.len());
            let value_position = matches!(before, Some(b':' | b',' | b'['));
            let ends =
                after.is_none_or(|c| c.is_ascii_whitespace() || matches!(c, b',' | b']' | b'}'));
            if value_position && ends {
                out.push_str(&text[last..i]);
                out.push('"');
                out.push(NON_FINITE_MARK);
                out.push_str(t);
                out.push('"');
                i += t.len();
                last = i;
                found = true;
                continue;
            }
        }
        i += 1;
    }
    if !found {
        return None;
    }
    out.push_str(&text[last..]);
    let mut value: Value = serde_json::from_str(&out).ok()?;
    let mut marks = Vec::new();
    unmark_non_finite(&mut value, &mut String::new(), &mut marks);
    Some((value, marks))
}

fn unmark_non_finite(v: &mut Value, path: &mut String, marks: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => {
            if let Some(token) = s.strip_prefix(NON_FINITE_MARK) {
                marks.push((path.clone(), token.to_string()));
                *v = Value::Null;
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let len = path.len();
                path.push_str(&format!("/{i}"));
                unmark_non_finite(item, path, marks);
                path.truncate(len);
            }
        }
        Value::Object(m) => {
            for (k, item) in m.iter_mut() {
                let len = path.len();
                path.push('/');
                path.push_str(&k.replace('~', "~0").replace('/', "~1"));
                unmark_non_finite(item, path, marks);
                path.truncate(len);
            }
        }
        _ => {}
    }
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
    fn times_are_read_with_or_without_their_offset() {
        let read = |s: &str| text_time(s).map(|(t, had)| (rfc3339(t), had));
        assert_eq!(
            read("2025-03-14T09:12:03.123456+00:00"),
            Some(("2025-03-14T09:12:03.123456Z".into(), true))
        );
        // DuckDB's JSON of a TIMESTAMPTZ, and of a naive TIMESTAMP.
        assert_eq!(
            read("2025-03-14 11:12:03.5+02"),
            Some(("2025-03-14T09:12:03.500Z".into(), true))
        );
        assert_eq!(
            read("2025-03-14 10:15:02.120000"),
            Some(("2025-03-14T10:15:02.120Z".into(), false))
        );
        assert_eq!(
            read("2025-03-14T09:12:03-0130"),
            Some(("2025-03-14T10:42:03Z".into(), true))
        );
        assert_eq!(read("2025-03-14"), None);
        assert_eq!(read("yesterday at noon, roughly"), None);
        // A platform's documented UTC: written out whole, the flag saying it had no offset.
        assert_eq!(
            documented_utc(Some(&json!("2025-03-14 10:15:02.120000"))),
            (Some(json!("2025-03-14T10:15:02.120Z")), true)
        );
        assert_eq!(documented_utc(Some(&json!(""))), (None, false));
        assert_eq!(
            documented_utc(Some(&json!(1710411302120i64))),
            (Some(json!(1710411302120i64)), false)
        );
    }

    #[test]
    fn bare_nan_and_infinities_are_read_as_null_and_named() {
        let (v, marks) = parse_non_finite(
            r#"{"a": NaN, "b": [1, -Infinity, {"c/d": Infinity}], "s": "NaN, Infinity", "e": 1e5}"#,
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"a": null, "b": [1, null, {"c/d": null}], "s": "NaN, Infinity", "e": 1e5})
        );
        assert_eq!(
            marks,
            vec![
                ("/a".to_string(), "NaN".to_string()),
                ("/b/1".to_string(), "-Infinity".to_string()),
                ("/b/2/c~1d".to_string(), "Infinity".to_string()),
            ]
        );
        // Plain JSON and text that is no JSON even so are not this parser's.
        assert_eq!(parse_non_finite(r#"{"a": 1}"#), None);
        assert_eq!(parse_non_finite(r#"{"a": NaNa}"#), None);
        assert_eq!(json_or_text(&json!("{\"x\": 1}")), json!({"x": 1}));
        assert_eq!(json_or_text(&json!("plain")), json!("plain"));
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
