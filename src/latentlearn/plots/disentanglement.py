"""Latent traversals and the KL of each latent dimension (Higgins et al. 2017; Burgess et al.
2018; active units after Burda et al. 2016). Arrays in, a Figure out; no estimator inside."""

from __future__ import annotations

import numpy as np

from ..exceptions import DataError
from ._common import figure_and_axes, new_figure

__all__ = ["plot_latent_traversals", "plot_kl_per_dimension"]


def _mosaic(images, gap_value):
    """(rows, cols, h, w) -> one (rows*(h+1)-1, cols*(w+1)-1) image with 1-pixel gaps."""
    rows, cols, h, w = images.shape
    out = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), gap_value, dtype=np.float64)
    for r in range(rows):
        for c in range(cols):
            out[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = images[r, c]
    return out


def plot_latent_traversals(traversals, image_shape, *, offsets=None, row_labels=None,
                           cell_size=0.55):
    """One panel per input: rows are latent dimensions, columns the steps of the sweep.

    Parameters
    ----------
    traversals : array-like of shape (n_inputs, n_dims, steps, h * w)
        Decoded images, e.g. from :func:`latentlearn.neural.latent.latent_traversals`; values
        are clipped to [0, 1].
    image_shape : tuple of int
        ``(h, w)`` of grey images.
    offsets : sequence of float, optional
        The value of each step, written under the columns.
    row_labels : sequence of str, optional
        One label per dimension (e.g. ``"z3  KL 1.20"``), left of the rows of the first panel.
    cell_size : float, default=0.55
        Inches per image.

    Returns
    -------
    matplotlib.figure.Figure
    """
    t = np.asarray(traversals, dtype=np.float64)
    if t.ndim != 4:
        raise DataError(f"traversals must have shape (n_inputs, n_dims, steps, n_features); "
                        f"got {t.shape}.")
    n_inputs, n_dims, steps, n_features = t.shape
    if image_shape is None or len(image_shape) != 2 or int(np.prod(image_shape)) != n_features:
        raise DataError(f"image_shape={image_shape} does not match {n_features} features of "
                        f"grey images.")
    if row_labels is not None and len(row_labels) != n_dims:
        raise DataError(f"row_labels has {len(row_labels)} entries for {n_dims} dimensions.")
    if offsets is not None and len(offsets) != steps:
        raise DataError(f"offsets has {len(offsets)} entries for {steps} steps.")
    h, w = image_shape
    images = np.clip(t, 0, 1).reshape(n_inputs, n_dims, steps, h, w)
    fig = new_figure((n_inputs * steps * cell_size + 1.2, n_dims * cell_size + 0.6))
    axes = fig.subplots(1, n_inputs, squeeze=False)[0]
    for i, ax in enumerate(axes):
        ax.imshow(_mosaic(images[i], 0.5), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(f"input {i + 1}", fontsize="small")
        ax.set_yticks([])
        if offsets is not None:
            ax.set_xticks([c * (w + 1) + (w - 1) / 2 for c in range(steps)],
                          [f"{o:+.3g}" for o in offsets], fontsize="x-small")
        else:
            ax.set_xticks([])
        if i == 0 and row_labels is not None:
            ax.set_yticks([r * (h + 1) + (h - 1) / 2 for r in range(n_dims)], list(row_labels),
                          fontsize="x-small")
        for spine in ax.spines.values():
            spine.set_visible(False)
    return fig


def plot_kl_per_dimension(kl, *, active=None, ax=None):
    """Bars of the mean ``KL(q(z_j|x) || N(0, 1))`` per latent dimension, largest first.

    Parameters
    ----------
    kl : array-like of shape (latent_dim,)
        Nats per dimension.
    active : array-like of bool of shape (latent_dim,), optional
        Active units (Burda et al. 2016), drawn in colour; the others grey.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    kl = np.asarray(kl, dtype=np.float64)
    if kl.ndim != 1 or kl.size == 0:
        raise DataError(f"kl must be a non-empty 1-D array (one value per dimension); got "
                        f"shape {kl.shape}.")
    if active is not None:
        active = np.asarray(active, dtype=bool)
        if active.shape != kl.shape:
            raise DataError(f"active has shape {active.shape}; it must match kl {kl.shape}.")
    order = np.argsort(-kl, kind="stable")
    fig, ax = figure_and_axes(ax, (max(3.0, 0.35 * kl.size + 1.5), 2.8))
    colours = ["tab:blue" if active is None or active[j] else "0.7" for j in order]
    ax.bar(np.arange(kl.size), kl[order], color=colours)
    ax.set_xticks(np.arange(kl.size), [f"z{j}" for j in order], fontsize="x-small",
                  rotation=90 if kl.size > 16 else 0)
    ax.set_ylabel("KL (nats)")
    ax.set_xlabel("latent dimension (by KL)")
    return fig
