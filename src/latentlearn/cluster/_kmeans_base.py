"""What the k-means family shares: assignment, distances, inertia, ordering, checks.

:class:`~latentlearn.cluster.KMeans` (Lloyd 1982, from k-means++ seeds, Arthur &
Vassilvitskii 2007) and :class:`~latentlearn.cluster.MiniBatchKMeans` (Sculley 2010) fit their
centres differently but use them alike: a sample belongs to its nearest centre,
``c(x) = argmin_j ||x - mu_j||^2``, and the objective both report is the within-cluster sum of
squared distances ``J = sum_i w_i ||x_i - mu_{c_i}||^2`` (Bishop 2006, PRML §9.1, eq. 9.1; a
common slip is to write it with the plain norm ``||x_i - mu_{c_i}||``, whose minimiser is the
geometric median, not the mean the update step computes). :class:`BaseKMeans` holds that part
(``predict``, ``transform``, ``score``, ``fit_predict``, the shared parameter constraints and
checks) once; the module's functions are the array kernels behind it.

Distances use ``||x - mu||^2 = ||x||^2 - 2 x.mu + ||mu||^2``: one matrix product per block of
rows (:func:`latentlearn._linalg.row_blocks`); the ``||x||^2`` term does not change the argmin
and is dropped there. The inertia is taken from explicit float64 differences (no cancellation).

Sparse ``X`` (CSR) goes through the same kernels without being densified: ``x.mu`` is a
sparse-times-dense product, ``||x||^2`` a sum over the stored entries, and the squared distance
to one centre the explicit differences on the stored entries plus ``||mu||^2`` minus ``mu``'s
squares there (:func:`sparse_squared_distances`); centres stay dense. Sparse data are not
centred (that would densify them), so the fit works in the input coordinates.

The module is private; the names inside it are the family's shared kernels.
"""

from __future__ import annotations

import functools
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, ClusterMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_array

from .._dask import as_dask_rows, is_dask_array, lazy_rows, sum_over_blocks
from .._linalg import row_blocks
from .._memmap import is_file_memmap, map_row_blocks, validate_memmap
from .._sparse import issparse, nnz_row_blocks, squared_row_norms, weighted_column_moments
from ..base import Interval, LatentEstimator, Options, check_is_fitted
from ..exceptions import ParameterError

# Entries of the (block, k) distance matrix (or of a gathered (block, d) slice of X) computed at
# once: 2**19 float64 = 4 MB at most.
DISTANCE_BLOCK = 1 << 19
# Entries of an explicit (block, d) float64 block (sums, inertia, relocation): 2 MB at most.
DIFFERENCE_BLOCK = 1 << 18
# Fewest rows in a block, so that wide data are not walked a row at a time.
MIN_BLOCK_ROWS = 256


def distance_blocks(n_rows, per_row):
    """Row blocks whose ``(block, per_row)`` temporaries hold ``DISTANCE_BLOCK`` entries."""
    return row_blocks(n_rows, per_row, DISTANCE_BLOCK, min_rows=MIN_BLOCK_ROWS)


def difference_blocks(n_rows, per_row):
    """Row blocks whose ``(block, per_row)`` temporaries hold ``DIFFERENCE_BLOCK`` entries."""
    return row_blocks(n_rows, per_row, DIFFERENCE_BLOCK, min_rows=MIN_BLOCK_ROWS)


def check_sample_weight(sample_weight, n_samples, who=None):
    """``sample_weight`` as a float64 array of shape (n_samples,), finite, >= 0, not all zero.

    ``who`` (an estimator's name) prefixes the error messages when given. A dask array is
    computed (``np.asarray``).
    """
    prefix = f"{who}: " if who else ""
    if sample_weight is None:
        return np.ones(n_samples)
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.ndim == 0:
        weights = np.full(n_samples, float(weights))
    if weights.shape != (n_samples,):
        raise ValueError(
            f"{prefix}sample_weight must have shape ({n_samples},), one weight per sample; got "
            f"shape {weights.shape}."
        )
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError(f"{prefix}sample_weight must be finite and non-negative.")
    if not np.any(weights > 0):
        raise ValueError(
            f"{prefix}sample_weight has only zero weights; at least one sample needs a non-zero "
            "weight."
        )
    return weights


