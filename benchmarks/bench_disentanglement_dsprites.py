"""Reproduction: VAE vs beta-VAE vs beta-TCVAE vs MMD-VAE vs FactorVAE on dSprites.

The comparison of Chen et al. (2018, table 1 / figure 4) and Kim & Mnih (2018, figure 5), at a
CPU budget: every model gets the same convolutional networks (Burgess et al. 2018), the same
data (dSprites rendered by ``latentlearn.datasets.dsprites``), the same number of optimiser
steps and batch size, and is scored by the same five metrics
(:func:`latentlearn.metrics.disentanglement_scores`) on held-out images, over several seeds.
The literature's expectation is beta-TCVAE and FactorVAE above the VAE on MIG; the script prints
what it measures, whichever way it goes.

Default budget (12 minutes measured on 2 cores): 10,000 training images, 300 steps of batch 64
(rounded up to whole epochs: 2 epochs, 314 steps), 3 seeds, 5 models, scored on 1,000 held-out
images; the beta-VAE and FactorVAE scores from 300 training and 300 evaluation points each. The literature trains for 300,000
steps: at this budget the models are far from converged, and the table says how far the
orderings hold this early. ``--steps`` and ``--seeds`` scale it.

    python benchmarks/bench_disentanglement_dsprites.py
    python benchmarks/bench_disentanglement_dsprites.py --steps 50 --seeds 1   # a quick look
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch

from latentlearn.datasets.dsprites import DSpritesFactors, make_dsprites
from latentlearn.metrics import disentanglement_scores
from latentlearn.neural import VAE, BetaTCVAE, FactorVAE, MMDVAE

SCORES = ("mig", "sap", "dci_disentanglement", "dci_completeness", "dci_informativeness",
          "beta_vae_score", "factor_vae_score")
SHORT = {"mig": "MIG", "sap": "SAP", "dci_disentanglement": "DCI-D", "dci_completeness": "DCI-C",
         "dci_informativeness": "DCI-I", "beta_vae_score": "bVAE", "factor_vae_score": "FVAE"}


def models(latent_dim):
    common = dict(architecture="burgess", image_shape=(64, 64), likelihood="bernoulli",
                  latent_dim=latent_dim)
    return {
        "VAE": lambda **kw: VAE(**common, **kw),
        "beta-VAE (beta=4)": lambda **kw: VAE(**common, beta=4.0, **kw),
        "beta-TCVAE (beta=6)": lambda **kw: BetaTCVAE(**common, beta=6.0, **kw),
        "MMD-VAE": lambda **kw: MMDVAE(**common, **kw),
        "FactorVAE": lambda **kw: FactorVAE(**common, **kw),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-train", type=int, default=10_000)
    ap.add_argument("--n-test", type=int, default=1_000)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--latent-dim", type=int, default=10)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--metric-samples", type=int, default=300,
                    help="n_train / n_eval of the two classifier scores")
    ap.add_argument("--models", nargs="*", default=None, help="a subset of the model names")
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    data = make_dsprites(args.n_train + args.n_test, random_state=0)
    X_train, X_test = data.X[:args.n_train], data.X[args.n_train:]
    f_test = data.extras["factor_indices"][args.n_train:]
    source = DSpritesFactors()
    epochs = max(1, math.ceil(args.steps * args.batch_size / args.n_train))
    print(f"dSprites {args.n_train} train / {args.n_test} test, {epochs} epochs "
          f"(~{epochs * math.ceil(args.n_train / args.batch_size)} steps of {args.batch_size}), "
          f"latent {args.latent_dim}, {args.seeds} seeds, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")

    table = {}
    for name, make in models(args.latent_dim).items():
        if args.models and name not in args.models:
            continue
        rows = []
        for seed in range(args.seeds):
            est = make(epochs=epochs, batch_size=args.batch_size, random_state=seed,
                       device="cpu")
            start = time.perf_counter()
            est.fit(X_train)
            fit_s = time.perf_counter() - start
            codes = est.transform(X_test)
            recon = est.inverse_transform(codes)
            # Bernoulli reconstruction error per image (nats), from the posterior means.
            p = np.clip(recon, 1e-6, 1 - 1e-6)
            bce = float(-(X_test * np.log(p) + (1 - X_test) * np.log(1 - p)).sum(1).mean())
            start = time.perf_counter()
            scores = disentanglement_scores(
                codes, f_test, encode=est.transform, source=source, random_state=seed,
                n_train=args.metric_samples, n_eval=args.metric_samples)
            metric_s = time.perf_counter() - start
            rows.append({**{k: scores.get(k, np.nan) for k in SCORES}, "recon": bce,
                         "fit_s": fit_s, "metric_s": metric_s})
            print(f"  {name:20s} seed {seed}: MIG {scores['mig']:.3f}  recon {bce:.1f}  "
                  f"fit {fit_s:.0f} s  metrics {metric_s:.0f} s", flush=True)
        table[name] = rows

    cols = [*SCORES, "recon", "fit_s"]
    print("\nmean (std) over seeds; recon = Bernoulli reconstruction error, nats per image")
    print(f"{'model':20s} " + " ".join(f"{SHORT.get(c, c):>13s}" for c in cols))
    for name, rows in table.items():
        cells = []
        for c in cols:
            v = np.array([r[c] for r in rows], dtype=float)
            cells.append(f"{v.mean():7.3f}({v.std():.3f})" if c not in ("recon", "fit_s")
                         else f"{v.mean():8.1f}({v.std():.1f})")
        print(f"{name:20s} " + " ".join(f"{x:>13s}" for x in cells))
    if "VAE" in table:
        base = np.mean([r["mig"] for r in table["VAE"]])
        print("\nMIG ratio to the VAE: " + ", ".join(
            f"{n} {np.mean([r['mig'] for r in rows]) / base:.2f}" for n, rows in table.items()
            if base > 0))


if __name__ == "__main__":
    main()
