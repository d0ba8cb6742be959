//! Framing: cutting a source into rows, each with its 1-based row number (the line for JSON lines
//! and CSV, the element for a JSON array, the row for Parquet, the span for OTLP) and its raw text,
//! staged into DuckDB through the Arrow appender. Rows are not interpreted here: DuckDB does the
//! mapping (see mapping.rs). Two envelopes are rebuilt as canonical documents while framed because
//! their events are not one flat object each: kcat (headers as a flat list, payload as a string)
//! and OTLP (spans nested in resources and scopes, attributes as typed key/value lists).

use std::sync::Arc;

use duckdb::arrow::array::{ArrayRef, Int64Builder, StringBuilder};
use duckdb::arrow::datatypes::{DataType, Field, Schema};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::Connection;
use serde_json::{json, Map, Value};

use super::detect::Envelope;
use super::source::Source;
use crate::error::{Error, Result};

const BATCH_ROWS: usize = 32_768;
const BATCH_BYTES: usize = 32 << 20;

/// The longest row read whole. A longer line (or CSV record) is quarantined with its size and its
/// first bytes, so one endless line (a crafted file, a file that expands 1000x) cannot exhaust memory.
pub const MAX_ROW_BYTES: usize = 64 << 20;
/// The largest JSON document (not JSON lines) read whole: it is parsed in memory.
pub const MAX_DOCUMENT_BYTES: usize = 512 << 20;
/// How much of a row over the limit is kept in quarantine, for a person to see what it was.
const OVERSIZE_KEPT: usize = 4096;

/// Reads one line (without its end of line) into `buf`, keeping at most `cap` bytes of it. Returns
/// the line's whole length in bytes and whether anything was read at all.
fn read_line_capped(
    reader: &mut dyn std::io::BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<(usize, bool)> {
    let mut length = 0;
    let mut any = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((length, any));
        }
        any = true;
        let (piece, used, ended) = match memchr::memchr(b'\n', available) {
            Some(i) => (&available[..i], i + 1, true),
            None => (available, available.len(), false),
        };
        let room = cap.saturating_sub(buf.len());
        buf.extend_from_slice(&piece[..piece.len().min(room)]);
        length += piece.len();
        reader.consume(used);
        if ended {
            return Ok((length, true));
        }
    }
}

/// The quarantine reason of a row over [`MAX_ROW_BYTES`].
pub fn oversize_reason(length: usize) -> String {
    format!(
        "row is {:.1} MB long, over the {} MB limit for one event; its first {} bytes are kept here",
        length as f64 / (1u64 << 20) as f64,
        MAX_ROW_BYTES >> 20,
        OVERSIZE_KEPT
    )
}

/// The first bytes of an oversize row, cut at a character boundary.
pub fn oversize_kept(raw: &[u8]) -> String {
    let cut = &raw[..raw.len().min(OVERSIZE_KEPT)];
    String::from_utf8_lossy(cut).into_owned()
}

/// Creates the staging table on `conn`: a temporary table, never written to the case file.
pub fn create_stage(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        r#"CREATE OR REPLACE TEMP TABLE stage ("row" BIGINT, raw VARCHAR, doc VARCHAR, pre_reason VARCHAR);"#,
    )?;
    Ok(())
}

/// Buffers rows into Arrow batches and appends them to `stage`.
pub struct Stager<'c> {
    conn: &'c Connection,
    schema: Arc<Schema>,
    row: Int64Builder,
    raw: StringBuilder,
    doc: StringBuilder,
    pre: StringBuilder,
    pending: usize,
    pending_bytes: usize,
    pub rows: u64,
    pub blank_lines: u64,
}

impl<'c> Stager<'c> {
    pub fn new(conn: &'c Connection) -> Self {
        let schema = Arc::new(Schema::new(vec![
            Field::new("row", DataType::Int64, false),
            Field::new("raw", DataType::Utf8, false),
            Field::new("doc", DataType::Utf8, true),
            Field::new("pre_reason", DataType::Utf8, true),
        ]));
        Stager {
            conn,
            schema,
            row: Int64Builder::with_capacity(BATCH_ROWS),
            raw: StringBuilder::with_capacity(BATCH_ROWS, BATCH_BYTES),
            doc: StringBuilder::new(),
            pre: StringBuilder::new(),
            pending: 0,
            pending_bytes: 0,
            rows: 0,
            blank_lines: 0,
        }
    }

