"""File readers: a round trip per format, and one test per kind of bad input.

Every error must name the file and the place in it, and say what to do.
"""

import gzip

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from latentlearn.datasets import load, read_file
from latentlearn.exceptions import DataError, DataFileNotFoundError, ParameterError


# ------------------------------------------------------------------------------ round trips

def test_npy_table_round_trip(tmp_path):
    X = np.random.default_rng(0).normal(size=(20, 5))
    np.save(tmp_path / "x.npy", X)
    ds = load(tmp_path / "x.npy")
    assert ds.X.dtype == np.float32 and ds.image_shape is None
    np.testing.assert_allclose(ds.X, X, rtol=1e-6)
    assert ds.name == "x.npy" and ds.extras["source"] == str(tmp_path / "x.npy")


def test_npy_one_column(tmp_path):
    np.save(tmp_path / "v.npy", np.arange(6))
    assert load(str(tmp_path / "v.npy")).X.shape == (6, 1)


def test_npy_grey_images_are_flattened_and_scaled(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    np.save(tmp_path / "im.npy", images)
    ds = load(tmp_path / "im.npy")
    assert ds.image_shape == (5, 4) and ds.X.shape == (7, 20)
    np.testing.assert_allclose(ds.images(), images / 255.0, rtol=1e-6)


@pytest.mark.parametrize("layout", ["last", "first"])
def test_npy_colour_images(tmp_path, layout):
    images = np.random.default_rng(1).random((3, 6, 5, 3)).astype(np.float32)  # in [0, 1]
    saved = images if layout == "last" else np.moveaxis(images, -1, 1)
    np.save(tmp_path / "rgb.npy", saved)
    ds = load(tmp_path / "rgb.npy")
    assert ds.image_shape == (6, 5, 3)
    np.testing.assert_allclose(ds.images(), images, rtol=1e-6)


def test_npz_round_trip_with_labels_and_factors(tmp_path):
    X = np.random.default_rng(0).random((10, 3))
    y = np.array(list("ababababab"))
    factors = np.arange(20.0).reshape(10, 2)
    np.savez(tmp_path / "d.npz", X=X, y=y, factors=factors, factor_names=np.array(["u", "v"]))
    ds = load(tmp_path / "d.npz")
    np.testing.assert_allclose(ds.X, X, rtol=1e-6)
    np.testing.assert_array_equal(ds.y, y)
    np.testing.assert_array_equal(ds.factors, factors)
    assert ds.factor_names == ("u", "v")


def test_npz_other_key_names(tmp_path):
    np.savez(tmp_path / "d.npz", data=np.ones((4, 2)), labels=np.arange(4))
    ds = load(tmp_path / "d.npz", x_key="data", y_key="labels")
    assert ds.X.shape == (4, 2)
    np.testing.assert_array_equal(ds.y, np.arange(4))


def test_csv_with_header_and_text_labels(tmp_path):
    path = tmp_path / "iris.csv"
    path.write_text("a,b,species\n1.5,2,setosa\n3,4e1,virginica\n")
    ds = load(path, label="species")
    np.testing.assert_allclose(ds.X, [[1.5, 2], [3, 40]])
    np.testing.assert_array_equal(ds.y, ["setosa", "virginica"])
    assert ds.extras["columns"] == ["a", "b"]


def test_csv_without_header_integer_label_and_drop(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("7,1.0,2.0,0\n8,3.0,4.0,1\n\n9,5.0,6.0,1\n")
    ds = load(path, label=-1, drop=(0,))
    np.testing.assert_allclose(ds.X, [[1, 2], [3, 4], [5, 6]])
    assert ds.y.dtype == np.int64
    np.testing.assert_array_equal(ds.y, [0, 1, 1])
    assert ds.extras["columns"] == ["1", "2"]


def test_csv_header_forced_and_drop_by_name(tmp_path):
    path = tmp_path / "numbers_as_names.csv"
    path.write_text("1,2,id\n0.5,0.25,a\n")
    ds = load(path, header="true", drop="id")
    np.testing.assert_allclose(ds.X, [[0.5, 0.25]])
    assert ds.extras["columns"] == ["1", "2"]


@pytest.mark.parametrize("name, delimiter", [("t.tsv", "\t"), ("t.csv", ";")])
def test_csv_delimiters(tmp_path, name, delimiter):
    path = tmp_path / name
    path.write_text(delimiter.join(["x", "y"]) + "\n" + delimiter.join(["1", "2"]) + "\n")
    np.testing.assert_allclose(load(path).X, [[1, 2]])


def test_csv_gz(tmp_path):
    path = tmp_path / "t.csv.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("x,y\n1,2\n3,4\n")
    np.testing.assert_allclose(load(path).X, [[1, 2], [3, 4]])


def test_parquet_round_trip(tmp_path):
    path = tmp_path / "t.parquet"
    table = pa.table({"x": [1.0, 2.0, 3.0], "n": pa.array([1, 2, 3], pa.int32()),
                      "ok": [True, False, True], "label": ["a", "b", "a"]})
    pq.write_table(table, path)
    ds = load(path, label="label")
    np.testing.assert_allclose(ds.X, [[1, 1, 1], [2, 2, 0], [3, 3, 1]])
    np.testing.assert_array_equal(ds.y, ["a", "b", "a"])
    assert ds.extras["columns"] == ["x", "n", "ok"]


def _write_png(path, array, mode=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array, mode=mode).save(path)


def test_png_folder_grey(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(3, 6, 5), dtype=np.uint8)
    for i, image in enumerate(images):
        _write_png(tmp_path / "imgs" / f"img{[2, 10, 1][i]}.png", image)
    ds = load(tmp_path / "imgs")
    assert ds.image_shape == (6, 5) and ds.X.dtype == np.float32
    assert ds.extras["files"] == ["img1.png", "img2.png", "img10.png"]  # natural order
    np.testing.assert_allclose(ds.images(), images[[2, 0, 1]] / 255.0, rtol=1e-6)
    assert ds.y is None


def test_png_folder_rgb_classes_and_resize(tmp_path):
    rng = np.random.default_rng(0)
    for cls in ("cat", "dog"):
        for i in range(2):
            _write_png(tmp_path / "pets" / cls / f"{i}.png",
                       rng.integers(0, 256, size=(8 + i, 8, 3), dtype=np.uint8))
    (tmp_path / "pets" / "notes.txt").write_text("not an image")
    ds = load(tmp_path / "pets", mode="RGB", shape="4,5")
    assert ds.image_shape == (4, 5, 3) and ds.X.shape == (4, 60)
    np.testing.assert_array_equal(ds.y, [0, 0, 1, 1])
    assert ds.extras["class_names"] == ("cat", "dog")
    assert 0.0 <= ds.X.min() and ds.X.max() <= 1.0


def test_jpeg_folder(tmp_path):
    for i in range(2):
        Image.fromarray(np.full((4, 4, 3), 100 * i, dtype=np.uint8)).save(tmp_path / f"{i}.jpg")
    ds = load(tmp_path)
    assert ds.X.shape == (2, 16)
    assert abs(ds.X[1].mean() - 100 / 255) < 0.02


# ------------------------------------------------------------------------------ bad input

def test_missing_file(tmp_path):
    missing = tmp_path / "absent.npz"
    with pytest.raises(DataFileNotFoundError) as info:
        read_file(missing)
    assert "absent.npz" in str(info.value) and "check the path" in str(info.value)


def test_csv_non_numeric_cell_names_line_and_column(tmp_path):
    path = tmp_path / "data.csv"
    rows = ["x1,x2,x3"] + [f"{i},{i},{i}" for i in range(15)] + ["1,2,abc", "4,5,6"]
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(DataError) as info:
        load(path)
    message = str(info.value)
    assert "data.csv" in message and "line 17" in message and "column 'x3'" in message
    assert "'abc' is not a number" in message and "fix the cell or drop the column" in message


def test_csv_empty_cell(tmp_path):
    path = tmp_path / "holes.csv"
    path.write_text("a,b\n1,2\n3,\n")
    with pytest.raises(DataError, match=r"holes\.csv, line 3, column 'b': the cell is empty"):
        load(path)


@pytest.mark.parametrize("bad", ["nan", "inf", "-Infinity"])
def test_csv_nan_or_inf(tmp_path, bad):
    path = tmp_path / "nan.csv"
    path.write_text(f"a,b\n1,2\n3,4\n5,{bad}\n")
    with pytest.raises(DataError) as info:
        load(path)
    message = str(info.value)
    assert "nan.csv" in message and "line 4" in message and "column 'b'" in message
    assert "remove or impute those values" in message


def test_csv_ragged_line(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b,c\n1,2,3\n4,5\n")
    with pytest.raises(DataError, match=r"ragged\.csv, line 3: 2 fields but the header"):
        load(path)


def test_csv_unknown_label_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match=r"t\.csv: no column named 'c' .*'a', 'b'"):
        load(path, label="c")


@pytest.mark.parametrize("content, expected", [("", "empty"), ("a,b\n", "no data rows"),
                                                ("\n\n", "no data")])
def test_csv_empty(tmp_path, content, expected):
    path = tmp_path / "empty.csv"
    path.write_text(content)
    with pytest.raises(DataError, match=expected) as info:
        load(path)
    assert "empty.csv" in str(info.value)


def test_npy_nan_names_row_and_column(tmp_path):
    X = np.zeros((5, 4))
    X[3, 2] = np.nan
    np.save(tmp_path / "bad.npy", X)
    with pytest.raises(DataError) as info:
        load(tmp_path / "bad.npy")
    message = str(info.value)
    assert "bad.npy" in message and "row index 3, column index 2" in message
    assert "remove or impute" in message


def test_npy_object_array_is_never_unpickled(tmp_path):
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match=r"obj\.npy.*never unpickles"):
        load(tmp_path / "obj.npy")


def test_npz_object_array_is_never_unpickled(tmp_path):
    np.savez(tmp_path / "obj.npz", X=np.ones((2, 2)), y=np.array([[1], "a"], dtype=object))
    with pytest.raises(DataError, match=r"obj\.npz.*'y'.*never unpickles"):
        load(tmp_path / "obj.npz")


def test_npz_without_X_names_the_keys_found(tmp_path):
    np.savez(tmp_path / "k.npz", data=np.ones((2, 2)), labels=np.arange(2))
    with pytest.raises(DataError) as info:
        load(tmp_path / "k.npz")
    message = str(info.value)
    assert "k.npz" in message and "'data'" in message and "'labels'" in message
    assert "x_key" in message


def test_npz_label_length_mismatch(tmp_path):
    np.savez(tmp_path / "m.npz", X=np.ones((3, 2)), y=np.arange(2))
    with pytest.raises(DataError, match=r"m\.npz: array 'y' has shape \(2,\) but X has 3 rows"):
        load(tmp_path / "m.npz")


def test_npy_text_array(tmp_path):
    np.save(tmp_path / "s.npy", np.array([["a", "b"]]))
    with pytest.raises(DataError, match=r"s\.npy.*not real numbers"):
        load(tmp_path / "s.npy")


@pytest.mark.parametrize("name", ["garbage.npy", "garbage.npz", "garbage.parquet"])
def test_corrupt_binary_files(tmp_path, name):
    (tmp_path / name).write_bytes(b"this is not what the suffix says" * 4)
    with pytest.raises(DataError, match=name.replace(".", r"\.")):
        load(tmp_path / name)


def test_empty_npy(tmp_path):
    (tmp_path / "zero.npy").write_bytes(b"")
    with pytest.raises(DataError, match=r"zero\.npy: the file is empty"):
        load(tmp_path / "zero.npy")


def test_parquet_text_column(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"x": [1.0, 2.0], "name": ["1.5", "bob"]}), path)
    with pytest.raises(DataError) as info:
        load(path)
    message = str(info.value)
    assert "t.parquet" in message and "column 'name'" in message and "row index 1" in message
    assert "'bob' is not a number" in message and "drop" in message


