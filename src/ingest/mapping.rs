//! Where each envelope field comes from in a source row, and the DuckDB SQL that applies it.
//!
//! Every format, built-in or user-described, is a `Mapping`: for each envelope field an ordered list
//! of candidates tried in turn (`coalesce`). A candidate is a path into the row's JSON document
//! (`data.score`, or a raw JSON path `$.a[0]`), optionally with a transform prefix:
//! `json:` the value is a string holding JSON; `base64:` base64 of JSON (else kept as the string);
//! `class:` a class name whose last segment is the name; `const:` a literal.
//! The mapping used is stored with the source in the chain of custody, as TOML.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The envelope fields a mapping can fill, in envelope order.
pub const FIELDS: &[&str] = &[
    "event_id",
    "stream_id",
    "stream_type",
    "stream_version",
    "event_type",
    "schema_version",
    "occurred_at",
    "recorded_at",
    "actor",
    "reason",
    "causation_id",
    "correlation_id",
    "corrects",
    "payload",
    "metadata",
    "position",
    "time_placed",
];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ts_rs::TS)]
#[ts(export)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn items(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// A mapping file (TOML). `container` is jsonl, json, csv or parquet; `time_format` is `auto`,
/// `epoch_s|ms|us|ns`, `rfc3339`, or a strptime pattern such as `%d/%m/%Y %H:%M:%S`.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_format: Option<String>,
    /// The time given to events that have none of their own (RFC 3339); such events are marked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_time: Option<String>,
    /// How Kafka records are read (kcat dumps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kafka: Option<crate::ingest::formats::KafkaOptions>,
    /// The tables of a SQL dump this mapping reads (`audit.case_events` or `case_events`); when
    /// absent, every table holding the columns it names for stream, type and time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables: Option<Vec<String>>,
    /// False when a stream without a type must not get one cut from its id (the stream types were
    /// settled while reading, as for SQL dumps). Absent means true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derive_stream_type: Option<bool>,
    #[serde(default)]
    pub fields: BTreeMap<String, OneOrMany>,
}

impl Mapping {
    pub fn from_toml_file(path: &Path) -> Result<Mapping> {
        let origin = format!("file {}", path.display());
        let text = std::fs::read_to_string(path).map_err(|e| Error::Mapping {
            origin: origin.clone(),
            cause: e.to_string(),
        })?;
        Mapping::from_toml_text(&text, &origin)
    }

    /// Parses and checks a mapping; `origin` names it in errors.
    pub fn from_toml_text(text: &str, origin: &str) -> Result<Mapping> {
        let m: Mapping = toml::from_str(text).map_err(|e| Error::Mapping {
            origin: origin.to_string(),
            cause: e.to_string(),
        })?;
        m.validate().map_err(|cause| Error::Mapping {
            origin: origin.to_string(),
            cause,
        })?;
        Ok(m)
    }

