"""k-means step by step, for the Voronoi-cell picture of Lloyd's algorithm.

Lloyd (1982), "Least squares quantization in PCM" (see also Bishop 2006, PRML section 9.1):
A: initialise the centroids; B: assign points to clusters; C: move the centroids; repeat B and C
until an assignment changes nothing (convergence). The assignment step gives each point to its
nearest centroid, i.e. to the centroid's Voronoi cell, so k-means partitions the feature space
into Voronoi cells; the move step puts each centroid at the mean of its points.

:func:`kmeans_steps` runs Lloyd's algorithm from a given start and records the centroids and
the assignment after every half-step, with the objective ``J = sum_i ||x_i - mu_{c_i}||^2`` (the
sum of SQUARED distances; a common slip writes the unsquared distance, whose minimiser is the
geometric median, not the mean: see :mod:`latentlearn.cluster.kmeans`). Each half-step
can only lower ``J``. :func:`latentlearn.plots.plot_kmeans_steps` draws the record for 2-D
data, shading the plane by nearest centroid.

This is a plain, readable Lloyd loop for pictures and teaching (any dimension, small data);
:class:`~latentlearn.cluster.KMeans` is the fast one, and the tests check that both end in the
same state from the same start.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral

import numpy as np

from ..base import as_2d_float, check_random_state
from ..exceptions import ParameterError
from .kmeans import kmeans_plusplus

__all__ = ["KMeansStep", "KMeansSteps", "kmeans_steps", "nearest_centroid"]


@dataclass(frozen=True)
class KMeansStep:
    """One half-step of Lloyd's algorithm.

    Attributes
    ----------
    kind : {"init", "assign", "move"}
    centers : ndarray of shape (n_clusters, n_features)
        The centroids after this half-step.
    labels : ndarray of shape (n_samples,) or None
        The assignment after this half-step; None at ``"init"`` (nothing assigned yet).
    objective : float
        ``J = sum_i ||x_i - mu_{c_i}||^2`` for these labels and centroids; NaN at ``"init"``.
    n_changed : int
        Points whose cluster this half-step changed (all of them at the first assignment; at a
        move, the points taken by an empty cluster); 0 at ``"init"``.
    """

    kind: str
    centers: np.ndarray
    labels: np.ndarray | None
    objective: float
    n_changed: int


@dataclass(frozen=True)
class KMeansSteps:
    """The record of a Lloyd run: its half-steps, and whether it stopped by convergence.

    Attributes
    ----------
    steps : tuple of KMeansStep
        ``init``, then ``assign`` and ``move`` alternating. The last assignment, the one that
        changed nothing, is not recorded: after the last ``move`` "nothing changes".
    converged : bool
        True when an assignment changed no label (within ``max_iter`` iterations).
    n_iter : int
        Iterations as :class:`~latentlearn.cluster.KMeans` counts them (``n_iter_``): every
        assignment, the final unchanged one included.
    """

    steps: tuple
    converged: bool
    n_iter: int

    @property
    def centers(self) -> np.ndarray:
        """Final centroids, of shape (n_clusters, n_features)."""
        return self.steps[-1].centers

    @property
    def labels(self) -> np.ndarray:
        """Final assignment, of shape (n_samples,)."""
        return self.steps[-1].labels

    @property
    def objective(self) -> float:
        """Final ``J = sum_i ||x_i - mu_{c_i}||^2``."""
        return self.steps[-1].objective


def _squared_distances(X, centers):
    """``||x_i - mu_j||^2`` of shape (n_samples, n_clusters), from the differences (exact)."""
    return np.stack([np.einsum("ij,ij->i", X - c, X - c) for c in centers], axis=1)


def nearest_centroid(X, centers):
    """Index of the nearest centroid of each point: ``argmin_j ||x - mu_j||^2``.

    Ties go to the lowest index. This is the assignment step, and evaluated on a grid it gives
    the centroids' Voronoi cells.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    centers : array-like of shape (n_clusters, n_features)

    Returns
    -------
    labels : ndarray of shape (n_samples,)
    """
    X = as_2d_float(X).astype(np.float64, copy=False)
    centers = as_2d_float(centers, name="centers").astype(np.float64, copy=False)
    if centers.shape[1] != X.shape[1]:
        raise ParameterError(f"centers have {centers.shape[1]} features and X has {X.shape[1]}; "
                             "pass centroids in the space of X.")
    return np.argmin(_squared_distances(X, centers), axis=1)


def _objective(X, centers, labels):
    diff = X - centers[labels]
    return float(np.einsum("ij,ij->", diff, diff))


def _move(X, labels, centers):
    """The move step, with scikit-learn's (and KMeans's) rule for an empty cluster.

    An empty cluster's centroid is put on the point farthest from its own centroid (that point
    leaves its cluster), the farthest first; then every centroid goes to its cluster's mean.

    Returns
    -------
    centers, labels : the new centroids (n_clusters, n_features) and assignment (n_samples,)
    n_changed : int
        Points moved into empty clusters.
    """
    n_clusters = centers.shape[0]
    labels = labels.copy()
    counts = np.bincount(labels, minlength=n_clusters)
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        own = np.einsum("ij,ij->i", X - centers[labels], X - centers[labels])
        farthest = np.argsort(-own, kind="stable")[: empty.size]
        labels[farthest] = empty
        counts = np.bincount(labels, minlength=n_clusters)
    sums = np.zeros_like(centers)
    np.add.at(sums, labels, X)
    new = centers.copy()
    filled = counts > 0
    new[filled] = sums[filled] / counts[filled, np.newaxis]
    return new, labels, int(empty.size)


def _kmeans_steps(X, centers, max_iter):
    """Lloyd's half-steps from ``centers`` until no label changes; assumes valid float64 input."""
    steps = [KMeansStep("init", centers.copy(), None, float("nan"), 0)]
    labels = None
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        new_labels = np.argmin(_squared_distances(X, centers), axis=1)
        n_changed = X.shape[0] if labels is None else int(np.count_nonzero(new_labels != labels))
        if n_changed == 0:
            converged = True
            break
        labels = new_labels
        steps.append(KMeansStep("assign", centers.copy(), labels.copy(),
                                _objective(X, centers, labels), n_changed))
        centers, labels, n_moved = _move(X, labels, centers)
        steps.append(KMeansStep("move", centers.copy(), labels.copy(),
                                _objective(X, centers, labels), n_moved))
    return KMeansSteps(tuple(steps), converged, n_iter)


