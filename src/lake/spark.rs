//! Training sets on Apache Spark: the spec compiled to Spark SQL over a lake export, run with
//! `spark-submit`, written as the embedded engine writes them (one Parquet file and its manifest).
//!
//! The embedded engine's semantics, statement by statement (see `trainset`): examples ordered by
//! (time, id); a path feature is the entity's state on the `known` history (recorded axis: the
//! events occurred and recorded by T, see `changelog`) or the `occurred` history, found by one
//! ASOF join on `valid_from <= T` (Spark 4.3's `ASOF JOIN`) or, portably, a join and `row_number`
//! (Spark before 4.3, Trino, Hive); counts in `(T - window, T]`; the first label event occurring
//! after T; the audit's naive (latest state, counts by occurred time) and late-arriving (occurred
//! history) values; lineage. A path feature's column type is chosen from the JSON types its values
//! have, as the embedded engine chooses it; that choice is the only thing the driver decides.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::Axis;
use crate::trainset::spec::{CheckedSpec, ExampleSource, FeatureKind};
use crate::trainset::{ColumnSource, FeatureLeakage, LabelAudit, TrainsetColumn, TrainsetManifest};

/// The Python driver `spark-submit` runs.
pub const DRIVER: &str = include_str!("driver.py");

/// How a state is found at an example time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum JoinForm {
    /// ASOF JOIN where the cluster has it (Spark 4.3 and later), the portable form otherwise.
    Auto,
    /// Spark's `ASOF JOIN` (`spark.sql.join.asofJoin.enabled`).
    Asof,
    /// A join and `row_number`, which any engine runs.
    Portable,
}

impl JoinForm {
    pub fn name(self) -> &'static str {
        match self {
            JoinForm::Auto => "auto",
            JoinForm::Asof => "asof",
            JoinForm::Portable => "portable",
        }
    }
}

/// One statement of a job.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// `view` (the result becomes a temporary view named `name`) or `type` (the result is the
    /// variant types of a path feature's values; `name` is the feature's key).
    pub kind: &'static str,
    pub name: String,
    /// The statement, when it is the same in both join forms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asof: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub portable: Option<String>,
    pub cache: bool,
}

/// A compiled training set: what the driver runs.
#[derive(Debug, Clone, Serialize)]
pub struct SparkJob {
    pub name: String,
    pub lake: String,
    pub out: String,
    pub result: String,
    pub join: JoinForm,
    /// Temporary view name -> folder of the lake.
    pub tables: BTreeMap<String, String>,
    pub steps: Vec<Step>,
    /// The output rows, in example order.
    pub final_sql: String,
    /// Audit queries by key; each answers rows of values.
    pub audits: BTreeMap<String, String>,
    /// Per path feature key (`f0`), its JSON path: nested values are read as their text there.
    pub paths: BTreeMap<String, String>,
}

impl SparkJob {
    fn to_json(&self) -> String {
        let mut v = serde_json::to_value(self).expect("a job serializes");
        let map = v.as_object_mut().expect("a job is an object");
        let sql = map.remove("final_sql").expect("present");
        map.insert("final".into(), sql);
        serde_json::to_string_pretty(&v).expect("a job serializes")
    }
}

/// A Spark SQL string literal (backslash escapes are on by default there).
fn lit(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn list(items: &[String]) -> String {
    items.iter().map(|t| lit(t)).collect::<Vec<_>>().join(", ")
}

fn ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A JSON path for Spark's JSON and variant functions: `$['a']['b']`.
fn json_path(parts: &[String]) -> String {
    let mut p = "$".to_string();
    for part in parts {
        p += &format!("['{}']", part.replace('\\', "\\\\").replace('\'', "\\'"));
    }
    p
}

/// The cohort filter as Spark SQL over `lake_decisions d`.
fn decision_filter(filter: &str) -> Result<String> {
    let q = crate::drift::cohort::parse(filter)?;
    let mut c: Vec<String> = Vec::new();
    if let Some(m) = &q.model {
        c.push(format!("d.model = {}", lit(m)));
    }
    if let Some(v) = &q.model_version {
        c.push(format!("d.model_version = {}", lit(v)));
    }
    if let Some(f) = &q.from {
        c.push(format!(
            "d.decided_at >= timestamp_micros({})",
            crate::model::parse_instant(f)?
        ));
    }
    if let Some(t) = &q.to {
        c.push(format!(
            "d.decided_at <= timestamp_micros({})",
            crate::model::parse_instant(t)?
        ));
    }
    if let Some(s) = q.subject.as_deref().filter(|s| !s.is_empty()) {
        let p = lit(&format!("%{s}%"));
        c.push(format!(
            "(d.subject_id ILIKE {p} OR d.stream_id ILIKE {p} OR d.decision_id ILIKE {p})"
        ));
    }
    if let Some(l) = &q.label {
        c.push(format!("d.label = {}", lit(l)));
    }
    if q.stale_only {
        c.push("d.stale_inputs > 0".into());
    }
    for (field, value) in &q.fields {
        let column = match field.as_str() {
            "actor" => "d.actor".to_string(),
            "event_type" => "d.event_type".to_string(),
            other => {
                let name = other.strip_prefix("input.").unwrap_or(other);
                format!(
                    "get_json_object(d.inputs, {})",
                    lit(&json_path(&[name.to_string()]))
                )
            }
        };
        c.push(format!("{column} = {}", lit(value)));
    }
    if q.replay.is_some() {
        return Err(Error::BadArgument {
            message: "The cohort filter's `replay` key needs the case's replay results, which a lake export does not carry; build this training set with the embedded engine.".into(),
        });
    }
    Ok(if c.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", c.join(" AND "))
    })
}

fn view(name: &str, sql: String, cache: bool) -> Step {
    Step {
        kind: "view",
        name: name.into(),
        sql: Some(sql),
        asof: None,
        portable: None,
        cache,
    }
}

