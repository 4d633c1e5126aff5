"""VQ-VAE (van den Oord et al. 2017): the quantiser against brute force and closed forms, the
prior's causality, training, resume, saving and sampling."""

import copy
import math

import numpy as np
import pytest
import torch
from scipy.spatial.distance import cdist
from scipy.stats import entropy

import latentlearn
from latentlearn.datasets import load_mnist5k
from latentlearn.exceptions import DataError, ParameterError
from latentlearn.neural import VQVAE
from latentlearn.neural.models import build_model
from latentlearn.neural.models.vq_vae import (CodePrior, VectorQuantizer, codebook_perplexity,
                                              nearest_codes)
from latentlearn.registry import get_method


# --------------------------------------------------------------------------- quantiser
def test_nearest_codes_equal_brute_force_argmin_and_cdist():
    g = torch.Generator().manual_seed(0)
    z, codebook = torch.randn(300, 5, generator=g), torch.randn(17, 5, generator=g) * 0.7
    got = nearest_codes(z, codebook).numpy()
    brute = np.array([np.argmin([float(((zi - e) ** 2).sum()) for e in codebook]) for zi in z])
    np.testing.assert_array_equal(got, brute)
    np.testing.assert_array_equal(got, cdist(z.numpy(), codebook.numpy()).argmin(1))


def test_quantizer_output_is_the_nearest_code_and_the_grid_keeps_its_shape():
    q = VectorQuantizer(9, 3).eval()
    z = torch.randn(4, 2, 5, 3)
    out = q(z)
    assert out.indices.shape == (4, 2, 5) and out.indices.dtype == torch.int64
    np.testing.assert_array_equal(out.indices.reshape(-1).numpy(),
                                  cdist(z.reshape(-1, 3).numpy(),
                                        q.codebook.detach().numpy()).argmin(1))
    torch.testing.assert_close(out.z_q, q.codebook.detach()[out.indices], rtol=0, atol=1e-6)


def test_straight_through_passes_the_decoder_gradient_to_the_encoder_unchanged():
    q = VectorQuantizer(6, 4)
    z_e = torch.randn(3, 7, 4, requires_grad=True)
    upstream = torch.randn(3, 7, 4)                    # dL/dz_q from "the decoder"
    (q(z_e).z_q * upstream).sum().backward()
    torch.testing.assert_close(z_e.grad, upstream, rtol=0, atol=0)
    assert q.codebook.grad is None or torch.count_nonzero(q.codebook.grad) == 0


def test_codebook_and_commitment_losses_equal_their_definitions_by_hand():
    q = VectorQuantizer(2, 2).eval()
    with torch.no_grad():
        q.codebook.copy_(torch.tensor([[0.0, 0.0], [1.0, 1.0]]))
    # Two inputs of two cells each: nearest codes 0, 1 and 1, 0.
    z_e = torch.tensor([[[0.2, 0.1], [0.9, 1.2]], [[0.7, 0.8], [-0.3, 0.0]]], requires_grad=True)
    out = q(z_e)
    assert out.indices.tolist() == [[0, 1], [1, 0]]
    # per input: sum over cells and D of (z_e - e)^2; then the mean over the 2 inputs
    by_hand = ((0.04 + 0.01) + (0.01 + 0.04) + (0.09 + 0.04) + (0.09 + 0.0)) / 2
    assert float(out.commitment_loss.detach()) == pytest.approx(by_hand, rel=1e-6)
    assert float(out.codebook_loss.detach()) == pytest.approx(by_hand, rel=1e-6)
    e = torch.tensor([[[0.0, 0.0], [1.0, 1.0]], [[1.0, 1.0], [0.0, 0.0]]])
    # commitment ||z_e - sg[e]||^2: gradient 2 (z_e - e) / batch on z_e, none on the codebook
    out.commitment_loss.backward(retain_graph=True)
    torch.testing.assert_close(z_e.grad, (z_e.detach() - e), rtol=1e-6, atol=1e-7)
    assert q.codebook.grad is None
    # codebook ||sg[z_e] - e||^2: gradient on the chosen codes only, none on z_e
    z_e.grad = None
    out.codebook_loss.backward()
    assert z_e.grad is None
    expected = torch.zeros(2, 2)
    for b in range(2):
        for c in range(2):
            expected[out.indices[b, c]] += (e[b, c] - z_e.detach()[b, c])   # 2 (e - z) / 2
    torch.testing.assert_close(q.codebook.grad, expected, rtol=1e-6, atol=1e-7)


