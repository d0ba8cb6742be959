//! The `drift` benchmark scenario: every event is a credit decision with 20 inputs (14 numeric,
//! 6 categorical). The first half is scored by `scorer v1` over January to June, the second half by
//! `scorer v2` over July to December, with planted shifts in the second half: more applicants
//! through the broker channel, who earn less; debt-to-income up by 0.05; card utilization up. The
//! other inputs keep their distributions, so a drift comparison has a known answer.

use std::io::{BufWriter, Write};
use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::DAY;
use crate::error::Result;
use crate::model::format_micros;

/// The numeric inputs, in the order written.
pub const NUMERIC_INPUTS: [&str; 14] = [
    "credit_score",
    "annual_income",
    "debt_to_income",
    "loan_amount",
    "term_months",
    "age",
    "tenure_months",
    "open_accounts",
    "utilization",
    "delinquencies",
    "inquiries_6m",
    "savings",
    "loan_to_value",
    "months_since_delinquency",
];

/// The categorical inputs and their categories.
pub const CATEGORICAL_INPUTS: [(&str, &[&str]); 6] = [
    ("channel", &["web", "branch", "broker", "partner"]),
    ("region", &["north", "south", "east", "west", "central"]),
    (
        "employment",
        &[
            "salaried",
            "self-employed",
            "contract",
            "retired",
            "student",
        ],
    ),
    ("housing", &["own", "rent", "mortgage", "other"]),
    (
        "purpose",
        &[
            "car",
            "home",
            "education",
            "debt",
            "business",
            "medical",
            "travel",
            "other",
        ],
    ),
    ("product", &["standard", "premium", "secured"]),
];

/// A standard normal draw (Box-Muller), so no distribution crate is needed.
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random_range(0.0..1.0);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// An index drawn with the given relative weights.
fn weighted(rng: &mut ChaCha8Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut x = rng.random_range(0..total);
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// Writes `decisions` decision events over `streams` applicants (deterministic from `seed`).
pub fn write(out: &Path, decisions: u64, streams: u64, seed: u64) -> Result<u64> {
    let io_err = |e: std::io::Error| super::io_err(out, e);
    let file = std::fs::File::create(out).map_err(io_err)?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut versions = vec![0u32; streams as usize];
    let start = crate::model::parse_instant("2024-01-01T00:00:00Z")?;
    let half = 182 * DAY;
    let mut line = String::with_capacity(1024);
    for i in 0..decisions {
        let current = i >= decisions / 2;
        let (k, n) = if current {
            (i - decisions / 2, decisions - decisions / 2)
        } else {
            (i, decisions / 2)
        };
        let occurred = start
            + if current { half } else { 0 }
            + (half as u128 * k as u128 / n.max(1) as u128) as i64;
        let recorded = occurred + 300_000;
        let s = rng.random_range(0..streams) as usize;
        versions[s] += 1;

        let channel = weighted(
            &mut rng,
            if current {
                &[40, 20, 30, 10]
            } else {
                &[45, 25, 15, 15]
            },
        );
        let broker = channel == 2;
        let categories: Vec<&str> = CATEGORICAL_INPUTS
            .iter()
            .enumerate()
            .map(|(j, (_, values))| {
                if j == 0 {
                    values[channel]
                } else {
                    values[rng.random_range(0..values.len())]
                }
            })
            .collect();
        let credit_score = (680.0 + 60.0 * normal(&mut rng))
            .clamp(300.0, 850.0)
            .round();
        let income_factor = if current && broker { 0.6 } else { 1.0 };
        let annual_income = ((10.9 + 0.45 * normal(&mut rng)).exp() * income_factor).round();
        let dti_shift = if current { 0.05 } else { 0.0 };
        let debt_to_income = round(rng.random_range(0.05..0.9) + dti_shift, 3);
        let loan_amount = rng.random_range(1_000..50_000) as f64;
        let term_months = [12.0, 24.0, 36.0, 48.0, 60.0][rng.random_range(0..5)];
        let age = rng.random_range(18..80) as f64;
        let tenure_months = rng.random_range(0..480) as f64;
        let open_accounts = rng.random_range(0..20) as f64;
        let utilization = round(
            (rng.random_range(0.0..1.0f64) + if current { 0.08 } else { 0.0 }).min(1.0),
            3,
        );
        let delinquencies = weighted(&mut rng, &[70, 18, 7, 3, 1, 1]) as f64;
        let inquiries_6m = weighted(&mut rng, &[40, 30, 15, 8, 4, 3]) as f64;
        let savings = (8.5 + 1.2 * normal(&mut rng)).exp().round();
        let loan_to_value = round(rng.random_range(0.1..1.1), 3);
        let months_since_delinquency = rng.random_range(0..120) as f64;
        let numeric = [
            credit_score,
            annual_income,
            debt_to_income,
            loan_amount,
            term_months,
            age,
            tenure_months,
            open_accounts,
            utilization,
            delinquencies,
            inquiries_6m,
            savings,
            loan_to_value,
            months_since_delinquency,
        ];
        // A logistic score; v2 weighs utilization more and income less.
        let (w_income, w_util) = if current { (0.6, 1.6) } else { (0.9, 1.0) };
        let z = (credit_score - 650.0) / 60.0 + w_income * (annual_income / 60_000.0).ln()
            - 2.5 * debt_to_income
            - w_util * utilization
            - 0.4 * delinquencies
            + 0.5;
        let score = round(1.0 / (1.0 + (-z).exp()), 4);
        let label = if score >= 0.55 { "approve" } else { "decline" };
        let confidence = round((score - 0.55).abs() * 2.0 + 0.5, 3).min(1.0);

        line.clear();
        line.push_str(&format!(
            r#"{{"event_id":"dd-{i:010}","stream_id":"applicant-{s:07}","stream_type":"Applicant","stream_version":{},"event_type":"CreditDecisionMade","occurred_at":"{}","recorded_at":"{}","actor":"ai/scorer","payload":{{"decision_id":"d-{i:010}","model":"scorer","model_version":"{}","inputs":{{"#,
            versions[s],
            format_micros(occurred),
            format_micros(recorded),
            if current { "v2" } else { "v1" }
        ));
        for (j, (name, value)) in NUMERIC_INPUTS.iter().zip(numeric).enumerate() {
            if j > 0 {
                line.push(',');
            }
            line.push_str(&format!(r#""{name}":{value}"#));
        }
        for ((name, _), value) in CATEGORICAL_INPUTS.iter().zip(&categories) {
            line.push_str(&format!(r#","{name}":"{value}""#));
        }
        line.push_str(&format!(
            r#"}},"output":{{"label":"{label}","score":{score},"confidence":{confidence}}}}}}}"#
        ));
        line.push('\n');
        w.write_all(line.as_bytes()).map_err(io_err)?;
    }
    w.flush().map_err(io_err)?;
    Ok(decisions)
}
