"""The interactive embedding view: a Bokeh scatter whose tooltips show each point's label and
image, at most 2000 points, saved as a JSON item."""

import base64
import io
import json

import numpy as np
from PIL import Image

from latentlearn.datasets import Dataset, load
from latentlearn.figures.interactive import MAX_INTERACTIVE_POINTS, figure_interactive_embedding
from latentlearn.plots.interactive import image_data_uris, plot_interactive_embedding
from latentlearn.runs import RunResult


def _source(fig):
    from bokeh.models import ColumnDataSource

    [source] = [m for m in fig.references() if isinstance(m, ColumnDataSource)]
    return source.data


def _decode(uri):
    assert uri.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))


def test_each_point_carries_its_label_and_its_image():
    rng = np.random.default_rng(0)
    images = rng.random((5, 12))                              # 3 x 4 pixel images
    emb = rng.normal(size=(5, 2))
    fig = plot_interactive_embedding(emb, np.array([3, 1, 4, 1, 5]), images=images,
                                     image_shape=(3, 4), index=[10, 11, 12, 13, 14],
                                     image_scale=2)
    data = _source(fig)
    assert np.allclose(data["x"], emb[:, 0]) and np.allclose(data["y"], emb[:, 1])
    assert data["label"] == ["3", "1", "4", "1", "5"] and data["row"] == [10, 11, 12, 13, 14]
    assert data["colour"][1] == data["colour"][3] != data["colour"][0]
    for uri, img in zip(data["image"], images):
        pixels = _decode(uri).astype(float)
        scaled = (img - img.min()) / (img.max() - img.min()) * 255
        assert np.abs(pixels - scaled.reshape(3, 4)).max() <= 0.5
    assert _decode(image_data_uris(images[:1], (3, 4), scale=2)[0]).shape == (6, 8)
    from bokeh.models import HoverTool

    [hover] = [m for m in fig.references() if isinstance(m, HoverTool)]
    assert "@label" in hover.tooltips and "@image" in hover.tooltips and "@row" in hover.tooltips
    assert 'width="8" height="6"' in hover.tooltips              # drawn 2 x enlarged
    assert {"PanTool", "WheelZoomTool"} <= {type(t).__name__ for t in fig.tools}


def test_image_uris_of_a_constant_image():
    assert (_decode(image_data_uris(np.ones((1, 4)), (2, 2))[0]) == 0).all()


def test_the_maker_subsamples_to_2000_points_and_says_so():
    mnist = load("mnist5k")
    emb = np.random.default_rng(0).normal(size=(mnist.n_samples, 2)).astype(np.float32)
    result = RunResult("pca", "decomposition", None, mnist, 3, embedding=emb)
    [fig] = list(figure_interactive_embedding(result))
    assert fig.kind == "bokeh" and fig.file_name == "embedding_interactive.bokeh.json"
    data = _source(fig.figure)
    assert len(data["x"]) == MAX_INTERACTIVE_POINTS == 2000
    rows = np.array(data["row"])
    assert np.all(np.diff(rows) > 0)
    assert np.allclose(data["x"], emb[rows, 0])
    assert data["label"] == [str(v) for v in mnist.y[rows]]
    assert _decode(data["image"][0]).shape == (28, 28)
    assert "2,000 of the 5,000 points" in fig.caption and "random subset" in fig.caption
    from latentlearn.plots.interactive import interactive_to_json

    assert "doc" in json.loads(interactive_to_json(fig.figure))   # what the run folder keeps


def test_the_maker_without_images_or_labels():
    X = np.random.default_rng(0).normal(size=(50, 3)).astype(np.float32)
    [fig] = list(figure_interactive_embedding(
        RunResult("pca", "decomposition", None, Dataset(X=X), 0, embedding=X)))
    data = _source(fig.figure)
    assert "image" not in data and "label" not in data and len(data["x"]) == 50
    assert "all 50 points" in fig.caption
    codes = np.zeros((50, 4), dtype=np.int64)                 # VQ-VAE code indices
    assert list(figure_interactive_embedding(
        RunResult("vq_vae", "neural", None, Dataset(X=X), 0, embedding=codes))) == []
