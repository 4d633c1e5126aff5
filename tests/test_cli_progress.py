"""Progress of a fit: the runs layer's protocol ``callback(stage, done=None, total=None)``
and the CLI's bar that shows it."""

import io
import logging

import numpy as np
import pytest
from rich.console import Console

from latentlearn import cli
from latentlearn.datasets import Dataset, load
from latentlearn.neural.estimators import WGANGP
from latentlearn.runs import _loop_total, fit_run
from latentlearn.sne.tsne import TSNE


class Recorder:
    def __init__(self):
        self.calls = []

    def __call__(self, stage, done=None, total=None):
        self.calls.append((stage, done, total))

    def counted(self, prefix=""):
        """The (done, total) of the loops whose stage text starts with ``prefix`` (a run also
        counts its metrics, "measuring i/N: ...")."""
        return [(d, t) for s, d, t in self.calls if t is not None and s.startswith(prefix)]


def _blobs(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(c, 1.0, size=(n // 3, 5)) for c in (0, 6, 12)])
    return Dataset(X=X.astype(np.float32), y=np.repeat(np.arange(3), n // 3), name="blobs")


def test_neural_epochs_report_done_of_total():
    rec = Recorder()
    fit_run("vae", load("digits"), {"epochs": 2, "latent_dim": 2, "hidden_dims": (16,),
                                    "batch_size": 256}, callback=rec)
    assert rec.counted("training") == [(1, 2), (2, 2)]
    # Stages of unknown length still come as one argument, around the loop.
    assert ("fitting vae", None, None) in rec.calls and ("measuring", None, None) in rec.calls


def test_tsne_iterations_report_done_of_total_across_both_phases():
    rec = Recorder()
    fit_run("tsne", _blobs(), {"early_exaggeration_iter": 20, "n_iter": 30, "perplexity": 5,
                               "callback_every": 10}, callback=rec)
    assert rec.counted("TSNE") == [(k, 50) for k in (10, 20, 30, 40, 50)]


def test_a_gan_without_epochs_reports_the_count_it_chose():
    est = WGANGP(epochs=None)
    est.epochs_ = 7  # what fit sets before training
    assert _loop_total(est, "epoch") == 7
    assert _loop_total(WGANGP(epochs=3), "epoch") == 3


def test_the_cli_bar_shows_the_total_and_percentage(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(cli, "err_console", Console(file=out, force_terminal=True, width=160))
    with cli._Stages() as stages:
        stages("fitting vae")
        stages("training VAE, loss 1.0", done=1, total=2)
        stages("training VAE, loss 0.5", done=2, total=2)
        stages.progress.refresh()
        text = out.getvalue()
        stages("measuring")
    assert "2/2" in text and "100%" in text


def test_tsne_verbose_logs_its_stages(caplog):
    X = _blobs().X
    with caplog.at_level(logging.INFO, logger="latentlearn.sne.tsne"):
        TSNE(perplexity=5, early_exaggeration_iter=20, n_iter=30, random_state=0,
             verbose=True).fit(X)
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert len(messages) == 4, messages
    for message, word in zip(messages, ("affinities", "initialization",
                                        "early_exaggeration phase, 20 iterations",
                                        "main phase, 30 iterations")):
        assert word in message and message.endswith(" s")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="latentlearn.sne.tsne"):
        TSNE(perplexity=5, early_exaggeration_iter=20, n_iter=30, random_state=0).fit(X)
    assert not [r for r in caplog.records if r.levelno >= logging.INFO]


# --------------------------------------------------------------------------- classical loops
def test_kmeans_restarts_are_the_bar():
    rec = Recorder()
    fit_run("kmeans", _blobs(), {"n_clusters": 3, "n_init": 4}, callback=rec)
    runs = [(d, t) for s, d, t in rec.calls if s.startswith("KMeans run") and "iteration" not in s]
    assert runs == [(k, 4) for k in (1, 2, 3, 4)]
    # within a run the bar stays at the runs done, and the text names the iteration
    during = [(s, d) for s, d, t in rec.calls if "iteration" in s]
    assert during and all(s.startswith(f"KMeans run {d + 1}/4, iteration ") for s, d in during)
    done = [d for s, d, t in rec.calls if s.startswith("KMeans")]
    assert done == sorted(done)  # monotone


def test_a_single_kmeans_run_shows_its_iterations_of_max_iter():
    rec = Recorder()
    result = fit_run("kmeans", _blobs(), {"n_clusters": 3, "n_init": 1, "max_iter": 50},
                     callback=rec)
    n_iter = result.estimator.n_iter_
    assert rec.counted("KMeans iteration") == [(k, 50) for k in range(1, n_iter + 1)]


@pytest.mark.filterwarnings("ignore:MDS. SMACOF did not converge")  # max_iter=20 on purpose
def test_minibatch_kmeans_steps_and_mds_iterations_are_counted():
    rec = Recorder()
    result = fit_run("minibatch_kmeans", _blobs(), {"n_clusters": 3, "batch_size": 10,
                                                    "max_iter": 2, "max_no_improvement": None},
                     callback=rec)
    assert rec.counted("MiniBatchKMeans") == [(k, 12) for k in range(1, 13)]
    assert result.estimator.n_steps_ == 12
    rec = Recorder()
    result = fit_run("mds", _blobs(), {"max_iter": 20}, callback=rec)
    assert rec.counted("MDS iteration") == [(k, 20) for k in range(1, result.estimator.n_iter_ + 1)]


def test_the_fit_is_the_same_with_and_without_progress():
    plain = fit_run("kmeans", _blobs(), {"n_clusters": 3, "n_init": 3}, seed=5)
    watched = fit_run("kmeans", _blobs(), {"n_clusters": 3, "n_init": 3}, seed=5,
                      callback=Recorder())
    np.testing.assert_array_equal(plain.labels, watched.labels)
    assert {k: v for k, v in plain.metrics.items() if k != "fit_time_s"} == \
        {k: v for k, v in watched.metrics.items() if k != "fit_time_s"}


def test_the_metrics_of_a_run_are_counted():
    rec = Recorder()
    fit_run("pca", _blobs(), {"n_components": 2}, callback=rec)
    measured = [(s, d, t) for s, d, t in rec.calls if s.startswith("measur") and t]
    # an embedder with inverse_transform: embedding metrics, reconstruction, latent code
    assert [(d, t) for _, d, t in measured] == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert measured[0][0].startswith("measuring 1/3: trustworthiness")
    assert measured[1][0] == "measuring 2/3: reconstruction error"
    rec = Recorder()
    fit_run("kmeans", _blobs(), {"n_clusters": 3, "n_init": 1}, callback=rec)
    assert rec.counted("measur") == [(0, 1), (1, 1)]


def test_compare_prefixes_each_run(tmp_path):
    from latentlearn.runs import compare_methods

    rec = Recorder()
    compare_methods(["pca", "kmeans"], _blobs(), tmp_path / "c",
                    {"pca": {"n_components": 2}, "kmeans": {"n_clusters": 3, "n_init": 2}},
                    subsample={"kmeans": 30}, callback=rec)
    stages = [s for s, _, _ in rec.calls]
    assert "[1/2] pca: fitting pca" in stages and "[2/2] kmeans: fitting kmeans" in stages
    assert all(s.startswith(("[1/2] pca: ", "[2/2] kmeans: ")) for s in stages)
    import json
    config = json.loads((tmp_path / "c" / "kmeans" / "config.json").read_text())
    assert config["dataset"]["n_samples"] == 30
    assert "random subset of 30 of its 60 rows" in config["dataset"]["description"]
    assert json.loads((tmp_path / "c" / "pca" / "config.json").read_text()
                      )["dataset"]["n_samples"] == 60


def test_sample_metrics_are_counted():
    from latentlearn.runs import sample_quality_metrics

    ds = _blobs()
    result = fit_run("pca", ds, {"n_components": 2})
    rec = Recorder()
    sample_quality_metrics(result.estimator, ds, "fd,mmd", features="raw", callback=rec)
    assert rec.calls == [("sample metric 1/2: fd", 0, 2), ("sample metric 2/2: mmd", 1, 2)]


def test_cli_verbose_asks_the_method_for_its_stage_timings(tmp_path, caplog):
    from typer.testing import CliRunner

    args = ["fit", "kmeans", "--data", "digits", "--set", "n_clusters=10", "--set", "n_init=2"]
    with caplog.at_level(logging.INFO, logger="latentlearn.cluster.kmeans"):
        result = CliRunner().invoke(cli.app, args + ["--out", str(tmp_path / "a"), "--verbose"])
    assert result.exit_code == 0, result.output
    runs = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO
            and "Lloyd iterations" in r.getMessage()]
    assert len(runs) == 2
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="latentlearn.cluster.kmeans"):
        result = CliRunner().invoke(cli.app, args + ["--out", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert not [r for r in caplog.records if r.levelno >= logging.INFO]
    np.testing.assert_array_equal(np.load(tmp_path / "a" / "labels.npy"),
                                  np.load(tmp_path / "b" / "labels.npy"))
