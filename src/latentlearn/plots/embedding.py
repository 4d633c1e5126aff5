"""Scatter plots of embeddings and the variance spectrum of linear decompositions."""

from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from ..exceptions import DataError
from ._common import class_colours, figure_and_axes

__all__ = ["plot_embedding", "plot_explained_variance"]

# Above this many distinct values, float labels are a continuous colour (e.g. the position along
# a swiss roll), not classes.
_MAX_CLASSES_FOR_FLOATS = 20
# Classes beyond this are still coloured, but a legend would be unreadable.
_MAX_LEGEND_ENTRIES = 20


def plot_embedding(embedding, labels=None, *, ax=None, title=None, label_names=None):
    """Scatter plot of the first two coordinates of an embedding, coloured by label.

    Parameters
    ----------
    embedding : array-like of shape (n_samples, n_components) or (n_samples,)
        Coordinates. With more than two columns the first two are drawn; with one, the points
        are spread vertically by a fixed random jitter so that they do not overlap.
    labels : array-like of shape (n_samples,), optional
        Class labels (ints, strings) drawn as categories -- tab10 up to 10 classes, tab20 up to
        20, a sampled rainbow beyond -- with a legend up to 20 classes; or a continuous value
        (floats with more than 20 distinct values) drawn with viridis and a colour bar.
    ax : matplotlib Axes, optional
        Draw here instead of in a new figure.
    title : str, optional
        Axes title.
    label_names : sequence or mapping, optional
        Legend text per class: a mapping ``label -> name``, or a sequence indexed by the class's
        position among the sorted distinct labels (e.g. the ten digit names).

    Returns
    -------
    matplotlib.figure.Figure
    """
    Z = np.asarray(embedding, dtype=float)
    if Z.ndim == 1:
        Z = Z.reshape(-1, 1)
    if Z.ndim != 2 or Z.shape[1] < 1:
        raise DataError(f"embedding must have shape (n_samples, n_components); got {Z.shape}.")
    n = Z.shape[0]
    if Z.shape[1] == 1:
        jitter = np.random.default_rng(0).uniform(-1, 1, n)
        xy = np.column_stack([Z[:, 0], jitter])
    else:
        xy = Z[:, :2]
    fig, ax = figure_and_axes(ax, (6.0, 5.0))
    size = float(np.clip(30000.0 / max(n, 1), 1.0, 30.0))
    # Draw in a fixed shuffled order so that no class hides under the one drawn after it.
    order = np.random.default_rng(0).permutation(n)

    if labels is None:
        ax.scatter(xy[order, 0], xy[order, 1], s=size, c="tab:blue", linewidths=0, alpha=0.8)
    else:
        labels = np.asarray(labels)
        if labels.ndim != 1 or labels.shape[0] != n:
            raise DataError(f"labels must have shape ({n},), one per point; got {labels.shape}.")
        classes, codes = np.unique(labels, return_inverse=True)
        continuous = labels.dtype.kind == "f" and len(classes) > _MAX_CLASSES_FOR_FLOATS
        if continuous:
            points = ax.scatter(xy[order, 0], xy[order, 1], s=size, c=labels[order],
                                cmap="viridis", linewidths=0, alpha=0.9)
            fig.colorbar(points, ax=ax, shrink=0.8)
        else:
            colours = class_colours(len(classes))
            ax.scatter(xy[order, 0], xy[order, 1], s=size, c=colours[codes[order]],
                       linewidths=0, alpha=0.8)
            if len(classes) <= _MAX_LEGEND_ENTRIES:
                handles = [Line2D([], [], marker="o", linestyle="", color=colours[i],
                                  label=_class_name(c, i, label_names))
                           for i, c in enumerate(classes)]
                ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5),
                          frameon=False, fontsize="small", markerscale=1.2)
    ax.set_xlabel("component 1")
    if Z.shape[1] == 1:
        ax.set_yticks([])
    else:
        ax.set_ylabel("component 2")
    if title is not None:
        ax.set_title(str(title))
    return fig


def plot_explained_variance(explained_variance_ratio, *, ax=None):
    """Variance explained per component (bars) and cumulated (line with markers).

    Parameters
    ----------
    explained_variance_ratio : array-like of shape (n_components,)
        Share of the total variance of each component, e.g. PCA's
        ``explained_variance_ratio_``.
    ax : matplotlib Axes, optional
        Draw here instead of in a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    ratio = np.asarray(explained_variance_ratio, dtype=float).ravel()
    if ratio.size == 0:
        raise DataError("explained_variance_ratio is empty; pass one value per component.")
    fig, ax = figure_and_axes(ax, (6.0, 4.0))
    index = np.arange(1, ratio.size + 1)
    ax.bar(index, ratio, width=0.8, color="tab:blue", label="per component")
    ax.plot(index, np.cumsum(ratio), color="tab:orange", marker="o" if ratio.size <= 50 else None,
            markersize=3, label="cumulative")
    ax.set_xlabel("component")
    ax.set_ylabel("explained variance ratio")
    ax.set_ylim(0, max(1.0, float(np.nanmax(np.cumsum(ratio)))) * 1.05)
    ax.set_xlim(0.4, ratio.size + 0.6)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="center right", frameon=False)
    return fig


def _class_name(value, position, label_names) -> str:
    if label_names is None:
        return str(value)
    if isinstance(label_names, dict):
        return str(label_names.get(value, value))
    return str(label_names[position]) if position < len(label_names) else str(value)
