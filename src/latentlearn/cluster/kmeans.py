"""k-means clustering: Lloyd's algorithm from k-means++ seeds, vectorised with numpy.

k-means partitions ``x_1, ..., x_n`` into ``k`` clusters with centres ``mu_1, ..., mu_k`` by
alternating two steps (Lloyd 1982, "Least squares quantization in PCM"; Bishop 2006, PRML §9.1):

1. assignment: ``c_i = argmin_j ||x_i - mu_j||^2``;
2. update: ``mu_j = sum_i I[c_i = j] x_i / sum_i I[c_i = j]`` (weighted by ``sample_weight``).

Each step can only lower the objective, the within-cluster sum of SQUARED distances

    J(c, mu) = sum_i w_i ||x_i - mu_{c_i}||^2      (``inertia_``).

A common slip is to write ``J = sum_i ||x_i - mu_{c_i}||`` with a plain norm; the correct
objective is the sum of SQUARED distances above (Bishop 2006, eq. 9.1): the mean minimises the
sum of squared Euclidean distances, while the sum of plain distances is minimised by the
geometric median and would make the update step above wrong. The algorithm finds a local
minimum only, so it is restarted ``n_init`` times and the run with the lowest ``J`` is kept.

Seeding is k-means++ (Arthur & Vassilvitskii 2007, "k-means++: the advantages of careful
seeding"): each new centre is drawn with probability proportional to ``w_i D(x_i)^2``, the squared
distance to the nearest centre so far; the greedy variant draws ``2 + floor(log k)`` candidates
and keeps the one that lowers the potential ``sum_i w_i D(x_i)^2`` most (as scikit-learn does).
:class:`KMeans` then improves each run's seeds by ``2 k`` steps of local search (Lattanzi &
Sohler 2019, "A better k-means++ algorithm via local search"): a point drawn with probability
``w_i D(x_i)^2`` replaces the centre whose swap lowers the potential most, when one does. The
seeds start Lloyd nearer a good minimum (on 100,000 overlapping blobs in 50 dimensions with
``k = 20``, 19 runs in 20 reach the best known partition against 3 in 20 without it), and Lloyd
then needs fewer iterations, which more than pays for the steps.

Implementation notes. Distances use ``||x - mu||^2 = ||x||^2 - 2 x.mu + ||mu||^2`` (one matrix
product per block of rows; the ``||x||^2`` term does not change the argmin and is dropped there)
on data centred once per fit, which keeps the cancellation in that expansion small. Cluster sums
are one sparse-times-dense product: the ``(k, n)`` one-hot assignment matrix in CSC form (one
entry per column, so it is built without sorting) times ``X``; after the first iteration only
the samples that changed cluster update them. Hamerly's distance bounds skip the samples that
cannot change cluster (see :func:`_lloyd`); the iterates are those of plain Lloyd, which the
tests check against scikit-learn from the same starting centres. Blocks of rows cap the
temporaries at a few MB (``O(block * k)`` distances). float32 data stay float32 for the distance
products; sums, centres' bookkeeping and the inertia are float64.

Sparse input (``scipy.sparse``, taken as CSR) is clustered without densifying it: ``||x||^2``
comes from the stored entries, ``x.mu`` from sparse-times-dense products, the cluster sums from
the sparse one-hot product, and the centres are dense (scikit-learn's ``KMeans`` does the same).
Sparse data are not centred; the iterates are the same as for the dense twin, up to rounding.

Dask arrays run plain Lloyd with one task per block and iteration (:func:`_dask_lloyd`): the
workers assign and sum their blocks, the client adds the ``(k, d)`` sums and moves the centres.
"""

from __future__ import annotations

import functools
import logging
from numbers import Integral

import numpy as np
from scipy import sparse
from sklearn.utils.validation import check_array

from .._dask import (
    block_moments,
    check_dask_array,
    dask_weights,
    is_dask_array,
    map_blocks_to_client,
    sample_rows,
)
from .._memmap import MemmapRows, is_file_memmap, validate_memmap
from .._sparse import dense_rows, issparse, squared_row_norms
from .._stages import StageClock
from .._threads import N_JOBS_CONSTRAINT, limit_threads
from ..base import Interval, Options, check_random_state
from ..exceptions import ParameterError
from ..registry import register
from ._kmeans_base import (
    BaseKMeans,
    assign,
    canonical_order,
    check_sample_weight,
    cluster_order,
    difference_blocks,
    distance_blocks,
    inertia,
    memmap_canonical_order,
    memmap_labels_and_inertia,
    memmap_mean_and_variance,
    nearest_in_block,
    random_rows,
    squared_distances_to_own_center,
    weighted_mean_and_variance,
)

__all__ = ["KMeans", "kmeans_plusplus"]

logger = logging.getLogger(__name__)

def _draw(cumulative, order, u):
    """Indices (in ``X``) where the uniforms ``u`` in [0, total) fall in ``cumulative``."""
    positions = np.searchsorted(cumulative, u, side="right")  # first cumulative > u
    positions = np.minimum(positions, cumulative.size - 1)
    return positions if order is None else order[positions]


def _kmeans_plusplus(X, n_clusters, x_squared_norms, sample_weight, random_state,
                     n_local_trials, order):
    """Greedy k-means++ seeding (Arthur & Vassilvitskii 2007); assumes valid input.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_clusters : int
    x_squared_norms : ndarray of shape (n_samples,)
        ``||x_i||^2``.
    sample_weight : ndarray of shape (n_samples,), float64
    random_state : numpy.random.RandomState
    n_local_trials : int
        Candidates drawn per centre; the one giving the lowest potential is kept.
    order : ndarray of shape (n_samples,) or None
        Row order for the draws (``_kmeans_base.canonical_order``); None when ``X`` is already
        in that order.

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features)
    indices : ndarray of shape (n_clusters,)
        Rows of ``X`` chosen as centres.
    """
    n_samples, n_features = X.shape
    centers = np.empty((n_clusters, n_features), dtype=X.dtype)
    indices = np.empty(n_clusters, dtype=np.intp)
    weights_sorted = sample_weight if order is None else sample_weight[order]

    # first centre: a sample drawn with probability proportional to its weight
    cumulative = np.cumsum(weights_sorted)
    first = _draw(cumulative, order, random_state.uniform() * cumulative[-1])
    indices[0] = first
    centers[0] = dense_rows(X, first)
    # D(x)^2: squared distance of every sample to its closest centre so far
    closest = x_squared_norms - 2.0 * (X @ centers[0]) + x_squared_norms[first]
    np.maximum(closest, 0.0, out=closest)

    for c in range(1, n_clusters):
        closest_sorted = closest if order is None else closest[order]
        cumulative = np.cumsum(weights_sorted * closest_sorted, dtype=np.float64)
        u = random_state.uniform(size=n_local_trials) * cumulative[-1]
        candidates = _draw(cumulative, order, u)  # (n_local_trials,)
        # (n_local_trials, n_samples) squared distances from each candidate
        if issparse(X):  # (n, trials) sparse-times-dense, transposed
            cross = (X @ dense_rows(X, candidates).T).T
        else:
            cross = X[candidates] @ X.T
        cand_dist = x_squared_norms[candidates][:, np.newaxis] - 2.0 * cross + x_squared_norms
        np.maximum(cand_dist, 0.0, out=cand_dist)
        np.minimum(closest, cand_dist, out=cand_dist)
        potentials = cand_dist @ sample_weight  # (n_local_trials,)
        best = int(np.argmin(potentials))
        closest = cand_dist[best]
        indices[c] = candidates[best]
        centers[c] = dense_rows(X, candidates[best])
    return centers, indices


