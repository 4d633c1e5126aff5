"""Independent component analysis by FastICA: statistically independent, non-orthogonal directions.

PCA finds orthogonal directions of largest variance; ICA looks for directions along which the
data are *statistically independent*, which need not be orthogonal (Hyvarinen & Oja 2000,
section 1; Bishop 2006, PRML §12.4.1). The model is ``x = A s + mu``: independent, non-Gaussian
sources ``s`` mixed by a square matrix ``A``; ICA estimates an unmixing ``W ~ A^{-1}`` up to the
order, sign and scale of the sources.

FastICA (Hyvarinen 1999, "Fast and robust fixed-point algorithms for independent component
analysis"; Hyvarinen & Oja 2000, "Independent component analysis: algorithms and applications"):

1. Whiten with PCA: ``z = K (x - mu)`` with ``K = Lambda^{-1/2} V^T`` over the ``k`` leading
   principal directions, so that ``E[z z^T] = I`` (the ``1/n`` covariance). After whitening the
   unmixing is orthogonal.
2. Maximise the non-Gaussianity ``J(w) ~ [E G(w^T z) - E G(nu)]^2`` (``nu ~ N(0, 1)``) over unit
   vectors ``w`` by the fixed-point iteration
   ``w <- E[z g(w^T z)] - E[g'(w^T z)] w``, then re-normalise, with ``g = G'`` one of the
   contrasts:

   ======== ============================ ================================ ====================
   fun      G(u)                         g(u)                             use
   ======== ============================ ================================ ====================
   logcosh  log cosh(a u) / a            tanh(a u)                        general purpose
   exp      -exp(-u^2 / 2)               u exp(-u^2 / 2)                  super-Gaussian, robust
   cube     u^4 / 4                      u^3                              kurtosis, sub-Gaussian
   ======== ============================ ================================ ====================

   ``"parallel"`` updates all ``k`` rows of ``W`` at once and restores orthogonality by the
   symmetric decorrelation ``W <- (W W^T)^{-1/2} W``; ``"deflation"`` finds one row at a time,
   Gram-Schmidt-orthogonalised against the rows found before.
3. The unmixing in data space is ``components_ = W K``; the sources are
   ``s = components_ (x - mu)`` and the mixing matrix ``mixing_`` is its pseudo-inverse.

Deterministic output: the sources are rescaled to unit variance (``whiten="unit-variance"``),
ordered by decreasing ``||a_j||`` (the norm of their column of ``mixing_``: the amount of the
data each one carries, as PCA orders by variance), and signed so that the entry of largest
absolute value of each column of ``mixing_`` is positive (PCA's rule).
"""

from __future__ import annotations

import logging
import warnings
from numbers import Integral, Real

import numpy as np
from scipy import linalg
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning

from .._checks import check_codes
from .._linalg import flip_row_signs
from .._stages import StageClock
from .._threads import N_JOBS_CONSTRAINT, limit_threads
from ..base import Interval, LatentEstimator, Options, check_is_fitted, check_random_state
from ..exceptions import ParameterError
from ..registry import register
from .pca import PCA

__all__ = ["FastICA", "amari_index"]

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- contrasts
def _logcosh(U, alpha):
    """``g = tanh(a u)`` (in place of ``U``) and the row means of ``g' = a (1 - g^2)``."""
    U *= alpha
    G = np.tanh(U, out=U)
    n = G.shape[1]
    mean_g_prime = alpha * (1.0 - np.einsum("ij,ij->i", G, G, dtype=np.float64) / n)
    return G, mean_g_prime


def _exp(U, alpha):
    """``g = u exp(-u^2 / 2)`` and the row means of ``g' = (1 - u^2) exp(-u^2 / 2)``."""
    U2 = U * U
    E = np.exp(-0.5 * U2)
    G = U * E
    mean_g_prime = ((1.0 - U2) * E).mean(axis=1, dtype=np.float64)
    return G, mean_g_prime


