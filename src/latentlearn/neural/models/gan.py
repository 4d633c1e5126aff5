"""Generative adversarial networks: GAN (Goodfellow et al. 2014), WGAN (Arjovsky et al. 2017)
and WGAN-GP (Gulrajani et al. 2017), with MLP or DCGAN-style networks (Radford et al. 2016).

A generator ``G`` maps noise ``z ~ N(0, I)`` (``latent_dim``) to data space; a second network
judges samples. Two players (:class:`~latentlearn.neural.models.Player`), in this order per
batch: the discriminator / critic takes ``n_discriminator_steps`` optimiser steps, then the
generator one.

**GAN** (Goodfellow et al. 2014). ``D(x) = sigmoid(l(x))`` is the probability that ``x`` is
data. The value function of the two-player minimax game is::

    V(D, G) = E_{x ~ p}[log D(x)] + E_{z}[log(1 - D(G(z)))],      min_G max_D V(D, G)

The discriminator maximises V, so its loss is ``-V`` (the binary cross-entropy of data labelled
1 and samples labelled 0). For a fixed G with sample density ``p_g`` the best discriminator is
``D*(x) = p(x) / (p(x) + p_g(x))`` and, at it::

    V(D*, G) = -log 4 + KL(p || m) + KL(p_g || m) = -log 4 + 2 JS(p || p_g),   m = (p + p_g)/2

(Goodfellow et al. 2014, Prop. 1 and Thm. 1), minimal (``-log 4``) exactly when ``p_g = p``.
Generator losses (``generator_loss``):

- ``"minimax"``: ``E_z[log(1 - D(G(z)))]``, the game as written. It saturates: early in
  training D rejects samples with confidence, ``D(G(z)) ~ 0``, where the gradient of
  ``log(1 - D)`` w.r.t. the logit, ``-D``, vanishes.
- ``"non_saturating"`` (the default, the paper's own recommendation): ``-E_z[log D(G(z))]``,
  the same fixed point with gradient ``-(1 - D)``, strong exactly where the minimax one is weak.

Common slips: writing the discriminator's loss as ``+V`` (it must maximise V, so it minimises
``-V``); calling the non-saturating loss ``log(1 - D)`` with the sign flipped (``-log(1 - D)``
pushes samples *towards* rejection); and reading the value at the optimum as ``-log 4 +
JS``, whereas with the usual JS (the average of the two KLs to m, at most log 2) it is
``-log 4 + 2 JS``. Logits are kept throughout (``log D = -softplus(-l)``, ``log(1 - D) =
-softplus(l)``), never ``log(sigmoid(l))``, which underflows.

**WGAN** (Arjovsky et al. 2017). The critic ``f`` (no sigmoid) estimates the Wasserstein-1
distance through the Kantorovich-Rubinstein duality::

    W1(p, p_g) = sup_{||f||_L <= 1} E_p[f(x)] - E_{p_g}[f(x)]

Critic loss ``E_g[f] - E_p[f]``; generator loss ``-E_z[f(G(z))]``. The Lipschitz bound is
enforced by clipping every critic weight to ``[-c, c]`` after each critic step (``after_step``),
which makes f K-Lipschitz for some unknown K, so the logged ``wasserstein_estimate`` ``E_p[f] -
E_g[f]`` is about ``K W1``, a relative measure. The paper's defaults: c = 0.01, 5 critic steps
per generator step, RMSprop with learning rate 5e-5 (momentum-based optimisers were unstable
with clipping).

**WGAN-GP** (Gulrajani et al. 2017) replaces clipping by a gradient penalty on interpolates
``x_hat = eps x + (1 - eps) G(z)``, ``eps ~ U[0, 1]`` per pair::

    critic loss = E_g[f] - E_p[f] + lambda E_{x_hat}[(||grad f(x_hat)||_2 - 1)^2]

with lambda = 10, 5 critic steps, Adam (lr 1e-4, betas (0.5, 0.9)) and no batch norm in the
critic (the penalty is per input; batch norm couples the inputs of a batch). Here the estimate
is of W1 itself (the critic is held near 1-Lipschitz). A common slip is to penalise
``||grad||^2`` (or only gradients above 1, a one-sided penalty) instead of ``(||grad|| - 1)^2``,
or to take the gradient at the data or samples instead of the interpolates.

Networks. MLP: G ``latent -> hidden... -> n_features`` and D ``n_features -> reversed(hidden)
-> 1``, leaky ReLU (0.2) in D. DCGAN-style (``architecture="conv"``, Radford et al. 2016) for
images whose height and width are divisible by 4 (mnist's 28 x 28): G is a dense layer to
``(c2, h/4, w/4)`` then two stride-2 transposed 4x4 convolutions, batch norm and ReLU after
every layer but the output; D two stride-2 4x4 convolutions with leaky ReLU (0.2), batch norm
after the second (GAN, WGAN; none for WGAN-GP), then a dense layer to one output. No pooling,
no hidden dense layers beyond these, as the paper recommends. ``output="sigmoid"`` bounds
samples to [0, 1] (images), ``"linear"`` leaves them free (2-D toys).

Samples of one fixed noise batch at a few epochs (``snapshot_epochs``) are kept in buffers
(``snapshot_samples``) so that they travel with the weights in checkpoints and saved folders.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from . import Player, StepOutput, register_model

__all__ = ["GANConfig", "WGANConfig", "WGANGPConfig", "GAN", "WGAN", "WGANGP",
           "gan_discriminator_loss", "gan_generator_loss", "wgan_critic_loss",
           "gradient_penalty"]

_ACT = {"relu": nn.ReLU, "tanh": nn.Tanh, "elu": nn.ELU, "leaky_relu": lambda: nn.LeakyReLU(0.2),
        "gelu": nn.GELU, "sigmoid": nn.Sigmoid}


@dataclass
class GANConfig:
    n_features: int = 2
    latent_dim: int = 16                 # noise dimension
    hidden: tuple = (256, 256)           # generator widths; the discriminator mirrors them
    architecture: str = "mlp"            # "mlp" or "conv" (DCGAN-style, Radford et al. 2016)
    image_shape: tuple | None = None     # (height, width[, channels]) for "conv"
    conv_channels: tuple = (32, 64)      # D's channels; G mirrors them
    activation: str = "relu"             # generator's hidden nonlinearity (D: leaky ReLU 0.2)
    output: str = "linear"               # "linear" or "sigmoid" (data in [0, 1])
    discriminator_norm: str = "batch"    # conv D: "batch" after its second conv, or "none"
    n_discriminator_steps: int = 1       # k, D steps per G step (Goodfellow et al. 2014, alg. 1)
    generator_loss: str = "non_saturating"   # or "minimax"
    betas: tuple | None = (0.5, 0.999)   # Adam's betas (DCGAN); None for non-Adam optimisers
    snapshot_epochs: tuple = ()          # epochs whose samples of the fixed noise are kept
    n_snapshot_samples: int = 0          # size of that noise batch


@dataclass
class WGANConfig(GANConfig):
    clip_value: float = 0.01             # c, Arjovsky et al. 2017
    n_discriminator_steps: int = 5
    betas: tuple | None = None           # RMSprop, as the paper


@dataclass
class WGANGPConfig(GANConfig):
    gp_weight: float = 10.0              # lambda, Gulrajani et al. 2017
    n_discriminator_steps: int = 5
    betas: tuple | None = (0.5, 0.9)
    discriminator_norm: str = "none"     # no batch norm in the critic


# --------------------------------------------------------------------------- the losses
def gan_discriminator_loss(logits_real, logits_fake) -> torch.Tensor:
    """``-V = -E_p[log D(x)] - E_g[log(1 - D(x))]`` from logits (the BCE of 1s and 0s)."""
    return F.softplus(-logits_real).mean() + F.softplus(logits_fake).mean()


def gan_generator_loss(logits_fake, kind="non_saturating") -> torch.Tensor:
    """Minimax ``E[log(1 - D(G(z)))] = -E[softplus(l)]`` or non-saturating ``-E[log D(G(z))] =
    E[softplus(-l)]``, from the logits ``l`` of generated samples."""
    if kind == "minimax":
        return -F.softplus(logits_fake).mean()
    if kind == "non_saturating":
        return F.softplus(-logits_fake).mean()
    raise ValueError(f"generator_loss={kind!r}; use 'minimax' or 'non_saturating'.")


def wgan_critic_loss(f_real, f_fake) -> torch.Tensor:
    """``E_g[f] - E_p[f]``, the negative of the critic's Wasserstein estimate."""
    return f_fake.mean() - f_real.mean()


