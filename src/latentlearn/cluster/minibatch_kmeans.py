"""Mini-batch k-means (Sculley 2010): k-means for data too large for full Lloyd passes.

Sculley, "Web-scale k-means clustering" (WWW 2010), algorithm 1: draw a mini-batch ``M`` of
``b`` samples; assign each ``x`` in ``M`` to its nearest centre ``c(x)`` (against the centres
before this batch); then for each ``x`` in ``M``, with a per-centre count ``v``,

    v[c] <- v[c] + 1,    eta = 1 / v[c],    mu_c <- (1 - eta) mu_c + eta x.

The per-centre learning rate ``1 / v[c]`` makes every centre the running mean of all the
samples ever assigned to it; within one batch that is, per centre,
``mu_c <- (v_c mu_c + sum_{x in M, c(x) = c} x) / (v_c + m_c)``, which is how it is computed
here (one product of the one-hot assignment with the batch). The objective is k-means's
``J = sum_i w_i ||x_i - mu_{c_i}||^2`` (``inertia_``); mini-batches trade a little of it for
far fewer distance computations.

The run follows scikit-learn's ``MiniBatchKMeans`` (same parameters and defaults):
``init_size`` samples seed the centres (k-means++ by default, the best of ``n_init`` seeds on
another ``init_size`` samples), then at most ``max_iter * n / batch_size`` steps, stopped early
when the exponentially weighted average of the batch inertia has not improved for
``max_no_improvement`` steps or when the centres move less than ``tol``. Centres whose count
falls below ``reassignment_ratio`` times the largest are moved onto random samples of the
batch (every ``10 * n_clusters`` samples, or whenever a centre has never been hit), which
rescues centres stuck on outliers.

One deliberate difference: sample weights are frequencies. Batches are drawn with probability
proportional to ``sample_weight`` (then counted once each), where scikit-learn draws uniformly
and weighs the update; both estimate the same weighted means. The draws walk the rows in an
order fixed by their values, so a weight of ``m`` gives exactly the run of ``m`` copies of the
row, and permuting the rows does not change the result; a "pass over the data" is
``n = sum(sample_weight)`` samples (the number of rows without weights).

Sparse input (``scipy.sparse``, taken as CSR) is never densified: a batch is a CSR slice, its
distances sparse-times-dense products and its sums one sparse one-hot product; the centres are
dense. The same batches give the same centres as the dense twin, up to rounding.

Data larger than memory: an ``np.memmap`` (``latentlearn.datasets.load(path, mmap=True)``) is
never read through the map (:mod:`latentlearn._memmap`): the batches and the seeding samples
are gathered from the file by explicit reads of their rows, the canonical order, the moments
and the final labels come from passes over row blocks read into one reused buffer. The draws
are the same as for the array in memory, so the result is the same.
"""

from __future__ import annotations

import logging
import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse

from .._memmap import MemmapRows, is_file_memmap, validate_memmap
from .._sparse import dense_rows, issparse
from .._stages import StageClock
from .._threads import N_JOBS_CONSTRAINT, limit_threads
from ..base import Interval, Options, check_random_state
from ..exceptions import ParameterError
from ..registry import register
from ._kmeans_base import (
    BaseKMeans,
    assign,
    canonical_order,
    cluster_order,
    check_sample_weight,
    inertia,
    memmap_canonical_order,
    memmap_labels_and_inertia,
    memmap_mean_and_variance,
    random_rows,
    weighted_mean_and_variance,
)
from .kmeans import kmeans_plusplus

__all__ = ["MiniBatchKMeans"]

logger = logging.getLogger(__name__)

