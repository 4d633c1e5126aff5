"""Disentanglement metrics on representations with known answers.

References: closed forms (entropies of a hand-made importance matrix, the mutual information of
a hand-counted table via scipy.stats.entropy), R^2 via scipy.stats.pearsonr, and the ordering
the definitions imply: codes equal to the factors score near the top, a random rotation of them
lower, pure noise near 0 (MIG, SAP, DCI) or chance 1/n_factors (beta-VAE, FactorVAE scores).
"""

import numpy as np
import pytest
from scipy import stats

from latentlearn.datasets.dsprites import DSpritesFactors, dsprites_factor_values, render_dsprites
from latentlearn.exceptions import DataError, ParameterError
from latentlearn.metrics import (METRIC_INFO, beta_vae_score, dci, dci_from_importance,
                                 disentanglement_scores, factor_vae_score,
                                 mutual_information_gap, sap_score)

SIZES = (3, 6, 10, 8)
PERM = [2, 0, 3, 1]
SCALE = np.array([2.0, 0.5, 3.0, 1.0])


def _factors(n, seed=0):
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.integers(s, size=n) for s in SIZES]).astype(float)


def _rotation(d, seed=1):
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    return q


@pytest.fixture(scope="module")
def representations():
    """Codes = factors (shuffled, rescaled, tiny noise), a rotation of them, pure noise."""
    n = 1500
    factors = _factors(n)
    rng = np.random.default_rng(2)
    true = factors[:, PERM] * SCALE + 1e-3 * rng.standard_normal((n, 4))
    standard = (true - true.mean(0)) / true.std(0)
    rotated = standard @ _rotation(4)
    noise = rng.standard_normal((n, 4))
    return factors, {"true": true, "rotated": rotated, "noise": noise}


class IdentitySource:
    """Renders factor indices as themselves: X = factor indices."""

    factor_sizes = SIZES

    def sample_factors(self, n, rng):
        return np.column_stack([rng.integers(s, size=n) for s in SIZES])

    def render(self, factor_indices):
        return np.asarray(factor_indices, dtype=float)


def _encoders():
    q = _rotation(4)
    rng = np.random.default_rng(5)
    centred = lambda x: (x - (np.array(SIZES) - 1) / 2) / np.array(SIZES)  # noqa: E731
    return {"true": lambda x: x[:, PERM] * SCALE,
            "rotated": lambda x: centred(x) @ q,
            "noise": lambda x: rng.standard_normal((len(x), 4))}


# ----------------------------------------------------------------------------- MIG
def test_mig_matches_hand_count():
    v = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    z0 = np.array([0, 0, 0, 1, 1, 1, 1, 1], float)  # one of eight off
    z1 = np.array([0, 0, 1, 1, 0, 0, 1, 1], float)  # independent of v
    z2 = np.array([0, 0, 0, 0, 0, 1, 1, 1], float)  # also one off

    def mi(a, b):
        joint = np.histogram2d(a, b, bins=2)[0].ravel()
        return (stats.entropy(np.bincount(a.astype(int))) + stats.entropy(np.bincount(b.astype(int)))
                - stats.entropy(joint))

    h = stats.entropy([4, 4])
    expected = (max(mi(v, z0), mi(v, z2)) - mi(v, z1)) / h  # z0 and z2 tie: gap between ties
    codes = np.column_stack([z0, z1])
    assert mutual_information_gap(codes, v[:, None], n_bins=2) == pytest.approx(
        (mi(v, z0) - mi(v, z1)) / h, abs=1e-12)
    assert mutual_information_gap(np.column_stack([z0, z2]), v[:, None], n_bins=2) == \
        pytest.approx(0.0, abs=1e-12)
    assert expected > 0.1


def test_mig_invariant_to_factor_coding():
    factors = _factors(600)
    codes = factors[:, PERM] + np.random.default_rng(0).standard_normal((600, 4))
    a = mutual_information_gap(codes, factors)
    b = mutual_information_gap(codes, factors * 7.0 + 3.0)
    assert a == pytest.approx(b, abs=1e-12)


def test_mig_known_answers(representations):
    factors, reps = representations
    scores = {k: mutual_information_gap(c, factors) for k, c in reps.items()}
    assert scores["true"] > 0.97
    assert scores["rotated"] < scores["true"] - 0.5
    assert scores["noise"] < 0.02


# ----------------------------------------------------------------------------- SAP
def test_sap_known_answers(representations):
    factors, reps = representations
    scores = {k: sap_score(c, factors) for k, c in reps.items()}
    assert scores["true"] > 0.95
    assert scores["rotated"] < scores["true"] - 0.5
    assert scores["noise"] < 0.03


def test_sap_continuous_is_r2_gap():
    rng = np.random.default_rng(3)
    v = rng.standard_normal((400, 2))
    codes = np.column_stack([v[:, 0] + 0.5 * rng.standard_normal(400),
                             v[:, 1] + 0.2 * v[:, 0], rng.standard_normal(400)])
    r2 = np.array([[stats.pearsonr(codes[:, j], v[:, k])[0] ** 2 for k in range(2)]
                   for j in range(3)])
    top = np.sort(r2, axis=0)[::-1]
    expected = np.mean(top[0] - top[1])
    assert sap_score(codes, v, continuous=True) == pytest.approx(expected, rel=1e-10)


