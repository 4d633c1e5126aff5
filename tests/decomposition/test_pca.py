"""PCA against scikit-learn's PCA (the reference), and the generative extras against the maths."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA as SkPCA

from latentlearn.decomposition import PCA
from latentlearn.exceptions import NotFittedError, ParameterError
from latentlearn.registry import get_method

SOLVERS = ["covariance_eigh", "full", "randomized"]


@pytest.fixture(scope="module")
def digits():
    return load_digits().data  # (1797, 64), integer pixels 0..16, several constant columns


@pytest.fixture(scope="module")
def spectrum_data():
    """600 x 80 Gaussian data with a slowly decaying spectrum (10 -> 0.1) and a mean of 3."""
    rng = np.random.RandomState(0)
    rotation = np.linalg.qr(rng.standard_normal((80, 80)))[0]
    return rng.standard_normal((600, 80)) @ np.diag(np.geomspace(10, 0.1, 80)) @ rotation + 3.0


def _assert_same_components(ours, theirs, rtol):
    """Rows equal up to sign, to ``rtol`` relative to the largest entry."""
    signs = np.sign(np.sum(ours * theirs, axis=1))
    np.testing.assert_allclose(ours, theirs * signs[:, None], rtol=0,
                               atol=rtol * np.abs(theirs).max())


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("dataset, n_components", [("digits", 20), ("spectrum_data", 15)])
def test_matches_sklearn_full_svd(solver, dataset, n_components, request):
    # The eigenvalues kept are distinct (relative gaps >= 1.8 %), so the components are unique up
    # to sign. The randomized solver is run with enough power iterations to converge; its default
    # accuracy is tested below.
    X = request.getfixturevalue(dataset)
    extra = {"iterated_power": 30} if solver == "randomized" else {}
    ours = PCA(n_components, svd_solver=solver, random_state=0, **extra).fit(X)
    ref = SkPCA(n_components, svd_solver="full").fit(X)
    assert ours.svd_solver_ == solver
    _assert_same_components(ours.components_, ref.components_, 1e-6)
    np.testing.assert_allclose(ours.explained_variance_, ref.explained_variance_, rtol=1e-6)
    np.testing.assert_allclose(ours.explained_variance_ratio_, ref.explained_variance_ratio_,
                               rtol=1e-6)
    np.testing.assert_allclose(ours.singular_values_, ref.singular_values_, rtol=1e-6)
    np.testing.assert_allclose(ours.mean_, ref.mean_, rtol=1e-12)
    np.testing.assert_allclose(ours.noise_variance_, ref.noise_variance_, rtol=1e-6)
    assert ours.n_components_ == n_components and ours.n_samples_ == X.shape[0]


@pytest.mark.parametrize("solver", SOLVERS)
def test_signs_equal_sklearn_exactly_for_the_same_solver(solver, digits):
    # Same sign rule as scikit-learn's svd_flip(u_based_decision=False): no sign freedom left.
    ours = PCA(10, svd_solver=solver, random_state=0).fit(digits)
    ref = SkPCA(10, svd_solver=solver, random_state=0).fit(digits)
    np.testing.assert_allclose(ours.components_, ref.components_, atol=1e-6)


def test_randomized_default_accuracy(digits, spectrum_data):
    # With the default power iterations the leading variances are within 0.1 % of the exact
    # ones on both data sets (documented looser tolerance for the randomized solver).
    for X, k in [(digits, 20), (spectrum_data, 15)]:
        exact = SkPCA(k, svd_solver="full").fit(X).explained_variance_
        for seed in range(3):
            approx = PCA(k, svd_solver="randomized", random_state=seed).fit(X)
            np.testing.assert_allclose(approx.explained_variance_, exact, rtol=1e-3)
            assert np.all(approx.explained_variance_ <= exact * (1 + 1e-9))  # Ritz values


def test_variance_definitions(spectrum_data):
    X = spectrum_data
    pca = PCA().fit(X)
    Z = pca.transform(X)
    # explained_variance_ is the variance of the codes, with 1/(n-1)
    np.testing.assert_allclose(Z.var(axis=0, ddof=1), pca.explained_variance_, rtol=1e-10)
    np.testing.assert_allclose(pca.explained_variance_ratio_.sum(), 1.0, rtol=1e-12)
    np.testing.assert_allclose(pca.singular_values_ ** 2 / (X.shape[0] - 1),
                               pca.explained_variance_, rtol=1e-12)
    # rows orthonormal
    np.testing.assert_allclose(pca.components_ @ pca.components_.T, np.eye(80), atol=1e-12)
    assert pca.n_components_ == 80 and pca.noise_variance_ == 0.0
    # noise variance = mean of the discarded eigenvalues
    k10 = PCA(10).fit(X)
    np.testing.assert_allclose(k10.noise_variance_, pca.explained_variance_[10:].mean(),
                               rtol=1e-10)


@pytest.mark.parametrize("fraction", [0.5, 0.8, 0.9, 0.95, 0.99, 0.999])
def test_fraction_picks_same_k_as_sklearn(fraction, digits):
    for solver in ["auto", "full", "covariance_eigh"]:
        ours = PCA(fraction, svd_solver=solver).fit(digits)
        ref = SkPCA(fraction, svd_solver="full").fit(digits)
        assert ours.n_components_ == ref.n_components_
        cumulative = np.cumsum(PCA().fit(digits).explained_variance_ratio_)
        # the smallest k whose cumulative ratio reaches the fraction
        assert cumulative[ours.n_components_ - 1] >= fraction
        assert ours.n_components_ == 1 or cumulative[ours.n_components_ - 2] < fraction


@pytest.mark.parametrize("solver", SOLVERS)
def test_whiten_matches_sklearn(solver, spectrum_data):
    X = spectrum_data
    ours = PCA(10, whiten=True, svd_solver=solver, random_state=0).fit(X)
    ref = SkPCA(10, whiten=True, svd_solver=solver, random_state=0).fit(X)
    Z, Z_ref = ours.transform(X), ref.transform(X)
    signs = np.sign(np.sum(Z * Z_ref, axis=0))
    np.testing.assert_allclose(Z, Z_ref * signs, atol=1e-6 * np.abs(Z_ref).max())
    # unit-variance codes (the randomized solver's variances are Ritz values of an approximate
    # subspace, a hair below the codes' variances)
    np.testing.assert_allclose(Z.var(axis=0, ddof=1), 1.0,
                               rtol=1e-4 if solver == "randomized" else 1e-10)
    np.testing.assert_allclose(ours.inverse_transform(Z), ref.inverse_transform(Z_ref),
                               atol=1e-6 * np.abs(X).max())


def test_inverse_transform_reconstruction(digits):
    full = PCA().fit(digits)
    np.testing.assert_allclose(full.inverse_transform(full.transform(digits)), digits,
                               atol=1e-10)
    pca = PCA(12).fit(digits)
    X_rec = pca.inverse_transform(pca.transform(digits))
    # the rank-k reconstruction is the orthogonal projection onto mean + span(W)
    W = pca.components_
    projection = (digits - pca.mean_) @ W.T @ W + pca.mean_
    np.testing.assert_allclose(X_rec, projection, atol=1e-10)
    ref = SkPCA(12).fit(digits)
    np.testing.assert_allclose(X_rec, ref.inverse_transform(ref.transform(digits)), atol=1e-8)
    # mean squared residual per sample = sum of the discarded variances * (n-1)/n
    residual = np.sum((digits - X_rec) ** 2) / (digits.shape[0] - 1)
    np.testing.assert_allclose(residual, full.explained_variance_[12:].sum(), rtol=1e-8)


def test_deterministic_signs(spectrum_data):
    X = spectrum_data
    for solver in SOLVERS:
        pca = PCA(8, svd_solver=solver, random_state=0).fit(X)
        C = pca.components_
        largest = C[np.arange(8), np.argmax(np.abs(C), axis=1)]
        assert np.all(largest > 0)
        # the same directions whatever the data's sign or row order
        flipped = PCA(8, svd_solver=solver, random_state=0).fit(-X[::-1])
        np.testing.assert_allclose(flipped.components_, C, atol=1e-8)


def test_score_samples_matches_sklearn(spectrum_data):
    X = spectrum_data
    for k in (5, 30):
        ours, ref = PCA(k, svd_solver="full").fit(X), SkPCA(k, svd_solver="full").fit(X)
        np.testing.assert_allclose(ours.score_samples(X), ref.score_samples(X), rtol=1e-9)
        np.testing.assert_allclose(ours.score(X), ref.score(X), rtol=1e-9)
        np.testing.assert_allclose(ours.get_covariance(), ref.get_covariance(), atol=1e-9)
        np.testing.assert_allclose(ours.get_precision() @ ours.get_covariance(), np.eye(80),
                                   atol=1e-8)


def test_score_samples_full_rank_is_gaussian_log_density(spectrum_data):
    from scipy.stats import multivariate_normal

    X = spectrum_data
    pca = PCA().fit(X)
    cov = np.cov(X, rowvar=False)
    expected = multivariate_normal(mean=X.mean(axis=0), cov=cov).logpdf(X[:50])
    np.testing.assert_allclose(pca.score_samples(X[:50]), expected, rtol=1e-8)


def test_sample_codes_follow_the_fitted_gaussian(digits):
    pca = PCA(6).fit(digits)
    n = 20_000
    X_new = pca.sample(n, random_state=0)
    assert X_new.shape == (n, 64)
    Z = pca.transform(X_new)
    # the codes' covariance is diag(explained_variance_): variances within 5 standard errors
    # (relative SE of a variance estimate is sqrt(2/n) = 1 %), correlations below 5/sqrt(n)
    np.testing.assert_allclose(Z.var(axis=0, ddof=1), pca.explained_variance_,
                               rtol=5 * np.sqrt(2 / n))
    corr = np.corrcoef(Z, rowvar=False)
    assert np.abs(corr - np.eye(6)).max() < 5 / np.sqrt(n)
    np.testing.assert_allclose(X_new.mean(axis=0), pca.mean_,
                               atol=5 * np.sqrt(pca.explained_variance_[0] / n))
    # without noise the samples lie on the principal affine subspace (mean included)
    np.testing.assert_allclose(pca.inverse_transform(Z), X_new, atol=1e-10)


def test_sample_with_noise_and_seeds(digits):
    pca = PCA(6).fit(digits)
    X_new = pca.sample(20_000, random_state=1, noise=True)
    residual = X_new - pca.inverse_transform(pca.transform(X_new))
    # isotropic noise of variance sigma^2 in the d - k discarded directions
    np.testing.assert_allclose(np.sum(residual**2) / (20_000 * (64 - 6)), pca.noise_variance_,
                               rtol=0.02)
    np.testing.assert_array_equal(pca.sample(5, random_state=3), pca.sample(5, random_state=3))
    seeded = PCA(6, random_state=7).fit(digits)
    np.testing.assert_array_equal(seeded.sample(4), seeded.sample(4))  # estimator's seed
    with pytest.raises(ParameterError, match="n_samples"):
        pca.sample(0)


def test_interpolate(digits):
    pca = PCA(10).fit(digits)
    x1, x2 = digits[0], digits[1]
    path = pca.interpolate(x1, x2, steps=5)
    assert path.shape == (5, 64)
    recon = pca.inverse_transform(pca.transform(digits[:2]))
    np.testing.assert_allclose(path[0], recon[0], atol=1e-10)
    np.testing.assert_allclose(path[-1], recon[1], atol=1e-10)
    # the midpoint decodes mean + W (z1 + z2) / 2 -- the seed's 1/2 W (z1 + z2) omits the mean
    z1, z2 = pca.transform(digits[:2])
    np.testing.assert_allclose(path[2], pca.mean_ + 0.5 * (z1 + z2) @ pca.components_,
                               atol=1e-10)
    assert np.abs(path[2] - 0.5 * (z1 + z2) @ pca.components_).max() > 1.0
    # batches: (n_pairs, steps, d), row i interpolates x1[i] -> x2[i]
    batch = pca.interpolate(digits[:3], digits[3:6], steps=4)
    assert batch.shape == (3, 4, 64)
    np.testing.assert_allclose(batch[1], pca.interpolate(digits[1], digits[4], steps=4))
    # whitening changes the codes, not the decoded path
    white = PCA(10, whiten=True).fit(digits)
    np.testing.assert_allclose(white.interpolate(x1, x2, steps=5), path, atol=1e-8)
    with pytest.raises(ParameterError, match="steps"):
        pca.interpolate(x1, x2, steps=1)
    with pytest.raises(ValueError, match="same shape"):
        pca.interpolate(x1, digits[:2])


def test_float32_stays_float32(digits):
    X32 = digits.astype(np.float32)
    for solver in SOLVERS:
        pca = PCA(10, svd_solver=solver, random_state=0).fit(X32)
        assert pca.components_.dtype == np.float32
        assert pca.transform(X32).dtype == np.float32
        ref = PCA(10, svd_solver=solver, random_state=0).fit(digits)
        np.testing.assert_allclose(pca.explained_variance_, ref.explained_variance_, rtol=1e-4)


def test_covariance_solver_survives_a_large_mean():
    # float32 data far from the origin: the covariance is formed from centred blocks, so no
    # digits are lost to X^T X - n mu mu^T (scikit-learn's covariance_eigh is off by 20-130 %
    # on these data).
    rng = np.random.RandomState(0)
    X = (rng.standard_normal((5000, 20)) * np.geomspace(3, 0.3, 20) + 1e3).astype(np.float32)
    exact = SkPCA(5, svd_solver="full").fit(X.astype(np.float64)).explained_variance_
    ours = PCA(5, svd_solver="covariance_eigh").fit(X)
    np.testing.assert_allclose(ours.explained_variance_, exact, rtol=1e-5)


def test_auto_solver_rule():
    rng = np.random.RandomState(0)
    cases = [
        ((2000, 50), 5, "covariance_eigh"),  # n >= 10 d and d <= 1000
        ((700, 600), 20, "randomized"),  # min(n, d) > 500 and k < 0.8 min(n, d)
        ((700, 600), 500, "full"),  # k too large for a truncated solver
        ((700, 600), None, "full"),
        ((300, 100), 5, "full"),  # small
        ((2000, 50), 0.9, "covariance_eigh"),
        ((700, 600), 0.9, "full"),  # a fraction needs the whole spectrum
    ]
    for shape, k, expected in cases:
        X = rng.standard_normal(shape)
        assert PCA(k).fit(X).svd_solver_ == expected, (shape, k)


def test_errors():
    X = np.random.RandomState(0).standard_normal((5, 3))
    with pytest.raises(ParameterError, match=r"n_components=4 is larger than .* = 3.*lower"):
        PCA(4).fit(X)
    with pytest.raises(ParameterError, match="n_components=0"):
        PCA(0).fit(X)
    with pytest.raises(ParameterError, match="n_components=1.5"):
        PCA(1.5).fit(X)
    with pytest.raises(ParameterError, match="svd_solver='arpack'"):
        PCA(2, svd_solver="arpack").fit(X)
    with pytest.raises(ParameterError, match="whiten"):
        PCA(2, whiten="yes").fit(X)
    with pytest.raises(ParameterError, match="randomized"):
        PCA(0.9, svd_solver="randomized").fit(X)
    with pytest.raises(ValueError, match="n_samples = 1"):
        PCA(1).fit(X[:1])
    with pytest.raises(NotFittedError):
        PCA(2).transform(X)
    pca = PCA(2).fit(X)
    with pytest.raises(ValueError, match="features"):
        pca.transform(X[:, :2])
    with pytest.raises(ValueError, match=r"\(n_samples, 2\)"):
        pca.inverse_transform(np.zeros((3, 3)))


def test_registered():
    info = get_method("pca")
    assert info.cls is PCA and info.family == "decomposition"
    assert PCA().get_params() == {"n_components": None, "whiten": False, "svd_solver": "auto",
                                  "iterated_power": "auto", "n_oversamples": 10,
                                  "random_state": None, "n_jobs": None}
    pca = PCA(3).fit(np.random.RandomState(0).standard_normal((20, 5)))
    assert list(pca.get_feature_names_out()) == ["pca0", "pca1", "pca2"]
