"""Graph plots: a neighbourhood graph over 2-D and 3-D data, and an unrolled embedding."""

import numpy as np
from matplotlib.figure import Figure as MplFigure

from latentlearn.datasets import load
from latentlearn.neighbors import kneighbors_graph
from latentlearn.plots import plot_graph, plot_unrolled


def test_plot_graph_2d_and_3d():
    X2 = np.random.default_rng(0).uniform(size=(60, 2))
    assert isinstance(plot_graph(X2, kneighbors_graph(X2, 4), highlight=[[0, 1]]), MplFigure)
    X3 = load("swiss_roll", n_samples=100).X
    assert isinstance(plot_graph(X3, kneighbors_graph(X3, 4)), MplFigure)
    assert isinstance(plot_unrolled(X3[:, :2], X3[:, 0]), MplFigure)
