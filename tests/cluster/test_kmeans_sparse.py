"""k-means and mini-batch k-means on scipy.sparse input: the dense twin's fit, not densified.

The reference is the same estimator on ``X.toarray()`` (itself tested against scikit-learn in
test_kmeans.py / test_minibatch_kmeans.py) from the same starting centres, or the same seed
(the seeding and the batches are drawn alike), and scikit-learn's KMeans on the sparse matrix.
"""

import tracemalloc

import numpy as np
import pytest
from scipy import sparse
from sklearn.cluster import KMeans as SkKMeans

from latentlearn.cluster import KMeans, MiniBatchKMeans, kmeans_plusplus

FORMATS = [sparse.csr_matrix, sparse.csc_matrix, sparse.csr_array]


def _random_sparse(n_samples, n_features, nnz, seed=0):
    """About ``nnz`` uniform entries at uniform positions, built in O(nnz)."""
    rng = np.random.RandomState(seed)
    return sparse.csr_matrix((rng.uniform(size=nnz), (rng.randint(0, n_samples, nnz),
                                                      rng.randint(0, n_features, nnz))),
                             shape=(n_samples, n_features))


@pytest.fixture(scope="module")
def blobs():
    """1,200 x 150 sparse rows in 5 groups (each group lights up its own 10 features) over
    sparse noise; values around 1-3, so the points are far from the origin."""
    rng = np.random.RandomState(0)
    n, d, k = 1200, 150, 5
    group = rng.randint(0, k, n)
    noise = _random_sparse(n, d, int(0.03 * n * d), seed=1)
    rows = np.repeat(np.arange(n), 10)
    cols = (group[:, np.newaxis] * 10 + np.arange(10)).ravel()
    keep = rng.uniform(size=rows.size) < 0.7
    signal = sparse.csr_matrix((1.0 + 2.0 * rng.uniform(size=keep.sum()),
                                (rows[keep], cols[keep])), shape=(n, d))
    return (signal + noise).tocsr()


def _assert_same_clustering(ours, dense, tol=1e-8):
    np.testing.assert_array_equal(ours.labels_, dense.labels_)
    assert ours.inertia_ == pytest.approx(dense.inertia_, rel=tol)
    np.testing.assert_allclose(ours.cluster_centers_, dense.cluster_centers_, rtol=0,
                               atol=tol * np.abs(dense.cluster_centers_).max())


@pytest.mark.parametrize("container", FORMATS)
def test_kmeans_from_the_same_centres_matches_the_dense_fit(blobs, container):
    D = blobs.toarray()
    init = D[np.random.RandomState(1).choice(D.shape[0], 5, replace=False)]
    ours = KMeans(5, init=init).fit(container(blobs))
    dense = KMeans(5, init=init).fit(D)
    assert ours.n_iter_ == dense.n_iter_
    # measured: inertia within 4e-16, centres within 2e-14 (relative)
    _assert_same_clustering(ours, dense)


@pytest.mark.parametrize("init", ["k-means++", "random"])
def test_kmeans_with_the_same_seed_matches_the_dense_fit(blobs, init):
    ours = KMeans(5, init=init, n_init=3, random_state=7).fit(blobs)
    dense = KMeans(5, init=init, n_init=3, random_state=7).fit(blobs.toarray())
    _assert_same_clustering(ours, dense)


def test_kmeans_on_sparse_input_matches_sklearn_from_the_same_centres(blobs):
    init = blobs[:5].toarray()
    ours = KMeans(5, init=init).fit(blobs)
    theirs = SkKMeans(5, init=init, n_init=1, algorithm="lloyd", tol=1e-4).fit(blobs)
    np.testing.assert_array_equal(ours.labels_, theirs.labels_)
    assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=1e-8)
    np.testing.assert_allclose(ours.cluster_centers_, theirs.cluster_centers_, atol=1e-8)


def test_sample_weights_and_an_empty_cluster_on_sparse_input(blobs):
    D = blobs.toarray()
    weights = np.random.RandomState(2).uniform(0.5, 3.0, size=D.shape[0])
    init = D[:5].copy()
    init[4] = 50.0  # far from every sample: empty after the first assignment, relocated
    ours = KMeans(5, init=init).fit(blobs, sample_weight=weights)
    dense = KMeans(5, init=init).fit(D, sample_weight=weights)
    _assert_same_clustering(ours, dense)
    assert np.unique(ours.labels_).size == 5


