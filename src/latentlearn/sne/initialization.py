"""Initial embeddings for the t-SNE optimizer.

Both conventions are those of scikit-learn and openTSNE: the PCA projection rescaled so that its
first coordinate has standard deviation 1e-4 (Kobak & Berens 2019: PCA keeps the global layout,
the small scale keeps early exaggeration in its intended regime), or ``N(0, 1e-4^2)`` noise.
"""

from __future__ import annotations

import numpy as np

__all__ = ["pca_init", "random_init", "TARGET_STD"]

TARGET_STD = 1e-4


def pca_init(X, n_components, random_state):
    """PCA scores of ``X`` rescaled to ``std(Y[:, 0]) = 1e-4``; shape (n_samples, n_components).

    Uses latentlearn's :class:`~latentlearn.decomposition.PCA` (deterministic signs).
    """
    from ..decomposition import PCA

    seed = int(random_state.randint(2**31 - 1))
    n_components_fit = min(n_components, X.shape[1], X.shape[0])
    Y = PCA(n_components=n_components_fit, random_state=seed).fit_transform(X)
    Y = np.asarray(Y, dtype=np.float64)
    if n_components_fit < n_components:  # fewer features than components: pad with noise
        extra = random_state.normal(0.0, TARGET_STD, (X.shape[0], n_components - n_components_fit))
        Y = np.hstack([Y, extra])
    std = np.std(Y[:, 0])
    if std > 0:
        Y = Y / std * TARGET_STD
    else:  # constant data: PCA says nothing; fall back to noise
        Y = random_init(X.shape[0], n_components, random_state)
    return Y


def random_init(n_samples, n_components, random_state):
    """Gaussian noise with standard deviation 1e-4; shape (n_samples, n_components)."""
    return random_state.normal(0.0, TARGET_STD, (n_samples, n_components))
