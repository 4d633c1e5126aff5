"""Convex-flow embedding on the triangle with shortcuts (seed 001, figure 5)."""

import numpy as np
import pytest
from scipy import sparse
from scipy.sparse.csgraph import shortest_path
from scipy.spatial import procrustes

from latentlearn.datasets import load
from latentlearn.manifold.convex_flow import ConvexFlowEmbedding, convex_flow_distances
from latentlearn.manifold.isomap import Isomap
from latentlearn.neighbors import kneighbors_graph


def _disparity(data, Y):
    return procrustes(data.factors, Y)[2]


def test_isomap_leaks_and_convex_flow_holds():
    clean = load("triangle", n_samples=300)
    cut = load("triangle", n_samples=300, shortcuts=True)
    edges = cut.extras["edges"]
    iso_clean = _disparity(clean, Isomap(n_neighbors=8).fit_transform(clean.X))
    iso_cut = _disparity(cut, Isomap(n_neighbors=8, extra_edges=edges).fit_transform(cut.X))
    flow = ConvexFlowEmbedding(n_neighbors=8, extra_edges=edges).fit(cut.X)
    flow_cut = _disparity(cut, flow.embedding_)
    assert iso_cut > 10 * iso_clean  # Isomap leaks through AC and CB
    assert flow_cut < 0.5 * iso_cut  # convex flow holds
    # The shortcuts were the most loaded edges under shortest paths, and are relieved.
    shortcut_rows = [np.flatnonzero((flow.edges_ == np.sort(e)).all(axis=1))[0] for e in edges]
    assert set(shortcut_rows) <= set(np.argsort(flow.initial_edge_loads_)[-4:])
    assert np.all(flow.edge_loads_[shortcut_rows] < 0.5 * flow.initial_edge_loads_[shortcut_rows])


def test_zero_iterations_is_shortest_paths():
    X = load("triangle", n_samples=80).X
    G = kneighbors_graph(X, 6)
    D, info = convex_flow_distances(G, max_iter=0)
    np.testing.assert_allclose(D, shortest_path(G, directed=False), atol=1e-10)
    # Each unordered pair's unit of flow is counted once on each edge of its path: the total
    # load is the sum of the paths' hop counts.
    _, pred = shortest_path(G, directed=False, return_predecessors=True)
    hops = 0
    for s in range(len(X)):
        for t in range(s + 1, len(X)):
            node = t
            while node != s:
                node = pred[s, node]
                hops += 1
    assert info["initial_loads"].sum() == pytest.approx(hops)


def test_flow_distances_are_metric_like():
    X = load("triangle", n_samples=80).X
    D, info = convex_flow_distances(kneighbors_graph(X, 6), max_iter=5)
    assert np.allclose(D, D.T) and np.all(np.diag(D) == 0)
    Dsp = shortest_path(kneighbors_graph(X, 6), directed=False)
    assert np.all(D >= Dsp - 1e-9)  # a flow is never shorter than the shortest path
    assert info["n_iter"] <= 5
