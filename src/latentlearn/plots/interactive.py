"""Interactive figures: a pannable, zoomable embedding whose points show their label and image.

Built on Bokeh, as umap-learn's ``umap.plot.interactive``: a scatter of 2-D codes with pan, wheel
zoom, box zoom, reset and a hover tool; the hover tooltip shows the point's index, its label and,
for image data, the image itself (a small PNG per point, embedded as a ``data:`` URI). The
figure is returned as a Bokeh model; :func:`interactive_to_json` turns it into the JSON item the
report embeds with BokehJS inlined in the page (no network access). Arrays in, no estimator.
"""

from __future__ import annotations

import base64
import io
import json

import numpy as np

__all__ = ["plot_interactive_embedding", "image_data_uris", "interactive_to_json"]

# A categorical palette (matplotlib's tab10), so the interactive view matches the PNG scatter.
_TAB10 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
          "#7f7f7f", "#bcbd22", "#17becf")


def image_data_uris(images, image_shape, *, scale: int = 1) -> list:
    """One ``data:image/png;base64,...`` URI per row of ``images`` (grey levels, min-max scaled
    per image to 0..255), each ``image_shape`` pixels, enlarged ``scale`` times."""
    from PIL import Image

    images = np.asarray(images, dtype=np.float64)
    shape = tuple(int(s) for s in image_shape)
    uris = []
    for row in images:
        img = row.reshape(shape)
        lo, hi = float(np.min(img)), float(np.max(img))
        grey = np.zeros(img.shape) if hi <= lo else (img - lo) / (hi - lo)
        pil = Image.fromarray(np.round(grey * 255).astype(np.uint8))
        if pil.mode not in ("L", "RGB"):
            pil = pil.convert("L")
        if scale > 1:
            pil = pil.resize((pil.width * scale, pil.height * scale), Image.NEAREST)
        buf = io.BytesIO()
        pil.save(buf, format="PNG")
        uris.append("data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii"))
    return uris


def plot_interactive_embedding(embedding, labels=None, *, images=None, image_shape=None,
                               index=None, title: str = "", image_scale: int = 3,
                               width: int = 640, height: int = 560):
    """A Bokeh scatter of 2-D codes with pan, zoom and a hover tooltip per point.

    Parameters
    ----------
    embedding : array-like of shape (n_points, 2)
    labels : array-like of shape (n_points,), optional
        Shown in the tooltip; a few distinct values (at most 10) also colour the points.
    images : array-like of shape (n_points, n_pixels), optional
        Shown in the tooltip (with ``image_shape``), drawn ``image_scale`` times enlarged.
    index : array-like of shape (n_points,), optional
        The points' row numbers in the data (the tooltip's "row"); default 0..n_points-1.

    Returns
    -------
    bokeh.plotting.figure
    """
    from bokeh.models import ColumnDataSource, HoverTool
    from bokeh.plotting import figure

    emb = np.asarray(embedding, dtype=np.float64)
    if emb.ndim != 2 or emb.shape[1] != 2:
        raise ValueError(f"embedding must have shape (n_points, 2); got {emb.shape}.")
    n = emb.shape[0]
    rows = np.arange(n) if index is None else np.asarray(index)
    data = {"x": emb[:, 0], "y": emb[:, 1], "row": [int(i) for i in rows]}
    if labels is not None:
        labels = np.asarray(labels)
        data["label"] = [str(v) for v in labels]
        distinct = list(dict.fromkeys(data["label"]))
        if len(distinct) <= len(_TAB10):
            colour = {v: _TAB10[i] for i, v in enumerate(sorted(distinct, key=_natural))}
            data["colour"] = [colour[v] for v in data["label"]]
    data.setdefault("colour", [_TAB10[0]] * n)
    tooltip = '<div class="ll-tip"><div>row @row</div>'
    if labels is not None:
        tooltip += "<div>label: <b>@label</b></div>"
    if images is not None and image_shape is not None:
        # PNGs at their own size (small, fast to encode); the browser enlarges them.
        data["image"] = image_data_uris(images, image_shape)
        h, w = (int(s) * int(image_scale) for s in tuple(image_shape)[:2])
        tooltip += (f'<img src="@image" alt="image of row @row" width="{w}" height="{h}" '
                    f'style="image-rendering: pixelated">')
    tooltip += "</div>"
    source = ColumnDataSource(data)
    fig = figure(title=title or None, width=width, height=height, match_aspect=True,
                 tools="pan,wheel_zoom,box_zoom,reset", active_scroll="wheel_zoom",
                 sizing_mode="scale_width")
    renderer = fig.scatter("x", "y", source=source, size=6, fill_color="colour",
                           line_color=None, fill_alpha=0.8, name="points")
    fig.add_tools(HoverTool(tooltips=tooltip, renderers=[renderer]))
    fig.xaxis.axis_label, fig.yaxis.axis_label = "code 1", "code 2"
    return fig


def interactive_to_json(fig) -> str:
    """The Bokeh JSON item of ``fig`` (what ``Bokeh.embed.embed_item`` draws), as text."""
    from bokeh.embed import json_item

    return json.dumps(json_item(fig))


def _natural(v: str):
    try:
        return (0, float(v), "")
    except ValueError:
        return (1, 0.0, v)
