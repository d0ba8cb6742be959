//! Apache Spark gives the embedded engine's answers, row for row: training sets (both axes, path
//! features with a time-to-live, windowed counts, labels within a window, lineage, the leakage
//! audit) and populations (both axes, both views), with Spark's ASOF JOIN and with the portable
//! join, on every sample and on a generated case of over 100k decisions with late arrivals, late
//! corrections and retractions, events recorded before they occur, and ties at one instant.
//!
//! Spark runs for real in local mode (`local[2]`) from the pinned pyspark the README's test command
//! installs (or `spark-submit` on PATH); all jobs share one Spark session. Outputs are compared in
//! DuckDB: same columns and types, the same multiset of rows (EXCEPT ALL both ways), and the same
//! hash over the rows sorted; manifests equal but for who made them.

#[path = "cli/common.rs"]
#[allow(dead_code)]
mod common;

use std::path::{Path, PathBuf};

use casefile::lake::spark::{self, JoinForm, SparkJob, SparkPopulationRequest};
use casefile::trainset::spec::TrainsetSpec;
use common::{json, run, s};
use serde_json::Value;

/// One output to compare: the embedded engine's file, Spark's, and what the manifest needs.
struct Pair {
    what: String,
    embedded: PathBuf,
    spark: PathBuf,
    /// For training sets: the spec text and the lake's case fingerprint.
    trainset: Option<(String, String)>,
}

