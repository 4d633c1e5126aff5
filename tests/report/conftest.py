"""Fake run folders (with real PNG figures) and the headless-Chromium page checker."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from latentlearn.fileio import save_figure, write_json
from latentlearn.plots import plot_embedding, plot_explained_variance, plot_image_grid

# Loaded by path so that it works under any pytest import mode.
_spec = importlib.util.spec_from_file_location(
    "latentlearn_tests_chromium_cdp", Path(__file__).with_name("chromium_cdp.py"))
chromium_cdp = sys.modules[_spec.name] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(chromium_cdp)

DESCRIPTION = "Handwritten digits, 8 x 8 pixels <b>bold?</b> & <script>alert(1)</script>"


def make_run(root: Path, method="pca", *, dataset="digits", seed=0, metrics=None,
             figures=("embedding", "components", "variance")) -> Path:
    """Write a run folder as the CLI does: config, metrics, figures/*.png, figures.json."""
    run = Path(root)
    rng = np.random.default_rng(seed)
    write_json(run / "config.json", {
        "method": method,
        "family": "decomposition",
        "params": {"n_components": 2, "whiten": False, "svd_solver": "auto", "tol": 0.0,
                   "random_state": None},
        "seed": seed,
        "dataset": {"name": dataset, "n_samples": 1797, "n_features": 64,
                    "description": DESCRIPTION, "image_shape": [8, 8], "has_labels": True},
        "latentlearn_version": "0.1.0",
        "created": "2025-01-02T03:04:05+00:00",
        "duration_s": 1.2345,
    })
    if metrics is None:
        metrics = {"trustworthiness": 0.93123456, "continuity": 0.9, "knn_accuracy": 0.8,
                   "metric_n_samples": 1797.0, "reconstruction_error": 0.0123, "inertia": 98765.4}
    write_json(run / "metrics.json", metrics)
    makers = {
        "embedding": ("Embedding", "First two coordinates, coloured by digit.",
                      lambda: plot_embedding(rng.normal(size=(100, 2)), rng.integers(0, 10, 100))),
        "components": ("Dictionary (components)", "Negative values red.",
                       lambda: plot_image_grid(rng.normal(size=(10, 64)), (8, 8), n_cols=5,
                                               diverging=True)),
        "variance": ("Explained variance", "",
                     lambda: plot_explained_variance([0.5, 0.2, 0.1])),
    }
    entries = []
    for name in figures:
        title, caption, draw = makers[name]
        save_figure(draw(), run / "figures" / f"{name}.png")
        entries.append({"file": f"figures/{name}.png", "title": title, "caption": caption})
    write_json(run / "figures.json", entries)
    return run


@pytest.fixture(name="make_run")
def make_run_fixture():
    """The :func:`make_run` writer, for tests that need several or unusual runs."""
    return make_run


@pytest.fixture
def run_dir(tmp_path):
    return make_run(tmp_path / "run")


@pytest.fixture
def chromium():
    path = chromium_cdp.find_chromium()
    if path is None:
        pytest.skip(chromium_cdp.CHROMIUM_MISSING)
    return path


@pytest.fixture
def check_page(chromium):
    """``check_page(path, viewport=None, probe=None) -> PageCheck``: load a local page in
    headless Chromium (see :func:`chromium_cdp.check_page`)."""
    return lambda path, **kw: chromium_cdp.check_page(path, chromium=chromium, **kw)
