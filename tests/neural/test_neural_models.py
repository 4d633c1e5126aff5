"""Networks and models: shapes, the reparameterisation, the losses against their formulas."""

import math

import numpy as np
import pytest
import torch

from latentlearn.divergences import Bernoulli, kl_divergence
from latentlearn.neural.models.autoencoder import (Autoencoder, AutoencoderConfig,
                                                   DenoisingAutoencoder,
                                                   DenoisingAutoencoderConfig, SparseAutoencoder,
                                                   SparseAutoencoderConfig)
from latentlearn.neural.models.vae import VAE, VAEConfig
from latentlearn.neural.networks import MLP, ConvDecoder, ConvEncoder
from latentlearn.neural.trainer import Trainer, TrainerConfig


def test_mlp_widths_and_activations():
    net = MLP([784, 128, 32], "relu", "sigmoid")
    shapes = [tuple(m.weight.shape) for m in net if isinstance(m, torch.nn.Linear)]
    assert shapes == [(128, 784), (32, 128)]
    assert isinstance(net[-1], torch.nn.Sigmoid)


@pytest.mark.parametrize("shape", [(28, 28), (13, 11, 3), (8, 8)])
def test_conv_encoder_decoder_restore_the_image_size(shape):
    n = int(np.prod(shape))
    enc, dec = ConvEncoder(shape, 5, channels=(4, 8)), ConvDecoder(5, shape, channels=(4, 8))
    x = torch.rand(2, n)
    z = enc(x)
    assert z.shape == (2, 5)
    assert dec(z).shape == (2, n)


def test_seed_000_autoencoder_default_architecture():
    model = Autoencoder(AutoencoderConfig(n_features=784))
    linears = [tuple(m.weight.shape) for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert linears == [(128, 784), (32, 128), (128, 32), (784, 128)]
    x = torch.rand(4, 784)
    assert model.decode(model.encode(x)).min() >= 0 and model.decode(model.encode(x)).max() <= 1
    assert (model.encode(x) >= 0).all()  # ReLU code, as in seed 000


def test_denoising_corruption_is_gaussian_then_clipped():
    model = DenoisingAutoencoder(DenoisingAutoencoderConfig(n_features=10, noise_std=0.1))
    torch.manual_seed(0)
    x = torch.full((20000, 10), 0.5)
    noisy = model.corrupt(x)
    assert abs(float((noisy - x).std()) - 0.1) < 0.005
    edge = model.corrupt(torch.ones(1000, 10))
    assert float(edge.max()) == 1.0 and float(edge.min()) >= 0.0


def test_sparse_penalty_is_the_bernoulli_kl_of_the_batch_mean():
    cfg = SparseAutoencoderConfig(n_features=6, latent_dim=4, hidden=(5,), sparsity_target=0.1,
                                  sparsity_weight=2.0)
    model = SparseAutoencoder(cfg)
    x = torch.rand(8, 6)
    out = model.training_step(x)
    rho_hat = model.encode(x).mean(0).detach().numpy().astype(np.float64)
    expected = sum(0.1 * math.log(0.1 / r) + 0.9 * math.log(0.9 / (1 - r)) for r in rho_hat)
    assert float(out.terms["sparsity_kl"]) == pytest.approx(expected, rel=1e-5)
    assert float(out.terms["sparsity_kl"]) == pytest.approx(
        kl_divergence(Bernoulli(0.1), Bernoulli(rho_hat)), rel=1e-5)
    assert float(out.loss.detach()) == pytest.approx(
        float(out.terms["reconstruction"]) + 2.0 * expected, rel=1e-5)


def test_sparse_autoencoder_mean_activation_ends_near_rho():
    rng = np.random.default_rng(0)
    X = (rng.random((400, 30)) > 0.7).astype(np.float32)
    torch.manual_seed(0)
    model = SparseAutoencoder(SparseAutoencoderConfig(
        n_features=30, latent_dim=16, hidden=(24,), sparsity_target=0.05, sparsity_weight=5.0))
    Trainer(model, TrainerConfig(epochs=30, batch_size=50, learning_rate=3e-3,
                                 device="cpu")).fit(X)
    with torch.no_grad():
        mean_activation = model.encode(torch.as_tensor(X)).mean(0)
    assert float(mean_activation.mean()) == pytest.approx(0.05, abs=0.02)


def test_reparameterisation_draws_from_n_mu_sigma_squared():
    # z = mu + sigma * eps with sigma = exp(log_var / 2); not sigma^2 (seed 000's slip), not
    # log sigma (seed 002's).
    torch.manual_seed(0)
    mu, log_var = torch.tensor([[1.0, -2.0]]), torch.tensor([[math.log(0.25), math.log(4.0)]])
    z = VAE.reparameterize(mu, log_var, 200_000)[:, 0]
    np.testing.assert_allclose(z.mean(0), [1.0, -2.0], atol=0.02)
    np.testing.assert_allclose(z.std(0), [0.5, 2.0], rtol=0.01)


def test_vae_loss_is_reconstruction_plus_closed_form_kl():
    torch.manual_seed(0)
    model = VAE(VAEConfig(n_features=12, latent_dim=3, hidden=(8,)))
    x = (torch.rand(16, 12) > 0.5).float()
    out = model.training_step(x)
    mu, log_var = model.encode(x)
    kl = 0.5 * (mu ** 2 + log_var.exp() - log_var - 1).sum(-1).mean().detach()
    assert float(out.terms["kl"]) == pytest.approx(float(kl), rel=1e-5)
    assert float(out.loss.detach()) == pytest.approx(float(out.terms["reconstruction"] + kl), rel=1e-5)
    out.loss.backward()
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize("likelihood", ["gaussian", "laplace"])
def test_gaussian_and_laplace_log_likelihoods(likelihood):
    model = VAE(VAEConfig(n_features=5, latent_dim=2, hidden=(4,), likelihood=likelihood,
                          scale=0.5))
    x, m = torch.rand(3, 5), torch.rand(3, 5)
    got = model.log_px_given_z(x, m)
    if likelihood == "gaussian":
        expected = torch.distributions.Normal(m, 0.5).log_prob(x).sum(-1)
    else:
        expected = torch.distributions.Laplace(m, 0.5).log_prob(x).sum(-1)
    torch.testing.assert_close(got, expected)


def test_learned_scale_is_a_parameter():
    model = VAE(VAEConfig(n_features=5, latent_dim=2, hidden=(4,), likelihood="gaussian",
                          learn_scale=True))
    assert any(name == "log_scale" for name, _ in model.named_parameters())
    model.training_step(torch.rand(4, 5)).loss.backward()
    assert model.log_scale.grad is not None


def test_iwae_with_one_sample_is_an_unbiased_elbo_estimate():
    torch.manual_seed(0)
    model = VAE(VAEConfig(n_features=12, latent_dim=3, hidden=(8,)))
    x = (torch.rand(64, 12) > 0.5).float()
    w = model.log_importance_weights(x, 4000)      # (k, batch): k = 1 estimates, averaged
    elbo = model.elbo(x, n_samples=4000)
    torch.testing.assert_close(w.mean(0), elbo, atol=0.05, rtol=0)
    iwae = torch.logsumexp(w, 0) - math.log(w.shape[0])
    assert (iwae >= w.mean(0)).all()               # Jensen, sample by sample
