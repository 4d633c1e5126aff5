"""Non-negative matrix factorisation: a dictionary of parts, added up without cancellation.

NMF approximates non-negative data by a product of two non-negative factors (Paatero & Tapper
1994; Lee & Seung 1999, "Learning the parts of objects by non-negative matrix factorization"):
non-negative atoms live in the same space as the samples, so the dictionary can be looked at,
and non-negative codes forbid subtractive combinations, which tends to give part-based
representations (compare the PCA and NMF dictionaries of faces in Lee & Seung 1999, Fig. 1).

Notation. We follow scikit-learn: the data ``X`` of shape ``(n_samples, n_features)`` is
approximated by ``W H`` with codes ``W >= 0`` of shape ``(n_samples, k)`` and the dictionary
``H = components_ >= 0`` of shape ``(k, n_features)``. Lee & Seung (1999) write ``V ~ W H``
with the samples as the *columns* of ``V`` (``V = X^T``): their dictionary ``W`` is our ``H^T``
and their codes ``H`` our ``W^T``.

Two objectives:

``"frobenius"``
    ``1/2 ||X - W H||_F^2``.
``"kullback-leibler"``
    The I-divergence (generalised Kullback-Leibler divergence) of Lee & Seung,
    ``D(X || Y) = sum_ij x_ij log(x_ij / y_ij) - x_ij + y_ij`` with ``Y = W H`` and
    ``0 log 0 = 0``.

Two solvers:

``"mu"``
    The multiplicative updates of Lee & Seung (2001, "Algorithms for non-negative matrix
    factorization", NIPS 13), which never increase their objective. Frobenius:
    ``W <- W * (X H^T) / (W H H^T)``, ``H <- H * (W^T X) / (W^T W H)``. I-divergence:
    ``W <- W * ((X / WH) H^T) / (1 H^T)``, ``H <- H * (W^T (X / WH)) / (W^T 1)`` (elementwise
    products and quotients). An entry that is zero stays zero, so ``init="nndsvd"`` (which has
    exact zeros) suits this solver badly.
``"cd"``
    Coordinate descent on the Frobenius objective, one column of ``W`` (then one row of ``H``)
    at a time in closed form: hierarchical alternating least squares, HALS (Cichocki & Phan 2009,
    "Fast local algorithms for large scale nonnegative matrix and tensor factorizations"),
    ``w_t <- max(0, w_t - (W (H H^T)_t - (X H^T)_t) / (H H^T)_tt)``. This is the same update,
    in the same order, as scikit-learn's ``solver="cd"``; the expensive products ``X H^T`` and
    ``W^T X`` are computed once per sweep and each column update is one matrix-vector product.
    After the last iteration the codes are solved to tolerance for the final dictionary (sweeps
    over ``W`` alone, ``O(n k^2)`` each), as :meth:`NMF.transform` solves them: so
    ``fit_transform(X)`` agrees with ``transform(X)``, and the objective can only drop.

Initialisation NNDSVD (Boutsidis & Gallopoulos 2008, "SVD based initialization: a head start for
nonnegative matrix factorization"): each leading singular pair ``(u_j, v_j)`` of ``X`` is replaced
by the larger (in ``||u_+|| ||v_+||`` against ``||u_-|| ||v_-||``) of its positive and negative
parts, scaled by ``sqrt(s_j * sigma)``; ``"nndsvda"`` fills the zeros with the mean of ``X``,
``"nndsvdar"`` with small random values. The truncated SVD is the randomized one of
:mod:`latentlearn.decomposition.pca` (Halko et al. 2011), as in scikit-learn.

``reconstruction_err_`` is scikit-learn's: ``sqrt(2 * objective)``, that is ``||X - W H||_F``
for the Frobenius objective.

Sparse input (``scipy.sparse``, taken as CSR) is never densified. Both solvers only need the
products ``X H^T`` and ``W^T X`` (sparse-times-dense) and, for the I-divergence, ``X / (W H)`` at
the stored entries of ``X`` (where ``x = 0`` the quotient is 0), which costs ``O(nnz k)``. The
Frobenius objective is ``1/2 (||X||^2 - 2 <W, X H^T> + <W^T W, H H^T>)``, evaluated from the
stored entries and two ``k x k`` Gram matrices, as scikit-learn does for sparse input.
"""

from __future__ import annotations

import logging
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning

from .._checks import check_codes
from sklearn.utils.validation import check_array

