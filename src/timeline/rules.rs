//! Fold rules of a case: how events become state. Upcasters rewrite old payload shapes at read time;
//! projection rules say, per event type, what an event does to its entity's state. An event type
//! without a rule is merged into the state as a JSON merge patch (RFC 7396).
//!
//! Both live in one TOML document stored in the case (`case_meta` key `fold_rules`):
//!
//! ```toml
//! [[upcaster]]                        # schema_version 1 of CreditScoreUpdated becomes 2
//! event_type = "CreditScoreUpdated"
//! schema_version = 1
//! rename = { score = "credit_score" } # payload paths: old = new
//! move = { "details.city" = "address.city" }
//! defaults = { bureau = "unknown" }   # set where absent
//!
//! [[rule]]
//! event_type = "PaymentReceived"
//! set = { "last_payment.at" = "paid_at" }  # state path = payload path ("" is the whole payload)
//! merge = { "profile" = "details" }
//! unset = ["arrears"]
//! increment = { "paid_total" = "amount" }
//! append = { "payments" = "" }
//! remove = { "tags" = "tag" }
//! delete_entity = false
//! replace = false                     # true: the payload becomes the whole state
//! ```
//!
//! Built-in rules apply to event types the case's own rules do not name: a `Tombstone` (a Kafka
//! key with a null payload) deletes its entity, and the row changes of change-data capture
//! (Debezium, see `ingest::formats::debezium`) fold as a database row does: `RowSnapshotted`,
//! `RowCreated` and `RowUpdated` replace the state with the row as it is after the change (a column
//! holding Debezium's unavailable-value placeholder keeps its previous value), and `RowDeleted`
//! and `TableTruncated` end the entity. They are part of the rules' fingerprint, so stored
//! snapshots made before a built-in changed are rebuilt.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The event type of a deletion marker (a Kafka tombstone: a key with a null payload). Unless the
/// case's rules say otherwise, it deletes its entity.
pub const TOMBSTONE: &str = "Tombstone";

/// A row as the database had it when the connector's initial snapshot read it (Debezium op `r`).
pub const ROW_SNAPSHOTTED: &str = "RowSnapshotted";
/// A row inserted (Debezium op `c`).
pub const ROW_CREATED: &str = "RowCreated";
/// A row updated (Debezium op `u`); the payload is the whole row after the update.
pub const ROW_UPDATED: &str = "RowUpdated";
/// A row deleted (Debezium op `d`).
pub const ROW_DELETED: &str = "RowDeleted";
/// A table emptied by `TRUNCATE` (Debezium op `t`): an event of the table's own stream.
pub const TABLE_TRUNCATED: &str = "TableTruncated";
/// What Debezium writes for a column whose value the database did not send with the change (an
/// unchanged TOASTed PostgreSQL column, `unavailable.value.placeholder`): not a value.
pub const UNAVAILABLE_VALUE: &str = "__debezium_unavailable_value";

/// The rules that apply when the case's own rules do not name the event type.
static BUILTIN_RULES: std::sync::LazyLock<Vec<Rule>> = std::sync::LazyLock::new(|| {
    let delete = |t: &str| Rule {
        event_type: t.to_string(),
        delete_entity: true,
        ..Rule::default()
    };
    let replace = |t: &str| Rule {
        event_type: t.to_string(),
        replace: true,
        ..Rule::default()
    };
    vec![
        delete(TOMBSTONE),
        replace(ROW_SNAPSHOTTED),
        replace(ROW_CREATED),
        replace(ROW_UPDATED),
        delete(ROW_DELETED),
        delete(TABLE_TRUNCATED),
    ]
});

/// The built-in rules as the TOML a case's own rules are written in.
pub fn builtin_rules_toml() -> String {
    FoldRules {
        upcasters: Vec::new(),
        rules: BUILTIN_RULES.clone(),
    }
    .to_toml()
}

/// Rewrites one (event_type, schema_version) payload shape into the next version's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upcaster {
    pub event_type: String,
    /// The version this upcaster reads; it produces `schema_version + 1`.
    pub schema_version: i64,
    #[serde(default)]
    pub rename: BTreeMap<String, String>,
    #[serde(default, rename = "move")]
    pub moves: BTreeMap<String, String>,
    #[serde(default)]
    pub defaults: BTreeMap<String, toml::Value>,
}

/// What events of one type do to state. Operations run in the order of the fields below.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub event_type: String,
    #[serde(default)]
    pub delete_entity: bool,
    /// The payload (an object) becomes the whole state, not merged into it: what a database row
    /// change means. A field holding [`UNAVAILABLE_VALUE`] keeps its previous value.
    #[serde(default, skip_serializing_if = "is_false")]
    pub replace: bool,
    #[serde(default)]
    pub unset: Vec<String>,
    #[serde(default)]
    pub set: BTreeMap<String, String>,
    #[serde(default)]
    pub merge: BTreeMap<String, String>,
    #[serde(default)]
    pub increment: BTreeMap<String, String>,
    #[serde(default)]
    pub append: BTreeMap<String, String>,
    #[serde(default)]
    pub remove: BTreeMap<String, String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The whole document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FoldRules {
    #[serde(default, rename = "upcaster")]
    pub upcasters: Vec<Upcaster>,
    #[serde(default, rename = "rule")]
    pub rules: Vec<Rule>,
}

