//! The lake export: the open case as Parquet for Spark, Trino or Hive (off the UI thread,
//! `lake-progress` events, cancellable), and the check of an export against its manifest.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use casefile::{ErrorDto, LakeExport, LakeProgress, LakeVerify};
use tauri::{AppHandle, Emitter, Manager};

use crate::state::{dto, AppState};

/// The event the UI listens to while an export is written.
pub const PROGRESS_EVENT: &str = "lake-progress";

/// Set by `lake_export_cancel`; the running export stops at its next step and leaves nothing.
static CANCEL: AtomicBool = AtomicBool::new(false);

fn stopped(e: impl std::fmt::Display) -> ErrorDto {
    ErrorDto {
        code: "internal".into(),
        message: format!("The export stopped unexpectedly: {e}"),
    }
}

#[tauri::command]
pub async fn lake_export(dir: PathBuf, app: AppHandle) -> Result<LakeExport, ErrorDto> {
    CANCEL.store(false, Ordering::SeqCst);
    let worker = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let emitter = worker.clone();
        let progress = move |p: &LakeProgress| {
            let _ = emitter.emit(PROGRESS_EVENT, p);
        };
        worker
            .state::<AppState>()
            .with_case(|c| c.lake_export(&dir, &progress, &|| CANCEL.load(Ordering::SeqCst)))
    })
    .await
    .map_err(stopped)?
}

#[tauri::command]
pub fn lake_export_cancel() {
    CANCEL.store(true, Ordering::SeqCst);
}

#[tauri::command]
pub async fn lake_verify(dir: PathBuf) -> Result<LakeVerify, ErrorDto> {
    tauri::async_runtime::spawn_blocking(move || casefile::lake_verify(&dir).map_err(dto))
        .await
        .map_err(stopped)?
}
