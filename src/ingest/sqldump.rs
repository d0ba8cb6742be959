//! Reading plain SQL dumps without a database server: `pg_dump`'s plain format (`COPY … FROM stdin`
//! blocks in Postgres's text format, or `INSERT` statements, one or many rows each) and MySQL /
//! MariaDB dumps (`INSERT INTO \`t\` VALUES (…),(…);`). The reader streams: it holds one statement
//! head, one row and the columns of the tables it has seen, never the file.
//!
//! It understands only what dumps are made of: comments (`--`, `/* */`, MySQL's `/*! … */`), psql
//! meta-commands (`\restrict`, `\connect`), string literals in both dialects (doubled quotes,
//! backslash escapes, `E'…'`, `_binary '…'`, `0x…`), dollar-quoted function bodies, `CREATE TABLE`
//! column lists (for `INSERT`s without one), and the large objects of a whole-database dump
//! (`lo_open` / `lowrite` / `lo_close`). Every other statement is passed over.

use std::collections::HashMap;
use std::io::BufRead;
use std::rc::Rc;

/// Which database wrote the dump: it decides how string literals escape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    MySql,
}

impl Dialect {
    /// From the first bytes of a dump.
    pub fn sniff(head: &[u8]) -> Dialect {
        let text = String::from_utf8_lossy(&head[..head.len().min(1 << 14)]);
        let mysql = [
            "MySQL dump",
            "MariaDB dump",
            "enable the sandbox mode",
            "/*!40101",
        ];
        if mysql.iter().any(|m| text.contains(m))
            || text.contains("INSERT INTO `")
            || text.contains("LOCK TABLES ")
            || text.contains(") ENGINE=")
        {
            Dialect::MySql
        } else {
            Dialect::Postgres
        }
    }
    pub fn tool(self) -> &'static str {
        match self {
            Dialect::Postgres => "a PostgreSQL dump (pg_dump plain format)",
            Dialect::MySql => "a MySQL/MariaDB dump (mysqldump)",
        }
    }
}

/// True when the first bytes of a file look like a SQL dump rather than delimited text.
pub fn looks_like_dump(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&head[..head.len().min(1 << 16)]);
    let body = text.trim_start_matches('\u{feff}').trim_start();
    let starts = [
        "--",
        "/*",
        "\\restrict",
        "SET ",
        "CREATE ",
        "INSERT ",
        "COPY ",
        "BEGIN;",
    ];
    if !starts.iter().any(|s| {
        body.get(..s.len())
            .is_some_and(|b| b.eq_ignore_ascii_case(s))
    }) {
        return false;
    }
    let marks = [
        "PostgreSQL database dump",
        "MySQL dump",
        "MariaDB dump",
        "enable the sandbox mode",
        "INSERT INTO ",
        ") FROM stdin;",
        "CREATE TABLE ",
    ];
    marks.iter().any(|m| text.contains(m))
}

/// One column of a table, with its declared type in lower case (empty when unknown).
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub sql_type: String,
}

/// A table's name as written (`public.mt_events`) and the columns its rows carry.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
}

impl Table {
    /// The name without its schema, lower case: what a table is recognised by.
    pub fn bare_name(&self) -> String {
        self.name
            .rsplit('.')
            .next()
            .unwrap_or(&self.name)
            .to_ascii_lowercase()
    }
}

/// One value of a row, as the dump wrote it.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    /// A string literal or COPY field, unescaped. Bytes: MySQL's `_binary` strings may be any bytes.
    Text(Vec<u8>),
    /// An unquoted number, as written.
    Number(String),
    Bool(bool),
    /// Hexadecimal bytes (`0x…`, `X'…'`).
    Bytes(Vec<u8>),
    /// Anything else (a function call, a cast), as written.
    Expr(String),
}

/// What the reader found next.
#[derive(Debug)]
pub enum Item {
    /// One row of a table's data.
    Row {
        table: Rc<Table>,
        values: Vec<SqlValue>,
        /// The row's own text in the dump.
        raw: String,
        /// The line it starts on.
        line: u64,
    },
    /// A row too long to read whole (see `frame::MAX_ROW_BYTES`); its first bytes are kept.
    Oversize {
        table: Rc<Table>,
        kept: String,
        length: usize,
        line: u64,
    },
    /// A large object of a whole-database dump.
    LargeObject { oid: String, bytes: Vec<u8> },
}

/// Why a dump cannot be read on.
#[derive(Debug, Clone, PartialEq)]
pub struct DumpError {
    pub line: u64,
    pub message: String,
}

type Parsed<T> = std::result::Result<T, DumpError>;

const MAX_STATEMENT: usize = 256 << 20;

enum State {
    Statements,
    /// Inside the data of `COPY table FROM stdin`.
    Copy(Rc<Table>),
    /// Between the rows of an `INSERT … VALUES`.
    Values(Rc<Table>),
}

/// A reader that can look a few bytes ahead across the chunks its source hands out (a file read
/// in 1 MiB pieces may split `--` or `;;` between two of them).
struct Lookahead<'r> {
    inner: &'r mut dyn BufRead,
    /// Bytes taken from `inner` to be looked at, not yet consumed (from `pos`).
    carry: Vec<u8>,
    pos: usize,
}

impl Lookahead<'_> {
    /// At least `n` bytes ahead in one slice (fewer only at the end of the file).
    fn ensure(&mut self, n: usize) -> std::io::Result<&[u8]> {
        let carried = self.carry.len() - self.pos;
        if carried == 0 {
            if self.inner.fill_buf()?.len() >= n {
                return self.inner.fill_buf();
            }
            self.carry.clear();
            self.pos = 0;
        } else if carried >= n {
            return Ok(&self.carry[self.pos..]);
        } else if self.pos > 0 {
            self.carry.drain(..self.pos);
            self.pos = 0;
        }
        while self.carry.len() < n {
            let chunk = self.inner.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            let take = chunk.len().min(n - self.carry.len());
            self.carry.extend_from_slice(&chunk[..take]);
            self.inner.consume(take);
        }
        Ok(&self.carry[self.pos..])
    }
}

impl std::io::Read for Lookahead<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Lookahead<'_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.pos < self.carry.len() {
            return Ok(&self.carry[self.pos..]);
        }
        self.inner.fill_buf()
    }
    fn consume(&mut self, n: usize) {
        if self.pos < self.carry.len() {
            self.pos += n;
            if self.pos >= self.carry.len() {
                self.carry.clear();
                self.pos = 0;
            }
        } else {
            self.inner.consume(n);
        }
    }
}

