//! Drift between two cohorts of decisions: the comparison off the UI thread with `drift-progress`
//! events, and the self-contained HTML report written where the investigator chose.

use std::path::PathBuf;

use casefile::{DriftProgress, DriftReport, DriftRequest, ErrorDto};
use tauri::{AppHandle, Emitter, Manager};

use crate::state::AppState;

/// The event the UI listens to while a comparison runs.
pub const PROGRESS_EVENT: &str = "drift-progress";

fn stopped(e: impl std::fmt::Display) -> ErrorDto {
    ErrorDto {
        code: "internal".into(),
        message: format!("The comparison stopped unexpectedly: {e}"),
    }
}

/// Compares the cohorts; with `html`, also writes the report there.
async fn compare(
    request: DriftRequest,
    html: Option<PathBuf>,
    app: AppHandle,
) -> Result<DriftReport, ErrorDto> {
    let worker = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let emitter = worker.clone();
        let progress = move |p: &DriftProgress| {
            let _ = emitter.emit(PROGRESS_EVENT, p);
        };
        worker.state::<AppState>().with_case(|c| {
            let report = c.drift(&request, &progress)?;
            if let Some(path) = &html {
                std::fs::write(path, c.drift_html(&report))?;
            }
            Ok(report)
        })
    })
    .await
    .map_err(stopped)?
}

#[tauri::command]
pub async fn drift(request: DriftRequest, app: AppHandle) -> Result<DriftReport, ErrorDto> {
    compare(request, None, app).await
}

/// Runs the comparison again and writes its HTML report to `path`.
#[tauri::command]
pub async fn export_drift_report(
    request: DriftRequest,
    path: PathBuf,
    app: AppHandle,
) -> Result<DriftReport, ErrorDto> {
    compare(request, Some(path), app).await
}
