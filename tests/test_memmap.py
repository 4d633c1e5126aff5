"""Fits on an np.memmap read in row blocks (latentlearn._memmap): the same result as the fit of
the array in memory, memory that stays a fraction of the file, and a clear error when the file
changes during the fit."""

import os
import subprocess
import sys
import textwrap
import tracemalloc

import numpy as np
import pytest

import latentlearn._memmap as memmap_module
from latentlearn._memmap import MemmapRows, is_file_memmap
from latentlearn.cluster import KMeans, MiniBatchKMeans
from latentlearn.datasets import load
from latentlearn.decomposition import PCA
from latentlearn.exceptions import DataError, ParameterError


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of a few hundred rows, so that every fit below walks many of them."""
    monkeypatch.setattr(memmap_module, "BLOCK_BYTES", 7 * 1000)


def _saved(tmp_path, X, name="X.npy"):
    path = tmp_path / name
    np.save(path, X)
    return np.load(path, mmap_mode="r")


def _data(n=4000, d=12, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(5, d))
    X = centres[rng.integers(0, 5, size=n)] + rng.normal(size=(n, d)) @ rng.normal(size=(d, d))
    return (X + 10.0).astype(np.float32)


# -------------------------------------------------------------------------------- the reader
def test_reader_blocks_and_rows_equal_the_array(tmp_path, small_blocks):
    X = _data(1000, 7)
    M = _saved(tmp_path, X)
    view = M[37:901]  # a view of the map starts inside the file
    rows = MemmapRows(view)
    assert rows.block_rows == 250
    got = np.concatenate([block.copy() for _, block in rows.blocks()])
    np.testing.assert_array_equal(got, X[37:901])
    picks = np.array([5, 3, 3, 863, 4, 0, 100, 101, 102])  # repeats, any order
    np.testing.assert_array_equal(rows.take(picks), X[37:901][picks])


def test_reader_compiled_scattered_reads_equal_the_array(tmp_path, monkeypatch):
    """The compiled pread loop (used after many runs) reads the same rows as the Python one,
    and a file cut short under it still names the row it could not read."""
    monkeypatch.setattr(memmap_module, "COMPILED_AFTER_RUNS", 0)
    assert memmap_module._pread_runs_kernel() is not None
    X = _data(3000, 5)
    M = _saved(tmp_path, X)
    view = M[11:2990]
    rows = MemmapRows(view)
    picks = np.random.default_rng(1).integers(0, len(view), size=700)
    picks[:4] = [0, 1, 2, len(view) - 1]  # a run of three, and the last row
    np.testing.assert_array_equal(rows.take(picks), X[11:2990][picks])
    monkeypatch.setattr(memmap_module, "COMPILED_AFTER_RUNS", 10**12)
    np.testing.assert_array_equal(MemmapRows(view).take(picks), X[11:2990][picks])
    monkeypatch.setattr(memmap_module, "COMPILED_AFTER_RUNS", 0)
    size = os.path.getsize(M.filename)
    with open(M.filename, "r+b") as fh:
        fh.truncate(size - 40 * 5 * 4)  # the last 40 rows are gone
    with pytest.raises(DataError, match="row 2979; the file was truncated"):
        rows.take(np.array([3, 2979, 5]))


def test_is_file_memmap(tmp_path):
    X = np.zeros((3, 2), dtype=np.float32)
    assert not is_file_memmap(X)
    M = _saved(tmp_path, X)
    assert is_file_memmap(M) and is_file_memmap(M[1:])
    assert not is_file_memmap(M.T)  # not C-contiguous: read into memory as before
    assert not is_file_memmap(np.load(tmp_path / "X.npy", mmap_mode="c"))


def test_reader_reports_nan_with_its_row(tmp_path, small_blocks):
    X = _data(1000, 7)
    X[612, 3] = np.nan
    with pytest.raises(ValueError, match="row 612"):
        PCA(2, svd_solver="covariance_eigh").fit(_saved(tmp_path, X))


# ----------------------------------------------------------------- equal to the in-memory fit
@pytest.mark.parametrize("solver", ["covariance_eigh", "auto"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pca_memmap_equals_in_memory_fit(tmp_path, small_blocks, solver, dtype):
    X = _data().astype(dtype)
    ref = PCA(5, svd_solver=solver).fit(X)
    got = PCA(5, svd_solver=solver).fit(_saved(tmp_path, X))
    assert got.svd_solver_ == ref.svd_solver_ == "covariance_eigh"
    # the same sums in the same order: agreement to float32 output rounding
    np.testing.assert_allclose(got.components_, ref.components_, atol=1e-6)
    np.testing.assert_allclose(got.explained_variance_, ref.explained_variance_, rtol=1e-6)
    # the in-memory mean sums float32 blocks (error ~ block * eps); the map's sums in float64
    np.testing.assert_allclose(got.mean_, ref.mean_, rtol=1e-5)
    assert got.n_features_in_ == X.shape[1]


def test_row_methods_on_a_memmap_read_blocks_and_equal_the_array(tmp_path, small_blocks):
    """transform / score_samples / predict of a memory-mapped X go block by block: the same
    values, and traced memory the output plus a block (a centred float64 copy of the file
    before: 6 times the file for score_samples)."""
    X = _data(4000, 50)
    M = _saved(tmp_path, X)
    size = X.nbytes
    pca = PCA(3, svd_solver="covariance_eigh").fit(X)
    km = KMeans(4, n_init=1, random_state=0).fit(X)
    mbk = MiniBatchKMeans(4, random_state=0).fit(X)
    for name, method in [("PCA.transform", pca.transform), ("PCA.score_samples",
                         pca.score_samples), ("KMeans.predict", km.predict),
                         ("KMeans.transform", km.transform), ("MiniBatchKMeans.predict",
                                                              mbk.predict)]:
        want = method(X)
        tracemalloc.start()
        got = method(M)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        if got.dtype.kind == "f":  # float32 products of a block round as BLAS blocks them
            err = np.max(np.abs(got - want) / np.maximum(np.abs(want), 1.0))
            assert err < 5e-6, (name, err)   # measured 2.7e-6 (PCA.transform)
        else:
            np.testing.assert_array_equal(got, want, err_msg=name)
        assert peak < 0.15 * size, (name, peak, size)
    assert pca.score(M) == pytest.approx(pca.score(X), rel=1e-9)
    with pytest.raises(ValueError, match="expecting 50 features"):
        pca.transform(_saved(tmp_path, X[:, :7], "narrow.npy"))


def test_pca_memmap_other_solvers_read_into_memory(tmp_path, small_blocks):
    X = _data(400, 12)
    ref = PCA(3, svd_solver="full").fit(X)
    got = PCA(3, svd_solver="full").fit(_saved(tmp_path, X))
    np.testing.assert_allclose(got.components_, ref.components_, atol=1e-5)


@pytest.mark.parametrize("weighted", [False, True])
def test_kmeans_memmap_equals_in_memory_fit_from_the_same_centres(tmp_path, small_blocks,
                                                                     weighted):
    X = _data()
    init = X[[0, 1, 2, 3, 4, 5, 6]].copy()
    w = np.random.default_rng(3).uniform(0, 2, size=len(X)) if weighted else None
    ref = KMeans(7, init=init, n_init=1).fit(X, sample_weight=w)
    got = KMeans(7, init=init, n_init=1).fit(_saved(tmp_path, X), sample_weight=w)
    assert got.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(got.inertia_, ref.inertia_, rtol=1e-9)
    np.testing.assert_array_equal(got.labels_, ref.labels_)
    np.testing.assert_allclose(got.cluster_centers_, ref.cluster_centers_, rtol=1e-6)


@pytest.mark.parametrize("init", ["k-means++", "random"])
def test_kmeans_memmap_seeds_as_in_memory_when_all_rows_fit(tmp_path, small_blocks, init):
    X = _data()
    ref = KMeans(6, init=init, n_init=2, random_state=1).fit(X)
    got = KMeans(6, init=init, n_init=2, random_state=1).fit(_saved(tmp_path, X))
    np.testing.assert_allclose(got.inertia_, ref.inertia_, rtol=1e-9)
    np.testing.assert_array_equal(got.labels_, ref.labels_)


def test_kmeans_memmap_relocates_empty_clusters_as_in_memory(tmp_path, small_blocks):
    X = _data(2000, 6)
    init = np.vstack([X[:3], np.full((2, 6), 1e3, dtype=np.float32)])  # two never nearest
    ref = KMeans(5, init=init, n_init=1).fit(X)
    got = KMeans(5, init=init, n_init=1).fit(_saved(tmp_path, X))
    np.testing.assert_allclose(got.inertia_, ref.inertia_, rtol=1e-9)
    np.testing.assert_array_equal(got.labels_, ref.labels_)


def test_kmeans_memmap_seeding_sample_when_rows_exceed_it(tmp_path, small_blocks, monkeypatch):
    X = _data()
    monkeypatch.setattr(KMeans, "_memmap_seeding_rows", 500)
    got = KMeans(5, random_state=0, n_init=2).fit(_saved(tmp_path, X))
    # the Lloyd passes still run on every row: inertia_ is that of all of X
    np.testing.assert_allclose(got.inertia_, -got.score(X), rtol=1e-6)
    ref = KMeans(5, random_state=0, n_init=2).fit(X)
    assert got.inertia_ < 1.01 * ref.inertia_


@pytest.mark.parametrize("params", [dict(), dict(init="random", n_init=3),
                                    dict(tol=1e-3, batch_size=256)])
def test_minibatch_kmeans_memmap_equals_in_memory_fit(tmp_path, small_blocks, params):
    X = _data()
    ref = MiniBatchKMeans(6, random_state=0, **params).fit(X)
    got = MiniBatchKMeans(6, random_state=0, **params).fit(_saved(tmp_path, X))
    assert got.n_steps_ == ref.n_steps_
    np.testing.assert_allclose(got.inertia_, ref.inertia_, rtol=1e-9)
    np.testing.assert_array_equal(got.labels_, ref.labels_)
    np.testing.assert_array_equal(got.cluster_centers_, ref.cluster_centers_)


# ------------------------------------------------------------------ a file that changes
def test_kmeans_on_a_file_written_during_the_fit_raises(tmp_path, small_blocks):
    X = _data(2000, 6)
    path = tmp_path / "X.npy"
    np.save(path, X)
    writer = np.load(path, mmap_mode="r+")

    def callback(stage, info):
        if stage == "iteration" and info["iteration"] == 2:
            writer[0, 0] += 1.0  # another writer changes the first row mid-fit
            writer.flush()

    with pytest.raises(DataError, match="changed during the fit"):
        KMeans(4, init=X[:4].copy(), n_init=1, callback=callback).fit(writer)


def test_guard_sees_a_change_of_the_last_rows(tmp_path, small_blocks):
    X = _data(2000, 6)
    M = _saved(tmp_path, X)
    rows = MemmapRows(M)
    rows.check_unchanged("PCA")  # nothing changed yet
    writer = np.load(tmp_path / "X.npy", mmap_mode="r+")
    writer[-1, -1] = 0.5
    writer.flush()
    with pytest.raises(DataError, match="PCA: the memory-mapped X"):
        rows.check_unchanged("PCA")


# ------------------------------------------------------------------------ memory
def test_fits_copy_no_more_than_a_fraction_of_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(memmap_module, "BLOCK_BYTES", 1 << 16)
    n, d = 20_000, 64  # 5 MB of float32
    X = np.random.default_rng(0).normal(size=(n, d)).astype(np.float32)
    M = _saved(tmp_path, X)
    size = X.nbytes
    del X
    for fit in (lambda: PCA(4, svd_solver="covariance_eigh").fit(M),
                lambda: KMeans(4, init=np.asarray(M[:4]).copy(), n_init=1, max_iter=5).fit(M),
                lambda: MiniBatchKMeans(4, batch_size=256, random_state=0, max_iter=1).fit(M)):
        tracemalloc.start()
        fit()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < 0.25 * size, (peak, size)


RSS_SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    from latentlearn.cluster import KMeans, MiniBatchKMeans
    from latentlearn.decomposition import PCA
    import latentlearn._memmap

    latentlearn._memmap.BLOCK_BYTES = 4 << 20

    def status(key):
        for line in open("/proc/self/status"):
            if line.startswith(key):
                return int(line.split()[1]) * 1024

    M = np.load(sys.argv[1], mmap_mode="r")
    init = np.array(M[:8])
    fits = {"PCA": lambda: PCA(8, svd_solver="covariance_eigh").fit(M),
            "KMeans": lambda: KMeans(8, init=init, n_init=1, max_iter=2).fit(M),
            "MiniBatchKMeans": lambda: MiniBatchKMeans(8, random_state=0, max_iter=1).fit(M)}
    small = np.random.default_rng(0).normal(size=(2000, M.shape[1])).astype(np.float32)
    np.save(sys.argv[2], small)
    warm = np.load(sys.argv[2], mmap_mode="r")
    for model in (PCA(8, svd_solver="covariance_eigh"), KMeans(8, init=init, n_init=1),
                  MiniBatchKMeans(8, random_state=0)):
        model.fit(warm)  # the lazy imports and first-call allocations before measuring
    out = {}
    for name, fit in fits.items():
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # reset the peak resident size to the current one
        base = status("VmRSS:")
        fit()
        out[name] = status("VmHWM:") - base
    print(json.dumps(out))
""")


