"""Maximum mean discrepancy between two samples, and the permutation two-sample test.

MMD compares two distributions by the distance between their mean embeddings in a reproducing
kernel Hilbert space (Gretton et al. 2012, "A kernel two-sample test", JMLR 13). With a kernel
``k`` and ``x, x' ~ P``, ``y, y' ~ Q`` independent (Gretton et al. 2012, lemma 6)::

    MMD^2(P, Q) = E k(x, x') + E k(y, y') - 2 E k(x, y)

A common slip is to read the three terms as "mean pairwise distances" that are summed. The
correct reading: ``k`` is a similarity (1 for identical points with the kernels here), not a
distance, and the cross term enters with weight -2, not +1, as written above. With a characteristic kernel (both kernels below are)
``MMD^2 = 0`` only when ``P = Q``.

Estimators from samples ``X`` (n rows) and ``Y`` (m rows), Gretton et al. (2012), eqs. 3 and 5:

biased (V-statistic, ``estimator="biased"``)
    ``mean(K_XX) + mean(K_YY) - 2 mean(K_XY)``, every pair including ``i = j``. Always >= 0,
    biased upwards by about ``(E k(x,x) - E k(x,x'))/n + (same for Y)/m``.
unbiased (U-statistic, ``estimator="unbiased"``)
    ``sum_{i != j} K_XX / (n (n-1)) + sum_{i != j} K_YY / (m (m-1)) - 2 mean(K_XY)``. Its
    expectation is exactly ``MMD^2``, so it can come out slightly negative when ``P = Q``.

Kernels, with ``r = ||x - y||`` and bandwidth ``s``:

``"gaussian"``
    ``k = exp(-r^2 / (2 s^2))``.
``"imq"`` (inverse multiquadric)
    ``k = (1 + r^2 / s^2)^(-1/2)``, i.e. ``s (s^2 + r^2)^(-1/2)``: the classical IMQ scaled so
    that ``k(x, x) = 1``. Its heavy tails keep gradients alive between far-apart samples, why
    Wasserstein autoencoders (Tolstikhin et al. 2018) use IMQ kernels (theirs is
    ``C / (C + r^2)``, the exponent -1 member of the same family).

Bandwidth ``"median"``: the median heuristic, ``s = median{ ||z_i - z_j|| : i < j }`` over the
pooled sample ``Z = X u Y`` (Gretton et al. 2012, section 8). It is computed on detached values:
for tensors the gradient is that of the MMD with this kernel held fixed. The pooled median does
not depend on which sample a point came from, so the permutation test stays exact.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np
from sklearn.utils import check_random_state

from ..exceptions import DataError, ParameterError
from ._namespace import namespace
from ._validation import check_samples

__all__ = ["mmd2", "mmd_test", "MMDTestResult", "median_bandwidth"]

_KERNELS = ("gaussian", "imq")
_ESTIMATORS = ("unbiased", "biased")
# Permutations handled per matrix product in the test: caps the (n, chunk) temporaries.
_PERMUTATION_CHUNK = 256


class MMDTestResult(NamedTuple):
    """What :func:`mmd_test` returns.

    Attributes
    ----------
    statistic : float
        The MMD^2 estimate on the samples as given.
    p_value : float
        ``(1 + #{permuted statistics >= statistic}) / (1 + n_permutations)``.
    bandwidth : float
        The kernel bandwidth used.
    n_permutations : int
    """

    statistic: float
    p_value: float
    bandwidth: float
    n_permutations: int


def _check_options(kernel, estimator, bandwidth):
    if kernel not in _KERNELS:
        raise ParameterError(f"kernel={kernel!r} is not allowed; use 'gaussian' or 'imq'.")
    if estimator not in _ESTIMATORS:
        raise ParameterError(f"estimator={estimator!r} is not allowed; use 'unbiased' or "
                             f"'biased'.")
    if bandwidth != "median" and (isinstance(bandwidth, bool)
                                  or not isinstance(bandwidth, numbers.Real)
                                  or not np.isfinite(bandwidth) or bandwidth <= 0):
        raise ParameterError(f"bandwidth must be 'median' or a positive number; got "
                             f"{bandwidth!r}.")


def _pair_samples(X, Y, estimator):
    xp = namespace(X, Y)
    least = 2 if estimator == "unbiased" else 1
    X = check_samples(xp, X, "X", ndim=2, min_samples=least)
    Y = check_samples(xp, Y, "Y", ndim=2, min_samples=least)
    if X.shape[1] != Y.shape[1]:
        raise DataError(f"X has {X.shape[1]} features and Y has {Y.shape[1]}; both samples "
                        f"must live in the same space.")
    return xp, X, Y


def _sq_distances(xp, A, B):
    """``||a_i - b_j||^2`` by ``|a|^2 + |b|^2 - 2 a.b`` (one matrix product), clipped at 0."""
    return xp.sq_distances(A, B)


def _median_of_blocks(d_xx, d_yy, d_xy) -> float:
    """Median distance over all pooled pairs i < j, from the three squared-distance blocks."""
    iu_x = np.triu_indices(d_xx.shape[0], k=1)
    iu_y = np.triu_indices(d_yy.shape[0], k=1)
    pooled = np.concatenate([d_xx[iu_x], d_yy[iu_y], d_xy.ravel()])
    # Square roots first: with an even number of pairs the median averages the middle two.
    return float(np.median(np.sqrt(pooled)))


def _kernel(xp, sq_dist, kernel, bandwidth):
    """The kernel matrix from squared distances; ``sq_dist`` may be overwritten (numpy)."""
    scaled = xp.scale_(sq_dist, (-0.5 if kernel == "gaussian" else 1.0) / bandwidth ** 2)
    if kernel == "gaussian":
        return xp.exp_(scaled)                        # exp(-r^2 / (2 s^2))
    return xp.rsqrt_(xp.shift_(scaled, 1.0))          # (1 + r^2 / s^2)^(-1/2)


def _resolve_bandwidth(xp, bandwidth, d_xx, d_yy, d_xy):
    if bandwidth != "median":
        return float(bandwidth)
    s = _median_of_blocks(xp.to_numpy(d_xx), xp.to_numpy(d_yy), xp.to_numpy(d_xy))
    if not s > 0:
        raise DataError("the median distance between the pooled samples is 0 (over half of the "
                        "pairs are identical points), so the median heuristic gives no "
                        "bandwidth; pass bandwidth= explicitly.")
    return s


def _block_sums(xp, pairs, distances, kernel, s):
    """``(sum of K, trace of K)`` for each block, one (n, m) kernel matrix alive at a time."""
    sums = []
    for (A, B), D in zip(pairs, distances):
        K = _kernel(xp, _sq_distances(xp, A, B) if D is None else D, kernel, s)
        sums.append((xp.sum(K), xp.sum(xp.diagonal(K)) if A is B else None))
    return sums


def _mmd2_from_sums(sums, n, m, estimator):
    (s_xx, tr_xx), (s_yy, tr_yy), (s_xy, _) = sums
    if estimator == "biased":
        return s_xx / n ** 2 + s_yy / m ** 2 - 2.0 * s_xy / (n * m)
    return ((s_xx - tr_xx) / (n * (n - 1)) + (s_yy - tr_yy) / (m * (m - 1))
            - 2.0 * s_xy / (n * m))


def median_bandwidth(X, Y=None) -> float:
    """The median heuristic: median of ``||z_i - z_j||``, ``i < j``, over the pooled samples.

    Parameters
    ----------
    X : array-like of shape (n, n_features)
    Y : array-like of shape (m, n_features), optional

    Returns
    -------
    float
    """
    xp = namespace(X, Y)
    X = check_samples(xp, X, "X", ndim=2, min_samples=1)
    Z = X if Y is None else xp.concat([X, check_samples(xp, Y, "Y", ndim=2)], axis=0)
    Z = xp.to_numpy(Z).astype(np.float64)
    if Z.shape[0] < 2:
        raise DataError("the median heuristic needs at least two points.")
    d = _sq_distances(namespace(), Z, Z)
    return float(np.median(np.sqrt(d[np.triu_indices(Z.shape[0], k=1)])))


def mmd2(X, Y, *, kernel="gaussian", bandwidth="median", estimator="unbiased"):
    """Squared maximum mean discrepancy ``MMD^2`` between two samples.

    ``MMD^2 = E k(x, x') + E k(y, y') - 2 E k(x, y)`` (Gretton et al. 2012), estimated
    from the samples; see the module docstring for the estimators and kernels.

    Parameters
    ----------
    X : array-like or torch.Tensor of shape (n, n_features)
        Sample of the first distribution.
    Y : array-like or torch.Tensor of shape (m, n_features)
        Sample of the second distribution.
    kernel : {"gaussian", "imq"}, default="gaussian"
        ``exp(-r^2 / (2 s^2))`` or ``(1 + r^2 / s^2)^(-1/2)`` with ``r = ||x - y||``.
    bandwidth : "median" or float > 0, default="median"
        The kernel's ``s``; "median" uses the median pooled pairwise distance (held fixed for
        gradients).
    estimator : {"unbiased", "biased"}, default="unbiased"
        The U-statistic (unbiased, may be slightly negative) or the V-statistic (>= 0).

    Returns
    -------
    float or torch.Tensor
        A tensor for tensor input, differentiable with respect to ``X`` and ``Y`` (the loss of
        an MMD-VAE or a generative moment-matching network).

    Raises
    ------
    DataError
        Samples that are not 2-D, hold NaN, differ in n_features, or are too small (the
        unbiased estimator needs 2 rows each).
    """
    _check_options(kernel, estimator, bandwidth)
    xp, X, Y = _pair_samples(X, Y, estimator)
    pairs = ((X, X), (Y, Y), (X, Y))
    if bandwidth == "median":   # the median needs every pooled distance first
        distances = [_sq_distances(xp, A, B) for A, B in pairs]
        s = _resolve_bandwidth(xp, bandwidth, *distances)
    else:
        distances, s = [None] * 3, float(bandwidth)
    sums = _block_sums(xp, pairs, distances, kernel, s)
    return xp.result(_mmd2_from_sums(sums, X.shape[0], Y.shape[0], estimator))


def mmd_test(X, Y, *, kernel="gaussian", bandwidth="median", estimator="unbiased",
             n_permutations=1000, random_state=None):
    """Permutation two-sample test of ``P = Q`` with the MMD^2 statistic.

    Under ``P = Q`` the pooled sample is exchangeable, so relabelling it at random gives draws of
    the statistic under the null. The p-value counts how many of ``n_permutations`` random
    relabellings reach the observed statistic, counting the observed labelling once::

        p = (1 + #{b : MMD^2_b >= MMD^2_observed}) / (1 + n_permutations)

    which makes the test exact at every level (Phipson & Smyth 2010): ``P(p <= alpha) <= alpha``
    under the null. The pooled kernel matrix is computed once; each relabelling only sums its
    blocks.

    Parameters
    ----------
    X : array-like or torch.Tensor of shape (n, n_features)
    Y : array-like or torch.Tensor of shape (m, n_features)
    kernel, bandwidth, estimator
        As for :func:`mmd2`.
    n_permutations : int, default=1000
        Number of random relabellings; the smallest possible p-value is
        ``1 / (n_permutations + 1)``.
    random_state : None, int or numpy.random.RandomState
        Draws the relabellings: same seed, same p-value.

    Returns
    -------
    MMDTestResult
        ``(statistic, p_value, bandwidth, n_permutations)``, plain floats (tensors are
        detached: a test is not differentiated).
    """
    _check_options(kernel, estimator, bandwidth)
    if (isinstance(n_permutations, bool) or not isinstance(n_permutations, numbers.Integral)
            or n_permutations < 1):
        raise ParameterError(f"n_permutations must be a positive int; got {n_permutations!r}.")
    xp, X, Y = _pair_samples(X, Y, estimator)
    np_ns = namespace()
    X = xp.to_numpy(X).astype(np.float64)
    Y = xp.to_numpy(Y).astype(np.float64)
    n, m = X.shape[0], Y.shape[0]
    Z = np.concatenate([X, Y], axis=0)
    D = _sq_distances(np_ns, Z, Z)
    s = _resolve_bandwidth(np_ns, bandwidth, D[:n, :n], D[n:, n:], D[:n, n:])
    K = _kernel(np_ns, D, kernel, s)   # (n + m, n + m)
    labels = np.zeros((n + m, 1))
    labels[:n] = 1.0
    observed = float(_statistics_for_labels(K, labels, n, m, estimator)[0])

    # Relabellings with the same statistic (the swapped labelling when n = m, for one) must
    # count as reaching it, whatever the round-off of the block sums.
    threshold = observed - 1e-10 * (1.0 + abs(observed))
    rng = check_random_state(random_state)
    exceed = 0
    for start in range(0, n_permutations, _PERMUTATION_CHUNK):
        size = min(_PERMUTATION_CHUNK, n_permutations - start)
        # Column b marks the n points relabelled "X" by permutation b.
        first_n = np.argsort(rng.random_sample((size, n + m)), axis=1)[:, :n]
        A = np.zeros((n + m, size))
        A[first_n.T, np.arange(size)] = 1.0
        exceed += int(np.sum(_statistics_for_labels(K, A, n, m, estimator) >= threshold))
    p_value = (1.0 + exceed) / (1.0 + n_permutations)
    return MMDTestResult(observed, p_value, s, int(n_permutations))


def _statistics_for_labels(K, A, n, m, estimator):
    """MMD^2 for each labelling: column ``b`` of ``A`` (0/1, n ones) marks the "X" points.

    With ``a`` a column: ``S_XX = a^T K a``, ``S_XY = a^T K 1 - S_XX``,
    ``S_YY = 1^T K 1 - 2 a^T K 1 + S_XX``; the diagonals are ``a^T diag(K)`` and the rest.
    """
    row_sums = K.sum(axis=1)                        # (N,)
    total = row_sums.sum()
    KA = K @ A                                      # (N, B)
    s_xx = np.einsum("nb,nb->b", A, KA)
    s_x_all = row_sums @ A
    s_xy = s_x_all - s_xx
    s_yy = total - 2.0 * s_x_all + s_xx
    if estimator == "biased":
        return s_xx / n ** 2 + s_yy / m ** 2 - 2.0 * s_xy / (n * m)
    diag = np.diagonal(K)
    tr_x = diag @ A
    tr_y = diag.sum() - tr_x
    return ((s_xx - tr_x) / (n * (n - 1)) + (s_yy - tr_y) / (m * (m - 1))
            - 2.0 * s_xy / (n * m))
