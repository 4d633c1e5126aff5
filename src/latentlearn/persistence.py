"""One saved-model format for every registered estimator, classical and neural; never pickle.

A saved estimator is a folder (DESIGN.md, after pythae)::

    model/
      config.json           {"format": "latentlearn.model", "format_version": 2,
                             "method": "pca", "class": "PCA",
                             "params":     {"n_components": {"kind": "int", "value": 5}, ...},
                             "attributes": {"n_components_": {"kind": "int", "value": 5},
                                            "components_": {"kind": "array", "dtype": "float64",
                                                            "shape": [5, 64]}, ...},
                             "files": {"weights.safetensors": "<sha256>"}}
      weights.safetensors   every array (fitted attributes; for a neural estimator the
                            module's state_dict); more tensor files for training checkpoints

``est.save(folder)`` writes it; :func:`load` (``latentlearn.load``) rebuilds any saved estimator:
the class comes from :mod:`latentlearn.registry` by the ``method`` name, so there is one registry
and one loader for classical and neural estimators alike.

Why this way:

- Loading reads JSON and safetensors (a JSON header plus raw bytes) only, so a folder handed to
  us can never run code; a pickle (``.pkl``, ``.pt``) is refused and never opened.
- config.json records the SHA-256 of every other file and loading verifies it, so one flipped
  byte, a truncated file or a swapped file is refused instead of silently giving garbage.
- Every parameter and attribute is stored with its kind (``int``, ``float``, ``str``, ``bool``,
  ``none``, ``list``, ``tuple``, ``dict``, ``array`` with dtype, shape and memory order,
  ``sparse`` (CSR arrays), ``nearest_neighbors`` (a fitted scikit-learn ``NearestNeighbors``,
  stored as its parameters and training rows and rebuilt, exactly, on load)) and checked on load
  against the kind recorded, the kinds the class declares (``_fitted_attribute_kinds``) and
  the class's parameter table (``_parameter_constraints``), so an edited config.json gives a
  :class:`~latentlearn.exceptions.CheckpointError` naming the entry, not a ``TypeError`` later.
- The folder is assembled in a hidden sibling and renamed into place (:func:`write_folder`), so
  a crash while saving leaves the previous folder intact.

Folders of the two earlier formats load: ``latentlearn.neural`` v1 (it already had checksums,
so it is verified as usual) and ``latentlearn.estimator`` v1 (no checksums: loaded with a
:class:`~latentlearn.exceptions.LegacyFormatWarning`, because it cannot be verified; saving it
again adds them).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

from . import fileio
from .exceptions import CheckpointError, LegacyFormatWarning

__all__ = ["FORMAT", "FORMAT_VERSION", "CONFIG", "WEIGHTS", "load", "save_estimator",
           "load_estimator", "write_folder", "read_config", "read_file", "read_tensors",
           "sha256", "estimator_record", "encode_value", "decode_entries"]

FORMAT = "latentlearn.model"
FORMAT_VERSION = 2
CONFIG = "config.json"
WEIGHTS = "weights.safetensors"
#: Earlier formats and the last version of each that this release reads.
LEGACY_FORMATS = {"latentlearn.estimator": 1, "latentlearn.neural": 1}
_ARRAY_PARAM_PREFIX = "__param__."
_PICKLE_SUFFIXES = (".pkl", ".pickle", ".pt", ".pth", ".joblib", ".bin", ".ckpt")
_REFIT = ("fit the model again (`latentlearn fit METHOD ... --out RUN --overwrite`, or "
          "`est.fit(X).save(folder)`)")

_ATTRIBUTE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: Counts: scikit-learn's convention (``n_features_in_``, ``n_iter_``, ``n_components_``...)
#: declares a public fitted ``n_..._`` an int, for every class.
_COUNT_NAME = re.compile(r"n_[a-z0-9_]+_")


# --------------------------------------------------------------------------- files
def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def write_folder(folder, config: dict, files: dict[str, bytes]) -> Path:
    """Write ``files`` and ``config.json`` (recording each file's SHA-256) atomically.

    The folder is assembled in a hidden sibling and renamed into place; an existing ``folder``
    is replaced only once the new one is complete.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    config = dict(config, files={name: sha256(data) for name, data in files.items()})
    try:
        json.dumps(config, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"the config of {folder} cannot be stored as JSON ({exc}).") \
            from None
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
    try:
        for name, data in files.items():
            fileio.write_bytes(tmp / name, data)
        fileio.write_json(tmp / CONFIG, config)
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


def read_config(folder, *, what: str = "estimator") -> dict:
    """``folder/config.json`` checked to be ours and not newer than this release.

    ``what`` names the thing in messages ("estimator", "neural model"). Legacy formats are
    accepted (see the module docs); the caller decides what to do with them.

    Raises
    ------
    CheckpointError
        ``folder`` is a file (a pickle is never opened), has no config.json, or a config that is
        not valid JSON, not ours, or of a newer format version.
    """
    folder = Path(folder)
    if folder.is_file():
        raise CheckpointError(f"{folder} is a file; a latentlearn model is a folder with "
                              f"{CONFIG} and {WEIGHTS}. Pickled files (.pt, .pkl) are never "
                              f"loaded, because unpickling can run arbitrary code.")
    config_path = folder / CONFIG
    if not config_path.is_file():
        hint = ""
        if folder.is_dir():
            pickles = sorted(p.name for p in folder.iterdir()
                             if p.suffix.lower() in _PICKLE_SUFFIXES)
            if pickles:
                hint = (f" It holds {', '.join(pickles)}: pickled files are never loaded, "
                        f"because unpickling can run arbitrary code.")
        raise CheckpointError(f"{config_path} does not exist; a latentlearn model folder holds "
                              f"{CONFIG} and {WEIGHTS} (written by `est.save(folder)` or by "
                              f"`latentlearn fit ... --out RUN` in RUN/model).{hint}")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{config_path} is not valid JSON ({exc}); the folder is "
                              f"corrupt: {_REFIT}.") from None
    fmt = config.get("format") if isinstance(config, dict) else None
    if fmt != FORMAT and fmt not in LEGACY_FORMATS:
        raise CheckpointError(f"{config_path} is not a latentlearn {what} config (its "
                              f"\"format\" should be {FORMAT!r}); it was written by another "
                              f"program.")
    version = config.get("format_version", 0)
    newest = FORMAT_VERSION if fmt == FORMAT else LEGACY_FORMATS[fmt]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise CheckpointError(f"{config_path}: format_version {version!r} is not a positive "
                              f"integer; the config was edited or not written by latentlearn.")
    if version > newest:
        raise CheckpointError(f"{config_path} was written by a newer latentlearn "
                              f"(format {fmt!r} version {version}; this release reads up to "
                              f"{newest}); upgrade latentlearn.")
    if fmt != "latentlearn.estimator":  # every other format records checksums
        files = config.get("files")
        if not isinstance(files, dict) or not files or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
            raise CheckpointError(f"{config_path} lists no checksums for its files (\"files\": "
                                  f"{{name: sha256}}); it was not written by latentlearn or "
                                  f"was edited.")
    return config


