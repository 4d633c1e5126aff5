"""GANs in runs: mode coverage in metrics.json, the adversarial figures, `latentlearn sample`.

Planted bugs each test caught (then reverted): fit_run not calling mode_metrics -> no
modes_covered in metrics.json; figure_sample_snapshots returning early for 2-D data -> no
sample_snapshots figure; GAN estimators keeping TransformerMixin's fit_transform -> fit_run
treats the GAN as an embedder and calls transform.
"""

import json

import numpy as np
from typer.testing import CliRunner

from latentlearn.cli import app
from latentlearn.datasets import load, make_gaussian_ring
from latentlearn.figures import make_figures
from latentlearn.metrics import METRIC_INFO
from latentlearn.runs import fit_run, write_run

TINY = {"hidden_dims": (16, 16), "latent_dim": 4, "epochs": 3, "batch_size": 64,
        "device": "cpu", "n_snapshots": 3}


def test_a_gan_on_the_ring_gets_mode_metrics_and_figures(tmp_path):
    ring = make_gaussian_ring(192, random_state=0)
    result = fit_run("wgan_gp", ring, TINY)
    m = result.metrics
    assert m["n_modes"] == 8 and 0 <= m["modes_covered"] <= 8 and m["mode_n_samples"] == 2000
    assert 0.0 <= m["high_quality_share"] <= 1.0
    assert result.embedding is None
    assert {"modes_covered", "high_quality_share"} <= set(METRIC_INFO)
    names = [f.name for f in make_figures(result)]
    assert {"adversarial_losses", "wasserstein_estimate", "sample_snapshots"} <= set(names)
    out = write_run(result, tmp_path / "run")
    assert json.loads((out / "metrics.json").read_text())["modes_covered"] == m["modes_covered"]
    assert (out / "figures" / "sample_snapshots.png").is_file()
    runner = CliRunner()
    done = runner.invoke(app, ["sample", str(out), "--n", "5", "--out", str(tmp_path / "s.npy")])
    assert done.exit_code == 0, done.output
    assert np.load(tmp_path / "s.npy").shape == (5, 2)


def test_a_gan_on_images_draws_image_snapshots(tmp_path):
    digits = load("digits")   # 8 x 8 images
    result = fit_run("gan", digits, dict(TINY, conv_channels=(4, 8), epochs=1))
    assert result.estimator.model_.config.architecture == "conv"
    assert "modes_covered" not in result.metrics
    names = [f.name for f in make_figures(result)]
    assert {"samples", "sample_snapshots", "adversarial_losses"} <= set(names)
