//! The time machine through the CLI, on the lending sample: both axes, both views of corrections,
//! history diffs, diffs between instants, timelines and fold rules.

use serde_json::{json, Value};

use crate::common::*;

fn lending_case(dir: &tempfile::TempDir) -> std::path::PathBuf {
    let case = dir.path().join("lending.casefile");
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(samples().join("lending"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let mut args = vec!["import", s(&case)];
    args.extend(files.iter().map(|p| s(p)));
    assert_reconciled(&json(&args));
    case
}

/// The sample's planted case: applicant-0005's decision saw credit score 592; a score of 519 that
/// occurred two hours before the decision was recorded eleven days later.
#[test]
fn recorded_and_occurred_axes_disagree_on_the_late_credit_score() {
    let dir = tmp();
    let case = lending_case(&dir);
    let decided = "2024-04-02T20:40:34Z";
    let knew = json(&["state", s(&case), "applicant-0005", "--at", decided]);
    assert_eq!(knew["axis"], "recorded");
    assert_eq!(knew["state"]["credit_score"], 592);
    assert_eq!(knew["state"]["output"]["label"], "decline");
    let world = json(&[
        "state",
        s(&case),
        "applicant-0005",
        "--at",
        decided,
        "--axis",
        "occurred",
    ]);
    assert_eq!(world["state"]["credit_score"], 519);
    assert_eq!(
        world["events_applied"].as_u64().unwrap(),
        knew["events_applied"].as_u64().unwrap() + 1,
        "the late score counts on the occurred axis only"
    );
    // Once the late score was recorded, the system knew it too.
    let later = json(&[
        "state",
        s(&case),
        "applicant-0005",
        "--at",
        "2024-04-14T00:00:00Z",
    ]);
    assert_eq!(later["state"]["credit_score"], 519);
    // Before the first event, nothing.
    let before = json(&[
        "state",
        s(&case),
        "applicant-0005",
        "--at",
        "2024-01-01T00:00:00Z",
    ]);
    assert_eq!(before["events_seen"], 0);
    assert_eq!(before["state"], json!({}));
    for key in [
        "stream_id",
        "at",
        "axis",
        "version",
        "last_event_id",
        "events_applied",
        "state",
    ] {
        assert!(knew.get(key).is_some(), "state --json lacks `{key}`");
    }
}

/// Outcomes arrive weeks after they happen: applicant-0156 repaid on 2024-04-30, and the lender's
/// feed delivered it on 2024-06-08.
#[test]
fn a_late_outcome_is_true_on_the_occurred_axis_before_the_system_knows_it() {
    let dir = tmp();
    let case = lending_case(&dir);
    let between = "2024-05-15T00:00:00Z";
    let world = json(&[
        "state",
        s(&case),
        "applicant-0156",
        "--at",
        between,
        "--axis",
        "occurred",
    ]);
    assert_eq!(world["state"]["days_past_due"], 0);
    assert_eq!(world["last_event_id"], "len-000927");
    let knew = json(&["state", s(&case), "applicant-0156", "--at", between]);
    assert!(knew["state"].get("days_past_due").is_none(), "{knew}");
    assert_eq!(
        knew["events_seen"].as_u64().unwrap() + 1,
        world["events_seen"].as_u64().unwrap()
    );
    let arrived = json(&[
        "state",
        s(&case),
        "applicant-0156",
        "--at",
        "2024-06-09T00:00:00Z",
    ]);
    assert_eq!(arrived["state"]["days_past_due"], 0);
}

#[test]
fn an_override_replaces_the_decision_as_corrected_but_not_as_recorded() {
    let dir = tmp();
    let case = lending_case(&dir);
    // len-001106 (decline) was overridden by len-001107 (approve), recorded 2024-01-14T01:28:18Z.
    let between = "2024-01-13T00:00:00Z";
    let corrected = json(&["state", s(&case), "applicant-0186", "--at", between]);
    assert_eq!(corrected["state"]["output"]["label"], "approve");
    assert_eq!(
        corrected["state"]["output"]["score"], 0.4786,
        "the correction amends the decision, it does not erase the rest of it"
    );
    let recorded = json(&[
        "state",
        s(&case),
        "applicant-0186",
        "--at",
        between,
        "--as-recorded",
    ]);
    assert_eq!(recorded["view"], "as_recorded");
    assert_ne!(recorded["state"]["output"]["label"], "approve");
    let after = json(&[
        "state",
        s(&case),
        "applicant-0186",
        "--at",
        "2024-01-15T00:00:00Z",
        "--as-recorded",
    ]);
    assert_eq!(after["state"]["output"]["label"], "approve");
}

/// Applies a history step's diff to the state before it.
fn apply_diff(state: &Value, diff: &[Value]) -> Value {
    let mut out = state.clone();
    for change in diff {
        let path = change["path"].as_str().unwrap();
        let segs: Vec<&str> = path.split('.').collect();
        let (last, parents) = segs.split_last().unwrap();
        let mut node = &mut out;
        for p in parents {
            node = node
                .as_object_mut()
                .unwrap()
                .entry(p.to_string())
                .or_insert(json!({}));
        }
        let map = node.as_object_mut().unwrap();
        match change["op"].as_str().unwrap() {
            "remove" => {
                assert_eq!(map.remove(*last).as_ref(), Some(&change["old"]));
            }
            "add" => {
                assert!(map.get(*last).is_none(), "add of an existing {path}");
                map.insert(last.to_string(), change["new"].clone());
            }
            _ => {
                assert_eq!(map.get(*last), Some(&change["old"]), "old value of {path}");
                map.insert(last.to_string(), change["new"].clone());
            }
        }
    }
    out
}

#[test]
fn history_diffs_are_exact_step_by_step() {
    let dir = tmp();
    let case = lending_case(&dir);
    for stream in ["applicant-0005", "applicant-0186"] {
        let h = json(&["history", s(&case), stream]);
        let steps = h["steps"].as_array().unwrap();
        let stored = json(&["events", s(&case), "--stream", stream]);
        assert_eq!(steps.len(), stored["events"].as_array().unwrap().len());
        let mut state = json!({});
        for step in steps {
            state = apply_diff(&state, step["diff"].as_array().unwrap());
            assert_eq!(state, step["state"], "after {}", step["event"]["event_id"]);
        }
        // The history's last state is the state now.
        let now = json(&["state", s(&case), stream, "--at", "2030-01-01T00:00:00Z"]);
        assert_eq!(now["state"], state);
    }
    let late = json(&["history", s(&case), "applicant-0005"]);
    let step = late["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|st| st["event"]["event_id"] == "len-000030")
        .unwrap()
        .clone();
    let change = step["diff"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["path"] == "credit_score")
        .unwrap()
        .clone();
    assert_eq!(
        change,
        json!({"path": "credit_score", "op": "change", "old": 592, "new": 519})
    );
}

#[test]
fn diff_between_two_instants_lists_the_events_and_changes_between() {
    let dir = tmp();
    let case = lending_case(&dir);
    let d = json(&[
        "diff",
        s(&case),
        "applicant-0005",
        "--from",
        "2024-04-02T20:40:34Z",
        "--to",
        "2024-04-14T00:00:00Z",
    ]);
    assert_eq!(d["before"]["credit_score"], 592);
    assert_eq!(d["after"]["credit_score"], 519);
    assert!(d["events"]
        .as_array()
        .unwrap()
        .contains(&json!("len-000030")));
    assert!(d["diff"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["path"] == "credit_score" && c["new"] == 519));
    let backwards = json_with(
        2,
        &[
            "diff",
            s(&case),
            "applicant-0005",
            "--from",
            "2024-05-01",
            "--to",
            "2024-04-01",
        ],
    );
    assert_eq!(backwards["error"]["code"], "bad_argument");
}

#[test]
fn timeline_buckets_count_every_event_once() {
    let dir = tmp();
    let case = lending_case(&dir);
    let info = json(&["info", s(&case)]);
    let t = json(&["timeline", s(&case), "--buckets", "37"]);
    let buckets = t["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 37);
    let sum: i64 = buckets.iter().map(|b| b["count"].as_i64().unwrap()).sum();
    assert_eq!(sum, info["events"].as_i64().unwrap());
    for pair in buckets.windows(2) {
        assert_eq!(pair[0]["end"], pair[1]["start"], "buckets are contiguous");
    }
    let decisions = json(&[
        "timeline",
        s(&case),
        "--event-type",
        "LoanDecisionMade",
        "--buckets",
        "5",
    ]);
    assert_eq!(
        decisions["total"], info["event_types"]["LoanDecisionMade"],
        "filtered timeline counts only that type"
    );
    let bad = json_with(2, &["timeline", s(&case), "--buckets", "0"]);
    assert_eq!(bad["error"]["code"], "bad_argument");
}

#[test]
fn fold_rules_stored_in_the_case_change_the_state() {
    let dir = tmp();
    let case = lending_case(&dir);
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        r#"
[[rule]]
event_type = "CreditScoreUpdated"
set = { "credit.score" = "credit_score" }
append = { "credit.history" = "credit_score" }

[[upcaster]]
event_type = "ApplicantRegistered"
schema_version = 1
rename = { name = "full_name" }
"#,
    )
    .unwrap();
    let stored = json(&["rules", s(&case), "--set", s(&rules)]);
    assert_eq!(stored["rule"][0]["event_type"], "CreditScoreUpdated");
    let st = json(&[
        "state",
        s(&case),
        "applicant-0005",
        "--at",
        "2024-05-01T00:00:00Z",
    ]);
    assert_eq!(st["state"]["credit"]["score"], 519);
    assert_eq!(st["state"]["credit"]["history"], json!([592, 519]));
    assert_eq!(st["state"]["full_name"], "Applicant 5");
    assert!(st["state"].get("credit_score").is_none());
    let h = json(&["history", s(&case), "applicant-0005"]);
    let first = &h["steps"][0];
    assert_eq!(
        first["event"]["payload"]["name"], "Applicant 5",
        "raw stays raw"
    );
    assert_eq!(first["upcast"]["payload"]["full_name"], "Applicant 5");
    assert_eq!(first["upcast"]["to_schema"], 2);

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[rule]]\nevent_type = \"X\"\nincrement = { \"\" = \"n\" }\n",
    )
    .unwrap();
    let err = json_with(2, &["rules", s(&case), "--set", s(&bad)]);
    assert_eq!(err["error"]["code"], "bad_rules");
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("only `merge` may target the root"));
}

