"""The issue's evidence on mnist5k (slow), and sampling from a saved run (fast)."""

import numpy as np
import pytest

from latentlearn.neural import VAE, Autoencoder
from latentlearn.neural.evidence import mnist_evidence, sample_from_run
from latentlearn.exceptions import ParameterError

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


@pytest.mark.slow
def test_mnist5k_evidence(tmp_path):
    import matplotlib.pyplot as plt

    out = mnist_evidence(epochs=20, iwae_k=500, device="cpu")
    m = out["metrics"]
    print({k: round(v, 4) for k, v in m.items()})
    for name in ("ae", "vae"):
        assert m[f"{name}2d_knn_accuracy"] > 0.5          # far above chance (0.1)
    assert m["vae_test_neg_log_px_iwae"] <= m["vae_test_neg_elbo"]
    assert m["vae_test_neg_elbo"] < 140
    assert m["arithmetic_thickness_spearman"] > 0.5      # adding v thickens the strokes
    assert set(out["figures"]) >= {"latent_ae_vs_vae", "reconstructions", "samples",
                                   "interpolations", "latent_arithmetic", "loss_curve"}
    from latentlearn.fileio import save_figure
    import os
    folder = os.environ.get("LATENTLEARN_EVIDENCE_DIR", str(tmp_path))
    for name, fig in out["figures"].items():
        save_figure(fig, f"{folder}/{name}.png")
    plt.close("all")