fn import(case: &Path, files: &[PathBuf]) {
    let mut args = vec!["import", s(case)];
    args.extend(files.iter().map(|f| s(f)));
    let out = run(&args);
    assert!(
        out.status.success(),
        "import {files:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The spec variants built from a case's starter spec: as written with lineage, a time-to-live and
/// a label window; on the occurred axis; and one example per event of the commonest event type.
fn variants(case: &Path, commonest: &str) -> Vec<(String, String)> {
    let starter = json(&["trainset", s(case), "--starter"]);
    let text = starter["spec"]
        .as_str()
        .expect("a starter spec")
        .to_string();
    let base: toml::Table = toml::from_str(&text).expect("the starter spec is TOML");
    let mut recorded = base.clone();
    recorded.insert("lineage".into(), true.into());
    recorded.insert("ttl".into(), "30d".into());
    if let Some(toml::Value::Table(label)) = recorded.get_mut("label") {
        label.insert("within".into(), "365d".into());
    }
    let mut occurred = recorded.clone();
    occurred.insert("axis".into(), "occurred".into());
    occurred.remove("ttl");
    let mut events = recorded.clone();
    let mut ex = toml::Table::new();
    ex.insert(
        "events".into(),
        toml::Value::Array(vec![commonest.to_string().into()]),
    );
    ex.insert("time".into(), "occurred_at".into());
    events.insert("examples".into(), toml::Value::Table(ex));
    vec![
        ("recorded".into(), toml::to_string(&recorded).unwrap()),
        ("occurred".into(), toml::to_string(&occurred).unwrap()),
        ("events".into(), toml::to_string(&events).unwrap()),
    ]
}

/// The quirks case's spec: every feature kind, a path touched by late corrections.
const QUIRKS_SPEC: &str = r#"
ttl = "60d"
lineage = true
[examples]
decisions = ""
[label]
event_types = ["LoanRepaid", "LoanDefaulted"]
value = "days_past_due"
within = "365d"
[[feature]]
name = "credit_score"
path = "credit_score"
[[feature]]
name = "annual_income"
path = "annual_income"
[[feature]]
name = "city"
path = "city"
[[feature]]
name = "scores_30d"
count = ["CreditScoreUpdated", "CreditScoreCorrected"]
window = "30d"
"#;

struct Work {
    jobs: Vec<SparkJob>,
    pairs: Vec<Pair>,
}

impl Work {
    /// Builds `spec` on `case` with the embedded engine and queues it on Spark in both join forms.
    fn trainset(&mut self, dir: &Path, name: &str, case: &Path, lake: &Path, spec: &str) {
        let spec_path = dir.join(format!("{name}.toml"));
        std::fs::write(&spec_path, spec).unwrap();
        let embedded = dir.join(format!("{name}.emb.parquet"));
        let out = run(&[
            "trainset",
            s(case),
            "--spec",
            s(&spec_path),
            "--out",
            s(&embedded),
        ]);
        assert!(
            out.status.success(),
            "embedded {name}: {}\n{spec}",
            String::from_utf8_lossy(&out.stderr)
        );
        let checked = TrainsetSpec::from_toml(spec, name).unwrap();
        let fingerprint = casefile::lake::read_manifest(lake)
            .unwrap()
            .case_fingerprint;
        for join in [JoinForm::Asof, JoinForm::Portable] {
            let what = format!("{name} ({})", join.name());
            let spark = dir.join(format!("{name}.{}.parquet", join.name()));
            let result = dir.join(format!("{name}.{}.json", join.name()));
            self.jobs
                .push(spark::compile(&checked, lake, &spark, &result, join).unwrap());
            self.pairs.push(Pair {
                what,
                embedded: embedded.clone(),
                spark,
                trainset: Some((spec.to_string(), fingerprint.clone())),
            });
        }
    }

    /// Builds every population of the lake's stream types at `at` (both axes and views).
    fn populations(&mut self, dir: &Path, name: &str, case: &Path, lake: &Path, at: &str) {
        let manifest = casefile::lake::read_manifest(lake).unwrap();
        for stream_type in manifest.shapes.keys().filter(|t| !t.is_empty()) {
            for (axis, view) in [
                ("recorded", false),
                ("occurred", false),
                ("recorded", true),
                ("occurred", true),
            ] {
                let tag = format!(
                    "{name}-pop-{}-{axis}-{}",
                    stream_type.replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
                    if view { "as-recorded" } else { "as-corrected" }
                );
                let embedded = dir.join(format!("{tag}.emb.parquet"));
                let mut args = vec![
                    "population",
                    s(case),
                    "--type",
                    stream_type,
                    "--at",
                    at,
                    "--axis",
                    axis,
                    "--out",
                    s(&embedded),
                ];
                if view {
                    args.push("--as-recorded");
                }
                let out = run(&args);
                assert!(
                    out.status.success(),
                    "embedded {tag}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let q = SparkPopulationRequest {
                    stream_type: stream_type.clone(),
                    at: casefile::parse_instant(at).unwrap(),
                    axis: if axis == "recorded" {
                        casefile::Axis::Recorded
                    } else {
                        casefile::Axis::Occurred
                    },
                    view: if view {
                        casefile::View::AsRecorded
                    } else {
                        casefile::View::AsCorrected
                    },
                    out: dir.to_path_buf(),
                    master: String::new(),
                    python: None,
                    spark_submit: None,
                    conf: Vec::new(),
                    preview_rows: 0,
                };
                let spark = dir.join(format!("{tag}.spark.parquet"));
                let result = dir.join(format!("{tag}.json"));
                let (job, _) =
                    spark::compile_population(&manifest.shapes, &q, lake, &spark, &result).unwrap();
                self.jobs.push(job);
                self.pairs.push(Pair {
                    what: tag,
                    embedded,
                    spark,
                    trainset: None,
                });
            }
        }
    }
}

/// Column names and types, with JSON text counted as text (Spark writes no JSON annotation).
fn schema(conn: &duckdb::Connection, file: &Path) -> Vec<(String, String)> {
    let mut stmt = conn
        .prepare(&format!(
            "DESCRIBE SELECT * FROM read_parquet('{}')",
            s(file)
        ))
        .unwrap();
    stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
        .map(|r| {
            let (n, t) = r.unwrap();
            (n, if t == "JSON" { "VARCHAR".into() } else { t })
        })
        .collect()
}

fn count(conn: &duckdb::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The rows of a file as text, sorted, hashed.
fn rows_hash(conn: &duckdb::Connection, file: &Path) -> String {
    conn.query_row(
        &format!(
            "SELECT coalesce(sha256(string_agg(CAST(t AS VARCHAR), chr(10) ORDER BY CAST(t AS VARCHAR))), '')
             FROM read_parquet('{}') t",
            s(file)
        ),
        [],
        |r| r.get(0),
    )
    .unwrap()
}

fn compare(conn: &duckdb::Connection, pair: &Pair, answer: &spark::DriverResult) {
    let (a, b) = (s(&pair.embedded), s(&pair.spark));
    assert_eq!(
        schema(conn, &pair.embedded),
        schema(conn, &pair.spark),
        "{}: columns",
        pair.what
    );
    let rows = count(conn, &format!("SELECT count(*) FROM read_parquet('{a}')"));
    assert_eq!(
        rows,
        count(conn, &format!("SELECT count(*) FROM read_parquet('{b}')")),
        "{}: rows",
        pair.what
    );
    for (x, y) in [(a, b), (b, a)] {
        let extra = count(
            conn,
            &format!(
                "SELECT count(*) FROM (SELECT * FROM read_parquet('{x}') EXCEPT ALL SELECT * FROM read_parquet('{y}'))"
            ),
        );
        assert_eq!(
            extra, 0,
            "{}: {extra} rows of {x} are not in {y}",
            pair.what
        );
    }
    assert_eq!(
        rows_hash(conn, &pair.embedded),
        rows_hash(conn, &pair.spark),
        "{}: sorted rows hash",
        pair.what
    );
    if let Some((spec_text, fingerprint)) = &pair.trainset {
        let checked = TrainsetSpec::from_toml(spec_text, "spec").unwrap();
        let built = spark::manifest(&checked, spec_text, fingerprint, rows as u64, answer);
        let mut ours = serde_json::to_value(&built).unwrap();
        let mut theirs: Value = serde_json::from_str(
            &std::fs::read_to_string(casefile::trainset::manifest_path_for(&pair.embedded))
                .unwrap(),
        )
        .unwrap();
        ours["created_by"] = Value::Null;
        theirs["created_by"] = Value::Null;
        assert_eq!(ours, theirs, "{}: manifests", pair.what);
    }
}

fn commonest_event_type(conn: &duckdb::Connection, lake: &Path) -> String {
    conn.query_row(
        &format!(
            "SELECT event_type FROM read_parquet('{}/events/**/*.parquet', hive_partitioning = false)
             GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
            s(lake)
        ),
        [],
        |r| r.get(0),
    )
    .unwrap()
}

/// The median recorded time of a lake's events, as RFC 3339.
fn middle_instant(conn: &duckdb::Connection, lake: &Path) -> String {
    let us: i64 = conn
        .query_row(
            &format!(
                "SELECT CAST(quantile_disc(epoch_us(recorded_at), 0.5) AS BIGINT)
                 FROM read_parquet('{}/events/**/*.parquet', hive_partitioning = false)",
                s(lake)
            ),
            [],
            |r| r.get(0),
        )
        .unwrap();
    casefile::format_micros(us)
}

#[test]
fn spark_gives_the_embedded_engines_training_sets_and_populations_row_for_row() {
    let setup = spark::find(None, None).unwrap_or_else(|e| {
        panic!(
            "{e}\nThe parity tests need Spark: scripts/test.sh installs Java and a pinned pyspark."
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let mut work = Work {
        jobs: Vec::new(),
        pairs: Vec::new(),
    };

    let samples = common::samples();
    let mut names: Vec<String> = std::fs::read_dir(&samples)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "bad" && samples.join(n).is_dir())
        .collect();
    names.sort();
    let mut cases: Vec<(String, PathBuf)> = Vec::new();
    for name in &names {
        let mut files: Vec<PathBuf> = std::fs::read_dir(samples.join(name))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let case = dir.join(format!("{name}.casefile"));
        import(&case, &files);
        cases.push((name.clone(), case));
    }
    // Over 100k decisions with every quirk the known history has to get right.
    let generated = dir.join("quirks.jsonl");
    let out = run(&[
        "generate",
        "events",
        s(&generated),
        "--scenario",
        "lending-quirks",
        "--events",
        "510000",
        "--streams",
        "40000",
    ]);
    assert!(out.status.success());
    let quirks = dir.join("quirks.casefile");
    import(&quirks, &[generated]);
    cases.push(("quirks".into(), quirks));

    for (name, case) in &cases {
        let lake = dir.join(format!("{name}-lake"));
        let out = run(&["export", s(case), s(&lake)]);
        assert!(
            out.status.success(),
            "export {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if name == "quirks" {
            let decisions = count(
                &conn,
                &format!(
                    "SELECT count(*) FROM read_parquet('{}/decisions/*.parquet')",
                    s(&lake)
                ),
            );
            assert!(decisions >= 100_000, "{decisions} decisions");
            work.trainset(dir, "quirks-recorded", case, &lake, QUIRKS_SPEC);
            let occurred = QUIRKS_SPEC.replace("ttl = \"60d\"", "axis = \"occurred\"");
            work.trainset(dir, "quirks-occurred", case, &lake, &occurred);
        } else {
            let commonest = commonest_event_type(&conn, &lake);
            for (variant, spec) in variants(case, &commonest) {
                work.trainset(dir, &format!("{name}-{variant}"), case, &lake, &spec);
            }
        }
        let at = middle_instant(&conn, &lake);
        work.populations(dir, name, case, &lake, &at);
    }

    let answers = spark::run_many(&setup, "local[2]", &work.jobs, dir, &dir.join("spark.log"))
        .expect("Spark runs");
    let mut compared = 0;
    for (pair, answer) in work.pairs.iter().zip(answers) {
        let answer = answer.unwrap_or_else(|e| panic!("{}: {e}", pair.what));
        compare(&conn, pair, &answer);
        compared += 1;
    }
    // Every sample's three specs and the quirks case's two, in both joins, and the populations.
    assert!(compared >= (names.len() * 3 + 2) * 2, "{compared} compared");
    eprintln!("spark parity: {compared} outputs identical");
}
