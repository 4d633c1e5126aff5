"""Multidimensional scaling: points in a few dimensions whose distances match given dissimilarities.

MDS is a linear latent-feature method like PCA, factor analysis and ICA (Torgerson 1952; Cox &
Cox 2001, "Multidimensional Scaling"; Borg & Groenen 2005, "Modern Multidimensional Scaling");
graph embeddings such as Isomap run it on geodesic distances,
which is why it lives here, beside them. Two methods:

Classical (Torgerson) MDS
    (Torgerson 1952; Gower 1966; Cox & Cox 2001, "Multidimensional scaling", chapter 2.)
    Double-centre the squared dissimilarities, ``B = -1/2 J D^(2) J`` with
    ``J = I - 1/n 1 1^T``. For Euclidean ``D`` of centred points ``X``, ``B = X X^T`` (the Gram
    matrix), so its ``k`` leading eigen-pairs give the embedding ``Y = V_k Lambda_k^{1/2}``: the
    PCA scores of ``X`` (the SVD ``X = U S V^T`` factorises the Gram matrix as
    ``X X^T = U S^2 U^T``), up to the sign of each column. For non-Euclidean ``D`` some
    eigenvalues are negative; only the positive part is used (``sqrt(max(lambda, 0))``).
Metric MDS by SMACOF
    (de Leeuw 1977, "Applications of convex analysis to multidimensional scaling"; Borg &
    Groenen 2005, "Modern multidimensional scaling", chapter 8.) Minimise the raw stress

        sigma(Y) = sum_{i<j} (d_ij(Y) - delta_ij)^2,      d_ij(Y) = ||y_i - y_j||,

    by majorisation: the Guttman transform ``Y <- 1/n B(Y) Y`` with ``b_ij = -delta_ij / d_ij(Y)``
    (0 where ``d_ij = 0``) and ``b_ii = -sum_{j != i} b_ij`` never increases the stress. It
    stops when the stress falls by less than ``eps`` times ``sum_{i<j} d_ij(Y)^2`` in one step
    (scikit-learn's criterion). SMACOF finds a local minimum, so it can be restarted
    (``n_init``); the classical solution is a good start.

Implementation notes. SMACOF's pass is one fused loop, compiled with numba: a single read of
the dissimilarities per iteration computes the distances of the current configuration, its
stress and its Guttman transform, row by row, with ``O(n)`` temporaries (scikit-learn's holds
several ``n x n`` arrays and sweeps them a dozen times). The classical eigen-pairs come from a
dense eigen-solver for small ``n`` and from Lanczos iterations (ARPACK, from a fixed start
vector) for large ``n``.
"""

from __future__ import annotations

import functools
import logging
import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import pairwise_distances
from sklearn.utils.validation import check_is_fitted

from .._linalg import classical_scaling
from .._stages import StageClock
from .._threads import N_JOBS_CONSTRAINT, limit_threads
from ..base import Interval, LatentEstimator, Options, check_random_state
from ..exceptions import DataError, ParameterError
from ..neighbors.distances import (
    SPARSE_EXACT_METRICS,
    check_metric,
    is_precomputed,
    takes_sparse,
)
from ..registry import register

__all__ = ["MDS", "classical_mds", "smacof", "stress", "triangulate", "place_by_stress"]

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- validation
# Side of the square tiles in which an n x n matrix is checked and symmetrised in place, so
# that no second n x n array is made (3.2 GB at n = 20,000).
_TILE = 1024


def _symmetrize(D):
    """Replace ``D`` by ``(D + D^T) / 2`` in place, tile by tile; return ``max |D - D^T|``."""
    n = D.shape[0]
    worst = 0.0
    for a in range(0, n, _TILE):
        rows = slice(a, min(a + _TILE, n))
        for b in range(a, n, _TILE):
            cols = slice(b, min(b + _TILE, n))
            upper, lower = D[rows, cols], D[cols, rows].T
            worst = max(worst, float(np.abs(upper - lower).max(initial=0.0)))
            mean = (upper + lower) / 2
            D[rows, cols] = mean
            D[cols, rows] = mean.T
    return worst


