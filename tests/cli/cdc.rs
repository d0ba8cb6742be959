//! Change data capture: Debezium change events become an entity timeline. Each fixture of
//! `tests/fixtures/formats/debezium/` is imported through the CLI; the counts, stream ids, times
//! and decoded values expected here are the ones SHAPES.md works out for each file (not what the
//! code happens to produce).

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::common::*;

fn fixture(name: &str) -> PathBuf {
    fixtures().join("formats/debezium").join(name)
}

/// Imports one fixture into a new case in `dir`; returns the case and its source report.
fn import(dir: &Path, name: &str) -> (PathBuf, Value) {
    let case = dir.join(format!("{name}.casefile"));
    let report = json(&["import", s(&case), s(&fixture(name))]);
    assert_reconciled(&report);
    assert_eq!(report["sources"][0]["format"], "debezium", "{report}");
    (case, report["sources"][0].clone())
}

fn counts(src: &Value) -> (u64, u64, u64) {
    let n = |k: &str| src[k].as_u64().unwrap();
    (n("rows_read"), n("rows_loaded"), n("rows_quarantined"))
}

fn events(case: &Path) -> Vec<Value> {
    json(&["events", s(case), "--limit", "1000"])["events"]
        .as_array()
        .unwrap()
        .clone()
}

/// The events of a stream, in the order they occurred.
fn stream(all: &[Value], id: &str) -> Vec<Value> {
    let mut out: Vec<Value> = all
        .iter()
        .filter(|e| e["stream_id"] == id)
        .cloned()
        .collect();
    out.sort_by_key(|e| {
        chrono::DateTime::parse_from_rfc3339(e["occurred_at"].as_str().unwrap()).unwrap()
    });
    out
}

fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect()
}

fn state(case: &Path, stream: &str, at: &str, axis: &str) -> Value {
    json(&["state", s(case), stream, "--at", at, "--axis", axis])
}

