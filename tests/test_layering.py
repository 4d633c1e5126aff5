"""The layers of DESIGN.md, checked on the source: every import of every module (including
imports inside functions), resolved to the module it names, against the rules below.

    cli  >  runs  >  report  >  figures  >  plots          apps: above everything but cli
    estimators (cluster, decomposition, manifold, sne, neighbors, neural, bayes, metrics,
    divergences, datasets) import nothing above them
    no module imports another module's underscore-private name

A failure names the file, the line and the rule it breaks.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import latentlearn

PACKAGE_DIR = Path(latentlearn.__file__).resolve().parent
ROOT = "latentlearn"

ESTIMATORS = {"cluster", "decomposition", "manifold", "sne", "neighbors", "neural", "bayes",
              "metrics", "divergences", "datasets"}
PRESENTATION = {"figures", "plots", "report", "runs", "cli", "apps"}
BASE = {"base", "registry", "persistence", "_linalg", "_checks", "_stages", "_sparse", "_memmap",
        "_dask", "fileio", "exceptions", "_optional", "_method_table", "_threads"}

#: What each layer must not import (by top-level part of latentlearn).
FORBIDDEN = {
    **{pkg: PRESENTATION for pkg in ESTIMATORS},
    **{mod: PRESENTATION for mod in BASE},
    "plots": ESTIMATORS | {"figures", "report", "runs", "cli", "apps"},
    "figures": {"report", "runs", "cli", "apps"},
    "report": {"runs", "cli", "apps"},
    "runs": {"cli", "apps"},
    "apps": {"cli"},
}

#: Underscore-private names a module may import from another module: none. A helper two
#: modules need lives in a shared module made for it (``_linalg.py``, ``_checks.py``, the k-means
#: base); an entry added here and no longer needed fails ``test_allow_list_is_current``.
#: (importing module, module imported from, name)
ALLOWED_PRIVATE_IMPORTS: set[tuple[str, str, str]] = set()


# --------------------------------------------------------------------------- the import graph
def _modules(package_dir: Path = PACKAGE_DIR) -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is a package's __init__)."""
    out = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        out[".".join(parts)] = (path, is_package)
    return out


def imports_of(name: str, path: Path, is_package: bool, modules) -> list[tuple[int, str, str]]:
    """Every ``(line, module, imported name or "")`` that module ``name`` imports from
    latentlearn, relative imports resolved, ``from a import b`` resolved to ``a.b`` when ``b``
    is a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if is_package else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == ROOT or alias.name.startswith(ROOT + "."):
                    found.append((node.lineno, alias.name, ""))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                if node.level - 1 >= len(parts):
                    raise AssertionError(f"{path}:{node.lineno}: relative import above the "
                                         f"package root")
                base = ".".join(parts[:len(parts) - (node.level - 1)])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if not (target == ROOT or target.startswith(ROOT + ".")):
                continue
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                if submodule in modules:
                    found.append((node.lineno, submodule, ""))
                else:
                    found.append((node.lineno, target, alias.name))
    return found


def _layer(module: str) -> str | None:
    """The top-level part of latentlearn a module belongs to (None for the package root)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def layering_violations(package_dir: Path = PACKAGE_DIR, allowed=ALLOWED_PRIVATE_IMPORTS):
    """``(violations, private imports used from the allow-list)``; each violation a line
    ``file:line: rule``."""
    modules = _modules(package_dir)
    violations, allowed_used = [], set()
    for name, (path, is_package) in modules.items():
        layer = _layer(name)
        rel = path.relative_to(package_dir.parent)
        for line, target, imported in imports_of(name, path, is_package, modules):
            to = _layer(target)
            if layer is not None and to is not None and to != layer:
                if to in FORBIDDEN.get(layer, ()):
                    violations.append(f"{rel}:{line}: {layer} imports {target} ({layer} may "
                                      f"not import {to}: DESIGN.md's layers)")
                elif to == "cli" and layer != "__main__":   # `python -m latentlearn` is cli
                    violations.append(f"{rel}:{line}: {layer} imports the command line")
            if imported.startswith("_") and not imported.startswith("__") and target != name:
                key = (name, target, imported)
                if key in allowed:
                    allowed_used.add(key)
                else:
                    violations.append(f"{rel}:{line}: imports the private {imported} of "
                                      f"{target}; move it to a module made for sharing (e.g. "
                                      f"latentlearn/_linalg.py) under a public name")
    return violations, allowed_used


