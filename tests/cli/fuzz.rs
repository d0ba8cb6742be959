//! Property-based fuzzing of everything that reads files from elsewhere: every importer (JSON lines,
//! JSON documents, CSV, Parquet, SQL dumps; the canonical, CloudEvents, Marten, Axon (XStream too),
//! kcat and OTLP envelopes),
//! the detector and the preview, and bundle reading (verify, prove, open).
//!
//! Inputs are seeded mutations of small valid files: truncation, flipped and invalid UTF-8 bytes,
//! BOMs and CRLF, wrong types and out-of-range times in every field, NaN/Infinity, duplicate keys,
//! JSON nested 100,000 deep, ragged CSV and newlines inside quotes, gzip/zstd (also truncated), files
//! of one format spliced into another, and Parquet files with unexpected schemas. Each input must end
//! as a clear error (a known code, a message that is a sentence, the case unchanged) or as an import
//! whose rows reconcile (read = loaded + quarantined + duplicates) and whose counts are what the case
//! holds afterwards. A panic is a failure too: the input is kept for a regression fixture.
//!
//! CI runs a small budget; `CASEFILE_FUZZ_SECONDS` (and `CASEFILE_FUZZ_SEED`) run it longer, and
//! `CASEFILE_FUZZ_KEEP=DIR` keeps each input that failed; `CASEFILE_FUZZ_ONLY=TEXT` tries only the
//! inputs made from seeds whose name holds TEXT (the others are still generated, so a failure of a
//! long run comes again at the same input number, sooner). The large inputs (a 100 MB line, a file
//! expanding 1000x) run once each in their own tests, with the peak memory of the process measured.

use std::collections::BTreeMap;
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use casefile::{Case, ImportOptions, NoProgress};
use rand::seq::IndexedRandom;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use crate::common::*;

/// Error codes an input may end with: it was refused for what it is. Anything else (a database
/// error, an i/o error on a file that is readable) is a bug in the importer.
const INPUT_ERRORS: &[&str] = &["source_format", "source_unreadable", "bad_mapping"];

/// One kind of input: its file name (the extension matters to nobody but people) and its bytes.
#[derive(Clone)]
pub(crate) struct Seed {
    pub name: &'static str,
    pub bytes: Vec<u8>,
}

fn first_lines(path: &Path, n: usize) -> Vec<u8> {
    let text = std::fs::read(path).expect("sample readable");
    let mut out = Vec::new();
    for line in text.split_inclusive(|b| *b == b'\n').take(n) {
        out.extend_from_slice(line);
    }
    out
}

fn first_elements(path: &Path, n: usize) -> Vec<u8> {
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let items: Vec<Value> = v.as_array().unwrap().iter().take(n).cloned().collect();
    serde_json::to_vec_pretty(&Value::Array(items)).unwrap()
}

/// The OTLP sample cut down to its first resource with its first three spans.
fn small_otlp() -> Vec<u8> {
    let v: Value = serde_json::from_slice(
        &std::fs::read(samples().join("rag/assistant-traces.otlp.json")).unwrap(),
    )
    .unwrap();
    let mut resource = v["resourceSpans"][0].clone();
    let scope = &mut resource["scopeSpans"][0];
    let spans: Vec<Value> = scope["spans"]
        .as_array()
        .unwrap()
        .iter()
        .take(3)
        .cloned()
        .collect();
    scope["spans"] = Value::Array(spans);
    resource["scopeSpans"] = Value::Array(vec![resource["scopeSpans"][0].clone()]);
    serde_json::to_vec(&serde_json::json!({ "resourceSpans": [resource] })).unwrap()
}

