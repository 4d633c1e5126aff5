"""Laplacian eigenmaps: coordinates that keep graph neighbours close (Belkin & Niyogi 2003).

Belkin & Niyogi (2003), "Laplacian eigenmaps for dimensionality reduction and data
representation". With a symmetric weight matrix ``W`` of a neighbourhood graph and degrees
``D = diag(W 1)``, the embedding minimises ``sum_ij W_ij ||y_i - y_j||^2 = 2 tr(Y^T L Y)``
under a normalisation constraint, so its columns are the eigenvectors of the smallest
eigenvalues of a graph Laplacian, the constant one (eigenvalue 0) dropped:

* ``"unnormalized"``: ``L = D - W``, constraint ``Y^T Y = I``;
* ``"symmetric"``:    ``L_sym = I - D^{-1/2} W D^{-1/2}``;
* ``"random_walk"``:  ``L_rw = I - D^{-1} W``, i.e. the generalised problem ``L y = lambda D y``
  (constraint ``Y^T D Y = I``), Belkin & Niyogi's choice. Its eigenvectors are
  ``D^{-1/2}`` times those of ``L_sym``, which is how they are computed (a symmetric problem).

The eigenpairs come from a sparse solver: ARPACK in shift-invert mode just below 0 (so the
smallest eigenvalues of a positive semi-definite ``L`` are the best separated ones), LOBPCG, or
a dense ``eigh`` for small graphs. Each column's sign is fixed so that its entry of largest
absolute value is positive.
"""

from __future__ import annotations

import logging
from numbers import Integral, Real

import numpy as np
from scipy import sparse

from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.neighbors import NearestNeighbors
from sklearn.utils.validation import check_is_fitted

from .._linalg import flip_column_signs, smallest_eigenpairs
from .._stages import StageClock
from .._threads import N_JOBS_CONSTRAINT, limit_threads
from ..base import Interval, LatentEstimator, Options
from ..exceptions import DataError
from ..neighbors.distances import check_input, check_metric, is_precomputed, takes_sparse
from ..neighbors.graphs import (check_connected, ensure_connected, heat_kernel_weights,
                                neighborhood_graph, symmetrize_graph)
from ..registry import register

__all__ = ["LaplacianEigenmaps", "LaplacianEmbedding", "laplacian_eigenmaps", "graph_laplacian"]

logger = logging.getLogger(__name__)


def graph_laplacian(W, kind="random_walk"):
    """The Laplacian used for the eigenproblem, and the degree scaling that recovers ``y``.

    Parameters
    ----------
    W : sparse matrix of shape (n_nodes, n_nodes)
        Symmetric non-negative weights; the diagonal (self-loops) is ignored.
    kind : {"unnormalized", "symmetric", "random_walk"}

    Returns
    -------
    L : scipy.sparse.csr_matrix of shape (n_nodes, n_nodes)
        ``D - W`` for ``"unnormalized"``, ``I - D^{-1/2} W D^{-1/2}`` otherwise (symmetric).
    scale : ndarray of shape (n_nodes,)
        Multiply the eigenvectors of ``L`` row-wise by this: ones, except ``D^{-1/2}`` for
        ``"random_walk"``.
    """
    W = sparse.csr_matrix(W, dtype=np.float64)
    W = W - sparse.diags(W.diagonal())
    degree = np.asarray(W.sum(axis=1)).ravel()
    n = W.shape[0]
    if kind == "unnormalized":
        return sparse.csr_matrix(sparse.diags(degree) - W), np.ones(n)
    inv_sqrt = 1.0 / np.sqrt(np.where(degree > 0, degree, 1.0))
    L = sparse.identity(n, format="csr") - sparse.diags(inv_sqrt) @ W @ sparse.diags(inv_sqrt)
    scale = inv_sqrt if kind == "random_walk" else np.ones(n)
    return sparse.csr_matrix(L), scale