class _WeightedDraws:
    """Draw rows with replacement, with probability proportional to their weights.

    The cumulative weights are taken over the rows sorted by a fixed random projection (an
    order that depends on the rows' values only), so copies of a row sit side by side and the
    same uniforms draw the same values whether a row comes with weight ``m`` or as ``m`` copies;
    zero-weight rows are never drawn.
    """

    def __init__(self, X, weights, order=None):
        self.order = canonical_order(X) if order is None else order
        self.cumulative = np.cumsum(weights[self.order])
        self.total = float(self.cumulative[-1])
        # Unit weights: cumulative[i] = i + 1 exactly, so the first cumulative > u is floor(u)
        # (the same index as the search, without its cache misses on a large table).
        self.unit = bool(np.all(weights == 1.0)) and self.total < 2.0**53

    def __call__(self, rng, size):
        u = rng.uniform(size=size) * self.total
        if self.unit:
            positions = np.floor(u).astype(np.intp)
            np.minimum(positions, self.cumulative.size - 1, out=positions)
            return self.order[positions]
        # first cumulative > u; searched in sorted order (5x faster on a large table: the
        # searches walk the table in order), then put back in the order drawn
        sort = np.argsort(u, kind="stable")
        positions = np.empty(size, dtype=np.intp)
        positions[sort] = np.searchsorted(self.cumulative, u[sort], side="right")
        np.minimum(positions, self.cumulative.size - 1, out=positions)
        return self.order[positions]


def _nearest(X, centers):
    """Nearest centre of each row and ``||x - mu_{c(x)}||^2`` (float64 ``centers``)."""
    return assign(X, centers.astype(X.dtype, copy=False), with_distances=True)


def _labels_and_inertia(X, weights, centers):
    """Labels of all rows and ``J = sum_i w_i ||x_i - mu_{c_i}||^2`` from explicit float64
    differences (no cancellation)."""
    labels, _ = _nearest(X, centers)
    return labels, inertia(X, weights, centers, labels)


def _weighted_sums(labels, weights, X, n_clusters):
    """``sum_i w_i e_{labels_i} x_i^T``, (n_clusters, n_features) float64: one sparse product."""
    m = labels.size
    one_hot = sparse.csc_matrix((weights, labels, np.arange(m + 1)), shape=(n_clusters, m))
    if issparse(X):
        return (one_hot @ X).toarray().astype(np.float64, copy=False)
    return np.asarray(one_hot @ X.astype(np.float64, copy=False))


def _minibatch_step(X, weights, centers, counts, rng, *, reassign, reassignment_ratio):
    """One step of Sculley's algorithm on the batch ``X``; updates ``centers`` and ``counts``.

    Assumes valid input. ``counts[c]`` is the weight ``v_c`` seen by centre ``c`` so far; the
    update makes each centre the running mean of all its samples (learning rate ``1 / v_c``).
    With ``reassign``, centres with ``v_c < reassignment_ratio * max(v)`` are moved onto
    distinct random samples of the batch (at most half the batch), and their counts set to the
    smallest count of the others so that they are not reassigned again at once
    (scikit-learn's rule).

    Parameters
    ----------
    X : ndarray of shape (batch, n_features)
    weights : ndarray of shape (batch,), float64
    centers : ndarray of shape (n_clusters, n_features), float64, updated in place
    counts : ndarray of shape (n_clusters,), float64, updated in place
    rng : numpy.random.RandomState

    Returns
    -------
    batch_inertia : float
        ``sum_{x in batch} w ||x - mu_{c(x)}||^2`` against the centres before the update.
    """
    n_clusters = centers.shape[0]
    labels, squared = _nearest(X, centers)
    batch_inertia = float(squared @ weights)
    hit_weight = np.bincount(labels, weights=weights, minlength=n_clusters)
    sums = _weighted_sums(labels, weights, X, n_clusters)
    hit = hit_weight > 0
    new_counts = counts[hit] + hit_weight[hit]
    centers[hit] = (centers[hit] * counts[hit, np.newaxis] + sums[hit]) \
        / new_counts[:, np.newaxis]
    counts[hit] = new_counts

    if reassign and reassignment_ratio > 0:
        to_reassign = counts < reassignment_ratio * counts.max()
        to_reassign[np.argmax(counts)] = False  # never all of them
        limit = int(0.5 * X.shape[0])
        if np.count_nonzero(to_reassign) > limit:
            keep = np.argsort(counts, kind="stable")[limit:]
            to_reassign[keep] = False
        n_reassign = int(np.count_nonzero(to_reassign))
        if n_reassign:
            picks = rng.choice(X.shape[0], size=n_reassign, replace=False)
            centers[to_reassign] = dense_rows(X, picks)
            counts[to_reassign] = counts[~to_reassign].min()
            logger.debug("reassigned %d small cluster(s)", n_reassign)
    return batch_inertia


