//! The exports of LLM platforms: LangSmith bulk exports (Hive-partitioned folders in both
//! layouts, the destination check left under `tmp/`), Langfuse's UI download and blob storage
//! exports (legacy and enriched, JSON lines and CSV: one trace in three shapes, read once), and
//! Phoenix's `spans_to_jsonl` (a bare NaN, UUID ids, a naive time) and `get_spans_dataframe` rows.
//! Every LLM call is a decision with its model, messages and tokens, and the documents its trace
//! retrieved before it are its context, as for OTLP traces.
//!
//! The fixtures are in `tests/fixtures/formats/{langsmith,langfuse,phoenix}/`; each SHAPES.md says
//! where every quirk comes from and gives the counts used here. Real LangSmith and Phoenix exports
//! (and new Langfuse blob exports) are Parquet; the fixtures are JSON lines with the same columns,
//! so the tests also write Parquet copies (zstd) with DuckDB at test time, in the same folder
//! tree, and import those. What SHAPES.md leaves unverified (the zero-padding of `month`/`day`,
//! the Parquet physical types) is as the fixtures have it: the copies' types are DuckDB's reading
//! of the JSON, with the times cast to timestamps (UTC-aware, or naive for an old export).

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::common::*;

fn formats() -> PathBuf {
    fixtures().join("formats")
}

fn import(case: &Path, path: &Path, extra: &[&str]) -> Value {
    import_reconciled(case, path, extra)
}

/// (rows read, loaded, quarantined, duplicates) of a source or a folder summary.
fn counts(v: &Value) -> (u64, u64, u64, u64) {
    let n = |k: &str| {
        v[k].as_u64()
            .unwrap_or_else(|| panic!("{k} missing in {v}"))
    };
    (
        n("rows_read"),
        n("rows_loaded"),
        n("rows_quarantined"),
        n("duplicates"),
    )
}

fn decisions(case: &Path) -> Vec<Value> {
    json(&["decisions", s(case)])["decisions"]
        .as_array()
        .unwrap()
        .clone()
}

fn decision<'d>(all: &'d [Value], event_id: &str) -> &'d Value {
    all.iter()
        .find(|d| d["event_id"] == event_id)
        .unwrap_or_else(|| panic!("no decision for event {event_id}"))
}

