//! `casefile drift`: the contract keys, the model change between the lending versions, the planted
//! income shift between two windows of v2.4.0, and filters that cannot work.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use crate::common::*;

/// A copy of the lending sample case for one test (imported once; each CLI run locks its file, so
/// tests running at once cannot share one).
fn lending(dir: &tempfile::TempDir) -> PathBuf {
    static TEMPLATE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, template) = TEMPLATE.get_or_init(|| {
        let keep = tmp();
        let case = keep.path().join("lending.casefile");
        let mut args = vec!["import".to_string(), s(&case).to_string()];
        for f in std::fs::read_dir(samples().join("lending")).unwrap() {
            args.push(f.unwrap().path().to_string_lossy().into_owned());
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        json(&refs);
        (keep, case)
    });
    let case = dir.path().join("lending.casefile");
    std::fs::copy(template, &case).unwrap();
    case
}

/// `casefile drift` of v2.3.1 (reference) against v2.4.0, with `extra` options, as JSON.
fn versions(case: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "drift",
        s(case),
        "--a",
        "model_version=v2.3.1",
        "--b",
        "model_version=v2.4.0",
    ];
    args.extend_from_slice(extra);
    json(&args)
}

/// `casefile drift` of two windows of v2.4.0: before the broker channel opened and after.
fn windows(case: &Path) -> Value {
    windows_with(case, &[])
}

fn windows_with(case: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "drift",
        s(case),
        "--a",
        "model_version=v2.4.0,to=2024-04-19T23:59:59Z",
        "--b",
        "model_version=v2.4.0,from=2024-04-26T00:00:00Z",
    ];
    args.extend_from_slice(extra);
    json(&args)
}

fn feature<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no feature {name} in {report}"))
}

#[test]
fn drift_between_the_lending_versions_has_the_contract_keys_and_the_default_tests() {
    let dir = tmp();
    let case = lending(&dir);
    let r = versions(&case, &[]);
    assert_eq!(r["a"]["filter"], "model_version=v2.3.1");
    assert_eq!(r["a"]["rows"], 103);
    assert_eq!(r["b"]["rows"], 137);
    for f in r["features"].as_array().unwrap() {
        for key in [
            "name",
            "kind",
            "test",
            "statistic",
            "p_value",
            "threshold",
            "drifted",
            "psi",
            "wasserstein_norm",
            "js_distance",
        ] {
            assert!(f.get(key).is_some(), "{key} missing in {f}");
        }
    }
    for key in ["dataset_drift", "drift_share"] {
        assert!(r.get(key).is_some(), "{key} missing");
    }
    // Small cohorts get the hypothesis tests by default.
    assert_eq!(feature(&r, "credit_score")["test"], "ks");
    assert_eq!(feature(&r, "label")["test"], "chi2");
    assert_eq!(feature(&r, "term_months")["kind"], "numeric");
}

#[test]
fn two_windows_of_v2_4_0_show_the_planted_income_shift_and_not_the_others() {
    let dir = tmp();
    let case = lending(&dir);
    let r = windows(&case);
    let income = feature(&r, "annual_income");
    assert_eq!(income["drifted"], true, "{income}");
    assert!(income["p_value"].as_f64().unwrap() < 0.001, "{income}");
    for unshifted in ["credit_score", "loan_amount", "term_months"] {
        let f = feature(&r, unshifted);
        assert_eq!(f["drifted"], false, "{f}");
    }
}

