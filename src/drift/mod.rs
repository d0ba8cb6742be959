//! Drift between two cohorts of decisions: which inputs and outputs shifted, by how much, and with
//! which test, and which of data, model and retrieval moved (`attribution`). `cohort` reads the
//! filters, `frame` brings each cohort's columns from DuckDB into
//! polars (Arrow C data interface), `stats` holds the statistics; this module picks the test per
//! column, applies thresholds and assembles the report.
//!
//! Default test per column (overridable per column, as are thresholds):
//! - numeric, at most 1,000 values in the reference cohort: two-sample Kolmogorov-Smirnov, drifted
//!   when p < 0.05;
//! - numeric, more: Wasserstein distance over the reference's standard deviation, drifted at >= 0.1
//!   (with large samples every p-value is tiny, so a distance with a fixed bar says more);
//! - categorical, at most 1,000: chi-square test of the 2 x k table, drifted when p < 0.05;
//! - categorical, more: Jensen-Shannon distance, drifted at >= 0.1.
//!
//! PSI (10 reference-quantile bins, empty bins at 1e-4), the normalized Wasserstein distance and the
//! Jensen-Shannon distance are reported for every column whatever the test. The dataset drifts when
//! at least half of the compared columns drift. Cohorts under 30 decisions are warned about.
//!
//! Segments (`segment_by`): the same comparison inside each value of one column (the 20 largest
//! values), with each segment's counterfactual flips, so a drift or a model change that lives in
//! one part of the population shows where.

pub mod attribution;
pub mod cohort;
pub mod frame;
pub mod kolmogorov;
pub mod report;
pub mod stats;

use std::collections::BTreeMap;

use duckdb::Connection;
use polars::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::decisions::{filter_sql, DecisionQuery};
use crate::error::{Error, Result};
use crate::job::Job;

/// Reference cohorts up to this size get the hypothesis tests; larger ones the distances.
pub const SMALL_COHORT: usize = 1_000;
/// Cohorts smaller than this are reported with a warning.
pub const TOO_FEW: usize = 30;
pub const P_VALUE_THRESHOLD: f64 = 0.05;
pub const DISTANCE_THRESHOLD: f64 = 0.1;
pub const DATASET_DRIFT_SHARE: f64 = 0.5;
const PSI_BINS: usize = 10;
const CHART_BINS: usize = 20;
const CHART_CATEGORIES: usize = 20;
/// At most this many segments are compared (the largest).
pub const MAX_SEGMENTS: usize = 20;
/// The frame column holding each decision's segment.
const SEGMENT: &str = "segment";
/// Frame columns for pairing decisions made on the same inputs: the hash of subject and inputs,
/// the decision time (microseconds) and the model version.
const PAIR_KEY: &str = "pair_key";
const DECIDED: &str = "decided_us";
const VERSION: &str = "version";

/// The test or distance that decides whether a column drifted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum DriftTest {
    /// Two-sample Kolmogorov-Smirnov (numeric columns; a p-value).
    Ks,
    /// Chi-squared test of the contingency table (categorical columns; a p-value).
    Chi2,
    /// Wasserstein distance over the reference's standard deviation (numeric columns).
    Wasserstein,
    /// Population stability index.
    Psi,
    /// Jensen-Shannon distance.
    Jensenshannon,
}

impl DriftTest {
    const ALL: [DriftTest; 5] = [
        DriftTest::Ks,
        DriftTest::Chi2,
        DriftTest::Wasserstein,
        DriftTest::Psi,
        DriftTest::Jensenshannon,
    ];

    /// The test's name as written on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            DriftTest::Ks => "ks",
            DriftTest::Chi2 => "chi2",
            DriftTest::Wasserstein => "wasserstein",
            DriftTest::Psi => "psi",
            DriftTest::Jensenshannon => "jensenshannon",
        }
    }

    /// The test named `text` (`--test COLUMN=TEST`), or an error that lists the tests.
    pub fn parse(column: &str, text: &str) -> Result<DriftTest> {
        DriftTest::ALL
            .into_iter()
            .find(|t| t.as_str() == text.trim())
            .ok_or_else(|| Error::BadArgument {
                message: format!(
                    "--test {column}={text}: there is no test `{text}`; use one of {}.",
                    DriftTest::ALL.map(DriftTest::as_str).join(", ")
                ),
            })
    }
}

/// Whether a column is one of the model's inputs or its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum DriftRole {
    Input,
    Output,
}

/// Whether a column's values are numbers or categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ValueKind {
    Numeric,
    Categorical,
}

display_as_str!(DriftTest, DriftRole, ValueKind);

impl DriftRole {
    pub fn as_str(self) -> &'static str {
        match self {
            DriftRole::Input => "input",
            DriftRole::Output => "output",
        }
    }
}

impl ValueKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ValueKind::Numeric => "numeric",
            ValueKind::Categorical => "categorical",
        }
    }
}

