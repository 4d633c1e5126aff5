"""The exact t-SNE gradient by blocks of rows in torch, against the numba exact gradient.

One evaluation of ``ExactObjective.value_and_gradient`` (KL and gradient) per size, after one
warm-up (numba compilation, CUDA context), timed as the median of ``--repeats``; P is the
sparse kNN affinity of Gaussian blobs (30 neighbours a point, symmetrised), so no n x n array
exists on either side except the (rows, n) blocks. numba runs only up to ``--numba-max``
points (it is O(n^2) on the CPU). Also prints the peak GPU memory of one evaluation on CUDA.

    python benchmarks/bench_tsne_exact_torch.py --sizes 2000 5000            # CPU: torch vs numba
    python benchmarks/bench_tsne_exact_torch.py --device cuda --sizes 10000 20000 70000
    python benchmarks/bench_tsne_exact_torch.py --n-jobs 1                   # numba on 1 thread
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from scipy import sparse


def knn_P(n, k=30, seed=0):
    rng = np.random.default_rng(seed)
    Y = rng.normal(size=(n, 2)) * 10.0
    rows = np.repeat(np.arange(n), k)
    cols = (rows + rng.integers(1, n, size=n * k)) % n
    P = sparse.csr_matrix((rng.random(n * k), (rows, cols)), shape=(n, n))
    P = P + P.T
    P = P / P.sum()
    return sparse.csr_matrix(P), Y


def timed(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 5000])
    parser.add_argument("--device", default="cpu", help="torch device (cpu, cuda)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--numba-max", type=int, default=10_000)
    parser.add_argument("--n-jobs", type=int, default=None)
    args = parser.parse_args()

    import torch

    from latentlearn._threads import n_jobs_limits
    from latentlearn.sne.objectives import ExactObjective

    print(f"{'n':>8} {'torch ' + args.device:>14} {'numba':>10} {'ratio':>7} {'max |dg|':>10} "
          f"{'GPU peak MB':>12}")
    for n in args.sizes:
        P, Y = knn_P(n)
        obj = ExactObjective(P, device=args.device)
        Yt = obj.start(Y)

        def run_torch():
            _, g = obj.value_and_gradient(Yt, 1.0, True)
            if args.device.startswith("cuda"):
                torch.cuda.synchronize()
            return g

        with n_jobs_limits(args.n_jobs):
            t_torch = timed(run_torch, args.repeats)
            peak = float("nan")
            if args.device.startswith("cuda"):
                torch.cuda.reset_peak_memory_stats()
                run_torch()
                peak = torch.cuda.max_memory_allocated() / 2 ** 20
            t_numba, diff = float("nan"), float("nan")
            if n <= args.numba_max:
                dense = ExactObjective(P.toarray())
                t_numba = timed(lambda: dense.value_and_gradient(Y, 1.0, True), args.repeats)
                diff = float(np.abs(obj.finish(run_torch())
                                    - dense.value_and_gradient(Y, 1.0, True)[1]).max())
        print(f"{n:>8} {t_torch:>12.3f} s {t_numba:>8.3f} s {t_numba / t_torch:>7.2f} "
              f"{diff:>10.1e} {peak:>12.0f}")


if __name__ == "__main__":
    main()
