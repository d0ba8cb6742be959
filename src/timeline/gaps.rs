//! Evidence gaps: where the case does not hold a stream's whole history, so a state before some
//! instant comes from a summary (or from nothing) rather than from events. Two kinds:
//!
//! - a summary that stands first in its stream: an event whose type says it replaced the events
//!   before it (Marten's `Compacted<T>`, Equinox's `Compacted` / `Snapshotted`, a ledger's
//!   carried-forward or opening balance, a change-data capture's snapshot read, `RowSnapshotted`
//!   here), with no event of its stream occurring before it: the events it replaced are not in the
//!   case. A summary with the history still before it is not a gap;
//! - versions that start past 1: the stream's first versions were archived, truncated (EventStoreDB's
//!   `$tb`, `$maxCount`) or cut by retention. (A source that numbers from 0 and lost only its
//!   version 0 is not told apart from one that numbers from 1.)
//! - a Kafka log start: the stream's first record is in a partition whose dump begins past
//!   offset 0 (retention or compaction removed the start; the import raised `kafka_log_start`),
//!   and that record does not begin a history (its type is not a creation's, it is not version 1),
//!   so earlier records of the key may have been among those removed.
//!
//! The summary and beginning types are rules (`casefile gaps CASE --set`, kept in `case_meta`);
//! the defaults match the shapes above, case-insensitively.

use duckdb::Connection;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::format_micros;

const RULES_KEY: &str = "gap_rules";

/// Gaps listed in a report (all are counted).
pub const GAPS_SHOWN: usize = 1_000;

/// Which events are summaries, and whether leading versions count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct GapRules {
    /// Regular expressions (case-insensitive) over event types: a match is a summary.
    #[serde(default = "default_summaries")]
    pub summaries: Vec<String>,
    /// A stream whose versions start past 1 is missing its first ones.
    #[serde(default = "yes")]
    pub leading_versions: bool,
    /// A stream first seen in a Kafka partition whose dump begins past offset 0 may be missing
    /// its first records (unless its first record begins a history).
    #[serde(default = "yes")]
    pub log_start: bool,
    /// Regular expressions (case-insensitive) over event types: a match begins a history, so a
    /// stream whose first record is one is whole even after a log start.
    #[serde(default = "default_beginnings")]
    pub beginnings: Vec<String>,
}

fn default_beginnings() -> Vec<String> {
    [
        "creat", "open", "regist", "insert", "placed", "start", "submit", "initiat", "sign_?up",
        "onboard",
    ]
    .map(String::from)
    .to_vec()
}

fn default_summaries() -> Vec<String> {
    [
        "compact",
        "summar[iy]",
        "snapshot",
        "carr(y|ied)_?forward",
        "brought_?forward",
        "opening_?balance",
    ]
    .map(String::from)
    .to_vec()
}

fn yes() -> bool {
    true
}

impl Default for GapRules {
    fn default() -> Self {
        GapRules {
            summaries: default_summaries(),
            leading_versions: true,
            log_start: true,
            beginnings: default_beginnings(),
        }
    }
}

impl GapRules {
    pub fn parse(text: &str, origin: &str) -> Result<GapRules> {
        toml::from_str(text).map_err(|e| Error::BadArgument {
            message: format!(
                "The evidence gap rules in {origin} are not valid: {}",
                e.message()
            ),
        })
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("gap rules serialize")
    }

    /// One case-insensitive pattern for DuckDB (RE2), or None when there are no summary types.
    fn pattern(&self) -> Option<String> {
        one_pattern(&self.summaries)
    }
}

fn one_pattern(patterns: &[String]) -> Option<String> {
    (!patterns.is_empty()).then(|| format!("(?i)({})", patterns.join(")|(")))
}

pub fn load_rules(conn: &Connection) -> Result<GapRules> {
    match crate::store::meta::get(conn, RULES_KEY) {
        Some(t) => GapRules::parse(&t, "the case"),
        None => Ok(GapRules::default()),
    }
}

pub fn save_rules(conn: &Connection, text: &str, origin: &str) -> Result<GapRules> {
    let rules = GapRules::parse(text, origin)?;
    // Each pattern as DuckDB (RE2) reads it, so a bad one is named here, not when gaps are read.
    for p in rules.summaries.iter().chain(&rules.beginnings) {
        conn.query_row("SELECT regexp_matches('', ?)", [p], |r| r.get::<_, bool>(0))
            .map_err(|e| Error::BadArgument {
                message: format!(
                    "The summary pattern `{p}` in {origin} is not a regular expression: {e}"
                ),
            })?;
    }
    crate::store::meta::set(conn, RULES_KEY, &rules.to_toml())?;
    Ok(rules)
}

