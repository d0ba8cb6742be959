//! Notes: append-only bookmarks of an instant, a stream or an event.

use casefile::{ErrorDto, NewNote, Note};
use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub async fn add_note(note: NewNote, state: State<'_, AppState>) -> Result<Note, ErrorDto> {
    state.with_case(|c| c.add_note(&note))
}

#[tauri::command]
pub async fn list_notes(state: State<'_, AppState>) -> Result<Vec<Note>, ErrorDto> {
    state.with_case(|c| c.notes())
}
