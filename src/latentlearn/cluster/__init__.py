"""Clustering: k-means (and mini-batch), agglomerative, spectral, and graph cliques.

Importing this package registers its estimators (see :mod:`latentlearn.registry`).
"""

from .cliques import cliques_of_size, maximal_cliques
from .hierarchical import AgglomerativeClustering, cut_linkage, linkage_tree
from .kmeans import KMeans, kmeans_plusplus
from .minibatch_kmeans import MiniBatchKMeans
from .spectral import SpectralClustering
from .voronoi import KMeansStep, KMeansSteps, kmeans_steps, nearest_centroid

__all__ = [
    "KMeans", "kmeans_plusplus", "MiniBatchKMeans",
    "AgglomerativeClustering", "linkage_tree", "cut_linkage", "SpectralClustering",
    "maximal_cliques", "cliques_of_size",
    "kmeans_steps", "KMeansStep", "KMeansSteps", "nearest_centroid",
]
