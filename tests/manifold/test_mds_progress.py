"""Progress of SMACOF (MDS): ``callback(event, logs)`` and ``verbose`` stage timings, which
must not change the embedding."""

import logging
import warnings

import numpy as np
import pytest

from latentlearn.manifold import MDS


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
def X():
    return np.random.RandomState(0).normal(size=(60, 5))


def test_mds_reports_each_guttman_transform_and_run(X):
    rec = Recorder()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter=40 does not converge here
        mds = MDS(2, n_init=3, max_iter=40, random_state=0, callback=rec).fit(X)
    runs = rec.of("run")
    assert [r["run"] for r in runs] == [1, 2, 3] and {r["n_runs"] for r in runs} == {3}
    for run in runs:
        its = [l for l in rec.of("iteration") if l["run"] == run["run"]]
        assert [l["iteration"] for l in its] == list(range(1, run["n_iter"] + 1))
        assert {l["max_iter"] for l in its} == {40}
        # stresses never rise (majorisation), and the run's stress is the lowest
        stresses = [l["stress"] for l in its]
        assert all(b <= a * (1 + 1e-12) for a, b in zip(stresses, stresses[1:]))
        assert run["stress"] <= stresses[-1]
    assert mds.stress_ == pytest.approx(min(r["stress"] for r in runs), rel=1e-12)


def test_mds_converged_run_reports_up_to_its_iteration_count(X):
    rec = Recorder()
    mds = MDS(2, max_iter=3000, eps=1e-4, callback=rec).fit(X)
    assert mds.n_iter_ < 3000
    assert [l["iteration"] for l in rec.of("iteration")] == list(range(1, mds.n_iter_ + 1))
    assert rec.of("run") == [{"run": 1, "n_runs": 1, "n_iter": mds.n_iter_,
                              "stress": pytest.approx(mds.stress_, rel=1e-12)}]


def test_mds_with_callback_and_verbose_embeds_the_same(X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = MDS(2, n_init=2, max_iter=50, random_state=3).fit(X)
        watched = MDS(2, n_init=2, max_iter=50, random_state=3, verbose=1,
                      callback=Recorder()).fit(X)
    np.testing.assert_array_equal(plain.embedding_, watched.embedding_)
    assert plain.stress_ == watched.stress_ and plain.n_iter_ == watched.n_iter_


def test_mds_callback_stops_cleanly(X):
    rec = Recorder(stop_at=lambda event, logs: event == "iteration" and logs["iteration"] == 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a run stopped by the callback is no convergence failure
        mds = MDS(2, max_iter=300, callback=rec).fit(X)
    assert mds.n_iter_ == 5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        five = MDS(2, max_iter=5).fit(X)  # the same five transforms
    np.testing.assert_allclose(mds.embedding_, five.embedding_, rtol=1e-12, atol=1e-12)
    assert mds.stress_ == pytest.approx(five.stress_, rel=1e-12)
    rec = Recorder(stop_at=lambda event, logs: event == "run")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        MDS(2, n_init=4, max_iter=20, random_state=0, callback=rec).fit(X)
    assert len(rec.of("run")) == 1


def test_mds_verbose_logs_stage_timings(X, caplog):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with caplog.at_level(logging.INFO, logger="latentlearn.manifold.mds"):
            MDS(2, n_init=2, max_iter=30, random_state=0, verbose=1).fit(X)
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert len(messages) == 3, messages
    assert "dissimilarities of 60 points" in messages[0]
    assert "SMACOF run 1 of 2: 30 iterations" in messages[1]
    assert "SMACOF run 2 of 2: 30 iterations" in messages[2]
    assert all(m.endswith(" s") for m in messages)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="latentlearn.manifold.mds"):
        MDS(2, algorithm="classical", verbose=True).fit(X)
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert len(messages) == 2 and "classical scaling" in messages[1]
    caplog.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with caplog.at_level(logging.INFO, logger="latentlearn.manifold.mds"):
            MDS(2, max_iter=30).fit(X)
    assert not [r for r in caplog.records if r.levelno >= logging.INFO]
