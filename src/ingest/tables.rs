//! The tables of event stores, as a dump holds them: which tables hold events (Marten's
//! `mt_events`, Axon's `domain_event_entry` in its spellings, a table in the canonical envelope, a
//! table a mapping names), which hold stream types (Marten's `mt_streams`), and which are something
//! else (projections' progress, snapshots, tokens), and how one row of an event table becomes a
//! canonical document.
//!
//! Values are read by their declared column type: `jsonb` as JSON, `bytea`/blobs as bytes (then
//! JSON, XML or text), booleans from `t`/`f`, Postgres and MySQL times rewritten as RFC 3339 so
//! nothing downstream guesses at them. A stream type is the store's own (its stream table, Axon's
//! aggregate type) or cut from a readable id prefix (`order-77` → `order`), never from a UUID, a
//! number or a hash.

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::formats::{self, Outcome};
use super::mapping::Mapping;
use super::sqldump::{bytea_text, Column, SqlValue, Table};

/// Which event store wrote an event table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Store {
    Marten,
    Axon,
    /// Columns named as the canonical envelope (or its common synonyms).
    Canonical,
    /// A table the user's mapping names.
    Mapped,
}

/// What a table of a dump was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum TableRole {
    /// Its rows are events.
    Events,
    /// Its rows name the types of streams (Marten's `mt_streams`).
    Streams,
    /// Not events; its rows are counted and passed over.
    Skipped,
}

/// One table of a dump and what became of its rows: for event tables
/// rows_read = rows_loaded + rows_quarantined + duplicates.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct TableRead {
    pub table: String,
    pub role: TableRole,
    pub store: Option<Store>,
    pub rows_read: u64,
    pub rows_loaded: u64,
    pub rows_quarantined: u64,
    pub duplicates: u64,
    /// Why a table was skipped, or what a stream table gave.
    pub note: String,
}

/// How a table is read.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    Events(Store),
    Streams,
    Skipped(String),
}

/// A column name folded for comparison: lower case, without underscores (`aggregate_identifier`,
/// `aggregateIdentifier` and `aggregateidentifier` are one name).
fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

fn has_all(table: &Table, names: &[&str]) -> bool {
    names
        .iter()
        .all(|n| table.columns.iter().any(|c| fold(&c.name) == *n))
}

/// Decides what a table holds from its name and columns. `mapping` is the user's, when given.
pub fn classify(table: &Table, mapping: Option<&Mapping>) -> Reading {
    let name = table.bare_name();
    let folded = fold(&name);
    if let Some(m) = mapping {
        let named = m.tables.as_ref();
        let wanted = match named {
            Some(list) => list
                .iter()
                .any(|t| t.eq_ignore_ascii_case(&table.name) || t.eq_ignore_ascii_case(&name)),
            None => mapped_columns_present(table, m),
        };
        if wanted {
            return Reading::Events(Store::Mapped);
        }
        return Reading::Skipped(match named {
            Some(list) => format!("not a table the mapping names ({})", list.join(", ")),
            None => "the mapping's stream, type and time columns are not all in it".into(),
        });
    }
    if folded.contains("snapshot") {
        return Reading::Skipped("aggregate snapshots, not events".into());
    }
    if folded.contains("deadletter") {
        return Reading::Skipped(
            "events an event processor could not handle (copies of stored events), not events of their own".into(),
        );
    }
    if folded.starts_with("mtevents")
        && has_all(table, &["seqid", "streamid", "data", "type", "timestamp"])
    {
        return Reading::Events(Store::Marten);
    }
    if folded.starts_with("mtstreams") && has_all(table, &["id", "type"]) {
        return Reading::Streams;
    }
    if has_all(
        table,
        &[
            "aggregateidentifier",
            "sequencenumber",
            "payloadtype",
            "payload",
            "timestamp",
        ],
    ) {
        return Reading::Events(Store::Axon);
    }
    if folded == "tokenentry" || folded.ends_with("tokenentry") {
        return Reading::Skipped("an Axon event processor's tokens, not events".into());
    }
    if folded.starts_with("mteventprogression") {
        return Reading::Skipped("Marten's projection progress, not events".into());
    }
    let keys: std::collections::BTreeSet<String> =
        table.columns.iter().map(|c| c.name.clone()).collect();
    let m = super::detect::builtin_mapping(
        super::detect::Envelope::Canonical,
        super::detect::Container::Lines,
        &keys,
    );
    if ["stream_id", "event_type", "occurred_at"]
        .iter()
        .all(|f| !m.candidates(f).is_empty())
    {
        return Reading::Events(Store::Canonical);
    }
    let cols: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    Reading::Skipped(if cols.is_empty() {
        "its columns are unknown".into()
    } else {
        format!(
            "no stream, event type and time columns among {}",
            cols.join(", ")
        )
    })
}

