//! Kafka topic dumps as `kcat -J` writes them: one object per record (`topic`, `partition`,
//! `offset`, `tstype`, `ts`, `broker`, `headers` as a flat name/value array, `key`, `payload`),
//! one per line, pretty-printed or concatenated (the container splits them; see `split_values`).
//!
//! A record becomes an event: the stream from the key (a field of a JSON key, a schema-registry
//! wire prefix removed and its schema id kept), else the payload's own stream id, else topic and
//! partition; the type from a header,
//! else the payload's own type field, else the topic; the time from the payload when it has one,
//! else the record's `ts` (marked as placed). Partition and offset are provenance, and gaps in a
//! partition's offsets are reported. A null payload (a tombstone) is a `Tombstone` event of the
//! key's stream, which deletes the entity. CloudEvents are unwrapped, in structured mode (the
//! payload is a CloudEvent) and binary mode (`ce_*` headers). A payload that is not JSON is kept as
//! text, or as base64 when it is not text, and flagged. A payload that is a Debezium change event
//! is read by `debezium` (the key names the table's row); a tombstone on a topic seen carrying
//! them is the end of that row. [`console_line`] reads kafka-console-consumer's lines.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::{
    bytes_payload, cloudevents, debezium, epoch_text, first, is_json_media_type, marked_bytes,
    text, KafkaOptions, Observation, Rebuild, Row,
};

/// The event type given to a tombstone (a record with a key and a null payload).
pub use crate::timeline::rules::TOMBSTONE;

pub fn detect(keys: &BTreeSet<String>) -> Option<String> {
    let has = |k: &str| keys.contains(k);
    (has("topic") && has("partition") && has("offset") && (has("payload") || has("key")))
        .then(|| "has `topic`, `partition`, `offset`: a Kafka dump written by kcat -J".to_string())
}

const TYPE_HEADERS: &[&str] = &["ce_type", "type", "event_type", "eventType", "event-type"];
const TYPE_FIELDS: &[&str] = &[
    "event_type",
    "eventType",
    "type",
    "@type",
    "event_name",
    "eventName",
];
const TIME_FIELDS: &[&str] = &[
    "occurred_at",
    "occurredAt",
    "event_time",
    "eventTime",
    "timestamp",
    "time",
    "created_at",
    "createdAt",
];
const ID_FIELDS: &[&str] = &["event_id", "eventId", "message_id", "messageId"];
/// Fields of an envelope a producer wraps its events in (besides type, time and id).
const ENVELOPE_FIELDS: &[&str] = &[
    "payload",
    "data",
    "metadata",
    "actor",
    "reason",
    "stream_id",
    "stream_type",
    "aggregate_id",
    "aggregate_type",
    "aggregateType",
    "stream_version",
    "version",
    "schema_version",
    "schemaVersion",
    "causation_id",
    "causationId",
    "correlation_id",
    "correlationId",
    "corrects",
    "recorded_at",
];

pub struct Kcat {
    opts: KafkaOptions,
    /// Offsets seen per (topic, partition), for the gap report.
    offsets: BTreeMap<(String, i64), Vec<i64>>,
    /// Topics seen carrying Debezium change events, with their table: a tombstone there ends a row.
    debezium_topics: BTreeMap<String, Option<String>>,
}

impl Kcat {
    pub fn new(opts: KafkaOptions) -> Self {
        Kcat {
            opts,
            offsets: BTreeMap::new(),
            debezium_topics: BTreeMap::new(),
        }
    }
}

