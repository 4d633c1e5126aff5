"""Locally linear embedding against scikit-learn's."""

import numpy as np
import pytest
from scipy.spatial import procrustes
from sklearn.manifold import LocallyLinearEmbedding as SklearnLLE

from latentlearn.datasets import load
from latentlearn.manifold.lle import LocallyLinearEmbedding, barycenter_weights


@pytest.fixture(scope="module")
def X():
    return load("swiss_roll", n_samples=500).X.astype(np.float64)


@pytest.mark.parametrize("solver", ["dense", "arpack"])
def test_matches_sklearn(X, solver):
    ours = LocallyLinearEmbedding(n_neighbors=12, eigen_solver=solver, random_state=0).fit(X)
    theirs = SklearnLLE(n_neighbors=12, eigen_solver="arpack", random_state=0).fit(X)
    assert procrustes(ours.embedding_, theirs.embedding_)[2] < 1e-3
    assert ours.reconstruction_error_ == pytest.approx(theirs.reconstruction_error_, rel=1e-4)
    new = X[:30] + 0.02
    assert procrustes(ours.transform(new), theirs.transform(new))[2] < 1e-3


def test_barycenter_weights_reconstruct_affine_combinations():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(6, 8))  # more dimensions than neighbours: exact reconstruction exists
    w_true = rng.dirichlet(np.ones(6))
    x = (w_true @ Z)[None]
    w = barycenter_weights(x, Z, np.arange(6)[None], reg=1e-12)
    np.testing.assert_allclose(w[0], w_true, atol=1e-6)
    assert w.sum() == pytest.approx(1.0)


def test_orthonormal_and_signs(X):
    Y = LocallyLinearEmbedding(n_neighbors=10).fit_transform(X[:300])
    np.testing.assert_allclose(Y.T @ Y, np.eye(2), atol=1e-8)
    assert np.all(Y[np.argmax(np.abs(Y), axis=0), [0, 1]] > 0)


@pytest.mark.parametrize("solver", ["dense", "arpack"])
def test_ltsa_matches_sklearn(X, solver):
    ours = LocallyLinearEmbedding(n_neighbors=12, method="ltsa", eigen_solver=solver,
                                  random_state=0).fit(X)
    ref = SklearnLLE(n_neighbors=12, method="ltsa", eigen_solver=solver, random_state=0).fit(X)
    assert procrustes(ours.embedding_, ref.embedding_)[2] < 1e-8
    assert ours.reconstruction_error_ == pytest.approx(ref.reconstruction_error_, rel=1e-6)


def test_ltsa_unrolls_the_swiss_roll():
    ds = load("swiss_roll", n_samples=1000)
    Y = LocallyLinearEmbedding(n_neighbors=12, method="ltsa").fit_transform(ds.X)
    t = ds.factors[:, 0] if ds.factors.ndim == 2 else ds.factors
    rho = max(abs(np.corrcoef(Y[:, k], t)[0, 1]) for k in range(2))
    assert rho > 0.95


def test_ltsa_needs_more_neighbours_than_components(X):
    with pytest.raises(ValueError, match="n_neighbors > n_components"):
        LocallyLinearEmbedding(n_components=3, n_neighbors=3, method="ltsa").fit(X)