/// The state of each example's entity from one history, in both join forms, with each path
/// feature's value as a variant (`v1`, `v2`, ...); `paths` are the features' JSON paths.
fn state_step(name: &str, history: &str, latest: bool, paths: &[String]) -> Step {
    let states = format!(
        "(SELECT stream_id, valid_from, valid_to, source_time, last_event_id,
                 from_json(set_times_us, 'map<string,bigint>') AS set_times_us, state, parse_json(state) AS js
          FROM lake_states WHERE view = 'as_corrected' AND axis = {})",
        lit(history)
    );
    let variants: String = paths
        .iter()
        .enumerate()
        .map(|(k, p)| format!(", try_variant_get(s.js, {}) AS v{}", lit(p), k + 1))
        .collect();
    let columns = format!(
        "x.ord, unix_micros(s.source_time) AS source_time, s.last_event_id, s.set_times_us, s.state{variants}"
    );
    if latest {
        let sql = format!(
            "SELECT {columns} FROM ts_examples x
             LEFT JOIN {states} s ON s.stream_id = x.entity AND s.valid_to IS NULL"
        );
        return view(name, sql, true);
    }
    let asof = format!(
        "SELECT {columns} FROM ts_examples x
         LEFT ASOF JOIN {states} s MATCH_CONDITION (x.at >= s.valid_from) ON s.stream_id = x.entity"
    );
    let plain: String = (1..=paths.len()).map(|k| format!(", v{k}")).collect();
    let portable = format!(
        "SELECT ord, source_time, last_event_id, set_times_us, state{plain} FROM (
             SELECT {columns}, row_number() OVER (PARTITION BY x.ord ORDER BY s.valid_from DESC) AS k
             FROM ts_examples x LEFT JOIN {states} s ON s.stream_id = x.entity AND s.valid_from <= x.at)
         WHERE k = 1"
    );
    Step {
        kind: "view",
        name: name.into(),
        sql: None,
        asof: Some(asof),
        portable: Some(portable),
        cache: true,
    }
}

