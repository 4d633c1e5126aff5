"""`latentlearn fit` on data with factors, and `latentlearn evaluate RUN`: the latent-code
metrics (KL per dimension, active units, disentanglement scores through a stand-in for
latentlearn.metrics.disentanglement_scores), figures and report, and the errors."""

import json
import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

import latentlearn.datasets.dsprites as dsprites_module
import latentlearn.metrics as metrics_module
from latentlearn.cli import app
from latentlearn.datasets import load
from latentlearn.neural.latent import held_out_index

runner = CliRunner()

VAE_ARGS = ["--set", "epochs=1", "--set", "latent_dim=3", "--set", "architecture=mlp",
            "--set", "hidden_dims=(16,)", "--set", "batch_size=32"]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def read(path):
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def dsprites_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("evaluate") / "vae-dsprites"
    result = invoke("fit", "vae", "--data", "dsprites", "--data-option", "n_samples=120",
                    *VAE_ARGS, "--set", "validation_fraction=0.25", "--out", out)
    assert result.exit_code == 0, result.output
    return out


class StandIn:
    """Records its calls; returns numbers that say what it was given."""

    def __init__(self):
        self.calls = []

    def __call__(self, codes, factors, *, encode=None, source=None, random_state=0):
        self.calls.append({"codes": np.asarray(codes), "factors": np.asarray(factors),
                           "encode": encode, "source": source, "random_state": random_state})
        out = {"mig": 0.25, "sap": 0.125, "dci_disentanglement": 0.5,
               "dci_completeness": 0.5, "dci_informativeness": float(len(codes))}
        if encode is not None:
            out.update(beta_vae_score=float(encode(source.render(
                np.zeros((2, 5), dtype=np.int64))).shape[1]), factor_vae_score=0.75)
        return out


class FakeSource:
    factor_sizes = (3, 6, 40, 32, 32)

    def render(self, indices):
        return np.zeros((len(indices), 4096), dtype=np.float32)


def test_fit_on_dsprites_draws_traversals_and_kl(dsprites_run):
    figures = [e["file"] for e in read(dsprites_run / "figures.json")]
    assert "figures/latent_traversals.png" in figures
    assert "figures/kl_per_dimension.png" in figures
    assert figures.index("figures/latent_traversals.png") < figures.index("figures/history.png")
    for f in ("latent_traversals", "kl_per_dimension"):
        assert (dsprites_run / "figures" / f"{f}.png").stat().st_size > 1000
    metrics = read(dsprites_run / "metrics.json")
    assert len(metrics["kl_per_dimension"]) == 3 and 0 <= metrics["active_units"] <= 3
    config = read(dsprites_run / "config.json")
    assert config["dataset"]["load"] == {"name": "dsprites", "options": {"n_samples": 120}}
    assert config["dataset"]["has_factors"] is True
    assert "kl_per_dimension" in read(dsprites_run / "metric_info.json")


def test_evaluate_writes_scores_on_the_held_out_part(dsprites_run, tmp_path, monkeypatch):
    run = tmp_path / "run"
    shutil.copytree(dsprites_run, run)
    (run / "report.html").unlink()
    stand_in = StandIn()
    monkeypatch.setattr(metrics_module, "disentanglement_scores", stand_in, raising=False)
    monkeypatch.setattr(dsprites_module, "DSpritesFactors", FakeSource, raising=False)
    before = read(run / "metrics.json")
    result = invoke("evaluate", run)
    assert result.exit_code == 0, result.output
    (call,) = stand_in.calls
    from latentlearn import load as load_model

    model = load_model(run / "model")
    data = load("dsprites", n_samples=120)
    held = held_out_index(model, 120)
    assert len(held) == 30
    np.testing.assert_allclose(call["codes"], model.transform(data.X[held]), atol=1e-6)
    np.testing.assert_array_equal(call["factors"], data.extras["factor_indices"][held])
    assert isinstance(call["source"], FakeSource) and call["random_state"] == 0
    metrics = read(run / "metrics.json")
    assert metrics["mig"] == 0.25 and metrics["dci_informativeness"] == 30.0
    assert metrics["beta_vae_score"] == 3.0 and metrics["factor_vae_score"] == 0.75
    assert metrics["disentanglement_n_samples"] == 30 and metrics["disentanglement_held_out"] == 1
    assert metrics["fit_time_s"] == before["fit_time_s"]          # merged, not replaced
    assert metrics["kl_per_dimension"] == pytest.approx(before["kl_per_dimension"], abs=1e-6)
    page = (run / "report.html").read_text()
    assert "factor_vae_score" in page and "Mutual information gap" in page
    assert "latent_traversals.png" in (run / "figures.json").read_text()
    assert not list(run.glob(".figures.partial-*"))
    assert "mig" in result.output
    result = invoke("evaluate", run, "--no-sampled")
    assert result.exit_code == 0, result.output
    assert stand_in.calls[-1]["encode"] is None and stand_in.calls[-1]["source"] is None
    assert "latentlearn evaluate RUN" in result.output


