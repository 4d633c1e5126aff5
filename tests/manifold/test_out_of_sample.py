"""Out-of-sample ``transform`` of Laplacian eigenmaps, MDS and convex flow (issue 16, item 5).

References that can fail: the closed forms (the Nystrom extension of a training sample is its
eigen-equation, landmark MDS of exact low-rank Euclidean distances is exact), scikit-learn's
Isomap (convex flow with no congestion step is Isomap), and a refit on the joined data
(Procrustes-aligned on the training samples).
"""

import numpy as np
import pytest
from scipy import sparse
from scipy.linalg import orthogonal_procrustes
from sklearn.datasets import make_s_curve
from sklearn.manifold import Isomap as SklearnIsomap
from sklearn.neighbors import NearestNeighbors

from latentlearn.exceptions import DataError
from latentlearn.manifold import MDS, ConvexFlowEmbedding, LaplacianEigenmaps


def _align(joint_train, joint_rest, reference, *, scale=False):
    """The joined refit's held-out rows, moved onto ``reference`` by the translation,
    rotation (and with ``scale`` the factor) that best maps its training rows there."""
    mu_j, mu_r = joint_train.mean(axis=0), reference.mean(axis=0)
    A, B = joint_train - mu_j, reference - mu_r
    R, singular_sum = orthogonal_procrustes(A, B)
    s = singular_sum / np.sum(A ** 2) if scale else 1.0
    return s * (joint_rest - mu_j) @ R + mu_r, s * A @ R + mu_r


def _rms(a, b):
    return float(np.sqrt(np.mean(np.sum((a - b) ** 2, axis=1))))


@pytest.fixture(scope="module")
def s_curve():
    X, _ = make_s_curve(400, random_state=0)
    order = np.random.RandomState(1).permutation(400)
    return X[order[:360]], X[order[360:]]


# --------------------------------------------------------------------------- Laplacian eigenmaps
LAPLACIAN_SETTINGS = [
    dict(laplacian="random_walk"),
    dict(laplacian="symmetric"),
    dict(laplacian="unnormalized"),
    # scikit-learn's SpectralEmbedding graph: the out-of-sample spectral embedding (#15808)
    dict(laplacian="symmetric", symmetrize="average", weights="binary"),
    dict(laplacian="random_walk", affinity="epsilon", radius=0.6),
]


@pytest.mark.parametrize("settings", LAPLACIAN_SETTINGS)
def test_laplacian_nystrom_reproduces_training_embedding(s_curve, settings):
    """At a training sample the Nystrom extension is the eigen-equation itself: closed form."""
    X_train, _ = s_curve
    est = LaplacianEigenmaps(2, n_neighbors=10, random_state=0, **settings).fit(X_train)
    Y = est.transform(X_train)
    # measured: at most 1.3e-15 of the largest coordinate
    np.testing.assert_allclose(Y, est.embedding_, rtol=0,
                               atol=1e-12 * np.abs(est.embedding_).max())


def test_laplacian_nystrom_precomputed_affinity_reproduces_training_embedding(s_curve):
    X_train, _ = s_curve
    W = LaplacianEigenmaps(2, n_neighbors=10).fit(X_train).affinity_matrix_
    est = LaplacianEigenmaps(2, affinity="precomputed").fit(W)
    np.testing.assert_allclose(est.transform(W), est.embedding_, rtol=0,
                               atol=1e-12 * np.abs(est.embedding_).max())
    np.testing.assert_allclose(est.transform(W.toarray()[:5]), est.embedding_[:5], rtol=0,
                               atol=1e-12 * np.abs(est.embedding_).max())
    with pytest.raises(ValueError, match="expecting 360 features"):
        est.transform(W[:, :10])
    negative = W[:3].toarray()
    negative[2, 0] = -1.0
    with pytest.raises(DataError, match="row 2"):
        est.transform(negative)


