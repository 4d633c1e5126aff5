"""Progress of the k-means fits: the ``callback(event, logs)`` they report through, and the stage
timings ``verbose`` logs. Neither may change what is fitted."""

import logging

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from latentlearn.cluster import KMeans, MiniBatchKMeans


class Recorder:
    def __init__(self, stop_at=None):
        self.calls = []
        self.stop_at = stop_at

    def __call__(self, event, logs):
        self.calls.append((event, dict(logs)))
        return self.stop_at is not None and self.stop_at(event, logs)

    def of(self, event):
        return [logs for e, logs in self.calls if e == event]


@pytest.fixture(scope="module")
def blobs():
    X, _ = make_blobs(600, centers=6, n_features=4, cluster_std=2.0, random_state=0)
    return X


def test_kmeans_reports_every_run_and_iteration(blobs):
    rec = Recorder()
    km = KMeans(6, n_init=4, random_state=0, callback=rec).fit(blobs)
    runs = rec.of("run")
    assert [r["run"] for r in runs] == [1, 2, 3, 4]
    assert {r["n_runs"] for r in runs} == {4}
    # The kept run is the one of least inertia among those reported.
    assert km.inertia_ == pytest.approx(min(r["inertia"] for r in runs), rel=1e-12)
    for run in runs:
        its = [logs["iteration"] for logs in rec.of("iteration") if logs["run"] == run["run"]]
        assert its == list(range(1, run["n_iter"] + 1))
        assert all(logs["max_iter"] == 300 for logs in rec.of("iteration"))
    # events come in order: a run's iterations, then the run
    order = [(e, logs["run"]) for e, logs in rec.calls]
    assert order == sorted(order, key=lambda t: (t[1], t[0] == "run"))


def test_kmeans_with_callback_and_verbose_fits_the_same(blobs):
    plain = KMeans(6, n_init=3, random_state=1).fit(blobs)
    watched = KMeans(6, n_init=3, random_state=1, verbose=2, callback=Recorder()).fit(blobs)
    np.testing.assert_array_equal(plain.labels_, watched.labels_)
    np.testing.assert_array_equal(plain.cluster_centers_, watched.cluster_centers_)
    assert plain.inertia_ == watched.inertia_ and plain.n_iter_ == watched.n_iter_


def test_kmeans_max_iter_is_the_total_of_a_run_that_does_not_converge(blobs):
    rec = Recorder()
    KMeans(6, n_init=1, max_iter=2, random_state=0, callback=rec).fit(blobs)
    assert [(l["iteration"], l["max_iter"]) for l in rec.of("iteration")] == [(1, 2), (2, 2)]
    assert rec.of("run") == [{"run": 1, "n_runs": 1, "n_iter": 2,
                              "inertia": rec.of("run")[0]["inertia"]}]


def test_kmeans_callback_stops_cleanly(blobs):
    rec = Recorder(stop_at=lambda event, logs: event == "run" and logs["run"] == 2)
    km = KMeans(6, n_init=5, random_state=0, callback=rec).fit(blobs)
    assert [r["run"] for r in rec.of("run")] == [1, 2]
    two = KMeans(6, n_init=2, random_state=0).fit(blobs)  # the same first two runs
    np.testing.assert_array_equal(km.labels_, two.labels_)
    rec = Recorder(stop_at=lambda event, logs: event == "iteration" and logs["iteration"] == 1)
    km = KMeans(6, n_init=1, random_state=0, callback=rec).fit(blobs)
    assert km.n_iter_ == 1
    one = KMeans(6, n_init=1, max_iter=1, random_state=0).fit(blobs)
    np.testing.assert_array_equal(km.labels_, one.labels_)


def test_kmeans_verbose_logs_stage_timings(blobs, caplog):
    with caplog.at_level(logging.INFO, logger="latentlearn.cluster.kmeans"):
        KMeans(6, n_init=2, random_state=0, verbose=1).fit(blobs)
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert len(messages) == 5, messages
    assert "centring" in messages[0]
    for run in (1, 2):
        assert f"run {run} of 2: seeding (k-means++)" in messages[2 * run - 1]
        assert f"run {run} of 2:" in messages[2 * run] and "Lloyd iterations" in messages[2 * run]
    assert all(m.endswith(" s") for m in messages)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="latentlearn.cluster.kmeans"):
        KMeans(6, n_init=2, random_state=0).fit(blobs)
    assert not [r for r in caplog.records if r.levelno >= logging.INFO]


def test_minibatch_kmeans_reports_its_steps(blobs):
    rec = Recorder()
    mbk = MiniBatchKMeans(6, batch_size=50, max_iter=2, max_no_improvement=None,
                          random_state=0, callback=rec).fit(blobs)
    steps = rec.of("step")
    n_steps = 2 * 600 // 50
    assert [s["step"] for s in steps] == list(range(1, n_steps + 1)) == \
        list(range(1, mbk.n_steps_ + 1))
    assert {s["n_steps"] for s in steps} == {n_steps}
    assert steps[0]["inertia"] is None and all(s["inertia"] > 0 for s in steps[1:])


def test_minibatch_kmeans_early_stop_and_callback_stop(blobs):
    plain = MiniBatchKMeans(6, batch_size=50, random_state=0).fit(blobs)
    rec = Recorder()
    watched = MiniBatchKMeans(6, batch_size=50, random_state=0, callback=rec,
                              verbose=1).fit(blobs)
    np.testing.assert_array_equal(plain.cluster_centers_, watched.cluster_centers_)
    np.testing.assert_array_equal(plain.labels_, watched.labels_)
    assert [s["step"] for s in rec.of("step")] == list(range(1, plain.n_steps_ + 1))
    rec = Recorder(stop_at=lambda event, logs: logs["step"] == 3)
    stopped = MiniBatchKMeans(6, batch_size=50, random_state=0, callback=rec).fit(blobs)
    assert stopped.n_steps_ == 3 and len(rec.of("step")) == 3


def test_minibatch_kmeans_verbose_logs_stage_timings(blobs, caplog):
    with caplog.at_level(logging.INFO, logger="latentlearn.cluster.minibatch_kmeans"):
        MiniBatchKMeans(6, batch_size=50, random_state=0, verbose=1).fit(blobs)
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert len(messages) == 3, messages
    assert "seeding" in messages[0] and "mini-batch steps" in messages[1]
    assert "no improvement" in messages[1] and "labels of 600 samples" in messages[2]
    assert all(m.endswith(" s") for m in messages)
