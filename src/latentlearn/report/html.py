"""Self-contained HTML pages: one run (:func:`build_report`), several (:func:`build_comparison`).

A page is one file that needs nothing else: the style sheet is inline, every figure is embedded
as a base64 ``data:`` URI, and a Content-Security-Policy forbids loading anything from
elsewhere, so it can be mailed, archived or opened offline and looks the same. A page with an
interactive figure (a Bokeh JSON item, ``kind: "bokeh"`` in figures.json) carries BokehJS
inline and allows inline scripts only; a page without one has no script at all. Pages are
plain string templates; every piece of text from the run folder goes through
:func:`html.escape`.

Layout: the page is at most 1280 px wide and never scrolls sideways; long tables wrap their
cells and, if still too wide, scroll inside their own box; the comparison shows a figure row
for a title only with the runs that have that figure.
"""

from __future__ import annotations

import html
import json
import math
import numbers
import os
from pathlib import Path

from .. import __version__, fileio
from ..exceptions import ParameterError
from ..metrics import METRIC_INFO
from ._run import RunData, read_run

__all__ = ["build_report", "build_comparison"]

# A figure this many times wider than high (a row of images) gets the full page width.
_WIDE_ASPECT = 2.2

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
# With an interactive figure: BokehJS and the calls that draw its items, inline (no source).
_CSP_SCRIPTS = _CSP + "; script-src 'unsafe-inline'"

_CSS = """
:root { --fg: #1d232b; --muted: #5b6470; --line: #d9dee5; --band: #f4f6f9; --accent: #2f6db5; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff; line-height: 1.45;
       font: 15px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header, main, footer { max-width: 1280px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 28px; border-bottom: 3px solid var(--accent); }
h1 { margin: 0 0 4px; font-size: 26px; }
h2 { margin: 32px 0 12px; font-size: 20px; border-bottom: 1px solid var(--line);
     padding-bottom: 4px; }
h3 { margin: 0 0 8px; font-size: 16px; }
.subtitle { margin: 0 0 16px; color: var(--muted); }
.muted { color: var(--muted); }
table { border-collapse: collapse; margin: 8px 0; }
th, td { text-align: left; vertical-align: top; padding: 6px 12px;
         border-bottom: 1px solid var(--line); overflow-wrap: break-word; }
td.params { min-width: 240px; overflow-wrap: anywhere; }
.meaning { color: var(--muted); font-size: 13px; font-weight: 400; margin-top: 2px;
           min-width: 240px; }
table.metrics td:first-child { width: 380px; min-width: 220px; }
th.num { text-align: right; }
td.num.list { white-space: normal; min-width: 180px; }
/* The metric's name and meaning stay in view while a wide comparison scrolls in its box. */
table.metrics td:first-child, table.metrics th:first-child { position: sticky; left: 0;
                                                             background: #fff; z-index: 1; }
table.metrics thead th:first-child { background: var(--band); }
td.zero { color: #b8bec6; }
thead th { background: var(--band); border-bottom: 2px solid var(--line); }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.best { font-weight: 700; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0; }
dt { font-weight: 600; }
dd { margin: 0; }
.notes { background: #fff6e5; border-left: 4px solid #e0a000; padding: 8px 14px; margin: 16px 0; }
.notes p { margin: 4px 0; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 20px; }
figure { margin: 0; padding: 12px; border: 1px solid var(--line); border-radius: 6px;
         background: #fff; }
figure.wide { grid-column: 1 / -1; }
figure img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption { margin-top: 8px; color: var(--muted); font-size: 14px; }
.missing { padding: 24px; text-align: center; color: var(--muted); background: var(--band); }
.scroll { overflow-x: auto; max-width: 100%; }
.row { display: grid; gap: 16px; margin-bottom: 28px;
       grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); }
.bokeh { width: 100%; max-width: 760px; margin: 0 auto; }
main { overflow-wrap: break-word; }
footer { margin-top: 40px; padding-top: 12px; padding-bottom: 28px;
         border-top: 1px solid var(--line); color: var(--muted); font-size: 13px; }
"""