fn mapped_columns_present(table: &Table, m: &Mapping) -> bool {
    ["stream_id", "event_type", "occurred_at"].iter().all(|f| {
        m.candidates(f).iter().any(|c| {
            c.top_key().is_none_or(|k| {
                table
                    .columns
                    .iter()
                    .any(|col| col.name.eq_ignore_ascii_case(&k))
            })
        })
    })
}

/// How values of a dump are to be read.
#[derive(Debug, Clone, Copy, Default)]
pub struct ValueContext {
    /// MySQL TIMESTAMP columns were dumped in UTC (`SET TIME_ZONE='+00:00'`).
    pub mysql_utc: bool,
}

/// How a column's values are read, from its declared type (decided once per table, not per row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Text,
    Json,
    Bool,
    Number,
    Binary,
    /// `timestamp with time zone`.
    TimeZoned,
    /// A `timestamp` without zone: UTC in a MySQL `--tz-utc` dump, naive in Postgres.
    TimePlain,
    /// MySQL `DATETIME`: as stored, no zone.
    DateTime,
}

impl ValueKind {
    pub fn of(sql_type: &str) -> ValueKind {
        let is = |k: &str| sql_type.contains(k);
        if is("bytea") || is("blob") || is("binary") {
            ValueKind::Binary
        } else if is("json") {
            ValueKind::Json
        } else if is("bool") {
            ValueKind::Bool
        } else if ((is("int") || is("serial")) && !is("interval") && !is("point"))
            || is("numeric")
            || is("decimal")
            || is("double")
            || is("real")
            || is("float")
        {
            ValueKind::Number
        } else if is("with time zone") || is("timestamptz") {
            ValueKind::TimeZoned
        } else if is("timestamp") {
            ValueKind::TimePlain
        } else if is("datetime") {
            ValueKind::DateTime
        } else {
            ValueKind::Text
        }
    }
}

/// The kinds of a table's columns, in order.
pub fn value_kinds(columns: &[Column]) -> Vec<ValueKind> {
    columns.iter().map(|c| ValueKind::of(&c.sql_type)).collect()
}

/// A row as a JSON object keyed by column name, each value read by its column's type. NULLs are
/// left out. Err names a column whose text is not UTF-8.
pub fn row_object(
    columns: &[Column],
    values: &[SqlValue],
    ctx: ValueContext,
) -> std::result::Result<Map<String, Value>, String> {
    row_object_of_kinds(columns, &value_kinds(columns), values, ctx)
}

/// [`row_object`] with the columns' kinds worked out already.
pub fn row_object_of_kinds(
    columns: &[Column],
    kinds: &[ValueKind],
    values: &[SqlValue],
    ctx: ValueContext,
) -> std::result::Result<Map<String, Value>, String> {
    if values.len() != columns.len() {
        return Err(format!(
            "row has {} values but the table has {} columns",
            values.len(),
            columns.len()
        ));
    }
    let mut out = Map::with_capacity(columns.len());
    for ((c, kind), v) in columns.iter().zip(kinds).zip(values) {
        if let Some(value) = typed(c, *kind, v, ctx)? {
            out.insert(c.name.clone(), value);
        }
    }
    Ok(out)
}

