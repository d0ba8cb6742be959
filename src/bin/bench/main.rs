//! Benchmarks that print comparison ratios (never timed assertions in tests).
//!
//! `bench import --events N`: Casefile's import of a generated JSON-lines file into a fresh case,
//! against DuckDB's own `CREATE TABLE AS SELECT * FROM read_json(...)` of the same file into a fresh
//! database file, alternated in one process, median of `--runs`. Build with `--release`.
//!
//! `bench timemachine --events N --streams S`: on a case of the generated file (imported once and
//! kept), builds the stored snapshots, then times one-stream as-of (stored vs folding the stream's
//! events), population as-of (stored vs folding every stream) and timeline buckets, with the peak
//! memory of those queries.
//!
//! `bench trainset --events N --streams S [--examples N]`: on the time machine's case (imported and snapshots
//! built once), builds a training set with one example per `LoanDecisionMade` event (the first N by
//! recorded time with `--examples`, through `examples.to`), 8 state paths
//! and 2 windowed counts, to Parquet, and the same join as plain DuckDB ASOF JOINs (a join per
//! feature over the events that carry it; no fold, no leakage audit) in the same run.
//!
//! `bench bundle --events N --streams S [--runs R]`: on the time machine's case, exports the whole
//! case as a signed bundle (key made in the bench folder), then verifies it `--runs` times; prints
//! the export's phases, the bundle's size and verify's throughput (bundle bytes / seconds), beside
//! two floors in the same run: DuckDB's `COPY events TO parquet` and one SHA-256 pass over the file.
//!
//! `bench drift --decisions N [--python PY]`: on a case of N generated decisions with 20 inputs
//! (the `drift` scenario; half v1, half v2), times `Case::drift` of v1 against v2 end to end (the
//! cohorts read from DuckDB, every statistic, the attribution), median of `--runs`; with a Python
//! that has Evidently, runs its DataDriftPreset on the same cohorts (exported to Parquet) in the
//! same run and prints the ratio.
//!
//! `bench scale --events N [--memory-limit 4GB] [--hot-streams 3] [--hot-share 10] [--keep]`:
//! every operation an investigator does on a generated case of N events, each its own process
//! under the memory limit, with its time and peak RSS (`scale.rs`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use std::cell::RefCell;

use casefile::{Case, ImportOptions, ImportProgress, ProgressSink};

mod scale;

