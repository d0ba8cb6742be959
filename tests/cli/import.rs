use crate::common::*;
use serde_json::Value;

#[test]
fn every_sample_imports_reconciled_with_custody_hashes_equal_to_sha256sum() {
    let dir = tmp();
    let case = dir.path().join("all.casefile");
    let files: Vec<std::path::PathBuf> =
        ["lending", "hiring", "clinical", "rag", "orders", "docs-qa"]
            .iter()
            .flat_map(|d| {
                std::fs::read_dir(samples().join(d))
                    .unwrap()
                    .map(|e| e.unwrap().path())
            })
            .collect();
    let mut args = vec!["import", s(&case)];
    args.extend(files.iter().map(|p| s(p)));
    let report = json(&args);
    assert_reconciled(&report);
    let sources = report["sources"].as_array().unwrap();
    assert_eq!(sources.len(), files.len());
    for src in sources {
        let path = std::path::Path::new(src["path"].as_str().unwrap());
        assert_eq!(
            src["sha256"],
            sha256_of(path),
            "custody hash of {}",
            path.display()
        );
        if let Ok(out) = std::process::Command::new("sha256sum").arg(path).output() {
            let tool = String::from_utf8_lossy(&out.stdout);
            let tool_hash = tool.split_whitespace().next();
            assert_eq!(
                src["sha256"].as_str(),
                tool_hash,
                "sha256sum of {}",
                path.display()
            );
        }
        assert_eq!(
            src["rows_quarantined"],
            0,
            "clean sample {} had quarantined rows",
            path.display()
        );
        // The hiring sample holds its Marten table twice (a CSV copy and a pg_dump): whichever
        // is read second is all exact duplicates of the first.
        let twice = path.ends_with("hiring/mt_events.csv")
            || path.ends_with("hiring/mt_events.pg_dump.sql");
        if !twice {
            assert!(src["rows_loaded"].as_u64().unwrap() > 0);
        }
    }
    let marten: Vec<&serde_json::Value> = sources
        .iter()
        .filter(|s| s["path"].as_str().unwrap().contains("hiring/mt_events."))
        .collect();
    assert_eq!(marten.len(), 2);
    assert_eq!(marten[0]["rows_read"], marten[1]["rows_read"]);
    assert_eq!(
        marten[0]["rows_loaded"], marten[1]["duplicates"],
        "the second read is all duplicates"
    );
    assert_eq!(marten[1]["rows_loaded"], 0);
    let format_of = |name: &str| {
        sources
            .iter()
            .find(|s| s["path"].as_str().unwrap().ends_with(name))
            .map(|s| {
                (
                    s["format"].as_str().unwrap().to_string(),
                    s["compression"].as_str().unwrap().to_string(),
                )
            })
            .unwrap()
    };
    assert_eq!(format_of("applications.jsonl").0, "jsonl");
    assert_eq!(
        format_of("bureau-updates.cloudevents.json").0,
        "cloudevents"
    );
    assert_eq!(format_of("outcomes.kcat.jsonl").0, "kcat");
    assert_eq!(format_of("mt_events.csv").0, "marten");
    assert_eq!(format_of("mt_events.pg_dump.sql").0, "sql");
    assert_eq!(format_of("domain_event_entry.axon.csv").0, "axon");
    assert_eq!(format_of("ward-events.parquet").0, "parquet");
    assert_eq!(
        format_of("assistant-events.jsonl.zst"),
        ("jsonl".into(), "zstd".into())
    );
    assert_eq!(format_of("assistant-traces.otlp.json").0, "otlp");
    assert_eq!(format_of("orders.kcat.jsonl").0, "kcat");
    assert_eq!(format_of("docs-qa.openinference.json").0, "otlp");

    // `info` reports the same sources, and the totals add up.
    let info = json(&["info", s(&case)]);
    let loaded: u64 = sources
        .iter()
        .map(|s| s["rows_loaded"].as_u64().unwrap())
        .sum();
    assert_eq!(info["events"].as_u64().unwrap(), loaded);
    assert_eq!(info["sources"].as_array().unwrap().len(), files.len());
    for key in [
        "streams",
        "first_at",
        "last_at",
        "event_types",
        "stream_types",
    ] {
        assert!(!info[key].is_null(), "info lacks {key}");
    }
    assert!(info["event_types"]["LoanDecisionMade"].as_u64().unwrap() > 100);
    // 40 chat spans in the rag sample, 4 OpenInference LLM spans in docs-qa.
    assert!(info["event_types"]["gen_ai.chat"].as_u64().unwrap() == 44);
    assert!(info["stream_types"]["Applicant"].as_u64().unwrap() == 240);
}

