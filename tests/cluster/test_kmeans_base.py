"""The k-means family's shared half (cluster/_kmeans_base.py) and KMeans's seeding quality."""

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.cluster import KMeans as SkKMeans
from sklearn.datasets import make_blobs

from latentlearn.cluster import KMeans, MiniBatchKMeans
from latentlearn.cluster import _kmeans_base as base
from latentlearn.cluster import kmeans as kmeans_module


@pytest.fixture(scope="module")
def overlapping():
    """5,000 x 20 blobs, 15 centres of std 4: several local minima of the k-means objective."""
    X, _ = make_blobs(n_samples=5000, n_features=20, centers=15, cluster_std=4.0,
                      random_state=0)
    return X


def test_mean_inertia_reaches_sklearns_over_seeds(overlapping):
    # Issue 11, item 6: over seeds, k-means++ plus Lattanzi & Sohler's local search reaches at
    # least scikit-learn's mean inertia. Measured (seeds 0-5, one run each): ours / sklearn =
    # 0.933; 1.024 with the local search switched off. The margin asked for is 1 %.
    seeds = range(6)
    ours = np.mean([KMeans(15, n_init=1, random_state=s).fit(overlapping).inertia_
                    for s in seeds])
    ref = np.mean([SkKMeans(15, n_init=1, random_state=s).fit(overlapping).inertia_
                   for s in seeds])
    assert ours <= 0.99 * ref


def _naive_local_search(X, weights, centers, rng, n_steps):
    """Lattanzi & Sohler (2019), straight from the definition: O(n k^2) per step."""
    centers = centers.copy()

    def potential(C):
        return float(cdist(X, C, "sqeuclidean").min(axis=1) @ weights)

    for _ in range(n_steps):
        d2 = cdist(X, centers, "sqeuclidean").min(axis=1)
        cumulative = np.cumsum(weights * d2)
        p = min(int(np.searchsorted(cumulative, rng.uniform() * cumulative[-1], side="right")),
                len(X) - 1)
        swaps = []
        for j in range(len(centers)):
            trial = centers.copy()
            trial[j] = X[p]
            swaps.append(potential(trial))
        j = int(np.argmin(swaps))
        if swaps[j] < potential(centers):
            centers[j] = X[p]
    return centers


@pytest.mark.parametrize("weighted, n_clusters, n_steps", [(False, 9, 30), (True, 9, 30),
                                                        (False, 4, 150)])
def test_local_search_is_lattanzi_sohler(overlapping, weighted, n_clusters, n_steps):
    # The incremental bookkeeping (nearest and second-nearest centre, updated after each swap)
    # must give the swaps of the definition, also over many steps with few centres, where
    # every centre is swapped several times.
    X = overlapping[:800, :5] - overlapping[:800, :5].mean(axis=0)
    weights = np.random.RandomState(3).randint(0, 4, len(X)).astype(float) if weighted \
        else np.ones(len(X))
    x_sq = np.einsum("ij,ij->i", X, X)
    seeds, _ = kmeans_module._kmeans_plusplus(X, n_clusters, x_sq, weights,
                                              np.random.RandomState(0), 4, None)
    ours = kmeans_module._local_search(X, x_sq, weights, seeds, np.random.RandomState(1),
                                       n_steps)
    ref = _naive_local_search(X, weights, seeds, np.random.RandomState(1), n_steps)
    np.testing.assert_array_equal(ours, ref)
    assert not np.array_equal(ours, seeds)  # some swaps were made

    def potential(C):
        return float(cdist(X, C, "sqeuclidean").min(axis=1) @ weights)

    assert potential(ours) < potential(seeds)


