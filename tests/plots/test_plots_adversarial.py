"""plot_sample_snapshots: one panel per snapshot (scatter for 2-D, a row of images otherwise).

Planted bug caught (then reverted): the panels zipped with the epochs reversed -> titles out of
order.
"""

import numpy as np
import pytest

from latentlearn.exceptions import DataError, ParameterError
from latentlearn.plots import plot_sample_snapshots


def test_scatter_panels_titled_by_epoch():
    rng = np.random.default_rng(0)
    fig = plot_sample_snapshots(rng.normal(size=(3, 50, 2)), [0, 5, 10],
                                data=rng.normal(size=(100, 2)), centers=np.eye(2))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["epoch 0", "epoch 5", "epoch 10"]


def test_image_rows():
    fig = plot_sample_snapshots(np.random.default_rng(0).random((2, 10, 16)), [1, 2],
                                image_shape=(4, 4), n_images=4)
    assert len(fig.axes) == 8
    labels = [ax.get_ylabel() for ax in fig.axes if ax.get_ylabel()]
    assert labels == ["epoch 1", "epoch 2"]


def test_bad_shapes_are_named():
    with pytest.raises(DataError, match="one epoch per snapshot"):
        plot_sample_snapshots(np.zeros((2, 5, 2)), [1])
    with pytest.raises(ParameterError, match="image_shape"):
        plot_sample_snapshots(np.zeros((2, 5, 3)), [1, 2])
