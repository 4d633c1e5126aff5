"""The clustering plots: dendrogram, cliques, k-means steps."""

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Wedge
from sklearn.neighbors import kneighbors_graph

from latentlearn.cluster import (AgglomerativeClustering, cliques_of_size, cut_linkage,
                                 kmeans_steps)
from latentlearn.cluster.cliques import adjacency_matrix
from latentlearn.datasets import load
from latentlearn.exceptions import DataError, ParameterError
from latentlearn.plots import (plot_clique_sizes, plot_cliques, plot_dendrogram,
                               plot_kmeans_steps)
from latentlearn.plots._common import class_colours


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    """Plots must not leave figures registered with pyplot (no leaks, no windows)."""
    before = set(plt.get_fignums())
    yield
    assert set(plt.get_fignums()) == before


@pytest.fixture(scope="module")
def blobs2d():
    return load("blobs", n_samples=300, centers=4, cluster_std=1.5)


def _link_colours(ax):
    """Colours of the dendrogram's links (one LineCollection per colour group in SciPy)."""
    colours = set()
    for collection in ax.collections:
        colours.update(to_hex(c) for c in collection.get_colors())
    return colours


# --------------------------------------------------------------------------- dendrogram
def test_dendrogram_truncated_and_cut(blobs2d):
    Z = AgglomerativeClustering(4).fit(blobs2d.X).linkage_matrix_
    fig = plot_dendrogram(Z, clusters=cut_linkage(Z, n_clusters=4), max_leaves=20, title="ward")
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    assert ax.get_title() == "ward"
    assert len(ax.get_xticklabels()) == 20  # the last 19 merges: 20 subtrees
    assert all(t.get_text().startswith("(") or t.get_text().isdigit()
               for t in ax.get_xticklabels())
    # a dashed line between the 3rd-last and 4th-last merge heights
    (line,) = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    y = line.get_ydata()[0]
    assert Z[-4, 2] < y < Z[-3, 2]
    # the four clusters' colours (as in plot_embedding) plus black above the cut
    expected = {to_hex(c) for c in class_colours(4)} | {"#262626"}
    assert _link_colours(ax) == expected


def test_dendrogram_by_threshold_and_uncut():
    X = np.array([[0.0], [1.0], [1.5], [6.0], [7.0], [20.0]])
    Z = AgglomerativeClustering(2, linkage="single").fit(X).linkage_matrix_
    fig = plot_dendrogram(Z, clusters=cut_linkage(Z, distance_threshold=2.0), cut_height=2.0,
                          labels=list("abcdef"))
    ax = fig.axes[0]
    assert sorted(t.get_text() for t in ax.get_xticklabels()) == list("abcdef")
    assert [ln.get_ydata()[0] for ln in ax.get_lines() if ln.get_linestyle() == "--"] == [2.0]
    assert len(_link_colours(ax) - {"#262626"}) == np.unique(
        cut_linkage(Z, distance_threshold=2.0)).size - 1  # the singleton {f} has no link
    plain = plot_dendrogram(Z).axes[0]
    assert not [ln for ln in plain.get_lines() if ln.get_linestyle() == "--"]
    assert len(_link_colours(plain)) == 1


def test_dendrogram_draws_into_ax_and_rejects_bad_input():
    Z = AgglomerativeClustering(2).fit(np.random.RandomState(0).normal(size=(10, 2))) \
        .linkage_matrix_
    fig = Figure()
    ax = fig.add_subplot(1, 2, 2)
    assert plot_dendrogram(Z, ax=ax) is fig
    with pytest.raises(DataError, match="linkage matrix"):
        plot_dendrogram(np.ones((3, 3)))
    with pytest.raises(ParameterError, match="max_leaves"):
        plot_dendrogram(Z, max_leaves=1)


# --------------------------------------------------------------------------- cliques
def _wedges(ax):
    return [p for p in ax.patches if isinstance(p, Wedge)]


def test_cliques_nodes_are_pies_of_their_cliques():
    G = nx.Graph([(0, 1), (0, 2), (1, 2), (2, 3)])
    A, nodes = adjacency_matrix(G)
    pairs = cliques_of_size(G, 2)  # node 2 is in three of them, node 3 in one
    positions = np.array([[0, 0], [1, 0], [0.5, 1], [0.5, 2]], dtype=float)
    fig = plot_cliques(A, pairs, positions, nodes=nodes, title="pairs")
    ax = fig.axes[0]
    assert ax.get_title() == "pairs"
    wedges = _wedges(ax)
    assert len(wedges) == sum(len(c) for c in pairs) == 8
    colours = class_colours(len(pairs))
    at_node_2 = [w for w in wedges if np.allclose(w.center, positions[2])]
    assert len(at_node_2) == 3
    assert {to_hex(w.get_facecolor()) for w in at_node_2} == \
        {to_hex(colours[i]) for i, c in enumerate(pairs) if 2 in c}
    # a node in no clique is a white circle
    fig = plot_cliques(A, [(0, 1, 2)], positions)
    ax = fig.axes[0]
    assert len(_wedges(ax)) == 3
    white = [p for p in ax.patches if isinstance(p, Circle) and not isinstance(p, Wedge)
             and to_hex(p.get_facecolor()) == "#ffffff"]
    assert len(white) == 1 and np.allclose(white[0].center, positions[3])


