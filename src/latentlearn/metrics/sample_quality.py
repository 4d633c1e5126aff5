"""How good a set of generated samples is, measured against real data.

Each score compares ``real`` and ``fake`` samples, optionally after mapping both into a feature
space (``features=None``: the values as given; a callable: ``features(X) -> (n, d)``; the name
``"mnist"``: the penultimate layer of the small digit classifier shipped with latentlearn,
:mod:`latentlearn.metrics.feature_network`).

- :func:`frechet_distance` (Heusel et al. 2017, "GANs trained by a two time-scale update rule
  converge to a local Nash equilibrium"): the Frechet (2-Wasserstein) distance between Gaussians
  fitted to the two feature sets, ``||mu_r - mu_f||^2 + Tr(S_r + S_f - 2 (S_r S_f)^(1/2))``;
  :func:`frechet_distance_gaussians` is the closed form for given moments.
- :func:`kernel_distance` (Binkowski et al. 2018, "Demystifying MMD GANs", KID): the unbiased
  ``MMD^2`` (Gretton et al. 2012) with the cubic polynomial kernel
  ``k(x, y) = (x . y / d + 1)^3``, averaged over random subsets as in their reference code.
  Unlike the Frechet distance it has an unbiased estimator, so small sample sets do not inflate
  it.
- :func:`precision_recall` (Kynkaanniemi et al. 2019, "Improved precision and recall metric for
  assessing generative models"): the share of fake samples inside the real manifold (precision,
  quality) and of real samples inside the fake manifold (recall, coverage), each manifold the
  union of balls around its points with radius the distance to the k-th nearest neighbour.
- :func:`sample_mmd2`: ``MMD^2`` with a Gaussian or IMQ kernel through
  :func:`latentlearn.divergences.mmd2` (Gretton et al. 2012).
- :func:`sample_quality`: several of them at once, features computed once.

``device=`` (``"cuda"``, ``"cpu"``, ``"auto"`` or a ``torch.device``; default None, numpy) runs
the shipped feature network and the pairwise parts (the k-NN balls of precision/recall, the
kernel matrices of the kernel distance) in torch, in float64, on that device; the Frechet
distance's ``d x d`` matrix square root and the MMD stay in numpy.

With ``features="mnist"`` the numbers are **FID-style**, not FID: they are comparable with other
numbers computed with latentlearn's shipped mnist network, never with Inception-based FID or KID
values in papers.
"""

from __future__ import annotations

import functools
from typing import Callable, NamedTuple

import numpy as np
from sklearn.utils import check_random_state

from ..exceptions import DataError, ParameterError
from ._validation import check_int

__all__ = ["PrecisionRecall", "frechet_distance", "frechet_distance_gaussians",
           "kernel_distance", "precision_recall", "sample_mmd2", "sample_quality",
           "SAMPLE_METRICS", "sample_metric_names"]


class PrecisionRecall(NamedTuple):
    """What :func:`precision_recall` returns: two shares in [0, 1]."""

    precision: float
    recall: float


#: Names :func:`sample_quality` accepts -> canonical name (aliases included).
SAMPLE_METRICS = {"fd": "fd", "frechet_distance": "fd", "fid": "fd",
                  "kd": "kd", "kernel_distance": "kd", "kid": "kd",
                  "precision_recall": "precision_recall", "pr": "precision_recall",
                  "mmd": "mmd", "mmd2": "mmd"}


# --------------------------------------------------------------------------- input
def _as_sample_array(X, name: str) -> np.ndarray:
    arr = np.asarray(X)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                   or arr.dtype == np.bool_):
        raise DataError(f"{name} must be an array of numbers; got dtype {arr.dtype}.")
    if arr.ndim == 1:
        raise DataError(f"{name} must have shape (n_samples, n_features); got a vector of shape "
                        f"{arr.shape} (reshape(-1, 1) for one feature).")
    if arr.ndim == 0:
        raise DataError(f"{name} must have shape (n_samples, n_features); got a scalar.")
    if arr.ndim > 2:
        arr = arr.reshape(arr.shape[0], -1)  # images (n, h, w[, c]) -> rows
    if arr.shape[0] == 0:
        raise DataError(f"{name} has 0 samples; pass at least 2 samples (and as many as "
                        f"possible: the scores are estimates).")
    return arr


