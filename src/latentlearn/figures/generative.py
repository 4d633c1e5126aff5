"""Figures of models that decode or generate: reconstructions, samples, the 2-D latent
manifold (Kingma & Welling 2014, fig. 4) and interpolations.

They apply to any estimator that can do the thing (``inverse_transform``, ``sample``,
``interpolate``) on image data, classical or neural: PCA's reconstructions and a VAE's are
drawn by the same maker.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from ..plots import plot_image_grid, plot_interpolations, plot_reconstructions
from ._registry import Figure, figure_maker

__all__ = ["figure_reconstructions", "figure_samples", "figure_latent_manifold",
           "figure_interpolations", "manifold_codes"]


@figure_maker(order=80)
def figure_reconstructions(result):
    """Ten inputs (drawn with the run's seed) above their reconstructions from their codes."""
    r = result
    shape = r.dataset.image_shape
    if r.embedding is not None and shape is not None and hasattr(r.estimator, "inverse_transform"):
        idx = np.random.default_rng(r.seed).choice(r.dataset.n_samples, 10, replace=False)
        recon = r.estimator.inverse_transform(r.embedding[idx])
        yield Figure("reconstructions", "Reconstructions",
                     "Top: originals. Bottom: decoded from their codes.",
                     plot_reconstructions(r.dataset.X[idx], recon, shape))


@figure_maker(order=90)
def figure_samples(result):
    """Thirty images drawn from the fitted model (estimators with ``sample``)."""
    r = result
    shape = r.dataset.image_shape
    if shape is not None and hasattr(r.estimator, "sample"):
        samples = r.estimator.sample(30, random_state=r.seed)
        yield Figure("samples", "Samples", "New images drawn from the fitted model.",
                     plot_image_grid(np.clip(samples, 0, 1), shape, n_cols=10))


def manifold_codes(n_per_side: int = 15) -> np.ndarray:
    """The codes of the 2-D latent manifold: Gaussian quantiles over an even grid of (0, 1).

    ``z_1 = Phi^-1(u_j)`` left to right and ``z_2 = Phi^-1(u_i)`` top to bottom (decreasing),
    with ``u = (1, ..., n) / (n + 1)`` and ``Phi`` the standard normal CDF, so that each cell
    covers an equal share of the prior N(0, I) (Kingma & Welling 2014, fig. 4).

    Returns
    -------
    ndarray of shape (n_per_side ** 2, 2)
        Row-major: row i of the picture is ``codes[i * n:(i + 1) * n]``.
    """
    q = norm.ppf(np.arange(1, n_per_side + 1) / (n_per_side + 1))
    z1, z2 = np.meshgrid(q, q[::-1])
    return np.column_stack([z1.ravel(), z2.ravel()])


@figure_maker(order=95)
def figure_latent_manifold(result):
    """Decoded images over a grid of 2-D codes at Gaussian quantiles (Kingma & Welling 2014,
    fig. 4), for a generative model with a N(0, I) prior on a 2-D code (the VAE family)."""
    r = result
    est, shape = r.estimator, r.dataset.image_shape
    if shape is None or r.embedding is None or r.embedding.ndim != 2 or \
            r.embedding.shape[1] != 2 or np.issubdtype(r.embedding.dtype, np.integer) or \
            not (hasattr(est, "sample") and hasattr(est, "inverse_transform")) or \
            not hasattr(getattr(est, "model_", None), "encode"):
        return
    n = 15
    images = np.asarray(est.inverse_transform(manifold_codes(n).astype(np.float32)))
    yield Figure("latent_manifold", "Latent manifold",
                 f"Images decoded from a {n} x {n} grid of codes at the quantiles of N(0, 1) in "
                 f"each coordinate (z1 left to right, z2 bottom to top; Kingma & Welling 2014, "
                 f"fig. 4).", plot_image_grid(np.clip(images, 0, 1), shape, n_cols=n,
                                              cell_size=0.6))


@figure_maker(order=100)
def figure_interpolations(result):
    """Codes mixed linearly between pairs of inputs, decoded (estimators with ``interpolate``)."""
    r = result
    shape = r.dataset.image_shape
    if shape is not None and hasattr(r.estimator, "interpolate"):
        rng = np.random.default_rng(r.seed)
        pairs = rng.choice(r.dataset.n_samples, size=(4, 2), replace=False)
        rows = [r.estimator.interpolate(r.dataset.X[a], r.dataset.X[b], steps=10)
                for a, b in pairs]
        yield Figure("interpolations", "Interpolations",
                     "Each row decodes codes mixed linearly between two inputs (ends: their "
                     "reconstructions).", plot_interpolations(np.clip(rows, 0, 1), shape))