/// A line that `kafka-console-consumer --property print.timestamp=true` printed (Kafka's
/// `DefaultMessageFormatter`): `CreateTime:<ms>` (or `LogAppendTime:<ms>`, `NO_TIMESTAMP`), then,
/// separated by tabs and each only when asked for, `Partition:<n>`, `Offset:<n>`, the headers
/// (`name:value,…` or `NO_HEADERS`), the key, and the value; a null key or value prints `null`.
/// Returns it as a record: `console_consumer` (timestamp type, `ts`, partition, offset, headers),
/// `key` (its text, or null) and `payload` (the value parsed as JSON, else its text; null for a
/// tombstone). None when the line is not one.
pub fn console_line(line: &str) -> Option<Value> {
    let mut fields = line.split('\t');
    let first = fields.next()?;
    let mut console = Map::new();
    if first == "NO_TIMESTAMP" {
        console.insert("tstype".into(), json!(first));
    } else {
        let (kind, ms) = first.split_once(':')?;
        if kind != "CreateTime" && kind != "LogAppendTime" {
            return None;
        }
        console.insert("tstype".into(), json!(kind));
        console.insert("ts".into(), json!(ms.trim().parse::<i64>().ok()?));
    }
    let mut rest: Vec<&str> = fields.collect();
    for (label, name) in [("Partition:", "partition"), ("Offset:", "offset")] {
        if let Some(n) = rest.first().and_then(|f| f.strip_prefix(label)) {
            console.insert(name.into(), json!(n.trim().parse::<i64>().ok()?));
            rest.remove(0);
        }
    }
    let (headers, key, value) = match rest.as_slice() {
        [v] => (None, None, *v),
        ["NO_HEADERS", v] => (None, None, *v),
        [k, v] => (None, Some(*k), *v),
        [h, k, v] => (Some(*h), Some(*k), *v),
        _ => return None,
    };
    if let Some(h) = headers.filter(|h| *h != "NO_HEADERS") {
        let mut list = Map::new();
        for pair in h.split(',') {
            let (name, v) = pair.split_once(':').unwrap_or((pair, ""));
            if let Value::Array(l) = list
                .entry(name.to_string())
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                l.push(json!(v));
            }
        }
        console.insert("headers".into(), Value::Object(list));
    }
    let key = key.filter(|k| *k != "null").map(|k| json!(k));
    let payload = match value {
        "null" => Value::Null,
        v => serde_json::from_str(v).unwrap_or_else(|_| json!(v)),
    };
    Some(json!({"console_consumer": console, "key": key, "payload": payload}))
}

impl Rebuild for Kcat {
    fn rows(&mut self, record: &Value, _raw: &str, out: &mut Vec<Row>) {
        out.push(match self.record(record) {
            Ok(doc) => Row::doc(doc),
            Err(why) => Row::refused(why),
        });
    }

    fn reads_raw_bytes(&self) -> bool {
        true
    }

    fn finish(&mut self) -> Vec<Observation> {
        let mut found = Vec::new();
        for ((topic, partition), offsets) in &mut self.offsets {
            offsets.sort_unstable();
            offsets.dedup();
            // Retention (or a dump started past the beginning) moved the partition's start: what
            // the first records held is gone. Which streams that touches is `timeline::gaps`'s.
            if offsets[0] > 0 {
                let start = offsets[0];
                found.push(Observation {
                    kind: crate::findings::FindingKind::KafkaLogStart,
                    stream_id: None,
                    message: format!(
                        "Partition {partition} of topic {topic} begins at offset {start}: the {start} record{} before it were deleted by retention or compaction, or not dumped, so keys first seen here may be missing their beginnings.",
                        if start == 1 { "" } else { "s" },
                    ),
                });
            }
            // Offsets are never negative (refused), so these cannot overflow.
            let gaps: Vec<(i64, i64)> = offsets
                .windows(2)
                .filter(|w| w[1] - w[0] > 1)
                .map(|w| (w[0] + 1, w[1] - 1))
                .collect();
            if gaps.is_empty() {
                continue;
            }
            let missing: i128 = gaps.iter().map(|(a, b)| i128::from(b - a) + 1).sum();
            let listed: Vec<String> = gaps
                .iter()
                .take(10)
                .map(|(a, b)| {
                    if a == b {
                        a.to_string()
                    } else {
                        format!("{a}-{b}")
                    }
                })
                .collect();
            found.push(Observation {
                kind: crate::findings::FindingKind::OffsetGap,
                stream_id: None,
                message: format!(
                    "Partition {partition} of topic {topic} skips {missing} offset{} ({}{}) between {} and {}: records compacted, deleted or not dumped.",
                    if missing == 1 { "" } else { "s" },
                    listed.join(", "),
                    if gaps.len() > 10 { ", ..." } else { "" },
                    offsets[0],
                    offsets[offsets.len() - 1],
                ),
            });
        }
        found
    }
}

