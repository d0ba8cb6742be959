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
    // Event ids of its own: the generator numbers ids from the same start at any seed, so this
    // file's events were all conflicting duplicates of the first one's, and an import finished
    // within the delay (a release build) added a source and no events.
    let text = std::fs::read_to_string(&other).unwrap();
    std::fs::write(&other, text.replace("\"evt-", "\"other-evt-")).unwrap();
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

/// What a case holds that must survive any crash: per source, its file name and events; the notes.
#[derive(Debug, Clone, PartialEq)]
struct Committed {
    sources: Vec<(String, u64)>,
    notes: Vec<String>,
}

/// Opens the case the way the app does and reads what it holds; checks that every source's events
/// are all there (nothing half-written is visible).
fn committed(case: &Path) -> Result<Committed, String> {
    let c = casefile::Case::open(case).map_err(|e| format!("the case does not open: {e}"))?;
    let info = c
        .info()
        .map_err(|e| format!("the case opens but cannot be read: {e}"))?;
    let mut sources = Vec::new();
    let mut total = 0;
    for src in &info.sources {
        sources.push((src.file_name.clone(), src.rows_loaded as u64));
        total += src.rows_loaded as u64;
    }
    if total != info.events as u64 {
        return Err(format!(
            "the sources say {total} events were loaded but the case holds {}",
            info.events
        ));
    }
    let notes = c
        .notes()
        .map_err(|e| format!("notes unreadable: {e}"))?
        .into_iter()
        .map(|n| n.body)
        .collect();
    Ok(Committed { sources, notes })
}

/// One of the four operations, run by the real CLI as a user would.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Operation {
    Import,
    Checkpoint,
    Export,
    Note,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Operation::Import => "import",
            Operation::Checkpoint => "checkpoint",
            Operation::Export => "export",
            Operation::Note => "note",
        }
    }
}

