"""
Neighbourhood graphs
====================

Isomap, Laplacian eigenmaps and spectral clustering all start from a graph that joins each
point to its neighbours: its ``k`` nearest, or all within a radius (Tenenbaum et al. 2000;
Belkin & Niyogi 2003). Too small a ``k`` breaks the graph into pieces, which a graph embedding
cannot place relative to each other; :func:`~latentlearn.neighbors.check_connected` says so.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from scipy.sparse.csgraph import connected_components

from latentlearn.datasets import make_blobs
from latentlearn.neighbors import (DisconnectedGraphError, check_connected, ensure_connected,
                                   heat_kernel_weights, kneighbors_graph)

X = make_blobs(200, centers=3, cluster_std=0.8, random_state=1).X
G = kneighbors_graph(X, n_neighbors=5)
print("edges:", G.nnz // 2, " components:", connected_components(G, directed=False)[0])
try:
    check_connected(G, n_neighbors=5)
except DisconnectedGraphError as error:
    print("error:", error)

# Join the components by their nearest pairs, as scikit-learn's Isomap does, and weight the
# edges by the heat kernel exp(-d^2 / (2 sigma^2)).
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    G = ensure_connected(G, X, on_disconnected="connect")
print("warning:", caught[0].message)
W = heat_kernel_weights(G)
print("components after joining:", connected_components(W, directed=False)[0])

fig, ax = plt.subplots(figsize=(4, 4))
rows, cols = W.nonzero()
for i, j in zip(rows, cols):
    if i < j:
        ax.plot(X[[i, j], 0], X[[i, j], 1], color="grey", lw=0.5, alpha=np.clip(W[i, j], .1, 1))
ax.scatter(X[:, 0], X[:, 1], s=6, zorder=3)
ax.set_title("5-NN graph, heat-kernel weights")
plt.show()
