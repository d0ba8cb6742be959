//! `casefile trainset`: read the spec, call the facade, print the audit; on the embedded engine or
//! on Spark, or the Spark SQL the spec compiles to; or print a starter spec.

use std::path::{Path, PathBuf};

use casefile::{Error, JobKind, TrainsetRequest};

use super::args::{EngineArg, SparkArgs};
use super::render::print;
use super::Exit;

#[derive(clap::Args)]
pub(super) struct TrainsetArgs {
    /// A case, or (with --engine spark) a lake export folder.
    case: PathBuf,
    #[arg(long, required_unless_present = "starter")]
    spec: Option<PathBuf>,
    /// The file to write (.parquet or .csv); with --engine spark, a folder (it gets
    /// trainset.parquet and its manifest).
    #[arg(long, required_unless_present_any = ["starter", "emit_sql"])]
    out: Option<PathBuf>,
    /// Print a starter spec for this case (its decisions, their entities' fields, a guessed
    /// label) to edit, instead of building.
    #[arg(long, conflicts_with_all = ["spec", "out"])]
    starter: bool,
    #[command(flatten)]
    spark: SparkArgs,
    /// Print the Spark SQL the spec compiles to, for running in a notebook, instead of running it.
    #[arg(long)]
    emit_sql: bool,
}

pub(super) fn run(json: bool, args: TrainsetArgs) -> Result<Exit, Error> {
    let TrainsetArgs {
        case,
        spec,
        out,
        starter,
        spark,
        emit_sql,
    } = args;
    match (spec, out) {
        (Some(spec), _) if emit_sql => self::emit_sql(&case, &spec, spark.join.into())?,
        (Some(spec), Some(out)) if !starter && matches!(spark.engine, EngineArg::Spark) => {
            let SparkArgs {
                master,
                join,
                python,
                spark_submit,
                spark_conf,
                ..
            } = spark;
            run_spark(
                json,
                &case,
                &spec,
                casefile::SparkTrainsetRequest {
                    spec: String::new(),
                    origin: String::new(),
                    out,
                    master,
                    join: join.into(),
                    python,
                    spark_submit,
                    conf: spark_conf,
                    preview_rows: 10,
                },
            )?
        }
        (Some(spec), Some(out)) if !starter => build(json, &case, &spec, out)?,
        _ => self::starter(json, &case)?,
    }
    Ok(Exit::Done)
}

fn build(json: bool, case: &Path, spec: &Path, out: PathBuf) -> Result<(), Error> {
    let text = std::fs::read_to_string(spec).map_err(|e| Error::BadArgument {
        message: format!("Cannot read the spec {}: {e}.", spec.display()),
    })?;
    let req = TrainsetRequest {
        spec: text,
        origin: format!("file {}", spec.display()),
        out: Some(out),
        preview_rows: 10,
    };
    let case = super::open(case)?;
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
fn run_spark(
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
    let report = super::lake::on_spark(
        source,
        &req.out,
        "running the training set",
        &req.master,
        |lake| casefile::trainset_on_spark(lake, &req),
    )?;
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

/// Prints the Spark SQL the spec compiles to.
fn emit_sql(source: &Path, spec: &Path, join: casefile::JoinForm) -> Result<(), Error> {
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
fn starter(json: bool, case: &Path) -> Result<(), Error> {
    let text = super::open(case)?.trainset_starter()?;
    print(json, &serde_json::json!({ "spec": text }), |_| text.clone());
    Ok(())
}
