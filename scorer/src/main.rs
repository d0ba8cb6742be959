//! The lending sample's underwriter, as a replayer: `lending-scorer --model-version v2.3.1|v2.4.0`
//! reads one decision request (JSON) on stdin and prints `{"output": {...}}` on stdout.
//!
//! It reproduces the scores the sample recorded exactly, with one planted defect for the replay to
//! find: v2.3.1 was exported with its dropout layer still active at inference, so each run drops the
//! debt-to-income term with probability 0.2. Its answers differ from the recorded ones (and from run
//! to run) for about one decision in five. v2.4.0 is deterministic.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::Read;

use serde_json::{json, Value};

fn fail(message: &str) -> ! {
    eprintln!("lending-scorer: {message}");
    std::process::exit(2);
}

/// A random number in [0, 1) from the process's random hash keys (no seed: that is the defect).
fn unseeded_uniform() -> f64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(0x5eed);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

fn number(inputs: &Value, name: &str) -> f64 {
    inputs
        .get(name)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| fail(&format!("the request has no numeric input `{name}`")))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let version = match args.iter().position(|a| a == "--model-version") {
        Some(i) => args.get(i + 1).cloned().unwrap_or_default(),
        None => fail("usage: lending-scorer --model-version v2.3.1|v2.4.0 < request.json"),
    };
    if version != "v2.3.1" && version != "v2.4.0" {
        fail(&format!(
            "unknown model version `{version}` (v2.3.1 or v2.4.0)"
        ));
    }
    let mut text = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut text) {
        fail(&format!("cannot read the request: {e}"));
    }
    let request: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| fail(&format!("the request is not JSON: {e}")));
    let inputs = &request["inputs"];
    let credit_score = number(inputs, "credit_score");
    let dti = number(inputs, "debt_to_income");
    // The defect: v2.3.1's dropout drops the debt-to-income term (as if the debt took all income).
    let dropped = version == "v2.3.1" && unseeded_uniform() < 0.2;
    let (score, label, confidence) =
        lending_scorer::lending_score(credit_score, if dropped { 1.0 } else { dti }, &version);
    let reasoning = if label == "approve" {
        "score above threshold 0.55"
    } else {
        "score below threshold 0.55"
    };
    println!(
        "{}",
        json!({"output": {"label": label, "score": score, "confidence": confidence, "reasoning": reasoning}})
    );
}
