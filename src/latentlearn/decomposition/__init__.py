"""Linear decompositions: PCA, FastICA, NMF and factor analysis.

Importing this package registers its estimators (see :mod:`latentlearn.registry`).
"""

from .pca import PCA
from .ica import FastICA, amari_index
from .nmf import NMF, initialize_nmf, nmf_objective, non_negative_factorization
from .factor_analysis import FactorAnalysis

__all__ = ["PCA", "FastICA", "amari_index", "NMF", "initialize_nmf", "nmf_objective",
           "non_negative_factorization", "FactorAnalysis"]
