"""Run folders: sampling from the model a run saved."""

import numpy as np
import pytest

from latentlearn.exceptions import ParameterError
from latentlearn.neural import VAE, Autoencoder
from latentlearn.runs import sample_from_run

X = (np.random.default_rng(2).random((100, 16)) > 0.5).astype(np.float32)


def test_sample_from_run_reads_the_model_folder(tmp_path):
    vae = VAE(2, hidden_dims=(8,), epochs=1, device="cpu", random_state=0).fit(X)
    vae.save(tmp_path / "run" / "model")
    samples = sample_from_run(tmp_path / "run", n=64, seed=1)
    assert samples.shape == (64, 16)
    np.testing.assert_array_equal(samples, vae.sample(64, random_state=1))
    Autoencoder(2, hidden_dims=(8,), epochs=1, device="cpu").fit(X).save(tmp_path / "ae")
    with pytest.raises(ParameterError, match="no prior"):
        sample_from_run(tmp_path / "ae")
