"""Agglomerative (hierarchical, connectivity-based) clustering: single, complete, average, Ward.

Connectivity-based clustering (Hastie, Tibshirani & Friedman 2009, *The Elements of
Statistical Learning*, section 14.3.12): start with every sample as its own cluster and merge
the two closest clusters, ``n - 1`` times. The merges form a tree (the dendrogram); cutting the
tree at a level gives a flat partition, and different cut heights give different clusterings.

"Closest" is a distance between clusters ``A`` and ``B`` built from the distance ``d`` between
samples (Muellner 2011, "Modern hierarchical, agglomerative clustering algorithms",
arXiv:1109.2378, table 1):

* single:   ``d(A, B) = min_{a in A, b in B} d(a, b)``
* complete: ``d(A, B) = max_{a in A, b in B} d(a, b)``
* average:  ``d(A, B) = sum_{a in A, b in B} d(a, b) / (|A| |B|)``  (UPGMA)
* Ward:     ``d(A, B) = sqrt(2 |A| |B| / (|A| + |B|)) ||mu_A - mu_B||``, i.e. ``sqrt(2 dSSE)``
  where ``dSSE`` is the increase of the within-cluster sum of squares caused by the merge
  (Ward 1963, "Hierarchical grouping to optimize an objective function").

The engine is :func:`scipy.cluster.hierarchy.linkage` on the condensed pairwise distances
(scipy computes single linkage with a minimum spanning tree and the other three with the
nearest-neighbour chain; Muellner 2011). scikit-learn's ``AgglomerativeClustering`` without a
connectivity constraint calls the same SciPy routine for Ward, complete and average linkage, and
runs the same minimum-spanning-tree algorithm (Prim from sample 0, first minimum wins, edges
sorted stably) for single linkage, so the trees and every cut agree with it (tested, tied
heights included, on digits and blobs).

Pairwise distances: Euclidean distances of data that are integers up to a power-of-two scale
(raw pixel values 0..255, the digits' multiples of 1/16) come from one BLAS matrix product per
block of rows, which is exact for such data and so gives pdist's bits (8x faster on raw MNIST);
all other data go through ``scipy.spatial.distance.pdist``.

Memory: the condensed distances take ``8 n (n - 1) / 2`` bytes (0.8 GB at n = 14,000) and
scipy's nearest-neighbour chain works on a copy (twice that for complete, average and Ward).
Above a few tens of thousands of samples, cluster a subsample or use
:class:`~latentlearn.cluster.MiniBatchKMeans`.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from scipy.cluster import hierarchy
from scipy.spatial.distance import pdist, squareform
from sklearn.base import ClusterMixin

from ..base import Interval, LatentEstimator, Options, as_2d_float
from ..exceptions import DataError, ParameterError
from ..registry import register

__all__ = ["AgglomerativeClustering", "linkage_tree", "cut_linkage"]

_LINKAGES = ("ward", "complete", "average", "single")
_METRICS = {"euclidean": "euclidean", "manhattan": "cityblock", "cosine": "cosine"}


# -- the tree ----------------------------------------------------------------------------------


# Rows per block of the Gram-matrix distances: a (block, n) float64 temporary of <= 32 MB.
_GRAM_BLOCK_ENTRIES = 1 << 22


def _dyadic_scale(X, max_exponent=8):
    """The smallest ``2^m`` (``m <= max_exponent``) making every entry of ``X`` an integer, or
    None (images stored as 0..255, or as multiples of 1/16 like the digits, have one)."""
    if not np.all(np.mod(X * 2.0**max_exponent, 1.0) == 0):
        return None
    for m in range(max_exponent + 1):
        if np.all(np.mod(X * 2.0**m, 1.0) == 0):
            return 2.0**m
    return None  # pragma: no cover - the check above guarantees a scale


def _exact_gram_distances(X):
    """Euclidean condensed distances from one matrix product per block, when that is exact.

    For data whose entries are integers after scaling by a power of two (``x * 2^m``), every
    product, partial sum and ``||x||^2 + ||y||^2 - 2 x.y`` is an integer below ``2^53`` (checked
    from the largest norm), so float64 computes the squared distances exactly, in any summation
    order; the square root (and the power-of-two rescaling) is then correctly rounded, exactly as
    ``scipy.spatial.distance.pdist`` rounds it. The result is bit-for-bit pdist's, but comes from
    BLAS (multithreaded, ``O(n^2 d)`` as a matrix product) instead of a scalar loop.

    Returns
    -------
    distances : ndarray of shape (n * (n - 1) / 2,), float64, or None when not exact
    """
    scale = _dyadic_scale(X)
    if scale is None:
        return None
    Xs = np.asarray(X, dtype=np.float64) * scale  # integers, exactly
    norms = np.einsum("ij,ij->i", Xs, Xs)
    if 4.0 * float(norms.max(initial=0.0)) >= 2.0**53:
        return None
    n = Xs.shape[0]
    out = np.empty(n * (n - 1) // 2)
    block = max(1, _GRAM_BLOCK_ENTRIES // max(n, 1))
    offset = 0
    for start in range(0, n - 1, block):
        stop = min(start + block, n - 1)
        d2 = Xs[start:stop] @ Xs[start:].T  # (rows, n - start)
        d2 *= -2.0
        d2 += norms[start:stop, np.newaxis]
        d2 += norms[start:]
        for r in range(stop - start):  # row i = start + r keeps its columns j > i
            row = d2[r, r + 1:]
            out[offset:offset + row.size] = row
            offset += row.size
    np.sqrt(out, out=out)  # exact integers >= 0, so no clipping is needed
    out /= scale
    return out


def _condensed_distances(X, metric):
    """``d(x_i, x_j)`` for ``i < j`` as scipy's condensed vector (float64); assumes valid input.

    ``metric="precomputed"``: ``X`` is the square matrix of distances; its upper triangle is used.
    Euclidean distances of integer-like data come from :func:`_exact_gram_distances` (the same
    bits as pdist, much faster); everything else from ``scipy.spatial.distance.pdist``.
    """
    if metric == "precomputed":
        return squareform(np.asarray(X, dtype=np.float64), checks=False)
    if metric == "euclidean":
        exact = _exact_gram_distances(X)
        if exact is not None:
            return exact
    return pdist(np.asarray(X, dtype=np.float64), _METRICS[metric])


def _linkage_tree(distances, method):
    """scipy's linkage matrix from condensed distances; assumes valid input.

    Parameters
    ----------
    distances : ndarray of shape (n_samples * (n_samples - 1) / 2,), float64
    method : {"ward", "complete", "average", "single"}

    Returns
    -------
    Z : ndarray of shape (n_samples - 1, 4)
        Row ``m`` merges clusters ``Z[m, 0]`` and ``Z[m, 1]`` (ids ``< n`` are samples, id
        ``n + m'`` the cluster made by row ``m'``) at height ``Z[m, 2]`` into a cluster of
        ``Z[m, 3]`` samples. Heights are non-decreasing.
    """
    return hierarchy.linkage(distances, method=method)


def _memory_hint(n_samples, method):
    copies = 1 if method == "single" else 2
    gib = copies * 8.0 * n_samples * (n_samples - 1) / 2 / 2**30
    return (f"{method} linkage on {n_samples} samples needs about {gib:.1f} GiB for the pairwise "
            f"distances; cluster a subsample (memory grows as n^2) or use MiniBatchKMeans.")


def _check_linkage_and_metric(linkage, metric, who):
    if linkage not in _LINKAGES:
        raise ParameterError(f"{who}: linkage={linkage!r} is not allowed; it must be one of "
                             f"{', '.join(map(repr, _LINKAGES))}.")
    allowed = (*_METRICS, "precomputed")
    if metric not in allowed:
        raise ParameterError(f"{who}: metric={metric!r} is not allowed; it must be one of "
                             f"{', '.join(map(repr, allowed))}.")
    if linkage == "ward" and metric != "euclidean":
        raise ParameterError(
            f"{who}: Ward linkage merges by the increase of the within-cluster sum of squares, "
            f"which needs metric='euclidean' (got metric={metric!r}); use linkage='average', "
            "'complete' or 'single' with other metrics.")


def _check_precomputed(D, who):
    """A square, symmetric, non-negative distance matrix with a zero diagonal."""
    if D.shape[0] != D.shape[1]:
        raise DataError(f"{who}: metric='precomputed' needs a square matrix of distances; got "
                        f"shape {D.shape}.")
    scale = float(np.max(np.abs(D))) if D.size else 0.0
    tol = 1e-10 * max(scale, 1.0)
    if np.any(D < 0):
        raise DataError(f"{who}: the precomputed distances have negative entries; pass "
                        "distances (>= 0), not similarities.")
    if np.any(np.abs(np.diagonal(D)) > tol):
        raise DataError(f"{who}: the precomputed distance matrix has a non-zero diagonal; the "
                        "distance of a sample to itself must be 0.")
    if not np.allclose(D, D.T, rtol=1e-10, atol=tol):
        raise DataError(f"{who}: the precomputed distance matrix is not symmetric; pass "
                        "(D + D.T) / 2 if that is what you mean.")


def _check_cosine(X, who):
    zero = np.flatnonzero(~np.any(X != 0, axis=1))
    if zero.size:
        raise DataError(
            f"{who}: the cosine distance is undefined for all-zero rows (rows "
            f"{', '.join(map(str, zero[:5]))}{'...' if zero.size > 5 else ''}); drop them or "
            "use metric='euclidean'.")


def linkage_tree(X, *, linkage="ward", metric="euclidean"):
    """The agglomerative merge tree of ``X``, as a SciPy linkage matrix.

    Starting from singletons, the two clusters closest under ``linkage`` are merged ``n - 1``
    times (see the module docstring for the four cluster distances; Muellner 2011).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features) or (n_samples, n_samples)
        Samples, or with ``metric="precomputed"`` a symmetric matrix of distances.
    linkage : {"ward", "complete", "average", "single"}, default="ward"
    metric : {"euclidean", "manhattan", "cosine", "precomputed"}, default="euclidean"
        Distance between samples; Ward needs ``"euclidean"``.

    Returns
    -------
    Z : ndarray of shape (n_samples - 1, 4)
        SciPy's format: row ``m`` merges clusters ``Z[m, 0]`` and ``Z[m, 1]`` (ids below
        ``n_samples`` are samples, id ``n_samples + m'`` the cluster made by row ``m'``) at
        height ``Z[m, 2]`` into a cluster of ``Z[m, 3]`` samples; heights are non-decreasing.

    Examples
    --------
    >>> import numpy as np
    >>> from latentlearn.cluster import linkage_tree
    >>> linkage_tree(np.array([[0.0], [1.0], [5.0]]), linkage="single")
    array([[0., 1., 1., 2.],
           [2., 3., 4., 3.]])
    """
    _check_linkage_and_metric(linkage, metric, "linkage_tree")
    X = as_2d_float(X)
    if X.shape[0] < 2:
        raise DataError(f"linkage_tree needs at least 2 samples, got n_samples={X.shape[0]}.")
    if metric == "precomputed":
        _check_precomputed(X, "linkage_tree")
    elif metric == "cosine":
        _check_cosine(X, "linkage_tree")
    try:
        return _linkage_tree(_condensed_distances(X, metric), linkage)
    except MemoryError as exc:
        raise MemoryError(_memory_hint(X.shape[0], linkage)) from exc


# -- cutting the tree --------------------------------------------------------------------------


def _relabel_by_first_appearance(raw):
    """Labels 0, 1, 2, ... in the order in which the clusters first appear in the samples."""
    _, first, inverse = np.unique(raw, return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=np.intp)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    return rank[inverse.ravel()]


def _cut(Z, n_merges):
    """Labels after the first ``n_merges`` rows of ``Z`` are merged; assumes valid input.

    The merge index is a monotone criterion on the tree (a parent is made after its children),
    so scipy's ``fcluster(criterion="monocrit")`` at ``n_merges - 1`` keeps exactly the first
    ``n_merges`` merges: ``n - n_merges`` clusters even when heights tie. This is the cut of
    scikit-learn's ``_hc_cut`` (undo the last merges), done in compiled code.
    """
    merge_index = np.arange(Z.shape[0], dtype=np.float64)
    raw = hierarchy.fcluster(Z, n_merges - 1, criterion="monocrit", monocrit=merge_index)
    return _relabel_by_first_appearance(raw)


def _n_merges_below(heights, distance_threshold):
    """Merges performed when clusters at distance ``>= distance_threshold`` are not merged."""
    return int(np.count_nonzero(heights < distance_threshold))


def cut_linkage(Z, *, n_clusters=None, distance_threshold=None):
    """Flat clusters from a linkage matrix: cut by a number of clusters or by a height.

    * ``n_clusters=k``: perform the first ``n - k`` merges (undo the last ``k - 1``); exactly
      ``k`` clusters, even where merge heights tie.
    * ``distance_threshold=t``: perform the merges at heights ``< t``; clusters at distance
      ``>= t`` stay apart (scikit-learn's rule). SciPy's ``fcluster(Z, t, "distance")`` also
      performs merges at height exactly ``t``, so the two differ only when ``t`` is a merge
      height.

    Parameters
    ----------
    Z : array-like of shape (n_samples - 1, 4)
        A SciPy linkage matrix (e.g. from :func:`linkage_tree`).
    n_clusters : int, optional
        In ``[1, n_samples]``. Exactly one of ``n_clusters`` and ``distance_threshold``.
    distance_threshold : float, optional
        ``>= 0``; needs non-decreasing heights (single, complete, average and Ward trees have
        them).

    Returns
    -------
    labels : ndarray of shape (n_samples,)
        Clusters numbered by first appearance: sample 0 is in cluster 0, the first sample not
        in cluster 0 is in cluster 1, and so on.
    """
    Z = np.asarray(Z, dtype=np.float64)
    hierarchy.is_valid_linkage(Z, throw=True, name="Z")
    n_samples = Z.shape[0] + 1
    if (n_clusters is None) == (distance_threshold is None):
        raise ParameterError("cut_linkage: pass exactly one of n_clusters and "
                             "distance_threshold.")
    if n_clusters is not None:
        if isinstance(n_clusters, (bool, np.bool_)) or not isinstance(n_clusters, Integral) \
                or not 1 <= n_clusters <= n_samples:
            raise ParameterError(f"cut_linkage: n_clusters={n_clusters!r} must be an integer in "
                                 f"[1, {n_samples}] (the number of samples).")
        return _cut(Z, n_samples - int(n_clusters))
    if isinstance(distance_threshold, (bool, np.bool_)) \
            or not isinstance(distance_threshold, Real) or not distance_threshold >= 0:
        raise ParameterError(f"cut_linkage: distance_threshold={distance_threshold!r} must be a "
                             "number >= 0.")
    if np.any(np.diff(Z[:, 2]) < 0):
        raise ParameterError("cut_linkage: the merge heights of Z decrease somewhere, so no "
                             "height cuts the tree cleanly; cut by n_clusters instead.")
    return _cut(Z, _n_merges_below(Z[:, 2], distance_threshold))


# -- the estimator -----------------------------------------------------------------------------


@register("agglomerative", family="cluster")
class AgglomerativeClustering(ClusterMixin, LatentEstimator):
    """Agglomerative clustering: merge the closest clusters bottom-up, then cut the tree.

    Builds the merge tree with single, complete, average or Ward linkage (Hastie et
    al. 2009, section 14.3.12; Muellner 2011; Ward 1963) and cuts it into ``n_clusters``
    clusters, or where clusters are at least ``distance_threshold`` apart. Ward's merge cost is
    ``d(A, B) = sqrt(2 |A| |B| / (|A| + |B|)) ||mu_A - mu_B||``.

    Parameters
    ----------
    n_clusters : int or None, default=2
        Number of clusters: the last ``n_clusters - 1`` merges are undone. Must be None when
        ``distance_threshold`` is given.
    metric : {"euclidean", "manhattan", "cosine", "precomputed"}, default="euclidean"
        Distance between samples. ``"precomputed"``: ``X`` in ``fit`` is a symmetric
        ``(n_samples, n_samples)`` distance matrix. Ward needs ``"euclidean"``.
    linkage : {"ward", "complete", "average", "single"}, default="ward"
        Distance between clusters (see the module docstring).
    distance_threshold : float or None, default=None
        Cut height: clusters at a linkage distance ``>= distance_threshold`` are not merged
        (scikit-learn's rule). Needs ``n_clusters=None``.

    Attributes
    ----------
    labels_ : ndarray of shape (n_samples,)
        Cluster of each sample, numbered by first appearance (sample 0 is in cluster 0, the
        first sample outside cluster 0 is in cluster 1, ...).
    n_clusters_ : int
        Number of clusters found (``n_clusters``, or what ``distance_threshold`` gives).
    linkage_matrix_ : ndarray of shape (n_samples - 1, 4)
        The whole merge tree in SciPy's format (see :func:`linkage_tree`); draw it with
        :func:`latentlearn.plots.plot_dendrogram` or cut it again with :func:`cut_linkage`.
    children_ : ndarray of shape (n_samples - 1, 2)
        The two clusters merged at each step (scikit-learn's convention: ids below
        ``n_samples`` are samples, ``n_samples + m`` the cluster made at step ``m``).
    distances_ : ndarray of shape (n_samples - 1,)
        Linkage distance (height) of each merge, non-decreasing.
    n_leaves_ : int
        Number of samples.
    n_features_in_ : int
        Number of columns of ``X`` seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` had string column names.

    Notes
    -----
    The tree is scipy's (as scikit-learn's is): every merge, and so every cut, is the same as
    scikit-learn's ``AgglomerativeClustering`` without a connectivity constraint, up to the
    numbering of the clusters. Memory grows as ``n_samples^2`` (the pairwise distances).

    Examples
    --------
    >>> import numpy as np
    >>> from latentlearn.cluster import AgglomerativeClustering
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0], [0.5, 0.5]])
    >>> AgglomerativeClustering(n_clusters=2).fit_predict(X)
    array([0, 0, 1, 1, 0])
    >>> AgglomerativeClustering(None, linkage="single", distance_threshold=0.8).fit(X).n_clusters_
    3
    """

    _parameter_constraints = {
        "n_clusters": [Interval(Integral, 1, None), None],
        "metric": [Options({*_METRICS, "precomputed"})],
        "linkage": [Options(set(_LINKAGES))],
        "distance_threshold": [Interval(Real, 0, None), None],
    }

    def __init__(self, n_clusters=2, *, metric="euclidean", linkage="ward",
                 distance_threshold=None):
        self.n_clusters = n_clusters
        self.metric = metric
        self.linkage = linkage
        self.distance_threshold = distance_threshold

    def fit(self, X, y=None):
        """Build the merge tree of ``X`` and cut it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, n_samples)
            Samples, or distances with ``metric="precomputed"``.
        y : ignored

        Returns
        -------
        self : AgglomerativeClustering
        """
        self._check_parameters()
        who = type(self).__name__
        if (self.n_clusters is None) == (self.distance_threshold is None):
            raise ParameterError(
                f"{who}: exactly one of n_clusters (now {self.n_clusters!r}) and "
                f"distance_threshold (now {self.distance_threshold!r}) must be set; to cut by "
                "height pass n_clusters=None with distance_threshold.")
        _check_linkage_and_metric(self.linkage, self.metric, who)
        X = self._validate_X(X, reset=True, min_samples=2)
        n_samples = X.shape[0]
        if self.metric == "precomputed":
            _check_precomputed(X, who)
        elif self.metric == "cosine":
            _check_cosine(X, who)
        if self.n_clusters is not None and self.n_clusters > n_samples:
            raise ParameterError(f"{who}: n_clusters={self.n_clusters} is larger than "
                                 f"n_samples={n_samples}; lower n_clusters or pass more samples.")
        try:
            Z = _linkage_tree(_condensed_distances(X, self.metric), self.linkage)
        except MemoryError as exc:
            raise MemoryError(_memory_hint(n_samples, self.linkage)) from exc

        if self.n_clusters is not None:
            n_merges = n_samples - self.n_clusters
        else:
            n_merges = _n_merges_below(Z[:, 2], self.distance_threshold)
        self.labels_ = _cut(Z, n_merges)
        self.n_clusters_ = n_samples - n_merges
        self.linkage_matrix_ = Z
        self.children_ = Z[:, :2].astype(np.intp)
        self.distances_ = Z[:, 2].copy()
        self.n_leaves_ = n_samples
        return self

    def fit_predict(self, X, y=None):
        """Fit and return ``labels_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, n_samples)
        y : ignored

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return self.fit(X).labels_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.pairwise = self.metric == "precomputed"
        return tags
