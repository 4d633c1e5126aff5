"""Figure plumbing shared by the plots: figures that never touch pyplot's global state.

Figures are made with :class:`matplotlib.figure.Figure` directly, not ``plt.figure``: they are
not registered with pyplot, so nothing has to be closed, no window opens, and the process-wide
backend is never chosen or changed. Saving works on any backend (``fig.savefig`` picks the
canvas from the file format), and notebooks still display a returned Figure inline.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure, FigureBase

from ..exceptions import ParameterError


def new_figure(figsize, *, layout="constrained") -> Figure:
    """A fresh Figure unknown to pyplot."""
    return Figure(figsize=figsize, layout=layout)


def root_figure(obj) -> Figure:
    """The top-level Figure of an Axes, SubFigure or Figure."""
    fig = obj.figure if isinstance(obj, Axes) else obj
    while not isinstance(fig, Figure):   # a SubFigure's .figure is its parent
        fig = fig.figure
    return fig


def figure_and_axes(ax, figsize):
    """``(figure, ax)``: the given Axes and its figure, or a new figure with one Axes."""
    if ax is None:
        fig = new_figure(figsize)
        return fig, fig.add_subplot()
    if not isinstance(ax, Axes):
        raise ParameterError(f"ax must be a matplotlib Axes or None; got {type(ax).__name__}.")
    return root_figure(ax), ax


def check_container(fig):
    """A Figure or SubFigure to draw a multi-panel plot into, or None for a new one."""
    if fig is not None and not isinstance(fig, FigureBase):
        raise ParameterError(f"fig must be a matplotlib Figure or SubFigure (e.g. from "
                             f"fig.subfigures()) or None; got {type(fig).__name__}.")
    return fig


def class_colours(n_classes: int) -> np.ndarray:
    """RGB colours (n_classes, 3) for class or cluster ``j``: tab10, tab20, then turbo; shared
    by every plot so that cluster ``j`` has one colour throughout a report."""
    if n_classes <= 10:
        return np.asarray(colormaps["tab10"].colors)[:n_classes]
    if n_classes <= 20:
        return np.asarray(colormaps["tab20"].colors)[:n_classes]
    return colormaps["turbo"](np.linspace(0.05, 0.95, n_classes))[:, :3]