@register("minibatch_kmeans", family="cluster")
class MiniBatchKMeans(BaseKMeans):
    """Mini-batch k-means: Sculley's (2010) per-centre running means on random mini-batches.

    Each step assigns a random batch to the nearest centres and moves every centre ``c`` hit by
    it to the running mean of all its samples so far, ``mu_c <- (v_c mu_c + sum_{x -> c} x) /
    (v_c + m_c)`` (learning rate ``1 / v_c``); the objective is ``J = sum_i w_i ||x_i -
    mu_{c_i}||^2`` (``inertia_``). Parameters and defaults are scikit-learn's.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters ``k``; at most ``n_samples``.
    init : {"k-means++", "random"} or array-like of shape (n_clusters, n_features), \
default="k-means++"
        ``"k-means++"``: :func:`~latentlearn.cluster.kmeans_plusplus` on ``init_size``
        samples. ``"random"``: ``k`` distinct samples of those. An array: these centres.
    max_iter : int, default=100
        Most passes over the data: at most ``max_iter * n / batch_size`` steps (at least one),
        ``n = sum(sample_weight)``.
    batch_size : int, default=1024
        Samples per mini-batch, drawn with replacement (batches may be larger than the data).
    compute_labels : bool, default=True
        Assign every training sample at the end (``labels_``, exact ``inertia_``). With False
        there is no ``labels_`` and ``inertia_`` is the smoothed batch estimate.
    random_state : None, int or numpy.random.RandomState, default=None
        Seeds the initialisation, the batches and the reassignments; same seed, same result.
    tol : float, default=0.0
        Stop when the total squared centre move of a step, ``sum_j ||mu_j^new - mu_j^old||^2``,
        is at most ``tol`` times the mean per-feature variance of ``X``; 0 disables it.
    max_no_improvement : int or None, default=10
        Stop when the smoothed batch inertia (exponentially weighted average with weight
        ``min(1, 2 * batch_size / (n + 1))``) has not reached a new minimum for this many steps;
        None disables it.
    init_size : int or None, default=None
        Samples drawn to seed the centres (and as many to pick the best of ``n_init`` seeds);
        None means ``3 * batch_size`` (at least ``3 * n_clusters``). When the data hold no more
        than that, all of it is used, with its weights.
    n_init : "auto" or int, default="auto"
        Seeds tried, the one of lowest inertia on the validation draw kept; ``"auto"`` means 1
        for ``"k-means++"`` and an array, 3 for ``"random"``.
    reassignment_ratio : float, default=0.01
        Centres whose count is below this fraction of the largest count are moved onto random
        samples of the batch; 0 disables reassignment.
    verbose : int, default=0
        When positive, log the time of each stage of ``fit`` (seeding, the mini-batch steps and
        why they stopped, the final labels) at INFO through :mod:`logging` (logger
        ``latentlearn.cluster.minibatch_kmeans``), as openTSNE's ``verbose`` prints its stage
        timings; 0 logs them at DEBUG only.
    callback : callable ``callback(event, logs) -> bool``, optional
        Progress of ``fit``: ``callback("step", {"step", "n_steps", "inertia"})`` after each
        mini-batch step, ``n_steps`` being the most steps (``max_iter * n / batch_size``) and
        ``inertia`` the smoothed batch inertia per sample (None after the first step). Returning
        True stops the steps cleanly; the centres reached are kept.
    n_jobs : int or None, default=None
        BLAS threads of the fit's distance products (threadpoolctl; scikit-learn's meaning):
        None keeps the library default, 1 is one thread, -1 all cores.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        Centres, in the dtype of the training data.
    labels_ : ndarray of shape (n_samples,)
        Nearest centre of each training sample (with ``compute_labels``; for ``partial_fit``,
        of the last batch).
    inertia_ : float
        ``J = sum_i w_i ||x_i - mu_{c_i}||^2`` on the training data (with ``compute_labels``;
        for ``partial_fit``, on the last batch), in float64.
    n_steps_ : int
        Mini-batch steps taken.
    n_iter_ : int
        Passes over the data these steps amount to, ``ceil(n_steps_ * batch_size / n)``.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` had string column names.

    Notes
    -----
    Cluster numbering is deterministic: after ``fit`` with ``init="k-means++"`` or
    ``"random"``, cluster 0 is the one that absorbed the most samples during training (the
    largest count ``v_c``), ties broken by the lexicographic order of the centres. With an
    array ``init``, and across ``partial_fit`` calls, cluster ``j`` is the one started from the
    ``j``-th initial centre.

    ``sample_weight`` are frequencies (a weight of ``m`` gives exactly the run of ``m``
    copies): batches are drawn with probability proportional to the weights, and the schedule
    counts ``n = sum(sample_weight)`` samples, so weights should be counts or average about 1.
    scikit-learn draws uniformly and weighs the update instead; the two agree in expectation.

    Examples
    --------
    >>> import numpy as np
    >>> from latentlearn.cluster import MiniBatchKMeans
    >>> X = np.array([[0., 0.], [0., 1.], [10., 0.], [10., 1.], [10., 2.]])
    >>> mbk = MiniBatchKMeans(n_clusters=2, batch_size=4, random_state=0).fit(X)
    >>> mbk.labels_
    array([1, 1, 0, 0, 0])
    >>> mbk.predict([[0., 2.], [9., 1.]])
    array([1, 0])
    """

    _parameter_constraints = {
        **BaseKMeans._parameter_constraints,
        "batch_size": [Interval(Integral, 1, None)],
        "compute_labels": ["boolean"],
        "max_no_improvement": [Interval(Integral, 0, None), None],
        "init_size": [Interval(Integral, 1, None), None],
        "n_init": [Options({"auto"}), Interval(Integral, 1, None)],
        "reassignment_ratio": [Interval(Real, 0, None)],
        "verbose": [Interval(Integral, 0, None), "boolean"],
        "callback": [None, "callable"],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(
        self,
        n_clusters=8,
        *,
        init="k-means++",
        max_iter=100,
        batch_size=1024,
        compute_labels=True,
        random_state=None,
        tol=0.0,
        max_no_improvement=10,
        init_size=None,
        n_init="auto",
        reassignment_ratio=0.01,
        verbose=0,
        callback=None,
        n_jobs=None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.compute_labels = compute_labels
        self.random_state = random_state
        self.tol = tol
        self.max_no_improvement = max_no_improvement
        self.init_size = init_size
        self.n_init = n_init
        self.reassignment_ratio = reassignment_ratio
        self.verbose = verbose
        self.callback = callback
        self.n_jobs = n_jobs

    # -- set-up shared by fit and partial_fit ---------------------------------------------------

    def _resolved_init_size(self):
        init_size = 3 * self.batch_size if self.init_size is None else self.init_size
        if init_size < self.n_clusters:
            if self.init_size is not None:
                warnings.warn(
                    f"{type(self).__name__}: init_size={self.init_size} is smaller than "
                    f"n_clusters={self.n_clusters}; using {3 * self.n_clusters} instead.",
                    RuntimeWarning, stacklevel=3)
            init_size = 3 * self.n_clusters
        return init_size

    def _initial_centers(self, X, weights, draws, init, rng, take=None):
        """Seed the centres on ``init_size`` drawn samples (all of X if it is not larger);
        with several seeds, keep the one of lowest inertia on a second draw. ``take(rows)``
        gathers rows of ``X`` (``X[rows]`` when None; a memory map's reader)."""
        if not isinstance(init, str):
            return init.astype(np.float64)
        init_size = self._resolved_init_size()
        use_all = draws.total <= init_size
        if take is None:
            take = X.__getitem__
        elif use_all:
            X = take(np.arange(X.shape[0]))
        n_init = (3 if init == "random" else 1) if self.n_init == "auto" else self.n_init

        def sample():
            if use_all:
                return X, weights
            return take(draws(rng, init_size)), None  # drawn by weight, then counted once each

        X_valid, w_valid = sample() if n_init > 1 else (None, None)
        best, best_inertia = None, np.inf
        for _ in range(n_init):
            X_init, w_init = sample()
            if init == "k-means++":
                centers, _ = kmeans_plusplus(X_init, self.n_clusters, sample_weight=w_init,
                                             random_state=rng)
            else:
                centers = dense_rows(X_init, random_rows(X_init.shape[0], w_init,
                                                         self.n_clusters, rng,
                                                         type(self).__name__))
            centers = centers.astype(np.float64)
            if n_init == 1:
                return centers
            valid_weights = np.ones(X_valid.shape[0]) if w_valid is None else w_valid
            _, inertia = _labels_and_inertia(X_valid, valid_weights, centers)
            if inertia < best_inertia:
                best, best_inertia = centers, inertia
        return best

    def _due_for_reassignment(self, n_seen, counts):
        """scikit-learn's schedule: every ``10 * n_clusters`` samples, or when a centre has
        never been hit."""
        # (a loaded model has no counter: not saved, as it is not an array)
        self._n_since_last_reassign = getattr(self, "_n_since_last_reassign", 0) + n_seen
        if np.any(counts == 0) or self._n_since_last_reassign >= 10 * self.n_clusters:
            self._n_since_last_reassign = 0
            return True
        return False

    # -- fitting --------------------------------------------------------------------------------

    @limit_threads  # BLAS threads of the distance products
    def fit(self, X, y=None, sample_weight=None):
        """Cluster ``X`` by mini-batch steps from seeded centres.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative frequencies; a weight of ``m`` acts exactly like ``m`` copies.

        Returns
        -------
        self : MiniBatchKMeans
        """
        self._check_parameters()
        rows = None  # a memory map's reader: X is then read from its file, never the map
        if is_file_memmap(X):
            validate_memmap(self, X, reset=True)
            if self.n_clusters > X.shape[0]:
                raise ParameterError(
                    f"MiniBatchKMeans: n_clusters={self.n_clusters} is larger than "
                    f"n_samples={X.shape[0]}; lower n_clusters or pass more samples.")
            weights = check_sample_weight(sample_weight, X.shape[0], "MiniBatchKMeans")
            rows = MemmapRows(X)
            take = rows.take
            draws = _WeightedDraws(X, weights, order=memmap_canonical_order(rows))
        else:
            X, weights = self._validated(X, sample_weight, reset=True)
            take = X.__getitem__
            draws = _WeightedDraws(X, weights)
        init = self._check_init(X.shape[1], X.dtype)
        rng = check_random_state(self.random_state)
        self.__dict__.pop("_rng", None)  # a later partial_fit starts a fresh stream
        n_total = draws.total  # samples in one pass over the data
        batch = self.batch_size
        if self.tol > 0:
            moments = (weighted_mean_and_variance(X, weights) if rows is None
                       else memmap_mean_and_variance(rows, weights))
            tol = self.tol * float(np.mean(moments[1]))
        else:
            tol = 0.0

        clock = StageClock(logger, "MiniBatchKMeans", self.verbose)
        centers = self._initial_centers(X, weights, draws, init, rng,
                                        None if rows is None else take)  # (k, d) float64
        clock.stage("seeding (%s)", init if isinstance(init, str) else "given centres")
        counts = np.zeros(self.n_clusters)
        self._n_since_last_reassign = 0
        n_steps = max(1, int(self.max_iter * n_total // batch))
        alpha = min(1.0, 2.0 * batch / (n_total + 1.0))  # weight of a batch in the average
        ewa = ewa_min = None
        no_improvement = 0
        ones = np.ones(batch)
        step = 0
        stopped = None  # why the steps ended before n_steps, if they did
        for step in range(1, n_steps + 1):
            reassign = self._due_for_reassignment(batch, counts)
            old = centers.copy() if tol > 0 else None
            batch_inertia = _minibatch_step(
                take(draws(rng, batch)), ones, centers, counts, rng, reassign=reassign,
                reassignment_ratio=self.reassignment_ratio) / batch
            if step > 1:  # the first batch measures the initial centres: not progress
                ewa = batch_inertia if ewa is None else \
                    (1 - alpha) * ewa + alpha * batch_inertia
                if tol > 0 and float(np.sum((centers - old) ** 2)) <= tol:
                    stopped = "converged (centre moves below tol)"
                else:
                    if ewa_min is None or ewa < ewa_min:
                        ewa_min, no_improvement = ewa, 0
                    else:
                        no_improvement += 1
                    if self.max_no_improvement is not None and \
                            no_improvement >= self.max_no_improvement:
                        stopped = (f"no improvement of the smoothed inertia for "
                                   f"{no_improvement} steps")
            if self._stopped_by_callback(step, n_steps, ewa) and stopped is None:
                stopped = "stopped by the callback"
            if stopped is not None:
                break
        clock.stage("%d mini-batch steps of %d samples (%s),", step, batch,
                    stopped or "the most, max_iter * n / batch_size")

        if isinstance(init, str):
            order = cluster_order(centers, counts)
            centers, counts = centers[order], counts[order]
        self._centers = centers
        self._counts = counts
        self.cluster_centers_ = centers.astype(X.dtype)
        self.n_steps_ = step
        self.n_iter_ = int(np.ceil(step * batch / n_total))
        if self.compute_labels:
            self.labels_, self.inertia_ = (
                _labels_and_inertia(X, weights, centers) if rows is None
                else memmap_labels_and_inertia(rows, weights, centers))
            clock.stage("labels of %d samples (inertia %.6g)", X.shape[0], self.inertia_)
            self._warn_if_fewer_clusters(
                self.labels_, "X has too few distinct points, or some centres ended where no "
                "sample is nearest")
        else:
            self.__dict__.pop("labels_", None)  # no stale labels from an earlier fit
            smoothed = batch_inertia if ewa is None else ewa
            self.inertia_ = float(smoothed * n_total)
        if rows is not None:
            rows.check_unchanged("MiniBatchKMeans")
        return self

    def _stopped_by_callback(self, step, n_steps, smoothed):
        if self.callback is None:
            return False
        return bool(self.callback("step", {"step": step, "n_steps": n_steps,
                                           "inertia": None if smoothed is None
                                           else float(smoothed)}))

    @limit_threads
    def partial_fit(self, X, y=None, sample_weight=None):
        """One mini-batch step on ``X`` (the first call also seeds the centres from ``X``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The batch; every row is used (not drawn), weighted by ``sample_weight``.
        y : ignored
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : MiniBatchKMeans
        """
        first = not hasattr(self, "_centers")
        if first:
            self._check_parameters()
        X, weights = self._validated(X, sample_weight, reset=first)
        if first:
            init = self._check_init(X.shape[1], X.dtype)
            self._rng = check_random_state(self.random_state)
            self._centers = self._initial_centers(X, weights, _WeightedDraws(X, weights),
                                                  init, self._rng)
            self._counts = np.zeros(self.n_clusters)
            self._n_since_last_reassign = 0
            self.n_steps_ = 0
        elif not hasattr(self, "_rng"):  # fitted by fit(): continue with a fresh stream
            self._rng = check_random_state(self.random_state)
        reassign = self._due_for_reassignment(float(weights.sum()), self._counts)
        _minibatch_step(X, weights, self._centers, self._counts, self._rng, reassign=reassign,
                        reassignment_ratio=self.reassignment_ratio)
        self.cluster_centers_ = self._centers.astype(X.dtype)
        self.n_steps_ += 1
        if self.compute_labels:
            self.labels_, self.inertia_ = _labels_and_inertia(X, weights, self._centers)
        return self

    # -- where the centres are (for BaseKMeans's predict, transform and score) ---------------

    def _assignment_centers(self):
        return self._centers, None

    def _reference_centers(self):
        return self._centers
