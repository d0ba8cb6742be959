//! `casefile trainset`: read the spec, call the facade, print the audit; or print a starter spec.

use std::path::{Path, PathBuf};

use casefile::{Case, Error, TrainsetRequest};

use super::{print, StepBar};

pub(super) fn run(json: bool, case: &Path, spec: &Path, out: PathBuf) -> Result<(), Error> {
    let text = std::fs::read_to_string(spec).map_err(|e| Error::BadArgument {
        message: format!("Cannot read the spec {}: {e}.", spec.display()),
    })?;
    let req = TrainsetRequest {
        spec: text,
        origin: format!("file {}", spec.display()),
        out: Some(out),
        preview_rows: 10,
    };
    let case = Case::open(case)?;
    let bar = StepBar::new("building");
    let report = case.trainset(&req, &|p| bar.update(p.done, p.total))?;
    drop(bar);
    print(json, &report, |r| {
        let mut s = format!(
            "{} rows, {} columns written to {}\nManifest: {}\n\nLeakage audit ({} axis):\n",
            r.rows,
            r.columns.len(),
            r.out.as_deref().unwrap_or("-"),
            r.manifest_path.as_deref().unwrap_or("-"),
            r.manifest.axis.name()
        );
        s += &format!(
            "{:<28} {:>14} {:>14}  latest source - example time\n",
            "feature", "naive differs", "late-arriving"
        );
        for source in &r.manifest.sources {
            let l = &r.leakage[&source.name];
            s += &format!(
                "{:<28} {:>14} {:>14}  {}\n",
                source.name,
                l.naive_differs,
                l.late_arriving,
                source
                    .max_lead_us
                    .map_or("-".to_string(), |us| format!("{:.3} s", us as f64 / 1e6))
            );
        }
        if let Some(l) = &r.label_audit {
            s += &format!(
                "{:<28} {} labelled, {} recorded after they occurred (up to {}){}\n",
                "label",
                l.labelled,
                l.recorded_late,
                l.max_delay_us.map_or("-".to_string(), |us| format!(
                    "{:.1} d",
                    us as f64 / 86_400e6
                )),
                l.after_window
                    .map_or(String::new(), |n| format!(", {n} after the window closed"))
            );
        }
        s
    });
    Ok(())
}

/// Prints a starter spec for the case (`{"spec": TEXT}` with --json).
pub(super) fn starter(json: bool, case: &Path) -> Result<(), Error> {
    let text = Case::open(case)?.trainset_starter()?;
    print(json, &serde_json::json!({ "spec": text }), |_| text.clone());
    Ok(())
}
