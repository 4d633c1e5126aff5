"""PCA on scipy.sparse input: the same fit as the dense twin, without densifying.

References: our dense PCA (``svd_solver="full"``, the exact SVD) and scikit-learn's PCA, which
takes sparse input with ARPACK on the implicitly centred matrix since 1.4.
"""

import tracemalloc

import numpy as np
import pytest
from scipy import sparse
from sklearn.decomposition import PCA as SkPCA

from latentlearn.decomposition import PCA
from latentlearn.exceptions import ParameterError

FORMATS = [sparse.csr_matrix, sparse.csc_matrix, sparse.csr_array]


def _sparse_data(n_samples, n_features, density=0.1, seed=0):
    """Independent sparse columns with geometrically decaying scales and a mean offset.

    The covariance is nearly diagonal with distinct leading variances (relative gaps of a few
    percent), so the leading components are unique up to sign, and the stored values sit around
    2, so a fit that forgot the centring would find other components.
    """
    rng = np.random.RandomState(seed)
    scales = np.geomspace(10.0, 0.5, n_features)
    values = 2.0 + rng.standard_normal((n_samples, n_features)) * scales
    values[rng.uniform(size=values.shape) > density] = 0.0
    return sparse.csr_matrix(values)


@pytest.fixture(scope="module")
def wide():
    return _sparse_data(400, 300)  # auto: neither tall nor large, so ARPACK on sparse input


def _aligned(ours, theirs):
    """``theirs`` with each row's sign matched to ``ours``."""
    return theirs * np.sign(np.sum(ours * theirs, axis=1))[:, np.newaxis]


def _assert_same_fit(ours, ref, tol):
    np.testing.assert_allclose(ours.components_, _aligned(ours.components_, ref.components_),
                               rtol=0, atol=tol)
    scale = ref.explained_variance_.max()
    np.testing.assert_allclose(ours.explained_variance_, ref.explained_variance_, rtol=0,
                               atol=tol * scale)
    np.testing.assert_allclose(ours.explained_variance_ratio_, ref.explained_variance_ratio_,
                               rtol=0, atol=tol)
    np.testing.assert_allclose(ours.singular_values_, ref.singular_values_, rtol=tol)
    np.testing.assert_allclose(ours.mean_, ref.mean_, rtol=0, atol=tol)
    assert ours.noise_variance_ == pytest.approx(ref.noise_variance_, rel=tol, abs=tol * scale)


@pytest.mark.parametrize("container", FORMATS)
def test_sparse_auto_is_arpack_and_matches_the_dense_full_svd(wide, container):
    X = container(wide)
    ours = PCA(8, random_state=0).fit(X)
    assert ours.svd_solver_ == "arpack"
    dense = PCA(8, svd_solver="full").fit(wide.toarray())
    assert dense.svd_solver_ == "full"
    # measured: components within 3e-14, variances within 2e-15 of the largest
    _assert_same_fit(ours, dense, 1e-8)


def test_sparse_matches_sklearn_pca_on_the_sparse_matrix(wide):
    ours = PCA(8, random_state=0).fit(wide)
    theirs = SkPCA(8, svd_solver="arpack", random_state=0).fit(wide)
    _assert_same_fit(ours, theirs, 1e-8)


def test_sparse_randomized_matches_the_dense_randomized_fit():
    X = _sparse_data(700, 600, density=0.05, seed=1)  # auto: randomized (min > 500)
    ours = PCA(6, random_state=3).fit(X)
    assert ours.svd_solver_ == "randomized"
    dense = PCA(6, svd_solver="randomized", random_state=3).fit(X.toarray())
    # The same Gaussian test matrix and the same products (X B - 1 mu^T B instead of
    # (X - 1 mu^T) B): equal up to rounding (measured 1e-13).
    _assert_same_fit(ours, dense, 1e-8)


