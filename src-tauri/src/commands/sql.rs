//! The SQL console: read-only queries over the case, with the CLI's lockdown.

use casefile::{ErrorDto, SqlResult};
use tauri::{AppHandle, Manager};

use crate::state::AppState;

/// The grid shows at most this many rows; the result says when it was cut.
const MAX_ROWS: usize = 5_000;

#[tauri::command]
pub async fn run_query(query: String, app: AppHandle) -> Result<SqlResult, ErrorDto> {
    tauri::async_runtime::spawn_blocking(move || {
        app.state::<AppState>()
            .with_case_mut(|c| c.query_read_only(&query, MAX_ROWS))
    })
    .await
    .map_err(|e| ErrorDto {
        code: casefile::ErrorCode::Internal,
        message: format!("The query stopped unexpectedly: {e}"),
        hint: None,
    })?
}
