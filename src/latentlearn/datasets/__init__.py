"""Data for latentlearn: built-in sets, seeded generators with ground truth, and file readers.

Every loader returns one :class:`Dataset` record (``X`` float32 of shape
(n_samples, n_features), optional ``y``, ``factors``, ``image_shape``...).

>>> from latentlearn.datasets import load, list_datasets
>>> ds = load("swiss_roll", n_samples=500, noise=0.1)      # by name; options as keywords
>>> ds = load("points.csv", label="species")                # doctest: +SKIP
>>> ds = load("big.npy", mmap=True)    # X is an np.memmap      # doctest: +SKIP
>>> [info.name for info in list_datasets()]                 # doctest: +SKIP
['mnist5k', 'digits', 'swiss_roll', 's_curve', 'blobs', 'gaussian_ring', 'triangle', 'dsprites']

Modules: ``builtin`` (mnist5k, digits: real data shipped with dependencies, never downloaded),
``generators`` (swiss_roll, s_curve, blobs, gaussian_ring, triangle), ``dsprites`` (our own
renderer of the dSprites factor grid), ``water`` (videos of an image seen through moving water,
after Efros et al. 2004, "Seeing through water"), ``files`` (npy, npz, csv, parquet, image folders),
``_registry`` (name -> loader and :func:`load`).
"""

from ._dataset import Dataset
from ._registry import DatasetInfo, get_dataset_info, list_datasets, load
from .builtin import load_digits, load_mnist5k
from .dsprites import dsprites_factor_values, make_dsprites, render_dsprites
from .files import (
    read_csv,
    read_file,
    read_image_folder,
    read_npy,
    read_npz,
    read_parquet,
)
from .generators import (
    TRIANGLE_CORNERS,
    make_blobs,
    make_gaussian_ring,
    make_s_curve,
    make_swiss_roll,
    make_triangle,
)
from .water import (
    WaterVideo,
    load_china_image,
    make_test_pattern,
    make_water_video,
    water_displacement,
)

__all__ = [
    "Dataset",
    "DatasetInfo",
    "load",
    "list_datasets",
    "get_dataset_info",
    "load_mnist5k",
    "load_digits",
    "make_swiss_roll",
    "make_s_curve",
    "make_blobs",
    "make_gaussian_ring",
    "make_triangle",
    "TRIANGLE_CORNERS",
    "make_dsprites",
    "render_dsprites",
    "dsprites_factor_values",
    "read_file",
    "read_npy",
    "read_npz",
    "read_csv",
    "read_parquet",
    "read_image_folder",
    "WaterVideo",
    "make_water_video",
    "water_displacement",
    "make_test_pattern",
    "load_china_image",
]
