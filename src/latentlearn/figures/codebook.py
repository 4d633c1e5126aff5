"""Figures of vector-quantised models (VQ-VAE, van den Oord et al. 2017): how the codebook is
used over the data, and its usage perplexity over training.

They apply to estimators with ``codebook_usage`` (counts of each code over a data set) and a
``history_`` logging ``perplexity``; reconstructions and samples come from
:mod:`.generative` like any other decoder's.
"""

from __future__ import annotations

import numpy as np

from ..plots import plot_codebook_perplexity, plot_codebook_usage, plot_history
from ._registry import Figure, figure_maker

__all__ = ["figure_codebook_usage", "figure_codebook_perplexity", "figure_prior_nll"]


def _n_codes(estimator) -> int:
    return int(estimator.get_params()["n_codes"])


@figure_maker(order=117.3)
def figure_codebook_usage(result):
    """Share of the data's grid cells given to each code, most used first."""
    est = result.estimator
    if not hasattr(est, "codebook_usage") or not hasattr(est, "model_"):
        return
    codes = result.embedding
    if codes is not None and np.issubdtype(np.asarray(codes).dtype, np.integer):
        counts = np.bincount(np.asarray(codes).ravel(), minlength=_n_codes(est))
    else:
        counts = est.codebook_usage(result.dataset.X)
    yield Figure("codebook_usage", "Codebook usage",
                 f"Share of the {counts.sum():,} grid cells of the data given to each of the K = "
                 f"{counts.size} codes, most used first; the perplexity exp(H) of these shares "
                 f"is K when every code is used equally and 1 when one code takes all (van den "
                 f"Oord et al. 2017).", plot_codebook_usage(counts))


@figure_maker(order=117.4)
def figure_codebook_perplexity(result):
    """Mean per-batch usage perplexity and codes used per batch, per epoch."""
    est = result.estimator
    history = getattr(est, "history_", None) or []
    rows = [r for r in history if "perplexity" in r]
    if not rows or not hasattr(est, "codebook_usage"):
        return
    codes_used = [r.get("codes_used", np.nan) for r in rows]
    yield Figure("codebook_perplexity", "Codebook perplexity over training",
                 "Per epoch, the mean over batches of exp(H) of each batch's code usage and the "
                 "distinct codes per batch, against K (dashed). Dead codes restarted from "
                 "encoder outputs lift both.",
                 plot_codebook_perplexity([r["epoch"] for r in rows],
                                          [r["perplexity"] for r in rows], _n_codes(est),
                                          codes_used=codes_used))


@figure_maker(order=117.5)
def figure_prior_nll(result):
    """The prior's negative log-likelihood per code and the commitment term, per epoch."""
    est = result.estimator
    history = getattr(est, "history_", None) or []
    if not hasattr(est, "codebook_usage") or not any("prior_nll" in r for r in history):
        return
    keys = [k for k in ("prior_nll", "commitment", "codebook") if any(k in r for r in history)]
    yield Figure("prior_nll", "Prior and quantisation terms over training",
                 f"prior_nll: the autoregressive prior's -log p(k_i | k_<i) in nats per code, "
                 f"averaged over the epoch's batches (uniform over K codes: log K = "
                 f"{np.log(_n_codes(est)):.2f}); commitment: ||z_e - e||^2 per input.",
                 plot_history(history, keys=keys, x="epoch"))
