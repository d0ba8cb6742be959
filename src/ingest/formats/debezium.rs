//! Debezium change events: the history of a database's rows, one event per change.
//!
//! Read as Debezium's connectors write them through Kafka Connect's JSON converter:
//!
//! - a value on its own (`{"before","after","source","op","ts_ms",…}`, `schemas.enable=false`), or
//!   wrapped with its schema (`{"schema":{…},"payload":{…}}`, `schemas.enable=true`), one per line
//!   or as JSON values one after another (a pretty-printed document, an array);
//! - rows flattened by the `ExtractNewRecordState` ("unwrap") transform, recognised by `__op` next
//!   to `__deleted` or an added `__source_ts_*` / `__ts_*` field;
//! - inside a `kcat -J` dump: the Kafka module (`kafka.rs`) hands a record whose payload is a
//!   change event to [`change`], with the record's key, topic, offset and time; a tombstone (the key
//!   with a null payload) after a delete on such a topic becomes a `Tombstone` of the same row;
//! - lines of `kafka-console-consumer --property print.timestamp=true --property print.key=true`
//!   (`CreateTime:<ms>` TAB key TAB value, optionally `Partition:`, `Offset:` and headers before the
//!   key; a value printed `null` is a tombstone), read by [`super::kafka::console_line`].
//!
//! One change becomes one canonical event:
//!
//! - `stream_type` is the table (`source.table`, else the topic's last segment; an unwrapped row
//!   only knows it when the transform added `__table` / `__source_table`);
//!   `stream_id` is `table/` + the row's key: the Kafka key's columns (`{"id":1001}` → `1001`;
//!   several columns in the key's order joined by `/`, a `/` or `%` inside a value written `%2F` /
//!   `%25`; with or without the key's own schema wrapper). Without a Kafka key (a file of values)
//!   the key is the row's `id` column, or the columns named by a mapping file's
//!   `[kafka] key_field` (comma-separated), read from `after`, else `before`. A change whose key
//!   cannot be found is refused with a sentence that says how to name it.
//! - `event_type` by `op`: `r` → `RowSnapshotted` (read by the connector's snapshot), `c` →
//!   `RowCreated`, `u` → `RowUpdated`, `d` → `RowDeleted`, `t` → `TableTruncated`, `m` →
//!   `DatabaseMessage` (a logical decoding message, stream `message/<prefix>`).
//! - `occurred_at` is the source's commit time (`source.ts_ns`, else `ts_us`, `ts_ms`, 0.9's
//!   `ts_usec`, MySQL 0.x's `ts_sec`); `recorded_at` is when the connector processed the change
//!   (the envelope's `ts_ns`, else `ts_us`, `ts_ms`; inside Kafka, else the record's time). Both are
//!   written out exactly ([`epoch_text`]); the store keeps microseconds.
//! - `payload` is the row after the change (`after`; null for a delete or a truncate). With a
//!   schema, values are decoded by their logical type: `Decimal` (base64 of the unscaled two's-
//!   complement integer, the scale in the schema) and `VariableScaleDecimal` become JSON numbers when
//!   the column's declared precision (else the value's digits) is at most 15 digits, which a double
//!   holds exactly as written, and otherwise exact decimal strings (listed in the metadata as
//!   `decimals_as_text`); `Date` becomes `YYYY-MM-DD`, `Timestamp` / `MicroTimestamp` /
//!   `NanoTimestamp` a time without zone (`2024-04-01T09:47:51.238822`, as the column was),
//!   Kafka Connect's `Timestamp` a UTC instant, and `Time` / `MicroTime` / `NanoTime` a time of
//!   day. Without a schema nothing can be decoded safely (a base64 decimal's scale is only in the
//!   schema): values stay as the connector wrote them and the metadata says so (`schema_absent`).
//! - `correlation_id` is the transaction (`transaction.id`, else `source.txId`, else MySQL's
//!   `source.gtid`), `event_id` the Kafka record's `topic/partition@offset` when there is one.
//! - `metadata.debezium` keeps `op`, `source`, `before` (decoded), `transaction`, the envelope's
//!   times, the key, the decoded columns, and `unavailable`: the columns whose value is Debezium's
//!   placeholder `__debezium_unavailable_value` (an unchanged TOASTed column). The placeholder stays
//!   in the payload, so the fold can tell it from a value.
//!
//! The fold (`timeline::rules`) has built-in rules for these types: a row change replaces the
//! entity's state with the payload (a placeholder column keeps its previous value), a delete and a
//! tombstone end it. A truncate has no row key: it is one event of the table's own stream
//! (`stream_id` = the table), which it ends; the rows' own streams are not ended by it (the fold
//! works one stream at a time), so the event is where a reader learns the table was emptied.

use std::collections::{BTreeSet, HashMap};

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::kafka::{console_line, Kcat};
use super::{epoch_text, text, KafkaOptions, Observation, Rebuild, Row};
pub use crate::timeline::rules::{
    ROW_CREATED, ROW_DELETED, ROW_SNAPSHOTTED, ROW_UPDATED, TABLE_TRUNCATED, TOMBSTONE,
    UNAVAILABLE_VALUE,
};

/// The event type of a logical decoding message (op `m`).
pub const DATABASE_MESSAGE: &str = "DatabaseMessage";

/// The placeholder as a `bytes` column carries it (base64 of the same text).
const UNAVAILABLE_BASE64: &str = "X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ==";

/// Deletes waiting for their tombstone are remembered (key → table) up to this many.
const PENDING_LIMIT: usize = 100_000;

