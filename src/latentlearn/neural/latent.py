"""Latent arithmetic, and two attributes of digit images that can be measured on the pixels.

Vector arithmetic in a learned latent space (Radford et al. 2016, DCGAN: "man with glasses" -
"man" + "woman" gives "woman with glasses"; White 2016, "Sampling generative networks", for
attribute vectors in VAEs). An *attribute vector* is the difference between the mean codes of
inputs that have the attribute and inputs that do not::

    v = mean_i g(x_i with) - mean_j g(x_j without)

and ``h(g(x) + alpha v)`` adds (alpha > 0) or removes (alpha < 0) the attribute from ``x``. On
digits the attribute should be one we can *measure* on the decoded images, so that the claim
"adding v adds the attribute" is checked, not eyeballed:

- :func:`stroke_thickness`: the mean width of the strokes, ``2 * area / boundary`` of the
  binarised digit (a bar of width w and length L has area w L and about 2 L boundary pixels);
- :func:`slant`: the shear of the ink, ``cov(col, height) / var(height)`` with intensities as
  weights (> 0 leans right, as in italics).
"""

from __future__ import annotations

import numpy as np

from ..exceptions import DataError

__all__ = ["attribute_vector", "apply_attribute", "stroke_thickness", "slant",
           "latent_arithmetic"]


def _images(X, image_shape):
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[None]
    if image_shape is None or int(np.prod(image_shape)) != X.shape[-1]:
        raise DataError(f"image_shape={image_shape} does not match {X.shape[-1]} features.")
    return X.reshape(-1, *image_shape[:2])


def stroke_thickness(X, image_shape, threshold=0.5):
    """Mean stroke width in pixels, ``2 * area / boundary`` of each binarised image: (n,)."""
    ink = _images(X, image_shape) > threshold                         # (n, h, w)
    padded = np.pad(ink, ((0, 0), (1, 1), (1, 1)))
    interior = (padded[:, 1:-1, 1:-1] & padded[:, :-2, 1:-1] & padded[:, 2:, 1:-1]
                & padded[:, 1:-1, :-2] & padded[:, 1:-1, 2:])
    area = ink.sum(axis=(1, 2))
    boundary = (ink & ~interior).sum(axis=(1, 2))
    return np.where(boundary > 0, 2.0 * area / np.maximum(boundary, 1), 0.0)


def slant(X, image_shape):
    """Shear of the ink, ``cov(col, up) / var(up)`` weighted by intensity: (n,); > 0 leans right."""
    img = np.clip(_images(X, image_shape), 0, None)
    h, w = img.shape[1:]
    up = (h - 1 - np.arange(h))[:, None] * np.ones((1, w))            # height above the bottom
    col = np.ones((h, 1)) * np.arange(w)[None, :]
    mass = img.sum(axis=(1, 2)) + 1e-12
    mu_up = (img * up).sum(axis=(1, 2)) / mass
    mu_col = (img * col).sum(axis=(1, 2)) / mass
    d_up = up[None] - mu_up[:, None, None]
    d_col = col[None] - mu_col[:, None, None]
    return (img * d_up * d_col).sum(axis=(1, 2)) / ((img * d_up ** 2).sum(axis=(1, 2)) + 1e-12)


def attribute_vector(estimator, X_with, X_without):
    """``mean(codes of X_with) - mean(codes of X_without)``: (latent_dim,)."""
    return estimator.transform(X_with).mean(0) - estimator.transform(X_without).mean(0)


def apply_attribute(estimator, X, vector, strengths=(-1.0, -0.5, 0.0, 0.5, 1.0)):
    """Decode ``g(x) + alpha * vector`` for every ``alpha``: (n_samples, n_strengths, n_features)."""
    codes = estimator.transform(X)                                    # (n, latent)
    alphas = np.asarray(strengths, dtype=np.float32)
    shifted = codes[:, None, :] + alphas[None, :, None] * np.asarray(vector, np.float32)
    flat = estimator.inverse_transform(shifted.reshape(-1, codes.shape[1]))
    return flat.reshape(codes.shape[0], len(alphas), -1)


_MEASURES = {"thickness": stroke_thickness, "slant": slant}


def latent_arithmetic(estimator, X_train, X_test, image_shape, *, attribute="thickness",
                      quantile=0.2, strengths=(-1.0, -0.5, 0.0, 0.5, 1.0), n_show=6):
    """Build an attribute vector from the extremes of a measured attribute and test it.

    The inputs of ``X_train`` in the top ``quantile`` of the attribute form the "with" group and
    those in the bottom one the "without" group; ``v`` is their difference of mean codes. Every
    test input is decoded at ``g(x) + alpha v`` and the attribute is measured on the result.

    Returns
    -------
    dict
        ``vector``; ``strengths``; ``measured`` (mean attribute of the decoded test images per
        strength); ``spearman`` (rank correlation of strength and attribute over all decoded
        test images); ``gap`` (the train groups' mean attribute, with minus without); ``grid``
        (n_show, n_strengths, n_features) decoded images to draw.
    """
    from scipy.stats import spearmanr

    measure = _MEASURES[attribute]
    values = measure(X_train, image_shape)
    lo, hi = np.quantile(values, [quantile, 1 - quantile])
    with_, without = X_train[values >= hi], X_train[values <= lo]
    vector = attribute_vector(estimator, with_, without)
    decoded = apply_attribute(estimator, X_test, vector, strengths)  # (n, s, f)
    n, s, f = decoded.shape
    measured = measure(decoded.reshape(-1, f), image_shape).reshape(n, s)
    rho = spearmanr(np.repeat(np.asarray(strengths)[None], n, 0).ravel(), measured.ravel())
    return {"attribute": attribute, "vector": vector, "strengths": list(strengths),
            "measured": measured.mean(0).tolist(), "spearman": float(rho.statistic),
            "gap": float(measure(with_, image_shape).mean() - measure(without, image_shape).mean()),
            "grid": decoded[:n_show]}
