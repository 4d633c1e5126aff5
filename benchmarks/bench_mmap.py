"""Data larger than memory: our PCA, KMeans and MiniBatchKMeans on an np.memmap, beside
scikit-learn's IncrementalPCA and MiniBatchKMeans.partial_fit over the same row blocks.

A float32 ``.npy`` file of ``--gb`` gigabytes (``--features`` columns: a few clusters on a
low-rank plane plus noise) is written once into a temporary folder (or ``--file``). Each fit
runs in a fresh process, which records its resident size just before the fit
(``/proc/self/status`` VmRSS, after resetting the peak through ``/proc/self/clear_refs``) and
the peak after it (VmHWM): the peak above the baseline is the fit's memory, pages of the map
it touched included. scikit-learn's estimators are fed blocks that our reader
(``latentlearn._memmap.MemmapRows``) reads from the file: IncrementalPCA the blocks our PCA
walks, MiniBatchKMeans.partial_fit consecutive blocks of ``BATCH`` rows (one pass, our
MiniBatchKMeans draws one pass of batches of that size), so the memory columns compare the
algorithms, not the reading. Our KMeans runs 10 full Lloyd passes. The file is in the page
cache for all fits (it was just written): times are those of warm reads.

    python benchmarks/bench_mmap.py --gb 2          # the target: peak < 25% of the file
    python benchmarks/bench_mmap.py --gb 0.5        # on a shared machine
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

N_CLUSTERS = 8
N_COMPONENTS = 10
BATCH = 4096  # rows of a mini-batch, ours (drawn) and scikit-learn's partial_fit (consecutive)


def _status(key):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def write_file(path, gb, d, seed=0):
    n = int(gb * 2**30 // (4 * d))
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(N_CLUSTERS, d))
    plane = rng.normal(size=(N_COMPONENTS, d))
    header = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, d))
    offset = header.offset
    del header
    with open(path, "r+b") as fh:  # file writes: the map's pages never become resident
        fh.seek(offset)
        for start in range(0, n, 200_000):
            m = min(200_000, n - start)
            block = (centres[rng.integers(0, N_CLUSTERS, size=m)]
                     + rng.normal(size=(m, N_COMPONENTS)) @ plane
                     + 0.3 * rng.normal(size=(m, d)))
            fh.write(block.astype(np.float32).tobytes())
    return n


def worker(method, path, block_rows):
    """Run one fit on the memmap at ``path``; print JSON (seconds, peak bytes, a quality)."""
    from latentlearn._memmap import MemmapRows
    from latentlearn.cluster import KMeans, MiniBatchKMeans
    from latentlearn.cluster._kmeans_base import memmap_labels_and_inertia
    from latentlearn.decomposition import PCA

    M = np.load(path, mmap_mode="r")
    init = np.array(M[:N_CLUSTERS], dtype=np.float64)
    # warm up (lazy imports, first-call allocations) on a small file of the same width
    with tempfile.TemporaryDirectory() as tmp:
        np.save(f"{tmp}/w.npy", np.array(M[:5000]))
        W = np.load(f"{tmp}/w.npy", mmap_mode="r")
        PCA(N_COMPONENTS, svd_solver="covariance_eigh").fit(W)
        KMeans(N_CLUSTERS, init=init, n_init=1, max_iter=2).fit(W)
        MiniBatchKMeans(N_CLUSTERS, random_state=0, max_iter=1).fit(W)
        if method.startswith("sklearn"):
            from sklearn.cluster import MiniBatchKMeans as SkMBK
            from sklearn.decomposition import IncrementalPCA
            IncrementalPCA(N_COMPONENTS, batch_size=1000).fit(np.array(W))
            SkMBK(N_CLUSTERS, init=init, n_init=1).partial_fit(np.array(W))
        del W
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # the peak resident size starts again from the current one
    base = _status("VmRSS:")
    t0 = time.perf_counter()
    if method == "pca":
        model = PCA(N_COMPONENTS, svd_solver="covariance_eigh").fit(M)
    elif method == "kmeans":
        model = KMeans(N_CLUSTERS, init=init, n_init=1, max_iter=10, tol=0.0).fit(M)
    elif method == "minibatch_kmeans":
        model = MiniBatchKMeans(N_CLUSTERS, init=init, n_init=1, batch_size=BATCH, max_iter=1,
                                max_no_improvement=None, random_state=0).fit(M)
    elif method == "sklearn_ipca":
        from sklearn.decomposition import IncrementalPCA
        model = IncrementalPCA(N_COMPONENTS, batch_size=block_rows)
        for _, block in MemmapRows(M, block_rows).blocks():
            model.partial_fit(block)
    elif method == "sklearn_mbk":
        from sklearn.cluster import MiniBatchKMeans as SkMBK
        model = SkMBK(N_CLUSTERS, init=init, n_init=1, batch_size=BATCH)
        for _, block in MemmapRows(M, BATCH).blocks():
            model.partial_fit(block)
    seconds = time.perf_counter() - t0
    peak = _status("VmHWM:") - base
    if method in ("pca", "sklearn_ipca"):
        quality = {"explained_variance_ratio": float(np.sum(model.explained_variance_ratio_)),
                   "components": np.asarray(model.components_, dtype=float).tolist()}
    else:
        _, inertia = memmap_labels_and_inertia(MemmapRows(M), np.ones(len(M)),
                                               np.asarray(model.cluster_centers_, float))
        quality = {"inertia": inertia}
    print(json.dumps({"seconds": seconds, "peak": peak, **quality}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gb", type=float, default=2.0, help="size of the float32 file (GiB)")
    ap.add_argument("--features", type=int, default=64)
    ap.add_argument("--file", default=None, help="reuse (or write) the data file here")
    ap.add_argument("--block-rows", type=int, default=None,
                    help="rows per block for scikit-learn's partial_fit (default: our reader's)")
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker[0], args.worker[1], args.block_rows)
        return

    with tempfile.TemporaryDirectory() as tmp:
        path = args.file or os.path.join(tmp, "X.npy")
        if not os.path.exists(path):
            t0 = time.perf_counter()
            n = write_file(path, args.gb, args.features)
            print(f"wrote {path}: {n:,} x {args.features} float32 in "
                  f"{time.perf_counter() - t0:.1f} s")
        size = os.path.getsize(path)
        from latentlearn._memmap import MemmapRows
        block_rows = args.block_rows or MemmapRows(np.load(path, mmap_mode="r")).block_rows
        print(f"file {size / 2**30:.2f} GiB; blocks of {block_rows:,} rows "
              f"({block_rows * args.features * 4 / 2**20:.0f} MiB)")
        results = {}
        for method in ("pca", "sklearn_ipca", "kmeans", "minibatch_kmeans", "sklearn_mbk"):
            out = subprocess.run(
                [sys.executable, __file__, "--worker", method, path,
                 "--block-rows", str(block_rows)],
                capture_output=True, text=True, check=True)
            results[method] = json.loads(out.stdout.strip().splitlines()[-1])
            r = results[method]
            extra = (f"explained variance ratio {r['explained_variance_ratio']:.6f}"
                     if "explained_variance_ratio" in r else f"inertia {r['inertia']:.6e}")
            print(f"{method:18s} {r['seconds']:8.2f} s   peak above baseline "
                  f"{r['peak'] / 2**20:8.1f} MiB = {r['peak'] / size:6.1%} of the file   {extra}",
                  flush=True)

    def ratio(a, b, key):
        if key == "peak" and results[b][key] < 2**20:
            return float("nan")  # below a MiB the peak is noise (freed memory reused)
        return results[a][key] / results[b][key]

    ours, theirs = np.array(results["pca"]["components"]), \
        np.array(results["sklearn_ipca"]["components"])
    cosines = np.abs(np.sum(ours * theirs, axis=1))
    print(f"PCA vs IncrementalPCA: time x{ratio('pca', 'sklearn_ipca', 'seconds'):.2f}, "
          f"peak memory x{ratio('pca', 'sklearn_ipca', 'peak'):.2f}; "
          f"|cos| between components >= {cosines.min():.6f}")
    for ours in ("kmeans", "minibatch_kmeans"):
        peak = ratio(ours, 'sklearn_mbk', 'peak')
        peak = "(theirs under 1 MiB)" if np.isnan(peak) else f"x{peak:.2f}"
        print(f"{ours} vs sklearn MiniBatchKMeans.partial_fit: time "
              f"x{ratio(ours, 'sklearn_mbk', 'seconds'):.2f}, peak memory {peak}, inertia "
              f"x{results[ours]['inertia'] / results['sklearn_mbk']['inertia']:.4f}")
    worst = max(results[m]["peak"] / size for m in ("pca", "kmeans", "minibatch_kmeans"))
    print(f"largest peak of ours: {worst:.1%} of the file (target < 25%)")


if __name__ == "__main__":
    main()
