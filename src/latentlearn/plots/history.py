"""Training and optimisation curves from a history: a list of records such as history.jsonl."""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..exceptions import DataError, ParameterError
from ._common import figure_and_axes, new_figure

__all__ = ["plot_history"]

# Record keys that say *when* a record was taken, tried in this order for the x axis.
_X_KEYS = ("step", "iteration", "epoch")
# Keys that are bookkeeping, not curves, unless asked for by name.
_NOT_CURVES = frozenset(_X_KEYS) | {"time", "time_s", "elapsed_s", "wall_time", "timestamp"}


def plot_history(history, keys=None, *, x=None, ax=None, logy=False):
    """Curves of logged values (loss, KL divergence, ...) against step, iteration or epoch.

    Parameters
    ----------
    history : list of dict
        One record per logged moment, e.g. ``{"epoch": 3, "step": 1200, "loss": 0.41,
        "kl": 12.3}``. Records may lack keys (a validation loss logged once per epoch); values
        that are not numbers are ignored.
    keys : sequence of str, optional
        The values to draw; by default every numeric key except the x key and time stamps.
    x : str, optional
        The key for the x axis; by default the first of "step", "iteration", "epoch" that the
        records have, else the record's position.
    ax : matplotlib Axes, optional
        Draw every curve on this Axes (with a legend). Without it, each key gets its own panel,
        since losses and their terms live on different scales.
    logy : bool, default=False
        Logarithmic y axis (for values that are all positive).

    Returns
    -------
    matplotlib.figure.Figure
    """
    records = list(history)
    if not records or not all(isinstance(r, dict) for r in records):
        raise DataError("history must be a non-empty list of dicts, one per logged moment "
                        "(e.g. the lines of history.jsonl).")
    if x is None:
        x = next((k for k in _X_KEYS if any(k in r for r in records)), None)
    elif not any(x in r for r in records):
        raise ParameterError(f"x={x!r} is in none of the history records; their keys are "
                             f"{', '.join(sorted(_all_keys(records)))}.")
    if keys is None:
        keys = [k for k in _all_keys(records)
                if k != x and k not in _NOT_CURVES and any(_is_number(r.get(k)) for r in records)]
    else:
        keys = [str(k) for k in keys]
        missing = [k for k in keys if not any(_is_number(r.get(k)) for r in records)]
        if missing:
            raise ParameterError(f"no numeric values for {', '.join(map(repr, missing))} in the "
                                 f"history; its keys are {', '.join(sorted(_all_keys(records)))}.")
    if not keys:
        raise DataError("the history holds no numeric values to plot besides the x axis.")

    curves = {k: _curve(records, k, x) for k in keys}
    xlabel = x if x is not None else "record"
    if ax is not None:
        fig, ax = figure_and_axes(ax, None)
        for k in keys:
            ax.plot(*curves[k], label=k)
        _finish(ax, xlabel, None, logy)
        ax.legend(frameon=False, fontsize="small")
        return fig

    n_cols = min(3, len(keys))
    n_rows = math.ceil(len(keys) / n_cols)
    fig = new_figure((4.0 * n_cols, 3.0 * n_rows))
    axes = fig.subplots(n_rows, n_cols, squeeze=False).ravel()
    for panel, k in zip(axes, keys):
        panel.plot(*curves[k], color="tab:blue")
        _finish(panel, xlabel, k, logy)
    for panel in axes[len(keys):]:
        panel.remove()
    return fig


def _all_keys(records):
    seen = {}
    for r in records:
        for k in r:
            seen.setdefault(str(k), None)
    return list(seen)   # first-appearance order


def _curve(records, key, x):
    xs, ys = [], []
    for i, r in enumerate(records):
        value = r.get(key)
        if not _is_number(value):
            continue
        if x is None:
            xs.append(i)
        elif _is_number(r.get(x)):
            xs.append(float(r[x]))
        else:
            continue
        ys.append(float(value))
    return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)


def _finish(ax, xlabel, ylabel, logy):
    ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    ax.grid(True, alpha=0.3)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
