"""Closed-form Gaussian and Bernoulli KL: seed 000's formulas and Monte Carlo references."""

import numpy as np
import pytest
from scipy import stats

from latentlearn.divergences import Bernoulli, Gaussian, kl_divergence, kl_to_standard_normal
from latentlearn.exceptions import DataError, ParameterError


def monte_carlo_kl(p_mean, p_cov, q_mean, q_cov, n=400_000, seed=0):
    """E_p[log p - log q] from samples of p, with its standard error."""
    p = stats.multivariate_normal(p_mean, p_cov)
    q = stats.multivariate_normal(q_mean, q_cov)
    x = p.rvs(size=n, random_state=np.random.default_rng(seed))
    terms = p.logpdf(x) - q.logpdf(x)
    return terms.mean(), terms.std() / np.sqrt(n)


def random_spd(rng, d):
    A = rng.normal(size=(d, d))
    return A @ A.T / d + 0.5 * np.eye(d)


def test_seed_000_vae_term():
    mu, s2 = np.array([0.3, -1.2, 2.0]), np.array([0.5, 1.7, 0.2])
    seed_000 = np.sum((mu ** 2 + s2 - np.log(s2) - 1) / 2)   # (mu^2 + s^2 - log s^2 - 1) / 2
    assert kl_to_standard_normal(mu, var=s2) == pytest.approx(seed_000, rel=1e-13)
    assert kl_to_standard_normal(mu, log_var=np.log(s2)) == pytest.approx(seed_000, rel=1e-13)
    assert kl_divergence(Gaussian(mu, var=s2), Gaussian(0.0, var=1.0)) == pytest.approx(
        seed_000, rel=1e-13)


def test_the_vae_term_is_kl_of_the_encoder_against_n01_not_the_reverse():
    mu, s2 = 0.7, 2.5
    forward = kl_divergence(Gaussian(mu, var=s2), Gaussian(0.0, var=1.0))
    reverse = kl_divergence(Gaussian(0.0, var=1.0), Gaussian(mu, var=s2))
    assert forward == pytest.approx((mu ** 2 + s2 - np.log(s2) - 1) / 2)
    assert reverse == pytest.approx((np.log(s2) + (1 + mu ** 2) / s2 - 1) / 2)
    assert forward != pytest.approx(reverse)


def test_diagonal_kl_matches_monte_carlo():
    rng = np.random.default_rng(1)
    m1, m2 = rng.normal(size=3), rng.normal(size=3)
    v1, v2 = rng.uniform(0.3, 2.0, 3), rng.uniform(0.3, 2.0, 3)
    mc, se = monte_carlo_kl(m1, np.diag(v1), m2, np.diag(v2))
    assert kl_divergence(Gaussian(m1, var=v1), Gaussian(m2, var=v2)) == pytest.approx(
        mc, abs=5 * se)


def test_full_covariance_kl_matches_monte_carlo():
    rng = np.random.default_rng(2)
    m1, m2 = rng.normal(size=3), rng.normal(size=3)
    S1, S2 = random_spd(rng, 3), random_spd(rng, 3)
    mc, se = monte_carlo_kl(m1, S1, m2, S2, seed=3)
    assert kl_divergence(Gaussian(m1, cov=S1), Gaussian(m2, cov=S2)) == pytest.approx(
        mc, abs=5 * se)


def test_full_and_diagonal_paths_agree_and_mix():
    rng = np.random.default_rng(4)
    m1, m2 = rng.normal(size=4), rng.normal(size=4)
    v1, v2 = rng.uniform(0.3, 2.0, 4), rng.uniform(0.3, 2.0, 4)
    diag = kl_divergence(Gaussian(m1, var=v1), Gaussian(m2, var=v2))
    assert kl_divergence(Gaussian(m1, cov=np.diag(v1)), Gaussian(m2, cov=np.diag(v2))) == \
        pytest.approx(diag, rel=1e-12)
    assert kl_divergence(Gaussian(m1, var=v1), Gaussian(m2, cov=np.diag(v2))) == \
        pytest.approx(diag, rel=1e-12)


def test_batches_of_gaussians_give_one_kl_each():
    rng = np.random.default_rng(5)
    mean, log_var = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    batch = kl_to_standard_normal(mean, log_var=log_var)
    assert batch.shape == (6,)
    assert batch[2] == pytest.approx(kl_to_standard_normal(mean[2], log_var=log_var[2]))
    covs = np.stack([random_spd(rng, 2) for _ in range(5)])
    full = kl_divergence(Gaussian(np.zeros((5, 2)), cov=covs), Gaussian(np.zeros(2), var=1.0))
    assert full.shape == (5,)
    assert full[3] == pytest.approx(kl_divergence(Gaussian(np.zeros(2), cov=covs[3]),
                                                  Gaussian(np.zeros(2), cov=np.eye(2))))


def test_bernoulli_kl_is_seed_000s_sparsity_penalty():
    rho, rho_hat = 0.05, np.array([0.01, 0.05, 0.2, 0.6])
    seed_000 = np.sum(rho * np.log(rho / rho_hat)
                      + (1 - rho) * np.log((1 - rho) / (1 - rho_hat)))
    assert kl_divergence(Bernoulli(rho), Bernoulli(rho_hat)) == pytest.approx(seed_000,
                                                                               rel=1e-13)
    # The same as the discrete KL of the masses (1 - rho, rho) unit by unit.
    per_unit = [kl_divergence([1 - rho, rho], [1 - r, r]) for r in rho_hat]
    assert kl_divergence(Bernoulli(rho), Bernoulli(rho_hat)) == pytest.approx(sum(per_unit))


@pytest.mark.parametrize("p, q, error, match", [
    (Gaussian(0.0, var=0.0), Gaussian(0.0, var=1.0), DataError, "var of p has an entry <= 0"),
    (Gaussian(np.zeros(2), cov=[[1.0, 2.0], [2.0, 1.0]]), Gaussian(np.zeros(2), var=1.0),
     DataError, "not positive definite"),
    (Gaussian(np.zeros(2), cov=[[1.0, 0.5], [0.0, 1.0]]), Gaussian(np.zeros(2), var=1.0),
     DataError, "not symmetric"),
    (Gaussian(np.zeros(2), var=np.ones(2)), Gaussian(np.zeros(3), var=np.ones(3)), DataError,
     "do not broadcast"),
    (Gaussian(np.zeros(2), cov=np.eye(2)), Gaussian(np.zeros(3), cov=np.eye(3)), DataError,
     "dimension 2"),
    (Bernoulli(1.2), Bernoulli(0.5), DataError, r"\[0, 1\]"),
    (Gaussian([np.nan], var=[1.0]), Gaussian([0.0], var=[1.0]), DataError, "NaN"),
])
def test_bad_distributions_raise_clear_errors(p, q, error, match):
    with pytest.raises(error, match=match):
        kl_divergence(p, q)


def test_a_gaussian_needs_exactly_one_spread():
    with pytest.raises(ParameterError, match="exactly one"):
        Gaussian(0.0)
    with pytest.raises(ParameterError, match="exactly one"):
        Gaussian(0.0, var=1.0, cov=[[1.0]])
    with pytest.raises(ParameterError, match="exactly one"):
        kl_to_standard_normal(np.zeros(2))