#[test]
fn an_unknown_stream_is_a_clear_error() {
    let dir = tmp();
    let case = lending_case(&dir);
    let err = json_with(
        2,
        &["state", s(&case), "applicant-9999", "--at", "2024-05-01"],
    );
    assert_eq!(err["error"]["code"], "unknown_stream");
    let err = json_with(
        2,
        &["state", s(&case), "applicant-0005", "--at", "yesterday"],
    );
    assert_eq!(err["error"]["code"], "bad_time");
}

#[test]
fn population_is_every_existing_stream_as_a_table_and_exports() {
    let dir = tmp();
    let case = lending_case(&dir);
    let at = "2024-04-02T20:40:34Z";
    let csv_path = dir.path().join("population.csv");
    let p = json(&[
        "population",
        s(&case),
        "--type",
        "Applicant",
        "--at",
        at,
        "--out",
        s(&csv_path),
        "--save",
    ]);
    let rows = p["rows"].as_u64().unwrap();
    assert!(rows > 100, "{p}");
    let columns: Vec<&str> = p["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(columns[0], "stream_id");
    assert!(columns.contains(&"credit_score"));
    assert_eq!(
        p["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "output")
            .unwrap()["type"],
        "JSON",
        "nested values stay JSON"
    );
    // The file holds the same table.
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, columns);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len() as u64, rows);
    let score_col = header.iter().position(|h| h == "credit_score").unwrap();
    let row5 = records.iter().find(|r| &r[0] == "applicant-0005").unwrap();
    assert_eq!(
        &row5[score_col], "592",
        "what the system knew at the decision"
    );
    // Kept in the case for SQL.
    let counted = sql(&case, "SELECT count(*) FROM population");
    assert_eq!(counted[0][0].as_u64(), Some(rows));
    // Each row agrees with the one-stream as-of.
    let one = json(&["state", s(&case), "applicant-0186", "--at", at]);
    let from_sql = sql(
        &case,
        "SELECT credit_score, annual_income FROM population WHERE stream_id = 'applicant-0186'",
    );
    assert_eq!(from_sql[0][0], one["state"]["credit_score"]);
    assert_eq!(from_sql[0][1], one["state"]["annual_income"]);
    // Streams that do not exist yet are not rows.
    let early = json(&[
        "population",
        s(&case),
        "--type",
        "Applicant",
        "--at",
        "2024-01-01T00:00:00Z",
    ]);
    assert_eq!(early["rows"], 0);
    let unknown = json_with(
        2,
        &["population", s(&case), "--type", "Spaceship", "--at", at],
    );
    assert!(unknown["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Applicant"));
}

