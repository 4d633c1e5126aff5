"""
Generators: GAN, WGAN-GP and VQ-VAE, and how to score their samples
===================================================================

A GAN (Goodfellow et al. 2014) trains a generator against a discriminator; WGAN-GP (Gulrajani
et al. 2017) replaces the discriminator by a critic estimating the Wasserstein-1 distance,
held near 1-Lipschitz by a gradient penalty. On eight Gaussians on a circle, the classic
mode-collapse toy, :func:`~latentlearn.metrics.mode_coverage` counts the modes a generator
covers (Srivastava et al. 2017). VQ-VAE (van den Oord et al. 2017) learns a grid of discrete
codes and a prior over them. Sample quality against real data: Frechet distance (Heusel et al.
2017), kernel distance (Binkowski et al. 2018), precision and recall (Kynkaanniemi et al.
2019). The fits are short; more epochs cover more modes.
"""

import matplotlib.pyplot as plt

from latentlearn.datasets import load, make_gaussian_ring
from latentlearn.metrics import mode_coverage, sample_quality
from latentlearn.neural import GAN, VQVAE, WGANGP

ring = make_gaussian_ring(2000, random_state=0)
centers = ring.extras["centers"]  # the true modes

fig, axes = plt.subplots(1, 3, figsize=(10, 3.3))
axes[0].scatter(ring.X[:, 0], ring.X[:, 1], s=2)
axes[0].set_title("data: 8 Gaussians")
for ax, model in zip(axes[1:], [GAN(epochs=10, random_state=0),
                                WGANGP(epochs=10, random_state=0)]):
    model.fit(ring.X)
    samples = model.sample(1000, random_state=0)
    name = type(model).__name__
    print(name, mode_coverage(samples, centers, std=0.05))
    scores = sample_quality(ring.X, samples, metrics=("fd", "precision_recall"))
    print(name, {k: round(float(v), 3) for k, v in scores.items()})
    ax.scatter(samples[:, 0], samples[:, 1], s=2, color="C1")
    ax.set_title(f"{name} samples")

# %%
# VQ-VAE on 8x8 digits: 16 codes on a grid of 4 cells, a small prior over the codes.
digits = load("digits")
vq = VQVAE(latent_dim=8, n_codes=16, grid_size=4, hidden_dims=(64,), epochs=5,
           random_state=0).fit(digits.X)
print("VQ-VAE reconstruction MSE",
      round(float(((vq.reconstruct(digits.X) - digits.X) ** 2).mean()), 4))
print("VQ-VAE samples:", vq.sample(16, random_state=0).shape)
plt.show()
