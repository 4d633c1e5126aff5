"""The autoencoder-against-VAE evidence on mnist5k (slow)."""

import pytest

from latentlearn.apps.neural_evidence import mnist_evidence


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


def test_mnist5k_evidence_runs_end_to_end_cheaply():
    """One epoch, a tiny IWAE: the experiment and its figures still run (the slow test above
    checks the numbers)."""
    import matplotlib.pyplot as plt

    out = mnist_evidence(epochs=1, iwae_k=2, device="cpu")
    assert set(out["figures"]) == {"latent_ae_vs_vae", "reconstructions", "samples",
                                   "interpolations", "latent_arithmetic", "loss_curve"}
    m = out["metrics"]
    assert m["vae_test_neg_log_px_iwae"] <= m["vae_test_neg_elbo"] + 5.0  # noisy at k = 2
    assert all(v == v for v in m.values())  # no NaN
    plt.close("all")
