//! The distribution of the two-sided one-sample Kolmogorov-Smirnov statistic D_n, whose survival
//! function gives the two-sample KS test its asymptotic p-value (scipy: `kstwo.sf(d, round(en))`).
//!
//! Simard and L'Ecuyer's choice of method by region, as scipy's `_kolmogn` makes it: exact edges
//! (Ruben-Gambino), Durbin's matrix (Marsaglia-Tsang-Wang), Pomeranz's recursion for n <= 140, the
//! Pelz-Good expansion, and 2 x Smirnov's one-sided tail (Birnbaum-Tingey sum, in log space) where
//! the p-value is small.

use std::f64::consts::PI;

const SCALE_EXP: i32 = 128;

/// ln(n! / n^n) by Stirling's series with the n ln n term removed up front.
fn log_nfactorial_div_n_pow_n(n: f64) -> f64 {
    // B_2j / (2j (2j - 1)) for j = 8 down to 1 (B: Bernoulli numbers).
    const C: [f64; 8] = [
        -3617.0 / 122_400.0,
        1.0 / 156.0,
        -691.0 / 360_360.0,
        1.0 / 1188.0,
        -1.0 / 1680.0,
        1.0 / 1260.0,
        -1.0 / 360.0,
        1.0 / 12.0,
    ];
    let rn = 1.0 / n;
    let x = rn / n;
    let poly = C.iter().fold(0.0, |acc, c| acc * x + c);
    n.ln() / 2.0 - n + (2.0 * PI).ln() / 2.0 + rn * poly
}

/// Pr(D_n <= d) by Durbin's matrix method (Marsaglia, Tsang, Wang 2003).
fn dmtw_cdf(n: u64, d: f64) -> f64 {
    if d >= 1.0 {
        return 1.0;
    }
    let nd = n as f64 * d;
    if nd <= 0.5 {
        return 0.0;
    }
    let k = nd.ceil() as usize;
    let h = k as f64 - nd;
    let m = 2 * k - 1;
    let mut hm = vec![0.0f64; m * m];
    let at = |i: usize, j: usize| i * m + j;
    let mut v: Vec<f64> = (1..=m).map(|j| 1.0 - h.powi(j as i32)).collect();
    let mut w = vec![0.0f64; m];
    let mut fac = 1.0f64;
    for j in 1..=m {
        w[j - 1] = fac;
        fac /= j as f64;
        v[j - 1] *= fac;
    }
    let tt = (2.0 * h - 1.0).max(0.0).powi(m as i32) - 2.0 * h.powi(m as i32);
    v[m - 1] = (1.0 + tt) * fac;
    for i in 1..m {
        for r in (i - 1)..m {
            hm[at(r, i)] = w[r - (i - 1)];
        }
    }
    for r in 0..m {
        hm[at(r, 0)] = v[r];
    }
    for c in 0..m {
        hm[at(m - 1, c)] = v[m - 1 - c];
    }
    let matmul = |a: &[f64], b: &[f64]| {
        let mut out = vec![0.0f64; m * m];
        for i in 0..m {
            for l in 0..m {
                let x = a[at(i, l)];
                if x == 0.0 {
                    continue;
                }
                for j in 0..m {
                    out[at(i, j)] += x * b[at(l, j)];
                }
            }
        }
        out
    };
    let mut power: Vec<f64> = (0..m * m)
        .map(|i| if i / m == i % m { 1.0 } else { 0.0 })
        .collect();
    let (mut nn, mut expnt, mut h_expnt) = (n, 0i64, 0i64);
    let ep = 2f64.powi(SCALE_EXP);
    while nn > 0 {
        if nn % 2 == 1 {
            power = matmul(&power, &hm);
            expnt += h_expnt;
        }
        hm = matmul(&hm, &hm);
        h_expnt *= 2;
        if hm[at(k - 1, k - 1)].abs() > ep {
            for x in hm.iter_mut() {
                *x /= ep;
            }
            h_expnt += SCALE_EXP as i64;
        }
        nn /= 2;
    }
    let mut p = power[at(k - 1, k - 1)];
    let em = 2f64.powi(-SCALE_EXP);
    for i in 1..=n {
        p = i as f64 * p / n as f64;
        if p.abs() < em {
            p *= ep;
            expnt -= SCALE_EXP as i64;
        }
    }
    if expnt != 0 {
        p *= 2f64.powi(expnt as i32);
    }
    p.clamp(0.0, 1.0)
}

