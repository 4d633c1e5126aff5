"""The scikit-learn-style wrappers: fit / transform / decode / sample / interpolate / save."""

import numpy as np
import pytest
import torch
from sklearn.base import clone

from latentlearn.datasets import Dataset
from latentlearn.exceptions import CheckpointError, NotFittedError, ParameterError
from latentlearn.neural import (VAE, Autoencoder, DenoisingAutoencoder, SparseAutoencoder,
                                interpolate_codes, load_neural_estimator)
from latentlearn.registry import get_method

RNG = np.random.default_rng(1)
X = (RNG.random((160, 16)) > 0.6).astype(np.float32)
SMALL = dict(hidden_dims=(12,), epochs=2, batch_size=32, device="cpu", random_state=0)


@pytest.fixture(scope="module")
def vae():
    return VAE(3, **SMALL).fit(X)


@pytest.mark.parametrize("cls", [Autoencoder, DenoisingAutoencoder, SparseAutoencoder, VAE])
def test_fit_transform_inverse_transform_shapes(cls):
    est = cls(4, **SMALL)
    Z = est.fit_transform(X)
    assert Z.shape == (160, 4) and est.n_features_in_ == 16
    assert est.inverse_transform(Z).shape == (160, 16)
    assert est.reconstruct(X[:5]).shape == (5, 16)
    assert len(est.history_) == 2 and est.n_epochs_ == 2
    assert clone(est).get_params() == est.get_params()


@pytest.mark.parametrize("name", ["ae", "denoising_ae", "sparse_ae", "vae"])
def test_registered_for_the_command_line(name):
    info = get_method(name)
    assert info.family == "neural" and info.kind == "neural"


def test_same_random_state_same_codes():
    a = VAE(3, **SMALL).fit(X).transform(X)
    b = VAE(3, **SMALL).fit(X).transform(X)
    np.testing.assert_array_equal(a, b)


def test_vae_transform_gives_posterior_means(vae):
    with torch.no_grad():
        mu, _ = vae.model_.encode(torch.as_tensor(X))
    np.testing.assert_allclose(vae.transform(X), mu.numpy())
    np.testing.assert_array_equal(vae.transform(X), vae.transform(X))  # deterministic


def test_sample_from_the_prior_is_seeded(vae):
    a, b = vae.sample(8, random_state=3), vae.sample(8, random_state=3)
    assert a.shape == (8, 16) and np.all((a >= 0) & (a <= 1))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, vae.sample(8, random_state=4))


def test_interpolation_ends_are_reconstructions(vae):
    for method in ("linear", "spherical"):
        path = vae.interpolate(X[0], X[1], steps=6, method=method)
        assert path.shape == (6, 16)
        np.testing.assert_allclose(path[[0, -1]], vae.reconstruct(X[:2]), atol=1e-5)


def test_spherical_interpolation_keeps_the_radius_of_equal_norm_codes():
    z1, z2 = np.array([3.0, 0.0]), np.array([0.0, 3.0])
    path = interpolate_codes(z1, z2, 5, "spherical")
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 3.0)
    assert np.linalg.norm(interpolate_codes(z1, z2, 5, "linear")[2]) < 3.0


def test_negative_iwae_is_at_most_the_negative_elbo(vae):
    neg_elbo = -vae.elbo(X, n_samples=50).mean()
    neg_log_p = -vae.log_likelihood(X, k=200).mean()
    assert neg_log_p <= neg_elbo
    assert vae.score(X) == pytest.approx(-(-vae.elbo(X)).mean())
    assert vae.log_likelihood(X[:4], k=10).shape == (4,)


def test_save_and_load_round_trip(vae, tmp_path):
    folder = vae.save(tmp_path / "model")
    loaded = VAE.load(folder)
    assert loaded.get_params() == {**vae.get_params(), "callback": None}
    np.testing.assert_array_equal(loaded.transform(X), vae.transform(X))
    np.testing.assert_array_equal(loaded.sample(4, random_state=0), vae.sample(4, random_state=0))
    assert loaded.history_ == vae.history_
    with pytest.raises(CheckpointError, match="not a Autoencoder|holds a VAE"):
        Autoencoder.load(folder)
    assert isinstance(load_neural_estimator(folder), VAE)


def test_dataset_with_image_shape_selects_the_conv_network():
    images = Dataset(X=np.random.default_rng(0).random((40, 64), dtype=np.float32),
                     image_shape=(8, 8))
    est = VAE(2, **dict(SMALL, epochs=1)).fit(images)
    assert est.model_.config.architecture == "conv" and est.image_shape_ == (8, 8)
    mlp = VAE(2, architecture="mlp", **dict(SMALL, epochs=1)).fit(images)
    assert mlp.model_.config.architecture == "mlp"


def test_checkpointed_fit_can_resume(tmp_path):
    kw = dict(SMALL, epochs=3, checkpoint_dir=str(tmp_path / "ckpt"))
    full = VAE(3, **kw).fit(X)
    resumed = VAE(3, **dict(kw, resume=True)).fit(X)    # the checkpoint is already at epoch 3
    np.testing.assert_array_equal(full.transform(X), resumed.transform(X))
    assert (tmp_path / "ckpt.history.jsonl").is_file()


def test_bad_parameters_and_unfitted_use():
    with pytest.raises(ParameterError, match="latent_dim=0"):
        VAE(0).fit(X)
    with pytest.raises(ParameterError, match="likelihood='poisson'"):
        VAE(2, likelihood="poisson").fit(X)
    with pytest.raises(NotFittedError):
        VAE(2).transform(X)
    with pytest.raises(ValueError, match="features"):
        Autoencoder(2, **SMALL).fit(X).transform(X[:, :5])


def test_callback_sees_steps_and_epochs():
    events = []
    VAE(2, callback=lambda event, logs: events.append(event), **SMALL).fit(X)
    assert events.count("epoch") == 2 and events.count("step") == 10


def test_run_pipeline_fits_and_draws_figures():
    from latentlearn.runs import FIGURES, fit_run

    ds = Dataset(X=np.random.default_rng(0).random((60, 64), dtype=np.float32),
                 y=np.arange(60) % 3, image_shape=(8, 8), name="tiny")
    result = fit_run("vae", ds, {"latent_dim": 2, "hidden_dims": (8,), "epochs": 1,
                                 "architecture": "mlp"}, seed=0)
    assert result.embedding.shape == (60, 2)
    names = [fig.name for maker in FIGURES for fig in maker(result)]
    assert {"embedding", "reconstructions", "samples", "interpolations"} <= set(names)
    import matplotlib.pyplot as plt
    plt.close("all")