from .._linalg import randomized_svd, row_blocks
from .._sparse import CentredOperator, issparse, nnz_row_blocks
from .._stages import StageClock
from .._threads import N_JOBS_CONSTRAINT, limit_threads
from ..base import (
    Interval,
    LatentEstimator,
    Options,
    check_is_fitted,
    check_random_state,
)
from ..exceptions import DataError, ParameterError
from ..registry import register

__all__ = ["NMF", "non_negative_factorization", "initialize_nmf", "nmf_objective"]

logger = logging.getLogger(__name__)

# Guards against division by zero, as scikit-learn's (float32 epsilon, whatever the dtype).
_EPS = float(np.finfo(np.float32).eps)

_INITS = ("random", "nndsvd", "nndsvda", "nndsvdar")


# --------------------------------------------------------------------------- objectives
def _frobenius(X, W, H):
    """``1/2 ||X - W H||_F^2``, summed in float64 block by block."""
    if issparse(X):
        return _frobenius_sparse(X, W, H)
    total = 0.0
    for rows in row_blocks(X.shape[0], X.shape[1]):  # residuals of 8 MB at most
        R = X[rows] - W[rows] @ H
        total += float(np.einsum("ij,ij->", R, R, dtype=np.float64))
    return 0.5 * total


def _frobenius_sparse(X, W, H):
    """``1/2 (||X||^2 - 2 <W, X H^T> + <W^T W, H H^T>)`` for a CSR ``X``, in float64."""
    W64, H64 = W.astype(np.float64), H.astype(np.float64)
    norm_X = float(np.einsum("i,i->", X.data, X.data, dtype=np.float64))
    cross = float(np.einsum("ij,ij->", W64, X @ H64.T))
    norm_WH = float(np.einsum("ij,ij->", W64.T @ W64, H64 @ H64.T))
    return 0.5 * (norm_X - 2.0 * cross + norm_WH)


def _values_at_nonzeros(X, W, H):
    """``(W H)_ij`` at the stored entries ``(i, j)`` of a CSR ``X``, in the order of ``X.data``.

    ``O(nnz k)``, in blocks of rows of about ``2**20`` stored entries; never the whole ``W H``.
    """
    out = np.empty(X.nnz, dtype=np.result_type(W.dtype, H.dtype))
    Ht = np.ascontiguousarray(H.T)  # (d, k)
    for rows in nnz_row_blocks(X):
        lo, hi = X.indptr[rows.start], X.indptr[rows.stop]
        counts = np.diff(X.indptr[rows.start:rows.stop + 1])
        local = np.repeat(np.arange(rows.start, rows.stop), counts)  # row of each entry
        out[lo:hi] = np.einsum("ij,ij->i", W[local], Ht[X.indices[lo:hi]])
    return out


def _kullback_leibler(X, W, H):
    """I-divergence ``sum x log(x / y) - x + y`` of ``X`` from ``Y = W H``.

    As scikit-learn evaluates it: entries with ``x <= eps`` count only through ``sum y``, and
    ``y`` is floored at ``eps`` inside the logarithm.
    """
    sum_Y = float(W.sum(axis=0, dtype=np.float64) @ H.sum(axis=1, dtype=np.float64))
    total = sum_Y
    if issparse(X):  # the zeros of X count only through sum y
        mask = X.data > _EPS
        x = X.data[mask].astype(np.float64)
        y = np.maximum(_values_at_nonzeros(X, W, H)[mask].astype(np.float64), _EPS)
        return total + float(x @ np.log(x / y)) - float(x.sum())
    for rows in row_blocks(X.shape[0], X.shape[1]):  # residuals of 8 MB at most
        Xb = X[rows]
        Yb = W[rows] @ H
        mask = Xb > _EPS
        x = Xb[mask].astype(np.float64)
        y = np.maximum(Yb[mask].astype(np.float64), _EPS)
        total += float(x @ np.log(x / y)) - float(x.sum())
    return total


