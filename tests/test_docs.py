"""The documentation site: it builds with warnings as errors, the API reference holds every
public name, and the gallery covers every family with examples that use only public names.

The default suite builds without running the gallery (``-D plot_gallery=0``); the ``slow`` test
runs every example as ``make docs`` does. The build tests skip when Sphinx, numpydoc or
sphinx-gallery is not installed (the ``docs`` extra).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
GUIDE = DOCS / "user_guide"

# Each family of the user guide (issue 17, item 5) and its page.
FAMILIES = {
    "clustering": "clustering", "decomposition": "decomposition", "manifold learning": "manifold",
    "SNE / t-SNE": "sne", "graphs and neighbours": "neighbors", "variational Bayes": "bayes",
    "neural (AE / VAE family, disentanglement)": "neural",
    "generators and sample quality": "generators",
    "contrastive embeddings, seeing through water": "contrastive",
    "divergences": "divergences", "metrics": "metrics", "CLI and run folders": "cli",
}
EXAMPLE_REF = re.compile(r":ref:`sphx_glr_auto_examples_(plot_\w+)\.py`")


def _examples() -> list[Path]:
    return sorted(EXAMPLES.glob("plot_*.py"))


def _sphinx_build(out: Path, *options: str) -> subprocess.CompletedProcess:
    for name in ("sphinx", "numpydoc", "sphinx_gallery"):
        pytest.importorskip(name)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), MPLBACKEND="Agg", OMP_NUM_THREADS="1",
               MKL_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q",
               "-d", str(out / "doctrees"), *options, str(DOCS), str(out / "html")]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)


def _documented_objects() -> tuple[dict, set, list]:
    """What the API pages document: ids of callables, and (module, name) of constants."""
    sys.path.insert(0, str(DOCS))
    try:
        import _api
    finally:
        sys.path.remove(str(DOCS))
    callables, constants = {}, set()
    for module, names in _api.documented_names().items():
        mod = importlib.import_module(module)
        for name in names:
            obj = getattr(mod, name)
            if callable(obj):
                callables[id(obj)] = f"{module}.{name}"
            else:
                constants.add((module, name))
    return callables, constants, _api.public_modules()


def test_api_reference_covers_every_public_name():
    callables, constants, modules = _documented_objects()
    assert len(modules) > 50 and len(callables) > 300
    missing = []
    for module in modules:
        mod = importlib.import_module(module)
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if callable(obj):
                if id(obj) not in callables:
                    missing.append(f"{module}.{name}")
            elif not {(module, name), (module.rpartition(".")[0], name)} & constants:
                missing.append(f"{module}.{name}")
    assert not missing, f"public names with no API page: {missing}"


def test_every_family_has_a_guide_page_and_an_example():
    examples = {p.stem for p in _examples()}
    referenced = set()
    for family, page in FAMILIES.items():
        path = GUIDE / f"{page}.rst"
        assert path.is_file(), f"no user-guide page for {family} ({path})"
        text = path.read_text(encoding="utf-8")
        sections = {"cli": ("Pitfalls",),
                    "contrastive": ("When to use it", "Pitfalls", "References")}.get(
            page, ("What it does", "Mathematics", "When to use it", "Pitfalls", "References"))
        for section in sections:
            assert section in text, f"{page}: no {section!r}"
        assert page == "cli" or ".. math::" in text, f"{page}: no math directive"
        refs = set(EXAMPLE_REF.findall(text))
        assert refs, f"the {family} page links no gallery example"
        assert refs <= examples, f"{page} links missing examples: {refs - examples}"
        referenced |= refs
    assert examples <= referenced, f"examples no guide page links: {examples - referenced}"
    index = (GUIDE / "index.rst").read_text(encoding="utf-8")
    assert all(re.search(rf"^\s+{page}$", index, re.M) for page in FAMILIES.values())


def test_examples_have_a_title_and_import_only_public_names():
    assert len(_examples()) >= len(FAMILIES)
    bad = []
    for path in _examples():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        doc = ast.get_docstring(tree)
        assert doc and re.match(r".+\n=+\n", doc), f"{path.name}: no gallery title"
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [(alias.name, None) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules = [(node.module, alias.name) for alias in node.names]
            else:
                continue
            for module, name in modules:
                if module.split(".")[0] != "latentlearn":
                    continue
                if any(part.startswith("_") for part in module.split(".")):
                    bad.append(f"{path.name}: private module {module}")
                    continue
                if name is None:
                    continue
                mod = importlib.import_module(module)
                public = getattr(mod, "__all__", None)
                is_module = hasattr(mod, "__path__") and \
                    importlib.util.find_spec(f"{module}.{name}") is not None
                if name.startswith("_") or (public is not None and name not in public
                                            and not is_module):
                    bad.append(f"{path.name}: {name} is not public in {module}")
    assert not bad, "\n".join(bad)


def test_docs_build_with_warnings_as_errors(tmp_path):
    result = _sphinx_build(tmp_path, "-D", "plot_gallery=0")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    html = tmp_path / "html"
    for page in ["index", "api/index", "auto_examples/index",
                 *(f"user_guide/{p}" for p in FAMILIES.values())]:
        assert (html / f"{page}.html").is_file(), page
    for name in ["latentlearn.cluster.KMeans", "latentlearn.sne.TSNE", "latentlearn.neural.VAE",
                 "latentlearn.divergences.kl_divergence", "latentlearn.load"]:
        assert (html / "api" / "generated" / f"{name}.html").is_file(), name
    gallery = (html / "auto_examples" / "index.html").read_text(encoding="utf-8")
    for path in _examples():
        assert f"{path.stem}.html" in gallery, path.name
    kmeans = (html / "api" / "generated" / "latentlearn.cluster.KMeans.html").read_text()
    assert "Lloyd 1982" in kmeans and "fit_predict" in kmeans
    cli = (html / "user_guide" / "cli.html").read_text(encoding="utf-8")
    assert "latentlearn fit --help" in cli  # the help pages rendered at build time


@pytest.mark.slow
def test_docs_build_with_the_gallery_run(tmp_path):
    result = _sphinx_build(tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    for path in _examples():
        page = (tmp_path / "html" / "auto_examples" / f"{path.stem}.html").read_text()
        assert "sphx-glr-script-out" in page or "sphx-glr-single-img" in page, path.name
