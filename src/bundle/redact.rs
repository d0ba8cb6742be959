//! Redaction before anything is hashed: a profile (TOML) names envelope and payload paths to drop or
//! to pseudonymize, and erasure markers in the log (a subject erased under GDPR, the log's
//! crypto-shredding) blank the fields they name in every event of that subject's stream.
//!
//! A pseudonym is `pseu-` and the first 16 hex digits of HMAC-SHA256(secret, value): the same value
//! gets the same pseudonym everywhere in a bundle (a stream id and a payload field that holds it
//! still match). The secret never enters the bundle: it is random per bundle unless the profile
//! names an environment variable holding it (then pseudonyms also agree across bundles).
//!
//! ```toml
//! name = "regulator"
//! drop = ["payload.ssn", "metadata.ip"]
//! pseudonymize = ["stream_id", "actor", "payload.name", "payload.contacts.*.email"]
//! secret_env = "CASEFILE_PSEUDONYM_SECRET"   # optional
//! erasure_field = "erased_fields"            # optional; the marker's list of erased fields
//! ```

use std::collections::HashMap;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::Event;

/// What an erased field reads as in a bundle.
pub const ERASED: &str = "[erased]";

/// The payload field of an erasure marker that lists the erased fields (when the profile says nothing).
pub const DEFAULT_ERASURE_FIELD: &str = "erased_fields";

const DROPPABLE: &[&str] = &["actor", "reason"];
const PSEUDONYMIZABLE: &[&str] = &[
    "stream_id",
    "actor",
    "causation_id",
    "correlation_id",
    "corrects",
];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    name: Option<String>,
    #[serde(default)]
    drop: Vec<String>,
    #[serde(default)]
    pseudonymize: Vec<String>,
    secret_env: Option<String>,
    erasure_field: Option<String>,
}

/// A checked redaction profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub drop: Vec<String>,
    pub pseudonymize: Vec<String>,
    pub secret_env: Option<String>,
    pub erasure_field: String,
    /// SHA-256 of the profile's text, so the manifest names exactly which profile was applied.
    pub sha256: String,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            name: "none".into(),
            drop: vec![],
            pseudonymize: vec![],
            secret_env: None,
            erasure_field: DEFAULT_ERASURE_FIELD.into(),
            sha256: String::new(),
        }
    }
}

impl Profile {
    /// Parses a profile; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Profile> {
        let bad = |cause: String| Error::BadProfile {
            origin: origin.to_string(),
            cause,
        };
        let file: ProfileFile = toml::from_str(text).map_err(|e| bad(e.message().to_string()))?;
        for path in &file.drop {
            check_path(path, DROPPABLE).map_err(|c| bad(format!("drop: {c}")))?;
        }
        for path in &file.pseudonymize {
            check_path(path, PSEUDONYMIZABLE).map_err(|c| bad(format!("pseudonymize: {c}")))?;
        }
        if let Some(p) = file.drop.iter().find(|p| file.pseudonymize.contains(p)) {
            return Err(bad(format!(
                "`{p}` is both dropped and pseudonymized; choose one."
            )));
        }
        if file.drop.is_empty() && file.pseudonymize.is_empty() {
            return Err(bad(
                "it names nothing to drop or pseudonymize (keys `drop` and `pseudonymize`)".into(),
            ));
        }
        Ok(Profile {
            name: file.name.unwrap_or_else(|| origin.to_string()),
            drop: file.drop,
            pseudonymize: file.pseudonymize,
            secret_env: file.secret_env,
            erasure_field: file
                .erasure_field
                .unwrap_or_else(|| DEFAULT_ERASURE_FIELD.into()),
            sha256: hex::encode(Sha256::digest(text.as_bytes())),
        })
    }

    /// The pseudonym key: from the profile's environment variable, else fresh random bytes.
    pub fn secret(&self) -> Result<(Vec<u8>, String)> {
        if let Some(var) = &self.secret_env {
            let value = std::env::var(var).map_err(|_| Error::BadArgument {
                message: format!("The redaction profile takes its pseudonym secret from the environment variable {var}, which is not set."),
            })?;
            if value.len() < 16 {
                return Err(Error::BadArgument {
                    message: format!("The pseudonym secret in {var} is {} characters long; use at least 16 so pseudonyms cannot be guessed back.", value.len()),
                });
            }
            return Ok((
                value.into_bytes(),
                format!("from the environment variable {var}; not in the bundle"),
            ));
        }
        let mut secret = vec![0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| Error::BadArgument {
            message: format!("The system's random source failed: {e}."),
        })?;
        Ok((
            secret,
            "random for this bundle and then forgotten; not in the bundle".into(),
        ))
    }
}