pub fn detect(keys: &BTreeSet<String>) -> Option<String> {
    let has = |k: &str| keys.contains(k);
    let envelope = |p: &str| {
        has(&format!("{p}op"))
            && has(&format!("{p}source"))
            && (has(&format!("{p}before")) || has(&format!("{p}after")))
    };
    let unwrapped = |p: &str| {
        has(&format!("{p}__op"))
            && keys.iter().any(|k| {
                let k = k.strip_prefix(p).unwrap_or(k);
                k == "__deleted" || k.starts_with("__source_ts_") || k.starts_with("__ts_")
            })
    };
    if has("console_consumer") {
        return (envelope("payload.") || (has("payload.schema") && has("payload.payload"))).then(
            || {
                "their values are Debezium change events (`op`, `source`, `before`/`after`)"
                    .to_string()
            },
        );
    }
    if envelope("") {
        Some("has `op`, `source` and `before`/`after`: Debezium change events".into())
    } else if has("schema") && envelope("payload.") {
        Some("has `schema` and a `payload` with `op`, `source` and `before`/`after`: Debezium change events with their schema".into())
    } else if unwrapped("") || (has("schema") && has("payload.__op")) {
        Some("has `__op` with `__deleted` or `__source_ts_*`: rows unwrapped by Debezium's ExtractNewRecordState".into())
    } else {
        None
    }
}

/// True for a value that is a Debezium change event (with or without its schema, or an unwrapped
/// row): how the Kafka module tells a Debezium topic's records.
pub fn is_change(v: &Value) -> bool {
    let (_, p) = split_schema(v);
    let Some(p) = p.as_object() else {
        return false;
    };
    let envelope = p.get("op").is_some_and(Value::is_string)
        && p.get("source").is_some_and(Value::is_object)
        && (p.contains_key("before") || p.contains_key("after"));
    envelope || p.get("__op").is_some_and(Value::is_string)
}

/// The Kafka record around a change: what the value alone does not say.
#[derive(Debug, Default)]
pub struct Around<'a> {
    /// The record's key as text (JSON, with or without its schema wrapper).
    pub key: Option<&'a str>,
    pub topic: Option<&'a str>,
    /// The record's time (RFC 3339), for a change without times of its own.
    pub record_time: Option<&'a Value>,
    pub event_id: Option<String>,
    /// The record's own metadata (`kafka`, `headers`), kept beside Debezium's.
    pub metadata: Map<String, Value>,
}

/// The rebuilder of Debezium files (values, unwrapped rows, console-consumer lines; kcat records
/// handed to the Kafka module).
pub struct Debezium {
    opts: KafkaOptions,
    kcat: Kcat,
    /// Deletes seen, by key, waiting for their tombstone (which names no table).
    pending: HashMap<String, Option<String>>,
    last_table: Option<String>,
}

impl Debezium {
    pub fn new(opts: KafkaOptions) -> Self {
        Debezium {
            kcat: Kcat::new(opts.clone()),
            opts,
            pending: HashMap::new(),
            last_table: None,
        }
    }

    fn record(&mut self, record: &Value, raw: &str, out: &mut Vec<Row>) {
        let Some(r) = record.as_object() else {
            out.push(Row::refused(
                "not a Debezium change event: a change is a JSON object (a null value is a tombstone, which needs its Kafka key)",
            ));
            return;
        };
        if ["topic", "partition", "offset"]
            .iter()
            .all(|k| r.contains_key(*k))
        {
            // A kcat record: the Kafka module reads it, handing its change event back here.
            self.kcat.rows(record, raw, out);
            return;
        }
        let result = match r.get("console_consumer") {
            Some(console) => self.console(console, r),
            None => change(record, &Around::default(), &self.opts),
        };
        out.push(match result {
            Ok(doc) => Row::doc(doc),
            Err(why) => Row::refused(why),
        });
    }

    /// One line of kafka-console-consumer, as [`console_line`] read it.
    fn console(&mut self, console: &Value, r: &Map<String, Value>) -> Result<Value, String> {
        let key = r.get("key").and_then(Value::as_str);
        let time = console
            .get("ts")
            .filter(|t| t.as_i64().is_some_and(|t| t > 0))
            .and_then(|t| epoch_text(t, 1_000_000))
            .map(Value::String);
        let mut metadata = Map::new();
        metadata.insert("kafka".into(), console.clone());
        let value = r.get("payload").unwrap_or(&Value::Null);
        if value.is_null() {
            let Some(key) = key else {
                return Err("a record with neither key nor value: a tombstone names the key it deletes, and this one has none".into());
            };
            let table = match self.pending.remove(key) {
                Some(t) => t,
                None => self.last_table.clone(),
            };
            return tombstone(
                key,
                table.as_deref(),
                time.as_ref(),
                None,
                metadata,
                &self.opts,
            );
        }
        if !is_change(value) {
            return Err("not a Debezium change event: the record's value has no `op` with a `source` and `before`/`after`".into());
        }
        let around = Around {
            key,
            topic: None,
            record_time: time.as_ref(),
            event_id: None,
            metadata,
        };
        let doc = change(value, &around, &self.opts)?;
        let table = doc["stream_type"].as_str().map(str::to_string);
        if let (Some(k), true) = (key, doc["event_type"] == ROW_DELETED) {
            if self.pending.len() < PENDING_LIMIT {
                self.pending.insert(k.to_string(), table.clone());
            }
        }
        if table.is_some() {
            self.last_table = table;
        }
        Ok(doc)
    }
}

impl Rebuild for Debezium {
    fn rows(&mut self, record: &Value, raw: &str, out: &mut Vec<Row>) {
        self.record(record, raw, out);
    }

    fn text_record(&self, line: &str) -> Option<Value> {
        console_line(line)
    }

    fn finish(&mut self) -> Vec<Observation> {
        self.kcat.finish()
    }
}

/// A value with its schema (`{"schema","payload"}`) as the two; a value without as (None, it).
fn split_schema(v: &Value) -> (Option<&Value>, &Value) {
    match v.as_object() {
        Some(m) if m.len() == 2 && m.get("schema").is_some_and(Value::is_object) => {
            match m.get("payload") {
                Some(p) => (m.get("schema"), p),
                None => (None, v),
            }
        }
        _ => (None, v),
    }
}

/// An epoch number in whole `unit`s (ns per unit) as exact RFC 3339, when it is positive.
fn instant(v: Option<&Value>, nanos_per_unit: i128) -> Option<String> {
    let v = v?;
    let positive = match v {
        Value::Number(n) => n.as_i64().is_some_and(|n| n > 0) || n.as_u64().is_some(),
        Value::String(s) => s.trim().parse::<i128>().is_ok_and(|n| n > 0),
        _ => false,
    };
    positive.then(|| epoch_text(v, nanos_per_unit)).flatten()
}