#[test]
fn population_diff_accounts_for_every_stream_at_both_instants() {
    let dir = tmp();
    let case = lending_case(&dir);
    let (from, to) = ("2024-03-01T00:00:00Z", "2024-04-15T00:00:00Z");
    let rows_at = |t: &str| {
        json(&["population", s(&case), "--type", "Applicant", "--at", t])["rows"]
            .as_u64()
            .unwrap()
    };
    let d = json(&[
        "diff",
        s(&case),
        "--type",
        "Applicant",
        "--from",
        from,
        "--to",
        to,
        "--limit",
        "5",
    ]);
    let n = |k: &str| d[k].as_u64().unwrap();
    assert_eq!(n("added") + n("changed") + n("unchanged"), rows_at(to));
    assert_eq!(n("removed") + n("changed") + n("unchanged"), rows_at(from));
    assert!(n("changed") > 0 && n("added") > 0, "{d}");
    assert_eq!(d["streams"].as_array().unwrap().len(), 5);
    let first = &d["streams"][0];
    let one = json(&[
        "diff",
        s(&case),
        first["stream_id"].as_str().unwrap(),
        "--from",
        from,
        "--to",
        to,
    ]);
    assert_eq!(
        first["diff"], one["diff"],
        "population and stream diffs agree"
    );
    let both = json_with(
        2,
        &[
            "diff",
            s(&case),
            "applicant-0005",
            "--type",
            "Applicant",
            "--from",
            from,
            "--to",
            to,
        ],
    );
    assert_eq!(both["error"]["code"], "bad_argument");
}

