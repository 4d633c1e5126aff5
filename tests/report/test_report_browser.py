"""Reports open cleanly in a real browser: no console error, every image decoded.

Headless Chromium is driven through the DevTools protocol over a pipe (see chromium_cdp.py);
the pages are loaded unchanged. Skipped where Chromium is not installed.
"""

import base64
import re

import pytest

from latentlearn.report import build_comparison, build_report

pytestmark = pytest.mark.browser


def assert_clean(check, n_images, title):
    assert check.ready_state == "complete"
    assert check.title == title
    assert check.errors == []
    assert len(check.images) == n_images
    assert check.broken_images == []
    assert all(img["w"] > 0 and img["h"] > 0 for img in check.images)


def test_report_loads_cleanly(run_dir, check_page):
    check = check_page(build_report(run_dir))
    assert_clean(check, 3, "pca on digits")
    assert check.n_tables == 2                                    # parameters, metrics


def test_comparison_loads_cleanly(make_run, tmp_path, check_page):
    runs = [make_run(tmp_path / "pca", "pca"),
            make_run(tmp_path / "nmf", "nmf", figures=("embedding", "components")),
            make_run(tmp_path / "kmeans", "kmeans", figures=("variance",), metrics={})]
    check = check_page(build_comparison(runs, tmp_path / "compare.html"))
    assert_clean(check, 6, "Comparison: pca, nmf, kmeans on digits")


def test_the_checker_sees_what_goes_wrong(tmp_path, check_page):
    """A control: a page with a broken image, a script error and a blocked fetch fails."""
    bad_png = base64.b64encode(b"\x89PNG\r\n\x1a\nnot really").decode()
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>broken</title></head><body>'
        f'<img src="data:image/png;base64,{bad_png}"><img src="missing.png">'
        "<script>console.error('boom'); notDefined();</script></body></html>")
    check = check_page(page)
    assert len(check.broken_images) == 2
    assert any("boom" in e for e in check.errors)
    assert any("notDefined" in e for e in check.errors)
    assert any("missing.png" in e for e in check.errors)


# --------------------------------------------------------------------------- real runs
VIEWPORT = (1280, 900)


@pytest.fixture(scope="module")
def real_comparison(tmp_path_factory):
    """A comparison page of real runs: pca, kmeans and a tiny VAE (2-D code) on 300 digits."""
    import numpy as np

    from latentlearn.datasets import Dataset, load
    from latentlearn.runs import compare_methods

    digits = load("digits")
    data = Dataset(X=digits.X[:300], y=digits.y[:300], image_shape=digits.image_shape,
                   name="digits", description=digits.description)
    out = tmp_path_factory.mktemp("compare")
    page = compare_methods(["pca", "kmeans", "vae"], data, out,
                           {"kmeans": {"n_clusters": 10},
                            "vae": {"epochs": 2, "latent_dim": 2, "hidden_dims": (16,),
                                    "batch_size": 100}}, seed=0)
    assert np.load(out / "vae" / "embedding.npy").shape == (300, 2)
    return page


_LAYOUT_JS = """JSON.stringify({
  scrollWidth: document.scrollingElement.scrollWidth,
  overflowing: Array.from(document.querySelectorAll('main *'))
    .filter(e => e.getBoundingClientRect().right > %(width)d + 0.5)
    .map(e => e.tagName + ' ' + e.textContent.slice(0, 40)),
  meaningRight: Math.max(...Array.from(document.querySelectorAll('main *'))
    .filter(e => e.children.length === 0 && e.textContent.includes(%(meaning)s))
    .map(e => e.getBoundingClientRect().right)),
  figureRight: Math.max(0, ...Array.from(document.querySelectorAll('#figures figure'),
                                          e => e.getBoundingClientRect().right)),
  missing: document.querySelectorAll('.missing').length})"""


def _evaluate(send, expression):
    import json

    res = send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                    "awaitPromise": True})
    assert "exceptionDetails" not in res, res
    return json.loads(res["result"]["value"])


