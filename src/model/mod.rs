//! The canonical event envelope as it leaves the engine, and time: every instant is UTC microseconds
//! since the Unix epoch inside the engine and RFC 3339 with `Z` at every boundary.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use serde::Serialize;

use crate::error::{Error, Result};

pub mod json;
pub mod rows;

/// Microseconds since 1970-01-01T00:00:00Z.
pub type Micros = i64;

/// Formats an instant as RFC 3339 in UTC with `Z`, with as many fractional digits as it needs.
pub fn format_micros(us: Micros) -> String {
    match Utc.timestamp_micros(us).single() {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        None => format!("{us}us"),
    }
}

/// Parses a user-typed instant: RFC 3339 with an offset, a date-time without one (read as UTC), or a
/// bare date (midnight UTC).
pub fn parse_instant(text: &str) -> Result<Micros> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc).timestamp_micros());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, fmt) {
            return Ok(n.and_utc().timestamp_micros());
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc()
            .timestamp_micros());
    }
    Err(Error::BadTime {
        given: text.to_string(),
    })
}

/// Where the next page of a list starts: the key of the last row sent (an instant and a tie
/// breaker), written as text for the CLI and the app to pass back unchanged. Paging by key rather
/// than by offset keeps a page a million rows deep as quick as the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageCursor {
    pub at: Micros,
    pub tie: String,
}

impl PageCursor {
    pub fn encode(&self) -> String {
        format!("{}/{}", self.at, self.tie)
    }

    /// `filter` (a `WHERE ...` clause or nothing) narrowed to the rows after this cursor, for rows
    /// ordered by `time_col` then `tie_col`; `tie` is the SQL of the tie value (`?` or a literal).
    pub fn narrow(&self, filter: &str, time_col: &str, tie_col: &str, tie: &str) -> String {
        let after = format!(
            "({time_col} > make_timestamp({at}) OR ({time_col} = make_timestamp({at}) AND {tie_col} > {tie}))",
            at = self.at
        );
        if filter.is_empty() {
            format!("WHERE {after}")
        } else {
            format!("{filter} AND {after}")
        }
    }

    pub fn decode(text: &str) -> Result<PageCursor> {
        let bad = || Error::BadArgument {
            message: format!(
                "`{text}` is not a page cursor: pass back the `next` of the page before, unchanged."
            ),
        };
        let (at, tie) = text.split_once('/').ok_or_else(bad)?;
        Ok(PageCursor {
            at: at.parse().map_err(|_| bad())?,
            tie: tie.to_string(),
        })
    }
}

/// One event as stored in a case: the envelope of `shared/design/events.md`.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct Event {
    pub seq: i64,
    pub event_id: String,
    pub stream_id: String,
    pub stream_type: Option<String>,
    pub stream_version: Option<i64>,
    pub event_type: String,
    pub schema_version: i64,
    pub occurred_at: String,
    pub recorded_at: String,
    /// True when the source had no recorded time and `recorded_at` was set to `occurred_at`.
    pub recorded_at_defaulted: bool,
    /// True when a source time had no offset and was read as UTC.
    pub naive_time: bool,
    pub actor: Option<String>,
    pub reason: Option<String>,
    pub causation_id: Option<String>,
    pub correlation_id: Option<String>,
    pub corrects: Option<String>,
    pub payload: serde_json::Value,
    pub metadata: serde_json::Value,
    pub source_id: i64,
    pub source_row: i64,
}

/// Which time axis a filter or an as-of uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, Default, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum Axis {
    /// When it happened in the world.
    #[default]
    Occurred,
    /// When the system knew it.
    Recorded,
}

impl Axis {
    /// The axis as the CLI and the case's tables write it: "occurred" or "recorded".
    pub fn name(self) -> &'static str {
        match self {
            Axis::Occurred => "occurred",
            Axis::Recorded => "recorded",
        }
    }

    /// The axis a name (as `name` writes it) stands for.
    pub fn from_name(name: &str) -> Option<Axis> {
        match name {
            "occurred" => Some(Axis::Occurred),
            "recorded" => Some(Axis::Recorded),
            _ => None,
        }
    }

    pub fn column(self) -> &'static str {
        match self {
            Axis::Occurred => "occurred_at",
            Axis::Recorded => "recorded_at",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_cursor_reads_back_what_it_wrote_and_refuses_anything_else() {
        let c = PageCursor {
            at: 1_704_067_200_000_001,
            tie: "evt/42".into(),
        };
        assert_eq!(c.encode(), "1704067200000001/evt/42");
        assert_eq!(PageCursor::decode(&c.encode()).unwrap(), c);
        for bad in ["", "17040672", "x/evt-1"] {
            assert_eq!(PageCursor::decode(bad).unwrap_err().code(), "bad_argument");
        }
    }

    #[test]
    fn instants_round_trip_through_rfc3339() {
        let us = parse_instant("2024-03-01T10:15:30.25+02:00").unwrap();
        assert_eq!(format_micros(us), "2024-03-01T08:15:30.250Z");
        assert_eq!(
            parse_instant("2024-03-01").unwrap(),
            parse_instant("2024-03-01T00:00:00Z").unwrap()
        );
        assert!(matches!(
            parse_instant("yesterday"),
            Err(Error::BadTime { .. })
        ));
    }
}
