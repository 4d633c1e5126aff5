"""Variational Bayesian linear regression: a bound that never decreases and is right (Monte
Carlo), agreement with BayesianRidge on the diabetes data, and the scikit-learn contract."""

import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.base import clone
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import BayesianRidge

from latentlearn.bayes import VariationalBayesLinearRegression
from latentlearn.exceptions import ParameterError
from latentlearn.registry import get_method


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


def synthetic(n=60, M=3, noise=0.5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, M))
    return X, X @ rng.normal(size=M) + noise * rng.normal(size=n)


@pytest.mark.parametrize("case", ["diabetes", "synthetic", "known_noise", "more_features"])
def test_lower_bound_never_decreases(case, diabetes):
    if case == "diabetes":
        X, y, params = *diabetes, {}
    elif case == "synthetic":
        X, y, params = *synthetic(), {}
    elif case == "known_noise":
        X, y, params = *synthetic(), {"noise_precision": 4.0}
    else:
        X, y, params = *synthetic(n=15, M=30, seed=3), {"max_iter": 300}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)   # M > n may not settle
        model = VariationalBayesLinearRegression(**params).fit(X, y)
    bounds = model.lower_bounds_
    assert bounds.shape == (model.n_iter_,) and model.n_iter_ >= 3
    assert np.all(np.diff(bounds) >= -1e-9 * np.abs(bounds[1:]))
    assert model.lower_bound_ == bounds[-1]


def test_lower_bound_equals_its_monte_carlo_definition():
    # L(q) = E_q[log p(y, w, alpha, beta) - log q(w) q(alpha) q(beta)], sampled from q.
    X, y = synthetic(n=40, M=3, seed=1)
    model = VariationalBayesLinearRegression(fit_intercept=False, a0=0.1, b0=0.2, c0=0.3,
                                             d0=0.4).fit(X, y)
    rng = np.random.default_rng(0)
    S = 100_000
    q_w = stats.multivariate_normal(model.coef_, model.sigma_)
    q_alpha = stats.gamma(model.alpha_shape_, scale=1 / model.alpha_rate_)
    q_beta = stats.gamma(model.beta_shape_, scale=1 / model.beta_rate_)
    w, alpha, beta = (q_w.rvs(S, random_state=rng), q_alpha.rvs(S, random_state=rng),
                      q_beta.rvs(S, random_state=rng))
    resid = ((y[None, :] - w @ X.T) ** 2).sum(axis=1)
    log_lik = 0.5 * 40 * (np.log(beta) - np.log(2 * np.pi)) - 0.5 * beta * resid
    log_prior_w = 0.5 * 3 * (np.log(alpha) - np.log(2 * np.pi)) - 0.5 * alpha * (w ** 2).sum(1)
    log_prior = (stats.gamma(0.1, scale=1 / 0.2).logpdf(alpha)
                 + stats.gamma(0.3, scale=1 / 0.4).logpdf(beta))
    log_q = q_w.logpdf(w) + q_alpha.logpdf(alpha) + q_beta.logpdf(beta)
    terms = log_lik + log_prior_w + log_prior - log_q
    assert model.lower_bound_ == pytest.approx(terms.mean(), abs=4 * terms.std() / np.sqrt(S))


def test_predictions_match_bayesian_ridge_on_diabetes(diabetes):
    """Close, not equal. The two share a fixed point: VB's E[alpha] = (2 a0 + M) /
    (2 b0 + m^T m + tr S) rearranges into BayesianRidge's (gamma + 2 a0) / (m^T m + 2 b0)
    because alpha tr S = M - gamma (likewise for beta). What is left is each iteration's
    distance from that point at its stopping rule: about 1e-9 of the spread of y here."""
    X, y = diabetes
    ours = VariationalBayesLinearRegression().fit(X, y)
    ridge = BayesianRidge().fit(X, y)
    mean, std = ours.predict(X, return_std=True)
    ridge_mean, ridge_std = ridge.predict(X, return_std=True)
    assert np.max(np.abs(mean - ridge_mean)) < 1e-6 * np.std(y)
    np.testing.assert_allclose(std, ridge_std, rtol=1e-6)
    assert ours.alpha_ == pytest.approx(ridge.lambda_, rel=1e-5)   # weights' precision
    assert ours.beta_ == pytest.approx(ridge.alpha_, rel=1e-5)     # noise precision
    assert ours.score(X, y) == pytest.approx(ridge.score(X, y), abs=1e-8)
    assert ours.score(X, y) > 0.5


def test_known_noise_precision_satisfies_the_evidence_fixed_point():
    X, y = synthetic(n=80, M=4, seed=2)
    model = VariationalBayesLinearRegression(noise_precision=4.0, fit_intercept=False).fit(X, y)
    assert model.beta_ == 4.0 and model.beta_shape_ is None
    eig = np.linalg.eigvalsh(X.T @ X)
    gamma = np.sum(4.0 * eig / (model.alpha_ + 4.0 * eig))
    assert model.alpha_ == pytest.approx((gamma + 2e-6) / (model.coef_ @ model.coef_ + 2e-6),
                                         rel=1e-8)
    S = np.linalg.inv(model.alpha_ * np.eye(4) + 4.0 * X.T @ X)
    np.testing.assert_allclose(model.sigma_, S, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(model.coef_, 4.0 * S @ X.T @ y, rtol=1e-8)


def test_more_features_than_samples_keeps_the_prior_on_the_unseen_directions():
    X, y = synthetic(n=6, M=10, seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = VariationalBayesLinearRegression(fit_intercept=False, max_iter=50).fit(X, y)
    S = np.linalg.inv(model.alpha_ * np.eye(10) + model.beta_ * X.T @ X)
    np.testing.assert_allclose(model.sigma_, S, rtol=1e-7, atol=1e-12)


def test_estimator_contract(diabetes):
    X, y = diabetes
    assert get_method("vb_linear_regression").cls is VariationalBayesLinearRegression
    model = VariationalBayesLinearRegression(max_iter=50)
    assert clone(model).get_params() == model.get_params()
    with pytest.raises(NotFittedError):
        model.predict(X)
    with pytest.raises(ParameterError, match="a0=0"):
        VariationalBayesLinearRegression(a0=0).fit(X, y)
    with pytest.raises(ParameterError, match="noise_precision"):
        VariationalBayesLinearRegression(noise_precision=-1.0).fit(X, y)
    seen = []
    VariationalBayesLinearRegression().fit(X, y, callback=lambda i, b: seen.append(b) or i == 3)
    assert len(seen) == 3
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        VariationalBayesLinearRegression(max_iter=2).fit(X, y)


def test_save_and_load_round_trip(diabetes, tmp_path):
    from latentlearn.persistence import load_estimator, save_estimator

    X, y = diabetes
    model = VariationalBayesLinearRegression().fit(X, y)
    save_estimator(model, tmp_path / "model")
    loaded = load_estimator(tmp_path / "model")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.lower_bounds_, model.lower_bounds_)


