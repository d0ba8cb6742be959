//! Deterministic generators: the bundled sample scenarios (lending, hiring, clinical, RAG assistant,
//! and a file of deliberately bad rows), each written in the formats real systems export, and large
//! benchmark logs. Everything is a function of a seed: the same call writes the same bytes.

pub mod drift_bench;
mod exports;
mod formats;
pub mod pgdump;
mod scenarios;

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};
use crate::model::format_micros;

pub use formats::*;

/// A canonical event under construction (times in microseconds).
#[derive(Debug, Clone)]
pub struct GenEvent {
    pub event_id: String,
    pub stream_id: String,
    pub stream_type: String,
    pub stream_version: Option<i64>,
    pub event_type: String,
    pub occurred_at: i64,
    pub recorded_at: i64,
    pub actor: String,
    pub reason: Option<String>,
    pub causation_id: Option<String>,
    pub correlation_id: Option<String>,
    pub corrects: Option<String>,
    pub payload: serde_json::Value,
}

impl GenEvent {
    /// The canonical JSON object (field names of the envelope).
    pub fn canonical(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("event_id".into(), self.event_id.clone().into());
        m.insert("stream_id".into(), self.stream_id.clone().into());
        m.insert("stream_type".into(), self.stream_type.clone().into());
        if let Some(v) = self.stream_version {
            m.insert("stream_version".into(), v.into());
        }
        m.insert("event_type".into(), self.event_type.clone().into());
        m.insert("occurred_at".into(), format_micros(self.occurred_at).into());
        m.insert("recorded_at".into(), format_micros(self.recorded_at).into());
        m.insert("actor".into(), self.actor.clone().into());
        for (k, v) in [
            ("reason", &self.reason),
            ("causation_id", &self.causation_id),
            ("correlation_id", &self.correlation_id),
            ("corrects", &self.corrects),
        ] {
            if let Some(v) = v {
                m.insert(k.into(), v.clone().into());
            }
        }
        m.insert("payload".into(), self.payload.clone());
        serde_json::Value::Object(m)
    }
}

pub(crate) fn io_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::SourceUnreadable {
        path: path.to_path_buf(),
        cause: format!("cannot write it: {e}"),
    }
}

/// Writes every sample file under `out` and returns their paths.
pub fn write_samples(out: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out)?;
    let mut written = Vec::new();
    written.extend(scenarios::lending(out)?);
    written.extend(scenarios::hiring(out)?);
    written.extend(scenarios::clinical(out)?);
    written.extend(scenarios::rag(out)?);
    written.extend(scenarios::bad_rows(out)?);
    written.extend(scenarios::ledger(out)?);
    written.extend(exports::orders_topic(out)?);
    written.extend(exports::docs_qa(out)?);
    Ok(written)
}

const DAY: i64 = 86_400_000_000;
const HOUR: i64 = 3_600_000_000;

pub use lending_scorer::lending_score;

/// Writes `events` canonical JSON lines over `streams` loan applicants for benchmarks. Recorded time
/// trails occurred time by seconds, and by days for 5% of events (late arrivals). Decisions carry
/// the applicant's latest credit score and income as inputs (a stale earlier score for 5% of them)
/// and the score the lending scorer gives those inputs, so replays of the data reproduce. The
/// `drift` scenario writes decisions only (`drift_bench`).
pub fn write_bench(
    out: &Path,
    scenario: &str,
    events: u64,
    streams: u64,
    seed: u64,
) -> Result<u64> {
    write_bench_with_hot(out, scenario, events, streams, seed, HotStreams::default())
}

/// A few busy streams among many (a model's own stream, a busy account): `streams` of the
/// applicants (the first ids) take `share_percent` of the events between them.
#[derive(Debug, Clone, Copy, Default)]
pub struct HotStreams {
    pub streams: u64,
    pub share_percent: u64,
}

