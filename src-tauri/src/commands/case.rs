//! Opening and creating cases, the bundled sample case, and the recent-cases list.

use std::path::{Path, PathBuf};

use casefile::{Case, CaseInfo, ErrorDto, ImportOptions, NoProgress, Replayer};
use tauri::{AppHandle, Manager, State};

use crate::state::{dto, AppState};

/// The lending sample, built into the app so "open a sample case" works anywhere, offline.
const LENDING_SAMPLE: &[(&str, &[u8])] = &[
    (
        "applications.jsonl",
        include_bytes!("../../../samples/lending/applications.jsonl"),
    ),
    (
        "bureau-updates.cloudevents.json",
        include_bytes!("../../../samples/lending/bureau-updates.cloudevents.json"),
    ),
    (
        "outcomes.kcat.jsonl",
        include_bytes!("../../../samples/lending/outcomes.kcat.jsonl"),
    ),
];

fn open_and_remember(path: &Path, create: bool, state: &AppState) -> Result<CaseInfo, ErrorDto> {
    let case = if create {
        if path.exists() {
            return Err(ErrorDto {
                code: casefile::ErrorCode::CaseExists,
                message: format!(
                    "{} already exists. Open it, or choose another name for the new case.",
                    path.display()
                ),
                hint: None,
            });
        }
        Case::open_or_create(path)
    } else {
        Case::open(path)
    }
    .map_err(dto)?;
    let info = case.info().map_err(dto)?;
    // Scrubbing a large case needs the snapshot index in memory (about a second at 10M events):
    // load it now, while the first screen paints, rather than on the first drag.
    case.warm_time_machine_if_built().map_err(dto)?;
    state.set(case);
    state.remember(path);
    Ok(info)
}

#[tauri::command]
pub async fn open_case(path: PathBuf, state: State<'_, AppState>) -> Result<CaseInfo, ErrorDto> {
    open_and_remember(&path, false, &state)
}

/// Creates an empty case at `path` and opens it.
#[tauri::command]
pub async fn new_case(path: PathBuf, state: State<'_, AppState>) -> Result<CaseInfo, ErrorDto> {
    open_and_remember(&path, true, &state)
}

#[tauri::command]
pub async fn case_info(state: State<'_, AppState>) -> Result<CaseInfo, ErrorDto> {
    state.with_case(|c| c.info())
}

#[tauri::command]
pub fn recent_cases(state: State<'_, AppState>) -> Vec<String> {
    state.recent()
}

/// Configures the lending scorer as the sample's replayers when the app ships it (next to its own
/// program) and the investigator has not configured any: the sample then replays out of the box.
fn register_sample_scorers(case: &Case) -> casefile::Result<()> {
    let scorer = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("lending-scorer")));
    let Some(scorer) = scorer.filter(|p| p.is_file()) else {
        return Ok(());
    };
    if !case.replayers()?.is_empty() {
        return Ok(());
    }
    for version in ["v2.3.1", "v2.4.0"] {
        case.add_replayer(Replayer {
            name: format!("lending-scorer {version}"),
            model: Some("underwriter".into()),
            model_version: Some(version.into()),
            command: scorer.to_string_lossy().into_owned(),
            args: vec!["--model-version".into(), version.into()],
            timeout_ms: 10_000,
            tolerance: 0.0,
            concurrency: 2,
            compare: Vec::new(),
        })?;
    }
    Ok(())
}

/// Opens the lending sample, writing its files and importing them the first time (into the app's
/// data folder); a later call opens the same case again.
#[tauri::command]
pub async fn open_sample_case(app: AppHandle) -> Result<CaseInfo, ErrorDto> {
    let worker = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let state = worker.state::<AppState>();
        let base = match std::env::var_os("CASEFILE_CONFIG_DIR") {
            Some(d) => PathBuf::from(d),
            None => worker.path().app_data_dir().map_err(|e| ErrorDto {
                code: casefile::ErrorCode::Io,
                message: format!("The app has no data folder to put the sample in: {e}"),
                hint: None,
            })?,
        };
        let dir = base.join("samples");
        let case_path = dir.join("lending.casefile");
        if !case_path.is_file() {
            let files_dir = dir.join("lending");
            std::fs::create_dir_all(&files_dir).map_err(|e| ErrorDto {
                code: casefile::ErrorCode::Io,
                message: format!("Cannot create {}: {e}", files_dir.display()),
                hint: None,
            })?;
            let mut files = Vec::new();
            for (name, bytes) in LENDING_SAMPLE {
                let file = files_dir.join(name);
                std::fs::write(&file, bytes).map_err(|e| ErrorDto {
                    code: casefile::ErrorCode::Io,
                    message: format!("Cannot write {}: {e}", file.display()),
                    hint: None,
                })?;
                files.push(file);
            }
            let partial = case_path.with_extension("casefile.partial");
            let _ = std::fs::remove_file(&partial);
            let case = Case::open_or_create(&partial).map_err(dto)?;
            case.import(&files, &ImportOptions::default(), &NoProgress)
                .map_err(dto)?;
            drop(case);
            std::fs::rename(&partial, &case_path).map_err(|e| ErrorDto {
                code: casefile::ErrorCode::Io,
                message: format!("Cannot finish the sample case: {e}"),
                hint: None,
            })?;
        }
        let info = open_and_remember(&case_path, false, &state)?;
        state.with_case(register_sample_scorers)?;
        Ok(info)
    })
    .await
    .map_err(|e| ErrorDto {
        code: casefile::ErrorCode::Internal,
        message: format!("Opening the sample stopped unexpectedly: {e}"),
        hint: None,
    })?
}

/// The view the case is shown in and its operator profile.
#[tauri::command]
pub async fn case_view(state: State<'_, AppState>) -> Result<casefile::ViewInfo, ErrorDto> {
    state.with_case(|c| c.view())
}

/// Shows the case in the auditor or the operator view.
#[tauri::command]
pub async fn set_viewer(
    viewer: casefile::Viewer,
    state: State<'_, AppState>,
) -> Result<casefile::ViewInfo, ErrorDto> {
    state.with_case_mut(|c| c.set_viewer(viewer))
}

/// Sets the case's operator profile from a redaction profile file (auditor view only).
#[tauri::command]
pub async fn set_operator_profile(
    path: PathBuf,
    state: State<'_, AppState>,
) -> Result<casefile::ViewInfo, ErrorDto> {
    let text = std::fs::read_to_string(&path).map_err(|e| {
        dto(casefile::Error::SourceUnreadable {
            path: path.clone(),
            cause: e.to_string(),
        })
    })?;
    state.with_case_mut(|c| c.set_operator_profile(&text, &path.display().to_string()))
}

/// Removes the case's operator profile (auditor view only).
#[tauri::command]
pub async fn clear_operator_profile(
    state: State<'_, AppState>,
) -> Result<casefile::ViewInfo, ErrorDto> {
    state.with_case_mut(|c| c.clear_operator_profile())
}