def _check_finite(arr: np.ndarray, name: str) -> None:
    if not np.all(np.isfinite(arr)):
        bad = int(np.count_nonzero(~np.isfinite(arr).all(axis=1)))
        raise DataError(f"{name} holds NaN or infinite values in {bad} of its "
                        f"{arr.shape[0]} samples; remove those samples (a diverged generator "
                        f"produces them) before scoring.")


def _resolve_features(features, device=None) -> Callable | None:
    if features is None or callable(features):
        return features
    if isinstance(features, str):
        from .feature_network import FEATURE_NETWORKS, mnist_features

        if features == "mnist":
            return functools.partial(mnist_features, device=device)
        raise ParameterError(f"unknown features {features!r}; use None (the values as given), "
                             f"a callable X -> (n, d), or one of the shipped networks "
                             f"{', '.join(map(repr, FEATURE_NETWORKS))}.")
    raise ParameterError(f"features must be None, a callable or a name such as 'mnist'; got "
                         f"{features!r}.")


def _torch_device(device):
    """None (numpy), or the torch device named by ``device`` (checked)."""
    if device is None:
        return None
    from .._optional import require

    require("torch", extra="neural", what="device= of the sample-quality metrics (device=None "
            "computes them with numpy)")
    from ..neural.trainer import resolve_device

    return resolve_device(device)


def _tensor(arr, device):
    import torch

    return torch.as_tensor(arr, dtype=torch.float64, device=device)


def _prepare(real, fake, features, *, min_samples: int = 2, device=None):
    """Both sample sets mapped to features: float64 arrays of the same width, finite."""
    real = _as_sample_array(real, "real")
    fake = _as_sample_array(fake, "fake")
    if real.shape[1] != fake.shape[1]:
        raise DataError(f"real has {real.shape[1]} features per sample but fake has "
                        f"{fake.shape[1]}; pass samples of the same data (the generator's "
                        f"output must have as many values as a real sample).")
    _check_finite(real, "real")
    _check_finite(fake, "fake")
    mapping = _resolve_features(features, device)
    if mapping is not None:
        real = np.asarray(mapping(real))
        fake = np.asarray(mapping(fake))
        for arr, name in ((real, "features(real)"), (fake, "features(fake)")):
            if arr.ndim != 2:
                raise DataError(f"{name} must have shape (n_samples, n_features); got shape "
                                f"{arr.shape}.")
            _check_finite(arr, name)
        if real.shape[1] != fake.shape[1]:
            raise DataError(f"the features map real to {real.shape[1]} values but fake to "
                            f"{fake.shape[1]}; the feature function must give one width.")
    for arr, name in ((real, "real"), (fake, "fake")):
        if arr.shape[0] < min_samples:
            raise DataError(f"{name} has {arr.shape[0]} samples; this score needs at least "
                            f"{min_samples}.")
    return real.astype(np.float64, copy=False), fake.astype(np.float64, copy=False)


# --------------------------------------------------------------------------- Frechet distance
def _sqrt_psd(S: np.ndarray) -> np.ndarray:
    w, V = np.linalg.eigh(S)
    return (V * np.sqrt(np.clip(w, 0.0, None))) @ V.T


def _trace_sqrt_product(S1: np.ndarray, S2: np.ndarray) -> float:
    """``Tr((S1 S2)^(1/2))`` for symmetric PSD matrices.

    ``S1 S2`` is similar to the symmetric PSD ``A S2 A`` with ``A = S1^(1/2)``, so the trace is
    the sum of square roots of the eigenvalues of ``A S2 A``: real and stable, unlike
    ``scipy.linalg.sqrtm(S1 @ S2)``, which can return complex parts for near-singular input.
    """
    A = _sqrt_psd(S1)
    M = A @ S2 @ A
    w = np.linalg.eigvalsh((M + M.T) / 2)
    return float(np.sum(np.sqrt(np.clip(w, 0.0, None))))


def _frechet_from_moments(mu1, S1, mu2, S2) -> float:
    diff = mu1 - mu2
    value = float(diff @ diff + np.trace(S1) + np.trace(S2) - 2.0 * _trace_sqrt_product(S1, S2))
    return max(value, 0.0)  # rounding can leave -1e-12 for identical moments


