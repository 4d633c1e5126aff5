"""The torch path: the same function, tensors in, a differentiable tensor out (gradcheck in
float64), equal to the numpy value."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.autograd import gradcheck  # noqa: E402

from latentlearn.divergences import (Bernoulli, Gaussian, earth_movers_distance,  # noqa: E402
                                     entropy, js_divergence, kl_divergence,
                                     kl_to_standard_normal, mmd2, sliced_wasserstein,
                                     total_variation, wasserstein_1d)

f64 = torch.float64


@pytest.fixture
def gen():
    return torch.Generator().manual_seed(0)


def simplex(gen, *shape):
    return torch.softmax(torch.randn(*shape, generator=gen, dtype=f64), dim=-1)


def test_gradcheck_discrete_kl_and_js(gen):
    p = simplex(gen, 3, 5).requires_grad_()
    q = simplex(gen, 3, 5).requires_grad_()
    # normalize=True keeps finite-difference perturbations on the simplex.
    assert gradcheck(lambda p, q: kl_divergence(p, q, normalize=True), (p, q))
    assert gradcheck(lambda p, q: js_divergence(p, q, normalize=True), (p, q))
    assert gradcheck(lambda p, q: js_divergence(p, q, normalize=True, convention="sum"), (p, q))


def test_gradcheck_gaussian_and_bernoulli_kl(gen):
    mean = torch.randn(4, 3, generator=gen, dtype=f64, requires_grad=True)
    log_var = torch.randn(4, 3, generator=gen, dtype=f64, requires_grad=True)
    assert gradcheck(lambda m, lv: kl_to_standard_normal(m, log_var=lv), (mean, log_var))
    A = torch.randn(3, 3, generator=gen, dtype=f64, requires_grad=True)
    m1 = torch.randn(3, generator=gen, dtype=f64, requires_grad=True)
    eye = torch.eye(3, dtype=f64)

    def full_kl(m, A):   # cov = A A^T + I: a symmetric parametrisation for finite differences
        return kl_divergence(Gaussian(m, cov=A @ A.T + eye), Gaussian(torch.zeros(3, dtype=f64),
                                                                      cov=2 * eye))
    assert gradcheck(full_kl, (m1, A))
    rho_hat = torch.sigmoid(torch.randn(6, generator=gen, dtype=f64)).requires_grad_()
    assert gradcheck(lambda r: kl_divergence(Bernoulli(0.05), Bernoulli(r)), (rho_hat,))


def test_gradcheck_mmd(gen):
    X = torch.randn(15, 3, generator=gen, dtype=f64, requires_grad=True)
    Y = (1.3 * torch.randn(12, 3, generator=gen, dtype=f64)).requires_grad_()
    for kernel in ("gaussian", "imq"):
        for estimator in ("unbiased", "biased"):
            assert gradcheck(lambda X, Y: mmd2(X, Y, kernel=kernel, estimator=estimator,
                                               bandwidth=1.2), (X, Y))


def test_median_bandwidth_is_held_fixed_in_the_gradient(gen):
    X = torch.randn(15, 2, generator=gen, dtype=f64, requires_grad=True)
    Y = torch.randn(12, 2, generator=gen, dtype=f64)
    from latentlearn.divergences import median_bandwidth

    s = median_bandwidth(X.detach().numpy(), Y.numpy())
    g_median, = torch.autograd.grad(mmd2(X, Y), X)
    g_fixed, = torch.autograd.grad(mmd2(X, Y, bandwidth=s), X)
    torch.testing.assert_close(g_median, g_fixed)


def test_tensor_results_equal_numpy_results(gen):
    p, q = simplex(gen, 6), simplex(gen, 6)
    X = torch.randn(30, 2, generator=gen, dtype=f64)
    Y = torch.randn(20, 2, generator=gen, dtype=f64) + 1
    pairs = [
        (entropy, (p,), {}), (kl_divergence, (p, q), {}), (js_divergence, (p, q), {}),
        (total_variation, (p, q), {}), (mmd2, (X, Y), {}),
        (sliced_wasserstein, (X, Y), {"random_state": 3}),
        (wasserstein_1d, (X[:, 0], Y[:, 0]), {"p": 2}),
    ]
    for fn, args, kwargs in pairs:
        out = fn(*args, **kwargs)
        assert isinstance(out, torch.Tensor) and out.dtype == f64
        expected = fn(*(a.numpy() for a in args), **kwargs)
        assert out.item() == pytest.approx(expected, rel=1e-10), fn.__name__


def test_float32_tensors_stay_float32_and_numpy_mixes_in(gen):
    mean = torch.randn(8, 4, generator=gen)
    out = kl_to_standard_normal(mean, log_var=torch.zeros(8, 4))
    assert out.dtype == torch.float32 and out.shape == (8,)
    mixed = kl_divergence(np.array([0.5, 0.5]), torch.tensor([0.25, 0.75], dtype=f64))
    assert isinstance(mixed, torch.Tensor)
    assert mixed.item() == pytest.approx(kl_divergence([0.5, 0.5], [0.25, 0.75]))


def test_emd_gradient_with_respect_to_points_matches_finite_differences(gen):
    # By the envelope theorem d/dx sum_ij P_ij ||x_i - y_j|| holds the optimal plan fixed.
    x = torch.randn(7, 2, generator=gen, dtype=f64, requires_grad=True)
    y = torch.randn(5, 2, generator=gen, dtype=f64)
    result = earth_movers_distance(x=x, y=y)
    grad, = torch.autograd.grad(result.distance, x)
    assert result.plan.requires_grad is False
    xn, yn, h = x.detach().numpy(), y.numpy(), 1e-6
    numeric = np.zeros_like(xn)
    for i in range(7):
        for j in range(2):
            up, down = xn.copy(), xn.copy()
            up[i, j] += h
            down[i, j] -= h
            numeric[i, j] = (earth_movers_distance(x=up, y=yn).distance
                             - earth_movers_distance(x=down, y=yn).distance) / (2 * h)
    np.testing.assert_allclose(grad.numpy(), numeric, atol=1e-6)


def test_emd_gradient_with_respect_to_masses_is_the_dual_potential(gen):
    # Random masses: uniform ones make the plan degenerate, and then the duals are not unique.
    a = simplex(gen, 6).requires_grad_()
    b = simplex(gen, 4)
    x = torch.randn(6, 2, generator=gen, dtype=f64)
    y = torch.randn(4, 2, generator=gen, dtype=f64)
    result = earth_movers_distance(a, b, x=x, y=y)
    grad, = torch.autograd.grad(result.distance, a)
    # Moving mass eps from point 0 to point 1 changes W by eps (u_1 - u_0), to first order.
    eps = 1e-6
    shifted = a.detach().numpy().copy()
    shifted[0] -= eps
    shifted[1] += eps
    change = (earth_movers_distance(shifted, b.numpy(), x=x.numpy(), y=y.numpy()).distance
              - result.distance.item())
    assert change / eps == pytest.approx((grad[1] - grad[0]).item(), abs=1e-5)
