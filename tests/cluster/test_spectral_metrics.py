"""Spectral clustering with metric=, precomputed distances and CSR input."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score, pairwise_distances
from sklearn.neighbors import kneighbors_graph

from latentlearn.cluster.spectral import SpectralClustering
from latentlearn.exceptions import DataError, ParameterError


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(240, centers=3, n_features=20, random_state=0)
    return np.abs(X), y  # non-negative, as counts would be


def test_precomputed_and_csr_give_the_euclidean_partition(blobs):
    X, y = blobs
    kw = dict(n_neighbors=10, eigen_solver="dense", random_state=0)
    ref = SpectralClustering(3, **kw).fit(X)
    for given in (pairwise_distances(X), kneighbors_graph(X, 10, mode="distance")):
        est = SpectralClustering(3, metric="precomputed", **kw).fit(given)
        assert np.array_equal(est.labels_, ref.labels_)
        np.testing.assert_allclose(est.affinity_matrix_.toarray(), ref.affinity_matrix_.toarray(),
                                   atol=1e-12)
    csr = SpectralClustering(3, **kw).fit(sparse.csr_matrix(X))
    assert np.array_equal(csr.labels_, ref.labels_)
    assert adjusted_rand_score(y, ref.labels_) == 1.0


def test_cosine_metric_builds_the_cosine_graph(blobs):
    X, y = blobs
    est = SpectralClustering(3, n_neighbors=10, metric="cosine", weights="binary",
                             random_state=0).fit(X)
    ref = kneighbors_graph(X, 10, metric="cosine", mode="connectivity")
    ref = ((ref + ref.T) > 0).astype(float)
    assert np.array_equal(est.affinity_matrix_.toarray() > 0, ref.toarray() > 0)
    dense = SpectralClustering(3, n_neighbors=10, metric="cosine", random_state=0).fit(X)
    csr = SpectralClustering(3, n_neighbors=10, metric="cosine",
                             random_state=0).fit(sparse.csr_matrix(X))
    assert np.array_equal(dense.labels_, csr.labels_)


def test_bad_input(blobs):
    X, _ = blobs
    D = pairwise_distances(X)
    D[3, 17] += 2.0
    with pytest.raises(DataError, match=r"not symmetric: row 3 .*symmetric weights"):
        SpectralClustering(3, metric="precomputed").fit(D)
    with pytest.raises(DataError, match="must be square"):
        SpectralClustering(3, metric="precomputed").fit(X)
    with pytest.raises(ParameterError, match=r"unknown metric='cosinus'.*'cosine'"):
        SpectralClustering(3, metric="cosinus").fit(X)
