"""Mode collapse made visible: how many known modes a generator's samples cover, and how many of
its samples lie near any mode (Metz et al. 2017, Unrolled GANs; Srivastava et al. 2017, VEEGAN).

On data made of well-separated Gaussians of known centres and standard deviation (the
``gaussian_ring`` toy), each sample is assigned to its nearest centre and called *high quality*
when it lies within ``n_std`` standard deviations of it (3 in both papers). Then::

    high_quality_share = (high-quality samples) / (all samples)
    modes_covered      = #{modes k : (high-quality samples of k) >= min_share * n_samples}

A generator that has collapsed onto a few modes scores few modes covered even with a high
quality share; one that smears mass between the modes covers all with a low quality share.
A mode needs a share of the samples, not a single one, to count: with a few thousand samples a
stray sample or two lands near almost any mode. The default ``min_share`` is 20% of the
share a mode gets when every mode is equally likely, ``0.2 / n_modes`` (e.g. 2,000 samples, 8
modes: 50 samples of the expected 250).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..exceptions import DataError, ParameterError
from ._validation import as_samples

__all__ = ["mode_coverage"]


def mode_coverage(samples, centers, std, *, n_std=3.0, min_share=None) -> dict:
    """Modes covered and the share of high-quality samples (Srivastava et al. 2017).

    Parameters
    ----------
    samples : array-like of shape (n_samples, n_features)
        Draws from the generator.
    centers : array-like of shape (n_modes, n_features)
        The modes' centres.
    std : float > 0
        Standard deviation of each mode (isotropic).
    n_std : float > 0, default=3.0
        A sample is high quality when within ``n_std * std`` (Euclidean) of its nearest centre.
    min_share : float in [0, 1], optional
        A mode is covered when at least ``min_share * n_samples`` high-quality samples are
        nearest to it; default ``0.2 / n_modes`` (20% of a uniform generator's share).

    Returns
    -------
    dict
        ``modes_covered`` (int), ``n_modes`` (int), ``high_quality_share`` (float in [0, 1]).
    """
    X = as_samples(samples, "samples")
    C = as_samples(centers, "centers")
    if X.shape[1] != C.shape[1]:
        raise DataError(f"samples have {X.shape[1]} features but centers {C.shape[1]}; give "
                        f"the centres of the modes in the samples' space.")
    for name, value in (("std", std), ("n_std", n_std)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
            raise ParameterError(f"{name}={value!r} must be a number > 0.")
    n_modes = C.shape[0]
    if min_share is None:
        min_share = 0.2 / n_modes
    if isinstance(min_share, bool) or not isinstance(min_share, numbers.Real) \
            or not 0.0 <= min_share <= 1.0:
        raise ParameterError(f"min_share={min_share!r} must be a number in [0, 1] (a share of "
                             f"the samples), or None for 0.2 / n_modes.")
    d2 = ((X[:, None, :] - C[None, :, :]) ** 2).sum(-1)          # (n_samples, n_modes)
    nearest = d2.argmin(axis=1)
    good = np.sqrt(d2[np.arange(len(X)), nearest]) <= n_std * float(std)
    counts = np.bincount(nearest[good], minlength=n_modes)
    covered = int(np.sum(counts >= min_share * len(X))) if min_share > 0 else \
        int(np.sum(counts > 0))
    return {"modes_covered": covered, "n_modes": int(n_modes),
            "high_quality_share": float(good.mean())}
