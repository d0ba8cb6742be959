//! End-to-end tests of the `casefile` binary: import, reconciliation, quarantine, findings, custody,
//! crash safety, and the SQL lockdown. They run the real CLI and read its `--json` output.

mod common;
mod crash;
mod formats;
mod import;
mod sql;
