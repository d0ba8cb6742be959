//! How each DTO the facade hands out reads in the operator view: stream ids by their pseudonyms,
//! events redacted as bundles redact them, values built from payloads masked wherever a rule's
//! path appears, a change or a discrepancy at a dropped path left out, a message naming a stream
//! rewritten with its pseudonym.

use serde_json::Value;

use super::{Mask, Masked, PathRule, WITHHELD};
use crate::decisions::explain::{ContextDocument, Explanation, Hindsight, LaterEvent};
use crate::decisions::models::{ModelFinding, ModelRecord, ModelsReport};
use crate::decisions::{Decision, DecisionPage, Discrepancy};
use crate::findings::Finding;
use crate::inspect::detail::EventDetail;
use crate::inspect::StreamSummary;
use crate::inspect::{EventPage, QuarantinePage, QuarantineReport, QuarantineRow, SqlResult};
use crate::notes::Note;
use crate::timeline::fold::Change;
use crate::timeline::gaps::{EvidenceGap, GapsReport};
use crate::timeline::population::{Population, PopulationDiff, PopulationPage, StreamChange};
use crate::timeline::{History, HistoryStep, StreamDiff, StreamState};

/// The changes of `stream` an operator may see: those at a dropped path are left out.
fn changes(m: &Mask, stream: Option<&str>, diff: &mut Vec<Change>) {
    diff.retain_mut(|c| {
        let rule = m.path_rule(stream, &c.path);
        if rule == PathRule::Drop {
            return false;
        }
        m.at_path(stream, &c.path, &mut c.old);
        m.at_path(stream, &c.path, &mut c.new);
        true
    });
}

/// A table whose columns are a state's paths (a population): the stream id column by its
/// pseudonym, a dropped path's column left out, the other cells masked.
pub fn table(m: &Mask, t: &mut SqlResult) {
    let mut keep = Vec::with_capacity(t.columns.len());
    for name in &t.columns {
        keep.push(match name.as_str() {
            "stream_id" | "subject_id" => PathRule::Pseudonymize,
            "stream_type" | "version" | "exists" | "events_applied" | "last_event_id" => {
                PathRule::Show
            }
            path => match m.path_rule(None, path) {
                PathRule::Drop => PathRule::Drop,
                rule => rule,
            },
        });
    }
    let stream_col = t.columns.iter().position(|c| c == "stream_id");
    for row in &mut t.rows {
        let stream = stream_col
            .and_then(|i| row.get(i))
            .and_then(Value::as_str)
            .map(str::to_string);
        for (i, cell) in row.iter_mut().enumerate() {
            match (t.columns[i].as_str(), keep[i]) {
                ("stream_id" | "subject_id", _) => {
                    if let Value::String(s) = cell {
                        m.stream_in(s);
                    }
                }
                (_, PathRule::Show) => {
                    // A nested object arrives as JSON text: masked as the value it is.
                    if let Some(mut inner) = cell
                        .as_str()
                        .filter(|t| t.starts_with('{') || t.starts_with('['))
                        .and_then(|t| serde_json::from_str::<Value>(t).ok())
                    {
                        m.derived(stream.as_deref(), &mut inner);
                        *cell = Value::String(inner.to_string());
                    } else {
                        m.derived(stream.as_deref(), cell);
                    }
                }
                (path, _) => {
                    m.at_path(stream.as_deref(), path, cell);
                }
            }
        }
    }
    let mut i = 0;
    t.columns.retain(|_| {
        i += 1;
        keep[i - 1] != PathRule::Drop
    });
    for row in &mut t.rows {
        let mut i = 0;
        row.retain(|_| {
            i += 1;
            keep[i - 1] != PathRule::Drop
        });
    }
}

impl Masked for StreamSummary {
    fn mask(&mut self, m: &Mask) {
        m.stream_in(&mut self.stream_id);
    }
}

impl Masked for QuarantineRow {
    /// A quarantined row could not be read as an event, so its fields cannot be told apart: its
    /// raw text is withheld, its reason and place shown.
    fn mask(&mut self, _m: &Mask) {
        self.raw =
            format!("{WITHHELD} (a quarantined row's raw text is not shown in the operator view)");
    }
}

impl Masked for QuarantineReport {
    fn mask(&mut self, m: &Mask) {
        self.rows.mask(m);
    }
}

impl Masked for QuarantinePage {
    fn mask(&mut self, m: &Mask) {
        self.rows.mask(m);
    }
}

impl Masked for EventPage {
    fn mask(&mut self, m: &Mask) {
        self.events.mask(m);
    }
}

impl Masked for StreamState {
    fn mask(&mut self, m: &Mask) {
        m.derived(Some(&self.stream_id), &mut self.state);
        m.stream_in(&mut self.stream_id);
    }
}

