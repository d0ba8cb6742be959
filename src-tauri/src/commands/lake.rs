//! The lake export: the open case as Parquet for Spark, Trino or Hive (a job: `job-progress`,
//! `job_cancel`), and the check of an export against its manifest.

use std::path::PathBuf;

use casefile::{ErrorDto, JobKind, LakeExport, LakeVerify};
use tauri::AppHandle;

use crate::state::dto;

#[tauri::command]
pub async fn lake_export(dir: PathBuf, app: AppHandle) -> Result<LakeExport, ErrorDto> {
    super::jobs::run(&app, JobKind::LakeExport, move |case, job| {
        case.lake_export(&dir, job)
    })
    .await
}

#[tauri::command]
pub async fn lake_verify(dir: PathBuf) -> Result<LakeVerify, ErrorDto> {
    tauri::async_runtime::spawn_blocking(move || casefile::lake_verify(&dir).map_err(dto))
        .await
        .map_err(|e| ErrorDto {
            code: casefile::ErrorCode::Internal,
            message: format!("The check stopped unexpectedly: {e}"),
            hint: None,
        })?
}