/// Streams the rows of a dump.
pub struct DumpReader<'r> {
    input: Lookahead<'r>,
    dialect: Dialect,
    /// Postgres: backslashes in plain '…' strings are literal (standard_conforming_strings on).
    standard_strings: bool,
    /// MySQL: the dump set TIME_ZONE='+00:00', so TIMESTAMP columns are UTC.
    pub mysql_utc: bool,
    line: u64,
    at_line_start: bool,
    tables: HashMap<String, Rc<Table>>,
    state: State,
    large_object: Option<(String, Vec<u8>)>,
    max_row: usize,
    /// A bad statement, reported once the rows before it are out.
    pending_error: Option<DumpError>,
    /// The database the statements are in, once a dump of several says (`\\connect` in
    /// pg_dumpall, `USE` in mysqldump --all-databases).
    pub database: Option<String>,
    /// MySQL's statement delimiter (`DELIMITER ;;` around routines and triggers, whose bodies
    /// hold statements of their own that are not the dump's data).
    delimiter: Vec<u8>,
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

impl<'r> DumpReader<'r> {
    pub fn new(input: &'r mut dyn BufRead, dialect: Dialect, max_row: usize) -> Self {
        DumpReader {
            input: Lookahead {
                inner: input,
                carry: Vec::new(),
                pos: 0,
            },
            dialect,
            standard_strings: dialect == Dialect::Postgres,
            mysql_utc: false,
            line: 1,
            at_line_start: true,
            tables: HashMap::new(),
            state: State::Statements,
            large_object: None,
            max_row,
            pending_error: None,
            delimiter: b";".to_vec(),
            database: None,
        }
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The tables whose definitions were read so far.
    pub fn table(&self, name: &str) -> Option<Rc<Table>> {
        self.tables.get(&key(name)).cloned()
    }

    /// Up to `n` bytes ahead, whatever chunk boundary lies between (a read error shows as the
    /// end, and is reported by the next read).
    fn ahead(&mut self, n: usize) -> Vec<u8> {
        self.input
            .ensure(n)
            .map(|b| b[..b.len().min(n)].to_vec())
            .unwrap_or_default()
    }

    fn peek(&mut self) -> Parsed<Option<u8>> {
        loop {
            match self.input.fill_buf() {
                Ok(b) => return Ok(b.first().copied()),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.error(format!("it cannot be read on ({e})"))),
            }
        }
    }

    fn bump(&mut self) -> Parsed<Option<u8>> {
        let b = self.peek()?;
        if let Some(b) = b {
            self.input.consume(1);
            self.at_line_start = b == b'\n';
            if b == b'\n' {
                self.line += 1;
            }
        }
        Ok(b)
    }

    fn error(&self, message: String) -> DumpError {
        DumpError {
            line: self.line,
            message,
        }
    }

    /// The next row or large object; None at the end of the dump.
    pub fn next_item(&mut self) -> Parsed<Option<Item>> {
        loop {
            if let Some(e) = self.pending_error.take() {
                return Err(e);
            }
            match std::mem::replace(&mut self.state, State::Statements) {
                State::Copy(table) => {
                    if let Some(item) = self.copy_row(&table)? {
                        self.state = State::Copy(table);
                        return Ok(Some(item));
                    }
                }
                State::Values(table) => {
                    if let Some(item) = self.tuple(&table)? {
                        self.state = State::Values(table);
                        return Ok(Some(item));
                    }
                }
                State::Statements => {
                    if let Some(item) = self.statement()? {
                        return Ok(Some(item));
                    }
                    if matches!(self.state, State::Statements) && self.peek()?.is_none() {
                        return Ok(None);
                    }
                }
            }
        }
    }

    /// Reads one line (without its end) of at most `cap` bytes kept; returns its whole length.
    fn read_line(&mut self, buf: &mut Vec<u8>, cap: usize) -> Parsed<Option<usize>> {
        buf.clear();
        let (length, any) = super::frame::read_line_capped(&mut self.input, buf, cap)
            .map_err(|e| self.error(format!("it cannot be read on ({e})")))?;
        // A line that ended with its newline moves the count on (the last line may have none).
        if any {
            self.line += 1;
        }
        self.at_line_start = true;
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        Ok(any.then_some(length))
    }

    /// One data line of a COPY block, or None at its end (`\.`).
    fn copy_row(&mut self, table: &Rc<Table>) -> Parsed<Option<Item>> {
        let line = self.line;
        let mut buf = Vec::new();
        let Some(length) = self.read_line(&mut buf, self.max_row + 1)? else {
            return Err(DumpError {
                line,
                message: format!(
                    "the data of table {} ends without its closing `\\.` line (the dump is cut short)",
                    table.name
                ),
            });
        };
        if buf == b"\\." {
            return Ok(None);
        }
        if length > self.max_row {
            return Ok(Some(Item::Oversize {
                table: table.clone(),
                kept: String::from_utf8_lossy(&buf[..buf.len().min(4096)]).into_owned(),
                length,
                line,
            }));
        }
        let values = buf.split(|b| *b == b'\t').map(copy_field).collect();
        Ok(Some(Item::Row {
            table: table.clone(),
            values,
            raw: String::from_utf8_lossy(&buf).into_owned(),
            line,
        }))
    }

    fn skip_space_and_comments(&mut self) -> Parsed<()> {
        loop {
            match self.peek()? {
                Some(b) if b.is_ascii_whitespace() => {
                    self.bump()?;
                }
                Some(b'-') => {
                    let two = self.ahead(2).get(1).copied();
                    if two != Some(b'-') {
                        return Ok(());
                    }
                    let mut sink = Vec::new();
                    self.read_line(&mut sink, 0)?;
                }
                Some(b'/') => {
                    let two = self.ahead(2).get(1).copied();
                    if two != Some(b'*') {
                        return Ok(());
                    }
                    self.block_comment()?;
                }
                _ => return Ok(()),
            }
        }
    }

    /// A `/* … */` comment; MySQL's `/*!NNNNN … */` ones are read for the time zone they set.
    fn block_comment(&mut self) -> Parsed<()> {
        let start = self.line;
        self.bump()?;
        self.bump()?;
        let mut text = Vec::new();
        let mut prev = 0u8;
        loop {
            let Some(b) = self.bump()? else {
                return Err(DumpError {
                    line: start,
                    message: "a comment opened here is never closed".into(),
                });
            };
            if prev == b'*' && b == b'/' {
                break;
            }
            if text.len() < 4096 {
                text.push(b);
            }
            prev = b;
        }
        let text = String::from_utf8_lossy(&text).to_ascii_uppercase();
        if text.contains("TIME_ZONE='+00:00'") {
            self.mysql_utc = true;
        }
        Ok(())
    }

