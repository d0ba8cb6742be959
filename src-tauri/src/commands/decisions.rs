//! The AI decisions of the open case: the filtered list, one decision explained, the replayers the
//! investigator configured, and replays run off the UI thread with progress events and cancel.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use casefile::{
    DecisionBuildProgress, DecisionPage, DecisionQuery, ErrorDto, Explanation, ReplayProgress,
    ReplayReport, ReplayRequest, ReplayRunSummary, Replayer,
};
use tauri::{AppHandle, Emitter, Manager, State};

use crate::state::AppState;

/// The event the UI listens to while the decision view is first built.
pub const BUILD_EVENT: &str = "decision-progress";
/// The event the UI listens to while a replay runs.
pub const REPLAY_EVENT: &str = "replay-progress";

fn stopped(e: impl std::fmt::Display) -> ErrorDto {
    ErrorDto {
        code: "internal".into(),
        message: format!("The work stopped unexpectedly: {e}"),
    }
}

/// A page of decisions; the first call on a case builds the decision view (with progress).
#[tauri::command]
pub async fn decisions(query: DecisionQuery, app: AppHandle) -> Result<DecisionPage, ErrorDto> {
    let worker = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let emitter = worker.clone();
        let progress = move |p: &DecisionBuildProgress| {
            let _ = emitter.emit(BUILD_EVENT, p);
        };
        worker.state::<AppState>().with_case(|c| {
            c.build_decisions(&progress)?;
            c.decisions(&query)
        })
    })
    .await
    .map_err(stopped)?
}

#[tauri::command]
pub async fn explain(decision_id: String, app: AppHandle) -> Result<Explanation, ErrorDto> {
    let worker = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        worker
            .state::<AppState>()
            .with_case(|c| c.explain(&decision_id))
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

/// Replays decisions, sending progress at most ten times a second (and the last step always).
#[tauri::command]
pub async fn replay(request: ReplayRequest, app: AppHandle) -> Result<ReplayReport, ErrorDto> {
    let worker = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let state = worker.state::<AppState>();
        state.cancel_replay.store(false, Ordering::Relaxed);
        let emitter = worker.clone();
        let last = std::sync::Mutex::new(None::<Instant>);
        let progress = move |p: &ReplayProgress| {
            let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
            let due = last.is_none_or(|t| t.elapsed() >= Duration::from_millis(100));
            if due || p.done == p.total {
                *last = Some(Instant::now());
                let _ = emitter.emit(REPLAY_EVENT, p);
            }
        };
        // The case is locked only to prepare: the run has its own connection, so the investigator
        // keeps browsing while the replayer programs work.
        let prepared = state.with_case(|c| c.prepare_replay())?;
        prepared
            .run(&request, &progress, &state.cancel_replay)
            .map_err(crate::state::dto)
    })
    .await
    .map_err(stopped)?
}

/// Stops the running replay; the decisions already replayed are kept.
#[tauri::command]
pub fn cancel_replay(state: State<'_, AppState>) {
    state.cancel_replay.store(true, Ordering::Relaxed);
}

#[tauri::command]
pub async fn replay_runs(state: State<'_, AppState>) -> Result<Vec<ReplayRunSummary>, ErrorDto> {
    state.with_case(|c| c.replay_runs(50))
}
