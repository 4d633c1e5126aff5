"""The scatter plot every embedding or clustering run gets: its first two coordinates, or the
data coloured by cluster."""

from __future__ import annotations

import numpy as np

from ..plots import plot_embedding
from ._registry import Figure, figure_maker

__all__ = ["figure_embedding"]


@figure_maker(order=10)
def figure_embedding(result):
    """The embedding coloured by the true labels (or first true factor); for a clustering, the
    data coloured by cluster (projected on two principal components beyond 2-D).

    Parameters
    ----------
    result : latentlearn.runs.RunResult

    Yields
    ------
    Figure
    """
    r = result
    # Integer codes (a VQ-VAE's code indices) are not coordinates: nothing to scatter.
    if r.embedding is not None and r.embedding.shape[1] >= 2 and \
            not np.issubdtype(r.embedding.dtype, np.integer):
        colour, what = r.dataset.y, "true labels"
        if colour is None and r.dataset.factors is not None:
            colour = r.dataset.factors[:, 0]
            what = f"the true factor {r.dataset.factor_names[0]!r}"
        elif colour is None:
            what = "nothing (the data have no labels)"
        fig = plot_embedding(r.embedding[:, :2], colour, title=f"{r.method} on {r.dataset.name}")
        yield Figure("embedding", "Embedding", f"First two coordinates, coloured by {what}.", fig)
    elif r.labels is not None and r.dataset.n_features == 2:
        fig = plot_embedding(r.dataset.X, r.labels, title=f"{r.method} clusters")
        yield Figure("clusters", "Clusters", "The data coloured by cluster.", fig)
    elif r.labels is not None and r.dataset.n_features > 2:
        from ..decomposition import PCA

        projected = PCA(n_components=2, random_state=r.seed).fit_transform(r.dataset.X)
        fig = plot_embedding(projected, r.labels, title=f"{r.method} clusters")
        yield Figure("clusters", "Clusters",
                     "The data projected on its first two principal components, coloured by "
                     "cluster.", fig)
