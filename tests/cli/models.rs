//! Models on record and decisions over time: `casefile models` and `casefile rates` on the lending
//! sample, against counts read from the sample's own lines in the test (deployments, decisions and
//! the overrides that correct them), not from the case. And evidence gaps where `history` shows
//! them.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde_json::Value;

use crate::common::*;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// The lending sample's lines of the applications file (deployments, decisions, overrides).
fn lines() -> Vec<Value> {
    std::fs::read_to_string(samples().join("lending/applications.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// What the sample says, read plainly: deployments (time, version, cutoff) and decisions (event
/// id, time, version, label).
struct Sample {
    deployments: Vec<(DateTime<Utc>, String, NaiveDate)>,
    decisions: Vec<(String, DateTime<Utc>, String, String)>,
    /// Per decision event id: (human overrides, other corrections).
    corrected: BTreeMap<String, (i64, i64)>,
}

fn sample() -> Sample {
    let mut deployments = Vec::new();
    let mut decisions = Vec::new();
    let mut corrected: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for e in lines() {
        let p = &e["payload"];
        match e["event_type"].as_str().unwrap() {
            "ModelDeployed" => deployments.push((
                at(e["occurred_at"].as_str().unwrap()),
                p["model_version"].as_str().unwrap().to_string(),
                NaiveDate::parse_from_str(p["training_cutoff"].as_str().unwrap(), "%Y-%m-%d")
                    .unwrap(),
            )),
            "LoanDecisionMade" => decisions.push((
                e["event_id"].as_str().unwrap().to_string(),
                at(e["occurred_at"].as_str().unwrap()),
                p["model_version"].as_str().unwrap().to_string(),
                p["output"]["label"].as_str().unwrap().to_string(),
            )),
            _ => {}
        }
        if let Some(target) = e["corrects"].as_str() {
            let human = e["actor"].as_str().is_some_and(|a| a.starts_with("human/"));
            let c = corrected.entry(target.to_string()).or_default();
            if human {
                c.0 = 1;
            } else {
                c.1 = 1;
            }
        }
    }
    deployments.sort();
    Sample {
        deployments,
        decisions,
        corrected,
    }
}

#[test]
fn models_reads_each_versions_live_span_cutoff_and_decisions_as_the_sample_states_them() {
    let dir = tmp();
    let case = lending_case(dir.path());
    let report = json(&["models", s(&case)]);
    let sample = sample();
    assert_eq!(sample.deployments.len(), 2, "the sample's deployments");
    // Worked out from the lines: a decision is by a live version when the last deployment at or
    // before it deployed that version; before the cutoff when it precedes the cutoff day's end.
    let mut expected: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for (_, t, version, _) in &sample.decisions {
        let live = sample
            .deployments
            .iter()
            .rev()
            .find(|d| d.0 <= *t)
            .map(|d| &d.1);
        let cutoff = sample
            .deployments
            .iter()
            .find(|d| &d.1 == version)
            .map(|d| d.2);
        let e = expected.entry(version.clone()).or_default();
        e.0 += 1;
        e.1 += i64::from(live != Some(version));
        let cutoff_end = cutoff.map(|c| {
            (c + Duration::days(1))
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc()
        });
        e.2 += i64::from(cutoff_end.is_some_and(|end| *t < end));
    }
    let models = report["models"].as_array().unwrap();
    let got: BTreeMap<String, (i64, i64, i64)> = models
        .iter()
        .map(|m| {
            (
                m["version"].as_str().unwrap().to_string(),
                (
                    m["decisions"].as_i64().unwrap(),
                    m["not_live"].as_i64().unwrap(),
                    m["before_cutoff"].as_i64().unwrap(),
                ),
            )
        })
        .collect();
    assert_eq!(got, expected);
    assert_eq!(
        report["not_live"].as_i64().unwrap(),
        expected.values().map(|e| e.1).sum::<i64>()
    );
    // The contract's keys, and the spans: the first replaced by the second at its deployment.
    let (first, second) = (&sample.deployments[0], &sample.deployments[1]);
    let v1 = models
        .iter()
        .find(|m| m["version"] == first.1.as_str())
        .unwrap();
    let v2 = models
        .iter()
        .find(|m| m["version"] == second.1.as_str())
        .unwrap();
    for key in [
        "model",
        "version",
        "deployed_at",
        "replaced_at",
        "metadata",
        "decisions",
    ] {
        assert!(v1.get(key).is_some(), "models[] has {key}");
    }
    assert_eq!(at(v1["deployed_at"].as_str().unwrap()), first.0);
    assert_eq!(at(v1["replaced_at"].as_str().unwrap()), second.0);
    assert_eq!(v1["replaced_by"], second.1.as_str());
    assert_eq!(v2["replaced_at"], Value::Null, "still live");
    assert_eq!(v2["predecessor"], first.1.as_str());
    assert_eq!(
        v2["training_cutoff"],
        second.2.format("%Y-%m-%d").to_string().as_str()
    );
    assert!(v2["metrics"]["auc"].as_f64().is_some(), "{}", v2["metrics"]);
    // The approval and certification the deployment records, as its line states them.
    let line = lines()
        .into_iter()
        .find(|e| {
            e["event_type"] == "ModelDeployed" && e["payload"]["model_version"] == second.1.as_str()
        })
        .unwrap();
    for key in ["approval_status", "approved_by", "certifications"] {
        assert_eq!(v2["approvals"][key], line["payload"][key], "{key}");
    }
    assert!(!v2["features"].as_array().unwrap().is_empty());
}

#[test]
fn rates_count_each_weeks_decisions_labels_and_overrides_per_version_as_the_sample_states_them() {
    let dir = tmp();
    let case = lending_case(dir.path());
    let sample = sample();
    // Per (Monday, version): decisions, labels, overrides, other corrections.
    type Counts = (i64, BTreeMap<String, i64>, i64, i64);
    let mut expected: BTreeMap<(String, String), Counts> = BTreeMap::new();
    for (id, t, version, label) in &sample.decisions {
        let day = t.date_naive();
        let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
        let start = monday.and_hms_opt(0, 0, 0).unwrap().and_utc();
        let e = expected
            .entry((
                start.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                version.clone(),
            ))
            .or_default();
        e.0 += 1;
        *e.1.entry(label.clone()).or_default() += 1;
        let (o, c) = sample.corrected.get(id).copied().unwrap_or_default();
        e.2 += o;
        e.3 += c;
    }
    let report = json(&["rates", s(&case), "--by", "week"]);
    assert_eq!(report["period"], "week");
    let got: BTreeMap<(String, String), Counts> = report["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let labels = b["labels"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_i64().unwrap()))
                .collect();
            (
                (
                    b["start"].as_str().unwrap().to_string(),
                    b["model_version"].as_str().unwrap().to_string(),
                ),
                (
                    b["decisions"].as_i64().unwrap(),
                    labels,
                    b["overrides"].as_i64().unwrap(),
                    b["corrections"].as_i64().unwrap(),
                ),
            )
        })
        .collect();
    assert_eq!(got, expected);
    assert!(
        expected.values().map(|e| e.2).sum::<i64>() > 0,
        "the sample's overrides are counted"
    );
    assert_eq!(report["deployments"].as_array().unwrap().len(), 2);
    // A filter narrows the buckets to one version; a period that is none of day, week, month is
    // refused with the choices named.
    let v = &sample.deployments[1].1;
    let one = json(&["rates", s(&case), "--by", "month", "--model-version", v]);
    let total: i64 = one["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            assert_eq!(b["model_version"], v.as_str());
            b["decisions"].as_i64().unwrap()
        })
        .sum();
    assert_eq!(
        total,
        sample.decisions.iter().filter(|d| &d.2 == v).count() as i64
    );
    let out = run(&["rates", s(&case), "--by", "fortnight"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("day, week, month"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn history_says_when_a_streams_state_before_an_instant_comes_from_a_compaction_summary() {
    let dir = tmp();
    let file = dir.path().join("ledger.jsonl");
    // An account whose history before 1 March was compacted into one summary (Marten's
    // `Compacted<T>` shape: the snapshot in the payload), then two deposits.
    let lines = [
        r#"{"event_id":"a1","stream_id":"account-1","event_type":"AccountCompacted","occurred_at":"2024-03-01T00:00:00Z","payload":{"Snapshot":{"balance":120}}}"#,
        r#"{"event_id":"a2","stream_id":"account-1","event_type":"Deposited","occurred_at":"2024-03-02T00:00:00Z","payload":{"balance":150}}"#,
        r#"{"event_id":"b1","stream_id":"account-2","event_type":"Deposited","occurred_at":"2024-03-02T00:00:00Z","payload":{"balance":10}}"#,
    ];
    std::fs::write(&file, lines.join("\n")).unwrap();
    let case = dir.path().join("ledger.casefile");
    import_reconciled(&case, &file, &[]);
    let h = json(&["history", s(&case), "account-1"]);
    let gaps = h["evidence_gaps"].as_array().unwrap();
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0]["kind"], "summary");
    assert_eq!(gaps[0]["event_id"], "a1");
    assert_eq!(gaps[0]["before"], "2024-03-01T00:00:00Z");
    assert_eq!(
        h["steps"].as_array().unwrap().len(),
        2,
        "the history itself unchanged"
    );
    let none = json(&["history", s(&case), "account-2"]);
    assert_eq!(none["evidence_gaps"].as_array().unwrap().len(), 0);
    let text = run(&["history", s(&case), "account-1"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.starts_with(
            "Evidence gap: The state of account-1 before 2024-03-01T00:00:00Z comes from a summary"
        ),
        "{text}"
    );
    let all = json(&["gaps", s(&case)]);
    assert_eq!(
        (all["summaries"].as_i64(), all["leading_versions"].as_i64()),
        (Some(1), Some(0))
    );
}

/// The ledger sample: a history that begins with a compaction summary, one that begins past
/// retention, a whole one with a snapshot after its events, and a customer whose times the source
/// writes in Tokyo's local time (read here with chrono from the file's own text).
#[test]
fn the_ledger_sample_shows_a_compaction_a_retention_cut_and_a_subject_in_tokyo() {
    let dir = tmp();
    let case = dir.path().join("ledger.casefile");
    let file = samples().join("ledger/ledger.jsonl");
    import_reconciled(&case, &file, &[]);
    let report = json(&["gaps", s(&case)]);
    let got: Vec<(String, String, String, Value)> = report["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["stream_id"].as_str().unwrap().to_string(),
                g["kind"].as_str().unwrap().to_string(),
                g["before"].as_str().unwrap().to_string(),
                g["first_version"].clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "acct-1001".into(),
                "summary".into(),
                "2024-03-01T00:00:00Z".into(),
                Value::Null
            ),
            (
                "acct-1002".into(),
                "leading_versions".into(),
                "2024-03-02T08:00:00Z".into(),
                Value::from(5)
            ),
        ],
        "the compacted account's own version past 1 is the summary's gap, not a second one"
    );
    assert_eq!(
        (
            report["summaries"].as_i64(),
            report["leading_versions"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(report["by_day"].as_array().unwrap().len(), 2);

    // The Tokyo customer's times, as the source wrote them, are stored as the same instants in UTC.
    let lines: Vec<Value> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|e: &Value| e["stream_id"] == "acct-2001")
        .collect();
    assert!(lines
        .iter()
        .all(|e| e["occurred_at"].as_str().unwrap().ends_with("+09:00")));
    let stored = json(&["events", s(&case), "--stream", "acct-2001"]);
    let stored: Vec<(DateTime<Utc>, DateTime<Utc>)> = stored["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                at(e["occurred_at"].as_str().unwrap()),
                at(e["recorded_at"].as_str().unwrap()),
            )
        })
        .collect();
    let expected: Vec<(DateTime<Utc>, DateTime<Utc>)> = lines
        .iter()
        .map(|e| {
            (
                at(e["occurred_at"].as_str().unwrap()),
                at(e["recorded_at"].as_str().unwrap()),
            )
        })
        .collect();
    assert_eq!(stored, expected);
    // 23:30 in Tokyo on 1 March is 14:30 UTC the same day.
    assert_eq!(stored[1].0, at("2024-03-01T14:30:00Z"));
}
