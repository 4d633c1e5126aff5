"""Matplotlib figures of what a method learned: arrays in, a Figure out.

One interactive exception: :func:`plot_interactive_embedding` returns a Bokeh figure (pan, zoom,
hover; :mod:`.interactive`), which the report embeds with BokehJS inlined.

Every function takes plain arrays, draws into a new Figure (or into the ``ax`` / ``fig`` given)
and returns the top-level :class:`~matplotlib.figure.Figure`. Figures are built without pyplot,
so importing or calling these never selects a backend, opens a window or calls ``plt.show``;
save one with :func:`latentlearn.fileio.save_figure` or ``fig.savefig``.

Plots know nothing of estimators (DESIGN.md's layers): whatever needs fitting or cutting (a PCA
projection, the cut of a tree, the cliques of a graph) is computed by the caller, usually a
figure maker in :mod:`latentlearn.figures`, and passed in as arrays.
"""

from .embedding import plot_embedding, plot_explained_variance
from .history import plot_history
from .images import plot_centroids, plot_image_grid, plot_interpolations, plot_reconstructions
from .cluster import plot_clique_sizes, plot_cliques, plot_dendrogram, plot_kmeans_steps
from .graphs import plot_graph, plot_shortcut_robustness, plot_unrolled
from .latent import plot_latent_arithmetic, plot_latent_comparison
from .disentanglement import plot_kl_per_dimension, plot_latent_traversals
from .bayes import plot_gaussian_approximations, plot_lower_bound
from .contrastive import plot_pair_distances
from .codebook import plot_codebook_perplexity, plot_codebook_usage
from .adversarial import plot_sample_snapshots
from .interactive import plot_interactive_embedding
from ._common import new_figure

__all__ = [
    "plot_interactive_embedding",
    "plot_embedding",
    "plot_explained_variance",
    "plot_image_grid",
    "plot_reconstructions",
    "plot_interpolations",
    "plot_centroids",
    "plot_history",
    "plot_dendrogram",
    "plot_cliques",
    "plot_clique_sizes",
    "plot_kmeans_steps",
    "plot_graph",
    "plot_unrolled",
    "plot_shortcut_robustness",
    "plot_latent_comparison",
    "plot_latent_arithmetic",
    "plot_latent_traversals",
    "plot_kl_per_dimension",
    "plot_gaussian_approximations",
    "plot_lower_bound",
    "plot_pair_distances",
    "plot_codebook_usage",
    "plot_codebook_perplexity",
    "plot_sample_snapshots",
    "new_figure",
]