    /// Reads statements until one yields an item or switches to row data.
    fn statement(&mut self) -> Parsed<Option<Item>> {
        if self.line == 1 && self.ahead(3) == [0xef, 0xbb, 0xbf] {
            self.input.consume(3);
        }
        self.skip_space_and_comments()?;
        let Some(first) = self.peek()? else {
            return Ok(None);
        };
        // psql meta-commands (\restrict KEY, \connect db) stand alone on their line.
        if first == b'\\' && self.at_line_start {
            let mut line = Vec::new();
            self.read_line(&mut line, 4096)?;
            // pg_dumpall: the tables that follow belong to another database.
            let text = String::from_utf8_lossy(&line);
            let mut words = text.split_whitespace();
            if matches!(words.next(), Some("\\connect" | "\\c")) {
                // `\connect tenant_b`, or pg_dumpall's `\connect -reuse-previous=on "dbname='tenant_b'"`.
                let given = words.find(|w| !w.starts_with('-')).unwrap_or_default();
                let db = given
                    .trim_matches('"')
                    .trim_start_matches("dbname=")
                    .trim_matches('\'');
                self.database = Some(db.to_string());
                self.tables.clear();
            }
            return Ok(None);
        }
        if self.dialect == Dialect::MySql && self.at_line_start && (first == b'D' || first == b'd')
        {
            let head = self.ahead(10);
            if head.len() >= 10 && head[..10].eq_ignore_ascii_case(b"DELIMITER ") {
                let mut line = Vec::new();
                self.read_line(&mut line, 64)?;
                let given = line[10..].trim_ascii().to_vec();
                if !given.is_empty() {
                    self.delimiter = given;
                }
                return Ok(None);
            }
        }
        let start = self.line;
        let (text, stopped_at_values) = self.statement_text()?;
        if self.delimiter != b";" {
            return Ok(None);
        }
        let head = String::from_utf8_lossy(&text).into_owned();
        let words = leading_words(&head, 4);
        let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
        if stopped_at_values {
            let table = self.insert_table(&head, start)?;
            self.state = State::Values(table);
            return Ok(None);
        }
        match (w(0), w(1)) {
            ("COPY", _) if head.to_ascii_lowercase().contains("from stdin") => {
                let table = self.copy_table(&head, start)?;
                // The data starts on the line after the statement's `;`.
                let mut rest = Vec::new();
                self.read_line(&mut rest, 256)?;
                self.state = State::Copy(table);
            }
            ("CREATE", _) if words.iter().any(|x| x == "TABLE") => self.create_table(&head),
            ("SET", _) => {
                let lower = head.to_ascii_lowercase().replace(' ', "");
                if lower.contains("standard_conforming_strings=off") {
                    self.standard_strings = false;
                } else if lower.contains("standard_conforming_strings=on") {
                    self.standard_strings = true;
                } else if lower.contains("time_zone='+00:00'") {
                    self.mysql_utc = true;
                }
            }
            ("SELECT", _) => return Ok(self.large_object_step(&head)),
            ("USE", _) if self.dialect == Dialect::MySql => {
                let db = head.trim()[3..].trim().trim_matches('`').to_string();
                self.database = Some(db);
                self.tables.clear();
            }
            _ => {}
        }
        Ok(None)
    }

    /// Reads a statement's text up to its `;` (not kept), or for an `INSERT` up to its `VALUES`
    /// keyword (true), after which the rows are read one at a time.
    fn statement_text(&mut self) -> Parsed<(Vec<u8>, bool)> {
        let start = self.line;
        let mut text: Vec<u8> = Vec::new();
        let mut insert: Option<bool> = None;
        loop {
            let Some(b) = self.peek()? else {
                // The last statement of a dump may lack its `;`.
                return Ok((text, false));
            };
            if text.len() > MAX_STATEMENT {
                return Err(DumpError {
                    line: start,
                    message: format!(
                        "the statement starting here runs over {} MB (a quote never closed?)",
                        MAX_STATEMENT >> 20
                    ),
                });
            }
            if insert.is_none() && text.len() >= 7 {
                // Under another delimiter (a routine's body) an INSERT is not the dump's data.
                // `REPLACE INTO` (mysqldump --replace) holds rows the same way.
                let rows = text[..6].eq_ignore_ascii_case(b"INSERT")
                    || (text.len() >= 7 && text[..7].eq_ignore_ascii_case(b"REPLACE"));
                insert = Some(rows && self.delimiter == b";");
            }
            if self.delimiter != b";" && b == self.delimiter[0] {
                let ahead = self.ahead(self.delimiter.len());
                if ahead.starts_with(&self.delimiter) {
                    for _ in 0..self.delimiter.len() {
                        self.bump()?;
                    }
                    return Ok((text, false));
                }
            }
            match b {
                b';' if self.delimiter == b";" => {
                    self.bump()?;
                    return Ok((text, false));
                }
                b'\'' | b'"' | b'`' => {
                    let quoted = self.quoted_raw(b)?;
                    text.extend_from_slice(&quoted);
                }
                b'$' if self.dialect == Dialect::Postgres => {
                    let tag = self.dollar_tag()?;
                    text.extend_from_slice(&tag);
                }
                b'-' | b'/' => {
                    let next = self.ahead(2).get(1).copied();
                    if (b == b'-' && next == Some(b'-')) || (b == b'/' && next == Some(b'*')) {
                        self.skip_space_and_comments()?;
                        text.push(b' ');
                    } else {
                        self.bump()?;
                        text.push(b);
                    }
                }
                b'(' if insert == Some(true) && ends_with_values(&text) => {
                    return Ok((text, true));
                }
                _ => {
                    self.bump()?;
                    text.push(b);
                }
            }
        }
    }

    /// A quoted string or identifier, kept as written (quotes included), for statement heads.
    fn quoted_raw(&mut self, quote: u8) -> Parsed<Vec<u8>> {
        let start = self.line;
        let mut out = vec![quote];
        self.bump()?;
        let backslash = self.backslash_escapes(quote);
        loop {
            let Some(b) = self.bump()? else {
                return Err(DumpError {
                    line: start,
                    message: "a quote opened here is never closed".into(),
                });
            };
            out.push(b);
            if b == b'\\' && backslash {
                if let Some(n) = self.bump()? {
                    out.push(n);
                }
                continue;
            }
            if b == quote {
                if self.peek()? == Some(quote) {
                    self.bump()?;
                    out.push(quote);
                    continue;
                }
                return Ok(out);
            }
        }
    }

    fn backslash_escapes(&self, quote: u8) -> bool {
        match self.dialect {
            Dialect::MySql => quote != b'`',
            Dialect::Postgres => quote == b'\'' && !self.standard_strings,
        }
    }

