//! Framing: cutting a source into rows, each with its 1-based row number (the line for JSON lines
//! and CSV, the value or element for JSON documents and streams, the row for Parquet, the span or
//! log record for OTLP) and its raw text, staged into DuckDB through the Arrow appender. Rows are
//! not interpreted here: DuckDB does the mapping (see mapping.rs), except for the formats rebuilt
//! as canonical documents while framed (see formats/), whose records are not one flat event each.

use std::sync::Arc;

use duckdb::arrow::array::{ArrayRef, Int64Builder, StringBuilder};
use duckdb::arrow::datatypes::{DataType, Field, Schema};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::Connection;
use serde_json::{Map, Value};

use super::formats::{self, Outcome, Piece, Rebuild};
use super::source::Source;
use crate::error::{Error, Result};

const BATCH_ROWS: usize = 32_768;
const BATCH_BYTES: usize = 32 << 20;

/// The longest row read whole. A longer line (or CSV record) is quarantined with its size and its
/// first bytes, so one endless line (a crafted file, a file that expands 1000x) cannot exhaust memory.
pub const MAX_ROW_BYTES: usize = 64 << 20;
/// The largest JSON document (not JSON lines) read whole: it is parsed in memory.
pub const MAX_DOCUMENT_BYTES: usize = 512 << 20;
/// How much of a row over the limit is kept in quarantine, for a person to see what it was.
const OVERSIZE_KEPT: usize = 4096;

/// Reads one line (without its end of line) into `buf`, keeping at most `cap` bytes of it. Returns
/// the line's whole length in bytes and whether anything was read at all.
pub(crate) fn read_line_capped(
    reader: &mut dyn std::io::BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<(usize, bool)> {
    let mut length = 0;
    let mut any = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((length, any));
        }
        any = true;
        let (piece, used, ended) = match memchr::memchr(b'\n', available) {
            Some(i) => (&available[..i], i + 1, true),
            None => (available, available.len(), false),
        };
        let room = cap.saturating_sub(buf.len());
        buf.extend_from_slice(&piece[..piece.len().min(room)]);
        length += piece.len();
        reader.consume(used);
        if ended {
            return Ok((length, true));
        }
    }
}

/// The quarantine reason of a row over [`MAX_ROW_BYTES`].
pub fn oversize_reason(length: usize) -> String {
    format!(
        "row is {:.1} MB long, over the {} MB limit for one event; its first {} bytes are kept here",
        length as f64 / (1u64 << 20) as f64,
        MAX_ROW_BYTES >> 20,
        OVERSIZE_KEPT
    )
}

/// The first bytes of an oversize row, cut at a character boundary.
pub fn oversize_kept(raw: &[u8]) -> String {
    let cut = &raw[..raw.len().min(OVERSIZE_KEPT)];
    String::from_utf8_lossy(cut).into_owned()
}

/// Creates the staging table on `conn`: a temporary table, never written to the case file.
pub fn create_stage(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        r#"CREATE OR REPLACE TEMP TABLE stage ("row" BIGINT, raw VARCHAR, doc VARCHAR, pre_reason VARCHAR);"#,
    )?;
    Ok(())
}

/// Replaces every staged document with `doc_expr` (over `s`, the stage, and whatever `join`
/// adds), keeping row order. A rewrite, not an UPDATE: updating every row of a large stage holds
/// the old values in memory until it commits; a rewrite streams and spills to disk.
pub fn rewrite_stage(conn: &Connection, doc_expr: &str, join: &str) -> Result<()> {
    conn.execute_batch(&format!(
        r#"CREATE OR REPLACE TEMP TABLE stage_rewritten AS
           SELECT s."row", s.raw, {doc_expr} AS doc, s.pre_reason FROM stage s {join};
           DROP TABLE temp.stage;
           ALTER TABLE temp.stage_rewritten RENAME TO stage;"#
    ))?;
    Ok(())
}