impl Masked for HistoryStep {
    fn mask(&mut self, m: &Mask) {
        let stream = self.event.stream_id.clone();
        m.derived(Some(&stream), &mut self.state);
        if let Some(p) = &mut self.effective_payload {
            m.derived(Some(&stream), p);
        }
        changes(m, Some(&stream), &mut self.diff);
        for note in &mut self.notes {
            m.message(Some(&stream), note);
        }
        m.event(&mut self.event);
    }
}

impl Masked for History {
    fn mask(&mut self, m: &Mask) {
        self.steps.mask(m);
        m.stream_in(&mut self.stream_id);
    }
}

impl Masked for StreamDiff {
    fn mask(&mut self, m: &Mask) {
        let stream = self.stream_id.clone();
        m.derived(Some(&stream), &mut self.before);
        m.derived(Some(&stream), &mut self.after);
        changes(m, Some(&stream), &mut self.diff);
        m.stream_in(&mut self.stream_id);
    }
}

impl Masked for Population {
    fn mask(&mut self, m: &Mask) {
        self.columns
            .retain(|c| c.name == "stream_id" || m.path_rule(None, &c.name) != PathRule::Drop);
        table(m, &mut self.preview);
    }
}

impl Masked for PopulationPage {
    fn mask(&mut self, m: &Mask) {
        table(m, &mut self.page);
    }
}

impl Masked for StreamChange {
    fn mask(&mut self, m: &Mask) {
        let stream = self.stream_id.clone();
        changes(m, Some(&stream), &mut self.diff);
        m.stream_in(&mut self.stream_id);
    }
}

impl Masked for PopulationDiff {
    fn mask(&mut self, m: &Mask) {
        self.fields
            .retain(|path, _| m.path_rule(None, path) != PathRule::Drop);
        self.streams.mask(m);
    }
}

impl Masked for Finding {
    fn mask(&mut self, m: &Mask) {
        m.message(self.stream_id.as_deref(), &mut self.message);
        m.stream_opt(&mut self.stream_id);
    }
}

impl Masked for EventDetail {
    fn mask(&mut self, m: &Mask) {
        self.event.mask(m);
        self.caused_by.mask(m);
        self.caused.mask(m);
        self.corrects.mask(m);
        self.corrected_by.mask(m);
        self.findings.mask(m);
    }
}

impl Masked for Note {
    /// What a person wrote is not masked field by field: a note is shown in the operator view only
    /// when it was written in it.
    fn mask(&mut self, m: &Mask) {
        m.stream_opt(&mut self.stream_id);
        if !written_in_operator_view(self) {
            self.body = format!("{WITHHELD} (written in the auditor view)");
        }
    }
}

/// Whether a note was written in the operator view.
pub fn written_in_operator_view(note: &Note) -> bool {
    note.view
        .as_deref()
        .is_some_and(|v| v.starts_with("operator"))
}

impl Masked for EvidenceGap {
    fn mask(&mut self, m: &Mask) {
        m.message(Some(&self.stream_id.clone()), &mut self.message);
        m.stream_in(&mut self.stream_id);
    }
}

impl Masked for GapsReport {
    fn mask(&mut self, m: &Mask) {
        self.gaps.mask(m);
    }
}

impl Masked for Decision {
    fn mask(&mut self, m: &Mask) {
        let stream = self.stream_id.clone();
        m.derived(Some(&stream), &mut self.inputs);
        m.derived(Some(&stream), &mut self.output);
        if let Some(llm) = &mut self.llm {
            for v in [
                &mut llm.system_prompt,
                &mut llm.prompt,
                &mut llm.parameters,
                &mut llm.response,
                &mut llm.tokens,
                &mut llm.finish_reason,
            ] {
                m.derived(Some(&stream), v);
            }
        }
        m.actor(&mut self.actor);
        m.stream_in(&mut self.stream_id);
        m.stream_in(&mut self.subject_id);
        let envelope = |name: &str| m.profile().pseudonymize.iter().any(|p| p == name);
        let dropped = |name: &str| m.profile().drop.iter().any(|p| p == name);
        for (name, id) in [
            ("causation_id", &mut self.causation_id),
            ("correlation_id", &mut self.correlation_id),
        ] {
            if dropped(name) {
                *id = None;
            } else if envelope(name) {
                if let Some(v) = id {
                    *v = m.pseudonym(v);
                }
            }
        }
    }
}

impl Masked for DecisionPage {
    fn mask(&mut self, m: &Mask) {
        self.decisions.mask(m);
    }
}

