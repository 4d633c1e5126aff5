"""Linear decompositions: PCA (more to come: ICA, NMF, factor analysis).

Importing this package registers its estimators (see :mod:`latentlearn.registry`).
"""

from .pca import PCA

__all__ = ["PCA"]