/// Records when each import phase starts, to print where the time goes.
#[derive(Default)]
struct PhaseClock {
    marks: RefCell<Vec<(&'static str, Instant)>>,
}

impl ProgressSink for PhaseClock {
    fn progress(&self, p: &ImportProgress) {
        let mut m = self.marks.borrow_mut();
        if m.last().map(|(name, _)| *name) != Some(p.phase) {
            m.push((p.phase, Instant::now()));
        }
    }
}

fn usage() -> ! {
    eprintln!("usage: bench import --events N [--streams S] [--runs R] [--dir DIR]");
    eprintln!("       bench timemachine --events N [--streams S] [--dir DIR] [--rebuild]");
    eprintln!("       bench decisions --events N [--streams S] [--replays N] [--dir DIR]");
    eprintln!(
        "       bench trainset --events N [--streams S] [--examples N] [--runs R] [--dir DIR]"
    );
    eprintln!("       bench drift --decisions N [--runs R] [--python PYTHON] [--dir DIR]");
    eprintln!("       bench bundle --events N [--streams S] [--runs R] [--dir DIR]");
    eprintln!("       bench scale --events N [--memory-limit 4GB] [--hot-streams K] [--hot-share PCT] [--dir DIR] [--keep]");
    std::process::exit(2)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Imports `file` into a new case at `case_path`, unless an earlier run left it there.
fn import_once(case_path: &Path, file: &Path) {
    if !case_path.exists() {
        eprintln!("importing {} ...", file.display());
        let case = Case::open_or_create(case_path).expect("case");
        case.import(
            &[file.to_path_buf()],
            &ImportOptions::default(),
            &casefile::NoProgress,
        )
        .expect("import");
    }
}

/// Resets the process's peak RSS (VmHWM) so the next reading covers only what follows.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn time_machine(events: u64, streams: u64, dir: &Path, file: &Path) {
    use casefile::{AsOfQuery, Axis, PopulationQuery, TimelineQuery, View};
    use rand::{Rng, SeedableRng};
    let case_path = dir.join(format!("tm-{events}-{streams}.casefile"));
    import_once(&case_path, file);
    if std::env::args().any(|a| a == "--rebuild") {
        let conn = duckdb::Connection::open(&case_path).expect("open");
        conn.execute_batch("DELETE FROM case_meta WHERE key = 'snapshots_built_from'; CHECKPOINT;")
            .expect("forget snapshots");
    }
    let case = Case::open(&case_path).expect("open case");
    let size_before = std::fs::metadata(&case_path).map(|m| m.len()).unwrap_or(0);
    reset_peak_rss();
    let t = Instant::now();
    let built = case.build_snapshots(&|_| {}).expect("snapshots");
    let build_s = t.elapsed().as_secs_f64();
    let build_peak = peak_rss_mb();
    let size_after = std::fs::metadata(&case_path).map(|m| m.len()).unwrap_or(0);
    let t = Instant::now();
    let indexed = case.warm_time_machine(&|_| {}).expect("warm");
    let warm_s = t.elapsed().as_secs_f64();

    let info = case.info().expect("info");
    let first = casefile::parse_instant(info.first_at.as_deref().expect("first")).expect("t");
    let last = casefile::parse_instant(info.last_at.as_deref().expect("last")).expect("t");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let pairs: Vec<(String, i64)> = (0..1000)
        .map(|_| {
            (
                format!("applicant-{:07}", rng.random_range(0..streams)),
                rng.random_range(first..=last + 10 * 86_400_000_000),
            )
        })
        .collect();
    let q = AsOfQuery {
        axis: Axis::Recorded,
        view: View::AsCorrected,
    };

    // The stored path first, alone, for its peak memory; the naive folds after.
    reset_peak_rss();
    let mut stored = Vec::new();
    let mut answers = Vec::new();
    for (stream, at) in &pairs {
        let t = Instant::now();
        let a = case.state(stream, *at, q).expect("state");
        stored.push(t.elapsed().as_secs_f64() * 1000.0);
        answers.push(a);
    }
    stored.sort_by(|a, b| a.total_cmp(b));
    let mid = first + (last - first) / 2;
    let pq = PopulationQuery {
        stream_type: "Applicant".into(),
        at: mid,
        axis: Axis::Recorded,
        view: View::AsCorrected,
        out: None,
        save: false,
        preview_rows: 5,
    };
    let mut pop_times = Vec::new();
    let mut pop_rows = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let p = case.population(&pq, &|_| {}).expect("population");
        pop_times.push(t.elapsed().as_secs_f64());
        pop_rows = p.rows;
    }
    let mut tl = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let r = case
            .timeline(&TimelineQuery {
                buckets: 500,
                axis: Axis::Recorded,
                ..Default::default()
            })
            .expect("timeline");
        tl.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(r.total as u64, events);
    }
    let query_peak = peak_rss_mb();

    reset_peak_rss();
    let mut naive = Vec::new();
    for ((stream, at), a) in pairs.iter().zip(&answers) {
        let t = Instant::now();
        let b = case.fold_state(stream, *at, q).expect("fold");
        naive.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(
            a.state, b.state,
            "{stream} at {at}: stored and folded states differ"
        );
        assert_eq!(a.events_seen, b.events_seen);
    }
    naive.sort_by(|a, b| a.total_cmp(b));
    let t = Instant::now();
    let naive_rows = case
        .population_by_fold("Applicant", mid, q)
        .expect("naive population");
    let pop_naive = t.elapsed().as_secs_f64();
    assert_eq!(pop_rows, naive_rows, "stored and folded populations differ");
    let naive_peak = peak_rss_mb();

    println!("events / streams        {events} / {streams}");
    println!(
        "snapshots               {} in {build_s:.1} s (peak RSS {build_peak:.0} MB); case file {:.0} MB -> {:.0} MB",
        if built { "built" } else { "already current" },
        size_before as f64 / 1e6,
        size_after as f64 / 1e6
    );
    println!("index of {indexed} streams loaded in {warm_s:.2} s");
    println!(
        "one stream as-of, 1000 random pairs: stored p50 {:.2} ms p99 {:.2} ms | folding events p50 {:.2} ms p99 {:.2} ms",
        percentile(&stored, 0.5),
        percentile(&stored, 0.99),
        percentile(&naive, 0.5),
        percentile(&naive, 0.99)
    );
    println!(
        "population as-of ({pop_rows} streams): stored {:.2} s (median of 3) | folding every stream {pop_naive:.2} s",
        median(&mut pop_times)
    );
    println!(
        "timeline 500 buckets: p50 {:.1} ms (20 runs)",
        median(&mut tl)
    );
    println!("peak RSS: stored queries (as-of, population, timeline) {query_peak:.0} MB | naive folds {naive_peak:.0} MB");
}