/// Buffers rows into Arrow batches and appends them to `stage`.
pub struct Stager<'c> {
    conn: &'c Connection,
    schema: Arc<Schema>,
    row: Int64Builder,
    raw: StringBuilder,
    doc: StringBuilder,
    pre: StringBuilder,
    pending: usize,
    pending_bytes: usize,
    pub rows: u64,
    pub blank_lines: u64,
    /// What a rebuilt format noticed about the whole file (Kafka offset gaps).
    pub observations: Vec<formats::Observation>,
}

impl<'c> Stager<'c> {
    pub fn new(conn: &'c Connection) -> Self {
        let schema = Arc::new(Schema::new(vec![
            Field::new("row", DataType::Int64, false),
            Field::new("raw", DataType::Utf8, false),
            Field::new("doc", DataType::Utf8, true),
            Field::new("pre_reason", DataType::Utf8, true),
        ]));
        Stager {
            conn,
            schema,
            row: Int64Builder::with_capacity(BATCH_ROWS),
            raw: StringBuilder::with_capacity(BATCH_ROWS, BATCH_BYTES),
            doc: StringBuilder::new(),
            pre: StringBuilder::new(),
            pending: 0,
            pending_bytes: 0,
            rows: 0,
            blank_lines: 0,
            observations: Vec::new(),
        }
    }

    pub fn push(
        &mut self,
        row: i64,
        raw: &str,
        doc: Option<&str>,
        pre_reason: Option<&str>,
    ) -> Result<()> {
        self.row.append_value(row);
        self.raw.append_value(raw);
        self.doc.append_option(doc);
        self.pre.append_option(pre_reason);
        self.pending += 1;
        self.rows += 1;
        self.pending_bytes += raw.len() + doc.map_or(0, str::len);
        if self.pending >= BATCH_ROWS || self.pending_bytes >= BATCH_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> Result<()> {
        if self.pending == 0 {
            return Ok(());
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.row.finish()),
            Arc::new(self.raw.finish()),
            Arc::new(self.doc.finish()),
            Arc::new(self.pre.finish()),
        ];
        let batch =
            RecordBatch::try_new(self.schema.clone(), columns).map_err(|e| Error::Query {
                cause: format!("staging batch: {e}"),
            })?;
        let mut app = self
            .conn
            .appender_to_catalog_and_db("stage", "temp", "main")?;
        app.append_record_batch(batch)?;
        app.flush()?;
        self.pending = 0;
        self.pending_bytes = 0;
        Ok(())
    }
}

impl Stager<'_> {
    /// Stages the rows of one record read by a rebuilt format. Rows are numbered `number` when
    /// the record is one row, else by `counter` (the spans of an OTLP request).
    fn push_rebuilt(
        &mut self,
        rebuild: &mut dyn Rebuild,
        record: &Value,
        raw: &str,
        number: i64,
        counter: &mut i64,
        rows: &mut Vec<formats::Row>,
    ) -> Result<()> {
        rows.clear();
        rebuild.rows(record, raw, rows);
        let many = rebuild.many_rows_per_record();
        for r in rows.drain(..) {
            let row = if many {
                *counter += 1;
                *counter
            } else {
                number
            };
            let text = r.raw.as_deref().unwrap_or(raw);
            match &r.outcome {
                Outcome::Doc(d) => self.push(row, text, Some(&d.to_string()), None)?,
                Outcome::Refused(why) => self.push(row, text, None, Some(why))?,
            }
        }
        Ok(())
    }
}

/// Reads one record's text: rebuilt (when the format rebuilds records) or staged as it is.
pub(crate) struct Records<'s, 'c> {
    stager: &'s mut Stager<'c>,
    rebuild: Option<Box<dyn Rebuild>>,
    /// Rows numbered one by one when records hold several (the last number given).
    counter: i64,
    scratch: Vec<formats::Row>,
}

