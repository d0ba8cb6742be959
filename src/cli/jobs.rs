//! Long work on the command line: one job at a time, its phases drawn as one progress bar on
//! stderr (once it has run for a second), and Ctrl-C cancelling it cleanly: the job stops at its
//! next step or interrupts its query, leaves the case as it was, and the command exits 130. A
//! second Ctrl-C, or one while no job runs, ends the process at once.

use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use casefile::{Error, Job, JobKind, JobProgress};
use indicatif::{ProgressBar, ProgressStyle};

/// The exit status of a command stopped by Ctrl-C (128 + SIGINT, as shells report it).
pub(super) const INTERRUPTED: i32 = 130;

static CURRENT: Mutex<Option<Arc<Job>>> = Mutex::new(None);
static HANDLER: Once = Once::new();

fn install_handler() {
    HANDLER.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            let current = CURRENT.lock().unwrap_or_else(|p| p.into_inner()).clone();
            match current {
                Some(job) if !job.is_cancelled() => {
                    eprintln!(
                        "\nStopping {} (Ctrl-C again to quit at once)...",
                        noun(job.kind())
                    );
                    job.cancel();
                }
                _ => std::process::exit(INTERRUPTED),
            }
        });
    });
}

/// "the training set", for "Stopping the training set".
fn noun(kind: JobKind) -> String {
    let title = kind.title();
    let mut chars = title.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// Runs `work` as a job of `kind`: progress on stderr, Ctrl-C cancels it.
pub(super) fn run<T>(
    kind: JobKind,
    work: impl FnOnce(&Job) -> Result<T, Error>,
) -> Result<T, Error> {
    install_handler();
    let bar = Arc::new(JobBar::new());
    let sink = bar.clone();
    let job = Job::new(kind, move |p| sink.show(p));
    *CURRENT.lock().unwrap_or_else(|p| p.into_inner()) = Some(job.clone());
    let outcome = job.finish(work(&job));
    *CURRENT.lock().unwrap_or_else(|p| p.into_inner()) = None;
    bar.clear();
    outcome
}

/// The bar of the running job, named after its phase.
struct JobBar {
    started: Instant,
    bar: Mutex<Option<ProgressBar>>,
}

impl JobBar {
    fn new() -> Self {
        JobBar {
            started: Instant::now(),
            bar: Mutex::new(None),
        }
    }

    fn show(&self, p: &JobProgress) {
        if self.started.elapsed() < Duration::from_secs(1) {
            return;
        }
        let mut slot = self.bar.lock().unwrap_or_else(|p| p.into_inner());
        let bar = slot.get_or_insert_with(|| {
            let b = ProgressBar::new(p.total.max(1));
            b.set_style(
                ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            b.enable_steady_tick(Duration::from_millis(200));
            b
        });
        bar.set_message(p.phase.clone());
        bar.set_length(p.total.max(1));
        bar.set_position(p.done.min(p.total.max(1)));
    }

    fn clear(&self) {
        if let Some(b) = self.bar.lock().unwrap_or_else(|p| p.into_inner()).take() {
            b.finish_and_clear();
        }
    }
}