fn check_path(path: &str, top_level: &[&str]) -> std::result::Result<(), String> {
    let mut parts = path.split('.');
    let head = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    if rest.iter().any(|p| p.is_empty()) {
        return Err(format!("`{path}` has an empty segment"));
    }
    match head {
        "payload" | "metadata" if !rest.is_empty() => Ok(()),
        h if rest.is_empty() && top_level.contains(&h) => Ok(()),
        _ => Err(format!(
            "`{path}` is not a path Casefile can redact there: use payload.FIELD[.FIELD...], metadata.FIELD[...] or one of {}",
            top_level.join(", ")
        )),
    }
}

/// What redaction did, for the manifest.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct RedactionCounts {
    pub values_dropped: u64,
    pub values_pseudonymized: u64,
    pub values_erased: u64,
}

impl std::ops::AddAssign for RedactionCounts {
    fn add_assign(&mut self, other: Self) {
        self.values_dropped += other.values_dropped;
        self.values_pseudonymized += other.values_pseudonymized;
        self.values_erased += other.values_erased;
    }
}

/// One erased subject, as the manifest records it.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Erasure {
    pub stream_id: String,
    pub marker_event_id: String,
    pub fields: Vec<String>,
}

/// Applies a profile and the erasure markers to events (shared by the threads of an export).
pub struct Redactor {
    profile: Profile,
    /// Payload and metadata rules apply wherever their path appears, at any depth (the operator
    /// view's reading, see `viewer`), not only from the root.
    anywhere: bool,
    secret: Vec<u8>,
    /// Per stream, the payload fields its erasure markers name.
    erased: HashMap<String, Vec<String>>,
}

impl Redactor {
    pub fn new(profile: Profile, secret: Vec<u8>, erasures: &[Erasure]) -> Redactor {
        let mut erased: HashMap<String, Vec<String>> = HashMap::new();
        for e in erasures {
            let fields = erased.entry(e.stream_id.clone()).or_default();
            for f in &e.fields {
                if !fields.contains(f) {
                    fields.push(f.clone());
                }
            }
        }
        Redactor {
            profile,
            anywhere: false,
            secret,
            erased,
        }
    }

    /// This redactor with payload and metadata rules applied at any depth.
    pub fn anywhere(mut self) -> Redactor {
        self.anywhere = true;
        self
    }

    /// The profile this redactor applies.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The payload fields the erasure markers of `stream_id` name (empty when none).
    pub fn erased_fields(&self, stream_id: &str) -> &[String] {
        self.erased.get(stream_id).map_or(&[], Vec::as_slice)
    }

    pub fn pseudonymizes(&self, top_level: &str) -> bool {
        self.profile.pseudonymize.iter().any(|p| p == top_level)
    }

