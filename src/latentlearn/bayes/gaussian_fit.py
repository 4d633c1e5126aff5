"""One Gaussian fitted to a mixture of Gaussians by KL(q||p) or KL(p||q) (Bishop 2006, PRML).

A bimodal distribution approximated by a unimodal one, as in Bishop 2006, PRML, figure 10.3
(section 10.1.2):

``KL(q || p)`` (variational Bayes), mode-seeking
    ``E_q[log q - log p]`` punishes q for mass where p is small, so q settles inside one mode;
    which one depends on where the optimiser starts (each mode is a local minimum). A start
    near the midpoint of two symmetric modes can also end on a broad q straddling both, a
    further local minimum with a larger KL (a different start may return a different local
    minimum).
``KL(p || q)`` (expectation propagation), mass-covering
    ``E_p[log p - log q]`` punishes q for missing mass of p, so q spreads over both modes. Over
    all Gaussians its minimiser is moment matching, ``m = E_p[x]``, ``S = Cov_p[x]``: setting
    the derivatives of ``E_p[log q]`` with respect to ``m`` and ``S`` to zero (the Gaussian case
    of moment matching for the exponential family, Bishop 2006, PRML, section 10.7, and Minka
    2001, expectation propagation).

``KL(q || p)`` has no closed form for a mixture. It is minimised over ``q = N(m, L L^T)`` (``L``
lower triangular with a positive diagonal, stored by its logarithm) by L-BFGS, with

    KL(q || p) = -H(q) - E_q[log p(x)],   H(q) = d/2 (1 + log 2 pi) + sum_i log L_ii,

and ``E_q[log p(x)] = E_z[log p(m + L z)]``, ``z ~ N(0, I)``, by Gauss-Hermite quadrature on a
product grid (``n_quadrature^d`` points: deterministic, so the objective is a smooth function of
``m`` and ``L`` that L-BFGS can converge on). Its gradient is exact for the quadrature:
``d/dm = E[g]``, ``d/dL_ij = E[g_i z_j]`` with ``g = grad log p(x) = sum_c r_c(x) Sigma_c^-1
(mu_c - x)``, ``r_c`` the responsibilities.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy.special import logsumexp

from ..exceptions import DataError, ParameterError

__all__ = ["GaussianMixtureDensity", "GaussianFit", "fit_gaussian"]


class GaussianMixtureDensity:
    """A known mixture density ``p(x) = sum_c w_c N(x | mu_c, Sigma_c)``, as a target.

    Not an estimator (nothing is fitted to data): the distribution a Gaussian approximates.

    Parameters
    ----------
    weights : array-like of shape (n_components,)
        Mixing weights, >= 0, summing to one.
    means : array-like of shape (n_components, d)
    covariances : array-like of shape (n_components, d, d)
        Symmetric positive definite.
    """

    def __init__(self, weights, means, covariances):
        w = np.asarray(weights, dtype=np.float64)
        mu = np.asarray(means, dtype=np.float64)
        S = np.asarray(covariances, dtype=np.float64)
        if w.ndim != 1 or mu.ndim != 2 or mu.shape[0] != w.shape[0]:
            raise DataError(f"weights must have shape (k,) and means (k, d); got {w.shape} and "
                            f"{mu.shape}.")
        k, d = mu.shape
        if S.shape != (k, d, d):
            raise DataError(f"covariances must have shape (k, d, d) = ({k}, {d}, {d}); got "
                            f"{S.shape}.")
        if not (np.all(np.isfinite(w)) and np.all(np.isfinite(mu)) and np.all(np.isfinite(S))):
            raise DataError("weights, means and covariances must be finite.")
        if np.any(w < 0) or abs(w.sum() - 1.0) > 1e-9:
            raise DataError(f"weights must be >= 0 and sum to one; they sum to {w.sum():.10g}.")
        try:
            chol = np.linalg.cholesky(S)
        except np.linalg.LinAlgError:
            raise DataError("every covariance must be positive definite.") from None
        self.weights, self.means, self.covariances = w, mu, S
        self._chol = chol
        # W_c = L_c^-T, so that ||(x - mu_c) W_c||^2 = (x - mu_c)^T Sigma_c^-1 (x - mu_c).
        self._whiten = np.linalg.inv(chol).transpose(0, 2, 1)
        self._log_norm = (np.log(w, where=w > 0, out=np.full(k, -np.inf))
                          - 0.5 * d * np.log(2 * np.pi)
                          - np.sum(np.log(np.diagonal(chol, axis1=1, axis2=2)), axis=1))

    @property
    def n_features(self) -> int:
        return self.means.shape[1]

    def _whitened(self, x):
        """``(x - mu_c) L_c^-T`` for each component, shape (k, ..., d): squared norms are the
        Mahalanobis distances."""
        return np.stack([(x - mu) @ W for mu, W in zip(self.means, self._whiten)])

    def _component_log_pdf(self, x):
        """``log w_c + log N(x | mu_c, Sigma_c)``, shape (k, ...)."""
        y = self._whitened(x)
        return self._log_norm.reshape((-1,) + (1,) * (x.ndim - 1)) - 0.5 * np.sum(y * y, -1)

    def log_pdf(self, x):
        """``log p(x)`` for points of shape (..., d); returns shape (...)."""
        return logsumexp(self._component_log_pdf(np.asarray(x, dtype=np.float64)), axis=0)

    def grad_log_pdf(self, x):
        """``grad log p(x) = sum_c r_c(x) Sigma_c^-1 (mu_c - x)``, shape (..., d)."""
        return self._log_pdf_and_grad(np.asarray(x, dtype=np.float64))[1]

    def _log_pdf_and_grad(self, x):
        y = self._whitened(x)                                            # (k, ..., d)
        log_c = (self._log_norm.reshape((-1,) + (1,) * (x.ndim - 1))
                 - 0.5 * np.sum(y * y, -1))
        log_p = logsumexp(log_c, axis=0)
        resp = np.exp(log_c - log_p)                                     # (k, ...)
        # Sigma_c^-1 (x - mu_c) = L_c^-T L_c^-1 (x - mu_c) = (y_c) W_c^T, row-vector form.
        pulls = sum(r[..., None] * (yc @ W.T) for r, yc, W in zip(resp, y, self._whiten))
        return log_p, -pulls

    def mean(self) -> np.ndarray:
        """``E_p[x] = sum_c w_c mu_c``."""
        return self.weights @ self.means

    def covariance(self) -> np.ndarray:
        """``Cov_p[x] = sum_c w_c (Sigma_c + mu_c mu_c^T) - E[x] E[x]^T``."""
        m = self.mean()
        second = np.einsum("c,cij->ij", self.weights,
                           self.covariances + np.einsum("ci,cj->cij", self.means, self.means))
        return second - np.outer(m, m)


@dataclass(frozen=True, eq=False)
class GaussianFit:
    """A Gaussian ``q = N(mean, cov)`` fitted to a target, and how.

    Attributes
    ----------
    mean : ndarray of shape (d,)
    cov : ndarray of shape (d, d)
    criterion : str
        ``"kl_qp"`` or ``"kl_pq"``.
    kl : float
        The minimised divergence at the result (by quadrature).
    n_iter : int
        Optimiser iterations (0 for the closed-form ``"kl_pq"``).
    converged : bool
    """

    mean: np.ndarray
    cov: np.ndarray
    criterion: str
    kl: float
    n_iter: int
    converged: bool


def _hermite_grid(n, d):
    """Gauss-Hermite nodes (n^d, d) and weights (n^d,) for E over z ~ N(0, I_d)."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(n)
    weights = weights / np.sqrt(2.0 * np.pi)
    grids = np.meshgrid(*([nodes] * d), indexing="ij")
    wgrids = np.meshgrid(*([weights] * d), indexing="ij")
    z = np.stack([g.ravel() for g in grids], axis=1)
    w = np.prod(np.stack([g.ravel() for g in wgrids], axis=1), axis=1)
    return z, w


