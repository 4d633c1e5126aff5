"""
SNE and t-SNE on digits
=======================

Symmetric SNE (Hinton & Roweis 2002; van der Maaten & Hinton 2008, section 3.1) matches
Gaussian neighbourhoods in the map to those of the data and crowds the clusters together;
t-SNE (van der Maaten & Hinton 2008) uses a heavy-tailed Student t in the map, which leaves
room between them. Both minimise ``KL(P || Q)``; ``kl_divergence_`` is the value reached.
"""

import matplotlib.pyplot as plt

from latentlearn.datasets import load
from latentlearn.metrics import knn_accuracy, trustworthiness
from latentlearn.sne import SNE, TSNE

digits = load("digits", n_samples=500)
X, y = digits.X, digits.y

models = {
    "symmetric SNE": SNE(kind="symmetric", perplexity=30, n_iter=500, random_state=0),
    "t-SNE": TSNE(perplexity=30, n_iter=500, random_state=0),
}
fig, axes = plt.subplots(1, 2, figsize=(8, 3.8))
for ax, (name, model) in zip(axes, models.items()):
    Y = model.fit_transform(X)
    T, acc = trustworthiness(X, Y, n_neighbors=10), knn_accuracy(Y, y)
    print(f"{name:14s} KL {model.kl_divergence_:.3f}  trustworthiness {T:.3f}  "
          f"10-NN accuracy {acc:.3f}")
    ax.scatter(Y[:, 0], Y[:, 1], c=y, s=5, cmap="tab10")
    ax.set_title(f"{name}: KL {model.kl_divergence_:.2f}")

# %%
# New points are placed against the fixed reference map (as openTSNE does): only the new
# points move.
tsne = models["t-SNE"]
more = load("digits", n_samples=700).X[500:]
print("placed", tsne.transform(more).shape)
plt.show()
