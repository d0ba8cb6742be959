//! `casefile population`: every stream of a type as of an instant, as a table; built on the
//! embedded engine (after the time machine's snapshots) or, with `--engine spark`, on Spark.

use std::path::{Path, PathBuf};

use casefile::{AsOfQuery, Error, JobKind, PopulationQuery};

use super::args::{AsOfArgs, EngineArg, SparkArgs};
use super::render::{print, view_name};
use super::{jobs, Exit};

#[derive(clap::Args)]
pub(super) struct PopulationArgs {
    case: PathBuf,
    /// The stream type (see `casefile info`).
    #[arg(long = "type")]
    stream_type: String,
    #[arg(long)]
    at: String,
    #[command(flatten)]
    asof: AsOfArgs,
    /// Write the table to a file: .parquet, .csv or .json (with --engine spark, a folder that
    /// gets population.parquet).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Keep the table in the case as `population`, for `casefile sql`.
    #[arg(long)]
    save: bool,
    /// Rows shown.
    #[arg(long, default_value_t = 20)]
    preview: usize,
    #[command(flatten)]
    spark: SparkArgs,
}

pub(super) fn run(json: bool, args: PopulationArgs) -> Result<Exit, Error> {
    let PopulationArgs {
        case,
        stream_type,
        at,
        asof,
        out,
        save,
        preview,
        spark,
    } = args;
    let at = casefile::parse_instant(&at)?;
    let asof: AsOfQuery = asof.into();
    if matches!(spark.engine, EngineArg::Spark) {
        let out = out.ok_or_else(|| Error::BadArgument {
            message: "--engine spark writes the population to a folder: give it with --out DIR."
                .into(),
        })?;
        let q = casefile::SparkPopulationRequest {
            stream_type,
            at,
            axis: asof.axis,
            view: asof.view,
            out,
            master: spark.master,
            python: spark.python,
            spark_submit: spark.spark_submit,
            conf: spark.spark_conf,
            preview_rows: preview,
        };
        return spark_population(json, &case, q);
    }
    let q = PopulationQuery {
        stream_type,
        at,
        axis: asof.axis,
        view: asof.view,
        out,
        save,
        preview_rows: preview,
    };
    let c = super::open(&case)?;
    jobs::run(JobKind::Snapshots, |job| c.build_time_machine(job))?;
    let p = c.population(&q, &|_| {})?;
    print(json, &p, |p| {
        let mut s = format!(
            "{} {} streams at {} ({} axis, {})\n",
            p.rows,
            p.stream_type,
            p.at,
            casefile::Axis::name(p.axis),
            view_name(p.view)
        );
        s += &p.preview.columns.join("\t");
        s.push('\n');
        for row in &p.preview.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|v| match v {
                    serde_json::Value::String(t) => t.clone(),
                    other => other.to_string(),
                })
                .collect();
            s += &cells.join("\t");
            s.push('\n');
        }
        if let Some(out) = &p.out {
            s += &format!("written to {out}\n");
        }
        if p.saved {
            s += "kept in the case as table `population`\n";
        }
        s
    });
    Ok(Exit::Done)
}

/// A population built on Spark (`casefile population --engine spark`).
fn spark_population(
    json: bool,
    source: &Path,
    q: casefile::SparkPopulationRequest,
) -> Result<Exit, Error> {
    let report = super::lake::on_spark(
        source,
        &q.out,
        "building the population",
        &q.master,
        |lake| casefile::population_on_spark(lake, &q),
    )?;
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
    Ok(Exit::Done)
}