fn seeds() -> Vec<Seed> {
    let sample = |p: &str| samples().join(p);
    let fixture = |p: &str| fixtures().join(p);
    vec![
        Seed {
            name: "canonical.jsonl",
            bytes: first_lines(&sample("lending/applications.jsonl"), 8),
        },
        Seed {
            name: "bad-rows.jsonl",
            bytes: first_lines(&sample("bad/bad-rows.jsonl"), 10),
        },
        Seed {
            name: "outcomes.kcat.jsonl",
            bytes: first_lines(&sample("lending/outcomes.kcat.jsonl"), 6),
        },
        Seed {
            name: "cloudevents.jsonl",
            bytes: first_lines(&fixture("cloudevents.jsonl"), 8),
        },
        Seed {
            name: "hostile-text.jsonl",
            bytes: std::fs::read(fixture("hostile-text.jsonl")).unwrap(),
        },
        Seed {
            name: "canonical-array.json",
            bytes: std::fs::read(fixture("canonical-array.json")).unwrap(),
        },
        Seed {
            name: "single-cloudevent.json",
            bytes: std::fs::read(fixture("single-cloudevent.json")).unwrap(),
        },
        Seed {
            name: "bureau.cloudevents.json",
            bytes: first_elements(&sample("lending/bureau-updates.cloudevents.json"), 5),
        },
        Seed {
            name: "traces.otlp.json",
            bytes: small_otlp(),
        },
        Seed {
            name: "otlp-lines.jsonl",
            bytes: [small_otlp(), b"\n".to_vec(), small_otlp()].concat(),
        },
        // Real exports' shapes (tests/fixtures/formats): raw bytes in kcat lines, pretty-printed
        // and concatenated dumps, CloudEvents data kinds, OTLP logs, OpenInference spans.
        Seed {
            name: "orders.kcat.jsonl",
            bytes: first_lines(&fixture("formats/kafka/orders.kcat.jsonl"), 12),
        },
        Seed {
            name: "orders.kcat-jq.json",
            bytes: std::fs::read(fixture("formats/kafka/orders.kcat-jq.json")).unwrap(),
        },
        Seed {
            name: "data-kinds.cloudevents.jsonl",
            bytes: std::fs::read(fixture("formats/cloudevents/data-kinds.jsonl")).unwrap(),
        },
        Seed {
            name: "logs.otlp.json",
            bytes: std::fs::read(fixture("formats/otlp/logs.json")).unwrap(),
        },
        Seed {
            name: "rag.openinference.json",
            bytes: std::fs::read(fixture("formats/openinference/rag-llamaindex.json")).unwrap(),
        },
        Seed {
            name: "canonical.csv",
            bytes: std::fs::read(fixture("canonical.csv")).unwrap(),
        },
        Seed {
            name: "bad.csv",
            bytes: std::fs::read(fixture("bad.csv")).unwrap(),
        },
        Seed {
            name: "mt_events.csv",
            bytes: first_lines(&sample("hiring/mt_events.csv"), 8),
        },
        Seed {
            name: "axon.csv",
            bytes: first_lines(&sample("hiring/domain_event_entry.axon.csv"), 8),
        },
        Seed {
            name: "marten.pg_dump.sql",
            bytes: std::fs::read(fixture("formats/pgdump/hiring-marten.pg17.sql")).unwrap(),
        },
        Seed {
            name: "axon-oid.pg_dump.sql",
            bytes: std::fs::read(fixture("formats/pgdump/axon4-jpa-oid.full.pg_dump.sql")).unwrap(),
        },
        Seed {
            name: "rows-per-insert.sql",
            bytes: std::fs::read(fixture(
                "formats/pgdump/canonical-envelope.rows-per-insert.sql",
            ))
            .unwrap(),
        },
        Seed {
            name: "axon.mysqldump.sql",
            bytes: std::fs::read(fixture(
                "formats/mysqldump/axon-domain_event_entry.mysql8.sql",
            ))
            .unwrap(),
        },
        Seed {
            name: "mariadb.sql",
            bytes: std::fs::read(fixture(
                "formats/mysqldump/canonical-case_events.mariadb11.sql",
            ))
            .unwrap(),
        },
        Seed {
            name: "xstream.csv",
            bytes: std::fs::read(fixture(
                "formats/axon-xstream/domain_event_entry.convert_from.csv",
            ))
            .unwrap(),
        },
        Seed {
            name: "ward.parquet",
            bytes: std::fs::read(sample("clinical/ward-events.parquet")).unwrap(),
        },
    ]
}