/// What to compare.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct DriftRequest {
    /// The reference cohort's filter (`key=value,...`).
    pub a: String,
    /// The current cohort's filter.
    pub b: String,
    /// Input features to compare (all the inputs the cohorts have when empty).
    #[serde(default)]
    pub features: Vec<String>,
    /// Test per column, overriding the default.
    #[serde(default)]
    pub tests: BTreeMap<String, DriftTest>,
    /// Threshold per column, overriding the test's default.
    #[serde(default)]
    pub thresholds: BTreeMap<String, f64>,
    /// A column (an input, `label`, `model` or `model_version`) whose values split both cohorts
    /// into segments compared one by one.
    #[serde(default)]
    pub segment_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CohortSummary {
    pub filter: String,
    /// Decisions in the cohort.
    pub rows: u64,
}

/// The two cohorts' distributions of one column, for a chart: shares per bin or category.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Distribution {
    /// Bin edges (numeric: one more than the shares) or category names.
    pub edges: Vec<f64>,
    pub categories: Vec<String>,
    pub a: Vec<f64>,
    pub b: Vec<f64>,
}

/// How one column moved between the cohorts.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct FeatureDrift {
    pub name: String,
    pub role: DriftRole,
    pub kind: ValueKind,
    /// The test that decides `drifted`.
    pub test: DriftTest,
    /// The test's statistic (the distance itself for distance tests).
    pub statistic: f64,
    /// For ks and chi2.
    pub p_value: Option<f64>,
    pub threshold: f64,
    pub drifted: bool,
    pub psi: f64,
    /// Wasserstein distance over the reference's standard deviation (numeric columns).
    pub wasserstein_norm: Option<f64>,
    pub js_distance: f64,
    /// Values compared in each cohort (missing ones left out), and those missing.
    pub n_a: u64,
    pub n_b: u64,
    pub missing_a: u64,
    pub missing_b: u64,
    pub warning: Option<String>,
    pub distribution: Distribution,
}

/// The share of one outcome in each cohort, with Newcombe's 95% interval of the difference.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RateDrift {
    pub label: String,
    pub rate_a: f64,
    pub rate_b: f64,
    /// rate_b - rate_a.
    pub difference: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// The interval excludes 0.
    pub significant: bool,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct DriftReport {
    pub a: CohortSummary,
    pub b: CohortSummary,
    /// Inputs first (most drifted first), then outputs.
    pub features: Vec<FeatureDrift>,
    pub dataset_drift: bool,
    /// The share of compared input columns that drifted.
    pub drift_share: f64,
    pub drift_share_threshold: f64,
    pub output_rates: Vec<RateDrift>,
    /// Whether the data, the model or the retrieval moved.
    pub attribution: attribution::Attribution,
    /// The column the segments split on, when asked.
    pub segment_by: Option<String>,
    /// The same comparison inside each value of `segment_by`, largest segments first.
    pub segments: Vec<SegmentDrift>,
    pub warnings: Vec<String>,
}

/// The comparison inside one segment: the decisions of both cohorts with one value of the
/// segment column.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SegmentDrift {
    pub value: String,
    pub rows_a: u64,
    pub rows_b: u64,
    /// As the report's, without the segment column itself.
    pub features: Vec<FeatureDrift>,
    pub drift_share: f64,
    pub dataset_drift: bool,
    pub output_rates: Vec<RateDrift>,
    /// The segment's reference decisions with a known outcome under a current version
    /// (counterfactual replays, or decisions both versions made), and how many flipped.
    pub flips: Option<attribution::Flips>,
    pub warning: Option<String>,
}

fn analysis(e: impl std::fmt::Display) -> Error {
    Error::Analysis {
        cause: e.to_string(),
    }
}

/// A JSON path for an input key (quoted, so any key works).
fn input_path(key: &str) -> String {
    format!("$.\"{}\"", key.replace('"', "\\\""))
}

/// The input keys of the decision view and whether each is numeric, from the catalogue the view
/// keeps (`decisions::input_keys`). A key no decision of a cohort has reads as missing there.
fn view_inputs(conn: &Connection) -> Result<Vec<(String, bool)>> {
    Ok(crate::decisions::input_keys(conn)?
        .into_iter()
        .filter(|k| k.scalar > 0)
        .map(|k| {
            let numeric = k.is_numeric();
            (k.key, numeric)
        })
        .collect())
}

/// `filter_sql` always starts with WHERE when it filters; this makes `AND` safe after it.
fn where_clause(q: &DecisionQuery) -> Result<(String, Vec<Box<dyn duckdb::ToSql>>)> {
    let (filter, params) = filter_sql(q)?;
    Ok((
        if filter.is_empty() {
            "WHERE true".to_string()
        } else {
            filter
        },
        params,
    ))
}

struct Column {
    name: String,
    role: DriftRole,
    numeric: bool,
    sql: String,
}

/// How a cohort's inputs are read.
enum InputSource {
    /// From the view's typed copy (`decision_inputs`, read instead of `decisions`).
    Table,
    /// Parsed now, once per decision, with this `json_transform` spec (a view built before the
    /// typed copy existed).
    Parse(String),
    /// One by one with JSON paths.
    Paths,
}