def _check_dissimilarities(D, whom):
    """A float64 copy of ``D``, symmetric, non-negative, with a zero diagonal; or a clear error."""
    D = np.asarray(D)
    if D.dtype.kind not in "biuf":
        raise DataError(f"{whom}: the dissimilarity matrix must be numeric; got dtype {D.dtype}.")
    if D.ndim != 2 or D.shape[0] != D.shape[1]:
        raise DataError(
            f"{whom}: a precomputed dissimilarity matrix must be square, (n_samples, n_samples); "
            f"got shape {D.shape}. For data with one sample per row use "
            "dissimilarity='euclidean' (or compute D = sklearn.metrics.pairwise_distances(X)).")
    D = np.array(D, dtype=np.float64, order="C")  # our own copy: symmetrised in place below
    if not np.all(np.isfinite(D)):
        raise DataError(f"{whom}: the dissimilarity matrix has NaN or infinite entries; "
                        "replace them (e.g. by the largest finite dissimilarity).")
    smallest = float(D.min(initial=0.0))
    if smallest < 0:
        count = int(np.count_nonzero(D < 0))
        row = int(np.flatnonzero((D < 0).any(axis=1))[0])
        raise DataError(
            f"{whom}: dissimilarities must be >= 0, but D has {count} negative entr"
            f"{'y' if count == 1 else 'ies'}, the first in row {row} (the smallest is "
            f"{smallest:.4g}). Pass distances, "
            "not similarities (for a similarity S in [0, 1], D = 1 - S is one choice).")
    scale = max(float(D.max(initial=0.0)), np.finfo(np.float64).tiny)
    diagonal = float(np.abs(np.diag(D)).max(initial=0.0))
    if diagonal > 1e-8 * scale:
        raise DataError(
            f"{whom}: the dissimilarity of each point to itself must be 0, but the diagonal of D "
            f"has entries up to {diagonal:.4g}; set np.fill_diagonal(D, 0).")
    original = D.copy() if D.shape[0] <= _TILE else None  # to name the row (small D only)
    asymmetry = _symmetrize(D)
    if asymmetry > 1e-8 * scale:
        where = ""
        if original is not None:
            row = int(np.flatnonzero((np.abs(original - original.T) > 1e-8 * scale)
                                     .any(axis=1))[0])
            where = f", first in row {row}"
        raise DataError(
            f"{whom}: the dissimilarity matrix is not symmetric (largest |D - D^T| = "
            f"{asymmetry:.4g}{where}); MDS needs D[i, j] == D[j, i]. If the asymmetry is "
            "noise, pass (D + D.T) / 2.")
    np.fill_diagonal(D, 0.0)
    return D


def _check_n_components(n_components, n_samples, whom):
    if isinstance(n_components, (bool, np.bool_)) or not isinstance(n_components, Integral) \
            or n_components < 1:
        raise ParameterError(f"{whom}: n_components={n_components!r} must be an int >= 1.")
    if n_components >= n_samples:
        raise ParameterError(
            f"{whom}: n_components={n_components} needs at least n_components + 1 = "
            f"{n_components + 1} points (n points span at most n - 1 dimensions), got "
            f"{n_samples}; lower n_components or pass more points.")


# --------------------------------------------------------------------------- classical MDS
def classical_mds(D, n_components=2, *, return_eigenvalues=False):
    """Classical (Torgerson) multidimensional scaling of a dissimilarity matrix.

    ``B = -1/2 J D^(2) J`` with ``J = I - 1/n 1 1^T``; the embedding is ``V_k sqrt(Lambda_k)``
    from the ``k`` leading eigen-pairs of ``B`` (Torgerson 1952). For Euclidean distances this
    is PCA: the columns are the principal-component scores of the points, up to sign. Negative
    eigenvalues (non-Euclidean ``D``) give zero columns. Each column is signed so that its entry
    of largest absolute value is positive.

    Parameters
    ----------
    D : array-like of shape (n_samples, n_samples)
        Symmetric, non-negative dissimilarities with a zero diagonal (e.g. Euclidean or
        geodesic distances; not squared).
    n_components : int, default=2
        ``k``, at most ``n_samples - 1``.
    return_eigenvalues : bool, default=False
        Also return the ``k`` leading eigenvalues of ``B`` (descending; the variance of each
        embedding coordinate times ``n_samples`` when they are positive).

    Returns
    -------
    embedding : ndarray of shape (n_samples, n_components)
    eigenvalues : ndarray of shape (n_components,)
        Only when ``return_eigenvalues``.
    """
    D = _check_dissimilarities(D, "classical_mds")
    _check_n_components(n_components, D.shape[0], "classical_mds")
    embedding, values = classical_scaling(D, int(n_components))
    return (embedding, values) if return_eigenvalues else embedding


