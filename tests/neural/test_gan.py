"""GAN (Goodfellow et al. 2014), WGAN (Arjovsky et al. 2017), WGAN-GP (Gulrajani et al. 2017).

References: the optimal discriminator ``p / (p + p_g)`` and the value ``-log 4 + 2 JS(p, p_g)``
of a fixed 1-D generator of known density (JS from latentlearn.divergences on a fine grid);
the Wasserstein-1 distance of two 1-D samples (latentlearn.divergences.wasserstein_1d); the
closed forms of the generator losses.

Planted bugs each test caught (then reverted): the discriminator's labels swapped (BCE of data
as 0) -> D approaches 1 - D*; the logged ``value`` as ``+loss`` -> V = +log 4 - 2 JS; the
critic's loss with its sign flipped -> negative W estimates; the minimax and non-saturating
losses swapped -> the formula test fails; ``steps`` not passed to the discriminator's Player ->
steps.discriminator == steps.generator; the generator's noise drawn from a torch.Generator held
by the model (not restored on resume) -> the resumed run differs; the snapshot buffers not
persistent -> snapshots lost after load; ``sample(0)`` accepted -> no error.
"""

import math

import numpy as np
import pytest
import torch
from scipy.stats import norm

import latentlearn
from latentlearn.divergences import js_divergence, wasserstein_1d
from latentlearn.exceptions import ParameterError
from latentlearn.neural import GAN, WGAN, WGANGP, TrainingDivergedError
from latentlearn.neural.models.gan import GAN as GANModel
from latentlearn.neural.models.gan import WGAN as WGANModel
from latentlearn.neural.models.gan import WGANGP as WGANGPModel
from latentlearn.neural.models.gan import (GANConfig, WGANConfig, WGANGPConfig,
                                           gan_generator_loss)

RING = None


def ring():
    global RING
    if RING is None:
        from latentlearn.datasets import make_gaussian_ring

        RING = make_gaussian_ring(192, random_state=0)
    return RING


def tiny(cls, **kw):
    params = dict(hidden_dims=(16, 16), latent_dim=4, epochs=4, batch_size=64, device="cpu",
                  random_state=0, n_snapshots=3)
    params.update(kw)
    return cls(**params)


# --------------------------------------------------------------------------- theory, 1-D
def _fixed_generator_model():
    torch.manual_seed(0)
    model = GANModel(GANConfig(n_features=1, latent_dim=1, hidden=(64, 64)))
    fixed = torch.nn.Linear(1, 1)
    with torch.no_grad():      # G(z) = 1 + 0.5 z: p_g = N(1, 0.5^2)
        fixed.weight.fill_(0.5)
        fixed.bias.fill_(1.0)
    fixed.requires_grad_(False)
    model.generator = fixed
    return model


def test_optimal_discriminator_and_value_of_a_fixed_generator():
    """Training only D against a fixed G: D -> p / (p + p_g), V(D, G) -> -log 4 + 2 JS."""
    model = _fixed_generator_model()
    opt = torch.optim.Adam(model.discriminator.parameters(), lr=1e-3)
    schedule = torch.optim.lr_scheduler.StepLR(opt, 1000, 0.3)
    for step in range(3000):
        x = torch.randn(512, 1)                                   # data: p = N(0, 1)
        out = model.training_step(x, player="discriminator")
        opt.zero_grad()
        out.loss.backward()
        opt.step()
        schedule.step()
    # Where the data or the samples have mass ((p + p_g) / 2 > 0.02); far in the tails neither
    # player sees inputs and D is unconstrained.
    grid = np.linspace(-2.2, 2.3, 181)
    with torch.no_grad():
        d = torch.sigmoid(model.discriminator(torch.as_tensor(grid[:, None],
                                                              dtype=torch.float32)))
    p, pg = norm.pdf(grid, 0, 1), norm.pdf(grid, 1, 0.5)
    error = np.abs(d.numpy().ravel() - p / (p + pg))
    assert error.max() < 0.04, error.max()      # measured 0.024 (at x = 2.25)

    # The value the model logs, on large samples, against the closed form at the optimum.
    fine = np.linspace(-8, 8, 40001)
    masses_p, masses_g = norm.pdf(fine, 0, 1), norm.pdf(fine, 1, 0.5)
    expected = -math.log(4) + 2 * js_divergence(masses_p / masses_p.sum(),
                                                masses_g / masses_g.sum())
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        real = torch.randn(400_000, 1, generator=g)
        fake = 1 + 0.5 * torch.randn(400_000, 1, generator=g)
        value = model.discriminator_step(real, fake).terms["value"].item()
    assert value == pytest.approx(expected, abs=0.006), (value, expected)   # measured 0.0018
    assert expected > -math.log(4) + 0.3      # the two densities differ: far from -log 4