#[test]
fn entity_search_matches_ids_literally_and_by_type() {
    let dir = tmp();
    let path = lending_case(&dir);
    let case = casefile::Case::open(&path).unwrap();
    let found = case.streams("PLICANT-000", None, 50).unwrap();
    assert!(found.iter().any(|s| s.stream_id == "applicant-0005"));
    assert!(found.iter().all(|s| s.stream_id.contains("applicant-000")));
    let five = found
        .iter()
        .find(|s| s.stream_id == "applicant-0005")
        .unwrap();
    let listed = case
        .events(&casefile::EventQuery {
            stream: Some("applicant-0005".into()),
            limit: 1,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(five.events, listed.total);
    assert_eq!(five.stream_type.as_deref(), Some("Applicant"));
    // `_` and `%` are literal characters, not patterns.
    assert!(case.streams("applicant_0005", None, 50).unwrap().is_empty());
    assert!(case.streams("%", None, 50).unwrap().is_empty());
    assert!(case
        .streams("applicant-0005", Some("Spaceship"), 50)
        .unwrap()
        .is_empty());
    assert_eq!(case.streams("", None, 3).unwrap().len(), 3);
}

#[test]
fn event_pages_by_key_hold_every_event_once_in_the_order_of_one_long_list() {
    let dir = tmp();
    let case = lending_case(&dir);
    for axis in ["occurred", "recorded"] {
        let whole = json(&["events", s(&case), "--axis", axis, "--limit", "100000"]);
        let whole: Vec<Value> = whole["events"].as_array().unwrap().clone();
        let paged = all_pages(&["events", s(&case), "--axis", axis], "250", "events");
        let ids = |rows: &[Value]| -> Vec<String> {
            rows.iter()
                .map(|e| e["event_id"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(ids(&paged), ids(&whole), "{axis} axis");
        // A filter holds across pages as well.
        let args = [
            "events",
            s(&case),
            "--stream",
            "applicant-0005",
            "--axis",
            axis,
        ];
        let one = json(&args);
        let paged = all_pages(&args, "2", "events");
        assert_eq!(ids(&paged), ids(one["events"].as_array().unwrap()));
    }
    let bad = run(&["events", s(&case), "--after", "yesterday"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("is not a page cursor"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[test]
fn event_pages_cut_between_events_at_one_instant_lose_none_and_repeat_none() {
    let dir = tmp();
    let file = dir.path().join("ties.jsonl");
    let line = |id: &str, stream: &str| {
        format!(
            r#"{{"event_id":"{id}","stream_id":"{stream}","event_type":"Touched","occurred_at":"2024-05-01T10:00:00Z","recorded_at":"2024-05-01T10:00:00Z","payload":{{"n":1}}}}"#
        )
    };
    let body: Vec<String> = [
        ("t-1", "a"),
        ("t-2", "b"),
        ("t-3", "a"),
        ("t-4", "b"),
        ("t-5", "a"),
    ]
    .iter()
    .map(|(id, stream)| line(id, stream))
    .collect();
    std::fs::write(&file, body.join("\n") + "\n").unwrap();
    let case = dir.path().join("ties.casefile");
    json(&["import", s(&case), s(&file)]);
    for axis in ["occurred", "recorded"] {
        let paged = all_pages(&["events", s(&case), "--axis", axis], "1", "events");
        let ids: Vec<&str> = paged
            .iter()
            .map(|e| e["event_id"].as_str().unwrap())
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(
            sorted,
            ["t-1", "t-2", "t-3", "t-4", "t-5"],
            "{axis}: {ids:?}"
        );
    }
}

#[test]
fn history_pages_put_together_are_the_whole_history_state_for_state() {
    let dir = tmp();
    let case = lending_case(&dir);
    for stream in ["applicant-0005", "applicant-0186"] {
        let whole = json(&["history", s(&case), stream]);
        assert_eq!(whole["next"], Value::Null);
        let paged = all_pages(&["history", s(&case), stream], "2", "steps");
        assert_eq!(&paged, whole["steps"].as_array().unwrap(), "{stream}");
        let total = whole["steps"].as_array().unwrap().len();
        let last = json(&[
            "history",
            s(&case),
            stream,
            "--after",
            &(total - 1).to_string(),
            "--limit",
            "5",
        ]);
        assert_eq!(last["total_steps"], total);
        assert_eq!(last["first_step"], total - 1);
        assert_eq!(last["steps"][0], whole["steps"][total - 1]);
    }
}
