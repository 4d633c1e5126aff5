"""FactorVAE (Kim & Mnih 2018): the permutation, the discriminator's TC estimate against the
closed form of a Gaussian, the loss, fit / save / load and resume.

Planted bugs each test caught (then reverted): ``permute_dims`` shuffling whole rows (one
permutation for all columns) -> dependence kept; the discriminator fed the unpermuted codes ->
TC estimate ~ 0 on correlated codes; ``gamma`` left out of the loss -> the loss identity fails;
the discriminator's optimiser not restored on resume -> the resumed run differs.
"""

import math

import numpy as np
import pytest
import torch

import latentlearn
from latentlearn.neural.estimators import FactorVAE
from latentlearn.neural.models.factor_vae import FactorVAE as FactorVAEModel
from latentlearn.neural.models.factor_vae import FactorVAEConfig, permute_dims

X = (np.random.default_rng(0).random((192, 20)) > 0.6).astype(np.float32)


def test_permute_dims_keeps_each_marginal_and_breaks_dependence():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(4000, 1, generator=g).repeat(1, 3) + 0.01 * torch.randn(4000, 3, generator=g)
    p = permute_dims(z, torch.Generator().manual_seed(1))
    for j in range(3):   # the same multiset in every column
        assert torch.equal(torch.sort(p[:, j]).values, torch.sort(z[:, j]).values)
    before = np.corrcoef(z.numpy().T)[np.triu_indices(3, 1)]
    after = np.corrcoef(p.numpy().T)[np.triu_indices(3, 1)]
    assert before.min() > 0.99
    assert np.abs(after).max() < 4 / math.sqrt(4000)   # ~ independent: |r| within 4 s.e.


def tc_after_training(rho, d=2, steps=300, seed=0):
    """Train the discriminator alone on N(0, C) codes (C: ones off the diagonal times rho)."""
    torch.manual_seed(seed)
    model = FactorVAEModel(FactorVAEConfig(n_features=4, latent_dim=d, hidden=(8,),
                                           discriminator_hidden=64, discriminator_layers=2))
    C = torch.full((d, d), rho) + (1 - rho) * torch.eye(d)
    L = torch.linalg.cholesky(C)
    opt = torch.optim.Adam(model.discriminator.parameters(), lr=3e-3, betas=(0.5, 0.9))
    for _ in range(steps):
        out = model.discriminator_loss(torch.randn(1024, d) @ L.T)
        opt.zero_grad()
        out.loss.backward()
        opt.step()
    with torch.no_grad():
        estimate = model.tc_estimate(torch.randn(20000, d) @ L.T).item()
    return estimate, -0.5 * math.log(torch.linalg.det(C).item())


@pytest.mark.slow
def test_the_discriminator_estimates_the_total_correlation():
    """TC of a Gaussian is -1/2 log det(corr): 0 for independent codes, 0.830 at rho = 0.9.

    Measured (seed 0, 300 steps): 0.003 and 0.906; with 1500 steps, seeds 0-2: |err| <= 0.06.
    """
    independent, zero = tc_after_training(0.0)
    assert zero == 0 and abs(independent) < 0.05
    correlated, closed_form = tc_after_training(0.9)
    assert closed_form == pytest.approx(0.8304, abs=1e-4)
    assert abs(correlated - closed_form) < 0.15


def small(**kw):
    return FactorVAE(3, **{**dict(hidden_dims=(16,), epochs=3, batch_size=32, random_state=0,
                                  device="cpu", discriminator_hidden=16, discriminator_layers=2,
                                  gamma=5.0), **kw})


def test_the_loss_is_reconstruction_plus_kl_plus_gamma_tc_and_both_players_train():
    est = small().fit(X)
    for r in est.history_:
        assert r["loss"] == pytest.approx(r["reconstruction"] + r["kl"] + 5.0 * r["tc"],
                                          rel=1e-5)
        assert r["steps.vae"] == r["steps.discriminator"] == r["step"]
        assert 0 <= r["discriminator_accuracy"] <= 1 and "discriminator.loss" in r
    assert est.model_.config.gamma == 5.0


def test_fit_save_load_round_trip_keeps_both_players(tmp_path):
    est = small().fit(X)
    est.save(tmp_path / "fvae")
    back = latentlearn.load(tmp_path / "fvae")
    assert type(back) is FactorVAE and back.get_params() == est.get_params()
    np.testing.assert_array_equal(back.transform(X), est.transform(X))
    for key, value in est.model_.discriminator.state_dict().items():
        assert torch.equal(value, back.model_.discriminator.state_dict()[key])


class Crash(Exception):
    pass


def test_resume_equals_the_straight_run(tmp_path):
    straight = small(epochs=4, checkpoint_dir=tmp_path / "a").fit(X)

    def crash(event, logs):
        if event == "step" and logs["step"] == 2 * 6 + 3:
            raise Crash

    with pytest.raises(Crash):
        small(epochs=4, checkpoint_dir=tmp_path / "b", callback=crash).fit(X)
    resumed = small(epochs=4, checkpoint_dir=tmp_path / "b", resume=True).fit(X)
    strip = lambda h: [{k: v for k, v in r.items() if k != "time_s"} for r in h]  # noqa: E731
    assert strip(resumed.history_) == strip(straight.history_)
    for key, value in straight.model_.state_dict().items():
        assert torch.equal(value, resumed.model_.state_dict()[key]), key


def test_bad_parameters_are_named():
    from latentlearn.exceptions import ParameterError

    with pytest.raises((ParameterError, ValueError), match="gamma"):
        small(gamma=-1.0).fit(X)
    with pytest.raises(ParameterError, match=r"\['lambda'\]"):
        small(weight_schedules={"lambda": "warmup"}).fit(X)
