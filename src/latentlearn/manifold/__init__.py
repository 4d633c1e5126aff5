"""Manifold learning and distance-preserving embeddings.

MDS (classical, Torgerson 1952; SMACOF, de Leeuw 1977), Laplacian eigenmaps (Belkin & Niyogi
2003), Isomap (exact, Tenenbaum et al. 2000; landmark, de Silva & Tenenbaum 2003), convex-flow
embedding (robust to shortcut edges; Efros et al. 2004, "Seeing through water"), locally linear
embedding (Roweis & Saul 2000) and kernel PCA (Scholkopf, Smola & Muller 1998).
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
