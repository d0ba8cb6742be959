//! `casefile drift`: parse, call the facade, print.

use std::collections::BTreeMap;
use std::path::PathBuf;

use casefile::drift::report::num;
use casefile::{DriftRequest, DriftRole, DriftTest, Error, JobKind};

use super::render::print;
use super::Exit;

#[derive(clap::Args)]
pub(super) struct DriftArgs {
    case: PathBuf,
    /// The reference cohort.
    #[arg(long)]
    a: String,
    /// The cohort compared with it.
    #[arg(long)]
    b: String,
    /// Input features to compare (comma-separated; all when omitted).
    #[arg(long, value_delimiter = ',')]
    features: Vec<String>,
    /// A column's test instead of the default: COLUMN=ks|chi2|wasserstein|psi|jensenshannon
    /// (repeatable).
    #[arg(long = "test")]
    tests: Vec<String>,
    /// A column's threshold instead of the test's default: COLUMN=VALUE (repeatable).
    #[arg(long = "threshold")]
    thresholds: Vec<String>,
    /// Also compare inside each value of this column (an input, label, model or
    /// model_version), the 20 largest segments.
    #[arg(long)]
    segment_by: Option<String>,
    /// Also write the report as a self-contained HTML file.
    #[arg(long)]
    html: Option<PathBuf>,
}

/// `COLUMN=VALUE` pairs of a repeatable option, by column.
fn pairs(option: &str, given: Vec<String>) -> Result<BTreeMap<String, String>, Error> {
    given
        .into_iter()
        .map(|g| match g.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => {
                Ok((k.trim().to_string(), v.trim().to_string()))
            }
            _ => Err(Error::BadArgument {
                message: format!("--{option} takes COLUMN=VALUE, not `{g}`."),
            }),
        })
        .collect()
}

pub(super) fn run(json: bool, args: DriftArgs) -> Result<Exit, Error> {
    let DriftArgs {
        case,
        a,
        b,
        features,
        tests,
        thresholds,
        segment_by,
        html,
    } = args;
    let thresholds = pairs("threshold", thresholds)?
        .into_iter()
        .map(|(k, v)| match v.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => Ok((k, x)),
            _ => Err(Error::BadArgument {
                message: format!(
                    "--threshold {k}={v}: the threshold must be a number of 0 or more."
                ),
            }),
        })
        .collect::<Result<_, _>>()?;
    let req = DriftRequest {
        a,
        b,
        features,
        tests: pairs("test", tests)?
            .into_iter()
            .map(|(k, v)| DriftTest::parse(&k, &v).map(|t| (k, t)))
            .collect::<Result<_, _>>()?,
        thresholds,
        segment_by,
    };
    let case = super::open(&case)?;
    let report = super::jobs::run(JobKind::Drift, |job| case.drift(&req, job))?;
    if let Some(path) = &html {
        std::fs::write(path, case.drift_html(&report)).map_err(|e| Error::BadArgument {
            message: format!("Cannot write the report to {}: {e}.", path.display()),
        })?;
        if !json {
            eprintln!("Report written to {}.", path.display());
        }
    }
    print(json, &report, |r| {
        let mut s = format!(
            "Reference a: {} ({} decisions)\nCurrent   b: {} ({} decisions)\n\n",
            r.a.filter, r.a.rows, r.b.filter, r.b.rows
        );
        s += &format!(
            "{:<26} {:<7} {:<12} {:<13} {:>10} {:>10} {:>9} {:>9} {:>9}  drifted\n",
            "column", "role", "kind", "test", "statistic", "p-value", "psi", "wass/sd", "js"
        );
        for f in &r.features {
            s += &format!(
                "{:<26} {:<7} {:<12} {:<13} {:>10} {:>10} {:>9} {:>9} {:>9}  {}\n",
                f.name,
                f.role,
                f.kind,
                f.test,
                num(Some(f.statistic)),
                num(f.p_value),
                num(Some(f.psi)),
                num(f.wasserstein_norm),
                num(Some(f.js_distance)),
                if f.drifted { "YES" } else { "no" }
            );
            if let Some(w) = &f.warning {
                s += &format!("    {w}\n");
            }
        }
        for rate in &r.output_rates {
            s += &format!(
                "\n{} rate: {:.1}% -> {:.1}% ({:+.1} points, 95% CI {:+.1} to {:+.1}){}",
                rate.label,
                rate.rate_a * 100.0,
                rate.rate_b * 100.0,
                rate.difference * 100.0,
                rate.ci_low * 100.0,
                rate.ci_high * 100.0,
                if rate.significant {
                    ""
                } else {
                    ", not significant"
                }
            );
        }
        s += &format!(
            "\n\nDataset drift: {} ({:.0}% of the inputs drifted; the bar is {:.0}%).\n",
            if r.dataset_drift { "yes" } else { "no" },
            r.drift_share * 100.0,
            r.drift_share_threshold * 100.0
        );
        if let Some(by) = &r.segment_by {
            s += &format!(
                "\nSegments by {by}:\n{:<16} {:>7} {:>7} {:>8}  {:<14} drifted inputs\n",
                "value", "a", "b", "drift", "flips"
            );
            for seg in &r.segments {
                let drifted: Vec<&str> = seg
                    .features
                    .iter()
                    .filter(|f| f.role == DriftRole::Input && f.drifted)
                    .map(|f| f.name.as_str())
                    .collect();
                s += &format!(
                    "{:<16} {:>7} {:>7} {:>7.0}%  {:<14} {}\n",
                    seg.value,
                    seg.rows_a,
                    seg.rows_b,
                    seg.drift_share * 100.0,
                    seg.flips.as_ref().map_or("-".to_string(), |f| format!(
                        "{}/{} ({:.0}%)",
                        f.flipped,
                        f.replayed,
                        f.rate * 100.0
                    )),
                    if drifted.is_empty() {
                        "-".to_string()
                    } else {
                        drifted.join(", ")
                    }
                );
                if let Some(w) = &seg.warning {
                    s += &format!("    {w}\n");
                }
            }
        }
        let a = &r.attribution;
        s += &format!("\nWhat moved: {}\n", a.summary);
        for (name, f) in [
            ("data", &a.data),
            ("model", &a.model),
            ("retrieval", &a.retrieval),
        ] {
            s += &format!("  {name:<10} {:<13} {}\n", f.verdict, f.evidence);
            if let Some(action) = &f.action {
                s += &format!(
                    "  {:<10} {:<13} to measure it: {}\n",
                    "",
                    "",
                    action.command()
                );
            }
        }
        for w in &r.warnings {
            s += &format!("Warning: {w}\n");
        }
        s
    });
    Ok(Exit::Done)
}
