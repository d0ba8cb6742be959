//! This user's own Casefile folder on this computer: `$CASEFILE_CONFIG_DIR`, else the platform's
//! config dir (e.g. `~/.config/casefile`). What is kept there belongs to the user, never to a case:
//! signing keys (`bundle::keys`), the replayer programs the user trusts (`decisions::replay`).

use std::path::PathBuf;

use crate::error::{Error, Result};

pub fn config_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CASEFILE_CONFIG_DIR") {
        return Ok(PathBuf::from(dir));
    }
    dirs::config_dir()
        .map(|d| d.join("casefile"))
        .ok_or_else(|| Error::BadArgument {
            message: "This system has no user config directory; set CASEFILE_CONFIG_DIR to a folder for Casefile's keys and settings.".into(),
        })
}
