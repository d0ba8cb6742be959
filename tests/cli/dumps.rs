//! What administrators hand over: plain `pg_dump` files of event-store tables (COPY blocks and
//! INSERTs of every style), MySQL/MariaDB dumps, `psql \copy` CSVs with Postgres's own spellings,
//! Axon's XStream XML, and whole folders (partition keys, a stream table beside the events). The
//! fixtures are in `tests/fixtures/formats/{pgdump,mysqldump,psql-copy,axon-xstream}/`; each
//! folder's SHAPES.md lists every row with its stream, type and UTC time, counted by reading the
//! files, and the numbers below are taken from there.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;

fn formats() -> PathBuf {
    fixtures().join("formats")
}

fn import(case: &Path, path: &Path, extra: &[&str]) -> Value {
    import_reconciled(case, path, extra)
}

fn counts(src: &Value) -> (u64, u64, u64, u64) {
    let n = |k: &str| src[k].as_u64().unwrap();
    (
        n("rows_read"),
        n("rows_loaded"),
        n("rows_quarantined"),
        n("duplicates"),
    )
}

/// A table of the report by name: (role, rows read, loaded, quarantined).
fn table<'r>(src: &'r Value, name: &str) -> &'r Value {
    src["tables"]
        .as_array()
        .unwrap_or_else(|| panic!("no tables in {src}"))
        .iter()
        .find(|t| t["table"] == name)
        .unwrap_or_else(|| panic!("no table {name} in {}", src["tables"]))
}

/// Every event table reconciles on its own.
fn assert_tables_reconciled(src: &Value) {
    for t in src["tables"].as_array().unwrap() {
        if t["role"] == "events" {
            let n = |k: &str| t[k].as_u64().unwrap();
            assert_eq!(
                n("rows_read"),
                n("rows_loaded") + n("rows_quarantined") + n("duplicates"),
                "{t}"
            );
        }
    }
}

fn events(case: &Path) -> Vec<Value> {
    json(&["events", s(case), "--limit", "10000"])["events"]
        .as_array()
        .unwrap()
        .clone()
}

fn by_id<'e>(all: &'e [Value], id: &str) -> &'e Value {
    all.iter()
        .find(|e| e["event_id"] == id)
        .unwrap_or_else(|| panic!("no event {id}"))
}

/// (stream_type, stream_id, event_type, occurred_at) of every event, by position in the store.
fn rows(case: &Path) -> Vec<(Value, String, String, String)> {
    sql(
        case,
        "SELECT stream_type, stream_id, event_type, strftime(occurred_at, '%Y-%m-%dT%H:%M:%S.%fZ') FROM events ORDER BY seq",
    )
    .into_iter()
    .map(|r| {
        (
            r[0].clone(),
            r[1].as_str().unwrap().to_string(),
            r[2].as_str().unwrap().to_string(),
            r[3].as_str().unwrap().to_string(),
        )
    })
    .collect()
}

const ADA: &str = "3f2b8c1e-7d4a-4e9b-9c0d-1a2b3c4d5e6f";
const ZOE: &str = "fac98944-5b1d-4c6e-8f7a-0b9c8d7e6f5a";
const ANON: &str = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
const REQ: &str = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a";

/// The ten events of the hiring Marten store (pgdump/SHAPES.md), in seq order.
fn hiring_expected() -> Vec<(Value, String, String, String)> {
    let c = Value::from("candidate");
    let r = Value::from("requisition");
    [
        (
            c.clone(),
            ADA,
            "candidate_registered",
            "2024-04-01T09:47:51.238822Z",
        ),
        (
            c.clone(),
            ADA,
            "resume_uploaded",
            "2024-04-01T09:48:03.500000Z",
        ),
        (
            c.clone(),
            ZOE,
            "candidate_registered",
            "2024-04-01T10:02:00.000000Z",
        ),
        (
            c.clone(),
            ADA,
            "resume_parsed",
            "2024-04-01T09:48:07.104000Z",
        ),
        (
            c.clone(),
            ADA,
            "candidate_screened",
            "2024-04-01T09:48:09.877215Z",
        ),
        (
            c.clone(),
            ZOE,
            "resume_uploaded",
            "2024-04-01T10:05:12.000301Z",
        ),
        (
            Value::Null,
            ANON,
            "resume_uploaded",
            "2024-04-02T08:15:30.250000Z",
        ),
        (
            r.clone(),
            REQ,
            "requisition_opened",
            "2024-03-28T12:00:00.000001Z",
        ),
        (
            r.clone(),
            REQ,
            "requisition_closed",
            "2024-04-03T17:30:00.000000Z",
        ),
        (
            c.clone(),
            ZOE,
            "interview_scheduled",
            "2024-04-03T09:00:00.500000Z",
        ),
    ]
    .into_iter()
    .map(|(t, id, ty, at)| (t, id.to_string(), ty.to_string(), at.to_string()))
    .collect()
}

