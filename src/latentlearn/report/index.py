"""The index page of a folder of reports (what `latentlearn demo` writes): one link to each.

:func:`build_index` writes ``index.html`` in a folder that holds run folders (each with its
``report.html``), a comparison page and any other reports (the variational-Bayes examples). It
lists every run with its family, the rows it was fitted on, its fit time and a note (a subset,
few epochs), names the methods that were not fitted and why, and links every page by a
relative address, so the folder can be moved or archived whole. Like the other pages it is one
self-contained file: inline style, no script, nothing loaded from elsewhere.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

from .. import __version__, fileio
from .html import page

__all__ = ["build_index"]

# The reports' look (latentlearn.report.html), plus the list of links.
_CSS = """
ul.reports { padding-left: 20px; }
ul.reports li { margin: 4px 0; }
.missing { color: #a33; }
"""


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _href(target: Path, folder: Path) -> str:
    """``target`` relative to ``folder``, as a URL path."""
    rel = os.path.relpath(Path(target).resolve(), Path(folder).resolve())
    return "/".join(_e(part) for part in Path(rel).parts)


def _read_json(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _link(target: Path, folder: Path, text: str) -> str:
    if Path(target).is_file():
        return f'<a href="{_href(target, folder)}">{_e(text)}</a>'
    return f'{_e(text)} <span class="missing">(no report was written)</span>'


def _run_row(run_dir: Path, folder: Path, note: str | None) -> str:
    config = _read_json(run_dir / "config.json")
    metrics = _read_json(run_dir / "metrics.json")
    method = config.get("method") or run_dir.name
    dataset = config.get("dataset") if isinstance(config.get("dataset"), dict) else {}
    n = dataset.get("n_samples")
    seconds = metrics.get("fit_time_s", config.get("duration_s"))
    cells = [
        _link(run_dir / "report.html", folder, method),
        _e(config.get("family") or ""),
        f'<td class="num">{n:,}</td>' if isinstance(n, int) else '<td class="num"></td>',
        (f'<td class="num">{seconds:.1f}</td>' if isinstance(seconds, (int, float))
         else '<td class="num"></td>'),
        _e(note or ""),
    ]
    return ("<tr><td>" + cells[0] + "</td><td>" + cells[1] + "</td>" + cells[2] + cells[3]
            + "<td>" + cells[4] + "</td></tr>")


def build_index(folder, run_dirs, *, comparison=None, extra_reports=None, notes=None,
                skipped=None, remarks=(), title="latentlearn reports") -> Path:
    """Write ``folder/index.html`` linking every report under ``folder``; returns its path.

    Parameters
    ----------
    folder : path
        Where the page goes; links are relative to it.
    run_dirs : iterable of path
        Run folders, in the order to list them (each should hold ``report.html``).
    comparison : path, optional
        The comparison page of those runs.
    extra_reports : dict of str -> path, optional
        Other pages to link (``{"Variational Bayes examples": folder / "bayes/report.html"}``).
    notes : dict of str -> str, optional
        A sentence per method name (e.g. "fitted on a random subset of 1,000 points: ...").
    skipped : dict of str -> str, optional
        Methods that were not fitted, and why.
    remarks : iterable of str
        Sentences about all the runs (e.g. how their metrics were computed).
    title : str
    """
    folder = Path(folder)
    run_dirs = [Path(p) for p in run_dirs]
    notes = notes or {}
    reports = []
    if comparison is not None:
        reports.append(_link(Path(comparison), folder,
                             f"Comparison of the {len(run_dirs)} runs side by side"))
    for text, path in (extra_reports or {}).items():
        reports.append(_link(Path(path), folder, text))
    body = []
    remarks = list(remarks)
    if remarks:
        body.append("\n".join(f"<p>{_e(r)}</p>" for r in remarks))
    if reports:
        body.append("<h2>Reports</h2>\n<ul class=\"reports\">\n"
                    + "\n".join(f"<li>{r}</li>" for r in reports) + "\n</ul>")
    rows = "\n".join(_run_row(p, folder, notes.get(p.name)) for p in run_dirs)
    body.append(
        f"<h2>Runs ({len(run_dirs)})</h2>\n<p class=\"muted\">Each method's own report: its "
        f"metrics, figures and settings.</p>\n<table>\n<thead><tr><th>method</th><th>family"
        f"</th><th>rows fitted</th><th>fit time (s)</th><th>note</th></tr></thead>\n<tbody>\n"
        f"{rows}\n</tbody>\n</table>")
    if skipped:
        items = "\n".join(f"<li><strong>{_e(name)}</strong>: {_e(why)}</li>"
                          for name, why in skipped.items())
        body.append(f"<h2>Not fitted ({len(skipped)})</h2>\n<ul class=\"reports\">\n{items}\n"
                    f"</ul>")
    subtitle = (f"{len(run_dirs)} runs"
                + (f", {len(skipped)} method{'s' if len(skipped) != 1 else ''} not fitted"
                   if skipped else "")
                + ". Every page is one self-contained file; the links are relative, so this "
                  "folder can be moved whole.")
    text = page(title, subtitle, "\n".join(body), f"Written by latentlearn {_e(__version__)}.",
                extra_css=_CSS)
    out = folder / "index.html"
    fileio.write_text(out, text)
    return out
