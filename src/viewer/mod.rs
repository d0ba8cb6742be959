//! Who a case is shown to: the auditor, who sees every record as it was loaded, or an operator,
//! who sees it through the case's operator profile (a bundle redaction profile, see
//! [`crate::bundle::redact`]). The mask is applied here, in the engine, to what the facade hands
//! out: events, states, histories, diffs, populations, decisions and their explanations, model
//! records, findings and notes ([`Masked`]); SQL reads masked views of the tables and is checked to
//! read nothing else ([`masked_sql`]); a bundle is redacted with the profile; exports that would
//! write unmasked states (training sets, population files, lake exports) are refused.
//!
//! Where a value was built from payloads (a state, a decision's inputs, a context document), a
//! payload rule of the profile applies wherever its path appears, at any depth: a state merges
//! many payloads and a decision's inputs are a part of one, so the rule's position is not known.
//! A stream id the profile pseudonymizes reads as its pseudonym everywhere, and the operator
//! names streams by their pseudonyms (the real id is refused, so the view cannot be used to learn
//! which pseudonym a known id has). Pseudonyms are keyed by a secret kept in the case, so they are
//! the same in every session and in notes.
//!
//! The view guards what the app and the CLI show; it is not access control over the file: whoever
//! holds the case file holds everything in it (SECURITY.md).

use std::collections::HashMap;
use std::sync::OnceLock;

use duckdb::Connection;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::bundle::redact::{self, rewrite_anywhere as anywhere, Profile, Redactor, ERASED};
use crate::error::{Error, Result};
use crate::model::Event;
use crate::store::meta;

pub mod masked;
pub mod sql;

/// The case meta key holding the operator profile's TOML.
const PROFILE_KEY: &str = "operator_profile";
/// The case meta key holding the pseudonym secret (hex) of the operator view.
const SECRET_KEY: &str = "operator_pseudonym_secret";

/// The envelope fields a profile may drop or pseudonymize.
const ENVELOPE_FIELDS: [&str; 6] = [
    "stream_id",
    "actor",
    "reason",
    "causation_id",
    "correlation_id",
    "corrects",
];

/// What a withheld value reads as where something must stand in its place (a message, a cell).
pub const WITHHELD: &str = "[withheld]";

/// The view a case is shown in.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ts_rs::TS,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Viewer {
    /// Every record as it was loaded.
    #[default]
    Auditor,
    /// Masked by the case's operator profile.
    Operator,
}

impl Viewer {
    pub fn as_str(self) -> &'static str {
        match self {
            Viewer::Auditor => "auditor",
            Viewer::Operator => "operator",
        }
    }
}

/// The operator profile a case holds, as the header and the notes describe it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct OperatorProfile {
    pub name: String,
    pub sha256: String,
    pub drop: Vec<String>,
    pub pseudonymize: Vec<String>,
}

/// The view in force and the profile an operator view applies.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ViewInfo {
    pub viewer: Viewer,
    /// The case's operator profile (none: the case cannot be opened in the operator view yet).
    pub operator_profile: Option<OperatorProfile>,
}

impl ViewInfo {
    /// How a note or an export records the view: "auditor", or "operator (profile NAME, sha256 …)".
    pub fn label(&self) -> String {
        match (&self.viewer, &self.operator_profile) {
            (Viewer::Operator, Some(p)) => {
                format!("operator (profile {}, sha256 {})", p.name, &p.sha256[..12])
            }
            (v, _) => v.as_str().to_string(),
        }
    }
}

/// The operator profile stored in a case, if any.
pub fn stored_profile(conn: &Connection) -> Result<Option<Profile>> {
    meta::get(conn, PROFILE_KEY)
        .map(|text| Profile::parse(&text, "the case's operator profile"))
        .transpose()
}

/// Stores `text` as the case's operator profile (checked first), with a pseudonym secret of its
/// own when the case has none yet.
pub fn store_profile(conn: &Connection, text: &str, origin: &str) -> Result<Profile> {
    let profile = Profile::parse(text, origin)?;
    meta::set(conn, PROFILE_KEY, text)?;
    if meta::get(conn, SECRET_KEY).is_none() {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| Error::BadArgument {
            message: format!("The system's random source failed: {e}."),
        })?;
        meta::set(conn, SECRET_KEY, &hex::encode(secret))?;
    }
    Ok(profile)
}

/// Removes the case's operator profile (its pseudonym secret stays, so pseudonyms in notes still
/// match when a profile is set again).
pub fn clear_profile(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM case_meta WHERE key = ?", [PROFILE_KEY])?;
    Ok(())
}

