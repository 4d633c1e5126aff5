"""`latentlearn evaluate RUN --metrics ...`: sample-quality scores of a generative run (its
samples against the held-out or all rows of its data), merged into metrics.json and the
report; the features chosen automatically; and the errors."""

import numpy as np
import pytest

from latentlearn import load as load_model
from latentlearn.datasets import load
from latentlearn.metrics import (frechet_distance, kernel_distance, precision_recall,
                                 sample_mmd2)
from latentlearn.neural.latent import held_out_index

from test_cli_evaluate import VAE_ARGS, invoke, read  # the evaluate tests' CLI helpers


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("evaluate_metrics") / "vae-digits"
    result = invoke("fit", "vae", "--data", "digits", "--data-option", "n_samples=400",
                    *VAE_ARGS, "--set", "validation_fraction=0.25", "--out", out)
    assert result.exit_code == 0, result.output
    return out


def test_evaluate_metrics_scores_samples_against_the_held_out_rows(digits_run):
    before = read(digits_run / "metrics.json")
    result = invoke("evaluate", digits_run, "--metrics", "fd,kd,precision_recall,mmd")
    assert result.exit_code == 0, result.output
    metrics = read(digits_run / "metrics.json")
    model = load_model(digits_run / "model")
    data = load("digits", n_samples=400)
    held = held_out_index(model, 400)
    assert len(held) == 100
    real, fake = data.X[held], model.sample(100, random_state=0)
    assert metrics["frechet_distance"] == pytest.approx(frechet_distance(real, fake), rel=1e-6)
    assert metrics["kernel_distance"] == pytest.approx(kernel_distance(real, fake), rel=1e-6)
    pr = precision_recall(real, fake)
    assert (metrics["precision"], metrics["recall"]) == pytest.approx(tuple(pr))
    assert metrics["mmd2"] == pytest.approx(sample_mmd2(real, fake), rel=1e-6)
    assert metrics["sample_metrics_n_samples"] == 100
    assert metrics["sample_metrics_held_out"] == 1
    assert metrics["sample_metrics_mnist_features"] == 0     # 8x8 digits: raw values
    assert metrics["fit_time_s"] == before["fit_time_s"]     # merged, not replaced
    page = (digits_run / "report.html").read_text()
    assert "Frechet distance (Heusel et al. 2017)" in page and "Kynkaanniemi" in page
    assert "frechet_distance" in result.output


def test_mnist_runs_use_the_mnist_features(tmp_path):
    run = tmp_path / "vae-mnist"
    result = invoke("fit", "vae", "--data", "mnist5k", "--data-option", "n_samples=300",
                    *VAE_ARGS, "--out", run)
    assert result.exit_code == 0, result.output
    result = invoke("evaluate", run, "--metrics", "fd", "--max-samples", "200")
    assert result.exit_code == 0, result.output
    metrics = read(run / "metrics.json")
    assert metrics["sample_metrics_mnist_features"] == 1
    assert metrics["sample_metrics_held_out"] == 0 and metrics["sample_metrics_n_samples"] == 200
    data = load("mnist5k", n_samples=300)
    rows = np.sort(np.random.default_rng(0).choice(np.arange(300), size=200, replace=False))
    fake = load_model(run / "model").sample(200, random_state=0)
    expected = frechet_distance(data.X[rows], fake, features="mnist")
    assert metrics["frechet_distance"] == pytest.approx(expected, rel=1e-6)
    assert "kernel_distance" not in metrics
    result = invoke("evaluate", run, "--metrics", "fd", "--max-samples", "200",
                    "--features", "raw")
    assert result.exit_code == 0, result.output    # 784 raw features need 785 samples
    assert "fd not computed" in result.output and "785 samples" in result.output
    assert read(run / "metrics.json")["sample_metrics_mnist_features"] == 0


def test_classical_generators_are_scored_too(tmp_path):
    run = tmp_path / "pca"
    result = invoke("fit", "pca", "--data", "digits", "--set", "n_components=5", "--out", run)
    assert result.exit_code == 0, result.output
    result = invoke("evaluate", run, "--metrics", "kd,pr")
    assert result.exit_code == 0, result.output
    metrics = read(run / "metrics.json")
    assert {"kernel_distance", "precision", "recall"} <= set(metrics)
    assert metrics["sample_metrics_n_samples"] == 1797


def test_evaluate_metrics_errors(digits_run, tmp_path):
    result = invoke("evaluate", digits_run, "--metrics", "fd,inception_score")
    assert result.exit_code == 1 and "unknown sample-quality metric" in result.output
    result = invoke("evaluate", digits_run, "--metrics", "fd", "--features", "imagenet")
    assert result.exit_code == 1 and "choose from auto, mnist, raw" in result.output
    run = tmp_path / "kmeans"
    result = invoke("fit", "kmeans", "--data", "digits", "--set", "n_clusters=3", "--out", run)
    assert result.exit_code == 0, result.output
    result = invoke("evaluate", run, "--metrics", "fd")
    assert result.exit_code == 1 and "cannot generate samples" in result.output
