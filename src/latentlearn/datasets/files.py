"""Read the user's own data from a file or a folder of images into a :class:`Dataset`.

:func:`read_file` picks a reader from the suffix (a table ``_READERS``, no branching on names):

- ``.npy``: a 2-D array (n_samples, n_features), or images (n, h, w) / (n, h, w, channels);
- ``.npz``: array ``X`` (as above), optional ``y`` (labels), ``factors`` and ``factor_names``;
- ``.csv``, ``.tsv`` (optionally ``.gz``-compressed): numeric columns, an optional label column;
- ``.parquet``: numeric columns, an optional label column (read with pyarrow);
- a folder: PNG/JPEG/... images read with Pillow, labels from class subfolders if it has them.

Data larger than memory: ``mmap=True`` memory-maps a 2-D float ``.npy`` table
(``np.load(mmap_mode="r")``: ``X`` is the ``np.memmap``), and reads a Parquet table one row
group at a time into a memory-mapped temporary ``.npy``.

``X`` is always float32 (or float64 in a memory-mapped ``.npy``). Images are flattened
row-major, scaled to [0, 1] and described by ``image_shape``. Nothing is ever unpickled
(``numpy.load(..., allow_pickle=False)``).

Every error a user's file can cause names the file and the place in it (line and column of a
table, index of an array, the image) and says what to do; all are
:class:`~latentlearn.exceptions.DataError` except a missing path
(:class:`~latentlearn.exceptions.DataFileNotFoundError`). Positions: CSV lines are counted from 1
as an editor shows them (header included); array rows, Parquet rows and unnamed columns are
0-based indices, as in numpy and in the ``label`` option.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import math
import operator
import os
import re
import tempfile
import weakref
from pathlib import Path

import numpy as np

from ..exceptions import DataError, DataFileNotFoundError, ParameterError
from ._dataset import Dataset
from ._options import coerce_options

__all__ = [
    "read_file",
    "read_npy",
    "read_npz",
    "read_csv",
    "read_parquet",
    "read_image_folder",
    "reader_for",
    "IMAGE_SUFFIXES",
    "TABLE_SUFFIXES",
]

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")


# --------------------------------------------------------------------------------------------
# Shared checks
# --------------------------------------------------------------------------------------------

def _check_exists(path: Path) -> None:
    if not path.exists():
        raise DataFileNotFoundError(
            f"{path}: no such file or folder (relative paths start from {Path.cwd()}); "
            "check the path."
        )


def _check_not_empty(path: Path) -> None:
    if path.is_file() and path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty (0 bytes); write the data into it or pass "
                        "another file.")


def _check_finite(path: Path, X: np.ndarray, locate) -> None:
    """DataError at the first NaN or infinity of ``X`` (2-D), placed by ``locate(row, col)``."""
    bad = ~np.isfinite(X)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        count = int(bad.sum())
        raise DataError(
            f"{path}, {locate(int(row), int(col))}: value {float(X[row, col])!r} is not finite "
            f"({count} NaN or infinite value{'s' if count > 1 else ''} in all); remove or "
            "impute those values."
        )


def _to_float32(path: Path, X: np.ndarray, locate) -> np.ndarray:
    """``X`` as float32, checked finite before and after the cast (float32 overflows at 3.4e38)."""
    _check_finite(path, X, locate)
    out = np.ascontiguousarray(X, dtype=np.float32)
    if not np.isfinite(out).all():
        row, col = np.argwhere(~np.isfinite(out))[0]
        raise DataError(
            f"{path}, {locate(int(row), int(col))}: value {float(X[row, col])!r} is too large for "
            "float32; rescale that column."
        )
    return out


def _natural_key(path: Path):
    """Sort ``img2`` before ``img10``."""
    return [int(part) if part.isdigit() else part.lower()
            for part in re.split(r"(\d+)", path.name)]


# --------------------------------------------------------------------------------------------
# Arrays: .npy and .npz
# --------------------------------------------------------------------------------------------

def _check_npy_size(path: Path) -> None:
    """DataError when a ``.npy`` header declares more bytes than the file holds.

    Read before ``np.load`` allocates: a 192-byte file whose header declares shape
    (100000000000, 1000000) would otherwise end in a MemoryError. Anything that is not a
    readable version 1 or 2 ``.npy`` header (an ``.npz`` archive, a damaged header) is left
    to ``np.load``, which reports it.
    """
    with open(path, "rb") as fh:
        if fh.read(len(np.lib.format.MAGIC_PREFIX)) != np.lib.format.MAGIC_PREFIX:
            return
        fh.seek(0)
        try:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
            else:
                return
        except (ValueError, OSError, EOFError):
            return
        if dtype.hasobject:
            return
        header_size = fh.tell()
    file_size = path.stat().st_size
    declared = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
    if declared > file_size - header_size:
        raise DataError(
            f"{path}: the header declares an array of shape {tuple(shape)} and dtype {dtype}, "
            f"{declared:,} bytes of data, but the file is only {file_size:,} bytes "
            f"({file_size - header_size:,} after its {header_size}-byte header); it is "
            "truncated or its header is damaged; re-save it with numpy.save."
        )


def _load_numpy(path: Path):
    _check_npy_size(path)
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc).lower() or "object" in str(exc).lower():
            raise DataError(
                f"{path}: holds Python objects (dtype object), which latentlearn never unpickles; "
                "save a numeric array instead, e.g. np.save(path, X.astype(np.float32))."
            ) from exc
        raise DataError(f"{path}: not a valid numpy file ({exc}); re-save it with numpy.save "
                        "or numpy.savez.") from exc
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: not a valid numpy file ({exc}); re-save it with numpy.save "
                        "or numpy.savez.") from exc


def _check_numeric_dtype(path: Path, array: np.ndarray, what: str) -> None:
    if array.dtype.kind not in "biuf":
        kind = "Python objects" if array.dtype.kind == "O" else f"{array.dtype} values"
        raise DataError(f"{path}: {what} holds {kind}, not real numbers; save it as a numeric "
                        "(float32) array.")


def _image_scale(array: np.ndarray) -> tuple[np.ndarray, str]:
    """Images as float64 in [0, 1], and how they were scaled (recorded in ``extras``)."""
    if array.dtype.kind == "b":
        return array.astype(np.float64), "bool as 0/1"
    values = array.astype(np.float64)
    if values.size == 0 or not np.isfinite(values).all():
        return values, "none"  # the finiteness check reports it
    low, high = float(values.min()), float(values.max())
    if array.dtype.kind in "iu":
        top = 255.0 if high <= 255 else 65535.0 if high <= 65535 else high
        if low < 0:
            return (values - low) / max(high - low, 1.0), "min-max"
        return values / top, f"divided by {top:g}"
    if low >= 0.0 and high <= 1.0:
        return values, "none (already in [0, 1])"
    if low >= 0.0 and high <= 255.0:
        return values / 255.0, "divided by 255"
    logger.warning("images outside [0, 255] (min %g, max %g): rescaled min-max to [0, 1]",
                   low, high)
    return (values - low) / (high - low), "min-max"


def _array_to_X(path: Path, array: np.ndarray, what: str, place: str = ""):
    """``(X float32 (n, d), image_shape or None, extras)`` from an array of 1 to 4 dimensions.

    ``what`` names the array in messages (``"the array"``); ``place`` prefixes a position in it
    (``"array 'X', "``).
    """
    _check_numeric_dtype(path, array, what)
    if array.ndim == 0 or array.size == 0:
        raise DataError(f"{path}: {what} is empty (shape {array.shape}); it needs at least one "
                        "row and one column.")
    extras = {}
    if array.ndim == 1:
        logger.info("%s: 1-D %s read as one feature column", path, what)
        array = array[:, None]
    if array.ndim == 2:
        def locate(row, col):
            return f"{place}row index {row}, column index {col}"
        return _to_float32(path, array, locate), None, extras
    if array.ndim == 4:
        channels_last = array.shape[-1] in (1, 3, 4)
        if not channels_last and array.shape[1] in (1, 3, 4):
            logger.info("%s: %s of shape %s read as channels-first images", path, what,
                        array.shape)
            array = np.moveaxis(array, 1, -1)
        elif not channels_last:
            raise DataError(f"{path}: {what} of shape {array.shape} is not a stack of images "
                            "(n, height, width, channels) with 1, 3 or 4 channels; save it so.")
        if array.shape[-1] == 1:
            array = array[..., 0]
    if array.ndim > 4:
        raise DataError(f"{path}: {what} has {array.ndim} dimensions (shape {array.shape}); "
                        "save a 2-D table (n_samples, n_features) or images (n, h, w[, c]).")
    image_shape = tuple(int(s) for s in array.shape[1:])
    scaled, how = _image_scale(array)
    extras["scaling"] = how
    flat = scaled.reshape(len(scaled), -1)

    def locate_pixel(row, col):
        pixel = np.unravel_index(col, image_shape)
        return f"{place}image index {row}, pixel {tuple(int(p) for p in pixel)}"

    _check_finite(path, array.reshape(len(array), -1).astype(np.float64), locate_pixel)
    return np.ascontiguousarray(flat, dtype=np.float32), image_shape, extras


def _labels(path: Path, y: np.ndarray, n: int, what: str) -> np.ndarray:
    if y.dtype.kind not in "biufUS":
        raise DataError(f"{path}: {what} holds {y.dtype} values; save labels as integers or "
                        "strings.")
    y = np.asarray(y).reshape(-1) if y.ndim == 2 and 1 in y.shape else y
    if y.ndim != 1 or len(y) != n:
        raise DataError(f"{path}: {what} has shape {y.shape} but X has {n} rows; save one label "
                        "per row of X.")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        index = int(np.flatnonzero(~np.isfinite(y))[0])
        raise DataError(f"{path}: {what} index {index} is {y[index]!r}; remove or impute those "
                        "labels.")
    return y


def _dataset(path: Path, X, *, y=None, factors=None, factor_names=(), image_shape=None,
             kind: str, extras: dict) -> Dataset:
    n, d = X.shape
    what = (f"{n} images of {'x'.join(map(str, image_shape))}" if image_shape
            else f"{n} samples with {d} features")
    return Dataset(
        X=X, y=y, factors=factors, factor_names=tuple(factor_names), image_shape=image_shape,
        name=path.name, description=f"{what}, read from the {kind} {path.name}.",
        extras={"source": str(path), **extras},
    )


def read_npy(path, *, mmap: bool = False) -> Dataset:
    """Read a ``.npy`` array.

    Parameters
    ----------
    path : str or Path
        A file written by ``numpy.save``. A 2-D array of shape (n_samples, n_features) is kept
        as is (1-D becomes one column); a 3-D array (n, h, w) or 4-D (n, h, w, c) with 1, 3 or
        4 channels (channels-first (n, c, h, w) is recognised too) is read as images, flattened
        and scaled to [0, 1] (integers divided by 255, or 65535 above 255; floats kept when
        already in [0, 1], else divided by 255 when in [0, 255], else min-max scaled).
    mmap : bool, default=False
        Memory-map the file (``np.load(path, mmap_mode="r")``) instead of reading it: ``X`` is
        then the read-only ``np.memmap`` itself, for data larger than memory. The array must
        be a 2-D float32 or float64 table (``np.save(path, X.astype("float32"))``); its values
        are not scanned for NaN here (that would read the whole file): the fits that take a
        memory map (PCA, KMeans, MiniBatchKMeans) check each block as they read it.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n_samples, n_features); ``image_shape`` for images.
    """
    path = Path(path)
    _check_exists(path)
    _check_not_empty(path)
    if mmap:
        return _read_npy_mmap(path)
    loaded = _load_numpy(path)
    if isinstance(loaded, np.lib.npyio.NpzFile):
        loaded.close()
        logger.info("%s is an .npz archive despite its suffix; reading it as one", path)
        return read_npz(path)
    X, image_shape, extras = _array_to_X(path, loaded, "the array")
    return _dataset(path, X, image_shape=image_shape, kind="numpy file", extras=extras)


def _read_npy_mmap(path: Path) -> Dataset:
    _check_npy_size(path)
    try:
        X = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        raise DataError(f"{path}: cannot be memory-mapped ({exc}); save a numeric array with "
                        "numpy.save, or pass mmap=False.") from exc
    if not isinstance(X, np.memmap):  # an .npz archive under a .npy name
        raise DataError(f"{path}: is not a single .npy array; only .npy files can be "
                        "memory-mapped; rename it to .npz and pass mmap=False.")
    if X.ndim != 2 or X.dtype not in (np.float32, np.float64) or not X.dtype.isnative \
            or not X.flags.c_contiguous:
        raise DataError(
            f"{path}: holds an array of shape {X.shape}, dtype {X.dtype}"
            f"{'' if X.flags.c_contiguous else ', Fortran order'}; a memory map must be a "
            "2-D C-ordered float32 or float64 table (n_samples, n_features): re-save it with "
            "np.save(path, np.ascontiguousarray(X, dtype='float32')), or pass mmap=False.")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError(f"{path}: the array is empty (shape {X.shape}); it needs at least one "
                        "row and one column.")
    return _dataset(path, X, kind="numpy file (memory-mapped)", extras={"mmap": True})


def read_npz(path, *, x_key: str = "X", y_key: str = "y") -> Dataset:
    """Read a ``.npz`` archive with an array ``X`` and optionally ``y``, ``factors``.

    Parameters
    ----------
    path : str or Path
        A file written by ``numpy.savez(path, X=..., y=...)``.
    x_key : str, default="X"
        Name of the data array; read like a ``.npy`` file (a table or images).
    y_key : str, default="y"
        Name of the optional label array, shape (n_samples,).

    Returns
    -------
    Dataset
        ``X`` float32 (n_samples, n_features); ``y`` if present; ``factors`` (float, shape
        (n_samples, n_factors)) and ``factor_names`` if the archive has arrays ``factors`` and
        ``factor_names``.
    """
    path = Path(path)
    _check_exists(path)
    _check_not_empty(path)
    archive = _load_numpy(path)
    if isinstance(archive, np.ndarray):
        raise DataError(f"{path}: is a single .npy array, not an .npz archive; rename it to .npy.")
    with archive:
        keys = list(archive.files)
        if x_key not in keys:
            found = ", ".join(repr(k) for k in keys) or "no arrays"
            raise DataError(
                f"{path}: has no array {x_key!r} (found: {found}); save it with "
                f"numpy.savez(path, X=..., y=...) or pass x_key=<one of the names found>."
            )
        arrays = {}
        for key in (x_key, y_key, "factors", "factor_names"):
            if key in keys:
                try:
                    arrays[key] = archive[key]
                except ValueError as exc:  # object arrays refuse to load without pickle
                    raise DataError(
                        f"{path}: array {key!r} holds Python objects, which latentlearn never "
                        "unpickles; save it as a numeric array (labels as int or str)."
                    ) from exc
    X, image_shape, extras = _array_to_X(path, arrays[x_key], f"array {x_key!r}",
                                         f"array {x_key!r}, ")
    n = X.shape[0]
    y = _labels(path, arrays[y_key], n, f"array {y_key!r}") if y_key in arrays else None
    factors, factor_names = None, ()
    if "factors" in arrays:
        factors = arrays["factors"]
        _check_numeric_dtype(path, factors, "array 'factors'")
        factors = factors.reshape(len(factors), -1).astype(np.float64)
        if len(factors) != n:
            raise DataError(f"{path}: array 'factors' has {len(factors)} rows but X has {n}; "
                            "save one row of factors per row of X.")
        default = tuple(f"factor{k}" for k in range(factors.shape[1]))
        factor_names = tuple(str(s) for s in arrays.get("factor_names", default))
        if len(factor_names) != factors.shape[1]:
            raise DataError(f"{path}: {len(factor_names)} factor_names for "
                            f"{factors.shape[1]} columns of factors; save one name per column.")
    extras["keys"] = keys
    return _dataset(path, X, y=y, factors=factors, factor_names=factor_names,
                    image_shape=image_shape, kind="numpy archive", extras=extras)


# --------------------------------------------------------------------------------------------
# Tables: .csv / .tsv and .parquet
# --------------------------------------------------------------------------------------------

def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _resolve_columns(path: Path, names: list[str] | None, width: int, label, drop):
    """Positions of the label column (or None) and of the dropped columns."""
    shown = names if names is not None else [str(j) for j in range(width)]

    def position(key, option):
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            if -width <= key < width:
                return int(key) % width
            raise DataError(f"{path}: {option}={key} is outside the {width} columns (indices "
                            f"0..{width - 1}); pass a column index or name.")
        if names is not None and key in names:
            return names.index(key)
        if names is None:
            raise DataError(f"{path}: has no header row, so {option}={key!r} cannot name a "
                            f"column; pass its index (0..{width - 1}) instead.")
        raise DataError(f"{path}: no column named {key!r} for {option} (columns: "
                        f"{', '.join(repr(s) for s in shown)}).")

    label_pos = None if label is None else position(label, "label")
    if isinstance(drop, (str, int)):
        drop = (drop,)
    dropped = {position(key, "drop") for key in drop}
    return label_pos, dropped


def _label_array(cells: list[str], where) -> np.ndarray:
    """Label cells as int64 if all are integers, float64 if all numbers, else str."""
    for i, cell in enumerate(cells):
        if cell.strip() == "":
            raise DataError(f"{where(i)}: the label is empty; fill it in or remove the row.")
    try:
        return np.array([int(c) for c in cells], dtype=np.int64)
    except ValueError:
        pass
    try:
        values = np.array(cells, dtype=np.float64)
    except ValueError:
        return np.array([c.strip() for c in cells], dtype=str)
    if not np.isfinite(values).all():
        i = int(np.flatnonzero(~np.isfinite(values))[0])
        raise DataError(f"{where(i)}: the label {cells[i]!r} is not finite; remove or impute "
                        "those labels.")
    return values


def _open_text(path: Path) -> str:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
            return fh.read()
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: is not UTF-8 text ({exc}); save it as UTF-8 CSV.") from exc
    except (OSError, EOFError) as exc:  # e.g. a corrupt .gz
        raise DataError(f"{path}: cannot be read ({exc}); check that the file is whole.") from exc


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def read_csv(path, *, label: str | int | None = None, header: bool | None = None,
             delimiter: str | None = None, drop: tuple[str | int, ...] = ()) -> Dataset:
    """Read a CSV (or TSV) table of numbers, with an optional label column.

    Read with the standard library (no pandas); ``.gz`` files are decompressed on the fly.

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.tsv``, ``.csv.gz`` or ``.tsv.gz`` file, one sample per line.
    label : str, int or None, default=None
        The label column, by header name or by 0-based index (negative counts from the end).
        Its cells may be integers, numbers or text; it is returned as ``y``, not in ``X``.
    header : bool or None, default=None
        Whether the first line holds column names. ``None`` detects it: the first line is a
        header when none of its cells is a number.
    delimiter : str or None, default=None
        Field separator. ``None`` picks the most frequent of ``,``, tab and ``;`` on the first
        line (tab for ``.tsv``).
    drop : tuple of str or int, default=()
        Columns to leave out (names or 0-based indices), e.g. an id column.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n_rows, n_columns - 1 label - dropped); ``y`` of shape (n_rows,)
        if ``label``; ``extras["columns"]``: the names of the columns of ``X`` (header names,
        or their indices as strings).

    Raises
    ------
    DataError
        Naming the file, line and column of the first non-numeric, empty or non-finite cell,
        or of a line with the wrong number of fields.
    """
    path = Path(path)
    _check_exists(path)
    _check_not_empty(path)
    text = _open_text(path)
    if not text.strip():
        raise DataError(f"{path}: holds no data (only blank lines); write the data into it.")
    if delimiter is None:
        if ".tsv" in path.name.lower():
            delimiter = "\t"
        else:
            delimiter = _sniff_delimiter(text.lstrip().split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows, lines = [], []
    try:
        for row in reader:
            if not row or all(cell.strip() == "" for cell in row):
                continue
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise DataError(f"{path}, line {reader.line_num}: {exc}; fix the quoting on that "
                        "line.") from exc

    if header is None:
        header = not any(_is_number(cell) for cell in rows[0] if cell.strip() != "")
    names = [cell.strip() for cell in rows[0]] if header else None
    header_line = lines[0] if header else None
    if header:
        rows, lines = rows[1:], lines[1:]
    if not rows:
        raise DataError(f"{path}: has a header line but no data rows; add the data below it.")
    width = len(names) if names is not None else len(rows[0])
    for row, line in zip(rows, lines):
        if len(row) != width:
            first = f"the header (line {header_line})" if header else f"line {lines[0]}"
            raise DataError(
                f"{path}, line {line}: {len(row)} fields but {first} has {width}; every line "
                f"needs the same number of fields (separator {delimiter!r})."
            )

    label_pos, dropped = _resolve_columns(path, names, width, label, drop)
    features = [j for j in range(width) if j != label_pos and j not in dropped]
    if not features:
        raise DataError(f"{path}: no feature columns left after the label and dropped columns; "
                        "keep at least one numeric column.")

    def column_name(j):
        return repr(names[j]) if names is not None else f"index {j}"

    if len(features) == width:
        feature_rows = rows
    else:
        pick = operator.itemgetter(*features)
        feature_rows = [pick(row) for row in rows]
        if len(features) == 1:
            feature_rows = [(cell,) for cell in feature_rows]
    try:
        values = np.array(feature_rows, dtype=np.float64)
    except ValueError:
        # Find the first bad cell, row by row, to say exactly where it is.
        for row, line in zip(feature_rows, lines):
            for j, cell in zip(features, row):
                if cell.strip() == "":
                    raise DataError(
                        f"{path}, line {line}, column {column_name(j)}: the cell is empty; fill "
                        "it in or remove the row.") from None
                if not _is_number(cell):
                    hint = (f" (if line {line} is a header, pass header=True)"
                            if not header and line == lines[0] else "")
                    raise DataError(
                        f"{path}, line {line}, column {column_name(j)}: {cell!r} is not a "
                        f"number; fix the cell or drop the column "
                        f"(drop={names[j] if names else j!r}){hint}.") from None
        raise  # pragma: no cover -- numpy and float() disagree on some spelling

    def locate(row, col):
        return f"line {lines[row]}, column {column_name(features[col])}"

    X = _to_float32(path, values, locate)
    y = None
    if label_pos is not None:
        y = _label_array([row[label_pos] for row in rows],
                         lambda i: f"{path}, line {lines[i]}, column {column_name(label_pos)}")
    columns = [names[j] if names is not None else str(j) for j in features]
    return _dataset(path, X, y=y, kind="table", extras={
        "columns": columns,
        "label_column": None if label_pos is None else (
            names[label_pos] if names is not None else str(label_pos)),
    })


def read_parquet(path, *, label: str | int | None = None,
                 drop: tuple[str | int, ...] = (), mmap: bool = False) -> Dataset:
    """Read a Parquet table of numbers with pyarrow, with an optional label column.

    Parameters
    ----------
    path : str or Path
        A ``.parquet`` file, one sample per row.
    label : str, int or None, default=None
        The label column, by name or 0-based index; returned as ``y`` (integers, numbers or
        text), not in ``X``.
    drop : tuple of str or int, default=()
        Columns to leave out (names or indices).
    mmap : bool, default=False
        Read the file one row group at a time into a float32 ``.npy`` file in the temporary
        folder and return it memory-mapped (``np.memmap``, mode ``"r"``): at most a row group
        is held in memory, for tables larger than memory. The file is deleted when the map is
        garbage-collected; ``extras["mmap_file"]`` names it.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n_rows, n_numeric_columns); ``y`` if ``label``;
        ``extras["columns"]``: the column names of ``X``.

    Raises
    ------
    DataError
        Naming the file, row index and column of the first null, non-numeric or non-finite
        value, or a column whose type is not numeric.
    """
    from .._optional import require

    pa = require("pyarrow", extra="parquet", what="reading .parquet files")
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    path = Path(path)
    _check_exists(path)
    _check_not_empty(path)
    try:
        if mmap:  # the schema and row count now, the rows one row group at a time
            parquet_file = pq.ParquetFile(path)
            column_names = list(parquet_file.schema_arrow.names)
            num_rows = parquet_file.metadata.num_rows
        else:
            table = pq.read_table(path)
            column_names, num_rows = list(table.column_names), table.num_rows
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{path}: not a readable Parquet file ({exc}); re-write it with "
                        "pyarrow or pandas.to_parquet.") from exc
    # a pandas index saved alongside the data is not a feature
    index_columns = [c for c in column_names if c.startswith("__index_level_")]
    names = [c for c in column_names if c not in index_columns]
    if num_rows == 0 or not names:
        raise DataError(f"{path}: the table is empty ({num_rows} rows, {len(names)} "
                        "columns); write the data into it.")
    label_pos, dropped = _resolve_columns(path, names, len(names), label, drop)
    features = [j for j in range(len(names)) if j != label_pos and j not in dropped]
    if not features:
        raise DataError(f"{path}: no feature columns left after the label and dropped columns; "
                        "keep at least one numeric column.")

    def first_null(column) -> int | None:
        if column.null_count == 0:
            return None
        return int(np.flatnonzero(pc.is_null(column).to_numpy(zero_copy_only=False))[0])

    def convert(table, row0):
        """``(X float32, raw labels or None)`` of ``table``, whose first row is ``row0``."""
        X = np.empty((table.num_rows, len(features)), dtype=np.float64)
        for k, j in enumerate(features):
            column, name = table.column(j), names[j]
            kind = column.type
            where = f"{path}, column {name!r}"
            null = first_null(column)
            if null is not None:
                raise DataError(f"{where}, row index {row0 + null}: the value is missing "
                                "(null); fill it in, remove the row, or drop the column.")
            if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(
                    kind) or pa.types.is_decimal(kind):
                X[:, k] = column.to_numpy().astype(np.float64)
            elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
                cells = column.to_pylist()
                for i, cell in enumerate(cells):
                    if not _is_number(cell):
                        raise DataError(f"{where}, row index {row0 + i}: {cell!r} is not a "
                                        f"number; fix the cell or drop the column "
                                        f"(drop={name!r}).")
                X[:, k] = np.array(cells, dtype=np.float64)
            else:
                raise DataError(f"{where}: has type {kind}, not numbers; convert it or drop the "
                                f"column (drop={name!r}).")

        def locate(row, col):
            return f"row index {row0 + row}, column {names[features[col]]!r}"

        X32 = _to_float32(path, X, locate)
        y = None
        if label_pos is not None:
            column = table.column(label_pos)
            null = first_null(column)
            if null is not None:
                raise DataError(f"{path}, column {names[label_pos]!r}, row index "
                                f"{row0 + null}: the label is missing (null); fill it in or "
                                "remove the row.")
            y = np.asarray(column.to_numpy(zero_copy_only=False))
            if y.dtype.kind == "O":
                y = y.astype(str)
        return X32, y

    extras = {}
    if mmap:
        X32, y = _parquet_to_memmap(path, parquet_file, index_columns, len(features), convert)
        extras["mmap_file"] = str(X32.filename)
    else:
        X32, y = convert(table.drop(index_columns) if index_columns else table, 0)
    if y is not None:
        y = _labels(path, y, X32.shape[0], f"label column {names[label_pos]!r}")
    return _dataset(path, X32, y=y, kind="table", extras={
        "columns": [names[j] for j in features],
        "label_column": None if label_pos is None else names[label_pos],
        **extras,
    })


def _parquet_to_memmap(path: Path, parquet_file, index_columns, n_features, convert):
    """Row groups of ``parquet_file`` converted one at a time into a temporary float32 ``.npy``,
    returned memory-mapped read-only with the labels (or None)."""
    handle, name = tempfile.mkstemp(prefix=f"{path.stem}-", suffix=".npy")
    os.close(handle)
    try:
        header = np.lib.format.open_memmap(name, mode="w+", dtype=np.float32,
                                           shape=(parquet_file.metadata.num_rows, n_features))
        offset = header.offset
        del header
        labels, row0 = [], 0
        # written by file writes, not through a map (whose dirty pages would stay resident)
        with open(name, "r+b") as fh:
            fh.seek(offset)
            for group in range(parquet_file.num_row_groups):
                table = parquet_file.read_row_group(group)
                if index_columns:
                    table = table.drop(index_columns)
                X_group, y_group = convert(table, row0)
                fh.write(X_group.tobytes())
                if y_group is not None:
                    labels.append(y_group)
                row0 += len(X_group)
        X = np.load(name, mmap_mode="r")
    except BaseException:
        os.remove(name)
        raise
    weakref.finalize(X, os.remove, name)  # the views of X keep it alive
    return X, (np.concatenate(labels) if labels else None)


# --------------------------------------------------------------------------------------------
# A folder of images
# --------------------------------------------------------------------------------------------

def _images_in(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir()
                   if p.is_file() and not p.name.startswith(".")
                   and p.suffix.lower() in IMAGE_SUFFIXES), key=_natural_key)


def _list_images(folder: Path) -> tuple[list[Path], list[str] | None, list[int] | None]:
    """Image files, class names and per-image class indices (None without class subfolders)."""
    top = _images_in(folder)
    subfolders = sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
                        key=_natural_key)
    classes = [(d, imgs) for d in subfolders if (imgs := _images_in(d))]
    if classes and top:
        raise DataError(
            f"{folder}: holds both images ({top[0].name}, ...) and class subfolders "
            f"({classes[0][0].name}/, ...); move the {len(top)} loose images into a subfolder, "
            "or load one subfolder."
        )
    if classes:
        files = [f for _, imgs in classes for f in imgs]
        index = [k for k, (_, imgs) in enumerate(classes) for _ in imgs]
        return files, [d.name for d, _ in classes], index
    if not top:
        raise DataError(
            f"{folder}: no images found (looked for {', '.join(IMAGE_SUFFIXES)} in the folder and "
            "in its subfolders); put the images there or pass a data file."
        )
    return top, None, None


def _read_image(path: Path, mode: str, size):
    """One image as a uint8 array (h, w) or (h, w, 3); DataError naming it if unreadable."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.load()
            image = image.convert(mode)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        # UnidentifiedImageError is an OSError; truncated files raise OSError on load().
        raise DataError(f"{path}: cannot be read as an image ({type(exc).__name__}: {exc}); "
                        "re-export it or remove it from the folder.") from exc
    if size is not None:
        image = image.resize((size[1], size[0]), Image.Resampling.BICUBIC)
    return np.asarray(image)