def kmeans_plusplus(X, n_clusters, *, sample_weight=None, random_state=None,
                    n_local_trials=None):
    """Choose ``n_clusters`` rows of ``X`` as initial centres by greedy k-means++.

    Each new centre is drawn with probability ``w_i D(x_i)^2 / sum_j w_j D(x_j)^2``, where
    ``D(x)`` is the distance to the nearest centre chosen so far (Arthur & Vassilvitskii 2007);
    ``n_local_trials`` candidates are drawn and the one that lowers ``sum_i w_i D(x_i)^2`` most is
    kept. The draws walk the rows in an order fixed by their values, so the result does not
    depend on the order of the rows of ``X``.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n_samples, n_features)
    n_clusters : int
        Number of centres, ``1 <= n_clusters <= n_samples``.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights; ``None`` weighs all samples equally.
    random_state : None, int or numpy.random.RandomState, default=None
    n_local_trials : int, default=None
        Candidates per centre; ``None`` means ``2 + floor(log(n_clusters))``.

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features)
        ``X[indices]`` (dense, also for a sparse ``X``).
    indices : ndarray of shape (n_clusters,)
        Row indices of the chosen centres.

    Examples
    --------
    >>> import numpy as np
    >>> from latentlearn.cluster import kmeans_plusplus
    >>> X = np.array([[0., 0.], [0., 1.], [10., 0.], [10., 1.]])
    >>> centers, indices = kmeans_plusplus(X, 2, random_state=0)
    >>> sorted(X[indices, 0].tolist())
    [0.0, 10.0]
    """
    X = check_array(X, accept_sparse="csr", dtype=(np.float64, np.float32), input_name="X")
    n_samples = X.shape[0]
    if isinstance(n_clusters, (bool, np.bool_)) or not isinstance(n_clusters, Integral) \
            or n_clusters < 1:
        raise ParameterError(f"kmeans_plusplus: n_clusters={n_clusters!r} must be an int >= 1.")
    if n_clusters > n_samples:
        raise ParameterError(
            f"kmeans_plusplus: n_clusters={n_clusters} is larger than n_samples={n_samples}; "
            "lower n_clusters or pass more samples."
        )
    if n_local_trials is None:
        n_local_trials = 2 + int(np.log(n_clusters))
    elif isinstance(n_local_trials, (bool, np.bool_)) or not isinstance(n_local_trials, Integral) \
            or n_local_trials < 1:
        raise ParameterError(
            f"kmeans_plusplus: n_local_trials={n_local_trials!r} must be an int >= 1 or None.")
    weights = check_sample_weight(sample_weight, n_samples)
    x_squared_norms = _squared_norms(X)
    return _kmeans_plusplus(X, int(n_clusters), x_squared_norms, weights,
                            check_random_state(random_state), int(n_local_trials),
                            canonical_order(X))


def _squared_norms(X):
    """``||x_i||^2`` in the dtype of ``X`` (dense or CSR)."""
    if issparse(X):
        return squared_row_norms(X).astype(X.dtype, copy=False)
    return np.einsum("ij,ij->i", X, X)


# -- local search on the seeds ----------------------------------------------------------------


def _two_nearest(X, x_squared_norms, centers, rows=None):
    """Nearest and second-nearest centre of each row, with their squared distances (float64).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    x_squared_norms : ndarray of shape (n_samples,)
    centers : ndarray of shape (n_clusters, n_features), n_clusters >= 2
    rows : ndarray of int or None
        The rows to process (all when None).

    Returns
    -------
    first, first_sq, second, second_sq : ndarrays of shape (n_rows,)
        Labels (intp) and squared distances clipped at 0; ties go to the lowest index.
    """
    index = np.arange(X.shape[0]) if rows is None else rows
    n_rows, n_clusters = index.size, centers.shape[0]
    centers = centers.astype(X.dtype, copy=False)
    centers_scaled = -2.0 * centers
    center_norms = np.einsum("ij,ij->i", centers, centers).astype(np.float64)
    first = np.empty(n_rows, dtype=np.intp)
    second = np.empty(n_rows, dtype=np.intp)
    first_sq = np.empty(n_rows)
    second_sq = np.empty(n_rows)
    # a gathered dense block copies d entries a row; a sparse one only its stored entries
    per_row = n_clusters if issparse(X) else max(n_clusters, X.shape[1])
    for part in distance_blocks(n_rows, per_row):
        block_rows = index[part]
        d2 = (X[block_rows] @ centers_scaled.T).astype(np.float64)  # (block, k)
        d2 += center_norms
        d2 += x_squared_norms[block_rows, np.newaxis]
        at = np.arange(d2.shape[0])
        nearest = np.argmin(d2, axis=1)
        first[part], first_sq[part] = nearest, d2[at, nearest]
        d2[at, nearest] = np.inf
        runner_up = np.argmin(d2, axis=1)
        second[part], second_sq[part] = runner_up, d2[at, runner_up]
    np.maximum(first_sq, 0.0, out=first_sq)
    np.maximum(second_sq, 0.0, out=second_sq)
    return first, first_sq, second, second_sq


def _swap_center(X, x_squared_norms, centers, nearest, j, to_new):
    """Update the two-nearest bookkeeping after centre ``j`` was replaced (in place).

    Rows whose nearest or second-nearest centre was ``j`` are recomputed against all centres;
    for the others the new centre (at squared distance ``to_new``) enters their top two or not.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    x_squared_norms : ndarray of shape (n_samples,)
    centers : ndarray of shape (n_clusters, n_features)
        The centres after the swap.
    nearest : tuple of 4 ndarrays of shape (n_samples,)
        ``(first, first_sq, second, second_sq)`` as :func:`_two_nearest` returns them for the
        centres before the swap; updated in place.
    j : int
    to_new : ndarray of shape (n_samples,)
        Squared distances to the new centre ``j``.
    """
    first, first_sq, second, second_sq = nearest
    touched = (first == j) | (second == j)
    closer = ~touched & (to_new < first_sq)
    between = ~touched & ~closer & (to_new < second_sq)
    np.copyto(second, first, where=closer)  # (masked copies: no gathers)
    np.copyto(second_sq, first_sq, where=closer)
    np.copyto(first, j, where=closer)
    np.copyto(first_sq, to_new, where=closer)
    np.copyto(second, j, where=between)
    np.copyto(second_sq, to_new, where=between)
    rows = np.flatnonzero(touched)
    if rows.size:
        first[rows], first_sq[rows], second[rows], second_sq[rows] = _two_nearest(
            X, x_squared_norms, centers, rows)


