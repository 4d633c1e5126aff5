"""Factor analysis: a linear Gaussian latent model with a separate noise variance per feature.

The model (Bishop 2006, "Pattern recognition and machine learning", section 12.2.4; Barber 2012,
"Bayesian reasoning and machine learning", chapter 21) is

    z ~ N(0, I_k),    x | z ~ N(mu + W^T z, Psi),    Psi = diag(psi_1, ..., psi_d),

so that ``x ~ N(mu, W^T W + Psi)``. Probabilistic PCA is the special case ``Psi = sigma^2 I``;
the diagonal ``Psi`` lets every feature have its own noise, and the factors then model the
*covariances* between features rather than the variances (Bishop 2006, §12.2.4, treats it
next to probabilistic PCA among the linear latent-variable models).

Maximum likelihood by the SVD-based iteration of Barber (2012, Algorithm 21.1), the one
scikit-learn uses. With ``C`` the ``1/n`` sample covariance and ``Psi`` fixed, the likelihood is
maximised in ``W`` by the leading eigen-pairs ``(lambda_j, v_j)`` of the scaled covariance
``C~ = Psi^{-1/2} C Psi^{-1/2}``::

    W = diag(sqrt(max(lambda_j - 1, 0))) V^T Psi^{1/2},
    log L = -n/2 [ d log(2 pi) + k + sum_j log lambda_j + (tr C~ - sum_j lambda_j)
                   + sum_i log psi_i ],

and then ``Psi`` is updated to ``diag(C) - diag(W^T W)`` (floored at 1e-12). The iteration stops
when ``log L`` rises by less than ``tol``.

scikit-learn takes the SVD of the ``n x d`` scaled data ``X Psi^{-1/2} / sqrt(n)`` at every
step. Here ``C`` is formed once (``O(n d^2)``) and every step works on the ``d x d`` matrix
``C~``, whose eigenvalues are the squared singular values of that data matrix: an exact
eigen-decomposition (``svd_method="lapack"``) or a subspace iteration warm-started from the
previous step's eigenvectors (``"randomized"``, Halko, Martinsson & Tropp 2011), so that the
per-step cost no longer depends on ``n``.
"""

from __future__ import annotations

import logging
import warnings
from numbers import Integral, Real

import numpy as np
from scipy import linalg
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning

from .._linalg import covariance, flip_row_signs
from .._stages import StageClock
from .._threads import N_JOBS_CONSTRAINT, limit_threads
from ..base import Interval, LatentEstimator, Options, check_is_fitted, check_random_state
from ..exceptions import ParameterError
from ..registry import register

__all__ = ["FactorAnalysis"]

logger = logging.getLogger(__name__)

_SMALL = 1e-12  # floor of the noise variances, as scikit-learn's
_OVERSAMPLES = 10  # extra directions carried by the subspace iteration


def _top_eigen_exact(M, k):
    """The ``k`` largest eigenvalues (descending) and eigenvectors (rows) of symmetric ``M``."""
    d = M.shape[0]
    values, vectors = linalg.eigh(M, subset_by_index=[d - k, d - 1], check_finite=False)
    return values[::-1], vectors[:, ::-1].T


