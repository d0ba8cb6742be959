//! Point-in-time training sets: one row per example (a decision, or an event of some types), each
//! feature exactly as it was known at the example time, a label from what happened after, and a
//! leakage audit that says what a naive join would have put there instead.
//!
//! Semantics (the recorded axis, the default): a path feature is the entity's folded state (the
//! time machine's fold, corrections known then applied: one recorded after T is not) over the events with `recorded_at <= T`
//! and `occurred_at <= T`, in recorded order with ties by `seq`, so neither a value recorded later
//! nor one recorded early for a future instant reaches the row. A count feature counts the
//! entity's events of some types with axis time in `(T - window, T]` (and `occurred_at <= T`).
//! The label is the first label event on the entity's stream occurring after `T` (within the
//! window when one is given), with everything known now: labels are hindsight by definition.
//!
//! Unlike Feast's default point-in-time join, which picks the latest row by event timestamp and uses
//! the created timestamp only to break ties, nothing here is picked by when it happened alone: a value
//! that occurred before `T` but was recorded after it (a late bureau report, a late repayment) is not
//! in the row. The audit counts, per feature, the rows where that happened (`late_arriving`: the
//! value on the occurred axis with everything known now differs) and the rows a naive latest-state
//! join would have filled differently (`naive_differs`). For the label it counts outcomes recorded
//! after they occurred and, with `within`, those recorded only after the window closed (a model
//! trained then would not have had them).
//!
//! States come from the stored snapshots: one interval join for the short streams, the checkpoint
//! lookups in Rust for long ones, and a filtered fold for the few examples whose stream has an
//! event recorded before `T` that occurs after it.

pub mod spec;
pub mod starter;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use duckdb::Connection;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::inspect::SqlResult;
use crate::job::Job;
use crate::model::Axis;
use crate::store::sql::quote_ident;
use crate::timeline::fold::{self, View};
use crate::timeline::known;
use crate::timeline::rules::FoldRules;
use crate::timeline::snapshots::combo_bit;
use spec::{CheckedSpec, ExampleSource, FeatureKind};

/// What to build.
#[derive(Debug, Clone, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct TrainsetRequest {
    /// The spec's TOML text.
    pub spec: String,
    /// Where the spec came from, for errors ("file spec.toml").
    pub origin: String,
    /// Write the rows here (.parquet or .csv) and the manifest beside it (`FILE.manifest.json`).
    #[ts(type = "string | null")]
    pub out: Option<PathBuf>,
    #[ts(type = "number")]
    pub preview_rows: usize,
}

/// What a column of a training set is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum TrainsetRole {
    /// Identifies the example (`example_id`, `entity`, `example_time`).
    Key,
    Feature,
    Label,
    /// The events each example's features came from.
    Lineage,
}

/// One output column.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct TrainsetColumn {
    pub name: String,
    /// The DuckDB type (`JSON` text for nested values).
    pub r#type: String,
    pub role: TrainsetRole,
}

impl TrainsetColumn {
    pub(crate) fn new(name: &str, ty: &str, role: TrainsetRole) -> TrainsetColumn {
        TrainsetColumn {
            name: name.into(),
            r#type: ty.into(),
            role,
        }
    }

    /// The three key columns every training set starts with.
    pub(crate) fn keys() -> Vec<TrainsetColumn> {
        vec![
            TrainsetColumn::new("example_id", "VARCHAR", TrainsetRole::Key),
            TrainsetColumn::new("entity", "VARCHAR", TrainsetRole::Key),
            TrainsetColumn::new("example_time", "TIMESTAMP", TrainsetRole::Key),
        ]
    }

    /// The label's two columns.
    pub(crate) fn label() -> [TrainsetColumn; 2] {
        [
            TrainsetColumn::new("label", "VARCHAR", TrainsetRole::Label),
            TrainsetColumn::new("label_time", "TIMESTAMP", TrainsetRole::Label),
        ]
    }

    pub(crate) fn lineage() -> TrainsetColumn {
        TrainsetColumn::new("lineage", "VARCHAR[]", TrainsetRole::Lineage)
    }
}

/// The examples a spec asks for, in words ("decisions `model_version=v2`").
pub(crate) fn examples_in_words(examples: &ExampleSource) -> String {
    match examples {
        ExampleSource::Decisions(f) if f.is_empty() => "every decision".to_string(),
        ExampleSource::Decisions(f) => format!("decisions `{f}`"),
        ExampleSource::Events { event_types, .. } => {
            format!("events of type {}", event_types.join(", "))
        }
    }
}

/// What the audit found for one feature.
#[derive(Debug, Clone, Default, Serialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct FeatureLeakage {
    /// Rows a naive join (the entity's latest state; for counts, events by occurred time whenever
    /// recorded) would have filled differently.
    pub naive_differs: u64,
    /// Rows whose value would have been different with events that occurred before the example
    /// time but were recorded after it.
    pub late_arriving: u64,
    /// The first example ids (by example time) of late-arriving rows.
    pub late_examples: Vec<String>,
    /// The first example ids of rows the naive join gets wrong.
    pub naive_examples: Vec<String>,
}

/// What the audit found for the label: outcomes are hindsight, but one recorded late was not known
/// when its window closed.
#[derive(Debug, Clone, Default, Serialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct LabelAudit {
    /// Rows with a label.
    pub labelled: u64,
    /// Labels recorded after they occurred.
    pub recorded_late: u64,
    /// The longest delay between a label's occurring and its recording, in microseconds.
    pub max_delay_us: Option<i64>,
    /// With `within`: labels recorded after the window closed (example time + within), which a
    /// model trained when the window closed would not have had.
    pub after_window: Option<u64>,
    /// The first example ids (by example time) of labels recorded after the window closed, or,
    /// without a window, recorded late.
    pub late_examples: Vec<String>,
}

/// Where one column's values came from in time.
#[derive(Debug, Clone, Serialize, PartialEq, ts_rs::TS)]
#[ts(export)]
pub struct ColumnSource {
    pub name: String,
    /// The latest axis time (RFC 3339) of a source used in the column, when it used any.
    pub max_source_time: Option<String>,
    /// The largest (source time - example time) over the rows, in microseconds: never above 0.
    pub max_lead_us: Option<i64>,
}