    /// A `$tag$ … $tag$` body (Postgres functions), kept as written; a lone `$` is just a byte.
    fn dollar_tag(&mut self) -> Parsed<Vec<u8>> {
        let start = self.line;
        self.bump()?;
        let mut tag = vec![b'$'];
        loop {
            match self.peek()? {
                Some(b'$') => {
                    self.bump()?;
                    tag.push(b'$');
                    break;
                }
                Some(b) if b.is_ascii_alphanumeric() || b == b'_' => {
                    self.bump()?;
                    tag.push(b);
                }
                _ => return Ok(tag),
            }
        }
        let mut body = tag.clone();
        loop {
            let Some(b) = self.bump()? else {
                return Err(DumpError {
                    line: start,
                    message: format!(
                        "a body quoted with {} opened here is never closed",
                        String::from_utf8_lossy(&tag)
                    ),
                });
            };
            body.push(b);
            if body.len() >= 2 * tag.len() && body.ends_with(&tag) {
                return Ok(body);
            }
        }
    }

    fn known_or_bare(&self, name: &str, columns: Option<Vec<String>>) -> Rc<Table> {
        let known = self.tables.get(&key(name));
        let columns = match (columns, known) {
            (Some(cols), known) => cols
                .into_iter()
                .map(|c| Column {
                    sql_type: known
                        .and_then(|t| t.columns.iter().find(|k| k.name.eq_ignore_ascii_case(&c)))
                        .map(|k| k.sql_type.clone())
                        .unwrap_or_default(),
                    name: c,
                })
                .collect(),
            (None, Some(t)) => t.columns.clone(),
            (None, None) => Vec::new(),
        };
        Rc::new(Table {
            name: name.to_string(),
            columns,
        })
    }

    fn copy_table(&self, head: &str, line: u64) -> Parsed<Rc<Table>> {
        let mut t = Tokens::new(head);
        t.next(); // COPY
        let name = t.qualified_name().ok_or_else(|| DumpError {
            line,
            message: "a COPY statement names no table".into(),
        })?;
        let columns = t.paren_list();
        let lower = head.to_ascii_lowercase();
        let options = lower.split("from stdin").nth(1).unwrap_or_default();
        if options.contains("csv") || options.contains("binary") {
            return Err(DumpError {
                line,
                message: format!(
                    "the data of table {name} is in COPY's CSV or binary format, which a plain pg_dump never writes; dump it again with pg_dump's plain format"
                ),
            });
        }
        Ok(self.known_or_bare(&name, columns))
    }

    fn insert_table(&self, head: &str, line: u64) -> Parsed<Rc<Table>> {
        let mut t = Tokens::new(head);
        t.next(); // INSERT or REPLACE
        while let Some(w) = t.peek_word() {
            // INSERT [IGNORE] INTO
            t.next();
            if w.eq_ignore_ascii_case("INTO") {
                break;
            }
        }
        let name = t.qualified_name().ok_or_else(|| DumpError {
            line,
            message: "an INSERT statement names no table".into(),
        })?;
        let columns = t.paren_list();
        let table = self.known_or_bare(&name, columns);
        // Rows of a table whose columns are unknown are counted as a skipped table, unless it is
        // an event store's: those cannot be read and must not pass unnoticed.
        let bare = key(&name).replace('_', "");
        let events = bare.starts_with("mtevents") || bare.contains("domainevententry");
        if table.columns.is_empty() && events {
            return Err(DumpError {
                line,
                message: format!(
                    "rows are inserted into table {name} without a column list and the dump holds no CREATE TABLE for it, so its columns are unknown; dump it with its schema (not --data-only), or with --column-inserts / --complete-insert"
                ),
            });
        }
        Ok(table)
    }

    fn create_table(&mut self, head: &str) {
        let dialect = self.dialect;
        let mut t = Tokens::new(head);
        while let Some(w) = t.next() {
            if w.eq_ignore_ascii_case("TABLE") {
                break;
            }
        }
        // IF NOT EXISTS
        if t.peek_word().is_some_and(|w| w.eq_ignore_ascii_case("IF")) {
            t.next();
            t.next();
            t.next();
        }
        let Some(name) = t.qualified_name() else {
            return;
        };
        let columns: Vec<Column> = match t.paren_items() {
            Some(items) => items
                .iter()
                .filter_map(|item| {
                    let mut it = Tokens::new(item);
                    let first = it.next_ident()?;
                    if !first.quoted && is_constraint(&first.text, it.rest(), dialect) {
                        return None;
                    }
                    Some(Column {
                        name: first.text,
                        sql_type: column_type(it.rest()),
                    })
                })
                .collect(),
            // CREATE TABLE child PARTITION OF parent …: the parent's columns.
            None => {
                let rest = t.rest().to_string();
                let mut r = Tokens::new(&rest);
                let (Some(p), Some(o)) = (r.next(), r.next()) else {
                    return;
                };
                if !(p.eq_ignore_ascii_case("PARTITION") && o.eq_ignore_ascii_case("OF")) {
                    return;
                }
                match r.qualified_name().and_then(|parent| self.table(&parent)) {
                    Some(parent) => parent.columns.clone(),
                    None => return,
                }
            }
        };
        self.tables
            .insert(key(&name), Rc::new(Table { name, columns }));
    }

    /// `SELECT pg_catalog.lo_open('OID', …)`, `lowrite(0, '\x…')`, `lo_close(0)`.
    fn large_object_step(&mut self, head: &str) -> Option<Item> {
        let lower = head.to_ascii_lowercase();
        let first_literal = || -> Option<Vec<u8>> {
            let mut t = Tokens::new(head);
            t.string_literal(self.standard_strings)
        };
        if lower.contains("lo_open(") {
            let oid = String::from_utf8(first_literal()?).ok()?;
            self.large_object = Some((oid, Vec::new()));
        } else if lower.contains("lowrite(") {
            let text = first_literal()?;
            let bytes = bytea_text(&text).unwrap_or(text);
            if let Some((_, data)) = self.large_object.as_mut() {
                data.extend_from_slice(&bytes);
            }
        } else if lower.contains("lo_close(") {
            let (oid, bytes) = self.large_object.take()?;
            return Some(Item::LargeObject { oid, bytes });
        }
        None
    }

