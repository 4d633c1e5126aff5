"""Distance metrics of the neighbourhood methods: one validation, one neighbour search.

Every method that starts from "the neighbours of each point" (t-SNE, van der Maaten & Hinton
2008; SNE, Hinton & Roweis 2002; Isomap, Tenenbaum et al. 2000; Laplacian eigenmaps, Belkin &
Niyogi 2003; LLE, Roweis & Saul 2000; MDS; spectral clustering, Ng et al. 2002; the graph
builders and the neighbourhood-preservation scores of Venna & Kaski 2001) takes the same
``metric=`` through this module:

* a name scipy (:func:`scipy.spatial.distance.cdist`) or scikit-learn
  (:func:`sklearn.metrics.pairwise_distances`) knows: ``"euclidean"``, ``"cosine"``,
  ``"manhattan"``, ``"correlation"``, ``"chebyshev"``, ``"minkowski"``, ...;
* a callable ``f(u, v) -> float`` on two rows (slow: called once per pair);
* ``"precomputed"``: ``X`` is a dense ``(n, n)`` matrix of distances, or a sparse
  k-nearest-neighbour distance graph (CSR; each row's stored entries are its candidate
  neighbours, as :func:`sklearn.neighbors.kneighbors_graph` with ``mode="distance"`` makes it).

:func:`check_metric` validates the name (an unknown one lists the known ones and the closest
matches), :func:`check_precomputed` validates a precomputed matrix (naming the first offending
row), and :func:`nearest_neighbors` finds the ``k`` nearest other points of every sample:
exactly (scikit-learn's :class:`~sklearn.neighbors.NearestNeighbors`, which takes CSR for the
Euclidean, cosine and Manhattan metrics), approximately (pynndescent, Dong et al. 2011,
"Efficient k-nearest neighbor graph construction for generic similarity measures", dense or
CSR, with its own list of metrics), or from a precomputed matrix or graph.
"""

from __future__ import annotations

import difflib

import numpy as np
from scipy import sparse

from ..exceptions import DataError, ParameterError

__all__ = [
    "KNOWN_METRICS",
    "SPARSE_EXACT_METRICS",
    "check_metric",
    "check_precomputed",
    "check_input",
    "nearest_neighbors",
    "pairwise_distances",
    "approximate_supports",
    "is_precomputed",
    "takes_sparse",
    "check_sparse_metric",
]

#: Metric names of scipy.spatial.distance.cdist (its documented list) that scikit-learn's
#: pairwise_distances also takes by name; scipy's ``jensenshannon`` is passed as the callable
#: ``scipy.spatial.distance.jensenshannon``.
_SCIPY_METRICS = (
    "braycurtis", "canberra", "chebyshev", "cityblock", "correlation", "cosine", "dice",
    "euclidean", "hamming", "jaccard", "mahalanobis", "matching",
    "minkowski", "rogerstanimoto", "russellrao", "seuclidean", "sokalsneath", "sqeuclidean",
    "yule",
)
#: Names scikit-learn's pairwise_distances adds (aliases and its own metrics).
_SKLEARN_METRICS = ("l1", "l2", "manhattan", "nan_euclidean", "haversine")

#: Every name ``metric=`` accepts (besides a callable).
KNOWN_METRICS = tuple(sorted(set(_SCIPY_METRICS + _SKLEARN_METRICS))) + ("precomputed",)

#: pynndescent's metric names (its ``named_distances`` and ``sparse_named_distances``, 0.5 to
#: 0.7), listed here because importing pynndescent costs its numba start-up.
_PYNNDESCENT_SPARSE_METRICS = (
    "braycurtis", "canberra", "chebyshev", "correlation", "cosine", "dice", "euclidean",
    "hamming", "hellinger", "jaccard", "jensen-shannon", "jensen_shannon", "kulsinski", "l1",
    "l2", "linf", "linfinity", "linfty", "manhattan", "matching", "minkowski",
    "rogerstanimoto", "russellrao", "sokalmichener", "sokalsneath", "sqeuclidean", "taxicab",
)
_PYNNDESCENT_METRICS = _PYNNDESCENT_SPARSE_METRICS + (
    "haversine", "mahalanobis", "seuclidean", "spearmanr", "standardised_euclidean", "yule",
    "wminkowski", "weighted_minkowski",
)

#: Metrics scikit-learn's exact neighbour search takes on sparse (CSR) input.
SPARSE_EXACT_METRICS = ("cityblock", "cosine", "euclidean", "l1", "l2", "manhattan")


