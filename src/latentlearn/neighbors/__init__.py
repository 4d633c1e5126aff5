"""Neighbourhood graphs: the local structure graph methods embed (their step 1).

Isomap (Tenenbaum et al. 2000), Laplacian eigenmaps (Belkin & Niyogi 2003) and the image
manifolds of Efros et al. 2004 ("Seeing through water") start the same way: join each point to its neighbours, either all points within a radius
(epsilon-neighbourhood) or its ``k`` nearest, and weight the edges (binary, or by the heat kernel
``exp(-||x_i - x_j||^2 / (2 sigma^2))``). This package builds those graphs as sparse CSR
matrices, with exact neighbours (scikit-learn's ``NearestNeighbors``) or approximate ones
(pynndescent) for large data, and checks that a graph is connected before it is embedded.

:mod:`.distances` is the one ``metric=`` of every neighbourhood method: names scipy and
scikit-learn know, callables, and ``"precomputed"`` distance matrices or sparse kNN graphs,
validated once (:func:`check_metric`, :func:`check_precomputed`); dense or CSR data.
"""

from .distances import KNOWN_METRICS, check_metric, check_precomputed
from .graphs import (
    DisconnectedGraphError,
    add_edges,
    connecting_edges,
    ensure_connected,
    symmetrize_graph,
    check_connected,
    epsilon_graph,
    heat_kernel_weights,
    kneighbors_graph,
    neighborhood_graph,
)

__all__ = [
    "KNOWN_METRICS",
    "check_metric",
    "check_precomputed",
    "neighborhood_graph",
    "kneighbors_graph",
    "epsilon_graph",
    "heat_kernel_weights",
    "check_connected",
    "symmetrize_graph",
    "add_edges",
    "DisconnectedGraphError",
    "connecting_edges",
    "ensure_connected",
]
