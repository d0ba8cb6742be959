//! Writers that reshape canonical generated events into the formats real systems export.

use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};

use super::{io_err, GenEvent};
use crate::error::Result;
use crate::model::format_micros;

fn write_bytes(path: &Path, bytes: &[u8]) -> Result<()> {
    let bytes = match path.extension().and_then(|e| e.to_str()) {
        Some("gz") => {
            let mut enc = flate2::GzBuilder::new()
                .mtime(0)
                .write(Vec::new(), flate2::Compression::default());
            enc.write_all(bytes).map_err(|e| io_err(path, e))?;
            enc.finish().map_err(|e| io_err(path, e))?
        }
        Some("zst") => zstd::encode_all(bytes, 3).map_err(|e| io_err(path, e))?,
        _ => bytes.to_vec(),
    };
    std::fs::write(path, bytes).map_err(|e| io_err(path, e))
}

fn lines(values: impl Iterator<Item = Value>) -> String {
    let mut s = String::new();
    for v in values {
        s.push_str(&v.to_string());
        s.push('\n');
    }
    s
}

/// Canonical JSON lines (compressed when the name ends in .gz or .zst).
pub fn write_jsonl(path: &Path, events: &[GenEvent]) -> Result<()> {
    write_bytes(
        path,
        lines(events.iter().map(GenEvent::canonical)).as_bytes(),
    )
}

fn cloudevent(e: &GenEvent, source: &str) -> Value {
    let mut v = json!({
        "specversion": "1.0",
        "id": e.event_id,
        "source": source,
        "type": e.event_type,
        "subject": e.stream_id,
        "time": format_micros(e.occurred_at),
        "datacontenttype": "application/json",
        "streamtype": e.stream_type,
        "actor": e.actor,
        "data": e.payload,
    });
    if e.recorded_at != e.occurred_at {
        v["recordedtime"] = json!(format_micros(e.recorded_at));
    }
    if let Some(r) = &e.reason {
        v["reason"] = json!(r);
    }
    if let Some(c) = &e.correlation_id {
        v["correlationid"] = json!(c);
    }
    v
}

/// A CloudEvents 1.0 JSON batch (`application/cloudevents-batch+json`).
pub fn write_cloudevents_batch(path: &Path, events: &[GenEvent], source: &str) -> Result<()> {
    let batch: Vec<Value> = events.iter().map(|e| cloudevent(e, source)).collect();
    let text = serde_json::to_string_pretty(&batch).unwrap_or_default();
    write_bytes(path, text.as_bytes())
}

fn csv_text(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(&r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

pub(super) fn snake(name: &str) -> String {
    let mut s = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_uppercase() && i > 0 {
            s.push('_');
        }
        s.push(ch.to_ascii_lowercase());
    }
    s
}

pub(super) fn pg_time(us: i64) -> String {
    // Postgres' text form of timestamptz, as psql's COPY writes it.
    format_micros(us).replace('T', " ").replace('Z', "+00")
}

/// A Marten `mt_events` table exported with `COPY ... TO ... CSV HEADER`.
pub fn write_marten_csv(path: &Path, events: &[GenEvent], namespace: &str) -> Result<()> {
    let header = [
        "seq_id",
        "id",
        "stream_id",
        "version",
        "data",
        "type",
        "timestamp",
        "tenant_id",
        "mt_dotnet_type",
        "correlation_id",
        "causation_id",
        "headers",
        "is_skipped",
    ];
    let rows = events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            vec![
                (i + 1).to_string(),
                e.event_id.clone(),
                e.stream_id.clone(),
                e.stream_version.unwrap_or(0).to_string(),
                // jsonb columns as Postgres prints them (its own key order and spacing).
                super::pgdump::jsonb_text(&e.payload),
                snake(&e.event_type),
                pg_time(e.occurred_at),
                "*DEFAULT*".into(),
                format!("{namespace}.{}, {namespace}", e.event_type),
                e.correlation_id.clone().unwrap_or_default(),
                e.causation_id.clone().unwrap_or_default(),
                super::pgdump::jsonb_text(&json!({"actor": e.actor})),
                "f".into(),
            ]
        })
        .collect();
    write_bytes(path, csv_text(&header, rows).as_bytes())
}

/// An Axon `domain_event_entry` table exported as CSV, with Jackson (JSON) payloads.
pub fn write_axon_csv(path: &Path, events: &[GenEvent], package: &str) -> Result<()> {
    let header = [
        "global_index",
        "event_identifier",
        "aggregate_identifier",
        "sequence_number",
        "type",
        "payload_type",
        "payload_revision",
        "payload",
        "meta_data",
        "time_stamp",
    ];
    let rows = events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut meta = json!({"actor": e.actor});
            if let Some(c) = &e.correlation_id {
                meta["correlationId"] = json!(c);
            }
            vec![
                i.to_string(),
                e.event_id.clone(),
                e.stream_id.clone(),
                e.stream_version.map(|v| v - 1).unwrap_or(0).to_string(),
                e.stream_type.clone(),
                format!("{package}.{}", e.event_type),
                String::new(),
                e.payload.to_string(),
                meta.to_string(),
                format_micros(e.occurred_at),
            ]
        })
        .collect();
    write_bytes(path, csv_text(&header, rows).as_bytes())
}

