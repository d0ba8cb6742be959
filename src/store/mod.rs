//! The case file: one DuckDB database holding the evidence (`events`), the chain of custody
//! (`sources`), rejected rows (`quarantine`), integrity `findings` and append-only `notes`.
//! This module owns the schema and its migrations, and the offline configuration every connection
//! gets: DuckDB never downloads or autoloads anything.

use std::path::{Path, PathBuf};

use duckdb::{AccessMode, Config, Connection};

use crate::error::{Error, Result};

pub(crate) mod columns;
pub mod memory;
pub mod meta;
pub mod sql;

/// The schema version this build writes. Bump it and add a step to `MIGRATIONS` to change the schema.
pub const SCHEMA_VERSION: i64 = 7;

/// Each entry upgrades the schema from version `index` to `index + 1`.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE sources (
    source_id              INTEGER PRIMARY KEY,
    path                   VARCHAR NOT NULL,
    file_name              VARCHAR NOT NULL,
    size_bytes             BIGINT NOT NULL,
    sha256                 VARCHAR NOT NULL UNIQUE,
    format                 VARCHAR NOT NULL,
    container              VARCHAR NOT NULL,
    compression            VARCHAR NOT NULL,
    detected_by            VARCHAR NOT NULL,
    mapping                VARCHAR NOT NULL,
    imported_at            TIMESTAMP NOT NULL,
    imported_by            VARCHAR NOT NULL,
    tool_version           VARCHAR NOT NULL,
    rows_read              BIGINT NOT NULL,
    rows_loaded            BIGINT NOT NULL,
    rows_quarantined       BIGINT NOT NULL,
    duplicates             BIGINT NOT NULL,
    recorded_at_defaulted  BIGINT NOT NULL,
    naive_timestamps       BIGINT NOT NULL
);
CREATE TABLE events (
    seq                    BIGINT NOT NULL,
    event_id               VARCHAR NOT NULL,
    stream_id              VARCHAR NOT NULL,
    stream_type            VARCHAR,
    stream_version         BIGINT,
    event_type             VARCHAR NOT NULL,
    schema_version         BIGINT NOT NULL,
    occurred_at            TIMESTAMP NOT NULL,
    recorded_at            TIMESTAMP NOT NULL,
    recorded_at_defaulted  BOOLEAN NOT NULL,
    naive_time             BOOLEAN NOT NULL,
    actor                  VARCHAR,
    reason                 VARCHAR,
    causation_id           VARCHAR,
    correlation_id         VARCHAR,
    corrects               VARCHAR,
    payload                JSON,
    metadata               JSON,
    source_id              INTEGER NOT NULL,
    source_row             BIGINT NOT NULL
);
CREATE TABLE quarantine (
    source_id   INTEGER NOT NULL,
    "row"       BIGINT NOT NULL,
    reason      VARCHAR NOT NULL,
    raw         VARCHAR NOT NULL,
    event_id    VARCHAR
);
CREATE SEQUENCE finding_ids;
CREATE TABLE findings (
    finding_id  BIGINT PRIMARY KEY DEFAULT nextval('finding_ids'),
    source_id   INTEGER NOT NULL,
    kind        VARCHAR NOT NULL,
    stream_id   VARCHAR,
    event_id    VARCHAR,
    message     VARCHAR NOT NULL
);
CREATE SEQUENCE note_ids;
CREATE TABLE notes (
    note_id     BIGINT PRIMARY KEY DEFAULT nextval('note_ids'),
    created_at  TIMESTAMP NOT NULL,
    author      VARCHAR NOT NULL,
    at_time     TIMESTAMP,
    stream_id   VARCHAR,
    event_id    VARCHAR,
    body        VARCHAR NOT NULL,
    supersedes  BIGINT
);
"#,
    r#"
-- Derived, rebuildable: the time machine's stored states (see timeline::snapshots).
CREATE TABLE snapshots (
    stream_id       VARCHAR NOT NULL,
    stream_type     VARCHAR,
    combos          UTINYINT NOT NULL,
    step            INTEGER NOT NULL,
    exact           BOOLEAN NOT NULL,
    rec_from        BIGINT,
    rec_to          BIGINT,
    occ_from        BIGINT,
    occ_to          BIGINT,
    events_seen     INTEGER NOT NULL,
    events_applied  INTEGER NOT NULL,
    versioned       BOOLEAN NOT NULL,
    version         BIGINT,
    last_event_id   VARCHAR,
    state           VARCHAR
);
CREATE TABLE plan_steps (
    stream_id       VARCHAR NOT NULL,
    combos          UTINYINT NOT NULL,
    step            INTEGER NOT NULL,
    rec_at          BIGINT,
    occ_at          BIGINT,
    event_id        VARCHAR NOT NULL,
    stream_version  BIGINT,
    effect_type     VARCHAR NOT NULL,
    effect          VARCHAR
);
CREATE TABLE snapshot_shapes (
    stream_type     VARCHAR,
    structure       VARCHAR
);
"#,
    r#"