/// What kind of gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum GapKind {
    /// The stream's first event is a summary of the events before it.
    Summary,
    /// The stream's versions start past 1.
    LeadingVersions,
    /// The stream's first record is in a Kafka partition whose dump begins past offset 0.
    LogStart,
}

/// One stream's history cut short.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct EvidenceGap {
    pub stream_id: String,
    pub kind: GapKind,
    /// The stream's history before this instant (when its first event occurred) is not in the case.
    pub before: String,
    /// The summary, or the first event there is.
    pub event_id: String,
    pub event_type: String,
    /// The first version in the case (leading versions).
    pub first_version: Option<i64>,
    pub message: String,
}

/// The gaps of a case or a stream.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct GapsReport {
    /// The first [`GAPS_SHOWN`] by stream id.
    pub gaps: Vec<EvidenceGap>,
    pub summaries: i64,
    pub leading_versions: i64,
    /// Streams first seen after a Kafka partition's log start.
    pub log_starts: i64,
    /// Every gap (not only those listed) counted by the UTC day its edge falls on, for the
    /// case-wide strip.
    pub by_day: Vec<GapDay>,
    pub rules: GapRules,
}

/// How many streams' gaps end on one day.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct GapDay {
    /// The day's first instant, RFC 3339.
    pub day: String,
    #[ts(type = "number")]
    pub count: i64,
}

const DAY_MICROS: i64 = 86_400_000_000;

/// The gaps of every stream (`stream` None) or of one.
pub fn gaps(conn: &Connection, rules: &GapRules, stream: Option<&str>) -> Result<GapsReport> {
    let mut report = GapsReport {
        gaps: Vec::new(),
        summaries: 0,
        leading_versions: 0,
        log_starts: 0,
        by_day: Vec::new(),
        rules: rules.clone(),
    };
    let mut found = Gathered::default();
    let (only, param): (&str, Vec<&dyn duckdb::ToSql>) = match &stream {
        Some(s) => ("AND stream_id = ?", vec![s as &dyn duckdb::ToSql]),
        None => ("", Vec::new()),
    };
    if let Some(pattern) = rules.pattern() {
        let pattern = pattern.replace('\'', "''");
        // The streams with a summary, then whether an event that is not one occurred before it.
        let mut stmt = conn.prepare(&format!(
            "WITH s AS (
                 SELECT stream_id, event_id, event_type, occurred_at FROM events
                 WHERE regexp_matches(event_type, '{pattern}') {only}),
             f AS (
                 SELECT stream_id, min(occurred_at) AS t FROM events
                 WHERE stream_id IN (SELECT stream_id FROM s)
                   AND NOT regexp_matches(event_type, '{pattern}')
                 GROUP BY stream_id)
             SELECT s.stream_id, arg_max(s.event_id, s.occurred_at), arg_max(s.event_type, s.occurred_at),
                    epoch_us(max(s.occurred_at))
             FROM s LEFT JOIN f USING (stream_id)
             WHERE f.t IS NULL OR s.occurred_at <= f.t
             GROUP BY s.stream_id ORDER BY s.stream_id"
        ))?;
        let rows = stmt.query_map(param.as_slice(), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        for row in rows {
            let (stream_id, event_id, event_type, at) = row?;
            if found.add(&stream_id, at, GapKind::Summary, || EvidenceGap {
                    message: format!(
                        "The state of {stream_id} before {} comes from a summary ({event_type} {event_id}), not from events: the events it replaced are not in the case.",
                        format_micros(at)
                    ),
                    stream_id: stream_id.clone(),
                    kind: GapKind::Summary,
                    before: format_micros(at),
                    event_id,
                    event_type,
                    first_version: None,
                }) {
                report.summaries += 1;
            }
        }
    }
    if rules.leading_versions {
        let mut stmt = conn.prepare(&format!(
            "SELECT stream_id, min(stream_version), arg_min(event_id, stream_version),
                    arg_min(event_type, stream_version), epoch_us(arg_min(occurred_at, stream_version))
             FROM events WHERE stream_version IS NOT NULL {only}
             GROUP BY stream_id HAVING min(stream_version) > 1 ORDER BY stream_id"
        ))?;
        let rows = stmt.query_map(param.as_slice(), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        for row in rows {
            let (stream_id, first, event_id, event_type, at) = row?;
            let missing = || {
                if first == 2 {
                    "version 1 is".to_string()
                } else {
                    format!("versions 1 to {} are", first - 1)
                }
            };
            if found.add(&stream_id, at, GapKind::LeadingVersions, || EvidenceGap {
                    message: format!(
                        "{stream_id} starts at version {first}: {} not in the case (archived, truncated or past retention), so its state before {} is incomplete.",
                        missing(),
                        format_micros(at)
                    ),
                    stream_id: stream_id.clone(),
                    kind: GapKind::LeadingVersions,
                    before: format_micros(at),
                    event_id,
                    event_type,
                    first_version: Some(first),
                }) {
                report.leading_versions += 1;
            }
        }
    }
    if rules.log_start && kafka_log_started(conn)? {
        let beginnings = match one_pattern(&rules.beginnings) {
            Some(p) => format!("regexp_matches(event_type, '{}')", p.replace('\'', "''")),
            None => "false".into(),
        };
        // The partitions' starts over the whole case (a stream's own records do not say where
        // its partition begins), then each stream's first record by offset.
        let mut stmt = conn.prepare(&format!(
            "WITH k AS (
                 SELECT stream_id, event_id, event_type, occurred_at, stream_version,
                        metadata->>'$.kafka.topic' AS topic,
                        TRY_CAST(metadata->>'$.kafka.partition' AS BIGINT) AS part,
                        TRY_CAST(metadata->>'$.kafka.offset' AS BIGINT) AS off
                 FROM events WHERE metadata->>'$.kafka.offset' IS NOT NULL),
             starts AS (SELECT topic, part, min(off) AS start FROM k GROUP BY topic, part HAVING min(off) > 0),
             firsts AS (
                 SELECT stream_id, arg_min(event_id, off) AS event_id, arg_min(event_type, off) AS event_type,
                        arg_min(occurred_at, off) AS at, arg_min(stream_version, off) AS version,
                        arg_min(topic, off) AS topic, arg_min(part, off) AS part
                 FROM k WHERE true {only} GROUP BY stream_id)
             SELECT f.stream_id, f.event_id, f.event_type, epoch_us(f.at), f.topic, f.part, s.start
             FROM firsts f JOIN starts s USING (topic, part)
             WHERE f.version IS DISTINCT FROM 1 AND NOT {beginnings}
             ORDER BY f.stream_id"
        ))?;
        let rows = stmt.query_map(param.as_slice(), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })?;
        for row in rows {
            let (stream_id, event_id, event_type, at, topic, partition, start) = row?;
            if found.add(&stream_id, at, GapKind::LogStart, || EvidenceGap {
                    message: format!(
                        "{stream_id} is first seen in partition {partition} of topic {topic}, whose dump begins at offset {start}: the records before it were deleted by retention or compaction, or not dumped, and its first record here ({event_type}) does not begin a history, so its state before {} may be incomplete.",
                        format_micros(at)
                    ),
                    stream_id: stream_id.clone(),
                    kind: GapKind::LogStart,
                    before: format_micros(at),
                    event_id,
                    event_type,
                    first_version: None,
                }) {
                report.log_starts += 1;
            }
        }
    }
    let mut listed = found.gaps;
    listed.sort_by(|a, b| (&a.stream_id, &a.before).cmp(&(&b.stream_id, &b.before)));
    listed.truncate(GAPS_SHOWN);
    report.gaps = listed;
    report.by_day = found
        .days
        .into_iter()
        .map(|(day, count)| GapDay {
            day: format_micros(day * DAY_MICROS),
            count,
        })
        .collect();
    Ok(report)
}

