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

Looking at what each latent dimension does (Higgins et al. 2017, beta-VAE; Burgess et al. 2018,
"Understanding disentangling in beta-VAE", their dSprites figure):

- :func:`latent_traversals`: one dimension of an input's code swept over ``[-3, 3]`` while the
  others keep their inferred values, each code decoded;
- :func:`posterior_moments`, :func:`kl_per_dimension` and :func:`active_units`: the mean
  ``KL(q(z_j|x) || N(0, 1))`` of each dimension over the data, and the number of *active units*
  (Burda et al. 2016, IWAE, section 5.2): dimensions whose posterior mean varies with the input,
  ``Var_x(E_q[z_j | x]) > 0.01``. A dimension with KL near 0 has collapsed to the prior and
  carries no information about x.
"""

from __future__ import annotations

import numpy as np

from ..divergences import kl_to_standard_normal
from ..exceptions import DataError, ParameterError

__all__ = ["attribute_vector", "apply_attribute", "stroke_thickness", "slant",
           "latent_arithmetic", "latent_traversals", "posterior_moments", "kl_per_dimension",
           "active_units", "latent_activity", "held_out_index",
           "evaluation_index"]


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


# --------------------------------------------------------------------------- traversals
def latent_traversals(estimator, X, *, dims=None, span=3.0, steps=9, relative=True):
    """Decode each latent dimension swept over ``[-span, span]`` from the codes of ``X``.

    For input ``x`` with code ``z = g(x)`` and dimension ``j``, the codes ``z + t e_j`` for
    ``t`` in ``linspace(-span, span, steps)`` are decoded (``relative=True``: around the input's
    code, so with an odd ``steps`` the centre column is the reconstruction of x); with
    ``relative=False`` ``z_j`` is *set* to ``t``, as in the traversals of Higgins et al. 2017 and
    Burgess et al. 2018 (other dimensions stay at their inferred values in both cases).

    Parameters
    ----------
    estimator : fitted estimator with ``transform`` and ``inverse_transform``
    X : array-like of shape (n_inputs, n_features)
    dims : sequence of int, optional
        The dimensions to sweep, in this order (default: all, in index order).
    span : float, default=3.0
        Half-width of the sweep (3 prior standard deviations).
    steps : int, default=9
    relative : bool, default=True

    Returns
    -------
    ndarray of shape (n_inputs, len(dims), steps, n_features)
    """
    if not (hasattr(estimator, "transform") and hasattr(estimator, "inverse_transform")):
        raise ParameterError(f"{type(estimator).__name__} cannot draw latent traversals: it "
                             f"needs transform and inverse_transform (a fitted autoencoder).")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 2:
        raise ParameterError(f"steps={steps!r} must be an integer >= 2.")
    if not np.isfinite(span) or span <= 0:
        raise ParameterError(f"span={span!r} must be a positive number.")
    codes = np.asarray(estimator.transform(np.asarray(X, dtype=np.float32)), dtype=np.float64)
    n, latent_dim = codes.shape
    dims = list(range(latent_dim)) if dims is None else [int(j) for j in dims]
    bad = [j for j in dims if not 0 <= j < latent_dim]
    if bad:
        raise ParameterError(f"dims {bad} are outside the latent space of {latent_dim} "
                             f"dimensions.")
    offsets = np.linspace(-float(span), float(span), int(steps))
    Z = np.broadcast_to(codes[:, None, None, :], (n, len(dims), steps, latent_dim)).copy()
    for i, j in enumerate(dims):                                       # Z: (n, k, steps, latent)
        Z[:, i, :, j] = (Z[:, i, :, j] + offsets) if relative else offsets
    flat = np.asarray(estimator.inverse_transform(Z.reshape(-1, latent_dim).astype(np.float32)))
    return flat.reshape(n, len(dims), steps, -1)


# --------------------------------------------------------------------------- KL per dimension
def held_out_index(estimator, n_samples: int) -> np.ndarray | None:
    """Indices of the inputs a neural estimator held out for validation, or None.

    The trainer holds out the first ``round(validation_fraction * n)`` inputs of
    ``numpy.random.default_rng(seed_).permutation(n)`` (:class:`~latentlearn.neural.trainer.
    Trainer`); the same split is drawn here so that evaluation uses inputs the model never
    trained on.
    """
    params = estimator.get_params(deep=False) if hasattr(estimator, "get_params") else {}
    fraction = params.get("validation_fraction") or 0.0
    seed = getattr(estimator, "seed_", None)
    if fraction <= 0 or seed is None:
        return None
    n_val = int(round(fraction * n_samples))
    if not 1 <= n_val < n_samples:
        return None
    return np.sort(np.random.default_rng(seed).permutation(n_samples)[:n_val])


#: The latent-code measures use at most this many inputs (codes are cheap; the scores'
#: classifiers are not).
MAX_EVALUATION_SAMPLES = 10_000


def evaluation_index(estimator, n_samples: int, max_samples: int = MAX_EVALUATION_SAMPLES):
    """``(index, held_out)``: the inputs to measure a latent code on, the held-out ones when the
    estimator held some out (:func:`held_out_index`), else the first ``max_samples``."""
    held = held_out_index(estimator, n_samples)
    index = np.arange(n_samples) if held is None else held
    return index[:max_samples], held is not None


def posterior_moments(estimator, X, *, batch_size=1024):
    """``mu(x)`` and ``log sigma^2(x)`` of a Gaussian encoder ``q(z|x)``, each (n, latent_dim).

    Applies to the VAE family (a fitted ``model_`` whose ``encode`` returns ``(mu, log_var)``);
    raises :class:`ParameterError` for any other model.
    """
    import torch

    model = getattr(estimator, "model_", None)
    if model is None or not hasattr(model, "encode"):
        raise ParameterError(f"{type(estimator).__name__} has no fitted encoder q(z|x); KL per "
                             f"dimension applies to the VAE family.")
    X = np.asarray(getattr(X, "X", X), dtype=np.float32)
    device = next(model.parameters()).device
    mus, log_vars = [], []
    with torch.no_grad():
        for start in range(0, X.shape[0], batch_size):
            out = model.encode(torch.as_tensor(X[start:start + batch_size]).to(device))
            if not (isinstance(out, tuple) and len(out) == 2):
                raise ParameterError(f"{type(estimator).__name__}'s encoder is not Gaussian "
                                     f"(encode does not return (mu, log_var)); KL per "
                                     f"dimension applies to the VAE family.")
            mus.append(out[0].cpu().numpy())
            log_vars.append(out[1].cpu().numpy())
    return (np.concatenate(mus).astype(np.float64), np.concatenate(log_vars).astype(np.float64))


def kl_per_dimension(mean, log_var):
    """Mean over inputs of ``KL(q(z_j|x) || N(0, 1)) = (mu_j^2 + s_j^2 - log s_j^2 - 1) / 2``.

    The closed form of Kingma & Welling 2014 (appendix B) per dimension, by
    :func:`latentlearn.divergences.kl_to_standard_normal`; they sum to the VAE's KL term.

    Parameters
    ----------
    mean, log_var : array-like of shape (n_samples, latent_dim)

    Returns
    -------
    ndarray of shape (latent_dim,), nats
    """
    mean, log_var = np.asarray(mean, np.float64), np.asarray(log_var, np.float64)
    if mean.ndim != 2 or mean.shape != log_var.shape or mean.shape[0] < 1:
        raise DataError(f"mean and log_var must be two arrays of one shape (n_samples, "
                        f"latent_dim); got {mean.shape} and {log_var.shape}.")
    per_input = kl_to_standard_normal(mean[..., None], log_var=log_var[..., None])  # (n, latent)
    return np.asarray(per_input).mean(axis=0)


def active_units(mean, threshold=0.01):
    """Number of dimensions with ``Var_x(E_q[z_j | x]) > threshold`` (Burda et al. 2016).

    Parameters
    ----------
    mean : array-like of shape (n_samples, latent_dim)
        Posterior means ``mu(x)`` (the codes of ``transform``).
    threshold : float, default=0.01

    Returns
    -------
    int
    """
    mean = np.asarray(mean, np.float64)
    if mean.ndim != 2 or mean.shape[0] < 2:
        raise DataError(f"active units need the posterior means of at least 2 inputs, shape "
                        f"(n_samples, latent_dim); got {mean.shape}.")
    return int(np.sum(mean.var(axis=0) > threshold))


def latent_activity(estimator, X, *, threshold=0.01):
    """KL per dimension and active units of a VAE-family estimator on ``X``.

    Returns
    -------
    dict
        ``kl_per_dimension`` (latent_dim,) nats, ``code_variance`` (latent_dim,) =
        ``Var_x(mu_j(x))``, ``active_units`` (int) and ``order``: dimensions by decreasing KL.
    """
    mean, log_var = posterior_moments(estimator, X)
    kl = kl_per_dimension(mean, log_var)
    return {"kl_per_dimension": kl, "code_variance": mean.var(axis=0),
            "active_units": active_units(mean, threshold),
            "order": np.argsort(-kl, kind="stable")}