def read_file(folder, name: str, config: dict) -> bytes:
    """The bytes of ``folder/name``, verified against the SHA-256 recorded in ``config``.

    A legacy folder without checksums (``latentlearn.estimator`` v1) is read unverified.
    """
    path = Path(folder) / name
    hashes = config.get("files")
    if hashes is not None and name not in hashes:
        raise CheckpointError(f"{Path(folder) / CONFIG} lists no checksum for {name}; the "
                              f"config was edited or the folder was not written by latentlearn.")
    if not path.is_file():
        raise CheckpointError(f"{path} is missing; the model folder is incomplete: {_REFIT}.")
    data = path.read_bytes()
    if hashes is not None and sha256(data) != hashes[name]:
        raise CheckpointError(f"{path} {_diagnose(data)} and does not match the checksum in "
                              f"{CONFIG}: it was truncated or altered after it was written. "
                              f"Use another copy of the folder or {_REFIT}.")
    return data


def _diagnose(data: bytes) -> str:
    """What a tensor file that fails its checksum looks like (parsing runs no code)."""
    if data[:1] == b"\x80" or data[:2] == b"PK":
        return ("looks like a pickle or a torch .pt archive (never unpickled), is not a valid "
                "safetensors file")
    try:
        from safetensors.numpy import load as st_load

        st_load(data)
    except Exception:  # noqa: BLE001 - safetensors raises its own error types
        return "is not a valid safetensors file"
    return "has bytes that differ from the ones saved"