#[test]
fn a_pg_dump_of_a_marten_store_loads_its_events_with_the_stream_table_types() {
    let dir = tmp();
    let case = dir.path().join("c.casefile");
    let report = import(&case, &formats().join("pgdump/hiring-marten.pg17.sql"), &[]);
    let src = &report["sources"][0];
    assert_eq!(src["format"], "sql");
    assert_eq!(counts(src), (10, 10, 0, 0));
    assert_tables_reconciled(src);
    let progression = table(src, "public.mt_event_progression");
    assert_eq!(progression["role"], "skipped");
    assert_eq!(progression["rows_read"], 2);
    let streams = table(src, "public.mt_streams");
    assert_eq!(streams["role"], "streams");
    assert_eq!(streams["rows_read"], 4);
    assert_eq!(table(src, "public.mt_events")["store"], "marten");
    // The stream type of a UUID stream is the stream table's, never its first group; the stream
    // started without a type has none.
    assert_eq!(rows(&case), hiring_expected());
    // COPY's escapes undone once: the JSON value holds a newline and single backslashes.
    let all = events(&case);
    let e6 = by_id(&all, "018e9a6b-0006-7000-8000-000000000006");
    assert_eq!(
        e6["payload"]["Note"],
        "Cover letter:\nI moved from C:\\Users\\zoe to Berlin."
    );
    assert_eq!(e6["payload"]["FileName"], "zoë-martín-cv.pdf");
    let e8 = by_id(&all, "018e9a6b-0008-7000-8000-000000000008");
    assert_eq!(e8["metadata"]["is_archived"], true);
}

