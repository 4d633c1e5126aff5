"""Factorised Gaussians by KL(q||p) and KL(p||q): seed 004's numbers, and a numerical reference."""

import math

import numpy as np
import pytest
from scipy import optimize

from latentlearn.bayes import factorized_gaussian
from latentlearn.divergences import Gaussian, kl_divergence
from latentlearn.exceptions import DataError, ParameterError

MU = np.array([0.0, 1.0])
SIGMA = np.array([[1.0, 0.9], [0.9, 1.0]])


def test_seed_004_mean_field_variances_0_19_means_mu_and_iteration_count():
    q = factorized_gaussian(MU, SIGMA, criterion="kl_qp", tol=1e-10)
    np.testing.assert_allclose(q.variances, [0.19, 0.19], atol=1e-6)
    np.testing.assert_allclose(q.means, MU, atol=1e-6)
    assert q.converged
    # From m = (0, 0): sweep 1 moves m1 by 0.9; from sweep k >= 2 on, the largest move is
    # m1's, 0.9 * 0.19 * 0.81^(k-2) (each sweep multiplies the error by rho^2 = 0.81).
    expected = 2 + math.ceil(math.log(1e-10 / (0.9 * 0.19)) / math.log(0.81))
    assert q.n_iter == expected == 103
    assert q.kl == pytest.approx(-0.5 * np.log(1 - 0.9 ** 2), rel=1e-9)
    assert np.all(np.diff(q.kl_history) <= 1e-15)   # coordinate descent never increases KL


def test_seed_004_expectation_propagation_gives_the_marginals():
    q = factorized_gaussian(MU, SIGMA, criterion="kl_pq")
    np.testing.assert_allclose(q.variances, [1.0, 1.0], atol=1e-6)
    np.testing.assert_allclose(q.means, MU, atol=1e-6)
    assert q.n_iter == 2 and q.converged          # one sweep to move, one to confirm
    # KL(p || prod of marginals) = -1/2 log det(correlation matrix) = -1/2 log(0.19).
    assert q.kl == pytest.approx(-0.5 * np.log(0.19), rel=1e-9)


def test_in_higher_dimension_the_variances_are_inverse_precisions_and_marginals():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4))
    cov, mean = A @ A.T + 0.5 * np.eye(4), rng.normal(size=4)
    vb = factorized_gaussian(mean, cov, criterion="kl_qp", init=rng.normal(size=4))
    ep = factorized_gaussian(mean, cov, criterion="kl_pq")
    np.testing.assert_allclose(vb.variances, 1 / np.diag(np.linalg.inv(cov)), rtol=1e-12)
    np.testing.assert_allclose(vb.means, mean, atol=1e-8)
    np.testing.assert_allclose(ep.variances, np.diag(cov), rtol=1e-12)
    assert np.all(vb.variances <= ep.variances)   # KL(q||p) is the more compact


def test_mean_field_solution_is_the_numerical_minimiser_of_kl_qp():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(3, 3))
    cov, mean = A @ A.T + 0.3 * np.eye(3), rng.normal(size=3)

    def kl_qp(theta):   # KL(q || p) over all factorised Gaussians (means, log variances)
        return kl_divergence(Gaussian(theta[:3], log_var=theta[3:]), Gaussian(mean, cov=cov))

    best = optimize.minimize(kl_qp, np.zeros(6), method="BFGS", options={"gtol": 1e-10})
    q = factorized_gaussian(mean, cov)
    np.testing.assert_allclose(q.means, best.x[:3], atol=1e-5)
    np.testing.assert_allclose(q.variances, np.exp(best.x[3:]), rtol=1e-5)
    assert q.kl == pytest.approx(best.fun, abs=1e-9)


def test_bad_targets_and_options_raise_clear_errors():
    with pytest.raises(ParameterError, match="criterion"):
        factorized_gaussian(MU, SIGMA, criterion="reverse")
    with pytest.raises(DataError, match="positive definite"):
        factorized_gaussian(MU, [[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(DataError, match="symmetric"):
        factorized_gaussian(MU, [[1.0, 0.5], [0.1, 1.0]])
    with pytest.raises(DataError, match="shape"):
        factorized_gaussian(MU, np.eye(3))
    with pytest.raises(DataError, match="init"):
        factorized_gaussian(MU, SIGMA, init=[0.0])
    with pytest.raises(ParameterError, match="tol"):
        factorized_gaussian(MU, SIGMA, tol=0)
    not_converged = factorized_gaussian(MU, SIGMA, max_iter=5)
    assert not not_converged.converged and not_converged.n_iter == 5
