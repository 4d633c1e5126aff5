"""MMD-VAE, the InfoVAE family member that matches the aggregate posterior to the prior by MMD
(Zhao, Song & Ermon 2019, "InfoVAE: balancing learning and inference in variational
autoencoders", AAAI).

InfoVAE's objective with its ``alpha = 1`` drops the per-input KL and keeps a divergence between
the aggregate posterior ``q(z) = E_p(x) q(z|x)`` and the prior; with the MMD as that divergence
(Zhao et al. 2019, "MMD-VAE")::

    loss = -E_q[log p(x|z)] + lambda * MMD^2(q(z), N(0, I)) + beta * KL(q(z|x) || N(0, I))

``MMD^2`` is estimated by :func:`latentlearn.divergences.mmd2` -- the function the evaluation
uses -- between the batch's codes ``z ~ q(z|x)`` and as many draws from the prior, with the
unbiased estimator (Gretton et al. 2012) and the Gaussian kernel ``exp(-r^2 / (2 s^2))`` at the
fixed bandwidth ``s^2 = latent_dim``: half the mean squared distance ``2 latent_dim`` between two
prior draws (a kernel fixed by the prior, not by the codes, so the loss keeps one yardstick as
the codes move; the median heuristic of :func:`~latentlearn.divergences.mmd2` would not).

``lambda`` (``mmd_weight``) defaults to 100: the reconstruction term is a sum over features
(about 150 nats per MNIST image) while MMD^2 between codes and prior is of order 1e-3 to 1e-1,
so lambda must be large to make the two comparable. Too
large a lambda ends in posterior collapse: on mnist5k with a 2-D latent and 10 epochs we
measured, on the test set, reconstruction 153 / 158 / 164 / 207 nats and MMD^2 0.14 / 0.055 /
0.009 / 0.0002 for lambda = 1 / 10 / 100 / 1000, the last with q(z|x) equal to the prior (the
encoder ignores x; benchmarks/bench_vae_family.py). ``beta``
(default 0) adds InfoVAE's per-input KL with weight ``1 - alpha``. The estimate compares pairs
of distinct codes, so a batch needs at least two inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ...divergences import kl_to_standard_normal, mmd2
from ...exceptions import DataError
from .. import distributed
from . import StepOutput, register_model
from .vae import VAE, VAEConfig

__all__ = ["MMDVAEConfig", "MMDVAE", "mmd_to_prior"]


@dataclass
class MMDVAEConfig(VAEConfig):
    beta: float = 0.0               # weight of the per-input KL (InfoVAE's 1 - alpha); 0: none
    mmd_weight: float = 100.0       # lambda, the weight of MMD^2(codes, prior draws)


def mmd_to_prior(codes, prior_draws):
    """``MMD^2`` of the codes against prior draws, as the MMD-VAE loss computes it.

    Gaussian kernel, bandwidth ``sqrt(latent_dim)``, unbiased estimator (see the module
    docstring); codes and prior_draws of shape (n, latent_dim), n >= 2.
    """
    if codes.shape[0] < 2:
        raise DataError(f"the MMD-VAE loss needs at least 2 codes per batch (got "
                        f"{codes.shape[0]}): the unbiased MMD^2 estimate compares pairs of "
                        f"distinct codes, and a single one has no pair. Use batch_size >= 2 "
                        f"(and a training-set size that does not leave a last batch of 1).")
    return mmd2(codes, prior_draws, kernel="gaussian", bandwidth=math.sqrt(codes.shape[1]),
                estimator="unbiased")


def _gaussian_kernel(A, B, bandwidth):
    return torch.exp(torch.cdist(A, B).pow(2) * (-0.5 / bandwidth ** 2))


def mmd_of_rows(codes, all_codes, prior_draws, all_prior_draws):
    """The terms of :func:`mmd_to_prior` that belong to some rows of the batch.

    With ``n`` codes and ``n`` prior draws in the batch, the unbiased ``MMD^2`` is the sum over
    rows ``i`` of ``f_i = (sum_{j != i} k(z_i, z_j) + sum_{j != i} k(p_i, p_j)) / (n (n - 1))
    - 2 sum_j k(z_i, p_j) / n^2``; this returns ``sum_i f_i`` over the given rows
    (``codes``, ``prior_draws``), each against the whole batch (``all_*``). The rows' sums over
    a partition of the batch add up to :func:`mmd_to_prior`: how a rank's share is scored under
    DDP (:func:`~latentlearn.neural.distributed.gather_rows`).
    """
    n = all_codes.shape[0]
    if n < 2:
        mmd_to_prior(all_codes, all_prior_draws)   # raises the error that says what to do
    s = math.sqrt(codes.shape[1])
    zz = _gaussian_kernel(codes, all_codes, s).sum() - codes.shape[0]   # k(z_i, z_i) = 1
    pp = _gaussian_kernel(prior_draws, all_prior_draws, s).sum() - prior_draws.shape[0]
    zp = _gaussian_kernel(codes, all_prior_draws, s).sum()
    return (zz + pp) / (n * (n - 1)) - 2.0 * zp / (n * n)


@register_model("mmd_vae")
class MMDVAE(VAE):
    """VAE trained on ``rec + lambda MMD^2(q(z), p(z)) + beta KL`` (Zhao et al. 2019)."""

    config_class = MMDVAEConfig

    def __init__(self, config: MMDVAEConfig, *, encoder=None, decoder=None):
        super().__init__(config, encoder=encoder, decoder=decoder)
        self.loss_weights = {"lambda": float(config.mmd_weight), "beta": float(config.beta)}

    def training_step(self, x) -> StepOutput:
        c, w = self.config, self.loss_weights
        gathered = self.training and distributed.world()[1] > 1
        if x.shape[0] < 2 and not gathered:   # (under DDP the global batch is checked)
            mmd_to_prior(x[:, :1], x[:, :1])   # raises the error that says what to do
        mu, log_var = self.encode(x)                         # (batch, latent)
        z = self.reparameterize(mu, log_var, c.n_samples)    # (L, batch, latent)
        rec = -self.log_px_given_z(x, self._decoder_output(z)).mean(0).mean()
        codes = z.reshape(-1, z.shape[-1])                   # (L * batch, latent)
        prior = torch.randn_like(codes)
        if gathered:
            # Under DDP: this rank's rows of the global batch's MMD, scaled so that the
            # trainer's share weights (n_r / m of a mean) add them up to the global MMD.
            d = z.shape[-1]
            both = torch.cat([z, prior.view_as(z)], dim=-1).transpose(0, 1)   # (batch, L, 2d)
            rows, _ = distributed.gather_rows(both)                          # (m, L, 2d)
            glob = rows.transpose(0, 1).reshape(-1, 2 * d)                   # (L * m, 2d)
            part = mmd_of_rows(codes, glob[:, :d], prior, glob[:, d:])
            mmd = part * (rows.shape[0] / x.shape[0])
        else:
            mmd = mmd_to_prior(codes, prior)
        kl = kl_to_standard_normal(mu, log_var=log_var).mean()
        loss = rec + w["lambda"] * mmd
        if w["beta"] != 0:
            loss = loss + w["beta"] * kl
        return StepOutput(loss, {"reconstruction": rec.detach(), "mmd": mmd.detach(),
                                 "kl": kl.detach()})