pub fn describe(profile: &Profile) -> OperatorProfile {
    OperatorProfile {
        name: profile.name.clone(),
        sha256: profile.sha256.clone(),
        drop: profile.drop.clone(),
        pseudonymize: profile.pseudonymize.clone(),
    }
}

/// The mask of an operator view: the profile, the case's erasures and the pseudonym key.
pub struct Mask {
    redactor: Redactor,
    /// The pseudonym key (a bundle exported in the view uses it too).
    secret: Vec<u8>,
    /// The payload rules as segment lists, for values built from payloads.
    payload_drop: Vec<Vec<String>>,
    payload_pseudonymize: Vec<Vec<String>>,
    streams: bool,
    /// Pseudonym -> stream id (or subject id), built on the first name the operator gives.
    reverse: OnceLock<HashMap<String, String>>,
}

impl Mask {
    /// The mask of the case's operator profile; an error when the case has none.
    pub fn of_case(conn: &Connection) -> Result<Mask> {
        let profile = stored_profile(conn)?.ok_or(Error::NoOperatorProfile)?;
        let secret = match &profile.secret_env {
            Some(_) => profile.secret()?.0,
            None => meta::get(conn, SECRET_KEY)
                .and_then(|h| hex::decode(h).ok())
                .ok_or(Error::NoOperatorProfile)?,
        };
        let erasures = crate::bundle::export::erasure_markers(conn, &profile.erasure_field)?;
        Ok(Mask::new(profile, secret, &erasures))
    }

    pub fn new(profile: Profile, secret: Vec<u8>, erasures: &[redact::Erasure]) -> Mask {
        let payload_rules = |paths: &[String]| -> Vec<Vec<String>> {
            paths
                .iter()
                .filter_map(|p| p.strip_prefix("payload."))
                .map(|rest| rest.split('.').map(str::to_string).collect())
                .collect()
        };
        let payload_drop = payload_rules(&profile.drop);
        let payload_pseudonymize = payload_rules(&profile.pseudonymize);
        let streams = profile.pseudonymize.iter().any(|p| p == "stream_id");
        Mask {
            redactor: Redactor::new(profile, secret.clone(), erasures).anywhere(),
            secret,
            payload_drop,
            payload_pseudonymize,
            streams,
            reverse: OnceLock::new(),
        }
    }

    pub fn profile(&self) -> &Profile {
        self.redactor.profile()
    }

    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// Whether stream ids read as pseudonyms.
    pub fn pseudonymizes_streams(&self) -> bool {
        self.streams
    }

    /// An event as the operator sees it.
    pub fn event(&self, ev: &mut Event) {
        self.redactor.apply(ev);
        self.envelope_copies(&mut ev.metadata);
    }

    /// Envelope fields kept again inside metadata (an imported record's original envelope, e.g.
    /// `metadata.envelope.actor`) get the envelope's rules, wherever they are.
    fn envelope_copies(&self, metadata: &mut Value) {
        let profile = self.profile();
        for field in ENVELOPE_FIELDS {
            if profile.drop.iter().any(|p| p == field) {
                anywhere(metadata, &[field], &mut |_| None);
            } else if profile.pseudonymize.iter().any(|p| p == field) {
                anywhere(metadata, &[field], &mut |v| {
                    Some(self.redactor.pseudonym_of_value(v))
                });
            }
        }
    }

    /// An event's payload as the operator sees it (as [`Mask::event`] masks it, for SQL): the
    /// stream's erasures, then the payload rules at any depth.
    pub fn payload(&self, stream: Option<&str>, payload: &mut Value) {
        if let Some(stream) = stream {
            for field in self.redactor.erased_fields(stream) {
                let segments: Vec<&str> = field.split('.').collect();
                redact::rewrite(payload, &segments, &mut |_| {
                    Some(Value::String(ERASED.into()))
                });
            }
        }
        self.derived(None, payload);
    }

    /// An event's metadata as the operator sees it: the metadata rules at any depth, and the
    /// envelope's rules on the envelope's fields copied into it.
    pub fn metadata(&self, metadata: &mut Value) {
        self.envelope_copies(metadata);
        let profile = self.profile();
        for path in profile
            .drop
            .iter()
            .filter_map(|p| p.strip_prefix("metadata."))
        {
            let segments: Vec<&str> = path.split('.').collect();
            anywhere(metadata, &segments, &mut |_| None);
        }
        for path in profile
            .pseudonymize
            .iter()
            .filter_map(|p| p.strip_prefix("metadata."))
        {
            let segments: Vec<&str> = path.split('.').collect();
            anywhere(metadata, &segments, &mut |v| {
                Some(self.redactor.pseudonym_of_value(v))
            });
        }
    }