def kmeans_steps(X, n_clusters, *, init="random", random_state=None, max_iter=100):
    """Run Lloyd's algorithm and record every half-step (Lloyd 1982).

    A: initialise the centroids; B: assign each point to its nearest centroid,
    ``c_i = argmin_j ||x_i - mu_j||^2``; C: move each centroid to the mean of its points,
    ``mu_j = sum_i I[c_i = j] x_i / sum_i I[c_i = j]``; then assign and move again until an
    assignment changes nothing. ``J = sum_i ||x_i - mu_{c_i}||^2`` never increases.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The points (2-D for :func:`~latentlearn.plots.plot_kmeans_steps`; any dimension here).
    n_clusters : int
        Number of centroids ``k``, at most ``n_samples``.
    init : {"random", "k-means++"} or array-like of shape (n_clusters, n_features), \
default="random"
        ``"random"``: ``k`` distinct points drawn uniformly (Forgy's initialisation;
        the centroids then travel far enough to see). ``"k-means++"``:
        :func:`~latentlearn.cluster.kmeans_plusplus`. An array: these starting centroids.
    random_state : None, int or numpy.random.RandomState, default=None
        Seeds ``"random"`` and ``"k-means++"``.
    max_iter : int, default=100
        Most assignments (iterations, as :class:`~latentlearn.cluster.KMeans` counts them).

    Returns
    -------
    KMeansSteps
        ``steps`` (``init``, then ``assign`` / ``move`` pairs), ``converged`` and ``n_iter``.
        From the same starting centroids, a converged run ends in the state of
        ``KMeans(n_clusters, init=centroids, tol=0)`` (labels, centres, ``n_iter_``).

    Examples
    --------
    >>> import numpy as np
    >>> from latentlearn.cluster import kmeans_steps
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [10.0, 0.0], [11.0, 0.0], [12.0, 0.0]])
    >>> run = kmeans_steps(X, 2, init=X[[0, 1]])
    >>> [step.kind for step in run.steps], run.converged, run.n_iter
    (['init', 'assign', 'move', 'assign', 'move'], True, 3)
    >>> [round(step.objective, 2) for step in run.steps[1:]]
    [303.0, 110.8, 50.32, 4.0]
    >>> run.centers
    array([[ 1.,  0.],
           [11.,  0.]])
    """
    X = as_2d_float(X).astype(np.float64, copy=False)
    n_samples, n_features = X.shape
    if isinstance(n_clusters, (bool, np.bool_)) or not isinstance(n_clusters, Integral) \
            or not 1 <= n_clusters <= n_samples:
        raise ParameterError(f"kmeans_steps: n_clusters={n_clusters!r} must be an integer in "
                             f"[1, n_samples={n_samples}].")
    if isinstance(max_iter, (bool, np.bool_)) or not isinstance(max_iter, Integral) \
            or max_iter < 1:
        raise ParameterError(f"kmeans_steps: max_iter={max_iter!r} must be an integer >= 1.")
    if isinstance(init, str):
        if init == "random":
            rng = check_random_state(random_state)
            centers = X[rng.choice(n_samples, size=n_clusters, replace=False)]
        elif init == "k-means++":
            centers, _ = kmeans_plusplus(X, n_clusters, random_state=random_state)
        else:
            raise ParameterError(f"kmeans_steps: init={init!r} must be 'random', 'k-means++' or "
                                 "an array of starting centroids.")
    else:
        centers = as_2d_float(init, name="init").astype(np.float64)
        if centers.shape != (n_clusters, n_features):
            raise ParameterError(
                f"kmeans_steps: init has shape {centers.shape}; with n_clusters={n_clusters} and "
                f"{n_features} features it must be ({n_clusters}, {n_features}).")
    return _kmeans_steps(X, np.array(centers, dtype=np.float64), int(max_iter))
