"""One call per kind of result that returns every metric that applies, for a run's metrics.json.

:func:`embedding_report` scores an embedding, :func:`cluster_report` a clustering. Both return a
flat ``{name: float}`` dict. :data:`METRIC_INFO` says in one line what each name means and which
direction is better; the HTML report shows it next to the value.

Neighbourhood metrics need all pairwise ranks (O(n**2) time; trustworthiness O(n**2) memory), so
above ``max_samples`` points they are computed on a random subset of ``max_samples`` points drawn
with ``random_state``; ``metric_n_samples`` records how many were used. kNN accuracy always uses
every point; the silhouette uses a ``max_samples`` subset the same way.
"""

from __future__ import annotations

import logging
import numbers
from dataclasses import dataclass

import numpy as np
from sklearn.utils import check_random_state

from ..exceptions import DataError
from ._validation import as_labels, as_samples, check_int, check_same_length
from .clustering import adjusted_rand, normalized_mutual_info, silhouette
from .embedding import continuity, knn_accuracy, trustworthiness

logger = logging.getLogger(__name__)

__all__ = ["MetricInfo", "METRIC_INFO", "embedding_report", "cluster_report"]


@dataclass(frozen=True)
class MetricInfo:
    """What a metric name in metrics.json means.

    Attributes
    ----------
    description : str
        One line for a reader.
    higher_is_better : bool or None
        Direction of "better"; None when the number is a count or a setting, not a score.
    """

    description: str
    higher_is_better: bool | None = None