@pytest.mark.parametrize("settings", LAPLACIAN_SETTINGS[:4])
def test_laplacian_nystrom_held_out_agrees_with_refit(s_curve, settings):
    """Held-out points against a refit on the joined data (scaled Procrustes on the training
    rows, since the refit's normalisation Y^T D Y = I has more points): the gap is of the
    order of the refit's own change of the training rows, and well below placing each point
    at its nearest training sample."""
    X_train, X_new = s_curve
    n = len(X_train)
    est = LaplacianEigenmaps(2, n_neighbors=10, random_state=0, **settings).fit(X_train)
    joint = LaplacianEigenmaps(2, n_neighbors=10, random_state=0, **settings).fit(
        np.vstack([X_train, X_new])).embedding_
    target, moved_train = _align(joint[:n], joint[n:], est.embedding_, scale=True)
    size = _rms(est.embedding_, est.embedding_.mean(axis=0))
    held_out = _rms(est.transform(X_new), target) / size
    refit_change = _rms(moved_train, est.embedding_) / size
    nearest = NearestNeighbors(n_neighbors=1).fit(X_train).kneighbors(X_new)[1][:, 0]
    baseline = _rms(est.embedding_[nearest], target) / size
    # measured (random_walk, symmetric, unnormalized, spectral): held-out 0.061/0.074/0.056/
    # 0.094, the refit's change of the training rows 0.052/0.068/0.048/0.069, each point at
    # its nearest training sample 0.112/0.144/0.109/0.130
    assert held_out < 1.5 * refit_change
    assert held_out < 0.11
    assert held_out < 0.8 * baseline


def test_laplacian_transform_errors(s_curve):
    X_train, X_new = s_curve
    est = LaplacianEigenmaps(2, affinity="epsilon", radius=0.3).fit(X_train)
    with pytest.raises(DataError, match="query 0 has no training neighbour"):
        est.transform(X_new[:1] + 50.0)
    with pytest.raises(ValueError, match="features"):
        est.transform(X_new[:, :2])


# --------------------------------------------------------------------------- MDS
@pytest.fixture(scope="module")
def plane_in_5d():
    """Points spanning exactly two dimensions of R^5: classical MDS recovers them exactly."""
    rng = np.random.RandomState(0)
    Z = rng.normal(size=(70, 2)) * [3.0, 1.0]
    Q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    X = np.hstack([Z, np.zeros((70, 3))]) @ Q.T + 1.0
    return X[:60], X[60:]


def test_landmark_mds_reproduces_training_embedding():
    """For any dissimilarities, the triangulation of a training row is its classical-MDS row."""
    X = np.random.RandomState(0).normal(size=(50, 6))
    est = MDS(3, algorithm="classical").fit(X)
    # measured: 2e-15
    np.testing.assert_allclose(est.transform(X), est.embedding_, rtol=0, atol=1e-12)
    D = np.abs(np.random.RandomState(1).normal(size=(30, 30)))   # not Euclidean
    D = D + D.T
    np.fill_diagonal(D, 0.0)
    est = MDS(2, algorithm="classical", dissimilarity="precomputed").fit(D)
    np.testing.assert_allclose(est.transform(D), est.embedding_, rtol=0, atol=1e-12)


def test_landmark_mds_held_out_equals_classical_mds_of_joined_data(plane_in_5d):
    """de Silva & Tenenbaum 2004: exact for Euclidean distances of rank n_components."""
    X_train, X_new = plane_in_5d
    est = MDS(2, algorithm="classical").fit(X_train)
    joint = MDS(2, algorithm="classical").fit(np.vstack([X_train, X_new])).embedding_
    target, moved_train = _align(joint[:60], joint[60:], est.embedding_)
    np.testing.assert_allclose(moved_train, est.embedding_, atol=1e-10)  # congruent fits
    # measured: 4e-15
    np.testing.assert_allclose(est.transform(X_new), target, rtol=0, atol=1e-10)
    D_new = np.linalg.norm(X_new[:, None] - X_train[None], axis=2)
    D_train = np.linalg.norm(X_train[:, None] - X_train[None], axis=2)
    pre = MDS(2, algorithm="classical", dissimilarity="precomputed").fit(D_train)
    np.testing.assert_allclose(pre.transform(D_new), est.transform(X_new), atol=1e-10)


def test_smacof_transform_held_out_matches_joined_refit(plane_in_5d):
    """On exact planar distances SMACOF reaches zero stress, and so does the new point:
    it lands where a SMACOF refit on the joined data puts it, up to a rigid motion."""
    X_train, X_new = plane_in_5d
    est = MDS(2, eps=1e-12, max_iter=5000).fit(X_train)
    joint = MDS(2, eps=1e-12, max_iter=5000).fit(np.vstack([X_train, X_new])).embedding_
    target, moved_train = _align(joint[:60], joint[60:], est.embedding_)
    assert _rms(moved_train, est.embedding_) < 1e-8
    # measured: 8e-16 (at zero stress the triangulated start is already exact, and the
    # majorisation must not move it)
    assert _rms(est.transform(X_new), target) < 1e-8


