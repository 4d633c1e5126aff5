"""Fit a registered method on a Dataset and write a run folder: what the CLI does, as a library.

A run folder (DESIGN.md) holds::

    config.json     method, parameters, seed, dataset summary, version, time
    metrics.json    flat name -> number
    figures.json    [{"file", "title", "caption"}], in display order
    figures/*.png
    embedding.npy   codes / embedding (embedders)          labels.npy  cluster labels (clusterers)
    model/          config.json + weights.safetensors (no pickle; see persistence.py)
    report.html     self-contained page (latentlearn.report)

The folder is assembled in a hidden sibling folder and renamed into place at the end, so a run
that crashes leaves no folder that looks complete.

What gets measured and drawn depends on what the estimator can do, never on its name: a
transformer gets embedding metrics, a clusterer clustering metrics; anything with
``components_`` on image data gets its dictionary drawn, anything with ``sample`` gets a grid of
samples. Which figures a run gets is decided in :mod:`latentlearn.figures` (makers registered
with ``@figure_maker``); this module only iterates that registry.
"""

from __future__ import annotations

import ast
import json
import datetime as _dt
import inspect
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
from sklearn.base import is_clusterer, is_regressor

from . import __version__, fileio
from .datasets import Dataset
from .exceptions import ParameterError
from .figures import FIGURE_MAKERS, Figure, make_figures
from .registry import get_method

logger = logging.getLogger(__name__)

__all__ = ["parse_assignments", "make_estimator", "RunResult", "Figure", "fit_run", "write_run",
           "write_run_folder", "check_out_folder", "run_config", "run_method", "compare_methods",
           "FIGURES"]


# --------------------------------------------------------------------------- parameters
def _parse_value(text: str):
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_assignments(pairs) -> dict:
    """``["n_components=2", "whiten=true"]`` -> ``{"n_components": 2, "whiten": True}``.

    Values are read as Python literals (ints, floats, tuples, lists, quoted strings), with
    ``true/false/none`` accepted in any case; anything else stays a string.
    """
    out = {}
    for pair in pairs or ():
        if "=" not in pair:
            raise ParameterError(f"--set {pair!r} is not of the form key=value "
                                 f"(e.g. --set n_components=2).")
        key, value = pair.split("=", 1)
        out[key.strip()] = _parse_value(value)
    return out


def make_estimator(method: str, params: dict | None = None, seed: int | None = None):
    """Build the registered estimator ``method`` with ``params``; ``seed`` sets random_state."""
    info = get_method(method)
    allowed = inspect.signature(info.cls).parameters
    params = dict(params or {})
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ParameterError(
            f"{info.name} has no parameter {', '.join(map(repr, unknown))}; "
            f"its parameters are {', '.join(allowed)}."
        )
    if seed is not None and "random_state" in allowed and "random_state" not in params:
        params["random_state"] = seed
    return info, info.cls(**params)


# --------------------------------------------------------------------------- fitting
@dataclass
class RunResult:
    """Everything a run produced, before it is written."""

    method: str
    family: str
    estimator: object
    dataset: Dataset
    seed: int | None
    embedding: np.ndarray | None = None
    labels: np.ndarray | None = None
    metrics: dict = field(default_factory=dict)
    duration_s: float = 0.0


def _progress(callback, stage: str):
    if callback is not None:
        callback(stage)


def _epoch_reporter(callback):
    """Turn an estimator's ``callback(event, logs)`` (epochs of neural models, iterations of
    t-SNE) into progress stages."""

    def report(event, logs):
        if event == "epoch":
            loss = logs.get("loss")
            text = f"epoch {logs.get('epoch')}" + (f", loss {loss:.4g}" if loss is not None else "")
            callback(text)
        elif event == "iteration":  # t-SNE's optimiser
            kl = logs.get("kl")
            callback(f"{logs.get('phase', 'iteration')} {logs.get('iteration')}"
                     + (f", KL {kl:.4g}" if kl is not None else ""))
        return False  # never stop training

    return report


