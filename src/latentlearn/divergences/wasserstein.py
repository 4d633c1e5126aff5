"""Wasserstein (earth mover's) distances: exact on given points, by sorting in 1-D, sliced in d-D.

The earth mover's distance (Rubner et al. 2000; Villani 2009, chapter 6; Peyre & Cuturi 2019,
"Computational optimal transport", chapter 2) comes from moving masses ``a_i`` at ``x_i`` to masses ``b_j`` at ``y_j``: a transport plan ``w_ij >= 0``
with row sums ``a`` and column sums ``b`` costs ``sum_ij w_ij d(x_i, y_j)``, and

    W(mu, nu) = min_{w >= 0, w 1 = a, w^T 1 = b} sum_ij w_ij d(x_i, y_j),

a linear program (the plan is a joint distribution with marginals ``mu`` and ``nu``).

Three functions:

:func:`earth_movers_distance`
    The linear program on given points under any ground metric (or a given cost matrix),
    solved exactly; returns the distance and the optimal plan.
:func:`wasserstein_1d`
    On the line the optimal plan matches quantiles, so
    ``W_p(mu, nu)^p = int_0^1 |F^-1(t) - G^-1(t)|^p dt``: sorting instead of a linear program.
:func:`sliced_wasserstein`
    The average of 1-D distances between projections on random directions (Rabin et al. 2011;
    Bonneel et al. 2015): ``SW_p(mu, nu)^p = E_theta W_p^p(theta # mu, theta # nu)``.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np
from sklearn.utils import check_random_state

from ..exceptions import DataError, ParameterError
from ._namespace import namespace
from ._validation import check_masses, check_samples

__all__ = ["TransportResult", "earth_movers_distance", "wasserstein_1d", "sliced_wasserstein"]

_SOLVERS = ("network_simplex", "highs")
_TORCH_METRICS = ("euclidean", "sqeuclidean", "cityblock")


class TransportResult(NamedTuple):
    """What :func:`earth_movers_distance` returns.

    Attributes
    ----------
    distance : float or torch.Tensor
        ``sum_ij plan_ij cost_ij``, the minimal transport cost.
    plan : ndarray or torch.Tensor of shape (n, m)
        An optimal plan: ``plan >= 0``, row sums ``a``, column sums ``b``. For tensor input it is
        a tensor without gradient.
    """

    distance: object
    plan: object


# --------------------------------------------------------------------------- exact (LP)
def earth_movers_distance(a=None, b=None, *, x=None, y=None, cost=None, metric="euclidean",
                          normalize=False, solver="network_simplex", max_iter=None):
    """Earth mover's distance (Wasserstein-1) between two discrete distributions, and the plan.

    ``W(a, b) = min_plan sum_ij plan_ij cost_ij`` over plans with row sums ``a`` and column sums
    ``b`` (Peyre & Cuturi 2019, section 2.3). With ``cost_ij = ||x_i - y_j||`` this is ``W_1``; any ground cost
    may be given (``metric="sqeuclidean"`` gives ``W_2^2``).

    Parameters
    ----------
    a : array-like or torch.Tensor of shape (n,), optional
        Masses of the first distribution; uniform ``1/n`` if omitted.
    b : array-like or torch.Tensor of shape (m,), optional
        Masses of the second distribution; uniform ``1/m`` if omitted.
    x : array-like or torch.Tensor of shape (n, n_features), optional
        Support points of the first distribution. Give ``x`` and ``y``, or ``cost``.
    y : array-like or torch.Tensor of shape (m, n_features), optional
        Support points of the second distribution.
    cost : array-like or torch.Tensor of shape (n, m), optional
        The ground cost ``d(x_i, y_j)`` directly (any metric, or any cost).
    metric : str or callable, default="euclidean"
        Ground metric between ``x`` and ``y``, as for ``scipy.spatial.distance.cdist``. For
        tensors: "euclidean", "sqeuclidean" or "cityblock" (else pass ``cost`` as a tensor).
    normalize : bool, default=False
        Divide ``a`` and ``b`` by their sums; otherwise each must sum to one.
    solver : {"network_simplex", "highs"}, default="network_simplex"
        ``"network_simplex"``: POT's exact network simplex (``ot.emd``, C++), fast.
        ``"highs"``: the same linear program given to ``scipy.optimize.linprog`` (HiGHS);
        slower, and independent of POT (a cross-check).
    max_iter : int, optional
        Pivot limit of the network simplex; default ``max(100000, 50 (n + m)^2)``.

    Returns
    -------
    TransportResult
        ``(distance, plan)``. ``distance`` is a float for numpy input and a tensor for tensor
        input, differentiable with respect to the cost (hence ``x`` and ``y``) and to ``a`` and
        ``b``: by LP duality the gradients are the optimal plan and the dual potentials (which
        are defined up to a constant, as the masses are constrained to sum to one).

    Raises
    ------
    DataError
        Bad masses, masses and points (or cost) of different lengths, ``x`` and ``y`` with
        different numbers of features, NaN or infinite costs.
    RuntimeError
        The solver stopped before the optimum (raise ``max_iter``).

    Examples
    --------
    >>> import numpy as np
    >>> from latentlearn.divergences import earth_movers_distance
    >>> x = np.array([[0.0], [1.0]]); y = np.array([[0.0], [2.0]])
    >>> result = earth_movers_distance([0.5, 0.5], [0.5, 0.5], x=x, y=y)
    >>> result.distance
    0.5
    """
    if solver not in _SOLVERS:
        raise ParameterError(f"solver={solver!r} is not allowed; use 'network_simplex' (POT's "
                             f"ot.emd) or 'highs' (scipy.optimize.linprog).")
    if max_iter is not None and (not isinstance(max_iter, numbers.Integral)
                                 or isinstance(max_iter, bool) or max_iter < 1):
        raise ParameterError(f"max_iter must be a positive int or None; got {max_iter!r}.")
    xp = namespace(a, b, x, y, cost)
    M = _cost_matrix(xp, x, y, cost, metric)
    n, m = M.shape
    a = _masses_or_uniform(xp, a, n, "a", "rows of the cost" if cost is not None else "x",
                           normalize)
    b = _masses_or_uniform(xp, b, m, "b", "columns of the cost" if cost is not None else "y",
                           normalize)

    a_np, b_np = xp.to_numpy(a).astype(np.float64), xp.to_numpy(b).astype(np.float64)
    a_np, b_np = a_np / a_np.sum(), b_np / b_np.sum()   # exact sums for the solver
    M_np = np.ascontiguousarray(xp.to_numpy(M), dtype=np.float64)
    if solver == "network_simplex":
        plan, u, v = _solve_network_simplex(a_np, b_np, M_np,
                                            max_iter or max(100_000, 50 * (n + m) ** 2))
    else:
        plan, u, v = _solve_highs(a_np, b_np, M_np)

    if not xp.is_torch:
        return TransportResult(float(np.sum(plan * M_np)), plan)
    plan_t, u_t, v_t = xp.asarray(plan), xp.asarray(u), xp.asarray(v)
    # Value sum(plan * M); the (a - a.detach()) terms are zero but carry d/da = u, d/db = v.
    distance = (xp.sum(plan_t * M) + xp.sum((a - a.detach()) * u_t)
                + xp.sum((b - b.detach()) * v_t))
    return TransportResult(distance, plan_t)


def _cost_matrix(xp, x, y, cost, metric):
    if cost is not None:
        if x is not None or y is not None:
            raise ParameterError("give either cost= or the points x= and y=, not both.")
        M = xp.asarray(cost)
        if M.ndim != 2 or 0 in M.shape:
            raise DataError(f"cost must have shape (n, m) with n, m >= 1; got "
                            f"{tuple(M.shape)}.")
        if not np.all(np.isfinite(xp.to_numpy(M))):
            raise DataError("cost has NaN or infinite entries; every pair needs a finite cost.")
        return M
    if x is None or y is None:
        raise ParameterError("earth_movers_distance needs the support points x= and y= (with a "
                             "metric=) or a cost= matrix.")
    x = check_samples(xp, x, "x", ndim=2)
    y = check_samples(xp, y, "y", ndim=2)
    if x.shape[1] != y.shape[1]:
        raise DataError(f"x has {x.shape[1]} features and y has {y.shape[1]}; the points of "
                        f"both distributions must live in the same space.")
    if not xp.is_torch:
        from scipy.spatial.distance import cdist

        return cdist(x, y, metric=metric)
    if metric not in _TORCH_METRICS:
        raise ParameterError(f"for tensors, metric must be one of {', '.join(_TORCH_METRICS)}; "
                             f"got {metric!r}. Compute the cost yourself and pass cost=.")
    torch = xp.torch
    if metric == "cityblock":
        return torch.cdist(x, y, p=1.0)
    distances = torch.cdist(x, y, p=2.0)
    return distances ** 2 if metric == "sqeuclidean" else distances


def _masses_or_uniform(xp, w, n, name, against, normalize):
    if w is None:
        return xp.asarray(np.full(n, 1.0 / n))
    w = check_masses(xp, w, name, normalize=normalize)
    if w.ndim != 1 or w.shape[0] != n:
        raise DataError(f"{name} has shape {tuple(w.shape)} but there are {n} {against}; give "
                        f"one mass per support point.")
    return w


def _solve_network_simplex(a, b, M, max_iter):
    """Exact transport plan by POT's network simplex; ``(plan, u, v)`` with duals."""
    from .._optional import require

    ot = require("ot", extra="ot", what="earth_movers_distance(solver='network_simplex') "
                 "(solver='highs' needs no extra)")

    plan, log = ot.emd(a, b, M, numItermax=int(max_iter), log=True)
    if log["result_code"] != 1:   # 1 is OPTIMAL in POT's network simplex
        raise RuntimeError(f"the network simplex stopped before the optimum "
                           f"({log.get('warning')}); pass a larger max_iter (now {max_iter}) "
                           f"or solver='highs'.")
    return plan, log["u"], log["v"]


