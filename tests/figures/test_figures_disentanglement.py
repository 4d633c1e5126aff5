"""Figures of the latent code: traversals and KL per dimension (figures/disentanglement.py)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from latentlearn.datasets import Dataset
from latentlearn.decomposition import PCA
from latentlearn.figures.disentanglement import (figure_kl_per_dimension,
                                                 figure_latent_traversals)
from latentlearn.neural import VAE, Autoencoder
from latentlearn.neural.latent import latent_activity
from latentlearn.plots import plot_kl_per_dimension, plot_latent_traversals
from latentlearn.runs import RunResult


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return Dataset(X=(rng.random((60, 64)) > 0.5).astype(np.float32), image_shape=(8, 8),
                   name="tiny")


def _result(est, data, method):
    return RunResult(method, "neural", est, data, 0, embedding=est.fit_transform(data.X))


def test_vae_gets_traversals_and_kl(data):
    vae = VAE(latent_dim=12, hidden_dims=(16,), architecture="mlp", epochs=1, random_state=0,
              device="cpu")
    result = _result(vae, data, "vae")
    (trav,) = figure_latent_traversals(result)
    (kl,) = figure_kl_per_dimension(result)
    activity = latent_activity(vae, data.X)
    top = np.argsort(-activity["kl_per_dimension"])[:10]
    labels = [t.get_text() for t in trav.figure.axes[0].get_yticklabels()]
    assert len(labels) == 10 and labels[0].startswith(f"z{top[0]} KL")   # most active first
    assert [lab.split()[0] for lab in labels] == [f"z{j}" for j in top]
    assert len(trav.figure.axes) == 3 and "the 10 of 12 dimensions" in trav.caption
    assert f"{activity['active_units']} of 12 units are active" in kl.caption
    bars = kl.figure.axes[0].patches
    np.testing.assert_allclose([b.get_height() for b in bars],
                               np.sort(activity["kl_per_dimension"])[::-1], rtol=1e-6)
    plt.close("all")


def test_makers_skip_what_does_not_apply(data):
    ae = Autoencoder(latent_dim=3, hidden_dims=(16,), epochs=1, random_state=0, device="cpu")
    result = _result(ae, data, "ae")
    assert list(figure_latent_traversals(result)) == []     # no sample(): not generative
    assert list(figure_kl_per_dimension(result)) == []      # no Gaussian encoder
    pca = PCA(3, random_state=0)
    result = _result(pca, data, "pca")
    assert list(figure_latent_traversals(result)) == [] == list(figure_kl_per_dimension(result))
    flat = Dataset(X=data.X, name="flat")                  # not images
    vae = VAE(latent_dim=2, hidden_dims=(8,), architecture="mlp", epochs=1, random_state=0,
              device="cpu")
    result = _result(vae, flat, "vae")
    assert list(figure_latent_traversals(result)) == []
    assert len(list(figure_kl_per_dimension(result))) == 1


def test_plots_check_their_input():
    from latentlearn.exceptions import DataError

    with pytest.raises(DataError, match="n_inputs, n_dims, steps"):
        plot_latent_traversals(np.zeros((2, 3, 4)), (2, 2))
    with pytest.raises(DataError, match="image_shape"):
        plot_latent_traversals(np.zeros((1, 2, 3, 4)), (3, 3))
    with pytest.raises(DataError, match="row_labels"):
        plot_latent_traversals(np.zeros((1, 2, 3, 4)), (2, 2), row_labels=["a"])
    with pytest.raises(DataError, match="active"):
        plot_kl_per_dimension([1.0, 2.0], active=[True])
    fig = plot_kl_per_dimension([0.1, 2.0, 0.5], active=[False, True, True])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["z1", "z2", "z0"]
    plt.close("all")
