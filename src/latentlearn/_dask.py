"""Dask arrays: per-block statistics computed where the blocks live, combined on the client.

:class:`~latentlearn.decomposition.PCA` and :class:`~latentlearn.cluster.KMeans` accept a
``dask.array.Array`` (``pip install 'latentlearn[dask]'``). Their fits only need sums over the
rows, so each block of rows is reduced to a few small arrays by a task that runs on the dask
worker holding it (with a ``dask.distributed.Client`` active, ``dask.compute`` sends the tasks to
its workers; without one they run on the local threaded scheduler), and the client adds the
results up and finishes the fit (the covariance eigendecomposition, the centre update of Lloyd's
iteration). Only the ``(k, d)`` or ``(d, d)`` statistics travel, never the data.

The moments are combined with the pairwise update of Chan, Golub & LeVeque (1979, "Updating
formulae and a pairwise algorithm for computing sample variances"): a block of ``n_b`` rows
gives its count, its mean ``m_b`` and its centred scatter ``S_b = sum (x - m_b)(x - m_b)^T``,
and the whole data's scatter is ``S = sum_b S_b + sum_b n_b (m_b - m)(m_b - m)^T``. That avoids
the cancellation of ``X^T X - n m m^T`` when the mean is large next to the spread, and gives the
covariance ``S / (n - 1)`` of Bishop 2006, PRML §12.1, to the accuracy of the in-memory fit.

A fitted estimator's row-wise methods (``transform``, ``predict``, ``score_samples``...) given a
dask array return a lazy dask array with the same row blocks (:func:`lazy_rows`): each block
goes through the in-memory method on its worker, so the values are those of the in-memory
method on the same rows, and nothing is gathered on the client.

Input rules (checked by :func:`check_dask_array`): two dimensions; a numeric dtype (an ``object``
or complex array raises a ``TypeError`` naming the dtype and the conversion to make; integers and
booleans become float64, as in-memory); blocks split along the columns are re-chunked to whole
rows; unknown chunk sizes (``nan`` chunks, e.g. after boolean indexing) are computed, which
costs one pass over the data (logged at INFO).
"""

from __future__ import annotations

import logging
import math
import sys

import numpy as np

from ._optional import require

__all__ = ["is_dask_array", "check_dask_array", "map_blocks_to_client", "block_moments",
           "dask_weights", "sample_rows", "lazy_rows", "sum_over_blocks", "as_dask_rows"]

logger = logging.getLogger(__name__)


def _dask():
    return require("dask", extra="dask", what="fitting dask arrays")


def is_dask_array(X) -> bool:
    """Whether ``X`` is a ``dask.array.Array`` (found without importing dask)."""
    if "dask.array" not in sys.modules:
        return False
    return isinstance(X, sys.modules["dask.array"].Array)


def check_dask_array(X, who):
    """``X`` as a 2-D float32/float64 dask array chunked by whole rows, with known chunks.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
    who : str
        The estimator, for the messages.

    Returns
    -------
    X : dask.array.Array
        float32 stays float32, other real dtypes become float64.

    Raises
    ------
    TypeError
        For an ``object``, string or complex dtype.
    ValueError
        For an array that is not two-dimensional.
    """
    _dask()
    dtype = np.dtype(X.dtype)
    if dtype.kind not in "biuf":
        raise TypeError(
            f"{who}: the dask array X has dtype {dtype}, which is not numeric; convert it "
            "before fitting, e.g. X = X.astype('float64') (or X.astype('float32') to halve the "
            "memory), after replacing any non-numeric entries.")
    if X.ndim != 2:
        raise ValueError(
            f"{who}: the dask array X must be 2-D, (n_samples, n_features); got {X.ndim} "
            f"dimensions, shape {X.shape}. Reshape it, e.g. X.reshape(n, -1).")
    if dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    if any(math.isnan(c) for chunks in X.chunks for c in chunks):
        logger.info("%s: the dask array X has unknown chunk sizes; computing them (one pass "
                    "over the data)", who)
        X = X.copy()
        X.compute_chunk_sizes()
    if len(X.chunks[1]) > 1:  # a task needs whole rows
        X = X.rechunk({1: -1})
    return X


