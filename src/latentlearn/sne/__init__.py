"""SNE and t-SNE (seeds 000 and 001): affinities, initialization, objectives, optimizer,
and the estimators :class:`SNE` and :class:`TSNE`."""

from .tsne import SNE, TSNE

__all__ = ["SNE", "TSNE"]
