//! Investigator keys: ed25519 key pairs that sign bundle manifests. A key lives in the user's config
//! dir (`$CASEFILE_CONFIG_DIR` or the platform's, e.g. `~/.config/casefile/keys/`) as two text files:
//! `NAME.key` (the secret, readable only by the user) and `NAME.pub` (the public half, to hand out).
//! A fingerprint names a public key in prose: `SHA256:` and the base64 of its SHA-256, as OpenSSH does.

use std::path::{Path, PathBuf};

use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

const SECRET_TAG: &str = "casefile-ed25519-secret-key";
const PUBLIC_TAG: &str = "casefile-ed25519-public-key";

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// What `keys new` made.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct KeyInfo {
    pub name: String,
    /// The secret key's file (mode 0600).
    pub path: String,
    pub public_key_path: String,
    /// The public key, base64.
    pub public_key: String,
    pub fingerprint: String,
}

/// Where keys live: `$CASEFILE_CONFIG_DIR/keys`, else the platform config dir's `casefile/keys`.
pub fn keys_dir() -> Result<PathBuf> {
    Ok(crate::config::config_dir()?.join("keys"))
}

pub fn fingerprint(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.as_bytes());
    format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest)
    )
}

pub fn public_key_text(key: &VerifyingKey) -> String {
    b64().encode(key.as_bytes())
}

/// Creates a new key pair named `name` in the keys dir; an existing key is never overwritten.
pub fn new_key(name: &str) -> Result<KeyInfo> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        || name.starts_with('.')
    {
        return Err(Error::BadArgument {
            message: format!("`{name}` cannot name a key: use letters, digits, '-', '_' and '.'."),
        });
    }
    let dir = keys_dir()?;
    create_private_dir(&dir)?;
    let secret_path = dir.join(format!("{name}.key"));
    let public_path = dir.join(format!("{name}.pub"));
    if secret_path.exists() {
        return Err(Error::BadArgument {
            message: format!(
                "A key named `{name}` already exists ({}). Choose another name; keys are never overwritten.",
                secret_path.display()
            ),
        });
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| Error::BadArgument {
        message: format!("The system's random source failed: {e}."),
    })?;
    let signing = SigningKey::from_bytes(&seed);
    let public = signing.verifying_key();
    write_private(
        &secret_path,
        &format!("{SECRET_TAG} {}\n", b64().encode(seed)),
    )?;
    std::fs::write(
        &public_path,
        format!("{PUBLIC_TAG} {}\n", public_key_text(&public)),
    )?;
    Ok(KeyInfo {
        name: name.to_string(),
        path: secret_path.to_string_lossy().into_owned(),
        public_key_path: public_path.to_string_lossy().into_owned(),
        public_key: public_key_text(&public),
        fingerprint: fingerprint(&public),
    })
}

/// The keys in the keys dir, by name (a missing dir is no keys).
pub fn list_keys() -> Result<Vec<KeyInfo>> {
    let dir = keys_dir()?;
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut keys = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("key") {
            continue;
        }
        let Some(name) = path.file_stem().and_then(|n| n.to_str()) else {
            continue;
        };
        let public_path = dir.join(format!("{name}.pub"));
        let Some(public) = std::fs::read_to_string(&public_path)
            .ok()
            .and_then(|t| tagged_bytes(&t, PUBLIC_TAG))
            .and_then(|b| VerifyingKey::from_bytes(&b).ok())
        else {
            continue;
        };
        keys.push(KeyInfo {
            name: name.to_string(),
            path: path.to_string_lossy().into_owned(),
            public_key_path: public_path.to_string_lossy().into_owned(),
            public_key: public_key_text(&public),
            fingerprint: fingerprint(&public),
        });
    }
    keys.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(keys)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    Ok(())
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    Ok(())
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text)?;
    Ok(())
}

