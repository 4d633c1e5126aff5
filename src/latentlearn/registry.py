"""Name -> estimator class, for the command line, the report and model loading.

Estimators register themselves where they are defined::

    @register("pca", family="decomposition")
    class PCA(...): ...

The CLI and the report never branch on a method's name; they look it up here and then ask the
estimator what it can do (``transform``, ``predict``, ``sample``...). A family's module is listed
in ``_FAMILY_MODULES`` so that looking a name up imports it; a new family adds one line there.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import re
from dataclasses import dataclass

from .exceptions import UnknownNameError

__all__ = ["MethodInfo", "ParameterInfo", "register", "get_method", "list_methods",
           "classical_estimators", "name_of", "describe_parameters"]

# Imported on first lookup so that `import latentlearn` stays light.
_FAMILY_MODULES = (
    "latentlearn.decomposition",
    "latentlearn.cluster",
    "latentlearn.manifold",
    "latentlearn.sne",
    "latentlearn.bayes",
    "latentlearn.neural",
)


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


def _load_all() -> None:
    global _loaded
    if not _loaded:
        for module in _FAMILY_MODULES:
            importlib.import_module(module)
        _loaded = True


def get_method(name: str) -> MethodInfo:
    """The registered method called ``name``; a clear error listing close names otherwise."""
    _load_all()
    key = name.strip().lower().replace("-", "_")
    if key in _REGISTRY:
        return _REGISTRY[key]
    close = difflib.get_close_matches(key, _REGISTRY, n=3)
    hint = (f" Did you mean {', '.join(close)}?" if close
            else " No registered name is close to it.")
    raise UnknownNameError(
        f"unknown method {name!r}.{hint} Run `latentlearn methods` to list them "
        f"({', '.join(sorted(_REGISTRY))})."
    )


def list_methods(kind: str | None = None) -> list[MethodInfo]:
    """Every registered method (of one ``kind`` if given), sorted by family then name."""
    _load_all()
    infos = [m for m in _REGISTRY.values() if kind is None or m.kind == kind]
    return sorted(infos, key=lambda m: (m.family, m.name))


def name_of(cls: type) -> str:
    """The name ``cls`` is registered under (what a saved model's config.json records)."""
    _load_all()
    for info in _REGISTRY.values():
        if info.cls is cls:
            return info.name
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
