"""Manifold learning and distance-preserving embeddings (seed 001).

MDS (classical and SMACOF), Laplacian eigenmaps, Isomap (exact and landmark), convex-flow
embedding (robust to shortcut edges), locally linear embedding and kernel PCA.
Importing this package registers its estimators (see :mod:`latentlearn.registry`).
"""

from .convex_flow import ConvexFlowEmbedding, convex_flow_distances
from .isomap import Isomap, geodesic_distances
from .kernel_pca import KernelPCA
from .laplacian import LaplacianEigenmaps, LaplacianEmbedding, graph_laplacian, laplacian_eigenmaps
from .lle import LocallyLinearEmbedding, barycenter_weights
from .mds import MDS, classical_mds, smacof, stress

__all__ = [
    "MDS", "classical_mds", "smacof", "stress",
    "LaplacianEigenmaps", "LaplacianEmbedding", "graph_laplacian", "laplacian_eigenmaps",
    "Isomap", "geodesic_distances",
    "ConvexFlowEmbedding", "convex_flow_distances",
    "LocallyLinearEmbedding", "barycenter_weights",
    "KernelPCA",
]
