//! `casefile trainset`: point-in-time features against a brute-force loop and a DuckDB ASOF JOIN
//! written here, on generated streams with late arrivals, ties and future-dated records; the lending
//! sample's late bureau score caught by the audit; byte-identical re-runs; specs that cannot work.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use crate::common::*;

const DAY: i64 = 86_400_000_000;
const START: i64 = 1_704_067_200_000_000; // 2024-01-01T00:00:00Z

fn rfc3339(us: i64) -> String {
    casefile::format_micros(us)
}

/// One generated event, in file order (its line is its `seq` tie-breaker).
struct Gen {
    id: String,
    stream: String,
    kind: &'static str,
    occurred: i64,
    recorded: i64,
    payload: Value,
}

/// Streams `acct-NNN`, each with score reports (some recorded weeks late, some sharing a recorded
/// time, a few recorded before they occur), applications (the examples) and repayments.
fn generate(seed: u64, streams: usize) -> Vec<Gen> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::new();
    for s in 0..streams {
        let stream = format!("acct-{s:03}");
        let mut t = START + rng.random_range(0..10) * DAY;
        for k in 0..rng.random_range(3..9) {
            t += rng.random_range(1..6) * DAY + rng.random_range(0..DAY);
            let lag = match rng.random_range(0..10) {
                0..=1 => rng.random_range(5..30) * DAY,                // late
                2..=3 if s % 5 == 0 => -rng.random_range(2..10) * DAY, // recorded before it occurs
                _ => rng.random_range(0..60_000_000),
            };
            let recorded = t + lag;
            out.push(Gen {
                id: format!("{stream}-score-{k}"),
                stream: stream.clone(),
                kind: "ScoreReported",
                occurred: t,
                recorded,
                payload: {
                    let band = ["a", "b", "c"][rng.random_range(0..3)];
                    json!({ "score": rng.random_range(300..850), "band": band })
                },
            });
            if rng.random_range(0..4) == 0 {
                // A second report recorded at the very same instant: the later line wins.
                out.push(Gen {
                    id: format!("{stream}-score-{k}-tie"),
                    stream: stream.clone(),
                    kind: "ScoreReported",
                    occurred: t,
                    recorded,
                    payload: json!({ "score": rng.random_range(300..850) }),
                });
            }
            if rng.random_range(0..3) == 0 {
                let at = t + rng.random_range(0..DAY);
                out.push(Gen {
                    id: format!("{stream}-apply-{k}"),
                    stream: stream.clone(),
                    kind: "Applied",
                    occurred: at,
                    recorded: at,
                    payload: json!({ "amount": rng.random_range(1..50) * 1000 }),
                });
            }
            if rng.random_range(0..5) == 0 {
                let at = t + rng.random_range(1..20) * DAY;
                out.push(Gen {
                    id: format!("{stream}-repaid-{k}"),
                    stream: stream.clone(),
                    kind: if rng.random_range(0..4) == 0 {
                        "Defaulted"
                    } else {
                        "Repaid"
                    },
                    occurred: at,
                    recorded: at + rng.random_range(0..40) * DAY,
                    payload: json!({ "days_past_due": rng.random_range(0..120) }),
                });
            }
        }
    }
    out
}

