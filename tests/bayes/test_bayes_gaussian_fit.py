"""One Gaussian for a two-mode mixture: KL(q||p) locks onto a mode, KL(p||q) spreads over both."""

import numpy as np
import pytest
from scipy import optimize, stats

from latentlearn.bayes import GaussianMixtureDensity, fit_gaussian
from latentlearn.apps.variational_bayes import bimodal_target
from latentlearn.exceptions import DataError, ParameterError


@pytest.fixture(scope="module")
def target():
    return bimodal_target()


@pytest.fixture(scope="module")
def fits(target):
    mode_a, mode_b = target.means
    near_a = fit_gaussian(target, init_mean=0.3 * mode_a, init_cov=0.5 * np.eye(2))
    near_b = fit_gaussian(target, init_mean=0.3 * mode_b, init_cov=0.5 * np.eye(2))
    spread = fit_gaussian(target, criterion="kl_pq")
    return near_a, near_b, spread


def test_mixture_density_matches_scipy_and_its_gradient_finite_differences():
    covs = [np.array([[0.5, 0.1], [0.1, 0.4]]), np.array([[1.0, -0.3], [-0.3, 0.6]])]
    means = [np.array([-1.0, 0.5]), np.array([1.5, -0.5])]
    target = GaussianMixtureDensity([0.3, 0.7], means, covs)
    x = np.random.default_rng(0).normal(size=(6, 2)) * 2
    expected = np.log(0.3 * stats.multivariate_normal(means[0], covs[0]).pdf(x)
                      + 0.7 * stats.multivariate_normal(means[1], covs[1]).pdf(x))
    np.testing.assert_allclose(target.log_pdf(x), expected, rtol=1e-12)
    numeric = np.array([optimize.approx_fprime(xi, target.log_pdf, 1e-7) for xi in x])
    np.testing.assert_allclose(target.grad_log_pdf(x), numeric, atol=1e-5)


def test_kl_qp_locks_onto_the_mode_on_the_side_it_starts(target, fits):
    near_a, near_b, _ = fits
    mode_a, mode_b = target.means
    assert near_a.converged and near_b.converged
    assert np.linalg.norm(near_a.mean - mode_a) < 0.01
    assert np.linalg.norm(near_b.mean - mode_b) < 0.01
    # Its covariance is (nearly) that mode's, and for two equal, separate modes it pays about
    # KL(N_a || (N_a + N_b)/2) = log 2.
    np.testing.assert_allclose(near_a.cov, target.covariances[0], rtol=0.05, atol=0.01)
    assert near_a.kl == pytest.approx(np.log(2), abs=2e-3)


def test_kl_qp_started_at_the_midpoint_stays_there_at_a_worse_local_minimum(target, fits):
    middle = fit_gaussian(target, init_mean=[0.0, 0.0], init_cov=0.5 * np.eye(2))
    assert np.linalg.norm(middle.mean) < 1e-6
    assert middle.kl > fits[0].kl + 0.5


def test_kl_pq_sits_between_the_modes_and_spreads_over_both(target, fits):
    near_a, _, spread = fits
    mode_a, mode_b = target.means
    midpoint = (mode_a + mode_b) / 2
    assert np.linalg.norm(spread.mean - midpoint) < 1e-12
    # Far from either mode: the mean lies where p has little mass.
    assert np.linalg.norm(spread.mean - mode_a) > 2.5
    axis = (mode_b - mode_a) / np.linalg.norm(mode_b - mode_a)
    ratio = (axis @ spread.cov @ axis) / (axis @ near_a.cov @ axis)
    assert ratio > 10


def test_kl_pq_is_moment_matching_checked_against_samples(target, fits):
    _, _, spread = fits
    rng = np.random.default_rng(0)
    component = rng.choice(2, size=200_000, p=target.weights)
    samples = np.empty((200_000, 2))
    for c in range(2):
        rows = component == c
        samples[rows] = rng.multivariate_normal(target.means[c], target.covariances[c],
                                                size=rows.sum())
    np.testing.assert_allclose(spread.mean, samples.mean(axis=0), atol=0.02)
    np.testing.assert_allclose(spread.cov, np.cov(samples.T), rtol=0.02)


def test_reported_kl_matches_monte_carlo(target, fits):
    near_a, _, spread = fits
    rng = np.random.default_rng(1)
    q = stats.multivariate_normal(near_a.mean, near_a.cov)
    x = q.rvs(size=200_000, random_state=rng)
    terms = q.logpdf(x) - target.log_pdf(x)
    assert near_a.kl == pytest.approx(terms.mean(), abs=4 * terms.std() / np.sqrt(len(x)))
    q = stats.multivariate_normal(spread.mean, spread.cov)
    component = rng.choice(2, size=200_000, p=target.weights)
    x = np.where(component[:, None] == 0,
                 rng.multivariate_normal(target.means[0], target.covariances[0], 200_000),
                 rng.multivariate_normal(target.means[1], target.covariances[1], 200_000))
    terms = target.log_pdf(x) - q.logpdf(x)
    assert spread.kl == pytest.approx(terms.mean(), abs=4 * terms.std() / np.sqrt(len(x)))


def test_a_gaussian_target_is_recovered_exactly_by_both_criteria():
    cov = np.array([[1.0, 0.4], [0.4, 0.5]])
    target = GaussianMixtureDensity([1.0], [[0.3, -0.2]], [cov])
    for criterion in ("kl_qp", "kl_pq"):
        fit = fit_gaussian(target, criterion=criterion, init_mean=[1.0, 1.0],
                           init_cov=np.eye(2))
        np.testing.assert_allclose(fit.mean, [0.3, -0.2], atol=1e-6)
        np.testing.assert_allclose(fit.cov, cov, atol=1e-6)
        assert fit.kl == pytest.approx(0.0, abs=1e-8)


def test_bad_targets_and_options_raise_clear_errors(target):
    with pytest.raises(DataError, match="sum to one"):
        GaussianMixtureDensity([0.5, 0.6], [[0.0], [1.0]], [[[1.0]], [[1.0]]])
    with pytest.raises(DataError, match="positive definite"):
        GaussianMixtureDensity([1.0], [[0.0, 0.0]], [[[1.0, 2.0], [2.0, 1.0]]])
    with pytest.raises(DataError, match="covariances must have shape"):
        GaussianMixtureDensity([1.0], [[0.0, 0.0]], [[[1.0]]])
    with pytest.raises(ParameterError, match="criterion"):
        fit_gaussian(target, criterion="forward")
    with pytest.raises(ParameterError, match="GaussianMixtureDensity"):
        fit_gaussian("not a target")
    with pytest.raises(DataError, match="init_mean"):
        fit_gaussian(target, init_mean=[0.0, 0.0, 0.0])
