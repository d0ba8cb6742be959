//! What the app holds between commands: the open case.

use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

use casefile::{Case, ErrorDto};

#[derive(Default)]
pub struct AppState {
    case: Mutex<Option<Case>>,
    /// Set by the UI to stop a running import.
    pub cancel: AtomicBool,
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
            Some(case) => f(case).map_err(|e| ErrorDto::from(&e)),
            None => Err(ErrorDto {
                code: "no_case_open".into(),
                message: "No case is open. Open or create one first.".into(),
            }),
        }
    }
}
