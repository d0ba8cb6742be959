//! Typed columns of an Arrow batch from a streamed DuckDB result (`stream_arrow`): reading in
//! batches never holds a whole result, where duckdb-rs's row-by-row `query` materialises it all
//! before the first row.

use duckdb::arrow::array::{Array, Int64Array, StringArray};
use duckdb::arrow::datatypes::DataType;
use duckdb::arrow::record_batch::RecordBatch;

use crate::error::{Error, Result};

/// Column `i` as text (VARCHAR).
pub(crate) fn strings(batch: &RecordBatch, i: usize) -> Result<StringArray> {
    let col = batch.column(i);
    match col.data_type() {
        DataType::Utf8 => Ok(col
            .as_any()
            .downcast_ref::<StringArray>()
            .expect("Utf8 is a StringArray")
            .clone()),
        other => Err(Error::Query {
            cause: format!("column {i} of a streamed result came back as {other}, not text"),
        }),
    }
}

/// Column `i` as BIGINT.
pub(crate) fn ints(batch: &RecordBatch, i: usize) -> Result<Int64Array> {
    batch
        .column(i)
        .as_any()
        .downcast_ref::<Int64Array>()
        .cloned()
        .ok_or_else(|| Error::Query {
            cause: format!(
                "column {i} of a streamed result came back as {}, not BIGINT",
                batch.column(i).data_type()
            ),
        })
}

/// Row `r` of a text column, None where it is NULL (borrowed: a caller that parses it copies nothing).
pub(crate) fn text_at(column: &StringArray, r: usize) -> Option<&str> {
    (!column.is_null(r)).then(|| column.value(r))
}

/// Row `r` of a BIGINT column, None where it is NULL.
pub(crate) fn int_at(column: &Int64Array, r: usize) -> Option<i64> {
    (!column.is_null(r)).then(|| column.value(r))
}
