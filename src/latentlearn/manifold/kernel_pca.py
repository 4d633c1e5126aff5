"""Kernel PCA: PCA in the feature space of a kernel, with a learned pre-image.

Scholkopf, Smola & Muller (1998), "Nonlinear component analysis as a kernel eigenvalue
problem". With the kernel matrix ``K_ij = k(x_i, x_j)`` centred in feature space,
``K_c = (I - 11^T/n) K (I - 11^T/n)``, and its eigenpairs ``K_c v_j = lambda_j v_j``
(``||v_j|| = 1``), the training codes are ``Y = V Lambda^{1/2}``, and a new point with kernel
row ``k_x`` (centred with the training means) has code ``k_x,c V Lambda^{-1/2}``.

Feature-space points have no exact pre-image in general. The learned pre-image (Bakir, Weston &
Scholkopf 2004, "Learning to find pre-images") fits kernel ridge regression from codes back to
inputs, ``x(y) = k(y, Y_train) (K_Y + alpha I)^{-1} X_train``, with the same kernel on the codes
-- scikit-learn's ``fit_inverse_transform=True``.
"""

from __future__ import annotations

import logging
from numbers import Integral, Real

import numpy as np
from scipy import linalg
from scipy.sparse.linalg import eigsh
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.metrics.pairwise import pairwise_kernels

from .._checks import check_codes
from .._linalg import flip_column_signs
from .._threads import N_JOBS_CONSTRAINT, limit_threads
from ..base import Interval, LatentEstimator, Options, check_is_fitted, check_random_state
from ..exceptions import ParameterError
from ..registry import register

__all__ = ["KernelPCA"]

logger = logging.getLogger(__name__)

_DENSE_MAX = 500


