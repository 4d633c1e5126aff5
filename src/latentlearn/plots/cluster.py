"""Clustering pictures from seed 000: the dendrogram, cliques, and k-means step by step.

* :func:`plot_dendrogram`: the agglomerative merge tree, cut into clusters ("different level
  thresholds yield different clusters"), truncated to its last merges for large ``n``.
* :func:`plot_cliques` / :func:`plot_clique_sizes`: a graph with each node drawn as a pie of the
  colours of every clique it belongs to (figure 4: cliques with 2 and with 3 members).
* :func:`plot_kmeans_steps`: Lloyd's algorithm as a sequence of panels, the plane shaded by
  nearest centroid, i.e. by Voronoi cell (figure 5: initialise, assign, move, until no change).

Cluster ``j`` is drawn in the ``j``-th colour of :func:`~latentlearn.plots.plot_embedding`'s
palette, so these figures match a scatter plot of the same labels.
"""

from __future__ import annotations

import math
import numbers
import string

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex, to_rgb
from matplotlib.patches import Circle, Polygon, Wedge

from ..exceptions import DataError, ParameterError
from ._common import check_container, figure_and_axes, new_figure, root_figure
from .embedding import _class_colours

__all__ = ["plot_dendrogram", "plot_cliques", "plot_clique_sizes", "plot_kmeans_steps"]

_GREY = "#8c8c8c"
_ABOVE_CUT = "#262626"  # merges above the cut: near-black, unlike any cluster colour


# --------------------------------------------------------------------------- dendrogram
def _cut_position(heights, n_merges):
    """A height between the last merge kept and the first one undone."""
    if n_merges == 0:
        return 0.5 * heights[0]
    if n_merges == heights.size:
        return None  # one cluster: nothing to cut
    return 0.5 * (heights[n_merges - 1] + heights[n_merges])


