"""
Autoencoder and variational autoencoder
=======================================

An autoencoder (Hinton & Salakhutdinov 2006) learns a code ``z = g(x)`` from which a decoder
rebuilds ``x``. A variational autoencoder (Kingma & Welling 2014) makes the code a
distribution ``q(z | x) = N(mu(x), diag sigma^2(x))`` and trains on the negative evidence
lower bound, ``-E_q[log p(x | z)] + KL(q(z | x) || N(0, I))``, so that decoding draws from
the prior ``N(0, I)`` gives new data. Both are fitted here on 8x8 digits with a 2-D code, for a
few epochs (a real fit takes more).
"""

import matplotlib.pyplot as plt

from latentlearn.datasets import load
from latentlearn.metrics import reconstruction_error
from latentlearn.neural import VAE, Autoencoder

digits = load("digits")
X = digits.X  # grey levels in [0, 1], as the Bernoulli decoder wants

ae = Autoencoder(latent_dim=2, code_activation="linear", hidden_dims=(64,), epochs=15,
                 random_state=0).fit(X)
vae = VAE(latent_dim=2, hidden_dims=(64,), epochs=15, random_state=0).fit(X)

for name, model in {"autoencoder": ae, "VAE": vae}.items():
    err = reconstruction_error(X, model.reconstruct(X))
    print(f"{name:12s} reconstruction MSE {err:.4f}")
print(f"VAE mean ELBO per digit {vae.score(X):.2f} nats; "
      f"IWAE estimate of log p(x), k=50: {vae.log_likelihood(X[:200], k=50).mean():.2f}")

fig, axes = plt.subplots(1, 3, figsize=(11, 3.5))
for ax, (name, model) in zip(axes, {"autoencoder": ae, "VAE (posterior means)": vae}.items()):
    Z = model.transform(X)
    ax.scatter(Z[:, 0], Z[:, 1], c=digits.y, s=4, cmap="tab10")
    ax.set_title(name)

# %%
# New digits: decoded draws from the prior (the VAE's ``sample``).
samples = vae.sample(32, random_state=0)
grid = samples.reshape(4, 8, 8, 8).transpose(0, 2, 1, 3).reshape(32, 64)
axes[2].imshow(grid, cmap="gray_r")
axes[2].set_title("VAE samples from N(0, I)")
axes[2].axis("off")
plt.show()
