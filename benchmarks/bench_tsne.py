"""t-SNE side by side: latentlearn against openTSNE (FFT and Barnes-Hut) and scikit-learn.

Same input (PCA to 50 dimensions, float64), perplexity 30, same initial map (PCA, std 1e-4),
same iterations (250 early exaggeration at 12 + ``--n-iter`` main). Each method runs in its
own fresh process: a warm-up fit on 600 points first (numba compilation, imports and
thread pools are paid once per process and are not what is compared), then the timed fit.
Printed per method:

- wall time of the fit (affinities + optimisation), nothing else in the process running;
- peak memory: the process's peak resident set (``VmHWM``) during the fit minus its resident
  set before it (the peak is reset after the warm-up through ``/proc/self/clear_refs``), so
  native allocations of compiled libraries count too;
- KL: each library's own report (Barnes-Hut and FFT estimate the normaliser Z), and KL of
  the final map under one common P (latentlearn's, exact kNN) with the exact Z
  (O(n^2), numba), so that the maps are compared on the same objective;
- trustworthiness (k = 10, on 5,000 points drawn once) and 10-NN accuracy (leave-one-out)
  of the labels in the map;

then ratios of latentlearn's ``method="auto"`` choice (and each of its methods) to the
fastest peer.

    python benchmarks/bench_tsne.py                       # mnist5k
    python benchmarks/bench_tsne.py --synthetic 20000
    python benchmarks/bench_tsne.py --synthetic 70000 --skip sklearn-bh
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

METHODS = ["latentlearn-bh", "latentlearn-fft", "openTSNE-bh", "openTSNE-fft", "sklearn-bh"]


def _synthetic(n, seed):
    """Gaussian clusters of different sizes and spreads in 50 dimensions (labels = cluster)."""
    rng = np.random.RandomState(seed)
    k = 20
    centres = rng.randn(k, 50) * 4
    sizes = rng.dirichlet(np.ones(k) * 2) * n
    y = np.repeat(np.arange(k), np.maximum(1, sizes.astype(int)))[:n]
    y = np.concatenate([y, rng.randint(k, size=n - y.size)])
    scales = rng.uniform(0.5, 2.0, k)
    X = centres[y] + rng.randn(n, 50) * scales[y, None]
    return X, y


def _fit(method, X, init, n_iter, seed):
    """Fit one method; returns (embedding, the library's own KL)."""
    if method.startswith("latentlearn"):
        from latentlearn.sne import TSNE

        est = TSNE(perplexity=30.0, method={"bh": "barnes_hut", "fft": "fft"}[method[12:]],
                   init=init, n_iter=n_iter, random_state=seed, device="cpu").fit(X)
        return est.embedding_, est.kl_divergence_
    if method.startswith("openTSNE"):
        import openTSNE

        emb = openTSNE.TSNE(perplexity=30, negative_gradient_method=method[9:],
                            initialization=init, n_iter=n_iter, random_state=seed,
                            n_jobs=os.cpu_count()).fit(X)
        return np.asarray(emb), emb.kl_divergence
    from sklearn.manifold import TSNE as SkTSNE

    est = SkTSNE(perplexity=30.0, init=init, max_iter=250 + n_iter, random_state=seed,
                 min_grad_norm=0.0, n_iter_without_progress=250 + n_iter, n_jobs=os.cpu_count())
    return est.fit_transform(X), est.kl_divergence_


def _status(field):
    """A ``kB`` field of /proc/self/status, in MiB (None off Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _child(method, data, out, n_iter, seed):
    d = np.load(data)
    X, init = d["X"], d["init"]
    _fit(method, X[:600], init[:600], 10, seed)  # warm-up, untimed
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    except OSError:
        pass
    before = _status("VmRSS")
    start = time.perf_counter()
    Y, kl = _fit(method, X, init, n_iter, seed)
    wall = time.perf_counter() - start
    peak = _status("VmHWM")
    extra = None if before is None or peak is None else peak - before
    np.save(out + ".npy", np.asarray(Y, dtype=np.float64))
    Path(out + ".json").write_text(json.dumps({"wall": wall, "kl": float(kl), "peak": extra}))


def _exact_kl(P, Y):
    """KL(P || Q) with the exact normaliser Z = sum_{i != j} (1 + d_ij^2)^-1 (O(n^2))."""
    from latentlearn.sne.objectives import _t_normaliser

    P = P.tocoo()
    d2 = ((Y[P.row] - Y[P.col]) ** 2).sum(axis=1)
    log_q = -np.log1p(d2) - np.log(_t_normaliser(np.ascontiguousarray(Y), 1.0))
    return float(np.sum(P.data * (np.log(P.data) - log_q)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=0,
                        help="n points of synthetic clusters instead of mnist5k")
    parser.add_argument("--n-iter", type=int, default=750, help="main-phase iterations")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip", nargs="*", default=[], choices=METHODS,
                        help="methods to leave out")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child, args.data, args.out, args.n_iter, args.seed)

    from latentlearn.decomposition import PCA
    from latentlearn.metrics import knn_accuracy, trustworthiness
    from latentlearn.sne.affinities import joint_probabilities_nn
    from latentlearn.sne.initialization import pca_init
    from latentlearn.sne.tsne import EXACT_AUTO_BELOW, FFT_AUTO_FROM

    if args.synthetic:
        X, y = _synthetic(args.synthetic, args.seed)
        name = f"synthetic{args.synthetic}"
    else:
        from latentlearn.datasets import load

        ds = load("mnist5k")
        X, y, name = ds.X, ds.y, "mnist5k"
    X = np.asarray(PCA(n_components=50, random_state=args.seed).fit_transform(X),
                   dtype=np.float64)
    n = X.shape[0]
    init = pca_init(X, 2, np.random.RandomState(args.seed))  # the same start for everyone
    P = joint_probabilities_nn(X, 30.0, neighbors="exact")
    sub = np.random.RandomState(0).choice(n, min(n, 5000), replace=False)
    auto = "latentlearn-" + ("bh" if EXACT_AUTO_BELOW <= n < FFT_AUTO_FROM else "fft")
    print(f"{name}: n={n}, PCA-50 input, perplexity 30, 250 + {args.n_iter} iterations, "
          f"{os.cpu_count()} cores; latentlearn's method='auto' here: {auto}", flush=True)
    print(f"  {'method':16s} {'wall s':>8s} {'peak MiB':>9s} {'own KL':>7s} {'KL(P,Q)':>8s} "
          f"{'trust':>6s} {'10-NN':>6s}", flush=True)

    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data.npz")
        np.savez(data, X=X, init=init)
        for method in [m for m in METHODS if m not in args.skip]:
            out = os.path.join(tmp, method)
            subprocess.run([sys.executable, __file__, "--child", method, "--data", data,
                            "--out", out, "--n-iter", str(args.n_iter),
                            "--seed", str(args.seed)], check=True)
            r = json.loads(Path(out + ".json").read_text())
            Y = np.load(out + ".npy")
            r["kl_exact"] = _exact_kl(P, Y)
            r["tw"] = trustworthiness(X[sub], Y[sub], n_neighbors=10)
            r["acc"] = knn_accuracy(Y, y, n_neighbors=10)
            runs[method] = r
            peak = "n/a" if r["peak"] is None else f"{r['peak']:.0f}"
            print(f"  {method:16s} {r['wall']:8.2f} {peak:>9s} {r['kl']:7.4f} "
                  f"{r['kl_exact']:8.4f} {r['tw']:6.4f} {r['acc']:6.4f}", flush=True)

    peers = {k: v for k, v in runs.items() if not k.startswith("latentlearn")}
    if not peers:
        return
    fastest = min(peers, key=lambda k: peers[k]["wall"])
    f = peers[fastest]
    best_kl = min(peers, key=lambda k: peers[k]["kl_exact"])
    print(f"ratios (ours / peer): time and memory vs the fastest peer ({fastest}); "
          f"KL(P,Q) vs the lowest peer's ({best_kl}); trust and 10-NN vs the fastest peer's")
    for label, r in runs.items():
        if label.startswith("latentlearn"):
            mem = "n/a" if r["peak"] is None or not f["peak"] else \
                f"x{r['peak'] / f['peak']:.2f}"
            star = "  <- method='auto'" if label == auto else ""
            print(f"  {label:16s} time x{r['wall'] / f['wall']:.2f}  peak {mem}  "
                  f"KL {100 * (r['kl_exact'] / peers[best_kl]['kl_exact'] - 1):+.2f}%  "
                  f"trust {r['tw'] - f['tw']:+.4f}  10-NN {r['acc'] - f['acc']:+.4f}{star}")


if __name__ == "__main__":
    main()