def laplacian_eigenmaps(W, n_components=2, *, laplacian="random_walk", eigen_solver="auto",
                        random_state=None):
    """Embed a weighted graph by the eigenvectors of its Laplacian (Belkin & Niyogi 2003).

    ``L y = lambda D y`` (random walk), ``L_sym y = lambda y`` or ``(D - W) y = lambda y``; the
    ``n_components`` eigenvectors after the first (constant, ``lambda = 0``) one.

    Parameters
    ----------
    W : sparse matrix of shape (n_nodes, n_nodes)
        Symmetric non-negative weights of a connected graph.
    n_components : int, default=2
    laplacian : {"unnormalized", "symmetric", "random_walk"}, default="random_walk"
    eigen_solver : {"auto", "arpack", "lobpcg", "dense"}, default="auto"
    random_state : None, int or RandomState
        Start vector of the iterative solvers.

    Returns
    -------
    Y : ndarray of shape (n_nodes, n_components)
    eigenvalues : ndarray of shape (n_components,)
        The eigenvalues of the kept eigenvectors, ascending.
    """
    W = sparse.csr_matrix(W, dtype=np.float64)
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"W must be square; got shape {W.shape}.")
    if n_components + 1 > W.shape[0]:
        raise ValueError(
            f"n_components={n_components} needs at least {n_components + 2} nodes (one more "
            f"for the dropped constant eigenvector); got {W.shape[0]}.")
    check_connected(W)
    return _laplacian_eigenmaps(W, n_components, laplacian=laplacian,
                                eigen_solver=eigen_solver, random_state=random_state)


def _laplacian_eigenmaps(W, n_components, *, laplacian, eigen_solver, random_state):
    L, scale = graph_laplacian(W, laplacian)
    values, vectors = smallest_eigenpairs(L, n_components + 1, solver=eigen_solver,
                                           random_state=random_state)
    Y = vectors[:, 1:] * scale[:, np.newaxis]
    return flip_column_signs(np.ascontiguousarray(Y)), values[1:]


def _median_width(G):
    """The heat-kernel width of ``sigma=None``: the median edge length (1 if there is none or
    it is 0), as :func:`latentlearn.neighbors.heat_kernel_weights` takes it."""
    width = float(np.median(G.data)) if G.nnz else 1.0
    return width if width > 0 else 1.0


