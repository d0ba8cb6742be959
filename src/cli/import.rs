//! `casefile import` (and its `--dry-run`), `quarantine` and `findings`: bringing log files into a
//! case with a chain of custody, and the rows and integrity findings the import left to look at.

use std::cell::RefCell;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use casefile::{Case, Error, ImportOptions, ImportProgress, JobKind, ProgressSink};
use indicatif::{ProgressBar, ProgressStyle};

use super::render::{print, print_each};
use super::{jobs, Exit};

#[derive(clap::Args)]
pub(super) struct ImportArgs {
    case: PathBuf,
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// jsonl, json, csv, parquet, sql, cloudevents, marten, axon, kcat, otlp, debezium, langsmith,
    /// langfuse or phoenix (detected when omitted).
    #[arg(long)]
    format: Option<String>,
    /// A TOML mapping file saying where each envelope field comes from.
    #[arg(long = "map")]
    map: Option<PathBuf>,
    /// The time (RFC 3339) given to events that carry none of their own; they are marked.
    #[arg(long = "default-time")]
    default_time: Option<String>,
    /// Show how the first records would be loaded (or why quarantined); load nothing.
    #[arg(long = "dry-run")]
    dry_run: bool,
}

#[derive(clap::Args)]
pub(super) struct QuarantineArgs {
    case: PathBuf,
}

#[derive(clap::Args)]
pub(super) struct FindingsArgs {
    case: PathBuf,
}

pub(super) fn run(json: bool, args: ImportArgs) -> Result<Exit, Error> {
    let ImportArgs {
        case,
        files,
        format,
        map,
        default_time,
        dry_run,
    } = args;
    let opts = ImportOptions {
        format,
        mapping: map,
        mapping_toml: None,
        default_time,
    };
    if dry_run {
        let answer = Case::dry_run(&case, &files, &opts)?;
        print(json, &answer, |a| {
            let mut parts: Vec<String> = a.files.iter().map(dry_run_text).collect();
            for f in &a.folders {
                let mut t = format!(
                    "folder {}: {} files found, {} previewed\n",
                    f.path,
                    f.files_found,
                    f.files.len()
                );
                for st in &f.stream_tables {
                    t += &format!("  stream table {} ({} streams)\n", st.path, st.streams);
                }
                for n in &f.not_imported {
                    t += &format!("  not imported: {} [{}] {}\n", n.path, n.code, n.message);
                }
                parts.push(t);
                parts.extend(f.files.iter().map(|x| dry_run_text(&x.preview)));
            }
            parts.join("\n")
        });
        return Ok(Exit::Done);
    }
    let c = Case::open_or_create(&case)?;
    let report = jobs::run(JobKind::Import, |job| {
        let sink = BarSink {
            started: Instant::now(),
            bar: RefCell::new(None),
            job,
        };
        c.import_watched(&files, &opts, &sink, job)
    })?;
    print(json, &report, |r| {
        let mut s = String::new();
        for src in &r.sources {
            s += &format!(
                "{}\n  sha256 {}\n  format {} ({}), compression {}\n  {}\n",
                src.path, src.sha256, src.format, src.detected_by, src.compression, src.message
            );
            if !src.already_imported {
                s += &format!(
                    "  rows read {} = loaded {} + quarantined {} + duplicates {}\n",
                    src.rows_read, src.rows_loaded, src.rows_quarantined, src.duplicates
                );
            }
        }
        for f in &r.folders {
            s += &format!(
                "folder {}
  {}
",
                f.path, f.message
            );
            for n in &f.not_imported {
                s += &format!("  not imported: {} [{}] {}\n", n.path, n.code, n.message);
            }
        }
        if !r.findings.is_empty() {
            s += &format!("{} integrity findings:\n", r.findings_total);
            for f in r.findings.iter().take(20) {
                s += &format!("  [{}] {}\n", f.kind, f.message);
            }
            if r.findings_total > 20 {
                s += &format!(
                    "  ... and {} more (casefile findings {})\n",
                    r.findings_total - 20,
                    case.display()
                );
            }
        }
        s
    });
    Ok(Exit::Done)
}

