"""latentlearn.divergences against POT, scipy and scikit-learn, side by side in one run.

Run from the repository root::

    python benchmarks/bench_divergences.py            # full run (about a minute on 2 cores)
    python benchmarks/bench_divergences.py --quick    # one repeat, smaller problems
    python benchmarks/bench_divergences.py --threads 1

Each row gives the best wall time of ``--repeats`` runs of ours and of the peer on the same
input, the ratio ours / peer (below 1: ours is faster), and the largest relative difference
between the two values (they compute the same quantity, so it should be round-off).

Peers: POT's ``ot.emd2`` (exact transport, network simplex) and
``ot.sliced_wasserstein_distance``; ``scipy.stats.wasserstein_distance``, ``scipy.stats.entropy``
and ``scipy.spatial.distance.jensenshannon``; for MMD, which neither library has, the textbook
estimate from scikit-learn's ``rbf_kernel`` (and, for the permutation test, the loop that
recomputes it for each relabelling).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import ot
import scipy
from scipy import stats
from scipy.spatial.distance import cdist, jensenshannon
from sklearn.metrics.pairwise import rbf_kernel
from threadpoolctl import threadpool_limits

from latentlearn.divergences import (earth_movers_distance, js_divergence, kl_divergence,
                                     median_bandwidth, mmd2, mmd_test, sliced_wasserstein,
                                     wasserstein_1d)

ROW = "{:<50} {:>9} {:>9} {:>7} {:>11}"


def best_time(fn, repeats):
    """Best wall time over ``repeats`` calls, and the last value."""
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return min(times), value


def row(case, ours, peer, repeats):
    t1, v1 = best_time(ours, repeats)
    t2, v2 = best_time(peer, repeats)
    v1, v2 = np.asarray(v1, dtype=float), np.asarray(v2, dtype=float)
    diff = float(np.max(np.abs(v1 - v2) / np.maximum(np.abs(v2), 1e-300)))
    print(ROW.format(case, f"{t1:.4f}", f"{t2:.4f}", f"{t1 / t2:.2f}", f"{diff:.1e}"))


def sklearn_mmd2_unbiased(X, Y, s):
    gamma = 1.0 / (2 * s * s)
    Kxx, Kyy, Kxy = rbf_kernel(X, X, gamma=gamma), rbf_kernel(Y, Y, gamma=gamma), rbf_kernel(
        X, Y, gamma=gamma)
    n, m = len(X), len(Y)
    return ((Kxx.sum() - np.trace(Kxx)) / (n * (n - 1))
            + (Kyy.sum() - np.trace(Kyy)) / (m * (m - 1)) - 2 * Kxy.mean())


def naive_permutation_p_value(X, Y, s, n_permutations, seed):
    rng = np.random.default_rng(seed)
    Z, n = np.vstack([X, Y]), len(X)
    observed = sklearn_mmd2_unbiased(X, Y, s)
    exceed = 0
    for _ in range(n_permutations):
        idx = rng.permutation(len(Z))
        exceed += sklearn_mmd2_unbiased(Z[idx[:n]], Z[idx[n:]], s) >= observed
    return (1 + exceed) / (1 + n_permutations)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per case (best time)")
    parser.add_argument("--threads", type=int, default=None,
                        help="limit BLAS and OpenMP threads (default: all cores)")
    parser.add_argument("--quick", action="store_true", help="one repeat, smaller problems")
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    scale = 0.2 if args.quick else 1.0
    rng = np.random.default_rng(0)

    print(f"latentlearn.divergences vs POT {ot.__version__}, scipy {scipy.__version__}; numpy "
          f"{np.__version__}, {platform.processor() or platform.machine()}, {os.cpu_count()} "
          f"cores, threads limited to {args.threads or 'none'}, best of {repeats}")
    print(ROW.format("case", "ours s", "peer s", "ratio", "value diff"))
    print("-" * 90)
    with threadpool_limits(limits=args.threads):
        # Exact transport on given points.
        n = int(500 * scale) if args.quick else 500
        a, b = rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(n))
        x, y = rng.normal(size=(n, 2)), rng.normal(size=(n, 2)) + 0.5
        M = cdist(x, y)
        row(f"EMD {n}x{n} network simplex vs ot.emd2",
            lambda: earth_movers_distance(a, b, x=x, y=y).distance,
            lambda: ot.emd2(a, b, ot.dist(x, y, metric="euclidean")), repeats)
        k = 150 if args.quick else 300
        row(f"EMD {k}x{k} HiGHS LP vs ot.emd2",
            lambda: earth_movers_distance(a[:k] / a[:k].sum(), b[:k] / b[:k].sum(),
                                          cost=M[:k, :k], solver="highs").distance,
            lambda: ot.emd2(a[:k] / a[:k].sum(), b[:k] / b[:k].sum(), M[:k, :k]), repeats)

        # 1-D by sorting.
        n1 = int(1_000_000 * scale)
        u, v = rng.normal(size=n1), rng.standard_t(4, size=n1) + 0.1
        row(f"W1 1-D {n1:,} vs {n1:,} samples vs scipy",
            lambda: wasserstein_1d(u, v), lambda: stats.wasserstein_distance(u, v), repeats)
        m1 = int(0.7 * n1)
        uw, vw = rng.dirichlet(np.ones(n1)), rng.dirichlet(np.ones(m1))
        row(f"W1 1-D {n1:,} vs {m1:,} weighted vs scipy",
            lambda: wasserstein_1d(u, v[:m1], uw, vw),
            lambda: stats.wasserstein_distance(u, v[:m1], uw, vw), repeats)
        row(f"W2 1-D {n1:,} vs {n1:,} vs ot.wasserstein_1d",
            lambda: wasserstein_1d(u, v, p=2) ** 2, lambda: ot.wasserstein_1d(u, v, p=2),
            repeats)

        # Sliced.
        ns = int(5000 * scale)
        X, Y = rng.normal(size=(ns, 20)), rng.normal(size=(ns, 20)) * 1.2
        row(f"sliced W2 {ns}x20, 100 projections vs POT",
            lambda: sliced_wasserstein(X, Y, n_projections=100, random_state=0),
            lambda: ot.sliced_wasserstein_distance(X, Y, n_projections=100, seed=0), repeats)
        Yo = Y[: int(0.8 * ns)]
        row(f"sliced W2 {ns} vs {len(Yo)} x20, 100 projections vs POT",
            lambda: sliced_wasserstein(X, Yo, n_projections=100, random_state=0),
            lambda: ot.sliced_wasserstein_distance(X, Yo, n_projections=100, seed=0), repeats)

        # MMD.
        nm = int(2000 * scale)
        X, Y = rng.normal(size=(nm, 50)), rng.normal(size=(nm, 50)) * 1.1
        s = median_bandwidth(X, Y)
        row(f"MMD^2 unbiased {nm}x50, fixed s vs sklearn rbf",
            lambda: mmd2(X, Y, bandwidth=s), lambda: sklearn_mmd2_unbiased(X, Y, s), repeats)
        row(f"MMD^2 unbiased {nm}x50, median s vs sklearn rbf",
            lambda: mmd2(X, Y), lambda: sklearn_mmd2_unbiased(X, Y, median_bandwidth(X, Y)),
            repeats)
        nt = 200
        Xt, Yt = X[:nt, :5], Y[:nt, :5]
        st = median_bandwidth(Xt, Yt)
        row(f"MMD test n={nt}, 500 permutations vs loop",
            lambda: mmd_test(Xt, Yt, bandwidth=st, n_permutations=500, random_state=0).p_value,
            lambda: naive_permutation_p_value(Xt, Yt, st, 500, 0), 1)

        # Discrete divergences on a batch.
        P, Q = rng.dirichlet(np.ones(100), size=10_000), rng.dirichlet(np.ones(100), size=10_000)
        row("KL 10,000 x 100 batch vs scipy.stats.entropy",
            lambda: kl_divergence(P, Q), lambda: stats.entropy(P, Q, axis=1), repeats)
        row("JS 10,000 x 100 batch vs scipy jensenshannon^2",
            lambda: js_divergence(P, Q), lambda: jensenshannon(P, Q, axis=1) ** 2, repeats)
    print("\nratio = ours / peer time (below 1: ours is faster). value diff = max relative "
          "difference of the results (the MMD test row compares p-values of differently drawn "
          "permutations, so only their closeness matters).")


if __name__ == "__main__":
    main()
