//! What the app holds between commands: the open case, the jobs running, and the list of recently
//! opened cases (a small JSON file in the app's config folder).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use casefile::{Case, ErrorDto, Job};

#[derive(Default)]
pub struct AppState {
    case: Mutex<Option<Case>>,
    /// Where recent cases are remembered; set at startup.
    pub recent_file: Mutex<Option<PathBuf>>,
    /// The app's settings file (see `commands::settings`); set at startup.
    pub settings_file: Mutex<Option<PathBuf>>,
    /// Jobs running or waiting for their turn (see `commands::jobs`).
    pub jobs: Mutex<Vec<Arc<Job>>>,
    /// Held by the job whose turn it is.
    turn: Mutex<()>,
}

pub fn no_case() -> ErrorDto {
    ErrorDto {
        code: casefile::ErrorCode::NoCaseOpen,
        message: "No case is open. Open or create one first.".into(),
        hint: None,
    }
}

pub fn dto(e: casefile::Error) -> ErrorDto {
    ErrorDto::from(&e)
}

impl AppState {
    /// Waits for `job`'s turn (saying so while another job runs); None when it was cancelled
    /// while waiting.
    pub fn job_turn(&self, job: &Job) -> Option<MutexGuard<'_, ()>> {
        loop {
            match self.turn.try_lock() {
                Ok(guard) => return Some(guard),
                Err(TryLockError::Poisoned(p)) => return Some(p.into_inner()),
                Err(TryLockError::WouldBlock) => {
                    if job.is_cancelled() {
                        return None;
                    }
                    job.report("waiting for the running job to finish", 0, 0);
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
            }
        }
    }

    pub fn settings_file(&self) -> Option<PathBuf> {
        self.settings_file
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Removes a finished job from the list.
    pub fn forget_job(&self, job: &Job) {
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|j| j.id() != job.id());
    }

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
