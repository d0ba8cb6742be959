//! Importing a folder: every file inside, recursively and in path order, each its own source with
//! its own custody, and one summary for the folder. Hive-style partition folders (`year=2025/`)
//! give their keys to every row of the files below them, as columns the mapping can read (they
//! end up in metadata otherwise). A Marten stream table exported beside the events (`mt_streams`)
//! is read first and gives the events their stream types. A file that cannot be imported does not
//! stop the others: it is listed with the reason. Hidden files, the markers data tools leave
//! (`_SUCCESS`) and the destination check LangSmith's bulk export leaves under `tmp/` are listed
//! as not data without being read.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::tables::StreamTypes;
use crate::error::{Error, Result};

/// What a folder import did.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct FolderSummary {
    pub path: String,
    /// Entries found below the folder (hidden and marker files, and what was passed over, included).
    pub files_found: u64,
    /// Files imported as new sources.
    pub files_imported: u64,
    /// Files whose bytes were already in the case.
    pub files_already_imported: u64,
    pub rows_read: u64,
    pub rows_loaded: u64,
    pub rows_quarantined: u64,
    pub duplicates: u64,
    /// Stream tables read for the types of the folder's events.
    pub stream_tables: Vec<StreamTableRead>,
    /// Files not imported, each with the reason.
    pub not_imported: Vec<FileNotImported>,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct StreamTableRead {
    pub path: String,
    pub streams: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct FileNotImported {
    pub path: String,
    /// The error's stable code (`source_format`, …), or `not_data` for hidden and marker files.
    pub code: crate::ErrorCode,
    pub message: String,
}

/// How a folder would be imported, shown before anything is loaded.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct FolderPreview {
    pub path: String,
    pub files_found: u64,
    /// The data files, each previewed as the import would read it (the first ones of a large
    /// folder; `not_previewed` counts the rest).
    pub files: Vec<FolderFilePreview>,
    pub not_previewed: u64,
    pub stream_tables: Vec<StreamTableRead>,
    /// Files that would not be imported, with the reason.
    pub not_imported: Vec<FileNotImported>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct FolderFilePreview {
    pub path: String,
    /// Keys of the partition folders the file is in, given to each of its rows.
    pub partition: Vec<PartitionKey>,
    pub preview: super::SourcePreview,
}

#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct PartitionKey {
    pub key: String,
    pub value: String,
}

/// Data files previewed in full when a folder is previewed.
pub const FOLDER_PREVIEWED: usize = 50;

/// One file of a folder and the partition keys of the folders it is in.
pub struct FolderFile {
    pub path: PathBuf,
    pub partition: Vec<(String, String)>,
}

/// What a walk of a folder found: the files to read, and what it passed over with the reason.
pub struct Walk {
    pub files: Vec<FolderFile>,
    pub passed_over: Vec<(PathBuf, String)>,
}

/// Files below `root`, in path order. Links to folders are not followed (no loops); hidden
/// folders (`.git`, `__MACOSX`), folders that cannot be listed and entries that are no regular
/// file are passed over and said. Only the root itself failing to list is an error.
pub fn walk(root: &Path) -> Result<Walk> {
    let mut out = Walk {
        files: Vec::new(),
        passed_over: Vec::new(),
    };
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if dir == root => {
                return Err(Error::SourceUnreadable {
                    path: dir.clone(),
                    cause: format!("the folder cannot be listed ({e})"),
                })
            }
            Err(e) => {
                out.passed_over
                    .push((dir.clone(), format!("a folder that cannot be listed ({e})")));
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    out.passed_over.push((
                        dir.clone(),
                        format!("an entry of this folder cannot be read ({e})"),
                    ));
                    continue;
                }
            };
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            let kind = match entry.file_type() {
                Ok(k) => k,
                Err(e) => {
                    out.passed_over
                        .push((path, format!("cannot be examined ({e})")));
                    continue;
                }
            };
            if kind.is_dir() {
                if name.starts_with('.') || name == "__MACOSX" {
                    out.passed_over
                        .push((path, "a hidden folder, not read".to_string()));
                } else {
                    stack.push(path);
                }
            } else if kind.is_file() || (kind.is_symlink() && path.is_file()) {
                out.files.push(FolderFile {
                    partition: partition_keys(root, &path),
                    path,
                });
            } else if kind.is_symlink() && path.is_dir() {
                out.passed_over
                    .push((path, "a link to a folder, not followed".to_string()));
            } else if kind.is_symlink() {
                out.passed_over
                    .push((path, "a link to nothing that exists".to_string()));
            } else {
                out.passed_over.push((
                    path,
                    "not a regular file (a pipe, socket or device)".to_string(),
                ));
            }
        }
    }
    out.files.sort_by(|a, b| a.path.cmp(&b.path));
    out.passed_over.sort();
    Ok(out)
}