# --------------------------------------------------------------------------- SMACOF
@functools.cache
def _compiled_pass():
    """The fused SMACOF pass, compiled by numba on first use (numba comes with pynndescent).

    One read of each row of ``D`` gives the distances of the current configuration, the stress
    terms and the Guttman weights together. Serial on purpose: a parallel version mostly waits on
    its threads when the machine is shared, and visiting each pair once (``i < j``, adding to
    both rows) was slower than whole rows, whose loops vectorise.
    """
    import numba

    @numba.njit(fastmath=True, cache=True)
    def smacof_pass(D, Yt, update, out):  # pragma: no cover - compiled
        k, n = Yt.shape
        row = np.empty(n)  # squared distances, then Guttman weights, of point i
        stress = 0.0
        sum_squared = 0.0
        for i in range(n):
            for j in range(n):
                row[j] = 0.0
            for c in range(k):
                yc = Yt[c, i]
                for j in range(n):
                    t = Yt[c, j] - yc
                    row[j] += t * t
            st = 0.0
            sq = 0.0
            weight_sum = 0.0
            for j in range(n):
                d2 = row[j]
                sq += d2
                dist = np.sqrt(d2)
                delta = D[i, j]
                r = dist - delta
                st += r * r
                # b_ij = -delta_ij / d_ij, and 0 where d_ij = 0
                w = delta / dist if dist > 0.0 else 0.0
                weight_sum += w
                row[j] = w
            stress += st
            sum_squared += sq
            if update:
                # (B Y)_i = sum_j w_ij (y_i - y_j)
                for c in range(k):
                    acc = 0.0
                    for j in range(n):
                        acc += row[j] * Yt[c, j]
                    out[c, i] = (weight_sum * Yt[c, i] - acc) / n
        return stress / 2.0, sum_squared / 2.0

    return smacof_pass


def _smacof_pass(D, Y, update):
    """One pass over ``D``: the stress of ``Y``, ``sum_{i<j} d_ij^2``, and the Guttman transform.

    Parameters
    ----------
    D : ndarray of shape (n, n), float64, C order
    Y : ndarray of shape (n, k)
    update : bool

    Returns
    -------
    stress : float
        ``sum_{i<j} (d_ij(Y) - delta_ij)^2``.
    sum_squared : float
        ``sum_{i<j} d_ij(Y)^2``.
    Y_next : ndarray of shape (n, k) or None
        ``1/n B(Y) Y`` with ``(B Y)_i = sum_j delta_ij / d_ij (y_i - y_j)`` (None when
        ``update`` is False).
    """
    Yt = np.ascontiguousarray(Y.T, dtype=np.float64)  # (k, n): each coordinate contiguous
    out = np.empty_like(Yt)
    stress_value, sum_squared = _compiled_pass()(D, Yt, bool(update), out)
    return float(stress_value), float(sum_squared), (out.T.copy() if update else None)


def _smacof(D, Y, max_iter, eps, on_iteration=None):
    """SMACOF from ``Y``; returns the configuration, its raw stress, ``sum d^2`` and the steps.

    The pass that evaluates ``sigma(Y_m)`` also computes ``Y_{m+1}``, so every iteration reads
    ``D`` once. The stopping rule compares ``sigma(Y_m)`` with ``sigma(Y_{m-1})`` from ``m = 2``
    on, as scikit-learn does. ``on_iteration(m, stress) -> bool`` is called after each Guttman
    transform ``m = 1..``; True stops the run at ``Y_m`` (not counted as converged).
    """
    previous = None
    Y = np.array(Y, dtype=np.float64)
    converged = False
    for m in range(max_iter + 1):
        stress_m, sum_squared, Y_next = _smacof_pass(D, Y, update=m < max_iter)
        if m >= 2 and sum_squared > 0 and (previous - stress_m) / sum_squared < eps:
            converged = True
            break
        if m == max_iter:
            break
        previous = stress_m
        Y = Y_next
        if on_iteration is not None and on_iteration(m + 1, stress_m):
            # Y is now Y_{m+1}: measure it, so that the stress returned is its own
            stress_m, sum_squared, _ = _smacof_pass(D, Y, update=False)
            m += 1
            break
    return Y, stress_m, sum_squared, m, converged


def _random_configuration(random_state, n_samples, n_components):
    """Uniform on [0, 1)^k, drawn as scikit-learn draws its SMACOF start."""
    return random_state.uniform(size=n_samples * n_components).reshape(n_samples, n_components)


