"""NMF on scipy.sparse input: the dense twin's factorisation, without densifying.

From the same starting factors (``init="custom"``) both solvers run the same updates on the
sparse matrix as on ``X.toarray()``; the reference is the dense fit (itself tested against
scikit-learn in test_nmf.py) and scikit-learn's NMF on the sparse matrix.
"""

import tracemalloc
import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.decomposition import NMF as SkNMF
from sklearn.exceptions import ConvergenceWarning

from latentlearn.decomposition import NMF, initialize_nmf, nmf_objective
from latentlearn.exceptions import DataError

CASES = [("cd", "frobenius"), ("mu", "frobenius"), ("mu", "kullback-leibler")]


def _random_sparse(n_samples, n_features, nnz, seed=0):
    """About ``nnz`` uniform entries at uniform positions, built in O(nnz)."""
    rng = np.random.RandomState(seed)
    return sparse.csr_matrix((rng.uniform(size=nnz), (rng.randint(0, n_samples, nnz),
                                                      rng.randint(0, n_features, nnz))),
                             shape=(n_samples, n_features))


@pytest.fixture(scope="module")
def counts():
    """400 x 250 non-negative low-rank data with 90 % of the entries set to zero."""
    rng = np.random.RandomState(0)
    X = rng.gamma(1.0, size=(400, 6)) @ rng.gamma(1.0, size=(6, 250))
    X[rng.uniform(size=X.shape) < 0.9] = 0.0
    return sparse.csr_matrix(X)


def _start(X, beta_loss):
    return initialize_nmf(X.toarray(), 6, init="nndsvda" if beta_loss == "frobenius"
                          else "random", random_state=0)


@pytest.mark.parametrize("solver, beta_loss", CASES)
@pytest.mark.parametrize("container", [sparse.csr_matrix, sparse.csc_array])
def test_sparse_fit_matches_the_dense_fit_from_the_same_start(counts, container, solver,
                                                              beta_loss):
    W0, H0 = _start(counts, beta_loss)
    kwargs = dict(init="custom", solver=solver, beta_loss=beta_loss, max_iter=150)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = NMF(6, **kwargs)
        W = ours.fit_transform(container(counts), W=W0, H=H0)
        dense = NMF(6, **kwargs)
        W_dense = dense.fit_transform(counts.toarray(), W=W0, H=H0)
    assert ours.n_iter_ == dense.n_iter_
    # measured: W and H within 2e-14 of the dense fit (relative to the largest entry)
    np.testing.assert_allclose(W, W_dense, rtol=0, atol=1e-8 * np.abs(W_dense).max())
    np.testing.assert_allclose(ours.components_, dense.components_, rtol=0,
                               atol=1e-8 * np.abs(dense.components_).max())
    assert ours.reconstruction_err_ == pytest.approx(dense.reconstruction_err_, rel=1e-8)
    np.testing.assert_allclose(ours.transform(counts), dense.transform(counts.toarray()),
                               rtol=0, atol=1e-8 * np.abs(W_dense).max())


def test_sparse_fit_matches_sklearn_on_the_sparse_matrix(counts):
    W0, H0 = _start(counts, "frobenius")
    ours = NMF(6, init="custom", solver="cd", max_iter=400, tol=1e-10)
    theirs = SkNMF(6, init="custom", solver="cd", max_iter=400, tol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(counts, W=W0, H=H0)
        theirs.fit(counts, W=W0.copy(), H=H0.copy())
    scale = np.abs(theirs.components_).max()
    np.testing.assert_allclose(ours.components_, theirs.components_, rtol=0, atol=1e-8 * scale)
    assert ours.reconstruction_err_ == pytest.approx(theirs.reconstruction_err_, rel=1e-8)


@pytest.mark.parametrize("init", ["nndsvd", "nndsvda", "nndsvdar", "random"])
def test_initialisation_from_sparse_input_matches_the_dense_one(counts, init):
    W, H = initialize_nmf(counts, 6, init=init, random_state=1)
    W_dense, H_dense = initialize_nmf(counts.toarray(), 6, init=init, random_state=1)
    np.testing.assert_allclose(W, W_dense, rtol=0, atol=1e-10 * np.abs(W_dense).max())
    np.testing.assert_allclose(H, H_dense, rtol=0, atol=1e-10 * np.abs(H_dense).max())


@pytest.mark.parametrize("beta_loss", ["frobenius", "kullback-leibler"])
def test_the_objective_of_sparse_input_equals_the_dense_one(counts, beta_loss):
    W, H = _start(counts, "frobenius")
    ours = nmf_objective(counts, W, H, beta_loss)
    dense = nmf_objective(counts.toarray(), W, H, beta_loss)
    assert ours == pytest.approx(dense, rel=1e-10)


def test_negative_entries_of_a_sparse_matrix_are_refused(counts):
    X = counts.copy()
    X.data[3] = -1.0
    with pytest.raises(DataError, match="1 negative entry"):
        NMF(3).fit(X)


def test_float32_sparse_input_stays_float32(counts):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        nmf = NMF(4, random_state=0, max_iter=20).fit(counts.astype(np.float32))
    assert nmf.components_.dtype == np.float32


@pytest.mark.parametrize("solver, beta_loss", CASES)
def test_a_large_sparse_matrix_is_never_densified(solver, beta_loss):
    n = d = 20_000
    X = _random_sparse(n, d, 200_000)
    nmf = NMF(5, solver=solver, beta_loss=beta_loss, max_iter=5, random_state=0)
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            nmf.fit(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # A dense (n, d) float64 array is 3.2 GB; measured peaks are 15-20 MB.
    assert peak < 60e6
