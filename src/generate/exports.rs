//! Samples shaped like other systems' exports rather than Casefile's own: a Kafka topic of
//! ordinary domain events dumped with `kcat -J` (`orders/`), and an LLM application traced with
//! OpenInference (`docs-qa/`). Both are deterministic from a seed.

use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use super::io_err;
use crate::error::Result;
use crate::model::{format_micros, parse_instant};

/// A Kafka `orders` topic of three partitions, dumped with `kcat -C -J -e`: domain events (not in
/// any envelope), the type in a header for some producers and in the payload for others, repeated
/// and null headers, JSON keys from one producer, a schema-registry (JSON Schema) producer whose
/// values start with the wire prefix, a tombstone when an order is erased, and offsets that
/// compaction removed.
pub fn orders_topic(out: &Path) -> Result<Vec<PathBuf>> {
    let dir = out.join("orders");
    std::fs::create_dir_all(&dir)?;
    let mut rng = ChaCha8Rng::seed_from_u64(20_240_502);
    let start = parse_instant("2024-05-02T08:00:00Z")?;
    let mut records: Vec<(i64, Value)> = Vec::new();
    for n in 0..24 {
        let order = format!("o-{}", 1001 + n);
        let partition = (n % 3) as usize;
        let placed = start + n as i64 * 420_000_000 + rng.random_range(0..60_000_000);
        let amount = rng.random_range(1_500..40_000) as f64 / 100.0;
        let mut steps = vec![(
            "OrderPlaced",
            json!({"orderId": order, "amount": amount, "currency": "EUR", "lines": rng.random_range(1..6)}),
        )];
        steps.push(("OrderPaid", json!({"orderId": order, "amount": amount, "method": if n % 4 == 0 { "card" } else { "sepa" }})));
        match n % 6 {
            5 => steps.push((
                "OrderCancelled",
                json!({"orderId": order, "reason": "customer request"}),
            )),
            _ => steps.push((
                "OrderShipped",
                json!({"orderId": order, "carrier": if n % 2 == 0 { "DHL" } else { "UPS" }}),
            )),
        }
        for (i, (ty, body)) in steps.into_iter().enumerate() {
            let at = placed + i as i64 * rng.random_range(300_000_000..3_600_000_000i64);
            let ts = at / 1000 + rng.random_range(2..40);
            let producer = n % 4;
            let (key, payload, headers) = match producer {
                // The checkout service: type in a header, time in the payload.
                0 => {
                    let mut p = body.clone();
                    p["occurredAt"] = json!(format_micros(at));
                    (
                        json!(order),
                        p.to_string(),
                        json!([
                            "event_type",
                            ty,
                            "hop",
                            "gateway",
                            "hop",
                            "checkout",
                            "trace",
                            null
                        ]),
                    )
                }
                // The payment service: JSON keys, type and time in the payload.
                1 => {
                    let mut p = body.clone();
                    p["type"] = json!(ty);
                    p["occurredAt"] = json!(format_micros(at));
                    (
                        json!(json!({"orderId": order}).to_string()),
                        p.to_string(),
                        json!(["content-type", "application/json"]),
                    )
                }
                // A schema-registry producer (JSON Schema, id 3): the wire prefix before the JSON.
                2 => {
                    let mut p = body.clone();
                    p["type"] = json!(ty);
                    p["occurredAt"] = json!(format_micros(at));
                    (
                        json!(order),
                        format!("\u{0}\u{0}\u{0}\u{0}\u{3}{p}"),
                        json!(["schema", "orders-value"]),
                    )
                }
                // A legacy producer: no time of its own (the record's timestamp stands in).
                _ => (json!(order), body.to_string(), json!(["event_type", ty])),
            };
            records.push((ts, json!({
                "topic": "orders", "partition": partition, "offset": null, "tstype": "create", "ts": ts,
                "broker": 1, "headers": headers, "key": key, "payload": payload,
            })));
        }
        // An erased order: a tombstone for its key.
        if n == 17 {
            let ts = placed / 1000 + 86_400_000;
            records.push((ts, json!({
                "topic": "orders", "partition": partition, "offset": null, "tstype": "create", "ts": ts,
                "broker": 1, "key": order, "payload": null,
            })));
        }
    }
    // Offsets in append order per partition; compaction removed one record of partition 1. kcat
    // prints partitions as it consumes them: here, in record time.
    records.sort_by_key(|(ts, r)| (*ts, r["partition"].as_i64()));
    let mut offsets = [0i64; 3];
    for (_, r) in &mut records {
        let p = r["partition"].as_u64().unwrap_or(0) as usize;
        if p == 1 && offsets[p] == 9 {
            offsets[p] += 1;
        }
        r["offset"] = json!(offsets[p]);
        offsets[p] += 1;
    }
    let mut text = String::new();
    for (_, r) in &records {
        text.push_str(&r.to_string());
        text.push('\n');
    }
    let file = dir.join("orders.kcat.jsonl");
    std::fs::write(&file, text).map_err(|e| io_err(&file, e))?;
    Ok(vec![file])
}

fn attr(key: &str, value: Value) -> Value {
    super::formats::attr(key, &value)
}

