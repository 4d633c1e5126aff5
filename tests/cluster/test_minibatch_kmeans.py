"""MiniBatchKMeans: Sculley's update, the objective against scikit-learn, the contract."""

import warnings

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.cluster import MiniBatchKMeans as SkMiniBatchKMeans
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

from latentlearn.cluster import KMeans, MiniBatchKMeans
from latentlearn.cluster import minibatch_kmeans as mbk_module
from latentlearn.datasets import load
from latentlearn.exceptions import ParameterError
from latentlearn.registry import get_method


@pytest.fixture(autouse=True)
def one_thread():
    """scikit-learn's mini-batch loop runs OpenMP threads that slow down 50x on a busy shared
    machine (measured: 0.3 s -> 16 s for 7 fits); one thread keeps these tests fast and steady."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def blobs():
    ds = load("blobs", n_samples=20000, n_features=10, centers=12, cluster_std=2.5)
    return ds.X, ds.y


@pytest.fixture(scope="module")
def small_blobs():
    ds = load("blobs", n_samples=5000, n_features=10, centers=6, cluster_std=2.0)
    return ds.X, ds.y


@pytest.fixture(scope="module")
def mnist():
    return load("mnist5k").X


def _mean_inertia(cls, X, k, seeds, **params):
    return float(np.mean([cls(k, random_state=s, **params).fit(X).inertia_ for s in seeds]))


# -- the update ---------------------------------------------------------------------------------


def test_step_is_sculleys_per_centre_learning_rate():
    # Sculley 2010, algorithm 1: assign the batch against the old centres, then per sample
    # v[c] += 1, eta = 1 / v[c], c <- (1 - eta) c + eta x. The vectorised step must agree.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 4))
    centers = rng.normal(size=(5, 4))
    counts = np.array([0.0, 3.0, 10.0, 1.0, 7.0])
    expected_centers, expected_counts = centers.copy(), counts.copy()
    labels = np.argmin(cdist(X, centers), axis=1)
    for x, c in zip(X, labels):
        expected_counts[c] += 1
        eta = 1.0 / expected_counts[c]
        expected_centers[c] = (1 - eta) * expected_centers[c] + eta * x
    old = centers.copy()
    inertia = mbk_module._minibatch_step(X, np.ones(len(X)), centers, counts, rng,
                                         reassign=False, reassignment_ratio=0.01)
    np.testing.assert_allclose(centers, expected_centers, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(counts, expected_counts)
    # the batch inertia is measured against the centres before the update
    assert inertia == pytest.approx(np.sum(np.min(cdist(X, old), axis=1) ** 2), rel=1e-9)


def test_step_weights_count_like_copies():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(50, 3))
    weights = rng.randint(0, 4, size=50).astype(float)
    start = rng.normal(size=(4, 3))
    a_centers, a_counts = start.copy(), np.ones(4)
    b_centers, b_counts = start.copy(), np.ones(4)
    mbk_module._minibatch_step(X, weights, a_centers, a_counts, rng, reassign=False,
                               reassignment_ratio=0.0)
    repeated = np.repeat(X, weights.astype(int), axis=0)
    mbk_module._minibatch_step(repeated, np.ones(len(repeated)), b_centers, b_counts, rng,
                               reassign=False, reassignment_ratio=0.0)
    np.testing.assert_allclose(a_centers, b_centers, rtol=1e-12)
    np.testing.assert_array_equal(a_counts, b_counts)


def test_small_clusters_are_reassigned():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 2))
    centers = np.array([[0.0, 0.0], [1e6, 1e6]])  # the second centre never wins a sample
    counts = np.zeros(2)
    mbk_module._minibatch_step(X, np.ones(200), centers, counts, rng, reassign=True,
                               reassignment_ratio=0.01)
    assert np.abs(centers[1]).max() < 10 and any(np.all(centers[1] == x) for x in X)
    assert counts[1] == counts[0] == 200  # its count is set to the smallest other count
    centers = np.array([[0.0, 0.0], [1e6, 1e6]])
    mbk_module._minibatch_step(X, np.ones(200), centers, np.zeros(2), rng, reassign=True,
                               reassignment_ratio=0.0)
    assert centers[1, 0] == 1e6


# -- the objective, against scikit-learn --------------------------------------------------------


def test_inertia_close_to_sklearn_on_mnist(mnist):
    # k=10 on MNIST has a smooth landscape: single runs of either library spread by ~0.6 %, so
    # the means over 3 seeds must agree within 2 % (measured: ours 0.3-0.5 % lower).
    ours = _mean_inertia(MiniBatchKMeans, mnist, 10, range(3), batch_size=1024)
    ref = _mean_inertia(SkMiniBatchKMeans, mnist, 10, range(3), batch_size=1024)
    assert ref * 0.97 <= ours <= ref * 1.02


def test_typical_inertia_matches_sklearn_on_blobs(small_blobs):
    # On separated blobs both libraries usually reach the same optimum and now and then stop in
    # a worse local minimum (1.5-2x the inertia, ~1 run in 10 for either), which makes a mean
    # over a few seeds a coin toss; the median over 7 seeds is the typical run. The mean over
    # many seeds is compared in the slow test below.
    X, _ = small_blobs
    ours = [MiniBatchKMeans(6, random_state=s).fit(X).inertia_ for s in range(7)]
    ref = [SkMiniBatchKMeans(6, random_state=s).fit(X).inertia_ for s in range(7)]
    assert np.median(ours) == pytest.approx(np.median(ref), rel=0.01)


@pytest.mark.slow
def test_mean_inertia_matches_sklearn_on_blobs_over_many_seeds(blobs):
    # 12 blobs: about 40 % of runs of either library find the global optimum, the rest stop
    # 10-20 % above it. Over 40 seeds the means agree (measured ratio 0.999, both 38 % global).
    X, _ = blobs
    ours = _mean_inertia(MiniBatchKMeans, X, 12, range(40))
    ref = _mean_inertia(SkMiniBatchKMeans, X, 12, range(40))
    assert ours <= ref * 1.02


def test_close_to_full_kmeans(small_blobs):
    X, y = small_blobs
    # from the best of 3 seeds, mini-batch k-means lands near full k-means's optimum
    mb = MiniBatchKMeans(6, n_init=3, random_state=0).fit(X)
    full = KMeans(6, random_state=0).fit(X)
    assert mb.inertia_ <= full.inertia_ * 1.01
    assert adjusted_rand_score(y, mb.labels_) > 0.95


# -- the contract -------------------------------------------------------------------------------


def test_fitted_attributes_and_methods(blobs):
    X, _ = blobs
    model = MiniBatchKMeans(12, random_state=0).fit(X)
    assert model.cluster_centers_.shape == (12, 10) and model.cluster_centers_.dtype == X.dtype
    D = model.transform(X[:500])
    assert D.dtype == X.dtype
    np.testing.assert_allclose(D, cdist(X[:500], model.cluster_centers_), rtol=1e-5)
    np.testing.assert_array_equal(model.predict(X), model.labels_)
    np.testing.assert_array_equal(np.argmin(D, axis=1), model.labels_[:500])
    exact = np.sum(np.min(cdist(X.astype(np.float64), model._centers), axis=1) ** 2)
    assert model.inertia_ == pytest.approx(exact, rel=1e-9)
    assert model.score(X) == pytest.approx(-model.inertia_, rel=1e-9)
    assert 1 <= model.n_steps_ <= 100 * len(X) // 1024
    assert model.n_iter_ == int(np.ceil(model.n_steps_ * 1024 / len(X)))
    np.testing.assert_array_equal(
        MiniBatchKMeans(12, random_state=0).fit_predict(X), model.labels_)
    # clusters numbered by decreasing count
    assert np.all(np.diff(model._counts) <= 0)


def test_deterministic_and_order_invariant(blobs):
    X, _ = blobs
    X = X[:3000]
    a = MiniBatchKMeans(6, batch_size=256, random_state=7).fit(X)
    b = MiniBatchKMeans(6, batch_size=256, random_state=7).fit(X)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    perm = np.random.RandomState(0).permutation(len(X))
    c = MiniBatchKMeans(6, batch_size=256, random_state=7).fit(X[perm])
    np.testing.assert_allclose(c.cluster_centers_, a.cluster_centers_, rtol=1e-6)
    np.testing.assert_array_equal(c.labels_, a.labels_[perm])


def test_sample_weight_equals_repetition(blobs):
    X, _ = blobs
    X = X[:400].astype(np.float64)
    for seed in range(3):
        weights = np.random.RandomState(seed).randint(0, 4, size=len(X))
        params = dict(batch_size=128, random_state=seed)
        weighted = MiniBatchKMeans(5, **params).fit(X, sample_weight=weights)
        repeated = MiniBatchKMeans(5, **params).fit(np.repeat(X, weights, axis=0))
        np.testing.assert_allclose(weighted.cluster_centers_, repeated.cluster_centers_,
                                   rtol=1e-10, atol=1e-10)
        assert weighted.n_steps_ == repeated.n_steps_
        assert weighted.inertia_ == pytest.approx(repeated.inertia_, rel=1e-10)


def test_stopping_rules(blobs):
    X, _ = blobs
    X = X[:5000]
    fixed = MiniBatchKMeans(8, max_iter=3, batch_size=500, max_no_improvement=None,
                            random_state=0).fit(X)
    assert fixed.n_steps_ == 3 * 5000 // 500 and fixed.n_iter_ == 3
    early = MiniBatchKMeans(8, max_iter=50, batch_size=500, max_no_improvement=3,
                            random_state=0).fit(X)
    assert early.n_steps_ < 50 * 5000 // 500
    by_tol = MiniBatchKMeans(8, max_iter=50, batch_size=500, max_no_improvement=None,
                             tol=1e-2, random_state=0).fit(X)
    assert by_tol.n_steps_ < 50 * 5000 // 500


def test_compute_labels_false(blobs):
    X, _ = blobs
    with_labels = MiniBatchKMeans(8, random_state=0).fit(X)
    without = MiniBatchKMeans(8, random_state=0, compute_labels=False).fit(X)
    assert not hasattr(without, "labels_")
    np.testing.assert_array_equal(without.predict(X), with_labels.labels_)
    # the smoothed batch estimate of the inertia is in the right range
    assert 0.8 < without.inertia_ / with_labels.inertia_ < 1.25
    np.testing.assert_array_equal(
        MiniBatchKMeans(8, random_state=0, compute_labels=False).fit_predict(X),
        with_labels.labels_)


def test_inits(small_blobs):
    X, _ = small_blobs
    init = X[:6].astype(np.float64)
    params = dict(reassignment_ratio=0.0, random_state=0)
    model = MiniBatchKMeans(6, init=init, **params).fit(X)
    # cluster j is the one started from init[j]: permuting init permutes the clusters
    perm = np.random.RandomState(0).permutation(6)
    permuted = MiniBatchKMeans(6, init=init[perm], **params).fit(X)
    np.testing.assert_allclose(permuted.cluster_centers_, model.cluster_centers_[perm],
                               rtol=1e-5)
    # "random" starts (3 seeds by default, as in scikit-learn) stop in worse local minima more
    # often than k-means++ in both libraries, so only the mechanics are checked here
    a = MiniBatchKMeans(6, init="random", random_state=0).fit(X)
    b = MiniBatchKMeans(6, init="random", random_state=0).fit(X)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    assert np.unique(a.labels_).size == 6
    weights = np.zeros(len(X))
    weights[:5] = 1.0
    with pytest.raises(ParameterError, match="only 5 have one"):
        MiniBatchKMeans(6, init="random").fit(X, sample_weight=weights)


def test_partial_fit(blobs):
    X, y = blobs
    model = MiniBatchKMeans(12, random_state=0)
    for start in range(0, len(X), 1000):
        model.partial_fit(X[start:start + 1000])
        assert model.labels_.shape == (min(1000, len(X) - start),)
    assert model.n_steps_ == 20
    assert adjusted_rand_score(y, model.predict(X)) > 0.8
    assert model.score(X) >= -1.10 * KMeans(12, n_init=1, random_state=0).fit(X).inertia_
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(X[:10, :5])
    # partial_fit after fit continues from the fitted centres
    fitted = MiniBatchKMeans(12, random_state=0).fit(X)
    before = fitted.cluster_centers_.copy()
    fitted.partial_fit(X[:1000])
    assert fitted.cluster_centers_.shape == before.shape
    assert np.max(np.abs(fitted.cluster_centers_ - before)) < 1.0


def test_float32_stays_float32(mnist):
    model = MiniBatchKMeans(10, random_state=0).fit(mnist[:2000])
    assert model.cluster_centers_.dtype == np.float32
    assert model.transform(mnist[:5]).dtype == np.float32
    assert isinstance(model.inertia_, float)


def test_errors_and_warnings(blobs):
    X, _ = blobs
    with pytest.raises(ParameterError, match="n_clusters=21 is larger than n_samples=20"):
        MiniBatchKMeans(21).fit(X[:20])
    with pytest.raises(ParameterError, match="batch_size"):
        MiniBatchKMeans(3, batch_size=0).fit(X)
    with pytest.raises(ParameterError, match="init='kmeans'"):
        MiniBatchKMeans(3, init="kmeans").fit(X)
    with pytest.raises(ParameterError, match=r"shape \(2, 10\)"):
        MiniBatchKMeans(3, init=X[:2]).fit(X)
    with pytest.raises(ValueError, match="only zero weights"):
        MiniBatchKMeans(3).fit(X[:50], sample_weight=np.zeros(50))
    with pytest.warns(RuntimeWarning, match="init_size=2 is smaller"):
        MiniBatchKMeans(3, init_size=2, random_state=0).fit(X[:100])
    duplicates = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0]]), 10, axis=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        MiniBatchKMeans(3, random_state=0).fit(duplicates)
    assert any("fewer than n_clusters=3" in str(w.message) for w in caught)


def test_save_and_load(small_blobs, tmp_path):
    from latentlearn.persistence import load_estimator, save_estimator

    X, _ = small_blobs
    model = MiniBatchKMeans(6, random_state=0).fit(X)
    save_estimator(model, tmp_path / "m")
    loaded = load_estimator(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.transform(X[:50]), model.transform(X[:50]))
    loaded.partial_fit(X[:500])  # training can go on from the saved counts
    model.partial_fit(X[:500])
    np.testing.assert_array_equal(loaded.cluster_centers_, model.cluster_centers_)


def test_registered():
    assert get_method("minibatch_kmeans").cls is MiniBatchKMeans


def test_weighted_draws_unit_weights_shortcut_is_the_search():
    """With unit weights the draw is floor(u) (cumulative[i] = i + 1); it must pick the same
    rows as the search over the cumulative weights, integer u included."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 3))
    unit = mbk_module._WeightedDraws(X, np.ones(1000))
    assert unit.unit
    searched = mbk_module._WeightedDraws(X, np.ones(1000))
    searched.unit = False
    a, b = np.random.RandomState(5), np.random.RandomState(5)
    np.testing.assert_array_equal(unit(a, 5000), searched(b, 5000))

    class Integers:  # u landing exactly on the cumulative weights, and on the total
        def uniform(self, size):
            return np.array([0.0, 1.0, 0.5, 999.0 / 1000, 1.0 - 1e-16, 0.2501])[:size]
    np.testing.assert_array_equal(unit(Integers(), 6), searched(Integers(), 6))
    assert not mbk_module._WeightedDraws(X, np.full(1000, 2.0)).unit