fn pomeranz_j1j2(i: i64, n: i64, ll: i64, ceilf: i64, roundf: i64) -> (i64, i64) {
    let (j1, j2) = if i == 0 {
        (-ll - ceilf - 1, ll + ceilf - 1)
    } else {
        let (ip1div2, ip1mod2) = ((i + 1) / 2, (i + 1) % 2);
        if ip1mod2 == 0 {
            if ip1div2 == n + 1 {
                (n - ll - ceilf - 1, n + ll + ceilf - 1)
            } else {
                (ip1div2 - 1 - ll - roundf - 1, ip1div2 + ll - 1 + ceilf - 1)
            }
        } else {
            (ip1div2 - 1 - ll - 1, ip1div2 + ll + roundf - 1)
        }
    };
    ((j1 + 2).max(0), j2.min(n))
}

/// Pr(D_n <= x) by Pomeranz's recursion (1974).
fn pomeranz_cdf(n: u64, x: f64) -> f64 {
    let n_i = n as i64;
    let t = n as f64 * x;
    let ll = t.floor() as i64;
    let f = t - ll as f64;
    let g = f.min(1.0 - f);
    let ceilf = (f > 0.0) as i64;
    let roundf = (f > 0.5) as i64;
    let npwrs = (2 * (ll + 1)) as usize;
    let mut gpower = vec![1.0f64; npwrs];
    let mut twogpower = vec![1.0f64; npwrs];
    let mut onem2gpower = vec![1.0f64; npwrs];
    let (g_n, two_g_n, one_m2g_n) = (g / n as f64, 2.0 * g / n as f64, (1.0 - 2.0 * g) / n as f64);
    for m in 1..npwrs {
        gpower[m] = gpower[m - 1] * g_n / m as f64;
        twogpower[m] = twogpower[m - 1] * two_g_n / m as f64;
        onem2gpower[m] = onem2gpower[m - 1] * one_m2g_n / m as f64;
    }
    let mut v0 = vec![0.0f64; npwrs];
    let mut v1 = vec![0.0f64; npwrs];
    v1[0] = 1.0;
    let (mut v0s, mut v1s) = (0i64, 0i64);
    let mut expnt = 0i64;
    let ep = 2f64.powi(SCALE_EXP);
    let em = 2f64.powi(-SCALE_EXP);
    let (mut j1, mut _j2) = pomeranz_j1j2(0, n_i, ll, ceilf, roundf);
    for i in 1..(2 * n_i + 2) {
        let k1 = j1;
        std::mem::swap(&mut v0, &mut v1);
        std::mem::swap(&mut v0s, &mut v1s);
        v1.iter_mut().for_each(|x| *x = 0.0);
        let (nj1, nj2) = pomeranz_j1j2(i, n_i, ll, ceilf, roundf);
        j1 = nj1;
        _j2 = nj2;
        let pwrs = if i == 1 || i == 2 * n_i + 1 {
            &gpower
        } else if i % 2 == 1 {
            &twogpower
        } else {
            &onem2gpower
        };
        let ln2 = nj2 - k1 + 1;
        if ln2 > 0 {
            let ln2 = ln2 as usize;
            let src = &v0[(k1 - v0s) as usize..(k1 - v0s) as usize + ln2];
            // Full convolution of src with pwrs[..ln2], entries conv_start.. of it.
            let conv_start = (nj1 - k1) as usize;
            let conv_len = (nj2 - nj1 + 1) as usize;
            for (o, out) in v1.iter_mut().take(conv_len).enumerate() {
                let idx = conv_start + o;
                let mut acc = 0.0;
                for (a, s) in src.iter().enumerate() {
                    if idx >= a && idx - a < ln2 {
                        acc += s * pwrs[idx - a];
                    }
                }
                *out = acc;
            }
            let max = v1.iter().copied().fold(0.0f64, f64::max);
            if max > 0.0 && max < em {
                v1.iter_mut().for_each(|x| *x *= ep);
                expnt -= SCALE_EXP as i64;
            }
            v1s = v0s + nj1 - k1;
        }
    }
    let mut ans = v1[(n_i - v1s) as usize];
    for m in 1..=n {
        if ans.abs() > ep {
            ans *= em;
            expnt += SCALE_EXP as i64;
        }
        ans *= m as f64;
    }
    if expnt != 0 {
        ans *= 2f64.powi(expnt as i32);
    }
    ans.clamp(0.0, 1.0)
}

