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
import dataclasses
import datetime as _dt
import functools
import inspect
import logging
import os
import shutil
import sys
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
           "subsample_dataset",
           "FIGURES", "disentanglement_metrics", "evaluate_run",
           "DISENTANGLEMENT_METRIC_INFO", "sample_quality_metrics", "MAX_SAMPLE_METRIC_SAMPLES",
           "mode_metrics", "likelihood_metrics", "LIKELIHOOD_METRIC_INFO", "resolved_parameters",
           "contingency_table"]


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
    # Tables written as ``<name>.json`` beside metrics.json (``contingency``: clusters x labels).
    tables: dict = field(default_factory=dict)


def _progress(callback, stage: str, done: int | None = None, total: int | None = None):
    """Report a stage to ``callback``, the progress protocol of this module:
    ``callback(stage)`` for a stage of unknown length, ``callback(stage, done=k, total=n)``
    inside a loop of known length (``k`` of ``n`` done)."""
    if callback is None:
        return
    if total is None:
        callback(stage)
    else:
        callback(stage, done=done, total=total)


def _loop_total(estimator, event: str) -> int | None:
    """The length of the loop an estimator's ``callback(event, logs)`` runs through."""
    params = estimator.get_params()
    if event == "epoch":
        # GANs with ``epochs=None`` choose their own count in fit (``epochs_``).
        total = getattr(estimator, "epochs_", None) or params.get("epochs")
    elif event == "iteration":  # t-SNE: the iteration count runs across both phases
        total = (params.get("early_exaggeration_iter") or 0) + (params.get("n_iter") or 0)
    else:
        return None
    return int(total) if total else None


def _epoch_reporter(callback, estimator):
    """Turn an estimator's ``callback(event, logs)`` into progress: ``callback(stage, done=...,
    total=...)``. The events: ``"epoch"`` (neural models), ``"iteration"`` (t-SNE's optimiser;
    with ``run``/``n_runs`` in the logs, a Lloyd iteration of k-means or a Guttman transform of
    SMACOF), ``"run"`` (a k-means or SMACOF restart done) and ``"step"`` (a mini-batch step,
    with ``n_steps``). Restarts, when there are several, are the bar and the iteration is
    named in its text, so that the bar does not start again with each run."""
    name = type(estimator).__name__

    def report(event, logs):
        if event == "epoch":
            loss = logs.get("loss")
            text = f"training {name}" + (f", loss {loss:.4g}" if loss is not None else "")
            _progress(callback, text, logs.get("epoch"), _loop_total(estimator, event))
        elif event == "iteration" and "n_runs" in logs:  # k-means (Lloyd), MDS (SMACOF)
            run, n_runs, it = logs["run"], logs["n_runs"], logs["iteration"]
            if n_runs > 1:
                _progress(callback, f"{name} run {run}/{n_runs}, iteration {it}", run - 1,
                          n_runs)
            else:
                _progress(callback, f"{name} iteration", it, logs["max_iter"])
        elif event == "iteration":  # t-SNE's optimiser
            kl = logs.get("kl")
            text = f"{name} {logs.get('phase', 'iteration')}".replace("_", " ") \
                + (f", KL {kl:.4g}" if kl is not None else "")
            _progress(callback, text, logs.get("iteration"), _loop_total(estimator, event))
        elif event == "run" and logs.get("n_runs", 1) > 1:
            value = logs.get("inertia", logs.get("stress"))
            what = "inertia" if "inertia" in logs else "stress"
            text = f"{name} run {logs['run']}/{logs['n_runs']}" + \
                (f", {what} {value:.4g}" if value is not None else "")
            _progress(callback, text, logs["run"], logs["n_runs"])
        elif event == "step" and "n_steps" in logs:  # mini-batch k-means
            _progress(callback, f"{name} mini-batch step", logs["step"], logs["n_steps"])
        return False  # never stop training

    return report


class _Measures:
    """The metrics a run computes, one after another, reported as ``measuring i/N: what``."""

    def __init__(self, callback):
        self.callback = callback
        self.steps: list = []

    def add(self, label: str | None, compute: Callable[[], dict | None]) -> None:
        """Queue ``compute() -> dict``; ``label=None`` for an instant one, not counted."""
        self.steps.append((label, compute))

    def run(self) -> dict:
        out: dict = {}
        total = sum(label is not None for label, _ in self.steps)
        done = 0
        for label, compute in self.steps:
            if label is not None:
                _progress(self.callback, f"measuring {done + 1}/{total}: {label}", done, total)
                done += 1
            out.update(compute() or {})
        if total:
            _progress(self.callback, "measured", total, total)
        return out


