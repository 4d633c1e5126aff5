"""How well an embedding keeps the neighbourhoods of the data: trustworthiness, continuity, kNN.

Trustworthiness and continuity come from Venna & Kaski (2001), "Neighborhood preservation in
nonlinear projection methods: an experimental study" (ICANN). With ``U_i^k`` the k nearest
neighbours of point ``i`` in the embedding, ``V_i^k`` its k nearest neighbours in the original
space, ``r(i, j)`` the rank of ``j`` among the neighbours of ``i`` in the original space and
``r_hat(i, j)`` its rank in the embedding,

    T(k) = 1 - 2 / (n k (2n - 3k - 1)) * sum_i sum_{j in U_i^k \\ V_i^k} (r(i, j) - k)
    C(k) = 1 - 2 / (n k (2n - 3k - 1)) * sum_i sum_{j in V_i^k \\ U_i^k} (r_hat(i, j) - k)

Trustworthiness punishes false neighbours the embedding invents; continuity punishes true
neighbours it tears apart. Both lie in [0, 1] for k < n / 2, and 1 is perfect. ``C(X, Y)`` is
``T(Y, X)``: continuity is trustworthiness with the two spaces swapped.

The kNN accuracy is the share of points whose class the majority of their k nearest neighbours
in the embedding predicts: how usable the embedding is for a simple downstream classifier.

``metric=`` is that of the neighbourhood methods (:mod:`latentlearn.neighbors.distances`): any
metric of scipy or scikit-learn, a callable, or ``"precomputed"`` (a dense ``(n, n)`` distance
matrix: the ranks need every pair, so a sparse kNN graph is refused).
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy import sparse
from sklearn.manifold import trustworthiness as _sk_trustworthiness
from sklearn.metrics import pairwise_distances
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

from ..exceptions import ParameterError
from ..neighbors.distances import check_input, check_metric, check_sparse_metric, is_precomputed
from ._validation import as_labels, as_samples, check_int, check_n_neighbors, check_same_length

__all__ = ["trustworthiness", "continuity", "knn_accuracy"]

# Working memory of one block of the continuity computation, in bytes: bounds the
# (block, n_samples) distance and sort buffers so continuity stays O(n) in memory.
_BLOCK_BYTES = 64 * 2**20


def trustworthiness(X, X_embedded, n_neighbors=5, metric="euclidean"):
    """Trustworthiness of an embedding (Venna & Kaski 2001): are its neighbours real?

    ``T(k) = 1 - 2 / (n k (2n - 3k - 1)) * sum_i sum_{j in U_i^k} max(0, r(i, j) - k)``, where
    ``U_i^k`` are the k nearest neighbours of ``i`` in the embedding and ``r(i, j)`` is the rank of
    ``j`` among the neighbours of ``i`` in the original space. Computed by
    :func:`sklearn.manifold.trustworthiness`.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The original data (images may be given as (n_samples, h, w[, c])).
    X_embedded : array-like of shape (n_samples, n_components) or (n_samples,)
        The embedding of the same samples, in the same order.
    n_neighbors : int, default=5
        The neighbourhood size k; must be less than ``n_samples / 2``.
    metric : str or callable, default="euclidean"
        Distance in the original space (any metric of scipy or scikit-learn, a callable, or
        ``"precomputed"``: ``X`` is then the dense ``(n, n)`` distance matrix). The embedding
        always uses Euclidean distance.

    Returns
    -------
    float
        In [0, 1]; 1 when every neighbour in the embedding is among the k nearest in ``X``.

    Notes
    -----
    scikit-learn ranks all pairs at once: memory is about ``3 * 8 * n_samples**2`` bytes (600 MB
    at 5,000 points). Subsample larger data first, as :func:`embedding_report` does.
    """
    X, Z, metric = _check_pair(X, X_embedded, metric, "trustworthiness")
    k = check_n_neighbors(n_neighbors, X.shape[0])
    return float(_sk_trustworthiness(X, Z, n_neighbors=k, metric=metric))


def continuity(X, X_embedded, n_neighbors=5, metric="euclidean", *, block_size=None):
    """Continuity of an embedding (Venna & Kaski 2001): are the true neighbours kept close?

    ``C(k) = 1 - 2 / (n k (2n - 3k - 1)) * sum_i sum_{j in V_i^k} max(0, r_hat(i, j) - k)``, where
    ``V_i^k`` are the k nearest neighbours of ``i`` in the original space and ``r_hat(i, j)`` is
    the rank of ``j`` among the neighbours of ``i`` in the embedding. It equals
    ``trustworthiness(X_embedded, X)``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The original data (images may be given as (n_samples, h, w[, c])).
    X_embedded : array-like of shape (n_samples, n_components) or (n_samples,)
        The embedding of the same samples, in the same order.
    n_neighbors : int, default=5
        The neighbourhood size k; must be less than ``n_samples / 2``.
    metric : str or callable, default="euclidean"
        Distance used to find the neighbours in the original space (as in
        :func:`trustworthiness`, ``"precomputed"`` included). The embedding always uses
        Euclidean distance.
    block_size : int, optional
        Rows of the embedding's distance matrix handled at once; by default as many as fit in
        about 64 MB.

    Returns
    -------
    float
        In [0, 1]; 1 when the k nearest neighbours of every point in ``X`` are also its k nearest
        in the embedding.

    Notes
    -----
    The k original neighbours come from a :class:`~sklearn.neighbors.NearestNeighbors` search.
    Ranks in the embedding are computed a block of rows at a time (distances to all points,
    sorted, then searched), so time is ``O(n**2 log n)`` but memory stays ``O(block_size * n)``;
    comfortable up to about 10,000 points. A rank counts the points *strictly* closer, plus one,
    so a tie is resolved in the embedding's favour. Without ties the result equals scikit-learn's
    ``trustworthiness(X_embedded, X)``.
    """
    X, Z, metric = _check_pair(X, X_embedded, metric, "continuity")
    k = check_n_neighbors(n_neighbors, X.shape[0])
    if block_size is None:
        block_size = max(1, _BLOCK_BYTES // (16 * X.shape[0]))
    else:
        check_int(block_size, "block_size", 1)
    return _continuity(X, Z, k, metric, int(block_size))


def _continuity(X, Z, k, metric, block_size):
    """Continuity kernel on validated input; see :func:`continuity`."""
    n = X.shape[0]
    neighbors = NearestNeighbors(n_neighbors=k, metric=metric).fit(X).kneighbors(
        return_distance=False)                                   # (n, k), self excluded
    penalty = 0
    for start in range(0, n, block_size):
        stop = min(n, start + block_size)
        dist = pairwise_distances(Z[start:stop], Z)              # (block, n)
        rows = np.arange(stop - start)
        dist[rows, start + rows] = np.inf                        # a point is not its own neighbour
        to_neighbors = np.take_along_axis(dist, neighbors[start:stop], axis=1)   # (block, k)
        dist.sort(axis=1)
        for row in rows:
            # rank = 1 + number of points strictly closer than the neighbour
            ranks = np.searchsorted(dist[row], to_neighbors[row], side="left") + 1
            penalty += int(np.sum(np.maximum(ranks - k, 0)))
    return float(1.0 - penalty * 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)))


def knn_accuracy(X_embedded, y, n_neighbors=10, *, cv="loo", random_state=None,
                 metric="euclidean"):
    """Accuracy of a k-nearest-neighbour classifier on the embedding.

    Parameters
    ----------
    X_embedded : array-like of shape (n_samples, n_components) or (n_samples,)
        The embedding.
    y : array-like of shape (n_samples,)
        Class labels (ints or strings); never seen by the method that made the embedding.
    n_neighbors : int, default=10
        Neighbours that vote.
    cv : "loo" or int, default="loo"
        ``"loo"``: leave-one-out. Each point is classified by the majority class among its
        ``n_neighbors`` nearest *other* points (Euclidean); a tie between classes goes to the
        class whose member is nearest. Deterministic, and uses every point as both reference
        and query. An int ``m >= 2``: stratified m-fold cross-validation of
        :class:`~sklearn.neighbors.KNeighborsClassifier` (folds shuffled with ``random_state``);
        the mean of the fold accuracies.
    random_state : int, RandomState instance or None, default=None
        Shuffles the folds when ``cv`` is an int; unused for leave-one-out.
    metric : str or callable, default="euclidean"
        Distance between points of the embedding that finds the neighbours: any metric of
        scipy or scikit-learn, a callable, or ``"precomputed"`` (``X_embedded`` is then the
        dense ``(n, n)`` distance matrix between the embedded points).

    Returns
    -------
    float
        In [0, 1].
    """
    metric = check_metric(metric, whom="knn_accuracy")
    if is_precomputed(metric):
        Z = check_input(X_embedded, metric, whom="knn_accuracy(metric='precomputed')",
                        allow_sparse=False)
    else:
        Z = as_samples(X_embedded, "X_embedded", allow_1d=True)
    y = as_labels(y, "y")
    check_same_length(Z, y, "X_embedded", "y")
    n = Z.shape[0]
    n_neighbors = check_int(n_neighbors, "n_neighbors", 1)
    if isinstance(cv, str) and cv == "loo":
        if n_neighbors > n - 1:
            raise ParameterError(f"n_neighbors={n_neighbors} needs at least {n_neighbors + 1} "
                                 f"samples for leave-one-out; got {n}. Lower n_neighbors.")
        return _knn_accuracy_loo(Z, y, int(n_neighbors), metric)
    if isinstance(cv, (bool, np.bool_)) or not isinstance(cv, numbers.Integral) or cv < 2:
        raise ParameterError(f"cv must be 'loo' or an integer >= 2; got {cv!r}.")
    train_size = n - -(-n // cv)   # the smallest training fold
    if n_neighbors > train_size:
        raise ParameterError(f"n_neighbors={n_neighbors} exceeds the {train_size} training "
                             f"points of a {cv}-fold split of {n} samples; lower n_neighbors "
                             f"or cv.")
    folds = StratifiedKFold(n_splits=int(cv), shuffle=True, random_state=random_state)
    scores = cross_val_score(KNeighborsClassifier(n_neighbors=int(n_neighbors), metric=metric),
                             Z, y, cv=folds)
    return float(np.mean(scores))


def _knn_accuracy_loo(Z, y, k, metric="euclidean"):
    """Leave-one-out kNN accuracy on validated input; see :func:`knn_accuracy`."""
    classes, codes = np.unique(y, return_inverse=True)
    n, n_classes = len(codes), len(classes)
    neighbors = NearestNeighbors(n_neighbors=k, metric=metric).fit(Z).kneighbors(
        return_distance=False)
    votes = codes[neighbors]                                     # (n, k), nearest first
    rows = np.arange(n)
    counts = np.zeros((n, n_classes), dtype=np.int64)
    first = np.full((n, n_classes), k, dtype=np.int64)           # position of nearest member
    for j in range(k - 1, -1, -1):
        counts[rows, votes[:, j]] += 1                           # one vote per row per j
        first[rows, votes[:, j]] = j
    # Most votes wins; among equal counts the smaller `first` (a nearer member) wins.
    predicted = np.argmax(counts * (k + 1) - first, axis=1)
    return float(np.mean(predicted == codes))


def _check_pair(X, X_embedded, metric, whom):
    metric = check_metric(metric, whom=whom)
    if is_precomputed(metric):
        X = check_input(X, metric, whom=f"{whom}(metric='precomputed')", allow_sparse=False)
    elif sparse.issparse(X):
        X = check_input(X, metric, whom=whom)
        check_sparse_metric(X, metric, whom)
    else:
        X = as_samples(X, "X")
    Z = as_samples(X_embedded, "X_embedded", allow_1d=True)
    check_same_length(range(X.shape[0]), Z, "X", "X_embedded")
    return X, Z, metric
