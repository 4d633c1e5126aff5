"""Clustering quality: silhouette (no ground truth), adjusted Rand and NMI (against labels).

Thin wrappers over scikit-learn that check their input and say what to do when it cannot be
scored. The silhouette (Rousseeuw 1987) of a point is ``(b - a) / max(a, b)`` with ``a`` its
mean distance to its own cluster and ``b`` to the nearest other cluster. The adjusted Rand index
(Hubert & Arabie 1985) counts pairs put together or apart alike by two partitions, corrected for
chance. Normalised mutual information (Strehl & Ghosh 2002) is the mutual information of the two
partitions divided by a mean of their entropies.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, silhouette_score

from ..exceptions import ParameterError
from ._validation import as_labels, as_samples, check_int, check_same_length

__all__ = ["silhouette", "adjusted_rand", "normalized_mutual_info"]


def silhouette(X, labels, *, metric="euclidean", sample_size=None, random_state=None):
    """Mean silhouette coefficient of a clustering: +1 tight and apart, 0 overlapping, -1 wrong.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The data that was clustered (or an embedding of it).
    labels : array-like of shape (n_samples,)
        A cluster label per sample. Every distinct value is a cluster, ``-1`` included.
    metric : str or callable, default="euclidean"
        Any metric of :func:`sklearn.metrics.pairwise_distances`.
    sample_size : int, optional
        Score a random subset of this many samples instead of all of them: the exact score needs
        all pairwise distances (O(n**2) time). Use it above a few thousand points.
    random_state : int, RandomState instance or None, default=None
        Draws the subset when ``sample_size`` is given.

    Returns
    -------
    float
        In [-1, 1].
    """
    X = as_samples(X, "X", allow_1d=True)
    labels = as_labels(labels, "labels")
    check_same_length(X, labels, "X", "labels")
    n = X.shape[0]
    if sample_size is not None:
        sample_size = check_int(sample_size, "sample_size", 3)
        if sample_size >= n:
            sample_size = None
    _check_n_clusters(labels, n if sample_size is None else sample_size)
    return float(silhouette_score(X, labels, metric=metric, sample_size=sample_size,
                                  random_state=random_state))


def adjusted_rand(labels_true, labels_pred):
    """Adjusted Rand index of two partitions: 1 identical, about 0 for chance, can be negative.

    Parameters
    ----------
    labels_true : array-like of shape (n_samples,)
        Reference classes.
    labels_pred : array-like of shape (n_samples,)
        Cluster labels to score. Names of the clusters do not matter, only the partition.

    Returns
    -------
    float
        At most 1.
    """
    labels_true, labels_pred = _check_partitions(labels_true, labels_pred)
    return float(adjusted_rand_score(labels_true, labels_pred))


def normalized_mutual_info(labels_true, labels_pred, *, average_method="arithmetic"):
    """Normalised mutual information of two partitions: 1 identical, 0 independent.

    ``NMI = I(U; V) / mean(H(U), H(V))``, not adjusted for chance (it grows with the number of
    clusters; compare clusterings with equal numbers of clusters, or use :func:`adjusted_rand`).

    Parameters
    ----------
    labels_true : array-like of shape (n_samples,)
        Reference classes.
    labels_pred : array-like of shape (n_samples,)
        Cluster labels to score.
    average_method : {"arithmetic", "geometric", "min", "max"}, default="arithmetic"
        The mean of the two entropies in the denominator.

    Returns
    -------
    float
        In [0, 1].
    """
    allowed = ("arithmetic", "geometric", "min", "max")
    if average_method not in allowed:
        raise ParameterError(f"average_method must be one of {', '.join(allowed)}; "
                             f"got {average_method!r}.")
    labels_true, labels_pred = _check_partitions(labels_true, labels_pred)
    return float(normalized_mutual_info_score(labels_true, labels_pred,
                                              average_method=average_method))


def _check_partitions(labels_true, labels_pred):
    labels_true = as_labels(labels_true, "labels_true")
    labels_pred = as_labels(labels_pred, "labels_pred")
    check_same_length(labels_true, labels_pred, "labels_true", "labels_pred")
    if len(labels_true) == 0:
        raise ParameterError("cannot compare empty labelings; pass at least one sample.")
    return labels_true, labels_pred


def _check_n_clusters(labels, n_scored):
    n_clusters = len(np.unique(labels))
    if n_clusters < 2:
        raise ParameterError("the silhouette needs at least 2 clusters; all samples have the "
                             "same label. Check the clustering (e.g. raise n_clusters).")
    if n_clusters > n_scored - 1:
        raise ParameterError(f"the silhouette needs fewer clusters than scored samples minus "
                             f"one; got {n_clusters} clusters for {n_scored} samples. Score "
                             f"more samples (sample_size) or use fewer clusters.")
