"""Initial embeddings for the t-SNE optimizer.

Both conventions are those of scikit-learn and openTSNE: the PCA projection rescaled so that its
first coordinate has standard deviation 1e-4 (Kobak & Berens 2019: PCA keeps the global layout,
the small scale keeps early exaggeration in its intended regime), or ``N(0, 1e-4^2)`` noise.
Sparse (CSR) data get the same PCA by a truncated SVD of the implicitly centred matrix (never
densified); precomputed distances get classical MDS (Torgerson 1952), which is PCA when the
distances are Euclidean (Gower 1966).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from .._linalg import classical_scaling, flip_row_signs

__all__ = ["pca_init", "mds_init", "random_init", "TARGET_STD"]

TARGET_STD = 1e-4


def pca_init(X, n_components, random_state):
    """PCA scores of ``X`` rescaled to ``std(Y[:, 0]) = 1e-4``; shape (n_samples, n_components).

    Uses latentlearn's :class:`~latentlearn.decomposition.PCA` (deterministic signs); a CSR
    ``X`` gets the same scores from ARPACK on the implicitly centred matrix.
    """
    from ..decomposition import PCA

    seed = int(random_state.randint(2**31 - 1))
    n_components_fit = min(n_components, X.shape[1], X.shape[0])
    if sparse.issparse(X):
        Y = _sparse_pca_scores(X, n_components_fit, seed)
    else:
        Y = PCA(n_components=n_components_fit, random_state=seed).fit_transform(X)
    Y = np.asarray(Y, dtype=np.float64)
    if n_components_fit < n_components:  # fewer features than components: pad with noise
        extra = random_state.normal(0.0, TARGET_STD, (X.shape[0], n_components - n_components_fit))
        Y = np.hstack([Y, extra])
    std = np.std(Y[:, 0])
    if std > 0:
        Y = Y / std * TARGET_STD
    else:  # constant data: PCA says nothing; fall back to noise
        Y = random_init(X.shape[0], n_components, random_state)
    return Y


def _sparse_pca_scores(X, k, seed):
    """PCA scores of CSR ``X`` without densifying it: ``(X - 1 mu^T) V_k``.

    ARPACK (``scipy.sparse.linalg.svds``) on the linear operator ``v -> X v - 1 (mu . v)``;
    signs as latentlearn's PCA (each component's largest-magnitude entry positive).
    """
    from scipy.sparse.linalg import LinearOperator, svds

    X = sparse.csr_matrix(X, dtype=np.float64)
    n, d = X.shape
    mu = np.asarray(X.mean(axis=0)).ravel()
    if k >= min(n, d) - 1:  # ARPACK needs k < min(n, d); such data are tiny: densify
        Xc = X.toarray() - mu
        _, _, Vt = np.linalg.svd(Xc, full_matrices=False)
        Vt = np.ascontiguousarray(Vt[:k])
        flip_row_signs(Vt)
        return Xc @ Vt.T
    ones = np.ones(n)
    op = LinearOperator(
        (n, d), dtype=np.float64,
        matvec=lambda v: X @ np.ravel(v) - ones * (mu @ np.ravel(v)),
        rmatvec=lambda u: X.T @ np.ravel(u) - mu * np.sum(u))
    v0 = np.random.RandomState(seed).uniform(-1, 1, min(n, d))
    _, s, Vt = svds(op, k=k, v0=v0, tol=0.0)
    order = np.argsort(s)[::-1]
    Vt = np.ascontiguousarray(Vt[order])
    flip_row_signs(Vt)
    return X @ Vt.T - (mu @ Vt.T)[None, :]


def mds_init(D, n_components, random_state):
    """Classical MDS of a dense distance matrix, rescaled to ``std(Y[:, 0]) = 1e-4``.

    For Euclidean ``D`` these are the PCA scores up to the sign of each column (Gower 1966).
    """
    D = np.asarray(D, dtype=np.float64)
    D = (D + D.T) / 2.0
    np.fill_diagonal(D, 0.0)
    k = min(n_components, D.shape[0] - 1)
    Y, _ = classical_scaling(D, k)
    if k < n_components:
        Y = np.hstack([Y, random_state.normal(0.0, TARGET_STD, (D.shape[0], n_components - k))])
    std = np.std(Y[:, 0])
    if std > 0:
        return Y / std * TARGET_STD
    return random_init(D.shape[0], n_components, random_state)


def random_init(n_samples, n_components, random_state):
    """Gaussian noise with standard deviation 1e-4; shape (n_samples, n_components)."""
    return random_state.normal(0.0, TARGET_STD, (n_samples, n_components))