/// The first of `fields` (name, ns per unit) of `m` that is a time.
fn first_instant(m: &Map<String, Value>, fields: &[(&str, i128)]) -> Option<String> {
    fields
        .iter()
        .find_map(|(f, unit)| instant(m.get(*f), *unit))
}

const SOURCE_TIMES: &[(&str, i128)] = &[
    ("ts_ns", 1),
    ("ts_us", 1_000),
    ("ts_ms", 1_000_000),
    ("ts_usec", 1_000),
    ("ts_sec", 1_000_000_000),
];
const ENVELOPE_TIMES: &[(&str, i128)] = &[("ts_ns", 1), ("ts_us", 1_000), ("ts_ms", 1_000_000)];

/// The table a topic names (`server.schema.table` → `table`).
fn table_of_topic(topic: &str) -> Option<String> {
    topic
        .rsplit('.')
        .next()
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// One part of a stream id, with the separator (and the escape) escaped.
fn id_part(v: &Value) -> String {
    let t = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    t.replace('%', "%25").replace('/', "%2F")
}

/// The columns a mapping names as the row's key (`[kafka] key_field`, comma-separated).
fn key_columns(opts: &KafkaOptions) -> Option<Vec<String>> {
    opts.key_field.as_ref().map(|f| {
        f.split(',')
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect()
    })
}

/// The row key a Kafka key names, and the key as JSON (for the metadata).
fn key_of_record(key: &str, opts: &KafkaOptions) -> Option<(String, Value)> {
    let parsed: Value = match serde_json::from_str(key) {
        Ok(v) => v,
        Err(_) if !key.trim().is_empty() => return Some((id_part(&json!(key)), json!(key))),
        Err(_) => return None,
    };
    let (_, inner) = split_schema(&parsed);
    let id = match inner {
        Value::Object(m) if !m.is_empty() => {
            let wanted: Vec<&Value> = match key_columns(opts) {
                Some(cols) => cols.iter().filter_map(|c| m.get(c)).collect(),
                None => m.values().collect(),
            };
            if wanted.is_empty() {
                return None;
            }
            wanted
                .into_iter()
                .map(id_part)
                .collect::<Vec<_>>()
                .join("/")
        }
        Value::Object(_) | Value::Null => return None,
        other => id_part(other),
    };
    Some((id, inner.clone()))
}

/// The row key from the row's own columns: the named ones, else `id`.
fn key_of_row(row: &Map<String, Value>, opts: &KafkaOptions) -> Option<String> {
    let cols = key_columns(opts).unwrap_or_else(|| vec!["id".to_string()]);
    let values: Option<Vec<String>> = cols
        .iter()
        .map(|c| row.get(c).filter(|v| !v.is_null()).map(id_part))
        .collect();
    values.filter(|v| !v.is_empty()).map(|v| v.join("/"))
}

fn stream_id(table: Option<&str>, key: &str) -> String {
    match table {
        Some(t) => format!("{t}/{key}"),
        None => key.to_string(),
    }
}

/// A tombstone (a key with a null value) of a Debezium topic: the end of the row, as the delete
/// before it said. Its time is the Kafka record's.
pub fn tombstone(
    key: &str,
    table: Option<&str>,
    record_time: Option<&Value>,
    event_id: Option<String>,
    mut metadata: Map<String, Value>,
    opts: &KafkaOptions,
) -> Result<Value, String> {
    let Some((id, key_json)) = key_of_record(key, opts) else {
        return Err(format!(
            "a tombstone whose key names no row ({key}): a tombstone's key is the deleted row's"
        ));
    };
    metadata.insert(
        "debezium".into(),
        json!({"tombstone": "the key's value set to null after a delete, so log compaction can drop the row", "key": key_json}),
    );
    Ok(json!({
        "event_id": event_id,
        "stream_id": stream_id(table, &id),
        "stream_type": table,
        "event_type": TOMBSTONE,
        "occurred_at": record_time,
        "recorded_at": record_time,
        "payload": Value::Null,
        "metadata": metadata,
        "time_placed": record_time.map(|_| "kafka_timestamp"),
    }))
}

/// What decoding the values of one change found.
#[derive(Default)]
struct Decoding {
    decoded: BTreeSet<String>,
    as_text: BTreeSet<String>,
    undecoded: Map<String, Value>,
    unavailable: BTreeSet<String>,
}

/// The column schemas of a row: the fields of the envelope's `after` (else `before`) struct, or,
/// for an unwrapped row, the schema's own fields.
fn columns(schema: Option<&Value>, unwrapped: bool) -> Option<HashMap<String, Value>> {
    let fields = schema?.get("fields")?.as_array()?;
    let cols = if unwrapped {
        fields
    } else {
        ["after", "before"].iter().find_map(|side| {
            fields
                .iter()
                .find(|f| f.get("field").and_then(Value::as_str) == Some(side))
                .and_then(|f| f.get("fields"))
                .and_then(Value::as_array)
        })?
    };
    Some(
        cols.iter()
            .filter_map(|c| Some((c.get("field")?.as_str()?.to_string(), c.clone())))
            .collect(),
    )
}

/// A row's values decoded by their schema (when there is one); placeholders noted.
fn decode_row(
    row: &Map<String, Value>,
    cols: Option<&HashMap<String, Value>>,
    found: &mut Decoding,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, v) in row {
        if v.as_str()
            .is_some_and(|s| s == UNAVAILABLE_VALUE || s == UNAVAILABLE_BASE64)
        {
            found.unavailable.insert(name.clone());
            out.insert(name.clone(), json!(UNAVAILABLE_VALUE));
            continue;
        }
        let value = match cols.and_then(|c| c.get(name)) {
            Some(schema) if !v.is_null() => match decode(v, schema) {
                Ok(Some((decoded, exact_text))) => {
                    found.decoded.insert(name.clone());
                    if exact_text {
                        found.as_text.insert(name.clone());
                    }
                    decoded
                }
                Ok(None) => v.clone(),
                Err(why) => {
                    found.undecoded.insert(name.clone(), json!(why));
                    v.clone()
                }
            },
            _ => v.clone(),
        };
        out.insert(name.clone(), value);
    }
    out
}

