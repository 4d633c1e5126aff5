"""How many threads a fit may use: scikit-learn's ``n_jobs``, applied to numba and to BLAS.

An estimator whose work runs in parallel -- numba ``prange`` loops (the t-SNE and SNE gradients,
Barnes-Hut, the FFT interpolation) or BLAS / OpenMP under NumPy and SciPy (k-means' distance
products, eigensolvers, neighbour searches) -- takes ``n_jobs`` and runs its ``fit`` /
``transform`` inside :func:`n_jobs_limits` (the decorator :func:`limit_threads` does it). The
meaning is scikit-learn's (glossary, "n_jobs"): ``None`` leaves the library defaults (numba's
and the BLAS's own thread counts, set by ``NUMBA_NUM_THREADS`` / ``OMP_NUM_THREADS``), ``1`` is
one thread, ``-1`` all cores, and ``-k`` all but ``k - 1`` cores (joblib's rule
``n_cpus + 1 + n_jobs``). BLAS and OpenMP pools are limited through threadpoolctl. The numba
thread count and the threadpoolctl limits are restored when the block ends, also when it
raises. A count above numba's pool (``numba.config.NUMBA_NUM_THREADS``, fixed at import) is
clipped to the pool for numba; BLAS gets the count asked. numba's count is per thread, so a
fit in one thread does not change another's.
"""

from __future__ import annotations

import functools
import os
from contextlib import contextmanager
from numbers import Integral

from .base import Interval
from .exceptions import ParameterError

__all__ = ["effective_n_jobs", "n_jobs_limits", "limit_threads", "N_JOBS_CONSTRAINT"]


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def effective_n_jobs(n_jobs) -> int | None:
    """The thread count ``n_jobs`` stands for: None stays None (library default), ``k > 0`` is
    ``k``, ``k < 0`` is ``max(1, n_cpus + 1 + k)``; 0 is refused."""
    if n_jobs is None:
        return None
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, Integral) or n_jobs == 0:
        raise ParameterError(f"n_jobs must be None or a non-zero integer (1: one thread, -1: "
                             f"all cores); got {n_jobs!r}.")
    n_jobs = int(n_jobs)
    if n_jobs > 0:
        return n_jobs
    return max(1, _cpu_count() + 1 + n_jobs)


#: The entry of ``_parameter_constraints["n_jobs"]`` every estimator with ``n_jobs`` uses:
#: None or a non-zero integer.
N_JOBS_CONSTRAINT = [None, Interval(Integral, 1, None), Interval(Integral, None, -1)]


@contextmanager
def n_jobs_limits(n_jobs, *, whom=None):
    """Run the block with numba's threads and the BLAS/OpenMP pools limited to ``n_jobs``.

    ``None`` changes nothing. Both settings are restored on exit, also after an exception.
    ``whom`` (e.g. the estimator's class name) prefixes the error for a bad ``n_jobs``.
    """
    try:
        threads = effective_n_jobs(n_jobs)
    except ParameterError as error:
        if whom is None:
            raise
        raise ParameterError(f"{whom}: {error}") from None
    if threads is None:
        yield None
        return
    import numba
    from threadpoolctl import threadpool_limits

    before = numba.get_num_threads()
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    try:
        with threadpool_limits(limits=threads):
            yield threads
    finally:
        numba.set_num_threads(before)


def limit_threads(method):
    """Decorator of an estimator's ``fit`` / ``transform``: runs it inside
    ``n_jobs_limits(self.n_jobs)`` (nested calls, e.g. ``fit_transform`` calling ``fit``, simply
    set the same limits again)."""

    @functools.wraps(method)
    def limited(self, *args, **kwargs):
        with n_jobs_limits(getattr(self, "n_jobs", None), whom=type(self).__name__):
            return method(self, *args, **kwargs)

    return limited
