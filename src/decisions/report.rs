//! One decision's explanation as a self-contained HTML page (no scripts, no external assets), as a
//! bundle carries it: what the model saw, what the system knew then, what was true, the model in
//! force, the context it was given and what happened after.

use std::fmt::Write as _;

use serde_json::Value;

use super::explain::Explanation;
use crate::drift::report::esc;

fn json(v: &Value) -> String {
    match v {
        Value::String(s) => esc(s),
        Value::Null => "–".into(),
        other => esc(&other.to_string()),
    }
}

fn opt(v: &Option<String>) -> String {
    v.as_deref().map(esc).unwrap_or_else(|| "–".into())
}

/// The page for `e`, from the case (or bundle) named `case`.
pub fn html(e: &Explanation, case: &str, generated_at: &str) -> String {
    let d = &e.decision;
    let mut h = String::with_capacity(32 * 1024);
    let _ = write!(
        h,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Decision {id}</title>
<meta name="viewport" content="width=device-width">
<style>
body{{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:32px auto;max-width:1000px;padding:0 20px;color:#0f172a;background:#fff}}
h1{{font-size:1.45rem;margin:0 0 4px}}h2{{font-size:1.1rem;margin:26px 0 8px}}.muted,th{{color:#5b6678}}
table{{border-collapse:collapse;width:100%}}th,td{{text-align:left;padding:4px 8px;border-bottom:1px solid #e2e8f0;vertical-align:top}}
th{{font-size:.8rem}}tr.bad td{{color:#b91c1c}}code{{font-size:.85em}}
.verdict{{padding:10px 14px;border-radius:8px;border-left:5px solid #15803d;background:#f4f6fa}}.verdict.bad{{border-left-color:#b91c1c}}
@media (prefers-color-scheme:dark){{body{{background:#0b1220;color:#e2e8f0}}.verdict{{background:#111a2e}}th,td{{border-color:#1f2a40}}.muted,th{{color:#94a3b8}}}}
</style></head><body>
<h1>Decision {id}</h1>
<p class="muted">Case {case} · generated {generated_at} by Casefile {version}</p>
<table><tr><th>subject</th><td>{subject}</td><th>decided</th><td>{decided}</td></tr>
<tr><th>model</th><td>{model} {version_m}</td><th>recorded</th><td>{recorded}</td></tr>
<tr><th>output</th><td colspan="3"><code>{output}</code></td></tr></table>
"#,
        id = esc(&d.decision_id),
        case = esc(case),
        version = env!("CARGO_PKG_VERSION"),
        subject = esc(&d.subject_id),
        decided = esc(&d.decided_at),
        recorded = esc(&d.recorded_at),
        model = opt(&d.model),
        version_m = opt(&d.model_version),
        output = json(&d.output),
    );
    let stale = !e.discrepancies.is_empty();
    let _ = write!(
        h,
        r#"<p class="verdict{}">{}</p>"#,
        if stale || !e.hindsight.is_empty() {
            " bad"
        } else {
            ""
        },
        if stale {
            format!(
                "The model saw {} input(s) that differ from what the system knew when it decided.",
                e.discrepancies.len()
            )
        } else {
            "Every recorded input matches what the system knew when the model decided.".to_string()
        }
    );
    h += "<h2>What the model saw, against what the system knew then</h2><table><tr><th>input</th><th>recorded</th><th>system knew</th><th></th></tr>";
    let inputs = e.recorded_inputs.as_object().cloned().unwrap_or_default();
    for (k, v) in &inputs {
        let disc = e.discrepancies.iter().find(|x| &x.path == k);
        let known = e
            .reconstructed_state
            .get(k)
            .map(json)
            .unwrap_or_else(|| "(no such field)".into());
        let _ = write!(
            h,
            r#"<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            if disc.is_some() {
                r#" class="bad""#
            } else {
                ""
            },
            esc(k),
            json(v),
            known,
            disc.map(|x| esc(&x.message)).unwrap_or_default()
        );
    }
    h += "</table>";
    if !e.hindsight.is_empty() {
        h += "<h2>Learned only later</h2><table><tr><th>input</th><th>recorded</th><th>actually</th><th></th></tr>";
        for x in &e.hindsight {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&x.path),
                json(&x.recorded),
                json(&x.actual),
                esc(&x.message)
            );
        }
        h += "</table>";
    }
    let m = &e.model;
    let _ = write!(
        h,
        "<h2>The model</h2><p>{} {} · deployed {} by {} · live version then: {} · {}</p>",
        opt(&m.model),
        opt(&m.model_version),
        opt(&m.deployed_at),
        opt(&m.deployed_by),
        opt(&m.live_version),
        if m.consistent {
            "the decision names the live version"
        } else {
            "the decision names a version that was not live"
        }
    );
    if !e.context.is_empty() {
        h += "<h2>Context the model was given</h2><table><tr><th>document</th><th>version then</th><th>changed since</th></tr>";
        for c in &e.context {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&c.id),
                c.version_then
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "–".into()),
                if c.changed_since { "yes" } else { "no" }
            );
        }
        h += "</table>";
    }
    let _ = write!(
        h,
        "<h2>What happened after ({} events)</h2><table><tr><th>kind</th><th>recorded</th><th>event</th><th>type</th></tr>",
        e.later_total
    );
    for l in &e.later_events {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            esc(&l.kind),
            esc(&l.event.recorded_at),
            esc(&l.event.event_id),
            esc(&l.event.event_type)
        );
    }
    h += "</table></body></html>\n";
    h
}