def _cube(U, alpha):
    """``g = u^3`` and the row means of ``g' = 3 u^2``."""
    U2 = U * U
    mean_g_prime = 3.0 * U2.mean(axis=1, dtype=np.float64)
    U2 *= U
    return U2, mean_g_prime


_CONTRASTS = {"logcosh": _logcosh, "exp": _exp, "cube": _cube}


# --------------------------------------------------------------------------- kernels
def _sym_decorrelation(W):
    """``(W W^T)^{-1/2} W``: the orthogonal matrix nearest to ``W`` (rows orthonormal)."""
    s, u = linalg.eigh(W @ W.T, check_finite=False)
    s = np.clip(s, np.finfo(W.dtype).tiny, None)
    return (u * (1.0 / np.sqrt(s))) @ u.T @ W


def _ica_parallel(Z, W, contrast, alpha, max_iter, tol):
    """Symmetric FastICA on whitened ``Z`` (k, n); returns ``W`` (k, k) and the iterations."""
    n = Z.shape[1]
    W = _sym_decorrelation(W)
    for n_iter in range(1, max_iter + 1):
        G, mean_g_prime = contrast(W.astype(Z.dtype) @ Z, alpha)  # (k, n)
        W_new = (G @ Z.T).astype(np.float64) / n - mean_g_prime[:, np.newaxis] * W
        W_new = _sym_decorrelation(W_new)
        # converged when every row turns by less than tol: |<w_new, w>| = 1
        lim = float(np.max(np.abs(np.abs(np.einsum("ij,ij->i", W_new, W)) - 1.0)))
        W = W_new
        if lim < tol:
            return W, n_iter, True
    return W, max_iter, False


def _ica_deflation(Z, W_init, contrast, alpha, max_iter, tol):
    """Deflationary FastICA: one unit at a time, orthogonal to the rows found before."""
    k, n = Z.shape
    W = np.zeros((k, k))
    converged = True
    n_iter_max = 0
    for j in range(k):
        w = W_init[j] / np.linalg.norm(W_init[j])
        for n_iter in range(1, max_iter + 1):
            G, mean_g_prime = contrast((w.astype(Z.dtype) @ Z)[np.newaxis], alpha)
            w_new = (G[0] @ Z.T).astype(np.float64) / n - mean_g_prime[0] * w
            w_new -= (w_new @ W[:j].T) @ W[:j]  # Gram-Schmidt against the units found
            w_new /= np.linalg.norm(w_new)
            lim = abs(abs(float(w_new @ w)) - 1.0)
            w = w_new
            if lim < tol:
                break
        else:
            converged = False
        n_iter_max = max(n_iter_max, n_iter)
        W[j] = w
    return W, n_iter_max, converged


def amari_index(W, A):
    """Amari index of ``P = W A``: 0 when ``W`` inverts the mixing ``A`` up to order and scale.

    ``d(P) = 1 / (2 k (k - 1)) [sum_i (sum_j |p_ij| / max_j |p_ij| - 1)
    + sum_j (sum_i |p_ij| / max_i |p_ij| - 1)]`` (Amari, Cichocki & Yang 1996), in [0, 1].

    Parameters
    ----------
    W : array-like of shape (k, n_features)
        Estimated unmixing (``FastICA.components_``).
    A : array-like of shape (n_features, k)
        True mixing matrix.

    Returns
    -------
    index : float
    """
    P = np.abs(np.asarray(W, dtype=np.float64) @ np.asarray(A, dtype=np.float64))
    if P.ndim != 2 or P.shape[0] != P.shape[1] or P.shape[0] < 2:
        raise ValueError(f"amari_index needs W (k, d) and A (d, k) with k >= 2; W A has shape "
                         f"{P.shape}.")
    k = P.shape[0]
    rows = (P.sum(axis=1) / P.max(axis=1) - 1.0).sum()
    cols = (P.sum(axis=0) / P.max(axis=0) - 1.0).sum()
    return float((rows + cols) / (2.0 * k * (k - 1)))


