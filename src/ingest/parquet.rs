//! Parquet sources, read so that a hostile file cannot hurt the case.
//!
//! DuckDB's Parquet reader is native code, and the files come from strangers. A damaged file once
//! tripped an assertion inside it that invalidated the whole database: the case's connection then
//! refused everything until the case was reopened (and in a build without assertions what the reader
//! does instead is unknown; a crash would take the app with it). So a Parquet file is first read in a
//! helper: this same program started again as a child process with [`HELPER_ENV`] set, with its own
//! in-memory database. The helper answers the file's columns, its first rows and (for an import)
//! how many rows a whole read gives; only a file the helper read cleanly reaches the case's database,
//! where the same query then reads the same bytes.
//!
//! Programs that call [`serve_helper_if_asked`] at the start of `main` (the CLI and the app) are
//! their own helper. Where the engine runs inside another program (the tests), [`use_helper`] names
//! one; without either, the read runs in a throwaway in-memory database in this process, which still
//! keeps a reader failure away from the case but not a crash.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use duckdb::Connection;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::ingest::mapping::lit;

/// Set in the environment of a helper process; its request comes on stdin, its answer goes to stdout.
pub const HELPER_ENV: &str = "CASEFILE_PARQUET_HELPER";

static HELPER: OnceLock<PathBuf> = OnceLock::new();

/// What a read of a Parquet file found.
#[derive(Debug, Serialize, Deserialize)]
pub struct Inspection {
    /// The file's top-level columns.
    pub keys: BTreeSet<String>,
    /// Its first rows, each as a JSON object.
    pub sample: Vec<Value>,
    /// The rows a whole read gave, when the whole file was read.
    pub rows: Option<u64>,
}

#[derive(Serialize, Deserialize)]
struct Request {
    path: PathBuf,
    sample_rows: usize,
    whole: bool,
}

#[derive(Serialize, Deserialize)]
enum Answer {
    Read(Inspection),
    /// The reader's own first line of why it could not read the file.
    Unreadable(String),
}

/// In the CLI's and the app's `main`, before anything else: when this process was started as a
/// Parquet helper, serves the one request and exits; otherwise makes this program the helper that
/// later reads start.
pub fn serve_helper_if_asked() {
    if std::env::var_os(HELPER_ENV).is_some() {
        let answer = match serde_json::from_reader::<_, Request>(std::io::stdin().lock()) {
            Ok(request) => read_here(&request),
            Err(e) => Answer::Unreadable(format!("the helper's request was not understood: {e}")),
        };
        let mut out = std::io::stdout().lock();
        let written = serde_json::to_writer(&mut out, &answer).is_ok() && out.flush().is_ok();
        std::process::exit(if written { 0 } else { 3 });
    }
    if let Ok(program) = std::env::current_exe() {
        let _ = HELPER.set(program);
    }
}

/// Names the program that reads Parquet files in a child process (a program whose `main` calls
/// [`serve_helper_if_asked`]), for an engine running inside a program that does not.
pub fn use_helper(program: &Path) {
    let _ = HELPER.set(program.to_path_buf());
}

/// Reads a Parquet file away from the case: its columns, up to `sample_rows` first rows, and with
/// `whole` every row. A file the reader cannot read, or that stops the helper, is a `SourceFormat`
/// error naming what the reader said. `keep_going` is asked while the helper reads; when it says
/// no, the helper is stopped and the read is `Cancelled`.
pub fn inspect(
    path: &Path,
    sample_rows: usize,
    whole: bool,
    keep_going: &dyn Fn() -> bool,
) -> Result<Inspection> {
    let request = Request {
        path: path.to_path_buf(),
        sample_rows,
        whole,
    };
    match ask(&request, keep_going)? {
        Answer::Read(inspection) => Ok(inspection),
        Answer::Unreadable(why) => Err(unreadable(path, &why)),
    }
}

