"""Linear-algebra kernels shared by several estimator modules.

Plain functions on arrays that assume valid input (the estimators validate first), each used by
more than one of ``decomposition``, ``manifold`` and ``cluster``:

* :func:`row_blocks`: slices of rows that cap the size of a temporary;
* :func:`flip_row_signs` / :func:`flip_column_signs`: a deterministic sign for eigenvectors and
  singular vectors;
* :func:`covariance`: the sample covariance, accumulated in float64 without a copy of ``X``;
* :func:`randomized_svd`: truncated SVD by randomized subspace iteration (Halko, Martinsson &
  Tropp 2011);
* :func:`classical_scaling`: Torgerson's (1952) classical multidimensional scaling;
* :func:`smallest_eigenpairs`: the bottom of the spectrum of a sparse symmetric PSD matrix
  (graph Laplacians, Belkin & Niyogi 2003; Ng, Jordan & Weiss 2002).

The module is private (its name starts with an underscore); the names inside it are the
package's shared kernels, imported by the estimator modules.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg
from scipy.sparse.linalg import eigsh, lobpcg

from .base import check_random_state

__all__ = [
    "row_blocks",
    "flip_row_signs",
    "flip_column_signs",
    "covariance",
    "randomized_svd",
    "sum_of_squares",
    "column_mean",
    "double_centre",
    "top_eigenpairs",
    "classical_scaling",
    "smallest_eigenpairs",
]

#: Default budget of :func:`row_blocks`: 2**20 entries, 8 MB of float64.
BLOCK_ENTRIES = 1 << 20
#: Above this many points :func:`top_eigenpairs` uses Lanczos rather than a dense solver.
DENSE_EIGEN_MAX = 1500
#: ``smallest_eigenpairs(solver="auto")`` uses a dense eigendecomposition below this many nodes.
DENSE_MAX_NODES = 500


def row_blocks(n_rows, per_row, budget=BLOCK_ENTRIES, *, min_rows=1):
    """Consecutive slices of ``range(n_rows)`` of about ``budget / per_row`` rows each.

    A loop over these blocks keeps a ``(block, per_row)`` temporary at ``budget`` entries at
    most, whatever ``n_rows`` (but never fewer than ``min_rows`` rows a block, so that a very
    wide matrix is not walked one row at a time).

    Parameters
    ----------
    n_rows : int
    per_row : int
        Entries of the temporary per row (e.g. ``n_features`` or ``n_clusters``).
    budget : int, default=BLOCK_ENTRIES
        Entries of the temporary.
    min_rows : int, default=1

    Yields
    ------
    rows : slice
    """
    step = max(min_rows, budget // max(per_row, 1))
    for start in range(0, n_rows, step):
        yield slice(start, min(start + step, n_rows))


def flip_row_signs(components):
    """Flip each row so that its entry of largest absolute value is positive (in place).

    An eigenvector or singular vector is defined up to sign; this rule (the one of
    scikit-learn's ``svd_flip(..., u_based_decision=False)``) makes the output deterministic.

    Parameters
    ----------
    components : ndarray of shape (n_components, n_features)

    Returns
    -------
    signs : ndarray of shape (n_components,)
        The +1/-1 applied to each row.
    """
    largest = np.argmax(np.abs(components), axis=1)
    signs = np.sign(components[np.arange(components.shape[0]), largest])
    signs[signs == 0] = 1.0
    components *= signs[:, np.newaxis]
    return signs


def flip_column_signs(Y):
    """Flip each column so that its entry of largest absolute value is positive (in place).

    The column form of :func:`flip_row_signs`, for embeddings whose columns are eigenvectors.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_components)

    Returns
    -------
    Y : ndarray of shape (n_samples, n_components)
        The same array.
    """
    largest = np.argmax(np.abs(Y), axis=0)
    signs = np.sign(Y[largest, np.arange(Y.shape[1])])
    signs[signs == 0] = 1.0
    Y *= signs
    return Y


def covariance(X, mean):
    """The sample covariance ``Sigma = 1/(n-1) sum_q (x_q - mu)(x_q - mu)^T`` (Bishop 2006, §12.1).

    Blocks of rows are centred first (no ``X^T X - n mu mu^T`` cancellation), multiplied in the
    dtype of ``X`` and summed in float64; no copy of the whole of ``X`` is made.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    mean : ndarray of shape (n_features,), float64

    Returns
    -------
    C : ndarray of shape (n_features, n_features), float64
    """
    n, d = X.shape
    mean = mean.astype(X.dtype)
    C = np.zeros((d, d))
    for rows in row_blocks(n, d):
        Xc = X[rows] - mean  # (block, d)
        C += Xc.T @ Xc
    C /= n - 1
    return C


def randomized_svd(M, n_components, *, n_oversamples, n_iter, random_state):
    """Truncated SVD by randomized subspace iteration (Halko, Martinsson & Tropp 2011).

    "Finding structure with randomness", Algorithm 4.4: ``Q`` spans ``range(M (M^T M)^q Omega)``
    for a Gaussian ``Omega`` of ``r = n_components + n_oversamples`` columns and ``q = n_iter``
    power iterations, which damp the directions of small singular values by ``(s_j / s_1)^2``
    per step; the basis is re-normalised between products by a pivoted LU factorisation (as
    scikit-learn does, instead of the paper's QR) and made orthonormal by a QR factorisation at
    the end. The SVD of the small matrix ``Q^T M`` then gives the leading singular triplets of
    ``M``. Products run in the dtype of ``M`` (float32 stays float32).

    When ``n_cols`` is small enough that forming the Gram matrix ``G = M^T M`` (one symmetric
    rank-``n_rows`` update, ``n d^2`` flops) is cheaper than the ``2 q`` products with ``M`` and
    ``M^T`` it replaces (``4 q n d r`` flops, i.e. when ``d < 4 q r``), the power iterations
    multiply by ``G`` instead. In exact arithmetic the subspace is the same (the normalisations
    change the basis, not its span), so the result is that of Algorithm 4.4; only the first
    and the last products touch ``M``.

    Parameters
    ----------
    M : ndarray of shape (n_rows, n_cols)
        The matrix, already centred for PCA.
    n_components : int
        Number of singular triplets wanted.
    n_oversamples : int
        Extra columns of the test matrix; 10 is plenty for a gap-free spectrum.
    n_iter : int
        Number of power iterations.
    random_state : numpy.random.RandomState

    Returns
    -------
    U : ndarray of shape (n_rows, n_components)
    s : ndarray of shape (n_components,)
        Descending.
    Vt : ndarray of shape (n_components, n_cols)
    """
    n_rows, n_cols = M.shape
    n_random = min(n_components + n_oversamples, n_rows, n_cols)
    omega = random_state.standard_normal(size=(n_cols, n_random)).astype(M.dtype, copy=False)
    if n_iter > 0 and n_cols <= n_rows and n_cols < 4 * n_iter * n_random:
        G = M.T @ M  # (n_cols, n_cols); numpy runs A.T @ A as one symmetric rank-k update
        Z = omega
        for _ in range(n_iter):
            Z, _ = linalg.lu(G @ Z, permute_l=True, check_finite=False)  # (n_cols, r)
        del G
        Q = M @ Z
    else:
        Q = M @ omega  # (n_rows, r)
        for _ in range(n_iter):
            # Re-normalise between products so that the columns do not all collapse onto the
            # top singular vector; a pivoted LU factor is a well-conditioned basis, cheaper
            # than QR.
            Q, _ = linalg.lu(Q, permute_l=True, check_finite=False)
            Z, _ = linalg.lu(M.T @ Q, permute_l=True, check_finite=False)  # (n_cols, r)
            Q = M @ Z
    Q, _ = linalg.qr(Q, mode="economic", check_finite=False)  # orthonormal basis of the range
    B = Q.T @ M  # (r, n_cols)
    U_small, s, Vt = linalg.svd(B, full_matrices=False, check_finite=False)
    U = Q @ U_small[:, :n_components]
    return U, s[:n_components], Vt[:n_components]


def column_mean(X, budget=BLOCK_ENTRIES):
    """Mean of each column in float64, without a float64 copy of ``X``.

    Blocks of rows are summed in the dtype of ``X`` and the block sums accumulated in float64
    (the rounding of one block, ``~ block_rows * eps``, instead of the whole column's).

    Parameters
    ----------
    X : ndarray of shape (n_rows, n_cols)
    budget : int, default=BLOCK_ENTRIES

    Returns
    -------
    mean : ndarray of shape (n_cols,), float64
    """
    if X.dtype == np.float64:
        return X.mean(axis=0)
    total = np.zeros(X.shape[1])
    for rows in row_blocks(X.shape[0], X.shape[1], min(budget, 1 << 16)):
        total += X[rows].sum(axis=0)
    return total / X.shape[0]


def sum_of_squares(X, budget=BLOCK_ENTRIES):
    """``sum_ij X_ij^2`` in float64, without a float64 copy of ``X``.

    Each block of rows is reduced per column in the dtype of ``X`` (a fast, vectorised loop)
    and the column sums are accumulated in float64, so a float32 ``X`` loses no more than a
    block's worth of rounding (``~ block_rows * eps``) instead of the whole matrix's.

    Parameters
    ----------
    X : ndarray of shape (n_rows, n_cols)
    budget : int, default=BLOCK_ENTRIES
        Entries reduced in the working precision at once.

    Returns
    -------
    total : float
    """
    total = np.zeros(X.shape[1])
    for rows in row_blocks(X.shape[0], X.shape[1], min(budget, 1 << 16)):
        block = X[rows]
        total += np.einsum("ij,ij->j", block, block)
    return float(total.sum())


def double_centre(D):
    """``B = -1/2 J D^(2) J`` with ``J = I - 1/n 1 1^T``, built in one new ``n x n`` array.

    Parameters
    ----------
    D : ndarray of shape (n, n)
        Dissimilarities (not squared).

    Returns
    -------
    B : ndarray of shape (n, n)
    """
    B = np.square(D)
    row_means = B.mean(axis=1)
    total_mean = row_means.mean()
    B -= row_means[:, np.newaxis]
    B -= row_means[np.newaxis, :]
    B += total_mean
    B *= -0.5
    return B


def top_eigenpairs(B, k):
    """The ``k`` largest eigenvalues (descending) and their eigenvectors (columns) of ``B``.

    Dense ``eigh`` up to :data:`DENSE_EIGEN_MAX` rows or for ``k >= n / 4``, Lanczos
    (ARPACK) from a fixed start vector otherwise, so the result is reproducible.

    Parameters
    ----------
    B : ndarray of shape (n, n), symmetric
    k : int

    Returns
    -------
    values : ndarray of shape (k,)
    vectors : ndarray of shape (n, k)
    """
    n = B.shape[0]
    if n <= DENSE_EIGEN_MAX or k >= n // 4:
        values, vectors = linalg.eigh(B, subset_by_index=[n - k, n - 1], check_finite=False)
    else:
        # a fixed start vector keeps the result reproducible; ARPACK's default is random
        v0 = np.random.RandomState(0).uniform(-1.0, 1.0, size=n)
        values, vectors = eigsh(B, k=k, which="LA", v0=v0, tol=0.0)
    order = np.argsort(values)[::-1]
    return values[order], vectors[:, order]


def classical_scaling(D, n_components):
    """Classical (Torgerson 1952) multidimensional scaling of a valid dissimilarity matrix.

    ``B = -1/2 J D^(2) J``; the embedding is ``V_k Lambda_k^{1/2}`` from the ``k`` leading
    eigenpairs of ``B`` (Torgerson 1952, "Multidimensional scaling: I. Theory and method"; Cox &
    Cox 2001, "Multidimensional Scaling", ch. 2). Negative eigenvalues (a non-Euclidean ``D``)
    give zero columns; each column is signed by :func:`flip_column_signs`.

    Parameters
    ----------
    D : ndarray of shape (n, n)
        Symmetric, non-negative, zero diagonal (not checked).
    n_components : int

    Returns
    -------
    embedding : ndarray of shape (n, n_components)
    eigenvalues : ndarray of shape (n_components,)
        Descending.
    """
    B = double_centre(D)
    values, vectors = top_eigenpairs(B, n_components)
    del B
    Y = vectors * np.sqrt(np.maximum(values, 0.0))  # (n, k)
    return flip_column_signs(Y), values


def smallest_eigenpairs(L, k, *, solver, random_state, sigma=-1e-5, tol=0.0, maxiter=None):
    """The ``k`` smallest eigenpairs of a symmetric positive semi-definite ``L``, ascending.

    The eigenproblem of Laplacian eigenmaps (Belkin & Niyogi 2003) and spectral clustering
    (Ng, Jordan & Weiss 2002). ``"arpack"`` runs Lanczos in shift-invert mode just below 0,
    ``"lobpcg"`` Knyazev's (2001) block method, ``"dense"`` LAPACK's ``eigh``; ``"auto"`` is
    dense up to :data:`DENSE_MAX_NODES` nodes and ARPACK above.

    Parameters
    ----------
    L : sparse matrix of shape (n, n)
    k : int
    solver : {"auto", "arpack", "lobpcg", "dense"}
    random_state : None, int or numpy.random.RandomState
        Start vectors of the iterative solvers.
    sigma, tol, maxiter : float, float, int or None
        ARPACK's shift, tolerance and iteration cap (LLE's ``M`` wants a shift nearer 0).

    Returns
    -------
    values : ndarray of shape (k,)
    vectors : ndarray of shape (n, k)
    """
    n = L.shape[0]
    if solver == "auto":
        solver = "dense" if n <= DENSE_MAX_NODES else "arpack"
    if solver == "arpack" and k >= n - 1:
        solver = "dense"
    if solver == "dense":
        values, vectors = linalg.eigh(L.toarray(), subset_by_index=[0, k - 1])
        return values, vectors
    rng = check_random_state(random_state)
    if solver == "arpack":
        v0 = rng.uniform(-1, 1, n)
        # Shift-invert just below 0 (scikit-learn's choice): L + 1e-5 I is positive definite
        # and maps the smallest eigenvalues of L to the largest, well separated ones of its
        # inverse (lambda = 0 -> 1e5, lambda = 1e-3 -> ~1e3).
        values, vectors = eigsh(L, k, sigma=sigma, which="LM", v0=v0, tol=tol, maxiter=maxiter)
    else:  # lobpcg
        X0 = rng.standard_normal((n, k))
        values, vectors = lobpcg(L, X0, largest=False, tol=1e-8, maxiter=2000)
    order = np.argsort(values)
    return values[order], vectors[:, order]
