"""MMD^2 against a double-loop reference and the population value; the permutation test's power
and (slow) the uniformity of its p-values under the null."""

import itertools

import numpy as np
import pytest
from scipy import stats
from scipy.spatial.distance import pdist

from latentlearn.divergences import median_bandwidth, mmd2, mmd_test
from latentlearn.exceptions import DataError, ParameterError


def reference_mmd2(X, Y, kernel, s, estimator):
    """The estimators written as plain double loops over pairs (Gretton et al. 2012, eqs. 3, 5)."""
    def k(a, b):
        r2 = float(np.sum((a - b) ** 2))
        return np.exp(-r2 / (2 * s * s)) if kernel == "gaussian" else (1 + r2 / s ** 2) ** -0.5

    n, m = len(X), len(Y)
    skip_diagonal = estimator == "unbiased"
    xx = [k(X[i], X[j]) for i in range(n) for j in range(n) if not (skip_diagonal and i == j)]
    yy = [k(Y[i], Y[j]) for i in range(m) for j in range(m) if not (skip_diagonal and i == j)]
    xy = [k(X[i], Y[j]) for i in range(n) for j in range(m)]
    return np.mean(xx) + np.mean(yy) - 2 * np.mean(xy)


@pytest.mark.parametrize("kernel", ["gaussian", "imq"])
@pytest.mark.parametrize("estimator", ["unbiased", "biased"])
def test_mmd2_matches_the_double_loop_reference(kernel, estimator):
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(17, 3)), rng.normal(size=(11, 3)) * 1.4
    s = median_bandwidth(X, Y)
    assert s == pytest.approx(np.median(pdist(np.vstack([X, Y]))), rel=1e-12)
    expected = reference_mmd2(X, Y, kernel, s, estimator)
    assert mmd2(X, Y, kernel=kernel, estimator=estimator) == pytest.approx(expected, rel=1e-10)
    assert mmd2(X, Y, kernel=kernel, estimator=estimator, bandwidth=0.8) == pytest.approx(
        reference_mmd2(X, Y, kernel, 0.8, estimator), rel=1e-10)


def test_unbiased_estimator_averages_to_the_population_mmd2():
    # For N(0, a^2) and N(0, b^2) in 1-D with a Gaussian kernel of bandwidth s,
    # E k(x, x') = (1 + 2 a^2 / s^2)^(-1/2) and E k(x, y) = (1 + (a^2 + b^2) / s^2)^(-1/2).
    a, b, s = 1.0, 1.5, 1.0
    population = ((1 + 2 * a * a / s ** 2) ** -0.5 + (1 + 2 * b * b / s ** 2) ** -0.5
                  - 2 * (1 + (a * a + b * b) / s ** 2) ** -0.5)
    rng = np.random.default_rng(1)
    draws = [mmd2(a * rng.normal(size=(30, 1)), b * rng.normal(size=(25, 1)), bandwidth=s)
             for _ in range(400)]
    se = np.std(draws) / np.sqrt(len(draws))
    assert np.mean(draws) == pytest.approx(population, abs=4 * se)
    biased = [mmd2(a * rng.normal(size=(30, 1)), b * rng.normal(size=(25, 1)), bandwidth=s,
                   estimator="biased") for _ in range(400)]
    assert np.mean(biased) > population + 4 * se   # the V-statistic is biased upwards


def test_permutation_test_has_power_above_0_9_for_a_variance_change_at_n_200():
    # Seed 002's example: same mean, different variances (N(0, 1) against N(0, 1.5^2)).
    rejections = 0
    for r in range(60):
        rng = np.random.default_rng(100 + r)
        X, Y = rng.normal(size=(200, 1)), 1.5 * rng.normal(size=(200, 1))
        rejections += mmd_test(X, Y, n_permutations=200, random_state=r).p_value <= 0.05
    assert rejections / 60 > 0.9


def test_permutation_test_result_is_seeded_and_consistent_with_mmd2():
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(40, 2)), rng.normal(size=(30, 2))
    first = mmd_test(X, Y, n_permutations=300, random_state=7)
    assert first == mmd_test(X, Y, n_permutations=300, random_state=7)
    assert first.statistic == pytest.approx(mmd2(X, Y), rel=1e-9, abs=1e-12)
    assert first.bandwidth == pytest.approx(median_bandwidth(X, Y))
    assert 1 / 301 <= first.p_value <= 1.0
    far = mmd_test(X, Y + 5.0, n_permutations=99, random_state=0)
    assert far.p_value == pytest.approx(1 / 100)


