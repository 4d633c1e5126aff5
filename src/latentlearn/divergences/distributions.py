"""Gaussian and Bernoulli distributions as small records, and their closed-form KL divergences.

A record only holds its parameters (numpy arrays or torch tensors); the formulas live in the
private kernels below and are reached through :func:`latentlearn.divergences.kl_divergence`,
whose argument order is the order of the notation: ``kl_divergence(p, q)`` is ``KL(p || q)``.
Naming the distributions removes the other way a closed form gets misused: four bare arrays
``(mean_p, var_p, mean_q, var_q)`` are easy to pass in the wrong order, a ``Gaussian(mean,
var=...)`` is not.

Shapes: the last axis of a Gaussian's ``mean`` (and of a Bernoulli's ``prob``) is the event
axis: ``mean`` of shape ``(..., d)`` is a batch of d-dimensional Gaussians, and KL sums over
that axis (a product of independent coordinates). A 0-d ``mean`` is a univariate Gaussian.

Formulas
--------
Gaussian, full covariance (e.g. Bishop, PRML, eq. 2.2 and exercise 2.13)::

    KL(N(m1, S1) || N(m2, S2)) = 1/2 [ tr(S2^-1 S1) + (m2 - m1)^T S2^-1 (m2 - m1) - d
                                       + log det S2 - log det S1 ]

Diagonal covariances make every term a sum over coordinates (the univariate case
N(mu_p, s_p^2), N(mu_q, s_q^2) summed; e.g. Murphy 2012, "Machine learning: a probabilistic
perspective", section 21.2)::

    KL = 1/2 sum_i [ log(s2_i^2 / s1_i^2) + (s1_i^2 + (m1_i - m2_i)^2) / s2_i^2 - 1 ]

and against N(0, I) (the VAE's term, Kingma & Welling 2014, appendix B)::

    KL(N(mu, diag s^2) || N(0, I)) = 1/2 sum_i (mu_i^2 + s_i^2 - log s_i^2 - 1)

A common slip is to write this term as ``D_KL(p || q_{mu, sigma})`` with ``p = N(0, 1)`` the
desired distribution, i.e. with the arguments the other way round; the formula above is
``KL(q_{mu, sigma} || N(0, 1))`` (the encoder's Gaussian first, Kingma & Welling 2014), which
is what :func:`kl_to_standard_normal` computes. The two orders differ: ``KL(N(0,1) ||
N(mu, s^2)) = 1/2 (log s^2 + (1 + mu^2) / s^2 - 1)``. Another common slip, in the middle of the
derivation, is ``- mu_p mu_q`` in the expanded square; the correct term is ``- 2 mu_p mu_q``
(``(mu_p - mu_q)^2 = mu_p^2 - 2 mu_p mu_q + mu_q^2``).

Bernoulli (the sparse autoencoder's penalty, Ng 2011, "Sparse autoencoder", CS294A, with target
activation ``rho`` and average activation ``rho_hat``)::

    KL(Ber(rho) || Ber(rho_hat)) = rho log(rho / rho_hat) + (1 - rho) log((1 - rho) / (1 - rho_hat))

It is infinite when ``rho_hat`` is 0 or 1 and ``rho`` differs from it (the terms
``0 log 0 = 0`` are taken as their limit, so ``rho`` in {0, 1} is fine).
"""

from __future__ import annotations

import numpy as np

from ..exceptions import DataError, ParameterError
from ._namespace import namespace

__all__ = ["Gaussian", "Bernoulli", "kl_to_standard_normal"]