def _local_search(X, x_squared_norms, sample_weight, centers, random_state, n_steps):
    """Improve seeds by ``n_steps`` swaps of Lattanzi & Sohler's (2019) local search.

    Each step draws a point ``p`` with probability ``w_i D(x_i)^2`` (``D`` the distance to the
    nearest centre) and finds the centre ``j`` whose replacement by ``p`` gives the lowest
    potential ``phi_j = sum_i w_i min(||x_i - p||^2, D_{-j}(x_i)^2)`` (``D_{-j}``: the distance
    to the nearest centre other than ``j``, which is the second-nearest for the members of
    ``j``); the swap is made when ``phi_j`` is below the current potential. All ``phi_j`` come
    from the nearest and second-nearest distances in ``O(n)``; after a swap only the rows whose
    nearest or second-nearest centre was ``j`` are recomputed against all centres.

    Assumes valid input; ``X`` is in the canonical row order (the draws walk it as it is).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    x_squared_norms : ndarray of shape (n_samples,)
    sample_weight : ndarray of shape (n_samples,), float64
    centers : ndarray of shape (n_clusters, n_features)
        The seeds; not modified.
    random_state : numpy.random.RandomState
    n_steps : int

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features)
    """
    n_clusters = centers.shape[0]
    if n_clusters < 2 or n_steps < 1:
        return centers
    centers = centers.copy()
    first, first_sq, second, second_sq = _two_nearest(X, x_squared_norms, centers)
    potential = float(first_sq @ sample_weight)
    cumulative = np.cumsum(sample_weight * first_sq)  # changes only with a swap
    for _ in range(n_steps):
        if not cumulative[-1] > 0:  # every sample of positive weight sits on a centre
            break
        p = int(_draw(cumulative, None, random_state.uniform() * cumulative[-1]))
        # One memory-bound pass over X: einsum's single thread is steadier here than a
        # multi-threaded BLAS gemv, which mostly waits on its threads on a busy machine.
        if issparse(X):
            to_p = (X @ dense_rows(X, p)).astype(np.float64)  # (n,)
        else:
            to_p = np.einsum("ij,j->i", X, X[p]).astype(np.float64)  # (n,)
        to_p *= -2.0
        to_p += x_squared_norms
        to_p += x_squared_norms[p]
        np.maximum(to_p, 0.0, out=to_p)  # (n,)
        keep_first = np.minimum(to_p, first_sq)
        keep_second = np.minimum(to_p, second_sq)
        phi = float(keep_first @ sample_weight) + np.bincount(
            first, weights=sample_weight * (keep_second - keep_first), minlength=n_clusters)
        j = int(np.argmin(phi))
        if not phi[j] < potential:
            continue
        centers[j] = dense_rows(X, p)
        _swap_center(X, x_squared_norms, centers, (first, first_sq, second, second_sq), j,
                     to_p)
        potential = float(first_sq @ sample_weight)
        cumulative = np.cumsum(sample_weight * first_sq)
    return centers


# -- Lloyd's algorithm ------------------------------------------------------------------------


def _one_hot_product(labels, weights, X, n_clusters):
    """``sum_i weights_i e_{labels_i} x_i^T`` as a (n_clusters, n_features) float64 array.

    The ``(k, m)`` one-hot matrix is built in CSC form (one entry per column, no sorting needed)
    and multiplied with ``X`` block by block, so a float32 ``X`` is upcast one block at a time.
    """
    if issparse(X):  # one sparse product, densified as (k, d)
        m = X.shape[0]
        one_hot = sparse.csc_matrix((weights, labels, np.arange(m + 1)), shape=(n_clusters, m))
        return (one_hot @ X).toarray().astype(np.float64, copy=False)
    sums = np.zeros((n_clusters, X.shape[1]))
    for rows in difference_blocks(X.shape[0], X.shape[1]):
        m = rows.stop - rows.start
        one_hot = sparse.csc_matrix(
            (weights[rows], labels[rows], np.arange(m + 1)), shape=(n_clusters, m))
        sums += one_hot @ X[rows].astype(np.float64, copy=False)
    return sums


def _nearest_two(X, x_squared_norms, centers, rows_index=None):
    """Nearest centre of each row, with the distances to the nearest and second-nearest centre.

    The argmin is taken over ``||mu_j||^2 - 2 x.mu_j`` (as in :func:`assign`); distances add
    ``||x||^2`` back and are clipped at 0 before the square root.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    x_squared_norms : ndarray of shape (n_samples,)
    centers : ndarray of shape (n_clusters, n_features), the dtype of ``X``
    rows_index : ndarray of int or None
        The rows to process (all when None).

    Returns
    -------
    labels, nearest, second : ndarrays of shape (n_rows,)
        ``second`` is ``inf`` when there is one centre.
    """
    index = np.arange(X.shape[0]) if rows_index is None else rows_index
    n_rows, n_clusters = index.size, centers.shape[0]
    centers_scaled = -2.0 * centers
    center_norms = np.einsum("ij,ij->i", centers, centers)
    labels = np.empty(n_rows, dtype=np.intp)
    nearest = np.empty(n_rows)
    second = np.empty(n_rows)
    # a gathered block copies its rows of X, so it counts d entries a row
    per_row = (n_clusters if rows_index is None or issparse(X)
               else max(n_clusters, X.shape[1]))
    for part in distance_blocks(n_rows, per_row):
        rows = index[part]
        block = X[part] if rows_index is None else X[rows]  # (block, d)
        lab, best, runner_up = nearest_in_block(block, centers_scaled, center_norms, True)
        labels[part] = lab
        norms = x_squared_norms[rows]
        nearest[part] = best + norms
        second[part] = runner_up + norms
    np.sqrt(np.maximum(nearest, 0.0), out=nearest)
    np.sqrt(np.maximum(second, 0.0), out=second)
    return labels, nearest, second


