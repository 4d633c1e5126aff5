"""Barnes-Hut approximation of the t-SNE gradient (van der Maaten 2014), 2-D maps.

The repulsive sum ``sum_j w_ij u_ij (y_i - y_j)`` and ``Z = sum_{i != j} w_ij`` (notation of
:mod:`.fft`) are computed by walking a quadtree of the map: a cell whose size seen from
``y_i`` is small, ``cell_width / ||y_i - centre_of_mass|| < angle``, is replaced by its
``count`` points sitting at its centre of mass. ``angle = 0`` is exact (and O(n^2)); 0.5 is the
usual trade-off (scikit-learn's and openTSNE's default). The attractive sum over the sparse
``P`` is the same as in :mod:`.fft`. Cost O(n log n) per iteration.
"""

from __future__ import annotations

import numba
import numpy as np

from .objectives import SparseTObjective

__all__ = ["BarnesHutObjective", "bh_objective", "build_quadtree"]

_MAX_DEPTH = 50


@numba.njit(cache=True, inline="always")
def _add_child(node, q, child, children, width, centre):
    """Make node ``child`` the quadrant ``q`` (bit 0: right, bit 1: top) of ``node``."""
    children[node, q] = child
    width[child] = width[node] / 2.0
    centre[child, 0] = centre[node, 0] + (0.25 if q & 1 else -0.25) * width[node]
    centre[child, 1] = centre[node, 1] + (0.25 if q & 2 else -0.25) * width[node]
    return child


@numba.njit(cache=True)
def build_quadtree(Y):
    """Quadtree of the 2-D points ``Y``; arrays indexed by node.

    Returns ``children (m, 4)`` (-1: none), ``com (m, 2)`` centres of mass, ``count (m,)``,
    ``width (m,)`` (side length), ``point (m,)`` (the point of a one-point leaf, else -1),
    and the number of nodes ``m``. Points closer than 2^-50 of the box share a leaf.
    """
    n = Y.shape[0]
    cap = 4 * n + 16
    children = -np.ones((cap, 4), dtype=np.int64)
    com = np.zeros((cap, 2))
    count = np.zeros(cap, dtype=np.int64)
    width = np.zeros(cap)
    centre = np.zeros((cap, 2))
    point = -np.ones(cap, dtype=np.int64)
    lo0, lo1 = Y[:, 0].min(), Y[:, 1].min()
    hi0, hi1 = Y[:, 0].max(), Y[:, 1].max()
    w = max(hi0 - lo0, hi1 - lo1) * (1.0 + 1e-9) + 1e-12
    centre[0, 0] = (lo0 + hi0) / 2.0
    centre[0, 1] = (lo1 + hi1) / 2.0
    width[0] = w
    m = 1
    for i in range(n):
        x0, x1 = Y[i, 0], Y[i, 1]
        node = 0
        depth = 0
        while True:
            # update this node's centre of mass with point i
            c = count[node]
            com[node, 0] = (com[node, 0] * c + x0) / (c + 1)
            com[node, 1] = (com[node, 1] * c + x1) / (c + 1)
            count[node] = c + 1
            if c == 0:  # empty leaf: i lives here
                point[node] = i
                break
            is_leaf = children[node, 0] == -1 and children[node, 1] == -1 and \
                children[node, 2] == -1 and children[node, 3] == -1
            if is_leaf and depth >= _MAX_DEPTH:
                point[node] = -1  # a multi-point leaf (duplicates)
                break
            if is_leaf:
                # push the resident point one level down
                j = point[node]
                point[node] = -1
                q = (1 if Y[j, 0] > centre[node, 0] else 0) + \
                    (2 if Y[j, 1] > centre[node, 1] else 0)
                child = _add_child(node, q, m, children, width, centre)
                m += 1
                com[child, 0] = Y[j, 0]
                com[child, 1] = Y[j, 1]
                count[child] = 1
                point[child] = j
            q = (1 if x0 > centre[node, 0] else 0) + (2 if x1 > centre[node, 1] else 0)
            if children[node, q] == -1:
                _add_child(node, q, m, children, width, centre)
                m += 1
            node = children[node, q]
            depth += 1
    return children, com, count, width, point, m