def _best_of_runs(D, starts, max_iter, eps, callback=None, n_runs=None, clock=None):
    """Run SMACOF from each start; keep the lowest stress. Returns a result dict.

    ``callback(event, logs) -> bool`` (see :class:`MDS`) hears of each iteration and each run
    of the ``n_runs`` starts; True stops the current run, or (after a run) the remaining ones.
    ``clock`` (a :class:`~latentlearn._stages.StageClock`) logs each run's time.
    """
    best = None
    all_converged = True
    stopped = False
    for run, start in enumerate(starts, start=1):
        on_iteration = None
        if callback is not None:
            def on_iteration(m, stress_m, run=run):
                return callback("iteration", {"run": run, "n_runs": n_runs, "iteration": m,
                                              "max_iter": max_iter, "stress": float(stress_m)})
        Y, raw, sum_squared, n_iter, converged = _smacof(D, start, max_iter, eps, on_iteration)
        stopped = callback is not None and not converged and n_iter < max_iter
        all_converged &= converged or stopped
        if clock is not None:
            clock.stage("SMACOF run %d of %s: %d iterations, stress %.6g,", run, n_runs,
                        n_iter, raw)
        if best is None or raw < best["stress"]:
            best = {"embedding": Y, "stress": raw, "sum_squared": sum_squared, "n_iter": n_iter}
        if callback is not None and callback("run", {"run": run, "n_runs": n_runs,
                                                     "n_iter": n_iter, "stress": float(raw)}):
            break
    best["converged"] = all_converged
    return best


def smacof(D, n_components=2, *, init=None, n_init=1, max_iter=300, eps=1e-6,
           random_state=None):
    """Metric MDS: minimise the raw stress ``sum_{i<j} (||y_i - y_j|| - delta_ij)^2`` by SMACOF.

    Guttman transforms ``Y <- 1/n B(Y) Y`` (de Leeuw 1977) until the stress falls by less than
    ``eps * sum_{i<j} d_ij(Y)^2`` in one step, from ``n_init`` starts; the lowest stress wins.

    Parameters
    ----------
    D : array-like of shape (n_samples, n_samples)
        Symmetric, non-negative dissimilarities with a zero diagonal.
    n_components : int, default=2
    init : array-like of shape (n_samples, n_components), "classical" or None, default=None
        The first start: a given configuration, the classical-MDS solution, or (None) a random
        one. The other ``n_init - 1`` starts are uniform random on ``[0, 1)^k``.
    n_init : int >= 1, default=1
    max_iter : int >= 1, default=300
        Guttman transforms per start.
    eps : float >= 0, default=1e-6
    random_state : None, int or numpy.random.RandomState, default=None

    Returns
    -------
    embedding : ndarray of shape (n_samples, n_components)
    stress : float
        Raw stress of ``embedding``.
    n_iter : int
        Guttman transforms applied in the best run.
    """
    D = _check_dissimilarities(D, "smacof")
    _check_n_components(n_components, D.shape[0], "smacof")
    for name, value, low in (("n_init", n_init, 1), ("max_iter", max_iter, 1)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral) or value < low:
            raise ParameterError(f"smacof: {name}={value!r} must be an int >= {low}.")
    if isinstance(eps, (bool, np.bool_)) or not isinstance(eps, Real) or not eps >= 0:
        raise ParameterError(f"smacof: eps={eps!r} must be a number >= 0.")
    starts = _starts(D, int(n_components), init, int(n_init), check_random_state(random_state),
                     "smacof")
    best = _best_of_runs(D, starts, int(max_iter), float(eps))
    return best["embedding"], best["stress"], best["n_iter"]


def _starts(D, n_components, init, n_init, random_state, whom):
    """The ``n_init`` starting configurations, drawn lazily (one ``(n, k)`` array at a time)."""
    n = D.shape[0]
    if isinstance(init, str) and init not in ("classical", "random"):
        raise ParameterError(f"{whom}: init={init!r} is not allowed; use 'classical', 'random' "
                             "or an array of shape (n_samples, n_components).")
    if isinstance(init, str) and init == "classical":
        first = classical_scaling(D, n_components)[0]
    elif init is None or (isinstance(init, str) and init == "random"):
        first = _random_configuration(random_state, n, n_components)
    else:
        first = np.asarray(init, dtype=np.float64)
        if first.shape != (n, n_components) or not np.all(np.isfinite(first)):
            raise ParameterError(
                f"{whom}: an init array must be finite with shape (n_samples, n_components) = "
                f"({n}, {n_components}); got shape {first.shape}.")
    yield first
    for _ in range(n_init - 1):
        yield _random_configuration(random_state, n, n_components)