-- A note's instant is on one of the two time axes ('recorded' or 'occurred').
ALTER TABLE notes ADD COLUMN axis VARCHAR;
"#,
    r#"
-- Derived, rebuildable: the decision view (see decisions/).
CREATE TABLE decisions (
    decision_id      VARCHAR NOT NULL,
    event_id         VARCHAR NOT NULL,
    stream_id        VARCHAR NOT NULL,
    subject_id       VARCHAR NOT NULL,
    subject_hint     VARCHAR,
    event_type       VARCHAR NOT NULL,
    decided_at       TIMESTAMP NOT NULL,
    recorded_at      TIMESTAMP NOT NULL,
    actor            VARCHAR,
    model            VARCHAR,
    model_version    VARCHAR,
    inputs           VARCHAR,
    output           VARCHAR,
    label            VARCHAR,
    score            DOUBLE,
    llm              VARCHAR,
    context_ids      VARCHAR,
    feature_set_hash VARCHAR,
    causation_id     VARCHAR,
    correlation_id   VARCHAR,
    stale_inputs     BIGINT NOT NULL,
    corrections      BIGINT NOT NULL
);
CREATE TABLE decision_links (
    decision_event_id VARCHAR NOT NULL,
    event_id          VARCHAR NOT NULL,
    stream_id         VARCHAR NOT NULL,
    link              VARCHAR NOT NULL
);
CREATE TABLE model_deployments (
    model          VARCHAR,
    model_version  VARCHAR NOT NULL,
    event_id       VARCHAR NOT NULL,
    stream_id      VARCHAR NOT NULL,
    deployed_at    TIMESTAMP NOT NULL,
    recorded_at    TIMESTAMP NOT NULL,
    actor          VARCHAR,
    payload        VARCHAR
);
CREATE TABLE context_refs (
    chunk_id   VARCHAR NOT NULL,
    stream_id  VARCHAR NOT NULL
);
-- Evidence, append-only: replay runs and what each decision replayed to.
CREATE SEQUENCE replay_run_ids;
CREATE TABLE replay_runs (
    run_id           BIGINT PRIMARY KEY,
    started_at       TIMESTAMP NOT NULL,
    finished_at      TIMESTAMP NOT NULL,
    mode             VARCHAR NOT NULL,
    replayers        VARCHAR NOT NULL,
    repeat           BIGINT NOT NULL,
    decisions        BIGINT NOT NULL,
    matched          BIGINT NOT NULL,
    mismatched       BIGINT NOT NULL,
    failed           BIGINT NOT NULL,
    nondeterministic BIGINT NOT NULL,
    flips            BIGINT NOT NULL,
    cancelled        BOOLEAN NOT NULL,
    run_by           VARCHAR NOT NULL,
    tool_version     VARCHAR NOT NULL
);
CREATE TABLE replay_results (
    run_id          BIGINT NOT NULL,
    decision_id     VARCHAR NOT NULL,
    event_id        VARCHAR NOT NULL,
    stream_id       VARCHAR NOT NULL,
    replayer        VARCHAR,
    status          VARCHAR NOT NULL,
    counterfactual  BOOLEAN NOT NULL,
    recorded        VARCHAR,
    replayed        VARCHAR,
    differences     VARCHAR,
    error           VARCHAR,
    flipped         BOOLEAN NOT NULL,
    duration_us     BIGINT NOT NULL
);
-- Findings of analysis (stale inputs, replays) come from no source file.
ALTER TABLE findings ALTER COLUMN source_id DROP NOT NULL;
"#,
    r#"
-- Events loaded with a time that is not their own (an enclosing record's, or the file's default).
ALTER TABLE sources ADD COLUMN times_placed BIGINT DEFAULT 0;
"#,
    r#"
