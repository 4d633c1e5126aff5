"""Neighbourhood graphs as sparse CSR matrices, and the connectivity check.

Step 1 of every graph method, "construct the neighbourhood graph" (Tenenbaum et al. 2000,
Isomap; Belkin & Niyogi 2003, Laplacian eigenmaps). Two rules:

* epsilon-neighbourhood: ``i ~ j`` iff ``||x_i - x_j|| <= epsilon``;
* k nearest neighbours, directed (``i -> j`` iff ``j`` is among the ``k`` nearest of ``i``),
  symmetric (``i -> j`` or ``j -> i``) or mutual (``i -> j`` and ``j -> i``).

Edge weights are the distance itself, binary (1 per edge), or the heat kernel
``W_ij = exp(-||x_i - x_j||^2 / (2 sigma^2))`` (Belkin & Niyogi 2003, "Laplacian eigenmaps"),
with ``sigma`` given or, by default, the median edge length.

The graphs stay sparse: ``n_samples * k`` stored entries, never a dense ``n x n`` matrix.
Explicit zero entries (duplicate points at distance 0) are kept as edges.
"""

from __future__ import annotations

import logging
import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph
from sklearn.neighbors import NearestNeighbors

from ..base import check_random_state
from ..exceptions import DataError, ParameterError
from .distances import (
    approximate_supports,
    check_input,
    check_metric,
    check_sparse_metric,
    is_precomputed,
    nearest_neighbors,
)

__all__ = [
    "DisconnectedGraphError",
    "neighborhood_graph",
    "kneighbors_graph",
    "epsilon_graph",
    "heat_kernel_weights",
    "check_connected",
    "symmetrize_graph",
    "add_edges",
    "connecting_edges",
    "ensure_connected",
]

logger = logging.getLogger(__name__)

#: ``algorithm="auto"`` uses pynndescent above this many samples when the data also have more
#: than ``_APPROX_MIN_FEATURES`` features; below, trees or brute force in scikit-learn are
#: exact and fast (a kd-tree on 3-D data finds 50,000 x 10 neighbours in well under a second).
_APPROX_MIN_SAMPLES = 50_000
_APPROX_MIN_FEATURES = 15

_SYMMETRIZE = ("symmetric", "mutual", "average", "none")


class DisconnectedGraphError(DataError):
    """A neighbourhood graph with more than one connected component."""


def _check_choice(name, value, allowed):
    if value not in allowed:
        raise ParameterError(f"{name}={value!r} is not allowed; it must be one of "
                             + ", ".join(repr(a) for a in allowed) + ".")


def _check_int(name, value, minimum):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral) or value < minimum:
        raise ParameterError(f"{name}={value!r} must be an int >= {minimum}.")
    return int(value)