def canonical_order(X):
    """A row order that depends only on the rows' values: sort by a fixed random projection.

    Seeding and batch draws pick points by inverting a cumulative sum; walking the rows in this
    order instead of the given one makes the draw independent of the row order, and puts copies
    of one row next to each other, so that a row of weight 3 and three copies of it are drawn
    alike. Distinct rows tie only if their difference is orthogonal to the projection.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)

    Returns
    -------
    order : ndarray of shape (n_samples,), int
    """
    direction = np.random.RandomState(0).uniform(0.5, 1.5, size=X.shape[1]).astype(X.dtype)
    return np.argsort(X @ direction, kind="stable")


def nearest_in_block(block, centers_scaled, center_norms, second_too):
    """Nearest centre of each row of ``block`` (and the runner-up score), by ``||mu||^2 - 2 x.mu``.

    The scores are computed transposed, ``(k, block)``, so that the running minimum over the
    centres walks contiguous rows; ties go to the lowest index, as with ``argmin``.

    Parameters
    ----------
    block : ndarray of shape (block, n_features)
    centers_scaled : ndarray of shape (n_clusters, n_features)
        ``-2 mu``.
    center_norms : ndarray of shape (n_clusters,)
        ``||mu||^2``.
    second_too : bool

    Returns
    -------
    labels : ndarray of shape (block,)
    best, second : ndarrays of shape (block,)
        The smallest and second-smallest scores (``||x - mu||^2 - ||x||^2``); ``second`` is None
        unless ``second_too``, and ``inf`` with one centre.
    """
    if issparse(block):  # sparse-times-dense, then the same (k, block) layout
        scores = np.ascontiguousarray((block @ centers_scaled.T).T)
    else:
        scores = centers_scaled @ block.T  # (k, block)
    scores += center_norms[:, np.newaxis]
    best = scores[0].copy()
    labels = np.zeros(best.size, dtype=np.intp)
    second = np.full_like(best, np.inf) if second_too else None
    scratch = np.empty_like(best)
    for j in range(1, scores.shape[0]):
        row = scores[j]
        if second_too:
            np.maximum(best, row, out=scratch)
            np.minimum(second, scratch, out=second)
        np.copyto(labels, j, where=row < best)
        np.minimum(best, row, out=best)
    return labels, best, second


def assign(X, centers, shift=None, *, with_distances=False):
    """Index of the nearest centre for every row: ``argmin_j ||mu_j||^2 - 2 x.mu_j``.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
    centers : ndarray of shape (n_clusters, n_features), the dtype of ``X``
    shift : ndarray of shape (n_features,) or None
        Subtracted from each block of ``X`` first (the centring of a fit); None for sparse
        ``X``.
    with_distances : bool, default=False
        Also return ``||x - mu_{c(x)}||^2`` from the same expansion (clipped at 0), float64.

    Returns
    -------
    labels : ndarray of shape (n_samples,), intp
    squared_distances : ndarray of shape (n_samples,), float64
        Only ``with_distances``.
    """
    n_samples = X.shape[0]
    centers_scaled = -2.0 * centers  # (k, d)
    center_norms = np.einsum("ij,ij->i", centers, centers)  # (k,)
    labels = np.empty(n_samples, dtype=np.intp)
    squared = np.empty(n_samples) if with_distances else None
    # a shifted block is a copy of its rows of X, so it counts d entries a row
    per_row = centers.shape[0] if shift is None else max(centers.shape[0], X.shape[1])
    for rows in distance_blocks(n_samples, per_row):
        block = X[rows] if shift is None else X[rows] - shift
        labels[rows], best, _ = nearest_in_block(block, centers_scaled, center_norms, False)
        if with_distances:
            best = best.astype(np.float64)
            best += (squared_row_norms(block) if issparse(block)
                     else np.einsum("ij,ij->i", block, block))
            squared[rows] = np.maximum(best, 0.0)
    return (labels, squared) if with_distances else labels


