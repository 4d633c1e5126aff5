"""trustworthiness / continuity / knn_accuracy with metric= (against scikit-learn)."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.manifold import trustworthiness as sk_trustworthiness
from sklearn.metrics import pairwise_distances
from sklearn.neighbors import KNeighborsClassifier

from latentlearn.exceptions import DataError, ParameterError
from latentlearn.metrics import continuity, knn_accuracy, trustworthiness


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.rand(120, 15)
    X[X < 0.5] = 0.0
    X[:, 0] += 0.1
    Y = X[:, :2] + 0.05 * rng.randn(120, 2)
    y = (X[:, 1] > np.median(X[:, 1])).astype(int) + 2 * (X[:, 0] > 0.5)
    return X, Y, y


@pytest.mark.parametrize("metric", ["cosine", "correlation", "manhattan"])
def test_trustworthiness_matches_sklearn(data, metric):
    X, Y, _ = data
    expected = sk_trustworthiness(X, Y, n_neighbors=7, metric=metric)
    assert trustworthiness(X, Y, 7, metric=metric) == pytest.approx(expected, abs=1e-12)
    D = pairwise_distances(X, metric=metric)
    assert trustworthiness(D, Y, 7, metric="precomputed") == pytest.approx(expected, abs=1e-12)


def test_sparse_and_precomputed_agree(data):
    X, Y, _ = data
    Xs = sparse.csr_matrix(X)
    D = pairwise_distances(X, metric="cosine")
    t = trustworthiness(X, Y, 5, metric="cosine")
    assert trustworthiness(Xs, Y, 5, metric="cosine") == pytest.approx(t, abs=1e-12)
    c = continuity(X, Y, 5, metric="cosine")
    assert continuity(Xs, Y, 5, metric="cosine") == pytest.approx(c, abs=1e-12)
    assert continuity(D, Y, 5, metric="precomputed") == pytest.approx(c, abs=1e-12)


def test_knn_accuracy_metric(data):
    X, Y, y = data
    # 1-NN with random labels: the accuracy depends on every point's exact nearest neighbour
    labels = np.random.RandomState(1).randint(0, 4, len(X))
    D = pairwise_distances(X, metric="manhattan")
    np.fill_diagonal(D, np.inf)
    expected = float(np.mean(labels[np.argmin(D, axis=1)] == labels))
    assert knn_accuracy(X, labels, 1, metric="manhattan") == expected
    loo = knn_accuracy(Y, y, 5, metric="manhattan")
    # leave-one-out by hand with scikit-learn's classifier on the other points
    hits = 0
    for i in range(len(Y)):
        rest = np.arange(len(Y)) != i
        clf = KNeighborsClassifier(5, metric="manhattan").fit(Y[rest], y[rest])
        hits += int(clf.predict(Y[i:i + 1])[0] == y[i])
    assert abs(loo - hits / len(Y)) <= 2 / len(Y)  # ties may be broken differently
    DY = pairwise_distances(Y, metric="manhattan")
    assert knn_accuracy(DY, y, 5, metric="precomputed") == loo
    assert knn_accuracy(DY, y, 5, cv=3, random_state=0, metric="precomputed") == \
        knn_accuracy(Y, y, 5, cv=3, random_state=0, metric="manhattan")


def test_bad_metric_and_precomputed_input(data):
    X, Y, y = data
    with pytest.raises(ParameterError, match=r"unknown metric='cosin'.*'cosine'"):
        trustworthiness(X, Y, 5, metric="cosin")
    D = pairwise_distances(X)
    D[8, 1] = -1.0
    with pytest.raises(DataError, match="row 8 has a negative entry"):
        continuity(D, Y, 5, metric="precomputed")
    with pytest.raises(DataError, match="must be square"):
        knn_accuracy(Y, y, 5, metric="precomputed")
