"""Convex-flow embedding: geodesics that cannot all squeeze through a few wrong edges.

Efros, Isler, Shi & Visontai (2004), "Seeing through water", NIPS 17 (figures 4 and 5 of the paper).
Isomap's all-pairs shortest paths are an *uncapacitated* flow: every pair routes its unit of
flow along its cheapest path, however many other pairs already use an edge, so one erroneous
short edge between far-apart parts of the manifold carries the paths of a large share of all
pairs and the embedding "leaks" through it (figure 5, middle row). Convex flow charges an edge
more per unit the more flow it carries (figure 4, box B: parallel edges of fixed capacity and
increasing cost), so a shortcut saturates and the rest of the flow goes round (bottom row).

Formulation used here
---------------------
Every unordered pair ``{s, t}`` of samples is a commodity that sends one unit of flow from
``s`` to ``t`` over the undirected neighbourhood graph; ``f_e`` is the total flow of all
commodities on edge ``e`` (of length ``l_e``). The flow minimises the convex, separable cost

    Phi(f) = sum_e l_e [ f_e + c / (p + 1) * (f_e / c)^(p + 1) ],

whose per-unit (marginal) cost ``t_e(f_e) = l_e (1 + (f_e / c)^p)`` starts at the edge's length
and rises convexly with its load: the smooth limit of figure 4's box B (many parallel edges of
capacity ``c / K`` and costs ``d_1 < d_2 < ...``); ``p -> inf`` approaches box C, a hard
capacity ``c``. The capacity ``c`` defaults to twice the mean edge load of the uncapacitated
(Isomap) flow, so ordinary edges are barely charged while a shortcut carrying many times that
is. (On the 300-point triangle, run to the gap 1e-3, c = 1, 2, 4 times the mean load with
p = 4 gave Procrustes disparities 0.038/0.022/0.006 without shortcuts and 0.127/0.150/0.244
with them; Isomap: 0.004 and 0.330. Frank-Wolfe stopped after 30 iterations, far from the
optimum (gap 0.09), had given 0.049/0.047/0.157 with shortcuts: that extra robustness
belonged to the unconverged iterate, not to the minimiser of ``Phi``.)

This is a convex multicommodity min-cost flow with n(n-1)/2 commodities (every pair a
commodity). It is solved by gradient projection on path flows (Jayakrishnan, Tsai, Prashker &
Rajadhyaksha 1994; Bertsekas & Gafni 1983), compiled with numba. Each pair keeps the few paths
it uses and their flows. A *sweep* prices the edges at ``t(f)``, grows one shortest-path tree
per sample (Dijkstra), and for every pair adds the tree's path if it is new, then moves flow
from each of its dearer paths to its cheapest by the Newton step ``(c_k - c_min) / sum t'_e``
over the edges the two paths do not share, updating the loads and prices at once (Gauss-Seidel).
It stops when the relative duality gap of the current flow, ``t(f).(f - y) / t(f).f`` with
``y`` every pair on its cheapest path at those prices, falls below ``tol``; that gap bounds
``(Phi(f) - Phi*) / t(f).f``. Step 0 is Isomap's flow. The distance between ``s`` and ``t``
is the *length* (in ``l``) of its flow: ``sum_k x_k l(path_k)``. The distances are embedded by
classical MDS, as in Isomap. (The paper does not spell out how it turns flows into distances;
this length-of-the-flow is the choice made here.)

Why not Frank-Wolfe (LeBlanc et al. 1975, the traffic-assignment classic this module used
first): it moves all pairs at once along the all-or-nothing direction with one step size, and
its gap falls like 1/k. On the 300-point triangle with shortcuts it reached a gap of 0.092 in 30
iterations (0.8 s), 0.042 in 100 and 0.018 in 300 (8 s); conjugate and bi-conjugate
Frank-Wolfe (Mitradjieva & Lindberg 2013) and simplicial decomposition did little better
(0.011 to 0.005 after 200-400 iterations). Gradient projection reaches 1e-3 there in 59 sweeps
(about 2 s) and 1e-4 in 78. On the 64 frames' patches of a water video (eight locations,
``benchmarks/bench_convex_flow.py``) Frank-Wolfe left gaps up to 0.05 after 30 iterations and
0.015 after 300 (0.6 s each); gradient projection reaches 1e-3 at every location in 32 sweeps
on average (at most 42, 31 ms), which is what lets seeing through water embed every location. Near the optimum its convergence
slows (on a 14-point graph with a tight capacity, 1e-5 took about 900 sweeps): loads on lightly
used edges, where ``Phi`` is nearly flat, settle last.

Cost: per sweep ``n`` Dijkstras, ``O(n (E + n log n))``, plus the paths of every pair; memory
``O(n^2)`` (the pairs' path tables, at most 16 paths each). An exact min-cost-flow solver (e.g.
networkx's network simplex on the box-B parallel-edge network) would need one flow problem per
commodity coupled through the capacities -- a linear program with ``n^2 E`` variables, out of
reach beyond toy sizes.
"""

