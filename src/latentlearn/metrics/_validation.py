"""Input checks shared by the metrics: clear errors that say what to do."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils.validation import check_array

from ..exceptions import DataError, ParameterError


def as_samples(X, name: str, *, allow_1d: bool = False, min_samples: int = 1) -> np.ndarray:
    """``X`` as a finite float array of shape (n_samples, n_features).

    Images of shape (n, h, w[, c]) are flattened; with ``allow_1d`` a vector of shape (n,) is
    taken as one feature.
    """
    arr = np.asarray(X)
    if arr.ndim == 1 and allow_1d:
        arr = arr.reshape(-1, 1)
    elif arr.ndim > 2:
        arr = arr.reshape(arr.shape[0], -1)
    if arr.ndim != 2:
        raise DataError(f"{name} must be a 2-D array of shape (n_samples, n_features); "
                        f"got shape {arr.shape}.")
    try:
        arr = check_array(arr, dtype=np.float64, ensure_min_samples=min_samples,
                          input_name=name)
    except ValueError as exc:
        raise DataError(f"{name}: {exc}") from exc
    return arr


def as_labels(y, name: str) -> np.ndarray:
    """``y`` as a 1-D array (labels of any hashable kind)."""
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise DataError(f"{name} must be a 1-D array of labels; got shape {arr.shape}.")
    return arr


def check_same_length(a, b, name_a: str, name_b: str) -> None:
    if len(a) != len(b):
        raise DataError(f"{name_a} has {len(a)} samples but {name_b} has {len(b)}; "
                        f"pass the same samples, in the same order, to both.")


def check_int(value, name: str, minimum: int) -> int:
    """``value`` as an int, if it is an integer (not a bool) of at least ``minimum``."""
    if (isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral)
            or value < minimum):
        raise ParameterError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def check_n_neighbors(n_neighbors, n_samples: int) -> int:
    """An integer n_neighbors with 1 <= n_neighbors < n_samples / 2 (Venna & Kaski's range)."""
    check_int(n_neighbors, "n_neighbors", 1)
    if n_neighbors >= n_samples / 2:
        largest = (n_samples - 1) // 2
        hint = (f"use n_neighbors <= {largest}" if largest >= 1
                else "pass at least 3 samples")
        raise ParameterError(
            f"n_neighbors={n_neighbors} is too large for {n_samples} samples: it must be less "
            f"than n_samples / 2 = {n_samples / 2:g} for the score to lie in [0, 1]; {hint}, "
            f"or evaluate on more samples."
        )
    return int(n_neighbors)
