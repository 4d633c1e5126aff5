"""Graph figures: plot functions and the report figure makers."""

import numpy as np
from matplotlib.figure import Figure as MplFigure

from latentlearn.datasets import load
from latentlearn.manifold.isomap import Isomap
from latentlearn.manifold.laplacian import LaplacianEigenmaps
from latentlearn.neighbors import kneighbors_graph
from latentlearn.plots.graphs import (
    fig_graph,
    fig_shortcut_robustness,
    fig_unrolled,
    plot_graph,
    plot_unrolled,
)
from latentlearn.runs import RunResult


def test_plot_graph_2d_and_3d():
    X2 = np.random.default_rng(0).uniform(size=(60, 2))
    assert isinstance(plot_graph(X2, kneighbors_graph(X2, 4), highlight=[[0, 1]]), MplFigure)
    X3 = load("swiss_roll", n_samples=100).X
    assert isinstance(plot_graph(X3, kneighbors_graph(X3, 4)), MplFigure)
    assert isinstance(plot_unrolled(X3[:, :2], X3[:, 0]), MplFigure)


def test_report_figures_on_swiss_roll_and_triangle():
    roll = load("swiss_roll", n_samples=300)
    est = LaplacianEigenmaps(n_neighbors=10, random_state=0)
    r = RunResult("laplacian_eigenmaps", "manifold", est, roll, 0,
                  embedding=est.fit_transform(roll.X))
    names = [f.name for maker in (fig_graph, fig_unrolled, fig_shortcut_robustness)
             for f in maker(r)]
    assert names == ["graph", "unrolled"]  # no shortcut edges in the swiss roll

    tri = load("triangle", n_samples=200, shortcuts=True)
    est = Isomap(n_neighbors=8, extra_edges=tri.extras["edges"])
    r = RunResult("isomap", "manifold", est, tri, 0, embedding=est.fit_transform(tri.X))
    figures = list(fig_shortcut_robustness(r))
    assert [f.name for f in figures] == ["shortcut_robustness"]
    assert "convex flow" in figures[0].caption and "Isomap" in figures[0].caption