def _top_eigen_subspace(M, k, Q, min_products, max_products=100, rtol=1e-7):
    """Leading eigen-pairs of symmetric PSD ``M`` by subspace iteration from the basis ``Q``.

    Each product ``Y = M Q`` is followed by the Rayleigh-Ritz step (the eigen-decomposition of
    ``Q^T M Q``); after ``min_products`` products the iteration stops as soon as the ``k``
    leading Ritz pairs have residuals ``||M v - lambda v|| <= rtol * lambda_1``, else the basis
    becomes ``orth(Y)``. Warm-started from the previous call's Ritz vectors (``M`` changes
    little from one factor-analysis step to the next), one or two products usually suffice.

    Parameters
    ----------
    M : ndarray of shape (d, d)
    k : int
    Q : ndarray of shape (d, k + p), orthonormal columns
    min_products, max_products : int
    rtol : float

    Returns
    -------
    values : ndarray of shape (k,), descending
    vectors : ndarray of shape (k, d)
    basis : ndarray of shape (d, k + p)
        Ritz vectors, to start the next call from.
    """
    for n_products in range(1, max_products + 1):
        Y = M @ Q  # (d, k + p)
        small = Q.T @ Y
        values, vectors = linalg.eigh((small + small.T) / 2, check_finite=False)
        values, vectors = values[::-1], vectors[:, ::-1]
        if n_products >= min_products:
            residual = Y @ vectors[:, :k] - Q @ (vectors[:, :k] * values[:k])
            if np.linalg.norm(residual, axis=0).max() <= rtol * max(values[0], 0.0):
                break
        Q, _ = linalg.qr(Y, mode="economic", check_finite=False)
    basis = Q @ vectors
    return values[:k], basis[:, :k].T, basis


def _ortho_rotation(loadings, method, tol=1e-6, max_iter=100):
    """Varimax or quartimax rotation of ``loadings`` (d, k) (Kaiser 1958), as scikit-learn's.

    Maximises ``sum_j [ sum_i l_ij^4 - gamma/d (sum_i l_ij^2)^2 ]`` over rotations, with
    ``gamma = 1`` (varimax) or 0 (quartimax), by the SVD iteration ``R <- U V^T`` of
    ``L^T (L_R^3 - gamma/d L_R diag(sum_i L_R^2))``.
    """
    n_rows, n_cols = loadings.shape
    R = np.eye(n_cols)
    previous = 0.0
    for _ in range(max_iter):
        rotated = loadings @ R
        target = rotated**3
        if method == "varimax":
            target -= rotated * ((rotated**2).sum(axis=0) / n_rows)
        u, s, vt = np.linalg.svd(loadings.T @ target)
        R = u @ vt
        value = float(s.sum())
        if previous != 0 and value < previous * (1 + tol):
            break
        previous = value
    return loadings @ R