/// The manifest written beside the output: enough to rebuild it and to check it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct TrainsetManifest {
    pub created_by: String,
    /// sha256 of the case's sources (in order) and its event count: the same case gives the same.
    pub case_fingerprint: String,
    pub spec: String,
    pub spec_sha256: String,
    pub axis: Axis,
    pub rows: u64,
    pub columns: Vec<TrainsetColumn>,
    pub sources: Vec<ColumnSource>,
    pub leakage: BTreeMap<String, FeatureLeakage>,
    pub label_audit: Option<LabelAudit>,
}

/// A training set built.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct TrainsetReport {
    pub rows: u64,
    pub columns: Vec<TrainsetColumn>,
    /// Per feature.
    pub leakage: BTreeMap<String, FeatureLeakage>,
    /// When the spec has a label.
    pub label_audit: Option<LabelAudit>,
    pub manifest: TrainsetManifest,
    pub preview: SqlResult,
    /// The file written, and its manifest.
    pub out: Option<String>,
    pub manifest_path: Option<String>,
}

fn quote_text(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn text_list(items: &[String]) -> String {
    items
        .iter()
        .map(|t| quote_text(t))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A JSON path for `json_extract` from path parts.
fn json_path(parts: &[String]) -> String {
    let mut p = "$".to_string();
    for part in parts {
        p += &format!(".\"{}\"", part.replace('"', "\\\""));
    }
    p
}

fn axis_column(axis: Axis) -> &'static str {
    match axis {
        Axis::Recorded => "recorded_at",
        Axis::Occurred => "occurred_at",
    }
}

/// Builds the examples table `ts_examples(ord, example_id, entity, t)`, ordered by (t, example_id).
fn examples(conn: &Connection, spec: &CheckedSpec) -> Result<u64> {
    match &spec.examples {
        ExampleSource::Decisions(filter) => {
            let q = crate::drift::cohort::parse(filter)?;
            let (filter, params) = crate::decisions::filter_sql(&q)?;
            let refs: Vec<&dyn duckdb::ToSql> = params.iter().map(|p| p.as_ref()).collect();
            conn.execute(
                &format!(
                    "CREATE OR REPLACE TEMP TABLE ts_examples AS
                     SELECT row_number() OVER (ORDER BY t, example_id) AS ord, * FROM (
                         SELECT d.event_id AS example_id, d.subject_id AS entity,
                                epoch_us(d.decided_at) AS t
                         FROM decisions d {filter})"
                ),
                refs.as_slice(),
            )?;
        }
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
                within += &format!(" AND {time} >= make_timestamp({from})");
            }
            if let Some(to) = to {
                within += &format!(" AND {time} <= make_timestamp({to})");
            }
            conn.execute_batch(&format!(
                "CREATE OR REPLACE TEMP TABLE ts_examples AS
                 SELECT row_number() OVER (ORDER BY t, example_id) AS ord, * FROM (
                     SELECT event_id AS example_id, stream_id AS entity, epoch_us({time}) AS t
                     FROM events WHERE event_type IN ({}){within})",
                text_list(event_types)
            ))?;
        }
    }
    Ok(conn.query_row("SELECT count(*) FROM ts_examples", [], |r| {
        r.get::<_, i64>(0)
    })? as u64)
}

/// Fills temp table `name(ord, pit, naive, src)` with, per example, the events of `event_types`
/// of its entity in the window before its time: `pit` those on `axis` in (t - window, t] (on the
/// recorded axis, only those that had also occurred by t), `naive` those by occurred time whatever
/// when recorded, `src` the latest axis time counted. Examples with no such events have no row.
///
/// Counted in Rust, a stream at a time, by binary search over its events in time order (joining
/// each example with each event of its window grew with the square of a busy stream).
fn window_counts(
    conn: &Connection,
    name: &str,
    event_types: &[String],
    window: i64,
    axis: Axis,
) -> Result<()> {
    let time = axis_column(axis);
    // The examples, by entity, on this connection (they are its temp table); the events on
    // another, both streamed and merged.
    let mut examples = conn.prepare(
        "SELECT entity, ord, t FROM ts_examples WHERE entity IS NOT NULL ORDER BY entity, t",
    )?;
    let mut examples = examples.query([])?;
    let reader = conn.try_clone()?;
    let mut events = reader.prepare(&format!(
        "SELECT stream_id, epoch_us({time}), epoch_us(occurred_at) FROM events
         WHERE event_type IN ({}) ORDER BY stream_id, {time}, occurred_at",
        text_list(event_types)
    ))?;
    let mut events = events.query([])?;
    let next_event = |rows: &mut duckdb::Rows<'_>| -> Result<Option<(String, i64, i64)>> {
        Ok(match rows.next()? {
            Some(r) => Some((r.get(0)?, r.get(1)?, r.get(2)?)),
            None => None,
        })
    };
    let mut pending = next_event(&mut events)?;
    // The current entity's events: axis times ascending, their occurred times, the occurred
    // times sorted, and (recorded axis) which were recorded before they occurred.
    let mut entity = String::new();
    let (mut times, mut occurred, mut by_occurred) = (Vec::new(), Vec::new(), Vec::new());
    let mut early: Vec<usize> = Vec::new();
    let mut out: Vec<(i64, i64, i64, Option<i64>)> = Vec::new();
    while let Some(r) = examples.next()? {
        let (e, ord, t): (String, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        if e != entity {
            entity = e;
            times.clear();
            occurred.clear();
            while let Some((stream, at, occ)) = pending.take() {
                match stream.as_str().cmp(entity.as_str()) {
                    std::cmp::Ordering::Less => {}
                    std::cmp::Ordering::Equal => {
                        times.push(at);
                        occurred.push(occ);
                    }
                    std::cmp::Ordering::Greater => {
                        pending = Some((stream, at, occ));
                        break;
                    }
                }
                pending = next_event(&mut events)?;
            }
            by_occurred.clone_from(&occurred);
            by_occurred.sort_unstable();
            early.clear();
            if axis == Axis::Recorded {
                early.extend((0..times.len()).filter(|&k| occurred[k] > times[k]));
            }
        }
        if times.is_empty() {
            continue;
        }
        let after = |list: &[i64], bound: i64| list.partition_point(|&v| v <= bound);
        let naive = (after(&by_occurred, t) - after(&by_occurred, t - window)) as i64;
        let (lo, hi) = (after(&times, t - window), after(&times, t));
        // Those in the window not yet occurred at t are among the few recorded early.
        let early_in =
            &early[early.partition_point(|&k| k < lo)..early.partition_point(|&k| k < hi)];
        let not_yet = early_in.iter().filter(|&&k| occurred[k] > t).count();
        let pit = (hi - lo - not_yet) as i64;
        let src = (lo..hi)
            .rev()
            .find(|&k| occurred[k] <= t || axis == Axis::Occurred)
            .map(|k| times[k]);
        if pit > 0 || naive > 0 {
            out.push((ord, pit, naive, src));
        }
    }
    drop(examples);
    conn.execute_batch(&format!(
        "CREATE OR REPLACE TEMP TABLE {name} (ord BIGINT, pit BIGINT, naive BIGINT, src BIGINT);"
    ))?;
    let mut appender = conn.appender(name)?;
    for (ord, pit, naive, src) in out {
        appender.append_row(duckdb::params![ord, pit, naive, src])?;
    }
    appender.flush()?;
    Ok(())
}