from __future__ import annotations

import logging
import warnings
from numbers import Integral, Real

import numba
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import shortest_path
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.neighbors import NearestNeighbors
from sklearn.utils.validation import check_is_fitted

from .._threads import N_JOBS_CONSTRAINT, limit_threads
from ..base import Interval, LatentEstimator, Options
from ..exceptions import DataError
from ..neighbors.graphs import (
    add_edges,
    check_connected,
    ensure_connected,
    neighborhood_graph,
)
from ..registry import register
from .mds import classical_mds, triangulate

__all__ = ["ConvexFlowEmbedding", "convex_flow_distances", "frank_wolfe_flow"]

logger = logging.getLogger(__name__)


def _edge_table(G):
    """Undirected edge list (i < j) of ``G``, their lengths, and a dense (n, n) edge-id map."""
    upper = sparse.triu(sparse.csr_matrix(G), k=1).tocoo()
    n = G.shape[0]
    edge_id = np.full((n, n), -1, dtype=np.int64)
    ids = np.arange(upper.nnz)
    edge_id[upper.row, upper.col] = ids
    edge_id[upper.col, upper.row] = ids
    return upper.row, upper.col, upper.data.astype(np.float64), edge_id


def _all_or_nothing(cost_graph, lengths, edge_id):
    """Route every pair on its cheapest path under ``cost_graph``.

    Returns
    -------
    loads : ndarray of shape (n_edges,)
        Number of unordered pairs whose path uses each edge.
    path_length : ndarray of shape (n, n)
        Length, in ``lengths``, of each pair's path.
    """
    dist, pred = shortest_path(cost_graph, method="D", directed=True,  # already symmetric
                               return_predecessors=True)
    n = dist.shape[0]
    order = np.argsort(dist, axis=1, kind="stable")  # each row: its tree, root first
    rows = np.arange(n)
    path_length = np.zeros((n, n))
    parents_by_rank = np.empty((n, n), dtype=np.int64)
    for r in range(1, n):  # parents come before their children in distance order
        nodes = order[:, r]
        parents = pred[rows, nodes]
        parents_by_rank[:, r] = parents
        path_length[rows, nodes] = path_length[rows, parents] + lengths[edge_id[parents, nodes]]
    subtree = np.ones((n, n))
    for r in range(n - 1, 0, -1):  # children before parents
        nodes = order[:, r]
        subtree[rows, parents_by_rank[:, r]] += subtree[rows, nodes]  # one entry per row
    used = edge_id[parents_by_rank[:, 1:], order[:, 1:]]  # (n, n - 1) tree edges
    weights = subtree[rows[:, None], order[:, 1:]]
    loads = np.bincount(used.ravel(), weights=weights.ravel(), minlength=len(lengths)) / 2.0
    return loads, path_length


_MAX_PATHS = 16  # paths kept per pair; the optimum uses a few


