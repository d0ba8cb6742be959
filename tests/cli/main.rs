//! End-to-end tests of the `casefile` binary: import, reconciliation, quarantine, findings, custody,
//! crash safety, the SQL lockdown, the time machine and decisions (explain, replay). They run the real CLI and read its `--json`
//! output; `asof` checks the engine through the library against a plain fold written there.

mod asof;
mod bundle;
mod cdc;
mod common;
mod crash;
mod decisions;
mod drift;
mod dumps;
mod exports;
mod formats;
mod fuzz;
mod import;
mod jobs;
mod lake;
mod llm_exports;
mod models;
mod sql;
mod timeline;
mod trainset;
mod view;
mod workbench;
