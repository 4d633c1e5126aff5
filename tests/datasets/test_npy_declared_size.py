"""A .npy header that declares more data than the file holds is a DataError, not a MemoryError.

Found by a held-out probe: a 192-byte file whose header declares shape (1e11, 1e6) made
``np.load`` try to allocate 800 PB.
"""

import numpy as np
import pytest
from typer.testing import CliRunner

from latentlearn.cli import app
from latentlearn.datasets import read_file
from latentlearn.datasets.files import read_npy, read_npz
from latentlearn.exceptions import DataError

HUGE = (100_000_000_000, 1_000_000)


def _crafted(path, shape, *, dtype="<f8", n_data_bytes=64, version=(1, 0)):
    """A header declaring ``shape`` followed by only ``n_data_bytes`` bytes of data."""
    header = {"descr": dtype, "fortran_order": False, "shape": shape}
    with open(path, "wb") as fh:
        if version == (1, 0):
            np.lib.format.write_array_header_1_0(fh, header)
        else:
            np.lib.format.write_array_header_2_0(fh, header)
        fh.write(b"\0" * n_data_bytes)
    return path


def test_the_probe_file_is_192_bytes(tmp_path):
    assert _crafted(tmp_path / "huge.npy", HUGE).stat().st_size == 192


@pytest.mark.parametrize("version", [(1, 0), (2, 0)])
def test_read_npy_names_declared_and_actual_size(tmp_path, version):
    path = _crafted(tmp_path / "huge.npy", HUGE, version=version)
    size = path.stat().st_size
    with pytest.raises(DataError) as info:
        read_npy(path)
    message = str(info.value)
    declared = np.prod(HUGE, dtype=object) * 8
    assert f"{declared:,} bytes" in message
    assert f"only {size:,} bytes" in message
    assert "(100000000000, 1000000)" in message and "float64" in message
    with pytest.raises(DataError, match="header declares"):
        read_file(path)


def test_one_byte_short_is_caught_and_exact_size_reads(tmp_path):
    # The boundary: 3 x 4 float32 is 48 bytes of data.
    short = _crafted(tmp_path / "short.npy", (3, 4), dtype="<f4", n_data_bytes=47)
    with pytest.raises(DataError, match="48 bytes of data"):
        read_npy(short)
    exact = _crafted(tmp_path / "exact.npy", (3, 4), dtype="<f4", n_data_bytes=48)
    assert read_npy(exact).X.shape == (3, 4)


def test_npy_renamed_npz_is_checked_too(tmp_path):
    path = _crafted(tmp_path / "huge.npz", HUGE)
    with pytest.raises(DataError, match="header declares"):
        read_npz(path)


def test_cli_fit_gives_one_line_not_a_memory_error(tmp_path):
    path = _crafted(tmp_path / "huge.npy", HUGE)
    result = CliRunner().invoke(app, ["fit", "pca", "--data", str(path),
                                      "--out", str(tmp_path / "run")])
    assert result.exit_code == 1, result.output
    assert "MemoryError" not in result.output and "Traceback" not in result.output
    text = " ".join(result.output.split())
    assert "header declares" in text and "only 192 bytes" in text
    assert not (tmp_path / "run").exists()
