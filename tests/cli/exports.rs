//! Real exports, as real systems write them: CloudEvents (spec examples, SDK quirks, batches,
//! 0.3), Kafka dumps written by kcat (lines, pretty-printed, concatenated, RFC 7464, tool lines,
//! schema-registry prefixes, tombstones, CloudEvents inside, old kafkacat builds), OTLP traces and
//! logs (BOM and CRLF, ids in any encoding, numbers above 2^53, snake_case) and LLM traces (GenAI
//! conventions old and new, OpenInference). The fixtures are in `tests/fixtures/formats/`, each
//! folder's SHAPES.md says where every quirk comes from; the counts expected here are read from
//! the files themselves (records counted by parsing them in the test, or by reading them).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::Value;

use crate::common::*;

fn formats() -> PathBuf {
    fixtures().join("formats")
}

/// Imports one file (with extra flags) and returns its source report.
fn import(case: &Path, file: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["import", s(case), s(file)];
    args.extend_from_slice(extra);
    let report = json(&args);
    assert_reconciled(&report);
    report["sources"][0].clone()
}

fn reasons(case: &Path) -> Vec<String> {
    json(&["quarantine", s(case)])["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap().to_string())
        .collect()
}

fn events(case: &Path) -> Vec<Value> {
    json(&["events", s(case), "--limit", "10000"])["events"]
        .as_array()
        .unwrap()
        .clone()
}

fn event<'e>(all: &'e [Value], id: &str) -> &'e Value {
    all.iter()
        .find(|e| e["event_id"] == id)
        .unwrap_or_else(|| panic!("no event {id}"))
}

/// The JSON lines of a fixture, parsed (the test's own count of its records).
fn lines(file: &Path) -> Vec<Value> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_cloudevents_spec_example_keeps_its_xml_as_text_and_both_extensions() {
    let dir = tmp();
    let case = dir.path().join("c.casefile");
    let file = formats().join("cloudevents/spec-example-v1.0.json");
    let src = import(&case, &file, &[]);
    assert_eq!(
        (src["rows_read"].as_u64(), src["rows_loaded"].as_u64()),
        (Some(1), Some(1))
    );
    let e = &events(&case)[0];
    assert_eq!(e["payload"], "<much wow=\"xml\"/>");
    assert_eq!(e["event_type"], "com.example.someevent");
    assert_eq!(e["stream_id"], "/mycontext");
    assert_eq!(e["metadata"]["comexampleextension1"], "value");
    assert_eq!(e["metadata"]["comexampleothervalue"], 5);
    assert_eq!(e["metadata"]["datacontenttype"], "text/xml");
    assert_eq!(e["metadata"]["payload_kept_as"], "text");
    // 1.0.2's version: an attribute set to null is not set.
    let case2 = dir.path().join("c2.casefile");
    import(
        &case2,
        &formats().join("cloudevents/spec-example-v1.0.2-null-attribute.json"),
        &[],
    );
    let e = &events(&case2)[0];
    assert!(e["metadata"].get("unsetextension").is_none(), "{e}");
}

