#!/usr/bin/env python3
"""Writes tests/fixtures/drift/vectors.json: sample vectors and what scipy says about them.

Casefile's drift statistics (src/drift/stats.rs) are checked against these to 1e-9 relative. Run it
again (`python3 scripts/drift_fixtures.py`, with numpy and scipy installed) only to add cases; the
vectors are deterministic from the seeds below, and the versions used are recorded in the file.

PSI has no scipy function; its reference here is the definition Casefile documents: bins at the
reference sample's deciles (unique edges, outer bins open), each bin's share of each sample with
empty shares set to EPSILON, then sum((b - a) * ln(b / a)).
"""
import json
import sys
from pathlib import Path

import numpy as np
import scipy
from scipy import stats
from scipy.spatial.distance import jensenshannon

EPSILON = 1e-4


def psi(a, b, bins=10):
    edges = np.unique(np.quantile(a, np.linspace(0, 1, bins + 1)[1:-1]))
    ia = np.searchsorted(edges, a, side="right")
    ib = np.searchsorted(edges, b, side="right")
    k = len(edges) + 1
    pa = np.bincount(ia, minlength=k) / len(a)
    pb = np.bincount(ib, minlength=k) / len(b)
    pa = np.where(pa == 0, EPSILON, pa)
    pb = np.where(pb == 0, EPSILON, pb)
    return float(np.sum((pb - pa) * np.log(pb / pa)))


def numeric_case(name, a, b):
    # method="auto" is exact up to 10,000 per sample; "asymp" is what larger samples get (checked
    # here on every case, so the asymptotic path is covered without megabytes of vectors).
    ks = stats.ks_2samp(a, b)
    ks_asymp = stats.ks_2samp(a, b, method="asymp")
    return {
        "name": name,
        "a": [x.item() if hasattr(x, "item") else x for x in a],
        "b": [x.item() if hasattr(x, "item") else x for x in b],
        "ks_statistic": float(ks.statistic),
        "ks_pvalue": float(ks.pvalue),
        "ks_pvalue_asymp": float(ks_asymp.pvalue),
        "wasserstein": float(stats.wasserstein_distance(a, b)),
        "reference_std": float(np.std(a)),
        "psi": psi(np.asarray(a), np.asarray(b)),
    }


def categorical_case(name, a_counts, b_counts):
    table = np.array([a_counts, b_counts])
    chi2, p, dof, _ = stats.chi2_contingency(table)
    return {
        "name": name,
        "a_counts": a_counts,
        "b_counts": b_counts,
        "chi2_statistic": float(chi2),
        "chi2_pvalue": float(p),
        "chi2_dof": int(dof),
        "js_distance": float(jensenshannon(a_counts, b_counts)),
    }


def main():
    rng = np.random.default_rng(20261122)
    numeric = [
        numeric_case("equal sizes, shifted normal", rng.normal(0, 1, 300), rng.normal(0.3, 1, 300)),
        numeric_case("unequal sizes", rng.normal(50, 10, 420), rng.normal(50, 12, 175)),
        numeric_case("same distribution", rng.normal(0, 1, 400), rng.normal(0, 1, 350)),
        numeric_case("ties (integers)", rng.integers(0, 12, 500), rng.integers(1, 13, 650)),
        numeric_case("tiny", [1.0, 2.0, 3.0, 4.0, 5.0], [2.5, 3.5, 6.0]),
        numeric_case("credit scores", rng.integers(300, 850, 2500), rng.integers(320, 860, 2300)),
        numeric_case("skewed", rng.lognormal(0, 1, 600), rng.lognormal(0.1, 1, 500)),
    ]
    categorical = [
        categorical_case("three labels", [120, 80, 40], [100, 95, 60]),
        categorical_case("two labels (Yates)", [612, 388], [560, 440]),
        categorical_case("unchanged", [50, 50, 25, 25], [100, 100, 50, 50]),
        categorical_case("a category only in b", [30, 70, 0], [25, 60, 15]),
    ]
    # The one-sample two-sided distribution behind the asymptotic p-value, over a grid that reaches
    # every method scipy picks (exact edges, Durbin matrix, Pomeranz, Pelz-Good, Smirnov's tail).
    kstwo = []
    for n in [2, 5, 50, 140, 141, 1000, 5000, 120000]:
        for nx2 in [0.3, 0.7, 0.75, 1.5, 3.9, 4.5, 2.1, 2.3, 10.0, 40.0, 400.0]:
            x = float(np.sqrt(nx2 / n))
            for xx in (x, 0.6 / n, 0.9 / n, 1.0 - 0.5 / n, 0.55):
                if 0 < xx < 1:
                    kstwo.append({"n": n, "x": xx, "sf": float(stats.kstwo.sf(xx, n))})
    out = {
        "generated_by": "scripts/drift_fixtures.py",
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "psi_epsilon": EPSILON,
        "numeric": numeric,
        "categorical": categorical,
        "kstwo": kstwo,
    }
    path = Path(__file__).resolve().parent.parent / "tests/fixtures/drift/vectors.json"
    # One line per case keeps the file small and its diffs readable.
    text = json.dumps(out, separators=(",", ":"))
    text = text.replace('{"name"', '\n{"name"').replace('{"n"', '\n{"n"')
    path.write_text(text + "\n")
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