/// Parquet files whose schemas are not what an event log looks like, written by DuckDB itself.
fn odd_parquet_seeds(dir: &Path) -> Vec<Seed> {
    let selects: &[(&str, &str)] = &[
        ("nested.parquet", "SELECT {'a': range, 'b': [range, NULL]} AS event_id, map(['k'], [range]) AS payload, range AS occurred_at FROM range(5)"),
        ("blobs.parquet", "SELECT '\\xFF\\x00'::BLOB AS event_id, '\\xC3'::BLOB AS stream_id, 'x' AS event_type, 1e308 * 10 AS occurred_at FROM range(3)"),
        ("empty.parquet", "SELECT 'e' AS event_id, 's' AS stream_id, 't' AS event_type, now() AS occurred_at WHERE false"),
        ("wrong-types.parquet", "SELECT range AS event_id, range::DOUBLE / 0 AS stream_id, [1,2] AS event_type, 'not a time' AS occurred_at, 'NaN'::DOUBLE AS recorded_at FROM range(4)"),
        ("far-times.parquet", "SELECT 'e' || range AS event_id, 's' AS stream_id, 't' AS event_type, '294246-01-01'::DATE AS occurred_at, -9223372036854775807 AS recorded_at, 'infinity'::TIMESTAMP AS ts FROM range(3)"),
        ("many-columns.parquet", "SELECT 'e' || range AS event_id, 's' AS stream_id, 't' AS event_type, TIMESTAMP '2024-01-01' AS occurred_at, COLUMNS(*) FROM range(3), (SELECT 1 AS a, 2 AS b, 3 AS \"payload.x\", 4 AS \" \" )"),
        ("unions.parquet", "SELECT union_value(num := range) AS payload, 'e' || range AS event_id, 's' AS stream_id, 't' AS event_type, '2024-01-01T00:00:00Z' AS occurred_at, '{\"a\":' AS metadata FROM range(3)"),
    ];
    let conn = duckdb::Connection::open_in_memory().expect("duckdb");
    let mut out = Vec::new();
    for (name, select) in selects {
        let path = dir.join(name);
        let copy = format!("COPY ({select}) TO '{}' (FORMAT parquet)", path.display());
        if let Err(e) = conn.execute_batch(&copy) {
            panic!("the test's own Parquet {name} cannot be written: {e}");
        }
        out.push(Seed {
            name,
            bytes: std::fs::read(&path).unwrap(),
        });
    }
    out
}

/// A value that is wrong where an event field is expected (raw text that is not JSON comes from
/// [`RAW_TOKENS`] instead).
fn hostile_value(rng: &mut ChaCha8Rng) -> Value {
    use serde_json::json;
    let choices: Vec<Value> = vec![
        json!(null),
        json!(true),
        json!(0),
        json!(-1),
        json!(1.5),
        json!(i64::MAX),
        json!(u64::MAX),
        json!(""),
        json!("x"),
        json!([]),
        json!({}),
        json!([1, [2, {"a": null}]]),
        json!({"a": {"b": [1]}}),
        json!("99999-12-31T00:00:00Z"),
        json!("0000-01-01T00:00:00Z"),
        json!("-0001-01-01T00:00:00Z"),
        json!("2024-13-45T99:99:99Z"),
        json!("2024-01-01T00:00:00+99:00"),
        json!("2024-02-30"),
        json!("1970-01-01"),
        json!("now"),
        json!("NaN"),
        json!("Infinity"),
        json!("1e309"),
        json!(-62135596800000000_i64),
        json!(253402300800000000_i64),
        json!(1e300),
        json!(-1e300),
        json!("\u{0}\u{202e}\u{feff}"),
        json!("\u{10ffff}"),
        json!("<script>alert(1)</script>"),
    ];
    if rng.random_ratio(1, 25) {
        return Value::String("A".repeat(rng.random_range(10_000..2_000_000)));
    }
    choices.choose(rng).unwrap().clone()
}

/// Tokens that are not valid JSON values (or only barely), spliced in as raw text.
const RAW_TOKENS: &[&str] = &[
    "NaN",
    "Infinity",
    "-Infinity",
    "1e309",
    "-1e309",
    "123456789012345678901234567890",
    "\"\\ud800\"",
    "\"\\u0000\"",
    "0x10",
    "01",
    "-",
    "\"unterminated",
    "[1,]",
    "{\"a\" 1}",
    "tru",
];