def _train_critic(model, real_fn, fake_fn, steps, lr, optimizer=torch.optim.Adam,
                  warm_up=0, **kw):
    opt = optimizer(model.discriminator.parameters(), lr=lr, **kw)
    gp_weight = getattr(model.config, "gp_weight", None)
    for step in range(steps):
        if gp_weight is not None:   # warm-up steps without the penalty (see the WGAN-GP test)
            model.config.gp_weight = 0.0 if step < warm_up else gp_weight
        out = model.discriminator_step(real_fn(512), fake_fn(512))
        opt.zero_grad()
        out.loss.backward()
        opt.step()
        model.after_step("critic")
    return model


def _lipschitz(critic, low, high):
    grid = torch.linspace(low, high, 2001)[:, None].requires_grad_(True)
    (slope,) = torch.autograd.grad(critic(grid).sum(), grid)
    return slope.abs().max().item()


def test_wgan_gp_critic_estimates_the_wasserstein_distance():
    """The penalised critic's estimate of W1 between N(0, 1) and N(2, 0.5^2).

    The penalty holds |f'| near 1 softly: for f = s f* (f* the best 1-Lipschitz critic) the
    objective ``s W1 - lambda (s - 1)^2`` peaks at ``s = 1 + W1 / (2 lambda)``, so the estimate
    is ``W1 (1 + W1 / (2 lambda))`` (here 10% above W1), and the estimate over the critic's
    measured Lipschitz constant is W1. A few first steps without the penalty give f the right
    sign of slope: from an initial critic sloping the wrong way, the penalty alone
    (lambda (|f'| - 1)^2, 10 at f' = 0) walls off the better sign (measured: estimate -1.75).
    """
    torch.manual_seed(0)
    model = WGANGPModel(WGANGPConfig(n_features=1, hidden=(64, 64)))
    real_fn = lambda n: torch.randn(n, 1)                           # noqa: E731
    fake_fn = lambda n: 2.0 + 0.5 * torch.randn(n, 1)               # noqa: E731
    _train_critic(model, real_fn, fake_fn, 1500, 1e-3, warm_up=20, betas=(0.5, 0.9))
    g = torch.Generator().manual_seed(3)
    u, v = torch.randn(100_000, 1, generator=g), 2.0 + 0.5 * torch.randn(100_000, 1, generator=g)
    with torch.no_grad():
        estimate = model.discriminator_step(u, v).terms["wasserstein_estimate"].item()
        f = model.discriminator
        assert estimate == pytest.approx((f(u).mean() - f(v).mean()).item())   # f high on data
    w1 = wasserstein_1d(u.numpy().ravel(), v.numpy().ravel())
    lam = model.config.gp_weight
    assert estimate == pytest.approx(w1 * (1 + w1 / (2 * lam)), rel=0.04), (estimate, w1)
    lipschitz = _lipschitz(model.discriminator, -3.0, 3.5)
    assert estimate / lipschitz == pytest.approx(w1, rel=0.1), (estimate / lipschitz, w1)  # 6%


