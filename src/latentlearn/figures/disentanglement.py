"""Figures of what each latent dimension does: latent traversals (Higgins et al. 2017, beta-VAE;
Burgess et al. 2018, their dSprites figure) and the KL of each dimension with the active units
(Burda et al. 2016).

The run's disentanglement scores (Chen et al. 2018, Kumar et al. 2018, Eastwood & Williams 2018,
Higgins et al. 2017, Kim & Mnih 2018) are numbers, shown in the report's metrics table; see
:func:`latentlearn.runs.disentanglement_metrics`.
"""

from __future__ import annotations

import numpy as np

from ..plots import plot_kl_per_dimension, plot_latent_traversals
from ._registry import Figure, figure_maker

__all__ = ["figure_latent_traversals", "figure_kl_per_dimension"]

#: Traversals show at most this many dimensions (the most active ones), from this many inputs.
MAX_TRAVERSED_DIMS = 10
N_TRAVERSAL_INPUTS = 3
TRAVERSAL_STEPS = 9
TRAVERSAL_SPAN = 3.0


def _activity(result):
    """KL per dimension and active units of a VAE-family estimator, or None for others."""
    from ..exceptions import ParameterError
    from ..neural.latent import evaluation_index, latent_activity

    if not hasattr(getattr(result.estimator, "model_", None), "encode"):
        return None
    index, _ = evaluation_index(result.estimator, result.dataset.n_samples)  # as the metrics
    try:
        return latent_activity(result.estimator, result.dataset.X[index])
    except ParameterError:
        return None


def _traversable(result) -> bool:
    est, shape = result.estimator, result.dataset.image_shape
    return (shape is not None and len(shape) == 2 and result.embedding is not None
            and np.issubdtype(np.asarray(result.embedding).dtype, np.floating)  # not indices
            and all(hasattr(est, a) for a in ("transform", "inverse_transform", "sample",
                                              "history_")))


@figure_maker(order=112)
def figure_latent_traversals(result):
    """Each latent dimension of three inputs' codes swept over [-3, 3], decoded.

    Applies to trained generative neural models (``transform``, ``inverse_transform``,
    ``sample``, ``history_``) on 2-D images. Dimensions are ordered by their mean KL (most active
    first) for the VAE family, by code variance otherwise, and limited to the top ten.
    """
    if not _traversable(result):
        return
    from ..neural.latent import latent_traversals

    r = result
    activity = _activity(r)
    if activity is not None:
        score, what = activity["kl_per_dimension"], "KL"
    else:
        score, what = np.asarray(r.embedding, np.float64).var(axis=0), "var"
    dims = np.argsort(-score, kind="stable")[:MAX_TRAVERSED_DIMS]
    idx = np.random.default_rng(r.seed).choice(r.dataset.n_samples,
                                               min(N_TRAVERSAL_INPUTS, r.dataset.n_samples),
                                               replace=False)
    grid = latent_traversals(r.estimator, r.dataset.X[idx], dims=dims, span=TRAVERSAL_SPAN,
                             steps=TRAVERSAL_STEPS)
    offsets = np.linspace(-TRAVERSAL_SPAN, TRAVERSAL_SPAN, TRAVERSAL_STEPS)
    labels = [f"z{j} {what} {score[j]:.2f}" for j in dims]
    shown = (f"the {len(dims)} of {score.size} dimensions with the largest {what}"
             if len(dims) < score.size else f"all {score.size} dimensions, by {what}")
    yield Figure("latent_traversals", "Latent traversals",
                 f"Each row adds -3..+3 to one dimension of an input's code (the others kept "
                 f"at their inferred values) and decodes it; the centre column is the "
                 f"reconstruction. Rows: {shown}. After Higgins et al. 2017 and Burgess et al. "
                 f"2018: in a disentangled code each row changes one factor (position, scale, "
                 f"rotation, shape on dSprites).",
                 plot_latent_traversals(grid, tuple(r.dataset.image_shape), offsets=offsets,
                                        row_labels=labels))


@figure_maker(order=114)
def figure_kl_per_dimension(result):
    """Mean KL(q(z_j|x) || N(0, 1)) per latent dimension, active units coloured (VAE family)."""
    from ..neural.latent import evaluation_index

    activity = _activity(result)
    if activity is None:
        return
    kl = activity["kl_per_dimension"]
    active = activity["code_variance"] > 0.01
    held = evaluation_index(result.estimator, result.dataset.n_samples)[1]
    yield Figure("kl_per_dimension", "KL per latent dimension",
                 f"Mean KL(q(z_j|x) || N(0, 1)) of each dimension over the "
                 f"{'held-out ' if held else ''}data (nats; they sum "
                 f"to the KL term, {kl.sum():.2f}). {activity['active_units']} of {kl.size} "
                 f"units are active (coloured: Var_x(E[z_j|x]) > 0.01, Burda et al. 2016); a "
                 f"grey dimension with KL near 0 has collapsed to the prior.",
                 plot_kl_per_dimension(kl, active=active))
