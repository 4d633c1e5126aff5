"""Factor analysis against scikit-learn's FactorAnalysis (log-likelihood) and the model's maths."""

import numpy as np
import pytest
from sklearn.decomposition import FactorAnalysis as SkFactorAnalysis
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from latentlearn.datasets import load
from latentlearn.decomposition import FactorAnalysis
from latentlearn.exceptions import NotFittedError, ParameterError
from latentlearn.registry import get_method


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """One BLAS thread: these matrices are small, and on a shared machine extra BLAS threads
    only wait for each other (timings belong to benchmarks/, not here)."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def digits():
    return load("digits").X.astype(np.float64)  # (1797, 64), several constant pixels


@pytest.fixture(scope="module")
def factor_data():
    """600 samples of a 3-factor model in 12 dimensions with unequal noise variances."""
    rng = np.random.RandomState(0)
    W = rng.normal(size=(3, 12))
    psi = rng.uniform(0.1, 1.0, size=12)
    Z = rng.normal(size=(600, 3))
    return Z @ W + rng.normal(size=(600, 12)) * np.sqrt(psi) + 5.0


def _same_up_to_sign(A, B, atol):
    signs = np.sign(np.sum(A * B, axis=1))
    np.testing.assert_allclose(A, B * signs[:, None], atol=atol)


@pytest.mark.parametrize("svd_method", ["randomized", "lapack"])
def test_log_likelihood_matches_sklearn_on_digits(digits, svd_method):
    ours = FactorAnalysis(10, svd_method=svd_method, random_state=0).fit(digits)
    ref = SkFactorAnalysis(10, svd_method=svd_method, random_state=0).fit(digits)
    assert abs(ours.score(digits) / ref.score(digits) - 1) < 1e-3
    assert ours.score(digits) >= ref.score(digits) * (1 - 1e-9)  # never worse


def test_exact_method_reproduces_sklearn(factor_data):
    X = factor_data
    ours = FactorAnalysis(3, svd_method="lapack").fit(X)
    ref = SkFactorAnalysis(3, svd_method="lapack").fit(X)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.loglike_, ref.loglike_, rtol=1e-10)
    np.testing.assert_allclose(ours.noise_variance_, ref.noise_variance_, rtol=1e-8)
    _same_up_to_sign(ours.components_, ref.components_, atol=1e-8)
    np.testing.assert_allclose(ours.get_covariance(), ref.get_covariance(), atol=1e-8)
    np.testing.assert_allclose(ours.score_samples(X), ref.score_samples(X), rtol=1e-9)
    signs = np.sign(np.sum(ours.components_ * ref.components_, axis=1))
    np.testing.assert_allclose(ours.transform(X), ref.transform(X) * signs, atol=1e-8)
    # randomized (warm-started subspace iteration) reaches the same fixed point
    fast = FactorAnalysis(3, random_state=0).fit(X)
    np.testing.assert_allclose(fast.noise_variance_, ours.noise_variance_, rtol=1e-6)


def test_likelihood_bookkeeping(factor_data):
    X = factor_data
    fa = FactorAnalysis(3, svd_method="lapack", tol=1e-8).fit(X)
    assert np.all(np.diff(fa.loglike_) >= -1e-8)  # the iteration never lowers log L
    # the last log L is the total log-likelihood of the returned model
    np.testing.assert_allclose(fa.loglike_[-1], len(X) * fa.score(X), rtol=1e-10)
    np.testing.assert_allclose(fa.get_precision() @ fa.get_covariance(), np.eye(12),
                               atol=1e-10)
    # it recovers the generating model's covariance
    np.testing.assert_allclose(fa.get_covariance(), np.cov(X, rowvar=False, bias=True),
                               atol=0.25)
    np.testing.assert_allclose(fa.mean_, X.mean(axis=0), rtol=1e-12)


def test_deterministic_signs_and_order(factor_data):
    fa = FactorAnalysis(3, random_state=0).fit(factor_data)
    C = fa.components_
    assert np.all(C[np.arange(3), np.argmax(np.abs(C), axis=1)] > 0)
    assert np.all(np.diff(np.linalg.norm(C, axis=1)) <= 1e-12)
    flipped = FactorAnalysis(3, random_state=0).fit(-factor_data)
    np.testing.assert_allclose(flipped.components_, C, atol=1e-6)


@pytest.mark.parametrize("rotation", ["varimax", "quartimax"])
def test_rotation_matches_sklearn_and_keeps_the_likelihood(factor_data, rotation):
    X = factor_data
    ours = FactorAnalysis(3, svd_method="lapack", rotation=rotation).fit(X)
    plain = FactorAnalysis(3, svd_method="lapack").fit(X)
    ref = SkFactorAnalysis(3, svd_method="lapack", rotation=rotation).fit(X)
    np.testing.assert_allclose(ours.score(X), plain.score(X), rtol=1e-12)
    # the same rotated loadings, up to the order and sign of the factors
    corr = np.abs(ours.components_ @ ref.components_.T)
    norms = np.linalg.norm(ours.components_, axis=1)[:, None] * np.linalg.norm(
        ref.components_, axis=1)[None, :]
    np.testing.assert_allclose(np.sort((corr / norms).max(axis=1)), 1.0, atol=1e-6)


def test_n_components_none_and_float32(factor_data):
    fa = FactorAnalysis(max_iter=50).fit(factor_data[:, :5])
    assert fa.components_.shape == (5, 5)
    fa32 = FactorAnalysis(3, random_state=0).fit(factor_data.astype(np.float32))
    assert fa32.transform(factor_data[:3]).shape == (3, 3)


def test_errors(factor_data):
    X = factor_data
    with pytest.raises(ParameterError, match=r"n_components=13 is larger than n_features = 12"):
        FactorAnalysis(13).fit(X)
    with pytest.raises(ParameterError, match="noise_variance_init must hold 12 positive"):
        FactorAnalysis(2, noise_variance_init=np.ones(3)).fit(X)
    with pytest.raises(ParameterError, match="svd_method='arpack'"):
        FactorAnalysis(2, svd_method="arpack").fit(X)
    with pytest.raises(ValueError, match="n_samples = 1"):
        FactorAnalysis(2).fit(X[:1])
    with pytest.raises(NotFittedError):
        FactorAnalysis(2).transform(X)
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        FactorAnalysis(3, max_iter=2, svd_method="lapack").fit(X)
    fa = FactorAnalysis(3, noise_variance_init=np.full(12, 0.5), svd_method="lapack").fit(X)
    assert fa.n_iter_ > 1


def test_registered():
    info = get_method("factor_analysis")
    assert info.cls is FactorAnalysis and info.family == "decomposition"
