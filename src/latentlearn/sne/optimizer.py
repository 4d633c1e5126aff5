"""Gradient descent with momentum and per-coordinate gains (Jacobs 1988; van der Maaten &
Hinton 2008), the optimizer of every t-SNE implementation, and the only one here: ``fit`` and
``transform`` both run :func:`optimize` on an :class:`~.objectives.Objective`.

One :class:`Phase` is a run of iterations at one step, momentum and exaggeration: ``fit`` runs
two, early exaggeration (``exaggeration=12``, momentum 0.5, 250 iterations) and then the main
phase (``exaggeration=1``, momentum 0.8); ``transform`` runs one (momentum 0.8, step 0.5,
openTSNE's). The update, per coordinate (as scikit-learn's ``_gradient_descent``)::

    gain  <- gain + 0.2  if sign(grad) != sign(update)  else  gain * 0.8,  clipped at min_gain
    update <- momentum * update - learning_rate * gain * grad
    y <- y + update

Each phase starts from zero update and unit gains, as scikit-learn's ``_gradient_descent``
does (a fresh ``OptimizerState`` per phase). A ``callback(event, logs)`` is called every
``callback_every`` iterations (and at the end of each phase) with ``event="iteration"`` and
``logs = {"iteration", "kl", "phase", "embedding"}``; if it returns True the run stops
cleanly, the later phases are skipped, and the partial embedding is returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["OptimizerState", "Phase", "gradient_descent", "optimize"]


@dataclass
class OptimizerState:
    """What carries over between phases: the momentum term, the gains, the iteration count."""

    update: object
    gains: object
    iteration: int = 0
    history: list = field(default_factory=list)  # [{"iteration", "kl", "phase"}]
    stopped: bool = False


@dataclass(frozen=True)
class Phase:
    """One run of iterations at a fixed step, momentum and exaggeration of ``P``."""

    n_iter: int
    learning_rate: float
    momentum: float
    exaggeration: float = 1.0
    name: str = "main"


def _full_like(Y, value):
    if isinstance(Y, np.ndarray):
        return np.full_like(Y, value)
    import torch

    return torch.full_like(Y, value)


def optimize(objective, Y, phases, *, min_gain=0.01, callback=None, callback_every=50,
             record_every=50, phase_done=None):
    """Run ``phases`` in turn on ``objective`` from the map ``Y``; returns ``(Y, state)``.

    Parameters
    ----------
    objective : Objective
        :meth:`~.objectives.Objective.start` turns ``Y`` into the array the updates run on
        (``Y`` itself for numpy objectives, which is then moved in place), and
        :meth:`~.objectives.Objective.finish` turns the result back into numpy.
    Y : ndarray of shape (n_points, n_components)
    phases : sequence of Phase
    min_gain : float, default=0.01
    callback : callable ``callback(event, logs) -> bool``, optional
        True stops the run: the later phases are skipped and ``state.stopped`` is set.
    callback_every, record_every : int
        How often the callback runs and the KL is stored in ``state.history``.
    phase_done : callable ``phase_done(phase, state)``, optional
        Called after each phase that ran (e.g. to log its time).

    Returns
    -------
    Y : ndarray of shape (n_points, n_components)
    state : OptimizerState
        Of the last phase run; ``iteration`` and ``history`` count across the phases.
    """
    Y = objective.start(Y)
    iteration, history = 0, []
    state = OptimizerState(update=None, gains=None)
    for phase in phases:
        state = OptimizerState(update=_full_like(Y, 0.0), gains=_full_like(Y, 1.0),
                               iteration=iteration, history=history)
        Y, state = gradient_descent(objective, Y, state, n_iter=phase.n_iter,
                                    learning_rate=float(phase.learning_rate),
                                    momentum=phase.momentum, exaggeration=phase.exaggeration,
                                    min_gain=min_gain, callback=callback,
                                    callback_every=callback_every, phase=phase.name,
                                    record_every=record_every)
        iteration = state.iteration
        if phase_done is not None:
            phase_done(phase, state)
        if state.stopped:
            break
    return objective.finish(Y), state


def gradient_descent(objective, Y, state, *, n_iter, learning_rate, momentum, exaggeration,
                     min_gain=0.01, callback=None, callback_every=50, phase="main",
                     record_every=50):
    """Run ``n_iter`` iterations of one phase in place on ``Y``.

    Parameters
    ----------
    objective : Objective
        ``objective.value_and_gradient(Y, exaggeration, compute_kl) -> (kl, grad)``; ``kl``
        may be None when ``compute_kl`` is False.
    Y : ndarray or torch.Tensor of shape (n_samples, n_components)
        Updated in place.
    state : OptimizerState
    n_iter : int
    learning_rate, momentum, exaggeration, min_gain : float
    callback : callable ``callback(event, logs) -> bool``, optional
    callback_every, record_every : int
        How often the callback runs and the KL is stored in ``state.history``.

    Returns
    -------
    Y, state
    """
    update, gains = state.update, state.gains
    for local in range(n_iter):
        state.iteration += 1
        it = state.iteration
        last = local == n_iter - 1
        record = it % record_every == 0 or last
        notify = callback is not None and (it % callback_every == 0 or last)
        kl, grad = objective.value_and_gradient(Y, exaggeration, record or notify)
        increase = (update * grad) < 0.0
        gains[increase] += 0.2
        gains[~increase] *= 0.8
        gains[gains < min_gain] = min_gain
        update *= momentum
        update -= learning_rate * (gains * grad)
        Y += update
        if record:
            state.history.append({"iteration": it, "kl": kl, "phase": phase})
        if notify:
            logs = {"iteration": it, "kl": kl, "phase": phase, "embedding": Y}
            if callback("iteration", logs):
                state.stopped = True
                break
    return Y, state