def stress(D, Y):
    """Raw stress ``sum_{i<j} (||y_i - y_j|| - delta_ij)^2`` of a configuration.

    Parameters
    ----------
    D : array-like of shape (n_samples, n_samples)
        Dissimilarities ``delta`` (symmetric, non-negative, zero diagonal).
    Y : array-like of shape (n_samples, n_components)

    Returns
    -------
    stress : float
    """
    D = _check_dissimilarities(D, "stress")
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim != 2 or Y.shape[0] != D.shape[0]:
        raise ValueError(f"stress: Y must have shape ({D.shape[0]}, n_components); got "
                         f"{Y.shape}.")
    return _smacof_pass(D, Y, update=False)[0]


# --------------------------------------------------------------------------- out of sample
def triangulate(delta, embedding, mean_squared):
    """Distance-based triangulation of new points against a fitted configuration.

    de Silva & Tenenbaum (2004), "Sparse multidimensional scaling using landmark points"
    (landmark MDS; Gower 1968, "Adding a point to vector diagrams in multivariate analysis"):
    with ``Y`` the ``n`` reference points, ``ybar`` their mean and ``mu_j`` the mean squared
    dissimilarity of reference ``j`` to the others, a point with dissimilarities ``delta``
    to them is placed at

        y(x) = ybar - 1/2 pinv(Y - ybar) (delta^2 - mu).

    For classical MDS ``pinv(Y) = Lambda^{-1} Y^T`` (its columns are orthogonal, of squared
    norm the eigenvalues), which is de Silva & Tenenbaum's ``L^#``. It places each reference
    point exactly at its row of ``Y`` when ``Y`` is the classical MDS of the references, and a
    new point exactly where it is when the dissimilarities are Euclidean distances of points
    spanning at most ``n_components`` dimensions; otherwise it projects the point onto the
    configuration's axes. Each point is placed independently of the others.

    Parameters
    ----------
    delta : ndarray of shape (n_queries, n_references)
        Dissimilarities (not squared) of the new points to the reference points.
    embedding : ndarray of shape (n_references, n_components)
    mean_squared : ndarray of shape (n_references,)
        ``mu_j = mean_i D_ij^2`` over the references' own dissimilarity matrix ``D``.

    Returns
    -------
    Y : ndarray of shape (n_queries, n_components)
    """
    embedding = np.asarray(embedding, dtype=np.float64)
    centre = embedding.mean(axis=0)
    inverse = np.linalg.pinv(embedding - centre)                        # (k, n)
    out = np.empty((delta.shape[0], embedding.shape[1]))
    step = max(1, (1 << 20) // max(delta.shape[1], 1))  # rows per block: 8 MB temporaries
    for start in range(0, delta.shape[0], step):
        block = np.asarray(delta[start:start + step], dtype=np.float64)
        out[start:start + step] = (block ** 2 - mean_squared) @ inverse.T
    return centre - 0.5 * out


def place_by_stress(delta, embedding, start, *, max_iter=300, eps=1e-6):
    """Minimise each new point's raw stress against a fixed configuration by majorisation.

    Bae, Choi, Qiu & Fox (2010), "Dimension reduction and visualization of large
    high-dimensional data via interpolation" (majorizing interpolation MDS): for one free point
    ``y`` and fixed ``y_j`` with dissimilarities ``delta_j``, the stress
    ``sum_j (||y - y_j|| - delta_j)^2`` never increases under

        y <- ybar + 1/n sum_j delta_j (y - y_j) / ||y - y_j||,

    the Guttman transform (de Leeuw 1977) with only ``y`` free. A point of a converged SMACOF
    configuration is a fixed point (its stationarity condition is the same), so a training
    sample is placed where SMACOF put it, to SMACOF's own tolerance. A point stops when one
    step moves it by less than ``eps`` times the configuration's root-mean-square radius.

    Parameters
    ----------
    delta : ndarray of shape (n_queries, n_references)
    embedding : ndarray of shape (n_references, n_components)
    start : ndarray of shape (n_queries, n_components)
        First positions, e.g. from :func:`triangulate`.
    max_iter : int, default=300
    eps : float, default=1e-6

    Returns
    -------
    Y : ndarray of shape (n_queries, n_components)
    """
    Y = np.asarray(embedding, dtype=np.float64)
    centre = Y.mean(axis=0)
    radius = float(np.sqrt(np.mean(np.sum((Y - centre) ** 2, axis=1)))) or 1.0
    out = np.array(start, dtype=np.float64)
    n, k = Y.shape
    step = max(1, (1 << 20) // max(n * k, 1))   # queries per block: 8 MB temporaries
    for a in range(0, out.shape[0], step):
        y = out[a:a + step]                                           # (b, k), a view of out
        d_new = np.asarray(delta[a:a + step], dtype=np.float64)       # (b, n)
        active = np.arange(y.shape[0])
        for _ in range(int(max_iter)):
            diff = y[active][:, None, :] - Y[None, :, :]              # (b', n, k)
            dist = np.sqrt(np.einsum("bnk,bnk->bn", diff, diff))
            ratio = np.divide(d_new[active], dist, out=np.zeros_like(dist), where=dist > 0)
            moved = centre + np.einsum("bn,bnk->bk", ratio, diff) / n
            shift = np.sqrt(np.sum((moved - y[active]) ** 2, axis=1))
            y[active] = moved
            active = active[shift >= eps * radius]
            if active.size == 0:
                break
    return out


# --------------------------------------------------------------------------- estimator
@register("mds", family="manifold")
class MDS(ClassNamePrefixFeaturesOutMixin, TransformerMixin, LatentEstimator):
    """Multidimensional scaling: an embedding whose distances match the dissimilarities.

    ``algorithm="smacof"`` minimises the raw stress ``sum_{i<j} (||y_i - y_j|| - delta_ij)^2``
    by Guttman transforms (de Leeuw 1977); ``algorithm="classical"`` takes the leading
    eigen-pairs of ``B = -1/2 J D^(2) J`` (Torgerson 1952), which for Euclidean distances are the
    PCA scores. See the module docstring.

    Parameters
    ----------
    n_components : int, default=2
        Embedding dimension, at most ``n_samples - 1``.
    algorithm : {"smacof", "classical"}, default="smacof"
    dissimilarity : {"euclidean", "precomputed"}, default="euclidean"
        ``"euclidean"``: ``X`` holds one sample per row and ``delta`` is the Euclidean distance.
        ``"precomputed"``: ``X`` is the (n_samples, n_samples) dissimilarity matrix itself
        (symmetric, non-negative, zero diagonal).
    metric : str or callable, default="euclidean"
        The dissimilarity ``delta`` computed from ``X`` (with ``dissimilarity="euclidean"``):
        any metric of scipy or scikit-learn (``"cosine"``, ``"manhattan"``, ``"correlation"``,
        ...), a callable ``f(u, v) -> float``, or ``"precomputed"`` (the same as
        ``dissimilarity="precomputed"``). MDS needs every pair, so a precomputed matrix must be
        dense and symmetric; an error names its first offending row. CSR ``X`` is taken for
        the Euclidean, cosine and Manhattan metrics.
    init : {"classical", "random"} or array-like of shape (n_samples, n_components), \
default="classical"
        SMACOF's first start: the classical-MDS solution, a uniform random configuration on
        ``[0, 1)^k`` (scikit-learn's start), or a given one.
    n_init : int >= 1, default=1
        SMACOF runs: the first from ``init``, the others from random configurations; the
        lowest stress is kept.
    max_iter : int >= 1, default=300
        Guttman transforms per run.
    eps : float >= 0, default=1e-6
        A run stops when the stress falls by less than ``eps * sum_{i<j} d_ij(Y)^2`` in one
        step (scikit-learn's criterion).
    n_jobs : int or None, default=None
        Threads of BLAS / OpenMP (through threadpoolctl) and numba in ``fit`` and
        ``transform`` (scikit-learn's meaning): None keeps the library defaults, 1 is one
        thread, -1 all cores.
    random_state : None, int or numpy.random.RandomState, default=None
        Seeds the random starts.
    verbose : int, default=0
        When positive, log the time of each stage (dissimilarities, the classical start, each
        SMACOF run with its iterations and stress) at INFO through :mod:`logging` (logger
        ``latentlearn.manifold.mds``), as openTSNE's ``verbose`` prints its stage timings; 0
        logs them at DEBUG only.
    callback : callable ``callback(event, logs) -> bool``, optional
        Progress of SMACOF: ``callback("iteration", {"run", "n_runs", "iteration", "max_iter",
        "stress"})`` after each Guttman transform (``stress`` is that of the configuration it
        started from) and ``callback("run", {"run", "n_runs", "n_iter", "stress"})`` after each
        of the ``n_init`` runs. Returning True stops the fit cleanly (the current run, or the
        remaining runs) and keeps the best configuration so far; no convergence warning is
        given for a run stopped so.

    Attributes
    ----------
    embedding_ : ndarray of shape (n_samples, n_components)
        For ``"classical"``, each column signed so that its entry of largest absolute value is
        positive.
    stress_ : float
        Raw stress ``sum_{i<j} (d_ij - delta_ij)^2`` of ``embedding_`` (also for
        ``"classical"``).
    normalized_stress_ : float
        Kruskal's stress-1, ``sqrt(stress_ / sum_{i<j} d_ij^2)`` (0.05 is "good", 0.2 "poor").
    eigenvalues_ : ndarray of shape (n_components,)
        Leading eigenvalues of ``B`` (``"classical"`` only).
    n_iter_ : int
        Guttman transforms in the best run (0 for ``"classical"``).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` had string column names.
    mean_squared_dissimilarities_ : ndarray of shape (n_samples,)
        ``mean_j delta_ij^2`` per sample, what :meth:`transform` triangulates with.
    X_fit_ : ndarray of shape (n_samples, n_features) or None
        The training samples (None for precomputed dissimilarities).

    Notes
    -----
    Unlike scikit-learn's MDS (#9834) there is a ``transform`` that places new points against
    the fitted configuration: landmark MDS's triangulation (de Silva & Tenenbaum 2004) for
    ``"classical"``, exact on Euclidean distances of points spanning at most
    ``n_components`` dimensions, and for ``"smacof"`` that start followed by the
    minimisation of each new point's own stress (Bae et al. 2010); see :meth:`transform` for
    the limits. The ``n x n`` dissimilarity matrix is not kept after fit (it would be the
    largest attribute by far); memory during fit is that matrix plus a few MB.

    Examples
    --------
    >>> import numpy as np
    >>> from latentlearn.manifold import MDS
    >>> X = np.random.RandomState(0).normal(size=(40, 5))
    >>> MDS(2).fit_transform(X).shape
    (40, 2)
    """

    _accepts_sparse = True   # CSR rows, for the metrics neighbors.distances searches on
    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None)],
        "algorithm": [Options({"smacof", "classical"})],
        "dissimilarity": [Options({"euclidean", "precomputed"})],
        "metric": [str, "callable"],
        "init": [Options({"classical", "random"}), "array-like"],
        "n_init": [Interval(Integral, 1, None)],
        "max_iter": [Interval(Integral, 1, None)],
        "eps": [Interval(Real, 0, None)],
        "random_state": ["random_state"],
        "verbose": [Interval(Integral, 0, None), "boolean"],
        "callback": [None, "callable"],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(self, n_components=2, *, algorithm="smacof", dissimilarity="euclidean",
                 metric="euclidean", init="classical", n_init=1, max_iter=300, eps=1e-6,
                 random_state=None, verbose=0, callback=None, n_jobs=None):
        self.n_components = n_components
        self.algorithm = algorithm
        self.dissimilarity = dissimilarity
        self.metric = metric
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.eps = eps
        self.random_state = random_state
        self.verbose = verbose
        self.callback = callback
        self.n_jobs = n_jobs

    def _precomputed(self):
        return self.dissimilarity == "precomputed" or is_precomputed(self.metric)

    def _dissimilarities(self, X):
        metric = check_metric(self.metric, whom="MDS")
        if self.dissimilarity == "precomputed" and metric not in ("euclidean", "precomputed"):
            raise ParameterError(
                f"MDS: dissimilarity='precomputed' takes the distances as given; "
                f"metric={metric!r} would compute them again. Pass one of the two.")
        if self._precomputed():
            X = self._validate_X(X, reset=True, min_samples=2, dtype=np.float64)
            self.X_fit_ = None
            return _check_dissimilarities(X, "MDS(metric='precomputed')")
        X = self._validate_X(X, reset=True, min_samples=2,
                             accept_sparse="csr" if metric in SPARSE_EXACT_METRICS else False)
        self.X_fit_ = X   # transform measures new points against these
        D = np.asarray(pairwise_distances(X, metric=metric), dtype=np.float64, order="C")
        _symmetrize(D)  # the Gram-matrix formula can leave rounding asymmetries
        np.fill_diagonal(D, 0.0)
        return D

    @limit_threads
    def fit_transform(self, X, y=None):
        """Embed the samples (or the points of a precomputed dissimilarity matrix).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, n_samples)
            Data, or the dissimilarity matrix when ``dissimilarity="precomputed"``.
        y : ignored

        Returns
        -------
        embedding : ndarray of shape (n_samples, n_components)
        """
        self._check_parameters()
        clock = StageClock(logger, "MDS", self.verbose)
        D = self._dissimilarities(X)
        n = D.shape[0]
        clock.stage("dissimilarities of %d points", n)
        k = int(self.n_components)
        _check_n_components(k, n, "MDS")
        if self.algorithm == "classical":
            Y, values = classical_scaling(D, k)
            raw, sum_squared, _ = _smacof_pass(D, Y, update=False)
            clock.stage("classical scaling (stress %.6g)", raw)
            self.eigenvalues_ = values
            self.n_iter_ = 0
        else:
            starts = _starts(D, k, self.init, self.n_init, check_random_state(self.random_state),
                             "MDS")
            best = _best_of_runs(D, starts, self.max_iter, self.eps, callback=self.callback,
                                 n_runs=int(self.n_init), clock=clock)
            if not best["converged"]:
                warnings.warn(
                    f"MDS: SMACOF did not converge in max_iter={self.max_iter} iterations "
                    f"(eps={self.eps}); raise max_iter or eps.", ConvergenceWarning,
                    stacklevel=2)
            Y, raw, sum_squared = best["embedding"], best["stress"], best["sum_squared"]
            self.n_iter_ = best["n_iter"]
        self.embedding_ = Y
        self.stress_ = float(raw)
        self.normalized_stress_ = float(np.sqrt(raw / sum_squared)) if sum_squared > 0 else 0.0
        self.mean_squared_dissimilarities_ = np.einsum("ij,ij->i", D, D) / n
        logger.debug("MDS fitted: stress %.6g after %d iterations", self.stress_, self.n_iter_)
        return Y

    @limit_threads
    def transform(self, X):
        """Place new points against the fitted configuration (which does not move).

        ``"classical"``: landmark MDS's distance-based triangulation (de Silva & Tenenbaum
        2004), ``y(x) = ybar - 1/2 pinv(Y - ybar) (delta(x)^2 - mu)``, see :func:`triangulate`.
        ``"smacof"``: that position, then the new point's own raw stress against the fitted
        points minimised by majorisation (Bae et al. 2010, :func:`place_by_stress`, up to
        ``max_iter`` steps to the tolerance ``eps``).

        Limits. Classical: a training sample is placed exactly at its row of ``embedding_``;
        for Euclidean distances of data spanning at most ``n_components`` dimensions a new
        point lands exactly where classical MDS of the joined data puts it (up to the rigid
        motion between the two fits); for other data it is the projection onto the fitted
        axes, and for non-Euclidean dissimilarities an approximation. SMACOF: each new point
        finds a local minimum of its own stress near the triangulated start; a query at
        dissimilarity 0 from a training sample is given that sample's position (the
        majorisation alone would reproduce it only to SMACOF's tolerance); a refit on the
        joined data would also move the old points. Each query is placed independently
        (queries never see each other).

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features)
            New samples; with ``dissimilarity="precomputed"``, their dissimilarities to the
            training samples, of shape (n_queries, n_samples) (non-negative, finite).

        Returns
        -------
        Y : ndarray of shape (n_queries, n_components)
        """
        check_is_fitted(self, "embedding_")
        if self._precomputed():
            # (validate_data names the expected width: one column per training sample)
            delta = self._validate_X(X, reset=False, dtype=np.float64)
            if delta.size and delta.min() < 0:
                row = int(np.flatnonzero((delta < 0).any(axis=1))[0])
                raise DataError(f"row {row} of the precomputed dissimilarities has a negative "
                                f"entry ({delta[row].min():.4g}); pass distances >= 0.")
        else:
            metric = check_metric(self.metric, whom="MDS")
            X = self._validate_X(X, reset=False,
                                 accept_sparse="csr" if metric in SPARSE_EXACT_METRICS else False)
            delta = pairwise_distances(X, self.X_fit_, metric=metric)
        Y = triangulate(delta, self.embedding_, self.mean_squared_dissimilarities_)
        if self.algorithm == "smacof":
            Y = place_by_stress(delta, self.embedding_, Y, max_iter=self.max_iter, eps=self.eps)
            # A query at dissimilarity 0 from a training sample is that sample (a metric
            # separates points): it keeps SMACOF's position rather than one within eps of it.
            # (Rows equal to a training row are found by value: a distance computed through
            # the Gram matrix need not be exactly 0.)
            nearest = delta.argmin(axis=1)
            if self.X_fit_ is None or sparse.issparse(X):
                hit = delta[np.arange(len(nearest)), nearest] == 0
            else:
                hit = np.all(X == self.X_fit_[nearest], axis=1)
            Y[hit] = self.embedding_[nearest[hit]]
        return Y

    @property
    def _n_features_out(self):
        return self.n_components

    @limit_threads
    def fit(self, X, y=None):
        """Embed the samples; see :meth:`fit_transform`.

        Returns
        -------
        self : MDS
        """
        self.fit_transform(X)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.pairwise = self._precomputed()
        tags.input_tags.sparse = not self._precomputed() and takes_sparse(self.metric)
        return tags