class Gaussian:
    """A Gaussian distribution ``N(mean, Sigma)``, diagonal or full; a record, for KL.

    Give exactly one of ``var``, ``log_var`` (diagonal covariance) or ``cov`` (full covariance).

    Parameters
    ----------
    mean : array-like or torch.Tensor of shape (..., d) or ()
        The mean; leading axes are a batch. A 0-d mean is a univariate Gaussian.
    var : array-like or torch.Tensor of shape (..., d) or (), optional
        Variances of the coordinates (``Sigma = diag(var)``), all > 0. Broadcasts against
        ``mean``: ``Gaussian(np.zeros(3), var=1.0)`` is N(0, I_3).
    log_var : array-like or torch.Tensor, optional
        ``log(var)``, as a VAE's encoder outputs it; used as given in the formulas (no
        ``log(exp(.))`` round trip).
    cov : array-like or torch.Tensor of shape (..., d, d), optional
        A full covariance matrix: symmetric positive definite.

    Examples
    --------
    >>> from latentlearn.divergences import Gaussian, kl_divergence
    >>> round(kl_divergence(Gaussian(1.0, var=4.0), Gaussian(0.0, var=1.0)), 6)
    1.306853
    """

    __slots__ = ("mean", "var", "log_var", "cov")

    def __init__(self, mean, *, var=None, log_var=None, cov=None):
        given = [name for name, value in (("var", var), ("log_var", log_var), ("cov", cov))
                 if value is not None]
        if len(given) != 1:
            got = ", ".join(given) if given else "none of them"
            raise ParameterError(f"Gaussian needs exactly one of var= or log_var= (diagonal "
                                 f"covariance) or cov= (full covariance); got {got}.")
        self.mean = mean
        self.var = var
        self.log_var = log_var
        self.cov = cov

    @property
    def is_diagonal(self) -> bool:
        return self.cov is None

    def __repr__(self) -> str:
        which = "cov" if self.cov is not None else ("var" if self.var is not None else "log_var")
        shape = tuple(np.shape(self.mean)) if not hasattr(self.mean, "shape") else tuple(
            self.mean.shape)
        return f"Gaussian(mean of shape {shape}, {which}=...)"


class Bernoulli:
    """Independent Bernoulli variables with success probabilities ``prob``; a record, for KL.

    Parameters
    ----------
    prob : array-like or torch.Tensor of shape (..., d) or ()
        Probabilities in [0, 1]. The last axis holds independent coordinates (KL sums over it);
        leading axes are a batch.

    Examples
    --------
    The sparse autoencoder's penalty for a target activation 0.05 and average activations of
    three hidden units (Ng 2011):

    >>> from latentlearn.divergences import Bernoulli, kl_divergence
    >>> round(kl_divergence(Bernoulli(0.05), Bernoulli([0.05, 0.2, 0.5])), 6)
    0.588575
    """

    __slots__ = ("prob",)

    def __init__(self, prob):
        self.prob = prob

    def __repr__(self) -> str:
        shape = tuple(self.prob.shape) if hasattr(self.prob, "shape") else tuple(
            np.shape(self.prob))
        return f"Bernoulli(prob of shape {shape})"


# --------------------------------------------------------------------------- checks
def _finite(xp, x, what):
    finite = getattr(xp, "all_finite", None)   # torch: checked on the tensor, not a copy
    if not (finite(x) if finite is not None else np.all(np.isfinite(xp.to_numpy(x)))):
        raise DataError(f"{what} has NaN or infinite entries.")
    return x


def _diagonal_parts(xp, g: Gaussian, name: str):
    """``(mean, var, log_var)`` of a diagonal Gaussian, validated, in ``xp``."""
    mean = _finite(xp, xp.asarray(g.mean), f"the mean of {name}")
    if g.log_var is not None:
        log_var = _finite(xp, xp.asarray(g.log_var), f"log_var of {name}")
        var = xp.exp(log_var)
    else:
        var = _finite(xp, xp.asarray(g.var), f"var of {name}")
        values = xp.to_numpy(var)
        if np.any(values <= 0):
            raise DataError(f"var of {name} has an entry <= 0 (smallest {values.min():.6g}); "
                            f"variances must be > 0 (a zero variance is a point mass, which "
                            f"has no density for KL to compare).")
        log_var = xp.log(var)
    _broadcast(mean, var, f"the mean and var of {name}")
    return mean, var, log_var


