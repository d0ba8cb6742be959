//! Importing log files into the open case: a preview of how each file would be read, the import
//! itself off the UI thread with progress events and cancel, and the custody and quarantine records.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use casefile::{
    ErrorDto, Finding, FolderPreview, ImportOptions, ImportProgress, ImportReport, ProgressSink,
    QuarantinePage, SourcePreview, SourceRecord,
};
use tauri::{AppHandle, Emitter, Manager, State};

use crate::state::AppState;

/// The event the UI listens to while an import runs.
pub const PROGRESS_EVENT: &str = "import-progress";

/// Forwards progress to the window at most ten times a second, and asks the app whether to go on.
struct WindowSink {
    app: AppHandle,
    last: std::cell::Cell<Option<Instant>>,
}

impl ProgressSink for WindowSink {
    fn progress(&self, p: &ImportProgress) {
        let due = self
            .last
            .get()
            .is_none_or(|t| t.elapsed() >= Duration::from_millis(100));
        if due {
            self.last.set(Some(Instant::now()));
            let _ = self.app.emit(PROGRESS_EVENT, p);
        }
    }

    fn keep_going(&self) -> bool {
        !self.app.state::<AppState>().cancel.load(Ordering::Relaxed)
    }
}

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
        code: "internal".into(),
        message: format!("The work stopped unexpectedly: {e}"),
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

#[tauri::command]
pub async fn import_files(
    paths: Vec<PathBuf>,
    format: Option<String>,
    mapping_toml: Option<String>,
    default_time: Option<String>,
    app: AppHandle,
) -> Result<ImportReport, ErrorDto> {
    let worker = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let state = worker.state::<AppState>();
        state.cancel.store(false, Ordering::Relaxed);
        let sink = WindowSink {
            app: worker.clone(),
            last: Default::default(),
        };
        let opts = options(format, mapping_toml, default_time);
        state.with_case(|c| c.import(&paths, &opts, &sink))
    })
    .await
    .map_err(stopped)?
}

/// Asks a running import to stop; the file being read is left out whole.
#[tauri::command]
pub fn cancel_import(state: State<'_, AppState>) {
    state.cancel.store(true, Ordering::Relaxed);
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