class _ClusterSums:
    """Per-cluster weighted sums, weights and member counts, kept in step with the labels.

    ``counts`` counts the members of positive weight in exact integers, so that an empty cluster
    is recognised exactly even when its float weight and sums carry round-off from updates.
    """

    def __init__(self, X, sample_weight, labels, n_clusters):
        self.sums = _one_hot_product(labels, sample_weight, X, n_clusters)  # (k, d) float64
        self.weight = np.bincount(labels, weights=sample_weight, minlength=n_clusters)
        self.counts = np.bincount(labels[sample_weight > 0], minlength=n_clusters)

    def move(self, X, sample_weight, samples, old, new):
        """Move ``samples`` from clusters ``old`` to clusters ``new``."""
        n_clusters = self.sums.shape[0]
        w = sample_weight[samples]
        # a sparse X moves all samples in one product (no dense (block, d) gather)
        parts = ([slice(0, samples.size)] if issparse(X)
                 else difference_blocks(samples.size, X.shape[1]))
        for part in parts:
            m = part.stop - part.start
            # one CSC column per sample: +w in its new cluster, -w in its old one
            transfer = sparse.csc_matrix(
                (np.stack([w[part], -w[part]], axis=1).ravel(),
                 np.stack([new[part], old[part]], axis=1).ravel(),
                 np.arange(0, 2 * m + 1, 2)),
                shape=(n_clusters, m))
            moved = transfer @ X[samples[part]]
            self.sums += moved.toarray() if issparse(moved) else moved.astype(np.float64)
        self.weight += np.bincount(new, weights=w, minlength=n_clusters)
        self.weight -= np.bincount(old, weights=w, minlength=n_clusters)
        positive = w > 0
        self.counts += np.bincount(new[positive], minlength=n_clusters)
        self.counts -= np.bincount(old[positive], minlength=n_clusters)
        empty = self.counts == 0
        self.sums[empty] = 0.0  # drop the round-off left by the updates
        self.weight[empty] = 0.0

    def means(self, centers_old):
        """``sums / weight``; a cluster with no weight keeps its old centre."""
        centers = centers_old.copy()
        filled = self.counts > 0
        centers[filled] = self.sums[filled] / self.weight[filled, np.newaxis]
        return centers


def _relocate_empty_clusters(X, sample_weight, labels, centers, state):
    """Move each empty cluster onto one of the samples farthest from their own centre (in place).

    The farthest samples (largest ``||x_i - mu_{c_i}||^2``, zero-weight samples excluded, ties
    by position) are the worst explained; each one leaves its cluster (``labels`` and
    ``state`` are updated) and becomes the centre of an empty one, as in scikit-learn.

    Returns
    -------
    n_relocated : int
    """
    empty = np.flatnonzero(state.counts == 0)
    if empty.size == 0:
        return 0
    distances = squared_distances_to_own_center(X, centers, labels)
    distances[sample_weight == 0] = -1.0
    farthest = np.argsort(-distances, kind="stable")[: empty.size]
    state.move(X, sample_weight, farthest, labels[farthest], empty)
    labels[farthest] = empty
    logger.debug("relocated %d empty cluster(s)", empty.size)
    return empty.size


def _lloyd(X, x_squared_norms, sample_weight, centers_init, *, max_iter, tol,
           on_iteration=None):
    """Lloyd iterations from ``centers_init``; assumes valid, centred input.

    Each iteration assigns every sample to its nearest centre and moves each centre to the
    weighted mean of its samples. It stops when an assignment changes no label (strict
    convergence), when the total squared centre shift ``sum_j ||mu_j^new - mu_j^old||^2`` is
    ``<= tol``, or after ``max_iter`` iterations; without strict convergence the labels are
    recomputed from the final centres. This is the loop of scikit-learn's ``lloyd`` algorithm.

    Two exact shortcuts make the later iterations cheap:

    * Hamerly's bounds (Hamerly 2010, "Making k-means even faster"): each sample keeps an upper
      bound ``u_i`` on the distance to its centre and a lower bound ``l_i`` on the distance to
      every other centre. When centres move by ``delta_j``, ``u_i += delta_{c_i}`` and
      ``l_i -= max_{j != c_i} delta_j`` stay valid (triangle inequality), and a sample with
      ``u_i < max(l_i, s_{c_i})`` (``s_j`` = half the distance from ``mu_j`` to its nearest other
      centre) cannot change cluster, so its distances are not computed. A margin of a few
      rounding errors of the distance expansion is added to the test, so a skipped sample is one
      whose label no rounding could change.
    * The cluster sums are updated with the samples that changed cluster only (in float64).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    x_squared_norms : ndarray of shape (n_samples,)
    sample_weight : ndarray of shape (n_samples,), float64
    centers_init : ndarray of shape (n_clusters, n_features)
    max_iter : int
    tol : float
        Absolute tolerance on the total squared centre shift.
    on_iteration : callable ``on_iteration(n_iter) -> bool``, optional
        Called after each iteration's update step; returning True stops the run there (its
        labels are then recomputed from the centres reached, as after ``max_iter``).

    Returns
    -------
    labels : ndarray of shape (n_samples,)
    inertia : float
    centers : ndarray of shape (n_clusters, n_features), the dtype of ``X``
    n_iter : int
    """
    n_samples, n_features = X.shape
    n_clusters = centers_init.shape[0]
    dtype = X.dtype
    # worst-case relative error of ||x||^2 - 2 x.mu + ||mu||^2 in the working precision
    rounding = 2.0 * (n_features + 2) * np.finfo(dtype).eps

    centers = centers_init.astype(np.float64)  # (k, d); bookkeeping in float64
    labels, upper, lower = _nearest_two(X, x_squared_norms, centers.astype(dtype))
    state = _ClusterSums(X, sample_weight, labels, n_clusters)
    n_changed = -1  # the first assignment has nothing to compare with
    reset_bounds = False
    strict = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        if n_iter > 1:  # assignment step against `centers`, moved by `delta` since the last one
            if reset_bounds:
                labels_new, upper, lower = _nearest_two(X, x_squared_norms,
                                                        centers.astype(dtype))
                moved = np.flatnonzero(labels_new != labels)
                new_of_moved = labels_new[moved]
            else:
                upper += delta[labels]
                top = np.argmax(delta)
                others_max = np.where(labels == top, np.partition(delta, -2)[-2]
                                      if n_clusters > 1 else 0.0, delta[top])
                lower -= others_max
                # one centre at a time: a (k, d) temporary, not (k, k, d)
                between = np.sqrt(np.stack([np.sum((centers[j] - centers) ** 2, axis=1)
                                            for j in range(n_clusters)]))
                np.fill_diagonal(between, np.inf)
                half_gap = 0.5 * between.min(axis=1)  # (k,)
                center_sq_max = float(np.max(np.einsum("ij,ij->i", centers, centers)))
                margin = 2.0 * np.sqrt(rounding * (x_squared_norms + center_sq_max))
                check = np.flatnonzero(
                    upper + margin >= np.maximum(lower, half_gap[labels]) - margin)
                lab_c, up_c, low_c = _nearest_two(X, x_squared_norms, centers.astype(dtype),
                                                  rows_index=check)
                upper[check] = up_c
                lower[check] = low_c
                changed = lab_c != labels[check]
                moved = check[changed]
                new_of_moved = lab_c[changed]
            n_changed = moved.size
            if n_changed:
                state.move(X, sample_weight, moved, labels[moved], new_of_moved)
                labels[moved] = new_of_moved
        # update step
        reset_bounds = _relocate_empty_clusters(X, sample_weight, labels, centers, state) > 0
        centers_new = state.means(centers)
        delta = np.sqrt(np.sum((centers_new - centers) ** 2, axis=1))  # (k,)
        centers = centers_new
        strict = n_changed == 0 and not reset_bounds  # a fixed point (relocations move centres)
        stop = on_iteration is not None and on_iteration(n_iter)
        if strict or float(np.sum(delta**2)) <= tol or stop:
            break
    centers = centers.astype(dtype)
    if not strict:
        labels = assign(X, centers)
    return labels, inertia(X, sample_weight, centers, labels), centers, n_iter


