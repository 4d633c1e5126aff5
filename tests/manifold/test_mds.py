"""MDS: classical scaling equals PCA on Euclidean distances; SMACOF against scikit-learn's MDS."""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.manifold import MDS as SkMDS
from sklearn.metrics import pairwise_distances
from threadpoolctl import threadpool_limits

from latentlearn.datasets import load
from latentlearn.decomposition import PCA
from latentlearn.exceptions import DataError, ParameterError
from latentlearn.manifold import MDS, classical_mds, smacof, stress
from latentlearn.registry import get_method


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """One BLAS thread: these matrices are small, and on a shared machine extra BLAS threads
    only wait for each other (timings belong to benchmarks/, not here)."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def points():
    return load("digits").X[:150].astype(np.float64)  # (150, 64)


@pytest.fixture(scope="module")
def distances(points):
    return pairwise_distances(points)


def _raw_stress(D, Y):
    d = pairwise_distances(Y)
    return float(np.sum(np.triu(d - D, 1) ** 2))


def _assert_equal_up_to_column_signs(A, B, atol):
    signs = np.sign(np.sum(A * B, axis=0))
    np.testing.assert_allclose(A, B * signs, atol=atol)


def test_classical_mds_equals_pca_scores(points, distances):
    Y, eigenvalues = classical_mds(distances, 5, return_eigenvalues=True)
    pca = PCA(5, svd_solver="full").fit(points)
    _assert_equal_up_to_column_signs(Y, pca.transform(points), atol=1e-9)
    # B = X_c X_c^T: its eigenvalues are the squared singular values of the centred data
    np.testing.assert_allclose(eigenvalues, pca.singular_values_**2, rtol=1e-9)
    largest = Y[np.argmax(np.abs(Y), axis=0), np.arange(5)]
    assert np.all(largest > 0)  # deterministic signs
    # the estimator, from the data or from the precomputed matrix
    est = MDS(5, algorithm="classical").fit(points)
    np.testing.assert_allclose(est.embedding_, Y, atol=1e-9)
    np.testing.assert_allclose(est.eigenvalues_, eigenvalues, rtol=1e-9)
    assert est.stress_ == pytest.approx(_raw_stress(distances, Y), rel=1e-9)
    pre = MDS(5, algorithm="classical", dissimilarity="precomputed").fit(distances)
    np.testing.assert_allclose(pre.embedding_, Y, atol=1e-9)


def test_classical_mds_large_n_uses_lanczos_and_still_equals_pca():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(1600, 6)) * np.array([5.0, 3.0, 2.0, 1.0, 0.5, 0.2])
    Y = classical_mds(pairwise_distances(X), 3)
    _assert_equal_up_to_column_signs(Y, PCA(3, svd_solver="full").fit_transform(X), atol=1e-7)


def test_classical_mds_non_euclidean_dissimilarities():
    # a 4-cycle with unit edges and diagonals of 1: not Euclidean (B has a negative eigenvalue)
    D = np.ones((4, 4)) - np.eye(4)
    D[0, 2] = D[2, 0] = D[1, 3] = D[3, 1] = 2.0
    Y, values = classical_mds(D, 3, return_eigenvalues=True)
    assert values[-1] < 0 and np.allclose(Y[:, 2], 0.0)


def test_smacof_matches_sklearn_from_the_same_start(points):
    # the same random start (uniform on [0, 1)^2 from the same seed): the same iterates
    ours = MDS(2, init="random", random_state=0).fit(points)
    ref = SkMDS(2, init="random", n_init=1, random_state=0, metric="euclidean").fit(points)
    assert ours.stress_ == pytest.approx(ref.stress_, rel=1e-8)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.embedding_, ref.embedding_, atol=1e-7)


@pytest.mark.parametrize("n_init", [1, 3])
def test_stress_no_worse_than_sklearn(points, distances, n_init):
    ours = MDS(2, n_init=n_init, random_state=0).fit(points)  # classical start, then random
    ref = SkMDS(2, init="random", n_init=n_init, random_state=0, metric="euclidean").fit(points)
    assert ours.stress_ <= ref.stress_ * 1.05
    assert ours.stress_ == pytest.approx(_raw_stress(distances, ours.embedding_), rel=1e-9)
    d = pairwise_distances(ours.embedding_)
    np.testing.assert_allclose(ours.normalized_stress_,
                               np.sqrt(ours.stress_ / np.sum(np.triu(d, 1) ** 2)), rtol=1e-9)
    # better than the classical start it came from
    assert ours.stress_ <= MDS(2, algorithm="classical").fit(points).stress_


def test_smacof_never_increases_the_stress(distances):
    stresses = [smacof(distances, 2, init="classical", max_iter=m, eps=0)[1]
                for m in (1, 2, 5, 20)]
    assert all(a >= b for a, b in zip(stresses, stresses[1:]))
    Y, value, n_iter = smacof(distances, 2, init="classical", max_iter=20, eps=0)
    assert n_iter == 20 and value == pytest.approx(stress(distances, Y), rel=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_precomputed_equals_euclidean(points, distances):
    a = MDS(2, random_state=0).fit_transform(points)
    b = MDS(2, dissimilarity="precomputed", random_state=0).fit_transform(distances)
    np.testing.assert_allclose(a, b, atol=1e-8)
    # an explicit start and several runs
    start = np.random.RandomState(1).normal(size=(150, 2))
    c = MDS(2, init=start, n_init=2, random_state=0).fit(points)
    assert c.stress_ <= MDS(2, init=start, max_iter=c.n_iter_).fit(points).stress_ + 1e-6


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_determinism(points):
    a = MDS(2, init="random", n_init=2, random_state=3).fit_transform(points)
    b = MDS(2, init="random", n_init=2, random_state=3).fit_transform(points)
    np.testing.assert_array_equal(a, b)


def test_precomputed_input_errors(distances):
    est = MDS(2, dissimilarity="precomputed")
    with pytest.raises(DataError, match=r"must be square.*got shape \(150, 64\).*'euclidean'"):
        est.fit(distances[:, :64])
    asym = distances.copy()
    asym[0, 1] += 0.5
    with pytest.raises(DataError, match=r"not symmetric .*\(D \+ D.T\) / 2"):
        est.fit(asym)
    neg = distances.copy()
    neg[0, 1] = neg[1, 0] = -1.0
    with pytest.raises(DataError, match=r"must be >= 0.*2 negative entries"):
        est.fit(neg)
    diag = distances.copy()
    diag[3, 3] = 1.0
    with pytest.raises(DataError, match=r"itself must be 0.*fill_diagonal"):
        est.fit(diag)
    bad = distances.copy()
    bad[2, 5] = bad[5, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.fit(bad)
    for function in (classical_mds, smacof):
        with pytest.raises(DataError, match="not symmetric"):
            function(asym, 2)
        with pytest.raises(DataError, match="must be square"):
            function(distances[:10, :12], 2)


def test_parameter_errors(points, distances):
    with pytest.raises(ParameterError, match=r"n_components=5 needs at least .* 6 points"):
        MDS(5).fit(points[:5])
    with pytest.raises(ParameterError, match=r"init array must be finite with shape "
                                             r"\(n_samples, n_components\) = \(150, 2\)"):
        MDS(2, init=np.zeros((3, 2))).fit(points)
    with pytest.raises(ParameterError, match="init='pca'"):
        MDS(2, init="pca").fit(points)
    with pytest.raises(ParameterError, match="algorithm='nonmetric'"):
        MDS(2, algorithm="nonmetric").fit(points)
    with pytest.raises(ParameterError, match="n_init=0"):
        smacof(distances, 2, n_init=0)
    with pytest.raises(ValueError, match="n_samples = 1"):
        MDS(1).fit(points[:1])
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        MDS(2, init="random", max_iter=2, random_state=0).fit(points)
    # Issue 16 gave MDS an out-of-sample transform (landmark triangulation + stress
    # majorisation); its tests are in test_out_of_sample.py.
    assert hasattr(MDS(), "transform")


def test_registered():
    info = get_method("mds")
    assert info.cls is MDS and info.family == "manifold"
