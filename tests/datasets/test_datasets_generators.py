"""Generators: geometry against their definitions and scikit-learn, seeding, triangle shortcuts."""

import numpy as np
import pytest
from sklearn.datasets import make_s_curve as sk_make_s_curve
from sklearn.datasets import make_swiss_roll as sk_make_swiss_roll

from latentlearn.datasets import (
    TRIANGLE_CORNERS,
    make_blobs,
    make_gaussian_ring,
    make_s_curve,
    make_swiss_roll,
    make_triangle,
)
from latentlearn.exceptions import ParameterError


def test_swiss_roll_factors_are_the_geometry():
    ds = make_swiss_roll(500, random_state=0)
    t, height = ds.factors.T
    assert ds.factor_names == ("t", "height")
    np.testing.assert_allclose(ds.X[:, 0], t * np.cos(t), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ds.X[:, 1], height, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ds.X[:, 2], t * np.sin(t), rtol=1e-5, atol=1e-5)
    assert 1.5 * np.pi <= t.min() and t.max() <= 4.5 * np.pi
    assert 0 <= height.min() and height.max() <= 21


def test_swiss_roll_same_convention_as_sklearn():
    X_sk, t_sk = sk_make_swiss_roll(4000, random_state=0)
    ds = make_swiss_roll(4000, random_state=0)
    # same ranges per axis and the same t -> point map (on sklearn's own samples)
    np.testing.assert_allclose(X_sk[:, 0], t_sk * np.cos(t_sk))
    np.testing.assert_allclose(X_sk[:, 2], t_sk * np.sin(t_sk))
    for axis in range(3):
        assert abs(ds.X[:, axis].min() - X_sk[:, axis].min()) < 1.0
        assert abs(ds.X[:, axis].max() - X_sk[:, axis].max()) < 1.0


def test_s_curve_factors_are_the_geometry():
    ds = make_s_curve(500, random_state=1)
    t, height = ds.factors.T
    np.testing.assert_allclose(ds.X[:, 0], np.sin(t), atol=1e-6)
    np.testing.assert_allclose(ds.X[:, 1], height, atol=1e-6)
    np.testing.assert_allclose(ds.X[:, 2], np.sign(t) * (np.cos(t) - 1), atol=1e-6)
    X_sk, t_sk = sk_make_s_curve(500, random_state=1)
    np.testing.assert_allclose(X_sk[:, 0], np.sin(t_sk))
    assert abs(t.min() - t_sk.min()) < 0.2 and abs(t.max() - t_sk.max()) < 0.2


def test_noise_moves_points_not_factors():
    clean = make_swiss_roll(300, noise=0.0, random_state=2)
    noisy = make_swiss_roll(300, noise=0.5, random_state=2)
    np.testing.assert_array_equal(clean.factors, noisy.factors)
    residual = noisy.X - clean.X
    assert 0.4 < residual.std() < 0.6


@pytest.mark.parametrize("make", [make_swiss_roll, make_s_curve, make_blobs, make_gaussian_ring,
                                  make_triangle])
def test_seeded_determinism(make):
    a, b = make(200, random_state=11), make(200, random_state=11)
    np.testing.assert_array_equal(a.X, b.X)
    if a.factors is not None:
        np.testing.assert_array_equal(a.factors, b.factors)
    if a.y is not None:
        np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, make(200, random_state=12).X)


def test_blobs_labels_and_centres():
    ds = make_blobs(301, n_features=4, centers=3, cluster_std=0.1, random_state=0)
    assert ds.X.shape == (301, 4) and ds.y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(ds.y), [101, 100, 100])
    centers = ds.extras["centers"]
    for k in range(3):
        np.testing.assert_allclose(ds.X[ds.y == k].mean(axis=0), centers[k], atol=0.05)
        assert abs(ds.X[ds.y == k].std(axis=0).mean() - 0.1) < 0.02
    assert np.all((centers >= -10) & (centers <= 10))
    given = make_blobs(20, centers=np.array([[0.0, 0.0], [5.0, 5.0]]), cluster_std=0.0)
    assert set(map(tuple, given.X.tolist())) == {(0.0, 0.0), (5.0, 5.0)}


def test_gaussian_ring_modes_on_the_circle():
    ds = make_gaussian_ring(800, n_modes=8, radius=2.0, std=0.01, random_state=0)
    np.testing.assert_array_equal(np.bincount(ds.y), [100] * 8)
    angle = ds.factors[:, 0]
    np.testing.assert_allclose(angle, 2 * np.pi * ds.y / 8)
    expected = 2.0 * np.column_stack([np.cos(angle), np.sin(angle)])
    assert np.abs(ds.X - expected).max() < 0.06
    assert ds.factor_names == ("angle",)


def _inside_triangle(points):
    a, b, c = (np.array(TRIANGLE_CORNERS[k]) for k in "ABC")

    def cross(p, q, r):
        return (q[0] - p[0]) * (r[:, 1] - p[1]) - (q[1] - p[1]) * (r[:, 0] - p[0])

    return (cross(a, b, points) >= -1e-9) & (cross(b, c, points) >= -1e-9) & (
        cross(c, a, points) >= -1e-9)


def test_triangle_points_inside_and_uniform():
    ds = make_triangle(4000, random_state=0)
    assert _inside_triangle(ds.factors).all()
    np.testing.assert_allclose(ds.X, ds.factors, atol=1e-6)
    assert ds.factor_names == ("x", "y")
    # uniform: the mean is the centroid, and a sub-triangle of a quarter of the area holds ~1/4
    np.testing.assert_allclose(ds.factors.mean(axis=0), [0.5, np.sqrt(3) / 6], atol=0.02)
    assert abs((ds.factors[:, 1] > np.sqrt(3) / 4).mean() - 0.25) < 0.03
    assert ds.extras["edges"].shape == (0, 2)


def test_triangle_shortcuts_join_the_points_nearest_the_corners():
    ds = make_triangle(1000, shortcuts=True, random_state=0)
    corners = ds.extras["corners"]
    for name, xy in TRIANGLE_CORNERS.items():
        distances = np.linalg.norm(ds.factors - np.array(xy), axis=1)
        assert corners[name] == int(np.argmin(distances))
        assert distances[corners[name]] < 0.1
    edges = ds.extras["edges"]
    assert edges.dtype == np.int64 and edges.shape == (2, 2)
    assert ds.extras["edge_names"] == ("AC", "CB")
    np.testing.assert_array_equal(edges, [[corners["A"], corners["C"]],
                                          [corners["C"], corners["B"]]])
    # each shortcut spans (nearly) a whole side of the unit triangle
    lengths = np.linalg.norm(ds.X[edges[:, 0]] - ds.X[edges[:, 1]], axis=1)
    assert np.all(lengths > 0.8)


@pytest.mark.parametrize("shortcuts, names", [(0, ()), (1, ("AC",)), (2, ("AC", "CB")),
                                              ("AB", ("AB",)), (["BA", "CA"], ("BA", "CA"))])
def test_triangle_shortcut_spellings(shortcuts, names):
    ds = make_triangle(300, shortcuts=shortcuts)
    assert ds.extras["edge_names"] == names
    assert ds.extras["edges"].shape == (len(names), 2)


@pytest.mark.parametrize("bad", [3, "AD", "AA", 1.5])
def test_triangle_bad_shortcuts(bad):
    with pytest.raises(ParameterError, match="shortcuts"):
        make_triangle(100, shortcuts=bad)
