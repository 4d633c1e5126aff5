"""Fitted estimators saved as JSON + safetensors and loaded back, never unpickled."""

import pickle

import numpy as np
import pytest
from sklearn.datasets import load_digits

from latentlearn.cluster import KMeans
from latentlearn.decomposition import PCA
from latentlearn.exceptions import CheckpointError
from latentlearn.persistence import load_estimator, save_estimator

X = load_digits().data[:300]


@pytest.mark.parametrize("estimator", [PCA(n_components=5, whiten=True),
                                       KMeans(n_clusters=4, n_init=2, random_state=0)])
def test_round_trip_gives_identical_outputs(tmp_path, estimator):
    estimator.fit(X)
    save_estimator(estimator, tmp_path / "m")
    loaded = load_estimator(tmp_path / "m")
    assert type(loaded) is type(estimator)
    assert loaded.get_params() == estimator.get_params()
    np.testing.assert_array_equal(loaded.transform(X), estimator.transform(X))


def test_array_parameter_round_trips(tmp_path):
    init = X[:3].copy()
    km = KMeans(n_clusters=3, init=init, n_init=1).fit(X)
    save_estimator(km, tmp_path / "m")
    np.testing.assert_array_equal(load_estimator(tmp_path / "m").init, init)


def test_pickle_file_is_refused(tmp_path):
    folder = tmp_path / "m"
    save_estimator(PCA(n_components=2).fit(X), folder)
    (folder / "weights.safetensors").write_bytes(pickle.dumps({"components_": np.eye(2)}))
    with pytest.raises(CheckpointError, match="not a valid safetensors"):
        load_estimator(folder)


def test_truncated_weights_are_refused(tmp_path):
    folder = tmp_path / "m"
    save_estimator(PCA(n_components=2).fit(X), folder)
    data = (folder / "weights.safetensors").read_bytes()
    (folder / "weights.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated or altered"):
        load_estimator(folder)


def test_foreign_config_is_refused(tmp_path):
    folder = tmp_path / "m"
    save_estimator(PCA(n_components=2).fit(X), folder)
    (folder / "config.json").write_text('{"model": "something else"}')
    with pytest.raises(CheckpointError, match="not a latentlearn estimator"):
        load_estimator(folder)
    (folder / "config.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        load_estimator(folder)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_estimator(tmp_path / "nowhere")
