"""Entropy, KL, Jensen-Shannon and total variation for distributions given by their masses.

Masses lie along ``axis`` (the last one by default); other axes are a batch and broadcast. They
must be finite, >= 0 and sum to one; ``normalize=True`` divides them by their sum instead (for
counts or unnormalised weights). Logarithms are natural (nats) unless ``base`` is given (2 for
bits). The conventions ``0 log 0 = 0`` and ``0 log(0 / q) = 0`` hold, so a zero mass never
produces NaN.

Formulas (Cover & Thomas 2006, chapter 2, and Bishop 2006, PRML section 1.6, for entropy and
KL; Lin 1991 for JS; Arjovsky et al. 2017, "Wasserstein GAN", section 2, for all four)::

    H(p)       = - sum_i p_i log p_i
    KL(p || q) = sum_i p_i log(p_i / q_i)
    JS(p, q)   = 1/2 KL(p || m) + 1/2 KL(q || m),      m = (p + q) / 2
    TV(p, q)   = sup_B |P(B) - Q(B)| = 1/2 sum_i |p_i - q_i|
"""

from __future__ import annotations

from ..exceptions import ParameterError
from ._namespace import namespace
from ._validation import check_masses, check_same_support, log_base
from .distributions import Bernoulli, Gaussian, kl_bernoulli, kl_gaussian

__all__ = ["entropy", "kl_divergence", "js_divergence", "total_variation"]

_JS_CONVENTIONS = ("average", "sum")


def _pair(p, q, axis, normalize, names=("p", "q")):
    xp = namespace(p, q)
    p = check_masses(xp, p, names[0], axis=axis, normalize=normalize)
    q = check_masses(xp, q, names[1], axis=axis, normalize=normalize)
    check_same_support(p, q, axis, names)
    return xp, p, q


def _kl_masses(xp, p, q, axis):
    # p log p - p log q, not p log(p / q): the latter is 0/0 = NaN where p = q = 0.
    return xp.sum(xp.xlogy(p, p) - xp.xlogy(p, q), axis=axis)


def entropy(p, *, axis=-1, base=None, normalize=False):
    """Shannon entropy ``H(p) = - sum_i p_i log p_i`` of a discrete distribution.

    Parameters
    ----------
    p : array-like or torch.Tensor of shape (..., n_outcomes)
        Masses along ``axis``; other axes are a batch.
    axis : int, default=-1
        The axis of the outcomes.
    base : float, optional
        Base of the logarithm: None for nats, 2 for bits.
    normalize : bool, default=False
        Divide ``p`` by its sum first. If False, masses that do not sum to one raise an error.

    Returns
    -------
    float, ndarray of shape (...) or torch.Tensor
        A float for one numpy distribution; a differentiable tensor for tensor input.

    Raises
    ------
    DataError
        Negative, NaN or infinite masses; masses that do not sum to one (without
        ``normalize``).

    Examples
    --------
    >>> from latentlearn.divergences import entropy
    >>> entropy([0.5, 0.5], base=2)
    1.0
    """
    scale = log_base(base)
    xp = namespace(p)
    p = check_masses(xp, p, "p", axis=axis, normalize=normalize)
    return xp.result(-xp.sum(xp.xlogy(p, p), axis=axis) / scale)


def kl_divergence(p, q, *, axis=-1, base=None, normalize=False):
    """Kullback-Leibler divergence ``KL(p || q)``: the first argument is the one averaged over.

    ``KL(p || q) = E_p[log(p / q)]``, read in the order written: ``kl_divergence(q, p)`` is
    ``KL(q || p)``, the criterion of variational Bayes, and ``kl_divergence(p, q)`` is
    ``KL(p || q)``, the criterion of expectation propagation (Minka 2001). The two differ
    (KL is not symmetric), so the order is never inferred from the arguments.

    What ``p`` and ``q`` may be:

    - two arrays (or tensors) of masses: ``sum_i p_i log(p_i / q_i)``;
    - two :class:`Gaussian` records, diagonal or full covariance: the closed form
      ``1/2 [tr(S_q^-1 S_p) + (m_q - m_p)^T S_q^-1 (m_q - m_p) - d + log det S_q - log det S_p]``;
    - two :class:`Bernoulli` records (the sparse autoencoder's penalty, Ng 2011, "Sparse
      autoencoder", CS294A):
      ``sum_j rho_j log(rho_j / r_j) + (1 - rho_j) log((1 - rho_j) / (1 - r_j))``.

    For records the last axis is the event axis (KL sums over it) and leading axes are a batch.
    :func:`kl_to_standard_normal` is the VAE's ``KL(N(mu, diag s^2) || N(0, I))``.

    Parameters
    ----------
    p : array-like, torch.Tensor, Gaussian or Bernoulli
        The distribution the expectation is taken under. Arrays: masses of shape
        (..., n_outcomes).
    q : same kind as ``p``
        The reference distribution, on the same outcomes.
    axis : int, default=-1
        The axis of the outcomes (arrays of masses only).
    base : float, optional
        Base of the logarithm: None for nats, 2 for bits.
    normalize : bool, default=False
        Divide masses by their sums first (arrays of masses only). If False, masses that do not
        sum to one raise an error.

    Returns
    -------
    float, ndarray of shape (...) or torch.Tensor
        A float for one numpy pair; an array over the batch axes; a differentiable tensor when
        any input is a tensor.

    Notes
    -----
    KL is **infinite** (``inf`` is returned, never NaN) when ``p`` puts mass where ``q`` has
    none: an outcome with ``p_i > 0`` and ``q_i = 0``, or a Bernoulli with ``r_j`` equal to 0
    or 1 while ``rho_j`` differs from it. Then ``p`` is not absolutely continuous with respect
    to ``q`` and ``log(p_i / 0) = +inf``. Outcomes with ``p_i = 0`` contribute 0 whatever
    ``q_i`` is (``0 log 0 = 0``). Between Gaussians with positive variances KL is always finite.
    For tensors, the gradient at such points is not finite either.

    Raises
    ------
    DataError
        Bad masses (negative, NaN, not summing to one without ``normalize``), different numbers
        of outcomes, non-positive variances, a covariance that is not symmetric positive
        definite, or probabilities outside [0, 1].
    TypeError
        ``p`` and ``q`` of different kinds (a Gaussian and an array...).

    Examples
    --------
    >>> from latentlearn.divergences import Gaussian, kl_divergence
    >>> kl_divergence([0.5, 0.5], [0.9, 0.1]) > kl_divergence([0.9, 0.1], [0.5, 0.5])
    True
    >>> kl_divergence([0.5, 0.5], [1.0, 0.0])
    inf
    """
    scale = log_base(base)
    records = (Gaussian, Bernoulli)
    if isinstance(p, records) or isinstance(q, records):
        if type(p) is not type(q):
            raise TypeError(f"kl_divergence got a {type(p).__name__} and a "
                            f"{type(q).__name__}; give two Gaussians, two Bernoullis or two "
                            f"arrays of masses.")
        if normalize or axis != -1:
            raise ParameterError("axis= and normalize= apply to arrays of masses, not to "
                                 f"{type(p).__name__} records (their last axis is the event "
                                 f"axis).")
        value = kl_gaussian(p, q) if isinstance(p, Gaussian) else kl_bernoulli(p, q)
        return value / scale if scale != 1.0 else value
    xp, p, q = _pair(p, q, axis, normalize)
    return xp.result(_kl_masses(xp, p, q, axis) / scale)


