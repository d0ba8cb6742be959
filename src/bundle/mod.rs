//! Case bundles: the evidence handed over as one `.casebundle` file (a zip) that a regulator opens and
//! checks offline. This module owns the bundle's layout, its manifest (every file's sha256 and size,
//! the scope, the redaction applied, the Merkle root over the events), the ed25519 signature over the
//! manifest, verification (which needs no case and no DuckDB unless something is wrong) and opening a
//! bundle as a read-only case.
//!
//! Layout: `manifest.json`, `signature.json` (when signed), `README.txt`, `events/events.jsonl.zst`
//! (one canonical JSON event per line, the Merkle leaves, compressed in zstd's seekable format;
//! `events/events.jsonl` uncompressed in bundles made before), `events/events.parquet` (the same events with
//! each one's leaf hash, for other tools), `events/salt-keys.json` (the salt keys the bundle may
//! carry, see `disclosure`), `custody/sources.json`, `notes.json`, `findings.json`,
//! `rules/*.toml` (how the case folds and finds decisions), `reports/...` (decision explanations,
//! attached reports).

pub mod container;
pub mod disclosure;
pub mod export;
pub mod keys;
pub mod merkle;
pub mod open;
pub mod redact;
pub mod safety;
pub mod seekable;
pub mod verify;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use redact::{Erasure, RedactionCounts};

/// The manifest's `format`; a reader refuses others.
pub const FORMAT: &str = "casefile-bundle/2";
/// Bundles whose leaves hash each event's whole line (before fields were committed one by one):
/// still verified.
pub const FORMAT_1: &str = "casefile-bundle/1";
pub const MANIFEST: &str = "manifest.json";
pub const SIGNATURE: &str = "signature.json";
/// The event lines of bundles made before they were compressed.
pub const EVENTS_JSONL: &str = "events/events.jsonl";
/// The event lines, in zstd's seekable format (`seekable`).
pub const EVENTS_JSONL_ZST: &str = "events/events.jsonl.zst";
pub const EVENTS_PARQUET: &str = "events/events.parquet";
/// The salt keys a bundle carries (see `disclosure`).
pub const SALT_KEYS: &str = "events/salt-keys.json";
pub const SOURCES: &str = "custody/sources.json";
pub const NOTES: &str = "notes.json";
pub const FINDINGS: &str = "findings.json";
pub const FOLD_RULES: &str = "rules/fold_rules.toml";
pub const DECISION_RULES: &str = "rules/decision_rules.toml";

/// What to put in a bundle and how.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct BundleRequest {
    /// Where to write the `.casebundle` (it must not exist yet).
    pub out: String,
    /// Only these streams (none: every stream).
    pub streams: Option<Vec<String>>,
    /// Only these decisions, with everything needed to explain them: their subjects' and their own
    /// streams, the deployments of their model versions, their context documents.
    pub decisions: Option<Vec<String>>,
    /// A time window (RFC 3339) on `axis` (recorded unless said).
    pub from: Option<String>,
    pub to: Option<String>,
    pub axis: Option<crate::model::Axis>,
    /// A redaction profile (TOML file) to apply before hashing.
    pub redact: Option<String>,
    /// The signing key: a key name (`casefile keys new NAME`) or a `.key` file.
    pub sign: Option<String>,
    /// Reports made earlier (drift HTML, ...) to carry under `reports/`.
    #[serde(default)]
    pub attach: Vec<String>,
}

/// One file of a bundle as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct BundleFile {
    pub path: String,
    pub sha256: String,
    #[ts(type = "number")]
    pub size: u64,
}

/// What a bundle covers.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Scope {
    /// "case", "streams", "decisions" (a window narrows any of them).
    pub kind: String,
    pub streams: Option<Vec<String>>,
    pub decisions: Option<Vec<String>>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub axis: Option<String>,
    /// Streams with events in the bundle.
    #[ts(type = "number")]
    pub stream_count: u64,
    #[ts(type = "number")]
    pub notes: u64,
    #[ts(type = "number")]
    pub findings: u64,
    #[ts(type = "number")]
    pub sources: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct EventsSummary {
    #[ts(type = "number")]
    pub count: u64,
    /// RFC 6962 Merkle tree root (hex) over the events' leaf hashes, in bundle order.
    pub merkle_root: String,
    /// How a leaf is made, in words.
    pub leaf: String,
    /// Where the salts of the fields' commitments come from (none in bundles made before fields
    /// were committed one by one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub salts: Option<String>,
    pub first_recorded_at: Option<String>,
    pub last_recorded_at: Option<String>,
}

