"""The ``"mnist"`` feature network of the sample-quality metrics: a small CNN classifier of digits.

The Frechet distance (Heusel et al. 2017), the kernel distance (Binkowski et al. 2018) and
precision/recall (Kynkaanniemi et al. 2019) compare samples in the feature space of a network
trained to classify the data, where distances mean more than in pixel space. Heusel et al. use
the Inception-v3 network trained on ImageNet; for 28x28 digits latentlearn ships a small CNN
trained on mnist5k instead (``scripts/train_feature_network.py``, seeded, about a minute on two
CPU cores), and its features are the 128 activations of the penultimate layer, divided by one
constant so that their mean square over the training images is 1.

**The numbers it gives are FID-style, not FID**: they are not comparable with Inception-based FID
or KID values in papers, only with other numbers computed with this network (the SHA-256 of its
weights is in its JSON config, ``mnist_features.json``).

The weights ship in the package as safetensors (never a pickle) beside a JSON config that
records the architecture, the training split and the held-out accuracy. torch is imported only
when the network is first used, so ``import latentlearn.metrics`` stays light.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from pathlib import Path

import numpy as np

from ..exceptions import DataError, ParameterError

__all__ = ["FEATURE_NETWORKS", "WEIGHTS_DIR", "build_feature_network", "load_feature_network",
           "feature_network_config", "mnist_features"]

#: Folder of the shipped weights and configs (package data).
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"

#: Feature-network name -> file stem in :data:`WEIGHTS_DIR`.
FEATURE_NETWORKS = {"mnist": "mnist_features"}


def _require_torch():
    from .._optional import require

    return require("torch", extra="neural", what="the 'mnist' feature network of the "
                   "sample-quality metrics (raw values, features=None, need no extra)")


def build_feature_network(config: dict):
    """The classifier described by ``config`` (untrained), a ``torch.nn.Module``.

    ``config`` holds ``image_shape`` (h, w), ``channels`` (conv widths; each conv is 3x3 with
    padding 1, then ReLU and 2x2 max pooling), ``feature_dim`` (the penultimate layer, ReLU) and
    ``n_classes``. The module's ``features(x)`` returns the penultimate activations divided by its
    ``feature_scale`` buffer, ``forward`` the class logits.
    """
    torch = _require_torch()
    from torch import nn

    h, w = (int(v) for v in config["image_shape"])
    channels = [int(c) for c in config["channels"]]
    feature_dim, n_classes = int(config["feature_dim"]), int(config["n_classes"])

    class DigitFeatures(nn.Module):
        def __init__(self):
            super().__init__()
            layers, c_in, size = [], 1, (h, w)
            for c_out in channels:
                layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
                c_in, size = c_out, (size[0] // 2, size[1] // 2)
            self.conv = nn.Sequential(*layers)
            self.hidden = nn.Linear(c_in * size[0] * size[1], feature_dim)
            self.head = nn.Linear(feature_dim, n_classes)
            # Features are divided by this constant, set after training so that their mean
            # square over the training images is 1: then the kernel distance's x . y / d is of
            # order 1, as with the Inception features of Binkowski et al. (2018).
            self.register_buffer("feature_scale", torch.ones(()))

        def features(self, x: torch.Tensor) -> torch.Tensor:
            return self.penultimate(x) / self.feature_scale  # (batch, feature_dim)

        def penultimate(self, x: torch.Tensor) -> torch.Tensor:
            x = x.reshape(-1, 1, h, w)  # (batch, 1, h, w)
            return torch.relu(self.hidden(self.conv(x).flatten(1)))  # (batch, feature_dim)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(self.penultimate(x))  # (batch, n_classes)

    return DigitFeatures()


def feature_network_config(name: str = "mnist") -> dict:
    """The JSON config shipped with feature network ``name`` (architecture, training record)."""
    stem = _stem(name)
    path = WEIGHTS_DIR / f"{stem}.json"
    if not path.is_file():
        raise DataError(f"the {name!r} feature network's config {path} is missing; reinstall "
                        f"latentlearn or run scripts/train_feature_network.py.")
    return json.loads(path.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def load_feature_network(name: str = "mnist"):
    """The shipped feature network ``name``, weights loaded (safetensors) and checked.

    The SHA-256 of the weights file must match the one in its JSON config. The module is in
    eval mode on the CPU, and cached: later calls return the same module.
    """
    _require_torch()
    from safetensors.torch import load_file

    config = feature_network_config(name)
    path = WEIGHTS_DIR / f"{_stem(name)}.safetensors"
    if not path.is_file():
        raise DataError(f"the {name!r} feature network's weights {path} are missing; reinstall "
                        f"latentlearn or run scripts/train_feature_network.py.")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != config.get("sha256"):
        raise DataError(f"{path} has SHA-256 {digest} but its config says "
                        f"{config.get('sha256')}; the file is damaged: reinstall latentlearn.")
    network = build_feature_network(config)
    network.load_state_dict(load_file(str(path), device="cpu"))
    network.eval()
    for p in network.parameters():
        p.requires_grad_(False)
    return network


@functools.lru_cache(maxsize=None)
def _network_on(name: str, device: str):
    """The cached network, or a cached copy of it on another device."""
    network = load_feature_network(name)
    return network if device == "cpu" else copy.deepcopy(network).to(device)


def mnist_features(X, *, batch_size: int = 500, device=None) -> np.ndarray:
    """Penultimate-layer features of the shipped mnist classifier: (n_samples, 128) float64.

    FID-style features for 28x28 digits, not comparable with Inception features (see the
    module docstring).

    Parameters
    ----------
    X : array-like of shape (n_samples, 784) or (n_samples, 28, 28)
        Images with pixel values in [0, 1] (as ``latentlearn.datasets.load("mnist5k")``).
    batch_size : int, default=500
    device : None, "auto", "cpu", "cuda" or torch.device, default=None
        Where the network runs; None is the CPU.
    """
    torch = _require_torch()
    from ..neural.trainer import resolve_device

    device = torch.device("cpu") if device is None else resolve_device(device)

    arr = np.asarray(X, dtype=np.float32)
    arr = arr.reshape(arr.shape[0], -1) if arr.ndim > 1 else arr
    if arr.ndim != 2 or arr.shape[1] != 28 * 28:
        raise DataError(f"the 'mnist' features need 28x28 images as rows of 784 pixels; got shape "
                        f"{np.shape(X)}. Pass features=None (raw values) or a callable of your "
                        f"own for other data.")
    if arr.size and (arr.min() < -0.5 or arr.max() > 1.5):
        raise DataError(f"the 'mnist' features expect pixel values in [0, 1]; these lie in "
                        f"[{arr.min():.3g}, {arr.max():.3g}] (divide 0..255 pixels by 255).")
    network = _network_on("mnist", str(device))
    out = []
    with torch.no_grad():
        for start in range(0, arr.shape[0], batch_size):
            batch = torch.from_numpy(arr[start:start + batch_size]).to(device)
            out.append(network.features(batch).cpu().numpy())
    if not out:
        return np.zeros((0, network.hidden.out_features))
    return np.concatenate(out).astype(np.float64)


def _stem(name: str) -> str:
    if name not in FEATURE_NETWORKS:
        raise ParameterError(f"unknown feature network {name!r}; the shipped ones are "
                             f"{', '.join(map(repr, FEATURE_NETWORKS))} (or pass features=None "
                             f"for the raw values, or a callable).")
    return FEATURE_NETWORKS[name]