def fit_run(method: str, dataset: Dataset, params: dict | None = None, *, seed: int | None = 0,
            metric_max_samples: int | None = None,
            callback: Callable[[str], None] | None = None) -> RunResult:
    """Fit ``method`` on ``dataset`` and measure it.

    ``callback(stage, done=None, total=None)`` reports progress (see :func:`_progress`): the
    epochs of neural models, the iterations of t-SNE, the restarts and iterations of k-means
    and SMACOF, the steps of mini-batch k-means and the metrics (``measuring i/N: ...``) come
    with ``done`` and ``total``. ``metric_max_samples`` (default 5,000) caps the random subset
    on which trustworthiness, continuity and the silhouettes are computed (their cost grows as
    its square); the number used is recorded as ``metric_n_samples``.
    """
    sample_cap = {} if metric_max_samples is None else {"max_samples": int(metric_max_samples)}
    from . import metrics

    info, estimator = make_estimator(method, params, seed)
    X, y = dataset.X, dataset.y
    if callback is not None and "callback" in estimator.get_params() and \
            estimator.get_params()["callback"] is None:
        estimator.set_params(callback=_epoch_reporter(callback, estimator))
    if dataset.image_shape is not None and "image_shape" in estimator.get_params() and \
            estimator.get_params()["image_shape"] is None:
        # Image data: networks that need the image's shape (conv, burgess) get it from the data.
        estimator.set_params(image_shape=tuple(dataset.image_shape))
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
    if not _is_main_process():
        return None   # a rank > 0 of a distributed run trained its share; rank 0 measures

    result_metrics: dict = {"fit_time_s": duration}
    # Discrete codes (a VQ-VAE's code indices) are labels of codebook entries, not coordinates:
    # distances between them, hence the embedding and latent-code metrics, mean nothing.
    continuous = embedding is not None and not np.issubdtype(embedding.dtype, np.integer)
    _progress(callback, "measuring")
    measures = _Measures(callback)
    if continuous:
        measures.add("trustworthiness, continuity, kNN accuracy",
                     lambda: metrics.embedding_report(X, embedding, y, random_state=seed,
                                                      **sample_cap))
    if embedding is not None and hasattr(estimator, "inverse_transform"):
        measures.add("reconstruction error", lambda: {
            "reconstruction_error": _blocked_reconstruction_error(estimator, X, embedding)})
    tables: dict = {}
    if labels is not None:
        measures.add("clustering scores", lambda: metrics.cluster_report(
            X, labels, y, random_state=seed, **sample_cap))
        if y is not None:
            tables["contingency"] = contingency_table(labels, y)
    if is_regressor(estimator):
        measures.add("R^2 on the training data", lambda: {
            "r2_train": float(estimator.score(X, y))})
    measures.add(None, lambda: _attribute_metrics(estimator))
    if hasattr(estimator, "sample") and (dataset.extras or {}).get("centers") is not None:
        measures.add("mode coverage", lambda: mode_metrics(estimator, dataset,
                                                           random_state=seed))
    if hasattr(estimator, "elbo") and hasattr(estimator, "log_likelihood"):
        measures.add("the held-out likelihood (ELBO, IWAE)",
                     lambda: likelihood_metrics(estimator, dataset, random_state=seed))
    notes: list[str] = []
    if continuous:
        measures.add("the latent dimensions", lambda: disentanglement_metrics(
            estimator, dataset, random_state=seed, sampled_scores=False, notes=notes))
    result_metrics.update(measures.run())
    for note in notes:
        logger.info("%s", note)
    return RunResult(method=info.name, family=info.family, estimator=estimator, dataset=dataset,
                     seed=seed, embedding=embedding, labels=labels, metrics=result_metrics,
                     duration_s=duration, tables=tables)


def _blocked_reconstruction_error(estimator, X, embedding) -> float:
    """:func:`latentlearn.metrics.reconstruction_error` of ``inverse_transform(embedding)``,
    decoded and compared a block of rows at a time (a memory-mapped X read from its file), so
    the memory is a block's, not a few float64 copies of the whole data."""
    from . import metrics
    from ._linalg import row_blocks
    from ._memmap import MemmapRows, is_file_memmap

    X_arr = X if is_file_memmap(X) else np.asarray(X)
    n = X_arr.shape[0]
    if is_file_memmap(X_arr):
        blocks = MemmapRows(X_arr).blocks()
    else:
        width = int(np.prod(X_arr.shape[1:]))
        blocks = ((rows, X_arr[rows]) for rows in row_blocks(n, width))
    total = 0.0
    for rows, block in blocks:
        decoded = np.asarray(estimator.inverse_transform(embedding[rows]))
        total += float(metrics.reconstruction_error(
            block, decoded.reshape(block.shape), reduction="sum"))
    return total / n


def _attribute_metrics(estimator) -> dict:
    """The fitted attributes that are numbers (``inertia_``, ``n_iter_``, ``stress_``...) and the
    explained variance, as metrics."""
    out = {}
    for name in ("inertia_", "n_iter_", "n_components_", "stress_", "normalized_stress_",
                 "reconstruction_err_", "kl_divergence_"):
        value = getattr(estimator, name, None)
        if isinstance(value, (int, float, np.integer, np.floating)):
            out[name.rstrip("_")] = float(value)
    if hasattr(estimator, "explained_variance_ratio_"):
        out["explained_variance"] = float(np.sum(estimator.explained_variance_ratio_))
    return out


