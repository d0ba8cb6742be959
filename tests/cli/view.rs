//! The operator view: a case with an operator profile opens masked, and every way out of the
//! engine is masked or refused: states and histories, decisions and explanations, SQL (also when it
//! tries to read the tables behind the masked views), notes (which record the view), exports
//! (refused) and bundles (redacted with the profile, recording the view). Pseudonyms are worked
//! out in the test from the case's key with HMAC-SHA256, not read from the engine.

use std::path::Path;

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::common::*;

fn profile() -> std::path::PathBuf {
    fixtures().join("operator-profile.toml")
}

/// The pseudonym of `text` under the case's operator key, computed here.
fn pseudonym(case: &Path, text: &str) -> String {
    let rows = json(&[
        "sql",
        "--view",
        "auditor",
        s(case),
        "SELECT value FROM case_meta WHERE key = 'operator_pseudonym_secret'",
    ])["rows"]
        .clone();
    let key = hex::decode(rows[0][0].as_str().expect("the case has an operator key")).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(text.as_bytes());
    format!("pseu-{}", &hex::encode(mac.finalize().into_bytes())[..16])
}

fn operator_case(dir: &Path) -> std::path::PathBuf {
    let case = lending_case(dir);
    let info = json(&["view", s(&case), "--operator-profile", s(&profile())]);
    assert_eq!(info["viewer"], "auditor", "set in the auditor view: {info}");
    assert_eq!(info["operator_profile"]["name"], "loan-operator");
    case
}

/// Every key anywhere in a JSON value.
fn keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                out.push(k.clone());
                keys(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| keys(i, out)),
        _ => {}
    }
}

fn has_key(v: &Value, key: &str) -> bool {
    let mut all = Vec::new();
    keys(v, &mut all);
    all.iter().any(|k| k == key)
}

