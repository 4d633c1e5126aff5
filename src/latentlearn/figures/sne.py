"""Figures of t-SNE runs: the KL divergence during optimisation (van der Maaten & Hinton
2008)."""

from __future__ import annotations

from ..plots import plot_history
from ._registry import Figure, figure_maker

__all__ = ["figure_kl_history"]


@figure_maker(order=120)
def figure_kl_history(result):
    """KL(P || Q) per recorded iteration (estimators with ``kl_history_``)."""
    history = getattr(result.estimator, "kl_history_", None)
    if history:
        yield Figure("kl_history", "KL divergence",
                     "KL(P || Q) during optimisation; the early-exaggeration phase multiplies P "
                     "in the gradient only, so the KL shown is always that of the true P.",
                     plot_history(history, keys=["kl"], x="iteration"))
