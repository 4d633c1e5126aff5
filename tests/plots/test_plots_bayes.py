"""The variational figures: contours of p and q, and the lower bound per iteration."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from latentlearn.exceptions import DataError, ParameterError
from latentlearn.plots import plot_gaussian_approximations, plot_lower_bound


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    before = set(plt.get_fignums())
    yield
    assert set(plt.get_fignums()) == before


def test_contour_figure_has_one_panel_per_approximation():
    def log_p(x):
        return -0.5 * np.sum(x ** 2, axis=-1)

    fig = plot_gaussian_approximations(log_p, [(np.zeros(2), np.eye(2)),
                                               (np.ones(2), 0.2 * np.eye(2))],
                                       extent=(-3, 3, -3, 3), titles=["a", "b"])
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    # Three ellipses for q in each panel (plus the mean marker).
    assert all(len(ax.lines) >= 4 for ax in fig.axes)
    with pytest.raises(DataError, match="shape"):
        plot_gaussian_approximations(log_p, [(np.zeros(3), np.eye(3))], extent=(-1, 1, -1, 1))
    with pytest.raises(ParameterError, match="extent"):
        plot_gaussian_approximations(log_p, [(np.zeros(2), np.eye(2))], extent=(1, -1, 0, 1))


def test_lower_bound_figure():
    fig = plot_lower_bound([-10.0, -5.0, -4.0, -3.9, -3.9], title="VB")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert fig.axes[1].get_yscale() == "log"
    with pytest.raises(DataError, match="finite"):
        plot_lower_bound([np.nan])