impl<'s, 'c> Records<'s, 'c> {
    pub(crate) fn new(stager: &'s mut Stager<'c>, rebuild: Option<Box<dyn Rebuild>>) -> Self {
        Records {
            stager,
            rebuild,
            counter: 0,
            scratch: Vec::new(),
        }
    }

    /// A row refused before it was read as a record: numbered `number`, or the next one.
    fn refuse(&mut self, number: i64, raw: &str, why: &str) -> Result<()> {
        let row = self.number(number);
        self.stager.push(row, raw, None, Some(why))
    }

    fn number(&mut self, number: i64) -> i64 {
        match &self.rebuild {
            Some(r) if r.many_rows_per_record() => {
                self.counter += 1;
                self.counter
            }
            _ => number,
        }
    }

    /// One record's text (a line, a value of a stream, an element of an array, a Parquet row).
    pub(crate) fn record(&mut self, number: i64, text: &str) -> Result<()> {
        let Some(rebuild) = self.rebuild.as_deref_mut() else {
            return self.stager.push(number, text, None, None);
        };
        match serde_json::from_str::<Value>(text) {
            Ok(v) => self.stager.push_rebuilt(
                rebuild,
                &v,
                text,
                number,
                &mut self.counter,
                &mut self.scratch,
            ),
            Err(_) => match rebuild.text_record(text) {
                // A record in the format's own text (kafka-console-consumer's lines).
                Some(v) => self.stager.push_rebuilt(
                    rebuild,
                    &v,
                    text,
                    number,
                    &mut self.counter,
                    &mut self.scratch,
                ),
                // Not JSON: mapping says why (with the parser's words, see `explain_bad_json`).
                None => {
                    let row = self.number(number);
                    self.stager.push(row, text, None, None)
                }
            },
        }
    }

    /// A record already parsed (a CSV row as an object keyed by the header).
    fn parsed(&mut self, number: i64, raw: &str, value: &Value) -> Result<()> {
        match self.rebuild.as_deref_mut() {
            Some(rebuild) => self.stager.push_rebuilt(
                rebuild,
                value,
                raw,
                number,
                &mut self.counter,
                &mut self.scratch,
            ),
            None => self
                .stager
                .push(number, raw, Some(&value.to_string()), None),
        }
    }

    pub(crate) fn finish(self) {
        if let Some(mut r) = self.rebuild {
            self.stager.observations.extend(r.finish());
        }
    }
}

/// Stages one JSON value per line; a rebuilt format turns each parsed line into its rows.
pub fn frame_lines(
    src: &mut Source,
    stager: &mut Stager,
    rebuild: Option<Box<dyn Rebuild>>,
    tick: &dyn Fn(u64) -> bool,
    limit: Option<u64>,
) -> Result<()> {
    let mut buf = Vec::with_capacity(1 << 16);
    let mut line_no: i64 = 0;
    let mut records = Records::new(stager, rebuild);
    loop {
        buf.clear();
        // One byte over the limit tells a line at the limit from a longer one.
        let (length, any) = read_line_capped(src.reader(), &mut buf, MAX_ROW_BYTES + 1)
            .map_err(|e| src.read_error(e))?;
        if !any || limit.is_some_and(|l| records.stager.rows >= l) {
            break;
        }
        line_no += 1;
        if line_no % 65_536 == 0 && !tick(records.stager.rows) {
            return Err(Error::Cancelled {
                path: src.path.clone(),
            });
        }
        if length > MAX_ROW_BYTES {
            records.refuse(line_no, &oversize_kept(&buf), &oversize_reason(length))?;
            continue;
        }
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        let line = json_line_body(&buf, line_no == 1);
        // Only a line that starts blank can be all blank: skip the full scan for the rest.
        if line.first().is_none_or(u8::is_ascii_whitespace)
            && line.iter().all(u8::is_ascii_whitespace)
        {
            records.stager.blank_lines += 1;
            continue;
        }
        let marked;
        let text = match std::str::from_utf8(line) {
            Ok(t) => t,
            Err(_)
                if records
                    .rebuild
                    .as_ref()
                    .is_some_and(|r| r.reads_raw_bytes()) =>
            {
                marked = formats::mark_invalid_bytes(line);
                &marked
            }
            Err(e) => {
                let raw = String::from_utf8_lossy(line).into_owned();
                let why = format!(
                    "not valid UTF-8 text (bad byte at column {})",
                    e.valid_up_to() + 1
                );
                records.refuse(line_no, &raw, &why)?;
                continue;
            }
        };
        if text.starts_with('%') {
            records.refuse(line_no, text, &formats::stray_reason(text))?;
            continue;
        }
        records.record(line_no, text)?;
    }
    records.finish();
    Ok(())
}