def nmf_objective(X, W, H, beta_loss="frobenius"):
    """The NMF objective of a factorisation ``X ~ W H``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    W : array-like of shape (n_samples, n_components)
    H : array-like of shape (n_components, n_features)
    beta_loss : {"frobenius", "kullback-leibler"}, default="frobenius"
        ``1/2 ||X - W H||_F^2`` or the I-divergence ``sum x log(x / y) - x + y`` (``Y = W H``).

    Returns
    -------
    objective : float
    """
    X = check_array(X, accept_sparse="csr", dtype=None, ensure_all_finite=False,
                    input_name="X") if issparse(X) else np.asarray(X)
    W = np.asarray(W)
    H = np.asarray(H)
    if X.ndim != 2 or W.ndim != 2 or H.ndim != 2 or W.shape[0] != X.shape[0] \
            or H.shape[1] != X.shape[1] or W.shape[1] != H.shape[0]:
        raise ValueError(
            f"nmf_objective needs X (n, d), W (n, k) and H (k, d); got shapes {X.shape}, "
            f"{W.shape} and {H.shape}."
        )
    if beta_loss == "frobenius":
        return _frobenius(X, W, H)
    if beta_loss == "kullback-leibler":
        return _kullback_leibler(X, W, H)
    raise ParameterError(
        f"beta_loss={beta_loss!r} is not allowed; use 'frobenius' or 'kullback-leibler'.")


def _objective(X, W, H, beta_loss):
    return _frobenius(X, W, H) if beta_loss == "frobenius" else _kullback_leibler(X, W, H)


# --------------------------------------------------------------------------- initialisation
def _initialize(X, n_components, init, random_state):
    """Initial ``W, H`` (Boutsidis & Gallopoulos 2008 for the NNDSVD family); valid input assumed.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), non-negative
    n_components : int
    init : {"random", "nndsvd", "nndsvda", "nndsvdar"}
    random_state : numpy.random.RandomState

    Returns
    -------
    W : ndarray of shape (n_samples, n_components)
    H : ndarray of shape (n_components, n_features)
    """
    n_samples, n_features = X.shape
    dtype = X.dtype
    if init == "random":
        # |N(0, 1)| scaled so that W H has the mean of X on average; H first, as scikit-learn
        scale = np.sqrt(X.mean(dtype=np.float64) / n_components)
        H = np.abs(scale * random_state.standard_normal((n_components, n_features))).astype(dtype)
        W = np.abs(scale * random_state.standard_normal((n_samples, n_components))).astype(dtype)
        return W, H

    n_iter = 7 if n_components < 0.1 * min(n_samples, n_features) else 4
    # a sparse X enters the SVD as an operator (products only, a lazy Gram matrix)
    U, s, Vt = randomized_svd(CentredOperator(X) if issparse(X) else X, n_components,
                              n_oversamples=10, n_iter=n_iter, random_state=random_state)
    W = np.zeros((n_samples, n_components), dtype=dtype)
    H = np.zeros((n_components, n_features), dtype=dtype)
    # The leading singular pair of a non-negative matrix can be taken non-negative
    # (Perron-Frobenius), so it is used as is.
    W[:, 0] = np.sqrt(s[0]) * np.abs(U[:, 0])
    H[0] = np.sqrt(s[0]) * np.abs(Vt[0])
    for j in range(1, n_components):
        x, y = U[:, j], Vt[j]
        x_p, y_p = np.maximum(x, 0), np.maximum(y, 0)
        x_n, y_n = np.maximum(-x, 0), np.maximum(-y, 0)
        x_p_norm, y_p_norm = np.linalg.norm(x_p), np.linalg.norm(y_p)
        x_n_norm, y_n_norm = np.linalg.norm(x_n), np.linalg.norm(y_n)
        m_p, m_n = x_p_norm * y_p_norm, x_n_norm * y_n_norm
        if m_p > m_n:
            u, v, sigma = x_p / x_p_norm, y_p / y_p_norm, m_p
        elif m_n > 0:
            u, v, sigma = x_n / x_n_norm, y_n / y_n_norm, m_n
        else:  # a singular pair with no usable part (rank-deficient X): leave it zero
            continue
        scale = np.sqrt(s[j] * sigma)
        W[:, j] = scale * u
        H[j] = scale * v
    W[W < 1e-6] = 0
    H[H < 1e-6] = 0
    if init == "nndsvda":
        mean = X.mean(dtype=np.float64)
        W[W == 0] = mean
        H[H == 0] = mean
    elif init == "nndsvdar":
        mean = X.mean(dtype=np.float64)
        zeros_W, zeros_H = W == 0, H == 0
        W[zeros_W] = np.abs(mean * random_state.standard_normal(int(zeros_W.sum())) / 100)
        H[zeros_H] = np.abs(mean * random_state.standard_normal(int(zeros_H.sum())) / 100)
    return W, H


