"""Clustering pictures: the dendrogram, cliques, and k-means step by step.

* :func:`plot_dendrogram`: the agglomerative merge tree, cut into clusters (cutting the tree at
  different heights gives different clusterings; Hastie, Tibshirani & Friedman 2009, The
  Elements of Statistical Learning, 14.3.12), truncated to its last merges for large ``n``.
* :func:`plot_cliques` / :func:`plot_clique_sizes`: a graph with each node drawn as a pie of the
  colours of every clique it belongs to (e.g. the cliques with 2 and with 3 members).
* :func:`plot_kmeans_steps`: Lloyd's algorithm (Lloyd 1982) as a sequence of panels, the plane
  shaded by nearest centroid, i.e. by Voronoi cell (initialise, assign, move, until no change).

Arrays in, figures out: the cut of the tree, the adjacency matrix and the cliques are computed
by :mod:`latentlearn.cluster` (``cut_linkage``, ``adjacency_matrix``, ``cliques_of_size``) and
passed in. Cluster ``j`` is drawn in the ``j``-th colour of
:func:`~latentlearn.plots.plot_embedding`'s palette, so these figures match a scatter plot of
the same labels.
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
from ._common import check_container, class_colours, figure_and_axes, new_figure, root_figure

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


def _cut_nodes(Z, clusters):
    """Cluster of every node of the tree (-1 above the cut) and the number of clusters, after
    checking that ``clusters`` is a cut of ``Z``: its first ``n - k`` merges join samples of one
    cluster."""
    n = Z.shape[0] + 1
    cluster = np.asarray(clusters)
    if cluster.shape != (n,) or cluster.dtype.kind not in "iu":
        raise DataError(f"clusters must be {n} integer labels, one per sample (e.g. "
                        f"cut_linkage(Z, n_clusters=k)); got shape {cluster.shape}, dtype "
                        f"{cluster.dtype}.")
    k = int(cluster.max()) + 1
    if cluster.min() < 0 or np.unique(cluster).size != k:
        raise DataError("clusters must number the clusters 0 .. k-1, each used; pass "
                        "cut_linkage(Z, ...).")
    node_cluster = np.full(2 * n - 1, -1, dtype=np.intp)  # -1: above the cut
    node_cluster[:n] = cluster
    for m in range(n - k):  # merges below the cut stay inside one cluster
        a, b = node_cluster[int(Z[m, 0])], node_cluster[int(Z[m, 1])]
        if a != b:
            raise DataError(f"clusters is not a cut of this tree: merge {m} joins clusters {a} "
                            f"and {b} below the cut into {k}; pass cut_linkage(Z, ...).")
        node_cluster[n + m] = a
    return node_cluster, k


def plot_dendrogram(linkage_matrix, *, clusters=None, cut_height=None, max_leaves=30,
                    labels=None, ax=None, title=None):
    """Draw an agglomerative merge tree, optionally cut into clusters.

    Each joint is a merge drawn at its linkage distance. With a cut (``clusters``), a dashed
    line marks it and the branches below are coloured by cluster (cluster ``j`` in the ``j``-th
    colour); the merges above are black.

    Parameters
    ----------
    linkage_matrix : array-like of shape (n_samples - 1, 4)
        A SciPy linkage matrix, e.g. ``AgglomerativeClustering(...).fit(X).linkage_matrix_``.
    clusters : array-like of int of shape (n_samples,), optional
        The tree cut into ``k`` clusters, labels ``0 .. k-1``: the first ``n_samples - k``
        merges joined, the rest undone, e.g. ``cut_linkage(Z, n_clusters=k)`` or
        ``cut_linkage(Z, distance_threshold=t)`` (:func:`latentlearn.cluster.cut_linkage`).
    cut_height : float, optional
        Height of the dashed line (e.g. the ``distance_threshold`` the tree was cut at).
        Default: midway between the last merge kept and the first one undone.
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

    Z = np.asarray(linkage_matrix, dtype=np.float64)
    try:
        hierarchy.is_valid_linkage(Z, throw=True, name="linkage_matrix")
    except (ValueError, TypeError) as exc:
        raise DataError(f"linkage_matrix is not a SciPy linkage matrix: {exc}") from exc
    if isinstance(max_leaves, (bool, np.bool_)) or not isinstance(max_leaves, numbers.Integral) \
            or max_leaves < 2:
        raise ParameterError(f"max_leaves must be an integer >= 2; got {max_leaves!r}.")
    if cut_height is not None and clusters is None:
        raise ParameterError("cut_height marks the cut of given clusters; pass "
                             "clusters=cut_linkage(Z, ...) too.")
    n = Z.shape[0] + 1
    heights = Z[:, 2]
    fig, ax = figure_and_axes(ax, (8.0, 4.0))

    link_colour = None
    if clusters is not None:
        node_cluster, k = _cut_nodes(Z, clusters)
        colours = [to_hex(c) for c in class_colours(k)]

        def link_colour(node_id):
            c = node_cluster[node_id]
            return colours[c] if c >= 0 else _ABOVE_CUT

        if cut_height is None:
            cut_height = _cut_position(heights, n - k)
        elif isinstance(cut_height, (bool, np.bool_)) or not isinstance(
                cut_height, numbers.Real) or not math.isfinite(cut_height):
            raise ParameterError(f"cut_height must be a finite number; got {cut_height!r}.")

    truncate = n > max_leaves
    hierarchy.dendrogram(
        Z, ax=ax, truncate_mode="lastp" if truncate else None, p=int(max_leaves),
        link_color_func=link_colour, color_threshold=0 if link_colour is None else None,
        above_threshold_color=_ABOVE_CUT if link_colour is not None else "tab:blue",
        labels=None if truncate or labels is None else list(labels),
        no_labels=not truncate and labels is None and n > 60,
        leaf_rotation=90, leaf_font_size=8)
    if link_colour is not None and cut_height is not None:
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
def _adjacency(adjacency):
    """The symmetric adjacency matrix as a boolean CSR array (edges: non-zero entries)."""
    from scipy import sparse

    if not sparse.issparse(adjacency):
        M = np.asarray(adjacency)
        if M.dtype.kind not in "biuf":
            raise DataError("adjacency must be a square matrix (array or sparse) of the graph; "
                            "read a networkx or neighbour graph with "
                            "latentlearn.cluster.cliques.adjacency_matrix first.")
        adjacency = M
    A = sparse.csr_array(adjacency)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise DataError(f"adjacency must be square, (n_nodes, n_nodes); got shape {A.shape}.")
    A = (A != 0).astype(bool)
    if (A != A.T).nnz:
        raise DataError("adjacency is not symmetric; the cliques of a directed graph (e.g. a "
                        "k-nearest-neighbour graph) are those of its 'or' symmetrisation: read "
                        "it with latentlearn.cluster.cliques.adjacency_matrix first.")
    return A


