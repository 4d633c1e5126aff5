"""Reconstruction error: per-sample mean squared error and its reductions."""

import numpy as np
import pytest

from latentlearn.metrics import reconstruction_error


def test_reductions():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]])
    R = np.array([[0.0, 0.0], [1.0, 3.0], [0.0, 0.0]])
    per_sample = np.array([0.0, 2.0, 2.0])          # mean over the two features
    np.testing.assert_allclose(reconstruction_error(X, R, reduction="none"), per_sample)
    assert reconstruction_error(X, R) == pytest.approx(4 / 3)
    assert reconstruction_error(X, R, reduction="sum") == pytest.approx(4.0)
    assert reconstruction_error(X, X) == 0.0
    assert isinstance(reconstruction_error(X, R), float)


def test_images_are_flattened():
    rng = np.random.default_rng(0)
    X, R = rng.random((5, 3, 4)), rng.random((5, 3, 4))
    assert reconstruction_error(X, R) == pytest.approx(np.mean((X - R) ** 2))
    assert reconstruction_error(X, R) == reconstruction_error(X.reshape(5, 12), R.reshape(5, 12))


def test_bad_input_is_explained():
    X = np.zeros((4, 3))
    with pytest.raises(ValueError, match="shape"):
        reconstruction_error(X, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="reduction"):
        reconstruction_error(X, X, reduction="median")