def tiny_model(**config):
    return build_model("vq_vae", {"n_features": 6, "architecture": "mlp", "hidden": [8],
                                  "grid_size": 3, "latent_dim": 2, "n_codes": 5,
                                  "prior_dim": 8, "prior_heads": 2, "prior_layers": 1,
                                  "reconstruction": "mse", **config})


@pytest.mark.parametrize("update", ["loss", "ema"])
def test_the_model_loss_is_reconstruction_plus_codebook_plus_beta_commitment(update):
    torch.manual_seed(0)
    model = tiny_model(codebook_update=update, commitment_cost=0.25).train()
    x = torch.rand(10, 6)
    before = copy.deepcopy(model).eval()   # the EMA moves the codebook during the step
    out = model.training_step(x)
    t = out.terms
    expected = t["reconstruction"] + 0.25 * t["commitment"]
    if update == "loss":   # with EMA updates the codebook loss is not counted
        expected = expected + t["codebook"]
        assert float(t["codebook"]) == pytest.approx(float(t["commitment"]), rel=1e-6)
    else:
        assert "codebook" not in t
    assert float(out.loss.detach()) == pytest.approx(float(expected), rel=1e-6)
    with torch.no_grad():
        decoded = before.decoder(before.quantizer.lookup(before.codes(x)))
        out_mse = ((decoded - x) ** 2).sum(1).mean()
    assert float(t["reconstruction"]) == pytest.approx(float(out_mse), rel=1e-5)


