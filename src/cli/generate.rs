//! `casefile generate`: deterministic event logs, the bundled samples or one scenario at N events
//! for benchmarks.

use std::path::PathBuf;

use casefile::Error;
use clap::Subcommand;

use super::render::print;
use super::Exit;

#[derive(clap::Args)]
pub(super) struct GenerateArgs {
    #[command(subcommand)]
    what: GenerateCommand,
}

#[derive(Subcommand)]
enum GenerateCommand {
    /// Write the bundled sample files into a folder (deterministic).
    Samples { out: PathBuf },
    /// Write one scenario with N events (deterministic from --seed): `lending` (applicants'
    /// histories and decisions, JSON lines), `lending-quirks` (the same with late corrections and
    /// retractions, events recorded before they occur, ties at one instant, and loan outcomes),
    /// `drift` (decisions with 20 inputs, two model versions,
    /// planted shifts in the second half) or `marten-dump` (a Marten store as a pg_dump file).
    Events {
        out: PathBuf,
        #[arg(long, default_value = "lending")]
        scenario: String,
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
        #[arg(long, default_value_t = 100_000)]
        streams: u64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// This many busy streams (the first applicants) among the others (lending scenarios).
        #[arg(long, default_value_t = 0)]
        hot_streams: u64,
        /// The share of all events the hot streams take between them, in percent.
        #[arg(long, default_value_t = 10)]
        hot_share: u64,
    },
}

pub(super) fn run(json: bool, args: GenerateArgs) -> Result<Exit, Error> {
    match args.what {
        GenerateCommand::Samples { out } => {
            let written = casefile::generate::write_samples(&out)?;
            let doc = serde_json::json!({ "files": written });
            print(json, &doc, |_| {
                written
                    .iter()
                    .map(|w| format!("{}\n", w.display()))
                    .collect()
            });
        }
        GenerateCommand::Events {
            out,
            scenario,
            events,
            streams,
            seed,
            hot_streams,
            hot_share,
        } => {
            let n = casefile::generate::write_bench_with_hot(
                &out,
                &scenario,
                events,
                streams,
                seed,
                casefile::generate::HotStreams {
                    streams: hot_streams,
                    share_percent: hot_share,
                },
            )?;
            let doc = serde_json::json!({ "path": out, "events": n });
            print(json, &doc, |_| {
                format!("wrote {n} events to {}\n", out.display())
            });
        }
    }
    Ok(Exit::Done)
}
