"""Input affinities P of SNE and t-SNE, calibrated by perplexity.

Each point ``i`` gets a Gaussian over the others (Hinton & Roweis 2002, SNE; van der Maaten &
Hinton 2008)

    p_{j|i} = exp(-||x_i - x_j||^2 / (2 sigma_i^2))
              / sum_{k != i} exp(-||x_i - x_k||^2 / (2 sigma_i^2)),

with ``sigma_i`` found by bisection so that the Shannon entropy (in nats) of ``P_i`` equals
``log(perplexity)`` to ``tol`` (1e-5). Hinton & Roweis (2002) write the kernel
``exp(-d^2 / sigma^2)``, without the 2 (their ``sigma_i^2`` is ours times 2); the calibration
fixes the kernel whatever the convention, so only the reported ``sigmas`` change (by sqrt 2):
here the usual ``2 sigma^2`` of van der Maaten & Hinton (2008) is used. The symmetric (joint)
affinities of symmetric SNE and t-SNE are ``p_ij = (p_{j|i} + p_{i|j}) / 2n`` (van der Maaten &
Hinton 2008, section 3.1).

Two layouts:

* dense, all pairs (``n x n``), for small ``n`` and the exact gradient;
* sparse, the ``floor(3 * perplexity)`` nearest neighbours of each point (CSR), for large ``n``
  (Barnes-Hut and FFT gradients): memory O(n k), never an ``n x n`` matrix.

``||x_i - x_j||`` may be any distance ``d(x_i, x_j)`` (``metric=``, e.g. cosine distance for
word counts or images, as openTSNE allows; :mod:`latentlearn.neighbors.distances`): the kernel
is then ``exp(-d_ij^2 / (2 sigma_i^2))``. ``metric="precomputed"`` takes the distances
themselves: a dense ``(n, n)`` matrix, or (nearest-neighbour layout) a sparse kNN distance graph
with at least ``floor(3 * perplexity)`` neighbours stored in every row. ``X`` may be a CSR
matrix: the neighbours are then found without densifying it.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from ..neighbors.distances import approximate_supports, is_precomputed
from ..neighbors.distances import nearest_neighbors as _nearest_neighbors
from ..neighbors.distances import pairwise_distances

__all__ = ["binary_search_perplexity", "conditional_probabilities", "joint_probabilities",
           "joint_probabilities_nn", "check_perplexity", "nearest_neighbors"]

_EPS = np.finfo(np.float64).eps


def check_perplexity(perplexity, n_samples, *, neighbors):
    """Raise a clear ``ValueError`` when ``perplexity`` is too large for ``n_samples``.

    All pairs: ``perplexity < n_samples - 1`` (a point has ``n - 1`` others, and a perplexity of
    ``n - 1`` would make every ``P_i`` uniform). Nearest neighbours: ``3 * perplexity < n_samples``
    (``floor(3 * perplexity)`` neighbours per point must exist).
    """
    if perplexity < 1:
        raise ValueError(f"perplexity={perplexity!r} must be >= 1: it is exp(entropy of P_i), "
                         f"an effective number of neighbours; typical values are 5 to 50.")
    if neighbors:
        if 3 * perplexity >= n_samples:
            raise ValueError(
                f"perplexity={perplexity!r} is too large for {n_samples} samples with nearest-"
                f"neighbour affinities: 3 * perplexity must be < n_samples; use perplexity < "
                f"{n_samples / 3:.4g}, or method='exact' (all pairs, perplexity < n_samples - 1).")
    elif perplexity >= n_samples - 1:
        raise ValueError(
            f"perplexity={perplexity!r} is too large for {n_samples} samples: it must be < "
            f"n_samples - 1 = {n_samples - 1}; lower perplexity or pass more samples.")


def binary_search_perplexity(sq_distances, perplexity, *, tol=1e-5, max_iter=200):
    """Row-wise bisection of the Gaussian precision to a target perplexity.

    Parameters
    ----------
    sq_distances : ndarray of shape (n_samples, n_neighbors)
        Squared distances from each point to its candidates (itself excluded).
    perplexity : float
    tol : float, default=1e-5
        Tolerance on the entropy ``|H(P_i) - log(perplexity)|`` (nats).
    max_iter : int, default=200

    Returns
    -------
    P : ndarray of shape (n_samples, n_neighbors)
        Conditional probabilities ``p_{j|i}``, rows summing to one.
    beta : ndarray of shape (n_samples,)
        ``1 / (2 sigma_i^2)``.
    """
    D = np.asarray(sq_distances, dtype=np.float64)
    n = D.shape[0]
    # Shifting a row by its minimum leaves P_i unchanged and keeps exp() from underflowing.
    D = D - D.min(axis=1, keepdims=True)
    target = np.log(perplexity)
    beta = np.ones(n)
    lo = np.zeros(n)
    hi = np.full(n, np.inf)
    active = np.ones(n, dtype=bool)
    P = np.empty_like(D)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        W = np.exp(-D[idx] * beta[idx, None])
        Z = W.sum(axis=1)
        Pi = W / Z[:, None]
        H = np.log(Z) + beta[idx] * np.einsum("ij,ij->i", D[idx], Pi)
        P[idx] = Pi
        diff = H - target
        done = np.abs(diff) <= tol
        # Entropy falls as beta rises: too much entropy -> raise beta.
        up = diff > 0
        b = beta[idx]
        lo[idx] = np.where(up, b, lo[idx])
        hi[idx] = np.where(up, hi[idx], b)
        new = np.where(np.isinf(hi[idx]), b * 2.0, (lo[idx] + hi[idx]) / 2.0)
        beta[idx] = np.where(done, b, new)
        active[idx[done]] = False
    return P, beta


def _sq_distances(X):
    sq = np.einsum("ij,ij->i", X, X)
    D = sq[:, None] + sq[None, :] - 2.0 * (X @ X.T)
    np.maximum(D, 0.0, out=D)
    np.fill_diagonal(D, 0.0)
    return D


def _all_sq_distances(X, metric):
    if metric == "euclidean" and not sparse.issparse(X):
        return _sq_distances(np.asarray(X, dtype=np.float64))
    return pairwise_distances(X, metric=metric, whom="t-SNE affinities") ** 2


def conditional_probabilities(X, perplexity, *, tol=1e-5, metric="euclidean"):
    """Dense ``p_{j|i}`` over all pairs (diagonal zero).

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Or the dense ``(n, n)`` distances when ``metric="precomputed"``.
    perplexity : float, < n_samples - 1
    metric : str or callable, default="euclidean"

    Returns
    -------
    P : ndarray of shape (n_samples, n_samples)
        Row ``i`` is ``P_i``; rows sum to one.
    beta : ndarray of shape (n_samples,)
    """
    n = X.shape[0]
    check_perplexity(perplexity, n, neighbors=False)
    D = _all_sq_distances(X, metric)
    off = ~np.eye(n, dtype=bool)
    Pc, beta = binary_search_perplexity(D[off].reshape(n, n - 1), perplexity, tol=tol)
    P = np.zeros((n, n))
    P[off] = Pc.ravel()
    return P, beta


def joint_probabilities(X, perplexity, *, tol=1e-5, metric="euclidean"):
    """Dense symmetric ``p_ij = (p_{j|i} + p_{i|j}) / 2n`` (sums to one).

    Returns
    -------
    P : ndarray of shape (n_samples, n_samples)
    """
    Pc, _ = conditional_probabilities(X, perplexity, tol=tol, metric=metric)
    P = Pc + Pc.T
    P /= P.sum()
    return P


def nearest_neighbors(X, n_neighbors, *, method="auto", random_state=None, metric="euclidean"):
    """Indices and distances (in ``metric``) of each point's ``n_neighbors`` nearest others.

    ``method="exact"`` uses scikit-learn's ``NearestNeighbors`` (a tree), ``"approx"``
    pynndescent; ``"auto"`` is exact below 100,000 points and approximate above. (openTSNE
    switches at 1,000; here, on 20,000 points in 50 dimensions, the exact search took 2.7 s and
    64 MiB, pynndescent 143 s -- mostly its numba compilation, paid in every new process --
    and 1.1 GiB.) A precomputed sparse graph gives each row's ``n_neighbors`` smallest stored
    entries. The search itself is :func:`latentlearn.neighbors.distances.nearest_neighbors`.

    Returns
    -------
    indices, distances : ndarrays of shape (n_samples, n_neighbors)
    """
    n = X.shape[0]
    if method == "auto":  # exact also for a metric pynndescent does not know
        method = ("approx" if n >= 100_000 and approximate_supports(
            metric, sparse_input=sparse.issparse(X)) else "exact")
    seed = None
    if method == "approx" and not is_precomputed(metric):
        seed = None if random_state is None else int(random_state.randint(2**31 - 1))
    return _nearest_neighbors(X, n_neighbors, metric=metric,
                              algorithm="approximate" if method == "approx" else "exact",
                              seed=seed, n_jobs=1, whom="t-SNE affinities")


def joint_probabilities_nn(X, perplexity, *, tol=1e-5, neighbors="auto", random_state=None,
                           metric="euclidean"):
    """Sparse symmetric affinities over the ``floor(3 * perplexity)`` nearest neighbours.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Or, with ``metric="precomputed"``, dense ``(n, n)`` distances or a sparse kNN distance
        graph.
    perplexity : float, with 3 * perplexity < n_samples
    neighbors : {"auto", "exact", "approx"}
    random_state : numpy RandomState or None (for the approximate search)
    metric : str or callable, default="euclidean"

    Returns
    -------
    P : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        ``p_ij = (p_{j|i} + p_{i|j}) / 2n``, symmetric, summing to one.
    """
    if not sparse.issparse(X):
        X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    check_perplexity(perplexity, n, neighbors=True)
    k = min(n - 1, int(3 * perplexity))
    ind, dist = nearest_neighbors(X, k, method=neighbors, random_state=random_state,
                                  metric=metric)
    Pc, _ = binary_search_perplexity(dist**2, perplexity, tol=tol)
    rows = np.repeat(np.arange(n), k)
    P = sparse.csr_matrix((Pc.ravel(), (rows, ind.ravel())), shape=(n, n))
    P = P + P.T
    P = P.multiply(1.0 / P.sum()).tocsr()
    P.sort_indices()
    return P
