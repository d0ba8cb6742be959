//! What the app holds between commands: the open case, the cancel flags of long work, and the list
//! of recently opened cases (a small JSON file in the app's config folder).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

use casefile::{Case, ErrorDto};

#[derive(Default)]
pub struct AppState {
    case: Mutex<Option<Case>>,
    /// Set by the UI to stop a running import.
    pub cancel: AtomicBool,
    /// Set by the UI to stop a running replay.
    pub cancel_replay: AtomicBool,
    /// Where recent cases are remembered; set at startup.
    pub recent_file: Mutex<Option<PathBuf>>,
}

pub fn no_case() -> ErrorDto {
    ErrorDto {
        code: "no_case_open".into(),
        message: "No case is open. Open or create one first.".into(),
    }
}

pub fn dto(e: casefile::Error) -> ErrorDto {
    ErrorDto::from(&e)
}

impl AppState {
    pub fn set(&self, case: Case) {
        *self.case.lock().unwrap_or_else(|p| p.into_inner()) = Some(case);
    }

    /// Runs `f` on the open case, or says that none is open.
    pub fn with_case<T>(
        &self,
        f: impl FnOnce(&Case) -> casefile::Result<T>,
    ) -> Result<T, ErrorDto> {
        let guard = self.case.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_ref() {
            Some(case) => f(case).map_err(dto),
            None => Err(no_case()),
        }
    }

    /// Like `with_case`, for the few operations that need the case to themselves.
    pub fn with_case_mut<T>(
        &self,
        f: impl FnOnce(&mut Case) -> casefile::Result<T>,
    ) -> Result<T, ErrorDto> {
        let mut guard = self.case.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_mut() {
            Some(case) => f(case).map_err(dto),
            None => Err(no_case()),
        }
    }

    /// Recently opened cases, newest first, that still exist.
    pub fn recent(&self) -> Vec<String> {
        let file = self.recent_file.lock().unwrap_or_else(|p| p.into_inner());
        let Some(file) = file.as_ref() else {
            return Vec::new();
        };
        std::fs::read_to_string(file)
            .ok()
            .and_then(|t| serde_json::from_str::<Vec<String>>(&t).ok())
            .unwrap_or_default()
            .into_iter()
            .filter(|p| Path::new(p).is_file())
            .collect()
    }

    /// Puts `path` first in the recent list (at most ten). Failing to remember is not an error
    /// worth interrupting the investigator for.
    pub fn remember(&self, path: &Path) {
        let mut list = self.recent();
        let text = path.to_string_lossy().to_string();
        list.retain(|p| p != &text);
        list.insert(0, text);
        list.truncate(10);
        let file = self.recent_file.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(file) = file.as_ref() {
            if let Some(dir) = file.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let _ = std::fs::write(
                file,
                serde_json::to_string_pretty(&list).unwrap_or_default(),
            );
        }
    }
}