def _solve_highs(a, b, M):
    """The transport linear program by HiGHS (scipy.optimize.linprog); ``(plan, u, v)``.

    Variables: the ``n m`` entries of the plan, row-major. Constraints: ``n`` row sums and
    ``m`` column sums (one of them redundant, which HiGHS handles).
    """
    from scipy import sparse
    from scipy.optimize import linprog

    n, m = M.shape
    rows = sparse.kron(sparse.eye(n), np.ones((1, m)))     # (n, n m): sum_j plan_ij = a_i
    cols = sparse.kron(np.ones((1, n)), sparse.eye(m))     # (m, n m): sum_i plan_ij = b_j
    A_eq = sparse.vstack([rows, cols]).tocsr()
    res = linprog(M.ravel(), A_eq=A_eq, b_eq=np.concatenate([a, b]), bounds=(0, None),
                  method="highs")
    if res.status != 0:
        raise RuntimeError(f"HiGHS could not solve the transport problem: {res.message}")
    duals = res.eqlin.marginals
    return np.clip(res.x.reshape(n, m), 0.0, None), duals[:n], duals[n:]


# --------------------------------------------------------------------------- 1-D (sorting)
def _check_order(p):
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not np.isfinite(p) or p < 1:
        raise ParameterError(f"p must be a real number >= 1 (the order of W_p); got {p!r}.")
    return float(p)