def _layout(A, positions, nodes):
    """Node positions (n, 2): given ones (array, or dict keyed by ``nodes``), or a fixed
    spring layout (Fruchterman & Reingold 1991, networkx's ``spring_layout`` with seed 0)."""
    n = A.shape[0]
    if positions is None:
        import networkx as nx
        from scipy import sparse

        layout = nx.spring_layout(nx.from_scipy_sparse_array(sparse.triu(A, k=1)), seed=0)
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
    colours = class_colours(max(len(cliques), 1))
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


def plot_cliques(adjacency, cliques, positions=None, *, nodes=None, ax=None, title=None):
    """Draw a graph with its cliques: every node a pie of the colours of its cliques.

    Nodes with several colours belong to more than one clique. Each clique gets its own colour:
    its edges are drawn in it (and a clique of 3 or more gets a translucent face); each node is
    split into one wedge per clique it belongs to, in the order the cliques are given; nodes in
    no clique are white.

    Parameters
    ----------
    adjacency : array-like or sparse matrix of shape (n_nodes, n_nodes)
        The symmetric adjacency matrix (edges: non-zero entries off the diagonal), as returned
        by :func:`latentlearn.cluster.cliques.adjacency_matrix`, which reads networkx graphs
        and (directed) neighbour graphs.
    cliques : sequence of sequences of nodes
        Node indices ``0 .. n_nodes-1`` (or labels in ``nodes``), e.g. from
        :func:`~latentlearn.cluster.cliques_of_size` or
        :func:`~latentlearn.cluster.maximal_cliques`.
    positions : array-like of shape (n_nodes, 2) or dict, optional
        Node coordinates (for a neighbour graph, the 2-D points themselves; a dict maps each
        node of ``nodes`` to (x, y)). Default: a spring layout with a fixed seed.
    nodes : sequence, optional
        The label of each row of ``adjacency`` (the ``nodes`` that ``adjacency_matrix`` returns
        for a networkx graph), when ``cliques`` and ``positions`` name nodes by label.
    ax : matplotlib Axes, optional
        Draw here instead of in a new figure.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    A = _adjacency(adjacency)
    nodes = None if nodes is None else list(nodes)
    xy = _layout(A, positions, nodes)
    members = _clique_indices(cliques, nodes, A.shape[0])
    fig, ax = figure_and_axes(ax, (5.0, 5.0))
    _draw_cliques(ax, A, xy, members, title)
    return fig


def plot_clique_sizes(adjacency, cliques, positions=None, *, nodes=None, fig=None):
    """The cliques of each size, one panel per size, side by side (one shared layout).

    Parameters
    ----------
    adjacency : array-like or sparse matrix of shape (n_nodes, n_nodes)
        As in :func:`plot_cliques`.
    cliques : dict of int -> sequence of cliques
        The cliques of each size, e.g. ``{k: cliques_of_size(A, k) for k in (2, 3)}``
        (:func:`~latentlearn.cluster.cliques_of_size`); one panel per entry, in its order.
    positions : array-like of shape (n_nodes, 2) or dict, optional
        As in :func:`plot_cliques`; one layout is shared by all panels.
    nodes : sequence, optional
        As in :func:`plot_cliques`.
    fig : Figure or SubFigure, optional
        Draw into this instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(cliques, dict):
        raise ParameterError(f"cliques must be a dict, clique size -> its cliques (e.g. "
                             f"{{2: cliques_of_size(A, 2)}}); got {type(cliques).__name__}.")
    if not cliques:
        raise ParameterError("cliques is empty; pass at least one clique size, e.g. "
                             "{2: cliques_of_size(A, 2), 3: cliques_of_size(A, 3)}.")
    A = _adjacency(adjacency)
    nodes = None if nodes is None else list(nodes)
    xy = _layout(A, positions, nodes)
    container = check_container(fig)
    if container is None:
        container = new_figure((4.2 * len(cliques), 4.4))
    axes = container.subplots(1, len(cliques), squeeze=False)[0]
    for ax, (size, found) in zip(axes, cliques.items()):
        members = _clique_indices(found, nodes, A.shape[0])
        _draw_cliques(ax, A, xy, members, f"cliques with {size} members ({len(members)})")
    return root_figure(container)


# --------------------------------------------------------------------------- k-means steps
def _panel_letter(i):
    letters = string.ascii_uppercase
    return letters[i] if i < len(letters) else str(i + 1)


def _kmeans_panels(steps):
    """(kind, labels, centers, previous centers, objective) per panel: A init, B assign, C move,
    then one panel per later assign + move (D, E, F, ...)."""
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
    """Lloyd's algorithm (Lloyd 1982) as a sequence of panels over the Voronoi cells.

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
    colours = class_colours(k)
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