/// One value decoded by its column's logical type: Some((value, kept as exact text)) when the
/// type is one decoded here, None when the value stays as it is.
fn decode(v: &Value, schema: &Value) -> Result<Option<(Value, bool)>, String> {
    let Some(name) = schema.get("name").and_then(Value::as_str) else {
        return Ok(None);
    };
    let int = || {
        v.as_i64()
            .ok_or_else(|| format!("a {name} value must be a whole number"))
    };
    let naive = |n: i64, nanos_per_unit: i64| -> Result<Value, String> {
        let ns = i128::from(n) * i128::from(nanos_per_unit);
        let secs = i64::try_from(ns.div_euclid(1_000_000_000)).map_err(|_| "out of range")?;
        let sub = ns.rem_euclid(1_000_000_000) as u32;
        let t = chrono::DateTime::from_timestamp(secs, sub).ok_or("out of range")?;
        Ok(json!(t
            .naive_utc()
            .format("%Y-%m-%dT%H:%M:%S%.f")
            .to_string()))
    };
    let time_of_day = |n: i64, nanos_per_unit: i64| -> Result<Value, String> {
        let ns = i128::from(n) * i128::from(nanos_per_unit);
        let secs = u32::try_from(ns.div_euclid(1_000_000_000)).map_err(|_| "out of range")?;
        let sub = ns.rem_euclid(1_000_000_000) as u32;
        let t = chrono::NaiveTime::from_num_seconds_from_midnight_opt(secs, sub)
            .ok_or("not a time of day (24:00:00 or later)")?;
        Ok(json!(t.format("%H:%M:%S%.f").to_string()))
    };
    let decoded = match name {
        "org.apache.kafka.connect.data.Decimal" => {
            let b64 = v.as_str().ok_or("a Decimal is base64 text")?;
            let scale = schema
                .get("parameters")
                .and_then(|p| p.get("scale"))
                .and_then(|s| text(Some(s)))
                .and_then(|s| s.parse::<i64>().ok())
                .ok_or("the Decimal's schema gives no scale")?;
            let precision = schema
                .get("parameters")
                .and_then(|p| p.get("connect.decimal.precision"))
                .and_then(|s| text(Some(s)))
                .and_then(|s| s.parse::<u32>().ok());
            return decimal(b64, scale, precision).map(Some);
        }
        "io.debezium.data.VariableScaleDecimal" => {
            let scale = v
                .get("scale")
                .and_then(Value::as_i64)
                .ok_or("a VariableScaleDecimal has a whole `scale`")?;
            let b64 = v
                .get("value")
                .and_then(Value::as_str)
                .ok_or("a VariableScaleDecimal has a base64 `value`")?;
            return decimal(b64, scale, None).map(Some);
        }
        "io.debezium.time.Date" | "org.apache.kafka.connect.data.Date" => {
            let days = int()?;
            let d = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
                .and_then(|e| e.checked_add_signed(chrono::TimeDelta::try_days(days)?))
                .ok_or("out of range")?;
            json!(d.format("%Y-%m-%d").to_string())
        }
        "io.debezium.time.Timestamp" => naive(int()?, 1_000_000)?,
        "io.debezium.time.MicroTimestamp" => naive(int()?, 1_000)?,
        "io.debezium.time.NanoTimestamp" => naive(int()?, 1)?,
        "org.apache.kafka.connect.data.Timestamp" => {
            json!(epoch_text(&json!(int()?), 1_000_000).ok_or("out of range")?)
        }
        "io.debezium.time.Time" | "org.apache.kafka.connect.data.Time" => {
            time_of_day(int()?, 1_000_000)?
        }
        "io.debezium.time.MicroTime" => time_of_day(int()?, 1_000)?,
        "io.debezium.time.NanoTime" => time_of_day(int()?, 1)?,
        _ => return Ok(None),
    };
    Ok(Some((decoded, false)))
}

/// The most digits a decimal may have to be written as a JSON number: every decimal of up to 15
/// significant digits is read back from a double exactly as written.
const EXACT_DIGITS: u32 = 15;

/// A Kafka Connect decimal (base64 of the big-endian two's-complement unscaled integer) with its
/// scale: a JSON number when the declared precision (else the value's digits) is at most
/// [`EXACT_DIGITS`], else the exact decimal text. Returns the value and whether it is text.
fn decimal(b64: &str, scale: i64, precision: Option<u32>) -> Result<(Value, bool), String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| format!("not base64 ({e})"))?;
    if bytes.is_empty() {
        return Err("an empty Decimal".into());
    }
    if !(-1000..=1000).contains(&scale) {
        return Err(format!("scale {scale} is out of range"));
    }
    let negative = bytes[0] & 0x80 != 0;
    // The magnitude: a negative value's two's complement, negated.
    let mut mag = bytes.clone();
    if negative {
        for b in mag.iter_mut() {
            *b = !*b;
        }
        for b in mag.iter_mut().rev() {
            let (s, carry) = b.overflowing_add(1);
            *b = s;
            if !carry {
                break;
            }
        }
    }
    let digits = decimal_digits(&mag);
    let significant = digits.trim_start_matches('0').len().max(1) as u32;
    let text = with_scale(&digits, scale, negative);
    let as_number = precision.unwrap_or(significant) <= EXACT_DIGITS;
    if as_number {
        let n = if scale <= 0 {
            text.parse::<i64>().ok().map(serde_json::Number::from)
        } else {
            None
        }
        .or_else(|| {
            text.parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
        });
        if let Some(n) = n {
            return Ok((Value::Number(n), false));
        }
    }
    Ok((Value::String(text), true))
}

