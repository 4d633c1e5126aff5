"""torch and pandas in and out of the neural estimators (issue 16, items 3 and 4).

Every inference method takes what fit takes (an array, a DataFrame, a Dataset) and torch data
(a tensor, a torch Dataset, a DataLoader); the reference is the same method on the numpy
array, which each other kind must reproduce bit for bit (the VAE's random draws included).
"""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from latentlearn.datasets import Dataset
from latentlearn.exceptions import DataError, ParameterError
from latentlearn.neural import GAN, VAE, VQVAE, Autoencoder, ContrastiveEmbedding

RNG = np.random.default_rng(3)
X = RNG.random((75, 12)).astype(np.float32)      # 75 rows: batches of 7, 13... do not divide it
SMALL = dict(hidden_dims=(10,), epochs=1, batch_size=16, device="cpu", random_state=0)


@pytest.fixture(scope="module")
def vae():
    return VAE(3, **SMALL).fit(X)


@pytest.fixture(scope="module")
def fitted(vae):
    return {
        "vae": vae,
        "ae": Autoencoder(4, **SMALL).fit(X),
        "vq_vae": VQVAE(3, grid_size=2, n_codes=6, prior_dim=8, prior_heads=2, **SMALL).fit(X),
        "contrastive": ContrastiveEmbedding(n_neighbors=3, **SMALL).fit(X),
    }


def _sources(A):
    """The same rows as each input kind the methods take (A is the numpy reference)."""
    t = torch.as_tensor(A)
    return {
        "tensor": t,
        "float64 tensor": t.double(),
        "Dataset": Dataset(X=A, name="x"),
        "TensorDataset": torch.utils.data.TensorDataset(t),
        "DataLoader of a tensor": torch.utils.data.DataLoader(t, batch_size=7),
        "DataLoader of (x, y)": torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(t, torch.zeros(len(t))), batch_size=13),
        "DataFrame": pd.DataFrame(A),
    }


KINDS = list(_sources(X))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["vae", "ae", "vq_vae", "contrastive"])
def test_transform_takes_every_input_kind(fitted, name, kind):
    est = fitted[name]
    np.testing.assert_array_equal(est.transform(_sources(X)[kind]), est.transform(X))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["vae", "ae", "vq_vae"])
def test_decoding_methods_take_every_input_kind(fitted, name, kind):
    est = fitted[name]
    codes = est.transform(X)
    if kind != "float64 tensor" or name != "vq_vae":   # VQ codes are integers
        np.testing.assert_array_equal(est.inverse_transform(_sources(codes)[kind]),
                                      est.inverse_transform(codes))
    np.testing.assert_array_equal(est.reconstruct(_sources(X)[kind]), est.reconstruct(X))


@pytest.mark.parametrize("kind", KINDS)
def test_vae_likelihood_methods_take_every_input_kind(vae, kind):
    """The ELBO's draws of z come in the same order whatever the input kind (the rows are
    re-chunked into the array path's batches), so the values are equal, not just close."""
    source = _sources(X)[kind]
    np.testing.assert_array_equal(vae.elbo(source, n_samples=3, random_state=5),
                                  vae.elbo(X, n_samples=3, random_state=5))
    assert vae.score(source) == vae.score(X)
    np.testing.assert_array_equal(vae.log_likelihood(source, k=4, batch_size=10),
                                  vae.log_likelihood(X, k=4, batch_size=10))


@pytest.mark.parametrize("kind", KINDS)
def test_vq_vae_prior_methods_take_every_input_kind(fitted, kind):
    est = fitted["vq_vae"]
    np.testing.assert_array_equal(est.prior_nll(_sources(X)[kind]), est.prior_nll(X))
    np.testing.assert_array_equal(est.codebook_usage(_sources(X)[kind]), est.codebook_usage(X))


def test_images_in_a_dataloader_are_flattened(vae):
    images = torch.as_tensor(X).reshape(75, 1, 3, 4)           # (n, channels, height, width)
    loader = torch.utils.data.DataLoader(images, batch_size=9)
    np.testing.assert_array_equal(vae.transform(loader), vae.transform(X))


def test_output_torch(fitted):
    vae = fitted["vae"]
    z = vae.transform(X, output="torch")
    assert torch.is_tensor(z) and z.device == vae._device() and z.dtype == torch.float32
    np.testing.assert_array_equal(z.numpy(), vae.transform(X))
    x_hat = vae.inverse_transform(z, output="torch")
    np.testing.assert_array_equal(x_hat.numpy(), vae.inverse_transform(z.numpy()))
    np.testing.assert_array_equal(vae.elbo(X, output="torch").numpy(), vae.elbo(X))
    codes = fitted["vq_vae"].transform(torch.as_tensor(X), output="torch")
    assert codes.dtype == torch.int64
    with pytest.raises(ParameterError, match="output='pandas' is not known"):
        vae.transform(X, output="pandas")


