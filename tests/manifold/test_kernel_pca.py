"""Kernel PCA against scikit-learn's, kernels and learned pre-image."""

import numpy as np
import pytest
from sklearn.decomposition import KernelPCA as SklearnKernelPCA

from latentlearn.exceptions import ParameterError
from latentlearn.manifold.kernel_pca import KernelPCA


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(200, 5)), rng.normal(size=(15, 5))


@pytest.mark.parametrize("kernel, params", [("rbf", {"gamma": 0.2}), ("rbf", {}),
                                            ("poly", {"degree": 3, "gamma": 0.1, "coef0": 1.0}),
                                            ("linear", {})])
@pytest.mark.parametrize("solver", ["dense", "arpack"])
def test_matches_sklearn(data, kernel, params, solver):
    X, new = data
    ours = KernelPCA(3, kernel=kernel, eigen_solver=solver, random_state=0, **params).fit(X)
    theirs = SklearnKernelPCA(3, kernel=kernel, fit_inverse_transform=True, **params).fit(X)
    np.testing.assert_allclose(ours.embedding_, theirs.transform(X), atol=1e-8)
    np.testing.assert_allclose(ours.transform(new), theirs.transform(new), atol=1e-8)
    np.testing.assert_allclose(ours.eigenvalues_, theirs.eigenvalues_, rtol=1e-8)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(new)),
                               theirs.inverse_transform(theirs.transform(new)), atol=1e-8)


def test_precomputed(data):
    X, new = data
    K = np.exp(-0.2 * ((X[:, None] - X[None]) ** 2).sum(-1))
    Kn = np.exp(-0.2 * ((new[:, None] - X[None]) ** 2).sum(-1))
    ours = KernelPCA(3, kernel="precomputed", fit_inverse_transform=False).fit(K)
    rbf = KernelPCA(3, kernel="rbf", gamma=0.2).fit(X)
    np.testing.assert_allclose(ours.transform(Kn), rbf.transform(new), atol=1e-8)
    with pytest.raises(ParameterError, match="fit_inverse_transform=False"):
        KernelPCA(kernel="precomputed").fit(K)


def test_preimage_reduces_error_on_a_curve():
    t = np.linspace(0, np.pi, 150)
    X = np.column_stack([np.cos(t), np.sin(t)]) + 0.02 * np.random.default_rng(0).normal(
        size=(150, 2))
    kp = KernelPCA(1, kernel="rbf", gamma=2.0, alpha=0.01).fit(X)
    rec = kp.inverse_transform(kp.transform(X))
    # Far better than the best constant guess (the mean).
    total = np.mean(np.sum((X - X.mean(axis=0)) ** 2, axis=1))
    assert np.mean(np.sum((rec - X) ** 2, axis=1)) < 0.3 * total