impl FoldRules {
    /// Parses and checks a rules document; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<FoldRules> {
        let rules: FoldRules = toml::from_str(text).map_err(|e| Error::BadRules {
            origin: origin.to_string(),
            cause: e.message().to_string(),
        })?;
        rules.validate().map_err(|cause| Error::BadRules {
            origin: origin.to_string(),
            cause,
        })?;
        Ok(rules)
    }

    fn validate(&self) -> std::result::Result<(), String> {
        let mut seen = std::collections::BTreeSet::new();
        for r in &self.rules {
            if r.event_type.trim().is_empty() {
                return Err("a [[rule]] has an empty event_type.".into());
            }
            if !seen.insert(r.event_type.as_str()) {
                return Err(format!(
                    "event type `{}` has two [[rule]] entries; merge them into one.",
                    r.event_type
                ));
            }
            for (op, paths) in [
                ("set", &r.set),
                ("increment", &r.increment),
                ("append", &r.append),
                ("remove", &r.remove),
            ] {
                if paths.contains_key("") {
                    return Err(format!(
                        "the rule for `{}` uses `{op}` on the whole state (\"\"); only `merge` may target the root.",
                        r.event_type
                    ));
                }
            }
            if r.replace && r.delete_entity {
                return Err(format!(
                    "the rule for `{}` both replaces the state and deletes the entity; choose one.",
                    r.event_type
                ));
            }
            if r.unset.iter().any(|p| p.is_empty()) {
                return Err(format!(
                    "the rule for `{}` unsets the whole state; use delete_entity = true instead.",
                    r.event_type
                ));
            }
        }
        let mut versions = std::collections::BTreeSet::new();
        for u in &self.upcasters {
            if !versions.insert((u.event_type.as_str(), u.schema_version)) {
                return Err(format!(
                    "event type `{}` has two upcasters for schema_version {}.",
                    u.event_type, u.schema_version
                ));
            }
            if u.rename.keys().chain(u.moves.keys()).any(|p| p.is_empty()) {
                return Err(format!(
                    "an upcaster for `{}` renames or moves the whole payload; name a field.",
                    u.event_type
                ));
            }
        }
        Ok(())
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// Identifies the rules, the built-in ones included: stored snapshots made under other rules
    /// are stale.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.to_toml().as_bytes());
        h.update(b"\n# built-in rules\n");
        h.update(builtin_rules_toml().as_bytes());
        hex::encode(h.finalize())
    }

    /// The rule for an event type: the case's own, else a built-in one (a tombstone deletes, row
    /// changes replace the row's state; see `BUILTIN_RULES`).
    pub fn rule_for(&self, event_type: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.event_type == event_type)
            .or_else(|| BUILTIN_RULES.iter().find(|r| r.event_type == event_type))
    }

    /// True when an upcaster rewrites events of this type (at some schema version).
    pub fn upcasts(&self, event_type: &str) -> bool {
        self.upcasters.iter().any(|u| u.event_type == event_type)
    }

    pub fn upcaster_for(&self, event_type: &str, schema_version: i64) -> Option<&Upcaster> {
        self.upcasters
            .iter()
            .find(|u| u.event_type == event_type && u.schema_version == schema_version)
    }
}

/// A TOML value as JSON (upcaster defaults).
pub fn toml_to_json(v: &toml::Value) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_documents_are_checked_with_sentences() {
        let ok = FoldRules::parse(
            "[[rule]]\nevent_type = \"A\"\nset = { \"x\" = \"y\" }\n[[upcaster]]\nevent_type = \"A\"\nschema_version = 1\nrename = { a = \"b\" }",
            "t",
        )
        .unwrap();
        assert_eq!(ok.rules.len(), 1);
        assert_eq!(ok.upcasters[0].rename["a"], "b");
        let twice = FoldRules::parse(
            "[[rule]]\nevent_type = \"A\"\n[[rule]]\nevent_type = \"A\"",
            "t",
        )
        .unwrap_err();
        assert!(
            twice.to_string().contains("two [[rule]] entries"),
            "{twice}"
        );
        let unknown = FoldRules::parse("[[rule]]\nevent_type = \"A\"\nsett = {}", "t").unwrap_err();
        assert!(unknown.to_string().contains("sett"), "{unknown}");
        assert_eq!(
            FoldRules::default().fingerprint(),
            FoldRules::parse("", "t").unwrap().fingerprint()
        );
        let both = FoldRules::parse(
            "[[rule]]\nevent_type = \"A\"\nreplace = true\ndelete_entity = true",
            "t",
        )
        .unwrap_err();
        assert!(both.to_string().contains("choose one"), "{both}");
    }

    #[test]
    fn built_in_rules_apply_unless_the_case_names_the_type_and_count_in_the_fingerprint() {
        let none = FoldRules::default();
        assert!(none.rule_for(TOMBSTONE).unwrap().delete_entity);
        assert!(none.rule_for(ROW_UPDATED).unwrap().replace);
        assert!(none.rule_for(ROW_DELETED).unwrap().delete_entity);
        assert!(none.rule_for("OrderPlaced").is_none());
        let own = FoldRules::parse(
            "[[rule]]\nevent_type = \"RowDeleted\"\nunset = [\"x\"]",
            "t",
        )
        .unwrap();
        assert!(!own.rule_for(ROW_DELETED).unwrap().delete_entity);
        // The fingerprint covers the built-ins, and a rule that does not replace is written as before.
        let plain = hex::encode(Sha256::digest(none.to_toml().as_bytes()));
        assert_ne!(none.fingerprint(), plain);
        assert!(!own.to_toml().contains("replace"));
        assert!(builtin_rules_toml().contains("replace = true"));
    }
}