/// A JSON line without what may stand before its value: a byte-order mark (the first line) and
/// RFC 7464 record separators (any line).
pub fn json_line_body(line: &[u8], first: bool) -> &[u8] {
    let mut line = match first {
        true => line.strip_prefix(&[0xef, 0xbb, 0xbf][..]).unwrap_or(line),
        false => line,
    };
    while let Some(rest) = line.strip_prefix(&[0x1e][..]) {
        line = rest;
    }
    line
}

/// The error for a JSON document that does not parse: the whole file is refused.
pub fn not_json(path: &std::path::Path, e: serde_json::Error) -> Error {
    Error::SourceFormat {
        path: path.to_path_buf(),
        cause: format!(
            "it is not valid JSON ({e}). A JSON file must be one whole document; \
             for one event per line use JSON lines."
        ),
    }
}

/// The records of a JSON text: the elements of a top-level array, or the values one after another
/// (one document, pretty-printed or concatenated objects, RFC 7464 sequences). A lone array that
/// does not parse refuses the file (its elements cannot be told apart); in a stream, a value that
/// does not parse and text that is no value are rows of their own.
pub fn document_records(text: &str) -> std::result::Result<Vec<Record<'_>>, serde_json::Error> {
    let text = text.trim_start_matches('\u{feff}');
    let pieces = formats::split_values(text);
    let mut out = Vec::new();
    let lone = pieces.len() == 1;
    for p in pieces {
        match p {
            Piece::Value(v) if v.starts_with('[') => {
                match serde_json::from_str::<Vec<&serde_json::value::RawValue>>(v) {
                    Ok(items) => out.extend(items.into_iter().map(|i| Record::Text(i.get()))),
                    Err(e) if lone => return Err(e),
                    Err(_) => out.push(Record::Text(v)),
                }
            }
            Piece::Value(v) => out.push(Record::Text(v)),
            Piece::Unclosed(v) if lone => {
                return Err(serde_json::from_str::<Value>(v).expect_err("an unclosed value"))
            }
            Piece::Unclosed(v) => out.push(Record::Refused(
                v,
                "not JSON: a value still open at the end of the file (cut short?)".into(),
            )),
            Piece::Stray(line) => out.push(Record::Refused(line, formats::stray_reason(line))),
        }
    }
    Ok(out)
}

/// One record of a JSON document or stream.
pub enum Record<'t> {
    Text(&'t str),
    Refused(&'t str, String),
}

/// Stages a JSON document or stream of values (already read as text).
pub fn frame_document(
    text: &str,
    path: &std::path::Path,
    stager: &mut Stager,
    rebuild: Option<Box<dyn Rebuild>>,
    limit: Option<u64>,
) -> Result<()> {
    let found = document_records(text).map_err(|e| not_json(path, e))?;
    let mut records = Records::new(stager, rebuild);
    for (i, r) in found.into_iter().enumerate() {
        if limit.is_some_and(|l| records.stager.rows >= l) {
            break;
        }
        let number = i as i64 + 1;
        match r {
            Record::Text(t) => records.record(number, t)?,
            Record::Refused(t, why) => records.refuse(number, t, &why)?,
        }
    }
    records.finish();
    Ok(())
}

/// Everything a CSV reader reads, kept until the rows it belongs to are staged, so each row's exact
/// text is known without holding the file in memory.
struct Recording<'r> {
    inner: &'r mut (dyn std::io::BufRead + Send),
    kept: std::rc::Rc<std::cell::RefCell<Vec<u8>>>,
}

