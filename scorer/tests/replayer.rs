//! The scorer as Casefile runs it: a request on stdin, `{"output": ...}` on stdout, a sentence and
//! exit 2 for a request it cannot score.

use std::io::Write;
use std::process::{Command, Stdio};

fn run(args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lending-scorer"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn v2_4_0_answers_what_the_scoring_rule_gives() {
    let out = run(
        &["--model-version", "v2.4.0"],
        r#"{"inputs": {"credit_score": 799, "debt_to_income": 0.02}}"#,
    );
    assert!(out.status.success());
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (score, label, confidence) = lending_scorer::lending_score(799.0, 0.02, "v2.4.0");
    assert_eq!(answer["output"]["score"], score);
    assert_eq!(answer["output"]["label"], label);
    assert_eq!(answer["output"]["confidence"], confidence);
}

#[test]
fn a_request_without_the_inputs_it_needs_is_refused_in_a_sentence() {
    let out = run(&["--model-version", "v2.3.1"], r#"{"inputs": {}}"#);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no numeric input `credit_score`"));
}