/// Every path into a JSON value (object keys and array indexes), for picking one to break.
fn paths(v: &Value, here: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                here.push(k.clone());
                out.push(here.clone());
                paths(child, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                here.push(i.to_string());
                out.push(here.clone());
                paths(child, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn at_path<'v>(v: &'v mut Value, path: &[String]) -> &'v mut Value {
    path.iter().fold(v, |v, key| match v {
        Value::Object(m) => m.get_mut(key).unwrap(),
        Value::Array(a) => &mut a[key.parse::<usize>().unwrap()],
        _ => unreachable!("paths only lead through containers"),
    })
}

const HOLE: &str = "\u{1}hole\u{1}";

/// Breaks one JSON document: a field gets a hostile value, raw text, a nest 100,000 deep, or a
/// duplicate of its key. Text that is not JSON is returned unchanged.
fn mutate_json(text: &[u8], rng: &mut ChaCha8Rng) -> Vec<u8> {
    let Ok(mut v) = serde_json::from_slice::<Value>(text) else {
        return text.to_vec();
    };
    let mut all = Vec::new();
    paths(&v, &mut Vec::new(), &mut all);
    let Some(path) = all.choose(rng).cloned() else {
        return text.to_vec();
    };
    let raw: Option<String> = match rng.random_range(0..10) {
        0 => Some(RAW_TOKENS.choose(rng).unwrap().to_string()),
        1 => {
            let depth = if rng.random_ratio(1, 4) {
                100_000
            } else {
                rng.random_range(100..5_000)
            };
            let close = if rng.random_bool(0.8) {
                depth
            } else {
                depth - 1
            };
            Some(format!("{}{}", "[".repeat(depth), "]".repeat(close)))
        }
        _ => None,
    };
    *at_path(&mut v, &path) = match &raw {
        Some(_) => Value::String(HOLE.into()),
        None => hostile_value(rng),
    };
    let mut out = serde_json::to_string(&v).unwrap();
    if let Some(raw) = raw {
        out = out.replace(&serde_json::to_string(HOLE).unwrap(), &raw);
    }
    // A key given twice: the first object's first key again, with another value.
    if rng.random_ratio(1, 3) {
        if let Some(key) = path.last().filter(|_| v.is_object()) {
            let dup = format!(
                "{{{}:{},",
                serde_json::to_string(key).unwrap(),
                hostile_value(rng)
            );
            out = out.replacen('{', &dup, 1);
        }
    }
    out.into_bytes()
}

/// Applies one mutation chosen at random. Each knows nothing of the format but what it breaks.
pub(crate) fn mutate(bytes: &mut Vec<u8>, others: &[Seed], rng: &mut ChaCha8Rng) -> &'static str {
    let len = bytes.len().max(1);
    match rng.random_range(0..16) {
        0 => {
            bytes.truncate(rng.random_range(0..len));
            "truncated"
        }
        1 => {
            for _ in 0..rng.random_range(1..8) {
                let i = rng.random_range(0..len).min(bytes.len().saturating_sub(1));
                if let Some(b) = bytes.get_mut(i) {
                    *b ^= 1 << rng.random_range(0..8);
                }
            }
            "bits flipped"
        }
        2 => {
            let bad: &[&[u8]] = &[
                b"\xff",
                b"\xc3",
                b"\xed\xa0\x80",
                b"\xf4\x90\x80\x80",
                b"\x00",
                b"\xc0\xaf",
            ];
            let at = rng.random_range(0..=bytes.len());
            bytes.splice(at..at, bad.choose(rng).unwrap().iter().copied());
            "invalid UTF-8"
        }
        3 => {
            bytes.splice(0..0, [0xef, 0xbb, 0xbf]);
            "BOM"
        }
        4 => {
            *bytes = bytes
                .iter()
                .flat_map(|b| {
                    if *b == b'\n' {
                        vec![b'\r', b'\n']
                    } else {
                        vec![*b]
                    }
                })
                .collect();
            "CRLF"
        }
        5..=7 => {
            // One line (or the whole document) with a field broken.
            let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
            let whole = mutate_json(bytes, rng);
            if whole != *bytes {
                *bytes = whole;
            } else {
                let pick = rng.random_range(0..lines.len());
                let mut out = Vec::new();
                for (i, l) in lines.iter().enumerate() {
                    if i > 0 {
                        out.push(b'\n');
                    }
                    if i == pick {
                        out.extend(mutate_json(l, rng));
                    } else {
                        out.extend_from_slice(l);
                    }
                }
                *bytes = out;
            }
            "a field broken"
        }
        8 => {
            // Ragged CSV: a separator added or taken away on one line; or a quote left open.
            let positions: Vec<usize> = bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b',')
                .map(|(i, _)| i)
                .collect();
            match (positions.choose(rng), rng.random_range(0..3)) {
                (Some(&i), 0) => {
                    bytes.remove(i);
                }
                (Some(&i), 1) => bytes.insert(i, b','),
                _ => {
                    let at = rng.random_range(0..=bytes.len());
                    bytes.insert(at, b'"');
                }
            }
            "ragged"
        }
        9 => {
            // A quoted field with a newline inside.
            let at = bytes.iter().position(|b| *b == b',').unwrap_or(0);
            bytes.splice(at..at, *b",\"line one\nline two, \"\"quoted\"\"\"");
            "newline in a quoted field"
        }
        10 => {
            let at = rng.random_range(0..=bytes.len());
            let other = &others.choose(rng).unwrap().bytes;
            let from = rng.random_range(0..other.len().max(1));
            bytes.truncate(at);
            bytes.extend_from_slice(&other[from.min(other.len())..]);
            "spliced with another format"
        }
        11 => {
            let lines: Vec<Vec<u8>> = bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
            let pick = rng.random_range(0..lines.len());
            let mut out = lines.clone();
            out.insert(pick, lines[pick].clone());
            *bytes = out.join(&b'\n');
            "a line twice"
        }
        12 => {
            bytes.extend(std::iter::repeat_n(b'\n', rng.random_range(1..5)));
            bytes.extend_from_slice(b"   \t  \r\n\n");
            "blank lines"
        }
        13 => {
            let at = rng.random_range(0..=bytes.len());
            bytes.splice(at..at, "\u{feff}\u{2028}\u{0}".bytes());
            "control characters"
        }
        14 => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(bytes).unwrap();
            *bytes = gz.finish().unwrap();
            if rng.random_bool(0.3) {
                let keep = rng.random_range(0..bytes.len());
                bytes.truncate(keep);
                return "gzip, truncated";
            }
            "gzip"
        }
        _ => {
            *bytes = zstd::encode_all(&bytes[..], 1).unwrap();
            if rng.random_bool(0.3) {
                let keep = rng.random_range(0..bytes.len());
                bytes.truncate(keep);
                return "zstd, truncated";
            }
            "zstd"
        }
    }
}