def _full_parts(xp, g: Gaussian, name: str):
    """``(mean, cov)`` of a Gaussian as a full covariance, validated, in ``xp``."""
    if g.cov is None:
        mean, var, _ = _diagonal_parts(xp, g, name)
        if mean.ndim == 0 and var.ndim == 0:
            mean, var = mean[None], var[None]
        shape = np.broadcast_shapes(tuple(mean.shape), tuple(var.shape))
        return xp.broadcast_to(mean, shape), xp.diag_embed(xp.broadcast_to(var, shape))
    mean = _finite(xp, xp.asarray(g.mean), f"the mean of {name}")
    cov = _finite(xp, xp.asarray(g.cov), f"cov of {name}")
    if cov.ndim < 2 or cov.shape[-1] != cov.shape[-2]:
        raise DataError(f"cov of {name} must have shape (..., d, d); got {tuple(cov.shape)}.")
    d = cov.shape[-1]
    if mean.ndim == 0:
        mean = xp.broadcast_to(mean, (d,))
    if mean.shape[-1] != d:
        raise DataError(f"the mean of {name} has {mean.shape[-1]} coordinates but its cov is "
                        f"{d} x {d}.")
    values = xp.to_numpy(cov)
    scale = max(float(np.max(np.abs(values))), np.finfo(np.float64).tiny)
    if np.max(np.abs(values - np.swapaxes(values, -1, -2))) > 1e-6 * scale:
        raise DataError(f"cov of {name} is not symmetric; a covariance matrix equals its "
                        f"transpose (use (S + S.T) / 2 if it is off by round-off).")
    return mean, cov


def _broadcast(a, b, what):
    try:
        return np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    except ValueError:
        raise DataError(f"{what} have shapes {tuple(a.shape)} and {tuple(b.shape)}, which do "
                        f"not broadcast.") from None


def _cholesky(xp, cov, name):
    factor = xp.cholesky(cov)
    if factor is None:
        raise DataError(f"cov of {name} is not positive definite (its Cholesky factorisation "
                        f"failed); a covariance needs positive eigenvalues. If it is singular "
                        f"only by round-off, add a small ridge: cov + 1e-9 * I.")
    return factor


def _sum_event_axis(xp, terms):
    return xp.sum(terms, axis=-1) if terms.ndim else terms


# --------------------------------------------------------------------------- kernels
def _kl_diagonal(xp, m1, v1, lv1, m2, v2, lv2):
    """KL between diagonal Gaussians; summed over the last (event) axis."""
    terms = 0.5 * (lv2 - lv1 + (v1 + (m1 - m2) ** 2) / v2 - 1.0)
    return _sum_event_axis(xp, terms)


def _kl_full(xp, m1, S1, m2, S2, names):
    """KL between full-covariance Gaussians via Cholesky factors ``S = L L^T``.

    ``tr(S2^-1 S1) = ||L2^-1 L1||_F^2`` and ``(m2 - m1)^T S2^-1 (m2 - m1) = ||L2^-1 (m2 - m1)||^2``
    avoid forming an inverse.
    """
    d1, d2 = m1.shape[-1], m2.shape[-1]
    if d1 != d2:
        raise DataError(f"{names[0]} has dimension {d1} and {names[1]} has dimension {d2}; KL "
                        f"compares distributions on the same space.")
    L1 = _cholesky(xp, S1, names[0])
    L2 = _cholesky(xp, S2, names[1])
    A = xp.solve(L2, L1)                               # (..., d, d)
    z = xp.solve(L2, (m2 - m1)[..., None])             # (..., d, 1)
    logdet1 = 2.0 * xp.sum(xp.log(xp.diagonal(L1)), axis=-1)
    logdet2 = 2.0 * xp.sum(xp.log(xp.diagonal(L2)), axis=-1)
    trace = xp.sum(xp.sum(A ** 2, axis=-1), axis=-1)
    maha = xp.sum(xp.sum(z ** 2, axis=-1), axis=-1)
    return 0.5 * (trace + maha - d1 + logdet2 - logdet1)


