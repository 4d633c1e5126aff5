"""The registry of figure makers: display order, naming, optional makers."""

import numpy as np
import pytest

from latentlearn.datasets import Dataset
from latentlearn.figures import FIGURE_MAKERS, Figure, FigureRegistry, make_figures
from latentlearn.runs import FIGURES, RunResult

#: The display order of a run's figures (as runs.py's list of makers had it before the figures
#: moved to latentlearn.figures).
DISPLAY_ORDER = [
    "figure_embedding", "figure_interactive_embedding", "figure_graph", "figure_unrolled",
    "figure_shortcut_robustness",
    "figure_explained_variance", "figure_components", "figure_nmf_vs_pca", "figure_centroids",
    "figure_dendrogram", "figure_kmeans_steps", "figure_reconstructions", "figure_samples",
    "figure_latent_manifold", "figure_interpolations", "figure_latent_arithmetic",
    "figure_latent_traversals",
    "figure_kl_per_dimension", "figure_codebook_usage", "figure_codebook_perplexity",
    "figure_prior_nll", "figure_kl_history", "figure_pair_distances", "figure_history",
    # GANs (latentlearn.figures.adversarial)
    "figure_adversarial_losses", "figure_wasserstein_estimate", "figure_sample_snapshots",
]


def test_display_order_and_runs_use_the_registry():
    assert [e.name for e in FIGURE_MAKERS.entries()] == DISPLAY_ORDER
    assert [m.__name__ for m in FIGURES] == DISPLAY_ORDER
    assert FIGURES is FIGURE_MAKERS and len(FIGURE_MAKERS) == len(DISPLAY_ORDER)
    optional = [e.name for e in FIGURE_MAKERS.entries(include_optional=True) if e.optional]
    assert optional == ["figure_cliques"]


def test_make_figures_draws_every_maker_in_order():
    from latentlearn.decomposition import PCA

    rng = np.random.default_rng(0)
    data = Dataset(X=rng.random((40, 16), dtype=np.float32), y=np.arange(40) % 2,
                   image_shape=(4, 4), name="tiny")
    pca = PCA(3, random_state=0)
    result = RunResult("pca", "decomposition", pca, data, 0, embedding=pca.fit_transform(data.X))
    names = [f.name for f in make_figures(result)]
    assert names == ["embedding", "embedding_interactive", "explained_variance", "components",
                     "reconstructions",
                     "samples", "interpolations"]
    assert names == [f.name for maker in FIGURES for f in maker(result)]
    import matplotlib.pyplot as plt
    plt.close("all")


def test_registry_rules():
    registry = FigureRegistry()

    def figure_a(result):
        yield Figure("a", "A", "", None)

    def figure_b(result):
        yield from ()

    def fig_c(result):
        yield from ()

    registry.register(figure_b, order=2)
    registry.register(figure_a, order=1)
    assert list(registry) == [figure_a, figure_b]
    with pytest.raises(ValueError, match="order 1"):
        registry.register(figure_b.__class__(figure_b.__code__, {}, "figure_d"), order=1)
    with pytest.raises(ValueError, match="figure_"):
        registry.register(fig_c, order=3)
    registry.register(figure_a, order=1)  # the same function again (a module reload): no-op
    assert len(registry) == 2
    with pytest.raises(KeyError, match="figure_z"):
        registry.get("figure_z")