/// Pr(D_n <= x) by the Pelz-Good expansion (1976).
fn pelz_good_cdf(n: u64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let pi2 = PI * PI;
    let (pi4, pi6) = (pi2 * pi2, pi2 * pi2 * pi2);
    let z = (n as f64).sqrt() * x;
    let (z2, z3, z4, z6) = (z * z, z * z * z, z.powi(4), z.powi(6));
    let qlog = -pi2 / 8.0 / z2;
    if qlog < -708.0 {
        return 0.0;
    }
    let q = qlog.exp();
    let (k1a, k1b) = (-z2, pi2 / 4.0);
    let k2a = 6.0 * z6 + 2.0 * z4;
    let k2b = (2.0 * z4 - 5.0 * z2) * pi2 / 4.0;
    let k2c = pi4 * (1.0 - 2.0 * z2) / 16.0;
    let k3d = pi6 * (5.0 - 30.0 * z2) / 64.0;
    let k3c = pi4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
    let k3b = pi2 * (135.0 * z4 - 96.0 * z6) / 4.0;
    let k3a = -30.0 * z6 - 90.0 * z.powi(8);
    let mut k = [0.0f64; 4];
    let maxk = (16.0 * z / PI).ceil() as i64;
    for kk in (1..=maxk).rev() {
        let m = (2 * kk - 1) as f64;
        let (m2, m4, m6) = (m * m, m.powi(4), m.powi(6));
        let qpower = q.powf(8.0 * kk as f64);
        let coeffs = [
            1.0,
            k1a + k1b * m2,
            k2a + k2b * m2 + k2c * m4,
            k3a + k3b * m2 + k3c * m4 + k3d * m6,
        ];
        for (ki, c) in k.iter_mut().zip(coeffs) {
            *ki = *ki * qpower + c;
        }
    }
    let sqrt2pi = (2.0 * PI).sqrt();
    let denominators = [z, 6.0 * z4, 72.0 * z.powi(7), 6480.0 * z.powi(10)];
    for (ki, d) in k.iter_mut().zip(denominators) {
        *ki = *ki * q * sqrt2pi / d;
    }
    let q = (-pi2 / 2.0 / z2).exp();
    let sqrt3z = 3f64.sqrt() * z;
    let (mut k2extra, mut k3extra) = (0.0, 0.0);
    for kk in (1..=maxk).rev() {
        let ks2 = (kk * kk) as f64;
        let qp = q.powf(ks2);
        k2extra += ks2 * qp;
        let kspi = PI * kk as f64;
        k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks2 * qp;
    }
    k[2] += k2extra * pi2 * sqrt2pi / (-36.0 * z3);
    k[3] += k3extra * pi2 * sqrt2pi / (216.0 * z6);
    let nf = n as f64;
    k.iter()
        .enumerate()
        .map(|(i, v)| v / nf.powf(i as f64 / 2.0))
        .sum()
}

