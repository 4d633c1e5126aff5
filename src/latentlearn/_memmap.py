"""Data larger than memory: an ``np.memmap`` read in row blocks by explicit file reads.

The classical fits that need only sums over rows (PCA's covariance solver, Lloyd's k-means,
mini-batch k-means) take a memory-mapped ``X`` and walk it with :class:`MemmapRows` instead of
touching it through the map. Why not slice the map: the kernel counts every page a process has
touched through a mapping in its resident set, so a fit that reads a 2 GB map whole ends with
2 GB resident even though it copied nothing. Here each block is read with ``readinto`` from the
file at the map's byte offset into one reused buffer (``block_rows x n_features``), so the
pages stay in the kernel's page cache, shared and reclaimable, and the fit's peak memory above
its baseline is a few blocks (the buffer, a centred copy: :data:`BLOCK_BYTES` each) plus the
estimator's own ``(n_samples,)`` bookkeeping: k-means keeps labels and weights (16 bytes a row),
mini-batch k-means also the canonical order and cumulative weights (about 40 bytes a row), so
for rows of 64 float32 features the peak stays under a quarter of the file, and for only a
few features it does not. The values are those of the map, bit for bit (the same bytes, read
in the map's dtype).

Scattered rows (mini-batches, seeding samples) are read with one ``pread`` per run of
consecutive rows, for the same reason: gathered through the map, every page fault maps a whole
folio of the page cache (up to 2 MB on recent kernels) into the resident set. Once a reader has
read :data:`COMPILED_AFTER_RUNS` runs, the loop over them runs compiled (numba calling the C
library's ``pread``: about 0.7 µs a row against 2.2 µs for ``os.preadv`` in a Python loop);
the bytes read are the same.

A memmap opened for writing (``mode="r+"``) might change under a fit. :class:`MemmapRows`
records the file's size and modification time and a CRC-32 of the first and last block when it
is made; :meth:`MemmapRows.check_unchanged` compares them at the end of the fit (a ``stat`` and
two block reads: cheap) and raises :class:`~latentlearn.exceptions.DataError` when they differ.
Writes to the middle of the file between two modification-time ticks can escape it.
"""

from __future__ import annotations

import mmap
import os
import zlib

import numpy as np

from .exceptions import DataError

__all__ = ["is_file_memmap", "MemmapRows", "BLOCK_BYTES", "validate_memmap", "map_row_blocks"]

#: Bytes of one block read from the file (each block is one reused buffer of this size).
BLOCK_BYTES = 8 << 20

#: Runs of scattered rows a reader reads in Python before it switches to the compiled loop (the
#: first compiled call of a process costs about 0.4 s: worth it only for many mini-batches).
COMPILED_AFTER_RUNS = 100_000

_compiled_runs = None  # the numba kernel, made on first use; False where it cannot be made


def _pread_runs_kernel():
    """A numba function reading runs of rows with the C library's ``pread``, or None."""
    global _compiled_runs
    if _compiled_runs is None:
        _compiled_runs = False
        if os.name == "posix":
            try:
                _compiled_runs = _make_pread_runs()
            except Exception:  # no numba, or no pread symbol: the Python loop does it
                _compiled_runs = False
    return _compiled_runs or None


def _make_pread_runs():
    import numba
    from numba import types

    pread = types.ExternalFunction(
        "pread", types.intp(types.int32, types.voidptr, types.uintp, types.int64))

    @numba.njit(nogil=True, cache=True)
    def pread_runs(fd, out, row_bytes, position, starts, stops, rows):
        """Read rows ``rows[i]...`` into bytes ``starts[i]*row_bytes...stops[i]*row_bytes`` of
        ``out``; -1, or the first run whose read came back short."""
        for i in range(starts.size):
            want = (stops[i] - starts[i]) * row_bytes
            got = pread(fd, out[starts[i] * row_bytes:].ctypes, want,
                        position + rows[i] * row_bytes)
            if got != want:
                return i
        return -1

    probe = np.zeros(1, dtype=np.intp)   # compile now, so a failure falls back here
    pread_runs(-1, np.empty(1, dtype=np.uint8), 1, 0, probe, probe, probe)
    return pread_runs


