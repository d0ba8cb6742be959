//! One event in full, for the app's event detail: the envelope, where it came from (the source file's
//! custody record and row), what caused it and what it caused, and the findings that name it.

use duckdb::Connection;
use serde::Serialize;

use super::{event_row, sources, SourceRecord, EVENT_COLUMNS};
use crate::error::{Error, Result};
use crate::findings::Finding;
use crate::model::Event;

/// How far a causation chain is followed back before it is cut (and said to be cut).
pub const CHAIN_LIMIT: usize = 32;

/// An event with its provenance and causal neighbours.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct EventDetail {
    pub event: Event,
    /// The source file the event was read from (path, sha256, when, who).
    pub source: Option<SourceRecord>,
    /// The events that caused this one, nearest first, following `causation_id`.
    pub caused_by: Vec<Event>,
    /// True when the chain went on beyond `CHAIN_LIMIT`, or named an event the case lacks.
    pub chain_cut: bool,
    /// The `causation_id` the chain ended at when that event is not in the case.
    pub missing_cause: Option<String>,
    /// Events whose `causation_id` is this event (at most 50).
    pub caused: Vec<Event>,
    /// The event this one corrects, when it is a correction.
    pub corrects: Option<Event>,
    /// Events that correct this one.
    pub corrected_by: Vec<Event>,
    /// Integrity findings that name this event.
    pub findings: Vec<Finding>,
}

fn one_event(conn: &Connection, filter: &str, value: &str) -> Result<Option<Event>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE {filter} ORDER BY seq LIMIT 1"
    ))?;
    let mut rows = stmt.query_map([value], event_row)?;
    Ok(rows.next().transpose()?)
}

fn events_where(conn: &Connection, filter: &str, value: &str, limit: usize) -> Result<Vec<Event>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE {filter} ORDER BY recorded_at, seq LIMIT {limit}"
    ))?;
    let rows = stmt.query_map([value], event_row)?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// The event `event_id` of stream `stream_id` in full. The stream narrows the search to one sorted
/// range of the table, so this stays quick on a large case.
pub fn event_detail(conn: &Connection, stream_id: &str, event_id: &str) -> Result<EventDetail> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE stream_id = ? AND event_id = ? ORDER BY seq LIMIT 1"
    ))?;
    let event = stmt
        .query_map([stream_id, event_id], event_row)?
        .next()
        .transpose()?
        .ok_or_else(|| Error::BadArgument {
            message: format!("The stream `{stream_id}` has no event `{event_id}`."),
        })?;
    let source = sources(conn)?
        .into_iter()
        .find(|s| s.source_id == event.source_id);

    let mut caused_by = Vec::new();
    let mut chain_cut = false;
    let mut missing_cause = None;
    let mut next = event.causation_id.clone();
    while let Some(cause_id) = next.take() {
        if caused_by.len() == CHAIN_LIMIT || cause_id == event.event_id {
            chain_cut = true;
            break;
        }
        match one_event(conn, "event_id = ?", &cause_id)? {
            Some(cause) => {
                let seen = caused_by
                    .iter()
                    .any(|e: &Event| e.event_id == cause.event_id);
                if seen {
                    chain_cut = true;
                    break;
                }
                next = cause.causation_id.clone();
                caused_by.push(cause);
            }
            None => {
                chain_cut = true;
                missing_cause = Some(cause_id);
            }
        }
    }
    let caused = events_where(conn, "causation_id = ?", &event.event_id, 50)?;
    let corrects = match &event.corrects {
        Some(target) => one_event(conn, "event_id = ?", target)?,
        None => None,
    };
    let corrected_by = events_where(conn, "corrects = ?", &event.event_id, 50)?;
    let findings = crate::findings::for_event(conn, &event.event_id)?;
    Ok(EventDetail {
        event,
        source,
        caused_by,
        chain_cut,
        missing_cause,
        caused,
        corrects,
        corrected_by,
        findings,
    })
}