def test_wgan_clipped_critic_estimates_a_multiple_of_w1():
    """Weight clipping makes the critic K-Lipschitz for an unknown K (Arjovsky et al. 2017):
    its estimate is about K W1, a relative measure. Measured here on shifts N(0, 1) vs
    N(delta, 1), whose best critic is linear for every delta: the estimate over W1 is the same
    K for two shifts, and by the Kantorovich-Rubinstein duality the estimate over the critic's
    measured Lipschitz constant never exceeds W1. (It does not reach W1: with every weight at
    the clip bound the ReLU critic is not linear, its slope peaking between the two means;
    measured ratio 0.78.)
    """
    ratios = []
    for delta in (0.75, 1.5):
        torch.manual_seed(0)
        model = WGANModel(WGANConfig(n_features=1, hidden=(64, 64)))
        _train_critic(model, lambda n: torch.randn(n, 1),
                      lambda n, d=delta: d + torch.randn(n, 1), 1000, 5e-3,
                      optimizer=torch.optim.RMSprop)
        assert max(p.abs().max().item() for p in model.discriminator.parameters()) <= 0.01
        g = torch.Generator().manual_seed(3)
        u = torch.randn(100_000, 1, generator=g)
        v = delta + torch.randn(100_000, 1, generator=g)
        with torch.no_grad():
            estimate = model.discriminator_step(u, v).terms["wasserstein_estimate"].item()
            f = model.discriminator
            assert estimate == pytest.approx((f(u).mean() - f(v).mean()).item())
        w1 = wasserstein_1d(u.numpy().ravel(), v.numpy().ravel())
        lipschitz = _lipschitz(model.discriminator, -4.0, 4.0 + delta)
        assert 0 < estimate / lipschitz <= w1 * 1.01, (estimate / lipschitz, w1)
        ratios.append(estimate / w1)
    assert ratios[0] == pytest.approx(ratios[1], rel=0.1), ratios


# --------------------------------------------------------------------------- losses
def test_generator_losses_match_their_formulas_and_minimax_saturates():
    logits = torch.linspace(-8, 4, 25, dtype=torch.float64).requires_grad_(True)
    d = torch.sigmoid(logits)
    minimax = gan_generator_loss(logits, "minimax")
    torch.testing.assert_close(minimax, torch.log(1 - d).mean())
    non_sat = gan_generator_loss(logits, "non_saturating")
    torch.testing.assert_close(non_sat, -torch.log(d).mean())
    # Gradients w.r.t. the logit: minimax -D (vanishes where D rejects), non-saturating -(1-D).
    (g_mm,) = torch.autograd.grad(minimax, logits)
    (g_ns,) = torch.autograd.grad(gan_generator_loss(logits, "non_saturating"), logits)
    n = len(logits)
    torch.testing.assert_close(g_mm * n, -d.detach())
    torch.testing.assert_close(g_ns * n, -(1 - d.detach()))
    assert abs(g_mm[0].item()) * n < 1e-3 < abs(g_ns[0].item()) * n


@pytest.mark.parametrize("kind", ["minimax", "non_saturating"])
def test_the_model_uses_the_chosen_generator_loss(kind):
    torch.manual_seed(0)
    model = GANModel(GANConfig(n_features=2, latent_dim=3, hidden=(8,), generator_loss=kind))
    torch.manual_seed(5)
    loss = model.training_step(torch.zeros(32, 2), player="generator").loss
    torch.manual_seed(5)
    with torch.no_grad():
        d = torch.sigmoid(model.discriminator(model.generator(torch.randn(32, 3))))
    expected = torch.log(1 - d).mean() if kind == "minimax" else -torch.log(d).mean()
    torch.testing.assert_close(loss.detach(), expected)


def test_discriminator_loss_is_minus_the_value():
    torch.manual_seed(0)
    model = GANModel(GANConfig(n_features=2, latent_dim=3, hidden=(8,)))
    real, fake = torch.randn(64, 2), torch.randn(64, 2) + 1
    out = model.discriminator_step(real, fake)
    with torch.no_grad():
        v = (torch.log(torch.sigmoid(model.discriminator(real))).mean()
             + torch.log(1 - torch.sigmoid(model.discriminator(fake))).mean())
    torch.testing.assert_close(out.loss.detach(), -v)
    torch.testing.assert_close(out.terms["value"], v)


