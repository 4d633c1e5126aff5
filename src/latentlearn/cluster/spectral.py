"""Spectral clustering: a neighbourhood graph, its Laplacian eigenmap, then k-means.

The recipe of Ng, Jordan & Weiss (2002), "On spectral clustering:
analysis and an algorithm": with the weights ``W`` of a neighbourhood graph, take the ``k``
eigenvectors of the smallest eigenvalues of ``L_sym = I - D^{-1/2} W D^{-1/2}`` (the constant
direction kept: with ``k`` well separated groups the first ``k`` eigenvectors are their
indicators), scale each row to unit length, and cluster the rows with k-means.
``laplacian="random_walk"`` uses the eigenvectors of ``L y = lambda D y`` without row scaling
(Shi & Malik 2000).

Labels are renumbered so that cluster 0 holds sample 0, cluster 1 the first sample not in
cluster 0, and so on (a deterministic order).
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import ClusterMixin

from .._linalg import smallest_eigenpairs
from .._threads import N_JOBS_CONSTRAINT, limit_threads
from ..base import Interval, LatentEstimator, Options, check_random_state
from ..manifold.laplacian import graph_laplacian
from ..neighbors.distances import check_input, check_metric, is_precomputed, takes_sparse
from ..neighbors.graphs import neighborhood_graph
from ..registry import register
from .kmeans import KMeans

__all__ = ["SpectralClustering"]


def _first_seen_order(labels):
    """Renumber labels by the order of first appearance."""
    _, first = np.unique(labels, return_index=True)
    ranks = np.empty(len(first), dtype=np.int64)
    ranks[np.argsort(first)] = np.arange(len(first))
    return ranks[np.searchsorted(np.unique(labels), labels)]


@register("spectral_clustering", family="cluster")
class SpectralClustering(ClusterMixin, LatentEstimator):
    """Spectral clustering: k-means on the Laplacian eigenmap of a kNN graph (Ng et al. 2002).

    Parameters
    ----------
    n_clusters : int, default=8
    n_neighbors : int, default=10
        ``k`` of the kNN graph (capped at ``n_samples - 1``).
    weights : {"heat", "binary"}, default="heat"
        Edge weights: ``exp(-||x_i - x_j||^2 / (2 sigma^2))`` or 1.
    sigma : float or None, default=None
        Heat-kernel width; ``None``: the median edge length.
    laplacian : {"symmetric", "random_walk"}, default="symmetric"
        ``"symmetric"``: Ng-Jordan-Weiss (rows scaled to unit length); ``"random_walk"``:
        Shi-Malik.
    metric : str or callable, default="euclidean"
        Distance of the kNN graph: any metric of scipy or scikit-learn (``"cosine"``,
        ``"manhattan"``, ...), a callable ``f(u, v) -> float``, or ``"precomputed"``: ``X`` is
        a dense ``(n, n)`` distance matrix (its ``n_neighbors`` nearest per row are kept) or a
        sparse distance graph (reused as the graph). Precomputed distances must be symmetric
        (the weights must be, where both directions are stored). ``X`` may be CSR data (exact
        search for the Euclidean, cosine and Manhattan metrics).
    n_init : int, default=10
        k-means restarts.
    eigen_solver : {"auto", "arpack", "lobpcg", "dense"}, default="auto"
    n_jobs : int or None, default=None
        Threads of BLAS / OpenMP (through threadpoolctl) and numba in ``fit`` and
        ``transform`` (scikit-learn's meaning): None keeps the library defaults, 1 is one
        thread, -1 all cores.
    random_state : None, int or RandomState, default=None

    Attributes
    ----------
    labels_ : ndarray of int of shape (n_samples,)
    embedding_ : ndarray of shape (n_samples, n_clusters)
        The spectral coordinates that were clustered.
    affinity_matrix_ : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
    n_features_in_ : int
    """

    _accepts_sparse = True   # CSR rows, for the metrics neighbors.distances searches on
    _parameter_constraints = {
        "n_clusters": [Interval(Integral, 1, None)],
        "n_neighbors": [Interval(Integral, 1, None)],
        "weights": [Options({"heat", "binary"})],
        "sigma": [Interval(Real, 0, None, closed="neither"), None],
        "laplacian": [Options({"symmetric", "random_walk"})],
        "metric": [str, "callable"],
        "n_init": [Interval(Integral, 1, None)],
        "eigen_solver": [Options({"auto", "arpack", "lobpcg", "dense"})],
        "random_state": ["random_state"],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(self, n_clusters=8, *, n_neighbors=10, weights="heat", sigma=None,
                 laplacian="symmetric", metric="euclidean", n_init=10, eigen_solver="auto",
                 random_state=None, n_jobs=None):
        self.n_clusters = n_clusters
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.sigma = sigma
        self.laplacian = laplacian
        self.metric = metric
        self.n_init = n_init
        self.eigen_solver = eigen_solver
        self.random_state = random_state
        self.n_jobs = n_jobs

    @limit_threads
    def fit(self, X, y=None):
        """Cluster ``X``.

        Parameters
        ----------
        X : array-like or CSR matrix of shape (n_samples, n_features)
            Or distances (dense ``(n, n)``, or a sparse graph) when ``metric="precomputed"``.
        y : ignored

        Returns
        -------
        self : SpectralClustering
        """
        self._check_parameters()
        check_metric(self.metric, whom="SpectralClustering")
        X = self._validate_X(X, min_samples=max(2, self.n_clusters), accept_sparse="csr")
        if is_precomputed(self.metric):
            X = check_input(X, self.metric, whom="SpectralClustering(metric='precomputed')",
                            symmetric=True,
                            symmetric_reason="spectral clustering needs symmetric weights")
        n = X.shape[0]
        rng = check_random_state(self.random_state)
        self.n_neighbors_ = min(self.n_neighbors, n - 1)
        W = neighborhood_graph(X, n_neighbors=self.n_neighbors_, weights=self.weights,
                               sigma=self.sigma, symmetrize="symmetric", metric=self.metric)
        # No connectivity check: separate components are what spectral clustering finds (each
        # adds an eigenvalue 0 whose eigenvector is its indicator), and every kNN node has a
        # positive degree, so the normalised Laplacians are defined.
        k = min(self.n_clusters, n - 1)
        L, scale = graph_laplacian(W, self.laplacian)
        _, vectors = smallest_eigenpairs(L, k, solver=self.eigen_solver, random_state=rng)
        if self.laplacian == "symmetric":
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            embedding = vectors / np.where(norms > 0, norms, 1.0)
        else:
            embedding = vectors * scale[:, np.newaxis]
        seed = rng.randint(np.iinfo(np.int32).max)
        labels = KMeans(self.n_clusters, n_init=self.n_init, random_state=seed).fit_predict(
            embedding)
        self.labels_ = _first_seen_order(labels)
        self.embedding_ = embedding
        self.affinity_matrix_ = W
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.pairwise = is_precomputed(self.metric)
        tags.input_tags.sparse = takes_sparse(self.metric)
        return tags