@pytest.mark.slow
def test_peak_rss_of_fits_on_a_200_mb_file_stays_under_a_quarter(tmp_path):
    n, d = 800_000, 64  # 205 MB of float32
    path = tmp_path / "big.npy"
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, d))
    rng = np.random.default_rng(0)
    for start in range(0, n, 100_000):
        out[start:start + 100_000] = rng.normal(size=(100_000, d))
    del out
    size = os.path.getsize(path)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-c", RSS_SCRIPT, str(path),
                             str(tmp_path / "warm.npy")], env=env,
                            capture_output=True, text=True, check=True)
    peaks = __import__("json").loads(result.stdout)
    print(peaks, size)
    for name, peak in peaks.items():
        assert peak < 0.25 * size, (name, peak, size)


# ------------------------------------------------------------------- load(path, mmap=True)
def test_load_mmap_npy_is_the_memmap(tmp_path):
    X = _data(300, 5)
    np.save(tmp_path / "X.npy", X)
    ds = load(tmp_path / "X.npy", mmap=True)
    assert isinstance(ds.X, np.memmap) and ds.X.mode == "r"
    np.testing.assert_array_equal(ds.X, X)
    assert is_file_memmap(ds.X)


def test_load_mmap_refuses_images_and_ints(tmp_path):
    np.save(tmp_path / "img.npy", np.zeros((3, 4, 4)))
    with pytest.raises(DataError, match="2-D C-ordered float32 or float64"):
        load(tmp_path / "img.npy", mmap=True)
    np.save(tmp_path / "int.npy", np.zeros((3, 4), dtype=np.int64))
    with pytest.raises(DataError, match="mmap=False"):
        load(tmp_path / "int.npy", mmap=True)