def _root_memmap(X):
    """The ``np.memmap`` that ``X`` views (``X`` itself, or a base of an ndarray view)."""
    while X is not None and not isinstance(X, np.memmap):
        X = getattr(X, "base", None)
    return X


def is_file_memmap(X) -> bool:
    """True for a C-contiguous 2-D native float32/float64 array mapped from a file by
    ``np.memmap``.

    Mode ``"r"``, ``"r+"`` or ``"w+"``; a copy-on-write ``"c"`` map may hold changes the file
    lacks, so it is read through the map like any array.
    """
    if (not isinstance(X, np.ndarray) or X.ndim != 2 or not X.flags.c_contiguous
            or X.dtype not in (np.float32, np.float64) or not X.dtype.isnative):
        return False  # other maps are validated (converted) in memory, as any array
    root = _root_memmap(X)
    return (root is not None and getattr(root, "_mmap", None) is not None
            and getattr(root, "filename", None) is not None
            and getattr(root, "mode", None) in ("r", "r+", "w+"))


def _file_position(X, root) -> int:
    """Byte offset in the file of ``X``'s first element."""
    mapping = root._mmap
    start = root.offset - root.offset % mmap.ALLOCATIONGRANULARITY  # where the map begins
    base_address = np.frombuffer(mapping, dtype=np.uint8).ctypes.data
    return start + (X.ctypes.data - base_address)


def validate_memmap(estimator, X, *, reset=True, min_samples=1):
    """The checks of ``_validate_X`` that need no pass over the data (finiteness is checked
    block by block as :class:`MemmapRows` reads them); sets ``n_features_in_`` when ``reset``."""
    who = type(estimator).__name__
    if X.dtype not in (np.float32, np.float64) or not X.dtype.isnative:
        raise DataError(
            f"{who}: a memory-mapped X must hold native float32 or float64 values to be read in "
            f"blocks, not {X.dtype}; convert the file once (np.save(path, X.astype('float32'))).")
    n_samples, n_features = X.shape
    if n_samples < min_samples:
        raise ValueError(f"{who} needs at least {min_samples} samples, got n_samples = "
                         f"{n_samples}; pass more rows of X.")
    if n_features < 1:
        raise ValueError(f"{who}: X has 0 features; a minimum of 1 is required.")
    if reset:
        estimator.n_features_in_ = n_features
        estimator.__dict__.pop("feature_names_in_", None)
    elif n_features != estimator.n_features_in_:
        raise ValueError(f"X has {n_features} features, but {who} is expecting "
                         f"{estimator.n_features_in_} features as input.")


