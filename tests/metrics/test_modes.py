"""mode_coverage (Metz et al. 2017, Srivastava et al. 2017) on constructed samples whose counts
are known by construction.

Planted bugs each test caught (then reverted): the radius as n_std * std**2 -> near samples
counted out; min_share applied to the expected per-mode count instead of all samples (counts
>= min_share * n / n_modes) -> a mode with 5 of 1,000 samples counted; the quality share over
the covered modes only -> a share above the constructed one.
"""

import numpy as np
import pytest

from latentlearn.datasets import make_gaussian_ring
from latentlearn.exceptions import DataError, ParameterError
from latentlearn.metrics import mode_coverage

CENTERS = make_gaussian_ring(8).extras["centers"]
STD = 0.05


def _near(k, n, rng, spread=1.0):
    return CENTERS[k] + spread * STD * rng.standard_normal((n, 2)).clip(-1.5, 1.5)


def test_data_itself_covers_every_mode_with_all_samples_of_high_quality():
    ds = make_gaussian_ring(4000, random_state=1)
    out = mode_coverage(ds.X, ds.extras["centers"], ds.extras["params"]["std"])
    assert out["modes_covered"] == 8 and out["n_modes"] == 8
    # Within 3 sigma in 2-D: P(chi2_2 <= 9) = 1 - exp(-4.5) = 0.9889.
    assert out["high_quality_share"] == pytest.approx(1 - np.exp(-4.5), abs=0.005)


def test_collapsed_and_smeared_generators():
    rng = np.random.default_rng(0)
    collapsed = np.concatenate([_near(0, 600, rng), _near(3, 400, rng)])
    out = mode_coverage(collapsed, CENTERS, STD)
    assert out == {"modes_covered": 2, "n_modes": 8, "high_quality_share": 1.0}
    # 300 good samples on four modes, 700 far from every mode (between them, at the centre).
    good = np.concatenate([_near(k, 75, rng) for k in range(4)])
    smeared = np.concatenate([good, 0.1 * rng.standard_normal((700, 2))])
    out = mode_coverage(smeared, CENTERS, STD)
    assert out["modes_covered"] == 4
    assert out["high_quality_share"] == pytest.approx(0.3)


def test_a_mode_needs_a_share_of_the_samples():
    rng = np.random.default_rng(0)
    # 995 samples on mode 0, 5 on mode 1: 5 < 0.2 * 1000 / 8 = 25, so mode 1 is not covered.
    X = np.concatenate([_near(0, 995, rng), _near(1, 5, rng)])
    assert mode_coverage(X, CENTERS, STD)["modes_covered"] == 1
    assert mode_coverage(X, CENTERS, STD, min_share=0.005)["modes_covered"] == 2
    assert mode_coverage(X, CENTERS, STD, min_share=0.0)["modes_covered"] == 2


def test_n_std_sets_the_radius():
    # Every sample exactly 2.5 std from mode 0: high quality at 3 std, not at 2.
    angle = np.linspace(0, 2 * np.pi, 100, endpoint=False)
    X = CENTERS[0] + 2.5 * STD * np.column_stack([np.cos(angle), np.sin(angle)])
    assert mode_coverage(X, CENTERS, STD)["high_quality_share"] == 1.0
    assert mode_coverage(X, CENTERS, STD, n_std=2.0)["high_quality_share"] == 0.0


def test_bad_input_is_named():
    with pytest.raises(DataError, match="features"):
        mode_coverage(np.zeros((10, 3)), CENTERS, STD)
    with pytest.raises(ParameterError, match="std"):
        mode_coverage(np.zeros((10, 2)), CENTERS, 0.0)
    with pytest.raises(ParameterError, match="min_share"):
        mode_coverage(np.zeros((10, 2)), CENTERS, STD, min_share=2)
