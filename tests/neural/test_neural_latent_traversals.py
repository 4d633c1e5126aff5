"""Latent traversals, KL per latent dimension and active units (neural/latent.py)."""

import numpy as np
import pytest
import torch

from latentlearn.divergences import kl_to_standard_normal
from latentlearn.exceptions import DataError, ParameterError
from latentlearn.neural import VAE
from latentlearn.neural.latent import (active_units, kl_per_dimension, latent_activity,
                                       latent_traversals, posterior_moments)


@pytest.fixture(scope="module")
def vae():
    rng = np.random.default_rng(0)
    X = (rng.random((64, 36)) > 0.5).astype(np.float32)
    est = VAE(latent_dim=4, hidden_dims=(16,), architecture="mlp", epochs=1, batch_size=32,
              random_state=0, device="cpu").fit(X)
    return est, X


def test_traversal_shape_and_centre_is_the_reconstruction(vae):
    est, X = vae
    grid = latent_traversals(est, X[:3], dims=[2, 0], steps=9, span=3.0)
    assert grid.shape == (3, 2, 9, 36)
    recon = est.inverse_transform(est.transform(X[:3]))
    for k in range(2):
        np.testing.assert_allclose(grid[:, k, 4], recon, atol=1e-6)
    # the ends differ from the centre: the sweep moves the code
    assert np.abs(grid[:, :, 0] - grid[:, :, 4]).max() > 1e-4


def test_traversal_codes_are_the_input_code_plus_the_offset(vae):
    est, X = vae
    codes = est.transform(X[:2])
    offsets = np.linspace(-3, 3, 5)
    grid = latent_traversals(est, X[:2], dims=[1], steps=5)
    expected = codes[:, None, :].repeat(5, 1)
    expected[:, :, 1] += offsets
    np.testing.assert_allclose(grid[:, 0], est.inverse_transform(
        expected.reshape(-1, 4)).reshape(2, 5, -1), atol=1e-6)
    absolute = latent_traversals(est, X[:2], dims=[1], steps=5, relative=False)
    expected[:, :, 1] = offsets
    np.testing.assert_allclose(absolute[:, 0], est.inverse_transform(
        expected.reshape(-1, 4)).reshape(2, 5, -1), atol=1e-6)


def test_traversal_bad_input(vae):
    est, X = vae
    with pytest.raises(ParameterError, match="outside the latent space"):
        latent_traversals(est, X[:1], dims=[4])
    with pytest.raises(ParameterError, match="steps"):
        latent_traversals(est, X[:1], steps=1)


def test_kl_per_dimension_is_the_closed_form():
    rng = np.random.default_rng(1)
    mu, log_var = rng.normal(size=(50, 6)), rng.normal(scale=0.5, size=(50, 6))
    direct = (0.5 * (mu ** 2 + np.exp(log_var) - log_var - 1)).mean(axis=0)
    kl = kl_per_dimension(mu, log_var)
    np.testing.assert_allclose(kl, direct, rtol=1e-12)
    np.testing.assert_allclose(kl.sum(), kl_to_standard_normal(mu, log_var=log_var).mean(),
                               rtol=1e-12)
    with pytest.raises(DataError, match="one shape"):
        kl_per_dimension(mu, log_var[:, :3])


def test_posterior_moments_match_the_encoder(vae):
    est, X = vae
    mu, log_var = posterior_moments(est, X)
    with torch.no_grad():
        m, lv = est.model_.encode(torch.as_tensor(X))
    np.testing.assert_allclose(mu, m.numpy(), atol=1e-6)
    np.testing.assert_allclose(log_var, lv.numpy(), atol=1e-6)
    np.testing.assert_allclose(mu, est.transform(X), atol=1e-6)
    activity = latent_activity(est, X)
    np.testing.assert_allclose(activity["kl_per_dimension"], kl_per_dimension(mu, log_var))
    assert list(activity["order"]) == list(np.argsort(-activity["kl_per_dimension"]))


def test_active_units_on_a_constructed_model(vae):
    """Encoder rows of mu zeroed for two dimensions: their means are constant, so inactive."""
    est, X = vae
    import copy

    model = copy.deepcopy(est)
    last = [m for m in model.model_.encoder.modules() if isinstance(m, torch.nn.Linear)][-1]
    with torch.no_grad():
        last.weight[[1, 3]] = 0.0                    # mu_1, mu_3 = bias: no variance over x
        last.weight[[0, 2]] *= 0                     # then give mu_0, mu_2 a large spread
        last.weight[0, :] = torch.linspace(-3, 3, last.weight.shape[1])
        last.weight[2, :] = torch.linspace(3, -3, last.weight.shape[1])
    mu, _ = posterior_moments(model, X)
    assert np.allclose(mu[:, [1, 3]].var(axis=0), 0)
    assert active_units(mu) == 2
    assert active_units(mu, threshold=1e9) == 0
    assert latent_activity(model, X)["active_units"] == 2
    # Burda et al.'s criterion on a hand-made code: variances 0, 0.005, 0.02, 1
    codes = np.random.default_rng(0).normal(size=(20000, 4)) * np.sqrt([0, 0.005, 0.02, 1])
    assert active_units(codes) == 2


def test_moments_need_a_gaussian_encoder():
    from latentlearn.decomposition import PCA

    pca = PCA(2).fit(np.random.default_rng(0).random((20, 5)))
    with pytest.raises(ParameterError, match="VAE family"):
        posterior_moments(pca, np.zeros((2, 5)))


def test_held_out_index_is_the_trainers_validation_split():
    """The evaluation's held-out part is the very split the Trainer validated on."""
    from latentlearn.neural.latent import evaluation_index, held_out_index
    from latentlearn.neural.trainer import Trainer, TrainerConfig

    rng = np.random.default_rng(3)
    X = rng.random((40, 6)).astype(np.float32)            # distinct rows
    est = VAE(latent_dim=2, hidden_dims=(8,), architecture="mlp", epochs=1, batch_size=16,
              validation_fraction=0.25, random_state=7, device="cpu").fit(X)
    index = held_out_index(est, len(X))
    assert index is not None and len(index) == 10
    trainer = Trainer(est.model_, TrainerConfig(validation_fraction=0.25, seed=est.seed_,
                                                batch_size=16))
    trainer.device = torch.device("cpu")                 # set by fit(); _split reads them
    trainer._shuffle_rng = torch.Generator().manual_seed(0)
    _, val = trainer._split(X, None)
    val_rows = val.X.cpu().numpy()
    found = sorted(int(np.flatnonzero((X == row).all(axis=1))[0]) for row in val_rows)
    assert found == list(index)
    assert evaluation_index(est, len(X))[1] is True
    assert held_out_index(est.set_params(validation_fraction=0.0), len(X)) is None
    assert evaluation_index(est, len(X), max_samples=5)[0].tolist() == [0, 1, 2, 3, 4]
