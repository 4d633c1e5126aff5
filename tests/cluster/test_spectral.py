"""Spectral clustering: recovers non-convex clusters, agrees with scikit-learn's."""

import numpy as np
import pytest
from sklearn.cluster import SpectralClustering as SklearnSpectralClustering
from sklearn.datasets import make_blobs, make_moons
from sklearn.metrics import adjusted_rand_score

from latentlearn.cluster.spectral import SpectralClustering


@pytest.mark.parametrize("laplacian", ["symmetric", "random_walk"])
def test_two_moons(laplacian):
    X, y = make_moons(400, noise=0.05, random_state=0)
    labels = SpectralClustering(2, laplacian=laplacian, random_state=0).fit_predict(X)
    assert adjusted_rand_score(y, labels) == 1.0


def test_agrees_with_sklearn_on_blobs():
    X, y = make_blobs(500, centers=4, random_state=1)
    ours = SpectralClustering(4, random_state=0).fit_predict(X)
    with pytest.warns(UserWarning):  # scikit-learn warns about the disconnected graph
        theirs = SklearnSpectralClustering(4, affinity="nearest_neighbors", n_neighbors=10,
                                           random_state=0).fit_predict(X)
    assert adjusted_rand_score(ours, theirs) > 0.95
    assert adjusted_rand_score(y, ours) > 0.9


def test_deterministic_label_order():
    X, _ = make_blobs(200, centers=3, random_state=0)
    a = SpectralClustering(3, random_state=0).fit(X).labels_
    b = SpectralClustering(3, random_state=5).fit(X).labels_
    assert a[0] == 0 and np.array_equal(a, b)