    /// A stream id (or a subject id) as the operator sees it.
    pub fn stream(&self, id: &str) -> String {
        self.redactor.stream_id(id)
    }

    pub fn stream_in(&self, id: &mut String) {
        if self.streams {
            *id = self.redactor.pseudonym(id);
        }
    }

    pub fn stream_opt(&self, id: &mut Option<String>) {
        if let Some(id) = id {
            self.stream_in(id);
        }
    }

    /// An actor as the operator sees it.
    pub fn actor(&self, actor: &mut Option<String>) {
        let rules = &self.profile().drop;
        if rules.iter().any(|p| p == "actor") {
            *actor = None;
        } else if self.profile().pseudonymize.iter().any(|p| p == "actor") {
            if let Some(a) = actor {
                *a = self.redactor.pseudonym(a);
            }
        }
    }

    /// A value built from the payloads of `stream` (a state, inputs, a diff's side): the stream's
    /// erasures and every payload rule, wherever its path appears.
    pub fn derived(&self, stream: Option<&str>, value: &mut Value) {
        if let Some(stream) = stream {
            for field in self.redactor.erased_fields(stream) {
                let segments: Vec<&str> = field.split('.').collect();
                anywhere(value, &segments, &mut |_| {
                    Some(Value::String(ERASED.into()))
                });
            }
        }
        for rule in &self.payload_drop {
            let segments: Vec<&str> = rule.iter().map(String::as_str).collect();
            anywhere(value, &segments, &mut |_| None);
        }
        for rule in &self.payload_pseudonymize {
            let segments: Vec<&str> = rule.iter().map(String::as_str).collect();
            anywhere(value, &segments, &mut |v| {
                Some(self.redactor.pseudonym_of_value(v))
            });
        }
    }

    /// What the profile does to a value at `path` of a state ("a.b.c"; array indices ignored):
    /// dropped, pseudonymized, or shown.
    pub fn path_rule(&self, stream: Option<&str>, path: &str) -> PathRule {
        let segments: Vec<&str> = path
            .split(['.', '[', ']'])
            .filter(|s| !s.is_empty() && s.parse::<u64>().is_err())
            .collect();
        if let Some(stream) = stream {
            for field in self.redactor.erased_fields(stream) {
                let rule: Vec<String> = field.split('.').map(str::to_string).collect();
                if window_matches(&rule, &segments) {
                    return PathRule::Erased;
                }
            }
        }
        if self
            .payload_drop
            .iter()
            .any(|r| window_matches(r, &segments))
        {
            return PathRule::Drop;
        }
        if self
            .payload_pseudonymize
            .iter()
            .any(|r| window_matches(r, &segments))
        {
            return PathRule::Pseudonymize;
        }
        PathRule::Show
    }

    /// A value at `path` as the operator sees it, or None when it is dropped.
    pub fn at_path(&self, stream: Option<&str>, path: &str, value: &mut Value) -> bool {
        match self.path_rule(stream, path) {
            PathRule::Drop => false,
            PathRule::Erased => {
                *value = Value::String(ERASED.into());
                true
            }
            PathRule::Pseudonymize => {
                *value = self.redactor.pseudonym_of_value(value);
                true
            }
            PathRule::Show => {
                self.derived(stream, value);
                true
            }
        }
    }

    /// A sentence that may name `stream`: the name replaced by its pseudonym. A sentence that
    /// names a field the view masks quotes its value (findings do: "The model saw annual_income =
    /// 134000, ..."): it is withheld whole.
    pub fn message(&self, stream: Option<&str>, text: &mut String) {
        if self.names_masked_field(text) {
            *text = format!("{WITHHELD} (the sentence is about a field the operator view masks)");
            return;
        }
        if let Some(s) = stream.filter(|s| self.streams && !s.is_empty()) {
            *text = text.replace(s, &self.redactor.pseudonym(s));
        }
    }

    /// Whether `text` names a payload field a rule masks (its last named segment, as a word).
    pub fn names_masked_field(&self, text: &str) -> bool {
        self.payload_drop
            .iter()
            .chain(&self.payload_pseudonymize)
            .filter_map(|rule| rule.iter().rev().find(|s| *s != "*"))
            .any(|name| {
                text.match_indices(name.as_str()).any(|(i, _)| {
                    let word = |c: char| c.is_alphanumeric() || c == '_';
                    let before = text[..i].chars().next_back().is_none_or(|c| !word(c));
                    let after = text[i + name.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| !word(c));
                    before && after
                })
            })
    }