/// The gaps found so far, kind by kind (each kind's rows come in stream order).
#[derive(Default)]
struct Gathered {
    /// Every gap counted by the UTC day of its edge.
    days: std::collections::BTreeMap<i64, i64>,
    /// Streams with a gap: a stream that begins with a summary usually begins past version 1
    /// too, and is one gap, the first kind's.
    gapped: std::collections::HashSet<String>,
    /// The first [`GAPS_SHOWN`] of each kind, to be sorted and cut to the first overall.
    gaps: Vec<EvidenceGap>,
    listed: std::collections::HashMap<GapKind, usize>,
}

impl Gathered {
    /// Counts `stream`'s gap of `kind` (edge at `at`, UTC micros) unless the stream already has
    /// one, and lists it while its kind has fewer than [`GAPS_SHOWN`]. Whether it was counted.
    fn add(
        &mut self,
        stream: &str,
        at: i64,
        kind: GapKind,
        gap: impl FnOnce() -> EvidenceGap,
    ) -> bool {
        if !self.gapped.insert(stream.to_string()) {
            return false;
        }
        *self.days.entry(at.div_euclid(DAY_MICROS)).or_default() += 1;
        let listed = self.listed.entry(kind).or_default();
        if *listed < GAPS_SHOWN {
            *listed += 1;
            self.gaps.push(gap());
        }
        true
    }
}