#[derive(Default)]
struct Tally {
    executions: u64,
    imported: u64,
    refused: BTreeMap<String, u64>,
    rows_read: u64,
    rows_quarantined: u64,
    failures: Vec<String>,
    slowest: Vec<(Duration, String)>,
}

/// What the case holds; an error when it can no longer be read (the input broke the connection).
fn counts(case: &Case) -> Result<(u64, u64, usize), String> {
    let info = case
        .info()
        .map_err(|e| format!("the case can no longer be read after this input: {e}"))?;
    Ok((
        info.events as u64,
        info.quarantined as u64,
        info.sources.len(),
    ))
}

/// Runs one input through preview and import and checks what came out. `Err` describes a failure.
fn check_input(case: &Case, path: &Path, tally: &mut Tally) -> Result<(), String> {
    let before = counts(case)?;
    let opts = ImportOptions::default();
    let sentence = |code: &str, message: &str| -> Result<(), String> {
        if !INPUT_ERRORS.contains(&code) {
            return Err(format!(
                "ended with `{code}`, not a refusal of the input: {message}"
            ));
        }
        if message.len() < 20 || !message.trim_end().ends_with(['.', ')']) {
            return Err(format!(
                "the `{code}` message is not a sentence: {message:?}"
            ));
        }
        Ok(())
    };
    // The preview is checked after the import, so that both are tried whatever either does.
    let preview = match catch_unwind(AssertUnwindSafe(|| case.preview(path, &opts))) {
        Err(_) => Err("preview panicked".to_string()),
        Ok(Err(e)) => {
            sentence(e.code().as_str(), &e.to_string()).map_err(|m| format!("preview {m}"))
        }
        Ok(Ok(_)) => Ok(()),
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        case.import(&[path.to_path_buf()], &opts, &NoProgress)
    }));
    let after = counts(case)?;
    let imported = match outcome {
        Err(_) => Err("import panicked".into()),
        Ok(Err(e)) => {
            sentence(e.code().as_str(), &e.to_string())?;
            *tally.refused.entry(e.code().to_string()).or_default() += 1;
            if after != before {
                return Err(format!(
                    "refused ({e}) but the case changed: {before:?} -> {after:?}"
                ));
            }
            Ok(())
        }
        Ok(Ok(report)) => {
            let src = &report.sources[0];
            if src.rows_read != src.rows_loaded + src.rows_quarantined + src.duplicates {
                return Err(format!(
                    "rows do not reconcile: {} read, {} loaded, {} quarantined, {} duplicates",
                    src.rows_read, src.rows_loaded, src.rows_quarantined, src.duplicates
                ));
            }
            let expected = if src.already_imported {
                before
            } else {
                (
                    before.0 + src.rows_loaded,
                    before.1 + src.rows_quarantined,
                    before.2 + 1,
                )
            };
            if after != expected {
                return Err(format!(
                    "the report says {expected:?} but the case holds {after:?}"
                ));
            }
            tally.imported += 1;
            tally.rows_read += src.rows_read;
            tally.rows_quarantined += src.rows_quarantined;
            Ok(())
        }
    };
    match (imported, preview) {
        (Err(a), Err(b)) => Err(format!("{a}; and the {b}")),
        (Err(e), _) | (_, Err(e)) => Err(e),
        _ => Ok(()),
    }
}

