//! Case bundles: export the open case (off the UI thread, `bundle-progress` events), verify any
//! bundle (no case needed), and the investigator's signing keys.

use std::path::PathBuf;

use casefile::{
    BundleExportReport, BundleProgress, BundleRequest, ErrorDto, KeyInfo, VerifyOptions,
    VerifyReport,
};
use tauri::{AppHandle, Emitter, Manager};

use crate::state::{dto, AppState};

/// The event the UI listens to while a bundle is written or checked.
pub const PROGRESS_EVENT: &str = "bundle-progress";

fn stopped(e: impl std::fmt::Display) -> ErrorDto {
    ErrorDto {
        code: "internal".into(),
        message: format!("The bundle work stopped unexpectedly: {e}"),
    }
}

#[tauri::command]
pub async fn bundle_export(
    request: BundleRequest,
    app: AppHandle,
) -> Result<BundleExportReport, ErrorDto> {
    let worker = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let emitter = worker.clone();
        let progress = move |p: &BundleProgress| {
            let _ = emitter.emit(PROGRESS_EVENT, p);
        };
        worker
            .state::<AppState>()
            .with_case(|c| c.bundle_export(&request, &progress))
    })
    .await
    .map_err(stopped)?
}

#[tauri::command]
pub async fn bundle_verify(
    path: PathBuf,
    key: Option<String>,
    allow_unsigned: bool,
    app: AppHandle,
) -> Result<VerifyReport, ErrorDto> {
    tauri::async_runtime::spawn_blocking(move || {
        let progress = move |p: &BundleProgress| {
            let _ = app.emit(PROGRESS_EVENT, p);
        };
        let opts = VerifyOptions {
            expected_key: key.filter(|k| !k.trim().is_empty()),
            allow_unsigned,
        };
        casefile::verify_bundle(&path, &opts, &progress).map_err(dto)
    })
    .await
    .map_err(stopped)?
}

#[tauri::command]
pub fn signing_keys() -> Result<Vec<KeyInfo>, ErrorDto> {
    casefile::list_keys().map_err(dto)
}

#[tauri::command]
pub fn new_signing_key(name: String) -> Result<KeyInfo, ErrorDto> {
    casefile::new_key(&name).map_err(dto)
}
