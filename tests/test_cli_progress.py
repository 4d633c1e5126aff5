"""Progress of a fit: the runs layer's protocol ``callback(stage, done=None, total=None)``
and the CLI's bar that shows it."""

import io
import logging

import numpy as np
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

    def counted(self):
        return [(d, t) for _, d, t in self.calls if t is not None]


def _blobs(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(c, 1.0, size=(n // 3, 5)) for c in (0, 6, 12)])
    return Dataset(X=X.astype(np.float32), y=np.repeat(np.arange(3), n // 3), name="blobs")


def test_neural_epochs_report_done_of_total():
    rec = Recorder()
    fit_run("vae", load("digits"), {"epochs": 2, "latent_dim": 2, "hidden_dims": (16,),
                                    "batch_size": 256}, callback=rec)
    assert rec.counted() == [(1, 2), (2, 2)]
    # Stages of unknown length still come as one argument, around the loop.
    assert ("fitting vae", None, None) in rec.calls and ("measuring", None, None) in rec.calls


def test_tsne_iterations_report_done_of_total_across_both_phases():
    rec = Recorder()
    fit_run("tsne", _blobs(), {"early_exaggeration_iter": 20, "n_iter": 30, "perplexity": 5,
                               "callback_every": 10}, callback=rec)
    assert rec.counted() == [(k, 50) for k in (10, 20, 30, 40, 50)]


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