fn typed(
    c: &Column,
    kind: ValueKind,
    v: &SqlValue,
    ctx: ValueContext,
) -> std::result::Result<Option<Value>, String> {
    Ok(Some(match v {
        SqlValue::Null => return Ok(None),
        SqlValue::Bool(b) => Value::Bool(*b),
        SqlValue::Number(n) => number(n).unwrap_or_else(|| Value::String(n.clone())),
        SqlValue::Bytes(b) => bytes_value(b),
        SqlValue::Expr(e) => Value::String(e.clone()),
        SqlValue::Text(bytes) if kind == ValueKind::Binary => match bytea_text(bytes) {
            Some(decoded) => bytes_value(&decoded),
            None => bytes_value(bytes),
        },
        SqlValue::Text(bytes) => {
            let s = std::str::from_utf8(bytes)
                .map_err(|_| format!("column `{}` is not valid UTF-8 text", c.name))?;
            match kind {
                ValueKind::Json => {
                    serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.to_string()))
                }
                ValueKind::Bool => match s {
                    "t" | "true" | "1" | "TRUE" => Value::Bool(true),
                    "f" | "false" | "0" | "FALSE" => Value::Bool(false),
                    _ => Value::String(s.to_string()),
                },
                ValueKind::Number => number(s).unwrap_or_else(|| Value::String(s.to_string())),
                ValueKind::TimeZoned => Value::String(time_text(s, true)),
                // MySQL's TIMESTAMP is UTC in a --tz-utc dump; DATETIME has no zone.
                ValueKind::TimePlain => Value::String(time_text(s, ctx.mysql_utc)),
                ValueKind::DateTime => Value::String(time_text(s, false)),
                ValueKind::Text | ValueKind::Binary => Value::String(s.to_string()),
            }
        }
    }))
}

fn number(s: &str) -> Option<Value> {
    if let Ok(i) = s.parse::<i64>() {
        return Some(Value::from(i));
    }
    let f: f64 = s.parse().ok()?;
    serde_json::Number::from_f64(f).map(Value::Number)
}

/// Bytes as a value: UTF-8 text as a string, anything else as base64 (said where it is used).
fn bytes_value(b: &[u8]) -> Value {
    formats::bytes_payload(b, false).0
}

/// A Postgres or MySQL time as RFC 3339: `2019-09-21 11:16:47.606273+00` →
/// `2019-09-21T11:16:47.606273+00:00`. A time without an offset stays without one (it is read as
/// UTC and flagged), unless `utc` says the dump wrote it in UTC. Anything else (`infinity`, a zero
/// date) is kept as written, to be refused with its text.
pub fn time_text(s: &str, utc: bool) -> String {
    let s = s.trim();
    let b = s.as_bytes();
    let date_time = b.len() >= 19
        && b[..19].is_ascii()
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b' ' || b[10] == b'T')
        && b[13] == b':'
        && b[..4].iter().all(u8::is_ascii_digit);
    if !date_time || s.starts_with("0000-00-00") {
        return s.to_string();
    }
    let mut out = format!("{}T{}", &s[..10], &s[11..]);
    // The offset: `+00`, `-05`, `+05:30`, `+0530` or none.
    let tail_at = out[19..].find(['+', '-', 'Z', 'z']).map(|i| i + 19);
    match tail_at {
        Some(i) if out[i..].eq_ignore_ascii_case("z") => {}
        Some(i) => {
            let offset = out[i + 1..].to_string();
            let digits: String = offset.chars().filter(char::is_ascii_digit).collect();
            let fixed = match digits.len() {
                2 => format!("{digits}:00"),
                4 => format!("{}:{}", &digits[..2], &digits[2..]),
                6 => format!("{}:{}:{}", &digits[..2], &digits[2..4], &digits[4..]),
                _ => offset,
            };
            out.truncate(i + 1);
            out.push_str(&fixed);
        }
        None if utc => out.push('Z'),
        None => {}
    }
    out
}

