"""Figures of clusterings: centroids as images, the dendrogram cut into the run's clusters,
Lloyd's k-means step by step over its Voronoi cells (Lloyd 1982), and the cliques of a small
neighbour graph (Bron & Kerbosch 1973)."""

from __future__ import annotations

from numbers import Integral

import numpy as np

from ..plots import plot_centroids, plot_clique_sizes, plot_dendrogram, plot_kmeans_steps
from ._registry import Figure, figure_maker

__all__ = ["figure_centroids", "figure_dendrogram", "figure_kmeans_steps", "figure_cliques"]


@figure_maker(order=60)
def figure_centroids(result):
    """Each cluster's centre drawn as an image (``cluster_centers_`` on image data)."""
    centers = getattr(result.estimator, "cluster_centers_", None)
    shape = result.dataset.image_shape
    if centers is not None and shape is not None and centers.shape[1] == int(np.prod(shape)):
        yield Figure("centroids", "Centroids", "Each cluster's centre drawn as an image.",
                     plot_centroids(centers, shape))


@figure_maker(order=70)
def figure_dendrogram(result):
    """The dendrogram of a fitted tree, cut where the run cut it.

    Applies to any run whose estimator has a ``linkage_matrix_`` (SciPy format).

    Parameters
    ----------
    result : latentlearn.runs.RunResult

    Yields
    ------
    Figure
    """
    from ..cluster import cut_linkage

    Z = getattr(result.estimator, "linkage_matrix_", None)
    if Z is None:
        return
    n_clusters = getattr(result.estimator, "n_clusters_", None)
    n_leaves = Z.shape[0] + 1
    shown = min(n_leaves, 30)
    clusters = cut_linkage(Z, n_clusters=n_clusters) if n_clusters else None
    fig = plot_dendrogram(Z, clusters=clusters, max_leaves=shown,
                          title=f"{result.method} on {result.dataset.name}")
    truncated = (f" Only the last {shown - 1} merges are drawn; a leaf labelled (m) is a subtree "
                 f"of m samples." if shown < n_leaves else "")
    cut = (f" Branches below the cut into {n_clusters} clusters (dashed line) are coloured by "
           "cluster, as in the cluster plot." if n_clusters else "")
    yield Figure("dendrogram", "Dendrogram",
                 "The agglomerative merge tree: each joint is a merge, drawn at its linkage "
                 "distance; cutting at a different height gives different clusters (Hastie, "
                 "Tibshirani & Friedman 2009, The Elements of Statistical Learning, 14.3.12)."
                 + cut + truncated, fig)


@figure_maker(order=71)
def figure_kmeans_steps(result, *, max_points=1000):
    """Lloyd's algorithm step by step on the run's 2-D data (Lloyd 1982).

    Applies to runs of centroid clusterers (an estimator with ``cluster_centers_`` and a
    ``n_clusters`` parameter) on 2-D data. The steps start from random centroids seeded with
    the run's seed, on at most ``max_points`` points drawn with that seed, so they illustrate
    the algorithm rather than replay the fitted model's own (k-means++, several restarts) run.

    Parameters
    ----------
    result : latentlearn.runs.RunResult
    max_points : int, default=1000

    Yields
    ------
    Figure
    """
    from ..cluster import kmeans_steps

    estimator = result.estimator
    X = result.dataset.X
    k = getattr(estimator, "n_clusters", None)
    if (getattr(estimator, "cluster_centers_", None) is None or not isinstance(k, Integral)
            or X.shape[1] != 2 or not 1 <= k <= X.shape[0]):
        return
    rng = np.random.RandomState(result.seed if result.seed is not None else 0)
    if X.shape[0] > max_points:
        X = X[np.sort(rng.choice(X.shape[0], max_points, replace=False))]
    run = kmeans_steps(X, k, init="random", random_state=rng)
    fig = plot_kmeans_steps(X, run)
    ending = ("no assignment changes after the last panel (convergence)" if run.converged
              else f"stopped after {run.n_iter} iterations without converging")
    yield Figure("kmeans_steps", "k-means step by step",
                 "Lloyd's algorithm (Lloyd 1982) from random centroids: A initialise the "
                 "centroids, B assign each point to its nearest centroid (the shading is each "
                 "centroid's Voronoi cell), C move each centroid to the mean of its points, then "
                 f"assign and move again; {ending}. J is the sum of squared distances to the "
                 "assigned centroids.", fig)


@figure_maker(order=72, optional=True)
def figure_cliques(result, *, n_points=10, n_neighbors=2):
    """The cliques with 2 and with 3 members of a small neighbour graph of the run's 2-D data.

    ``n_points`` samples drawn with the run's seed are joined to their ``n_neighbors`` nearest
    neighbours (symmetrised by "or"); the cliques with 2 and with 3 members are drawn side by
    side, each node coloured by every clique it belongs to. Applies to clustering runs on
    2-D data. Optional: runs do not draw it unless asked (``FIGURE_MAKERS.get``).

    Parameters
    ----------
    result : latentlearn.runs.RunResult
    n_points : int, default=10
    n_neighbors : int, default=2

    Yields
    ------
    Figure
    """
    from sklearn.neighbors import kneighbors_graph

    from ..cluster.cliques import adjacency_matrix, cliques_of_size

    X = result.dataset.X
    if result.labels is None or X.shape[1] != 2 or X.shape[0] <= n_neighbors:
        return
    rng = np.random.default_rng(result.seed)
    index = np.sort(rng.choice(X.shape[0], size=min(n_points, X.shape[0]), replace=False))
    points = np.asarray(X[index], dtype=np.float64)
    graph = kneighbors_graph(points, n_neighbors=min(n_neighbors, len(points) - 1))
    A, _ = adjacency_matrix(graph)
    fig = plot_clique_sizes(A, {size: cliques_of_size(A, size) for size in (2, 3)})
    yield Figure("cliques", "Cliques of a neighbour graph",
                 f"{len(points)} samples drawn at random, each joined to its {n_neighbors} nearest "
                 "neighbours (drawn with a spring layout, not at the samples' coordinates). "
                 "Left: cliques with 2 members (the edges). Right: cliques with 3 members. Nodes "
                 "with several colours belong to more than one clique (Bron & Kerbosch 1973 "
                 "list them).", fig)