def _check_non_negative(X, whom, name="X"):
    values = X.data if issparse(X) else X  # a sparse X's zeros are not negative
    minimum = values.min(initial=0.0)
    if minimum < 0:
        count = int(np.count_nonzero(values < 0))
        # "Negative values in data" is the phrase scikit-learn's estimator checks look for
        raise DataError(
            f"Negative values in data passed to {whom}: {name} has {count} negative "
            f"entr{'y' if count == 1 else 'ies'} (the smallest is {minimum:.4g}), and NMF "
            "factorises non-negative data only. Shift or clip "
            f"it (e.g. X - X.min(), or np.clip(X, 0, None)), or use a method for signed data "
            f"such as PCA or FastICA."
        )


def initialize_nmf(X, n_components, *, init="nndsvda", random_state=None):
    """Starting factors ``W, H`` for NMF.

    ``"random"``: ``|N(0, 1)| * sqrt(mean(X) / n_components)`` entries. ``"nndsvd"``: the
    non-negative parts of the leading singular pairs of ``X`` (Boutsidis & Gallopoulos 2008),
    sparse; ``"nndsvda"``: the same with the zeros set to ``mean(X)``; ``"nndsvdar"``: with the
    zeros set to small random values ``|N(0, 1)| mean(X) / 100``.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n_samples, n_features), non-negative
    n_components : int
        ``k``; at most ``min(n_samples, n_features)`` for the NNDSVD family.
    init : {"random", "nndsvd", "nndsvda", "nndsvdar"}, default="nndsvda"
    random_state : None, int or numpy.random.RandomState, default=None
        Seeds the randomized SVD and the random entries.

    Returns
    -------
    W : ndarray of shape (n_samples, n_components)
    H : ndarray of shape (n_components, n_features)
    """
    X = check_array(X, accept_sparse="csr", dtype=(np.float64, np.float32), input_name="X")
    _check_non_negative(X, "initialize_nmf")
    if init not in _INITS:
        raise ParameterError(f"initialize_nmf: init={init!r} is not allowed; use one of "
                             f"{', '.join(map(repr, _INITS))}.")
    _check_n_components_for_init(n_components, init, X.shape, "initialize_nmf")
    return _initialize(X, int(n_components), init, check_random_state(random_state))


def _check_n_components_for_init(n_components, init, shape, whom):
    if isinstance(n_components, (bool, np.bool_)) or not isinstance(n_components, Integral) \
            or n_components < 1:
        raise ParameterError(f"{whom}: n_components={n_components!r} must be an int >= 1.")
    smaller = min(shape)
    if init != "random" and n_components > smaller:
        raise ParameterError(
            f"{whom}: init={init!r} takes the n_components={n_components} leading singular "
            f"vectors of X, which has only min(n_samples, n_features) = {smaller}; lower "
            f"n_components to at most {smaller} or use init='random'."
        )


# --------------------------------------------------------------------------- solvers
def _hals_sweep(W, gram, cross, track):
    """One pass of exact coordinate updates over the columns of ``W`` (in place).

    Minimises ``1/2 ||X - W H||^2`` over each column ``w_t >= 0`` in turn, the others fixed:
    ``w_t <- max(0, w_t - (W g_t - c_t) / g_tt)`` with ``G = H H^T`` and ``C = X H^T``.

    Parameters
    ----------
    W : ndarray of shape (n, k), Fortran order (columns contiguous)
    gram : ndarray of shape (k, k)
        ``H H^T``.
    cross : ndarray of shape (n, k)
        ``X H^T``.
    track : bool
        Whether to sum the projected gradient's absolute values (scikit-learn's "violation").

    Returns
    -------
    violation : float
        0.0 when not tracked.
    """
    violation = 0.0
    for t in range(W.shape[1]):
        grad = W @ gram[:, t]  # (n,)
        grad -= cross[:, t]
        if track:
            column = W[:, t]
            projected = np.where(column == 0, np.minimum(grad, 0), grad)
            violation += float(np.abs(projected).sum(dtype=np.float64))
        hess = gram[t, t]
        if hess != 0:
            column = W[:, t]  # a view: contiguous in Fortran order
            grad /= hess
            column -= grad
            np.maximum(column, 0, out=column)
    return violation


