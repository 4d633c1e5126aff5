"""latentlearn's FastICA, NMF, FactorAnalysis and MDS against scikit-learn's, side by side in one run.

Run from the repository root::

    python benchmarks/bench_decomposition.py                 # full run (several minutes)
    python benchmarks/bench_decomposition.py --quick         # 20,000-row synthetic sets
    python benchmarks/bench_decomposition.py --threads 1     # limit BLAS/OpenMP threads

Data: MNIST 5k (5000 x 784, float32 in [0, 1], ``latentlearn.datasets.load("mnist5k")``) and
synthetic 100,000 x 50 sets made for each method (float32): ICA mixes 10 independent
non-Gaussian sources (Laplace, uniform, Student t, sinusoids) into 50 dimensions with a random
matrix plus a little Gaussian noise; NMF gets a non-negative rank-10 product plus |noise|; factor
analysis samples a 10-factor model with a different noise variance per feature.

Both libraries get the same settings and one fit each (the fits alternate, so a burst of load
elsewhere hits both); timings on a shared machine are noisy, so compare ratios. Objectives,
computed the same way for both results:

- FastICA: the negentropy approximation ``sum_j (E log cosh s_j - E log cosh nu)^2`` of the
  unit-variance sources (Hyvarinen 1999; higher is better), and on the synthetic set the Amari
  index of ``components_ @ A`` against the true mixing ``A`` (lower is better).
- NMF: ``1/2 ||X - W H||^2`` or the I-divergence of the returned factors (lower is better).
- FactorAnalysis: the mean log-likelihood ``score(X)`` (higher is better; printed as
  ``ours - sk`` per sample, since it can be negative).
- MDS: the raw stress ``sum_{i<j} (d_ij - delta_ij)^2`` (lower is better). MDS costs ``O(n^2)``
  memory and time per iteration, and scikit-learn's SMACOF keeps about ten ``n x n`` float64
  temporaries (about 3 GB at 5,000 rows, 30 GB at 20,000), so MDS runs on the first
  ``--mds-rows`` rows (default 2,000) of each set. ``--mds-large N`` adds one run of ours alone
  on N rows of the synthetic set (N <= 20,000 is the documented cap: the N x N matrix is then
  3.2 GB).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numpy as np
import sklearn
from sklearn import decomposition as skd
from sklearn import manifold as skm
from threadpoolctl import threadpool_limits

from latentlearn.datasets import load
from latentlearn.decomposition import NMF, FactorAnalysis, FastICA, amari_index, nmf_objective
from latentlearn.manifold import MDS

GAUSSIAN_LOGCOSH = 0.3745672075  # E log cosh(nu) for nu ~ N(0, 1)


# --------------------------------------------------------------------------- data
def synthetic_ica(n):
    rng = np.random.RandomState(0)
    t = np.linspace(0, 200, n)
    S = np.column_stack([
        rng.laplace(size=n), rng.laplace(size=n), rng.uniform(-1, 1, n), rng.uniform(-1, 1, n),
        rng.standard_t(5, size=n), rng.standard_t(5, size=n), np.sin(t), np.sign(np.sin(3 * t)),
        rng.exponential(size=n), (rng.uniform(size=n) < 0.2).astype(float),
    ])
    S = (S - S.mean(axis=0)) / S.std(axis=0)
    A = rng.normal(size=(50, 10))
    X = S @ A.T + 0.05 * rng.normal(size=(n, 50))
    return X.astype(np.float32), A


def synthetic_nmf(n):
    rng = np.random.RandomState(1)
    W = rng.exponential(size=(n, 10))
    H = rng.uniform(size=(10, 50)) ** 2
    return (W @ H + 0.1 * np.abs(rng.normal(size=(n, 50)))).astype(np.float32)


def synthetic_fa(n):
    rng = np.random.RandomState(2)
    W = rng.normal(size=(10, 50))
    psi = rng.uniform(0.2, 2.0, size=50)
    X = rng.normal(size=(n, 10)) @ W + rng.normal(size=(n, 50)) * np.sqrt(psi)
    return X.astype(np.float32)


# --------------------------------------------------------------------------- measuring
def timed(fit):
    start = time.perf_counter()
    result = fit()
    return time.perf_counter() - start, result


ROW = "{:<58} {:>8} {:>8} {:>7} {:>12} {:>12} {:>10}  {}"


def header(title):
    print(f"\n{title}")
    print(ROW.format("case", "ours s", "sk s", "t-ratio", "ours obj", "sk obj", "obj ratio", ""))
    print("-" * 136)


def row(case, t_ours, t_sk, o_ours, o_sk, better, compare="ratio"):
    if compare == "ratio":
        ratio = f"{o_ours / o_sk:.6f}" if o_sk != 0 else "n/a"
    else:  # a difference, for objectives that can be negative
        ratio = f"{o_ours - o_sk:+.3g}"
    print(ROW.format(case, f"{t_ours:.2f}", f"{t_sk:.2f}", f"{t_ours / t_sk:.2f}",
                     f"{o_ours:.6g}", f"{o_sk:.6g}", ratio, better), flush=True)


def negentropy(S):
    S = (S - S.mean(axis=0)) / S.std(axis=0)
    return float(np.sum((np.log(np.cosh(S)).mean(axis=0) - GAUSSIAN_LOGCOSH) ** 2))


# --------------------------------------------------------------------------- methods
def bench_ica(name, X, k, A=None):
    for solver in ("eigh", "svd"):
        ours = FastICA(k, whiten_solver=solver, random_state=0)
        ref = skd.FastICA(k, whiten="unit-variance", whiten_solver=solver, random_state=0)
        t1, S1 = timed(lambda: ours.fit_transform(X))
        case = f"{name} k={k} whiten_solver={solver}"
        try:
            t2, S2 = timed(lambda: ref.fit_transform(X))
        except ValueError as exc:  # a miss of theirs is information too
            print(ROW.format(case + " negentropy", f"{t1:.2f}", "failed", "",
                             f"{negentropy(S1):.6g}", "", "",
                             f"scikit-learn raised ValueError: {exc}"))
            continue
        iterations = f"iterations ours {ours.n_iter_}, sk {ref.n_iter_}"
        row(case + " negentropy", t1, t2, negentropy(S1), negentropy(S2),
            f"higher is better; {iterations}")
        if A is not None:
            row(case + " Amari index", t1, t2, amari_index(ours.components_, A),
                amari_index(ref.components_, A), "lower is better")


def bench_nmf(name, X, k, cases):
    for solver, beta_loss in cases:
        ours = NMF(k, init="nndsvda", solver=solver, beta_loss=beta_loss, random_state=0)
        ref = skd.NMF(k, init="nndsvda", solver=solver, beta_loss=beta_loss, random_state=0)
        t1, W1 = timed(lambda: ours.fit_transform(X))
        t2, W2 = timed(lambda: ref.fit_transform(X))
        o1 = nmf_objective(X, W1, ours.components_, beta_loss)
        o2 = nmf_objective(X, W2, ref.components_, beta_loss)
        row(f"{name} k={k} {solver} {beta_loss}", t1, t2, o1, o2,
            f"lower is better; iterations ours {ours.n_iter_}, sk {ref.n_iter_}")


def bench_fa(name, X, k):
    X = X.astype(np.float64)
    for method in ("randomized", "lapack"):
        ours = FactorAnalysis(k, svd_method=method, random_state=0)
        ref = skd.FactorAnalysis(k, svd_method=method, random_state=0)
        t1, _ = timed(lambda: ours.fit(X))
        t2, _ = timed(lambda: ref.fit(X))
        row(f"{name} k={k} {method} mean log-lik", t1, t2, ours.score(X), ref.score(X),
            f"higher is better; iterations ours {ours.n_iter_}, sk {ref.n_iter_}",
            compare="difference")


def bench_mds(name, X, max_iter):
    X = np.asarray(X, dtype=np.float64)
    # the same random start (uniform on [0, 1)^2, seed 0) for both: the same iterates
    ours = MDS(2, init="random", n_init=1, max_iter=max_iter, random_state=0)
    ref = skm.MDS(2, init="random", n_init=1, max_iter=max_iter, random_state=0,
                  metric="euclidean")
    t1, _ = timed(lambda: ours.fit(X))
    t2, _ = timed(lambda: ref.fit(X))
    row(f"{name} same random start", t1, t2, ours.stress_, ref.stress_,
        f"lower is better; iterations ours {ours.n_iter_}, sk {ref.n_iter_}")
    # each library's own default start (ours: classical MDS; scikit-learn 1.9: random)
    default = MDS(2, max_iter=max_iter, random_state=0)
    t3, _ = timed(lambda: default.fit(X))
    row(f"{name} ours init=classical, sk random", t3, t2, default.stress_, ref.stress_,
        f"lower is better; iterations ours {default.n_iter_}, sk {ref.n_iter_}")


def bench_mds_large(X, max_iter):
    X = np.asarray(X, dtype=np.float64)
    ours = MDS(2, max_iter=max_iter, random_state=0)
    t, _ = timed(lambda: ours.fit(X))
    print(f"ours alone, {len(X)} rows: {t:.1f} s, {ours.n_iter_} iterations, stress "
          f"{ours.stress_:.6g} (normalized {ours.normalized_stress_:.4f})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None,
                        help="limit BLAS and OpenMP threads (default: all cores)")
    parser.add_argument("--quick", action="store_true", help="20,000-row synthetic sets")
    parser.add_argument("--mds-rows", type=int, default=2000,
                        help="rows of each set given to MDS (O(n^2); default 2000)")
    parser.add_argument("--mds-large", type=int, default=0,
                        help="also run our MDS alone on this many synthetic rows (<= 20000)")
    parser.add_argument("--only", default="ica,nmf,fa,mds",
                        help="comma-separated subset of ica, nmf, fa, mds")
    args = parser.parse_args()
    n_synthetic = 20_000 if args.quick else 100_000
    only = set(args.only.split(","))
    if args.mds_large > 20_000:
        parser.error("--mds-large is capped at 20000 rows (its n x n matrix is 3.2 GB)")
    warnings.simplefilter("ignore")  # convergence warnings: both libraries use the same budget

    print(f"latentlearn vs scikit-learn {sklearn.__version__}, numpy {np.__version__}, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, threads "
          f"limited to {args.threads or 'none'}; one fit each; ratios are ours / scikit-learn")
    mnist = load("mnist5k").X
    big = f"synthetic {n_synthetic // 1000}k x 50"
    with threadpool_limits(limits=args.threads):
        if "ica" in only:
            header("FastICA (logcosh, parallel, tol 1e-4, max_iter 200)")
            bench_ica("mnist5k 5000 x 784", mnist, 20)
            X, A = synthetic_ica(n_synthetic)
            bench_ica(big, X, 10, A)
        if "nmf" in only:
            header("NMF (init nndsvda, tol 1e-4, max_iter 200; objective of the returned factors)")
            cases = [("cd", "frobenius"), ("mu", "frobenius"), ("mu", "kullback-leibler")]
            bench_nmf("mnist5k 5000 x 784", mnist, 25, cases)
            bench_nmf(big + " (non-negative)", synthetic_nmf(n_synthetic), 10, cases)
        if "fa" in only:
            header("FactorAnalysis (tol 1e-2, max_iter 1000; obj column: ours - sk per sample)")
            bench_fa("mnist5k 5000 x 784", mnist, 20)
            bench_fa(big, synthetic_fa(n_synthetic), 10)
        if "mds" in only:
            m = args.mds_rows
            header(f"MDS (metric SMACOF, 2-D, n_init 1, max_iter 300, eps 1e-6; first {m} rows)")
            bench_mds(f"mnist5k {m} x 784", mnist[:m], 300)
            X, _ = synthetic_ica(n_synthetic)
            bench_mds(f"{big} first {m} rows", X[:m], 300)
            if args.mds_large:
                bench_mds_large(X[: args.mds_large], 300)


if __name__ == "__main__":
    main()
