"""Figures of seeing through water (Efros et al. 2004): images side by side, and one patch
location's embedding with its centre and the patches along a path to it (their figure 7)."""

from __future__ import annotations

import numpy as np

from ..exceptions import ParameterError
from ._common import new_figure

__all__ = ["plot_water_images", "plot_patch_embedding"]


def _show(ax, image, title=None):
    img = np.clip(np.asarray(image, dtype=np.float64), 0.0, 1.0)
    if img.ndim == 2:
        ax.imshow(img, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    else:
        ax.imshow(img, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=8)


def plot_water_images(images, titles=None, *, cell_size=2.2):
    """Images in [0, 1] in one row, each with its title.

    Parameters
    ----------
    images : sequence of ndarray of shape (h, w) or (h, w, 3)
    titles : sequence of str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    images = list(images)
    if not images:
        raise ParameterError("images is empty; pass at least one image.")
    if titles is not None and len(titles) != len(images):
        raise ParameterError(f"{len(titles)} titles for {len(images)} images.")
    fig = new_figure((cell_size * len(images), cell_size + 0.5))
    axes = fig.subplots(1, len(images), squeeze=False)[0]
    for k, (ax, img) in enumerate(zip(axes, images)):
        _show(ax, img, None if titles is None else titles[k])
    return fig


def plot_patch_embedding(embedding, patches, *, centre, path=None, max_patches=8):
    """One location's embedding with the centre patch marked and the patches along a path.

    Parameters
    ----------
    embedding : ndarray of shape (n_frames, >= 2)
        The frames' patches embedded (the first two coordinates are drawn).
    patches : ndarray of shape (n_frames, p, p) or (n_frames, p, p, 3)
    centre : int
        The frame taken (nearest the embedding's centre); drawn as a star.
    path : sequence of int, optional
        Frames along a path to the centre; drawn as a line, and their patches in a row below
        (at most ``max_patches``, evenly spaced along the path, ending at the centre).

    Returns
    -------
    matplotlib.figure.Figure
    """
    Y = np.asarray(embedding, dtype=np.float64)
    if Y.ndim != 2 or Y.shape[1] < 1:
        raise ParameterError(f"embedding must have shape (n_frames, n_components); got "
                             f"{Y.shape}.")
    if Y.shape[1] == 1:
        Y = np.column_stack([Y[:, 0], np.zeros(len(Y))])
    patches = np.asarray(patches)
    if len(patches) != len(Y):
        raise ParameterError(f"{len(patches)} patches for {len(Y)} embedded points.")
    if not 0 <= int(centre) < len(Y):
        raise ParameterError(f"centre={centre} is not a frame index (0..{len(Y) - 1}).")
    path = np.asarray([] if path is None else path, dtype=int)
    shown = path
    if len(path) > max_patches:
        shown = path[np.unique(np.linspace(0, len(path) - 1, max_patches).round().astype(int))]
    n_row = max(len(shown), 1)
    fig = new_figure((max(4.5, 1.0 * n_row), 5.6))
    top, bottom = fig.subfigures(2, 1, height_ratios=[3.6, 1.2])
    ax = top.subplots()
    ax.scatter(Y[:, 0], Y[:, 1], s=14, c="tab:blue", alpha=0.7, label="frames' patches")
    if len(path) > 1:
        ax.plot(Y[path, 0], Y[path, 1], "-o", color="tab:orange", ms=4, lw=1.2,
                label="path to the centre")
        for k, i in enumerate(shown):
            ax.annotate(str(k + 1), Y[i, :2], fontsize=7, xytext=(3, 3),
                        textcoords="offset points")
    ax.scatter(*Y[int(centre), :2], marker="*", s=220, c="tab:red", zorder=3,
               label="centre patch (taken)")
    ax.scatter(*Y.mean(axis=0)[:2], marker="+", s=120, c="k", zorder=3,
               label="centre of the embedding")
    ax.set_xlabel("component 1")
    ax.set_ylabel("component 2")
    ax.legend(fontsize=7, loc="best")
    if len(shown):
        axes = bottom.subplots(1, len(shown), squeeze=False)[0]
        lo, hi = float(patches.min()), float(patches.max())
        for k, (a, i) in enumerate(zip(axes, shown)):
            img = (patches[i] - lo) / (hi - lo) if hi > lo else patches[i]
            _show(a, img, f"{k + 1}: frame {i}" + (" (centre)" if i == centre else ""))
    return fig