def sparse_squared_distances(X, centers, rows, which):
    """``||x_r - mu_c||^2`` for pairs ``(rows[p], which[p])`` of a CSR ``X``, in float64.

    The stored entries of ``x`` contribute their explicit differences ``(x_j - mu_j)^2``; its
    zeros contribute ``mu_j^2``, which is ``||mu||^2`` less ``mu``'s squares on the stored
    entries (clipped at 0). Walked in blocks of about ``2**20`` stored entries.

    Parameters
    ----------
    X : csr_matrix of shape (n_samples, n_features)
    centers : ndarray of shape (n_clusters, n_features)
    rows, which : ndarrays of int of shape (n_pairs,), or rows=None for every row in order

    Returns
    -------
    squared : ndarray of shape (n_pairs,), float64
    """
    centers = np.asarray(centers, dtype=np.float64)
    center_norms = np.einsum("ij,ij->i", centers, centers)
    n_pairs = X.shape[0] if rows is None else rows.size
    out = np.empty(n_pairs)
    if rows is None:
        parts = nnz_row_blocks(X)
    else:
        budget = 1 << 20
        sizes = np.cumsum(np.diff(X.indptr)[rows])  # stored entries up to each pair
        n_blocks = int(sizes[-1]) // budget + 1 if sizes.size else 0
        edges = np.searchsorted(sizes, np.arange(1, n_blocks) * budget, side="right")
        edges = np.unique(np.concatenate([[0], edges, [n_pairs]]).astype(np.intp))
        parts = [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]
    for part in parts:
        sub = X[part] if rows is None else X[rows[part]]
        m = part.stop - part.start
        local = np.repeat(np.arange(m), np.diff(sub.indptr))  # row of each stored entry
        mu = centers[which[part][local], sub.indices]
        diff = sub.data.astype(np.float64) - mu
        explicit = np.bincount(local, weights=diff * diff, minlength=m)
        on_support = np.bincount(local, weights=mu * mu, minlength=m)
        out[part] = explicit + np.maximum(center_norms[which[part]] - on_support, 0.0)
    return out


def squared_distances_to_own_center(X, centers, labels):
    """``||x_i - mu_{c_i}||^2`` from the explicit differences, in float64, block by block."""
    if issparse(X):
        return sparse_squared_distances(X, centers, None, labels)
    n_samples, n_features = X.shape
    out = np.empty(n_samples)
    for rows in difference_blocks(n_samples, n_features):
        diff = X[rows].astype(np.float64) - centers[labels[rows]]
        out[rows] = np.einsum("ij,ij->i", diff, diff)
    return out


def inertia(X, sample_weight, centers, labels):
    """``J = sum_i w_i ||x_i - mu_{c_i}||^2`` in float64 (the k-means objective)."""
    return float(squared_distances_to_own_center(X, centers, labels) @ sample_weight)


