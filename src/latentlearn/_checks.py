"""Input checks shared by several estimator modules (the estimator contract, STYLE.md).

Small validators that more than one estimator needs word for word; each raises a ``ValueError``
that names the estimator, what was expected and what to pass instead.
"""

from __future__ import annotations

import numpy as np

__all__ = ["check_codes"]


def check_codes(Z, n_components, who, what="codes", dtype=None):
    """``Z`` as an array of shape (n_samples, n_components), for an ``inverse_transform``.

    Parameters
    ----------
    Z : array-like
    n_components : int
        The width the fitted model produces.
    who : str
        ``"PCA.inverse_transform"`` and the like, for the message.
    what : str, default="codes"
        What the rows are called (``"sources"`` for ICA).
    dtype : numpy dtype or None, default=None
        Passed to ``np.asarray``.

    Returns
    -------
    Z : ndarray of shape (n_samples, n_components)
    """
    Z = np.asarray(Z, dtype=dtype)
    if Z.ndim != 2 or Z.shape[1] != n_components:
        raise ValueError(
            f"{who} expects {what} of shape (n_samples, {n_components}), got shape {Z.shape}; "
            "pass the output of transform.")
    return Z
