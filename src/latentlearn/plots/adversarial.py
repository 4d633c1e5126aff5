"""Samples of a generator over the course of training: arrays in, a Figure out."""

from __future__ import annotations

import numpy as np

from ..exceptions import DataError, ParameterError
from ._common import check_container, new_figure, root_figure
from .images import plot_image_grid

__all__ = ["plot_sample_snapshots"]


def plot_sample_snapshots(snapshots, epochs, *, data=None, centers=None, image_shape=None,
                          n_images=8, fig=None):
    """One panel per snapshot of a generator's samples (of one fixed noise batch).

    Parameters
    ----------
    snapshots : array-like of shape (n_snapshots, n_per_snapshot, n_features)
        Samples at each snapshot.
    epochs : sequence of int, length n_snapshots
        The epoch of each snapshot (titles).
    data : array-like of shape (n_samples, 2), optional
        2-D data drawn in grey under each panel's samples.
    centers : array-like of shape (n_modes, 2), optional
        Known modes, drawn as crosses.
    image_shape : tuple of int, optional
        Image data: each snapshot is a row of ``n_images`` images instead of a scatter plot.
    n_images : int, default=8
        Images per row for image data.
    fig : Figure or SubFigure, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    S = np.asarray(snapshots, dtype=np.float64)
    epochs = [int(e) for e in epochs]
    if S.ndim != 3 or S.shape[0] == 0 or S.shape[0] != len(epochs):
        raise DataError(f"snapshots must have shape (n_snapshots, n_per_snapshot, n_features) "
                        f"with one epoch per snapshot; got shape {S.shape} and {len(epochs)} "
                        f"epochs.")
    if image_shape is not None:
        k = min(int(n_images), S.shape[1])
        images = np.clip(S[:, :k].reshape(S.shape[0] * k, -1), 0, 1)
        return plot_image_grid(images, tuple(image_shape), n_cols=k, fig=fig,
                               row_labels=[f"epoch {e}" for e in epochs], vmin=0, vmax=1)
    if S.shape[2] != 2:
        raise ParameterError(f"scatter panels need 2-D samples; got {S.shape[2]} features "
                             f"(pass image_shape= for images).")
    container = check_container(fig)
    n = S.shape[0]
    if container is None:
        container = new_figure((2.2 * n, 2.4))
    axes = container.subplots(1, n, squeeze=False)[0]
    points = [S.reshape(-1, 2)] + ([np.asarray(data, float)] if data is not None else [])
    allp = np.concatenate(points)
    low, high = np.percentile(allp, [0.5, 99.5], axis=0)
    pad = 0.15 * (high - low).max()
    for ax, samples, epoch in zip(axes, S, epochs):
        if data is not None:
            ax.scatter(*np.asarray(data, float).T, s=3, color="0.8", linewidths=0)
        ax.scatter(samples[:, 0], samples[:, 1], s=3, color="tab:blue", linewidths=0)
        if centers is not None:
            ax.scatter(*np.asarray(centers, float).T, marker="x", s=20, color="tab:red")
        ax.set_xlim(low[0] - pad, high[0] + pad)
        ax.set_ylim(low[1] - pad, high[1] + pad)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"epoch {epoch}", fontsize="small")
    return root_figure(container)