def _fit_hals(X, W, H, *, max_iter, tol, update_H):
    """HALS / cyclic coordinate descent for the Frobenius objective; returns ``W, H, n_iter``.

    Each iteration sweeps the columns of ``W`` with ``H`` fixed, then (``update_H``) the rows of
    ``H`` with ``W`` fixed. With ``tol > 0`` it stops when the sum of absolute projected
    gradients falls below ``tol`` times its value at the first iteration (scikit-learn's rule).
    """
    W = np.asfortranarray(W)  # (n, k)
    Ht = np.asfortranarray(H.T)  # (d, k)
    track = tol > 0
    violation_init = None
    cross = gram = None
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        if update_H or n_iter == 1:
            gram = Ht.T @ Ht  # (k, k)
            cross = X @ Ht  # (n, k)
        violation = _hals_sweep(W, gram, cross, track)
        if update_H:
            violation += _hals_sweep(Ht, W.T @ W, X.T @ W, track)
        if not track:
            continue
        if violation_init is None:
            violation_init = violation
        if violation_init == 0 or violation / violation_init <= tol:
            break
    return np.ascontiguousarray(W), np.ascontiguousarray(Ht.T), n_iter


def _solve_codes(X, H, W, *, max_iter, tol):
    """Non-negative least squares for the codes, ``min_{W >= 0} ||X - W H||^2``, by HALS sweeps.

    Starts from ``W`` (updated in place; Fortran order) and stops when the summed absolute
    projected gradient falls below ``tol`` times its value at ``W = 0``, ``sum(X H^T)``: the
    same target whether the start is zero (:meth:`NMF.transform`) or the codes of a fit, so both
    reach the same solution (the problem is convex, strictly when ``H`` has full row rank).
    """
    gram = H @ H.T  # (k, k)
    cross = X @ H.T  # (n, k)
    target = tol * float(np.maximum(cross, 0).sum(dtype=np.float64))
    for _ in range(max_iter):
        violation = _hals_sweep(W, gram, cross, tol > 0)
        if tol > 0 and violation <= target:
            break
    return np.ascontiguousarray(W)


def _mu_frobenius_W(X, W, H):
    """``W <- W * (X H^T) / (W H H^T)`` in place (zero denominators set to eps)."""
    numerator = X @ H.T  # (n, k)
    denominator = W @ (H @ H.T)
    denominator[denominator == 0] = _EPS
    numerator /= denominator
    W *= numerator


def _mu_frobenius_H(X, W, H):
    numerator = W.T @ X  # (k, d)
    denominator = (W.T @ W) @ H
    denominator[denominator == 0] = _EPS
    numerator /= denominator
    H *= numerator


def _ratio(X, W, H, out):
    """``X / max(W H, eps)`` into ``out`` (n, d); for a CSR ``X``, a CSR of its pattern."""
    if issparse(X):  # 0 / y = 0: only the stored entries need W H
        y = _values_at_nonzeros(X, W, H).astype(X.dtype, copy=False)
        np.maximum(y, _EPS, out=y)
        np.divide(X.data, y, out=y)
        return X.__class__((y, X.indices, X.indptr), shape=X.shape)
    np.matmul(W, H, out=out)
    np.maximum(out, _EPS, out=out)
    np.divide(X, out, out=out)
    return out


def _mu_kl_W(X, W, H, buffer):
    """``W <- W * ((X / WH) H^T) / (1 H^T)`` in place."""
    numerator = _ratio(X, W, H, buffer) @ H.T  # (n, k)
    denominator = H.sum(axis=1)  # (k,)
    denominator[denominator == 0] = _EPS
    numerator /= denominator
    W *= numerator


def _mu_kl_H(X, W, H, buffer):
    """``H <- H * (W^T (X / WH)) / (W^T 1)`` in place; entries below float64 eps become 0."""
    numerator = W.T @ _ratio(X, W, H, buffer)  # (k, d)
    denominator = W.sum(axis=0)  # (k,)
    denominator[denominator == 0] = 1.0
    numerator /= denominator[:, np.newaxis]
    H *= numerator
    H[H < np.finfo(np.float64).eps] = 0