/// Kills the CLI with SIGKILL at random moments of import, of the checkpoint after an import's
/// commit, of a bundle export and of note-writing, 200 times or more, and after each kill reopens
/// the case: it always opens, everything committed before is still there, and what the killed
/// process was doing is either all there or not there at all. A bundle left behind is complete.
#[test]
fn killed_at_200_random_moments_the_case_always_reopens_with_nothing_committed_lost() {
    use rand::{Rng, SeedableRng};
    let dir = tmp();
    let case = dir.path().join("work.casefile");
    json(&["import", s(&case), s(&fixtures().join("canonical.csv"))]);
    // Import sources: small generated logs, a new one for each import that completes (small, so
    // the time goes into many kill points rather than a few long imports).
    const EVENTS_PER_FILE: u64 = 300;
    let mut files = (0..).map(|k: u64| {
        let f = dir.path().join(format!("gen-{k}.jsonl"));
        json(&[
            "generate",
            "events",
            s(&f),
            "--events",
            &EVENTS_PER_FILE.to_string(),
            "--streams",
            "30",
            "--seed",
            &(100 + k).to_string(),
        ]);
        // Event ids of their own, so each file adds all its events.
        let text = std::fs::read_to_string(&f).unwrap();
        std::fs::write(&f, text.replace("\"evt-", &format!("\"g{k}-evt-"))).unwrap();
        f
    });
    let mut next_file = files.next().unwrap();
    // The export reads a case of its own, which it must not change.
    let exported = dir.path().join("export.casefile");
    json(&[
        "import",
        s(&exported),
        s(&fixtures().join("canonical.csv")),
        s(&fixtures().join("hostile-text.jsonl")),
    ]);
    let exported_before = committed(&exported).unwrap();

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    let mut before = committed(&case).unwrap();
    // How long each operation takes unkilled, to spread the kill points over its whole run.
    let mut took: std::collections::HashMap<&str, Duration> = Default::default();
    let mut kills: std::collections::BTreeMap<&str, u32> = Default::default();
    let mut survived = 0;
    let mut round = 0u32;
    let (mut in_operations, mut in_checks) = (Duration::ZERO, Duration::ZERO);
    const EACH: u32 = 25;
    let enough = |kills: &std::collections::BTreeMap<&str, u32>| {
        kills.values().sum::<u32>() >= 200
            && ["import", "checkpoint", "export", "note"]
                .iter()
                .all(|op| kills.get(op).copied().unwrap_or(0) >= EACH)
    };
    while !enough(&kills) {
        round += 1;
        assert!(round < 800, "only {kills:?} kill points in {round} rounds");
        let all = [
            Operation::Import,
            Operation::Checkpoint,
            Operation::Export,
            Operation::Note,
        ];
        let mut op = all[round as usize % 4];
        // Past 200, only the operations that still have too few kill points run.
        if kills.values().sum::<u32>() >= 200 {
            if let Some(short) = all
                .into_iter()
                .find(|o| kills.get(o.name()).copied().unwrap_or(0) < EACH)
            {
                op = short;
            }
        }
        let note_text = format!(
            "Note {round}: checked the applicant's file. {}",
            "x".repeat(round as usize * 37 % 2000)
        );
        let out_bundle = dir.path().join(format!("out-{round}.casebundle"));
        let name = op.name();
        let mut cmd = Command::new(bin());
        match op {
            Operation::Import | Operation::Checkpoint => {
                cmd.args(["import", s(&case), s(&next_file)]);
            }
            Operation::Export => {
                cmd.args(["bundle", "export", s(&exported), s(&out_bundle)]);
            }
            Operation::Note => {
                cmd.args(["note", s(&case), "--stream", "order-1", &note_text]);
            }
        }
        cmd.stdout(Stdio::null())
            .stderr(Stdio::piped())
            .env("CASEFILE_FAULT_TRACE", "1")
            .env("CASEFILE_CONFIG_DIR", dir.path().join("config"));
        let started = std::time::Instant::now();
        let mut child = cmd.spawn().unwrap();
        // Read stderr to its end (a closed pipe would fail the process's next message), passing on
        // when the import says it has committed.
        let stderr = child.stderr.take().unwrap();
        let (committed_tx, committed_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("at committed") {
                    let _ = committed_tx.send(());
                }
            }
        });
        let killed = if let Some(full) = took.get(name).copied() {
            if op == Operation::Checkpoint {
                // Wait for the commit, then kill within the checkpoint that follows it.
                committed_rx
                    .recv_timeout(Duration::from_secs(120))
                    .expect("the import commits");
                // `full` is, for this operation, the time from the commit to the exit.
                let window = full.as_micros() as u64;
                std::thread::sleep(Duration::from_micros(rng.random_range(0..window + 1)));
            } else {
                let window = full.as_micros() as u64;
                std::thread::sleep(Duration::from_micros(rng.random_range(0..window + 1)));
            }
            let running = child.try_wait().unwrap().is_none();
            if running {
                child.kill().unwrap();
            }
            child.wait().unwrap();
            running
        } else {
            // The first run of each operation is timed and left to finish (the checkpoint's from
            // the commit on).
            let from = if op == Operation::Checkpoint {
                committed_rx
                    .recv_timeout(Duration::from_secs(120))
                    .expect("the import commits");
                std::time::Instant::now()
            } else {
                started
            };
            assert!(child.wait().unwrap().success(), "{name} failed unkilled");
            took.insert(name, from.elapsed());
            false
        };
        if killed {
            *kills.entry(name).or_default() += 1;
        } else {
            survived += 1;
        }

        in_operations += started.elapsed();
        let checking = std::time::Instant::now();
        // Whatever happened, the cases open and hold what they held, plus at most the whole of
        // what the operation added.
        let now = committed(&case)
            .unwrap_or_else(|e| panic!("after a kill in {name} (round {round}): {e}"));
        let mut whole = before.clone();
        match op {
            Operation::Import | Operation::Checkpoint => {
                whole.sources.push((
                    next_file.file_name().unwrap().to_string_lossy().into(),
                    EVENTS_PER_FILE,
                ));
            }
            Operation::Note => whole.notes.push(note_text.clone()),
            Operation::Export => {}
        }
        assert!(
            now == before || now == whole,
            "after {} {name} (round {round}): before {before:?}, now {now:?}",
            if killed { "a kill in" } else { "an unkilled" }
        );
        if op == Operation::Checkpoint && took.contains_key(name) {
            assert_eq!(
                now, whole,
                "killed after its commit, the import is lost (round {round})"
            );
        }
        if !killed && op != Operation::Export {
            assert_eq!(now, whole, "{name} finished unkilled but is not all there");
        }
        if now != before && matches!(op, Operation::Import | Operation::Checkpoint) {
            next_file = files.next().unwrap();
        }
        before = now;
        if op == Operation::Export {
            assert_eq!(
                committed(&exported).unwrap(),
                exported_before,
                "the export changed its case"
            );
            if out_bundle.exists() {
                let report = json(&["bundle", "verify", s(&out_bundle), "--allow-unsigned"]);
                assert_eq!(
                    report["ok"], true,
                    "a bundle left by a kill does not verify: {report}"
                );
            }
        }
        in_checks += checking.elapsed();
    }
    println!("crash: {in_operations:.0?} in the operations, {in_checks:.0?} checking after them");
    println!("crash: {kills:?} kill points, {survived} runs finished before their kill; every case reopened");
}

