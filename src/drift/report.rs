//! The drift report as one self-contained HTML file: no scripts, fonts or images from anywhere
//! else, charts as inline SVG. It records the cohorts, the tests, thresholds and sample sizes, so
//! the comparison can be run again and checked.

use std::fmt::Write as _;

use super::{
    DriftReport, FeatureDrift, DATASET_DRIFT_SHARE, DISTANCE_THRESHOLD, MAX_SEGMENTS,
    P_VALUE_THRESHOLD, SMALL_COHORT,
};

pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A statistic for reading: four decimals, or scientific notation when tiny or huge; a dash for none.
pub fn num(v: Option<f64>) -> String {
    match v {
        Some(x) if x != 0.0 && (x.abs() < 1e-3 || x.abs() >= 1e5) => format!("{x:.3e}"),
        Some(x) => format!("{x:.4}"),
        None => "–".into(),
    }
}

const W: f64 = 360.0;
const H: f64 = 110.0;

/// The two cohorts' shares per bin (numeric) or category, overlaid: a in blue, b in orange.
fn chart(f: &FeatureDrift) -> String {
    let d = &f.distribution;
    let n = d.a.len().max(d.b.len());
    if n == 0 {
        return String::new();
    }
    let top =
        d.a.iter()
            .chain(&d.b)
            .copied()
            .fold(0.0f64, f64::max)
            .max(1e-12);
    let slot = W / n as f64;
    let mut svg = format!(
        r#"<svg viewBox="0 0 {W} {}" width="{W}" height="{}" role="img" aria-label="{} in a and b">"#,
        H + 18.0,
        H + 18.0,
        esc(&f.name)
    );
    let numeric = !d.edges.is_empty();
    for (i, (sa, sb)) in d.a.iter().zip(&d.b).enumerate() {
        let x = i as f64 * slot;
        let (ha, hb) = (sa / top * H, sb / top * H);
        if numeric {
            // Overlaid: both series span the bin, translucent.
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{ha:.1}" class="a"/><rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{hb:.1}" class="b"/>"#,
                H - ha,
                slot - 1.0,
                H - hb,
                slot - 1.0
            );
        } else {
            let half = (slot - 2.0) / 2.0;
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{:.1}" width="{half:.1}" height="{ha:.1}" class="a"/><rect x="{:.1}" y="{:.1}" width="{half:.1}" height="{hb:.1}" class="b"/>"#,
                H - ha,
                x + half,
                H - hb
            );
        }
    }
    if numeric {
        let _ = write!(
            svg,
            r#"<text x="0" y="{:.0}">{}</text><text x="{W}" y="{:.0}" text-anchor="end">{}</text>"#,
            H + 14.0,
            num(d.edges.first().copied()),
            H + 14.0,
            num(d.edges.last().copied())
        );
    } else {
        for (i, c) in d.categories.iter().enumerate().take(8) {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{:.0}" text-anchor="middle">{}</text>"#,
                i as f64 * slot + slot / 2.0,
                H + 14.0,
                esc(&c.chars().take(10).collect::<String>())
            );
        }
    }
    svg += "</svg>";
    svg
}

