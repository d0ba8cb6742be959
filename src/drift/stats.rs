//! The drift statistics, on plain slices: two-sample Kolmogorov-Smirnov, Wasserstein distance, PSI,
//! Jensen-Shannon distance, chi-square test of a 2 x k contingency table, and Wilson intervals.
//!
//! Each follows scipy's definition (and scipy's algorithm where the result depends on it, as the
//! p-values do), and is checked against scipy to 1e-9 relative on the vectors
//! `scripts/drift_fixtures.py` wrote to `tests/fixtures/drift/vectors.json`.

/// Up to this many values per sample, the KS p-value is exact (as scipy's `method="auto"`).
pub const KS_EXACT_MAX_N: usize = 10_000;

/// The share given to an empty PSI bin, so its log ratio stays finite.
pub const PSI_EPSILON: f64 = 1e-4;

/// The result of a two-sample Kolmogorov-Smirnov test (two-sided).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KsTest {
    /// The largest distance between the two empirical distribution functions.
    pub statistic: f64,
    pub p_value: f64,
    /// `exact` or `asymptotic`.
    pub method: &'static str,
}

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s
}

/// The number of values in sorted `s` that are <= x (numpy's `searchsorted(side="right")`).
fn count_le(s: &[f64], x: f64) -> usize {
    s.partition_point(|v| *v <= x)
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The two-sided KS statistic of two samples: max |F_a(x) - F_b(x)| over every observed x.
pub fn ks_statistic(a: &[f64], b: &[f64]) -> f64 {
    let (sa, sb) = (sorted(a), sorted(b));
    ks_statistic_sorted(&sa, &sb)
}

/// Walks the distinct values of two sorted samples in ascending order, calling `f(x, i, j, next)`
/// with how many values of each sample are <= x and the next distinct value (none at the end).
fn walk_ecdfs(sa: &[f64], sb: &[f64], mut f: impl FnMut(f64, usize, usize, Option<f64>)) {
    let smallest = |i: usize, j: usize| match (sa.get(i), sb.get(j)) {
        (Some(&u), Some(&v)) => Some(u.min(v)),
        (Some(&u), None) => Some(u),
        (None, Some(&v)) => Some(v),
        (None, None) => None,
    };
    let (mut i, mut j) = (0usize, 0usize);
    while let Some(x) = smallest(i, j) {
        while i < sa.len() && sa[i] <= x {
            i += 1;
        }
        while j < sb.len() && sb[j] <= x {
            j += 1;
        }
        f(x, i, j, smallest(i, j));
    }
}

fn ks_statistic_sorted(sa: &[f64], sb: &[f64]) -> f64 {
    let (n1, n2) = (sa.len() as f64, sb.len() as f64);
    let (mut max_pos, mut max_neg) = (0.0f64, 0.0f64);
    walk_ecdfs(sa, sb, |_, i, j, _| {
        let diff = i as f64 / n1 - j as f64 / n2;
        max_pos = max_pos.max(diff);
        max_neg = max_neg.max(-diff);
    });
    max_pos.max(max_neg)
}

/// Two-sample KS test, two-sided, as scipy's `ks_2samp(a, b)`: the exact p-value when neither
/// sample has more than [`KS_EXACT_MAX_N`] values, the asymptotic one otherwise (or when the exact
/// computation cannot be carried out in floating point). Empty samples have no test: `None`.
pub fn ks_2samp(a: &[f64], b: &[f64]) -> Option<KsTest> {
    ks_2samp_sorted(&sorted(a), &sorted(b))
}

/// [`ks_2samp`] of two samples already sorted ascending.
pub fn ks_2samp_sorted(sa: &[f64], sb: &[f64]) -> Option<KsTest> {
    let (a, b) = (sa, sb);
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let d = ks_statistic_sorted(sa, sb);
    let (n1, n2) = (a.len() as u64, b.len() as u64);
    if n1.max(n2) as usize <= KS_EXACT_MAX_N {
        if let Some((d, p)) = ks_exact(n1, n2, d) {
            return Some(KsTest {
                statistic: d,
                p_value: p,
                method: "exact",
            });
        }
    }
    Some(KsTest {
        statistic: d,
        p_value: ks_asymptotic_p(n1, n2, d),
        method: "asymptotic",
    })
}

/// The exact two-sided p-value (Hodges' lattice paths), with the statistic snapped to the lattice.
fn ks_exact(n1: u64, n2: u64, d: f64) -> Option<(f64, f64)> {
    let g = gcd(n1, n2);
    let lcm = (n1 / g) * n2;
    let h = (d * lcm as f64).round() as u64;
    let d = h as f64 / lcm as f64;
    if h == 0 {
        return Some((d, 1.0));
    }
    let p = if n1 == n2 {
        prob_outside_square(n1, h)
    } else {
        outer_prob_inside(n1, n2, g, h)
    };
    (p.is_finite() && (0.0..=1.0).contains(&p)).then_some((d, p))
}

/// Pr(D_{n,n} >= h/n): the share of paths that leave the band |x - y| < h (Horner-like, no
/// cancellation).
fn prob_outside_square(n: u64, h: u64) -> f64 {
    let mut p = 0.0;
    let mut k = (n / h) as i64;
    while k >= 0 {
        let kh = k as u64 * h;
        let mut p1 = 1.0;
        for j in 0..h {
            p1 = (n as f64 - kh as f64 - j as f64) * p1 / (n as f64 + kh as f64 + j as f64 + 1.0);
        }
        p = p1 * (1.0 - p);
        k -= 1;
    }
    2.0 * p
}

/// 1 - the share of lattice paths from (0,0) to (m,n) staying strictly inside |x/m - y/n| < h/lcm,
/// computed directly (Viehmann's recursion) column by column over a sliding window.
fn outer_prob_inside(m: u64, n: u64, g: u64, h: u64) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (mg, ng) = ((m / g) as i64, (n / g) as i64);
    let (m, n, h) = (m as i64, n as i64, h as i64);
    let ceil_div = |a: i64, b: i64| (a as f64 / b as f64).ceil() as i64;
    let floor_div = |a: i64, b: i64| (a as f64 / b as f64).floor() as i64;
    let mut minj = 0i64;
    let mut maxj = ceil_div(h, mg).min(n + 1);
    let mut curlen = maxj - minj;
    let len_a = (2 * maxj + 2).min(n + 1) as usize;
    let mut a = vec![1.0f64; len_a];
    for v in a.iter_mut().take(maxj as usize).skip(minj as usize) {
        *v = 0.0;
    }
    for i in 1..=m {
        let (lastminj, lastlen) = (minj, curlen);
        minj = (floor_div(ng * i - h, mg) + 1).max(0).min(n);
        maxj = ceil_div(ng * i + h, mg).min(n + 1);
        if maxj <= minj {
            return 1.0;
        }
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        for jj in 0..(maxj - minj) {
            let j = jj + minj;
            val = (a[(jj + minj - lastminj) as usize] * i as f64 + val * j as f64) / (i + j) as f64;
            a[jj as usize] = val;
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            let from = (maxj - minj) as usize;
            let to = (from + (lastlen - curlen) as usize).min(a.len());
            for v in &mut a[from..to] {
                *v = 1.0;
            }
        }
    }
    a[(maxj - minj - 1) as usize]
}