def map_blocks_to_client(X, func, *args, with_offset=False, weights=None):
    """``[func(block, *args) for block in X's row blocks]``, each run where its block lives.

    ``func`` must be a module-level function (it is pickled to the workers when they are
    processes) returning small arrays; the small ``args`` are put in the graph once and shared
    by every task. With ``with_offset``, each call also gets the position of its block's first
    row in ``X`` as a last argument. With ``weights`` (a 1-D dask array chunked as ``X``'s rows,
    from :func:`dask_weights`), each call gets its block's weights as ``weights=``.

    Returns
    -------
    results : list
        One result per row block, in row order.
    """
    dask = _dask()
    shared = [dask.delayed(a) if isinstance(a, np.ndarray) else a for a in args]
    blocks = X.to_delayed().ravel()
    extra = [[] for _ in blocks]
    if with_offset:
        offsets = np.concatenate([[0], np.cumsum(X.chunks[0])[:-1]]).astype(np.int64).tolist()
        extra = [[offset] for offset in offsets]
    kwargs = ([{}] * len(blocks) if weights is None
              else [{"weights": w} for w in weights.to_delayed().ravel()])
    tasks = [dask.delayed(func, pure=True)(block, *shared, *more, **kw)
             for block, more, kw in zip(blocks, extra, kwargs)]
    return list(dask.compute(*tasks))


def dask_weights(weights, X):
    """Sample weights (validated, float64, on the client) as a dask array chunked like the rows
    of ``X`` and persisted: the workers keep their blocks from one task to the next."""
    da = require("dask.array", extra="dask", what="dask arrays")
    return da.from_array(np.asarray(weights, dtype=np.float64), chunks=(X.chunks[0],)).persist()


def _block_moments(block, scatter):
    """``(n_b, m_b, S_b)`` of one block in float64; ``S_b`` is the column sums of squares of
    ``x - m_b`` when not ``scatter``."""
    n = block.shape[0]
    if n == 0:
        d = block.shape[1]
        return 0, np.zeros(d), (np.zeros((d, d)) if scatter else np.zeros(d))
    centred = block.astype(np.float64)
    mean = centred.mean(axis=0)
    centred -= mean
    spread = centred.T @ centred if scatter else np.einsum("ij,ij->j", centred, centred)
    return n, mean, spread


def _weighted_block_moments(block, scatter, *, weights):
    """``(W_b, m_b, S_b)``: total weight, weighted mean and weighted centred scatter
    ``sum_i w_i (x_i - m_b)(x_i - m_b)^T`` (its diagonal when not ``scatter``)."""
    total = float(weights.sum())
    d = block.shape[1]
    if total == 0:
        return 0.0, np.zeros(d), (np.zeros((d, d)) if scatter else np.zeros(d))
    centred = block.astype(np.float64)
    mean = weights @ centred / total
    centred -= mean
    spread = (centred.T * weights) @ centred if scatter else weights @ (centred * centred)
    return total, mean, spread


def block_moments(X, *, scatter=True, who="fit", weights=None):
    """Count, mean and centred scatter of the rows of a dask array, block by block.

    With ``weights`` (from :func:`dask_weights`) the count is the total weight and the mean and
    scatter are weighted.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features), from :func:`check_dask_array`
    scatter : bool, default=True
        Return the ``(d, d)`` scatter ``S = sum_i (x_i - m)(x_i - m)^T``; when False only its
        diagonal (the per-column sums of squared deviations), ``(d,)``.
    who : str

    Returns
    -------
    n_samples : int
    mean : ndarray of shape (n_features,), float64
    spread : ndarray of shape (n_features, n_features) or (n_features,), float64

    Raises
    ------
    ValueError
        If ``X`` holds NaN or infinity.
    """
    moments = _block_moments if weights is None else _weighted_block_moments
    parts = map_blocks_to_client(X, moments, scatter, weights=weights)
    n = sum(p[0] for p in parts)
    if n == 0:
        raise ValueError(f"{who}: the dask array X has no rows.")
    mean = sum(p[0] * p[1] for p in parts) / n
    spread = sum(p[2] for p in parts)
    for n_b, mean_b, _ in parts:  # Chan, Golub & LeVeque (1979): the between-block term
        if n_b:
            gap = mean_b - mean
            spread = spread + n_b * (np.outer(gap, gap) if scatter else gap * gap)
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(spread))):
        raise ValueError(
            f"{who}: the dask array X contains NaN or infinity; drop or impute those entries "
            "first (e.g. X = X[~da.isnan(X).any(axis=1)]).")
    return (int(n) if weights is None else float(n)), mean, spread