-- A one-stream as-of reads one or two columns: what it needs of a stored row is packed into
-- `record` (a JSON array, see timeline::snapshots::SnapRecord and StepRecord). Snapshots are
-- derived: the old ones are dropped and the case rebuilds them when it next needs them.
DROP TABLE snapshots;
DROP TABLE plan_steps;
CREATE TABLE snapshots (
    stream_id       VARCHAR NOT NULL,
    stream_type     VARCHAR,
    combos          UTINYINT NOT NULL,
    step            INTEGER NOT NULL,
    exact           BOOLEAN NOT NULL,
    rec_from        BIGINT,
    rec_to          BIGINT,
    occ_from        BIGINT,
    occ_to          BIGINT,
    record          VARCHAR NOT NULL,
    state           VARCHAR
);
CREATE TABLE plan_steps (
    stream_id       VARCHAR NOT NULL,
    combos          UTINYINT NOT NULL,
    step            INTEGER NOT NULL,
    record          VARCHAR NOT NULL
);
DELETE FROM snapshot_shapes;
DELETE FROM case_meta WHERE key = 'snapshots_built_from';
"#,
    r#"
-- The view a note was written in (auditor, or operator with its profile; see viewer).
ALTER TABLE notes ADD COLUMN view VARCHAR;
"#,
];

/// Settings every connection gets: nothing is ever fetched from the network, and DuckDB keeps to
/// its share of the memory budget ([`memory::duckdb_share`]), spilling to `spill_dir` past it (`None`: beside the database
/// file, DuckDB's own choice).
pub(crate) fn offline_config(spill_dir: Option<&Path>) -> Result<Config> {
    offline_config_within(spill_dir, memory::duckdb_limit()?)
}

fn offline_config_within(spill_dir: Option<&Path>, limit: u64) -> Result<Config> {
    let mut config = Config::default()
        .enable_autoload_extension(false)?
        .with("autoinstall_known_extensions", "false")?
        .max_memory(&format!("{limit}B"))?;
    if let Some(dir) = spill_dir {
        config = config.with("temp_directory", dir.to_string_lossy())?;
    }
    Ok(config)
}

/// Where a file is written before it is renamed into place: beside it, named for this process.
pub fn partial_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

/// A scratch database in memory (reading Parquet, checking an export) under the same budget.
pub fn open_scratch_in_memory() -> Result<Connection> {
    Ok(Connection::open_in_memory_with_flags(offline_config(
        Some(&memory::scratch_spill_dir()),
    )?)?)
}

/// Why a case file did not open: another process holds it (DuckDB allows one writer per file, and
/// no readers beside it), or it is not a case.
fn unopenable(path: &Path, e: duckdb::Error) -> Error {
    let text = e.to_string();
    match text.split_once("Conflicting lock is held in ") {
        Some((_, holder)) => Error::CaseInUse {
            path: path.to_path_buf(),
            holder: holder
                .split(". See also")
                .next()
                .unwrap_or(holder)
                .trim()
                .to_string(),
        },
        None => Error::NotACase {
            path: path.to_path_buf(),
            detail: text,
        },
    }
}

/// A case-shaped staging database (a bundle's copy of the events) written while the case stays
/// open. Each DuckDB database has its own memory limit, and the case's may already hold its whole
/// share, so the staging copy, which only appends and copies in order, gets an eighth of it.
pub fn open_staging(path: &Path) -> Result<Connection> {
    let limit = staging_limit()?;
    let conn = Connection::open_with_flags(path, offline_config_within(None, limit)?)
        .map_err(|e| unopenable(path, e))?;
    migrate(&conn, path)?;
    Ok(conn)
}

fn staging_limit() -> Result<u64> {
    Ok((memory::duckdb_limit()? / 8).max(memory::SMALLEST))
}

/// While alive, the case's database keeps to less than DuckDB's share of the budget, leaving the
/// rest to something else that holds memory meanwhile: a staging database ([`open_staging`]) or
/// a busy stream folded in Rust. Dropped, the case has its whole share again.
pub struct SmallerShare<'c> {
    conn: &'c Connection,
    whole: u64,
}

impl<'c> SmallerShare<'c> {
    /// DuckDB's share less what a staging database takes, so the two stay within the share.
    pub fn beside_staging(conn: &'c Connection) -> Result<Self> {
        let whole = memory::duckdb_limit()?;
        Self::keep_to(conn, whole.saturating_sub(staging_limit()?))
    }

    /// `numerator / denominator` of DuckDB's share.
    pub fn fraction(conn: &'c Connection, numerator: u64, denominator: u64) -> Result<Self> {
        let whole = memory::duckdb_limit()?;
        Self::keep_to(conn, whole / denominator.max(1) * numerator)
    }

    fn keep_to(conn: &'c Connection, bytes: u64) -> Result<Self> {
        let whole = memory::duckdb_limit()?;
        let bytes = bytes.clamp(memory::SMALLEST, whole.max(memory::SMALLEST));
        conn.execute_batch(&format!("SET memory_limit = '{bytes}B'"))?;
        Ok(SmallerShare { conn, whole })
    }
}

