"""metric= of the neighbourhood methods: validation, precomputed input, CSR, vs scikit-learn."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.metrics import pairwise_distances
from sklearn.neighbors import NearestNeighbors
from sklearn.neighbors import kneighbors_graph as sk_kneighbors_graph
from sklearn.neighbors import radius_neighbors_graph as sk_radius_neighbors_graph

from latentlearn.exceptions import DataError, ParameterError
from latentlearn.neighbors import epsilon_graph, kneighbors_graph, neighborhood_graph
from latentlearn.neighbors.distances import (
    KNOWN_METRICS,
    check_metric,
    check_precomputed,
    nearest_neighbors,
)


@pytest.fixture
def X():
    rng = np.random.default_rng(0)
    X = rng.random((90, 12))
    X[X < 0.6] = 0.0  # sparse-looking data, no zero rows
    X[:, 0] += 0.1
    return X


# -- validation --------------------------------------------------------------------------------
def test_unknown_metric_lists_the_known_ones_and_close_matches():
    with pytest.raises(ParameterError, match=r"unknown metric='cosin'.*Did you mean 'cosine'"
                                             r".*braycurtis.*correlation.*manhattan"):
        check_metric("cosin", whom="TSNE")
    with pytest.raises(ParameterError, match="'manhattan'"):
        check_metric("manhatan")
    with pytest.raises(ParameterError, match="not possible here"):
        check_metric("precomputed", allow_precomputed=False)
    for name in ("euclidean", "cosine", "manhattan", "correlation", "chebyshev", "l1"):
        assert check_metric(name) == name
    assert "precomputed" in KNOWN_METRICS

    def f(u, v):
        return float(np.abs(u - v).max())

    assert check_metric(f) is f


def test_precomputed_errors_name_the_first_offending_row(X):
    D = pairwise_distances(X)
    with pytest.raises(DataError, match=r"must be square.*\(90, 12\)"):
        check_precomputed(X, whom="Isomap")
    neg = D.copy()
    neg[7, 3] = -1.0
    with pytest.raises(DataError, match=r"row 7 has a negative entry"):
        check_precomputed(neg, whom="Isomap")
    asym = D.copy()
    asym[5, 9] += 0.5
    with pytest.raises(DataError, match=r"not symmetric: row 5 .*geodesics"):
        check_precomputed(asym, whom="Isomap", symmetric=True, symmetric_reason="geodesics")
    check_precomputed(asym, whom="TSNE")  # t-SNE symmetrises P: no symmetry needed
    G = sparse.csr_matrix(sk_kneighbors_graph(X, 6, mode="distance"))
    G[4, G[4].indices[0]] = -2.0
    with pytest.raises(DataError, match=r"row 4 of the graph has a negative entry"):
        check_precomputed(G, whom="Isomap")
    # too few neighbours for what the method needs: says how many
    G = sk_kneighbors_graph(X, 6, mode="distance").tolil()
    G[11, G.rows[11][0]] = 0  # lil: assigning 0 removes the entry
    G = G.tocsr()
    with pytest.raises(DataError, match=r"row 11 .* has 5 neighbours, but perplexity=2 "
                                        r"needs at least 6 per row \(1 of 90 rows"):
        check_precomputed(G, whom="TSNE", min_neighbors=6, neighbors_reason="perplexity=2")
    with pytest.raises(DataError, match="not a sparse graph"):
        check_precomputed(G, whom="MDS", allow_sparse=False)


# -- neighbour search and graphs against scikit-learn ------------------------------------------
@pytest.mark.parametrize("metric", ["manhattan", "cosine", "correlation", "chebyshev"])
def test_kneighbors_graph_matches_sklearn(X, metric):
    ours = kneighbors_graph(X, 6, symmetrize="none", metric=metric)
    ref = sk_kneighbors_graph(X, 6, mode="distance", metric=metric)
    assert (ours != 0).sum() == ref.nnz
    np.testing.assert_allclose(ours.toarray(), ref.toarray(), atol=1e-12)


@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "cosine"])
def test_csr_graph_equals_its_dense_twin(X, metric):
    dense = kneighbors_graph(X, 6, metric=metric)
    csr = kneighbors_graph(sparse.csr_matrix(X), 6, metric=metric)
    assert np.array_equal(dense.indices, csr.indices) and np.array_equal(dense.indptr,
                                                                         csr.indptr)
    np.testing.assert_allclose(csr.data, dense.data, rtol=1e-12, atol=1e-14)
    eps_dense = epsilon_graph(X, 0.9 * float(np.median(dense.data)), metric=metric)
    eps_csr = epsilon_graph(sparse.csr_matrix(X), 0.9 * float(np.median(dense.data)),
                            metric=metric)
    assert eps_dense.nnz == eps_csr.nnz
    np.testing.assert_allclose(eps_csr.toarray(), eps_dense.toarray(), atol=1e-12)


def test_epsilon_graph_cosine_matches_sklearn(X):
    r = 0.3
    ours = epsilon_graph(X, r, metric="cosine")
    ref = sk_radius_neighbors_graph(X, r, mode="distance", metric="cosine")
    assert np.array_equal(ours.toarray() > 0, ref.toarray() > 0)
    np.testing.assert_allclose(ours.toarray(), ref.toarray(), atol=1e-12)


def test_precomputed_graph_keeps_the_k_nearest_stored(X):
    G = sk_kneighbors_graph(X, 9, mode="distance", metric="cosine")
    ind, dist = nearest_neighbors(G, 5, metric="precomputed")
    ref_dist, ref_ind = NearestNeighbors(n_neighbors=5, metric="cosine").fit(X).kneighbors()
    assert np.array_equal(ind, ref_ind)
    np.testing.assert_allclose(dist, ref_dist, atol=1e-12)
    from_graph = kneighbors_graph(G, 5, metric="precomputed")
    from_data = kneighbors_graph(X, 5, metric="cosine")
    np.testing.assert_allclose(from_graph.toarray(), from_data.toarray(), atol=1e-12)
    with pytest.raises(DataError, match="needs at least 10 per row"):
        kneighbors_graph(G, 10, metric="precomputed")


def test_precomputed_dense_equals_the_metric(X):
    for metric in ("euclidean", "cosine"):
        D = pairwise_distances(X, metric=metric)
        a = neighborhood_graph(D, n_neighbors=6, metric="precomputed", weights="heat")
        b = neighborhood_graph(X, n_neighbors=6, metric=metric, weights="heat")
        np.testing.assert_allclose(a.toarray(), b.toarray(), atol=1e-10)


def test_callable_metric(X):
    def chebyshev(u, v):
        return float(np.abs(u - v).max())

    a = kneighbors_graph(X[:40], 4, metric=chebyshev)
    b = kneighbors_graph(X[:40], 4, metric="chebyshev")
    np.testing.assert_allclose(a.toarray(), b.toarray(), atol=1e-12)


def test_sparse_with_an_unsupported_exact_metric_says_what_to_do(X):
    with pytest.raises(ParameterError, match=r"sparse input knows the metrics .*toarray\(\)"
                                             r".*approximate"):
        kneighbors_graph(sparse.csr_matrix(X), 5, metric="correlation", algorithm="exact")
    with pytest.raises(ParameterError, match="unknown metric"):
        neighborhood_graph(X, metric="eucledian")


# -- approximate neighbours with the same metrics ------------------------------------------------
def test_approximate_search_gets_the_metric_and_csr(X, monkeypatch):
    """pynndescent compiles its numba kernels in every new process (minutes here), so a
    stand-in index answers as NNDescent does, by an exact search in the metric it is given:
    the metric and the CSR matrix must reach it unchanged, for the graphs and for t-SNE."""
    import sys
    import types

    from latentlearn.sne import affinities as aff

    seen = []

    class StandInNNDescent:
        def __init__(self, data, n_neighbors, metric, random_state, **options):
            seen.append((metric, sparse.issparse(data)))
            dist, ind = NearestNeighbors(n_neighbors=n_neighbors, metric=metric).fit(
                data).kneighbors(data)
            self.neighbor_graph = (ind, dist.astype(np.float32))

    monkeypatch.setitem(sys.modules, "pynndescent",
                        types.SimpleNamespace(NNDescent=StandInNNDescent))
    for data in (X, sparse.csr_matrix(X)):
        approx = kneighbors_graph(data, 5, algorithm="approximate", metric="cosine",
                                  random_state=0)
        exact = kneighbors_graph(X, 5, metric="cosine")
        np.testing.assert_allclose(approx.toarray(), exact.toarray(), atol=1e-6)
        P = aff.joint_probabilities_nn(data, 3.0, neighbors="approx", metric="manhattan",
                                       random_state=np.random.RandomState(0))
        P_exact = aff.joint_probabilities_nn(X, 3.0, metric="manhattan")
        assert abs(P - P_exact).max() < 1e-6 * P_exact.max()
    assert seen == [("cosine", False), ("manhattan", False), ("cosine", True),
                    ("manhattan", True)]
    with pytest.raises(ParameterError, match="does not know metric='nan_euclidean'"):
        kneighbors_graph(X, 5, algorithm="approximate", metric="nan_euclidean")