/// A stream type cut from a stream id's readable prefix (`order-77` → `order`,
/// `Candidate:42` → `Candidate`); none for a UUID, a number, a hash or an id without a prefix.
pub fn derived_stream_type(id: &str) -> Option<String> {
    if is_uuid(id) {
        return None;
    }
    let cut = id.find(['-', ':', '/', '_', '.', '#'])?;
    let prefix = &id[..cut];
    let mut chars = prefix.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        || !prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return None;
    }
    // A prefix of hex digits with a digit in it is part of a hash or UUID (`fac98944`).
    if prefix.chars().all(|c| c.is_ascii_hexdigit()) && prefix.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(prefix.to_string())
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The same rule as SQL over a text column `id`, for rows DuckDB maps itself.
pub fn derived_stream_type_sql(id: &str) -> String {
    let prefix = format!("regexp_extract({id}, '^([A-Za-z][A-Za-z0-9]*?)[-:/_.#]', 1)");
    format!(
        "CASE WHEN regexp_matches({id}, '^[0-9a-fA-F]{{8}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{12}}$') THEN NULL \
         WHEN {prefix} = '' THEN NULL \
         WHEN regexp_matches({prefix}, '^[0-9a-fA-F]*[0-9][0-9a-fA-F]*$') THEN NULL \
         ELSE {prefix} END"
    )
}

/// True when `name` folds (see [`fold`]) to `folded`, compared without allocating: this runs
/// for every column of every row.
fn folds_to(name: &str, folded: &str) -> bool {
    let mut want = folded.bytes();
    for b in name.bytes().filter(|b| *b != b'_') {
        if want.next() != Some(b.to_ascii_lowercase()) {
            return false;
        }
    }
    want.next().is_none()
}

fn get<'a>(o: &'a Map<String, Value>, folded: &str) -> Option<&'a Value> {
    o.iter()
        .find(|(k, v)| folds_to(k, folded) && !v.is_null())
        .map(|(_, v)| v)
}

fn text_of(o: &Map<String, Value>, folded: &str) -> Option<String> {
    formats::text(get(o, folded))
}

/// JSON held as text (a column typed text that holds JSON) parsed; other values as they are.
fn embedded_json(v: &Value) -> Value {
    match v {
        Value::String(s) if s.starts_with('{') || s.starts_with('[') => {
            serde_json::from_str(s).unwrap_or_else(|_| v.clone())
        }
        other => other.clone(),
    }
}

/// Marten's default tenant: streams of a single-tenant store carry it.
const MARTEN_DEFAULT_TENANT: &str = "*DEFAULT*";

/// The stream id of a Marten row: a conjoined-tenancy store keys streams by (tenant, id), so the
/// tenant comes first unless it is the default one.
pub fn marten_stream_key(tenant: Option<&str>, id: &str) -> String {
    match tenant.filter(|t| !t.is_empty() && *t != MARTEN_DEFAULT_TENANT) {
        Some(t) => format!("{t}/{id}"),
        None => id.to_string(),
    }
}

/// Stream types read from a stream table (Marten's `mt_streams`) that was not in the same file:
/// a stream's key (see [`marten_stream_key`]) and its type, None for a stream without one.
pub type StreamTypes = std::collections::HashMap<String, Option<String>>;

/// True for the keys of Marten's stream table (`mt_streams`) exported on its own.
pub fn is_marten_stream_table(keys: &std::collections::BTreeSet<String>) -> bool {
    let has = |k: &str| keys.iter().any(|x| fold(x) == k);
    has("id")
        && has("type")
        && (has("snapshot") || has("snapshotversion") || has("created"))
        && !has("streamid")
        && !has("seqid")
}

