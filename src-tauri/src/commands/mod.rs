//! Tauri commands, one module per domain; each is a few lines calling the engine facade.

pub mod case;
pub mod import;
pub mod timeline;
