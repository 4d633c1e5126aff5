"""Cliques against brute force (every subset of nodes) on small random graphs."""

from itertools import combinations

import networkx as nx
import numpy as np
import pytest
from scipy import sparse
from sklearn.neighbors import kneighbors_graph

from latentlearn.cluster import cliques_of_size, maximal_cliques
from latentlearn.cluster.cliques import adjacency_matrix
from latentlearn.exceptions import DataError, ParameterError


def _random_graph(n, p, seed):
    """A symmetric 0/1 matrix with an empty diagonal."""
    upper = np.triu(np.random.RandomState(seed).uniform(size=(n, n)) < p, k=1)
    return (upper | upper.T).astype(int)


def _brute_force(A):
    """All cliques (every subset whose pairs are all joined) and the maximal ones."""
    n = A.shape[0]
    cliques = [c for size in range(1, n + 1) for c in combinations(range(n), size)
               if all(A[i, j] for i, j in combinations(c, 2))]
    as_sets = [set(c) for c in cliques]
    maximal = [c for c, s in zip(cliques, as_sets)
               if not any(s < other for other in as_sets if len(other) == len(s) + 1)]
    return cliques, maximal


GRAPHS = [(9, p, seed) for p in (0.25, 0.5, 0.8) for seed in range(3)]


@pytest.mark.parametrize("n, p, seed", GRAPHS)
def test_against_brute_force(n, p, seed):
    A = _random_graph(n, p, seed)
    cliques, maximal = _brute_force(A)
    expected_maximal = sorted(maximal, key=lambda c: (-len(c), c))
    assert maximal_cliques(A) == expected_maximal
    assert maximal_cliques(A, min_size=3) == [c for c in expected_maximal if len(c) >= 3]
    for size in range(1, 7):
        assert cliques_of_size(A, size) == sorted(c for c in cliques if len(c) == size)


def test_every_input_form_gives_the_same_cliques():
    A = _random_graph(10, 0.5, 7)
    expected = maximal_cliques(A)
    triangles = cliques_of_size(A, 3)
    for form in (A.astype(bool), A * 2.5, sparse.csr_matrix(A), sparse.coo_array(A),
                 nx.from_numpy_array(A)):
        assert maximal_cliques(form) == expected
        assert cliques_of_size(form, 3) == triangles


def test_directed_graphs_are_symmetrised_by_or():
    A = _random_graph(9, 0.6, 3)
    directed = np.triu(A)  # keep each edge in one direction only
    assert maximal_cliques(directed) == maximal_cliques(A)
    assert maximal_cliques(directed.T) == maximal_cliques(A)
    assert maximal_cliques(nx.from_numpy_array(directed, create_using=nx.DiGraph)) == \
        maximal_cliques(A)


def test_neighbour_graph():
    X = np.random.RandomState(0).normal(size=(40, 2))
    knn = kneighbors_graph(X, n_neighbors=3, mode="distance")  # directed, distances as values
    dense = (knn.toarray() > 0).astype(int)
    symmetric = dense | dense.T
    assert maximal_cliques(knn) == maximal_cliques(symmetric)
    assert cliques_of_size(knn, 3) == cliques_of_size(symmetric, 3)
    # include_self puts the sample on the diagonal: a self-loop, not an edge
    with_self = kneighbors_graph(X, n_neighbors=3, include_self=True)
    assert cliques_of_size(with_self, 2) == cliques_of_size(
        kneighbors_graph(X, n_neighbors=2), 2)


def test_stored_zero_is_an_edge_in_a_sparse_graph():
    # a duplicate point is a neighbour at distance 0: kneighbors_graph stores 0.0 for it
    X = np.array([[0.0, 0.0], [0.0, 0.0], [5.0, 5.0], [6.0, 5.0]])
    knn = kneighbors_graph(X, n_neighbors=1, mode="distance")
    assert knn[0, 1] == 0 and knn.nnz == 4
    assert (0, 1) in cliques_of_size(knn, 2)
    knn.eliminate_zeros()  # the documented way to drop stored zeros
    assert (0, 1) not in cliques_of_size(knn, 2)
    # in a dense matrix, 0 is "no edge"
    assert cliques_of_size(np.array([[0, 0], [0, 0]]), 2) == []


def test_networkx_node_labels_are_kept():
    G = nx.Graph([("b", "a"), ("a", "c"), ("b", "c"), ("c", "d")])
    assert list(G.nodes) == ["b", "a", "c", "d"]
    # nodes inside a clique in graph order; cliques by size, then by node position
    assert maximal_cliques(G) == [("b", "a", "c"), ("c", "d")]
    assert cliques_of_size(G, 2) == [("b", "a"), ("b", "c"), ("a", "c"), ("c", "d")]


def test_seed_figure_graph():
    # seed 000, figures 3 and 4: a node can be in several cliques of one size
    G = nx.Graph([(1, 2), (1, 3), (2, 3), (3, 4), (4, 5), (5, 6), (4, 6), (6, 7), (2, 8)])
    pairs, triangles = cliques_of_size(G, 2), cliques_of_size(G, 3)
    assert len(pairs) == G.number_of_edges() == 9
    assert triangles == [(1, 2, 3), (4, 5, 6)]
    in_pairs = {node: sum(node in c for c in pairs) for node in G}
    assert in_pairs[3] == 3 and in_pairs[8] == 1


def test_adjacency_matrix():
    A, nodes = adjacency_matrix(np.array([[1, 1, 0], [0, 0, 0], [0, 3, 0]]))
    assert nodes is None and A.dtype == bool
    np.testing.assert_array_equal(A.toarray(), [[0, 1, 0], [1, 0, 1], [0, 1, 0]])


def test_errors():
    with pytest.raises(DataError, match="square"):
        maximal_cliques(np.ones((3, 4)))
    with pytest.raises(DataError, match="square"):
        cliques_of_size(sparse.csr_matrix(np.ones((2, 3))), 2)
    with pytest.raises(DataError, match="NaN"):
        maximal_cliques(np.array([[0, np.nan], [np.nan, 0]]))
    with pytest.raises(ParameterError, match="size=0"):
        cliques_of_size(np.zeros((3, 3)), 0)
    with pytest.raises(ParameterError, match="min_size"):
        maximal_cliques(np.zeros((3, 3)), min_size=0)