@register("laplacian_eigenmaps", family="manifold")
class LaplacianEigenmaps(ClassNamePrefixFeaturesOutMixin, TransformerMixin, LatentEstimator):
    """Laplacian eigenmaps: the smallest non-trivial eigenvectors of a neighbourhood graph.

    Builds a neighbourhood graph (:func:`latentlearn.neighbors.neighborhood_graph`), weights it
    (heat kernel by default), and embeds it with :func:`laplacian_eigenmaps`. See the module
    docstring for the three Laplacians. With ``symmetrize="average"`` and ``weights="binary"``
    it is scikit-learn's ``SpectralEmbedding`` (the spectral embedding of Ng, Jordan & Weiss
    2002 and Shi & Malik 2000 with ``laplacian="symmetric"``), so :meth:`transform` is also
    the out-of-sample spectral embedding (scikit-learn #15808).

    Out of sample, :meth:`transform` is the Nystrom extension of the eigenvectors (Bengio et
    al. 2004, "Out-of-sample extensions for LLE, Isomap, MDS, Eigenmaps, and spectral
    clustering"): the eigen-equation ``D^{-1} W y = (1 - lambda) y`` read at a new point with
    its kernel row ``w(x, x_j)``, ``y(x) = sum_j w(x, x_j) y_j / (d(x) (1 - lambda))``,
    ``d(x) = sum_j w(x, x_j)`` (random walk); ``sum_j w(x, x_j) y_j / (sqrt(d(x) d_j)
    (1 - lambda))`` (symmetric); ``sum_j w(x, x_j) y_j / (d(x) - lambda)`` (unnormalized).

    Parameters
    ----------
    n_components : int, default=2
    n_neighbors : int, default=10
        ``k`` of the kNN graph (capped at ``n_samples - 1``).
    affinity : {"knn", "epsilon", "precomputed"}, default="knn"
        ``"precomputed"``: ``X`` is the (sparse or dense) symmetric weight matrix itself.
    radius : float or None, default=None
        ``epsilon`` for ``affinity="epsilon"``.
    symmetrize : {"symmetric", "mutual", "average"}, default="symmetric"
        ``"average"`` with ``weights="binary"`` is scikit-learn's ``SpectralEmbedding`` graph.
    weights : {"heat", "binary"}, default="heat"
        ``exp(-||x_i - x_j||^2 / (2 sigma^2))`` or 1 per edge.
    sigma : float or None, default=None
        Heat-kernel width; ``None`` takes the median edge length.
    laplacian : {"random_walk", "symmetric", "unnormalized"}, default="random_walk"
    eigen_solver : {"auto", "arpack", "lobpcg", "dense"}, default="auto"
        ``"auto"``: dense below 500 samples, ARPACK (shift-invert) above.
    neighbors_algorithm : {"auto", "exact", "approximate"}, default="auto"
    metric : str or callable, default="euclidean"
        Distance of the kNN / epsilon graph (``affinity="knn"`` or ``"epsilon"``): any metric
        of scipy or scikit-learn (``"cosine"``, ``"manhattan"``, ...), a callable
        ``f(u, v) -> float``, or ``"precomputed"``: ``X`` is a dense ``(n, n)`` distance matrix
        or a sparse distance graph, reused as the graph (then weighted). Precomputed distances
        must be symmetric (the weights ``W`` must be, where both directions are stored). ``X``
        may be CSR data (exact search for the Euclidean, cosine and Manhattan metrics).
        (``affinity="precomputed"`` is different: ``X`` is then the weight matrix itself.)
    on_disconnected : {"connect", "raise"}, default="connect"
        When the graph has several connected components: ``"raise"`` a
        :class:`~latentlearn.neighbors.DisconnectedGraphError` naming their number and the
        remedy, or ``"connect"``: warn with the same message and join every two components by
        their nearest pair of samples, with the smallest weight in the graph (a precomputed
        affinity always raises).
    n_jobs : int or None, default=None
        Threads of BLAS / OpenMP (through threadpoolctl) and numba in ``fit`` and
        ``transform`` (scikit-learn's meaning): None keeps the library defaults, 1 is one
        thread, -1 all cores.
    random_state : None, int or RandomState, default=None
    verbose : int, default=0
        Log how long each stage of the fit takes (logger ``latentlearn.manifold.laplacian``, at
        INFO), as openTSNE's ``verbose`` prints its stages; 0 logs them at DEBUG only.

    Attributes
    ----------
    embedding_ : ndarray of shape (n_samples, n_components)
    eigenvalues_ : ndarray of shape (n_components,)
    affinity_matrix_ : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
    n_neighbors_ : int
    sigma_ : float or None
        The heat-kernel width used (``sigma``, or the median kNN edge length); None for binary
        or precomputed weights.
    X_fit_ : ndarray of shape (n_samples, n_features) or None
        The training samples, which :meth:`transform` finds neighbours among (None for a
        precomputed affinity).
    n_features_in_ : int
    """

    _accepts_sparse = True   # CSR rows, for the metrics neighbors.distances searches on
    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None)],
        "n_neighbors": [Interval(Integral, 1, None)],
        "affinity": [Options({"knn", "epsilon", "precomputed"})],
        "radius": [Interval(Real, 0, None, closed="neither"), None],
        "symmetrize": [Options({"symmetric", "mutual", "average"})],
        "weights": [Options({"heat", "binary"})],
        "sigma": [Interval(Real, 0, None, closed="neither"), None],
        "laplacian": [Options({"random_walk", "symmetric", "unnormalized"})],
        "eigen_solver": [Options({"auto", "arpack", "lobpcg", "dense"})],
        "neighbors_algorithm": [Options({"auto", "exact", "approximate"})],
        "metric": [str, "callable"],
        "on_disconnected": [Options({"connect", "raise"})],
        "random_state": ["random_state"],
        "verbose": [Interval(Integral, 0, None), "boolean"],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(self, n_components=2, *, n_neighbors=10, affinity="knn", radius=None,
                 symmetrize="symmetric", weights="heat", sigma=None, laplacian="random_walk",
                 eigen_solver="auto", neighbors_algorithm="auto", metric="euclidean",
                 on_disconnected="connect", random_state=None, verbose=0, n_jobs=None):
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.affinity = affinity
        self.radius = radius
        self.symmetrize = symmetrize
        self.weights = weights
        self.sigma = sigma
        self.laplacian = laplacian
        self.eigen_solver = eigen_solver
        self.neighbors_algorithm = neighbors_algorithm
        self.metric = metric
        self.on_disconnected = on_disconnected
        self.random_state = random_state
        self.verbose = verbose
        self.n_jobs = n_jobs

    def _affinity(self, X):
        n = X.shape[0]
        if self.affinity == "precomputed":
            W = sparse.csr_matrix(X, dtype=np.float64)
            if W.shape[0] != W.shape[1]:
                raise ValueError(f"affinity='precomputed' needs a square weight matrix; got "
                                 f"shape {W.shape}.")
            self.n_neighbors_ = None
            return W
        self.n_neighbors_ = min(self.n_neighbors, n - 1)
        # Distances first, weighted here (as neighborhood_graph would) to record sigma_,
        # which transform's kernel rows need.
        G = neighborhood_graph(
            X, kind=self.affinity, n_neighbors=self.n_neighbors_, radius=self.radius,
            symmetrize="none", weights="distance",
            algorithm=self.neighbors_algorithm, metric=self.metric,
            random_state=self.random_state)
        self.sigma_ = None
        if self.weights == "heat":
            self.sigma_ = self.sigma if self.sigma is not None else _median_width(G)
            G = heat_kernel_weights(G, self.sigma_)
        else:
            G = G.copy()
            G.data = np.ones_like(G.data)
        return symmetrize_graph(G, self.symmetrize)

    @limit_threads
    def fit(self, X, y=None):
        """Compute the embedding of ``X``.

        Parameters
        ----------
        X : array-like or CSR matrix of shape (n_samples, n_features)
            Or a weight matrix of shape (n_samples, n_samples) (sparse allowed) when
            ``affinity="precomputed"``, or distances (dense, or a sparse graph) when
            ``metric="precomputed"``.
        y : ignored

        Returns
        -------
        self : LaplacianEigenmaps
        """
        self._check_parameters()
        clock = StageClock(logger, "LaplacianEigenmaps", self.verbose)
        check_metric(self.metric, whom="LaplacianEigenmaps")
        X = self._validate_X(X, min_samples=self.n_components + 2, accept_sparse="csr")
        if self.affinity != "precomputed" and is_precomputed(self.metric):
            X = check_input(X, self.metric, whom="LaplacianEigenmaps(metric='precomputed')",
                            symmetric=True,
                            symmetric_reason="Laplacian eigenmaps need symmetric weights W")
        W = self._affinity(X)
        if self.affinity == "precomputed" or self.on_disconnected == "raise":
            check_connected(W, n_neighbors=self.n_neighbors_)
        else:
            W = ensure_connected(W, X, n_neighbors=self.n_neighbors_, metric=self.metric,
                                 length=float(W.data.min()) if W.nnz else 1.0)
        clock.stage("affinity graph of %d points (%d edges)", W.shape[0], W.nnz)
        Y, values = _laplacian_eigenmaps(W, self.n_components, laplacian=self.laplacian,
                                         eigen_solver=self.eigen_solver,
                                         random_state=self.random_state)
        clock.stage("%d eigenvectors of the %s Laplacian", self.n_components, self.laplacian)
        self.affinity_matrix_ = W
        self.embedding_ = Y
        self.eigenvalues_ = values
        self.X_fit_ = None if self.affinity == "precomputed" else X
        return self

    @limit_threads
    def fit_transform(self, X, y=None):
        """Fit and return ``embedding_``, of shape (n_samples, n_components)."""
        return self.fit(X).embedding_

    @limit_threads
    def transform(self, X):
        """Place new points by the Nystrom extension of the eigenvectors (Bengio et al. 2004).

        Each query's kernel row ``w(x, x_j)`` against the training samples is built as fit
        built the graph: its ``n_neighbors_`` nearest training samples (``affinity="knn"``) or
        those within ``radius`` (``"epsilon"``), weighted by the same heat kernel (width
        ``sigma_``) or 1; a query equal to a training sample takes that sample's row of
        ``affinity_matrix_``. Then ``y(x)`` is the eigen-equation at ``x`` (class docstring).

        Limits. A training sample is placed exactly at its ``embedding_`` row (the extension
        is the eigen-equation itself there), but a new point's edges are one-way: the
        symmetrisation of fit (an edge also when ``x`` is among ``x_j``'s neighbours, half
        weights for ``"average"``) is not applied to it, new points never change the training
        graph or each other's coordinates, and the extension is only as good as the graph: a
        point far from the training data is placed at a weighted mean of its neighbours'
        coordinates (scaled by ``1 / (1 - lambda)``), not extrapolated. The coordinates agree
        with those of a refit on the joined data up to the refit's own change of the
        eigenvectors (of order the share of points added) and a sign or rotation of the
        columns.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features)
            New samples; with ``affinity="precomputed"``, their affinities to the training
            samples, of shape (n_queries, n_samples) (sparse allowed).

        Returns
        -------
        Y : ndarray of shape (n_queries, n_components)
        """
        check_is_fitted(self, "embedding_")
        W0 = sparse.csr_matrix(self.affinity_matrix_, dtype=np.float64)
        W0 = sparse.csr_matrix(W0 - sparse.diags(W0.diagonal()))   # as graph_laplacian
        if self.affinity == "precomputed":
            # (validate_data names the expected width: one column per training sample)
            K = sparse.csr_matrix(self._validate_X(X, reset=False, accept_sparse="csr"),
                                  dtype=np.float64)
            if K.nnz and K.data.min() < 0:
                row = int(np.repeat(np.arange(K.shape[0]), np.diff(K.indptr))[
                    np.argmax(K.data < 0)])
                raise DataError(f"row {row} of the precomputed affinities has a negative "
                                f"entry; affinities are weights >= 0.")
        else:
            K = self._kernel_rows(self._validate_X(X, reset=False), W0)
        degree_new = np.asarray(K.sum(axis=1)).ravel()                 # d(x)
        if np.any(degree_new <= 0):
            q = int(np.argmax(degree_new <= 0))
            raise DataError(f"query {q} has no training neighbour of positive weight, so the "
                            f"Nystrom extension cannot place it; raise n_neighbors or radius "
                            f"(or sigma for heat weights).")
        values = self.eigenvalues_
        if self.laplacian == "unnormalized":
            return (K @ self.embedding_) / (degree_new[:, None] - values)
        if self.laplacian == "symmetric":
            degree = np.asarray(W0.sum(axis=1)).ravel()
            inv_sqrt = 1.0 / np.sqrt(np.where(degree > 0, degree, 1.0))
            return ((K @ (self.embedding_ * inv_sqrt[:, None]))
                    / (np.sqrt(degree_new)[:, None] * (1.0 - values)))
        return (K @ self.embedding_) / (degree_new[:, None] * (1.0 - values))

    def _kernel_rows(self, X, W0):
        """Sparse (n_queries, n_samples) weights of the queries to the training samples."""
        metric = getattr(self, "metric", "euclidean")
        search = NearestNeighbors(metric=metric).fit(self.X_fit_)
        if self.affinity == "knn":
            dist, ind = search.kneighbors(X, n_neighbors=self.n_neighbors_)
            dist, ind = list(dist), list(ind)
        else:
            dist, ind = search.radius_neighbors(X, radius=self.radius, sort_results=True)
        rows = []
        for q, (d, i) in enumerate(zip(dist, ind)):
            if len(i) and np.array_equal(X[q], self.X_fit_[i[0]]):
                rows.append(W0[i[0]])               # a training sample: its row of the graph
                continue
            w = (np.exp(-(d ** 2) / (2.0 * float(self.sigma_) ** 2)) if self.weights == "heat"
                 else np.ones(len(i)))
            rows.append(sparse.csr_matrix((w, (np.zeros(len(i), dtype=np.int64), i)),
                                          shape=(1, W0.shape[0])))
        return sparse.csr_matrix(sparse.vstack(rows, format="csr")) if rows else \
            sparse.csr_matrix((0, W0.shape[0]))

    @property
    def _n_features_out(self):
        return self.n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.pairwise = self.affinity == "precomputed" or is_precomputed(self.metric)
        tags.input_tags.sparse = takes_sparse(self.metric)
        return tags


#: The name used in the issue brief; the same class.
LaplacianEmbedding = LaplacianEigenmaps