#[test]
fn operator_view_masks_states_decisions_and_explanations_and_names_streams_by_pseudonym() {
    let dir = tmp();
    let case = operator_case(dir.path());
    let info = json(&["info", s(&case)]);
    assert_eq!(
        info["view"]["viewer"], "operator",
        "opens masked: {}",
        info["view"]
    );

    let applicant = pseudonym(&case, "applicant-0001");
    let at = "2024-12-01T00:00:00Z";
    let masked = json(&["state", s(&case), &applicant, "--at", at]);
    let full = json(&[
        "state",
        "--view",
        "auditor",
        s(&case),
        "applicant-0001",
        "--at",
        at,
    ]);
    assert_eq!(masked["stream_id"], applicant);
    assert!(
        has_key(&full["state"], "annual_income"),
        "{}",
        full["state"]
    );
    assert!(
        !has_key(&masked["state"], "annual_income"),
        "{}",
        masked["state"]
    );
    assert_eq!(masked["state"]["name"], pseudonym(&case, "Applicant 1"));
    assert_eq!(
        masked["state"]["city"], full["state"]["city"],
        "the rest is shown"
    );

    // The real id is refused: the view must not tell which pseudonym a known id has.
    let refused = json_with(2, &["state", s(&case), "applicant-0001", "--at", at]);
    assert_eq!(refused["error"]["code"], "unknown_stream");

    let history = json(&["history", s(&case), &applicant]);
    for step in history["steps"].as_array().unwrap() {
        assert!(!has_key(&step["event"]["payload"], "annual_income"));
        assert!(step["diff"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["path"] != "annual_income"));
        let actor = step["event"]["actor"].as_str().unwrap();
        assert!(actor.starts_with("pseu-"), "actor pseudonymized: {actor}");
    }

    let decisions = json(&["decisions", s(&case), "--limit", "500"]);
    let list = decisions["decisions"].as_array().unwrap();
    assert_eq!(list.len() as i64, decisions["total"].as_i64().unwrap());
    for d in list {
        assert!(!has_key(&d["inputs"], "annual_income"), "{}", d["inputs"]);
        assert!(d["subject_id"].as_str().unwrap().starts_with("pseu-"));
    }
    let first = &list[0];
    let explained = json(&["explain", s(&case), first["decision_id"].as_str().unwrap()]);
    for part in ["recorded_inputs", "reconstructed_state", "world_state"] {
        assert!(
            !has_key(&explained[part], "annual_income"),
            "{part}: {}",
            explained[part]
        );
    }
    assert!(explained["discrepancies"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["path"] != "annual_income"));
    assert_eq!(explained["decision"]["subject_id"], first["subject_id"]);
    // A subject is named by its pseudonym.
    let subject = first["subject_id"].as_str().unwrap();
    let real = json(&["decisions", "--view", "auditor", s(&case), "--limit", "1"])["decisions"][0]
        ["subject_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(subject, pseudonym(&case, &real));
    assert_eq!(
        json(&["decisions", s(&case), "--subject", subject])["total"],
        json(&[
            "decisions",
            "--view",
            "auditor",
            s(&case),
            "--subject",
            &real
        ])["total"]
    );
    // A cohort on a masked input would tell its values: refused.
    let err = json_with(
        2,
        &[
            "drift",
            s(&case),
            "--a",
            "input.annual_income=44000",
            "--b",
            "model_version=v2.4.0",
        ],
    );
    assert_eq!(err["error"]["code"], "operator_view", "{err}");
}

#[test]
fn operator_sql_reads_only_the_masked_views() {
    let dir = tmp();
    let case = operator_case(dir.path());
    let count = |view: &str, q: &str| {
        json(&["sql", "--view", view, s(&case), q])["rows"][0][0]
            .as_i64()
            .unwrap()
    };
    let with_income =
        "SELECT count(*) FROM events WHERE json_extract(payload, '$.annual_income') IS NOT NULL";
    let expected = std::fs::read_to_string(samples().join("lending/applications.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| {
            serde_json::from_str::<Value>(l).unwrap()["payload"]
                .get("annual_income")
                .is_some()
        })
        .count() as i64;
    assert!(expected > 0);
    assert_eq!(count("auditor", with_income), expected);
    assert_eq!(count("operator", with_income), 0);
    let real = "SELECT count(*) FROM events WHERE stream_id = 'applicant-0001'";
    assert!(count("auditor", real) > 0);
    assert_eq!(count("operator", real), 0, "stream ids read as pseudonyms");
    let pseudo = format!(
        "SELECT count(*) FROM events WHERE stream_id = '{}'",
        pseudonym(&case, "applicant-0001")
    );
    assert_eq!(count("operator", &pseudo), count("auditor", real));
    let ctes = "WITH d AS (SELECT inputs FROM decisions) SELECT count(*) FROM d WHERE inputs LIKE '%annual_income%'";
    assert_eq!(count("operator", ctes), 0);

    for (q, names) in [
        ("SELECT * FROM main.events", "main.events"),
        ("SELECT * FROM snapshots", "snapshots"),
        ("SELECT * FROM case_meta", "case_meta"),
        (
            "SELECT (SELECT max(payload::VARCHAR) FROM main.events)",
            "main.events",
        ),
        ("SELECT * FROM query_table('events')", "query_table"),
        (
            "WITH case_meta AS (SELECT 1) SELECT * FROM case_meta",
            "case_meta",
        ),
        ("SELECT 1; SELECT 2", "2"),
        ("PRAGMA database_list", "SELECT"),
    ] {
        let err = json_with(2, &["sql", s(&case), q]);
        assert_eq!(err["error"]["code"], "query_refused", "{q}: {err}");
        let message = err["error"]["message"].as_str().unwrap();
        assert!(message.contains(names), "{q}: {message}");
    }
}

#[test]
fn notes_record_the_view_and_exports_are_masked_or_refused() {
    let dir = tmp();
    let case = operator_case(dir.path());
    let applicant = pseudonym(&case, "applicant-0001");
    json(&["note", s(&case), "income looks off", "--stream", &applicant]);
    json(&[
        "note",
        "--view",
        "auditor",
        s(&case),
        "checked",
        "--stream",
        "applicant-0001",
    ]);
    let masked = json(&["notes", s(&case)]);
    let full = json(&["notes", "--view", "auditor", s(&case)]);
    let (masked, full) = (&masked["notes"], &full["notes"]);
    let views: Vec<&str> = full
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["view"].as_str().unwrap())
        .collect();
    assert!(
        views[0].starts_with("operator (profile loan-operator, sha256 "),
        "{views:?}"
    );
    assert_eq!(views[1], "auditor");
    assert_eq!(
        full[0]["stream_id"], "applicant-0001",
        "stored by its real id"
    );
    assert_eq!(masked[0]["stream_id"], applicant.as_str());
    assert_eq!(masked[1]["stream_id"], applicant.as_str());

    let spec = dir.path().join("spec.toml");
    std::fs::write(
        &spec,
        "[examples]\nstream_type = \"Applicant\"\nevery = \"30d\"\n",
    )
    .unwrap();
    let out = dir.path().join("t.parquet");
    let err = json_with(
        2,
        &["trainset", s(&case), "--spec", s(&spec), "--out", s(&out)],
    );
    assert_eq!(err["error"]["code"], "operator_view", "{err}");
    let err = json_with(2, &["export", s(&case), s(&dir.path().join("lake"))]);
    assert_eq!(err["error"]["code"], "operator_view", "{err}");
    assert!(!out.exists() && !dir.path().join("lake").exists());

    let bundle = dir.path().join("op.casebundle");
    let report = json(&["bundle", "export", s(&case), s(&bundle)]);
    let view = report["redaction"]["view"].as_str().unwrap();
    assert!(
        view.starts_with("operator (profile loan-operator"),
        "{view}"
    );
    assert_eq!(report["redaction"]["profile"], "loan-operator");
    let verified = json(&["bundle", "verify", s(&bundle), "--allow-unsigned"]);
    assert_eq!(verified["ok"], true, "{verified}");
    // The bundle reads as the operator's screens do: the same pseudonym, no income.
    let opened = json(&[
        "state",
        "--view",
        "auditor",
        s(&bundle),
        &applicant,
        "--at",
        "2024-12-01T00:00:00Z",
    ]);
    assert!(opened["exists"].as_bool().unwrap());
    assert!(!has_key(&opened["state"], "annual_income"));
    let err = json_with(
        2,
        &[
            "bundle",
            "export",
            s(&case),
            s(&dir.path().join("b2.casebundle")),
            "--redact",
            s(&profile()),
        ],
    );
    assert_eq!(err["error"]["code"], "operator_view", "{err}");
}