    /// One `( … )` tuple of an INSERT, or None after the statement's last.
    fn tuple(&mut self, table: &Rc<Table>) -> Parsed<Option<Item>> {
        self.skip_space_and_comments()?;
        match self.peek()? {
            Some(b',') => {
                self.bump()?;
                self.skip_space_and_comments()?;
            }
            Some(b';') => {
                self.bump()?;
                return Ok(None);
            }
            Some(b'(') => {}
            None => return Ok(None),
            Some(_) => {
                // ON DUPLICATE KEY UPDATE … / ON CONFLICT …: the rest of the statement.
                self.statement_text()?;
                return Ok(None);
            }
        }
        if self.peek()? != Some(b'(') {
            return Err(self.error(format!(
                "a row of table {} does not start with `(`",
                table.name
            )));
        }
        let line = self.line;
        let mut raw: Vec<u8> = Vec::new();
        let mut oversize = 0usize;
        let mut values = Vec::with_capacity(table.columns.len());
        self.take(&mut raw, &mut oversize)?; // (
        loop {
            self.skip_space_raw(&mut raw, &mut oversize)?;
            let v = self.value(&mut raw, &mut oversize, table)?;
            values.push(v);
            self.skip_space_raw(&mut raw, &mut oversize)?;
            match self.take(&mut raw, &mut oversize)? {
                Some(b',') => continue,
                Some(b')') => break,
                Some(b) => {
                    return Err(DumpError {
                        line,
                        message: format!(
                            "a row of table {} has `{}` where a `,` or `)` belongs",
                            table.name, b as char
                        ),
                    })
                }
                None => {
                    return Err(DumpError {
                        line,
                        message: format!(
                            "a row of table {} is cut off by the end of the dump",
                            table.name
                        ),
                    })
                }
            }
        }
        let length = raw.len() + oversize;
        if length > self.max_row {
            return Ok(Some(Item::Oversize {
                table: table.clone(),
                kept: String::from_utf8_lossy(&raw[..raw.len().min(4096)]).into_owned(),
                length,
                line,
            }));
        }
        Ok(Some(Item::Row {
            table: table.clone(),
            values,
            raw: String::from_utf8_lossy(&raw).into_owned(),
            line,
        }))
    }

    /// Consumes one byte into the row's raw text (up to the row limit; the rest is only counted).
    fn take(&mut self, raw: &mut Vec<u8>, oversize: &mut usize) -> Parsed<Option<u8>> {
        let b = self.bump()?;
        if let Some(b) = b {
            if raw.len() <= self.max_row {
                raw.push(b);
            } else {
                *oversize += 1;
            }
        }
        Ok(b)
    }

    fn skip_space_raw(&mut self, raw: &mut Vec<u8>, oversize: &mut usize) -> Parsed<()> {
        while self.peek()?.is_some_and(|b| b.is_ascii_whitespace()) {
            self.take(raw, oversize)?;
        }
        Ok(())
    }

    /// One value of a tuple.
    fn value(
        &mut self,
        raw: &mut Vec<u8>,
        oversize: &mut usize,
        table: &Table,
    ) -> Parsed<SqlValue> {
        let Some(first) = self.peek()? else {
            return Err(self.error(format!("a row of table {} is cut off", table.name)));
        };
        if first == b'\'' {
            let s = self.string_value(raw, oversize, false)?;
            self.skip_cast(raw, oversize)?;
            return Ok(SqlValue::Text(s));
        }
        // A word, a number, or an expression up to the next top-level `,` or `)`.
        let mut word = Vec::new();
        while let Some(b) = self.peek()? {
            if is_ident_byte(b) || b == b'.' || b == b'-' || b == b'+' {
                // `E'…'`, `X'…'`, `_binary '…'`, `B'…'`.
                word.push(b);
                self.take(raw, oversize)?;
            } else {
                break;
            }
        }
        let w = String::from_utf8_lossy(&word).into_owned();
        let upper = w.to_ascii_uppercase();
        // An introducer or prefix directly before a string.
        self.skip_space_raw(raw, oversize)?;
        if self.peek()? == Some(b'\'') {
            let escapes = upper == "E";
            let s = self.string_value(raw, oversize, escapes)?;
            self.skip_cast(raw, oversize)?;
            return Ok(match upper.as_str() {
                "X" => hex(&s).map(SqlValue::Bytes).unwrap_or(SqlValue::Text(s)),
                "_BINARY" => SqlValue::Bytes(s),
                _ => SqlValue::Text(s),
            });
        }
        match upper.as_str() {
            // `DEFAULT` (pg_dump --inserts for a generated column) holds no value of the row's.
            "NULL" | "DEFAULT" => return Ok(SqlValue::Null),
            "TRUE" => return Ok(SqlValue::Bool(true)),
            "FALSE" => return Ok(SqlValue::Bool(false)),
            _ => {}
        }
        if let Some(h) = w.strip_prefix("0x").or_else(|| w.strip_prefix("0X")) {
            if let Some(b) = hex(h.as_bytes()) {
                return Ok(SqlValue::Bytes(b));
            }
        }
        if !w.is_empty() && w.parse::<f64>().is_ok() && self.at_value_end()? {
            return Ok(SqlValue::Number(w));
        }
        // An expression: read on to the value's end, keeping nesting and strings intact.
        let mut expr = word;
        let mut depth = 0i32;
        while let Some(b) = self.peek()? {
            if depth == 0 && (b == b',' || b == b')') {
                break;
            }
            if b == b'\'' {
                let s = self.string_value(raw, oversize, false)?;
                expr.push(b'\'');
                expr.extend_from_slice(&s);
                expr.push(b'\'');
                continue;
            }
            if b == b'(' {
                depth += 1;
            } else if b == b')' {
                depth -= 1;
            }
            expr.push(b);
            self.take(raw, oversize)?;
        }
        let text = String::from_utf8_lossy(&expr).trim().to_string();
        if let Some(inner) = cast_literal(&text) {
            return Ok(SqlValue::Text(inner.into_bytes()));
        }
        Ok(SqlValue::Expr(text))
    }

    fn at_value_end(&mut self) -> Parsed<bool> {
        Ok(matches!(self.peek()?, Some(b',' | b')') | None)
            || self.peek()?.is_some_and(|b| b.is_ascii_whitespace()))
    }

    /// `::type` after a literal (Postgres casts): dropped, the literal's text is the value.
    fn skip_cast(&mut self, raw: &mut Vec<u8>, oversize: &mut usize) -> Parsed<()> {
        while self.peek()? == Some(b':') {
            self.take(raw, oversize)?;
            let mut depth = 0;
            while let Some(b) = self.peek()? {
                let part = is_ident_byte(b) || b == b':' || b == b'[' || b == b']';
                if part || b == b'(' || (depth > 0 && b != b')') {
                    depth += i32::from(b == b'(');
                } else if b == b')' && depth > 0 {
                    depth -= 1;
                } else {
                    break;
                }
                self.take(raw, oversize)?;
            }
        }
        Ok(())
    }

