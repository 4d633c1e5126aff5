"""Loader options: coerce command-line strings to typed values, and check values.

The command line passes dataset options as strings (``--set n_samples=500``). A loader's
signature already says what each option is (its annotation, else its default), so
:func:`coerce_options` converts each string to that type: ``"500"`` -> ``500``,
``"0.1"`` -> ``0.1``, ``"true"`` -> ``True``, ``"none"`` -> ``None``, ``"28,28"`` or
``"28x28"`` -> ``(28, 28)``. Values that are not strings are passed through untouched (the loader
checks them). An option the loader does not take is an error naming the ones it does.

Also here: the small parameter checks the loaders share (:func:`check_int`, :func:`check_real`)
and :func:`make_rng`, which turns ``random_state`` into a numpy ``Generator``.
"""

from __future__ import annotations

import difflib
import inspect
import numbers
import types
import typing

import numpy as np

from ..exceptions import ParameterError

__all__ = ["coerce_options", "loader_options", "check_int", "check_real", "make_rng", "seed_record"]

_NONE_WORDS = {"none", "null"}
_TRUE_WORDS = {"true", "yes", "on"}
_FALSE_WORDS = {"false", "no", "off"}

# Conversions are tried in this order whatever order the annotation lists its types in, so that
# "none" is None, "true" is a bool, "3" an int before a float, and text only falls back to str.
_ORDER = (type(None), bool, int, float, tuple, str)


def loader_options(func, *, skip: int = 0) -> dict:
    """The options ``func`` takes, as ``{name: default}`` in signature order.

    Parameters
    ----------
    func : callable
        A loader, generator or file reader.
    skip : int, default=0
        How many leading positional parameters are not options (1 for a file reader's path).
    """
    params = list(inspect.signature(func).parameters.values())[skip:]
    return {
        p.name: (None if p.default is inspect.Parameter.empty else p.default)
        for p in params
        if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    }


def coerce_options(func, options: dict, *, what: str, skip: int = 0) -> dict:
    """Check option names against ``func``'s signature and convert string values to its types.

    Parameters
    ----------
    func : callable
        The loader the options are for.
    options : dict
        ``{name: value}``; string values are converted, other values are passed through.
    what : str
        How to name the loader in an error message (``"dataset 'swiss_roll'"``).
    skip : int, default=0
        Leading positional parameters of ``func`` that are not options.

    Returns
    -------
    dict
        The options with converted values.

    Raises
    ------
    ParameterError
        For an option ``func`` does not take (naming the ones it does), or a string that
        cannot be converted to the option's type.
    """
    allowed = loader_options(func, skip=skip)
    try:
        hints = typing.get_type_hints(func)
    except Exception:  # an annotation that does not evaluate: fall back to the defaults' types
        hints = {}
    out = {}
    for key, value in options.items():
        if key not in allowed:
            close = difflib.get_close_matches(key, list(allowed), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            names = ", ".join(allowed) if allowed else "none"
            if key == "mmap":  # data larger than memory: say which files can be mapped
                hint = (" mmap=True memory-maps .npy files and reads .parquet files by row "
                        "groups; save the array with np.save(path, X) (a 2-D float32 or "
                        "float64 table) to map it.")
            raise ParameterError(
                f"{what} has no option {key!r}.{hint} Its options are: {names}."
            )
        if isinstance(value, str):
            annotation = hints.get(key, inspect.Parameter.empty)
            value = _coerce(key, value, annotation, allowed[key], what)
        out[key] = value
    return out


def _candidate_types(annotation, default) -> list:
    """The types (and parametrised tuples) a value of this annotation may take."""
    if annotation is inspect.Parameter.empty:
        if default is None:
            return [type(None), str]
        if isinstance(default, tuple):
            return [tuple[type(default[0]), ...] if default else tuple[str, ...]]
        return [type(default)]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        found = []
        for arg in typing.get_args(annotation):
            found.extend(_candidate_types(arg, None))
        return found
    if annotation is None:
        return [type(None)]
    return [annotation]


def _rank(t) -> int:
    base = typing.get_origin(t) or t
    return _ORDER.index(base) if base in _ORDER else len(_ORDER)


def _convert(text: str, t, *, digits_as_bool: bool = True):
    """``text`` as type ``t``; ValueError if it is not one.

    ``"1"`` and ``"0"`` read as booleans only when the option cannot also be an integer.
    """
    s = text.strip()
    low = s.lower()
    base = typing.get_origin(t) or t
    if t is type(None):
        if low in _NONE_WORDS:
            return None
    elif t is bool:
        if low in _TRUE_WORDS or (digits_as_bool and low == "1"):
            return True
        if low in _FALSE_WORDS or (digits_as_bool and low == "0"):
            return False
    elif t is int:
        return int(s)
    elif t is float:
        return float(s)
    elif base is tuple:
        return _convert_tuple(s, t)
    elif t is str:
        return text
    raise ValueError(text)


def _convert_tuple(s: str, t) -> tuple:
    args = typing.get_args(t)
    if s[:1] in "([" and s[-1:] in ")]":
        s = s[1:-1]
    parts = [p for p in (q.strip() for q in s.split(",")) if p != ""]
    if len(parts) == 1 and "x" in parts[0].lower():  # "64x64"
        parts = [p.strip() for p in parts[0].lower().split("x")]
    if not args or (len(args) == 2 and args[1] is Ellipsis):
        element_types = [args[0] if args else str] * len(parts)
    else:
        if len(parts) != len(args):
            raise ValueError(s)
        element_types = list(args)
    out = []
    for part, element in zip(parts, element_types):
        candidates = sorted(_candidate_types(element, None), key=_rank)
        for c in candidates:
            try:
                out.append(_convert(part, c))
                break
            except (ValueError, TypeError):
                continue
        else:
            raise ValueError(s)
    return tuple(out)


def _describe(t) -> str:
    if t is type(None):
        return "none"
    base = typing.get_origin(t) or t
    if base is tuple:
        args = typing.get_args(t)
        if len(args) == 2 and args[1] is Ellipsis:
            return f"a comma-separated list of {_describe(args[0])}"
        if args:
            nouns = {int: "integers", float: "numbers"}
            noun = nouns[args[0]] if len(set(args)) == 1 and args[0] in nouns else "values"
            example = ",".join("28" if a is int else "0.5" if a is float else "a" for a in args)
            return f"{len(args)} comma-separated {noun} (e.g. {example})"
        return "a comma-separated list"
    if t is bool:
        return "true or false"
    if typing.get_origin(t) in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(t))
    names = {int: "an integer", float: "a number", str: "text"}
    return names.get(t, getattr(t, "__name__", str(t)))


