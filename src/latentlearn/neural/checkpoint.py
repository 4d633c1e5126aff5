"""Saved models and training checkpoints: folders of JSON and safetensors, never pickle.

A saved model (DESIGN.md, after pythae)::

    model/
      config.json            {"format": "latentlearn.neural", "format_version": 1,
                              "model": "vae", "model_config": {...},
                              "files": {"weights.safetensors": "<sha256>"}, ...extra}
      weights.safetensors    the module's state_dict

A training checkpoint is the same folder plus ``training_state.safetensors`` (optimiser moments,
random-number-generator states, the best weights kept for early stopping) and a ``"training"``
record in config.json (epoch, step, optimiser hyper-parameters, learning-rate schedule state).

Why not ``torch.save``: it pickles, and unpickling a file someone hands you can run their code;
``torch.load(weights_only=True)`` narrows that but still parses pickle. Here every tensor lives in
safetensors (a JSON header plus raw bytes) and everything else in JSON, so loading runs no code.
config.json records the SHA-256 of each tensor file: a file that was truncated, altered or
swapped is refused with :class:`~latentlearn.exceptions.CheckpointError`, as is a folder that is
not ours (a pickle, a foreign config).

Writes are atomic for the folder as a whole: it is assembled in a hidden sibling and renamed
into place, so a run killed while checkpointing leaves the previous checkpoint intact.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from .. import fileio
from ..exceptions import CheckpointError
from .models import build_model, model_name

__all__ = ["FORMAT", "Checkpoint", "save_model", "load_model", "save_checkpoint",
           "read_checkpoint", "optimizer_state_to_tensors", "optimizer_state_from_tensors"]

FORMAT = "latentlearn.neural"
FORMAT_VERSION = 1
WEIGHTS = "weights.safetensors"
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

    def build_model(self, device="cpu"):
        """The model rebuilt from the registry, with the saved weights loaded."""
        model = build_model(self.config["model"], self.config["model_config"])
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
    return {"state": state, "param_groups": record["param_groups"]}


def _check_json(obj, what: str) -> None:
    try:
        json.dumps(obj)
    except TypeError as exc:
        raise CheckpointError(f"{what} cannot be stored as JSON ({exc}); only built-in "
                              f"optimisers and schedules can be checkpointed.") from None


# --------------------------------------------------------------------------- writing
def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tensor_bytes(tensors: dict) -> bytes:
    from safetensors.torch import save

    return save({k: v.detach().cpu().contiguous() for k, v in tensors.items()})


def _write_folder(folder: Path, config: dict, files: dict[str, bytes]) -> Path:
    """Write ``files`` and config.json (with their hashes) into ``folder``, atomically."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    config = dict(config, files={name: _sha256(data) for name, data in files.items()})
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
    try:
        for name, data in files.items():
            fileio.write_bytes(tmp / name, data)
        fileio.write_json(tmp / "config.json", config)
        if folder.exists():
            trash = folder.with_name(f".{folder.name}.old-{os.getpid()}")
            shutil.rmtree(trash, ignore_errors=True)
            os.replace(folder, trash)
            os.replace(tmp, folder)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


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
                    extra: dict | None = None) -> Path:
    """Save a resumable checkpoint: the model folder plus training state (see module docs)."""
    record = _model_record(model, extra)
    record["training"] = training
    _check_json(record, "the training state")
    return _write_folder(Path(folder), record, {WEIGHTS: _tensor_bytes(model.state_dict()),
                                                TRAINING: _tensor_bytes(training_tensors)})


# --------------------------------------------------------------------------- reading
def _load_tensors(path: Path, expected_hash: str | None) -> dict:
    from safetensors.torch import load

    if not path.is_file():
        raise CheckpointError(f"{path} is missing; the checkpoint folder is incomplete.")
    data = path.read_bytes()
    if expected_hash is not None and _sha256(data) != expected_hash:
        raise CheckpointError(f"{path} does not match the checksum in config.json: it was "
                              f"truncated or altered after it was written. Use another "
                              f"checkpoint or train again.")
    try:
        return load(data)
    except Exception as exc:  # safetensors raises its own error types for corrupt data
        raise CheckpointError(f"{path} is not a valid safetensors file ({exc}); it is truncated "
                              f"or altered (latentlearn never unpickles).") from None


def read_checkpoint(folder) -> Checkpoint:
    """Read a folder written by :func:`save_model` or :func:`save_checkpoint`; never unpickles.

    Raises
    ------
    CheckpointError
        The folder is missing, is a file (a pickle or ``.pt`` file is refused, not opened), has a
        config that is not ours, or has tensor files that are truncated or altered.
    """
    folder = Path(folder)
    if folder.is_file():
        raise CheckpointError(f"{folder} is a file; a latentlearn model is a folder with "
                              f"config.json and {WEIGHTS}. Pickled files (.pt, .pkl) are never "
                              f"loaded, because unpickling can run arbitrary code.")
    config_path = folder / "config.json"
    if not config_path.is_file():
        raise CheckpointError(f"{config_path} does not exist; a latentlearn model folder holds "
                              f"config.json and {WEIGHTS}.")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{config_path} is not valid JSON ({exc}); the folder is "
                              f"corrupt.") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise CheckpointError(f"{config_path} is not a latentlearn neural model config "
                              f"(format should be {FORMAT!r}).")
    if config.get("format_version", 0) > FORMAT_VERSION:
        raise CheckpointError(f"{config_path} was written by a newer latentlearn "
                              f"(format_version {config['format_version']}); upgrade latentlearn.")
    hashes = config.get("files")
    if not isinstance(hashes, dict) or WEIGHTS not in hashes:
        raise CheckpointError(f"{config_path} lists no checksums for its files; it was not "
                              f"written by latentlearn.")
    weights = _load_tensors(folder / WEIGHTS, hashes[WEIGHTS])
    training = _load_tensors(folder / TRAINING, hashes[TRAINING]) if TRAINING in hashes else {}
    return Checkpoint(config=config, weights=weights, training=training)


def load_model(folder, device="cpu"):
    """Rebuild the model saved in ``folder``; returns ``(model, config_record)``."""
    ckpt = read_checkpoint(folder)
    return ckpt.build_model(device), ckpt.config
