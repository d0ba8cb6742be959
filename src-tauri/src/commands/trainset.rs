//! Training sets: a starter spec for the open case, and a build (preview, or export to the file the
//! investigator named) off the UI thread with `trainset-progress` events.

use casefile::{ErrorDto, TrainsetProgress, TrainsetReport, TrainsetRequest};
use tauri::{AppHandle, Emitter, Manager};

use crate::state::AppState;

/// The event the UI listens to while a training set builds.
pub const PROGRESS_EVENT: &str = "trainset-progress";

fn stopped(e: impl std::fmt::Display) -> ErrorDto {
    ErrorDto {
        code: "internal".into(),
        message: format!("The training set build stopped unexpectedly: {e}"),
    }
}

#[tauri::command]
pub async fn trainset_starter(app: AppHandle) -> Result<String, ErrorDto> {
    tauri::async_runtime::spawn_blocking(move || {
        app.state::<AppState>().with_case(|c| c.trainset_starter())
    })
    .await
    .map_err(stopped)?
}

/// Builds the training set; with `request.out`, writes it and its manifest there.
#[tauri::command]
pub async fn trainset(
    request: TrainsetRequest,
    app: AppHandle,
) -> Result<TrainsetReport, ErrorDto> {
    let worker = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let emitter = worker.clone();
        let progress = move |p: &TrainsetProgress| {
            let _ = emitter.emit(PROGRESS_EVENT, p);
        };
        worker
            .state::<AppState>()
            .with_case(|c| c.trainset(&request, &progress))
    })
    .await
    .map_err(stopped)?
}
