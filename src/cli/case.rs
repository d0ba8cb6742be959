//! `casefile info`: what a case holds (counts, time span, types, sources and findings).

use std::path::PathBuf;

use casefile::Error;

use super::render::print;
use super::Exit;

#[derive(clap::Args)]
pub(super) struct InfoArgs {
    case: PathBuf,
}

pub(super) fn info(json: bool, args: InfoArgs) -> Result<Exit, Error> {
    let InfoArgs { case } = args;
    let info = super::open(&case)?.info()?;
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

#[derive(clap::Args)]
pub(super) struct ViewArgs {
    case: PathBuf,
    /// Set the operator profile from this file (a redaction profile, TOML: `drop`,
    /// `pseudonymize`). Only in the auditor view: an operator does not choose their own mask.
    #[arg(
        long,
        value_name = "PROFILE.toml",
        conflicts_with = "clear_operator_profile"
    )]
    operator_profile: Option<PathBuf>,
    /// Remove the operator profile (auditor view only).
    #[arg(long)]
    clear_operator_profile: bool,
}

pub(super) fn view(json: bool, args: ViewArgs) -> Result<Exit, Error> {
    let ViewArgs {
        case,
        operator_profile,
        clear_operator_profile,
    } = args;
    let mut c = super::open(&case)?;
    let info = match (&operator_profile, clear_operator_profile) {
        (Some(file), _) => {
            let text = std::fs::read_to_string(file).map_err(|e| Error::SourceUnreadable {
                path: file.clone(),
                cause: e.to_string(),
            })?;
            c.set_operator_profile(&text, &file.display().to_string())?
        }
        (None, true) => c.clear_operator_profile()?,
        (None, false) => c.view()?,
    };
    print(json, &info, |i| {
        let mut s = format!("view: {}\n", i.label());
        match &i.operator_profile {
            Some(p) => {
                s += &format!(
                    "operator profile: {} (sha256 {})\n  drops: {}\n  pseudonymizes: {}\n",
                    p.name,
                    p.sha256,
                    if p.drop.is_empty() {
                        "-".into()
                    } else {
                        p.drop.join(", ")
                    },
                    if p.pseudonymize.is_empty() {
                        "-".into()
                    } else {
                        p.pseudonymize.join(", ")
                    },
                );
                if i.viewer == casefile::Viewer::Operator {
                    s += "  (the case opens in the operator view; --view auditor shows it unmasked)\n";
                }
            }
            None => s += "operator profile: none (the case opens in the auditor view)\n",
        }
        s
    });
    Ok(Exit::Done)
}
