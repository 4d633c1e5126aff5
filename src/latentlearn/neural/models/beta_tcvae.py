"""beta-TCVAE (Chen et al. 2018, "Isolating sources of disentanglement in variational autoencoders").

The VAE's KL term, averaged over the data, splits into three parts (Chen et al. 2018, sec. 3;
``n`` indexes the N training inputs, ``q(z) = 1/N sum_n q(z | n)`` is the aggregate posterior)::

    E_p(n) KL(q(z|n) || p(z)) =  KL(q(z, n) || q(z) p(n))          index-code MI
                               + KL(q(z) || prod_j q(z_j))           total correlation (TC)
                               + sum_j KL(q(z_j) || p(z_j))          dimension-wise KL

and the loss weights them separately::

    loss = -E_q[log p(x|z)] + alpha * MI + beta * TC + gamma * dwKL   (alpha = gamma = 1, beta = 6)

Each part is an expectation over ``z ~ q(z|n)`` of a difference of ``log q(z|n)``,
``log q(z)``, ``sum_j log q(z_j)`` and ``log p(z)``; with ``z_i`` drawn from ``q(z|x_i)`` for
the M inputs of a batch (one draw each), the densities of the aggregate posterior are estimated
from the batch as importance-weighted sums::

    log q(z_i)   ~ logsumexp_k [log w_ik + log q(z_i | x_k)]
    log q(z_ij)  ~ logsumexp_k [log w_ik + log q(z_ij | x_k)]

with weights ``w_ik`` over the batch that sum to 1 in each row and give every training input
weight 1/N in expectation over random batches (so ``exp`` of the estimate is unbiased for q):

``"mws"`` (minibatch weighted sampling)
    ``w_ii = 1/N`` for the input that drew ``z_i``, ``w_ik = (N - 1) / (N (M - 1))`` for the
    others. Chen et al. (2018, appendix C) print ``1/(N M)`` for every term (also their code);
    those weights sum to ``1/N`` instead of 1, which shifts ``log q(z)`` by about ``-log N`` and
    the TC by ``(D - 1) log N``: a constant, harmless to the gradient but not an estimate of the
    TC. The weights here are the ones for which the estimate is consistent.
``"mss"`` (minibatch stratified sampling, Chen et al. 2018, appendix C)
    with ``M' = M - 1``: ``w_ii = 1/N``, one other input (the next one, cyclically)
    ``(N - M') / (N M')``, the remaining ``M' - 1`` inputs ``1/M'``.

Both need N, the training-set size (``dataset_size``; the estimator sets it from the data).
The three estimates sum exactly to the batch's Monte Carlo estimate of the KL term,
``mean_i [log q(z_i | x_i) - log p(z_i)]``, since the ``log q`` estimates cancel. A batch of one
input estimates ``q(z)`` by ``q(z | x)`` itself (MI = 0). With ``n_samples`` (L) > 1 the
reconstruction averages L draws and the decomposition uses the first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ...exceptions import ParameterError
from ...divergences import kl_to_standard_normal
from .. import distributed
from . import StepOutput, register_model
from .vae import VAE, VAEConfig

__all__ = ["BetaTCVAEConfig", "BetaTCVAE", "log_importance_weights", "kl_decomposition"]

_LOG_2PI = math.log(2.0 * math.pi)
ESTIMATORS = ("mws", "mss")


@dataclass
class BetaTCVAEConfig(VAEConfig):
    beta: float = 6.0               # weight of the total correlation
    alpha: float = 1.0              # weight of the index-code mutual information
    gamma: float = 1.0              # weight of the dimension-wise KL
    estimator: str = "mws"          # "mws" or "mss": how log q(z) is estimated from a batch
    dataset_size: int = 0           # N, the training-set size (set by the estimator's fit)


def log_importance_weights(batch_size: int, dataset_size: int, estimator: str = "mws",
                           dtype=torch.float32, device=None):
    """``log w_ik`` of the module docstring: (batch_size, batch_size), rows sum to 1 in w."""
    M, N = int(batch_size), int(dataset_size)
    if estimator not in ESTIMATORS:
        raise ParameterError(f"estimator={estimator!r} is not known; use 'mws' or 'mss'.")
    if N < M:
        raise ParameterError(f"dataset_size={N} is smaller than the batch ({M}); set it to the "
                             f"number of training inputs.")
    if M == 1:
        return torch.zeros(1, 1, dtype=dtype, device=device)
    eye = torch.eye(M, dtype=torch.bool, device=device)
    if estimator == "mws":
        w = torch.full((M, M), (N - 1) / (N * (M - 1)), dtype=torch.float64, device=device)
    else:
        m = M - 1
        w = torch.full((M, M), 1.0 / m, dtype=torch.float64, device=device)
        nxt = torch.arange(M, device=device)
        w[nxt, (nxt + 1) % M] = (N - m) / (N * m)
    w[eye] = 1.0 / N
    return w.log().to(dtype)


def _log_normal(z, mu, log_var):
    return -0.5 * ((z - mu) ** 2 * torch.exp(-log_var) + log_var + _LOG_2PI)


def kl_decomposition(z, mu, log_var, dataset_size, estimator="mws", *, batch=None):
    """Batch estimates of index-code MI, total correlation and dimension-wise KL.

    With ``batch = (mu_all, log_var_all, own)`` the inputs ``z, mu, log_var`` are some rows of
    a larger batch (a rank's share under DDP, :func:`~latentlearn.neural.distributed.gather_rows`):
    ``log q(z_i)`` is estimated against the whole batch's posteriors, with the weights of the
    rows' positions ``own`` in it, and the means are over the given rows, so the shares'
    row-weighted means are the whole batch's estimates.

    Parameters
    ----------
    z : torch.Tensor of shape (batch, latent_dim)
        One draw ``z_i ~ q(z | x_i)`` per input.
    mu, log_var : torch.Tensor of shape (batch, latent_dim)
        The encoder's ``q(z | x_i)``.
    dataset_size : int
        N, the number of training inputs.
    estimator : {"mws", "mss"}

    Returns
    -------
    dict of scalar tensors
        ``mi``, ``tc``, ``dwkl`` and ``kl`` (= their sum, the Monte Carlo estimate
        ``mean_i [log q(z_i|x_i) - log p(z_i)]``).
    """
    if batch is None:
        mu_all, log_var_all = mu, log_var
        log_w = log_importance_weights(z.shape[0], dataset_size, estimator, z.dtype, z.device)
    else:
        mu_all, log_var_all, own = batch
        log_w = log_importance_weights(mu_all.shape[0], dataset_size, estimator, z.dtype,
                                       z.device)[own]
    # log q(z_ij | x_k) for every pair of batch entries: (batch i, batch k, latent j)
    log_qz_pairs = _log_normal(z[:, None, :], mu_all[None, :, :], log_var_all[None, :, :])
    log_qz_given_x = _log_normal(z, mu, log_var).sum(-1)                       # (batch,)
    log_qz = torch.logsumexp(log_w + log_qz_pairs.sum(-1), dim=1)              # (batch,)
    log_prod_qzj = torch.logsumexp(log_w[:, :, None] + log_qz_pairs, dim=1).sum(-1)
    log_pz = (-0.5 * (z ** 2 + _LOG_2PI)).sum(-1)                              # (batch,)
    mi = (log_qz_given_x - log_qz).mean()
    tc = (log_qz - log_prod_qzj).mean()
    dwkl = (log_prod_qzj - log_pz).mean()
    return {"mi": mi, "tc": tc, "dwkl": dwkl, "kl": (log_qz_given_x - log_pz).mean()}


@register_model("beta_tcvae")
class BetaTCVAE(VAE):
    """VAE trained on ``rec + alpha MI + beta TC + gamma dwKL`` (Chen et al. 2018)."""

    config_class = BetaTCVAEConfig

    def __init__(self, config: BetaTCVAEConfig, *, encoder=None, decoder=None):
        super().__init__(config, encoder=encoder, decoder=decoder)
        if config.estimator not in ESTIMATORS:
            raise ParameterError(f"estimator={config.estimator!r} is not known; use 'mws' or "
                                 f"'mss'.")
        if config.dataset_size < 1:
            raise ParameterError(f"dataset_size={config.dataset_size} must be the number of "
                                 f"training inputs (N >= 1): the TC estimators weight the "
                                 f"batch by it.")
        self.loss_weights = {"alpha": float(config.alpha), "beta": float(config.beta),
                             "gamma": float(config.gamma)}

    def training_step(self, x) -> StepOutput:
        c, w = self.config, self.loss_weights
        mu, log_var = self.encode(x)                         # (batch, latent)
        z = self.reparameterize(mu, log_var, c.n_samples)    # (L, batch, latent)
        rec = -self.log_px_given_z(x, self._decoder_output(z)).mean(0).mean()
        batch = None
        if self.training and distributed.world()[1] > 1:   # log q(z) over the global batch
            both, own = distributed.gather_rows(torch.cat([mu, log_var], dim=-1))
            mu_all, log_var_all = both.chunk(2, dim=-1)
            batch = (mu_all, log_var_all, own)
        parts = kl_decomposition(z[0], mu, log_var, c.dataset_size, c.estimator, batch=batch)
        loss = rec + w["alpha"] * parts["mi"] + w["beta"] * parts["tc"] + w["gamma"] * parts["dwkl"]
        with torch.no_grad():  # exact, logged for comparison only: no graph to build
            kl = kl_to_standard_normal(mu, log_var=log_var).mean()
        terms = {"reconstruction": rec, "kl": kl, "mi": parts["mi"], "tc": parts["tc"],
                 "dwkl": parts["dwkl"]}
        return StepOutput(loss, {k: v.detach() for k, v in terms.items()})
