//! Case bundles: export the open case and verify any bundle (no case needed) as jobs
//! (`job-progress`, `job_cancel`), and the investigator's signing keys.

use std::path::PathBuf;

use casefile::{
    BundleExportReport, BundleRequest, ErrorDto, JobKind, KeyInfo, VerifyOptions, VerifyReport,
};
use tauri::AppHandle;

use crate::state::dto;

#[tauri::command]
pub async fn bundle_export(
    request: BundleRequest,
    app: AppHandle,
) -> Result<BundleExportReport, ErrorDto> {
    super::jobs::run(&app, JobKind::BundleExport, move |case, job| {
        case.bundle_export(&request, job)
    })
    .await
}

#[tauri::command]
pub async fn bundle_verify(
    path: PathBuf,
    key: Option<String>,
    allow_unsigned: bool,
    app: AppHandle,
) -> Result<VerifyReport, ErrorDto> {
    let opts = VerifyOptions {
        expected_key: key.filter(|k| !k.trim().is_empty()),
        allow_unsigned,
    };
    super::jobs::run_alone(&app, JobKind::BundleVerify, move |job| {
        casefile::verify_bundle(&path, &opts, job)
    })
    .await
}

#[tauri::command]
pub fn signing_keys() -> Result<Vec<KeyInfo>, ErrorDto> {
    casefile::list_keys().map_err(dto)
}

#[tauri::command]
pub fn new_signing_key(name: String) -> Result<KeyInfo, ErrorDto> {
    casefile::new_key(&name).map_err(dto)
}