def frechet_distance_gaussians(mu1, sigma1, mu2, sigma2) -> float:
    """Squared Frechet (2-Wasserstein) distance between ``N(mu1, sigma1)`` and ``N(mu2, sigma2)``.

    ``||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))`` (Dowson & Landau 1982;
    the form FID uses, Heusel et al. 2017).

    Parameters
    ----------
    mu1, mu2 : array-like of shape (d,)
    sigma1, sigma2 : array-like of shape (d, d)
        Symmetric positive semi-definite covariances.

    Returns
    -------
    float
    """
    mu1 = np.atleast_1d(np.asarray(mu1, dtype=np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, dtype=np.float64))
    S1 = np.atleast_2d(np.asarray(sigma1, dtype=np.float64))
    S2 = np.atleast_2d(np.asarray(sigma2, dtype=np.float64))
    d = mu1.shape[0]
    if mu1.ndim != 1 or mu2.shape != (d,) or S1.shape != (d, d) or S2.shape != (d, d):
        raise DataError(f"the means must have shape (d,) and the covariances (d, d) with one d; "
                        f"got {mu1.shape}, {S1.shape}, {mu2.shape}, {S2.shape}.")
    for S, name in ((S1, "sigma1"), (S2, "sigma2")):
        if not np.all(np.isfinite(S)) or not np.allclose(S, S.T, atol=1e-8 * (1 + abs(S).max())):
            raise DataError(f"{name} must be a finite symmetric covariance matrix.")
    if not (np.all(np.isfinite(mu1)) and np.all(np.isfinite(mu2))):
        raise DataError("the means hold NaN or infinite values.")
    return _frechet_from_moments(mu1, (S1 + S1.T) / 2, mu2, (S2 + S2.T) / 2)


def frechet_distance(real, fake, *, features=None, device=None) -> float:
    """Frechet distance between Gaussians fitted to real and generated samples (FID-style).

    ``FD = ||mu_r - mu_f||^2 + Tr(S_r + S_f - 2 (S_r S_f)^(1/2))`` with the sample means and
    (unbiased) covariances of the features (Heusel et al. 2017). 0 for identical moments; it is
    biased upwards for finite samples (Binkowski et al. 2018), so compare values computed from
    the same numbers of samples.

    Parameters
    ----------
    real : array-like of shape (n_real, n_features) or (n_real, h, w)
    fake : array-like of shape (n_fake, n_features) or (n_fake, h, w)
    features : None, callable or "mnist", default=None
        None: the values as given; a callable ``f(X) -> (n, d)`` maps both sets first;
        ``"mnist"``: latentlearn's shipped digit network (28x28 images in [0, 1]); its numbers
        are FID-style and not comparable with Inception-based FID.
    device : None, "auto", "cpu", "cuda" or torch.device, default=None
        Where the feature network runs (the moments and the matrix square root are numpy).

    Returns
    -------
    float

    Raises
    ------
    DataError
        Different widths, NaN, or fewer than ``d + 1`` samples in a set of ``d`` features (the
        covariance would be singular and the score mostly noise).
    """
    real, fake = _prepare(real, fake, features, device=_torch_device(device))
    return _frechet_distance(real, fake)


def _frechet_distance(real: np.ndarray, fake: np.ndarray) -> float:
    d = real.shape[1]
    for arr, name in ((real, "real"), (fake, "fake")):
        if arr.shape[0] < d + 1:
            raise DataError(
                f"the Frechet distance of {d} features needs at least {d + 1} samples in each "
                f"set (a full-rank covariance); {name} has {arr.shape[0]}. Pass more samples or "
                f"fewer features (e.g. features='mnist' for 28x28 digits, 128 features).")
    mu_r, mu_f = real.mean(axis=0), fake.mean(axis=0)
    S_r = np.atleast_2d(np.cov(real, rowvar=False))
    S_f = np.atleast_2d(np.cov(fake, rowvar=False))
    return _frechet_from_moments(mu_r, S_r, mu_f, S_f)


# --------------------------------------------------------------------------- kernel distance
def _polynomial_kernel(A, B, degree, gamma, coef0):
    K = A @ B.T
    K *= gamma
    K += coef0
    out = 1.0 * K  # a copy, numpy array or torch tensor
    for _ in range(degree - 1):  # repeated products: several times faster than K ** 3
        out *= K
    return out


