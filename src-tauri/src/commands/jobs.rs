//! Long work in the app: every job runs off the UI thread on a connection of its own (so the open
//! case keeps answering the timeline and every other screen), one job at a time (jobs build the
//! same derived tables; a second waits and says so), sends its progress as one `job-progress`
//! event and its end as `job-finished`, and is cancelled by kind with `job_cancel`.

use std::sync::Arc;

use casefile::{Case, ErrorDto, Job, JobFinished, JobKind};
use tauri::{AppHandle, Emitter, Manager};

use crate::state::AppState;

/// The event every job's progress arrives as.
pub const PROGRESS_EVENT: &str = "job-progress";

/// The event a job's end arrives as (`JobFinished`).
pub const FINISHED_EVENT: &str = "job-finished";

fn stopped(e: impl std::fmt::Display) -> ErrorDto {
    ErrorDto {
        code: casefile::ErrorCode::Internal,
        message: format!("The work stopped unexpectedly: {e}"),
        hint: None,
    }
}

/// Runs `work` as a job of `kind` on a clone of the open case, when no other case job runs.
pub async fn run<T: Send + 'static>(
    app: &AppHandle,
    kind: JobKind,
    work: impl FnOnce(&Case, &Job) -> casefile::Result<T> + Send + 'static,
) -> Result<T, ErrorDto> {
    let worker = app.state::<AppState>().with_case(|c| c.try_clone())?;
    let outcome = start(app, kind, true, move |job| work(&worker, job)).await;
    // The job may have built or changed what the open case remembers: forget it, and load the
    // snapshot index again when the snapshots are current, so scrubbing stays as quick as at open.
    let reader = app.clone();
    let _ = tauri::async_runtime::spawn_blocking(move || {
        reader.state::<AppState>().with_case(|c| {
            c.forget_cached();
            c.warm_time_machine_if_built().map(|_| ())
        })
    })
    .await;
    outcome
}

/// Builds derived tables as a job of `kind`, unless `current` says there is nothing to build: then
/// no job starts, so the screen asking does not wait behind another job's turn.
pub async fn build_unless_current(
    app: &AppHandle,
    kind: JobKind,
    current: fn(&Case) -> casefile::Result<bool>,
    build: fn(&Case, &Job) -> casefile::Result<()>,
) -> Result<(), ErrorDto> {
    if app.state::<AppState>().with_case(current)? {
        return Ok(());
    }
    run(app, kind, build).await
}

/// Runs `work` as a job that needs no case (checking a bundle), beside any other.
pub async fn run_alone<T: Send + 'static>(
    app: &AppHandle,
    kind: JobKind,
    work: impl FnOnce(&Job) -> casefile::Result<T> + Send + 'static,
) -> Result<T, ErrorDto> {
    start(app, kind, false, work).await
}

async fn start<T: Send + 'static>(
    app: &AppHandle,
    kind: JobKind,
    takes_turn: bool,
    work: impl FnOnce(&Job) -> casefile::Result<T> + Send + 'static,
) -> Result<T, ErrorDto> {
    let emitter = app.clone();
    let job = Job::new(kind, move |p| {
        let _ = emitter.emit(PROGRESS_EVENT, p);
    });
    let state = app.state::<AppState>();
    state
        .jobs
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(job.clone());
    let app = app.clone();
    let outcome = tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        let outcome = {
            let _turn = takes_turn.then(|| state.job_turn(&job));
            job.check().and_then(|_| job.finish(work(&job)))
        };
        state.forget_job(&job);
        let _ = app.emit(FINISHED_EVENT, JobFinished::of(&job, &outcome));
        outcome
    })
    .await
    .map_err(stopped)?;
    outcome.map_err(crate::state::dto)
}

/// Cancels the running (or waiting) jobs of `kind`.
#[tauri::command]
pub fn job_cancel(kind: JobKind, app: AppHandle) {
    let state = app.state::<AppState>();
    let jobs: Vec<Arc<Job>> = state
        .jobs
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter(|j| j.kind() == kind)
        .cloned()
        .collect();
    for job in jobs {
        job.cancel();
    }
}
