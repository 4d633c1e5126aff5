"""Entropy, KL, JS and TV on masses, against scipy and against definitions computed another way."""

import itertools
import warnings

import numpy as np
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from latentlearn.divergences import (Bernoulli, Gaussian, entropy, js_divergence, kl_divergence,
                                     total_variation)
from latentlearn.exceptions import DataError, ParameterError


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def random_pair(rng, n=7, zeros=False):
    p, q = rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(n))
    if zeros:
        p[0] = 0.0
        p /= p.sum()
    return p, q


# --------------------------------------------------------------------------- references
@pytest.mark.parametrize("seed", range(5))
def test_entropy_and_kl_match_scipy_stats_entropy(seed):
    rng = np.random.default_rng(seed)
    p, q = random_pair(rng, n=3 + seed, zeros=seed % 2 == 1)
    assert entropy(p) == pytest.approx(stats.entropy(p), rel=1e-12)
    assert entropy(p, base=2) == pytest.approx(stats.entropy(p, base=2), rel=1e-12)
    assert kl_divergence(p, q) == pytest.approx(stats.entropy(p, q), rel=1e-12)
    assert kl_divergence(p, q, base=2) == pytest.approx(stats.entropy(p, q, base=2), rel=1e-12)


def test_batches_along_any_axis_match_row_by_row(rng):
    P, Q = rng.dirichlet(np.ones(5), size=4), rng.dirichlet(np.ones(5), size=4)   # (4, 5)
    expected = [stats.entropy(p, q) for p, q in zip(P, Q)]
    np.testing.assert_allclose(kl_divergence(P, Q), expected, rtol=1e-12)
    np.testing.assert_allclose(kl_divergence(P.T, Q.T, axis=0), expected, rtol=1e-12)
    # One q broadcast against a batch of p.
    np.testing.assert_allclose(kl_divergence(P, Q[:1]), [stats.entropy(p, Q[0]) for p in P])


@pytest.mark.parametrize("seed", range(5))
def test_js_is_the_square_of_scipy_jensenshannon(seed):
    rng = np.random.default_rng(seed)
    p, q = random_pair(rng, n=4 + seed, zeros=True)
    assert js_divergence(p, q) == pytest.approx(jensenshannon(p, q) ** 2, rel=1e-10)
    assert js_divergence(p, q, base=2) == pytest.approx(jensenshannon(p, q, base=2) ** 2,
                                                        rel=1e-10)


def test_js_sum_convention_is_seed_004s_twice_the_usual(rng):
    p, q = random_pair(rng)
    m = (p + q) / 2
    seed_004 = stats.entropy(p, m) + stats.entropy(q, m)   # KL(P||M) + KL(Q||M), as written
    assert js_divergence(p, q, convention="sum") == pytest.approx(seed_004, rel=1e-12)
    assert js_divergence(p, q, convention="sum") == pytest.approx(2 * js_divergence(p, q))


def test_js_of_disjoint_supports_is_log_2_and_symmetric():
    p, q = np.array([0.5, 0.5, 0.0, 0.0]), np.array([0.0, 0.0, 0.3, 0.7])
    assert js_divergence(p, q) == pytest.approx(np.log(2))
    assert js_divergence(p, q, base=2) == pytest.approx(1.0)
    r = np.array([0.1, 0.2, 0.3, 0.4])
    assert js_divergence(p, r) == pytest.approx(js_divergence(r, p), rel=1e-14)


@pytest.mark.parametrize("seed", range(3))
def test_total_variation_is_the_supremum_over_events(seed):
    rng = np.random.default_rng(seed)
    p, q = random_pair(rng, n=6)
    # sup_B |P(B) - Q(B)| by brute force over all 2^6 events.
    best = max(abs(p[list(B)].sum() - q[list(B)].sum())
               for k in range(7) for B in itertools.combinations(range(6), k))
    assert total_variation(p, q) == pytest.approx(best, rel=1e-12)
    assert 0.0 <= total_variation(p, q) <= 1.0


def test_kl_is_asymmetric_and_zero_only_for_equal_masses(rng):
    p, q = random_pair(rng)
    assert kl_divergence(p, q) != pytest.approx(kl_divergence(q, p))
    assert kl_divergence(p, p) == pytest.approx(0.0, abs=1e-15)


