//! The investigator's notes: bookmarks of an instant, a stream or an event, with text. Notes are
//! append-only: nothing here updates or deletes a row; an edit is a new note that supersedes the old
//! one, and a note can be superseded once, so every edit history is a single chain.

use duckdb::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Axis;
use crate::model::{format_micros, Micros};

/// A note as stored, with the note that replaced it (if any).
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Note {
    pub note_id: i64,
    pub created_at: String,
    pub author: String,
    /// The bookmarked instant, RFC 3339.
    pub at: Option<String>,
    /// The axis `at` is on.
    pub axis: Option<Axis>,
    pub stream_id: Option<String>,
    pub event_id: Option<String>,
    pub body: String,
    pub supersedes: Option<i64>,
    /// The newer note that replaced this one; a superseded note is history, not current.
    pub superseded_by: Option<i64>,
    /// The view the note was written in: "auditor", or "operator (profile NAME, sha256 …)"; none
    /// for notes written before views were recorded.
    #[serde(default)]
    pub view: Option<String>,
}

/// What a new note says and where it points.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct NewNote {
    pub body: String,
    /// Microseconds since the epoch on `axis`.
    pub at: Option<Micros>,
    pub axis: Option<Axis>,
    pub stream_id: Option<String>,
    pub event_id: Option<String>,
    /// The note this one replaces; its anchors are kept where this one gives none.
    pub supersedes: Option<i64>,
}

fn bad(message: String) -> Error {
    Error::BadArgument { message }
}

/// Appends a note after checking that what it points to exists.
/// Appends a note; `view` is the view in force ([`crate::viewer::ViewInfo::label`]).
pub fn add(conn: &Connection, author: &str, note: &NewNote, view: &str) -> Result<Note> {
    let body = note.body.trim();
    if body.is_empty() {
        return Err(bad("The note is empty. Write what you found.".into()));
    }
    let mut anchors = (
        note.at,
        note.axis,
        note.stream_id.clone(),
        note.event_id.clone(),
    );
    if let Some(old) = note.supersedes {
        let previous = list(conn)?.into_iter().find(|n| n.note_id == old);
        let Some(previous) = previous else {
            return Err(bad(format!("There is no note {old} to replace.")));
        };
        if let Some(newer) = previous.superseded_by {
            return Err(bad(format!(
                "Note {old} was already replaced by note {newer}; edit note {newer} instead."
            )));
        }
        if anchors.0.is_none() && anchors.2.is_none() && anchors.3.is_none() {
            anchors = (
                previous
                    .at
                    .as_deref()
                    .map(crate::model::parse_instant)
                    .transpose()?,
                previous.axis,
                previous.stream_id,
                previous.event_id,
            );
        }
    }
    let (at, axis, stream_id, event_id) = anchors;
    if at.is_none() && stream_id.is_none() && event_id.is_none() {
        return Err(bad(
            "A note bookmarks something: give it an instant, a stream or an event.".into(),
        ));
    }
    if let Some(stream) = &stream_id {
        let known: bool = conn.query_row(
            "SELECT count(*) > 0 FROM events WHERE stream_id = ?",
            [stream],
            |r| r.get(0),
        )?;
        if !known {
            return Err(Error::UnknownStream {
                stream: stream.clone(),
            });
        }
    }
    if let Some(event) = &event_id {
        let known: bool = conn.query_row(
            "SELECT count(*) > 0 FROM events WHERE event_id = ?",
            [event],
            |r| r.get(0),
        )?;
        if !known {
            return Err(bad(format!("The case has no event `{event}`.")));
        }
    }
    let axis = at.map(|_| axis.unwrap_or_default());
    let id: i64 = conn.query_row(
        "INSERT INTO notes (created_at, author, at_time, axis, stream_id, event_id, body, supersedes, view)
         VALUES (now()::TIMESTAMP, ?, make_timestamp(?), ?, ?, ?, ?, ?, ?) RETURNING note_id",
        params![
            author,
            at,
            axis.map(Axis::name),
            stream_id,
            event_id,
            body,
            note.supersedes,
            view
        ],
        |r| r.get(0),
    )?;
    list(conn)?
        .into_iter()
        .find(|n| n.note_id == id)
        .ok_or_else(|| bad(format!("Note {id} was written but cannot be read back.")))
}

/// Every note, oldest first, each with the note that superseded it.
pub fn list(conn: &Connection) -> Result<Vec<Note>> {
    let mut stmt = conn.prepare(
        "SELECT n.note_id, epoch_us(n.created_at), n.author, epoch_us(n.at_time), n.axis,
                n.stream_id, n.event_id, n.body, n.supersedes,
                (SELECT min(s.note_id) FROM notes s WHERE s.supersedes = n.note_id), n.view
         FROM notes n ORDER BY n.note_id",
    )?;
    let rows = stmt.query_map([], |r| {
        let axis: Option<String> = r.get(4)?;
        Ok(Note {
            note_id: r.get(0)?,
            created_at: format_micros(r.get(1)?),
            author: r.get(2)?,
            at: r.get::<_, Option<i64>>(3)?.map(format_micros),
            axis: axis.as_deref().and_then(Axis::from_name),
            stream_id: r.get(5)?,
            event_id: r.get(6)?,
            body: r.get(7)?,
            supersedes: r.get(8)?,
            superseded_by: r.get(9)?,
            view: r.get(10)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}