def read_image_folder(path, *, mode: str = "L", shape: tuple[int, int] | None = None) -> Dataset:
    """Read a folder of images (PNG, JPEG, BMP, GIF, TIFF, WebP) with Pillow.

    Images are read in natural name order (``img2`` before ``img10``). If the folder holds
    subfolders of images instead of images, each subfolder is a class: ``y`` is the index of
    its folder in sorted order and ``extras["class_names"]`` the folder names.

    Parameters
    ----------
    path : str or Path
        The folder.
    mode : {"L", "RGB"}, default="L"
        Read as grey (``"L"``) or colour (``"RGB"``); Pillow converts each image.
    shape : tuple of int (height, width) or None, default=None
        Resize every image to this size (bicubic). Without it all images must have the same
        size.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n_images, h * w) for ``"L"`` or (n_images, h * w * 3) for
        ``"RGB"``, pixel / 255; ``image_shape`` (h, w) or (h, w, 3); ``y`` int64 class index
        or None; ``extras["files"]``: the image paths relative to the folder, row by row.

    Raises
    ------
    DataError
        For an image that cannot be read (naming it), two images of different sizes without
        ``shape`` (naming both), or a folder without images.
    """
    path = Path(path)
    _check_exists(path)
    mode = str(mode).upper()
    if mode not in ("L", "RGB"):
        raise ParameterError(f"option mode={mode!r} must be 'L' (grey) or 'RGB' (colour).")
    if shape is not None:
        if (np.ndim(shape) != 1 or len(shape) != 2
                or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1
                       for s in shape)):
            raise ParameterError(f"option shape={shape!r} must be two positive integers "
                                 "(height, width).")
        shape = (int(shape[0]), int(shape[1]))
    files, class_names, class_index = _list_images(path)
    first = _read_image(files[0], mode, shape)
    X = np.empty((len(files), first.size), dtype=np.float32)
    X[0] = first.reshape(-1)
    for i, file in enumerate(files[1:], start=1):
        pixels = _read_image(file, mode, shape)
        if pixels.shape != first.shape:
            raise DataError(
                f"{path}: images differ in size: {files[0].relative_to(path)} is "
                f"{first.shape[0]}x{first.shape[1]} (height x width) but "
                f"{file.relative_to(path)} is {pixels.shape[0]}x{pixels.shape[1]}; pass "
                "shape=(h, w) to resize them all."
            )
        X[i] = pixels.reshape(-1)
    X /= np.float32(255.0)
    y = None if class_index is None else np.asarray(class_index, dtype=np.int64)
    extras = {"files": [f.relative_to(path).as_posix() for f in files], "mode": mode}
    if class_names is not None:
        extras["class_names"] = tuple(class_names)
    return _dataset(path, X, y=y, image_shape=tuple(int(s) for s in first.shape),
                    kind="image folder", extras=extras)