@register("factor_analysis", family="decomposition")
class FactorAnalysis(ClassNamePrefixFeaturesOutMixin, TransformerMixin, LatentEstimator):
    """Factor analysis: ``x = mu + W^T z + e``, ``z ~ N(0, I)``, ``e ~ N(0, diag(psi))``.

    Fitted by maximum likelihood with Barber's SVD-based iteration (2012, Algorithm 21.1): for
    fixed ``Psi``, ``W`` comes from the leading eigen-pairs of ``Psi^{-1/2} C Psi^{-1/2}`` (``C``
    the sample covariance), then ``Psi = diag(C - W^T W)``. See the module docstring.

    Parameters
    ----------
    n_components : int or None, default=None
        Number of factors ``k``, at most ``n_features``; ``None`` means ``n_features``.
    tol : float > 0, default=1e-2
        Stop when the total log-likelihood rises by less than this in one iteration.
    max_iter : int >= 1, default=1000
    noise_variance_init : array-like of shape (n_features,) or None, default=None
        Starting ``psi``; ``None`` starts from ones.
    svd_method : {"randomized", "lapack"}, default="randomized"
        ``"lapack"``: exact eigen-decomposition of the scaled ``d x d`` covariance at every
        step; ``"randomized"``: subspace iteration from a random start, warm-started from the
        previous step (exact is used anyway when ``n_components + 10 >= n_features``).
    iterated_power : int >= 0, default=3
        Subspace-iteration products per step for ``"randomized"``.
    rotation : {"varimax", "quartimax"} or None, default=None
        Rotate the fitted loadings (Kaiser 1958); the likelihood does not change.
    n_jobs : int or None, default=None
        Threads of BLAS / OpenMP (through threadpoolctl) and numba in ``fit`` and
        ``transform`` (scikit-learn's meaning): None keeps the library defaults, 1 is one
        thread, -1 all cores.
    random_state : None, int or numpy.random.RandomState, default=None
        Seeds the random start of ``"randomized"``.
    verbose : int, default=0
        Log how long each stage of the fit takes (logger
        ``latentlearn.decomposition.factor_analysis``, at INFO), as openTSNE's ``verbose`` prints
        its stages; 0 logs them at DEBUG only.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        The loadings ``W``, ordered by decreasing norm (which, unrotated, is the order of the
        eigenvalues), each row with its largest-magnitude entry positive.
    noise_variance_ : ndarray of shape (n_features,)
        ``psi``, the noise variance of each feature.
    mean_ : ndarray of shape (n_features,)
    loglike_ : ndarray of shape (n_iter_,)
        The total log-likelihood ``log L`` at each iteration (non-decreasing).
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` had string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from latentlearn.decomposition import FactorAnalysis
    >>> X = np.random.RandomState(0).normal(size=(200, 6))
    >>> fa = FactorAnalysis(2, random_state=0).fit(X)
    >>> fa.transform(X).shape
    (200, 2)
    """

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None), None],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None)],
        "noise_variance_init": ["array-like", None],
        "svd_method": [Options({"randomized", "lapack"})],
        "iterated_power": [Interval(Integral, 0, None)],
        "rotation": [Options({"varimax", "quartimax"}), None],
        "random_state": ["random_state"],
        "verbose": [Interval(Integral, 0, None), "boolean"],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(self, n_components=None, *, tol=1e-2, max_iter=1000, noise_variance_init=None,
                 svd_method="randomized", iterated_power=3, rotation=None, random_state=None,
                 verbose=0, n_jobs=None):
        self.n_components = n_components
        self.tol = tol
        self.max_iter = max_iter
        self.noise_variance_init = noise_variance_init
        self.svd_method = svd_method
        self.iterated_power = iterated_power
        self.rotation = rotation
        self.random_state = random_state
        self.verbose = verbose
        self.n_jobs = n_jobs

    @limit_threads
    def fit(self, X, y=None):
        """Fit the factor model to ``X`` by maximum likelihood.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            ``n_samples >= 2``.
        y : ignored

        Returns
        -------
        self : FactorAnalysis
        """
        self._check_parameters()
        clock = StageClock(logger, "FactorAnalysis", self.verbose)
        X = self._validate_X(X, reset=True, min_samples=2, dtype=np.float64)
        n_samples, n_features = X.shape
        k = n_features if self.n_components is None else int(self.n_components)
        if k > n_features:
            raise ParameterError(
                f"FactorAnalysis: n_components={k} is larger than n_features = {n_features}; "
                f"lower it to at most {n_features}.")
        if self.noise_variance_init is None:
            psi = np.ones(n_features)
        else:
            psi = np.asarray(self.noise_variance_init, dtype=np.float64)
            if psi.shape != (n_features,) or not np.all(np.isfinite(psi)) or np.any(psi <= 0):
                raise ParameterError(
                    f"FactorAnalysis: noise_variance_init must hold {n_features} positive "
                    f"finite variances, one per feature; got shape {psi.shape}.")
            psi = psi.copy()

        mean = X.mean(axis=0)
        C = covariance(X, mean) * ((n_samples - 1) / n_samples)  # (d, d), 1/n covariance
        variances = np.diag(C).copy()
        clock.stage("covariance of %d features", n_features)
        exact = self.svd_method == "lapack" or k + _OVERSAMPLES >= n_features
        basis = None
        if not exact:
            start = check_random_state(self.random_state).standard_normal(
                (n_features, k + _OVERSAMPLES))
            basis, _ = linalg.qr(start, mode="economic", check_finite=False)
        ll_const = n_features * np.log(2.0 * np.pi) + k
        loglike = []
        previous = -np.inf
        converged = False
        W = None
        for n_iter in range(1, self.max_iter + 1):
            sqrt_psi = np.sqrt(psi) + _SMALL
            scaled = C / np.outer(sqrt_psi, sqrt_psi)  # Psi^{-1/2} C Psi^{-1/2}
            if exact:
                s, Vt = _top_eigen_exact(scaled, k)
            else:
                s, Vt, basis = _top_eigen_subspace(scaled, k, basis, self.iterated_power + 1)
            s = np.maximum(s, np.finfo(np.float64).tiny)
            unexplained = float(np.trace(scaled) - s.sum())
            W = np.sqrt(np.maximum(s - 1.0, 0.0))[:, np.newaxis] * Vt * sqrt_psi  # (k, d)
            ll = -0.5 * n_samples * (ll_const + np.log(s).sum() + unexplained
                                     + np.log(psi).sum())
            loglike.append(ll)
            if ll - previous < self.tol:
                converged = True
                break
            previous = ll
            psi = np.maximum(variances - (W**2).sum(axis=0), _SMALL)
        clock.stage("%d EM iterations (log-likelihood %.6g)", n_iter, loglike[-1])
        if not converged:
            warnings.warn(
                f"FactorAnalysis did not converge in max_iter={self.max_iter} iterations "
                f"(tol={self.tol}); raise max_iter or tol.", ConvergenceWarning, stacklevel=2)

        if self.rotation is not None:
            W = _ortho_rotation(W.T, self.rotation).T
            W = W[np.argsort(-np.linalg.norm(W, axis=1), kind="stable")]
        W = np.ascontiguousarray(W)
        flip_row_signs(W)
        self.components_ = W
        self.noise_variance_ = psi
        self.mean_ = mean
        self.loglike_ = np.asarray(loglike)
        self.n_iter_ = n_iter
        logger.debug("FactorAnalysis fitted: %d iterations, log-likelihood %.6g", n_iter,
                     loglike[-1])
        return self

    @limit_threads
    def transform(self, X):
        """Posterior means of the factors: ``E[z | x] = (I + W Psi^{-1} W^T)^{-1} W Psi^{-1}
        (x - mu)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False, dtype=np.float64)
        W_psi = self.components_ / self.noise_variance_  # (k, d)
        cov_z = linalg.inv(np.eye(self.components_.shape[0]) + W_psi @ self.components_.T)
        return ((X - self.mean_) @ W_psi.T) @ cov_z

    def get_covariance(self):
        """The model covariance ``W^T W + Psi``.

        Returns
        -------
        cov : ndarray of shape (n_features, n_features)
        """
        check_is_fitted(self)
        cov = self.components_.T @ self.components_
        cov.flat[:: cov.shape[0] + 1] += self.noise_variance_
        return cov

    def get_precision(self):
        """The inverse of :meth:`get_covariance`, by the Woodbury identity:
        ``Psi^{-1} - Psi^{-1} W^T (I + W Psi^{-1} W^T)^{-1} W Psi^{-1}``.

        Returns
        -------
        precision : ndarray of shape (n_features, n_features)
        """
        check_is_fitted(self)
        W = self.components_
        inv_psi = 1.0 / self.noise_variance_
        W_psi = W * inv_psi  # (k, d)
        inner = np.eye(W.shape[0]) + W_psi @ W.T
        precision = -W_psi.T @ linalg.solve(inner, W_psi, assume_a="pos")
        precision.flat[:: precision.shape[0] + 1] += inv_psi
        return precision

    def score_samples(self, X):
        """Log-likelihood of each sample under the fitted Gaussian ``N(mu, W^T W + Psi)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False, dtype=np.float64)
        centred = X - self.mean_
        n_features = centred.shape[1]
        precision = self.get_precision()
        quad = np.einsum("ij,ij->i", centred @ precision, centred)
        # log det(W^T W + Psi) = sum log psi + log det(I + W Psi^{-1} W^T)
        W_psi = self.components_ / self.noise_variance_
        inner = np.eye(self.components_.shape[0]) + W_psi @ self.components_.T
        log_det = float(np.log(self.noise_variance_).sum()
                        + 2.0 * np.log(np.diag(linalg.cholesky(inner))).sum())
        return -0.5 * (quad + log_det + n_features * np.log(2.0 * np.pi))

    def score(self, X, y=None):
        """Mean log-likelihood of the samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))

    @property
    def _n_features_out(self):
        return self.components_.shape[0]
