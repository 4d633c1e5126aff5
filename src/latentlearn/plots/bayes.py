"""Variational figures: contours of p with the q of each criterion; the lower bound.

After Bishop 2006, PRML, chapter 10 (figures 10.2 and 10.3: the factorised Gaussian that
minimises KL(q||p) or KL(p||q); section 10.3: the lower bound of variational linear
regression). Like the rest of :mod:`latentlearn.plots`, every function builds a
:class:`matplotlib.figure.Figure` without pyplot (no window, no global state) and returns it;
save it with :func:`latentlearn.fileio.save_figure`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from ..exceptions import DataError, ParameterError
from ._common import check_container, new_figure, root_figure

__all__ = ["plot_gaussian_approximations", "plot_lower_bound"]

# Contours at Mahalanobis radii 1, 2, 3: for a Gaussian, where the density is exp(-r^2 / 2) of
# its peak; p's contours are drawn at the same fractions of its peak, so the two read alike.
_RADII = (1.0, 2.0, 3.0)
_P_COLOUR = "tab:green"
_Q_COLOUR = "tab:red"


def _ellipse(mean, cov, radius, n_points=200):
    """Points (n_points, 2) on ``(x - mean)^T cov^-1 (x - mean) = radius^2``."""
    angles = np.linspace(0.0, 2.0 * np.pi, n_points)
    circle = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return mean + radius * circle @ np.linalg.cholesky(cov).T


def plot_gaussian_approximations(log_density, approximations, *, extent, titles=None,
                                 n_grid=200, fig=None):
    """Contours of a 2-D target ``p`` (green) and of a Gaussian ``q`` (red) per panel.

    As Bishop 2006, PRML, figures 10.2 and 10.3: each panel shows the same
    ``p`` and one approximation ``q = N(mean, cov)``. ``p`` is drawn where its density is
    ``exp(-r^2/2)`` of its peak, ``q`` on its Mahalanobis ellipses of radius ``r``, for
    ``r = 1, 2, 3`` (for a Gaussian ``p`` the two sets of curves are comparable).

    Parameters
    ----------
    log_density : callable
        ``log p`` (up to a constant) of points of shape (..., 2), returning shape (...).
    approximations : sequence of (mean, cov)
        One per panel: ``mean`` of shape (2,), ``cov`` of shape (2, 2).
    extent : tuple of 4 floats
        ``(x_min, x_max, y_min, y_max)`` of the panels.
    titles : sequence of str, optional
        One per panel.
    n_grid : int, default=200
        Grid points per axis for p's contours.
    fig : matplotlib Figure or SubFigure, optional
        Draw into this container instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = check_container(fig)
    approximations = list(approximations)
    if not approximations:
        raise DataError("approximations is empty; give at least one (mean, cov) pair.")
    if titles is not None and len(titles) != len(approximations):
        raise ParameterError(f"titles has {len(titles)} entries for {len(approximations)} "
                             f"panels; give one per approximation.")
    if len(extent) != 4 or not (extent[0] < extent[1] and extent[2] < extent[3]):
        raise ParameterError(f"extent must be (x_min, x_max, y_min, y_max) with min < max; "
                             f"got {extent!r}.")
    parsed = []
    for i, (mean, cov) in enumerate(approximations):
        mean, cov = np.asarray(mean, dtype=float), np.asarray(cov, dtype=float)
        if mean.shape != (2,) or cov.shape != (2, 2):
            raise DataError(f"approximation {i}: mean must have shape (2,) and cov (2, 2); got "
                            f"{mean.shape} and {cov.shape}.")
        parsed.append((mean, cov))

    xs = np.linspace(extent[0], extent[1], n_grid)
    ys = np.linspace(extent[2], extent[3], n_grid)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)                       # (n_grid, n_grid, 2)
    log_p = np.asarray(log_density(grid), dtype=float)
    levels = sorted(float(log_p.max()) - 0.5 * r ** 2 for r in _RADII)

    n = len(parsed)
    if fig is None:
        fig = new_figure((3.4 * n, 3.4))
    axes = np.atleast_1d(fig.subplots(1, n, squeeze=False).ravel())
    for k, (ax, (mean, cov)) in enumerate(zip(axes, parsed)):
        ax.contour(xs, ys, log_p, levels=levels, colors=_P_COLOUR, linewidths=1.2,
                   linestyles="solid")
        for r in _RADII:
            points = _ellipse(mean, cov, r)
            ax.plot(points[:, 0], points[:, 1], color=_Q_COLOUR, linewidth=1.2)
        ax.plot(*mean, marker="+", color=_Q_COLOUR, markersize=9)
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_aspect("equal")
        ax.set_xlabel("$x_1$")
        if k == 0:
            ax.set_ylabel("$x_2$")
        if titles is not None:
            ax.set_title(titles[k], fontsize="medium")
    axes[0].plot([], [], color=_P_COLOUR, label="p (target)")
    axes[0].plot([], [], color=_Q_COLOUR, label="q (approximation)")
    axes[0].legend(loc="upper left", frameon=False, fontsize="small")
    return root_figure(fig)


def plot_lower_bound(lower_bounds, *, fig=None, title=None):
    """The variational lower bound ``L(q)`` per iteration, and its distance to the last value.

    Left: ``L(q)`` after each sweep of the coupled updates; it never decreases. Right:
    ``L_final - L(q)`` on a log scale, where linear convergence shows as a straight line.

    Parameters
    ----------
    lower_bounds : array-like of shape (n_iter,)
        E.g. ``VariationalBayesLinearRegression().fit(X, y).lower_bounds_``.
    fig : matplotlib Figure or SubFigure, optional
        Draw into this container instead of a new figure.
    title : str, optional
        A title over both panels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = check_container(fig)
    bounds = np.asarray(lower_bounds, dtype=float)
    if bounds.ndim != 1 or bounds.size == 0 or not np.all(np.isfinite(bounds)):
        raise DataError("lower_bounds must be a non-empty 1-D sequence of finite numbers, one "
                        "per iteration.")
    iterations = np.arange(1, bounds.size + 1)
    if fig is None:
        fig = new_figure((8.0, 3.2))
    left, right = fig.subplots(1, 2)
    left.plot(iterations, bounds, marker=".", color="tab:blue")
    left.set_xlabel("iteration")
    left.set_ylabel("lower bound L(q)")
    left.grid(True, alpha=0.3)
    gap = bounds[-1] - bounds[:-1]
    positive = gap > 0
    if np.any(positive):
        right.semilogy(iterations[:-1][positive], gap[positive], marker=".", color="tab:blue")
    right.set_xlabel("iteration")
    for ax in (left, right):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    right.set_ylabel("L(final) - L(q)")
    right.grid(True, alpha=0.3)
    if title is not None:
        fig.suptitle(title)
    return root_figure(fig)