def read_tensors(folder, name: str, config: dict, *, framework: str = "numpy") -> dict:
    """Tensors of the safetensors file ``folder/name`` (checksum verified): name -> array."""
    data = read_file(folder, name, config)
    if framework == "torch":
        from safetensors.torch import load as st_load
    else:
        from safetensors.numpy import load as st_load
    try:
        return st_load(data)
    except Exception as exc:  # noqa: BLE001 - safetensors raises its own error types
        raise CheckpointError(f"{Path(folder) / name} is not a valid safetensors file ({exc}); "
                              f"it is truncated or altered (latentlearn never unpickles): "
                              f"{_REFIT}.") from None


# --------------------------------------------------------------------------- typed values
def _is_json(value) -> bool:
    if value is None or isinstance(value, (bool, int, str)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return all(_is_json(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    return False


def _float_out(value: float):
    return value if math.isfinite(value) else repr(value)  # "nan", "inf", "-inf"


def encode_value(value):
    """``value`` as a typed JSON entry ``{"kind", "value"}``; ``None`` if it cannot be stored.

    Arrays are not handled here (they go to a tensor file, see :func:`estimator_record`).
    """
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return {"kind": "none", "value": None}
    if isinstance(value, bool):
        return {"kind": "bool", "value": value}
    if isinstance(value, int):
        return {"kind": "int", "value": value}
    if isinstance(value, float):
        return {"kind": "float", "value": _float_out(value)}
    if isinstance(value, str):
        return {"kind": "str", "value": value}
    if isinstance(value, Path):
        return {"kind": "str", "value": str(value)}
    if isinstance(value, (list, tuple, dict)):
        plain = fileio.to_jsonable(value)
        if _is_json(plain):
            kind = {list: "list", tuple: "tuple", dict: "dict"}[
                next(t for t in (list, tuple, dict) if isinstance(value, t))]
            return {"kind": kind, "value": plain}
    return None


_KIND_CHECKS = {
    "none": lambda v: v is None,
    "bool": lambda v: isinstance(v, bool),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: (isinstance(v, (int, float)) and not isinstance(v, bool))
    or v in ("nan", "inf", "-inf"),
    "str": lambda v: isinstance(v, str),
    "list": lambda v: isinstance(v, list),
    "tuple": lambda v: isinstance(v, list),
    "dict": lambda v: isinstance(v, dict),
}


def _json_kind(value) -> str:
    """The kind a bare JSON value has (for legacy configs, which stored values untyped)."""
    for kind in ("none", "bool", "int", "float", "str", "list", "dict"):
        if _KIND_CHECKS[kind](value):
            return kind
    return type(value).__name__


def _decode(kind: str, value):
    if kind == "float":
        return float(value)
    if kind == "tuple":
        return tuple(value)
    return value


def _array_entry(name, value, tensors) -> dict:
    # Keep Fortran order: BLAS on an F- or C-ordered copy rounds differently, and a loaded
    # estimator must give bit-identical outputs.
    order = "F" if value.flags.f_contiguous and not value.flags.c_contiguous else "C"
    tensors[name] = np.ascontiguousarray(value.T if order == "F" else value)
    return {"kind": "array", "dtype": value.dtype.str, "shape": list(value.shape),
            "order": order}


def _encode_object(name, value, tensors):
    """Arrays, sparse matrices and fitted NearestNeighbors (tensors go to ``tensors``)."""
    import scipy.sparse as sp
    from sklearn.neighbors import NearestNeighbors

    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return _array_entry(name, value, tensors)
    if sp.issparse(value) and value.dtype.kind in "biuf":
        csr = value.tocsr()
        for part in ("data", "indices", "indptr"):
            tensors[f"{name}.{part}"] = np.ascontiguousarray(getattr(csr, part))
        return {"kind": "sparse", "format": value.format, "dtype": value.dtype.str,
                "shape": list(value.shape), "container": "array" if isinstance(
                    value, sp.sparray) else "matrix"}
    fit_X = getattr(value, "_fit_X", None)
    if type(value) is NearestNeighbors and (isinstance(fit_X, np.ndarray) or
                                            sp.issparse(fit_X)):
        params = {k: encode_value(v) for k, v in value.get_params(deep=False).items()}
        if all(e is not None for e in params.values()):
            if sp.issparse(fit_X):   # fitted on sparse data: its rows as a sparse entry
                return {"kind": "nearest_neighbors", "params": params,
                        "fit_X": _encode_object(name, fit_X, tensors)}
            entry = _array_entry(name, fit_X, tensors)
            return {"kind": "nearest_neighbors", "params": params,
                    "dtype": entry["dtype"], "shape": entry["shape"], "order": entry["order"]}
    return encode_value(value)


def estimator_record(estimator, *, attributes=None, require_name=True) -> tuple[dict, dict]:
    """The estimator's part of config.json, and the arrays that go to the tensor file.

    Parameters go under ``"params"``; fitted attributes (public names ending in ``_``, and
    private arrays kept after fit) under ``"attributes"``, each with its kind. ``attributes``
    limits which fitted attributes are stored (the neural estimators store their module
    separately). Values that cannot be stored (a RandomState, a callable, an object) are
    recorded under ``"skipped"``; a parameter of that kind is stored as ``None``.
    ``require_name=False`` records ``"method": None`` for a class that is not registered (a
    user's subclass can train and checkpoint; only saving for :func:`load` needs a name).
    """
    from .exceptions import UnknownNameError
    from .registry import name_of

    try:
        method = name_of(type(estimator))
    except UnknownNameError:
        if require_name:
            raise
        method = None

    tensors: dict[str, np.ndarray] = {}
    params, skipped = {}, []
    for name, value in estimator.get_params(deep=False).items():
        if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
            params[name] = _array_entry(_ARRAY_PARAM_PREFIX + name, value, tensors)
            continue
        entry = encode_value(value)
        if entry is None:  # not reproducible from JSON: the loaded estimator gets None
            skipped.append(name)
            entry = {"kind": "none", "value": None}
        params[name] = entry
    attrs = {}
    names = attributes if attributes is not None else list(vars(estimator))
    for name in names:
        if not hasattr(estimator, name):
            continue
        value = getattr(estimator, name)
        # Fitted state: public names ending in "_", and private state an estimator keeps for
        # its own use after fit (e.g. KMeans's centred centres, KernelPCA's grand mean).
        if attributes is None and not _is_state_name(name):
            continue
        entry = _encode_object(name, value, tensors)
        if entry is None:
            skipped.append(name)
        else:
            attrs[name] = entry
    record = {"format": FORMAT, "format_version": FORMAT_VERSION,
              "method": method, "class": type(estimator).__name__,
              "params": params, "attributes": attrs, "skipped": skipped}
    return record, tensors


def _is_state_name(name: str) -> bool:
    if not _ATTRIBUTE_NAME.fullmatch(name) or name.startswith("__"):
        return False
    return name.startswith("_") or name.endswith("_")


def _declared_kind(cls, name: str):
    """The kinds ``cls`` declares for attribute ``name`` (``_fitted_attribute_kinds``), if any."""
    for klass in cls.__mro__:
        declared = getattr(klass, "__dict__", {}).get("_fitted_attribute_kinds", {})
        if name in declared:
            return tuple(declared[name])
    return ("int",) if _COUNT_NAME.fullmatch(name) else None


def _tensor(config_path, where, name, key, tensors):
    if key not in tensors:
        raise CheckpointError(f"{config_path}: {where} {name!r} needs the tensor {key!r}, "
                              f"which {WEIGHTS} does not hold: the files do not belong "
                              f"together: {_REFIT}.")
    return tensors[key]


def _decode_array(config_path, where, name, entry, key, tensors):
    stored = _tensor(config_path, where, name, key, tensors)
    order = entry.get("order", "C")
    shape = list(stored.shape[::-1] if order == "F" else stored.shape)
    if order not in ("C", "F") or entry.get("dtype") != stored.dtype.str or \
            entry.get("shape") != shape:
        raise CheckpointError(f"{config_path}: {where} {name!r} should be an array of dtype "
                              f"{entry.get('dtype')} and shape {entry.get('shape')} (order "
                              f"{order!r}), found {stored.dtype.str} {shape} in {WEIGHTS}; the "
                              f"config was edited: {_REFIT}.")
    return np.array(stored.T if order == "F" else stored, order=order)  # writable, own data


def _decode_sparse(config_path, where, name, entry, key, tensors):
    import scipy.sparse as sp

    data, indices, indptr = (_tensor(config_path, where, name, f"{key}.{part}", tensors)
                             for part in ("data", "indices", "indptr"))
    shape = entry.get("shape")
    try:
        if entry.get("dtype") != data.dtype.str:
            raise ValueError(f"dtype {data.dtype.str} is not {entry.get('dtype')}")
        make = sp.csr_array if entry.get("container") == "array" else sp.csr_matrix
        matrix = make((data.copy(), indices.copy(), indptr.copy()), shape=tuple(shape))
        matrix.check_format(full_check=True)
        return matrix.asformat(entry.get("format", "csr"))
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{config_path}: {where} {name!r} is not a valid sparse matrix "
                              f"({exc}); the files were edited: {_REFIT}.") from None


def _decode_neighbors(config_path, where, name, entry, key, tensors):
    from sklearn.neighbors import NearestNeighbors

    if isinstance(entry.get("fit_X"), dict):
        X = _decode_sparse(config_path, where, name, entry["fit_X"], key, tensors)
    else:
        X = _decode_array(config_path, where, name, entry, key, tensors)
    params = decode_entries(config_path, NearestNeighbors, entry.get("params", {}), {},
                            where="parameter")
    try:
        return NearestNeighbors(**params).fit(X)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"{config_path}: {where} {name!r}: the NearestNeighbors "
                              f"parameters do not fit ({exc}); the config was edited: "
                              f"{_REFIT}.") from None


_OBJECT_DECODERS = {"array": _decode_array, "sparse": _decode_sparse,
                    "nearest_neighbors": _decode_neighbors}


def decode_entries(config_path, cls, entries, tensors, *, where: str, prefix: str = "",
                   typed: bool = True) -> dict:
    """Typed config entries (see :func:`encode_value`) back to values, each one checked.

    ``where`` is ``"parameter"`` or ``"attribute"``; attribute kinds are also checked against
    what ``cls`` declares. ``typed=False`` reads a legacy config's bare values. Arrays come
    from ``tensors`` under ``prefix + name``.
    """
    if not isinstance(entries, dict):
        raise CheckpointError(f"{config_path}: \"{where}s\" should be a JSON object, found "
                              f"{_json_kind(entries)}; the config was edited: {_REFIT}.")
    out = {}
    for name, entry in entries.items():
        if typed:
            if not isinstance(entry, dict) or "kind" not in entry:
                raise CheckpointError(f"{config_path}: {where} {name!r} should be an entry "
                                      f"{{\"kind\": ..., \"value\": ...}}, found {entry!r}; the "
                                      f"config was edited: {_REFIT}.")
            kind, value = entry["kind"], entry.get("value")
        else:
            kind, value = _json_kind(entry), entry
        allowed = _declared_kind(cls, name) if where == "attribute" else None
        if allowed is not None and kind not in allowed:
            raise CheckpointError(f"{config_path}: {where} {name!r} of {cls.__name__} must be "
                                  f"{' or '.join(allowed)}, found {kind} {value!r}; the config "
                                  f"was edited: {_REFIT}.")
        if kind in _OBJECT_DECODERS and typed:
            out[name] = _OBJECT_DECODERS[kind](config_path, where, name, entry, prefix + name,
                                               tensors)
            continue
        if kind not in _KIND_CHECKS:
            raise CheckpointError(f"{config_path}: {where} {name!r} has unknown kind {kind!r} "
                                  f"(known: {', '.join([*_OBJECT_DECODERS, *_KIND_CHECKS])}): "
                                  f"{_REFIT}.")
        if not _KIND_CHECKS[kind](value):
            raise CheckpointError(f"{config_path}: {where} {name!r} should be {kind} (as "
                                  f"saved), found {_json_kind(value)} {value!r}; the config "
                                  f"was edited: {_REFIT}.")
        out[name] = _decode(kind, value)
    return out


def _check_attribute_name(config_path, cls, name, param_names):
    if not _is_state_name(name) or name in param_names or hasattr(cls, name):
        raise CheckpointError(f"{config_path}: {name!r} is not a fitted attribute of "
                              f"{cls.__name__} (fitted attributes end in '_' or are private; "
                              f"parameters, methods and class attributes cannot be set from a "
                              f"saved file); the config was edited or written for another "
                              f"class: {_REFIT}.")


def build_estimator(config_path, cls, params: dict):
    """``cls(**params)`` with unknown names and values outside the class's table refused."""
    from .base import check_parameters

    known = set(cls().get_params(deep=False))
    unknown = sorted(set(params) - known)
    if unknown:
        verb = "is not a parameter" if len(unknown) == 1 else "are not parameters"
        raise CheckpointError(f"{config_path}: {', '.join(map(repr, unknown))} {verb} of "
                              f"{cls.__name__} (its parameters are {', '.join(sorted(known))}); "
                              f"the folder was written for another version or edited: {_REFIT}.")
    estimator = cls(**params)
    try:
        check_parameters(estimator)
    except ValueError as exc:
        raise CheckpointError(f"{config_path}: {exc} The config was edited: {_REFIT}.") from None
    return estimator


def set_attributes(config_path, estimator, attributes: dict) -> None:
    """Set fitted attributes read from a config, refusing names that are not fitted ones."""
    param_names = set(estimator.get_params(deep=False))
    for name, value in attributes.items():
        _check_attribute_name(config_path, type(estimator), name, param_names)
        setattr(estimator, name, value)


def registered_class(config_path, config: dict) -> type:
    """The registered class a config names, with a clear error when it names none."""
    from .exceptions import UnknownNameError
    from .registry import get_method

    method = config.get("method")
    if not isinstance(method, str):
        raise CheckpointError(f"{config_path} names no estimator (no \"method\" entry); a bare "
                              f"neural module saved with latentlearn.neural.checkpoint.save_model"
                              f" loads with latentlearn.neural.checkpoint.load_model.")
    try:
        return get_method(method).cls
    except UnknownNameError as exc:
        raise CheckpointError(f"{config_path}: {exc} This latentlearn cannot rebuild it; "
                              f"install the release that wrote it or {_REFIT}.") from None


# --------------------------------------------------------------------------- classical
def save_estimator(estimator, folder) -> Path:
    """Save a fitted classical estimator to ``folder`` (what ``est.save(folder)`` does)."""
    from safetensors.numpy import save as st_save

    config, tensors = estimator_record(estimator)
    return write_folder(folder, config, {WEIGHTS: st_save(tensors)})


def _load_classical(folder, config: dict, cls):
    folder = Path(folder)
    config_path = folder / CONFIG
    legacy = config["format"] == "latentlearn.estimator"
    tensors = read_tensors(folder, WEIGHTS, config)
    if legacy:
        # v1 stored every array in the tensor file and bare JSON values in the config.
        params = decode_entries(config_path, cls, config.get("params", {}), {},
                                where="parameter", typed=False)
        params.update({k[len(_ARRAY_PARAM_PREFIX):]: v for k, v in tensors.items()
                       if k.startswith(_ARRAY_PARAM_PREFIX)})
        attributes = decode_entries(config_path, cls, config.get("attributes", {}), {},
                                    where="attribute", typed=False)
        attributes.update({k: v for k, v in tensors.items()
                           if not k.startswith(_ARRAY_PARAM_PREFIX)})
    else:
        params = decode_entries(config_path, cls, config.get("params", {}), tensors,
                                where="parameter", prefix=_ARRAY_PARAM_PREFIX)
        attributes = decode_entries(config_path, cls, config.get("attributes", {}), tensors,
                                    where="attribute")
        listed = {_ARRAY_PARAM_PREFIX + k for k, e in config.get("params", {}).items()
                  if e.get("kind") == "array"}
        for k, e in config.get("attributes", {}).items():
            if e.get("kind") == "sparse" or isinstance(e.get("fit_X"), dict):
                listed |= {f"{k}.data", f"{k}.indices", f"{k}.indptr"}
            elif e.get("kind") in _OBJECT_DECODERS:
                listed.add(k)
        extra = sorted(set(tensors) - listed)
        if extra:
            raise CheckpointError(f"{folder / WEIGHTS} holds tensors that {CONFIG} does not "
                                  f"list ({', '.join(extra)}); the files do not belong "
                                  f"together: {_REFIT}.")
    estimator = build_estimator(config_path, cls, params)
    set_attributes(config_path, estimator, attributes)
    return estimator


def load(folder, *, device: str = "auto", **modules):
    """Rebuild any estimator saved with ``est.save(folder)``; never unpickles.

    Parameters
    ----------
    folder : path
        A model folder (``config.json`` + ``weights.safetensors``), e.g. ``RUN/model``.
    device : str, default="auto"
        Where a neural estimator's module goes (``"auto"``, ``"cpu"``, ``"cuda"``...); ignored
        for classical estimators.
    **modules : nn.Module
        ``encoder=`` / ``decoder=``: the user networks a neural estimator was fitted with (a
        folder keeps their weights, not their code); not needed otherwise.

    Returns
    -------
    estimator
        Fitted, of the registered class named in config.json.

    Raises
    ------
    CheckpointError
        One clear message naming the file and what is wrong: a missing or truncated file, a
        checksum that does not match, an edited entry of the wrong kind, an unknown parameter,
        attribute or method name, a folder that is not ours (a pickle is never opened), or a
        newer format version.
    """
    folder = Path(folder)
    config = read_config(folder)
    # latentlearn.neural v1 kept the estimator's name in a sub-record.
    record = config.get("estimator") if config["format"] == "latentlearn.neural" else config
    cls = registered_class(folder / CONFIG, record if isinstance(record, dict) else {})
    if config["format"] == "latentlearn.estimator":
        warnings.warn(f"{folder / CONFIG} is in the earlier format latentlearn.estimator v1, "
                      f"which records no checksums: it is loaded without an integrity check. "
                      f"Save it again with est.save(folder) to add them.",
                      LegacyFormatWarning, stacklevel=2)
    loader = getattr(cls, "_from_saved", None)
    if loader is None:
        if modules:
            raise CheckpointError(f"{folder / CONFIG} holds a {cls.__name__}, which takes no "
                                  f"{', '.join(sorted(modules))}=; load it without them.")
        return _load_classical(folder, config, cls)
    return loader(folder, config, device=device, **modules)


def load_estimator(folder):
    """Same as :func:`load` (the name of earlier releases)."""
    return load(folder)