@register("kernel_pca", family="manifold")
class KernelPCA(ClassNamePrefixFeaturesOutMixin, TransformerMixin, LatentEstimator):
    """Kernel principal component analysis (Scholkopf et al. 1998), learned pre-image.

    Parameters
    ----------
    n_components : int, default=2
    kernel : {"rbf", "poly", "linear", "sigmoid", "cosine", "precomputed"}, default="rbf"
        ``rbf``: ``exp(-gamma ||x - x'||^2)``; ``poly``: ``(gamma x.x' + coef0)^degree``;
        ``precomputed``: ``X`` is the kernel matrix (training: (n, n); transform: (m, n)).
    gamma : float or None, default=None
        ``None``: ``1 / n_features`` (``gamma_``; the pre-image regression on the codes uses the
        same kernel and ``gamma_``, as scikit-learn does).
    degree : int, default=3
    coef0 : float, default=1.0
    alpha : float, default=1.0
        Ridge of the learned pre-image.
    fit_inverse_transform : bool, default=True
        Learn the pre-image map (not possible with ``kernel="precomputed"``).
    eigen_solver : {"auto", "arpack", "dense"}, default="auto"
        ``"auto"``: dense up to 500 samples, ARPACK above.
    n_jobs : int or None, default=None
        Threads of BLAS / OpenMP (through threadpoolctl) and numba in ``fit`` and
        ``transform`` (scikit-learn's meaning): None keeps the library defaults, 1 is one
        thread, -1 all cores.
    random_state : None, int or RandomState, default=None
        ARPACK's start vector.

    Attributes
    ----------
    eigenvalues_ : ndarray of shape (n_components,)
        Of the centred kernel matrix, descending.
    eigenvectors_ : ndarray of shape (n_samples, n_components)
        Unit norm, signs fixed (largest-magnitude entry positive).
    embedding_ : ndarray of shape (n_samples, n_components)
    gamma_ : float
    X_fit_ : ndarray of shape (n_samples, n_features)
    dual_coef_ : ndarray of shape (n_samples, n_features)
        Of the pre-image regression (when ``fit_inverse_transform``).
    n_features_in_ : int
    """

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None)],
        "kernel": [Options({"rbf", "poly", "linear", "sigmoid", "cosine", "precomputed"})],
        "gamma": [Interval(Real, 0, None, closed="neither"), None],
        "degree": [Interval(Integral, 1, None)],
        "coef0": [Interval(Real, None, None)],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "fit_inverse_transform": ["boolean"],
        "eigen_solver": [Options({"auto", "arpack", "dense"})],
        "random_state": ["random_state"],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(self, n_components=2, *, kernel="rbf", gamma=None, degree=3, coef0=1.0,
                 alpha=1.0, fit_inverse_transform=True, eigen_solver="auto",
                 random_state=None, n_jobs=None):
        self.n_components = n_components
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.alpha = alpha
        self.fit_inverse_transform = fit_inverse_transform
        self.eigen_solver = eigen_solver
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _kernel(self, A, B):
        if self.kernel == "precomputed":
            return A
        params = {}
        if self.kernel in ("rbf", "poly", "sigmoid"):
            params["gamma"] = self.gamma_
        if self.kernel in ("poly", "sigmoid"):
            params["coef0"] = self.coef0
        if self.kernel == "poly":
            params["degree"] = self.degree
        return pairwise_kernels(A, B, metric=self.kernel, **params)

    @limit_threads
    def fit(self, X, y=None):
        """Fit the kernel principal components of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Or the (n_samples, n_samples) kernel matrix when ``kernel="precomputed"``.
        y : ignored

        Returns
        -------
        self : KernelPCA
        """
        self._check_parameters()
        if self.kernel == "precomputed" and self.fit_inverse_transform:
            raise ParameterError(
                "KernelPCA: fit_inverse_transform=True needs the inputs, which "
                "kernel='precomputed' does not give; pass fit_inverse_transform=False.")
        X = self._validate_X(X, min_samples=2, dtype=np.float64)
        n = X.shape[0]
        if self.kernel == "precomputed" and X.shape[1] != n:
            raise ValueError(f"KernelPCA: a precomputed kernel must be square; got {X.shape}.")
        if self.n_components > n:
            raise ParameterError(
                f"KernelPCA: n_components={self.n_components} is larger than n_samples={n}; "
                "lower n_components or pass more samples.")
        self.gamma_ = self.gamma if self.gamma is not None else 1.0 / X.shape[1]
        K = self._kernel(X, X).astype(np.float64, copy=True)
        self._column_means = K.mean(axis=0)  # (n,)
        self._grand_mean = float(self._column_means.mean())
        K -= self._column_means[np.newaxis, :]
        K -= K.mean(axis=1, keepdims=True)
        k = self.n_components
        solver = self.eigen_solver
        if solver == "auto":
            solver = "dense" if n <= _DENSE_MAX else "arpack"
        if solver == "arpack" and k < n - 1:
            v0 = check_random_state(self.random_state).uniform(-1, 1, n)
            values, vectors = eigsh(K, k, which="LA", v0=v0)
        else:
            values, vectors = linalg.eigh(K, subset_by_index=[n - k, n - 1])
        order = np.argsort(values)[::-1]
        values = np.clip(values[order], 0.0, None)
        vectors = np.ascontiguousarray(vectors[:, order])
        flip_column_signs(vectors)
        self.eigenvalues_ = values
        self.eigenvectors_ = vectors
        self.embedding_ = vectors * np.sqrt(values)
        self.X_fit_ = X
        if self.fit_inverse_transform:
            KY = self._kernel(self.embedding_, self.embedding_)
            KY.flat[:: n + 1] += self.alpha
            self.dual_coef_ = linalg.solve(KY, X, assume_a="pos")
        return self

    @limit_threads
    def fit_transform(self, X, y=None):
        """Fit and return ``embedding_``, of shape (n_samples, n_components)."""
        return self.fit(X).embedding_

    @limit_threads
    def transform(self, X):
        """Codes of new points: ``k_x,c V Lambda^{-1/2}``.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features)
            Or kernel rows against the training set, (n_queries, n_samples), when precomputed.

        Returns
        -------
        Y : ndarray of shape (n_queries, n_components)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False, dtype=np.float64)
        Kx = self._kernel(X, self.X_fit_)
        Kx = Kx - self._column_means - Kx.mean(axis=1, keepdims=True) + self._grand_mean
        inv_sqrt = np.zeros_like(self.eigenvalues_)
        positive = self.eigenvalues_ > 0
        inv_sqrt[positive] = 1.0 / np.sqrt(self.eigenvalues_[positive])
        return (Kx @ self.eigenvectors_) * inv_sqrt

    @limit_threads
    def inverse_transform(self, Y):
        """Learned pre-image: ``x(y) = k(y, Y_train) (K_Y + alpha I)^{-1} X_train``.

        Parameters
        ----------
        Y : array-like of shape (n_queries, n_components)

        Returns
        -------
        X : ndarray of shape (n_queries, n_features)
        """
        check_is_fitted(self)
        if not self.fit_inverse_transform:
            raise ValueError("KernelPCA.inverse_transform needs fit_inverse_transform=True "
                             "at fit; refit with it.")
        Y = check_codes(Y, self.n_components, "KernelPCA.inverse_transform", dtype=np.float64)
        return self._kernel(Y, self.embedding_) @ self.dual_coef_

    @property
    def _n_features_out(self):
        return self.n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.pairwise = self.kernel == "precomputed"
        return tags
