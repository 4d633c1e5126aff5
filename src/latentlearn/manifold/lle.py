"""Locally linear embedding: keep each point's reconstruction from its neighbours.

Roweis & Saul (2000), "Nonlinear dimensionality reduction by locally linear embedding",
Science 290: each point is a linear combination of its neighbours; find low-dimensional points
reconstructed by the same weights:

1. the ``k`` nearest neighbours ``N(i)`` of each ``x_i``;
2. weights minimising ``||x_i - sum_j W_ij x_j||^2`` with ``sum_j W_ij = 1``: solve
   ``C w = 1`` with the local Gram matrix ``C_jl = (x_i - x_j).(x_i - x_l)``, regularised by
   ``reg * trace(C) * I`` (needed when ``k > d``), then normalise ``w`` to sum 1;
3. the embedding minimising ``sum_i ||y_i - sum_j W_ij y_j||^2 = tr(Y^T M Y)`` with
   ``M = (I - W)^T (I - W)`` under ``Y^T Y = I``: the eigenvectors of the ``n_components``
   smallest eigenvalues of ``M`` after the constant one.

``M`` stays sparse (``O(n k^2)`` entries). New points are placed by step 2 against the training
points and ``y = sum_j w_j y_j``.

``method="ltsa"``: local tangent space alignment (Zhang & Zha 2004) replaces steps 2 and 3's
``M``: each neighbourhood ``N(i)`` (centred) gets its tangent space from its top
``n_components`` principal directions ``V_i``, and ``M = sum_i S_i (I - G_i G_i^T) S_i^T`` with
``G_i = [1 / sqrt(k), V_i]`` (``S_i`` selects the rows of ``N(i)``): the embedding is the set of
global coordinates that each neighbourhood's tangent coordinates reproduce best, up to an
affine map. It has no regularisation parameter and does not fold thin manifolds as standard
LLE can.
"""

from __future__ import annotations

import logging
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.neighbors import NearestNeighbors

from .._linalg import flip_column_signs, smallest_eigenpairs
from .._stages import StageClock
from .._threads import N_JOBS_CONSTRAINT, limit_threads
from ..base import Interval, LatentEstimator, Options, check_is_fitted
from ..neighbors.distances import check_metric
from ..registry import register

__all__ = ["LocallyLinearEmbedding", "barycenter_weights"]

logger = logging.getLogger(__name__)


def barycenter_weights(X, Z, indices, reg=1e-3):
    """Weights reconstructing each ``X[i]`` from ``Z[indices[i]]``, summing to one.

    Parameters
    ----------
    X : ndarray of shape (n_queries, n_features)
    Z : ndarray of shape (n_references, n_features)
    indices : ndarray of int of shape (n_queries, n_neighbors)
    reg : float, default=1e-3
        Tikhonov term ``reg * trace(C)`` added to the local Gram matrix's diagonal.

    Returns
    -------
    W : ndarray of shape (n_queries, n_neighbors)
    """
    n, k = indices.shape
    local = X[:, np.newaxis, :] - Z[indices]  # (n, k, d)
    C = np.einsum("nkd,nld->nkl", local, local)  # (n, k, k)
    trace = np.trace(C, axis1=1, axis2=2)
    R = np.where(trace > 0, reg * trace, reg)
    C[:, np.arange(k), np.arange(k)] += R[:, np.newaxis]
    w = np.linalg.solve(C, np.ones((n, k, 1)))[:, :, 0]
    return w / w.sum(axis=1, keepdims=True)


def _ltsa_matrix(X, indices, n_components, block=4096):
    """``M = sum_i S_i (I - G_i G_i^T) S_i^T`` of LTSA, sparse (``n k^2`` entries).

    The tangent directions of a neighbourhood are the top eigenvectors of its centred local
    Gram matrix (``k x k``: the left singular vectors of the neighbourhood, at ``O(k^2 d)``
    whatever the input dimension), computed for ``block`` neighbourhoods at a time.
    """
    n, k = indices.shape
    rows, cols, vals = [], [], []
    eye = np.eye(k)
    for start in range(0, n, block):
        idx = indices[start:start + block]
        nb = X[idx]  # (b, k, d)
        nb = nb - nb.mean(axis=1, keepdims=True)
        gram = np.einsum("bkd,bld->bkl", nb, nb)
        V = np.linalg.eigh(gram)[1][:, :, ::-1][:, :, :n_components]  # (b, k, c), top first
        G = np.concatenate([np.full((idx.shape[0], k, 1), 1.0 / np.sqrt(k)), V], axis=2)
        block_M = eye - np.einsum("bkc,blc->bkl", G, G)
        rows.append(np.repeat(idx, k, axis=1).ravel())
        cols.append(np.tile(idx, (1, k)).ravel())
        vals.append(block_M.ravel())
    M = sparse.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(n, n))
    return M.tocsr()  # duplicates summed