/// The signing key `given` names: a path to a `.key` file, or the name of a key in the keys dir.
pub fn load_signing_key(given: &str) -> Result<SigningKey> {
    let path = resolve(given, "key")?;
    check_private(&path)?;
    let text = std::fs::read_to_string(&path).map_err(|e| Error::BadArgument {
        message: format!("Cannot read the key {}: {e}.", path.display()),
    })?;
    let seed = tagged_bytes(&text, SECRET_TAG).ok_or_else(|| {
        Error::BadArgument {
            message: format!("{} is not a Casefile secret key.", path.display()),
        }
        .with_hint(crate::hint::Hint::CreateKey)
    })?;
    Ok(SigningKey::from_bytes(&seed))
}

/// The public key `given` names: a `.pub` file, a key name, a base64 key or a `SHA256:` fingerprint
/// (a fingerprint can only be compared, so it comes back as `Err(fingerprint)`).
pub fn expected_key(given: &str) -> Result<std::result::Result<VerifyingKey, String>> {
    if given.starts_with("SHA256:") {
        return Ok(Err(given.to_string()));
    }
    let text = match resolve(given, "pub") {
        Ok(path) => std::fs::read_to_string(&path).map_err(|e| Error::BadArgument {
            message: format!("Cannot read the public key {}: {e}.", path.display()),
        })?,
        Err(_) => given.to_string(),
    };
    let bytes = tagged_bytes(&text, PUBLIC_TAG)
        .or_else(|| raw_key_bytes(text.trim()))
        .ok_or_else(|| Error::BadArgument {
            message: format!("`{given}` is neither a public key file, a key name, a base64 ed25519 public key nor a SHA256: fingerprint."),
        })?;
    let key = VerifyingKey::from_bytes(&bytes).map_err(|_| Error::BadArgument {
        message: format!("`{given}` does not hold a valid ed25519 public key."),
    })?;
    Ok(Ok(key))
}

pub fn public_key_from_text(text: &str) -> Option<VerifyingKey> {
    raw_key_bytes(text).and_then(|b| VerifyingKey::from_bytes(&b).ok())
}

fn raw_key_bytes(text: &str) -> Option<[u8; 32]> {
    b64().decode(text).ok()?.try_into().ok()
}

fn tagged_bytes(text: &str, tag: &str) -> Option<[u8; 32]> {
    let rest = text.trim().strip_prefix(tag)?;
    raw_key_bytes(rest.trim())
}

fn resolve(given: &str, ext: &str) -> Result<PathBuf> {
    let direct = PathBuf::from(given);
    if direct.is_file() {
        return Ok(direct);
    }
    let named = keys_dir()?.join(format!("{given}.{ext}"));
    if named.is_file() {
        return Ok(named);
    }
    Err(Error::BadArgument {
        message: format!(
            "No key `{given}`: it is neither a file nor a key in {}.",
            keys_dir()?.display()
        ),
    }
    .with_hint(crate::hint::Hint::CreateKey))
}

/// A secret key others can read is refused: whoever read it could sign as the investigator.
#[cfg(unix)]
fn check_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)?.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(Error::BadArgument {
            message: format!(
                "The key {} can be read by other users (mode {:o}); run `chmod 600 {}` first.",
                path.display(),
                mode & 0o777,
                path.display()
            ),
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<()> {
    Ok(())
}

pub fn sign(key: &SigningKey, message: &[u8]) -> String {
    b64().encode(key.sign(message).to_bytes())
}

/// Why a signature does not verify, in a sentence; `Ok` when it does.
pub fn check_signature(
    key: &VerifyingKey,
    message: &[u8],
    signature_b64: &str,
) -> std::result::Result<(), String> {
    let bytes = b64()
        .decode(signature_b64.trim())
        .map_err(|_| "the signature is not base64".to_string())?;
    let array: [u8; 64] = bytes.as_slice().try_into().map_err(|_| {
        format!(
            "the signature is {} bytes long, an ed25519 signature is 64",
            bytes.len()
        )
    })?;
    key.verify(message, &Signature::from_bytes(&array))
        .map_err(|_| "the signature does not match the manifest: the manifest was changed after it was signed, or another key signed it".to_string())
}