/// Explain latency over sampled decisions, and the replay's own cost per decision (its wall time
/// less the replayer programs' time) with the lending scorer run one at a time.
fn decisions(events: u64, streams: u64, dir: &Path, file: &Path, replays: u64) {
    use casefile::{DecisionQuery, ReplayRequest, Replayer};
    let case_path = dir.join(format!("decisions-{events}-{streams}.casefile"));
    import_once(&case_path, file);
    let case = Case::open(&case_path).expect("open case");
    let t = Instant::now();
    let built = !case.decision_view_current().expect("decision view key");
    let job = casefile::Job::new(casefile::JobKind::DecisionView, |_| {});
    case.build_decisions_job(&job).expect("decision view");
    let build_s = t.elapsed().as_secs_f64();
    let all = case
        .decisions(&DecisionQuery {
            limit: Some(0),
            ..Default::default()
        })
        .expect("decisions");
    let stale = case
        .decisions(&DecisionQuery {
            stale_only: true,
            limit: Some(0),
            ..Default::default()
        })
        .expect("stale decisions");
    println!("events            {events}");
    println!(
        "decision view     {} decisions ({} with stale inputs); {} in {build_s:.1} s",
        all.total,
        stale.total,
        if built {
            "built"
        } else {
            "already built, checked"
        }
    );

    // The list as the app asks for it: the first page, and a page deep in the list.
    let mut list_ms = Vec::new();
    for offset in [0usize, all.total as usize / 2] {
        let t = Instant::now();
        case.decisions(&DecisionQuery {
            limit: Some(200),
            offset: Some(offset),
            ..Default::default()
        })
        .expect("page");
        list_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "decision list     first page {:.0} ms, page at the middle {:.0} ms (200 rows, with totals)",
        list_ms[0], list_ms[1]
    );

    // Explain: 300 decisions picked by a hash of their id (spread over time and subjects), each
    // asked once; the first 20 warm the caches and are not counted.
    drop(case);
    let ids: Vec<String> = {
        let conn = duckdb::Connection::open(&case_path).expect("open");
        let mut stmt = conn
            .prepare("SELECT decision_id FROM decisions ORDER BY hash(decision_id) LIMIT 300")
            .expect("ids");
        stmt.query_map([], |r| r.get(0))
            .expect("ids")
            .collect::<Result<_, _>>()
            .expect("ids")
    };
    let case = Case::open(&case_path).expect("open case");
    let mut times = Vec::new();
    let mut found = 0;
    for (i, id) in ids.iter().enumerate() {
        let t = Instant::now();
        let x = case.explain(id).expect("explain");
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        found += x.discrepancies.len();
        if i >= 20 {
            times.push(ms);
        }
    }
    times.sort_by(f64::total_cmp);
    println!(
        "explain           p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms over {} decisions ({found} stale inputs shown)",
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        times.last().copied().unwrap_or(f64::NAN),
        times.len()
    );

    // Replay: the first `replays` v2.4.0 decisions through the lending scorer, one at a time.
    let scorer = std::env::current_exe()
        .expect("exe")
        .with_file_name("lending-scorer");
    let _ = case.remove_replayer("bench scorer");
    case.add_replayer(Replayer {
        name: "bench scorer".into(),
        model: Some("underwriter".into()),
        model_version: Some("v2.4.0".into()),
        command: scorer.to_string_lossy().into_owned(),
        args: vec!["--model-version".into(), "v2.4.0".into()],
        timeout_ms: 10_000,
        tolerance: 0.0,
        concurrency: 1,
        compare: Vec::new(),
    })
    .expect("replayer");
    let request = ReplayRequest {
        decisions: Vec::new(),
        query: DecisionQuery {
            model_version: Some("v2.4.0".into()),
            limit: Some(replays as usize),
            ..Default::default()
        },
        replayer: Some("bench scorer".into()),
        repeat: None,
    };
    let job = casefile::Job::new(casefile::JobKind::Replay, |_| {});
    let r = case.replay_job(&request, &job).expect("replay");
    let n = r.replayed.max(1) as f64;
    let wall_ms = r.wall_us as f64 / 1000.0;
    let programs_ms = r.replayer_us as f64 / 1000.0;
    println!(
        "replay            {} decisions at concurrency 1: {} match, {} mismatch, {} failed",
        r.replayed, r.matched, r.mismatched, r.failed
    );
    println!(
        "                  wall {:.2} s, replayer programs {:.2} s: overhead {:.3} ms per decision",
        wall_ms / 1000.0,
        programs_ms / 1000.0,
        (wall_ms - programs_ms) / n
    );
    println!("peak RSS          {:.0} MB", peak_rss_mb());
}