def resolved_parameters(estimator) -> dict:
    """The values a fitted estimator chose for its parameters left to ``"auto"``.

    Every parameter whose value is the string ``"auto"`` and whose fitted attribute of the same
    name plus ``_`` holds a number or a string (t-SNE's ``perplexity_``, ``learning_rate_`` and
    ``method_``, PCA's ``svd_solver_``, a neural model's ``device_``...) maps to that value.

    Returns
    -------
    dict
        ``{parameter name: value used}`` (JSON-ready), empty if nothing was "auto".
    """
    out = {}
    for name, value in estimator.get_params(deep=False).items():
        if not (isinstance(value, str) and value == "auto"):
            continue
        used = getattr(estimator, f"{name}_", None)
        if isinstance(used, (bool, np.bool_)):
            out[name] = bool(used)
        elif isinstance(used, (int, np.integer)):
            out[name] = int(used)
        elif isinstance(used, (float, np.floating)):
            out[name] = float(used)
        elif isinstance(used, str):
            out[name] = used
    return out


def contingency_table(labels, y) -> dict:
    """Counts of each (cluster, true label) pair: ``{"clusters", "classes", "counts"}``.

    ``counts[i][j]`` is the number of points of cluster ``clusters[i]`` whose label is
    ``classes[j]`` (both sorted); the table the adjusted Rand index and the mutual-information
    scores are computed from (Hubert & Arabie 1985). Labels are written as text.
    """
    labels, y = np.asarray(labels).ravel(), np.asarray(y).ravel()
    if labels.shape != y.shape:
        raise ParameterError(f"labels ({labels.shape[0]}) and y ({y.shape[0]}) must have the "
                             f"same length.")
    clusters, row = np.unique(labels, return_inverse=True)
    classes, col = np.unique(y, return_inverse=True)
    counts = np.zeros((len(clusters), len(classes)), dtype=np.int64)
    np.add.at(counts, (row, col), 1)
    return {"clusters": [str(c) for c in clusters.tolist()],
            "classes": [str(c) for c in classes.tolist()], "counts": counts.tolist()}


#: Meanings of the metrics :func:`likelihood_metrics` writes.
LIKELIHOOD_METRIC_INFO = {
    "elbo": ("Mean evidence lower bound E_q[log p(x|z)] - KL(q(z|x) || p(z)) per input, in nats "
             "(Kingma & Welling 2014), on the held-out inputs when there are some.", True),
    "iwae": ("Mean importance-weighted bound log (1/k) sum_i p(x, z_i) / q(z_i|x) per input, "
             "in nats (Burda et al. 2016): a tighter estimate of log p(x), never below the "
             "ELBO in expectation.", True),
    "iwae_k": ("Importance samples per input of the IWAE bound.", None),
    "likelihood_n_samples": ("Inputs the ELBO and IWAE bound were computed on.", None),
    "likelihood_held_out": ("1 if those inputs were the held-out (validation) part, 0 if the "
                            "training data.", None),
}


def likelihood_metrics(estimator, dataset: Dataset, *, k: int = 50, max_samples: int = 1000,
                       random_state=0) -> dict:
    """ELBO and IWAE bound of a generative model with an encoder (the VAE family), in nats.

    On the held-out part when the model held one out (``validation_fraction > 0``), else on the
    first rows; at most ``max_samples`` inputs. ``iwae`` is ``mean log (1/k) sum_i w_i`` with
    ``w_i = p(x|z_i) p(z_i) / q(z_i|x)``, ``z_i ~ q(z|x)`` (Burda et al. 2016), from the
    estimator's ``log_likelihood(X, k)``; ``elbo`` its ``elbo(X)``.

    Returns
    -------
    dict
        ``elbo``, ``iwae``, ``iwae_k``, ``likelihood_n_samples``, ``likelihood_held_out``.
    """
    from .neural.latent import evaluation_index

    _register_metric_info()
    index, held = evaluation_index(estimator, dataset.n_samples, max_samples=max_samples)
    X = np.asarray(dataset.X[index], dtype=np.float32)
    seed = 0 if random_state is None else random_state
    return {
        "elbo": float(np.mean(estimator.elbo(X, random_state=seed))),
        "iwae": float(np.mean(estimator.log_likelihood(X, k=int(k), random_state=seed))),
        "iwae_k": int(k),
        "likelihood_n_samples": int(len(index)),
        "likelihood_held_out": int(held),
    }


def mode_metrics(estimator, dataset: Dataset, *, n_samples: int = 2000, random_state=0) -> dict:
    """Mode coverage of a generator fitted on data of known modes (``extras["centers"]`` and
    ``extras["params"]["std"]``, e.g. ``gaussian_ring``): ``modes_covered``, ``n_modes`` and
    ``high_quality_share`` of ``n_samples`` draws (:func:`latentlearn.metrics.mode_coverage`;
    Metz et al. 2017, Srivastava et al. 2017), and ``mode_n_samples``. Empty otherwise."""
    from .metrics import mode_coverage

    centers = (dataset.extras or {}).get("centers")
    std = ((dataset.extras or {}).get("params") or {}).get("std")
    if centers is None or std is None or not hasattr(estimator, "sample") or \
            np.asarray(centers).shape[-1] != dataset.n_features:
        return {}
    samples = np.asarray(estimator.sample(n_samples, random_state=random_state))
    out = mode_coverage(samples, centers, float(std))
    out["mode_n_samples"] = int(n_samples)
    return out


