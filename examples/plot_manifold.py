"""
Manifold learning on the swiss roll
===================================

The swiss roll is a 2-D sheet rolled up in 3-D. Classical MDS (Torgerson 1952) keeps the
straight-line distances and folds the layers onto each other; Isomap (Tenenbaum et al. 2000)
keeps distances measured along a neighbourhood graph and unrolls it; LLE (Roweis & Saul 2000)
and Laplacian eigenmaps (Belkin & Niyogi 2003) keep only local structure; kernel PCA
(Scholkopf, Smola & Muller 1998) is PCA in a feature space. The colour is the roll angle, the
true coordinate along the sheet.
"""

import matplotlib.pyplot as plt
from scipy.stats import spearmanr

from latentlearn.datasets import make_swiss_roll
from latentlearn.manifold import MDS, Isomap, KernelPCA, LaplacianEigenmaps, LocallyLinearEmbedding

roll = make_swiss_roll(800, random_state=0)
X, angle = roll.X, roll.factors[:, 0]

models = {
    "classical MDS": MDS(algorithm="classical"),
    "Isomap": Isomap(n_neighbors=10, n_landmarks=None),
    "LLE": LocallyLinearEmbedding(n_neighbors=12),
    "Laplacian eigenmaps": LaplacianEigenmaps(n_neighbors=10),
    "kernel PCA (rbf)": KernelPCA(kernel="rbf", gamma=0.01, fit_inverse_transform=False),
}
fig, axes = plt.subplots(1, 5, figsize=(13, 2.8))
for ax, (name, model) in zip(axes, models.items()):
    Y = model.fit_transform(X)
    rho = max(abs(spearmanr(Y[:, 0], angle)[0]), abs(spearmanr(Y[:, 1], angle)[0]))
    print(f"{name:20s} |Spearman rho| with the roll angle: {rho:.3f}")
    ax.scatter(Y[:, 0], Y[:, 1], c=angle, s=4, cmap="viridis")
    ax.set_title(f"{name}\n|rho| = {rho:.2f}", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
plt.show()
