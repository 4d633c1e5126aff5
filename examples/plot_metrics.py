"""
Metrics: judging an embedding and a clustering
==============================================

Trustworthiness and continuity (Venna & Kaski 2001) ask whether an embedding's neighbours are
real and whether the real neighbours stay close; k-NN accuracy how well classes separate.
For clusterings: silhouette (Rousseeuw 1987), adjusted Rand index (Hubert & Arabie 1985) and
normalised mutual information. :func:`~latentlearn.metrics.embedding_report` and
:func:`~latentlearn.metrics.cluster_report` compute every one that applies, as a run's
metrics.json holds them, and :data:`~latentlearn.metrics.METRIC_INFO` says what each means.
"""

import matplotlib.pyplot as plt

from latentlearn.cluster import KMeans
from latentlearn.datasets import load
from latentlearn.decomposition import PCA
from latentlearn.metrics import METRIC_INFO, cluster_report, continuity, embedding_report
from latentlearn.sne import TSNE

digits = load("digits", n_samples=500)
X, y = digits.X, digits.y
embeddings = {"PCA": PCA(n_components=2).fit_transform(X),
              "t-SNE": TSNE(n_iter=400, random_state=0).fit_transform(X)}

ks = [5, 10, 20, 40]
for name, Y in embeddings.items():
    report = embedding_report(X, Y, y)
    print(name, {k: round(v, 3) for k, v in report.items()})
    plt.plot(ks, [continuity(X, Y, n_neighbors=k) for k in ks], marker="o", label=name)
plt.xlabel("k")
plt.ylabel("continuity")
plt.legend()

labels = KMeans(n_clusters=10, random_state=0).fit_predict(X)
for name, value in cluster_report(X, labels, y).items():
    info = METRIC_INFO.get(name)
    print(f"{name:24s} {value:8.3f}  {info.description if info else ''}")
plt.show()