def test_ema_update_after_one_step_equals_the_closed_form():
    K, D, gamma, eps = 4, 3, 0.9, 0.1   # a large eps, so that the smoothing shows
    q = VectorQuantizer(K, D, update="ema", decay=gamma, epsilon=eps).train()
    e0 = q.codebook.clone().numpy()
    z = torch.randn(2, 20, D) * 0.6
    out = q(z)
    idx = out.indices.reshape(-1).numpy()
    flat = z.reshape(-1, D).numpy().astype(np.float64)
    n_i = np.bincount(idx, minlength=K)
    s_i = np.zeros((K, D))
    np.add.at(s_i, idx, flat)
    N = gamma * 1.0 + (1 - gamma) * n_i                 # N_i starts at 1
    m = gamma * e0 + (1 - gamma) * s_i                  # m_i starts at e_i
    smoothed = (N + eps) / (N.sum() + K * eps) * N.sum()
    np.testing.assert_allclose(q.ema_count.numpy(), N, rtol=1e-6)
    np.testing.assert_allclose(q.ema_sum.numpy(), m, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(q.codebook.numpy(), m / smoothed[:, None], rtol=1e-5, atol=1e-7)
    assert not any(p.requires_grad for p in q.parameters())   # the codebook is not a parameter
    before = q.codebook.clone()
    q.eval()(z)                                          # no update outside training
    torch.testing.assert_close(q.codebook, before, rtol=0, atol=0)


def test_perplexity_is_exp_entropy_of_usage():
    K = 8
    assert codebook_perplexity(np.arange(K).repeat(5), K) == pytest.approx(K, rel=1e-6)
    assert codebook_perplexity(np.full(40, 3), K) == pytest.approx(1.0, abs=1e-6)
    idx = np.random.default_rng(0).integers(0, 5, 300)
    counts = np.bincount(idx, minlength=K)
    assert codebook_perplexity(idx, K) == pytest.approx(math.exp(entropy(counts)), rel=1e-5)
    # the quantiser logs the same value for its batch
    q = VectorQuantizer(K, 2).eval()
    with torch.no_grad():
        q.codebook.copy_(torch.arange(K, dtype=torch.float32)[:, None].repeat(1, 2) * 10)
    z = torch.as_tensor(idx, dtype=torch.float32)[:, None].repeat(1, 2) * 10 + 0.1
    out = q(z.view(3, 100, 2))
    assert float(out.perplexity) == pytest.approx(math.exp(entropy(counts)), rel=1e-5)
    assert int(out.codes_used) == 5


@pytest.mark.parametrize("update", ["loss", "ema"])
def test_dead_codes_are_restarted_to_encoder_outputs_of_the_batch(update):
    torch.manual_seed(0)
    q = VectorQuantizer(3, 2, update=update, dead_code_restart=2).train()
    with torch.no_grad():
        q.codebook.copy_(torch.tensor([[0.0, 0.0], [0.1, 0.1], [50.0, 50.0]]))
        if update == "ema":
            q.ema_sum.copy_(q.codebook)
    z = torch.randn(1, 16, 2) * 0.1                     # code 2 is never the nearest
    assert int(q(z).restarted) == 0 and q.unused_steps[2] == 1
    out = q(z)
    assert int(out.restarted) == 1 and q.unused_steps[2] == 0
    new = q.codebook[2].detach()
    assert torch.isclose(z.reshape(-1, 2), new).all(1).any()      # one of the batch's z_e
    if update == "ema":
        torch.testing.assert_close(q.ema_sum[2], new)
        assert float(q.ema_count[2]) == 1.0
    never = VectorQuantizer(3, 2, update=update, dead_code_restart=0).train()
    with torch.no_grad():
        never.codebook.copy_(torch.tensor([[0.0, 0.0], [0.1, 0.1], [50.0, 50.0]]))
        if update == "ema":
            never.ema_sum.copy_(never.codebook)
    for _ in range(5):
        never(z)
    assert float(never.codebook[2, 0].detach()) == pytest.approx(50.0, rel=1e-3)


def test_a_restart_in_loss_mode_still_backpropagates():
    q = VectorQuantizer(3, 2, dead_code_restart=1).train()
    z = torch.randn(1, 8, 2, requires_grad=True)
    out = q(z)
    (out.z_q.sum() + out.codebook_loss + out.commitment_loss).backward()
    assert z.grad is not None and q.codebook.grad is not None


# --------------------------------------------------------------------------- prior
def test_the_prior_is_causal():
    torch.manual_seed(0)
    prior = CodePrior(7, 10, dim=16, n_layers=2, n_heads=4).eval()
    codes = torch.randint(0, 7, (3, 10))
    base = prior(codes)
    for j in range(10):
        changed = codes.clone()
        changed[:, j] = (changed[:, j] + 1) % 7
        out = prior(changed)
        # the logits of position i (p(k_i | k_<i)) never see k_j for j >= i
        torch.testing.assert_close(out[:, :j + 1], base[:, :j + 1], rtol=0, atol=1e-6)
        if j + 1 < 10:
            assert not torch.allclose(out[:, j + 1], base[:, j + 1])
    nll = prior.nll(codes)
    by_hand = -torch.log_softmax(base, -1).gather(2, codes[..., None]).mean()
    assert float(nll.detach()) == pytest.approx(float(by_hand.detach()), rel=1e-5)


def test_prior_samples_are_seeded_and_in_range():
    prior = CodePrior(5, 6, dim=8, n_layers=1, n_heads=2).eval()
    a = prior.sample(4, generator=torch.Generator().manual_seed(1))
    b = prior.sample(4, generator=torch.Generator().manual_seed(1))
    assert a.shape == (4, 6) and a.dtype == torch.int64 and a.min() >= 0 and a.max() < 5
    torch.testing.assert_close(a, b, rtol=0, atol=0)


# --------------------------------------------------------------------------- estimator
@pytest.fixture(scope="module")
def images():
    return load_mnist5k().X[:256]


SMALL = dict(conv_channels=(8, 16), n_codes=16, prior_dim=16, prior_heads=2, prior_layers=1,
             batch_size=64, epochs=3, device="cpu", random_state=0, image_shape=(28, 28),
             dead_code_restart=4)


def small(**kw):
    return VQVAE(4, **{**SMALL, **kw})


@pytest.fixture(scope="module")
def fitted(images):
    return small(epochs=6, batch_size=16, learning_rate=3e-3).fit(images)


def test_registered_with_the_agreed_interface():
    info = get_method("vq_vae")
    assert info.family == "neural" and info.kind == "neural" and info.cls is VQVAE
    for name in ("fit", "transform", "inverse_transform", "reconstruct", "sample", "save"):
        assert callable(getattr(VQVAE, name))


def test_training_reduces_reconstruction_error_and_prior_nll(fitted, images):
    h = fitted.history_
    assert h[-1]["reconstruction"] < 0.7 * h[0]["reconstruction"]
    assert h[-1]["prior_nll"] < h[0]["prior_nll"]
    assert h[-1]["prior_nll"] < math.log(16) - 0.3           # better than uniform over K
    for r in h:
        assert r["steps.vqvae"] == r["step"] and r["steps.prior"] == 2 * r["step"]  # prior_steps
        assert 1.0 <= r["perplexity"] <= 16.0
        assert r["loss"] == pytest.approx(r["reconstruction"] + 0.25 * r["commitment"], rel=1e-5)
    untrained = small(epochs=1).fit(images[:64])
    err = lambda est: float(((est.reconstruct(images) - images) ** 2).sum(1).mean())  # noqa
    assert err(fitted) < err(untrained)


def test_transform_gives_integer_indices_and_inverse_transform_decodes(fitted, images):
    codes = fitted.transform(images[:10])
    assert codes.shape == (10, 49) and codes.dtype == np.int64 and fitted.grid_shape_ == (7, 7)
    assert codes.min() >= 0 and codes.max() < 16
    np.testing.assert_array_equal(fitted.reconstruct(images[:10]), fitted.inverse_transform(codes))
    usage = fitted.codebook_usage(images)
    assert usage.sum() == 256 * 49 and usage.shape == (16,)
    with pytest.raises(DataError, match="outside"):
        fitted.inverse_transform(np.full((1, 49), 16))
    with pytest.raises(DataError, match="49 codes"):
        fitted.inverse_transform(np.zeros((1, 48), dtype=int))
    with pytest.raises(DataError, match="integer"):
        fitted.inverse_transform(np.full((1, 49), 0.5))
    assert fitted.interpolate(images[0], images[1], steps=5).shape == (5, 784)


def test_sample_shapes_range_and_seed(fitted):
    a = fitted.sample(5, random_state=3)
    assert a.shape == (5, 784) and np.all((a >= 0) & (a <= 1))
    np.testing.assert_array_equal(a, fitted.sample(5, random_state=3))
    assert not np.array_equal(a, fitted.sample(5, random_state=4))
    assert fitted.sample().shape == (1, 784)
    with pytest.raises(ParameterError, match="n_samples=0"):
        fitted.sample(0)


def test_save_load_round_trip(fitted, images, tmp_path):
    fitted.save(tmp_path / "vq")
    back = latentlearn.load(tmp_path / "vq")
    assert type(back) is VQVAE and back.get_params() == fitted.get_params()
    np.testing.assert_array_equal(back.transform(images), fitted.transform(images))
    np.testing.assert_array_equal(back.sample(4, random_state=0), fitted.sample(4, random_state=0))
    for key, value in fitted.model_.state_dict().items():
        assert torch.equal(value, back.model_.state_dict()[key]), key


class Crash(Exception):
    pass


@pytest.mark.parametrize("update", ["ema", "loss"])
def test_resume_equals_the_straight_run(images, tmp_path, update):
    kw = dict(epochs=3, codebook_update=update, dead_code_restart=1)   # restarts draw randoms
    straight = small(checkpoint_dir=tmp_path / "a", **kw).fit(images)

    def crash(event, logs):
        if event == "step" and logs["step"] == 4 + 2:
            raise Crash

    with pytest.raises(Crash):
        small(checkpoint_dir=tmp_path / "b", callback=crash, **kw).fit(images)
    resumed = small(checkpoint_dir=tmp_path / "b", resume=True, **kw).fit(images)
    strip = lambda h: [{k: v for k, v in r.items() if k != "time_s"} for r in h]  # noqa: E731
    assert strip(resumed.history_) == strip(straight.history_)
    assert any(r["restarted_codes"] > 0 for r in straight.history_)
    for key, value in straight.model_.state_dict().items():
        assert torch.equal(value, resumed.model_.state_dict()[key]), key


def test_the_mlp_variant_gives_a_1d_grid_on_non_image_data():
    X = np.random.default_rng(0).random((120, 5)).astype(np.float32)
    est = VQVAE(3, grid_size=4, n_codes=8, hidden_dims=(16,), prior_dim=8, prior_heads=2,
                prior_layers=1, reconstruction="mse", epochs=2, batch_size=40, device="cpu",
                random_state=0).fit(X)
    assert est.model_.config.architecture == "mlp" and est.grid_shape_ == (4,)
    assert est.transform(X).shape == (120, 4) and est.sample(3, random_state=0).shape == (3, 5)


def test_bad_input_is_named(images):
    with pytest.raises(ParameterError, match="encoder"):
        small(encoder="mlp").fit(images[:64])
    with pytest.raises(ParameterError, match="burgess"):
        small(architecture="burgess").fit(images[:64])
    with pytest.raises((ParameterError, ValueError), match="n_codes"):
        small(n_codes=1).fit(images[:64])
    with pytest.raises((ParameterError, ValueError), match="codebook_update"):
        small(codebook_update="kmeans").fit(images[:64])


def test_scikit_learn_parameter_contract():
    from sklearn.base import clone
    from sklearn.utils.estimator_checks import (check_no_attributes_set_in_init,
                                                check_parameters_default_constructible)

    check_parameters_default_constructible("VQVAE", VQVAE())
    check_no_attributes_set_in_init("VQVAE", VQVAE())
    est = VQVAE(8, n_codes=32)
    assert clone(est).get_params() == est.get_params() and est.latent_dim == 8
    params = VQVAE().get_params()
    assert params["commitment_cost"] == 0.25 and params["ema_decay"] == 0.99
    assert params["architecture"] == "auto"
    for name in params:
        assert f"\n{name} : " in VQVAE.__doc__, name        # every parameter documented


def test_rarely_used_codes_are_restarted_below_the_usage_threshold():
    torch.manual_seed(0)
    q = VectorQuantizer(3, 1, decay=0.5, dead_code_threshold=0.8).train()
    with torch.no_grad():
        q.codebook.copy_(torch.tensor([[0.0], [1.0], [10.0]]))
    z = torch.tensor([0.0] * 7 + [1.0] + [10.0]).view(1, 9, 1)   # uses 7, 1, 1
    out = q(z)      # usage 0.5 * 1 + 0.5 * n: 4, 1, 1 -- none below 0.8
    assert int(out.restarted) == 0
    z2 = torch.tensor([0.0] * 8 + [10.0]).view(1, 9, 1)          # code 1 unused: 0.5 < 0.8
    out = q(z2)
    assert int(out.restarted) == 1 and float(q.usage[1]) == 1.0
    assert float(q.codebook[1, 0].detach()) in (0.0, 10.0)        # an encoder output of z2
