"""dSprites-like images rendered by our own code, for disentanglement metrics.

The factor grid is the one of dSprites (Matthey, Higgins, Hassabis and Lerchner, 2017):

=============  ======  =====================================================
factor         values  grid
=============  ======  =====================================================
shape          3       0 square, 1 ellipse, 2 heart
scale          6       linspace(0.5, 1, 6)
orientation    40      2 pi k / 40, k = 0..39 (radians, [0, 2 pi))
posX           32      linspace(0, 1, 32): left edge to right edge of the travel
posY           32      linspace(0, 1, 32): top to bottom (image rows grow downwards)
=============  ======  =====================================================

3 * 6 * 40 * 32 * 32 = 737,280 combinations. The images are 64x64 and binary. They are not the
DeepMind files (nothing is downloaded): each shape is an implicit region of the unit disk,
sampled at pixel centres after an inverse similarity transform.

In canonical coordinates ``(u, v)`` (``v`` pointing down, the shape inside the unit disk):

- square: ``max(|u|, |v|) <= 1/sqrt(2)`` (its corners touch the unit circle);
- ellipse: ``u^2 + (2 v)^2 <= 1`` (semi-axes 1 and 1/2, so orientation is visible);
- heart: ``(x^2 + y^2 - 1)^3 - x^2 y^3 <= 0`` with ``x = 1.25 u``, ``y = 0.25 - 1.25 v``;
  the curve fits in a disk of radius 1.25 centred at (0, 0.25), so this maps it into the
  unit disk, point up.

A pixel centre ``p`` (in pixels) is inside when ``R(-orientation) (p - centre) / (scale r)``
is inside the canonical shape, with ``r`` = :data:`MAX_RADIUS` pixels. The centre travels over
``[MARGIN, 64 - MARGIN]`` with ``MARGIN = MAX_RADIUS + 1``, so every shape at every scale,
orientation and position lies wholly inside the frame, with at least one empty pixel around it.
Rotations by a symmetry of the shape give the same image (a square repeats every 90 degrees, an
ellipse every 180), as in dSprites.

Memory: one image is 4,096 floats, so ``n`` images take ``n * 16 KiB`` as float32; the full grid
is 737,280 * 4,096 * 4 bytes = 12.1 GB (3 GB even as uint8). :func:`make_dsprites` therefore
refuses more than ``max_memory_gb`` (default 4) unless told otherwise; to stream the full grid,
render batches of factor indices with :func:`render_dsprites` instead.
"""

from __future__ import annotations

import logging

import numpy as np

from ..exceptions import ParameterError
from ._dataset import Dataset
from ._options import check_int, check_real, make_rng, seed_record

__all__ = [
    "make_dsprites",
    "render_dsprites",
    "dsprites_factor_values",
    "DSpritesFactors",
    "FACTOR_NAMES",
    "FACTOR_SIZES",
    "SHAPE_NAMES",
    "IMAGE_SIZE",
]

logger = logging.getLogger(__name__)

IMAGE_SIZE = 64
FACTOR_NAMES = ("shape", "scale", "orientation", "posX", "posY")
FACTOR_SIZES = (3, 6, 40, 32, 32)
SHAPE_NAMES = ("square", "ellipse", "heart")
#: Radius in pixels of the unit disk that holds a shape at scale 1.
MAX_RADIUS = 10.0
#: Distance in pixels from the frame to the extreme centre positions.
MARGIN = MAX_RADIUS + 1.0
N_COMBINATIONS = int(np.prod(FACTOR_SIZES))
_BATCH = 4096  # images rendered at once: bounds the temporaries to a few tens of MB
_WINDOW = int(2 * MARGIN) + 1  # side of the patch evaluated around each centre, in pixels


def dsprites_factor_values() -> tuple[np.ndarray, ...]:
    """The value of each grid step, one array per factor (lengths :data:`FACTOR_SIZES`)."""
    return (
        np.arange(3, dtype=np.float64),
        np.linspace(0.5, 1.0, 6),
        2.0 * np.pi * np.arange(40) / 40.0,
        np.linspace(0.0, 1.0, 32),
        np.linspace(0.0, 1.0, 32),
    )