    /// A replay's differences (`[{path, recorded, replayed}]`) as the operator sees them.
    pub fn differences(&self, stream: Option<&str>, list: &mut Value) {
        if let Value::Array(items) = list {
            items.retain_mut(|d| {
                let path = d["path"].as_str().unwrap_or_default().to_string();
                if self.path_rule(stream, &path) == PathRule::Drop {
                    return false;
                }
                for side in ["recorded", "replayed"] {
                    if let Some(v) = d.get_mut(side) {
                        self.at_path(stream, &path, v);
                    }
                }
                true
            });
        } else {
            self.derived(stream, list);
        }
    }

    /// Refuses drift segments by a value the view masks.
    pub fn check_segment(&self, segment_by: Option<&str>) -> Result<()> {
        match segment_by {
            Some(s) if self.path_rule(None, s.trim_start_matches("input.")) != PathRule::Show => {
                Err(Error::OperatorView {
                    what: format!("Cutting drift into segments by `{s}`, a value the view masks,"),
                })
            }
            _ => Ok(()),
        }
    }

    /// The pseudonym of a text, whatever the rules say (the SQL views' function).
    pub fn pseudonym(&self, text: &str) -> String {
        self.redactor.pseudonym(text)
    }

    /// The stream (or subject) an operator names: its pseudonym when streams are pseudonymized.
    /// A real id is refused then: the view must not tell which pseudonym a known id has.
    pub fn real_stream(&self, conn: &Connection, given: &str) -> Result<String> {
        if !self.streams {
            return Ok(given.to_string());
        }
        self.reverse(conn)?
            .get(given)
            .cloned()
            .ok_or_else(|| Error::UnknownStream {
                stream: given.to_string(),
            })
    }

    /// Up to `limit` streams whose pseudonym contains `text` (the operator's stream search).
    pub fn streams_whose_pseudonym_contains(
        &self,
        conn: &Connection,
        text: &str,
        limit: usize,
    ) -> Result<Vec<String>> {
        let text = text.to_lowercase();
        let mut found: Vec<(&String, &String)> = self
            .reverse(conn)?
            .iter()
            .filter(|(p, _)| p.contains(&text))
            .collect();
        found.sort();
        Ok(found
            .into_iter()
            .take(limit.min(1_000))
            .map(|(_, real)| real.clone())
            .collect())
    }

    /// Refuses a filter on a value this view masks: its answer would tell the value.
    pub fn check_decision_query(&self, q: &crate::decisions::DecisionQuery) -> Result<()> {
        for (key, _) in &q.fields {
            let masked = match key.strip_prefix("input.") {
                Some(path) => self.path_rule(None, path) != PathRule::Show,
                None => key == "actor" && self.masks_envelope("actor"),
            };
            if masked {
                return Err(Error::OperatorView {
                    what: format!("Filtering decisions on `{key}`, a value the view masks,"),
                });
            }
        }
        Ok(())
    }

