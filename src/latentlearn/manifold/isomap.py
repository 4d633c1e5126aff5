"""Isomap: classical MDS on geodesic distances measured along a neighbourhood graph.

Tenenbaum, de Silva & Langford (2000), "A global geometric framework for nonlinear
dimensionality reduction": estimate the geodesic distances between all pairs of points, then
embed them with MDS:

1. a kNN (or epsilon) graph with edges weighted by Euclidean length;
2. geodesic distances ``D_G`` = shortest paths on the graph (Dijkstra, scipy.sparse.csgraph);
3. classical MDS (:func:`latentlearn.manifold.mds.classical_mds`): ``K = -1/2 J D_G^2 J``
   (``J = I - 11^T/n``), ``K = V Lambda V^T``, ``Y = V_k Lambda_k^{1/2}``.

The exact variant holds the dense ``n x n`` geodesic matrix -- the method itself needs it.
*Landmark Isomap* (de Silva & Tenenbaum 2003, "Global versus local methods in nonlinear
dimensionality reduction") runs Dijkstra from ``m`` landmarks only (an ``n x m`` matrix),
embeds the landmarks by classical MDS and places every other point by distance-based
triangulation

    y(x) = -1/2 Lambda_k^{-1/2} V_k^T (delta_x - mean_delta),

where ``delta_x`` are the squared geodesic distances from ``x`` to the landmarks and
``mean_delta`` the column means of the landmarks' squared distance matrix. The same formula,
with every training point as a "landmark", places new points in exact Isomap (it is the
Nystrom / kernel-PCA projection); the geodesic distance from a new point ``x`` to a reference
point ``r`` is ``min_j (||x - x_j|| + D_G(x_j, r))`` over the neighbours ``x_j`` of ``x``.
"""

from __future__ import annotations

import logging
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import shortest_path
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.neighbors import NearestNeighbors

from .._linalg import classical_scaling, double_centre
from .._stages import StageClock
from .._threads import N_JOBS_CONSTRAINT, limit_threads
from ..base import Interval, LatentEstimator, Options, check_is_fitted, check_random_state
from ..neighbors.distances import check_input, check_metric, is_precomputed, takes_sparse
from ..neighbors.graphs import (
    add_edges,
    ensure_connected,
    epsilon_graph,
    kneighbors_graph,
    neighborhood_graph,
)
from ..registry import register

__all__ = ["Isomap", "geodesic_distances"]

logger = logging.getLogger(__name__)

#: ``n_landmarks="auto"`` switches to landmark Isomap above this many samples: the exact
#: variant's dense n x n geodesic matrix is 200 MB at n = 5,000 and its eigenproblem dominates
#: the time beyond (benchmarks/bench_manifold.py).
LANDMARK_AUTO_ABOVE = 5_000
#: Landmarks used by ``n_landmarks="auto"`` above that size.
LANDMARK_AUTO_COUNT = 1_000


def geodesic_distances(G, indices=None):
    """Shortest-path lengths along an undirected weighted graph (Dijkstra).

    Parameters
    ----------
    G : sparse matrix of shape (n_nodes, n_nodes)
        Symmetric edge lengths (a missing entry is no edge), as the builders of
        :mod:`latentlearn.neighbors` return them; it is searched as given (``directed=True``),
        which halves Dijkstra's work compared with letting scipy symmetrize it again.
    indices : array-like of int or None
        Sources; ``None`` means all nodes.

    Returns
    -------
    D : ndarray of shape (n_sources, n_nodes)
        ``inf`` where a node cannot be reached.
    """
    return shortest_path(sparse.csr_matrix(G), method="D", directed=True, indices=indices)