impl std::io::Read for Recording<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // A record that has not ended within the limit is refused, so stop feeding it.
        if self.kept.borrow().len() > MAX_ROW_BYTES + (1 << 20) {
            return Err(std::io::Error::other(OVERSIZE_CSV));
        }
        let n = self.inner.read(buf)?;
        self.kept.borrow_mut().extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

const OVERSIZE_CSV: &str = "oversize csv record";

/// Stages delimited text: the first record is the header; each later record becomes a JSON object
/// keyed by the header, with its line number and its exact text kept. Read as a stream: memory is
/// bounded by the longest record, which is at most [`MAX_ROW_BYTES`].
pub fn frame_csv(
    src: &mut Source,
    stager: &mut Stager,
    rebuild: Option<Box<dyn Rebuild>>,
    limit: Option<u64>,
) -> Result<()> {
    let head = src.peek(1 << 20)?;
    let bom = head.starts_with(&[0xef, 0xbb, 0xbf]);
    if bom {
        src.reader().consume(3);
    }
    let first_line = head[if bom { 3 } else { 0 }..]
        .split(|b| *b == b'\n')
        .next()
        .unwrap_or_default();
    let delimiter = [b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|d| first_line.iter().filter(|b| *b == d).count())
        .unwrap_or(b',');
    let path = src.path.clone();
    let mut records = Records::new(stager, rebuild);
    let kept = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(Recording {
            inner: src.reader(),
            kept: kept.clone(),
        });
    // The offset in the file of kept[0].
    let mut kept_from: u64 = 0;
    // `line`: where the record being read starts.
    let unreadable = |e: csv::Error, what: &str, line: u64| -> Error {
        let oversize = matches!(e.kind(), csv::ErrorKind::Io(io) if io.to_string() == OVERSIZE_CSV);
        if oversize {
            Error::SourceFormat {
                path: path.clone(),
                cause: format!(
                    "the record starting at line {line} runs over {} MB, the limit for one event (a quote never closed?). Nothing was imported.",
                    MAX_ROW_BYTES >> 20
                ),
            }
        } else if let csv::ErrorKind::Io(io) = e.kind() {
            Error::SourceUnreadable {
                path: path.clone(),
                cause: format!("{what} ({io})"),
            }
        } else {
            Error::SourceFormat {
                path: path.clone(),
                cause: format!("{what} ({e})."),
            }
        }
    };
    let mut header = csv::ByteRecord::new();
    let mut start = reader.position().clone();
    if !reader
        .read_byte_record(&mut header)
        .map_err(|e| unreadable(e, "its header row cannot be read", 1))?
    {
        return Ok(());
    }
    let names: Vec<String> = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    let mut rec = csv::ByteRecord::new();
    let mut last_row = 1;
    loop {
        if limit.is_some_and(|l| records.stager.rows >= l) {
            break;
        }
        start.clone_from(reader.position());
        let more = reader.read_byte_record(&mut rec).map_err(|e| {
            unreadable(
                e,
                "its delimited text cannot be split into rows",
                start.line(),
            )
        })?;
        if !more {
            break;
        }
        let end = reader.position().byte();
        // Where the record itself starts (empty lines before it are skipped by the reader).
        if let Some(p) = rec.position() {
            start.clone_from(p);
        }
        let raw = {
            let kept = kept.borrow();
            let from = (start.byte().saturating_sub(kept_from) as usize).min(kept.len());
            let to = (end.saturating_sub(kept_from) as usize).min(kept.len());
            String::from_utf8_lossy(&kept[from..to])
                .trim_end_matches(['\r', '\n'])
                .to_string()
        };
        // What the reader has consumed up to the record's end is no longer needed.
        {
            let mut kept = kept.borrow_mut();
            let done = (end.saturating_sub(kept_from) as usize).min(kept.len());
            if done > (1 << 20) || done == kept.len() {
                kept.drain(..done);
                kept_from += done as u64;
            }
        }
        // A record's row is the line it starts on; records split by a bare carriage return share a
        // line, so such a record takes the next number instead (rows must be unique to reconcile).
        let row = start.line().max(last_row + 1);
        last_row = row;
        stage_csv_record(&mut records, &names, &rec, row, &raw, delimiter)?;
    }
    records.finish();
    Ok(())
}

