"""Seeing through water: recover an image filmed through a moving water surface.

Efros, Isler, Shi & Visontai (2004), "Seeing through water", NIPS 17. Under rippling water each
point of the image is seen displaced by the surface's slope, which moves about zero. A patch of
the video, followed over the frames, therefore wanders over a low-dimensional set of distorted
views whose *centre* is the undistorted one. At every patch location (overlapping patches on a
grid) the frames' patches are embedded with a graph embedding -- the convex-flow embedding by
default, as in the paper, or Isomap / Laplacian eigenmaps -- and the frame whose patch lies
nearest the centre of the embedding is taken; the chosen patches are stitched with raised-cosine
(Hann) weights that sum to one where patches overlap by half. ``n_centers=3`` averages the three
patches nearest the centre (our reading of the paper's Figure 6, "three centers").

Baselines (the paper's Figures 2 and 6): the mean and the median of the frames, and, at every
location, the frame's patch closest to the mean patch and to the median patch, stitched alike.

:func:`restore` does the work on an array; :func:`read_frames` reads frames from an array, a
``.npy`` file or a folder of images; :func:`quality` scores a result against the clean image
(PSNR and SSIM from scikit-image); :func:`write_water_run` writes a run folder with a report
(``latentlearn water``).

What we measured (``benchmarks/bench_water.py``: videos of 64 frames from
:func:`latentlearn.datasets.water.make_water_video`, amplitude 2 pixels, wavelengths 32-128,
128 x 128 grey; PSNR in dB / SSIM against the clean image; "best frame" picks, at every
location, the frame nearest the clean patch: the ceiling of any one-frame-per-location method)::

    video, patch             ours         3 centres    mean         median       best frame
    china.jpg, 16            35.72/0.985  36.58/0.987  31.25/0.960  33.02/0.974  37.62/0.990
    china.jpg, 8             38.81/0.993  38.89/0.994  31.25/0.960  33.02/0.974  41.30/0.996
    test pattern, 16         39.39/0.996  41.09/0.997  38.36/0.994  43.46/0.998  42.92/0.998
    test pattern, 8          43.79/0.998  44.47/0.999  38.36/0.994  43.46/0.998  47.64/0.999

On the photograph the paper's order holds: centre > median > mean. On the generated test
pattern with 16-pixel patches the median wins, for two reasons we measured. (1) The pattern is
flat regions and step edges, and under a displacement that is zero-mean and nearly symmetric at
every pixel (as the generator's is) a pixel near a step lies on its own side in more than half
the frames, so the per-pixel median *is* the clean value except at corners and thin bars: 43.46 dB,
above even the best single frame per 16-pixel patch (42.92 dB). No choice of frames can beat it
there; a real photograph has texture, which the median blurs (33.02 dB on china.jpg). (2) The
distortion is not one shift across a 16-pixel patch (wavelengths from 32 pixels), so no frame
is undistorted over the whole patch; the frame at the embedding's centre is displaced by 0.39
pixels on average, against 0.24 for the least distorted frame and 0.53 for all frames. Smaller
patches make the distortion within a patch closer to a shift: with 8-pixel patches ours beats
the median on the pattern too (43.79 dB), at four times the number of locations.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path

import numpy as np

from ..exceptions import DataError, ParameterError

__all__ = ["WaterResult", "restore", "read_frames", "patch_locations", "embed_location",
           "quality", "write_water_run", "METHODS", "METRIC_DESCRIPTIONS"]

logger = logging.getLogger(__name__)

#: Embedding methods by name: the convex-flow embedding of Efros et al. 2004 (default), Isomap
#: (Tenenbaum et al. 2000), Laplacian eigenmaps (Belkin & Niyogi 2003).
METHODS = ("convex_flow", "isomap", "laplacian_eigenmaps")

MIN_FRAMES = 8


# --------------------------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------------------------

def _check_frames(frames) -> np.ndarray:
    """Frames as float64 ``(n_frames, h, w)`` or ``(n_frames, h, w, 3)``; errors name a frame."""
    if isinstance(frames, (list, tuple)):
        if len(frames) == 0:
            raise DataError("no frames given; pass at least 8 frames.")
        items = [np.asarray(f) for f in frames]
        first = items[0]
        for i, f in enumerate(items):
            if f.ndim != first.ndim:
                kinds = {2: "grey (h, w)", 3: "colour (h, w, 3)"}
                raise DataError(f"frame {i} is {kinds.get(f.ndim, f'{f.ndim}-D')} but frame 0 "
                                f"is {kinds.get(first.ndim, f'{first.ndim}-D')}: colour "
                                f"frames mixed with grey; convert them all to one kind.")
            if f.shape != first.shape:
                raise DataError(f"frame {i} has size {f.shape} but frame 0 has {first.shape}; "
                                f"all frames must have the same size.")
        frames = np.stack(items)
    arr = np.asarray(frames)
    if arr.dtype.kind not in "fiub":
        raise DataError(f"frames must be numeric; got dtype {arr.dtype}.")
    if not (arr.ndim == 3 or (arr.ndim == 4 and arr.shape[-1] == 3)):
        raise DataError(f"frames must have shape (n_frames, height, width) or (n_frames, "
                        f"height, width, 3); got {arr.shape}.")
    if arr.shape[0] < MIN_FRAMES:
        raise DataError(f"only {arr.shape[0]} frames; seeing through water needs at least "
                        f"{MIN_FRAMES} frames (the paper used hundreds) to find the centre of "
                        f"their distortions.")
    arr = arr.astype(np.float64)
    bad = ~np.isfinite(arr.reshape(len(arr), -1)).all(axis=1)
    if bad.any():
        raise DataError(f"frame {int(np.flatnonzero(bad)[0])} holds NaN or infinite values.")
    return arr


def read_frames(source) -> np.ndarray:
    """Frames from an array, a ``.npy`` file or a folder of images.

    Files are read with latentlearn's readers (:func:`latentlearn.datasets.read_npy`,
    :func:`latentlearn.datasets.read_image_folder`, images in natural name order), which scale
    them to [0, 1].

    Parameters
    ----------
    source : array-like of shape (n_frames, height, width[, 3]), list of frames, str or Path

    Returns
    -------
    ndarray of shape (n_frames, height, width) or (n_frames, height, width, 3), float64

    Raises
    ------
    DataError
        Frames of different sizes or kinds (colour and grey), fewer than 8 frames, a folder
        without images, non-finite values; each message names the frame or file.
    """
    from ..datasets import read_image_folder, read_npy

    if not isinstance(source, (str, Path)):
        return _check_frames(source)
    path = Path(source)
    if path.is_dir():
        from ..datasets.files import IMAGE_SUFFIXES

        files = sorted(p for p in path.iterdir() if p.is_file()
                       and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))
        modes = {}
        for file in files:  # mixed colour and grey would be silently converted: refuse it
            modes.setdefault(_image_kind(file), file)
        if len(modes) > 1:
            raise DataError(f"{path}: colour frames mixed with grey ({modes['colour'].name} is "
                            f"colour, {modes['grey'].name} is grey); convert them all to one "
                            f"kind.")
        mode = "RGB" if "colour" in modes else "L"
        data = read_image_folder(path, mode=mode)
    elif path.suffix.lower() == ".npy" or not path.exists():
        data = read_npy(path)
    else:
        raise DataError(f"{path}: pass a .npy file of frames or a folder of images.")
    if data.image_shape is None:
        raise DataError(f"{path}: holds a table of shape {data.X.shape}, not frames; save an "
                        f"array of shape (n_frames, height, width[, 3]).")
    return _check_frames(data.X.astype(np.float64).reshape((-1,) + tuple(data.image_shape)))


def _image_kind(file: Path) -> str:
    from PIL import Image

    try:
        with Image.open(file) as image:
            bands = len(image.getbands())
    except (OSError, SyntaxError, ValueError) as exc:
        raise DataError(f"{file}: cannot be read as an image ({exc}); re-export it or remove "
                        f"it from the folder.") from exc
    return "colour" if bands >= 3 else "grey"


# --------------------------------------------------------------------------------------------
# Patches
# --------------------------------------------------------------------------------------------

def _starts(size: int, patch: int, stride: int) -> np.ndarray:
    starts = list(range(0, size - patch + 1, stride))
    if starts[-1] != size - patch:  # the last patch reaches the border
        starts.append(size - patch)
    return np.asarray(starts)


def patch_locations(shape, patch_size, stride):
    """Top-left corners ``(n_locations, 2)`` of the patches covering an image of ``shape``."""
    rows, cols = _starts(shape[0], patch_size, stride), _starts(shape[1], patch_size, stride)
    return np.array([(r, c) for r in rows for c in cols], dtype=np.int64)


def _window(patch_size: int) -> np.ndarray:
    """Raised-cosine weights; shifted by half a patch they sum to one (sin^2 + cos^2)."""
    w = np.sin(np.pi * (np.arange(patch_size) + 0.5) / patch_size) ** 2
    return np.outer(w, w)


def _stitch(patches, locations, shape, patch_size):
    """Blend ``patches`` (n_locations, p, p[, 3]) placed at ``locations`` into one image."""
    w = _window(patch_size)
    if len(shape) == 3:
        w = w[:, :, None]
    out = np.zeros(shape)
    weight = np.zeros(shape[:2] + ((1,) if len(shape) == 3 else ()))
    for (r, c), patch in zip(locations, patches):
        out[r:r + patch_size, c:c + patch_size] += w * patch
        weight[r:r + patch_size, c:c + patch_size] += w
    return out / weight


# --------------------------------------------------------------------------------------------
# Per location
# --------------------------------------------------------------------------------------------

def _embedder(method, n_components, n_neighbors, random_state, tol):
    from ..manifold import ConvexFlowEmbedding, Isomap, LaplacianEigenmaps

    if method == "convex_flow":
        return ConvexFlowEmbedding(n_components, n_neighbors=n_neighbors, tol=tol)
    if method == "isomap":
        return Isomap(n_components, n_neighbors=n_neighbors, n_landmarks=None,
                      random_state=random_state)
    return LaplacianEigenmaps(n_components, n_neighbors=n_neighbors, random_state=random_state)


def embed_location(X, *, method="convex_flow", n_components=2, n_neighbors=8, tol=1e-3,
                   random_state=0):
    """Embed one location's patches and rank them by distance to the embedding's centre.

    Parameters
    ----------
    X : ndarray of shape (n_frames, n_pixels)
        The location's patch in every frame, flattened.

    Returns
    -------
    embedding : ndarray of shape (n_frames, n_components)
    order : ndarray of shape (n_frames,)
        Frame indices, nearest the centre (the embedding's mean) first.
    estimator : the fitted embedding estimator (None when all patches are equal)
    """
    n = X.shape[0]
    if np.ptp(X, axis=0).max(initial=0.0) == 0.0:  # a static patch: every frame is the answer
        return np.zeros((n, n_components)), np.arange(n), None
    est = _embedder(method, n_components, min(n_neighbors, n - 1), random_state, tol)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a disconnected graph is joined, as documented
        Y = est.fit_transform(X)
    centre = Y.mean(axis=0)
    order = np.argsort(np.sum((Y - centre) ** 2, axis=1), kind="stable")
    return Y, order, est


def _location_block(frames, locations, patch_size, method, n_components, n_neighbors,
                    n_centers, tol, random_state):
    """The chosen frames (n_locations, n_centers) and the gap/iterations of a block."""
    chosen = np.empty((len(locations), n_centers), dtype=np.int64)
    gaps, iters = [], []
    for i, (r, c) in enumerate(locations):
        X = frames[:, r:r + patch_size, c:c + patch_size].reshape(len(frames), -1)
        _, order, est = embed_location(X, method=method, n_components=n_components,
                                       n_neighbors=n_neighbors, tol=tol,
                                       random_state=random_state)
        chosen[i] = order[:n_centers]
        if est is not None and hasattr(est, "gap_"):
            gaps.append(est.gap_)
            iters.append(est.n_iter_)
    return chosen, gaps, iters


def _closest(frames, locations, patch_size, target):
    """Per location, the frame whose patch is nearest (L2) ``target``'s patch."""
    out = np.empty(len(locations), dtype=np.int64)
    for i, (r, c) in enumerate(locations):
        P = frames[:, r:r + patch_size, c:c + patch_size].reshape(len(frames), -1)
        t = target[r:r + patch_size, c:c + patch_size].reshape(-1)
        out[i] = int(np.argmin(np.sum((P - t) ** 2, axis=1)))
    return out


def _gather(frames, locations, patch_size, chosen):
    """Patches (n_locations, p, p[, 3]) averaged over the chosen frames of each location."""
    chosen = np.asarray(chosen).reshape(len(locations), -1)
    return np.stack([frames[idx, r:r + patch_size, c:c + patch_size].mean(axis=0)
                     for (r, c), idx in zip(locations, chosen)])


@dataclass
class WaterResult:
    """What :func:`restore` returns.

    Attributes
    ----------
    image : ndarray of shape (height, width[, 3])
        Ours: the stitched centre patches.
    mean, median : ndarray of shape (height, width[, 3])
        The frames' per-pixel mean and median.
    closest_to_mean, closest_to_median : ndarray of shape (height, width[, 3])
        Stitched frame patches closest to the mean and to the median patch.
    locations : ndarray of shape (n_locations, 2)
        Top-left corners of the patches.
    chosen : ndarray of shape (n_locations, n_centers)
        The frames whose patches were taken at each location.
    params : dict
    n_iter, gap : ndarray
        Convex-flow sweeps and final relative duality gaps over the locations (empty for the
        other methods).
    time_s : float
    """

    image: np.ndarray
    mean: np.ndarray
    median: np.ndarray
    closest_to_mean: np.ndarray
    closest_to_median: np.ndarray
    locations: np.ndarray
    chosen: np.ndarray
    params: dict = field(default_factory=dict)
    n_iter: np.ndarray = field(default_factory=lambda: np.zeros(0))
    gap: np.ndarray = field(default_factory=lambda: np.zeros(0))
    time_s: float = 0.0


def _check_params(frames, patch_size, stride, method, n_centers, n_components, n_neighbors,
                  n_jobs):
    h, w = frames.shape[1:3]
    if not isinstance(patch_size, Integral) or patch_size < 2:
        raise ParameterError(f"patch_size must be an integer >= 2; got {patch_size!r}.")
    if patch_size > min(h, w):
        raise ParameterError(f"patch_size={patch_size} is larger than the frames ({h} x {w} "
                             f"pixels); choose patch_size <= {min(h, w)}.")
    if not isinstance(stride, Integral) or not 1 <= stride <= patch_size:
        raise ParameterError(f"stride must be an integer in [1, patch_size={patch_size}]; got "
                             f"{stride!r}.")
    if method not in METHODS:
        raise ParameterError(f"method={method!r} is not one of {', '.join(METHODS)}.")
    if not isinstance(n_centers, Integral) or not 1 <= n_centers <= len(frames):
        raise ParameterError(f"n_centers must be an integer in [1, n_frames={len(frames)}]; "
                             f"got {n_centers!r}.")
    if not isinstance(n_components, Integral) or not 1 <= n_components < len(frames):
        raise ParameterError(f"n_components must be an integer in [1, n_frames - 1]; got "
                             f"{n_components!r}.")
    if not isinstance(n_neighbors, Integral) or n_neighbors < 1:
        raise ParameterError(f"n_neighbors must be a positive integer; got {n_neighbors!r}.")
    if not isinstance(n_jobs, Integral) or n_jobs == 0:
        raise ParameterError(f"n_jobs must be a non-zero integer (-1: all cores); got "
                             f"{n_jobs!r}.")


def restore(frames, *, patch_size=16, stride=None, method="convex_flow", n_centers=1,
            n_components=2, n_neighbors=8, tol=1e-3, n_jobs=1, random_state=0) -> WaterResult:
    """Recover the image under the water from its frames (Efros et al. 2004).

    Parameters
    ----------
    frames : array-like of shape (n_frames, height, width) or (n_frames, height, width, 3)
        At least 8 frames (see :func:`read_frames` for files).
    patch_size : int, default=16
        Side of the square patches.
    stride : int or None, default=None
        Step between patch locations; ``None``: ``patch_size // 2`` (the raised-cosine weights
        then sum to one).
    method : {"convex_flow", "isomap", "laplacian_eigenmaps"}, default="convex_flow"
        The embedding of each location's patches.
    n_centers : int, default=1
        Patches nearest the centre averaged at each location (3: the paper's "three centers").
    n_components : int, default=2
        Dimension of each embedding.
    n_neighbors : int, default=8
        Neighbours of each patch in the graph.
    tol : float, default=1e-3
        Relative duality gap the convex flow runs to.
    n_jobs : int, default=1
        Threads over the patch locations (joblib; -1: all cores). The convex-flow kernel
        runs without Python's lock, so the locations' flows run side by side.
    random_state : int, default=0

    Returns
    -------
    WaterResult
    """
    start = time.perf_counter()
    frames = _check_frames(frames)
    stride = patch_size // 2 if stride is None and isinstance(patch_size, Integral) else stride
    _check_params(frames, patch_size, stride, method, n_centers, n_components, n_neighbors,
                  n_jobs)
    shape = frames.shape[1:]
    locations = patch_locations(shape, patch_size, stride)
    args = (patch_size, method, n_components, n_neighbors, n_centers, tol, random_state)
    if n_jobs == 1:
        blocks = [_location_block(frames, locations, *args)]
    else:
        from joblib import Parallel, cpu_count, delayed

        # Threads: the convex-flow kernel releases the GIL (numba nogil), so threads share the
        # frames without copies or worker start-up (a process imports latentlearn anew).
        workers = cpu_count() if n_jobs < 0 else n_jobs
        parts = np.array_split(np.arange(len(locations)), min(len(locations), 4 * workers))
        blocks = Parallel(n_jobs=n_jobs, prefer="threads")(
            delayed(_location_block)(frames, locations[part], *args) for part in parts)
    chosen = np.concatenate([b[0] for b in blocks])
    gaps = np.array([g for b in blocks for g in b[1]])
    iters = np.array([k for b in blocks for k in b[2]])
    mean = frames.mean(axis=0)
    median = np.median(frames, axis=0)
    result = WaterResult(
        image=_stitch(_gather(frames, locations, patch_size, chosen), locations, shape,
                      patch_size),
        mean=mean, median=median,
        closest_to_mean=_stitch(_gather(frames, locations, patch_size,
                                        _closest(frames, locations, patch_size, mean)),
                                locations, shape, patch_size),
        closest_to_median=_stitch(_gather(frames, locations, patch_size,
                                          _closest(frames, locations, patch_size, median)),
                                  locations, shape, patch_size),
        locations=locations, chosen=chosen,
        params={"patch_size": int(patch_size), "stride": int(stride), "method": method,
                "n_centers": int(n_centers), "n_components": int(n_components),
                "n_neighbors": int(n_neighbors), "tol": float(tol), "n_jobs": int(n_jobs),
                "random_state": random_state},
        n_iter=iters, gap=gaps, time_s=time.perf_counter() - start)
    return result


# --------------------------------------------------------------------------------------------
# Scores
# --------------------------------------------------------------------------------------------

def quality(clean, image) -> dict:
    """PSNR (dB) and SSIM of ``image`` against ``clean`` (scikit-image, data range 1)."""
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    clean = np.asarray(clean, dtype=np.float64)
    image = np.clip(np.asarray(image, dtype=np.float64), 0.0, 1.0)
    ssim = structural_similarity(clean, image, data_range=1.0,
                                 channel_axis=-1 if clean.ndim == 3 else None)
    return {"psnr": float(peak_signal_noise_ratio(clean, image, data_range=1.0)),
            "ssim": float(ssim)}


RESULTS = ("ours", "mean", "median", "closest_to_mean", "closest_to_median")


def _images_of(result: WaterResult) -> dict:
    return {"ours": result.image, "mean": result.mean, "median": result.median,
            "closest_to_mean": result.closest_to_mean,
            "closest_to_median": result.closest_to_median}


def score_all(clean, result: WaterResult) -> dict:
    """``{name: {"psnr": ..., "ssim": ...}}`` for ours and every baseline."""
    return {name: quality(clean, img) for name, img in _images_of(result).items()}


_NAMES = {"ours": "ours (the patches nearest the embeddings' centres, stitched)",
          "mean": "the mean of the frames", "median": "the median of the frames",
          "closest_to_mean": "the frame patches closest to the mean, stitched",
          "closest_to_median": "the frame patches closest to the median, stitched"}

METRIC_DESCRIPTIONS: dict[str, tuple[str, bool | None]] = {
    **{f"{k}_psnr": (f"PSNR (dB) of {_NAMES[k]} against the clean image (scikit-image).",
                     True) for k in RESULTS},
    **{f"{k}_ssim": (f"SSIM of {_NAMES[k]} against the clean image (scikit-image).", True)
       for k in RESULTS},
    "frames_psnr": ("Mean PSNR (dB) of the single frames against the clean image.", True),
    "convex_flow_max_gap": ("Largest relative duality gap of the convex flow over the patch "
                            "locations (all below its tolerance when converged).", False),
    "convex_flow_mean_sweeps": ("Mean sweeps of the convex-flow solver per location.", None),
    "n_locations": ("Patch locations embedded.", None),
    "time_s": ("Seconds to restore the image (all locations).", False),
}


# --------------------------------------------------------------------------------------------
# Run folder
# --------------------------------------------------------------------------------------------

def demo_video(*, image="china", size=96, n_frames=48, random_state=0):
    """The generated video of the demo: scikit-learn's ``china.jpg`` (grey) or a test pattern
    (``image="pattern"``), ``size`` pixels square, under waves displacing by up to 2 pixels."""
    from ..datasets.water import load_china_image, make_test_pattern, make_water_video

    if image == "china":
        clean = load_china_image(size=(size, size))
    elif image == "pattern":
        clean = make_test_pattern((size, size), random_state=random_state)
    else:
        raise ParameterError(f"image={image!r} must be 'china' or 'pattern'.")
    return make_water_video(clean, n_frames, amplitude=2.0, random_state=random_state)


def _path_to_centre(est, order, Y):
    """Frames along the graph's shortest path from the patch farthest from the centre to the
    centre patch (the paper's Figure 7 shows such a morph)."""
    from scipy.sparse.csgraph import shortest_path

    centre, far = int(order[0]), int(order[-1])
    if est is None or not hasattr(est, "graph_"):
        return np.array([far, centre])
    _, pred = shortest_path(est.graph_, directed=False, indices=centre,
                            return_predecessors=True)
    path = [far]
    while path[-1] != centre and pred[path[-1]] >= 0:
        path.append(int(pred[path[-1]]))
    return np.asarray(path)


def _figures(frames, clean, result, scores, embed_at, kw):
    from ..plots.water import plot_patch_embedding, plot_water_images
    from ..runs import Figure

    figs = []
    n = len(frames)
    shown = np.linspace(0, n - 1, min(6, n)).astype(int)
    figs.append(Figure("frames", "Frames of the video",
                       f"Frames {', '.join(map(str, shown))} of {n}: the image seen through the "
                       f"moving water.", plot_water_images([frames[i] for i in shown],
                                                           [f"frame {i}" for i in shown])))
    panels, titles = [], []
    if clean is not None:
        panels.append(clean)
        titles.append("clean")
    for name, img in _images_of(result).items():
        panels.append(np.clip(img, 0, 1))
        label = {"ours": "ours", "mean": "mean", "median": "median",
                 "closest_to_mean": "closest to mean",
                 "closest_to_median": "closest to median"}[name]
        if scores:
            label += f"\n{scores[name]['psnr']:.2f} dB, SSIM {scores[name]['ssim']:.3f}"
        titles.append(label)
    figs.append(Figure("results", "Mean, median and ours",
                       "The clean image (when known), the paper's baselines (mean and median of "
                       "the frames, Efros et al. 2004 figure 2; stitched patches closest to the "
                       "mean and to the median, figure 6 top row) and ours (the patch at the "
                       "centre of each location's embedding, figure 6 bottom), with PSNR and "
                       "SSIM against the clean image. On images of flat regions and sharp steps "
                       "the median can win: a pixel near a step is on its own side in most "
                       "frames, so its median is the clean value (see the docstring of "
                       "latentlearn.apps.seeing_through_water for the measurements).",
                       plot_water_images(panels, titles)))
    r, c = embed_at
    p = result.params["patch_size"]
    X = frames[:, r:r + p, c:c + p].reshape(n, -1)
    Y, order, est = embed_location(X, **kw)
    path = _path_to_centre(est, order, Y)
    patches = frames[:, r:r + p, c:c + p]
    figs.append(Figure(
        "embedding", "Embedding of one patch location",
        f"The {n} frames' patches at rows {r}-{r + p - 1}, columns {c}-{c + p - 1}, embedded "
        f"({result.params['method']}); the star marks the patch nearest the centre (taken), "
        f"the line the graph path from the farthest patch to it, whose patches are shown below "
        f"in order (as Efros et al. 2004, figure 7).",
        plot_patch_embedding(Y, patches, centre=int(order[0]), path=path)))
    return figs


def write_water_run(out_dir, *, frames=None, clean=None, demo=False, patch_size=16, stride=None,
                    method="convex_flow", n_centers=1, n_jobs=1, seed=0, overwrite=False,
                    callback=None) -> Path:
    """Restore an image seen through water and write a run folder with ``report.html``.

    Parameters
    ----------
    out_dir : str or Path
    frames : array-like, str or Path, optional
        The video (see :func:`read_frames`); required unless ``demo``.
    clean : array-like or str or Path, optional
        The clean image, when known, to score against (PSNR, SSIM); an image file or ``.npy``.
    demo : bool, default=False
        Use a generated video (:func:`demo_video`: scikit-learn's china.jpg, grey, 96 x 96,
        48 frames under :func:`latentlearn.datasets.water.make_water_video`), scored against
        its clean image.
    patch_size, stride, method, n_centers, n_jobs :
        As in :func:`restore`.
    seed : int, default=0
    overwrite : bool, default=False

    Returns
    -------
    Path
    """
    from ..runs import check_out_folder, run_config, write_run_folder

    out = check_out_folder(out_dir, overwrite)
    if demo:
        video = demo_video(random_state=seed)
        frames, clean, name = video.frames, video.image, "china.jpg under generated water"
    elif frames is None:
        raise ParameterError("pass frames (an array, a .npy file or a folder of images) or "
                             "demo=True.")
    else:
        name = Path(frames).name if isinstance(frames, (str, Path)) else "array"
        frames = read_frames(frames)
        if clean is not None:
            clean = _read_clean(clean, frames.shape[1:])
    if callback:
        callback("embedding the patches")
    result = restore(frames, patch_size=patch_size, stride=stride, method=method,
                     n_centers=n_centers, n_jobs=n_jobs, random_state=seed)
    scores = score_all(clean, result) if clean is not None else {}
    metrics = {f"{k}_{m}": v for k, s in scores.items() for m, v in s.items()}
    if clean is not None:
        metrics["frames_psnr"] = float(np.mean([quality(clean, f)["psnr"] for f in frames]))
    if result.gap.size:
        metrics["convex_flow_max_gap"] = float(result.gap.max())
        metrics["convex_flow_mean_sweeps"] = float(result.n_iter.mean())
    metrics["n_locations"] = float(len(result.locations))
    metrics["time_s"] = result.time_s
    centre = result.locations[len(result.locations) // 2]
    kw = {"method": method, "n_components": 2, "n_neighbors": 8, "random_state": seed}
    figures = _figures(frames, clean, result, scores, tuple(centre), kw)
    dataset = {"name": name, "n_samples": int(len(frames)),
               "n_features": int(np.prod(frames.shape[1:])),
               "image_shape": [int(s) for s in frames.shape[1:]],
               "description": ("scikit-learn's china.jpg (grey, 96 x 96) seen through water "
                               "generated by latentlearn.datasets.water.make_water_video (a sum "
                               "of travelling waves, displacement along the surface gradient)"
                               if demo else f"frames read from {name}")}
    config = run_config("seeing_through_water", "apps", result.params, seed, dataset,
                        result.time_s)
    return write_run_folder(out, config=config, metrics=metrics, figures=figures,
                            arrays={"restored": result.image, "chosen": result.chosen},
                            metric_info=METRIC_DESCRIPTIONS, overwrite=overwrite,
                            callback=callback)


def _read_clean(clean, shape):
    if isinstance(clean, (str, Path)):
        path = Path(clean)
        if path.suffix.lower() == ".npy":
            img = np.load(path, allow_pickle=False).astype(np.float64)
        else:
            from PIL import Image

            with Image.open(path) as im:
                img = np.asarray(im.convert("RGB" if len(shape) == 3 else "L"),
                                 dtype=np.float64) / 255.0
    else:
        img = np.asarray(clean, dtype=np.float64)
    if img.shape != tuple(shape):
        raise DataError(f"the clean image has shape {img.shape} but the frames {tuple(shape)}.")
    return img
