//! Arguments several commands share: the time axis, how an as-of question is asked, where long
//! analyses run (the embedded engine or Spark), and optional instants.

use std::path::PathBuf;

use casefile::{AsOfQuery, Error, View};
use clap::ValueEnum;

/// Where long analyses run: the embedded engine, or Apache Spark.
#[derive(clap::Args)]
pub(super) struct SparkArgs {
    /// Where to build: the embedded engine (duckdb) or Apache Spark through spark-submit (from a
    /// case, or a lake export folder).
    #[arg(long, value_enum, default_value = "duckdb")]
    pub(super) engine: EngineArg,
    /// Spark's master: local[*], local[2], spark://host:7077, yarn, k8s://...
    #[arg(long, default_value = "local[*]")]
    pub(super) master: String,
    /// How Spark finds a state at an example time: ASOF JOIN (Spark 4.3+), a join and
    /// row_number (any engine), or auto (ASOF where the cluster has it).
    #[arg(long, value_enum, default_value = "auto")]
    pub(super) join: JoinArg,
    /// A Python with pyspark installed (its spark-submit is used).
    #[arg(long)]
    pub(super) python: Option<PathBuf>,
    /// The spark-submit to use (default: on PATH, or beside --python's pyspark).
    #[arg(long)]
    pub(super) spark_submit: Option<PathBuf>,
    /// A Spark setting KEY=VALUE (repeatable), e.g. spark.driver.memory=8g; a local run's
    /// driver gets 4g unless given.
    #[arg(long = "conf", value_name = "KEY=VALUE")]
    pub(super) spark_conf: Vec<String>,
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum EngineArg {
    Duckdb,
    Spark,
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum JoinArg {
    Auto,
    Asof,
    Portable,
}

impl From<JoinArg> for casefile::JoinForm {
    fn from(j: JoinArg) -> Self {
        match j {
            JoinArg::Auto => casefile::JoinForm::Auto,
            JoinArg::Asof => casefile::JoinForm::Asof,
            JoinArg::Portable => casefile::JoinForm::Portable,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum AxisArg {
    Occurred,
    Recorded,
}

impl From<AxisArg> for casefile::Axis {
    fn from(a: AxisArg) -> Self {
        match a {
            AxisArg::Occurred => casefile::Axis::Occurred,
            AxisArg::Recorded => casefile::Axis::Recorded,
        }
    }
}

/// How an as-of question is asked on the command line.
#[derive(clap::Args, Clone, Copy)]
pub(super) struct AsOfArgs {
    /// recorded: what the system knew; occurred: what was true in the world.
    #[arg(long, value_enum, default_value = "recorded")]
    axis: AxisArg,
    /// Show what the system believed at the time, mistakes included (corrections apply only from
    /// when they were recorded; skipped events apply).
    #[arg(long)]
    as_recorded: bool,
}

impl From<AsOfArgs> for AsOfQuery {
    fn from(a: AsOfArgs) -> Self {
        AsOfQuery {
            axis: a.axis.into(),
            view: if a.as_recorded {
                View::AsRecorded
            } else {
                View::AsCorrected
            },
        }
    }
}

/// An optional instant (RFC 3339) as microseconds.
pub(super) fn time_arg(v: &Option<String>) -> Result<Option<i64>, Error> {
    v.as_deref().map(casefile::parse_instant).transpose()
}
