//! The AI decisions of the open case: the filtered list, one decision explained, the replayers the
//! investigator configured, and the decision view's build and replays run as jobs.

use casefile::{
    Case, DecisionPage, DecisionQuery, ErrorDto, Explanation, JobKind, ModelsReport, Period,
    RatesReport, ReplayReport, ReplayRequest, ReplayRunSummary, Replayer,
};
use tauri::{AppHandle, Manager, State};

use crate::state::AppState;

fn stopped(e: impl std::fmt::Display) -> ErrorDto {
    ErrorDto {
        code: casefile::ErrorCode::Internal,
        message: format!("The work stopped unexpectedly: {e}"),
        hint: None,
    }
}

/// Builds the decision view when it is missing or stale, as a job: the Decisions screen asks for
/// it first, so the case keeps answering while it builds.
#[tauri::command]
pub async fn build_decision_view(app: AppHandle) -> Result<(), ErrorDto> {
    crate::commands::jobs::build_unless_current(
        &app,
        JobKind::DecisionView,
        Case::decision_view_current,
        Case::build_decisions_job,
    )
    .await
}

/// A page of decisions. A stale decision view is rebuilt first as a job (or this waits for the
/// build already running), never on the open case: two builds at once would conflict.
#[tauri::command]
pub async fn decisions(query: DecisionQuery, app: AppHandle) -> Result<DecisionPage, ErrorDto> {
    build_decision_view(app.clone()).await?;
    let worker = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        worker
            .state::<AppState>()
            .with_case(|c| c.decisions(&query))
    })
    .await
    .map_err(stopped)?
}

#[tauri::command]
pub async fn explain(decision_id: String, app: AppHandle) -> Result<Explanation, ErrorDto> {
    build_decision_view(app.clone()).await?;
    let worker = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        worker
            .state::<AppState>()
            .with_case(|c| c.explain(&decision_id))
    })
    .await
    .map_err(stopped)?
}

/// Every model version on record (the Models screen).
#[tauri::command]
pub async fn models(app: AppHandle) -> Result<ModelsReport, ErrorDto> {
    build_decision_view(app.clone()).await?;
    let worker = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        worker.state::<AppState>().with_case(|c| c.models())
    })
    .await
    .map_err(stopped)?
}

/// Decisions over time for the chart above the decision list.
#[tauri::command]
pub async fn rates(
    query: DecisionQuery,
    period: Period,
    app: AppHandle,
) -> Result<RatesReport, ErrorDto> {
    build_decision_view(app.clone()).await?;
    let worker = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        worker
            .state::<AppState>()
            .with_case(|c| c.rates(&query, period))
    })
    .await
    .map_err(stopped)?
}

#[tauri::command]
pub async fn replayers(state: State<'_, AppState>) -> Result<Vec<Replayer>, ErrorDto> {
    state.with_case(|c| c.replayers())
}

#[tauri::command]
pub async fn add_replayer(
    replayer: Replayer,
    state: State<'_, AppState>,
) -> Result<Replayer, ErrorDto> {
    state.with_case(|c| c.add_replayer(replayer))
}

#[tauri::command]
pub async fn remove_replayer(name: String, state: State<'_, AppState>) -> Result<(), ErrorDto> {
    state.with_case(|c| c.remove_replayer(&name))
}

/// Replays decisions as a job (`job-progress` with the verdicts so far; `job_cancel` stops
/// starting programs, and the decisions replayed by then are kept).
#[tauri::command]
pub async fn replay(request: ReplayRequest, app: AppHandle) -> Result<ReplayReport, ErrorDto> {
    crate::commands::jobs::run(&app, JobKind::Replay, move |case, job| {
        case.replay_job(&request, job)
    })
    .await
}

#[tauri::command]
pub async fn replay_runs(state: State<'_, AppState>) -> Result<Vec<ReplayRunSummary>, ErrorDto> {
    state.with_case(|c| c.replay_runs(50))
}
