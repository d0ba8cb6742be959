//! Small helpers for writing SQL and fingerprints, shared by every domain: DuckDB literals and
//! identifiers, and the sha256 digests that key derived tables and custody records.

use std::fs::File;
use std::io;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// A DuckDB string literal.
pub fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A DuckDB quoted identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The sha256 of a text, in hex (for fingerprints of what a derived table was built from).
pub fn sha256_text(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The sha256 of a file, read on its own (where DuckDB reads the file itself, e.g. Parquet).
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = File::open(path).map_err(|e| Error::SourceUnreadable {
        path: path.to_path_buf(),
        cause: e.to_string(),
    })?;
    let mut h = Sha256::new();
    io::copy(&mut f, &mut h)?;
    Ok(hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_inside_literals_and_identifiers_are_doubled() {
        assert_eq!(lit("it's"), "'it''s'");
        assert_eq!(quote_ident(r#"a "b""#), r#""a ""b""""#);
        // sha256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            sha256_text("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