def _unbiased_mmd2(K_XX, K_YY, K_XY) -> float:
    """numpy arrays or torch tensors alike."""
    m, n = K_XX.shape[0], K_YY.shape[0]
    sum_xx = K_XX.sum() - K_XX.diagonal().sum()
    sum_yy = K_YY.sum() - K_YY.diagonal().sum()
    return float(sum_xx / (m * (m - 1)) + sum_yy / (n * (n - 1)) - 2.0 * K_XY.mean())


def kernel_distance(real, fake, *, features=None, degree=3, gamma=None, coef0=1.0,
                    n_subsets=100, subset_size=1000, random_state=0, device=None) -> float:
    """Kernel distance (KID-style): unbiased ``MMD^2`` with a polynomial kernel, over subsets.

    ``k(x, y) = (gamma x . y + coef0)^degree``, by default ``(x . y / d + 1)^3`` (Binkowski et al.
    2018). Each of ``n_subsets`` rounds draws ``m = min(subset_size, n_real, n_fake)`` samples
    of each set without replacement and computes the unbiased estimator (Gretton et al. 2012,
    eq. 3) ``sum_{i != j} k(x_i, x_j) / (m (m - 1)) + sum_{i != j} k(y_i, y_j) / (m (m - 1)) -
    2 mean k(x_i, y_j)``; the result is the mean over rounds, as in Binkowski et al.'s reference
    code. Unbiased, so it can be slightly negative when the distributions agree.

    Parameters
    ----------
    real, fake : array-like of shape (n, n_features)
    features : None, callable or "mnist", default=None
        See :func:`frechet_distance` (with "mnist" the numbers are not comparable with
        Inception-based KID).
    degree : int, default=3
    gamma : float or None, default=None
        None: ``1 / d`` for ``d`` features.
    coef0 : float, default=1.0
    n_subsets : int, default=100
    subset_size : int, default=1000
    random_state : int, RandomState instance or None, default=0
        Draws the subsets (the same subsets on every device).
    device : None, "auto", "cpu", "cuda" or torch.device, default=None
        Where the features and the kernel matrices are computed (float64); None: numpy.

    Returns
    -------
    float
    """
    check_int(degree, "degree", 1)
    check_int(n_subsets, "n_subsets", 1)
    check_int(subset_size, "subset_size", 2)
    if gamma is not None and not (isinstance(gamma, (int, float)) and gamma > 0):
        raise ParameterError(f"gamma must be a positive number or None (1 / n_features); got "
                             f"{gamma!r}.")
    device = _torch_device(device)
    real, fake = _prepare(real, fake, features, device=device)
    return _kernel_distance(real, fake, degree=degree, gamma=gamma, coef0=float(coef0),
                            n_subsets=n_subsets, subset_size=subset_size,
                            random_state=random_state, device=device)


def _kernel_distance(real, fake, *, degree=3, gamma=None, coef0=1.0, n_subsets=100,
                     subset_size=1000, random_state=0, device=None) -> float:
    gamma = 1.0 / real.shape[1] if gamma is None else float(gamma)
    m = min(subset_size, real.shape[0], fake.shape[0])
    rng = check_random_state(random_state)
    n_real, n_fake = real.shape[0], fake.shape[0]
    if device is not None:  # the same subsets, drawn here, indexed on the device
        real, fake = _tensor(real, device), _tensor(fake, device)
    values = []
    for _ in range(n_subsets):
        X = real[_index(rng.choice(n_real, m, replace=False), device)]
        Y = fake[_index(rng.choice(n_fake, m, replace=False), device)]
        values.append(_unbiased_mmd2(_polynomial_kernel(X, X, degree, gamma, coef0),
                                     _polynomial_kernel(Y, Y, degree, gamma, coef0),
                                     _polynomial_kernel(X, Y, degree, gamma, coef0)))
    return float(np.mean(values))


def _index(positions, device):
    if device is None:
        return positions
    import torch

    return torch.as_tensor(positions, device=device)


# --------------------------------------------------------------------------- precision, recall
def _squared_distances(A, B):
    """Pairwise squared Euclidean distances, numpy arrays or torch tensors alike."""
    d2 = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2.0 * A @ B.T
    return d2.clip(min=0.0)