def _pack(children, com, count, width, m):
    """One row per node, for cache locality: com0, com1, width^2, count, leaf flag."""
    nodes = np.empty((m, 5))
    nodes[:, 0:2] = com[:m]
    nodes[:, 2] = width[:m] ** 2
    nodes[:, 3] = count[:m]
    nodes[:, 4] = (children[:m] == -1).all(axis=1)
    return nodes


@numba.njit(cache=True, fastmath=True, parallel=True)
def _repulsion(Y, children, nodes, point, angle, dof, n_chunks):
    """Per point: ``sum_j w_ij u_ij (y_i - y_j)`` (n, 2) and ``sum_j w_ij`` (n,).

    The tree is read-only here, so the points are split into chunks walked in parallel,
    each with its own stack.
    """
    n = Y.shape[0]
    forces = np.zeros((n, 2))
    z = np.zeros(n)
    angle2 = angle * angle
    t_kernel = dof == 1.0
    power = (dof + 1.0) / 2.0
    for chunk in numba.prange(n_chunks):
        stack = np.empty(4 * _MAX_DEPTH + 8, dtype=np.int64)
        for i in range(chunk * n // n_chunks, (chunk + 1) * n // n_chunks):
            y0, y1 = Y[i, 0], Y[i, 1]
            stack[0] = 0
            top = 1
            f0 = 0.0
            f1 = 0.0
            zi = 0.0
            while top > 0:
                top -= 1
                node = stack[top]
                if point[node] == i:
                    continue
                d0 = y0 - nodes[node, 0]
                d1 = y1 - nodes[node, 1]
                d2 = d0 * d0 + d1 * d1
                leaf = nodes[node, 4] != 0.0
                if leaf or nodes[node, 2] < angle2 * d2:
                    cnt = nodes[node, 3]
                    if leaf and point[node] == -1 and d2 == 0.0:
                        cnt -= 1.0  # a duplicates leaf that holds i itself
                        if cnt == 0.0:
                            continue
                    u = 1.0 / (1.0 + d2 / dof)
                    w = u if t_kernel else u ** power
                    zi += cnt * w
                    wu = cnt * w * u
                    f0 += wu * d0
                    f1 += wu * d1
                else:
                    for q in range(4):
                        c = children[node, q]
                        if c != -1:
                            stack[top] = c
                            top += 1
            forces[i, 0] = f0
            forces[i, 1] = f1
            z[i] = zi
    return forces, z


class BarnesHutObjective(SparseTObjective):
    """t-SNE with sparse ``P`` and the Barnes-Hut repulsion (van der Maaten 2014); 2-D maps.

    Parameters
    ----------
    P : scipy.sparse.csr_matrix of shape (n_samples, n_samples), summing to one
    dof : float, default=1.0
    angle : float, default=0.5
        Opening angle: a cell is summarised when ``width / distance < angle``.
    p_log_p : float, optional
    """

    def __init__(self, P, *, dof=1.0, angle=0.5, p_log_p=None):
        super().__init__(P, dof=dof, p_log_p=p_log_p)
        self.angle = float(angle)

    def repulsion(self, Y):
        children, com, count, width, point, m = build_quadtree(Y)
        nodes = _pack(children, com, count, width, m)
        n_chunks = min(Y.shape[0], 8 * numba.get_num_threads())
        rep, z = _repulsion(Y, children[:m], nodes, point[:m], self.angle, self.dof, n_chunks)
        return rep, float(z.sum())


def bh_objective(P, Y, *, dof=1.0, angle=0.5, exaggeration=1.0, compute_kl=True,
                 p_log_p=None):
    """KL (Barnes-Hut estimate of Z) and gradient of t-SNE; 2-D ``Y`` only.

    One evaluation of :class:`BarnesHutObjective`.

    Parameters
    ----------
    P : scipy.sparse.csr_matrix of shape (n_samples, n_samples), summing to one
    Y : ndarray of shape (n_samples, 2)
    dof, angle, exaggeration : float
    compute_kl : bool
    p_log_p : float, optional
        ``sum p log p`` if already known.

    Returns
    -------
    kl : float or None
    grad : ndarray of shape (n_samples, 2)
    """
    return BarnesHutObjective(P, dof=dof, angle=angle, p_log_p=p_log_p).value_and_gradient(
        Y, exaggeration, compute_kl)