def _entropy(L):
    d = L.shape[0]
    return 0.5 * d * (1.0 + np.log(2.0 * np.pi)) + np.sum(np.log(np.diag(L)))


def _kl_qp(target, m, L, z, w):
    """``KL(q || p)`` for ``q = N(m, L L^T)``, by quadrature."""
    return -_entropy(L) - w @ target.log_pdf(m + z @ L.T)


def _kl_pq(target, m, S, z, w):
    """``KL(p || q) = E_p[log p] - E_p[log q]``: the second term in closed form."""
    d = m.shape[0]
    neg_entropy_p = 0.0
    for wc, mu_c, L_c in zip(target.weights, target.means, target._chol):
        neg_entropy_p += wc * (w @ target.log_pdf(mu_c + z @ L_c.T))
    S_inv = np.linalg.inv(S)
    _, logdet = np.linalg.slogdet(S)
    diff = target.means - m
    cross = np.einsum("c,c->", target.weights,
                      np.einsum("ij,cji->c", S_inv, target.covariances)
                      + np.einsum("ci,ij,cj->c", diff, S_inv, diff))
    expected_log_q = -0.5 * (d * np.log(2 * np.pi) + logdet + cross)
    return float(neg_entropy_p - expected_log_q)


def fit_gaussian(target, *, criterion="kl_qp", init_mean=None, init_cov=None,
                 n_quadrature=None, tol=1e-8, max_iter=1000):
    """Fit one Gaussian ``q = N(m, S)`` to a mixture target by ``KL(q||p)`` or ``KL(p||q)``.

    ``"kl_qp"`` minimises ``KL(q || p)`` numerically (L-BFGS on ``m`` and the Cholesky factor of
    ``S``, expectations by Gauss-Hermite quadrature) and finds the mode nearest, in the
    optimiser's sense, to the start. ``"kl_pq"`` minimises ``KL(p || q)`` exactly by moment
    matching. See the module docstring (Bishop 2006, PRML, section 10.1.2 and figure 10.3).

    Parameters
    ----------
    target : GaussianMixtureDensity
        The distribution p.
    criterion : {"kl_qp", "kl_pq"}, default="kl_qp"
        Minimise ``KL(q || p)`` (variational Bayes) or ``KL(p || q)`` (expectation propagation).
    init_mean : array-like of shape (d,), optional
        Starting mean for ``"kl_qp"``; default the mean of the heaviest component (the first
        on ties). Which mode q ends on depends on it.
    init_cov : array-like of shape (d, d), optional
        Starting covariance for ``"kl_qp"``; default that component's covariance.
    n_quadrature : int, optional
        Gauss-Hermite nodes per dimension (``n_quadrature^d`` points in all). Default
        ``min(160, floor(20000^(1/d)))``: 141 in 2-D. Many nodes are needed when q is broad:
        ``log p`` of a mixture bends sharply between the modes, which a low-order rule
        misjudges (20 nodes per axis err by 0.07 nats there and create false stationary
        points); 141 per axis err by about 1e-4.
    tol : float, default=1e-8
        Gradient tolerance of L-BFGS (``gtol``). The fit counts as converged when the largest
        gradient component is below it, even if the line search gave up at round-off first.
    max_iter : int, default=1000
        L-BFGS iteration limit.

    Returns
    -------
    GaussianFit
    """
    if not isinstance(target, GaussianMixtureDensity):
        raise ParameterError(f"target must be a GaussianMixtureDensity; got "
                             f"{type(target).__name__}.")
    if criterion not in ("kl_qp", "kl_pq"):
        raise ParameterError(f"criterion={criterion!r} is not allowed; use 'kl_qp' (minimise "
                             f"KL(q||p)) or 'kl_pq' (minimise KL(p||q)).")
    d = target.n_features
    if n_quadrature is None:
        n_quadrature = min(160, int(np.floor(20000 ** (1.0 / d) + 1e-9)))
    for name, value, low in (("n_quadrature", n_quadrature, 2), ("max_iter", max_iter, 1)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
            raise ParameterError(f"{name} must be an int >= {low}; got {value!r}.")
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not tol > 0:
        raise ParameterError(f"tol must be a positive number; got {tol!r}.")
    if n_quadrature ** d > 2_000_000:
        raise ParameterError(f"n_quadrature^d = {n_quadrature}^{d} quadrature points is too "
                             f"many; lower n_quadrature (the product grid suits d <= 4).")
    z, w = _hermite_grid(int(n_quadrature), d)

    if criterion == "kl_pq":
        m, S = target.mean(), target.covariance()
        return GaussianFit(mean=m, cov=S, criterion=criterion, kl=_kl_pq(target, m, S, z, w),
                           n_iter=0, converged=True)

    heaviest = int(np.argmax(target.weights))
    m0 = target.means[heaviest] if init_mean is None else np.asarray(init_mean, np.float64)
    S0 = target.covariances[heaviest] if init_cov is None else np.asarray(init_cov, np.float64)
    if m0.shape != (d,) or S0.shape != (d, d):
        raise DataError(f"init_mean must have shape ({d},) and init_cov ({d}, {d}); got "
                        f"{m0.shape} and {S0.shape}.")
    try:
        L0 = np.linalg.cholesky(S0)
    except np.linalg.LinAlgError:
        raise DataError("init_cov must be symmetric positive definite.") from None
    rows, cols = np.tril_indices(d)
    on_diag = rows == cols

    def unpack(theta):
        L = np.zeros((d, d))
        entries = theta[d:].copy()
        entries[on_diag] = np.exp(entries[on_diag])
        L[rows, cols] = entries
        return theta[:d], L

    def objective(theta):
        m, L = unpack(theta)
        x = m + z @ L.T                                        # (n_nodes, d)
        log_p, g = target._log_pdf_and_grad(x)                 # (n_nodes,), (n_nodes, d)
        value = -_entropy(L) - w @ log_p
        wg = w[:, None] * g
        grad_m = -wg.sum(axis=0)
        grad_L = -(wg.T @ z)[rows, cols]
        grad_L[on_diag] = grad_L[on_diag] * np.diag(L) - 1.0   # chain rule for log L_ii; -dH
        return value, np.concatenate([grad_m, grad_L])

    entries0 = L0[rows, cols].copy()
    entries0[on_diag] = np.log(entries0[on_diag])
    theta0 = np.concatenate([m0, entries0])
    res = optimize.minimize(objective, theta0, jac=True, method="L-BFGS-B",
                            options={"maxiter": int(max_iter), "gtol": float(tol),
                                     "ftol": 1e-15})
    m, L = unpack(res.x)
    converged = bool(res.success) or float(np.max(np.abs(res.jac))) <= tol
    return GaussianFit(mean=m, cov=L @ L.T, criterion=criterion, kl=float(res.fun),
                       n_iter=int(res.nit), converged=converged)