/// A Kafka topic dumped with `kcat -C -J`: one JSON record per line, the event as a string payload,
/// `ts` the broker's log-append time in milliseconds (when the system knew it).
pub fn write_kcat(path: &Path, events: &[GenEvent], topic: &str) -> Result<()> {
    let records = events.iter().enumerate().map(|(i, e)| {
        let value = json!({
            "occurred_at": format_micros(e.occurred_at),
            "actor": e.actor,
            "payload": e.payload,
        });
        json!({
            "topic": topic,
            "partition": 0,
            "offset": i,
            "tstype": "logappend",
            "ts": e.recorded_at / 1000,
            "broker": 1,
            "headers": ["event_id", e.event_id, "event_type", e.event_type, "stream_type", e.stream_type],
            "key": e.stream_id,
            "payload": value.to_string(),
        })
    });
    write_bytes(path, lines(records).as_bytes())
}

/// Canonical Parquet, written by DuckDB (payload as JSON text, times as UTC timestamps).
pub fn write_parquet(path: &Path, events: &[GenEvent]) -> Result<()> {
    let tmp = path.with_extension("tmp.jsonl");
    write_jsonl(&tmp, events)?;
    let conn = crate::store::open_scratch_in_memory()?;
    let src = tmp.to_string_lossy().replace('\'', "''");
    let dst = path.to_string_lossy().replace('\'', "''");
    let result = conn.execute_batch(&format!(
        r#"COPY (
            SELECT event_id, stream_id, stream_type, stream_version::BIGINT AS stream_version, event_type,
                   occurred_at::TIMESTAMPTZ AS occurred_at, recorded_at::TIMESTAMPTZ AS recorded_at, actor,
                   reason, corrects, payload::VARCHAR AS payload
            FROM read_json('{src}', format = 'newline_delimited', columns = {{
                event_id: 'VARCHAR', stream_id: 'VARCHAR', stream_type: 'VARCHAR', stream_version: 'BIGINT',
                event_type: 'VARCHAR', occurred_at: 'VARCHAR', recorded_at: 'VARCHAR', actor: 'VARCHAR',
                reason: 'VARCHAR', corrects: 'VARCHAR', payload: 'JSON'}})
        ) TO '{dst}' (FORMAT parquet, COMPRESSION zstd);"#
    ));
    let _ = std::fs::remove_file(&tmp);
    result?;
    Ok(())
}

/// One OTLP attribute (`{key, value: AnyValue}`).
pub(super) fn attr(key: &str, value: &Value) -> Value {
    let v = match value {
        Value::String(s) => json!({"stringValue": s}),
        Value::Bool(b) => json!({"boolValue": b}),
        Value::Number(n) if n.is_i64() => json!({"intValue": n.to_string()}),
        Value::Number(n) => json!({"doubleValue": n}),
        Value::Array(items) => {
            json!({"arrayValue": {"values": items.iter().map(|i| attr("", i)["value"].clone()).collect::<Vec<_>>()}})
        }
        other => json!({"stringValue": other.to_string()}),
    };
    json!({"key": key, "value": v})
}

/// One OTLP span: (trace id, span id, parent, name, start us, end us, attributes).
pub struct Span {
    pub trace_id: String,
    pub span_id: String,
    pub parent: Option<String>,
    pub name: String,
    pub start: i64,
    pub end: i64,
    pub attributes: Vec<(String, Value)>,
}

/// An OTLP JSON `ExportTraceServiceRequest`, as the collector's file exporter writes it.
pub fn write_otlp(path: &Path, service: &str, spans: &[Span]) -> Result<()> {
    let spans: Vec<Value> = spans
        .iter()
        .map(|s| {
            let mut v = json!({
                "traceId": s.trace_id,
                "spanId": s.span_id,
                "name": s.name,
                "kind": 3,
                "startTimeUnixNano": (s.start as i128 * 1000).to_string(),
                "endTimeUnixNano": (s.end as i128 * 1000).to_string(),
                "attributes": s.attributes.iter().map(|(k, v)| attr(k, v)).collect::<Vec<_>>(),
                "status": {"code": 1},
            });
            if let Some(p) = &s.parent {
                v["parentSpanId"] = json!(p);
            }
            v
        })
        .collect();
    let doc = json!({
        "resourceSpans": [{
            "resource": {"attributes": [attr("service.name", &json!(service)), attr("deployment.environment", &json!("production"))]},
            "scopeSpans": [{
                "scope": {"name": "casefile.sample.instrumentation", "version": "1.0.0"},
                "spans": spans,
            }],
        }],
    });
    write_bytes(
        path,
        serde_json::to_string_pretty(&doc)
            .unwrap_or_default()
            .as_bytes(),
    )
}

/// Raw lines written as given (for the bad-rows sample, which must hold bytes no writer would).
pub fn write_raw_lines(path: &Path, rows: &[Vec<u8>]) -> Result<()> {
    let mut bytes = Vec::new();
    for r in rows {
        bytes.extend_from_slice(r);
        bytes.push(b'\n');
    }
    write_bytes(path, &bytes)
}
