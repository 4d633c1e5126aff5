"""Codebook usage of a vector-quantised model: how often each code is chosen, and the usage
perplexity over training (van den Oord et al. 2017; Razavi et al. 2019)."""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from ..exceptions import DataError
from ._common import figure_and_axes

__all__ = ["plot_codebook_usage", "plot_codebook_perplexity"]


def _perplexity(counts) -> float:
    p = counts / max(counts.sum(), 1)
    p = p[p > 0]
    return float(np.exp(-(p * np.log(p)).sum()))


def plot_codebook_usage(counts, *, ax=None, sort=True):
    """Bars of how often each code was chosen, most used first, with the usage perplexity.

    Parameters
    ----------
    counts : array-like of shape (n_codes,)
        Times each code was chosen (e.g. over every grid cell of a data set).
    sort : bool, default=True
        Order the bars by decreasing count (the x axis is then a rank, not a code index).

    Returns
    -------
    matplotlib.figure.Figure
    """
    counts = np.asarray(counts, dtype=np.float64).ravel()
    if counts.size == 0 or np.any(counts < 0) or not np.all(np.isfinite(counts)):
        raise DataError("counts must be a non-empty array of finite counts >= 0, one per code.")
    fig, ax = figure_and_axes(ax, (6.0, 3.0))
    shown = np.sort(counts)[::-1] if sort else counts
    share = shown / max(counts.sum(), 1)
    ax.bar(np.arange(counts.size), share, width=1.0, color="C0")
    used = int(np.count_nonzero(counts))
    ax.set_xlabel("code (by decreasing use)" if sort else "code index")
    ax.set_ylabel("share of grid cells")
    ax.set_title(f"{used} of {counts.size} codes used, perplexity {_perplexity(counts):.1f}")
    ax.set_xlim(-0.5, counts.size - 0.5)
    return fig


def plot_codebook_perplexity(epochs, perplexity, n_codes, *, codes_used=None, ax=None):
    """Usage perplexity ``exp(H)`` per epoch (and distinct codes per batch), against K.

    Parameters
    ----------
    epochs : array-like of shape (n_epochs,)
    perplexity : array-like of shape (n_epochs,)
        Mean of the per-batch perplexities of each epoch.
    n_codes : int
        K, the most the perplexity can reach (drawn as a dashed line).
    codes_used : array-like of shape (n_epochs,), optional
        Mean number of distinct codes per batch.

    Returns
    -------
    matplotlib.figure.Figure
    """
    epochs = np.asarray(epochs, dtype=np.float64).ravel()
    perplexity = np.asarray(perplexity, dtype=np.float64).ravel()
    if epochs.size == 0 or epochs.shape != perplexity.shape:
        raise DataError(f"epochs and perplexity must be non-empty and of one length; got "
                        f"{epochs.size} and {perplexity.size}.")
    fig, ax = figure_and_axes(ax, (6.0, 3.0))
    ax.plot(epochs, perplexity, marker="o", ms=3, label="perplexity exp(H)")
    if codes_used is not None:
        ax.plot(epochs, np.asarray(codes_used, dtype=np.float64).ravel(), marker="s", ms=3,
                label="codes used per batch")
    ax.axhline(float(n_codes), color="0.5", ls="--", lw=1, label=f"K = {int(n_codes)}")
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("codes")
    ax.set_ylim(0, 1.05 * float(n_codes))
    ax.legend(loc="lower right", fontsize="small")
    return fig