def distances_to_centers(X, centers, shift=None):
    """Euclidean distances ``||x - mu_j||`` to every centre, computed in float64.

    The expansion ``||x||^2 - 2 x.mu + ||mu||^2`` has an absolute error of a few
    ``eps * (||x||^2 + ||mu||^2)``; entries where that is not small next to the result (samples
    on a centre) are recomputed from the explicit differences.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    centers : ndarray of shape (n_clusters, n_features), float64
    shift : ndarray of shape (n_features,), float64, or None
        Subtracted from ``X`` (and already from ``centers``).

    Returns
    -------
    distances : ndarray of shape (n_samples, n_clusters), the dtype of ``X``
    """
    center_norms = np.einsum("ij,ij->i", centers, centers)
    out = np.empty((X.shape[0], centers.shape[0]), dtype=X.dtype)
    if issparse(X):  # no shift: sparse data are never centred
        for rows in distance_blocks(X.shape[0], centers.shape[0]):
            block = X[rows]
            norms = squared_row_norms(block)
            d2 = norms[:, np.newaxis] - 2.0 * (block @ centers.T)  # (block, k), float64
            d2 += center_norms
            near_i, near_j = np.nonzero(d2 < 1e-6 * (norms[:, np.newaxis] + center_norms))
            if near_i.size:
                d2[near_i, near_j] = sparse_squared_distances(block, centers, near_i, near_j)
            out[rows] = np.sqrt(np.maximum(d2, 0.0))
        return out
    for rows in distance_blocks(X.shape[0], max(centers.shape[0], X.shape[1])):
        block = X[rows].astype(np.float64)  # (block, d)
        if shift is not None:
            block -= shift
        norms = np.einsum("ij,ij->i", block, block)
        d2 = norms[:, np.newaxis] - 2.0 * (block @ centers.T)  # (block, k)
        d2 += center_norms
        near_i, near_j = np.nonzero(d2 < 1e-6 * (norms[:, np.newaxis] + center_norms))
        if near_i.size:
            diff = block[near_i] - centers[near_j]
            d2[near_i, near_j] = np.einsum("ij,ij->i", diff, diff)
        out[rows] = np.sqrt(np.maximum(d2, 0.0))
    return out


def weighted_mean_and_variance(X, weights):
    """Per-feature weighted mean and variance ``sum_i w_i (x_i - m)^2 / sum_i w_i``.

    Two passes over blocks of rows in float64, so a float32 ``X`` is never copied whole.

    Returns
    -------
    mean, variance : ndarrays of shape (n_features,), float64
    """
    if issparse(X):
        return weighted_column_moments(X, weights)
    total = weights.sum()
    blocks = list(difference_blocks(X.shape[0], X.shape[1]))
    mean = sum(weights[rows] @ X[rows].astype(np.float64) for rows in blocks) / total
    variance = np.zeros(X.shape[1])
    for rows in blocks:
        diff = X[rows].astype(np.float64) - mean
        variance += weights[rows] @ (diff * diff)
    return mean, variance / total


def cluster_order(centers, sizes):
    """The canonical cluster order: by decreasing size, ties by the centres' lexicographic order.

    Parameters
    ----------
    centers : ndarray of shape (n_clusters, n_features)
    sizes : ndarray of shape (n_clusters,)
        Total weight (or count) of each cluster.

    Returns
    -------
    order : ndarray of shape (n_clusters,)
        ``centers[order]`` are the centres renumbered.
    """
    # A comparison sort of the k centres (the order np.lexsort gives with -sizes as the primary
    # key and the columns next): lexsort's d keys cost O(d) buffers, ~60 MB at d = 20,000.
    def compare(a, b):
        if sizes[a] != sizes[b]:
            return -1 if sizes[a] > sizes[b] else 1
        differ = np.flatnonzero(centers[a] != centers[b])
        if differ.size == 0:
            return 0
        j = differ[0]
        return -1 if centers[a, j] < centers[b, j] else 1

    return np.array(sorted(range(centers.shape[0]), key=functools.cmp_to_key(compare)),
                    dtype=np.intp)


def random_rows(n_rows, weights, n_clusters, rng, who):
    """``n_clusters`` distinct rows drawn with probability proportional to ``weights``.

    ``weights=None`` draws uniformly (scikit-learn's ``init="random"``).
    """
    positive = n_rows if weights is None else int(np.count_nonzero(weights))
    if positive < n_clusters:
        raise ParameterError(
            f"{who}: init='random' needs n_clusters={n_clusters} samples of non-zero weight, "
            f"only {positive} have one; lower n_clusters or use init='k-means++'."
        )
    p = None if weights is None else weights / weights.sum()
    return rng.choice(n_rows, size=n_clusters, replace=False, p=p)


