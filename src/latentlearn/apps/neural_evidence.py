"""Autoencoder against VAE on mnist5k: a worked experiment that uses the library.

:func:`mnist_evidence`: 4,000 train / 1,000 test. An autoencoder and a VAE (Kingma & Welling
2014) with the same networks and a 2-D latent space, compared by how well their test codes
separate the digits (kNN accuracy, silhouette): the VAE's KL term is often said to give a
better-organised latent space than a plain autoencoder's, and this measures it rather than
assuming it. Then a VAE with a 20-D latent for the test ELBO, the importance-weighted estimate
of log p(x) (Burda, Grosse & Salakhutdinov 2016), reconstructions, samples, interpolations and
latent arithmetic on a measured attribute (after Larsen et al. 2016). Its figures are drawn by
:mod:`latentlearn.plots` (:func:`~latentlearn.plots.plot_latent_comparison`,
:func:`~latentlearn.plots.plot_latent_arithmetic`).
"""

from __future__ import annotations

import logging

import numpy as np

from ..neural import VAE, Autoencoder
from ..neural.latent import latent_arithmetic
from ..plots import (plot_history, plot_image_grid, plot_interpolations, plot_latent_arithmetic,
                     plot_latent_comparison, plot_reconstructions)

logger = logging.getLogger(__name__)

__all__ = ["mnist_evidence"]


def mnist_evidence(*, epochs=30, seed=0, n_train=4000, latent_dim=20, iwae_k=1000,
                   device="auto", figures=True):
    """Fit the AE and VAE of the issue on mnist5k and measure them (see the module docs).

    Returns
    -------
    dict
        ``metrics`` (flat name -> number) and, with ``figures=True``, ``figures`` (name ->
        matplotlib Figure).
    """
    from .. import metrics as M
    from ..datasets import load

    ds = load("mnist5k", n_samples=5000, random_state=seed)
    X_train, X_test = ds.X[:n_train], ds.X[n_train:]
    y_test = ds.y[n_train:]
    shape = ds.image_shape
    common = dict(hidden_dims=(512, 256), architecture="mlp", epochs=epochs, device=device,
                  random_state=seed)
    out: dict = {"metrics": {}, "figures": {}}
    m = out["metrics"]

    # 2-D latent spaces, same networks; the AE's code is linear (a ReLU code would fold the
    # plane into one quadrant and handicap it).
    ae2 = Autoencoder(2, code_activation="linear", **common).fit(X_train)
    vae2 = VAE(2, **common).fit(X_train)
    codes = {"ae": ae2.transform(X_test), "vae": vae2.transform(X_test)}
    for name, z in codes.items():
        m[f"{name}2d_knn_accuracy"] = float(M.knn_accuracy(z, y_test, n_neighbors=10))
        m[f"{name}2d_silhouette"] = float(M.silhouette(z, y_test))
        m[f"{name}2d_test_reconstruction_error"] = float(M.reconstruction_error(
            X_test, (ae2 if name == "ae" else vae2).reconstruct(X_test)))

    vae = VAE(latent_dim, **common).fit(X_train)
    m["vae_test_neg_elbo"] = float(-vae.elbo(X_test, n_samples=10).mean())
    m["vae_test_neg_log_px_iwae"] = float(-vae.log_likelihood(X_test, k=iwae_k).mean())
    m["vae_test_reconstruction_error"] = float(M.reconstruction_error(X_test,
                                                                      vae.reconstruct(X_test)))
    arithmetic = latent_arithmetic(vae, X_train, X_test, shape, attribute="thickness")
    m["arithmetic_thickness_spearman"] = arithmetic["spearman"]
    for a, value in zip(arithmetic["strengths"], arithmetic["measured"]):
        m[f"arithmetic_thickness_at_{a:+.1f}"] = value
    out["arithmetic"] = arithmetic
    out["models"] = {"ae2": ae2, "vae2": vae2, "vae": vae}

    if figures:
        f = out["figures"]
        f["latent_ae_vs_vae"] = plot_latent_comparison(
            [codes["ae"], codes["vae"]], y_test,
            [f"autoencoder (kNN {m['ae2d_knn_accuracy']:.2f}, silhouette "
             f"{m['ae2d_silhouette']:.2f})",
             f"VAE (kNN {m['vae2d_knn_accuracy']:.2f}, silhouette {m['vae2d_silhouette']:.2f})"])
        f["reconstructions"] = plot_reconstructions(X_test[:10], vae.reconstruct(X_test[:10]),
                                                    shape)
        f["samples"] = plot_image_grid(vae.sample(64, random_state=seed), shape, n_cols=8)
        rng = np.random.default_rng(seed)
        pairs = [(rng.choice(np.flatnonzero(y_test == a)), rng.choice(np.flatnonzero(y_test == b)))
                 for a, b in ((0, 1), (3, 8), (4, 9), (2, 7))]
        f["interpolations"] = plot_interpolations(
            [vae.interpolate(X_test[i], X_test[j], steps=10) for i, j in pairs], shape,
            row_labels=[f"{y_test[i]} to {y_test[j]}" for i, j in pairs])
        f["latent_arithmetic"] = plot_latent_arithmetic(arithmetic, shape)
        f["loss_curve"] = plot_history(vae.history_, keys=["loss", "reconstruction", "kl"],
                                       x="epoch")
    return out
