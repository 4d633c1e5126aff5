"""Laplacian eigenmaps against scikit-learn's SpectralEmbedding, and on the swiss roll."""

import numpy as np
import pytest
from scipy import sparse
from scipy.spatial import procrustes
from scipy.stats import spearmanr
from sklearn.manifold import SpectralEmbedding

from latentlearn.datasets import load
from latentlearn.exceptions import ParameterError
from latentlearn.manifold.laplacian import LaplacianEigenmaps, graph_laplacian, laplacian_eigenmaps
from latentlearn.neighbors import DisconnectedGraphError


@pytest.fixture(scope="module")
def roll():
    return load("swiss_roll", n_samples=600)


@pytest.mark.parametrize("solver", ["dense", "arpack", "lobpcg"])
def test_matches_sklearn_spectral_embedding(roll, solver):
    X = roll.X.astype(np.float64)
    # scikit-learn's graph: k nearest including the point itself, binary, (A + A^T) / 2.
    ours = LaplacianEigenmaps(n_neighbors=9, weights="binary", symmetrize="average",
                              eigen_solver=solver, random_state=0).fit_transform(X)
    theirs = SpectralEmbedding(n_neighbors=10, random_state=0).fit_transform(X)
    assert procrustes(ours, theirs)[2] < 1e-3


@pytest.mark.parametrize("laplacian", ["random_walk", "symmetric", "unnormalized"])
def test_unrolls_swiss_roll(roll, laplacian):
    Y = LaplacianEigenmaps(n_neighbors=10, laplacian=laplacian,
                           random_state=0).fit_transform(roll.X)
    assert abs(spearmanr(Y[:, 0], roll.factors[:, 0])[0]) > 0.9


def test_laplacians_and_constant_vector():
    A = sparse.random(30, 30, density=0.3, random_state=0)
    W = sparse.csr_matrix(A + A.T)
    W.setdiag(0)
    d = np.asarray(W.sum(axis=1)).ravel()
    L, _ = graph_laplacian(W, "unnormalized")
    np.testing.assert_allclose(L.toarray(), np.diag(d) - W.toarray(), atol=1e-12)
    Ls, scale = graph_laplacian(W, "random_walk")
    np.testing.assert_allclose(scale, d ** -0.5)
    # The random-walk eigenvectors solve L y = lambda D y.
    Y, values = laplacian_eigenmaps(W, 3, laplacian="random_walk", eigen_solver="dense")
    Lu = np.diag(d) - W.toarray()
    np.testing.assert_allclose(Lu @ Y, (np.diag(d) @ Y) * values, atol=1e-8)
    assert np.all(values > 1e-8)  # the constant eigenvector was dropped


def test_deterministic_signs(roll):
    a = LaplacianEigenmaps(eigen_solver="arpack", random_state=0).fit_transform(roll.X)
    b = LaplacianEigenmaps(eigen_solver="arpack", random_state=1).fit_transform(roll.X)
    np.testing.assert_allclose(a, b, atol=1e-6)
    largest = np.argmax(np.abs(a), axis=0)
    assert np.all(a[largest, [0, 1]] > 0)


def test_precomputed_affinity(roll):
    est = LaplacianEigenmaps(n_neighbors=8, random_state=0).fit(roll.X)
    again = LaplacianEigenmaps(affinity="precomputed").fit_transform(est.affinity_matrix_)
    np.testing.assert_allclose(np.abs(again), np.abs(est.embedding_), atol=1e-6)


def test_disconnected_and_bad_parameters():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(30, 2)), rng.normal(size=(30, 2)) + 50])
    with pytest.raises(DisconnectedGraphError, match="2 connected components"):
        LaplacianEigenmaps(n_neighbors=5, on_disconnected="raise").fit(X)
    with pytest.warns(UserWarning, match="2 connected components"):
        LaplacianEigenmaps(n_neighbors=5).fit(X)
    with pytest.raises(ParameterError, match="laplacian"):
        LaplacianEigenmaps(laplacian="normalized").fit(X)
