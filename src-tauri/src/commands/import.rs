//! Importing log files into the open case, off the UI thread, with progress events and cancel.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use casefile::{ErrorDto, ImportOptions, ImportProgress, ImportReport, ProgressSink};
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

#[tauri::command]
pub async fn import_files(
    paths: Vec<PathBuf>,
    format: Option<String>,
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
        let opts = ImportOptions {
            format,
            mapping: None,
        };
        state.with_case(|c| c.import(&paths, &opts, &sink))
    })
    .await
    .map_err(|e| ErrorDto {
        code: "internal".into(),
        message: format!("The import stopped unexpectedly: {e}"),
    })?
}

/// Asks a running import to stop after the file it is reading; that file is left out whole.
#[tauri::command]
pub fn cancel_import(state: State<'_, AppState>) {
    state.cancel.store(true, Ordering::Relaxed);
}