    /// A `'…'` literal, unescaped by the dialect's rules.
    fn string_value(
        &mut self,
        raw: &mut Vec<u8>,
        oversize: &mut usize,
        e_string: bool,
    ) -> Parsed<Vec<u8>> {
        let start = self.line;
        self.take(raw, oversize)?; // '
        let backslash = e_string || self.backslash_escapes(b'\'');
        let mut out = Vec::new();
        loop {
            let Some(b) = self.take(raw, oversize)? else {
                return Err(DumpError {
                    line: start,
                    message: "a string opened here is never closed (the dump is cut short?)".into(),
                });
            };
            match b {
                b'\'' => {
                    if self.peek()? == Some(b'\'') {
                        self.take(raw, oversize)?;
                        out.push(b'\'');
                    } else {
                        return Ok(out);
                    }
                }
                b'\\' if backslash => {
                    let Some(n) = self.take(raw, oversize)? else {
                        continue;
                    };
                    match (self.dialect, n) {
                        (_, b'n') => out.push(b'\n'),
                        (_, b'r') => out.push(b'\r'),
                        (_, b't') => out.push(b'\t'),
                        (_, b'b') => out.push(0x08),
                        (Dialect::MySql, b'0') => out.push(0),
                        (Dialect::MySql, b'Z') => out.push(0x1a),
                        // LIKE wildcards keep their backslash in MySQL.
                        (Dialect::MySql, b'%' | b'_') => {
                            out.push(b'\\');
                            out.push(n);
                        }
                        (Dialect::Postgres, b'f') => out.push(0x0c),
                        (Dialect::Postgres, b'0'..=b'7') => {
                            let mut v = u32::from(n - b'0');
                            for _ in 0..2 {
                                match self.peek()? {
                                    Some(d @ b'0'..=b'7') => {
                                        self.take(raw, oversize)?;
                                        v = v * 8 + u32::from(d - b'0');
                                    }
                                    _ => break,
                                }
                            }
                            out.push(v as u8);
                        }
                        (_, other) => out.push(other),
                    }
                }
                _ if out.len() > self.max_row => {}
                _ => out.push(b),
            }
        }
    }
}

/// The lookup key of a table name: schema and quotes as written are ignored, case too.
fn key(name: &str) -> String {
    name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase()
}

/// True when an item of a `CREATE TABLE` list that starts with the unquoted word `first` (then
/// `rest`) is a constraint or index, not a column (a Postgres column may be named `key`).
fn is_constraint(first: &str, rest: &str, dialect: Dialect) -> bool {
    let next = rest
        .trim_start()
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    let opens = rest.trim_start().starts_with('(');
    match first.to_ascii_uppercase().as_str() {
        "CONSTRAINT" | "LIKE" => true,
        "PRIMARY" | "FOREIGN" => next == "KEY",
        "UNIQUE" => opens || next == "KEY" || next == "INDEX" || next == "NULLS",
        "CHECK" => opens,
        "EXCLUDE" => opens || next == "USING",
        "PERIOD" => next == "FOR",
        "KEY" | "INDEX" | "FULLTEXT" | "SPATIAL" => dialect == Dialect::MySql,
        _ => false,
    }
}

/// A column's declared type without what follows it (`DEFAULT …`, `NOT NULL`, `COMMENT …`), in
/// lower case, quotes and a `pg_catalog.` prefix removed: `datetime(6) DEFAULT
/// CURRENT_TIMESTAMP(6)` is a datetime, not a timestamp.
fn column_type(rest: &str) -> String {
    let stops = [
        "DEFAULT",
        "NOT",
        "NULL",
        "COLLATE",
        "COMMENT",
        "GENERATED",
        "CHECK",
        "REFERENCES",
        "CONSTRAINT",
        "PRIMARY",
        "UNIQUE",
        "AUTO_INCREMENT",
        "ON",
        "CHARSET",
        "INVISIBLE",
        "VISIBLE",
        "STORAGE",
        "COMPRESSION",
    ];
    let all: Vec<&str> = rest.split_whitespace().collect();
    let mut words = Vec::new();
    let mut depth = 0i32;
    for (i, w) in all.iter().enumerate() {
        let bare = w.trim_matches(|c: char| c == '"' || c == '`');
        // MySQL's `CHARACTER SET utf8mb4` follows the type; Postgres's `character varying` is one.
        let charset = bare.eq_ignore_ascii_case("CHARACTER")
            && all
                .get(i + 1)
                .is_some_and(|n| n.eq_ignore_ascii_case("SET"));
        if depth == 0 && (charset || stops.iter().any(|s| bare.eq_ignore_ascii_case(s))) {
            break;
        }
        depth += w.matches('(').count() as i32 - w.matches(')').count() as i32;
        words.push(bare.to_ascii_lowercase());
    }
    let t = words.join(" ").replace('"', "");
    t.strip_prefix("pg_catalog.")
        .map(str::to_string)
        .unwrap_or(t)
}

/// `'text'::type` → text, for expressions that are only a cast literal.
fn cast_literal(text: &str) -> Option<String> {
    let rest = text.strip_prefix('\'')?;
    let end = rest.rfind("'::")?;
    Some(rest[..end].replace("''", "'"))
}

fn ends_with_values(text: &[u8]) -> bool {
    let trimmed = text.trim_ascii_end();
    trimmed.len() >= 6
        && trimmed[trimmed.len() - 6..].eq_ignore_ascii_case(b"VALUES")
        && (trimmed.len() == 6 || !is_ident_byte(trimmed[trimmed.len() - 7]))
}

fn leading_words(text: &str, n: usize) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == '(')
        .filter(|w| !w.is_empty())
        .take(n)
        .map(|w| w.to_ascii_uppercase())
        .collect()
}

/// Hex digits to bytes.
pub fn hex(text: &[u8]) -> Option<Vec<u8>> {
    let t: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if !t.len().is_multiple_of(2) {
        return None;
    }
    t.chunks(2)
        .map(|p| {
            let s = std::str::from_utf8(p).ok()?;
            u8::from_str_radix(s, 16).ok()
        })
        .collect()
}

/// Postgres's `bytea` text output (`\x0a1b…`) as bytes; None when the text is not that.
pub fn bytea_text(text: &[u8]) -> Option<Vec<u8>> {
    hex(text.strip_prefix(b"\\x")?)
}

