"""Reconstruction error: how far decoding the code of a sample lands from the sample."""

from __future__ import annotations

import numpy as np

from ..exceptions import DataError, ParameterError
from ._validation import as_samples

__all__ = ["reconstruction_error"]


def reconstruction_error(X, X_reconstructed, *, reduction="mean"):
    """Mean squared error of a reconstruction, per sample, then reduced over samples.

    The error of sample ``i`` is ``e_i = mean_j (X[i, j] - X_reconstructed[i, j])**2``, the mean
    over its features (pixels), so it does not grow with the image size.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features) or (n_samples, h, w[, c])
        The samples.
    X_reconstructed : array-like of the same shape
        Their reconstructions (e.g. ``inverse_transform(transform(X))``).
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"``: the mean of ``e_i`` over samples (the usual MSE); ``"sum"``: their sum;
        ``"none"``: the array of ``e_i``.

    Returns
    -------
    float or ndarray of shape (n_samples,)
    """
    if reduction not in ("mean", "sum", "none"):
        raise ParameterError(f"reduction must be 'mean', 'sum' or 'none'; got {reduction!r}.")
    X_arr, R_arr = np.asarray(X), np.asarray(X_reconstructed)
    if X_arr.shape != R_arr.shape:
        raise DataError(f"X has shape {X_arr.shape} but X_reconstructed has shape "
                        f"{R_arr.shape}; pass the reconstruction of each sample of X, in order.")
    X_arr = as_samples(X_arr, "X", allow_1d=True)
    R_arr = as_samples(R_arr, "X_reconstructed", allow_1d=True)
    per_sample = np.mean((X_arr - R_arr) ** 2, axis=1)
    if reduction == "none":
        return per_sample
    return float(per_sample.mean() if reduction == "mean" else per_sample.sum())