    pub fn push(
        &mut self,
        row: i64,
        raw: &str,
        doc: Option<&str>,
        pre_reason: Option<&str>,
    ) -> Result<()> {
        self.row.append_value(row);
        self.raw.append_value(raw);
        self.doc.append_option(doc);
        self.pre.append_option(pre_reason);
        self.pending += 1;
        self.rows += 1;
        self.pending_bytes += raw.len() + doc.map_or(0, str::len);
        if self.pending >= BATCH_ROWS || self.pending_bytes >= BATCH_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> Result<()> {
        if self.pending == 0 {
            return Ok(());
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.row.finish()),
            Arc::new(self.raw.finish()),
            Arc::new(self.doc.finish()),
            Arc::new(self.pre.finish()),
        ];
        let batch =
            RecordBatch::try_new(self.schema.clone(), columns).map_err(|e| Error::Query {
                cause: format!("staging batch: {e}"),
            })?;
        let mut app = self
            .conn
            .appender_to_catalog_and_db("stage", "temp", "main")?;
        app.append_record_batch(batch)?;
        app.flush()?;
        self.pending = 0;
        self.pending_bytes = 0;
        Ok(())
    }
}

/// Stages one JSON value per line. `rebuild` turns a parsed line into rows for kcat and OTLP.
pub fn frame_lines(
    src: &mut Source,
    stager: &mut Stager,
    envelope: Envelope,
    tick: &dyn Fn(u64) -> bool,
) -> Result<()> {
    let mut buf = Vec::with_capacity(1 << 16);
    let mut line_no: i64 = 0;
    let mut span_row: i64 = 0;
    loop {
        buf.clear();
        // One byte over the limit tells a line at the limit from a longer one.
        let (length, any) = read_line_capped(src.reader(), &mut buf, MAX_ROW_BYTES + 1)
            .map_err(|e| src.read_error(e))?;
        if !any {
            break;
        }
        line_no += 1;
        if line_no % 65_536 == 0 && !tick(stager.rows) {
            return Err(Error::Cancelled {
                path: src.path.clone(),
            });
        }
        // A line refused whole is one row: numbered as a line, or (OTLP) as the next span.
        let mut refused_row = || {
            if envelope == Envelope::Otlp {
                span_row += 1;
                span_row
            } else {
                line_no
            }
        };
        if length > MAX_ROW_BYTES {
            let row = refused_row();
            stager.push(
                row,
                &oversize_kept(&buf),
                None,
                Some(&oversize_reason(length)),
            )?;
            continue;
        }
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        // Only a line that starts blank can be all blank: skip the full scan for the rest.
        if buf.first().is_none_or(u8::is_ascii_whitespace)
            && buf.iter().all(u8::is_ascii_whitespace)
        {
            stager.blank_lines += 1;
            continue;
        }
        let text = match std::str::from_utf8(&buf) {
            Ok(t) => t,
            Err(e) => {
                let raw = String::from_utf8_lossy(&buf);
                let why = format!(
                    "not valid UTF-8 text (bad byte at column {})",
                    e.valid_up_to() + 1
                );
                let row = refused_row();
                stager.push(row, &raw, None, Some(&why))?;
                continue;
            }
        };
        match envelope {
            Envelope::Kcat => match serde_json::from_str::<Value>(text) {
                Ok(v) => {
                    let doc = kcat_document(&v).to_string();
                    stager.push(line_no, text, Some(&doc), None)?;
                }
                Err(_) => stager.push(line_no, text, None, None)?,
            },
            Envelope::Otlp => match serde_json::from_str::<Value>(text) {
                Ok(v) => {
                    for (raw, doc) in otlp_spans(&v) {
                        span_row += 1;
                        stager.push(span_row, &raw, Some(&doc), None)?;
                    }
                }
                Err(_) => {
                    span_row += 1;
                    stager.push(span_row, text, None, None)?;
                }
            },
            _ => stager.push(line_no, text, None, None)?,
        }
    }
    Ok(())
}

