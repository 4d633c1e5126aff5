"""The variational Bayes examples as a run folder with its report."""

import json

import matplotlib.pyplot as plt
import pytest

from latentlearn.apps.variational_bayes import write_bayes_run
from latentlearn.exceptions import ParameterError


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    before = set(plt.get_fignums())
    yield
    assert set(plt.get_fignums()) == before


def test_run_folder_and_report(tmp_path):
    stale = tmp_path / "run" / "old.txt"
    stale.parent.mkdir()
    stale.write_text("an earlier run")
    with pytest.raises(ParameterError, match="overwrite"):
        write_bayes_run(tmp_path / "run")
    out = write_bayes_run(tmp_path / "run", seed=0, overwrite=True)
    assert out == tmp_path / "run" and not stale.exists()
    config = json.loads((out / "config.json").read_text())
    assert config["method"] == "variational_bayes" and config["family"] == "bayes"
    assert config["seed"] == 0 and config["dataset"]["name"] == "diabetes"
    assert {"latentlearn_version", "created", "duration_s", "params"} <= set(config)
    metrics = json.loads((out / "metrics.json").read_text())
    assert all(isinstance(v, float) for v in metrics.values())
    assert metrics["mean_field_variance_1"] == pytest.approx(0.19, abs=1e-6)
    assert metrics["ep_variance_2"] == pytest.approx(1.0, abs=1e-6)
    assert metrics["mean_field_n_iter"] == 103
    assert metrics["bimodal_kl_qp_distance_to_mode_a"] < 0.01
    assert metrics["bimodal_variance_ratio"] > 10
    assert metrics["vb_bayesian_ridge_max_prediction_gap"] < 1e-6
    assert metrics["vb_lower_bound_min_step"] > -1e-9
    figures = json.loads((out / "figures.json").read_text())
    assert [f["file"] for f in figures] == ["figures/correlated_gaussian.png",
                                            "figures/bimodal.png", "figures/lower_bound.png"]
    assert all((out / f["file"]).read_bytes().startswith(b"\x89PNG") for f in figures)
    page = (out / "report.html").read_text()
    assert "One Gaussian for a two-mode target" in page and "data:image/png;base64" in page
    assert "mean-field factor q1" in page   # metric descriptions reach the report
    assert [p.name for p in tmp_path.iterdir()] == ["run"]   # no partial or old folders left
