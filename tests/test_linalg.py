"""The shared linear-algebra kernels of latentlearn._linalg, against numpy, SciPy and sklearn."""

import numpy as np
import pytest
from scipy import linalg, sparse
from scipy.spatial.distance import pdist, squareform
from sklearn.utils.extmath import randomized_svd as sk_randomized_svd
from sklearn.utils.extmath import svd_flip

from latentlearn import _linalg


@pytest.fixture(scope="module")
def tall():
    """400 x 30 data with a decaying spectrum (10 -> 0.01) and an offset of 5."""
    rng = np.random.RandomState(0)
    rotation = np.linalg.qr(rng.standard_normal((30, 30)))[0]
    return rng.standard_normal((400, 30)) @ np.diag(np.geomspace(10, 0.01, 30)) @ rotation + 5.0


@pytest.mark.parametrize("n_rows, per_row, budget, min_rows", [
    (0, 5, 100, 1), (1, 5, 100, 1), (1000, 7, 100, 1), (1000, 7, 100, 256), (10, 0, 3, 1),
    (999, 1, 1000, 1), (1001, 1, 1000, 1)])
def test_row_blocks_cover_the_rows_once_in_order(n_rows, per_row, budget, min_rows):
    blocks = list(_linalg.row_blocks(n_rows, per_row, budget, min_rows=min_rows))
    covered = np.concatenate([np.arange(n_rows)[b] for b in blocks]) if blocks else []
    np.testing.assert_array_equal(covered, np.arange(n_rows))
    step = max(min_rows, budget // max(per_row, 1))
    assert all(b.stop - b.start == step for b in blocks[:-1])  # full blocks but the last
    assert all(0 < b.stop - b.start <= step for b in blocks)


def test_flip_signs_is_sklearns_svd_flip(tall):
    _, _, Vt = linalg.svd(tall - tall.mean(0), full_matrices=False)
    Vt = Vt[:10] * np.where(np.arange(10) % 2, -1.0, 1.0)[:, None]  # mixed signs
    ours = Vt.copy()
    signs = _linalg.flip_row_signs(ours)
    _, ref = svd_flip(np.zeros((1, 10)), Vt.copy(), u_based_decision=False)
    np.testing.assert_array_equal(ours, ref)
    np.testing.assert_array_equal(np.abs(signs), 1.0)
    cols = Vt.T.copy()
    np.testing.assert_array_equal(_linalg.flip_column_signs(cols), ref.T)
    zero = np.zeros((2, 3))
    np.testing.assert_array_equal(_linalg.flip_row_signs(zero), [1.0, 1.0])  # 0 keeps its sign


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_covariance_is_numpys(tall, dtype, monkeypatch):
    X = tall.astype(dtype)
    ref = np.cov(X.astype(np.float64), rowvar=False)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    C = _linalg.covariance(X, X.mean(0, dtype=np.float64))
    assert C.dtype == np.float64
    np.testing.assert_allclose(C, ref, rtol=rtol, atol=rtol * np.abs(ref).max())
    monkeypatch.setattr(_linalg, "BLOCK_ENTRIES", 30 * 7)  # 7-row blocks: the same sum
    np.testing.assert_allclose(_linalg.covariance(X, X.mean(0, dtype=np.float64)), C,
                               rtol=rtol, atol=rtol * np.abs(ref).max())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sum_of_squares_and_column_mean(tall, dtype):
    X = tall.astype(dtype)
    X64 = X.astype(np.float64)
    rtol = 1e-13 if dtype == np.float64 else 1e-6
    assert _linalg.sum_of_squares(X) == pytest.approx(float(np.sum(X64**2)), rel=rtol)
    assert _linalg.sum_of_squares(X, budget=60) == pytest.approx(float(np.sum(X64**2)), rel=rtol)
    np.testing.assert_allclose(_linalg.column_mean(X), X64.mean(0), rtol=rtol)
    np.testing.assert_allclose(_linalg.column_mean(X, budget=60), X64.mean(0), rtol=rtol)
    assert _linalg.column_mean(X).dtype == np.float64


@pytest.mark.parametrize("shape, n_iter", [
    ((400, 30), 4),  # Gram path: 30 < 4 * 4 * 15
    ((2000, 100), 2),  # Gram path: 100 < 4 * 2 * 15
    ((2000, 300), 2),  # products with M: 300 >= 4 * 2 * 15
    ((400, 30), 0),  # no power iteration
    ((30, 400), 4),  # wide: products with M
])
def test_randomized_svd_is_halkos_algorithm(shape, n_iter):
    # Both code paths (power iterations through M or through the Gram matrix M^T M, chosen by
    # the flop count) must give scikit-learn's randomized_svd from the same random draws: the
    # same subspace up to rounding, so the same triplets to ~1e-10 on a well separated spectrum.
    rng = np.random.RandomState(1)
    n, d = shape
    M = rng.standard_normal((n, min(n, d))) * np.geomspace(10, 0.5, min(n, d)) \
        @ np.linalg.qr(rng.standard_normal((max(n, d), min(n, d))))[0][:d].T
    U, s, Vt = _linalg.randomized_svd(M, 5, n_oversamples=10, n_iter=n_iter,
                                      random_state=np.random.RandomState(0))
    U_ref, s_ref, Vt_ref = sk_randomized_svd(M, 5, n_oversamples=10, n_iter=n_iter,
                                             power_iteration_normalizer="LU", transpose=False,
                                             flip_sign=False, random_state=0)
    np.testing.assert_allclose(s, s_ref, rtol=1e-10)
    signs = np.sign(np.sum(Vt * Vt_ref, axis=1))
    np.testing.assert_allclose(Vt, Vt_ref * signs[:, None], atol=1e-8)
    np.testing.assert_allclose(U, U_ref * signs, atol=1e-8)
    if n_iter >= 4:  # and, with enough iterations, the exact leading singular values
        np.testing.assert_allclose(s, linalg.svdvals(M)[:5], rtol=1e-6)


def test_randomized_svd_gram_path_is_used_and_keeps_float32(monkeypatch):
    rng = np.random.RandomState(0)
    M = (rng.standard_normal((3000, 100)) * np.geomspace(5, 0.1, 100)).astype(np.float32)
    lu_calls = []
    lu = linalg.lu

    def counting_lu(A, **kwargs):
        lu_calls.append(A.shape)
        return lu(A, **kwargs)

    monkeypatch.setattr(_linalg.linalg, "lu", counting_lu)
    U, s, Vt = _linalg.randomized_svd(M, 10, n_oversamples=10, n_iter=7,  # 100 < 4*7*20
                                      random_state=np.random.RandomState(0))
    # one (d, r) normalisation per power iteration, none of an (n, r) basis: the Gram path
    assert lu_calls == [(100, 20)] * 7
    assert U.dtype == s.dtype == Vt.dtype == np.float32
    np.testing.assert_allclose(s, linalg.svdvals(M.astype(np.float64))[:10], rtol=1e-5)


def test_classical_scaling_recovers_centred_points_and_pca_eigenvalues(tall):
    # Torgerson 1952: for Euclidean distances B = Xc Xc^T, so the embedding is the PCA scores
    # and the eigenvalues are the squared singular values of the centred data.
    X = tall[:120, :4] * np.array([5.0, 3.0, 1.0, 0.5])
    Xc = X - X.mean(0)
    Y, values = _linalg.classical_scaling(squareform(pdist(X)), 4)
    _, s, Vt = linalg.svd(Xc, full_matrices=False)
    np.testing.assert_allclose(values, s**2, rtol=1e-9)
    scores = Xc @ Vt.T
    signs = np.sign(np.sum(Y * scores, axis=0))
    np.testing.assert_allclose(Y, scores * signs, atol=1e-8)
    np.testing.assert_allclose(squareform(pdist(Y)), squareform(pdist(X)), atol=1e-8)
    B = _linalg.double_centre(squareform(pdist(X)))
    np.testing.assert_allclose(B, Xc @ Xc.T, atol=1e-8)
    top_values, top_vectors = _linalg.top_eigenpairs(B, 2)
    assert top_values[0] >= top_values[1]
    np.testing.assert_allclose(B @ top_vectors, top_vectors * top_values, atol=1e-7)


@pytest.mark.parametrize("solver", ["dense", "arpack", "lobpcg", "auto"])
def test_smallest_eigenpairs_of_a_path_laplacian(solver):
    # The Laplacian of a path of n nodes has eigenvalues 2 - 2 cos(pi j / n), j = 0..n-1.
    n = 600
    W = sparse.diags([np.ones(n - 1), np.ones(n - 1)], [-1, 1], format="csr")
    L = sparse.diags(np.asarray(W.sum(axis=1)).ravel()) - W
    values, vectors = _linalg.smallest_eigenpairs(L.tocsr(), 4, solver=solver, random_state=0)
    expected = 2 - 2 * np.cos(np.pi * np.arange(4) / n)
    np.testing.assert_allclose(values, expected, atol=1e-9)
    np.testing.assert_allclose(L @ vectors, vectors * values, atol=1e-6)
    assert np.all(np.diff(values) >= 0)


def test_smallest_eigenpairs_falls_back_to_dense_when_arpack_cannot():
    # ARPACK needs k < n; asking for every eigenpair must still work (dense).
    L = sparse.csr_matrix(np.array([[1.0, -1, 0], [-1, 2, -1], [0, -1, 1]]))
    values, _ = _linalg.smallest_eigenpairs(L, 3, solver="arpack", random_state=0)
    np.testing.assert_allclose(values, [0.0, 1.0, 3.0], atol=1e-12)
