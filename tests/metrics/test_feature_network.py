"""The shipped "mnist" feature network: it loads from safetensors, its SHA-256 is the one its
JSON records, it classifies the mnist5k images its training script held out, it ships as package
data, and importing latentlearn.metrics does not import torch."""

import hashlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from latentlearn.datasets import load_mnist5k
from latentlearn.exceptions import DataError
from latentlearn.metrics import feature_network
from latentlearn.metrics.feature_network import (WEIGHTS_DIR, feature_network_config,
                                                 load_feature_network, mnist_features)

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_weights_match_the_recorded_sha256():
    config = feature_network_config("mnist")
    weights = (WEIGHTS_DIR / "mnist_features.safetensors").read_bytes()
    assert hashlib.sha256(weights).hexdigest() == config["sha256"]
    from safetensors import safe_open

    with safe_open(str(WEIGHTS_DIR / "mnist_features.safetensors"), framework="pt") as f:
        assert "feature_scale" in f.keys() and "hidden.weight" in f.keys()


def test_held_out_accuracy_is_high():
    torch = pytest.importorskip("torch")
    config = feature_network_config("mnist")
    held = config["held_out"]
    data = load_mnist5k()
    rows = np.sort(np.random.default_rng(held["seed"]).permutation(5000)[:held["n_held_out"]])
    network = load_feature_network("mnist")
    with torch.no_grad():
        predicted = network(torch.from_numpy(data.X[rows])).argmax(1).numpy()
    accuracy = float(np.mean(predicted == data.y[rows]))
    assert accuracy == pytest.approx(held["accuracy"], abs=2e-3)  # what the script recorded
    assert accuracy > 0.95


def test_features_are_the_scaled_penultimate_layer():
    X = load_mnist5k(n_samples=600).X
    F = mnist_features(X, batch_size=128)
    config = feature_network_config("mnist")
    assert F.shape == (600, config["feature_dim"]) and F.dtype == np.float64
    assert np.all(F >= 0)
    # Scaled to mean square 1 on the training images; a random subset is close to that.
    assert np.mean(F ** 2) == pytest.approx(1.0, rel=0.15)
    np.testing.assert_allclose(mnist_features(X.reshape(600, 28, 28)), F)


def test_a_damaged_weights_file_is_refused(tmp_path, monkeypatch):
    for name in ("mnist_features.safetensors", "mnist_features.json"):
        (tmp_path / name).write_bytes((WEIGHTS_DIR / name).read_bytes())
    data = bytearray((tmp_path / "mnist_features.safetensors").read_bytes())
    data[-1] ^= 1
    (tmp_path / "mnist_features.safetensors").write_bytes(bytes(data))
    monkeypatch.setattr(feature_network, "WEIGHTS_DIR", tmp_path)
    load_feature_network.cache_clear()
    try:
        with pytest.raises(DataError, match="SHA-256.*damaged"):
            load_feature_network("mnist")
    finally:
        load_feature_network.cache_clear()


def test_mnist_features_refuse_other_shapes_and_pixel_ranges():
    with pytest.raises(DataError, match="28x28.*features=None"):
        mnist_features(np.zeros((5, 64)))
    with pytest.raises(DataError, match="divide 0..255 pixels by 255"):
        mnist_features(np.full((5, 784), 255.0))


def test_weights_are_package_data():
    text = (ROOT / "pyproject.toml").read_text()
    assert '"metrics/weights/*.safetensors"' in text and '"metrics/weights/*.json"' in text


def test_importing_the_metrics_does_not_import_torch():
    code = ("import sys, latentlearn.metrics, latentlearn.metrics.sample_quality, "
            "latentlearn.metrics.feature_network; print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_the_training_script_is_seeded(tmp_path):
    pytest.importorskip("torch")
    spec = importlib.util.spec_from_file_location(
        "train_feature_network", ROOT / "scripts" / "train_feature_network.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    digests = []
    for name in ("a", "b"):
        script.main(["--epochs", "1", "--n-train", "400", "--threads", "1", "--out",
                     str(tmp_path / name)])
        config = feature_network_config_at(tmp_path / name)
        weights = (tmp_path / name / "mnist_features.safetensors").read_bytes()
        assert hashlib.sha256(weights).hexdigest() == config["sha256"]
        assert config["training"]["n_train"] == 400
        digests.append(config["sha256"])
    assert digests[0] == digests[1]  # same seed, same weights, bit for bit


def feature_network_config_at(folder):
    import json

    return json.loads((folder / "mnist_features.json").read_text())
