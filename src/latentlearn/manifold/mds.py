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
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import pairwise_distances

from .._linalg import classical_scaling
from ..base import Interval, LatentEstimator, Options, check_random_state
from ..exceptions import DataError, ParameterError
from ..neighbors.distances import (
    SPARSE_EXACT_METRICS,
    check_metric,
    is_precomputed,
    takes_sparse,
)
from ..registry import register

__all__ = ["MDS", "classical_mds", "smacof", "stress"]

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


def _smacof(D, Y, max_iter, eps):
    """SMACOF from ``Y``; returns the configuration, its raw stress, ``sum d^2`` and the steps.

    The pass that evaluates ``sigma(Y_m)`` also computes ``Y_{m+1}``, so every iteration reads
    ``D`` once. The stopping rule compares ``sigma(Y_m)`` with ``sigma(Y_{m-1})`` from ``m = 2``
    on, as scikit-learn does.
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
    return Y, stress_m, sum_squared, m, converged


def _random_configuration(random_state, n_samples, n_components):
    """Uniform on [0, 1)^k, drawn as scikit-learn draws its SMACOF start."""
    return random_state.uniform(size=n_samples * n_components).reshape(n_samples, n_components)


def _best_of_runs(D, starts, max_iter, eps):
    """Run SMACOF from each start; keep the lowest stress. Returns a result dict."""
    best = None
    all_converged = True
    for start in starts:
        Y, raw, sum_squared, n_iter, converged = _smacof(D, start, max_iter, eps)
        all_converged &= converged
        if best is None or raw < best["stress"]:
            best = {"embedding": Y, "stress": raw, "sum_squared": sum_squared, "n_iter": n_iter}
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


# --------------------------------------------------------------------------- estimator
@register("mds", family="manifold")
class MDS(LatentEstimator):
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
    random_state : None, int or numpy.random.RandomState, default=None
        Seeds the random starts.

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

    Notes
    -----
    Like scikit-learn's MDS there is no ``transform``: SMACOF places only the points it was
    fitted on. The ``n x n`` dissimilarity matrix is not kept after fit (it would be the largest
    attribute by far); memory during fit is that matrix plus a few MB.

    Examples
    --------
    >>> import numpy as np
    >>> from latentlearn.manifold import MDS
    >>> X = np.random.RandomState(0).normal(size=(40, 5))
    >>> MDS(2).fit_transform(X).shape
    (40, 2)
    """

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
    }

    def __init__(self, n_components=2, *, algorithm="smacof", dissimilarity="euclidean",
                 metric="euclidean", init="classical", n_init=1, max_iter=300, eps=1e-6,
                 random_state=None):
        self.n_components = n_components
        self.algorithm = algorithm
        self.dissimilarity = dissimilarity
        self.metric = metric
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.eps = eps
        self.random_state = random_state

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
            return _check_dissimilarities(X, "MDS(metric='precomputed')")
        X = self._validate_X(X, reset=True, min_samples=2,
                             accept_sparse="csr" if metric in SPARSE_EXACT_METRICS else False)
        D = np.asarray(pairwise_distances(X, metric=metric), dtype=np.float64, order="C")
        _symmetrize(D)  # the Gram-matrix formula can leave rounding asymmetries
        np.fill_diagonal(D, 0.0)
        return D

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
        D = self._dissimilarities(X)
        n = D.shape[0]
        k = int(self.n_components)
        _check_n_components(k, n, "MDS")
        if self.algorithm == "classical":
            Y, values = classical_scaling(D, k)
            raw, sum_squared, _ = _smacof_pass(D, Y, update=False)
            self.eigenvalues_ = values
            self.n_iter_ = 0
        else:
            starts = _starts(D, k, self.init, self.n_init, check_random_state(self.random_state),
                             "MDS")
            best = _best_of_runs(D, starts, self.max_iter, self.eps)
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
        logger.debug("MDS fitted: stress %.6g after %d iterations", self.stress_, self.n_iter_)
        return Y

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