/// When the states of a table are taken.
#[derive(Clone, Copy)]
enum When {
    /// At each example's time.
    ExampleTime,
    /// Now: everything the case knows.
    Latest,
}

/// Fills temp table `name(ord, state, source_time, last_event_id)` with each example's entity
/// state on `axis` at `when`: stored exact snapshots by one interval join, checkpoints finished in
/// Rust, and (with `occurred_cap`) a filtered fold for examples whose stream has an event recorded
/// by the example time that occurs after it.
/// With `track` (dotted paths, for a time-to-live), every row is folded in Rust and `set_times`
/// holds when each path was last set.
fn states(
    conn: &Connection,
    rules: &FoldRules,
    name: &str,
    axis: Axis,
    when: When,
    occurred_cap: bool,
    track: &[String],
) -> Result<()> {
    let bit = combo_bit(View::AsCorrected, axis);
    let (from, to) = match axis {
        Axis::Recorded => ("rec_from", "rec_to"),
        Axis::Occurred => ("occ_from", "occ_to"),
    };
    let at = match when {
        When::ExampleTime => "x.t",
        When::Latest => "9223372036854775806",
    };
    let last = crate::timeline::snapshots::last_event_id_sql("s");
    // A short stream's exact states by an interval join. A long stream (stored as checkpoints)
    // is not joined: every example of it is folded in Rust below, so it only needs a row once
    // its first event is in (its checkpoints cover from then on). Joined, each example of a busy
    // stream was paired with each of its checkpoints before the interval was tested: 400 million
    // pairs per busy stream at 10M events, nine times that at 30M.
    conn.execute_batch(&format!(
        "CREATE OR REPLACE TEMP TABLE {name}_long AS
         SELECT stream_id, min({from}) AS first FROM snapshots
         WHERE combos & {bit} <> 0 AND NOT exact GROUP BY stream_id;
         CREATE OR REPLACE TEMP TABLE {name} AS
         SELECT x.ord, x.entity, {at} AS at, s.exact, s.state, s.{from} AS source_time, {last} AS last_event_id,
                NULL::BIGINT[] AS set_times
         FROM ts_examples x JOIN snapshots s
           ON s.stream_id = x.entity AND s.combos & {bit} <> 0 AND s.exact AND s.{from} <= {at} AND {at} < s.{to}
         UNION ALL
         SELECT x.ord, x.entity, {at}, false, NULL::VARCHAR, NULL::BIGINT, NULL::VARCHAR, NULL::BIGINT[]
         FROM ts_examples x JOIN {name}_long l ON l.stream_id = x.entity AND l.first <= {at};
         DROP TABLE {name}_long;"
    ))?;
    // Rows that need Rust: checkpoints of long streams, and (recorded axis) streams with an event
    // known before the example time that occurs after it.
    // Per entity, (ord, time) of each example to fold again; the streams are read in one pass
    // (one query per stream scans every event each time).
    let mut by_entity: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
    {
        // The stored states fold every event recorded by T, with every correction known now; the
        // events known at T differ when one was recorded by T but occurs after it, or when the
        // stream has corrections and not all its events were known at T.
        // Per stream, not per example: a correlated test per example joined each example of a
        // busy stream with each of its events (38,000 squared for one stream of a 1M-event case,
        // minutes and gigabytes). An example between a stream's first early-recorded event (one
        // recorded before it occurs) and the last time such an event occurs may have one known
        // early, so it is folded in Rust; the rest are exact as stored.
        let (streams, capped) = if occurred_cap {
            (
                format!(
                    "LEFT JOIN (SELECT stream_id, bool_or(corrects IS NOT NULL) AS corrected,
                         max(greatest(epoch_us(recorded_at), epoch_us(occurred_at))) AS all_known,
                         min(epoch_us(recorded_at)) FILTER (WHERE occurred_at > recorded_at) AS early_from,
                         max(epoch_us(occurred_at)) FILTER (WHERE occurred_at > recorded_at) AS early_to
                       FROM events WHERE stream_id IN (SELECT entity FROM {name}) GROUP BY stream_id) st
                     ON st.stream_id = s.entity"
                ),
                " OR (st.early_from <= s.at AND s.at < st.early_to) OR (st.corrected AND s.at < st.all_known)",
            )
        } else {
            (String::new(), "")
        };
        let which = if track.is_empty() {
            format!("WHERE NOT s.exact{capped}")
        } else {
            String::new()
        };
        let mut stmt = conn.prepare(&format!(
            "SELECT s.ord, s.entity, s.at FROM {name} s {streams} {which} ORDER BY s.entity, s.ord"
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (ord, entity, at) = row?;
            match by_entity.get_mut(&entity) {
                Some(list) => list.push((ord, at)),
                None => {
                    by_entity.insert(entity, vec![(ord, at)]);
                }
            }
        }
    }
    // The folds are staged in a table of their own and written back in one UPDATE (one UPDATE
    // per row rescans the table each time).
    conn.execute_batch(&format!(
        "CREATE OR REPLACE TEMP TABLE {name}_redo (ord BIGINT, state VARCHAR, source_time BIGINT,
                last_event_id VARCHAR, set_times VARCHAR);"
    ))?;
    // The streams are read on a second connection: appending on the one with a result open
    // fails once the appender flushes (past 2,048 rows). Each keeps its own TEMP table.
    let reader = conn.try_clone()?;
    reader.execute_batch(&format!(
        "CREATE OR REPLACE TEMP TABLE {name}_entities (entity VARCHAR);"
    ))?;
    {
        let mut appender = reader.appender(&format!("{name}_entities"))?;
        for entity in by_entity.keys() {
            appender.append_row([entity])?;
        }
    }
    let targets = crate::timeline::snapshots::correction_targets(conn)?;
    {
        // A busy stream is held in Rust while it is folded (385,000 events and their payloads at
        // 10M events, 1.15M at 30M): DuckDB keeps to half its share meanwhile (the whole share
        // peaked the process at 97% of the budget at 10M, three quarters at 113% at 30M).
        let _share = crate::store::SmallerShare::fraction(conn, 1, 2)?;
        let mut appender = conn.appender(&format!("{name}_redo"))?;
        crate::timeline::snapshots::for_each_stream(
            &reader,
            &format!("stream_id IN (SELECT entity FROM {name}_entities)"),
            &mut |entity, _, events| {
                let Some(examples) = by_entity.get(entity) else {
                    return Ok(());
                };
                let known_elsewhere = crate::timeline::snapshots::known_elsewhere(events, &targets);
                fold_examples(
                    events,
                    examples,
                    axis,
                    occurred_cap,
                    rules,
                    &known_elsewhere,
                    track,
                    &mut |i, r| {
                        let ord = examples[i].0;
                        let set_times = (!track.is_empty()).then(|| {
                            let items: Vec<String> = r
                                .set_times
                                .iter()
                                .map(|t| t.map_or("NULL".to_string(), |t| t.to_string()))
                                .collect();
                            format!("[{}]", items.join(", "))
                        });
                        appender.append_row(duckdb::params![
                            ord,
                            r.state.as_ref().map(|s| s.to_string()),
                            r.source_time,
                            r.last_event_id,
                            set_times,
                        ])?;
                        Ok(())
                    },
                )
            },
        )?;
        appender.flush()?;
    }
    conn.execute_batch(&format!(
        "UPDATE {name} SET exact = true, state = r.state, source_time = r.source_time,
                last_event_id = r.last_event_id, set_times = CAST(r.set_times AS BIGINT[])
         FROM {name}_redo r WHERE {name}.ord = r.ord;
         DROP TABLE {name}_redo;"
    ))?;
    reader.execute_batch(&format!("DROP TABLE {name}_entities;"))?;
    Ok(())
}