# --------------------------------------------------------------------------- latent codes
#: Meanings of the metrics :func:`disentanglement_metrics` writes (the metrics package's own
#: entries, where it has them, take precedence).
DISENTANGLEMENT_METRIC_INFO = {
    "kl_per_dimension": ("Mean KL(q(z_j|x) || N(0, 1)) of each latent dimension over the data, "
                         "in nats (Kingma & Welling 2014's closed form per dimension).", None),
    "active_units": ("Latent dimensions with Var_x(E[z_j|x]) > 0.01 (Burda et al. 2016); the "
                     "others have collapsed to the prior.", None),
    "mig": ("Mutual information gap (Chen et al. 2018): per factor, the gap between the two "
            "codes most informative of it, over its entropy; 1 = each factor in one code.", True),
    "sap": ("SAP score (Kumar et al. 2018): per factor, the gap between the two codes that "
            "predict it best.", True),
    "dci_disentanglement": ("DCI disentanglement (Eastwood & Williams 2018): each code predicts "
                            "one factor (1 - entropy of its importances).", True),
    "dci_completeness": ("DCI completeness (Eastwood & Williams 2018): each factor is predicted "
                         "by one code.", True),
    "dci_informativeness": ("DCI informativeness (Eastwood & Williams 2018): accuracy of "
                            "predicting the factors from the codes.", True),
    "beta_vae_score": ("beta-VAE score (Higgins et al. 2017): accuracy of a linear classifier "
                       "naming the factor held fixed in a batch from code differences.", True),
    "factor_vae_score": ("FactorVAE score (Kim & Mnih 2018): majority-vote accuracy naming the "
                         "fixed factor from the least-varying normalised code.", True),
    "disentanglement_n_samples": ("Inputs the latent-code metrics were computed on.", None),
    "disentanglement_held_out": ("1 if those inputs were the held-out (validation) part, 0 if "
                                 "the training data.", None),
}

def _register_metric_info():
    from .metrics import METRIC_INFO
    from .metrics.summary import MetricInfo

    for name, (description, higher) in {**DISENTANGLEMENT_METRIC_INFO,
                                        **LIKELIHOOD_METRIC_INFO}.items():
        METRIC_INFO.setdefault(name, MetricInfo(description, higher))


def _metric_info_for(metrics: dict) -> dict:
    """``metric_info`` entries (see :func:`write_run_folder`) of the latent-code metrics in
    ``metrics``, so that a report rebuilt later still explains them."""
    from .metrics import METRIC_INFO

    _register_metric_info()
    return {name: (METRIC_INFO[name].description, METRIC_INFO[name].higher_is_better)
            for name in metrics
            if name in DISENTANGLEMENT_METRIC_INFO or name in LIKELIHOOD_METRIC_INFO}


def _discrete_factors(factors: np.ndarray, n_bins: int = 20) -> np.ndarray:
    """Factors as integer codes: discrete columns by their distinct values, continuous ones
    (more than ``n_bins`` distinct non-integer values, e.g. a swiss roll's position) by
    ``n_bins`` equal-count bins."""
    factors = np.asarray(factors, dtype=np.float64)
    if factors.ndim == 1:
        factors = factors[:, None]
    out = np.empty(factors.shape, dtype=np.int64)
    for k in range(factors.shape[1]):
        column = factors[:, k]
        values = np.unique(column)
        if len(values) > n_bins and not np.all(np.equal(np.mod(values, 1), 0)):
            edges = np.quantile(column, np.linspace(0, 1, n_bins + 1)[1:-1])
            out[:, k] = np.searchsorted(edges, column, side="right")
        else:
            out[:, k] = np.searchsorted(values, column)
    return out


