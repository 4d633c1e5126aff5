"""MMD-VAE (InfoVAE, Zhao et al. 2019): its loss term is divergences.mmd2, the estimator works.

References: the MMD term recomputed by latentlearn.divergences.mmd2 on the same codes and prior
draws (reproduced from the same torch seed); the MMD^2 of prior draws against prior draws is 0
in expectation (unbiased estimator), of shifted codes the closed form for Gaussians.
"""

import math

import numpy as np
import pytest
import torch
from sklearn.base import clone

import latentlearn
from latentlearn.divergences import mmd2
from latentlearn.exceptions import DataError, ParameterError
from latentlearn.neural.estimators import MMDVAE
from latentlearn.neural.models import build_model
from latentlearn.neural.models.mmd_vae import mmd_to_prior
from latentlearn.registry import get_method

RNG = np.random.default_rng(4)
X = (RNG.random((160, 16)) > 0.6).astype(np.float32)
SMALL = dict(hidden_dims=(12,), epochs=2, batch_size=32, device="cpu", random_state=0)


def _model(**config):
    torch.manual_seed(0)
    return build_model("mmd_vae", {"n_features": 16, "latent_dim": 3, "hidden": [8], **config})


def test_the_loss_mmd_term_is_mmd2_on_the_same_codes_and_prior_draws():
    model = _model(mmd_weight=50.0)
    x = torch.as_tensor(X[:32])
    torch.manual_seed(7)
    out = model.training_step(x)
    torch.manual_seed(7)   # the same draws again: eps for the codes, then the prior draws
    mu, log_var = model.encode(x)
    codes = model.reparameterize(mu, log_var, 1).reshape(-1, 3)
    prior = torch.randn_like(codes)
    expected = mmd2(codes, prior, kernel="gaussian", bandwidth=math.sqrt(3),
                    estimator="unbiased")
    expected = expected.detach()
    assert abs(float(out.terms["mmd"]) - float(expected)) < 1e-7
    assert abs(float(out.loss.detach())
               - float(out.terms["reconstruction"] + 50.0 * expected)) < 1e-4
    assert model.loss_weights == {"lambda": 50.0, "beta": 0.0}


def test_optional_kl_weight_enters_the_loss():
    model = _model(beta=0.5)
    out = model.training_step(torch.as_tensor(X[:16]))
    t = out.terms
    expected = t["reconstruction"] + 100.0 * t["mmd"] + 0.5 * t["kl"]
    assert abs(float(out.loss.detach()) - float(expected)) < 1e-3


def test_prior_codes_give_mmd_near_zero_and_shifted_codes_a_large_one():
    g = torch.Generator().manual_seed(0)
    n, d = 500, 4
    prior = torch.randn(n, d, generator=g)
    same = [float(mmd_to_prior(torch.randn(n, d, generator=g), prior)) for _ in range(5)]
    shifted = float(mmd_to_prior(torch.randn(n, d, generator=g) + 1.0, prior))
    # Closed form for N(m, I) vs N(0, I) with k = exp(-r^2 / (2 s^2)), s^2 = d:
    # E k(x, x') = (s^2 / (s^2 + 2))^(d/2) for both samples, E k(x, y) times exp(-|m|^2/(2(s^2+2))).
    s2, m2 = d, float(d)
    base = (s2 / (s2 + 2)) ** (d / 2)
    closed = 2 * base * (1 - math.exp(-m2 / (2 * (s2 + 2))))
    assert max(abs(v) for v in same) < 0.004          # measured below 0.0011
    assert abs(shifted - closed) < 0.015              # closed 0.252, measured 0.246
    assert shifted > 20 * max(abs(v) for v in same)


def test_gradient_flows_to_the_encoder_through_the_mmd():
    # Same weights and draws, lambda 0 vs 1000: the encoder gradients of the loss differ by the
    # MMD's (the reconstruction's are the same), and that part is not zero.
    x = torch.as_tensor(X[:32])
    grads = []
    for weight in (0.0, 1000.0):
        model = _model(mmd_weight=weight)
        torch.manual_seed(3)
        model.training_step(x).loss.backward()
        grads.append(torch.cat([p.grad.ravel() for p in model.encoder.parameters()]))
    assert float((grads[1] - grads[0]).abs().sum()) > 1e-3 * float(grads[0].abs().sum())


def test_a_batch_of_one_says_why_and_what_to_do():
    model = _model()
    with pytest.raises(DataError, match="at least 2 codes.*batch_size >= 2"):
        model.training_step(torch.as_tensor(X[:1]))
    with pytest.raises(ParameterError, match="batch of 1"):
        MMDVAE(3, **{**SMALL, "batch_size": 1}).fit(X)
    with pytest.raises(ParameterError, match="batch of 1"):
        MMDVAE(3, **{**SMALL, "batch_size": 53}).fit(X)   # 160 = 3 * 53 + 1


@pytest.fixture(scope="module")
def fitted():
    return MMDVAE(3, **SMALL).fit(X)


def test_estimator_fits_and_logs_the_mmd(fitted):
    assert get_method("mmd_vae").family == "neural"
    assert fitted.mmd_weight == 100.0 and fitted.beta == 0.0
    assert {"mmd", "kl", "reconstruction"} <= set(fitted.history_[-1])
    assert fitted.transform(X).shape == (160, 3)
    assert fitted.sample(4, random_state=0).shape == (4, 16)
    assert clone(fitted).get_params() == fitted.get_params()


def test_save_and_load_round_trip(fitted, tmp_path):
    loaded = latentlearn.load(fitted.save(tmp_path / "mmdvae"))
    assert type(loaded) is MMDVAE
    assert loaded.get_params() == {**fitted.get_params(), "callback": None}
    np.testing.assert_array_equal(loaded.transform(X), fitted.transform(X))
    np.testing.assert_array_equal(loaded.sample(4, random_state=0),
                                  fitted.sample(4, random_state=0))
