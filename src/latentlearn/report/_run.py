"""Reading a run folder for the report: strict about config.json, forgiving about the rest.

A run without a readable ``config.json`` is not a run (we would not know what was fitted), so it
is an error. Everything else is optional: a missing or unreadable ``metrics.json`` or
``figures.json``, or a figure file that is gone, becomes a note on the page instead.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import DataError

logger = logging.getLogger(__name__)

__all__ = ["RunFolderError", "RunData", "FigureData", "read_run"]

_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


class RunFolderError(DataError):
    """A run folder that is missing, or whose config.json is missing or corrupt."""


@dataclass
class FigureData:
    """One figure of a run: its text, and its image as a data URI (None if it cannot be shown)."""

    title: str
    caption: str
    file: str
    data_uri: str | None = None
    problem: str | None = None
    size: tuple | None = None      # (width, height) in pixels, when the header tells (PNG)
    kind: str = "png"              # "png" (an image) or "bokeh" (an interactive view)
    item: str | None = None        # kind="bokeh": the Bokeh JSON item, as text


@dataclass
class RunData:
    """What the report shows of one run folder."""

    path: Path
    config: dict
    metrics: dict = field(default_factory=dict)
    figures: list = field(default_factory=list)
    notes: list = field(default_factory=list)   # problems a reader should know about
    contingency: dict | None = None   # clusters x classes counts (contingency.json), if any

    @property
    def method(self) -> str:
        return str(self.config.get("method", "?"))

    @property
    def dataset(self) -> dict:
        ds = self.config.get("dataset")
        return ds if isinstance(ds, dict) else {}

    @property
    def dataset_name(self) -> str:
        return str(self.dataset.get("name") or "unnamed data")


def read_run(run_dir) -> RunData:
    """Read ``run_dir``; raise :class:`RunFolderError` if it has no usable config.json."""
    path = Path(run_dir)
    if not path.is_dir():
        raise RunFolderError(f"run folder {path} does not exist (or is not a folder); pass the "
                             f"folder written by `latentlearn fit`, which holds config.json.")
    config = _read_config(path / "config.json")
    run = RunData(path=path, config=config)
    run.metrics = _read_metrics(path / "metrics.json", run.notes)
    _read_metric_info(path / "metric_info.json", run.notes)
    run.figures = _read_figures(path, run.notes)
    run.contingency = _read_contingency(path / "contingency.json", run.notes)
    return run


def _read_contingency(file: Path, notes: list) -> dict | None:
    """``{"clusters": [...], "classes": [...], "counts": [[...]]}`` or None."""
    table = _read_json(file, notes, "the cluster-versus-label table")
    if table is None:
        return None
    try:
        counts = [[int(c) for c in row] for row in table["counts"]]
        clusters, classes = list(table["clusters"]), list(table["classes"])
        if len(counts) != len(clusters) or any(len(row) != len(classes) for row in counts):
            raise ValueError("its counts do not match its clusters and classes")
    except (KeyError, TypeError, ValueError) as exc:
        notes.append(f"{file.name} is not a cluster-versus-label table ({exc}); not shown.")
        return None
    return {"clusters": clusters, "classes": classes, "counts": counts}


def _read_metric_info(file: Path, notes: list) -> None:
    """Meanings of a run's own metrics (``metric_info.json``), added to the shared table.

    Methods whose metrics the built-in table does not know write their meanings beside the
    numbers, so a report rebuilt later (``latentlearn report DIR``) still explains them.
    """
    from ..metrics.summary import METRIC_INFO, MetricInfo

    if not file.is_file():
        return
    info = _read_json(file, notes, "metric descriptions")
    if not isinstance(info, dict):
        return
    for name, entry in info.items():
        if isinstance(entry, dict) and isinstance(entry.get("description"), str):
            METRIC_INFO.setdefault(name, MetricInfo(entry["description"],
                                                    entry.get("higher_is_better")))


def _read_config(file: Path) -> dict:
    if not file.is_file():
        raise RunFolderError(f"{file} is missing, so {file.parent} is not a complete run folder; "
                             f"run the method again (e.g. `latentlearn fit ...`) to rewrite it.")
    try:
        config = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RunFolderError(f"{file} is not valid JSON ({exc}); the file is corrupt or was "
                             f"edited by hand. Fix it, or run the method again to rewrite "
                             f"it.") from exc
    if not isinstance(config, dict):
        raise RunFolderError(f"{file} must hold a JSON object with at least a \"method\" key; "
                             f"it holds a {type(config).__name__}. Run the method again to "
                             f"rewrite it.")
    if not isinstance(config.get("method"), str) or not config["method"]:
        raise RunFolderError(f"{file} has no \"method\" name; it is not a latentlearn run "
                             f"config. Run the method again to rewrite it.")
    return config


def _read_json(file: Path, notes: list, what: str):
    """The parsed file, or None (with a note unless the file is simply absent)."""
    if not file.is_file():
        return None
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, OSError) as exc:
        logger.warning("could not read %s: %s", file, exc)
        notes.append(f"{file.name} could not be read ({exc}); {what} not shown.")
        return None


def _read_metrics(file: Path, notes: list) -> dict:
    metrics = _read_json(file, notes, "metrics")
    if metrics is None:
        return {}
    if not isinstance(metrics, dict):
        notes.append(f"{file.name} does not hold a name -> value object; metrics not shown.")
        return {}
    return metrics


def _read_figures(run_dir: Path, notes: list) -> list:
    entries = _read_json(run_dir / "figures.json", notes, "its figure titles")
    if entries is None:
        # No list of figures: show whatever the figures folder holds, in name order.
        folder = run_dir / "figures"
        files = sorted(folder.glob("*.png")) if folder.is_dir() else []
        entries = [{"file": f"figures/{f.name}", "title": f.stem.replace("_", " ").capitalize()}
                   for f in files]
    elif not isinstance(entries, list):
        notes.append("figures.json does not hold a list of figures; figures not shown.")
        entries = []
    figures = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            notes.append(f"figures.json entry {i} has no \"file\"; skipped.")
            continue
        fig = FigureData(title=str(entry.get("title") or Path(entry["file"]).stem),
                         caption=str(entry.get("caption") or ""), file=entry["file"])
        if entry.get("kind") == "bokeh":
            fig.kind = "bokeh"
            fig.item, fig.problem = _bokeh_item(run_dir, entry["file"])
        else:
            fig.data_uri, fig.problem, fig.size = _data_uri(run_dir, entry["file"])
        figures.append(fig)
    return figures


def _inside(run_dir: Path, rel: str):
    """``(resolved file, None)`` for a file inside the run folder, else ``(None, reason)``."""
    root = run_dir.resolve()
    file = (root / rel).resolve()
    if not file.is_relative_to(root):
        return None, f"{rel} lies outside the run folder; not embedded."
    if not file.is_file():
        return None, f"{rel} is missing."
    return file, None


def _bokeh_item(run_dir: Path, rel: str):
    """``(JSON text, None)`` of a Bokeh item (an interactive figure), else ``(None, reason)``."""
    file, problem = _inside(run_dir, rel)
    if file is None:
        return None, problem
    try:
        text = file.read_text(encoding="utf-8")
        item = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"{rel} could not be read ({exc})."
    if not isinstance(item, dict) or "doc" not in item:
        return None, f"{rel} is not a Bokeh JSON item."
    return text, None


def _data_uri(run_dir: Path, rel: str):
    """``(data URI, None, (width, height) or None)`` for an image inside the run folder, else
    ``(None, reason, None)``."""
    file, problem = _inside(run_dir, rel)
    if file is None:
        return None, problem, None
    try:
        data = file.read_bytes()
    except OSError as exc:
        return None, f"{rel} could not be read ({exc}).", None
    mime = next((m for magic, m in _IMAGE_MAGIC if data.startswith(magic)), None)
    if mime is None and file.suffix.lower() == ".svg" and b"<svg" in data[:4096]:
        mime = "image/svg+xml"
    if mime is None:
        return None, f"{rel} is not a PNG, JPEG, GIF or SVG image.", None
    size = None
    if mime == "image/png" and data[12:16] == b"IHDR":
        size = (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"))
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}", None, size