/// The error for a JSON document that does not parse: the whole file is refused.
pub fn not_json(path: &std::path::Path, e: serde_json::Error) -> Error {
    Error::SourceFormat {
        path: path.to_path_buf(),
        cause: format!(
            "it is not valid JSON ({e}). A JSON file must be one whole document; \
             for one event per line use JSON lines."
        ),
    }
}

/// Stages a JSON document (already read as text): each element of a top-level array, or the object.
pub fn frame_document(
    text: &str,
    path: &std::path::Path,
    stager: &mut Stager,
    envelope: Envelope,
) -> Result<()> {
    let text = text.trim_start_matches('\u{feff}');
    let not_json = |e: serde_json::Error| not_json(path, e);
    if envelope == Envelope::Otlp {
        let doc: Value = serde_json::from_str(text).map_err(not_json)?;
        let docs = match doc {
            Value::Array(items) => items,
            other => vec![other],
        };
        let mut row = 0;
        for d in &docs {
            for (raw, doc) in otlp_spans(d) {
                row += 1;
                stager.push(row, &raw, Some(&doc), None)?;
            }
        }
        return Ok(());
    }
    let raw: &serde_json::value::RawValue = serde_json::from_str(text).map_err(not_json)?;
    if raw.get().trim_start().starts_with('[') {
        let items: Vec<&serde_json::value::RawValue> =
            serde_json::from_str(raw.get()).map_err(not_json)?;
        for (i, item) in items.iter().enumerate() {
            stage_value(stager, i as i64 + 1, item.get(), envelope)?;
        }
    } else {
        stage_value(stager, 1, raw.get(), envelope)?;
    }
    Ok(())
}

fn stage_value(stager: &mut Stager, row: i64, raw: &str, envelope: Envelope) -> Result<()> {
    if envelope == Envelope::Kcat {
        if let Ok(v) = serde_json::from_str::<Value>(raw) {
            return stager.push(row, raw, Some(&kcat_document(&v).to_string()), None);
        }
    }
    stager.push(row, raw, None, None)
}

/// Everything a CSV reader reads, kept until the rows it belongs to are staged, so each row's exact
/// text is known without holding the file in memory.
struct Recording<'r> {
    inner: &'r mut (dyn std::io::BufRead + Send),
    kept: std::rc::Rc<std::cell::RefCell<Vec<u8>>>,
}

impl std::io::Read for Recording<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // A record that has not ended within the limit is refused, so stop feeding it.
        if self.kept.borrow().len() > MAX_ROW_BYTES + (1 << 20) {
            return Err(std::io::Error::other(OVERSIZE_CSV));
        }
        let n = self.inner.read(buf)?;
        self.kept.borrow_mut().extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

const OVERSIZE_CSV: &str = "oversize csv record";