/// One field of a COPY text-format line: `\N` is NULL; backslash escapes are undone.
fn copy_field(field: &[u8]) -> SqlValue {
    if field == b"\\N" {
        return SqlValue::Null;
    }
    if memchr::memchr(b'\\', field).is_none() {
        return SqlValue::Text(field.to_vec());
    }
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        let b = field[i];
        if b != b'\\' || i + 1 == field.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let n = field[i + 1];
        i += 2;
        match n {
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'v' => out.push(0x0b),
            b'0'..=b'7' => {
                let mut v = u32::from(n - b'0');
                let mut k = 0;
                while k < 2 && i < field.len() && (b'0'..=b'7').contains(&field[i]) {
                    v = v * 8 + u32::from(field[i] - b'0');
                    i += 1;
                    k += 1;
                }
                out.push(v as u8);
            }
            b'x' if i < field.len() && field[i].is_ascii_hexdigit() => {
                let mut v = 0u32;
                let mut k = 0;
                while k < 2 && i < field.len() && field[i].is_ascii_hexdigit() {
                    v = v * 16 + (field[i] as char).to_digit(16).unwrap_or(0);
                    i += 1;
                    k += 1;
                }
                out.push(v as u8);
            }
            other => out.push(other),
        }
    }
    SqlValue::Text(out)
}

/// A tiny tokenizer for statement heads (`COPY`, `INSERT`, `CREATE TABLE`, `SELECT lo_…`).
struct Tokens<'t> {
    text: &'t str,
    pos: usize,
}

struct Ident {
    text: String,
    quoted: bool,
}