def test_fit_leaves_the_sampled_scores_to_evaluate(tmp_path, monkeypatch):
    stand_in = StandIn()
    monkeypatch.setattr(metrics_module, "disentanglement_scores", stand_in, raising=False)
    run = tmp_path / "run"
    result = invoke("fit", "vae", "--data", "dsprites", "--data-option", "n_samples=60",
                    *VAE_ARGS, "--out", run)
    assert result.exit_code == 0, result.output
    (call,) = stand_in.calls
    assert call["encode"] is None and len(call["codes"]) == 60       # no held-out part
    metrics = read(run / "metrics.json")
    assert metrics["mig"] == 0.25 and "beta_vae_score" not in metrics
    assert metrics["disentanglement_held_out"] == 0
    assert "Mutual information gap" in (run / "report.html").read_text()


def test_evaluate_without_the_metrics_function_says_so(dsprites_run, tmp_path, monkeypatch):
    run = tmp_path / "run"
    shutil.copytree(dsprites_run, run)
    monkeypatch.delattr(metrics_module, "disentanglement_scores", raising=False)
    result = invoke("evaluate", run)
    assert result.exit_code == 0, result.output
    assert "disentanglement_scores" in result.output
    assert "beta_vae_score" not in read(run / "metrics.json")


def test_evaluate_on_data_without_factors(tmp_path, monkeypatch):
    stand_in = StandIn()
    monkeypatch.setattr(metrics_module, "disentanglement_scores", stand_in, raising=False)
    run = tmp_path / "digits"
    result = invoke("fit", "vae", "--data", "digits", *VAE_ARGS, "--out", run)
    assert result.exit_code == 0, result.output
    assert "kl_per_dimension" in read(run / "metrics.json")
    result = invoke("evaluate", run)
    assert result.exit_code == 0, result.output
    assert "no ground-truth factors" in result.output and "kl_per_dimension" in result.output
    assert stand_in.calls == []


def test_evaluate_errors(dsprites_run, tmp_path):
    result = invoke("evaluate", tmp_path / "missing")
    assert result.exit_code == 1 and "not a folder" in result.output
    result = invoke("evaluate", tmp_path)
    assert result.exit_code == 1 and "not a run folder" in result.output
    no_model = tmp_path / "no_model"
    shutil.copytree(dsprites_run, no_model)
    shutil.rmtree(no_model / "model")
    result = invoke("evaluate", no_model)
    assert result.exit_code == 1 and "no model/ folder" in result.output
    old = tmp_path / "old"
    shutil.copytree(dsprites_run, old)
    config = read(old / "config.json")
    del config["dataset"]["load"]
    (old / "config.json").write_text(json.dumps(config))
    result = invoke("evaluate", old)
    assert result.exit_code == 1 and "does not say how its data were loaded" in result.output
    config["dataset"]["load"] = {"name": "dsprites", "options": {"n_samples": 100}}
    (old / "config.json").write_text(json.dumps(config))
    result = invoke("evaluate", old)
    assert result.exit_code == 1 and "the data changed" in result.output