/// The decimal digits of a big-endian unsigned integer.
fn decimal_digits(bytes: &[u8]) -> String {
    let mut n: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    if n.is_empty() {
        return "0".into();
    }
    let mut out = Vec::new();
    while !n.is_empty() {
        let mut rem: u32 = 0;
        let mut q = Vec::with_capacity(n.len());
        for b in &n {
            let cur = (rem << 8) | u32::from(*b);
            let d = (cur / 10) as u8;
            rem = cur % 10;
            if !q.is_empty() || d != 0 {
                q.push(d);
            }
        }
        out.push(b'0' + rem as u8);
        n = q;
    }
    out.reverse();
    String::from_utf8(out).expect("ascii digits")
}

/// Digits of the unscaled integer as a decimal with `scale` digits after the point.
fn with_scale(digits: &str, scale: i64, negative: bool) -> String {
    let mut t = if scale > 0 {
        let scale = scale as usize;
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (int, frac) = padded.split_at(padded.len() - scale);
        format!("{int}.{frac}")
    } else if scale < 0 && digits != "0" {
        format!("{digits}{}", "0".repeat((-scale) as usize))
    } else {
        digits.to_string()
    };
    if negative {
        t.insert(0, '-');
    }
    t
}

/// One change event (a value, with or without its schema; or an unwrapped row) as a canonical
/// document. `around` is the Kafka record it came in, when it did.
pub fn change(value: &Value, around: &Around, opts: &KafkaOptions) -> Result<Value, String> {
    let (schema, payload) = split_schema(value);
    let Some(p) = payload.as_object() else {
        return Err(
            "not a Debezium change event: the value (or its `payload`) is not an object".into(),
        );
    };
    if p.contains_key("__op") {
        return unwrapped(p, schema, around, opts);
    }
    let op = match p.get("op") {
        Some(Value::String(op)) => op.as_str(),
        _ => return Err("not a Debezium change event: no `op` (c, u, d, r, t or m)".into()),
    };
    let Some(source) = p.get("source").and_then(Value::as_object) else {
        return Err(
            "not a Debezium change event: no `source` block (every change event has one)".into(),
        );
    };
    let event_type = match op {
        "r" => ROW_SNAPSHOTTED,
        "c" => ROW_CREATED,
        "u" => ROW_UPDATED,
        "d" => ROW_DELETED,
        "t" => TABLE_TRUNCATED,
        "m" => DATABASE_MESSAGE,
        other => {
            return Err(format!(
                "a Debezium change with op `{other}`, which is none of c, u, d, r, t, m"
            ))
        }
    };
    let table = source
        .get("table")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .or_else(|| around.topic.and_then(table_of_topic));

    let cols = columns(schema, false);
    let mut found = Decoding::default();
    let side = |k: &str, found: &mut Decoding| -> Result<Option<Map<String, Value>>, String> {
        match p.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(row)) => Ok(Some(decode_row(row, cols.as_ref(), found))),
            Some(_) => Err(format!(
                "a Debezium change whose `{k}` is not a row (an object)"
            )),
        }
    };
    let after = side("after", &mut found)?;
    // `before`'s placeholders are not this change's unavailable columns.
    let before = side("before", &mut Decoding::default())?;

    let payload = match op {
        "c" | "u" | "r" => match &after {
            Some(a) => Value::Object(a.clone()),
            None => {
                return Err(format!(
                    "a Debezium `{op}` change without `after`: the row after the change is missing"
                ))
            }
        },
        "m" => p.get("message").cloned().unwrap_or(Value::Null),
        _ => Value::Null,
    };

    // The stream: the table's row, by the Kafka key or the row's key columns.
    let mut key_json = Value::Null;
    let (stream, stream_type) = match op {
        "t" => match &table {
            Some(t) => (t.clone(), Some(t.clone())),
            None => {
                return Err("a truncate that names no table (no `source.table`, no topic)".into())
            }
        },
        "m" => {
            let prefix = p
                .get("message")
                .and_then(|m| text(m.get("prefix")))
                .unwrap_or_default();
            (
                format!("message/{}", id_part(&json!(prefix))),
                Some("message".to_string()),
            )
        }
        _ => {
            let from_key = around.key.and_then(|k| key_of_record(k, opts));
            let key = match from_key {
                Some((id, k)) => {
                    key_json = k;
                    id
                }
                None => after
                    .as_ref()
                    .or(before.as_ref())
                    .and_then(|row| key_of_row(row, opts))
                    .ok_or_else(|| {
                        format!(
                            "a change of {} without a key: no Kafka key and no `id` column in `after` or `before`. Name the table's key column(s) in a mapping file (`[kafka]` `key_field = \"col1,col2\"`) and pass it with --map",
                            table.as_deref().unwrap_or("a table")
                        )
                    })?,
            };
            (stream_id(table.as_deref(), &key), table.clone())
        }
    };

    // Both axes: the commit in the source, the connector's processing.
    let commit = first_instant(source, SOURCE_TIMES);
    let processed = first_instant(p, ENVELOPE_TIMES);
    let record_time = around.record_time.and_then(Value::as_str);
    let (occurred, placed) = match (&commit, &processed, record_time) {
        (Some(c), _, _) => (Some(c.clone()), None),
        (None, Some(t), _) => (Some(t.clone()), Some("debezium_processing_time")),
        (None, None, Some(t)) => (Some(t.to_string()), Some("kafka_timestamp")),
        (None, None, None) => (None, None),
    };
    let recorded = processed
        .clone()
        .or_else(|| record_time.map(str::to_string));

    let transaction = p.get("transaction").cloned().unwrap_or(Value::Null);
    let correlation = transaction
        .get("id")
        .and_then(|t| text(Some(t)))
        .or_else(|| text(source.get("txId")))
        .or_else(|| text(source.get("gtid")));

    let mut dbz = Map::new();
    dbz.insert("op".into(), json!(op));
    dbz.insert("source".into(), Value::Object(source.clone()));
    if p.contains_key("before") {
        dbz.insert(
            "before".into(),
            before.map(Value::Object).unwrap_or(Value::Null),
        );
    }
    dbz.insert("transaction".into(), transaction);
    for (k, _) in ENVELOPE_TIMES {
        if let Some(v) = p.get(*k) {
            dbz.insert((*k).into(), v.clone());
        }
    }
    if !key_json.is_null() {
        dbz.insert("key".into(), key_json);
    }
    if let Some(t) = around.topic {
        dbz.insert("topic".into(), json!(t));
    }
    note_decoding(&mut dbz, found, schema.is_some());
    // Anything else the envelope carried (a newer version's fields) is kept too.
    for (k, v) in p {
        if !["before", "after", "source", "op", "transaction", "message"].contains(&k.as_str())
            && !dbz.contains_key(k)
        {
            dbz.insert(k.clone(), v.clone());
        }
    }
    let mut metadata = around.metadata.clone();
    metadata.insert("debezium".into(), Value::Object(dbz));

    Ok(json!({
        "event_id": around.event_id,
        "stream_id": stream,
        "stream_type": stream_type,
        "event_type": event_type,
        "occurred_at": occurred,
        "recorded_at": recorded,
        "correlation_id": correlation,
        "payload": payload,
        "metadata": metadata,
        "time_placed": placed,
    }))
}

