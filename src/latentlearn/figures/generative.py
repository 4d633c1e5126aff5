"""Figures of models that decode or generate: reconstructions, samples and interpolations.

They apply to any estimator that can do the thing (``inverse_transform``, ``sample``,
``interpolate``) on image data, classical or neural: PCA's reconstructions and a VAE's are
drawn by the same maker.
"""

from __future__ import annotations

import numpy as np

from ..plots import plot_image_grid, plot_interpolations, plot_reconstructions
from ._registry import Figure, figure_maker

__all__ = ["figure_reconstructions", "figure_samples", "figure_interpolations"]


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