def plot_dendrogram(linkage_matrix, *, n_clusters=None, distance_threshold=None,
                    max_leaves=30, labels=None, ax=None, title=None):
    """Draw an agglomerative merge tree, optionally cut into clusters.

    Each joint is a merge drawn at its linkage distance. With a cut (``n_clusters`` or
    ``distance_threshold``), a dashed line marks it and the branches below are coloured by
    cluster (cluster ``j`` as in the label numbering of
    :func:`~latentlearn.cluster.cut_linkage`, by first appearance); the merges above are black.

    Parameters
    ----------
    linkage_matrix : array-like of shape (n_samples - 1, 4)
        A SciPy linkage matrix, e.g. ``AgglomerativeClustering(...).fit(X).linkage_matrix_``.
    n_clusters : int, optional
        Cut into this many clusters (the last ``n_clusters - 1`` merges undone).
    distance_threshold : float, optional
        Cut at this height instead (merges at heights ``>= distance_threshold`` undone).
    max_leaves : int, default=30
        With more samples than this, only the last ``max_leaves - 1`` merges are drawn and each
        leaf is a subtree labelled by its size ``(m)`` (SciPy's ``truncate_mode="lastp"``).
    labels : sequence of str, optional
        Leaf names (one per sample), shown when the tree is not truncated.
    ax : matplotlib Axes, optional
        Draw here instead of in a new figure.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from scipy.cluster import hierarchy

    from ..cluster.hierarchical import cut_linkage

    Z = np.asarray(linkage_matrix, dtype=np.float64)
    try:
        hierarchy.is_valid_linkage(Z, throw=True, name="linkage_matrix")
    except (ValueError, TypeError) as exc:
        raise DataError(f"linkage_matrix is not a SciPy linkage matrix: {exc}") from exc
    if isinstance(max_leaves, (bool, np.bool_)) or not isinstance(max_leaves, numbers.Integral) \
            or max_leaves < 2:
        raise ParameterError(f"max_leaves must be an integer >= 2; got {max_leaves!r}.")
    n = Z.shape[0] + 1
    heights = Z[:, 2]
    fig, ax = figure_and_axes(ax, (8.0, 4.0))

    link_colour = None
    cut_height = None
    if n_clusters is not None or distance_threshold is not None:
        cluster = cut_linkage(Z, n_clusters=n_clusters, distance_threshold=distance_threshold)
        k = int(cluster.max()) + 1
        n_merges = n - k
        colours = [to_hex(c) for c in _class_colours(k)]
        node_cluster = np.full(2 * n - 1, -1, dtype=np.intp)  # -1: above the cut
        node_cluster[:n] = cluster
        for m in range(n_merges):  # merges below the cut stay inside one cluster
            node_cluster[n + m] = node_cluster[int(Z[m, 0])]

        def link_colour(node_id):
            c = node_cluster[node_id]
            return colours[c] if c >= 0 else _ABOVE_CUT

        cut_height = (float(distance_threshold) if distance_threshold is not None
                      else _cut_position(heights, n_merges))

    truncate = n > max_leaves
    hierarchy.dendrogram(
        Z, ax=ax, truncate_mode="lastp" if truncate else None, p=int(max_leaves),
        link_color_func=link_colour, color_threshold=0 if link_colour is None else None,
        above_threshold_color=_ABOVE_CUT if link_colour is not None else "tab:blue",
        labels=None if truncate or labels is None else list(labels),
        no_labels=not truncate and labels is None and n > 60,
        leaf_rotation=90, leaf_font_size=8)
    if cut_height is not None:
        ax.axhline(cut_height, color="black", linestyle="--", linewidth=1)
        ax.annotate(f"cut: {k} clusters", xy=(1.0, cut_height), xycoords=("axes fraction",
                    "data"), xytext=(-4, 3), textcoords="offset points", ha="right",
                    va="bottom", fontsize="small")
    ax.set_ylabel("linkage distance")
    ax.set_xlabel("samples" if not truncate else f"subtrees (size) -- last {max_leaves - 1} "
                  "merges")
    if title is not None:
        ax.set_title(str(title))
    return fig


# --------------------------------------------------------------------------- cliques
def _layout(A, positions, nodes):
    """Node positions (n, 2): given ones (array or dict for networkx nodes), or a fixed layout."""
    n = A.shape[0]
    if positions is None:
        import networkx as nx

        from ..cluster.cliques import _as_networkx

        layout = nx.spring_layout(_as_networkx(A), seed=0)
        return np.array([layout[i] for i in range(n)], dtype=float).reshape(n, 2)
    if isinstance(positions, dict):
        keys = nodes if nodes is not None else list(range(n))
        missing = [k for k in keys if k not in positions]
        if missing:
            raise DataError(f"positions has no entry for nodes {missing[:5]}; give every node a "
                            "position (x, y).")
        positions = [positions[k] for k in keys]
    xy = np.asarray(positions, dtype=float)
    if xy.shape != (n, 2):
        raise DataError(f"positions must have shape ({n}, 2), one (x, y) per node; got "
                        f"{xy.shape}.")
    if not np.all(np.isfinite(xy)):
        raise DataError("positions must be finite.")
    return xy


def _clique_indices(cliques, nodes, n):
    """Cliques as tuples of node positions 0..n-1."""
    index = None if nodes is None else {node: i for i, node in enumerate(nodes)}
    out = []
    for clique in cliques:
        members = [int(v) if index is None else index.get(v, -1) for v in clique]
        if any(m < 0 or m >= n for m in members):
            raise DataError(f"clique {tuple(clique)!r} names a node that is not in the graph.")
        out.append(tuple(members))
    return out


def _draw_cliques(ax, A, xy, cliques, title):
    """One panel: grey edges, cliques in colour, nodes as pies of their cliques' colours."""
    from scipy import sparse

    n = A.shape[0]
    colours = _class_colours(max(len(cliques), 1))
    upper = sparse.triu(A, k=1, format="coo")
    ax.add_collection(LineCollection(
        [(xy[i], xy[j]) for i, j in zip(upper.row, upper.col)], colors="0.8", linewidths=1.0,
        zorder=1))
    membership = [[] for _ in range(n)]
    for c, clique in enumerate(cliques):
        for v in clique:
            membership[v].append(c)
        points = xy[list(clique)]
        if len(clique) >= 3:  # a translucent face over the clique, corners in angular order
            centre = points.mean(axis=0)
            angles = np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0])
            ax.add_patch(Polygon(points[np.argsort(angles)], closed=True,
                                 facecolor=(*to_rgb(colours[c]), 0.18), edgecolor="none",
                                 zorder=1.5))
        if len(clique) >= 2:
            segments = [(xy[a], xy[b]) for i, a in enumerate(clique) for b in clique[i + 1:]]
            ax.add_collection(LineCollection(segments, colors=[colours[c]], linewidths=2.0,
                                             alpha=0.8, zorder=2))
    span = float(np.ptp(xy, axis=0).max()) if n > 1 else 0.0
    span = span if span > 0 else 1.0
    radius = span * min(0.045, 0.35 / math.sqrt(max(n, 1)))
    if n > 1:  # keep typical neighbours from overlapping, but stay visible
        gaps = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
        np.fill_diagonal(gaps, np.inf)
        radius = float(np.clip(0.4 * np.median(gaps.min(axis=1)), 0.012 * span, radius))
    for v in range(n):
        centre = xy[v]
        member_of = membership[v]
        if not member_of:
            ax.add_patch(Circle(centre, radius, facecolor="white", edgecolor=_GREY,
                                linewidth=0.8, zorder=3))
            continue
        share = 360.0 / len(member_of)
        for i, c in enumerate(member_of):
            ax.add_patch(Wedge(centre, radius, 90 + i * share, 90 + (i + 1) * share,
                               facecolor=colours[c], edgecolor="white", linewidth=0.5,
                               zorder=3))
        ax.add_patch(Circle(centre, radius, facecolor="none", edgecolor="0.2", linewidth=0.6,
                            zorder=4))
    pad = 2.5 * radius
    ax.set_xlim(xy[:, 0].min() - pad, xy[:, 0].max() + pad)
    ax.set_ylim(xy[:, 1].min() - pad, xy[:, 1].max() + pad)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(str(title))


