"""Networks: the Burgess et al. 2018 / Higgins et al. 2017 dSprites conv nets, builders by name,
and user encoder / decoder modules (train, save without pickling, load with the module again)."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from torch import nn

import latentlearn
from latentlearn.datasets.dsprites import make_dsprites
from latentlearn.exceptions import CheckpointError, ParameterError
from latentlearn.neural import VAE, Autoencoder, SparseAutoencoder
from latentlearn.neural.networks import (BurgessDecoder, BurgessEncoder, build_network,
                                         network_names, register_network)

RNG = np.random.default_rng(3)
X = (RNG.random((96, 12)) > 0.6).astype(np.float32)
SMALL = dict(epochs=2, batch_size=32, device="cpu", random_state=0)


def n_params(module):
    return sum(p.numel() for p in module.parameters())


# --------------------------------------------------------------------------- Burgess networks
def test_burgess_encoder_halves_64_to_4_and_outputs_the_code_width():
    enc = BurgessEncoder((64, 64), 20)
    sizes = []
    for layer in enc.conv:
        if isinstance(layer, nn.Conv2d):
            layer.register_forward_hook(lambda m, i, o: sizes.append(tuple(o.shape[1:])))
    out = enc(torch.zeros(5, 64 * 64))
    assert out.shape == (5, 20)
    assert sizes == [(32, 32, 32), (32, 16, 16), (64, 8, 8), (64, 4, 4)]
    assert all(m.kernel_size == (4, 4) and m.stride == (2, 2)
               for m in enc.conv if isinstance(m, nn.Conv2d))


def test_burgess_decoder_mirrors_4_to_64():
    dec = BurgessDecoder(10, (64, 64))
    sizes = []
    for layer in dec.deconv:
        if isinstance(layer, nn.ConvTranspose2d):
            layer.register_forward_hook(lambda m, i, o: sizes.append(tuple(o.shape[1:])))
    assert dec(torch.zeros(3, 10)).shape == (3, 64 * 64)
    assert sizes == [(64, 8, 8), (32, 16, 16), (32, 32, 32), (1, 64, 64)]


def test_burgess_parameter_count_is_the_papers_architecture():
    # Hand count, 64x64x1 images, latent_dim 10 (VAE encoder outputs 2 * 10):
    # conv k=4: (c_in * 16 + 1) * c_out; dense: (n_in + 1) * n_out.
    enc = (1 * 16 + 1) * 32 + (32 * 16 + 1) * 32 + (32 * 16 + 1) * 64 + (64 * 16 + 1) * 64 \
        + (64 * 4 * 4 + 1) * 256 + (256 + 1) * 20
    dec = (10 + 1) * 256 + (256 + 1) * 64 * 4 * 4 \
        + (64 * 16 + 1) * 64 + (64 * 16 + 1) * 32 + (32 * 16 + 1) * 32 + (32 * 16 + 1) * 1
    assert enc == 382_932 and dec == 381_313
    assert n_params(BurgessEncoder((64, 64), 20)) == enc
    assert n_params(BurgessDecoder(10, (64, 64))) == dec


def test_burgess_takes_any_size_divisible_by_16_and_channels_last():
    enc, dec = BurgessEncoder((32, 48, 3), 6), BurgessDecoder(3, (32, 48, 3))
    assert enc(torch.zeros(2, 32 * 48 * 3)).shape == (2, 6)
    assert dec(torch.zeros(2, 3)).shape == (2, 32 * 48 * 3)
    # channels last, as a Dataset stores pixels: a flat row is (h, w, c) in C order.
    img = torch.zeros(1, 32, 48, 3)
    img[0, 5, 7, 2] = 1.0
    flat = img.flatten(1)
    first = enc.conv[0](img.permute(0, 3, 1, 2))
    assert torch.equal(enc.conv[0](flat.reshape(-1, 32, 48, 3).permute(0, 3, 1, 2)), first)
    with pytest.raises(ParameterError, match="divisible by 16"):
        BurgessEncoder((60, 60), 4)
    with pytest.raises(ParameterError, match="image shape"):
        build_network("burgess", "encoder", 4096, 4)


def test_vae_with_burgess_fits_one_epoch_on_dsprites_and_round_trips(tmp_path):
    data = make_dsprites(48, random_state=0)
    est = VAE(4, architecture="burgess", epochs=1, batch_size=16, device="cpu",
              random_state=0).fit(data)
    assert isinstance(est.model_.encoder, BurgessEncoder)
    assert isinstance(est.model_.decoder, BurgessDecoder)
    assert np.isfinite(est.history_[0]["loss"])
    Z = est.transform(data.X[:6])
    assert Z.shape == (6, 4) and est.inverse_transform(Z).shape == (6, 4096)
    est.save(tmp_path / "m")
    again = latentlearn.load(tmp_path / "m")
    assert again.architecture == "burgess"
    np.testing.assert_array_equal(again.transform(data.X[:6]), Z)


def test_burgess_on_the_wrong_size_says_what_is_needed():
    with pytest.raises(ParameterError, match="divisible by 16"):
        VAE(2, architecture="burgess", image_shape=(3, 4), **SMALL).fit(X)


# --------------------------------------------------------------------------- user modules
def user_nets(latent=2, out=4, seed=0):
    torch.manual_seed(seed)
    enc = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, out))
    dec = nn.Sequential(nn.Linear(latent, 16), nn.ReLU(), nn.Linear(16, 12))
    return enc, dec


@pytest.mark.parametrize("cls, out", [(VAE, 4), (Autoencoder, 2), (SparseAutoencoder, 2)])
def test_user_modules_train_save_and_load_with_the_module_again(tmp_path, cls, out):
    enc, dec = user_nets(out=out)
    before = {k: v.clone() for k, v in enc.state_dict().items()}
    est = cls(2, encoder=enc, decoder=dec, **SMALL).fit(X)
    # fit trains a copy: the parameter stays as the user gave it (scikit-learn's contract).
    assert all(torch.equal(before[k], v) for k, v in enc.state_dict().items())
    assert est.history_[-1]["loss"] < est.history_[0]["loss"] or len(est.history_) == 2
    assert est.model_.config.encoder_network == "user:Sequential"
    Z = est.transform(X)
    est.save(tmp_path / "m")
    fresh_enc, fresh_dec = user_nets(out=out, seed=9)  # other initial weights: replaced
    loaded = latentlearn.load(tmp_path / "m", encoder=fresh_enc, decoder=fresh_dec)
    assert type(loaded) is cls and loaded.encoder is fresh_enc
    np.testing.assert_array_equal(loaded.transform(X), Z)
    np.testing.assert_array_equal(loaded.inverse_transform(Z), est.inverse_transform(Z))


def test_user_module_is_deterministic_given_random_state():
    enc, dec = user_nets()
    a = VAE(2, encoder=enc, decoder=dec, **SMALL).fit(X).transform(X)
    b = VAE(2, encoder=enc, decoder=dec, **SMALL).fit(X).transform(X)
    np.testing.assert_array_equal(a, b)


def test_loading_without_the_user_module_says_to_pass_it_again(tmp_path):
    enc, dec = user_nets()
    VAE(2, encoder=enc, **SMALL).fit(X).save(tmp_path / "m")
    with pytest.raises(CheckpointError, match=r"Pass the module again.*encoder=Sequential"):
        latentlearn.load(tmp_path / "m")
    with pytest.raises(CheckpointError, match="not a user module"):
        latentlearn.load(tmp_path / "m", encoder=enc, decoder=dec)
    assert latentlearn.load(tmp_path / "m", encoder=enc).decoder is None


def test_a_classical_folder_refuses_modules(tmp_path):
    from latentlearn.decomposition import PCA

    PCA(2).fit(X).save(tmp_path / "p")
    with pytest.raises(CheckpointError, match="takes no encoder"):
        latentlearn.load(tmp_path / "p", encoder=nn.Linear(12, 2))


def test_wrong_output_shape_names_the_expected_shape():
    enc, dec = user_nets(out=2)   # a VAE encoder must output 2 * latent_dim = 4
    with pytest.raises(ParameterError, match=r"expected \(2, 4\).*2 \* latent_dim"):
        VAE(2, encoder=enc, **SMALL).fit(X)
    with pytest.raises(ParameterError, match=r"expected \(2, 12\).*n_features"):
        Autoencoder(2, decoder=nn.Linear(2, 5), **SMALL).fit(X)
    with pytest.raises(ParameterError, match=r"failed on a batch of shape \(batch, 12\)"):
        Autoencoder(2, encoder=nn.Linear(7, 2), **SMALL).fit(X)


def test_clone_and_get_params_with_a_module():
    enc, dec = user_nets()
    est = VAE(2, encoder=enc, decoder=dec, **SMALL)
    assert est.get_params()["encoder"] is enc
    copy = clone(est)
    assert copy.encoder is not enc
    assert all(torch.equal(a, b) for a, b in zip(copy.encoder.state_dict().values(),
                                                enc.state_dict().values()))
    np.testing.assert_array_equal(copy.fit(X).transform(X), est.fit(X).transform(X))


def test_bad_encoder_values_are_refused():
    with pytest.raises(ParameterError, match="encoder="):
        VAE(2, encoder=3, **SMALL).fit(X)
    with pytest.raises(ParameterError, match="'nope' is not a registered network"):
        VAE(2, decoder="nope", **SMALL).fit(X)


# --------------------------------------------------------------------------- builders by name
def test_builtin_builders_are_registered():
    assert {"mlp", "conv", "burgess"} <= set(network_names())


def test_a_registered_builder_name_round_trips_without_passing_anything(tmp_path):
    calls = []

    @register_network("test_two_layer")
    def two_layer(n_in, n_out, *, role, **kw):
        calls.append(role)
        return nn.Sequential(nn.Linear(n_in, 8), nn.Tanh(), nn.Linear(8, n_out))

    est = VAE(2, encoder="test_two_layer", decoder="mlp", hidden_dims=(6,), **SMALL).fit(X)
    assert calls == ["encoder"] and est.model_.config.encoder_network == "test_two_layer"
    assert isinstance(est.model_.encoder[1], nn.Tanh)
    est.save(tmp_path / "m")
    loaded = latentlearn.load(tmp_path / "m")
    assert loaded.encoder == "test_two_layer" and loaded.decoder == "mlp"
    np.testing.assert_array_equal(loaded.transform(X), est.transform(X))
    with pytest.raises(ParameterError, match="registered already"):
        register_network("test_two_layer")(lambda n_in, n_out, **kw: nn.Linear(n_in, n_out))


def test_code_activation_is_applied_after_a_user_encoder():
    enc, dec = user_nets(out=2)
    est = SparseAutoencoder(2, encoder=enc, decoder=dec, **SMALL).fit(X)
    trained = est.model_.encoder[0]          # the user's (copied, trained) module
    with torch.no_grad():
        expected = torch.sigmoid(trained(torch.as_tensor(X))).numpy()
    np.testing.assert_allclose(est.transform(X), expected, rtol=0, atol=1e-6)


def test_a_run_with_user_modules_resumes_to_the_uninterrupted_weights(tmp_path):
    enc, dec = user_nets()
    full = VAE(2, encoder=enc, decoder=dec, **dict(SMALL, epochs=3)).fit(X)
    ckpt = tmp_path / "ckpt"
    VAE(2, encoder=enc, decoder=dec, checkpoint_dir=ckpt, **dict(SMALL, epochs=1)).fit(X)
    resumed = VAE(2, encoder=enc, decoder=dec, checkpoint_dir=ckpt, resume=True,
                  **dict(SMALL, epochs=3)).fit(X)
    np.testing.assert_array_equal(resumed.transform(X), full.transform(X))