#[test]
fn cloudevents_data_is_kept_as_its_content_type_says() {
    let dir = tmp();
    let case = dir.path().join("c.casefile");
    let file = formats().join("cloudevents/data-kinds.jsonl");
    let records = lines(&file);
    let timeless = records.iter().filter(|r| r.get("time").is_none()).count();
    assert_eq!((records.len(), timeless), (15, 2));
    // Without a default time the two events without one wait for it, saying how to give it.
    let src = import(&case, &file, &[]);
    assert_eq!(src["rows_loaded"], 13);
    assert_eq!(src["rows_quarantined"], 2);
    for r in reasons(&case) {
        assert!(r.contains("--default-time"), "{r}");
    }
    // With one, all load, and the two are marked.
    let case = dir.path().join("d.casefile");
    let src = import(&case, &file, &["--default-time", "2024-05-02T00:00:00Z"]);
    assert_eq!(src["rows_loaded"], 15);
    assert_eq!(src["times_placed"], 2);
    let all = events(&case);
    let placed: Vec<&Value> = all
        .iter()
        .filter(|e| e["metadata"]["time_placed"] == "default_time")
        .collect();
    assert_eq!(placed.len(), 2);
    assert!(placed
        .iter()
        .all(|e| e["occurred_at"] == "2024-05-02T00:00:00Z"));
    let info = json(&["info", s(&case)]);
    assert_eq!(info["sources"][0]["times_placed"], 2);
    let findings = json(&["findings", s(&case)]);
    assert!(findings
        .to_string()
        .contains("default time given for the file"));

    // Each payload as its record defines it (records by their line, 1-based as in SHAPES.md).
    let nth = |n: usize| records[n - 1]["id"].as_str().unwrap().to_string();
    let by_id = |id: &str| event(&all, id).clone();
    let original = |id: &str| records.iter().find(|r| r["id"] == id).unwrap().clone();
    for n in [1, 3, 4, 5, 6, 7, 10] {
        let id = nth(n);
        assert_eq!(by_id(&id)["payload"], original(&id)["data"], "{id}");
    }
    assert!(by_id(&nth(3))["payload"].is_string());
    assert!(
        by_id(&nth(7))["payload"].is_string(),
        "a JSON-typed string is not parsed again"
    );
    assert!(by_id(&nth(6))["payload"].is_null());
    let decode = |id: &str| {
        base64::engine::general_purpose::STANDARD
            .decode(original(id)["data_base64"].as_str().unwrap())
            .unwrap()
    };
    let json_data: Value = serde_json::from_slice(&decode("ord-evt-0011")).unwrap();
    assert_eq!(by_id("ord-evt-0011")["payload"], json_data);
    assert_eq!(
        by_id("ord-evt-0012")["payload"],
        String::from_utf8(decode("ord-evt-0012")).unwrap()
    );
    let png = by_id("ord-evt-0013");
    assert_eq!(png["payload"], original("ord-evt-0013")["data_base64"]);
    assert_eq!(png["metadata"]["payload_kept_as"], "base64");
    assert_eq!(png["metadata"]["datacontenttype"], "image/png");
}

#[test]
fn cloudevents_batches_version_0_3_and_extensions_of_any_type_load() {
    let dir = tmp();
    let case = dir.path().join("c.casefile");
    let t = ["--default-time", "2024-05-02T00:00:00Z"];
    let batch = import(&case, &formats().join("cloudevents/batch.json"), &t);
    assert_eq!(
        (batch["rows_read"].as_u64(), batch["rows_loaded"].as_u64()),
        (Some(4), Some(4))
    );
    // An empty batch is a batch of nothing: no error, nothing loaded.
    let empty = import(&case, &formats().join("cloudevents/batch-empty.json"), &[]);
    assert_eq!(
        (empty["rows_read"].as_u64(), empty["rows_loaded"].as_u64()),
        (Some(0), Some(0))
    );
    let v03 = import(&case, &formats().join("cloudevents/v03.jsonl"), &t);
    assert_eq!(v03["rows_loaded"], 3);
    let all = events(&case);
    assert_eq!(event(&all, "ABC-123")["payload"]["hello"], "world");
    assert_eq!(
        event(&all, "ABC-124")["metadata"]["payload_kept_as"],
        "base64"
    );
    assert!(event(&all, "ABC-125")["metadata"]["asmap"].is_object());
    let file = formats().join("cloudevents/extensions-nonconforming.jsonl");
    let ext = import(&case, &file, &[]);
    assert_eq!(ext["rows_loaded"], 6);
    let all = events(&case);
    for record in lines(&file) {
        let e = event(&all, record["id"].as_str().unwrap());
        let standard: BTreeSet<&str> =
            ["specversion", "id", "type", "source", "time", "data"].into();
        for (k, v) in record.as_object().unwrap() {
            if !standard.contains(k.as_str()) {
                assert_eq!(&e["metadata"][k], v, "{k} of {}", record["id"]);
            }
        }
    }
}

