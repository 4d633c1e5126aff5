"""NMF against scikit-learn's NMF (the objective at the same iteration budget) and the maths."""

import warnings

import numpy as np
import pytest
from sklearn.decomposition import NMF as SkNMF
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from latentlearn.datasets import load
from latentlearn.decomposition import NMF, initialize_nmf, nmf_objective, non_negative_factorization
from latentlearn.exceptions import DataError, NotFittedError, ParameterError
from latentlearn.registry import get_method

CASES = [("cd", "frobenius"), ("mu", "frobenius"), ("mu", "kullback-leibler")]


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """One BLAS thread: these matrices are small, and on a shared machine extra BLAS threads
    only wait for each other (timings belong to benchmarks/, not here)."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def digits():
    return load("digits").X.astype(np.float64)  # (1797, 64) in [0, 1]


@pytest.fixture(scope="module")
def mnist_subset():
    return load("mnist5k", n_samples=1000, random_state=0).X  # float32, (1000, 784)


def _fit_both(X, k, solver, beta_loss, max_iter, init="nndsvda"):
    """Both libraries from the same starting matrices, tol=0: exactly max_iter iterations."""
    W0, H0 = initialize_nmf(X, k, init=init, random_state=0)
    ours = NMF(k, init="custom", solver=solver, beta_loss=beta_loss, tol=0, max_iter=max_iter)
    W = ours.fit_transform(X, W=W0, H=H0)
    ref = SkNMF(k, init="custom", solver=solver, beta_loss=beta_loss, tol=0, max_iter=max_iter)
    W_ref = ref.fit_transform(X, W=W0.copy(), H=H0.copy())
    return (nmf_objective(X, W, ours.components_, beta_loss),
            nmf_objective(X, W_ref, ref.components_, beta_loss), ours, ref)


@pytest.mark.parametrize("solver, beta_loss", CASES)
def test_objective_no_worse_than_sklearn_on_digits(digits, solver, beta_loss):
    ours, ref, model, _ = _fit_both(digits, 16, solver, beta_loss, max_iter=60)
    assert model.n_iter_ == 60
    # the same updates from the same start: equal up to rounding, never worse
    assert ours <= ref * (1 + 1e-6)


@pytest.mark.parametrize("solver, beta_loss", CASES)
def test_objective_no_worse_than_sklearn_on_mnist_subset(mnist_subset, solver, beta_loss):
    ours, ref, _, _ = _fit_both(mnist_subset, 25, solver, beta_loss, max_iter=40)
    assert ours <= ref * (1 + 1e-5)  # float32 data: the updates run in float32


@pytest.mark.slow
@pytest.mark.parametrize("solver, beta_loss", CASES)
def test_objective_no_worse_than_sklearn_on_mnist5k(solver, beta_loss):
    X = load("mnist5k").X
    ours, ref, _, _ = _fit_both(X, 25, solver, beta_loss, max_iter=200)
    assert ours <= ref * (1 + 1e-5)


def test_own_initialisation_matches_sklearns_default_quality(digits):
    # each library from its own NNDSVDa start (both from a randomized SVD), same budget
    X = digits[:800]
    ours = NMF(16, init="nndsvda", tol=0, max_iter=60, random_state=0)
    W = ours.fit_transform(X)
    ref = SkNMF(16, init="nndsvda", tol=0, max_iter=60, random_state=0)
    W_ref = ref.fit_transform(X)
    assert nmf_objective(X, W, ours.components_) <= \
        nmf_objective(X, W_ref, ref.components_) * (1 + 1e-4)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_objectives_and_reconstruction_error(digits):
    X = digits[:300]
    nmf = NMF(10, solver="mu", beta_loss="kullback-leibler", random_state=0, max_iter=50, tol=0)
    W = nmf.fit_transform(X)
    Y = W @ nmf.components_
    mask = X > 0
    kl = np.sum(X[mask] * np.log(X[mask] / Y[mask])) - X.sum() + Y.sum()
    np.testing.assert_allclose(nmf_objective(X, W, nmf.components_, "kullback-leibler"), kl,
                               rtol=1e-9)
    np.testing.assert_allclose(nmf.reconstruction_err_, np.sqrt(2 * kl), rtol=1e-9)
    fro = NMF(10, random_state=0).fit(X)
    W = fro.transform(X)
    assert fro.reconstruction_err_ == pytest.approx(np.linalg.norm(X - W @ fro.components_),
                                                    rel=1e-3)
    # the multiplicative updates never increase their objective
    errors = [NMF(10, solver="mu", beta_loss="kullback-leibler", init="nndsvda", tol=0,
                  max_iter=m).fit(X).reconstruction_err_ for m in (1, 5, 20)]
    assert errors[0] >= errors[1] >= errors[2]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_transform_agrees_with_fit_transform(digits):
    X = digits[:400]
    nmf = NMF(12, random_state=0, max_iter=400)
    W = nmf.fit_transform(X)
    np.testing.assert_allclose(nmf.transform(X), W, atol=5e-3)
    assert np.all(W >= 0) and np.all(nmf.components_ >= 0)
    np.testing.assert_allclose(nmf.inverse_transform(W), W @ nmf.components_)
    mu = NMF(12, solver="mu", random_state=0, max_iter=400)
    W = mu.fit_transform(X)
    assert nmf_objective(X, mu.transform(X), mu.components_) <= \
        nmf_objective(X, W, mu.components_) * 1.05
    assert list(nmf.get_feature_names_out())[:2] == ["nmf0", "nmf1"]


def test_initialisations(digits):
    X = digits[:500]
    k = 8
    W, H = initialize_nmf(X, k, init="nndsvd", random_state=0)
    assert W.shape == (500, k) and H.shape == (k, 64)
    assert np.all(W >= 0) and np.all(H >= 0) and np.any(W == 0) and np.any(H == 0)
    # the leading pair is the (non-negative) leading singular pair of X
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    np.testing.assert_allclose(W[:, 0] * H[0, :].max(), np.sqrt(s[0]) * np.abs(U[:, 0])
                               * np.sqrt(s[0]) * np.abs(Vt[0]).max(), rtol=1e-4, atol=1e-6)
    Wa, Ha = initialize_nmf(X, k, init="nndsvda", random_state=0)
    np.testing.assert_allclose(Wa[W == 0], X.mean())
    np.testing.assert_allclose(Wa[W > 0], W[W > 0])
    War, _ = initialize_nmf(X, k, init="nndsvdar", random_state=0)
    assert np.all(War[W == 0] < X.mean()) and np.all(War >= 0)
    Wr, Hr = initialize_nmf(X, k, init="random", random_state=0)
    assert np.all(Wr >= 0) and abs((Wr @ Hr).mean() / X.mean() - 1) < 0.5
    with pytest.raises(ParameterError, match=r"n_components=65 .* at most 64 or use init='random'"):
        initialize_nmf(X, 65, init="nndsvd")
    Wbig, Hbig = initialize_nmf(X, 65, init="random", random_state=0)
    assert Wbig.shape == (500, 65)


def test_default_n_components_and_init(digits):
    X = digits[:100, :10]
    nmf = NMF(random_state=0, max_iter=20, tol=0).fit(X)
    assert nmf.n_components_ == 10
    big = NMF(120, random_state=0, max_iter=5, tol=0).fit(X)  # more than min(n, d): random
    assert big.components_.shape == (120, 10)


def test_negative_input_is_refused_with_a_clear_error(digits):
    X = digits[:50] - 0.1
    with pytest.raises(DataError, match=r"Negative values in data passed to NMF: X has \d+ "
                                        r"negative entries .*X - X.min\(\)"):
        NMF(3).fit(X)
    assert issubclass(DataError, ValueError)
    nmf = NMF(3, random_state=0, max_iter=10, tol=0).fit(digits[:50])
    with pytest.raises(ValueError, match="Negative values"):
        nmf.transform(X)
    with pytest.raises(ValueError, match="Negative values"):
        initialize_nmf(X, 3)
    W0, H0 = initialize_nmf(digits[:50], 3, random_state=0)
    with pytest.raises(ValueError, match=r"the initial W has 1 negative entry"):
        W_bad = W0.copy()
        W_bad[0, 0] = -1
        NMF(3, init="custom").fit(digits[:50], W=W_bad, H=H0)


def test_parameter_errors(digits):
    X = digits[:50]
    with pytest.raises(ParameterError, match="solver='mu' for the Kullback-Leibler"):
        NMF(3, beta_loss="kullback-leibler").fit(X)
    with pytest.raises(ParameterError, match="init='custom' starts from the W and H"):
        NMF(3, init="custom").fit(X)
    W0, H0 = initialize_nmf(X, 3, random_state=0)
    with pytest.raises(ParameterError, match="only used with init='custom'"):
        NMF(3).fit(X, W=W0, H=H0)
    with pytest.raises(ParameterError, match=r"H has 3 rows but n_components=4"):
        NMF(4, init="custom").fit(X, W=W0, H=H0)
    with pytest.raises(ValueError, match=r"initial W must have shape \(50, 3\)"):
        NMF(3, init="custom").fit(X, W=W0[:10], H=H0)
    with pytest.raises(ParameterError, match="beta_loss='itakura-saito'"):
        NMF(3, solver="mu", beta_loss="itakura-saito").fit(X)
    with pytest.warns(UserWarning, match="nndsvda"):
        NMF(3, solver="mu", init="nndsvd", max_iter=5, tol=0).fit(X)
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        NMF(3, max_iter=2, random_state=0).fit(X)
    with pytest.raises(NotFittedError):
        NMF(3).transform(X)
    nmf = NMF(3, max_iter=5, tol=0, random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"\(n_samples, 3\)"):
        nmf.inverse_transform(np.zeros((2, 4)))


def test_float32_stays_float32(mnist_subset):
    X = mnist_subset[:300]
    for solver in ("cd", "mu"):
        nmf = NMF(5, solver=solver, random_state=0, max_iter=20, tol=0)
        W = nmf.fit_transform(X)
        assert W.dtype == np.float32 and nmf.components_.dtype == np.float32
        assert nmf.transform(X).dtype == np.float32


def test_function_form_and_determinism(digits):
    X = digits[:200]
    W, H, n_iter = non_negative_factorization(X, 6, random_state=0, max_iter=30, tol=0)
    nmf = NMF(6, random_state=0, max_iter=30, tol=0)
    np.testing.assert_array_equal(nmf.fit_transform(X), W)
    np.testing.assert_array_equal(nmf.components_, H)
    assert n_iter == 30


def test_registered():
    info = get_method("nmf")
    assert info.cls is NMF and info.family == "decomposition"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert NMF().get_params()["solver"] == "cd"