def fit_run(method: str, dataset: Dataset, params: dict | None = None, *, seed: int | None = 0,
            callback: Callable[[str], None] | None = None) -> RunResult:
    """Fit ``method`` on ``dataset`` and measure it. ``callback(stage)`` reports progress."""
    from . import metrics

    info, estimator = make_estimator(method, params, seed)
    X, y = dataset.X, dataset.y
    if callback is not None and "callback" in estimator.get_params() and \
            estimator.get_params()["callback"] is None:
        estimator.set_params(callback=_epoch_reporter(callback))
    _progress(callback, f"fitting {info.name}")
    start = time.perf_counter()
    embedding = labels = None
    if is_regressor(estimator):
        if y is None:
            raise ParameterError(
                f"{info.name} is a regression model and needs targets: give the data a label "
                f"column (e.g. --data-option label=target for a CSV) or use a dataset with y.")
        estimator.fit(X, y)
    elif is_clusterer(estimator):
        labels = np.asarray(estimator.fit_predict(X))
    elif hasattr(estimator, "fit_transform"):
        embedding = np.asarray(estimator.fit_transform(X))
    else:
        estimator.fit(X)
    duration = time.perf_counter() - start

    _progress(callback, "measuring")
    result_metrics: dict = {"fit_time_s": duration}
    if embedding is not None:
        result_metrics.update(metrics.embedding_report(X, embedding, y, random_state=seed))
        if hasattr(estimator, "inverse_transform"):
            recon = estimator.inverse_transform(embedding)
            result_metrics["reconstruction_error"] = metrics.reconstruction_error(X, recon)
    if labels is not None:
        result_metrics.update(metrics.cluster_report(X, labels, y, random_state=seed))
    if is_regressor(estimator):
        result_metrics["r2_train"] = float(estimator.score(X, y))
    for name in ("inertia_", "n_iter_", "n_components_", "stress_", "normalized_stress_",
                 "reconstruction_err_", "kl_divergence_"):
        value = getattr(estimator, name, None)
        if isinstance(value, (int, float, np.integer, np.floating)):
            result_metrics[name.rstrip("_")] = float(value)
    if hasattr(estimator, "explained_variance_ratio_"):
        result_metrics["explained_variance"] = float(np.sum(estimator.explained_variance_ratio_))
    return RunResult(method=info.name, family=info.family, estimator=estimator, dataset=dataset,
                     seed=seed, embedding=embedding, labels=labels, metrics=result_metrics,
                     duration_s=duration)


# --------------------------------------------------------------------------- figures
#: The figure makers a run draws, in display order: the registry of :mod:`latentlearn.figures`
#: (iterating it gives each maker; ``FIGURE_MAKERS.entries()`` their names and orders).
FIGURES = FIGURE_MAKERS


# --------------------------------------------------------------------------- writing
def _dataset_summary(ds: Dataset) -> dict:
    return {"name": ds.name, "n_samples": ds.n_samples, "n_features": ds.n_features,
            "description": ds.description,
            "image_shape": list(ds.image_shape) if ds.image_shape else None,
            "has_labels": ds.y is not None}


def _jsonable_params(estimator) -> dict:
    out = {}
    for k, v in estimator.get_params(deep=False).items():
        if callable(v) and not isinstance(v, type):
            v = None  # a progress callback: not a setting of the method
        elif isinstance(v, tuple):
            v = list(v)
        out[k] = v if v is None or isinstance(v, (bool, int, float, str, list)) else repr(v)
    return out


def _replace_dir(src: Path, dst: Path) -> None:
    if dst.exists():
        trash = dst.with_name(f".{dst.name}.old-{os.getpid()}")
        os.replace(dst, trash)
        os.replace(src, dst)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.replace(src, dst)