def _sorted_with_weights(xp, values, weights):
    """Sort rows of ``values`` (..., n); weights follow their samples, or None if uniform."""
    if weights is None:
        return xp.sort(values, axis=-1), None
    order = xp.argsort(values, axis=-1)
    return xp.take_along_axis(values, order, axis=-1), weights[order]


def _wasserstein_pp(xp, u, v, u_weights, v_weights, p):
    """``W_p^p`` between rows of ``u`` (..., n) and ``v`` (..., m); weights (n,), (m,) or None.

    ``W_p^p = int_0^1 |F^-1(t) - G^-1(t)|^p dt``. Both quantile functions are step functions
    that change only at the cumulative weights ``C_u`` and ``C_v``; on each interval of their
    merged grid both are constant, and are read at the interval's midpoint.
    """
    n, m = u.shape[-1], v.shape[-1]
    if u_weights is None and v_weights is None and n == m:
        # Equal uniform grids: the quantile functions pair the k-th smallest values.
        return xp.mean(xp.abs(xp.sort(u, axis=-1) - xp.sort(v, axis=-1)) ** p, axis=-1)
    u_sorted, u_w = _sorted_with_weights(xp, u, u_weights)
    v_sorted, v_w = _sorted_with_weights(xp, v, v_weights)
    cu = (xp.asarray(np.arange(1, n + 1) / n) if u_w is None
          else xp.cumsum(u_w, axis=-1) / xp.sum(u_w, axis=-1, keepdims=True))
    cv = (xp.asarray(np.arange(1, m + 1) / m) if v_w is None
          else xp.cumsum(v_w, axis=-1) / xp.sum(v_w, axis=-1, keepdims=True))
    batch = tuple(np.broadcast_shapes(tuple(u.shape[:-1]), tuple(v.shape[:-1])))
    cu = xp.broadcast_to(cu, batch + (n,))
    cv = xp.broadcast_to(cv, batch + (m,))
    t = xp.sort(xp.concat([cu, cv], axis=-1), axis=-1)              # (..., n + m)
    start = xp.concat([xp.zeros_like(t[..., :1]), t[..., :-1]], axis=-1)
    dt = t - start
    mid = 0.5 * (t + start)
    iu = _clip_index(xp.searchsorted(cu, mid), n)
    iv = _clip_index(xp.searchsorted(cv, mid), m)
    qu = xp.take_along_axis(xp.broadcast_to(u_sorted, batch + (n,)), iu, axis=-1)
    qv = xp.take_along_axis(xp.broadcast_to(v_sorted, batch + (m,)), iv, axis=-1)
    return xp.sum(dt * xp.abs(qu - qv) ** p, axis=-1)