def plot_cliques(graph, cliques, positions=None, *, ax=None, title=None):
    """Draw a graph with its cliques: every node a pie of the colours of its cliques.

    Seed 000's figure 4: "nodes with multiple colors belong to more than one clique". Each
    clique gets its own colour: its edges are drawn in it (and a clique of 3 or more gets a
    translucent face); each node is split into one wedge per clique it belongs to, in the order
    the cliques are given; nodes in no clique are white.

    Parameters
    ----------
    graph : array-like of shape (n_nodes, n_nodes), sparse matrix or networkx graph
        Read as :func:`latentlearn.cluster.maximal_cliques` reads it (symmetrised by "or").
    cliques : sequence of sequences of nodes
        E.g. from :func:`~latentlearn.cluster.cliques_of_size` or
        :func:`~latentlearn.cluster.maximal_cliques`.
    positions : array-like of shape (n_nodes, 2) or dict, optional
        Node coordinates (for a neighbour graph, the 2-D points themselves; for a networkx
        graph, a dict node -> (x, y) also works). Default: a spring layout with a fixed seed.
    ax : matplotlib Axes, optional
        Draw here instead of in a new figure.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ..cluster.cliques import adjacency_matrix

    A, nodes = adjacency_matrix(graph)
    xy = _layout(A, positions, nodes)
    members = _clique_indices(cliques, nodes, A.shape[0])
    fig, ax = figure_and_axes(ax, (5.0, 5.0))
    _draw_cliques(ax, A, xy, members, title)
    return fig


def plot_clique_sizes(graph, positions=None, *, sizes=(2, 3), fig=None):
    """Seed 000's figure 4: the cliques of each size in ``sizes``, one panel each, side by side.

    Parameters
    ----------
    graph : array-like of shape (n_nodes, n_nodes), sparse matrix or networkx graph
    positions : array-like of shape (n_nodes, 2) or dict, optional
        As in :func:`plot_cliques`; one layout is shared by all panels.
    sizes : sequence of int, default=(2, 3)
        Clique sizes, one panel each (found with :func:`~latentlearn.cluster.cliques_of_size`).
    fig : Figure or SubFigure, optional
        Draw into this instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ..cluster.cliques import adjacency_matrix, cliques_of_size

    sizes = list(sizes)
    if not sizes:
        raise ParameterError("sizes is empty; pass at least one clique size, e.g. (2, 3).")
    A, nodes = adjacency_matrix(graph)
    xy = _layout(A, positions, nodes)
    container = check_container(fig)
    if container is None:
        container = new_figure((4.2 * len(sizes), 4.4))
    axes = container.subplots(1, len(sizes), squeeze=False)[0]
    for ax, size in zip(axes, sizes):
        found = cliques_of_size(A, size)  # on the matrix: nodes are positions 0..n-1
        _draw_cliques(ax, A, xy, found, f"cliques with {size} members ({len(found)})")
    return root_figure(container)


