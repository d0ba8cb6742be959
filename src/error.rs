//! The engine's one error type. Every variant has a stable `code()` that the CLI prints and the desktop
//! app receives as `{code, message}`; messages are written as sentences that tell the user what to do.

use std::path::PathBuf;

/// Result alias used throughout the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("The case file {path} does not exist. Create it by importing into it: `casefile import {path} FILE...`.")]
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

    #[error("The case has no stream `{stream}`. List streams with `casefile sql CASE \"SELECT DISTINCT stream_id FROM events\"`.")]
    UnknownStream { stream: String },

    #[error("The case has no decision `{id}`. List decisions with `casefile decisions CASE`.")]
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
}

impl Error {
    /// A stable, machine-readable code for this kind of error. Never rename one: scripts rely on them.
    pub fn code(&self) -> &'static str {
        match self {
            Error::CaseNotFound { .. } => "case_not_found",
            Error::NotACase { .. } => "not_a_case",
            Error::CaseInUse { .. } => "case_in_use",
            Error::CaseTooNew { .. } => "case_too_new",
            Error::SourceUnreadable { .. } => "source_unreadable",
            Error::SourceFormat { .. } => "source_format",
            Error::Mapping { .. } => "bad_mapping",
            Error::UnknownFormat { .. } => "unknown_format",
            Error::BadTime { .. } => "bad_time",
            Error::BadArgument { .. } => "bad_argument",
            Error::QueryRefused { .. } => "query_refused",
            Error::Query { .. } => "query_failed",
            Error::Store(_) => "store",
            Error::Io(_) => "io",
            Error::Cancelled { .. } | Error::JobCancelled { .. } => "cancelled",
            Error::OutOfMemory { .. } => "out_of_memory",
            Error::BadRules { .. } => "bad_rules",
            Error::UnknownStream { .. } => "unknown_stream",
            Error::UnknownDecision { .. } => "unknown_decision",
            Error::Analysis { .. } => "analysis",
            Error::BadSpec { .. } => "bad_spec",
            Error::BadProfile { .. } => "bad_profile",
            Error::ReadOnly { .. } => "read_only",
            Error::NotABundle { .. } => "not_a_bundle",
            Error::Spark { .. } => "spark",
            Error::BadExport { .. } => "bad_export",
        }
    }

    /// True when the error is the user's input (exit status 2), false when an operation failed (1).
    pub fn is_user_error(&self) -> bool {
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

/// What crosses a boundary (CLI `--json`, Tauri IPC): a stable code and a sentence.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ErrorDto {
    pub code: String,
    pub message: String,
}

impl From<&Error> for ErrorDto {
    fn from(e: &Error) -> Self {
        ErrorDto {
            code: e.code().to_string(),
            message: e.to_string(),
        }
    }
}
