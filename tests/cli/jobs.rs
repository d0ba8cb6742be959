//! Long work on the command line is a job: Ctrl-C (SIGINT) stops it at once, the command exits
//! 130 with a sentence saying what was left, and nothing half-written remains.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::*;

/// Runs `args` paused at `phase` (the job's own fault point), sends SIGINT once it says so, and
/// returns the exit code and what it wrote on stderr after.
fn interrupt_at(args: &[&str], phase: &str) -> (Option<i32>, String) {
    let (code, _, stderr) = interrupt_at_with_stdout(args, phase);
    (code, stderr)
}

/// `interrupt_at`, also returning all the command wrote on stdout.
fn interrupt_at_with_stdout(args: &[&str], phase: &str) -> (Option<i32>, String, String) {
    let mut child = Command::new(bin())
        .args(args)
        .env("CASEFILE_FAULT_PAUSE", phase)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut text).unwrap();
        text
    });
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let expected = format!("paused at {phase}");
    loop {
        match lines.next() {
            Some(Ok(l)) if l.contains(&expected) => break,
            Some(Ok(_)) => continue,
            _ => panic!("{args:?} ended without reaching {phase}"),
        }
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    (status.code(), reader.join().unwrap(), rest.join("\n"))
}

/// Every entry of `dir`, for "nothing was left behind".
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn ctrl_c_stops_a_lake_export_and_leaves_no_folder_behind() {
    let dir = tmp();
    let case = lending_case(dir.path());
    let before = entries(dir.path());
    let lake = dir.path().join("lake");
    let (code, stderr) = interrupt_at(&["export", s(&case), s(&lake)], "folding the states");
    assert_eq!(code, Some(130), "{stderr}");
    assert!(
        stderr.contains("The lake export was cancelled; nothing was written."),
        "{stderr}"
    );
    assert_eq!(
        entries(dir.path()),
        before,
        "the export's staging folder is gone"
    );
    // The case still answers, and a second export completes.
    let report = json(&["export", s(&case), s(&lake)]);
    assert_eq!(
        json(&["export", "--verify", s(&lake)])["ok"],
        true,
        "{report}"
    );
}

#[test]
fn ctrl_c_stops_a_bundle_export_while_its_zip_is_open_and_leaves_nothing_behind() {
    // The event lines go straight into the zip: a stop then leaves a half-written zip to remove.
    let dir = tmp();
    let case = lending_case(dir.path());
    let before = entries(dir.path());
    let bundle = dir.path().join("evidence.casebundle");
    let (code, stderr) = interrupt_at(
        &["bundle", "export", s(&case), s(&bundle)],
        "writing the events",
    );
    assert_eq!(code, Some(130), "{stderr}");
    assert!(
        stderr.contains("The bundle export was cancelled; nothing was written."),
        "{stderr}"
    );
    assert_eq!(
        entries(dir.path()),
        before,
        "no bundle, zip or staging left"
    );
    json(&["bundle", "export", s(&case), s(&bundle)]);
    assert!(bundle.is_file());
}

#[test]
fn ctrl_c_stops_a_training_set_and_leaves_no_file_behind() {
    let dir = tmp();
    let case = lending_case(dir.path());
    let spec = dir.path().join("spec.toml");
    let starter = run(&["trainset", s(&case), "--starter"]);
    std::fs::write(&spec, &starter.stdout).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let file = out.join("train.parquet");
    let (code, stderr) = interrupt_at(
        &["trainset", s(&case), "--spec", s(&spec), "--out", s(&file)],
        "finding the labels",
    );
    assert_eq!(code, Some(130), "{stderr}");
    assert!(
        stderr.contains("The training set was cancelled; nothing was written."),
        "{stderr}"
    );
    assert!(entries(&out).is_empty(), "{:?}", entries(&out));
    // Run to the end, the same command writes the file and its manifest.
    json(&["trainset", s(&case), "--spec", s(&spec), "--out", s(&file)]);
    assert_eq!(
        entries(&out),
        ["train.parquet", "train.parquet.manifest.json"]
    );
}

#[test]
fn ctrl_c_stops_an_import_and_the_case_keeps_only_what_it_had() {
    let dir = tmp();
    let case = lending_case(dir.path());
    let count = || {
        sql(
            &case,
            "SELECT count(*), count(DISTINCT source_id) FROM events",
        )
    };
    let before = count();
    let more = scenario_files(&["hiring"]);
    let (code, stderr) = interrupt_at(&["import", s(&case), &more[0]], "staged");
    assert_eq!(code, Some(130), "{stderr}");
    assert!(
        stderr.contains("The import was cancelled; nothing from the file being read was loaded."),
        "{stderr}"
    );
    assert_eq!(count(), before);
    // The same file imported to the end loads.
    let report = json(&["import", s(&case), &more[0]]);
    assert!(
        report["sources"][0]["rows_loaded"].as_i64().unwrap() > 0,
        "{report}"
    );
}

#[test]
fn ctrl_c_stops_a_replay_which_prints_its_report_once_and_exits_130() {
    let dir = tmp();
    let case = lending_case(dir.path());
    json(&[
        "replayers",
        s(&case),
        "--add",
        "slow",
        "--model",
        "underwriter",
        "--",
        s(&fixtures().join("replayers").join("hang.sh")),
    ]);
    let (code, stdout, stderr) =
        interrupt_at_with_stdout(&["replay", "--json", s(&case)], "replaying the decisions");
    assert_eq!(code, Some(130), "{stderr}");
    // One JSON document: the report of the stopped run, not an error after it.
    let report: serde_json::Value = serde_json::from_str(&stdout).expect(&stdout);
    assert_eq!(report["cancelled"], true, "{report}");
    assert_eq!(report["replayed"], 0, "{report}");
    // The stopped run is on record as such.
    let runs = sql(
        &case,
        "SELECT count(*) FILTER (WHERE cancelled), count(*) FROM replay_runs",
    );
    assert_eq!(runs, [[1, 1]], "{runs:?}");
}