fn write_log(path: &Path, events: &[Gen]) {
    let lines: Vec<String> = events
        .iter()
        .map(|e| {
            json!({
                "event_id": e.id, "stream_id": e.stream, "stream_type": "Account",
                "event_type": e.kind, "occurred_at": rfc3339(e.occurred),
                "recorded_at": rfc3339(e.recorded), "payload": e.payload,
            })
            .to_string()
        })
        .collect();
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

const SPEC: &str = r#"
[examples]
events = ["Applied"]

[label]
event_types = ["Repaid", "Defaulted"]
within = "30d"

[[feature]]
name = "score"
path = "score"

[[feature]]
name = "reports_14d"
count = ["ScoreReported"]
window = "14d"
"#;

fn generated_case(dir: &tempfile::TempDir, seed: u64) -> (PathBuf, Vec<Gen>) {
    let events = generate(seed, 60);
    let log = dir.path().join("accounts.jsonl");
    write_log(&log, &events);
    let case = dir.path().join("accounts.casefile");
    assert_reconciled(&json(&["import", s(&case), s(&log)]));
    (case, events)
}

#[test]
fn features_equal_a_brute_force_loop_over_late_arrivals_ties_and_future_dated_records() {
    let dir = tmp();
    let (case, events) = generated_case(&dir, 7);
    let spec = dir.path().join("spec.toml");
    std::fs::write(&spec, SPEC).unwrap();
    let out = dir.path().join("set.csv");
    let r = json(&["trainset", s(&case), "--spec", s(&spec), "--out", s(&out)]);
    let rows = read_csv(&out);
    let examples: Vec<&Gen> = events.iter().filter(|e| e.kind == "Applied").collect();
    assert_eq!(rows.len(), examples.len());
    assert_eq!(r["rows"], examples.len());
    let mut late = 0;
    let mut naive = 0;
    for row in &rows {
        let x = examples
            .iter()
            .find(|e| e.id == row["example_id"])
            .expect("an example of the log");
        let t = x.recorded;
        // Known at t: recorded by t and occurred by t, the latest by (recorded, line).
        let stream: Vec<(usize, &Gen)> = events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.stream == x.stream && e.kind == "ScoreReported")
            .collect();
        let known = stream
            .iter()
            .filter(|(_, e)| e.recorded <= t && e.occurred <= t)
            .max_by_key(|(line, e)| (e.recorded, *line));
        let expected = known.map(|(_, e)| e.payload["score"].to_string());
        assert_eq!(
            Some(row["score"].clone()).filter(|v| !v.is_empty()),
            expected,
            "score of {}",
            x.id
        );
        // What was true at t with everything known now, and the latest now.
        let truth = stream
            .iter()
            .filter(|(_, e)| e.occurred <= t)
            .max_by_key(|(line, e)| (e.occurred, *line))
            .map(|(_, e)| e.payload["score"].to_string());
        if truth != expected {
            late += 1;
        }
        let latest = stream
            .iter()
            .max_by_key(|(line, e)| (e.recorded, *line))
            .map(|(_, e)| e.payload["score"].to_string());
        if latest != expected {
            naive += 1;
        }
        let count = stream
            .iter()
            .filter(|(_, e)| e.recorded > t - 14 * DAY && e.recorded <= t && e.occurred <= t)
            .count();
        assert_eq!(row["reports_14d"], count.to_string(), "count of {}", x.id);
        let label = events
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                e.stream == x.stream
                    && (e.kind == "Repaid" || e.kind == "Defaulted")
                    && e.occurred > t
                    && e.occurred <= t + 30 * DAY
            })
            .min_by_key(|(line, e)| (e.occurred, e.recorded, *line))
            .map(|(_, e)| e.kind.to_string())
            .unwrap_or_default();
        assert_eq!(row["label"], label, "label of {}", x.id);
    }
    assert!(late > 0 && naive > 0, "the data has leakage to find");
    let future_dated = examples
        .iter()
        .filter(|x| {
            events.iter().any(|e| {
                e.stream == x.stream && e.recorded <= x.recorded && e.occurred > x.recorded
            })
        })
        .count();
    assert!(
        future_dated > 0,
        "some example sees a record of a future instant"
    );
    assert_eq!(r["leakage"]["score"]["late_arriving"], late);
    assert_eq!(r["leakage"]["score"]["naive_differs"], naive);
    // No value used comes from after its example's time.
    for source in r["manifest"]["sources"].as_array().unwrap() {
        if let Some(lead) = source["max_lead_us"].as_i64() {
            assert!(lead <= 0, "{source}");
        }
    }
}