/// A state folded in Rust, with when each tracked path was last set.
#[derive(Debug, Clone, PartialEq)]
struct Tracked {
    state: fold::State,
    last_event_id: Option<String>,
    /// The axis time of the last event applied.
    source_time: Option<i64>,
    /// Per tracked path: when the last event that changed its value (or, a payload merged without
    /// a projection rule or a row change replacing the state, restated it) occurred; None when it
    /// has no value.
    set_times: Vec<Option<i64>>,
}

/// `fold::as_of`, a step at a time, noting when each of `paths` was last set.
#[derive(Clone)]
struct Tracking {
    state: fold::State,
    /// The last event stepped (an index into the events).
    last: Option<usize>,
    set_times: Vec<Option<i64>>,
}

impl Tracking {
    fn new(paths: &[String]) -> Self {
        Tracking {
            state: None,
            last: None,
            set_times: vec![None; paths.len()],
        }
    }

    fn step(
        &mut self,
        events: &[fold::FoldEvent],
        step: &fold::Step,
        rules: &FoldRules,
        paths: &[String],
    ) {
        let e = &events[step.index];
        self.last = Some(step.index);
        let Some(effect) = &step.effect else { return };
        if paths.is_empty() {
            fold::apply(&mut self.state, &step.effect_type, effect, rules);
            return;
        }
        let value_at = |state: &fold::State, path: &str| -> Option<serde_json::Value> {
            state
                .as_ref()
                .and_then(|s| fold::get_path(s, path))
                .filter(|v| !v.is_null())
                .cloned()
        };
        let before: Vec<Option<serde_json::Value>> =
            paths.iter().map(|p| value_at(&self.state, p)).collect();
        fold::apply(&mut self.state, &step.effect_type, effect, rules);
        for (k, path) in paths.iter().enumerate() {
            let after = value_at(&self.state, path);
            if after.is_none() {
                self.set_times[k] = None;
            } else if after != before[k] || fold::restates(rules, &step.effect_type, effect, path) {
                self.set_times[k] = Some(e.occurred);
            }
        }
    }

    fn tracked(&self, events: &[fold::FoldEvent], axis: Axis) -> Tracked {
        let last = self.last.map(|i| &events[i]);
        Tracked {
            state: self.state.clone(),
            last_event_id: last.map(|e| e.event_id.clone()),
            source_time: last.map(|e| e.time(axis)),
            set_times: self.set_times.clone(),
        }
    }
}

/// The state of one entity at each of its examples' times (`examples`: (ord, time)), handed to
/// `emit` with the example's index, in time order. With `occurred_cap`, of the events both
/// occurred and recorded by the time (what the system knew); otherwise of every event up to the
/// time on `axis`.
///
/// One pass in time order: the plan is made once and folded forward (folding the entity again for
/// each example made a busy entity quadratic). With `occurred_cap` the events known grow with
/// the time, and `timeline::known` keeps their fold up to date. States are handed on as they are
/// reached, never gathered: a busy entity's examples times its state would not fit.
#[allow(clippy::too_many_arguments)]
fn fold_examples(
    events: &[fold::FoldEvent],
    examples: &[(i64, i64)],
    axis: Axis,
    occurred_cap: bool,
    rules: &FoldRules,
    known_elsewhere: &std::collections::HashSet<String>,
    paths: &[String],
    emit: &mut dyn FnMut(usize, &Tracked) -> Result<()>,
) -> Result<()> {
    let mut order: Vec<usize> = (0..examples.len()).collect();
    order.sort_by_key(|&i| examples[i].1);
    if !occurred_cap {
        let steps = fold::plan(events, axis, View::AsCorrected, rules, known_elsewhere);
        let mut t = Tracking::new(paths);
        let mut next = 0;
        for i in order {
            let at = examples[i].1;
            while let Some(step) = steps.get(next).filter(|s| events[s.index].time(axis) <= at) {
                t.step(events, step, rules, paths);
                next += 1;
            }
            emit(i, &t.tracked(events, axis))?;
        }
        return Ok(());
    }
    // Examples at one time share a fold; the fold of what was known is kept up to date from one
    // time to the next.
    let mut times: Vec<i64> = order.iter().map(|&i| examples[i].1).collect();
    times.dedup();
    let mut next = 0;
    let mut failed = None;
    let mut hand_on = |at: i64, tracked: &Tracked| {
        if failed.is_some() {
            return;
        }
        while let Some(&i) = order.get(next).filter(|&&i| examples[i].1 == at) {
            if let Err(e) = emit(i, tracked) {
                failed = Some(e);
                return;
            }
            next += 1;
        }
    };
    if paths.is_empty() && known::merges_only(events, rules) {
        // Plain merge patches compose: corrections and late events cost a block, not a refold.
        known::fold_known_merged(
            events,
            rules,
            known_elsewhere,
            times.iter().copied(),
            known::MERGED_BLOCK,
            |at, state, last| {
                let tracked = Tracked {
                    state: state.clone(),
                    last_event_id: last.map(|i| events[i].event_id.clone()),
                    source_time: last.map(|i| events[i].time(axis)),
                    set_times: Vec::new(),
                };
                hand_on(at, &tracked);
            },
        );
    } else {
        known::fold_known(
            events,
            rules,
            known_elsewhere,
            times.iter().copied(),
            Tracking::new(paths),
            |t, step| t.step(events, step, rules, paths),
            |at, t| hand_on(at, &t.tracked(events, axis)),
        );
    }
    failed.map_or(Ok(()), Err)
}