/// A case opened in this process, with Parquet files read by the CLI as the app reads them: in a
/// helper process (this test binary cannot be one).
fn fuzzed_case(path: &Path) -> Case {
    casefile::use_helper(Path::new(bin()));
    Case::open_or_create(path).unwrap()
}

fn budget() -> (u64, Option<Duration>, u64) {
    let var = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
    (
        var("CASEFILE_FUZZ_ITERATIONS").unwrap_or(100),
        var("CASEFILE_FUZZ_SECONDS").map(Duration::from_secs),
        var("CASEFILE_FUZZ_SEED").unwrap_or(20261201),
    )
}

/// Says a failure at once (a long run may not reach its summary) and keeps its input.
fn keep_failure(input: &Path, why: &str, seed: u64, i: u64) {
    eprintln!("fuzz failure: {why}");
    if let Ok(dir) = std::env::var("CASEFILE_FUZZ_KEEP") {
        let dir = PathBuf::from(dir);
        let name = format!(
            "{seed}-{i}-{}",
            input.file_name().unwrap().to_string_lossy()
        );
        let kept = std::fs::create_dir_all(&dir)
            .and_then(|_| std::fs::copy(input, dir.join(&name)))
            .and_then(|_| std::fs::write(dir.join(format!("{name}.why")), why));
        if let Err(e) = kept {
            eprintln!("fuzz failure {i} not kept in {}: {e}", dir.display());
        }
    }
}

#[test]
fn malformed_inputs_to_every_importer_end_as_a_clear_error_or_reconciled_rows() {
    let dir = tmp();
    let (iterations, seconds, seed) = budget();
    let mut all = seeds();
    all.extend(odd_parquet_seeds(dir.path()));
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut tally = Tally::default();
    let started = Instant::now();
    let mut case_no = 0;
    let mut case = fuzzed_case(&dir.path().join("fuzz-0.casefile"));
    let only = std::env::var("CASEFILE_FUZZ_ONLY").ok();

    // The seeds themselves first: each must import (or be refused) cleanly as it is.
    let mut i = 0u64;
    loop {
        let done = match seconds {
            Some(limit) => started.elapsed() >= limit,
            None => i >= iterations + all.len() as u64,
        };
        if done {
            break;
        }
        let seed_input = &all[(i as usize) % all.len()];
        let mut bytes = seed_input.bytes.clone();
        let mut applied = Vec::new();
        if i >= all.len() as u64 {
            for _ in 0..rng.random_range(1..4) {
                applied.push(mutate(&mut bytes, &all, &mut rng));
            }
        }
        if only
            .as_ref()
            .is_some_and(|o| !seed_input.name.contains(o.as_str()))
        {
            // Generated all the same, so the inputs tried are the ones of the full run.
            i += 1;
            let _ = rng.next_u32();
            continue;
        }
        let input = dir.path().join(format!("{i}-{}", seed_input.name));
        std::fs::write(&input, &bytes).unwrap();
        tally.executions += 1;
        let one = Instant::now();
        let checked = check_input(&case, &input, &mut tally);
        tally.slowest.push((
            one.elapsed(),
            format!("{} after {applied:?}", seed_input.name),
        ));
        tally.slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
        tally.slowest.truncate(5);
        let broken = checked
            .as_ref()
            .is_err_and(|why| why.contains("no longer be read"));
        if let Err(why) = checked {
            let what = format!("input {i} ({} after {applied:?}): {why}", seed_input.name);
            keep_failure(&input, &what, seed, i);
            tally.failures.push(what);
        }
        std::fs::remove_file(&input).unwrap();
        // A fresh case now and then, so no case grows large and reopening is exercised (and at
        // once when an input left the connection unusable, so the run goes on).
        if i % 50 == 49 || broken {
            drop(case);
            let reopened = Case::open(&dir.path().join(format!("fuzz-{case_no}.casefile")))
                .expect("the case reopens after fuzzing");
            reopened.info().expect("and reads");
            drop(reopened);
            std::fs::remove_file(dir.path().join(format!("fuzz-{case_no}.casefile"))).unwrap();
            case_no += 1;
            case = fuzzed_case(&dir.path().join(format!("fuzz-{case_no}.casefile")));
        }
        i += 1;
        let _ = rng.next_u32();
        if seconds.is_some() && i.is_multiple_of(500) {
            eprintln!(
                "fuzz: {i} inputs in {:.0?}, {} failures",
                started.elapsed(),
                tally.failures.len()
            );
        }
    }
    println!(
        "fuzz (seed {seed}): {} inputs in {:.0?} ({} seeds); imported {} ({} rows read, {} quarantined); refused {:?}; failures {}",
        tally.executions,
        started.elapsed(),
        all.len(),
        tally.imported,
        tally.rows_read,
        tally.rows_quarantined,
        tally.refused,
        tally.failures.len()
    );
    println!("slowest inputs: {:?}", tally.slowest);
    assert!(
        tally.imported > 0 && !tally.refused.is_empty(),
        "the fuzzer neither imported nor refused anything: it tests nothing"
    );
    assert!(
        tally.failures.is_empty(),
        "{} of {} inputs failed:\n{}",
        tally.failures.len(),
        tally.executions,
        tally.failures.join("\n")
    );
}