/// A row of Marten's `mt_events` as a canonical document; `types` are the stream types of a
/// stream table read beside it.
pub fn marten_doc(o: &Map<String, Value>, types: Option<&StreamTypes>) -> Outcome {
    let mut doc = Map::new();
    let mut meta = Map::new();
    let bare = text_of(o, "streamid");
    let tenant = text_of(o, "tenantid");
    if let Some(id) = &bare {
        let key = marten_stream_key(tenant.as_deref(), id);
        let typed = match types.and_then(|t| t.get(&key)) {
            Some(given) => given.clone(),
            None => derived_stream_type(id),
        };
        doc.insert("stream_id".into(), json!(key));
        if let Some(t) = typed {
            doc.insert("stream_type".into(), json!(t));
        }
    }
    let headers = get(o, "headers").map(embedded_json);
    let header = |k: &str| {
        headers
            .as_ref()
            .and_then(|h| h.get(k))
            .and_then(|v| formats::text(Some(v)))
    };
    let put = |doc: &mut Map<String, Value>, field: &str, v: Option<String>| {
        if let Some(v) = v {
            doc.insert(field.into(), json!(v));
        }
    };
    put(&mut doc, "event_id", text_of(o, "id"));
    put(&mut doc, "event_type", text_of(o, "type"));
    put(
        &mut doc,
        "occurred_at",
        text_of(o, "timestamp").map(|t| time_text(&t, false)),
    );
    put(&mut doc, "correlation_id", text_of(o, "correlationid"));
    put(&mut doc, "causation_id", text_of(o, "causationid"));
    put(
        &mut doc,
        "actor",
        header("actor")
            .or_else(|| header("user"))
            .or_else(|| text_of(o, "username")),
    );
    put(&mut doc, "reason", header("reason"));
    for (field, col) in [("stream_version", "version"), ("position", "seqid")] {
        if let Some(v) = get(o, col) {
            doc.insert(field.into(), v.clone());
        }
    }
    if let Some(d) = get(o, "data") {
        doc.insert("payload".into(), embedded_json(d));
    }
    match headers {
        Some(Value::Object(h)) => meta.extend(h),
        Some(other) => {
            meta.insert("headers".into(), other);
        }
        None => {}
    }
    let used = [
        "seqid",
        "id",
        "streamid",
        "version",
        "data",
        "type",
        "timestamp",
        "correlationid",
        "causationid",
        "headers",
    ];
    for (k, v) in o {
        if used.iter().any(|u| folds_to(k, u)) {
            continue;
        }
        // Flags as Postgres prints them in a CSV copy (`t`/`f`) are booleans.
        let flag_column = folds_to(k, "isskipped") || folds_to(k, "isarchived");
        let flag = match (flag_column, v.as_str()) {
            (true, Some("t" | "true" | "1")) => Value::Bool(true),
            (true, Some("f" | "false" | "0")) => Value::Bool(false),
            _ => v.clone(),
        };
        meta.insert(k.clone(), flag);
    }
    doc.insert("metadata".into(), Value::Object(meta));
    Outcome::Doc(Value::Object(doc))
}

/// A row of Marten's `mt_streams`: the stream's key (as in [`marten_stream_key`]) and its type.
pub fn marten_stream(o: &Map<String, Value>) -> Option<(String, Option<String>)> {
    let id = text_of(o, "id")?;
    let tenant = text_of(o, "tenantid");
    Some((
        marten_stream_key(tenant.as_deref(), &id),
        text_of(o, "type"),
    ))
}

/// Where a large object's bytes are, when the dump holds them.
pub trait LargeObjects {
    fn get(&self, oid: &str) -> Option<Vec<u8>>;
}

impl LargeObjects for std::collections::HashMap<String, Vec<u8>> {
    fn get(&self, oid: &str) -> Option<Vec<u8>> {
        std::collections::HashMap::get(self, oid).cloned()
    }
}

/// A payload or meta-data cell of an Axon row: XStream XML, Jackson JSON or text.
fn axon_cell(
    value: &Value,
    column: &Column,
    large_objects: &dyn LargeObjects,
    meta: bool,
) -> std::result::Result<(Value, Option<String>), String> {
    let text = match value {
        // A large-object reference (Axon on Postgres with JPA stores `@Lob byte[]` as `oid`).
        Value::Number(_) | Value::String(_) if column.sql_type.trim_start().starts_with("oid") => {
            let oid = formats::text(Some(value)).unwrap_or_default();
            match large_objects.get(&oid) {
                Some(bytes) => match bytes_value(&bytes) {
                    Value::String(s) => s,
                    other => return Ok((other, None)),
                },
                None => {
                    return Err(format!(
                        "{} is large object {oid}, which this dump does not contain (a dump of single tables, pg_dump -t, leaves large objects out); dump the whole database with pg_dump, or export the column with convert_from(lo_get({}), 'UTF8')",
                        if meta { "the meta-data" } else { "the payload" },
                        column.name
                    ))
                }
            }
        }
        // `bytea` as Postgres prints it (a CSV copy of the table).
        Value::String(s) if s.starts_with("\\x") => match bytea_text(s.as_bytes()) {
            Some(bytes) => match bytes_value(&bytes) {
                Value::String(s) => s,
                other => return Ok((other, None)),
            },
            None => s.clone(),
        },
        Value::String(s) => s.clone(),
        other => return Ok((other.clone(), None)),
    };
    if super::formats::xstream::looks_like_xml(&text) {
        // The converter's errors name the part (payload, meta-data) and the byte.
        let json = if meta {
            super::formats::xstream::metadata_to_json(&text).map(Value::Object)
        } else {
            super::formats::xstream::payload_to_json(&text)
        }?;
        return Ok((json, Some(text)));
    }
    Ok((embedded_json(&Value::String(text)), None))
}