/// Stands for a state table's list of path values in the SQL `path_column` returns.
const VALUES: &str = "\u{1}values";

/// The DuckDB type and the SQL that reads the `k`-th path value (1-based) of a state table's `v`
/// list as that type (with [`VALUES`] where the list goes), chosen from the JSON types the values
/// have in `table`.
fn path_column(conn: &Connection, table: &str, k: usize) -> Result<(String, String)> {
    let mut stmt = conn.prepare(&format!(
        "SELECT json_type(v[{k}]) AS t, count(*) FROM {table} WHERE v IS NOT NULL GROUP BY t"
    ))?;
    let types: Vec<String> = stmt
        .query_map([], |r| r.get::<_, Option<String>>(0))?
        .filter_map(|t| t.ok().flatten())
        .filter(|t| t != "NULL")
        .collect();
    let all =
        |allowed: &[&str]| !types.is_empty() && types.iter().all(|t| allowed.contains(&t.as_str()));
    let v = format!("{VALUES}[{k}]");
    Ok(if all(&["BIGINT", "UBIGINT"]) {
        ("BIGINT".into(), format!("TRY_CAST({v} AS BIGINT)"))
    } else if all(&["BIGINT", "UBIGINT", "DOUBLE"]) {
        ("DOUBLE".into(), format!("TRY_CAST({v} AS DOUBLE)"))
    } else if all(&["BOOLEAN"]) {
        ("BOOLEAN".into(), format!("TRY_CAST({v} AS BOOLEAN)"))
    } else if all(&["VARCHAR"]) || types.is_empty() {
        ("VARCHAR".into(), format!("json_extract_string({v}, '$')"))
    } else {
        ("JSON".into(), format!("CAST({v} AS VARCHAR)"))
    })
}