def test_load_mmap_of_another_format_names_the_ones_that_map(tmp_path):
    np.savez(tmp_path / "X.npz", X=np.zeros((3, 2)))
    np.savetxt(tmp_path / "X.csv", np.zeros((3, 2)), delimiter=",")
    for name in ("X.npz", "X.csv"):
        with pytest.raises(ParameterError, match=r"memory-maps \.npy files.*np\.save"):
            load(tmp_path / name, mmap=True)


def test_load_mmap_parquet_by_row_groups(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    X = _data(1000, 3)
    table = pa.table({"a": X[:, 0], "b": X[:, 1].astype(np.float64), "c": X[:, 2],
                      "label": np.arange(1000) % 3})
    pq.write_table(table, tmp_path / "t.parquet", row_group_size=128)
    ref = load(tmp_path / "t.parquet", label="label")
    ds = load(tmp_path / "t.parquet", label="label", mmap=True)
    assert isinstance(ds.X, np.memmap)
    np.testing.assert_array_equal(ds.X, ref.X)
    np.testing.assert_array_equal(ds.y, ref.y)
    assert ds.extras["columns"] == ref.extras["columns"]
    np.testing.assert_allclose(PCA(2).fit(ds.X).components_, PCA(2).fit(ref.X).components_,
                               atol=1e-6)


def test_load_mmap_parquet_names_the_row_of_a_bad_cell(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    a = np.arange(500, dtype=np.float64)
    a[300] = np.nan
    pq.write_table(pa.table({"a": a, "b": a}), tmp_path / "t.parquet", row_group_size=128)
    with pytest.raises(DataError, match="row index 300"):
        load(tmp_path / "t.parquet", mmap=True)


def test_a_runs_reconstruction_error_goes_block_by_block(tmp_path, small_blocks):
    from latentlearn import metrics, runs

    X = _data(3000, 40).astype(np.float64)
    M = _saved(tmp_path, X)
    pca = PCA(4, svd_solver="covariance_eigh").fit(X)
    Z = pca.transform(X)
    want = metrics.reconstruction_error(X, pca.inverse_transform(Z))
    for data in (X, M):
        tracemalloc.start()
        got = runs._blocked_reconstruction_error(pca, data, Z)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert got == pytest.approx(want, rel=1e-12)
        if data is M:   # whole-array float64 copies: several times the file
            assert peak < 0.1 * X.nbytes, peak