/// The cohort's columns `c0..`, and its segment column (text) when `segment` is given.
fn cohort_frame(
    conn: &Connection,
    q: &DecisionQuery,
    columns: &[Column],
    segment: Option<&str>,
    source: &InputSource,
) -> Result<DataFrame> {
    let (filter, params) = where_clause(q)?;
    let refs: Vec<&dyn duckdb::ToSql> = params.iter().map(|p| p.as_ref()).collect();
    let mut select = columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{} AS c{i}", c.sql))
        .collect::<Vec<_>>()
        .join(", ");
    if let Some(sql) = segment {
        select += &format!(", CAST({sql} AS VARCHAR) AS {SEGMENT}");
    }
    if matches!(source, InputSource::Table) {
        // For pairing decisions both versions made on the same inputs (`same_input_pairs`).
        select += &format!(
            ", d.same_inputs AS {PAIR_KEY}, epoch_us(d.decided_at) AS {DECIDED}, d.model_version AS {VERSION}"
        );
    }
    let from = match source {
        // The copy leaves out the inputs' JSON (most of a decision's size); the few filters and
        // columns that read it (`input.NAME`, segments by an input, keys apart) join it back.
        InputSource::Table if select.contains("d.inputs") || filter.contains("d.inputs") => format!(
            "(SELECT i.*, j.inputs FROM decision_inputs i JOIN decisions j ON j.event_id = i.event_id) d {filter}"
        ),
        InputSource::Table => format!("decision_inputs d {filter}"),
        InputSource::Parse(spec) => format!(
            "(SELECT d.*, json_transform(d.inputs, '{}') AS typed FROM decisions d {filter}) d",
            spec.replace('\'', "''")
        ),
        InputSource::Paths => format!("decisions d {filter}"),
    };
    frame::query_frame(conn, &format!("SELECT {select} FROM {from}"), &refs)
}

/// The column's finite values, sorted ascending, and how many were missing or not finite.
fn numeric_values(df: &DataFrame, name: &str) -> Result<(Vec<f64>, u64)> {
    let column = df.column(name).map_err(analysis)?;
    let mut values: Vec<f64> = column
        .f64()
        .map_err(analysis)?
        .iter()
        .flatten()
        .filter(|x| x.is_finite())
        .collect();
    // A radix sort: linear in the values, several times faster than a comparison sort at a
    // million values, and every statistic reads the columns sorted.
    radsort::sort(&mut values);
    let missing = (column.len() - values.len()) as u64;
    Ok((values, missing))
}

/// How often each value of a text column occurs, and how many are missing.
fn category_counts(df: &DataFrame, name: &str) -> Result<(BTreeMap<String, u64>, u64)> {
    let column = df.column(name).map_err(analysis)?;
    let missing = column.null_count() as u64;
    // A hash map over the borrowed strings: a column has few distinct values, and this is a
    // fraction of the time a group-by takes to set up and gather.
    let mut counts: PlHashMap<&str, u64> = PlHashMap::default();
    for value in column.str().map_err(analysis)?.iter().flatten() {
        *counts.entry(value).or_default() += 1;
    }
    Ok((
        counts
            .into_iter()
            .map(|(k, n)| (k.to_string(), n))
            .collect(),
        missing,
    ))
}

fn default_test(numeric: bool, n_reference: usize) -> DriftTest {
    match (numeric, n_reference <= SMALL_COHORT) {
        (true, true) => DriftTest::Ks,
        (true, false) => DriftTest::Wasserstein,
        (false, true) => DriftTest::Chi2,
        (false, false) => DriftTest::Jensenshannon,
    }
}