def _knn_radii(points, k: int, batch_size: int):
    """Squared distance of each point to its k-th nearest other point (numpy or torch)."""
    torch_input = not isinstance(points, np.ndarray)
    radii = points.new_empty(points.shape[0]) if torch_input else np.empty(points.shape[0])
    for start in range(0, points.shape[0], batch_size):
        d2 = _squared_distances(points[start:start + batch_size], points)
        # Column k of the sorted row: column 0 is the point itself (distance 0).
        if torch_input:
            radii[start:start + batch_size] = d2.kthvalue(k + 1, dim=1).values
        else:
            radii[start:start + batch_size] = np.partition(d2, k, axis=1)[:, k]
    return radii


def _inside_manifold(queries, points, radii, batch_size) -> np.ndarray:
    """For each query: is it within the k-NN ball of at least one of ``points``?"""
    inside = np.empty(queries.shape[0], dtype=bool)
    for start in range(0, queries.shape[0], batch_size):
        d2 = _squared_distances(queries[start:start + batch_size], points)
        hit = (d2 <= radii[None, :]).any(1)
        inside[start:start + batch_size] = hit if isinstance(hit, np.ndarray) else hit.cpu()
    return inside


def precision_recall(real, fake, *, k=3, features=None, batch_size=1000,
                     device=None) -> PrecisionRecall:
    """Improved precision and recall of generated samples (Kynkaanniemi et al. 2019).

    The real manifold is the union of balls ``B(x, NND_k(x))`` around the real points, with
    ``NND_k(x)`` the distance from ``x`` to its k-th nearest other real point; the fake manifold
    likewise. Precision is the share of fake samples inside the real manifold (are samples
    realistic?), recall the share of real samples inside the fake manifold (is the data
    covered?). Both in [0, 1]; with identical distributions both are below 1 by a k-NN bias that
    shrinks as k grows (about 0.9 for k = 3 in a few dimensions).

    Parameters
    ----------
    real, fake : array-like of shape (n, n_features)
        Each set needs more than ``k`` samples.
    k : int, default=3
        Neighbourhood size (the paper's default).
    features : None, callable or "mnist", default=None
        See :func:`frechet_distance`.
    batch_size : int, default=1000
        Rows per block of pairwise distances (memory ``batch_size * n`` floats).
    device : None, "auto", "cpu", "cuda" or torch.device, default=None
        Where the features and the blocks of distances are computed (float64); None: numpy.

    Returns
    -------
    PrecisionRecall
        ``(precision, recall)``.
    """
    check_int(k, "k", 1)
    check_int(batch_size, "batch_size", 1)
    device = _torch_device(device)
    real, fake = _prepare(real, fake, features, device=device)
    return _precision_recall(real, fake, k=k, batch_size=batch_size, device=device)


def _precision_recall(real, fake, *, k=3, batch_size=1000, device=None) -> PrecisionRecall:
    for arr, name in ((real, "real"), (fake, "fake")):
        if arr.shape[0] <= k:
            raise DataError(f"precision and recall with k={k} need more than {k} samples in each "
                            f"set; {name} has {arr.shape[0]}. Pass more samples or a smaller k.")
    if device is not None:
        real, fake = _tensor(real, device), _tensor(fake, device)
    real_radii = _knn_radii(real, k, batch_size)
    fake_radii = _knn_radii(fake, k, batch_size)
    precision = float(_inside_manifold(fake, real, real_radii, batch_size).mean())
    recall = float(_inside_manifold(real, fake, fake_radii, batch_size).mean())
    return PrecisionRecall(precision, recall)


# --------------------------------------------------------------------------- MMD
def sample_mmd2(real, fake, *, features=None, kernel="gaussian", bandwidth="median",
                estimator="unbiased", max_samples=2000, random_state=0, device=None) -> float:
    """``MMD^2`` between real and generated samples (Gretton et al. 2012).

    :func:`latentlearn.divergences.mmd2` on the (feature-mapped) samples, with its Gaussian or
    IMQ kernel and median bandwidth; sets larger than ``max_samples`` are subsampled (drawn with
    ``random_state``), since the estimator needs all pairwise kernel values.

    Parameters
    ----------
    real, fake : array-like of shape (n, n_features)
    features : None, callable or "mnist", default=None
        See :func:`frechet_distance`.
    kernel, bandwidth, estimator
        Passed to :func:`latentlearn.divergences.mmd2`.
    max_samples : int or None, default=2000
        None: every sample.
    random_state : int, RandomState instance or None, default=0
    device : None, "auto", "cpu", "cuda" or torch.device, default=None
        Where the feature network runs (the MMD itself is numpy).

    Returns
    -------
    float
    """
    if max_samples is not None:
        check_int(max_samples, "max_samples", 2)
    real, fake = _prepare(real, fake, features, device=_torch_device(device))
    return _sample_mmd2(real, fake, kernel=kernel, bandwidth=bandwidth, estimator=estimator,
                        max_samples=max_samples, random_state=random_state)