/// Compiles a checked spec to a Spark job over the lake at `lake`, writing `out`.
pub fn compile(
    spec: &CheckedSpec,
    lake: &Path,
    out: &Path,
    result: &Path,
    join: JoinForm,
) -> Result<SparkJob> {
    let axis = spec.spec.axis;
    let mut steps = Vec::new();
    let examples = match &spec.examples {
        ExampleSource::Decisions(filter) => format!(
            "SELECT d.event_id AS example_id, d.subject_id AS entity, unix_micros(d.decided_at) AS t
             FROM lake_decisions d {}",
            decision_filter(filter)?
        ),
        ExampleSource::Events {
            event_types,
            occurred,
            from,
            to,
        } => {
            let time = if *occurred {
                "occurred_at"
            } else {
                "recorded_at"
            };
            let mut within = String::new();
            if let Some(from) = from {
                within += &format!(" AND {time} >= timestamp_micros({from})");
            }
            if let Some(to) = to {
                within += &format!(" AND {time} <= timestamp_micros({to})");
            }
            format!(
                "SELECT event_id AS example_id, stream_id AS entity, unix_micros({time}) AS t
                 FROM lake_events WHERE event_type IN ({}){within}",
                list(event_types)
            )
        }
    };
    steps.push(view(
        "ts_examples",
        format!(
            "SELECT row_number() OVER (ORDER BY t, example_id) AS ord, example_id, entity, t,
                    timestamp_micros(t) AS at
             FROM ({examples})"
        ),
        true,
    ));

    // Path features: one variant per path, read once per state table.
    let paths: Vec<(usize, &Vec<String>)> = spec
        .features
        .iter()
        .enumerate()
        .filter_map(|(i, (_, k))| match k {
            FeatureKind::Path(parts) => Some((i, parts)),
            FeatureKind::Count { .. } => None,
        })
        .collect();
    let has_paths = !paths.is_empty();
    let path_texts: Vec<String> = paths.iter().map(|(_, parts)| json_path(parts)).collect();
    let mut paths_by_key = BTreeMap::new();
    if has_paths {
        let pit = match axis {
            Axis::Recorded => "known",
            Axis::Occurred => "occurred",
        };
        steps.push(state_step("ts_pit", pit, false, &path_texts));
        steps.push(state_step("ts_true", "occurred", false, &path_texts));
        steps.push(state_step("ts_now", "known", true, &path_texts));
    }

    let mut select = vec![
        "x.ord".to_string(),
        "x.example_id".into(),
        "x.entity".into(),
        "x.t".into(),
    ];
    let mut joins = Vec::new();
    if has_paths {
        joins.push("LEFT JOIN ts_pit p ON p.ord = x.ord LEFT JOIN ts_true o ON o.ord = x.ord LEFT JOIN ts_now w ON w.ord = x.ord".to_string());
        select.push("p.source_time AS pit_source".into());
        select.push("p.last_event_id AS pit_event".into());
    }
    let time = match axis {
        Axis::Recorded => "recorded_at",
        Axis::Occurred => "occurred_at",
    };
    for (i, (_, kind)) in spec.features.iter().enumerate() {
        match kind {
            FeatureKind::Path(parts) => {
                let k = 1 + paths
                    .iter()
                    .position(|(j, _)| *j == i)
                    .expect("a path feature");
                let key = format!("f{i}");
                paths_by_key.insert(key.clone(), json_path(parts));
                steps.push(Step {
                    kind: "type",
                    name: key.clone(),
                    // A variant drops a number's trailing zeros (1200.0 reads as a whole
                    // number), so whether the source wrote a fraction is read from its text, as
                    // DuckDB's json_type does (1200.0 is DOUBLE there).
                    sql: Some(format!(
                        "SELECT DISTINCT schema_of_variant(v{k}),
                                (schema_of_variant(v{k}) LIKE 'DECIMAL%'
                                  OR schema_of_variant(v{k}) IN ('BIGINT', 'INT', 'SMALLINT', 'TINYINT'))
                                  AND get_json_object(state, {}) RLIKE '[.eE]'
                         FROM ts_pit WHERE v{k} IS NOT NULL",
                        lit(&json_path(parts))
                    )),
                    asof: None,
                    portable: None,
                    cache: false,
                });
                let read = |alias: &str| format!("__EXTRACT_{key}__({alias}.v{k})");
                let path = lit(&parts.join("."));
                let live = |alias: &str| {
                    match spec.ttl {
                    Some(ttl) => format!(
                        "CASE WHEN x.t - try_element_at({alias}.set_times_us, {path}) <= {ttl} THEN {} END",
                        read(alias)
                    ),
                    None => read(alias),
                }
                };
                select.push(format!("{} AS f{i}", live("p")));
                select.push(format!("{} AS naive{i}", read("w")));
                select.push(format!("{} AS true{i}", live("o")));
                select.push(match spec.ttl {
                    Some(_) => format!("try_element_at(p.set_times_us, {path}) AS src{i}"),
                    None => format!("p.source_time AS src{i}"),
                });
            }
            FeatureKind::Count {
                event_types,
                window,
            } => {
                let cap = if axis == Axis::Recorded {
                    "AND e.occurred_at <= x.at"
                } else {
                    ""
                };
                let start = format!("timestamp_micros(x.t - {window})");
                steps.push(view(
                    &format!("ts_count{i}"),
                    format!(
                        "SELECT x.ord,
                            count(e.event_id) FILTER (WHERE e.{time} > {start} AND e.{time} <= x.at {cap}) AS pit,
                            count(e.event_id) FILTER (WHERE e.occurred_at > {start} AND e.occurred_at <= x.at) AS naive,
                            max(unix_micros(e.{time})) FILTER (WHERE e.{time} > {start} AND e.{time} <= x.at {cap}) AS src
                         FROM ts_examples x LEFT JOIN lake_events e
                           ON e.stream_id = x.entity AND e.event_type IN ({types})
                          AND (e.{time} > {start} OR e.occurred_at > {start})
                         GROUP BY x.ord",
                        types = list(event_types),
                    ),
                    true,
                ));
                joins.push(format!("LEFT JOIN ts_count{i} c{i} ON c{i}.ord = x.ord"));
                select.push(format!("coalesce(c{i}.pit, 0) AS f{i}"));
                select.push(format!("coalesce(c{i}.naive, 0) AS naive{i}"));
                select.push(format!("coalesce(c{i}.naive, 0) AS true{i}"));
                select.push(format!("c{i}.src AS src{i}"));
            }
        }
    }
    if let Some(label) = &spec.spec.label {
        let value = match &spec.label_path {
            None => "e.event_type".to_string(),
            Some(parts) => format!("get_json_object(e.payload, {})", lit(&json_path(parts))),
        };
        let within = spec
            .label_within
            .map(|w| format!("AND e.occurred_at <= timestamp_micros(x.t + {w})"))
            .unwrap_or_default();
        steps.push(view(
            "ts_label",
            format!(
                "SELECT ord, label, label_time, label_event, label_recorded FROM (
                     SELECT x.ord, {value} AS label, e.occurred_at AS label_time, e.event_id AS label_event,
                            e.recorded_at AS label_recorded,
                            row_number() OVER (PARTITION BY x.ord ORDER BY e.occurred_at, e.recorded_at, e.seq) AS k
                     FROM ts_examples x JOIN lake_events e
                       ON e.stream_id = x.entity AND e.event_type IN ({types})
                      AND e.occurred_at > x.at {within})
                 WHERE k = 1",
                types = list(&label.event_types),
            ),
            true,
        ));
        joins.push("LEFT JOIN ts_label l ON l.ord = x.ord".into());
        select.push("l.label, l.label_time, l.label_event, l.label_recorded".into());
    }
    steps.push(view(
        "ts_rows",
        format!(
            "SELECT {} FROM ts_examples x {}",
            select.join(", "),
            joins.join(" ")
        ),
        true,
    ));

    // The audit, as the embedded engine counts it.
    let mut audits = BTreeMap::new();
    let first = |condition: &str| {
        (
            format!("SELECT count(*) FROM ts_rows WHERE {condition}"),
            format!("SELECT example_id FROM ts_rows WHERE {condition} ORDER BY ord LIMIT 5"),
        )
    };
    for (i, _) in spec.features.iter().enumerate() {
        let (n, ids) = first(&format!("NOT (f{i} <=> naive{i})"));
        audits.insert(format!("naive{i}"), n);
        audits.insert(format!("naive{i}_ids"), ids);
        if axis == Axis::Recorded {
            let (n, ids) = first(&format!("NOT (f{i} <=> true{i})"));
            audits.insert(format!("late{i}"), n);
            audits.insert(format!("late{i}_ids"), ids);
        }
        audits.insert(
            format!("source{i}"),
            format!("SELECT max(src{i}), max(src{i} - t) FROM ts_rows WHERE f{i} IS NOT NULL"),
        );
    }
    if spec.spec.label.is_some() {
        audits.insert(
            "labelled".into(),
            "SELECT count(label_event), max(unix_micros(label_recorded) - unix_micros(label_time)) FROM ts_rows".into(),
        );
        let (n, ids) = first("label_recorded > label_time");
        audits.insert("recorded_late".into(), n);
        audits.insert("recorded_late_ids".into(), ids);
        if let Some(w) = spec.label_within {
            let (n, ids) = first(&format!(
                "label_event IS NOT NULL AND unix_micros(label_recorded) > t + {w}"
            ));
            audits.insert("after_window".into(), n);
            audits.insert("after_window_ids".into(), ids);
        }
    }

    let mut out_select = vec![
        "example_id".to_string(),
        "entity".into(),
        "CAST(timestamp_micros(t) AS TIMESTAMP_NTZ) AS example_time".into(),
    ];
    for (i, (name, _)) in spec.features.iter().enumerate() {
        out_select.push(format!("f{i} AS {}", ident(name)));
    }
    if spec.spec.label.is_some() {
        out_select.push("label".into());
        out_select.push("CAST(label_time AS TIMESTAMP_NTZ) AS label_time".into());
    }
    if spec.spec.lineage {
        let mut ids = Vec::new();
        if has_paths {
            ids.push("pit_event");
        }
        if spec.spec.label.is_some() {
            ids.push("label_event");
        }
        out_select.push(format!(
            "filter(array({}), x -> x IS NOT NULL) AS lineage",
            if ids.is_empty() {
                "CAST(NULL AS STRING)".to_string()
            } else {
                ids.join(", ")
            }
        ));
    }
    let mut tables = BTreeMap::new();
    tables.insert("lake_events".to_string(), "events".to_string());
    tables.insert("lake_states".to_string(), "states".to_string());
    if matches!(spec.examples, ExampleSource::Decisions(_)) {
        tables.insert("lake_decisions".to_string(), "decisions".to_string());
    }
    Ok(SparkJob {
        name: "casefile trainset".into(),
        lake: lake.to_string_lossy().into_owned(),
        out: out.to_string_lossy().into_owned(),
        result: result.to_string_lossy().into_owned(),
        join,
        tables,
        steps,
        final_sql: format!("SELECT {} FROM ts_rows ORDER BY ord", out_select.join(", ")),
        audits,
        paths: paths_by_key,
    })
}