    /// The pseudonym of a text value.
    pub fn pseudonym(&self, text: &str) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes keys of any length");
        mac.update(text.as_bytes());
        let tag = mac.finalize().into_bytes();
        format!("pseu-{}", &hex::encode(tag)[..16])
    }

    pub(crate) fn pseudonym_of_value(&self, v: &Value) -> Value {
        match v {
            Value::Null => Value::Null,
            Value::String(s) if s == ERASED => v.clone(),
            Value::String(s) => Value::String(self.pseudonym(s)),
            other => Value::String(self.pseudonym(&other.to_string())),
        }
    }

    /// A stream id as it reads in the bundle.
    pub fn stream_id(&self, id: &str) -> String {
        if self.pseudonymizes("stream_id") {
            self.pseudonym(id)
        } else {
            id.to_string()
        }
    }

    /// Redacts one event in place: erasure first (by the stream's original id), then the profile.
    /// Returns what it changed.
    pub fn apply(&self, ev: &mut Event) -> RedactionCounts {
        let mut erased = 0;
        if let Some(fields) = self.erased.get(&ev.stream_id) {
            for f in fields {
                let segments: Vec<&str> = f.split('.').collect();
                erased += rewrite(&mut ev.payload, &segments, &mut |_| {
                    Some(Value::String(ERASED.into()))
                });
            }
        }
        let anywhere = self.anywhere;
        let mut dropped = 0;
        for path in &self.profile.drop {
            dropped += rewrite_event_path(ev, path, anywhere, &mut |_| None);
        }
        let mut pseudonymized = 0;
        for path in &self.profile.pseudonymize {
            pseudonymized += rewrite_event_path(ev, path, anywhere, &mut |v| {
                Some(self.pseudonym_of_value(v))
            });
        }
        RedactionCounts {
            values_dropped: dropped,
            values_pseudonymized: pseudonymized,
            values_erased: erased,
        }
    }
}

/// Rewrites `path` of an event (`op` returns the new value, or None to remove it); returns how many
/// values it touched.
fn rewrite_event_path(
    ev: &mut Event,
    path: &str,
    anywhere: bool,
    op: &mut dyn FnMut(&Value) -> Option<Value>,
) -> u64 {
    let within = |value: &mut Value, rest: &str, op: &mut dyn FnMut(&Value) -> Option<Value>| {
        let segments: Vec<&str> = rest.split('.').collect();
        if anywhere {
            rewrite_anywhere(value, &segments, op)
        } else {
            rewrite(value, &segments, op)
        }
    };
    let (head, rest) = path.split_once('.').unwrap_or((path, ""));
    let field = |slot: &mut Option<String>, op: &mut dyn FnMut(&Value) -> Option<Value>| -> u64 {
        let Some(old) = slot.take() else { return 0 };
        *slot = op(&Value::String(old)).map(|v| match v {
            Value::String(s) => s,
            other => other.to_string(),
        });
        1
    };
    match head {
        "payload" => within(&mut ev.payload, rest, op),
        "metadata" => within(&mut ev.metadata, rest, op),
        "stream_id" => {
            let mut slot = Some(std::mem::take(&mut ev.stream_id));
            let n = field(&mut slot, op);
            ev.stream_id = slot.unwrap_or_default();
            n
        }
        "actor" => field(&mut ev.actor, op),
        "reason" => field(&mut ev.reason, op),
        "causation_id" => field(&mut ev.causation_id, op),
        "correlation_id" => field(&mut ev.correlation_id, op),
        "corrects" => field(&mut ev.corrects, op),
        _ => 0,
    }
}

/// Rewrites what `segments` names at this level and at every depth below it; returns how many
/// values it touched.
pub(crate) fn rewrite_anywhere(
    value: &mut Value,
    segments: &[&str],
    op: &mut dyn FnMut(&Value) -> Option<Value>,
) -> u64 {
    let mut n = rewrite(value, segments, op);
    match value {
        Value::Object(map) => {
            for child in map.values_mut() {
                n += rewrite_anywhere(child, segments, op);
            }
        }
        Value::Array(items) => {
            for child in items {
                n += rewrite_anywhere(child, segments, op);
            }
        }
        _ => {}
    }
    n
}

