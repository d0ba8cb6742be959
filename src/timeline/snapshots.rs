//! Stored states: the time machine's checkpoints, so an as-of is a lookup instead of a fold.
//!
//! For each stream and each (view, axis) the fold's plan is computed once (`fold::plan`); plans that
//! are equal (no corrections, recording in occurred order: the usual case) are stored once with a
//! bitmask of the combinations they serve (`combos`). Then:
//!
//! - a stream with at most `dense_limit` events gets a snapshot after every event, each `exact` over
//!   its interval `[time of the event, time of the next)`, so one as-of and the whole population as-of
//!   are interval lookups with no fold at all;
//! - a longer stream gets a checkpoint every `every` events plus its resolved plan in `plan_steps`, so an
//!   as-of folds at most `every - 1` steps onto a checkpoint (O(N), not O(stream length)).
//!
//! With the index, a one-stream lookup reads two columns (`record`, `state`) of the stream's rows and
//! picks in Rust, or for a long stream finds its row among intervals held in memory and reads that
//! row alone (see `SnapRecord` for why); without it, it filters by stream id in SQL. The other
//! columns serve the SQL readers and the index.
//!
//! Snapshots are derived data: built on demand, tagged with what they were built from (rules
//! fingerprint, sources, events) and rebuilt when that changes.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use duckdb::arrow::array::{
    Array, ArrayRef, BooleanBuilder, Int32Builder, Int64Array, Int64Builder, StringArray,
    StringBuilder, UInt8Builder,
};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::Connection;
use serde_json::{Map, Value};

use super::fold::{self, FoldEvent, Payload, State, View};
use super::rules::FoldRules;
use crate::error::{Error, Result};
use crate::model::Axis;
use crate::model::Micros;
use crate::store::columns::{ints, strings, text_at};

/// How densely states are stored.
#[derive(Debug, Clone, Copy)]
pub struct SnapshotPolicy {
    /// Streams with at most this many events get a snapshot after every event.
    pub dense_limit: usize,
    /// Longer streams get a checkpoint every this many events.
    pub every: usize,
    /// Streams with more events than this are never held whole: their payloads are read in the
    /// order of each plan as it is written (a busy account or a model's own stream can hold
    /// millions).
    pub paged_from: usize,
}

impl Default for SnapshotPolicy {
    fn default() -> Self {
        SnapshotPolicy {
            dense_limit: 256,
            every: 64,
            paged_from: 20_000,
        }
    }
}

/// The bit of `combos` for one (view, axis).
pub fn combo_bit(view: View, axis: Axis) -> u8 {
    match (view, axis) {
        (View::AsCorrected, Axis::Recorded) => 1,
        (View::AsCorrected, Axis::Occurred) => 2,
        (View::AsRecorded, Axis::Recorded) => 4,
        (View::AsRecorded, Axis::Occurred) => 8,
    }
}

const COMBOS: [(View, Axis); 4] = [
    (View::AsCorrected, Axis::Recorded),
    (View::AsCorrected, Axis::Occurred),
    (View::AsRecorded, Axis::Recorded),
    (View::AsRecorded, Axis::Occurred),
];
const RECORDED_BITS: u8 = 1 | 4;
const OCCURRED_BITS: u8 = 2 | 8;
const OPEN_END: i64 = i64::MAX;
const BUILT_KEY: &str = "snapshots_built_from";

/// What the stored snapshots must have been built from to be current.
pub fn current_key(conn: &Connection, rules: &FoldRules) -> Result<String> {
    let (sources, max_source, events): (i64, i64, i64) = conn.query_row(
        "SELECT (SELECT count(*) FROM sources), (SELECT coalesce(max(source_id), 0) FROM sources), (SELECT count(*) FROM events)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    Ok(format!(
        "{}/{sources}/{max_source}/{events}",
        rules.fingerprint()
    ))
}

/// The key the stored snapshots were built from, if any.
pub fn built_key(conn: &Connection) -> Result<Option<String>> {
    Ok(crate::store::meta::get(conn, BUILT_KEY))
}

/// One stored row, handed straight to the Arrow builders.
struct SnapRow<'a> {
    combos: u8,
    step: i32,
    exact: bool,
    rec: Option<(i64, i64)>,
    occ: Option<(i64, i64)>,
    seen: i32,
    applied: i32,
    /// The stream has stream_versions (else `version` counts events).
    versioned: bool,
    version: Option<i64>,
    last_event_id: Option<&'a str>,
    state: &'a State,
}

struct StepRow<'a> {
    combos: u8,
    step: i32,
    rec_at: Option<i64>,
    occ_at: Option<i64>,
    event_id: &'a str,
    stream_version: Option<i64>,
    effect_type: &'a str,
    effect: Option<&'a Value>,
}

/// What a one-stream as-of needs of a stored state, kept as one JSON array in `snapshots.record`
/// (beside the state): a lookup then reads two columns of the stream's rows and picks in Rust. Each
/// column a lookup reads costs a block read and a decompression when its rows are not in memory;
/// reading eleven columns, with the time filter in SQL, a cold lookup at 30M events took 9-15 ms.
/// The array: `[combos, step, exact, rec_from, rec_to, occ_from, occ_to, seen, applied,
/// versioned, version, last_event_id]`.
type SnapRecord = (
    u8,
    i32,
    bool,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    i32,
    i32,
    bool,
    Option<i64>,
    Option<String>,
);

/// Whether a stored state serving `combos`, valid over `rec` and `occ` (`[from, to)` on each
/// axis, None where it does not serve the axis), answers an as-of at `at` on `axis` for `bit`.
fn answers(
    combos: u8,
    rec: (Option<i64>, Option<i64>),
    occ: (Option<i64>, Option<i64>),
    bit: u8,
    axis: Axis,
    at: Micros,
) -> bool {
    let (from, to) = match axis {
        Axis::Recorded => rec,
        Axis::Occurred => occ,
    };
    combos & bit != 0 && matches!((from, to), (Some(f), Some(t)) if f <= at && at < t)
}

/// One step of a plan as `plan_steps.record` keeps it: `[rec_at, occ_at, stream_version,
/// event_id, effect_type, effect]`, the effect inline as JSON in an array of one (`[null]` is an
/// effect that sets null, `null` none). Read raw, then parsed on its own: nested inside the record,
/// a payload near serde_json's depth limit would otherwise fail the whole record.
type StepRecord = (
    Option<i64>,
    Option<i64>,
    Option<i64>,
    String,
    String,
    Option<(Box<serde_json::value::RawValue>,)>,
);

/// The SQL for a snapshot row's `last_event_id` (`s` the row's table alias).
pub fn last_event_id_sql(alias: &str) -> String {
    format!("json_extract_string({alias}.record, '$[11]')")
}

/// Running counters of a fold, as stored with each snapshot.
#[derive(Default, Clone)]
struct Progress<'a> {
    seen: i32,
    applied: i32,
    version: Option<i64>,
    last: Option<&'a str>,
}