def _sample_mmd2(real, fake, *, kernel="gaussian", bandwidth="median", estimator="unbiased",
                 max_samples=2000, random_state=0) -> float:
    from ..divergences import mmd2

    rng = check_random_state(random_state)
    if max_samples is not None:
        if real.shape[0] > max_samples:
            real = real[rng.choice(real.shape[0], max_samples, replace=False)]
        if fake.shape[0] > max_samples:
            fake = fake[rng.choice(fake.shape[0], max_samples, replace=False)]
    return float(mmd2(real, fake, kernel=kernel, bandwidth=bandwidth, estimator=estimator))


# --------------------------------------------------------------------------- all at once
def sample_metric_names(metrics) -> list[str]:
    """Canonical names (``fd``, ``kd``, ``precision_recall``, ``mmd``) of the metrics asked for.

    ``metrics`` is an iterable of names or aliases, or one comma-separated string; an unknown
    name raises :class:`~latentlearn.exceptions.ParameterError` listing the choices.
    """
    if isinstance(metrics, str):
        metrics = [m for m in metrics.split(",") if m.strip()]
    names = []
    for m in metrics:
        key = str(m).strip().lower()
        if key not in SAMPLE_METRICS:
            raise ParameterError(
                f"unknown sample-quality metric {m!r}; choose from fd (Frechet distance), kd "
                f"(kernel distance), precision_recall, mmd.")
        if SAMPLE_METRICS[key] not in names:
            names.append(SAMPLE_METRICS[key])
    if not names:
        raise ParameterError("no sample-quality metric named; choose from fd, kd, "
                             "precision_recall, mmd.")
    return names


def sample_quality(real, fake, *, metrics=("fd", "kd", "precision_recall"), features=None,
                   k=3, random_state=0, device=None) -> dict:
    """Several sample-quality scores at once, the features computed once.

    Parameters
    ----------
    real, fake : array-like of shape (n, n_features)
    metrics : iterable of str or a comma-separated str, default=("fd", "kd", "precision_recall")
        ``"fd"`` (:func:`frechet_distance`), ``"kd"`` (:func:`kernel_distance`),
        ``"precision_recall"`` (:func:`precision_recall`), ``"mmd"`` (:func:`sample_mmd2`).
    features : None, callable or "mnist", default=None
        See :func:`frechet_distance`.
    k : int, default=3
        Neighbourhood size of precision and recall.
    random_state : int or None, default=0
        Subsets of the kernel distance and the MMD.
    device : None, "auto", "cpu", "cuda" or torch.device, default=None
        Where the features, precision/recall and the kernel distance are computed (float64);
        None: numpy.

    Returns
    -------
    dict of str to float
        Keys ``frechet_distance``, ``kernel_distance``, ``precision``, ``recall``, ``mmd2``
        (those asked for).
    """
    names = sample_metric_names(metrics)
    check_int(k, "k", 1)
    device = _torch_device(device)
    real, fake = _prepare(real, fake, features, device=device)
    out: dict[str, float] = {}
    for name in names:
        if name == "fd":
            out["frechet_distance"] = _frechet_distance(real, fake)
        elif name == "kd":
            out["kernel_distance"] = _kernel_distance(real, fake, random_state=random_state,
                                                      device=device)
        elif name == "precision_recall":
            pr = _precision_recall(real, fake, k=k, device=device)
            out["precision"], out["recall"] = pr.precision, pr.recall
        elif name == "mmd":
            out["mmd2"] = _sample_mmd2(real, fake, random_state=random_state)
    return {key: float(value) for key, value in out.items()}
