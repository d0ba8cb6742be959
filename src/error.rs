//! The engine's one error type. Every variant has a stable `code()` that the CLI prints and the desktop
//! app receives as `{code, message}`; messages are written as sentences that tell the user what to do.

use std::path::PathBuf;

/// Result alias used throughout the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("The case file {path} does not exist. Create it by importing files into it.")]
    CaseNotFound { path: PathBuf },

    #[error("{path} is not a Casefile case ({detail}).")]
    NotACase { path: PathBuf, detail: String },

    /// Another process (the app, the CLI) has the case open for writing; `holder` names it.
    #[error("The case {path} is open in another program ({holder}). Close it there, or work on a copy of the file.")]
    CaseInUse { path: PathBuf, holder: String },

    #[error("The case {path} was written by a newer Casefile (schema {found}, this build knows up to {supported}). Upgrade Casefile to open it.")]
    CaseTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error("Cannot read {path}: {cause}.")]
    SourceUnreadable { path: PathBuf, cause: String },

    #[error("Cannot import {path}: {cause}")]
    SourceFormat { path: PathBuf, cause: String },

    /// `origin` says where the mapping came from: "file /x/map.toml", "typed in the import screen".
    #[error("The mapping ({origin}) is not valid: {cause}")]
    Mapping { origin: String, cause: String },

    #[error("Unknown format `{given}`. Use one of: {known}.")]
    UnknownFormat { given: String, known: String },

    #[error(
        "`{given}` is not a time Casefile understands. Use RFC 3339, e.g. 2024-03-01T09:30:00Z."
    )]
    BadTime { given: String },

    #[error("{message}")]
    BadArgument { message: String },

    #[error("The query was refused: {cause}")]
    QueryRefused { cause: String },

    #[error("The query failed: {cause}")]
    Query { cause: String },

    #[error("The case database reported an error: {0}")]
    Store(duckdb::Error),

    #[error("Input/output error: {0}")]
    Io(#[from] std::io::Error),

    #[error("The import was cancelled; nothing from {path} was loaded.")]
    Cancelled { path: PathBuf },

    #[error("{} was cancelled; {}.", job.title(), job.left_behind())]
    JobCancelled { job: crate::job::JobKind },

    #[error("This needs more memory than the embedded engine's limit of {limit} allows, even spilling to disk beside the case. Raise the memory limit, or free disk space beside the case. (DuckDB: {cause})")]
    OutOfMemory { limit: String, cause: String },

    #[error("The fold rules in {origin} are not valid: {cause}")]
    BadRules { origin: String, cause: String },

    #[error("The case has no stream `{stream}`.")]
    UnknownStream { stream: String },

    #[error("The case has no decision `{id}`.")]
    UnknownDecision { id: String },

    #[error("The training-set spec ({origin}) is not valid: {cause}")]
    BadSpec { origin: String, cause: String },

    #[error("The redaction profile ({origin}) is not valid: {cause}")]
    BadProfile { origin: String, cause: String },

    /// A bundle opened for reading: nothing may be added to or changed in evidence that was signed.
    #[error("{path} is a case bundle, opened read-only: {what} is not possible in it. Import its events into a case of your own to work on them.")]
    ReadOnly { path: PathBuf, what: String },

    #[error("{path} is not a readable case bundle: {cause}.")]
    NotABundle { path: PathBuf, cause: String },

    /// The statistics engine (polars) or the Arrow hand-over to it failed.
    #[error("The analysis failed: {cause}")]
    Analysis { cause: String },

    /// Apache Spark could not be started or its job failed; the message says what and where its
    /// log is.
    #[error("{message}")]
    Spark { message: String },

    /// A lake export is not what its manifest says, or is not a lake export at all.
    #[error("{message}")]
    BadExport { message: String },

    /// The operator view masks the case; what was asked would show or write it unmasked.
    #[error("{what} is not possible in the operator view, which masks the case with its operator profile. An auditor can do it in the auditor view.")]
    OperatorView { what: String },

    /// The operator view was asked for, and the case has no operator profile to mask it with.
    #[error("The case has no operator profile, so it cannot be shown in the operator view. Set one first: a redaction profile (TOML) that names what to drop and what to pseudonymize.")]
    NoOperatorProfile,

    /// An error with something the user can do about it ([`Error::with_hint`]).
    #[error("{error}")]
    WithHint {
        error: Box<Error>,
        hint: crate::hint::Hint,
    },
}