#: Name -> meaning of every metric latentlearn writes. Other modules may add entries.
METRIC_INFO: dict[str, MetricInfo] = {
    "trustworthiness": MetricInfo(
        "Share of neighbours in the embedding that are true neighbours in the data (1 = no "
        "false neighbours).", True),
    "continuity": MetricInfo(
        "Share of neighbours in the data that stay neighbours in the embedding (1 = no torn "
        "neighbourhoods).", True),
    "knn_accuracy": MetricInfo(
        "Leave-one-out accuracy of a k-nearest-neighbour classifier on the embedding, using the "
        "true labels.", True),
    "label_silhouette": MetricInfo(
        "Silhouette of the true classes in the embedding: +1 separate, 0 overlapping.", True),
    "silhouette": MetricInfo(
        "Silhouette of the clusters in the data: +1 tight and well apart, 0 overlapping, -1 "
        "misassigned.", True),
    "adjusted_rand": MetricInfo(
        "Agreement of the clusters with the true labels, corrected for chance (1 identical, "
        "0 chance).", True),
    "normalized_mutual_info": MetricInfo(
        "Information shared by the clusters and the true labels (1 identical, 0 independent).",
        True),
    "n_clusters": MetricInfo("Number of clusters found (label -1, noise, not counted)."),
    "reconstruction_error": MetricInfo(
        "Mean squared error between each sample and its reconstruction, per feature.", False),
    "explained_variance": MetricInfo(
        "Share of the total variance the components explain together.", True),
    "inertia": MetricInfo(
        "Sum of squared distances of the samples to their closest cluster centre.", False),
    "n_iter": MetricInfo("Iterations the fit ran."),
    "stress": MetricInfo("Raw MDS stress: sum over pairs of (distance in the embedding - "
                         "dissimilarity)^2.", False),
    "normalized_stress": MetricInfo("Kruskal's stress-1 (0 perfect, 0.2 poor).", False),
    "reconstruction_err": MetricInfo("The factorisation's own objective at the end of the fit "
                                     "(Frobenius norm or generalised KL of X - WH).", False),
    "kl_divergence": MetricInfo("Final KL(P || Q) between input and embedding affinities "
                                "(t-SNE's objective).", False),
    "r2_train": MetricInfo("Coefficient of determination on the training data.", True),
    "n_components": MetricInfo("Number of components the method kept."),
    "fit_time_s": MetricInfo("Wall-clock time of the fit, in seconds.", False),
    "metric_n_neighbors": MetricInfo(
        "Neighbourhood size k used by trustworthiness, continuity and kNN accuracy."),
    "metric_n_samples": MetricInfo(
        "Samples used for trustworthiness and continuity (a random subset of large data)."),
    "mig": MetricInfo(
        "Mutual information gap (Chen et al. 2018): per factor, the gap in information between "
        "the two code dimensions that know it best, over its entropy (1 = one dimension each).",
        True),
    "sap": MetricInfo(
        "SAP score (Kumar et al. 2018): per factor, the gap in predictive score between the two "
        "code dimensions that predict it best (1 = one dimension each).", True),
    "dci_disentanglement": MetricInfo(
        "DCI disentanglement (Eastwood & Williams 2018): how far each code dimension matters "
        "for one factor only (1 = each for one).", True),
    "dci_completeness": MetricInfo(
        "DCI completeness (Eastwood & Williams 2018): how far each factor is carried by one "
        "code dimension only (1 = each by one).", True),
    "dci_informativeness": MetricInfo(
        "DCI informativeness (Eastwood & Williams 2018): held-out accuracy of trees predicting "
        "the factors from the codes, mean over factors.", True),
    "beta_vae_score": MetricInfo(
        "beta-VAE score (Higgins et al. 2017): accuracy of a linear classifier naming the factor "
        "held fixed from code differences (chance = 1 / n_factors).", True),
    "factor_vae_score": MetricInfo(
        "FactorVAE score (Kim & Mnih 2018): accuracy of a majority vote naming the factor held "
        "fixed from the least-varying code dimension (chance = 1 / n_factors).", True),
    "frechet_distance": MetricInfo(
        "Frechet distance (Heusel et al. 2017) between Gaussians fitted to features of real and "
        "generated samples (0 = same mean and covariance). With the mnist features it is "
        "FID-style, not comparable with Inception-based FID.", False),
    "kernel_distance": MetricInfo(
        "Kernel distance (Binkowski et al. 2018, KID-style): unbiased MMD^2 with the cubic "
        "polynomial kernel between features of real and generated samples (~0 = same "
        "distribution; may be slightly negative).", False),
    "precision": MetricInfo(
        "Precision (Kynkaanniemi et al. 2019): share of generated samples inside the k-NN "
        "manifold of the real ones (sample quality).", True),
    "recall": MetricInfo(
        "Recall (Kynkaanniemi et al. 2019): share of real samples inside the k-NN manifold of "
        "the generated ones (coverage of the data).", True),
    "mmd2": MetricInfo(
        "MMD^2 (Gretton et al. 2012), Gaussian kernel with the median bandwidth, between real "
        "and generated samples (~0 = same distribution).", False),
    "sample_metrics_n_samples": MetricInfo(
        "Generated samples, and as many real ones, the sample-quality metrics compared."),
    "sample_metrics_mnist_features": MetricInfo(
        "1 if the sample-quality metrics compared features of latentlearn's mnist network, 0 "
        "if the raw values."),
    "sample_metrics_held_out": MetricInfo(
        "1 if the real samples were the held-out (validation) part, 0 if the training data."),
    "modes_covered": MetricInfo(
        "Known modes of the data that receive at least 20% of their expected share of "
        "high-quality samples (Metz et al. 2017, Srivastava et al. 2017); fewer than n_modes "
        "shows mode collapse.", True),
    "n_modes": MetricInfo("Number of known modes of the data (e.g. gaussian_ring's Gaussians)."),
    "high_quality_share": MetricInfo(
        "Share of generated samples within 3 standard deviations of a known mode (Srivastava "
        "et al. 2017).", True),
    "mode_n_samples": MetricInfo("Generated samples the mode coverage was measured on."),
}