/// The distinct plans a stream needs, each with the combinations (view, axis) it serves. Most
/// streams need one: no corrections or skipped events (both views agree) and recorded in the order
/// things occurred (both axes agree). Beyond those shortcuts a combination's plan (`make`) joins a
/// listed one that is the `same`.
fn distinct_plans<T>(
    events: &[FoldEvent],
    make: &mut dyn FnMut(View, Axis) -> T,
    same: &dyn Fn(&T, &T) -> bool,
) -> Vec<(u8, T)> {
    let views_agree = events.iter().all(|e| e.corrects.is_none() && !e.skipped);
    let axes_agree = {
        let mut by_recorded: Vec<usize> = (0..events.len()).collect();
        by_recorded.sort_by_key(|&i| (events[i].recorded, events[i].seq));
        let mut by_occurred = by_recorded.clone();
        by_occurred.sort_by_key(|&i| (events[i].occurred, events[i].seq));
        by_recorded == by_occurred
    };
    let mut plans: Vec<(u8, T)> = Vec::new();
    for (view, axis) in COMBOS {
        let twin = if views_agree && view == View::AsRecorded {
            Some(combo_bit(View::AsCorrected, axis))
        } else if axes_agree && axis == Axis::Occurred {
            Some(combo_bit(view, Axis::Recorded))
        } else {
            None
        };
        if let Some((bits, _)) = twin.and_then(|t| plans.iter_mut().find(|(b, _)| b & t != 0)) {
            *bits |= combo_bit(view, axis);
            continue;
        }
        let plan = make(view, axis);
        match plans.iter_mut().find(|(_, p)| same(p, &plan)) {
            Some((bits, _)) => *bits |= combo_bit(view, axis),
            None => plans.push((combo_bit(view, axis), plan)),
        }
    }
    plans
}

/// Writes the snapshots (and, for long streams, plan steps) of one stream whose events, payloads
/// and all, are in memory.
fn stream_rows(
    stream: &str,
    stream_type: Option<&str>,
    events: &[FoldEvent],
    rules: &FoldRules,
    known_elsewhere: &HashSet<String>,
    policy: SnapshotPolicy,
    writer: &mut Writer,
) -> Result<()> {
    let plans = distinct_plans(
        events,
        &mut |view, axis| fold::plan(events, axis, view, rules, known_elsewhere),
        &|p, q| {
            p.len() == q.len()
                && p.iter().zip(q).all(|(a, b)| {
                    a.index == b.index && a.effect == b.effect && a.effect_type == b.effect_type
                })
        },
    );
    for (combos, steps) in plans {
        let order: Vec<usize> = steps.iter().map(|s| s.index).collect();
        let target = PlanTarget {
            stream,
            stream_type,
            events,
            order: &order,
            combos,
        };
        write_plan(&target, rules, policy, writer, &mut |each| {
            steps.iter().try_for_each(&mut *each)
        })?;
    }
    writer.flush_if_full()
}

/// Writes the snapshots of a stream too long to hold whole (more than `policy.paged_from`
/// events): its events are read without payloads (but for corrections', which amend others),
/// and each plan's payloads are read in the plan's order as it is written, so memory holds one
/// page of payloads and the fold's state, not the stream. Plans are not compared step by step
/// (that would hold them), so a stream with corrections may store an equal plan twice.
fn paged_stream_rows(
    conn: &Connection,
    stream: &str,
    stream_type: Option<&str>,
    rules: &FoldRules,
    known_elsewhere: &HashSet<String>,
    policy: SnapshotPolicy,
    writer: &mut Writer,
) -> Result<()> {
    let events = light_events(conn, stream)?;
    let mut corrections = fold::Corrections::new(&events, known_elsewhere);
    for i in 0..events.len() {
        corrections.add(i);
    }
    let plans = distinct_plans(&events, &mut |view, axis| (view, axis), &|_, _| false);
    for (combos, (view, axis)) in plans {
        let mut order: Vec<usize> = (0..events.len()).collect();
        order.sort_by_key(|&i| (events[i].time(axis), events[i].seq));
        let time = match axis {
            Axis::Recorded => "recorded_at",
            Axis::Occurred => "occurred_at",
        };
        let mut stmt = conn.prepare(&format!(
            "SELECT seq, payload::VARCHAR FROM events WHERE stream_id = ? ORDER BY epoch_us({time}), seq"
        ))?;
        let target = PlanTarget {
            stream,
            stream_type,
            events: &events,
            order: &order,
            combos,
        };
        write_plan(&target, rules, policy, writer, &mut |each| {
            let mut k = 0usize;
            for batch in stmt.stream_arrow([stream])? {
                let batch = batch?;
                let seq = ints(&batch, 0)?;
                let payload = strings(&batch, 1)?;
                for r in 0..batch.num_rows() {
                    let i = *order.get(k).ok_or_else(|| changed_while_built(stream))?;
                    if events[i].seq != seq.value(r) {
                        return Err(changed_while_built(stream));
                    }
                    let value = if payload.is_null(r) {
                        Value::Null
                    } else {
                        serde_json::from_str(payload.value(r)).unwrap_or(Value::Null)
                    };
                    each(&corrections.step_owned(i, value, view, rules))?;
                    k += 1;
                }
            }
            if k == order.len() {
                Ok(())
            } else {
                Err(changed_while_built(stream))
            }
        })?;
    }
    writer.flush_if_full()
}

/// A stream's events in `seq` order as the fold plans them, without their payloads but for
/// corrections' (which amend other events' payloads): what planning a stream too long to hold
/// whole needs. Empty for an unknown stream.
pub fn light_events(conn: &Connection, stream: &str) -> Result<Vec<FoldEvent>> {
    let mut events = Vec::new();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {}, CASE WHEN corrects IS NOT NULL THEN payload::VARCHAR END
         FROM events WHERE stream_id = ? ORDER BY seq",
        fold_columns()
    ))?;
    for batch in stmt.stream_arrow([stream])? {
        let columns = EventColumns::of(&batch?, 0)?;
        events.extend((0..columns.rows).map(|r| columns.event(r)));
    }
    Ok(events)
}