fn event_ids(all: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = all
        .iter()
        .map(|d| d["event_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

/// The context documents explain shows for a decision, as the retrieval gave them.
fn context(case: &Path, d: &Value) -> Vec<Value> {
    let x = json(&["explain", s(case), d["decision_id"].as_str().unwrap()]);
    x["context"].as_array().unwrap().clone()
}

/// Copies a JSON lines fixture into Parquet (zstd) with DuckDB, the columns cast by `replace`
/// (a `* REPLACE (…)` list, or empty), keeping the order of the rows.
fn to_parquet(jsonl: &Path, parquet: &Path, replace: &str) {
    to_parquet_with(jsonl, parquet, replace, "")
}

/// As [`to_parquet`], with options for DuckDB's JSON reader (`, maximum_depth = 1`).
fn to_parquet_with(jsonl: &Path, parquet: &Path, replace: &str, options: &str) {
    std::fs::create_dir_all(parquet.parent().unwrap()).unwrap();
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let select = if replace.is_empty() {
        "*".to_string()
    } else {
        format!("* REPLACE ({replace})")
    };
    conn.execute_batch(&format!(
        "COPY (SELECT {select} FROM read_json_auto('{}'{options})) TO '{}' (FORMAT parquet, COMPRESSION zstd)",
        jsonl.display(),
        parquet.display()
    ))
    .unwrap();
    assert_eq!(&std::fs::read(parquet).unwrap()[..4], b"PAR1");
}

/// The decisions without what differs between two imports of the same calls.
fn comparable(all: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = all.to_vec();
    out.sort_by(|a, b| a["event_id"].as_str().cmp(&b["event_id"].as_str()));
    out
}

// ---------------------------------------------------------------- LangSmith

fn langsmith() -> PathBuf {
    formats().join("langsmith/bulk-export")
}

const SESSION: &str = "export_id=0f3c2a91-6b7d-4e58-9a1c-2d3e4f5a6b7c/tenant_id=7e1d0c2b-3a4f-4b5c-8d6e-9f0a1b2c3d4e/session_id=c4b3a291-8d7e-4f6a-9b5c-1d2e3f4a5b6c";
const DAY_14: &str = "runs/year=2025/month=03/day=14/part-00000-5a1e";
const DAY_15: &str = "resource=runs/year=2025/month=3/day=15/part-00000-9c2d";

fn langsmith_file(day: &str) -> PathBuf {
    langsmith().join(SESSION).join(format!("{day}.jsonl"))
}

/// Trace A's LLM call (SHAPES.md): LangChain's serialized messages, the model requested and the
/// one that answered, parameters, tokens, and the two documents retrieved before it.
fn check_langsmith_trace_a(case: &Path, all: &[Value]) {
    let d = decision(all, "1f0e2d3c-0003-4a5b-8c6d-7e8f9a0b1c2d");
    assert_eq!(d["event_type"], "gen_ai.chat");
    assert_eq!(d["model"], "gpt-4o-mini");
    assert_eq!(d["model_version"], "gpt-4o-mini-2024-07-18");
    assert_eq!(d["actor"], "ai/gpt-4o-mini");
    // The thread (extra.metadata.thread_id) is the stream, as a conversation is for OTLP.
    assert_eq!(d["stream_id"], "th-88");
    assert_eq!(d["correlation_id"], "1f0e2d3c-0001-4a5b-8c6d-7e8f9a0b1c2d");
    assert_eq!(d["causation_id"], "1f0e2d3c-0001-4a5b-8c6d-7e8f9a0b1c2d");
    assert_eq!(d["decided_at"], "2025-03-14T09:12:03.611204Z");
    let llm = &d["llm"];
    assert_eq!(
        llm["parameters"],
        json!({"stream": false, "n": 1, "temperature": 0.1, "max_tokens": 512, "stop": null})
    );
    let prompt = llm["prompt"].as_array().unwrap();
    assert_eq!(prompt.len(), 2);
    assert_eq!(prompt[0]["role"], "system");
    assert_eq!(
        prompt[1],
        json!({"role": "user", "content": "How do I rotate an API key?"})
    );
    let system = llm["system_prompt"].as_str().unwrap();
    assert!(system.starts_with("Answer from the context only.\n---\n"));
    assert!(system.contains("within 60 seconds.\n\nOnly workspace admins"));
    assert_eq!(
        llm["response"],
        json!([{"role": "assistant", "content": "Create a new key under Settings > API Keys, move your clients to it, then revoke the old one; it stops working within 60 seconds."}])
    );
    assert_eq!(llm["finish_reason"], json!(["stop"]));
    assert_eq!(
        llm["tokens"],
        json!({"input_tokens": 118, "output_tokens": 31, "total_tokens": 149})
    );
    // LangChain's documents have no ids: named by their source and chunk.
    assert_eq!(
        d["retrieved_context_ids"],
        json!(["docs/security.md#4", "docs/admin-guide.md#12"])
    );
    let docs = context(case, d);
    assert_eq!(docs.len(), 2);
    assert!(docs.iter().all(|c| c["found"] == true));
    assert_eq!(
        docs[0]["state_then"]["page_content"],
        "API keys are rotated under Settings > API Keys; revoked keys stop working within 60 seconds."
    );
    assert_eq!(docs[1]["state_then"]["metadata"]["chunk"], 12);
}

/// Trace B's three calls (one failed) and the tool call between them.
fn check_langsmith_trace_b(case: &Path, all: &[Value]) {
    let first = decision(all, "2a1b3c4d-0002-4e5f-9a6b-7c8d9e0f1a2b");
    // wrap_openai keeps the answer's own id, which names the decision.
    assert_eq!(first["decision_id"], "chatcmpl-B1x9");
    assert_eq!(first["model"], "gpt-4o-2024-08-06");
    assert_eq!(first["stream_id"], "2a1b3c4d-0001-4e5f-9a6b-7c8d9e0f1a2b");
    assert_eq!(first["llm"]["parameters"]["temperature"], 0);
    assert_eq!(
        first["llm"]["parameters"]["tools"][0]["function"]["name"],
        "get_metrics"
    );
    assert_eq!(
        first["llm"]["system_prompt"],
        "You are an on-call assistant."
    );
    let answer = &first["llm"]["response"][0];
    assert!(answer["content"].is_null());
    assert_eq!(answer["tool_calls"][0]["id"], "call_Q1w2E3");
    assert_eq!(
        answer["tool_calls"][0]["function"]["arguments"],
        "{\"service\":\"checkout\"}"
    );
    assert_eq!(first["llm"]["finish_reason"], json!(["tool_calls"]));
    assert_eq!(first["llm"]["tokens"]["total_tokens"], 230);

    // The failed call: a decision with its four messages and no response.
    let failed = decision(all, "2a1b3c4d-0004-4e5f-9a6b-7c8d9e0f1a2b");
    assert_eq!(
        failed["decision_id"],
        "2a1b3c4d-0004-4e5f-9a6b-7c8d9e0f1a2b"
    );
    assert_eq!(failed["llm"]["prompt"].as_array().unwrap().len(), 4);
    assert!(failed["llm"]["response"].is_null());
    assert_eq!(failed["llm"]["tokens"]["total_tokens"], 0);
    // The tool had returned when the model was called again: a cause.
    let x = json(&["explain", s(case), failed["decision_id"].as_str().unwrap()]);
    let causes: Vec<&str> = x["causation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_id"].as_str().unwrap())
        .collect();
    assert!(
        causes.contains(&"2a1b3c4d-0003-4e5f-9a6b-7c8d9e0f1a2b"),
        "{causes:?}"
    );

    let third = decision(all, "2a1b3c4d-0005-4e5f-9a6b-7c8d9e0f1a2b");
    assert_eq!(third["decision_id"], "chatcmpl-B1xA");
    assert_eq!(third["llm"]["parameters"]["stream"], true);
    assert_eq!(
        third["llm"]["response"][0]["content"],
        "Redis hit rate fell to 41%, so p99 rose to 4 s; check the cache TTL change."
    );
    assert_eq!(
        third["llm"]["tokens"],
        json!({"input_tokens": 336, "output_tokens": 38, "total_tokens": 374})
    );
}

#[test]
fn langsmith_runs_load_file_by_file_with_every_llm_call_a_decision() {
    let dir = tmp();
    // Trace A (the `runs/` layout): 4 runs, 1 LLM call, 1 retrieval.
    let case = dir.path().join("a.casefile");
    let report = import(&case, &langsmith_file(DAY_14), &[]);
    let src = &report["sources"][0];
    assert_eq!(src["format"], "langsmith");
    assert_eq!(counts(src), (4, 4, 0, 0));
    // Every time has its offset (+00:00): nothing read as naive, nothing noted.
    assert_eq!(src["naive_timestamps"], 0);
    let all = decisions(&case);
    assert_eq!(all.len(), 1);
    check_langsmith_trace_a(&case, &all);
    let types = sql(
        &case,
        "SELECT event_type, stream_type FROM events ORDER BY occurred_at",
    );
    assert_eq!(
        json!(types),
        json!([
            ["RunnableSequence", "Trace"],
            ["gen_ai.retrieval", "Conversation"],
            ["gen_ai.chat", "Conversation"],
            ["StrOutputParser", "Trace"]
        ])
    );

    // Trace B (the `resource=runs` layout): 5 runs, 3 LLM calls (1 failed), 1 tool call.
    let case = dir.path().join("b.casefile");
    let report = import(&case, &langsmith_file(DAY_15), &[]);
    assert_eq!(counts(&report["sources"][0]), (5, 5, 0, 0));
    let all = decisions(&case);
    assert_eq!(all.len(), 3);
    check_langsmith_trace_b(&case, &all);
    // The failed call's status and error are in its metadata, as an OTLP span's are.
    let status = sql(
        &case,
        "SELECT json_extract_string(metadata, '$.status.code'), json_extract_string(metadata, '$.status.message') FROM events WHERE event_id = '2a1b3c4d-0004-4e5f-9a6b-7c8d9e0f1a2b'",
    );
    assert_eq!(status[0][0], "STATUS_CODE_ERROR");
    assert!(status[0][1]
        .as_str()
        .unwrap()
        .starts_with("RateLimitError("));
}

#[test]
fn a_langsmith_bulk_export_folder_loads_both_layouts_and_lists_its_destination_check() {
    let dir = tmp();
    let case = dir.path().join("f.casefile");
    let report = import(&case, &langsmith(), &[]);
    let summary = &report["folders"][0];
    assert_eq!(summary["files_found"], 3);
    assert_eq!(summary["files_imported"], 2);
    assert_eq!(counts(summary), (9, 9, 0, 0));
    let skipped = summary["not_imported"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(skipped[0]["path"]
        .as_str()
        .unwrap()
        .ends_with("tmp/destination-check-3f9a.txt"));
    assert_eq!(skipped[0]["code"], "not_data");
    assert!(skipped[0]["message"]
        .as_str()
        .unwrap()
        .contains("LangSmith"));
    // LLM calls 4 (3 answered, 1 failed), from both traces.
    let all = decisions(&case);
    assert_eq!(all.len(), 4);
    check_langsmith_trace_a(&case, &all);
    check_langsmith_trace_b(&case, &all);
    // The partition keys of both layouts are in every run's metadata, as the folders spell them.
    let keys = sql(
        &case,
        "SELECT DISTINCT json_extract_string(metadata, '$.resource'), json_extract_string(metadata, '$.month'), json_extract_string(metadata, '$.day'), json_extract_string(metadata, '$.tenant_id') FROM events ORDER BY 3",
    );
    assert_eq!(
        json!(keys),
        json!([
            [null, "03", "14", "7e1d0c2b-3a4f-4b5c-8d6e-9f0a1b2c3d4e"],
            ["runs", "3", "15", "7e1d0c2b-3a4f-4b5c-8d6e-9f0a1b2c3d4e"]
        ])
    );
}

/// The same export as Parquet (zstd), in the same folder tree: the run's times as UTC-aware
/// timestamps (`format_version` `v2_beta`) for one day and naive ones (older exports) for the
/// other, which LangSmith documents as UTC.
#[test]
fn a_langsmith_parquet_export_gives_the_same_decisions() {
    let dir = tmp();
    let root = dir.path().join("bulk-export");
    let aware = "start_time::TIMESTAMPTZ AS start_time, end_time::TIMESTAMPTZ AS end_time, first_token_time::TIMESTAMPTZ AS first_token_time";
    let naive = "start_time::TIMESTAMPTZ::TIMESTAMP AS start_time, end_time::TIMESTAMPTZ::TIMESTAMP AS end_time, first_token_time::TIMESTAMPTZ::TIMESTAMP AS first_token_time";
    for (day, replace) in [(DAY_14, aware), (DAY_15, naive)] {
        to_parquet(
            &langsmith_file(day),
            &root.join(SESSION).join(format!("{day}.parquet")),
            replace,
        );
    }
    let check = root.join("tmp/destination-check-3f9a.txt");
    std::fs::create_dir_all(check.parent().unwrap()).unwrap();
    std::fs::copy(langsmith().join("tmp/destination-check-3f9a.txt"), &check).unwrap();

    let case = dir.path().join("p.casefile");
    let report = import(&case, &root, &[]);
    let summary = &report["folders"][0];
    assert_eq!(summary["files_imported"], 2);
    assert_eq!(summary["not_imported"][0]["code"], "not_data");
    assert_eq!(counts(summary), (9, 9, 0, 0));
    for src in report["sources"].as_array().unwrap() {
        assert_eq!(src["container"], "parquet");
        assert_eq!(src["format"], "langsmith");
        // Naive times are UTC by LangSmith's documentation: read as UTC, not flagged as a guess.
        assert_eq!(src["naive_timestamps"], 0);
    }
    let parquet = decisions(&case);
    check_langsmith_trace_a(&case, &parquet);
    check_langsmith_trace_b(&case, &parquet);
    let notes = sql(
        &case,
        "SELECT count(*) FILTER (WHERE json_extract_string(metadata, '$.time_zone') LIKE 'UTC:%LangSmith documents them as UTC'), count(*) FROM events WHERE correlation_id LIKE '2a1b3c4d%'",
    );
    assert_eq!(json!(notes), json!([[5, 5]]));
    let first_token = sql(
        &case,
        "SELECT json_extract_string(payload, '$.attributes.first_token_time') FROM events WHERE event_id = '2a1b3c4d-0005-4e5f-9a6b-7c8d9e0f1a2b'",
    );
    assert_eq!(first_token[0][0], "2025-03-15T22:00:04.410Z");

    // The JSON lines give the very same decisions.
    let case = dir.path().join("j.casefile");
    import(&case, &langsmith(), &[]);
    assert_eq!(comparable(&parquet), comparable(&decisions(&case)));
}

// ---------------------------------------------------------------- Langfuse

fn langfuse() -> PathBuf {
    formats().join("langfuse")
}

const PROJECT: &str = "blob/cm8k2x0a40001qz07proj0001";

/// The trace's two generations (SHAPES.md), both decisions, with the retrieval as their context.
fn check_langfuse(case: &Path, all: &[Value]) {
    assert_eq!(event_ids(all), vec!["9f1e2d3c4b5a6074", "9f1e2d3c4b5a6075"]);
    for d in all {
        assert_eq!(d["model"], "gpt-4o");
        assert_eq!(d["stream_id"], "7d3f9b2e4c1a4e6f8a0b1c2d3e4f5a6b");
        assert_eq!(d["causation_id"], "9f1e2d3c4b5a6071");
        assert_eq!(
            d["llm"]["parameters"],
            json!({"temperature": 0.2, "max_tokens": 400})
        );
        assert_eq!(
            d["llm"]["prompt"],
            json!([
                {"role": "system", "content": "Answer from the FAQ only."},
                {"role": "user", "content": "Can I change my billing email?"}
            ])
        );
        assert_eq!(d["llm"]["system_prompt"], "Answer from the FAQ only.");
        assert_eq!(d["retrieved_context_ids"], json!(["faq-12", "faq-31"]));
    }
    let failed = decision(all, "9f1e2d3c4b5a6074");
    assert!(failed["llm"]["response"].is_null());
    assert_eq!(failed["llm"]["tokens"], json!({}));
    let answered = decision(all, "9f1e2d3c4b5a6075");
    assert_eq!(answered["decided_at"], "2025-03-14T10:15:03.512Z");
    assert_eq!(
        answered["llm"]["response"],
        json!([{"role": "assistant", "content": "Yes \u{2014} open Billing > Contact and edit the email address."}])
    );
    assert_eq!(
        answered["llm"]["tokens"],
        json!({"input_tokens": 96, "output_tokens": 18, "total_tokens": 114})
    );
    let docs = context(case, answered);
    assert_eq!(docs.len(), 2);
    assert_eq!(
        docs[0]["state_then"],
        json!({"id": "faq-12", "content": "Billing contacts are edited under Billing > Contact.", "score": 0.77})
    );
    // The failed call's level and status message are its status.
    let status = sql(
        case,
        "SELECT json_extract_string(metadata, '$.status.code'), json_extract_string(metadata, '$.status.message') FROM events WHERE event_id = '9f1e2d3c4b5a6074'",
    );
    assert_eq!(
        json!(status),
        json!([["STATUS_CODE_ERROR", "429 Too Many Requests"]])
    );
}

fn langfuse_events(case: &Path) -> Value {
    json!(sql(
        case,
        "SELECT event_id, event_type, coalesce(causation_id, '-') FROM events ORDER BY occurred_at, event_id",
    ))
}

#[test]
fn a_langfuse_trace_downloaded_from_the_ui_is_six_events_and_two_decisions() {
    let dir = tmp();
    let case = dir.path().join("ui.casefile");
    let file = langfuse().join("ui-download/trace-7d3f9b2e4c1a4e6f8a0b1c2d3e4f5a6b.json");
    let report = import(&case, &file, &[]);
    let src = &report["sources"][0];
    assert_eq!(src["format"], "langfuse");
    assert_eq!(src["container"], "json");
    // 1 trace + 5 observations, rows numbered one by one.
    assert_eq!(counts(src), (6, 6, 0, 0));
    assert_eq!(
        langfuse_events(&case),
        json!([
            ["7d3f9b2e4c1a4e6f8a0b1c2d3e4f5a6b", "langfuse.trace", "-"],
            ["9f1e2d3c4b5a6071", "qa-pipeline", "-"],
            ["9f1e2d3c4b5a6072", "gen_ai.retrieval", "9f1e2d3c4b5a6071"],
            ["9f1e2d3c4b5a6073", "cache-miss", "9f1e2d3c4b5a6071"],
            ["9f1e2d3c4b5a6074", "gen_ai.chat", "9f1e2d3c4b5a6071"],
            ["9f1e2d3c4b5a6075", "gen_ai.chat", "9f1e2d3c4b5a6071"]
        ])
    );
    check_langfuse(&case, &decisions(&case));
    // The trace's own event: who asked, in which session, what they asked.
    let trace = sql(
        &case,
        "SELECT actor, json_extract_string(payload, '$.session_id'), json_extract_string(payload, '$.input') FROM events WHERE event_type = 'langfuse.trace'",
    );
    assert_eq!(
        json!(trace),
        json!([["user/u-2290", "sess-7d41", "Can I change my billing email?"]])
    );
}

#[test]
fn langfuse_blob_exports_legacy_and_enriched_are_one_trace_read_once() {
    let dir = tmp();
    // Each file alone.
    let case = dir.path().join("legacy.casefile");
    let legacy = langfuse()
        .join(PROJECT)
        .join("observations/2025-03-14T11-00-00.jsonl");
    let src = &import(&case, &legacy, &[])["sources"][0];
    assert_eq!(src["format"], "langfuse");
    assert_eq!(counts(src), (5, 5, 0, 0));
    // Zone-less times (`2025-03-14 10:15:02.120000`) are UTC by Langfuse's documentation: read
    // as UTC, not flagged as naive, and each event says so.
    assert_eq!(src["naive_timestamps"], 0);
    let zone = sql(
        &case,
        "SELECT count(*) FILTER (WHERE json_extract_string(metadata, '$.time_zone') LIKE 'UTC:%Langfuse documents them as UTC') FROM events",
    );
    assert_eq!(zone[0][0], 5);
    check_langfuse(&case, &decisions(&case));

    let case = dir.path().join("enriched.casefile");
    let enriched = langfuse()
        .join(PROJECT)
        .join("observations_v2/2025-03-14T11-00-00.csv");
    let src = &import(&case, &enriched, &[])["sources"][0];
    assert_eq!(src["format"], "langfuse");
    assert_eq!(src["container"], "csv");
    assert_eq!(counts(src), (5, 5, 0, 0));
    check_langfuse(&case, &decisions(&case));
    // The root's parent is "" in the enriched export: no parent, as null is in the legacy one.
    let roots = sql(
        &case,
        "SELECT event_id FROM events WHERE causation_id IS NULL",
    );
    assert_eq!(json!(roots), json!([["9f1e2d3c4b5a6071"]]));
    // What only the enriched export gives is kept in the metadata.
    let latency = sql(
        &case,
        "SELECT json_extract_string(metadata, '$.langfuse.latency'), json_extract_string(metadata, '$.langfuse.export') FROM events WHERE event_id = '9f1e2d3c4b5a6075'",
    );
    assert_eq!(json!(latency), json!([["1.349", "blob storage, enriched"]]));

    // The traces file alone: one trace, an event of its own and no decision.
    let case = dir.path().join("traces.casefile");
    let traces = langfuse()
        .join(PROJECT)
        .join("traces/2025-03-14T11-00-00.jsonl");
    let src = &import(&case, &traces, &[])["sources"][0];
    assert_eq!(src["format"], "langfuse");
    assert_eq!(counts(src), (1, 1, 0, 0));
    assert!(decisions(&case).is_empty());
    let trace = sql(
        &case,
        "SELECT event_type, stream_id, strftime(occurred_at, '%H:%M:%S.%g'), json_extract_string(metadata, '$.time_zone') LIKE 'UTC:%' FROM events",
    );
    assert_eq!(
        json!(trace),
        json!([[
            "langfuse.trace",
            "7d3f9b2e4c1a4e6f8a0b1c2d3e4f5a6b",
            "10:15:02.118",
            true
        ]])
    );

    // The blob folder: traces, legacy and enriched observations. The enriched rows repeat the
    // legacy ones exactly: 11 rows read, 6 events, 5 counted once.
    let case = dir.path().join("blob.casefile");
    let report = import(&case, &langfuse().join("blob"), &[]);
    let summary = &report["folders"][0];
    assert_eq!(summary["files_imported"], 3);
    assert_eq!(counts(summary), (11, 6, 0, 5));

    // Everything (the UI download too): 17 rows, still the one trace.
    let case = dir.path().join("all.casefile");
    let report = import(&case, &langfuse(), &[]);
    let summary = &report["folders"][0];
    assert_eq!(summary["files_found"], 5);
    assert_eq!(summary["files_imported"], 4);
    assert_eq!(
        summary["not_imported"][0]["path"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next(),
        Some("SHAPES.md")
    );
    assert_eq!(counts(summary), (17, 6, 0, 11));
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["kind"] != "conflicting_duplicate"));
    check_langfuse(&case, &decisions(&case));
}

/// Blob storage exports are Parquet by default for new integrations: the legacy observations
/// written as Parquet, `metadata` and the usage and cost details as maps (ClickHouse `Map`s).
#[test]
fn a_langfuse_parquet_export_repeats_the_json_lines_exactly() {
    let dir = tmp();
    let legacy = langfuse()
        .join(PROJECT)
        .join("observations/2025-03-14T11-00-00.jsonl");
    let parquet = dir.path().join("observations/2025-03-14T11-00-00.parquet");
    // Objects read as JSON (not one struct of every key seen), then typed as maps.
    to_parquet_with(
        &legacy,
        &parquet,
        "CAST(metadata AS MAP(VARCHAR, VARCHAR)) AS metadata, CAST(usage_details AS MAP(VARCHAR, BIGINT)) AS usage_details, CAST(cost_details AS MAP(VARCHAR, DOUBLE)) AS cost_details",
        ", maximum_depth = 1",
    );
    let case = dir.path().join("l.casefile");
    let src = &import(&case, &parquet, &[])["sources"][0];
    assert_eq!(src["container"], "parquet");
    assert_eq!(src["format"], "langfuse");
    assert_eq!(counts(src), (5, 5, 0, 0));
    check_langfuse(&case, &decisions(&case));
    // The JSON lines of the same observations are exact duplicates of the Parquet rows.
    let src = &import(&case, &legacy, &[])["sources"][0];
    assert_eq!(counts(src), (5, 0, 0, 5));
}

// ---------------------------------------------------------------- Phoenix

fn phoenix(name: &str) -> PathBuf {
    formats().join("phoenix").join(name)
}

#[test]
fn phoenix_spans_to_jsonl_reads_its_nan_line_and_uuid_ids() {
    let dir = tmp();
    let case = dir.path().join("s.casefile");
    let src = &import(&case, &phoenix("spans.spans_to_jsonl.jsonl"), &[])["sources"][0];
    assert_eq!(src["format"], "phoenix");
    // 4 spans, all valid: the line with a bare NaN is read, not refused.
    assert_eq!(counts(src), (4, 4, 0, 0));
    // Span 4's times have no offset: read as UTC and flagged (Phoenix does not document them).
    assert_eq!(src["naive_timestamps"], 1);
    let nan = sql(
        &case,
        "SELECT json_extract(metadata, '$.non_finite_read_as_null')::VARCHAR FROM events WHERE event_id = '0a1b2c3d-0002-4e5f-8a9b-0c1d2e3f4a02'",
    );
    assert_eq!(
        nan[0][0],
        r#"["/attributes/retrieval.documents/1/document.score was NaN"]"#
    );

    let all = decisions(&case);
    assert_eq!(
        event_ids(&all),
        vec![
            "0a1b2c3d-0003-4e5f-8a9b-0c1d2e3f4a03",
            "0a1b2c3d-0004-4e5f-8a9b-0c1d2e3f4a04"
        ]
    );
    for d in &all {
        assert_eq!(d["model"], "gpt-3.5-turbo-1106");
        assert_eq!(d["correlation_id"], "8f14e45f-ceea-467f-a9c1-2b3c4d5e6f70");
        assert_eq!(d["causation_id"], "0a1b2c3d-0001-4e5f-8a9b-0c1d2e3f4a01");
        assert_eq!(
            d["llm"]["parameters"],
            json!({"model": "gpt-3.5-turbo-1106", "temperature": 0.0})
        );
        assert_eq!(
            d["llm"]["prompt"][1],
            json!({"role": "user", "content": "Wie \u{e4}ndere ich meine Rechnungsadresse?"})
        );
        assert!(d["llm"]["system_prompt"]
            .as_str()
            .unwrap()
            .starts_with("Antworte nur aus dem Kontext:\n"));
        assert_eq!(d["retrieved_context_ids"], json!(["kb-88", "kb-91"]));
    }
    let failed = decision(&all, "0a1b2c3d-0003-4e5f-8a9b-0c1d2e3f4a03");
    assert!(failed["llm"]["response"].is_null());
    let answered = decision(&all, "0a1b2c3d-0004-4e5f-8a9b-0c1d2e3f4a04");
    assert_eq!(answered["decided_at"], "2024-01-16T08:30:01.500Z");
    assert_eq!(
        answered["llm"]["response"],
        json!([{"role": "assistant", "content": "Unter Abrechnung \u{203a} Adresse."}])
    );
    assert_eq!(
        answered["llm"]["tokens"],
        json!({"input_tokens": 58, "output_tokens": 9, "total_tokens": 67})
    );
    let docs = context(&case, answered);
    assert_eq!(docs.len(), 2);
    assert!((docs[0]["state_then"]["score"].as_f64().unwrap() - 0.8312).abs() < 1e-9);
    assert_eq!(docs[0]["state_then"]["metadata"]["source"], "kb/billing.md");
    // The NaN score is no score.
    assert_eq!(docs[1]["state_then"]["id"], "kb-91");
    assert!(docs[1]["state_then"]["score"].is_null());
    // The exception event of the failed call is kept with it.
    let exception = sql(
        &case,
        "SELECT json_extract_string(metadata, '$.events[0].name'), json_extract_string(metadata, '$.status.message') FROM events WHERE event_id = '0a1b2c3d-0003-4e5f-8a9b-0c1d2e3f4a03'",
    );
    assert_eq!(
        json!(exception),
        json!([["exception", "openai.APITimeoutError: Request timed out."]])
    );
}

fn check_phoenix_dataframe(case: &Path, all: &[Value]) {
    assert_eq!(all.len(), 1);
    let d = &all[0];
    assert_eq!(d["event_id"], "b7ad6b7169203333");
    assert_eq!(d["correlation_id"], "3c2b1a09f8e7d6c5b4a3928170f6e5d4");
    assert_eq!(d["model"], "gpt-4o-mini");
    assert_eq!(
        d["llm"]["parameters"],
        json!({"temperature": 0.1, "model": "gpt-4o-mini"})
    );
    assert_eq!(
        d["llm"]["prompt"],
        json!([
            {"role": "system", "content": "Context: Refunds are accepted within 30 days of delivery."},
            {"role": "user", "content": "What is the refund window?"}
        ])
    );
    assert_eq!(
        d["llm"]["response"],
        json!([{"role": "assistant", "content": "30 days from delivery."}])
    );
    // The dataframe's float token counts are whole numbers again.
    assert_eq!(
        d["llm"]["tokens"],
        json!({"input_tokens": 41, "output_tokens": 6, "total_tokens": 47})
    );
    assert_eq!(
        d["retrieved_context_ids"],
        json!(["5d0f1c2e-77aa-4c1e-9d3b-0b8f3c2a1e90"])
    );
    let docs = context(case, d);
    assert_eq!(docs.len(), 1);
    assert_eq!(
        docs[0]["state_then"]["metadata"],
        json!({"file_name": "policy.md", "page": 2})
    );
    assert!((docs[0]["state_then"]["score"].as_f64().unwrap() - 0.8841).abs() < 1e-9);
}

#[test]
fn phoenix_dataframe_rows_load_from_json_lines_and_parquet_alike() {
    let dir = tmp();
    let rows = phoenix("spans_dataframe.rows.jsonl");
    let case = dir.path().join("j.casefile");
    let src = &import(&case, &rows, &[])["sources"][0];
    assert_eq!(src["format"], "phoenix");
    assert_eq!(counts(src), (3, 3, 0, 0));
    let from_lines = decisions(&case);
    check_phoenix_dataframe(&case, &from_lines);

    // As the dataframe's Parquet: UTC-aware times, float token counts, lists of structs.
    let parquet = dir.path().join("trace_dataset-3c2b1a09.parquet");
    to_parquet(
        &rows,
        &parquet,
        "start_time::TIMESTAMPTZ AS start_time, end_time::TIMESTAMPTZ AS end_time",
    );
    let case = dir.path().join("p.casefile");
    let src = &import(&case, &parquet, &[])["sources"][0];
    assert_eq!(src["container"], "parquet");
    assert_eq!(src["format"], "phoenix");
    assert_eq!(counts(src), (3, 3, 0, 0));
    assert_eq!(src["naive_timestamps"], 0);
    let from_parquet = decisions(&case);
    check_phoenix_dataframe(&case, &from_parquet);
    assert_eq!(comparable(&from_lines), comparable(&from_parquet));

    // The fixture folder: both files (and SHAPES.md, which is not an export): 7 spans, 3 calls.
    let case = dir.path().join("folder.casefile");
    let report = import(&case, &formats().join("phoenix"), &[]);
    let summary = &report["folders"][0];
    assert_eq!(summary["files_found"], 3);
    assert_eq!(summary["files_imported"], 2);
    assert_eq!(counts(summary), (7, 7, 0, 0));
    let all = decisions(&case);
    assert_eq!(all.len(), 3);
    check_phoenix_dataframe(&case, &[decision(&all, "b7ad6b7169203333").clone()]);

    // Named with --format, the same.
    let case = dir.path().join("f.casefile");
    let src = &import(&case, &rows, &["--format", "phoenix"])["sources"][0];
    assert_eq!(counts(src), (3, 3, 0, 0));
}

#[test]
fn a_dry_run_of_a_parquet_export_shows_its_rows_rebuilt() {
    let dir = tmp();
    let parquet = dir.path().join("part-0.parquet");
    to_parquet(&langsmith_file(DAY_14), &parquet, "");
    let case = dir.path().join("never.casefile");
    let v = json(&["import", s(&case), s(&parquet), "--dry-run"]);
    let p = &v["files"][0];
    assert_eq!(p["format"], "langsmith");
    assert_eq!(p["rebuilt"], true);
    assert_eq!(p["sampled_rows"], 4);
    assert_eq!(p["would_quarantine"], 0);
    let types: Vec<&str> = p["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        vec![
            "RunnableSequence",
            "gen_ai.retrieval",
            "gen_ai.chat",
            "StrOutputParser"
        ]
    );
}
