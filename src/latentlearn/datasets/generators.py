"""Seeded synthetic data whose ground truth is known, for testing what a method recovers.

Every generator takes ``n_samples`` and ``random_state`` (an int seed gives the same arrays bit
for bit; the default seed is 0 so that ``load("swiss_roll")`` is reproducible) and returns a
:class:`Dataset` whose ``factors`` hold the true low-dimensional coordinates.

- ``swiss_roll``, ``s_curve``: 2-D sheets rolled into 3-D, with scikit-learn's geometry
  (``sklearn.datasets.make_swiss_roll`` / ``make_s_curve``); factors ``(t, height)``.
- ``blobs``: isotropic Gaussian clusters; ``y`` is the cluster.
- ``gaussian_ring``: Gaussians evenly spaced on a circle, the usual toy for mode collapse in
  GANs; ``y`` is the mode, factor ``angle`` its direction.
- ``triangle``: a uniformly sampled triangular disk with optional erroneous "shortcut" edges
  between its corners, after Figure 5 of Efros, Isler, Shi and Visontai, "Seeing through water"
  (NIPS 2004), which shows shortest paths (Isomap) leaking through such edges.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from ..exceptions import ParameterError
from ._dataset import Dataset
from ._options import check_int, check_real, make_rng, seed_record

__all__ = [
    "make_swiss_roll",
    "make_s_curve",
    "make_blobs",
    "make_gaussian_ring",
    "make_triangle",
    "TRIANGLE_CORNERS",
]

logger = logging.getLogger(__name__)


def _noisy(X: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    if noise > 0:
        X = X + noise * rng.standard_normal(X.shape)
    return X.astype(np.float32)


def make_swiss_roll(n_samples: int = 1000, *, noise: float = 0.0,
                    random_state: int | None = 0) -> Dataset:
    """Points on a swiss roll: a rectangle rolled up in 3-D.

    With ``u, v ~ U(0, 1)``: ``t = 1.5 pi (1 + 2 u)``, ``height = 21 v`` and
    ``X = (t cos t, height, t sin t) + noise * N(0, I)`` -- scikit-learn's ``make_swiss_roll``.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of points.
    noise : float, default=0.0
        Standard deviation of the Gaussian noise added to each coordinate of ``X`` (not to the
        factors).
    random_state : int, numpy Generator or None, default=0
        Seed.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n_samples, 3); ``factors`` float64 of shape (n_samples, 2) with
        ``factor_names`` ``("t", "height")``, the true coordinates on the unrolled sheet
        (``t`` in [1.5 pi, 4.5 pi], height in [0, 21]); ``y`` None -- colour points by ``t``.
    """
    n_samples = check_int("n_samples", n_samples, minimum=1)
    noise = check_real("noise", noise, minimum=0.0)
    rng = make_rng(random_state)
    t = 1.5 * np.pi * (1.0 + 2.0 * rng.uniform(size=n_samples))
    height = 21.0 * rng.uniform(size=n_samples)
    X = np.column_stack([t * np.cos(t), height, t * np.sin(t)])
    return Dataset(
        X=_noisy(X, noise, rng),
        factors=np.column_stack([t, height]),
        factor_names=("t", "height"),
        name="swiss_roll",
        description=(f"{n_samples} points on a swiss roll in 3-D (noise {noise:g}); factors are "
                     "the roll angle t and the height on the unrolled sheet."),
        extras={"params": {"n_samples": n_samples, "noise": noise,
                           "random_state": seed_record(random_state)}},
    )


def make_s_curve(n_samples: int = 1000, *, noise: float = 0.0,
                 random_state: int | None = 0) -> Dataset:
    """Points on an S-shaped sheet in 3-D.

    With ``u, v ~ U(0, 1)``: ``t = 3 pi (u - 1/2)``, ``height = 2 v`` and
    ``X = (sin t, height, sign(t) (cos t - 1)) + noise * N(0, I)`` -- scikit-learn's
    ``make_s_curve``.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of points.
    noise : float, default=0.0
        Standard deviation of the Gaussian noise added to ``X``.
    random_state : int, numpy Generator or None, default=0
        Seed.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n_samples, 3); ``factors`` of shape (n_samples, 2) with
        ``factor_names`` ``("t", "height")`` (``t`` in [-1.5 pi, 1.5 pi], height in [0, 2]).
    """
    n_samples = check_int("n_samples", n_samples, minimum=1)
    noise = check_real("noise", noise, minimum=0.0)
    rng = make_rng(random_state)
    t = 3.0 * np.pi * (rng.uniform(size=n_samples) - 0.5)
    height = 2.0 * rng.uniform(size=n_samples)
    X = np.column_stack([np.sin(t), height, np.sign(t) * (np.cos(t) - 1.0)])
    return Dataset(
        X=_noisy(X, noise, rng),
        factors=np.column_stack([t, height]),
        factor_names=("t", "height"),
        name="s_curve",
        description=(f"{n_samples} points on an S-shaped sheet in 3-D (noise {noise:g}); "
                     "factors are the position t along the S and the height."),
        extras={"params": {"n_samples": n_samples, "noise": noise,
                           "random_state": seed_record(random_state)}},
    )


def make_blobs(n_samples: int = 1000, *, n_features: int = 2, centers: int = 3,
               cluster_std: float = 1.0, center_box: tuple[float, float] = (-10.0, 10.0),
               random_state: int | None = 0) -> Dataset:
    """Isotropic Gaussian blobs.

    Centres are drawn uniformly in ``center_box`` on every axis; blob ``k`` gets
    ``n_samples // centers`` points (the first ``n_samples % centers`` blobs one more), drawn
    from ``N(center_k, cluster_std^2 I)``; the rows are then shuffled.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of points.
    n_features : int, default=2
        Dimension of the points.
    centers : int or array-like of shape (n_centers, n_features), default=3
        Number of blobs, or their centres.
    cluster_std : float, default=1.0
        Standard deviation of every blob along every axis.
    center_box : tuple of float, default=(-10.0, 10.0)
        Bounds of the random centres.
    random_state : int, numpy Generator or None, default=0
        Seed.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n_samples, n_features); ``y`` int64 blob index of shape
        (n_samples,); ``extras["centers"]`` of shape (n_centers, n_features). No ``factors``.
    """
    n_samples = check_int("n_samples", n_samples, minimum=1)
    n_features = check_int("n_features", n_features, minimum=1)
    cluster_std = check_real("cluster_std", cluster_std, minimum=0.0)
    rng = make_rng(random_state)
    if np.ndim(centers) == 0:
        n_centers = check_int("centers", centers, minimum=1)
        if np.ndim(center_box) != 1 or len(center_box) != 2:
            raise ParameterError(f"option center_box={center_box!r} must be two numbers "
                                 "(low, high).")
        low, high = (check_real("center_box", b) for b in center_box)
        if not low < high:
            raise ParameterError(f"option center_box={tuple(center_box)} must be (low, high) "
                                 "with low < high.")
        center_array = rng.uniform(low, high, size=(n_centers, n_features))
    else:
        center_array = np.asarray(centers, dtype=np.float64)
        if center_array.ndim != 2 or center_array.shape[1] != n_features:
            raise ParameterError(
                f"option centers has shape {center_array.shape}; give an int or an array of "
                f"shape (n_centers, n_features={n_features})."
            )
        n_centers = center_array.shape[0]
    y = np.arange(n_samples) % n_centers  # balanced sizes, as in scikit-learn
    y = np.sort(y)
    X = center_array[y] + cluster_std * rng.standard_normal((n_samples, n_features))
    order = rng.permutation(n_samples)
    return Dataset(
        X=X[order].astype(np.float32),
        y=y[order].astype(np.int64),
        name="blobs",
        description=(f"{n_samples} points in {n_centers} isotropic Gaussian blobs in "
                     f"{n_features}-D (std {cluster_std:g}); y is the blob."),
        extras={"centers": center_array,
                "params": {"n_samples": n_samples, "n_features": n_features,
                           "centers": n_centers if np.ndim(centers) == 0 else center_array,
                           "cluster_std": cluster_std, "center_box": tuple(center_box),
                           "random_state": seed_record(random_state)}},
    )


def make_gaussian_ring(n_samples: int = 1000, *, n_modes: int = 8, radius: float = 1.0,
                       std: float = 0.05, random_state: int | None = 0) -> Dataset:
    """Gaussians evenly spaced on a circle (the "8 Gaussians" toy).

    Mode ``k`` sits at angle ``2 pi k / n_modes`` on a circle of ``radius``; each mode gets the
    same number of points (up to one), drawn from ``N(center_k, std^2 I)``, then shuffled.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of points.
    n_modes : int, default=8
        Number of Gaussians.
    radius : float, default=1.0
        Radius of the circle of centres.
    std : float, default=0.05
        Standard deviation of each Gaussian.
    random_state : int, numpy Generator or None, default=0
        Seed.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n_samples, 2); ``y`` int64 mode of shape (n_samples,);
        ``factors`` of shape (n_samples, 1), ``factor_names`` ``("angle",)``: the angle of the
        point's mode in [0, 2 pi); ``extras["centers"]`` of shape (n_modes, 2).
    """
    n_samples = check_int("n_samples", n_samples, minimum=1)
    n_modes = check_int("n_modes", n_modes, minimum=1)
    radius = check_real("radius", radius, minimum=0.0)
    std = check_real("std", std, minimum=0.0)
    rng = make_rng(random_state)
    angles = 2.0 * np.pi * np.arange(n_modes) / n_modes
    centers = radius * np.column_stack([np.cos(angles), np.sin(angles)])
    y = rng.permutation(np.arange(n_samples) % n_modes)
    X = centers[y] + std * rng.standard_normal((n_samples, 2))
    return Dataset(
        X=X.astype(np.float32),
        y=y.astype(np.int64),
        factors=angles[y][:, None],
        factor_names=("angle",),
        name="gaussian_ring",
        description=(f"{n_samples} points from {n_modes} Gaussians (std {std:g}) evenly spaced "
                     f"on a circle of radius {radius:g}; y is the mode."),
        extras={"centers": centers,
                "params": {"n_samples": n_samples, "n_modes": n_modes, "radius": radius,
                           "std": std, "random_state": seed_record(random_state)}},
    )


#: Corners of the triangle of :func:`make_triangle`: equilateral with unit sides, A and B on
#: the x axis, C on top.
TRIANGLE_CORNERS = {
    "A": (0.0, 0.0),
    "B": (1.0, 0.0),
    "C": (0.5, float(np.sqrt(3.0) / 2.0)),
}

# Figure 5 of the paper adds AC (middle panel), then AC and CB (right panel).
_PAPER_SHORTCUTS = ("AC", "CB")


def _parse_shortcuts(shortcuts) -> list[str]:
    """The shortcut edges asked for, as corner pairs like ``"AC"``."""
    if shortcuts is None or isinstance(shortcuts, (bool, np.bool_)):
        return list(_PAPER_SHORTCUTS) if shortcuts else []
    if isinstance(shortcuts, (int, np.integer)):
        if not 0 <= shortcuts <= len(_PAPER_SHORTCUTS):
            raise ParameterError(
                f"option shortcuts={shortcuts} must be 0, 1 (edge AC) or 2 (edges AC and CB), "
                "True, False, or corner pairs like 'AC,CB'."
            )
        return list(_PAPER_SHORTCUTS[:shortcuts])
    if isinstance(shortcuts, str):
        pairs = shortcuts.replace(";", ",").replace(" ", ",").split(",")
    elif isinstance(shortcuts, Sequence):
        pairs = list(shortcuts)
    else:
        raise ParameterError(f"option shortcuts={shortcuts!r} must be a bool, an int or corner "
                             "pairs like 'AC,CB'.")
    out = []
    for pair in pairs:
        if not isinstance(pair, str):
            raise ParameterError(f"option shortcuts: {pair!r} is not a corner pair like 'AC'.")
        pair = pair.strip().upper()
        if not pair or pair == "NONE":
            continue
        if len(pair) != 2 or pair[0] == pair[1] or set(pair) - set("ABC"):
            raise ParameterError(
                f"option shortcuts: {pair!r} is not a pair of two different corners among "
                "A, B, C (e.g. 'AC,CB')."
            )
        out.append(pair)
    return out


def make_triangle(n_samples: int = 1000, *, shortcuts: bool | int | str = False,
                  random_state: int | None = 0) -> Dataset:
    """Points drawn uniformly from a triangular disk, with optional erroneous shortcut edges.

    The triangle is equilateral with unit sides: ``A = (0, 0)``, ``B = (1, 0)``,
    ``C = (1/2, sqrt(3)/2)`` (:data:`TRIANGLE_CORNERS`). A point is
    ``A + u (B - A) + v (C - A)`` with ``u, v ~ U(0, 1)``, reflected to ``(1 - u, 1 - v)``
    when ``u + v > 1``.

    The shortcuts reproduce Figure 5 of "Seeing through water" (Efros et al., NIPS 2004): after
    building a kNN graph on ``X``, a graph method is given extra, *wrong* neighbour edges that
    join far-apart corners, e.g. ``AC`` joins the sample nearest corner A to the sample
    nearest corner C. Shortest paths (Isomap) then leak through them; convex flow should not.
    This function only returns the edges (as sample indices); it is up to the graph builder
    to insert them as if they were ordinary neighbour edges (a short length, e.g. the median
    kNN edge length -- at their Euclidean length they would change nothing, as the disk is
    convex).

    Parameters
    ----------
    n_samples : int, default=1000
        Number of points.
    shortcuts : bool, int, str or sequence of str, default=False
        Which shortcut edges to return: ``False``/``0`` none; ``1`` edge ``AC`` (the paper's
        middle panel); ``True``/``2`` edges ``AC`` and ``CB`` (the right panel); or corner pairs
        such as ``"AC,CB"`` or ``["AB"]``.
    random_state : int, numpy Generator or None, default=0
        Seed.

    Returns
    -------
    Dataset
        ``X`` float32 of shape (n_samples, 2): the planar points. ``factors`` float64 of shape
        (n_samples, 2), ``factor_names`` ``("x", "y")``: the true 2-D coordinates, which for
        this planar data are ``X`` itself (at full precision). ``extras``:

        - ``"corners"``: dict corner name -> index of the sample nearest that corner;
        - ``"corner_coordinates"``: :data:`TRIANGLE_CORNERS`;
        - ``"edges"``: int64 array of shape (n_edges, 2) of sample indices, one row per
          shortcut, in the order asked (``AC`` then ``CB`` by default); shape (0, 2) if none;
        - ``"edge_names"``: tuple of the corner pairs, one per row of ``"edges"``.
    """
    n_samples = check_int("n_samples", n_samples, minimum=1)
    pairs = _parse_shortcuts(shortcuts)
    rng = make_rng(random_state)
    a, b, c = (np.array(TRIANGLE_CORNERS[k]) for k in "ABC")
    uv = rng.uniform(size=(n_samples, 2))
    outside = uv.sum(axis=1) > 1.0
    uv[outside] = 1.0 - uv[outside]
    points = a + uv[:, :1] * (b - a) + uv[:, 1:] * (c - a)  # (n_samples, 2)
    corners = {
        name: int(np.argmin(((points - np.array(xy)) ** 2).sum(axis=1)))
        for name, xy in TRIANGLE_CORNERS.items()
    }
    edges = np.array([[corners[p[0]], corners[p[1]]] for p in pairs], dtype=np.int64).reshape(-1, 2)
    if len(edges) and np.any(edges[:, 0] == edges[:, 1]):
        raise ParameterError(
            f"with n_samples={n_samples} one sample is nearest to two corners, so a shortcut "
            "would join a point to itself; raise n_samples."
        )
    what = f" with shortcut edges {', '.join(pairs)}" if pairs else ""
    return Dataset(
        X=points.astype(np.float32),
        factors=points.copy(),
        factor_names=("x", "y"),
        name="triangle",
        description=(f"{n_samples} points drawn uniformly from an equilateral triangle{what}; "
                     "the factors are the true planar coordinates."),
        extras={"corners": corners, "corner_coordinates": dict(TRIANGLE_CORNERS),
                "edges": edges, "edge_names": tuple(pairs),
                "params": {"n_samples": n_samples, "shortcuts": ",".join(pairs) or False,
                           "random_state": seed_record(random_state)}},
    )