/// Stages delimited text: the first record is the header; each later record becomes a JSON object
/// keyed by the header, with its line number and its exact text kept. Read as a stream: memory is
/// bounded by the longest record, which is at most [`MAX_ROW_BYTES`].
pub fn frame_csv(src: &mut Source, stager: &mut Stager) -> Result<()> {
    let head = src.peek(1 << 20)?;
    let bom = head.starts_with(&[0xef, 0xbb, 0xbf]);
    if bom {
        src.reader().consume(3);
    }
    let first_line = head[if bom { 3 } else { 0 }..]
        .split(|b| *b == b'\n')
        .next()
        .unwrap_or_default();
    let delimiter = [b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|d| first_line.iter().filter(|b| *b == d).count())
        .unwrap_or(b',');
    let path = src.path.clone();
    let kept = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(Recording {
            inner: src.reader(),
            kept: kept.clone(),
        });
    // The offset in the file of kept[0].
    let mut kept_from: u64 = 0;
    // `line`: where the record being read starts.
    let unreadable = |e: csv::Error, what: &str, line: u64| -> Error {
        let oversize = matches!(e.kind(), csv::ErrorKind::Io(io) if io.to_string() == OVERSIZE_CSV);
        if oversize {
            Error::SourceFormat {
                path: path.clone(),
                cause: format!(
                    "the record starting at line {line} runs over {} MB, the limit for one event (a quote never closed?). Nothing was imported.",
                    MAX_ROW_BYTES >> 20
                ),
            }
        } else if let csv::ErrorKind::Io(io) = e.kind() {
            Error::SourceUnreadable {
                path: path.clone(),
                cause: format!("{what} ({io})"),
            }
        } else {
            Error::SourceFormat {
                path: path.clone(),
                cause: format!("{what} ({e})."),
            }
        }
    };
    let mut header = csv::ByteRecord::new();
    let mut start = reader.position().clone();
    if !reader
        .read_byte_record(&mut header)
        .map_err(|e| unreadable(e, "its header row cannot be read", 1))?
    {
        return Ok(());
    }
    let names: Vec<String> = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    let mut rec = csv::ByteRecord::new();
    let mut last_row = 1;
    loop {
        start.clone_from(reader.position());
        let more = reader.read_byte_record(&mut rec).map_err(|e| {
            unreadable(
                e,
                "its delimited text cannot be split into rows",
                start.line(),
            )
        })?;
        if !more {
            break;
        }
        let end = reader.position().byte();
        // Where the record itself starts (empty lines before it are skipped by the reader).
        if let Some(p) = rec.position() {
            start.clone_from(p);
        }
        let raw = {
            let kept = kept.borrow();
            let from = (start.byte().saturating_sub(kept_from) as usize).min(kept.len());
            let to = (end.saturating_sub(kept_from) as usize).min(kept.len());
            String::from_utf8_lossy(&kept[from..to])
                .trim_end_matches(['\r', '\n'])
                .to_string()
        };
        // What the reader has consumed up to the record's end is no longer needed.
        {
            let mut kept = kept.borrow_mut();
            let done = (end.saturating_sub(kept_from) as usize).min(kept.len());
            if done > (1 << 20) || done == kept.len() {
                kept.drain(..done);
                kept_from += done as u64;
            }
        }
        // A record's row is the line it starts on; records split by a bare carriage return share a
        // line, so such a record takes the next number instead (rows must be unique to reconcile).
        let row = start.line().max(last_row + 1);
        last_row = row;
        stage_csv_record(stager, &names, &rec, row, &raw)?;
    }
    Ok(())
}

fn stage_csv_record(
    stager: &mut Stager,
    names: &[String],
    rec: &csv::ByteRecord,
    line: u64,
    raw: &str,
) -> Result<()> {
    if raw.trim().is_empty() {
        stager.blank_lines += 1;
        return Ok(());
    }
    if rec.len() != names.len() {
        let why = format!(
            "row has {} fields but the header has {}",
            rec.len(),
            names.len()
        );
        return stager.push(line as i64, raw, None, Some(&why));
    }
    let mut obj = Map::new();
    for (name, value) in names.iter().zip(rec.iter()) {
        match std::str::from_utf8(value) {
            Ok("") => {}
            Ok(v) => {
                // JSON held in a cell (Marten `data`, Axon `meta_data`) is embedded as JSON so that
                // mappings can reach inside it; anything else stays text.
                let embedded = if v.starts_with('{') || v.starts_with('[') {
                    serde_json::from_str::<Value>(v).ok()
                } else {
                    None
                };
                obj.insert(
                    name.clone(),
                    embedded.unwrap_or_else(|| Value::String(v.to_string())),
                );
            }
            Err(_) => {
                let why = format!("field `{name}` is not valid UTF-8 text");
                return stager.push(line as i64, raw, None, Some(&why));
            }
        }
    }
    stager.push(
        line as i64,
        raw,
        Some(&Value::Object(obj).to_string()),
        None,
    )
}

