//! Opening a case and reading its summary.

use std::path::PathBuf;

use casefile::{Case, CaseInfo, ErrorDto};
use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub fn open_case(path: PathBuf, state: State<'_, AppState>) -> Result<CaseInfo, ErrorDto> {
    let case = Case::open(&path).map_err(|e| ErrorDto::from(&e))?;
    let info = case.info().map_err(|e| ErrorDto::from(&e))?;
    state.set(case);
    Ok(info)
}

#[tauri::command]
pub fn case_info(state: State<'_, AppState>) -> Result<CaseInfo, ErrorDto> {
    state.with_case(|c| c.info())
}
