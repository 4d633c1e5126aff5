"""Atomic writes: files get the mode a plain open() would give them, not mkstemp's 0600."""

import os
import stat

import numpy as np
import pytest

from latentlearn import fileio


@pytest.mark.skipif(not hasattr(os, "fchmod"), reason="POSIX file modes")
@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_atomic_files_follow_the_umask(tmp_path, mask):
    old = os.umask(mask)
    try:
        plain = tmp_path / "plain.txt"
        plain.write_text("x")
        written = [fileio.write_text(tmp_path / "a.txt", "x"),
                   fileio.write_json(tmp_path / "b.json", {"a": 1}),
                   fileio.save_npy(tmp_path / "c.npy", np.zeros(3)),
                   fileio.write_bytes(tmp_path / "d.bin", b"x")]
    finally:
        os.umask(old)
    expected = stat.S_IMODE(plain.stat().st_mode)
    assert expected == 0o666 & ~mask
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == expected, path
    assert os.umask(old) == old  # the umask is put back