def build_report(run_dir) -> Path:
    """Write ``run_dir/report.html``, a self-contained page about one run, and return its path.

    Sections: title (method on dataset), the dataset, the method and its parameters, the metrics
    (with a one-line meaning for each known name), the figures of ``figures.json`` with their
    titles and captions, and a footer with the version and time of the run.

    Parameters
    ----------
    run_dir : str or Path
        A run folder: ``config.json`` (required), ``metrics.json``, ``figures.json`` and
        ``figures/`` (optional; without ``figures.json`` every ``figures/*.png`` is shown).

    Returns
    -------
    Path
        The written ``report.html`` (replaced atomically if it existed).

    Raises
    ------
    RunFolderError
        The folder or its ``config.json`` is missing or unreadable.
    """
    run = read_run(run_dir)
    title = f"{run.method} on {run.dataset_name}"
    subtitle = " · ".join(x for x in (
        _text(run.config.get("family"), "family: {}"),
        _text(run.config.get("seed"), "seed: {}"),
    ) if x)
    body = "\n".join([
        _notes(run.notes),
        _dataset_section(run),
        _method_section(run),
        _metrics_section(run),
        _contingency_section(run),
        _figures_section(run),
    ])
    text = page(title, subtitle, body, _footer([run]), interactive=_bokeh_items(run.figures))
    return fileio.write_text(Path(run_dir) / "report.html", text)


def build_comparison(run_dirs, out_path) -> Path:
    """Write one self-contained page comparing several runs side by side; return its path.

    The page holds a table of the runs (one row per run: method, dataset, parameters), a
    metrics table with one column per run (the best value of each score in bold, each metric's
    meaning under its name), and the figures: figures with the same title are placed next to
    each other, only for the runs that have them (a run's interactive views are linked to its
    own report rather than repeated).

    Parameters
    ----------
    run_dirs : sequence of str or Path
        Run folders, in the column order wanted.
    out_path : str or Path
        Where to write the page (atomically).

    Returns
    -------
    Path

    Raises
    ------
    RunFolderError
        A folder or its ``config.json`` is missing or unreadable.
    """
    run_dirs = list(run_dirs)
    if not run_dirs:
        raise ParameterError("build_comparison needs at least one run folder; got none.")
    runs = [read_run(d) for d in run_dirs]
    names = _column_names(runs)
    datasets = list(dict.fromkeys(r.dataset_name for r in runs))
    title = f"{', '.join(dict.fromkeys(r.method for r in runs))} on {', '.join(datasets)}"
    subtitle = f"Comparison of {len(runs)} run{'s' if len(runs) != 1 else ''}"
    notes = [f"{name}: {note}" for name, r in zip(names, runs) for note in r.notes]
    body = "\n".join([
        _notes(notes),
        _runs_table(runs, names),
        _comparison_metrics(runs, names),
        _comparison_figures(runs, names, Path(out_path)),
    ])
    text = page(f"Comparison: {title}", subtitle, body, _footer(runs))
    return fileio.write_text(out_path, text)


# --------------------------------------------------------------------------- page pieces
def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _text(value, template="{}") -> str:
    return "" if value is None or value == "" else template.format(value)


def page(title: str, subtitle: str, body: str, footer: str, interactive=(), *,
         extra_css: str = "") -> str:
    """One self-contained page in the reports' look: the run, comparison and index pages."""
    interactive = list(interactive)
    csp = _CSP_SCRIPTS if interactive else _CSP
    scripts = _bokeh_scripts(interactive) if interactive else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">