def test_clique_sizes_is_the_seed_figure():
    A, _ = adjacency_matrix(nx.Graph([(1, 2), (1, 3), (2, 3), (3, 4), (4, 5), (5, 6), (4, 6),
                                          (6, 7), (2, 8)]))
    cliques = {size: cliques_of_size(A, size) for size in (2, 3)}
    fig = plot_clique_sizes(A, cliques)  # fixed spring layout
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["cliques with 2 members (9)", "cliques with 3 members (2)"]
    assert len(_wedges(fig.axes[0])) == 18 and len(_wedges(fig.axes[1])) == 6
    # the layout is seeded: the same picture twice
    again = plot_clique_sizes(A, cliques)
    np.testing.assert_allclose([w.center for w in _wedges(fig.axes[0])],
                               [w.center for w in _wedges(again.axes[0])])


def test_cliques_of_a_neighbour_graph_at_the_points():
    X = np.random.RandomState(0).normal(size=(15, 2))
    A, _ = adjacency_matrix(kneighbors_graph(X, 3))
    fig = plot_clique_sizes(A, {3: cliques_of_size(A, 3)}, X)
    assert len(fig.axes) == 1
    centres = {tuple(np.round(w.center, 9)) for w in _wedges(fig.axes[0])}
    assert centres <= {tuple(np.round(x, 9)) for x in X}


def test_cliques_errors():
    A = np.ones((3, 3))
    with pytest.raises(DataError, match=r"shape \(3, 2\)"):
        plot_cliques(A, [(0, 1)], np.zeros((2, 2)))
    with pytest.raises(DataError, match="not in the graph"):
        plot_cliques(A, [(0, 5)], np.zeros((3, 2)))
    with pytest.raises(ParameterError, match="is empty"):
        plot_clique_sizes(A, {})


# --------------------------------------------------------------------------- k-means steps
def test_kmeans_steps_panels(blobs2d):
    run = kmeans_steps(blobs2d.X, 4, init="random", random_state=3)
    n_pairs = (len(run.steps) - 1) // 2
    fig = plot_kmeans_steps(blobs2d.X, run, max_panels=30)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 2 + n_pairs  # A init, B assign, C move, then one per assign + move
    titles = [ax.get_title() for ax in panels]
    assert titles[:3] == ["A: initialise centroids", "B: assign points to clusters",
                          "C: move centroids"]
    assert titles[3].startswith("D: assign and move")
    assert "converged" in titles[-1]
    for ax in panels:
        assert len(ax.images) == 1  # the Voronoi shading
    # the shading of panel B is the nearest-centroid map of the initial centroids
    image = panels[1].images[0].get_array()
    assert image.shape[:2] == (200, 200)


def test_kmeans_steps_truncation_and_errors(blobs2d):
    run = kmeans_steps(blobs2d.X, 4, init="random", random_state=3)
    fig = plot_kmeans_steps(blobs2d.X, run, max_panels=4, n_cols=2, resolution=50)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert len(titles) == 4 and titles[-1].split(":")[0] not in "ABCD"
    with pytest.raises(DataError, match="2-D points"):
        plot_kmeans_steps(np.zeros((10, 3)), run)
    with pytest.raises(DataError, match="not recorded on this X"):
        plot_kmeans_steps(blobs2d.X[:10], run)
    with pytest.raises(ParameterError, match="resolution"):
        plot_kmeans_steps(blobs2d.X, run, resolution=1)


def test_dendrogram_checks_that_clusters_are_a_cut_of_the_tree():
    X = np.array([[0.0], [1.0], [1.5], [6.0], [7.0], [20.0]])
    Z = AgglomerativeClustering(2, linkage="single").fit(X).linkage_matrix_
    good = cut_linkage(Z, n_clusters=3)
    assert plot_dendrogram(Z, clusters=good).axes[0].get_lines()
    with pytest.raises(DataError, match="not a cut of this tree"):
        plot_dendrogram(Z, clusters=np.array([0, 1, 0, 1, 2, 2]))  # 3 labels, wrong members
    with pytest.raises(DataError, match="one per sample"):
        plot_dendrogram(Z, clusters=good[:-1])
    with pytest.raises(DataError, match="0 .. k-1"):
        plot_dendrogram(Z, clusters=good * 2)
    with pytest.raises(ParameterError, match="pass clusters"):
        plot_dendrogram(Z, cut_height=2.0)


def test_cliques_need_a_symmetric_adjacency_matrix():
    X = np.random.RandomState(0).normal(size=(15, 2))
    directed = kneighbors_graph(X, 3)  # i -> j is not j -> i
    with pytest.raises(DataError, match="adjacency_matrix"):
        plot_cliques(directed, [], X)
    A, _ = adjacency_matrix(directed)  # the "or" symmetrisation
    assert plot_cliques(A, cliques_of_size(A, 3), X).axes