def embedding_report(X, embedding, y=None, n_neighbors=10, *, max_samples=5000,
                     random_state=0) -> dict:
    """Every embedding metric that applies, as a flat ``{name: float}`` dict.

    Always ``trustworthiness`` and ``continuity`` (with ``metric_n_neighbors`` and
    ``metric_n_samples``, the k and sample count they used); with class labels ``y`` also
    ``knn_accuracy`` (leave-one-out) and ``label_silhouette`` (the silhouette of the true classes
    in the embedding).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The original data.
    embedding : array-like of shape (n_samples, n_components) or (n_samples,)
        Its embedding, same samples in the same order.
    y : array-like of shape (n_samples,), optional
        Class labels. Continuous targets (floats that are not whole numbers, e.g. the position
        along a swiss roll) are not classes and are ignored.
    n_neighbors : int, default=10
        Neighbourhood size. Lowered to ``(n - 1) // 2`` for tiny data sets, where it would
        otherwise be out of range; the value used is returned as ``metric_n_neighbors``.
    max_samples : int, default=5000
        Trustworthiness, continuity and the silhouette use a random subset of this many points
        when there are more.
    random_state : int, RandomState instance or None, default=0
        Draws the subsets.

    Returns
    -------
    dict of str to float
    """
    # X may be large (70,000 images): index the subset first, convert (to float64) only that.
    X = np.asarray(X)
    if X.ndim < 2:
        raise DataError(f"X must have shape (n_samples, n_features); got shape {X.shape}.")
    Z = as_samples(embedding, "embedding", allow_1d=True)
    check_same_length(X, Z, "X", "embedding")
    _check_max_samples(max_samples)
    check_int(n_neighbors, "n_neighbors", 1)
    n = X.shape[0]
    out: dict[str, float] = {}
    k = min(int(n_neighbors), (min(n, max_samples) - 1) // 2)
    if k < 1:
        logger.warning("only %d samples: too few for neighbourhood metrics", n)
        return out
    if k < n_neighbors:
        logger.warning("n_neighbors lowered from %d to %d for %d samples", n_neighbors, k, n)
    idx = _subset(n, max_samples, random_state)
    Xs, Zs = X[idx], Z[idx]
    out["trustworthiness"] = trustworthiness(Xs, Zs, n_neighbors=k)
    out["continuity"] = continuity(Xs, Zs, n_neighbors=k)
    out["metric_n_neighbors"] = float(k)
    out["metric_n_samples"] = float(len(idx))
    if y is not None and _is_categorical(as_labels(y, "y")):
        y = as_labels(y, "y")
        check_same_length(Z, y, "embedding", "y")
        if len(np.unique(y)) >= 2:
            out["knn_accuracy"] = knn_accuracy(Z, y, n_neighbors=k)
            if len(np.unique(y[idx])) >= 2 and len(np.unique(y[idx])) < len(idx):
                out["label_silhouette"] = silhouette(Zs, y[idx])
    return out


def cluster_report(X, labels, y=None, *, max_samples=5000, random_state=0) -> dict:
    """Every clustering metric that applies, as a flat ``{name: float}`` dict.

    ``n_clusters`` always; ``silhouette`` when there are 2 or more clusters; with class labels
    ``y`` also ``adjusted_rand`` and ``normalized_mutual_info``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The data that was clustered.
    labels : array-like of shape (n_samples,)
        Cluster labels (``-1`` is noise: not counted as a cluster, but scored as one group).
    y : array-like of shape (n_samples,), optional
        Class labels; continuous targets are ignored.
    max_samples : int, default=5000
        The silhouette scores a random subset of this many points when there are more.
    random_state : int, RandomState instance or None, default=0
        Draws the subset.

    Returns
    -------
    dict of str to float
    """
    # X may be larger than memory (a memory map): index the subset first, convert only that.
    X = np.asarray(X)
    labels = as_labels(labels, "labels")
    check_same_length(X, labels, "X", "labels")
    _check_max_samples(max_samples)
    n = X.shape[0]
    uniq = np.unique(labels)
    n_noise_free = sum(1 for v in uniq if not (_is_number(v) and v == -1))
    out: dict[str, float] = {"n_clusters": float(n_noise_free)}
    if 2 <= len(uniq) <= n - 1:
        idx = _subset(n, max_samples, random_state)
        if 2 <= len(np.unique(labels[idx])) <= len(idx) - 1:
            out["silhouette"] = silhouette(as_samples(X[idx], "X", allow_1d=True),
                                           labels[idx])
    if y is not None:
        y = as_labels(y, "y")
        check_same_length(labels, y, "labels", "y")
        if _is_categorical(y):
            out["adjusted_rand"] = adjusted_rand(y, labels)
            out["normalized_mutual_info"] = normalized_mutual_info(y, labels)
    return out


def _check_max_samples(max_samples):
    check_int(max_samples, "max_samples", 3)


def _subset(n, max_samples, random_state) -> np.ndarray:
    """All indices, or a sorted random subset of ``max_samples`` of them."""
    if n <= max_samples:
        return np.arange(n)
    rng = check_random_state(random_state)
    return np.sort(rng.choice(n, size=max_samples, replace=False))


def _is_number(v) -> bool:
    return isinstance(v, (numbers.Number, np.number)) and not isinstance(v, (bool, np.bool_))


def _is_categorical(y: np.ndarray) -> bool:
    """Class labels (ints, bools, strings, whole-number floats), not a continuous target."""
    if y.dtype.kind in "biuOSU":
        return True
    if y.dtype.kind == "f":
        finite = np.isfinite(y)
        return bool(finite.all() and np.all(y == np.round(y)))
    return False