def test_sparse_covariance_eigh_matches_the_dense_full_svd():
    X = _sparse_data(2000, 60, density=0.2, seed=2)  # tall: auto picks covariance_eigh
    ours = PCA(10).fit(sparse.csc_matrix(X))
    assert ours.svd_solver_ == "covariance_eigh"
    dense = PCA(10, svd_solver="full").fit(X.toarray())
    _assert_same_fit(ours, dense, 1e-8)
    # n_components=None keeps them all, from the d x d covariance
    every = PCA().fit(X)
    full = PCA(svd_solver="full").fit(X.toarray())
    np.testing.assert_allclose(every.explained_variance_, full.explained_variance_, rtol=1e-8)


def test_transform_and_likelihood_of_sparse_input_equal_the_dense_ones(wide):
    D = wide.toarray()
    ours = PCA(8, random_state=0).fit(wide)
    dense = PCA(8, svd_solver="full").fit(D)
    signs = np.sign(np.sum(ours.components_ * dense.components_, axis=1))
    np.testing.assert_allclose(ours.transform(wide), dense.transform(D) * signs, rtol=0,
                               atol=1e-8 * np.abs(dense.transform(D)).max())
    np.testing.assert_allclose(ours.transform(wide), ours.transform(D), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.score_samples(wide), ours.score_samples(D), rtol=1e-10)
    np.testing.assert_allclose(ours.score_samples(wide), dense.score_samples(D), rtol=1e-8)
    np.testing.assert_allclose(ours.fit_transform(wide), ours.transform(D), rtol=0, atol=1e-10)


def test_float32_sparse_input_stays_float32(wide):
    X32 = wide.astype(np.float32)
    ours = PCA(4, random_state=0).fit(X32)
    assert ours.components_.dtype == np.float32
    assert ours.transform(X32).dtype == np.float32
    dense = PCA(4, svd_solver="full").fit(wide.toarray())
    np.testing.assert_allclose(ours.components_, _aligned(ours.components_, dense.components_),
                               rtol=0, atol=1e-4)


def test_full_svd_refuses_sparse_input_and_says_what_to_do(wide):
    with pytest.raises(TypeError, match=r"svd_solver='full'.*sparse.*'auto'.*toarray"):
        PCA(3, svd_solver="full").fit(wide)
    assert not PCA(svd_solver="full").__sklearn_tags__().input_tags.sparse
    assert PCA().__sklearn_tags__().input_tags.sparse


def test_the_whole_spectrum_of_a_wide_sparse_matrix_is_refused_with_advice():
    X = _sparse_data(40, 1200, density=0.05)
    with pytest.raises(ParameterError, match=r"n_components=None.*int n_components.*toarray"):
        PCA().fit(X)
    with pytest.raises(ParameterError, match="n_components=0.9"):
        PCA(0.9).fit(X)


def random_sparse(n_samples, n_features, nnz, seed=0):
    """A CSR matrix of about ``nnz`` uniform entries at uniform positions, built in O(nnz)
    (``scipy.sparse.random`` draws the positions without replacement from all n x d cells,
    which takes minutes at 20,000 x 20,000)."""
    rng = np.random.RandomState(seed)
    rows = rng.randint(0, n_samples, nnz)
    cols = rng.randint(0, n_features, nnz)
    return sparse.csr_matrix((rng.uniform(size=nnz), (rows, cols)),
                             shape=(n_samples, n_features))


def _peak_bytes(fit):
    tracemalloc.start()
    try:
        fit()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("solver", ["auto", "randomized"])
def test_a_large_sparse_matrix_is_never_densified(solver):
    n = d = 20_000
    X = random_sparse(n, d, 200_000)  # density 0.05 %
    pca = PCA(5, svd_solver=solver, random_state=0)
    peak = _peak_bytes(lambda: pca.fit(X))
    assert pca.svd_solver_ in ("arpack", "randomized")
    # A dense (n, d) float64 array is 3.2 GB; measured peaks are 9 MB (ARPACK) and 15 MB
    # (randomized): a few copies of the 2.4 MB of stored entries and of n x (k + 10) blocks.
    assert peak < 40e6
    assert pca.transform(X[:100]).shape == (100, 5)
