"""The 2-D latent manifold (Kingma & Welling 2014, fig. 4): codes at Gaussian quantiles, decoded."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy.stats import norm

from latentlearn.datasets import Dataset, load
from latentlearn.figures.generative import figure_latent_manifold, manifold_codes
from latentlearn.runs import RunResult


def test_manifold_codes_are_gaussian_quantiles_of_an_even_grid():
    n = 7
    codes = manifold_codes(n)
    assert codes.shape == (n * n, 2)
    u = np.linspace(0, 1, n + 2)[1:-1]                     # evenly spaced inside (0, 1)
    grid = codes.reshape(n, n, 2)
    assert np.allclose(grid[0, :, 0], norm.ppf(u))          # z1 left to right
    assert np.allclose(grid[:, 0, 1], norm.ppf(u)[::-1])    # z2 top to bottom, decreasing
    assert np.allclose(grid[:, :, 0], grid[:1, :, 0]) and np.allclose(grid[:, :, 1], grid[:, :1, 1])
    assert np.allclose(norm.cdf(codes).mean(0), 0.5)        # symmetric about the prior's mean


@pytest.fixture(scope="module")
def vae_run():
    digits = load("digits")
    data = Dataset(X=digits.X[:200], y=digits.y[:200], image_shape=digits.image_shape,
                   name="digits")
    from latentlearn.neural import VAE

    vae = VAE(latent_dim=2, hidden_dims=(16,), epochs=2, batch_size=100, random_state=0)
    return RunResult("vae", "neural", vae, data, 0, embedding=vae.fit_transform(data.X))


def test_the_manifold_decodes_those_codes(vae_run):
    [fig] = list(figure_latent_manifold(vae_run))
    assert fig.name == "latent_manifold" and "Kingma & Welling 2014" in fig.caption
    expected = np.clip(vae_run.estimator.inverse_transform(
        manifold_codes(15).astype(np.float32)), 0, 1)
    shown = [ax.images[0].get_array() for ax in fig.figure.axes if ax.images]
    assert len(shown) == 15 * 15
    assert np.allclose(np.array([np.asarray(a) for a in shown]).reshape(225, -1), expected,
                       atol=1e-6)
    plt.close("all")


def test_no_manifold_without_a_2d_gaussian_code(vae_run):
    from latentlearn.decomposition import PCA

    data = vae_run.dataset
    pca = PCA(2, random_state=0)
    assert list(figure_latent_manifold(RunResult("pca", "decomposition", pca, data, 0,
                                                 embedding=pca.fit_transform(data.X)))) == []
    wide = RunResult("vae", "neural", vae_run.estimator, data, 0,
                     embedding=np.zeros((data.n_samples, 3), np.float32))
    assert list(figure_latent_manifold(wide)) == []
    flat = RunResult("vae", "neural", vae_run.estimator, Dataset(X=data.X), 0,
                     embedding=vae_run.embedding)
    assert list(figure_latent_manifold(flat)) == []        # not image data