def _clip_index(idx, n):
    return idx.clip(0, n - 1)


def _weights_1d(xp, w, n, name, values_name, normalize):
    if w is None:
        return None
    w = check_masses(xp, w, name, normalize=normalize)
    if w.ndim != 1 or w.shape[0] != n:
        raise DataError(f"{name} has shape {tuple(w.shape)} but {values_name} has {n} samples; "
                        f"give one weight per sample.")
    return w


def wasserstein_1d(u_values, v_values, u_weights=None, v_weights=None, *, p=1,
                   normalize=False):
    """Wasserstein-p distance between two samples on the line, by sorting.

    On the real line the optimal plan pairs equal quantiles, so with ``F`` and ``G`` the
    (weighted) empirical distribution functions::

        W_p(u, v) = ( int_0^1 |F^-1(t) - G^-1(t)|^p dt )^(1/p),

    which for ``p = 1`` equals ``int |F(x) - G(x)| dx`` (the form
    ``scipy.stats.wasserstein_distance`` uses). With equal sample sizes and no weights it is
    ``(mean_k |u_(k) - v_(k)|^p)^(1/p)`` over the sorted samples. Cost: two sorts.

    Parameters
    ----------
    u_values : array-like or torch.Tensor of shape (n,)
        Samples of the first distribution.
    v_values : array-like or torch.Tensor of shape (m,)
        Samples of the second distribution.
    u_weights, v_weights : array-like or torch.Tensor, optional
        Masses of the samples (uniform if omitted); each must sum to one unless ``normalize``.
    p : float >= 1, default=1
        The order of the distance.
    normalize : bool, default=False
        Divide the weights by their sums (e.g. for counts).

    Returns
    -------
    float or torch.Tensor
        ``W_p`` (not its p-th power). A tensor is differentiable with respect to the values
        (and the weights).

    Raises
    ------
    DataError
        Empty or non-finite samples; bad weights or weights of the wrong length.
    """
    p = _check_order(p)
    xp = namespace(u_values, v_values, u_weights, v_weights)
    u = check_samples(xp, u_values, "u_values", ndim=1)
    v = check_samples(xp, v_values, "v_values", ndim=1)
    uw = _weights_1d(xp, u_weights, u.shape[0], "u_weights", "u_values", normalize)
    vw = _weights_1d(xp, v_weights, v.shape[0], "v_weights", "v_values", normalize)
    return xp.result(_wasserstein_pp(xp, u, v, uw, vw, p) ** (1.0 / p))


