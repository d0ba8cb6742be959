//! Drift between two cohorts of decisions: the comparison as a job (`job-progress`,
//! `job_cancel`), and the self-contained HTML report written where the investigator chose.

use std::path::PathBuf;

use casefile::{DriftReport, DriftRequest, ErrorDto, JobKind};
use tauri::AppHandle;

/// Compares the cohorts (a job); with `html`, also writes the report there.
async fn compare(
    request: DriftRequest,
    html: Option<PathBuf>,
    app: AppHandle,
) -> Result<DriftReport, ErrorDto> {
    super::jobs::run(&app, JobKind::Drift, move |case, job| {
        let report = case.drift(&request, job)?;
        if let Some(path) = &html {
            std::fs::write(path, case.drift_html(&report))?;
        }
        Ok(report)
    })
    .await
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
