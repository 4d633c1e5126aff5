"""VQ-VAE (van den Oord, Vinyals & Kavukcuoglu 2017, "Neural discrete representation learning").

An encoder maps ``x`` to a grid of D-dimensional vectors ``z_e(x)`` (a 7 x 7 grid for a 28 x 28
image with the default two stride-2 convolutions; a 1-D grid of ``grid_size`` vectors with the
MLP networks). Each vector is replaced by its nearest entry of a codebook ``e_1..e_K`` (K x D)::

    k(x) = argmin_j ||z_e(x) - e_j||^2,    z_q(x) = e_k(x)

and the decoder reconstructs ``x`` from ``z_q``. The argmin has no gradient; the
straight-through estimator copies the decoder's gradient with respect to ``z_q`` onto ``z_e``
(``z_q = z_e + sg[e_k - z_e]`` in the forward pass, ``sg`` the stop-gradient). The loss per
input (van den Oord et al. 2017, eq. 3), summed over the grid's cells and the D dimensions::

    L = -log p(x | z_q(x)) + ||sg[z_e(x)] - e||^2 + beta ||z_e(x) - sg[e]||^2,   beta = 0.25

The second term (codebook loss) moves the codes towards the encoder outputs assigned to them,
the third (commitment loss) keeps the encoder committed to its codes.

Codebook updates by exponential moving averages (``codebook_update="ema"``; van den Oord et al.
2017, appendix A.1; Razavi, van den Oord & Vinyals 2019, "Generating diverse high-fidelity images
with VQ-VAE-2"), which replace the codebook loss: with ``n_i`` the batch's count of vectors
assigned to code i and ``s_i`` their sum, ``gamma`` the decay (0.99) and ``eps`` = 1e-5::

    N_i <- gamma N_i + (1 - gamma) n_i,     m_i <- gamma m_i + (1 - gamma) s_i
    N_i' = (N_i + eps) / (n + K eps) * n    (Laplace smoothing, n = sum_i N_i),   e_i = m_i / N_i'

Here ``N_i`` starts at 1 and ``m_i`` at ``e_i`` (each code as if it had been assigned itself once),
so a code that is never chosen stays where it is instead of drifting to 0 or blowing up; the
loss is then ``-log p(x | z_q) + beta ||z_e - sg[e]||^2``.

Dead codes: a code that no vector of the last ``dead_code_restart`` batches chose is reset to a
random encoder output of the current batch (with ``N_i = 1``, ``m_i = e_i`` under EMA), the
restart of Dhariwal et al. 2020 (Jukebox) and Zeghidour et al. 2021 (SoundStream); optionally
(``dead_code_threshold``) also a code whose moving average of uses per batch is below a
threshold.

Codebook usage: the perplexity ``exp(H(p))`` of ``p``, the share of the batch's vectors assigned
to each code -- K when all codes are used equally, 1 when one code takes everything.

Common slips, and the correct forms:

- the stop-gradients on the wrong side: ``||z_e - sg[e]||^2`` as the codebook loss moves the
  encoder, not the codes, and ``z_q = e + sg[z_e - e]`` passes no gradient to the encoder. The
  correct forms are ``||sg[z_e] - e||^2`` (codebook), ``beta ||z_e - sg[e]||^2`` (commitment) and
  ``z_q = z_e + sg[e - z_e]`` (the value of e, the gradient of z_e);
- counting the codebook loss with EMA updates on: the codes then move twice (the gradient and the
  average); with EMA the loss is reconstruction + commitment only;
- the EMA update of ``e_i`` as the moving average of the batch means ``s_i / n_i``: unused codes
  divide by zero and the averaging weights codes by batches, not by vectors. The correct form
  averages the sums and the counts apart and divides, as above;
- perplexity from per-batch counts read as the codebook's usage over the data: a batch of B x 49
  vectors cannot show more than B x 49 codes, and the mean of per-batch perplexities is not the
  perplexity of the pooled counts (exp of an entropy does not commute with the mean). The
  per-step value is logged here (``perplexity``, and its epoch mean in the history); the usage
  over a data set is ``exp(H)`` of the pooled counts of all its codes
  (:func:`codebook_perplexity` of ``transform(X)``).

The prior: a small causal transformer (Vaswani et al. 2017; as the prior over VQ codes of Esser,
Rombach & Ommer 2021) over the grid's code indices in raster order, in place of the PixelCNN of
van den Oord et al. 2016 ("Conditional image generation with PixelCNN decoders") used by the
papers; ``p(k) = prod_i p(k_i | k_<i)``. It is trained as a second player of the same model on
each batch's code indices, detached from the encoder (one model, one trainer, one checkpoint:
resume continues both bit for bit). ``sample`` draws indices ancestrally from it and decodes
them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ...exceptions import ParameterError
from .. import distributed
from ..networks import ACTIVATIONS, MLP
from . import Player, StepOutput, register_model

__all__ = ["VQVAEConfig", "VQVAE", "VectorQuantizer", "QuantizerOutput", "CodePrior",
           "nearest_codes", "codebook_perplexity"]


# --------------------------------------------------------------------------- quantiser
def nearest_codes(z: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    """``argmin_j ||z_m - e_j||^2`` for each row of ``z`` (M, D), codebook (K, D): (M,) int64.

    Uses ``||z||^2 - 2 z.e + ||e||^2`` (one matrix product); ties go to the lowest index.
    """
    distances = (z.pow(2).sum(1, keepdim=True) - 2.0 * z @ codebook.t()
                 + codebook.pow(2).sum(1)[None, :])                # (M, K)
    return distances.argmin(dim=1)


def codebook_perplexity(indices, n_codes: int):
    """``exp(H(p))``, p the share of ``indices`` (any shape) given to each of ``n_codes`` codes.

    A torch tensor in gives a 0-d tensor; anything else a float.
    """
    if not torch.is_tensor(indices):
        return float(codebook_perplexity(torch.as_tensor(indices).long(), n_codes))
    counts = torch.bincount(indices.reshape(-1), minlength=n_codes).to(torch.float32)
    p = counts / counts.sum().clamp_min(1.0)
    return torch.exp(-(p * torch.log(p.clamp_min(1e-12))).sum())   # 0 log 0 = 0


@dataclass
class QuantizerOutput:
    """What :class:`VectorQuantizer` returns for z_e of shape (batch, ..., D)."""

    z_q: torch.Tensor              # (batch, ..., D): e's values, z_e's gradient
    indices: torch.Tensor          # (batch, ...) int64
    codebook_loss: torch.Tensor    # ||sg[z_e] - e||^2 summed per input, batch mean (0 with EMA)
    commitment_loss: torch.Tensor  # ||z_e - sg[e]||^2 likewise (beta not applied)
    perplexity: torch.Tensor       # exp(H) of this batch's code usage
    codes_used: torch.Tensor       # distinct codes in the batch
    restarted: torch.Tensor        # dead codes reset in this step


class VectorQuantizer(nn.Module):
    """A K x D codebook, nearest-code quantisation and the straight-through gradient.

    Parameters
    ----------
    n_codes : int
        K.
    code_dim : int
        D.
    update : {"loss", "ema"}
        "loss": the codebook is a parameter moved by the codebook loss; "ema": a buffer set by
        exponential moving averages of the assigned encoder outputs (see the module docstring).
    decay, epsilon : float
        The EMA's gamma and Laplace-smoothing epsilon.
    dead_code_restart : int
        Reset a code no vector chose in this many consecutive training batches; 0: never.
    dead_code_threshold : float
        Also reset a code whose moving average (decay ``decay``) of vectors per batch falls
        below this (the rule of vector-quantize-pytorch's ``threshold_ema_dead_code``, which
        restarts rarely used codes too); 0: never. The average starts at 1, so a threshold above
        1 resets every code to encoder outputs at the first step.

    In training mode, ``forward`` updates the EMA statistics, the usage counters and restarts dead
    codes (from torch's global random generator, which the Trainer checkpoints); in eval mode it
    changes nothing. These updates happen in the forward pass, so a step the Trainer's NaN guard
    refuses has already moved the EMA statistics (the weights it leaves untouched).
    """

    def __init__(self, n_codes: int, code_dim: int, *, update: str = "loss",
                 decay: float = 0.99, epsilon: float = 1e-5, dead_code_restart: int = 0,
                 dead_code_threshold: float = 0.0):
        super().__init__()
        if update not in ("loss", "ema"):
            raise ParameterError(f"codebook_update={update!r} is not known; use 'loss' or 'ema'.")
        self.n_codes, self.code_dim, self.update = int(n_codes), int(code_dim), update
        self.decay, self.epsilon = float(decay), float(epsilon)
        self.dead_code_restart = int(dead_code_restart)
        self.dead_code_threshold = float(dead_code_threshold)
        init = torch.empty(n_codes, code_dim).uniform_(-1.0, 1.0) / math.sqrt(code_dim)
        if update == "loss":
            self.codebook = nn.Parameter(init)
        else:
            self.register_buffer("codebook", init)
            self.register_buffer("ema_count", torch.ones(n_codes))      # N_i
            self.register_buffer("ema_sum", init.clone())               # m_i
        # Training batches since each code was last chosen (checkpointed with the weights).
        self.register_buffer("unused_steps", torch.zeros(n_codes, dtype=torch.long))
        self.register_buffer("usage", torch.ones(n_codes))             # moving average of n_i

    def forward(self, z_e: torch.Tensor) -> QuantizerOutput:
        batch, D = z_e.shape[0], z_e.shape[-1]
        flat = z_e.reshape(-1, D)                                      # (M, D)
        with torch.no_grad():
            indices = nearest_codes(flat, self.codebook)               # (M,)
        e = F.embedding(indices, self.codebook).view_as(z_e)          # (batch, ..., D)
        per_input = lambda t: t.reshape(batch, -1).sum(1).mean()       # noqa: E731
        commitment = per_input((z_e - e.detach()) ** 2)
        if self.update == "loss":
            codebook_loss = per_input((z_e.detach() - e) ** 2)
        else:
            codebook_loss = torch.zeros((), device=z_e.device)
        z_q = z_e + (e - z_e).detach()                                 # straight-through
        with torch.no_grad():
            counts = torch.bincount(indices, minlength=self.n_codes)
            if self.training:  # under DDP: the global batch's counts (the same on every rank)
                counts = distributed.sum_over_ranks(counts)
            p = counts.to(torch.float32) / counts.sum().clamp_min(1)
            perplexity = torch.exp(-(p * torch.log(p.clamp_min(1e-12))).sum())
            restarted = torch.zeros((), dtype=torch.long, device=z_e.device)
            if self.training:
                if self.update == "ema":
                    self._ema_update(flat.detach(), indices, counts)
                restarted = self._restart_dead_codes(flat.detach(), counts)
        return QuantizerOutput(z_q, indices.view(z_e.shape[:-1]), codebook_loss, commitment,
                               perplexity, (counts > 0).sum(), restarted)

    @torch.no_grad()
    def _ema_update(self, flat, indices, counts):
        g = self.decay
        sums = torch.zeros_like(self.ema_sum).index_add_(0, indices, flat)   # s_i, (K, D)
        # Under DDP the codebook is a buffer, outside the gradient all-reduce: every rank adds
        # up the global batch's sums (its counts are global already) and makes the same update.
        distributed.sum_over_ranks(sums)
        self.ema_count.mul_(g).add_(counts.to(flat.dtype), alpha=1.0 - g)
        self.ema_sum.mul_(g).add_(sums, alpha=1.0 - g)
        n = self.ema_count.sum()
        smoothed = (self.ema_count + self.epsilon) / (n + self.n_codes * self.epsilon) * n
        self.codebook.copy_(self.ema_sum / smoothed[:, None])

    @torch.no_grad()
    def _restart_dead_codes(self, flat, counts):
        self.unused_steps.add_(1)
        self.unused_steps[counts > 0] = 0
        self.usage.mul_(self.decay).add_(counts.to(flat.dtype), alpha=1.0 - self.decay)
        dead = torch.zeros(self.n_codes, dtype=torch.bool, device=flat.device)
        if self.dead_code_restart > 0:
            dead |= self.unused_steps >= self.dead_code_restart
        if self.dead_code_threshold > 0:
            dead |= self.usage < self.dead_code_threshold
        dead = torch.nonzero(dead).flatten()
        if dead.numel():
            pick = torch.randint(flat.shape[0], (dead.numel(),), device=flat.device)
            reset = max(1.0, self.dead_code_threshold)    # the count a restarted code starts at
            chosen = distributed.from_main(flat[pick].contiguous())   # rank 0's draw, under DDP
            self.codebook[dead] = chosen
            if self.update == "ema":
                self.ema_sum[dead] = chosen * reset
                self.ema_count[dead] = reset
            self.usage[dead] = reset
            self.unused_steps[dead] = 0
        return torch.tensor(dead.numel(), device=flat.device)

    def lookup(self, indices: torch.Tensor) -> torch.Tensor:
        """The code vectors of ``indices`` (any shape): (..., D)."""
        return F.embedding(indices, self.codebook)


# --------------------------------------------------------------------------- prior
class _CausalSelfAttention(nn.Module):
    def __init__(self, dim, n_heads, dropout):
        super().__init__()
        self.n_heads, self.dropout = n_heads, dropout
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, h):
        b, L, d = h.shape
        q, k, v = self.qkv(h).view(b, L, 3, self.n_heads, d // self.n_heads).permute(
            2, 0, 3, 1, 4)                                             # 3 x (b, heads, L, d/h)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                           dropout_p=self.dropout if self.training else 0.0)
        return self.out(y.transpose(1, 2).reshape(b, L, d))


class _Block(nn.Module):
    def __init__(self, dim, n_heads, dropout):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attention = _CausalSelfAttention(dim, n_heads, dropout)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim),
                                 nn.Dropout(dropout))

    def forward(self, h):
        h = h + self.attention(self.norm1(h))
        return h + self.mlp(self.norm2(h))


class CodePrior(nn.Module):
    """``p(k) = prod_i p(k_i | k_<i)`` over a sequence of ``length`` code indices in [0, K).

    A start token (index K) is prepended and the last index dropped, so the logits at position
    i see only ``k_0..k_{i-1}`` (causal attention, pre-norm blocks as in GPT-2, Radford et al.
    2019).
    """

    def __init__(self, n_codes, length, *, dim=64, n_layers=2, n_heads=4, dropout=0.0):
        super().__init__()
        if dim % n_heads:
            raise ParameterError(f"prior_dim={dim} must be divisible by prior_heads={n_heads}.")
        self.n_codes, self.length = int(n_codes), int(length)
        self.token = nn.Embedding(n_codes + 1, dim)                   # + the start token
        self.position = nn.Parameter(torch.randn(length, dim) * 0.02)
        self.blocks = nn.ModuleList(_Block(dim, n_heads, dropout) for _ in range(n_layers))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, n_codes)

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        """Logits of ``p(k_i | k_<i)`` for codes (batch, L): (batch, L, K)."""
        b, L = codes.shape
        start = torch.full((b, 1), self.n_codes, dtype=torch.long, device=codes.device)
        h = self.token(torch.cat([start, codes[:, :-1]], dim=1)) + self.position[:L]
        for block in self.blocks:
            h = block(h)
        return self.head(self.norm(h))

    def nll(self, codes: torch.Tensor) -> torch.Tensor:
        """``-log p(k_i | k_<i)`` averaged over positions and the batch (nats per code)."""
        logits = self(codes)
        return F.cross_entropy(logits.reshape(-1, self.n_codes), codes.reshape(-1))

    @torch.no_grad()
    def sample(self, n: int, generator=None, temperature: float = 1.0) -> torch.Tensor:
        """Ancestral draws ``k_i ~ p(k_i | k_<i)``, i = 0..L-1: (n, L) int64.

        The categorical draws use ``generator`` (a CPU torch.Generator) on CPU copies of the
        probabilities, so a seed gives the same indices on every device.
        """
        device = self.head.weight.device
        codes = torch.zeros(n, self.length, dtype=torch.long, device=device)
        for i in range(self.length):
            logits = self(codes[:, :i + 1])[:, i] / temperature            # (n, K)
            probs = torch.softmax(logits.float(), dim=-1).cpu()
            codes[:, i] = torch.multinomial(probs, 1, generator=generator).squeeze(1).to(device)
        return codes


# --------------------------------------------------------------------------- networks
def _image_dims(image_shape):
    if image_shape is None or len(image_shape) not in (2, 3):
        raise ParameterError('architecture="conv" needs image_shape=(height, width[, channels]) '
                             '(a Dataset with image_shape passes it); use architecture="mlp" '
                             'for other data.')
    h, w = int(image_shape[0]), int(image_shape[1])
    return h, w, int(image_shape[2]) if len(image_shape) == 3 else 1


class _ResBlock(nn.Module):
    """``h + conv1x1(act(conv3x3(act(h))))`` (van den Oord et al. 2017, sec. 4.1)."""

    def __init__(self, channels, activation):
        super().__init__()
        self.body = nn.Sequential(ACTIVATIONS[activation](),
                                  nn.Conv2d(channels, channels // 2, 3, padding=1),
                                  ACTIVATIONS[activation](), nn.Conv2d(channels // 2, channels, 1))

    def forward(self, h):
        return h + self.body(h)


class GridEncoder(nn.Module):
    """Flat images (batch, H*W*C) -> a grid of D-vectors (batch, H', W', D).

    Stride-2 4x4 convolutions (one per entry of ``channels``; each halves the size, rounding
    down), two residual blocks, a 1x1 convolution to D.
    """

    def __init__(self, image_shape, channels, code_dim, activation="relu"):
        super().__init__()
        self.h, self.w, self.c = _image_dims(image_shape)
        layers, fan_in = [], self.c
        for i, out in enumerate(channels):
            layers.append(nn.Conv2d(fan_in, out, 4, stride=2, padding=1))
            if i < len(channels) - 1:
                layers.append(ACTIVATIONS[activation]())
            fan_in = out
        layers += [_ResBlock(fan_in, activation), _ResBlock(fan_in, activation),
                   ACTIVATIONS[activation](), nn.Conv2d(fan_in, code_dim, 1)]
        self.net = nn.Sequential(*layers)
        self.sizes = [(self.h, self.w)]
        for _ in channels:
            self.sizes.append((self.sizes[-1][0] // 2, self.sizes[-1][1] // 2))
        if min(self.sizes[-1]) < 1:
            raise ParameterError(f"image_shape={tuple(image_shape)} is too small for "
                                 f"{len(channels)} halvings (conv_channels={tuple(channels)}); "
                                 f"use fewer conv_channels.")

    def forward(self, x):
        img = x.view(-1, self.h, self.w, self.c).permute(0, 3, 1, 2)   # (batch, C, H, W)
        return self.net(img).permute(0, 2, 3, 1)                       # (batch, H', W', D)


class GridDecoder(nn.Module):
    """The mirror of :class:`GridEncoder`: (batch, H', W', D) -> flat logits (batch, H*W*C)."""

    def __init__(self, sizes, channels_out, channels, code_dim, activation="relu"):
        super().__init__()
        channels = list(channels)[::-1]
        layers = [nn.Conv2d(code_dim, channels[0], 3, padding=1),
                  _ResBlock(channels[0], activation), _ResBlock(channels[0], activation)]
        outs = channels[1:] + [channels_out]
        targets = list(sizes[:-1])[::-1]                               # sizes to restore
        for i, (fan_in, out) in enumerate(zip(channels, outs)):
            src = sizes[len(sizes) - 1 - i]
            tgt = targets[i]
            pad = (tgt[0] - 2 * src[0], tgt[1] - 2 * src[1])          # odd sizes: 0 or 1
            layers += [ACTIVATIONS[activation](),
                       nn.ConvTranspose2d(fan_in, out, 4, stride=2, padding=1,
                                          output_padding=pad)]
        self.net = nn.Sequential(*layers)

    def forward(self, z):
        out = self.net(z.permute(0, 3, 1, 2))                          # (batch, C, H, W)
        return out.permute(0, 2, 3, 1).reshape(out.shape[0], -1)       # (batch, H*W*C)


class _MLPGridEncoder(nn.Module):
    def __init__(self, n_features, hidden, grid_size, code_dim, activation):
        super().__init__()
        self.grid_size, self.code_dim = grid_size, code_dim
        self.net = MLP([n_features, *hidden, grid_size * code_dim], activation=activation)

    def forward(self, x):
        return self.net(x).view(-1, self.grid_size, self.code_dim)     # (batch, cells, D)


class _MLPGridDecoder(nn.Module):
    def __init__(self, n_features, hidden, grid_size, code_dim, activation):
        super().__init__()
        self.net = MLP([grid_size * code_dim, *hidden[::-1], n_features], activation=activation)

    def forward(self, z):
        return self.net(z.reshape(z.shape[0], -1))                     # (batch, n_features)


# --------------------------------------------------------------------------- model
@dataclass
class VQVAEConfig:
    n_features: int
    latent_dim: int = 16            # D, the dimension of each code vector
    n_codes: int = 64               # K
    architecture: str = "conv"      # "conv" (images) or "mlp"
    image_shape: tuple | None = None
    conv_channels: tuple = (32, 64)  # two halvings: 28 x 28 -> a 7 x 7 grid
    hidden: tuple = (256,)          # MLP widths (architecture="mlp")
    grid_size: int = 4              # MLP: code vectors per input
    activation: str = "relu"
    encoder_network: str | None = None  # kept for the house's config shape; must be None
    decoder_network: str | None = None
    reconstruction: str = "bce"     # "bce" (data in [0, 1]) or "mse", summed over features
    commitment_cost: float = 0.25   # beta
    codebook_update: str = "loss"   # "loss" or "ema"
    ema_decay: float = 0.99         # gamma
    ema_epsilon: float = 1e-5       # Laplace smoothing of the EMA counts
    dead_code_restart: int = 0      # batches unused before a code is reset; 0: never
    dead_code_threshold: float = 0.0  # reset codes whose average use per batch is below; 0: never
    prior_dim: int = 64             # width of the prior's transformer
    prior_layers: int = 2
    prior_heads: int = 4
    prior_dropout: float = 0.0
    prior_learning_rate: float = 1e-3
    prior_steps: int = 2            # prior optimiser steps per batch


@register_model("vq_vae")
class VQVAE(nn.Module):
    """Encoder -> grid of D-vectors -> nearest codes -> decoder, and a prior over the codes."""

    config_class = VQVAEConfig

    def __init__(self, config: VQVAEConfig, *, encoder=None, decoder=None):
        super().__init__()
        c = self.config = config
        if encoder is not None or decoder is not None or c.encoder_network or c.decoder_network:
            raise ParameterError("the VQ-VAE builds its own grid encoder and decoder; leave "
                                 "encoder= and decoder= None.")
        if c.reconstruction not in ("bce", "mse"):
            raise ParameterError(f"reconstruction={c.reconstruction!r} is not known; use 'bce' "
                                 f"or 'mse'.")
        if c.architecture == "conv":
            self.encoder = GridEncoder(c.image_shape, c.conv_channels, c.latent_dim, c.activation)
            self.decoder = GridDecoder(self.encoder.sizes, self.encoder.c, c.conv_channels,
                                       c.latent_dim, c.activation)
            self.grid_shape = tuple(self.encoder.sizes[-1])
        elif c.architecture == "mlp":
            self.encoder = _MLPGridEncoder(c.n_features, tuple(c.hidden), c.grid_size,
                                           c.latent_dim, c.activation)
            self.decoder = _MLPGridDecoder(c.n_features, tuple(c.hidden), c.grid_size,
                                           c.latent_dim, c.activation)
            self.grid_shape = (int(c.grid_size),)
        else:
            raise ParameterError(f"architecture={c.architecture!r} is not available for the "
                                 f"VQ-VAE; use 'conv' (images), 'mlp' or 'auto'.")
        self.quantizer = VectorQuantizer(c.n_codes, c.latent_dim, update=c.codebook_update,
                                         decay=c.ema_decay, epsilon=c.ema_epsilon,
                                         dead_code_restart=c.dead_code_restart,
                                         dead_code_threshold=c.dead_code_threshold)
        self.n_cells = math.prod(self.grid_shape)
        self.prior = CodePrior(c.n_codes, self.n_cells, dim=c.prior_dim, n_layers=c.prior_layers,
                               n_heads=c.prior_heads, dropout=c.prior_dropout)
        self._batch_codes = None   # (batch, its code indices) from the last VQ-VAE step

    # ----------------------------------------------------------------- parts
    def encode(self, x):
        """``z_e(x)``: ``(batch, *grid_shape, D)``."""
        return self.encoder(x)

    def codes(self, x):
        """Code indices of the nearest codes: (batch, n_cells) int64, raster order."""
        z_e = self.encode(x).reshape(x.shape[0], self.n_cells, -1)
        return nearest_codes(z_e.reshape(-1, z_e.shape[-1]),
                             self.quantizer.codebook).view(x.shape[0], self.n_cells)

    def _decoder_output(self, z_q):
        return self.decoder(z_q)

    def decode(self, z_q):
        """Mean of ``p(x | z_q)`` for quantised grids ``(batch, *grid_shape, D)``:
        (batch, n_features)."""
        out = self._decoder_output(z_q)
        return torch.sigmoid(out) if self.config.reconstruction == "bce" else out

    def decode_codes(self, indices):
        """Decoded means of code indices (batch, n_cells): (batch, n_features)."""
        z_q = self.quantizer.lookup(indices).view(indices.shape[0], *self.grid_shape, -1)
        return self.decode(z_q)

    def reconstruction_loss(self, x, out):
        if self.config.reconstruction == "bce":
            return F.binary_cross_entropy_with_logits(out, x, reduction="none").sum(-1).mean()
        return ((out - x) ** 2).sum(-1).mean()

    # ----------------------------------------------------------------- training
    def players(self) -> list[Player]:
        c = self.config
        vqvae = [p for name, p in self.named_parameters() if not name.startswith("prior.")]
        return [Player("vqvae", vqvae),
                Player("prior", list(self.prior.parameters()), steps=int(c.prior_steps),
                       optimizer={"name": "adam", "lr": c.prior_learning_rate,
                                  "weight_decay": 0.0})]

    def training_step(self, x, player: str = "vqvae") -> StepOutput:
        if player == "prior":
            return self._prior_step(x)
        z_e = self.encode(x)
        q = self.quantizer(z_e)
        rec = self.reconstruction_loss(x, self._decoder_output(q.z_q))
        loss = rec + q.codebook_loss + self.config.commitment_cost * q.commitment_loss
        self._batch_codes = (x, q.indices.reshape(x.shape[0], -1).detach())
        terms = {"reconstruction": rec.detach(), "commitment": q.commitment_loss.detach(),
                 "perplexity": q.perplexity, "codes_used": q.codes_used.float(),
                 "restarted_codes": q.restarted.float()}
        if self.config.codebook_update == "loss":
            terms["codebook"] = q.codebook_loss.detach()
        return StepOutput(loss, terms)

    def _prior_step(self, x) -> StepOutput:
        cached = self._batch_codes
        if cached is not None and cached[0] is x:
            codes = cached[1]
        else:
            with torch.no_grad():
                codes = self.codes(x)
        nll = self.prior.nll(codes)
        return StepOutput(nll, {"prior_nll": nll.detach()})

    # ----------------------------------------------------------------- generation
    @torch.no_grad()
    def sample_codes(self, n, generator=None):
        return self.prior.sample(n, generator=generator)

    @torch.no_grad()
    def sample(self, n, generator=None):
        """Decoded means of code grids drawn from the prior: (n, n_features)."""
        return self.decode_codes(self.sample_codes(n, generator))