/// DuckDB lets one process write a case file and no other open it meanwhile. A second program (the
/// app twice, the CLI beside the app) is refused with a sentence naming the holder, and neither the
/// refused program nor the holder's own crash afterwards damages the case.
#[test]
fn a_second_program_on_an_open_case_is_refused_and_the_case_stays_whole() {
    let dir = tmp();
    let case = dir.path().join("shared.casefile");
    json(&["import", s(&case), s(&fixtures().join("canonical.csv"))]);
    let (events_before, sources_before) = events_and_sources(&case);
    let big = dir.path().join("big.jsonl");
    json(&[
        "generate",
        "events",
        s(&big),
        "--events",
        "20000",
        "--streams",
        "2000",
        "--seed",
        "5",
    ]);

    // The holder stops inside its transaction (as a long import would be) and stays there.
    let mut holder = Command::new(bin())
        .args(["import", s(&case), s(&big)])
        .env("CASEFILE_FAULT_PAUSE", "in-transaction")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(holder.stderr.take().unwrap()).lines();
    assert!(lines.any(|l| l.is_ok_and(|l| l.contains("paused at in-transaction"))));
    let pid = holder.id().to_string();
    let other = fixtures().join("cloudevents.jsonl");
    for args in [
        vec!["info", s(&case)],
        vec!["import", s(&case), s(&other)],
        vec!["note", s(&case), "A note from a second window."],
        vec!["sql", s(&case), "SELECT count(*) FROM events"],
    ] {
        let out = run(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error[case_in_use]: The case")
                && stderr.contains("is open in another program")
                && stderr.contains(&pid),
            "{args:?}: {stderr}"
        );
    }
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert_eq!(
        events_and_sources(&case),
        (events_before, sources_before),
        "the refused programs or the holder's crash changed the case"
    );

    // Two imports started together: one writes, the other is refused or goes after it; both
    // files end whole or absent, and the case adds up.
    let second = dir.path().join("second.jsonl");
    json(&[
        "generate",
        "events",
        s(&second),
        "--events",
        "5000",
        "--streams",
        "500",
        "--seed",
        "6",
    ]);
    let start = |file: &Path| {
        Command::new(bin())
            .args(["import", s(&case), s(file)])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (start(&big), start(&second));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    for out in [&a, &b] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() || stderr.starts_with("error[case_in_use]"),
            "{stderr}"
        );
    }
    let expected = events_before
        + if a.status.success() { 20_000 } else { 0 }
        + if b.status.success() { 5_000 } else { 0 };
    assert_eq!(events_and_sources(&case).0, expected);
}

/// A case written by a newer Casefile (a schema this build does not know) is refused with a
/// sentence by every command, and not a byte of it changes.
#[test]
fn a_case_from_a_newer_casefile_is_refused_with_a_sentence_and_left_untouched() {
    let dir = tmp();
    let case = dir.path().join("future.casefile");
    json(&["import", s(&case), s(&fixtures().join("canonical.csv"))]);
    {
        let conn = duckdb::Connection::open(&case).unwrap();
        conn.execute_batch(
            "UPDATE case_meta SET value = '999' WHERE key = 'schema_version'; CHECKPOINT;",
        )
        .unwrap();
    }
    let before = sha256_of(&case);
    for args in [
        vec!["info", s(&case)],
        vec!["import", s(&case), s(&fixtures().join("cloudevents.jsonl"))],
        vec!["note", s(&case), "A note."],
        vec!["sql", s(&case), "SELECT count(*) FROM events"],
    ] {
        let out = run(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error[case_too_new]: The case")
                && stderr.contains("written by a newer Casefile (schema 999")
                && stderr.contains("Upgrade Casefile to open it."),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(
        sha256_of(&case),
        before,
        "the refused commands changed the file"
    );
}