@numba.njit(cache=True)
def _dijkstra(indptr, indices, edge_of, weights, source, dist, pred_node, pred_edge,
              heap_d, heap_v, done):
    """Shortest-path tree from ``source`` (binary heap, lazy deletion) into the given rows."""
    n = indptr.shape[0] - 1
    for v in range(n):
        dist[v] = np.inf
        pred_node[v] = -1
        pred_edge[v] = -1
        done[v] = False
    dist[source] = 0.0
    size = 1
    heap_d[0] = 0.0
    heap_v[0] = source
    while size > 0:
        d = heap_d[0]
        u = heap_v[0]
        size -= 1
        if size > 0:  # sift the last entry down from the root
            ld = heap_d[size]
            lv = heap_v[size]
            i = 0
            while True:
                c = 2 * i + 1
                if c >= size:
                    break
                if c + 1 < size and heap_d[c + 1] < heap_d[c]:
                    c += 1
                if heap_d[c] >= ld:
                    break
                heap_d[i] = heap_d[c]
                heap_v[i] = heap_v[c]
                i = c
            heap_d[i] = ld
            heap_v[i] = lv
        if done[u]:
            continue
        done[u] = True
        for j in range(indptr[u], indptr[u + 1]):
            v = indices[j]
            e = edge_of[j]
            nd = d + weights[e]
            if nd < dist[v]:
                dist[v] = nd
                pred_node[v] = u
                pred_edge[v] = e
                i = size  # sift up
                size += 1
                while i > 0:
                    p = (i - 1) // 2
                    if heap_d[p] <= nd:
                        break
                    heap_d[i] = heap_d[p]
                    heap_v[i] = heap_v[p]
                    i = p
                heap_d[i] = nd
                heap_v[i] = v


@numba.njit(cache=True)
def _compact(pool, slot_off, slot_len, n_paths, extra):
    """Copy the live paths into a new pool with room for ``extra`` more edges."""
    live = 0
    for q in range(n_paths.shape[0]):
        for k in range(n_paths[q]):
            live += slot_len[q, k]
    new = np.empty(max(2 * (live + extra), pool.shape[0]), dtype=pool.dtype)
    at = 0
    for q in range(n_paths.shape[0]):
        for k in range(n_paths[q]):
            L = slot_len[q, k]
            o = slot_off[q, k]
            new[at:at + L] = pool[o:o + L]
            slot_off[q, k] = at
            at += L
    return new, at


@numba.njit(cache=True)
def _trace_path(s, u, pred_node, pred_edge, buf):
    """Write the edges of the shortest path u -> s (from the predecessors of source s) into
    ``buf``; return their number."""
    L = 0
    v = u
    while v != s:
        buf[L] = pred_edge[s, v]
        L += 1
        v = pred_node[s, v]
    return L


@numba.njit(cache=True)
def _path_cost(pool, o, L, w):
    """Sum of ``w`` over the ``L`` edges stored at ``pool[o:]``."""
    s = 0.0
    for i in range(L):
        s += w[pool[o + i]]
    return s


@numba.njit(cache=True)
def _set_edge(e, f, t, tp, lengths, capacity, power):
    """Per-unit cost ``t_e`` and its slope ``t'_e`` at edge ``e``'s load."""
    if f[e] < 0.0:
        f[e] = 0.0
    r = f[e] / capacity
    t[e] = lengths[e] * (1.0 + r ** power)
    tp[e] = lengths[e] * power * r ** (power - 1.0) / capacity