def gradient_penalty(critic, real, fake, generator=None) -> torch.Tensor:
    """``E[(||grad f(x_hat)||_2 - 1)^2]`` at ``x_hat = eps real + (1 - eps) fake`` (Gulrajani
    et al. 2017), differentiable w.r.t. the critic's weights."""
    eps = torch.rand(real.shape[0], *([1] * (real.ndim - 1)), generator=generator,
                     device=real.device, dtype=real.dtype)
    differentiable = torch.is_grad_enabled()
    with torch.enable_grad():   # also under no_grad (a validation pass): the penalty needs it
        x_hat = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
        out = critic(x_hat)
        (grad,) = torch.autograd.grad(out.sum(), x_hat, create_graph=differentiable)
    norms = grad.reshape(grad.shape[0], -1).norm(dim=1)
    return ((norms - 1.0) ** 2).mean()


# --------------------------------------------------------------------------- networks
def _mlp_generator(c: GANConfig) -> nn.Module:
    layers, fan_in = [], c.latent_dim
    for width in c.hidden:
        layers += [nn.Linear(fan_in, width), _ACT[c.activation]()]
        fan_in = width
    layers.append(nn.Linear(fan_in, c.n_features))
    if c.output == "sigmoid":
        layers.append(nn.Sigmoid())
    return nn.Sequential(*layers)


