"""Figures of linear decompositions: explained variance, the dictionary as images, and the
PCA dictionary next to NMF's (Lee & Seung 1999, "Learning the parts of objects by non-negative
matrix factorization")."""

from __future__ import annotations

import numpy as np

from ..plots import new_figure, plot_explained_variance, plot_image_grid
from ._registry import Figure, figure_maker

__all__ = ["figure_explained_variance", "figure_components", "figure_nmf_vs_pca"]


@figure_maker(order=30)
def figure_explained_variance(result):
    """Variance explained per component (estimators with ``explained_variance_ratio_``)."""
    ratio = getattr(result.estimator, "explained_variance_ratio_", None)
    if ratio is not None:
        yield Figure("explained_variance", "Explained variance",
                     "Variance explained by each component and the cumulative total.",
                     plot_explained_variance(ratio))


@figure_maker(order=40)
def figure_components(result):
    """The first components drawn as images (``components_`` on image data)."""
    comps = getattr(result.estimator, "components_", None)
    shape = result.dataset.image_shape
    if comps is not None and shape is not None and comps.shape[1] == int(np.prod(shape)):
        k = min(25, comps.shape[0])
        yield Figure("components", "Dictionary (components)",
                     f"The first {k} components as images; negative values red.",
                     plot_image_grid(comps[:k], shape, n_cols=min(k, 5 if k <= 25 else 10),
                                     diverging=True))


@figure_maker(order=50)
def figure_nmf_vs_pca(result):
    """The PCA dictionary next to the NMF dictionary, as images (after Lee & Seung 1999).

    For a run of :class:`~latentlearn.decomposition.NMF` on image data, fits PCA with the same
    number of components (at most 25) and draws both dictionaries with a diverging map
    (negative values red): PCA's atoms are signed and global, NMF's are non-negative and local
    (Lee & Seung 1999, figure 1, on faces).

    Parameters
    ----------
    result : latentlearn.runs.RunResult

    Yields
    ------
    Figure
    """
    from ..decomposition import NMF, PCA

    estimator, shape = result.estimator, result.dataset.image_shape
    comps = getattr(estimator, "components_", None)
    if not isinstance(estimator, NMF) or comps is None or shape is None \
            or comps.shape[1] != int(np.prod(shape)):
        return
    k = min(25, comps.shape[0])
    n_cols = min(k, 5)
    pca = PCA(k, random_state=result.seed).fit(result.dataset.X)
    n_rows = -(-k // n_cols)
    fig = new_figure((2 * n_cols + 1, n_rows + 0.6), layout=None)
    left, right = fig.subfigures(1, 2, wspace=0.05)
    plot_image_grid(pca.components_, shape, n_cols=n_cols, diverging=True, fig=left)
    plot_image_grid(comps[:k], shape, n_cols=n_cols, diverging=True, fig=right)
    left.suptitle(f"PCA dictionary, K = {k}")
    right.suptitle(f"NMF dictionary, K = {k}")
    yield Figure("nmf_vs_pca", "NMF and PCA dictionaries",
                 f"The comparison of Lee & Seung 1999: the first {k} PCA components "
                 f"(left) and the NMF atoms (right) as images, negative values red. PCA's atoms "
                 "are signed, global patterns; NMF's are non-negative parts.", fig)
