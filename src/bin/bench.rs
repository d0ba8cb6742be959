//! Benchmarks that print comparison ratios (never timed assertions in tests).
//!
//! `bench import --events N`: Casefile's import of a generated JSON-lines file into a fresh case,
//! against DuckDB's own `CREATE TABLE AS SELECT * FROM read_json(...)` of the same file into a fresh
//! database file, alternated in one process, median of `--runs`. Build with `--release`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use std::cell::RefCell;

use casefile::{Case, ImportOptions, ImportProgress, ProgressSink};

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
    std::process::exit(2)
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

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) != Some("import") {
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
    let file = dir.join(format!("lending-{events}-{streams}.jsonl"));
    if !file.exists() {
        eprintln!("generating {} ...", file.display());
        casefile::generate::write_bench(&file, "lending", events, streams, 42).expect("generate");
    }
    let size = std::fs::metadata(&file).expect("file").len() as f64 / 1e6;
    let mut ours = Vec::new();
    let mut duck = Vec::new();
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
            "run {run}: duckdb read_json {:.2}s, casefile import {:.2}s",
            duck[run], ours[run]
        );
    }
    let (o, d) = (median(&mut ours), median(&mut duck));

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
    println!("peak RSS          {:.0} MB", peak_rss_mb());
    println!("one stream read, p50 over {} streams: {sorted_ms:.2} ms stream-ordered vs {arrival_ms:.2} ms arrival-ordered ({:.1}x)",
        ids.len(), arrival_ms / sorted_ms);
}
