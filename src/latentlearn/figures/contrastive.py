"""Figures of pair-trained embeddings (ContrastiveEmbedding: Hadsell, Chopra & LeCun 2006,
DrLIM; the triplet loss of Schroff et al. 2015): the pair distances during training.

The embedding itself is drawn by :mod:`~latentlearn.figures.embedding` like any other, and the
loss curve by :mod:`~latentlearn.figures.neural`.
"""

from __future__ import annotations

from ..plots import plot_pair_distances
from ._registry import Figure, figure_maker

__all__ = ["figure_pair_distances"]


@figure_maker(order=125)
def figure_pair_distances(result):
    """Mean code distance of similar and dissimilar pairs per epoch, and the margin
    (estimators whose ``history_`` logs ``positive_distance`` and ``negative_distance``)."""
    history = getattr(result.estimator, "history_", None) or []
    rows = [r for r in history if "positive_distance" in r and "negative_distance" in r]
    if not rows:
        return
    margin = result.estimator.get_params().get("margin")
    last = rows[-1]
    within = last.get("negatives_within_margin")
    share = (f"; {100 * within:.0f}% of the dissimilar pairs of the last epoch were closer "
             f"than the margin" if within is not None else "")
    yield Figure("pair_distances", "Pair distances",
                 f"Mean distance between the codes of similar pairs (pulled together) and of "
                 f"dissimilar pairs (pushed out to the margin m = {margin:g}, after which the "
                 f"hinge of Hadsell et al. 2006 stops pushing) per epoch: "
                 f"{last['positive_distance']:.3g} and {last['negative_distance']:.3g} at the "
                 f"end{share}.",
                 plot_pair_distances([r["epoch"] for r in rows],
                                     [r["positive_distance"] for r in rows],
                                     [r["negative_distance"] for r in rows], margin))
