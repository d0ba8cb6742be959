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
    json(&[
        "drift",
        s(case),
        "--a",
        "model_version=v2.4.0,to=2024-04-19T23:59:59Z",
        "--b",
        "model_version=v2.4.0,from=2024-04-26T00:00:00Z",
    ])
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
        no_feature.contains("No decision in either cohort has an input `shoe_size`"),
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

    // Two windows of one version: the model cannot have moved; the data did.
    let windows = windows(&case);
    assert_eq!(windows["attribution"]["model"]["verdict"], "steady");
    assert_eq!(windows["attribution"]["data"]["verdict"], "moved");
}