def disentanglement_metrics(estimator, dataset: Dataset, *, random_state=0,
                            sampled_scores: bool = True, notes: list | None = None) -> dict:
    """What a run measures of a model's latent code, on the held-out part when there is one.

    - VAE family (a Gaussian encoder): ``kl_per_dimension`` (list of nats) and
      ``active_units`` (:func:`latentlearn.neural.latent.latent_activity`; Burda et al. 2016).
    - Data with ground-truth factors (``dataset.factors``) and an estimator with ``transform``:
      the disentanglement scores of :func:`latentlearn.metrics.disentanglement_scores` on
      ``codes = transform(X)`` -- MIG (Chen et al. 2018), SAP (Kumar et al. 2018), DCI (Eastwood
      & Williams 2018), and on dSprites, whose renderer can draw factor-conditioned batches, the
      beta-VAE (Higgins et al. 2017) and FactorVAE (Kim & Mnih 2018) scores. dSprites is scored
      by its grid indices; continuous factors are cut into 20 equal-count bins.

    Parameters
    ----------
    estimator : fitted estimator
    dataset : Dataset
        The data the run was fitted on (the held-out part is drawn from it, see
        :func:`latentlearn.neural.latent.held_out_index`).
    random_state : int or None, default=0
        Seeds the scores' subsampling and classifiers.
    sampled_scores : bool, default=True
        Compute the beta-VAE and FactorVAE scores (dSprites only). They render and encode
        thousands of factor-conditioned batches and train classifiers: minutes on a laptop
        CPU, so ``fit_run`` leaves them to ``latentlearn evaluate``.
    notes : list, optional
        Sentences saying what could not be computed, and why, are appended to it.

    Returns
    -------
    dict
        Flat ``name -> number`` (``kl_per_dimension`` is a list).
    """
    from .exceptions import LatentLearnError

    from .neural.latent import evaluation_index

    _register_metric_info()
    notes = notes if notes is not None else []
    index, held = evaluation_index(estimator, dataset.n_samples)
    out: dict = {}
    if hasattr(getattr(estimator, "model_", None), "encode"):
        from .neural.latent import latent_activity

        try:
            activity = latent_activity(estimator, dataset.X[index])
        except LatentLearnError as exc:
            notes.append(f"KL per dimension not computed: {exc}")
        else:
            out["kl_per_dimension"] = [float(v) for v in activity["kl_per_dimension"]]
            out["active_units"] = int(activity["active_units"])
    if dataset.factors is None:
        notes.append(f"the data ({dataset.name or 'unnamed'}) have no ground-truth factors, so "
                     f"no disentanglement scores were computed.")
        return out
    if not hasattr(estimator, "transform"):
        notes.append(f"{type(estimator).__name__} has no transform (no codes of new inputs), "
                     f"so no disentanglement scores were computed.")
        return out
    try:
        from .metrics import disentanglement_scores
    except ImportError:
        notes.append("this latentlearn has no latentlearn.metrics.disentanglement_scores; no "
                     "disentanglement scores were computed.")
        return out
    indices = dataset.extras.get("factor_indices")
    factors = (np.asarray(indices)[index] if indices is not None
               and len(indices) == dataset.n_samples else
               _discrete_factors(dataset.factors[index]))
    encode = source = None
    if dataset.name == "dsprites" and dataset.n_features == 64 * 64 and not sampled_scores:
        notes.append("the beta-VAE and FactorVAE scores were not computed (they take minutes); "
                     "run `latentlearn evaluate RUN` for them.")
    elif dataset.name == "dsprites" and dataset.n_features == 64 * 64:
        try:
            from .datasets.dsprites import DSpritesFactors
        except ImportError:
            notes.append("no dSprites factor source here; the beta-VAE and FactorVAE scores "
                         "were skipped.")
        else:
            source, encode = DSpritesFactors(), estimator.transform
    try:
        codes = np.asarray(estimator.transform(dataset.X[index]))
        scores = disentanglement_scores(codes, factors, encode=encode, source=source,
                                        random_state=random_state)
    except (LatentLearnError, ValueError) as exc:
        notes.append(f"disentanglement scores not computed: {exc}")
        logger.warning("disentanglement scores not computed: %s", exc)
        return out
    out.update({k: float(v) for k, v in scores.items()})
    out["disentanglement_n_samples"] = int(len(index))
    out["disentanglement_held_out"] = int(held)
    return out


# --------------------------------------------------------------------------- samples
#: `evaluate --metrics` compares at most this many generated samples with as many real ones.
MAX_SAMPLE_METRIC_SAMPLES = 2000

_SAMPLE_FEATURES = ("auto", "mnist", "raw")


def _looks_like_mnist(dataset: Dataset, real: np.ndarray) -> bool:
    shape = tuple(dataset.image_shape or ())
    return (shape in ((28, 28), (28, 28, 1)) and real.shape[1] == 28 * 28
            and real.size > 0 and float(real.min()) >= 0.0 and float(real.max()) <= 1.0)