/// The stored state of `stream` after the most steps, at most `steps`, of its plan in `view` on
/// `axis`: (steps, state); (0, no state) when none is stored. For reading a history from the
/// middle without folding what comes before.
pub fn stored_at_or_before(
    conn: &Connection,
    stream: &str,
    view: View,
    axis: Axis,
    steps: usize,
) -> Result<(usize, State)> {
    let row: Option<(i32, Option<String>)> = conn
        .prepare_cached(
            "SELECT step, state FROM snapshots WHERE stream_id = ? AND combos & ? <> 0 AND step <= ?
             ORDER BY step DESC LIMIT 1",
        )?
        .query_row(
            duckdb::params![stream, combo_bit(view, axis), steps as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .ok();
    Ok(match row {
        Some((step, state)) => (
            step as usize,
            state.map(|s| serde_json::from_str(&s).unwrap_or(Value::Null)),
        ),
        None => (0, None),
    })
}

fn changed_while_built(stream: &str) -> Error {
    Error::Query {
        cause: format!(
            "snapshot build: the events of stream {stream} read in a different order the second time; \
             the case changed during the build"
        ),
    }
}

/// One plan of one stream, to be written.
struct PlanTarget<'a> {
    stream: &'a str,
    stream_type: Option<&'a str>,
    events: &'a [FoldEvent],
    /// The event (index into `events`) of each step, in the plan's order.
    order: &'a [usize],
    combos: u8,
}

/// Hands each step of a plan, in order, to the function it is given.
type StepSource<'s> = dyn FnMut(&mut dyn FnMut(&fold::Step) -> Result<()>) -> Result<()> + 's;

/// Writes one plan's snapshots (after every step for a dense stream, else a checkpoint every
/// `policy.every` steps and every step in `plan_steps`), folding the steps `steps` hands over.
fn write_plan(
    target: &PlanTarget,
    rules: &FoldRules,
    policy: SnapshotPolicy,
    writer: &mut Writer,
    steps: &mut StepSource,
) -> Result<()> {
    let PlanTarget {
        stream,
        stream_type,
        events,
        order,
        combos,
    } = *target;
    let has_versions = events.iter().any(|e| e.stream_version.is_some());
    let dense = events.len() <= policy.dense_limit;
    let every = policy.every.max(1);
    let on_rec = combos & RECORDED_BITS != 0;
    let on_occ = combos & OCCURRED_BITS != 0;
    let rec_time = |i: usize| order.get(i).map_or(OPEN_END, |&e| events[e].recorded);
    let occ_time = |i: usize| order.get(i).map_or(OPEN_END, |&e| events[e].occurred);
    let mut state: State = None;
    let mut p = Progress::default();
    let emit = |writer: &mut Writer, k: usize, state: &State, p: &Progress, exact: bool| {
        // Valid from the k-th step (the first for the empty checkpoint) until the next snapshot's.
        let from = k.max(1) - 1;
        let until = if exact { k } else { k + every - 1 };
        let row = SnapRow {
            combos,
            step: k as i32,
            exact,
            rec: on_rec.then(|| (rec_time(from), rec_time(until))),
            occ: on_occ.then(|| (occ_time(from), occ_time(until))),
            seen: p.seen,
            applied: p.applied,
            versioned: has_versions,
            version: if has_versions {
                p.version
            } else {
                Some(p.seen as i64)
            },
            last_event_id: p.last,
            state,
        };
        writer.snapshot(stream, stream_type, &row);
    };
    if !dense {
        emit(writer, 0, &state, &p, false);
    }
    let mut k = 0usize;
    steps(&mut |step| {
        let e = &events[step.index];
        p.seen += 1;
        p.last = Some(&e.event_id);
        p.version = match (p.version, e.stream_version) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if let Some(effect) = &step.effect {
            fold::apply(&mut state, &step.effect_type, effect, rules);
            p.applied += 1;
        }
        k += 1;
        if dense {
            emit(writer, k, &state, &p, true);
        } else {
            writer.step(
                stream,
                &StepRow {
                    combos,
                    step: k as i32,
                    rec_at: on_rec.then_some(e.recorded),
                    occ_at: on_occ.then_some(e.occurred),
                    event_id: &e.event_id,
                    stream_version: e.stream_version,
                    effect_type: &step.effect_type,
                    effect: step.effect.as_ref(),
                },
            );
            if k.is_multiple_of(every) {
                emit(writer, k, &state, &p, false);
            }
        }
        writer.flush_if_full()
    })
}

/// Column builders for both tables, flushed to DuckDB in batches; also learns the shape (top-level
/// fields and their types) of each stream type's states for the population table.
struct Writer<'c> {
    conn: &'c Connection,
    scratch: Vec<u8>,
    snap_rows: usize,
    s_stream: StringBuilder,
    s_type: StringBuilder,
    s_combos: UInt8Builder,
    s_step: Int32Builder,
    s_exact: BooleanBuilder,
    s_times: [Int64Builder; 4],
    s_record: StringBuilder,
    s_state: StringBuilder,
    step_rows: usize,
    p_stream: StringBuilder,
    p_combos: UInt8Builder,
    p_step: Int32Builder,
    p_record: StringBuilder,
    shapes: HashMap<Option<String>, Map<String, Value>>,
}

/// The SQL type a population column gets for a state value, merged with what was seen before.
fn merge_kind(seen: Option<&str>, v: &Value) -> &'static str {
    let kind = match v {
        Value::Bool(_) => "BOOLEAN",
        Value::Number(n) if n.is_i64() => "BIGINT",
        Value::Number(_) => "DOUBLE",
        Value::String(_) => "VARCHAR",
        _ => "JSON",
    };
    match (seen, kind) {
        (None, k) => k,
        (Some(a), b) if a == b => b,
        (Some("BIGINT"), "DOUBLE") | (Some("DOUBLE"), "BIGINT") => "DOUBLE",
        _ => "JSON",
    }
}

impl<'c> Writer<'c> {
    const BATCH: usize = 32_768;

    fn new(conn: &'c Connection) -> Self {
        Writer {
            conn,
            scratch: Vec::new(),
            snap_rows: 0,
            s_stream: StringBuilder::new(),
            s_type: StringBuilder::new(),
            s_combos: UInt8Builder::new(),
            s_step: Int32Builder::new(),
            s_exact: BooleanBuilder::new(),
            s_times: Default::default(),
            s_record: StringBuilder::new(),
            s_state: StringBuilder::new(),
            step_rows: 0,
            p_stream: StringBuilder::new(),
            p_combos: UInt8Builder::new(),
            p_step: Int32Builder::new(),
            p_record: StringBuilder::new(),
            shapes: HashMap::new(),
        }
    }

