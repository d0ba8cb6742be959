use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use sha2::{Digest, Sha256};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_casefile")
}

pub fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn run(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .output()
        .expect("casefile runs")
}

/// Runs with --json, expects `code`, returns the parsed document.
pub fn json_with(code: i32, args: &[&str]) -> Value {
    // Right after the command name, so it is never taken for one of the arguments after `--`.
    let mut all: Vec<&str> = args.to_vec();
    all.insert(1.min(all.len()), "--json");
    let out = run(&all);
    assert_eq!(
        out.status.code(),
        Some(code),
        "casefile {:?} exited {:?}\nstdout: {}\nstderr: {}",
        args,
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

pub fn json(args: &[&str]) -> Value {
    json_with(0, args)
}

pub fn sha256_of(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).expect("readable")))
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Checks the reconciliation rule on every source of an import report.
pub fn assert_reconciled(report: &Value) {
    for src in report["sources"].as_array().expect("sources") {
        let n = |k: &str| {
            src[k]
                .as_u64()
                .unwrap_or_else(|| panic!("{k} missing in {src}"))
        };
        assert_eq!(
            n("rows_read"),
            n("rows_loaded") + n("rows_quarantined") + n("duplicates"),
            "rows do not reconcile for {}",
            src["path"]
        );
    }
}

pub fn sql(case: &Path, query: &str) -> Vec<Vec<Value>> {
    let v = json(&["sql", s(case), query]);
    v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r.as_array().expect("row").clone())
        .collect()
}

/// The quarantine reason of `row` in a `casefile quarantine --json` answer.
pub fn quarantine_reason(q: &Value, row: i64) -> String {
    q["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["row"] == row)
        .map(|r| r["reason"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("row {row} is not in quarantine: {q}"))
}

/// Every file of the named sample scenarios, sorted (an import's arguments).
pub fn scenario_files(scenarios: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for scenario in scenarios {
        let mut files: Vec<PathBuf> = std::fs::read_dir(samples().join(scenario))
            .expect("sample folder")
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        out.extend(files.iter().map(|f| s(f).to_string()));
    }
    out
}

/// Imports a file or folder (with extra flags) and returns the whole report, reconciled.
pub fn import_reconciled(case: &Path, path: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["import", s(case), s(path)];
    args.extend_from_slice(extra);
    let report = json(&args);
    assert_reconciled(&report);
    report
}

/// The lending sample imported into `dir/lending.casefile`.
pub fn lending_case(dir: &Path) -> PathBuf {
    let case = dir.join("lending.casefile");
    let mut args = vec!["import".to_string(), s(&case).to_string()];
    args.extend(scenario_files(&["lending"]));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    json(&args);
    case
}

/// Follows `next` from the first page of `args` (with `--limit page`) to the last, collecting the rows of `list`.
pub fn all_pages(args: &[&str], page: &str, list: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["--limit", page]);
        if let Some(cursor) = &after {
            a.extend(["--after", cursor.as_str()]);
        }
        let p = json(&a);
        rows.extend(p[list].as_array().unwrap().iter().cloned());
        match &p["next"] {
            Value::Null => return rows,
            Value::String(c) => after = Some(c.clone()),
            Value::Number(n) => after = Some(n.to_string()),
            other => panic!("next is {other}"),
        }
    }
}
