"""Each plot returns a Figure with the expected panels, draws into a given ax/fig, avoids pyplot."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from latentlearn.fileio import save_figure
from latentlearn.plots import (plot_centroids, plot_embedding, plot_explained_variance,
                               plot_history, plot_image_grid, plot_interpolations,
                               plot_reconstructions)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def n_images(fig):
    return sum(len(ax.images) for ax in fig.axes)


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    """Plots must not leave figures registered with pyplot (no leaks, no windows)."""
    before = set(plt.get_fignums())
    yield
    assert set(plt.get_fignums()) == before


# --------------------------------------------------------------------------- embedding
def test_embedding_with_classes_has_a_legend_entry_per_class(rng):
    Z, y = rng.normal(size=(300, 2)), rng.integers(0, 10, 300)
    fig = plot_embedding(Z, y, title="digits")
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    assert ax.get_title() == "digits"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [str(i) for i in range(10)]
    assert len(ax.collections[0].get_offsets()) == 300


def test_embedding_label_names_and_high_dimensions(rng):
    Z, y = rng.normal(size=(50, 5)), rng.integers(0, 3, 50)
    fig = plot_embedding(Z, y, label_names=["zero", "one", "two"])
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts == ["zero", "one", "two"]
    offsets = np.asarray(fig.axes[0].collections[0].get_offsets())
    assert set(map(tuple, offsets)) == set(map(tuple, Z[:, :2]))   # the first two columns
    fig = plot_embedding(Z, np.array(["a", "b"])[y % 2], label_names={"a": "A"})
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["A", "b"]


def test_embedding_one_dimensional_unlabelled_and_continuous(rng):
    fig = plot_embedding(rng.normal(size=40))
    assert len(fig.axes) == 1 and fig.axes[0].get_legend() is None
    fig = plot_embedding(rng.normal(size=(100, 2)), rng.random(100))   # continuous colour
    assert len(fig.axes) == 2                                          # the axes and a colour bar


def test_embedding_many_classes_has_no_legend(rng):
    fig = plot_embedding(rng.normal(size=(200, 2)), np.arange(200) % 40)
    assert fig.axes[0].get_legend() is None


def test_embedding_draws_on_the_given_ax(rng):
    fig = Figure()
    ax1, ax2 = fig.subplots(1, 2)
    assert plot_embedding(rng.normal(size=(20, 2)), ax=ax2) is fig
    assert len(ax2.collections) == 1 and len(ax1.collections) == 0
    with pytest.raises(ValueError, match="labels"):
        plot_embedding(rng.normal(size=(20, 2)), np.zeros(19))


# --------------------------------------------------------------------------- variance
def test_explained_variance_bars_and_cumulative_curve():
    ratio = np.array([0.5, 0.2, 0.1, 0.05])
    fig = plot_explained_variance(ratio)
    ax = fig.axes[0]
    assert len(ax.patches) == 4
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.cumsum(ratio))
    fig, ax = plt.subplots()
    try:
        assert plot_explained_variance(ratio, ax=ax) is fig
    finally:
        plt.close(fig)


# --------------------------------------------------------------------------- image grids
def test_image_grid_layout_and_shapes(rng):
    flat = rng.random((23, 28 * 28))
    fig = plot_image_grid(flat, (28, 28), n_cols=10)
    assert len(fig.axes) == 23 and n_images(fig) == 23
    assert fig.axes[0].images[0].get_array().shape == (28, 28)
    # Square images need no image_shape; (n, h, w) neither; channels of 1 are grey.
    assert n_images(plot_image_grid(rng.random((4, 64)))) == 4
    assert n_images(plot_image_grid(rng.random((4, 5, 7)))) == 4
    assert n_images(plot_image_grid(rng.random((4, 5, 7, 1)))) == 4
    fig = plot_image_grid(rng.random((3, 6, 6, 3)) * 4 - 2)        # colour, rescaled
    data = np.asarray(fig.axes[0].images[0].get_array())
    assert data.shape == (6, 6, 3) and data.min() >= 0 and data.max() <= 1


def test_image_grid_titles_and_row_labels(rng):
    fig = plot_image_grid(rng.random((6, 16)), (4, 4), n_cols=3, titles=list("abcdef"),
                          row_labels=["first", "second"])
    assert [ax.get_title() for ax in fig.axes] == list("abcdef")
    assert [ax.get_ylabel() for ax in fig.axes] == ["first", "", "", "second", "", ""]
    with pytest.raises(ValueError, match="titles"):
        plot_image_grid(rng.random((6, 16)), titles=["a"])


def test_diverging_images_have_symmetric_limits_and_red_negatives(rng):
    comps = rng.normal(size=(5, 16)) + np.linspace(-3, 1, 5)[:, None]
    fig = plot_image_grid(comps, (4, 4), diverging=True)
    for ax, comp in zip(fig.axes, comps):
        image = ax.images[0]
        vmin, vmax = image.get_clim()
        assert vmin == -vmax == pytest.approx(-np.abs(comp).max())
        assert image.get_cmap().name == "RdBu"
        red, _, blue, _ = image.cmap(image.norm(-vmax))            # the most negative value
        assert red > 0.3 > blue
    fig = plot_image_grid(comps, (4, 4), diverging=True, vmax=10)
    assert all(ax.images[0].get_clim() == (-10, 10) for ax in fig.axes)
    with pytest.raises(ValueError, match="single-channel"):
        plot_image_grid(rng.random((2, 4, 4, 3)), diverging=True)


def test_image_grid_rejects_unreadable_shapes(rng):
    with pytest.raises(ValueError, match="image_shape"):
        plot_image_grid(rng.random((3, 10)))
    with pytest.raises(ValueError, match="cannot be read"):
        plot_image_grid(rng.random((3, 10)), (3, 3))
    with pytest.raises(ValueError, match="n_cols"):
        plot_image_grid(rng.random((3, 9)), n_cols=0)


def test_image_grid_draws_into_a_subfigure(rng):
    fig = Figure()
    left, right = fig.subfigures(1, 2)
    left.add_subplot().plot([0, 1])
    assert plot_image_grid(rng.random((4, 9)), fig=right, n_cols=2) is fig
    assert len(fig.axes) == 5 and n_images(fig) == 4


def test_reconstructions_two_rows_on_one_scale(rng):
    orig, recon = rng.random((12, 16)), rng.random((12, 16)) * 3
    fig = plot_reconstructions(orig, recon, (4, 4), n=8)
    assert len(fig.axes) == 16 and n_images(fig) == 16
    assert fig.axes[0].get_ylabel() == "original" and fig.axes[8].get_ylabel() == "reconstruction"
    assert {ax.images[0].get_clim() for ax in fig.axes} == {(orig[:8].min(), orig[:8].max())}
    with pytest.raises(ValueError, match="one reconstruction per original"):
        plot_reconstructions(orig, recon[:5], (4, 4))


def test_interpolations_one_row_per_path(rng):
    fig = plot_interpolations(rng.random((3, 7, 25)), (5, 5), row_labels=["a", "b", "c"])
    assert len(fig.axes) == 21
    assert [ax.get_ylabel() for ax in fig.axes[::7]] == ["a", "b", "c"]
    fig = plot_interpolations([rng.random((4, 5, 5)), rng.random((4, 5, 5))])
    assert len(fig.axes) == 8
    with pytest.raises(ValueError, match="n_paths"):
        plot_interpolations(rng.random((3, 25)))


def test_centroids_are_titled_with_index_and_count(rng):
    fig = plot_centroids(rng.random((4, 9)), (3, 3), counts=[5, 6, 7, 8])
    assert [ax.get_title() for ax in fig.axes] == ["0 (n=5)", "1 (n=6)", "2 (n=7)", "3 (n=8)"]
    assert n_images(plot_centroids(rng.random((12, 9)), n_cols=5)) == 12


# --------------------------------------------------------------------------- history
HISTORY = [{"epoch": s // 10, "step": s, "loss": 1 / (s + 1), "kl": s ** 0.5, "phase": "train",
            **({"val_loss": 2 / (s + 1)} if s % 10 == 0 else {})} for s in range(50)]


def test_history_one_panel_per_value():
    fig = plot_history(HISTORY)
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "kl", "val_loss"]
    assert all(ax.get_xlabel() == "step" for ax in fig.axes)
    np.testing.assert_array_equal(fig.axes[2].lines[0].get_xdata(), np.arange(0, 50, 10))


def test_history_keys_x_and_given_ax():
    fig = plot_history(HISTORY, keys=["loss"], x="epoch", logy=True)
    assert len(fig.axes) == 1 and fig.axes[0].get_yscale() == "log"
    assert fig.axes[0].get_xlabel() == "epoch"
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_history(HISTORY, keys=["loss", "val_loss"], ax=ax) is fig
    assert len(ax.lines) == 2
    assert plot_history([{"kl_divergence": 3.0}, {"kl_divergence": 2.0}]).axes[0].get_xlabel() \
        == "record"


def test_history_errors_name_the_keys():
    with pytest.raises(ValueError, match="loss"):
        plot_history(HISTORY, keys=["accuracy"])
    with pytest.raises(ValueError, match="non-empty"):
        plot_history([])
    with pytest.raises(ValueError, match="x='time'"):
        plot_history(HISTORY, x="time")


# --------------------------------------------------------------------------- saving
def test_every_plot_saves_as_png(rng, tmp_path):
    figures = {
        "embedding": plot_embedding(rng.normal(size=(30, 2)), rng.integers(0, 3, 30)),
        "variance": plot_explained_variance([0.6, 0.3]),
        "grid": plot_image_grid(rng.normal(size=(6, 16)), diverging=True, n_cols=3),
        "recon": plot_reconstructions(rng.random((3, 16)), rng.random((3, 16))),
        "interp": plot_interpolations(rng.random((2, 3, 16))),
        "centroids": plot_centroids(rng.random((3, 16))),
        "history": plot_history(HISTORY),
    }
    for name, fig in figures.items():
        path = save_figure(fig, tmp_path / f"{name}.png")
        assert path.read_bytes().startswith(b"\x89PNG")