/// The job as a script for a notebook: every statement in order, as `CREATE TEMP VIEW`s.
pub fn script(job: &SparkJob, join: JoinForm) -> String {
    let form = match join {
        JoinForm::Portable => JoinForm::Portable,
        _ => JoinForm::Asof,
    };
    let mut s = String::new();
    s += "-- A Casefile training set compiled to Spark SQL (casefile ";
    s += env!("CARGO_PKG_VERSION");
    s += &format!(", {} join).\n", form.name());
    s += "-- The lake export's tables, as temporary views:\n";
    for (name, rel) in &job.tables {
        s += &format!(
            "CREATE OR REPLACE TEMPORARY VIEW {name} USING parquet OPTIONS (path '{}/{rel}');\n",
            job.lake.replace('\'', "\\'")
        );
    }
    s += "SET spark.sql.session.timeZone = UTC;\n";
    if form == JoinForm::Asof {
        s += "SET spark.sql.join.asofJoin.enabled = true;\n";
    }
    s += "-- __EXTRACT_fN__(v) reads feature N's value (a VARIANT) as the type its values have, chosen as\n";
    s += "-- the embedded engine chooses it from the `type` query before it: all integers\n";
    s += "-- try_variant_get(v, '$', 'bigint'); integers and fractions 'double'; all booleans 'boolean';\n";
    s += "-- all strings or none 'string'; anything else its JSON text (get_json_object(state, PATH) for\n";
    s += "-- objects and lists, to_json(v) for scalars).\n\n";
    for step in &job.steps {
        let sql = match (form, &step.sql, &step.asof, &step.portable) {
            (_, Some(sql), _, _) => sql,
            (JoinForm::Portable, _, _, Some(p)) => p,
            (_, _, Some(a), _) => a,
            _ => continue,
        };
        match step.kind {
            "view" => {
                s += &format!(
                    "CREATE OR REPLACE TEMPORARY VIEW {} AS\n{};\n\n",
                    step.name,
                    sql.trim()
                )
            }
            _ => {
                s += &format!(
                    "-- The JSON types of {}'s values:\n{};\n\n",
                    step.name,
                    sql.trim()
                )
            }
        }
    }
    s += "-- The training set, in example order:\n";
    s += &job.final_sql;
    s += ";\n\n-- The leakage audit:\n";
    for (key, sql) in &job.audits {
        s += &format!("-- {key}\n{sql};\n");
    }
    s
}

/// Where `spark-submit` is, and the Python it runs the driver with.
#[derive(Debug, Clone)]
pub struct SparkSetup {
    pub spark_submit: PathBuf,
    pub python: Option<PathBuf>,
    /// Spark settings (`KEY=VALUE`) passed with `--conf`.
    pub conf: Vec<String>,
}

/// The pinned environment the README's test command installs (pyspark in a virtual environment
/// under the cache directory).
pub fn cached_python() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")?;
    let dir = PathBuf::from(home).join(".cache/casefile-spark");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin/python"))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    found.pop()
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Finds `spark-submit`: given, on PATH, or beside the pyspark of a given (or the cached) Python.
pub fn find(spark_submit: Option<&Path>, python: Option<&Path>) -> Result<SparkSetup> {
    if let Some(s) = spark_submit {
        if !s.is_file() {
            return Err(Error::Spark {
                message: format!("There is no spark-submit at {}.", s.display()),
            });
        }
        return Ok(SparkSetup {
            spark_submit: s.to_path_buf(),
            python: python.map(Path::to_path_buf),
            conf: Vec::new(),
        });
    }
    let python = python
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("CASEFILE_SPARK_PYTHON").map(PathBuf::from));
    if python.is_none() {
        if let Some(s) = on_path("spark-submit") {
            return Ok(SparkSetup {
                spark_submit: s,
                python: None,
                conf: Vec::new(),
            });
        }
    }
    let python = python.or_else(cached_python).ok_or_else(|| Error::Spark {
        message: "Spark was not found: there is no spark-submit on PATH and no Python with pyspark was given. Install Apache Spark 4 (or `pip install pyspark==4.3.0` in a virtual environment) and pass --python PATH_TO_ITS_PYTHON.".into(),
    })?;
    let out = Command::new(&python)
        .args([
            "-c",
            "import os, pyspark; print(os.path.dirname(pyspark.__file__))",
        ])
        .output()
        .map_err(|e| Error::Spark {
            message: format!("Cannot run the Python {}: {e}.", python.display()),
        })?;
    if !out.status.success() {
        return Err(Error::Spark {
            message: format!(
                "The Python {} has no pyspark; install it there (`{} -m pip install pyspark==4.3.0`).",
                python.display(),
                python.display()
            ),
        });
    }
    let home = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    Ok(SparkSetup {
        spark_submit: home.join("bin/spark-submit"),
        python: Some(python),
        conf: Vec::new(),
    })
}