fn stage_csv_record(
    records: &mut Records,
    names: &[String],
    rec: &csv::ByteRecord,
    line: u64,
    raw: &str,
    delimiter: u8,
) -> Result<()> {
    if raw.trim().is_empty() {
        records.stager.blank_lines += 1;
        return Ok(());
    }
    if rec.len() != names.len() {
        let why = format!(
            "row has {} fields but the header has {}",
            rec.len(),
            names.len()
        );
        return records.refuse(line as i64, raw, &why);
    }
    // A database's NULL marker written bare (`NULL` from `psql \copy … null 'NULL'`, MySQL's `\N`)
    // is no value; quoted, it is the text.
    let markers = rec.iter().any(|v| v == b"NULL" || v == b"\\N");
    let quoted = if markers {
        quoted_fields(raw.as_bytes(), delimiter)
    } else {
        Vec::new()
    };
    let mut obj = Map::new();
    for (i, (name, value)) in names.iter().zip(rec.iter()).enumerate() {
        let bare_null =
            markers && (value == b"NULL" || value == b"\\N") && quoted.get(i) == Some(&false);
        match std::str::from_utf8(value) {
            Ok("") => {}
            Ok(_) if bare_null => {}
            Ok(v) => {
                // JSON held in a cell (Marten `data`, Axon `meta_data`) is embedded as JSON so that
                // mappings can reach inside it; anything else stays text.
                let embedded = if v.starts_with('{') || v.starts_with('[') {
                    serde_json::from_str::<Value>(v).ok()
                } else {
                    None
                };
                obj.insert(
                    name.clone(),
                    embedded.unwrap_or_else(|| Value::String(v.to_string())),
                );
            }
            Err(_) => {
                let why = format!("field `{name}` is not valid UTF-8 text");
                return records.refuse(line as i64, raw, &why);
            }
        }
    }
    records.parsed(line as i64, raw, &Value::Object(obj))
}

/// Which fields of one CSV record's text were quoted.
fn quoted_fields(raw: &[u8], delimiter: u8) -> Vec<bool> {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        let quoted = raw.get(i) == Some(&b'"');
        out.push(quoted);
        if quoted {
            i += 1;
            while i < raw.len() {
                if raw[i] == b'"' {
                    if raw.get(i + 1) == Some(&b'"') {
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                i += 1;
            }
        }
        match raw[i.min(raw.len())..].iter().position(|b| *b == delimiter) {
            Some(p) => i += p + 1,
            None => return out,
        }
    }
}

#[cfg(test)]
mod csv_tests {
    use super::quoted_fields;

    #[test]
    fn quoted_fields_are_told_from_bare_ones_even_with_delimiters_and_newlines_inside() {
        assert_eq!(
            quoted_fields(b"\"a,b\",NULL,\"NULL\",\"x\n\"\"y\"\"\",3", b','),
            vec![true, false, true, true, false]
        );
        assert_eq!(quoted_fields(b"", b','), vec![false]);
    }
}
