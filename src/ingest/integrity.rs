//! The integrity checks run at import, computed in SQL over the streams a source touched: version
//! gaps and reuse, recorded time going backwards, recorded before occurred, dangling causation and
//! correction links, implausible timestamps. A finding already on record is not raised twice.

use duckdb::Connection;

use crate::error::Result;
use crate::findings::{FindingKind, INSERT_SQL};

/// Inserts the findings for source `source_id` (inside the import's transaction) and returns how many.
///
/// Each check is its own statement (a logged step), so the import's memory holds one check at a
/// time. The link checks look for the source's targets among the case's events from the side of
/// the targets: `NOT IN (SELECT event_id FROM events)` built a hash table of every event id in the
/// case, which outgrows the import's memory in a large case.
pub fn raise(conn: &Connection, source_id: i64, imported_at_us: i64) -> Result<usize> {
    let (causes, corrections, versions): (i64, i64, i64) = conn.query_row(
        "SELECT count(causation_id), count(corrects), count(stream_version) FROM main.events WHERE source_id = ?",
        [source_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let time = |column: &str| format!("strftime({column}, '%Y-%m-%dT%H:%M:%S.%fZ')");
    let mut steps: Vec<(&str, String)> = vec![(
        "findings: new",
        "CREATE OR REPLACE TEMP TABLE new_findings (kind VARCHAR, stream_id VARCHAR, event_id VARCHAR, message VARCHAR);".into(),
    )];
    if versions > 0 {
        steps.push(("findings: streams touched", format!(
            "CREATE OR REPLACE TEMP TABLE touched AS SELECT DISTINCT stream_id FROM main.events WHERE source_id = {source_id} AND stream_version IS NOT NULL;"
        )));
        steps.push(("findings: versions", format!(
            r#"INSERT INTO new_findings
WITH ordered AS (
    SELECT stream_id, event_id, stream_version, recorded_at,
        lag(stream_version) OVER w AS prev_version,
        lag(recorded_at) OVER w AS prev_recorded,
        lag(event_id) OVER w AS prev_event
    FROM main.events
    WHERE stream_version IS NOT NULL AND stream_id IN (SELECT stream_id FROM touched)
    WINDOW w AS (PARTITION BY stream_id ORDER BY stream_version, seq)
)
SELECT {duplicate_version}, stream_id, event_id,
    format('Version {{}} of stream {{}} is used twice: by event {{}} and by event {{}}.', stream_version, stream_id, prev_event, event_id)
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
        {recorded}, {prev_recorded})
FROM ordered WHERE recorded_at < prev_recorded;"#,
            duplicate_version = FindingKind::DuplicateVersion.sql(),
            version_gap = FindingKind::VersionGap.sql(),
            recorded_at_backwards = FindingKind::RecordedAtBackwards.sql(),
            recorded = time("recorded_at"),
            prev_recorded = time("prev_recorded"),
        )));
    }
    steps.push(("findings: recorded before occurred", format!(
        r#"INSERT INTO new_findings
SELECT {recorded_before_occurred}, stream_id, event_id,
    format('Event {{}} was recorded at {{}}, before it occurred at {{}}.', event_id, {recorded}, {occurred})
FROM main.events WHERE source_id = {source_id} AND NOT recorded_at_defaulted AND recorded_at < occurred_at;"#,
        recorded_before_occurred = FindingKind::RecordedBeforeOccurred.sql(),
        recorded = time("recorded_at"),
        occurred = time("occurred_at"),
    )));
    // Links to events that are not in the case: the source's distinct targets joined with the
    // case's events (an inner join, built on the smaller side), then the links whose target was
    // not found.
    let links = |column: &str, kind: FindingKind, sentence: &str| {
        format!(
            r#"INSERT INTO new_findings
WITH links AS (
    SELECT stream_id, event_id, {column} AS target FROM main.events
    WHERE source_id = {source_id} AND {column} IS NOT NULL
), found AS (
    SELECT DISTINCT t.target FROM (SELECT DISTINCT target FROM links) t JOIN main.events e ON e.event_id = t.target
)
SELECT {kind}, l.stream_id, l.event_id, format('{sentence}', l.event_id, l.target)
FROM links l ANTI JOIN found f ON f.target = l.target;"#,
            kind = kind.sql(),
        )
    };
    if causes > 0 {
        steps.push((
            "findings: causes",
            links(
                "causation_id",
                FindingKind::DanglingCausation,
                "Event {} names {} as its cause, but no event with that id is in the case.",
            ),
        ));
    }
    if corrections > 0 {
        steps.push((
            "findings: corrections",
            links(
                "corrects",
                FindingKind::UnknownCorrectionTarget,
                "Event {} corrects {}, but no event with that id is in the case.",
            ),
        ));
    }
    steps.push(("findings: implausible times", format!(
        r#"INSERT INTO new_findings
SELECT {implausible_timestamp}, stream_id, event_id,
    format('Event {{}} has an implausible time: occurred {{}}, recorded {{}} (before 1990 or after the import).', event_id, {occurred}, {recorded})
FROM main.events
WHERE source_id = {source_id}
  AND (least(occurred_at, recorded_at) < TIMESTAMP '1990-01-01'
       OR greatest(occurred_at, recorded_at) > make_timestamp({imported_at_us}));"#,
        implausible_timestamp = FindingKind::ImplausibleTimestamp.sql(),
        recorded = time("recorded_at"),
        occurred = time("occurred_at"),
    )));
    steps.push(("findings: recorded", format!(
        r#"{INSERT_SQL}
SELECT {source_id}, n.kind, n.stream_id, n.event_id, n.message FROM new_findings n
WHERE NOT EXISTS (SELECT 1 FROM main.findings f WHERE f.kind = n.kind
    AND f.stream_id IS NOT DISTINCT FROM n.stream_id AND f.event_id IS NOT DISTINCT FROM n.event_id);"#
    )));
    for (label, sql) in &steps {
        super::run_sql_step(conn, label, sql)?;
    }
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM main.findings WHERE source_id = ?",
        [source_id],
        |r| r.get(0),
    )?;
    Ok(n as usize)
}
