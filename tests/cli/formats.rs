use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::common::*;

fn gzip(src: &Path, dst: &Path) {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&std::fs::read(src).unwrap()).unwrap();
    std::fs::write(dst, enc.finish().unwrap()).unwrap();
}

fn zstd_file(src: &Path, dst: &Path) {
    std::fs::write(
        dst,
        zstd::encode_all(&std::fs::read(src).unwrap()[..], 3).unwrap(),
    )
    .unwrap();
}

fn import_one(case: &Path, file: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["import", s(case), s(file)];
    args.extend_from_slice(extra);
    let r = json(&args);
    assert_reconciled(&r);
    r["sources"][0].clone()
}

/// Every container and envelope reads the same compressed as plain, detected by content.
#[test]
fn every_format_imports_plain_gzip_and_zstd_alike() {
    let dir = tmp();
    let files: Vec<(PathBuf, &str)> = vec![
        (samples().join("lending/applications.jsonl"), "jsonl"),
        (
            samples().join("lending/bureau-updates.cloudevents.json"),
            "cloudevents",
        ),
        (samples().join("lending/outcomes.kcat.jsonl"), "kcat"),
        (samples().join("hiring/mt_events.csv"), "marten"),
        (samples().join("hiring/domain_event_entry.axon.csv"), "axon"),
        (samples().join("rag/assistant-traces.otlp.json"), "otlp"),
        (fixtures().join("canonical.csv"), "csv"),
        (fixtures().join("canonical-array.json"), "json"),
        (fixtures().join("cloudevents.jsonl"), "cloudevents"),
        (fixtures().join("single-cloudevent.json"), "cloudevents"),
    ];
    for (i, (file, format)) in files.iter().enumerate() {
        let plain = import_one(&dir.path().join(format!("p{i}.casefile")), file, &[]);
        assert_eq!(plain["format"], *format, "{}", file.display());
        assert_eq!(plain["rows_quarantined"], 0, "{}: {plain}", file.display());
        for (kind, ext) in [("gzip", "gz"), ("zstd", "zst")] {
            let packed = dir.path().join(format!("{i}.{ext}"));
            if ext == "gz" {
                gzip(file, &packed);
            } else {
                zstd_file(file, &packed);
            }
            let r = import_one(
                &dir.path().join(format!("{kind}{i}.casefile")),
                &packed,
                &[],
            );
            assert_eq!(r["compression"], kind);
            assert_eq!(r["format"], *format, "{} as {kind}", file.display());
            assert_eq!(
                r["rows_loaded"],
                plain["rows_loaded"],
                "{} as {kind}",
                file.display()
            );
            assert_eq!(r["sha256"], sha256_of(&packed));
        }
    }
}

#[test]
fn otlp_genai_spans_become_decision_events() {
    let dir = tmp();
    let case = dir.path().join("o.casefile");
    import_one(
        &case,
        &samples().join("rag/assistant-traces.otlp.json"),
        &[],
    );
    let page = json(&["events", s(&case), "--type", "gen_ai.chat", "--limit", "1"]);
    let e = &page["events"][0];
    assert_eq!(e["payload"]["decision"], true);
    assert_eq!(e["payload"]["model"], "gpt-4o-mini");
    assert_eq!(e["payload"]["model_version"], "gpt-4o-mini-2024-07-18");
    assert_eq!(e["payload"]["parameters"]["temperature"], 0.2);
    assert!(e["payload"]["usage"]["input_tokens"].as_i64().unwrap() > 0);
    assert_eq!(e["payload"]["input_messages"][0]["role"], "user");
    assert_eq!(e["stream_type"], "Conversation");
    assert_eq!(e["recorded_at_defaulted"], false);
    assert!(
        e["causation_id"].is_string(),
        "the parent span is the cause"
    );
}

#[test]
fn kcat_uses_the_broker_time_as_recorded_and_headers_for_ids() {
    let dir = tmp();
    let case = dir.path().join("k.casefile");
    import_one(&case, &samples().join("lending/outcomes.kcat.jsonl"), &[]);
    let rows = sql(
        &case,
        "SELECT count(*), count(*) FILTER (WHERE recorded_at > occurred_at + INTERVAL 13 DAY), count(DISTINCT event_id) FROM events",
    );
    assert_eq!(
        rows[0][0], rows[0][1],
        "outcomes arrive at least two weeks after they happen"
    );
    assert_eq!(rows[0][0], rows[0][2]);
    let e = &json(&["events", s(&case), "--limit", "1"])["events"][0];
    assert!(e["event_id"].as_str().unwrap().starts_with("len-"));
    assert_eq!(e["metadata"]["kafka"]["topic"], "loan-outcomes");
}

