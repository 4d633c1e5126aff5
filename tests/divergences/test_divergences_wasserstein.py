"""Wasserstein distances against POT's ot.emd2, scipy.stats.wasserstein_distance and POT's 1-D
and sliced distances on random problems."""

import numpy as np
import ot
import pytest
from scipy import stats
from scipy.spatial.distance import cdist

from latentlearn.divergences import (earth_movers_distance, random_directions,
                                     sliced_wasserstein, wasserstein_1d)
from latentlearn.exceptions import DataError, ParameterError


def random_problem(seed, n=12, m=9, d=3):
    rng = np.random.default_rng(seed)
    return (rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(m)), rng.normal(size=(n, d)),
            rng.normal(size=(m, d)) + 0.5)


# --------------------------------------------------------------------------- exact EMD
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("solver", ["network_simplex", "highs"])
def test_emd_matches_pot_emd2_and_returns_a_feasible_optimal_plan(seed, solver):
    a, b, x, y = random_problem(seed)
    M = cdist(x, y)
    result = earth_movers_distance(a, b, x=x, y=y, solver=solver)
    assert result.distance == pytest.approx(ot.emd2(a, b, M), rel=1e-9)
    plan = result.plan
    assert plan.shape == (12, 9) and plan.min() >= 0
    np.testing.assert_allclose(plan.sum(axis=1), a, atol=1e-9)
    np.testing.assert_allclose(plan.sum(axis=0), b, atol=1e-9)
    assert np.sum(plan * M) == pytest.approx(result.distance, rel=1e-12)


@pytest.mark.parametrize("metric", ["sqeuclidean", "cityblock"])
def test_emd_under_other_ground_metrics_and_a_given_cost(metric):
    a, b, x, y = random_problem(7, n=20, m=15)
    M = cdist(x, y, metric=metric)
    expected = ot.emd2(a, b, M)
    assert earth_movers_distance(a, b, x=x, y=y, metric=metric).distance == pytest.approx(
        expected, rel=1e-9)
    assert earth_movers_distance(a, b, cost=M, solver="highs").distance == pytest.approx(
        expected, rel=1e-9)


def test_emd_on_the_line_equals_the_sorting_formula_and_scipy():
    rng = np.random.default_rng(3)
    u, v = rng.normal(size=25), rng.normal(size=18) + 1.0
    wu, wv = rng.dirichlet(np.ones(25)), rng.dirichlet(np.ones(18))
    lp = earth_movers_distance(wu, wv, x=u[:, None], y=v[:, None]).distance
    assert lp == pytest.approx(wasserstein_1d(u, v, wu, wv), rel=1e-10)
    assert lp == pytest.approx(stats.wasserstein_distance(u, v, wu, wv), rel=1e-10)


def test_emd_defaults_to_uniform_masses_and_two_point_example():
    x, y = np.array([[0.0], [1.0]]), np.array([[0.0], [2.0]])
    assert earth_movers_distance(x=x, y=y).distance == pytest.approx(0.5)


# --------------------------------------------------------------------------- 1-D
@pytest.mark.parametrize("n, m, weighted", [(500, 500, False), (300, 170, False),
                                            (300, 170, True), (1, 40, True)])
def test_wasserstein_1d_matches_scipy(n, m, weighted):
    rng = np.random.default_rng(n + m)
    u, v = rng.normal(size=n), rng.standard_t(3, size=m) + 0.3
    uw = rng.dirichlet(np.ones(n)) if weighted else None
    vw = rng.dirichlet(np.ones(m)) if weighted else None
    assert wasserstein_1d(u, v, uw, vw) == pytest.approx(
        stats.wasserstein_distance(u, v, uw, vw), rel=1e-10)


@pytest.mark.parametrize("p", [1.5, 2, 3])
def test_wasserstein_1d_of_order_p_matches_pot(p):
    rng = np.random.default_rng(11)
    u, v = rng.normal(size=200), rng.exponential(size=130)
    uw, vw = rng.dirichlet(np.ones(200)), rng.dirichlet(np.ones(130))
    assert wasserstein_1d(u, v, uw, vw, p=p) ** p == pytest.approx(
        ot.wasserstein_1d(u, v, uw, vw, p=p), rel=1e-9)
    assert wasserstein_1d(u, v, p=p) ** p == pytest.approx(ot.wasserstein_1d(u, v, p=p),
                                                           rel=1e-9)