<meta name="generator" content="latentlearn {_e(__version__)}">
<link rel="icon" href="data:,">
<title>{_e(title)}</title>
<style>{_CSS}{extra_css}</style>
</head>
<body>
<header>
<h1>{_e(title)}</h1>
<p class="subtitle">{_e(subtitle)}</p>
</header>
<main>
{body}
</main>
<footer>{footer}</footer>
{scripts}</body>
</html>
"""


def _notes(notes) -> str:
    if not notes:
        return ""
    items = "\n".join(f"<p>{_e(n)}</p>" for n in notes)
    return f'<div class="notes" role="note">\n{items}\n</div>'


def _bokeh_items(figures) -> list:
    """``[(element id, JSON text)]`` of the interactive figures that can be drawn."""
    return [(_bokeh_id(i), f.item) for i, f in enumerate(figures)
            if f.kind == "bokeh" and f.item is not None]


def _bokeh_id(i: int) -> str:
    return f"interactive-{i}"


def _script_text(text: str) -> str:
    # Inside <script>, only "</" can end the element early; "<\/" means the same to JS and JSON.
    return text.replace("</", "<\\/")


def _bokeh_scripts(items) -> str:
    """BokehJS inline (no network access: ``bokeh.resources.INLINE``), each item's JSON in a
    ``<script type="application/json">``, and the call that draws it into its ``<div>``."""
    from bokeh.resources import Resources

    library = "\n".join(Resources(mode="inline", components=["bokeh"]).js_raw)
    data = "\n".join(f'<script type="application/json" data-bokeh-target="{_e(target)}">'
                     f"{_script_text(item)}</script>" for target, item in items)
    draw = ("document.querySelectorAll('script[data-bokeh-target]').forEach(function (s) {\n"
            "  Bokeh.embed.embed_item(JSON.parse(s.textContent), s.dataset.bokehTarget);\n"
            "});")
    return f"<script>{_script_text(library)}</script>\n{data}\n<script>{draw}</script>\n"


def _dataset_section(run: RunData) -> str:
    ds = run.dataset
    rows = [("Name", run.dataset_name)]
    n, d = ds.get("n_samples"), ds.get("n_features")
    if n is not None or d is not None:
        rows.append(("Size", f"{_format_count(n)} samples × {_format_count(d)} features"))
    shape = ds.get("image_shape")
    if isinstance(shape, (list, tuple)) and shape:
        rows.append(("Images", " × ".join(str(s) for s in shape) + " pixels"))
    if "has_labels" in ds:
        rows.append(("Labels", "yes (used only for evaluation)" if ds["has_labels"] else "no"))
    items = "\n".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    desc = ds.get("description")
    desc_html = f"<p>{_e(desc)}</p>" if desc else ""
    return (f'<section id="dataset">\n<h2>Dataset</h2>\n<dl>\n{items}\n</dl>\n{desc_html}\n'
            f"</section>")


def _method_section(run: RunData) -> str:
    cfg = run.config
    rows = [("Method", run.method)]
    for key, label in (("family", "Family"), ("seed", "Seed")):
        if cfg.get(key) is not None:
            rows.append((label, cfg[key]))
    if isinstance(cfg.get("duration_s"), numbers.Real):
        rows.append(("Fit time", f"{cfg['duration_s']:.3g} s"))
    items = "\n".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    params = cfg.get("params")
    resolved = cfg.get("resolved_params")
    resolved = resolved if isinstance(resolved, dict) else {}
    if isinstance(params, dict) and params:
        prow = "\n".join(f"<tr><td><code>{_e(k)}</code></td><td><code>"
                         f"{_e(_param_with_resolved(v, k, resolved))}</code></td></tr>"
                         for k, v in params.items())
        table = (f'<table class="params">\n<thead><tr><th>Parameter</th><th>Value</th></tr>'
                 f"</thead>\n<tbody>\n{prow}\n</tbody>\n</table>")
        if any(k in resolved for k in params):
            table += ('\n<p class="muted">"auto → value": the value the fit chose for a '
                      'parameter left to "auto".</p>')
    else:
        table = '<p class="muted">No parameters recorded.</p>'
    return (f'<section id="method">\n<h2>Method</h2>\n<dl>\n{items}\n</dl>\n<h3>Parameters</h3>\n'
            f"{table}\n</section>")


def _metrics_section(run: RunData) -> str:
    if not run.metrics:
        return ('<section id="metrics">\n<h2>Metrics</h2>\n<p class="muted">No metrics were '
                'recorded for this run.</p>\n</section>')
    rows = "\n".join(
        f'<tr><td><code>{_e(name)}</code></td>'
        f'<td class="num{" list" if isinstance(v, (list, tuple)) else ""}">'
        f'{_e(_format_metric(name, v))}'
        f'</td><td>{_e(_meaning(name))}</td></tr>' for name, v in run.metrics.items())
    return (f'<section id="metrics">\n<h2>Metrics</h2>\n<table class="metrics">\n<thead><tr>'
            f"<th>Metric</th><th>Value</th><th>Meaning</th></tr></thead>\n<tbody>\n{rows}\n"
            f"</tbody>\n</table>\n</section>")


def _contingency_section(run: RunData) -> str:
    table = run.contingency
    if not table:
        return ""
    head = "".join(f'<th class="num">{_e(c)}</th>' for c in table["classes"])
    rows = []
    for cluster, counts in zip(table["clusters"], table["counts"]):
        cells = "".join(f'<td class="num{" zero" if c == 0 else ""}">{c:,}</td>' for c in counts)
        rows.append(f"<tr><th>{_e(cluster)}</th>{cells}<td class=\"num\">{sum(counts):,}</td>"
                    f"</tr>")
    totals = [sum(col) for col in zip(*table["counts"])] if table["counts"] else []
    foot = "".join(f'<td class="num">{t:,}</td>' for t in totals)
    body = "\n".join(rows)
    return (f'<section id="contingency">\n<h2>Clusters versus labels</h2>\n'
            f'<p class="muted">How many points of each true label (columns) fell in each cluster '
            f'(rows): the contingency table the adjusted Rand index and the mutual information '
            f'scores are computed from (Hubert & Arabie 1985).</p>\n<div class="scroll">\n'
            f'<table class="contingency">\n<thead><tr><th>cluster \\ label</th>{head}'
            f'<th class="num">total</th></tr></thead>\n<tbody>\n{body}\n</tbody>\n'
            f'<tfoot><tr><th>total</th>{foot}<td class="num">{sum(totals):,}</td></tr></tfoot>\n'
            f"</table>\n</div>\n</section>")


def _figures_section(run: RunData) -> str:
    if not run.figures:
        return ('<section id="figures">\n<h2>Figures</h2>\n<p class="muted">No figures were '
                'saved for this run.</p>\n</section>')
    cards = "\n".join(_figure(f, f.title, allow_wide=True, target=_bokeh_id(i))
                      for i, f in enumerate(run.figures))
    return (f'<section id="figures">\n<h2>Figures</h2>\n<div class="figures">\n{cards}\n</div>\n'
            f"</section>")


def _figure(fig, heading, *, allow_wide=False, target=None, link=None) -> str:
    wide = False
    if fig.kind == "bokeh" and fig.item is not None and target is not None:
        image = f'<div class="bokeh" id="{_e(target)}"></div>'
        wide = allow_wide
    elif fig.kind == "bokeh" and fig.item is not None and link is not None:
        image = (f'<p><a href="{_e(link)}">Open the interactive view in this run\'s '
                 f"report</a>.</p>")
    elif fig.data_uri is not None:
        dims = ""
        if fig.size is not None and min(fig.size) > 0:
            dims = f' width="{fig.size[0]}" height="{fig.size[1]}"'
            wide = allow_wide and fig.size[0] > _WIDE_ASPECT * fig.size[1]
        image = f'<img src="{fig.data_uri}" alt="{_e(fig.title)}"{dims}>'
    else:
        image = f'<div class="missing">{_e(fig.problem or "figure not available")}</div>'
    caption = f"\n<figcaption>{_e(fig.caption)}</figcaption>" if fig.caption else ""
    tag = '<figure class="wide">' if wide else "<figure>"
    return f"{tag}\n<h3>{_e(heading)}</h3>\n{image}{caption}\n</figure>"


def _footer(runs) -> str:
    parts = []
    for r in runs:
        version = r.config.get("latentlearn_version")
        created = r.config.get("created")
        what = f"{r.method} on {r.dataset_name}: " if len(runs) > 1 else "Run "
        bits = [b for b in (_text(created, "created {}"),
                            _text(version, "with latentlearn {}")) if b]
        if bits:
            parts.append(f"<div>{_e(what + ', '.join(bits))}.</div>")
    parts.append(f"<div>Page built by latentlearn {_e(__version__)}; self-contained, "
                 f"it loads nothing from elsewhere.</div>")
    return "\n".join(parts)


# --------------------------------------------------------------------------- comparison
def _column_names(runs) -> list:
    """A header per run: the method, made unique with the dataset or folder name if needed."""
    names = [r.method for r in runs]
    if len(set(names)) < len(names):
        names = [f"{r.method} ({r.dataset_name})" for r in runs]
    if len(set(names)) < len(names):
        names = [f"{r.method} ({r.path.name})" for r in runs]
    if len(set(names)) < len(names):
        names = [f"{n} #{i + 1}" for i, n in enumerate(names)]
    return names


def _runs_table(runs, names) -> str:
    # One row per run: the long parameter lists then wrap in the widest column.
    head = "".join(f"<th>{h}</th>" for h in ("Run", "Family", "Dataset", "Samples", "Seed",
                                             "Fit time", "Parameters"))
    rows = []
    for name, r in zip(names, runs):
        fit_time = (f"{r.config['duration_s']:.3g} s"
                    if isinstance(r.config.get("duration_s"), numbers.Real) else "")
        resolved = r.config.get("resolved_params")
        cells = "".join(f"<td>{_e(v)}</td>" for v in (r.config.get("family", ""),
                                                       r.dataset_name))
        cells += "".join(f'<td class="num">{_e(v)}</td>' for v in (
            _format_count(r.dataset.get("n_samples")), r.config.get("seed", ""), fit_time))
        params = _compact_params(r.config.get("params"),
                                 resolved if isinstance(resolved, dict) else {})
        rows.append(f"<tr><th>{_e(name)}</th>{cells}<td class=\"params\">{_e(params)}</td>"
                    f"</tr>")
    body = "\n".join(rows)
    return (f'<section id="runs">\n<h2>Runs</h2>\n<div class="scroll">\n<table class="runs">\n'
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>\n"
            f"</div>\n</section>")


def _comparison_metrics(runs, names) -> str:
    metric_names = list(dict.fromkeys(k for r in runs for k in r.metrics))
    if not metric_names:
        return ('<section id="metrics">\n<h2>Metrics</h2>\n<p class="muted">No metrics were '
                'recorded for these runs.</p>\n</section>')
    head = "".join(f'<th class="num">{_e(n)}</th>' for n in names)
    rows = []
    for name in metric_names:
        values = [r.metrics.get(name) for r in runs]
        best = _best_index(name, values)
        cells = "".join(
            f'<td class="num{" best" if i in best else ""}'
            f'{" list" if isinstance(v, (list, tuple)) else ""}">'
            f'{_e(_format_metric(name, v)) if name in r.metrics else "—"}</td>'
            for i, (r, v) in enumerate(zip(runs, values)))
        meaning = _meaning(name)
        meaning = f'<div class="meaning">{_e(meaning)}</div>' if meaning else ""
        # The meaning sits under the name, not in a last column that wide tables push away.
        rows.append(f"<tr><td><code>{_e(name)}</code>{meaning}</td>{cells}</tr>")
    body = "\n".join(rows)
    return (f'<section id="metrics">\n<h2>Metrics</h2>\n<div class="scroll">\n'
            f'<table class="metrics">\n<thead><tr><th>Metric</th>{head}</tr>'
            f"</thead>\n<tbody>\n{body}\n</tbody>\n</table>\n</div>\n"
            f'<p class="muted">Bold: the best value of a score across the runs.</p>\n</section>')


def _comparison_figures(runs, names, out_path: Path) -> str:
    # Key by (title, k-th figure of that title in its run), so repeated titles still align.
    per_run = []
    for r in runs:
        seen: dict = {}
        keyed = {}
        for f in r.figures:
            k = seen[f.title] = seen.get(f.title, -1) + 1
            keyed[(f.title, k)] = f
        per_run.append(keyed)
    keys = list(dict.fromkeys(key for keyed in per_run for key in keyed))
    if not keys:
        return ('<section id="figures">\n<h2>Figures</h2>\n<p class="muted">No figures were '
                'saved for these runs.</p>\n</section>')
    blocks = []
    for title, k in keys:
        # Only the runs that have this figure: no placeholder cells (a run's figure list is
        # its own); the cells wrap onto further lines instead of widening the page.
        cells = []
        for name, keyed, r in zip(names, per_run, runs):
            fig = keyed.get((title, k))
            if fig is not None:
                cells.append(_figure(fig, name, link=_relative_link(r.path / "report.html",
                                                                    out_path)))
        heading = title if k == 0 else f"{title} ({k + 1})"
        blocks.append(f'<h3>{_e(heading)}</h3>\n<div class="row">\n' + "\n".join(cells)
                      + "\n</div>")
    return '<section id="figures">\n<h2>Figures</h2>\n' + "\n".join(blocks) + "\n</section>"


def _relative_link(target: Path, page: Path) -> str:
    """``target`` as a link from the page at ``page`` (relative when it can be)."""
    try:
        return Path(os.path.relpath(target.resolve(), page.resolve().parent)).as_posix()
    except ValueError:       # another drive (Windows)
        return target.resolve().as_uri()


def _best_index(name, values) -> set:
    info = METRIC_INFO.get(name)
    if info is None or info.higher_is_better is None:
        return set()
    numeric = [(i, float(v)) for i, v in enumerate(values) if _is_finite_number(v)]
    if len(numeric) < 2:
        return set()
    if len({v for _, v in numeric}) == 1:
        return set()   # all equal: nothing stands out
    target = (max if info.higher_is_better else min)(v for _, v in numeric)
    return {i for i, v in numeric if v == target}


# --------------------------------------------------------------------------- formatting
def _meaning(name: str) -> str:
    info = METRIC_INFO.get(name)
    return info.description if info is not None else ""


def _is_finite_number(v) -> bool:
    return (isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v))


def _format_metric(name: str, value) -> str:
    """A metric value for a reader: counts as integers, scores with 4 significant digits."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{value:,}"
    if isinstance(value, numbers.Real):
        v = float(value)
        if not math.isfinite(v):
            return str(v)
        info = METRIC_INFO.get(name)
        if info is not None and info.higher_is_better is None and v.is_integer():
            return f"{int(v):,}"      # a count stored as a float
        if v == 0:
            return "0"
        if abs(v) >= 1000:
            return f"{v:,.1f}"
        if abs(v) >= 1e-3:
            return f"{v:#.4g}"
        return f"{v:.3e}"
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(_is_finite_number(v) for v in value):
        # A list per latent dimension: each entry as a score (spaces let the cell wrap).
        return "[" + ", ".join(_format_metric(name, v) for v in value) + "]"
    return json.dumps(value)


def _format_count(value) -> str:
    if _is_finite_number(value) and float(value).is_integer():
        return f"{int(value):,}"
    return "?" if value is None else str(value)


def _format_param(value) -> str:
    if value is None or isinstance(value, (bool, str)):
        return str(value)
    return json.dumps(value)


def _param_with_resolved(value, name, resolved) -> str:
    """``"auto → 30.0"`` where the fit resolved an "auto" parameter, else the value."""
    text = _format_param(value)
    return f"{text} → {_format_param(resolved[name])}" if name in resolved else text


def _compact_params(params, resolved=None) -> str:
    if not isinstance(params, dict) or not params:
        return ""
    resolved = resolved or {}
    return ", ".join(f"{k}={_param_with_resolved(v, k, resolved)}" for k, v in params.items())