/// `key=value` folder names between `root` and the file, outermost first; values are
/// percent-decoded as Hive escapes them.
pub fn partition_keys(root: &Path, file: &Path) -> Vec<(String, String)> {
    let Ok(rel) = file.strip_prefix(root) else {
        return Vec::new();
    };
    let mut keys: Vec<(String, String)> = Vec::new();
    let parts: Vec<_> = rel.components().collect();
    for c in parts.iter().take(parts.len().saturating_sub(1)) {
        let name = c.as_os_str().to_string_lossy();
        if let Some((k, v)) = name.split_once('=') {
            if !k.is_empty() {
                let v = percent_decode(v);
                keys.retain(|(old, _)| old != k);
                keys.push((k.to_string(), v));
            }
        }
    }
    keys
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let digits = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
            if let Ok(v) = u8::from_str_radix(digits, 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Why a file of a folder is passed over without being read, if it is: hidden files and the
/// markers data tools leave beside their output (`_SUCCESS`, `.crc` checksums).
pub fn not_data(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_string_lossy();
    if name.starts_with('.') {
        return Some("a hidden file, not read");
    }
    if name == "_SUCCESS" || name.starts_with("_committed_") || name.starts_with("_started_") {
        return Some("a marker file a data tool writes beside its output, not data");
    }
    // LangSmith's bulk export checks it can write to a destination by writing a small text file
    // under `<prefix>/tmp/`, and may leave it there.
    let in_tmp = path
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|d| d == "tmp");
    let small = std::fs::metadata(path).is_ok_and(|m| m.len() <= 4096);
    if in_tmp && name.ends_with(".txt") && small {
        return Some("a small text file in a tmp/ folder, as LangSmith's bulk export leaves to check it can write to the destination; not data");
    }
    None
}

/// Reads a Marten stream table exported on its own (CSV or JSON lines) into stream types.
pub fn read_stream_table(path: &Path) -> Result<StreamTypes> {
    let mut src = super::source::Source::open(path)?;
    let head = src.peek(1 << 20)?;
    let (container, _) = super::detect::sniff_container(&head);
    let mut types = StreamTypes::new();
    let mut add = |o: &serde_json::Map<String, serde_json::Value>| {
        let row: serde_json::Map<String, serde_json::Value> = o
            .iter()
            .filter(|(_, v)| !v.as_str().is_some_and(str::is_empty))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some((key, ty)) = super::tables::marten_stream(&row) {
            types.insert(key, ty);
        }
    };
    match container {
        super::detect::Container::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(src.reader());
            let header = reader
                .headers()
                .map_err(|e| Error::SourceFormat {
                    path: path.to_path_buf(),
                    cause: format!("its header row cannot be read ({e})."),
                })?
                .clone();
            for rec in reader.records() {
                let rec = rec.map_err(|e| Error::SourceFormat {
                    path: path.to_path_buf(),
                    cause: format!("it cannot be split into rows ({e})."),
                })?;
                let o = header
                    .iter()
                    .zip(rec.iter())
                    .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
                    .collect();
                add(&o);
            }
        }
        _ => {
            let mut text = String::new();
            std::io::Read::read_to_string(src.reader(), &mut text).map_err(|e| {
                Error::SourceUnreadable {
                    path: path.to_path_buf(),
                    cause: e.to_string(),
                }
            })?;
            for v in serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>() {
                match v {
                    Ok(serde_json::Value::Object(o)) => add(&o),
                    Ok(serde_json::Value::Array(items)) => {
                        for i in items {
                            if let serde_json::Value::Object(o) = i {
                                add(&o);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(types)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hive_partition_folders_become_keys_outermost_first() {
        let root = Path::new("/x/export");
        let file =
            Path::new("/x/export/tenant_id=7e1d/runs/year=2025/month=03/day=14/part-0.jsonl");
        assert_eq!(
            partition_keys(root, file),
            vec![
                ("tenant_id".to_string(), "7e1d".to_string()),
                ("year".to_string(), "2025".to_string()),
                ("month".to_string(), "03".to_string()),
                ("day".to_string(), "14".to_string()),
            ]
        );
        assert_eq!(
            partition_keys(root, Path::new("/x/export/date=2025-03-14%2010%3A00/f.csv")),
            vec![("date".to_string(), "2025-03-14 10:00".to_string())]
        );
        assert!(partition_keys(root, Path::new("/x/export/f.csv")).is_empty());
    }

    #[test]
    fn marker_and_hidden_files_are_not_data() {
        assert!(not_data(Path::new("/a/_SUCCESS")).is_some());
        assert!(not_data(Path::new("/a/.part-0.crc")).is_some());
        assert!(not_data(Path::new("/a/part-0.parquet")).is_none());
        let langsmith = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/formats/langsmith/bulk-export/tmp/destination-check-3f9a.txt");
        assert!(not_data(&langsmith).unwrap().contains("LangSmith"));
    }
}
