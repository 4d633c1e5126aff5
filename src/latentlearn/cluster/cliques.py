"""Cliques of a graph: graph clustering in its strictest form.

A clique is a set of nodes in which every node shares an edge with every other node (Luce &
Perry 1949; Bron & Kerbosch 1973 for listing the maximal ones); cliques come in different
sizes, and a node can belong to several (e.g. the cliques with 2 and with 3 members of one
graph, each node coloured by every clique it belongs to).

Two questions are answered here, for a graph given as

* an adjacency matrix (dense array or SciPy sparse matrix / array),
* a networkx graph, or
* a neighbour graph: the sparse matrix of ``sklearn.neighbors.kneighbors_graph`` or
  ``radius_neighbors_graph`` (row ``i`` stores the neighbours of sample ``i``):

:func:`maximal_cliques` (cliques not contained in a larger one; Bron & Kerbosch 1973 with
Tomita et al.'s 2006 pivoting, as networkx's ``find_cliques``) and :func:`cliques_of_size`
(every clique of exactly ``k`` nodes, maximal or not; networkx's ``enumerate_all_cliques``,
which lists cliques by increasing size, stopped after size ``k``).

How a graph is read (one rule for all inputs): the graph is simple and undirected. Nodes ``i``
and ``j != i`` are joined when ``i -> j`` or ``j -> i`` is an edge, so a directed graph such as
a k-nearest-neighbour graph is symmetrised by "or" (``i ~ j`` when either is among the other's
neighbours). Self-loops (the diagonal, ``include_self=True``) are ignored. In a dense matrix an
edge is a non-zero entry; in a sparse matrix it is a stored entry whatever its value, because a
neighbour graph in ``mode="distance"`` stores 0 for a duplicate point that is still a neighbour
(call ``graph.eliminate_zeros()`` first if your stored zeros mean "no edge").

Nodes are the integers ``0 .. n - 1`` for a matrix and the graph's own nodes for a networkx
graph. Output order is fixed: the nodes of a clique in graph order (index order; for networkx,
the order of ``graph.nodes``), and the cliques sorted as documented in each function.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from ..exceptions import DataError, ParameterError

__all__ = ["maximal_cliques", "cliques_of_size", "adjacency_matrix"]


def _networkx():
    import networkx

    return networkx


def adjacency_matrix(graph):
    """The graph as a symmetric boolean CSR matrix without self-loops, and its node labels.

    Parameters
    ----------
    graph : array-like of shape (n_nodes, n_nodes), sparse matrix or networkx graph
        See the module docstring for how each is read.

    Returns
    -------
    adjacency : scipy.sparse.csr_array of shape (n_nodes, n_nodes), bool
        ``adjacency[i, j]`` is True when ``i`` and ``j`` are joined; symmetric, empty diagonal.
    nodes : list or None
        The networkx graph's nodes in graph order (row ``i`` is ``nodes[i]``); None for a
        matrix, whose nodes are its row indices.
    """
    nx = _networkx()
    nodes = None
    if isinstance(graph, nx.Graph):
        nodes = list(graph.nodes)
        index = {node: i for i, node in enumerate(nodes)}
        edges = np.array([(index[u], index[v]) for u, v in graph.edges()], dtype=np.intp)
        edges = edges.reshape(-1, 2)
        n, rows, cols = len(nodes), edges[:, 0], edges[:, 1]
    elif sparse.issparse(graph):
        if graph.ndim != 2 or graph.shape[0] != graph.shape[1]:
            raise DataError(f"a graph's adjacency matrix must be square, (n_nodes, n_nodes); got "
                            f"shape {graph.shape}.")
        coo = sparse.coo_array(graph)  # every stored entry is an edge (see the module notes)
        n, rows, cols = graph.shape[0], coo.row, coo.col
    else:
        try:
            M = np.asarray(graph)
        except Exception as exc:  # ragged lists and the like
            raise DataError("graph must be an adjacency matrix (array or sparse), a networkx "
                            "graph or a neighbour graph (sparse).") from exc
        if M.ndim != 2 or M.shape[0] != M.shape[1]:
            raise DataError(f"a graph's adjacency matrix must be square, (n_nodes, n_nodes); got "
                            f"shape {M.shape}.")
        if M.dtype.kind not in "biuf":
            raise DataError(f"the adjacency matrix must be numeric or boolean; got dtype "
                            f"{M.dtype}.")
        if M.dtype.kind == "f" and np.isnan(M).any():
            raise DataError("the adjacency matrix has NaN entries; use 0 for 'no edge'.")
        n = M.shape[0]
        rows, cols = np.nonzero(M)
    off_diagonal = rows != cols  # self-loops are not edges of a simple graph
    rows, cols = rows[off_diagonal], cols[off_diagonal]
    # "or" symmetrisation: i ~ j when i -> j or j -> i; duplicates are summed into one True
    A = sparse.coo_array((np.ones(2 * rows.size, dtype=bool),
                          (np.concatenate([rows, cols]), np.concatenate([cols, rows]))),
                         shape=(n, n)).tocsr()
    A.sum_duplicates()
    A.sort_indices()
    return A, nodes


def _as_networkx(A):
    """An undirected networkx graph on nodes 0..n-1 with the edges ``i < j`` of ``A``."""
    nx = _networkx()
    upper = sparse.triu(A, k=1, format="coo")
    G = nx.Graph()
    G.add_nodes_from(range(A.shape[0]))
    G.add_edges_from(zip(upper.row.tolist(), upper.col.tolist()))
    return G


def _labelled(cliques, nodes):
    if nodes is None:
        return [tuple(int(i) for i in c) for c in cliques]
    return [tuple(nodes[i] for i in c) for c in cliques]


def maximal_cliques(graph, *, min_size=1):
    """Every maximal clique of a graph (a clique that no other node can join).

    Bron-Kerbosch with pivoting (Bron & Kerbosch 1973; Tomita, Tanaka & Takahashi 2006),
    through networkx's ``find_cliques``. The number of maximal cliques can grow exponentially
    with the number of nodes in dense graphs; sparse neighbour graphs have few.

    Parameters
    ----------
    graph : array-like of shape (n_nodes, n_nodes), sparse matrix or networkx graph
        Adjacency matrix, neighbour graph (symmetrised by "or") or networkx graph; see the
        module docstring.
    min_size : int, default=1
        Leave out maximal cliques with fewer nodes (``min_size=2`` drops isolated nodes).

    Returns
    -------
    cliques : list of tuple
        Each clique's nodes in graph order; the cliques by decreasing size, then
        lexicographically by node position.

    Examples
    --------
    >>> import numpy as np
    >>> from latentlearn.cluster import maximal_cliques
    >>> A = np.array([[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 1], [0, 0, 1, 0]])
    >>> maximal_cliques(A)
    [(0, 1, 2), (2, 3)]
    """
    if isinstance(min_size, (bool, np.bool_)) or not isinstance(min_size, (int, np.integer)) \
            or min_size < 1:
        raise ParameterError(f"maximal_cliques: min_size={min_size!r} must be an integer >= 1.")
    A, nodes = adjacency_matrix(graph)
    found = [sorted(c) for c in _networkx().find_cliques(_as_networkx(A))
             if len(c) >= min_size]
    found.sort(key=lambda c: (-len(c), c))
    return _labelled(found, nodes)


def cliques_of_size(graph, size):
    """Every clique of exactly ``size`` nodes, maximal or not.

    Size 1 gives every node, size 2 every edge, size 3 every triangle, ... A node can be in
    many. Listed by networkx's ``enumerate_all_cliques`` (cliques by
    increasing size), stopped once the cliques grow past ``size``.

    Parameters
    ----------
    graph : array-like of shape (n_nodes, n_nodes), sparse matrix or networkx graph
        Adjacency matrix, neighbour graph (symmetrised by "or") or networkx graph; see the
        module docstring.
    size : int
        Number of nodes per clique, ``>= 1``.

    Returns
    -------
    cliques : list of tuple
        Each clique's nodes in graph order; the cliques sorted lexicographically by node
        position.

    Examples
    --------
    >>> import numpy as np
    >>> from latentlearn.cluster import cliques_of_size
    >>> A = np.array([[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 1], [0, 0, 1, 0]])
    >>> cliques_of_size(A, 2)
    [(0, 1), (0, 2), (1, 2), (2, 3)]
    >>> cliques_of_size(A, 3)
    [(0, 1, 2)]
    """
    if isinstance(size, (bool, np.bool_)) or not isinstance(size, (int, np.integer)) \
            or size < 1:
        raise ParameterError(f"cliques_of_size: size={size!r} must be an integer >= 1 (2 gives "
                             "the edges, 3 the triangles).")
    size = int(size)
    A, nodes = adjacency_matrix(graph)
    if size == 1:
        found = [[i] for i in range(A.shape[0])]
    elif size == 2:
        upper = sparse.triu(A, k=1, format="coo")
        found = sorted([int(i), int(j)] for i, j in zip(upper.row, upper.col))
    else:
        found = []
        for clique in _networkx().enumerate_all_cliques(_as_networkx(A)):
            if len(clique) > size:  # cliques come by non-decreasing size: none of size k left
                break
            if len(clique) == size:
                found.append(sorted(clique))
        found.sort()
    return _labelled(found, nodes)
