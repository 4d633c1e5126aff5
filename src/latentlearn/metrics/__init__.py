"""Measures of what a method learned: embedding quality, clustering quality, reconstruction.

Embedding (:mod:`.embedding`): :func:`trustworthiness`, :func:`continuity` (Venna & Kaski 2001),
:func:`knn_accuracy`. Clustering (:mod:`.clustering`): :func:`silhouette`, :func:`adjusted_rand`,
:func:`normalized_mutual_info`. Reconstruction (:mod:`.reconstruction`):
:func:`reconstruction_error`. Summaries for a run's metrics.json (:mod:`.summary`):
:func:`embedding_report`, :func:`cluster_report`, and :data:`METRIC_INFO`, the one-line meaning
of each metric name.
"""

from .clustering import adjusted_rand, normalized_mutual_info, silhouette
from .embedding import continuity, knn_accuracy, trustworthiness
from .reconstruction import reconstruction_error
from .summary import METRIC_INFO, MetricInfo, cluster_report, embedding_report

__all__ = [
    "trustworthiness",
    "continuity",
    "knn_accuracy",
    "silhouette",
    "adjusted_rand",
    "normalized_mutual_info",
    "reconstruction_error",
    "embedding_report",
    "cluster_report",
    "METRIC_INFO",
    "MetricInfo",
]