/// A row of Axon's `domain_event_entry` (any spelling: JPA `domain_event_entry`, JDBC
/// `domainevententry`, Axon 2 without `global_index`) as a canonical document.
pub fn axon_doc(
    columns: &[Column],
    o: &Map<String, Value>,
    large_objects: &dyn LargeObjects,
) -> Outcome {
    let column = |folded: &str| {
        columns
            .iter()
            .find(|c| fold(&c.name) == folded)
            .cloned()
            .unwrap_or(Column {
                name: folded.to_string(),
                sql_type: String::new(),
            })
    };
    let mut doc = Map::new();
    let mut meta = Map::new();
    let stream = text_of(o, "aggregateidentifier");
    let put = |doc: &mut Map<String, Value>, field: &str, v: Option<String>| {
        if let Some(v) = v {
            doc.insert(field.into(), json!(v));
        }
    };
    put(&mut doc, "event_id", text_of(o, "eventidentifier"));
    put(&mut doc, "stream_id", stream);
    // The aggregate type is the stream type; an event applied outside an aggregate has none.
    put(&mut doc, "stream_type", text_of(o, "type"));
    put(
        &mut doc,
        "occurred_at",
        text_of(o, "timestamp").map(|t| time_text(&t, false)),
    );
    let payload_type = text_of(o, "payloadtype");
    put(
        &mut doc,
        "event_type",
        payload_type
            .as_deref()
            .map(|t| t.rsplit(['.', '$']).next().unwrap_or(t).to_string()),
    );
    for (field, col) in [
        ("stream_version", "sequencenumber"),
        ("position", "globalindex"),
    ] {
        if let Some(v) = get(o, col) {
            doc.insert(field.into(), v.clone());
        }
    }
    if let Some(t) = &payload_type {
        meta.insert("payload_type".into(), json!(t));
    }
    if let Some(r) = text_of(o, "payloadrevision") {
        match r.parse::<i64>() {
            Ok(n) => {
                doc.insert("schema_version".into(), json!(n));
            }
            Err(_) => {
                meta.insert("payload_revision".into(), json!(r));
            }
        }
    }
    if let Some(p) = get(o, "payload") {
        match axon_cell(p, &column("payload"), large_objects, false) {
            Ok((json, xml)) => {
                doc.insert("payload".into(), json);
                if let Some(x) = xml {
                    meta.insert("payload_xml".into(), json!(x));
                }
            }
            Err(why) => return Outcome::Refused(why),
        }
    }
    if let Some(m) = get(o, "metadata") {
        match axon_cell(m, &column("metadata"), large_objects, true) {
            Ok((Value::Object(map), xml)) => {
                for (k, field) in [
                    ("correlationId", "correlation_id"),
                    ("traceId", "correlation_id"),
                    ("causationId", "causation_id"),
                    ("actor", "actor"),
                    ("username", "actor"),
                ] {
                    if !doc.contains_key(field) {
                        put(&mut doc, field, formats::text(map.get(k)));
                    }
                }
                meta.extend(map);
                if let Some(x) = xml {
                    meta.insert("meta_data_xml".into(), json!(x));
                }
            }
            Ok((other, _)) => {
                meta.insert("meta_data".into(), other);
            }
            Err(why) => return Outcome::Refused(why),
        }
    }
    doc.insert("metadata".into(), Value::Object(meta));
    Outcome::Doc(Value::Object(doc))
}