impl Error {
    /// A stable, machine-readable code for this kind of error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::CaseNotFound { .. } => ErrorCode::CaseNotFound,
            Error::NotACase { .. } => ErrorCode::NotACase,
            Error::CaseInUse { .. } => ErrorCode::CaseInUse,
            Error::CaseTooNew { .. } => ErrorCode::CaseTooNew,
            Error::SourceUnreadable { .. } => ErrorCode::SourceUnreadable,
            Error::SourceFormat { .. } => ErrorCode::SourceFormat,
            Error::Mapping { .. } => ErrorCode::BadMapping,
            Error::UnknownFormat { .. } => ErrorCode::UnknownFormat,
            Error::BadTime { .. } => ErrorCode::BadTime,
            Error::BadArgument { .. } => ErrorCode::BadArgument,
            Error::QueryRefused { .. } => ErrorCode::QueryRefused,
            Error::Query { .. } => ErrorCode::QueryFailed,
            Error::Store(_) => ErrorCode::Store,
            Error::Io(_) => ErrorCode::Io,
            Error::Cancelled { .. } | Error::JobCancelled { .. } => ErrorCode::Cancelled,
            Error::OutOfMemory { .. } => ErrorCode::OutOfMemory,
            Error::BadRules { .. } => ErrorCode::BadRules,
            Error::UnknownStream { .. } => ErrorCode::UnknownStream,
            Error::UnknownDecision { .. } => ErrorCode::UnknownDecision,
            Error::Analysis { .. } => ErrorCode::Analysis,
            Error::BadSpec { .. } => ErrorCode::BadSpec,
            Error::BadProfile { .. } => ErrorCode::BadProfile,
            Error::ReadOnly { .. } => ErrorCode::ReadOnly,
            Error::NotABundle { .. } => ErrorCode::NotABundle,
            Error::Spark { .. } => ErrorCode::Spark,
            Error::BadExport { .. } => ErrorCode::BadExport,
            Error::OperatorView { .. } => ErrorCode::OperatorView,
            Error::NoOperatorProfile => ErrorCode::NoOperatorProfile,
            Error::WithHint { error, .. } => error.code(),
        }
    }

    /// This error with `hint`, what the user can do about it.
    pub fn with_hint(self, hint: crate::hint::Hint) -> Error {
        Error::WithHint {
            error: Box::new(self),
            hint,
        }
    }

    /// What the user can do about this error, if the engine knows: the CLI prints it as a
    /// command, the app offers the action.
    pub fn hint(&self) -> Option<crate::hint::Hint> {
        use crate::hint::Hint;
        match self {
            Error::WithHint { hint, .. } => Some(hint.clone()),
            Error::CaseNotFound { path } => Some(Hint::ImportInto {
                case: path.display().to_string(),
            }),
            Error::UnknownStream { .. } => Some(Hint::ListStreams),
            Error::UnknownDecision { .. } => Some(Hint::ListDecisions),
            Error::OperatorView { .. } => Some(Hint::SwitchToAuditorView),
            Error::NoOperatorProfile => Some(Hint::SetOperatorProfile),
            _ => None,
        }
    }

    /// True when the error is the user's input (exit status 2), false when an operation failed (1).
    pub fn is_user_error(&self) -> bool {
        if let Error::WithHint { error, .. } = self {
            return error.is_user_error();
        }
        !matches!(
            self,
            Error::Store(_)
                | Error::Io(_)
                | Error::Analysis { .. }
                | Error::Spark { .. }
                | Error::OutOfMemory { .. }
        )
    }
}

impl From<duckdb::Error> for Error {
    /// DuckDB's out-of-memory failure becomes a sentence about the budget; the rest stay store
    /// errors.
    fn from(e: duckdb::Error) -> Self {
        let text = e.to_string();
        if text.contains("Out of Memory Error") {
            let limit = crate::store::memory::memory_limit()
                .map(|(bytes, _)| crate::store::memory::describe(bytes))
                .unwrap_or_else(|_| "the budget".into());
            Error::OutOfMemory { limit, cause: text }
        } else {
            Error::Store(e)
        }
    }
}

/// The stable, machine-readable code of an error as it crosses a boundary ([`ErrorDto`]). Never
/// rename one: scripts and the app compare against them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    CaseNotFound,
    NotACase,
    CaseInUse,
    CaseTooNew,
    SourceUnreadable,
    SourceFormat,
    BadMapping,
    UnknownFormat,
    BadTime,
    BadArgument,
    QueryRefused,
    QueryFailed,
    Store,
    Io,
    Cancelled,
    OutOfMemory,
    BadRules,
    UnknownStream,
    UnknownDecision,
    Analysis,
    BadSpec,
    BadProfile,
    ReadOnly,
    NotABundle,
    Spark,
    BadExport,
    /// Not possible in the operator view.
    OperatorView,
    /// The case has no operator profile.
    NoOperatorProfile,
    /// No case is open (the desktop shell).
    NoCaseOpen,
    /// A new case would overwrite an existing file (the desktop shell).
    CaseExists,
    /// The desktop shell failed in a way that is not the case's or the input's.
    Internal,
    /// A file dialog could not be shown (the desktop shell).
    Dialog,
    /// A file of a folder import is not data (an image, an archive...).
    NotData,
}

