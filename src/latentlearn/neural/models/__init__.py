"""Deep models: each a ``Config`` dataclass plus an ``nn.Module`` with ``training_step``.

The contract every model keeps (DESIGN.md, after pythae) is all the :class:`~latentlearn.neural.
trainer.Trainer` knows about a model::

    model.config                      a dataclass of JSON-able fields (saved as config.json)
    model.training_step(batch)        -> StepOutput(loss, terms={"name": scalar tensor, ...})

Optional: ``encode``, ``decode``, ``sample``; ``loss_weights`` (dict name -> float, the weights
``training_step`` reads, which a weight schedule sets); and, for a model trained by several
optimisers (FactorVAE's discriminator, a GAN's critic), ``players() -> list of Player``, with
``training_step(batch, player=name)`` and optionally ``after_step(player_name)`` (e.g. WGAN's
weight clipping) called after that player's optimiser step. Models are registered here by name so that a saved
folder (``config.json`` naming the model) is rebuilt without ``elif name == ...`` chains and
without pickled code.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ..._optional import require

# A missing torch raises an ImportError naming the extra: pip install 'latentlearn[neural]'.
torch = require("torch", extra="neural", what="the neural models")

from ...exceptions import CheckpointError, UnknownNameError

__all__ = ["StepOutput", "Player", "register_model", "build_model", "model_name", "MODELS"]


@dataclass
class StepOutput:
    """What ``training_step`` returns: the loss to minimise and named scalar terms to log."""

    loss: torch.Tensor
    terms: dict = field(default_factory=dict)


@dataclass
class Player:
    """One optimiser of a model and the parameters it moves.

    Per batch, each player in the declared order takes ``steps`` optimiser steps on
    ``training_step(batch, player=name).loss``. ``optimizer`` overrides the trainer's optimiser:
    ``{"name": "adam", "lr": 1e-4, "betas": (0.5, 0.9)}`` (other keys go to the torch optimiser);
    the rest of the trainer's settings (weight decay, learning-rate schedule) apply otherwise.
    """

    name: str
    parameters: list
    steps: int = 1
    optimizer: dict = field(default_factory=dict)


#: name -> nn.Module class (each with a ``config_class`` attribute).
MODELS: dict[str, type] = {}


def register_model(name: str):
    """Class decorator: make a model class buildable from ``{"model": name, "config": {...}}``."""

    def decorate(cls):
        if name in MODELS and MODELS[name] is not cls:
            raise RuntimeError(f"model name {name!r} is registered twice")
        MODELS[name] = cls
        cls.model_name = name
        return cls

    return decorate


def model_name(model) -> str:
    name = getattr(type(model), "model_name", None)
    if name is None or MODELS.get(name) is not type(model):
        raise CheckpointError(f"{type(model).__name__} is not a registered latentlearn model; "
                              f"decorate it with @register_model(name) to save it.")
    return name


def build_model(name: str, config: dict, **modules):
    """Rebuild a registered model from its name and its config as a dict (from config.json).

    ``modules`` (``encoder=``, ``decoder=``) go to the model's constructor: the user networks a
    config records as ``"user:<ClassName>"``.
    """
    from . import autoencoder, vae  # noqa: F401  (registers the built-in models)
    from . import beta_tcvae  # noqa: F401
    from . import factor_vae, mmd_vae  # noqa: F401
    from . import contrastive  # noqa: F401
    from . import vq_vae  # noqa: F401
    from . import gan  # noqa: F401

    if name not in MODELS:
        raise UnknownNameError(f"unknown model {name!r}; known models: {', '.join(sorted(MODELS))}.")
    cls = MODELS[name]
    fields = {f.name for f in dataclasses.fields(cls.config_class)}
    unknown = sorted(set(config) - fields)
    if unknown:
        raise CheckpointError(f"the config of model {name!r} has unknown fields {unknown}; it was "
                              f"written by another version of latentlearn.")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in config.items()}
    return cls(cls.config_class(**values), **modules)