/// The asymptotic two-sided p-value, as scipy's `ks_2samp(method="asymp")`: the survival
/// function of the one-sample statistic D_n at the effective size n = round(n1 n2 / (n1 + n2)).
pub fn ks_asymptotic_p(n1: u64, n2: u64, d: f64) -> f64 {
    let (m, n) = (n1.max(n2) as f64, n1.min(n2) as f64);
    // numpy rounds half to even.
    let en = (m * n / (m + n)).round_ties_even().max(1.0) as u64;
    super::kolmogorov::kstwo_sf(en, d).clamp(0.0, 1.0)
}

/// The 1-Wasserstein (earth mover's) distance between two samples, as scipy's
/// `wasserstein_distance(a, b)`: the area between the two empirical distribution functions.
pub fn wasserstein(a: &[f64], b: &[f64]) -> f64 {
    wasserstein_sorted(&sorted(a), &sorted(b))
}

/// [`wasserstein`] of two samples already sorted ascending, in one merge pass.
pub fn wasserstein_sorted(sa: &[f64], sb: &[f64]) -> f64 {
    let (n1, n2) = (sa.len() as f64, sb.len() as f64);
    let mut area = 0.0;
    walk_ecdfs(sa, sb, |x, i, j, next| {
        if let Some(next) = next {
            area += (i as f64 / n1 - j as f64 / n2).abs() * (next - x);
        }
    });
    area
}

