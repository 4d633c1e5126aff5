"""Measures of what a method learned: embedding quality, clustering quality, reconstruction.

Embedding (:mod:`.embedding`): :func:`trustworthiness`, :func:`continuity` (Venna & Kaski 2001),
:func:`knn_accuracy`. Clustering (:mod:`.clustering`): :func:`silhouette`, :func:`adjusted_rand`,
:func:`normalized_mutual_info`. Reconstruction (:mod:`.reconstruction`):
:func:`reconstruction_error`. Disentanglement (:mod:`.disentanglement`), on codes and known
factors: :func:`mutual_information_gap` (Chen et al. 2018), :func:`sap_score` (Kumar et al. 2018),
:func:`dci` (Eastwood & Williams 2018), :func:`beta_vae_score` (Higgins et al. 2017),
:func:`factor_vae_score` (Kim & Mnih 2018), all at once by :func:`disentanglement_scores`.
Generators on data of known modes (:mod:`.modes`): :func:`mode_coverage` (modes covered and the
share of high-quality samples, Metz et al. 2017, Srivastava et al. 2017).
Sample quality (:mod:`.sample_quality`), generated samples against real data:
:func:`frechet_distance` (Heusel et al. 2017), :func:`kernel_distance` (Binkowski et al. 2018),
:func:`precision_recall` (Kynkaanniemi et al. 2019), :func:`sample_mmd2` (Gretton et al. 2012),
all at once by :func:`sample_quality`; ``features="mnist"`` maps digits through the small
classifier shipped with latentlearn (:mod:`.feature_network`; FID-style numbers, not comparable
with Inception-based FID). Summaries for a run's metrics.json (:mod:`.summary`):
:func:`embedding_report`, :func:`cluster_report`, and :data:`METRIC_INFO`, the one-line meaning
of each metric name.
"""

from .clustering import adjusted_rand, normalized_mutual_info, silhouette
from .disentanglement import (beta_vae_score, dci, dci_from_importance, disentanglement_scores,
                              factor_vae_score, mutual_information_gap, sap_score)
from .embedding import continuity, knn_accuracy, trustworthiness
from .modes import mode_coverage
from .reconstruction import reconstruction_error
from .sample_quality import (PrecisionRecall, frechet_distance, frechet_distance_gaussians,
                             kernel_distance, precision_recall, sample_mmd2, sample_quality)
from .summary import METRIC_INFO, MetricInfo, cluster_report, embedding_report

__all__ = [
    "trustworthiness",
    "continuity",
    "knn_accuracy",
    "silhouette",
    "adjusted_rand",
    "normalized_mutual_info",
    "reconstruction_error",
    "mutual_information_gap",
    "sap_score",
    "dci",
    "dci_from_importance",
    "beta_vae_score",
    "factor_vae_score",
    "disentanglement_scores",
    "frechet_distance",
    "frechet_distance_gaussians",
    "kernel_distance",
    "precision_recall",
    "PrecisionRecall",
    "sample_mmd2",
    "sample_quality",
    "mode_coverage",
    "embedding_report",
    "cluster_report",
    "METRIC_INFO",
    "MetricInfo",
]
