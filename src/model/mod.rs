//! The canonical event envelope as it leaves the engine, and time: every instant is UTC microseconds
//! since the Unix epoch inside the engine and RFC 3339 with `Z` at every boundary.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use serde::Serialize;

use crate::error::{Error, Result};

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

#[cfg(test)]
mod tests {
    use super::*;

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
