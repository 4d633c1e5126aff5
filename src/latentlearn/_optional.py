"""Optional dependencies: import one, or say which extra of latentlearn installs it.

``pip install latentlearn`` installs the classical core (numpy, SciPy, scikit-learn, numba,
matplotlib...); the extras declared in pyproject.toml bring the rest::

    pip install 'latentlearn[neural]'    # torch: the neural models (autoencoders, VAEs, GANs)
    pip install 'latentlearn[parquet]'   # pyarrow: reading .parquet files
    pip install 'latentlearn[ot]'        # POT: exact optimal transport (network simplex)
    pip install 'latentlearn[dask]'      # dask[distributed]: PCA and KMeans on dask arrays
    pip install 'latentlearn[all]'       # all of them

Every place that needs one of these imports it through :func:`require`, which names the extra
when the package is missing; ``tests/test_optional.py`` checks that each extra named here exists
in pyproject.toml and lists the package it guards.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

from .exceptions import MissingExtraError

__all__ = ["require", "is_available", "distribution_of"]

#: Importable module -> the distribution on PyPI that provides it, where the names differ.
DISTRIBUTIONS = {"ot": "POT"}


def distribution_of(module: str) -> str:
    """The PyPI distribution that installs top-level ``module`` (``"ot"`` -> ``"POT"``)."""
    top = module.split(".")[0]
    return DISTRIBUTIONS.get(top, top)


def require(module: str, *, extra: str, what: str):
    """Import ``module`` and return it; if it is not installed, raise an error naming ``extra``.

    Parameters
    ----------
    module : str
        The module to import (``"torch"``, ``"pyarrow.parquet"``, ``"ot"``).
    extra : str
        The extra of latentlearn that installs it (an entry of pyproject.toml's
        ``[project.optional-dependencies]``).
    what : str
        The part of latentlearn that needs it, for the message ("torch is needed for the
        neural models").

    Raises
    ------
    latentlearn.exceptions.MissingExtraError
        An ``ImportError`` saying ``pip install 'latentlearn[EXTRA]'``. A package that is
        installed but fails to import (a missing library of its own) raises its own error.
    """
    top = module.split(".")[0]
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name not in (top, module) and not (exc.name or "").startswith(top + "."):
            raise  # the package is there but one of its own dependencies is not
        raise MissingExtraError(
            f"{distribution_of(module)} is needed for {what} but is not installed; install it with "
            f"`pip install 'latentlearn[{extra}]'` (or `pip install 'latentlearn[all]'` for "
            f"every optional part).", name=top) from None


def is_available(module: str) -> bool:
    """Whether ``module`` can be imported, found without importing it (cheap)."""
    top = module.split(".")[0]
    if top in sys.modules:
        return sys.modules[top] is not None
    try:
        return importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        return False
