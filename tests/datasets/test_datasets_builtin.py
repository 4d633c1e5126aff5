"""mnist5k and digits against their sources."""

import gzip

import numpy as np
import pytest
from sklearn.datasets import load_digits as sklearn_load_digits

from latentlearn.datasets import load, load_digits, load_mnist5k
from latentlearn.datasets.builtin import _mnist5k_path
from latentlearn.exceptions import ParameterError


def test_digits_equals_sklearn_over_16():
    ds = load("digits")
    reference = sklearn_load_digits()
    assert ds.X.dtype == np.float32 and ds.X.shape == (1797, 64)
    np.testing.assert_allclose(ds.X, reference.data / 16.0, rtol=1e-6)
    np.testing.assert_array_equal(ds.y, reference.target)
    assert ds.image_shape == (8, 8)
    assert ds.images().shape == (1797, 8, 8)


def test_digits_subset_is_seeded_and_matches_rows():
    a = load_digits(n_samples=100, random_state=1)
    b = load_digits(n_samples=100, random_state=1)
    np.testing.assert_array_equal(a.X, b.X)
    full = load_digits()
    # every subset row is a row of the full set with the same label
    lookup = {row.tobytes(): label for row, label in zip(full.X, full.y)}
    assert all(lookup[row.tobytes()] == label for row, label in zip(a.X, a.y))


def test_mnist5k_shape_range_classes():
    ds = load_mnist5k()
    assert ds.X.shape == (5000, 784) and ds.X.dtype == np.float32
    assert ds.X.min() == 0.0 and ds.X.max() == 1.0
    assert ds.y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(ds.y), [500] * 10)
    assert ds.image_shape == (28, 28)


def test_mnist5k_matches_the_file_label_last():
    with gzip.open(_mnist5k_path(), "rt") as fh:
        first = np.array(fh.readline().split(","), dtype=float)
    ds = load_mnist5k()
    np.testing.assert_allclose(ds.X[0] * 255.0, first[:-1], atol=1e-4)
    assert ds.y[0] == first[-1]


def test_mnist5k_labels_are_plausible():
    ds = load_mnist5k()
    images = ds.images()
    ones = images[ds.y == 1].mean(axis=0)
    zeros = images[ds.y == 0].mean(axis=0)
    # a "1" is a vertical stroke: its ink sits in the centre columns
    centre = ones[:, 11:17].sum() / ones.sum()
    assert centre > 0.6
    # a "0" is a ring: its centre pixel is darker than its ring
    assert zeros[14, 14] < zeros[14, 8]
    # classes are separable by their mean images (nearest-mean accuracy well above chance)
    means = np.stack([ds.X[ds.y == k].mean(axis=0) for k in range(10)])
    predicted = np.argmin(((ds.X[:, None, :] - means[None]) ** 2).sum(-1), axis=1)
    assert (predicted == ds.y).mean() > 0.75


def test_mnist5k_cache_returns_copies():
    a = load_mnist5k()
    a.X[:] = 0.0
    a.y[:] = 0
    b = load_mnist5k()
    assert b.X.max() == 1.0 and len(np.unique(b.y)) == 10


def test_mnist5k_subset_seeded_and_mixed():
    a = load("mnist5k", n_samples="200", random_state="7")
    b = load_mnist5k(n_samples=200, random_state=7)
    np.testing.assert_array_equal(a.X, b.X)
    assert a.X.shape == (200, 784)
    assert len(np.unique(a.y)) == 10  # not the first 200 lines, which are all zeros


def test_mnist5k_rejects_too_many():
    with pytest.raises(ParameterError, match="n_samples"):
        load_mnist5k(n_samples=5001)
