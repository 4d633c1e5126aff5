"""Neighbourhood graphs over their data, unrolled manifolds, and Isomap against convex flow.

Plot functions take arrays and return a Figure (module :mod:`latentlearn.plots`); the run
figures that fit the estimators and call them live in :mod:`latentlearn.figures.graphs`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from scipy import sparse

from ..exceptions import DataError
from ._common import figure_and_axes, new_figure

__all__ = ["plot_graph", "plot_unrolled", "plot_shortcut_robustness"]

# Above this many edges a random subset is drawn (a fixed seed), to keep files small.
_MAX_EDGES = 20_000


def _edges_of(G):
    upper = sparse.triu(sparse.csr_matrix(G) + sparse.csr_matrix(G).T, k=1).tocoo()
    return np.column_stack([upper.row, upper.col])


def _colour_kwargs(colour):
    if colour is None:
        return {"c": "tab:blue"}
    return {"c": np.asarray(colour), "cmap": "viridis"}


def plot_graph(X, G, *, colour=None, highlight=None, ax=None, title=None):
    """A neighbourhood graph drawn over its 2-D or 3-D data.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2) or (n_samples, 3)
    G : sparse matrix of shape (n_samples, n_samples)
        Edges wherever an entry is stored (either direction).
    colour : array-like of shape (n_samples,), optional
        Point colour (e.g. a true coordinate).
    highlight : array-like of int of shape (n_edges, 2), optional
        Edges drawn thick and red (e.g. erroneous shortcuts).
    ax : matplotlib Axes, optional
        2-D data only; a 3-D plot makes its own figure.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] not in (2, 3):
        raise DataError(f"plot_graph draws 2-D or 3-D data; got X of shape {X.shape}.")
    edges = _edges_of(G)
    if len(edges) > _MAX_EDGES:
        edges = edges[np.random.default_rng(0).choice(len(edges), _MAX_EDGES, replace=False)]
    segments = X[edges]  # (n_edges, 2, dim)
    if X.shape[1] == 2:
        fig, ax = figure_and_axes(ax, (6.0, 5.0))
        ax.add_collection(LineCollection(segments, colors="0.6", linewidths=0.5, zorder=1))
        ax.scatter(X[:, 0], X[:, 1], s=6, zorder=2, linewidths=0, **_colour_kwargs(colour))
        if highlight is not None and len(highlight):
            ax.add_collection(LineCollection(X[np.asarray(highlight)], colors="tab:red",
                                             linewidths=2.5, zorder=3))
        ax.set_aspect("equal")
        ax.autoscale_view()
    else:
        from mpl_toolkits.mplot3d.art3d import Line3DCollection

        fig = new_figure((6.5, 5.5))
        ax = fig.add_subplot(projection="3d")
        ax.add_collection3d(Line3DCollection(segments, colors="0.6", linewidths=0.3))
        ax.scatter(X[:, 0], X[:, 1], X[:, 2], s=4, depthshade=False, **_colour_kwargs(colour))
        if highlight is not None and len(highlight):
            ax.add_collection3d(Line3DCollection(X[np.asarray(highlight)], colors="tab:red",
                                                 linewidths=2.5))
    if title:
        ax.set_title(title)
    return fig


def plot_unrolled(embedding, coordinate, *, ax=None, title=None, name="t"):
    """An embedding's first two coordinates coloured by a true manifold coordinate.

    Parameters
    ----------
    embedding : array-like of shape (n_samples, n_components), n_components >= 2
    coordinate : array-like of shape (n_samples,)
        E.g. the swiss roll's angle ``t``.
    ax : matplotlib Axes, optional
    title : str, optional
    name : str, default="t"
        Colour-bar label.

    Returns
    -------
    matplotlib.figure.Figure
    """
    Y = np.asarray(embedding, dtype=float)
    c = np.asarray(coordinate, dtype=float)
    if Y.ndim != 2 or Y.shape[1] < 2 or c.shape != (Y.shape[0],):
        raise DataError(f"plot_unrolled needs an (n, >=2) embedding and an (n,) coordinate; "
                        f"got {Y.shape} and {c.shape}.")
    fig, ax = figure_and_axes(ax, (6.0, 5.0))
    points = ax.scatter(Y[:, 0], Y[:, 1], c=c, s=6, cmap="viridis", linewidths=0)
    fig.colorbar(points, ax=ax, shrink=0.8, label=name)
    ax.set_xlabel("coordinate 1")
    ax.set_ylabel("coordinate 2")
    if title:
        ax.set_title(title)
    return fig


def _aligned(reference, Y):
    """``Y`` rotated, scaled and shifted onto ``reference`` (orthogonal Procrustes)."""
    mu_r, mu_y = reference.mean(axis=0), Y.mean(axis=0)
    A, B = reference - mu_r, Y - mu_y
    U, s, Vt = np.linalg.svd(B.T @ A)
    R = U @ Vt
    scale = s.sum() / max(float(np.sum(B ** 2)), 1e-300)
    return scale * B @ R + mu_r


def plot_shortcut_robustness(X, G, shortcuts, embeddings, disparities, *, fig=None):
    """The graph with its shortcuts, and embeddings aligned to the truth by Procrustes.

    The layout of Efros et al. 2004, "Seeing through water", figure 5 (Isomap leaks through a
    few erroneous short edges; convex flow routes round them).

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        True planar coordinates.
    G : sparse matrix of shape (n_samples, n_samples)
        The perturbed graph.
    shortcuts : array-like of int of shape (n_edges, 2)
    embeddings : dict of str -> ndarray of shape (n_samples, 2)
        E.g. ``{"Isomap": ..., "convex flow": ...}``; each is aligned to ``X`` by Procrustes.
    disparities : dict of str -> float
        Shown in the panel titles.
    fig : matplotlib Figure, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    X = np.asarray(X, dtype=float)
    fig = fig if fig is not None else new_figure((4.2 * (1 + len(embeddings)), 4.2))
    axes = fig.subplots(1, 1 + len(embeddings))
    shortcuts = np.asarray(shortcuts).reshape(-1, 2)
    colour = X[:, 0] + X[:, 1]
    plot_graph(X, G, colour=colour, highlight=shortcuts, ax=axes[0],
               title="kNN graph + shortcuts (red)")
    for ax, (name, Y) in zip(axes[1:], embeddings.items()):
        Z = _aligned(X, np.asarray(Y, dtype=float)[:, :2])
        ax.scatter(Z[:, 0], Z[:, 1], c=colour, s=6, cmap="viridis", linewidths=0)
        if len(shortcuts):
            ax.add_collection(LineCollection(Z[shortcuts], colors="tab:red", linewidths=1.5))
        ax.set_aspect("equal")
        ax.set_title(f"{name}: disparity {disparities[name]:.3f}")
    return fig