@numba.njit(cache=True)
def _equilibrate(q, n_paths, slot_off, slot_len, x, pool, f, t, tp, stamp, mark, lengths,
                 capacity, power):
    """Newton shifts of pair q's flow onto its cheapest path; returns the stamp counter."""
    best = 0  # the cheapest path now (prices move as flow shifts)
    best_cost = np.inf
    for k in range(n_paths[q]):
        c = _path_cost(pool, slot_off[q, k], slot_len[q, k], t)
        if c < best_cost:
            best_cost = c
            best = k
    ob = slot_off[q, best]
    Lb = slot_len[q, best]
    for k in range(n_paths[q]):
        if k == best or x[q, k] <= 0.0:
            continue
        mark += 1
        for i in range(Lb):
            stamp[pool[ob + i]] = mark
        ok = slot_off[q, k]
        Lk = slot_len[q, k]
        ck = 0.0
        curv = 0.0
        shared = 0.0
        for i in range(Lk):
            e = pool[ok + i]
            ck += t[e]
            curv += tp[e]
            if stamp[e] == mark:
                shared += tp[e]
        cb = 0.0
        for i in range(Lb):
            e = pool[ob + i]
            cb += t[e]
            curv += tp[e]
        curv -= 2.0 * shared
        if ck <= cb or curv <= 0.0:
            continue
        delta = min(x[q, k], (ck - cb) / curv)
        x[q, k] -= delta
        x[q, best] += delta
        for i in range(Lk):
            e = pool[ok + i]
            f[e] -= delta
            _set_edge(e, f, t, tp, lengths, capacity, power)
        for i in range(Lb):
            e = pool[ob + i]
            f[e] += delta
            _set_edge(e, f, t, tp, lengths, capacity, power)
    k = 0  # drop paths that carry no flow
    while k < n_paths[q]:
        if x[q, k] <= 0.0 and k != best:
            last = n_paths[q] - 1
            slot_off[q, k] = slot_off[q, last]
            slot_len[q, k] = slot_len[q, last]
            x[q, k] = x[q, last]
            if best == last:
                best = k
            n_paths[q] -= 1
        else:
            k += 1
    return mark


@numba.njit(cache=True, nogil=True)  # nogil: patch locations run in threads
def _path_flow(indptr, indices, edge_of, lengths, capacity, power, max_iter, tol):
    """Gradient projection on path flows (module docstring); CSR ``indptr``/``indices`` of the
    graph with ``edge_of`` the undirected edge id of each stored entry.

    Returns ``(D, loads, n_iter, gap)``: the lengths of the pairs' flows, the edge loads, the
    sweeps made and the relative duality gap of the returned flow.
    """
    n = indptr.shape[0] - 1
    E = lengths.shape[0]
    P = _MAX_PATHS
    n_pairs = n * n
    n_paths = np.zeros(n_pairs, dtype=np.int64)
    slot_off = np.zeros((n_pairs, P), dtype=np.int64)
    slot_len = np.zeros((n_pairs, P), dtype=np.int64)
    x = np.zeros((n_pairs, P))
    pool = np.empty(16 * n * n + 16, dtype=np.int64)
    used = 0
    dist = np.empty((n, n))
    pred_node = np.empty((n, n), dtype=np.int64)
    pred_edge = np.empty((n, n), dtype=np.int64)
    heap_d = np.empty(indices.shape[0] + n + 1)
    heap_v = np.empty(indices.shape[0] + n + 1, dtype=np.int64)
    done = np.empty(n, dtype=np.bool_)
    buf = np.empty(n, dtype=np.int64)
    stamp = np.zeros(E, dtype=np.int64)
    mark = 0
    f = np.zeros(E)
    t = lengths.copy()
    tp = np.zeros(E)
    for s in range(n - 1):  # step 0: every pair on its shortest path (Isomap's flow)
        _dijkstra(indptr, indices, edge_of, lengths, s, dist[s], pred_node[s], pred_edge[s],
                  heap_d, heap_v, done)
        for u in range(s + 1, n):
            q = s * n + u
            L = _trace_path(s, u, pred_node, pred_edge, buf)
            if used + L > pool.shape[0]:
                pool, used = _compact(pool, slot_off, slot_len, n_paths, L)
            pool[used:used + L] = buf[:L]
            slot_off[q, 0] = used
            slot_len[q, 0] = L
            used += L
            n_paths[q] = 1
            x[q, 0] = 1.0
    gap = np.inf
    n_iter = 0
    while True:
        f[:] = 0.0  # loads afresh from the path flows (no drift)
        for q in range(n_pairs):
            for k in range(n_paths[q]):
                o = slot_off[q, k]
                for i in range(slot_len[q, k]):
                    f[pool[o + i]] += x[q, k]
        for e in range(E):
            _set_edge(e, f, t, tp, lengths, capacity, power)
        total = 0.0
        for e in range(E):
            total += t[e] * f[e]
        shortest = 0.0
        for s in range(n - 1):  # every pair's cheapest path at these prices
            _dijkstra(indptr, indices, edge_of, t, s, dist[s], pred_node[s], pred_edge[s],
                      heap_d, heap_v, done)
            for u in range(s + 1, n):
                shortest += dist[s, u]
        gap = (total - shortest) / total
        if gap < tol or n_iter >= max_iter:
            break
        n_iter += 1
        for s in range(n - 1):
            for u in range(s + 1, n):
                q = s * n + u
                L = _trace_path(s, u, pred_node, pred_edge, buf)
                known = False
                for k in range(n_paths[q]):
                    if slot_len[q, k] == L:
                        o = slot_off[q, k]
                        same = True
                        for i in range(L):
                            if pool[o + i] != buf[i]:
                                same = False
                                break
                        if same:
                            known = True
                            break
                if not known and n_paths[q] < P:
                    if used + L > pool.shape[0]:
                        pool, used = _compact(pool, slot_off, slot_len, n_paths, L)
                    k = n_paths[q]
                    pool[used:used + L] = buf[:L]
                    slot_off[q, k] = used
                    slot_len[q, k] = L
                    used += L
                    x[q, k] = 0.0
                    n_paths[q] += 1
                if n_paths[q] >= 2:
                    mark = _equilibrate(q, n_paths, slot_off, slot_len, x, pool, f, t, tp, stamp,
                                        mark, lengths, capacity, power)
    D = np.zeros((n, n))
    for s in range(n - 1):
        for u in range(s + 1, n):
            q = s * n + u
            d = 0.0
            for k in range(n_paths[q]):
                d += x[q, k] * _path_cost(pool, slot_off[q, k], slot_len[q, k], lengths)
            D[s, u] = d
            D[u, s] = d
    return D, f, n_iter, gap