def test_parquet_null_and_nan(tmp_path):
    path = tmp_path / "n.parquet"
    pq.write_table(pa.table({"x": [1.0, None, 3.0]}), path)
    with pytest.raises(DataError, match=r"n\.parquet, column 'x', row index 1: .*missing"):
        load(path)
    pq.write_table(pa.table({"x": [1.0, 2.0, float("inf")]}), path)
    with pytest.raises(DataError, match=r"n\.parquet, row index 2, column 'x'.*remove or impute"):
        load(path)


def test_parquet_unsupported_type(tmp_path):
    path = tmp_path / "l.parquet"
    pq.write_table(pa.table({"x": [[1, 2], [3]]}), path)
    with pytest.raises(DataError, match=r"l\.parquet, column 'x': has type list"):
        load(path)


def test_ragged_images_name_two_images(tmp_path):
    _write_png(tmp_path / "a.png", np.zeros((8, 8), dtype=np.uint8))
    _write_png(tmp_path / "b.png", np.zeros((8, 9), dtype=np.uint8))
    with pytest.raises(DataError) as info:
        load(tmp_path)
    message = str(info.value)
    assert "a.png" in message and "b.png" in message and "8x9" in message
    assert "pass shape=(h, w)" in message
    assert load(tmp_path, shape=(8, 8)).X.shape == (2, 64)