/// Refuses early, in a sentence, when there is no Java to run Spark on.
fn check_java() -> Result<()> {
    let java = std::env::var_os("JAVA_HOME")
        .map(|h| PathBuf::from(h).join("bin/java"))
        .filter(|p| p.is_file())
        .or_else(|| on_path("java"));
    match java {
        Some(_) => Ok(()),
        None => Err(Error::Spark {
            message: "Java was not found: Spark runs on a Java runtime (17 or newer). Install one (on Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME.".into(),
        }),
    }
}

/// What the driver answered.
#[derive(Debug, serde::Deserialize)]
pub struct DriverResult {
    pub spark_version: String,
    pub join: String,
    pub types: BTreeMap<String, String>,
    pub audits: BTreeMap<String, Vec<Vec<serde_json::Value>>>,
}

#[derive(serde::Deserialize)]
struct DriverError {
    error: DriverErrorBody,
}

#[derive(serde::Deserialize)]
struct DriverErrorBody {
    kind: String,
    message: String,
}

/// Runs a job with `spark-submit --master MASTER`, its log in `log`.
pub fn run(
    setup: &SparkSetup,
    master: &str,
    job: &SparkJob,
    work: &Path,
    log: &Path,
) -> Result<DriverResult> {
    run_many(setup, master, std::slice::from_ref(job), work, log)?
        .pop()
        .expect("one answer per job")
}

/// Shuffle partitions for a local run: one per 32 MB of the lake's Parquet (compressed), at least
/// 8 and at most 512. Few suit a small lake on a few cores (each task costs more to start than
/// its share of the work); a lake of gigabytes in 8 partitions gives each task a sort larger than
/// the driver's heap, and the JVM spends its time collecting garbage (10M events: 22 minutes of
/// full GCs in a 4 GB heap before the run was stopped).
fn local_shuffle_partitions(lakes: &std::collections::BTreeSet<&Path>) -> u64 {
    let bytes: u64 = lakes
        .iter()
        .filter_map(|lake| super::read_manifest(lake).ok().map(|m| (lake, m)))
        .flat_map(|(lake, m)| {
            m.files
                .into_iter()
                .filter_map(move |f| std::fs::metadata(lake.join(&f.path)).ok())
        })
        .map(|meta| meta.len())
        .sum();
    (bytes / (32 << 20)).clamp(8, 512)
}

/// Runs several jobs in one Spark session (one start of the JVM); one answer per job.
pub fn run_many(
    setup: &SparkSetup,
    master: &str,
    jobs: &[SparkJob],
    work: &Path,
    log: &Path,
) -> Result<Vec<Result<DriverResult>>> {
    check_java()?;
    let driver = work.join("casefile_driver.py");
    std::fs::write(&driver, DRIVER)?;
    let job_path = work.join("job.json");
    let local = master.starts_with("local");
    let body: Vec<serde_json::Value> = jobs
        .iter()
        .map(|j| {
            let mut job: serde_json::Value =
                serde_json::from_str(&j.to_json()).expect("a job is JSON");
            // A local run caches its joined states on disk (see the driver).
            job["cache_on_disk"] = serde_json::Value::Bool(local);
            job
        })
        .collect();
    std::fs::write(&job_path, serde_json::json!({ "jobs": body }).to_string())?;
    for job in jobs {
        let _ = std::fs::remove_file(&job.result);
    }
    let log_file = std::fs::File::create(log)?;
    let mut cmd = Command::new(&setup.spark_submit);
    cmd.args(["--master", master])
        .args(["--conf", "spark.ui.enabled=false"])
        .args(["--conf", "spark.sql.session.timeZone=UTC"])
        .args(["--conf", "spark.sql.join.asofJoin.enabled=true"])
        .args(["--driver-java-options", "-Duser.timezone=UTC"]);
    let given = |key: &str| setup.conf.iter().any(|c| c.starts_with(&format!("{key}=")));
    if local {
        // Spark's own default of 1 GB for the driver is too little for a local run of any size; a
        // share of a laptop leaves room for the rest. A few shuffle partitions suit a few cores; a
        // cluster keeps its own settings (and adaptive execution sizes its partitions).
        if !given("spark.driver.memory") {
            cmd.args(["--conf", "spark.driver.memory=4g"]);
        }
        if !given("spark.sql.shuffle.partitions") {
            let lakes: std::collections::BTreeSet<&Path> =
                jobs.iter().map(|j| Path::new(&j.lake)).collect();
            let partitions = local_shuffle_partitions(&lakes);
            cmd.args([
                "--conf".to_string(),
                format!("spark.sql.shuffle.partitions={partitions}"),
            ]);
        }
    }
    for c in &setup.conf {
        cmd.args(["--conf", c]);
    }
    cmd.arg(&driver)
        .arg(&job_path)
        .stdout(log_file.try_clone()?)
        .stderr(log_file);
    if let Some(py) = &setup.python {
        cmd.env("PYSPARK_PYTHON", py)
            .env("PYSPARK_DRIVER_PYTHON", py);
    }
    let status = cmd.status().map_err(|e| Error::Spark {
        message: format!("Cannot start {}: {e}.", setup.spark_submit.display()),
    })?;
    Ok(jobs.iter().map(|job| answer(job, &status, log)).collect())
}