/// Walks `segments` into `value` (arrays are walked element by element, `*` matches every key) and
/// rewrites what the last segment names.
pub(crate) fn rewrite(
    value: &mut Value,
    segments: &[&str],
    op: &mut dyn FnMut(&Value) -> Option<Value>,
) -> u64 {
    let Some((first, rest)) = segments.split_first() else {
        return 0;
    };
    match value {
        // `*` names every element; any other name is looked up in every element.
        Value::Array(items) if *first == "*" && !rest.is_empty() => {
            items.iter_mut().map(|i| rewrite(i, rest, op)).sum()
        }
        Value::Array(items) => items.iter_mut().map(|i| rewrite(i, segments, op)).sum(),
        Value::Object(map) => {
            let keys: Vec<String> = if *first == "*" {
                map.keys().cloned().collect()
            } else if map.contains_key(*first) {
                vec![first.to_string()]
            } else {
                vec![]
            };
            let mut n = 0;
            for k in keys {
                if rest.is_empty() {
                    let old = map.get(&k).cloned().unwrap_or(Value::Null);
                    match op(&old) {
                        Some(new) => {
                            map.insert(k, new);
                        }
                        None => {
                            map.shift_remove(&k);
                        }
                    }
                    n += 1;
                } else if let Some(child) = map.get_mut(&k) {
                    n += rewrite(child, rest, op);
                }
            }
            n
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(stream: &str, payload: Value) -> Event {
        Event {
            seq: 1,
            event_id: "e1".into(),
            stream_id: stream.into(),
            stream_type: None,
            stream_version: None,
            event_type: "T".into(),
            schema_version: 1,
            occurred_at: "2024-01-01T00:00:00Z".into(),
            recorded_at: "2024-01-01T00:00:00Z".into(),
            recorded_at_defaulted: false,
            naive_time: false,
            actor: Some("human/jones".into()),
            reason: None,
            causation_id: None,
            correlation_id: None,
            corrects: None,
            payload,
            metadata: json!({"ip": "10.0.0.1"}),
            source_id: 1,
            source_row: 1,
        }
    }

    #[test]
    fn profile_drops_and_pseudonymizes_consistently_and_erasure_blanks_named_fields() {
        let p = Profile::parse(
            r#"
name = "t"
drop = ["metadata.ip", "payload.contacts.*.phone"]
pseudonymize = ["stream_id", "payload.name", "payload.ref"]
"#,
            "test",
        )
        .unwrap();
        let erasures = vec![Erasure {
            stream_id: "applicant-1".into(),
            marker_event_id: "m".into(),
            fields: vec!["city".into()],
        }];
        let r = Redactor::new(p, b"0123456789abcdef".to_vec(), &erasures);
        let mut counts = RedactionCounts::default();
        let mut a = event(
            "applicant-1",
            json!({"name": "Ann", "city": "Leeds", "ref": "applicant-1",
                   "contacts": [{"phone": "1", "kind": "home"}, {"phone": "2"}]}),
        );
        counts += r.apply(&mut a);
        let pseudo = r.pseudonym("applicant-1");
        assert_eq!(a.stream_id, pseudo);
        assert_eq!(
            a.payload["ref"],
            json!(pseudo),
            "same value, same pseudonym"
        );
        assert_eq!(a.payload["city"], json!(ERASED));
        assert_eq!(a.payload["contacts"], json!([{"kind": "home"}, {}]));
        assert_eq!(a.metadata, json!({}));
        assert_ne!(a.payload["name"], json!("Ann"));
        assert_eq!(
            (
                counts.values_dropped,
                counts.values_pseudonymized,
                counts.values_erased
            ),
            (3, 3, 1)
        );
        let mut b = event("applicant-2", json!({"city": "York"}));
        counts += r.apply(&mut b);
        assert_eq!(counts.values_erased, 1);
        assert_eq!(b.payload["city"], json!("York"), "only the erased subject");
    }

    #[test]
    fn profile_mistakes_read_as_sentences() {
        let err = |t: &str| Profile::parse(t, "p.toml").unwrap_err().to_string();
        assert!(err("drop = [\"event_id\"]").contains("`event_id` is not a path"));
        assert!(err("drop = [\"payload\"]").contains("`payload` is not a path"));
        assert!(err("dorp = []").contains("unknown field"));
        assert!(err("name = \"x\"").contains("names nothing"));
        assert!(
            err("drop = [\"payload.a\"]\npseudonymize = [\"payload.a\"]")
                .contains("both dropped and pseudonymized")
        );
    }
}