def _inside(shape: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Whether canonical points ``(u, v)`` of shape (batch, H, W) lie inside each image's shape."""
    out = np.zeros(u.shape, dtype=bool)
    for code in range(3):
        rows = shape == code
        if not rows.any():
            continue
        uu, vv = u[rows], v[rows]
        if code == 0:  # square
            out[rows] = np.maximum(np.abs(uu), np.abs(vv)) <= np.float32(1.0 / np.sqrt(2.0))
        elif code == 1:  # ellipse, semi-axes 1 and 1/2
            out[rows] = uu * uu + 4.0 * vv * vv <= 1.0
        else:  # heart, point up (v grows downwards)
            x = 1.25 * uu
            y = 0.25 - 1.25 * vv
            r = x * x + y * y - 1.0
            out[rows] = r * r * r - x * x * y * y * y <= 0.0
    return out


def _render_kernel(indices: np.ndarray, out: np.ndarray) -> None:
    """Draw valid factor indices of shape (n, 5) into ``out`` of shape (n, 64, 64).

    A shape never leaves the disk of radius ``MAX_RADIUS`` around its centre, so only a
    ``_WINDOW`` x ``_WINDOW`` patch around the centre is evaluated (8x fewer pixels than the
    frame) and pasted into an empty frame.
    """
    n = len(indices)
    values = dsprites_factor_values()
    shape = indices[:, 0]
    scale = values[1][indices[:, 1]]
    angle = values[2][indices[:, 2]]
    travel = IMAGE_SIZE - 2.0 * MARGIN
    cx = MARGIN + travel * values[3][indices[:, 3]]
    cy = MARGIN + travel * values[4][indices[:, 4]]
    # First pixel of each patch; the clip only bites at the far edge, where the patch still
    # covers the disk because MARGIN leaves a pixel to spare.
    x0 = np.clip(np.floor(cx - MARGIN).astype(np.intp), 0, IMAGE_SIZE - _WINDOW)  # (n,)
    y0 = np.clip(np.floor(cy - MARGIN).astype(np.intp), 0, IMAGE_SIZE - _WINDOW)
    offsets = np.arange(_WINDOW)
    cols = x0[:, None] + offsets  # (n, window)
    rows = y0[:, None] + offsets
    radius = (scale * MAX_RADIUS).astype(np.float32)[:, None, None]
    dx = (cols + 0.5 - cx[:, None]).astype(np.float32)[:, None, :]  # (n, 1, window)
    dy = (rows + 0.5 - cy[:, None]).astype(np.float32)[:, :, None]  # (n, window, 1)
    cos = np.cos(angle).astype(np.float32)[:, None, None]
    sin = np.sin(angle).astype(np.float32)[:, None, None]
    # Inverse rotation of the pixel offsets, then undo the scale: canonical coordinates.
    u = (cos * dx + sin * dy) / radius  # (n, window, window)
    v = (-sin * dx + cos * dy) / radius
    out[...] = 0
    out[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]] = _inside(shape, u, v)


def _check_indices(factor_indices) -> np.ndarray:
    indices = np.asarray(factor_indices)
    if indices.ndim == 1:
        indices = indices[None, :]
    if indices.ndim != 2 or indices.shape[1] != 5 or not np.issubdtype(indices.dtype, np.integer):
        raise ParameterError(
            f"factor_indices must be an integer array of shape (n, 5), got shape "
            f"{indices.shape} and dtype {indices.dtype}."
        )
    sizes = np.array(FACTOR_SIZES)
    bad = (indices < 0) | (indices >= sizes)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ParameterError(
            f"factor_indices[{row}, {col}] = {indices[row, col]} is outside the grid: factor "
            f"{FACTOR_NAMES[col]!r} takes indices 0..{sizes[col] - 1}."
        )
    return indices.astype(np.intp)


def render_dsprites(factor_indices, *, out: np.ndarray | None = None) -> np.ndarray:
    """Render the images at given grid indices.

    Parameters
    ----------
    factor_indices : array-like of int, shape (n, 5) or (5,)
        Indices into the grid: shape, scale, orientation, posX, posY (see the module docstring).
    out : ndarray of shape (n, 64, 64), optional
        Where to write the images (any dtype; e.g. a float32 view of a larger buffer).

    Returns
    -------
    ndarray of shape (n, 64, 64)
        ``out`` if given, else a bool array; True (1) inside the shape.
    """
    indices = _check_indices(factor_indices)
    n = len(indices)
    if out is None:
        out = np.empty((n, IMAGE_SIZE, IMAGE_SIZE), dtype=bool)
    elif out.shape != (n, IMAGE_SIZE, IMAGE_SIZE):
        raise ParameterError(f"out has shape {out.shape}; it must be ({n}, 64, 64).")
    for start in range(0, n, _BATCH):
        stop = min(start + _BATCH, n)
        _render_kernel(indices[start:stop], out[start:stop])
    return out