/// For a Parquet file inside a bundle, before a database of the app's reads it: `None` when the
/// whole file reads cleanly away from it, or the reader's words for why not.
pub fn why_unreadable(path: &Path) -> Result<Option<String>> {
    let request = Request {
        path: path.to_path_buf(),
        sample_rows: 0,
        whole: true,
    };
    Ok(match ask(&request, &|| true)? {
        Answer::Read(_) => None,
        Answer::Unreadable(why) => Some(first_line(&why).to_string()),
    })
}

fn ask(request: &Request, keep_going: &dyn Fn() -> bool) -> Result<Answer> {
    match HELPER.get() {
        Some(program) => read_in_helper(program, request, keep_going),
        None => Ok(read_here(request)),
    }
}

/// Loads every row of a file [`inspect`] read whole into the staging table, numbered from 1.
pub fn frame(conn: &Connection, path: &Path, inspected: &Inspection) -> Result<u64> {
    let n = conn
        .execute(
            &format!(
                "INSERT INTO stage SELECT file_row_number + 1, {ROW_JSON}, NULL, NULL FROM {}",
                read_parquet(path)
            ),
            [],
        )
        .map_err(|e| unreadable(path, &e.to_string()))? as u64;
    if inspected.rows.is_some_and(|rows| rows != n) {
        return Err(Error::SourceFormat {
            path: path.to_path_buf(),
            cause: format!(
                "it changed while it was read ({} rows at first, then {n}); import it again once nothing writes to it.",
                inspected.rows.unwrap_or_default()
            ),
        });
    }
    Ok(n)
}

/// Rows read at a time by [`each_row`].
const ROWS_AT_A_TIME: i64 = 4096;

/// Hands every row of a file [`inspect`] read whole to `each`, in order, as its 1-based number
/// and its JSON text (the same text [`frame`] stages), for a format that rebuilds its rows (see
/// `Envelope::rebuilds_parquet`). DuckDB reads the file once into a temporary table; the rows are
/// then taken from it a batch at a time, so no statement is open while `each` stages its rows on
/// the same connection. Returns the number of rows.
pub fn each_row(
    conn: &Connection,
    path: &Path,
    inspected: &Inspection,
    each: &mut dyn FnMut(i64, &str) -> Result<()>,
) -> Result<u64> {
    let n = conn
        .execute(
            &format!(
                r#"CREATE OR REPLACE TEMP TABLE parquet_rows AS SELECT file_row_number + 1 AS "row", {ROW_JSON} AS raw FROM {}"#,
                read_parquet(path)
            ),
            [],
        )
        .map_err(|e| unreadable(path, &e.to_string()))? as u64;
    let result = (|| {
        if inspected.rows.is_some_and(|rows| rows != n) {
            return Err(Error::SourceFormat {
                path: path.to_path_buf(),
                cause: format!(
                    "it changed while it was read ({} rows at first, then {n}); import it again once nothing writes to it.",
                    inspected.rows.unwrap_or_default()
                ),
            });
        }
        let mut after = 0i64;
        loop {
            let batch: Vec<(i64, String)> = {
                let mut stmt = conn.prepare_cached(
                    r#"SELECT "row", raw FROM parquet_rows WHERE "row" > ? ORDER BY "row" LIMIT ?"#,
                )?;
                let rows = stmt.query_map(duckdb::params![after, ROWS_AT_A_TIME], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
                rows.collect::<std::result::Result<_, _>>()?
            };
            let Some((last, _)) = batch.last() else {
                break;
            };
            after = *last;
            for (row, raw) in &batch {
                each(*row, raw)?;
            }
        }
        Ok(n)
    })();
    conn.execute_batch("DROP TABLE IF EXISTS temp.parquet_rows;")?;
    result
}

/// A row as JSON text, without the row number the reader adds.
const ROW_JSON: &str = r#"json_merge_patch(to_json(p), '{"file_row_number":null}')::VARCHAR"#;

/// The file's own columns: DuckDB would add the keys of Hive partition folders in its path
/// (`year=2025/`) as columns of its own typing; a folder import gives them to every row itself,
/// as text, whatever the container (see `folder`).
fn read_parquet(path: &Path) -> String {
    format!(
        "read_parquet({}, file_row_number = true, hive_partitioning = false) p",
        lit(&path.to_string_lossy())
    )
}

fn unreadable(path: &Path, reader_said: &str) -> Error {
    Error::SourceFormat {
        path: path.to_path_buf(),
        cause: format!(
            "it is not a Parquet file that can be read ({}).",
            first_line(reader_said)
        ),
    }
}

/// The reader's first line: the rest of DuckDB's text is the query and a stack trace.
fn first_line(reader_said: &str) -> &str {
    reader_said.lines().next().unwrap_or_default().trim()
}

fn read_in_helper(
    program: &Path,
    request: &Request,
    keep_going: &dyn Fn() -> bool,
) -> Result<Answer> {
    let cannot_start = |e: std::io::Error| Error::SourceUnreadable {
        path: request.path.clone(),
        cause: format!(
            "Casefile could not run its Parquet reader ({}): {e}",
            program.display()
        ),
    };
    let mut child = Command::new(program)
        .env(HELPER_ENV, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(cannot_start)?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that died before reading its request shows in its exit status below.
        let _ = serde_json::to_writer(&mut stdin, request);
    }
    // Drained on their own threads, so a helper with much to say never blocks on a full pipe
    // while this one waits for it to end.
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let status = loop {
        if let Some(status) = child.try_wait().map_err(cannot_start)? {
            break status;
        }
        if !keep_going() {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::Cancelled {
                path: request.path.clone(),
            });
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    if !status.success() {
        let stderr = String::from_utf8_lossy(&stderr);
        let said = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Ok(Answer::Unreadable(format!(
            "the reader stopped on it: {}{}{said}",
            ended(&status),
            if said.is_empty() { "" } else { ": " }
        )));
    }
    serde_json::from_slice(&stdout).map_err(|e| Error::SourceUnreadable {
        path: request.path.clone(),
        cause: format!("Casefile's Parquet reader gave an answer it could not read: {e}"),
    })
}

/// How a helper ended, in words.
fn ended(status: &std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("it was killed by signal {signal}");
        }
    }
    match status.code() {
        Some(code) => format!("it exited with status {code}"),
        None => "it ended abnormally".to_string(),
    }
}

