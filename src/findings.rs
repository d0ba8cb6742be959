//! Findings: what Casefile flags in a case (integrity problems found at import, inputs a model did
//! not see, replays that did not match), the one place they are written and read. Every writer
//! names its kind with [`FindingKind`]; SQL that raises findings in bulk writes through
//! [`INSERT_SQL`] with the kind as [`FindingKind::sql`].

use duckdb::Connection;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What a finding is about. Stored in `findings.kind` and written in JSON as snake case; never
/// rename one, scripts count them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FindingKind {
    /// A stream jumps over versions.
    VersionGap,
    /// Two events of a stream carry the same version.
    DuplicateVersion,
    /// A later version of a stream was recorded before an earlier one.
    RecordedAtBackwards,
    /// An event was recorded before it occurred.
    RecordedBeforeOccurred,
    /// An event names a cause that is not in the case.
    DanglingCausation,
    /// A correction names an event that is not in the case.
    UnknownCorrectionTarget,
    /// A time before 1990 or after the import.
    ImplausibleTimestamp,
    /// An event id came again with a different body (the later row was quarantined).
    ConflictingDuplicate,
    /// Times that are not the events' own (a default, the file's time...), counted per origin.
    TimePlaced,
    /// Which tables of a database dump were read as what.
    TablesRead,
    /// A Kafka partition skips offsets.
    OffsetGap,
    /// A Kafka partition's dump begins past offset 0 (retention moved its start).
    KafkaLogStart,
    /// A decision's input differs from what the case knew when it was made.
    StaleInput,
    /// A decision names a model version that was not live then.
    ModelVersionNotLive,
    /// A decision was made about an instant before its model's training cutoff.
    DecidedBeforeTrainingCutoff,
    /// A replay did not give the recorded answer.
    ReplayMismatch,
    /// Replaying several times gave different answers.
    NondeterministicReplay,
}

impl FindingKind {
    pub const ALL: [FindingKind; 17] = [
        FindingKind::VersionGap,
        FindingKind::DuplicateVersion,
        FindingKind::RecordedAtBackwards,
        FindingKind::RecordedBeforeOccurred,
        FindingKind::DanglingCausation,
        FindingKind::UnknownCorrectionTarget,
        FindingKind::ImplausibleTimestamp,
        FindingKind::ConflictingDuplicate,
        FindingKind::TimePlaced,
        FindingKind::TablesRead,
        FindingKind::OffsetGap,
        FindingKind::KafkaLogStart,
        FindingKind::StaleInput,
        FindingKind::ModelVersionNotLive,
        FindingKind::DecidedBeforeTrainingCutoff,
        FindingKind::ReplayMismatch,
        FindingKind::NondeterministicReplay,
    ];

    /// As stored and written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::VersionGap => "version_gap",
            FindingKind::DuplicateVersion => "duplicate_version",
            FindingKind::RecordedAtBackwards => "recorded_at_backwards",
            FindingKind::RecordedBeforeOccurred => "recorded_before_occurred",
            FindingKind::DanglingCausation => "dangling_causation",
            FindingKind::UnknownCorrectionTarget => "unknown_correction_target",
            FindingKind::ImplausibleTimestamp => "implausible_timestamp",
            FindingKind::ConflictingDuplicate => "conflicting_duplicate",
            FindingKind::TimePlaced => "time_placed",
            FindingKind::TablesRead => "tables_read",
            FindingKind::OffsetGap => "offset_gap",
            FindingKind::KafkaLogStart => "kafka_log_start",
            FindingKind::StaleInput => "stale_input",
            FindingKind::ModelVersionNotLive => "model_version_not_live",
            FindingKind::DecidedBeforeTrainingCutoff => "decided_before_training_cutoff",
            FindingKind::ReplayMismatch => "replay_mismatch",
            FindingKind::NondeterministicReplay => "nondeterministic_replay",
        }
    }

    /// The kind as a SQL string literal, for statements that raise findings in bulk.
    pub fn sql(self) -> String {
        format!("'{}'", self.as_str())
    }

    /// The kind stored as `text`.
    pub fn parse(text: &str) -> Result<FindingKind> {
        FindingKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
            .ok_or_else(|| Error::Query {
                cause: format!("the case holds a finding of an unknown kind `{text}`"),
            })
    }
}

