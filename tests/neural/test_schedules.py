"""Loss-weight schedules: each kind against its closed form, the Trainer applying and logging
them, and a resumed run on a cyclical schedule equal to an uninterrupted one.

Planted bugs each test caught (then reverted): warm-up ``min(t / n, 1)`` written ``t / n``
(no plateau); cyclical ``t mod period`` replaced by ``t`` (one cycle only); the cosine anneal
written with ``sin``; the Trainer's schedule counter restarted on resume (``self.step`` read as
steps since the resume) -> the resumed run's weights and history differ.
"""

import math

import numpy as np
import pytest
import torch

from latentlearn.exceptions import ParameterError
from latentlearn.neural.models.vae import VAE, VAEConfig
from latentlearn.neural.schedules import normalise_spec, weight_at
from latentlearn.neural.trainer import Trainer, TrainerConfig

X = (np.random.default_rng(0).random((160, 20)) > 0.6).astype(np.float32)


def values(spec, total):
    spec = normalise_spec("beta", spec)
    return np.array([weight_at(spec, t, total) for t in range(total)])


def test_constant():
    assert np.all(values({"kind": "constant", "value": 4.0}, 7) == 4.0)


def test_linear_and_cosine_anneal_from_high_to_one():
    t = np.arange(20)
    lin = values({"kind": "anneal", "high": 10.0, "n": 10}, 20)
    np.testing.assert_allclose(lin, np.where(t < 10, 10 - 9 * t / 10, 1.0), rtol=0, atol=1e-12)
    cos = values({"kind": "anneal_cosine", "high": 10.0}, 20)   # n = the whole run
    np.testing.assert_allclose(cos, 1 + 9 * 0.5 * (1 + np.cos(np.pi * t / 20)), atol=1e-12)
    assert cos[0] == 10.0 and cos[-1] > 1.0


def test_warmup_bowman():
    t = np.arange(12)
    np.testing.assert_allclose(values({"kind": "warmup", "n": 8}, 12),
                               np.minimum(t / 8, 1.0), atol=1e-12)


def test_cyclical_fu_et_al():
    """T = 40, M = 4 cycles of 10, R = 0.5: ramps 0 -> 1 over 5 units, holds 1 for 5."""
    t = np.arange(40)
    tau = (t % 10) / 10
    expected = np.minimum(tau / 0.5, 1.0)
    got = values({"kind": "cyclical", "n_cycles": 4, "ratio": 0.5}, 40)
    np.testing.assert_allclose(got, expected, atol=1e-12)
    assert got[10] == 0.0 and got[15] == 1.0 and got[19] == 1.0


@pytest.mark.parametrize("spec, match", [
    ("linear", "unknown kind 'linear'"),
    ({"kind": "cyclical", "ratio": 0.0}, "ratio must be in"),
    ({"kind": "warmup", "steps": 3}, "unknown fields"),
    ({"kind": "warmup", "unit": "batch"}, "unit must be"),
    (3.0, "kind name or a dict"),
])
def test_bad_specs_say_what_is_allowed(spec, match):
    with pytest.raises(ParameterError, match=match):
        TrainerConfig(weight_schedules={"beta": spec}).check()


def small_vae(seed=0, beta=1.0):
    torch.manual_seed(seed)
    return VAE(VAEConfig(n_features=20, latent_dim=3, hidden=(16,), beta=beta))


def test_unknown_weight_name_is_refused():
    run = TrainerConfig(epochs=1, device="cpu", weight_schedules={"gamma": "warmup"})
    with pytest.raises(ParameterError, match=r"\['gamma'\].*loss weights are \['beta'\]"):
        Trainer(small_vae(), run).fit(X)


def test_the_weight_in_force_is_set_every_step_and_logged():
    seen = []
    model = small_vae()

    def spy(event, logs):
        if event == "step":
            seen.append(model.loss_weights["beta"])

    run = TrainerConfig(epochs=4, batch_size=32, device="cpu",
                        weight_schedules={"beta": {"kind": "warmup", "n": 10}})
    history = Trainer(model, run, callbacks=[spy]).fit(X)
    np.testing.assert_allclose(seen, np.minimum(np.arange(20) / 10, 1.0), atol=1e-12)
    assert [r["weight.beta"] for r in history] == [0.4, 0.9, 1.0, 1.0]
    epochwise = TrainerConfig(epochs=3, batch_size=32, device="cpu",
                              weight_schedules={"beta": {"kind": "anneal", "high": 4.0,
                                                         "unit": "epoch"}})
    history = Trainer(small_vae(), epochwise).fit(X)
    np.testing.assert_allclose([r["weight.beta"] for r in history], [4.0, 3.0, 2.0])


def test_the_schedule_changes_the_training():
    """beta = 0 throughout vs beta = 1: a schedule reaches the loss."""
    a = Trainer(small_vae(), TrainerConfig(epochs=1, device="cpu", weight_schedules={
        "beta": {"kind": "constant", "value": 0.0}})).fit(X)
    b = Trainer(small_vae(), TrainerConfig(epochs=1, device="cpu")).fit(X)
    assert a[0]["loss"] == pytest.approx(a[0]["reconstruction"], rel=1e-6)
    assert b[0]["loss"] > b[0]["reconstruction"]


class Crash(Exception):
    pass


def test_resume_on_a_cyclical_schedule_equals_the_straight_run(tmp_path):
    spec = {"beta": {"kind": "cyclical", "n_cycles": 3, "ratio": 0.5, "high": 2.0}}

    def run(name):
        return TrainerConfig(epochs=6, batch_size=32, seed=1, device="cpu", learning_rate=0.01,
                             checkpoint_dir=str(tmp_path / name), weight_schedules=spec)

    straight_model = small_vae()
    straight = Trainer(straight_model, run("a")).fit(X)

    def crash(event, logs):
        if event == "step" and logs["epoch"] == 4 and logs["step"] == 17:
            raise Crash

    with pytest.raises(Crash):
        Trainer(small_vae(), run("b"), callbacks=[crash]).fit(X)
    model = small_vae(seed=7)
    resumed = Trainer(model, run("b")).fit(X, resume=True)
    strip = lambda h: [{k: v for k, v in r.items() if k != "time_s"} for r in h]  # noqa: E731
    assert strip(resumed) == strip(straight)
    assert len({r["weight.beta"] for r in straight}) > 1    # the schedule really moves
    for key, value in straight_model.state_dict().items():
        assert torch.equal(value, model.state_dict()[key]), key
    assert model.loss_weights == straight_model.loss_weights