/// The read itself, in a database of its own that nothing else uses.
fn read_here(request: &Request) -> Answer {
    let conn = match crate::store::open_scratch_in_memory() {
        Ok(conn) => conn,
        Err(e) => return Answer::Unreadable(e.to_string()),
    };
    match read_with_own_database(&conn, request) {
        Ok(inspection) => Answer::Read(inspection),
        Err(e) => Answer::Unreadable(e.to_string()),
    }
}

fn read_with_own_database(conn: &Connection, request: &Request) -> duckdb::Result<Inspection> {
    let from = read_parquet(&request.path);
    let keys = conn
        .prepare(&format!(
            "SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet({}, hive_partitioning = false))",
            lit(&request.path.to_string_lossy())
        ))?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<duckdb::Result<BTreeSet<String>>>()?;
    let sample = conn
        .prepare(&format!(
            "SELECT {ROW_JSON} FROM {from} LIMIT {}",
            request.sample_rows
        ))?
        .query_map([], |r| r.get::<_, String>(0))?
        .map(|row| row.map(|text| serde_json::from_str(&text).unwrap_or(Value::Null)))
        .collect::<duckdb::Result<Vec<Value>>>()?;
    let rows = if request.whole {
        // Every column of every row decoded, as the import will (the hash of the whole row keeps
        // any column from being pruned, and costs less than the import's JSON).
        let (rows, _): (u64, Option<u64>) = conn.query_row(
            &format!("SELECT count(*), max(hash(p)) FROM {from}"),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Some(rows)
    } else {
        None
    };
    Ok(Inspection { keys, sample, rows })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Case, ImportOptions, NoProgress};

    fn hostile(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/hostile")
            .join(name)
    }

    /// Without a helper (an engine inside another program), the read happens in a database of its
    /// own: the reader's failure is the file's refusal, and the case's connection is untouched.
    #[test]
    fn a_file_that_breaks_the_reader_leaves_the_case_usable_without_a_helper() {
        let dir = tempfile::tempdir().unwrap();
        let case = Case::open_or_create(&dir.path().join("c.casefile")).unwrap();
        let bad = hostile("parquet-column-chunk-without-metadata.parquet");
        for _ in 0..2 {
            let preview = case.preview(&bad, &ImportOptions::default());
            let import = case.import(
                std::slice::from_ref(&bad),
                &ImportOptions::default(),
                &NoProgress,
            );
            for refused in [preview.err(), import.err()] {
                let e = refused.expect("the file is refused");
                assert_eq!(e.code(), "source_format", "{e}");
            }
        }
        assert_eq!(case.info().expect("the case still reads").events, 0);
    }

    /// A helper that crashes (as a reader might on a crafted file) is a refusal that says how it
    /// ended, not a failure of the importing program.
    #[cfg(unix)]
    #[test]
    fn a_helper_that_crashes_is_a_refusal_saying_how_it_ended() {
        let dir = tempfile::tempdir().unwrap();
        let crashing = script(dir.path(), "crashing-reader", "kill -SEGV $$");
        let request = Request {
            path: dir.path().join("any.parquet"),
            sample_rows: 5,
            whole: true,
        };
        match read_in_helper(&crashing, &request, &|| true).unwrap() {
            Answer::Unreadable(why) => {
                assert!(why.contains("killed by signal 11"), "{why}");
                let e = unreadable(&request.path, &why);
                assert_eq!(e.code(), "source_format");
                assert!(e.to_string().ends_with("killed by signal 11)."), "{e}");
            }
            Answer::Read(_) => panic!("a crashed helper read nothing"),
        }
        let missing = read_in_helper(&dir.path().join("no-such-program"), &request, &|| true);
        let e = missing
            .err()
            .expect("a reader that cannot start is an error");
        assert_eq!(e.code(), "source_unreadable");
        assert!(
            e.to_string().contains("could not run its Parquet reader"),
            "{e}"
        );
    }

    #[cfg(unix)]
    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// Cancelling an import while the helper reads stops the helper, and the import says so.
    #[cfg(unix)]
    #[test]
    fn cancelling_while_the_helper_reads_stops_it() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let slow = script(
            dir.path(),
            "slow-reader",
            &format!("echo $$ > {}\nexec sleep 600", pid_file.display()),
        );
        let request = Request {
            path: dir.path().join("big.parquet"),
            sample_rows: 5,
            whole: true,
        };
        // Go on until the helper is known to be reading, then cancel.
        let keep_going =
            || std::fs::read_to_string(&pid_file).map_or(true, |p| p.trim().is_empty());
        let e = read_in_helper(&slow, &request, &keep_going)
            .err()
            .expect("cancelled");
        assert_eq!(e.code(), "cancelled", "{e}");
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        assert!(
            !Path::new(&format!("/proc/{}", pid.trim())).exists(),
            "the helper {pid} still runs"
        );
    }

    /// A helper that says a lot before its answer does not block on a full pipe.
    #[cfg(unix)]
    #[test]
    fn a_long_answer_from_the_helper_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let talkative = script(
            dir.path(),
            "talkative-reader",
            "cat > /dev/null\nhead -c 1000000 /dev/zero | tr '\\0' ' '\nhead -c 300000 /dev/zero >&2\necho '{\"Unreadable\":\"said at length\"}'",
        );
        let request = Request {
            path: dir.path().join("any.parquet"),
            sample_rows: 5,
            whole: false,
        };
        match read_in_helper(&talkative, &request, &|| true).unwrap() {
            Answer::Unreadable(why) => assert_eq!(why, "said at length"),
            Answer::Read(_) => panic!("the helper said it could not read"),
        }
    }
}
