use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::*;

fn events_and_sources(case: &Path) -> (u64, usize) {
    let info = json(&["info", s(case)]);
    (
        info["events"].as_u64().unwrap(),
        info["sources"].as_array().unwrap().len(),
    )
}

/// Starts an import that pauses at `phase` (a fault point in the real code), waits until it says
/// so, then kills it with SIGKILL.
fn kill_at_phase(case: &Path, file: &Path, phase: &str) {
    let mut child = Command::new(bin())
        .args(["import", s(case), s(file)])
        .env("CASEFILE_FAULT_PAUSE", phase)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let expected = format!("paused at {phase}");
    loop {
        match lines.next() {
            Some(Ok(l)) if l.contains(&expected) => break,
            Some(Ok(_)) => continue,
            _ => panic!("the import ended without reaching {phase}"),
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn killing_an_import_leaves_a_case_that_opens_with_the_file_whole_or_absent() {
    let dir = tmp();
    let case = dir.path().join("crash.casefile");
    let base = samples().join("lending/applications.jsonl");
    let big = dir.path().join("big.jsonl");
    json(&[
        "generate",
        "events",
        s(&big),
        "--events",
        "60000",
        "--streams",
        "5000",
        "--seed",
        "3",
    ]);
    let first = json(&["import", s(&case), s(&base)]);
    let base_events = first["sources"][0]["rows_loaded"].as_u64().unwrap();

    // Killed before or during the transaction: the file is absent, the earlier one intact.
    for phase in ["staged", "in-transaction"] {
        kill_at_phase(&case, &big, phase);
        assert_eq!(
            events_and_sources(&case),
            (base_events, 1),
            "after a kill at {phase}"
        );
    }
    // Killed after the commit, before the checkpoint: the write-ahead log brings the file back whole.
    kill_at_phase(&case, &big, "committed");
    assert_eq!(
        events_and_sources(&case),
        (base_events + 60_000, 2),
        "after a kill at committed"
    );

    // Killed at arbitrary moments: whatever the moment, all or nothing.
    let other = dir.path().join("other.jsonl");
    json(&[
        "generate",
        "events",
        s(&other),
        "--events",
        "60000",
        "--streams",
        "5000",
        "--seed",
        "4",
    ]);
    for delay_ms in [50u64, 250, 600, 1200] {
        let (events_before, sources_before) = events_and_sources(&case);
        let mut child = Command::new(bin())
            .args(["import", s(&case), s(&other)])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        child.wait().unwrap();
        let (events, sources) = events_and_sources(&case);
        if sources == sources_before {
            assert_eq!(
                events, events_before,
                "killed after {delay_ms} ms: partly loaded"
            );
        } else {
            assert_eq!(
                (events, sources),
                (events_before + 60_000, sources_before + 1),
                "killed after {delay_ms} ms"
            );
            break;
        }
    }
}
