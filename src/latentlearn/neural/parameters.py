"""The neural estimators' parameters, declared once: name, default, constraint, one-line doc.

Every deep estimator shares some twenty training parameters (epochs, batch size, optimiser,
schedule, early stopping, checkpoints...) and adds a few of its model's own. Instead of
restating them in each constructor, a class lists only what it adds (``_new_parameters``) and
the shared defaults it changes (``_default_overrides``), and, rarely, the shared ones it does
not have (``_removed_parameters``: a GAN has no encoder); :func:`declare` -- called from
``__init_subclass__`` of the estimators' base -- then gives the class

- ``_param_table``: name -> :class:`Param` with this class's default;
- ``_parameter_constraints``: the table :func:`latentlearn.base.check_parameters` reads at fit;
- ``__init__``: a constructor that only stores its arguments, with a real
  :class:`inspect.Signature` (``latent_dim`` first, positional; the rest keyword-only), so
  scikit-learn's ``get_params`` / ``set_params`` / ``clone`` / ``GridSearchCV`` / ``repr`` --
  which all read the ``__init__`` signature -- work as for a hand-written one;
- the numpydoc "Parameters" section of the class docstring.

This is the signature-building route rather than skorch's ``**kwargs`` route: a
``**kwargs`` constructor hides parameters from ``inspect.signature`` (the CLI and scikit-learn
read it) and needs ``get_params`` overridden; a generated signature needs nothing overridden.
A new model family is then a few lines::

    class BetaVAE(VAE):
        _default_overrides = {"beta": 4.0}

    class FactorVAE(VAE):
        _new_parameters = (Param("gamma", 10.0, (Interval(Real, 0, None),), "float",
                                 "Weight of the total-correlation penalty.", to="model",
                                 convert=float),)
"""

from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass, replace
from numbers import Integral, Real
from pathlib import Path
from typing import Any, Callable

from .._optional import require

# A missing torch raises an ImportError naming the extra: pip install 'latentlearn[neural]'.
nn = require("torch.nn", extra="neural", what="the neural models")

from .._threads import N_JOBS_CONSTRAINT
from ..base import Interval, Options

__all__ = ["Param", "TRAINING_PARAMETERS", "declare"]


@dataclass(frozen=True)
class Param:
    """One estimator parameter.

    ``to`` says where fit sends it: ``"model"`` (a field of the model's config dataclass, named
    ``field`` or the parameter's own name), ``"trainer"`` (a :class:`TrainerConfig` field of
    the same name), or ``None`` (the estimator uses it itself). ``convert`` is applied on the way
    (e.g. ``float``).
    """

    name: str
    default: Any
    constraints: tuple
    kind: str        # numpydoc type, e.g. "int" or "tuple of int"; "" derives it from Options
    doc: str         # one line (or a few sentences) of description
    to: str | None = None
    field: str | None = None
    convert: Callable | None = None

    def value(self, value):
        """``value`` as the model config / trainer config takes it."""
        return value if self.convert is None else self.convert(value)

    def numpydoc(self) -> str:
        kind = self.kind
        if not kind:
            options = next(c for c in self.constraints if isinstance(c, Options))
            kind = "{" + ", ".join(repr(v) for v in sorted(options.values, key=str)) + "}"
        body = textwrap.fill(self.doc, width=92, initial_indent="    ",
                             subsequent_indent="    ")
        return f"{self.name} : {kind}, default={self.default!r}\n{body}"


def _ints(values):
    return tuple(int(v) for v in values)


def _schedules(value):
    return None if value is None else dict(value)


def _path_or_none(value):
    return None if value is None else str(value)


_ACTIVATIONS = Options({"relu", "tanh", "elu", "leaky_relu", "gelu", "sigmoid"})

