"""Clustering: k-means (more to come: hierarchical, cliques).

Importing this package registers its estimators (see :mod:`latentlearn.registry`).
"""

from .kmeans import KMeans, kmeans_plusplus

__all__ = ["KMeans", "kmeans_plusplus"]