#[test]
fn invalid_cloudevents_are_quarantined_naming_the_rule_they_break() {
    let dir = tmp();
    let case = dir.path().join("c.casefile");
    let src = import(&case, &formats().join("cloudevents/invalid.jsonl"), &[]);
    assert_eq!(src["rows_loaded"], 1);
    assert_eq!(src["rows_quarantined"], 8);
    let got = reasons(&case);
    for rule in [
        "no `id`",
        "no `source`",
        "no `specversion`",
        "specversion \"0.9\"",
        "`type` is empty",
        "both `data` and `data_base64`",
        "'2024-05-02T09:14Z' is not an RFC 3339",
        "'2023-01-19T22:30:24.860213GMT' is not an RFC 3339",
    ] {
        assert!(got.iter().any(|r| r.contains(rule)), "{rule} in {got:?}");
    }
    assert!(got.iter().all(|r| r.contains("CloudEvents")), "{got:?}");
}

/// The 12 records of the reference kcat dump, as the SHAPES.md table gives them: partition,
/// offset, stream, event type.
const ORDERS: &[(i64, i64, &str, &str)] = &[
    (0, 5, "o-1001", "OrderPlaced"),
    (0, 6, "o-1001", "OrderPaid"),
    (1, 0, "o-2001", "OrderPlaced"),
    (1, 1, "o-2001", "OrderPaid"),
    (2, 0, "o-3001", "OrderPlaced"),
    (0, 7, "o-1002", "OrderPlaced"),
    (1, 2, "orders/1", "StockReserved"),
    (0, 9, "o-1001", "OrderShipped"),
    (0, 10, "o-1003", "Tombstone"),
    (0, 11, "o-1007", "OrderPlaced"),
    (2, 1, "o-3001", "OrderCancelled"),
    (2, 3, "o-3001", "RefundIssued"),
];

