"""load(), list_datasets() and the conversion of command-line option strings."""

import numpy as np
import pytest

from latentlearn.datasets import Dataset, DatasetInfo, get_dataset_info, list_datasets, load
from latentlearn.datasets._options import coerce_options
from latentlearn.exceptions import DataFileNotFoundError, ParameterError, UnknownNameError

EXPECTED = {"mnist5k", "digits", "swiss_roll", "s_curve", "blobs", "gaussian_ring", "triangle",
            "dsprites"}


def test_list_datasets_names_kinds_descriptions():
    infos = list_datasets()
    assert {i.name for i in infos} == EXPECTED
    assert all(isinstance(i, DatasetInfo) and i.description for i in infos)
    assert {i.name for i in list_datasets("builtin")} == {"mnist5k", "digits"}
    assert [i.kind for i in infos][:2] == ["builtin", "builtin"]
    assert get_dataset_info("swiss_roll").options == {"n_samples": 1000, "noise": 0.0,
                                                      "random_state": 0}


@pytest.mark.parametrize("name", sorted(EXPECTED - {"mnist5k", "digits"}))
def test_every_generator_by_name_is_a_valid_seeded_dataset(name):
    a = load(name, n_samples=60, random_state=3)
    b = load(name, n_samples="60", random_state="3")
    assert isinstance(a, Dataset)
    assert a.X.dtype == np.float32 and a.X.ndim == 2 and a.X.shape[0] == 60
    assert np.isfinite(a.X).all()
    np.testing.assert_array_equal(a.X, b.X)
    c = load(name, n_samples=60, random_state=4)
    assert not np.array_equal(a.X, c.X)
    if a.factors is not None:
        assert a.factors.shape == (60, len(a.factor_names))
    assert a.name == name and a.description


def test_name_is_case_and_dash_insensitive():
    assert load("Gaussian-Ring", n_samples=10).name == "gaussian_ring"


def test_string_options_are_converted_to_the_signature_types():
    ds = load("blobs", n_samples="40", n_features="3", cluster_std="0.5",
              center_box="(-2, 2)", random_state="none")
    assert ds.X.shape == (40, 3)
    assert ds.extras["params"]["center_box"] == (-2.0, 2.0)
    assert ds.extras["params"]["random_state"] is None
    assert load("dsprites", n_samples="5", full="false").X.shape == (5, 4096)


def test_tuple_and_union_conversion():
    def loader(shape: tuple[int, int] | None = None, label: str | int | None = None,
               flag: bool = False, k: int | bool = 0, drop: tuple[str | int, ...] = ()):
        return None

    out = coerce_options(loader, {"shape": "28x28", "label": "3", "flag": "1", "k": "1",
                                  "drop": "id,2"}, what="test")
    assert out == {"shape": (28, 28), "label": 3, "flag": True, "k": 1, "drop": ("id", 2)}
    assert coerce_options(loader, {"label": "species", "shape": "none"}, what="t") == {
        "label": "species", "shape": None}
    with pytest.raises(ParameterError, match="shape='28'"):
        coerce_options(loader, {"shape": "28"}, what="t")


def test_unknown_option_names_the_allowed_ones():
    with pytest.raises(ParameterError) as info:
        load("swiss_roll", n_sample=10)
    message = str(info.value)
    assert "n_sample" in message and "Did you mean 'n_samples'" in message
    assert "n_samples, noise, random_state" in message


@pytest.mark.parametrize("option, value", [("n_samples", "ten"), ("noise", "-1"),
                                           ("n_samples", "0")])
def test_bad_option_values_name_dataset_and_option(option, value):
    with pytest.raises(ParameterError, match=f"swiss_roll.*{option}"):
        load("swiss_roll", **{option: value})


def test_unknown_name_lists_known_names_and_close_match():
    with pytest.raises(UnknownNameError) as info:
        load("mnist")
    message = str(info.value)
    assert "'mnist'" in message and "Did you mean 'mnist5k'" in message
    assert "swiss_roll" in message and "dsprites" in message
    assert isinstance(info.value, KeyError)


def test_missing_path_is_a_file_not_found_error(tmp_path):
    with pytest.raises(DataFileNotFoundError, match="nothere.csv"):
        load(str(tmp_path / "nothere.csv"))
    with pytest.raises(FileNotFoundError):
        load("data/points.npy")


def test_file_options_are_converted_too(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,c\n1,2,0\n3,4,1\n")
    ds = load(path, label="2")  # an int string: column index 2
    np.testing.assert_array_equal(ds.y, [0, 1])
    with pytest.raises(ParameterError, match="label, header, delimiter, drop"):
        load(path, lable="c")


def test_already_typed_values_as_the_cli_parses_them(tmp_path):
    # the CLI reads `--set` values as Python literals: lists, ints, None arrive typed
    ds = load("blobs", n_samples=30, center_box=[-5, 5], random_state=None)
    assert ds.X.shape == (30, 2)
    path = tmp_path / "t.csv"
    path.write_text("id,a,b\n1,2,3\n4,5,6\n")
    np.testing.assert_allclose(load(path, drop=[0], label=None).X, [[2, 3], [5, 6]])
    with pytest.raises(ParameterError, match="center_box"):
        load("blobs", center_box=5)
    with pytest.raises(ParameterError, match=r"reading .*: option shape=28"):
        load(tmp_path, shape=28)
