"""A factorised Gaussian fitted to a correlated Gaussian by KL(q||p) or KL(p||q).

Bishop 2006, PRML, section 10.1.2 and figure 10.2.

The target is ``p(x) = N(x | mu, Lambda^-1)`` and the approximation a product of one factor per
coordinate, ``q(x) = prod_i q_i(x_i)``, with no family assumed for the factors.

Minimising ``KL(q || p)`` (variational Bayes) gives the coupled *mean-field equations*
``log q_i*(x_i) = E_{q_-i}[log p(x)] + const``; for a Gaussian target each ``q_i*`` is Gaussian
(Bishop 2006, PRML, eqs. 10.11-10.14)::

    q_i*(x_i) = N(x_i | m_i, Lambda_ii^-1),
    m_i = mu_i - Lambda_ii^-1 sum_{j != i} Lambda_ij (m_j - mu_j).

The means are coupled, so they are solved by coordinate ascent: update each ``m_i`` in turn
(Gauss-Seidel) until they stop moving. The unique fixed point is ``m = mu``; each sweep
multiplies the error by the squared correlation for two coordinates (0.81 in the example
``Sigma = [[1, 0.9], [0.9, 1]]``). The variances ``1 / Lambda_ii`` (0.19 there) are smaller than
the marginal variances ``Sigma_ii`` (1 there): q is too compact.

Minimising ``KL(p || q)`` (expectation propagation's criterion, Bishop eq. 10.17) gives each
factor the marginal of p: ``q_i*(x_i) = integral p(x) dx_-i = N(x_i | mu_i, Sigma_ii)``, through
the same coordinate updates with no coupling left, so it converges in one sweep. A common slip
is writing this result as ``N(x_j | mu_j, Sigma_jj^-1)``; the correct marginal is
``N(x_j | mu_j, Sigma_jj)`` (with ``N(x | m, v)`` taking a variance, the variance of the marginal
is ``Sigma_jj``, not its inverse; the two agree in the example only because ``Sigma_jj = 1``).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ..divergences import Gaussian, kl_divergence
from ..exceptions import DataError, ParameterError

__all__ = ["FactorizedGaussian", "factorized_gaussian", "check_gaussian_target"]

CRITERIA = ("kl_qp", "kl_pq")


@dataclass(frozen=True, eq=False)
class FactorizedGaussian:
    """``q(x) = prod_i N(x_i | means[i], variances[i])`` and how it was found.

    Attributes
    ----------
    means : ndarray of shape (d,)
    variances : ndarray of shape (d,)
    criterion : str
        ``"kl_qp"`` (minimised ``KL(q || p)``) or ``"kl_pq"`` (minimised ``KL(p || q)``).
    kl : float
        The minimised divergence at the result.
    n_iter : int
        Sweeps of coordinate updates run, the last being the one whose largest change fell
        below the tolerance.
    converged : bool
    kl_history : ndarray of shape (n_iter,)
        The criterion after each sweep; non-increasing (coordinate descent).
    """

    means: np.ndarray
    variances: np.ndarray
    criterion: str
    kl: float
    n_iter: int
    converged: bool
    kl_history: np.ndarray

    @property
    def cov(self) -> np.ndarray:
        """The diagonal covariance matrix of q, shape (d, d)."""
        return np.diag(self.variances)


def check_gaussian_target(mean, cov):
    """``(mean, cov, precision)`` as float64 arrays: mean (d,), cov (d, d) symmetric PD."""
    mean = np.asarray(mean, dtype=np.float64)
    cov = np.asarray(cov, dtype=np.float64)
    if mean.ndim != 1 or mean.shape[0] < 1:
        raise DataError(f"mean must have shape (d,) with d >= 1; got {mean.shape}.")
    d = mean.shape[0]
    if cov.shape != (d, d):
        raise DataError(f"cov must have shape (d, d) = ({d}, {d}) to match mean; got "
                        f"{cov.shape}.")
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(cov))):
        raise DataError("mean and cov must be finite.")
    if not np.allclose(cov, cov.T, rtol=1e-10, atol=1e-12 * np.abs(cov).max()):
        raise DataError("cov is not symmetric; a covariance matrix equals its transpose.")
    try:
        chol = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise DataError("cov is not positive definite; the target Gaussian needs a covariance "
                        "with positive eigenvalues.") from None
    identity = np.eye(d)
    precision = np.linalg.solve(chol.T, np.linalg.solve(chol, identity))
    return mean, cov, 0.5 * (precision + precision.T)


def _criterion_value(criterion, means, variances, mean, cov):
    q = Gaussian(means, var=variances)
    p = Gaussian(mean, cov=cov)
    return kl_divergence(q, p) if criterion == "kl_qp" else kl_divergence(p, q)


def factorized_gaussian(mean, cov, *, criterion="kl_qp", init=None, tol=1e-10, max_iter=10_000):
    """Fit ``q(x) = prod_i q_i(x_i)`` to ``p = N(mean, cov)`` by coordinate updates.

    ``criterion="kl_qp"`` minimises ``KL(q || p)`` by the mean-field equations (variational
    Bayes): ``q_i = N(m_i, 1 / Lambda_ii)`` with
    ``m_i = mu_i - Lambda_ii^-1 sum_{j != i} Lambda_ij (m_j - mu_j)``, ``Lambda = cov^-1``,
    updated in turn until the means stop moving. ``criterion="kl_pq"`` minimises
    ``KL(p || q)`` (expectation propagation's criterion): each factor becomes the marginal,
    ``q_i = N(mu_i, cov_ii)``. Bishop 2006, PRML, section 10.1.2; see the module docstring.

    Parameters
    ----------
    mean : array-like of shape (d,)
        Mean ``mu`` of the target.
    cov : array-like of shape (d, d)
        Covariance ``Sigma`` of the target, symmetric positive definite.
    criterion : {"kl_qp", "kl_pq"}, default="kl_qp"
        Which divergence to minimise: ``KL(q || p)`` or ``KL(p || q)``.
    init : array-like of shape (d,), optional
        Starting means of the factors; zeros if omitted.
    tol : float, default=1e-10
        Stop after the first sweep in which no mean moves by more than ``tol`` target standard
        deviations (``|delta m_i| <= tol * sqrt(Sigma_ii)``).
    max_iter : int, default=10000
        Maximum number of sweeps.

    Returns
    -------
    FactorizedGaussian
        Means, variances, the minimised KL, the number of sweeps and the KL after each.

    Examples
    --------
    A correlated Gaussian like the one of Bishop 2006, PRML, figure 10.2:

    >>> import numpy as np
    >>> from latentlearn.bayes import factorized_gaussian
    >>> q = factorized_gaussian([0.0, 1.0], [[1.0, 0.9], [0.9, 1.0]], criterion="kl_qp")
    >>> q.variances.round(6).tolist(), q.n_iter, bool(np.allclose(q.means, [0.0, 1.0]))
    ([0.19, 0.19], 103, True)
    """
    if criterion not in CRITERIA:
        raise ParameterError(f"criterion={criterion!r} is not allowed; use 'kl_qp' (minimise "
                             f"KL(q||p), variational Bayes) or 'kl_pq' (minimise KL(p||q), "
                             f"expectation propagation).")
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not tol > 0:
        raise ParameterError(f"tol must be a positive number; got {tol!r}.")
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        raise ParameterError(f"max_iter must be a positive int; got {max_iter!r}.")
    mu, Sigma, Lambda = check_gaussian_target(mean, cov)
    d = mu.shape[0]
    m = np.zeros(d) if init is None else np.array(init, dtype=np.float64)
    if m.shape != (d,) or not np.all(np.isfinite(m)):
        raise DataError(f"init must be {d} finite starting means; got shape {m.shape}.")
    lam_diag = np.diag(Lambda)
    variances = 1.0 / lam_diag if criterion == "kl_qp" else np.diag(Sigma).copy()
    scale = np.sqrt(np.diag(Sigma))

    history, converged = [], False
    for _ in range(int(max_iter)):
        previous = m.copy()
        for i in range(d):
            if criterion == "kl_qp":
                # Lambda_ii^-1 sum_{j != i} Lambda_ij (m_j - mu_j), with the newest m_j.
                coupling = Lambda[i] @ (m - mu) - Lambda[i, i] * (m[i] - mu[i])
                m[i] = mu[i] - coupling / lam_diag[i]
            else:
                m[i] = mu[i]   # the marginal's mean: no coupling
        history.append(_criterion_value(criterion, m, variances, mu, Sigma))
        if np.max(np.abs(m - previous) / scale) <= tol:
            converged = True
            break
    return FactorizedGaussian(means=m, variances=variances, criterion=criterion,
                              kl=history[-1], n_iter=len(history), converged=converged,
                              kl_history=np.asarray(history))
