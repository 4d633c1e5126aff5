"""Objectives of SNE and t-SNE: the KL divergence ``KL(P || Q)`` and its gradient in ``Y``.

Output similarities (seeds 000 and 001; van der Maaten & Hinton 2008; van der Maaten 2009 for
the degrees of freedom):

``"conditional"`` (SNE)
    ``q_{j|i} = exp(-||y_i - y_j||^2) / sum_{k != i} exp(-||y_i - y_k||^2)``,
    ``C = sum_i KL(P_i || Q_i)``, ``dC/dy_i = 2 sum_j (p_{j|i} - q_{j|i} + p_{i|j} - q_{i|j})
    (y_i - y_j)``.
``"gaussian"`` (symmetric SNE)
    ``q_ij = exp(-||y_i - y_j||^2) / sum_{k != l} exp(-||y_k - y_l||^2)``,
    ``dC/dy_i = 4 sum_j (p_ij - q_ij) (y_i - y_j)``.
``"t"`` (t-SNE with ``dof`` = alpha degrees of freedom, seed 001's Student ``t(u, n)``)
    ``w_ij = (1 + ||y_i - y_j||^2 / alpha)^(-(alpha + 1) / 2)``,
    ``q_ij = w_ij / sum_{k != l} w_kl``,
    ``dC/dy_i = (2 (alpha + 1) / alpha) sum_j (p_ij - q_ij) (1 + ||y_i - y_j||^2 / alpha)^(-1)
    (y_i - y_j)``. ``alpha = 1`` is t-SNE (gradient ``4 sum (p - q) w (y_i - y_j)``); as
    ``alpha -> inf`` the kernel tends to ``exp(-d^2 / 2)``, symmetric SNE on a map scaled by
    sqrt 2.

Every objective returns ``(kl, gradient)``. ``exaggeration`` multiplies ``P`` inside the
gradient only (early exaggeration); the ``kl`` returned is always that of the true ``P``, so
exaggeration never mutates ``P``.

The exact objective is written once for numpy arrays and torch tensors (the GPU path of
``device="auto"``): it costs O(n^2) time and memory. The t kernel on numpy arrays, the case
``TSNE(method="exact")`` runs on a CPU, has a numba twin that makes two passes over the pairs
without any (n, n) temporary (measured: 1000 iterations on 500 digits 9.0 s -> 2.3 s,
1,000 digits 34 s -> 9.5 s).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["exact_objective", "kl_divergence_sparse"]

KINDS = ("conditional", "gaussian", "t")


def _xp(Y):
    if isinstance(Y, np.ndarray):
        return np
    import torch

    return torch


def _sq_distances(Y):
    # Sum of squared coordinate differences: exact and never negative (unlike the expansion
    # |a|^2 + |b|^2 - 2ab), at the price of one (n, n) temporary per embedding dimension.
    D = (Y[:, None, 0] - Y[None, :, 0]) ** 2
    for k in range(1, Y.shape[1]):
        D = D + (Y[:, None, k] - Y[None, :, k]) ** 2
    return D


def _xlogx_sum(xp, P):
    return (P * xp.log(xp.where(P > 0, P, P * 0 + 1))).sum()


def exact_objective(P, Y, *, kind="t", dof=1.0, exaggeration=1.0, compute_kl=True):
    """KL divergence and its exact gradient, all pairs.

    Parameters
    ----------
    P : ndarray or torch.Tensor of shape (n_samples, n_samples)
        Input affinities, zero diagonal: conditional ``p_{j|i}`` (rows sum to one) for
        ``kind="conditional"``, joint ``p_ij`` (summing to one) otherwise.
    Y : ndarray or torch.Tensor of shape (n_samples, n_components)
    kind : {"conditional", "gaussian", "t"}
    dof : float, default=1.0
        Degrees of freedom of the Student t (``kind="t"`` only).
    exaggeration : float, default=1.0
        Multiplies ``P`` in the gradient only.
    compute_kl : bool, default=True
        False skips the logarithms of the KL (the optimizer needs the value only now and then).

    Returns
    -------
    kl : float or None
        ``KL(P || Q)`` (the sum of the row KLs for ``"conditional"``); None if not computed.
    grad : same type as Y, shape (n_samples, n_components)
    """
    xp = _xp(Y)
    if xp is np and kind == "t":
        return _exact_t_numpy(P, Y, dof, exaggeration, compute_kl)
    n = Y.shape[0]
    D = _sq_distances(Y)  # (n, n)
    off = 1.0 - (xp.eye(n, dtype=Y.dtype) if xp is np else xp.eye(n, dtype=Y.dtype,
                                                                    device=Y.device))
    if kind == "conditional":
        # Row-wise softmax of -D over k != i; shifting by the row minimum avoids underflow.
        Dm = D + (1.0 - off) * (D.max() + 1.0)
        S = -(Dm - Dm.min(1)[:, None] if xp is np else Dm - Dm.min(1).values[:, None])
        W = xp.exp(S) * off
        Zr = W.sum(1)[:, None]
        Q = W / Zr
        if compute_kl:  # log q_{j|i} = S_ij - log Z_i: finite even where q underflows
            kl = _xlogx_sum(xp, P) - (P * (S - xp.log(Zr))).sum()
        M = exaggeration * P - Q
        M = 2.0 * (M + M.T)
    else:
        if kind == "gaussian":
            W = xp.exp(-D) * off
            scale = 4.0
            U = None
        elif kind == "t":
            U = 1.0 / (1.0 + D / dof)  # (n, n)
            W = (U if dof == 1 else U ** ((dof + 1.0) / 2.0)) * off
            scale = 2.0 * (dof + 1.0) / dof
        else:
            raise ValueError(f"kind={kind!r} must be one of {KINDS}")
        Z = W.sum()
        Q = W / Z
        # log q_ij = log w_ij - log Z, computed without taking log of an underflowed q.
        if compute_kl:
            logW = -D if kind == "gaussian" else ((dof + 1.0) / 2.0) * xp.log(U)
            kl = _xlogx_sum(xp, P) - (P * logW).sum() + P.sum() * xp.log(Z)
        M = exaggeration * P - Q
        if U is not None:
            M = M * U
        M = scale * M
    grad = M.sum(1)[:, None] * Y - M @ Y
    if not compute_kl:
        kl = None
    else:
        kl = float(kl) if xp is np else float(kl.detach())
    return kl, grad


@numba.njit(cache=True, inline="always")
def sq_distance(A, i, B, j):
    """``||A[i] - B[j]||^2``, summed over the columns (numba, inlined)."""
    d2 = 0.0
    for k in range(A.shape[1]):
        diff = A[i, k] - B[j, k]
        d2 += diff * diff
    return d2


@numba.njit(cache=True, inline="always")
def _t_pair(Y, i, j, dof, power):
    """``u_ij = (1 + d_ij^2 / dof)^-1`` and ``w_ij = u_ij^power``."""
    u = 1.0 / (1.0 + sq_distance(Y, i, Y, j) / dof)
    return u, (u if dof == 1.0 else u ** power)


@numba.njit(cache=True, parallel=True)
def _t_normaliser(Y, dof):
    """``Z = sum_{i != j} w_ij`` of the t kernel."""
    n = Y.shape[0]
    power = (dof + 1.0) / 2.0
    total = 0.0
    for i in numba.prange(n):
        row = 0.0
        for j in range(n):
            if j != i:
                row += _t_pair(Y, i, j, dof, power)[1]
        total += row
    return total


@numba.njit(cache=True, parallel=True)
def _t_gradient(P, Y, dof, exaggeration, Z, compute_kl, grad):
    """Fills ``grad_i = sum_j (ex p_ij - w_ij / Z) u_ij (y_i - y_j)``; returns
    ``(sum p log w, sum p log p)`` (zeros unless ``compute_kl``)."""
    n, d = Y.shape
    power = (dof + 1.0) / 2.0
    p_log_w = 0.0
    p_log_p = 0.0
    for i in numba.prange(n):
        lw_row = 0.0
        lp_row = 0.0
        for k in range(d):
            grad[i, k] = 0.0
        for j in range(n):
            if j != i:
                u, w = _t_pair(Y, i, j, dof, power)
                p = P[i, j]
                m = (exaggeration * p - w / Z) * u
                for k in range(d):
                    grad[i, k] += m * (Y[i, k] - Y[j, k])
                if compute_kl and p > 0.0:
                    lw_row += p * power * np.log(u)
                    lp_row += p * np.log(p)
        p_log_w += lw_row
        p_log_p += lp_row
    return p_log_w, p_log_p


def _exact_t_numpy(P, Y, dof, exaggeration, compute_kl):
    """The t-kernel objective of :func:`exact_objective` for numpy arrays, by numba."""
    P = np.ascontiguousarray(P, dtype=np.float64)
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    grad = np.empty_like(Y)
    dof = float(dof)
    Z = _t_normaliser(Y, dof)
    p_log_w, p_log_p = _t_gradient(P, Y, dof, float(exaggeration), Z, compute_kl, grad)
    grad *= 2.0 * (dof + 1.0) / dof
    kl = float(p_log_p - p_log_w + P.sum() * np.log(Z)) if compute_kl else None
    return kl, grad


def kl_divergence_sparse(P, Y, *, dof=1.0, log_Z=None):
    """``KL(P || Q)`` of the t kernel for sparse ``P`` given ``log Z`` (from BH or FFT).

    ``KL = sum p log p - sum p log w + log Z`` over the non-zeros of ``P`` (which sums to one).

    Parameters
    ----------
    P : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
    Y : ndarray of shape (n_samples, n_components)
    log_Z : float
        ``log sum_{k != l} w_kl``.
    """
    P = P.tocoo()
    d2 = ((Y[P.row] - Y[P.col]) ** 2).sum(1)
    log_w = -((dof + 1.0) / 2.0) * np.log1p(d2 / dof)
    p = P.data
    return float(np.sum(p * np.log(p)) - np.sum(p * log_w) + p.sum() * log_Z)
