"""
Contrastive embedding (DrLIM)
=============================

DrLIM (Hadsell, Chopra & LeCun 2006) trains one network ``G_W`` on pairs: similar pairs (here
k-nearest neighbours) are pulled together, dissimilar ones pushed at least ``margin`` apart,
``L = (1 - Y) D^2 / 2 + Y max(0, margin - D)^2 / 2`` with ``Y = 0`` for "similar". Unlike
t-SNE it is a parametric map: ``transform`` embeds new points with the same network.
"""

import matplotlib.pyplot as plt

from latentlearn.datasets import load
from latentlearn.metrics import knn_accuracy, trustworthiness
from latentlearn.neural import ContrastiveEmbedding

digits = load("digits")
train, test = slice(0, 1400), slice(1400, None)
model = ContrastiveEmbedding(latent_dim=2, n_neighbors=5, hidden_dims=(128,), epochs=10,
                             random_state=0).fit(digits.X[train])
Y_test = model.transform(digits.X[test])  # new points, through the learned map
print(f"held-out trustworthiness {trustworthiness(digits.X[test], Y_test):.3f}, "
      f"10-NN accuracy {knn_accuracy(Y_test, digits.y[test]):.3f}")

plt.scatter(Y_test[:, 0], Y_test[:, 1], c=digits.y[test], s=6, cmap="tab10")
plt.title("DrLIM map of held-out digits")
plt.show()