def sample_rows(X, n_rows, rng):
    """Rows of ``X`` on the client: all of them when ``n_rows >= n_samples``, else ``n_rows``
    rows drawn uniformly without replacement (kept in their order in ``X``).

    Returns
    -------
    rows : ndarray of shape (min(n_rows, n_samples), n_features)
    """
    n_samples = X.shape[0]
    if n_rows >= n_samples:
        return np.asarray(X.compute())
    index = np.sort(rng.choice(n_samples, size=n_rows, replace=False))
    return np.asarray(X[index].compute())


def _light(estimator, drop):
    """A shallow copy of ``estimator`` without its per-sample attributes (``labels_``...), so
    the tasks do not carry ``(n_samples,)`` arrays to the workers."""
    import copy

    light = copy.copy(estimator)
    for name in drop:
        light.__dict__.pop(name, None)
    return light


def _apply(block, estimator, method, empty=0.0, weights=None):
    """``estimator.method(block)`` (with ``sample_weight=weights`` when given); ``empty`` for a
    block of no rows (the in-memory methods refuse those)."""
    if block.shape[0] == 0:
        return empty
    if weights is not None:
        return getattr(estimator, method)(block, sample_weight=weights)
    return getattr(estimator, method)(block)


def _checked_for_method(estimator, X, method, n_columns=None):
    who = f"{type(estimator).__name__}.{method}"
    X = check_dask_array(X, who)
    expected = getattr(estimator, "n_features_in_", None) if n_columns is None else n_columns
    if expected is not None and X.shape[1] != expected:
        raise ValueError(
            f"{who}: X has {X.shape[1]} columns, but {type(estimator).__name__}.{method} "
            f"expects {expected} (as fitted); pass the same columns as in fit.")
    return X


def lazy_rows(estimator, method, X, *, n_columns=None, drop=("labels_",)):
    """``estimator.method`` of each row block of the dask array ``X``, as a lazy dask array.

    The output's dtype and width are those of the in-memory method on one row; it has ``X``'s
    row blocks (2-D outputs in one column block). Nothing is computed here.

    Parameters
    ----------
    estimator : fitted estimator
    method : str
        A row-wise method: row ``i`` of its result depends on row ``i`` of ``X`` only.
    X : dask.array.Array of shape (n_samples, n_features)
    n_columns : int or None
        The columns ``method`` takes; None: ``estimator.n_features_in_``.
    drop : tuple of str
        Per-sample fitted attributes the tasks do not need (see :func:`_light`).

    Returns
    -------
    result : dask.array.Array of shape (n_samples,) or (n_samples, n_out)
    """
    X = _checked_for_method(estimator, X, method, n_columns)
    light = _light(estimator, drop)
    probe = np.asarray(getattr(light, method)(np.zeros((1, X.shape[1]), dtype=X.dtype)))
    kwargs = {"estimator": light, "method": method, "empty": probe[:0], "dtype": probe.dtype}
    if probe.ndim == 1:
        return X.map_blocks(_apply, drop_axis=1, chunks=(X.chunks[0],), **kwargs)
    return X.map_blocks(_apply, chunks=(X.chunks[0], (probe.shape[1],)), **kwargs)


def sum_over_blocks(estimator, method, X, *, sample_weight=None, drop=("labels_",)):
    """``sum_b estimator.method(block_b)`` over the row blocks of ``X``, each block's term
    computed where it lives; for methods that sum over the rows (e.g. k-means' ``score``).
    With ``sample_weight`` (validated, on the client), each block's call gets its weights as
    ``sample_weight=``.

    Returns
    -------
    total : float
    """
    X = _checked_for_method(estimator, X, method)
    light = _light(estimator, drop)
    weights = None if sample_weight is None else dask_weights(sample_weight, X)
    return float(sum(map_blocks_to_client(X, _apply, light, method, weights=weights)))


def as_dask_rows(values, X):
    """The in-memory ``values`` (one per row of the dask array ``X``) as a dask array chunked
    like ``X``'s rows (dask's own chunks where those are unknown)."""
    da = require("dask.array", extra="dask", what="dask arrays")
    rows = X.chunks[0]
    if any(math.isnan(c) for c in rows):
        return da.from_array(values)
    return da.from_array(values, chunks=(rows,))
