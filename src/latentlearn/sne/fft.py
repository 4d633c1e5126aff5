"""FFT-accelerated interpolation of the t-SNE gradient (Linderman et al. 2019, FIt-SNE).

The gradient of ``KL(P || Q)`` with the Student t kernel (``alpha`` = ``dof``),

    dC/dy_i = c [ ex sum_j p_ij u_ij (y_i - y_j) - (1 / Z) sum_j w_ij u_ij (y_i - y_j) ],
    u = (1 + d^2 / alpha)^(-1),  w = u^((alpha + 1) / 2),  c = 2 (alpha + 1) / alpha,

splits into an attractive sum over the non-zeros of the sparse ``P`` (O(n k), numba) and a
repulsive all-pairs sum, which needs the potentials ``sum_j K(y_i, y_j) q_j`` for the kernels
``K1 = w`` (charge 1, for ``Z``) and ``K2 = w u`` (charges ``1, y_j``):
``sum_j K2 (y_i - y_j) = y_i sum_j K2 - sum_j K2 y_j``. Those are approximated by Lagrange
interpolation on a regular grid (``n_nodes`` equispaced nodes per box; boxes about one unit
wide, at least ``min_boxes`` per side): charges are spread to the grid nodes, convolved with
the kernel on the grid by FFT (the grid is regular, so the kernel matrix is Toeplitz), and
interpolated back. Cost O(n + B log B) for B grid nodes instead of O(n^2). Parameters follow
openTSNE's defaults (3 nodes per box, at least 50 boxes, 1 unit per box).

Only 2-D embeddings (the FFT grid is 2-D).
"""

from __future__ import annotations

import numba
import numpy as np
from scipy import fft as sp_fft

__all__ = ["fft_objective", "attractive_forces"]


@numba.njit(cache=True)
def _attractive(indptr, indices, data, Y, dof, out, with_log):
    """out_i = sum_j p_ij u_ij (y_i - y_j); returns sum p_ij log w_ij (for the KL)."""
    n, d = Y.shape
    sum_p_log_w = 0.0
    power = (dof + 1.0) / 2.0
    for i in range(n):
        for k in range(d):
            out[i, k] = 0.0
        for e in range(indptr[i], indptr[i + 1]):
            j = indices[e]
            d2 = 0.0
            for k in range(d):
                diff = Y[i, k] - Y[j, k]
                d2 += diff * diff
            u = 1.0 / (1.0 + d2 / dof)
            pu = data[e] * u
            for k in range(d):
                out[i, k] += pu * (Y[i, k] - Y[j, k])
            if with_log:
                sum_p_log_w += data[e] * power * np.log(u)
    return sum_p_log_w


def attractive_forces(P, Y, dof=1.0, with_log=True):
    """``sum_j p_ij u_ij (y_i - y_j)`` for sparse CSR ``P``; also ``sum p_ij log w_ij``.

    Returns
    -------
    forces : ndarray of shape (n_samples, n_components)
    sum_p_log_w : float
    """
    out = np.empty_like(Y)
    s = _attractive(P.indptr, P.indices, P.data, Y, float(dof), out, with_log)
    return out, s


@numba.njit(cache=True)
def _weights(Y, lo, h, n_boxes, n_nodes):
    """Box index and Lagrange weights of each point, per dimension."""
    n, d = Y.shape
    box = np.empty((n, d), dtype=np.int64)
    W = np.empty((n, d, n_nodes))
    nodes = (np.arange(n_nodes) + 0.5) / n_nodes
    for i in range(n):
        for k in range(d):
            s = (Y[i, k] - lo[k]) / h
            b = int(s)
            if b >= n_boxes:
                b = n_boxes - 1
            if b < 0:
                b = 0
            box[i, k] = b
            t = s - b
            for a in range(n_nodes):
                num = 1.0
                den = 1.0
                for m in range(n_nodes):
                    if m != a:
                        num *= t - nodes[m]
                        den *= nodes[a] - nodes[m]
                W[i, k, a] = num / den
    return box, W


@numba.njit(cache=True)
def _spread(box, W, charges, N, n_nodes):
    """Grid charges ``(n_charges, N, N)`` from point charges ``(n, n_charges)``."""
    n = box.shape[0]
    m = charges.shape[1]
    grid = np.zeros((m, N, N))
    for i in range(n):
        bx = box[i, 0] * n_nodes
        by = box[i, 1] * n_nodes
        for a in range(n_nodes):
            for b in range(n_nodes):
                wab = W[i, 0, a] * W[i, 1, b]
                for c in range(m):
                    grid[c, bx + a, by + b] += wab * charges[i, c]
    return grid


