"""Write the API reference pages (``docs/api/*.rst``) from every public module's ``__all__``.

One page per public package (a dotted path with no part starting with ``_``). A name is
documented once: where a package re-exports it (``latentlearn.cluster.KMeans``), not again under
the submodule that defines it; a submodule's page lists only what its package does not. The
files are build output (ignored by git), rewritten on every build.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import latentlearn

SKIP = {"latentlearn.cli"}  # the command line has its own page (user_guide/cli)


def public_modules() -> list[str]:
    """Dotted names of latentlearn's public modules (no ``_`` part), in walk order."""
    names = ["latentlearn"]
    for info in pkgutil.walk_packages(latentlearn.__path__, "latentlearn."):
        if any(part.startswith("_") for part in info.name.split(".")) or info.name in SKIP:
            continue
        names.append(info.name)
    return sorted(names)


def documented_names() -> dict[str, list[str]]:
    """``module -> [names it documents]`` (its ``__all__`` minus what its package re-exports)."""
    out = {}
    modules = public_modules()
    seen = set()  # ids of classes and functions already documented (runs.Figure is figures')
    for name in modules:
        module = importlib.import_module(name)
        exported = list(getattr(module, "__all__", []))
        parent = name.rpartition(".")[0]
        if parent and parent in modules:
            # Re-exported by the package: the same object under the same name (not merely the
            # same name: latentlearn.load is not latentlearn.datasets.load).
            above = importlib.import_module(parent)
            exported = [n for n in exported if n not in getattr(above, "__all__", [])
                        or getattr(above, n, None) is not getattr(module, n)]
        kept = []
        for n in exported:
            obj = getattr(module, n)
            if callable(obj):
                if id(obj) in seen:
                    continue
                seen.add(id(obj))
            kept.append(n)
        out[name] = kept
    return out


def _shadowed(module: str) -> bool:
    """True when the package exports a name equal to this submodule's (metrics.sample_quality,
    the function, and metrics.sample_quality, the module): the module is then not indexed."""
    parent, _, last = module.rpartition(".")
    return last in getattr(importlib.import_module(parent), "__all__", [])


def _title(text: str, mark: str = "=") -> str:
    return f"{text}\n{mark * len(text)}\n"


def write_api_pages(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    names = documented_names()
    # A page left from a name no longer exported would be an orphan (a warning, so an error).
    expected = {f"{module}.{name}" for module, members in names.items() for name in members}
    for page in (folder / "generated").glob("*.rst"):
        if page.stem not in expected:
            page.unlink()
    top = sorted({m.split(".")[1] if "." in m else "" for m in names})
    pages = []
    for package in top:
        dotted = "latentlearn" + (f".{package}" if package else "")
        members = [m for m in names if m == dotted or m.startswith(dotted + ".")] if package \
            else ["latentlearn"]
        lines = [f".. _api-{package or 'latentlearn'}:", "", _title(f"``{dotted}``"),
                 f".. automodule:: {dotted}", "   :no-members:", ""]
        for module in members:
            if module != dotted:
                lines += [_title(f"``{module}``", "-"), f".. automodule:: {module}",
                          "   :no-members:"]
                lines += ["   :no-index:", ""] if _shadowed(module) else [""]
            if names[module]:
                lines += [f".. currentmodule:: {module}", "", ".. autosummary::",
                          "   :toctree: generated/", "   :nosignatures:", ""]
                lines += [f"   {n}" for n in names[module]] + [""]
        path = folder / f"{package or 'latentlearn'}.rst"
        text = "\n".join(lines)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        pages.append(path)
    index = [_title("API reference"),
             "Every public name of every public module, from its docstring (numpydoc). "
             "Estimators follow the scikit-learn contract: ``fit``, ``transform`` / "
             "``fit_transform`` or ``fit_predict``, ``get_params`` / ``set_params``, "
             "``save`` and :func:`latentlearn.load`.", "", ".. toctree::", "   :maxdepth: 1", ""]
    index += [f"   {p.stem}" for p in pages] + [""]
    text = "\n".join(index)
    path = folder / "index.rst"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return pages


def write_cli_help(path: Path) -> None:
    """The ``--help`` page of ``latentlearn`` and of each command, as rendered (for the CLI
    guide), so that the documented options are the real ones."""
    import re

    import typer
    from typer.testing import CliRunner

    from latentlearn.cli import app

    runner = CliRunner()
    root = typer.main.get_command(app)
    env = {"COLUMNS": "96", "NO_COLOR": "1", "TERM": "dumb"}
    pages = []
    for name in [None, *sorted(getattr(root, "commands", {}))]:
        args = ([name] if name else []) + ["--help"]
        out = runner.invoke(app, args, env=env, prog_name="latentlearn").output
        out = re.sub(r"\x1b\[[0-9;]*m", "", out)
        pages.append(f"$ latentlearn {' '.join(args)}\n{out.rstrip()}\n")
    text = "\n".join(pages)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
