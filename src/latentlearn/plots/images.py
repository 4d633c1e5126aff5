"""Grids of images: samples, dictionaries (components), reconstructions, interpolations.

Every function draws one small Axes per image into a new Figure, or into a ``fig`` you pass (a
Figure or a SubFigure from ``fig.subfigures()``, to combine grids with other plots), and returns
the top-level Figure.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..exceptions import DataError, ParameterError
from ._common import check_container, new_figure, root_figure

__all__ = ["plot_image_grid", "plot_reconstructions", "plot_interpolations", "plot_centroids"]

_DIVERGING_CMAP = "RdBu"   # red below zero, white at zero, blue above


def plot_image_grid(images, image_shape=None, *, n_cols=10, titles=None, row_labels=None,
                    diverging=False, cmap=None, vmin=None, vmax=None, fig=None, cell_size=1.0):
    """Draw images in a grid, row by row.

    Parameters
    ----------
    images : array-like of shape (n_images, h * w [* c]) or (n_images, h, w[, c])
        The images; flattened rows need ``image_shape`` (square ones are inferred). Colour
        images (c = 3 or 4) that are floats outside [0, 1] are min-max scaled each; integers are
        read as 0-255.
    image_shape : tuple of int, optional
        ``(h, w)`` or ``(h, w, c)``.
    n_cols : int, default=10
        Images per row (fewer if there are fewer images).
    titles : sequence of str, optional
        A small title above each image.
    row_labels : sequence of str, optional
        A label left of each row.
    diverging : bool, default=False
        Signed images (dictionary atoms, PCA components): a red/white/blue map centred at 0,
        negative values red, with symmetric limits ``+-max|image|`` per image (or ``+-vmax``
        for all if ``vmax`` is given). Otherwise grey, each image scaled to its own range
        unless ``vmin``/``vmax`` fix a shared one.
    cmap : str, optional
        Override the colour map of single-channel images.
    vmin, vmax : float, optional
        Shared colour limits for single-channel images.
    fig : Figure or SubFigure, optional
        Draw into this (its existing content is kept) instead of a new figure.
    cell_size : float, default=1.0
        Inches per image in a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    imgs = _as_images(images, image_shape)
    n = imgs.shape[0]
    if isinstance(n_cols, (bool, np.bool_)) or not isinstance(n_cols, numbers.Integral) \
            or n_cols < 1:
        raise ParameterError(f"n_cols must be a positive integer; got {n_cols!r}.")
    n_cols = min(int(n_cols), n)
    n_rows = math.ceil(n / n_cols)
    titles = _check_texts(titles, n, "titles", "images")
    row_labels = _check_texts(row_labels, n_rows, "row_labels", "rows")
    colour = imgs.ndim == 4
    if diverging and colour:
        raise ParameterError("diverging=True needs single-channel images; got colour images.")

    container = check_container(fig)
    if container is None:
        h, w = imgs.shape[1:3]
        extra_h = 0.25 if titles is not None else 0.0
        extra_w = 0.8 if row_labels is not None else 0.0
        width = n_cols * cell_size * min(2.0, max(0.5, w / h)) + extra_w
        container = new_figure((width, n_rows * (cell_size + extra_h)), layout=None)
    grid = container.add_gridspec(n_rows, n_cols, wspace=0.05,
                                  hspace=0.35 if titles is not None else 0.05)
    for i in range(n):
        row, col = divmod(i, n_cols)
        ax = container.add_subplot(grid[row, col])
        image = imgs[i]
        if colour:
            ax.imshow(image, interpolation="nearest")
        elif diverging:
            lim = _symmetric_limit(image) if vmax is None else abs(float(vmax))
            ax.imshow(image, cmap=cmap or _DIVERGING_CMAP, vmin=-lim, vmax=lim,
                      interpolation="nearest")
        else:
            ax.imshow(image, cmap=cmap or "gray", vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        if titles is not None:
            ax.set_title(titles[i], fontsize="small", pad=2)
        if row_labels is not None and col == 0:
            ax.set_ylabel(row_labels[row], fontsize="small", rotation=0, ha="right",
                          va="center", labelpad=4)
    return root_figure(container)


def plot_reconstructions(originals, reconstructions, image_shape=None, *, n=10, fig=None):
    """Originals (top row) above their reconstructions (bottom row).

    Both rows share one grey scale, the range of the originals, so that a faded or saturated
    reconstruction looks it.

    Parameters
    ----------
    originals : array-like of shape (n_images, ...)
        Images, in any layout :func:`plot_image_grid` accepts.
    reconstructions : array-like of the same shape
        Their reconstructions.
    image_shape : tuple of int, optional
        As in :func:`plot_image_grid`.
    n : int, default=10
        How many of the first pairs to show.
    fig : Figure or SubFigure, optional
        Draw into this instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    orig = _as_images(originals, image_shape, name="originals")
    recon = _as_images(reconstructions, image_shape, name="reconstructions")
    if orig.shape != recon.shape:
        raise DataError(f"originals have shape {orig.shape} but reconstructions {recon.shape}; "
                        f"pass one reconstruction per original.")
    k = min(int(n), orig.shape[0])
    orig, recon = orig[:k], recon[:k]
    vmin = vmax = None
    if orig.ndim == 3 and np.isfinite(orig).any():
        vmin, vmax = float(np.nanmin(orig)), float(np.nanmax(orig))
        if vmin == vmax:
            vmin, vmax = vmin - 0.5, vmax + 0.5
    return plot_image_grid(np.concatenate([orig, recon]), n_cols=k,
                           row_labels=["original", "reconstruction"], vmin=vmin, vmax=vmax,
                           fig=fig)


def plot_interpolations(rows, image_shape=None, *, row_labels=None, fig=None):
    """Interpolation paths, one per row, from the first image to the last.

    Parameters
    ----------
    rows : array-like of shape (n_paths, n_steps, ...)
        ``rows[i]`` holds the ``n_steps`` images of path ``i``, each flattened or not.
    image_shape : tuple of int, optional
        As in :func:`plot_image_grid`.
    row_labels : sequence of str, optional
        A label per path.
    fig : Figure or SubFigure, optional
        Draw into this instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    arr = np.asarray(rows, dtype=float)
    if arr.ndim < 3:
        raise DataError(f"rows must have shape (n_paths, n_steps, ...), one image per step; "
                        f"got shape {arr.shape}.")
    n_paths, n_steps = arr.shape[:2]
    imgs = arr.reshape((n_paths * n_steps,) + arr.shape[2:])
    return plot_image_grid(imgs, image_shape, n_cols=n_steps, row_labels=row_labels, fig=fig)


def plot_centroids(centers, image_shape=None, *, n_cols=10, counts=None, fig=None):
    """Cluster centres drawn as images, titled with the cluster index (and size).

    Parameters
    ----------
    centers : array-like of shape (n_clusters, h * w [* c]) or (n_clusters, h, w[, c])
        E.g. k-means' ``cluster_centers_`` on image data.
    image_shape : tuple of int, optional
        As in :func:`plot_image_grid`.
    n_cols : int, default=10
        Centres per row.
    counts : array-like of shape (n_clusters,), optional
        Members per cluster, added to the titles.
    fig : Figure or SubFigure, optional
        Draw into this instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    imgs = _as_images(centers, image_shape, name="centers")
    if counts is None:
        titles = [str(i) for i in range(imgs.shape[0])]
    else:
        counts = np.asarray(counts).ravel()
        if counts.shape[0] != imgs.shape[0]:
            raise DataError(f"counts has {counts.shape[0]} entries for {imgs.shape[0]} centres.")
        titles = [f"{i} (n={int(c)})" for i, c in enumerate(counts)]
    return plot_image_grid(imgs, n_cols=n_cols, titles=titles, fig=fig)


def _as_images(images, image_shape, *, name="images") -> np.ndarray:
    """(n, h, w) grey or (n, h, w, 3|4) colour floats ready for imshow."""
    raw = np.asarray(images)
    if raw.dtype.kind not in "biuf":
        raise DataError(f"{name} must be numeric; got dtype {raw.dtype}.")
    arr = raw.astype(float)
    if arr.ndim < 2 or arr.shape[0] == 0:
        raise DataError(f"{name} must hold at least one image, of shape (n_images, ...); "
                        f"got shape {arr.shape}.")
    n = arr.shape[0]
    if image_shape is None:
        if arr.ndim == 2:
            side = math.isqrt(arr.shape[1])
            if side * side != arr.shape[1]:
                raise DataError(f"{name} are flattened ({arr.shape[1]} values each) and not "
                                f"square; pass image_shape=(height, width).")
            image_shape = (side, side)
        else:
            image_shape = arr.shape[1:]
    image_shape = tuple(int(s) for s in image_shape)
    if len(image_shape) not in (2, 3) or int(np.prod(arr.shape[1:])) != int(np.prod(image_shape)):
        raise DataError(f"{name} of shape {arr.shape} cannot be read as images of shape "
                        f"{image_shape}; image_shape is (height, width) or (height, width, "
                        f"channels) and must match the number of values per image.")
    arr = arr.reshape((n,) + image_shape)
    if arr.ndim == 4:
        if arr.shape[-1] == 1:
            return arr[..., 0]
        if arr.shape[-1] not in (3, 4):
            raise DataError(f"colour images need 3 or 4 channels; got {arr.shape[-1]}.")
        if raw.dtype.kind in "biu":
            return np.clip(arr / 255.0, 0.0, 1.0)
        lo = np.nanmin(arr, axis=(1, 2, 3), keepdims=True)
        hi = np.nanmax(arr, axis=(1, 2, 3), keepdims=True)
        outside = (lo < 0) | (hi > 1)
        scaled = (arr - lo) / np.where(hi > lo, hi - lo, 1.0)
        return np.where(outside, scaled, arr)
    return arr


def _symmetric_limit(image) -> float:
    finite = np.abs(image[np.isfinite(image)])
    lim = float(finite.max()) if finite.size else 0.0
    return lim if lim > 0 else 1.0


def _check_texts(texts, expected, name, what):
    if texts is None:
        return None
    texts = [str(t) for t in texts]
    if len(texts) != expected:
        raise ParameterError(f"{name} has {len(texts)} entries for {expected} {what}; "
                             f"give one per {what[:-1]}.")
    return texts
