"""Figures of generative adversarial networks (Goodfellow et al. 2014; Arjovsky et al. 2017;
Gulrajani et al. 2017): both players' losses, the critic's Wasserstein estimate (or the
discriminator's value), and samples over the course of training, which show mode collapse
(Metz et al. 2017) as it happens.

They apply to any estimator with ``sample_snapshots_`` (the GAN family) or with both a
``generator.loss`` and a first player's ``loss`` in its history.
"""

from __future__ import annotations

import math

from ..plots import plot_history, plot_sample_snapshots
from ._registry import Figure, figure_maker

__all__ = ["figure_adversarial_losses", "figure_wasserstein_estimate",
           "figure_sample_snapshots"]


def _history(result):
    history = getattr(result.estimator, "history_", None) or []
    return history if any("generator.loss" in r for r in history) else []


@figure_maker(order=135)
def figure_adversarial_losses(result):
    """The discriminator's (critic's) loss and the generator's, per epoch."""
    history = _history(result)
    if history:
        yield Figure("adversarial_losses", "Losses of both players",
                     "Per epoch: loss, the discriminator's or critic's (minimised), and "
                     "generator.loss. In a GAN neither goes to 0; they trade off.",
                     plot_history(history, keys=["loss", "generator.loss"], x="epoch"))


@figure_maker(order=136)
def figure_wasserstein_estimate(result):
    """The critic's W1 estimate ``E_p[f] - E_g[f]`` (WGAN, WGAN-GP) or the GAN's value V."""
    history = _history(result)
    if any("wasserstein_estimate" in r for r in history):
        yield Figure("wasserstein_estimate", "The critic's Wasserstein estimate",
                     "E_p[f(x)] - E_z[f(G(z))] per epoch (Arjovsky et al. 2017): it falls as the "
                     "samples approach the data. With weight clipping it is K W1 for the critic's "
                     "unknown Lipschitz constant K; with the gradient penalty (Gulrajani et al. "
                     "2017) it estimates W1 itself.",
                     plot_history(history, keys=["wasserstein_estimate"], x="epoch"))
    elif any("value" in r for r in history):
        yield Figure("wasserstein_estimate", "The discriminator's value V(D, G)",
                     "E_p[log D(x)] + E_z[log(1 - D(G(z)))] per epoch (Goodfellow et al. 2014): "
                     f"for the best D it is -log 4 + 2 JS(p, p_g) >= -log 4 = {-math.log(4):.3f}, "
                     "reached when the samples' distribution equals the data's.",
                     plot_history(history, keys=["value"], x="epoch"))


@figure_maker(order=137)
def figure_sample_snapshots(result):
    """Samples of one fixed noise batch at epochs spread over training."""
    try:
        snaps = getattr(result.estimator, "sample_snapshots_", None)
    except AttributeError:   # not fitted
        snaps = None
    if not snaps or len(snaps.get("epochs", ())) == 0:
        return
    ds = result.dataset
    shape = ds.image_shape
    if shape is None and snaps["samples"].shape[2] != 2:
        return
    data = None
    if shape is None:
        data = ds.X[:2000]
    centers = ds.extras.get("centers") if shape is None else None
    yield Figure("sample_snapshots", "Samples over training",
                 "The generator applied to one fixed batch of noise at epochs spread over "
                 "training (grey: the data; crosses: the known modes). A generator collapsing "
                 "onto a few modes, or moving between them, shows here (Metz et al. 2017).",
                 plot_sample_snapshots(snaps["samples"], snaps["epochs"], data=data,
                                       centers=centers, image_shape=shape))