def test_sap_linear_svc_option_runs(representations):
    factors, reps = representations
    assert 0.0 <= sap_score(reps["true"], factors, classifier="linear_svc") <= 1.0


# ----------------------------------------------------------------------------- DCI
def test_dci_from_importance_closed_form():
    # Row 0 (1, 0): entropy 0; row 1 (1/2, 1/2): entropy 1 bit; weights 1/3, 2/3 -> D = 1/3.
    # Column 0 (1/2, 1/2): 0; column 1 (0, 1): 1; weights 2/3, 1/3 -> C = 1/3.
    out = dci_from_importance([[1.0, 0.0], [1.0, 1.0]])
    assert out["disentanglement"] == pytest.approx(1 / 3, abs=1e-9)
    assert out["completeness"] == pytest.approx(1 / 3, abs=1e-9)
    eye = dci_from_importance(np.eye(3))
    assert eye["disentanglement"] == pytest.approx(1.0, abs=1e-9)
    assert eye["completeness"] == pytest.approx(1.0, abs=1e-9)
    flat = dci_from_importance(np.ones((4, 3)))
    assert flat["disentanglement"] == pytest.approx(0.0, abs=1e-9)
    assert flat["completeness"] == pytest.approx(0.0, abs=1e-9)
    # Three codes, two factors: H base K=2 per row, base D=3 per column.
    R = np.array([[0.6, 0.0], [0.2, 0.3], [0.2, 0.7]])
    rows = R / R.sum(1, keepdims=True)
    cols = R / R.sum(0, keepdims=True)
    h_rows = np.array([-sum(p * np.log(p) / np.log(2) for p in r if p > 0) for r in rows])
    h_cols = np.array([-sum(p * np.log(p) / np.log(3) for p in c if p > 0) for c in cols.T])
    out = dci_from_importance(R)
    assert out["disentanglement"] == pytest.approx(np.sum(R.sum(1) / R.sum() * (1 - h_rows)),
                                                   abs=1e-9)
    assert out["completeness"] == pytest.approx(np.mean(1 - h_cols), abs=1e-9)


def test_dci_known_answers(representations):
    factors, reps = representations
    scores = {k: dci(c, factors) for k, c in reps.items()}
    assert scores["true"]["disentanglement"] > 0.95
    assert scores["true"]["completeness"] > 0.95
    assert scores["true"]["informativeness"] > 0.98
    for key in ("disentanglement", "completeness"):
        assert scores["rotated"][key] < scores["true"][key] - 0.5
        assert scores["noise"][key] < 0.05
    assert scores["noise"]["informativeness"] < 0.4
    assert scores["true"]["importance"].shape == (4, 4)
    # The true code j = PERM^-1 of factor k carries it.
    assert np.array_equal(np.argmax(scores["true"]["importance"], axis=0), np.argsort(PERM))


@pytest.mark.parametrize("regressor", ["random_forest", "lasso"])
def test_dci_other_regressors(representations, regressor):
    factors, reps = representations
    true = dci(reps["true"][:600], factors[:600], regressor=regressor)
    noise = dci(reps["noise"][:600], factors[:600], regressor=regressor)
    # Fully grown forests give the irrelevant dimensions some impurity importance too.
    assert true["disentanglement"] > 0.5
    assert true["disentanglement"] > noise["disentanglement"] + 0.4


# ----------------------------------------------------------------------------- sampled scores
@pytest.mark.parametrize("score", [beta_vae_score, factor_vae_score])
def test_sampled_scores_known_answers(score):
    kw = dict(batch_size=16, n_train=300, n_eval=300, random_state=0)
    if score is factor_vae_score:
        kw["n_variance_estimate"] = 1000
    scores = {k: score(enc, IdentitySource(), **kw) for k, enc in _encoders().items()}
    assert scores["true"] > 0.98
    assert scores["rotated"] < scores["true"] - 0.1
    assert abs(scores["noise"] - 1 / len(SIZES)) < 0.08


def test_factor_vae_score_collapsed_codes_score_zero():
    enc = lambda x: np.zeros((len(x), 3))  # noqa: E731
    assert factor_vae_score(enc, IdentitySource(), batch_size=8, n_train=20, n_eval=20,
                            n_variance_estimate=50, random_state=0) == 0.0


def test_factor_vae_score_ignores_collapsed_dimension():
    enc = lambda x: np.column_stack([x, np.full(len(x), 0.01)])  # noqa: E731
    s = factor_vae_score(enc, IdentitySource(), batch_size=16, n_train=200, n_eval=200,
                         n_variance_estimate=500, random_state=0)
    assert s > 0.98


def test_sampled_scores_reproducible():
    enc = _encoders()["rotated"]
    a = beta_vae_score(enc, IdentitySource(), batch_size=8, n_train=100, n_eval=100,
                       random_state=4)
    b = beta_vae_score(enc, IdentitySource(), batch_size=8, n_train=100, n_eval=100,
                       random_state=4)
    assert a == b