/// A recorded value set against another at `path`: left out when the path is dropped, its values
/// masked and its sentence withheld otherwise (the sentence quotes them).
fn compared(
    m: &Mask,
    stream: Option<&str>,
    path: &str,
    values: [&mut Value; 2],
    message: &mut String,
) -> bool {
    let rule = m.path_rule(stream, path);
    if rule == PathRule::Drop {
        return false;
    }
    for v in values {
        m.at_path(stream, path, v);
    }
    if rule == PathRule::Show {
        m.message(stream, message);
    } else {
        *message = format!("{path}: the values differ ({WITHHELD} in the operator view).");
    }
    true
}

impl Masked for Explanation {
    fn mask(&mut self, m: &Mask) {
        let stream = self.decision.stream_id.clone();
        let subject = self.reconstructed.stream_id.clone();
        m.derived(Some(&stream), &mut self.recorded_inputs);
        m.derived(Some(&subject), &mut self.reconstructed_state);
        m.derived(Some(&subject), &mut self.world_state);
        self.discrepancies.retain_mut(|d: &mut Discrepancy| {
            compared(
                m,
                Some(&subject),
                &d.path.clone(),
                [&mut d.recorded, &mut d.reconstructed],
                &mut d.message,
            )
        });
        self.hindsight.retain_mut(|h: &mut Hindsight| {
            compared(
                m,
                Some(&subject),
                &h.path.clone(),
                [&mut h.recorded, &mut h.actual],
                &mut h.message,
            )
        });
        self.unmatched_inputs
            .retain(|p| m.path_rule(Some(&subject), p) != PathRule::Drop);
        m.derived(None, &mut self.model.metadata);
        m.actor(&mut self.model.deployed_by);
        self.context.mask(m);
        self.causation.mask(m);
        self.later_events.mask(m);
        self.findings.mask(m);
        self.evidence_gaps.mask(m);
        m.stream_in(&mut self.reconstructed.stream_id);
        self.decision.mask(m);
    }
}

impl Masked for ContextDocument {
    fn mask(&mut self, m: &Mask) {
        m.derived(self.stream_id.as_deref(), &mut self.state_then);
        m.stream_opt(&mut self.stream_id);
    }
}

impl Masked for LaterEvent {
    fn mask(&mut self, m: &Mask) {
        self.event.mask(m);
    }
}

impl Masked for ModelRecord {
    fn mask(&mut self, m: &Mask) {
        m.derived(None, &mut self.metadata);
        self.approvals.retain(|k, v| m.at_path(None, k, v));
        m.actor(&mut self.deployed_by);
    }
}

impl Masked for ModelFinding {
    fn mask(&mut self, m: &Mask) {
        m.message(Some(&self.stream_id.clone()), &mut self.message);
        m.stream_in(&mut self.stream_id);
    }
}

impl Masked for ModelsReport {
    fn mask(&mut self, m: &Mask) {
        self.models.mask(m);
        self.findings.mask(m);
    }
}

impl Masked for crate::decisions::replay::ReplayResult {
    fn mask(&mut self, m: &Mask) {
        let stream = self.stream_id.clone();
        m.derived(Some(&stream), &mut self.recorded);
        m.derived(Some(&stream), &mut self.replayed);
        self.differences.retain_mut(|d| {
            m.path_rule(Some(&stream), &d.path) != PathRule::Drop
                && m.at_path(Some(&stream), &d.path, &mut d.recorded)
                && m.at_path(Some(&stream), &d.path, &mut d.replayed)
        });
        if let Some(e) = &mut self.error {
            m.message(Some(&stream), e);
        }
        m.stream_in(&mut self.stream_id);
    }
}

impl Masked for crate::decisions::replay::ReplayReport {
    fn mask(&mut self, m: &Mask) {
        self.results.mask(m);
    }
}

impl Masked for crate::drift::DriftReport {
    /// Drift is about cohorts, not records, but a masked input's distribution would still show
    /// its values (a pseudonymized category, a dropped amount): such inputs are left out, and said so.
    fn mask(&mut self, m: &Mask) {
        let hidden = |name: &str| m.path_rule(None, name) != PathRule::Show;
        let before = self.features.len();
        self.features.retain(|f| !hidden(&f.name));
        for s in &mut self.segments {
            s.features.retain(|f| !hidden(&f.name));
        }
        for factor in [
            &mut self.attribution.data,
            &mut self.attribution.model,
            &mut self.attribution.retrieval,
        ] {
            m.message(None, &mut factor.evidence);
        }
        m.message(None, &mut self.attribution.summary);
        if self.features.len() < before {
            self.warnings.push(format!(
                "{} input(s) that the operator view masks are left out of this comparison.",
                before - self.features.len()
            ));
        }
    }
}
