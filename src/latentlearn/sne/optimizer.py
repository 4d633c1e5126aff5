"""Gradient descent with momentum and per-coordinate gains (Jacobs 1988; van der Maaten &
Hinton 2008), the optimizer of every t-SNE implementation.

One call runs one phase: ``fit`` runs it twice, early exaggeration (``exaggeration=12``,
momentum 0.5, 250 iterations) and then the main phase (``exaggeration=1``, momentum 0.8).
The update, per coordinate (as scikit-learn's ``_gradient_descent``)::

    gain  <- gain + 0.2  if sign(grad) != sign(update)  else  gain * 0.8,  clipped at min_gain
    update <- momentum * update - learning_rate * gain * grad
    y <- y + update

Each phase starts from zero update and unit gains, as scikit-learn's ``_gradient_descent``
does (a fresh ``OptimizerState`` per phase). A ``callback(event, logs)`` is called every
``callback_every`` iterations with
``event="iteration"`` and ``logs = {"iteration", "kl", "phase", "embedding"}``; if it returns
True the run stops cleanly and the partial embedding is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["OptimizerState", "gradient_descent"]


@dataclass
class OptimizerState:
    """What carries over between phases: the momentum term, the gains, the iteration count."""

    update: object
    gains: object
    iteration: int = 0
    history: list = field(default_factory=list)  # [{"iteration", "kl", "phase"}]
    stopped: bool = False


def gradient_descent(objective, Y, state, *, n_iter, learning_rate, momentum, exaggeration,
                     min_gain=0.01, callback=None, callback_every=50, phase="main",
                     record_every=50):
    """Run ``n_iter`` iterations of gradient descent in place on ``Y``.

    Parameters
    ----------
    objective : callable ``objective(Y, exaggeration, compute_kl) -> (kl, grad)``
        ``kl`` may be None when ``compute_kl`` is False.
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
        kl, grad = objective(Y, exaggeration, record or notify)
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