    fn json_text<'s, T: serde::Serialize>(scratch: &'s mut Vec<u8>, v: &T) -> &'s str {
        scratch.clear();
        serde_json::to_writer(&mut *scratch, v).expect("a JSON value always serializes");
        std::str::from_utf8(scratch).expect("serde_json writes UTF-8")
    }

    fn snapshot(&mut self, stream: &str, stream_type: Option<&str>, r: &SnapRow) {
        self.s_stream.append_value(stream);
        self.s_type.append_option(stream_type);
        self.s_combos.append_value(r.combos);
        self.s_step.append_value(r.step);
        self.s_exact.append_value(r.exact);
        self.s_times[0].append_option(r.rec.map(|t| t.0));
        self.s_times[1].append_option(r.rec.map(|t| t.1));
        self.s_times[2].append_option(r.occ.map(|t| t.0));
        self.s_times[3].append_option(r.occ.map(|t| t.1));
        // The order of `SnapRecord`.
        let record = (
            r.combos,
            r.step,
            r.exact,
            r.rec.map(|t| t.0),
            r.rec.map(|t| t.1),
            r.occ.map(|t| t.0),
            r.occ.map(|t| t.1),
            r.seen,
            r.applied,
            r.versioned,
            r.version,
            r.last_event_id,
        );
        self.s_record
            .append_value(Self::json_text(&mut self.scratch, &record));
        match r.state {
            Some(state) => {
                self.s_state
                    .append_value(Self::json_text(&mut self.scratch, state));
                if let Value::Object(fields) = state {
                    let shape = match self.shapes.get_mut(&stream_type.map(str::to_string)) {
                        Some(s) => s,
                        None => self
                            .shapes
                            .entry(stream_type.map(str::to_string))
                            .or_default(),
                    };
                    for (k, v) in fields {
                        let merged = merge_kind(shape.get(k).and_then(Value::as_str), v);
                        if shape.get(k).and_then(Value::as_str) != Some(merged) {
                            shape.insert(k.clone(), Value::from(merged));
                        }
                    }
                }
            }
            None => self.s_state.append_null(),
        }
        self.snap_rows += 1;
    }

    fn step(&mut self, stream: &str, r: &StepRow) {
        self.p_stream.append_value(stream);
        self.p_combos.append_value(r.combos);
        self.p_step.append_value(r.step);
        // The order of `StepRecord`.
        let record = (
            r.rec_at,
            r.occ_at,
            r.stream_version,
            r.event_id,
            r.effect_type,
            r.effect.map(|e| (e,)),
        );
        self.p_record
            .append_value(Self::json_text(&mut self.scratch, &record));
        self.step_rows += 1;
    }

    fn flush_if_full(&mut self) -> Result<()> {
        if self.snap_rows >= Self::BATCH || self.step_rows >= Self::BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.snap_rows > 0 {
            let [t0, t1, t2, t3] = &mut self.s_times;
            let columns: Vec<ArrayRef> = vec![
                Arc::new(self.s_stream.finish()),
                Arc::new(self.s_type.finish()),
                Arc::new(self.s_combos.finish()),
                Arc::new(self.s_step.finish()),
                Arc::new(self.s_exact.finish()),
                Arc::new(t0.finish()),
                Arc::new(t1.finish()),
                Arc::new(t2.finish()),
                Arc::new(t3.finish()),
                Arc::new(self.s_record.finish()),
                Arc::new(self.s_state.finish()),
            ];
            self.snap_rows = 0;
            self.append("snapshots", columns)?;
        }
        if self.step_rows > 0 {
            let columns: Vec<ArrayRef> = vec![
                Arc::new(self.p_stream.finish()),
                Arc::new(self.p_combos.finish()),
                Arc::new(self.p_step.finish()),
                Arc::new(self.p_record.finish()),
            ];
            self.step_rows = 0;
            self.append("plan_steps", columns)?;
        }
        Ok(())
    }

    fn append(&self, table: &str, columns: Vec<ArrayRef>) -> Result<()> {
        let batch = crate::store::columns::batch_of(columns, "snapshot batch")?;
        let mut app = self.conn.appender(table)?;
        app.append_record_batch(batch)?;
        app.flush()?;
        Ok(())
    }
}

/// How far a build has got, for progress bars.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct BuildProgress {
    pub streams_done: u64,
    pub streams_total: u64,
}

/// Rebuilds every snapshot of the case from its events under `rules`.
pub fn rebuild(
    conn: &Connection,
    rules: &FoldRules,
    policy: SnapshotPolicy,
    progress: &dyn Fn(&BuildProgress),
) -> Result<()> {
    let key = current_key(conn, rules)?;
    let streams_total: i64 =
        conn.query_row("SELECT count(DISTINCT stream_id) FROM events", [], |r| {
            r.get(0)
        })?;
    let started = std::time::Instant::now();
    let log = |what: &str| {
        if std::env::var_os("CASEFILE_SQL_LOG").is_some() {
            eprintln!(
                "-- snapshots {what}: {:.3} s",
                started.elapsed().as_secs_f64()
            );
        }
    };
    let known_elsewhere = correction_targets(conn)?;
    // Reading streams keeps a result open on `conn`; the writes go through a second connection, in
    // one transaction, so a build that stops half way leaves the previous snapshots and their key.
    let out = conn.try_clone()?;
    let tx = out.unchecked_transaction()?;
    out.execute_batch(
        "DELETE FROM snapshots; DELETE FROM plan_steps; DELETE FROM snapshot_shapes;",
    )?;
    let mut writer = Writer::new(&out);
    let mut done = 0u64;
    // Streams too long to hold whole are written first, from pages of their payloads.
    conn.execute_batch(&format!(
        "CREATE OR REPLACE TEMP TABLE snapshot_paged_streams AS
         SELECT stream_id, arg_min(stream_type, seq) AS stream_type FROM events
         GROUP BY stream_id HAVING count(*) > {} ORDER BY stream_id",
        policy.paged_from
    ))?;
    let paged: Vec<(String, Option<String>)> = {
        let mut stmt =
            conn.prepare("SELECT stream_id, stream_type FROM temp.snapshot_paged_streams")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    for (stream, stream_type) in &paged {
        paged_stream_rows(
            conn,
            stream,
            stream_type.as_deref(),
            rules,
            &known_elsewhere,
            policy,
            &mut writer,
        )?;
        done += 1;
    }
    log("paged streams");
    let held = "stream_id NOT IN (SELECT stream_id FROM temp.snapshot_paged_streams)";
    for_each_stream(conn, held, &mut |sid, stype, events| {
        stream_rows(
            sid,
            stype,
            events,
            rules,
            &known_elsewhere,
            policy,
            &mut writer,
        )?;
        done += 1;
        if done.is_multiple_of(50_000) {
            progress(&BuildProgress {
                streams_done: done,
                streams_total: streams_total as u64,
            });
        }
        Ok(())
    })?;
    writer.flush()?;
    conn.execute_batch("DROP TABLE temp.snapshot_paged_streams")?;
    log("folded and appended");
    for (stream_type, shape) in &writer.shapes {
        out.execute(
            "INSERT INTO snapshot_shapes VALUES (?, ?)",
            duckdb::params![stream_type, Value::Object(shape.clone()).to_string()],
        )?;
    }
    crate::store::meta::set(&out, BUILT_KEY, &key)?;
    log("shapes");
    tx.commit()?;
    log("committed");
    out.execute_batch("CHECKPOINT;")?;
    log("checkpointed");
    progress(&BuildProgress {
        streams_done: done,
        streams_total: streams_total as u64,
    });
    Ok(())
}

/// True for an event the source marked skipped (Marten `is_skipped`), as SQL over `events`.
pub const SKIPPED_SQL: &str =
    "coalesce(json_extract_string(metadata, '$.is_skipped') IN ('true', 'True', '1'), false)";

/// Receives one stream: its id, its type and its events.
pub type StreamVisitor<'f> = dyn FnMut(&str, Option<&str>, &[FoldEvent]) -> Result<()> + 'f;

/// Calls `f` with every stream's events (in `seq` order) among the events matching `filter` (SQL
/// after WHERE, or empty), streams in `stream_id` order. Streams are read in ranges of
/// `stream_id` of about [`STREAM_SHARE_EVENTS`] events each, so the sort by stream stays small at
/// any case size.
pub fn for_each_stream(conn: &Connection, filter: &str, f: &mut StreamVisitor<'_>) -> Result<()> {
    for_each_stream_in_shares(conn, filter, STREAM_SHARE_EVENTS, f)
}

/// [`for_each_stream`] reading about `share_events` events at a time.
fn for_each_stream_in_shares(
    conn: &Connection,
    filter: &str,
    share_events: u64,
    f: &mut StreamVisitor<'_>,
) -> Result<()> {
    let source = format!("SELECT stream_id FROM events {}", where_sql(filter));
    let rows: i64 = conn.query_row(&format!("SELECT count(*) FROM ({source})"), [], |r| {
        r.get(0)
    })?;
    let shares = (rows as u64).div_ceil(share_events).max(1);
    for range in KeyRange::split(conn, &source, shares)? {
        take_each_stream(
            conn,
            &both(filter, &range.sql("stream_id")),
            &mut |stream, stream_type, events| {
                f(stream, stream_type, &events)?;
                // The buffer goes back, for the next stream's events.
                Ok(events)
            },
        )?;
    }
    Ok(())
}

/// About how many events one read of [`for_each_stream`] sorts by stream.
pub const STREAM_SHARE_EVENTS: u64 = 2_000_000;

/// How many shares of [`STREAM_SHARE_EVENTS`] the case's events make.
pub fn stream_shares(conn: &Connection) -> Result<u64> {
    let total_events: i64 = conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0))?;
    Ok((total_events as u64).div_ceil(STREAM_SHARE_EVENTS).max(1))
}