fn drift(decisions: u64, runs: usize, dir: &Path, python: Option<&str>) {
    use casefile::generate::drift_bench::{CATEGORICAL_INPUTS, NUMERIC_INPUTS};
    use casefile::DriftRequest;
    let file = dir.join(format!("drift-{decisions}.jsonl"));
    if !file.exists() {
        eprintln!("generating {} ...", file.display());
        casefile::generate::write_bench(&file, "drift", decisions, (decisions / 10).max(1), 42)
            .expect("generate");
    }
    let case_path = dir.join(format!("drift-{decisions}.casefile"));
    let t = Instant::now();
    let imported = !case_path.exists();
    import_once(&case_path, &file);
    if imported {
        println!(
            "import            {decisions} events in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    let case = Case::open(&case_path).expect("open case");
    let t = Instant::now();
    let job = casefile::Job::new(casefile::JobKind::DecisionView, |_| {});
    case.build_decisions_job(&job).expect("decision view");
    println!(
        "decision view     ready in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let req = DriftRequest {
        a: "model_version=v1".into(),
        b: "model_version=v2".into(),
        ..Default::default()
    };
    let mut times = Vec::new();
    let mut report = None;
    for run in 0..runs.max(1) {
        let (job, phases) = marked_job(casefile::JobKind::Drift);
        let t = Instant::now();
        let r = case.drift(&req, &job).expect("drift");
        let end = Instant::now();
        times.push((end - t).as_secs_f64());
        eprintln!(
            "run {run}: {:.2} s ({})",
            times[run],
            phase_split(&phases.lock().unwrap(), end)
        );
        report = Some(r);
    }
    let r = report.expect("a run");
    let drifted: Vec<&str> = r
        .features
        .iter()
        .filter(|f| f.role == casefile::DriftRole::Input && f.drifted)
        .map(|f| f.name.as_str())
        .collect();
    let ours = median(&mut times.clone());
    println!(
        "casefile drift    {} vs {} decisions x {} inputs + 3 outputs: median {ours:.2} s of {} runs (min {:.2} s)",
        r.a.rows,
        r.b.rows,
        r.features.iter().filter(|f| f.role == casefile::DriftRole::Input).count(),
        times.len(),
        times.iter().copied().fold(f64::INFINITY, f64::min)
    );
    println!("  drifted inputs  {}", drifted.join(", "));
    println!("  model           {}", r.attribution.model.evidence);
    println!("  peak RSS        {:.0} MB", peak_rss_mb());
    let Some(python) = python else {
        return;
    };

    // The same cohorts, as the columns Casefile compares, for Evidently.
    drop(case);
    let numeric: Vec<&str> = NUMERIC_INPUTS
        .iter()
        .copied()
        .chain(["score", "confidence"])
        .collect();
    let categorical: Vec<&str> = CATEGORICAL_INPUTS
        .iter()
        .map(|(n, _)| *n)
        .chain(["label"])
        .collect();
    let select = NUMERIC_INPUTS
        .iter()
        .map(|n| format!("TRY_CAST(json_extract(inputs, '$.\"{n}\"') AS DOUBLE) AS {n}"))
        .chain(
            CATEGORICAL_INPUTS
                .iter()
                .map(|(n, _)| format!("json_extract_string(inputs, '$.\"{n}\"') AS {n}")),
        )
        .chain([
            "score".to_string(),
            "TRY_CAST(json_extract(output, '$.confidence') AS DOUBLE) AS confidence".to_string(),
            "label".to_string(),
        ])
        .collect::<Vec<_>>()
        .join(", ");
    let (pa, pb) = (dir.join("drift-a.parquet"), dir.join("drift-b.parquet"));
    {
        let conn = duckdb::Connection::open(&case_path).expect("open");
        for (version, path) in [("v1", &pa), ("v2", &pb)] {
            conn.execute_batch(&format!(
                "COPY (SELECT {select} FROM decisions WHERE model_version = '{version}') TO '{}' (FORMAT parquet)",
                path.display()
            ))
            .expect("export a cohort");
        }
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench_evidently.py");
    let out = std::process::Command::new(python)
        .arg(&script)
        .arg(&pa)
        .arg(&pb)
        .arg(runs.max(1).to_string())
        .arg(numeric.join(","))
        .arg(categorical.join(","))
        .output()
        .expect("run Evidently");
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        panic!("Evidently failed");
    }
    let e: serde_json::Value =
        serde_json::from_slice(out.stdout.trim_ascii()).expect("Evidently's JSON");
    let mut run_s: Vec<f64> = e["run_s"]
        .as_array()
        .expect("run_s")
        .iter()
        .map(|x| x.as_f64().expect("seconds"))
        .collect();
    let theirs = median(&mut run_s);
    println!(
        "evidently         DataDriftPreset on the same {} vs {} rows: median {theirs:.2} s of {} runs (Parquet load {:.2} s not counted)",
        e["rows_a"],
        e["rows_b"],
        run_s.len(),
        e["load_s"].as_f64().unwrap_or(f64::NAN)
    );
    let theirs_drifted: Vec<&str> = e["drifted"]
        .as_array()
        .expect("drifted")
        .iter()
        .filter_map(|v| v.as_str())
        .filter(|c| NUMERIC_INPUTS.contains(c) || CATEGORICAL_INPUTS.iter().any(|(n, _)| n == c))
        .collect();
    println!("  drifted inputs  {}", theirs_drifted.join(", "));
    let same = {
        let (mut x, mut y) = (drifted.clone(), theirs_drifted.clone());
        x.sort();
        y.sort();
        x == y
    };
    println!("  same verdicts   {}", if same { "yes" } else { "NO" });
    println!(
        "ratio             Evidently / Casefile = {:.1}x",
        theirs / ours
    );
}

const TRAINSET_PATHS: &[(&str, &str)] = &[
    ("credit_score", "CreditScoreUpdated"),
    ("bureau", "CreditScoreUpdated"),
    ("annual_income", "IncomeVerified"),
    ("verified_by", "IncomeVerified"),
    ("amount", "LoanApplicationSubmitted"),
    ("term_months", "LoanApplicationSubmitted"),
    ("city", "AddressChanged"),
    ("postcode", "AddressChanged"),
];

/// `examples`: the first N decisions by recorded time (0: all of them), through `examples.to`.
fn trainset(events: u64, streams: u64, examples: u64, dir: &Path, file: &Path, runs: usize) {
    use casefile::TrainsetRequest;
    let case_path = dir.join(format!("tm-{events}-{streams}.casefile"));
    import_once(&case_path, file);
    {
        let case = Case::open(&case_path).expect("open case");
        let t = Instant::now();
        case.build_snapshots(&|_| {}).expect("snapshots");
        println!(
            "snapshots         ready in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    // The example window: up to the N-th decision's recorded time.
    let to: Option<i64> = (examples > 0).then(|| {
        let conn = duckdb::Connection::open(&case_path).expect("open");
        conn.query_row(
            "SELECT epoch_us(recorded_at) FROM events WHERE event_type = 'LoanDecisionMade'
             ORDER BY recorded_at, event_id LIMIT 1 OFFSET ?",
            [examples as i64 - 1],
            |r| r.get(0),
        )
        .expect("the N-th decision")
    });
    let mut spec = String::from("[examples]\nevents = [\"LoanDecisionMade\"]\n");
    if let Some(to) = to {
        spec += &format!("to = \"{}\"\n", casefile::format_micros(to));
    }
    let asof_to = to
        .map(|to| format!(" AND recorded_at <= make_timestamp({to})"))
        .unwrap_or_default();
    for (name, _) in TRAINSET_PATHS {
        spec += &format!("\n[[feature]]\nname = \"{name}\"\npath = \"{name}\"\n");
    }
    spec += "\n[[feature]]\nname = \"scores_90d\"\ncount = [\"CreditScoreUpdated\"]\nwindow = \"90d\"\n";
    spec += "\n[[feature]]\nname = \"applications_30d\"\ncount = [\"LoanApplicationSubmitted\"]\nwindow = \"30d\"\n";
    let ours_out = dir.join("trainset.parquet");
    let theirs_out = dir.join("asof.parquet");
    let asof_sql = {
        let mut select = vec!["x.example_id".to_string(), "x.entity".into(), "x.t".into()];
        let mut joins = Vec::new();
        for (i, (name, event_type)) in TRAINSET_PATHS.iter().enumerate() {
            select.push(format!("f{i}.v AS {name}"));
            joins.push(format!(
                "ASOF LEFT JOIN (SELECT stream_id, recorded_at, json_extract_string(payload, '$.{name}') AS v
                     FROM events WHERE event_type = '{event_type}') f{i}
                   ON f{i}.stream_id = x.entity AND x.t >= f{i}.recorded_at"
            ));
        }
        format!(
            "COPY (
               WITH x AS (SELECT event_id AS example_id, stream_id AS entity, recorded_at AS t
                          FROM events WHERE event_type = 'LoanDecisionMade'{asof_to}),
                    c AS (SELECT x.example_id,
                                 count(*) FILTER (WHERE e.event_type = 'CreditScoreUpdated' AND e.recorded_at > x.t - INTERVAL 90 DAY) AS scores_90d,
                                 count(*) FILTER (WHERE e.event_type = 'LoanApplicationSubmitted' AND e.recorded_at > x.t - INTERVAL 30 DAY) AS applications_30d
                          FROM x JOIN events e ON e.stream_id = x.entity AND e.recorded_at <= x.t
                           AND e.recorded_at > x.t - INTERVAL 90 DAY
                           AND e.event_type IN ('CreditScoreUpdated', 'LoanApplicationSubmitted')
                          GROUP BY x.example_id)
               SELECT {}, coalesce(c.scores_90d, 0) AS scores_90d, coalesce(c.applications_30d, 0) AS applications_30d
               FROM x {} LEFT JOIN c ON c.example_id = x.example_id ORDER BY x.t, x.example_id
             ) TO '{}' (FORMAT parquet)",
            select.join(", "),
            joins.join(" "),
            theirs_out.display()
        )
    };
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    let mut rows = 0;
    for run in 0..runs.max(1) {
        // One process opens a case file once at a time: the case for ours, then a plain
        // connection for the ASOF JOIN (opening is not timed).
        let case = Case::open(&case_path).expect("open case");
        let (job, phases) = marked_job(casefile::JobKind::Trainset);
        let t = Instant::now();
        let r = case
            .trainset(
                &TrainsetRequest {
                    spec: spec.clone(),
                    origin: "bench".into(),
                    out: Some(ours_out.clone()),
                    preview_rows: 5,
                },
                &job,
            )
            .expect("trainset");
        let end = Instant::now();
        ours.push((end - t).as_secs_f64());
        eprintln!("  phases: {}", phase_split(&phases.lock().unwrap(), end));
        rows = r.rows;
        drop(case);
        let conn = duckdb::Connection::open(&case_path).expect("open");
        let t = Instant::now();
        conn.execute_batch(&asof_sql).expect("asof join");
        drop(conn);
        theirs.push(t.elapsed().as_secs_f64());
        eprintln!(
            "run {run}: casefile {:.2} s, asof {:.2} s",
            ours[run], theirs[run]
        );
        if run == 0 {
            for (name, l) in &r.leakage {
                println!(
                    "  audit {name:<18} naive differs {:>8}, late-arriving {:>8}",
                    l.naive_differs, l.late_arriving
                );
            }
        }
    }
    let (o, a) = (median(&mut ours.clone()), median(&mut theirs.clone()));
    println!(
        "trainset          {rows} examples x 10 features: median {o:.2} s of {} runs",
        ours.len()
    );
    println!("duckdb asof join  the same join, no fold or audit: median {a:.2} s");
    println!("ratio             Casefile / ASOF JOIN = {:.2}x", o / a);
    println!("peak RSS          {:.0} MB", peak_rss_mb());
}

/// How long each phase lasted: from its mark to the next one's (the last one's to `end`).
fn bundle(events: u64, streams: u64, dir: &Path, file: &Path, runs: usize) {
    use sha2::Digest;
    let case_path = dir.join(format!("tm-{events}-{streams}.casefile"));
    import_once(&case_path, file);
    std::env::set_var("CASEFILE_CONFIG_DIR", dir.join("bench-config"));
    if !dir.join("bench-config/keys/bench.key").exists() {
        casefile::new_key("bench").expect("key");
    }
    let out = dir.join("bench.casebundle");
    let _ = std::fs::remove_file(&out);

    // Floor: DuckDB writing the same events to Parquet, nothing else.
    let floor = dir.join("floor.parquet");
    let t = Instant::now();
    {
        let conn = duckdb::Connection::open(&case_path).expect("open");
        conn.execute_batch(&format!(
            "COPY (SELECT * FROM events ORDER BY seq) TO '{}' (FORMAT parquet, COMPRESSION zstd)",
            floor.display()
        ))
        .expect("copy");
    }
    let copy_s = t.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&floor);

    let case = Case::open(&case_path).expect("open case");
    let (job, marks) = marked_job(casefile::JobKind::BundleExport);
    let t = Instant::now();
    let report = case
        .bundle_export(
            &casefile::BundleRequest {
                out: out.to_string_lossy().into_owned(),
                sign: Some("bench".into()),
                ..Default::default()
            },
            &job,
        )
        .expect("export");
    let end = Instant::now();
    let export_s = (end - t).as_secs_f64();
    let size = report.size_bytes as f64;
    println!("events            {}", report.events);
    println!(
        "bundle            {:.0} MB ({} files)",
        size / 1e6,
        report.files.len()
    );
    for f in &report.files {
        println!("  {:<24} {:>10.1} MB", f.path, f.size as f64 / 1e6);
    }
    println!(
        "export            {export_s:.1} s ({:.0} events/s): {}",
        report.events as f64 / export_s,
        phase_split(&marks.lock().unwrap(), end)
    );
    println!("duckdb COPY events TO parquet (floor)  {copy_s:.1} s");

    let mut times = Vec::new();
    for run in 0..runs {
        let t = Instant::now();
        let v = casefile::verify_bundle(
            &out,
            &casefile::VerifyOptions {
                expected_key: Some("bench".into()),
                allow_unsigned: false,
            },
            &casefile::Job::quiet(casefile::JobKind::BundleVerify),
        )
        .expect("verify");
        let s = t.elapsed().as_secs_f64();
        assert!(v.ok, "the bundle verifies: {:?}", v.problems);
        eprintln!("verify run {run}: {s:.2} s");
        times.push(s);
    }
    let verify_s = median(&mut times);
    let t = Instant::now();
    {
        let mut f = std::fs::File::open(&out).expect("bundle");
        let mut h = sha2::Sha256::new();
        std::io::copy(&mut f, &mut h).expect("read");
        let _ = h.finalize();
    }
    let sha_s = t.elapsed().as_secs_f64();
    println!(
        "verify            {verify_s:.2} s median of {runs}: {:.0} MB/s (signature, {} files' SHA-256, Merkle root over {} events)",
        size / 1e6 / verify_s,
        report.files.len(),
        report.events
    );
    println!(
        "one SHA-256 pass over the bundle (floor)  {sha_s:.2} s: {:.0} MB/s; verify takes {:.2}x of it",
        size / 1e6 / sha_s,
        verify_s / sha_s
    );
    println!("peak RSS          {:.0} MB", peak_rss_mb());
}

/// Phase start times of a job, as its reports name them.
type Marks = std::sync::Arc<std::sync::Mutex<Vec<(String, Instant)>>>;

/// A job that marks when each of its phases starts.
fn marked_job(kind: casefile::JobKind) -> (std::sync::Arc<casefile::Job>, Marks) {
    let marks: Marks = Default::default();
    let sink = marks.clone();
    let job = casefile::Job::new(kind, move |p| {
        let mut m = sink.lock().unwrap();
        if m.last().map(|(name, _)| name.as_str()) != Some(p.phase.as_str()) {
            m.push((p.phase.clone(), Instant::now()));
        }
    });
    (job, marks)
}

fn phase_split(marks: &[(String, Instant)], end: Instant) -> String {
    marks
        .iter()
        .enumerate()
        .map(|(i, (name, at))| {
            let until = marks.get(i + 1).map(|(_, e)| *e).unwrap_or(end);
            format!("{name} {:.2}s", (until - *at).as_secs_f64())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn remove_db(p: &Path) {
    let _ = std::fs::remove_file(p);
    let _ = std::fs::remove_file(p.with_extension("casefile.wal"));
    let mut wal = p.as_os_str().to_owned();
    wal.push(".wal");
    let _ = std::fs::remove_file(PathBuf::from(wal));
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.to_string())
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|k| k.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

#[global_allocator]
static ALLOCATOR: casefile::MiMalloc = casefile::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().cloned().unwrap_or_default();
    match command.as_str() {
        "scale" => return scale::run(&args[1..]),
        "scale-step" => return scale::step(&args[1..]),
        _ => {}
    }
    if ![
        "import",
        "timemachine",
        "decisions",
        "drift",
        "trainset",
        "bundle",
    ]
    .contains(&command.as_str())
    {
        usage();
    }
    let get = |name: &str, default: u64| -> u64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(|v| v.parse().unwrap_or_else(|_| usage()))
            .unwrap_or(default)
    };
    let events = get("--events", 1_000_000);
    let streams = get("--streams", (events / 10).max(1));
    let runs = get("--runs", 3) as usize;
    let dir = args
        .iter()
        .position(|a| a == "--dir")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("casefile-bench"));
    std::fs::create_dir_all(&dir).expect("bench dir");
    if command == "drift" {
        let python = args
            .iter()
            .position(|a| a == "--python")
            .and_then(|i| args.get(i + 1))
            .cloned();
        drift(get("--decisions", 2_000_000), runs, &dir, python.as_deref());
        return;
    }
    // `g2`: the generator's second shape (decisions with inputs), so older files are not reused.
    let file = dir.join(format!("lending-{events}-{streams}-g2.jsonl"));
    if !file.exists() {
        eprintln!("generating {} ...", file.display());
        casefile::generate::write_bench(&file, "lending", events, streams, 42).expect("generate");
    }
    if command == "timemachine" {
        time_machine(events, streams, &dir, &file);
        return;
    }
    if command == "decisions" {
        decisions(events, streams, &dir, &file, get("--replays", 10_000));
        return;
    }
    if command == "bundle" {
        bundle(events, streams, &dir, &file, runs);
        return;
    }
    if command == "trainset" {
        trainset(events, streams, get("--examples", 0), &dir, &file, runs);
        return;
    }
    let size = std::fs::metadata(&file).expect("file").len() as f64 / 1e6;
    let mut ours = Vec::new();
    let mut duck = Vec::new();
    let mut duck_sorted = Vec::new();
    for run in 0..runs {
        let db = dir.join("raw.duckdb");
        remove_db(&db);
        let t = Instant::now();
        {
            let conn = duckdb::Connection::open(&db).expect("open");
            conn.execute_batch(&format!(
                "CREATE TABLE t AS SELECT * FROM read_json('{}'); CHECKPOINT;",
                file.display()
            ))
            .expect("read_json");
        }
        duck.push(t.elapsed().as_secs_f64());
        remove_db(&db);
        // The same, with the per-stream order the architecture asks of `events`.
        let t = Instant::now();
        {
            let conn = duckdb::Connection::open(&db).expect("open");
            conn.execute_batch(&format!(
                "CREATE TABLE t AS SELECT * FROM read_json('{}') ORDER BY stream_id, recorded_at; CHECKPOINT;",
                file.display()
            ))
            .expect("read_json sorted");
        }
        duck_sorted.push(t.elapsed().as_secs_f64());
        remove_db(&db);

        let case_path = dir.join("bench.casefile");
        remove_db(&case_path);
        let t = Instant::now();
        let clock = PhaseClock::default();
        {
            let case = Case::open_or_create(&case_path).expect("case");
            let r = case
                .import(
                    std::slice::from_ref(&file),
                    &ImportOptions::default(),
                    &clock,
                )
                .expect("import");
            assert_eq!(r.sources[0].rows_loaded, events);
        }
        ours.push(t.elapsed().as_secs_f64());
        let marks = clock.marks.borrow();
        let phases: Vec<String> = marks
            .iter()
            .enumerate()
            .map(|(i, (name, at))| {
                let end = marks
                    .get(i + 1)
                    .map(|(_, e)| *e)
                    .unwrap_or_else(Instant::now);
                format!("{name} {:.2}s", (end - *at).as_secs_f64())
            })
            .collect();
        eprintln!("  phases: {}", phases.join(", "));
        if run + 1 < runs {
            remove_db(&case_path);
        }
        eprintln!(
            "run {run}: duckdb read_json {:.2}s, sorted by stream {:.2}s, casefile import {:.2}s",
            duck[run], duck_sorted[run], ours[run]
        );
    }
    let (o, d, ds) = (
        median(&mut ours),
        median(&mut duck),
        median(&mut duck_sorted),
    );

    // What the per-stream ordering buys: one stream's events read from `events` (sorted by stream at
    // import; the case of the last run) against the same rows in arrival order.
    let case_path = dir.join("bench.casefile");
    let conn = duckdb::Connection::open(&case_path).expect("open case");
    conn.execute_batch(
        "CREATE TABLE events_by_arrival AS SELECT * FROM events ORDER BY seq; CHECKPOINT;",
    )
    .expect("copy");
    let mut ids: Vec<String> = Vec::new();
    let step = (streams / 200).max(1);
    let mut k = 7;
    while ids.len() < 200 && ids.len() < streams as usize {
        ids.push(format!("applicant-{:07}", k % streams));
        k += step;
    }
    let read = |table: &str| -> f64 {
        let mut times = Vec::new();
        let sql = format!(
            "SELECT count(*), max(length(payload::VARCHAR)) FROM {table} WHERE stream_id = ?"
        );
        for id in &ids {
            let t = Instant::now();
            let _: (i64, Option<i64>) = conn
                .query_row(&sql, [id], |r| Ok((r.get(0)?, r.get(1)?)))
                .expect("read");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        median(&mut times)
    };
    let sorted_ms = read("events");
    let arrival_ms = read("events_by_arrival");
    drop(conn);
    remove_db(&case_path);
    println!("events            {events}");
    println!("file              {size:.0} MB ({})", file.display());
    println!(
        "duckdb read_json  {d:.2} s  ({:.0} events/s)",
        events as f64 / d
    );
    println!(
        "casefile import   {o:.2} s  ({:.0} events/s)",
        events as f64 / o
    );
    println!("ratio (throughput casefile / duckdb) {:.2}x", d / o);
    println!(
        "duckdb read_json ORDER BY stream_id, recorded_at  {ds:.2} s: {:.2}x of the unsorted read_json; casefile is {:.2}x of it",
        d / ds,
        ds / o
    );
    println!("peak RSS          {:.0} MB", peak_rss_mb());
    println!("one stream read, p50 over {} streams: {sorted_ms:.2} ms stream-ordered vs {arrival_ms:.2} ms arrival-ordered ({:.1}x)",
        ids.len(), arrival_ms / sorted_ms);
}
