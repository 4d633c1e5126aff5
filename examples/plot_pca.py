"""
PCA on digits
=============

Principal component analysis (Pearson 1901; Hotelling 1933).
"""
import matplotlib.pyplot as plt

from latentlearn.datasets import load
from latentlearn.decomposition import PCA

digits = load("digits")
pca = PCA(n_components=2).fit(digits.X)
Z = pca.transform(digits.X)
plt.scatter(Z[:, 0], Z[:, 1], c=digits.y, s=5)