def sample_quality_metrics(estimator, dataset: Dataset,
                           metrics=("fd", "kd", "precision_recall"), *, features="auto",
                           max_samples: int = MAX_SAMPLE_METRIC_SAMPLES, random_state=0,
                           notes: list | None = None,
                           callback: Callable[[str], None] | None = None) -> dict:
    """Sample-quality scores of a generative model: its samples against the run's data.

    Draws as many samples (``estimator.sample(n, random_state=)``) as there are real rows to
    compare with: the held-out part when the model held one out, else all rows, at most
    ``max_samples`` (a random subset drawn with ``random_state``). Scores them with
    :func:`latentlearn.metrics.sample_quality`: Frechet distance (Heusel et al. 2017), kernel
    distance (Binkowski et al. 2018), precision and recall (Kynkaanniemi et al. 2019), MMD^2
    (Gretton et al. 2012).

    Parameters
    ----------
    estimator : fitted estimator with ``sample``
    dataset : Dataset
    metrics : iterable of str or comma-separated str, default=("fd", "kd", "precision_recall")
        Also ``"mmd"``.
    features : {"auto", "mnist", "raw"}, default="auto"
        "auto": the shipped mnist network (FID-style numbers, not comparable with
        Inception-based FID) for 28x28 images in [0, 1] such as mnist5k, else the raw values.
    max_samples : int, default=2000
    random_state : int or None, default=0
    notes : list, optional
        Sentences saying what could not be computed, and why, are appended to it.
    callback : callable, optional
        Progress, ``callback(stage, done=i, total=N)`` before each of the N metrics.

    Returns
    -------
    dict
        The scores (``frechet_distance``, ``kernel_distance``, ``precision``, ``recall``,
        ``mmd2``) and ``sample_metrics_n_samples``, ``sample_metrics_mnist_features``,
        ``sample_metrics_held_out``.
    """
    from .exceptions import DataError
    from .metrics import sample_quality
    from .metrics.sample_quality import sample_metric_names
    from .neural.latent import evaluation_index

    notes = notes if notes is not None else []
    if not hasattr(estimator, "sample"):
        raise ParameterError(f"{type(estimator).__name__} cannot generate samples, so it has no "
                             f"sample-quality metrics; fit a generative model (vae, gan, "
                             f"wgan_gp, vq_vae, pca...).")
    if features not in _SAMPLE_FEATURES:
        raise ParameterError(f"features={features!r}; choose from "
                             f"{', '.join(_SAMPLE_FEATURES)}.")
    if not isinstance(max_samples, (int, np.integer)) or max_samples < 2:
        raise ParameterError(f"max_samples={max_samples!r} must be an integer >= 2.")
    names = sample_metric_names(metrics)
    index, held = evaluation_index(estimator, dataset.n_samples, max_samples=dataset.n_samples)
    if len(index) > max_samples:
        rng = np.random.default_rng(random_state)
        index = np.sort(rng.choice(index, size=max_samples, replace=False))
    real = np.asarray(dataset.X[index], dtype=np.float64)
    use_mnist = features == "mnist" or (features == "auto" and _looks_like_mnist(dataset, real))
    fake = np.asarray(estimator.sample(len(real), random_state=random_state))
    # a model trained on a GPU is measured there too (numpy otherwise)
    fitted_on = str(getattr(estimator, "device_", "cpu"))
    device = fitted_on if fitted_on.startswith("cuda") else None
    if use_mnist:
        from .metrics.feature_network import mnist_features

        real, fake = mnist_features(real, device=device), mnist_features(fake, device=device)
    out: dict = {}
    for i, name in enumerate(names):
        _progress(callback, f"sample metric {i + 1}/{len(names)}: {name}", i, len(names))
        try:
            out.update(sample_quality(real, fake, metrics=[name], features=None,
                                      random_state=random_state, device=device))
        except DataError as exc:
            notes.append(f"{name} not computed: {exc}")
            logger.warning("%s not computed: %s", name, exc)
    out["sample_metrics_n_samples"] = int(len(real))
    out["sample_metrics_mnist_features"] = int(use_mnist)
    out["sample_metrics_held_out"] = int(held)
    return out


# --------------------------------------------------------------------------- figures
#: The figure makers a run draws, in display order: the registry of :mod:`latentlearn.figures`
#: (iterating it gives each maker; ``FIGURE_MAKERS.entries()`` their names and orders).
FIGURES = FIGURE_MAKERS


# --------------------------------------------------------------------------- writing
def _dataset_summary(ds: Dataset) -> dict:
    summary = {"name": ds.name, "n_samples": ds.n_samples, "n_features": ds.n_features,
               "description": ds.description,
               "image_shape": list(ds.image_shape) if ds.image_shape else None,
               "has_labels": ds.y is not None, "has_factors": ds.factors is not None}
    spec = _load_spec(ds)
    if spec is not None:
        summary["load"] = spec
    return summary


