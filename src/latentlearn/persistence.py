"""Saving and loading fitted classical estimators without pickle.

A saved estimator is a folder::

    model/
      config.json           {"format": "latentlearn.estimator", "format_version": 1,
                             "method": "pca", "params": {...}, "attributes": {...}}
      weights.safetensors   every fitted array attribute (components_, mean_, ...)

Loading reads JSON and safetensors only, so a file handed to us can never run code (pickle
can). The class is found in :mod:`latentlearn.registry` by the method name in the config. A
folder that is not in this format, or whose files are truncated or altered so that they no
longer parse, is refused with :class:`~latentlearn.exceptions.CheckpointError`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from . import fileio
from .exceptions import CheckpointError
from .registry import get_method, list_methods

__all__ = ["save_estimator", "load_estimator"]

FORMAT = "latentlearn.estimator"
FORMAT_VERSION = 1
_ARRAY_PARAM_PREFIX = "__param__."


def _method_name(estimator) -> str:
    for info in list_methods():
        if info.cls is type(estimator):
            return info.name
    raise ValueError(f"{type(estimator).__name__} is not a registered latentlearn method")


def _is_json_scalar(value) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def save_estimator(estimator, folder) -> Path:
    """Save a fitted estimator to ``folder`` (config.json + weights.safetensors), atomically.

    Fitted attributes (names ending in ``_``, and private arrays kept after fit) that are numeric
    arrays go to safetensors; scalars,
    strings and lists of them go to the JSON config. Other attributes (objects) are not saved
    and are listed in the config under ``"skipped"``.
    """
    from safetensors.numpy import save as st_save

    folder = Path(folder)
    tensors: dict[str, np.ndarray] = {}
    params = {}
    for name, value in estimator.get_params(deep=False).items():
        if isinstance(value, np.ndarray):
            tensors[_ARRAY_PARAM_PREFIX + name] = np.ascontiguousarray(value)
        elif _is_json_scalar(value) or (isinstance(value, (list, tuple))
                                        and all(_is_json_scalar(v) for v in value)):
            params[name] = list(value) if isinstance(value, tuple) else value
        elif isinstance(value, np.generic):
            params[name] = value.item()
        else:
            # e.g. a RandomState or a callable: not reproducible from JSON; store None.
            params[name] = None
    attributes, skipped = {}, []
    for name, value in vars(estimator).items():
        # Fitted state: public attributes ending in "_", and private arrays an estimator keeps
        # for its own use after fit (e.g. KMeans's centred centres).
        private_array = (name.startswith("_") and not name.startswith("__")
                         and isinstance(value, np.ndarray))
        if not private_array and (not name.endswith("_") or name.startswith("_")):
            continue
        if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
            tensors[name] = np.ascontiguousarray(value)
        elif isinstance(value, np.generic):
            attributes[name] = value.item()
        elif _is_json_scalar(value):
            attributes[name] = value
        else:
            skipped.append(name)
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "method": _method_name(estimator),
        "class": type(estimator).__name__,
        "params": params,
        "attributes": attributes,
        "skipped": skipped,
    }
    fileio.write_bytes(folder / "weights.safetensors", st_save(tensors) if tensors else st_save({}))
    fileio.write_json(folder / "config.json", config)
    return folder


def load_estimator(folder):
    """Load an estimator saved by :func:`save_estimator`; never unpickles.

    Raises
    ------
    CheckpointError
        If the folder or its files are missing, not in latentlearn's format, or corrupt.
    """
    from safetensors.numpy import load as st_load

    folder = Path(folder)
    config_path, weights_path = folder / "config.json", folder / "weights.safetensors"
    for path in (config_path, weights_path):
        if not path.is_file():
            raise CheckpointError(
                f"{path} does not exist; a saved model folder holds config.json and "
                f"weights.safetensors (written by `latentlearn fit ... --out DIR` in DIR/model)."
            )
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{config_path} is not valid JSON ({exc}); the model folder is "
                              f"corrupt: fit the model again.") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise CheckpointError(f"{config_path} is not a latentlearn estimator config "
                              f"(format should be {FORMAT!r}).")
    if config.get("format_version", 0) > FORMAT_VERSION:
        raise CheckpointError(f"{config_path} was written by a newer latentlearn "
                              f"(format_version {config['format_version']}); upgrade latentlearn.")
    try:
        tensors = st_load(weights_path.read_bytes())
    except Exception as exc:  # safetensors raises its own error types for corrupt data
        raise CheckpointError(f"{weights_path} is not a valid safetensors file ({exc}); it is "
                              f"truncated or altered: fit the model again.") from None
    info = get_method(config["method"])
    params = dict(config.get("params", {}))
    for key, value in tensors.items():
        if key.startswith(_ARRAY_PARAM_PREFIX):
            params[key[len(_ARRAY_PARAM_PREFIX):]] = value
    try:
        estimator = info.cls(**params)
    except TypeError as exc:
        raise CheckpointError(f"{config_path}: parameters do not match {info.cls.__name__} "
                              f"({exc}).") from None
    for key, value in config.get("attributes", {}).items():
        setattr(estimator, key, value)
    for key, value in tensors.items():
        if not key.startswith(_ARRAY_PARAM_PREFIX):
            setattr(estimator, key, value)
    return estimator