# --------------------------------------------------------------------------- estimators
@pytest.mark.parametrize("cls, critic", [(GAN, "discriminator"), (WGAN, "critic"),
                                         (WGANGP, "critic")])
def test_k_discriminator_steps_per_generator_step_in_history(cls, critic):
    est = tiny(cls, n_discriminator_steps=3, epochs=2).fit(ring())   # 192 / 64: 3 batches
    for i, record in enumerate(est.history_, start=1):
        assert record[f"steps.{critic}"] == 9 * i and record["steps.generator"] == 3 * i
        assert "generator.loss" in record
    key = "value" if cls is GAN else "wasserstein_estimate"
    assert all(key in r for r in est.history_)


def test_paper_defaults():
    assert (WGAN().clip_value, WGAN().n_discriminator_steps, WGAN().optimizer,
            WGAN().learning_rate) == (0.01, 5, "rmsprop", 5e-5)
    assert (WGANGP().n_discriminator_steps, WGANGP().optimizer, WGANGP().betas) == \
        (5, "adam", (0.5, 0.9))
    assert GAN().learning_rate == 2e-4 and GAN().betas == (0.5, 0.999)
    # WGAN-GP: the paper's lambda = 10 and lr 1e-4 on images, lambda = 0.1 and lr 1e-3 on vectors.
    images = np.random.default_rng(0).random((32, 64)).astype(np.float32)
    conv = WGANGP(epochs=1, image_shape=(8, 8), conv_channels=(4, 8), device="cpu",
                  n_snapshots=0).fit(images)
    assert (conv.model_.config.gp_weight, conv.learning_rate_) == (10.0, 1e-4)
    assert conv.model_.config.discriminator_norm == "none"
    mlp = tiny(WGANGP, epochs=1).fit(ring())
    assert (mlp.model_.config.gp_weight, mlp.learning_rate_) == (0.1, 1e-3)
    assert mlp.history_[-1]["lr"] == 1e-3
    given = tiny(WGANGP, epochs=1, gp_weight=10.0, learning_rate=1e-4).fit(ring())
    assert (given.model_.config.gp_weight, given.learning_rate_) == (10.0, 1e-4)
    assert GAN().generator_loss == "non_saturating" and GAN().n_discriminator_steps == 1
    assert "encoder" not in GAN().get_params() and "decoder" not in WGANGP().get_params()
    est = tiny(WGAN, epochs=1).fit(ring())
    opt = est.model_.players()[0]
    assert opt.name == "critic" and opt.steps == 5
    assert est.model_.config.betas is None


def test_wgan_clips_every_critic_weight():
    est = tiny(WGAN, epochs=2, learning_rate=0.05).fit(ring())
    for p in est.model_.discriminator.parameters():
        assert p.abs().max().item() <= 0.01 + 1e-7


def test_resume_equals_the_straight_run(tmp_path):
    straight = tiny(WGANGP, checkpoint_dir=tmp_path / "a").fit(ring())

    class Crash(Exception):
        pass

    def crash(event, logs):
        if event == "step" and logs["step"] == 2 * 3 + 2:
            raise Crash

    with pytest.raises(Crash):
        tiny(WGANGP, checkpoint_dir=tmp_path / "b", callback=crash).fit(ring())
    resumed = tiny(WGANGP, checkpoint_dir=tmp_path / "b", resume=True).fit(ring())
    strip = lambda h: [{k: v for k, v in r.items() if k != "time_s"} for r in h]  # noqa: E731
    assert strip(resumed.history_) == strip(straight.history_)
    for key, value in straight.model_.state_dict().items():
        assert torch.equal(value, resumed.model_.state_dict()[key]), key
    np.testing.assert_array_equal(resumed.sample_snapshots_["samples"],
                                  straight.sample_snapshots_["samples"])