def takes_sparse(metric):
    """Whether the exact search takes CSR input with ``metric`` (or a sparse precomputed graph);
    what an estimator's ``input_tags.sparse`` says."""
    return is_precomputed(metric) or (isinstance(metric, str) and metric in SPARSE_EXACT_METRICS)


def is_precomputed(metric):
    """True when ``metric`` is the string ``"precomputed"``."""
    return isinstance(metric, str) and metric == "precomputed"


def check_input(X, metric, *, whom, symmetric=False, symmetric_reason="", min_neighbors=None,
                neighbors_reason="", allow_sparse=True):
    """``X`` as the neighbour search takes it: a precomputed matrix checked by
    :func:`check_precomputed`, a finite CSR matrix of float64, or a finite 2-D float array."""
    if is_precomputed(metric):
        return check_precomputed(X, whom=whom, symmetric=symmetric,
                                 symmetric_reason=symmetric_reason, min_neighbors=min_neighbors,
                                 neighbors_reason=neighbors_reason, allow_sparse=allow_sparse)
    from sklearn.utils.validation import check_array

    if sparse.issparse(X) and not allow_sparse:
        raise DataError(f"{whom}: sparse input is not possible here; pass X.toarray() if it "
                        "fits in memory.")
    return check_array(X, accept_sparse="csr", dtype=(np.float64, np.float32), input_name="X")


def check_metric(metric, *, whom="metric", allow_precomputed=True):
    """Validate ``metric``; return it (a known name, or the callable itself).

    Parameters
    ----------
    metric : str or callable
    whom : str
        Who asks, for the message (e.g. ``"TSNE"``).
    allow_precomputed : bool, default=True

    Raises
    ------
    ParameterError
        For an unknown name (listing the known ones and the closest matches), or
        ``"precomputed"`` where it is not allowed.
    """
    if callable(metric):
        return metric
    if not isinstance(metric, str):
        raise ParameterError(
            f"{whom}: metric={metric!r} must be a metric name or a callable f(u, v) -> float.")
    if metric == "precomputed":
        if not allow_precomputed:
            raise ParameterError(f"{whom}: metric='precomputed' is not possible here; pass the "
                                 "data and a metric name.")
        return metric
    if metric in KNOWN_METRICS:
        return metric
    known = [m for m in KNOWN_METRICS if allow_precomputed or m != "precomputed"]
    close = difflib.get_close_matches(metric.lower(), known, n=3, cutoff=0.6)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise ParameterError(
        f"{whom}: unknown metric={metric!r}.{hint} Known metrics (scipy.spatial.distance and "
        f"sklearn.metrics.pairwise): {', '.join(known)}; or a callable f(u, v) -> float (e.g. "
        "scipy.spatial.distance.jensenshannon).")


def _first_row(mask):
    """Index of the first row of a boolean (n, m) or (n,) mask with a True entry."""
    rows = np.flatnonzero(mask.any(axis=1) if mask.ndim == 2 else mask)
    return int(rows[0])