@pytest.mark.parametrize("cls", [KMeans, MiniBatchKMeans])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_predict_transform_score_from_the_definitions(cls, dtype, overlapping):
    X = overlapping[:2000].astype(dtype) + 100.0  # an offset: the expansion must not cancel
    model = cls(15, random_state=0).fit(X)
    centers = model.cluster_centers_.astype(np.float64)
    D = cdist(X.astype(np.float64), centers)
    rtol = 1e-9 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(model.transform(X), D, rtol=rtol, atol=rtol * D.max())
    assert model.transform(X).dtype == dtype
    np.testing.assert_array_equal(model.predict(X), np.argmin(D, axis=1))
    weights = np.random.RandomState(0).uniform(0, 2, len(X))
    assert model.score(X, sample_weight=weights) == pytest.approx(
        -float(np.min(D, axis=1) ** 2 @ weights), rel=rtol)
    np.testing.assert_array_equal(cls(15, random_state=0).fit_predict(X), model.labels_)
    on_centre = model.transform(centers.astype(dtype))
    np.testing.assert_allclose(np.diag(on_centre), 0.0, atol=1e-6 * D.max())


def test_cluster_order_and_shared_checks():
    centers = np.array([[1.0, 0.0], [0.0, 5.0], [0.0, 1.0]])
    np.testing.assert_array_equal(base.cluster_order(centers, np.array([2.0, 5.0, 2.0])),
                                  [1, 2, 0])  # by size, then lexicographically
    with pytest.raises(ValueError, match="shape"):
        base.check_sample_weight(np.ones(3), 4, "KMeans")
    with pytest.raises(ValueError, match="MiniBatchKMeans: sample_weight must be finite"):
        base.check_sample_weight([1.0, -1.0], 2, "MiniBatchKMeans")
    np.testing.assert_array_equal(base.check_sample_weight(2.0, 3), [2.0, 2.0, 2.0])
    assert KMeans._parameter_constraints.keys() >= base.BaseKMeans._parameter_constraints.keys()
    assert MiniBatchKMeans._parameter_constraints.keys() \
        >= base.BaseKMeans._parameter_constraints.keys()


def test_weighted_mean_and_variance():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 4)) * [1.0, 2.0, 3.0, 4.0] + 10.0
    w = rng.uniform(0, 3, 300)
    mean, var = base.weighted_mean_and_variance(X, w)
    np.testing.assert_allclose(mean, np.average(X, axis=0, weights=w), rtol=1e-12)
    np.testing.assert_allclose(var, np.average((X - mean) ** 2, axis=0, weights=w), rtol=1e-12)


def test_assignment_ties_go_to_the_lowest_index():
    # As numpy's argmin and scikit-learn: a sample equidistant from two centres (here two equal
    # centres, and a point halfway between two) joins the first.
    centers = np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 0.0], [4.0, 0.0]])
    X = np.array([[2.0, 0.0], [3.0, 0.0], [1.0, 0.0], [2.1, 0.0]])
    np.testing.assert_array_equal(base.assign(X, centers), [1, 1, 0, 1])
    labels, best, second = base.nearest_in_block(X, -2.0 * centers,
                                                 np.einsum("ij,ij->i", centers, centers), True)
    np.testing.assert_array_equal(labels, [1, 1, 0, 1])
    np.testing.assert_allclose(best + np.einsum("ij,ij->i", X, X), [0.0, 1.0, 1.0, 0.01],
                               atol=1e-12)
    np.testing.assert_allclose(second + np.einsum("ij,ij->i", X, X), [0.0, 1.0, 1.0, 0.01],
                               atol=1e-12)


def test_swap_center_keeps_the_two_nearest_exact():
    # After any sequence of swaps the incremental nearest / second-nearest bookkeeping equals a
    # fresh computation (labels exactly, squared distances to rounding).
    rng = np.random.RandomState(0)
    X = rng.normal(size=(3000, 4))
    x_sq = np.einsum("ij,ij->i", X, X)
    centers = X[rng.choice(len(X), 6, replace=False)].copy()
    state = kmeans_module._two_nearest(X, x_sq, centers)
    for _ in range(60):
        j, p = rng.randint(6), rng.randint(len(X))
        centers[j] = X[p]
        to_p = np.sum((X - X[p]) ** 2, axis=1)
        kmeans_module._swap_center(X, x_sq, centers, state, j, to_p)
        fresh = kmeans_module._two_nearest(X, x_sq, centers)
        np.testing.assert_array_equal(state[0], fresh[0])
        np.testing.assert_array_equal(state[2], fresh[2])
        np.testing.assert_allclose(state[1], fresh[1], atol=1e-10)
        np.testing.assert_allclose(state[3], fresh[3], atol=1e-10)