/// `WHERE filter`, or nothing for an empty filter.
fn where_sql(filter: &str) -> String {
    if filter.is_empty() {
        String::new()
    } else {
        format!("WHERE {filter}")
    }
}

/// Both filters (SQL after WHERE; either may be empty).
fn both(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("({a}) AND ({b})"),
    }
}

/// One share of a text key's values: those from `from` (inclusive) up to `to` (exclusive), a
/// missing bound open. Work done a share at a time reads its rows by a range of the key rather
/// than by a hash of it: `events` is kept in stream order and `decisions` is written in it, so a
/// range is a comparison DuckDB pushes into the scan and answers from a few row groups (their
/// min/max), where a hash share read every row of the table again in every share, a cost that grew
/// with the square of the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    pub from: Option<String>,
    pub to: Option<String>,
}

impl KeyRange {
    /// Every value (and NULL).
    pub fn all() -> KeyRange {
        KeyRange {
            from: None,
            to: None,
        }
    }

    /// The range as SQL over `column` (a NULL key falls in the first range).
    pub fn sql(&self, column: &str) -> String {
        use crate::store::sql::lit;
        match (&self.from, &self.to) {
            (None, None) => "true".to_string(),
            (None, Some(to)) => format!("({column} < {} OR {column} IS NULL)", lit(to)),
            (Some(from), None) => format!("{column} >= {}", lit(from)),
            (Some(from), Some(to)) => {
                format!("{column} >= {} AND {column} < {}", lit(from), lit(to))
            }
        }
    }

    /// About `shares` ranges holding about as many of `source`'s rows each (`source`: SQL whose
    /// first column is the key, one row per unit of work), in ascending order. The bounds are
    /// taken from a sample of the keys: a share's size is approximate, and one key never spans
    /// two shares.
    pub fn split(conn: &Connection, source: &str, shares: u64) -> Result<Vec<KeyRange>> {
        if shares <= 1 {
            return Ok(vec![KeyRange::all()]);
        }
        let sample = (shares * 2_000).min(200_000);
        let mut stmt = conn.prepare(&format!(
            "SELECT k FROM (SELECT k::VARCHAR AS k FROM ({source}) AS s(k)
                            USING SAMPLE reservoir({sample} ROWS) REPEATABLE (7))
             WHERE k IS NOT NULL ORDER BY k"
        ))?;
        let keys: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        Ok(Self::between(&keys, shares))
    }

    /// `shares` ranges whose bounds are the quantiles of `sorted` keys (repeated bounds merged).
    /// A key that fills a share's worth of the sample on its own (a busy stream) is a range of its
    /// own: cut at the quantiles alone, the range from it to the next bound took the keys after it
    /// as well, and two adjacent busy streams fell in one range (3.3M events to sort and the
    /// training set over budget at 30M, where hash shares had spread them).
    fn between(sorted: &[String], shares: u64) -> Vec<KeyRange> {
        let n = sorted.len() as u64;
        let mut bounds: Vec<&str> = (1..shares)
            .filter_map(|i| sorted.get((n * i / shares) as usize))
            .map(String::as_str)
            .collect();
        let mut start = 0;
        while start < sorted.len() {
            let key = &sorted[start];
            let end = start + sorted[start..].iter().take_while(|k| *k == key).count();
            if (end - start) as u64 * shares >= n {
                bounds.push(key);
                if let Some(next) = sorted.get(end) {
                    bounds.push(next);
                }
            }
            start = end;
        }
        // A bound is pasted into SQL text, which cannot hold a NUL: such a key is never a bound
        // (its range is only larger).
        bounds.retain(|b| !b.contains('\0'));
        bounds.sort_unstable();
        bounds.dedup();
        let mut ranges = Vec::with_capacity(bounds.len() + 1);
        let mut from: Option<String> = None;
        for bound in bounds {
            ranges.push(KeyRange {
                from: from.take(),
                to: Some(bound.to_string()),
            });
            from = Some(bound.to_string());
        }
        ranges.push(KeyRange { from, to: None });
        ranges
    }
}

/// Receives one stream's events to keep, and gives back a buffer for the next stream's.
pub type OwningStreamVisitor<'f> =
    dyn FnMut(&str, Option<&str>, Vec<FoldEvent>) -> Result<Vec<FoldEvent>> + 'f;

/// The streams among the events matching `filter` (SQL after WHERE, or empty), each stream's
/// events (in `seq` order) given away to `f`, streams in `stream_id` order: a caller that keeps
/// them, as the decision view's audit does while it checks a batch of subjects elsewhere, need not
/// copy. Sorts every matching event at once: callers keep `filter` to a share of the streams
/// ([`KeyRange`]).
pub fn take_each_stream(
    conn: &Connection,
    filter: &str,
    f: &mut OwningStreamVisitor<'_>,
) -> Result<()> {
    {
        let mut stmt = conn.prepare(&format!(
            "SELECT stream_id, stream_type, {}, payload::VARCHAR
             FROM events {} ORDER BY stream_id, seq",
            fold_columns(),
            where_sql(filter)
        ))?;
        let mut current: Option<(String, Option<String>)> = None;
        let mut events: Vec<FoldEvent> = Vec::new();
        for batch in stmt.stream_arrow([])? {
            let batch = batch?;
            let sid = strings(&batch, 0)?;
            let stype = strings(&batch, 1)?;
            let columns = EventColumns::of(&batch, 2)?;
            for r in 0..batch.num_rows() {
                let s = sid.value(r);
                if current.as_ref().map(|c| c.0.as_str()) != Some(s) {
                    if let Some((cs, ct)) = &current {
                        events = f(cs, ct.as_deref(), std::mem::take(&mut events))?;
                    }
                    events.clear();
                    current = Some((s.to_string(), text_at(&stype, r).map(str::to_string)));
                }
                events.push(columns.event(r));
            }
        }
        if let Some((cs, ct)) = &current {
            f(cs, ct.as_deref(), events)?;
        }
    }
    Ok(())
}

/// The columns of `events` a fold reads, but for the payload, as SQL (see [`EventColumns`]).
fn fold_columns() -> String {
    format!(
        "seq, event_id, event_type, schema_version, stream_version, epoch_us(occurred_at), \
         epoch_us(recorded_at), corrects, {SKIPPED_SQL}::BIGINT"
    )
}

/// One batch of [`fold_columns`] followed by the payload as text, from column `first` on.
struct EventColumns {
    rows: usize,
    seq: Int64Array,
    id: StringArray,
    event_type: StringArray,
    schema: Int64Array,
    version: Int64Array,
    occurred: Int64Array,
    recorded: Int64Array,
    corrects: StringArray,
    skipped: Int64Array,
    payload: StringArray,
}