/// A row of a table in the canonical envelope (or its synonyms) as a canonical document: each
/// field from its first column present, the other columns in metadata.
pub fn canonical_doc(o: &Map<String, Value>) -> Outcome {
    let keys: std::collections::BTreeSet<String> = o.keys().cloned().collect();
    let m = super::detect::builtin_mapping(
        super::detect::Envelope::Canonical,
        super::detect::Container::Lines,
        &keys,
    );
    let mut doc = Map::new();
    let mut used = std::collections::BTreeSet::new();
    for field in super::mapping::FIELDS {
        for c in m.candidates(field) {
            let mut parts = c.path.split('.');
            let Some(top) = parts.next() else { continue };
            let mut v = o.get(top).map(embedded_json);
            for p in parts {
                v = v.and_then(|x| x.get(p).cloned());
            }
            if let Some(v) = v.filter(|v| !v.is_null()) {
                if c.path == top {
                    used.insert(top.to_string());
                }
                doc.insert(field.to_string(), v);
                break;
            }
        }
    }
    // As for the same table read as CSV: a readable id prefix, never a UUID, number or hash.
    if !doc.contains_key("stream_type") {
        if let Some(t) = doc
            .get("stream_id")
            .and_then(|v| formats::text(Some(v)))
            .and_then(|id| derived_stream_type(&id))
        {
            doc.insert("stream_type".into(), json!(t));
        }
    }
    let mut meta = match doc.remove("metadata") {
        Some(Value::Object(m)) => m,
        Some(other) => Map::from_iter([("metadata".to_string(), other)]),
        None => Map::new(),
    };
    for (k, v) in o {
        if !used.contains(k) && !meta.contains_key(k) {
            meta.insert(k.clone(), v.clone());
        }
    }
    doc.insert("metadata".into(), Value::Object(meta));
    Outcome::Doc(Value::Object(doc))
}

/// Marten `mt_events` rows exported as CSV or JSON, rebuilt like a dump's; `types` come from a
/// stream table exported beside them (a folder holding both).
pub struct MartenRows {
    pub types: Option<std::rc::Rc<StreamTypes>>,
}

impl formats::Rebuild for MartenRows {
    fn rows(&mut self, record: &Value, _raw: &str, out: &mut Vec<formats::Row>) {
        out.push(match record.as_object() {
            Some(o) => formats::Row {
                raw: None,
                outcome: marten_doc(o, self.types.as_deref()),
            },
            None => formats::Row::refused("not a JSON object"),
        });
    }
}

/// Axon `domain_event_entry` rows exported as CSV or JSON (XStream XML or Jackson JSON cells,
/// `bytea` hex), rebuilt like a dump's.
pub struct AxonRows;

