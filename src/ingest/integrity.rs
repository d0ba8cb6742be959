//! The integrity checks run at import, computed in SQL over the streams a source touched: version
//! gaps and reuse, recorded time going backwards, recorded before occurred, dangling causation and
//! correction links, implausible timestamps. A finding already on record is not raised twice.

use duckdb::Connection;

use crate::error::Result;
use crate::findings::{FindingKind, INSERT_SQL};

/// Inserts the findings for source `source_id` (inside the import's transaction) and returns how many.
pub fn raise(conn: &Connection, source_id: i64, imported_at_us: i64) -> Result<usize> {
    // The link checks hash every event id in the case: run them only when the source has links.
    let (causes, corrections, versions): (i64, i64, i64) = conn.query_row(
        "SELECT count(causation_id), count(corrects), count(stream_version) FROM main.events WHERE source_id = ?",
        [source_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let guard = |present: i64| if present > 0 { "" } else { "AND false" };
    let (causes, corrections, versions) = (guard(causes), guard(corrections), guard(versions));
    let sql = format!(
        r#"
CREATE OR REPLACE TEMP TABLE touched AS SELECT DISTINCT stream_id FROM main.events WHERE source_id = {source_id} {versions};
CREATE OR REPLACE TEMP TABLE new_findings AS
WITH ordered AS (
    SELECT stream_id, event_id, stream_version, recorded_at, source_id,
        lag(stream_version) OVER w AS prev_version,
        lag(recorded_at) OVER w AS prev_recorded,
        lag(event_id) OVER w AS prev_event
    FROM main.events
    WHERE stream_version IS NOT NULL AND stream_id IN (SELECT stream_id FROM touched) {versions}
    WINDOW w AS (PARTITION BY stream_id ORDER BY stream_version, seq)
), mine AS (
    SELECT * FROM main.events WHERE source_id = {source_id}
)
SELECT {duplicate_version} AS kind, stream_id, event_id,
    format('Version {{}} of stream {{}} is used twice: by event {{}} and by event {{}}.', stream_version, stream_id, prev_event, event_id) AS message
FROM ordered WHERE stream_version = prev_version
UNION ALL
SELECT {version_gap}, stream_id, event_id,
    format('Stream {{}} jumps from version {{}} to {{}}: {{}} missing before event {{}}.', stream_id, prev_version, stream_version,
        CASE WHEN stream_version - prev_version = 2 THEN 'version ' || (prev_version + 1) || ' is'
             ELSE (stream_version - prev_version - 1) || ' versions are' END, event_id)
FROM ordered WHERE stream_version > prev_version + 1
UNION ALL
SELECT {recorded_at_backwards}, stream_id, event_id,
    format('In stream {{}}, event {{}} (version {{}}) was recorded at {{}}, before the previous version''s {{}}.', stream_id, event_id, stream_version,
        strftime(recorded_at, '%Y-%m-%dT%H:%M:%S.%fZ'), strftime(prev_recorded, '%Y-%m-%dT%H:%M:%S.%fZ'))
FROM ordered WHERE recorded_at < prev_recorded
UNION ALL
SELECT {recorded_before_occurred}, stream_id, event_id,
    format('Event {{}} was recorded at {{}}, before it occurred at {{}}.', event_id,
        strftime(recorded_at, '%Y-%m-%dT%H:%M:%S.%fZ'), strftime(occurred_at, '%Y-%m-%dT%H:%M:%S.%fZ'))
FROM mine WHERE NOT recorded_at_defaulted AND recorded_at < occurred_at
UNION ALL
SELECT {dangling_causation}, stream_id, event_id,
    format('Event {{}} names {{}} as its cause, but no event with that id is in the case.', event_id, causation_id)
FROM mine WHERE causation_id IS NOT NULL {causes} AND causation_id NOT IN (SELECT event_id FROM main.events)
UNION ALL
SELECT {unknown_correction_target}, stream_id, event_id,
    format('Event {{}} corrects {{}}, but no event with that id is in the case.', event_id, corrects)
FROM mine WHERE corrects IS NOT NULL {corrections} AND corrects NOT IN (SELECT event_id FROM main.events)
UNION ALL
SELECT {implausible_timestamp}, stream_id, event_id,
    format('Event {{}} has an implausible time: occurred {{}}, recorded {{}} (before 1990 or after the import).', event_id,
        strftime(occurred_at, '%Y-%m-%dT%H:%M:%S.%fZ'), strftime(recorded_at, '%Y-%m-%dT%H:%M:%S.%fZ'))
FROM mine
WHERE least(occurred_at, recorded_at) < TIMESTAMP '1990-01-01'
   OR greatest(occurred_at, recorded_at) > make_timestamp({imported_at_us});
{INSERT_SQL}
SELECT {source_id}, n.kind, n.stream_id, n.event_id, n.message FROM new_findings n
WHERE NOT EXISTS (SELECT 1 FROM main.findings f WHERE f.kind = n.kind
    AND f.stream_id IS NOT DISTINCT FROM n.stream_id AND f.event_id IS NOT DISTINCT FROM n.event_id);
"#,
        duplicate_version = FindingKind::DuplicateVersion.sql(),
        version_gap = FindingKind::VersionGap.sql(),
        recorded_at_backwards = FindingKind::RecordedAtBackwards.sql(),
        recorded_before_occurred = FindingKind::RecordedBeforeOccurred.sql(),
        dangling_causation = FindingKind::DanglingCausation.sql(),
        unknown_correction_target = FindingKind::UnknownCorrectionTarget.sql(),
        implausible_timestamp = FindingKind::ImplausibleTimestamp.sql(),
    );
    super::run_sql_step(conn, "findings", &sql)?;
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM main.findings WHERE source_id = ?",
        [source_id],
        |r| r.get(0),
    )?;
    Ok(n as usize)
}