def _from_edges(rows, cols, values, n):
    """CSR from edge lists, keeping one entry per (row, col) and explicit zeros."""
    keys = rows.astype(np.int64) * n + cols
    keys, first = np.unique(keys, return_index=True)
    G = sparse.csr_matrix((values[first], (keys // n, keys % n)), shape=(n, n))
    G.sort_indices()
    return G


def symmetrize_graph(G, mode="symmetric"):
    """Make a directed graph undirected.

    Parameters
    ----------
    G : sparse matrix of shape (n_samples, n_samples)
        Edge ``i -> j`` stored at ``G[i, j]``; the value (a distance or weight) is assumed to be
        the same both ways, as it is for a metric.
    mode : {"symmetric", "mutual", "average", "none"}
        ``"symmetric"``: keep ``i - j`` if ``i -> j`` or ``j -> i``; ``"mutual"``: only if both;
        ``"average"``: ``(G + G^T) / 2``, so a one-way edge keeps half its value (scikit-learn's
        ``SpectralEmbedding`` affinity); ``"none"``: return ``G`` unchanged (as CSR).

    Returns
    -------
    G_sym : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
    """
    _check_choice("symmetrize", mode, _SYMMETRIZE)
    G = sparse.csr_matrix(G)
    if mode == "none":
        return G
    if mode == "average":
        return sparse.csr_matrix(0.5 * (G + G.T))
    n = G.shape[0]
    coo = G.tocoo()
    rows, cols, vals = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data
    if mode == "symmetric":
        return _from_edges(np.concatenate([rows, cols]), np.concatenate([cols, rows]),
                           np.concatenate([vals, vals]), n)
    forward = rows * n + cols
    backward = cols * n + rows
    keep = np.isin(forward, backward)
    return _from_edges(rows[keep], cols[keep], vals[keep], n)


def _kneighbors(X, n_neighbors, *, algorithm, metric, random_state):
    """Indices and distances of the ``n_neighbors`` nearest other points, (n, k) each."""
    n, d = X.shape
    if algorithm == "auto":
        big = n >= _APPROX_MIN_SAMPLES and (d > _APPROX_MIN_FEATURES or sparse.issparse(X))
        algorithm = ("approximate" if big and approximate_supports(
            metric, sparse_input=sparse.issparse(X)) else "exact")
    seed = None
    if algorithm == "approximate" and not is_precomputed(metric):
        seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    return nearest_neighbors(X, n_neighbors, metric=metric, algorithm=algorithm, seed=seed,
                             whom="kneighbors_graph")


def kneighbors_graph(X, n_neighbors=10, *, symmetrize="symmetric", algorithm="auto",
                     metric="euclidean", random_state=None):
    """The k-nearest-neighbour graph of ``X``, edge values the distances.

    Parameters
    ----------
    X : array-like or sparse (CSR) matrix of shape (n_samples, n_features)
        Data (sparse data are searched without densifying, for the metrics of
        :data:`~latentlearn.neighbors.distances.SPARSE_EXACT_METRICS` exactly, or any
        pynndescent metric approximately), or with ``metric="precomputed"`` a dense
        ``(n, n)`` distance matrix or a sparse distance graph (each row's ``n_neighbors``
        smallest stored entries are kept).
    n_neighbors : int, default=10
        ``k``, not counting the point itself; at most ``n_samples - 1``.
    symmetrize : {"symmetric", "mutual", "average", "none"}, default="symmetric"
        ``"none"`` keeps the directed graph (``k`` edges per row).
    algorithm : {"auto", "exact", "approximate"}, default="auto"
        ``"exact"``: scikit-learn's ``NearestNeighbors``; ``"approximate"``: pynndescent's
        nearest-neighbour descent. ``"auto"`` is approximate from 50,000 samples with more than
        15 features (or sparse), exact otherwise; it stays exact for a metric pynndescent
        does not know.
    metric : str or callable, default="euclidean"
        Any metric of scipy or scikit-learn, a callable ``f(u, v) -> float``, or
        ``"precomputed"`` (:mod:`latentlearn.neighbors.distances`).
    random_state : None, int or RandomState
        Seeds pynndescent.

    Returns
    -------
    G : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        ``G[i, j]`` is ``d(x_i, x_j)`` for each edge.
    """
    _check_choice("symmetrize", symmetrize, _SYMMETRIZE)
    _check_choice("algorithm", algorithm, ("auto", "exact", "approximate"))
    metric = check_metric(metric, whom="kneighbors_graph")
    n_neighbors = _check_int("n_neighbors", n_neighbors, 1)
    X = check_input(X, metric, whom="kneighbors_graph", min_neighbors=n_neighbors,
                    neighbors_reason=f"n_neighbors={n_neighbors}")
    n = X.shape[0]
    if n_neighbors >= n:
        raise ParameterError(
            f"n_neighbors={n_neighbors} must be smaller than n_samples={n}; lower n_neighbors "
            "or pass more samples.")
    if is_precomputed(metric) and algorithm == "approximate":
        algorithm = "exact"
    ind, dist = _kneighbors(X, n_neighbors, algorithm=algorithm, metric=metric,
                            random_state=random_state)
    rows = np.repeat(np.arange(n, dtype=np.int64), n_neighbors)
    G = _from_edges(rows, ind.ravel().astype(np.int64), dist.ravel(), n)
    return symmetrize_graph(G, symmetrize)


def epsilon_graph(X, radius, *, metric="euclidean"):
    """The epsilon-neighbourhood graph: ``i - j`` iff ``d(x_i, x_j) <= radius`` (``i != j``).

    Parameters
    ----------
    X : array-like or sparse (CSR) matrix of shape (n_samples, n_features)
        Or pairwise distances of shape (n_samples, n_samples) when ``metric="precomputed"``:
        dense, or a sparse distance graph whose stored entries within ``radius`` are kept.
    radius : float > 0
        ``epsilon``.
    metric : str or callable, default="euclidean"
        As in :func:`kneighbors_graph`.

    Returns
    -------
    G : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        Symmetric; ``G[i, j]`` is the distance for each edge.
    """
    if isinstance(radius, (bool, np.bool_)) or not isinstance(radius, Real) or not radius > 0:
        raise ParameterError(f"radius={radius!r} must be a positive number.")
    metric = check_metric(metric, whom="epsilon_graph")
    X = check_input(X, metric, whom="epsilon_graph")
    n = X.shape[0]
    if is_precomputed(metric) and sparse.issparse(X):
        coo = X.tocoo()
        keep = (coo.data <= radius) & (coo.row != coo.col)
        G = _from_edges(coo.row[keep].astype(np.int64), coo.col[keep].astype(np.int64),
                        coo.data[keep], n)
        return symmetrize_graph(G, "symmetric")
    if sparse.issparse(X):
        check_sparse_metric(X, metric, "epsilon_graph")
    nn = NearestNeighbors(radius=float(radius), metric=metric).fit(X)
    dist, ind = nn.radius_neighbors(sort_results=False)
    counts = np.array([len(i) for i in ind], dtype=np.int64)
    rows = np.repeat(np.arange(n, dtype=np.int64), counts)
    cols = np.concatenate(ind).astype(np.int64) if n else np.zeros(0, np.int64)
    vals = np.concatenate(dist).astype(np.float64) if n else np.zeros(0)
    return symmetrize_graph(_from_edges(rows, cols, vals, n), "symmetric")


def heat_kernel_weights(G, sigma=None):
    """Heat-kernel weights ``W_ij = exp(-d_ij^2 / (2 sigma^2))`` on the edges of a distance graph.

    Belkin & Niyogi (2003), "Laplacian eigenmaps", step 2.

    Parameters
    ----------
    G : sparse matrix of shape (n_samples, n_samples)
        Edge distances.
    sigma : float > 0 or None, default=None
        Kernel width; ``None`` takes the median edge distance (or 1 if every edge has length 0).

    Returns
    -------
    W : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        Same sparsity pattern as ``G`` (explicit zeros become weight 1).
    """
    G = sparse.csr_matrix(G, dtype=np.float64, copy=True)
    if sigma is None:
        sigma = float(np.median(G.data)) if G.nnz else 1.0
        if sigma <= 0:
            sigma = 1.0
    elif isinstance(sigma, (bool, np.bool_)) or not isinstance(sigma, Real) or not sigma > 0:
        raise ParameterError(f"sigma={sigma!r} must be a positive number or None.")
    G.data = np.exp(-(G.data ** 2) / (2.0 * float(sigma) ** 2))
    return G


def neighborhood_graph(X, *, kind="knn", n_neighbors=10, radius=None, symmetrize="symmetric",
                       weights="distance", sigma=None, algorithm="auto", metric="euclidean",
                       random_state=None):
    """A neighbourhood graph of ``X`` with the chosen rule and edge weights (step 1 of Isomap,
    Tenenbaum et al. 2000, and of Laplacian eigenmaps, Belkin & Niyogi 2003).

    Parameters
    ----------
    X : array-like or sparse (CSR) matrix of shape (n_samples, n_features)
        Data; with ``metric="precomputed"``, a dense distance matrix or a sparse graph of edge
        distances, which is reused as the graph (only symmetrized and re-weighted).
    kind : {"knn", "epsilon"}, default="knn"
    n_neighbors : int, default=10
        ``k`` for ``kind="knn"``.
    radius : float or None
        ``epsilon`` for ``kind="epsilon"`` (required there).
    symmetrize : {"symmetric", "mutual", "average", "none"}, default="symmetric"
    weights : {"distance", "binary", "heat"}, default="distance"
        Edge values: the distance, 1, or ``exp(-d^2 / (2 sigma^2))``.
    sigma : float or None
        Heat-kernel width; ``None``: the median edge length.
    algorithm : {"auto", "exact", "approximate"}, default="auto"
    metric : str or callable, default="euclidean"
        As in :func:`kneighbors_graph`.
    random_state : None, int or RandomState

    Returns
    -------
    G : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
    """
    _check_choice("kind", kind, ("knn", "epsilon"))
    _check_choice("weights", weights, ("distance", "binary", "heat"))
    _check_choice("symmetrize", symmetrize, _SYMMETRIZE)
    # Weights first, then symmetrize: "average" halves a one-way edge's weight, not its length.
    metric = check_metric(metric, whom="neighborhood_graph")
    if is_precomputed(metric) and sparse.issparse(X):
        G = check_input(X, metric, whom="neighborhood_graph")
    elif kind == "knn":
        G = kneighbors_graph(X, n_neighbors, symmetrize="none", algorithm=algorithm,
                             metric=metric, random_state=random_state)
    else:
        if radius is None:
            raise ParameterError("kind='epsilon' needs radius=<epsilon>, e.g. radius=0.5.")
        G = epsilon_graph(X, radius, metric=metric)
    if weights == "binary":
        G = G.copy()
        G.data = np.ones_like(G.data)
    elif weights == "heat":
        G = heat_kernel_weights(G, sigma)
    return symmetrize_graph(G, symmetrize)


def check_connected(G, *, n_neighbors=None, what="the neighbourhood graph"):
    """Raise a clear error when the undirected graph ``G`` is not connected.

    Parameters
    ----------
    G : sparse matrix of shape (n_samples, n_samples)
    n_neighbors : int or None
        Quoted in the message's remedy.
    what : str
        How to name the graph in the message.

    Returns
    -------
    n_components : int
        Always 1 (the function raises otherwise).

    Raises
    ------
    DisconnectedGraphError
        Naming the number of components and the remedy.
    """
    n_components, labels = csgraph.connected_components(G, directed=True, connection="weak")
    if n_components > 1:
        sizes = np.bincount(labels)
        now = f" (now {n_neighbors})" if n_neighbors is not None else ""
        raise DisconnectedGraphError(
            f"{what} has {n_components} connected components (sizes "
            f"{', '.join(map(str, sorted(sizes, reverse=True)[:5]))}"
            f"{', ...' if n_components > 5 else ''}); raise n_neighbors{now}, or embed each "
            "component separately (scipy.sparse.csgraph.connected_components labels them)."
        )
    return n_components


def add_edges(G, edges, length=None):
    """Add undirected edges to a distance graph, e.g. the short-circuit edges that break Isomap
    (Balasubramanian & Schwartz 2002, a comment on Tenenbaum et al. 2000).

    Parameters
    ----------
    G : sparse matrix of shape (n_samples, n_samples)
        Edge lengths of a symmetric neighbourhood graph.
    edges : array-like of int of shape (n_edges, 2)
        Sample index pairs to join.
    length : float, array-like of shape (n_edges,) or None, default=None
        Their lengths. ``None`` gives each the median edge length of ``G``: a neighbour-like
        length. (Between points of a convex set, an edge of Euclidean length changes no shortest
        path, so a "shortcut" must be given a short length to be one.)

    Returns
    -------
    G_new : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
    """
    G = sparse.csr_matrix(G, dtype=np.float64)
    n = G.shape[0]
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    if len(edges) == 0:
        return G.copy()
    if edges.min() < 0 or edges.max() >= n or np.any(edges[:, 0] == edges[:, 1]):
        raise DataError(f"edges must be pairs of two different sample indices in [0, {n}); "
                        f"got {edges.tolist()}.")
    if length is None:
        length = float(np.median(G.data)) if G.nnz else 1.0
    length = np.broadcast_to(np.asarray(length, dtype=np.float64), (len(edges),))
    coo = G.tocoo()
    rows = np.concatenate([coo.row, edges[:, 1], edges[:, 0]]).astype(np.int64)
    cols = np.concatenate([coo.col, edges[:, 0], edges[:, 1]]).astype(np.int64)
    vals = np.concatenate([coo.data, length, length])
    # The added edges come last, and _from_edges keeps the first entry of a (row, col) key:
    # put them first so that they replace existing ones.
    k = 2 * len(edges)
    rows, cols, vals = (np.roll(a, k) for a in (rows, cols, vals))
    return _from_edges(rows, cols, vals, n)


def connecting_edges(G, X, *, metric="euclidean"):
    """Edges that join the connected components of ``G``: the nearest pair between each two.

    As scikit-learn's Isomap does when its graph falls apart: for every pair of components,
    the two samples (one in each) closest in ``X``. Costs ``O(n^2 d)`` in chunks, without an
    ``n x n`` matrix.

    Parameters
    ----------
    G : sparse matrix of shape (n_samples, n_samples)
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Or, with ``metric="precomputed"``, the dense ``(n, n)`` distance matrix (a sparse graph
        holds no distance between its components: that raises).
    metric : str or callable, default="euclidean"

    Returns
    -------
    edges : ndarray of int of shape (n_new, 2)
    lengths : ndarray of shape (n_new,)
    """
    from sklearn.metrics import pairwise_distances_argmin_min

    n_components, labels = csgraph.connected_components(G, directed=True, connection="weak")
    if is_precomputed(metric):
        if sparse.issparse(X):
            raise DisconnectedGraphError(
                f"the precomputed neighbour graph has {n_components} connected components, and "
                "a sparse graph stores no distance to join them; build it with more "
                "neighbours, or pass the dense distance matrix.")


    def nearest(members_a, members_b):
        """For each member of a, its nearest member of b and the distance."""
        if is_precomputed(metric):
            block = np.asarray(X[np.ix_(members_a, members_b)])
            j = np.argmin(block, axis=1)
            return j, block[np.arange(len(members_a)), j]
        return pairwise_distances_argmin_min(X[members_a], X[members_b], metric=metric)

    edges, lengths = [], []
    for a in range(n_components):
        members_a = np.flatnonzero(labels == a)
        for b in range(a + 1, n_components):
            members_b = np.flatnonzero(labels == b)
            near, dist = nearest(members_a, members_b)
            best = int(np.argmin(dist))
            edges.append((members_a[best], members_b[near[best]]))
            lengths.append(float(dist[best]))
    return np.array(edges, dtype=np.int64).reshape(-1, 2), np.array(lengths)


def ensure_connected(G, X, *, on_disconnected="connect", n_neighbors=None, metric="euclidean",
                     length=None):
    """``G`` itself if connected; else raise, or warn and join the components.

    Parameters
    ----------
    G : sparse matrix of shape (n_samples, n_samples)
    X : ndarray of shape (n_samples, n_features)
        The data, to find the nearest pairs between components.
    on_disconnected : {"connect", "raise"}, default="connect"
        ``"raise"``: :class:`DisconnectedGraphError`. ``"connect"``: a ``UserWarning`` with the
        same message, and the nearest pair between every two components joined by an edge.
    n_neighbors : int or None
        Quoted in the message.
    metric : str
    length : float or None
        Value stored on the new edges; ``None``: their distance in ``X``.

    Returns
    -------
    G : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
    """
    try:
        check_connected(G, n_neighbors=n_neighbors)
        return sparse.csr_matrix(G)
    except DisconnectedGraphError as error:
        if on_disconnected == "raise":
            raise
        warnings.warn(f"{error} Joining the components by their nearest pairs of samples.",
                      UserWarning, stacklevel=3)
    edges, lengths = connecting_edges(G, X, metric=metric)
    return add_edges(G, edges, lengths if length is None else length)