#[test]
fn bad_rows_are_quarantined_with_specific_reasons_and_every_finding_is_raised() {
    let dir = tmp();
    let case = dir.path().join("bad.casefile");
    let file = samples().join("bad/bad-rows.jsonl");
    let report = json(&["import", s(&case), s(&file)]);
    assert_reconciled(&report);
    let src = &report["sources"][0];
    assert_eq!(src["duplicates"], 1, "{src}");
    assert_eq!(src["blank_lines"], 1);
    let q = json(&["quarantine", s(&case)]);
    assert!(
        quarantine_reason(&q, 2).starts_with("not JSON: EOF while parsing"),
        "{}",
        quarantine_reason(&q, 2)
    );
    assert_eq!(
        quarantine_reason(&q, 3),
        "not a JSON object (found an array)"
    );
    assert!(quarantine_reason(&q, 4).starts_with("no stream id"));
    assert!(quarantine_reason(&q, 5).starts_with("no event type"));
    assert!(quarantine_reason(&q, 6).starts_with("no timestamp"));
    assert_eq!(
        quarantine_reason(&q, 7),
        "unparseable timestamp 'last tuesday' for occurred_at"
    );
    assert!(quarantine_reason(&q, 8).contains("for recorded_at"));
    assert!(quarantine_reason(&q, 9).starts_with("not valid UTF-8"));
    assert_eq!(
        quarantine_reason(&q, 11),
        "duplicate event_id bad-001 with a different body than this file row 1"
    );
    assert_eq!(
        quarantine_reason(&q, 12),
        "stream_version 'two' is not a whole number"
    );
    // Raw text is kept as read.
    let raw7 = q["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["row"] == 7)
        .unwrap()["raw"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(raw7.contains("last tuesday") && raw7.starts_with('{'));
    assert_eq!(
        q["rows"].as_array().unwrap().len() as u64,
        src["rows_quarantined"].as_u64().unwrap()
    );

    let kinds: std::collections::BTreeSet<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_string())
        .collect();
    for kind in [
        "version_gap",
        "duplicate_version",
        "recorded_at_backwards",
        "recorded_before_occurred",
        "dangling_causation",
        "unknown_correction_target",
        "implausible_timestamp",
        "conflicting_duplicate",
    ] {
        assert!(kinds.contains(kind), "no {kind} finding in {kinds:?}");
    }
    let gap = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "version_gap")
        .unwrap();
    assert_eq!(gap["event_id"], "bad-014");
    assert!(gap["message"]
        .as_str()
        .unwrap()
        .contains("from version 2 to 5"));
}

#[test]
fn times_are_read_on_both_axes_from_every_notation() {
    let dir = tmp();
    let case = dir.path().join("t.casefile");
    json(&["import", s(&case), s(&samples().join("bad/bad-rows.jsonl"))]);
    let rows = sql(
        &case,
        "SELECT event_id, strftime(occurred_at, '%Y-%m-%dT%H:%M:%S.%f'), naive_time, recorded_at_defaulted FROM events WHERE stream_id = 'account-4' ORDER BY event_id",
    );
    let got: Vec<(String, String, bool, bool)> = rows
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap().into(),
                r[1].as_str().unwrap().into(),
                r[2].as_bool().unwrap(),
                r[3].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "bad-022".into(),
                "2024-06-03T08:00:00.000000".into(),
                true,
                true
            ),
            (
                "bad-023".into(),
                "2024-06-03T08:00:00.000000".into(),
                false,
                true
            ),
            (
                "bad-024".into(),
                "2024-06-03T08:00:00.123000".into(),
                false,
                true
            ),
            (
                "bad-025".into(),
                "2024-06-03T08:00:00.123456".into(),
                false,
                true
            ),
            (
                "bad-027".into(),
                "2024-06-03T07:00:00.000000".into(),
                false,
                true
            ),
        ]
    );
    let src = &json(&["info", s(&case)])["sources"][0];
    assert_eq!(src["naive_timestamps"], 1);
    assert!(src["recorded_at_defaulted"].as_u64().unwrap() >= 5);
}