def _line_search(f, y, lengths, capacity, power, iters=40):
    """``gamma`` in [0, 1] minimising ``Phi(f + gamma (y - f))`` (bisection on its slope)."""
    delta = y - f

    def slope(g):
        flow = f + g * delta
        return float(np.sum(lengths * (1.0 + (flow / capacity) ** power) * delta))

    if slope(1.0) <= 0:
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        if slope(mid) > 0:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def frank_wolfe_flow(G, *, capacity="auto", power=4.0, max_iter=30, tol=1e-3):
    """The same flow by Frank-Wolfe (LeBlanc et al. 1975), kept as the baseline of
    ``benchmarks/bench_convex_flow.py`` (this module's solver before gradient projection).

    Each iteration prices the edges at ``t(f)``, routes every pair on its cheapest path (the
    all-or-nothing flow ``y``) and moves ``f <- f + gamma (y - f)`` with the exact line-search
    ``gamma``; the pairs' path lengths move alike. Returns ``(D, info)`` as
    :func:`convex_flow_distances`.
    """
    G = sparse.csr_matrix(G, dtype=np.float64)
    check_connected(G)
    n = G.shape[0]
    rows, cols, lengths, edge_id = _edge_table(G)
    both_rows, both_cols = np.concatenate([rows, cols]), np.concatenate([cols, rows])

    def priced(costs):
        return sparse.csr_matrix((np.concatenate([costs, costs]), (both_rows, both_cols)),
                                 shape=(n, n))

    f, D = _all_or_nothing(priced(lengths), lengths, edge_id)
    initial = f.copy()
    c = 2.0 * float(np.mean(f)) if capacity == "auto" else float(capacity)
    gap, n_iter = np.inf, 0
    for n_iter in range(1, max_iter + 1):
        t = lengths * (1.0 + (f / c) ** power)
        y, D_y = _all_or_nothing(priced(t), lengths, edge_id)
        gap = float(np.dot(t, f - y) / np.dot(t, f))
        if gap < tol:
            break
        gamma = _line_search(f, y, lengths, c, power)
        f += gamma * (y - f)
        D += gamma * (D_y - D)
    D = 0.5 * (D + D.T)
    return D, {"n_iter": n_iter, "gap": gap, "capacity": c, "loads": f,
               "initial_loads": initial, "edges": np.column_stack([rows, cols])}