# --------------------------------------------------------------------------- the rules
def test_layers_are_kept():
    violations, _ = layering_violations()
    assert not violations, "layering broken:\n" + "\n".join(violations)


def test_allow_list_is_current():
    _, used = layering_violations()
    stale = sorted(ALLOWED_PRIVATE_IMPORTS - used)
    assert not stale, ("these private imports are gone; delete them from "
                       "ALLOWED_PRIVATE_IMPORTS in tests/test_layering.py:\n"
                       + "\n".join(map(str, stale)))


def test_every_estimator_package_and_layer_is_known():
    """A new top-level package must be placed in a layer here before it can be imported."""
    tops = {_layer(m) for m in _modules() if _layer(m) is not None}
    assert tops <= ESTIMATORS | PRESENTATION | BASE | {"__main__"}, \
        f"unplaced modules: {sorted(tops - ESTIMATORS - PRESENTATION - BASE)}; add them to a " \
        f"layer in tests/test_layering.py (and DESIGN.md)"


_PLANTED = {
    "cluster/bad.py": ("from ..plots import plot_embedding\n", "cluster imports"),
    "plots/bad.py": ("def f():\n    from latentlearn.cluster import KMeans\n", "plots imports"),
    "figures/bad.py": ("from .. import runs\n", "figures imports latentlearn.runs"),
    "report/bad.py": ("import latentlearn.cli\n", "report imports latentlearn.cli"),
    "neural/bad.py": ("from ..apps.neural_evidence import mnist_evidence\n", "neural imports"),
    "manifold/bad.py": ("from ..decomposition.pca import _flip_signs\n", "private _flip_signs"),
    "apps/bad.py": ("from ..cli import app\n", "apps imports latentlearn.cli"),
}


@pytest.mark.parametrize("where", sorted(_PLANTED))
def test_a_planted_violation_is_caught(tmp_path, where):
    """The checker itself: a copy of the package with one bad import fails, naming the file."""
    import shutil

    copy = tmp_path / ROOT
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    code, expected = _PLANTED[where]
    assert layering_violations(copy)[0] == []
    (copy / where).write_text(code)
    violations, _ = layering_violations(copy)
    assert len(violations) == 1 and violations[0].startswith(f"latentlearn/{where}:")
    assert expected in violations[0]


# --------------------------------------------------------------------------- figure makers
def _functions(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def test_figure_makers_live_in_figures_and_are_registered():
    """Every ``figure_*`` in latentlearn.figures is registered; no maker is defined elsewhere
    (runs.py keeps no ``_fig_*``; plots has no ``fig_*``; estimators draw nothing)."""
    import importlib

    from latentlearn.figures import FIGURE_MAKERS

    registered = {e.maker for e in FIGURE_MAKERS.entries(include_optional=True)}
    misplaced, unregistered = [], []
    for name, (path, _) in _modules().items():
        layer = _layer(name)
        where = path.relative_to(PACKAGE_DIR.parent)
        for fn in _functions(path):
            if layer == "figures":
                if (fn.name.startswith("figure_") and fn.col_offset == 0
                        and name != "latentlearn.figures._registry"
                        and getattr(importlib.import_module(name), fn.name) not in registered):
                    unregistered.append(f"{name}.{fn.name}")
            elif fn.name.startswith(("fig_", "_fig_")) or (
                    layer != "plots" and fn.name.startswith("figure_")):
                misplaced.append(f"{where}:{fn.lineno} {fn.name}")
    assert not unregistered, f"figure makers without @figure_maker: {unregistered}"
    assert not misplaced, ("figure makers outside latentlearn/figures (move them there and "
                           "register them with @figure_maker):\n" + "\n".join(misplaced))
