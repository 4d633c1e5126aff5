"""Trustworthiness, continuity and kNN accuracy against scikit-learn and hand-made references."""

import numpy as np
import pytest
from sklearn.manifold import trustworthiness as sk_trustworthiness
from sklearn.metrics import pairwise_distances
from sklearn.model_selection import LeaveOneOut, cross_val_score
from sklearn.neighbors import KNeighborsClassifier

from latentlearn.exceptions import DataError, ParameterError
from latentlearn.metrics import continuity, knn_accuracy, trustworthiness


def _noisy_projection(seed, n, d, e, noise=0.3):
    """Continuous random data (no tied distances) and a noisy e-dimensional projection of it."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    Y = X[:, :e] + noise * rng.normal(size=(n, e))
    return X, Y


def _naive_continuity(X, Y, k, metric="euclidean"):
    """Venna & Kaski's formula, written out with full rank matrices."""
    n = len(X)
    dx = pairwise_distances(X, metric=metric)
    dy = pairwise_distances(Y)
    np.fill_diagonal(dx, np.inf)
    np.fill_diagonal(dy, np.inf)
    rank_y = np.empty((n, n), dtype=int)
    rank_y[np.arange(n)[:, None], np.argsort(dy, axis=1)] = np.arange(1, n + 1)
    neighbours_x = np.argsort(dx, axis=1)[:, :k]
    penalty = sum(max(0, rank_y[i, j] - k) for i in range(n) for j in neighbours_x[i])
    return 1 - 2 * penalty / (n * k * (2 * n - 3 * k - 1))


@pytest.mark.parametrize("seed, n, d, e, k", [
    (0, 40, 5, 2, 3),
    (1, 120, 10, 2, 5),
    (2, 200, 20, 3, 10),
    (3, 101, 3, 1, 7),
    (4, 60, 8, 2, 29),       # the largest k allowed for 60 points
])
def test_continuity_is_trustworthiness_with_spaces_swapped(seed, n, d, e, k):
    X, Y = _noisy_projection(seed, n, d, e)
    expected = sk_trustworthiness(Y, X, n_neighbors=k)
    assert continuity(X, Y, n_neighbors=k) == pytest.approx(expected, abs=1e-10)
    # Blocks of any size give the same sum.
    assert continuity(X, Y, n_neighbors=k, block_size=7) == pytest.approx(expected, abs=1e-10)
    assert continuity(X, Y, n_neighbors=k, block_size=1) == pytest.approx(expected, abs=1e-10)


@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "cosine"])
def test_continuity_matches_the_formula(metric):
    X, Y = _noisy_projection(5, 80, 6, 2, noise=1.0)
    assert continuity(X, Y, n_neighbors=6, metric=metric) == pytest.approx(
        _naive_continuity(X, Y, 6, metric), abs=1e-10)


def test_perfect_embedding_scores_one():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    rotation = np.array([[0.6, -0.8], [0.8, 0.6]])
    for Y in (X, 3.0 * X @ rotation + 5.0):      # isometry up to scale: same neighbours
        assert continuity(X, Y, n_neighbors=10) == pytest.approx(1.0, abs=1e-12)
        assert trustworthiness(X, Y, n_neighbors=10) == pytest.approx(1.0, abs=1e-12)


def test_a_good_embedding_beats_a_random_one():
    X, Y = _noisy_projection(6, 150, 2, 2, noise=0.05)
    shuffled = np.random.default_rng(0).permutation(Y)
    assert continuity(X, Y) > 0.95
    assert continuity(X, shuffled) < 0.7
    assert 0.0 <= continuity(X, shuffled) <= 1.0


def test_trustworthiness_is_sklearns():
    X, Y = _noisy_projection(7, 90, 6, 2)
    assert trustworthiness(X, Y, n_neighbors=5) == sk_trustworthiness(X, Y, n_neighbors=5)
    assert trustworthiness(X, Y, n_neighbors=5, metric="manhattan") == sk_trustworthiness(
        X, Y, n_neighbors=5, metric="manhattan")