def test_smacof_transform_of_training_rows_and_stress():
    X = np.random.RandomState(0).normal(size=(50, 4))
    est = MDS(2, random_state=0).fit(X)
    np.testing.assert_array_equal(est.transform(X), est.embedding_)
    # A new point's stress against the fixed configuration is lower at the transform than
    # at the triangulated start or at the position of its nearest training sample.
    from latentlearn.manifold.mds import triangulate

    x_new = np.random.RandomState(2).normal(size=(10, 4))
    delta = np.linalg.norm(x_new[:, None] - X[None], axis=2)

    def point_stress(Y):
        d = np.linalg.norm(Y[:, None] - est.embedding_[None], axis=2)
        return np.sum((d - delta) ** 2, axis=1)

    start = triangulate(delta, est.embedding_, est.mean_squared_dissimilarities_)
    nearest = est.embedding_[delta.argmin(axis=1)]
    placed = point_stress(est.transform(x_new))
    assert np.all(placed <= point_stress(start) + 1e-9)
    assert np.all(placed <= point_stress(nearest) + 1e-9)


def test_mds_transform_errors(plane_in_5d):
    X_train, _ = plane_in_5d
    D = np.linalg.norm(X_train[:, None] - X_train[None], axis=2)
    est = MDS(2, dissimilarity="precomputed", algorithm="classical").fit(D)
    with pytest.raises(ValueError, match="expecting 60 features"):
        est.transform(D[:, :5])
    bad = D[:4].copy()
    bad[3, 7] = -0.5
    with pytest.raises(DataError, match="row 3"):
        est.transform(bad)


# --------------------------------------------------------------------------- convex flow
@pytest.fixture(scope="module")
def wavy_sheet():
    rng = np.random.RandomState(0)
    T = rng.rand(120, 2) * [3.0, 1.0]
    X = np.column_stack([T[:, 0], T[:, 1], 0.3 * np.sin(2 * T[:, 0])])
    return X[:100], X[100:]


def test_convex_flow_transform_without_congestion_is_isomaps(wavy_sheet):
    """Step 0 of the flow is Isomap's, so its out-of-sample extension must be scikit-learn's
    Isomap.transform (Bengio et al. 2004), up to the sign of each column."""
    X_train, X_new = wavy_sheet
    est = ConvexFlowEmbedding(2, n_neighbors=8, max_iter=0).fit(X_train)
    reference = SklearnIsomap(n_components=2, n_neighbors=8).fit(X_train)
    signs = np.sign(np.sum(reference.embedding_ * est.embedding_, axis=0))
    # measured: 6e-16
    np.testing.assert_allclose(est.transform(X_new), reference.transform(X_new) * signs,
                               rtol=0, atol=1e-10)


def test_convex_flow_transform_reproduces_training_and_agrees_with_refit(wavy_sheet):
    X_train, X_new = wavy_sheet
    est = ConvexFlowEmbedding(2, n_neighbors=8).fit(X_train)
    # measured: 6e-15
    np.testing.assert_allclose(est.transform(X_train), est.embedding_, rtol=0, atol=1e-10)
    joint = ConvexFlowEmbedding(2, n_neighbors=8).fit(np.vstack([X_train, X_new])).embedding_
    target, moved_train = _align(joint[:100], joint[100:], est.embedding_)
    size = _rms(est.embedding_, est.embedding_.mean(axis=0))
    held_out = _rms(est.transform(X_new), target) / size
    refit_change = _rms(moved_train, est.embedding_) / size
    # measured: held-out 0.196, the refit's own change of the training rows 0.209 (the
    # auto capacity follows the data, so a refit moves the whole embedding this much)
    assert held_out < 1.5 * refit_change
    assert held_out < 0.3


@pytest.mark.parametrize("make", [
    lambda: LaplacianEigenmaps(2, n_neighbors=10, random_state=0),
    lambda: MDS(2, algorithm="classical"),
    lambda: MDS(2, random_state=0),
    lambda: ConvexFlowEmbedding(2, n_neighbors=8, max_iter=0),
])
def test_transform_after_save_and_load(tmp_path, wavy_sheet, make):
    """What transform needs (X_fit_, sigma_, mean_squared_dissimilarities_...) is saved."""
    import latentlearn

    X_train, X_new = wavy_sheet
    est = make().fit(X_train)
    loaded = latentlearn.load(est.save(tmp_path / "model"))
    np.testing.assert_array_equal(loaded.transform(X_new), est.transform(X_new))
