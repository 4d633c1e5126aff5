"""latentlearn's PCA and KMeans on a dask array beside dask-ml's, on the same LocalCluster.

Run from the repository root::

    PYTHONPATH=src python benchmarks/bench_dask.py               # 200,000 x 50, 2 workers
    PYTHONPATH=src python benchmarks/bench_dask.py --quick       # 40,000 x 20, one repeat
    PYTHONPATH=src python benchmarks/bench_dask.py --processes   # worker processes

Data: ``--n`` x ``--d`` float64 Gaussian blobs (``--k`` overlapping clusters), cut into row
blocks of ``--chunk`` rows and persisted on a ``dask.distributed.LocalCluster`` of ``--workers``
workers with one thread each, so that both libraries start from blocks that live on the workers.
Each row gives the best wall time of ``--repeats`` fits and the quality of the result, with the
ratio ours / dask-ml:

* PCA (``n_components=10``): the fraction of the variance the components capture (higher is
  better). Ours: per-block moments, covariance eigendecomposition on the client; dask-ml's:
  ``svd_solver="full"`` (a tall-and-skinny QR, Benson, Gleich & Demmel 2013).
* KMeans from the same given centres (Lloyd 1982; ``tol=1e-4``, which each library scales its
  own way): inertia ``J = sum_i min_j ||x_i - mu_j||^2``, recomputed on ``X`` from each
  library's centres (lower is better; dask-ml's own ``inertia_`` after its k-means|| seeding
  was not that sum in our runs). Then each library's own seeding: ours k-means++ (Arthur &
  Vassilvitskii 2007) on the client from up to 100,000 fetched rows, dask-ml's k-means||
  (Bahmani et al. 2012) on the workers.

Timings on a shared machine are noisy; compare the ratios and rerun with more repeats.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def best_time(fit, repeats):
    best, result = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fit()
        best = min(best, time.perf_counter() - start)
    return best, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--d", type=int, default=50)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--chunk", type=int, default=25_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--processes", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.n, args.d, args.chunk, args.repeats = 40_000, 20, 10_000, 1

    import dask
    import dask.array as da
    from dask.distributed import Client, LocalCluster
    from sklearn.datasets import make_blobs

    from latentlearn.cluster import KMeans
    from latentlearn.decomposition import PCA

    try:
        import dask_ml
        from dask_ml.cluster import KMeans as DaskKMeans
        from dask_ml.decomposition import PCA as DaskPCA
    except ImportError:
        dask_ml = None

    X, _ = make_blobs(args.n, args.d, centers=args.k, cluster_std=4.0, random_state=0)
    start = time.perf_counter()
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1,
                           processes=args.processes, dashboard_address=":0")
    client = Client(cluster)
    startup = time.perf_counter() - start
    D = client.persist(da.from_array(X, chunks=(args.chunk, args.d)))
    client.wait_for_workers(args.workers)
    print(f"dask {dask.__version__}, dask-ml {getattr(dask_ml, '__version__', 'absent')}; "
          f"{args.n} x {args.d} float64 in {D.numblocks[0]} blocks on {args.workers} workers "
          f"({'processes' if args.processes else 'threads'}, started in {startup:.2f} s); "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    rows = []

    def inertia(centers):  # recomputed on X for both (dask-ml's inertia_ is not always J)
        centers = np.asarray(centers, dtype=np.float64)
        d2 = (X**2).sum(1)[:, None] - 2 * X @ centers.T + (centers**2).sum(1)
        return float(np.maximum(d2.min(axis=1), 0).sum())

    def evr(components):  # fraction of the variance captured, from the data itself
        Xc = X - X.mean(axis=0)
        return float(np.sum((Xc @ components.T) ** 2) / np.sum(Xc**2))

    t_ours, ours = best_time(lambda: PCA(n_components=10).fit(D), args.repeats)
    q_ours = evr(ours.components_)
    if dask_ml is not None:
        t_peer, peer = best_time(
            lambda: DaskPCA(n_components=10, svd_solver="full").fit(D), args.repeats)
        q_peer = evr(np.asarray(peer.components_))
        rows.append(("PCA: variance captured", t_ours, t_peer, q_ours, q_peer))
    else:
        rows.append(("PCA: variance captured", t_ours, np.nan, q_ours, np.nan))

    init = X[np.random.RandomState(1).choice(args.n, args.k, replace=False)]
    t_ours, ours = best_time(lambda: KMeans(args.k, init=init, n_init=1).fit(D), args.repeats)
    if dask_ml is not None:
        t_peer, peer = best_time(
            lambda: DaskKMeans(n_clusters=args.k, init=init, max_iter=300, tol=1e-4,
                               random_state=0).fit(D), args.repeats)
        rows.append((f"KMeans given init: inertia (ours {ours.n_iter_} it, dask-ml "
                     f"{peer.n_iter_} it)", t_ours, t_peer, inertia(ours.cluster_centers_),
                     inertia(peer.cluster_centers_)))
    t_ours, ours = best_time(lambda: KMeans(args.k, n_init=1, random_state=0).fit(D),
                             args.repeats)
    if dask_ml is not None:
        t_peer, peer = best_time(
            lambda: DaskKMeans(n_clusters=args.k, random_state=0).fit(D), args.repeats)
        rows.append(("KMeans own seeding (k-means++ / k-means||): inertia", t_ours, t_peer,
                     inertia(ours.cluster_centers_), inertia(peer.cluster_centers_)))
    else:
        rows.append(("KMeans own seeding: inertia", t_ours, np.nan, ours.inertia_, np.nan))

    print(f"{'case':60s} {'ours s':>8s} {'dask-ml s':>9s} {'t ratio':>7s} "
          f"{'ours':>12s} {'dask-ml':>12s} {'q ratio':>9s}")
    for name, t_a, t_b, q_a, q_b in rows:
        print(f"{name:60s} {t_a:8.2f} {t_b:9.2f} {t_a / t_b:7.2f} {q_a:12.6g} {q_b:12.6g} "
              f"{q_a / q_b:9.6f}")
    client.close()
    cluster.close()


if __name__ == "__main__":
    main()