def test_fit_on_a_tensor_is_fit_on_the_array():
    a = VAE(3, **SMALL).fit(torch.as_tensor(X)).transform(X)
    np.testing.assert_array_equal(a, VAE(3, **SMALL).fit(X).transform(X))


def test_torch_input_errors(fitted):
    vae, vq = fitted["vae"], fitted["vq_vae"]
    with pytest.raises(DataError, match=r"X has 5 columns .* fitted on 12"):
        vae.transform(torch.zeros(4, 5))
    with pytest.raises(DataError, match="1-D tensor"):
        vae.transform(torch.zeros(12))
    bad = torch.as_tensor(X).clone()
    bad[40, 3] = float("nan")
    with pytest.raises(DataError, match="NaN"):
        vae.transform(torch.utils.data.DataLoader(bad, batch_size=8))
    with pytest.raises(DataError, match="Z has 2 columns .* latent space has 3"):
        vae.inverse_transform(torch.zeros(4, 2))
    with pytest.raises(DataError, match="outside"):
        vq.inverse_transform(torch.full((2, vq.model_.n_cells), 99))
    with pytest.raises(DataError, match="integer code indices"):
        vq.inverse_transform(torch.full((2, vq.model_.n_cells), 0.5))
    words = torch.utils.data.DataLoader(["a", "b"], batch_size=2)
    with pytest.raises(DataError, match="must be a tensor"):
        vae.transform(words)


# --------------------------------------------------------------------------- pandas
def test_feature_names_and_set_output(vae):
    names = [f"pixel{i}" for i in range(12)]
    frame = pd.DataFrame(X, columns=names, index=np.arange(100, 175))
    est = VAE(3, **SMALL).fit(frame)
    np.testing.assert_array_equal(est.feature_names_in_, names)
    assert list(est.get_feature_names_out()) == ["vae0", "vae1", "vae2"]
    out = est.set_output(transform="pandas").transform(frame)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["vae0", "vae1", "vae2"]
    np.testing.assert_array_equal(out.index, frame.index)
    np.testing.assert_array_equal(out.to_numpy(), vae.transform(X))
    with pytest.warns(UserWarning, match="feature names"):
        est.transform(pd.DataFrame(X))            # other names than at fit: scikit-learn warns
    # set_output applies to transform alone; the other methods stay arrays
    assert isinstance(est.reconstruct(frame), np.ndarray)
    z1, z2 = est.transform(frame.iloc[:2]).to_numpy()
    assert est.interpolate(X[0], X[1], steps=3).shape == (3, 12)


def test_a_column_called_X_is_data_not_a_dataset(vae):
    frame = pd.DataFrame(X, columns=["X"] + [f"f{i}" for i in range(11)])
    est = VAE(3, **SMALL).fit(frame)
    assert est.n_features_in_ == 12
    np.testing.assert_array_equal(est.transform(frame), vae.transform(X))


@pytest.mark.parametrize("scaler, likelihood", [(MinMaxScaler(), "bernoulli"),
                                                (StandardScaler(), "gaussian")])
def test_pipeline_with_a_vae_step_outputs_a_dataframe(scaler, likelihood):
    frame = pd.DataFrame(X * 5 + 1, columns=[f"f{i}" for i in range(12)])
    pipe = make_pipeline(scaler, VAE(2, likelihood=likelihood, **SMALL))
    out = pipe.set_output(transform="pandas").fit_transform(frame)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["vae0", "vae1"]
    np.testing.assert_array_equal(pipe[-1].feature_names_in_, frame.columns)
    assert list(pipe.get_feature_names_out()) == ["vae0", "vae1"]
    reference = VAE(2, likelihood=likelihood, **SMALL).fit(scaler.transform(frame).to_numpy())
    np.testing.assert_array_equal(out.to_numpy(), reference.transform(
        scaler.transform(frame).to_numpy()))


def test_vq_vae_feature_names_count_code_cells(fitted):
    vq = fitted["vq_vae"]
    assert list(vq.get_feature_names_out()) == [f"vqvae{i}" for i in range(vq.model_.n_cells)]


def test_gans_have_no_transform_hence_no_feature_names():
    gan = GAN()
    assert not hasattr(gan, "transform") and not hasattr(gan, "get_feature_names_out")
    assert not hasattr(gan, "set_output")