/// The report for `report`, comparing cohorts of the case named `case`.
pub fn html(report: &DriftReport, case: &str, generated_at: &str) -> String {
    let r = report;
    let mut h = String::with_capacity(64 * 1024);
    let _ = write!(
        h,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Drift: {a} vs {b}</title>
<meta name="viewport" content="width=device-width">
<style>
body{{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:32px auto;max-width:1080px;padding:0 20px;color:#0f172a;background:#fff}}
h1{{font-size:1.5rem;margin:0 0 4px}}h2{{font-size:1.1rem;margin:28px 0 8px}}
.muted{{color:#5b6678}}.verdict{{padding:10px 14px;border-radius:8px;border-left:5px solid #15803d;background:#f4f6fa}}
.verdict.drift{{border-left-color:#b91c1c}}table{{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}}
th,td{{text-align:left;padding:4px 8px;border-bottom:1px solid #e2e8f0}}th{{font-size:.8rem;color:#5b6678}}
td.n{{text-align:right}}tr.drifted td:first-child{{font-weight:600;color:#b91c1c}}
.feature{{display:inline-block;vertical-align:top;margin:0 18px 18px 0}}.feature h3{{font-size:.95rem;margin:0 0 4px}}
svg rect.a{{fill:#2563eb;fill-opacity:.45}}svg rect.b{{fill:#ea580c;fill-opacity:.45}}svg text{{font-size:10px;fill:#5b6678}}
.key span{{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}}
@media (prefers-color-scheme:dark){{body{{background:#0b1220;color:#e2e8f0}}.verdict{{background:#111a2e}}th,td{{border-color:#1f2a40}}.muted,th{{color:#94a3b8}}}}
</style></head><body>
<h1>Drift: {a} vs {b}</h1>
<p class="muted">Case {case} · generated {generated_at} by Casefile {version}</p>
"#,
        a = esc(&r.a.filter),
        b = esc(&r.b.filter),
        case = esc(case),
        version = env!("CARGO_PKG_VERSION"),
    );
    let _ = write!(
        h,
        r#"<p class="verdict{}"><strong>{}</strong>: {:.0}% of the compared inputs drifted (the bar is {:.0}%).</p>"#,
        if r.dataset_drift { " drift" } else { "" },
        if r.dataset_drift {
            "The data drifted"
        } else {
            "No dataset drift"
        },
        r.drift_share * 100.0,
        r.drift_share_threshold * 100.0
    );
    for w in &r.warnings {
        let _ = write!(h, r#"<p class="muted">Warning: {}</p>"#, esc(w));
    }
    let a = &r.attribution;
    let _ = write!(
        h,
        r#"<h2>What moved</h2><p><strong>{}</strong></p><table><tr><th></th><th>verdict</th><th>evidence</th></tr>"#,
        esc(&a.summary)
    );
    for (name, f) in [
        ("Data", &a.data),
        ("Model", &a.model),
        ("Retrieval", &a.retrieval),
    ] {
        let _ = write!(
            h,
            "<tr><td>{name}</td><td>{}</td><td>{}</td></tr>",
            f.verdict.as_str().replace('_', " "),
            esc(&f.evidence)
        );
    }
    h += "</table>";
    let _ = write!(
        h,
        r#"<h2>Cohorts</h2><table><tr><th></th><th>filter</th><th>decisions</th></tr>
<tr><td><span style="color:#2563eb">■</span> a (reference)</td><td><code>{}</code></td><td class="n">{}</td></tr>
<tr><td><span style="color:#ea580c">■</span> b (current)</td><td><code>{}</code></td><td class="n">{}</td></tr></table>"#,
        esc(&r.a.filter),
        r.a.rows,
        esc(&r.b.filter),
        r.b.rows
    );
    if !r.output_rates.is_empty() {
        h += "<h2>Outcome rates</h2><table><tr><th>outcome</th><th>a</th><th>b</th><th>difference</th><th>95% interval (Newcombe)</th><th></th></tr>";
        for rate in &r.output_rates {
            let _ = write!(
                h,
                r#"<tr><td>{}</td><td class="n">{:.1}%</td><td class="n">{:.1}%</td><td class="n">{:+.1} pts</td><td class="n">{:+.1} to {:+.1}</td><td>{}</td></tr>"#,
                esc(&rate.label),
                rate.rate_a * 100.0,
                rate.rate_b * 100.0,
                rate.difference * 100.0,
                rate.ci_low * 100.0,
                rate.ci_high * 100.0,
                if rate.significant { "significant" } else { "" }
            );
        }
        h += "</table>";
    }
    h += "<h2>Columns</h2><table><tr><th>column</th><th>role</th><th>kind</th><th>test</th><th>statistic</th><th>p-value</th><th>threshold</th><th>PSI</th><th>Wasserstein / sd</th><th>Jensen-Shannon</th><th>n a</th><th>n b</th><th>missing a / b</th></tr>";
    for f in &r.features {
        let _ = write!(
            h,
            r#"<tr class="{}"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{} / {}</td></tr>"#,
            if f.drifted { "drifted" } else { "" },
            esc(&f.name),
            f.role,
            f.kind,
            f.test,
            num(Some(f.statistic)),
            num(f.p_value),
            num(Some(f.threshold)),
            num(Some(f.psi)),
            num(f.wasserstein_norm),
            num(Some(f.js_distance)),
            f.n_a,
            f.n_b,
            f.missing_a,
            f.missing_b
        );
    }
    h += "</table>";
    if let Some(by) = &r.segment_by {
        let _ = write!(
            h,
            "<h2>Segments by {}</h2><table><tr><th>{}</th><th>decisions a</th><th>decisions b</th><th>inputs drifted</th><th>drifted inputs</th><th>outcome rate change</th><th>counterfactual flips</th></tr>",
            esc(by),
            esc(by)
        );
        for seg in &r.segments {
            let drifted: Vec<String> = seg
                .features
                .iter()
                .filter(|f| f.role == super::DriftRole::Input && f.drifted)
                .map(|f| esc(&f.name))
                .collect();
            let rates: Vec<String> = seg
                .output_rates
                .iter()
                .filter(|x| x.significant)
                .map(|x| format!("{} {:+.1} pts", esc(&x.label), x.difference * 100.0))
                .collect();
            let _ = write!(
                h,
                r#"<tr class="{}"><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{:.0}%</td><td>{}</td><td>{}</td><td class="n">{}</td></tr>"#,
                if seg.dataset_drift { "drifted" } else { "" },
                esc(&seg.value),
                seg.rows_a,
                seg.rows_b,
                seg.drift_share * 100.0,
                drifted.join(", "),
                if rates.is_empty() {
                    "none significant".to_string()
                } else {
                    rates.join(", ")
                },
                seg.flips.as_ref().map_or("–".to_string(), |f| format!(
                    "{} of {} ({:.1}%)",
                    f.flipped,
                    f.replayed,
                    f.rate * 100.0
                ))
            );
            if let Some(w) = &seg.warning {
                let _ = write!(
                    h,
                    r#"<tr><td></td><td colspan="6" class="muted">{}</td></tr>"#,
                    esc(w)
                );
            }
        }
        h += "</table>";
    }
    h += r#"<h2>Distributions</h2><p class="key muted"><span style="background:#2563eb;opacity:.6"></span>a <span style="background:#ea580c;opacity:.6"></span>b (share of each cohort per bin or category)</p>"#;
    for f in &r.features {
        let _ = write!(
            h,
            r#"<div class="feature"><h3>{}{}</h3>{}</div>"#,
            esc(&f.name),
            if f.drifted { " · drifted" } else { "" },
            chart(f)
        );
    }
    let _ = write!(
        h,
        r#"<h2>Method</h2><p class="muted">Default test per column: numeric with at most {SMALL_COHORT} reference values, two-sample Kolmogorov-Smirnov (drift when p &lt; {P_VALUE_THRESHOLD}); numeric with more, Wasserstein distance over the reference's standard deviation (drift at &ge; {DISTANCE_THRESHOLD}); categorical with at most {SMALL_COHORT}, chi-square test of the 2 x k table (Yates' correction at one degree of freedom; drift when p &lt; {P_VALUE_THRESHOLD}); categorical with more, Jensen-Shannon distance (natural log; drift at &ge; {DISTANCE_THRESHOLD}). Tests and thresholds set for a column are shown in its row. PSI uses 10 bins at the reference's deciles, empty bins at 0.0001. The data drifts when at least {:.0}% of the compared inputs drift. Outcome rate differences carry Newcombe's 95% interval from two Wilson intervals. Missing and non-finite values are left out and counted.{}</p></body></html>"#,
        DATASET_DRIFT_SHARE * 100.0,
        if r.segment_by.is_some() {
            format!(" Segments repeat the comparison, with the same tests chosen by the segment's own sizes, inside each value of the segment column (the {MAX_SEGMENTS} largest); counterfactual flips count the latest replay of each reference decision of the segment through a current version's replayer.")
        } else {
            String::new()
        }
    );
    h
}