# --------------------------------------------------------------------------- k-means steps
def _panel_letter(i):
    letters = string.ascii_uppercase
    return letters[i] if i < len(letters) else str(i + 1)


def _kmeans_panels(steps):
    """(kind, labels, centers, previous centers, objective) per panel: A init, B assign, C move,
    then one panel per later assign + move (the seed's D, E, F)."""
    s = list(steps.steps)
    panels = [("init", None, s[0].centers, None, s[0].objective)]
    if len(s) >= 3:
        panels.append(("assign", s[1].labels, s[1].centers, None, s[1].objective))
        panels.append(("move", s[2].labels, s[2].centers, s[1].centers, s[2].objective))
    for i in range(3, len(s) - 1, 2):  # (assign, move) pairs
        panels.append(("assign and move", s[i].labels, s[i + 1].centers, s[i].centers,
                       s[i + 1].objective))
    return panels


_TITLES = {"init": "initialise centroids", "assign": "assign points to clusters",
           "move": "move centroids", "assign and move": "assign and move"}


def plot_kmeans_steps(X, steps, *, max_panels=9, n_cols=3, resolution=200, fig=None,
                      cell_size=3.2):
    """Lloyd's algorithm as a sequence of panels over the Voronoi cells (seed 000, figure 5).

    A: the initial centroids. B: every point assigned to its nearest centroid. C: the centroids
    moved to their clusters' means (arrows). D, E, ...: assign and move again. The plane is
    shaded by nearest centroid on a ``resolution x resolution`` grid: these are the centroids'
    Voronoi cells, the regions the assignment step gives to each cluster. The last panel says
    whether nothing changed after it (convergence).

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        The 2-D points the steps were run on.
    steps : latentlearn.cluster.KMeansSteps
        From :func:`latentlearn.cluster.kmeans_steps` on ``X``.
    max_panels : int, default=9
        With more panels, the first ``max_panels - 1`` and the last are drawn.
    n_cols : int, default=3
        Panels per row.
    resolution : int, default=200
        Grid points per side for the Voronoi shading.
    fig : Figure or SubFigure, optional
        Draw into this instead of a new figure.
    cell_size : float, default=3.2
        Inches per panel in a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise DataError(f"plot_kmeans_steps draws 2-D points; X has shape {X.shape}. Project "
                        "the data to 2-D first (e.g. PCA(n_components=2)) and run kmeans_steps "
                        "there.")
    if not hasattr(steps, "steps") or not steps.steps:
        raise ParameterError("steps must be the record returned by kmeans_steps(X, ...).")
    first = steps.steps[0]
    if first.centers.shape[1] != 2 or (len(steps.steps) > 1
                                       and steps.steps[1].labels.shape[0] != X.shape[0]):
        raise DataError("steps were not recorded on this X (different dimension or number of "
                        "points); pass the X given to kmeans_steps.")
    for name, value, low in (("max_panels", max_panels, 2), ("n_cols", n_cols, 1),
                             ("resolution", resolution, 2)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
                or value < low:
            raise ParameterError(f"{name} must be an integer >= {low}; got {value!r}.")

    panels = _kmeans_panels(steps)
    letters = [_panel_letter(i) for i in range(len(panels))]
    if len(panels) > max_panels:
        keep = list(range(max_panels - 1)) + [len(panels) - 1]
        panels = [panels[i] for i in keep]
        letters = [letters[i] for i in keep]
    k = first.centers.shape[0]
    colours = _class_colours(k)
    every_centre = np.vstack([X] + [p[2] for p in panels])
    low, high = every_centre.min(axis=0), every_centre.max(axis=0)
    margin = 0.06 * np.maximum(high - low, 1e-12)
    low, high = low - margin, high + margin
    gx = np.linspace(low[0], high[0], resolution)
    gy = np.linspace(low[1], high[1], resolution)
    grid = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)  # (resolution^2, 2)
    cell_rgb = 0.65 * np.ones((k, 3)) + 0.35 * colours[:, :3]  # pale cluster colours

    n_cols = min(int(n_cols), len(panels))
    n_rows = math.ceil(len(panels) / n_cols)
    container = check_container(fig)
    if container is None:
        container = new_figure((cell_size * n_cols, cell_size * n_rows + 0.4))
    axes = container.subplots(n_rows, n_cols, squeeze=False)
    size = float(np.clip(3000.0 / max(X.shape[0], 1), 3.0, 30.0))
    for index, ax in enumerate(axes.ravel()):
        if index >= len(panels):
            ax.set_visible(False)
            continue
        kind, labels, centers, previous, objective = panels[index]
        d2 = ((grid[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
        cells = np.argmin(d2, axis=1).reshape(resolution, resolution)
        ax.imshow(cell_rgb[cells], origin="lower", extent=(low[0], high[0], low[1], high[1]),
                  interpolation="nearest", aspect="auto", zorder=0)
        point_colours = np.full((X.shape[0], 3), 0.35) if labels is None else colours[labels, :3]
        ax.scatter(X[:, 0], X[:, 1], s=size, c=point_colours, linewidths=0, zorder=2)
        if previous is not None:
            for a, b in zip(previous, centers):
                if np.any(a != b):
                    ax.annotate("", xy=b, xytext=a, zorder=3,
                                arrowprops=dict(arrowstyle="->", color="black", lw=1.2))
        ax.scatter(centers[:, 0], centers[:, 1], s=140, c=colours[:, :3], marker="X",
                   edgecolors="black", linewidths=1.2, zorder=4)
        title = f"{letters[index]}: {_TITLES[kind]}"
        if index == len(panels) - 1 and len(panels) > 1:
            title += "\n(no change after this: converged)" if steps.converged else \
                "\n(stopped: max_iter reached)"
        ax.set_title(title, fontsize="medium")
        if np.isfinite(objective):
            ax.text(0.02, 0.02, f"J = {objective:.4g}", transform=ax.transAxes,
                    fontsize="small", va="bottom", ha="left",
                    bbox=dict(facecolor="white", alpha=0.7, edgecolor="none", pad=1.5))
        ax.set_xlim(low[0], high[0])
        ax.set_ylim(low[1], high[1])
        ax.set_xticks([])
        ax.set_yticks([])
    return root_figure(container)