#[test]
fn features_equal_a_duckdb_asof_join_where_nothing_is_future_dated() {
    let dir = tmp();
    let (case, events) = generated_case(&dir, 11);
    let spec = dir.path().join("spec.toml");
    std::fs::write(&spec, SPEC).unwrap();
    let out = dir.path().join("set.parquet");
    json(&["trainset", s(&case), "--spec", s(&spec), "--out", s(&out)]);
    // Streams with a report recorded before it occurred are left to the brute-force test.
    let future: Vec<&str> = events
        .iter()
        .filter(|e| e.recorded < e.occurred)
        .map(|e| e.stream.as_str())
        .collect();
    let log = dir.path().join("reference.jsonl");
    write_log(&log, &events);
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let future_list = future
        .iter()
        .map(|f| format!("'{f}'"))
        .chain(["''".to_string()])
        .collect::<Vec<_>>()
        .join(", ");
    let mismatches: i64 = conn
        .query_row(
            &format!(
                "WITH ev AS (
                     SELECT *, row_number() OVER () AS line FROM read_json('{log}', format = 'newline_delimited')),
                 scores AS (
                     SELECT stream_id, epoch_us(recorded_at::TIMESTAMPTZ) * 1000 + line AS k,
                            payload.score::BIGINT AS score
                     FROM ev WHERE event_type = 'ScoreReported'),
                 x AS (
                     SELECT event_id, stream_id, epoch_us(recorded_at::TIMESTAMPTZ) * 1000 + 999999 AS k
                     FROM ev WHERE event_type = 'Applied' AND stream_id NOT IN ({future_list})),
                 expected AS (
                     SELECT x.event_id, s.score FROM x ASOF LEFT JOIN scores s
                       ON s.stream_id = x.stream_id AND x.k >= s.k)
                 SELECT count(*) FROM expected e JOIN read_parquet('{out}') p ON p.example_id = e.event_id
                 WHERE p.score IS DISTINCT FROM e.score",
                log = s(&log),
                out = s(&out)
            ),
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(mismatches, 0);
    let compared: i64 = conn
        .query_row(
            &format!(
                "SELECT count(*) FROM read_parquet('{}') WHERE entity NOT IN ({future_list})",
                s(&out)
            ),
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(compared > 20, "{compared} rows compared");
}

#[test]
fn the_same_case_and_spec_give_the_same_bytes() {
    let dir = tmp();
    let (case, _) = generated_case(&dir, 3);
    let spec = dir.path().join("spec.toml");
    std::fs::write(
        &spec,
        SPEC.replace("[examples]", "lineage = true\n[examples]"),
    )
    .unwrap();
    let (first, second) = (
        dir.path().join("one.parquet"),
        dir.path().join("two.parquet"),
    );
    for out in [&first, &second] {
        json(&["trainset", s(&case), "--spec", s(&spec), "--out", s(out)]);
    }
    assert_eq!(sha256_of(&first), sha256_of(&second));
    let manifest = |p: &Path| std::fs::read(casefile::trainset::manifest_path_for(p)).unwrap();
    assert_eq!(manifest(&first), manifest(&second));
}

fn lending_case(dir: &tempfile::TempDir) -> PathBuf {
    let case = dir.path().join("lending.casefile");
    let mut files: Vec<PathBuf> = std::fs::read_dir(samples().join("lending"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut args = vec!["import", s(&case)];
    args.extend(files.iter().map(|p| s(p)));
    json(&args);
    case
}

#[test]
fn the_lending_samples_late_bureau_score_is_caught_by_the_audit() {
    let dir = tmp();
    let case = lending_case(&dir);
    let spec = dir.path().join("spec.toml");
    std::fs::write(
        &spec,
        r#"
        [examples]
        decisions = ""

        [label]
        event_types = ["LoanRepaid", "LoanDefaulted"]

        [[feature]]
        name = "credit_score"
        path = "credit_score"
        "#,
    )
    .unwrap();
    let out = dir.path().join("lending.csv");
    let r = json(&["trainset", s(&case), "--spec", s(&spec), "--out", s(&out)]);
    let rows = read_csv(&out);
    // applicant-0005 was decided on 592; the 519 that occurred before was recorded 11 days later.
    let row = rows
        .iter()
        .find(|r| {
            r["entity"] == "applicant-0005" && r["example_time"].starts_with("2024-04-02 20:40")
        })
        .expect("applicant-0005's decision");
    assert_eq!(row["credit_score"], "592");
    let audit = &r["leakage"]["credit_score"];
    assert!(audit["late_arriving"].as_u64().unwrap() >= 1, "{audit}");
    assert!(audit["naive_differs"].as_u64().unwrap() >= 1, "{audit}");
    for key in ["rows", "columns", "leakage", "manifest"] {
        assert!(r.get(key).is_some(), "{key} missing");
    }
    assert_eq!(r["manifest"]["axis"], "recorded");
    // The outcomes arrive 14-39 days after they occur: every label was recorded late.
    let label = &r["label_audit"];
    assert_eq!(label["recorded_late"], label["labelled"], "{label}");
    assert!(label["labelled"].as_u64().unwrap() > 100, "{label}");
    assert!(label["after_window"].is_null());

    // With a 30-day window, the labels recorded after it closed, against SQL written here.
    std::fs::write(
        &spec,
        std::fs::read_to_string(&spec)
            .unwrap()
            .replace("[label]", "[label]\nwithin = \"30d\""),
    )
    .unwrap();
    let r = json(&["trainset", s(&case), "--spec", s(&spec), "--out", s(&out)]);
    let expected = json(&[
        "sql",
        s(&case),
        "SELECT count(*) FROM (
             SELECT d.event_id, arg_min(e.recorded_at, (e.occurred_at, e.recorded_at, e.seq)) AS rec, d.decided_at
             FROM decisions d JOIN events e ON e.stream_id = d.subject_id
              AND e.event_type IN ('LoanRepaid', 'LoanDefaulted')
              AND e.occurred_at > d.decided_at AND e.occurred_at <= d.decided_at + INTERVAL 30 DAY
             GROUP BY d.event_id, d.decided_at)
         WHERE rec > decided_at + INTERVAL 30 DAY",
    ]);
    let after = &r["label_audit"]["after_window"];
    assert_eq!(
        after.as_i64(),
        expected["rows"][0][0].as_i64(),
        "{}",
        r["label_audit"]
    );
    assert!(after.as_u64().unwrap() > 0, "{}", r["label_audit"]);
}

#[test]
fn specs_that_cannot_work_read_as_sentences() {
    let dir = tmp();
    let (case, _) = generated_case(&dir, 5);
    let spec = dir.path().join("spec.toml");
    let out = dir.path().join("set.parquet");
    let error = |text: &str, out: &Path| -> String {
        std::fs::write(&spec, text).unwrap();
        let v = json_with(
            2,
            &["trainset", s(&case), "--spec", s(&spec), "--out", s(out)],
        );
        v["error"]["message"].as_str().unwrap().to_string()
    };
    let e = error(
        "[examples]\nevents = [\"Nothing\"]\n[[feature]]\nname = \"s\"\npath = \"score\"\n",
        &out,
    );
    assert!(e.contains("match nothing"), "{e}");
    let e = error(
        "[examples]\nevents = [\"Applied\"]\n[[feature]]\nname = \"s\"\ncount = [\"X\"]\n",
        &out,
    );
    assert!(e.contains("has no `window`"), "{e}");
    let e = error(SPEC, &dir.path().join("set.xlsx"));
    assert!(e.contains(".parquet or .csv"), "{e}");
    assert!(!out.exists());
}

#[test]
fn a_time_to_live_empties_values_set_too_long_before_and_from_to_limit_the_examples() {
    let dir = tmp();
    let (case, events) = generated_case(&dir, 13);
    let (from, to) = (START + 15 * DAY, START + 35 * DAY);
    let spec = dir.path().join("spec.toml");
    std::fs::write(
        &spec,
        format!(
            "ttl = \"6d\"\n{}",
            SPEC.replace(
                "events = [\"Applied\"]",
                &format!(
                    "events = [\"Applied\"]\nfrom = \"{}\"\nto = \"{}\"",
                    rfc3339(from),
                    rfc3339(to)
                )
            )
        ),
    )
    .unwrap();
    let out = dir.path().join("set.csv");
    let r = json(&["trainset", s(&case), "--spec", s(&spec), "--out", s(&out)]);
    let rows = read_csv(&out);
    let examples: Vec<&Gen> = events
        .iter()
        .filter(|e| e.kind == "Applied" && e.recorded >= from && e.recorded <= to)
        .collect();
    assert_eq!(rows.len(), examples.len());
    let (mut live, mut expired) = (0, 0);
    for row in &rows {
        let x = examples
            .iter()
            .find(|e| e.id == row["example_id"])
            .expect("an example inside the window");
        let t = x.recorded;
        // The value known at t, and when the report that set it occurred: every report restates
        // the score, so the last one applied set it.
        let known = events
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                e.stream == x.stream
                    && e.kind == "ScoreReported"
                    && e.recorded <= t
                    && e.occurred <= t
            })
            .max_by_key(|(line, e)| (e.recorded, *line))
            .map(|(_, e)| e);
        let expected = match known {
            Some(e) if t - e.occurred <= 6 * DAY => {
                live += 1;
                e.payload["score"].to_string()
            }
            Some(_) => {
                expired += 1;
                String::new()
            }
            None => String::new(),
        };
        assert_eq!(row["score"], expected, "score of {}", x.id);
    }
    assert!(live > 0 && expired > 0, "{live} live, {expired} expired");
    // The columns' source times stay at or before their example times.
    for source in r["manifest"]["sources"].as_array().unwrap() {
        if let Some(lead) = source["max_lead_us"].as_i64() {
            assert!(lead <= 0, "{source}");
        }
    }
}

