"""Sample-quality metrics against closed forms and brute-force references: the Frechet distance
(Heusel et al. 2017), the kernel distance (Binkowski et al. 2018), improved precision and recall
(Kynkaanniemi et al. 2019) and the MMD of samples (Gretton et al. 2012)."""

import numpy as np
import pytest
import scipy.linalg

from latentlearn.datasets import load_mnist5k
from latentlearn.divergences import mmd2
from latentlearn.exceptions import DataError, ParameterError
from latentlearn.metrics import (PrecisionRecall, frechet_distance, frechet_distance_gaussians,
                                 kernel_distance, precision_recall, sample_mmd2, sample_quality)


def random_covariance(rng, d):
    A = rng.normal(size=(d, d))
    return A @ A.T / d + 0.1 * np.eye(d)


# --------------------------------------------------------------------------- Frechet distance
def test_frechet_gaussians_closed_form_in_one_dimension_and_diagonal():
    # 1-D: W2^2 = (m1 - m2)^2 + (s1 - s2)^2; diagonal: the same summed over dimensions.
    assert frechet_distance_gaussians([1.0], [[4.0]], [-2.0], [[9.0]]) == pytest.approx(
        9.0 + 1.0, rel=1e-12)
    v1, v2 = np.array([1.0, 0.25, 4.0]), np.array([0.5, 2.0, 4.0])
    expected = 1.0 + np.sum((np.sqrt(v1) - np.sqrt(v2)) ** 2)
    assert frechet_distance_gaussians([1, 0, 0], np.diag(v1), [0, 0, 0], np.diag(v2)) == \
        pytest.approx(expected, rel=1e-12)


def test_frechet_gaussians_matches_scipy_sqrtm_for_full_covariances():
    rng = np.random.default_rng(0)
    for d in (2, 5, 20):
        S1, S2 = random_covariance(rng, d), random_covariance(rng, d)
        mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
        covmean = scipy.linalg.sqrtm(S1 @ S2).real
        expected = np.sum((mu1 - mu2) ** 2) + np.trace(S1 + S2 - 2 * covmean)
        assert frechet_distance_gaussians(mu1, S1, mu2, S2) == pytest.approx(expected, rel=1e-9)
    S = random_covariance(rng, 4)
    assert frechet_distance_gaussians(np.ones(4), S, np.ones(4), S) == pytest.approx(0, abs=1e-10)


def test_frechet_distance_of_samples_approaches_the_closed_form():
    rng = np.random.default_rng(1)
    d = 3
    S1, S2 = random_covariance(rng, d), random_covariance(rng, d)
    mu1, mu2 = np.zeros(d), np.array([0.5, -0.5, 1.0])
    exact = frechet_distance_gaussians(mu1, S1, mu2, S2)
    errors = []
    for n in (1_000, 100_000):
        X = rng.multivariate_normal(mu1, S1, size=n)
        Y = rng.multivariate_normal(mu2, S2, size=n)
        errors.append(abs(frechet_distance(X, Y) - exact))
    # Measured: 0.044 at n = 1,000 and 0.00024 at 100,000 (exact = 2.13).
    assert errors[1] < 0.01 * exact
    assert errors[1] < errors[0]


def test_frechet_distance_is_the_closed_form_of_the_sample_moments():
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(300, 6)), rng.normal(size=(200, 6)) @ rng.normal(size=(6, 6))
    expected = frechet_distance_gaussians(X.mean(0), np.cov(X, rowvar=False),
                                          Y.mean(0), np.cov(Y, rowvar=False))
    assert frechet_distance(X, Y) == pytest.approx(expected, rel=1e-12)
    # Images of shape (n, h, w) are rows of h * w values.
    assert frechet_distance(X.reshape(300, 2, 3), Y.reshape(200, 2, 3)) == \
        pytest.approx(expected, rel=1e-12)


def test_frechet_distance_with_a_feature_callable():
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(100, 4)), rng.normal(1.0, size=(100, 4))
    assert frechet_distance(X, Y, features=lambda A: 2 * A[:, :2]) == \
        pytest.approx(4 * frechet_distance(X[:, :2], Y[:, :2]), rel=1e-12)