fn check_orders(case: &Path, src: &Value) {
    assert_eq!(src["format"], "kcat", "{src}");
    assert_eq!(src["rows_read"], 12);
    assert_eq!(src["rows_loaded"], 12);
    let all = events(case);
    for (p, o, stream, ty) in ORDERS {
        let e = all
            .iter()
            .find(|e| {
                e["metadata"]["kafka"]["partition"] == *p && e["metadata"]["kafka"]["offset"] == *o
            })
            .unwrap_or_else(|| panic!("record {p}/{o}"));
        assert_eq!(
            (&e["stream_id"], &e["event_type"]),
            (&Value::from(*stream), &Value::from(*ty)),
            "{p}/{o}"
        );
    }
    // Record 8 has no time of its own: the record's timestamp, marked.
    let shipped = all
        .iter()
        .find(|e| e["event_type"] == "OrderShipped")
        .unwrap();
    assert_eq!(shipped["metadata"]["time_placed"], "kafka_timestamp");
    assert_eq!(shipped["occurred_at"], "2024-05-02T10:02:55.918Z");
    // Schema ids kept, headers as lists.
    let avro = all.iter().find(|e| e["stream_id"] == "o-1007").unwrap();
    assert_eq!(avro["metadata"]["kafka"]["key_schema_id"], 6);
    let first = all
        .iter()
        .find(|e| e["metadata"]["kafka"]["offset"] == 5)
        .unwrap();
    assert!(
        first["metadata"]["headers"]["hop"]
            .as_array()
            .unwrap()
            .len()
            >= 2
    );
    // Offsets skipped in partitions 0 (8) and 2 (2).
    let gaps: Vec<String> = json(&["findings", s(case)])["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "offset_gap")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(gaps.len(), 2, "{gaps:?}");
    assert!(gaps
        .iter()
        .any(|g| g.starts_with("Partition 0 ") && g.contains("(8)")));
    assert!(gaps
        .iter()
        .any(|g| g.starts_with("Partition 2 ") && g.contains("(2)")));
    // The tombstone deletes its entity.
    let state = json(&["state", s(case), "o-1003", "--at", "2030-01-01T00:00:00Z"]);
    assert_eq!(state["exists"], false, "{state}");
}

#[test]
fn a_kafka_partition_that_begins_past_offset_zero_is_an_evidence_gap_for_keys_it_cuts_short() {
    let dir = tmp();
    let case = dir.path().join("orders.casefile");
    import(&case, &formats().join("kafka/orders.kcat.jsonl"), &[]);
    // SHAPES.md: partition 0 starts at offset 5; partitions 1 and 2 at 0.
    let starts: Vec<String> = json(&["findings", s(&case)])["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "kafka_log_start")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(starts.len(), 1, "{starts:?}");
    assert!(
        starts[0].starts_with("Partition 0 of topic orders begins at offset 5"),
        "{starts:?}"
    );
    // Keys first seen in partition 0: o-1001, the JSON-keyed o-1002 and o-1007 begin with
    // OrderPlaced (a history's beginning); o-1003's first record is its tombstone (10:30:00Z),
    // whose earlier records are among those the partition lost.
    let gaps = json(&["gaps", s(&case)]);
    assert_eq!(gaps["log_starts"], 1, "{gaps}");
    let listed: Vec<(&str, &str, &str)> = gaps["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["stream_id"].as_str().unwrap(),
                g["kind"].as_str().unwrap(),
                g["before"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(listed, [("o-1003", "log_start", "2024-05-02T10:30:00Z")]);
    // Turned off by the case's rules, it is gone; the offsets' own finding stays.
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, "log_start = false\n").unwrap();
    let off = json(&["gaps", s(&case), "--set", s(&rules)]);
    assert_eq!(off["log_starts"], 0, "{off}");
    assert_eq!(off["gaps"].as_array().unwrap().len(), 0, "{off}");
}

#[test]
fn a_kcat_dump_loads_alike_as_lines_pretty_printed_concatenated_or_a_json_sequence() {
    for name in [
        "orders.kcat.jsonl",
        "orders.kcat-jq.json",
        "orders.kcat-concatenated.json",
        "orders.kcat.json-seq",
    ] {
        let dir = tmp();
        let case = dir.path().join("k.casefile");
        let src = import(&case, &formats().join("kafka").join(name), &[]);
        check_orders(&case, &src);
    }
}

#[test]
fn the_dumping_tools_own_lines_are_quarantined_as_what_they_are() {
    let dir = tmp();
    let case = dir.path().join("k.casefile");
    let file = formats().join("kafka/orders.kcat-with-stderr.txt");
    let text = std::fs::read(&file).unwrap();
    let tool_lines = text
        .split(|b| *b == b'\n')
        .filter(|l| l.starts_with(b"%"))
        .count();
    assert_eq!(tool_lines, 6);
    let src = import(&case, &file, &[]);
    assert_eq!(src["rows_read"], 12 + tool_lines as u64);
    assert_eq!(src["rows_loaded"], 12);
    let got = reasons(&case);
    assert_eq!(got.len(), tool_lines);
    assert!(got.iter().all(|r| r.contains("dumping tool")), "{got:?}");
}

#[test]
fn kafka_payloads_that_are_not_json_are_kept_as_text_or_base64() {
    let dir = tmp();
    let case = dir.path().join("k.casefile");
    let src = import(
        &case,
        &formats().join("kafka/payload-kinds.kcat.jsonl"),
        &[],
    );
    assert_eq!(src["rows_loaded"], 5);
    let mut all = events(&case);
    all.sort_by_key(|e| e["metadata"]["kafka"]["offset"].as_i64());
    let kept: Vec<&str> = all
        .iter()
        .map(|e| e["metadata"]["payload_kept_as"].as_str().unwrap_or("json"))
        .collect();
    assert_eq!(kept, ["text", "base64", "text", "text", "text"]);
    assert_eq!(all[0]["payload"], "Pallet 7 wrapped, label reprinted");
    assert_eq!(all[2]["payload"], "");
    let png = base64::engine::general_purpose::STANDARD
        .decode(all[1]["payload"].as_str().unwrap())
        .unwrap();
    assert_eq!((png.len(), &png[1..4]), (70, &b"PNG"[..]));
    assert!(all
        .iter()
        .all(|e| e["metadata"]["time_placed"] == "kafka_timestamp"));
}

#[test]
fn cloudevents_on_kafka_are_unwrapped_in_structured_and_binary_mode() {
    let dir = tmp();
    let case = dir.path().join("k.casefile");
    let src = import(
        &case,
        &formats().join("kafka/cloudevents-structured.kcat.jsonl"),
        &[],
    );
    assert_eq!(
        (
            src["rows_loaded"].as_u64(),
            src["rows_quarantined"].as_u64()
        ),
        (Some(4), Some(1))
    );
    assert!(reasons(&case)[0].contains("no `source`"));
    let all = events(&case);
    assert!(all
        .iter()
        .any(|e| e["event_type"] == "com.example.payment.captured" && e["stream_id"] == "acct-9"));
    let receipt = all
        .iter()
        .find(|e| e["event_type"] == "com.example.payment.receipt.rendered")
        .unwrap();
    assert_eq!(receipt["metadata"]["payload_kept_as"], "base64");

    let case = dir.path().join("b.casefile");
    let src = import(
        &case,
        &formats().join("kafka/cloudevents-binary.kcat.jsonl"),
        &[],
    );
    // Three by the binding, one from Spring's `ce-` headers read leniently; one has no id.
    assert_eq!(
        (
            src["rows_loaded"].as_u64(),
            src["rows_quarantined"].as_u64()
        ),
        (Some(4), Some(1))
    );
    assert!(reasons(&case)[0].contains("no `id`"));
    let all = events(&case);
    let note = all
        .iter()
        .find(|e| e["event_type"] == "com.example.shipment.note")
        .unwrap();
    assert!(note["payload"].is_string());
    let delivered = all
        .iter()
        .find(|e| e["event_type"] == "com.example.shipment.delivered")
        .unwrap();
    assert!(
        delivered["payload"].is_null(),
        "an event with no data, not a tombstone"
    );
    assert_eq!(delivered["metadata"]["time_placed"], "kafka_timestamp");
    let spring = all.iter().find(|e| e["stream_id"] == "shp-502").unwrap();
    assert_eq!(spring["event_type"], "com.example.shipment.created");
    assert_eq!(spring["metadata"]["source"], "/logistics/shipping");
}

#[test]
fn old_kafkacat_output_and_avro_decoded_dumps_are_read() {
    let dir = tmp();
    let case = dir.path().join("k.casefile");
    let file = formats().join("kafka/kafkacat-legacy.kcat.jsonl");
    let src = import(&case, &file, &[]);
    assert_eq!(
        (
            src["rows_loaded"].as_u64(),
            src["rows_quarantined"].as_u64()
        ),
        (Some(3), Some(2))
    );
    let case = dir.path().join("d.casefile");
    let src = import(&case, &file, &["--default-time", "2019-01-17T00:00:00Z"]);
    assert_eq!(
        (src["rows_loaded"].as_u64(), src["times_placed"].as_u64()),
        (Some(5), Some(3))
    );

    let case = dir.path().join("a.casefile");
    let src = import(
        &case,
        &formats().join("kafka/orders-avro-decoded.kcat.jsonl"),
        &[],
    );
    assert_eq!(
        (
            src["rows_loaded"].as_u64(),
            src["rows_quarantined"].as_u64()
        ),
        (Some(3), Some(1))
    );
    assert!(reasons(&case)[0].contains("payload_error"));
    let all = events(&case);
    let coupon = all.iter().find(|e| e["stream_id"] == "o-1008").unwrap();
    assert_eq!(coupon["payload"]["couponCode"]["string"], "SPRING24");
    assert_eq!(coupon["metadata"]["kafka"]["value_schema_id"], 8);
}

fn otlp(name: &str) -> PathBuf {
    formats().join("otlp").join(name)
}

#[test]
fn otlp_spans_load_from_every_exporters_shape_and_ids_join_across_encodings() {
    let dir = tmp();
    let case = dir.path().join("o.casefile");
    let single = import(&case, &otlp("traces-single.json"), &[]);
    assert_eq!(single["rows_loaded"], 6);
    // BOM, CRLF, base64 ids, enum names: 5 spans on 2 lines.
    let dotnet = import(&case, &otlp("dotnet-export.jsonl"), &[]);
    assert_eq!(
        (dotnet["rows_read"].as_u64(), dotnet["rows_loaded"].as_u64()),
        (Some(5), Some(5))
    );
    let all = events(&case);
    // B1 (base64 `scLT5PUGFyg=`) is a child of A2 (upper-case hex in the other file).
    let b1 = event(&all, "b1c2d3e4f5061728");
    assert_eq!(b1["causation_id"], "2b3c4d5e6f708192");
    assert!(all.iter().any(|e| e["event_id"] == "2b3c4d5e6f708192"));
    assert_eq!(b1["correlation_id"], "a3f1c2d4e5b60718293a4b5c6d7e8f90");
    assert_eq!(b1["metadata"]["kind"], "SPAN_KIND_SERVER");
    // Numbers above 2^53 are exact: D5 starts at 1761998400610123457 ns.
    let array = import(&case, &otlp("traces-array.json"), &[]);
    assert_eq!(
        (array["rows_read"].as_u64(), array["rows_loaded"].as_u64()),
        (Some(10), Some(9))
    );
    assert!(reasons(&case).iter().any(|r| r.contains("all zeros")));
    let all = events(&case);
    let d5 = event(&all, "d5f60718293a4b5c");
    let micros = 1_761_998_400_610_123_457i64 / 1000;
    let expected = chrono::DateTime::from_timestamp_micros(micros)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    assert_eq!(d5["occurred_at"], expected);
    let collector = import(&case, &otlp("collector-file.jsonl"), &[]);
    assert_eq!(collector["rows_loaded"], 2);
}

#[test]
fn otlp_logs_import_linked_to_their_spans() {
    let dir = tmp();
    let case = dir.path().join("l.casefile");
    let src = import(&case, &otlp("logs.json"), &[]);
    // 7 records; L7 has no time at all.
    assert_eq!(
        (src["rows_read"].as_u64(), src["rows_loaded"].as_u64()),
        (Some(7), Some(6))
    );
    assert!(reasons(&case)[0].contains("--default-time"));
    let all = events(&case);
    let observed: Vec<&Value> = all
        .iter()
        .filter(|e| e["metadata"]["time_placed"] == "observed_time")
        .collect();
    assert_eq!(observed.len(), 1);
    assert_eq!(observed[0]["causation_id"], "c2d3e4f506172839");
    assert!(all.iter().any(|e| e["causation_id"] == "5e6f708192a3b4c5"
        && e["event_type"] == "gen_ai.client.inference.operation.details"));
}

fn decisions(case: &Path) -> Vec<Value> {
    json(&["decisions", s(case)])["decisions"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn every_llm_call_in_genai_traces_is_one_decision_whatever_the_conventions() {
    let dir = tmp();
    let case = dir.path().join("g.casefile");
    for f in [
        "traces-single.json",
        "dotnet-export.jsonl",
        "traces-array.json",
        "collector-file.jsonl",
        "logs.json",
    ] {
        import(&case, &otlp(f), &[]);
    }
    let all = decisions(&case);
    let mut ids: Vec<&str> = all
        .iter()
        .map(|d| d["event_id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    // A3, A5, C2, C3, D5, D7, D8, E1, F2 (SHAPES.md); the log event beside A5 is not a tenth.
    let mut expected = vec![
        "3c4d5e6f708192a3",
        "5e6f708192a3b4c5",
        "c2d3e4f506172839",
        "c3d4e5f60718293a",
        "d5f60718293a4b5c",
        "d718293a4b5c6d7e",
        "d8293a4b5c6d7e8f",
        "e1f2030415263748",
        "f2b3c4d5e6f70819",
    ];
    expected.sort_unstable();
    assert_eq!(ids, expected);
    let by = |id: &str| all.iter().find(|d| d["event_id"] == id).unwrap().clone();
    // Current conventions: parameters, messages, tokens, and the trace's retrieved documents.
    let a3 = by("3c4d5e6f708192a3");
    assert_eq!(a3["model"], "gpt-4o");
    assert_eq!(a3["model_version"], "gpt-4o-2024-08-06");
    assert_eq!(a3["llm"]["parameters"]["temperature"], 0.2);
    assert_eq!(a3["llm"]["parameters"]["max_tokens"], 512);
    assert_eq!(a3["llm"]["tokens"]["input_tokens"], 412);
    assert_eq!(a3["llm"]["tokens"]["output_tokens"], 23);
    assert!(a3["llm"]["system_prompt"]
        .to_string()
        .contains("Acme's support assistant"));
    assert_eq!(
        a3["retrieved_context_ids"],
        serde_json::json!(["kb-101", "kb-207"])
    );
    // A5's messages are only in the log event beside it.
    let a5 = by("5e6f708192a3b4c5");
    assert_eq!(a5["llm"]["prompt"].as_array().unwrap().len(), 3);
    assert!(a5["llm"]["response"].to_string().contains("delayed"));
    // Older conventions in span events.
    let c3 = by("c3d4e5f60718293a");
    assert!(c3["llm"]["response"]
        .to_string()
        .contains("20 vacation days"));
    assert_eq!(c3["llm"]["tokens"]["input_tokens"], 58);
    // Indexed prompts, ordered by number (10 and 11 after 9).
    let d7 = by("d718293a4b5c6d7e");
    let prompt = d7["llm"]["prompt"].as_array().unwrap();
    assert_eq!(prompt.len(), 12);
    assert_eq!(prompt[11]["role"], "tool");
    assert!(prompt[9]["content"]
        .as_str()
        .unwrap()
        .contains("7-hour flight"));
    // Older per-message log events beside E1.
    let e1 = by("e1f2030415263748");
    assert!(e1["llm"]["prompt"]
        .to_string()
        .contains("Do you support SSO?"));
    assert!(e1["llm"]["response"].to_string().contains("SAML and OIDC"));
    // Structured messages on the span.
    let f2 = by("f2b3c4d5e6f70819");
    assert!(f2["llm"]["response"].to_string().contains("Belém"));
}

fn oi(name: &str) -> PathBuf {
    formats().join("openinference").join(name)
}

#[test]
fn openinference_llm_spans_are_decisions_with_the_documents_they_were_given() {
    let dir = tmp();
    let case = dir.path().join("r.casefile");
    let src = import(&case, &oi("rag-llamaindex.json"), &[]);
    assert_eq!(src["rows_loaded"], 5);
    let all = decisions(&case);
    assert_eq!(all.len(), 1);
    let d = &all[0];
    assert_eq!(d["model"], "gpt-4o-mini");
    assert_eq!(d["llm"]["parameters"]["temperature"], 0.1);
    assert_eq!(d["llm"]["parameters"]["max_tokens"], 512);
    assert_eq!(d["llm"]["tokens"]["total_tokens"], 763);
    assert_eq!(
        d["llm"]["prompt"][1]["content"],
        "How do I rotate an API key?"
    );
    assert_eq!(
        d["retrieved_context_ids"],
        serde_json::json!([
            "6f1c2a9e-0b7d-4e38-9a51-2d4c8e7f1a03",
            "b2d4e6f8-1a3c-4e5f-8a7b-9c0d1e2f3a4b",
            "0c9e8d7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f"
        ])
    );
    // Explain shows each document as the retrieval gave it to the model.
    let x = json(&["explain", s(&case), d["decision_id"].as_str().unwrap()]);
    let context = x["context"].as_array().unwrap();
    assert_eq!(context.len(), 3);
    assert!(context.iter().all(|c| c["found"] == true));
    assert!((context[0]["state_then"]["score"].as_f64().unwrap() - 0.8312).abs() < 1e-9);

    let case = dir.path().join("a.casefile");
    let src = import(&case, &oi("agent-langchain.json"), &[]);
    assert_eq!(src["rows_loaded"], 15);
    let all = decisions(&case);
    assert_eq!(all.len(), 7);
    let sixth = all
        .iter()
        .find(|d| d["event_id"] == "c0a800000000000d")
        .unwrap();
    let prompt = sixth["llm"]["prompt"].as_array().unwrap();
    assert_eq!(prompt.len(), 12);
    assert!(prompt[11]["content"]
        .as_str()
        .unwrap()
        .starts_with("412 lines"));
    // The tool calls that had returned when the model was called are among its causes.
    let second = all
        .iter()
        .find(|d| d["event_id"] == "c0a8000000000005")
        .unwrap();
    let x = json(&["explain", s(&case), second["decision_id"].as_str().unwrap()]);
    let causes: Vec<&str> = x["causation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_id"].as_str().unwrap())
        .collect();
    assert!(causes.contains(&"c0a8000000000003"), "{causes:?}");
    assert!(
        !causes.contains(&"c0a8000000000006"),
        "a later tool call is no cause: {causes:?}"
    );
    // LangChain's documents have no ids: named by their source.
    assert!(all.iter().all(|d| d["retrieved_context_ids"]
        .as_array()
        .is_some_and(|ids| ids.is_empty() || ids[0] == "runbooks/checkout-latency.md#3")));

    // Phoenix's OTLP download: snake_case keys, no resource.
    let case = dir.path().join("p.casefile");
    let src = import(&case, &oi("phoenix-ui-export.otlp.json"), &[]);
    assert_eq!(src["rows_loaded"], 3);
    let all = decisions(&case);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["model"], "gpt-4.1-mini");
    assert_eq!(
        all[0]["retrieved_context_ids"],
        serde_json::json!(["faq-12", "faq-31"])
    );
}

#[test]
fn a_dry_run_shows_the_first_records_as_they_would_load_and_loads_nothing() {
    let dir = tmp();
    let case = dir.path().join("never.casefile");
    let file = formats().join("kafka/orders.kcat-with-stderr.txt");
    let v = json(&["import", s(&case), s(&file), "--dry-run"]);
    assert!(!case.exists(), "a dry run creates no case");
    let p = &v["files"][0];
    assert_eq!(p["format"], "kcat");
    assert_eq!(p["sampled_rows"], 18);
    assert_eq!(p["would_quarantine"], 6);
    let rows = p["rows"].as_array().unwrap();
    let first_record = rows.iter().find(|r| r["quarantined"].is_null()).unwrap();
    assert_eq!(first_record["stream_id"], "o-1001");
    assert_eq!(first_record["event_type"], "OrderPlaced");
    assert!(p["times_placed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["reason"] == "kafka_timestamp"));
    // In words too.
    let out = run(&["import", s(&case), s(&file), "--dry-run"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("12 would load, 6 would be quarantined"),
        "{text}"
    );
}
