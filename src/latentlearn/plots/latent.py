"""Pictures of a learned latent space: latent spaces side by side, and latent arithmetic.

Latent arithmetic moves codes along an attribute vector (the mean code of inputs with the
attribute minus that of inputs without it) and decodes them: Radford, Metz & Chintala 2016
(DCGAN) and Larsen et al. 2016 (attribute vectors of a VAE). The codes and decodings are
computed by :func:`latentlearn.neural.latent.latent_arithmetic`; these functions only draw.
"""

from __future__ import annotations

import numpy as np

from ._common import new_figure
from .embedding import plot_embedding
from .images import plot_image_grid

__all__ = ["plot_latent_comparison", "plot_latent_arithmetic"]


def plot_latent_comparison(codes, y, titles, *, suptitle=None):
    """Side-by-side 2-D latent spaces coloured by label (one panel per entry of ``codes``).

    Parameters
    ----------
    codes : sequence of array-like of shape (n_samples, 2)
    y : array-like of shape (n_samples,)
        Colours (e.g. the digit labels).
    titles : sequence of str
        One per panel.
    suptitle : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = new_figure((5.0 * len(codes), 4.6))
    axes = fig.subplots(1, len(codes))
    for ax, z, title in zip(np.atleast_1d(axes), codes, titles):
        plot_embedding(z, y, ax=ax, title=title)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def plot_latent_arithmetic(result, image_shape):
    """Rows: test inputs; columns: ``g(x) + alpha v`` decoded, titled with alpha and the measure.

    Parameters
    ----------
    result : dict
        From :func:`latentlearn.neural.latent.latent_arithmetic`: ``grid`` of shape
        (n_show, n_strengths, n_features), ``strengths`` and ``measured`` of length n_strengths.
    image_shape : tuple of int

    Returns
    -------
    matplotlib.figure.Figure
    """
    grid = np.clip(result["grid"], 0, 1)                      # (n_show, n_strengths, features)
    n_show, n_strengths = grid.shape[:2]
    titles = [f"a={a:+.1f}\n{m:.2f}" for a, m in zip(result["strengths"], result["measured"])]
    titles = titles + [""] * (n_show - 1) * n_strengths
    return plot_image_grid(grid.reshape(n_show * n_strengths, -1), image_shape,
                           n_cols=n_strengths, titles=titles)