/// The population standard deviation (numpy's `std`, ddof = 0).
pub fn std_dev(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
}

/// The q-quantile of sorted `s` with linear interpolation (numpy's default); NaN when `s` is
/// empty (as numpy's).
pub fn quantile_sorted(s: &[f64], q: f64) -> f64 {
    if s.is_empty() {
        return f64::NAN;
    }
    let pos = (s.len() - 1) as f64 * q;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    s[lo] + (s[hi] - s[lo]) * frac
}

/// Population stability index of `current` against `reference` over `bins` reference-quantile
/// bins (the inner edges at the reference's 1/bins, 2/bins, ... quantiles, duplicates merged, the
/// outer bins open), empty shares set to [`PSI_EPSILON`]: sum((c - r) * ln(c / r)).
pub fn psi(reference: &[f64], current: &[f64], bins: usize) -> f64 {
    psi_sorted(&sorted(reference), current, bins)
}

/// [`psi`] with the reference already sorted ascending.
pub fn psi_sorted(reference: &[f64], current: &[f64], bins: usize) -> f64 {
    let mut edges: Vec<f64> = (1..bins)
        .map(|i| quantile_sorted(reference, i as f64 / bins as f64))
        .collect();
    edges.dedup();
    let counts = |v: &[f64]| {
        let mut counts = vec![0u64; edges.len() + 1];
        for x in v {
            counts[count_le(&edges, *x)] += 1;
        }
        counts
    };
    psi_counts(&counts(reference), &counts(current))
}

/// PSI of two samples given as counts over the same bins or categories.
pub fn psi_counts(reference: &[u64], current: &[u64]) -> f64 {
    let shares = |v: &[u64]| {
        let total = v.iter().sum::<u64>() as f64;
        v.iter()
            .map(|c| match *c as f64 / total {
                0.0 => PSI_EPSILON,
                s => s,
            })
            .collect::<Vec<_>>()
    };
    let (r, c) = (shares(reference), shares(current));
    r.iter().zip(&c).map(|(r, c)| (c - r) * (c / r).ln()).sum()
}

fn rel_entr(x: f64, y: f64) -> f64 {
    if x > 0.0 && y > 0.0 {
        x * (x / y).ln()
    } else if x == 0.0 && y >= 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
}

/// The Jensen-Shannon distance (natural log) between two distributions given as counts or weights
/// over the same categories, as scipy's `jensenshannon(p, q)`.
pub fn js_distance(p: &[f64], q: &[f64]) -> f64 {
    let (sp, sq) = (p.iter().sum::<f64>(), q.iter().sum::<f64>());
    let mut js = 0.0;
    for (a, b) in p.iter().zip(q) {
        let (a, b) = (a / sp, b / sq);
        let m = (a + b) / 2.0;
        js += rel_entr(a, m) + rel_entr(b, m);
    }
    (js / 2.0).sqrt()
}

