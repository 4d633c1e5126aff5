"""PCA and KMeans on dask arrays, on a dask.distributed LocalCluster of 2 workers.

References: the in-memory fits (PCA components to 1e-6 up to sign, k-means the same inertia
from the same initial centres) and scikit-learn's PCA / KMeans from the same centres.

The cluster is a module fixture with in-process workers (``processes=False``: started in
~0.1 s here against ~1.6 s for 2 worker processes); one test starts a 2-process cluster to check
that the block tasks pickle.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans as SKKMeans
from sklearn.datasets import make_blobs
from sklearn.decomposition import PCA as SKPCA

from latentlearn.cluster import KMeans
from latentlearn.cluster import kmeans as kmeans_module
from latentlearn.decomposition import PCA
from latentlearn.exceptions import ParameterError

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=":0")
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def correlated(n=2000, d=10, offset=1e4, seed=0, dtype=np.float64):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) * np.linspace(3, 0.2, d) + offset
    return X.astype(dtype)


def blobs(n=3000, d=6, k=5, std=3.0, seed=0):
    X, _ = make_blobs(n, d, centers=k, cluster_std=std, random_state=seed)
    return X


def assert_same_components(a, b, atol):
    signs = np.sign(np.sum(a * b, axis=1))[:, None]  # up to sign, row by row
    np.testing.assert_allclose(a, b * signs, atol=atol, rtol=0)


# ---------------------------------------------------------------------------------------- PCA
@pytest.mark.parametrize("chunks", [(450, 10), (2000, 10), (300, 4)])
def test_pca_equals_the_in_memory_fit_and_scikit_learn(client, chunks):
    X = correlated()  # a mean 1e4 times the spread: the block moments must not cancel
    D = da.from_array(X, chunks=chunks)
    ours = PCA(n_components=4).fit(D)
    memory = PCA(n_components=4, svd_solver="covariance_eigh").fit(X)
    reference = SKPCA(n_components=4, svd_solver="full").fit(X)
    assert ours.svd_solver_ == "covariance_eigh"
    assert_same_components(ours.components_, memory.components_, atol=1e-9)
    assert_same_components(ours.components_, reference.components_, atol=1e-6)
    np.testing.assert_allclose(ours.explained_variance_, reference.explained_variance_,
                               rtol=1e-9)
    np.testing.assert_allclose(ours.explained_variance_ratio_,
                               reference.explained_variance_ratio_, rtol=1e-9)
    np.testing.assert_allclose(ours.mean_, reference.mean_, rtol=1e-14)
    np.testing.assert_allclose(ours.noise_variance_, reference.noise_variance_, rtol=1e-9)
    assert ours.n_samples_ == X.shape[0] and ours.n_features_in_ == X.shape[1]
    np.testing.assert_allclose(ours.transform(X), memory.transform(X) * np.sign(
        np.sum(ours.components_ * memory.components_, axis=1)), atol=1e-8)


def test_pca_float32_fraction_and_integers(client):
    X = correlated(dtype=np.float32, offset=3.0)
    ours = PCA(n_components=0.9).fit(da.from_array(X, chunks=(500, 10)))
    memory = PCA(n_components=0.9, svd_solver="covariance_eigh").fit(X)
    assert ours.components_.dtype == np.float32
    assert ours.n_components_ == memory.n_components_
    assert_same_components(ours.components_, memory.components_, atol=1e-6)
    Xi = np.random.RandomState(1).randint(0, 50, size=(400, 5))
    ours = PCA(n_components=3).fit(da.from_array(Xi, chunks=(100, 5)))
    assert ours.components_.dtype == np.float64
    assert_same_components(ours.components_, SKPCA(3).fit(Xi).components_, atol=1e-6)


def test_the_block_statistics_run_on_both_workers(client):
    X = correlated(n=4000)
    with distributed.get_task_stream(client) as stream:
        PCA(n_components=2).fit(da.from_array(X, chunks=(250, 10)))
        KMeans(3, init=X[:3], n_init=1, max_iter=3).fit(da.from_array(X, chunks=(250, 10)))
    workers = {t["worker"] for t in stream.data if "block" in str(t["key"])}
    assert len(workers) == 2, workers
    names = " ".join(str(t["key"]) for t in stream.data)
    assert "_block_moments" in names and "_lloyd_block_sums" in names


# ------------------------------------------------------------------------------------- KMeans
@pytest.mark.parametrize("chunks", [(600, 6), (3000, 6), (451, 3)])
def test_kmeans_from_given_centres_equals_in_memory_and_scikit_learn(client, chunks):
    X = blobs()
    init = X[::600][:5].copy()
    ours = KMeans(5, init=init, n_init=1).fit(da.from_array(X, chunks=chunks))
    memory = KMeans(5, init=init, n_init=1).fit(X)
    reference = SKKMeans(5, init=init, n_init=1, algorithm="lloyd").fit(X)
    np.testing.assert_allclose(ours.inertia_, memory.inertia_, rtol=1e-12)
    np.testing.assert_allclose(ours.inertia_, reference.inertia_, rtol=1e-9)
    np.testing.assert_array_equal(ours.labels_, memory.labels_)
    assert ours.n_iter_ == memory.n_iter_
    np.testing.assert_allclose(ours.cluster_centers_, memory.cluster_centers_, atol=1e-10)


def test_kmeans_plusplus_equals_in_memory_for_the_same_seed(client):
    # all rows fit in the client's seeding sample: the seeds are the in-memory fit's
    X = blobs(k=6, std=4.0, seed=3)
    D = da.from_array(X, chunks=(700, 6))
    for init, max_iter in [("k-means++", 300), ("random", 300), ("k-means++", 1),
                           ("random", 1)]:  # one iteration: the seeds themselves must agree
        ours = KMeans(6, init=init, n_init=3, random_state=7, max_iter=max_iter).fit(D)
        memory = KMeans(6, init=init, n_init=3, random_state=7, max_iter=max_iter).fit(X)
        np.testing.assert_allclose(ours.inertia_, memory.inertia_, rtol=1e-12)
        np.testing.assert_array_equal(ours.labels_, memory.labels_)
        np.testing.assert_allclose(ours.cluster_centers_, memory.cluster_centers_, atol=1e-10)


def test_kmeans_seeded_from_a_sample_of_the_rows(client, monkeypatch):
    monkeypatch.setattr(kmeans_module, "DASK_SEED_ROWS", 500)
    X = blobs(n=4000, k=4, std=1.0, seed=5)  # well separated: every good run finds the optimum
    ours = KMeans(4, n_init=2, random_state=0).fit(da.from_array(X, chunks=(1000, 6)))
    reference = SKKMeans(4, init=ours.cluster_centers_, n_init=1).fit(X)
    np.testing.assert_allclose(ours.inertia_, reference.inertia_, rtol=1e-9)
    np.testing.assert_allclose(ours.inertia_, KMeans(4, random_state=0).fit(X).inertia_,
                               rtol=1e-9)
    assert np.bincount(ours.labels_).tolist() == sorted(np.bincount(ours.labels_), reverse=True)


def test_kmeans_relocates_empty_clusters_as_in_memory(client):
    X = blobs(n=2000, seed=2)
    init = np.vstack([X[:3], np.full((2, 6), 1e3)])  # two centres never nearest: empty
    one = KMeans(5, init=init, n_init=1, max_iter=1)
    np.testing.assert_allclose(one.fit(da.from_array(X, chunks=(300, 6))).cluster_centers_,
                               KMeans(5, init=init, n_init=1, max_iter=1).fit(X)
                               .cluster_centers_, atol=1e-10)
    memory = KMeans(5, init=init, n_init=1).fit(X)
    ours = KMeans(5, init=init, n_init=1).fit(da.from_array(X, chunks=(300, 6)))
    reference = SKKMeans(5, init=init, n_init=1, algorithm="lloyd").fit(X)
    np.testing.assert_allclose(ours.inertia_, memory.inertia_, rtol=1e-12)
    np.testing.assert_allclose(ours.inertia_, reference.inertia_, rtol=1e-9)
    np.testing.assert_array_equal(ours.labels_, memory.labels_)
    assert np.bincount(ours.labels_, minlength=5).min() > 0


def _weights(n, seed=0):
    w = np.random.default_rng(seed).uniform(0.0, 3.0, size=n)
    w[::7] = 0.0  # zero weights: never seeds, never relocated, not counted as members
    return w


@pytest.mark.parametrize("init", ["given", "k-means++", "random"])
def test_weighted_kmeans_equals_in_memory_and_scikit_learn(client, init):
    X = blobs()
    w = _weights(len(X))
    init = X[::600][:5].copy() if init == "given" else init
    memory = KMeans(5, init=init, n_init=2, random_state=3).fit(X, sample_weight=w)
    for weights in (w, da.from_array(w, chunks=1000)):  # numpy or dask weights
        ours = KMeans(5, init=init, n_init=2, random_state=3).fit(
            da.from_array(X, chunks=(450, 6)), sample_weight=weights)
        np.testing.assert_allclose(ours.inertia_, memory.inertia_, rtol=1e-12)
        np.testing.assert_array_equal(ours.labels_, memory.labels_)
        np.testing.assert_allclose(ours.cluster_centers_, memory.cluster_centers_, atol=1e-10)
    reference = SKKMeans(5, init=ours.cluster_centers_, n_init=1).fit(X, sample_weight=w)
    np.testing.assert_allclose(ours.inertia_, reference.inertia_, rtol=1e-9)
    unweighted = KMeans(5, init=X[::600][:5].copy(), n_init=1).fit(X)
    assert abs(memory.inertia_ - unweighted.inertia_) > 1e-3 * unweighted.inertia_


def test_weighted_kmeans_relocates_and_seeds_from_a_weighted_sample(client, monkeypatch):
    X = blobs(n=2000, seed=2)
    w = _weights(len(X), seed=1)
    init = np.vstack([X[:3], np.full((2, 6), 1e3)])
    for max_iter in (1, 300):  # one iteration: the relocated centres themselves must agree
        memory = KMeans(5, init=init, n_init=1, max_iter=max_iter).fit(X, sample_weight=w)
        ours = KMeans(5, init=init, n_init=1, max_iter=max_iter).fit(
            da.from_array(X, chunks=(300, 6)), sample_weight=w)
        np.testing.assert_allclose(ours.cluster_centers_, memory.cluster_centers_, atol=1e-10)
        np.testing.assert_allclose(ours.inertia_, memory.inertia_, rtol=1e-12)
        np.testing.assert_array_equal(ours.labels_, memory.labels_)
    monkeypatch.setattr(kmeans_module, "DASK_SEED_ROWS", 300)
    X = blobs(n=4000, k=4, std=1.0, seed=5)  # well separated: every good run finds the optimum
    w = _weights(len(X), seed=2)
    sampled = KMeans(4, n_init=2, random_state=0).fit(da.from_array(X, chunks=(1000, 6)),
                                                      sample_weight=w)
    reference = SKKMeans(4, init=sampled.cluster_centers_, n_init=1).fit(X, sample_weight=w)
    np.testing.assert_allclose(sampled.inertia_, reference.inertia_, rtol=1e-9)
    np.testing.assert_allclose(
        sampled.inertia_, KMeans(4, random_state=0).fit(X, sample_weight=w).inertia_, rtol=1e-9)


# ------------------------------------------------------------ using the fit on a dask array
def test_row_methods_are_lazy_and_equal_the_in_memory_ones(client):
    X = correlated(n=1500, d=6, offset=3.0).astype(np.float32)
    D = da.from_array(X, chunks=(400, 3))  # split columns too: re-chunked to whole rows
    pca = PCA(3, whiten=True).fit(X)
    Z = pca.transform(D)
    assert isinstance(Z, da.Array) and Z.chunks == ((400, 400, 400, 300), (3,))
    assert Z.dtype == pca.transform(X).dtype
    np.testing.assert_array_equal(Z.compute(), pca.transform(X))
    np.testing.assert_array_equal(pca.inverse_transform(Z).compute(),
                                  pca.inverse_transform(pca.transform(X)))
    np.testing.assert_array_equal(pca.score_samples(D).compute(), pca.score_samples(X))
    assert pca.score(D) == pytest.approx(pca.score(X), rel=1e-12)
    assert isinstance(PCA(3).fit_transform(D), da.Array)

    km = KMeans(4, random_state=0, n_init=2).fit(X)
    labels = km.predict(D)
    assert isinstance(labels, da.Array) and labels.chunks == ((400, 400, 400, 300),)
    np.testing.assert_array_equal(labels.compute(), km.predict(X))
    np.testing.assert_array_equal(km.transform(D).compute(), km.transform(X))
    assert km.score(D) == pytest.approx(km.score(X), rel=1e-9)
    w = _weights(1500)
    assert km.score(D, sample_weight=w) == pytest.approx(km.score(X, sample_weight=w),
                                                         rel=1e-9)
    fitted = KMeans(4, random_state=0, n_init=2).fit_predict(D)
    assert isinstance(fitted, da.Array)
    np.testing.assert_array_equal(fitted.compute(), km.fit_predict(X))

    with pytest.raises(ValueError, match="X has 5 columns, but PCA.transform expects 6"):
        pca.transform(D[:, :5])
    with pytest.raises(ValueError, match="sample_weight"):
        km.score(D, sample_weight=np.ones(1499))


def test_processes_cluster_pickles_the_block_tasks():
    X = blobs(n=800)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0")
    try:
        with distributed.Client(cluster):
            D = da.from_array(X, chunks=(200, 6))
            km = KMeans(5, init=X[:5], n_init=1, max_iter=4).fit(D)
            pca = PCA(2).fit(D)
            codes = pca.transform(D).compute()  # the estimator travels with the tasks
            score = km.score(D)
    finally:
        cluster.close()
    memory = KMeans(5, init=X[:5], n_init=1, max_iter=4).fit(X)
    assert km.inertia_ == pytest.approx(memory.inertia_, rel=1e-12)
    assert_same_components(pca.components_, PCA(2).fit(X).components_, atol=1e-9)
    np.testing.assert_array_equal(codes, pca.transform(X))
    assert score == pytest.approx(km.score(X), rel=1e-12)


# ---------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("estimator", [PCA(2), KMeans(2, n_init=1)])
def test_object_dtype_is_refused_with_the_fix(client, estimator):
    D = da.from_array(np.array([[1, "a"], [2, "b"], [3, "c"]], dtype=object), chunks=(2, 2))
    with pytest.raises(TypeError, match=r"dtype object.*astype\('float64'\)"):
        estimator.fit(D)


def test_unknown_chunk_sizes_are_computed(client):
    X = blobs()
    D = da.from_array(X, chunks=(500, 6))
    D = D[da.from_array(X[:, 0] > -1e9, chunks=500)]  # boolean indexing: nan chunks
    assert np.isnan(D.chunks[0][0])
    init = X[:5].copy()
    ours = KMeans(5, init=init, n_init=1).fit(D)
    assert ours.inertia_ == pytest.approx(KMeans(5, init=init, n_init=1).fit(X).inertia_,
                                          rel=1e-12)
    ours = KMeans(5, random_state=0, n_init=1).fit(D)  # the seeding fetches rows by index
    assert ours.inertia_ == pytest.approx(KMeans(5, random_state=0, n_init=1).fit(X).inertia_,
                                          rel=1e-12)
    assert_same_components(PCA(3).fit(D).components_, PCA(3).fit(X).components_, atol=1e-9)
    assert np.isnan(D.chunks[0][0])  # the caller's array is left as it was


def test_other_bad_input(client):
    X = correlated(n=50, d=4)
    D = da.from_array(X, chunks=(20, 4))
    with pytest.raises(ParameterError, match="svd_solver='full'.*covariance_eigh"):
        PCA(2, svd_solver="full").fit(D)
    with pytest.raises(ValueError, match="sample_weight"):
        KMeans(2).fit(D, sample_weight=np.ones(49))
    with pytest.raises(ValueError, match="sample_weight"):
        KMeans(2).fit(D, sample_weight=-np.ones(50))
    with pytest.raises(ParameterError, match="n_clusters=60 is larger than n_samples=50"):
        KMeans(60).fit(D)
    with pytest.raises(ParameterError, match="n_components=5 is larger"):
        PCA(5).fit(D)
    bad = X.copy()
    bad[7, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        PCA(2).fit(da.from_array(bad, chunks=(20, 4)))
    with pytest.raises(ValueError, match="must be 2-D"):
        PCA(2).fit(da.from_array(X.reshape(50, 2, 2), chunks=(20, 2, 2)))