/// A kcat -J record rebuilt as a canonical document. The Kafka timestamp is when the log knew the
/// event (recorded_at); the event's own time, id and type come from headers or the payload.
pub fn kcat_document(v: &Value) -> Value {
    let mut headers = Map::new();
    if let Some(Value::Array(h)) = v.get("headers") {
        for pair in h.chunks(2) {
            if let [Value::String(k), val] = pair {
                headers.insert(k.clone(), val.clone());
            }
        }
    }
    let payload = match v.get("payload") {
        Some(Value::String(s)) => {
            serde_json::from_str::<Value>(s).unwrap_or(Value::String(s.clone()))
        }
        Some(other) => other.clone(),
        None => Value::Null,
    };
    let from = |keys: &[&str]| -> Value {
        for k in keys {
            if let Some(x) = headers.get(*k).filter(|x| !x.is_null()) {
                return x.clone();
            }
            if let Some(x) = payload.get(*k).filter(|x| !x.is_null()) {
                return x.clone();
            }
        }
        Value::Null
    };
    let inner_payload = payload
        .get("payload")
        .or_else(|| payload.get("data"))
        .cloned()
        .unwrap_or_else(|| payload.clone());
    let occurred = match from(&["occurred_at", "time", "ce_time"]) {
        Value::Null => v.get("ts").cloned().unwrap_or(Value::Null),
        t => t,
    };
    json!({
        "event_id": from(&["event_id", "eventId", "id", "ce_id"]),
        "stream_id": v.get("key").filter(|k| !k.is_null()).cloned().unwrap_or_else(|| from(&["stream_id", "aggregate_id"])),
        "stream_type": from(&["stream_type", "aggregate_type"]),
        "stream_version": from(&["stream_version", "version"]),
        "event_type": from(&["event_type", "eventType", "type", "ce_type"]),
        "schema_version": from(&["schema_version"]),
        "occurred_at": occurred,
        "recorded_at": v.get("ts").cloned().unwrap_or(Value::Null),
        "actor": from(&["actor"]),
        "reason": from(&["reason"]),
        "causation_id": from(&["causation_id"]),
        "correlation_id": from(&["correlation_id"]),
        "corrects": from(&["corrects"]),
        "payload": inner_payload,
        "metadata": {
            "kafka": {"topic": v.get("topic"), "partition": v.get("partition"), "offset": v.get("offset"),
                      "tstype": v.get("tstype"), "broker": v.get("broker")},
            "headers": headers,
        },
        "position": v.get("offset"),
    })
}

/// An OTLP AnyValue as plain JSON.
fn any_value(v: &Value) -> Value {
    let Some(obj) = v.as_object() else {
        return Value::Null;
    };
    if let Some(s) = obj.get("stringValue") {
        return s.clone();
    }
    if let Some(i) = obj.get("intValue") {
        return match i {
            Value::String(s) => s.parse::<i64>().map(Value::from).unwrap_or(i.clone()),
            other => other.clone(),
        };
    }
    if let Some(d) = obj.get("doubleValue") {
        return d.clone();
    }
    if let Some(b) = obj.get("boolValue") {
        return b.clone();
    }
    if let Some(a) = obj.get("arrayValue") {
        let items = a
            .get("values")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        return Value::Array(items.iter().map(any_value).collect());
    }
    if let Some(k) = obj.get("kvlistValue") {
        return Value::Object(attributes(k.get("values")));
    }
    if let Some(b) = obj.get("bytesValue") {
        return b.clone();
    }
    Value::Null
}

fn attributes(list: Option<&Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for kv in list.and_then(Value::as_array).into_iter().flatten() {
        if let Some(k) = kv.get("key").and_then(Value::as_str) {
            out.insert(
                k.to_string(),
                kv.get("value").map(any_value).unwrap_or(Value::Null),
            );
        }
    }
    out
}

/// Every span of an OTLP `ExportTraceServiceRequest`, as (raw span JSON, canonical document).
/// Spans with GenAI semantic-convention attributes become decision events named after their
/// operation (`gen_ai.chat`, ...), with model, parameters, messages and usage in the payload.
pub fn otlp_spans(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for rs in doc
        .get("resourceSpans")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let resource = attributes(rs.get("resource").and_then(|r| r.get("attributes")));
        for ss in rs
            .get("scopeSpans")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let scope = ss.get("scope").cloned().unwrap_or(Value::Null);
            for span in ss
                .get("spans")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let attrs = attributes(span.get("attributes"));
                out.push((
                    span.to_string(),
                    otlp_document(span, &attrs, &resource, &scope).to_string(),
                ));
            }
        }
    }
    out
}