    pub fn validate(&self) -> std::result::Result<(), String> {
        for (k, v) in &self.fields {
            if !FIELDS.contains(&k.as_str()) {
                return Err(format!(
                    "`{k}` is not an envelope field; use one of {}.",
                    FIELDS.join(", ")
                ));
            }
            for c in v.items() {
                Candidate::parse(&c)?;
            }
        }
        // A mapping without fields only sets options (time format, default time, Kafka): the
        // format is still detected. One that names fields names at least these.
        for required in ["stream_id", "event_type", "occurred_at"] {
            if !self.fields.is_empty() && !self.fields.contains_key(required) {
                return Err(format!("it does not say where `{required}` comes from."));
            }
        }
        if let Some(t) = &self.default_time {
            crate::model::parse_instant(t).map_err(|_| {
                format!("default_time '{t}' is not an RFC 3339 time such as 2024-05-01T00:00:00Z.")
            })?;
        }
        if let Some(c) = &self.container {
            if !["jsonl", "json", "csv", "parquet", "sql"].contains(&c.as_str()) {
                return Err(format!(
                    "container `{c}` is not one of jsonl, json, csv, parquet, sql."
                ));
            }
        }
        Ok(())
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    pub fn candidates(&self, field: &str) -> Vec<Candidate> {
        self.fields
            .get(field)
            .map(|v| {
                v.items()
                    .iter()
                    .filter_map(|c| Candidate::parse(c).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Sets a field's candidates to those of `options` present among `keys` (top-level keys or
    /// dotted paths seen in sampled rows), keeping the order of `options`.
    pub fn pick(
        &mut self,
        field: &str,
        options: &[&str],
        keys: &std::collections::BTreeSet<String>,
    ) {
        let found: Vec<String> = options
            .iter()
            .filter(|o| {
                let p = Candidate::parse(o).map(|c| c.path).unwrap_or_default();
                keys.contains(&p)
            })
            .map(|s| s.to_string())
            .collect();
        if !found.is_empty() {
            self.fields
                .insert(field.to_string(), OneOrMany::Many(found));
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    Plain,
    Json,
    Base64,
    Class,
    Const,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub transform: Transform,
    /// The dotted path (or raw `$` path), or the literal for `const:`.
    pub path: String,
}

impl Candidate {
    pub fn parse(spec: &str) -> std::result::Result<Candidate, String> {
        let (transform, rest) = match spec.split_once(':') {
            Some(("json", r)) => (Transform::Json, r),
            Some(("base64", r)) => (Transform::Base64, r),
            Some(("class", r)) => (Transform::Class, r),
            Some(("const", r)) => (Transform::Const, r),
            _ => (Transform::Plain, spec),
        };
        if rest.is_empty() {
            return Err(format!("candidate `{spec}` names no path."));
        }
        Ok(Candidate {
            transform,
            path: rest.to_string(),
        })
    }

    /// The JSON path DuckDB extracts, e.g. `data.score` -> `$."data"."score"`.
    pub fn json_path(&self) -> String {
        if self.path.starts_with('$') {
            return self.path.clone();
        }
        let mut p = String::from("$");
        for seg in self.path.split('.') {
            p.push_str(".\"");
            p.push_str(&seg.replace('"', "\\\""));
            p.push('"');
        }
        p
    }

    /// The top-level key a path lives under (to keep unmapped keys in `metadata`).
    pub fn top_key(&self) -> Option<String> {
        if self.transform == Transform::Const || self.path.starts_with('$') {
            return None;
        }
        self.path.split('.').next().map(|s| s.to_string())
    }
}

/// SQL: true where text `t` starts like a JSON object or array (so failing to parse is an error,
/// not plain text).
fn looks_like_json(t: &str) -> String {
    format!("(left(ltrim({t}, E' \\t\\r\\n'), 1) IN ('{{', '['))")
}

pub use crate::store::sql::lit;

/// How a candidate's value is read from a row: a leaf of the row's one `json_transform` struct `s`
/// (text, or JSON for plain payload/metadata), or an element of the fallback list `x` from
/// `json_extract` (raw `$` paths, and paths that other paths live under).
enum Access {
    Text(String),
    Json(String),
}

/// Generates the SELECT that turns staged rows (`row`, `raw`, `doc`, `pre_reason`) into envelope
/// columns plus a `reject` reason (NULL when the row is good). Each row is parsed once for all
/// fields (`json_transform` into a typed struct).
pub struct MappingSql<'a> {
    pub mapping: &'a Mapping,
    /// Dotted path -> read as JSON (true) or text (false).
    leaves: BTreeMap<String, bool>,
    fallback: Vec<String>,
}

impl<'a> MappingSql<'a> {
    pub fn new(mapping: &'a Mapping) -> Self {
        let mut uses: Vec<(Candidate, bool)> = Vec::new();
        for f in FIELDS {
            for c in mapping.candidates(f) {
                if c.transform != Transform::Const {
                    let as_json =
                        c.transform == Transform::Plain && matches!(*f, "payload" | "metadata");
                    uses.push((c, as_json));
                }
            }
        }
        let all: Vec<String> = uses.iter().map(|(c, _)| c.path.clone()).collect();
        let mut leaves = BTreeMap::new();
        let mut fallback = Vec::new();
        for (c, as_json) in &uses {
            let shadows = all.iter().any(|o| o.starts_with(&format!("{}.", c.path)));
            if c.path.starts_with('$') || shadows {
                if !fallback.contains(&c.json_path()) {
                    fallback.push(c.json_path());
                }
            } else {
                *leaves.entry(c.path.clone()).or_insert(false) |= *as_json;
            }
        }
        MappingSql {
            mapping,
            leaves,
            fallback,
        }
    }

    /// The `json_transform` structure: nested objects whose leaves are VARCHAR or JSON.
    fn structure(&self) -> String {
        let mut root = serde_json::Map::new();
        for (path, as_json) in &self.leaves {
            let segs: Vec<&str> = path.split('.').collect();
            let mut node = &mut root;
            for seg in &segs[..segs.len() - 1] {
                node = node
                    .entry(seg.to_string())
                    .or_insert_with(|| serde_json::Value::Object(Default::default()))
                    .as_object_mut()
                    .expect("prefix paths go to the fallback list");
            }
            let leaf = if *as_json { "JSON" } else { "VARCHAR" };
            node.insert(segs[segs.len() - 1].to_string(), leaf.into());
        }
        serde_json::Value::Object(root).to_string()
    }

    fn access(&self, c: &Candidate) -> Access {
        match self.leaves.get(&c.path) {
            Some(as_json) => {
                let expr = c
                    .path
                    .split('.')
                    .fold("s".to_string(), |e, seg| format!("{e}[{}]", lit(seg)));
                if *as_json {
                    Access::Json(expr)
                } else {
                    Access::Text(expr)
                }
            }
            None => {
                let i = self
                    .fallback
                    .iter()
                    .position(|p| *p == c.json_path())
                    .expect("path registered")
                    + 1;
                Access::Json(format!("x[{i}]"))
            }
        }
    }

    /// The value as text (a JSON string unquoted; numbers and objects as their JSON text).
    fn raw_text(&self, c: &Candidate) -> String {
        match self.access(c) {
            Access::Text(e) => e,
            Access::Json(e) => format!("({e} ->> '$')"),
        }
    }

    /// True where the value is present and not JSON null.
    fn present(&self, c: &Candidate) -> String {
        match self.access(c) {
            Access::Text(e) => format!("({e} IS NOT NULL)"),
            Access::Json(e) => format!("({e} IS NOT NULL AND json_type({e}) <> 'NULL')"),
        }
    }

    /// A candidate as text (NULL when absent, JSON null or blank).
    fn text(&self, c: &Candidate) -> String {
        match c.transform {
            Transform::Const => lit(&c.path),
            Transform::Class => format!(
                "nullif(regexp_replace(trim({}), '^.*[.$]', ''), '')",
                self.raw_text(c)
            ),
            _ => {
                // trim() reads every character; most values start and end with a visible ASCII one.
                let t = self.raw_text(c);
                format!(
                    "CASE WHEN ascii({t}) BETWEEN 33 AND 126 AND NOT (suffix({t}, ' ') OR suffix({t}, E'\\t') \
                     OR suffix({t}, E'\\n') OR suffix({t}, E'\\r')) THEN {t} ELSE nullif(trim({t}, E' \\t\\r\\n'), '') END"
                )
            }
        }
    }

    /// A candidate as JSON (for payload and metadata).
    fn json(&self, c: &Candidate) -> String {
        let t = self.raw_text(c);
        match c.transform {
            Transform::Const => format!("CAST({} AS JSON)", lit(&c.path)),
            // A cell that holds JSON is parsed; one that holds plain text stays text.
            Transform::Json => format!(
                "coalesce(TRY_CAST({t} AS JSON), CASE WHEN NOT {looks} THEN to_json({t}) END)",
                looks = looks_like_json(&t)
            ),
            Transform::Base64 => format!(
                "coalesce(TRY(CAST(decode(from_base64({t})) AS JSON)), TRY(to_json(decode(from_base64({t})))), CASE WHEN {t} IS NOT NULL THEN to_json({t}) END)"
            ),
            _ => match self.access(c) {
                // A struct leaf is already NULL for JSON null (json_transform); a fallback element is 'null'.
                Access::Json(e) if self.leaves.contains_key(&c.path) => e,
                Access::Json(e) => format!("CASE WHEN json_type({e}) <> 'NULL' THEN {e} END"),
                Access::Text(e) => format!("to_json({e})"),
            },
        }
    }

    fn coalesce(parts: Vec<String>) -> String {
        match parts.len() {
            0 => "NULL".into(),
            1 => parts.into_iter().next().expect("one part"),
            _ => format!("coalesce({})", parts.join(", ")),
        }
    }

    fn text_of(&self, field: &str) -> String {
        Self::coalesce(
            self.mapping
                .candidates(field)
                .iter()
                .map(|c| self.text(c))
                .collect(),
        )
    }

    fn json_of(&self, field: &str) -> String {
        Self::coalesce(
            self.mapping
                .candidates(field)
                .iter()
                .map(|c| self.json(c))
                .collect(),
        )
    }

    /// A field whose `json:` candidate is present but does not decode: the row is rejected for it.
    fn undecodable(&self, field: &str) -> String {
        let checks: Vec<String> = self
            .mapping
            .candidates(field)
            .iter()
            .filter(|c| c.transform == Transform::Json)
            .map(|c| {
                let t = self.raw_text(c);
                format!(
                    "({} AND TRY_CAST({t} AS JSON) IS NULL AND {})",
                    self.present(c),
                    looks_like_json(&t),
                )
            })
            .collect();
        if checks.is_empty() {
            "false".into()
        } else {
            checks.join(" OR ")
        }
    }

    fn looked_for(&self, field: &str) -> String {
        let c = self.mapping.candidates(field);
        if c.is_empty() {
            "the mapping names no field for it".into()
        } else {
            format!(
                "looked for {}",
                c.iter()
                    .map(|c| format!("`{}`", c.path))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }

    /// SQL turning text `t` into TIMESTAMP (UTC) according to the mapping's time format.
    fn time(&self, t: &str) -> String {
        // Integers divide exactly (HUGEINT, `//`); decimals (epoch seconds with a fraction) as DOUBLE.
        let epoch = |n: &str, unit: &str, integer: bool| -> String {
            let scaled = match (unit, integer) {
                ("s", _) => format!("{n} * 1000000"),
                ("ms", _) => format!("{n} * 1000"),
                ("us", _) => n.to_string(),
                (_, true) => format!("{n} // 1000"),
                (_, false) => format!("{n} / 1000"),
            };
            format!("make_timestamp(CAST({scaled} AS BIGINT))")
        };
        let i = format!("TRY_CAST({t} AS HUGEINT)");
        let d = format!("TRY_CAST({t} AS DOUBLE)");
        let fmt = self
            .mapping
            .time_format
            .clone()
            .unwrap_or_else(|| "auto".into());
        match fmt.as_str() {
            "epoch_s" | "epoch_ms" | "epoch_us" | "epoch_ns" => {
                let unit = &fmt[6..];
                format!(
                    "CASE WHEN {i} IS NOT NULL THEN TRY({}) WHEN {d} IS NOT NULL THEN TRY({}) \
                     ELSE CAST(TRY_CAST({t} AS TIMESTAMPTZ) AS TIMESTAMP) END",
                    epoch(&i, unit, true),
                    epoch(&d, unit, false)
                )
            }
            "auto" | "rfc3339" => {
                // Epoch numbers: the unit is told by magnitude (s < 1e11 <= ms < 1e14 <= us < 1e17 <= ns).
                let by_magnitude = |n: &str, integer: bool| {
                    format!(
                        "CASE WHEN abs({n}) < 1e11 THEN {} WHEN abs({n}) < 1e14 THEN {} WHEN abs({n}) < 1e17 THEN {} ELSE {} END",
                        epoch(n, "s", integer),
                        epoch(n, "ms", integer),
                        epoch(n, "us", integer),
                        epoch(n, "ns", integer)
                    )
                };
                let numeric = if fmt == "auto" {
                    format!(
                        "WHEN {i} IS NOT NULL THEN TRY({}) WHEN {d} IS NOT NULL THEN TRY({})",
                        by_magnitude(&i, true),
                        by_magnitude(&d, false)
                    )
                } else {
                    String::new()
                };
                // The common case (RFC 3339 text) first; COALESCE runs the rest only where it failed.
                // Postgres's `infinity` casts to an infinite timestamp, which is no time at all.
                let text = format!(
                    "CASE WHEN suffix({t}, 'nfinity') THEN NULL ELSE CAST(TRY_CAST({t} AS TIMESTAMPTZ) AS TIMESTAMP) END"
                );
                if numeric.is_empty() {
                    text
                } else {
                    format!("coalesce({text}, CASE {numeric} END)")
                }
            }
            // A pattern the user gave; an RFC 3339 time (one a format rebuilt it to) still reads.
            pattern => format!(
                "coalesce(TRY(try_strptime({t}, {})), CAST(TRY_CAST({t} AS TIMESTAMPTZ) AS TIMESTAMP))",
                lit(pattern)
            ),
        }
    }

    /// True when text `t` is a date-time without a UTC offset (read as UTC, and flagged).
    fn naive(&self, t: &str) -> String {
        // CASE, not AND: the number test and the regexp run only for text not ending in 'Z'.
        format!(
            "CASE WHEN {t} IS NULL OR suffix({t}, 'Z') THEN false \
             ELSE TRY_CAST({t} AS DOUBLE) IS NULL AND NOT regexp_matches({t}, '([Zz]|[+-]\\d\\d(:?\\d\\d)?)\\s*$') END"
        )
    }

    /// How many of the row's top-level keys are known to be mapped (roots of `s` that are present).
    /// When it equals the row's key count, nothing is left over for metadata.
    fn mapped_keys_present(&self) -> Option<String> {
        let roots: std::collections::BTreeSet<&str> = self
            .leaves
            .keys()
            .filter_map(|p| p.split('.').next())
            .collect();
        if roots.is_empty() {
            return None;
        }
        Some(
            roots
                .iter()
                .map(|r| format!("(s[{}] IS NOT NULL)::INTEGER", lit(r)))
                .collect::<Vec<_>>()
                .join(" + "),
        )
    }

    /// The full SELECT over `stage`. `id_salt` makes ids for rows without one (source sha256).
    pub fn select(&self, id_salt: &str) -> String {
        let mut extract = String::new();
        if !self.leaves.is_empty() {
            extract += &format!(
                ", CASE WHEN pre_reason IS NULL THEN TRY(json_transform(d, {})) END AS s",
                lit(&self.structure())
            );
        }
        if !self.fallback.is_empty() {
            let list: Vec<String> = self.fallback.iter().map(|p| lit(p)).collect();
            extract += &format!(
                ", CASE WHEN pre_reason IS NULL THEN TRY(json_extract(d, [{}])) END AS x",
                list.join(", ")
            );
        }
        let mapped_keys: Vec<String> = FIELDS
            .iter()
            .flat_map(|f| self.mapping.candidates(f))
            .filter_map(|c| c.top_key())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let removal = serde_json::Value::Object(
            mapped_keys
                .iter()
                .map(|k| (k.clone(), serde_json::Value::Null))
                .collect(),
        )
        .to_string();
        let meta = self.json_of("metadata");
        let default_micros = self
            .mapping
            .default_time
            .as_deref()
            .and_then(|t| crate::model::parse_instant(t).ok());
        let int = |f: &str| format!("TRY_CAST({} AS BIGINT)", self.text_of(f));
        format!(
            r#"
WITH s AS (
    SELECT "row", pre_reason, coalesce(doc, raw) AS d FROM stage
), e AS (
    SELECT *{extract} FROM s
), v AS (
    -- Parsed text that starts with '{{' is an object; only the rest needs its type looked up.
    SELECT *, CASE WHEN pre_reason IS NOT NULL THEN NULL WHEN {parsed} AND ascii(d) = 123 THEN 'OBJECT'
        ELSE TRY(json_type(d)) END AS dtype
    FROM e
), f AS (
    SELECT "row", pre_reason, dtype,
        {event_id} AS given_event_id,
        {stream_id} AS stream_id,
        {stream_type} AS given_stream_type,
        {stream_version} AS stream_version_text,
        {event_type} AS event_type,
        {schema_version} AS schema_version_text,
        {occurred} AS occurred_text,
        CASE WHEN {occurred} IS NULL AND {has_default} THEN 'default_time' ELSE {time_placed} END AS time_placed,
        {recorded} AS recorded_text,
        {actor} AS actor, {reason} AS reason, {causation} AS causation_id,
        {correlation} AS correlation_id, {corrects} AS corrects,
        {payload} AS payload,
        {payload_bad} AS payload_bad,
        CASE WHEN dtype = 'OBJECT' THEN {metadata} END AS metadata,
        {position} AS position
    FROM v
), t AS (
    SELECT *, CASE WHEN occurred_text IS NULL THEN {default_time} ELSE {occurred_time} END AS occurred_at,
        {recorded_time} AS recorded_parsed,
        TRY_CAST(stream_version_text AS BIGINT) AS stream_version,
        TRY_CAST(schema_version_text AS BIGINT) AS schema_version_given
    FROM f
)
SELECT "row",
    coalesce(given_event_id, sha256({salt} || ':' || "row")) AS event_id,
    stream_id,
    CASE WHEN given_stream_type IS NOT NULL THEN given_stream_type
         WHEN {derive} THEN {derived_type} END AS stream_type,
    stream_version, event_type, coalesce(schema_version_given, 1) AS schema_version,
    occurred_at, coalesce(recorded_parsed, occurred_at) AS recorded_at,
    recorded_text IS NULL AS recorded_at_defaulted,
    ({occ_naive} OR {rec_naive}) AS naive_time,
    actor, reason, causation_id, correlation_id, corrects, payload,
    CASE WHEN time_placed IS NULL THEN metadata
         ELSE json_merge_patch(coalesce(metadata, '{{}}'::JSON), json_object('time_placed', time_placed)) END AS metadata,
    position, time_placed,
    CASE
        WHEN pre_reason IS NOT NULL THEN pre_reason
        WHEN dtype IS NULL THEN 'not JSON'
        WHEN dtype <> 'OBJECT' THEN 'not a JSON object (found ' || CASE dtype WHEN 'ARRAY' THEN 'an array'
            WHEN 'VARCHAR' THEN 'a string' WHEN 'BOOLEAN' THEN 'a boolean' WHEN 'NULL' THEN 'null' ELSE 'a number' END || ')'
        WHEN stream_id IS NULL THEN {no_stream}
        WHEN event_type IS NULL THEN {no_type}
        WHEN occurred_at IS NULL AND occurred_text IS NULL THEN {no_time}
        WHEN occurred_at IS NULL THEN 'unparseable timestamp ''' || occurred_text || ''' for occurred_at'
        WHEN recorded_text IS NOT NULL AND recorded_parsed IS NULL THEN 'unparseable timestamp ''' || recorded_text || ''' for recorded_at'
        WHEN payload_bad THEN 'payload starts like JSON (an object or array) but does not parse'
        WHEN stream_version_text IS NOT NULL AND stream_version IS NULL THEN 'stream_version ''' || stream_version_text || ''' is not a whole number'
        WHEN schema_version_text IS NOT NULL AND schema_version_given IS NULL THEN 'schema_version ''' || schema_version_text || ''' is not a whole number'
    END AS reject
FROM t
"#,
            event_id = self.text_of("event_id"),
            stream_id = self.text_of("stream_id"),
            stream_type = self.text_of("stream_type"),
            stream_version = self.text_of("stream_version"),
            event_type = self.text_of("event_type"),
            schema_version = self.text_of("schema_version"),
            occurred = self.text_of("occurred_at"),
            recorded = self.text_of("recorded_at"),
            actor = self.text_of("actor"),
            reason = self.text_of("reason"),
            causation = self.text_of("causation_id"),
            correlation = self.text_of("correlation_id"),
            corrects = self.text_of("corrects"),
            payload = self.json_of("payload"),
            metadata = {
                // Merging is costly; most rows have no unmapped keys, which one key count shows.
                let leftover = match self.mapped_keys_present() {
                    Some(n) => format!(
                        "CASE WHEN len(json_keys(d)) = {n} THEN '{{}}'::JSON ELSE json_merge_patch(d, {}) END",
                        lit(&removal)
                    ),
                    None => format!("json_merge_patch(d, {})", lit(&removal)),
                };
                if meta == "NULL" {
                    leftover
                } else {
                    format!(
                        "json_merge_patch({leftover}, CASE WHEN json_type({meta}) = 'OBJECT' THEN {meta} \
                         WHEN {meta} IS NOT NULL THEN json_object('metadata', {meta}) ELSE '{{}}' END)"
                    )
                }
            },
            payload_bad = self.undecodable("payload"),
            position = int("position"),
            time_placed = self.text_of("time_placed"),
            has_default = if default_micros.is_some() { "true" } else { "false" },
            default_time = match default_micros {
                Some(us) => format!("make_timestamp(CAST({us} AS BIGINT))"),
                None => "NULL::TIMESTAMP".to_string(),
            },
            occurred_time = self.time("occurred_text"),
            recorded_time = self.time("recorded_text"),
            occ_naive = self.naive("occurred_text"),
            rec_naive = self.naive("recorded_text"),
            salt = lit(id_salt),
            derive = if self.mapping.derive_stream_type == Some(false) { "false" } else { "true" },
            derived_type = crate::ingest::tables::derived_stream_type_sql("stream_id"),
            parsed = if !self.leaves.is_empty() {
                "s IS NOT NULL"
            } else if !self.fallback.is_empty() {
                "x IS NOT NULL"
            } else {
                "false"
            },
            no_stream = lit(&format!("no stream id ({})", self.looked_for("stream_id"))),
            no_type = lit(&format!(
                "no event type ({})",
                self.looked_for("event_type")
            )),
            no_time = lit(&format!(
                "no timestamp ({}); give the file a time for such events with --default-time, default_time in a mapping file, or the import screen's Default time",
                self.looked_for("occurred_at")
            )),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_parse_transforms_and_paths() {
        let c = Candidate::parse("json:data").unwrap();
        assert_eq!(
            (c.transform, c.json_path()),
            (Transform::Json, "$.\"data\"".to_string())
        );
        assert_eq!(
            Candidate::parse("meta_data.actor").unwrap().json_path(),
            "$.\"meta_data\".\"actor\""
        );
        assert_eq!(
            Candidate::parse("meta_data.actor")
                .unwrap()
                .top_key()
                .as_deref(),
            Some("meta_data")
        );
        assert_eq!(Candidate::parse("const:Account").unwrap().top_key(), None);
        assert_eq!(Candidate::parse("$.a[0]").unwrap().json_path(), "$.a[0]");
        assert!(Candidate::parse("json:").is_err());
    }

    #[test]
    fn mapping_files_name_only_envelope_fields_and_the_required_ones() {
        let bad: Mapping = toml::from_str("[fields]\nstream = \"s\"").unwrap();
        assert!(bad
            .validate()
            .unwrap_err()
            .contains("`stream` is not an envelope field"));
        let partial: Mapping =
            toml::from_str("[fields]\nstream_id = \"s\"\nevent_type = \"t\"").unwrap();
        assert!(partial.validate().unwrap_err().contains("occurred_at"));
        let ok: Mapping =
            toml::from_str("container = \"csv\"\n[fields]\nstream_id = [\"a\", \"b\"]\nevent_type = \"t\"\noccurred_at = \"w\"").unwrap();
        assert!(ok.validate().is_ok());
        assert_eq!(ok.candidates("stream_id").len(), 2);
        assert!(
            toml::from_str::<Mapping>("colour = \"blue\"").is_err(),
            "unknown keys are refused"
        );
    }
}
