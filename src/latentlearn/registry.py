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
from dataclasses import dataclass

from .exceptions import UnknownNameError

__all__ = ["MethodInfo", "register", "get_method", "list_methods", "classical_estimators",
           "name_of"]

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
    hint = f" Did you mean {', '.join(close)}?" if close else ""
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