def _fit_multiplicative(X, W, H, *, beta_loss, max_iter, tol, update_H):
    """Lee & Seung's multiplicative updates; returns ``W, H, n_iter``.

    Each iteration updates ``W`` then (``update_H``) ``H``. With ``tol > 0``, every 10
    iterations it stops when ``sqrt(2 objective)`` fell by less than ``tol`` times its initial
    value since the last check (scikit-learn's rule).
    """
    W = W.copy()
    H = H.copy()
    buffer = (np.empty(X.shape, dtype=X.dtype)
              if beta_loss == "kullback-leibler" and not issparse(X) else None)
    error_init = previous = np.sqrt(2 * _objective(X, W, H, beta_loss)) if tol > 0 else 0.0
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        if beta_loss == "frobenius":
            _mu_frobenius_W(X, W, H)
            if update_H:
                _mu_frobenius_H(X, W, H)
        else:
            _mu_kl_W(X, W, H, buffer)
            if update_H:
                _mu_kl_H(X, W, H, buffer)
        if tol > 0 and n_iter % 10 == 0:
            error = np.sqrt(2 * max(_objective(X, W, H, beta_loss), 0.0))
            if error_init == 0 or (previous - error) / error_init < tol:
                break
            previous = error
    return W, H, n_iter


def _solve(X, W, H, *, solver, beta_loss, max_iter, tol, update_H):
    if solver == "cd":
        return _fit_hals(X, W, H, max_iter=max_iter, tol=tol, update_H=update_H)
    return _fit_multiplicative(X, W, H, beta_loss=beta_loss, max_iter=max_iter, tol=tol,
                               update_H=update_H)


