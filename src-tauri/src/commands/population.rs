//! The population view: every entity of a type at an instant, built off the UI thread, then read a
//! page at a time. The time machine's snapshots it needs are built first as a job
//! (`build_time_machine`), so the case keeps answering while they build.

use casefile::{
    Axis, Case, ErrorDto, JobKind, Population, PopulationPage, PopulationPageQuery,
    PopulationQuery, View,
};
use tauri::{AppHandle, Manager, State};

use crate::state::AppState;

/// Builds the time machine's snapshots when they are missing or stale, as a job.
#[tauri::command]
pub async fn build_time_machine(app: AppHandle) -> Result<(), ErrorDto> {
    crate::commands::jobs::build_unless_current(
        &app,
        JobKind::Snapshots,
        Case::time_machine_current,
        Case::build_time_machine,
    )
    .await
}

#[tauri::command]
pub async fn build_population(
    stream_type: String,
    at: i64,
    axis: Axis,
    view: View,
    app: AppHandle,
) -> Result<Population, ErrorDto> {
    population_with(stream_type, at, axis, view, None, app).await
}

/// Writes the population to `path` (Parquet, CSV or JSON by its extension).
#[tauri::command]
pub async fn export_population(
    stream_type: String,
    at: i64,
    axis: Axis,
    view: View,
    path: std::path::PathBuf,
    app: AppHandle,
) -> Result<Population, ErrorDto> {
    population_with(stream_type, at, axis, view, Some(path), app).await
}

async fn population_with(
    stream_type: String,
    at: i64,
    axis: Axis,
    view: View,
    out: Option<std::path::PathBuf>,
    app: AppHandle,
) -> Result<Population, ErrorDto> {
    build_time_machine(app.clone()).await?;
    let worker = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        worker.state::<AppState>().with_case(|c| {
            c.population(
                &PopulationQuery {
                    stream_type,
                    at,
                    axis,
                    view,
                    out,
                    save: false,
                    preview_rows: 0,
                },
                &|_| {},
            )
        })
    })
    .await
    .map_err(|e| ErrorDto {
        code: casefile::ErrorCode::Internal,
        message: format!("Building the population stopped unexpectedly: {e}"),
        hint: None,
    })?
}

#[tauri::command]
pub async fn population_page(
    query: PopulationPageQuery,
    state: State<'_, AppState>,
) -> Result<PopulationPage, ErrorDto> {
    state.with_case(|c| c.population_page(&query))
}
