//! `casefile info`: what a case holds (counts, time span, types, sources and findings).

use std::path::PathBuf;

use casefile::{Case, Error};

use super::render::print;
use super::Exit;

#[derive(clap::Args)]
pub(super) struct InfoArgs {
    case: PathBuf,
}

pub(super) fn info(json: bool, args: InfoArgs) -> Result<Exit, Error> {
    let InfoArgs { case } = args;
    let info = Case::open(&case)?.info()?;
    print(json, &info, |i| {
        let mut s = format!(
            "{}{}\n  {} events in {} streams, occurred {} .. {}\n  {} rows quarantined\n",
            i.path,
            if i.bundle.is_some() {
                " (a case bundle, opened read-only)"
            } else {
                ""
            },
            i.events,
            i.streams,
            i.first_at.as_deref().unwrap_or("-"),
            i.last_at.as_deref().unwrap_or("-"),
            i.quarantined
        );
        s += "  stream types:";
        for (k, v) in &i.stream_types {
            s += &format!(" {k} ({v})");
        }
        s += "\n  event types:";
        for (k, v) in &i.event_types {
            s += &format!(" {k} ({v})");
        }
        s += "\n  findings:";
        if i.findings.is_empty() {
            s += " none";
        }
        for (k, v) in &i.findings {
            s += &format!(" {k} ({v})");
        }
        s += "\n  sources:\n";
        for src in &i.sources {
            s += &format!(
                "    #{} {} {} sha256 {} read {} loaded {} quarantined {} duplicates {} (imported {} by {})\n",
                src.source_id,
                src.file_name,
                src.format,
                src.sha256,
                src.rows_read,
                src.rows_loaded,
                src.rows_quarantined,
                src.duplicates,
                src.imported_at,
                src.imported_by
            );
        }
        s
    });
    Ok(Exit::Done)
}