display_as_str!(FindingKind);

/// One finding.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct Finding {
    pub kind: FindingKind,
    pub stream_id: Option<String>,
    pub event_id: Option<String>,
    pub message: String,
}

/// The start of a statement that raises findings in bulk: `INSERT_SQL` then a `SELECT` of
/// (source_id, kind, stream_id, event_id, message).
pub const INSERT_SQL: &str =
    "INSERT INTO main.findings (source_id, kind, stream_id, event_id, message)";

/// Records one finding (`source_id`: the import that raised it, if one did).
pub fn record(
    conn: &Connection,
    source_id: Option<i64>,
    kind: FindingKind,
    stream_id: Option<&str>,
    event_id: Option<&str>,
    message: &str,
) -> Result<()> {
    conn.prepare_cached(&format!("{INSERT_SQL} VALUES (?, ?, ?, ?, ?)"))?
        .execute(duckdb::params![
            source_id,
            kind.as_str(),
            stream_id,
            event_id,
            message
        ])?;
    Ok(())
}

/// Removes every finding of `kind` (the decision view raises its findings again when rebuilt).
pub fn clear(conn: &Connection, kind: FindingKind) -> Result<()> {
    conn.execute("DELETE FROM main.findings WHERE kind = ?", [kind.as_str()])?;
    Ok(())
}

/// Findings raised by one import (`source_id`) or all of them, oldest first, at most `limit`.
pub fn list(conn: &Connection, source_id: Option<i64>, limit: usize) -> Result<Vec<Finding>> {
    match source_id {
        Some(id) => query(conn, "WHERE source_id = ?", limit, [id]),
        None => query(conn, "", limit, []),
    }
}

/// The findings that name one event.
pub fn for_event(conn: &Connection, event_id: &str) -> Result<Vec<Finding>> {
    query(conn, "WHERE event_id = ?", 100, [event_id])
}

fn query<P: duckdb::Params>(
    conn: &Connection,
    filter: &str,
    limit: usize,
    params: P,
) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    stream(conn, filter, limit, params, |f| {
        out.push(f);
        Ok(())
    })?;
    Ok(out)
}

/// Every finding of the case, oldest first, handed to `each` as it is read (a case may hold
/// millions: they are not gathered). How many there were.
pub fn each(conn: &Connection, each: impl FnMut(Finding) -> Result<()>) -> Result<u64> {
    stream(conn, "", usize::MAX >> 1, [], each)
}

fn stream<P: duckdb::Params>(
    conn: &Connection,
    filter: &str,
    limit: usize,
    params: P,
    mut each: impl FnMut(Finding) -> Result<()>,
) -> Result<u64> {
    let mut stmt = conn.prepare(&format!(
        "SELECT kind, stream_id, event_id, message FROM main.findings {filter} ORDER BY finding_id LIMIT {limit}"
    ))?;
    let rows = stmt.query_map(params, |r| {
        Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    let mut n = 0;
    for row in rows {
        let (kind, stream_id, event_id, message) = row?;
        each(Finding {
            kind: FindingKind::parse(&kind)?,
            stream_id,
            event_id,
            message,
        })?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_finding_kind_is_stored_and_written_under_its_one_name() {
        for kind in FindingKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
            assert_eq!(FindingKind::parse(kind.as_str()).unwrap(), kind);
        }
        // The names scripts count, written out by hand.
        assert_eq!(FindingKind::StaleInput.as_str(), "stale_input");
        assert_eq!(
            FindingKind::NondeterministicReplay.as_str(),
            "nondeterministic_replay"
        );
        assert_eq!(
            FindingKind::ModelVersionNotLive.sql(),
            "'model_version_not_live'"
        );
        assert!(FindingKind::parse("no_such_kind").is_err());
    }
}
