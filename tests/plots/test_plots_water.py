"""Seeing-through-water figures: arrays in, a Figure out."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from latentlearn.exceptions import ParameterError
from latentlearn.plots.water import plot_patch_embedding, plot_water_images


def test_images_row():
    fig = plot_water_images([np.zeros((8, 8)), np.ones((8, 8, 3))], ["a", "b"])
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    with pytest.raises(ParameterError, match="titles"):
        plot_water_images([np.zeros((4, 4))], ["a", "b"])


def test_patch_embedding_marks_the_centre_and_the_path():
    rng = np.random.default_rng(0)
    Y, patches = rng.normal(size=(20, 2)), rng.uniform(size=(20, 6, 6))
    path = list(range(12))
    fig = plot_patch_embedding(Y, patches, centre=11, path=path, max_patches=5)
    assert len(fig.axes) == 1 + 5
    assert fig.axes[-1].get_title() == "5: frame 11 (centre)"
    with pytest.raises(ParameterError, match="centre=30"):
        plot_patch_embedding(Y, patches, centre=30)
    with pytest.raises(ParameterError, match="patches"):
        plot_patch_embedding(Y, patches[:3], centre=0)