@register("lle", family="manifold")
class LocallyLinearEmbedding(ClassNamePrefixFeaturesOutMixin, TransformerMixin, LatentEstimator):
    """Locally linear embedding (Roweis & Saul 2000), standard or LTSA (Zhang & Zha 2004).

    Parameters
    ----------
    n_components : int, default=2
    n_neighbors : int, default=10
        ``k`` (capped at ``n_samples - 1``).
    method : {"standard", "ltsa"}, default="standard"
        How ``M`` is built (module docstring). ``"ltsa"`` needs ``n_neighbors > n_components``.
    reg : float, default=1e-3
        Regularisation of the local Gram matrices, relative to their trace.
    eigen_solver : {"auto", "arpack", "dense"}, default="auto"
        ``"auto"``: dense up to 500 samples, ARPACK in shift-invert mode above.
    tol : float, default=1e-6
        ARPACK tolerance.
    neighbors_algorithm : {"auto", "brute", "kd_tree", "ball_tree"}, default="auto"
    metric : str or callable, default="euclidean"
        Distance of the neighbour search only (any metric of scipy or scikit-learn, or a
        callable ``f(u, v) -> float``): the reconstruction weights are Euclidean whatever the
        metric (Roweis & Saul 2000 reconstruct each point as an affine combination of its
        neighbours' coordinates), so ``"precomputed"`` is not possible.
    n_jobs : int or None, default=None
        Threads of BLAS / OpenMP (through threadpoolctl) and numba in ``fit`` and
        ``transform`` (scikit-learn's meaning): None keeps the library defaults, 1 is one
        thread, -1 all cores.
    random_state : None, int or RandomState, default=None
        ARPACK's start vector.
    verbose : int, default=0
        Log how long each stage of the fit takes (logger ``latentlearn.manifold.lle``, at INFO), as
        openTSNE's ``verbose`` prints its stages; 0 logs them at DEBUG only.

    Attributes
    ----------
    embedding_ : ndarray of shape (n_samples, n_components)
        Orthonormal columns (``Y^T Y = I``), signs fixed (largest-magnitude entry positive).
    eigenvalues_ : ndarray of shape (n_components,)
    reconstruction_error_ : float
        ``tr(Y^T M Y)``, the sum of the kept eigenvalues.
    nbrs_ : sklearn.neighbors.NearestNeighbors
    n_features_in_ : int
    """

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None)],
        "n_neighbors": [Interval(Integral, 1, None)],
        "reg": [Interval(Real, 0, None)],
        "method": [Options({"standard", "ltsa"})],
        "eigen_solver": [Options({"auto", "arpack", "dense"})],
        "tol": [Interval(Real, 0, None)],
        "neighbors_algorithm": [Options({"auto", "brute", "kd_tree", "ball_tree"})],
        "metric": [str, "callable"],
        "random_state": ["random_state"],
        "verbose": [Interval(Integral, 0, None), "boolean"],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(self, n_components=2, *, n_neighbors=10, reg=1e-3, method="standard",
                 eigen_solver="auto", tol=1e-6, neighbors_algorithm="auto", metric="euclidean",
                 random_state=None, verbose=0, n_jobs=None):
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.reg = reg
        self.method = method
        self.eigen_solver = eigen_solver
        self.tol = tol
        self.neighbors_algorithm = neighbors_algorithm
        self.metric = metric
        self.random_state = random_state
        self.verbose = verbose
        self.n_jobs = n_jobs

    @limit_threads
    def fit(self, X, y=None):
        """Compute the embedding of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self : LocallyLinearEmbedding
        """
        self._check_parameters()
        clock = StageClock(logger, "LocallyLinearEmbedding", self.verbose)
        check_metric(self.metric, whom="LocallyLinearEmbedding", allow_precomputed=False)
        X = self._validate_X(X, min_samples=self.n_components + 2, dtype=np.float64)
        n = X.shape[0]
        k = min(self.n_neighbors, n - 1)
        self.n_neighbors_ = k
        self._fit_X = X
        self.nbrs_ = NearestNeighbors(n_neighbors=k, algorithm=self.neighbors_algorithm,
                                      metric=self.metric).fit(X)
        indices = self.nbrs_.kneighbors(return_distance=False)  # (n, k), self excluded
        clock.stage("%d nearest neighbours of %d points", k, n)
        if self.method == "ltsa":
            if k <= self.n_components:
                raise ValueError(
                    f"method='ltsa' needs n_neighbors > n_components; got n_neighbors={k}, "
                    f"n_components={self.n_components}: raise n_neighbors.")
            M = _ltsa_matrix(X, indices, self.n_components)
        else:
            w = barycenter_weights(X, X, indices, reg=self.reg)
            W = sparse.csr_matrix((w.ravel(), indices.ravel(), np.arange(0, n * k + 1, k)),
                                  shape=(n, n))
            I_W = sparse.identity(n, format="csr") - W
            M = (I_W.T @ I_W).tocsr()  # (n, n), sparse
        clock.stage("%s weights and the matrix M", self.method)
        # Shift-invert just below 0: M is PSD with a (near) zero eigenvalue, and its smallest
        # eigenvalues are tiny and clustered, which plain Lanczos resolves badly.
        values, vectors = smallest_eigenpairs(
            M, self.n_components + 1, solver=self.eigen_solver, random_state=self.random_state,
            sigma=-1e-8, tol=self.tol, maxiter=1000)
        clock.stage("%d smallest eigenvectors of M", self.n_components + 1)
        self.embedding_ = flip_column_signs(np.ascontiguousarray(vectors[:, 1:]))
        self.eigenvalues_ = values[1:]
        self.reconstruction_error_ = float(np.sum(values[1:]))
        return self

    @limit_threads
    def fit_transform(self, X, y=None):
        """Fit and return ``embedding_``, of shape (n_samples, n_components)."""
        return self.fit(X).embedding_

    @limit_threads
    def transform(self, X):
        """Place new points: barycentre weights on their training neighbours, ``y = W Y``.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features)

        Returns
        -------
        Y : ndarray of shape (n_queries, n_components)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False, dtype=np.float64)
        indices = self.nbrs_.kneighbors(X, return_distance=False)
        w = barycenter_weights(X, self._fit_X, indices, reg=self.reg)
        return np.einsum("nk,nkc->nc", w, self.embedding_[indices])

    @property
    def _n_features_out(self):
        return self.n_components