/// Smirnov's one-sided tail Pr(D+_n >= x), by the Birnbaum-Tingey sum of positive terms in log
/// space (no cancellation).
pub fn smirnov_sf(n: u64, x: f64) -> f64 {
    if n == 1 {
        return 1.0 - x;
    }
    if x <= 0.0 {
        return 1.0;
    }
    if x >= 1.0 {
        return 0.0;
    }
    let nf = n as f64;
    let nx = nf * x;
    let nxfl = nx.floor();
    let alpha = nx - nxfl;
    // x <= 1/n: the cdf is x (1 + x)^(n-1).
    if nxfl == 0.0 || (nxfl == 1.0 && alpha == 0.0) {
        return 1.0 - x * (1.0 + x).powf(nf - 1.0);
    }
    if -2.0 * nf * x * x < -708.0 {
        return 0.0;
    }
    if nxfl >= nf - 1.0 {
        return (1.0 - x).powf(nf);
    }
    // Terms v = 0 ..= floor(n (1 - x)), leaving out v = n (1 - x) when that is an integer.
    let last = (nf - nxfl) as i64 - 1;
    // ln C(n, v) built up term by term: the values stay small, so does their rounding (ln n!
    // itself is about n ln n, and differences of such numbers lose digits at large n).
    let mut ln_binom = 0.0f64;
    let mut terms: Vec<f64> = Vec::with_capacity(last.max(0) as usize + 1);
    for v in 0..=last.max(0) {
        let vf = v as f64;
        if v > 0 {
            ln_binom += ((nf - vf + 1.0) / vf).ln();
        }
        let a = x + vf / nf;
        let ln_b = (-a).ln_1p();
        if !ln_b.is_finite() {
            break;
        }
        terms.push(ln_binom + (vf - 1.0) * a.ln() + (nf - vf) * ln_b);
    }
    let top = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = terms.iter().map(|t| (t - top).exp()).sum();
    (x * sum * top.exp()).clamp(0.0, 1.0)
}

/// Pr(D_n > x) for the two-sided one-sample statistic (scipy's `kstwo.sf(x, n)`).
pub fn kstwo_sf(n: u64, x: f64) -> f64 {
    if n == 0 {
        return f64::NAN;
    }
    if x >= 1.0 {
        return 0.0;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let nf = n as f64;
    let t = nf * x;
    if t <= 1.0 {
        if t <= 0.5 {
            return 1.0;
        }
        let cdf = if n <= 140 {
            (1..=n).fold(1.0, |p, i| p * (i as f64 / nf) * (2.0 * t - 1.0))
        } else {
            (log_nfactorial_div_n_pow_n(nf) + nf * (2.0 * t - 1.0).ln()).exp()
        };
        return (1.0 - cdf).clamp(0.0, 1.0);
    }
    if t >= nf - 1.0 {
        return (2.0 * (1.0 - x).powf(nf)).clamp(0.0, 1.0);
    }
    if x >= 0.5 {
        return (2.0 * smirnov_sf(n, x)).clamp(0.0, 1.0);
    }
    let nxsquared = t * x;
    if n <= 140 {
        if nxsquared <= 0.754_693 {
            return (1.0 - dmtw_cdf(n, x)).clamp(0.0, 1.0);
        }
        if nxsquared <= 4.0 {
            return (1.0 - pomeranz_cdf(n, x)).clamp(0.0, 1.0);
        }
        return (2.0 * smirnov_sf(n, x)).clamp(0.0, 1.0);
    }
    if nxsquared >= 370.0 {
        return 0.0;
    }
    if nxsquared >= 2.2 {
        return (2.0 * smirnov_sf(n, x)).clamp(0.0, 1.0);
    }
    let cdf = if n <= 100_000 && nf * x.powf(1.5) <= 1.4 {
        dmtw_cdf(n, x)
    } else {
        pelz_good_cdf(n, x)
    };
    (1.0 - cdf).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::kstwo_sf;

    #[test]
    fn kstwo_survival_matches_scipy_in_every_region() {
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/drift/vectors.json")).unwrap();
        let mut worst = 0.0f64;
        for case in fixture["kstwo"].as_array().unwrap() {
            let (n, x) = (case["n"].as_u64().unwrap(), case["x"].as_f64().unwrap());
            let scipy = case["sf"].as_f64().unwrap();
            let ours = kstwo_sf(n, x);
            // Relative to the value, except where it has underflowed to (almost) nothing.
            let error = (ours - scipy).abs() / scipy.abs().max(1e-300);
            assert!(
                error <= 1e-9 || (ours - scipy).abs() < 1e-300,
                "kstwo.sf({x}, {n}): casefile {ours:e}, scipy {scipy:e}"
            );
            worst = worst.max(if scipy > 1e-300 { error } else { 0.0 });
        }
        assert!(worst <= 1e-9, "{worst}");
    }
}