def make_dsprites(n_samples: int = 10_000, *, full: bool = False, max_memory_gb: float = 4.0,
                  random_state: int | None = 0) -> Dataset:
    """dSprites-style 64x64 binary images with their five ground-truth factors.

    Parameters
    ----------
    n_samples : int, default=10000
        Number of images: distinct grid combinations drawn at random without replacement with
        ``random_state`` (in the drawn order). Rendering 10,000 takes about a second. Ignored
        when ``full`` is True.
    full : bool, default=False
        Return the whole grid, 737,280 images in grid order (shape slowest, posY fastest, as
        ``numpy.unravel_index(i, FACTOR_SIZES)``). That is 12.1 GB as float32: raise
        ``max_memory_gb`` to at least 12.1 to allow it.
    max_memory_gb : float, default=4.0
        The largest ``X`` (in GB, float32) this function will build; a guard against asking for
        more memory than the machine has.
    random_state : int, numpy Generator or None, default=0
        Seed of the subset.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n_samples, 4096) with values 0 and 1, ``image_shape`` (64, 64);
        ``factors`` float64 of shape (n_samples, 5): the factor values (shape code 0/1/2 as a
        float, scale, orientation in radians, posX, posY), ``factor_names``
        ``("shape", "scale", "orientation", "posX", "posY")``; ``y`` int64 shape code;
        ``extras``: ``"factor_indices"`` int64 (n_samples, 5) grid indices, ``"factor_sizes"``
        ``(3, 6, 40, 32, 32)``, ``"factor_values"`` (one array of grid values per factor) and
        ``"shape_names"`` ``("square", "ellipse", "heart")``.

    Raises
    ------
    ParameterError
        If ``X`` would exceed ``max_memory_gb``, or ``n_samples`` exceeds the grid.
    """
    full = bool(full)
    max_memory_gb = check_real("max_memory_gb", max_memory_gb, minimum=0.0, strict=True)
    if full:
        n = N_COMBINATIONS
    else:
        n = check_int("n_samples", n_samples, minimum=1, maximum=N_COMBINATIONS)
    need_gb = n * IMAGE_SIZE * IMAGE_SIZE * 4 / 1e9
    if need_gb > max_memory_gb:
        what = "the full grid" if full else f"n_samples={n}"
        raise ParameterError(
            f"{what} needs {need_gb:.1f} GB for X as float32 ({n} x 4096), more than "
            f"max_memory_gb={max_memory_gb:g}; pass max_memory_gb={np.ceil(need_gb * 10) / 10:g} "
            "if the machine has the memory, ask for fewer n_samples, or render batches with "
            "render_dsprites(factor_indices)."
        )
    if full:
        flat = np.arange(n)
        logger.warning("dsprites: rendering the full grid, %d images (%.1f GB)", n, need_gb)
    else:
        flat = make_rng(random_state).choice(N_COMBINATIONS, size=n, replace=False)
    indices = np.stack(np.unravel_index(flat, FACTOR_SIZES), axis=1).astype(np.int64)  # (n, 5)
    X = np.empty((n, IMAGE_SIZE * IMAGE_SIZE), dtype=np.float32)
    render_dsprites(indices, out=X.reshape(n, IMAGE_SIZE, IMAGE_SIZE))
    grid = dsprites_factor_values()
    factors = np.column_stack([grid[k][indices[:, k]] for k in range(5)])
    how = "the full grid of" if full else "a random subset of"
    return Dataset(
        X=X,
        y=indices[:, 0].copy(),
        factors=factors,
        factor_names=FACTOR_NAMES,
        image_shape=(IMAGE_SIZE, IMAGE_SIZE),
        name="dsprites",
        description=(f"{n} 64x64 binary sprites (square, ellipse, heart), {how} the dSprites "
                     "factor grid: shape, scale, orientation, posX, posY."),
        extras={"factor_indices": indices, "factor_sizes": FACTOR_SIZES,
                "factor_values": grid, "shape_names": SHAPE_NAMES,
                "params": {"n_samples": n, "full": full, "max_memory_gb": max_memory_gb,
                           "random_state": seed_record(random_state)}},
    )


class DSpritesFactors:
    """The dSprites grid as a ground-truth factor source for the sampled disentanglement scores.

    The protocol of :func:`latentlearn.metrics.beta_vae_score` and
    :func:`latentlearn.metrics.factor_vae_score` (Higgins et al. 2017; Kim & Mnih 2018): draw
    factor indices, render them. Every factor is drawn uniformly and independently, as in
    dSprites (Matthey et al. 2017), whose grid holds every combination.

    Attributes
    ----------
    factor_sizes : tuple of int
        ``(3, 6, 40, 32, 32)``: values of shape, scale, orientation, posX, posY.
    factor_names : tuple of str
    """

    factor_sizes = FACTOR_SIZES
    factor_names = FACTOR_NAMES

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` uniform draws of grid indices, int64 of shape (n, 5)."""
        return np.column_stack([rng.integers(size, size=int(n)) for size in FACTOR_SIZES])

    def render(self, factor_indices) -> np.ndarray:
        """The images at ``factor_indices`` (n, 5), flattened: float32 of shape (n, 4096)."""
        indices = _check_indices(factor_indices)
        X = np.empty((len(indices), IMAGE_SIZE * IMAGE_SIZE), dtype=np.float32)
        render_dsprites(indices, out=X.reshape(len(indices), IMAGE_SIZE, IMAGE_SIZE))
        return X

    def factor_values(self, factor_indices) -> np.ndarray:
        """The factor values at ``factor_indices`` (n, 5), float64 of shape (n, 5)."""
        indices = _check_indices(factor_indices)
        grid = dsprites_factor_values()
        return np.column_stack([grid[k][indices[:, k]] for k in range(5)])

    def __repr__(self) -> str:
        return "DSpritesFactors()"