#[test]
fn a_compressed_dump_reads_the_same() {
    use std::io::Write as _;
    let dir = tmp();
    let gz = dir.path().join("hiring.sql.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(&std::fs::read(formats().join("pgdump/hiring-marten.pg17.sql")).unwrap())
        .unwrap();
    enc.finish().unwrap();
    let case = dir.path().join("c.casefile");
    let report = import(&case, &gz, &[]);
    assert_eq!(report["sources"][0]["compression"], "gzip");
    assert_eq!(counts(&report["sources"][0]), (10, 10, 0, 0));
    assert_eq!(rows(&case), hiring_expected());
}

#[test]
fn column_inserts_of_an_old_marten_store_keep_quotes_backslashes_and_offsets() {
    let dir = tmp();
    let case = dir.path().join("c.casefile");
    let report = import(
        &case,
        &formats().join("pgdump/marten-v3.column-inserts.sql"),
        &[],
    );
    assert_eq!(counts(&report["sources"][0]), (4, 4, 0, 0));
    let got: Vec<(String, String)> = rows(&case).into_iter().map(|r| (r.2, r.3)).collect();
    // Offsets change with daylight saving inside the file (+02 in September, +01 in November).
    assert_eq!(
        got,
        vec![
            (
                "candidate_registered".to_string(),
                "2019-09-21T11:16:47.606273Z".to_string()
            ),
            (
                "resume_uploaded".to_string(),
                "2019-09-21T11:17:02.100000Z".to_string()
            ),
            (
                "candidate_registered".to_string(),
                "2019-11-04T08:12:00.000000Z".to_string()
            ),
            (
                "note_added".to_string(),
                "2019-11-04T08:30:15.750000Z".to_string()
            ),
        ]
    );
    let texts = sql(&case, "SELECT payload::VARCHAR FROM events ORDER BY seq");
    let payloads: Vec<Value> = texts
        .iter()
        .map(|r| serde_json::from_str(r[0].as_str().unwrap()).unwrap())
        .collect();
    assert!(
        payloads[2].to_string().contains("Liam O'Brien"),
        "{}",
        payloads[2]
    );
    assert!(
        payloads[3].to_string().contains(r"C:\\temp\\liam"),
        "{}",
        payloads[3]
    );
}

#[test]
fn a_partitioned_conjoined_marten_store_keeps_tenants_apart_and_skipped_events_flagged() {
    let dir = tmp();
    let case = dir.path().join("c.casefile");
    let report = import(
        &case,
        &formats().join("pgdump/marten8-partitioned-conjoined.sql"),
        &[],
    );
    let src = &report["sources"][0];
    assert_eq!(counts(src), (7, 7, 0, 0));
    assert_tables_reconciled(src);
    assert_eq!(table(src, "public.mt_events_archived")["rows_read"], 3);
    assert_eq!(table(src, "public.mt_events_default")["rows_read"], 4);
    assert_eq!(table(src, "public.mt_streams_default")["role"], "streams");
    let per_stream = sql(
        &case,
        "SELECT stream_id, stream_type, count(*), count(*) FILTER (WHERE json_extract_string(metadata, '$.is_skipped') = 'true') FROM events GROUP BY ALL ORDER BY 1",
    );
    assert_eq!(
        serde_json::json!(per_stream),
        serde_json::json!([
            ["acme-eu/cand-0042", "candidate", 3, 1],
            ["acme-eu/req-204", "requisition", 3, 0],
            ["acme-us/cand-0042", "candidate", 1, 0],
        ])
    );
}

#[test]
fn a_canonical_table_dumped_with_rows_per_insert_quarantines_infinity() {
    let dir = tmp();
    let case = dir.path().join("c.casefile");
    let report = import(
        &case,
        &formats().join("pgdump/canonical-envelope.rows-per-insert.sql"),
        &[],
    );
    let src = &report["sources"][0];
    assert_eq!(counts(src), (5, 4, 1, 0));
    assert_eq!(table(src, "audit.case_events")["store"], "canonical");
    let q = json(&["quarantine", s(&case)]);
    let reason = quarantine_reason(&q, 4);
    assert!(reason.contains("infinity"), "{reason}");
    let all = events(&case);
    let c501 = by_id(&all, "c-501");
    assert_eq!(c501["occurred_at"], "2024-06-01T10:00:00Z");
    assert_eq!(c501["stream_type"], "Order");
    let c502 = by_id(&all, "c-502");
    assert_eq!(c502["actor"], "ai/fraud-model");
    assert!(c502["reason"].as_str().unwrap().contains('\n'));
    let c503 = by_id(&all, "c-503");
    assert_eq!(
        c503["reason"],
        "manual hold: customer's address \\ PO box mismatch"
    );
}

#[test]
fn an_axon_jdbc_store_reads_bytea_xstream_and_skips_snapshots_and_tokens() {
    let dir = tmp();
    let case = dir.path().join("c.casefile");
    let report = import(
        &case,
        &formats().join("pgdump/axon4-jdbc-bytea.pg_dump.sql"),
        &[],
    );
    let src = &report["sources"][0];
    assert_eq!(counts(src), (6, 6, 0, 0));
    assert_eq!(table(src, "public.snapshotevententry")["role"], "skipped");
    assert_eq!(table(src, "public.snapshotevententry")["rows_read"], 1);
    assert_eq!(table(src, "public.tokenentry")["rows_read"], 1);
    let got: Vec<(Value, String, String)> =
        rows(&case).into_iter().map(|r| (r.0, r.1, r.3)).collect();
    let cand = Value::from("Candidate");
    assert_eq!(
        got,
        vec![
            (
                cand.clone(),
                "candidate-7f3a".into(),
                "2024-04-01T09:47:51.238000Z".into()
            ),
            (
                cand.clone(),
                "candidate-7f3a".into(),
                "2024-04-01T09:48:07.104000Z".into()
            ),
            // An event applied outside an aggregate: its id is no stream type.
            (
                Value::Null,
                "8c3f7a10-0003-4e1a-9d2b-000000000003".into(),
                "2024-04-01T09:50:00.000000Z".into()
            ),
            (
                cand.clone(),
                "candidate-7f3a".into(),
                "2024-04-01T09:48:09.877000Z".into()
            ),
            (
                "Requisition".into(),
                "req-204".into(),
                "2024-03-28T12:00:00.001000Z".into()
            ),
            (
                cand,
                "candidate-9b21".into(),
                "2024-04-01T10:02:00.000000Z".into()
            ),
        ]
    );
    let types = sql(
        &case,
        "SELECT event_type, schema_version, payload::VARCHAR FROM events ORDER BY seq",
    );
    assert_eq!(types[1][0], "ResumeParsed");
    assert_eq!(types[1][1], 2);
    assert_eq!(types[3][0], "CandidateScreened");
    let parsed: Value = serde_json::from_str(types[1][2].as_str().unwrap()).unwrap();
    assert_eq!(
        parsed["skills"]["string"],
        serde_json::json!(["kubernetes", "go", "postgres"])
    );
    let meta = sql(
        &case,
        "SELECT json_extract_string(metadata, '$.retryCount') FROM events ORDER BY seq",
    );
    assert_eq!(meta[3][0], "2");
}

#[test]
fn axon_large_objects_resolve_from_a_whole_dump_and_are_explained_in_a_table_dump() {
    let dir = tmp();
    let full = dir.path().join("full.casefile");
    let report = import(
        &full,
        &formats().join("pgdump/axon4-jpa-oid.full.pg_dump.sql"),
        &[],
    );
    assert_eq!(counts(&report["sources"][0]), (4, 4, 0, 0));
    let first = sql(
        &full,
        "SELECT json_extract_string(payload, '$.fullName') FROM events ORDER BY seq LIMIT 1",
    );
    assert_eq!(first[0][0], "Ada Okafor");

    let only = dir.path().join("only.casefile");
    let report = import(
        &only,
        &formats().join("pgdump/axon4-jpa-oid.table-only.pg_dump.sql"),
        &[],
    );
    assert_eq!(counts(&report["sources"][0]), (4, 0, 4, 0));
    let q = json(&["quarantine", s(&only)]);
    let reason = quarantine_reason(&q, 1);
    assert!(
        reason.contains("large object 16428") && reason.contains("pg_dump"),
        "{reason}"
    );
}

#[test]
fn an_axon2_dump_without_global_index_reads_joda_times_and_column_order_from_create_table() {
    let dir = tmp();
    let case = dir.path().join("c.casefile");
    let report = import(
        &case,
        &formats().join("pgdump/axon2-domain_event_entry.inserts.sql"),
        &[],
    );
    assert_eq!(counts(&report["sources"][0]), (4, 4, 0, 0));
    let mut times: Vec<String> = rows(&case).into_iter().map(|r| r.3).collect();
    times.sort();
    assert_eq!(
        times,
        vec![
            "2015-01-28T16:45:00.500000Z",
            "2015-02-03T09:15:30.123000Z",
            "2015-02-03T09:16:02.000000Z",
            "2015-06-12T07:00:00.000000Z",
        ]
    );
}

#[test]
fn a_mysqldump_of_axon_reads_xstream_and_jackson_rows_alike() {
    let dir = tmp();
    let case = dir.path().join("c.casefile");
    let report = import(
        &case,
        &formats().join("mysqldump/axon-domain_event_entry.mysql8.sql"),
        &[],
    );
    let src = &report["sources"][0];
    assert_eq!(counts(src), (6, 6, 0, 0));
    assert_eq!(table(src, "hibernate_sequence")["role"], "skipped");
    assert_eq!(table(src, "token_entry")["role"], "skipped");
    let outcome = sql(
        &case,
        "SELECT json_extract_string(payload, '$.outcome'), correlation_id IS NOT NULL FROM events WHERE event_type = 'CandidateScreened' ORDER BY seq",
    );
    assert_eq!(outcome.len(), 2);
    assert_eq!(outcome[0][0], "ADVANCE");
    assert_eq!(outcome[1][0], "REJECT");
    let all = sql(&case, "SELECT payload::VARCHAR FROM events ORDER BY seq");
    assert!(
        all.iter().any(|r| r[0]
            .as_str()
            .unwrap()
            .contains(r#"no \"production\" Kubernetes"#)),
        "{all:?}"
    );
}

#[test]
fn a_mariadb_dump_reads_escapes_hex_blobs_and_quarantines_the_zero_date() {
    let dir = tmp();
    let case = dir.path().join("c.casefile");
    let report = import(
        &case,
        &formats().join("mysqldump/canonical-case_events.mariadb11.sql"),
        &[],
    );
    assert_eq!(counts(&report["sources"][0]), (6, 5, 1, 0));
    let q = json(&["quarantine", s(&case)]);
    assert!(quarantine_reason(&q, 5).contains("0000-00-00"));
    let all = events(&case);
    assert_eq!(by_id(&all, "c-603")["actor"], "human/underwriter-o'neil");
    assert_eq!(by_id(&all, "c-606")["reason"], "\u{1a}");
    assert_eq!(
        by_id(&all, "c-602")["occurred_at"],
        "2025-03-14T09:00:03.482113Z"
    );
}

#[test]
fn a_dump_cut_short_is_refused_naming_the_table_and_line() {
    let dir = tmp();
    let text = std::fs::read_to_string(formats().join("pgdump/hiring-marten.pg17.sql")).unwrap();
    let cut = &text[..text.find("5\t018e9a6b-0005").unwrap()];
    let file = dir.path().join("cut.sql");
    std::fs::write(&file, cut).unwrap();
    let case = dir.path().join("c.casefile");
    let err = json_with(2, &["import", s(&case), s(&file)]);
    let message = err["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("public.mt_events") && message.contains("line"),
        "{message}"
    );
    assert_eq!(err["error"]["code"], "source_format");
}

#[test]
fn psql_copies_read_postgres_times_booleans_and_the_stream_table_beside_them() {
    let dir = tmp();
    let copies = formats().join("psql-copy");
    // The events alone: UUID streams get no type at all.
    let alone = dir.path().join("alone.casefile");
    let report = import(&alone, &copies.join("mt_events.berlin.csv"), &[]);
    assert_eq!(counts(&report["sources"][0]), (10, 10, 0, 0));
    let expected: Vec<_> = hiring_expected()
        .into_iter()
        .map(|(_, id, ty, at)| (Value::Null, id, ty, at))
        .collect();
    assert_eq!(rows(&alone), expected);

    // With the stream table beside them in a folder: the store's own types.
    let folder = dir.path().join("export");
    std::fs::create_dir(&folder).unwrap();
    for f in ["mt_events.berlin.csv", "mt_streams.berlin.csv"] {
        std::fs::copy(copies.join(f), folder.join(f)).unwrap();
    }
    let both = dir.path().join("both.casefile");
    let report = import(&both, &folder, &[]);
    let summary = &report["folders"][0];
    assert_eq!(summary["files_found"], 2);
    assert_eq!(summary["files_imported"], 1);
    assert_eq!(summary["stream_tables"][0]["streams"], 4);
    assert_eq!(rows(&both), hiring_expected());
    let archived = sql(
        &both,
        "SELECT count(*) FROM events WHERE json_extract_string(metadata, '$.is_archived') = 'true'",
    );
    assert_eq!(archived[0][0], 2);

    // The stream table alone is not events, and says what to do.
    let err = json_with(
        2,
        &[
            "import",
            s(&dir.path().join("x.casefile")),
            s(&copies.join("mt_streams.berlin.csv")),
        ],
    );
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("stream table"),
        "{err}"
    );
}

#[test]
fn a_forced_quote_copy_reads_bare_null_as_no_value_and_quarantines_minus_infinity() {
    let dir = tmp();
    let case = dir.path().join("c.casefile");
    let report = import(
        &case,
        &formats().join("psql-copy/case_events.force-quote-null.csv"),
        &[],
    );
    assert_eq!(counts(&report["sources"][0]), (5, 4, 1, 0));
    let all = events(&case);
    assert_eq!(
        by_id(&all, "c-905")["occurred_at"],
        "2019-09-23T10:05:00.250Z"
    );
    // `null 'NULL'`: a bare NULL is no value, a quoted "NULL" is the text.
    assert_eq!(by_id(&all, "c-901")["reason"], Value::Null);
    assert_eq!(by_id(&all, "c-902")["reason"], "NULL");
    assert!(by_id(&all, "c-903")["reason"]
        .as_str()
        .unwrap()
        .contains("\"verified\""));
    let q = json(&["quarantine", s(&case)]);
    let reasons: Vec<&str> = q["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert!(reasons[0].contains("-infinity"), "{reasons:?}");
}

#[test]
fn axon_xstream_in_a_csv_becomes_json_and_a_truncated_payload_is_quarantined() {
    let dir = tmp();
    let case = dir.path().join("c.casefile");
    let report = import(
        &case,
        &formats().join("axon-xstream/domain_event_entry.convert_from.csv"),
        &[],
    );
    assert_eq!(report["sources"][0]["format"], "axon");
    assert_eq!(counts(&report["sources"][0]), (7, 6, 1, 0));
    let req = sql(
        &case,
        "SELECT json_extract_string(payload, '$.approver.name'), json_extract_string(metadata, '$.tenant'), json_extract_string(metadata, '$.payload_xml') LIKE '<com.acme%' FROM events WHERE stream_type = 'Requisition'",
    );
    assert_eq!(req[0][0], "M. Chen");
    assert_eq!(req[0][2], true);
    let q = json(&["quarantine", s(&case)]);
    let reason = quarantine_reason(&q, 8);
    assert!(reason.contains("not well-formed"), "{reason}");
    let none = sql(
        &case,
        "SELECT stream_type FROM events WHERE stream_id LIKE 'd3a10004%'",
    );
    assert_eq!(none[0][0], Value::Null);
}

#[test]
fn a_folder_imports_every_file_with_partition_keys_and_lists_what_it_did_not() {
    let dir = tmp();
    let root = dir.path().join("export");
    let part = root.join("region=eu").join("day=2025-03-14");
    std::fs::create_dir_all(&part).unwrap();
    std::fs::write(
        part.join("part-0.jsonl"),
        "{\"event_id\":\"e1\",\"stream_id\":\"order-1\",\"event_type\":\"Placed\",\"occurred_at\":\"2025-03-14T10:00:00Z\"}\n\
         {\"event_id\":\"e2\",\"stream_id\":\"order-1\",\"event_type\":\"Paid\",\"occurred_at\":\"2025-03-14T10:05:00Z\",\"region\":\"us\"}\n",
    )
    .unwrap();
    std::fs::write(root.join("notes.txt"), "not events\n").unwrap();
    std::fs::write(part.join("_SUCCESS"), "").unwrap();
    // A hidden folder (a repository's `.git`) is passed over, and said.
    std::fs::create_dir(root.join(".git")).unwrap();
    std::fs::write(root.join(".git").join("HEAD"), "ref: refs/heads/main\n").unwrap();
    let case = dir.path().join("c.casefile");
    let report = import(&case, &root, &[]);
    let summary = &report["folders"][0];
    assert_eq!(summary["files_found"], 4);
    assert_eq!(summary["files_imported"], 1);
    assert_eq!(summary["rows_loaded"], 2);
    let skipped: Vec<(&str, &str)> = summary["not_imported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["code"].as_str().unwrap()))
        .collect();
    assert_eq!(skipped.len(), 3, "{skipped:?}");
    assert!(skipped
        .iter()
        .any(|(p, c)| p.ends_with(".git") && *c == "not_data"));
    assert!(skipped
        .iter()
        .any(|(p, c)| p.ends_with("_SUCCESS") && *c == "not_data"));
    assert!(skipped
        .iter()
        .any(|(p, c)| p.ends_with("notes.txt") && *c == "source_format"));
    // Partition keys are columns of every row; a row's own column of that name wins.
    let keys = sql(
        &case,
        "SELECT event_id, json_extract_string(metadata, '$.region'), json_extract_string(metadata, '$.day') FROM events ORDER BY event_id",
    );
    assert_eq!(
        serde_json::json!(keys),
        serde_json::json!([["e1", "eu", "2025-03-14"], ["e2", "us", "2025-03-14"]])
    );
}

#[test]
fn a_copy_in_text_format_without_a_header_is_refused_with_how_to_export_it() {
    let dir = tmp();
    let case = dir.path().join("c.casefile");
    let err = json_with(
        2,
        &[
            "import",
            s(&case),
            s(&formats().join("psql-copy/mt_events.copy-text.tsv")),
        ],
    );
    let message = err["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("no header") && message.contains("format csv, header"),
        "{message}"
    );
}

#[test]
fn a_pg_dump_archive_is_refused_saying_how_to_make_plain_sql_of_it() {
    let dir = tmp();
    // The first bytes of a custom-format archive (`pg_dump -Fc`): the magic and a version.
    let file = dir.path().join("store.dump");
    std::fs::write(&file, b"PGDMP\x01\x10\x00\x04\x08\x08\x01\x01\x00\x00\x00").unwrap();
    let err = json_with(2, &["import", s(&dir.path().join("c.casefile")), s(&file)]);
    let message = err["error"]["message"].as_str().unwrap();
    assert!(message.contains("pg_restore -f"), "{message}");
}