def test_comparison_of_real_runs_fits_1280_px(real_comparison, check_page):
    """No sideways scrolling at 1280 px, and every metric's meaning and every figure is within
    the window (not pushed into a scroll box's hidden part)."""
    import json

    from latentlearn.metrics import METRIC_INFO

    meaning = METRIC_INFO["trustworthiness"].description
    script = _LAYOUT_JS % {"width": VIEWPORT[0], "meaning": json.dumps(meaning[:40])}
    check = check_page(real_comparison, viewport=VIEWPORT,
                       probe=lambda send: _evaluate(send, script))
    assert check.errors == [] and check.broken_images == []
    layout = check.probe
    assert layout["scrollWidth"] <= VIEWPORT[0]
    assert layout["overflowing"] == []                  # nothing hidden in a scroll box
    assert 0 < layout["meaningRight"] <= VIEWPORT[0]     # the meaning column is on screen
    assert 0 < layout["figureRight"] <= VIEWPORT[0]
    assert layout["missing"] == 0                       # no "No such figure" placeholders


# The most isolated point of the interactive view (so that the tooltip shows it alone), its
# position in the window, after scrolling the plot into view.
_POINT_JS = """(async () => {
  const found = [];
  const walk = (v) => {
    if (v.frame) found.push(v);
    for (const c of (v.child_views || [])) walk(c);
  };
  for (const v of Bokeh.index) walk(v);
  const view = found[0];
  view.el.scrollIntoView({block: 'center'});
  await new Promise(r => setTimeout(r, 300));
  const data = Bokeh.documents[0].get_model_by_name('points').data_source.data;
  const sx = Array.from(data.x, x => view.frame.x_scale.compute(x));
  const sy = Array.from(data.y, y => view.frame.y_scale.compute(y));
  let best = 0, bestGap = -1;
  for (let i = 0; i < sx.length; i++) {
    let gap = Infinity;
    for (let j = 0; j < sx.length; j++) {
      if (j !== i) gap = Math.min(gap, Math.hypot(sx[i] - sx[j], sy[i] - sy[j]));
    }
    const inside = sx[i] > 10 && sy[i] > 10 && sx[i] < view.frame.bbox.right - 10
      && sy[i] < view.frame.bbox.bottom - 10;
    if (inside && gap > bestGap) { best = i; bestGap = gap; }
  }
  const box = view.el.getBoundingClientRect();
  return JSON.stringify({x: box.left + sx[best], y: box.top + sy[best], gap: bestGap,
                         row: data.row[best], label: data.label[best], n: sx.length});
})()"""

# Text and images of the page, shadow roots included (Bokeh draws its tooltips in them).
_TOOLTIP_JS = """(async () => {
  await new Promise(r => setTimeout(r, 500));
  const texts = [], images = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) walk(el.shadowRoot);
      if (el.matches('.ll-tip')) texts.push(el.innerText);
      if (el.matches('.ll-tip img')) {
        images.push({src: el.getAttribute('src').slice(0, 22), w: el.naturalWidth,
                     shown: el.getBoundingClientRect().width});
      }
    }
  };
  walk(document);
  return JSON.stringify({texts: texts, images: images});
})()"""


def test_hovering_a_point_shows_its_label_and_image(real_comparison, check_page):
    run_page = real_comparison.parent / "vae" / "report.html"
    text = run_page.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc=", text)          # BokehJS inline, not fetched

    def hover(send):
        point = _evaluate(send, _POINT_JS)
        before = _evaluate(send, _TOOLTIP_JS)
        send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": point["x"] - 40,
                                          "y": point["y"] - 40})
        send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": point["x"],
                                          "y": point["y"]})
        return point, before, _evaluate(send, _TOOLTIP_JS)

    check = check_page(run_page, viewport=VIEWPORT, probe=hover)
    assert check.errors == []
    point, before, after = check.probe
    assert point["n"] == 300 and point["gap"] > 4
    assert not any(t.strip() for t in before["texts"])            # no tooltip before hovering
    shown = [t for t in after["texts"] if t.strip()]
    assert len(shown) == 1, after
    assert f"row {point['row']}" in shown[0]
    assert f"label: {point['label']}" in shown[0]
    from latentlearn.datasets import load

    assert point["label"] == str(load("digits").y[point["row"]])   # the row's true label
    assert after["images"] and after["images"][0]["src"] == "data:image/png;base64,"
    assert after["images"][0]["w"] == 8                           # the 8 x 8 digit...
    assert after["images"][0]["shown"] == 8 * 3                   # ... drawn 3 x enlarged