/// The first few example ids of rows matching `condition` over `ts_rows`.
fn first_examples(conn: &Connection, condition: &str) -> Result<(u64, Vec<String>)> {
    let n: i64 = conn.query_row(
        &format!("SELECT count(*) FROM ts_rows WHERE {condition}"),
        [],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(&format!(
        "SELECT example_id FROM ts_rows WHERE {condition} ORDER BY ord LIMIT 5"
    ))?;
    let ids = stmt
        .query_map([], |r| r.get(0))?
        .collect::<std::result::Result<Vec<String>, _>>()?;
    Ok((n as u64, ids))
}

/// What the case is: its sources and event count, hashed.
pub(crate) fn case_fingerprint(conn: &Connection) -> Result<String> {
    let (sources, events) = crate::store::sources_and_events(conn)?;
    Ok(crate::store::sql::sha256_text(&format!(
        "{sources}|{events}"
    )))
}

/// Builds the training set the spec describes (snapshots and, for decision examples, the decision
/// view must be current).
pub fn build(
    conn: &Connection,
    rules: &FoldRules,
    req: &TrainsetRequest,
    job: &Job,
) -> Result<TrainsetReport> {
    let _watch = job.watch(conn);
    // Busy streams are folded in Rust between statements that take DuckDB's whole share.
    let _returned = crate::store::memory::FreedMemoryReturned::start();
    let spec = spec::TrainsetSpec::from_toml(&req.spec, &req.origin)?;
    let out_format = match &req.out {
        Some(path) => Some(output_format(path)?),
        None => None,
    };
    let axis = spec.spec.axis;
    let phases = 4 + spec.features.len() as u64;
    let report = |phase: &str, done: u64| -> Result<()> {
        job.check()?;
        job.report(phase, done, phases);
        Ok(())
    };
    report("choosing the examples", 0)?;
    let n = examples(conn, &spec)?;
    if n == 0 {
        return Err(Error::BadArgument {
            message: format!(
                "The spec's examples ({}) match nothing in this case.",
                examples_in_words(&spec.examples)
            ),
        });
    }
    let paths: Vec<String> = spec
        .features
        .iter()
        .filter_map(|(_, k)| match k {
            FeatureKind::Path(parts) => Some(quote_text(&json_path(parts))),
            FeatureKind::Count { .. } => None,
        })
        .collect();
    let has_paths = !paths.is_empty();
    // With a time-to-live, when each path was last set decides whether its value is still live.
    let tracked: Vec<String> = match spec.ttl {
        Some(_) => spec
            .features
            .iter()
            .filter_map(|(_, k)| match k {
                FeatureKind::Path(parts) => Some(parts.join(".")),
                FeatureKind::Count { .. } => None,
            })
            .collect(),
        None => Vec::new(),
    };
    report("reading the states as of each example", 1)?;
    if has_paths {
        states(
            conn,
            rules,
            "ts_pit",
            axis,
            When::ExampleTime,
            axis == Axis::Recorded,
            &tracked,
        )?;
        // What was true then, with everything known now, and what the case knows now.
        report("reading the states for the audit", 1)?;
        states(
            conn,
            rules,
            "ts_true",
            Axis::Occurred,
            When::ExampleTime,
            false,
            &tracked,
        )?;
        states(
            conn,
            rules,
            "ts_now",
            Axis::Recorded,
            When::Latest,
            false,
            &[],
        )?;
        // Every path read in one parse of each state (`v`, one JSON value per path feature).
        for table in ["ts_pit", "ts_true", "ts_now"] {
            conn.execute_batch(&format!(
                "CREATE OR REPLACE TEMP TABLE {table} AS
                 SELECT * EXCLUDE (state), json_extract(state, [{}]) AS v FROM {table};",
                paths.join(", ")
            ))?;
        }
    }

    // One row per example: the keys, then per feature its value, the naive value and the value
    // with late arrivals, and its source time.
    let mut select = vec![
        "x.ord".to_string(),
        "x.example_id".into(),
        "x.entity".into(),
        "x.t".into(),
    ];
    let mut joins = Vec::new();
    let mut columns = TrainsetColumn::keys();
    if has_paths {
        joins.push("LEFT JOIN ts_pit p ON p.ord = x.ord LEFT JOIN ts_true o ON o.ord = x.ord LEFT JOIN ts_now w ON w.ord = x.ord".to_string());
        select.push("p.source_time AS pit_source".into());
        select.push("p.last_event_id AS pit_event".into());
    }
    for (i, (name, kind)) in spec.features.iter().enumerate() {
        report(&format!("feature {name}"), 2 + i as u64)?;
        match kind {
            FeatureKind::Path(_) => {
                let k = 1 + spec.features[..i]
                    .iter()
                    .filter(|(_, k)| matches!(k, FeatureKind::Path(_)))
                    .count();
                let (ty, read) = path_column(conn, "ts_pit", k)?;
                let on = |alias: &str| read.replace(VALUES, &format!("{alias}.v"));
                // A value set longer than the time-to-live before the example time is empty; the
                // naive join (the latest state) knows no example time.
                let live = |alias: &str| match spec.ttl {
                    Some(ttl) => format!(
                        "CASE WHEN x.t - {alias}.set_times[{k}] <= {ttl} THEN {} END",
                        on(alias)
                    ),
                    None => on(alias),
                };
                select.push(format!("{} AS f{i}", live("p")));
                select.push(format!("{} AS naive{i}", on("w")));
                select.push(format!("{} AS true{i}", live("o")));
                select.push(match spec.ttl {
                    Some(_) => format!("p.set_times[{k}] AS src{i}"),
                    None => format!("p.source_time AS src{i}"),
                });
                columns.push(TrainsetColumn {
                    name: name.clone(),
                    r#type: ty,
                    role: TrainsetRole::Feature,
                });
            }
            FeatureKind::Count {
                event_types,
                window,
            } => {
                window_counts(conn, &format!("ts_count{i}"), event_types, *window, axis)?;
                joins.push(format!("LEFT JOIN ts_count{i} c{i} ON c{i}.ord = x.ord"));
                select.push(format!("coalesce(c{i}.pit, 0) AS f{i}"));
                select.push(format!("coalesce(c{i}.naive, 0) AS naive{i}"));
                select.push(format!("coalesce(c{i}.naive, 0) AS true{i}"));
                select.push(format!("c{i}.src AS src{i}"));
                columns.push(TrainsetColumn {
                    name: name.clone(),
                    r#type: "BIGINT".into(),
                    role: TrainsetRole::Feature,
                });
            }
        }
    }
    report("finding the labels", 2 + spec.features.len() as u64)?;
    if let Some(label) = &spec.spec.label {
        let value = match &spec.label_path {
            None => "e.event_type".to_string(),
            Some(parts) => format!(
                "json_extract_string(e.payload, {})",
                quote_text(&json_path(parts))
            ),
        };
        let within = spec
            .label_within
            .map(|w| format!("WHERE l.label_time <= make_timestamp(x.t + {w})"))
            .unwrap_or_default();
        // The first outcome after each example time, by an ASOF join on the outcomes with the
        // first of each instant kept (joining each example with every later outcome of its
        // stream and ranking them grew with the square of a busy stream: 43 s and 3.4 GB for
        // three 38,000-event streams). The first after T, if past the window, is no label.
        conn.execute_batch(&format!(
            "CREATE OR REPLACE TEMP TABLE ts_outcomes AS
             SELECT e.stream_id, epoch_us(e.occurred_at) AS occ, {value} AS label,
                    e.occurred_at AS label_time, e.event_id AS label_event, e.recorded_at AS label_recorded
             FROM events e
             WHERE e.event_type IN ({types}) AND e.stream_id IN (SELECT entity FROM ts_examples)
             QUALIFY row_number() OVER (PARTITION BY e.stream_id, e.occurred_at ORDER BY e.recorded_at, e.seq) = 1;
             CREATE OR REPLACE TEMP TABLE ts_label AS
             SELECT x.ord, l.label, l.label_time, l.label_event, l.label_recorded
             FROM ts_examples x ASOF JOIN ts_outcomes l ON x.entity = l.stream_id AND x.t < l.occ
             {within};
             DROP TABLE ts_outcomes;",
            types = text_list(&label.event_types),
        ))?;
        joins.push("LEFT JOIN ts_label l ON l.ord = x.ord".into());
        select.push("l.label, l.label_time, l.label_event, l.label_recorded".into());
        columns.extend(TrainsetColumn::label());
    }
    report("joining the rows", 2 + spec.features.len() as u64)?;
    conn.execute_batch(&format!(
        "CREATE OR REPLACE TEMP TABLE ts_rows AS SELECT {} FROM ts_examples x {} ORDER BY x.ord;",
        select.join(", "),
        joins.join(" ")
    ))?;

    // The audit and the source times.
    report("auditing", 3 + spec.features.len() as u64)?;
    let mut leakage = BTreeMap::new();
    let mut sources = Vec::new();
    for (i, (name, _)) in spec.features.iter().enumerate() {
        let (naive_differs, naive_examples) =
            first_examples(conn, &format!("f{i} IS DISTINCT FROM naive{i}"))?;
        let (late_arriving, late_examples) = if axis == Axis::Recorded {
            first_examples(conn, &format!("f{i} IS DISTINCT FROM true{i}"))?
        } else {
            (0, Vec::new())
        };
        leakage.insert(
            name.clone(),
            FeatureLeakage {
                naive_differs,
                late_arriving,
                late_examples,
                naive_examples,
            },
        );
        let (max_source, max_lead): (Option<i64>, Option<i64>) = conn.query_row(
            &format!("SELECT max(src{i}), max(src{i} - t) FROM ts_rows WHERE f{i} IS NOT NULL"),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        sources.push(ColumnSource {
            name: name.clone(),
            max_source_time: max_source.map(crate::model::format_micros),
            max_lead_us: max_lead,
        });
    }

    let label_audit = match &spec.spec.label {
        Some(_) => {
            let (labelled, max_delay_us): (i64, Option<i64>) = conn.query_row(
                "SELECT count(label_event), max(epoch_us(label_recorded) - epoch_us(label_time))
                 FROM ts_rows",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let (recorded_late, late_ids) = first_examples(conn, "label_recorded > label_time")?;
            let (after_window, late_examples) = match spec.label_within {
                Some(w) => {
                    let (n, ids) = first_examples(
                        conn,
                        &format!("label_event IS NOT NULL AND epoch_us(label_recorded) > t + {w}"),
                    )?;
                    (Some(n), ids)
                }
                None => (None, late_ids),
            };
            Some(LabelAudit {
                labelled: labelled as u64,
                recorded_late,
                max_delay_us: max_delay_us.filter(|d| *d > 0),
                after_window,
                late_examples,
            })
        }
        None => None,
    };

    // The output table, in example order.
    let mut out_select = vec![
        "example_id".to_string(),
        "entity".into(),
        "make_timestamp(t) AS example_time".into(),
    ];
    for (i, (name, _)) in spec.features.iter().enumerate() {
        out_select.push(format!("f{i} AS {}", quote_ident(name)));
    }
    if spec.spec.label.is_some() {
        out_select.push("label".into());
        out_select.push("label_time".into());
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
            "list_filter([{}], lambda x: x IS NOT NULL) AS lineage",
            if ids.is_empty() {
                "NULL::VARCHAR".to_string()
            } else {
                ids.join(", ")
            }
        ));
        columns.push(TrainsetColumn::lineage());
    }
    conn.execute_batch(&format!(
        "CREATE OR REPLACE TEMP TABLE trainset AS SELECT {} FROM ts_rows ORDER BY ord;",
        out_select.join(", ")
    ))?;
    let preview = crate::inspect::sql(
        conn,
        &format!("SELECT * FROM trainset LIMIT {}", req.preview_rows),
        req.preview_rows,
    )?;
    let manifest = TrainsetManifest {
        created_by: format!("casefile {}", env!("CARGO_PKG_VERSION")),
        case_fingerprint: case_fingerprint(conn)?,
        spec: req.spec.clone(),
        spec_sha256: crate::store::sql::sha256_text(&req.spec),
        axis,
        rows: n,
        columns: columns.clone(),
        sources,
        leakage: leakage.clone(),
        label_audit: label_audit.clone(),
    };
    let (out, manifest_path) = match (&req.out, out_format) {
        (Some(path), Some(format)) => {
            // Written beside the file and renamed: a cancelled or failed build leaves no half file.
            let partial = crate::store::partial_path(path);
            let text = partial.to_string_lossy().replace('\'', "''");
            let written = conn
                .execute_batch(&format!("COPY trainset TO '{text}' ({format});"))
                .map_err(|e| Error::BadArgument {
                    message: format!("Cannot write {}: {e}", path.display()),
                })
                .and_then(|_| job.check())
                .and_then(|_| Ok(std::fs::rename(&partial, path)?));
            if let Err(e) = written {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
            let mpath = manifest_path_for(path);
            let body = serde_json::to_string_pretty(&manifest).map_err(|e| Error::Analysis {
                cause: e.to_string(),
            })? + "\n";
            std::fs::write(&mpath, body)?;
            (
                Some(crate::store::absolute(path).to_string_lossy().to_string()),
                Some(crate::store::absolute(&mpath).to_string_lossy().to_string()),
            )
        }
        _ => (None, None),
    };
    Ok(TrainsetReport {
        rows: n,
        columns,
        leakage,
        label_audit,
        manifest,
        preview,
        out,
        manifest_path,
    })
}

/// `FILE.manifest.json` beside the output.
pub fn manifest_path_for(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".manifest.json");
    PathBuf::from(name)
}

fn output_format(path: &Path) -> Result<&'static str> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("parquet") => Ok("FORMAT parquet"),
        Some("csv") => Ok("FORMAT csv, HEADER true"),
        _ => Err(Error::BadArgument {
            message: format!(
                "Cannot tell what to write from the name {}; end it in .parquet or .csv.",
                path.display()
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: each example's events folded on their own, as the training set did before.
    fn one_by_one(
        events: &[fold::FoldEvent],
        examples: &[(i64, i64)],
        axis: Axis,
        occurred_cap: bool,
        rules: &FoldRules,
        known_elsewhere: &std::collections::HashSet<String>,
        paths: &[String],
    ) -> Vec<Tracked> {
        examples
            .iter()
            .map(|&(_, at)| {
                let kept: Vec<fold::FoldEvent> = events
                    .iter()
                    .filter(|e| !occurred_cap || (e.occurred <= at && e.recorded <= at))
                    .cloned()
                    .collect();
                let steps = fold::plan(&kept, axis, View::AsCorrected, rules, known_elsewhere);
                let mut t = Tracking::new(paths);
                for step in steps.iter().take_while(|s| kept[s.index].time(axis) <= at) {
                    t.step(&kept, step, rules, paths);
                }
                t.tracked(&kept, axis)
            })
            .collect()
    }

    #[test]
    fn folding_an_entitys_examples_in_one_pass_gives_each_the_state_folding_it_alone_gives() {
        let dir = tempfile::tempdir().unwrap();
        // Two busy entities among 200, with late corrections, retractions, events recorded before
        // they occur and ties at one instant.
        let case = crate::generate::busy_case(dir.path(), 10_000, 200, 9, 30);
        let conn = &case.conn;
        let rules = crate::timeline::load_rules(conn).unwrap();
        let targets = crate::timeline::snapshots::correction_targets(conn).unwrap();
        let paths = ["credit_score".to_string(), "annual_income".to_string()];
        let (mut compared, mut busiest) = (0, 0);
        crate::timeline::snapshots::for_each_stream(conn, "", &mut |_, _, events| {
            let known_elsewhere = crate::timeline::snapshots::known_elsewhere(events, &targets);
            // Examples at each event's two times, just before them, and between: unsorted, with
            // repeats, as a training set's examples come.
            let mut examples = Vec::new();
            for (k, e) in events.iter().enumerate().take(120) {
                for at in [
                    e.occurred,
                    e.recorded,
                    e.occurred - 1,
                    (e.occurred + e.recorded) / 2,
                ] {
                    examples.push((examples.len() as i64, at));
                }
                if k % 7 == 0 {
                    examples.push((examples.len() as i64, e.recorded));
                }
            }
            examples.reverse();
            busiest = busiest.max(events.len());
            for (axis, cap, track) in [
                (Axis::Recorded, true, &paths[..]),
                // No paths tracked and no projection rules: composed merge patches.
                (Axis::Recorded, true, &[][..]),
                (Axis::Occurred, false, &paths[..]),
                (Axis::Recorded, false, &[][..]),
            ] {
                let mut swept: Vec<Option<Tracked>> = vec![None; examples.len()];
                let mut last_time = i64::MIN;
                fold_examples(
                    events,
                    &examples,
                    axis,
                    cap,
                    &rules,
                    &known_elsewhere,
                    track,
                    &mut |i, t| {
                        assert!(examples[i].1 >= last_time, "states come in time order");
                        last_time = examples[i].1;
                        assert!(
                            swept[i].replace(t.clone()).is_none(),
                            "one state per example"
                        );
                        Ok(())
                    },
                )
                .unwrap();
                let swept: Vec<Tracked> = swept
                    .into_iter()
                    .map(|t| t.expect("a state for every example"))
                    .collect();
                let alone = one_by_one(
                    events,
                    &examples,
                    axis,
                    cap,
                    &rules,
                    &known_elsewhere,
                    track,
                );
                assert_eq!(swept, alone, "{axis:?} occurred_cap {cap}");
                compared += swept.len();
            }
            Ok(())
        })
        .unwrap();
        assert!(busiest > 1_000, "{busiest}");
        assert!(compared > 5_000, "{compared}");
    }

    #[test]
    fn states_at_example_times_are_each_examples_own_fold_in_short_and_long_streams() {
        let dir = tempfile::tempdir().unwrap();
        let case = crate::generate::busy_case(dir.path(), 6_000, 150, 11, 30);
        // Dense rows for short streams, checkpoints for the rest: both kinds of stored row.
        case.rebuild_snapshots(
            crate::timeline::snapshots::SnapshotPolicy {
                dense_limit: 24,
                every: 8,
                paged_from: 20_000,
            },
            &|_| {},
        )
        .unwrap();
        let conn = &case.conn;
        let rules = crate::timeline::load_rules(conn).unwrap();
        let targets = crate::timeline::snapshots::correction_targets(conn).unwrap();
        // Examples at each event's two times, a microsecond either side and before the first
        // event; events sharing an instant make empty intervals the join must pass over.
        // Per stream: its id, its events and its examples (ord, time).
        type Examples = (String, Vec<fold::FoldEvent>, Vec<(i64, i64)>);
        let mut by_stream: Vec<Examples> = Vec::new();
        let mut ord = 0i64;
        let (mut ties, mut longest) = (0, 0);
        crate::timeline::snapshots::for_each_stream(conn, "", &mut |stream, _, events| {
            let mut examples = Vec::new();
            // A busy stream's examples thinned: the reference folds it whole for each.
            let every = (events.len() / 80).max(1);
            for e in events.iter().step_by(every) {
                for at in [
                    e.recorded,
                    e.occurred,
                    e.recorded - 1,
                    e.occurred + 1,
                    e.occurred.min(e.recorded) - 1_000_000,
                ] {
                    ord += 1;
                    examples.push((ord, at));
                }
            }
            let mut times: Vec<i64> = events.iter().map(|e| e.recorded).collect();
            times.sort();
            ties += times.windows(2).filter(|w| w[0] == w[1]).count();
            longest = longest.max(events.len());
            by_stream.push((stream.to_string(), events.to_vec(), examples));
            Ok(())
        })
        .unwrap();
        assert!(ties > 0, "events that share a recorded instant");
        assert!(longest > 24, "a stream stored as checkpoints");
        conn.execute_batch("CREATE TEMP TABLE ts_examples (ord BIGINT, entity VARCHAR, t BIGINT);")
            .unwrap();
        {
            let mut appender = conn.appender("ts_examples").unwrap();
            for (stream, _, examples) in &by_stream {
                for (ord, at) in examples {
                    appender
                        .append_row(duckdb::params![ord, stream, at])
                        .unwrap();
                }
            }
        }
        for (axis, cap) in [
            (Axis::Recorded, false),
            (Axis::Recorded, true),
            (Axis::Occurred, false),
        ] {
            states(conn, &rules, "ts_check", axis, When::ExampleTime, cap, &[]).unwrap();
            let mut stmt = conn
                .prepare("SELECT ord, state, source_time, last_event_id FROM ts_check")
                .unwrap();
            let mut found: std::collections::HashMap<i64, Tracked> = Default::default();
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, Option<i64>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                    ))
                })
                .unwrap();
            for row in rows {
                let (ord, state, source_time, last_event_id) = row.unwrap();
                let tracked = Tracked {
                    state: state.map(|s| serde_json::from_str(&s).unwrap()),
                    last_event_id,
                    source_time,
                    set_times: Vec::new(),
                };
                assert!(
                    found.insert(ord, tracked).is_none(),
                    "one row for example {ord}"
                );
            }
            let mut before_any = 0;
            for (stream, events, examples) in &by_stream {
                let known_elsewhere = crate::timeline::snapshots::known_elsewhere(events, &targets);
                let alone = one_by_one(events, examples, axis, cap, &rules, &known_elsewhere, &[]);
                for ((ord, at), expected) in examples.iter().zip(alone) {
                    match found.remove(ord) {
                        Some(got) => {
                            assert_eq!(got, expected, "{stream} at {at} on {axis:?}, {cap}")
                        }
                        None => {
                            assert_eq!(
                                expected.last_event_id, None,
                                "{stream} at {at} on {axis:?}"
                            );
                            before_any += 1;
                        }
                    }
                }
            }
            assert!(found.is_empty(), "rows for examples that were not asked");
            assert!(before_any > 0, "examples before a stream's first event");
        }
    }
}