#: The parameters every neural estimator has, in signature order (``latent_dim`` first).
TRAINING_PARAMETERS: tuple[Param, ...] = (
    # ------------------------------------------------------------------ network
    Param("latent_dim", 32, (Interval(Integral, 1, None),), "int",
          "Dimension of the code z.", to="model"),
    Param("hidden_dims", (128,), (tuple, list), "tuple of int",
          "Encoder widths between input and code; the decoder mirrors them.",
          to="model", field="hidden", convert=_ints),
    Param("architecture", "mlp", (Options({"auto", "mlp", "conv", "burgess"}),), "",
          '"mlp": fully connected layers; "conv": a convolutional encoder and decoder (needs '
          'the image shape); "burgess": the 64x64 dSprites network of Higgins et al. 2017 and '
          'Burgess et al. 2018 (four 4x4 stride-2 convolutions, 32-32-64-64 channels, a 256 '
          'dense layer; height and width divisible by 16); "auto": "conv" when the image '
          'shape is known (a Dataset with image_shape, or image_shape=), else an MLP.'),
    Param("image_shape", None, (None, tuple, list), "tuple of int or None",
          "(height, width[, channels]) of each row when X is an array; taken from a Dataset "
          "otherwise."),
    Param("conv_channels", (32, 64), (tuple, list), "tuple of int",
          'Channels of the convolutional encoder\'s layers (architecture="conv").',
          to="model", convert=_ints),
    Param("activation", "relu", (_ACTIVATIONS,), "", "Nonlinearity of the hidden layers.",
          to="model"),
    Param("encoder", None, (None, str, nn.Module), "nn.Module, str or None",
          "The encoder network instead of the one architecture builds: an nn.Module mapping "
          "(batch, n_features) to (batch, 2 * latent_dim) for the VAE family (means, then "
          "log-variances) or (batch, latent_dim) for the autoencoders, or the name of a "
          "builder registered with latentlearn.neural.networks.register_network ('mlp', "
          "'conv', 'burgess'). fit trains a copy; a saved model keeps its weights but not its "
          "code, so latentlearn.load(folder, encoder=...) needs the module again."),
    Param("decoder", None, (None, str, nn.Module), "nn.Module, str or None",
          "The decoder network: an nn.Module mapping (batch, latent_dim) to (batch, "
          "n_features) logits (Bernoulli, BCE) or means, or a registered builder name; as "
          "for encoder."),
    # ------------------------------------------------------------------ optimisation
    Param("epochs", 20, (Interval(Integral, 1, None),), "int",
          "Passes over the training data, counting those of a resumed run.", to="trainer"),
    Param("batch_size", 128, (Interval(Integral, 1, None),), "int",
          "Inputs per optimiser step.", to="trainer"),
    Param("learning_rate", 1e-3, (Interval(Real, 0, None, closed="neither"),), "float",
          "Initial step size of the optimiser.", to="trainer", convert=float),
    Param("optimizer", "adam", (Options({"adam", "adamw", "sgd", "rmsprop"}),), "",
          "Adam (Kingma & Ba 2015), AdamW (Loshchilov & Hutter 2019), SGD or RMSprop.",
          to="trainer"),
    Param("lr_schedule", "constant", (Options({"constant", "step", "exponential", "cosine"}),),
          "", 'Learning-rate schedule, stepped once per epoch; "cosine" anneals to 0 over '
          '`epochs` (Loshchilov & Hutter 2017, SGDR).', to="trainer"),
    Param("weight_decay", 0.0, (Interval(Real, 0, None),), "float",
          'L2 penalty on the weights (decoupled from the gradient with "adamw").',
          to="trainer", convert=float),
    Param("weight_schedules", None, (None, dict), "dict or None",
          'Schedules of the loss weights, name -> spec (latentlearn.neural.schedules), e.g. '
          '{"beta": "warmup"} (Bowman et al. 2016), {"beta": {"kind": "cyclical", "n_cycles": 4, '
          '"ratio": 0.5}} (Fu et al. 2019) or {"beta": {"kind": "anneal", "high": 10}} (from a '
          'high value down to 1); the weight in force is logged per epoch as weight.<name>. '
          'None keeps each weight at its parameter.', to="trainer", convert=_schedules),
    # ------------------------------------------------------------------ validation
    Param("validation_fraction", 0.0, (Interval(Real, 0, 1, closed="left"),), "float",
          "Share of array input held out (drawn from random_state) for the val_* history "
          "entries and early stopping.", to="trainer", convert=float),
    Param("early_stopping_patience", None, (None, Interval(Integral, 1, None)), "int or None",
          "Stop after this many epochs without a lower validation loss, and restore the best "
          "weights; needs validation_fraction > 0.", to="trainer"),
    # ------------------------------------------------------------------ checkpoints
    Param("checkpoint_dir", None, (None, str, Path), "str, Path or None",
          "Folder of the resumable checkpoint (config.json + weights.safetensors, see "
          "latentlearn.neural.checkpoint); None writes none.", to="trainer",
          convert=_path_or_none),
    Param("checkpoint_every", 1, (Interval(Integral, 1, None),), "int",
          "Epochs between checkpoints; one is always written at the end.", to="trainer"),
    Param("resume", False, ("boolean",), "bool",
          "Continue from the checkpoint in checkpoint_dir; the run ends with the weights of an "
          "uninterrupted one."),
    # ------------------------------------------------------------------ run
    Param("device", "auto", (str,), "str",
          '"auto" (CUDA when present, else CPU), "cpu", "cuda" or "cuda:N".', to="trainer"),
    Param("precision", "32", (Options({"32", "bf16", "16-mixed"}),), "",
          '"32" (float32); "bf16": autocast to bfloat16 (CUDA, or CPU); "16-mixed": float16 '
          'autocast with a gradient scaler, CUDA only (Micikevicius et al. 2018).', to="trainer"),
    Param("num_workers", 0, (Interval(Integral, 0, None),), "int",
          "DataLoader worker processes reading batches of a memory-mapped array ahead of the "
          "training step; 0 reads in the training process.", to="trainer"),
    Param("pin_memory", None, (None, "boolean"), "bool or None",
          "Page-locked batches of a memory-mapped array, for faster copies to CUDA; None: when "
          "training on CUDA.", to="trainer"),
    Param("n_jobs", None, tuple(N_JOBS_CONSTRAINT), "int or None",
          "CPU threads of fit and transform: torch's intra-op threads and the BLAS pools, "
          "restored afterwards (scikit-learn's meaning: None leaves the defaults, 1 is one "
          "thread, -1 all cores). torch's count is per process: it is not for fits in "
          "parallel threads."),
    Param("random_state", None, ("random_state",), "int, RandomState or None",
          "Seeds the initial weights, the validation split and the batch order: the same "
          "value gives the same weights, bit for bit on CPU."),
    Param("callback", None, (None, "callable"), "callable or None",
          'callback(event, logs), event "step" or "epoch"; returning True stops training '
          "cleanly."),
)