impl ErrorCode {
    /// The code as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::CaseNotFound => "case_not_found",
            ErrorCode::NotACase => "not_a_case",
            ErrorCode::CaseInUse => "case_in_use",
            ErrorCode::CaseTooNew => "case_too_new",
            ErrorCode::SourceUnreadable => "source_unreadable",
            ErrorCode::SourceFormat => "source_format",
            ErrorCode::BadMapping => "bad_mapping",
            ErrorCode::UnknownFormat => "unknown_format",
            ErrorCode::BadTime => "bad_time",
            ErrorCode::BadArgument => "bad_argument",
            ErrorCode::QueryRefused => "query_refused",
            ErrorCode::QueryFailed => "query_failed",
            ErrorCode::Store => "store",
            ErrorCode::Io => "io",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::OutOfMemory => "out_of_memory",
            ErrorCode::BadRules => "bad_rules",
            ErrorCode::UnknownStream => "unknown_stream",
            ErrorCode::UnknownDecision => "unknown_decision",
            ErrorCode::Analysis => "analysis",
            ErrorCode::BadSpec => "bad_spec",
            ErrorCode::BadProfile => "bad_profile",
            ErrorCode::ReadOnly => "read_only",
            ErrorCode::NotABundle => "not_a_bundle",
            ErrorCode::Spark => "spark",
            ErrorCode::BadExport => "bad_export",
            ErrorCode::OperatorView => "operator_view",
            ErrorCode::NoOperatorProfile => "no_operator_profile",
            ErrorCode::NoCaseOpen => "no_case_open",
            ErrorCode::CaseExists => "case_exists",
            ErrorCode::Internal => "internal",
            ErrorCode::Dialog => "dialog",
            ErrorCode::NotData => "not_data",
        }
    }
}

display_as_str!(ErrorCode);

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// What crosses a boundary (CLI `--json`, Tauri IPC): a stable code and a sentence.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ErrorDto {
    pub code: ErrorCode,
    pub message: String,
    /// What the user can do about it, when the engine knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub hint: Option<crate::hint::Hint>,
}

impl From<&Error> for ErrorDto {
    fn from(e: &Error) -> Self {
        ErrorDto {
            code: e.code(),
            message: e.to_string(),
            hint: e.hint(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn every_error_code_reads_the_same_in_json_as_in_the_cli() {
        // Written out by hand: the codes scripts rely on, which must never change.
        let codes = [
            (ErrorCode::CaseNotFound, "case_not_found"),
            (ErrorCode::NotACase, "not_a_case"),
            (ErrorCode::CaseInUse, "case_in_use"),
            (ErrorCode::CaseTooNew, "case_too_new"),
            (ErrorCode::SourceUnreadable, "source_unreadable"),
            (ErrorCode::SourceFormat, "source_format"),
            (ErrorCode::BadMapping, "bad_mapping"),
            (ErrorCode::UnknownFormat, "unknown_format"),
            (ErrorCode::BadTime, "bad_time"),
            (ErrorCode::BadArgument, "bad_argument"),
            (ErrorCode::QueryRefused, "query_refused"),
            (ErrorCode::QueryFailed, "query_failed"),
            (ErrorCode::Store, "store"),
            (ErrorCode::Io, "io"),
            (ErrorCode::Cancelled, "cancelled"),
            (ErrorCode::OutOfMemory, "out_of_memory"),
            (ErrorCode::BadRules, "bad_rules"),
            (ErrorCode::UnknownStream, "unknown_stream"),
            (ErrorCode::UnknownDecision, "unknown_decision"),
            (ErrorCode::Analysis, "analysis"),
            (ErrorCode::BadSpec, "bad_spec"),
            (ErrorCode::BadProfile, "bad_profile"),
            (ErrorCode::ReadOnly, "read_only"),
            (ErrorCode::NotABundle, "not_a_bundle"),
            (ErrorCode::Spark, "spark"),
            (ErrorCode::BadExport, "bad_export"),
            (ErrorCode::NoCaseOpen, "no_case_open"),
            (ErrorCode::CaseExists, "case_exists"),
            (ErrorCode::Internal, "internal"),
            (ErrorCode::Dialog, "dialog"),
            (ErrorCode::NotData, "not_data"),
        ];
        for (code, text) in codes {
            assert_eq!(code.as_str(), text);
            assert_eq!(serde_json::to_value(code).unwrap(), text);
            assert_eq!(
                serde_json::from_value::<ErrorCode>(text.into()).unwrap(),
                code
            );
        }
    }
}
