"""metric=, precomputed distances and CSR input of Isomap, Laplacian eigenmaps, MDS and LLE."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.datasets import make_swiss_roll
from sklearn.manifold import Isomap as SkIsomap
from sklearn.metrics import pairwise_distances
from sklearn.neighbors import KNeighborsTransformer, NearestNeighbors, kneighbors_graph

from latentlearn.exceptions import DataError, ParameterError
from latentlearn.manifold import MDS, Isomap, LaplacianEigenmaps, LocallyLinearEmbedding


@pytest.fixture(scope="module")
def roll():
    X, _ = make_swiss_roll(300, random_state=0)
    return X


@pytest.fixture(scope="module")
def sparse_data():
    rng = np.random.RandomState(1)
    X = rng.rand(200, 25)
    X[X < 0.6] = 0.0
    X[:, 0] += 0.1
    return X


def _same_up_to_signs(A, B, atol):
    signs = np.sign(np.sum(A * B, axis=0))
    np.testing.assert_allclose(A, B * signs, atol=atol)


# -- Isomap ------------------------------------------------------------------------------------
def test_isomap_on_a_precomputed_knn_graph_equals_sklearn(roll):
    # scikit-learn's graph: each point and its k nearest (KNeighborsTransformer, as its Isomap
    # documentation builds it); the n_neighbors nearest others of each row are kept, also
    # from a graph with more neighbours than asked
    for k in (8, 12):
        G = KNeighborsTransformer(n_neighbors=k, mode="distance").fit_transform(roll)
        ours = Isomap(2, n_neighbors=8, metric="precomputed").fit_transform(G)
        ref = SkIsomap(n_components=2, n_neighbors=8, metric="precomputed").fit_transform(G)
        _same_up_to_signs(ref, ours, atol=1e-8 * np.abs(ref).max())
    # a graph without the points themselves (kneighbors_graph's default) gives the same
    euclid = Isomap(2, n_neighbors=8).fit_transform(roll)
    G = kneighbors_graph(roll, 8, mode="distance")
    ours = Isomap(2, n_neighbors=8, metric="precomputed").fit_transform(G)
    np.testing.assert_allclose(ours, euclid, atol=1e-8 * np.abs(euclid).max())


def test_isomap_precomputed_and_csr_give_the_euclidean_result(roll, sparse_data):
    a = Isomap(2, n_neighbors=8).fit_transform(roll)
    b = Isomap(2, n_neighbors=8, metric="precomputed").fit_transform(pairwise_distances(roll))
    np.testing.assert_allclose(b, a, atol=1e-8 * np.abs(a).max())
    for metric in ("euclidean", "cosine", "manhattan"):
        dense = Isomap(2, n_neighbors=8, metric=metric).fit_transform(sparse_data)
        csr = Isomap(2, n_neighbors=8, metric=metric).fit_transform(
            sparse.csr_matrix(sparse_data))
        np.testing.assert_allclose(csr, dense, atol=1e-8 * np.abs(dense).max())


def test_isomap_cosine_equals_sklearn(sparse_data):
    ours = Isomap(2, n_neighbors=8, metric="cosine").fit_transform(sparse_data)
    ref = SkIsomap(n_components=2, n_neighbors=8, metric="cosine").fit_transform(sparse_data)
    _same_up_to_signs(ref, ours, atol=1e-8 * np.abs(ref).max())


def test_isomap_bad_precomputed_input(roll):
    D = pairwise_distances(roll)
    D[4, 9] += 1.0
    with pytest.raises(DataError, match=r"not symmetric: row 4 .*one length per edge"):
        Isomap(metric="precomputed").fit(D)
    with pytest.raises(DataError, match=r"has 5 neighbours, but n_neighbors=8 needs at least 8"):
        Isomap(n_neighbors=8, metric="precomputed").fit(kneighbors_graph(roll, 5,
                                                                          mode="distance"))
    with pytest.raises(ParameterError, match=r"unknown metric='manhatan'.*'manhattan'"):
        Isomap(metric="manhatan").fit(roll)


# -- Laplacian eigenmaps -----------------------------------------------------------------------
def test_laplacian_precomputed_and_csr_give_the_euclidean_result(roll, sparse_data):
    kw = dict(n_neighbors=10, eigen_solver="dense")
    a = LaplacianEigenmaps(2, **kw).fit_transform(roll)
    b = LaplacianEigenmaps(2, metric="precomputed", **kw).fit_transform(pairwise_distances(roll))
    np.testing.assert_allclose(b, a, atol=1e-8 * np.abs(a).max())
    c = LaplacianEigenmaps(2, metric="precomputed", **kw).fit_transform(
        kneighbors_graph(roll, 10, mode="distance"))
    np.testing.assert_allclose(c, a, atol=1e-8 * np.abs(a).max())
    for metric in ("euclidean", "cosine"):
        dense = LaplacianEigenmaps(2, metric=metric, **kw).fit_transform(sparse_data)
        csr = LaplacianEigenmaps(2, metric=metric, **kw).fit_transform(
            sparse.csr_matrix(sparse_data))
        np.testing.assert_allclose(csr, dense, atol=1e-8 * np.abs(dense).max())
    with pytest.raises(DataError, match="row 0 has a negative entry"):
        LaplacianEigenmaps(metric="precomputed").fit(-pairwise_distances(roll))


# -- MDS -----------------------------------------------------------------------------------------
def test_mds_metric(sparse_data):
    X = sparse_data[:80]
    for algorithm in ("classical", "smacof"):
        D = pairwise_distances(X, metric="cosine")
        a = MDS(2, algorithm=algorithm, metric="cosine", random_state=0).fit_transform(X)
        b = MDS(2, algorithm=algorithm, metric="precomputed", random_state=0).fit_transform(D)
        c = MDS(2, algorithm=algorithm, dissimilarity="precomputed",
                random_state=0).fit_transform(D)
        np.testing.assert_allclose(a, b, atol=1e-10)
        np.testing.assert_allclose(a, c, atol=1e-10)
        e = MDS(2, algorithm=algorithm, random_state=0).fit_transform(X)
        f = MDS(2, algorithm=algorithm, metric="precomputed",
                random_state=0).fit_transform(pairwise_distances(X))
        np.testing.assert_allclose(e, f, atol=1e-8)
        g = MDS(2, algorithm=algorithm, random_state=0).fit_transform(sparse.csr_matrix(X))
        np.testing.assert_allclose(e, g, atol=1e-8)
    asym = pairwise_distances(X)
    asym[6, 2] += 0.3
    with pytest.raises(DataError, match=r"not symmetric .*first in row 2"):
        MDS(metric="precomputed").fit(asym)
    with pytest.raises(ParameterError, match="would compute them again"):
        MDS(dissimilarity="precomputed", metric="cosine").fit(pairwise_distances(X))


# -- LLE -----------------------------------------------------------------------------------------
def test_lle_metric_is_for_the_neighbour_search_only(roll):
    est = LocallyLinearEmbedding(2, n_neighbors=10, metric="manhattan").fit(roll)
    ref = NearestNeighbors(n_neighbors=10, metric="manhattan").fit(roll).kneighbors(
        return_distance=False)
    assert np.array_equal(est.nbrs_.kneighbors(return_distance=False), ref)
    euclid = LocallyLinearEmbedding(2, n_neighbors=10).fit(roll)
    assert not np.allclose(np.abs(est.embedding_), np.abs(euclid.embedding_))
    with pytest.raises(ParameterError, match="'precomputed' is not possible"):
        LocallyLinearEmbedding(metric="precomputed").fit(pairwise_distances(roll))
