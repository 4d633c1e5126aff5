"""The optional dependencies: :func:`latentlearn._optional.require` and pyproject's extras.

Every import guard in the source (a call ``require("module", extra="EXTRA", ...)``) must name an
extra that pyproject.toml declares and that lists the module's distribution; ``all`` must bring
every guarded extra and ``dev`` (what ``make demo`` / ``make test`` install) all of ``all``; the
core dependencies must hold none of the guarded packages; every package the source imports must
be declared somewhere.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

import latentlearn
from latentlearn import registry
from latentlearn._optional import distribution_of, is_available, require
from latentlearn.exceptions import LatentLearnError, MissingExtraError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

PACKAGE_DIR = Path(latentlearn.__file__).resolve().parent
ROOT = PACKAGE_DIR.parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
EXTRAS = PYPROJECT["optional-dependencies"]


def _name(requirement: str) -> str:
    """The canonical distribution name of a requirement string (PEP 503)."""
    name = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement).group(1)
    return re.sub(r"[-_.]+", "-", name).lower()


def expand(extra: str, seen=()) -> set[str]:
    """The distributions ``pip install 'latentlearn[EXTRA]'`` adds, self-references followed."""
    out = set()
    for requirement in EXTRAS[extra]:
        inner = re.fullmatch(r"\s*latentlearn\[([^\]]*)\]\s*", requirement)
        if inner:
            for name in inner.group(1).split(","):
                assert name.strip() in EXTRAS, f"{extra} refers to a missing extra {name!r}"
                if name.strip() not in seen:
                    out |= expand(name.strip(), seen + (extra,))
        else:
            out.add(_name(requirement))
    return out


def import_guards() -> list[tuple[str, int, str, str]]:
    """``(file, line, module, extra)`` of every ``require(...)`` call in the package."""
    found = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "require"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                extra = {k.arg: k.value for k in node.keywords}.get("extra")
                assert isinstance(extra, ast.Constant), f"{path}:{node.lineno}: extra= literal"
                found.append((str(path.relative_to(ROOT)), node.lineno, node.args[0].value,
                              extra.value))
    return found


GUARDS = import_guards()


def test_the_guards_are_found():
    assert {(module, extra) for _, _, module, extra in GUARDS} >= {
        ("torch", "neural"), ("torch.nn", "neural"), ("pyarrow", "parquet"), ("ot", "ot")}


@pytest.mark.parametrize("where, line, module, extra", GUARDS,
                         ids=[f"{g[0]}:{g[1]}" for g in GUARDS])
def test_each_guard_names_an_extra_that_installs_its_package(where, line, module, extra):
    assert extra in EXTRAS, f"{where}:{line} names extra {extra!r}; pyproject has {list(EXTRAS)}"
    assert _name(distribution_of(module)) in expand(extra), \
        f"{where}:{line}: extra {extra!r} ({EXTRAS[extra]}) does not list {module}'s package"


def test_family_extras_of_the_registry_exist():
    for module, extra in registry._FAMILY_EXTRAS.values():
        assert _name(distribution_of(module)) in expand(extra)


def test_core_is_lean_and_all_brings_every_extra_and_dev_all():
    core = {_name(r) for r in PYPROJECT["dependencies"]}
    guarded = {_name(distribution_of(module)) for _, _, module, _ in GUARDS}
    assert guarded == {"torch", "pyarrow", "pot", "dask"}
    assert not core & guarded, core & guarded
    assert expand("all") >= guarded | {d for _, _, _, extra in GUARDS for d in expand(extra)}
    assert expand("dev") >= expand("all")
    # the two make commands install .[dev], hence everything
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "-e '.[dev]'" in makefile


def test_every_imported_package_is_declared():
    """Each third-party module the source imports (at the top or inside a function) belongs to
    a core dependency or an extra: a new import cannot slip in undeclared."""
    declared = {_name(r) for r in PYPROJECT["dependencies"]}
    for extra in EXTRAS:
        declared |= expand(extra) if extra != "dev" else set()
    providers = packages_distributions()
    undeclared = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in ("latentlearn", "__future__"):
                    continue
                dists = {_name(d) for d in providers.get(top, [top])}
                if not dists & declared:
                    undeclared.append(f"{path.relative_to(ROOT)}:{node.lineno} {name} "
                                      f"({', '.join(sorted(dists))})")
    assert not undeclared, undeclared


def test_license_file_is_bsd_3_clause():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("BSD 3-Clause License")
    assert "Copyright (c) 2026, the latentlearn developers" in text
    assert "Neither the name of the copyright holder" in text
    assert PYPROJECT["license"] == "BSD-3-Clause" and PYPROJECT["license-files"] == ["LICENSE"]


def test_readme_shows_the_pip_way_beside_the_make_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    assert "pip install latentlearn " in readme
    for extra in {extra for _, _, _, extra in GUARDS} | {"all"}:
        assert f"pip install 'latentlearn[{extra}]'" in readme, extra


# ------------------------------------------------------------------------------ require itself
def test_require_returns_the_module():
    import json

    assert require("json", extra="neural", what="x") is json


def test_require_missing_module_names_the_extra():
    with pytest.raises(MissingExtraError) as caught:
        require("no_such_module_xyz.sub", extra="neural", what="the things")
    assert isinstance(caught.value, ImportError) and isinstance(caught.value, LatentLearnError)
    assert str(caught.value).startswith("no_such_module_xyz is needed for the things but is "
                                        "not installed")
    assert "`pip install 'latentlearn[neural]'`" in str(caught.value)
    assert caught.value.name == "no_such_module_xyz"


def test_require_leaves_a_broken_package_s_own_error(tmp_path, monkeypatch):
    """A package that is installed but misses a dependency of its own is not "not installed"."""
    (tmp_path / "half_installed_pkg").mkdir()
    (tmp_path / "half_installed_pkg" / "__init__.py").write_text("import no_such_dependency_q\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError) as caught:
        require("half_installed_pkg", extra="neural", what="x")
    assert not isinstance(caught.value, MissingExtraError)
    assert caught.value.name == "no_such_dependency_q"


def test_is_available(monkeypatch):
    assert is_available("json") and is_available("numpy.linalg")
    assert not is_available("no_such_module_xyz")
    monkeypatch.setitem(sys.modules, "hidden_module_q", None)
    assert not is_available("hidden_module_q")


def test_distribution_of():
    assert distribution_of("ot") == "POT" and distribution_of("torch.nn") == "torch"
