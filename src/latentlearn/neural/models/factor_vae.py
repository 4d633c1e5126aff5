"""FactorVAE (Kim & Mnih 2018, "Disentangling by factorising"): a VAE with a total-correlation
penalty estimated by a discriminator.

The VAE's loss adds ``gamma`` times the total correlation of the aggregate posterior,
``TC(z) = KL(q(z) || prod_j q(z_j))``, estimated by the density-ratio trick: a discriminator D
learns to tell codes ``z ~ q(z)`` (label 1) from codes whose dimensions were permuted
independently across the batch (label 0, draws from ``prod_j q(z_j)``); then
``D(z) / (1 - D(z)) ~ q(z) / prod_j q(z_j)`` and::

    TC(z) ~ E_q[log D(z) - log(1 - D(z))] = E_q[logit(z)]

with ``logit`` the discriminator's single output. The two losses (Kim & Mnih 2018, alg. 1)::

    VAE:            -E_q[log p(x | z)] + beta KL(q(z | x) || N(0, I)) + gamma E_q[logit(z)]
    discriminator:  BCE(logit(z), 1) + BCE(logit(permute(z')), 0)

The discriminator sees codes detached from the encoder; ``z`` and ``z'`` are the two halves of the
batch (the paper draws a second batch for the permuted codes; halves keep one batch per step).
The paper trains D as an MLP of 6 layers x 1000 units with Adam (lr 1e-4, betas (0.5, 0.9)), and
gamma = 35 on dSprites (gamma = 10 is the default here, with a smaller 4 x 256 D for CPUs).

Two players (see :class:`~latentlearn.neural.models.Player`): ``"vae"`` (encoder, decoder) then
``"discriminator"``, one step each per batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ...divergences import kl_to_standard_normal
from . import Player, StepOutput, register_model
from .vae import VAE, VAEConfig

__all__ = ["FactorVAEConfig", "FactorVAE", "permute_dims"]


def permute_dims(z: torch.Tensor, generator=None) -> torch.Tensor:
    """Each column of ``z`` (batch, latent) shuffled by its own permutation of the rows.

    Each marginal (the multiset of a column) is kept and the dependence between columns broken:
    the rows are draws from ``prod_j q(z_j)`` (Kim & Mnih 2018, alg. 1).
    """
    n, d = z.shape
    order = torch.argsort(torch.rand(n, d, generator=generator, device=z.device), dim=0)
    return torch.gather(z, 0, order)   # (batch, latent)


@dataclass
class FactorVAEConfig(VAEConfig):
    gamma: float = 10.0                        # weight of the TC term (35 on dSprites, the paper)
    discriminator_hidden: int = 256            # 1000 in the paper
    discriminator_layers: int = 4              # hidden layers; 6 in the paper
    discriminator_learning_rate: float = 1e-4  # Adam, betas (0.5, 0.9) as in the paper


def _discriminator(latent_dim, width, depth) -> nn.Sequential:
    layers, fan_in = [], latent_dim
    for _ in range(depth):
        layers += [nn.Linear(fan_in, width), nn.LeakyReLU(0.2)]
        fan_in = width
    layers.append(nn.Linear(fan_in, 1))   # logit of "z is from q(z)" = log D - log(1 - D)
    return nn.Sequential(*layers)


@register_model("factor_vae")
class FactorVAE(VAE):
    """VAE + discriminator estimating the total correlation of the codes (Kim & Mnih 2018)."""

    config_class = FactorVAEConfig

    def __init__(self, config: FactorVAEConfig, *, encoder=None, decoder=None):
        super().__init__(config, encoder=encoder, decoder=decoder)
        self.discriminator = _discriminator(config.latent_dim, config.discriminator_hidden,
                                            config.discriminator_layers)
        self.loss_weights["gamma"] = float(config.gamma)

    def players(self) -> list[Player]:
        vae = [p for name, p in self.named_parameters() if not name.startswith("discriminator.")]
        return [Player("vae", vae),
                Player("discriminator", list(self.discriminator.parameters()),
                       optimizer={"name": "adam", "lr": self.config.discriminator_learning_rate,
                                  "betas": (0.5, 0.9), "weight_decay": 0.0})]

    def tc_estimate(self, z) -> torch.Tensor:
        """``E[log D(z) - log(1 - D(z))]`` over the rows of ``z`` (batch, latent): a scalar."""
        return self.discriminator(z).mean()

    def training_step(self, x, player: str = "vae") -> StepOutput:
        if player == "discriminator":
            return self._discriminator_step(x)
        mu, log_var = self.encode(x)                             # (batch, latent)
        z = self.reparameterize(mu, log_var, self.config.n_samples)  # (L, batch, latent)
        log_px = self.log_px_given_z(x, self._decoder_output(z)).mean(0)
        rec = -log_px.mean()
        kl = kl_to_standard_normal(mu, log_var=log_var).mean()
        tc = self.tc_estimate(z[0])
        w = self.loss_weights
        loss = rec + w["beta"] * kl + w["gamma"] * tc
        return StepOutput(loss, {"reconstruction": rec.detach(), "kl": kl.detach(),
                                 "tc": tc.detach()})

    def _discriminator_step(self, x) -> StepOutput:
        with torch.no_grad():
            mu, log_var = self.encode(x)
            z = self.reparameterize(mu, log_var)                 # (batch, latent)
        return self.discriminator_loss(z)

    def discriminator_loss(self, z, generator=None) -> StepOutput:
        """BCE of D on the first half of ``z`` (label 1) vs the permuted second half (label 0)."""
        half = max(z.shape[0] // 2, 1)
        real, other = z[:half], (z[half:] if z.shape[0] > 1 else z)
        fake = permute_dims(other, generator)
        logits_real = self.discriminator(real).squeeze(-1)
        logits_fake = self.discriminator(fake).squeeze(-1)
        loss = 0.5 * (F.binary_cross_entropy_with_logits(logits_real, torch.ones_like(logits_real))
                      + F.binary_cross_entropy_with_logits(logits_fake,
                                                           torch.zeros_like(logits_fake)))
        accuracy = 0.5 * ((logits_real > 0).float().mean() + (logits_fake <= 0).float().mean())
        return StepOutput(loss, {"discriminator_accuracy": accuracy.detach()})