def check_precomputed(D, *, whom, symmetric=False, symmetric_reason="", min_neighbors=None,
                      neighbors_reason="", allow_sparse=True):
    """Validate a precomputed distance matrix or sparse kNN distance graph.

    Parameters
    ----------
    D : ndarray or sparse matrix of shape (n_samples, n_samples)
    whom : str
        Who asks, for the message.
    symmetric : bool, default=False
        Require ``D[i, j] == D[j, i]`` (to rounding; for a sparse graph, on the stored pairs
        only: a kNN graph is directed). ``symmetric_reason`` says why in the message.
    min_neighbors : int or None
        For a sparse graph: every row must store at least this many off-diagonal entries;
        ``neighbors_reason`` says what needs them (e.g. ``"perplexity=30"``).
    allow_sparse : bool, default=True

    Returns
    -------
    D : ndarray of float64, or scipy.sparse.csr_matrix of float64 with sorted indices

    Raises
    ------
    DataError
        Not square, not finite, a negative entry, not symmetric where required, too few
        neighbours in a row: each names the first offending row.
    """
    if sparse.issparse(D):
        if not allow_sparse:
            raise DataError(f"{whom}: metric='precomputed' needs a dense (n_samples, n_samples) "
                            "distance matrix here, not a sparse graph; pass D.toarray().")
        G = sparse.csr_matrix(D, dtype=np.float64, copy=True)
        G.sum_duplicates()
        G.sort_indices()
        data, rows = G.data, np.repeat(np.arange(G.shape[0]), np.diff(G.indptr))
    else:
        G = np.asarray(D, dtype=np.float64)
        data, rows = None, None
    if G.ndim != 2 or G.shape[0] != G.shape[1]:
        raise DataError(
            f"{whom}: a precomputed distance matrix must be square, (n_samples, n_samples); got "
            f"shape {G.shape}. For data with one sample per row, pass a metric name instead.")
    n = G.shape[0]
    if data is None:
        bad = ~np.isfinite(G)
        if bad.any():
            raise DataError(f"{whom}: the precomputed distances have NaN or infinite entries, "
                            f"the first in row {_first_row(bad)}.")
        negative = G < 0
        if negative.any():
            i = _first_row(negative)
            raise DataError(
                f"{whom}: precomputed distances must be >= 0; row {i} has a negative entry "
                f"({G[i].min():.4g}). Pass distances, not similarities.")
        if symmetric:
            scale = max(float(G.max(initial=0.0)), np.finfo(np.float64).tiny)
            asym = np.abs(G - G.T) > 1e-8 * scale
            if asym.any():
                i = _first_row(asym)
                j = int(np.flatnonzero(asym[i])[0])
                raise DataError(
                    f"{whom}: the precomputed distances are not symmetric: row {i} differs "
                    f"from column {i} (D[{i}, {j}] = {G[i, j]:.6g}, D[{j}, {i}] = "
                    f"{G[j, i]:.6g}); {symmetric_reason or 'this method needs D == D.T'}. "
                    "If the asymmetry is noise, pass (D + D.T) / 2.")
        return G
    bad = ~np.isfinite(data)
    if bad.any():
        raise DataError(f"{whom}: the precomputed graph has NaN or infinite entries, the first "
                        f"in row {int(rows[np.flatnonzero(bad)[0]])}.")
    negative = data < 0
    if negative.any():
        i = int(rows[np.flatnonzero(negative)[0]])
        raise DataError(f"{whom}: precomputed distances must be >= 0; row {i} of the graph "
                        f"has a negative entry ({data[negative].min():.4g}).")
    cols = G.indices.astype(np.int64)
    if symmetric:
        # Missing reverse edges are allowed (a kNN graph is directed); differing values are not.
        keys = rows.astype(np.int64) * n + cols  # ascending: CSR with sorted indices
        back_keys = cols * n + rows
        where = np.minimum(np.searchsorted(keys, back_keys), max(len(keys) - 1, 0))
        has_back = keys[where] == back_keys if len(keys) else np.zeros(0, dtype=bool)
        tol = 1e-8 * max(float(data.max(initial=0.0)), np.finfo(np.float64).tiny)
        differ = has_back & (np.abs(data - data[where]) > tol)
        if differ.any():
            k = int(np.flatnonzero(differ)[0])
            i, j = int(rows[k]), int(cols[k])
            raise DataError(
                f"{whom}: the precomputed graph is not symmetric: row {i} has G[{i}, {j}] = "
                f"{data[k]:.6g} but G[{j}, {i}] = {data[where[k]]:.6g}; "
                f"{symmetric_reason or 'this method needs G == G.T where both are stored'}.")
    if min_neighbors is not None:
        counts = np.bincount(rows[cols != rows], minlength=n)
        short = counts < min_neighbors
        if short.any():
            i = int(np.flatnonzero(short)[0])
            raise DataError(
                f"{whom}: row {i} of the precomputed graph has {int(counts[i])} neighbours, but "
                f"{neighbors_reason or 'this method'} needs at least {min_neighbors} per row "
                f"({int(short.sum())} of {n} rows have fewer). Build the graph with more "
                f"neighbours (e.g. sklearn.neighbors.kneighbors_graph(X, n_neighbors="
                f"{min_neighbors}, mode='distance')).")
    return G


def approximate_supports(metric, *, sparse_input=False):
    """Whether pynndescent knows ``metric`` (by name; a callable must be numba-compiled)."""
    if is_precomputed(metric):
        return False
    if callable(metric):
        return hasattr(metric, "py_func")  # a numba dispatcher
    return metric in (_PYNNDESCENT_SPARSE_METRICS if sparse_input else _PYNNDESCENT_METRICS)


