"""``n_jobs``: :mod:`latentlearn._threads` and every estimator that takes it.

The reference is what the runtimes report themselves: ``numba.get_num_threads()`` and
threadpoolctl's ``threadpool_info()`` (the BLAS / OpenMP pools), read from inside a fit.
The suite runs BLAS at one thread (conftest); the tests raise it to 2 around the fit so that
``n_jobs=1`` has something to lower, and check that the outer setting comes back.
"""

import inspect
import os

import numba
import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from latentlearn import _threads
from latentlearn._threads import N_JOBS_CONSTRAINT, effective_n_jobs, n_jobs_limits
from latentlearn.cluster import KMeans
from latentlearn.exceptions import ParameterError
from latentlearn.registry import classical_estimators
from latentlearn.sne import TSNE

NUMBA_POOL = numba.config.NUMBA_NUM_THREADS
needs_two_numba_threads = pytest.mark.skipif(
    NUMBA_POOL < 2, reason="numba's pool has one thread (NUMBA_NUM_THREADS=1)")


def _blas_threads():
    """Thread counts of the BLAS pools threadpoolctl sees (one entry per library)."""
    return sorted({pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"})


def _snapshot():
    return numba.get_num_threads(), _blas_threads()


@pytest.fixture
def two_threads():
    """BLAS at 2 threads and numba at 2 (where its pool allows) around the test."""
    before = numba.get_num_threads()
    numba.set_num_threads(min(2, NUMBA_POOL))
    try:
        with threadpool_limits(limits=2, user_api="blas"):
            yield
    finally:
        numba.set_num_threads(before)


# -- the helper --------------------------------------------------------------------------------


def test_effective_n_jobs_follows_scikit_learns_meaning(monkeypatch):
    monkeypatch.setattr(_threads, "_cpu_count", lambda: 8)
    assert effective_n_jobs(None) is None
    assert effective_n_jobs(1) == 1
    assert effective_n_jobs(3) == 3
    assert effective_n_jobs(-1) == 8
    assert effective_n_jobs(-2) == 7
    assert effective_n_jobs(-20) == 1
    for bad in (0, 1.5, True, "2"):
        with pytest.raises(ParameterError, match="n_jobs"):
            effective_n_jobs(bad)


def test_cpu_count_is_the_affinity_mask():
    if hasattr(os, "sched_getaffinity"):
        assert _threads._cpu_count() == len(os.sched_getaffinity(0))


@pytest.mark.usefixtures("two_threads")
def test_limits_set_one_thread_and_restore():
    outer = _snapshot()
    assert max(outer[1]) == 2  # something for n_jobs=1 to lower (a BLAS may be capped at 1)
    with n_jobs_limits(1) as threads:
        assert threads == 1
        assert _snapshot() == (1, [1])
    assert _snapshot() == outer


@pytest.mark.usefixtures("two_threads")
def test_limits_restore_after_an_exception():
    outer = _snapshot()
    with pytest.raises(RuntimeError, match="inside"):
        with n_jobs_limits(1):
            raise RuntimeError("inside")
    assert _snapshot() == outer


@pytest.mark.usefixtures("two_threads")
def test_none_changes_nothing():
    outer = _snapshot()
    with n_jobs_limits(None) as threads:
        assert threads is None
        assert _snapshot() == outer


def test_numba_count_is_set_and_restored_whatever_the_pool(monkeypatch):
    """The numba calls, observed through fakes (the real pool may hold one thread only)."""
    state = {"threads": 4}
    calls = []
    monkeypatch.setattr(numba, "get_num_threads", lambda: state["threads"])

    def set_num_threads(k):
        calls.append(k)
        state["threads"] = k

    monkeypatch.setattr(numba, "set_num_threads", set_num_threads)
    monkeypatch.setattr(numba.config, "NUMBA_NUM_THREADS", 4)
    with n_jobs_limits(1):
        assert state["threads"] == 1
    assert state["threads"] == 4
    with n_jobs_limits(16):  # above the pool: clipped for numba
        assert state["threads"] == 4
    assert calls == [1, 4, 4, 4]


@needs_two_numba_threads
@pytest.mark.usefixtures("two_threads")
def test_limits_two_threads_reach_numba():
    numba.set_num_threads(1)
    with n_jobs_limits(2):
        assert numba.get_num_threads() == 2
    assert numba.get_num_threads() == 1


# -- estimators ---------------------------------------------------------------------------------


def _blobs(n=60, d=5, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=6.0, size=(3, d))
    return np.abs(centres[rng.integers(0, 3, n)] + rng.normal(size=(n, d)))  # NMF: X >= 0


@pytest.mark.usefixtures("two_threads")
def test_tsne_fit_runs_on_one_thread_and_restores():
    seen = []

    def callback(event, logs):
        seen.append(_snapshot())
        return False

    outer = _snapshot()
    TSNE(method="exact", n_iter=20, early_exaggeration_iter=10, callback=callback,
         callback_every=5, random_state=0, device="cpu", n_jobs=1).fit(_blobs())
    assert seen and all(s == (1, [1]) for s in seen)
    assert _snapshot() == outer


@pytest.mark.usefixtures("two_threads")
def test_tsne_settings_restored_after_a_failing_fit():
    def callback(event, logs):
        raise RuntimeError("stop here")

    outer = _snapshot()
    with pytest.raises(RuntimeError, match="stop here"):
        TSNE(method="exact", n_iter=5, early_exaggeration_iter=5, callback=callback,
             random_state=0, device="cpu", n_jobs=1).fit(_blobs())
    assert _snapshot() == outer


@pytest.mark.usefixtures("two_threads")
def test_tsne_transform_runs_on_one_thread():
    X = _blobs()
    est = TSNE(method="exact", n_iter=10, early_exaggeration_iter=5, random_state=0,
               device="cpu", n_jobs=1).fit(X[:50])
    seen = []
    est.callback = lambda event, logs: seen.append(_snapshot()) and False
    est.transform(X[50:])
    assert seen and all(s == (1, [1]) for s in seen)


@pytest.mark.usefixtures("two_threads")
def test_kmeans_fit_runs_on_one_thread():
    seen = []
    KMeans(3, n_init=2, random_state=0, n_jobs=1,
           callback=lambda event, logs: seen.append(_snapshot()) and False).fit(_blobs())
    assert seen and all(s == (1, [1]) for s in seen)


@pytest.mark.parametrize("method", ["exact", "barnes_hut", "fft"])
def test_tsne_identical_for_one_and_two_threads(method):
    """The numba kernels keep per-row sums and add them in row order, so the thread count does
    not change a bit (a parallel reduction did: t-SNE's optimisation blew its 1e-18 rounding
    differences up to 1.8 in the map after 50 iterations)."""
    X = _blobs(120)
    kw = dict(method=method, n_iter=100, early_exaggeration_iter=50, random_state=0,
              device="cpu", init="pca")
    one = TSNE(n_jobs=1, **kw).fit(X)
    two = TSNE(n_jobs=2, **kw).fit(X)
    np.testing.assert_array_equal(two.embedding_, one.embedding_)
    assert two.kl_divergence_ == one.kl_divergence_


def test_kmeans_identical_for_one_and_two_threads():
    X = _blobs(200)
    one = KMeans(3, random_state=0, n_jobs=1).fit(X)
    two = KMeans(3, random_state=0, n_jobs=2).fit(X)
    np.testing.assert_array_equal(one.labels_, two.labels_)
    np.testing.assert_allclose(two.cluster_centers_, one.cluster_centers_, rtol=1e-12)


# -- every registered estimator with n_jobs ----------------------------------------------------

_WITH_N_JOBS = [cls for cls in classical_estimators()
                if "n_jobs" in inspect.signature(cls).parameters]
_FAST = {"TSNE": dict(n_iter=20, early_exaggeration_iter=10, device="cpu"),
         "SNE": dict(n_iter=20, early_exaggeration_iter=10, device="cpu"),
         "MDS": dict(max_iter=20), "KMeans": dict(n_init=1), "SpectralClustering": dict(n_init=1),
         "FastICA": dict(n_components=3), "NMF": dict(n_components=3, max_iter=50),
         "FactorAnalysis": dict(n_components=2), "PCA": dict(n_components=2)}


def test_the_parallel_estimators_take_n_jobs():
    names = {cls.__name__ for cls in _WITH_N_JOBS}
    assert {"TSNE", "SNE", "KMeans", "MiniBatchKMeans", "PCA", "ConvexFlowEmbedding", "Isomap",
            "MDS", "LaplacianEigenmaps", "SpectralClustering"} <= names


@pytest.mark.filterwarnings("ignore::UserWarning")  # disconnected graphs, short fits
@pytest.mark.parametrize("cls", _WITH_N_JOBS, ids=lambda cls: cls.__name__)
def test_n_jobs_declared_and_honoured(cls, monkeypatch):
    assert cls._parameter_constraints["n_jobs"] == N_JOBS_CONSTRAINT
    assert inspect.signature(cls).parameters["n_jobs"].default is None
    params = {k: v for k, v in _FAST.get(cls.__name__, {}).items()
              if k in inspect.signature(cls).parameters}
    X = _blobs()
    with pytest.raises(ParameterError, match=rf"{cls.__name__}.*n_jobs"):
        cls(n_jobs=0, **params).fit(X)

    # Every fit checks its parameters first thing: observe the thread counts from there.
    seen = []
    original = cls._check_parameters

    def observed(self):
        seen.append(_snapshot())
        return original(self)

    monkeypatch.setattr(cls, "_check_parameters", observed)
    numba_before = numba.get_num_threads()
    numba.set_num_threads(min(2, NUMBA_POOL))
    try:
        with threadpool_limits(limits=2, user_api="blas"):
            outer = _snapshot()
            cls(n_jobs=1, **params).fit(X)
            assert _snapshot() == outer
    finally:
        numba.set_num_threads(numba_before)
    assert seen and all(s == (1, [1]) for s in seen)


# -- the neural estimators: torch's threads as well ---------------------------------------------

def _neural_estimators():
    torch = pytest.importorskip("torch")  # noqa: F841
    from latentlearn import neural

    fast = dict(epochs=1, batch_size=64, device="cpu", random_state=0)
    return [neural.Autoencoder(2, **fast), neural.VAE(2, **fast), neural.FactorVAE(2, **fast),
            neural.VQVAE(2, architecture="mlp", **fast), neural.GAN(2, **fast),
            neural.ContrastiveEmbedding(2, **fast)]


def test_neural_estimators_train_and_encode_on_n_jobs_threads():
    import torch

    X = (np.random.default_rng(0).random((200, 16)) > 0.5).astype(np.float32)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        for est in _neural_estimators():
            name = type(est).__name__
            seen = []
            est.set_params(n_jobs=1, callback=lambda event, logs: seen.append(
                (torch.get_num_threads(), _snapshot())) and False)
            with threadpool_limits(limits=2, user_api="blas"):
                outer = (torch.get_num_threads(), _snapshot())
                est.fit(X)
                assert (torch.get_num_threads(), _snapshot()) == outer, name
            # torch, numba and BLAS at one thread at every step
            assert seen and all(s == (1, (1, [1])) for s in seen), (name, seen)
            with pytest.raises(ParameterError, match=rf"{name}.*n_jobs"):
                est.set_params(n_jobs=0, callback=None).fit(X)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_neural_results_do_not_depend_on_n_jobs():
    pytest.importorskip("torch")
    from latentlearn.neural import VAE

    X = (np.random.default_rng(1).random((150, 12)) > 0.5).astype(np.float32)
    kw = dict(epochs=2, batch_size=50, device="cpu", random_state=0)
    one = VAE(2, n_jobs=1, **kw).fit(X)
    default = VAE(2, **kw).fit(X)
    np.testing.assert_array_equal(one.transform(X), default.transform(X))
