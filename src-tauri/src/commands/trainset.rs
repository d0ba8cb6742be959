//! Training sets: a starter spec for the open case, and a build (preview, or export to the file the
//! investigator named) as a job (`job-progress`, `job_cancel`).

use casefile::{ErrorDto, JobKind, TrainsetReport, TrainsetRequest};
use tauri::{AppHandle, Manager};

use crate::state::AppState;

fn stopped(e: impl std::fmt::Display) -> ErrorDto {
    ErrorDto {
        code: casefile::ErrorCode::Internal,
        message: format!("The training set build stopped unexpectedly: {e}"),
        hint: None,
    }
}

/// A starter spec from the decision view, built first as a job when stale (see `decisions`).
#[tauri::command]
pub async fn trainset_starter(app: AppHandle) -> Result<String, ErrorDto> {
    super::decisions::build_decision_view(app.clone()).await?;
    tauri::async_runtime::spawn_blocking(move || {
        app.state::<AppState>().with_case(|c| c.trainset_starter())
    })
    .await
    .map_err(stopped)?
}

/// Builds the training set (a job); with `request.out`, writes it and its manifest there.
#[tauri::command]
pub async fn trainset(
    request: TrainsetRequest,
    app: AppHandle,
) -> Result<TrainsetReport, ErrorDto> {
    super::jobs::run(&app, JobKind::Trainset, move |case, job| {
        case.trainset(&request, job)
    })
    .await
}