def convex_flow_distances(G, *, capacity="auto", power=4.0, max_iter=300, tol=1e-3):
    """Pairwise distances from a convex multicommodity min-cost flow on a graph.

    See the module docstring for the cost ``Phi(f) = sum_e l_e [f_e + c/(p+1) (f_e/c)^(p+1)]``
    and the path-based solver.

    Parameters
    ----------
    G : sparse matrix of shape (n_nodes, n_nodes)
        Symmetric edge lengths of a connected graph.
    capacity : float or "auto", default="auto"
        ``c``, in pairs per edge; ``"auto"``: twice the mean edge load of the shortest-path
        flow.
    power : float >= 1, default=4.0
        ``p``; larger is closer to a hard capacity.
    max_iter : int, default=300
        Sweeps of the solver (each: one shortest-path tree per sample, then every pair's flow
        moved towards its cheapest path). ``0``: Isomap's shortest-path flow.
    tol : float, default=1e-3
        Stop at this relative duality gap ``t(f).(f - y) / t(f).f`` (``y``: every pair on its
        cheapest path at the prices ``t(f)``); it bounds ``(Phi(f) - Phi*) / t(f).f``.

    Returns
    -------
    D : ndarray of shape (n_nodes, n_nodes)
        Symmetric distances (the lengths of each pair's flow).
    info : dict
        ``"n_iter"`` (sweeps made), ``"gap"`` (of the returned flow), ``"capacity"``,
        ``"loads"`` (final edge loads),
        ``"initial_loads"`` (Isomap's), ``"edges"`` (n_edges, 2).
    """
    G = sparse.csr_matrix(G, dtype=np.float64)
    check_connected(G)
    return _convex_flow_distances(G, capacity=capacity, power=power, max_iter=max_iter, tol=tol)


def _convex_flow_distances(G, *, capacity, power, max_iter, tol):
    n = G.shape[0]
    rows, cols, lengths, edge_id = _edge_table(G)
    if np.any(lengths <= 0):
        raise DataError("convex flow needs positive edge lengths; remove duplicate samples.")
    both_rows, both_cols = np.concatenate([rows, cols]), np.concatenate([cols, rows])

    def priced(costs):
        return sparse.csr_matrix((np.concatenate([costs, costs]), (both_rows, both_cols)),
                                 shape=(n, n))

    initial, D = _all_or_nothing(priced(lengths), lengths, edge_id)  # step 0: Isomap's flow
    c = 2.0 * float(np.mean(initial)) if capacity == "auto" else float(capacity)
    if max_iter == 0:
        t = lengths * (1.0 + (initial / c) ** power)
        y, _ = _all_or_nothing(priced(t), lengths, edge_id)
        f, gap, n_iter = initial.copy(), float(np.dot(t, initial - y) / np.dot(t, initial)), 0
    else:
        ids = np.arange(len(lengths), dtype=np.float64) + 1.0  # +1: an explicit zero is no edge
        table = sparse.csr_matrix((np.concatenate([ids, ids]), (both_rows, both_cols)),
                                  shape=(n, n))
        table.sort_indices()
        D, f, n_iter, gap = _path_flow(table.indptr.astype(np.int64),
                                       table.indices.astype(np.int64),
                                       (table.data - 1.0).astype(np.int64), lengths, c,
                                       float(power), int(max_iter), float(tol))
    logger.debug("convex flow: %d sweeps, relative gap %.3g", n_iter, gap)
    D = 0.5 * (D + D.T)
    info = {"n_iter": int(n_iter), "gap": float(gap), "capacity": c, "loads": f,
            "initial_loads": initial, "edges": np.column_stack([rows, cols])}
    return D, info