def test_corrupt_image(tmp_path):
    _write_png(tmp_path / "good.png", np.zeros((4, 4), dtype=np.uint8))
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    with pytest.raises(DataError) as info:
        load(tmp_path)
    assert "broken.png" in str(info.value) and "re-export it or remove it" in str(info.value)


def test_truncated_image(tmp_path):
    path = tmp_path / "cut.png"
    _write_png(path, np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(DataError, match="cut.png"):
        load(tmp_path)


def test_folder_without_images(tmp_path):
    (tmp_path / "readme.txt").write_text("hi")
    with pytest.raises(DataError, match="no images found"):
        load(tmp_path)


def test_folder_mixing_images_and_class_folders(tmp_path):
    _write_png(tmp_path / "loose.png", np.zeros((4, 4), dtype=np.uint8))
    _write_png(tmp_path / "cls" / "a.png", np.zeros((4, 4), dtype=np.uint8))
    with pytest.raises(DataError, match="loose.png.*class subfolders"):
        load(tmp_path)


def test_bad_image_options(tmp_path):
    _write_png(tmp_path / "a.png", np.zeros((4, 4), dtype=np.uint8))
    with pytest.raises(ParameterError, match="mode"):
        load(tmp_path, mode="CMYK")
    with pytest.raises(ParameterError, match="shape"):
        load(tmp_path, shape=(0, 4))


def test_unsupported_suffix(tmp_path):
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(DataError) as info:
        load(path)
    message = str(info.value)
    assert "sheet.xlsx" in message and "'.xlsx'" in message and ".csv" in message


def test_single_image_file(tmp_path):
    _write_png(tmp_path / "one.png", np.zeros((4, 4), dtype=np.uint8))
    with pytest.raises(DataError, match=r"one\.png: is a single image; .*folder"):
        load(tmp_path / "one.png")


def test_every_error_is_a_value_error_or_file_not_found(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a\nfoo\n")
    with pytest.raises(ValueError):
        load(path, header=False)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "y.csv")


def test_parquet_pandas_index_column_is_not_a_feature(tmp_path):
    path = tmp_path / "indexed.parquet"
    pq.write_table(pa.table({"a": [1.0, 2.0], "__index_level_0__": [5, 7]}), path)
    ds = load(path)
    assert ds.extras["columns"] == ["a"] and ds.X.shape == (2, 1)
