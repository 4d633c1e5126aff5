"""Variational autoencoder (Kingma & Welling 2014, "Auto-encoding variational Bayes").

The encoder outputs the mean ``mu`` and the log-variance ``log sigma^2`` of a diagonal Gaussian
``q(z | x)``; a code is drawn by the reparameterisation trick::

    z = mu + sigma * eps,   sigma = exp(log_var / 2),   eps ~ N(0, I)

Two common slips in this line: ``z = mu + eps * sigma^2`` (the variance, which gives ``z`` the
variance ``sigma^4``) and ``z = mu + eps * log(sigma)`` (a negative "scale" for sigma < 1). The
correct formula is ``z = mu + sigma * eps``, the draw from ``N(mu, sigma^2)`` (Kingma & Welling
2014, sec. 3; in matrix form ``mu(x) + Sigma^{1/2}(x) eps``).

The loss is the negative evidence lower bound, averaged over the batch::

    -ELBO(x) = -E_q[log p(x | z)] + KL(q(z | x) || N(0, I))

with the expectation estimated from ``n_samples`` (L) draws per input and the KL in closed form,
``1/2 sum_j (mu_j^2 + sigma_j^2 - log sigma_j^2 - 1)`` (Kingma & Welling 2014, appendix B),
computed by :func:`latentlearn.divergences.kl_to_standard_normal` -- the same function the
evaluation uses.
``beta`` weights the KL (1 gives the ELBO; other values a beta-VAE objective).

Decoders ``p(x | z)`` (the reconstruction term is a log-likelihood: MSE assumes a Gaussian,
MAE a Laplace; Bishop 2006, PRML, sec. 1.2.5 and 5.2):

- ``"bernoulli"``: binary cross-entropy against the decoder's logits; for grey levels in [0, 1]
  this is the usual continuous relaxation (not a normalised density).
- ``"gaussian"``: ``N(x; m(z), s^2)``, ``s`` fixed (``scale``) or learned per feature.
- ``"laplace"``: ``Laplace(x; m(z), b)``, ``b`` fixed or learned per feature (the MAE).

Evaluation: :meth:`VAE.elbo` per input, and :meth:`VAE.log_importance_weights`, from which
``log p(x) ~ logsumexp_k w_k - log k`` (the IWAE bound of Burda et al. 2016, tighter than the ELBO
for k > 1 and equal to it for k = 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ...divergences import kl_to_standard_normal
from ...exceptions import ParameterError
from ..networks import network_for
from . import StepOutput, register_model

__all__ = ["VAEConfig", "VAE"]

_LOG_2PI = math.log(2.0 * math.pi)


@dataclass
class VAEConfig:
    n_features: int
    latent_dim: int = 20
    hidden: tuple = (512, 256)      # encoder widths; the decoder mirrors them
    activation: str = "relu"
    architecture: str = "mlp"       # a registered network: "mlp", "conv", "burgess"
    image_shape: tuple | None = None
    conv_channels: tuple = (32, 64)
    encoder_network: str | None = None  # None: architecture; a registered name; "user:<Class>"
    decoder_network: str | None = None
    likelihood: str = "bernoulli"   # "bernoulli", "gaussian", "laplace"
    scale: float = 1.0              # fixed decoder scale (gaussian sigma, laplace b)
    learn_scale: bool = False       # learn one log-scale per feature instead
    n_samples: int = 1              # L: draws of z per input in the training loss
    beta: float = 1.0               # weight of the KL term (1: the ELBO)


@register_model("vae")
class VAE(nn.Module):
    """VAE with a diagonal Gaussian encoder and a Bernoulli, Gaussian or Laplace decoder."""

    config_class = VAEConfig

    def __init__(self, config: VAEConfig, *, encoder=None, decoder=None):
        super().__init__()
        c = self.config = config
        if c.likelihood not in ("bernoulli", "gaussian", "laplace"):
            raise ParameterError(f"likelihood={c.likelihood!r} is not known; use 'bernoulli', "
                                 f"'gaussian' or 'laplace'.")
        net = dict(hidden=c.hidden, image_shape=c.image_shape, conv_channels=c.conv_channels,
                   activation=c.activation)
        # encoder / decoder: injected nn.Modules (see latentlearn.neural.networks' contract)
        self.encoder = network_for(c.encoder_network, encoder, "encoder", c.n_features,
                                   2 * c.latent_dim, architecture=c.architecture, **net)
        self.decoder = network_for(c.decoder_network, decoder, "decoder", c.latent_dim,
                                   c.n_features, architecture=c.architecture, **net)
        if c.learn_scale and c.likelihood != "bernoulli":
            self.log_scale = nn.Parameter(torch.full((c.n_features,), math.log(c.scale)))
        else:
            self.register_buffer("log_scale", torch.tensor(math.log(c.scale)), persistent=False)
        # The loss weights in force; a Trainer with weight_schedules= sets them every step.
        self.loss_weights = {"beta": float(c.beta)}

    # ----------------------------------------------------------------- parts
    def encode(self, x):
        """Parameters of ``q(z | x)``: ``mu`` and ``log sigma^2``, each (batch, latent_dim)."""
        mu, log_var = self.encoder(x).chunk(2, dim=-1)
        return mu, log_var

    @staticmethod
    def reparameterize(mu, log_var, n_samples=None):
        """``z = mu + sigma * eps`` (common slips put ``sigma^2`` or ``log sigma`` for ``sigma``).

        Returns (batch, latent_dim), or (n_samples, batch, latent_dim) when n_samples is given.
        """
        sigma = torch.exp(0.5 * log_var)
        shape = mu.shape if n_samples is None else (n_samples, *mu.shape)
        return mu + sigma * torch.randn(shape, dtype=mu.dtype, device=mu.device)

    def _decoder_output(self, z):
        lead = z.shape[:-1]
        out = self.decoder(z.reshape(-1, z.shape[-1]))      # (prod(lead), n_features)
        return out.reshape(*lead, out.shape[-1])            # (..., n_features)

    def decode(self, z):
        """The mean of ``p(x | z)``: probabilities (Bernoulli) or ``m(z)``; (..., n_features)."""
        out = self._decoder_output(z)
        return torch.sigmoid(out) if self.config.likelihood == "bernoulli" else out

    def log_px_given_z(self, x, out):
        """``log p(x | z)`` summed over features, from the decoder output ``out`` (..., n_features)."""
        kind = self.config.likelihood
        if kind == "bernoulli":
            x = x.expand_as(out)
            return -F.binary_cross_entropy_with_logits(out, x, reduction="none").sum(-1)
        log_s = self.log_scale
        if kind == "gaussian":
            terms = -0.5 * ((x - out) * torch.exp(-log_s)) ** 2 - log_s - 0.5 * _LOG_2PI
        else:  # laplace
            terms = -(x - out).abs() * torch.exp(-log_s) - log_s - math.log(2.0)
        return terms.sum(-1)

    # ----------------------------------------------------------------- training
    def training_step(self, x) -> StepOutput:
        c = self.config
        mu, log_var = self.encode(x)                         # (batch, latent)
        z = self.reparameterize(mu, log_var, c.n_samples)    # (L, batch, latent)
        log_px = self.log_px_given_z(x, self._decoder_output(z)).mean(0)  # (batch,)
        kl = kl_to_standard_normal(mu, log_var=log_var)      # (batch,)
        rec = -log_px.mean()
        kl_mean = kl.mean()
        loss = rec + self.loss_weights["beta"] * kl_mean
        return StepOutput(loss, {"reconstruction": rec.detach(), "kl": kl_mean.detach()})

    # ----------------------------------------------------------------- evaluation
    @torch.no_grad()
    def elbo(self, x, n_samples=1):
        """``E_q[log p(x|z)] - KL(q || N(0, I))`` per input, (batch,); KL exact, E by n_samples draws."""
        mu, log_var = self.encode(x)
        z = self.reparameterize(mu, log_var, n_samples)
        log_px = self.log_px_given_z(x, self._decoder_output(z)).mean(0)
        return log_px - kl_to_standard_normal(mu, log_var=log_var)

    @torch.no_grad()
    def log_importance_weights(self, x, k):
        """``log p(x | z_i) + log p(z_i) - log q(z_i | x)`` for k draws ``z_i ~ q``: (k, batch)."""
        mu, log_var = self.encode(x)
        z = self.reparameterize(mu, log_var, k)              # (k, batch, latent)
        eps_sq = (z - mu) ** 2 * torch.exp(-log_var)
        log_q = -0.5 * (eps_sq + log_var + _LOG_2PI).sum(-1)
        log_prior = -0.5 * (z ** 2 + _LOG_2PI).sum(-1)
        return self.log_px_given_z(x, self._decoder_output(z)) + log_prior - log_q

    def sample(self, n, generator=None):
        """Means of ``p(x | z)`` for ``z ~ N(0, I)``: (n, n_features)."""
        device = next(self.parameters()).device
        z = torch.randn(n, self.config.latent_dim, generator=generator, device="cpu")
        return self.decode(z.to(device))
