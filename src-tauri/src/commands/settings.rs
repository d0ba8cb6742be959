//! The app's settings, kept in `settings.json` beside the recent-cases list: for now the embedded
//! engine's memory budget (empty: `CASEFILE_MEMORY_LIMIT`, else half of the machine).

use std::path::Path;

use casefile::{ErrorDto, MemoryBudget};
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::state::{dto, AppState};

#[derive(Default, Serialize, Deserialize)]
struct Stored {
    /// As the investigator wrote it: "4GB", "50%".
    memory_limit: Option<String>,
}

fn read(file: &Path) -> Stored {
    std::fs::read_to_string(file)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// Applies the stored settings at startup. A stored budget that no longer reads (edited by hand)
/// is left out rather than keeping the app from starting.
pub fn load(file: &Path) {
    if let Some(text) = read(file).memory_limit {
        if let Ok(bytes) = casefile::parse_memory_limit(&text, "The memory limit in the settings") {
            casefile::set_memory_limit(Some(bytes));
        }
    }
}

#[tauri::command]
pub fn memory_setting() -> Result<MemoryBudget, ErrorDto> {
    casefile::memory_budget().map_err(dto)
}

/// Sets the budget (None or empty: back to the default), keeps it for next time, and applies it to
/// the open case at once.
#[tauri::command]
pub fn set_memory_setting(
    limit: Option<String>,
    state: State<'_, AppState>,
) -> Result<MemoryBudget, ErrorDto> {
    let limit = limit
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    let bytes = match &limit {
        Some(text) => Some(casefile::parse_memory_limit(text, "The memory limit").map_err(dto)?),
        None => None,
    };
    casefile::set_memory_limit(bytes);
    if let Some(file) = state.settings_file() {
        let mut stored = read(&file);
        stored.memory_limit = limit;
        if let Some(dir) = file.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        std::fs::write(
            &file,
            serde_json::to_string_pretty(&stored).unwrap_or_default(),
        )
        .map_err(|e| ErrorDto {
            code: casefile::ErrorCode::Io,
            message: format!("Cannot keep the setting in {}: {e}", file.display()),
            hint: None,
        })?;
    }
    match state.with_case(|c| c.apply_memory_limit()) {
        Ok(()) => {}
        Err(e) if e.code == casefile::ErrorCode::NoCaseOpen => {}
        Err(e) => return Err(e),
    }
    casefile::memory_budget().map_err(dto)
}
