"""Seeing through water (Efros et al. 2004) on small generated videos."""

import json

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from latentlearn.apps.seeing_through_water import read_frames, restore, score_all
from latentlearn.datasets.water import make_test_pattern, make_water_video
from latentlearn.exceptions import DataError, ParameterError


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    before = set(plt.get_fignums())
    yield
    assert set(plt.get_fignums()) == before


@pytest.fixture(scope="module")
def video():
    return make_water_video(make_test_pattern((32, 32)), 24, amplitude=2.0, random_state=0)


def test_static_video_gives_the_clean_image(video):
    clean = video.image[:29, :27]  # sizes the stride does not divide: the border patches
    frames = np.repeat(clean[None], 10, axis=0)
    for method in ("convex_flow", "isomap"):
        result = restore(frames, patch_size=8, method=method)
        np.testing.assert_allclose(result.image, clean, rtol=0, atol=1e-13)
        np.testing.assert_allclose(result.closest_to_median, clean, rtol=0, atol=1e-13)


def test_ours_beats_the_mean(video):
    result = restore(video.frames, patch_size=8)
    scores = score_all(video.image, result)
    assert scores["ours"]["psnr"] > scores["mean"]["psnr"] + 3.5   # measured +4.7 dB
    assert scores["ours"]["ssim"] > scores["mean"]["ssim"]
    assert result.gap.max() < 1e-3                                 # every location converged
    assert result.chosen.shape == (len(result.locations), 1)


def test_three_centres_and_other_embeddings(video):
    for method in ("isomap", "laplacian_eigenmaps"):
        result = restore(video.frames, patch_size=8, method=method, n_centers=3)
        assert result.chosen.shape[1] == 3 and result.gap.size == 0
        assert score_all(video.image, result)["ours"]["psnr"] > 25


@pytest.mark.slow  # joblib starts worker processes (about 15 s here)
def test_parallel_matches_serial(video):
    one = restore(video.frames[:, :16, :16], patch_size=8)
    two = restore(video.frames[:, :16, :16], patch_size=8, n_jobs=2)
    np.testing.assert_array_equal(one.chosen, two.chosen)
    np.testing.assert_array_equal(one.image, two.image)


def test_colour(video):
    colour = np.stack([video.frames, 1 - video.frames, 0.5 * video.frames], axis=-1)
    result = restore(colour[:, :16, :16], patch_size=8)
    assert result.image.shape == (16, 16, 3)


def test_read_frames_from_npy_and_folder(tmp_path, video):
    frames = np.round(video.frames[:9, :12, :10] * 255) / 255
    np.save(tmp_path / "v.npy", frames.astype(np.float32))
    np.testing.assert_allclose(read_frames(tmp_path / "v.npy"), frames, atol=1e-6)
    folder = tmp_path / "frames"
    folder.mkdir()
    for i, f in enumerate(frames):
        Image.fromarray((f * 255).round().astype(np.uint8)).save(folder / f"f{i}.png")
    np.testing.assert_allclose(read_frames(folder), frames, atol=1e-6)


@pytest.mark.parametrize("case, words", [
    ("sizes", "frame 3 has size"),
    ("few", "only 5 frames"),
    ("mixed", "colour frames mixed with grey"),
    ("nan", "frame 2"),
])
def test_bad_frames_are_named(case, words):
    frames = [np.zeros((8, 8)) for _ in range(9)]
    if case == "sizes":
        frames[3] = np.zeros((8, 9))
    elif case == "few":
        frames = frames[:5]
    elif case == "mixed":
        frames[4] = np.zeros((8, 8, 3))
        words = "frame 4 is colour"
    else:
        frames[2] = np.full((8, 8), np.nan)
    with pytest.raises(DataError, match=words):
        read_frames(frames)


def test_bad_folders_are_named(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no images"):
        read_frames(tmp_path / "empty")
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for i in range(8):
        mode, shape = ("RGB", (6, 6, 3)) if i == 5 else ("L", (6, 6))
        Image.fromarray(np.zeros(shape, np.uint8), mode=mode).save(mixed / f"f{i}.png")
    with pytest.raises(DataError, match="f5.png is colour"):
        read_frames(mixed)
    sizes = tmp_path / "sizes"
    sizes.mkdir()
    for i in range(8):
        Image.fromarray(np.zeros((6, 7 if i == 2 else 6), np.uint8)).save(sizes / f"f{i}.png")
    with pytest.raises(DataError, match="f2.png"):
        read_frames(sizes)


@pytest.mark.parametrize("kwargs, words", [
    ({"patch_size": 40}, "patch_size=40 is larger than the frames"),
    ({"method": "tsne"}, "method"),
    ({"n_centers": 0}, "n_centers"),
    ({"stride": 20, "patch_size": 8}, "stride"),
])
def test_bad_parameters_are_named(video, kwargs, words):
    with pytest.raises(ParameterError, match=words):
        restore(video.frames, **kwargs)


def test_cli_writes_a_report(tmp_path, video):
    from latentlearn.cli import app

    np.save(tmp_path / "v.npy", video.frames[:12, :16, :16].astype(np.float32))
    np.save(tmp_path / "clean.npy", video.image[:16, :16])
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["water", "--frames", str(tmp_path / "v.npy"), "--clean",
                                      str(tmp_path / "clean.npy"), "--patch-size", "8",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert {"ours_psnr", "mean_psnr", "median_ssim", "convex_flow_max_gap"} <= set(metrics)
    html = (out / "report.html").read_text()
    assert "Embedding of one patch location" in html and "Efros" in html
    assert {p.name for p in (out / "figures").iterdir()} == {"frames.png", "results.png",
                                                             "embedding.png"}
    bad = CliRunner().invoke(app, ["water", "--frames", str(tmp_path / "v.npy"),
                                   "--patch-size", "64", "--out", str(tmp_path / "r2")])
    assert bad.exit_code == 1 and "patch_size=64" in bad.output
    none = CliRunner().invoke(app, ["water", "--out", str(tmp_path / "r3")])
    assert none.exit_code == 1 and "--demo" in none.output