impl formats::Rebuild for AxonRows {
    fn rows(&mut self, record: &Value, _raw: &str, out: &mut Vec<formats::Row>) {
        let no_objects: std::collections::HashMap<String, Vec<u8>> = Default::default();
        out.push(match record.as_object() {
            Some(o) => {
                let columns: Vec<Column> = o
                    .keys()
                    .map(|k| Column {
                        name: k.clone(),
                        sql_type: String::new(),
                    })
                    .collect();
                formats::Row {
                    raw: None,
                    outcome: axon_doc(&columns, o, &no_objects),
                }
            }
            None => formats::Row::refused("not a JSON object"),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_fold_without_case_or_underscores() {
        for name in [
            "aggregate_identifier",
            "aggregateIdentifier",
            "AGGREGATEIDENTIFIER",
        ] {
            assert!(folds_to(name, "aggregateidentifier"), "{name}");
            assert_eq!(fold(name), "aggregateidentifier");
        }
        assert!(!folds_to("aggregate_id", "aggregateidentifier"));
        assert!(!folds_to("aggregate_identifiers", "aggregateidentifier"));
    }

    #[test]
    fn postgres_and_mysql_times_become_rfc3339() {
        assert_eq!(
            time_text("2019-09-21 13:16:47.606273+02", false),
            "2019-09-21T13:16:47.606273+02:00"
        );
        assert_eq!(
            time_text("2024-06-01 15:30:00+05:30", false),
            "2024-06-01T15:30:00+05:30"
        );
        assert_eq!(
            time_text("2024-04-01 10:02:00+00", false),
            "2024-04-01T10:02:00+00:00"
        );
        assert_eq!(
            time_text("2024-04-01T09:47:51.238Z", false),
            "2024-04-01T09:47:51.238Z"
        );
        assert_eq!(
            time_text("2015-02-03T10:15:30.123+01:00", false),
            "2015-02-03T10:15:30.123+01:00"
        );
        assert_eq!(
            time_text("2025-03-14 09:00:00.000000", false),
            "2025-03-14T09:00:00.000000"
        );
        assert_eq!(
            time_text("2025-03-14 09:00:03.482", true),
            "2025-03-14T09:00:03.482Z"
        );
        assert_eq!(time_text("infinity", false), "infinity");
        // A character of several bytes where the seconds end is no time (and no panic).
        assert_eq!(
            time_text("2024-01-01 10:00:0é", false),
            "2024-01-01 10:00:0é"
        );
        assert_eq!(
            time_text("0000-00-00 00:00:00.000000", true),
            "0000-00-00 00:00:00.000000"
        );
    }

    #[test]
    fn stream_types_are_never_cut_from_uuids_numbers_or_hashes() {
        assert_eq!(derived_stream_type("order-77").as_deref(), Some("order"));
        assert_eq!(
            derived_stream_type("Candidate:42").as_deref(),
            Some("Candidate")
        );
        assert_eq!(
            derived_stream_type("fac98944-5b1d-4c6e-8f7a-0b9c8d7e6f5a"),
            None
        );
        assert_eq!(
            derived_stream_type("deadbeef-dead-beef-dead-beefdeadbeef"),
            None
        );
        assert_eq!(derived_stream_type("3f2b8c1e-x"), None);
        assert_eq!(derived_stream_type("12345"), None);
        assert_eq!(derived_stream_type("9f86d081884c7d65"), None);
        assert_eq!(derived_stream_type("loan"), None);
    }

    fn col(name: &str, t: &str) -> Column {
        Column {
            name: name.into(),
            sql_type: t.into(),
        }
    }

    #[test]
    fn values_are_read_by_their_column_type() {
        let cols = [
            col("data", "jsonb not null"),
            col("is_archived", "boolean default false"),
            col("sig", "bytea"),
            col("ts", "timestamp with time zone"),
            col("n", "bigint"),
            col("gone", "text"),
        ];
        let vals = [
            SqlValue::Text(br#"{"a": 1}"#.to_vec()),
            SqlValue::Text(b"t".to_vec()),
            SqlValue::Text(b"\\x6869".to_vec()),
            SqlValue::Text(b"2024-04-01 09:48:03.5+00".to_vec()),
            SqlValue::Text(b"10".to_vec()),
            SqlValue::Null,
        ];
        let o = row_object(&cols, &vals, ValueContext::default()).unwrap();
        assert_eq!(
            Value::Object(o),
            json!({"data": {"a": 1}, "is_archived": true, "sig": "hi",
                   "ts": "2024-04-01T09:48:03.5+00:00", "n": 10})
        );
    }

    #[test]
    fn marten_tenants_key_streams_and_headers_become_metadata() {
        let o = json!({"seq_id": 6, "id": "e6", "stream_id": "cand-0042", "version": 2,
            "data": {"x": 1}, "type": "candidate_screened", "timestamp": "2025-02-11T09:00:04.9+00:00",
            "tenant_id": "acme-eu", "headers": {"actor": "ai/screener"}, "is_skipped": true});
        let Outcome::Doc(d) = marten_doc(o.as_object().unwrap(), None) else {
            panic!()
        };
        assert_eq!(d["stream_id"], json!("acme-eu/cand-0042"));
        assert_eq!(d["stream_type"], json!("cand"));
        assert_eq!(d["actor"], json!("ai/screener"));
        assert_eq!(d["position"], json!(6));
        assert_eq!(d["metadata"]["is_skipped"], json!(true));
        assert_eq!(d["metadata"]["tenant_id"], json!("acme-eu"));
    }
}
