//! The mapping from rows of `events` to [`Event`]s: the columns read, row by row or as Arrow
//! batches, shared by every reader of events (the event list, a stream's history, a decision's
//! events, the lake and the bundle exports).

use serde_json::Value;

use super::{format_micros, Event, Micros};
use crate::error::{Error, Result};

pub(crate) const EVENT_COLUMNS: &str = "seq, event_id, stream_id, stream_type, stream_version, event_type, schema_version,
    epoch_us(occurred_at), epoch_us(recorded_at), recorded_at_defaulted, naive_time, actor, reason, causation_id,
    correlation_id, corrects, payload::VARCHAR, metadata::VARCHAR, source_id, source_row";

fn json_text(s: Option<String>) -> Value {
    s.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null)
}

/// One row of `SELECT {EVENT_COLUMNS}` with its times and JSON still as DuckDB gave them: the bundle
/// export finishes (parses, formats) rows on other threads than the one reading them.
pub(crate) struct RawEvent {
    /// The envelope, with empty times and null payload and metadata until `finish`.
    pub ev: Event,
    pub payload: Option<String>,
    pub metadata: Option<String>,
    pub occurred: Micros,
    pub recorded: Micros,
}

impl RawEvent {
    pub(crate) fn finish(self) -> Event {
        Event {
            occurred_at: format_micros(self.occurred),
            recorded_at: format_micros(self.recorded),
            payload: json_text(self.payload),
            metadata: json_text(self.metadata),
            ..self.ev
        }
    }
}

pub(crate) fn raw_event_row(r: &duckdb::Row<'_>) -> duckdb::Result<RawEvent> {
    Ok(RawEvent {
        ev: Event {
            seq: r.get(0)?,
            event_id: r.get(1)?,
            stream_id: r.get(2)?,
            stream_type: r.get(3)?,
            stream_version: r.get(4)?,
            event_type: r.get(5)?,
            schema_version: r.get(6)?,
            occurred_at: String::new(),
            recorded_at: String::new(),
            recorded_at_defaulted: r.get(9)?,
            naive_time: r.get(10)?,
            actor: r.get(11)?,
            reason: r.get(12)?,
            causation_id: r.get(13)?,
            correlation_id: r.get(14)?,
            corrects: r.get(15)?,
            payload: Value::Null,
            metadata: Value::Null,
            source_id: r.get(18)?,
            source_row: r.get(19)?,
        },
        payload: r.get(16)?,
        metadata: r.get(17)?,
        occurred: r.get(7)?,
        recorded: r.get(8)?,
    })
}

/// [`EVENT_COLUMNS`] with every integer a BIGINT, for reading results as Arrow batches
/// ([`raw_events_of_batch`]): a streamed result, unlike a row-by-row one, is never held whole.
pub(crate) const EVENT_COLUMNS_BATCHED: &str = "seq, event_id, stream_id, stream_type, stream_version, event_type, schema_version,
    epoch_us(occurred_at), epoch_us(recorded_at), recorded_at_defaulted, naive_time, actor, reason, causation_id,
    correlation_id, corrects, payload::VARCHAR, metadata::VARCHAR, source_id::BIGINT, source_row";

/// The rows of one Arrow batch of `SELECT {EVENT_COLUMNS_BATCHED}`.
pub(crate) fn raw_events_of_batch(
    batch: &duckdb::arrow::record_batch::RecordBatch,
) -> Result<Vec<RawEvent>> {
    use duckdb::arrow::array::{Array, BooleanArray, Int64Array, StringArray};
    fn column<T: 'static>(
        batch: &duckdb::arrow::record_batch::RecordBatch,
        i: usize,
    ) -> Result<&T> {
        batch
            .column(i)
            .as_any()
            .downcast_ref::<T>()
            .ok_or_else(|| Error::Query {
                cause: format!(
                    "reading events: column {i} came back as {}",
                    batch.column(i).data_type()
                ),
            })
    }
    let int = |i| column::<Int64Array>(batch, i);
    let text = |i| column::<StringArray>(batch, i);
    let flag = |i| column::<BooleanArray>(batch, i);
    let (seq, id, stream, stype, version, ty, schema) = (
        int(0)?,
        text(1)?,
        text(2)?,
        text(3)?,
        int(4)?,
        text(5)?,
        int(6)?,
    );
    let (occurred, recorded, defaulted, naive) = (int(7)?, int(8)?, flag(9)?, flag(10)?);
    let (actor, reason, causation, correlation, corrects) =
        (text(11)?, text(12)?, text(13)?, text(14)?, text(15)?);
    let (payload, metadata, source, source_row) = (text(16)?, text(17)?, int(18)?, int(19)?);
    let opt = |a: &StringArray, r: usize| (!a.is_null(r)).then(|| a.value(r).to_string());
    Ok((0..batch.num_rows())
        .map(|r| RawEvent {
            ev: Event {
                seq: seq.value(r),
                event_id: id.value(r).to_string(),
                stream_id: stream.value(r).to_string(),
                stream_type: opt(stype, r),
                stream_version: (!version.is_null(r)).then(|| version.value(r)),
                event_type: ty.value(r).to_string(),
                schema_version: schema.value(r),
                occurred_at: String::new(),
                recorded_at: String::new(),
                recorded_at_defaulted: defaulted.value(r),
                naive_time: naive.value(r),
                actor: opt(actor, r),
                reason: opt(reason, r),
                causation_id: opt(causation, r),
                correlation_id: opt(correlation, r),
                corrects: opt(corrects, r),
                payload: Value::Null,
                metadata: Value::Null,
                source_id: source.value(r),
                source_row: source_row.value(r),
            },
            payload: opt(payload, r),
            metadata: opt(metadata, r),
            occurred: occurred.value(r),
            recorded: recorded.value(r),
        })
        .collect())
}

/// One row of `SELECT {EVENT_COLUMNS}` as an event.
pub(crate) fn event_row(r: &duckdb::Row<'_>) -> duckdb::Result<Event> {
    Ok(raw_event_row(r)?.finish())
}
