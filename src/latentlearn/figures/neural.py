"""Figures of trained neural models: latent arithmetic on a measured attribute (after Radford
et al. 2016 and Larsen et al. 2016) and the training curves."""

from __future__ import annotations

import numpy as np

from ..plots import plot_history, plot_latent_arithmetic
from ._registry import Figure, figure_maker

__all__ = ["figure_latent_arithmetic", "figure_history"]


@figure_maker(order=110)
def figure_latent_arithmetic(result):
    """Codes moved along a stroke-thickness attribute vector, then decoded.

    The attribute vector of Radford, Metz & Chintala 2016 ("man with glasses - man + woman =
    woman with glasses") and Larsen et al. 2016, on a measured attribute of digits: ``v`` is the
    mean code of the thickest 20% of the training digits minus that of the thinnest 20%.
    Applies to trained generative models (``sample``, ``inverse_transform``, ``history_``) on
    2-D images with at least 50 samples.
    """
    r = result
    shape = r.dataset.image_shape
    if (shape is None or len(shape) != 2 or r.embedding is None or r.dataset.n_samples < 50
            or not np.issubdtype(np.asarray(r.embedding).dtype, np.floating)  # not code indices
            or not (hasattr(r.estimator, "sample") and hasattr(r.estimator, "inverse_transform"))
            or not hasattr(r.estimator, "history_")):
        return
    from ..neural.latent import latent_arithmetic

    rng = np.random.default_rng(r.seed)
    order = rng.permutation(r.dataset.n_samples)
    split = int(0.8 * len(order))
    arithmetic = latent_arithmetic(r.estimator, r.dataset.X[order[:split]],
                                   r.dataset.X[order[split:][:500]], shape)
    measured = ", ".join(f"{a:+.1f}: {m:.2f}" for a, m in
                         zip(arithmetic["strengths"], arithmetic["measured"]))
    yield Figure("latent_arithmetic", "Latent arithmetic (stroke thickness)",
                 "Codes moved along v = mean code(thickest 20%) - mean code(thinnest 20%), then "
                 f"decoded. Mean measured thickness (px) by strength: {measured}; Spearman rho "
                 f"between strength and thickness {arithmetic['spearman']:.2f}.",
                 plot_latent_arithmetic(arithmetic, shape))


@figure_maker(order=130)
def figure_history(result):
    """The loss terms per epoch (estimators with a ``history_`` of epoch records)."""
    history = getattr(result.estimator, "history_", None)
    if history:
        keys = [k for k in ("loss", "val_loss", "reconstruction", "kl", "sparsity_kl")
                if any(k in record for record in history)]
        yield Figure("history", "Training curves", "Loss terms per epoch.",
                     plot_history(history, keys=keys, x="epoch"))