@numba.njit(cache=True)
def _gather(box, W, grid, n_nodes):
    """Point potentials ``(n, n_charges)`` interpolated from grid potentials."""
    n = box.shape[0]
    m = grid.shape[0]
    out = np.zeros((n, m))
    for i in range(n):
        bx = box[i, 0] * n_nodes
        by = box[i, 1] * n_nodes
        for a in range(n_nodes):
            for b in range(n_nodes):
                wab = W[i, 0, a] * W[i, 1, b]
                for c in range(m):
                    out[i, c] += wab * grid[c, bx + a, by + b]
    return out


def _kernel_fft(N, spacing, dof, exponent):
    """rFFT of the kernel (1 + r^2 / dof)^(-exponent) on the (2N, 2N) circulant embedding."""
    idx = np.arange(2 * N)
    off = np.where(idx < N, idx, idx - 2 * N) * spacing  # signed offsets; idx == N unused
    r2 = off[:, None] ** 2 + off[None, :] ** 2
    if dof == 1.0 and exponent in (1.0, 2.0):  # t-SNE: skip the slow fractional power
        k = 1.0 / (1.0 + r2)
        return sp_fft.rfft2(k if exponent == 1.0 else k * k)
    return sp_fft.rfft2((1.0 + r2 / dof) ** (-exponent))


def repulsive_potentials(Y, dof=1.0, *, n_nodes=3, min_boxes=50, box_width=1.0):
    """Interpolated ``sum_j K1(y_i, y_j)`` and ``sum_j K2(y_i, y_j) [1, y_j]`` (self included).

    Returns
    -------
    phi1 : ndarray of shape (n_samples,)
    phi2 : ndarray of shape (n_samples, 3)
    """
    lo = Y.min(axis=0)
    span = float((Y.max(axis=0) - lo).max())
    n_boxes = int(max(min_boxes, np.ceil(span / box_width)))
    h = span / n_boxes * (1.0 + 1e-9) if span > 0 else 1.0
    N = n_boxes * n_nodes
    box, W = _weights(Y, lo, h, n_boxes, n_nodes)
    charges = np.column_stack([np.ones(Y.shape[0]), Y])  # (n, 3)
    grid = _spread(box, W, charges, N, n_nodes)  # (3, N, N)
    G = sp_fft.rfft2(grid, s=(2 * N, 2 * N))
    spacing = h / n_nodes
    K1 = _kernel_fft(N, spacing, dof, (dof + 1.0) / 2.0)
    K2 = _kernel_fft(N, spacing, dof, (dof + 3.0) / 2.0)
    pot1 = sp_fft.irfft2(G[:1] * K1, s=(2 * N, 2 * N))[:, :N, :N]
    pot2 = sp_fft.irfft2(G * K2, s=(2 * N, 2 * N))[:, :N, :N]
    phi1 = _gather(box, W, np.ascontiguousarray(pot1), n_nodes)[:, 0]
    phi2 = _gather(box, W, np.ascontiguousarray(pot2), n_nodes)
    return phi1, phi2


def fft_objective(P, Y, *, dof=1.0, exaggeration=1.0, compute_kl=True, p_log_p=None):
    """KL (approximate Z) and gradient of t-SNE by FFT interpolation; 2-D ``Y`` only.

    Parameters
    ----------
    P : scipy.sparse.csr_matrix of shape (n_samples, n_samples), summing to one
    Y : ndarray of shape (n_samples, 2)
    dof, exaggeration : float
    compute_kl : bool
    p_log_p : float, optional
        ``sum p log p`` if already known (it is constant during a fit).

    Returns
    -------
    kl : float or None
    grad : ndarray of shape (n_samples, 2)
    """
    n = Y.shape[0]
    attr, sum_p_log_w = attractive_forces(P, Y, dof, with_log=compute_kl)
    phi1, phi2 = repulsive_potentials(Y, dof)
    Z = float(phi1.sum() - n)  # minus the self-interactions K1(0) = 1
    rep = Y * phi2[:, :1] - phi2[:, 1:]  # the self-terms cancel: y_i K2(0) - K2(0) y_i
    c = 2.0 * (dof + 1.0) / dof
    grad = c * (exaggeration * attr - rep / Z)
    kl = None
    if compute_kl:
        if p_log_p is None:
            p_log_p = float(np.sum(P.data * np.log(P.data)))
        kl = p_log_p - sum_p_log_w + float(P.data.sum()) * np.log(Z)
    return kl, grad
