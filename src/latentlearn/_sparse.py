"""Kernels on CSR matrices shared by the estimators that take ``scipy.sparse`` input.

PCA, NMF, k-means and mini-batch k-means accept a sparse ``X`` (CSR; other formats are
converted by :meth:`latentlearn.base.LatentEstimator._validate_X`) and never build the dense
``(n_samples, n_features)`` matrix: every product they need is a sparse-times-dense product
(``O(nnz * r)``) and every statistic is a sum over the stored entries plus a closed-form term
for the zeros. The pieces more than one of them needs live here:

* :func:`squared_row_norms`: ``||x_i||^2`` in float64;
* :func:`weighted_column_moments`: per-feature weighted mean and variance, with the zeros
  counted in closed form (``sum_i w_i (x_ij - m_j)^2 = sum_{x_ij != 0} w_i x_ij (x_ij - 2 m_j)
  + m_j^2 sum_i w_i``);
* :func:`nnz_row_blocks`: slices of rows holding about ``budget`` stored entries each;
* :class:`CentredOperator`: the implicitly centred matrix ``X - 1 mu^T`` as a linear operator,
  which is how scikit-learn's PCA takes sparse input since 1.4 (a truncated SVD, randomized
  (Halko, Martinsson & Tropp 2011) or ARPACK (Lehoucq, Sorensen & Yang 1998), only ever
  multiplies by the matrix and its transpose).

The module is private; the names inside it are the package's shared sparse kernels.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import LinearOperator

__all__ = [
    "issparse",
    "squared_row_norms",
    "weighted_column_moments",
    "nnz_row_blocks",
    "dense_rows",
    "CentredOperator",
]

#: Stored entries walked at once by :func:`nnz_row_blocks`: 2**20, 8 MB of float64 a temporary.
NNZ_BLOCK = 1 << 20

issparse = sparse.issparse


def squared_row_norms(X):
    """``||x_i||^2`` of every row of a CSR ``X``, summed in float64 over the stored entries.

    Walked in blocks of :data:`NNZ_BLOCK` stored entries, so the float64 squares never cost
    more than a block.

    Returns
    -------
    norms : ndarray of shape (n_samples,), float64
    """
    out = np.empty(X.shape[0])
    for rows in nnz_row_blocks(X):
        sub = X[rows]
        data = sub.data.astype(np.float64)
        data *= data
        out[rows] = sparse.csr_matrix((data, sub.indices, sub.indptr), shape=sub.shape,
                                      copy=False) @ np.ones(X.shape[1])
    return out


def weighted_column_moments(X, weights):
    """Per-feature weighted mean and variance of a CSR ``X``, in float64, without densifying.

    ``m_j = sum_i w_i x_ij / sum_i w_i`` and ``v_j = sum_i w_i (x_ij - m_j)^2 / sum_i w_i``,
    where the zeros of column ``j`` contribute ``m_j^2`` each: the sum over the stored entries
    of ``w_i x_ij (x_ij - 2 m_j)`` plus ``m_j^2 sum_i w_i``. The stored entries are walked in
    blocks of :data:`NNZ_BLOCK`, so the temporaries stay a few MB whatever ``nnz``.

    Parameters
    ----------
    X : csr_matrix of shape (n_samples, n_features)
    weights : ndarray of shape (n_samples,), float64

    Returns
    -------
    mean, variance : ndarrays of shape (n_features,), float64
    """
    total = float(weights.sum())
    mean = (X.T @ weights) / total
    spread = np.zeros(X.shape[1])
    for rows in nnz_row_blocks(X):
        sub = X[rows]
        data = sub.data.astype(np.float64)
        shifted = mean[sub.indices]
        shifted *= -2.0
        shifted += data
        data *= shifted  # x (x - 2 m)
        terms = sparse.csr_matrix((data, sub.indices, sub.indptr), shape=sub.shape, copy=False)
        spread += terms.T @ weights[rows]
    variance = spread / total + mean * mean
    return mean, np.maximum(variance, 0.0)


def nnz_row_blocks(X, budget=NNZ_BLOCK):
    """Consecutive slices of the rows of a CSR ``X`` holding about ``budget`` stored entries.

    A slice holds at least one row, so a row with more than ``budget`` entries is a block alone.

    Yields
    ------
    rows : slice
    """
    indptr = X.indptr
    n = X.shape[0]
    start = 0
    while start < n:
        stop = int(np.searchsorted(indptr, indptr[start] + budget, side="right")) - 1
        stop = min(max(stop, start + 1), n)
        yield slice(start, stop)
        start = stop


def dense_rows(X, index):
    """Rows ``index`` of ``X`` as a dense array: ``X[index]``, densified when ``X`` is sparse.

    An int ``index`` gives one row of shape ``(n_features,)``, an array of them a
    ``(len(index), n_features)`` block, as numpy indexing does.
    """
    if not sparse.issparse(X):
        return X[index]
    rows = X[np.atleast_1d(index)].toarray()
    return rows[0] if np.ndim(index) == 0 else rows


class CentredOperator(LinearOperator):
    """The matrix ``X - 1 mu^T`` of a sparse ``X``, never formed: products only.

    ``A @ B = X B - 1 (mu^T B)``, ``A^T @ B = X^T B - mu (1^T B)`` and ``B @ A = B X - (B 1)
    mu^T``, each ``O(nnz * r)``; ``A^T @ A`` stays a lazy product. With ``mean=None`` it is
    ``X`` itself. It is a ``scipy.sparse.linalg.LinearOperator`` (for ``svds``) that also
    supports ``@`` with dense matrices on either side, as
    :func:`latentlearn._linalg.randomized_svd` uses them, and ``.T``.

    Parameters
    ----------
    X : csr_matrix of shape (n_samples, n_features)
    mean : ndarray of shape (n_features,) or None
        Subtracted from every row, in the dtype of ``X``.
    """

    # numpy defers ``ndarray @ operator`` to ``__rmatmul__`` instead of building an object array
    __array_ufunc__ = None

    def __init__(self, X, mean=None, *, transposed=False):
        self.X = X
        self.mean = None if mean is None else np.asarray(mean, dtype=X.dtype)
        self.transposed = transposed
        n, d = X.shape
        super().__init__(dtype=X.dtype, shape=(d, n) if transposed else (n, d))

    # products of the untransposed A = X - 1 mu^T with a dense B
    def _right(self, B):  # A @ B, B (d, r)
        out = self.X @ B
        if self.mean is not None:
            out = out - self.mean @ B  # (r,) broadcast over the rows, or a scalar
        return out

    def _right_t(self, B):  # A^T @ B, B (n, r)
        out = self.X.T @ B
        if self.mean is not None:
            if B.ndim == 2:
                out = out - np.outer(self.mean, B.sum(axis=0))
            else:
                out = out - self.mean * B.sum()
        return out

    def _matvec(self, v):
        v = np.asarray(v).ravel()
        return self._right_t(v) if self.transposed else self._right(v)

    def _rmatvec(self, v):
        v = np.asarray(v).ravel()
        return self._right(v) if self.transposed else self._right_t(v)

    def _matmat(self, B):
        return self._right_t(B) if self.transposed else self._right(B)

    def _rmatmat(self, B):
        return self._right(B) if self.transposed else self._right_t(B)

    def _transpose(self):
        return CentredOperator(self.X, self.mean, transposed=not self.transposed)

    _adjoint = _transpose

    def __matmul__(self, other):
        if isinstance(other, LinearOperator):
            return _Product(self, other)
        other = np.asarray(other)
        return self._matmat(other) if other.ndim == 2 else self._matvec(other)

    def __rmatmul__(self, other):  # other @ self = (self^T @ other^T)^T
        other = np.asarray(other)
        if other.ndim == 1:
            return self._rmatvec(other)
        return np.ascontiguousarray(self._rmatmat(other.T).T)


class _Product(LinearOperator):
    """``A @ B`` of two operators, applied right to left (the lazy Gram matrix ``A^T A``)."""

    __array_ufunc__ = None

    def __init__(self, A, B):
        self.A, self.B = A, B
        super().__init__(dtype=A.dtype, shape=(A.shape[0], B.shape[1]))

    def _matvec(self, v):
        return self.A @ (self.B @ np.asarray(v).ravel())

    def _matmat(self, M):
        return self.A @ (self.B @ M)

    def __matmul__(self, other):
        return self._matmat(np.asarray(other))