@register("isomap", family="manifold")
class Isomap(ClassNamePrefixFeaturesOutMixin, TransformerMixin, LatentEstimator):
    """Isomap: classical MDS of graph geodesic distances, exact or with landmarks.

    See the module docstring for the formulas (Tenenbaum et al. 2000; de Silva & Tenenbaum
    2003 for landmarks and new points).

    Parameters
    ----------
    n_components : int, default=2
    n_neighbors : int, default=5
        ``k`` of the kNN graph (capped at ``n_samples - 1``). Ignored when ``radius`` is set.
    radius : float or None, default=None
        Use an epsilon-neighbourhood graph of this radius instead of kNN.
    n_landmarks : int, "auto" or None, default="auto"
        ``None``: exact Isomap (dense ``n x n`` geodesics). An int ``m``: landmark Isomap with
        ``m`` landmarks drawn at random. ``"auto"``: exact up to 5,000 samples, 1,000 landmarks
        above.
    neighbors_algorithm : {"auto", "exact", "approximate"}, default="auto"
    metric : str or callable, default="euclidean"
        Edge lengths of the graph: any metric of scipy or scikit-learn (``"cosine"``,
        ``"manhattan"``, ...), a callable ``f(u, v) -> float``, or ``"precomputed"``: ``X`` is
        a dense ``(n, n)`` distance matrix, or a sparse kNN distance graph (as
        ``sklearn.neighbors.kneighbors_graph(X, k, mode="distance")`` makes; each row's
        ``n_neighbors`` smallest stored entries are kept, as scikit-learn's
        ``Isomap(metric="precomputed")`` does). Precomputed distances must be symmetric
        (geodesics need one length per edge; a sparse graph only where both directions are
        stored). ``X`` may also be CSR data (exact search for the Euclidean, cosine and
        Manhattan metrics).
    extra_edges : array-like of int of shape (n_edges, 2) or None, default=None
        Sample index pairs joined by extra edges (robustness experiments: the triangle's
        shortcuts, ``load("triangle", shortcuts=True).extras["edges"]``).
    extra_edge_length : float or None, default=None
        Their length; ``None``: the median kNN edge length (see
        :func:`latentlearn.neighbors.add_edges`).
    on_disconnected : {"connect", "raise"}, default="connect"
        When the graph has several connected components: ``"raise"`` a
        :class:`~latentlearn.neighbors.DisconnectedGraphError` naming their number and the
        remedy, or ``"connect"``: warn with the same message and join every two components by
        their nearest pair of samples (as scikit-learn's Isomap does).
    n_jobs : int or None, default=None
        Threads of BLAS / OpenMP (through threadpoolctl) and numba in ``fit`` and
        ``transform`` (scikit-learn's meaning): None keeps the library defaults, 1 is one
        thread, -1 all cores.
    random_state : None, int or RandomState, default=None
        Landmark choice.
    verbose : int, default=0
        Log how long each stage of the fit takes (logger ``latentlearn.manifold.isomap``, at INFO),
        as openTSNE's ``verbose`` prints its stages; 0 logs them at DEBUG only.

    Attributes
    ----------
    embedding_ : ndarray of shape (n_samples, n_components)
    eigenvalues_ : ndarray of shape (n_components,)
        Of the (landmark) MDS kernel, descending.
    dist_matrix_ : ndarray of shape (n_samples, n_references)
        Geodesic distances from every training point to the reference points (all training
        points, or the landmarks).
    landmarks_ : ndarray of shape (n_references,)
        Indices of the reference points.
    nbrs_ : sklearn.neighbors.NearestNeighbors
        Fitted on the training data; finds the neighbours of new points.
    graph_ : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        The neighbourhood graph (edge lengths).
    n_neighbors_ : int
    n_features_in_ : int
    """

    _accepts_sparse = True   # CSR rows, for the metrics neighbors.distances searches on
    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None)],
        "n_neighbors": [Interval(Integral, 1, None)],
        "radius": [Interval(Real, 0, None, closed="neither"), None],
        "n_landmarks": [Interval(Integral, 2, None), Options({"auto"}), None],
        "neighbors_algorithm": [Options({"auto", "exact", "approximate"})],
        "metric": [str, "callable"],
        "extra_edges": ["array-like", None],
        "extra_edge_length": [Interval(Real, 0, None, closed="neither"), None],
        "on_disconnected": [Options({"connect", "raise"})],
        "random_state": ["random_state"],
        "verbose": [Interval(Integral, 0, None), "boolean"],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(self, n_components=2, *, n_neighbors=5, radius=None, n_landmarks="auto",
                 neighbors_algorithm="auto", metric="euclidean",
                 extra_edges=None, extra_edge_length=None, on_disconnected="connect",
                 random_state=None, verbose=0, n_jobs=None):
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.radius = radius
        self.n_landmarks = n_landmarks
        self.neighbors_algorithm = neighbors_algorithm
        self.metric = metric
        self.extra_edges = extra_edges
        self.extra_edge_length = extra_edge_length
        self.on_disconnected = on_disconnected
        self.random_state = random_state
        self.verbose = verbose
        self.n_jobs = n_jobs

    # -- fitting -------------------------------------------------------------------------------

    def _graph(self, X):
        if is_precomputed(self.metric) and sparse.issparse(X):
            if self.radius is not None:
                return epsilon_graph(X, self.radius, metric="precomputed")
            return kneighbors_graph(X, self.n_neighbors_, symmetrize="symmetric",
                                    metric="precomputed")
        return neighborhood_graph(
            X, kind="epsilon" if self.radius is not None else "knn",
            n_neighbors=self.n_neighbors_, radius=self.radius, symmetrize="symmetric",
            weights="distance", algorithm=self.neighbors_algorithm, metric=self.metric,
            random_state=self.random_state)

    def _choose_landmarks(self, n, rng):
        m = self.n_landmarks
        if m == "auto":
            m = None if n <= LANDMARK_AUTO_ABOVE else LANDMARK_AUTO_COUNT
        if m is None or m >= n:
            return np.arange(n)
        return np.sort(rng.choice(n, size=m, replace=False))

    @limit_threads
    def fit(self, X, y=None):
        """Compute the embedding of ``X``.

        Parameters
        ----------
        X : array-like or CSR matrix of shape (n_samples, n_features)
            Or precomputed distances (dense ``(n, n)`` or a sparse kNN graph) when
            ``metric="precomputed"``.
        y : ignored

        Returns
        -------
        self : Isomap
        """
        self._fit(X)
        return self

    def _fit(self, X):
        self._check_parameters()
        clock = StageClock(logger, "Isomap", self.verbose)
        check_metric(self.metric, whom="Isomap")
        X = self._validate_X(X, min_samples=2, accept_sparse="csr")
        n = X.shape[0]
        self.n_neighbors_ = min(self.n_neighbors, n - 1)
        if is_precomputed(self.metric):
            X = check_input(
                X, self.metric, whom="Isomap(metric='precomputed')", symmetric=True,
                symmetric_reason="Isomap's geodesics need one length per edge",
                min_neighbors=self.n_neighbors_ if self.radius is None else None,
                neighbors_reason=f"n_neighbors={self.n_neighbors_}")
        G = self._graph(X)
        if self.extra_edges is not None:
            G = add_edges(G, self.extra_edges, self.extra_edge_length)
        G = ensure_connected(G, X, on_disconnected=self.on_disconnected,
                             n_neighbors=self.n_neighbors_, metric=self.metric)
        clock.stage("neighbourhood graph of %d points (%d edges)", n, G.nnz)
        rng = check_random_state(self.random_state)
        landmarks = self._choose_landmarks(n, rng)
        m = len(landmarks)
        if self.n_components > m:
            raise ValueError(
                f"Isomap: n_components={self.n_components} is larger than the number of "
                f"reference points ({m}); lower n_components or use more landmarks/samples.")
        if m == n:
            dist = geodesic_distances(G)  # (n, n), symmetric: the one dense n x n array kept
            D_ref = dist
        else:
            # (n, m): a transposed view of Dijkstra's (m, n) output, not a copy
            dist = geodesic_distances(G, indices=landmarks).T
            D_ref = dist[landmarks]  # (m, m)
        clock.stage("geodesic distances to %d reference points", m)
        # Classical MDS of the reference points (all points, or the landmarks): the shared
        # kernel behind latentlearn.manifold.classical_mds, without its validation copies of a
        # D that is symmetric with a zero diagonal by construction.
        Y_ref, values = classical_scaling(D_ref, self.n_components)
        values = np.clip(values, 0.0, None)
        positive = values > 0
        vectors = np.zeros_like(Y_ref)  # unit eigenvectors of K, signs as classical_mds's
        vectors[:, positive] = Y_ref[:, positive] / np.sqrt(values[positive])
        self.graph_ = G
        self.dist_matrix_ = dist
        self.landmarks_ = landmarks
        self.eigenvalues_ = values
        self._vectors = vectors  # (m, k)
        self._mean_delta = np.einsum("ij,ij->j", D_ref, D_ref) / m  # (m,), no m x m temporary
        if m == n:
            self.embedding_ = Y_ref
        else:
            self.embedding_ = self._triangulate(dist)
        self.nbrs_ = NearestNeighbors(n_neighbors=self.n_neighbors_, radius=self.radius,
                                      metric=self.metric).fit(X)
        clock.stage("classical scaling to %d dimensions", self.n_components)
        return X

    def _triangulate(self, delta):
        """Distance-based triangulation of points with geodesics ``delta`` (n, m) to refs."""
        inv_sqrt = np.zeros_like(self.eigenvalues_)
        positive = self.eigenvalues_ > 0
        inv_sqrt[positive] = 1.0 / np.sqrt(self.eigenvalues_[positive])
        out = np.empty((delta.shape[0], self._vectors.shape[1]))
        step = max(1, (1 << 20) // max(delta.shape[1], 1))  # rows per block: 8 MB temporaries
        for start in range(0, delta.shape[0], step):
            block = delta[start:start + step]
            out[start:start + step] = ((block ** 2 - self._mean_delta) @ self._vectors)
        return -0.5 * out * inv_sqrt

    @limit_threads
    def fit_transform(self, X, y=None):
        """Fit and return ``embedding_``, of shape (n_samples, n_components)."""
        self._fit(X)
        return self.embedding_

    @limit_threads
    def transform(self, X):
        """Place new points: geodesics through their neighbours, then triangulation.

        Parameters
        ----------
        X : array-like or CSR matrix of shape (n_queries, n_features)
            With ``metric="precomputed"``, the distances from each query to every training
            point, of shape (n_queries, n_samples).

        Returns
        -------
        Y : ndarray of shape (n_queries, n_components)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False, accept_sparse="csr")
        if self.radius is not None:
            dist, ind = self.nbrs_.radius_neighbors(X)
        else:
            dist, ind = self.nbrs_.kneighbors(X)
            dist, ind = list(dist), list(ind)
        delta = np.empty((X.shape[0], self.dist_matrix_.shape[1]))
        for q, (d, i) in enumerate(zip(dist, ind)):
            if len(i) == 0:
                raise ValueError(
                    f"Isomap.transform: query {q} has no training point within radius="
                    f"{self.radius}; raise radius or use n_neighbors (radius=None).")
            delta[q] = np.min(d[:, None] + self.dist_matrix_[i], axis=0)
        return self._triangulate(delta)

    def reconstruction_error(self):
        """How much of the MDS kernel the embedding leaves out.

        ``sqrt(||K||_F^2 - sum_{j<=k} lambda_j^2) / m`` with ``K = -1/2 J D_G^2 J`` over the
        ``m`` reference points (scikit-learn's definition for exact Isomap).

        Returns
        -------
        error : float
        """
        check_is_fitted(self)
        m = len(self.landmarks_)
        K = double_centre(self.dist_matrix_[self.landmarks_])  # (m, m), built on demand
        residual = max(float(np.sum(K ** 2)) - float(np.sum(self.eigenvalues_ ** 2)), 0.0)
        return float(np.sqrt(residual) / m)

    @property
    def _n_features_out(self):
        return self.n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.pairwise = is_precomputed(self.metric)
        tags.input_tags.sparse = takes_sparse(self.metric)
        return tags
