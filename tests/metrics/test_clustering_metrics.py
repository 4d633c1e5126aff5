"""Silhouette, adjusted Rand and NMI: the scikit-learn values, with clearer errors."""

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, silhouette_score

from latentlearn.exceptions import ParameterError
from latentlearn.metrics import adjusted_rand, normalized_mutual_info, silhouette


@pytest.fixture
def blobs():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], 40)
    X = rng.normal(scale=0.5, size=(120, 2)) + np.array([[0, 0], [4, 0], [0, 4]])[labels]
    return X, labels


def test_silhouette_is_sklearns(blobs):
    X, labels = blobs
    assert silhouette(X, labels) == pytest.approx(silhouette_score(X, labels), abs=1e-12)
    assert silhouette(X, labels, metric="manhattan") == pytest.approx(
        silhouette_score(X, labels, metric="manhattan"), abs=1e-12)
    assert silhouette(X, labels) > 0.6


def test_silhouette_subsample_is_reproducible(blobs):
    X, labels = blobs
    a = silhouette(X, labels, sample_size=50, random_state=1)
    assert a == silhouette(X, labels, sample_size=50, random_state=1)
    assert a == pytest.approx(silhouette_score(X, labels, sample_size=50, random_state=1))
    # A sample as large as the data is the exact score.
    assert silhouette(X, labels, sample_size=500) == pytest.approx(silhouette_score(X, labels))


def test_silhouette_explains_what_cannot_be_scored(blobs):
    X, labels = blobs
    with pytest.raises(ParameterError, match="at least 2 clusters"):
        silhouette(X, np.zeros(len(X), dtype=int))
    with pytest.raises(ValueError, match="fewer clusters"):
        silhouette(X[:5], np.arange(5))
    with pytest.raises(ValueError, match="same samples"):
        silhouette(X, labels[:-1])
    with pytest.raises(ValueError, match="sample_size"):
        silhouette(X, labels, sample_size=1)


def test_partition_scores_are_sklearns_and_ignore_cluster_names(blobs):
    _, labels = blobs
    rng = np.random.default_rng(3)
    noisy = np.where(rng.random(len(labels)) < 0.2, rng.integers(0, 3, len(labels)), labels)
    renamed = np.array(["c", "a", "b"])[labels]
    assert adjusted_rand(labels, renamed) == 1.0
    assert normalized_mutual_info(labels, renamed) == pytest.approx(1.0)
    assert adjusted_rand(labels, noisy) == pytest.approx(adjusted_rand_score(labels, noisy))
    for method in ("arithmetic", "geometric", "min", "max"):
        assert normalized_mutual_info(labels, noisy, average_method=method) == pytest.approx(
            normalized_mutual_info_score(labels, noisy, average_method=method))


def test_partition_scores_check_input(blobs):
    _, labels = blobs
    with pytest.raises(ValueError, match="same samples"):
        adjusted_rand(labels, labels[:-1])
    with pytest.raises(ValueError, match="average_method"):
        normalized_mutual_info(labels, labels, average_method="median")
    with pytest.raises(ValueError, match="1-D"):
        adjusted_rand(labels.reshape(-1, 2), labels.reshape(-1, 2))