# --------------------------------------------------------------------------- estimator
@register("nmf", family="decomposition")
class NMF(ClassNamePrefixFeaturesOutMixin, TransformerMixin, LatentEstimator):
    """Non-negative matrix factorisation ``X ~ W H`` with ``W, H >= 0`` (Lee & Seung 1999).

    Minimises ``1/2 ||X - W H||_F^2`` or the I-divergence ``sum x log(x / y) - x + y``
    (``Y = W H``) over non-negative codes ``W`` (n_samples, k) and dictionary
    ``H = components_`` (k, n_features), by multiplicative updates (Lee & Seung 2001) or by
    coordinate descent / HALS (Cichocki & Phan 2009). Non-negative atoms are interpretable,
    non-negative codes give parts-based representations (Lee & Seung 1999), who write
    ``V ~ W H`` with samples as columns; their ``W`` is our ``components_.T``. See the module
    docstring for the updates.

    Parameters
    ----------
    n_components : int or None, default=None
        ``k``. ``None`` means ``n_features``, or the number of rows of ``H`` when
        ``init="custom"``.
    init : {"random", "nndsvd", "nndsvda", "nndsvdar", "custom"} or None, default=None
        Starting point (see :func:`initialize_nmf`). ``None`` is ``"nndsvda"`` when
        ``k <= min(n_samples, n_features)`` and ``"random"`` otherwise. ``"custom"`` starts from
        the ``W`` and ``H`` passed to :meth:`fit` / :meth:`fit_transform`.
    solver : {"cd", "mu"}, default="cd"
        Coordinate descent (HALS; Frobenius only) or multiplicative updates.
    beta_loss : {"frobenius", "kullback-leibler"}, default="frobenius"
        The objective; ``"kullback-leibler"`` (the I-divergence) needs ``solver="mu"``.
    tol : float >= 0, default=1e-4
        Stopping tolerance (relative; see the solvers). ``0`` runs exactly ``max_iter``
        iterations.
    max_iter : int >= 1, default=200
        Iterations of the solver (one iteration updates ``W`` and ``H`` once each).
    n_jobs : int or None, default=None
        Threads of BLAS / OpenMP (through threadpoolctl) and numba in ``fit`` and
        ``transform`` (scikit-learn's meaning): None keeps the library defaults, 1 is one
        thread, -1 all cores.
    random_state : None, int or numpy.random.RandomState, default=None
        Seeds the initialisation.
    verbose : int, default=0
        Log how long each stage of the fit takes (logger ``latentlearn.decomposition.nmf``, at
        INFO), as openTSNE's ``verbose`` prints its stages; 0 logs them at DEBUG only.

    Attributes
    ----------
    components_ : ndarray of shape (n_components_, n_features)
        The dictionary ``H >= 0``, one atom per row, in the order of the initialisation (for the
        NNDSVD family: by decreasing singular value).
    n_components_ : int
    reconstruction_err_ : float
        ``sqrt(2 * objective)`` at the end of fit; ``||X - W H||_F`` for the Frobenius objective
        (scikit-learn's definition).
    n_iter_ : int
        Iterations run.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` had string column names.

    Notes
    -----
    float32 data stay float32 (the updates run in the data's dtype); objectives are summed in
    float64. The factorisation is not unique: atoms can be permuted and each atom rescaled
    against its code, ``W D, D^{-1} H``; this class keeps what the solver returns.

    Examples
    --------
    >>> import numpy as np
    >>> from latentlearn.decomposition import NMF
    >>> X = np.random.RandomState(0).uniform(size=(50, 8))
    >>> nmf = NMF(3, random_state=0).fit(X)
    >>> nmf.transform(X).shape
    (50, 3)
    """

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None), None],
        "init": [Options({*_INITS, "custom"}), None],
        "solver": [Options({"cd", "mu"})],
        "beta_loss": [Options({"frobenius", "kullback-leibler"})],
        "tol": [Interval(Real, 0, None)],
        "max_iter": [Interval(Integral, 1, None)],
        "random_state": ["random_state"],
        "verbose": [Interval(Integral, 0, None), "boolean"],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(self, n_components=None, *, init=None, solver="cd", beta_loss="frobenius",
                 tol=1e-4, max_iter=200, random_state=None, verbose=0,
                 n_jobs=None):
        self.n_components = n_components
        self.init = init
        self.solver = solver
        self.beta_loss = beta_loss
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state
        self.verbose = verbose
        self.n_jobs = n_jobs

    _accepts_sparse = True

    def _check_solver(self):
        if self.solver == "cd" and self.beta_loss != "frobenius":
            raise ParameterError(
                f"NMF: solver='cd' minimises the Frobenius objective only, got "
                f"beta_loss={self.beta_loss!r}; use solver='mu' for the Kullback-Leibler "
                "(I-divergence) objective."
            )
        if self.solver == "mu" and self.init == "nndsvd":
            warnings.warn(
                "NMF: multiplicative updates cannot move the exact zeros of init='nndsvd', which "
                "gives poorer factorisations; use init='nndsvda' or 'nndsvdar' with solver='mu'.",
                UserWarning, stacklevel=3)

    def _start(self, X, W, H):
        """Initial ``W, H``: checked custom ones, or drawn by ``init``."""
        n_samples, n_features = X.shape
        if self.init == "custom":
            if W is None or H is None:
                raise ParameterError(
                    "NMF: init='custom' starts from the W and H passed to fit; pass both "
                    "(fit(X, W=W0, H=H0)) or choose another init.")
            H = np.asarray(H)
            k = H.shape[0] if H.ndim == 2 else -1
            if self.n_components is not None and k != self.n_components:
                raise ParameterError(
                    f"NMF: H has {k} rows but n_components={self.n_components}; pass H of "
                    f"shape ({self.n_components}, {n_features}).")
            W = self._check_factor(W, (n_samples, k), "W", X.dtype)
            H = self._check_factor(H, (k, n_features), "H", X.dtype)
            return W.copy(), H.copy()
        if W is not None or H is not None:
            raise ParameterError(
                f"NMF: W and H are only used with init='custom' (init is {self.init!r}); "
                "pass init='custom' to start from them, or leave them out.")
        k = n_features if self.n_components is None else int(self.n_components)
        init = self.init
        if init is None:
            init = "nndsvda" if k <= min(n_samples, n_features) else "random"
        _check_n_components_for_init(k, init, X.shape, "NMF")
        return _initialize(X, k, init, check_random_state(self.random_state))

    @staticmethod
    def _check_factor(A, shape, name, dtype):
        A = np.asarray(A, dtype=dtype)
        if A.shape != shape:
            raise ValueError(f"NMF: the initial {name} must have shape {shape}; got {A.shape}.")
        if not np.all(np.isfinite(A)):
            raise ValueError(f"NMF: the initial {name} has NaN or infinite entries.")
        _check_non_negative(A, "NMF", name=f"the initial {name}")
        return A

    @limit_threads
    def fit_transform(self, X, y=None, *, W=None, H=None):
        """Factorise ``X ~ W H`` and return the codes ``W``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), non-negative
        y : ignored
        W : array-like of shape (n_samples, n_components), optional
            Initial codes, with ``init="custom"``.
        H : array-like of shape (n_components, n_features), optional
            Initial dictionary, with ``init="custom"``.

        Returns
        -------
        W : ndarray of shape (n_samples, n_components_)
        """
        self._check_parameters()
        self._check_solver()
        clock = StageClock(logger, "NMF", self.verbose)
        X = self._validate_X(X, reset=True)
        _check_non_negative(X, "NMF")
        W0, H0 = self._start(X, W, H)
        clock.stage("initialisation (%s)", "given W, H" if W is not None else
                    (self.init or "auto"))
        W, H, n_iter = _solve(X, W0, H0, solver=self.solver, beta_loss=self.beta_loss,
                              max_iter=self.max_iter, tol=self.tol, update_H=True)
        clock.stage("%d %s sweeps", n_iter, self.solver)
        if self.solver == "cd":
            # the codes solved to tolerance for the final dictionary, as transform solves them:
            # fit_transform(X) then agrees with transform(X), and the objective can only drop
            W = _solve_codes(X, H, np.asfortranarray(W), max_iter=self.max_iter, tol=self.tol)
        if self.tol > 0 and n_iter == self.max_iter:
            warnings.warn(
                f"NMF did not converge in max_iter={self.max_iter} iterations (tol={self.tol}); "
                "raise max_iter or tol.", ConvergenceWarning, stacklevel=2)
        self.components_ = H
        self.n_components_ = H.shape[0]
        self.n_iter_ = n_iter
        self.reconstruction_err_ = float(
            np.sqrt(2 * max(_objective(X, W, H, self.beta_loss), 0.0)))
        clock.stage("final codes (error %.6g)", self.reconstruction_err_)
        return W

    @limit_threads
    def fit(self, X, y=None, *, W=None, H=None):
        """Factorise ``X ~ W H``; see :meth:`fit_transform`.

        Returns
        -------
        self : NMF
        """
        self.fit_transform(X, W=W, H=H)
        return self

    @limit_threads
    def transform(self, X):
        """Codes of ``X`` against the fixed dictionary: ``min_{W >= 0}`` of the objective.

        Lee & Seung's notation ``V ~ W H`` calls this solving for ``H`` with ``W`` fixed. The same
        solver as in fit runs for at most ``max_iter`` iterations with ``tol``: HALS sweeps from
        zero codes until the summed absolute projected gradient is below ``tol * sum(X H^T)``
        (its value at zero), or multiplicative updates from the constant ``sqrt(mean(X) / k)``
        with scikit-learn's rule.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), non-negative

        Returns
        -------
        W : ndarray of shape (n_samples, n_components_)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        _check_non_negative(X, "NMF.transform")
        H = self.components_.astype(X.dtype, copy=False)
        k = H.shape[0]
        if self.solver == "cd":
            W = np.zeros((X.shape[0], k), dtype=X.dtype, order="F")
            return _solve_codes(X, H, W, max_iter=self.max_iter, tol=self.tol)
        W = np.full((X.shape[0], k), np.sqrt(X.mean(dtype=np.float64) / k), dtype=X.dtype)
        W, _, _ = _fit_multiplicative(X, W, H, beta_loss=self.beta_loss,
                                      max_iter=self.max_iter, tol=self.tol, update_H=False)
        return W

    @limit_threads
    def inverse_transform(self, W):
        """Reconstruct ``X ~ W H``.

        Parameters
        ----------
        W : array-like of shape (n_samples, n_components_)

        Returns
        -------
        X_rec : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        W = check_codes(W, self.n_components_, "NMF.inverse_transform")
        return W @ self.components_

    @property
    def _n_features_out(self):
        return self.components_.shape[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def non_negative_factorization(X, n_components=None, *, init=None, W=None, H=None,
                               solver="cd", beta_loss="frobenius", tol=1e-4, max_iter=200,
                               random_state=None):
    """Factorise non-negative ``X ~ W H``: the function form of :class:`NMF`.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features), non-negative
    n_components, init, solver, beta_loss, tol, max_iter, random_state
        As for :class:`NMF`.
    W : array-like of shape (n_samples, n_components), optional
        Initial codes (with ``init="custom"``).
    H : array-like of shape (n_components, n_features), optional
        Initial dictionary (with ``init="custom"``).

    Returns
    -------
    W : ndarray of shape (n_samples, n_components)
    H : ndarray of shape (n_components, n_features)
    n_iter : int
    """
    model = NMF(n_components, init=init, solver=solver, beta_loss=beta_loss, tol=tol,
                max_iter=max_iter, random_state=random_state)
    W = model.fit_transform(X, W=W, H=H)
    return W, model.components_, model.n_iter_