class BaseKMeans(ClassNamePrefixFeaturesOutMixin, ClusterMixin, TransformerMixin,
                 LatentEstimator):
    """Nearest-centre clustering with the k-means objective; the shared half of the family.

    A subclass fits the centres and says where they are through :meth:`_assignment_centers`
    (the centres in the coordinates the fit worked in, and the shift to those coordinates) and
    :meth:`_reference_centers` (float64 centres in the input coordinates).
    """

    _accepts_sparse = True

    _parameter_constraints = {
        "n_clusters": [Interval(Integral, 1, None)],
        "init": [Options({"k-means++", "random"}), "array-like"],
        "max_iter": [Interval(Integral, 1, None)],
        "tol": [Interval(Real, 0, None)],
        "random_state": ["random_state"],
    }

    # -- what a subclass provides ---------------------------------------------------------------

    def _assignment_centers(self):
        """``(centers, shift)``: float64 centres after subtracting ``shift`` (or None) from X."""
        raise NotImplementedError

    def _reference_centers(self):
        """float64 centres in the coordinates of ``X``, for the inertia."""
        raise NotImplementedError

    # -- checks shared by the fits --------------------------------------------------------------

    def _check_init(self, n_features, dtype):
        """The init array (validated) or the init name."""
        init = self.init
        who = type(self).__name__
        if isinstance(init, str):
            if init not in ("k-means++", "random"):
                raise ParameterError(
                    f"{who}: parameter init={init!r} is not allowed; it must be 'k-means++', "
                    "'random' or an array of shape (n_clusters, n_features).")
            return init
        centers = check_array(init, dtype=dtype, copy=True, input_name="init")
        if centers.shape != (self.n_clusters, n_features):
            raise ParameterError(
                f"{who}: init has shape {centers.shape}, but n_clusters={self.n_clusters} and X "
                f"has {n_features} features; pass an array of shape ({self.n_clusters}, "
                f"{n_features}).")
        return centers

    def _validated(self, X, sample_weight, *, reset):
        """Validated ``X`` (at least ``n_clusters`` rows when ``reset``) and float64 weights."""
        X = self._validate_X(X, reset=reset)
        if reset and self.n_clusters > X.shape[0]:
            raise ParameterError(
                f"{type(self).__name__}: n_clusters={self.n_clusters} is larger than "
                f"n_samples={X.shape[0]}; lower n_clusters or pass more samples.")
        return X, check_sample_weight(sample_weight, X.shape[0], type(self).__name__)

    def _warn_if_fewer_clusters(self, labels, reason):
        n_found = np.unique(labels).size
        if n_found < self.n_clusters:
            warnings.warn(
                f"{type(self).__name__} found {n_found} distinct clusters, fewer than "
                f"n_clusters={self.n_clusters}: {reason}; lower n_clusters.",
                ConvergenceWarning, stacklevel=3)

    # -- using the centres ----------------------------------------------------------------------

    def fit_predict(self, X, y=None, sample_weight=None):
        """Fit and return the nearest centre of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        self.fit(X, sample_weight=sample_weight)
        if is_dask_array(X):  # the labels the fit computed, chunked as X's rows
            return as_dask_rows(self.labels_, X)
        return self.labels_ if hasattr(self, "labels_") else self.predict(X)

    def predict(self, X):
        """Index of the nearest centre, ``argmin_j ||x - mu_j||^2``, for each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            For a dask array ``X``, a lazy dask array with its row blocks, each computed
            on the worker holding it.
        """
        check_is_fitted(self)
        if is_dask_array(X):
            return lazy_rows(self, "predict", X)
        if is_file_memmap(X):  # read block by block, never through the map
            validate_memmap(self, X, reset=False)
            return map_row_blocks(X, self.predict, f"{type(self).__name__}.predict")
        X = self._validate_X(X, reset=False)
        centers, shift = self._assignment_centers()
        if issparse(X) and shift is not None:  # a sparse X is not shifted: move the centres
            centers, shift = centers + shift, None
        return assign(X, centers.astype(X.dtype, copy=False),
                      None if shift is None else shift.astype(X.dtype))

    def transform(self, X):
        """Euclidean distances ``||x - mu_j||`` to every centre (computed in float64).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        distances : ndarray of shape (n_samples, n_clusters)
            In the dtype of ``X``.
            For a dask array ``X``, a lazy dask array with its row blocks, each computed
            on the worker holding it.
        """
        check_is_fitted(self)
        if is_dask_array(X):
            return lazy_rows(self, "transform", X)
        if is_file_memmap(X):  # read block by block, never through the map
            validate_memmap(self, X, reset=False)
            return map_row_blocks(X, self.transform, f"{type(self).__name__}.transform")
        X = self._validate_X(X, reset=False)
        centers, shift = self._assignment_centers()
        if issparse(X) and shift is not None:  # a sparse X is not shifted: move the centres
            centers, shift = centers.astype(np.float64) + shift, None
        return distances_to_centers(X, centers.astype(np.float64),
                                    None if shift is None else shift.astype(np.float64))

    def score(self, X, y=None, sample_weight=None):
        """Opposite of the k-means objective on ``X``: ``-sum_i w_i min_j ||x_i - mu_j||^2``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
            For a dask array ``X``, each block's term is computed on the worker holding it.
        """
        if is_dask_array(X):
            check_is_fitted(self)
            if sample_weight is not None:
                sample_weight = check_sample_weight(sample_weight, X.shape[0],
                                                    type(self).__name__)
            return sum_over_blocks(self, "score", X, sample_weight=sample_weight)
        labels = self.predict(X)
        X = self._validate_X(X, reset=False)
        weights = check_sample_weight(sample_weight, X.shape[0], type(self).__name__)
        return -inertia(X, weights, self._reference_centers(), labels)

    @property
    def _n_features_out(self):
        return self.cluster_centers_.shape[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


# -- a memory-mapped X, read in row blocks (latentlearn._memmap.MemmapRows) --------------------

def memmap_mean_and_variance(rows, weights):
    """:func:`weighted_mean_and_variance` of a memory-mapped ``X``: two passes over its blocks.

    Parameters
    ----------
    rows : latentlearn._memmap.MemmapRows
    weights : ndarray of shape (n_samples,), float64
    """
    total = weights.sum()
    mean = np.zeros(rows.n_features)
    for part, block in rows.blocks():
        for sub in difference_blocks(block.shape[0], rows.n_features):  # float64 temporaries
            mean += weights[part][sub] @ block[sub].astype(np.float64)
    mean /= total
    variance = np.zeros(rows.n_features)
    for part, block in rows.blocks():
        for sub in difference_blocks(block.shape[0], rows.n_features):
            diff = block[sub].astype(np.float64) - mean
            variance += weights[part][sub] @ (diff * diff)
    return mean, variance / total


def memmap_canonical_order(rows):
    """:func:`canonical_order` of a memory-mapped ``X``: the projections block by block."""
    direction = np.random.RandomState(0).uniform(0.5, 1.5, size=rows.n_features).astype(
        rows.dtype)
    projection = np.empty(rows.n_samples, dtype=rows.dtype)
    for part, block in rows.blocks():
        projection[part] = block @ direction
    return np.argsort(projection, kind="stable")


def memmap_labels_and_inertia(rows, weights, centers, shift=None, labels=None):
    """Labels (nearest of ``centers``, unless given) and the inertia of a memory-mapped ``X``.

    Parameters
    ----------
    rows : latentlearn._memmap.MemmapRows
    weights : ndarray of shape (n_samples,), float64
    centers : ndarray of shape (n_clusters, n_features)
        In the coordinates of ``X - shift``.
    shift : ndarray of shape (n_features,) or None
        Subtracted from every block first (the centring of a fit).
    labels : ndarray of shape (n_samples,) or None
        Known labels: only the inertia is computed.

    Returns
    -------
    labels : ndarray of shape (n_samples,), intp
    inertia : float
    """
    cast = centers.astype(rows.dtype, copy=False)
    out = np.empty(rows.n_samples, dtype=np.intp) if labels is None else labels
    total = 0.0
    for part, block in rows.blocks():
        if shift is not None:
            block = block - shift
        if labels is None:
            out[part] = assign(block, cast)
        total += inertia(block, weights[part], centers, out[part])
    return out, total
