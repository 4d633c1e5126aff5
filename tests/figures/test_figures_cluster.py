"""Figure makers of clusterings: dendrogram, k-means steps, cliques."""

import matplotlib.pyplot as plt
import pytest

from latentlearn.datasets import load
from latentlearn.figures import FIGURE_MAKERS, Figure
from latentlearn.figures.cluster import figure_cliques, figure_dendrogram, figure_kmeans_steps
from latentlearn.fileio import save_figure
from latentlearn.runs import Figure as RunFigure
from latentlearn.runs import fit_run


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    """Figures must not leave figures registered with pyplot (no leaks, no windows)."""
    before = set(plt.get_fignums())
    yield
    assert set(plt.get_fignums()) == before


@pytest.fixture(scope="module")
def blobs2d():
    return load("blobs", n_samples=300, centers=4, cluster_std=1.5)


def test_report_figures_from_runs(blobs2d, tmp_path):
    agglomerative = fit_run("agglomerative", blobs2d, {"n_clusters": 4})
    kmeans = fit_run("kmeans", blobs2d, {"n_clusters": 4})
    made = list(figure_dendrogram(agglomerative)) + list(figure_kmeans_steps(kmeans)) \
        + list(figure_cliques(kmeans))
    assert [f.name for f in made] == ["dendrogram", "kmeans_steps", "cliques"]
    for figure in made:
        assert isinstance(figure, RunFigure) and figure.caption
        save_figure(figure.figure, tmp_path / f"{figure.name}.png")
        assert (tmp_path / f"{figure.name}.png").stat().st_size > 1000
    # they apply only where they make sense
    assert list(figure_dendrogram(kmeans)) == []
    assert list(figure_kmeans_steps(agglomerative)) == []
    digits = fit_run("kmeans", load("digits", n_samples=300), {"n_clusters": 4, "n_init": 1})
    assert list(figure_kmeans_steps(digits)) == [] and list(figure_cliques(digits)) == []


def test_cliques_are_registered_but_not_drawn_in_every_run():
    assert RunFigure is Figure
    assert FIGURE_MAKERS.get("figure_cliques") is figure_cliques
    assert figure_cliques not in list(FIGURE_MAKERS)
    assert figure_dendrogram in list(FIGURE_MAKERS)