fn parse_json_string(v: Option<&Value>) -> Value {
    match v {
        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::String(s.clone())),
        Some(other) => other.clone(),
        None => Value::Null,
    }
}

fn otlp_document(
    span: &Value,
    attrs: &Map<String, Value>,
    resource: &Map<String, Value>,
    scope: &Value,
) -> Value {
    let get = |k: &str| attrs.get(k).cloned().unwrap_or(Value::Null);
    let trace_id = span.get("traceId").cloned().unwrap_or(Value::Null);
    let service = resource
        .get("service.name")
        .and_then(Value::as_str)
        .unwrap_or("service");
    let genai = attrs.contains_key("gen_ai.operation.name")
        || attrs.contains_key("gen_ai.request.model")
        || attrs.contains_key("gen_ai.system");
    let (event_type, stream_id, stream_type, actor, payload) = if genai {
        let op = attrs
            .get("gen_ai.operation.name")
            .and_then(Value::as_str)
            .unwrap_or("chat")
            .to_string();
        let model = get("gen_ai.request.model");
        let mut parameters = Map::new();
        for (k, v) in attrs {
            if let Some(p) = k.strip_prefix("gen_ai.request.") {
                if p != "model" {
                    parameters.insert(p.to_string(), v.clone());
                }
            }
        }
        let conversation = attrs.get("gen_ai.conversation.id").cloned();
        let subject = attrs
            .get("app.subject_id")
            .or(attrs.get("casefile.subject"))
            .cloned()
            .or(conversation.clone())
            .unwrap_or(trace_id.clone());
        let payload = json!({
            "decision": true,
            "operation": op,
            "provider": attrs.get("gen_ai.provider.name").or(attrs.get("gen_ai.system")),
            "model": model,
            "model_version": get("gen_ai.response.model"),
            "parameters": parameters,
            "system_instructions": parse_json_string(attrs.get("gen_ai.system_instructions")),
            "input_messages": parse_json_string(attrs.get("gen_ai.input.messages")),
            "output_messages": parse_json_string(attrs.get("gen_ai.output.messages")),
            "finish_reasons": get("gen_ai.response.finish_reasons"),
            "response_id": get("gen_ai.response.id"),
            "usage": {"input_tokens": get("gen_ai.usage.input_tokens"), "output_tokens": get("gen_ai.usage.output_tokens")},
            "attributes": attrs,
        });
        let actor = format!("ai/{}", model.as_str().unwrap_or(service));
        let stype =
            if attrs.contains_key("app.subject_id") || attrs.contains_key("casefile.subject") {
                Value::Null
            } else if conversation.is_some() {
                json!("Conversation")
            } else {
                json!("Trace")
            };
        (
            json!(format!("gen_ai.{op}")),
            subject,
            stype,
            json!(actor),
            payload,
        )
    } else {
        let name = span.get("name").cloned().unwrap_or(json!("span"));
        (
            name,
            trace_id.clone(),
            json!("Trace"),
            json!(format!("system/{service}")),
            json!({"attributes": attrs}),
        )
    };
    json!({
        "event_id": span.get("spanId"),
        "stream_id": stream_id,
        "stream_type": stream_type,
        "event_type": event_type,
        "occurred_at": span.get("startTimeUnixNano"),
        "recorded_at": span.get("endTimeUnixNano"),
        "actor": actor,
        "causation_id": span.get("parentSpanId").filter(|p| p.as_str().is_some_and(|s| !s.is_empty())),
        "correlation_id": trace_id,
        "payload": payload,
        "metadata": {"resource": resource, "scope": scope, "kind": span.get("kind"), "status": span.get("status"),
                     "span_name": span.get("name"), "trace_id": span.get("traceId")},
    })
}