/// What the driver answered for one job, or why it did not.
fn answer(job: &SparkJob, status: &std::process::ExitStatus, log: &Path) -> Result<DriverResult> {
    let answer = std::fs::read_to_string(&job.result).ok();
    if let Some(text) = &answer {
        if let Ok(e) = serde_json::from_str::<DriverError>(text) {
            let message = match e.error.kind.as_str() {
                "too_old" => format!("Spark {} is too old: Casefile's jobs need Spark 4.0 or newer (its VARIANT functions), and 4.3 for ASOF JOIN.", e.error.message),
                "no_asof" => format!("Spark {} has no ASOF JOIN (it came in 4.3); run with --join portable or auto.", e.error.message),
                "no_pyspark" => format!("The Python Spark runs the driver with cannot import pyspark ({}); pass --python with the Python that has it.", e.error.message),
                _ => format!(
                    "The Spark job failed: {}. Its log is {}.",
                    last_line(&e.error.message),
                    log.display()
                ),
            };
            return Err(Error::Spark { message });
        }
    }
    let Some(text) = answer else {
        let tail = std::fs::read_to_string(log).unwrap_or_default();
        let reason = tail
            .lines()
            .rev()
            .find(|l| l.contains("Exception") || l.contains("Error"))
            .unwrap_or("no error line in its log")
            .trim()
            .to_string();
        return Err(Error::Spark {
            message: format!(
                "The Spark job failed ({status}): {reason}. Its log is {}.",
                log.display()
            ),
        });
    };
    serde_json::from_str(&text).map_err(|e| Error::Spark {
        message: format!(
            "The Spark driver's answer cannot be read ({e}); its log is {}.",
            log.display()
        ),
    })
}

fn last_line(text: &str) -> String {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(text)
        .trim()
        .to_string()
}

fn count(result: &DriverResult, key: &str) -> u64 {
    result
        .audits
        .get(key)
        .and_then(|rows| rows.first())
        .and_then(|r| r.first())
        .and_then(|v| v.as_u64())
        .unwrap_or(0)
}

