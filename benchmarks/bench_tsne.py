"""t-SNE side by side: latentlearn against openTSNE (FFT and Barnes-Hut) and scikit-learn.

Same input (PCA to 50 dimensions, float64), perplexity 30, same iterations (250 early
exaggeration at 12 + ``--n-iter`` main), PCA initialisation, one run each. Printed per method:
wall time (affinities + optimisation), peak memory (tracemalloc: Python-visible allocations,
numpy included; native allocations of compiled libraries are not all seen), final KL (each
library's own report: BH / FFT estimate Z approximately), trustworthiness (k = 10) and 10-NN
accuracy (leave-one-out) of the embedding, and ratios to the fastest peer.

    python benchmarks/bench_tsne.py                  # mnist5k
    python benchmarks/bench_tsne.py --synthetic 20000
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc

import numpy as np


def _pca50(X, seed):
    from latentlearn.decomposition import PCA

    return np.asarray(PCA(n_components=min(50, X.shape[1]), random_state=seed)
                      .fit_transform(X), dtype=np.float64)


def _synthetic(n, seed):
    """Gaussian clusters of different sizes in 50 dimensions (labels = cluster)."""
    rng = np.random.RandomState(seed)
    k = 20
    centres = rng.randn(k, 50) * 4
    sizes = rng.dirichlet(np.ones(k) * 2) * n
    y = np.repeat(np.arange(k), np.maximum(1, sizes.astype(int)))[:n]
    y = np.concatenate([y, rng.randint(k, size=n - y.size)])
    scales = rng.uniform(0.5, 2.0, k)
    X = centres[y] + rng.randn(n, 50) * scales[y, None]
    return X, y


def _run(fn):
    tracemalloc.start()
    start = time.perf_counter()
    Y, kl = fn()
    wall = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return np.asarray(Y), float(kl), wall, peak / 2**20


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=0,
                        help="n points of synthetic clusters instead of mnist5k")
    parser.add_argument("--n-iter", type=int, default=750, help="main-phase iterations")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip", nargs="*", default=[], help="methods to leave out")
    args = parser.parse_args(argv)

    from latentlearn.metrics import knn_accuracy, trustworthiness
    from latentlearn.sne import TSNE

    if args.synthetic:
        X, y = _synthetic(args.synthetic, args.seed)
        name = f"synthetic{args.synthetic}"
    else:
        from latentlearn.datasets import load

        ds = load("mnist5k")
        X, y, name = ds.X, ds.y, "mnist5k"
    X = _pca50(X, args.seed)
    n = X.shape[0]
    from latentlearn.sne.initialization import pca_init

    init = pca_init(X, 2, np.random.RandomState(args.seed))  # the same start for everyone
    print(f"{name}: n={n}, PCA-50 input, perplexity 30, 250 + {args.n_iter} iterations")

    runs = {}

    def ours(method):
        def fn():
            est = TSNE(perplexity=30.0, method=method, init=init, n_iter=args.n_iter,
                       random_state=args.seed, device="cpu").fit(X)
            return est.embedding_, est.kl_divergence_
        return fn

    def open_tsne(method):
        def fn():
            import openTSNE

            emb = openTSNE.TSNE(perplexity=30, negative_gradient_method=method,
                                initialization=init, n_iter=args.n_iter,
                                random_state=args.seed, n_jobs=os.cpu_count()).fit(X)
            return np.asarray(emb), emb.kl_divergence
        return fn

    def sklearn_tsne():
        from sklearn.manifold import TSNE as SkTSNE

        est = SkTSNE(perplexity=30.0, init=init, max_iter=250 + args.n_iter,
                     random_state=args.seed, min_grad_norm=0.0,
                     n_iter_without_progress=250 + args.n_iter)
        Y = est.fit_transform(X)
        return Y, est.kl_divergence_

    methods = {
        "latentlearn-bh": ours("barnes_hut"),
        "latentlearn-fft": ours("fft"),
        "openTSNE-bh": open_tsne("bh"),
        "openTSNE-fft": open_tsne("fft"),
        "sklearn-bh": sklearn_tsne,
    }
    chosen = {k: v for k, v in methods.items() if k not in args.skip}
    # Warm-up on 600 points, untimed: numba compilation (ours, pynndescent) and imports are
    # paid once per process and are not what is being compared.
    X_full, init_full = X, init
    X, init = X_full[:600], init_full[:600]
    n_iter_full, args.n_iter = args.n_iter, 10
    for fn in chosen.values():
        fn()
    X, init, args.n_iter = X_full, init_full, n_iter_full
    for label, fn in chosen.items():
        Y, kl, wall, peak = _run(fn)
        sub = np.random.RandomState(0).choice(n, min(n, 5000), replace=False)
        tw = trustworthiness(X[sub], Y[sub], n_neighbors=10)
        acc = knn_accuracy(Y, y, n_neighbors=10)
        runs[label] = dict(wall=wall, peak=peak, kl=kl, tw=tw, acc=acc)
        print(f"  {label:16s} wall {wall:7.2f} s  peak {peak:8.1f} MiB  KL {kl:.4f}  "
              f"trust {tw:.4f}  10-NN {acc:.4f}", flush=True)

    peers = {k: v for k, v in runs.items() if not k.startswith("latentlearn")}
    if peers:
        fastest = min(peers, key=lambda k: peers[k]["wall"])
        ref_kl = runs.get("openTSNE-fft", runs.get("openTSNE-bh", peers[fastest]))
        print(f"ratios (ours / peer); fastest peer: {fastest}")
        for label, r in runs.items():
            if label.startswith("latentlearn"):
                f = peers[fastest]
                print(f"  {label:16s} time x{r['wall'] / f['wall']:.2f}  "
                      f"peak x{r['peak'] / max(f['peak'], 1e-9):.2f}  "
                      f"KL vs openTSNE {100 * (r['kl'] / ref_kl['kl'] - 1):+.2f}%  "
                      f"trust diff {r['tw'] - ref_kl['tw']:+.4f}  "
                      f"10-NN diff {r['acc'] - ref_kl['acc']:+.4f}")


if __name__ == "__main__":
    main()
