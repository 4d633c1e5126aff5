"""Checks shared by the divergences: probability masses, samples, shapes.

Each check reads a detached numpy copy of the values (so it never touches the autograd graph)
and raises :class:`~latentlearn.exceptions.DataError` saying what is wrong and what to do.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..exceptions import DataError, ParameterError

__all__ = ["check_masses", "check_same_support", "check_samples", "check_axis", "log_base"]


def _sum_tolerance(n_outcomes: int, eps: float) -> float:
    # Masses that were normalised in float32 (a softmax over 10^4 outcomes) are off by about
    # sqrt(n) * eps; rounding to six decimals is still accepted in float64.
    return max(1e-6, 10.0 * math.sqrt(n_outcomes) * eps)


def check_axis(x, axis: int, name: str) -> int:
    if not isinstance(axis, numbers.Integral) or isinstance(axis, bool):
        raise ParameterError(f"axis must be an int; got {axis!r}.")
    if x.ndim == 0:
        raise DataError(f"{name} is a single number; pass the masses of every outcome as an "
                        f"array (e.g. [0.2, 0.8]).")
    if not -x.ndim <= axis < x.ndim:
        raise ParameterError(f"axis={axis} is out of range for {name} of shape "
                             f"{tuple(x.shape)}.")
    return int(axis) % x.ndim


def check_masses(xp, x, name: str, *, axis: int = -1, normalize: bool = False):
    """``x`` as masses along ``axis``: finite, >= 0 and summing to one.

    With ``normalize=True`` masses are divided by their sum (which must be > 0) instead of
    being required to sum to one.
    """
    if not isinstance(normalize, (bool, np.bool_)):
        raise ParameterError(f"normalize must be True or False; got {normalize!r}.")
    x = xp.asarray(x)
    axis = check_axis(x, axis, name)
    values = xp.to_numpy(x)
    if values.shape[axis] == 0:
        raise DataError(f"{name} has no outcomes (length 0 along axis {axis}).")
    if not np.all(np.isfinite(values)):
        raise DataError(f"{name} has NaN or infinite entries; masses must be finite numbers.")
    if np.any(values < 0):
        raise DataError(f"{name} has negative mass (smallest entry {values.min():.6g}); masses "
                        f"are probabilities and must be >= 0.")
    totals = values.sum(axis=axis)
    if normalize:
        if np.any(totals <= 0):
            raise DataError(f"{name} sums to 0 along axis {axis}; there is nothing to "
                            f"normalise. Give at least one outcome positive mass.")
        return x / xp.sum(x, axis=axis, keepdims=True)
    tol = _sum_tolerance(values.shape[axis], xp.eps(x))
    worst = float(np.max(np.abs(totals - 1.0)))
    if worst > tol:
        bad = float(np.ravel(totals)[np.argmax(np.abs(np.ravel(totals) - 1.0))])
        raise DataError(f"{name} sums to {bad:.10g} along axis {axis}, not 1 (tolerance "
                        f"{tol:.1e}); pass normalize=True to divide it by its sum, or fix the "
                        f"masses.")
    return x


def check_same_support(p, q, axis: int, names=("p", "q")) -> None:
    """Same number of outcomes along ``axis``, and batch shapes that broadcast."""
    a, b = names
    if p.ndim != q.ndim:
        raise DataError(f"{a} has shape {tuple(p.shape)} and {b} has shape {tuple(q.shape)}; "
                        f"give both the same number of dimensions (outcomes along axis "
                        f"{axis}).")
    if p.shape[axis] != q.shape[axis]:
        raise DataError(f"{a} has {p.shape[axis]} outcomes and {b} has {q.shape[axis]} along "
                        f"axis {axis}; both must be masses on the same support (the same "
                        f"outcomes in the same order).")
    try:
        np.broadcast_shapes(tuple(p.shape), tuple(q.shape))
    except ValueError:
        raise DataError(f"{a} of shape {tuple(p.shape)} and {b} of shape {tuple(q.shape)} do "
                        f"not broadcast; batch dimensions must match or be 1.") from None


def check_samples(xp, x, name: str, *, ndim: int, min_samples: int = 1):
    """Samples as a finite float array with ``ndim`` dimensions (1: values, 2: rows)."""
    x = xp.asarray(x)
    if ndim == 2 and x.ndim == 1:
        raise DataError(f"{name} must have shape (n_samples, n_features); got a 1-D array of "
                        f"shape {tuple(x.shape)}. Reshape it with .reshape(-1, 1) if it holds "
                        f"one feature.")
    if x.ndim != ndim:
        want = "(n_samples,)" if ndim == 1 else "(n_samples, n_features)"
        raise DataError(f"{name} must have shape {want}; got shape {tuple(x.shape)}.")
    if x.shape[0] < min_samples:
        raise DataError(f"{name} has {x.shape[0]} samples; at least {min_samples} are needed.")
    if not np.all(np.isfinite(xp.to_numpy(x))):
        raise DataError(f"{name} has NaN or infinite entries; drop or impute them first.")
    return x


def log_base(base) -> float:
    """``log(base)`` to divide natural logarithms by; 1.0 for ``base=None`` (nats)."""
    if base is None:
        return 1.0
    if (not isinstance(base, numbers.Real) or isinstance(base, bool) or not base > 0
            or base == 1 or not math.isfinite(base)):
        raise ParameterError(f"base must be None (natural log, nats) or a positive number other "
                             f"than 1 (2 for bits); got {base!r}.")
    return math.log(base)
