"""Atomic file writing: a crash never leaves a half-written file that looks whole.

Each writer writes to a temporary file in the same folder, flushes it to disk, then renames it
over the target with ``os.replace`` (atomic on POSIX and Windows when both are on one file
system). A reader therefore sees the old file or the new one, never a torn one.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

__all__ = [
    "atomic_path",
    "write_bytes",
    "write_text",
    "write_json",
    "save_npy",
    "save_figure",
    "append_jsonl",
    "to_jsonable",
]


def _umask() -> int:
    """The process umask (read by setting it and putting it back: there is no getter)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path, suffix=""):
    """Yield a temporary path next to ``path``; on success rename it to ``path``.

    On an exception the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix + ".tmp", dir=path.parent)
    # mkstemp creates the file 0600; give it the mode open() would (0666 less the umask), so a
    # run folder can be shared like any other file the user writes.
    if hasattr(os, "fchmod"):
        os.fchmod(fd, 0o666 & ~_umask())
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_bytes(path, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def to_jsonable(obj):
    """``obj`` with numpy scalars/arrays and paths turned into plain JSON values."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, float) and not np.isfinite(obj):
        return None if np.isnan(obj) else ("inf" if obj > 0 else "-inf")
    return obj


def write_json(path, obj) -> Path:
    """Write ``obj`` as indented JSON; numpy scalars and arrays become plain numbers and lists."""
    return write_text(path, json.dumps(to_jsonable(obj), indent=2, sort_keys=False) + "\n")


def save_npy(path, array) -> Path:
    buf = io.BytesIO()
    np.save(buf, np.asarray(array), allow_pickle=False)
    return write_bytes(path, buf.getvalue())


def save_figure(fig, path, *, dpi=110) -> Path:
    """Save a matplotlib figure as PNG atomically, then close it."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return write_bytes(path, buf.getvalue())


def append_jsonl(path, record: dict) -> None:
    """Append one JSON line; a line is written whole with one ``write`` call."""
    line = json.dumps(to_jsonable(record)) + "\n"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line)
        fh.flush()
