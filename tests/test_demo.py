"""`latentlearn demo`: it decides on every registered method, fits the ones it keeps without a
warning, and links every report it writes from one index page."""

import logging
import re
import warnings

from typer.testing import CliRunner

import latentlearn.cli as cli
from latentlearn.datasets import load
from latentlearn.registry import list_methods
from latentlearn.runs import fit_run, subsample_dataset


def test_the_demo_decides_on_every_registered_method():
    registered = {info.name for info in list_methods()}
    fitted, skipped = set(cli.DEMO_METHODS), set(cli.DEMO_SKIPPED)
    assert not fitted & skipped
    # A method registered later must be added to the demo or skipped with a reason.
    assert fitted | skipped == registered, sorted(registered ^ (fitted | skipped))
    assert set(cli.DEMO_SUBSAMPLE) <= fitted
    assert all(len(why) > 20 for why in cli.DEMO_SKIPPED.values())
    assert all(n < 5000 and len(why) > 20 for n, why in cli.DEMO_SUBSAMPLE.values())


def test_every_demo_method_fits_and_measures_without_a_warning(caplog):
    # The demo's method list on a small subsample, warnings as errors: a ConvergenceWarning
    # (NMF at its default tolerance did this) or a logged warning fails here, not in `make demo`.
    digits = subsample_dataset(load("mnist5k"), 200, seed=0)
    with caplog.at_level(logging.WARNING, logger="latentlearn"):
        for name, params in cli.DEMO_METHODS.items():
            params = {**params, "epochs": 1} if "epochs" in params else params
            data = digits
            if name in cli.DEMO_SUBSAMPLE:
                data = subsample_dataset(digits, min(150, cli.DEMO_SUBSAMPLE[name][0]), seed=0)
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                fit_run(name, data, params, seed=0)
    logged = [f"{r.name}: {r.getMessage()}" for r in caplog.records
              if r.levelno >= logging.WARNING]
    assert not logged


def test_the_demo_links_every_report_from_its_index(tmp_path, monkeypatch):
    import latentlearn.datasets as datasets

    original = datasets.load
    monkeypatch.setattr(datasets, "load", lambda name, **kw: original(name, n_samples=300))
    monkeypatch.setattr(cli, "DEMO_METHODS", {"pca": {"n_components": 5},
                                              "kmeans": {"n_clusters": 10, "n_init": 1},
                                              "vae": {"latent_dim": 2, "epochs": 1,
                                                      "hidden_dims": (32,)}})
    monkeypatch.setattr(cli, "DEMO_SUBSAMPLE", {"kmeans": (120, "a reason given for a test")})
    result = CliRunner().invoke(cli.app, ["demo", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    index = tmp_path / "demo" / "index.html"
    assert str(index.resolve()) in result.output.replace("\n", "")
    text = index.read_text()
    links = set(re.findall(r'href="([^"]+)"', text)) - {"data:,"}
    assert links == {"report.html", "bayes/report.html", "pca/report.html",
                     "kmeans/report.html", "vae/report.html"}
    assert all((tmp_path / "demo" / link).is_file() for link in links)
    # what was not fitted and what was fitted on a subset is said, on the page and printed
    output = " ".join(result.output.split())
    assert "skipped vb_linear_regression: a regression model" in output
    assert "vb_linear_regression" in text and "a regression model" in text
    assert "random subset of 120 of the 300 points: a reason given for a test" in text
    assert "kmeans: fitted on a random subset of 120" in output
    assert "trained for 1 epochs only" in text


def test_the_demo_help_says_what_it_does():
    result = CliRunner().invoke(cli.app, ["demo", "--help"])
    text = " ".join(result.output.split())
    assert "every registered method" in text and "index.html" in text
    assert "skipped" in text and "subset" in text
