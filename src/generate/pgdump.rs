//! Plain-format `pg_dump` files of a Marten event store, as pg_dump 17.6 writes them: the
//! `\restrict` guard, the `SET` block, `CREATE TABLE`s, `COPY … FROM stdin` blocks in Postgres's
//! text format (tables in name order, so `mt_events` before `mt_streams`), jsonb in jsonb's own
//! key order. Used for the hiring sample (beside its CSV) and for the 1 GB import benchmark.

use std::io::Write;
use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use super::formats::pg_time;
use super::{io_err, GenEvent};
use crate::error::Result;

/// JSON as Postgres prints a `jsonb` value: object keys ordered by length, then bytes; `", "`
/// and `": "` between items.
pub fn jsonb_text(v: &Value) -> String {
    let mut out = String::new();
    write_jsonb(v, &mut out);
    out
}

fn write_jsonb(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| {
                a.len()
                    .cmp(&b.len())
                    .then_with(|| a.as_bytes().cmp(b.as_bytes()))
            });
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push_str(": ");
                write_jsonb(&m[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_jsonb(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// A value as a COPY text-format field: backslash, tab, newline and carriage return escaped.
fn copy_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

const EVENT_COLUMNS: &str = "seq_id, id, stream_id, version, data, type, \"timestamp\", tenant_id, mt_dotnet_type, correlation_id, causation_id, headers, is_skipped";

fn header(w: &mut dyn Write, key: &str) -> std::io::Result<()> {
    write!(
        w,
        "--\n-- PostgreSQL database dump\n--\n\n\\restrict {key}\n\n\
-- Dumped from database version 17.6 (Debian 17.6-1.pgdg13+1)\n\
-- Dumped by pg_dump version 17.6 (Debian 17.6-1.pgdg13+1)\n\n\
SET statement_timeout = 0;\nSET lock_timeout = 0;\nSET idle_in_transaction_session_timeout = 0;\n\
SET transaction_timeout = 0;\nSET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\n\
SELECT pg_catalog.set_config('search_path', '', false);\nSET check_function_bodies = false;\n\
SET xmloption = content;\nSET client_min_messages = warning;\nSET row_security = off;\n\n\
SET default_tablespace = '';\n\nSET default_table_access_method = heap;\n\n\
--\n-- Name: mt_events; Type: TABLE; Schema: public; Owner: hiring\n--\n\n\
CREATE TABLE public.mt_events (\n    seq_id bigint NOT NULL,\n    id character varying NOT NULL,\n\
    stream_id character varying,\n    version bigint NOT NULL,\n    data jsonb NOT NULL,\n\
    type character varying(500) NOT NULL,\n\
    \"timestamp\" timestamp with time zone DEFAULT now() NOT NULL,\n\
    tenant_id character varying DEFAULT '*DEFAULT*'::character varying,\n\
    mt_dotnet_type character varying,\n    correlation_id character varying,\n\
    causation_id character varying,\n    headers jsonb,\n    is_skipped boolean DEFAULT false\n);\n\n\n\
ALTER TABLE public.mt_events OWNER TO hiring;\n\n\
--\n-- Name: mt_streams; Type: TABLE; Schema: public; Owner: hiring\n--\n\n\
CREATE TABLE public.mt_streams (\n    id character varying NOT NULL,\n    type character varying,\n\
    version bigint,\n    \"timestamp\" timestamp with time zone DEFAULT now() NOT NULL,\n\
    snapshot jsonb,\n    snapshot_version integer,\n\
    created timestamp with time zone DEFAULT now() NOT NULL,\n\
    tenant_id character varying DEFAULT '*DEFAULT*'::character varying,\n\
    is_archived boolean DEFAULT false\n);\n\n\n\
ALTER TABLE public.mt_streams OWNER TO hiring;\n\n\
--\n-- Data for Name: mt_events; Type: TABLE DATA; Schema: public; Owner: hiring\n--\n\n\
COPY public.mt_events ({EVENT_COLUMNS}) FROM stdin;\n"
    )
}

fn streams_block(w: &mut dyn Write) -> std::io::Result<()> {
    write!(
        w,
        "\\.\n\n\n--\n-- Data for Name: mt_streams; Type: TABLE DATA; Schema: public; Owner: hiring\n--\n\n\
COPY public.mt_streams (id, type, version, \"timestamp\", snapshot, snapshot_version, created, tenant_id, is_archived) FROM stdin;\n"
    )
}

fn trailer(w: &mut dyn Write, key: &str) -> std::io::Result<()> {
    write!(
        w,
        "\\.\n\n\n--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict {key}\n\n"
    )
}

/// One `mt_events` COPY line.
#[allow(clippy::too_many_arguments)]
fn event_line(
    w: &mut dyn Write,
    seq: u64,
    id: &str,
    stream: &str,
    version: i64,
    data: &str,
    event_type: &str,
    at: i64,
    dotnet: &str,
    correlation: Option<&str>,
    causation: Option<&str>,
    headers: &str,
) -> std::io::Result<()> {
    let opt = |v: Option<&str>| v.map_or("\\N".to_string(), copy_text);
    writeln!(
        w,
        "{seq}\t{}\t{}\t{version}\t{}\t{}\t{}\t*DEFAULT*\t{}\t{}\t{}\t{}\tf",
        copy_text(id),
        copy_text(stream),
        copy_text(data),
        copy_text(event_type),
        pg_time(at),
        copy_text(dotnet),
        opt(correlation),
        opt(causation),
        copy_text(headers),
    )
}

/// The rows of `mt_streams`: (id, type, last version, last time, first time).
fn stream_line(
    w: &mut dyn Write,
    id: &str,
    stream_type: &str,
    version: i64,
    last: i64,
    first: i64,
) -> std::io::Result<()> {
    writeln!(
        w,
        "{}\t{}\t{version}\t{}\t\\N\t\\N\t{}\t*DEFAULT*\tf",
        copy_text(id),
        copy_text(stream_type),
        pg_time(last),
        pg_time(first)
    )
}

/// The same Marten events as `formats::write_marten_csv` writes, as a pg_dump of `mt_events` and
/// `mt_streams` (stream types are the events' lower-case aggregate names, as Marten stores them).
pub fn write_marten_dump(path: &Path, events: &[GenEvent], namespace: &str) -> Result<()> {
    let mut w: Vec<u8> = Vec::new();
    let key = "hR7kQ2vX9pLm4TnB8cYdE1sWfN6gJ3uZqA5oP0iKxCbVtMeG7yDrS2lUj4Fh9wOa";
    (|| -> std::io::Result<()> {
        header(&mut w, key)?;
        let mut streams: std::collections::BTreeMap<&str, (String, i64, i64, i64)> =
            Default::default();
        for (i, e) in events.iter().enumerate() {
            event_line(
                &mut w,
                i as u64 + 1,
                &e.event_id,
                &e.stream_id,
                e.stream_version.unwrap_or(0),
                &jsonb_text(&e.payload),
                &super::formats::snake(&e.event_type),
                e.occurred_at,
                &format!("{namespace}.{}, {namespace}", e.event_type),
                e.correlation_id.as_deref(),
                e.causation_id.as_deref(),
                &jsonb_text(&serde_json::json!({"actor": e.actor})),
            )?;
            let s = streams.entry(&e.stream_id).or_insert((
                e.stream_type.to_lowercase(),
                0,
                e.occurred_at,
                e.occurred_at,
            ));
            s.1 = s.1.max(e.stream_version.unwrap_or(0));
            s.2 = s.2.max(e.occurred_at);
            s.3 = s.3.min(e.occurred_at);
        }
        streams_block(&mut w)?;
        for (id, (ty, version, last, first)) in &streams {
            stream_line(&mut w, id, ty, *version, *last, *first)?;
        }
        trailer(&mut w, key)
    })()
    .map_err(|e| io_err(path, e))?;
    std::fs::write(path, w).map_err(|e| io_err(path, e))
}

/// A Marten store of `events` events over `streams` UUID streams as a pg_dump, written as it is
/// generated (for the import benchmark: about 340 bytes a row, deterministic from `seed`).
pub fn write_marten_bench(out: &Path, events: u64, streams: u64, seed: u64) -> Result<u64> {
    let file = std::fs::File::create(out).map_err(|e| io_err(out, e))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let uuid = |n: u64, salt: u64| {
        let h = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt;
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            (h >> 32) as u32,
            (h >> 16) as u16,
            (h & 0xfff) as u16,
            (n & 0xfff) as u16,
            n
        )
    };
    let start = crate::model::parse_instant("2024-01-01T00:00:00Z")?;
    let span: i64 = 180 * 86_400_000_000;
    let types = [
        ("resume_uploaded", "ResumeUploaded"),
        ("enrichment_completed", "EnrichmentCompleted"),
        ("candidate_screened", "CandidateScreened"),
        ("interview_scheduled", "InterviewScheduled"),
    ];
    let mut versions = vec![0i64; streams as usize];
    let mut first = vec![0i64; streams as usize];
    let mut last = vec![0i64; streams as usize];
    let key = "bEnChMaRkKeY0000000000000000000000000000000000000000000000000000";
    (|| -> std::io::Result<()> {
        header(&mut w, key)?;
        for i in 0..events {
            let s = rng.random_range(0..streams) as usize;
            versions[s] += 1;
            let at = start
                + (span as u128 * i as u128 / events.max(1) as u128) as i64
                + rng.random_range(0..1_000_000);
            if first[s] == 0 {
                first[s] = at;
            }
            last[s] = at;
            let (ty, class) = types[rng.random_range(0..types.len())];
            let data = format!(
                "{{\"score\": {:.3}, \"model\": \"screener\", \"skills\": [\"rust\", \"sql\", \"kubernetes\"], \"resume_id\": \"res-{s}-{}\", \"years_experience\": {}, \"note\": \"line one\\nline two \\\\ path\"}}",
                rng.random_range(0.0..1.0f64),
                versions[s],
                rng.random_range(0..20)
            );
            event_line(
                &mut w,
                i + 1,
                &uuid(i, 0x5EED),
                &uuid(s as u64, 0xCA4D),
                versions[s],
                &data,
                ty,
                at,
                &format!("Hiring.Events.{class}, Hiring.Events"),
                None,
                None,
                "{\"actor\": \"ai/screener\"}",
            )?;
        }
        streams_block(&mut w)?;
        for s in 0..streams as usize {
            if versions[s] > 0 {
                stream_line(&mut w, &uuid(s as u64, 0xCA4D), "candidate", versions[s], last[s], first[s])?;
            }
        }
        trailer(&mut w, key)?;
        w.flush()
    })()
    .map_err(|e| io_err(out, e))?;
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonb_orders_keys_by_length_then_bytes() {
        let v = serde_json::json!({"Email": 1, "Name": {"bb": 1, "a": 2}, "Source": [1, 2], "Id": true});
        assert_eq!(
            jsonb_text(&v),
            r#"{"Id": true, "Name": {"a": 2, "bb": 1}, "Email": 1, "Source": [1, 2]}"#
        );
    }

    #[test]
    fn copy_fields_escape_what_copy_text_format_escapes() {
        assert_eq!(copy_text("a\tb\\c\nd\re"), "a\\tb\\\\c\\nd\\re");
    }
}