impl EventColumns {
    fn of(batch: &RecordBatch, first: usize) -> Result<Self> {
        Ok(EventColumns {
            rows: batch.num_rows(),
            seq: ints(batch, first)?,
            id: strings(batch, first + 1)?,
            event_type: strings(batch, first + 2)?,
            schema: ints(batch, first + 3)?,
            version: ints(batch, first + 4)?,
            occurred: ints(batch, first + 5)?,
            recorded: ints(batch, first + 6)?,
            corrects: strings(batch, first + 7)?,
            skipped: ints(batch, first + 8)?,
            payload: strings(batch, first + 9)?,
        })
    }

    /// Row `r` as the fold needs it (a null payload reads as JSON null).
    fn event(&self, r: usize) -> FoldEvent {
        FoldEvent {
            seq: self.seq.value(r),
            event_id: self.id.value(r).to_string(),
            event_type: self.event_type.value(r).to_string(),
            schema_version: self.schema.value(r),
            stream_version: (!self.version.is_null(r)).then(|| self.version.value(r)),
            occurred: self.occurred.value(r),
            recorded: self.recorded.value(r),
            corrects: text_at(&self.corrects, r).map(str::to_string),
            skipped: self.skipped.value(r) != 0,
            payload: Payload::from_text(text_at(&self.payload, r)),
        }
    }
}

/// The events of other streams that a stream's corrections point at and that exist in the case
/// (`targets`, from [`correction_targets`]): what the fold calls known elsewhere.
pub fn known_elsewhere(events: &[FoldEvent], targets: &HashSet<String>) -> HashSet<String> {
    let own: HashSet<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
    events
        .iter()
        .filter_map(|e| e.corrects.as_ref())
        .filter(|t| !own.contains(t.as_str()) && targets.contains(*t))
        .cloned()
        .collect()
}

/// Correction targets that exist in the case (so a correction of another stream's event counts).
pub fn correction_targets(conn: &Connection) -> Result<HashSet<String>> {
    let mut stmt = conn.prepare(
        // The few corrected ids are the join's build side: built from every event id instead
        // (30M at 30M events), the join took 2.2 GB and 3.8 s against 0.4 GB and 0.9 s.
        "SELECT DISTINCT t.event_id FROM events t
         SEMI JOIN (SELECT DISTINCT corrects FROM events WHERE corrects IS NOT NULL) c
           ON t.event_id = c.corrects",
    )?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// Where each stream's snapshot rows sit (rowid ranges), so a lookup reads one row group's slice
/// instead of comparing stream ids. Built from the table; the open case drops it when it rebuilds. A build writes a
/// stream's rows together, so each range is contiguous; a stream whose rows are not (checked here)
/// is left out and looked up by id.
pub struct SnapshotIndex {
    ranges: HashMap<String, (i64, i64)>,
    /// Per stream, where each plan's steps sit: step `k` of a plan is at rowid `first + k - 1`.
    plans: HashMap<String, Vec<PlanRange>>,
    /// The validity of each stored row of a stream with more than [`READ_WHOLE_UP_TO`] rows,
    /// read the first time the stream is looked up: such a stream's row is found here and read
    /// alone, instead of reading all its rows. Bounded by the case: those streams are the long
    /// ones, stored as a checkpoint every `SnapshotPolicy::every` events.
    intervals: Mutex<HashMap<String, Arc<Vec<Interval>>>>,
    /// [`READ_WHOLE_UP_TO`], lowered by tests to reach the in-memory path with small streams.
    read_whole_up_to: i64,
}

/// A stream with at most this many stored rows is read whole by a lookup (one read of two columns,
/// the pick in Rust); a longer one has its rows' validity held in memory.
const READ_WHOLE_UP_TO: i64 = 1024;

/// When one stored row is valid.
#[derive(Debug, Clone, Copy)]
struct Interval {
    rowid: i64,
    combos: u8,
    rec: (Option<i64>, Option<i64>),
    occ: (Option<i64>, Option<i64>),
}

/// Where one plan's steps sit in `plan_steps`.
#[derive(Debug, Clone, Copy)]
struct PlanRange {
    combos: u8,
    /// The rowid of step 1.
    first: i64,
    /// The rowid of the last step.
    last: i64,
}

impl SnapshotIndex {
    pub fn load(conn: &Connection) -> Result<SnapshotIndex> {
        let mut stmt = conn.prepare(
            "SELECT stream_id, min(rowid), max(rowid) FROM snapshots GROUP BY stream_id HAVING count(*) = max(rowid) - min(rowid) + 1",
        )?;
        let mut ranges = HashMap::new();
        for batch in stmt.stream_arrow([])? {
            let batch = batch?;
            let sid = strings(&batch, 0)?;
            let lo = ints(&batch, 1)?;
            let hi = ints(&batch, 2)?;
            for r in 0..batch.num_rows() {
                ranges.insert(sid.value(r).to_string(), (lo.value(r), hi.value(r)));
            }
        }
        // A plan's steps are written in step order, 1 to n, one after another; a plan whose
        // rows are not (checked here) is looked up by id.
        let mut stmt = conn.prepare(
            "SELECT stream_id, combos::BIGINT, min(rowid), max(rowid) FROM (
                 SELECT stream_id, combos, step, rowid, rowid - step AS shift FROM plan_steps)
             GROUP BY stream_id, combos
             HAVING min(step) = 1 AND count(*) = max(step) AND min(shift) = max(shift)",
        )?;
        let mut plans: HashMap<String, Vec<PlanRange>> = HashMap::new();
        for batch in stmt.stream_arrow([])? {
            let batch = batch?;
            let sid = strings(&batch, 0)?;
            let combos = ints(&batch, 1)?;
            let lo = ints(&batch, 2)?;
            let hi = ints(&batch, 3)?;
            for r in 0..batch.num_rows() {
                plans
                    .entry(sid.value(r).to_string())
                    .or_default()
                    .push(PlanRange {
                        combos: combos.value(r) as u8,
                        first: lo.value(r),
                        last: hi.value(r),
                    });
            }
        }
        Ok(SnapshotIndex {
            ranges,
            plans,
            intervals: Mutex::new(HashMap::new()),
            read_whole_up_to: READ_WHOLE_UP_TO,
        })
    }

    pub fn streams(&self) -> usize {
        self.ranges.len()
    }

    pub fn range(&self, stream: &str) -> Option<(i64, i64)> {
        self.ranges.get(stream).copied()
    }

    /// The validity of each stored row of `stream`, whose rows are `lo..=hi`: read once.
    fn intervals(
        &self,
        conn: &Connection,
        stream: &str,
        (lo, hi): (i64, i64),
    ) -> Result<Arc<Vec<Interval>>> {
        let mut held = self.intervals.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = held.get(stream) {
            return Ok(found.clone());
        }
        let mut stmt = conn.prepare_cached(
            "SELECT rowid, combos, rec_from, rec_to, occ_from, occ_to FROM snapshots
             WHERE rowid BETWEEN ? AND ? ORDER BY rowid",
        )?;
        let rows = stmt.query_map([lo, hi], |r| {
            Ok(Interval {
                rowid: r.get(0)?,
                combos: r.get(1)?,
                rec: (r.get(2)?, r.get(3)?),
                occ: (r.get(4)?, r.get(5)?),
            })
        })?;
        let found = Arc::new(rows.collect::<std::result::Result<Vec<_>, _>>()?);
        held.insert(stream.to_string(), found.clone());
        Ok(found)
    }

    /// The rowids of the steps of `stream`'s plan for `bit` from step `from` on: (first, last).
    fn steps_from(&self, stream: &str, bit: u8, from: usize) -> Option<(i64, i64)> {
        let plan = self
            .plans
            .get(stream)?
            .iter()
            .find(|p| p.combos & bit != 0)?;
        Some((plan.first + from as i64 - 1, plan.last))
    }
}

