"""embedding_report / cluster_report: the right metrics, subsampling, and a meaning for each."""

import json

import numpy as np
import pytest

from latentlearn.metrics import (METRIC_INFO, cluster_report, continuity, embedding_report,
                                 trustworthiness)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(4), 50)
    X = rng.normal(size=(200, 10)) + 3.0 * np.eye(10)[y]
    Z = X[:, :4] + 0.1 * rng.normal(size=(200, 4))
    return X, Z, y


def test_embedding_report_without_and_with_labels(data):
    X, Z, y = data
    plain = embedding_report(X, Z)
    assert set(plain) == {"trustworthiness", "continuity", "metric_n_neighbors", "metric_n_samples"}
    assert plain["trustworthiness"] == trustworthiness(X, Z, n_neighbors=10)
    assert plain["continuity"] == continuity(X, Z, n_neighbors=10)
    assert plain["metric_n_samples"] == 200
    labelled = embedding_report(X, Z, y)
    assert set(labelled) == set(plain) | {"knn_accuracy", "label_silhouette"}
    assert labelled["knn_accuracy"] > 0.9
    json.dumps(labelled)                                    # plain floats, ready for metrics.json
    assert all(isinstance(v, float) for v in labelled.values())


def test_continuous_targets_are_not_classes(data):
    X, Z, _ = data
    position = np.linspace(0, 1, len(X)) + 0.001            # e.g. the roll parameter
    assert "knn_accuracy" not in embedding_report(X, Z, position)
    assert "knn_accuracy" in embedding_report(X, Z, np.repeat([0.0, 1.0], 100))


def test_large_data_is_subsampled_reproducibly(data):
    X, Z, y = data
    a = embedding_report(X, Z, y, max_samples=80, random_state=5)
    assert a["metric_n_samples"] == 80
    assert a == embedding_report(X, Z, y, max_samples=80, random_state=5)
    assert a["trustworthiness"] != embedding_report(X, Z, y, max_samples=80,
                                                     random_state=6)["trustworthiness"]


def test_tiny_data_lowers_n_neighbors(data):
    X, Z, y = data
    report = embedding_report(X[:9], Z[:9], y[:9])
    assert report["metric_n_neighbors"] == 4
    assert embedding_report(X[:2], Z[:2]) == {}


def test_cluster_report(data):
    X, _, y = data
    report = cluster_report(X, y, y)
    assert report["n_clusters"] == 4
    assert report["adjusted_rand"] == 1.0
    assert report["normalized_mutual_info"] == pytest.approx(1.0)
    assert report["silhouette"] > 0
    noise = np.where(np.arange(len(y)) % 10 == 0, -1, y)
    assert cluster_report(X, noise)["n_clusters"] == 4      # -1 is noise, not a cluster
    assert set(cluster_report(X, np.zeros(len(X), dtype=int))) == {"n_clusters"}
    with pytest.raises(ValueError, match="same samples"):
        cluster_report(X, y[:-1])


def test_every_reported_metric_has_a_meaning(data):
    X, Z, y = data
    names = set(embedding_report(X, Z, y)) | set(cluster_report(X, y, y))
    assert names <= set(METRIC_INFO)
    for info in METRIC_INFO.values():
        assert info.description and info.higher_is_better in (True, False, None)