# --------------------------------------------------------------------------------------------
# Dispatch
# --------------------------------------------------------------------------------------------

_READERS = {
    ".npy": read_npy,
    ".npz": read_npz,
    ".csv": read_csv,
    ".tsv": read_csv,
    ".csv.gz": read_csv,
    ".tsv.gz": read_csv,
    ".parquet": read_parquet,
    ".pq": read_parquet,
}
TABLE_SUFFIXES = tuple(_READERS)


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for double in (".csv.gz", ".tsv.gz"):
        if name.endswith(double):
            return double
    return path.suffix.lower()


def reader_for(path):
    """The reader function for ``path``: by suffix for a file, :func:`read_image_folder` for a
    folder.

    Raises
    ------
    DataFileNotFoundError
        If ``path`` does not exist.
    DataError
        For a suffix no reader handles (a single image included: load its folder).
    """
    path = Path(path)
    _check_exists(path)
    if path.is_dir():
        return read_image_folder
    suffix = _suffix(path)
    if suffix in _READERS:
        return _READERS[suffix]
    if suffix in IMAGE_SUFFIXES:
        raise DataError(f"{path}: is a single image; put the images in a folder and load the "
                        f"folder ({path.parent}).")
    known = ", ".join(_READERS)
    raise DataError(f"{path}: cannot read {suffix or 'suffix-less'!r} files; convert it to one "
                    f"of {known}, or pass a folder of images.")


def read_file(path, **options) -> Dataset:
    """Read a data file or image folder, choosing the reader from the suffix.

    Parameters
    ----------
    path : str or Path
        ``.npy``, ``.npz``, ``.csv``/``.tsv`` (optionally ``.gz``), ``.parquet``/``.pq``, or a
        folder of images.
    **options
        The chosen reader's options (string values are converted to its types):
        ``.npy``: ``mmap``; ``.npz``: ``x_key``, ``y_key``; CSV: ``label``, ``header``,
        ``delimiter``, ``drop``; Parquet: ``label``, ``drop``, ``mmap``; folder: ``mode``,
        ``shape``. ``mmap=True`` memory-maps a ``.npy`` file, or reads a Parquet file by row
        groups into a memory-mapped temporary one (data larger than memory).

    Returns
    -------
    Dataset
        ``name`` is the file name; ``extras["source"]`` the path.
    """
    path = Path(path).expanduser()
    reader = reader_for(path)
    options = coerce_options(reader, options, what=f"reading {path}", skip=1)
    logger.info("reading %s with %s", path, reader.__name__)
    try:
        return reader(path, **options)
    except ParameterError as exc:  # say which file the option was for
        raise ParameterError(f"reading {path}: {exc}") from exc