fn ids(result: &DriverResult, key: &str) -> Vec<String> {
    result
        .audits
        .get(key)
        .map(|rows| {
            rows.iter()
                .filter_map(|r| r.first().and_then(|v| v.as_str()).map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn pair(result: &DriverResult, key: &str) -> (Option<i64>, Option<i64>) {
    let row = result.audits.get(key).and_then(|rows| rows.first());
    let get = |i: usize| row.and_then(|r| r.get(i)).and_then(|v| v.as_i64());
    (get(0), get(1))
}

/// The manifest of a training set built on Spark: the same fields as the embedded engine's.
pub fn manifest(
    spec: &CheckedSpec,
    spec_text: &str,
    case_fingerprint: &str,
    rows: u64,
    result: &DriverResult,
) -> TrainsetManifest {
    let axis = spec.spec.axis;
    let mut columns = TrainsetColumn::keys();
    let mut leakage = BTreeMap::new();
    let mut sources = Vec::new();
    for (i, (name, kind)) in spec.features.iter().enumerate() {
        let ty = match kind {
            FeatureKind::Path(_) => result
                .types
                .get(&format!("f{i}"))
                .cloned()
                .unwrap_or_else(|| "VARCHAR".into()),
            FeatureKind::Count { .. } => "BIGINT".into(),
        };
        columns.push(TrainsetColumn {
            name: name.clone(),
            r#type: ty,
            role: crate::trainset::TrainsetRole::Feature,
        });
        let (late_arriving, late_examples) = if axis == Axis::Recorded {
            (
                count(result, &format!("late{i}")),
                ids(result, &format!("late{i}_ids")),
            )
        } else {
            (0, Vec::new())
        };
        leakage.insert(
            name.clone(),
            FeatureLeakage {
                naive_differs: count(result, &format!("naive{i}")),
                late_arriving,
                late_examples,
                naive_examples: ids(result, &format!("naive{i}_ids")),
            },
        );
        let (max_source, max_lead) = pair(result, &format!("source{i}"));
        sources.push(ColumnSource {
            name: name.clone(),
            max_source_time: max_source.map(crate::model::format_micros),
            max_lead_us: max_lead,
        });
    }
    let label_audit = spec.spec.label.as_ref().map(|_| {
        let (labelled, max_delay) = pair(result, "labelled");
        let recorded_late = count(result, "recorded_late");
        let (after_window, late_examples) = match spec.label_within {
            Some(_) => (
                Some(count(result, "after_window")),
                ids(result, "after_window_ids"),
            ),
            None => (None, ids(result, "recorded_late_ids")),
        };
        LabelAudit {
            labelled: labelled.unwrap_or(0) as u64,
            recorded_late,
            max_delay_us: max_delay.filter(|d| *d > 0),
            after_window,
            late_examples,
        }
    });
    if spec.spec.label.is_some() {
        columns.extend(TrainsetColumn::label());
    }
    if spec.spec.lineage {
        columns.push(TrainsetColumn::lineage());
    }
    TrainsetManifest {
        created_by: format!(
            "casefile {} on Apache Spark {} ({} join)",
            env!("CARGO_PKG_VERSION"),
            result.spark_version,
            result.join
        ),
        case_fingerprint: case_fingerprint.to_string(),
        spec: spec_text.to_string(),
        spec_sha256: crate::store::sql::sha256_text(spec_text),
        axis,
        rows,
        columns,
        sources,
        leakage,
        label_audit,
    }
}

/// A training set asked of Spark.
#[derive(Debug, Clone)]
pub struct SparkTrainsetRequest {
    pub spec: String,
    /// Where the spec came from, for errors ("file spec.toml").
    pub origin: String,
    /// The folder written: `trainset.parquet` and `trainset.parquet.manifest.json`.
    pub out: PathBuf,
    /// `local[*]`, `spark://host:7077`, `yarn`, `k8s://...`.
    pub master: String,
    pub join: JoinForm,
    pub python: Option<PathBuf>,
    pub spark_submit: Option<PathBuf>,
    /// Spark settings (`KEY=VALUE`), passed with `--conf`.
    pub conf: Vec<String>,
    pub preview_rows: usize,
}

/// Which engine built a training set, and how.
#[derive(Debug, Clone, Serialize)]
pub struct EngineInfo {
    /// `spark`.
    pub name: String,
    pub version: String,
    pub master: String,
    /// `asof` or `portable`: how states were found at example times.
    pub join: String,
    /// The job's log.
    pub log: String,
}

/// A training set built on Spark: what the embedded engine reports, plus the engine.
#[derive(Debug, Clone, Serialize)]
pub struct SparkTrainsetReport {
    #[serde(flatten)]
    pub report: crate::trainset::TrainsetReport,
    pub engine: EngineInfo,
}

/// The output file of a Spark training set in its folder.
pub const OUTPUT: &str = "trainset.parquet";

/// Builds the training set on Spark from the lake export at `lake` (see [`compile`]).
pub fn trainset(lake: &Path, req: &SparkTrainsetRequest) -> Result<SparkTrainsetReport> {
    let lake_manifest = super::read_manifest(lake)?;
    let spec = crate::trainset::spec::TrainsetSpec::from_toml(&req.spec, &req.origin)?;
    let target = Target {
        out: &req.out,
        file: OUTPUT,
        master: &req.master,
        python: req.python.as_deref(),
        spark_submit: req.spark_submit.as_deref(),
        conf: &req.conf,
        preview_rows: req.preview_rows,
    };
    let ran = run_into(&target, |out, result| {
        compile(&spec, &crate::store::absolute(lake), out, result, req.join)
    })?;
    if ran.rows == 0 {
        let _ = std::fs::remove_file(&ran.out);
        return Err(Error::BadArgument {
            message: format!(
                "The spec's examples ({}) match nothing in this export.",
                crate::trainset::examples_in_words(&spec.examples)
            ),
        });
    }
    let manifest = manifest(
        &spec,
        &req.spec,
        &lake_manifest.case_fingerprint,
        ran.rows,
        &ran.answer,
    );
    let mpath = crate::trainset::manifest_path_for(&ran.out);
    let body = serde_json::to_string_pretty(&manifest).map_err(|e| Error::Analysis {
        cause: e.to_string(),
    })? + "\n";
    std::fs::write(&mpath, body)?;
    Ok(SparkTrainsetReport {
        report: crate::trainset::TrainsetReport {
            rows: ran.rows,
            columns: manifest.columns.clone(),
            leakage: manifest.leakage.clone(),
            label_audit: manifest.label_audit.clone(),
            manifest,
            preview: ran.preview,
            out: Some(ran.out.to_string_lossy().into_owned()),
            manifest_path: Some(mpath.to_string_lossy().into_owned()),
        },
        engine: ran.engine,
    })
}

/// Where and how one job runs: Spark's settings and the file it writes in `out`.
struct Target<'a> {
    out: &'a Path,
    file: &'a str,
    master: &'a str,
    python: Option<&'a Path>,
    spark_submit: Option<&'a Path>,
    conf: &'a [String],
    preview_rows: usize,
}

/// A job run: its answer, and the file it wrote with its rows counted and its first rows.
struct Ran {
    answer: DriverResult,
    out: PathBuf,
    rows: u64,
    preview: crate::inspect::SqlResult,
    engine: EngineInfo,
}

/// Finds Spark, runs the job `make` compiles (given the output file and the answer's path) in a
/// work folder inside the output folder (removed afterwards), and reads what it wrote.
fn run_into(t: &Target, make: impl FnOnce(&Path, &Path) -> Result<SparkJob>) -> Result<Ran> {
    let mut setup = find(t.spark_submit, t.python)?;
    setup.conf = t.conf.to_vec();
    std::fs::create_dir_all(t.out)?;
    let out_dir = crate::store::absolute(t.out);
    let out = out_dir.join(t.file);
    let _ = std::fs::remove_file(&out);
    let work_dir = out_dir.join(format!(".casefile-spark-{}", std::process::id()));
    std::fs::create_dir_all(&work_dir)?;
    let work = super::Staging(work_dir, false);
    let job = make(&out, &work.0.join("result.json"))?;
    let log = out_dir.join("spark.log");
    let answer = run(&setup, t.master, &job, &work.0, &log)?;
    let conn = crate::store::open_scratch_in_memory()?;
    let file = out.to_string_lossy().replace('\'', "''");
    let rows: i64 = conn.query_row(
        &format!("SELECT count(*) FROM read_parquet('{file}')"),
        [],
        |r| r.get(0),
    )?;
    let preview = crate::inspect::sql(
        &conn,
        &format!(
            "SELECT * FROM read_parquet('{file}') LIMIT {}",
            t.preview_rows
        ),
        t.preview_rows,
    )?;
    let engine = EngineInfo {
        name: "spark".into(),
        version: answer.spark_version.clone(),
        master: t.master.to_string(),
        join: answer.join.clone(),
        log: log.to_string_lossy().into_owned(),
    };
    Ok(Ran {
        answer,
        out,
        rows: rows as u64,
        preview,
        engine,
    })
}

/// The job's SQL as a script, for teams who run it in their own notebooks.
pub fn emit_sql(lake: &Path, spec_text: &str, origin: &str, join: JoinForm) -> Result<String> {
    let spec = crate::trainset::spec::TrainsetSpec::from_toml(spec_text, origin)?;
    let job = compile(
        &spec,
        lake,
        Path::new("trainset.parquet"),
        Path::new("result.json"),
        join,
    )?;
    Ok(script(&job, join))
}

/// A population asked of Spark.
#[derive(Debug, Clone)]
pub struct SparkPopulationRequest {
    pub stream_type: String,
    pub at: crate::model::Micros,
    pub axis: Axis,
    pub view: crate::timeline::fold::View,
    /// The folder written: `population.parquet`.
    pub out: PathBuf,
    pub master: String,
    pub python: Option<PathBuf>,
    pub spark_submit: Option<PathBuf>,
    /// Spark settings (`KEY=VALUE`), passed with `--conf`.
    pub conf: Vec<String>,
    pub preview_rows: usize,
}

/// A population built on Spark: what the embedded engine reports, plus the engine.
#[derive(Debug, Clone, Serialize)]
pub struct SparkPopulationReport {
    #[serde(flatten)]
    pub population: crate::timeline::population::Population,
    pub engine: EngineInfo,
}

/// The population of a stream type at an instant, as Spark SQL over the lake's state changelogs:
/// every stream of the type whose history has a state in force at `at`, one column per top-level
/// field typed as the embedded engine types it (from the export's state shapes).
pub fn compile_population(
    shapes: &BTreeMap<String, String>,
    q: &SparkPopulationRequest,
    lake: &Path,
    out: &Path,
    result: &Path,
) -> Result<(SparkJob, Vec<crate::timeline::population::PopulationColumn>)> {
    let Some(shape) = shapes.get(&q.stream_type) else {
        let known: Vec<&str> = shapes
            .keys()
            .filter(|k| !k.is_empty())
            .map(String::as_str)
            .collect();
        return Err(Error::BadArgument {
            message: format!(
                "The export has no streams of type `{}`. Types in it: {}.",
                q.stream_type,
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
        });
    };
    let fields = crate::timeline::population::structure(shape)?;
    let mut columns = vec![crate::timeline::population::PopulationColumn {
        name: "stream_id".into(),
        r#type: "VARCHAR".into(),
    }];
    let mut select = vec!["stream_id".to_string()];
    for (name, ty) in &fields {
        let path = lit(&json_path(std::slice::from_ref(name)));
        let read = match ty.as_str() {
            "BIGINT" => format!("try_variant_get(js, {path}, 'bigint')"),
            "DOUBLE" => format!("try_variant_get(js, {path}, 'double')"),
            "BOOLEAN" => format!("try_variant_get(js, {path}, 'boolean')"),
            "VARCHAR" => format!("try_variant_get(js, {path}, 'string')"),
            // JSON text as the export wrote it (Spark's JSON functions re-serialize numbers).
            _ => format!("try_element_at(fields_json, {})", lit(name)),
        };
        select.push(format!("{read} AS {}", ident(name)));
        columns.push(crate::timeline::population::PopulationColumn {
            name: name.clone(),
            r#type: ty.clone(),
        });
    }
    let axis = match q.axis {
        Axis::Recorded => "recorded",
        Axis::Occurred => "occurred",
    };
    let view = match q.view {
        crate::timeline::fold::View::AsCorrected => "as_corrected",
        crate::timeline::fold::View::AsRecorded => "as_recorded",
    };
    let at = format!("timestamp_micros({})", q.at);
    let final_sql = format!(
        "SELECT {} FROM (
             SELECT stream_id, state, fields_json, parse_json(state) AS js FROM lake_states
             WHERE view = {} AND axis = {} AND stream_type = {}
               AND valid_from <= {at} AND (valid_to IS NULL OR {at} < valid_to) AND state IS NOT NULL)
         ORDER BY stream_id",
        select.join(", "),
        lit(view),
        lit(axis),
        lit(&q.stream_type),
    );
    let mut tables = BTreeMap::new();
    tables.insert("lake_states".to_string(), "states".to_string());
    Ok((
        SparkJob {
            name: "casefile population".into(),
            lake: lake.to_string_lossy().into_owned(),
            out: out.to_string_lossy().into_owned(),
            result: result.to_string_lossy().into_owned(),
            join: JoinForm::Portable,
            tables,
            steps: Vec::new(),
            final_sql,
            audits: BTreeMap::new(),
            paths: BTreeMap::new(),
        },
        columns,
    ))
}

/// The output file of a Spark population in its folder.
pub const POPULATION_OUTPUT: &str = "population.parquet";

/// Builds the population on Spark from the lake export at `lake`.
pub fn population(lake: &Path, q: &SparkPopulationRequest) -> Result<SparkPopulationReport> {
    let manifest = super::read_manifest(lake)?;
    let target = Target {
        out: &q.out,
        file: POPULATION_OUTPUT,
        master: &q.master,
        python: q.python.as_deref(),
        spark_submit: q.spark_submit.as_deref(),
        conf: &q.conf,
        preview_rows: q.preview_rows,
    };
    let mut columns = Vec::new();
    let ran = run_into(&target, |out, result| {
        let (job, cols) = compile_population(
            &manifest.shapes,
            q,
            &crate::store::absolute(lake),
            out,
            result,
        )?;
        columns = cols;
        Ok(job)
    })?;
    Ok(SparkPopulationReport {
        population: crate::timeline::population::Population {
            stream_type: q.stream_type.clone(),
            at: crate::model::format_micros(q.at),
            axis: q.axis,
            view: q.view,
            rows: ran.rows,
            columns,
            preview: ran.preview,
            out: Some(ran.out.to_string_lossy().into_owned()),
            saved: false,
        },
        engine: ran.engine,
    })
}