def check_out_folder(out, overwrite: bool) -> Path:
    """Refuse to write over a non-empty ``out`` unless ``overwrite``; returns ``Path(out)``."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not overwrite:
        raise ParameterError(f"{out} already exists and is not empty; choose another --out or "
                             f"pass --overwrite to replace it.")
    return out


def write_run_folder(out, *, config: dict, metrics: dict, figures=(), arrays=None,
                     estimator=None, metric_info=None, overwrite: bool = False,
                     callback: Callable[[str], None] | None = None) -> Path:
    """Write a run folder at ``out`` atomically, and its ``report.html``.

    The folder is assembled in a hidden sibling and renamed into place at the end, so a crash
    never leaves a folder that looks complete; an existing ``out`` is replaced only then.

    Parameters
    ----------
    config, metrics : dict
        Written as ``config.json`` and ``metrics.json`` (flat name -> number).
    figures : iterable of Figure
        Saved as ``figures/<name>.png``, listed in ``figures.json`` in this order.
    arrays : dict of str -> ndarray, optional
        Saved as ``<name>.npy`` (``embedding``, ``labels``...).
    estimator : fitted estimator, optional
        Saved to ``model/`` (config.json + weights.safetensors).
    metric_info : dict of str -> (description, higher_is_better), optional
        Meanings of metrics the report's built-in table does not know, written as
        ``metric_info.json`` so that a report rebuilt later still explains them.
    """
    from .report import build_report

    out = check_out_folder(out, overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        fileio.write_json(tmp / "config.json", config)
        fileio.write_json(tmp / "metrics.json", metrics)
        if metric_info:
            fileio.write_json(tmp / "metric_info.json", {
                name: {"description": d, "higher_is_better": h}
                for name, (d, h) in metric_info.items()})
        for name, array in (arrays or {}).items():
            if array is not None:
                fileio.save_npy(tmp / f"{name}.npy", array)
        if estimator is not None:
            estimator.save(tmp / "model")  # the one saved-model format (persistence.py)
            history = getattr(estimator, "history_", None)
            if history:
                fileio.write_text(tmp / "history.jsonl", "".join(
                    json.dumps(fileio.to_jsonable(record)) + "\n" for record in history))
        _progress(callback, "drawing figures")
        entries = []
        for fig in figures:
            rel = f"figures/{fig.name}.png"
            fileio.save_figure(fig.figure, tmp / rel)
            entries.append({"file": rel, "title": fig.title, "caption": fig.caption})
        fileio.write_json(tmp / "figures.json", entries)
        _progress(callback, "writing report")
        build_report(tmp)
        _replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def run_config(method: str, family: str, params: dict, seed, dataset: dict,
               duration_s: float) -> dict:
    """The ``config.json`` record of a run."""
    return {
        "method": method,
        "family": family,
        "params": params,
        "seed": seed,
        "dataset": dataset,
        "latentlearn_version": __version__,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "duration_s": duration_s,
    }


def write_run(result: RunResult, out, *, overwrite: bool = False,
              callback: Callable[[str], None] | None = None) -> Path:
    """Write ``result`` as a run folder at ``out`` (atomically) and build its report."""
    check_out_folder(out, overwrite)
    config = run_config(result.method, result.family, _jsonable_params(result.estimator),
                        result.seed, _dataset_summary(result.dataset), result.duration_s)
    figures = make_figures(result)
    return write_run_folder(out, config=config, metrics=result.metrics, figures=figures,
                            arrays={"embedding": result.embedding, "labels": result.labels},
                            estimator=result.estimator, overwrite=overwrite, callback=callback)


def run_method(method: str, dataset: Dataset, out, params: dict | None = None, *,
               seed: int | None = 0, overwrite: bool = False,
               callback: Callable[[str], None] | None = None) -> Path:
    """Fit, measure, draw and write one run folder; returns its path."""
    result = fit_run(method, dataset, params, seed=seed, callback=callback)
    return write_run(result, out, overwrite=overwrite, callback=callback)


def compare_methods(methods, dataset: Dataset, out, params: dict | None = None, *,
                    seed: int | None = 0, overwrite: bool = False,
                    callback: Callable[[str], None] | None = None) -> Path:
    """Fit several methods on one dataset: ``out/<method>/`` runs and ``out/report.html``.

    ``params`` maps a method name to its parameters (``{"kmeans": {"n_clusters": 10}}``).
    Returns the path of the comparison page.
    """
    from .report import build_comparison

    out = check_out_folder(out, overwrite)
    out.mkdir(parents=True, exist_ok=True)
    params = params or {}
    run_dirs = []
    for method in methods:
        name = get_method(method).name
        run_dirs.append(run_method(name, dataset, out / name, params.get(name), seed=seed,
                                   overwrite=True, callback=callback))
    return build_comparison(run_dirs, out / "report.html")

