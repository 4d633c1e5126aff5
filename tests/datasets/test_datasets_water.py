"""The water video generator (after Efros et al. 2004, "Seeing through water")."""

import numpy as np
import pytest

from latentlearn.datasets.water import (
    load_china_image,
    make_test_pattern,
    make_water_video,
    water_displacement,
)
from latentlearn.exceptions import ParameterError


def _surface(waves, rows, cols, t):
    """h(x, t) written out from the wave table, for finite differences."""
    h = 0.0
    for a, (kr, kc), omega, phase in zip(waves["amplitude"], waves["wavevector"],
                                         waves["omega"], waves["phase"]):
        h = h + a * np.sin(kr * rows + kc * cols + phase - omega * t)
    return h


def test_zero_amplitude_gives_the_image_back_exactly():
    img = make_test_pattern((24, 20))
    video = make_water_video(img, 8, amplitude=0.0)
    assert video.frames.shape == (8, 24, 20)
    assert all(np.array_equal(frame, img) for frame in video.frames)
    colour = np.stack([img, 1 - img, 0.5 * img], axis=-1)
    video = make_water_video(colour, 8, amplitude=0.0)
    assert video.frames.shape == (8, 24, 20, 3) and np.array_equal(video.frames[3], colour)


def test_displacement_is_the_gradient_of_the_surface():
    video = make_water_video(make_test_pattern((16, 16)), 10, amplitude=1.5, random_state=3)
    rows, cols = np.meshgrid(np.arange(16.0), np.arange(16.0), indexing="ij")
    step = 1e-5
    for t in (0, 4, 9):
        d_row = (_surface(video.waves, rows + step, cols, t)
                 - _surface(video.waves, rows - step, cols, t)) / (2 * step)
        d_col = (_surface(video.waves, rows, cols + step, t)
                 - _surface(video.waves, rows, cols - step, t)) / (2 * step)
        np.testing.assert_allclose(video.displacement[t, :, :, 0], d_row, atol=1e-8)
        np.testing.assert_allclose(video.displacement[t, :, :, 1], d_col, atol=1e-8)
    # The bound: no pixel moves by more than the amplitude, and the largest moves come near it.
    length = np.linalg.norm(video.displacement, axis=-1)
    assert length.max() <= 1.5 + 1e-12 and length.max() > 0.5


def test_frames_sample_the_image_at_the_displaced_points():
    """On a linear ramp bilinear interpolation is exact: frame_t(x) = I(x + d(x, t))."""
    rows, cols = np.meshgrid(np.arange(40.0), np.arange(40.0), indexing="ij")
    ramp = 0.01 * rows + 0.02 * cols
    video = make_water_video(ramp, 6, amplitude=2.0, random_state=1)
    inner = (slice(3, -3), slice(3, -3))  # away from the reflected border
    for t in range(6):
        expected = 0.01 * (rows + video.displacement[t, :, :, 0]) \
            + 0.02 * (cols + video.displacement[t, :, :, 1])
        np.testing.assert_allclose(video.frames[t][inner], expected[inner], atol=1e-12)


def test_mean_displacement_over_the_video_is_zero():
    video = make_water_video(make_test_pattern((16, 16)), 64, amplitude=2.0, random_state=5)
    assert np.abs(video.displacement).mean() > 0.1
    np.testing.assert_allclose(video.displacement.mean(axis=0), 0.0, atol=1e-12)


def test_seeded():
    img = make_test_pattern((16, 16))
    a = make_water_video(img, 8, random_state=7)
    b = make_water_video(img, 8, random_state=7)
    c = make_water_video(img, 8, random_state=8)
    assert np.array_equal(a.frames, b.frames) and not np.allclose(a.frames, c.frames)
    np.testing.assert_array_equal(
        water_displacement((16, 16), 8, a.waves), a.displacement)
    assert np.array_equal(make_test_pattern((16, 16), random_state=2),
                          make_test_pattern((16, 16), random_state=2))


def test_china():
    grey = load_china_image(size=(32, 48))
    colour = load_china_image(grey=False)
    assert grey.shape == (32, 48) and colour.shape == (427, 640, 3)
    assert 0 <= grey.min() and grey.max() <= 1 and colour.std() > 0.1
    video = make_water_video(load_china_image(grey=False, size=(16, 16)), 8)
    assert video.frames.shape == (8, 16, 16, 3)


@pytest.mark.parametrize("kwargs, words", [
    ({"image": np.zeros((4, 4, 2))}, "shape"),
    ({"image": np.full((4, 4), np.nan)}, "NaN"),
    ({"amplitude": -1.0}, "amplitude"),
    ({"n_frames": 0}, "n_frames"),
    ({"periods": (2, 16)}, "periods"),
    ({"wavelengths": (0.0, 4.0)}, "wavelengths"),
])
def test_bad_parameters_are_named(kwargs, words):
    args = {"image": np.zeros((8, 8)), "n_frames": 16, **kwargs}
    with pytest.raises(ParameterError, match=words):
        make_water_video(args.pop("image"), args.pop("n_frames"), **args)
