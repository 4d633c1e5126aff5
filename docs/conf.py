"""Sphinx configuration of the latentlearn documentation (built offline by ``make docs``).

Sphinx + numpydoc + sphinx-gallery, the scikit-learn and openTSNE convention. The API reference
is generated at build time from every public module's ``__all__`` (see ``_api.py``), so a name
added to an ``__all__`` appears in the reference without editing these files. Nothing here
reaches the network: no intersphinx, no remote images.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(DOCS))

os.environ.setdefault("MPLBACKEND", "Agg")
for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(name, "1")

import latentlearn  # noqa: E402

import _api  # noqa: E402

project = "latentlearn"
author = "the latentlearn developers"
copyright = "the latentlearn developers, BSD-3-Clause"
release = version = latentlearn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip", "auto_examples/*.json",
                    "auto_examples/*.md5", "sg_execution_times.rst"]
templates_path = ["_templates"]
root_doc = "index"

# Gallery pages of examples that no longer exist would be orphans (a warning, so an error).
for _stale in (DOCS / "auto_examples").glob("plot_*"):
    if not (ROOT / "examples" / (_stale.name.split(".")[0] + ".py")).exists():
        _stale.unlink()
# The timing table is rewritten whenever examples run; a stale one may list removed examples.
for _stale in (DOCS / "auto_examples" / "sg_execution_times.rst", DOCS / "sg_execution_times.rst"):
    _stale.unlink(missing_ok=True)

# The API pages: written from the ``__all__`` lists, then autosummary writes one page per name.
_api.write_api_pages(DOCS / "api")
_api.write_cli_help(DOCS / "api" / "cli_help.txt")
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": False}
autodoc_typehints = "none"
autoclass_content = "class"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks = set()

# Offline: the pages load MathJax from its default location only when a reader opens them; the
# build itself fetches nothing.
html_theme = "alabaster"
html_static_path = []
html_title = f"latentlearn {release}"
html_theme_options = {
    "description": "Unsupervised representation learning",
    "fixed_sidebar": True,
    "page_width": "1180px",
    "sidebar_width": "240px",
}
html_sidebars = {"**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]}

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": str(DOCS / "auto_examples"),
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "matplotlib_animations": False,
    "backreferences_dir": "api/generated/backreferences",
    "doc_module": ("latentlearn",),
    "show_memory": False,
    "first_notebook_cell": None,
    "within_subsection_order": "FileNameSortKey",
}

# Training loops in the examples are short; their progress callbacks and library warnings
# (a tiny network that has not converged) would only clutter the gallery pages.
warnings.filterwarnings("ignore", category=UserWarning, module="torch")


# --- docstring hooks (the build's side only; the docstrings themselves stay as written) -------

import inspect  # noqa: E402
import re  # noqa: E402

# A bare word ending in "_" (``n_features_in_``, ``components_``) is a hyperlink reference in
# reStructuredText; in these docstrings it always means the fitted attribute, so it is escaped.
_TRAILING_UNDERSCORE = re.compile(r"(?<![\w`*\\|:])([A-Za-z]\w*)_(?=[\s,.;:)\]}'\"]|$)")
_LITERAL_SPAN = re.compile(r"(``.*?``|:\w+:`.*?`|`[^`]*`_?)")


def _escape_line(line: str) -> str:
    parts = _LITERAL_SPAN.split(line)
    return "".join(p if i % 2 else _TRAILING_UNDERSCORE.sub(r"\1\\_", p)
                   for i, p in enumerate(parts))


def _escape_attribute_names(lines: list[str]) -> None:
    literal_indent = None
    for i, line in enumerate(lines):
        indent = len(line) - len(line.lstrip())
        if literal_indent is not None:
            if line.strip() and indent <= literal_indent:
                literal_indent = None
            else:
                continue
        if line.rstrip().endswith("::") or line.lstrip().startswith(".. "):
            literal_indent = indent
        lines[i] = _escape_line(line)


def _process_docstring(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", None) or ""
    if what in ("function", "class", "method") and module and not module.startswith("latentlearn"):
        # Re-exported from a dependency (scikit-learn's check_is_fitted): point there instead
        # of rendering a docstring written for that project's own site.
        lines[:] = [f"Re-exported from ``{module}.{getattr(obj, '__qualname__', name)}``; "
                    "see that project's documentation."]
        return
    doc = getattr(type(obj), "__doc__", None)
    type_doc = [ln.strip() for ln in doc.splitlines() if ln.strip()] \
        if isinstance(doc, str) else []
    own = [ln.strip() for ln in lines if ln.strip()]
    if what in ("data", "attribute") and own and type_doc and not inspect.isclass(obj) and \
            not inspect.isroutine(obj) and all(line in own[:12] for line in type_doc[:3]):
        lines[:] = []  # a constant with no docstring of its own: not its type's docstring
        return
    _escape_attribute_names(lines)


def _skip_member(app, what, name, obj, skip, options):
    """Document a class's own members and those from latentlearn bases, not those of
    scikit-learn's or torch's base classes (``get_params``, ``zero_grad``...)."""
    if what != "class" or skip:
        return None
    owner = getattr(obj, "__objclass__", None)
    qualname = getattr(obj, "__qualname__", "") or ""
    module = getattr(obj, "__module__", None)
    if isinstance(obj, property):
        module = getattr(obj.fget, "__module__", None)
    if module is not None and not str(module).startswith("latentlearn"):
        return True
    if owner is not None and not owner.__module__.startswith("latentlearn"):
        return True
    return None


def setup(app):
    app.connect("autodoc-process-docstring", _process_docstring, priority=400)
    app.connect("autodoc-skip-member", _skip_member)