#[test]
fn only_the_auditor_view_changes_the_operator_profile() {
    let dir = tmp();
    let case = operator_case(dir.path());
    let err = json_with(2, &["view", s(&case), "--clear-operator-profile"]);
    assert_eq!(err["error"]["code"], "operator_view");
    let cleared = json(&[
        "view",
        "--view",
        "auditor",
        s(&case),
        "--clear-operator-profile",
    ]);
    assert!(cleared["operator_profile"].is_null());
    let info = json(&["info", s(&case)]);
    assert_eq!(info["view"]["viewer"], "auditor");
    let err = json_with(2, &["info", "--view", "operator", s(&case)]);
    assert_eq!(err["error"]["code"], "no_operator_profile");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "drop = [\"ssn\"]\n").unwrap();
    let err = json_with(2, &["view", s(&case), "--operator-profile", s(&bad)]);
    assert_eq!(err["error"]["code"], "bad_profile", "{err}");
}

/// Every actor, applicant id and applicant name the lending sample's files hold, read from their
/// text (also where a record is JSON inside a string, its quotes escaped).
fn sample_secrets() -> Vec<String> {
    let mut out = std::collections::BTreeSet::new();
    let after = |text: &str, marker: &str, stop: &dyn Fn(char) -> bool| -> Vec<String> {
        text.match_indices(marker)
            .map(|(i, _)| {
                text[i + marker.len()..]
                    .chars()
                    .take_while(|c| !stop(*c))
                    .collect::<String>()
            })
            .collect()
    };
    for f in scenario_files(&["lending"]) {
        let text = std::fs::read_to_string(&f).unwrap();
        for marker in ["\"actor\":\"", "\\\"actor\\\":\\\""] {
            out.extend(after(&text, marker, &|c| c == '"' || c == '\\'));
        }
        for marker in ["\"name\":\"Applicant ", "\\\"name\\\":\\\"Applicant "] {
            out.extend(
                after(&text, marker, &|c| !c.is_ascii_digit())
                    .into_iter()
                    .map(|n| format!("Applicant {n}")),
            );
        }
        out.extend(
            after(&text, "applicant-", &|c| !c.is_ascii_digit())
                .into_iter()
                .filter(|n| n.len() == 4)
                .map(|n| format!("applicant-{n}")),
        );
    }
    out.into_iter().filter(|x| !x.is_empty()).collect()
}