def test_images_and_one_dimensional_embeddings_are_accepted():
    rng = np.random.default_rng(8)
    images = rng.random((50, 4, 4))
    line = images.reshape(50, -1) @ rng.normal(size=16)          # shape (50,)
    flat = images.reshape(50, 16)
    assert continuity(images, line) == continuity(flat, line[:, None])
    assert trustworthiness(images, line) == trustworthiness(flat, line[:, None])


@pytest.mark.parametrize("func", [trustworthiness, continuity])
def test_neighbourhood_metrics_explain_bad_input(func):
    X, Y = _noisy_projection(9, 20, 4, 2)
    with pytest.raises(ValueError, match="n_samples / 2") as info:
        func(X, Y, n_neighbors=10)
    assert isinstance(info.value, ParameterError)
    assert "n_neighbors <= 9" in str(info.value)
    with pytest.raises(ValueError, match="same samples"):
        func(X, Y[:-1])
    with pytest.raises(DataError, match="same samples"):
        func(X[:-1], Y)
    with pytest.raises(ValueError, match="integer >= 1"):
        func(X, Y, n_neighbors=0)
    with pytest.raises(ValueError, match="integer >= 1"):
        func(X, Y, n_neighbors=2.5)
    with pytest.raises(ValueError, match="NaN"):
        func(X, np.where(Y > 1, np.nan, Y))


def test_knn_accuracy_on_separated_classes_is_perfect():
    rng = np.random.default_rng(0)
    y = np.repeat(["cat", "dog", "eel"], 30)
    Z = rng.normal(scale=0.1, size=(90, 2)) + np.repeat([[0, 0], [5, 0], [0, 5]], 30, axis=0)
    assert knn_accuracy(Z, y, n_neighbors=5) == 1.0
    assert knn_accuracy(Z, y, n_neighbors=5, cv=3, random_state=0) == 1.0


def test_knn_leave_one_out_matches_sklearn_when_votes_cannot_tie():
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(80, 3))
    y = (Z[:, 0] + rng.normal(scale=0.8, size=80) > 0).astype(int)   # two classes, odd k
    expected = cross_val_score(KNeighborsClassifier(n_neighbors=7), Z, y, cv=LeaveOneOut()).mean()
    assert knn_accuracy(Z, y, n_neighbors=7) == pytest.approx(expected, abs=1e-12)


def test_knn_tie_goes_to_the_class_of_the_nearest_point():
    # Point 0 sees class 1 at distance 1 and class 0 at 1.5: a tie that the nearer point decides
    # (wrongly, here). Point 1 sees two class-0 points. Point 2 sees class 0 first.
    Z = np.array([[0.0], [1.0], [-1.5]])
    y = np.array([0, 1, 0])
    assert knn_accuracy(Z, y, n_neighbors=2) == pytest.approx(1 / 3)


def test_knn_accuracy_is_deterministic_and_checks_input():
    rng = np.random.default_rng(2)
    Z, y = rng.normal(size=(60, 2)), rng.integers(0, 3, 60)
    assert knn_accuracy(Z, y, cv=5, random_state=3) == knn_accuracy(Z, y, cv=5, random_state=3)
    assert 0.0 <= knn_accuracy(Z, y) <= 1.0
    with pytest.raises(ValueError, match="same samples"):
        knn_accuracy(Z, y[:-1])
    with pytest.raises(ValueError, match="cv must be"):
        knn_accuracy(Z, y, cv=1)
    with pytest.raises(ValueError, match="cv must be"):
        knn_accuracy(Z, y, cv="kfold")
    with pytest.raises(ValueError, match="Lower n_neighbors"):
        knn_accuracy(Z[:5], y[:5], n_neighbors=5)
    with pytest.raises(ValueError, match="lower n_neighbors"):
        knn_accuracy(Z[:10], y[:10], n_neighbors=9, cv=5)