/// A documentation assistant traced with OpenInference (the conventions Phoenix reads): per
/// question a CHAIN root, a RETRIEVER span with three documents (ids, scores, content), and an LLM
/// span (messages, invocation parameters as a JSON string, token counts), as one OTLP request.
pub fn docs_qa(out: &Path) -> Result<Vec<PathBuf>> {
    let dir = out.join("docs-qa");
    std::fs::create_dir_all(&dir)?;
    let mut rng = ChaCha8Rng::seed_from_u64(7_041);
    let docs = [
        (
            "kb-rotate-keys",
            "Create a new API key, move clients to it, then revoke the old key.",
        ),
        ("kb-revoke", "Revoked keys stop working within 60 seconds."),
        (
            "kb-sso",
            "SAML and OIDC single sign-on are available on the Business plan.",
        ),
        (
            "kb-billing-email",
            "Billing contacts are changed under Billing > Contact.",
        ),
        (
            "kb-export",
            "Workspace exports are CSV or JSON and include audit logs.",
        ),
        (
            "kb-limits",
            "The API allows 600 requests per minute per key.",
        ),
    ];
    let questions = [
        ("How do I rotate an API key?", [0, 1, 5]),
        ("Do you support SSO?", [2, 4, 3]),
        ("How fast does a revoked key stop working?", [1, 0, 5]),
        ("Can I change my billing email?", [3, 2, 4]),
    ];
    let start = parse_instant("2025-03-10T09:00:00Z")?;
    let mut spans = Vec::new();
    for (q, (question, picked)) in questions.iter().enumerate() {
        let trace = format!("{:032x}", 0x5eed_0000_u128 + q as u128);
        let id = |n: u64| format!("{:016x}", 0xd0c5_0000_u64 + q as u64 * 16 + n);
        let t0 = (start + q as i64 * 900_000_000) as i128 * 1000;
        let ns = |ms: i128| (t0 + ms * 1_000_000).to_string();
        let scores: Vec<f64> = (0..3)
            .map(|i| (910 - i * 70 - rng.random_range(0..40)) as f64 / 1000.0)
            .collect();
        let mut retriever = vec![
            attr("openinference.span.kind", json!("RETRIEVER")),
            attr("input.value", json!(question)),
        ];
        for (i, d) in picked.iter().enumerate() {
            let (doc_id, content) = docs[*d];
            let p = format!("retrieval.documents.{i}.document");
            retriever.push(attr(&format!("{p}.id"), json!(doc_id)));
            retriever.push(attr(&format!("{p}.score"), json!(scores[i])));
            retriever.push(attr(&format!("{p}.content"), json!(content)));
            retriever.push(attr(
                &format!("{p}.metadata"),
                json!(json!({"source": format!("{doc_id}.md")}).to_string()),
            ));
        }
        let context: Vec<&str> = picked.iter().map(|d| docs[*d].1).collect();
        let answer = format!("{} (see {})", docs[picked[0]].1, docs[picked[0]].0);
        let prompt_tokens = rng.random_range(380..720);
        let completion_tokens = rng.random_range(18..60);
        let llm = vec![
            attr("openinference.span.kind", json!("LLM")),
            attr("llm.model_name", json!("gpt-4o-mini-2024-07-18")),
            attr("llm.provider", json!("openai")),
            attr("llm.system", json!("openai")),
            attr(
                "llm.invocation_parameters",
                json!(json!({"temperature": 0.1, "max_tokens": 400}).to_string()),
            ),
            attr("llm.input_messages.0.message.role", json!("system")),
            attr(
                "llm.input_messages.0.message.content",
                json!(format!(
                    "Answer from the context only.\n{}",
                    context.join("\n")
                )),
            ),
            attr("llm.input_messages.1.message.role", json!("user")),
            attr("llm.input_messages.1.message.content", json!(question)),
            attr("llm.output_messages.0.message.role", json!("assistant")),
            attr("llm.output_messages.0.message.content", json!(answer)),
            attr("llm.token_count.prompt", json!(prompt_tokens)),
            attr("llm.token_count.completion", json!(completion_tokens)),
            attr(
                "llm.token_count.total",
                json!(prompt_tokens + completion_tokens),
            ),
            attr("session.id", json!(format!("sess-{}", 100 + q))),
        ];
        let span = |span_id: String,
                    parent: Option<String>,
                    name: &str,
                    from: i128,
                    to: i128,
                    attrs: Vec<Value>| {
            let mut s = json!({"traceId": trace, "spanId": span_id, "name": name, "kind": 1,
                "startTimeUnixNano": ns(from), "endTimeUnixNano": ns(to), "attributes": attrs, "status": {"code": 1}});
            if let Some(p) = parent {
                s["parentSpanId"] = json!(p);
            }
            s
        };
        // As a batch processor exports them: children first.
        spans.push(span(
            id(2),
            Some(id(1)),
            "VectorIndexRetriever.retrieve",
            5,
            60,
            retriever,
        ));
        spans.push(span(id(3), Some(id(1)), "OpenAI.chat", 70, 1_900, llm));
        spans.push(span(
            id(1),
            None,
            "RetrieverQueryEngine.query",
            0,
            1_950,
            vec![
                attr("openinference.span.kind", json!("CHAIN")),
                attr("input.value", json!(question)),
                attr("output.value", json!(answer)),
                attr("session.id", json!(format!("sess-{}", 100 + q))),
            ],
        ));
    }
    let doc = json!({"resourceSpans": [{
        "resource": {"attributes": [attr("service.name", json!("docs-qa")), attr("openinference.project.name", json!("docs-qa"))]},
        "scopeSpans": [{"scope": {"name": "openinference.instrumentation.llama_index"}, "spans": spans}],
    }]});
    let file = dir.join("docs-qa.openinference.json");
    std::fs::write(
        &file,
        serde_json::to_string_pretty(&doc).unwrap_or_default(),
    )
    .map_err(|e| io_err(&file, e))?;
    Ok(vec![file])
}