impl<'t> Tokens<'t> {
    fn new(text: &'t str) -> Self {
        Tokens { text, pos: 0 }
    }
    fn rest(&self) -> &'t str {
        &self.text[self.pos..]
    }
    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }
    fn peek_word(&mut self) -> Option<&'t str> {
        self.skip_ws();
        let rest = self.rest();
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        (end > 0).then(|| &rest[..end])
    }
    fn next(&mut self) -> Option<&'t str> {
        let w = self.peek_word()?;
        self.pos += w.len();
        Some(w)
    }
    fn next_ident(&mut self) -> Option<Ident> {
        self.skip_ws();
        let rest = self.rest();
        let q = rest.chars().next()?;
        if q == '"' || q == '`' {
            let mut out = String::new();
            let mut chars = rest.char_indices().skip(1).peekable();
            while let Some((i, c)) = chars.next() {
                if c == q {
                    if chars.peek().is_some_and(|(_, n)| *n == q) {
                        chars.next();
                        out.push(q);
                        continue;
                    }
                    self.pos += i + 1;
                    return Some(Ident {
                        text: out,
                        quoted: true,
                    });
                }
                out.push(c);
            }
            None
        } else {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                .unwrap_or(rest.len());
            if end == 0 {
                return None;
            }
            self.pos += end;
            Some(Ident {
                text: rest[..end].to_string(),
                quoted: false,
            })
        }
    }
    /// `schema.table`, each part quoted or not; unquoted Postgres names fold to lower case only
    /// in the server, so they are kept as written.
    fn qualified_name(&mut self) -> Option<String> {
        let mut parts = vec![self.next_ident()?.text];
        while self.rest().starts_with('.') {
            self.pos += 1;
            parts.push(self.next_ident()?.text);
        }
        Some(parts.join("."))
    }
    /// `(a, "b", `c`)` → names; None when no list follows.
    fn paren_list(&mut self) -> Option<Vec<String>> {
        let items = self.paren_items()?;
        Some(
            items
                .iter()
                .filter_map(|i| Tokens::new(i).next_ident().map(|id| id.text))
                .collect(),
        )
    }
    /// The top-level comma-separated items of a parenthesised list.
    fn paren_items(&mut self) -> Option<Vec<String>> {
        self.skip_ws();
        let rest = self.rest();
        if !rest.starts_with('(') {
            return None;
        }
        let mut items = Vec::new();
        let mut depth = 0;
        let mut quote: Option<char> = None;
        let mut current = String::new();
        for (i, c) in rest.char_indices() {
            if let Some(q) = quote {
                current.push(c);
                if c == q {
                    quote = None;
                }
                continue;
            }
            match c {
                '\'' | '"' | '`' => {
                    quote = Some(c);
                    current.push(c);
                }
                '(' => {
                    depth += 1;
                    if depth > 1 {
                        current.push(c);
                    }
                }
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        items.push(std::mem::take(&mut current));
                        self.pos += i + 1;
                        return Some(
                            items
                                .into_iter()
                                .map(|s| s.trim().to_string())
                                .filter(|s| !s.is_empty())
                                .collect(),
                        );
                    }
                    current.push(c);
                }
                ',' if depth == 1 => items.push(std::mem::take(&mut current)),
                _ => current.push(c),
            }
        }
        None
    }
    /// The first `'…'` literal in the text, unescaped.
    fn string_literal(&mut self, standard: bool) -> Option<Vec<u8>> {
        let rest = self.rest().as_bytes();
        let start = memchr::memchr(b'\'', rest)?;
        let escapes = !standard || (start > 0 && rest[start - 1].eq_ignore_ascii_case(&b'E'));
        let mut out = Vec::new();
        let mut i = start + 1;
        while i < rest.len() {
            let b = rest[i];
            if b == b'\'' {
                if rest.get(i + 1) == Some(&b'\'') {
                    out.push(b'\'');
                    i += 2;
                    continue;
                }
                return Some(out);
            }
            if b == b'\\' && escapes && i + 1 < rest.len() {
                out.push(rest[i + 1]);
                i += 2;
                continue;
            }
            out.push(b);
            i += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows of a dump, read whole and read one byte at a time (every lookahead then crosses
    /// a chunk boundary): both must agree.
    fn rows(dump: &str, dialect: Dialect) -> Vec<(String, Vec<SqlValue>)> {
        let read = |capacity: usize| {
            let mut input = std::io::BufReader::with_capacity(capacity, dump.as_bytes());
            let mut r = DumpReader::new(&mut input, dialect, 1 << 20);
            let mut out = Vec::new();
            while let Some(item) = r.next_item().expect("reads") {
                if let Item::Row { table, values, .. } = item {
                    out.push((table.name.clone(), values));
                }
            }
            out
        };
        let whole = read(1 << 16);
        assert_eq!(read(1), whole, "read one byte at a time");
        whole
    }

    fn text(s: &str) -> SqlValue {
        SqlValue::Text(s.as_bytes().to_vec())
    }

    #[test]
    fn copy_blocks_unescape_postgres_text_format() {
        let dump = "\\restrict abc\nCOPY public.t (a, b, \"timestamp\") FROM stdin;\n1\t\\N\tx\\ty\\\\z\\nw\n\\.\n\\unrestrict abc\n";
        let got = rows(dump, Dialect::Postgres);
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].1,
            vec![text("1"), SqlValue::Null, text("x\ty\\z\nw")]
        );
    }

    #[test]
    fn multi_row_inserts_keep_quotes_newlines_and_columns_from_create_table() {
        let dump = "CREATE TABLE audit.e (\n    id integer NOT NULL,\n    note text,\n    CONSTRAINT pk PRIMARY KEY (id)\n);\nINSERT INTO audit.e OVERRIDING SYSTEM VALUE VALUES\n\t(1, 'it''s\ntwo lines'),\n\t(2, NULL);\n";
        let got = rows(dump, Dialect::Postgres);
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0].1,
            vec![SqlValue::Number("1".into()), text("it's\ntwo lines")]
        );
        assert_eq!(got[1].1, vec![SqlValue::Number("2".into()), SqlValue::Null]);
    }

    #[test]
    fn mysql_extended_inserts_unescape_backslashes_and_binary_strings() {
        let dump = "/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19\n/*!40103 SET TIME_ZONE='+00:00' */;\nINSERT INTO `t` (`a`, `b`) VALUES (1,'O\\'Neil \\\"x\\\" \\\\ \\Z'),(2,_binary 'ab\\0'),(3,0x0A1B);\n";
        let mut input = std::io::BufReader::new(dump.as_bytes());
        let mut r = DumpReader::new(&mut input, Dialect::MySql, 1 << 20);
        let mut got = Vec::new();
        while let Some(Item::Row { values, .. }) = r.next_item().unwrap() {
            got.push(values);
        }
        assert!(r.mysql_utc);
        assert_eq!(got[0][1], text("O'Neil \"x\" \\ \u{1a}"));
        assert_eq!(got[1][1], SqlValue::Bytes(b"ab\0".to_vec()));
        assert_eq!(got[2][1], SqlValue::Bytes(vec![0x0a, 0x1b]));
    }

    #[test]
    fn function_bodies_and_semicolons_in_strings_do_not_end_statements() {
        let dump = "CREATE FUNCTION f() RETURNS void AS $$ BEGIN; INSERT INTO x VALUES (1); END; $$;\nINSERT INTO t (a) VALUES ('a;b');\n";
        let got = rows(dump, Dialect::Postgres);
        assert_eq!(got, vec![("t".to_string(), vec![text("a;b")])]);
    }

    #[test]
    fn column_types_stop_before_defaults_and_columns_named_key_are_columns() {
        let dump = "CREATE TABLE \"public\".\"t\" (\n    key text,\n    \"at\" \"pg_catalog\".\"timestamptz\" DEFAULT now(),\n    CONSTRAINT pk PRIMARY KEY (key)\n);\nINSERT INTO public.t VALUES ('k', '2024-01-01 00:00:00+00');\nREPLACE INTO t VALUES ('r', DEFAULT);\nCOPY public.t (key, at) FROM stdin;\nc\t\\N\n\\.\n";
        let mut input = std::io::BufReader::new(dump.as_bytes());
        let mut r = DumpReader::new(&mut input, Dialect::Postgres, 1 << 20);
        let mut got = Vec::new();
        while let Some(Item::Row { table, values, .. }) = r.next_item().unwrap() {
            got.push((table.columns.clone(), values));
        }
        assert_eq!(got.len(), 3, "{got:?}");
        let cols = &got[0].0;
        assert_eq!(cols.len(), 2);
        assert_eq!(
            (cols[0].name.as_str(), cols[1].sql_type.as_str()),
            ("key", "timestamptz")
        );
        assert_eq!(got[1].1[1], SqlValue::Null);
        assert_eq!(
            column_type("datetime(6) DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE x"),
            "datetime(6)"
        );
        assert_eq!(
            column_type("character varying(500) NOT NULL"),
            "character varying(500)"
        );
    }

    #[test]
    fn a_dump_of_several_databases_says_which_each_table_is_in() {
        let dump = "\\connect -reuse-previous=on \"dbname='tenant_a'\"\nCOPY public.t (a) FROM stdin;\n1\n\\.\n\\connect tenant_b\nCOPY public.t (a) FROM stdin;\n2\n\\.\n";
        let mut input = std::io::BufReader::new(dump.as_bytes());
        let mut r = DumpReader::new(&mut input, Dialect::Postgres, 1 << 20);
        let mut dbs = Vec::new();
        while let Some(Item::Row { .. }) = r.next_item().unwrap() {
            dbs.push(r.database.clone());
        }
        assert_eq!(
            dbs,
            vec![Some("tenant_a".to_string()), Some("tenant_b".to_string())]
        );
    }

    #[test]
    fn statements_inside_mysql_routines_are_not_read_as_data() {
        let dump = "-- MySQL dump 10.13\nCREATE TABLE `t` (\n  `a` int\n);\nDELIMITER ;;\nCREATE PROCEDURE p() BEGIN INSERT INTO t VALUES (9); SELECT 1; END ;;\nDELIMITER ;\nINSERT INTO `t` VALUES (1),(2);\n";
        let got = rows(dump, Dialect::MySql);
        assert_eq!(got.len(), 2, "{got:?}");
    }

    #[test]
    fn large_objects_are_assembled_from_their_writes() {
        let dump = "BEGIN;\nSELECT pg_catalog.lo_open('16427', 131072);\nSELECT pg_catalog.lowrite(0, '\\x3c613e');\nSELECT pg_catalog.lowrite(0, '\\x3c2f613e');\nSELECT pg_catalog.lo_close(0);\nCOMMIT;\n";
        let mut input = std::io::BufReader::new(dump.as_bytes());
        let mut r = DumpReader::new(&mut input, Dialect::Postgres, 1 << 20);
        match r.next_item().unwrap() {
            Some(Item::LargeObject { oid, bytes }) => {
                assert_eq!(oid, "16427");
                assert_eq!(bytes, b"<a></a>");
            }
            other => panic!("expected a large object, got {other:?}"),
        }
        assert!(r.next_item().unwrap().is_none());
    }

    #[test]
    fn a_copy_block_cut_short_is_an_error_naming_the_table() {
        let dump = "COPY public.mt_events (a) FROM stdin;\n1\n";
        let mut input = std::io::BufReader::new(dump.as_bytes());
        let mut r = DumpReader::new(&mut input, Dialect::Postgres, 1 << 20);
        assert!(matches!(r.next_item(), Ok(Some(Item::Row { .. }))));
        let e = r.next_item().unwrap_err();
        assert!(e.message.contains("public.mt_events"), "{}", e.message);
    }

    #[test]
    fn dumps_are_told_from_csv_by_their_first_bytes() {
        assert!(looks_like_dump(b"--\n-- PostgreSQL database dump\n--\n"));
        assert!(looks_like_dump(
            b"/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump"
        ));
        assert!(!looks_like_dump(b"event_id,stream_id\n1,2\n"));
    }
}
