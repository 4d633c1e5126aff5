"""latentlearn's disentanglement metrics on 10,000 codes, timed, beside disent's where it imports.

Run from the repository root::

    python benchmarks/bench_disentanglement.py                 # 10,000 codes
    python benchmarks/bench_disentanglement.py --n 2000        # quicker
    python benchmarks/bench_disentanglement.py --disent PATH   # a folder holding disent

The codes: five factors with the dSprites grid sizes (3, 6, 40, 32, 32), drawn uniformly; ten
code dimensions, the first five a rotation (mixing two factors at a time) of the standardised
factors plus noise, the other five noise. Each row gives the wall time of one call (best of
``--repeats``) and the score.

Peer: disent (Michlo 2021, disentanglement library for PyTorch), a port of disentanglement_lib
(Locatello et al. 2019). It is not in the project's environment: pip resolves it with
torchvision, lightning and h5py. To compare without touching the environment, install it alone
(``pip install --no-deps --target DIR disent h5py``) and pass ``--disent DIR``; its dataset
package (which needs torchvision) is stubbed out, as its metric kernels (``_compute_mig``,
``_compute_sap``, ``_compute_dci``) take plain arrays. The beta-VAE and FactorVAE scores draw
from a dataset object in disent, so they are timed for ours only (identity renderer: the time
is the metric's, not a renderer's).
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import sys
import time
import types

import numpy as np

from latentlearn.metrics import (beta_vae_score, dci, factor_vae_score, mutual_information_gap,
                                 sap_score)

SIZES = (3, 6, 40, 32, 32)
ROW = "{:<56} {:>9} {:>10}"


class IdentitySource:
    """Renders factor indices as themselves."""

    factor_sizes = SIZES

    def sample_factors(self, n, rng):
        return np.column_stack([rng.integers(s, size=n) for s in SIZES])

    def render(self, factor_indices):
        return np.asarray(factor_indices, dtype=np.float64)


def make_codes(n, seed=0):
    rng = np.random.default_rng(seed)
    factors = np.column_stack([rng.integers(s, size=n) for s in SIZES])
    standard = (factors - factors.mean(0)) / factors.std(0)
    mix = np.eye(5)
    mix[0, 1] = mix[2, 3] = 0.5  # two dimensions mix two factors each
    codes = np.concatenate([standard @ mix + 0.3 * rng.standard_normal((n, 5)),
                            rng.standard_normal((n, 5))], axis=1)
    return codes, factors


def encoder(x):
    standard = (x - (np.array(SIZES) - 1) / 2) / np.array(SIZES)
    return np.concatenate([standard, np.zeros((len(x), 1))], axis=1)


def best_time(fn, repeats):
    best, value = np.inf, None
    for _ in range(repeats):
        t = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t)
    return best, value


def _dummy_class(attr):
    if attr.startswith("__"):
        raise AttributeError(attr)
    return type(attr, (), {})


def load_disent(path):
    """disent's metric modules, its package and dataset code stubbed out, or None and why.

    Only ``disent/metrics/{utils,_mig,_sap,_dci}.py`` are executed, from ``path``; the
    ``disent``, ``disent.dataset`` and ``disent.util`` packages they import at the top are
    empty stand-ins (their contents are used only by the dataset-driven wrappers not run here).
    """
    root = os.path.join(path, "disent") if path else None
    if not root or not os.path.isdir(os.path.join(root, "metrics")):
        return None, f"no disent folder under {path!r} (pass --disent DIR)"
    for name in ("disent", "disent.dataset", "disent.util", "disent.util.function"):
        stub = types.ModuleType(name)
        stub.__getattr__ = _dummy_class
        stub.__path__ = []
        sys.modules[name] = stub
    sys.modules["disent.util.function"].wrapped_partial = functools.partial
    metrics = types.ModuleType("disent.metrics")
    metrics.__path__ = [os.path.join(root, "metrics")]
    sys.modules["disent.metrics"] = metrics
    try:
        metrics.utils = importlib.import_module("disent.metrics.utils")
        return {name: importlib.import_module(f"disent.metrics.{name}")
                for name in ("_mig", "_sap", "_dci")}, None
    except Exception as exc:  # any failure to import means no peer, with the reason shown
        return None, f"{type(exc).__name__}: {exc}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--dci-n", type=int, default=2000,
                        help="codes for the DCI rows (gradient-boosted trees on 40-valued "
                             "factors are the slow part: ~13 s for 2,000 codes, 20 trees)")
    parser.add_argument("--trees100", action="store_true",
                        help="also DCI with 100 trees (disentanglement_lib's setting), ours and "
                             "disent's: minutes each")
    parser.add_argument("--disent", default=os.environ.get("DISENT_PATH", ""))
    args = parser.parse_args()
    codes, factors = make_codes(args.n)
    n_train = int(0.75 * args.n)
    dcodes, dfactors = codes[:args.dci_n], factors[:args.dci_n]
    dtrain = int(0.75 * len(dcodes))
    print(f"{args.n} codes x {codes.shape[1]} dims, factors {SIZES}; "
          f"{os.cpu_count()} CPUs")
    print(ROW.format("metric", "time (s)", "score"))
    rows = [
        ("ours MIG (20 bins)", lambda: mutual_information_gap(codes, factors)),
        ("ours SAP (tree, adjusted)", lambda: sap_score(codes, factors)),
        ("ours SAP (linear_svc, adjusted)",
         lambda: sap_score(codes, factors, classifier="linear_svc")),
        (f"ours DCI disentanglement (gbt, 20 trees, n={len(dcodes)})",
         lambda: dci(dcodes, dfactors)["disentanglement"]),
        ("ours beta-VAE score (10000 + 5000 x 64)",
         lambda: beta_vae_score(encoder, IdentitySource(), random_state=0)),
        ("ours FactorVAE score (10000 + 5000 x 64)",
         lambda: factor_vae_score(encoder, IdentitySource(), random_state=0)),
    ]
    if args.trees100:
        rows.append((f"ours DCI disentanglement (gbt, 100 trees, n={len(dcodes)})",
                     lambda: dci(dcodes, dfactors, n_estimators=100)["disentanglement"]))
    peer, why = load_disent(args.disent)
    if peer is None:
        print(f"(disent not importable: {why})")
    else:
        mus, ys = codes.T, factors.T  # disent takes (n_latents, n_samples)
        tr, te = slice(0, n_train), slice(n_train, None)
        rows += [
            ("disent MIG (20 bins)",
             lambda: peer["_mig"]._compute_mig(mus, ys)["mig.discrete_score"]),
            ("disent SAP (LinearSVC, plain accuracy)",
             lambda: peer["_sap"]._compute_sap(mus[:, tr], ys[:, tr], mus[:, te], ys[:, te],
                                               False)["sap.score"]),
        ]
        if args.trees100:
            dm, dy = dcodes.T, dfactors.T
            rows.append((f"disent DCI disentanglement (gbt, 100 trees, n={len(dcodes)})",
                         lambda: peer["_dci"]._compute_dci(
                             dm[:, :dtrain], dy[:, :dtrain], dm[:, dtrain:],
                             dy[:, dtrain:])["dci.disentanglement"]))
    for name, fn in rows:
        seconds, value = best_time(fn, args.repeats)
        print(ROW.format(name, f"{seconds:.2f}", f"{value:.4f}"), flush=True)


if __name__ == "__main__":
    main()
