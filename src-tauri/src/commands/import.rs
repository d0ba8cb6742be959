//! Importing log files into the open case: a preview of how each file would be read, the import
//! itself as a job, and the custody and quarantine records.

use std::path::PathBuf;

use casefile::{
    ErrorDto, Finding, FolderPreview, ImportOptions, ImportReport, JobKind, QuarantinePage,
    SourcePreview, SourceRecord,
};
use tauri::{AppHandle, Manager, State};

use crate::state::AppState;

fn options(
    format: Option<String>,
    mapping_toml: Option<String>,
    default_time: Option<String>,
) -> ImportOptions {
    ImportOptions {
        format: format.filter(|f| !f.is_empty()),
        mapping: None,
        mapping_toml: mapping_toml.filter(|m| !m.trim().is_empty()),
        default_time: default_time.filter(|t| !t.trim().is_empty()),
    }
}

fn stopped(e: impl std::fmt::Display) -> ErrorDto {
    ErrorDto {
        code: casefile::ErrorCode::Internal,
        message: format!("The work stopped unexpectedly: {e}"),
        hint: None,
    }
}

/// How a file would be read (format, mapping, first rows); nothing is loaded.
#[tauri::command]
pub async fn preview_file(
    path: PathBuf,
    format: Option<String>,
    mapping_toml: Option<String>,
    default_time: Option<String>,
    app: AppHandle,
) -> Result<SourcePreview, ErrorDto> {
    tauri::async_runtime::spawn_blocking(move || {
        let opts = options(format, mapping_toml, default_time);
        app.state::<AppState>()
            .with_case(|c| c.preview(&path, &opts))
    })
    .await
    .map_err(stopped)?
}

/// How every file of a folder would be read; nothing is loaded.
#[tauri::command]
pub async fn preview_folder(
    path: PathBuf,
    format: Option<String>,
    mapping_toml: Option<String>,
    default_time: Option<String>,
    app: AppHandle,
) -> Result<FolderPreview, ErrorDto> {
    tauri::async_runtime::spawn_blocking(move || {
        let opts = options(format, mapping_toml, default_time);
        app.state::<AppState>()
            .with_case(|c| c.preview_folder(&path, &opts))
    })
    .await
    .map_err(stopped)?
}

/// True when a dropped or typed path is a folder (imported whole) rather than a file.
#[tauri::command]
pub fn is_folder(path: PathBuf) -> bool {
    path.is_dir()
}

/// Imports files as a job (`job-progress` with the file and its rows; `job_cancel` stops the file
/// being read, which is left out whole), on a connection of its own: the case keeps answering.
#[tauri::command]
pub async fn import_files(
    paths: Vec<PathBuf>,
    format: Option<String>,
    mapping_toml: Option<String>,
    default_time: Option<String>,
    app: AppHandle,
) -> Result<ImportReport, ErrorDto> {
    let opts = options(format, mapping_toml, default_time);
    crate::commands::jobs::run(&app, JobKind::Import, move |case, job| {
        case.import_job(&paths, &opts, job)
    })
    .await
}

/// The chain of custody: every source file imported, with its sha256, when and by whom.
#[tauri::command]
pub async fn sources(state: State<'_, AppState>) -> Result<Vec<SourceRecord>, ErrorDto> {
    state.with_case(|c| c.info().map(|i| i.sources))
}

#[tauri::command]
pub async fn quarantine_page(
    source_id: Option<i64>,
    limit: usize,
    offset: usize,
    state: State<'_, AppState>,
) -> Result<QuarantinePage, ErrorDto> {
    state.with_case(|c| c.quarantine_page(source_id, limit, offset))
}

#[tauri::command]
pub async fn findings(state: State<'_, AppState>) -> Result<Vec<Finding>, ErrorDto> {
    state.with_case(|c| c.findings())
}