/// A stored answer to one as-of question.
pub struct Stored {
    pub state: State,
    pub events_seen: usize,
    pub events_applied: usize,
    pub version: Option<i64>,
    pub last_event_id: Option<String>,
}

fn columns(axis: Axis) -> (&'static str, &'static str) {
    match axis {
        Axis::Recorded => ("rec_from", "rec_to"),
        Axis::Occurred => ("occ_from", "occ_to"),
    }
}

/// The first of the rows a statement selects (`record, state`) that answers an as-of at `at` on
/// `axis` for `bit`, with its state; the other rows' states are not read.
fn first_answer(
    stmt: &mut duckdb::CachedStatement<'_>,
    params: &[&dyn duckdb::ToSql],
    bit: u8,
    axis: Axis,
    at: Micros,
) -> Result<Option<(SnapRecord, Option<String>)>> {
    let mut rows = stmt.query(params)?;
    while let Some(row) = rows.next()? {
        let text = row.get_ref(0)?;
        let text = text.as_str().map_err(duckdb::Error::from)?;
        let record: SnapRecord = parse_record("snapshots", text)?;
        if answers(
            record.0,
            (record.3, record.4),
            (record.5, record.6),
            bit,
            axis,
            at,
        ) {
            return Ok(Some((record, row.get(1)?)));
        }
    }
    Ok(None)
}

fn parse_record<T: serde::de::DeserializeOwned>(table: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Query {
        cause: format!(
            "a stored row of {table} is not what this build wrote ({e}); rebuild the snapshots"
        ),
    })
}

