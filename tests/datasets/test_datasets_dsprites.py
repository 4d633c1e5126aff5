"""Our dSprites renderer: the factor grid, and that every factor shows in the image."""

import itertools

import numpy as np
import pytest

from latentlearn.datasets import dsprites_factor_values, load, make_dsprites, render_dsprites
from latentlearn.datasets.dsprites import FACTOR_SIZES, N_COMBINATIONS
from latentlearn.exceptions import ParameterError


def test_factor_grid():
    assert FACTOR_SIZES == (3, 6, 40, 32, 32) and N_COMBINATIONS == 737_280
    shape, scale, orientation, pos_x, pos_y = dsprites_factor_values()
    np.testing.assert_array_equal(shape, [0, 1, 2])
    np.testing.assert_allclose(scale, np.linspace(0.5, 1.0, 6))
    assert len(orientation) == 40 and orientation[0] == 0 and orientation[-1] < 2 * np.pi
    np.testing.assert_allclose(np.diff(orientation), 2 * np.pi / 40)
    np.testing.assert_allclose(pos_x, np.linspace(0, 1, 32))
    np.testing.assert_allclose(pos_y, np.linspace(0, 1, 32))


def test_make_dsprites_record():
    ds = make_dsprites(300, random_state=0)
    assert ds.X.shape == (300, 4096) and ds.X.dtype == np.float32
    assert set(np.unique(ds.X)) <= {0.0, 1.0}
    assert ds.image_shape == (64, 64)
    assert ds.factor_names == ("shape", "scale", "orientation", "posX", "posY")
    assert ds.extras["factor_sizes"] == (3, 6, 40, 32, 32)
    indices = ds.extras["factor_indices"]
    assert indices.shape == (300, 5) and indices.dtype == np.int64
    assert np.all(indices >= 0) and np.all(indices < np.array(FACTOR_SIZES))
    # distinct grid points (drawn without replacement)
    assert len(np.unique(np.ravel_multi_index(indices.T, FACTOR_SIZES))) == 300
    values = dsprites_factor_values()
    for k in range(5):
        np.testing.assert_array_equal(ds.factors[:, k], values[k][indices[:, k]])
    np.testing.assert_array_equal(ds.y, indices[:, 0])
    # the images are those of the indices
    np.testing.assert_array_equal(ds.images().astype(bool), render_dsprites(indices))


def test_seeded():
    a, b = load("dsprites", n_samples=50, random_state=5), make_dsprites(50, random_state=5)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.extras["factor_indices"], b.extras["factor_indices"])
    c = make_dsprites(50, random_state=6)
    assert not np.array_equal(a.extras["factor_indices"], c.extras["factor_indices"])


def test_grid_corners_are_non_empty_and_inside_the_frame():
    # every shape, extreme scales, every orientation, the four extreme positions
    combos = np.array(list(itertools.product(range(3), (0, 5), range(40), (0, 31), (0, 31))))
    images = render_dsprites(combos)
    assert images.reshape(len(combos), -1).sum(axis=1).min() > 20
    border = np.zeros((64, 64), dtype=bool)
    border[[0, -1], :] = True
    border[:, [0, -1]] = True
    assert not images[:, border].any()


def test_every_factor_changes_the_image():
    rng = np.random.default_rng(0)
    bases = rng.integers(0, FACTOR_SIZES, size=(20, 5))
    bases[:, 2] %= 10  # avoid no-op rotations by a symmetry below
    for factor, size in enumerate(FACTOR_SIZES):
        varied = bases.copy()
        varied[:, factor] = (bases[:, factor] + 1) % size
        before, after = render_dsprites(bases), render_dsprites(varied)
        changed = np.any(before != after, axis=(1, 2))
        assert changed.all(), f"factor {factor} left some images unchanged"


def test_position_moves_the_centre_of_mass():
    base = np.array([[1, 3, 0, 0, 16], [1, 3, 0, 31, 16], [1, 3, 0, 16, 0], [1, 3, 0, 16, 31]])
    images = render_dsprites(base).astype(float)
    rows, cols = np.mgrid[:64, :64]
    cx = (images * cols).sum(axis=(1, 2)) / images.sum(axis=(1, 2))
    cy = (images * rows).sum(axis=(1, 2)) / images.sum(axis=(1, 2))
    assert cx[1] - cx[0] > 30 and abs(cy[1] - cy[0]) < 1
    assert cy[3] - cy[2] > 30 and abs(cx[3] - cx[2]) < 1


def test_scale_is_monotone_in_area():
    for shape, orientation in itertools.product(range(3), (0, 7)):
        combos = np.array([[shape, s, orientation, 16, 16] for s in range(6)])
        areas = render_dsprites(combos).sum(axis=(1, 2))
        assert np.all(np.diff(areas) > 0), (shape, areas)
        assert 2.5 < areas[-1] / areas[0] < 5.5  # area ~ scale^2 = 4


def test_shapes_differ():
    for scale, orientation in itertools.product((0, 5), (0, 13)):
        images = render_dsprites([[s, scale, orientation, 16, 16] for s in range(3)])
        for a, b in itertools.combinations(range(3), 2):
            assert (images[a] != images[b]).sum() > 5


def test_heart_points_up():
    heart = render_dsprites([2, 5, 0, 16, 16])[0]
    rows = np.flatnonzero(heart.any(axis=1))
    top, bottom = heart[rows[0]], heart[rows[-1]]
    # two lobes on top (two runs of ink), one point at the bottom (a single short run)
    assert np.count_nonzero(np.diff(top.astype(int)) == 1) == 2
    assert bottom.sum() < top.sum() + 6
    assert np.count_nonzero(np.diff(bottom.astype(int)) == 1) == 1


def test_memory_guard_and_bad_indices():
    with pytest.raises(ParameterError, match="12.1 GB"):
        make_dsprites(full=True)
    with pytest.raises(ParameterError, match="max_memory_gb"):
        make_dsprites(100_000, max_memory_gb=1.0)
    with pytest.raises(ParameterError, match="orientation"):
        render_dsprites([[0, 0, 40, 0, 0]])
    with pytest.raises(ParameterError, match="n_samples"):
        make_dsprites(N_COMBINATIONS + 1)


def test_ten_thousand_images_all_drawn():
    # Rendering speed (about 0.3 s for 10,000 images) is measured in benchmarks/, not here.
    ds = make_dsprites(10_000, random_state=0)
    assert ds.X.reshape(-1, 4096).sum(axis=1).min() > 0


@pytest.mark.slow
def test_full_grid_every_image_inside_and_non_empty():
    out = np.empty((8192, 64, 64), dtype=bool)
    flat = np.arange(N_COMBINATIONS)
    for start in range(0, N_COMBINATIONS, len(out)):
        chunk = flat[start:start + len(out)]
        indices = np.stack(np.unravel_index(chunk, FACTOR_SIZES), axis=1)
        images = render_dsprites(indices, out=out[:len(chunk)])
        assert images.sum(axis=(1, 2)).min() > 20
        assert not images[:, [0, -1], :].any() and not images[:, :, [0, -1]].any()