@register("convex_flow", family="manifold")
class ConvexFlowEmbedding(ClassNamePrefixFeaturesOutMixin, TransformerMixin, LatentEstimator):
    """Convex-flow embedding (Efros et al. 2004): Isomap with congestion-priced geodesics.

    Builds the kNN graph (plus any ``extra_edges``), replaces Isomap's shortest paths by the
    lengths of a convex multicommodity min-cost flow (:func:`convex_flow_distances`), and
    embeds those distances by classical MDS. :meth:`transform` places new points by
    interpolation through their neighbours: Isomap's out-of-sample extension (Bengio et al.
    2004) with the flow distances in place of shortest paths.

    Parameters
    ----------
    n_components : int, default=2
    n_neighbors : int, default=8
    capacity : float or "auto", default="auto"
        Edge capacity ``c`` (pairs per edge); ``"auto"``: twice the mean load of Isomap's flow.
    power : float >= 1, default=4.0
        Exponent ``p`` of the per-unit cost ``l_e (1 + (f_e / c)^p)``.
    max_iter : int, default=300
        Sweeps of the path-flow solver (see :func:`convex_flow_distances`).
    tol : float, default=1e-3
        Relative duality gap at which to stop.
    extra_edges : array-like of int of shape (n_edges, 2) or None, default=None
        Sample index pairs joined by extra edges (robustness experiments: the triangle's
        shortcuts, ``load("triangle", shortcuts=True).extras["edges"]``).
    extra_edge_length : float or None, default=None
        Their length; ``None``: the median kNN edge length (see
        :func:`latentlearn.neighbors.add_edges`).
    on_disconnected : {"connect", "raise"}, default="connect"
        When the graph has several connected components: ``"raise"`` a
        :class:`~latentlearn.neighbors.DisconnectedGraphError` naming their number and the
        remedy, or ``"connect"``: warn with the same message and join every two components by
        their nearest pair of samples (as scikit-learn's Isomap does).
    n_jobs : int or None, default=None
        Threads of BLAS / OpenMP (through threadpoolctl) and numba in ``fit`` and
        ``transform`` (scikit-learn's meaning): None keeps the library defaults, 1 is one
        thread, -1 all cores.

    Attributes
    ----------
    embedding_ : ndarray of shape (n_samples, n_components)
    dist_matrix_ : ndarray of shape (n_samples, n_samples)
        The flow distances.
    eigenvalues_ : ndarray of shape (n_components,)
    graph_ : scipy.sparse.csr_matrix
    edge_loads_ : ndarray of shape (n_edges,)
        Final flow per edge of ``edges_``; ``initial_edge_loads_`` holds Isomap's.
    edges_ : ndarray of shape (n_edges, 2)
    capacity_ : float
    n_iter_ : int
        Sweeps of the solver.
    gap_ : float
        Relative duality gap of the final flow (below ``tol`` unless ``max_iter`` ran out).
    X_fit_ : ndarray of shape (n_samples, n_features)
        The training samples, among which :meth:`transform` finds a new point's neighbours.
    n_features_in_ : int
    """

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None)],
        "n_neighbors": [Interval(Integral, 1, None)],
        "capacity": [Interval(Real, 0, None, closed="neither"), Options({"auto"})],
        "power": [Interval(Real, 1, None)],
        "max_iter": [Interval(Integral, 0, None)],
        "tol": [Interval(Real, 0, None)],
        "extra_edges": ["array-like", None],
        "extra_edge_length": [Interval(Real, 0, None, closed="neither"), None],
        "on_disconnected": [Options({"connect", "raise"})],
        "n_jobs": N_JOBS_CONSTRAINT,
    }
    # Read by tests/test_estimator_checks.py: scikit-learn asks a transformer with max_iter
    # for n_iter_ >= 1, but 0 sweeps is the truth when Isomap's flow is already within tol.
    _expected_failed_checks = {
        "check_transformer_n_iter": "n_iter_ = 0 when Isomap's flow (step 0) already has a "
                                    "duality gap below tol, as on the check's two tight blobs",
    }

    def __init__(self, n_components=2, *, n_neighbors=8, capacity="auto", power=4.0,
                 max_iter=300, tol=1e-3, extra_edges=None, extra_edge_length=None,
                 on_disconnected="connect", n_jobs=None):
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.capacity = capacity
        self.power = power
        self.max_iter = max_iter
        self.tol = tol
        self.extra_edges = extra_edges
        self.extra_edge_length = extra_edge_length
        self.on_disconnected = on_disconnected
        self.n_jobs = n_jobs

    @limit_threads
    def fit(self, X, y=None):
        """Compute the embedding of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self : ConvexFlowEmbedding
        """
        self._check_parameters()
        X = self._validate_X(X, min_samples=self.n_components + 1)
        n = X.shape[0]
        self.n_neighbors_ = min(self.n_neighbors, n - 1)
        G = neighborhood_graph(X, n_neighbors=self.n_neighbors_, weights="distance")
        if self.extra_edges is not None:
            G = add_edges(G, self.extra_edges, self.extra_edge_length)
        G = ensure_connected(G, X, on_disconnected=self.on_disconnected,
                             n_neighbors=self.n_neighbors_)
        if G.nnz and G.data.min() <= 0:  # duplicate samples: a tiny positive length
            positive = G.data[G.data > 0]
            G.data = np.maximum(G.data, 1e-12 * (positive.max() if positive.size else 1.0))
        D, info = _convex_flow_distances(G, capacity=self.capacity, power=self.power,
                                         max_iter=self.max_iter, tol=self.tol)
        if self.max_iter and info["gap"] >= self.tol:
            warnings.warn(f"convex flow stopped at max_iter={self.max_iter} sweeps with a "
                          f"relative duality gap {info['gap']:.3g} above tol={self.tol}; raise "
                          f"max_iter or tol.", ConvergenceWarning, stacklevel=2)
        Y, values = classical_mds(D, self.n_components, return_eigenvalues=True)
        self.graph_ = G
        self.dist_matrix_ = D
        self.eigenvalues_ = values
        self.embedding_ = Y
        self.edges_ = info["edges"]
        self.edge_loads_ = info["loads"]
        self.initial_edge_loads_ = info["initial_loads"]
        self.capacity_ = info["capacity"]
        self.n_iter_ = info["n_iter"]
        self.gap_ = info["gap"]
        self.X_fit_ = X
        return self

    @limit_threads
    def fit_transform(self, X, y=None):
        """Fit and return ``embedding_``, of shape (n_samples, n_components)."""
        return self.fit(X).embedding_

    @limit_threads
    def transform(self, X):
        """Place new points: flow distances through their neighbours, then triangulation.

        A new point ``x`` reaches training sample ``j`` through one of its ``n_neighbors_``
        nearest training samples ``i``: ``delta(x, j) = min_i ||x - x_i|| + D_flow(i, j)``,
        with ``D_flow`` the fitted flow distances (``dist_matrix_``), and is placed by landmark
        MDS's triangulation against ``embedding_`` (de Silva & Tenenbaum 2004,
        :func:`latentlearn.manifold.mds.triangulate`). This is Isomap's out-of-sample extension
        (Bengio et al. 2004) with congestion-priced distances in place of shortest paths.

        Limits. The flow is not re-solved: a new point's own pairs add no load to any edge,
        and it cannot make a shortcut congested; it inherits the robustness of the fitted
        distances (its routes follow them once inside the graph) but the first hop to its
        neighbours is a straight line, so a new point whose neighbours straddle a shortcut
        can still be placed across it. A query equal to a training sample takes that sample's
        row of ``dist_matrix_`` and is placed exactly at its ``embedding_`` row; other points
        agree with a refit on the joined data up to the refit's own change of the embedding
        and a rotation (Procrustes). Queries are placed independently of each other.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features)

        Returns
        -------
        Y : ndarray of shape (n_queries, n_components)
        """
        check_is_fitted(self, "embedding_")
        X = self._validate_X(X, reset=False)
        D = self.dist_matrix_
        dist, ind = NearestNeighbors().fit(self.X_fit_).kneighbors(
            X, n_neighbors=self.n_neighbors_)
        delta = np.empty((X.shape[0], D.shape[1]))
        for q in range(X.shape[0]):
            if np.array_equal(X[q], self.X_fit_[ind[q, 0]]):   # a training sample
                delta[q] = D[ind[q, 0]]
            else:
                delta[q] = np.min(dist[q][:, None] + D[ind[q]], axis=0)
        mean_squared = np.einsum("ij,ij->i", D, D) / D.shape[0]
        return triangulate(delta, self.embedding_, mean_squared)

    @property
    def _n_features_out(self):
        return self.n_components