/// The stored state of `stream` at `at`; None when the stream has no snapshots at all.
pub fn lookup(
    conn: &Connection,
    index: Option<&SnapshotIndex>,
    stream: &str,
    at: Micros,
    view: View,
    axis: Axis,
    rules: &FoldRules,
) -> Result<Option<Stored>> {
    let bit = combo_bit(view, axis);
    let range = index.and_then(|ix| ix.range(stream));
    // The row that answers, as (record, state).
    let found: Option<(SnapRecord, Option<String>)> = match (index, range) {
        // A short stream: all its rows, two columns, the pick in Rust.
        (Some(ix), Some((lo, hi))) if hi - lo < ix.read_whole_up_to => {
            let mut stmt = conn.prepare_cached(
                "SELECT record, state FROM snapshots WHERE rowid BETWEEN ? AND ? ORDER BY rowid",
            )?;
            first_answer(&mut stmt, &[&lo, &hi], bit, axis, at)?
        }
        // A long one: its row found in memory, then read alone.
        (Some(ix), Some(lohi)) => {
            let intervals = ix.intervals(conn, stream, lohi)?;
            match intervals
                .iter()
                .find(|i| answers(i.combos, i.rec, i.occ, bit, axis, at))
            {
                Some(i) => {
                    let mut stmt = conn.prepare_cached(
                        "SELECT record, state FROM snapshots WHERE rowid BETWEEN ? AND ?",
                    )?;
                    first_answer(&mut stmt, &[&i.rowid, &i.rowid], bit, axis, at)?
                }
                None => None,
            }
        }
        // Without the index: by stream id, the time filter in SQL.
        _ => {
            let (from, to) = columns(axis);
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT record, state FROM snapshots
                 WHERE stream_id = ? AND combos & ? <> 0 AND {from} <= ? AND ? < {to} LIMIT 1"
            ))?;
            first_answer(&mut stmt, &[&stream, &bit, &at, &at], bit, axis, at)?
        }
    };
    let Some((record, state)) = found else {
        let exists = range.is_some()
            || conn
                .prepare_cached("SELECT count(*) > 0 FROM snapshots WHERE stream_id = ?")?
                .query_row([stream], |r| r.get::<_, bool>(0))?;
        return Ok(exists.then_some(Stored {
            state: None,
            events_seen: 0,
            events_applied: 0,
            version: None,
            last_event_id: None,
        }));
    };
    let (_, step, exact, _, _, _, _, seen, applied, versioned, version, last) = record;
    let mut stored = Stored {
        state: state.map(|s| serde_json::from_str(&s).unwrap_or(Value::Null)),
        events_seen: seen as usize,
        events_applied: applied as usize,
        version,
        last_event_id: last,
    };
    if !exact {
        // The steps after the checkpoint up to the instant: a plan's steps are in the order of
        // its axis' time, so they are the first ones of the steps after it, read a window at a
        // time until one is past the instant.
        const WINDOW: i64 = 64;
        let indexed = index.and_then(|ix| ix.steps_from(stream, bit, step as usize + 1));
        let (mut lo, last) = indexed.unwrap_or((step as i64 + 1, i64::MAX));
        // Indexed, a window is a rowid range; otherwise a range of the plan's step numbers.
        let mut stmt = if indexed.is_some() {
            conn.prepare_cached(
                "SELECT record FROM plan_steps WHERE rowid BETWEEN ? AND ? ORDER BY rowid",
            )?
        } else {
            conn.prepare_cached(
                "SELECT record FROM plan_steps
                 WHERE stream_id = ? AND combos & ? <> 0 AND step BETWEEN ? AND ? ORDER BY step",
            )?
        };
        'windows: while lo <= last {
            let hi = lo.saturating_add(WINDOW - 1).min(last);
            let text = |r: &duckdb::Row<'_>| r.get::<_, String>(0);
            let window: Vec<String> = if indexed.is_some() {
                stmt.query_map(duckdb::params![lo, hi], text)?
                    .collect::<std::result::Result<_, _>>()?
            } else {
                stmt.query_map(duckdb::params![stream, bit, lo, hi], text)?
                    .collect::<std::result::Result<_, _>>()?
            };
            let full = window.len() as i64 == hi - lo + 1;
            for text in window {
                let (rec_at, occ_at, v, id, ty, effect): StepRecord =
                    parse_record("plan_steps", &text)?;
                let step_at = match axis {
                    Axis::Recorded => rec_at,
                    Axis::Occurred => occ_at,
                };
                if step_at.is_none_or(|t| t > at) {
                    break 'windows;
                }
                stored.events_seen += 1;
                stored.last_event_id = Some(id);
                stored.version = if versioned {
                    match (stored.version, v) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        (a, b) => a.or(b),
                    }
                } else {
                    Some(stored.events_seen as i64)
                };
                if let Some((effect,)) = effect {
                    let effect: Value = serde_json::from_str(effect.get()).unwrap_or(Value::Null);
                    fold::apply_owned(&mut stored.state, &ty, effect, rules);
                    stored.events_applied += 1;
                }
            }
            if !full {
                break;
            }
            lo = hi + 1;
        }
    }
    Ok(Some(stored))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::AsOfQuery;

    /// A range's SQL keeps a quote in a key quoted, and the ranges cut at the sample's quantiles,
    /// a key that fills a share's worth of the sample in a range of its own (worked out by hand).
    #[test]
    fn key_ranges_cut_at_the_samples_quantiles_and_around_busy_keys() {
        let range = |from: Option<&str>, to: Option<&str>| KeyRange {
            from: from.map(str::to_string),
            to: to.map(str::to_string),
        };
        // The ranges between bounds, from none to none.
        let cut_at = |bounds: &[&str]| -> Vec<KeyRange> {
            let mut edges: Vec<Option<&str>> = vec![None];
            edges.extend(bounds.iter().map(|b| Some(*b)));
            edges.push(None);
            edges.windows(2).map(|w| range(w[0], w[1])).collect()
        };
        // Eight keys in four shares: quantiles at the 2nd, 4th and 6th (0-based): b, c, e.
        let keys: Vec<String> = ["a", "a1", "b", "b1", "c", "d", "e", "f"]
            .map(String::from)
            .to_vec();
        assert_eq!(KeyRange::between(&keys, 4), cut_at(&["b", "c", "e"]));
        // Two busy keys side by side (three of nine each, a share's worth of three shares): the
        // quantiles alone (the 3rd and 6th, 0-based: b and c) would leave "c" with the keys
        // after it; each busy key is a range of its own.
        let busy: Vec<String> = ["a", "b", "b", "b", "c", "c", "c", "d", "e"]
            .map(String::from)
            .to_vec();
        assert_eq!(KeyRange::between(&busy, 3), cut_at(&["b", "c", "d"]));
        assert_eq!(KeyRange::between(&busy, 1), vec![KeyRange::all()]);
        // A busy key holding a NUL is not a bound: the range before it runs on to the key after.
        let nul: Vec<String> = ["a", "b\0", "b\0", "b\0", "c"].map(String::from).to_vec();
        assert_eq!(KeyRange::between(&nul, 2), cut_at(&["c"]));
        assert_eq!(range(Some("o'k"), None).sql("k"), "k >= 'o''k'");
        assert_eq!(range(None, Some("b")).sql("k"), "(k < 'b' OR k IS NULL)");
        assert_eq!(KeyRange::all().sql("k"), "true");
    }

    /// Reading streams in ranges of their ids (several ranges here, as in a big case) visits
    /// every stream matching the filter once, whole, in `seq` order, streams in id order: what
    /// grouping the matching events by stream in SQL gives.
    #[test]
    fn reading_streams_in_ranges_visits_every_stream_once_whole_and_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let case = crate::generate::busy_case(dir.path(), 1_500, 16, 5, 40);
        let conn = &case.conn;
        for filter in ["", "seq % 3 <> 0"] {
            let expected: Vec<(String, String)> = conn
                .prepare(&format!(
                    "SELECT stream_id, string_agg(seq::VARCHAR, ',' ORDER BY seq) FROM events {}
                     GROUP BY stream_id ORDER BY stream_id",
                    where_sql(filter)
                ))
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .collect::<std::result::Result<_, _>>()
                .unwrap();
            let ranges = KeyRange::split(
                conn,
                &format!("SELECT stream_id FROM events {}", where_sql(filter)),
                4,
            )
            .unwrap();
            assert!(ranges.len() > 1, "{ranges:?}");
            let mut visited: Vec<(String, String)> = Vec::new();
            for_each_stream_in_shares(conn, filter, 300, &mut |stream, _, events| {
                let seqs: Vec<String> = events.iter().map(|e| e.seq.to_string()).collect();
                visited.push((stream.to_string(), seqs.join(",")));
                Ok(())
            })
            .unwrap();
            assert_eq!(visited, expected, "filter {filter:?}");
        }
    }

    /// A stream with few stored rows is read whole and picked in Rust, one with many has its row
    /// found in memory and read alone, and without the index the time filter is SQL's: each gives
    /// what folding the stream's events gives, checkpoints and the steps after them included.
    #[test]
    fn a_stored_state_read_whole_alone_or_by_stream_id_is_the_fold_of_the_stream() {
        let dir = tempfile::tempdir().unwrap();
        // Two busy streams (40% of the events), corrections, late and early records.
        let case = crate::generate::busy_case(dir.path(), 1_500, 16, 5, 40);
        let conn = &case.conn;
        let rules = crate::timeline::load_rules(conn).unwrap();
        // Checkpoints every 4 steps, and every 150 (more steps after one than a window of 64).
        for every in [4, 150] {
            let policy = SnapshotPolicy {
                dense_limit: 8,
                every,
                paged_from: 250,
            };
            rebuild(conn, &rules, policy, &|_| {}).unwrap();
            check_every_path(conn, &rules, every);
        }
    }

    fn check_every_path(conn: &Connection, rules: &FoldRules, every: usize) {
        let streams: Vec<(String, i64)> = conn
            .prepare("SELECT stream_id, count(*) FROM snapshots GROUP BY ALL ORDER BY ALL")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<std::result::Result<_, _>>()
            .unwrap();
        // The ordinary streams read whole, the two busy ones (many more rows) not.
        let mut index = SnapshotIndex::load(conn).unwrap();
        let fewest = streams.iter().map(|s| s.1).min().unwrap();
        let most = streams.iter().map(|s| s.1).max().unwrap();
        index.read_whole_up_to = (fewest + most) / 2;
        let mut paths = (0, 0);
        for (stream, rows) in &streams {
            if *rows > index.read_whole_up_to {
                paths.1 += 1;
            } else {
                paths.0 += 1;
            }
            let times: Vec<(i64, i64)> = conn
                .prepare("SELECT epoch_us(recorded_at), epoch_us(occurred_at) FROM events WHERE stream_id = ? ORDER BY seq")
                .unwrap()
                .query_map([stream], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .collect::<std::result::Result<_, _>>()
                .unwrap();
            // The two times of four of the stream's events, just before and after them, and
            // past both ends.
            let stride = (times.len() / 4).max(1);
            let mut instants = vec![0, i64::MAX / 4];
            for (rec, occ) in times.iter().step_by(stride) {
                instants.extend([*rec, *rec - 1, *occ, *occ + 1]);
            }
            for at in instants {
                for axis in [Axis::Recorded, Axis::Occurred] {
                    for view in [View::AsCorrected, View::AsRecorded] {
                        let q = AsOfQuery { axis, view };
                        let want = crate::timeline::fold_state(conn, rules, stream, at, q).unwrap();
                        for ix in [Some(&index), None] {
                            let got = lookup(conn, ix, stream, at, view, axis, rules)
                                .unwrap()
                                .expect("the stream has snapshots");
                            let what = format!(
                                "{stream} at {at} on {axis:?} {view:?}, indexed {}, every {every}",
                                ix.is_some()
                            );
                            assert_eq!(got.state, want.state, "{what}");
                            assert_eq!(got.events_seen, want.events_seen, "{what}");
                            assert_eq!(got.events_applied, want.events_applied, "{what}");
                            assert_eq!(got.last_event_id, want.last_event_id, "{what}");
                            assert_eq!(got.version, want.version, "{what}");
                        }
                    }
                }
            }
        }
        assert!(paths.0 > 0 && paths.1 > 0, "both paths taken: {paths:?}");
    }
}