def test_frechet_distance_needs_more_samples_than_features():
    rng = np.random.default_rng(4)
    with pytest.raises(DataError, match=r"needs at least 11 samples.*fake has 10.*features="):
        frechet_distance(rng.normal(size=(50, 10)), rng.normal(size=(10, 10)))


# --------------------------------------------------------------------------- kernel distance
def direct_unbiased_mmd2(X, Y, kernel):
    """The U-statistic of Gretton et al. (2012, eq. 3), term by term."""
    m, n = len(X), len(Y)
    xx = sum(kernel(X[i], X[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(kernel(Y[i], Y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(kernel(x, y) for x in X for y in Y) / (m * n)
    return xx + yy - 2 * xy


def test_kernel_distance_is_the_unbiased_mmd2_with_the_cubic_kernel():
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(40, 3)), rng.normal(0.3, 1.2, size=(40, 3))
    cubic = lambda x, y: (x @ y / 3 + 1) ** 3  # noqa: E731
    expected = direct_unbiased_mmd2(X, Y, cubic)
    # One subset holding every sample: the estimator on the full sets (order does not matter).
    assert kernel_distance(X, Y, n_subsets=1, subset_size=40) == pytest.approx(expected,
                                                                               rel=1e-10)
    quadratic = lambda x, y: (0.5 * x @ y + 2.0) ** 2  # noqa: E731
    assert kernel_distance(X, Y, degree=2, gamma=0.5, coef0=2.0, n_subsets=1,
                           subset_size=40) == pytest.approx(direct_unbiased_mmd2(X, Y, quadratic),
                                                            rel=1e-10)


def test_kernel_distance_averages_over_subsets_as_the_reference():
    rng = np.random.default_rng(6)
    X, Y = rng.normal(size=(30, 2)), rng.normal(0.5, size=(25, 2))
    cubic = lambda x, y: (x @ y / 2 + 1) ** 3  # noqa: E731
    draws = np.random.RandomState(7)
    values = []
    for _ in range(4):
        values.append(direct_unbiased_mmd2(X[draws.choice(30, 10, replace=False)],
                                           Y[draws.choice(25, 10, replace=False)], cubic))
    assert kernel_distance(X, Y, n_subsets=4, subset_size=10, random_state=7) == \
        pytest.approx(np.mean(values), rel=1e-10)


def test_kernel_distance_is_near_zero_for_one_distribution_and_not_for_two():
    rng = np.random.default_rng(8)
    X, Y, Z = (rng.normal(size=(1000, 5)), rng.normal(size=(1000, 5)),
               rng.normal(0.5, size=(1000, 5)))
    same = kernel_distance(X, Y, n_subsets=10, subset_size=500)
    different = kernel_distance(X, Z, n_subsets=10, subset_size=500)
    assert abs(same) < 0.05 * different


# --------------------------------------------------------------------------- precision, recall
def brute_force_precision_recall(real, fake, k):
    def radius(points, i):
        d = sorted(np.linalg.norm(points[i] - points[j]) for j in range(len(points)) if j != i)
        return d[k - 1]

    def inside(q, points, radii):
        return any(np.linalg.norm(q - p) <= r for p, r in zip(points, radii))

    real_r = [radius(real, i) for i in range(len(real))]
    fake_r = [radius(fake, i) for i in range(len(fake))]
    precision = np.mean([inside(f, real, real_r) for f in fake])
    recall = np.mean([inside(r, fake, fake_r) for r in real])
    return precision, recall


@pytest.mark.parametrize("k", [1, 3, 5])
def test_precision_recall_matches_brute_force(k):
    rng = np.random.default_rng(9)
    real, fake = rng.normal(size=(60, 3)), rng.normal(0.7, 0.6, size=(45, 3))
    got = precision_recall(real, fake, k=k, batch_size=16)
    assert isinstance(got, PrecisionRecall)
    np.testing.assert_allclose(tuple(got), brute_force_precision_recall(real, fake, k))


def test_precision_recall_of_identical_distributions_is_near_one():
    rng = np.random.default_rng(10)
    pr = precision_recall(rng.normal(size=(2000, 2)), rng.normal(size=(2000, 2)), k=3)
    # The k-NN balls miss a little of the support (the known k-NN bias); measured 0.986, 0.982.
    assert 0.9 < pr.precision <= 1 and 0.9 < pr.recall <= 1
    assert abs(pr.precision - pr.recall) < 0.03


def test_fake_inside_part_of_the_real_support_is_precise_but_does_not_recall():
    rng = np.random.default_rng(11)
    real = rng.normal(size=(2000, 2))
    fake = rng.normal(size=(6000, 2))
    fake = fake[fake[:, 0] > 0.5][:2000]  # the right part of the real support only
    pr = precision_recall(real, fake, k=3)
    # Measured: precision 0.977, recall 0.33 (the real mass right of 0.5 is 0.31).
    assert pr.precision > 0.95
    assert pr.recall < 0.5


def test_disjoint_distributions_have_zero_precision_and_recall():
    rng = np.random.default_rng(12)
    pr = precision_recall(rng.normal(size=(500, 2)), rng.normal(20.0, size=(500, 2)))
    assert pr == (0.0, 0.0)


# --------------------------------------------------------------------------- MMD, all at once
def test_sample_mmd2_is_divergences_mmd2():
    rng = np.random.default_rng(13)
    X, Y = rng.normal(size=(300, 4)), rng.normal(0.2, size=(200, 4))
    assert sample_mmd2(X, Y) == pytest.approx(mmd2(X, Y), rel=1e-12)
    assert sample_mmd2(X, Y, kernel="imq", bandwidth=2.0, estimator="biased") == \
        pytest.approx(mmd2(X, Y, kernel="imq", bandwidth=2.0, estimator="biased"), rel=1e-12)
    assert sample_mmd2(X, Y, max_samples=100) != pytest.approx(mmd2(X, Y), rel=1e-3)


def test_sample_quality_is_each_metric_with_the_features_applied_once():
    rng = np.random.default_rng(14)
    X, Y = rng.normal(size=(200, 3)), rng.normal(0.4, size=(150, 3))
    calls = []

    def features(A):
        calls.append(len(A))
        return A * 3.0

    out = sample_quality(X, Y, metrics="fd,kd,precision_recall,mmd", features=features)
    assert calls == [200, 150]
    assert set(out) == {"frechet_distance", "kernel_distance", "precision", "recall", "mmd2"}
    assert out["frechet_distance"] == pytest.approx(frechet_distance(3 * X, 3 * Y), rel=1e-12)
    assert out["kernel_distance"] == pytest.approx(kernel_distance(3 * X, 3 * Y), rel=1e-12)
    assert (out["precision"], out["recall"]) == tuple(precision_recall(3 * X, 3 * Y))
    assert out["mmd2"] == pytest.approx(sample_mmd2(3 * X, 3 * Y), rel=1e-12)
    assert set(sample_quality(X, Y)) == {"frechet_distance", "kernel_distance", "precision",
                                         "recall"}
    assert set(sample_quality(X, Y, metrics=["FID", "kid"])) == {"frechet_distance",
                                                                 "kernel_distance"}


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("score", [frechet_distance, kernel_distance, precision_recall,
                                   sample_mmd2, sample_quality])
def test_bad_input_gets_a_clear_error(score):
    rng = np.random.default_rng(15)
    X = rng.normal(size=(50, 3))
    with pytest.raises(DataError, match="real has 3 features per sample but fake has 4"):
        score(X, rng.normal(size=(50, 4)))
    with pytest.raises(DataError, match="fake has 0 samples"):
        score(X, np.zeros((0, 3)))
    bad = X.copy()
    bad[[3, 7], 1] = np.nan
    with pytest.raises(DataError, match="fake holds NaN or infinite values in 2 of its 50"):
        score(X, bad)
    with pytest.raises(ParameterError, match="unknown features 'inception'.*'mnist'"):
        score(X, X, features="inception")
    with pytest.raises(DataError, match="vector"):
        score(X[:, 0], X[:, 0])


def test_unknown_metric_names_the_choices():
    X = np.random.default_rng(16).normal(size=(20, 2))
    with pytest.raises(ParameterError, match="unknown sample-quality metric 'is'.*fd"):
        sample_quality(X, X, metrics=("fd", "is"))


# --------------------------------------------------------------------------- mnist5k
@pytest.fixture(scope="module")
def mnist_halves():
    X = load_mnist5k().X
    order = np.random.default_rng(0).permutation(len(X))
    noise = np.random.default_rng(1).random((1000, 784), dtype=np.float32)
    return X[order[:1000]], X[order[2500:3500]], noise


@pytest.mark.parametrize("features", ["mnist", None])
def test_two_halves_of_mnist_score_near_zero_and_noise_far_from_it(mnist_halves, features):
    A, B, noise = mnist_halves
    if features == "mnist":  # map once: the scores below then see the same features
        from latentlearn.metrics.feature_network import mnist_features

        A, B, noise = mnist_features(A), mnist_features(B), mnist_features(noise)
    fd_halves, fd_noise = frechet_distance(A, B), frechet_distance(A, noise)
    kd = dict(n_subsets=10, subset_size=500)
    kd_halves, kd_noise = kernel_distance(A, B, **kd), kernel_distance(A, noise, **kd)
    # Measured, 1,000 vs 1,000 (mnist features): FD 0.30 vs 76, KD -0.005 vs 3.4; raw: FD 3.05
    # vs 197, KD 4e-5 vs 0.68. The floor of FD is its small-sample bias, not zero.
    assert fd_halves < 0.02 * fd_noise
    assert abs(kd_halves) < 0.01 * kd_noise


def test_precision_recall_of_mnist_halves_and_noise(mnist_halves):
    A, B, noise = mnist_halves
    halves = precision_recall(A, B, features="mnist")
    assert halves.precision > 0.8 and halves.recall > 0.8
    assert precision_recall(A, noise, features="mnist") == (0.0, 0.0)


# --------------------------------------------------------------------------- device=
torch = pytest.importorskip("torch")
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("k", [1, 3])
def test_precision_recall_on_a_torch_device_is_the_brute_force(device, k):
    rng = np.random.default_rng(9)
    real, fake = rng.normal(size=(60, 3)), rng.normal(0.7, 0.6, size=(45, 3))
    got = precision_recall(real, fake, k=k, batch_size=16, device=device)
    np.testing.assert_allclose(tuple(got), brute_force_precision_recall(real, fake, k))


@pytest.mark.parametrize("device", DEVICES)
def test_scores_on_a_torch_device_equal_numpy(device, mnist_halves):
    A, B, _ = mnist_halves
    kd = dict(n_subsets=4, subset_size=300, random_state=3)
    np.testing.assert_allclose(kernel_distance(A[:400], B[:400], device=device, **kd),
                               kernel_distance(A[:400], B[:400], **kd), rtol=1e-12)
    from latentlearn.metrics.feature_network import mnist_features

    fa, fb = mnist_features(A[:300]), mnist_features(B[:300])
    np.testing.assert_allclose(mnist_features(A[:300], device=device), fa,
                               rtol=1e-5 if device == "cuda" else 0, atol=1e-6)
    numpy_scores = sample_quality(fa, fb, metrics=("fd", "kd", "pr"))
    torch_scores = sample_quality(fa, fb, metrics=("fd", "kd", "pr"), device=device)
    assert set(torch_scores) == set(numpy_scores)
    for name, value in numpy_scores.items():
        np.testing.assert_allclose(torch_scores[name], value, rtol=1e-10, err_msg=name)


def test_a_missing_gpu_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("a GPU is here")
    with pytest.raises(ParameterError, match="no CUDA device is available"):
        precision_recall(np.zeros((5, 2)), np.ones((5, 2)), device="cuda")
