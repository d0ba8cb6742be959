//! `casefile note` and `notes`: the investigator's append-only notes (bookmarks of an instant, a
//! stream or an event; an edit is a new note that supersedes the old one).

use std::path::PathBuf;

use casefile::Error;

use super::args::AxisArg;
use super::render::print;
use super::Exit;

#[derive(clap::Args)]
pub(super) struct NoteArgs {
    case: PathBuf,
    /// What you found.
    text: String,
    /// The instant the note is about (RFC 3339).
    #[arg(long)]
    at: Option<String>,
    /// The axis of `--at`.
    #[arg(long, value_enum, default_value = "recorded")]
    axis: AxisArg,
    #[arg(long)]
    stream: Option<String>,
    #[arg(long)]
    event: Option<String>,
    /// The note this one replaces.
    #[arg(long)]
    supersedes: Option<i64>,
}

#[derive(clap::Args)]
pub(super) struct NotesArgs {
    case: PathBuf,
}

pub(super) fn add(json: bool, args: NoteArgs) -> Result<Exit, Error> {
    let NoteArgs {
        case,
        text,
        at,
        axis,
        stream,
        event,
        supersedes,
    } = args;
    let at = at.as_deref().map(casefile::parse_instant).transpose()?;
    let note = super::open(&case)?.add_note(&casefile::NewNote {
        body: text,
        at,
        axis: Some(axis.into()),
        stream_id: stream,
        event_id: event,
        supersedes,
    })?;
    print(json, &note, |n| format!("note {} added\n", n.note_id));
    Ok(Exit::Done)
}

pub(super) fn list(json: bool, args: NotesArgs) -> Result<Exit, Error> {
    let NotesArgs { case } = args;
    let notes = super::open(&case)?.notes()?;
    let doc = serde_json::json!({ "notes": notes });
    print(json, &doc, |_| {
        let mut s = String::new();
        for n in &notes {
            let anchor = [
                n.at.clone(),
                n.stream_id.clone(),
                n.event_id.clone().map(|e| format!("event {e}")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
            let replaced = n
                .superseded_by
                .map(|b| format!(" (replaced by note {b})"))
                .unwrap_or_default();
            s += &format!(
                "#{} {} {} [{}]{}\n    {}\n",
                n.note_id, n.created_at, n.author, anchor, replaced, n.body
            );
        }
        s += &format!("({} notes)\n", notes.len());
        s
    });
    Ok(Exit::Done)
}
