"""A tiny array namespace, so that each divergence is written once for numpy and for torch.

Every formula in :mod:`latentlearn.divergences` is written against an ``xp`` object that offers
the handful of operations they need (``xp.log``, ``xp.sum``, ``xp.xlogy``...). :func:`namespace`
picks numpy's or torch's from the inputs: if any input is a ``torch.Tensor`` the computation
runs in torch (numpy inputs are moved to the tensor's dtype and device) and the result is a
tensor that autograd can differentiate; otherwise it runs in numpy in float64 and a scalar
result comes back as a Python ``float``.

Torch is never imported here: a tensor can only exist if the caller already imported torch, so
``sys.modules`` tells us whether to look for one, and ``import latentlearn.divergences`` stays
light.

Checks on the values (finite, non-negative, summing to one) read a detached copy, so they never
enter the autograd graph.
"""

from __future__ import annotations

import sys

import numpy as np
from scipy import special

__all__ = ["namespace", "is_tensor"]


def is_tensor(x) -> bool:
    """Whether ``x`` is a ``torch.Tensor`` (without importing torch)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


class _NumpyNamespace:
    """numpy, float64."""

    is_torch = False
    pi = np.pi

    # -- conversion -------------------------------------------------------------------------
    def asarray(self, x):
        return np.asarray(x, dtype=np.float64)

    def to_numpy(self, x) -> np.ndarray:
        return np.asarray(x)

    def result(self, x):
        """A 0-d result as a Python float; anything else as an ndarray."""
        x = np.asarray(x)
        return float(x) if x.ndim == 0 else x

    def eps(self, x) -> float:
        return float(np.finfo(np.float64).eps)

    # -- elementwise ------------------------------------------------------------------------
    def log(self, x):
        with np.errstate(divide="ignore"):
            return np.log(x)

    exp = staticmethod(np.exp)
    abs = staticmethod(np.abs)

    def xlogy(self, x, y):
        """``x * log(y)``, 0 where ``x == 0`` (even if ``y == 0``)."""
        return special.xlogy(x, y)

    # Elementwise steps that may overwrite their argument (numpy does, to spare (n, m)
    # temporaries; torch does not, as autograd may need the input). Callers use the result.
    def scale_(self, x, factor):
        x *= factor
        return x

    def shift_(self, x, offset):
        x += offset
        return x

    def exp_(self, x):
        return np.exp(x, out=x)

    def rsqrt_(self, x):
        np.sqrt(x, out=x)
        return np.reciprocal(x, out=x)

    # -- reductions and shapes --------------------------------------------------------------
    def sum(self, x, axis=None, keepdims=False):
        return np.sum(x, axis=axis, keepdims=keepdims)

    def mean(self, x, axis=None):
        return np.mean(x, axis=axis)

    def diagonal(self, x):
        """Diagonal of the last two axes: (..., d, d) -> (..., d)."""
        return np.diagonal(x, axis1=-2, axis2=-1)

    def diag_embed(self, v):
        """(..., d) -> (..., d, d) with ``v`` on the diagonal."""
        out = np.zeros(v.shape + (v.shape[-1],), dtype=v.dtype)
        idx = np.arange(v.shape[-1])
        out[..., idx, idx] = v
        return out

    def transpose(self, x):
        """Swap the last two axes."""
        return np.swapaxes(x, -1, -2)

    def concat(self, xs, axis=-1):
        return np.concatenate(xs, axis=axis)

    def broadcast_to(self, x, shape):
        return np.broadcast_to(x, shape)

    def zeros_like(self, x):
        return np.zeros_like(x)

    # -- sorting ----------------------------------------------------------------------------
    def sort(self, x, axis=-1):
        return np.sort(x, axis=axis)

    def argsort(self, x, axis=-1):
        return np.argsort(x, axis=axis)

    def take_along_axis(self, x, idx, axis=-1):
        return np.take_along_axis(x, idx, axis=axis)

    cumsum = staticmethod(np.cumsum)

    def searchsorted(self, sorted_rows, values):
        """Row-wise ``searchsorted(..., side="left")`` for arrays of shape (..., k) in [0, 1].

        numpy's searchsorted is 1-D only; rows are made disjoint by adding ``2 * row`` (the
        values here are cumulative probabilities in [0, 1]) and searched in one flat call.
        """
        if sorted_rows.ndim == 1:
            return np.searchsorted(sorted_rows, values, side="left")
        lead = sorted_rows.shape[:-1]
        n_rows = int(np.prod(lead))
        offset = 2.0 * np.arange(n_rows, dtype=np.float64).reshape(lead + (1,))
        flat = np.searchsorted((sorted_rows + offset).ravel(), (values + offset).ravel(),
                               side="left")
        k = sorted_rows.shape[-1]
        return flat.reshape(values.shape) - k * np.arange(n_rows).reshape(lead + (1,))

    # -- linear algebra ---------------------------------------------------------------------
    def matmul(self, a, b):
        return a @ b

    def sq_distances(self, A, B):
        """``||a_i - b_j||^2`` as ``|a|^2 + |b|^2 - 2 a.b``, clipped at 0 against round-off.

        In place on one (n, m) buffer: the kernel matrices of MMD are the largest arrays here.
        """
        D = A @ B.T
        D *= -2.0
        D += np.einsum("ij,ij->i", A, A)[:, None]
        D += np.einsum("ij,ij->i", B, B)[None, :]
        np.maximum(D, 0.0, out=D)
        return D

    def cholesky(self, a):
        """Lower Cholesky factor, or None if ``a`` is not (numerically) positive definite."""
        try:
            return np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            return None

    def solve(self, a, b):
        return np.linalg.solve(a, b)


class _TorchNamespace:
    """torch, in the dtype and on the device of the first tensor argument."""

    is_torch = True
    pi = np.pi

    def __init__(self, like):
        import torch

        self.torch = torch
        self.dtype = like.dtype if like.is_floating_point() else torch.get_default_dtype()
        self.device = like.device

    def asarray(self, x):
        t = self.torch
        if isinstance(x, t.Tensor):
            return x if x.dtype == self.dtype and x.device == self.device else x.to(
                dtype=self.dtype, device=self.device)
        return t.as_tensor(np.asarray(x, dtype=np.float64), dtype=self.dtype, device=self.device)

    def all_finite(self, x) -> bool:
        return bool(self.torch.isfinite(x).all()) if isinstance(x, self.torch.Tensor) else \
            bool(np.all(np.isfinite(x)))

    def to_numpy(self, x) -> np.ndarray:
        if not isinstance(x, self.torch.Tensor):
            return np.asarray(x)
        x = x.detach().cpu()
        if x.dtype in (self.torch.bfloat16, self.torch.float16):   # numpy has no bfloat16
            x = x.float()
        return x.numpy()

    def result(self, x):
        return x

    def eps(self, x) -> float:
        return float(self.torch.finfo(x.dtype).eps)

    def log(self, x):
        return self.torch.log(x)

    def exp(self, x):
        return self.torch.exp(x)

    def abs(self, x):
        return self.torch.abs(x)

    def xlogy(self, x, y):
        # Where x = 0 the value is 0 whatever y is, and so should the gradients be:
        # torch.xlogy's gradient there is x / y = 0 / 0 = NaN in y (and log y in x), which
        # poisons a whole backward pass through KL(p || q) with p = q = 0 on one outcome.
        # Evaluating at y = 1 there gives value 0 and gradient 0 in both arguments.
        torch = self.torch
        return torch.xlogy(x, torch.where(x == 0, torch.ones_like(y), y))

    def scale_(self, x, factor):
        return x * factor

    def shift_(self, x, offset):
        return x + offset

    def exp_(self, x):
        return self.torch.exp(x)

    def rsqrt_(self, x):
        return self.torch.rsqrt(x)

    def sum(self, x, axis=None, keepdims=False):
        return x.sum() if axis is None else x.sum(dim=axis, keepdim=keepdims)

    def mean(self, x, axis=None):
        return x.mean() if axis is None else x.mean(dim=axis)

    def diagonal(self, x):
        return self.torch.diagonal(x, dim1=-2, dim2=-1)

    def diag_embed(self, v):
        return self.torch.diag_embed(v)

    def transpose(self, x):
        return x.transpose(-1, -2)

    def concat(self, xs, axis=-1):
        return self.torch.cat(list(xs), dim=axis)

    def broadcast_to(self, x, shape):
        return x.expand(shape)

    def zeros_like(self, x):
        return self.torch.zeros_like(x)

    def sort(self, x, axis=-1):
        return self.torch.sort(x, dim=axis).values

    def argsort(self, x, axis=-1):
        return self.torch.argsort(x, dim=axis)

    def take_along_axis(self, x, idx, axis=-1):
        return self.torch.take_along_dim(x, idx, dim=axis)

    def cumsum(self, x, axis=-1):
        return self.torch.cumsum(x, dim=axis)

    def searchsorted(self, sorted_rows, values):
        return self.torch.searchsorted(sorted_rows.contiguous(), values.contiguous(),
                                       side="left")

    def matmul(self, a, b):
        return a @ b

    def sq_distances(self, A, B):
        """``||a_i - b_j||^2``, out of place so that autograd can differentiate it."""
        sq_a = (A * A).sum(dim=1)[:, None]
        sq_b = (B * B).sum(dim=1)[None, :]
        return self.torch.clamp(sq_a + sq_b - 2.0 * (A @ B.T), min=0.0)

    def cholesky(self, a):
        factor, info = self.torch.linalg.cholesky_ex(a)
        return None if bool((info != 0).any()) else factor

    def solve(self, a, b):
        return self.torch.linalg.solve(a, b)


_NUMPY = _NumpyNamespace()


def namespace(*arrays):
    """The namespace for these inputs: torch if any is a tensor, else numpy.

    Parameters
    ----------
    *arrays : array-like or torch.Tensor or None
        ``None`` entries are ignored.

    Returns
    -------
    xp : namespace object
    """
    for x in arrays:
        if is_tensor(x):
            return _TorchNamespace(x)
    return _NUMPY
