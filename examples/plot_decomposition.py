"""
Decomposition: PCA, FastICA, NMF and factor analysis
====================================================

Four linear models ``x ~ mu + W z`` fitted to 8x8 digits, each drawn as its dictionary of
atoms. PCA (Pearson 1901; Hotelling 1933; Bishop 2006, PRML section 12.1) keeps the directions
of largest variance; FastICA (Hyvarinen 1999) finds statistically independent, non-Gaussian
sources; NMF (Lee & Seung 1999) non-negative, parts-based atoms; factor analysis (Bishop
2006, section 12.2.4) a low-rank covariance plus a diagonal noise.
"""

import matplotlib.pyplot as plt
import numpy as np

from latentlearn.datasets import load
from latentlearn.decomposition import NMF, PCA, FactorAnalysis, FastICA

digits = load("digits")
X = digits.X  # grey levels in [0, 1]

models = {
    "PCA": PCA(n_components=8, random_state=0),
    "FastICA": FastICA(n_components=8, max_iter=400, random_state=0),
    "NMF": NMF(n_components=8, init="nndsvda", max_iter=400, random_state=0),
    "factor analysis": FactorAnalysis(n_components=8, random_state=0),
}
fig, axes = plt.subplots(4, 8, figsize=(8, 4.6))
for row, (name, model) in zip(axes, models.items()):
    model.fit(X)
    for ax, atom in zip(row, model.components_):
        ax.imshow(atom.reshape(digits.image_shape), cmap="RdBu_r")
        ax.set_xticks([])
        ax.set_yticks([])
    row[0].set_ylabel(name, rotation=0, ha="right", va="center")

# %%
# PCA is also a generative model (Tipping & Bishop 1999): codes decode with ``x = mu + W z``
# -- not ``W z``, a common slip that leaves out the mean.
pca = PCA(n_components=0.9).fit(X)  # the fewest components that keep 90% of the variance
print(f"{pca.n_components_} components keep "
      f"{np.sum(pca.explained_variance_ratio_):.1%} of the variance")
new_digits = pca.sample(8, random_state=0)
print("samples:", new_digits.shape)
plt.show()
