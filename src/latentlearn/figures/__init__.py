"""Run figures: ``RunResult -> Figure`` makers, one module per family, and their registry.

This is the only place that knows which figures a method gets (DESIGN.md's layers): a maker
looks at what the fitted estimator can do (``components_``, ``sample``, ``linkage_matrix_``...),
computes what it needs with the estimators, and draws with :mod:`latentlearn.plots` (arrays in,
matplotlib out). Makers register themselves with :func:`figure_maker`; a run draws every one
in display order (:func:`make_figures`, used by :func:`latentlearn.runs.write_run`).

========================  =====================================================================
module                    figures
========================  =====================================================================
:mod:`.embedding`         the embedding, or the data coloured by cluster
:mod:`.interactive`       the embedding to pan, zoom and hover (Bokeh, inlined in the page)
:mod:`.graphs`            neighbourhood graph, unrolled manifold, Isomap vs convex flow
:mod:`.decomposition`     explained variance, dictionary, PCA vs NMF dictionaries
:mod:`.cluster`           centroids, dendrogram, k-means step by step (cliques: optional)
:mod:`.generative`        reconstructions, samples, 2-D latent manifold, interpolations
:mod:`.neural`            latent arithmetic, training curves
:mod:`.disentanglement`   latent traversals, KL per latent dimension (active units)
:mod:`.sne`               KL divergence during optimisation
:mod:`.contrastive`       pair distances of a DrLIM / triplet embedding
:mod:`.codebook`          codebook usage and perplexity (VQ-VAE)
:mod:`.adversarial`       GANs: both players' losses, the W estimate, samples over training
========================  =====================================================================
"""

from ._registry import (FIGURE_MAKERS, Figure, FigureRegistry, MakerInfo, figure_maker,
                        make_figures)

# Importing the family modules registers their makers (the order is set by each maker's
# ``order``, not by these imports).
from . import (adversarial, cluster, codebook, contrastive, decomposition,  # noqa: E402,F401
               disentanglement, embedding, generative, graphs, interactive, neural,
               sne)

__all__ = ["Figure", "FIGURE_MAKERS", "FigureRegistry", "MakerInfo", "figure_maker",
           "make_figures"]
