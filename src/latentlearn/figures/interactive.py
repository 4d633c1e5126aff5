"""The interactive embedding view: every run with 2-D (or wider) continuous codes gets one.

A Bokeh scatter (as umap-learn's ``umap.plot.interactive``) of the first two coordinates, with
pan, zoom and a tooltip giving each point's row, label and, for image data, its image. At most
:data:`MAX_INTERACTIVE_POINTS` points are shown (a random subset drawn with the run's seed), so
that the page, which embeds one small PNG per point, stays small.
"""

from __future__ import annotations

import numpy as np

from ..plots.interactive import plot_interactive_embedding
from ._registry import Figure, figure_maker

__all__ = ["figure_interactive_embedding", "MAX_INTERACTIVE_POINTS"]

#: The interactive view shows at most this many points.
MAX_INTERACTIVE_POINTS = 2000


@figure_maker(order=12)
def figure_interactive_embedding(result):
    """An interactive (pan, zoom, hover) view of the embedding's first two coordinates.

    Parameters
    ----------
    result : latentlearn.runs.RunResult

    Yields
    ------
    Figure
        ``kind="bokeh"``.
    """
    r = result
    emb = r.embedding
    if emb is None or emb.ndim != 2 or emb.shape[1] < 2 or \
            np.issubdtype(emb.dtype, np.integer):
        return
    n = emb.shape[0]
    index = np.arange(n)
    if n > MAX_INTERACTIVE_POINTS:
        index = np.sort(np.random.default_rng(r.seed).choice(n, MAX_INTERACTIVE_POINTS,
                                                             replace=False))
    labels, what = r.dataset.y, "label"
    if labels is None and r.dataset.factors is not None:
        labels, what = r.dataset.factors[:, 0], f"the factor {r.dataset.factor_names[0]!r}"
    shape = r.dataset.image_shape
    images = np.asarray(r.dataset.X[index]) if shape is not None else None
    fig = plot_interactive_embedding(
        emb[index, :2], None if labels is None else np.asarray(labels)[index], images=images,
        image_shape=shape, index=index, title=f"{r.method} on {r.dataset.name}")
    shown = (f"all {n:,} points" if len(index) == n else
             f"{len(index):,} of the {n:,} points (a random subset, to keep the page small)")
    hover = "its row" + (f", its {what}" if labels is not None else "") + \
        (" and its image" if images is not None else "")
    yield Figure("embedding_interactive", "Embedding (interactive)",
                 f"First two coordinates, {shown}. Drag to pan, scroll to zoom; hover a point "
                 f"for {hover}.", fig, kind="bokeh")