fn check_test(name: &str, test: DriftTest, numeric: bool) -> Result<()> {
    let allowed: &[DriftTest] = if numeric {
        &[
            DriftTest::Ks,
            DriftTest::Wasserstein,
            DriftTest::Psi,
            DriftTest::Jensenshannon,
        ]
    } else {
        &[DriftTest::Chi2, DriftTest::Psi, DriftTest::Jensenshannon]
    };
    if allowed.contains(&test) {
        Ok(())
    } else {
        Err(Error::BadArgument {
            message: format!(
                "`{test}` cannot test the {} column `{name}`; use one of {}.",
                if numeric { "numeric" } else { "categorical" },
                allowed
                    .iter()
                    .map(|t| t.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
    }
}

/// The threshold in force and whether the column drifted: a test's p-value below it, or a
/// distance at or above it.
fn judge(statistic: f64, p_value: Option<f64>, threshold: Option<f64>) -> (f64, bool) {
    match p_value {
        Some(p) => {
            let t = threshold.unwrap_or(P_VALUE_THRESHOLD);
            (t, p < t)
        }
        None => {
            let t = threshold.unwrap_or(DISTANCE_THRESHOLD);
            (t, statistic >= t)
        }
    }
}

fn numeric_drift(
    c: &Column,
    a: Vec<f64>,
    b: Vec<f64>,
    test: DriftTest,
    threshold: Option<f64>,
) -> FeatureDrift {
    // `a` and `b` arrive sorted (polars sorted them), so no statistic sorts again, and their ends
    // give the span. One pass of equal-width counts serves the Jensen-Shannon distance and the chart.
    let lo = match (a.first(), b.first()) {
        (Some(x), Some(y)) => x.min(*y),
        (Some(x), None) | (None, Some(x)) => *x,
        (None, None) => f64::NAN,
    };
    let hi = match (a.last(), b.last()) {
        (Some(x), Some(y)) => x.max(*y),
        (Some(x), None) | (None, Some(x)) => *x,
        (None, None) => f64::NAN,
    };
    let (js, edges, sa, sb) = if lo.is_finite() && hi > lo {
        let (ca, cb) = (
            stats::equal_width_counts(&a, lo, hi, CHART_BINS),
            stats::equal_width_counts(&b, lo, hi, CHART_BINS),
        );
        let share = |counts: &[f64], n: usize| -> Vec<f64> {
            counts.iter().map(|c| c / n.max(1) as f64).collect()
        };
        let width = (hi - lo) / CHART_BINS as f64;
        (
            stats::js_distance(&ca, &cb),
            (0..=CHART_BINS).map(|i| lo + width * i as f64).collect(),
            share(&ca, a.len()),
            share(&cb, b.len()),
        )
    } else {
        // One value in both samples (or none): the distributions are the same.
        (0.0, Vec::new(), Vec::new(), Vec::new())
    };
    // A cohort without a value of this column is not compared (the caller says so); its
    // statistics stay at "no drift" rather than dividing by an empty sample.
    let comparable = !a.is_empty() && !b.is_empty();
    let psi = if comparable {
        stats::psi_sorted(&a, &b, PSI_BINS)
    } else {
        0.0
    };
    let sd = stats::std_dev(&a);
    let wasserstein_norm = (comparable && sd > 0.0).then(|| stats::wasserstein_sorted(&a, &b) / sd);
    let (statistic, p_value) = match test {
        DriftTest::Ks => {
            let ks = stats::ks_2samp_sorted(&a, &b);
            (
                ks.map_or(0.0, |k| k.statistic),
                Some(ks.map_or(1.0, |k| k.p_value)),
            )
        }
        DriftTest::Wasserstein => (wasserstein_norm.unwrap_or(0.0), None),
        DriftTest::Psi => (psi, None),
        DriftTest::Chi2 | DriftTest::Jensenshannon => (js, None),
    };
    let (threshold, drifted) = judge(statistic, p_value, threshold);
    FeatureDrift {
        name: c.name.clone(),
        role: c.role,
        kind: ValueKind::Numeric,
        test,
        statistic,
        p_value,
        threshold,
        drifted,
        psi,
        wasserstein_norm,
        js_distance: js,
        n_a: a.len() as u64,
        n_b: b.len() as u64,
        missing_a: 0,
        missing_b: 0,
        warning: None,
        distribution: Distribution {
            edges,
            categories: Vec::new(),
            a: sa,
            b: sb,
        },
    }
}

fn categorical_drift(
    c: &Column,
    a: &BTreeMap<String, u64>,
    b: &BTreeMap<String, u64>,
    test: DriftTest,
    threshold: Option<f64>,
) -> FeatureDrift {
    let categories: Vec<&String> = {
        let mut all: Vec<&String> = a.keys().chain(b.keys()).collect();
        all.sort();
        all.dedup();
        all
    };
    let ca: Vec<u64> = categories
        .iter()
        .map(|k| a.get(*k).copied().unwrap_or(0))
        .collect();
    let cb: Vec<u64> = categories
        .iter()
        .map(|k| b.get(*k).copied().unwrap_or(0))
        .collect();
    let fa: Vec<f64> = ca.iter().map(|x| *x as f64).collect();
    let fb: Vec<f64> = cb.iter().map(|x| *x as f64).collect();
    let (na, nb) = (ca.iter().sum::<u64>(), cb.iter().sum::<u64>());
    let js = if na > 0 && nb > 0 {
        stats::js_distance(&fa, &fb)
    } else {
        0.0
    };
    let psi = if na > 0 && nb > 0 {
        stats::psi_counts(&ca, &cb)
    } else {
        0.0
    };
    let (statistic, p_value) = match test {
        DriftTest::Chi2 => match stats::chi2_contingency(&ca, &cb) {
            Some(chi) => (chi.statistic, Some(chi.p_value)),
            None => (0.0, Some(1.0)),
        },
        DriftTest::Psi => (psi, None),
        DriftTest::Ks | DriftTest::Wasserstein | DriftTest::Jensenshannon => (js, None),
    };
    let (threshold, drifted) = judge(statistic, p_value, threshold);
    // The chart shows the most frequent categories, and the rest as one bar.
    let mut order: Vec<usize> = (0..categories.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(ca[*i] + cb[*i]));
    let rest: Vec<usize> = order.split_off(order.len().min(CHART_CATEGORIES));
    let share = |counts: &[u64], n: u64, which: &[usize]| -> f64 {
        which.iter().map(|i| counts[*i]).sum::<u64>() as f64 / n.max(1) as f64
    };
    FeatureDrift {
        name: c.name.clone(),
        role: c.role,
        kind: ValueKind::Categorical,
        test,
        statistic,
        p_value,
        threshold,
        drifted,
        psi,
        wasserstein_norm: None,
        js_distance: js,
        n_a: na,
        n_b: nb,
        missing_a: 0,
        missing_b: 0,
        warning: None,
        distribution: Distribution {
            edges: Vec::new(),
            categories: order
                .iter()
                .map(|i| categories[*i].clone())
                .chain((!rest.is_empty()).then(|| format!("({} others)", rest.len())))
                .collect(),
            a: order
                .iter()
                .map(|i| share(&ca, na, &[*i]))
                .chain((!rest.is_empty()).then(|| share(&ca, na, &rest)))
                .collect(),
            b: order
                .iter()
                .map(|i| share(&cb, nb, &[*i]))
                .chain((!rest.is_empty()).then(|| share(&cb, nb, &rest)))
                .collect(),
        },
    }
}

/// One comparison of two sets of rows (the cohorts, or one segment of each).
struct Comparison {
    features: Vec<FeatureDrift>,
    drift_share: f64,
    dataset_drift: bool,
    output_rates: Vec<RateDrift>,
}

fn input_names(inputs: &[(String, bool)]) -> String {
    inputs
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The column that splits the cohorts into segments, read as text: an input or a decision field.
fn segment_sql(name: &str, inputs: &[(String, bool)]) -> Result<String> {
    Ok(match name {
        "label" => "d.label".into(),
        "model" => "d.model".into(),
        "model_version" => "d.model_version".into(),
        _ if inputs.iter().any(|(k, _)| k == name) => format!(
            "json_extract_string(d.inputs, '{}')",
            input_path(name).replace('\'', "''")
        ),
        _ => {
            return Err(Error::BadArgument {
                message: format!(
                    "There is no column `{name}` to segment by. Segment by an input ({}) or by label, model or model_version.",
                    input_names(inputs)
                ),
            })
        }
    })
}

/// A column's comparison, with the label counts when it is the label.
type ColumnResult = (
    FeatureDrift,
    Option<(BTreeMap<String, u64>, BTreeMap<String, u64>)>,
);

/// Compares column `i` of the two frames; `None` when neither cohort has a value.
fn compare_column(
    i: usize,
    c: &Column,
    fa: &DataFrame,
    fb: &DataFrame,
    req: &DriftRequest,
) -> Result<Option<ColumnResult>> {
    let name = format!("c{i}");
    let test_for = |numeric: bool, n: usize| {
        req.tests
            .get(&c.name)
            .copied()
            .unwrap_or(default_test(numeric, n))
    };
    let threshold = req.thresholds.get(&c.name).copied();
    let mut labels = None;
    let mut f = if c.numeric {
        let (a, missing_a) = numeric_values(fa, &name)?;
        let (b, missing_b) = numeric_values(fb, &name)?;
        if a.is_empty() && b.is_empty() {
            return Ok(None);
        }
        let test = test_for(true, a.len());
        let mut f = numeric_drift(c, a, b, test, threshold);
        (f.missing_a, f.missing_b) = (missing_a, missing_b);
        f
    } else {
        let (a, missing_a) = category_counts(fa, &name)?;
        let (b, missing_b) = category_counts(fb, &name)?;
        if a.is_empty() && b.is_empty() {
            return Ok(None);
        }
        let test = test_for(false, a.values().sum::<u64>() as usize);
        let mut f = categorical_drift(c, &a, &b, test, threshold);
        (f.missing_a, f.missing_b) = (missing_a, missing_b);
        if c.name == "label" {
            labels = Some((a, b));
        }
        f
    };
    if f.n_a == 0 || f.n_b == 0 {
        f.warning = Some(format!(
            "`{}` has no values in the {} cohort; it is not compared.",
            c.name,
            if f.n_a == 0 { "reference" } else { "current" }
        ));
        f.drifted = false;
    } else if (f.n_a as usize) < TOO_FEW || (f.n_b as usize) < TOO_FEW {
        f.warning = Some(format!(
            "`{}` has {} and {} values: too few for a reliable test.",
            c.name, f.n_a, f.n_b
        ));
    }
    Ok(Some((f, labels)))
}

/// Compares the columns of `fa` (reference) and `fb`, leaving out `skip` (the segment column,
/// constant inside a segment). `step` hears how many columns are done as each one finishes.
fn compare_columns(
    columns: &[Column],
    fa: &DataFrame,
    fb: &DataFrame,
    req: &DriftRequest,
    skip: Option<&str>,
    step: &mut dyn FnMut(usize),
) -> Result<Comparison> {
    // Columns are independent: compared in parallel on rayon's pool while this thread reports
    // each one done (the progress callback need not be thread-safe).
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let results: Vec<Result<Option<ColumnResult>>> = std::thread::scope(|s| {
        let worker = s.spawn(move || {
            columns
                .par_iter()
                .enumerate()
                .map_with(done, |done, (i, c)| {
                    let result = if skip == Some(c.name.as_str()) {
                        Ok(None)
                    } else {
                        compare_column(i, c, fa, fb, req)
                    };
                    let _ = done.send(());
                    result
                })
                .collect()
        });
        for (n, ()) in finished.iter().enumerate() {
            step(n + 1);
        }
        worker.join()
    })
    .map_err(|_| analysis("comparing the columns stopped unexpectedly"))?;
    let mut features = Vec::new();
    let mut label_counts = None;
    for r in results {
        if let Some((f, labels)) = r? {
            if labels.is_some() {
                label_counts = labels;
            }
            features.push(f);
        }
    }

    let compared: Vec<bool> = features
        .iter()
        .filter(|f| f.role == DriftRole::Input && f.n_a > 0 && f.n_b > 0)
        .map(|f| f.drifted)
        .collect();
    let drift_share = if compared.is_empty() {
        0.0
    } else {
        compared.iter().filter(|d| **d).count() as f64 / compared.len() as f64
    };
    features.sort_by(|x, y| {
        (x.role != DriftRole::Input)
            .cmp(&(y.role != DriftRole::Input))
            .then(y.drifted.cmp(&x.drifted))
            .then(y.psi.total_cmp(&x.psi))
    });
    Ok(Comparison {
        features,
        drift_share,
        dataset_drift: !compared.is_empty() && drift_share >= DATASET_DRIFT_SHARE,
        output_rates: label_counts
            .map(|(a, b)| outcome_rates(&a, &b))
            .unwrap_or_default(),
    })
}

/// Each outcome's share in both cohorts, with Newcombe's 95% interval of the difference.
fn outcome_rates(a: &BTreeMap<String, u64>, b: &BTreeMap<String, u64>) -> Vec<RateDrift> {
    let (na, nb) = (a.values().sum::<u64>(), b.values().sum::<u64>());
    let labels: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    labels
        .into_iter()
        .map(|l| {
            let (ka, kb) = (
                a.get(l).copied().unwrap_or(0),
                b.get(l).copied().unwrap_or(0),
            );
            let (difference, ci_low, ci_high) =
                stats::rate_difference(ka, na, kb, nb, 1.959_963_984_540_054);
            RateDrift {
                label: l.clone(),
                rate_a: ka as f64 / na.max(1) as f64,
                rate_b: kb as f64 / nb.max(1) as f64,
                difference,
                ci_low,
                ci_high,
                significant: ci_low > 0.0 || ci_high < 0.0,
            }
        })
        .collect()
}

/// Decisions both cohorts' versions made on the same inputs for the same subject, from the frames
/// (`same_inputs` equal, versions different; each reference decision paired with the nearest in
/// time), with the segment of each when `segmented`. A 64-bit hash stands for subject and inputs:
/// a false pair among a million by a million decisions has odds of about one in twenty million.
fn same_input_pairs(
    fa: &DataFrame,
    fb: &DataFrame,
    label: &str,
    segmented: bool,
) -> Result<(attribution::Flips, BTreeMap<String, attribution::Flips>)> {
    let pick = |df: &DataFrame, side: &str, with_segment: bool| -> Result<DataFrame> {
        let mut names = vec![PAIR_KEY, DECIDED, VERSION, label];
        if with_segment {
            names.push(SEGMENT);
        }
        let mut columns = Vec::new();
        for n in names {
            let c = df.column(n).map_err(analysis)?.clone();
            let renamed = if n == PAIR_KEY {
                n.to_string()
            } else {
                format!("{side}_{n}")
            };
            columns.push(c.with_name(PlSmallStr::from_string(renamed)));
        }
        DataFrame::new_infer_height(columns).map_err(analysis)
    };
    let a = pick(fa, "a", segmented)?
        .with_row_index(PlSmallStr::from_static("a_row"), None)
        .map_err(analysis)?;
    let b = pick(fb, "b", false)?;
    let joined = a
        .lazy()
        .join(
            b.lazy(),
            [col(PAIR_KEY)],
            [col(PAIR_KEY)],
            JoinArgs::new(JoinType::Inner),
        )
        .collect()
        .map_err(analysis)?;
    let get = |n: &str| joined.column(n).map_err(analysis);
    let rows = get("a_row")?.cast(&DataType::UInt64).map_err(analysis)?;
    let rows = rows.u64().map_err(analysis)?;
    let at_a = get(&format!("a_{DECIDED}"))?
        .i64()
        .map_err(analysis)?
        .clone();
    let at_b = get(&format!("b_{DECIDED}"))?
        .i64()
        .map_err(analysis)?
        .clone();
    let version_a = get(&format!("a_{VERSION}"))?
        .str()
        .map_err(analysis)?
        .clone();
    let version_b = get(&format!("b_{VERSION}"))?
        .str()
        .map_err(analysis)?
        .clone();
    let label_a = get(&format!("a_{label}"))?.str().map_err(analysis)?.clone();
    let label_b = get(&format!("b_{label}"))?.str().map_err(analysis)?.clone();
    let segment = if segmented {
        Some(
            get(&format!("a_{SEGMENT}"))?
                .str()
                .map_err(analysis)?
                .clone(),
        )
    } else {
        None
    };
    // The nearest current decision per reference decision, ties to the earlier and then by
    // outcome so the pairing does not depend on the join's order: ((gap, time, outcome), flipped,
    // segment).
    type Nearest = ((i64, i64, Option<String>), bool, Option<String>);
    let mut nearest: BTreeMap<u64, Nearest> = BTreeMap::new();
    for k in 0..joined.height() {
        if version_a.get(k) == version_b.get(k) {
            continue;
        }
        let (Some(row), Some(x), Some(y)) = (rows.get(k), at_a.get(k), at_b.get(k)) else {
            continue;
        };
        let rank = ((x - y).abs(), y, label_b.get(k).map(str::to_string));
        let flipped = label_a.get(k) != label_b.get(k);
        let entry = nearest
            .entry(row)
            .or_insert(((i64::MAX, i64::MAX, None), false, None));
        if rank < entry.0 {
            *entry = (
                rank,
                flipped,
                segment.as_ref().and_then(|s| s.get(k)).map(str::to_string),
            );
        }
    }
    let mut all = attribution::Flips::default();
    let mut by_segment: BTreeMap<String, attribution::Flips> = BTreeMap::new();
    for (_, flipped, value) in nearest.into_values() {
        all.add(flipped);
        if let Some(value) = value {
            by_segment.entry(value).or_default().add(flipped);
        }
    }
    Ok((all, by_segment))
}

/// The rows of `df` whose segment column holds `value`.
fn segment_rows(df: &DataFrame, value: &str) -> Result<DataFrame> {
    let mask = df
        .column(SEGMENT)
        .map_err(analysis)?
        .str()
        .map_err(analysis)?
        .equal(value);
    df.filter(&mask).map_err(analysis)
}

/// Compares cohort `b` with reference cohort `a`, column by column, and segment by segment when
/// asked.
pub fn compare(conn: &Connection, req: &DriftRequest, job: &Job) -> Result<DriftReport> {
    let _watch = job.watch(conn);
    let report =
        |phase: &str, done: usize, total: usize| job.report(phase, done as u64, total as u64);
    report("reading the cohorts", 0, 2);
    let (qa, qb) = (cohort::parse(&req.a)?, cohort::parse(&req.b)?);
    let mut inputs = view_inputs(conn)?;
    let segment = match req.segment_by.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => Some((name.to_string(), segment_sql(name, &inputs)?)),
        _ => None,
    };
    if !req.features.is_empty() {
        for f in &req.features {
            if !inputs.iter().any(|(k, _)| k == f) {
                return Err(Error::BadArgument {
                    message: format!(
                        "No decision has an input `{f}`. Inputs there are: {}.",
                        input_names(&inputs)
                    ),
                });
            }
        }
        inputs.retain(|(k, _)| req.features.contains(k));
    }
    // Every key of the view, as the typed copy holds them (the struct has them all; the chosen
    // features are picked from it).
    let (spec, apart) = crate::decisions::typed_inputs_spec(&view_inputs(conn)?);
    let source = match (&spec, crate::decisions::typed_inputs_table(conn)) {
        (Some(spec), Some(built)) if *spec == built => InputSource::Table,
        (Some(spec), _) => InputSource::Parse(spec.clone()),
        (None, _) => InputSource::Paths,
    };
    let mut columns: Vec<Column> = inputs
        .iter()
        .map(|(k, numeric)| Column {
            name: k.clone(),
            role: DriftRole::Input,
            numeric: *numeric,
            sql: if !matches!(source, InputSource::Paths) && !apart.contains(k) {
                format!("d.typed.\"{}\"", k.replace('"', "\"\""))
            } else if *numeric {
                format!(
                    "TRY_CAST(json_extract(d.inputs, '{}') AS DOUBLE)",
                    input_path(k).replace('\'', "''")
                )
            } else {
                format!(
                    "json_extract_string(d.inputs, '{}')",
                    input_path(k).replace('\'', "''")
                )
            },
        })
        .collect();
    columns.push(Column {
        name: "score".into(),
        role: DriftRole::Output,
        numeric: true,
        sql: "d.score".into(),
    });
    columns.push(Column {
        name: "confidence".into(),
        role: DriftRole::Output,
        numeric: true,
        sql: if matches!(source, InputSource::Table) {
            "d.confidence".into()
        } else {
            // json_extract_string then a cast: half the time of json_extract's JSON value here.
            "TRY_CAST(json_extract_string(d.output, '$.confidence') AS DOUBLE)".into()
        },
    });
    columns.push(Column {
        name: "label".into(),
        role: DriftRole::Output,
        numeric: false,
        sql: "d.label".into(),
    });
    for (name, test) in &req.tests {
        match columns.iter().find(|c| &c.name == name) {
            Some(c) => check_test(name, *test, c.numeric)?,
            None => {
                return Err(Error::BadArgument {
                    message: format!("There is no column `{name}` to set the test `{test}` for."),
                })
            }
        }
    }

    let segment_select = segment.as_ref().map(|(_, sql)| sql.as_str());
    // The cohorts are read at once on two connections: DuckDB hands each result to Arrow one
    // chunk at a time on the calling thread, so one reader alone leaves a core idle.
    let second = conn.try_clone()?;
    let _watch_second = job.watch(&second);
    let (fa, fb) = std::thread::scope(|s| {
        let (qb, columns, source) = (&qb, &columns, &source);
        let b = s.spawn(move || cohort_frame(&second, qb, columns, segment_select, source));
        let a = cohort_frame(conn, &qa, columns, segment_select, source);
        (a, b.join())
    });
    let fa = fa?;
    let fb = fb.map_err(|_| Error::Analysis {
        cause: "reading the current cohort stopped unexpectedly".into(),
    })??;
    report("reading the cohorts", 2, 2);
    job.check()?;
    let (rows_a, rows_b) = (fa.height(), fb.height());
    let mut warnings = Vec::new();
    for (which, filter, rows) in [("reference", &req.a, rows_a), ("current", &req.b, rows_b)] {
        if rows == 0 {
            return Err(Error::BadArgument {
                message: format!(
                    "The {which} cohort `{filter}` has no decisions; nothing to compare."
                ),
            });
        }
        if rows < TOO_FEW {
            warnings.push(format!(
                "The {which} cohort `{filter}` has only {rows} decisions: the tests have little power and the distances are noisy."
            ));
        }
    }

    let whole = compare_columns(&columns, &fa, &fb, req, None, &mut |i| {
        report("comparing columns", i, columns.len())
    })?;
    job.check()?;

    let mut segments = Vec::new();
    if let Some((name, _)) = &segment {
        let (ca, missing_a) = category_counts(&fa, SEGMENT)?;
        let (cb, missing_b) = category_counts(&fb, SEGMENT)?;
        let mut values: Vec<(&String, u64)> = ca
            .keys()
            .chain(cb.keys())
            .map(|v| {
                (
                    v,
                    ca.get(v).copied().unwrap_or(0) + cb.get(v).copied().unwrap_or(0),
                )
            })
            .collect();
        values.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
        values.dedup_by(|x, y| x.0 == y.0);
        if values.len() > MAX_SEGMENTS {
            warnings.push(format!(
                "`{name}` has {} values; the {MAX_SEGMENTS} largest segments are compared.",
                values.len()
            ));
            values.truncate(MAX_SEGMENTS);
        }
        if missing_a + missing_b > 0 {
            warnings.push(format!(
                "{} decisions have no `{name}` and belong to no segment.",
                missing_a + missing_b
            ));
        }
        let total = values.len();
        for (k, (value, _)) in values.into_iter().enumerate() {
            report("comparing segments", k, total);
            job.check()?;
            let (sa, sb) = (segment_rows(&fa, value)?, segment_rows(&fb, value)?);
            let (rows_a, rows_b) = (sa.height() as u64, sb.height() as u64);
            let mut segment = SegmentDrift {
                value: value.clone(),
                rows_a,
                rows_b,
                features: Vec::new(),
                drift_share: 0.0,
                dataset_drift: false,
                output_rates: Vec::new(),
                flips: None,
                warning: None,
            };
            if rows_a == 0 || rows_b == 0 {
                segment.warning = Some(format!(
                    "Only the {} cohort has decisions with {name} = {value}; nothing to compare.",
                    if rows_a == 0 { "current" } else { "reference" }
                ));
            } else {
                let c = compare_columns(&columns, &sa, &sb, req, Some(name), &mut |_| {})?;
                (segment.features, segment.drift_share, segment.dataset_drift) =
                    (c.features, c.drift_share, c.dataset_drift);
                segment.output_rates = c.output_rates;
                if (rows_a as usize) < TOO_FEW || (rows_b as usize) < TOO_FEW {
                    segment.warning = Some(format!(
                        "{name} = {value} has {rows_a} and {rows_b} decisions: too few for reliable tests."
                    ));
                }
            }
            segments.push(segment);
        }
    }

    report("attributing", columns.len(), columns.len());
    let label = columns
        .iter()
        .position(|c| c.name == "label")
        .map(|i| format!("c{i}"))
        .unwrap_or_default();
    let from_frames = || same_input_pairs(&fa, &fb, &label, segment.is_some());
    let (attribution, flips) = attribution::attribute(
        conn,
        &qa,
        &qb,
        &whole.features,
        segment
            .as_ref()
            .map(|(name, sql)| (name.as_str(), sql.as_str())),
        matches!(source, InputSource::Table)
            .then_some(&from_frames as &attribution::PairsFromFrames),
    )?;
    for s in &mut segments {
        s.flips = flips.get(&s.value).cloned();
    }
    Ok(DriftReport {
        attribution,
        a: CohortSummary {
            filter: req.a.clone(),
            rows: rows_a as u64,
        },
        b: CohortSummary {
            filter: req.b.clone(),
            rows: rows_b as u64,
        },
        dataset_drift: whole.dataset_drift,
        drift_share: whole.drift_share,
        drift_share_threshold: DATASET_DRIFT_SHARE,
        features: whole.features,
        output_rates: whole.output_rates,
        segment_by: segment.map(|(name, _)| name),
        segments,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_categorical_chart_keeps_the_largest_categories_and_the_rest_as_one_bar() {
        let counts = |n: u64| -> BTreeMap<String, u64> {
            (0..25u64).map(|i| (format!("k{i:02}"), n + i)).collect()
        };
        let column = Column {
            name: "k".into(),
            role: DriftRole::Input,
            numeric: false,
            sql: String::new(),
        };
        let f = categorical_drift(&column, &counts(10), &counts(12), DriftTest::Chi2, None);
        let d = &f.distribution;
        assert_eq!(d.categories.len(), CHART_CATEGORIES + 1);
        assert_eq!(d.categories[0], "k24");
        assert_eq!(d.categories[CHART_CATEGORIES], "(5 others)");
        // Nothing is left out of the picture: each cohort's shares add up to one.
        for shares in [&d.a, &d.b] {
            assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
        let three: BTreeMap<String, u64> = [("x", 3), ("y", 2), ("z", 1)]
            .into_iter()
            .map(|(k, n)| (k.to_string(), n))
            .collect();
        let few = categorical_drift(&column, &three, &three, DriftTest::Chi2, None);
        assert_eq!(few.distribution.categories, ["x", "y", "z"]);
    }
}