def test_p_value_matches_the_exact_permutation_distribution_on_a_tiny_sample():
    # With 3 + 3 points there are only C(6, 3) = 20 relabellings: enumerate them all.
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(3, 2)), rng.normal(size=(3, 2)) + 0.8
    Z, s = np.vstack([X, Y]), 1.0
    observed = mmd2(X, Y, bandwidth=s)
    splits = [list(c) for c in itertools.combinations(range(6), 3)]
    exact = np.mean([mmd2(Z[c], Z[[i for i in range(6) if i not in c]], bandwidth=s)
                     >= observed - 1e-12 for c in splits])
    result = mmd_test(X, Y, bandwidth=s, n_permutations=20_000, random_state=0)
    assert result.p_value == pytest.approx(exact, abs=0.02)
    null_mean = np.mean([mmd_test(rng.normal(size=(20, 2)), rng.normal(size=(20, 2)),
                                  n_permutations=99, random_state=k).p_value
                         for k in range(40)])
    assert 0.3 < null_mean < 0.7   # about 0.5 under the null (standard error 0.05)


@pytest.mark.slow  # ~15 s; the cheap version is test_rejection_rate_under_the_null_is_alpha
def test_p_values_are_uniform_under_the_null():
    p_values = []
    for seed in range(300):
        rng = np.random.default_rng(seed)
        X, Y = rng.normal(size=(40, 2)), rng.normal(size=(40, 2))
        p_values.append(mmd_test(X, Y, n_permutations=199, random_state=seed).p_value)
    assert stats.kstest(p_values, "uniform").pvalue > 0.01


@pytest.mark.parametrize("estimator", ["unbiased", "biased"])
def test_rejection_rate_under_the_null_is_alpha(estimator):
    """The cheap version of the test above (~2 s): 800 null data sets (20 + 20 points, B = 19
    relabellings each). The p-value is exact (Phipson & Smyth 2010): under the null it is
    uniform on ``{1, ..., B + 1} / (B + 1)``, so ``P(p <= 0.05) = 1 / 20`` and the number of
    rejections is Binomial(800, 0.05) (the band holds 99.9% of it). A test that rejects too
    often or too rarely, or p-values off that grid (``#exceed / B``, which can be 0), fail."""
    n_trials, B = 800, 19
    p_values = np.array([
        mmd_test(*np.random.default_rng(1000 + r).normal(size=(2, 20, 2)), estimator=estimator,
                 n_permutations=B, random_state=r).p_value
        for r in range(n_trials)])
    k = p_values * (B + 1)
    np.testing.assert_allclose(k, np.round(k), atol=1e-9)
    counts = np.bincount(np.round(k).astype(int), minlength=B + 2)
    assert counts[0] == 0
    assert stats.chisquare(counts[1:]).pvalue > 1e-3
    low, high = stats.binom.ppf([0.0005, 0.9995], n_trials, 1 / (B + 1))
    assert low <= np.sum(p_values <= 0.05 + 1e-12) <= high


def test_bad_mmd_inputs_raise_clear_errors():
    X = np.zeros((5, 2))
    with pytest.raises(DataError, match="median heuristic gives no bandwidth"):
        mmd2(X, X)
    with pytest.raises(DataError, match="at least 2"):
        mmd2(np.ones((1, 2)), np.ones((4, 2)))
    assert np.isfinite(mmd2(np.ones((1, 2)), np.zeros((4, 2)), estimator="biased", bandwidth=1.0))
    with pytest.raises(DataError, match="features"):
        mmd2(np.ones((3, 2)), np.ones((3, 3)))
    with pytest.raises(ParameterError, match="bandwidth"):
        mmd2(np.ones((3, 2)), np.ones((3, 2)), bandwidth=-1.0)
    with pytest.raises(ParameterError, match="kernel"):
        mmd2(np.ones((3, 2)), np.ones((3, 2)), kernel="laplace")
    with pytest.raises(ParameterError, match="n_permutations"):
        mmd_test(np.ones((3, 2)), np.zeros((3, 2)), n_permutations=0)