    /// Refuses a search or a sort of a population on what this view masks.
    pub fn check_population_page(&self, q: &crate::PopulationPageQuery) -> Result<()> {
        let masked = |c: &str| c != "stream_id" && self.path_rule(None, c) != PathRule::Show;
        if let Some(c) = q
            .sort_by
            .as_deref()
            .filter(|c| masked(c) || (*c == "stream_id" && self.streams))
        {
            return Err(Error::OperatorView {
                what: format!("Sorting by `{c}`, a column the view masks,"),
            });
        }
        if q.contains.is_some() {
            match q.column.as_deref() {
                Some(c) if masked(c) || (c == "stream_id" && self.streams) => {
                    return Err(Error::OperatorView {
                        what: format!("Searching `{c}`, a column the view masks,"),
                    })
                }
                None if !self.payload_drop.is_empty()
                    || !self.payload_pseudonymize.is_empty()
                    || self.streams =>
                {
                    return Err(Error::OperatorView {
                        what: "Searching every column at once (some are masked; choose a column)"
                            .to_string(),
                    })
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Refuses cohorts that name a subject or filter on a masked input.
    pub fn check_cohort(&self, filter: &str) -> Result<()> {
        let q = crate::drift::cohort::parse(filter)?;
        if q.subject.is_some() {
            return Err(Error::OperatorView {
                what: "A cohort of one subject".to_string(),
            });
        }
        self.check_decision_query(&q)
    }

    /// Whether actors are dropped or pseudonymized.
    pub fn masks_actor(&self) -> bool {
        self.masks_envelope("actor")
    }

    fn masks_envelope(&self, field: &str) -> bool {
        let p = self.profile();
        p.drop.iter().chain(&p.pseudonymize).any(|x| x == field)
    }

    fn reverse(&self, conn: &Connection) -> Result<&HashMap<String, String>> {
        if let Some(r) = self.reverse.get() {
            return Ok(r);
        }
        let built = self.build_reverse(conn)?;
        Ok(self.reverse.get_or_init(|| built))
    }

    fn build_reverse(&self, conn: &Connection) -> Result<HashMap<String, String>> {
        let has_decisions: i64 = conn.query_row(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'decisions' AND table_schema = 'main'",
            [],
            |r| r.get(0),
        )?;
        let sql = if has_decisions > 0 {
            "SELECT stream_id FROM events UNION SELECT subject_id FROM decisions"
        } else {
            "SELECT DISTINCT stream_id FROM events"
        };
        let mut stmt = conn.prepare(sql)?;
        let ids = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut map = HashMap::new();
        for id in ids {
            let id = id?;
            map.insert(self.redactor.pseudonym(&id), id);
        }
        Ok(map)
    }
}

/// What a profile does to one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathRule {
    Show,
    Drop,
    Pseudonymize,
    Erased,
}

/// Whether `rule` matches a run of consecutive `segments`. A `*` matches any one key, or none (it
/// also stands for an array's elements, whose indices a path leaves out).
fn window_matches(rule: &[String], segments: &[&str]) -> bool {
    fn prefix(rule: &[String], segments: &[&str]) -> bool {
        match rule.split_first() {
            None => true,
            Some((r, rest)) if r == "*" => {
                prefix(rest, segments) || (!segments.is_empty() && prefix(rest, &segments[1..]))
            }
            Some((r, rest)) => {
                segments.first() == Some(&r.as_str()) && prefix(rest, &segments[1..])
            }
        }
    }
    !rule.is_empty() && (0..segments.len()).any(|i| prefix(rule, &segments[i..]))
}

/// A DTO the facade hands out, masked in place for an operator.
pub trait Masked {
    fn mask(&mut self, m: &Mask);
}

impl<T: Masked> Masked for Vec<T> {
    fn mask(&mut self, m: &Mask) {
        for item in self {
            item.mask(m);
        }
    }
}

impl<T: Masked> Masked for Option<T> {
    fn mask(&mut self, m: &Mask) {
        if let Some(item) = self {
            item.mask(m);
        }
    }
}

impl Masked for Event {
    fn mask(&mut self, m: &Mask) {
        m.event(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mask() -> Mask {
        let profile = Profile::parse(
            r#"
drop = ["payload.income", "payload.contacts.*.phone"]
pseudonymize = ["stream_id", "payload.name"]
"#,
            "test",
        )
        .unwrap();
        let erasures = vec![redact::Erasure {
            stream_id: "a-1".into(),
            marker_event_id: "m".into(),
            fields: vec!["city".into()],
        }];
        Mask::new(profile, b"0123456789abcdef".to_vec(), &erasures)
    }

    #[test]
    fn a_payload_rule_masks_values_built_from_payloads_at_any_depth() {
        let m = mask();
        let mut state = json!({
            "income": 1, "name": "Ann", "city": "Leeds",
            "inputs": {"income": 2, "name": "Ann", "kept": 3},
            "contacts": [{"phone": "1", "kind": "home"}],
        });
        m.derived(Some("a-1"), &mut state);
        let ann = m.pseudonym("Ann");
        assert_eq!(
            state,
            json!({
                "name": ann, "city": ERASED,
                "inputs": {"name": ann, "kept": 3},
                "contacts": [{"kind": "home"}],
            })
        );
        // Another stream's state keeps its city: erasure is per subject.
        let mut other = json!({"city": "York"});
        m.derived(Some("b-2"), &mut other);
        assert_eq!(other, json!({"city": "York"}));
    }

    #[test]
    fn a_path_is_masked_when_a_rule_matches_a_run_of_its_segments() {
        let m = mask();
        assert_eq!(m.path_rule(None, "income"), PathRule::Drop);
        assert_eq!(m.path_rule(None, "inputs.income"), PathRule::Drop);
        assert_eq!(
            m.path_rule(None, "applicant.income.monthly"),
            PathRule::Drop
        );
        assert_eq!(m.path_rule(None, "contacts[0].phone"), PathRule::Drop);
        assert_eq!(m.path_rule(None, "incomes"), PathRule::Show);
        assert_eq!(m.path_rule(None, "name"), PathRule::Pseudonymize);
        assert_eq!(m.path_rule(Some("a-1"), "city"), PathRule::Erased);
        assert_eq!(m.path_rule(Some("b-2"), "city"), PathRule::Show);
        assert_eq!(m.stream("a-1"), m.pseudonym("a-1"));
    }
}
