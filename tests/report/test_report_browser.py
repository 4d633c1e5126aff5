"""Reports open cleanly in a real browser: no console error, every image decoded.

Headless Chromium is driven through the DevTools protocol over a pipe (see chromium_cdp.py);
the pages are loaded unchanged. Skipped where Chromium is not installed.
"""

import base64

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