#[test]
fn delimited_rows_with_the_wrong_field_count_are_quarantined_by_line() {
    let dir = tmp();
    let case = dir.path().join("csv.casefile");
    let src = import_one(&case, &fixtures().join("bad.csv"), &[]);
    assert_eq!(src["rows_quarantined"], 2);
    let q = json(&["quarantine", s(&case)]);
    let reasons: Vec<(i64, String)> = q["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_i64().unwrap(),
                r["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        reasons[0],
        (3, "row has 4 fields but the header has 5".to_string())
    );
    assert_eq!(reasons[1].0, 5);
    assert_eq!(
        reasons[1].1,
        "payload starts like JSON (an object or array) but does not parse"
    );
}

#[test]
fn a_mapping_file_reads_a_format_nobody_anticipated() {
    let dir = tmp();
    let case = dir.path().join("m.casefile");
    let file = fixtures().join("legacy-audit.jsonl");
    // Without the mapping the file is refused with a sentence that says what to do.
    let out = run(&["import", s(&case), s(&file)]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--map") && err.contains("who"), "{err}");
    let src = import_one(
        &case,
        &file,
        &["--map", s(&fixtures().join("legacy-audit.toml"))],
    );
    assert_eq!(src["format"], "mapped");
    assert_eq!(src["rows_loaded"], 3);
    let e = &json(&["events", s(&case), "--limit", "1"])["events"][0];
    assert_eq!(e["stream_id"], "acct-77");
    assert_eq!(e["stream_type"], "Account");
    assert_eq!(e["event_type"], "LimitRaised");
    assert_eq!(e["occurred_at"], "2024-02-03T14:05:00Z");
    assert_eq!(e["actor"], "ops/kim");
    assert_eq!(e["payload"]["limit"], 5000);
    assert_eq!(e["metadata"]["terminal"], "T-9");
    let info = json(&["info", s(&case)]);
    assert!(info["sources"][0]["mapping"]
        .as_str()
        .unwrap()
        .contains("who"));
}

#[test]
fn a_broken_json_document_fails_whole_with_the_file_named() {
    let dir = tmp();
    let case = dir.path().join("j.casefile");
    let file = dir.path().join("broken.json");
    std::fs::write(&file, "[{\"id\": 1,\n {\"id\": 2}]").unwrap();
    let out = run(&["import", s(&case), s(&file)]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken.json") && err.contains("not valid JSON"),
        "{err}"
    );
    assert_eq!(json(&["info", s(&case)])["events"], 0);
}

#[test]
fn unmapped_keys_are_kept_in_metadata_and_padded_values_are_trimmed() {
    let dir = tmp();
    let case = dir.path().join("meta.casefile");
    let file = dir.path().join("meta.jsonl");
    std::fs::write(
        &file,
        concat!(
            // Only envelope keys: nothing is left over.
            r#"{"event_id":"m-1","stream_id":"acct-1","event_type":"Opened","occurred_at":"2024-03-01T09:00:00Z","payload":{"a":1}}"#, "\n",
            // One extra key beside every envelope key.
            r#"{"event_id":"m-2","stream_id":"acct-1","event_type":"Noted","occurred_at":"2024-03-01T09:01:00Z","payload":{},"tenant":"t-9"}"#, "\n",
            // An envelope key that is null plus an extra key: the same count, but something is left.
            r#"{"event_id":"m-3","stream_id":"acct-1","event_type":"Noted","occurred_at":"2024-03-01T09:02:00Z","actor":null,"region":"eu"}"#, "\n",
            // Padded values are trimmed; a blank stream id is missing.
            r#"{"event_id":" m-4 ","stream_id":"  acct-2","event_type":"Opened\t","occurred_at":" 2024-03-01T09:03:00Z "}"#, "\n",
            r#"{"event_id":"m-5","stream_id":"   ","event_type":"Opened","occurred_at":"2024-03-01T09:04:00Z"}"#, "\n",
            // Not objects.
            "[1, 2]\n",
            " \"text\"\n",
        ),
    )
    .unwrap();
    let report = json(&["import", s(&case), s(&file)]);
    assert_reconciled(&report);
    assert_eq!(report["sources"][0]["rows_loaded"], 4);
    let meta = |id: &str| {
        let rows = sql(
            &case,
            &format!("SELECT metadata FROM events WHERE event_id = '{id}'"),
        );
        let text = rows[0][0].as_str().unwrap().to_string();
        serde_json::from_str::<Value>(&text).unwrap()
    };
    assert_eq!(meta("m-1"), serde_json::json!({}));
    assert_eq!(meta("m-2"), serde_json::json!({"tenant": "t-9"}));
    assert_eq!(meta("m-3"), serde_json::json!({"region": "eu"}));
    let trimmed = sql(
        &case,
        "SELECT stream_id, event_type, strftime(occurred_at, '%H:%M') FROM events WHERE event_id = 'm-4'",
    );
    assert_eq!(
        trimmed[0],
        vec![
            Value::from("acct-2"),
            Value::from("Opened"),
            Value::from("09:03")
        ]
    );
    let q = json(&["quarantine", s(&case)]);
    assert!(
        quarantine_reason(&q, 5).starts_with("no stream id"),
        "{}",
        quarantine_reason(&q, 5)
    );
    assert_eq!(
        quarantine_reason(&q, 6),
        "not a JSON object (found an array)"
    );
    assert_eq!(
        quarantine_reason(&q, 7),
        "not a JSON object (found a string)"
    );
}
