//! Bundles from strangers: what the zip itself says is checked before any entry is read. Entry
//! names are never used as paths (verify and open choose every file name they write), but a name
//! that climbs out of a folder, is absolute or is a link is refused anyway, as are names given
//! twice, entries that overlap, and entries that would expand out of all proportion (zip bombs).
//! Reads are capped: small files at a fixed size, every file at the size its manifest gives.

use std::io::Read;

use super::Problem;

/// An entry may expand to at most this many times its stored size...
pub const MAX_RATIO: u64 = 100;
/// ...once it is this large (small files compress well and are harmless).
pub const RATIO_FLOOR: u64 = 64 << 20;
/// `manifest.json`, `signature.json` and the side files are read whole; never more than this.
pub const MAX_SMALL_FILE: u64 = 256 << 20;

fn problem(file: Option<&str>, message: String) -> Problem {
    Problem {
        file: file.map(str::to_string),
        event_id: None,
        message,
    }
}

/// Why an entry name is unsafe, if it is.
pub fn unsafe_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("it has no name");
    }
    if name.starts_with('/') || name.starts_with('\\') || name.as_bytes().get(1) == Some(&b':') {
        return Some("it is an absolute path");
    }
    if name.contains('\\') {
        return Some("it uses backslashes, which some tools read as folders");
    }
    if name.contains('\0') || name.chars().any(char::is_control) {
        return Some("it contains control characters");
    }
    if name.split('/').any(|part| part == "..") {
        return Some("it climbs out of its folder (`..`)");
    }
    None
}

/// Everything wrong with the archive's own structure; empty when it is safe to read.
pub fn check_archive<R: Read + std::io::Seek>(archive: &mut zip::ZipArchive<R>) -> Vec<Problem> {
    let mut problems = Vec::new();
    if archive.has_duplicate_names() {
        problems.push(problem(
            None,
            "The archive names a file twice: different tools would show different copies.".into(),
        ));
    }
    if archive.has_overlapping_files().unwrap_or(true) {
        problems.push(problem(
            None,
            "Files in the archive overlap each other (a zip-bomb construction).".into(),
        ));
    }
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index_raw(i) else {
            problems.push(problem(
                None,
                format!("Entry {i} of the archive cannot be read."),
            ));
            continue;
        };
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        if let Some(why) = unsafe_name(&name) {
            problems.push(problem(
                Some(&name),
                format!("This entry is refused: {why}."),
            ));
        }
        if entry.is_symlink() {
            problems.push(problem(
                Some(&name),
                "This entry is a symbolic link; a bundle holds only files.".into(),
            ));
        }
        let (stored, size) = (entry.compressed_size().max(1), entry.size());
        if size >= RATIO_FLOOR && size / stored > MAX_RATIO {
            problems.push(problem(
                Some(&name),
                format!(
                    "This entry would expand {}x, from {stored} to {size} bytes: a zip bomb.",
                    size / stored
                ),
            ));
        }
    }
    problems
}

/// Reads an entry whole, refusing to go past `limit` bytes.
pub fn read_capped(entry: impl Read, name: &str, limit: u64) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    entry
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{name} cannot be read: {e}."))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "{name} is longer than the {limit} bytes allowed for it."
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_leave_the_folder_or_are_absolute_are_refused() {
        for bad in [
            "../x",
            "a/../../x",
            "/etc/passwd",
            "C:/x",
            "a\\b",
            "a\u{0}b",
            "",
        ] {
            assert!(unsafe_name(bad).is_some(), "{bad:?}");
        }
        for good in [
            "manifest.json",
            "events/events.jsonl",
            "reports/decisions/dec-1.html",
            "a..b",
        ] {
            assert!(unsafe_name(good).is_none(), "{good:?}");
        }
    }

    #[test]
    fn reads_stop_at_the_cap() {
        assert_eq!(read_capped(&b"abc"[..], "x", 3).unwrap(), b"abc");
        assert!(read_capped(&b"abcd"[..], "x", 3)
            .unwrap_err()
            .contains("longer than the 3 bytes"));
    }
}
