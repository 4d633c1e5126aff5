"""Name -> estimator class, for the command line, the report and model loading.

Estimators register themselves where they are defined::

    @register("pca", family="decomposition")
    class PCA(...): ...

The CLI and the report never branch on a method's name; they look it up here and then ask the
estimator what it can do (``transform``, ``predict``, ``sample``...). A family's module is listed
in ``_FAMILY_MODULES`` so that listing every method imports it; a new family adds one line there.

Looking one name up imports only the module that defines it, found in the table of
:mod:`latentlearn._method_table` (name -> ``"module:Class"``, family, kind, summary), and
:func:`method_summaries` lists every method from that table without importing any estimator, so
that ``latentlearn methods`` answers at once and needs no torch. ``tests/test_registry_table.py``
keeps the table equal to the registry; ``python scripts/update_method_table.py`` rewrites it.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import re
from dataclasses import dataclass

from ._method_table import METHOD_TABLE
from ._optional import is_available
from .exceptions import MissingExtraError, UnknownNameError

__all__ = ["MethodInfo", "MethodSummary", "ParameterInfo", "register", "get_method",
           "list_methods", "method_summaries", "classical_estimators", "name_of",
           "describe_parameters"]

# Imported by list_methods(); a family whose extra is not installed is left out.
_FAMILY_MODULES = (
    "latentlearn.decomposition",
    "latentlearn.cluster",
    "latentlearn.manifold",
    "latentlearn.sne",
    "latentlearn.bayes",
    "latentlearn.neural.estimators",
)

#: Package prefix -> (module it needs, the extra of latentlearn that installs it).
_FAMILY_EXTRAS = {"latentlearn.neural": ("torch", "neural")}


@dataclass(frozen=True)
class MethodInfo:
    """One registered method.

    Attributes
    ----------
    name : str
        The name used on the command line (``latentlearn fit pca``).
    cls : type
        The estimator class.
    family : str
        ``"decomposition"``, ``"cluster"``, ``"manifold"``, ``"sne"``, ``"neural"``...
    kind : str
        ``"classical"`` (scikit-learn contract, covered by the shared estimator checks) or
        ``"neural"``.
    """

    name: str
    cls: type
    family: str
    kind: str = "classical"

    @property
    def summary(self) -> str:
        doc = (self.cls.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""


@dataclass(frozen=True)
class MethodSummary:
    """One method as ``latentlearn methods`` lists it, known without importing its module.

    Attributes
    ----------
    name, family, kind, summary : str
        As in :class:`MethodInfo` (``summary`` is the first line of the class docstring).
    location : str
        ``"module:Class"``, where the class is defined.
    extra : str or None
        The extra of latentlearn the method needs (``"neural"``), or None for the core.
    available : bool
        Whether what it needs is installed.
    """

    name: str
    family: str
    kind: str
    summary: str
    location: str
    extra: str | None = None
    available: bool = True


_REGISTRY: dict[str, MethodInfo] = {}
_loaded = False


def register(name: str, *, family: str, kind: str = "classical"):
    """Class decorator: make ``cls`` available under ``name``."""

    def decorate(cls):
        if name in _REGISTRY and _REGISTRY[name].cls is not cls:
            raise RuntimeError(f"method name {name!r} is registered twice")
        _REGISTRY[name] = MethodInfo(name=name, cls=cls, family=family, kind=kind)
        return cls

    return decorate


def _extra_of(module: str) -> tuple[str, str] | None:
    for prefix, needs in _FAMILY_EXTRAS.items():
        if module == prefix or module.startswith(prefix + "."):
            return needs
    return None


def _load_all() -> None:
    global _loaded
    if not _loaded:
        for module in _FAMILY_MODULES:
            try:
                importlib.import_module(module)
            except MissingExtraError:
                if _extra_of(module) is None:
                    raise
        _loaded = True


def _key(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def get_method(name: str) -> MethodInfo:
    """The registered method called ``name``; a clear error listing close names otherwise.

    Imports only the module that defines it (:mod:`latentlearn._method_table`). A method whose
    extra is not installed raises :class:`~latentlearn.exceptions.MissingExtraError` (an
    ``ImportError``) naming the extra.
    """
    key = _key(name)
    if key not in _REGISTRY and key in METHOD_TABLE:
        importlib.import_module(METHOD_TABLE[key][0].partition(":")[0])
    if key not in _REGISTRY:
        _load_all()
    if key in _REGISTRY:
        return _REGISTRY[key]
    known = sorted(set(_REGISTRY) | set(METHOD_TABLE))
    close = difflib.get_close_matches(key, known, n=3)
    hint = (f" Did you mean {', '.join(close)}?" if close
            else " No registered name is close to it.")
    raise UnknownNameError(
        f"unknown method {name!r}.{hint} Run `latentlearn methods` to list them "
        f"({', '.join(known)})."
    )


def list_methods(kind: str | None = None) -> list[MethodInfo]:
    """Every registered method (of one ``kind`` if given), sorted by family then name.

    Imports every family; one whose extra is not installed (the neural models without torch)
    is left out. :func:`method_summaries` lists them all without importing any.
    """
    _load_all()
    infos = [m for m in _REGISTRY.values() if kind is None or m.kind == kind]
    return sorted(infos, key=lambda m: (m.family, m.name))


def method_summaries() -> list[MethodSummary]:
    """Every method, sorted by family then name, without importing an estimator module.

    From the table of :mod:`latentlearn._method_table`, plus any method registered at run time
    (a user's own ``@register``); each says which extra it needs and whether that is installed.
    """
    rows = {}
    for name, (location, family, kind, summary) in METHOD_TABLE.items():
        needs = _extra_of(location.partition(":")[0])
        rows[name] = MethodSummary(name, family, kind, summary, location,
                                   extra=needs[1] if needs else None,
                                   available=needs is None or is_available(needs[0]))
    for name, info in _REGISTRY.items():
        if name not in rows:
            rows[name] = MethodSummary(name, info.family, info.kind, info.summary,
                                       f"{info.cls.__module__}:{info.cls.__qualname__}")
    return sorted(rows.values(), key=lambda m: (m.family, m.name))


def name_of(cls: type) -> str:
    """The name ``cls`` is registered under (what a saved model's config.json records)."""
    for attempt in range(2):
        for info in _REGISTRY.values():
            if info.cls is cls:
                return info.name
        if attempt == 0:
            _load_all()
    raise UnknownNameError(f"{cls.__name__} is not a registered latentlearn method; only "
                           f"registered estimators can be saved; register the class with "
                           f"@latentlearn.registry.register(\"my_name\", family=...).")


def classical_estimators() -> list[type]:
    """The classes the shared scikit-learn estimator checks run over."""
    return [m.cls for m in list_methods(kind="classical")]


# --------------------------------------------------------------------------------------------
# One method's parameters, for `latentlearn methods NAME`
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ParameterInfo:
    """One constructor parameter of a registered method.

    Attributes
    ----------
    name : str
        The parameter's name (``n_components``).
    default : str
        ``repr`` of its default, or ``"(required)"`` when it has none.
    allowed : str
        What values it accepts, from the class's ``_parameter_constraints`` (``Options`` values,
        ``Interval`` bounds, types), or the docstring's type line where the table has no entry.
    meaning : str
        The first sentence of its description in the class docstring's numpydoc Parameters
        section; empty when the docstring does not describe it.
    """

    name: str
    default: str
    allowed: str
    meaning: str


_SECTION_RULE = re.compile(r"^-{3,}\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(`\"'])")


def _numpydoc_parameters(doc: str | None) -> dict[str, tuple[str, str]]:
    """``{name: (type line, description)}`` from a numpydoc ``Parameters`` section.

    A small reader of the numpydoc layout (a section title underlined with dashes; ``name : type``
    lines at the section's indentation, the description indented below); anything it cannot
    read gives an empty result rather than an error.
    """
    lines = inspect.cleandoc(doc or "").splitlines()
    start = None
    for i in range(len(lines) - 1):
        if lines[i].strip() == "Parameters" and _SECTION_RULE.match(lines[i + 1].strip()):
            start = i + 2
            break
    if start is None:
        return {}
    indent = None
    entries: dict[str, tuple[str, list[str]]] = {}
    current = None
    for i in range(start, len(lines)):
        line = lines[i]
        if i + 1 < len(lines) and line.strip() and _SECTION_RULE.match(lines[i + 1].strip()):
            break  # the next section
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip())
        if indent is None:
            indent = depth
        if depth <= indent:
            if depth < indent:
                break
            head, _, kind = line.strip().partition(":")
            names = [n.strip().lstrip("*") for n in head.split(",") if n.strip()]
            current = [kind.strip(), []]
            for name in names:
                entries[name] = current
        elif current is not None:
            current[1].append(line.strip())
    return {name: (kind, " ".join(text)) for name, (kind, text) in entries.items()}


_MARKUP = re.compile(r":\w+:`~?([^`]*)`|``([^`]*)``")


def _first_sentence(text: str) -> str:
    """The first sentence of a description, without reST markup (``x``, :meth:`x`)."""
    text = _MARKUP.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2),
                       text.strip())
    return _SENTENCE_END.split(text, maxsplit=1)[0] if text else ""


def describe_parameters(name: str) -> list[ParameterInfo]:
    """The constructor parameters of method ``name``, in signature order.

    Raises
    ------
    latentlearn.exceptions.UnknownNameError
        ``name`` is not registered (the message lists close names and every known one).
    """
    from .base import describe_constraint

    cls = get_method(name).cls
    table = getattr(cls, "_parameter_constraints", {}) or {}
    docs = _numpydoc_parameters(cls.__doc__)
    rows = []
    for param in inspect.signature(cls).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        default = "(required)" if param.default is param.empty else repr(param.default)
        kind, text = docs.get(param.name, ("", ""))
        if param.name in table:
            allowed = " or ".join(describe_constraint(c) for c in table[param.name])
        else:
            allowed = kind.split(", default")[0].strip()
        rows.append(ParameterInfo(param.name, default, allowed, _first_sentence(text)))
    return rows
