//! The lending underwriter's scoring rule, shared by the sample generator (which records the scores)
//! and the `lending-scorer` replayer (which computes them again).

/// The underwriter's answer for these inputs: score, label and confidence.
pub fn lending_score(credit_score: f64, dti: f64, version: &str) -> (f64, &'static str, f64) {
    let raw = (credit_score - 500.0) / 320.0 * 0.7
        + (1.0 - dti.min(1.0)) * 0.3
        + if version == "v2.4.0" { 0.04 } else { 0.0 };
    let score = (raw.clamp(0.0, 1.0) * 10_000.0).round() / 10_000.0;
    let label = if score >= 0.55 { "approve" } else { "decline" };
    let confidence = ((0.5 + (score - 0.55).abs()) * 1000.0).round() / 1000.0;
    (score, label, confidence)
}

#[cfg(test)]
mod tests {
    use super::lending_score;

    #[test]
    fn the_threshold_splits_approve_from_decline() {
        // 0.7 * (820 - 500) / 320 + 0.3 * (1 - 0.2) = 0.94; v2.4.0 adds 0.04.
        assert_eq!(lending_score(820.0, 0.2, "v2.3.1"), (0.94, "approve", 0.89));
        assert_eq!(lending_score(820.0, 0.2, "v2.4.0"), (0.98, "approve", 0.93));
        let (score, label, _) = lending_score(500.0, 0.9, "v2.4.0");
        assert_eq!((score, label), (0.07, "decline"));
    }
}