def test_a_diverging_gan_stops_naming_the_step():
    est = tiny(WGANGP, optimizer="sgd", learning_rate=1e20, epochs=3)
    with pytest.raises(TrainingDivergedError, match=r"at step \d+ \(epoch \d+\)") as info:
        est.fit(ring())
    assert info.value.step >= 1 and "critic" in str(info.value)


def test_save_load_round_trip_keeps_samples_and_snapshots(tmp_path):
    est = tiny(GAN, generator_loss="minimax").fit(ring())
    snaps = est.sample_snapshots_
    assert snaps["epochs"] == [0, 2, 4]
    assert snaps["samples"].shape == (3, 512, 2)
    assert not np.array_equal(snaps["samples"][0], snaps["samples"][-1])   # training moved G
    est.save(tmp_path / "m")
    loaded = latentlearn.load(tmp_path / "m", device="cpu")
    assert type(loaded) is GAN and loaded.get_params() == est.get_params()
    np.testing.assert_array_equal(loaded.sample(50, random_state=3), est.sample(50, random_state=3))
    assert loaded.sample_snapshots_["epochs"] == snaps["epochs"]
    np.testing.assert_array_equal(loaded.sample_snapshots_["samples"], snaps["samples"])
    assert loaded.history_ == est.history_ and loaded.epochs_ == 4
    assert not hasattr(loaded, "transform") and not hasattr(loaded, "fit_transform")


def test_sample_needs_at_least_one():
    est = tiny(GAN, epochs=1).fit(ring())
    assert est.sample(7, random_state=0).shape == (7, 2)
    np.testing.assert_array_equal(est.sample(5, random_state=1), est.sample(5, random_state=1))
    with pytest.raises(ParameterError, match="n_samples=0.*at least one"):
        est.sample(0)


def test_no_transform_and_epochs_none_is_a_step_budget():
    est = GAN(hidden_dims=(8,), latent_dim=2, device="cpu", random_state=0, n_snapshots=0)
    assert not hasattr(est, "transform") and not hasattr(est, "inverse_transform")
    assert not hasattr(est, "fit_transform")
    est.set_params(batch_size=96)
    assert est.get_params()["epochs"] is None
    # 192 rows / 96 = 2 batches per epoch: 4,000 batches for an MLP -> 2,000 epochs.
    est._fit_input(ring().X)
    assert est.epochs_ == 2000


def test_conv_architecture_on_images():
    rng = np.random.default_rng(0)
    X = rng.random((64, 64)).astype(np.float32)      # 8 x 8 images
    est = GAN(latent_dim=4, epochs=1, batch_size=32, device="cpu", random_state=0,
              image_shape=(8, 8), conv_channels=(4, 8), n_snapshots=2).fit(X)
    assert est.model_.config.architecture == "conv" and est.model_.config.output == "sigmoid"
    samples = est.sample(5, random_state=0)
    assert samples.shape == (5, 64) and samples.min() >= 0 and samples.max() <= 1
    assert est.sample_snapshots_["samples"].shape == (2, 64, 64)
    with pytest.raises(ParameterError, match="burgess"):
        GAN(architecture="burgess", epochs=1, device="cpu").fit(X)


def test_declare_removes_parameters_a_family_does_not_have():
    import inspect

    from latentlearn.neural.estimators import _NeuralEstimator

    params = inspect.signature(GAN).parameters
    assert "encoder" not in params and "decoder" not in params
    assert params["epochs"].default is None and list(params)[0] == "latent_dim"
    with pytest.raises(TypeError, match="_removed_parameters"):
        type("Bad", (_NeuralEstimator,), {"_removed_parameters": ("latent_dim",)})
    with pytest.raises(TypeError, match="_removed_parameters"):
        type("Bad", (_NeuralEstimator,), {"_removed_parameters": ("nope",)})