fn stream_ids(all: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = all
        .iter()
        .map(|e| e["stream_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

#[test]
fn debezium_values_with_their_schema_become_a_timeline_of_the_candidates_table() {
    let dir = tmp();
    let (case, src) = import(dir.path(), "candidates.pg.with-schema.jsonl");
    // SHAPES.md: 6 records, one per change, all valid.
    assert_eq!(counts(&src), (6, 6, 0));
    let all = events(&case);
    assert_eq!(
        stream_ids(&all),
        [
            "candidates",
            "candidates/1001",
            "candidates/1002",
            "candidates/1003"
        ]
    );
    assert!(all.iter().all(|e| e["stream_type"] == "candidates"));
    let ada = stream(&all, "candidates/1001");
    assert_eq!(types(&ada), ["RowSnapshotted", "RowUpdated"]);
    assert_eq!(
        types(&stream(&all, "candidates/1002")),
        ["RowSnapshotted", "RowDeleted"]
    );
    assert_eq!(types(&stream(&all, "candidates/1003")), ["RowCreated"]);
    assert_eq!(types(&stream(&all, "candidates")), ["TableTruncated"]);

    // Change 4: both axes, the commit (source) and the connector's processing (envelope).
    let update = &ada[1];
    assert_eq!(update["occurred_at"], "2024-04-02T09:40:00.500211Z");
    assert_eq!(update["recorded_at"], "2024-04-02T09:40:00.707015Z");
    assert_eq!(update["metadata"]["debezium"]["op"], "u");
    assert_eq!(update["metadata"]["debezium"]["source"]["lsn"], 24023984);
    assert_eq!(
        update["metadata"]["debezium"]["unavailable"],
        json!(["notes"])
    );
    assert_eq!(update["correlation_id"], "783");
    // Snapshot rows: committed at the snapshot, processed a moment later.
    assert_eq!(ada[0]["occurred_at"], "2024-04-02T08:00:00Z");
    assert_eq!(ada[0]["recorded_at"], "2024-04-02T08:00:00.412310Z");

    // Values decoded by the schema: Decimal (scale 2, precision 10: a number), Date, MicroTimestamp.
    let first = &ada[0]["payload"];
    assert_eq!(first["expected_salary"], json!(98000.0));
    assert_eq!(first["birth_date"], "1990-05-17");
    assert_eq!(first["created_at"], "2024-04-01T09:47:51.238822");
    assert_eq!(first["updated_at"], "2024-04-01T09:47:51.238822Z");
    let zoe = stream(&all, "candidates/1002");
    assert_eq!(zoe[0]["payload"]["expected_salary"], json!(72000.5));
    assert_eq!(zoe[0]["payload"]["birth_date"], "1994-11-02");
    assert_eq!(zoe[0]["payload"]["full_name"], "Zoë Martín");
    // The delete: no payload, the key-only `before` kept.
    assert!(zoe[1]["payload"].is_null());
    assert_eq!(zoe[1]["metadata"]["debezium"]["before"]["id"], 1002);
    assert_eq!(
        zoe[1]["metadata"]["debezium"]["before"]["full_name"],
        Value::Null
    );

    // The time machine: after the update, `after` replaced the row, but `notes` (not sent: the
    // unavailable placeholder) keeps the value it had.
    let s1001 = state(&case, "candidates/1001", "2024-04-02T09:45:00Z", "occurred");
    assert_eq!(s1001["state"]["status"], "screened");
    assert_eq!(s1001["state"]["notes"], "Referred by M. Chen");
    assert_eq!(s1001["state"]["expected_salary"], json!(98000.0));
    assert_eq!(s1001["events_applied"], 2);
    // Before the update (on the connector's axis), still the snapshot's row.
    let before = state(
        &case,
        "candidates/1001",
        "2024-04-02T09:40:00.600Z",
        "recorded",
    );
    assert_eq!(before["state"]["status"], "applied");
    // 1002 exists until its delete, and is gone after it.
    let alive = state(&case, "candidates/1002", "2024-04-02T09:59:59Z", "occurred");
    assert_eq!(alive["exists"], true, "{alive}");
    let gone = state(&case, "candidates/1002", "2024-04-02T10:30:00Z", "occurred");
    assert_eq!(gone["exists"], false, "{gone}");
    // The truncate is one event of the table's own stream.
    let table = stream(&all, "candidates");
    assert_eq!(table[0]["occurred_at"], "2024-04-03T10:00:00.000004Z");
    assert_eq!(table[0]["recorded_at"], "2024-04-03T10:00:00.123456Z");
}

#[test]
fn a_kcat_dump_of_the_topic_keys_rows_by_the_kafka_key_and_its_tombstone_ends_the_row() {
    let dir = tmp();
    let case = dir.path().join("k.casefile");
    let report = json(&["import", s(&case), s(&fixture("candidates.pg.kcat.jsonl"))]);
    assert_reconciled(&report);
    let src = &report["sources"][0];
    // kcat dumps are read by the Kafka module, which hands the Debezium payloads on.
    assert_eq!(src["format"], "kcat");
    // SHAPES.md: 7 records (offsets 40-46): 6 changes and 1 tombstone, none invalid.
    assert_eq!(counts(src), (7, 7, 0));
    // Contiguous offsets: no gap.
    assert!(!report["findings"].to_string().contains("offset_gap"));
    let all = events(&case);
    assert_eq!(
        stream_ids(&all),
        [
            "candidates",
            "candidates/1001",
            "candidates/1002",
            "candidates/1003"
        ]
    );
    let zoe = stream(&all, "candidates/1002");
    assert_eq!(types(&zoe), ["RowSnapshotted", "RowDeleted", "Tombstone"]);
    let tombstone = &zoe[2];
    assert_eq!(tombstone["event_id"], "hiringdb.public.candidates/0@45");
    assert_eq!(tombstone["occurred_at"], "2024-04-02T10:00:00.222Z");
    assert_eq!(tombstone["metadata"]["time_placed"], "kafka_timestamp");
    assert_eq!(zoe[1]["event_id"], "hiringdb.public.candidates/0@44");
    assert_eq!(zoe[1]["occurred_at"], "2024-04-02T10:00:00.000311Z");
    assert_eq!(zoe[1]["recorded_at"], "2024-04-02T10:00:00.221004Z");
    // No schema: the decimal cannot be decoded (its scale is unknown), so it stays as written.
    let ada = stream(&all, "candidates/1001");
    assert_eq!(ada[0]["payload"]["expected_salary"], "AJWJQA==");
    assert_eq!(ada[0]["payload"]["birth_date"], 7441);
    assert!(ada[0]["metadata"]["debezium"]["schema_absent"]
        .as_str()
        .unwrap()
        .contains("Decimal"));
    assert_eq!(ada[0]["metadata"]["kafka"]["offset"], 40);
    assert_eq!(ada[0]["metadata"]["debezium"]["key"], json!({"id": 1001}));
    // The truncate's record has no key; it is the table's.
    assert_eq!(types(&stream(&all, "candidates")), ["TableTruncated"]);

    let s1001 = state(&case, "candidates/1001", "2024-04-02T12:00:00Z", "recorded");
    assert_eq!(s1001["state"]["status"], "screened");
    assert_eq!(s1001["state"]["notes"], "Referred by M. Chen");
    let gone = state(&case, "candidates/1002", "2024-04-02T12:00:00Z", "recorded");
    assert_eq!(gone["exists"], false, "{gone}");
    // Forced as debezium, the same dump reads the same.
    let forced = dir.path().join("f.casefile");
    let report = json(&[
        "import",
        s(&forced),
        s(&fixture("candidates.pg.kcat.jsonl")),
        "--format",
        "debezium",
    ]);
    assert_eq!(report["sources"][0]["format"], "debezium");
    assert_eq!(counts(&report["sources"][0]), (7, 7, 0));
}

#[test]
fn unwrapped_rows_fold_like_the_envelopes_they_came_from() {
    let dir = tmp();
    let (case, src) = import(dir.path(), "candidates.pg.unwrapped.jsonl");
    // SHAPES.md: 4 records (changes 1, 3, 4, 5), all valid.
    assert_eq!(counts(&src), (4, 4, 0));
    let all = events(&case);
    // The rows name no table (the transform was not asked to add it): the stream is the key.
    assert_eq!(stream_ids(&all), ["1001", "1002", "1003"]);
    assert_eq!(
        types(&stream(&all, "1001")),
        ["RowSnapshotted", "RowUpdated"]
    );
    let delete = &stream(&all, "1002")[0];
    assert_eq!(delete["event_type"], "RowDeleted");
    assert_eq!(delete["occurred_at"], "2024-04-02T10:00:00Z");
    assert!(delete["payload"].is_null());
    let s1001 = state(&case, "1001", "2024-04-03T00:00:00Z", "occurred");
    assert_eq!(s1001["state"]["status"], "screened");
    assert_eq!(s1001["state"]["notes"], "Referred by M. Chen");
    assert!(s1001["state"].get("__op").is_none());
    assert_eq!(
        state(&case, "1002", "2024-04-03T00:00:00Z", "occurred")["exists"],
        false
    );
}

#[test]
fn kafka_console_consumer_lines_of_a_mysql_table_with_a_tombstone() {
    let dir = tmp();
    let (case, src) = import(dir.path(), "payouts.mysql.console-consumer.txt");
    // SHAPES.md: 5 records, 4 changes and 1 tombstone.
    assert_eq!(counts(&src), (5, 5, 0));
    let all = events(&case);
    assert_eq!(stream_ids(&all), ["payouts/501", "payouts/502"]);
    assert_eq!(
        types(&stream(&all, "payouts/501")),
        ["RowCreated", "RowUpdated"]
    );
    let reversal = stream(&all, "payouts/502");
    assert_eq!(types(&reversal), ["RowCreated", "RowDeleted", "Tombstone"]);
    assert_eq!(reversal[1]["occurred_at"], "2025-03-15T09:00:00Z");
    assert_eq!(reversal[1]["recorded_at"], "2025-03-15T09:00:00.448Z");
    assert_eq!(reversal[2]["occurred_at"], "2025-03-15T09:00:00.450Z");
    // A schema-less decimal stays base64.
    assert_eq!(reversal[0]["payload"]["amount"], "/bX3");
    // MySQL's binlog position is in the source block.
    assert_eq!(
        reversal[0]["metadata"]["debezium"]["source"]["file"],
        "mysql-bin.000004"
    );
    let paid = state(&case, "payouts/501", "2025-03-15T00:00:00Z", "occurred");
    assert_eq!(paid["state"]["status"], "PAID");
    assert_eq!(
        state(&case, "payouts/502", "2025-03-16T00:00:00Z", "occurred")["exists"],
        false
    );
}

#[test]
fn a_debezium_0_9_document_reads_ts_usec_as_the_commit_time() {
    let dir = tmp();
    let (case, src) = import(dir.path(), "candidates.pg.debezium-0.9.json");
    // SHAPES.md: 1 record, valid; no key, so the stream comes from after.id.
    assert_eq!(counts(&src), (1, 1, 0));
    let e = &events(&case)[0];
    assert_eq!(e["stream_id"], "candidates/7");
    assert_eq!(e["event_type"], "RowCreated");
    assert_eq!(e["occurred_at"], "2019-02-03T10:15:30.125311Z");
    assert_eq!(e["recorded_at"], "2019-02-03T10:15:30.598Z");
    assert_eq!(e["metadata"]["debezium"]["source"]["snapshot"], false);
    // No schema: the MicroTimestamp stays the number the connector wrote.
    assert_eq!(e["payload"]["created_at"], 1549188930123000i64);
}