def js_divergence(p, q, *, convention="average", axis=-1, base=None, normalize=False):
    """Jensen-Shannon divergence between two discrete distributions.

    With ``m = (p + q) / 2``, the mixture:

    - ``convention="average"`` (default, the usual JS of Lin 1991, and the square of
      ``scipy.spatial.distance.jensenshannon``)::

          JS(p, q) = 1/2 KL(p || m) + 1/2 KL(q || m),   0 <= JS <= log 2

    - ``convention="sum"``, the sum without the halves::

          KL(p || m) + KL(q || m) = 2 JS(p, q),         0 <= . <= log 4

    A common slip is to call this sum "JS": it is twice the usual divergence. The GAN
    criterion at the optimal discriminator is ``C(G) = -log 4 + KL(p || m) + KL(p_g || m)``,
    which with the usual JS is ``-log 4 + 2 JS(p, p_g)`` (Goodfellow et al. 2014, Theorem 1),
    not ``-log 4 + JS(p, p_g)``.

    JS is symmetric, always finite (``m > 0`` wherever ``p`` or ``q`` is) and its square root
    is a metric.

    Parameters
    ----------
    p, q : array-like or torch.Tensor of shape (..., n_outcomes)
        Masses on the same outcomes along ``axis``.
    convention : {"average", "sum"}, default="average"
        Which multiple of JS to return; see above.
    axis : int, default=-1
        The axis of the outcomes.
    base : float, optional
        Base of the logarithm: None for nats, 2 for bits (then the usual JS is in [0, 1]).
    normalize : bool, default=False
        Divide ``p`` and ``q`` by their sums first; otherwise they must sum to one.

    Returns
    -------
    float, ndarray of shape (...) or torch.Tensor

    Raises
    ------
    DataError
        Bad masses or different numbers of outcomes.
    ParameterError
        An unknown ``convention``.
    """
    if convention not in _JS_CONVENTIONS:
        raise ParameterError(f"convention={convention!r} is not allowed; use 'average' (the "
                             f"usual JS, 1/2 KL(p||m) + 1/2 KL(q||m)) or 'sum' (the sum "
                             f"KL(p||m) + KL(q||m) = 2 JS).")
    scale = log_base(base)
    xp, p, q = _pair(p, q, axis, normalize)
    m = 0.5 * (p + q)
    total = _kl_masses(xp, p, m, axis) + _kl_masses(xp, q, m, axis)
    factor = 0.5 if convention == "average" else 1.0
    return xp.result(factor * total / scale)


def total_variation(p, q, *, axis=-1, normalize=False):
    """Total variation distance ``TV(p, q) = sup_B |P(B) - Q(B)| = 1/2 sum_i |p_i - q_i|``.

    The supremum over events (Arjovsky et al. 2017, section 2) is reached at
    ``B = {i : p_i > q_i}``, which
    gives half the L1 distance. Writing ``sum_i |p_i - q_i|`` without the 1/2 (the L1 norm) is
    a common slip: it is twice TV and runs up to 2 instead of 1.

    Parameters
    ----------
    p, q : array-like or torch.Tensor of shape (..., n_outcomes)
        Masses on the same outcomes along ``axis``.
    axis : int, default=-1
        The axis of the outcomes.
    normalize : bool, default=False
        Divide ``p`` and ``q`` by their sums first; otherwise they must sum to one.

    Returns
    -------
    float, ndarray of shape (...) or torch.Tensor
        In [0, 1].
    """
    xp, p, q = _pair(p, q, axis, normalize)
    return xp.result(0.5 * xp.sum(xp.abs(p - q), axis=axis))
