//! `casefile trainset`: read the spec, call the facade, print the audit; or print a starter spec.

use std::path::{Path, PathBuf};

use casefile::{Case, Error, JobKind, TrainsetRequest};

use super::print;

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
    let report = super::jobs::run(JobKind::Trainset, |job| case.trainset(&req, job))?;
    print(json, &report, audit_text);
    Ok(())
}

/// The readable summary of a training set and its audit.
fn audit_text(r: &casefile::TrainsetReport) -> String {
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
}

/// Builds on Spark from a lake export, or from a case exported first into a folder inside the
/// output folder (removed afterwards).
pub(super) fn run_spark(
    json: bool,
    source: &Path,
    spec: &Path,
    mut req: casefile::SparkTrainsetRequest,
) -> Result<(), Error> {
    req.spec = std::fs::read_to_string(spec).map_err(|e| Error::BadArgument {
        message: format!("Cannot read the spec {}: {e}.", spec.display()),
    })?;
    req.origin = format!("file {}", spec.display());
    // Read the spec before anything long starts, so a mistake in it is said at once.
    casefile::trainset::spec::TrainsetSpec::from_toml(&req.spec, &req.origin)?;
    let (lake, exported) = lake_for(source, &req.out)?;
    eprintln!(
        "casefile: running the training set on Spark ({})...",
        req.master
    );
    let result = casefile::trainset_on_spark(&lake, &req);
    if let Some(dir) = exported {
        let _ = std::fs::remove_dir_all(dir);
    }
    let report = result?;
    print(json, &report, |r| {
        format!(
            "{}Engine: Apache Spark {} ({}, {} join); log {}\n",
            audit_text(&r.report),
            r.engine.version,
            r.engine.master,
            r.engine.join,
            r.engine.log
        )
    });
    Ok(())
}

/// The lake export to run on: `source` itself, or the case exported into a folder inside `out`
/// (returned second, for removal afterwards).
fn lake_for(source: &Path, out: &Path) -> Result<(PathBuf, Option<PathBuf>), Error> {
    if casefile::is_lake_export(source) {
        return Ok((source.to_path_buf(), None));
    }
    std::fs::create_dir_all(out)?;
    let dir = out.join(format!(".casefile-lake-{}", std::process::id()));
    let case = Case::open(source)?;
    super::jobs::run(JobKind::LakeExport, |job| case.lake_export(&dir, job))?;
    Ok((dir.clone(), Some(dir)))
}

/// A population built on Spark (`casefile population --engine spark`).
pub(super) fn population_spark(
    json: bool,
    source: &Path,
    q: casefile::SparkPopulationRequest,
) -> Result<(), Error> {
    let (lake, exported) = lake_for(source, &q.out)?;
    eprintln!(
        "casefile: building the population on Spark ({})...",
        q.master
    );
    let result = casefile::population_on_spark(&lake, &q);
    if let Some(dir) = exported {
        let _ = std::fs::remove_dir_all(dir);
    }
    let report = result?;
    print(json, &report, |r| {
        format!(
            "{} {} streams at {} written to {}\nEngine: Apache Spark {} ({}); log {}\n",
            r.population.rows,
            r.population.stream_type,
            r.population.at,
            r.population.out.as_deref().unwrap_or("-"),
            r.engine.version,
            r.engine.master,
            r.engine.log
        )
    });
    Ok(())
}

/// Prints the Spark SQL the spec compiles to.
pub(super) fn emit_sql(source: &Path, spec: &Path, join: casefile::JoinForm) -> Result<(), Error> {
    let text = std::fs::read_to_string(spec).map_err(|e| Error::BadArgument {
        message: format!("Cannot read the spec {}: {e}.", spec.display()),
    })?;
    let lake = if casefile::is_lake_export(source) {
        std::path::absolute(source).unwrap_or_else(|_| source.to_path_buf())
    } else {
        // A case: the script reads the export `casefile export CASE DIR` writes.
        PathBuf::from("EXPORT_DIR")
    };
    let sql = casefile::trainset_sql(&lake, &text, &format!("file {}", spec.display()), join)?;
    print!("{sql}");
    Ok(())
}

/// Prints a starter spec for the case (`{"spec": TEXT}` with --json).
pub(super) fn starter(json: bool, case: &Path) -> Result<(), Error> {
    let text = Case::open(case)?.trainset_starter()?;
    print(json, &serde_json::json!({ "spec": text }), |_| text.clone());
    Ok(())
}