# --------------------------------------------------------------------------- estimator
@register("ica", family="decomposition")
class FastICA(ClassNamePrefixFeaturesOutMixin, TransformerMixin, LatentEstimator):
    """Independent component analysis by FastICA (Hyvarinen 1999): unmix independent sources.

    Model ``x = A s + mu`` with independent non-Gaussian sources ``s``. The data are whitened by
    PCA, ``z = K (x - mu)``, then an orthogonal ``W`` is found by the fixed-point iteration
    ``w <- E[z g(w^T z)] - E[g'(w^T z)] w`` (Hyvarinen & Oja 2000: ICA's directions are
    statistically independent and, unlike PCA's, not orthogonal). Sources are ``s = W K (x - mu)``.

    Parameters
    ----------
    n_components : int or None, default=None
        Number of sources ``k`` (PCA directions kept by the whitening). ``None`` keeps the
        numerical rank of ``X``: every principal direction whose variance exceeds
        ``eps * max(n_samples, n_features) * lambda_1``.
    algorithm : {"parallel", "deflation"}, default="parallel"
        All units at once with symmetric decorrelation, or one at a time.
    whiten : {"unit-variance", "arbitrary-variance"}, default="unit-variance"
        ``"unit-variance"`` rescales the sources to unit variance on the training data;
        ``"arbitrary-variance"`` keeps the scale the iteration ends with.
    fun : {"logcosh", "exp", "cube"}, default="logcosh"
        The contrast ``G`` (see the module docstring).
    fun_args : dict or None, default=None
        ``{"alpha": a}`` for ``"logcosh"``, ``1 <= a <= 2`` (default 1.0); no others.
    max_iter : int >= 1, default=200
        Fixed-point iterations (per unit for ``"deflation"``).
    tol : float > 0, default=1e-4
        Stop when every unit turns by less than this: ``max |1 - |<w_new, w>|| < tol``.
    w_init : array-like of shape (n_components, n_components) or None, default=None
        Starting unmixing in the whitened space; ``None`` draws a standard normal matrix.
    whiten_solver : {"auto", "eigh", "svd"}, default="auto"
        PCA for the whitening: the eigen-decomposition of the covariance (fast when
        ``n_samples >> n_features``) or the SVD of the centred data (more accurate for
        ill-conditioned data). ``"auto"`` takes ``"eigh"`` when ``n_samples >= n_features``.
    n_jobs : int or None, default=None
        Threads of BLAS / OpenMP (through threadpoolctl) and numba in ``fit`` and
        ``transform`` (scikit-learn's meaning): None keeps the library defaults, 1 is one
        thread, -1 all cores.
    random_state : None, int or numpy.random.RandomState, default=None
        Seeds ``w_init`` when it is None.
    verbose : int, default=0
        Log how long each stage of the fit takes (logger ``latentlearn.decomposition.ica``, at
        INFO), as openTSNE's ``verbose`` prints its stages; 0 logs them at DEBUG only.

    Attributes
    ----------
    components_ : ndarray of shape (n_components_, n_features)
        The unmixing matrix ``W K``: ``s = components_ (x - mean_)``.
    mixing_ : ndarray of shape (n_features, n_components_)
        Pseudo-inverse of ``components_``: ``x ~ mixing_ s + mean_``. Columns ordered by
        decreasing norm, each with its largest-magnitude entry positive.
    mean_ : ndarray of shape (n_features,)
    whitening_ : ndarray of shape (n_components_, n_features)
        ``K``: the PCA whitening, ``z = K (x - mean_)`` has identity covariance on the training
        data.
    n_components_ : int
    n_iter_ : int
        Fixed-point iterations run (the most over the units for ``"deflation"``).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` had string column names.

    Notes
    -----
    float32 data stay float32 through the iteration (as in scikit-learn); ``W`` itself is kept
    in float64.

    Examples
    --------
    >>> import numpy as np
    >>> from latentlearn.decomposition import FastICA
    >>> rng = np.random.RandomState(0)
    >>> S = np.c_[rng.laplace(size=500), rng.uniform(-1, 1, size=500)]
    >>> X = S @ np.array([[1.0, 0.5], [0.3, 1.0]]).T
    >>> FastICA(2, random_state=0).fit_transform(X).shape
    (500, 2)
    """

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None), None],
        "algorithm": [Options({"parallel", "deflation"})],
        "whiten": [Options({"unit-variance", "arbitrary-variance"})],
        "fun": [Options(set(_CONTRASTS))],
        "fun_args": [dict, None],
        "max_iter": [Interval(Integral, 1, None)],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "w_init": ["array-like", None],
        "whiten_solver": [Options({"auto", "eigh", "svd"})],
        "random_state": ["random_state"],
        "verbose": [Interval(Integral, 0, None), "boolean"],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(self, n_components=None, *, algorithm="parallel", whiten="unit-variance",
                 fun="logcosh", fun_args=None, max_iter=200, tol=1e-4, w_init=None,
                 whiten_solver="auto", random_state=None, verbose=0, n_jobs=None):
        self.n_components = n_components
        self.algorithm = algorithm
        self.whiten = whiten
        self.fun = fun
        self.fun_args = fun_args
        self.max_iter = max_iter
        self.tol = tol
        self.w_init = w_init
        self.whiten_solver = whiten_solver
        self.random_state = random_state
        self.verbose = verbose
        self.n_jobs = n_jobs

    def _alpha(self):
        args = dict(self.fun_args or {})
        unknown = set(args) - {"alpha"}
        if unknown or (args and self.fun != "logcosh"):
            raise ParameterError(
                f"FastICA: fun_args={self.fun_args!r} is not allowed; only fun='logcosh' takes "
                "an argument, {'alpha': a} with 1 <= a <= 2.")
        alpha = args.get("alpha", 1.0)
        if isinstance(alpha, (bool, np.bool_)) or not isinstance(alpha, Real) \
                or not 1.0 <= alpha <= 2.0:
            raise ParameterError(
                f"FastICA: fun_args alpha={alpha!r} must be a number in [1, 2].")
        return float(alpha)

    def _whiten(self, X):
        """PCA whitening: ``mean``, ``K`` (k, d) with ``cov(K (x - mean)) = I`` (1/n)."""
        n_samples, n_features = X.shape
        solver = self.whiten_solver
        if solver == "auto":
            solver = "eigh" if n_samples >= n_features else "svd"
        pca = PCA(self.n_components,
                  svd_solver="covariance_eigh" if solver == "eigh" else "full").fit(X)
        variances = pca.explained_variance_.astype(np.float64) * (n_samples - 1) / n_samples
        cutoff = np.finfo(X.dtype).eps * max(n_samples, n_features) * max(variances[0], 0.0)
        rank = int(np.count_nonzero(variances > cutoff))
        if rank == 0:
            raise ValueError(
                "FastICA: X has no variance (all rows are equal up to rounding); there is "
                "nothing to unmix.")
        if self.n_components is None:
            variances = variances[:rank]
        elif rank < self.n_components:
            raise ParameterError(
                f"FastICA: n_components={self.n_components} is more than the numerical rank "
                f"{rank} of X: whitening would divide by (near) zero variances. Lower "
                f"n_components to at most {rank}, or pass n_components=None.")
        components = pca.components_[: variances.size].astype(np.float64)
        K = components / np.sqrt(variances)[:, np.newaxis]  # (k, d)
        return pca.mean_.astype(np.float64), K

    def _initial_unmixing(self, k):
        if self.w_init is None:
            return check_random_state(self.random_state).standard_normal((k, k))
        w_init = np.asarray(self.w_init, dtype=np.float64)
        if w_init.shape != (k, k):
            raise ParameterError(
                f"FastICA: w_init must have shape (n_components, n_components) = ({k}, {k}); "
                f"got {w_init.shape}.")
        if not np.all(np.isfinite(w_init)):
            raise ParameterError("FastICA: w_init has NaN or infinite entries.")
        return w_init

    def _fit(self, X):
        self._check_parameters()
        clock = StageClock(logger, "FastICA", self.verbose)
        alpha = self._alpha()
        X = self._validate_X(X, reset=True, min_samples=2)
        if self.n_components is not None and self.n_components > min(X.shape):
            raise ParameterError(
                f"FastICA: n_components={self.n_components} is larger than min(n_samples, "
                f"n_features) = {min(X.shape)}; lower it, or pass n_components=None.")
        mean, K = self._whiten(X)
        k = K.shape[0]
        Z = K.astype(X.dtype) @ (X - mean.astype(X.dtype)).T  # (k, n), whitened
        clock.stage("whitening to %d dimensions", k)
        W_init = self._initial_unmixing(k)
        solve = _ica_parallel if self.algorithm == "parallel" else _ica_deflation
        W, n_iter, converged = solve(Z, W_init, _CONTRASTS[self.fun], alpha, self.max_iter,
                                     self.tol)
        clock.stage("%d %s fixed-point iterations", n_iter, self.algorithm)
        if not converged:
            warnings.warn(
                f"FastICA did not converge in max_iter={self.max_iter} iterations "
                f"(tol={self.tol}); raise max_iter or tol, or try another fun.",
                ConvergenceWarning, stacklevel=3)
        S = W.astype(X.dtype) @ Z  # (k, n)
        if self.whiten == "unit-variance":
            std = S.std(axis=1, dtype=np.float64)
            std[std == 0] = 1.0
            W = W / std[:, np.newaxis]
            S /= std[:, np.newaxis].astype(S.dtype)
        unmixing = W @ K  # (k, d)
        mixing = linalg.pinv(unmixing, check_finite=False)  # (d, k)
        # deterministic order (by how much of the data each source carries) and sign
        order = np.argsort(-np.linalg.norm(mixing, axis=0), kind="stable")
        mixing = np.ascontiguousarray(mixing[:, order])
        unmixing, S = unmixing[order], S[order]
        signs = flip_row_signs(mixing.T.copy())
        mixing *= signs
        unmixing *= signs[:, np.newaxis]
        S *= signs[:, np.newaxis].astype(S.dtype)

        dtype = X.dtype
        self.components_ = unmixing.astype(dtype)
        self.mixing_ = mixing.astype(dtype)
        self.mean_ = mean.astype(dtype)
        self.whitening_ = K.astype(dtype)
        self.n_components_ = k
        self.n_iter_ = n_iter
        clock.stage("sources ordered and signed")
        return S.T

    @limit_threads
    def fit(self, X, y=None):
        """Estimate the unmixing of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self : FastICA
        """
        self._fit(X)
        return self

    @limit_threads
    def fit_transform(self, X, y=None):
        """Estimate the unmixing and return the sources of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        S : ndarray of shape (n_samples, n_components_)
        """
        return np.ascontiguousarray(self._fit(X))

    @limit_threads
    def transform(self, X):
        """Sources ``s = components_ (x - mean_)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        S : ndarray of shape (n_samples, n_components_)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return (X - self.mean_) @ self.components_.T

    @limit_threads
    def inverse_transform(self, S):
        """Mix sources back: ``x = mixing_ s + mean_``.

        Parameters
        ----------
        S : array-like of shape (n_samples, n_components_)

        Returns
        -------
        X_rec : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        S = check_codes(S, self.n_components_, "FastICA.inverse_transform", "sources")
        return S @ self.mixing_.T + self.mean_

    @property
    def _n_features_out(self):
        return self.components_.shape[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
