//! `casefile export` (the lake export) and `casefile export --verify`: every file listed with a
//! hash and row count checked here independently, the bundle's Merkle root, the layout distributed
//! engines read, state changelogs that agree with `casefile state`, and tampering named by file.

use serde_json::Value;

use super::common::{json, json_with, lending_case, s, scenario_files, sha256_of, tmp};

fn duck() -> duckdb::Connection {
    duckdb::Connection::open_in_memory().unwrap()
}

#[test]
fn a_lake_export_lists_every_file_with_its_hash_and_rows_and_verifies() {
    let dir = tmp();
    let case = lending_case(dir.path());
    let lake = dir.path().join("lake");
    let report = json(&["export", s(&case), s(&lake)]);
    let info = json(&["info", s(&case)]);
    assert_eq!(report["events"], info["events"]);
    assert_eq!(report["path"].as_str().unwrap(), s(&lake));
    let conn = duck();
    let files = report["files"].as_array().unwrap();
    assert!(files.len() > 3);
    let mut event_rows = 0;
    for f in files {
        let path = lake.join(f["path"].as_str().unwrap());
        assert_eq!(f["sha256"].as_str().unwrap(), sha256_of(&path), "{f}");
        let rows: i64 = conn
            .query_row(
                &format!("SELECT count(*) FROM read_parquet('{}')", s(&path)),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(f["rows"].as_i64().unwrap(), rows, "{f}");
        if f["path"].as_str().unwrap().starts_with("events/") {
            event_rows += rows;
        }
    }
    assert_eq!(Value::from(event_rows), info["events"]);
    let verified = json(&["export", "--verify", s(&lake)]);
    assert_eq!(verified["ok"], true, "{verified}");
    assert_eq!(verified["problems"].as_array().unwrap().len(), 0);
    assert_eq!(verified["merkle_root"], report["merkle_root"]);
}

#[test]
fn the_lake_exports_merkle_root_is_a_bundles_root_and_an_export_of_a_bundle_keeps_it() {
    let dir = tmp();
    // A case without erasure markers: the export's root is the root of a bundle of it all.
    let orders = dir.path().join("orders.casefile");
    let mut args = vec!["import".to_string(), s(&orders).to_string()];
    args.extend(scenario_files(&["orders"]));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    json(&args);
    let report = json(&["export", s(&orders), s(&dir.path().join("orders-lake"))]);
    let bundle = dir.path().join("orders.casebundle");
    let b = json(&["bundle", "export", s(&orders), s(&bundle)]);
    assert_eq!(report["merkle_root"], b["merkle_root"]);
    assert_eq!(report["events"], b["events"]);
    // The lending case erases a subject: its bundle reads `[erased]` where the case does not, yet
    // commits to the erased values (kept as commitments), so the roots are one; the export of the
    // bundle, whose events lack those values, carries the root from the leaves the bundle signed.
    let case = lending_case(dir.path());
    let direct = json(&["export", s(&case), s(&dir.path().join("lake"))]);
    let bundle = dir.path().join("all.casebundle");
    let b = json(&["bundle", "export", s(&case), s(&bundle)]);
    assert!(
        b["redaction"]["counts"]["values_erased"].as_u64().unwrap() > 0,
        "{b}"
    );
    assert_eq!(direct["merkle_root"], b["merkle_root"]);
    let from_bundle = json(&["export", s(&bundle), s(&dir.path().join("lake2"))]);
    assert_eq!(from_bundle["merkle_root"], b["merkle_root"]);
    assert_eq!(from_bundle["events"], b["events"]);
}

#[test]
fn verify_names_a_changed_an_added_and_a_missing_file() {
    let dir = tmp();
    let case = lending_case(dir.path());
    let lake = dir.path().join("lake");
    let report = json(&["export", s(&case), s(&lake)]);
    let files = report["files"].as_array().unwrap();
    let changed = files[0]["path"].as_str().unwrap().to_string();
    let missing = files[1]["path"].as_str().unwrap().to_string();
    let path = lake.join(&changed);
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&path, bytes).unwrap();
    std::fs::remove_file(lake.join(&missing)).unwrap();
    std::fs::write(lake.join("events").join("extra.parquet"), b"not parquet").unwrap();
    let verified = json_with(1, &["export", "--verify", s(&lake)]);
    assert_eq!(verified["ok"], false);
    let problems = verified["problems"].as_array().unwrap();
    let said = |file: &str, words: &str| {
        problems.iter().any(|p| {
            p["file"].as_str() == Some(file) && p["message"].as_str().unwrap().contains(words)
        })
    };
    assert!(said(&changed, "was changed"), "{problems:?}");
    assert!(said(&missing, "is missing"), "{problems:?}");
    assert!(
        said("events/extra.parquet", "not in the manifest"),
        "{problems:?}"
    );
    assert_eq!(problems.len(), 3, "{problems:?}");
}