# ----------------------------------------------------------------------------- dSprites source
def test_dsprites_factors_source():
    src = DSpritesFactors()
    rng = np.random.default_rng(0)
    idx = src.sample_factors(50, rng)
    assert idx.shape == (50, 5)
    assert np.all(idx >= 0) and np.all(idx < np.array(src.factor_sizes))
    X = src.render(idx)
    assert X.shape == (50, 4096) and X.dtype == np.float32
    np.testing.assert_array_equal(X.reshape(50, 64, 64), render_dsprites(idx))
    values = src.factor_values(idx)
    np.testing.assert_allclose(values[:, 1], dsprites_factor_values()[1][idx[:, 1]])


def test_factor_vae_score_on_dsprites_with_centroid_encoder():
    """An encoder that reads the sprite's centre knows posX and posY only."""
    grid = np.arange(64) + 0.5

    def centroid(X):
        img = X.reshape(len(X), 64, 64)
        mass = img.sum(axis=(1, 2))
        return np.column_stack([(img.sum(1) * grid).sum(1) / mass,
                                (img.sum(2) * grid).sum(1) / mass])

    s = factor_vae_score(centroid, DSpritesFactors(), batch_size=16, n_train=300, n_eval=300,
                         n_variance_estimate=300, random_state=0)
    # Only batches fixing posX or posY (2 of 5 factors) can be named; the other three go to
    # one of the two dimensions, so 2 / 5 of the votes are right.
    assert abs(s - 0.4) < 0.07


# ----------------------------------------------------------------------------- all at once
def test_disentanglement_scores_keys_and_info(representations):
    factors, reps = representations
    out = disentanglement_scores(reps["true"][:400], factors[:400], encode=_encoders()["true"],
                                 source=IdentitySource(), n_train=100, n_eval=100)
    keys = {"mig", "sap", "dci_disentanglement", "dci_completeness", "dci_informativeness",
            "beta_vae_score", "factor_vae_score"}
    assert set(out) == keys
    assert all(isinstance(v, float) for v in out.values())
    assert keys <= set(METRIC_INFO)
    assert all(METRIC_INFO[k].higher_is_better for k in keys)
    assert set(disentanglement_scores(reps["true"][:400], factors[:400])) == keys - {
        "beta_vae_score", "factor_vae_score"}


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("metric", [mutual_information_gap, sap_score, dci, disentanglement_scores])
def test_bad_input(metric):
    codes = np.random.default_rng(0).standard_normal((40, 3))
    factors = _factors(40)
    with pytest.raises(DataError, match="ground-truth factors"):
        metric(codes, None)
    with pytest.raises(DataError, match="same samples"):
        metric(codes[:30], factors)
    one = factors.copy()
    one[:, 2] = 4.0
    with pytest.raises(DataError, match="factor 2 takes one value"):
        metric(codes, one)
    nan = codes.copy()
    nan[3, 1] = np.nan
    with pytest.raises(DataError, match="codes"):
        metric(nan, factors)


def test_bad_parameters():
    codes, factors = np.random.default_rng(0).standard_normal((40, 3)), _factors(40)
    with pytest.raises(ParameterError, match="n_bins"):
        mutual_information_gap(codes, factors, n_bins=1)
    with pytest.raises(ParameterError, match="regressor"):
        dci(codes, factors, regressor="svm")
    with pytest.raises(ParameterError, match="classifier"):
        sap_score(codes, factors, classifier="knn")
    with pytest.raises(ParameterError, match="factor source"):
        beta_vae_score(lambda x: x, None)
    with pytest.raises(ParameterError, match="encode"):
        factor_vae_score(None, IdentitySource())
    with pytest.raises(ParameterError, match="both encode and source"):
        disentanglement_scores(codes, factors, encode=lambda x: x)
    with pytest.raises(DataError, match="shape"):
        beta_vae_score(lambda x: x[:1], IdentitySource(), n_train=5, n_eval=5)


def test_gap_scores_zero_when_two_dimensions_share_a_factor():
    """MIG and SAP are gaps: a factor copied into two dimensions is not disentangled."""
    factors = _factors(1000)
    noise = 1e-3 * np.random.default_rng(7).standard_normal((1000, 8))
    codes = np.concatenate([factors, factors], axis=1) + noise
    assert mutual_information_gap(codes, factors) < 0.02
    assert sap_score(codes, factors) < 0.05
    assert sap_score(codes[:, :4], factors) > 0.95


def test_factor_vae_score_normalises_by_global_scale():
    """A dimension on a tiny scale must not win the argmin by its scale alone."""
    rng = np.random.default_rng(8)
    scale = np.array([0.1, 1.0, 1.0, 1.0])  # std of dim 0 about 0.08: kept

    def enc(x):
        return (x + 0.3 * rng.standard_normal(x.shape)) * scale

    s = factor_vae_score(enc, IdentitySource(), batch_size=32, n_train=300, n_eval=300,
                         n_variance_estimate=2000, random_state=0)
    assert s > 0.9
