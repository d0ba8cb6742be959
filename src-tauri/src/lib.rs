//! The desktop shell: a Tauri v2 window over the casefile engine. It holds the open case and
//! forwards each command to the engine's facade; no domain logic lives here. Commands are grouped by
//! domain in `commands/`; every error crosses to the UI as `{code, message}`.

mod commands;
mod state;

use tauri::Manager;

/// When the process started (ms since the epoch): the UI measures cold start to interactive from it.
static STARTED_AT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();

#[tauri::command]
fn started_at() -> u64 {
    STARTED_AT.get().copied().unwrap_or_default()
}

/// What the command line asked the window to open first: `--sample`, or a case (or bundle) path.
#[derive(Clone, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "path")]
enum Launch {
    Sample,
    Case(String),
}

static LAUNCH: std::sync::Mutex<Option<Launch>> = std::sync::Mutex::new(None);

/// The launch request, once: the start screen asks on its first showing.
#[tauri::command]
fn take_launch_request() -> Option<Launch> {
    LAUNCH.lock().unwrap_or_else(|p| p.into_inner()).take()
}

pub fn run() {
    // Started as the engine's Parquet reader, this process reads one file and exits, with no window.
    casefile::serve_helper_if_asked();
    let request = std::env::args().skip(1).find_map(|a| {
        if a == "--sample" {
            Some(Launch::Sample)
        } else if a.ends_with(".casefile") || a.ends_with(".casebundle") {
            Some(Launch::Case(a))
        } else {
            None
        }
    });
    *LAUNCH.lock().unwrap_or_else(|p| p.into_inner()) = request;
    STARTED_AT.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or_default()
    });
    tauri::Builder::default()
        .manage(state::AppState::default())
        .setup(|app| {
            let state = app.state::<state::AppState>();
            // Tests point this elsewhere so they never touch the investigator's own list.
            let dir = match std::env::var_os("CASEFILE_CONFIG_DIR") {
                Some(d) => Some(std::path::PathBuf::from(d)),
                None => app.path().app_config_dir().ok(),
            };
            *state.recent_file.lock().unwrap_or_else(|p| p.into_inner()) =
                dir.as_ref().map(|d| d.join("recent-cases.json"));
            let settings = dir.map(|d| d.join("settings.json"));
            if let Some(file) = &settings {
                commands::settings::load(file);
            }
            *state
                .settings_file
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = settings;
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            started_at,
            take_launch_request,
            commands::case::open_case,
            commands::case::new_case,
            commands::case::case_info,
            commands::case::recent_cases,
            commands::case::open_sample_case,
            commands::case::case_view,
            commands::case::set_viewer,
            commands::case::set_operator_profile,
            commands::case::clear_operator_profile,
            commands::dialogs::pick_files,
            commands::import::preview_file,
            commands::import::preview_folder,
            commands::import::is_folder,
            commands::import::import_files,
            commands::import::sources,
            commands::import::quarantine_page,
            commands::import::findings,
            commands::timeline::timeline,
            commands::timeline::state_at,
            commands::timeline::gaps,
            commands::timeline::history,
            commands::timeline::events_page,
            commands::timeline::search_streams,
            commands::timeline::event_detail,
            commands::population::build_population,
            commands::population::build_time_machine,
            commands::population::export_population,
            commands::population::population_page,
            commands::notes::add_note,
            commands::notes::list_notes,
            commands::sql::run_query,
            commands::decisions::decisions,
            commands::decisions::explain,
            commands::decisions::models,
            commands::decisions::rates,
            commands::decisions::replayers,
            commands::decisions::add_replayer,
            commands::decisions::remove_replayer,
            commands::decisions::replay,
            commands::decisions::build_decision_view,
            commands::decisions::replay_runs,
            commands::drift::drift,
            commands::drift::export_drift_report,
            commands::trainset::trainset_starter,
            commands::trainset::trainset,
            commands::bundle::bundle_export,
            commands::bundle::bundle_verify,
            commands::lake::lake_export,
            commands::jobs::job_cancel,
            commands::settings::memory_setting,
            commands::settings::set_memory_setting,
            commands::settings::time_zone_setting,
            commands::settings::set_time_zone_setting,
            commands::lake::lake_verify,
            commands::bundle::signing_keys,
            commands::bundle::new_signing_key,
        ])
        .run(tauri::generate_context!())
        .expect("the Casefile window could not start");
}