# --------------------------------------------------------------------------- infinities
def test_kl_is_inf_not_nan_where_q_misses_mass_of_p():
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no divide-by-zero warnings either
        assert kl_divergence([0.5, 0.5], [1.0, 0.0]) == np.inf
        assert kl_divergence([0.0, 1.0], [0.5, 0.5]) == pytest.approx(np.log(2))
        # p = q = 0 on an outcome contributes nothing (0 log 0/0 = 0), not NaN.
        assert kl_divergence([0.0, 1.0], [0.0, 1.0]) == 0.0
        assert entropy([1.0, 0.0]) == 0.0
        assert np.isfinite(js_divergence([1.0, 0.0], [0.0, 1.0]))
        assert kl_divergence(Bernoulli(0.2), Bernoulli(0.0)) == np.inf
        assert kl_divergence(Bernoulli(0.0), Bernoulli(0.3)) == pytest.approx(-np.log(0.7))


def test_torch_gradient_finite_where_p_and_q_are_zero():
    """0 log(0 / 0) = 0 must back-propagate as 0, not NaN (compared with the p > 0 part)."""
    torch = pytest.importorskip("torch")
    p = torch.tensor([0.0, 0.25, 0.75], dtype=torch.float64, requires_grad=True)
    q = torch.tensor([0.0, 0.5, 0.5], dtype=torch.float64, requires_grad=True)
    kl_divergence(p, q).backward()
    assert torch.isfinite(p.grad).all() and torch.isfinite(q.grad).all()
    # on the support the gradient is the textbook one: d/dq_i = -p_i / q_i, d/dp_i = log(p_i/q_i) + 1
    np.testing.assert_allclose(q.grad[1:].numpy(), [-0.5, -1.5])
    np.testing.assert_allclose(p.grad[1:].numpy(), np.log([0.5, 1.5]) + 1)
    assert q.grad[0] == 0.0 and p.grad[0] == 0.0


# --------------------------------------------------------------------------- bad input
def test_masses_that_do_not_sum_to_one_raise_unless_normalised():
    counts = np.array([2.0, 3.0, 5.0])
    with pytest.raises(DataError, match="normalize=True"):
        kl_divergence(counts, [0.2, 0.3, 0.5])
    assert kl_divergence(counts, [0.2, 0.3, 0.5], normalize=True) == pytest.approx(0.0,
                                                                                    abs=1e-15)
    assert entropy(counts, normalize=True) == pytest.approx(stats.entropy(counts))
    with pytest.raises(DataError, match="sums to 0"):
        entropy([0.0, 0.0], normalize=True)


def test_rounded_masses_pass_and_float32_softmax_passes():
    assert np.isfinite(entropy([0.3333333, 0.3333333, 0.3333334]))
    x = np.random.default_rng(0).normal(size=10_000).astype(np.float32)
    soft = np.exp(x) / np.exp(x).sum(dtype=np.float32)
    assert np.isfinite(entropy(soft))


@pytest.mark.parametrize("p, q, match", [
    ([0.5, -0.1, 0.6], [0.2, 0.3, 0.5], "negative mass"),
    ([0.5, np.nan, 0.5], [0.2, 0.3, 0.5], "NaN"),
    ([0.5, 0.5], [0.2, 0.3, 0.5], "2 outcomes and q has 3"),
    ([[0.5, 0.5]], [0.5, 0.5], "same number of dimensions"),
    (0.5, 0.5, "single number"),
])
def test_bad_masses_raise_data_errors_that_say_what_is_wrong(p, q, match):
    with pytest.raises(DataError, match=match):
        kl_divergence(p, q)


def test_bad_options_raise_parameter_errors():
    p = [0.5, 0.5]
    with pytest.raises(ParameterError, match="convention"):
        js_divergence(p, p, convention="gan")
    with pytest.raises(ParameterError, match="base"):
        entropy(p, base=1)
    with pytest.raises(ParameterError, match="axis"):
        entropy(p, axis=3)
    with pytest.raises(TypeError, match="Gaussian and a list"):
        kl_divergence(Gaussian(0.0, var=1.0), p)
    with pytest.raises(ParameterError, match="records"):
        kl_divergence(Gaussian(0.0, var=1.0), Gaussian(0.0, var=2.0), normalize=True)


def test_numpy_in_float_out():
    value = kl_divergence(np.array([0.2, 0.8]), np.array([0.5, 0.5]))
    assert type(value) is float
