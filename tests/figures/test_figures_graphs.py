"""Figure makers of graph embedders: graph, unrolled manifold, shortcut robustness."""

from latentlearn.datasets import load
from latentlearn.manifold.isomap import Isomap
from latentlearn.manifold.laplacian import LaplacianEigenmaps
from latentlearn.figures.graphs import figure_graph, figure_shortcut_robustness, figure_unrolled
from latentlearn.runs import RunResult


def test_report_figures_on_swiss_roll_and_triangle():
    roll = load("swiss_roll", n_samples=300)
    est = LaplacianEigenmaps(n_neighbors=10, random_state=0)
    r = RunResult("laplacian_eigenmaps", "manifold", est, roll, 0,
                  embedding=est.fit_transform(roll.X))
    names = [f.name for maker in (figure_graph, figure_unrolled, figure_shortcut_robustness)
             for f in maker(r)]
    assert names == ["graph", "unrolled"]  # no shortcut edges in the swiss roll

    tri = load("triangle", n_samples=200, shortcuts=True)
    est = Isomap(n_neighbors=8, extra_edges=tri.extras["edges"])
    r = RunResult("isomap", "manifold", est, tri, 0, embedding=est.fit_transform(tri.X))
    figures = list(figure_shortcut_robustness(r))
    assert [f.name for f in figures] == ["shortcut_robustness"]
    assert "convex flow" in figures[0].caption and "Isomap" in figures[0].caption
