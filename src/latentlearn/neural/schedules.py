"""Schedules for loss weights (beta first): pure functions of the training step or epoch.

A model keeps the weights in force in ``model.loss_weights`` (a dict, e.g. ``{"beta": 4.0}``,
initialised from its config); the :class:`~latentlearn.neural.trainer.Trainer`, given
``weight_schedules={name: spec}``, sets ``model.loss_weights[name]`` before every step to
``weight_at(spec, t, total)`` and logs it per epoch as ``"weight.<name>"``. Because the value
depends only on the step count ``t`` (or the epoch count) and the run's length ``total``, a
resumed run -- which restores the counters -- is on the same schedule, bit for bit.

A spec is a JSON-able dict, or the name of a kind with its defaults (``"cyclical"``)::

    {"kind": "constant", "value": v}
        v throughout.
    {"kind": "anneal", "high": 10.0, "low": 1.0, "n": None}            (also "anneal_cosine")
        From ``high`` down to ``low`` over n units (None: the whole run), then ``low``: linearly,
        ``high - (high - low) t / n``, or on a half cosine,
        ``low + (high - low) (1 + cos(pi t / n)) / 2``: a beta-VAE (Higgins et al. 2017) that
        starts with a strong bottleneck and relaxes it, in the spirit of the gradually
        increased capacity of Burgess et al. 2018.
    {"kind": "warmup", "n": 10000, "low": 0.0, "high": 1.0}
        KL annealing of Bowman et al. 2016 against posterior collapse:
        ``low + (high - low) min(t / n, 1)``.
    {"kind": "cyclical", "n_cycles": 4, "ratio": 0.5, "low": 0.0, "high": 1.0}
        Fu et al. 2019: the run of T units is split into M cycles of length T / M; within a
        cycle, ``tau = (t mod (T / M)) / (T / M)`` and the weight is
        ``low + (high - low) min(tau / R, 1)``: it ramps over the proportion R, then holds.

Every spec also takes ``"unit": "step"`` (the default: optimiser iterations, i.e. batches) or
``"epoch"``; ``t`` counts the units completed before the current one (0 at the first step).
"""

from __future__ import annotations

import math
from numbers import Real

from ..exceptions import ParameterError

__all__ = ["KINDS", "normalise_spec", "weight_at"]

#: kind -> (defaults, required fields)
KINDS: dict[str, dict] = {
    "constant": {"value": 1.0},
    "anneal": {"high": 10.0, "low": 1.0, "n": None},
    "anneal_cosine": {"high": 10.0, "low": 1.0, "n": None},
    "warmup": {"n": None, "low": 0.0, "high": 1.0},
    "cyclical": {"n_cycles": 4, "ratio": 0.5, "low": 0.0, "high": 1.0},
}
_UNITS = ("step", "epoch")


def _bad(name, spec, what):
    raise ParameterError(f"weight_schedules[{name!r}]={spec!r} is not a schedule: {what}. "
                         f"Use a kind ({', '.join(KINDS)}) or a dict such as "
                         f"{{'kind': 'cyclical', 'n_cycles': 4, 'ratio': 0.5}}.")


def normalise_spec(name: str, spec) -> dict:
    """``spec`` (a kind name or a dict) as a full dict with every field; checked."""
    if isinstance(spec, str):
        spec = {"kind": spec}
    if not isinstance(spec, dict) or "kind" not in spec:
        _bad(name, spec, "it must be a kind name or a dict with a 'kind'")
    kind = spec["kind"]
    if kind not in KINDS:
        _bad(name, spec, f"unknown kind {kind!r}")
    full = {"kind": kind, "unit": "step", **KINDS[kind]}
    unknown = sorted(set(spec) - set(full))
    if unknown:
        _bad(name, spec, f"unknown fields {unknown} for kind {kind!r} (it takes "
                         f"{sorted(set(full) - {'kind'})})")
    full.update(spec)
    if full["unit"] not in _UNITS:
        _bad(name, spec, f"unit must be 'step' or 'epoch', not {full['unit']!r}")
    for key in ("value", "high", "low", "ratio"):
        if key in full and not (isinstance(full[key], Real) and math.isfinite(full[key])
                                and not isinstance(full[key], bool)):
            _bad(name, spec, f"{key} must be a finite number")
    if kind == "cyclical":
        if not (isinstance(full["n_cycles"], int) and full["n_cycles"] >= 1):
            _bad(name, spec, "n_cycles must be an integer >= 1")
        if not 0 < full["ratio"] <= 1:
            _bad(name, spec, "ratio must be in (0, 1]")
    if "n" in full and full["n"] is not None and not (
            isinstance(full["n"], int) and not isinstance(full["n"], bool) and full["n"] >= 1):
        _bad(name, spec, "n must be None (the whole run) or an integer >= 1")
    return full


def weight_at(spec: dict, t: int, total: int) -> float:
    """The weight of ``spec`` (normalised) after ``t`` of ``total`` units of the run."""
    kind = spec["kind"]
    if kind == "constant":
        return float(spec["value"])
    low, high = float(spec["low"]), float(spec["high"])
    if kind in ("anneal", "anneal_cosine", "warmup"):
        n = spec["n"] if spec["n"] is not None else max(total, 1)
        frac = min(t / n, 1.0)
        if kind == "warmup":
            return low + (high - low) * frac
        if kind == "anneal":
            return high - (high - low) * frac
        return low + (high - low) * 0.5 * (1.0 + math.cos(math.pi * frac))
    # cyclical (Fu et al. 2019)
    period = max(total, 1) / spec["n_cycles"]
    tau = math.fmod(t, period) / period
    return low + (high - low) * min(tau / spec["ratio"], 1.0)
