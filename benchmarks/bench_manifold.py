"""latentlearn's Isomap, Laplacian eigenmaps and LLE against scikit-learn's, in one run.

Run from the repository root::

    python benchmarks/bench_manifold.py                    # n = 5,000
    python benchmarks/bench_manifold.py --sizes 5000 50000  # and 50,000 (several minutes)
    python benchmarks/bench_manifold.py --threads 2

Data: the swiss roll (``load("swiss_roll", n_samples=n)``, 3-D, float32), the same for both
libraries. Settings chosen so that both compute the same thing:

* Isomap, ``n_neighbors=10``: ours exact (``n_landmarks=None``), ours with 1,000 random
  landmarks, and scikit-learn's (always exact, dense ``n x n`` geodesics: 20 GB at
  n = 50,000, so it is left out there, as is our exact variant).
* Laplacian eigenmaps vs ``SpectralEmbedding(n_neighbors=10)``: ours with scikit-learn's graph
  (9 neighbours + self, binary, ``(A + A^T)/2``, random-walk Laplacian, ARPACK shift-invert).
* LLE, ``n_neighbors=12``, ARPACK in both.

Columns: best wall time of ``--repeats`` fits, peak memory of Python/numpy allocations during
one more, untimed fit (tracemalloc; Fortran work arrays of ARPACK/LAPACK are not counted), the ratio ours /
scikit-learn for both, and the Procrustes disparity between our embedding and scikit-learn's
(0 = the same up to rotation, scale and shift). Timings on a shared machine are noisy: compare
ratios rather than absolute seconds.
"""

from __future__ import annotations

import argparse
import platform
import time
import tracemalloc

import numpy as np
import sklearn
from scipy.spatial import procrustes
from sklearn.manifold import Isomap as SkIsomap
from sklearn.manifold import LocallyLinearEmbedding as SkLLE
from sklearn.manifold import SpectralEmbedding as SkSpectralEmbedding
from threadpoolctl import threadpool_limits

from latentlearn.datasets import load
from latentlearn.manifold.isomap import Isomap
from latentlearn.manifold.laplacian import LaplacianEigenmaps
from latentlearn.manifold.lle import LocallyLinearEmbedding

#: sklearn's Isomap and our exact variant hold n x n float64 geodesics; skip them above this.
EXACT_ISOMAP_MAX = 20_000


def measure(make, X, repeats):
    """Best time of ``repeats`` fits, peak traced memory (MB) of one more, untimed fit, and the
    embedding. tracemalloc slows Python-level allocation, so it never runs during a timed fit."""
    best, Y = np.inf, None
    for _ in range(repeats):
        est = make()
        start = time.perf_counter()
        Y = est.fit_transform(X)
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    make().fit_transform(X)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return best, peak, Y


def cases(n):
    out = []
    if n <= EXACT_ISOMAP_MAX:
        out.append(("Isomap exact", lambda: Isomap(n_neighbors=10, n_landmarks=None),
                    lambda: SkIsomap(n_neighbors=10)))
    out.append(("Isomap 1000 landmarks",
                lambda: Isomap(n_neighbors=10, n_landmarks=1000, random_state=0),
                (lambda: SkIsomap(n_neighbors=10)) if n <= EXACT_ISOMAP_MAX else None))
    out.append(("Laplacian eigenmaps",
                lambda: LaplacianEigenmaps(n_neighbors=9, weights="binary", symmetrize="average",
                                           eigen_solver="arpack", random_state=0),
                lambda: SkSpectralEmbedding(n_neighbors=10, random_state=0)))
    out.append(("LLE",
                lambda: LocallyLinearEmbedding(n_neighbors=12, eigen_solver="arpack",
                                               random_state=0),
                lambda: SkLLE(n_neighbors=12, eigen_solver="arpack", random_state=0)))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, numpy {np.__version__}, scikit-learn "
          f"{sklearn.__version__}, threads {args.threads or 'default'}")
    header = (f"{'n':>7} {'method':<24} {'ours s':>8} {'sk s':>8} {'time x':>7} "
              f"{'ours MB':>8} {'sk MB':>8} {'mem x':>6} {'disparity':>10}")
    print(header)
    print("-" * len(header))
    with threadpool_limits(args.threads):
        for n in args.sizes:
            X = load("swiss_roll", n_samples=n).X
            sk_cache = {}
            for name, ours, theirs in cases(n):
                t_o, m_o, Y_o = measure(ours, X, args.repeats)
                if theirs is None:
                    print(f"{n:>7} {name:<24} {t_o:>8.2f} {'-':>8} {'-':>7} {m_o:>8.1f} "
                          f"{'-':>8} {'-':>6} {'-':>10}", flush=True)
                    continue
                key = theirs().__class__.__name__
                if key not in sk_cache:
                    sk_cache[key] = measure(theirs, X, args.repeats)
                t_s, m_s, Y_s = sk_cache[key]
                disparity = procrustes(Y_o, Y_s)[2]
                print(f"{n:>7} {name:<24} {t_o:>8.2f} {t_s:>8.2f} {t_o / t_s:>7.2f} "
                      f"{m_o:>8.1f} {m_s:>8.1f} {m_o / max(m_s, 1e-9):>6.2f} "
                      f"{disparity:>10.2e}", flush=True)


if __name__ == "__main__":
    main()
