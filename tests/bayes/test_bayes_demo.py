"""The variational figures and the run folder with its report."""

import json

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from latentlearn.bayes.demo import write_bayes_run
from latentlearn.bayes.plots import plot_gaussian_approximations, plot_lower_bound
from latentlearn.exceptions import DataError, ParameterError


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    before = set(plt.get_fignums())
    yield
    assert set(plt.get_fignums()) == before


def test_contour_figure_has_one_panel_per_approximation():
    def log_p(x):
        return -0.5 * np.sum(x ** 2, axis=-1)

    fig = plot_gaussian_approximations(log_p, [(np.zeros(2), np.eye(2)),
                                               (np.ones(2), 0.2 * np.eye(2))],
                                       extent=(-3, 3, -3, 3), titles=["a", "b"])
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    # Three ellipses for q in each panel (plus the mean marker).
    assert all(len(ax.lines) >= 4 for ax in fig.axes)
    with pytest.raises(DataError, match="shape"):
        plot_gaussian_approximations(log_p, [(np.zeros(3), np.eye(3))], extent=(-1, 1, -1, 1))
    with pytest.raises(ParameterError, match="extent"):
        plot_gaussian_approximations(log_p, [(np.zeros(2), np.eye(2))], extent=(1, -1, 0, 1))


def test_lower_bound_figure():
    fig = plot_lower_bound([-10.0, -5.0, -4.0, -3.9, -3.9], title="VB")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert fig.axes[1].get_yscale() == "log"
    with pytest.raises(DataError, match="finite"):
        plot_lower_bound([np.nan])


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
