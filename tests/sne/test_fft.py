"""FFT-interpolated t-SNE repulsion: against the exact O(n^2) sums and a direct 2-D FFT."""

import numpy as np
import pytest
from scipy import fft as sp_fft

from latentlearn.sne.fft import _kernel_transform, _weights, repulsive_potentials


def _exact_potentials(Y, dof=1.0):
    d2 = ((Y[:, None, :] - Y[None, :, :]) ** 2).sum(-1)
    u = 1.0 / (1.0 + d2 / dof)
    w = u ** ((dof + 1.0) / 2.0)
    np.fill_diagonal(w, 0.0)
    wu = w * u
    Z = w.sum()
    rep = wu.sum(1)[:, None] * Y - wu @ Y
    return Z, rep


def _wide_map(n=1500, seed=0):
    """Clusters spread over about 120 units: boxes are 1 unit wide, as on a finished map."""
    rng = np.random.RandomState(seed)
    centres = rng.uniform(-60, 60, size=(15, 2))
    return centres[rng.randint(15, size=n)] + rng.randn(n, 2) * rng.uniform(1, 6)


# Measured: Z 4.4e-4 / 2.9e-4 and repulsion 1.19e-2 / 1.96e-2 relative error (dof 1 / 0.7).
@pytest.mark.parametrize("dof, z_rel, rep_rel", [(1.0, 6e-4, 1.4e-2), (0.7, 4e-4, 2.3e-2)])
def test_repulsion_close_to_exact_on_a_wide_map(dof, z_rel, rep_rel):
    Y = _wide_map()
    assert np.ptp(Y, axis=0).max() > 100  # 1-unit boxes, not the 50-box minimum
    Z, rep = _exact_potentials(Y, dof)
    sum_phi1, phi2, centre = repulsive_potentials(Y, dof)
    Z_fft = sum_phi1 - len(Y)
    rep_fft = (Y - centre) * phi2[:, :1] - phi2[:, 1:]
    assert Z_fft == pytest.approx(Z, rel=z_rel)
    # cubic interpolation on 1/3-unit spacing: about 1% (FIt-SNE's midpoint nodes: ~4%)
    assert np.linalg.norm(rep_fft - rep) / np.linalg.norm(rep) < rep_rel


def test_more_nodes_per_box_is_more_accurate():
    Y = _wide_map(800, seed=1)
    _, rep = _exact_potentials(Y)
    errors = []
    for n_nodes in (3, 4, 6):
        _, phi2, centre = repulsive_potentials(Y, n_nodes=n_nodes)
        rep_fft = (Y - centre) * phi2[:, :1] - phi2[:, 1:]
        errors.append(np.linalg.norm(rep_fft - rep) / np.linalg.norm(rep))
    assert errors[0] > errors[1] > errors[2]  # measured 6.6e-2, 1.17e-2, 8.2e-4
    assert errors[0] < 8.5e-2 and errors[1] < 1.5e-2 and errors[2] < 1.1e-3


def test_interpolation_weights_continuous_across_box_edges():
    """Edge nodes are shared: a point crossing an edge sees the same grid weights."""
    n_nodes, stride = 4, 3
    edge = 7.0  # in box units
    Y = np.array([[edge - 1e-12, 0.3], [edge + 1e-12, 0.3]])
    box, W = _weights(Y, np.zeros(2), 1.0, 20, n_nodes)
    assert box[0, 0] == 6 and box[1, 0] == 7
    on_grid = np.zeros((2, 20 * stride + 1))
    for i in range(2):
        on_grid[i, box[i, 0] * stride + np.arange(n_nodes)] = W[i, 0]
    np.testing.assert_allclose(on_grid[0], on_grid[1], atol=1e-10)


def test_interpolation_reproduces_cubics():
    t = np.linspace(0, 0.999, 37)
    Y = np.column_stack([t, np.zeros_like(t)])
    _, W = _weights(Y, np.zeros(2), 1.0, 1, 4)
    nodes = np.arange(4) / 3.0
    for k in range(4):
        np.testing.assert_allclose(W[:, 0] @ nodes**k, t**k, atol=1e-12)


@pytest.mark.parametrize("dof, exponent", [(1.0, 2.0), (2.0, 2.5)])
def test_kernel_transform_equals_direct_fft(dof, exponent):
    M, spacing = 12, 0.37
    L = 2 * M
    idx = np.arange(L)
    off = np.minimum(idx, L - idx) * spacing  # circulant offsets
    k = (1.0 + (off[:, None] ** 2 + off[None, :] ** 2) / dof) ** (-exponent)
    direct = sp_fft.rfft2(k)
    assert np.abs(direct.imag).max() < 1e-10  # even kernel: real transform
    np.testing.assert_allclose(_kernel_transform(M, spacing, dof, exponent), direct.real,
                               rtol=1e-5, atol=1e-4)
