"""HTML reports: structure, embedded figures, escaping, no external URLs, tolerance, errors."""

import base64
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from latentlearn.exceptions import DataError, ParameterError
from latentlearn.report import RunFolderError, build_comparison, build_report


class Page(HTMLParser):
    """The parts of a page the tests look at: elements with their attributes, and the text."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.elements = []        # (tag, attrs dict)
        self.chunks = []
        self.title = ""
        self._in_title = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        self.chunks.append(data)
        if self._in_title:
            self.title += data

    @property
    def text(self):
        return " ".join(" ".join(self.chunks).split())

    def all(self, tag):
        return [attrs for t, attrs in self.elements if t == tag]


def read_page(path) -> tuple[str, Page]:
    text = Path(path).read_text(encoding="utf-8")
    return text, Page(text)


def assert_self_contained(text, page):
    assert re.search(r"(?i)\b(?:https?|ftp)://", text) is None
    assert re.search(r"(?i)url\(", text) is None                 # no CSS fetches
    for tag, attrs in page.elements:
        for name in ("src", "href", "srcset", "action", "data"):
            if name in attrs:
                assert attrs[name].startswith("data:"), (tag, name, attrs[name][:60])
    assert not page.all("script")


def test_report_has_every_section(run_dir):
    out = build_report(run_dir)
    assert out == run_dir / "report.html" and out.is_file()
    text, page = read_page(out)
    assert page.title == "pca on digits"
    assert [h["id"] for h in page.all("section")] == ["dataset", "method", "metrics", "figures"]
    t = page.text
    assert "1,797 samples × 64 features" in t and "8 × 8 pixels" in t
    for name, value in [("n_components", "2"), ("whiten", "False"), ("svd_solver", "auto"),
                        ("random_state", "None")]:
        assert re.search(rf"{name} {value}\b", t), name
    assert "trustworthiness 0.9312 Share of neighbours" in t       # value and meaning
    assert "metric_n_samples 1,797" in t                          # a count, as an integer
    assert "inertia 98,765.4" in t
    assert "created 2025-01-02T03:04:05+00:00, with latentlearn 0.1.0" in t
    assert_self_contained(text, page)


def test_every_figure_is_embedded_as_its_own_png(run_dir):
    text, page = read_page(build_report(run_dir))
    entries = json.loads((run_dir / "figures.json").read_text())
    images = page.all("img")
    assert len(images) == len(entries) == 3
    for img, entry in zip(images, entries):
        prefix = "data:image/png;base64,"
        assert img["src"].startswith(prefix)
        assert base64.b64decode(img["src"][len(prefix):]) == (run_dir / entry["file"]).read_bytes()
        assert img["alt"] == entry["title"]
    assert [h for h in page.text.split() if h == "Embedding"]
    assert "First two coordinates, coloured by digit." in page.text


def test_text_from_the_run_is_escaped(run_dir):
    text, page = read_page(build_report(run_dir))
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<b>bold?</b> & <script>alert(1)</script>" in page.text   # shown, as text
    assert not page.all("b")


def test_report_write_is_atomic_and_repeatable(run_dir):
    first = build_report(run_dir).read_bytes()
    assert build_report(run_dir).read_bytes() == first
    leftovers = [p.name for p in run_dir.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_missing_metrics_and_figure_list_are_tolerated(run_dir):
    (run_dir / "metrics.json").unlink()
    (run_dir / "figures.json").unlink()
    text, page = read_page(build_report(run_dir))
    assert "No metrics were recorded for this run." in page.text
    # Without figures.json every PNG in figures/ is shown, titled by its name.
    assert len(page.all("img")) == 3
    assert "Components" in page.text and "Variance" in page.text


def test_unreadable_optional_files_become_notes(run_dir):
    (run_dir / "metrics.json").write_text("{not json")
    entries = json.loads((run_dir / "figures.json").read_text())
    entries.append({"file": "figures/gone.png", "title": "Gone"})
    entries.append({"file": "../../secret.png", "title": "Outside"})
    entries.append({"title": "No file"})
    (run_dir / "figures.json").write_text(json.dumps(entries))
    text, page = read_page(build_report(run_dir))
    t = page.text
    assert "metrics.json could not be read" in t and "No metrics were recorded" in t
    assert "figures/gone.png is missing." in t
    assert "lies outside the run folder" in t
    assert "entry 5 has no \"file\"" in t
    assert len(page.all("img")) == 3


def test_no_figures_at_all(make_run, tmp_path):
    run = make_run(tmp_path / "bare", figures=())
    assert "No figures were saved for this run." in read_page(build_report(run))[1].text


def test_missing_or_corrupt_config_is_a_clear_error(run_dir, tmp_path):
    with pytest.raises(RunFolderError, match="does not exist"):
        build_report(tmp_path / "nowhere")
    (run_dir / "config.json").write_text('{"method": "pca",')
    with pytest.raises(RunFolderError, match="config.json is not valid JSON") as info:
        build_report(run_dir)
    assert isinstance(info.value, DataError) and isinstance(info.value, ValueError)
    assert str(run_dir / "config.json") in str(info.value)
    (run_dir / "config.json").write_text("[1, 2]")
    with pytest.raises(RunFolderError, match="JSON object"):
        build_report(run_dir)
    (run_dir / "config.json").write_text('{"params": {}}')
    with pytest.raises(RunFolderError, match="no \"method\""):
        build_report(run_dir)
    (run_dir / "config.json").unlink()
    with pytest.raises(RunFolderError, match="config.json is missing.*run the method again"):
        build_report(run_dir)
    assert not (run_dir / "report.html").exists()


# --------------------------------------------------------------------------- comparison
@pytest.fixture
def two_runs(make_run, tmp_path):
    pca = make_run(tmp_path / "pca", "pca")
    kmeans = make_run(tmp_path / "kmeans", "kmeans", seed=1, figures=("embedding", "variance"),
                      metrics={"trustworthiness": 0.95, "silhouette": 0.4, "inertia": 123.0})
    return pca, kmeans


def test_comparison_puts_runs_side_by_side(two_runs, tmp_path):
    out = build_comparison(two_runs, tmp_path / "compare" / "index.html")
    assert out == tmp_path / "compare" / "index.html"
    text, page = read_page(out)
    assert page.title == "Comparison: pca, kmeans on digits"
    assert_self_contained(text, page)
    headers = [a for a in page.elements if a[0] == "th"]
    assert headers
    t = page.text
    assert "Metric pca kmeans" in t
    # The meaning sits under the metric's name (not in a last column wide tables push away).
    row = re.search(r"<tr><td><code>trustworthiness</code>(.*?)</tr>", text).group(1)
    assert '<div class="meaning">' in row
    assert re.findall(r'<td class="num[^"]*">([^<]*)</td>', row) == ["0.9312", "0.9500"]
    row = re.search(r"<tr><td><code>silhouette</code>(.*?)</tr>", text).group(1)
    assert re.findall(r'<td class="num[^"]*">([^<]*)</td>', row) == ["—", "0.4000"]
    # The best score is bold: higher trustworthiness (kmeans), lower inertia (kmeans).
    best = re.findall(r'<td class="num best">([^<]*)</td>', text)
    assert best == ["0.9500", "123.0"]


def test_comparison_aligns_figures_by_title(two_runs, tmp_path):
    text, page = read_page(build_comparison(two_runs, tmp_path / "c.html"))
    rows = re.findall(r'<h3>([^<]*)</h3>\n<div class="row"', text)
    assert rows == ["Embedding", "Dictionary (components)", "Explained variance"]
    assert len(page.all("img")) == 5                             # 3 + 2 figures
    # kmeans has no dictionary: its row shows pca's alone, no placeholder cell.
    assert "No such figure" not in page.text and 'class="missing"' not in text
    blocks = dict(re.findall(
        r'<h3>([^<]*)</h3>\n<div class="row">\n(.*?)\n</div>\n(?=<h3>|</section>)', text,
        flags=re.S))
    assert blocks["Dictionary (components)"].count("<figure") == 1
    assert "<h3>kmeans</h3>" not in blocks["Dictionary (components)"]
    # Each row holds one figure per run that has it, in run order.
    block = blocks["Embedding"]
    assert block.index("<h3>pca</h3>") < block.index("<h3>kmeans</h3>")
    assert block.count("<img ") == 2


def test_comparison_names_repeated_methods_apart(make_run, tmp_path):
    a = make_run(tmp_path / "a", "pca", dataset="digits")
    b = make_run(tmp_path / "b", "pca", dataset="mnist5k")
    c = make_run(tmp_path / "c", "pca", dataset="mnist5k")
    page = read_page(build_comparison([a, b], tmp_path / "ab.html"))[1]
    assert "pca (digits)" in page.text and "pca (mnist5k)" in page.text
    page = read_page(build_comparison([b, c], tmp_path / "bc.html"))[1]
    assert "pca (b)" in page.text and "pca (c)" in page.text


def test_comparison_errors(run_dir, tmp_path):
    with pytest.raises(ParameterError, match="at least one"):
        build_comparison([], tmp_path / "x.html")
    with pytest.raises(RunFolderError, match="does not exist"):
        build_comparison([run_dir, tmp_path / "missing"], tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()


# --------------------------------------------------------------------------- interactive view
def _add_interactive(run):
    """Add an interactive embedding (a Bokeh JSON item) to a run folder, as runs.py writes it."""
    import numpy as np

    from latentlearn.figures import Figure
    from latentlearn.plots import plot_interactive_embedding

    rng = np.random.default_rng(0)
    fig = plot_interactive_embedding(rng.normal(size=(20, 2)), rng.integers(0, 3, 20),
                                     images=rng.random((20, 64)), image_shape=(8, 8))
    entry = Figure("embedding_interactive", "Embedding (interactive)", "Hover a point.", fig,
                   kind="bokeh").save(run / "figures")
    entries = json.loads((run / "figures.json").read_text()) + [entry]
    (run / "figures.json").write_text(json.dumps(entries))
    return entry


def test_interactive_view_is_embedded_offline(run_dir):
    entry = _add_interactive(run_dir)
    assert entry == {"file": "figures/embedding_interactive.bokeh.json", "kind": "bokeh",
                     "title": "Embedding (interactive)", "caption": "Hover a point."}
    text, page = read_page(build_report(run_dir))
    scripts = page.all("script")
    assert scripts and not any("src" in s for s in scripts)       # BokehJS inline, no fetch
    assert not re.search(r"""<script[^>]*src\s*=\s*["']?https?:""", text)
    assert not re.search(r"""<(?:link|img|iframe)[^>]*(?:href|src)\s*=\s*["']?https?:""", text)
    csp = next(m["content"] for m in page.all("meta")
               if m.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "script-src 'unsafe-inline'" in csp
    assert "http" not in csp
    assert 'id="interactive-3"' in text and 'data-bokeh-target="interactive-3"' in text
    item = text.split('data-bokeh-target="interactive-3">')[1].split("</script>")[0]
    assert json.loads(item)["doc"]                               # the item, intact
    assert "Bokeh.embed.embed_item" in text
    assert len(page.all("img")) == 3                             # the PNG figures are kept


def test_pages_without_an_interactive_view_have_no_script(run_dir, make_run, tmp_path):
    text, page = read_page(build_report(run_dir))
    assert_self_contained(text, page)
    assert "script-src" not in text


def test_comparison_links_a_run_interactive_view(make_run, tmp_path):
    a = make_run(tmp_path / "runs" / "pca", "pca")
    _add_interactive(a)
    b = make_run(tmp_path / "runs" / "nmf", "nmf")
    text, page = read_page(build_comparison([a, b], tmp_path / "runs" / "compare.html"))
    assert not page.all("script")                                 # linked, not repeated
    links = [x["href"] for x in page.all("a")]
    assert links == ["pca/report.html"]
    block = text.split("<h3>Embedding (interactive)</h3>")[1].split("</section>")[0]
    assert "<h3>pca</h3>" in block and "<h3>nmf</h3>" not in block


def test_auto_parameters_show_the_value_used(run_dir, tmp_path):
    config = json.loads((run_dir / "config.json").read_text())
    config["resolved_params"] = {"svd_solver": "covariance_eigh"}
    (run_dir / "config.json").write_text(json.dumps(config))
    text, page = read_page(build_report(run_dir))
    assert "<code>svd_solver</code></td><td><code>auto → covariance_eigh</code>" in text
    assert "<code>tol</code></td><td><code>0.0</code>" in text   # others unchanged
    text, page = read_page(build_comparison([run_dir], tmp_path / "c.html"))
    assert "svd_solver=auto → covariance_eigh" in page.text


def test_contingency_table_is_shown_and_checked(run_dir):
    (run_dir / "contingency.json").write_text(json.dumps(
        {"clusters": ["0", "1"], "classes": ["a", "b", "c"], "counts": [[5, 0, 1], [0, 7, 2]]}))
    text, page = read_page(build_report(run_dir))
    assert "Clusters versus labels" in page.text
    assert "cluster \\ label a b c total 0 5 0 1 6 1 0 7 2 9 total 5 7 3 15" in page.text
    (run_dir / "contingency.json").write_text(json.dumps(
        {"clusters": ["0"], "classes": ["a", "b"], "counts": [[1, 2, 3]]}))
    text, page = read_page(build_report(run_dir))
    assert "Clusters versus labels" not in page.text
    assert "contingency.json is not a cluster-versus-label table" in page.text