/// The redaction the bundle went through.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct RedactionRecord {
    /// The profile's name ("none" when no profile was given: erasures still apply).
    pub profile: String,
    /// SHA-256 of the profile's text.
    pub profile_sha256: Option<String>,
    pub dropped: Vec<String>,
    pub pseudonymized: Vec<String>,
    /// Where the pseudonym key came from (never the key itself).
    pub pseudonym_secret: Option<String>,
    pub counts: RedactionCounts,
    /// Subjects erased under data-protection law: their named fields read `[erased]` in every event.
    pub erasures: Vec<Erasure>,
    /// The view the bundle was exported in: "auditor", or "operator (profile NAME, sha256 …)"
    /// (absent in bundles made before views were recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view: Option<String>,
}

/// The signer's public key, inside the signed manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct SignerRecord {
    pub algorithm: String,
    pub public_key: String,
    pub fingerprint: String,
}

/// `manifest.json`: everything verification checks against.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Manifest {
    pub format: String,
    pub tool_version: String,
    pub created_at: String,
    pub created_by: String,
    /// The case's file name (not its path: nothing in a bundle depends on where it was made).
    pub case_name: String,
    pub scope: Scope,
    pub events: EventsSummary,
    pub redaction: RedactionRecord,
    pub reports: Vec<String>,
    pub files: Vec<BundleFile>,
    pub signer: Option<SignerRecord>,
    /// How the zip around the files is written (`container::CANONICAL`); none in bundles made
    /// before containers were canonical, whose zip headers are not checked byte for byte.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub container: Option<String>,
}

/// `signature.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignatureFile {
    pub algorithm: String,
    pub public_key: String,
    pub fingerprint: String,
    /// base64 ed25519 signature over the exact bytes of `manifest.json`.
    pub signature: String,
}

/// What `bundle export` did.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct BundleExportReport {
    pub path: String,
    #[ts(type = "number")]
    pub events: u64,
    pub files: Vec<BundleFile>,
    pub merkle_root: String,
    /// The signer's fingerprint (none: unsigned).
    pub signed_by: Option<String>,
    #[ts(type = "number")]
    pub size_bytes: u64,
    pub scope: Scope,
    pub redaction: RedactionRecord,
}

/// One thing verification found wrong.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Problem {
    /// The file it is in (none: the bundle as a whole).
    pub file: Option<String>,
    pub event_id: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SignatureCheck {
    /// The signature is present, well-formed, matches the manifest and (when asked) the expected key.
    pub valid: bool,
    /// The signing key's fingerprint, as the bundle names it.
    pub signer: Option<String>,
    pub public_key: Option<String>,
    /// The key verification was told to expect.
    pub expected: Option<String>,
}

/// What `bundle verify` found.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct VerifyReport {
    pub ok: bool,
    pub path: String,
    pub merkle_root: Option<String>,
    pub signature: SignatureCheck,
    pub problems: Vec<Problem>,
    /// What was checked, in sentences (for the Verify view).
    pub checked: Vec<String>,
    #[ts(type = "number")]
    pub events: u64,
    #[ts(type = "number")]
    pub files: u64,
    #[ts(type = "number")]
    pub bytes: u64,
    pub manifest: Option<Manifest>,
    /// Which fields the events disclose, withhold, pseudonymize or erase (format 2 bundles).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub disclosure: Option<disclosure::DisclosureSummary>,
}

/// Writes `v` as canonical JSON: object keys sorted by their UTF-8 bytes, no whitespace, strings and
/// numbers as serde_json writes them. The same value always gives the same bytes.
pub fn write_canonical(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, k).expect("a string serializes");
                out.push(b':');
                write_canonical(&map[k], out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        scalar => serde_json::to_writer(&mut *out, scalar).expect("a scalar serializes"),
    }
}

pub fn canonical_string(v: &Value) -> String {
    let mut out = Vec::new();
    write_canonical(v, &mut out);
    String::from_utf8(out).expect("JSON is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_at_every_depth_and_ignores_input_order() {
        let a = json!({"b": 1, "a": {"z": [3, {"y": null, "x": "é\""}], "c": 1.5}});
        let b: Value =
            serde_json::from_str(r#"{"a":{"c":1.5,"z":[3,{"x":"é\"","y":null}]},"b":1}"#).unwrap();
        assert_eq!(canonical_string(&a), canonical_string(&b));
        assert_eq!(
            canonical_string(&a),
            r#"{"a":{"c":1.5,"z":[3,{"x":"é\"","y":null}]},"b":1}"#
        );
    }
}
