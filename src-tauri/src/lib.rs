//! The desktop shell: a Tauri v2 window over the casefile engine. It holds the open case and
//! forwards each command to the engine's facade; no domain logic lives here. Commands are grouped by
//! domain in `commands/`; every error crosses to the UI as `{code, message}`.

mod commands;
mod state;

pub fn run() {
    tauri::Builder::default()
        .manage(state::AppState::default())
        .invoke_handler(tauri::generate_handler![
            commands::case::open_case,
            commands::case::case_info,
            commands::import::import_files,
            commands::import::cancel_import,
            commands::timeline::timeline,
            commands::timeline::state_at,
            commands::timeline::history,
            commands::timeline::events_page,
            commands::timeline::search_streams,
        ])
        .run(tauri::generate_context!())
        .expect("the Casefile window could not start");
}