impl Drop for SmallerShare<'_> {
    fn drop(&mut self) {
        // A failure leaves the smaller limit, which is safe; nothing to report it to here.
        let _ = self
            .conn
            .execute_batch(&format!("SET memory_limit = '{}B'", self.whole));
    }
}

/// Opens (or creates) a case file for reading and writing, migrating its schema when it is older.
pub fn open_read_write(path: &Path, create: bool) -> Result<Connection> {
    if !create && !path.exists() {
        return Err(Error::CaseNotFound {
            path: path.to_path_buf(),
        });
    }
    let conn = Connection::open_with_flags(path, offline_config(None)?)
        .map_err(|e| unopenable(path, e))?;
    migrate(&conn, path)?;
    Ok(conn)
}

/// Opens a case for user-typed SQL: read-only, no access to any file but the case, and the
/// configuration locked so the query cannot turn either back on.
pub fn open_locked_down(path: &Path) -> Result<Connection> {
    if !path.exists() {
        return Err(Error::CaseNotFound {
            path: path.to_path_buf(),
        });
    }
    let config = offline_config(None)?
        .access_mode(AccessMode::ReadOnly)?
        .enable_external_access(false)?;
    let conn = Connection::open_with_flags(path, config).map_err(|e| unopenable(path, e))?;
    check_schema(&conn, path)?;
    conn.execute_batch("SET lock_configuration = true;")?;
    Ok(conn)
}

fn current_version(conn: &Connection) -> Result<Option<i64>> {
    let has_meta: i64 = conn.query_row(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'case_meta' AND table_schema = 'main'",
        [],
        |r| r.get(0),
    )?;
    if has_meta == 0 {
        return Ok(None);
    }
    let v: Option<String> = conn
        .query_row(
            "SELECT value FROM case_meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .ok();
    Ok(v.and_then(|s| s.parse().ok()))
}

fn check_schema(conn: &Connection, path: &Path) -> Result<i64> {
    match current_version(conn)? {
        None => Err(Error::NotACase {
            path: path.to_path_buf(),
            detail: "it has no case_meta table".into(),
        }),
        Some(v) if v > SCHEMA_VERSION => Err(Error::CaseTooNew {
            path: path.to_path_buf(),
            found: v,
            supported: SCHEMA_VERSION,
        }),
        Some(v) => Ok(v),
    }
}

fn migrate(conn: &Connection, path: &Path) -> Result<()> {
    let version = match current_version(conn)? {
        Some(v) => check_schema(conn, path).map(|_| v)?,
        None => {
            let tables: i64 = conn.query_row(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main'",
                [],
                |r| r.get(0),
            )?;
            if tables > 0 {
                return Err(Error::NotACase {
                    path: path.to_path_buf(),
                    detail: "it is a DuckDB database with other tables in it".into(),
                });
            }
            0
        }
    };
    for (from, step) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let to = from as i64 + 1;
        conn.execute_batch(&format!(
            "BEGIN TRANSACTION;
             CREATE TABLE IF NOT EXISTS case_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
             {step}
             INSERT OR REPLACE INTO case_meta VALUES ('schema_version', '{to}');
             COMMIT;"
        ))?;
    }
    Ok(())
}

/// What the case holds: its sources' sha256 in import order (comma-separated) and its event count.
/// Derived data and outputs are keyed to it.
pub fn sources_and_events(conn: &Connection) -> Result<(String, i64)> {
    Ok(conn.query_row(
        "SELECT coalesce(string_agg(sha256, ',' ORDER BY source_id), ''), (SELECT count(*) FROM events) FROM sources",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// Where a case's path points, made absolute for the custody record.
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Runs `work` in one transaction on `conn`: committed when it returns `Ok`, rolled back (nothing
/// half-written) when it fails or is cancelled. For work on `&Connection` that an
/// `unchecked_transaction` guard would hold borrowed across calls that take the connection.
pub fn in_transaction<T>(conn: &Connection, work: impl FnOnce() -> Result<T>) -> Result<T> {
    conn.execute_batch("BEGIN TRANSACTION")?;
    match work() {
        Ok(value) => {
            conn.execute_batch("COMMIT")?;
            Ok(value)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// A UTC microsecond instant as a DuckDB `TIMESTAMP` value (for appenders and parameters).
pub fn timestamp(us: i64) -> duckdb::types::Value {
    duckdb::types::Value::Timestamp(duckdb::types::TimeUnit::Microsecond, us)
}