/// Counts of `v` in `bins` equal-width bins from `lo` to `hi` (the last bin closed).
pub fn equal_width_counts(v: &[f64], lo: f64, hi: f64, bins: usize) -> Vec<f64> {
    let width = (hi - lo) / bins as f64;
    let mut h = vec![0.0; bins];
    for x in v {
        h[(((x - lo) / width) as usize).min(bins - 1)] += 1.0;
    }
    h
}

/// A chi-square test of independence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChiSquare {
    pub statistic: f64,
    pub p_value: f64,
    pub dof: u64,
}

/// The chi-square test of the 2 x k table whose rows are `a` and `b` (counts per category), as
/// scipy's `chi2_contingency` (Yates' correction when there is one degree of freedom). Categories
/// empty in both samples are left out; `None` when a sample is empty.
pub fn chi2_contingency(a: &[u64], b: &[u64]) -> Option<ChiSquare> {
    let cols: Vec<(f64, f64)> = a
        .iter()
        .zip(b)
        .filter(|(x, y)| **x + **y > 0)
        .map(|(x, y)| (*x as f64, *y as f64))
        .collect();
    let (ra, rb) = (
        cols.iter().map(|c| c.0).sum::<f64>(),
        cols.iter().map(|c| c.1).sum::<f64>(),
    );
    if ra == 0.0 || rb == 0.0 {
        return None;
    }
    let total = ra + rb;
    let dof = cols.len() as u64 - 1;
    if dof == 0 {
        return Some(ChiSquare {
            statistic: 0.0,
            p_value: 1.0,
            dof,
        });
    }
    let mut stat = 0.0;
    for (x, y) in &cols {
        let col = x + y;
        for (observed, row) in [(*x, ra), (*y, rb)] {
            let expected = row * col / total;
            let mut o = observed;
            if dof == 1 {
                // Yates: move each observation half a unit towards its expectation (not past it).
                let diff = expected - o;
                o += diff.signum() * diff.abs().min(0.5);
            }
            stat += (o - expected).powi(2) / expected;
        }
    }
    Some(ChiSquare {
        statistic: stat,
        p_value: chi2_sf(stat, dof as f64),
        dof,
    })
}

/// Pr(X > x) for a chi-square variable with `k` degrees of freedom.
pub fn chi2_sf(x: f64, k: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    gamma_q(k / 2.0, x / 2.0)
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; about 15 significant digits).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection keeps the series in its accurate range.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The regularized upper incomplete gamma function Q(a, x): the series for P when x < a + 1
/// (then Q = 1 - P is not small), the continued fraction (modified Lentz) otherwise.
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let log_prefix = -x + a * x.ln() - ln_gamma(a);
    if x < a + 1.0 {
        let (mut sum, mut term, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..10_000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-17 {
                break;
            }
        }
        1.0 - sum * log_prefix.exp()
    } else {
        const TINY: f64 = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / TINY;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < TINY {
                d = TINY;
            }
            c = b + an / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-17 {
                break;
            }
        }
        log_prefix.exp() * h
    }
}

