//! The app's settings, kept in `settings.json` beside the recent-cases list: the embedded engine's
//! memory budget (empty: `CASEFILE_MEMORY_LIMIT`, else half of the machine) and the zone the
//! screens show times in (`utc`, `system` or an IANA name; times are stored in UTC whatever it is).

use std::path::Path;

use casefile::{ErrorDto, MemoryBudget};
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::state::{dto, AppState};

#[derive(Default, Serialize, Deserialize)]
struct Stored {
    /// As the investigator wrote it: "4GB", "50%".
    memory_limit: Option<String>,
    /// `utc` (also when absent), `system`, or an IANA zone name such as `Europe/London`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    time_zone: Option<String>,
}

fn write(file: &Path, stored: &Stored) -> Result<(), ErrorDto> {
    if let Some(dir) = file.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(
        file,
        serde_json::to_string_pretty(stored).unwrap_or_default(),
    )
    .map_err(|e| ErrorDto {
        code: casefile::ErrorCode::Io,
        message: format!("Cannot keep the setting in {}: {e}", file.display()),
        hint: None,
    })
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
        write(&file, &stored)?;
    }
    match state.with_case(|c| c.apply_memory_limit()) {
        Ok(()) => {}
        Err(e) if e.code == casefile::ErrorCode::NoCaseOpen => {}
        Err(e) => return Err(e),
    }
    casefile::memory_budget().map_err(dto)
}

/// The zone the screens show times in, as stored (`utc` when none was chosen).
#[tauri::command]
pub fn time_zone_setting(state: State<'_, AppState>) -> String {
    state
        .settings_file()
        .and_then(|f| read(&f).time_zone)
        .unwrap_or_else(|| "utc".into())
}

/// Keeps the display zone for next time: `utc`, `system` or an IANA name (the window checks the
/// name against the zones it knows before it asks).
#[tauri::command]
pub fn set_time_zone_setting(zone: String, state: State<'_, AppState>) -> Result<String, ErrorDto> {
    let zone = zone.trim().to_string();
    let plausible = !zone.is_empty()
        && zone.len() <= 64
        && zone
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c));
    if !plausible {
        return Err(ErrorDto {
            code: casefile::ErrorCode::BadArgument,
            message: format!("`{zone}` is not a time zone: use UTC, the system's, or a name such as Europe/London."),
            hint: None,
        });
    }
    if let Some(file) = state.settings_file() {
        let mut stored = read(&file);
        stored.time_zone = (zone != "utc").then(|| zone.clone());
        write(&file, &stored)?;
    }
    Ok(zone)
}