/// Each input the fuzzer found a bug with, kept in tests/fixtures/hostile (the bug in its name).
#[test]
fn inputs_that_once_broke_an_importer_end_as_a_clear_error_or_reconciled_rows() {
    let dir = tmp();
    let case = fuzzed_case(&dir.path().join("regressions.casefile"));
    let mut tally = Tally::default();
    let mut failures = Vec::new();
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(fixtures().join("hostile"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 3, "the regression corpus is missing");
    for input in &inputs {
        if let Err(why) = check_input(&case, input, &mut tally) {
            failures.push(format!("{}: {why}", input.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        tally.imported >= 1 && tally.refused.get("source_format").is_some_and(|n| *n >= 2),
        "the OTLP lines import and the damaged Parquet files are refused"
    );
}

/// Imports `file` into a fresh case with the CLI; its JSON output (or its error) and its peak
/// resident memory. The peak is the kernel's high-water mark of the process's own memory (VmHWM),
/// read while it runs: rusage would count the test process's memory too, which the child starts
/// from when it is spawned.
fn import_measured(dir: &Path, file: &Path) -> (Value, u64) {
    use std::io::Read;
    let case = dir.join(format!(
        "{}.casefile",
        file.file_name().unwrap().to_string_lossy()
    ));
    let mut child = Command::new(bin())
        .args(["import", "--json", s(&case), s(file)])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let output = std::thread::spawn(move || {
        let (mut out, mut err) = (Vec::new(), String::new());
        stdout.read_to_end(&mut out).unwrap();
        stderr.read_to_string(&mut err).unwrap();
        (out, err)
    });
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            let hwm = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
            peak_kb = peak_kb.max(hwm.unwrap_or(0));
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let (out, errors) = output.join().unwrap();
    let doc = if status.success() {
        serde_json::from_slice(&out).unwrap()
    } else {
        let code = status
            .code()
            .unwrap_or_else(|| panic!("the import of {} was killed: {errors}", file.display()));
        serde_json::json!({ "exit": code, "error": errors })
    };
    (doc, peak_kb * 1024)
}

const MB: u64 = 1 << 20;

#[test]
fn a_line_of_100_mb_is_quarantined_with_its_size_and_memory_stays_bounded() {
    let dir = tmp();
    let file = dir.path().join("long-line.jsonl");
    let lines = first_lines(&samples().join("lending/applications.jsonl"), 4);
    let mut text: Vec<&[u8]> = lines.split_inclusive(|b| *b == b'\n').collect();
    let long = format!(
        "{{\"event_id\":\"long\",\"stream_id\":\"s\",\"event_type\":\"T\",\"occurred_at\":\"2024-01-01T00:00:00Z\",\"payload\":{{\"blob\":\"{}\"}}}}\n",
        "x".repeat(100 * MB as usize)
    );
    text.insert(2, long.as_bytes());
    std::fs::write(&file, text.concat()).unwrap();

    let (report, peak) = import_measured(dir.path(), &file);
    let src = &report["sources"][0];
    assert_eq!(src["rows_read"], 5, "{report}");
    assert_eq!(src["rows_loaded"], 4, "{report}");
    assert_eq!(src["rows_quarantined"], 1, "{report}");
    let case = dir.path().join("long-line.jsonl.casefile");
    let q = json(&["quarantine", s(&case)]);
    let reason = q["rows"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("MB") && reason.contains("limit"),
        "{reason}"
    );
    assert_eq!(q["rows"][0]["row"], 3);
    println!("a 100 MB line: peak memory {} MB", peak / MB);
    assert!(
        peak < 512 * MB,
        "importing a 100 MB line took {} MB",
        peak / MB
    );
}

#[test]
fn files_that_expand_1000_times_are_read_with_bounded_memory() {
    let dir = tmp();
    // 200 MB of blanks after one event: JSON lines (one endless line), a JSON document and CSV.
    let expanded = 200 * MB as usize;
    let event = "{\"event_id\":\"e1\",\"stream_id\":\"s\",\"event_type\":\"T\",\"occurred_at\":\"2024-01-01T00:00:00Z\"}";
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "bomb.jsonl.gz",
            [event.as_bytes(), b"\n", &vec![b'7'; expanded][..]].concat(),
        ),
        (
            "bomb.json.gz",
            [b"[", event.as_bytes(), &vec![b' '; expanded][..], b"]"].concat(),
        ),
        (
            "bomb.csv.gz",
            [
                &b"event_id,stream_id,event_type,occurred_at\ne1,s,T,2024-01-01T00:00:00Z\n\""[..],
                &vec![b'x'; expanded][..],
            ]
            .concat(),
        ),
    ];
    for (name, plain) in cases {
        let file = dir.path().join(name);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&plain).unwrap();
        let packed = gz.finish().unwrap();
        assert!(
            plain.len() / packed.len() >= 1000,
            "{name}: {} / {}",
            plain.len(),
            packed.len()
        );
        std::fs::write(&file, &packed).unwrap();
        drop(plain);
        let (report, peak) = import_measured(dir.path(), &file);
        println!(
            "{name}: {} KB expanding to 200 MB, peak memory {} MB: {report}",
            packed.len() / 1024,
            peak / MB
        );
        assert!(peak < 512 * MB, "{name} took {} MB", peak / MB);
        if let Some(src) = report["sources"].get(0) {
            assert_eq!(
                src["rows_read"].as_u64().unwrap(),
                src["rows_loaded"].as_u64().unwrap() + src["rows_quarantined"].as_u64().unwrap(),
                "{name}: {report}"
            );
        } else {
            // Refused as input (exit 2), saying which limit and where.
            assert_eq!(report["exit"], 2, "{name}: {report}");
            assert!(
                report["error"].as_str().unwrap().contains("MB, the limit"),
                "{name}: {report}"
            );
        }
    }
}

#[test]
fn json_nested_100000_deep_is_quarantined_or_refused_without_a_crash() {
    let dir = tmp();
    let depth = 100_000;
    let deep = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let event = |id: &str, payload: &str| {
        format!(
            "{{\"event_id\":\"{id}\",\"stream_id\":\"s\",\"event_type\":\"T\",\"occurred_at\":\"2024-01-01T00:00:00Z\",\"payload\":{payload}}}"
        )
    };
    let files: Vec<(&str, String)> = vec![
        (
            "deep.jsonl",
            [event("a", "{}"), event("deep", &deep), event("b", "{}")].join("\n"),
        ),
        ("deep.json", format!("[{},{}]", event("a", "{}"), event("deep", &deep))),
        (
            "deep.csv",
            format!("event_id,stream_id,event_type,occurred_at,payload\na,s,T,2024-01-01T00:00:00Z,{{}}\ndeep,s,T,2024-01-01T00:00:00Z,{deep}\n"),
        ),
    ];
    for (name, text) in files {
        let file = dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        let (report, peak) = import_measured(dir.path(), &file);
        println!("{name}: peak memory {} MB: {report}", peak / MB);
        match report["sources"].get(0) {
            Some(src) => {
                let n = |k: &str| src[k].as_u64().unwrap();
                assert_eq!(
                    n("rows_read"),
                    n("rows_loaded") + n("rows_quarantined"),
                    "{name}: {report}"
                );
                assert!(
                    n("rows_loaded") >= 1,
                    "{name}: the shallow events are lost: {report}"
                );
            }
            None => {
                assert_eq!(report["exit"], 2, "{name}: {report}");
                assert!(
                    report["error"]
                        .as_str()
                        .unwrap()
                        .starts_with("error[source_format]"),
                    "{name}: {report}"
                );
            }
        }
    }
}
