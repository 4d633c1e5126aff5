"""Figures of a VQ-VAE's codebook (figures/codebook.py, plots/codebook.py)."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy.stats import entropy

from latentlearn.datasets import Dataset
from latentlearn.exceptions import DataError
from latentlearn.figures import make_figures
from latentlearn.figures.codebook import (figure_codebook_perplexity, figure_codebook_usage,
                                          figure_prior_nll)
from latentlearn.neural import VAE, VQVAE
from latentlearn.plots import plot_codebook_perplexity, plot_codebook_usage
from latentlearn.runs import RunResult


def test_usage_bars_are_the_sorted_shares_and_the_title_gives_exp_entropy():
    counts = np.array([5, 0, 20, 3, 12])
    fig = plot_codebook_usage(counts)
    heights = [b.get_height() for b in fig.axes[0].patches]
    np.testing.assert_allclose(heights, np.sort(counts)[::-1] / counts.sum())
    title = fig.axes[0].get_title()
    assert title.startswith("4 of 5 codes used")
    assert f"perplexity {math.exp(entropy(counts)):.1f}" in title
    with pytest.raises(DataError):
        plot_codebook_usage([1, -1])
    with pytest.raises(DataError):
        plot_codebook_perplexity([1, 2], [3.0], 8)
    fig = plot_codebook_perplexity([1, 2, 3], [2.0, 4.0, 5.0], 8, codes_used=[3, 6, 7])
    lines = fig.axes[0].get_lines()
    np.testing.assert_allclose(lines[0].get_ydata(), [2.0, 4.0, 5.0])
    assert lines[-1].get_ydata()[0] == 8.0          # the K line
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return Dataset(X=(rng.random((64, 64)) > 0.5).astype(np.float32), image_shape=(8, 8),
                   name="tiny")


def test_a_vq_vae_run_gets_the_codebook_figures_and_no_continuous_code_figures(data):
    est = VQVAE(2, n_codes=6, conv_channels=(4, 8), prior_dim=8, prior_heads=2, prior_layers=1,
                epochs=2, batch_size=32, random_state=0, device="cpu")
    result = RunResult("vq_vae", "neural", est, data, 0, embedding=est.fit_transform(data))
    (usage,) = figure_codebook_usage(result)
    counts = np.bincount(result.embedding.ravel(), minlength=6)
    np.testing.assert_allclose(sorted((b.get_height() for b in usage.figure.axes[0].patches),
                                      reverse=True), np.sort(counts)[::-1] / counts.sum())
    (perp,) = figure_codebook_perplexity(result)
    np.testing.assert_allclose(perp.figure.axes[0].get_lines()[0].get_ydata(),
                               [r["perplexity"] for r in est.history_])
    assert len(list(figure_prior_nll(result))) == 1
    names = [f.name for f in make_figures(result)]
    assert {"codebook_usage", "codebook_perplexity", "prior_nll", "samples",
            "reconstructions"} <= set(names)
    # code indices are not continuous codes: no latent arithmetic or traversals
    assert "latent_arithmetic" not in names and "latent_traversals" not in names
    assert "embedding" not in names      # integer code indices are not coordinates
    plt.close("all")


def test_a_vq_vae_run_reports_no_embedding_metrics_on_its_code_indices(data):
    from latentlearn.runs import fit_run

    params = {"latent_dim": 2, "n_codes": 6, "conv_channels": (4, 8), "prior_dim": 8,
              "prior_heads": 2, "prior_layers": 1, "epochs": 1, "batch_size": 32,
              "device": "cpu"}
    result = fit_run("vq_vae", data, params, seed=0)
    assert "reconstruction_error" in result.metrics
    assert not {"trustworthiness", "continuity", "knn_accuracy"} & set(result.metrics)


def test_codebook_figures_skip_other_models(data):
    vae = VAE(2, hidden_dims=(8,), architecture="mlp", epochs=1, random_state=0, device="cpu")
    result = RunResult("vae", "neural", vae, data, 0, embedding=vae.fit_transform(data.X))
    assert list(figure_codebook_usage(result)) == [] == list(figure_codebook_perplexity(result))
    assert list(figure_prior_nll(result)) == []
