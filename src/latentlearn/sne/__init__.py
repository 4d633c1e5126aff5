"""SNE and t-SNE (Hinton & Roweis 2002; van der Maaten & Hinton 2008): affinities,
initialization, objectives (one :class:`~.objectives.Objective` interface: exact, Barnes-Hut,
FFT, new points), the one optimizer, and the estimators :class:`SNE` and :class:`TSNE`."""

from .tsne import SNE, TSNE

__all__ = ["SNE", "TSNE"]