#[test]
fn a_test_and_threshold_can_be_chosen_per_column() {
    let dir = tmp();
    let case = lending(&dir);
    let r = versions(
        &case,
        &[
            "--features",
            "credit_score",
            "--test",
            "credit_score=psi",
            "--threshold",
            "credit_score=5",
        ],
    );
    let inputs: Vec<&Value> = r["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["role"] == "input")
        .collect();
    assert_eq!(inputs.len(), 1);
    assert_eq!(inputs[0]["test"], "psi");
    assert_eq!(inputs[0]["threshold"], 5.0);
    assert_eq!(inputs[0]["statistic"], inputs[0]["psi"]);
    assert_eq!(inputs[0]["drifted"], false);
}

#[test]
fn cohorts_and_options_that_cannot_work_read_as_sentences() {
    let dir = tmp();
    let case = lending(&dir);
    let case = s(&case);
    let message = |args: &[&str]| {
        json_with(2, args)["error"]["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let unknown = message(&["drift", case, "--a", "colour=red", "--b", ""]);
    assert!(unknown.contains("unknown key `colour`"), "{unknown}");
    let empty = message(&[
        "drift",
        case,
        "--a",
        "model_version=v9",
        "--b",
        "model_version=v2.4.0",
    ]);
    assert!(
        empty.contains("`model_version=v9` has no decisions"),
        "{empty}"
    );
    let wrong_test = message(&["drift", case, "--a", "", "--b", "", "--test", "label=ks"]);
    assert!(
        wrong_test.contains("cannot test the categorical column `label`"),
        "{wrong_test}"
    );
    let no_feature = message(&[
        "drift",
        case,
        "--a",
        "",
        "--b",
        "",
        "--features",
        "shoe_size",
    ]);
    assert!(
        no_feature.contains("No decision has an input `shoe_size`"),
        "{no_feature}"
    );
}

#[test]
fn the_html_report_is_self_contained_and_records_how_it_was_made() {
    let dir = tmp();
    let case = lending(&dir);
    let out = dir.path().join("drift.html");
    let r = versions(&case, &["--html", s(&out)]);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.len() < 200_000, "{} bytes", html.len());
    for outside in ["http://", "https://", "<script", "<link", "<img", "@import"] {
        assert!(
            !html.contains(outside),
            "the report refers outside: {outside}"
        );
    }
    assert!(html.contains("<svg"));
    // Cohorts, sizes, tests and thresholds are written down.
    for f in r["features"].as_array().unwrap() {
        assert!(html.contains(&format!("<td>{}</td>", f["name"].as_str().unwrap())));
    }
    assert!(html.contains("model_version=v2.3.1") && html.contains(">103<"));
    assert!(html.contains("Kolmogorov-Smirnov") && html.contains("drift when p &lt; 0.05"));
}

#[test]
fn attribution_says_the_model_moved_once_a_counterfactual_replay_measured_it() {
    let dir = tmp();
    let case = lending(&dir);
    let before = versions(&case, &[]);
    assert_eq!(before["attribution"]["model"]["verdict"], "not_measured");
    assert!(before["attribution"]["summary"]
        .as_str()
        .unwrap()
        .contains("the model"));
    let scorer = std::path::Path::new(bin()).with_file_name("lending-scorer");
    json(&[
        "replayers",
        s(&case),
        "--add",
        "v240",
        "--model",
        "underwriter",
        "--model-version",
        "v2.4.0",
        "--",
        s(&scorer),
        "--model-version",
        "v2.4.0",
    ]);
    let run = json(&[
        "replay",
        s(&case),
        "--model-version",
        "v2.3.1",
        "--replayer",
        "v240",
    ]);
    let flips = run["flips"].as_u64().unwrap();
    assert!(flips > 0, "{run}");
    let after = versions(&case, &[]);
    let model = &after["attribution"]["model"];
    assert_eq!(model["verdict"], "moved", "{model}");
    assert!(model["evidence"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{flips} of 103 reference decisions")));
    assert_eq!(after["attribution"]["retrieval"]["verdict"], "not_measured");

    // By segment: every reference decision replayed lands in one segment, and the evidence says
    // where the flips concentrate.
    let by_term = versions(&case, &["--segment-by", "term_months"]);
    let segments = by_term["segments"].as_array().unwrap();
    let replayed: u64 = segments
        .iter()
        .map(|s| s["flips"]["replayed"].as_u64().unwrap_or(0))
        .sum();
    let flipped: u64 = segments
        .iter()
        .map(|s| s["flips"]["flipped"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!((replayed, flipped), (103, flips), "{by_term}");
    let worst = segments
        .iter()
        .filter(|s| s["flips"]["flipped"].as_u64().unwrap_or(0) > 0)
        .max_by(|x, y| {
            x["flips"]["rate"]
                .as_f64()
                .unwrap()
                .total_cmp(&y["flips"]["rate"].as_f64().unwrap())
        })
        .unwrap();
    let evidence = by_term["attribution"]["model"]["evidence"]
        .as_str()
        .unwrap();
    assert!(
        evidence.contains(&format!(
            "The highest flip rate is where term_months = {}",
            worst["value"].as_str().unwrap()
        )),
        "{evidence}"
    );

    // Two windows of one version: the model cannot have moved; the data did.
    let windows = windows(&case);
    assert_eq!(windows["attribution"]["model"]["verdict"], "steady");
    assert_eq!(windows["attribution"]["data"]["verdict"], "moved");
}

#[test]
fn segments_split_both_cohorts_by_one_column_and_compare_each_part() {
    let dir = tmp();
    let case = lending(&dir);
    let whole = windows(&case);
    let r = windows_with(&case, &["--segment-by", "term_months"]);
    assert_eq!(r["segment_by"], "term_months");
    // Segmenting does not change the whole comparison.
    assert_eq!(r["features"], whole["features"]);
    let segments = r["segments"].as_array().unwrap();
    assert!(segments.len() >= 2, "{r}");
    let rows = |key: &str| -> u64 { segments.iter().map(|s| s[key].as_u64().unwrap()).sum() };
    assert_eq!(rows("rows_a"), r["a"]["rows"].as_u64().unwrap());
    assert_eq!(rows("rows_b"), r["b"]["rows"].as_u64().unwrap());
    let sizes: Vec<u64> = segments
        .iter()
        .map(|s| s["rows_a"].as_u64().unwrap() + s["rows_b"].as_u64().unwrap())
        .collect();
    assert!(
        sizes.windows(2).all(|w| w[0] >= w[1]),
        "largest first: {sizes:?}"
    );
    for seg in segments {
        let features = seg["features"].as_array().unwrap();
        // The segment column is constant inside a segment, so it is not compared there.
        assert!(features.iter().all(|f| f["name"] != "term_months"), "{seg}");
        assert!(
            features.iter().any(|f| f["name"] == "annual_income"),
            "{seg}"
        );
        // Same version on both sides: nothing to replay.
        assert!(seg["flips"].is_null());
    }
    // The planted shift reaches across the terms: income drifts inside most segments.
    let income_drifted = segments
        .iter()
        .filter(|seg| {
            seg["features"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["name"] == "annual_income" && f["drifted"] == true)
        })
        .count();
    assert!(income_drifted * 2 >= segments.len(), "{r}");
    // A cohort filter on an input selects the same decisions as its segment.
    let seg = &segments[0];
    let value = seg["value"].as_str().unwrap();
    let filtered = json(&[
        "drift",
        s(&case),
        "--a",
        &format!("model_version=v2.4.0,to=2024-04-19T23:59:59Z,input.term_months={value}"),
        "--b",
        &format!("model_version=v2.4.0,from=2024-04-26T00:00:00Z,input.term_months={value}"),
    ]);
    assert_eq!(filtered["a"]["rows"], seg["rows_a"]);
    assert_eq!(filtered["b"]["rows"], seg["rows_b"]);
    let out = dir.path().join("segments.html");
    windows_with(&case, &["--segment-by", "term_months", "--html", s(&out)]);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("<h2>Segments by term_months</h2>"));
    for seg in segments {
        let row = format!(
            r#"<td>{}</td><td class="n">{}</td><td class="n">{}</td>"#,
            seg["value"].as_str().unwrap(),
            seg["rows_a"],
            seg["rows_b"]
        );
        assert!(html.contains(&row), "no row {row}");
    }

    let by_label = windows_with(&case, &["--segment-by", "label"]);
    let labels: Vec<&str> = by_label["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        {
            let mut l = labels.clone();
            l.sort();
            l
        },
        vec!["approve", "decline"]
    );

    let unknown = json_with(
        2,
        &[
            "drift",
            s(&case),
            "--a",
            "",
            "--b",
            "",
            "--segment-by",
            "shoe_size",
        ],
    );
    let message = unknown["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("no column `shoe_size` to segment by")
            && message.contains("annual_income"),
        "{message}"
    );
}

#[test]
fn decisions_both_versions_made_on_the_same_inputs_measure_the_model_without_a_replay() {
    // 40 applicants, each decided by v1 and a second later by v2 on the same inputs (shadow
    // scoring); v2 declines the even applicants from 30 on that v1 approved: 5 flips, all south.
    let dir = tmp();
    let log = dir.path().join("shadow.jsonl");
    let mut lines = Vec::new();
    let mut event = |id: String, stream: &str, version: u32, at: String, payload: Value| {
        lines.push(
            serde_json::json!({
                "event_id": id, "stream_id": stream, "stream_type": "Applicant",
                "stream_version": version, "event_type": "CreditDecisionMade",
                "occurred_at": at, "recorded_at": at, "payload": payload,
            })
            .to_string(),
        );
    };
    for i in 0..40u32 {
        let stream = format!("applicant-{i:02}");
        let inputs =
            // `x` and `X` differ only by case (read apart: struct fields ignore case).
            serde_json::json!({
                "x": i, "X": 100 - i, "region": if i < 20 { "north" } else { "south" },
            });
        let approve_v1 = i % 2 == 0;
        let approve_v2 = approve_v1 && i < 30;
        for (k, (version, approve)) in [("v1", approve_v1), ("v2", approve_v2)]
            .into_iter()
            .enumerate()
        {
            event(
                format!("e-{i}-{version}"),
                &stream,
                k as u32 + 1,
                format!("2024-03-01T10:{i:02}:0{k}Z"),
                serde_json::json!({
                    "model": "scorer", "model_version": version, "inputs": inputs,
                    "output": { "label": if approve { "approve" } else { "decline" }, "score": 0.5 },
                }),
            );
        }
    }
    // Another v2 decision on other inputs pairs with nothing.
    event(
        "e-extra".into(),
        "applicant-00",
        3,
        "2024-03-02T10:00:00Z".into(),
        serde_json::json!({
            "model": "scorer", "model_version": "v2", "inputs": { "x": 99, "X": 1, "region": "north" },
            "output": { "label": "decline", "score": 0.1 },
        }),
    );
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();
    let case = dir.path().join("shadow.casefile");
    json(&["import", s(&case), s(&log)]);
    let r = json(&[
        "drift",
        s(&case),
        "--a",
        "model_version=v1",
        "--b",
        "model_version=v2",
        "--segment-by",
        "region",
    ]);
    let model = &r["attribution"]["model"];
    assert_eq!(model["verdict"], "moved", "{model}");
    let evidence = model["evidence"].as_str().unwrap();
    assert!(
        evidence.starts_with("5 of 40 reference decisions (12.5%) got another outcome")
            && evidence.contains("where region = south: 5 of 20"),
        "{evidence}"
    );
    let flips = |value: &str| {
        let seg = r["segments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["value"] == value)
            .unwrap();
        (
            seg["flips"]["replayed"].clone(),
            seg["flips"]["flipped"].clone(),
        )
    };
    assert_eq!(flips("south"), (20.into(), 5.into()));
    // Every input is compared, with the values it has: `X` is 100 - `x`.
    let column = |name: &str| {
        r["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {r}"))
            .clone()
    };
    let (x, upper) = (column("x"), column("X"));
    assert_eq!(
        (x["kind"].clone(), upper["kind"].clone()),
        ("numeric".into(), "numeric".into())
    );
    assert_eq!(x["distribution"]["edges"][0], 0.0);
    assert_eq!(upper["distribution"]["edges"][0], 1.0);
    assert_eq!(column("region")["kind"], "categorical");
    assert_eq!(flips("north"), (20.into(), 0.into()));
}

#[test]
fn a_typed_copy_of_an_older_layout_is_rebuilt_and_the_report_is_unchanged() {
    // Cases whose decision view was built before `decision_inputs` carried the filter fields
    // (event_id, same_inputs and typed alone, joined to `decisions`) get the new copy on the next
    // comparison, without rebuilding the view, and the same answer.
    let dir = tmp();
    let case = lending(&dir);
    let before = versions(&case, &[]);
    let layout = |conn: &duckdb::Connection| -> String {
        conn.query_row(
            "SELECT value FROM case_meta WHERE key = 'decision_inputs_typed'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    {
        let conn = duckdb::Connection::open(&case).unwrap();
        let spec = layout(&conn);
        let spec = spec.strip_prefix("layout 2:").expect("the current layout");
        conn.execute_batch(
            "CREATE OR REPLACE TABLE decision_inputs AS
                 SELECT event_id, same_inputs, typed FROM decision_inputs",
        )
        .unwrap();
        conn.execute(
            "UPDATE case_meta SET value = ? WHERE key = 'decision_inputs_typed'",
            [spec],
        )
        .unwrap();
    }
    let after = versions(&case, &[]);
    assert_eq!(before["features"], after["features"]);
    assert_eq!(before["attribution"], after["attribution"]);
    let conn = duckdb::Connection::open(&case).unwrap();
    assert!(layout(&conn).starts_with("layout 2:"));
    let columns: i64 = conn
        .query_row(
            "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'decision_inputs' AND column_name = 'model_version'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(columns, 1);
}

/// Found by hand while building the markup window test: a cohort with no value of a numeric input
/// the other cohort has (the hostile decision against the lending sample's) made the PSI take a
/// quantile of nothing and the process panic. The column is now reported as not compared.
#[test]
fn a_cohort_without_any_value_of_a_numeric_input_is_reported_not_compared() {
    let dir = tmp();
    let case = dir.path().join("mixed.casefile");
    json(&[
        "import",
        s(&case),
        s(&samples().join("lending/applications.jsonl")),
        s(&fixtures().join("hostile-text.jsonl")),
    ]);
    let report = json(&[
        "drift",
        s(&case),
        "--a",
        "model=<script>window.__pwned='model'</script>",
        "--b",
        "model_version=v2.4.0",
    ]);
    let features = report["features"].as_array().expect("features");
    let not_compared: Vec<&str> = features
        .iter()
        .filter(|f| {
            f["warning"]
                .as_str()
                .is_some_and(|w| w.contains("has no values in the") && w.contains("not compared"))
        })
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        not_compared.contains(&"credit_score"),
        "credit_score is in one cohort only: {not_compared:?}"
    );
}