#[test]
fn reimporting_an_identical_file_changes_nothing_and_says_so() {
    let dir = tmp();
    let case = dir.path().join("r.casefile");
    let file = samples().join("lending/applications.jsonl");
    let first = json(&["import", s(&case), s(&file)]);
    let before = json(&["info", s(&case)]);
    let second = json(&["import", s(&case), s(&file)]);
    let after = json(&["info", s(&case)]);
    assert_eq!(second["sources"][0]["already_imported"], true);
    assert_eq!(second["sources"][0]["rows_loaded"], 0);
    assert_eq!(
        second["sources"][0]["source_id"],
        first["sources"][0]["source_id"]
    );
    assert!(second["sources"][0]["message"]
        .as_str()
        .unwrap()
        .contains("Already imported"));
    assert_eq!(before["events"], after["events"]);
    assert_eq!(before["sources"], after["sources"]);
}

#[test]
fn the_same_events_in_another_file_are_counted_as_duplicates_not_loaded_twice() {
    let dir = tmp();
    let case = dir.path().join("d.casefile");
    let file = samples().join("lending/applications.jsonl");
    let copy = dir.path().join("applications-copy.jsonl");
    // Same events, different bytes (a trailing blank line): a different sha256.
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.extend_from_slice(b"\n");
    std::fs::write(&copy, bytes).unwrap();
    let first = json(&["import", s(&case), s(&file)]);
    let second = json(&["import", s(&case), s(&copy)]);
    assert_reconciled(&second);
    assert_eq!(second["sources"][0]["rows_loaded"], 0);
    assert_eq!(
        second["sources"][0]["duplicates"],
        first["sources"][0]["rows_loaded"]
    );
    assert_eq!(
        json(&["info", s(&case)])["events"],
        first["sources"][0]["rows_loaded"]
    );
}

#[test]
fn sources_are_opened_read_only_and_never_modified() {
    let dir = tmp();
    let case = dir.path().join("ro.casefile");
    let file = dir.path().join("applications.jsonl");
    std::fs::copy(samples().join("lending/applications.jsonl"), &file).unwrap();
    let mut perms = std::fs::metadata(&file).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&file, perms).unwrap();
    let hash_before = sha256_of(&file);
    let modified_before = std::fs::metadata(&file).unwrap().modified().unwrap();
    let report = json(&["import", s(&case), s(&file)]);
    assert_eq!(report["sources"][0]["sha256"], hash_before);
    assert_eq!(sha256_of(&file), hash_before);
    assert_eq!(
        std::fs::metadata(&file).unwrap().modified().unwrap(),
        modified_before
    );
}

#[test]
fn custody_records_who_when_how_and_with_which_mapping() {
    let dir = tmp();
    let case = dir.path().join("c.casefile");
    let file = samples().join("hiring/mt_events.csv");
    json(&["import", s(&case), s(&file)]);
    let src = &json(&["info", s(&case)])["sources"][0];
    assert_eq!(src["format"], "marten");
    assert!(src["detected_by"].as_str().unwrap().contains("Marten"));
    // Marten rows are rebuilt in Rust (ingest/tables.rs) and read with the canonical mapping,
    // whose stream types were settled while reading.
    let mapping = src["mapping"].as_str().unwrap();
    assert!(
        mapping.contains("stream_id") && mapping.contains("derive_stream_type = false"),
        "{mapping}"
    );
    assert!(src["tool_version"]
        .as_str()
        .unwrap()
        .starts_with("casefile "));
    assert!(!src["imported_by"].as_str().unwrap().is_empty());
    assert!(src["imported_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        src["size_bytes"].as_u64().unwrap(),
        std::fs::metadata(&file).unwrap().len()
    );
    assert!(src["path"].as_str().unwrap().starts_with('/'));
}

#[test]
fn events_can_be_filtered_by_stream_type_and_time() {
    let dir = tmp();
    let case = dir.path().join("e.casefile");
    json(&[
        "import",
        s(&case),
        s(&samples().join("lending/applications.jsonl")),
    ]);
    let page = json(&[
        "events",
        s(&case),
        "--stream",
        "applicant-0005",
        "--limit",
        "1000",
    ]);
    let events = page["events"].as_array().unwrap();
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| e["stream_id"] == "applicant-0005"));
    let times: Vec<&str> = events
        .iter()
        .map(|e| e["occurred_at"].as_str().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "events are in occurred order"
    );
    let decisions = json(&[
        "events",
        s(&case),
        "--type",
        "LoanDecisionMade",
        "--from",
        "2024-03-15T06:00:00Z",
        "--limit",
        "5",
    ]);
    assert!(decisions["total"].as_u64().unwrap() > 0);
    for e in decisions["events"].as_array().unwrap() {
        assert_eq!(e["payload"]["model_version"], "v2.4.0");
    }
    let bad = run(&["events", s(&case), "--from", "someday"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("RFC 3339"));
}