/// A value written by a schema-registry serializer starts with magic byte 0 and a 4-byte
/// big-endian schema id; returns the id and the rest.
fn strip_wire_prefix(b: &[u8]) -> (Option<u32>, &[u8]) {
    match b {
        [0, a, b1, c, d, rest @ ..] => (Some(u32::from_be_bytes([*a, *b1, *c, *d])), rest),
        _ => (None, b),
    }
}

/// An Avro-encoded string (a zig-zag varint length, then that many bytes of UTF-8) that fills
/// `b` exactly: how Avro and String key serializers behind a schema registry write a key.
fn avro_string(b: &[u8]) -> Option<String> {
    let mut n: u64 = 0;
    let mut shift = 0;
    let mut i = 0;
    loop {
        let byte = *b.get(i)?;
        n |= u64::from(byte & 0x7f) << shift;
        i += 1;
        if byte & 0x80 == 0 {
            break;
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
    let len = (n >> 1) as i64 ^ -((n & 1) as i64);
    (len >= 0 && i + len as usize == b.len())
        .then(|| std::str::from_utf8(&b[i..]).ok().map(str::to_string))
        .flatten()
}

/// A domain payload's version field names the stream's or schema's version only when it is a
/// whole number (`"2.1.0"` is the producer's own business).
fn integer(v: Option<&Value>) -> Option<String> {
    text(v).filter(|t| t.parse::<i64>().is_ok())
}

/// A header value as written by producers that JSON-encode them (Spring: `"\"/a/b\""`).
fn unquote(v: &str) -> String {
    match serde_json::from_str::<Value>(v) {
        Ok(Value::String(s)) if v.starts_with('"') => s,
        _ => v.to_string(),
    }
}

impl Kcat {
    fn record(&mut self, record: &Value) -> Result<Value, String> {
        let Some(r) = record.as_object() else {
            return Err("not a Kafka record: kcat -J writes each record as a JSON object".into());
        };
        let topic = match r.get("topic") {
            Some(Value::String(t)) => t.clone(),
            _ => return Err("not a Kafka record: no `topic` (kcat -J writes topic, partition and offset for every record)".into()),
        };
        let partition = r.get("partition").and_then(Value::as_i64);
        let offset = r.get("offset").and_then(Value::as_i64);
        let (Some(partition), Some(offset)) = (partition, offset) else {
            return Err(
                "not a Kafka record: `partition` and `offset` must be whole numbers".into(),
            );
        };
        if partition < 0 || offset < 0 {
            return Err(format!(
                "not a Kafka record: partition {partition} and offset {offset} cannot be negative"
            ));
        }
        self.offsets
            .entry((topic.clone(), partition))
            .or_default()
            .push(offset);
        // The record's timestamp (milliseconds), written out as RFC 3339.
        let ts = r
            .get("ts")
            .filter(|t| t.as_i64().is_some_and(|t| t > 0))
            .and_then(|t| epoch_text(t, 1_000_000))
            .map(Value::String);

        // Headers: a flat array of names and values; names may repeat and values may be null.
        let mut headers: Map<String, Value> = Map::new();
        if let Some(Value::Array(h)) = r.get("headers") {
            for pair in h.chunks(2) {
                if let [Value::String(k), v] = pair {
                    let list = headers
                        .entry(k.clone())
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(l) = list {
                        l.push(v.clone());
                    }
                }
            }
        }
        let header = |name: &str| -> Option<String> {
            headers
                .get(name)
                .and_then(|l| l.as_array())
                .and_then(|l| l.iter().rev().find_map(|v| v.as_str()))
                .map(str::to_string)
        };

        let mut kafka = Map::new();
        kafka.insert("topic".into(), json!(topic));
        kafka.insert("partition".into(), json!(partition));
        kafka.insert("offset".into(), json!(offset));
        for k in ["tstype", "ts", "broker"] {
            if let Some(v) = r.get(k) {
                kafka.insert(k.into(), v.clone());
            }
        }

        // kcat -s avro decodes values itself, and says when it could not.
        for (what, field) in [("key", "key_error"), ("payload", "payload_error")] {
            if let Some(e) = r.get(field).and_then(Value::as_str) {
                return Err(format!(
                    "kcat could not decode its {what} ({field}: {e}), so the dump does not hold it"
                ));
            }
        }
        for k in ["key_schema_id", "value_schema_id"] {
            if let Some(v) = r.get(k) {
                kafka.insert(k.into(), v.clone());
            }
        }

        // The key: a schema-registry prefix removed, a JSON key read by its field.
        let mut key_text: Option<String> = None;
        let key_stream = match r.get("key") {
            Some(Value::String(k)) => {
                let bytes = marked_bytes(k);
                let (schema, rest) = strip_wire_prefix(&bytes);
                if let Some(id) = schema {
                    kafka.insert("key_schema_id".into(), json!(id));
                }
                // Behind a schema registry the key is JSON (JSON Schema) or Avro, whose string
                // starts with its length: read it as Avro unless it is JSON.
                let is_json = serde_json::from_slice::<Value>(rest).is_ok();
                let text = match (schema, std::str::from_utf8(rest)) {
                    (Some(_), _) if !is_json => avro_string(rest)
                        .or_else(|| std::str::from_utf8(rest).ok().map(str::to_string)),
                    (_, Ok(t)) => Some(t.to_string()),
                    (_, Err(_)) => avro_string(rest),
                };
                key_text.clone_from(&text);
                match text {
                    Some(t) => self.stream_of_key(&t, &mut kafka),
                    // A binary key names its stream by its bytes.
                    None => Some(format!("key:{}", hex::encode(rest))),
                }
            }
            Some(Value::Null) | None => None,
            Some(other) => {
                key_text = Some(other.to_string());
                self.stream_of_key(&other.to_string(), &mut kafka)
            }
        };

        // The payload: JSON, else text, else base64 (after a schema-registry prefix).
        let mut payload_bytes: Option<Vec<u8>> = None;
        let (payload, kept_as) = match r.get("payload") {
            Some(Value::String(p)) => {
                let bytes = marked_bytes(p);
                let (schema, rest) = strip_wire_prefix(&bytes);
                if let Some(id) = schema {
                    kafka.insert("value_schema_id".into(), json!(id));
                }
                let decoded = bytes_payload(rest, true);
                payload_bytes = Some(rest.to_vec());
                decoded
            }
            Some(Value::Null) | None => (Value::Null, "json"),
            Some(other) => (other.clone(), "json"),
        };
        let mut metadata = Map::new();
        metadata.insert("kafka".into(), Value::Object(kafka));
        if !headers.is_empty() {
            metadata.insert("headers".into(), Value::Object(headers.clone()));
        }
        let enclosing = ts.as_ref().map(|t| (t, "kafka_timestamp"));
        let offset_id = format!("{topic}/{partition}@{offset}");

        // Debezium: a change event of a table's row (and, once the topic is known to carry them,
        // a tombstone is the end of that row).
        if debezium::is_change(&payload) {
            let around = debezium::Around {
                key: key_text.as_deref(),
                topic: Some(&topic),
                record_time: ts.as_ref(),
                event_id: Some(offset_id),
                metadata,
            };
            let doc = debezium::change(&payload, &around, &self.opts)?;
            let table = doc["stream_type"].as_str().map(str::to_string);
            if !self.debezium_topics.contains_key(&topic) || table.is_some() {
                self.debezium_topics.insert(topic, table);
            }
            return Ok(doc);
        }
        if payload.is_null() {
            if let (Some(table), Some(key)) = (self.debezium_topics.get(&topic), &key_text) {
                return debezium::tombstone(
                    key,
                    table.as_deref(),
                    ts.as_ref(),
                    Some(offset_id),
                    metadata,
                    &self.opts,
                );
            }
        }

        // CloudEvents: structured mode (the payload is one), binary mode (ce_ headers).
        let content_type = ["content-type", "contentType", "ce_datacontenttype"]
            .iter()
            .find_map(|h| header(h))
            .map(|c| unquote(&c));
        let structured = payload.get("specversion").is_some()
            || content_type
                .as_deref()
                .is_some_and(|c| c.starts_with("application/cloudevents"));
        // Binary mode: attributes in `ce_` headers (the binding), or `ce-` (Spring's).
        let prefix = ["ce_", "ce-"]
            .into_iter()
            .find(|p| header(&format!("{p}specversion")).is_some());
        let binary = prefix.is_some() && !(structured && payload.is_object());
        if (structured && payload.is_object()) || binary {
            let ce = if !binary {
                payload.clone()
            } else {
                let prefix = prefix.unwrap_or("ce_");
                let mut ce = Map::new();
                for (name, values) in &headers {
                    if let Some(attr) = name.strip_prefix(prefix) {
                        if let Some(v) = values.as_array().and_then(|l| l.last()) {
                            let v = match v {
                                Value::String(s) => Value::String(unquote(s)),
                                other => other.clone(),
                            };
                            ce.insert(attr.to_string(), v);
                        }
                    }
                }
                if let Some(ct) = &content_type {
                    ce.entry("datacontenttype").or_insert_with(|| json!(ct));
                }
                // The record's value is the event's data, in the content type's terms.
                let json_type = content_type.as_deref().is_none_or(is_json_media_type);
                match &payload_bytes {
                    Some(bytes) => match bytes_payload(bytes, json_type) {
                        (Value::String(b64), "base64") => {
                            ce.insert("data_base64".into(), json!(b64));
                        }
                        (v, _) => {
                            ce.insert("data".into(), v);
                        }
                    },
                    None => {
                        ce.insert("data".into(), payload.clone());
                    }
                }
                Value::Object(ce)
            };
            let mut doc = cloudevents::event(&ce, enclosing)
                .map_err(|why| format!("a CloudEvent in a Kafka record, but {why}"))?;
            if let Some(s) = key_stream.clone() {
                if ce.get("subject").is_none() {
                    doc["stream_id"] = json!(s);
                }
            }
            if doc["recorded_at"].is_null() {
                doc["recorded_at"] = ts.clone().unwrap_or(Value::Null);
            }
            if let Value::Object(m) = &mut doc["metadata"] {
                for (k, v) in &metadata {
                    m.insert(k.clone(), v.clone());
                }
                m.insert(
                    "cloudevents_mode".into(),
                    json!(match prefix.filter(|_| binary) {
                        Some("ce-") => "binary (ce- headers, as Spring writes them)",
                        Some(_) => "binary",
                        None => "structured",
                    }),
                );
            }
            return Ok(doc);
        }

        // A tombstone: the key's entity is deleted.
        if payload.is_null() {
            let Some(stream) = key_stream else {
                return Err("a record with neither key nor payload: a tombstone names the key it deletes, and this one has none".into());
            };
            return Ok(json!({
                "event_id": offset_id,
                "stream_id": stream,
                "stream_type": topic,
                "event_type": TOMBSTONE,
                "occurred_at": ts,
                "recorded_at": ts,
                "payload": Value::Null,
                "metadata": metadata,
                "time_placed": ts.as_ref().map(|_| "kafka_timestamp"),
            }));
        }

        let fields = payload.as_object().cloned().unwrap_or_default();
        let type_headers: Vec<&str> = match &self.opts.type_headers {
            Some(list) => list.iter().map(String::as_str).collect(),
            None => TYPE_HEADERS.to_vec(),
        };
        let event_type = type_headers
            .iter()
            .find_map(|h| header(h))
            .or_else(|| text(first(&fields, TYPE_FIELDS)))
            .unwrap_or_else(|| topic.clone());
        let (occurred, placed) = match first(&fields, TIME_FIELDS) {
            Some(t) => (t.clone(), None),
            None => (
                ts.clone().unwrap_or(Value::Null),
                ts.as_ref().map(|_| "kafka_timestamp"),
            ),
        };
        let event_id = header("ce_id")
            .or_else(|| header("event_id"))
            .or_else(|| header("id"))
            .or_else(|| text(first(&fields, ID_FIELDS)))
            .unwrap_or(offset_id);
        // An envelope around the domain event (every other field says who, when or what): its
        // `payload` / `data` is what happened.
        let envelope_only = fields.keys().all(|k| {
            ENVELOPE_FIELDS.contains(&k.as_str())
                || TYPE_FIELDS.contains(&k.as_str())
                || TIME_FIELDS.contains(&k.as_str())
                || ID_FIELDS.contains(&k.as_str())
        });
        let body_key = ["payload", "data"]
            .into_iter()
            .find(|k| fields.get(*k).is_some_and(Value::is_object))
            .filter(|_| envelope_only);
        let body = match body_key {
            Some(k) => {
                // What the envelope held besides the event is kept, not dropped.
                let mut rest = fields.clone();
                rest.remove(k);
                metadata.insert("envelope".into(), Value::Object(rest));
                fields[k].clone()
            }
            None => payload.clone(),
        };
        if kept_as != "json" {
            metadata.insert("payload_kept_as".into(), json!(kept_as));
        }
        let stream = key_stream
            .or_else(|| text(first(&fields, &["stream_id", "aggregate_id", "streamId"])))
            .unwrap_or_else(|| format!("{topic}/{partition}"));
        Ok(json!({
            "event_id": event_id,
            "stream_id": stream,
            "stream_type": header("stream_type")
                .or_else(|| text(first(&fields, &["stream_type", "aggregate_type", "aggregateType"])))
                .unwrap_or(topic),
            "stream_version": integer(first(&fields, &["stream_version", "version", "sequence"])),
            "event_type": event_type,
            "schema_version": integer(first(&fields, &["schema_version", "schemaVersion"])),
            "occurred_at": occurred,
            "recorded_at": ts,
            "actor": header("actor").or_else(|| text(first(&fields, &["actor", "user", "user_id"]))),
            "reason": text(first(&fields, &["reason"])),
            "causation_id": header("causation_id").or_else(|| text(first(&fields, &["causation_id", "causationId"]))),
            "correlation_id": header("correlation_id").or_else(|| text(first(&fields, &["correlation_id", "correlationId"]))),
            "corrects": text(first(&fields, &["corrects"])),
            "payload": body,
            "metadata": metadata,
            "time_placed": placed,
        }))
    }

    /// The stream a key names: a JSON object's configured (or only) field, else the key's text.
    fn stream_of_key(&self, key: &str, kafka: &mut Map<String, Value>) -> Option<String> {
        if key.is_empty() {
            return None;
        }
        match serde_json::from_str::<Value>(key) {
            Ok(Value::Object(m)) => {
                kafka.insert("key".into(), Value::Object(m.clone()));
                let field = match &self.opts.key_field {
                    Some(f) => m.get(f),
                    None if m.len() == 1 => m.values().next(),
                    None => None,
                };
                Some(text(field).unwrap_or_else(|| key.to_string()))
            }
            Ok(Value::String(s)) => Some(s),
            _ => Some(key.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rebuild(record: Value) -> Result<Value, String> {
        Kcat::new(KafkaOptions::default()).record(&record)
    }

    #[test]
    fn a_domain_event_takes_its_type_from_a_header_and_its_time_from_the_record() {
        let d = rebuild(json!({"topic": "orders", "partition": 0, "offset": 7, "tstype": "create",
            "ts": 1700000000000i64, "broker": 1, "headers": ["type", "OrderPlaced", "trace", null, "trace", "b"],
            "key": "order-1", "payload": "{\"amount\": 5}"}))
        .unwrap();
        assert_eq!(d["event_type"], json!("OrderPlaced"));
        assert_eq!(d["stream_id"], json!("order-1"));
        assert_eq!(d["time_placed"], json!("kafka_timestamp"));
        assert_eq!(d["metadata"]["headers"]["trace"], json!([null, "b"]));
        assert_eq!(d["event_id"], json!("orders/0@7"));
        assert_eq!(d["payload"], json!({"amount": 5}));
    }

    #[test]
    fn a_schema_registry_prefix_is_removed_and_its_id_kept() {
        let d = rebuild(json!({"topic": "t", "partition": 1, "offset": 0, "ts": 1700000000000i64,
            "key": "\u{0}\u{0}\u{0}\u{0}\u{7}{\"id\":\"acc-9\"}", "payload": "\u{0}\u{0}\u{0}\u{1}\u{2c}{\"type\":\"Opened\",\"time\":\"2024-01-01T00:00:00Z\"}"}))
        .unwrap();
        assert_eq!(d["stream_id"], json!("acc-9"));
        assert_eq!(d["metadata"]["kafka"]["key_schema_id"], json!(7));
        assert_eq!(d["metadata"]["kafka"]["value_schema_id"], json!(300));
        assert_eq!(d["event_type"], json!("Opened"));
        assert!(d["time_placed"].is_null());
    }

    #[test]
    fn a_tombstone_deletes_the_keys_stream_and_needs_a_key() {
        let d = rebuild(
            json!({"topic": "t", "partition": 0, "offset": 1, "ts": 5, "key": "k", "payload": null}),
        )
        .unwrap();
        assert_eq!(d["event_type"], json!(TOMBSTONE));
        assert!(rebuild(
            json!({"topic": "t", "partition": 0, "offset": 1, "key": null, "payload": null})
        )
        .unwrap_err()
        .contains("neither key nor payload"));
    }

    #[test]
    fn cloudevents_in_binary_mode_come_from_headers() {
        let d = rebuild(json!({"topic": "t", "partition": 0, "offset": 1, "ts": 1700000000000i64,
            "headers": ["ce_specversion", "1.0", "ce_id", "e-1", "ce_source", "/s", "ce_type", "Shipped",
                        "content-type", "application/json"],
            "key": "o-1", "payload": "{\"parcel\": 3}"}))
        .unwrap();
        assert_eq!(d["event_type"], json!("Shipped"));
        assert_eq!(d["event_id"], json!("e-1"));
        assert_eq!(d["payload"], json!({"parcel": 3}));
        assert_eq!(d["stream_id"], json!("o-1"));
        assert_eq!(d["time_placed"], json!("kafka_timestamp"));
    }

    #[test]
    fn a_negative_offset_is_refused_and_the_largest_ones_report_gaps() {
        let mut k = Kcat::new(KafkaOptions::default());
        let rec = |o: i64| json!({"topic": "t", "partition": 0, "offset": o, "key": "k", "payload": "{}"});
        assert!(k.record(&rec(i64::MIN)).unwrap_err().contains("negative"));
        k.record(&rec(0)).unwrap();
        k.record(&rec(i64::MAX)).unwrap();
        assert!(k.finish()[0]
            .message
            .contains(&format!("skips {} offsets", i64::MAX - 1)));
    }

    #[test]
    fn an_avro_string_key_behind_a_schema_registry_is_read_whatever_its_length() {
        let uuid = "3f2a9c1e-0b7d-4e38-9a51-2d4c8e7f1a03";
        let mut key = String::from("\u{0}\u{0}\u{0}\u{0}\u{6}");
        key.push(char::from((uuid.len() * 2) as u8));
        key.push_str(uuid);
        let d = rebuild(
            json!({"topic": "t", "partition": 0, "offset": 1, "ts": 1700000000000i64,
            "key": key, "payload": "{\"type\": \"Opened\"}"}),
        )
        .unwrap();
        assert_eq!(d["stream_id"], json!(uuid));
    }

    #[test]
    fn debezium_changes_in_a_topic_are_rows_and_its_tombstones_end_them() {
        let mut k = Kcat::new(KafkaOptions::default());
        let change = json!({"before": {"id": 1002}, "after": null, "op": "d", "ts_ms": 1712052000221i64,
            "source": {"ts_ms": 1712052000000i64, "table": "candidates", "connector": "postgresql"}});
        let d = k
            .record(
                &json!({"topic": "hiringdb.public.candidates", "partition": 0, "offset": 44,
                "ts": 1712052000222i64, "key": "{\"id\":1002}", "payload": change.to_string()}),
            )
            .unwrap();
        assert_eq!(d["event_type"], json!(debezium::ROW_DELETED));
        assert_eq!(d["stream_id"], json!("candidates/1002"));
        assert_eq!(d["event_id"], json!("hiringdb.public.candidates/0@44"));
        assert_eq!(d["metadata"]["kafka"]["offset"], json!(44));
        let t = k
            .record(
                &json!({"topic": "hiringdb.public.candidates", "partition": 0, "offset": 45,
                "ts": 1712052000222i64, "key": "{\"id\":1002}", "payload": null}),
            )
            .unwrap();
        assert_eq!(t["event_type"], json!(TOMBSTONE));
        assert_eq!(t["stream_id"], json!("candidates/1002"));
        assert_eq!(t["stream_type"], json!("candidates"));
        // Another topic's tombstone stays a plain Kafka one.
        let other = k
            .record(&json!({"topic": "orders", "partition": 0, "offset": 1, "ts": 5, "key": "o-1", "payload": null}))
            .unwrap();
        assert_eq!(other["stream_id"], json!("o-1"));
    }

    #[test]
    fn console_consumer_lines_are_read_field_by_field() {
        let r = console_line("CreateTime:1741945260120\t{\"id\":501}\t{\"op\":\"c\"}").unwrap();
        assert_eq!(r["console_consumer"]["ts"], json!(1741945260120i64));
        assert_eq!(r["key"], json!("{\"id\":501}"));
        assert_eq!(r["payload"], json!({"op": "c"}));
        let r = console_line("LogAppendTime:5\tPartition:2\tOffset:9\th:1,h:2\tk\tnull").unwrap();
        assert_eq!(r["console_consumer"]["offset"], json!(9));
        assert_eq!(r["console_consumer"]["headers"]["h"], json!(["1", "2"]));
        assert!(r["payload"].is_null());
        assert_eq!(
            console_line("NO_TIMESTAMP\tnull\tplain").unwrap()["key"],
            Value::Null
        );
        assert!(console_line("{\"a\":1}").is_none());
        assert!(console_line("Created:5\tk\tv").is_none());
        assert!(console_line("CreateTime:soon\tk\tv").is_none());
    }

    #[test]
    fn offset_gaps_are_reported_per_partition() {
        let mut k = Kcat::new(KafkaOptions::default());
        for o in [0, 1, 4, 5, 9] {
            k.record(
                &json!({"topic": "t", "partition": 2, "offset": o, "key": "k", "payload": "{}"}),
            )
            .unwrap();
        }
        let found = k.finish();
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("skips 5 offsets (2-3, 6-8)"));
    }

    #[test]
    fn a_partition_that_begins_past_offset_zero_is_reported_once_with_its_start() {
        let mut k = Kcat::new(KafkaOptions::default());
        for (p, o) in [(0, 7), (0, 8), (1, 0), (1, 1), (2, 1)] {
            k.record(
                &json!({"topic": "t", "partition": p, "offset": o, "key": "k", "payload": "{}"}),
            )
            .unwrap();
        }
        let found = k.finish();
        let starts: Vec<&str> = found
            .iter()
            .filter(|f| f.kind == crate::findings::FindingKind::KafkaLogStart)
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(starts.len(), 2, "{starts:?}");
        assert!(starts[0].starts_with("Partition 0 of topic t begins at offset 7: the 7 records"));
        assert!(
            starts[1].starts_with("Partition 2 of topic t begins at offset 1: the 1 record before")
        );
        assert_eq!(found.len(), 2, "no offsets skipped inside a partition");
    }
}
