"""Generators on mnist5k: VAE, GAN, WGAN, WGAN-GP and VQ-VAE by their samples' quality.

Run from the repository root::

    python benchmarks/bench_generators_mnist.py                          # 10 min per model and seed
    python benchmarks/bench_generators_mnist.py --budget-minutes 0.2 --models vae --seeds 0
    python benchmarks/bench_generators_mnist.py --max-steps 2000 --set gan.batch_size=64

Each registered model among vae (Kingma & Welling 2014), gan (Goodfellow et al. 2014), wgan
(Arjovsky et al. 2017), wgan_gp (Gulrajani et al. 2017) and vq_vae (van den Oord et al. 2017) is
fitted on all 5,000 mnist5k images for each seed, with one budget per model: ``--budget-minutes``
of wall-clock time (default 10), or ``--max-steps`` optimiser steps, whichever comes first (the
estimator's ``callback`` returns True to stop; the trainer keeps the partial result). Models not
registered in this latentlearn are skipped with a note. Each fitted model draws ``--n-samples``
samples (default 5,000), scored against the 5,000 real images with
``latentlearn.metrics.sample_quality`` in the feature space of the shipped mnist network:
Frechet distance (Heusel et al. 2017), kernel distance (Binkowski et al. 2018), precision and
recall (Kynkaanniemi et al. 2019). The numbers are FID-style, comparable with each other and not
with Inception-based FID or KID. The table gives mean +- std over the seeds, and the fit time.

The row ``mnist5k halves`` is the floor: one half of the data scored against the other half
(2,500 each; the Frechet distance is biased upwards at small n, so it sits a little above what
5,000 vs 5,000 would give).

Measured with tiny budgets only, to check the script (shared 2-core machine under load, 1
thread; gan, wgan, wgan_gp and vq_vae not yet registered where this ran, so skipped)::

    --budget-minutes 0.25 --seeds 0 1 --threads 1
    model                     FD (mnist)            KD (mnist)         precision            recall
    mnist5k halves                0.1073             -0.001834            0.8944            0.9096
    vae                     81.15 +- 2.8        2.828 +- 0.044   0.0482 +- 0.021            0 +- 0
    (196 steps, 15 s per seed)

    --budget-minutes 1.5 --seeds 0 --models vae --threads 1
    vae                            44.03                 1.859            0.3004            0.0748
    (418 steps, 90 s)

For scale: 1,000 uniform-noise images score FD 76 and KD 3.4 against 1,000 real ones. The full
table (10 minutes per model and seed) is for the lead to run after the generators are merged.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import time

import numpy as np

from latentlearn.datasets import load
from latentlearn.metrics import sample_quality
from latentlearn.registry import get_method, list_methods

MODELS = ("vae", "gan", "wgan", "wgan_gp", "vq_vae")

#: Settings per model beyond the estimator's defaults (overridable with --set model.key=value).
#: Epochs are a ceiling: the budget stops training.
MODEL_PARAMS = {
    "vae": {"latent_dim": 16, "hidden_dims": (512, 256), "epochs": 10_000},
    "gan": {"epochs": 10_000},
    "wgan": {"epochs": 10_000},
    "wgan_gp": {"epochs": 10_000},
    "vq_vae": {"epochs": 10_000},
}

METRICS = ("frechet_distance", "kernel_distance", "precision", "recall")


class Budget:
    """An estimator callback that stops training after ``seconds`` or ``max_steps`` steps."""

    def __init__(self, seconds: float, max_steps: int | None):
        self.seconds, self.max_steps = seconds, max_steps
        self.start = time.perf_counter()
        self.steps = 0

    def __call__(self, event, logs):
        if event == "step":
            self.steps = int(logs.get("step", self.steps + 1))
        elapsed = time.perf_counter() - self.start
        return elapsed >= self.seconds or (self.max_steps is not None
                                           and self.steps >= self.max_steps)


def parse_sets(pairs) -> dict:
    out: dict = {}
    for pair in pairs or ():
        key, _, value = pair.partition("=")
        model, _, name = key.partition(".")
        if not name or not value:
            raise SystemExit(f"--set {pair!r} must read model.parameter=value, e.g. "
                             f"vae.latent_dim=8")
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            parsed = value
        out.setdefault(model, {})[name] = parsed
    return out


def fit_one(name: str, X: np.ndarray, seed: int, params: dict, budget: Budget):
    cls = get_method(name).cls
    allowed = inspect.signature(cls).parameters
    kwargs = {k: v for k, v in params.items() if k in allowed}
    ignored = sorted(set(params) - set(kwargs))
    if ignored:
        print(f"  note: {name} has no parameter {', '.join(ignored)}; ignored")
    if "image_shape" in allowed and "image_shape" not in kwargs:
        kwargs["image_shape"] = (28, 28)
    if "random_state" in allowed:
        kwargs["random_state"] = seed
    if "callback" in allowed:
        kwargs["callback"] = budget
    else:
        print(f"  note: {name} takes no callback; it trains for its full epochs")
    estimator = cls(**kwargs)
    start = time.perf_counter()
    estimator.fit(X)
    return estimator, time.perf_counter() - start


def mean_std(values) -> str:
    values = np.asarray(values, dtype=float)
    return f"{values.mean():.4g} +- {values.std():.2g}" if len(values) > 1 else f"{values[0]:.4g}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--budget-minutes", type=float, default=10.0,
                        help="wall-clock training budget per model and seed")
    parser.add_argument("--max-steps", type=int, default=None,
                        help="optimiser-step budget per model and seed (with the time budget)")
    parser.add_argument("--n-samples", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--set", dest="sets", action="append", metavar="MODEL.KEY=VALUE")
    parser.add_argument("--json", default=None, help="also write the raw results here")
    parser.add_argument("--samples-png", default=None,
                        help="also write the first seed's samples of every model side by side "
                             "(64 each) to this PNG")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    overrides = parse_sets(args.sets)
    registered = {m.name for m in list_methods()}
    X = load("mnist5k").X
    rows: dict[str, dict] = {}
    grids: dict[str, np.ndarray] = {}

    order = np.random.default_rng(0).permutation(len(X))
    floor = sample_quality(X[order[:2500]], X[order[2500:]],
                           metrics=("fd", "kd", "precision_recall"), features="mnist")
    rows["mnist5k halves"] = {"runs": [{**floor, "fit_s": 0.0, "steps": 0}]}

    for name in args.models:
        if name not in registered:
            print(f"note: {name} is not registered in this latentlearn; skipped")
            continue
        params = {**MODEL_PARAMS.get(name, {}), **overrides.get(name, {})}
        runs = []
        for seed in args.seeds:
            budget = Budget(60.0 * args.budget_minutes, args.max_steps)
            estimator, fit_s = fit_one(name, X, seed, params, budget)
            samples = estimator.sample(args.n_samples, random_state=seed)
            if seed == args.seeds[0]:
                grids[name] = tile(samples[:64])
            scores = sample_quality(X, samples, metrics=("fd", "kd", "precision_recall"),
                                    features="mnist", random_state=seed)
            runs.append({**scores, "fit_s": fit_s, "steps": budget.steps})
            print(f"{name} seed {seed}: {budget.steps} steps in {fit_s:.0f} s, "
                  + ", ".join(f"{k} {v:.4g}" for k, v in scores.items()), flush=True)
        rows[name] = {"params": {k: v for k, v in params.items()}, "runs": runs}

    header = (f"{'model':<16}{'FD (mnist)':>20}{'KD (mnist)':>22}{'precision':>18}"
              f"{'recall':>18}{'steps':>8}{'fit s':>8}")
    print()
    print(f"{args.n_samples} samples vs the 5,000 mnist5k images, seeds {args.seeds}, budget "
          f"{args.budget_minutes:g} min" + (f" / {args.max_steps} steps" if args.max_steps
                                            else "") + "; FID-style, not Inception FID")
    print(header)
    for name, row in rows.items():
        runs = row["runs"]
        cells = [mean_std([r[m] for r in runs]) for m in METRICS]
        print(f"{name:<16}{cells[0]:>20} {cells[1]:>21} {cells[2]:>17} {cells[3]:>17}"
              f"{np.mean([r['steps'] for r in runs]):>8.0f}"
              f"{np.mean([r['fit_s'] for r in runs]):>8.0f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=2, default=str)
    if args.samples_png and grids:
        save_side_by_side(grids, args.samples_png, args.budget_minutes)


def tile(samples: np.ndarray, n_cols: int = 8) -> np.ndarray:
    """64 flattened 28x28 images as one (8*29, 8*29) array with 1-pixel gaps."""
    n = len(samples)
    rows = -(-n // n_cols)
    out = np.ones((rows * 29, n_cols * 29))
    for i, image in enumerate(np.clip(samples, 0, 1).reshape(n, 28, 28)):
        r, c = divmod(i, n_cols)
        out[r * 29:r * 29 + 28, c * 29:c * 29 + 28] = image
    return out


def save_side_by_side(grids: dict, path: str, budget_minutes: float) -> None:
    from latentlearn.fileio import save_figure
    from latentlearn.plots import new_figure

    fig = new_figure((3.2 * len(grids), 3.6))
    axes = fig.subplots(1, len(grids), squeeze=False)[0]
    for ax, (name, grid) in zip(axes, grids.items()):
        ax.imshow(grid, cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(name)
        ax.axis("off")
    fig.suptitle(f"mnist5k samples, {budget_minutes:g} min of training each (seed 0)")
    save_figure(fig, path)


if __name__ == "__main__":
    main()