#[test]
fn a_missing_case_or_source_is_a_clear_error() {
    let dir = tmp();
    let nope = dir.path().join("nope.casefile");
    let out = run(&["info", s(&nope)]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("does not exist"));
    // The sentence names no command; the hint under it is the command that creates the case.
    let (sentence, hint) = stderr.split_once("\n  try: ").expect("a hint line");
    assert!(!sentence.contains("casefile import"), "{sentence}");
    assert_eq!(
        hint.trim(),
        format!("casefile import {} FILE...", nope.display())
    );
    let json = run(&["info", s(&nope), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["error"]["code"], "case_not_found");
    assert_eq!(v["error"]["hint"]["action"], "import_into");
    assert_eq!(v["error"]["hint"]["case"], nope.display().to_string());
    let out = run(&[
        "import",
        s(&dir.path().join("x.casefile")),
        s(&dir.path().join("missing.jsonl")),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.jsonl"));
}

/// A Parquet file that once tripped an assertion in DuckDB's reader, which invalidated the case's
/// whole database: it is read in a helper process first, refused there, and the case goes on.
#[test]
fn a_parquet_file_that_breaks_the_reader_is_refused_and_the_case_goes_on() {
    let dir = tmp();
    let case = dir.path().join("c.casefile");
    let bad = fixtures().join("hostile/parquet-column-chunk-without-metadata.parquet");
    json(&[
        "import",
        s(&case),
        s(&samples().join("clinical/ward-events.parquet")),
    ]);
    let before = json(&["info", s(&case)]);

    let out = run(&["import", s(&case), s(&bad)]);
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("[source_format]") && said.contains("not a Parquet file that can be read"),
        "{said}"
    );
    assert_eq!(
        json(&["info", s(&case)]),
        before,
        "the refusal changed the case"
    );

    // And the case takes the next file.
    let report = json(&[
        "import",
        s(&case),
        s(&samples().join("lending/applications.jsonl")),
    ]);
    assert!(
        report["sources"][0]["rows_loaded"].as_u64().unwrap() > 0,
        "{report}"
    );
}

#[test]
fn findings_are_written_one_by_one_as_the_same_json_and_text_a_whole_list_would_be() {
    let dir = tmp();
    let case = lending_case(dir.path());
    let out = run(&["findings", s(&case), "--json"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    // Byte for byte what pretty-printing the whole document gives.
    assert_eq!(text, serde_json::to_string_pretty(&doc).unwrap() + "\n");
    // Every finding the case holds, counted by SQL, in the order they were raised.
    let stored = sql(
        &case,
        "SELECT kind, message FROM findings ORDER BY finding_id",
    );
    let listed: Vec<Vec<Value>> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| vec![f["kind"].clone(), f["message"].clone()])
        .collect();
    assert!(!stored.is_empty());
    assert_eq!(listed, stored);
    let words = run(&["findings", s(&case)]);
    let words = String::from_utf8(words.stdout).unwrap();
    assert_eq!(words.lines().count(), stored.len() + 1);
    assert!(
        words.ends_with(&format!("({} findings)\n", stored.len())),
        "{words}"
    );
    // A case without findings: an empty list, as a whole document would print it.
    let empty = dir.path().join("empty.casefile");
    let line = dir.path().join("one.jsonl");
    std::fs::write(
        &line,
        r#"{"event_id":"e1","stream_id":"s1","event_type":"Opened","stream_version":1,"occurred_at":"2024-01-01T00:00:00Z","recorded_at":"2024-01-01T00:00:01Z","payload":{}}"#,
    )
    .unwrap();
    json(&["import", s(&empty), s(&line)]);
    let none = run(&["findings", s(&empty), "--json"]);
    assert_eq!(
        String::from_utf8(none.stdout).unwrap(),
        "{\n  \"findings\": []\n}\n"
    );
}
