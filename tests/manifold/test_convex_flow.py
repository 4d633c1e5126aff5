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


def _phi(f, lengths, c, p):
    return float(np.sum(lengths * (f + c / (p + 1) * (f / c) ** (p + 1))))


def test_reaches_its_tolerance_on_the_triangle_with_shortcuts():
    """Frank-Wolfe stopped at max_iter=30 with a relative gap near 0.09 here; the path-based
    solver reaches the tolerance well within its budget."""
    cut = load("triangle", n_samples=150, shortcuts=True)
    flow = ConvexFlowEmbedding(n_neighbors=8, extra_edges=cut.extras["edges"], tol=1e-4,
                               max_iter=300).fit(cut.X)
    assert flow.gap_ < 1e-4 and flow.n_iter_ < 150
    # The gap is a certificate: re-pricing the returned loads gives the same gap.
    lengths = np.asarray(flow.graph_[flow.edges_[:, 0], flow.edges_[:, 1]]).ravel()
    t = lengths * (1 + (flow.edge_loads_ / flow.capacity_) ** 4)
    priced = sparse.coo_matrix((t, (flow.edges_[:, 0], flow.edges_[:, 1])),
                               shape=flow.graph_.shape)
    cheapest = shortest_path(priced.tocsr(), directed=False)
    shortest_total = cheapest[np.triu_indices(len(cut.X), 1)].sum()
    gap = (t @ flow.edge_loads_ - shortest_total) / (t @ flow.edge_loads_)
    assert gap == pytest.approx(flow.gap_, rel=1e-6, abs=1e-9)


def _cvxpy_flow(G, c, p):
    """The multicommodity convex flow written out per commodity and solved by cvxpy."""
    cp = pytest.importorskip("cvxpy")
    upper = sparse.triu(G, k=1).tocoo()
    edges = np.column_stack([upper.row, upper.col])
    lengths = upper.data
    n, m = G.shape[0], len(lengths)
    arcs = np.vstack([edges, edges[:, ::-1]])            # both directions
    incidence = np.zeros((n, 2 * m))
    incidence[arcs[:, 0], np.arange(2 * m)] = -1.0       # leaves the tail
    incidence[arcs[:, 1], np.arange(2 * m)] = 1.0        # enters the head
    pairs = [(s, t) for s in range(n) for t in range(s + 1, n)]
    x = cp.Variable((2 * m, len(pairs)), nonneg=True)
    demand = np.zeros((n, len(pairs)))
    for k, (s, t) in enumerate(pairs):
        demand[s, k], demand[t, k] = -1.0, 1.0
    f = cp.sum(x[:m], axis=1) + cp.sum(x[m:], axis=1)
    cost = cp.sum(cp.multiply(lengths, f + c / (p + 1) * cp.power(f / c, p + 1)))
    problem = cp.Problem(cp.Minimize(cost), [incidence @ x == demand])
    problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10,
                  max_iter=500)
    return edges, lengths, np.asarray(f.value).ravel(), problem.value


def test_matches_cvxpy_on_a_small_graph():
    X = load("triangle", n_samples=14).X
    G = kneighbors_graph(X, 4)
    G = sparse.csr_matrix(G.maximum(G.T))
    edges, lengths, f_ref, phi_ref = _cvxpy_flow(G, c=3.0, p=4.0)
    D, info = convex_flow_distances(G, capacity=3.0, power=4.0, tol=1e-5, max_iter=2000)
    assert info["gap"] < 1e-5
    np.testing.assert_array_equal(info["edges"], edges)
    phi = _phi(info["loads"], lengths, 3.0, 4.0)
    # Phi* to within the gap's bound (Phi - Phi* <= gap * t.f, here about 1e-5 of Phi); the
    # loads where the capacity binds hard (f > 2c) to 1e-4 (measured 2e-6). Lightly loaded
    # edges cost nearly their length whatever they carry (Phi is flat there), so at this gap
    # their loads are known less well (measured 4.5 % of the largest load).
    assert phi == pytest.approx(phi_ref, rel=2e-5)
    congested = f_ref > 2 * 3.0
    assert congested.sum() >= 5
    np.testing.assert_allclose(info["loads"][congested], f_ref[congested],
                               atol=1e-4 * f_ref.max())
    np.testing.assert_allclose(info["loads"], f_ref, atol=0.06 * f_ref.max())
    # Capacity binds: the flow moved off the shortest paths, so its lengths grew.
    assert np.abs(info["loads"] - info["initial_loads"]).max() > 0.5
    assert np.all(D >= shortest_path(G, directed=False) - 1e-9)


def test_warns_when_max_iter_runs_out():
    from sklearn.exceptions import ConvergenceWarning

    cut = load("triangle", n_samples=60, shortcuts=True)
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        flow = ConvexFlowEmbedding(extra_edges=cut.extras["edges"], max_iter=2).fit(cut.X)
    assert flow.n_iter_ == 2 and flow.gap_ > 1e-3


def test_frank_wolfe_and_gradient_projection_agree_within_their_gaps():
    from latentlearn.manifold.convex_flow import frank_wolfe_flow

    X = load("triangle", n_samples=40).X
    G = kneighbors_graph(X, 5)
    _, fw = frank_wolfe_flow(G, max_iter=200, tol=1e-12)
    _, gp = convex_flow_distances(G, tol=1e-5)
    lengths = np.asarray(G.maximum(G.T)[gp["edges"][:, 0], gp["edges"][:, 1]]).ravel()
    c = gp["capacity"]
    assert fw["capacity"] == c and fw["gap"] > 10 * gp["gap"]
    phi_fw, phi_gp = _phi(fw["loads"], lengths, c, 4.0), _phi(gp["loads"], lengths, c, 4.0)
    # Phi(f) - Phi* <= gap * t(f).f for either flow, so each lies within the other's bound.
    t_fw = lengths * (1 + (fw["loads"] / c) ** 4)
    assert phi_gp - 1e-9 <= phi_fw <= phi_gp + fw["gap"] * (t_fw @ fw["loads"])