def _load_spec(ds: Dataset) -> dict | None:
    """How to load ``ds`` again with :func:`latentlearn.datasets.load`: ``{"name", "options"}``.

    The CLI records what it was given (``extras["load_spec"]``); otherwise a generated data set
    that records its options (``extras["params"]``, e.g. dSprites) is reloaded by its name.
    """
    spec = ds.extras.get("load_spec")
    if spec is None and isinstance(ds.extras.get("params"), dict) and ds.name:
        spec = {"name": ds.name, "options": ds.extras["params"]}
    return None if spec is None else fileio.to_jsonable(spec)


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
                     estimator=None, metric_info=None, tables=None, overwrite: bool = False,
                     callback: Callable[[str], None] | None = None) -> Path:
    """Write a run folder at ``out`` atomically, and its ``report.html``.

    The folder is assembled in a hidden sibling and renamed into place at the end, so a crash
    never leaves a folder that looks complete; an existing ``out`` is replaced only then.

    Parameters
    ----------
    config, metrics : dict
        Written as ``config.json`` and ``metrics.json`` (flat name -> number).
    figures : iterable of Figure
        Saved as ``figures/<name>.png`` (``.bokeh.json`` for an interactive one, see
        :class:`latentlearn.figures.Figure`), listed in ``figures.json`` in this order.
    arrays : dict of str -> ndarray, optional
        Saved as ``<name>.npy`` (``embedding``, ``labels``...).
    estimator : fitted estimator, optional
        Saved to ``model/`` (config.json + weights.safetensors).
    metric_info : dict of str -> (description, higher_is_better), optional
        Meanings of metrics the report's built-in table does not know, written as
        ``metric_info.json`` so that a report rebuilt later still explains them.
    tables : dict of str -> JSON-ready value, optional
        Written as ``<name>.json`` (``contingency``: see :func:`contingency_table`).
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
        for name, table in (tables or {}).items():
            fileio.write_json(tmp / f"{name}.json", table)
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
            entries.append(fig.save(tmp / "figures"))
        fileio.write_json(tmp / "figures.json", entries)
        _progress(callback, "writing report")
        build_report(tmp)
        _replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def run_config(method: str, family: str, params: dict, seed, dataset: dict,
               duration_s: float, resolved_params: dict | None = None) -> dict:
    """The ``config.json`` record of a run (``resolved_params``: the values used where a
    parameter was "auto", see :func:`resolved_parameters`)."""
    return {
        "method": method,
        "family": family,
        "params": params,
        **({"resolved_params": resolved_params} if resolved_params else {}),
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
                        result.seed, _dataset_summary(result.dataset), result.duration_s,
                        resolved_parameters(result.estimator))
    figures = make_figures(result)
    return write_run_folder(out, config=config, metrics=result.metrics, figures=figures,
                            arrays={"embedding": result.embedding, "labels": result.labels},
                            estimator=result.estimator,
                            metric_info=_metric_info_for(result.metrics) or None,
                            tables=result.tables or None, overwrite=overwrite,
                            callback=callback)


def _reload_dataset(run_dir: Path, config: dict) -> Dataset:
    from .datasets import load
    from .report import RunFolderError

    summary = config.get("dataset") or {}
    spec = summary.get("load")
    if not isinstance(spec, dict) or not spec.get("name"):
        raise RunFolderError(
            f"{run_dir / 'config.json'} does not say how its data were loaded (no dataset.load "
            f"record; runs written before `latentlearn evaluate` existed lack it); fit the run "
            f"again with `latentlearn fit` to record it.")
    dataset = load(spec["name"], **(spec.get("options") or {}))
    if dataset.n_samples != summary.get("n_samples", dataset.n_samples) or \
            dataset.n_features != summary.get("n_features", dataset.n_features):
        raise RunFolderError(
            f"the data loaded again from {spec['name']!r} have {dataset.n_samples} x "
            f"{dataset.n_features} values but the run was fitted on {summary.get('n_samples')} x "
            f"{summary.get('n_features')}; the data changed since the run was written.")
    return dataset


def evaluate_run(run_dir, *, sampled_scores: bool = True, metrics=None, features="auto",
                 max_samples: int = MAX_SAMPLE_METRIC_SAMPLES,
                 callback: Callable[[str], None] | None = None):
    """Measure the saved model of a run folder on its data again, and rebuild its report.

    Loads ``run_dir/model`` (:func:`latentlearn.load`), loads the run's data again from the
    ``dataset.load`` record of ``config.json``, computes :func:`disentanglement_metrics` (on the
    held-out part when the model held one out), merges them into ``metrics.json``, draws the
    figures again and rebuilds ``report.html``. Every file is replaced atomically.
    ``sampled_scores=False`` skips the slow beta-VAE and FactorVAE scores.

    ``metrics`` (e.g. ``"fd,kd,precision_recall"`` or a list; also ``"mmd"``) adds the
    sample-quality scores of :func:`sample_quality_metrics` for a model that can ``sample``,
    with ``features`` ("auto", "mnist" or "raw") and at most ``max_samples`` samples.

    Returns
    -------
    (dict, list of str)
        The metrics computed, and sentences saying what could not be computed and why.
    """
    from . import load as load_estimator
    from .report import RunFolderError, build_report

    run_dir = Path(run_dir)
    if not (run_dir / "config.json").is_file():
        raise RunFolderError(f"{run_dir} is not a run folder (no config.json); pass a folder "
                             f"written by `latentlearn fit`.")
    if not (run_dir / "model").is_dir():
        raise RunFolderError(f"{run_dir} has no model/ folder, so there is nothing to evaluate; "
                             f"fit the method again with `latentlearn fit`.")
    config = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))
    _progress(callback, "loading the model")
    estimator = load_estimator(run_dir / "model")
    _progress(callback, "loading the data")
    dataset = _reload_dataset(run_dir, config)
    _progress(callback, "measuring the latent code")
    notes: list[str] = []
    if metrics is not None:  # checked before the slow part, so a typo fails at once
        from .metrics.sample_quality import sample_metric_names

        sample_metric_names(metrics)
        if features not in _SAMPLE_FEATURES:
            raise ParameterError(f"features={features!r}; choose from "
                                 f"{', '.join(_SAMPLE_FEATURES)}.")
        if not hasattr(estimator, "sample"):
            raise ParameterError(
                f"the model in {run_dir} ({type(estimator).__name__}) cannot generate samples, "
                f"so --metrics does not apply; fit a generative model (vae, gan, wgan_gp, "
                f"vq_vae, pca...).")
    computed = disentanglement_metrics(estimator, dataset, random_state=config.get("seed"),
                                       sampled_scores=sampled_scores, notes=notes)
    if metrics is not None:
        _progress(callback, "drawing samples and scoring them")
        computed.update(sample_quality_metrics(
            estimator, dataset, metrics, features=features, max_samples=max_samples,
            random_state=config.get("seed") or 0, notes=notes, callback=callback))
    metrics_file = run_dir / "metrics.json"
    metrics = json.loads(metrics_file.read_text(encoding="utf-8")) if metrics_file.is_file() \
        else {}
    metrics.update(computed)
    fileio.write_json(metrics_file, metrics)
    info = _metric_info_for(computed)
    if info:
        info_file = run_dir / "metric_info.json"
        known = json.loads(info_file.read_text(encoding="utf-8")) if info_file.is_file() else {}
        known.update({n: {"description": d, "higher_is_better": h}
                      for n, (d, h) in info.items()})
        fileio.write_json(info_file, known)

    _progress(callback, "drawing figures")
    arrays = {}
    for name in ("embedding", "labels"):
        file = run_dir / f"{name}.npy"
        arrays[name] = np.load(file, allow_pickle=False) if file.is_file() else None
    if arrays["embedding"] is None and hasattr(estimator, "transform"):
        arrays["embedding"] = np.asarray(estimator.transform(dataset.X))
    result = RunResult(method=config.get("method"), family=config.get("family"),
                       estimator=estimator, dataset=dataset, seed=config.get("seed"),
                       embedding=arrays["embedding"], labels=arrays["labels"], metrics=metrics)
    tmp = Path(tempfile.mkdtemp(prefix=".figures.partial-", dir=run_dir))
    try:
        entries = []
        for fig in make_figures(result):
            entries.append(fig.save(tmp))
        _replace_dir(tmp, run_dir / "figures")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    fileio.write_json(run_dir / "figures.json", entries)
    _progress(callback, "writing report")
    build_report(run_dir)
    return computed, notes


def run_method(method: str, dataset: Dataset, out, params: dict | None = None, *,
               seed: int | None = 0, overwrite: bool = False,
               metric_max_samples: int | None = None,
               callback: Callable[[str], None] | None = None) -> Path:
    """Fit, measure, draw and write one run folder; returns its path (see :func:`fit_run`).

    In a distributed run (torchrun) every rank trains and rank 0 alone measures and writes;
    the other ranks get None.
    """
    result = fit_run(method, dataset, params, seed=seed, metric_max_samples=metric_max_samples,
                     callback=callback)
    if result is None:
        return None
    return write_run(result, out, overwrite=overwrite, callback=callback)


def _is_main_process() -> bool:
    """False on ranks > 0 of a torch.distributed run (checked without importing torch)."""
    dist = sys.modules.get("torch.distributed")
    if dist is None or not (dist.is_available() and dist.is_initialized()):
        return True
    return dist.get_rank() == 0


def subsample_dataset(dataset: Dataset, n_samples: int, *, seed: int | None = 0) -> Dataset:
    """A random subset of ``n_samples`` rows of ``dataset`` (all of it if it has no more),
    drawn with ``seed``, in the original row order. Its description says so, and it records
    ``extras["subsample"]`` (``n_samples``, ``of``, ``seed``) instead of the load record of
    the whole (which would describe other data)."""
    n_samples = int(n_samples)
    if n_samples < 1:
        raise ParameterError(f"n_samples={n_samples} must be at least 1.")
    if n_samples >= dataset.n_samples:
        return dataset
    rng = np.random.default_rng(seed)
    index = np.sort(rng.choice(dataset.n_samples, size=n_samples, replace=False))
    sub = dataset.subset(index)
    sub.extras.pop("load_spec", None)
    sub.extras.pop("params", None)
    sub.extras["subsample"] = {"n_samples": n_samples, "of": dataset.n_samples, "seed": seed}
    description = (f"{(dataset.description or dataset.name or 'the data').rstrip('.')}; here "
                   f"a random subset of {n_samples:,} of its {dataset.n_samples:,} rows "
                   f"(random_state={seed}).")
    return dataclasses.replace(sub, description=description)


def compare_methods(methods, dataset: Dataset, out, params: dict | None = None, *,
                    seed: int | None = 0, overwrite: bool = False,
                    subsample: dict | None = None, metric_max_samples: int | None = None,
                    callback: Callable[[str], None] | None = None) -> Path:
    """Fit several methods on one dataset: ``out/<method>/`` runs and ``out/report.html``.

    ``params`` maps a method name to its parameters (``{"kmeans": {"n_clusters": 10}}``);
    ``subsample`` maps a method name to the number of rows it is fitted on (a random subset,
    :func:`subsample_dataset`) where the whole is too large for it; ``metric_max_samples`` is
    passed to :func:`fit_run`. Progress stages are
    prefixed ``[i/N] method:``. Returns the path of the comparison page.
    """
    from .report import build_comparison

    out = check_out_folder(out, overwrite)
    out.mkdir(parents=True, exist_ok=True)
    params = params or {}
    subsample = {get_method(k).name: v for k, v in (subsample or {}).items()}
    names = [get_method(method).name for method in methods]
    run_dirs = []
    for i, name in enumerate(names, start=1):
        data = dataset if name not in subsample else \
            subsample_dataset(dataset, subsample[name], seed=seed)
        step = None if callback is None else functools.partial(
            _prefixed, callback, f"[{i}/{len(names)}] {name}: ")
        run_dirs.append(run_method(name, data, out / name, params.get(name), seed=seed,
                                   overwrite=True, metric_max_samples=metric_max_samples,
                                   callback=step))
    return build_comparison(run_dirs, out / "report.html")


def _prefixed(callback, prefix, stage, done=None, total=None):
    _progress(callback, prefix + stage, done, total)