def _lloyd_blocked(rows, shift, sample_weight, centers_init, *, max_iter, tol,
                   on_iteration=None):
    """:func:`_lloyd` on a memory-mapped ``X``, one pass over its row blocks per iteration.

    The iterates are those of :func:`_lloyd` (plain Lloyd; the same stopping rules and
    empty-cluster relocation onto the samples farthest from their centre), without Hamerly's
    bounds: every iteration assigns every block (``X - shift``) and sums the clusters afresh.
    What stays in memory is one block, the labels and the ``(k, d)`` sums.

    Parameters
    ----------
    rows : latentlearn._memmap.MemmapRows
    shift : ndarray of shape (n_features,), the dtype of ``X``
    sample_weight : ndarray of shape (n_samples,), float64
    centers_init : ndarray of shape (n_clusters, n_features), in the coordinates of ``X - shift``
    max_iter, tol, on_iteration
        As for :func:`_lloyd`.

    Returns
    -------
    labels, inertia, centers, n_iter
        As :func:`_lloyd`, centres in the coordinates of ``X - shift``.
    """
    n_clusters = centers_init.shape[0]
    dtype = rows.dtype
    centers = centers_init.astype(np.float64)  # (k, d)
    labels = np.full(rows.n_samples, -1, dtype=np.intp)
    positive = sample_weight > 0
    strict = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        cast = centers.astype(dtype)
        sums = np.zeros_like(centers)
        n_changed = 0
        for part, block in rows.blocks():
            block = block - shift
            new = assign(block, cast)
            n_changed += int(np.count_nonzero(new != labels[part]))
            labels[part] = new
            sums += _one_hot_product(new, sample_weight[part], block, n_clusters)
        weight = np.bincount(labels, weights=sample_weight, minlength=n_clusters)
        counts = np.bincount(labels[positive], minlength=n_clusters)
        empty = np.flatnonzero(counts == 0)
        if empty.size:  # as _relocate_empty_clusters: onto the worst-explained samples
            distances = np.empty(rows.n_samples)
            for part, block in rows.blocks():
                distances[part] = squared_distances_to_own_center(block - shift, centers,
                                                                  labels[part])
            distances[~positive] = -1.0
            farthest = np.argsort(-distances, kind="stable")[: empty.size]
            taken = rows.take(farthest).astype(np.float64) - shift  # (e, d)
            w = sample_weight[farthest]
            old = labels[farthest]
            np.add.at(sums, old, -w[:, np.newaxis] * taken)
            np.add.at(sums, empty, w[:, np.newaxis] * taken)
            np.add.at(weight, old, -w)
            np.add.at(weight, empty, w)
            np.add.at(counts, old, -1)
            np.add.at(counts, empty, 1)
            labels[farthest] = empty
            sums[counts == 0] = 0.0
            weight[counts == 0] = 0.0
            logger.debug("relocated %d empty cluster(s)", empty.size)
        centers_new = centers.copy()
        filled = counts > 0
        centers_new[filled] = sums[filled] / weight[filled, np.newaxis]
        shift_squared = float(np.sum((centers_new - centers) ** 2))
        centers = centers_new
        strict = n_iter > 1 and n_changed == 0 and empty.size == 0
        stop = on_iteration is not None and on_iteration(n_iter)
        if strict or shift_squared <= tol or stop:
            break
    centers = centers.astype(dtype)
    labels, run_inertia = memmap_labels_and_inertia(
        rows, sample_weight, centers, shift, labels=labels if strict else None)
    return labels, run_inertia, centers, n_iter


# -- dask arrays: Lloyd's statistics on the workers, the update on the client -------------------

#: Rows a dask array's seeding (k-means++ or "random") is drawn from, on the client: all of them
#: up to this many, else this many drawn uniformly without replacement.
DASK_SEED_ROWS = 100_000


def _lloyd_block_sums(block, shift, centers, weights=None):
    """One block's assignment step: ``(cluster weights (k,), members of positive weight (k,),
    weighted cluster sums (k, d))`` in float64; ``weights=None`` is unit weights."""
    block = block - shift  # centred like the in-memory fit, in the dtype of X
    labels = assign(block, centers)
    n_clusters = centers.shape[0]
    w = np.ones(labels.size) if weights is None else weights
    one_hot = sparse.csr_matrix((w, (labels, np.arange(labels.size))),
                                shape=(n_clusters, labels.size))
    weight = np.bincount(labels, weights=w, minlength=n_clusters)
    counts = (weight if weights is None
              else np.bincount(labels[w > 0], minlength=n_clusters).astype(np.float64))
    return weight, counts, np.asarray(one_hot @ block.astype(np.float64))


def _lloyd_block_labels(block, shift, centers, weights=None):
    """One block's final labels and ``w ||x - mu_c||^2`` (explicit float64 differences)."""
    block = block - shift
    labels = assign(block, centers)
    terms = squared_distances_to_own_center(block, centers, labels)
    return labels, terms if weights is None else weights * terms


def _block_farthest(block, shift, centers, n_far, offset, weights=None):
    """One block's ``n_far`` samples farthest from their own centre (zero-weight samples
    last): their squared distances, positions in ``X`` (``offset`` + row), labels, weights and
    rows (float64, centred); ties by position, as :func:`_relocate_empty_clusters`."""
    block = block - shift
    labels = assign(block, centers.astype(block.dtype))
    distances = squared_distances_to_own_center(block, centers, labels)
    w = np.ones(labels.size) if weights is None else weights
    distances[w == 0] = -1.0
    top = np.argsort(-distances, kind="stable")[:n_far]
    return distances[top], top + offset, labels[top], w[top], block[top].astype(np.float64)


