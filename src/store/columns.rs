//! Typed columns of an Arrow batch from a streamed DuckDB result (`stream_arrow`): reading in
//! batches never holds a whole result, where duckdb-rs's row-by-row `query` materialises it all
//! before the first row.

use std::sync::Arc;

use duckdb::arrow::array::{Array, ArrayRef, Int64Array, StringArray};
use duckdb::arrow::datatypes::{DataType, Field, Schema};
use duckdb::arrow::record_batch::RecordBatch;

use crate::error::{Error, Result};

/// A batch to append to a table, its columns in the table's order (appending goes by position;
/// the names are placeholders). `what` names the batch in an error.
pub(crate) fn batch_of(columns: Vec<ArrayRef>, what: &str) -> Result<RecordBatch> {
    let fields: Vec<Field> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| Field::new(format!("c{i}"), c.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| Error::Query {
        cause: format!("{what}: {e}"),
    })
}

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
