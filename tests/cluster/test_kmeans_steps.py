"""kmeans_steps: the recorded Lloyd run ends where KMeans (and scikit-learn) end, J never rises."""

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.cluster import KMeans as SkKMeans

from latentlearn.cluster import KMeans, kmeans_plusplus, kmeans_steps, nearest_centroid
from latentlearn.datasets import load
from latentlearn.exceptions import ParameterError


@pytest.fixture(scope="module")
def blobs2d():
    return load("blobs", n_samples=400, centers=5, cluster_std=2.5, random_state=1).X


@pytest.fixture(scope="module")
def blobs5d():
    return load("blobs", n_samples=500, n_features=5, centers=6, cluster_std=3.0).X


def _starts(X, k, n):
    return [X[np.random.RandomState(seed).choice(len(X), k, replace=False)].astype(np.float64)
            for seed in range(n)]


@pytest.mark.parametrize("which", ["blobs2d", "blobs5d"])
def test_final_state_equals_kmeans_from_the_same_start(which, request):
    X = request.getfixturevalue(which)
    k = 5 if which == "blobs2d" else 6
    for init in _starts(X, k, 4):
        run = kmeans_steps(X, k, init=init)
        assert run.converged
        for ref in (KMeans(k, init=init, tol=0).fit(X),
                    SkKMeans(k, init=init, n_init=1, tol=0).fit(X.astype(np.float64))):
            np.testing.assert_array_equal(run.labels, ref.labels_)
            np.testing.assert_allclose(run.centers, ref.cluster_centers_, rtol=0, atol=1e-5)
            assert run.n_iter == ref.n_iter_
            assert run.objective == pytest.approx(ref.inertia_, rel=1e-6)


def test_objective_never_increases(blobs2d, blobs5d):
    for X, k in ((blobs2d, 5), (blobs5d, 6)):
        for seed in range(5):
            run = kmeans_steps(X, k, init="random", random_state=seed)
            values = np.array([step.objective for step in run.steps[1:]])
            assert np.all(np.isfinite(values))
            assert np.all(np.diff(values) <= 1e-9 * values[0])
            assert np.isnan(run.steps[0].objective)


def test_each_half_step_is_what_it_says(blobs2d):
    X = blobs2d.astype(np.float64)
    run = kmeans_steps(X, 5, init="random", random_state=0)
    kinds = [step.kind for step in run.steps]
    assert kinds[0] == "init" and run.steps[0].labels is None
    assert kinds[1:] == ["assign", "move"] * ((len(kinds) - 1) // 2)
    assert run.n_iter == (len(kinds) - 1) // 2 + 1  # + the final assignment that changed nothing
    for before, step in zip(run.steps, run.steps[1:]):
        if step.kind == "assign":  # nearest centroid, centroids unchanged
            np.testing.assert_array_equal(step.centers, before.centers)
            np.testing.assert_array_equal(step.labels,
                                          np.argmin(cdist(X, step.centers), axis=1))
            if before.labels is not None:
                assert step.n_changed == np.count_nonzero(step.labels != before.labels) > 0
        else:  # cluster means, labels unchanged
            np.testing.assert_array_equal(step.labels, before.labels)
            for j in range(5):
                np.testing.assert_allclose(step.centers[j], X[step.labels == j].mean(axis=0))
    # after the last move nothing changes: it is a fixed point of the two steps
    np.testing.assert_array_equal(nearest_centroid(X, run.centers), run.labels)


def test_empty_cluster_is_relocated_like_kmeans():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1], [10, 10], [10, 11], [11, 10], [5, -20]],
                 dtype=float)
    init = np.array([[0.5, 0.5], [10.3, 10.3], [100.0, 100.0]])
    run = kmeans_steps(X, 3, init=init)
    ref = KMeans(3, init=init, tol=0).fit(X)
    np.testing.assert_array_equal(run.labels, ref.labels_)
    np.testing.assert_allclose(run.centers, ref.cluster_centers_, atol=1e-12)
    first_move = run.steps[2]
    assert first_move.n_changed == 1 and first_move.labels[-1] == 2


def test_inits_are_seeded(blobs2d):
    a = kmeans_steps(blobs2d, 4, init="random", random_state=3)
    b = kmeans_steps(blobs2d, 4, init="random", random_state=3)
    np.testing.assert_array_equal(a.steps[0].centers, b.steps[0].centers)
    np.testing.assert_array_equal(a.centers, b.centers)
    # initial centroids are data points; k-means++ draws them as kmeans_plusplus does
    start = kmeans_steps(blobs2d, 4, init="k-means++", random_state=3).steps[0].centers
    np.testing.assert_array_equal(start, kmeans_plusplus(blobs2d, 4, random_state=3)[0])
    assert all(any(np.all(c == x) for x in blobs2d.astype(np.float64)) for c in a.steps[0].centers)


def test_max_iter_stops_without_convergence(blobs2d):
    run = kmeans_steps(blobs2d, 5, init="random", random_state=0, max_iter=1)
    assert not run.converged and run.n_iter == 1
    assert [s.kind for s in run.steps] == ["init", "assign", "move"]


def test_errors(blobs2d):
    with pytest.raises(ParameterError, match="n_clusters=401"):
        kmeans_steps(blobs2d, 401)
    with pytest.raises(ParameterError, match="must be 'random', 'k-means\\+\\+'"):
        kmeans_steps(blobs2d, 3, init="kmeans")
    with pytest.raises(ParameterError, match=r"must be \(3, 2\)"):
        kmeans_steps(blobs2d, 3, init=np.zeros((2, 2)))
    with pytest.raises(ParameterError, match="max_iter"):
        kmeans_steps(blobs2d, 3, max_iter=0)
    with pytest.raises(ParameterError, match="features"):
        nearest_centroid(blobs2d, np.zeros((3, 4)))
