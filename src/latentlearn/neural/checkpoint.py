"""Saved models and training checkpoints: folders of JSON and safetensors, never pickle.

A saved model is the one saved-model format of :mod:`latentlearn.persistence` (DESIGN.md, after
pythae); this module adds what a torch module needs::

    model/
      config.json            {"format": "latentlearn.model", "format_version": 2,
                              "model": "vae", "model_config": {...},
                              "files": {"weights.safetensors": "<sha256>"}, ...extra}
      weights.safetensors    the module's state_dict

An estimator's folder also holds its registry name, parameters and attributes (``extra``, see
``latentlearn.neural.estimators``), so ``latentlearn.load`` rebuilds it. A training checkpoint is
the same folder plus ``training_state.safetensors`` (optimiser moments, random-number-generator
states, the best weights kept for early stopping) and a ``"training"`` record in config.json
(epoch, step, optimiser hyper-parameters, learning-rate schedule state).

Why not ``torch.save``: it pickles, and unpickling a file someone hands you can run their code;
``torch.load(weights_only=True)`` narrows that but still parses pickle. Here every tensor lives in
safetensors (a JSON header plus raw bytes) and everything else in JSON, so loading runs no code.
config.json records the SHA-256 of each tensor file: a file that was truncated, altered or
swapped is refused with :class:`~latentlearn.exceptions.CheckpointError`, as is a folder that is
not ours (a pickle, a foreign config). Folders of the earlier ``latentlearn.neural`` v1 format
(same layout, same checksums) still read.

Writes are atomic for the folder as a whole (:func:`latentlearn.persistence.write_folder`): it
is assembled in a hidden sibling and renamed into place, so a run killed while checkpointing
leaves the previous checkpoint intact.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from .._optional import require

# A missing torch raises an ImportError naming the extra: pip install 'latentlearn[neural]'.
torch = require("torch", extra="neural", what="the neural models")

from .. import persistence
from ..exceptions import CheckpointError
from .models import build_model, model_name

__all__ = ["FORMAT", "Checkpoint", "save_model", "load_model", "save_checkpoint",
           "read_checkpoint", "optimizer_state_to_tensors", "optimizer_state_from_tensors"]

FORMAT = persistence.FORMAT
FORMAT_VERSION = persistence.FORMAT_VERSION
WEIGHTS = persistence.WEIGHTS
TRAINING = "training_state.safetensors"


@dataclass
class Checkpoint:
    """A checkpoint read back: the config record and the tensors of each file."""

    config: dict
    weights: dict
    training: dict  # empty for a saved model without training state

    @property
    def model_name(self) -> str:
        return self.config["model"]

    def build_model(self, device="cpu", **modules):
        """The model rebuilt from the registry, with the saved weights loaded.

        ``modules``: user ``encoder=`` / ``decoder=`` networks, which a folder cannot hold.
        """
        model = build_model(self.config["model"], self.config["model_config"], **modules)
        try:
            model.load_state_dict(self.weights)
        except RuntimeError as exc:
            raise CheckpointError(f"the weights do not fit model {self.model_name!r} as its "
                                  f"config describes it ({exc}).") from None
        return model.to(device)


# --------------------------------------------------------------------------- optimiser state
def optimizer_state_to_tensors(state_dict: dict, prefix: str = "optimizer.") -> tuple[dict, dict]:
    """Split ``optimizer.state_dict()`` into safetensors-ready tensors and a JSON record."""
    tensors, scalars = {}, {}
    for pid, entry in state_dict["state"].items():
        for key, value in entry.items():
            if torch.is_tensor(value):
                tensors[f"{prefix}{pid}.{key}"] = value.detach().cpu().contiguous()
            else:
                scalars[f"{pid}.{key}"] = value
    record = {"param_groups": state_dict["param_groups"], "scalars": scalars}
    _check_json(record, "the optimiser's state")
    return tensors, record


def optimizer_state_from_tensors(tensors: dict, record: dict, prefix: str = "optimizer.") -> dict:
    """Inverse of :func:`optimizer_state_to_tensors`: a dict for ``optimizer.load_state_dict``."""
    state: dict = {}
    for name, value in tensors.items():
        if name.startswith(prefix):
            pid, key = name[len(prefix):].split(".", 1)
            state.setdefault(int(pid), {})[key] = value
    for name, value in record.get("scalars", {}).items():
        pid, key = name.split(".", 1)
        state.setdefault(int(pid), {})[key] = value
    # JSON turned tuples (Adam's betas, RMSprop's...) into lists; give them back as torch made them.
    groups = [{k: tuple(v) if isinstance(v, list) and k != "params" else v
               for k, v in group.items()} for group in record["param_groups"]]
    return {"state": state, "param_groups": groups}


def _check_json(obj, what: str) -> None:
    try:
        json.dumps(obj)
    except TypeError as exc:
        raise CheckpointError(f"{what} cannot be stored as JSON ({exc}); only built-in "
                              f"optimisers and schedules can be checkpointed.") from None


# --------------------------------------------------------------------------- writing
def _tensor_bytes(tensors: dict) -> bytes:
    from safetensors.torch import save

    return save({k: v.detach().cpu().contiguous() for k, v in tensors.items()})


def _write_folder(folder: Path, config: dict, files: dict[str, bytes]) -> Path:
    return persistence.write_folder(folder, config, files)


def _model_record(model, extra: dict | None) -> dict:
    record = {"format": FORMAT, "format_version": FORMAT_VERSION, "model": model_name(model),
              "model_config": asdict(model.config)}
    if extra:
        record.update(extra)
    _check_json(record, "the model's config")
    return record


def save_model(folder, model, *, extra: dict | None = None) -> Path:
    """Save ``model`` as ``folder/config.json`` + ``folder/weights.safetensors``, atomically.

    ``extra`` adds JSON-able entries to config.json (the estimator wrapper stores its parameters
    there).
    """
    return _write_folder(Path(folder), _model_record(model, extra),
                         {WEIGHTS: _tensor_bytes(model.state_dict())})


def save_checkpoint(folder, model, *, training: dict, training_tensors: dict,
                    extra: dict | None = None, weights: dict | None = None) -> Path:
    """Save a resumable checkpoint: the model folder plus training state (see module docs).

    ``weights`` replaces ``model.state_dict()`` (a copy taken earlier, when the folder is
    written while training goes on).
    """
    record = _model_record(model, extra)
    record["training"] = training
    _check_json(record, "the training state")
    weights = model.state_dict() if weights is None else weights
    return _write_folder(Path(folder), record, {WEIGHTS: _tensor_bytes(weights),
                                                TRAINING: _tensor_bytes(training_tensors)})


# --------------------------------------------------------------------------- reading
def read_checkpoint(folder) -> Checkpoint:
    """Read a folder written by :func:`save_model` or :func:`save_checkpoint`; never unpickles.

    Raises
    ------
    CheckpointError
        The folder is missing, is a file (a pickle or ``.pt`` file is refused, not opened), has a
        config that is not ours, or has tensor files that are truncated or altered.
    """
    folder = Path(folder)
    config = persistence.read_config(folder, what="neural model")
    if "model" not in config or "model_config" not in config:
        raise CheckpointError(f"{folder / 'config.json'} describes no neural model (no "
                              f"\"model\" and \"model_config\" entries); load a classical "
                              f"estimator with latentlearn.load.")
    hashes = config["files"]
    weights = persistence.read_tensors(folder, WEIGHTS, config, framework="torch")
    training = (persistence.read_tensors(folder, TRAINING, config, framework="torch")
                if TRAINING in hashes else {})
    return Checkpoint(config=config, weights=weights, training=training)


def load_model(folder, device="cpu"):
    """Rebuild the model saved in ``folder``; returns ``(model, config_record)``."""
    ckpt = read_checkpoint(folder)
    return ckpt.build_model(device), ckpt.config