def test_weights_count_like_repeated_samples():
    u, v = np.array([0.0, 1.0, 3.0]), np.array([0.5, 2.0])
    repeated = wasserstein_1d(np.repeat(u, [1, 2, 1]), v)
    assert wasserstein_1d(u, v, [1, 2, 1], None, normalize=True) == pytest.approx(repeated)


# --------------------------------------------------------------------------- sliced
@pytest.mark.parametrize("p", [1, 2])
def test_sliced_wasserstein_matches_pot_for_the_same_directions(p):
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(150, 4)), rng.normal(size=(120, 4)) * 1.3 + 0.2
    ours = sliced_wasserstein(X, Y, n_projections=40, p=p, random_state=0)
    pot = ot.sliced_wasserstein_distance(X, Y, n_projections=40, p=p, seed=0)
    assert ours == pytest.approx(pot, rel=1e-9)
    a, b = rng.dirichlet(np.ones(150)), rng.dirichlet(np.ones(120))
    theta = random_directions(4, 30, random_state=1)
    assert sliced_wasserstein(X, Y, a, b, projections=theta, p=p) == pytest.approx(
        ot.sliced_wasserstein_distance(X, Y, a, b, projections=theta, p=p), rel=1e-9)


def test_sliced_wasserstein_approaches_the_exact_distance_in_1d_and_is_seeded():
    rng = np.random.default_rng(6)
    X, Y = rng.normal(size=(80, 1)), rng.normal(size=(80, 1)) + 2.0
    # In one dimension every direction is +-1, so SW_1 = W_1.
    assert sliced_wasserstein(X, Y, p=1, n_projections=3, random_state=0) == pytest.approx(
        wasserstein_1d(X[:, 0], Y[:, 0]))
    Z = rng.normal(size=(60, 3))
    assert sliced_wasserstein(Z, Z + 1, random_state=4) == sliced_wasserstein(
        Z, Z + 1, random_state=4)


# --------------------------------------------------------------------------- bad input
def test_bad_transport_inputs_raise_clear_errors():
    a, b, x, y = random_problem(0)
    with pytest.raises(DataError, match="normalize=True"):
        earth_movers_distance(a * 2, b, x=x, y=y)
    assert earth_movers_distance(a * 2, b * 3, x=x, y=y, normalize=True).distance == \
        pytest.approx(earth_movers_distance(a, b, x=x, y=y).distance)
    with pytest.raises(DataError, match="one mass per support point"):
        earth_movers_distance(a[:-1] / a[:-1].sum(), b, x=x, y=y)
    with pytest.raises(DataError, match="same space"):
        earth_movers_distance(a, b, x=x, y=y[:, :2])
    with pytest.raises(DataError, match="negative mass"):
        earth_movers_distance(np.r_[-0.1, a[1:] + 0.1 / 11], b, x=x, y=y)
    with pytest.raises(ParameterError, match="not both"):
        earth_movers_distance(a, b, x=x, y=y, cost=cdist(x, y))
    with pytest.raises(ParameterError, match="solver"):
        earth_movers_distance(a, b, x=x, y=y, solver="sinkhorn")
    with pytest.raises(DataError, match="NaN"):
        earth_movers_distance(a, b, cost=np.full((12, 9), np.nan))


def test_bad_sample_inputs_raise_clear_errors():
    with pytest.raises(ParameterError, match="p must be"):
        wasserstein_1d([0.0, 1.0], [1.0], p=0.5)
    with pytest.raises(DataError, match="one weight per sample"):
        wasserstein_1d([0.0, 1.0], [1.0], [1.0], None)
    with pytest.raises(DataError, match="at least 1"):
        wasserstein_1d([], [1.0])
    with pytest.raises(DataError, match="reshape"):
        sliced_wasserstein(np.zeros(5), np.zeros((5, 1)))
    with pytest.raises(DataError, match="features"):
        sliced_wasserstein(np.zeros((5, 2)), np.zeros((5, 3)))