def random_directions(n_features, n_projections, random_state=None):
    """Directions uniform on the unit sphere, as columns: shape (n_features, n_projections).

    Normalised standard Gaussian vectors, drawn as ``RandomState(seed).randn(d, L)``: the same
    directions POT's ``ot.sliced.get_random_projections`` draws for the same integer seed.
    """
    rng = check_random_state(random_state)
    directions = rng.randn(n_features, n_projections)
    return directions / np.sqrt(np.sum(directions ** 2, axis=0, keepdims=True))


def sliced_wasserstein(X, Y, a=None, b=None, *, n_projections=50, p=2, projections=None,
                       random_state=None, normalize=False):
    """Sliced Wasserstein distance between two samples in d dimensions.

    Project both samples on directions ``theta_l`` drawn uniformly on the unit sphere and
    average the 1-D distances (Bonneel et al. 2015, "Sliced and Radon Wasserstein barycenters of
    measures")::

        SW_p(X, Y) = ( 1/L sum_l W_p^p(theta_l^T X, theta_l^T Y) )^(1/p)

    It is a Monte Carlo estimate of ``(E_theta W_p^p)^(1/p)``; the error falls like
    ``1/sqrt(L)``. Each 1-D distance costs a sort, so this scales to large samples where the
    exact transport problem does not. Same definition as POT's
    ``ot.sliced_wasserstein_distance``.

    Parameters
    ----------
    X : array-like or torch.Tensor of shape (n, n_features)
    Y : array-like or torch.Tensor of shape (m, n_features)
    a, b : array-like or torch.Tensor of shape (n,) and (m,), optional
        Masses of the samples (uniform if omitted).
    n_projections : int, default=50
        Number of random directions ``L``.
    p : float >= 1, default=2
        Order of the 1-D Wasserstein distances.
    projections : array-like of shape (n_features, n_projections), optional
        The directions (as columns) to use instead of random ones.
    random_state : None, int or numpy.random.RandomState
        Draws the directions (see :func:`random_directions`): same seed, same directions (for
        numpy and torch input alike).
    normalize : bool, default=False
        Divide the masses by their sums.

    Returns
    -------
    float or torch.Tensor
        ``SW_p``; a tensor is differentiable with respect to ``X`` and ``Y``.
    """
    p = _check_order(p)
    xp = namespace(X, Y, a, b, projections)
    X = check_samples(xp, X, "X", ndim=2)
    Y = check_samples(xp, Y, "Y", ndim=2)
    d = X.shape[1]
    if Y.shape[1] != d:
        raise DataError(f"X has {d} features and Y has {Y.shape[1]}; both samples must live in "
                        f"the same space.")
    if projections is None:
        if (not isinstance(n_projections, numbers.Integral) or isinstance(n_projections, bool)
                or n_projections < 1):
            raise ParameterError(f"n_projections must be a positive int; got {n_projections!r}.")
        projections = random_directions(d, int(n_projections), random_state)
    theta = xp.asarray(projections)
    if theta.ndim != 2 or theta.shape[0] != d:
        raise DataError(f"projections must have shape (n_features, n_projections) = ({d}, L); "
                        f"got {tuple(theta.shape)}.")
    aw = _weights_1d(xp, a, X.shape[0], "a", "X", normalize)
    bw = _weights_1d(xp, b, Y.shape[0], "b", "Y", normalize)
    u = xp.transpose(xp.matmul(X, theta))    # (L, n)
    v = xp.transpose(xp.matmul(Y, theta))    # (L, m)
    return xp.result(xp.mean(_wasserstein_pp(xp, u, v, aw, bw, p)) ** (1.0 / p))