class MemmapRows:
    """Row blocks (and gathered rows) of a memory-mapped ``X``, read from its file.

    Parameters
    ----------
    X : np.memmap of shape (n_samples, n_features), or a C-contiguous view of one
        See :func:`is_file_memmap`.
    block_rows : int or None, default=None
        Rows per block; None: as many as fit in :data:`BLOCK_BYTES`.
    """

    def __init__(self, X, block_rows=None):
        root = _root_memmap(X)
        self.path = os.fspath(root.filename)
        self.position = _file_position(X, root)
        self.n_samples, self.n_features = X.shape
        self.dtype = X.dtype
        self.row_bytes = self.n_features * self.dtype.itemsize
        if block_rows is None:
            block_rows = BLOCK_BYTES // max(self.row_bytes, 1)
        self.block_rows = int(max(1, min(block_rows, self.n_samples)))
        self._buffer = None
        self._runs_read = 0
        self._fingerprint = self._take_fingerprint()

    # -- reading ----------------------------------------------------------------------------
    def _read_into(self, fh, out, start):
        view = memoryview(out.reshape(-1)).cast("B")
        fh.seek(self.position + start * self.row_bytes)
        done = 0
        while done < len(view):
            got = fh.readinto(view[done:])
            if not got:
                raise DataError(f"{self.path}: ended while reading row {start}; the file was "
                                "truncated during the fit.")
            done += got

    def _check_finite(self, block, start):
        if not np.isfinite(block).all():
            row = int(np.argwhere(~np.isfinite(block))[0][0]) + start
            raise ValueError(f"Input X contains NaN or infinity (memory map {self.path}, row "
                             f"{row}); remove or impute those values.")

    def blocks(self):
        """Yield ``(rows, block)``: a slice of row indices and the block, a view of one reused
        buffer (copy it to keep it past the next step), checked finite."""
        if self._buffer is None:
            self._buffer = np.empty((self.block_rows, self.n_features), dtype=self.dtype)
        with open(self.path, "rb", buffering=0) as fh:
            for start in range(0, self.n_samples, self.block_rows):
                stop = min(start + self.block_rows, self.n_samples)
                block = self._buffer[: stop - start]
                self._read_into(fh, block, start)
                self._check_finite(block, start)
                yield slice(start, stop), block

    def take(self, rows):
        """Rows ``rows`` (int array, any order, repeats allowed) as a new array.

        Scattered rows (a mini-batch, a seeding sample) are read one ``pread`` per run of
        consecutive rows, straight into the result: through the map, each page fault would
        map a whole large folio of the page cache (up to 2 MB) into the resident set.
        """
        rows = np.asarray(rows, dtype=np.intp)
        unique, inverse = np.unique(rows, return_inverse=True)
        values = np.empty((unique.size, self.n_features), dtype=self.dtype)
        if unique.size:
            rb = self.row_bytes
            starts = np.flatnonzero(np.diff(unique, prepend=-2) != 1)  # runs of rows
            stops = np.append(starts[1:], unique.size)
            first = unique[starts]
            self._runs_read += starts.size
            kernel = (_pread_runs_kernel() if self._runs_read > COMPILED_AFTER_RUNS
                      else None)
            fd = os.open(self.path, os.O_RDONLY)
            try:
                done = 0
                if kernel is not None:
                    short = kernel(fd, values.reshape(-1).view(np.uint8), rb, self.position,
                                   starts, stops, first)
                    done = starts.size if short < 0 else int(short)
                # The Python loop: small reads, no numba, or the run that came back short
                # (read again here, to finish it or to name the truncation).
                flat = memoryview(values.reshape(-1)).cast("B")
                for a, b, row in zip(starts[done:].tolist(), stops[done:].tolist(),
                                     first[done:].tolist()):
                    got = os.preadv(fd, [flat[a * rb: b * rb]], self.position + row * rb)
                    if got != (b - a) * rb:
                        raise DataError(f"{self.path}: ended while reading row {row}; the "
                                        "file was truncated during the fit.")
            finally:
                os.close(fd)
        self._check_finite(values, 0)
        return values[inverse.reshape(-1)]

    # -- the file must not change during a fit ----------------------------------------------
    def _edge_checksums(self):
        n_edge = min(self.block_rows, self.n_samples)
        sums = []
        with open(self.path, "rb", buffering=0) as fh:
            for start in (0, self.n_samples - n_edge):
                part = np.empty((n_edge, self.n_features), dtype=self.dtype)
                self._read_into(fh, part, start)
                sums.append(zlib.crc32(part.data))
        return tuple(sums)

    def _take_fingerprint(self):
        stat = os.stat(self.path)
        return stat.st_size, stat.st_mtime_ns, self._edge_checksums()

    def check_unchanged(self, who):
        """Raise :class:`DataError` if the file changed since this reader was made."""
        if self._take_fingerprint() != self._fingerprint:
            raise DataError(
                f"{who}: the memory-mapped X ({self.path}) changed during the fit (its size, "
                "modification time or first/last rows differ from when the fit started), so "
                "the result would mix old and new rows; do not write to the file while fitting "
                "(open it with mode='r'), then fit again.")


def map_row_blocks(X, func, who):
    """``func`` of each row block of the memory-mapped ``X``, stacked in row order.

    For a fitted estimator's row-wise methods (``transform``, ``predict``, ``score_samples``):
    each block is read from the file into the reused buffer and handed to ``func`` as an
    ordinary array, so the memory is the output plus a block's temporaries, not a centred copy
    of the whole file. A file that changes meanwhile raises as in a fit.

    Returns
    -------
    out : ndarray of shape (n_samples,) or (n_samples, n_out)
    """
    rows = MemmapRows(X)
    out = None
    for part, block in rows.blocks():
        values = np.asarray(func(block))
        if out is None:
            out = np.empty((rows.n_samples, *values.shape[1:]), dtype=values.dtype)
        out[part] = values
    rows.check_unchanged(who)
    return out
