//! The population view: every entity of a type at an instant, built off the UI thread (the first
//! time may build the time machine's snapshots, with progress), then read a page at a time.

use casefile::{
    Axis, BuildProgress, ErrorDto, Population, PopulationPage, PopulationPageQuery,
    PopulationQuery, View,
};
use tauri::{AppHandle, Emitter, Manager, State};

use crate::state::AppState;

/// The event the UI listens to while snapshots are built.
pub const PROGRESS_EVENT: &str = "snapshot-progress";

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
    let worker = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let emitter = worker.clone();
        let progress = move |p: &BuildProgress| {
            let _ = emitter.emit(PROGRESS_EVENT, p);
        };
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
                &progress,
            )
        })
    })
    .await
    .map_err(|e| ErrorDto {
        code: "internal".into(),
        message: format!("Building the population stopped unexpectedly: {e}"),
    })?
}

#[tauri::command]
pub async fn population_page(
    query: PopulationPageQuery,
    state: State<'_, AppState>,
) -> Result<PopulationPage, ErrorDto> {
    state.with_case(|c| c.population_page(&query))
}
