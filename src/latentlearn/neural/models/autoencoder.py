"""Autoencoders: plain, denoising and sparse (Goodfellow et al. 2016, Deep Learning, ch. 14).

An autoencoder is an encoder ``g`` and a decoder ``h`` trained so that ``h(g(x))`` is close to
``x`` (Hinton & Salakhutdinov 2006). The default here is a small MNIST network: 784 -> 128
(ReLU) -> 32 (ReLU) -> 128 (ReLU) -> 784 (sigmoid), binary cross-entropy, Adam.

- :class:`Autoencoder`: reconstruction loss only.
- :class:`DenoisingAutoencoder`: the input is corrupted before encoding, the clean input is the
  target (Vincent et al. 2008): zero-mean Gaussian noise of standard deviation 0.1, then
  clipped to [0, 1].
- :class:`SparseAutoencoder`: a sigmoid code and the penalty
  ``beta * sum_j KL(Ber(rho) || Ber(rho_hat_j))``, ``rho_hat_j`` the mean activation of code
  unit ``j`` over the batch (Ng 2011, "Sparse autoencoder", CS294A, averages rho_hat
  over all training examples; the batch stands in for all examples). The KL is
  :func:`latentlearn.divergences.kl_divergence` on :class:`~latentlearn.divergences.Bernoulli`
  records, the same function the evaluation uses.

Losses are summed over features and averaged over the batch, so the reconstruction term of the
BCE autoencoder is on the same scale as a VAE's negative log-likelihood.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ...divergences import Bernoulli, kl_divergence
from ...exceptions import ParameterError
from ..networks import network_for
from . import StepOutput, register_model

__all__ = ["AutoencoderConfig", "Autoencoder", "DenoisingAutoencoderConfig",
           "DenoisingAutoencoder", "SparseAutoencoderConfig", "SparseAutoencoder",
           "reconstruction_loss"]


def reconstruction_loss(kind: str, output, x):
    """Per-sample loss summed over features: ``(batch,)``. ``output`` is logits for ``"bce"``."""
    if kind == "bce":
        return F.binary_cross_entropy_with_logits(output, x, reduction="none").sum(-1)
    if kind == "mse":
        return ((output - x) ** 2).sum(-1)
    if kind == "mae":
        return (output - x).abs().sum(-1)
    raise ParameterError(f"reconstruction={kind!r} is not known; use 'bce', 'mse' or 'mae'.")


@dataclass
class AutoencoderConfig:
    n_features: int
    latent_dim: int = 32
    hidden: tuple = (128,)          # encoder widths; the decoder mirrors them
    activation: str = "relu"
    code_activation: str = "relu"   # the default 128 -> 32 layer is ReLU
    architecture: str = "mlp"       # a registered network: "mlp", "conv", "burgess"
    image_shape: tuple | None = None
    conv_channels: tuple = (32, 64)
    encoder_network: str | None = None  # None: architecture; a registered name; "user:<Class>"
    decoder_network: str | None = None
    reconstruction: str = "bce"     # "bce" (data in [0, 1], sigmoid output), "mse", "mae"


@register_model("ae")
class Autoencoder(nn.Module):
    """Deterministic autoencoder ``x -> z = g(x) -> h(z)`` (Hinton & Salakhutdinov 2006)."""

    config_class = AutoencoderConfig

    def __init__(self, config: AutoencoderConfig, *, encoder=None, decoder=None):
        super().__init__()
        self.config = config
        c = config
        net = dict(hidden=c.hidden, image_shape=c.image_shape, conv_channels=c.conv_channels,
                   activation=c.activation)
        # encoder / decoder: injected nn.Modules (see latentlearn.neural.networks' contract);
        # code_activation is applied after an injected encoder too.
        self.encoder = network_for(c.encoder_network, encoder, "encoder", c.n_features,
                                   c.latent_dim, architecture=c.architecture,
                                   out_activation=c.code_activation, **net)
        # BCE works on logits (stable); decode() applies the sigmoid.
        self.decoder = network_for(c.decoder_network, decoder, "decoder", c.latent_dim,
                                   c.n_features, architecture=c.architecture, **net)

    def encode(self, x):
        return self.encoder(x)                               # (batch, latent_dim)

    def decode(self, z):
        out = self.decoder(z)                                # (batch, n_features)
        return torch.sigmoid(out) if self.config.reconstruction == "bce" else out

    def corrupt(self, x):
        """The encoder's input during training (identity here; noise for the denoising AE)."""
        return x

    def training_step(self, x) -> StepOutput:
        z = self.encode(self.corrupt(x))
        rec = reconstruction_loss(self.config.reconstruction, self.decoder(z), x).mean()
        terms = {"reconstruction": rec.detach()}
        loss = rec + self.penalty(z, terms)
        return StepOutput(loss, terms)

    def penalty(self, z, terms):
        return 0.0


@dataclass
class DenoisingAutoencoderConfig(AutoencoderConfig):
    noise_std: float = 0.1          # standard deviation of the Gaussian corruption
    clip: bool = True               # clip the noisy input to [0, 1]


@register_model("denoising_ae")
class DenoisingAutoencoder(Autoencoder):
    """Reconstructs ``x`` from ``clip(x + N(0, noise_std^2), 0, 1)`` (Vincent et al. 2008)."""

    config_class = DenoisingAutoencoderConfig

    def corrupt(self, x):
        noisy = x + self.config.noise_std * torch.randn_like(x)
        return noisy.clamp(0.0, 1.0) if self.config.clip else noisy


@dataclass
class SparseAutoencoderConfig(AutoencoderConfig):
    code_activation: str = "sigmoid"  # activations in (0, 1), read as firing probabilities
    sparsity_target: float = 0.05     # rho
    sparsity_weight: float = 1.0      # beta


@register_model("sparse_ae")
class SparseAutoencoder(Autoencoder):
    """Autoencoder with the penalty ``beta * sum_j KL(Ber(rho) || Ber(rho_hat_j))`` (Ng 2011)."""

    config_class = SparseAutoencoderConfig

    def penalty(self, z, terms):
        c = self.config
        # rho_hat_j: mean activation of unit j over the batch; kept off exactly 0 and 1, where
        # the KL is infinite and a saturated float32 sigmoid can land.
        rho_hat = z.mean(0).clamp(1e-6, 1.0 - 1e-6)          # (latent_dim,)
        kl = kl_divergence(Bernoulli(c.sparsity_target), Bernoulli(rho_hat))
        terms["sparsity_kl"] = kl.detach()
        terms["mean_activation"] = z.mean().detach()
        return c.sparsity_weight * kl
