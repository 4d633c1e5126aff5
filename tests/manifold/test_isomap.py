"""Isomap against scikit-learn's, landmarks, new points, reconstruction error."""

import numpy as np
import pytest
from scipy.spatial import procrustes
from sklearn.manifold import Isomap as SklearnIsomap

from latentlearn.datasets import load
from latentlearn.manifold.isomap import Isomap
from latentlearn.neighbors import DisconnectedGraphError


@pytest.fixture(scope="module")
def fitted():
    X = load("swiss_roll", n_samples=600).X.astype(np.float64)
    ours = Isomap(n_neighbors=10, n_landmarks=None, random_state=0).fit(X)
    theirs = SklearnIsomap(n_neighbors=10).fit(X)
    return X, ours, theirs


def test_matches_sklearn_isomap(fitted):
    X, ours, theirs = fitted
    assert procrustes(ours.embedding_, theirs.embedding_)[2] < 1e-3
    assert ours.reconstruction_error() == pytest.approx(theirs.reconstruction_error(), rel=1e-6)
    np.testing.assert_allclose(ours.dist_matrix_, theirs.dist_matrix_, rtol=1e-6, atol=1e-8)


def test_transform_new_points(fitted):
    X, ours, theirs = fitted
    new = X[:40] + np.random.default_rng(0).normal(scale=0.05, size=(40, 3))
    assert procrustes(ours.transform(new), theirs.transform(new))[2] < 1e-3
    # A training point is placed where the embedding put it.
    np.testing.assert_allclose(ours.transform(X[:5]), ours.embedding_[:5], atol=1e-6)


def test_landmark_isomap_close_to_exact(fitted):
    X, ours, _ = fitted
    lm = Isomap(n_neighbors=10, n_landmarks=150, random_state=0).fit(X)
    assert lm.dist_matrix_.shape == (600, 150)
    assert procrustes(lm.embedding_, ours.embedding_)[2] < 1e-2
    new = X[:10] + 0.01
    assert procrustes(lm.transform(new), ours.transform(new))[2] < 1e-2


def test_deterministic_and_disconnected():
    X = load("swiss_roll", n_samples=200).X
    a = Isomap(n_neighbors=8, n_landmarks=50, random_state=0).fit_transform(X)
    b = Isomap(n_neighbors=8, n_landmarks=50, random_state=0).fit_transform(X)
    np.testing.assert_array_equal(a, b)
    assert np.all(a[np.argmax(np.abs(a), axis=0), [0, 1]] > 0)
    rng = np.random.default_rng(0)
    X2 = np.vstack([rng.normal(size=(30, 2)), rng.normal(size=(30, 2)) + 50])
    with pytest.raises(DisconnectedGraphError, match="raise n_neighbors"):
        Isomap(n_neighbors=5, on_disconnected="raise").fit(X2)
    with pytest.warns(UserWarning, match="raise n_neighbors"):
        Y = Isomap(n_neighbors=5).fit_transform(X2)
    assert np.all(np.isfinite(Y))
