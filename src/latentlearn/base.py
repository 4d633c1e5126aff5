"""Shared estimator floor: parameter tables checked at fit, input validation, mixins.

Every classical estimator in latentlearn follows scikit-learn's contract (STYLE.md): the
constructor stores its arguments and nothing else; ``fit`` starts by checking them against the
class's ``_parameter_constraints`` table and by validating ``X``. This module holds the small
machinery for that, built only on scikit-learn's public API (``sklearn.base`` and
``sklearn.utils.validation``), because its private ``sklearn.utils._param_validation`` moves
between releases.

A table maps each constructor argument to the list of constraints it may satisfy (any one
suffices)::

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None), Interval(Real, 0, 1, closed="neither"), None],
        "solver": [Options({"auto", "covariance_eigh", "full", "randomized"})],
        "random_state": ["random_state"],
    }

Constraint spellings: an :class:`Interval`, an :class:`Options` set, a type (``str``, ``dict``...),
``None``, or one of the strings ``"array-like"``, ``"boolean"``, ``"random_state"``, ``"callable"``.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .exceptions import ParameterError

__all__ = [
    "Interval",
    "Options",
    "check_parameters",
    "describe_constraint",
    "LatentEstimator",
    "GenerativeMixin",
    "check_random_state",
    "check_is_fitted",
    "sparse_capable_methods",
    "sparse_refusal_message",
]


@dataclass(frozen=True)
class Interval:
    """A numeric range: ``Interval(Integral, 1, None)`` is an integer >= 1.

    ``closed`` is one of ``"both"``, ``"left"``, ``"right"``, ``"neither"``; ``None`` as a bound
    means unbounded on that side. ``bool`` is never accepted as a number.
    """

    kind: type
    left: float | None
    right: float | None
    closed: str = "both"

    def accepts(self, value) -> bool:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, self.kind):
            return False
        if self.kind is numbers.Real and not np.isfinite(value):
            return False
        if self.left is not None:
            if self.closed in ("both", "left") and value < self.left:
                return False
            if self.closed in ("right", "neither") and value <= self.left:
                return False
        if self.right is not None:
            if self.closed in ("both", "right") and value > self.right:
                return False
            if self.closed in ("left", "neither") and value >= self.right:
                return False
        return True

    def __str__(self) -> str:
        what = "an integer" if self.kind is numbers.Integral else "a real number"
        lo = "-inf" if self.left is None else repr(self.left)
        hi = "inf" if self.right is None else repr(self.right)
        lb = "[" if self.closed in ("both", "left") and self.left is not None else "("
        rb = "]" if self.closed in ("both", "right") and self.right is not None else ")"
        return f"{what} in {lb}{lo}, {hi}{rb}"


@dataclass(frozen=True)
class Options:
    """A value from a fixed set, e.g. ``Options({"k-means++", "random"})``."""

    values: frozenset

    def __init__(self, values):
        object.__setattr__(self, "values", frozenset(values))

    def accepts(self, value) -> bool:
        try:
            return value in self.values
        except TypeError:  # unhashable value
            return False

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in sorted(self.values, key=str))


def _accepts(constraint, value) -> bool:
    if constraint is None:
        return value is None
    if isinstance(constraint, (Interval, Options)):
        return constraint.accepts(value)
    if constraint == "array-like":
        return not isinstance(value, str) and (hasattr(value, "__len__")
                                               or hasattr(value, "__array__"))
    if constraint == "boolean":
        return isinstance(value, (bool, np.bool_))
    if constraint == "callable":
        return callable(value)
    if constraint == "random_state":
        # What sklearn.utils.check_random_state accepts (a Generator is not among them).
        return value is None or (isinstance(value, (numbers.Integral, np.random.RandomState))
                                 and not isinstance(value, bool))
    if isinstance(constraint, type):
        return isinstance(value, constraint) and not (
            constraint is not bool and isinstance(value, bool))
    raise TypeError(f"unknown parameter constraint {constraint!r}")


def describe_constraint(constraint) -> str:
    """What one entry of a ``_parameter_constraints`` list allows, in words (for errors and
    ``latentlearn methods NAME``)."""
    return _describe(constraint)


def _describe(constraint) -> str:
    if constraint is None:
        return "None"
    if isinstance(constraint, (Interval, Options)):
        return str(constraint)
    if isinstance(constraint, type):
        return f"an instance of {constraint.__name__}"
    return {
        "array-like": "an array-like",
        "boolean": "True or False",
        "callable": "a callable",
        "random_state": "None, an int seed or a numpy RandomState",
    }[constraint]


def check_parameters(estimator) -> None:
    """Check ``estimator``'s parameters against its class's ``_parameter_constraints`` table.

    Raises
    ------
    ParameterError
        Naming the class, the parameter, the value and what is allowed.
    """
    table = getattr(type(estimator), "_parameter_constraints", {})
    params = estimator.get_params(deep=False)
    for name, constraints in table.items():
        value = params[name]
        if any(_accepts(c, value) for c in constraints):
            continue
        allowed = " or ".join(_describe(c) for c in constraints)
        raise ParameterError(
            f"{type(estimator).__name__}: parameter {name}={value!r} is not allowed; "
            f"it must be {allowed}."
        )


class LatentEstimator(BaseEstimator):
    """Base class of latentlearn's classical estimators.

    Adds to ``sklearn.base.BaseEstimator`` the two steps every ``fit`` begins with:
    :meth:`_check_parameters` and :meth:`_validate_X`, and :meth:`save` (the one saved-model
    format, :mod:`latentlearn.persistence`; ``latentlearn.load(folder)`` reads it back).

    A class may declare the kinds of its fitted attributes that are not arrays, which loading
    then enforces, e.g. ``_fitted_attribute_kinds = {"n_components_": ("int",)}``, and that it
    takes sparse input, ``_accepts_sparse = True``.
    """

    _parameter_constraints: dict = {}
    _fitted_attribute_kinds: dict = {}
    #: True where ``fit`` (and ``transform``/``predict``) take scipy.sparse input without
    #: densifying it; read by ``_validate_X``, the estimator tags and
    #: :func:`sparse_capable_methods`.
    _accepts_sparse: bool = False

    def save(self, folder):
        """Save this fitted estimator to ``folder``: config.json + weights.safetensors.

        Written atomically, with the SHA-256 of the tensor file recorded in config.json;
        ``latentlearn.load(folder)`` rebuilds it and verifies every file. Never a pickle.

        Returns
        -------
        pathlib.Path
            ``folder``.
        """
        from .persistence import save_estimator

        return save_estimator(self, folder)

    def _check_parameters(self) -> None:
        check_parameters(self)

    def _validate_X(self, X, *, reset=True, min_samples=1, dtype=(np.float64, np.float32),
                    copy=False, accept_sparse=None):
        """Validate ``X`` as scikit-learn does (NaN/inf, 2-D, n_features_in_), plus a sample floor.

        ``min_samples`` gives a clear message when a method needs more rows than it was given.
        ``accept_sparse=None`` follows the class's ``_accepts_sparse`` tag: a sparse ``X`` (any
        scipy format) comes back as CSR there, and elsewhere raises a ``TypeError`` that names
        the methods which take sparse input (:func:`sparse_capable_methods`).
        """
        if accept_sparse is None:
            accept_sparse = "csr" if type(self)._accepts_sparse else False
        if accept_sparse is False:
            self._refuse_sparse(X)
        X = validate_data(self, X, reset=reset, dtype=dtype, copy=copy,
                          accept_sparse=accept_sparse, ensure_min_samples=1)
        if isinstance(X, np.ndarray) and not X.flags.c_contiguous:
            # A DataFrame's values come column-major; in C order every method gives a
            # DataFrame the result it gives the same numbers as an array (t-SNE's rounding
            # differs by memory layout, and its optimisation amplifies that).
            X = np.ascontiguousarray(X)
        if X.shape[0] < min_samples:
            raise ValueError(
                f"{type(self).__name__} needs at least {min_samples} samples, got "
                f"n_samples = {X.shape[0]}; pass more rows of X."
            )
        return X

    def _refuse_sparse(self, X) -> None:
        """Raise the one ``TypeError`` for a sparse ``X`` (for a ``fit`` that validates ``X``
        without :meth:`_validate_X`, e.g. together with ``y``)."""
        if sparse.issparse(X):
            raise TypeError(sparse_refusal_message(type(self).__name__))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = bool(type(self)._accepts_sparse)
        return tags


def sparse_capable_methods() -> list[str]:
    """Registered names of the methods whose ``fit`` takes a ``scipy.sparse`` matrix.

    The single source is each class's ``_accepts_sparse = True`` (one line per estimator);
    the list is what the error for a sparse ``X`` given to any other method names.
    """
    from .registry import list_methods

    return [m.name for m in list_methods(kind="classical")
            if getattr(m.cls, "_accepts_sparse", False)]


def sparse_refusal_message(who: str) -> str:
    """The error text for a sparse ``X`` given to ``who``, a method that needs dense data."""
    capable = ", ".join(sparse_capable_methods()) or "none"
    return (
        f"{who} needs dense data, but X is a scipy sparse matrix, which it cannot take "
        f"without densifying. Methods that take sparse input: {capable}. If the dense "
        "matrix fits in memory (n_samples * n_features * 8 bytes), pass X.toarray()."
    )


class GenerativeMixin:
    """Estimators that can draw new samples and decode interpolations between inputs.

    Subclasses implement ``sample(n_samples, random_state=None) -> (n_samples, n_features)`` and
    ``interpolate(x1, x2, steps) -> (steps, n_features)``. The report and the CLI look for these
    methods to draw sample and interpolation grids.
    """

    _is_generative = True


def as_2d_float(X, *, name="X"):
    """A public helper for functions (not estimators): ``X`` as a finite 2-D float array."""
    return check_array(X, dtype=(np.float64, np.float32), input_name=name)