/// What decoding found, said in the metadata.
fn note_decoding(dbz: &mut Map<String, Value>, found: Decoding, has_schema: bool) {
    if !found.unavailable.is_empty() {
        dbz.insert("unavailable".into(), json!(found.unavailable));
    }
    if has_schema {
        if !found.decoded.is_empty() {
            dbz.insert("decoded".into(), json!(found.decoded));
        }
        if !found.as_text.is_empty() {
            dbz.insert("decimals_as_text".into(), json!(found.as_text));
        }
        if !found.undecoded.is_empty() {
            dbz.insert("undecoded".into(), Value::Object(found.undecoded));
        }
    } else {
        dbz.insert(
            "schema_absent".into(),
            json!("the value came without its schema: Decimal columns stay base64 (their scale is only in the schema) and dates and times stay numbers, as the connector wrote them"),
        );
    }
}

/// A row flattened by ExtractNewRecordState: the row's columns, and the fields the transform
/// added (`__op`, `__deleted`, `__source_ts_ms`, `__table`, …).
fn unwrapped(
    p: &Map<String, Value>,
    schema: Option<&Value>,
    around: &Around,
    opts: &KafkaOptions,
) -> Result<Value, String> {
    let mut added = Map::new();
    let mut row = Map::new();
    for (k, v) in p {
        match k.strip_prefix("__") {
            Some(name) if !name.is_empty() => {
                added.insert(name.to_string(), v.clone());
            }
            _ => {
                row.insert(k.clone(), v.clone());
            }
        }
    }
    let op = text(added.get("op")).unwrap_or_default();
    let deleted = matches!(added.get("deleted"), Some(Value::Bool(true)))
        || added.get("deleted").and_then(Value::as_str) == Some("true")
        || op == "d";
    let event_type = match op.as_str() {
        _ if deleted => ROW_DELETED,
        "r" => ROW_SNAPSHOTTED,
        "c" => ROW_CREATED,
        "u" => ROW_UPDATED,
        other => {
            return Err(format!(
                "an unwrapped Debezium row with `__op` `{other}`, which is none of c, u, d, r"
            ))
        }
    };
    let table = text(added.get("table"))
        .or_else(|| text(added.get("source_table")))
        .or_else(|| around.topic.and_then(table_of_topic));
    let cols = columns(schema, true);
    let mut found = Decoding::default();
    let decoded = decode_row(&row, cols.as_ref(), &mut found);
    let key = match around.key.and_then(|k| key_of_record(k, opts)) {
        Some((id, _)) => id,
        None => key_of_row(&decoded, opts).ok_or_else(|| {
            "an unwrapped Debezium row without a key: no Kafka key and no `id` column. Name the table's key column(s) in a mapping file (`[kafka]` `key_field = \"col1,col2\"`) and pass it with --map".to_string()
        })?,
    };
    let source_times: Vec<(String, i128)> = SOURCE_TIMES
        .iter()
        .map(|(f, u)| (format!("source_{f}"), *u))
        .collect();
    let source_times: Vec<(&str, i128)> =
        source_times.iter().map(|(f, u)| (f.as_str(), *u)).collect();
    let commit = first_instant(&added, &source_times);
    let processed = first_instant(&added, ENVELOPE_TIMES);
    let record_time = around.record_time.and_then(Value::as_str);
    let (occurred, placed) = match (&commit, &processed, record_time) {
        (Some(c), _, _) => (Some(c.clone()), None),
        (None, Some(t), _) => (Some(t.clone()), Some("debezium_processing_time")),
        (None, None, Some(t)) => (Some(t.to_string()), Some("kafka_timestamp")),
        (None, None, None) => (None, None),
    };
    let recorded = processed.or_else(|| record_time.map(str::to_string));

    let mut dbz = Map::new();
    dbz.insert("op".into(), json!(op));
    dbz.insert("unwrapped".into(), Value::Object(added.clone()));
    if let Some(t) = around.topic {
        dbz.insert("topic".into(), json!(t));
    }
    if table.is_none() {
        dbz.insert(
            "table_unknown".into(),
            json!("the unwrapped row does not name its table (the transform adds it with add.fields=table): the stream is the key alone"),
        );
    }
    note_decoding(&mut dbz, found, schema.is_some());
    let mut metadata = around.metadata.clone();
    metadata.insert("debezium".into(), Value::Object(dbz));
    Ok(json!({
        "event_id": around.event_id,
        "stream_id": stream_id(table.as_deref(), &key),
        "stream_type": table,
        "event_type": event_type,
        "occurred_at": occurred,
        "recorded_at": recorded,
        "correlation_id": text(added.get("source_txId")).or_else(|| text(added.get("source_gtid"))),
        "payload": if deleted { Value::Null } else { Value::Object(decoded) },
        "metadata": metadata,
        "time_placed": placed,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> KafkaOptions {
        KafkaOptions::default()
    }

    fn pg(op: &str, before: Value, after: Value) -> Value {
        json!({"before": before, "after": after,
            "source": {"version": "2.7.3.Final", "connector": "postgresql", "name": "hiringdb",
                "ts_ms": 1712050800500i64, "snapshot": "false", "db": "hiring",
                "ts_us": 1712050800500211i64, "ts_ns": 1712050800500211000i64,
                "schema": "public", "table": "candidates", "txId": 783, "lsn": 24023984},
            "transaction": null, "op": op, "ts_ms": 1712050800707i64,
            "ts_us": 1712050800707015i64, "ts_ns": 1712050800707015120i64})
    }

    #[test]
    fn decimals_decode_with_their_scale_exactly() {
        assert_eq!(
            decimal("AJWJQA==", 2, Some(10)).unwrap(),
            (json!(98000.0), false)
        );
        assert_eq!(
            decimal("bd0y", 2, Some(10)).unwrap(),
            (json!(72000.5), false)
        );
        // Two's complement: BhqA = 400000 (4000.00), /bX3 = -150025 (-1500.25).
        assert_eq!(decimal("BhqA", 2, None).unwrap().0, json!(4000.0));
        assert_eq!(decimal("/bX3", 2, None).unwrap().0, json!(-1500.25));
        // More digits than a double holds: the exact text.
        let big = base64::engine::general_purpose::STANDARD
            .encode(12345678901234567890123u128.to_be_bytes());
        assert_eq!(
            decimal(&big, 4, Some(38)).unwrap(),
            (json!("1234567890123456789.0123"), true)
        );
        assert_eq!(decimal("AA==", 3, None).unwrap().0, json!(0.0));
        assert_eq!(with_scale("5", 3, true), "-0.005");
        assert_eq!(with_scale("12", -2, false), "1200");
        assert!(decimal("not base64!", 2, None).is_err());
        assert_eq!(decimal_digits(&[0x01, 0x00]), "256");
        // PostgreSQL `numeric` without a scale: the scale travels with the value.
        let variable = json!({"type": "struct", "name": "io.debezium.data.VariableScaleDecimal"});
        assert_eq!(
            decode(&json!({"scale": 2, "value": "bd0y"}), &variable).unwrap(),
            Some((json!(72000.5), false))
        );
    }

    #[test]
    fn logical_types_become_dates_and_times() {
        let col = |name: &str| json!({"type": "int64", "name": name});
        assert_eq!(
            decode(&json!(7441), &col("io.debezium.time.Date")).unwrap(),
            Some((json!("1990-05-17"), false))
        );
        assert_eq!(
            decode(
                &json!(1711964871238822i64),
                &col("io.debezium.time.MicroTimestamp")
            )
            .unwrap()
            .unwrap()
            .0,
            json!("2024-04-01T09:47:51.238822")
        );
        assert_eq!(
            decode(&json!(1549188930123i64), &col("io.debezium.time.Timestamp"))
                .unwrap()
                .unwrap()
                .0,
            json!("2019-02-03T10:15:30.123")
        );
        assert_eq!(
            decode(&json!(34200000000i64), &col("io.debezium.time.MicroTime"))
                .unwrap()
                .unwrap()
                .0,
            json!("09:30:00")
        );
        assert_eq!(
            decode(
                &json!(1700000000000i64),
                &col("org.apache.kafka.connect.data.Timestamp")
            )
            .unwrap()
            .unwrap()
            .0,
            json!("2023-11-14T22:13:20Z")
        );
        assert!(decode(&json!(86400000000i64), &col("io.debezium.time.MicroTime")).is_err());
        assert_eq!(
            decode(&json!("x"), &col("io.debezium.time.ZonedTimestamp")).unwrap(),
            None
        );
    }

    #[test]
    fn an_update_is_the_row_after_on_the_tables_row_stream_with_both_times() {
        let v = pg(
            "u",
            Value::Null,
            json!({"id": 1001, "status": "screened", "notes": UNAVAILABLE_VALUE}),
        );
        let d = change(&v, &Around::default(), &opts()).unwrap();
        assert_eq!(d["stream_id"], json!("candidates/1001"));
        assert_eq!(d["stream_type"], json!("candidates"));
        assert_eq!(d["event_type"], json!(ROW_UPDATED));
        assert_eq!(d["occurred_at"], json!("2024-04-02T09:40:00.500211Z"));
        assert_eq!(d["recorded_at"], json!("2024-04-02T09:40:00.707015120Z"));
        assert_eq!(d["correlation_id"], json!("783"));
        assert_eq!(d["payload"]["notes"], json!(UNAVAILABLE_VALUE));
        assert_eq!(d["metadata"]["debezium"]["unavailable"], json!(["notes"]));
        assert!(d["metadata"]["debezium"]["schema_absent"].is_string());
        assert!(d["metadata"]["debezium"]["before"].is_null());
        assert!(d["time_placed"].is_null());
    }

    #[test]
    fn the_kafka_key_names_the_row_and_several_columns_join_in_order() {
        let v = pg("c", Value::Null, json!({"id": 9, "line": 2}));
        let with_key = |key: &str| {
            let around = Around {
                key: Some(key),
                ..Around::default()
            };
            change(&v, &around, &opts()).unwrap()["stream_id"].clone()
        };
        assert_eq!(with_key("{\"id\":1001}"), json!("candidates/1001"));
        assert_eq!(
            with_key("{\"schema\":{\"type\":\"struct\"},\"payload\":{\"id\":\"a/b\"}}"),
            json!("candidates/a%2Fb")
        );
        assert_eq!(
            with_key("{\"order\":17,\"line\":3}"),
            json!("candidates/17/3")
        );
        // Without a key, the row's `id`; else the columns a mapping names; else refused.
        let d = change(&v, &Around::default(), &opts()).unwrap();
        assert_eq!(d["stream_id"], json!("candidates/9"));
        let named = KafkaOptions {
            key_field: Some("id, line".into()),
            ..KafkaOptions::default()
        };
        assert_eq!(
            change(&v, &Around::default(), &named).unwrap()["stream_id"],
            json!("candidates/9/2")
        );
        let keyless = pg("c", Value::Null, json!({"sku": "x"}));
        let why = change(&keyless, &Around::default(), &opts()).unwrap_err();
        assert!(why.contains("key_field"), "{why}");
    }

    #[test]
    fn deletes_truncates_and_bad_ops() {
        let d = change(
            &pg("d", json!({"id": 1002, "status": null}), Value::Null),
            &Around::default(),
            &opts(),
        )
        .unwrap();
        assert_eq!(
            (d["event_type"].clone(), d["stream_id"].clone()),
            (json!(ROW_DELETED), json!("candidates/1002"))
        );
        assert!(d["payload"].is_null());
        assert_eq!(d["metadata"]["debezium"]["before"]["id"], json!(1002));
        let t = change(
            &pg("t", Value::Null, Value::Null),
            &Around::default(),
            &opts(),
        )
        .unwrap();
        assert_eq!(
            (t["event_type"].clone(), t["stream_id"].clone()),
            (json!(TABLE_TRUNCATED), json!("candidates"))
        );
        assert!(change(
            &pg("x", Value::Null, Value::Null),
            &Around::default(),
            &opts()
        )
        .unwrap_err()
        .contains("op `x`"));
        assert!(change(
            &pg("u", Value::Null, Value::Null),
            &Around::default(),
            &opts()
        )
        .unwrap_err()
        .contains("without `after`"));
    }

    #[test]
    fn with_a_schema_values_are_decoded_and_without_one_kept() {
        let schema = json!({"type": "struct", "fields": [
            {"type": "struct", "field": "before", "fields": []},
            {"type": "struct", "field": "after", "fields": [
                {"type": "int32", "field": "id"},
                {"type": "bytes", "name": "org.apache.kafka.connect.data.Decimal",
                 "parameters": {"scale": "2", "connect.decimal.precision": "10"}, "field": "salary"},
                {"type": "int32", "name": "io.debezium.time.Date", "field": "born"},
                {"type": "bytes", "name": "org.apache.kafka.connect.data.Decimal",
                 "parameters": {"scale": "2"}, "field": "broken"}]}]});
        let after = json!({"id": 1, "salary": "AJWJQA==", "born": 9071, "broken": "%%"});
        let v = json!({"schema": schema, "payload": pg("c", Value::Null, after.clone())});
        let d = change(&v, &Around::default(), &opts()).unwrap();
        assert_eq!(d["payload"]["salary"], json!(98000.0));
        assert_eq!(d["payload"]["born"], json!("1994-11-02"));
        assert_eq!(d["payload"]["broken"], json!("%%"));
        assert!(d["metadata"]["debezium"]["undecoded"]["broken"].is_string());
        assert_eq!(
            d["metadata"]["debezium"]["decoded"],
            json!(["born", "salary"])
        );
        let raw = change(&pg("c", Value::Null, after), &Around::default(), &opts()).unwrap();
        assert_eq!(raw["payload"]["salary"], json!("AJWJQA=="));
    }

    #[test]
    fn old_versions_and_unwrapped_rows() {
        // 0.9: ts_usec in the source, ts_ms in the envelope.
        let v = json!({"before": null, "after": {"id": 7}, "op": "c", "ts_ms": 1549188930598i64,
            "source": {"version": "0.9.5.Final", "ts_usec": 1549188930125311i64, "table": "candidates", "snapshot": false}});
        let d = change(&v, &Around::default(), &opts()).unwrap();
        assert_eq!(d["occurred_at"], json!("2019-02-03T10:15:30.125311Z"));
        assert_eq!(d["recorded_at"], json!("2019-02-03T10:15:30.598Z"));
        assert_eq!(d["stream_id"], json!("candidates/7"));
        let row = json!({"id": 1002, "name": null, "__op": "d", "__source_ts_ms": 1712052000000i64, "__deleted": "true"});
        let d = change(&row, &Around::default(), &opts()).unwrap();
        assert_eq!(d["event_type"], json!(ROW_DELETED));
        assert_eq!(d["stream_id"], json!("1002"));
        assert!(d["payload"].is_null());
        assert_eq!(d["occurred_at"], json!("2024-04-02T10:00:00Z"));
        assert!(d["metadata"]["debezium"]["table_unknown"].is_string());
        let row = json!({"id": 5, "__op": "u", "__table": "t", "__deleted": "false", "__source_ts_ms": 1});
        let d = change(&row, &Around::default(), &opts()).unwrap();
        assert_eq!(
            (d["stream_id"].clone(), d["payload"].clone()),
            (json!("t/5"), json!({"id": 5}))
        );
    }

    #[test]
    fn detection_and_console_tombstones() {
        let keys = |k: &[&str]| {
            k.iter()
                .map(|s| s.to_string())
                .collect::<BTreeSet<String>>()
        };
        assert!(detect(&keys(&["before", "after", "source", "op", "ts_ms"])).is_some());
        assert!(detect(&keys(&[
            "schema",
            "payload",
            "payload.op",
            "payload.source",
            "payload.after"
        ]))
        .is_some());
        assert!(detect(&keys(&["id", "__op", "__deleted"])).is_some());
        assert!(detect(&keys(&["id", "__op"])).is_none());
        assert!(detect(&keys(&["op", "source"])).is_none());

        let mut d = Debezium::new(opts());
        let mut out = Vec::new();
        let delete = "CreateTime:1742029200450\t{\"id\":502}\t".to_string()
            + &json!({"before": {"id": 502}, "after": null, "op": "d", "ts_ms": 1742029200448i64,
                "source": {"ts_ms": 1742029200000i64, "table": "payouts", "connector": "mysql"}})
            .to_string();
        let tomb = "CreateTime:1742029200450\t{\"id\":502}\tnull";
        for line in [delete.as_str(), tomb] {
            let rec = d.text_record(line).unwrap();
            d.rows(&rec, line, &mut out);
        }
        let docs: Vec<&Value> = out
            .iter()
            .map(|r| match &r.outcome {
                super::super::Outcome::Doc(d) => d,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(docs[0]["event_type"], json!(ROW_DELETED));
        assert_eq!(docs[1]["event_type"], json!(TOMBSTONE));
        assert_eq!(docs[1]["stream_id"], json!("payouts/502"));
        assert_eq!(docs[1]["occurred_at"], json!("2025-03-15T09:00:00.450Z"));
        assert_eq!(docs[1]["time_placed"], json!("kafka_timestamp"));
    }
}
