//! `bench scale --events N`: every operation an investigator does, on a generated case of N
//! events with a few hot streams, each run as its own process under one memory budget, with its
//! wall time and that process's peak RSS (from `wait4`, so a peak in the last instant counts).
//!
//! The operations are the CLI's own commands (`casefile import`, `decisions`, `population`,
//! `drift`, `trainset`, `bundle export` and `verify`); the time machine's build and the
//! interactive reads (one stream as of an instant, a hot stream's history page, a decision page a
//! million rows deep) have no command of their own and run as `bench scale-step STEP CASE`. The
//! case and everything written go when the run ends (`--keep` keeps them).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use casefile::{AsOfQuery, Axis, Case, DecisionQuery, View};
use rand::{Rng, SeedableRng};

/// What one process took.
struct Measured {
    seconds: f64,
    peak_mb: f64,
    stdout: String,
}

/// Runs `cmd` to its end and reads its peak RSS from the kernel's accounting of the child.
// wait4 reaps the child (std's `wait` cannot report its rusage); clippy cannot see that.
#[allow(clippy::zombie_processes)]
fn measure(label: &str, cmd: &mut Command) -> Measured {
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("{label}: cannot start: {e}"));
    let mut out = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = out.read_to_string(&mut text);
        text
    });
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pid is our own child, not yet waited for (std's Child is never waited on).
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert!(pid > 0, "{label}: wait4 failed");
    let seconds = started.elapsed().as_secs_f64();
    let stdout = reader.join().unwrap_or_default();
    let exited_ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    assert!(exited_ok, "{label} failed (status {status}):\n{stdout}");
    Measured {
        seconds,
        // ru_maxrss is in kilobytes on Linux.
        peak_mb: usage.ru_maxrss as f64 / 1024.0,
        stdout,
    }
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// The training set the benchmarks build (shared with scripts/bench-spark.sh).
const SPEC: &str = include_str!("../../../scripts/lending-trainset.toml");

/// The instant population and as-of questions are asked at (the generated span is 2024-01-01 plus
/// 180 days).
const MID: &str = "2024-04-01T00:00:00Z";

pub fn run(args: &[String]) {
    let events: u64 = flag(args, "--events")
        .map(|v| v.parse().expect("--events N"))
        .unwrap_or(30_000_000);
    let streams = events / 10;
    let hot: u64 = flag(args, "--hot-streams")
        .map(|v| v.parse().expect("--hot-streams N"))
        .unwrap_or(3);
    let hot_share: u64 = flag(args, "--hot-share")
        .map(|v| v.parse().expect("--hot-share PCT"))
        .unwrap_or(10);
    let limit = flag(args, "--memory-limit").unwrap_or_else(|| "4GB".into());
    let keep = args.iter().any(|a| a == "--keep");
    let base = flag(args, "--dir")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("casefile-bench"));
    let dir = base.join(format!("scale-{events}"));
    std::fs::create_dir_all(&dir).expect("bench folder");
    let bench = std::env::current_exe().expect("own path");
    let casefile = bench.with_file_name("casefile");
    assert!(
        casefile.exists(),
        "{} is missing: build with `cargo build --release -p casefile` (it builds both)",
        casefile.display()
    );
    let limit_bytes = casefile::parse_memory_limit(&limit, "--memory-limit").expect("a size");
    let cli = |args: &[&str]| {
        let mut c = Command::new(&casefile);
        c.args(args)
            .env("CASEFILE_MEMORY_LIMIT", &limit)
            .env("CASEFILE_CONFIG_DIR", dir.join("config"));
        c
    };
    let step = |args: &[&str]| {
        let mut c = Command::new(&bench);
        c.arg("scale-step")
            .args(args)
            .env("CASEFILE_MEMORY_LIMIT", &limit);
        c
    };
    let s = |p: &Path| p.to_string_lossy().into_owned();
    let file = dir.join("events.jsonl");
    let case = dir.join("case.casefile");
    let spec = dir.join("spec.toml");
    std::fs::write(&spec, SPEC).expect("spec");

    eprintln!(
        "== bench scale: {events} events over {streams} streams ({hot} hot streams with {hot_share}% of the events), memory limit {limit}, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let mut rows: Vec<(String, Measured)> = Vec::new();
    let generated = measure(
        "generate",
        cli(&[
            "generate",
            "events",
            &s(&file),
            "--scenario",
            "lending-quirks",
            "--events",
            &events.to_string(),
            "--streams",
            &streams.to_string(),
            "--hot-streams",
            &hot.to_string(),
            "--hot-share",
            &hot_share.to_string(),
        ])
        .arg("--json"),
    );
    let file_mb = std::fs::metadata(&file).map_or(0.0, |m| m.len() as f64 / 1e6);
    eprintln!(
        "generated {file_mb:.0} MB of JSON lines in {:.0} s",
        generated.seconds
    );
    let mut run = |label: &str, cmd: &mut Command| {
        eprintln!("-- {label}");
        let m = measure(label, cmd);
        eprintln!("   {:.1} s, peak RSS {:.0} MB", m.seconds, m.peak_mb);
        rows.push((label.to_string(), m));
    };
    // The import's floor in the same budget: DuckDB's own read of the file into a table in the
    // per-stream order `events` keeps, with the memory the import gets.
    run(
        "floor: DuckDB read_json sorted",
        &mut step(&["floor", &s(&file), &s(&dir.join("floor.duckdb"))]),
    );
    run("import", &mut cli(&["import", &s(&case), &s(&file)]));
    std::fs::remove_file(&file).expect("remove the generated file");
    run("snapshot build", &mut step(&["snapshots", &s(&case)]));
    run(
        "decision view",
        &mut cli(&["decisions", &s(&case), "--limit", "1", "--json"]),
    );
    run(
        "reads (as-of, history, pages)",
        &mut step(&["reads", &s(&case), &hot.to_string()]),
    );
    run(
        "population",
        &mut cli(&[
            "population",
            &s(&case),
            "--type",
            "Applicant",
            "--at",
            MID,
            "--out",
            &s(&dir.join("population.parquet")),
            "--json",
        ]),
    );
    run(
        "drift",
        &mut cli(&[
            "drift",
            &s(&case),
            "--a",
            "model_version=v2.3.1",
            "--b",
            "model_version=v2.4.0",
            "--json",
        ]),
    );
    run(
        "training set",
        &mut cli(&[
            "trainset",
            &s(&case),
            "--spec",
            &s(&spec),
            "--out",
            &s(&dir.join("train.parquet")),
            "--json",
        ]),
    );
    measure("keys new", &mut cli(&["keys", "new", "bench", "--json"]));
    let bundle = dir.join("case.casebundle");
    run(
        "bundle export",
        &mut cli(&[
            "bundle",
            "export",
            &s(&case),
            &s(&bundle),
            "--sign",
            "bench",
            "--json",
        ]),
    );
    run(
        "bundle verify",
        &mut cli(&["bundle", "verify", &s(&bundle), "--key", "bench", "--json"]),
    );
    let case_mb = std::fs::metadata(&case).map_or(0.0, |m| m.len() as f64 / 1e6);
    let bundle_mb = std::fs::metadata(&bundle).map_or(0.0, |m| m.len() as f64 / 1e6);

    println!(
        "bench scale: {events} events, {streams} streams ({hot} hot, {hot_share}% of events), memory limit {limit}"
    );
    println!("source {file_mb:.0} MB JSON lines, case {case_mb:.0} MB, bundle {bundle_mb:.0} MB");
    println!(
        "{:<32} {:>9} {:>12}  within {limit}",
        "operation", "seconds", "peak RSS MB"
    );
    let budget_mb = limit_bytes as f64 / (1024.0 * 1024.0);
    for (label, m) in &rows {
        println!(
            "{label:<32} {:>9.1} {:>12.0}  {}",
            m.seconds,
            m.peak_mb,
            if m.peak_mb <= budget_mb { "yes" } else { "NO" }
        );
    }
    let seconds_of = |label: &str| {
        rows.iter()
            .find(|(l, _)| l == label)
            .map(|(_, m)| m.seconds)
    };
    if let (Some(floor), Some(import)) = (
        seconds_of("floor: DuckDB read_json sorted"),
        seconds_of("import"),
    ) {
        println!(
            "import against its floor: {:.2}x (DuckDB's sorted read {floor:.1} s, the import {import:.1} s, same memory)",
            floor / import
        );
    }
    if let Some((_, reads)) = rows.iter().find(|(l, _)| l.starts_with("reads")) {
        print!("{}", reads.stdout);
    }
    if keep {
        eprintln!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// `bench scale-step STEP CASE ...`: the steps with no CLI command of their own.
pub fn step(args: &[String]) {
    let (what, case) = match args {
        [what, case, ..] => (what.as_str(), PathBuf::from(case)),
        _ => panic!("usage: bench scale-step (snapshots CASE | reads CASE [HOT] | floor FILE DB)"),
    };
    match what {
        "snapshots" => {
            let case = Case::open(&case).expect("open the case");
            let job = casefile::Job::new(casefile::JobKind::Snapshots, |_| {});
            case.build_time_machine(&job).expect("snapshots");
        }
        "reads" => {
            let hot: u64 = args.get(2).map_or(0, |v| v.parse().expect("hot streams"));
            reads(&case, hot);
        }
        "floor" => {
            // `case` is the JSON-lines file here; the database is written and removed.
            let db = PathBuf::from(args.get(2).expect("floor FILE DB"));
            let memory = casefile::ingest::IMPORT_MEMORY
                .min(casefile::store::memory::duckdb_limit().expect("the budget"));
            {
                let conn = duckdb::Connection::open(&db).expect("open");
                conn.execute_batch(&format!(
                    "SET memory_limit = '{memory}B'; SET temp_directory = '{}';
                     CREATE TABLE t AS SELECT * FROM read_json('{}') ORDER BY stream_id, recorded_at;
                     CHECKPOINT;",
                    db.with_extension("tmp").display(),
                    case.display()
                ))
                .expect("read_json sorted");
            }
            let _ = std::fs::remove_file(&db);
            let _ = std::fs::remove_file(db.with_extension("duckdb.wal"));
            let _ = std::fs::remove_dir_all(db.with_extension("tmp"));
        }
        other => panic!("no scale step `{other}`"),
    }
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn p(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

/// The interactive reads, with their latencies: what an investigator waits for on every click.
fn reads(path: &Path, hot: u64) {
    let case = Case::open(path).expect("open the case");
    let t = Instant::now();
    case.warm_time_machine_if_built().expect("index");
    let warm_ms = ms_since(t);
    let info = case.info().expect("info");
    let first = casefile::parse_instant(info.first_at.as_deref().expect("first")).expect("t");
    let last = casefile::parse_instant(info.last_at.as_deref().expect("last")).expect("t");
    let streams = info.streams as u64;
    let q = AsOfQuery {
        axis: Axis::Recorded,
        view: View::AsCorrected,
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut timed = |ids: &[String], n: usize| -> Vec<f64> {
        let mut times: Vec<f64> = (0..n)
            .map(|i| {
                let stream = &ids[i % ids.len()];
                let at = rng.random_range(first..=last);
                let t = Instant::now();
                case.state(stream, at, q).expect("state");
                ms_since(t)
            })
            .collect();
        times.sort_by(|a, b| a.total_cmp(b));
        times
    };
    let mut pick = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let ordinary: Vec<String> = (0..1000)
        .map(|_| {
            format!(
                "applicant-{:07}",
                pick.random_range(hot..streams.max(hot + 1))
            )
        })
        .collect();
    let normal = timed(&ordinary, 1000);
    println!(
        "one stream as of an instant, 1000 random (stream, instant): p50 {:.2} ms, p99 {:.2} ms (index loaded in {warm_ms:.0} ms)",
        p(&normal, 0.5),
        p(&normal, 0.99)
    );
    if hot > 0 {
        let hot_ids: Vec<String> = (0..hot).map(|i| format!("applicant-{i:07}")).collect();
        let busy = timed(&hot_ids, 300);
        let sizes: Vec<String> = hot_ids
            .iter()
            .map(|id| {
                case.events(&casefile::EventQuery {
                    stream: Some(id.clone()),
                    limit: 0,
                    ..Default::default()
                })
                .map_or("?".into(), |p| p.total.to_string())
            })
            .collect();
        println!(
            "hot streams ({} events): as of an instant, 300 random: p50 {:.2} ms, p99 {:.2} ms",
            sizes.join(", "),
            p(&busy, 0.5),
            p(&busy, 0.99)
        );
        let t = Instant::now();
        let first_page = case
            .history_page(&hot_ids[0], q, 0, Some(2_000))
            .expect("history");
        let first_ms = ms_since(t);
        let t = Instant::now();
        let deep = first_page.total_steps.saturating_sub(2_000);
        case.history_page(&hot_ids[0], q, deep, Some(2_000))
            .expect("history");
        println!(
            "hot stream history, a page of 2,000 steps: first {first_ms:.0} ms, last (after {deep}) {:.0} ms",
            ms_since(t)
        );
        let t = Instant::now();
        let page = case
            .events(&casefile::EventQuery {
                stream: Some(hot_ids[0].clone()),
                limit: 100,
                offset: deep,
                ..Default::default()
            })
            .expect("events");
        let offset_ms = ms_since(t);
        let cursor = page.next.clone();
        let t = Instant::now();
        case.events(&casefile::EventQuery {
            stream: Some(hot_ids[0].clone()),
            limit: 100,
            after: cursor,
            ..Default::default()
        })
        .expect("events");
        println!(
            "hot stream's event list, 100 rows {deep} deep: by offset {offset_ms:.0} ms, the next page by key {:.0} ms",
            ms_since(t)
        );
    }
    // The decision list a million rows deep (or as deep as the case goes): by offset, by key.
    let all = case
        .decisions(&DecisionQuery {
            limit: Some(1),
            ..Default::default()
        })
        .expect("decisions");
    let deep = (all.total as usize).saturating_sub(200).min(1_000_000);
    let t = Instant::now();
    let page = case
        .decisions(&DecisionQuery {
            limit: Some(100),
            offset: Some(deep),
            ..Default::default()
        })
        .expect("decisions");
    let offset_ms = ms_since(t);
    let t = Instant::now();
    case.decisions(&DecisionQuery {
        limit: Some(100),
        after: page.next.clone(),
        ..Default::default()
    })
    .expect("decisions");
    println!(
        "decision list, 100 rows {deep} deep: by offset {offset_ms:.0} ms, the next page by key {:.0} ms",
        ms_since(t)
    );
}