#[test]
fn the_starter_spec_of_the_lending_sample_builds_with_its_outcomes_as_the_label() {
    let dir = tmp();
    let case = lending_case(&dir);
    let starter = json(&["trainset", s(&case), "--starter"]);
    let text = starter["spec"].as_str().unwrap();
    let spec = casefile::trainset::spec::TrainsetSpec::from_toml(text, "starter").unwrap();
    assert_eq!(
        spec.spec.label.as_ref().map(|l| l.event_types.clone()),
        Some(vec!["LoanRepaid".to_string(), "LoanDefaulted".to_string()]),
        "{text}"
    );
    let names: Vec<&str> = spec.features.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"credit_score"), "{names:?}");
    // Identifiers are not suggested as features.
    assert!(!names.iter().any(|n| n.ends_with("_id")), "{names:?}");
    let path = dir.path().join("starter.toml");
    std::fs::write(&path, text).unwrap();
    let out = dir.path().join("starter.parquet");
    let r = json(&["trainset", s(&case), "--spec", s(&path), "--out", s(&out)]);
    assert_eq!(r["rows"], 240);
    // The outcome's own field is in the latest state: the naive join leaks it, the set does not.
    let leak = &r["leakage"]["days_past_due"];
    assert!(leak["naive_differs"].as_u64().unwrap() > 100, "{leak}");
    assert_eq!(leak["late_arriving"], 0);
}