#[test]
fn no_command_in_the_operator_view_shows_a_real_id_name_actor_or_masked_income() {
    let dir = tmp();
    let case = operator_case(dir.path());
    // An auditor's note that names everything, and a replay recorded before the operator came.
    json(&[
        "note",
        "--view",
        "auditor",
        s(&case),
        "applicant-0132 (Applicant 132) earns 91000 by system/payroll-api",
        "--stream",
        "applicant-0132",
    ]);
    let secrets = sample_secrets();
    assert!(secrets.iter().any(|x| x.starts_with("system/")) && secrets.len() > 400);
    let applicant = pseudonym(&case, "applicant-0132");
    let decision = json(&["decisions", s(&case), "--limit", "1"])["decisions"][0]["decision_id"]
        .as_str()
        .unwrap()
        .to_string();
    let commands: Vec<Vec<&str>> = vec![
        vec!["info", s(&case)],
        vec!["events", s(&case), "--limit", "100000"],
        vec!["findings", s(&case)],
        vec!["notes", s(&case)],
        vec!["quarantine", s(&case)],
        vec![
            "state",
            s(&case),
            &applicant,
            "--at",
            "2024-12-01T00:00:00Z",
        ],
        vec!["history", s(&case), &applicant],
        vec!["decisions", s(&case), "--limit", "1000"],
        vec!["explain", s(&case), &decision],
        vec!["models", s(&case)],
        vec!["rates", s(&case)],
        vec!["gaps", s(&case)],
        vec!["timeline", s(&case)],
        vec![
            "population",
            s(&case),
            "--type",
            "Applicant",
            "--at",
            "2024-12-01T00:00:00Z",
        ],
        vec![
            "drift",
            s(&case),
            "--a",
            "model_version=v2.3.1",
            "--b",
            "model_version=v2.4.0",
        ],
        vec!["sql", s(&case), "SELECT * FROM events"],
        vec!["sql", s(&case), "SELECT * FROM decisions"],
        vec!["sql", s(&case), "SELECT * FROM findings"],
        vec!["sql", s(&case), "SELECT * FROM notes"],
        vec!["sql", s(&case), "SELECT * FROM model_deployments"],
    ];
    for args in commands {
        let mut all = args.clone();
        all.insert(1, "--json");
        let out = run(&all);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{:?} shows {secret}",
                &args[..1]
            );
        }
        for income in ["\"annual_income\":", "annual_income ="] {
            assert!(!text.contains(income), "{:?} shows {income}", &args[..1]);
        }
    }
}

#[test]
fn the_operator_cannot_widen_the_view_or_probe_it() {
    let dir = tmp();
    let case = operator_case(dir.path());
    let code = |args: &[&str]| {
        json_with(2, args)["error"]["code"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // The masking functions would pair a guessed id with its pseudonym.
    assert_eq!(
        code(&["sql", s(&case), "SELECT casefile_stream('applicant-0001')"]),
        "query_refused"
    );
    // A CTE out of its scope would read DuckDB's catalog.
    assert_eq!(
        code(&[
            "sql",
            s(&case),
            "SELECT * FROM (WITH sqlite_master AS (SELECT 1) SELECT 1) a, sqlite_master"
        ]),
        "query_refused"
    );
    // Rules, replayers and replays are the auditor's: a replayer is handed decisions unmasked.
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, "").unwrap();
    assert_eq!(
        code(&["rules", s(&case), "--set", s(&rules)]),
        "operator_view"
    );
    assert_eq!(
        code(&[
            "replayers",
            s(&case),
            "--add",
            "spy",
            "--model-version",
            "v2.4.0",
            "--",
            "/bin/cat"
        ]),
        "operator_view"
    );
    assert_eq!(
        code(&["replay", s(&case), "--model-version", "v2.4.0"]),
        "operator_view"
    );
    assert_eq!(
        code(&[
            "drift",
            s(&case),
            "--a",
            "model_version=v2.3.1",
            "--b",
            "model_version=v2.4.0",
            "--segment-by",
            "annual_income"
        ]),
        "operator_view"
    );
    // Real ids are not names in this view, wherever a stream is named.
    assert_eq!(
        code(&["timeline", s(&case), "--stream", "applicant-0132"]),
        "unknown_stream"
    );
    assert_eq!(
        code(&["timeline", s(&case), "--actor", "system/payroll-api"]),
        "operator_view"
    );
    let out = dir.path().join("one.casebundle");
    assert_eq!(
        code(&[
            "bundle",
            "export",
            s(&case),
            s(&out),
            "--streams",
            "applicant-0132"
        ]),
        "unknown_stream"
    );
    let applicant = pseudonym(&case, "applicant-0132");
    let report = json(&[
        "bundle",
        "export",
        s(&case),
        s(&out),
        "--streams",
        &applicant,
    ]);
    assert!(report["events"].as_u64().unwrap() > 0);
}