#[test]
fn an_export_refuses_a_folder_that_holds_files_and_verify_refuses_a_folder_that_is_no_export() {
    let dir = tmp();
    let case = lending_case(dir.path());
    let full = dir.path().join("full");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(full.join("keep.txt"), "mine").unwrap();
    let err = json_with(2, &["export", s(&case), s(&full)]);
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not an empty folder"));
    assert_eq!(
        std::fs::read_to_string(full.join("keep.txt")).unwrap(),
        "mine"
    );
    let err = json_with(2, &["export", "--verify", s(&full)]);
    assert_eq!(err["error"]["code"], "bad_export");
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not a Casefile lake export"));
    // Nothing was left beside the folders.
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn the_events_are_partitioned_by_utc_date_and_stream_bucket_with_utc_microsecond_times() {
    let dir = tmp();
    let case = lending_case(dir.path());
    let lake = dir.path().join("lake");
    json(&["export", s(&case), s(&lake)]);
    let conn = duck();
    let glob = format!("{}/events/**/*.parquet", s(&lake));
    let types: Vec<(String, String)> = {
        let mut stmt = conn
            .prepare(&format!(
                "DESCRIBE SELECT * FROM read_parquet('{glob}', hive_partitioning = true)"
            ))
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let type_of = |c: &str| types.iter().find(|(n, _)| n == c).map(|(_, t)| t.clone());
    assert_eq!(
        type_of("occurred_at").as_deref(),
        Some("TIMESTAMP WITH TIME ZONE")
    );
    assert_eq!(
        type_of("recorded_at").as_deref(),
        Some("TIMESTAMP WITH TIME ZONE")
    );
    assert_eq!(type_of("payload").as_deref(), Some("VARCHAR"));
    // Each file lies in the folder of its rows' UTC date, and a stream stays in one bucket.
    let (wrong_date, streams_split): (i64, i64) = conn
        .query_row(
            &format!(
                "SELECT
                   (SELECT count(*) FROM read_parquet('{glob}', hive_partitioning = false, filename = true)
                    WHERE filename NOT LIKE '%event_date=' || strftime(make_timestamp(epoch_us(occurred_at)), '%Y-%m-%d') || '/%'),
                   (SELECT count(*) FROM (SELECT stream_id FROM read_parquet('{glob}', hive_partitioning = true)
                    GROUP BY 1 HAVING count(DISTINCT stream_bucket) > 1))"
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(wrong_date, 0);
    assert_eq!(streams_split, 0);
}

#[test]
fn state_changelogs_agree_with_the_time_machine_on_both_axes_and_views() {
    let dir = tmp();
    let case = lending_case(dir.path());
    let lake = dir.path().join("lake");
    json(&["export", s(&case), s(&lake)]);
    let conn = duck();
    let states = format!("{}/states/**/*.parquet", s(&lake));
    // A few streams, at instants around their events.
    let mut stmt = conn
        .prepare(&format!(
            "SELECT DISTINCT stream_id, epoch_us(valid_from) FROM read_parquet('{states}', hive_partitioning = true)
             WHERE axis = 'recorded' ORDER BY 1, 2 LIMIT 40"
        ))
        .unwrap();
    let probes: Vec<(String, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(probes.len() >= 20);
    let mut checked = 0;
    for (stream, from) in probes {
        for at in [from, from + 1, from - 1] {
            for (axis, as_recorded) in [
                ("recorded", false),
                ("occurred", false),
                ("recorded", true),
                ("occurred", true),
            ] {
                let when = casefile::format_micros(at);
                let mut args = vec!["state", s(&case), &stream, "--at", &when, "--axis", axis];
                if as_recorded {
                    args.push("--as-recorded");
                }
                let truth = json(&args);
                let view = if as_recorded {
                    "as_recorded"
                } else {
                    "as_corrected"
                };
                let row: Option<Option<String>> = conn
                    .query_row(
                        &format!(
                            "SELECT state FROM read_parquet('{states}', hive_partitioning = true)
                             WHERE stream_id = ? AND view = ? AND axis = ?
                               AND epoch_us(valid_from) <= ? AND (valid_to IS NULL OR ? < epoch_us(valid_to))"
                        ),
                        duckdb::params![stream, view, axis, at, at],
                        |r| r.get(0),
                    )
                    .ok();
                let exported: Value = match row.flatten() {
                    Some(text) => serde_json::from_str(&text).unwrap(),
                    None => Value::Object(Default::default()),
                };
                assert_eq!(
                    exported, truth["state"],
                    "{stream} at {when} on {axis} ({view})"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 240);
}

#[test]
fn an_export_written_in_many_chunks_has_the_same_state_rows_and_root_as_in_one() {
    let dir = tmp();
    let case = lending_case(dir.path());
    let whole = dir.path().join("whole");
    let chunked = dir.path().join("chunked");
    json(&["export", s(&case), s(&whole)]);
    let out = std::process::Command::new(super::common::bin())
        .args(["export", "--json", s(&case), s(&chunked)])
        .env("CASEFILE_LAKE_CHUNK_ROWS", "150")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let conn = duck();
    let rows = |lake: &std::path::Path| -> (i64, String) {
        conn.query_row(
            &format!(
                "SELECT count(*), md5(string_agg(r, '\n' ORDER BY r)) FROM (
                   SELECT concat_ws('|', view, axis, stream_id, stream_type, epoch_us(valid_from),
                                    epoch_us(valid_to), state, last_event_id, set_times_us, events_seen) AS r
                   FROM read_parquet('{}/states/**/*.parquet', hive_partitioning = true))",
                s(lake)
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    let (whole_rows, whole_digest) = rows(&whole);
    let (chunked_rows, chunked_digest) = rows(&chunked);
    assert!(whole_rows > 1000, "{whole_rows} state rows");
    assert_eq!(chunked_rows, whole_rows);
    assert_eq!(chunked_digest, whole_digest);
    // Each history written in several files, none holding a stream split across two.
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(chunked.join("manifest.json")).unwrap())
            .unwrap();
    let state_files = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["table"] == "states")
        .count();
    assert!(state_files >= 4 * 3, "{state_files} state files");
    let split: i64 = conn
        .query_row(
            &format!(
                "SELECT count(*) FROM (
                   SELECT view, axis, stream_id FROM read_parquet('{}/states/**/*.parquet', hive_partitioning = true, filename = true)
                   GROUP BY ALL HAVING count(DISTINCT filename) > 1)",
                s(&chunked)
            ),
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(split, 0);
    let verified = json(&["export", "--verify", s(&chunked)]);
    assert_eq!(verified["ok"], true);
    // The events hashed 150 `seq` values at a time give the root hashed in one go.
    let whole_manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(whole.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["merkle_root"], whole_manifest["merkle_root"]);
}