def _signature(params) -> inspect.Signature:
    first, *rest = params
    return inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
         inspect.Parameter(first.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                           default=first.default)]
        + [inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=p.default)
           for p in rest])


def _make_init(cls, signature: inspect.Signature):
    names = list(signature.parameters)[1:]

    def __init__(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        for name in names:   # store only, as scikit-learn's contract asks
            setattr(self, name, bound.arguments[name])

    __init__.__signature__ = signature
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__module__ = cls.__module__
    __init__.__doc__ = f"Store the parameters (see :class:`{cls.__name__}`)."
    return __init__


def _with_parameters_section(doc: str | None, params) -> str:
    """The class docstring with a numpydoc Parameters section before its Attributes section."""
    doc = inspect.cleandoc(doc or "")
    section = "Parameters\n----------\n" + "\n".join(p.numpydoc() for p in params)
    marker = "\nAttributes\n----------"
    if marker in doc:
        head, tail = doc.split(marker, 1)
        return f"{head.rstrip()}\n\n{section}\n{marker}{tail}"
    return f"{doc.rstrip()}\n\n{section}\n"


def declare(cls) -> None:
    """Build ``cls``'s parameter table, constraints, ``__init__`` and Parameters docs.

    Reads ``cls._new_parameters`` (Params this class adds; they follow ``latent_dim`` in the
    signature, after those its parents added), ``cls._default_overrides`` (name -> default) and
    ``cls._removed_parameters`` (names of inherited parameters the class does not have, e.g. a
    GAN's ``encoder``; a removed one may be declared again in ``_new_parameters``) from the
    class body itself, and the parent's ``_param_table``.
    """
    inherited = dict(getattr(cls, "_param_table", None) or
                     {p.name: p for p in TRAINING_PARAMETERS})
    removed = cls.__dict__.get("_removed_parameters", ())
    unknown = sorted(set(removed) - set(inherited) - {TRAINING_PARAMETERS[0].name})
    if unknown or TRAINING_PARAMETERS[0].name in removed:
        raise TypeError(f"{cls.__name__}._removed_parameters names {sorted(removed)}; only "
                        f"inherited parameters other than {TRAINING_PARAMETERS[0].name!r} can "
                        f"be removed.")
    for name in removed:
        del inherited[name]
    own = cls.__dict__.get("_new_parameters", ())
    clash = [p.name for p in own if p.name in inherited]
    if clash:
        raise TypeError(f"{cls.__name__} redeclares {clash}; change a default with "
                        f"_default_overrides instead.")
    shared = {p.name for p in TRAINING_PARAMETERS}
    first = inherited.pop(TRAINING_PARAMETERS[0].name)
    added = [p for p in inherited.values() if p.name not in shared]
    rest = [p for p in inherited.values() if p.name in shared]
    params = [first, *added, *own, *rest]
    overrides = cls.__dict__.get("_default_overrides", {})
    unknown = set(overrides) - {p.name for p in params}
    if unknown:
        raise TypeError(f"{cls.__name__}._default_overrides names unknown parameters "
                        f"{sorted(unknown)}.")
    params = [replace(p, default=overrides[p.name]) if p.name in overrides else p
              for p in params]
    cls._param_table = {p.name: p for p in params}
    cls._parameter_constraints = {p.name: list(p.constraints) for p in params}
    cls.__init__ = _make_init(cls, _signature(params))
    cls.__doc__ = _with_parameters_section(cls.__doc__, params)
