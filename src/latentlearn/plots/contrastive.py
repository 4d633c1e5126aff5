"""Curves of a pair-trained embedding: how far apart similar and dissimilar pairs are.

Of a siamese network trained by the contrastive loss of Hadsell, Chopra & LeCun 2006 (DrLIM) or
a triplet loss: the mean code distance of similar pairs should fall, that of dissimilar pairs
rise to about the margin ``m``, past which the hinge stops pushing them.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import DataError
from ._common import figure_and_axes

__all__ = ["plot_pair_distances"]


def plot_pair_distances(epochs, positive, negative, margin=None, *, ax=None):
    """Mean distance of similar and of dissimilar pairs per epoch, with the margin.

    Parameters
    ----------
    epochs, positive, negative : array-like of shape (n_epochs,)
        Epoch numbers and the mean code distance of the similar (positive) and dissimilar
        (negative) pairs drawn in that epoch.
    margin : float, optional
        Drawn as a dashed line.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    epochs, positive, negative = (np.asarray(a, dtype=float).ravel()
                                  for a in (epochs, positive, negative))
    if not epochs.size or not epochs.size == positive.size == negative.size:
        raise DataError(f"epochs, positive and negative must be non-empty and of one length; "
                        f"got {epochs.size}, {positive.size} and {negative.size}.")
    fig, ax = figure_and_axes(ax, (5.0, 3.2))
    ax.plot(epochs, positive, marker="o", ms=3, label="similar pairs")
    ax.plot(epochs, negative, marker="o", ms=3, label="dissimilar pairs")
    if margin is not None:
        ax.axhline(float(margin), color="grey", ls="--", lw=1, label=f"margin m = {margin:g}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean code distance")
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, fontsize="small")
    return fig