/// `write_bench` with hot streams (the `lending` scenarios only). Without them the file is the
/// same as `write_bench`'s, byte for byte.
pub fn write_bench_with_hot(
    out: &Path,
    scenario: &str,
    events: u64,
    streams: u64,
    seed: u64,
    hot: HotStreams,
) -> Result<u64> {
    if streams == 0 {
        return Err(Error::BadArgument {
            message: "--streams must be at least 1.".into(),
        });
    }
    if hot.streams > 0
        && (hot.streams >= streams || hot.share_percent == 0 || hot.share_percent >= 100)
    {
        return Err(Error::BadArgument {
            message: format!(
                "--hot-streams must be fewer than --streams ({streams}), and --hot-share between 1 and 99 percent (given {}).",
                hot.share_percent
            ),
        });
    }
    if hot.streams > 0 && !matches!(scenario, "lending" | "lending-quirks") {
        return Err(Error::BadArgument {
            message: format!("Hot streams are for the `lending` scenarios, not `{scenario}`."),
        });
    }
    let quirks = scenario == "lending-quirks";
    match scenario {
        "lending" | "lending-quirks" => {}
        "drift" => return drift_bench::write(out, events, streams, seed),
        "marten-dump" => return pgdump::write_marten_bench(out, events, streams, seed),
        _ => {
            return Err(Error::BadArgument {
                message: format!(
                    "Unknown scenario `{scenario}` for benchmark data; use `lending`, `lending-quirks`, `drift` or `marten-dump`."
                ),
            })
        }
    }
    let file = std::fs::File::create(out).map_err(|e| io_err(out, e))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut versions = vec![0u32; streams as usize];
    // The applicant's latest and previous credit score, and latest income (0: none yet).
    let mut credit = vec![[0u16; 2]; streams as usize];
    let mut income = vec![0u32; streams as usize];
    let start = crate::model::parse_instant("2024-01-01T00:00:00Z")?;
    let span = 180 * DAY;
    let types = [
        "CreditScoreUpdated",
        "IncomeVerified",
        "LoanApplicationSubmitted",
        "LoanDecisionMade",
        "AddressChanged",
    ];
    for i in 0..events {
        let s = if hot.streams == 0 {
            rng.random_range(0..streams) as usize
        } else if rng.random_range(0..100) < hot.share_percent {
            rng.random_range(0..hot.streams) as usize
        } else {
            rng.random_range(hot.streams..streams) as usize
        };
        versions[s] += 1;
        let occurred = start
            + (span as u128 * i as u128 / events.max(1) as u128) as i64
            + rng.random_range(0..1_000_000);
        let recorded = if rng.random_range(0..100) < 5 {
            occurred + rng.random_range(DAY..10 * DAY)
        } else {
            occurred + rng.random_range(50_000..5_000_000)
        };
        let t = types[rng.random_range(0..types.len())];
        let payload = match t {
            "CreditScoreUpdated" => {
                let score = rng.random_range(300..850);
                credit[s] = [score, credit[s][0]];
                format!(r#"{{"credit_score":{score},"bureau":"experian"}}"#)
            }
            "IncomeVerified" => {
                income[s] = rng.random_range(20_000..250_000);
                format!(
                    r#"{{"annual_income":{},"verified_by":"payroll-api"}}"#,
                    income[s]
                )
            }
            "LoanApplicationSubmitted" => format!(
                r#"{{"amount":{},"term_months":{}}}"#,
                rng.random_range(1_000..50_000),
                [12, 24, 36, 60][rng.random_range(0..4)]
            ),
            "LoanDecisionMade" => {
                let version = if occurred < start + 75 * DAY {
                    "v2.3.1"
                } else {
                    "v2.4.0"
                };
                let [latest, previous] = credit[s];
                let seen = if previous > 0 && rng.random_range(0..100) < 5 {
                    previous
                } else if latest > 0 {
                    latest
                } else {
                    620
                };
                let annual_income = if income[s] > 0 { income[s] } else { 48_000 };
                let dti = (rng.random_range(5..95) as f64) / 100.0;
                let (score, label, confidence) = lending_score(seen as f64, dti, version);
                format!(
                    r#"{{"model":"underwriter","model_version":"{version}","inputs":{{"credit_score":{seen},"annual_income":{annual_income},"debt_to_income":{dti}}},"output":{{"label":"{label}","score":{score},"confidence":{confidence},"reasoning":"score {} threshold 0.55"}}}}"#,
                    if label == "approve" { "above" } else { "below" }
                )
            }
            _ => format!(
                r#"{{"city":"city-{}","postcode":"{:05}"}}"#,
                rng.random_range(0..500),
                rng.random_range(0..99_999)
            ),
        };
        // Quirks: a few events recorded before they occur (a change scheduled ahead).
        let recorded = if quirks && rng.random_range(0..100) == 0 {
            occurred - rng.random_range(HOUR..5 * DAY)
        } else {
            recorded
        };
        let mut line = |id: &str,
                        t: &str,
                        occurred: i64,
                        recorded: i64,
                        corrects: Option<&str>,
                        payload: &str| {
            // The scenario's own event took its version above; each added one takes the next.
            if corrects.is_some() || id.ends_with("-o") || id.ends_with("-t") {
                versions[s] += 1;
            }
            let corrects = corrects.map_or(String::new(), |c| format!(r#","corrects":"{c}""#));
            writeln!(
                w,
                r#"{{"event_id":"{id}","stream_id":"applicant-{s:07}","stream_type":"Applicant","stream_version":{},"event_type":"{t}","occurred_at":"{}","recorded_at":"{}","actor":"system/bench"{corrects},"payload":{payload}}}"#,
                versions[s],
                format_micros(occurred),
                format_micros(recorded)
            )
            .map_err(|e| io_err(out, e))
        };
        let id = format!("evt-{i:010}");
        line(&id, t, occurred, recorded, None, &payload)?;
        if !quirks {
            continue;
        }
        let roll = rng.random_range(0..100);
        match t {
            // A score corrected (or retracted) later: the correction recorded hours to weeks after.
            "CreditScoreUpdated" if roll < 6 => {
                let fixed = recorded + rng.random_range(HOUR..20 * DAY);
                if roll < 2 {
                    line(
                        &format!("{id}-r"),
                        "CreditScoreRetracted",
                        occurred,
                        fixed,
                        Some(&id),
                        "null",
                    )?;
                } else {
                    let score = rng.random_range(300..850);
                    credit[s] = [score, credit[s][1]];
                    line(
                        &format!("{id}-c"),
                        "CreditScoreCorrected",
                        occurred,
                        fixed,
                        Some(&id),
                        &format!(r#"{{"credit_score":{score}}}"#),
                    )?;
                }
            }
            // The outcome of a loan: repaid or defaulted months later, sometimes recorded late.
            "LoanDecisionMade" if roll < 60 => {
                let when = occurred + rng.random_range(20 * DAY..400 * DAY);
                let known = if rng.random_range(0..100) < 15 {
                    when + rng.random_range(DAY..60 * DAY)
                } else {
                    when + rng.random_range(50_000..5_000_000)
                };
                let (kind, dpd) = if roll < 12 {
                    ("LoanDefaulted", rng.random_range(30..180))
                } else {
                    ("LoanRepaid", 0)
                };
                line(
                    &format!("{id}-o"),
                    kind,
                    when,
                    known,
                    None,
                    &format!(r#"{{"days_past_due":{dpd}}}"#),
                )?;
            }
            // Two events of one stream at the same instant on both axes (ties broken by seq).
            _ if roll < 4 => {
                line(
                    &format!("{id}-t"),
                    "AddressChanged",
                    occurred,
                    recorded,
                    None,
                    &format!(r#"{{"city":"city-{}"}}"#, rng.random_range(0..500)),
                )?;
            }
            _ => {}
        }
    }
    w.flush().map_err(|e| io_err(out, e))?;
    Ok(events)
}

/// For tests: a case of `lending-quirks` with `events` events over `streams` applicants, two of them
/// busy (`share_percent` of the events between them), imported into `dir`.
#[cfg(test)]
pub(crate) fn busy_case(
    dir: &Path,
    events: u64,
    streams: u64,
    seed: u64,
    share_percent: u64,
) -> crate::Case {
    let file = dir.join("events.jsonl");
    let hot = HotStreams {
        streams: 2,
        share_percent,
    };
    write_bench_with_hot(&file, "lending-quirks", events, streams, seed, hot).unwrap();
    let case = crate::Case::open_or_create(&dir.join("c.casefile")).unwrap();
    case.import(&[file], &Default::default(), &crate::NoProgress)
        .unwrap();
    case
}
