//! `case_meta`: the case's small records by key (its schema version, fold and decision rules,
//! replayers, what each derived table was built from). Every reader and writer goes through here.

use duckdb::Connection;

use crate::error::Result;

/// The value kept under `key`, if there is one (a case without the key, or one that cannot be
/// read, has none: every caller then rebuilds or falls back to its default).
pub fn get(conn: &Connection, key: &str) -> Option<String> {
    conn.prepare_cached("SELECT value FROM main.case_meta WHERE key = ?")
        .and_then(|mut stmt| stmt.query_row([key], |r| r.get(0)))
        .ok()
}

/// Keeps `value` under `key`, replacing what was there.
pub fn set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO main.case_meta VALUES (?, ?)")?
        .execute([key, value])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_value_kept_in_case_meta_reads_back_and_is_replaced() {
        let conn = duckdb::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE case_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
        )
        .unwrap();
        assert_eq!(super::get(&conn, "k"), None);
        super::set(&conn, "k", "one").unwrap();
        super::set(&conn, "k", "two").unwrap();
        assert_eq!(super::get(&conn, "k").as_deref(), Some("two"));
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM case_meta", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1);
    }
}
