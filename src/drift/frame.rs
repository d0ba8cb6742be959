//! Query results from DuckDB into a polars `DataFrame` through the Arrow C data interface: each
//! column of each record batch is exported by arrow-rs (the duckdb crate's Arrow) and imported by
//! polars-arrow, so the buffers are handed over, not copied or printed.

use duckdb::arrow::array::Array as _;
use duckdb::arrow::ffi::to_ffi;
use duckdb::{Connection, ToSql};
use polars::prelude::*;
use polars_arrow::ffi::{import_array_from_c, import_field_from_c};

use crate::error::{Error, Result};

fn analysis(e: impl std::fmt::Display) -> Error {
    Error::Analysis {
        cause: e.to_string(),
    }
}

/// One arrow-rs array as a polars-arrow array, through the C data interface.
fn hand_over(
    column: &duckdb::arrow::array::ArrayRef,
) -> Result<Box<dyn polars_arrow::array::Array>> {
    let (array, schema) = to_ffi(&column.to_data()).map_err(analysis)?;
    // SAFETY: arrow-rs's FFI_ArrowArray / FFI_ArrowSchema and polars-arrow's ArrowArray /
    // ArrowSchema are both the C data interface's structs (`repr(C)`, the same fields in the same
    // order; the transmute checks the sizes). Ownership moves to polars-arrow, whose Drop calls
    // the exporter's release callbacks exactly once.
    let array: polars_arrow::ffi::ArrowArray = unsafe { std::mem::transmute(array) };
    let schema: polars_arrow::ffi::ArrowSchema = unsafe { std::mem::transmute(schema) };
    // SAFETY: both structs were just produced by a conforming exporter (arrow-rs `to_ffi`).
    let field = unsafe { import_field_from_c(&schema) }.map_err(analysis)?;
    unsafe { import_array_from_c(array, field.dtype().clone()) }.map_err(analysis)
}

/// Runs `sql` and returns its result as a polars `DataFrame` (column names as the query gives them).
pub fn query_frame(conn: &Connection, sql: &str, params: &[&dyn ToSql]) -> Result<DataFrame> {
    let mut stmt = conn.prepare(sql)?;
    let arrow = stmt.query_arrow(params)?;
    let schema = arrow.get_schema();
    // polars is built without its decimal type (it would panic on one): casts belong in the query.
    if let Some(f) = schema.fields().iter().find(|f| {
        matches!(
            f.data_type(),
            duckdb::arrow::datatypes::DataType::Decimal128(..)
                | duckdb::arrow::datatypes::DataType::Decimal256(..)
        )
    }) {
        return Err(Error::Analysis {
            cause: format!(
                "the column `{}` is a DECIMAL; cast it to DOUBLE in the query",
                f.name()
            ),
        });
    }
    let mut chunks: Vec<Vec<Box<dyn polars_arrow::array::Array>>> =
        vec![Vec::new(); schema.fields().len()];
    for batch in arrow {
        for (i, column) in batch.columns().iter().enumerate() {
            chunks[i].push(hand_over(column)?);
        }
    }
    let mut columns = Vec::with_capacity(chunks.len());
    for (field, arrays) in schema.fields().iter().zip(chunks) {
        let name = PlSmallStr::from_str(field.name());
        let series = if arrays.is_empty() {
            // No rows: an empty column of the query's type.
            let empty = duckdb::arrow::array::new_empty_array(field.data_type());
            Series::from_arrow(name, hand_over(&empty)?).map_err(analysis)?
        } else {
            Series::try_from((name, arrays)).map_err(analysis)?
        };
        columns.push(series.into());
    }
    DataFrame::new_infer_height(columns).map_err(analysis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_text_and_nulls_arrive_in_polars_unchanged() {
        let conn = Connection::open_in_memory().unwrap();
        let df = query_frame(
            &conn,
            "SELECT i, i / 2 AS half, CASE WHEN i % 3 = 0 THEN NULL ELSE 'v' || i END AS label
             FROM range(5000) t(i)",
            &[],
        )
        .unwrap();
        assert_eq!(df.height(), 5000);
        let half = df.column("half").unwrap().f64().unwrap();
        assert_eq!(half.get(4999), Some(2499.5));
        let label = df.column("label").unwrap().str().unwrap();
        assert_eq!(label.get(3), None);
        assert_eq!(label.get(4), Some("v4"));
        assert_eq!(label.null_count(), 1667);
        let empty = query_frame(&conn, "SELECT 1.0::DOUBLE AS x WHERE false", &[]).unwrap();
        assert_eq!((empty.height(), empty.width()), (0, 1));
        let decimal = query_frame(&conn, "SELECT 1.5 AS x", &[]).unwrap_err();
        assert!(
            decimal.to_string().contains("`x` is a DECIMAL"),
            "{decimal}"
        );
    }
}