pub(super) fn quarantine(json: bool, args: QuarantineArgs) -> Result<Exit, Error> {
    let QuarantineArgs { case } = args;
    let q = super::open(&case)?.quarantine()?;
    print(json, &q, |q| {
        let mut s = String::new();
        for r in &q.rows {
            s += &format!("{}:{}: {}\n    {}\n", r.source, r.row, r.reason, r.raw);
        }
        s += &format!("({} rows quarantined)\n", q.rows.len());
        s
    });
    Ok(Exit::Done)
}

pub(super) fn findings(json: bool, args: FindingsArgs) -> Result<Exit, Error> {
    let FindingsArgs { case } = args;
    let c = super::open(&case)?;
    // Stale decision inputs are findings too: read the decisions first when they changed.
    jobs::run(JobKind::DecisionView, |job| c.build_decisions_job(job))?;
    print_each(
        json,
        "findings",
        |each| c.each_finding(each),
        |f: &casefile::Finding| format!("[{}] {}\n", f.kind, f.message),
        |n| format!("({n} findings)\n"),
    )?;
    Ok(Exit::Done)
}

/// A dry run of one file in words: how it is read, what would be quarantined, the first rows.
fn dry_run_text(p: &casefile::SourcePreview) -> String {
    let mut s = format!(
        "{}\n  format {} ({})\n  the first {} records: {} would load, {} would be quarantined\n",
        p.path,
        p.format,
        p.detected_by,
        p.sampled_rows,
        p.sampled_rows - p.would_quarantine,
        p.would_quarantine
    );
    for r in &p.reasons {
        s += &format!("    {} x {}\n", r.rows, r.reason);
    }
    for t in &p.times_placed {
        s += &format!(
            "  {} would take a time not their own: {}\n",
            t.rows, t.reason
        );
    }
    let cut = |v: &str, n: usize| -> String {
        if v.chars().count() > n {
            format!("{}...", v.chars().take(n - 3).collect::<String>())
        } else {
            v.to_string()
        }
    };
    s += &format!(
        "  {:>5}  {:<24} {:<24} {:<27} {:<27} {}\n",
        "row", "stream", "type", "occurred", "recorded", "payload / quarantined because"
    );
    for r in &p.rows {
        let tail = match &r.quarantined {
            Some(why) => format!("QUARANTINED: {why}"),
            None => cut(&r.payload.to_string(), 60),
        };
        s += &format!(
            "  {:>5}  {:<24} {:<24} {:<27} {:<27} {}\n",
            r.row,
            cut(r.stream_id.as_deref().unwrap_or("-"), 24),
            cut(r.event_type.as_deref().unwrap_or("-"), 24),
            r.occurred_at.as_deref().unwrap_or("-"),
            r.recorded_at.as_deref().unwrap_or("-"),
            tail
        );
    }
    s
}

/// Shows a progress bar on stderr once an import has run for a second.
struct BarSink<'a> {
    started: Instant,
    bar: RefCell<Option<ProgressBar>>,
    /// The import's job: Ctrl-C cancels it, which stops the file being read.
    job: &'a casefile::Job,
}

impl ProgressSink for BarSink<'_> {
    fn keep_going(&self) -> bool {
        !self.job.is_cancelled()
    }

    fn progress(&self, p: &ImportProgress) {
        if self.started.elapsed() < Duration::from_secs(1) {
            return;
        }
        let mut slot = self.bar.borrow_mut();
        let bar = slot.get_or_insert_with(|| {
            let b = ProgressBar::new(p.bytes_total.max(1));
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} {msg:12} [{bar:30}] {bytes}/{total_bytes} {elapsed}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            b.enable_steady_tick(Duration::from_millis(200));
            b
        });
        bar.set_length(p.bytes_total.max(1));
        if p.phase == "reading" {
            bar.set_position(p.bytes_done);
            bar.set_message(format!("reading {} rows", p.rows));
        } else {
            bar.set_position(p.bytes_total);
            bar.set_message(p.phase.to_string());
        }
    }
}

impl Drop for BarSink<'_> {
    fn drop(&mut self) {
        if let Some(b) = self.bar.borrow_mut().take() {
            b.finish_and_clear();
        }
    }
}
