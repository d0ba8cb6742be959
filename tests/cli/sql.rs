use serde_json::Value;

use crate::common::*;

fn refused(case: &std::path::Path, query: &str) -> String {
    let out = run(&["sql", s(case), query]);
    assert_ne!(out.status.code(), Some(0), "`{query}` was allowed");
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn sql_console_reads_the_case_but_cannot_reach_files_or_write() {
    let dir = tmp();
    let case = dir.path().join("q.casefile");
    json(&[
        "import",
        s(&case),
        s(&samples().join("lending/applications.jsonl")),
    ]);
    let ok = json(&[
        "sql",
        s(&case),
        "SELECT event_type, count(*) AS n FROM events GROUP BY 1 ORDER BY 1",
    ]);
    assert_eq!(ok["columns"], serde_json::json!(["event_type", "n"]));
    assert!(!ok["rows"].as_array().unwrap().is_empty());

    let e = refused(&case, "SELECT * FROM read_csv('/etc/passwd')");
    assert!(e.contains("disabled") || e.contains("external"), "{e}");
    let target = dir.path().join("leak.csv");
    let e = refused(&case, &format!("COPY events TO '{}'", target.display()));
    assert!(!target.exists(), "COPY wrote a file: {e}");
    refused(
        &case,
        "INSERT INTO notes (created_at, author, body) VALUES (now(), 'x', 'y')",
    );
    refused(&case, "DELETE FROM events");
    refused(&case, "SET enable_external_access = true");
    refused(
        &case,
        &format!(
            "ATTACH '{}' AS other",
            dir.path().join("other.db").display()
        ),
    );
    // Still intact.
    assert!(json(&["info", s(&case)])["events"].as_u64().unwrap() > 0);
}

#[test]
fn intervals_read_as_duckdb_writes_them() {
    let dir = tmp();
    let case = dir.path().join("c.casefile");
    json(&["import", s(&case), s(&fixtures().join("canonical.csv"))]);
    let rows = sql(
        &case,
        "SELECT INTERVAL '38 days 23 hours 59 minutes 59.999847 seconds', INTERVAL '14 months', INTERVAL '0 seconds'",
    );
    assert_eq!(
        rows[0],
        vec![
            Value::from("38 days 23:59:59.999847"),
            Value::from("1 year 2 months"),
            Value::from("00:00:00")
        ]
    );
}
