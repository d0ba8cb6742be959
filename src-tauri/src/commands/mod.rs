//! Tauri commands, one module per domain; each is a few lines calling the engine facade.

pub mod bundle;
pub mod case;
pub mod decisions;
pub mod dialogs;
pub mod drift;
pub mod import;
pub mod jobs;
pub mod lake;
pub mod notes;
pub mod population;
pub mod settings;
pub mod sql;
pub mod timeline;
pub mod trainset;