def _mlp_discriminator(c: GANConfig) -> nn.Module:
    layers, fan_in = [], c.n_features
    for width in reversed(c.hidden):
        layers += [nn.Linear(fan_in, width), nn.LeakyReLU(0.2)]
        fan_in = width
    layers.append(nn.Linear(fan_in, 1))   # a logit (GAN) or the critic's value (WGAN)
    return nn.Sequential(*layers)


def _image_dims(c: GANConfig):
    if c.image_shape is None:
        raise ValueError('architecture="conv" needs the image shape (a Dataset with '
                         'image_shape, or image_shape=).')
    h, w = int(c.image_shape[0]), int(c.image_shape[1])
    channels = int(c.image_shape[2]) if len(c.image_shape) > 2 else 1
    if h % 4 or w % 4 or h * w * channels != c.n_features:
        raise ValueError(f'architecture="conv" needs height and width divisible by 4 and '
                         f'height * width * channels = n_features; got image_shape='
                         f'{tuple(c.image_shape)} for {c.n_features} features. Use '
                         f'architecture="mlp".')
    return h, w, channels


class _ConvGenerator(nn.Module):
    """DCGAN-style generator: dense to (c2, h/4, w/4), two stride-2 transposed convolutions."""

    def __init__(self, c: GANConfig):
        super().__init__()
        self.h, self.w, channels = _image_dims(c)
        c1, c2 = (list(c.conv_channels) + [c.conv_channels[-1]])[:2]
        self.c2 = c2
        self.project = nn.Sequential(nn.Linear(c.latent_dim, c2 * (self.h // 4) * (self.w // 4)),
                                     nn.BatchNorm1d(c2 * (self.h // 4) * (self.w // 4)), nn.ReLU())
        last = [nn.Sigmoid()] if c.output == "sigmoid" else []
        self.net = nn.Sequential(
            nn.ConvTranspose2d(c2, c1, 4, 2, 1), nn.BatchNorm2d(c1), nn.ReLU(),
            nn.ConvTranspose2d(c1, channels, 4, 2, 1), *last)

    def forward(self, z):
        x = self.project(z).view(z.shape[0], self.c2, self.h // 4, self.w // 4)
        return self.net(x).flatten(1)                      # (batch, n_features), channels first


class _ConvDiscriminator(nn.Module):
    """DCGAN-style discriminator: two stride-2 convolutions, leaky ReLU, one dense output."""

    def __init__(self, c: GANConfig):
        super().__init__()
        self.h, self.w, self.channels = _image_dims(c)
        c1, c2 = (list(c.conv_channels) + [c.conv_channels[-1]])[:2]
        norm = [nn.BatchNorm2d(c2)] if c.discriminator_norm == "batch" else []
        self.net = nn.Sequential(
            nn.Conv2d(self.channels, c1, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(c1, c2, 4, 2, 1), *norm, nn.LeakyReLU(0.2), nn.Flatten(),
            nn.Linear(c2 * (self.h // 4) * (self.w // 4), 1))

    def forward(self, x):
        return self.net(x.reshape(x.shape[0], self.channels, self.h, self.w))


# --------------------------------------------------------------------------- the models
@register_model("gan")
class GAN(nn.Module):
    """Generator and discriminator of Goodfellow et al. 2014 (see the module docstring)."""

    config_class = GANConfig
    critic_name = "discriminator"

    def __init__(self, config: GANConfig):
        super().__init__()
        self.config = config
        if config.architecture == "conv":
            self.generator = _ConvGenerator(config)
            self.discriminator = _ConvDiscriminator(config)
        elif config.architecture == "mlp":
            self.generator = _mlp_generator(config)
            self.discriminator = _mlp_discriminator(config)
        else:
            raise ValueError(f"architecture={config.architecture!r}; use 'mlp' or 'conv'.")
        n_snap, n_per = len(config.snapshot_epochs), int(config.n_snapshot_samples)
        # The fixed noise batch of the snapshots, from its own generator (the weights' draws and
        # the training's random numbers are the same with or without snapshots).
        noise = torch.randn(n_per, config.latent_dim, generator=torch.Generator().manual_seed(0))
        self.register_buffer("snapshot_noise", noise)
        self.register_buffer("snapshot_samples", torch.zeros(n_snap, n_per, config.n_features))
        self.register_buffer("snapshot_taken", torch.zeros(n_snap, dtype=torch.bool))

    # ------------------------------------------------------------------ players
    def players(self) -> list[Player]:
        opt = {} if self.config.betas is None else {"betas": tuple(self.config.betas)}
        return [Player(self.critic_name, list(self.discriminator.parameters()),
                       steps=int(self.config.n_discriminator_steps), optimizer=dict(opt)),
                Player("generator", list(self.generator.parameters()), optimizer=dict(opt))]

    def noise(self, n: int, generator=None) -> torch.Tensor:
        device = self.snapshot_noise.device
        return torch.randn(n, self.config.latent_dim, generator=generator, device=device)

    @torch.no_grad()
    def sample(self, n: int, generator=None) -> torch.Tensor:
        """``G(z)`` for ``n`` draws of ``z ~ N(0, I)``: (n, n_features)."""
        z = torch.randn(n, self.config.latent_dim, generator=generator)
        return self.generator(z.to(self.snapshot_noise.device))

    @torch.no_grad()
    def take_snapshot(self, epoch: int) -> bool:
        """Keep ``G(snapshot_noise)`` if ``epoch`` is one of ``snapshot_epochs``."""
        if epoch not in self.config.snapshot_epochs or self.config.n_snapshot_samples == 0:
            return False
        slot = list(self.config.snapshot_epochs).index(epoch)
        was_training = self.training
        self.eval()
        self.snapshot_samples[slot] = self.generator(self.snapshot_noise)
        self.snapshot_taken[slot] = True
        self.train(was_training)
        return True

    # ------------------------------------------------------------------ steps
    def training_step(self, x, player: str = "generator") -> StepOutput:
        if player == "generator":
            return self.generator_step(x.shape[0])
        with torch.no_grad():
            fake = self.generator(self.noise(x.shape[0]))        # (batch, n_features)
        return self.discriminator_step(x, fake)

    def discriminator_step(self, real, fake) -> StepOutput:
        """``-V`` on a batch of data and one of samples, and V itself as a term."""
        logits_real = self.discriminator(real)
        logits_fake = self.discriminator(fake)
        loss = gan_discriminator_loss(logits_real, logits_fake)
        return StepOutput(loss, {"value": -loss.detach(),
                                 "d_real": torch.sigmoid(logits_real).mean().detach(),
                                 "d_fake": torch.sigmoid(logits_fake).mean().detach()})

    def generator_step(self, n: int) -> StepOutput:
        logits = self.discriminator(self.generator(self.noise(n)))
        return StepOutput(gan_generator_loss(logits, self.config.generator_loss))


@register_model("wgan")
class WGAN(GAN):
    """Critic with weight clipping (Arjovsky et al. 2017)."""

    config_class = WGANConfig
    critic_name = "critic"

    def discriminator_step(self, real, fake) -> StepOutput:
        loss = wgan_critic_loss(self.discriminator(real), self.discriminator(fake))
        return StepOutput(loss, {"wasserstein_estimate": -loss.detach()})

    def generator_step(self, n: int) -> StepOutput:
        return StepOutput(-self.discriminator(self.generator(self.noise(n))).mean())

    @torch.no_grad()
    def after_step(self, player: str) -> None:
        if player == self.critic_name:
            for p in self.discriminator.parameters():
                p.clamp_(-self.config.clip_value, self.config.clip_value)


@register_model("wgan_gp")
class WGANGP(WGAN):
    """Critic with the gradient penalty (Gulrajani et al. 2017)."""

    config_class = WGANGPConfig

    def discriminator_step(self, real, fake) -> StepOutput:
        w = -wgan_critic_loss(self.discriminator(real), self.discriminator(fake))
        gp = gradient_penalty(self.discriminator, real, fake)
        loss = -w + self.config.gp_weight * gp
        return StepOutput(loss, {"wasserstein_estimate": w.detach(),
                                 "gradient_penalty": gp.detach()})

    def after_step(self, player: str) -> None:   # no clipping
        return None