def _precomputed_graph_neighbors(G, n_neighbors, whom):
    """The ``n_neighbors`` smallest off-diagonal stored entries of each row of a CSR graph."""
    n = G.shape[0]
    counts = np.diff(G.indptr)
    rows = np.repeat(np.arange(n), counts)
    keep = G.indices != rows
    rows, cols, vals = rows[keep], G.indices[keep], G.data[keep]
    have = np.bincount(rows, minlength=n)
    if np.any(have < n_neighbors):
        i = int(np.flatnonzero(have < n_neighbors)[0])
        raise DataError(
            f"{whom}: row {i} of the precomputed graph has {int(have[i])} neighbours; "
            f"{n_neighbors} are needed per row. Build the graph with more neighbours.")
    # Sort by (row, distance, column): the nearest first, ties by index.
    order = np.lexsort((cols, vals, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    start = np.concatenate([[0], np.cumsum(have)[:-1]])
    rank = np.arange(len(rows)) - start[rows]
    take = rank < n_neighbors
    ind = cols[take].reshape(n, n_neighbors).astype(np.int64)
    dist = vals[take].reshape(n, n_neighbors).astype(np.float64)
    return ind, dist


def nearest_neighbors(X, n_neighbors, *, metric="euclidean", algorithm="exact", seed=None,
                      n_jobs=None, whom="nearest_neighbors"):
    """Indices and distances of each sample's ``n_neighbors`` nearest other samples.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Or, with ``metric="precomputed"``, a dense ``(n, n)`` distance matrix or a sparse
        distance graph (validated by :func:`check_precomputed` beforehand).
    n_neighbors : int
        ``k``, not counting the point itself.
    metric : str or callable, default="euclidean"
    algorithm : {"exact", "approximate"}, default="exact"
        ``"approximate"``: pynndescent (ignored for precomputed input).
    seed : int or None
        pynndescent's random state.
    n_jobs : int or None
        pynndescent's threads.

    Returns
    -------
    indices : ndarray of int64 of shape (n_samples, n_neighbors)
    distances : ndarray of float64 of shape (n_samples, n_neighbors)
        Nearest first.
    """
    n = X.shape[0]
    if is_precomputed(metric) and sparse.issparse(X):
        return _precomputed_graph_neighbors(sparse.csr_matrix(X), n_neighbors, whom)
    if algorithm == "approximate" and not is_precomputed(metric):
        if not approximate_supports(metric, sparse_input=sparse.issparse(X)):
            raise ParameterError(
                f"{whom}: the approximate neighbour search (pynndescent) does not know "
                f"metric={metric!r}{' on sparse input' if sparse.issparse(X) else ''}; use the "
                "exact search, or one of pynndescent's metrics (euclidean, cosine, manhattan, "
                "correlation, ...).")
        from pynndescent import NNDescent

        options = {} if n_jobs is None else {"n_jobs": n_jobs, "verbose": False}
        index = NNDescent(X, n_neighbors=n_neighbors + 1, metric=metric, random_state=seed,
                          **options)
        ind, dist = index.neighbor_graph
        ind, dist = np.asarray(ind), np.asarray(dist, dtype=np.float64)
        # Drop each point itself (usually column 0); where it is missing, drop the farthest.
        is_self = ind == np.arange(n)[:, None]
        is_self[~is_self.any(axis=1), -1] = True
        first = np.argmax(is_self, axis=1)
        keep = np.ones_like(is_self)
        keep[np.arange(n), first] = False
        return (ind[keep].reshape(n, n_neighbors).astype(np.int64),
                dist[keep].reshape(n, n_neighbors))
    check_sparse_metric(X, metric, whom)
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=n_neighbors, metric=metric).fit(X)
    dist, ind = nn.kneighbors()  # query the training set: excludes each point itself
    return ind.astype(np.int64), dist.astype(np.float64)


def check_sparse_metric(X, metric, whom):
    """Raise when scikit-learn's exact search cannot take sparse ``X`` with ``metric``."""
    if sparse.issparse(X) and not is_precomputed(metric) and (
            callable(metric) or metric not in SPARSE_EXACT_METRICS):
        raise ParameterError(
            f"{whom}: the exact neighbour search on sparse input knows the metrics "
            f"{', '.join(SPARSE_EXACT_METRICS)}; metric={metric!r} needs dense data "
            "(X.toarray() if it fits in memory) or the approximate search (pynndescent, which "
            "takes sparse input with metric='correlation' and many others).")


def pairwise_distances(X, *, metric="euclidean", whom="pairwise_distances"):
    """All pairwise distances, a dense ``(n, n)`` float64 array with a zero diagonal.

    ``X`` dense or CSR (sparse input for :data:`SPARSE_EXACT_METRICS`); a dense
    precomputed matrix is returned as a float64 copy.
    """
    if is_precomputed(metric):
        D = np.array(X.toarray() if sparse.issparse(X) else X, dtype=np.float64)
    else:
        from sklearn.metrics import pairwise_distances as _sk_pairwise

        check_sparse_metric(X, metric, whom)
        D = np.asarray(_sk_pairwise(X, metric=metric), dtype=np.float64)
    np.fill_diagonal(D, 0.0)
    return D