def _dask_relocate(X, weights, shift, centers, empty, weight, counts, sums):
    """Move each empty cluster onto one of the samples farthest from their own centre, as
    :func:`_relocate_empty_clusters` (in place on ``weight``, ``counts`` and ``sums``): each
    block sends its ``len(empty)`` farthest samples, the client keeps the farthest of those."""
    parts = map_blocks_to_client(X, _block_farthest, shift, centers, empty.size,
                                 with_offset=True, weights=weights)
    distances = np.concatenate([p[0] for p in parts])
    positions = np.concatenate([p[1] for p in parts])
    order = np.lexsort((positions, -distances))[: empty.size]  # farthest first, then position
    old = np.concatenate([p[2] for p in parts])[order]
    w = np.concatenate([p[3] for p in parts])[order]
    taken = np.concatenate([p[4] for p in parts])[order]
    np.add.at(sums, old, -w[:, np.newaxis] * taken)
    np.add.at(sums, empty, w[:, np.newaxis] * taken)
    np.add.at(weight, old, -w)
    np.add.at(weight, empty, w)
    moved = (w > 0).astype(np.float64)
    np.add.at(counts, old, -moved)
    np.add.at(counts, empty, moved)
    sums[counts == 0] = 0.0
    weight[counts == 0] = 0.0
    logger.debug("relocated %d empty cluster(s)", empty.size)


def _dask_lloyd(X, shift, centers_init, *, max_iter, tol, on_iteration=None, weights=None):
    """Plain Lloyd iterations on a dask array (Lloyd 1982): each iteration, every block's
    assignment and weighted cluster sums are computed on the worker holding it, and the client
    divides the summed sums by the summed weights. Same stopping rule as :func:`_lloyd` (total
    squared centre shift ``<= tol``), and the same relocation of an empty cluster onto the
    sample farthest from its centre (one more pass over the blocks in the iterations that need
    it). ``weights``: None, or the sample weights from :func:`~latentlearn._dask.dask_weights`.

    Returns
    -------
    labels : ndarray of shape (n_samples,), inertia : float,
    centers : ndarray of shape (n_clusters, n_features), the dtype of ``X``, n_iter : int
    """
    dtype = X.dtype
    centers = centers_init.astype(np.float64)  # (k, d)
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        parts = map_blocks_to_client(X, _lloyd_block_sums, shift, centers.astype(dtype),
                                     weights=weights)
        weight = sum(p[0] for p in parts)
        counts = sum(p[1] for p in parts)
        sums = sum(p[2] for p in parts)
        empty = np.flatnonzero(counts == 0)
        if empty.size:
            _dask_relocate(X, weights, shift, centers, empty, weight, counts, sums)
        centers_new = centers.copy()
        filled = counts > 0
        centers_new[filled] = sums[filled] / weight[filled, np.newaxis]
        shift_sq = float(np.sum((centers_new - centers) ** 2))
        centers = centers_new
        stop = on_iteration is not None and on_iteration(n_iter)
        if shift_sq <= tol or stop:
            break
    centers = centers.astype(dtype)
    parts = map_blocks_to_client(X, _lloyd_block_labels, shift, centers, weights=weights)
    labels = np.concatenate([p[0] for p in parts])
    run_inertia = float(sum(float(p[1].sum()) for p in parts))
    return labels, run_inertia, centers, n_iter


def _report_iteration(callback, run, n_runs, max_iter, n_iter):
    return callback("iteration", {"run": run, "n_runs": n_runs, "iteration": n_iter,
                                  "max_iter": max_iter})


