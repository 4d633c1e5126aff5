"""The index page of a folder of reports (report/index.py)."""

import json
import re

from latentlearn.report.index import build_index


def _run(folder, method, n, seconds, report=True):
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({
        "method": method, "family": "cluster", "dataset": {"n_samples": n}}))
    (folder / "metrics.json").write_text(json.dumps({"fit_time_s": seconds}))
    if report:
        (folder / "report.html").write_text("<html></html>")
    return folder


def test_index_links_every_report_relatively(tmp_path):
    out = tmp_path / "demo"
    runs = [_run(out / "kmeans", "kmeans", 5000, 1.25), _run(out / "mds", "mds", 1000, 9.5),
            _run(out / "broken", "broken", 10, 0.1, report=False)]
    (out / "report.html").write_text("<html></html>")
    (out / "bayes").mkdir()
    (out / "bayes" / "report.html").write_text("<html></html>")
    page = build_index(out, runs, comparison=out / "report.html",
                       extra_reports={"Variational <Bayes>": out / "bayes" / "report.html"},
                       notes={"mds": "fitted on a random subset of 1,000 points"},
                       skipped={"vb_linear_regression": "a regression model"},
                       title="a demo")
    assert page == out / "index.html"
    text = page.read_text()
    links = re.findall(r'href="([^"]+)"', text)
    assert [link for link in links if link != "data:,"] == [
        "report.html", "bayes/report.html", "kmeans/report.html", "mds/report.html"]
    assert "broken" in text and "no report was written" in text
    assert "Variational &lt;Bayes&gt;" in text  # escaped
    assert "5,000" in text and "1,000" in text and "9.5" in text
    assert "fitted on a random subset of 1,000 points" in text
    assert "vb_linear_regression" in text and "a regression model" in text
    assert "Not fitted (1)" in text and "Runs (3)" in text
    # self-contained: nothing loaded from elsewhere, no script
    assert "<script" not in text and "http" not in text.replace("http-equiv", "")


def test_links_survive_moving_the_folder(tmp_path):
    out = tmp_path / "a"
    run = _run(out / "pca", "pca", 5, 0.1)
    build_index(out, [run])
    moved = tmp_path / "b"
    out.rename(moved)
    text = (moved / "index.html").read_text()
    (link,) = [h for h in re.findall(r'href="([^"]+)"', text) if h != "data:,"]
    assert (moved / link).is_file()
