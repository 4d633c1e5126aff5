"""Videos of a still image seen through moving water, with the clean image as ground truth.

Efros, Isler, Shi & Visontai (2004), "Seeing through water", filmed a book cover under a bucket of
rippling water; :func:`make_water_video` makes such videos from any image. The water surface is
a sum of travelling plane waves,

    h(x, t) = sum_k a_k sin(kappa_k . x - omega_k t + phi_k),

and the image under it is seen shifted by the refraction of each ray at the surface: for small
slopes (Snell's law linearised) the shift is proportional to the surface gradient,

    frame_t(x) = image(x + d(x, t)),    d(x, t) = grad h(x, t) = sum_k a_k kappa_k cos(...),

sampled by interpolation (:func:`scipy.ndimage.map_coordinates`). The amplitudes are scaled so
that ``sum_k a_k |kappa_k| = amplitude``: no pixel is ever shifted by more than ``amplitude``
pixels. Each wave completes a whole number of periods over the video (``omega_k = 2 pi m_k /
n_frames``, ``m_k`` a positive integer below ``n_frames``), so the displacement of every
pixel averages to exactly zero over the frames: the premise of Efros et al.'s method, that the
undistorted view is the centre of the frames a patch goes through.

:func:`make_test_pattern` draws a seeded image with sharp edges of every orientation (discs,
bars, a checkerboard, on a smooth background); :func:`load_china_image` is scikit-learn's sample
photograph ``china.jpg`` as floats in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
from scipy import ndimage

from ..exceptions import ParameterError

__all__ = ["WaterVideo", "make_water_video", "water_displacement", "make_test_pattern",
           "load_china_image"]


@dataclass
class WaterVideo:
    """A generated water video and its ground truth.

    Attributes
    ----------
    frames : ndarray of shape (n_frames, height, width) or (n_frames, height, width, 3)
        The image seen through the moving surface, float64.
    image : ndarray of shape (height, width) or (height, width, 3)
        The clean image (what a method should recover).
    displacement : ndarray of shape (n_frames, height, width, 2)
        ``d(x, t)`` in pixels, (row, column) components: ``frames[t][i, j] = image at (i, j) +
        displacement[t, i, j]``.
    waves : dict
        The waves drawn: ``"amplitude"``, ``"wavevector"`` (n_waves, 2) in radians per pixel
        (row, column), ``"omega"`` (radians per frame), ``"phase"``, ``"periods"``.
    """

    frames: np.ndarray
    image: np.ndarray
    displacement: np.ndarray
    waves: dict = field(default_factory=dict)


def _check_image(image) -> np.ndarray:
    img = np.asarray(image)
    if img.dtype.kind not in "fiub":
        raise ParameterError(f"image must be numeric; got dtype {img.dtype}.")
    img = img.astype(np.float64)
    if not (img.ndim == 2 or (img.ndim == 3 and img.shape[2] == 3)):
        raise ParameterError(f"image must have shape (height, width) or (height, width, 3); "
                             f"got shape {img.shape}.")
    if min(img.shape[:2]) < 2:
        raise ParameterError(f"image must be at least 2 x 2 pixels; got {img.shape[:2]}.")
    if not np.all(np.isfinite(img)):
        raise ParameterError("image holds NaN or infinite values.")
    return img


def _draw_waves(n_frames, n_waves, amplitude, wavelengths, periods, rng) -> dict:
    lo, hi = sorted(float(w) for w in wavelengths)
    wavelength = np.exp(rng.uniform(np.log(lo), np.log(hi), n_waves))
    theta = rng.uniform(0.0, 2.0 * np.pi, n_waves)
    kappa = (2.0 * np.pi / wavelength)[:, None] * np.column_stack([np.sin(theta),
                                                                    np.cos(theta)])
    p_lo, p_hi = int(periods[0]), int(periods[1])
    m = rng.integers(p_lo, p_hi + 1, n_waves)
    omega = 2.0 * np.pi * m / n_frames
    phase = rng.uniform(0.0, 2.0 * np.pi, n_waves)
    weight = rng.uniform(0.5, 1.0, n_waves)
    # a_k |kappa_k| sums to ``amplitude``: the displacement never exceeds it.
    a = amplitude * weight / np.sum(weight) / (2.0 * np.pi / wavelength)
    return {"amplitude": a, "wavevector": kappa, "omega": omega, "phase": phase, "periods": m}


def water_displacement(shape, n_frames, waves) -> np.ndarray:
    """The displacement ``d(x, t) = grad h(x, t)`` of every pixel in every frame.

    Parameters
    ----------
    shape : (height, width)
    n_frames : int
    waves : dict
        As in :attr:`WaterVideo.waves`.

    Returns
    -------
    ndarray of shape (n_frames, height, width, 2)
        (row, column) shifts in pixels.
    """
    rows, cols = np.meshgrid(np.arange(shape[0], dtype=np.float64),
                             np.arange(shape[1], dtype=np.float64), indexing="ij")
    out = np.zeros((n_frames, shape[0], shape[1], 2))
    for a, (kr, kc), omega, phase in zip(waves["amplitude"], waves["wavevector"],
                                         waves["omega"], waves["phase"]):
        space = kr * rows + kc * cols + phase
        for t in range(n_frames):
            slope = a * np.cos(space - omega * t)
            out[t, :, :, 0] += kr * slope
            out[t, :, :, 1] += kc * slope
    return out


def make_water_video(image, n_frames=64, *, amplitude=2.0, n_waves=6,
                     wavelengths=(32.0, 128.0), periods=None, order=1,
                     random_state=0) -> WaterVideo:
    """A video of ``image`` seen through a moving water surface (module docstring).

    Parameters
    ----------
    image : array-like of shape (height, width) or (height, width, 3)
    n_frames : int, default=64
    amplitude : float >= 0, default=2.0
        Largest displacement of any pixel, in pixels (``sum_k a_k |kappa_k|``). ``0`` gives
        ``n_frames`` exact copies of the image.
    n_waves : int, default=6
        Travelling plane waves summed into the surface.
    wavelengths : (float, float), default=(32.0, 128.0)
        Range of the waves' wavelengths in pixels (drawn log-uniformly); the displacement
        field is smooth on this scale. Efros et al.'s method assumes it is nearly a shift
        within a patch: wavelengths several times the patch size.
    periods : (int, int) or None, default=None
        Range of the whole number of periods each wave completes over the video (its speed is
        ``wavelength * periods / n_frames`` pixels per frame), below ``n_frames``; ``None``:
        ``(1, min(4, n_frames - 1))``.
    order : int, default=1
        Spline order of the interpolation (1: bilinear).
    random_state : int or numpy Generator, default=0

    Returns
    -------
    WaterVideo
        ``frames`` (n_frames, height, width[, 3]), ``image`` (the clean image), the
        ``displacement`` field and the ``waves`` drawn.

    Examples
    --------
    >>> from latentlearn.datasets.water import make_test_pattern, make_water_video
    >>> video = make_water_video(make_test_pattern((32, 32)), n_frames=16, random_state=0)
    >>> video.frames.shape, video.image.shape
    ((16, 32, 32), (32, 32))
    """
    img = _check_image(image)
    if not isinstance(n_frames, Integral) or n_frames < 1:
        raise ParameterError(f"n_frames must be a positive integer; got {n_frames!r}.")
    if not isinstance(amplitude, Real) or not np.isfinite(amplitude) or amplitude < 0:
        raise ParameterError(f"amplitude must be a finite number >= 0 (pixels); got "
                             f"{amplitude!r}.")
    if not isinstance(n_waves, Integral) or n_waves < 1:
        raise ParameterError(f"n_waves must be a positive integer; got {n_waves!r}.")
    if len(wavelengths) != 2 or min(wavelengths) <= 0:
        raise ParameterError(f"wavelengths must be two positive numbers (a range in pixels); "
                             f"got {wavelengths!r}.")
    if periods is None:
        periods = (1, max(1, min(4, n_frames - 1)))
    if (len(periods) != 2 or int(periods[0]) < 1 or int(periods[1]) < int(periods[0])
            or (n_frames > 1 and int(periods[1]) >= n_frames)):
        raise ParameterError(f"periods must be a range (low, high) of whole numbers with "
                             f"1 <= low <= high < n_frames = {n_frames}; got {periods!r}.")
    rng = np.random.default_rng(random_state)
    waves = _draw_waves(n_frames, n_waves, float(amplitude), wavelengths, periods, rng)
    shape = img.shape[:2]
    d = water_displacement(shape, n_frames, waves)
    frames = np.empty((n_frames,) + img.shape)
    if amplitude == 0:
        frames[:] = img
        return WaterVideo(frames, img, d, waves)
    rows, cols = np.meshgrid(np.arange(shape[0], dtype=np.float64),
                             np.arange(shape[1], dtype=np.float64), indexing="ij")
    channels = [img] if img.ndim == 2 else [img[..., c] for c in range(img.shape[2])]
    for t in range(n_frames):
        coords = np.stack([rows + d[t, :, :, 0], cols + d[t, :, :, 1]])
        warped = [ndimage.map_coordinates(ch, coords, order=order, mode="reflect")
                  for ch in channels]
        frames[t] = warped[0] if img.ndim == 2 else np.stack(warped, axis=-1)
    return WaterVideo(frames, img, d, waves)


def make_test_pattern(shape=(128, 128), *, random_state=0) -> np.ndarray:
    """A seeded grey test image in [0, 1]: discs, bars and a checkerboard on a smooth ramp.

    Sharp edges of every orientation make the water's distortion visible and measurable (a
    flat image looks the same however it is shifted).

    Parameters
    ----------
    shape : (height, width), default=(128, 128)
    random_state : int or numpy Generator, default=0

    Returns
    -------
    ndarray of shape (height, width), float64
    """
    h, w = int(shape[0]), int(shape[1])
    if h < 8 or w < 8:
        raise ParameterError(f"shape must be at least 8 x 8; got {shape!r}.")
    rng = np.random.default_rng(random_state)
    rows, cols = np.meshgrid(np.arange(h) / h, np.arange(w) / w, indexing="ij")
    img = 0.25 + 0.3 * (rows + cols) / 2.0
    cell = max(2, min(h, w) // 8)
    checker = ((np.arange(h)[:, None] // cell + np.arange(w)[None, :] // cell) % 2) == 0
    corner = (rows < 0.3) & (cols > 0.7)
    img[corner & checker] = 0.9
    img[corner & ~checker] = 0.1
    for _ in range(6):  # discs
        r0, c0 = rng.uniform(0.1, 0.9, 2)
        radius = rng.uniform(0.05, 0.15)
        img[(rows - r0) ** 2 + (cols - c0) ** 2 < radius ** 2] = rng.uniform(0.0, 1.0)
    for _ in range(5):  # bars at random angles
        r0, c0 = rng.uniform(0.15, 0.85, 2)
        angle = rng.uniform(0.0, np.pi)
        along = (rows - r0) * np.cos(angle) + (cols - c0) * np.sin(angle)
        across = -(rows - r0) * np.sin(angle) + (cols - c0) * np.cos(angle)
        img[(np.abs(along) < rng.uniform(0.1, 0.3)) & (np.abs(across) < 0.02)] = \
            rng.choice([0.05, 0.95])
    return np.clip(ndimage.gaussian_filter(img, 0.7), 0.0, 1.0)


def load_china_image(*, grey=True, size=None) -> np.ndarray:
    """scikit-learn's sample photograph ``china.jpg`` (427 x 640) as floats in [0, 1].

    Parameters
    ----------
    grey : bool, default=True
        Luma (ITU-R 601: 0.299 R + 0.587 G + 0.114 B), else the three colour channels.
    size : (height, width) or None, default=None
        Resize to this shape (Pillow's antialiased bicubic) when given.

    Returns
    -------
    ndarray of shape (height, width) or (height, width, 3)
    """
    from PIL import Image
    from sklearn.datasets import load_sample_image

    rgb = load_sample_image("china.jpg")
    if size is not None:
        rgb = np.asarray(Image.fromarray(rgb).resize((int(size[1]), int(size[0])),
                                                     Image.Resampling.BICUBIC))
    img = rgb.astype(np.float64) / 255.0
    if grey:
        img = img @ np.array([0.299, 0.587, 0.114])
    return np.clip(img, 0.0, 1.0)