def test_predict_transform_and_score_of_sparse_input(blobs):
    D = blobs.toarray()
    fitted_dense = KMeans(5, random_state=0, n_init=2).fit(D)  # centred fit, sparse queries
    np.testing.assert_array_equal(fitted_dense.predict(blobs), fitted_dense.labels_)
    np.testing.assert_allclose(fitted_dense.transform(blobs), fitted_dense.transform(D),
                               rtol=1e-10, atol=1e-12)
    assert fitted_dense.score(blobs) == pytest.approx(fitted_dense.score(D), rel=1e-10)
    fitted_sparse = KMeans(5, random_state=0, n_init=2).fit(blobs)
    np.testing.assert_array_equal(fitted_sparse.predict(D), fitted_sparse.labels_)
    np.testing.assert_allclose(fitted_sparse.transform(blobs), fitted_sparse.transform(D),
                               rtol=1e-10, atol=1e-12)
    # a sample 1e-7 from a centre: the expansion ||x||^2 - 2 x.mu + ||mu||^2 would be off by
    # ~sqrt(eps) ||mu||, so such entries are recomputed from explicit differences
    near = fitted_sparse.cluster_centers_[:1].copy()
    near[0, 3] += 1e-7
    assert fitted_sparse.transform(sparse.csr_matrix(near))[0, 0] == pytest.approx(1e-7,
                                                                                   rel=1e-6)


def test_kmeans_plusplus_draws_the_same_rows_from_sparse_input(blobs):
    centers, indices = kmeans_plusplus(blobs, 5, random_state=3)
    dense_centers, dense_indices = kmeans_plusplus(blobs.toarray(), 5, random_state=3)
    np.testing.assert_array_equal(indices, dense_indices)
    np.testing.assert_array_equal(centers, dense_centers)
    assert isinstance(centers, np.ndarray)


def test_float32_sparse_input_stays_float32(blobs):
    ours = KMeans(5, random_state=0, n_init=2).fit(blobs.astype(np.float32))
    dense = KMeans(5, random_state=0, n_init=2).fit(blobs.toarray().astype(np.float32))
    assert ours.cluster_centers_.dtype == np.float32
    _assert_same_clustering(ours, dense, tol=1e-5)


@pytest.mark.parametrize("init", ["k-means++", "array"])
def test_minibatch_kmeans_with_the_same_batches_matches_the_dense_fit(blobs, init):
    D = blobs.toarray()
    start = D[:5] if init == "array" else init
    ours = MiniBatchKMeans(5, init=start, batch_size=200, random_state=4).fit(blobs)
    dense = MiniBatchKMeans(5, init=start, batch_size=200, random_state=4).fit(D)
    assert ours.n_steps_ == dense.n_steps_
    _assert_same_clustering(ours, dense)


def test_minibatch_partial_fit_on_sparse_batches(blobs):
    D = blobs.toarray()
    ours, dense = MiniBatchKMeans(5, random_state=5), MiniBatchKMeans(5, random_state=5)
    for rows in (slice(0, 400), slice(400, 800), slice(800, 1200)):
        ours.partial_fit(blobs[rows])
        dense.partial_fit(D[rows])
    np.testing.assert_allclose(ours.cluster_centers_, dense.cluster_centers_, rtol=0,
                               atol=1e-10)
    np.testing.assert_array_equal(ours.predict(blobs), dense.predict(D))


@pytest.mark.parametrize("estimator", [
    KMeans(10, n_init=1, max_iter=10, random_state=0),
    MiniBatchKMeans(10, max_iter=3, random_state=0),
], ids=["kmeans", "minibatch_kmeans"])
def test_a_large_sparse_matrix_is_never_densified(estimator):
    n = d = 20_000
    X = _random_sparse(n, d, 200_000)  # density 0.05 %, 2.4 MB stored
    tracemalloc.start()
    try:
        estimator.fit(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # A dense (n, d) float64 array is 3.2 GB; measured peaks are 18 MB (KMeans) and 12 MB
    # (mini-batch): copies of the stored entries, (k, d) centres and sums, (n, k) distances.
    assert peak < 60e6
    assert estimator.cluster_centers_.shape == (10, d)