@register("kmeans", family="cluster")
class KMeans(BaseKMeans):
    """k-means clustering: minimise the within-cluster sum of squared distances (Lloyd).

    Minimises ``J = sum_i w_i ||x_i - mu_{c_i}||^2`` (``inertia_``) by alternating
    nearest-centre assignment and centre = weighted cluster mean (Lloyd 1982; Bishop 2006, PRML
    §9.1). A common slip is to drop the square from ``J``; the mean update minimises the
    SQUARED distances.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters ``k``; at most ``n_samples``.
    init : {"k-means++", "random"} or array-like of shape (n_clusters, n_features), \
default="k-means++"
        ``"k-means++"``: greedy k-means++ seeding (:func:`kmeans_plusplus`), improved by
        ``2 * n_clusters`` local-search swaps (Lattanzi & Sohler 2019). ``"random"``:
        ``n_clusters`` distinct samples drawn with probability proportional to their weight.
        An array: these starting centres, and a single run (``n_init`` is then ignored, since
        Lloyd from a fixed start is deterministic).
    n_init : int, default=10
        Runs from different seeds; the one with the lowest inertia is kept. The default stays at
        10 (scikit-learn's before 1.4 moved to ``"auto"``, i.e. 1 run after k-means++) because
        k-means only finds a local minimum and a single run's objective varies from seed to seed
        by a percent or so on real data; pass ``n_init=1`` when speed matters more.
    max_iter : int, default=300
        Most Lloyd iterations per run.
    tol : float, default=1e-4
        A run stops when the total squared centre shift ``sum_j ||mu_j^new - mu_j^old||^2`` is
        at most ``tol`` times the mean per-feature variance of ``X`` (as in scikit-learn), or
        when no label changes.
    random_state : None, int or numpy.random.RandomState, default=None
        Seeds the initialisation. The same seed gives the same result, bit for bit.
    algorithm : {"lloyd"}, default="lloyd"
        Only Lloyd's algorithm is implemented; the parameter keeps scikit-learn's signature.
    verbose : int, default=0
        When positive, log the time of each stage (each run's seeding and Lloyd iterations,
        with its inertia) at INFO through :mod:`logging` (logger ``latentlearn.cluster.kmeans``),
        as openTSNE's ``verbose`` prints its stage timings; 0 logs them at DEBUG only.
    callback : callable ``callback(event, logs) -> bool``, optional
        Progress of the fit: ``callback("iteration", {"run", "n_runs", "iteration",
        "max_iter"})`` after each Lloyd iteration and ``callback("run", {"run", "n_runs",
        "n_iter", "inertia"})`` after each of the ``n_runs`` runs (``n_init``, or 1 for an array
        ``init``). Returning True stops the fit cleanly: after an iteration, that run ends there;
        after a run, no further run starts. The best run so far is kept.
    n_jobs : int or None, default=None
        BLAS threads of the fit's distance products (threadpoolctl; scikit-learn's meaning):
        None keeps the library default, 1 is one thread, -1 all cores.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        Centres ``mu_j``, in the dtype of the training data.
    labels_ : ndarray of shape (n_samples,)
        Cluster index of each training sample (its nearest centre).
    inertia_ : float
        ``J = sum_i w_i ||x_i - mu_{c_i}||^2`` on the training data, computed in float64.
    n_iter_ : int
        Lloyd iterations of the kept run.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` had string column names.

    Notes
    -----
    Cluster numbering is deterministic: with ``init="k-means++"`` or ``"random"``, cluster 0 is
    the one with the largest total weight (the most samples), ties broken by the lexicographic
    order of the centres. With an array ``init``, cluster ``j`` is the one started from
    ``init[j]``.

    An empty cluster (no sample assigned) has its centre moved onto the sample farthest from its
    own centre, which leaves its old cluster.

    The fit works on the samples sorted in an order fixed by their values (a fixed random
    projection), so for a given seed it depends only on the data as a (weighted) set: permuting
    the rows, or replacing ``m`` copies of a row by one row of weight ``m``, gives the same
    clusters (up to rounding). The k-means++ draws have the same distribution as
    scikit-learn's, but not the same values for the same seed.

    Examples
    --------
    >>> import numpy as np
    >>> from latentlearn.cluster import KMeans
    >>> X = np.array([[0., 0.], [0., 1.], [10., 0.], [10., 1.], [10., 2.]])
    >>> km = KMeans(n_clusters=2, random_state=0).fit(X)
    >>> km.labels_
    array([1, 1, 0, 0, 0])
    >>> km.cluster_centers_
    array([[10. ,  1. ],
           [ 0. ,  0.5]])
    """

    _parameter_constraints = {
        **BaseKMeans._parameter_constraints,
        "n_init": [Interval(Integral, 1, None)],
        "algorithm": [Options({"lloyd"})],
        "verbose": [Interval(Integral, 0, None), "boolean"],
        "callback": [None, "callable"],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(
        self,
        n_clusters=8,
        *,
        init="k-means++",
        n_init=10,
        max_iter=300,
        tol=1e-4,
        random_state=None,
        algorithm="lloyd",
        verbose=0,
        callback=None,
        n_jobs=None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.algorithm = algorithm
        self.verbose = verbose
        self.callback = callback
        self.n_jobs = n_jobs

    @limit_threads  # BLAS threads of the distance products
    def fit(self, X, y=None, sample_weight=None):
        """Cluster ``X``: ``n_init`` seeded Lloyd runs, keeping the one of lowest inertia.

        Parameters
        ----------
        X : array-like, sparse matrix or dask array of shape (n_samples, n_features)
            A ``scipy.sparse`` matrix is clustered without densifying it. A
            ``dask.array.Array`` (``pip install 'latentlearn[dask]'``) is clustered where its
            blocks live: each Lloyd iteration's assignment and cluster sums run on the dask
            workers (under an active ``dask.distributed.Client``), the centre update on the
            client. The seeds are drawn on the client from ``DASK_SEED_ROWS`` (100,000) rows
            fetched at random (uniformly, or by weight with ``sample_weight``; all rows when
            there are fewer: then the fit equals the in-memory one for the same
            ``random_state``); an array ``init`` gives the in-memory fit's iterates.
            ``labels_`` is a numpy array.
        y : ignored
        sample_weight : array-like or dask array of shape (n_samples,), default=None
            Non-negative weights; a weight of ``m`` acts like ``m`` copies of the sample. With a
            dask ``X`` they are checked on the client and kept on the workers beside the
            blocks of ``X``.

        Returns
        -------
        self : KMeans
        """
        self._check_parameters()
        if is_dask_array(X):  # Lloyd's statistics on the dask workers
            return self._fit_dask(X, sample_weight)
        if is_file_memmap(X):
            return self._fit_memmap(X, sample_weight)
        X, weights = self._validated(X, sample_weight, reset=True)
        n_features = X.shape[1]
        init = self._check_init(n_features, X.dtype)
        rng = check_random_state(self.random_state)

        # Work on a centred copy of X (smaller numbers in ||x||^2 - 2 x.mu + ||mu||^2, less
        # cancellation) whose rows are in the canonical order: the fit then depends on the rows'
        # values only, and the seeding walks the rows without gathers.
        mean, variance = weighted_mean_and_variance(X, weights)  # (d,), (d,) float64
        order = canonical_order(X)
        if issparse(X):  # centring would densify: the fit works in the input coordinates
            shift = np.zeros(n_features, dtype=X.dtype)
            Xc = X[order]
        else:
            shift = mean.astype(X.dtype)
            Xc = X[order]
            Xc -= shift
        weights_c = weights[order]
        x_squared_norms = _squared_norms(Xc)
        tol = self.tol * float(np.mean(variance))

        clock = StageClock(logger, "KMeans", self.verbose)
        clock.stage("centring and ordering %d samples", X.shape[0])
        best = self._best_of_runs(
            init, shift, Xc, x_squared_norms, weights_c, rng, clock,
            lambda centers, on_iteration: _lloyd(
                Xc, x_squared_norms, weights_c, centers, max_iter=self.max_iter, tol=tol,
                on_iteration=on_iteration),
            "Lloyd iterations", log_seeding=True)
        labels_c, best_inertia, centers, n_iter = best
        labels = np.empty_like(labels_c)
        labels[order] = labels_c  # back to the caller's row order
        return self._set_result(labels, best_inertia, centers, n_iter, shift, weights,
                                renumber=isinstance(init, str), dtype=X.dtype)

    def _best_of_runs(self, init, shift, seeds, norms, weights, rng, clock, run_lloyd, what, *,
                      log_seeding=False):
        """``n_init`` seeded runs (one for given centres), the lowest inertia kept.

        The in-memory, memory-mapped and dask fits differ only in their seeding rows
        (``seeds``, centred, with ``norms`` and ``weights``) and in
        ``run_lloyd(centers, on_iteration) -> (labels, inertia, centers, n_iter)``. A callback
        returning True for a "run" event ends the restarts. Returns the best run's tuple.
        """
        n_runs = self.n_init if isinstance(init, str) else 1
        n_local_trials = 2 + int(np.log(self.n_clusters))
        callback = self.callback
        best = None
        for run in range(1, n_runs + 1):
            if isinstance(init, str) and init == "k-means++":
                centers, _ = _kmeans_plusplus(seeds, self.n_clusters, norms, weights, rng,
                                              n_local_trials, None)
                centers = _local_search(seeds, norms, weights, centers, rng,
                                        2 * self.n_clusters)
            elif isinstance(init, str):  # "random"
                centers = dense_rows(seeds, random_rows(seeds.shape[0], weights,
                                                        self.n_clusters, rng, "KMeans"))
            else:
                centers = init - shift
            if log_seeding:
                clock.stage("run %d of %d: seeding (%s)", run, n_runs,
                            init if isinstance(init, str) else "given centres")
            on_iteration = None if callback is None else functools.partial(
                _report_iteration, callback, run, n_runs, self.max_iter)
            labels, run_inertia, centers, n_iter = run_lloyd(centers, on_iteration)
            clock.stage(f"run %d of %d: %d {what}, inertia %.6g,", run, n_runs, n_iter,
                        run_inertia)
            if best is None or run_inertia < best[1]:
                best = (labels, run_inertia, centers, n_iter)
            if callback is not None and callback("run", {
                    "run": run, "n_runs": n_runs, "n_iter": n_iter,
                    "inertia": float(run_inertia)}):
                break
        return best

    def _set_result(self, labels, inertia, centers, n_iter, shift, weights, *, renumber, dtype):
        """The fitted attributes from the best run (in-memory, memory-mapped or dask fit);
        a seeded fit's clusters are renumbered by decreasing weight."""
        if renumber:
            order = cluster_order(centers, np.bincount(labels, weights=weights,
                                                       minlength=self.n_clusters))
            rank = np.empty(self.n_clusters, dtype=np.intp)
            rank[order] = np.arange(self.n_clusters)
            centers, labels = centers[order], rank[labels]
        self._warn_if_fewer_clusters(labels, "X has too few distinct points")
        self._shift = shift
        self._centers_shifted = centers
        self.cluster_centers_ = (centers + shift).astype(dtype, copy=False)
        self.labels_ = labels
        self.inertia_ = inertia
        self.n_iter_ = n_iter
        return self

    #: Rows of a memory-mapped X that k-means++ or "random" seeding draws from (all rows when
    #: there are no more): the seeding reads them into memory, the Lloyd passes read blocks.
    _memmap_seeding_rows = 100_000

    def _fit_memmap(self, X, sample_weight):
        """:meth:`fit` for an ``np.memmap``, read in row blocks (:mod:`latentlearn._memmap`).

        Centring, the canonical row order, and Lloyd's iterations (:func:`_lloyd_blocked`) are
        those of :meth:`fit`; a string ``init`` seeds on at most ``_memmap_seeding_rows``
        samples (drawn by weight without replacement, in the canonical order) read into memory,
        and is then the seeding of :meth:`fit` exactly when ``X`` has no more rows than that.
        """
        validate_memmap(self, X, reset=True)
        n_samples, n_features = X.shape
        if self.n_clusters > n_samples:
            raise ParameterError(
                f"KMeans: n_clusters={self.n_clusters} is larger than n_samples={n_samples}; "
                "lower n_clusters or pass more samples.")
        weights = check_sample_weight(sample_weight, n_samples, "KMeans")
        init = self._check_init(n_features, X.dtype)
        rng = check_random_state(self.random_state)
        rows = MemmapRows(X)
        mean, variance = memmap_mean_and_variance(rows, weights)
        shift = mean.astype(X.dtype)
        tol = self.tol * float(np.mean(variance))
        clock = StageClock(logger, "KMeans", self.verbose)
        seeds = seeds_c = weights_s = norms_s = None
        if isinstance(init, str):
            order = memmap_canonical_order(rows)
            n_seeding = min(self._memmap_seeding_rows, int(np.count_nonzero(weights)))
            if n_samples > self._memmap_seeding_rows:
                chosen = rng.choice(n_samples, n_seeding, replace=False,
                                    p=weights / weights.sum())
                order = order[np.isin(order, chosen)]  # the drawn rows, canonical order
            seeds = rows.take(order)
            seeds -= shift
            seeds_c, weights_s = seeds, weights[order]
            norms_s = _squared_norms(seeds_c)
        clock.stage("centring %d samples (memory map, blocks of %d rows)", n_samples,
                    rows.block_rows)
        best = self._best_of_runs(
            init, shift, seeds_c, norms_s, weights_s, rng, clock,
            lambda centers, on_iteration: _lloyd_blocked(
                rows, shift, weights, centers, max_iter=self.max_iter, tol=tol,
                on_iteration=on_iteration),
            "Lloyd passes")
        seeds = seeds_c = None  # free the seeding rows before the checks
        rows.check_unchanged("KMeans")
        labels, best_inertia, centers, n_iter = best
        return self._set_result(labels, best_inertia, centers, n_iter, shift, weights,
                                renumber=isinstance(init, str), dtype=X.dtype)

    def _fit_dask(self, X, sample_weight):
        """Fit a dask array: seeds drawn on the client, Lloyd's sums on the workers.

        The column means and variances come from one pass of per-block moments; the seeds
        (k-means++ with local search, or "random") are drawn as in memory from
        ``DASK_SEED_ROWS`` rows fetched to the client (all rows when there are fewer, in which
        case they are the in-memory fit's seeds for the same ``random_state``); each Lloyd
        iteration then runs one task per block (:func:`_dask_lloyd`).
        """
        X = check_dask_array(X, "KMeans")
        weights = weights_d = None
        if sample_weight is not None:  # validated on the client, persisted on the workers
            weights = check_sample_weight(sample_weight, X.shape[0], "KMeans")
            weights_d = dask_weights(weights, X)
        total, mean, spread = block_moments(X, scatter=False, who="KMeans", weights=weights_d)
        n_samples, n_features = X.shape
        self.n_features_in_ = n_features
        if hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        if self.n_clusters > n_samples:
            raise ParameterError(
                f"KMeans: n_clusters={self.n_clusters} is larger than n_samples={n_samples}; "
                "lower n_clusters or pass more samples.")
        init = self._check_init(n_features, X.dtype)
        rng = check_random_state(self.random_state)
        shift = mean.astype(X.dtype)
        tol = self.tol * float(np.mean(spread / total))
        clock = StageClock(logger, "KMeans", self.verbose)
        clock.stage("moments of %d samples in %d dask blocks", n_samples, X.numblocks[0])

        seed_rows = seed_norms = seed_weights = None
        if isinstance(init, str):  # the seeding's rows, centred and ordered as in memory
            if weights is None:
                seed_rows = sample_rows(X, DASK_SEED_ROWS, rng)
                seed_weights = np.ones(seed_rows.shape[0])
            else:  # as the memory-mapped fit: drawn by weight, all rows when there are few
                chosen = np.arange(n_samples)
                if n_samples > DASK_SEED_ROWS:
                    n_seeding = min(DASK_SEED_ROWS, int(np.count_nonzero(weights)))
                    chosen = np.sort(rng.choice(n_samples, n_seeding, replace=False,
                                                p=weights / weights.sum()))
                    seed_rows = np.asarray(X[chosen].compute())
                else:
                    seed_rows = np.asarray(X.compute())
                seed_weights = weights[chosen]
            order = canonical_order(seed_rows)
            seed_rows, seed_weights = seed_rows[order], seed_weights[order]
            seed_rows -= shift
            seed_norms = _squared_norms(seed_rows)
            clock.stage("%d rows fetched for the seeding", seed_rows.shape[0])
        best = self._best_of_runs(
            init, shift, seed_rows, seed_norms, seed_weights, rng, clock,
            lambda centers, on_iteration: _dask_lloyd(
                X, shift, centers, max_iter=self.max_iter, tol=tol, on_iteration=on_iteration,
                weights=weights_d),
            "Lloyd iterations on dask")
        labels, best_inertia, centers, n_iter = best
        return self._set_result(labels, best_inertia, centers, n_iter, shift, weights,
                                renumber=isinstance(init, str), dtype=X.dtype)

    def _assignment_centers(self):
        return self._centers_shifted, self._shift

    def _reference_centers(self):
        return self.cluster_centers_.astype(np.float64)
