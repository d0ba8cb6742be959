//! Recognising a source: its container (JSON lines, a JSON document or array, CSV, Parquet) from its
//! first bytes, then its envelope (canonical, CloudEvents, Marten, Axon, kcat, OTLP, Debezium,
//! LangSmith, Langfuse, Phoenix) from the keys of its first rows. The answer is a `Plan` that says,
//! in words, why it was chosen.

use std::collections::BTreeSet;

use serde_json::Value;

use super::mapping::{Mapping, OneOrMany};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Lines,
    /// One JSON document: an array of rows, or a single object.
    Document,
    Csv,
    Parquet,
    /// A plain SQL dump (pg_dump, mysqldump): tables of rows, read by `sqldump`.
    Sql,
}

impl Container {
    pub fn name(self) -> &'static str {
        match self {
            Container::Lines => "jsonl",
            Container::Document => "json",
            Container::Csv => "csv",
            Container::Parquet => "parquet",
            Container::Sql => "sql",
        }
    }
    pub fn from_name(s: &str) -> Option<Container> {
        Some(match s {
            "jsonl" | "ndjson" => Container::Lines,
            "json" => Container::Document,
            "csv" => Container::Csv,
            "parquet" => Container::Parquet,
            "sql" => Container::Sql,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    Canonical,
    CloudEvents,
    Marten,
    Axon,
    Kcat,
    Otlp,
    Debezium,
    LangSmith,
    Langfuse,
    Phoenix,
    /// A user's mapping file.
    Mapped,
}

impl Envelope {
    /// True for formats whose Parquet rows are rebuilt as their JSON rows are (the LLM platforms
    /// export Parquet with the columns of their JSON); other formats' Parquet is mapped flat.
    pub fn rebuilds_parquet(self) -> bool {
        matches!(
            self,
            Envelope::LangSmith | Envelope::Langfuse | Envelope::Phoenix
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            Envelope::Canonical => "canonical",
            Envelope::CloudEvents => "cloudevents",
            Envelope::Marten => "marten",
            Envelope::Axon => "axon",
            Envelope::Kcat => "kcat",
            Envelope::Otlp => "otlp",
            Envelope::Debezium => "debezium",
            Envelope::LangSmith => "langsmith",
            Envelope::Langfuse => "langfuse",
            Envelope::Phoenix => "phoenix",
            Envelope::Mapped => "mapped",
        }
    }
}

/// Names accepted by `--format`.
pub const FORMAT_NAMES: &[&str] = &[
    "jsonl",
    "json",
    "csv",
    "parquet",
    "sql",
    "cloudevents",
    "marten",
    "axon",
    "kcat",
    "otlp",
    "debezium",
    "langsmith",
    "langfuse",
    "phoenix",
];

/// A `--format` value: a container, an envelope, or both (`cloudevents` leaves the container detected).
pub fn parse_format(name: &str) -> Option<(Option<Container>, Option<Envelope>)> {
    if let Some(c) = Container::from_name(name) {
        return Some((Some(c), Some(Envelope::Canonical)));
    }
    let e = match name {
        "cloudevents" => Envelope::CloudEvents,
        "marten" => Envelope::Marten,
        "axon" => Envelope::Axon,
        "kcat" => Envelope::Kcat,
        "otlp" => Envelope::Otlp,
        "debezium" => Envelope::Debezium,
        "langsmith" => Envelope::LangSmith,
        "langfuse" => Envelope::Langfuse,
        "phoenix" => Envelope::Phoenix,
        _ => return None,
    };
    Some((None, Some(e)))
}

/// Guesses the container from the first decompressed bytes.
pub fn sniff_container(head: &[u8]) -> (Container, String) {
    if head.starts_with(b"PAR1") {
        return (
            Container::Parquet,
            "starts with the Parquet magic bytes PAR1".into(),
        );
    }
    let text = String::from_utf8_lossy(head);
    // A byte-order mark, RFC 7464 record separators and a dumping tool's own message lines (kcat
    // writes them starting with `%`) come before the first value.
    let mut body = text.trim_start_matches(['\u{feff}', '\u{1e}']).trim_start();
    while body.starts_with('%') {
        body = body
            .split_once('\n')
            .map_or("", |(_, rest)| rest)
            .trim_start_matches('\u{1e}')
            .trim_start();
    }
    if super::formats::kafka::console_line(body.lines().next().unwrap_or_default()).is_some() {
        return (
            Container::Lines,
            "lines of kafka-console-consumer (a record's timestamp, key and value)".into(),
        );
    }
    if body.starts_with('[') {
        return (Container::Document, "starts with `[`: a JSON array".into());
    }
    if body.starts_with('{') {
        // JSON lines when one of the first lines is a whole JSON value on its own.
        let mut lines = body
            .lines()
            .map(|l| l.trim_start_matches('\u{1e}'))
            .filter(|l| !l.trim().is_empty() && !l.starts_with('%'));
        for _ in 0..3 {
            match lines.next() {
                Some(l) if serde_json::from_str::<Value>(l).is_ok() => {
                    return (Container::Lines, "one JSON object per line".into());
                }
                Some(_) => continue,
                None => break,
            }
        }
        return (
            Container::Document,
            "starts with `{` and spans several lines: JSON values one after another".into(),
        );
    }
    if super::sqldump::looks_like_dump(head) {
        let dialect = super::sqldump::Dialect::sniff(head);
        return (
            Container::Sql,
            format!("{}; tables read by their names and columns", dialect.tool()),
        );
    }
    (
        Container::Csv,
        "not JSON or Parquet: read as delimited text with a header row".into(),
    )
}

/// Keys seen in sampled rows: top-level keys, and `a.b` for keys one level down.
pub fn key_paths(rows: &[Value]) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for row in rows {
        if let Value::Object(map) = row {
            for (k, v) in map {
                keys.insert(k.clone());
                if let Value::Object(inner) = v {
                    for k2 in inner.keys() {
                        keys.insert(format!("{k}.{k2}"));
                    }
                }
            }
        }
    }
    keys
}

/// Picks the envelope from sampled keys, with the reason in words.
pub fn sniff_envelope(keys: &BTreeSet<String>) -> (Envelope, String) {
    if let Some(found) = super::formats::detect(keys) {
        return found;
    }
    let has = |k: &str| keys.contains(k);
    if has("seq_id") && has("stream_id") && has("data") && (has("mt_dotnet_type") || has("version"))
    {
        (
            Envelope::Marten,
            "has `seq_id`, `stream_id`, `data`: a Marten mt_events export".into(),
        )
    } else if has("global_index") && (has("aggregate_identifier") || has("event_identifier")) {
        (
            Envelope::Axon,
            "has `global_index`, `aggregate_identifier`: an Axon domain_event_entry export".into(),
        )
    } else {
        (
            Envelope::Canonical,
            "envelope fields found by name (canonical or common synonyms)".into(),
        )
    }
}

fn set(m: &mut Mapping, field: &str, candidates: &[&str]) {
    m.fields.insert(
        field.to_string(),
        OneOrMany::Many(candidates.iter().map(|s| s.to_string()).collect()),
    );
}

/// The built-in mapping for an envelope, fitted to the keys actually present.
pub fn builtin_mapping(
    envelope: Envelope,
    container: Container,
    keys: &BTreeSet<String>,
) -> Mapping {
    let mut m = Mapping::default();
    match envelope {
        Envelope::Canonical | Envelope::Mapped => {
            m.pick(
                "event_id",
                &[
                    "event_id",
                    "eventId",
                    "id",
                    "event_identifier",
                    "message_id",
                    "uuid",
                ],
                keys,
            );
            m.pick(
                "stream_id",
                &[
                    "stream_id",
                    "streamId",
                    "aggregate_id",
                    "aggregateId",
                    "entity_id",
                    "entityId",
                    "subject",
                    "stream",
                ],
                keys,
            );
            m.pick(
                "stream_type",
                &[
                    "stream_type",
                    "streamType",
                    "aggregate_type",
                    "aggregateType",
                    "entity_type",
                ],
                keys,
            );
            m.pick(
                "stream_version",
                &[
                    "stream_version",
                    "streamVersion",
                    "version",
                    "aggregate_version",
                    "sequence_number",
                ],
                keys,
            );
            m.pick(
                "event_type",
                &["event_type", "eventType", "type", "event_name", "name"],
                keys,
            );
            m.pick(
                "schema_version",
                &["schema_version", "schemaVersion", "event_version"],
                keys,
            );
            m.pick(
                "occurred_at",
                &[
                    "occurred_at",
                    "occurredAt",
                    "timestamp",
                    "time",
                    "event_time",
                    "created_at",
                    "createdAt",
                    "ts",
                ],
                keys,
            );
            m.pick(
                "recorded_at",
                &[
                    "recorded_at",
                    "recordedAt",
                    "stored_at",
                    "ingested_at",
                    "received_at",
                    "persisted_at",
                    "metadata.recorded_at",
                ],
                keys,
            );
            m.pick(
                "actor",
                &["actor", "metadata.actor", "user", "user_id", "performed_by"],
                keys,
            );
            m.pick("reason", &["reason", "metadata.reason"], keys);
            m.pick(
                "causation_id",
                &["causation_id", "causationId", "metadata.causation_id"],
                keys,
            );
            m.pick(
                "correlation_id",
                &["correlation_id", "correlationId", "metadata.correlation_id"],
                keys,
            );
            m.pick(
                "corrects",
                &["corrects", "corrects_event_id", "metadata.corrects"],
                keys,
            );
            m.pick("payload", &["payload", "data", "body", "event_data"], keys);
            m.pick("metadata", &["metadata", "meta"], keys);
            m.pick("position", &["position", "global_position", "seq"], keys);
            // Delimited text and Parquet hold payload and metadata as JSON text.
            for f in ["payload", "metadata"]
                .into_iter()
                .filter(|_| matches!(container, Container::Csv | Container::Parquet))
            {
                if let Some(OneOrMany::Many(v)) = m.fields.get(f).cloned() {
                    let json: Vec<String> = v.iter().map(|c| format!("json:{c}")).collect();
                    m.fields.insert(f.into(), OneOrMany::Many(json));
                }
            }
        }
        // CloudEvents are rebuilt while framed (formats/cloudevents.rs); this mapping reads them
        // from Parquet, which DuckDB stages itself.
        Envelope::CloudEvents if container != Container::Parquet => {
            return super::formats::canonical_mapping(None)
        }
        Envelope::CloudEvents => {
            set(&mut m, "event_id", &["id"]);
            set(&mut m, "stream_id", &["subject", "source"]);
            set(&mut m, "event_type", &["type"]);
            set(&mut m, "occurred_at", &["time"]);
            set(&mut m, "payload", &["json:data", "base64:data_base64"]);
            // CloudEvents extensions are lower-case top-level attributes.
            m.pick("stream_type", &["streamtype", "subjecttype"], keys);
            m.pick("stream_version", &["streamversion", "sequence"], keys);
            m.pick("schema_version", &["schemaversion", "dataversion"], keys);
            m.pick("recorded_at", &["recordedtime", "recordedat"], keys);
            m.pick("actor", &["actor"], keys);
            m.pick("reason", &["reason"], keys);
            m.pick("causation_id", &["causationid"], keys);
            m.pick("correlation_id", &["correlationid"], keys);
            m.pick("corrects", &["corrects"], keys);
        }
        // Rebuilt in Rust while framed (tables.rs), as rows of a dump are; Parquet is mapped here.
        Envelope::Marten | Envelope::Axon if container != Container::Parquet => {
            let mut m = super::formats::canonical_mapping(None);
            m.derive_stream_type = Some(false);
            return m;
        }
        Envelope::Marten => {
            set(&mut m, "position", &["seq_id"]);
            set(&mut m, "event_id", &["id"]);
            set(&mut m, "stream_id", &["stream_id"]);
            set(&mut m, "stream_version", &["version"]);
            set(&mut m, "event_type", &["type"]);
            set(&mut m, "occurred_at", &["timestamp"]);
            set(&mut m, "payload", &["json:data"]);
            set(&mut m, "metadata", &["json:headers"]);
            set(&mut m, "actor", &["headers.actor", "headers.user"]);
            set(&mut m, "reason", &["headers.reason"]);
            m.pick("correlation_id", &["correlation_id"], keys);
            m.pick("causation_id", &["causation_id"], keys);
            m.pick("stream_type", &["stream_type"], keys);
        }
        Envelope::Axon => {
            set(&mut m, "position", &["global_index"]);
            set(&mut m, "event_id", &["event_identifier"]);
            set(&mut m, "stream_id", &["aggregate_identifier"]);
            set(&mut m, "stream_type", &["type"]);
            set(&mut m, "stream_version", &["sequence_number"]);
            set(&mut m, "event_type", &["class:payload_type"]);
            set(&mut m, "schema_version", &["payload_revision"]);
            set(&mut m, "occurred_at", &["time_stamp"]);
            set(&mut m, "payload", &["json:payload"]);
            set(&mut m, "metadata", &["json:meta_data"]);
            set(&mut m, "actor", &["meta_data.actor", "meta_data.username"]);
            set(
                &mut m,
                "correlation_id",
                &["meta_data.correlationId", "meta_data.traceId"],
            );
            set(&mut m, "causation_id", &["meta_data.causationId"]);
        }
        // Rebuilt in Rust as canonical documents while framed (see formats/).
        Envelope::Kcat
        | Envelope::Otlp
        | Envelope::Debezium
        | Envelope::LangSmith
        | Envelope::Langfuse
        | Envelope::Phoenix => return super::formats::canonical_mapping(None),
    }
    m
}
