"""
Clustering: k-means, agglomerative and spectral
===============================================

Three clusterers on the same data, scored against the true classes by the adjusted Rand
index. k-means (Lloyd 1982; Bishop 2006, PRML section 9.1) minimises the within-cluster sum of
*squared* distances; Ward's agglomerative clustering (Ward 1963) merges bottom-up; spectral
clustering (Ng, Jordan & Weiss 2002) runs k-means on the Laplacian eigenmap of a kNN graph, so
it can separate clusters that are not convex.
"""

import matplotlib.pyplot as plt

from latentlearn.cluster import AgglomerativeClustering, KMeans, SpectralClustering
from latentlearn.datasets import make_blobs
from latentlearn.metrics import adjusted_rand, silhouette

blobs = make_blobs(600, centers=4, cluster_std=1.5, random_state=0)
X, y = blobs.X, blobs.y

models = {
    "k-means": KMeans(n_clusters=4, random_state=0),
    "Ward": AgglomerativeClustering(n_clusters=4, linkage="ward"),
    "spectral": SpectralClustering(n_clusters=4, n_neighbors=10, random_state=0),
}
fig, axes = plt.subplots(1, 3, figsize=(10, 3.4))
for ax, (name, model) in zip(axes, models.items()):
    labels = model.fit_predict(X)
    ari, sil = adjusted_rand(y, labels), silhouette(X, labels)
    print(f"{name:9s} ARI {ari:.3f}  silhouette {sil:.3f}")
    ax.scatter(X[:, 0], X[:, 1], c=labels, s=5, cmap="tab10")
    ax.set_title(f"{name}: ARI {ari:.2f}")
    ax.set_xticks([])
    ax.set_yticks([])

# %%
# k-means reports its objective, the inertia ``J = sum_i ||x_i - mu_{c_i}||^2``, and the
# number of Lloyd iterations it took.
kmeans = models["k-means"]
print(f"inertia {kmeans.inertia_:.1f} after {kmeans.n_iter_} iterations")
plt.show()
