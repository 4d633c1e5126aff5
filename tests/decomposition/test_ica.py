"""FastICA: recovery of known mixed sources (Amari index) and agreement with scikit-learn's."""

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment
from sklearn.decomposition import FastICA as SkFastICA
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from latentlearn.decomposition import FastICA, amari_index
from latentlearn.exceptions import NotFittedError, ParameterError
from latentlearn.registry import get_method

ALGORITHMS = ["parallel", "deflation"]
FUNS = ["logcosh", "exp", "cube"]

# A non-orthogonal mixing: ICA's directions need not be orthogonal (seed 001).
MIXING = np.array([[1.0, 1.0, 1.0],
                   [0.5, 2.0, 1.0],
                   [1.5, 1.0, 2.0]])


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """One BLAS thread: these matrices are small, and on a shared machine extra BLAS threads
    only wait for each other (timings belong to benchmarks/, not here)."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def sources():
    """Three independent sources: sub-Gaussian (uniform), super-Gaussian (Laplace), a sinusoid."""
    rng = np.random.RandomState(0)
    n = 4000
    t = np.linspace(0, 20, n)
    S = np.c_[rng.uniform(-1, 1, n), rng.laplace(size=n), np.sin(3 * t)]
    return (S - S.mean(axis=0)) / S.std(axis=0)


@pytest.fixture(scope="module")
def mixed(sources):
    return sources @ MIXING.T + np.array([2.0, -1.0, 0.5])


def _matched_correlations(A, B):
    """|corr| of the columns of A and B after the best one-to-one matching."""
    k = A.shape[1]
    corr = np.abs(np.corrcoef(A.T, B.T)[:k, k:])
    rows, cols = linear_sum_assignment(-corr)
    return corr[rows, cols]


@pytest.mark.parametrize("fun", FUNS)
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_amari_index_of_recovered_unmixing(mixed, algorithm, fun):
    ica = FastICA(3, algorithm=algorithm, fun=fun, random_state=0).fit(mixed)
    assert amari_index(ica.components_, MIXING) < 0.05
    assert ica.n_iter_ < 200


@pytest.mark.parametrize("fun", FUNS)
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_sources_agree_with_sklearn_up_to_order_and_sign(mixed, sources, algorithm, fun):
    ours = FastICA(3, algorithm=algorithm, fun=fun, random_state=0).fit_transform(mixed)
    ref = SkFastICA(3, algorithm=algorithm, fun=fun, whiten="unit-variance",
                    random_state=0).fit_transform(mixed)
    assert np.all(_matched_correlations(ours, ref) > 0.99)
    assert np.all(_matched_correlations(ours, sources) > 0.99)


def test_transform_inverse_transform_and_attributes(mixed):
    ica = FastICA(3, random_state=0)
    S = ica.fit_transform(mixed)
    np.testing.assert_allclose(ica.transform(mixed), S, atol=1e-10)
    np.testing.assert_allclose(ica.inverse_transform(S), mixed, atol=1e-9)  # k = d: lossless
    np.testing.assert_allclose(ica.components_ @ ica.mixing_, np.eye(3), atol=1e-10)
    np.testing.assert_allclose(S.std(axis=0), 1.0, rtol=1e-10)  # unit variance
    np.testing.assert_allclose(S.mean(axis=0), 0.0, atol=1e-10)
    np.testing.assert_allclose(ica.mean_, mixed.mean(axis=0), rtol=1e-12)
    # whitening_: the PCA whitening, identity covariance (1/n) on the training data
    Z = (mixed - ica.mean_) @ ica.whitening_.T
    np.testing.assert_allclose(Z.T @ Z / len(Z), np.eye(3), atol=1e-10)
    assert ica.n_components_ == 3 and ica.components_.shape == (3, 3)
    assert list(ica.get_feature_names_out()) == ["fastica0", "fastica1", "fastica2"]


def test_deterministic_order_and_sign(mixed):
    ica = FastICA(3, random_state=0).fit(mixed)
    norms = np.linalg.norm(ica.mixing_, axis=0)
    assert np.all(np.diff(norms) <= 0)  # ordered by how much of the data each source carries
    largest = ica.mixing_[np.argmax(np.abs(ica.mixing_), axis=0), np.arange(3)]
    assert np.all(largest > 0)
    # another start finds the same sources, in the same order and sign
    other = FastICA(3, random_state=5).fit(mixed)
    np.testing.assert_allclose(other.components_, ica.components_, atol=1e-3)
    again = FastICA(3, random_state=0).fit(mixed)
    np.testing.assert_array_equal(again.components_, ica.components_)


def test_fewer_components_and_arbitrary_variance(mixed):
    ica = FastICA(2, whiten="arbitrary-variance", random_state=0)
    S = ica.fit_transform(mixed)
    assert S.shape == (len(mixed), 2)
    assert ica.mixing_.shape == (3, 2) and ica.whitening_.shape == (2, 3)
    np.testing.assert_allclose(ica.transform(mixed), S, atol=1e-10)


@pytest.mark.parametrize("whiten_solver", ["eigh", "svd"])
def test_whitening_solvers_agree(mixed, whiten_solver):
    ref = FastICA(3, random_state=0).fit(mixed)
    ours = FastICA(3, whiten_solver=whiten_solver, random_state=0).fit(mixed)
    np.testing.assert_allclose(ours.components_, ref.components_, atol=1e-6)


def test_float32_stays_float32(mixed):
    X32 = mixed.astype(np.float32)
    ica = FastICA(3, random_state=0).fit(X32)
    assert ica.components_.dtype == np.float32 and ica.transform(X32).dtype == np.float32
    assert amari_index(ica.components_, MIXING) < 0.05


def test_n_components_none_keeps_the_numerical_rank(mixed):
    X = np.c_[mixed, mixed[:, 0] + mixed[:, 1]]  # a 4th column in the span of the others
    ica = FastICA(random_state=0).fit(X)
    assert ica.n_components_ == 3
    with pytest.raises(ParameterError, match=r"numerical rank 3.*at most 3"):
        FastICA(4, random_state=0).fit(X)


def test_w_init_and_amari_index():
    rng = np.random.RandomState(1)
    X = rng.laplace(size=(500, 2)) @ np.array([[1.0, 0.4], [0.2, 1.0]]).T
    a = FastICA(2, w_init=np.eye(2)).fit(X)
    b = FastICA(2, w_init=np.eye(2)).fit(X)
    np.testing.assert_array_equal(a.components_, b.components_)
    P = np.array([[0.0, 2.0, 0.0], [0.0, 0.0, -1.0], [3.0, 0.0, 0.0]])
    assert amari_index(P, np.eye(3)) == 0.0  # a scaled permutation is a perfect unmixing
    assert 0.0 < amari_index(np.ones((3, 3)) + np.eye(3), np.eye(3)) <= 1.0
    with pytest.raises(ValueError, match="k >= 2"):
        amari_index(np.ones((1, 3)), np.ones((3, 1)))


def test_errors(mixed):
    with pytest.raises(ParameterError, match="fun_args"):
        FastICA(2, fun="cube", fun_args={"alpha": 1.0}).fit(mixed)
    with pytest.raises(ParameterError, match=r"alpha=3"):
        FastICA(2, fun_args={"alpha": 3}).fit(mixed)
    with pytest.raises(ParameterError, match=r"w_init must have shape .*\(2, 2\)"):
        FastICA(2, w_init=np.eye(3)).fit(mixed)
    with pytest.raises(ParameterError, match="algorithm='symmetric'"):
        FastICA(2, algorithm="symmetric").fit(mixed)
    with pytest.raises(ParameterError, match=r"n_components=4 is larger"):
        FastICA(4).fit(mixed)
    with pytest.raises(ValueError, match="n_samples = 1"):
        FastICA(1).fit(mixed[:1])
    with pytest.raises(NotFittedError):
        FastICA(2).transform(mixed)
    ica = FastICA(2, random_state=0).fit(mixed)
    with pytest.raises(ValueError, match=r"\(n_samples, 2\)"):
        ica.inverse_transform(np.zeros((4, 3)))
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        FastICA(3, max_iter=1, random_state=0).fit(mixed)


def test_registered():
    info = get_method("ica")
    assert info.cls is FastICA and info.family == "decomposition"