/// Whether an import found a Kafka partition whose dump begins past offset 0: the records'
/// metadata is read only then.
fn kafka_log_started(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM findings WHERE kind = ?)",
        [crate::findings::FindingKind::KafkaLogStart.as_str()],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn line(stream: &str, id: &str, kind: &str, at: &str, version: Option<i64>) -> String {
        json!({"event_id": id, "stream_id": stream, "stream_type": "Account", "event_type": kind,
               "stream_version": version, "occurred_at": at, "recorded_at": at, "payload": {"n": 1}})
        .to_string()
    }

    #[test]
    fn a_summary_first_in_its_stream_and_versions_past_one_are_gaps_and_nothing_else_is() {
        let dir = tempfile::tempdir().unwrap();
        let lines = [
            // A compaction first, then events: a gap before it.
            line("a", "a1", "AccountCompacted", "2024-03-01T00:00:00Z", None),
            line("a", "a2", "Deposited", "2024-03-02T00:00:00Z", None),
            // A snapshot after the history it summarises: no gap.
            line("b", "b1", "Deposited", "2024-01-01T00:00:00Z", None),
            line("b", "b2", "Snapshotted", "2024-02-01T00:00:00Z", None),
            // Versions from 3: versions 1 and 2 missing.
            line("c", "c3", "Deposited", "2024-01-05T00:00:00Z", Some(3)),
            line("c", "c4", "Deposited", "2024-01-06T00:00:00Z", Some(4)),
            // Versions from 1: complete.
            line("d", "d1", "Deposited", "2024-01-05T00:00:00Z", Some(1)),
            line("d", "d2", "Deposited", "2024-01-06T00:00:00Z", Some(2)),
            // A change-data capture's snapshot read alone.
            line("e", "e1", "RowSnapshotted", "2024-04-01T00:00:00Z", None),
            // Two summaries before the first event: the later one is the gap's edge.
            line(
                "f",
                "f1",
                "BalanceCarriedForward",
                "2024-01-01T00:00:00Z",
                None,
            ),
            line("f", "f2", "OpeningBalance", "2024-02-01T00:00:00Z", None),
            line("f", "f3", "Deposited", "2024-02-02T00:00:00Z", None),
        ];
        let case = crate::case_of_lines(dir.path(), &lines);
        let report = gaps(&case.conn, &GapRules::default(), None).unwrap();
        let got: Vec<(&str, GapKind, &str, &str)> = report
            .gaps
            .iter()
            .map(|g| {
                (
                    g.stream_id.as_str(),
                    g.kind,
                    g.before.as_str(),
                    g.event_id.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("a", GapKind::Summary, "2024-03-01T00:00:00Z", "a1"),
                ("c", GapKind::LeadingVersions, "2024-01-05T00:00:00Z", "c3"),
                ("e", GapKind::Summary, "2024-04-01T00:00:00Z", "e1"),
                ("f", GapKind::Summary, "2024-02-01T00:00:00Z", "f2"),
            ]
        );
        assert_eq!((report.summaries, report.leading_versions), (3, 1));
        // The edges above, by day: one each on 01-05, 02-01, 03-01 and 04-01.
        let days: Vec<(&str, i64)> = report
            .by_day
            .iter()
            .map(|d| (d.day.as_str(), d.count))
            .collect();
        assert_eq!(
            days,
            vec![
                ("2024-01-05T00:00:00Z", 1),
                ("2024-02-01T00:00:00Z", 1),
                ("2024-03-01T00:00:00Z", 1),
                ("2024-04-01T00:00:00Z", 1),
            ]
        );
        let c = &report.gaps[1];
        assert_eq!(c.first_version, Some(3));
        assert!(
            c.message.contains("versions 1 to 2 are not in the case"),
            "{}",
            c.message
        );
        // One stream's gaps alone.
        let one = gaps(&case.conn, &GapRules::default(), Some("a")).unwrap();
        assert_eq!(one.gaps.len(), 1);
        assert_eq!((one.summaries, one.leading_versions), (1, 0));
        // The case's own rules: its patterns only, leading versions off.
        let rules = save_rules(
            &case.conn,
            "summaries = [\"^(opening|balance)\"]\nleading_versions = false\n",
            "a test",
        )
        .unwrap();
        assert_eq!(load_rules(&case.conn).unwrap(), rules);
        let custom = gaps(&case.conn, &rules, None).unwrap();
        let streams: Vec<&str> = custom.gaps.iter().map(|g| g.stream_id.as_str()).collect();
        assert_eq!(streams, vec!["f"]);
        // A pattern RE2 cannot read is refused with the pattern named.
        let bad = save_rules(&case.conn, "summaries = [\"(\"]", "a test").unwrap_err();
        assert!(bad.to_string().contains("`(`"), "{bad}");
    }
}