def kl_gaussian(p: Gaussian, q: Gaussian, names=("p", "q")):
    """``KL(p || q)`` for two :class:`Gaussian` records (closed form); see the module docs."""
    xp = namespace(p.mean, p.var, p.log_var, p.cov, q.mean, q.var, q.log_var, q.cov)
    if p.is_diagonal and q.is_diagonal:
        m1, v1, lv1 = _diagonal_parts(xp, p, names[0])
        m2, v2, lv2 = _diagonal_parts(xp, q, names[1])
        shape1, shape2 = _broadcast(m1, v1, ""), _broadcast(m2, v2, "")
        try:
            np.broadcast_shapes(shape1, shape2)
        except ValueError:
            raise DataError(f"{names[0]} has parameters of shape {shape1} and {names[1]} of "
                            f"shape {shape2}; they do not broadcast (the last axis is the "
                            f"dimension of the space and must match).") from None
        return xp.result(_kl_diagonal(xp, m1, v1, lv1, m2, v2, lv2))
    m1, S1 = _full_parts(xp, p, names[0])
    m2, S2 = _full_parts(xp, q, names[1])
    return xp.result(_kl_full(xp, m1, S1, m2, S2, names))


def kl_bernoulli(p: Bernoulli, q: Bernoulli, names=("p", "q")):
    """``KL(p || q)`` for two :class:`Bernoulli` records; see the module docs."""
    xp = namespace(p.prob, q.prob)
    a = _probabilities(xp, p.prob, names[0])
    b = _probabilities(xp, q.prob, names[1])
    _broadcast(a, b, f"the probabilities of {names[0]} and {names[1]}")
    terms = (xp.xlogy(a, a) - xp.xlogy(a, b)
             + xp.xlogy(1.0 - a, 1.0 - a) - xp.xlogy(1.0 - a, 1.0 - b))
    return xp.result(_sum_event_axis(xp, terms))


def _probabilities(xp, prob, name):
    prob = _finite(xp, xp.asarray(prob), f"the probabilities of {name}")
    values = xp.to_numpy(prob)
    if np.any(values < 0) or np.any(values > 1):
        raise DataError(f"the probabilities of {name} must lie in [0, 1]; got entries from "
                        f"{values.min():.6g} to {values.max():.6g}.")
    return prob


def kl_to_standard_normal(mean, *, log_var=None, var=None):
    """``KL(N(mean, diag(var)) || N(0, I))``: the VAE's latent term (Kingma & Welling 2014).

    ``1/2 sum_i (mean_i^2 + var_i - log var_i - 1)``, i.e. ``(mu^2 + s^2 - log s^2 - 1) / 2``
    summed over the last axis (Kingma & Welling 2014, appendix B, with the sign of their
    ``-D_KL``). It is :func:`kl_divergence` of ``Gaussian(mean, log_var=log_var)`` against
    N(0, I), by the same kernel. Note the order: the encoder's Gaussian comes first (a common
    slip writes ``D_KL(p || q_{mu, sigma})`` with ``p = N(0, 1)``, the arguments swapped
    relative to the formula).

    Parameters
    ----------
    mean : array-like or torch.Tensor of shape (..., latent_dim)
        Means output by the encoder.
    log_var : array-like or torch.Tensor of the same shape, optional
        Log-variances (the usual encoder output). Give this or ``var``.
    var : array-like or torch.Tensor of the same shape, optional
        Variances, > 0.

    Returns
    -------
    float, ndarray of shape (...) or torch.Tensor of shape (...)
        One KL per batch entry (sum over the latent axis). Average it over the batch yourself
        for a loss.
    """
    if (log_var is None) == (var is None):
        raise ParameterError("kl_to_standard_normal needs exactly one of log_var= or var=.")
    g = Gaussian(mean, log_var=log_var, var=var)
    xp = namespace(mean, log_var, var)
    m, v, lv = _diagonal_parts(xp, g, "the Gaussian")
    return xp.result(_kl_diagonal(xp, m, v, lv, 0.0, 1.0, 0.0))