/// Wilson's score interval for a proportion of `successes` in `n` at normal quantile `z`.
pub fn wilson_interval(successes: u64, n: u64, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (k, n) = (successes as f64, n as f64);
    let p = k / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The difference of two proportions (b - a) with Newcombe's interval from the two Wilson
/// intervals (his method 10), at normal quantile `z`.
pub fn rate_difference(ka: u64, na: u64, kb: u64, nb: u64, z: f64) -> (f64, f64, f64) {
    let pa = if na == 0 { 0.0 } else { ka as f64 / na as f64 };
    let pb = if nb == 0 { 0.0 } else { kb as f64 / nb as f64 };
    let (la, ua) = wilson_interval(ka, na, z);
    let (lb, ub) = wilson_interval(kb, nb, z);
    let diff = pb - pa;
    let lower = diff - ((pb - lb).powi(2) + (ua - pa).powi(2)).sqrt();
    let upper = diff + ((ub - pb).powi(2) + (pa - la).powi(2)).sqrt();
    (diff, lower, upper)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn fixtures() -> Value {
        serde_json::from_str(include_str!("../../tests/fixtures/drift/vectors.json"))
            .expect("the fixture is JSON")
    }

    fn floats(v: &Value) -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    }

    fn counts(v: &Value) -> Vec<u64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect()
    }

    #[track_caller]
    fn close(ours: f64, scipy: f64, what: &str) {
        let tolerance = 1e-9 * scipy.abs().max(f64::MIN_POSITIVE);
        assert!(
            (ours - scipy).abs() <= tolerance || ours == scipy,
            "{what}: casefile {ours:e}, scipy {scipy:e} (relative error {:e})",
            ((ours - scipy) / scipy).abs()
        );
    }

    #[test]
    fn ks_statistic_and_exact_p_value_match_scipy() {
        for case in fixtures()["numeric"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let (a, b) = (floats(&case["a"]), floats(&case["b"]));
            let ks = ks_2samp(&a, &b).unwrap();
            assert_eq!(ks.method, "exact", "{name}");
            close(ks.statistic, case["ks_statistic"].as_f64().unwrap(), name);
            close(ks.p_value, case["ks_pvalue"].as_f64().unwrap(), name);
        }
    }

    #[test]
    fn ks_asymptotic_p_value_matches_scipy() {
        for case in fixtures()["numeric"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let (a, b) = (floats(&case["a"]), floats(&case["b"]));
            let d = ks_statistic(&a, &b);
            let p = ks_asymptotic_p(a.len() as u64, b.len() as u64, d);
            close(p, case["ks_pvalue_asymp"].as_f64().unwrap(), name);
        }
    }

    #[test]
    fn wasserstein_psi_and_reference_spread_match_scipy_and_numpy() {
        for case in fixtures()["numeric"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let (a, b) = (floats(&case["a"]), floats(&case["b"]));
            close(
                wasserstein(&a, &b),
                case["wasserstein"].as_f64().unwrap(),
                name,
            );
            close(std_dev(&a), case["reference_std"].as_f64().unwrap(), name);
            close(psi(&a, &b, 10), case["psi"].as_f64().unwrap(), name);
        }
    }

    #[test]
    fn chi_square_and_jensen_shannon_match_scipy() {
        for case in fixtures()["categorical"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let (a, b) = (counts(&case["a_counts"]), counts(&case["b_counts"]));
            let chi = chi2_contingency(&a, &b).unwrap();
            assert_eq!(chi.dof, case["chi2_dof"].as_u64().unwrap(), "{name}");
            close(
                chi.statistic,
                case["chi2_statistic"].as_f64().unwrap(),
                name,
            );
            close(chi.p_value, case["chi2_pvalue"].as_f64().unwrap(), name);
            let (fa, fb): (Vec<f64>, Vec<f64>) = (
                a.iter().map(|x| *x as f64).collect(),
                b.iter().map(|x| *x as f64).collect(),
            );
            close(
                js_distance(&fa, &fb),
                case["js_distance"].as_f64().unwrap(),
                name,
            );
        }
    }

    #[test]
    fn wilson_interval_brackets_the_proportion_and_narrows_with_n() {
        let (lo, hi) = wilson_interval(60, 100, 1.96);
        assert!(lo < 0.6 && 0.6 < hi);
        let (lo2, hi2) = wilson_interval(6000, 10_000, 1.96);
        assert!(hi2 - lo2 < (hi - lo) / 5.0);
        // Known value: 60 of 100 at 95% is [0.5020, 0.6906] (Wilson 1927, as tabulated by Newcombe).
        assert!(
            (lo - 0.502_02).abs() < 1e-4 && (hi - 0.690_55).abs() < 1e-4,
            "{lo} {hi}"
        );
        let (d, l, u) = rate_difference(60, 100, 45, 100, 1.96);
        assert!((d + 0.15).abs() < 1e-12 && l < d && d < u && u < 0.0);
    }
}
