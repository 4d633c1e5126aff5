"""beta-TCVAE (Chen et al. 2018): the KL decomposition, its MWS / MSS estimators, the estimator.

References: the decomposition is exact per batch (the log q estimates telescope); the TC of a
Gaussian aggregate posterior has the closed form -1/2 log det(correlation); the importance
weights are unbiased for q(z) = 1/N sum_n q(z|n) over random batches; a plain loop from the
paper's formulas (scipy) checks the vectorised estimates.
"""

import numpy as np
import pytest
import torch
from scipy.special import logsumexp
from scipy.stats import norm
from sklearn.base import clone

import latentlearn
from latentlearn.exceptions import ParameterError
from latentlearn.neural.estimators import BetaTCVAE
from latentlearn.neural.models import build_model
from latentlearn.neural.models.beta_tcvae import (BetaTCVAEConfig, kl_decomposition,
                                                  log_importance_weights)
from latentlearn.registry import get_method

RNG = np.random.default_rng(3)
X = (RNG.random((160, 16)) > 0.6).astype(np.float32)
SMALL = dict(hidden_dims=(12,), epochs=2, batch_size=32, device="cpu", random_state=0)


def _posteriors(batch, dim, seed, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    mu = torch.randn(batch, dim, generator=g, dtype=dtype)
    log_var = 0.5 * torch.randn(batch, dim, generator=g, dtype=dtype) - 1.0
    z = mu + torch.exp(0.5 * log_var) * torch.randn(batch, dim, generator=g, dtype=dtype)
    return z, mu, log_var


@pytest.mark.parametrize("estimator", ["mws", "mss"])
def test_the_three_terms_sum_to_the_monte_carlo_kl(estimator):
    z, mu, log_var = _posteriors(50, 4, seed=0, dtype=torch.float32)
    parts = kl_decomposition(z, mu, log_var, dataset_size=1000, estimator=estimator)
    zn, mn, sn = z.numpy().astype(float), mu.numpy().astype(float), np.exp(0.5 * log_var.numpy())
    mc_kl = np.mean(norm.logpdf(zn, mn, sn).sum(1) - norm.logpdf(zn).sum(1))
    total = float(parts["mi"] + parts["tc"] + parts["dwkl"])
    assert abs(total - mc_kl) < 1e-5
    assert abs(float(parts["kl"]) - mc_kl) < 1e-5


@pytest.mark.parametrize("estimator", ["mws", "mss"])
def test_estimates_match_a_loop_over_the_papers_formulas(estimator):
    M, D, N = 7, 3, 40
    z, mu, log_var = _posteriors(M, D, seed=1)
    parts = kl_decomposition(z, mu, log_var, dataset_size=N, estimator=estimator)
    z, mu, sd = z.numpy(), mu.numpy(), np.exp(0.5 * log_var.numpy())
    m = M - 1
    mi = tc = dwkl = 0.0
    for i in range(M):
        w = np.empty(M)
        for k in range(M):
            if k == i:
                w[k] = 1 / N
            elif estimator == "mws":
                w[k] = (N - 1) / (N * (M - 1))
            else:
                w[k] = (N - m) / (N * m) if k == (i + 1) % M else 1 / m
        per_dim = norm.logpdf(z[i], mu, sd)                          # (M, D) over k
        log_qz = logsumexp(per_dim.sum(1), b=w)
        log_marg = sum(logsumexp(per_dim[:, j], b=w) for j in range(D))
        log_cond = norm.logpdf(z[i], mu[i], sd[i]).sum()
        log_p = norm.logpdf(z[i]).sum()
        mi += (log_cond - log_qz) / M
        tc += (log_qz - log_marg) / M
        dwkl += (log_marg - log_p) / M
    np.testing.assert_allclose([float(parts[k]) for k in ("mi", "tc", "dwkl")], [mi, tc, dwkl],
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("estimator", ["mws", "mss"])
def test_importance_weights_are_unbiased_for_the_aggregate_posterior(estimator):
    # A pool of N posteriors q(z|n); batches of M drawn without replacement, input i at its
    # place in the batch. E_batches sum_k w_ik q(z|x_k) must be q(z) = 1/N sum_n q(z|n).
    N, M, D, T = 12, 5, 2, 40_000
    rng = np.random.default_rng(0)
    mu, sd = rng.normal(size=(N, D)), np.exp(rng.normal(scale=0.3, size=(N, D)) - 0.5)
    z = mu[0] + sd[0] * rng.normal(size=D)                           # a draw from q(z | n=0)
    q = np.exp(norm.logpdf(z, mu, sd).sum(1))                        # (N,)
    exact = q.mean()
    w = np.exp(log_importance_weights(M, N, estimator, dtype=torch.float64).numpy())
    others = np.argsort(rng.random((T, N - 1)), axis=1)[:, :M - 1] + 1   # (T, M-1) from 1..N-1
    for i in range(M):   # input 0 at place i of the batch
        batch = np.insert(others, i, 0, axis=1)                      # (T, M)
        estimate = (w[i] * q[batch]).sum(1)
        se = estimate.std() / np.sqrt(T)
        assert abs(estimate.mean() - exact) < 4 * se + 1e-12, (i, estimate.mean(), exact)


def test_mws_and_mss_agree_in_expectation():
    # Same pool, many random batches: the mean TC of the two estimators agrees (they differ
    # only in how the other inputs of a batch share the weight (N - 1) / N).
    N, M, D, T = 60, 12, 3, 400
    g = torch.Generator().manual_seed(5)
    mu = torch.randn(N, D, generator=g, dtype=torch.float64) @ torch.tensor(
        [[1.0, 0.7, 0.0], [0.0, 0.7, 0.3], [0.0, 0.0, 0.9]], dtype=torch.float64)
    log_var = torch.full((N, D), -2.0, dtype=torch.float64)
    tcs = {"mws": [], "mss": []}
    for _ in range(T):
        idx = torch.randperm(N, generator=g)[:M]
        m, lv = mu[idx], log_var[idx]
        z = m + torch.exp(0.5 * lv) * torch.randn(M, D, generator=g, dtype=torch.float64)
        for est in tcs:
            tcs[est].append(float(kl_decomposition(z, m, lv, N, est)["tc"]))
    diff = np.array(tcs["mws"]) - np.array(tcs["mss"])
    assert abs(diff.mean()) < 4 * diff.std() / np.sqrt(T)
    assert abs(diff.mean()) < 0.003   # measured 0.0002


@pytest.mark.parametrize("estimator", ["mws", "mss"])
def test_tc_of_a_gaussian_aggregate_posterior_approaches_its_closed_form(estimator):
    # q(z|n) = N(u_n, s^2 I) around draws u_n ~ N(0, C): q(z) = N(0, C + s^2 I), whose TC is
    # -1/2 log det of its correlation matrix. N is large (an effectively infinite pool).
    C = np.array([[1.0, 0.8, 0.3], [0.8, 1.0, 0.5], [0.3, 0.5, 1.0]])
    s = 0.3
    A = C + s ** 2 * np.eye(3)
    d = np.sqrt(np.diag(A))
    closed = -0.5 * np.log(np.linalg.det(A / np.outer(d, d)))       # 0.510
    L = torch.as_tensor(np.linalg.cholesky(C))
    g = torch.Generator().manual_seed(0)
    errors = []
    for M in (32, 256, 2048):
        vals = []
        for _ in range(6):
            mu = torch.randn(M, 3, generator=g, dtype=torch.float64) @ L.T
            log_var = torch.full_like(mu, 2 * np.log(s))
            z = mu + s * torch.randn(M, 3, generator=g, dtype=torch.float64)
            vals.append(float(kl_decomposition(z, mu, log_var, 10 ** 6, estimator)["tc"]))
        errors.append(abs(np.mean(vals) - closed))
    # measured: 1.01, 0.15, 0.021
    assert errors[0] > errors[1] > errors[2]
    assert errors[1] < 0.25 and errors[2] < 0.05


def test_weights_rows_sum_to_one_and_bad_sizes_are_refused():
    for est in ("mws", "mss"):
        for M, N in ((2, 2), (5, 7), (32, 1000)):
            w = log_importance_weights(M, N, est, dtype=torch.float64)
            np.testing.assert_allclose(torch.logsumexp(w, 1).numpy(), 0.0, atol=1e-12)
    assert log_importance_weights(1, 10).shape == (1, 1)
    with pytest.raises(ParameterError, match="dataset_size=3 is smaller"):
        log_importance_weights(5, 3)
    with pytest.raises(ParameterError, match="'mws' or 'mss'"):
        log_importance_weights(5, 30, "exact")


def test_training_step_loss_weights_the_three_terms():
    torch.manual_seed(0)
    model = build_model("beta_tcvae", {"n_features": 16, "latent_dim": 3, "hidden": [8],
                                       "dataset_size": 160, "alpha": 0.5, "gamma": 2.0})
    assert model.loss_weights == {"alpha": 0.5, "beta": 6.0, "gamma": 2.0}
    model.loss_weights["beta"] = 3.0          # what a schedule would do
    out = model.training_step(torch.as_tensor(X[:32]))
    t = out.terms
    expected = t["reconstruction"] + 0.5 * t["mi"] + 3.0 * t["tc"] + 2.0 * t["dwkl"]
    assert abs(float(out.loss.detach()) - float(expected)) < 1e-4
    assert set(t) == {"reconstruction", "kl", "mi", "tc", "dwkl"}
    out.loss.backward()
    assert all(p.grad is not None for p in model.encoder.parameters())


def test_model_refuses_a_missing_dataset_size():
    with pytest.raises(ParameterError, match="dataset_size=0"):
        build_model("beta_tcvae", {"n_features": 4, "latent_dim": 2, "hidden": [4]})


@pytest.fixture(scope="module")
def fitted():
    return BetaTCVAE(3, **SMALL).fit(X)


def test_estimator_fits_logs_terms_and_takes_n_from_the_data(fitted):
    assert get_method("beta_tcvae").family == "neural"
    assert fitted.beta == 6.0 and fitted.model_.config.beta == 6.0
    assert fitted.model_.config.dataset_size == 160
    assert {"mi", "tc", "dwkl", "kl", "reconstruction"} <= set(fitted.history_[-1])
    assert fitted.transform(X).shape == (160, 3)
    assert clone(fitted).get_params() == fitted.get_params()
    held_out = BetaTCVAE(3, **{**SMALL, "epochs": 1}, validation_fraction=0.25,
                         tc_estimator="mss").fit(X)
    assert held_out.model_.config.dataset_size == 120
    assert held_out.model_.config.estimator == "mss"
    loader = torch.utils.data.DataLoader(torch.as_tensor(X[:100]), batch_size=25)
    assert BetaTCVAE(3, **{**SMALL, "epochs": 1}).fit(loader).model_.config.dataset_size == 100


def test_save_and_load_round_trip(fitted, tmp_path):
    loaded = latentlearn.load(fitted.save(tmp_path / "tcvae"))
    assert type(loaded) is BetaTCVAE
    assert loaded.get_params() == {**fitted.get_params(), "callback": None}
    assert loaded.model_.config == fitted.model_.config
    np.testing.assert_array_equal(loaded.transform(X), fitted.transform(X))


def test_bad_tc_estimator_is_refused_at_fit():
    with pytest.raises(ParameterError, match="tc_estimator"):
        BetaTCVAE(3, **SMALL, tc_estimator="exact").fit(X)