def _coerce(key, text, annotation, default, what):
    candidates = sorted(_candidate_types(annotation, default), key=_rank)
    if not candidates:
        return text
    digits_as_bool = int not in candidates
    for t in candidates:
        try:
            return _convert(text, t, digits_as_bool=digits_as_bool)
        except (ValueError, TypeError):
            continue
    allowed = " or ".join(dict.fromkeys(_describe(t) for t in candidates))
    raise ParameterError(f"{what}: option {key}={text!r} must be {allowed}.")


def check_int(name: str, value, *, minimum: int | None = None, maximum: int | None = None,
              allow_none: bool = False):
    """``value`` as a Python int; ParameterError naming the option if it is not one in range."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and float(value).is_integer() and not isinstance(
                value, (bool, np.bool_)):
            value = int(value)
        else:
            raise ParameterError(f"option {name}={value!r} must be an integer.")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ParameterError(f"option {name}={value} must be at least {minimum}.")
    if maximum is not None and value > maximum:
        raise ParameterError(f"option {name}={value} must be at most {maximum}.")
    return value


def check_real(name: str, value, *, minimum: float | None = None, strict: bool = False):
    """``value`` as a finite float >= ``minimum`` (> if ``strict``); ParameterError otherwise."""
    if (isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real)
            or not np.isfinite(value)):
        raise ParameterError(f"option {name}={value!r} must be a finite number.")
    value = float(value)
    if minimum is not None and (value < minimum or (strict and value == minimum)):
        relation = "greater than" if strict else "at least"
        raise ParameterError(f"option {name}={value} must be {relation} {minimum}.")
    return value


def make_rng(random_state) -> np.random.Generator:
    """A numpy ``Generator`` from ``None``, an int seed, a ``Generator`` or a ``RandomState``.

    The same int seed always gives the same stream, so the same data, bit for bit.
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, (bool, np.bool_)) or not isinstance(random_state, numbers.Integral):
        raise ParameterError(
            f"option random_state={random_state!r} must be None, an int seed or a numpy Generator."
        )
    if random_state < 0:
        raise ParameterError(f"option random_state={random_state} must be a non-negative int.")
    return np.random.default_rng(int(random_state))


def seed_record(random_state):
    """``random_state`` as recorded in ``Dataset.extras["params"]``: an int, None, or its repr."""
    if random_state is None or (isinstance(random_state, numbers.Integral)
                                and not isinstance(random_state, bool)):
        return None if random_state is None else int(random_state)
    return repr(random_state)
