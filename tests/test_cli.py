"""The command line, driven through typer's CliRunner: exit codes and the files written."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from latentlearn.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_help_everywhere():
    for cmd in ([], ["fit"], ["compare"], ["report"], ["demo"], ["datasets"], ["methods"]):
        result = invoke(*cmd, "--help")
        assert result.exit_code == 0, result.output
        assert "Usage" in result.output


def test_methods_and_datasets_listed():
    result = invoke("methods")
    assert result.exit_code == 0
    assert "pca" in result.output and "kmeans" in result.output
    result = invoke("datasets")
    assert result.exit_code == 0
    assert "mnist5k" in result.output and "swiss_roll" in result.output


def test_fit_writes_a_run_folder(tmp_path):
    out = tmp_path / "run"
    result = invoke("fit", "pca", "--data", "digits", "--set", "n_components=5", "--out", out,
                    "--seed", 3)
    assert result.exit_code == 0, result.output
    for name in ("config.json", "metrics.json", "figures.json", "embedding.npy",
                 "report.html", "model/config.json", "model/weights.safetensors"):
        assert (out / name).is_file(), name
    config = json.loads((out / "config.json").read_text())
    assert config["method"] == "pca" and config["params"]["n_components"] == 5
    assert config["seed"] == 3 and config["dataset"]["name"] == "digits"
    assert np.load(out / "embedding.npy").shape == (1797, 5)
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0.5 < metrics["trustworthiness"] <= 1.0
    figures = json.loads((out / "figures.json").read_text())
    assert {"embedding", "explained_variance", "components", "samples"} <= {
        f["file"].split("/")[1][:-4] for f in figures}
    assert str((out / "report.html").resolve()) in result.output.replace("\n", "")
    # No half-written siblings left behind.
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_fit_refuses_to_clobber_without_overwrite(tmp_path):
    out = tmp_path / "run"
    assert invoke("fit", "kmeans", "--data", "blobs", "--set", "n_clusters=3",
                  "--out", out).exit_code == 0
    result = invoke("fit", "kmeans", "--data", "blobs", "--out", out)
    assert result.exit_code == 1 and "--overwrite" in result.output
    assert invoke("fit", "kmeans", "--data", "blobs", "--out", out, "--overwrite").exit_code == 0
    assert np.load(out / "labels.npy").shape == (1000,) or (out / "labels.npy").is_file()


@pytest.mark.parametrize("args, words", [
    (["fit", "nosuchmethod", "--data", "digits"], ["unknown method", "latentlearn methods"]),
    (["fit", "pca", "--data", "nosuchdata"], ["nosuchdata"]),
    (["fit", "pca", "--data", "digits", "--set", "n_components=-3"], ["n_components"]),
    (["fit", "pca", "--data", "digits", "--set", "bogus=1"], ["bogus", "parameters are"]),
    (["fit", "pca", "--data", "digits", "--set", "novalue"], ["key=value"]),
    (["report", "/nonexistent/folder"], ["not a folder"]),
])
def test_bad_input_is_one_line_and_exit_code_1(tmp_path, args, words):
    result = invoke(*args, *(["--out", tmp_path / "o"] if args[0] == "fit" else []))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    for word in words:
        assert word in lines[0]


def test_bad_data_file_is_one_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3,oops\n")
    result = invoke("fit", "pca", "--data", bad, "--out", tmp_path / "o")
    assert result.exit_code == 1
    assert "bad.csv" in result.output and "Traceback" not in result.output
    missing = invoke("fit", "pca", "--data", tmp_path / "missing.npy", "--out", tmp_path / "o")
    assert missing.exit_code == 1 and "missing.npy" in missing.output


def test_compare_and_report_rebuild(tmp_path):
    out = tmp_path / "cmp"
    result = invoke("compare", "pca", "kmeans", "--data", "digits", "--set", "n_components=10",
                    "--set", "kmeans.n_clusters=10", "--out", out)
    assert result.exit_code == 0, result.output
    assert (out / "report.html").is_file()
    assert json.loads((out / "pca" / "config.json").read_text())["params"]["n_components"] == 10
    assert json.loads((out / "kmeans" / "config.json").read_text())["params"]["n_clusters"] == 10
    (out / "report.html").unlink()
    (out / "pca" / "report.html").unlink()
    assert invoke("report", out).exit_code == 0 and (out / "report.html").is_file()
    assert invoke("report", out / "pca").exit_code == 0 and (out / "pca" / "report.html").is_file()


def test_compare_parameter_nobody_has(tmp_path):
    result = invoke("compare", "pca", "kmeans", "--data", "digits", "--set", "perplexity=3",
                    "--out", tmp_path / "c")
    assert result.exit_code == 1 and "perplexity" in result.output


def test_seed_gives_identical_runs(tmp_path):
    for name in ("a", "b"):
        assert invoke("fit", "kmeans", "--data", "digits", "--set", "n_clusters=10",
                      "--set", "n_init=2", "--seed", 7, "--out", tmp_path / name).exit_code == 0
    np.testing.assert_array_equal(np.load(tmp_path / "a" / "labels.npy"),
                                  np.load(tmp_path / "b" / "labels.npy"))


def test_demo_on_a_small_subset(tmp_path, monkeypatch):
    # The real demo runs on all of mnist5k (`make demo`); here a subset keeps the suite fast.
    import latentlearn.datasets as datasets

    import latentlearn.cli as cli

    original = datasets.load
    monkeypatch.setattr(datasets, "load", lambda name, **kw: original(name, n_samples=600))
    # A few of the demo's methods (the whole list is fitted, warnings as errors, in
    # tests/test_demo.py).
    short = {name: ({**params, "epochs": 2} if "epochs" in params else params)
             for name, params in cli.DEMO_METHODS.items()
             if name in ("pca", "kmeans", "nmf", "tsne", "ae", "vae")}
    monkeypatch.setattr(cli, "DEMO_METHODS", short)
    result = invoke("demo", "--out", tmp_path / "demo")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "demo" / "report.html").is_file()
    assert (tmp_path / "demo" / "pca" / "report.html").is_file()
    for name in short:
        assert (tmp_path / "demo" / name / "report.html").is_file(), name
    assert (tmp_path / "demo" / "bayes" / "report.html").is_file()


def test_bayes_command_writes_its_report(tmp_path):
    result = invoke("bayes", "--out", tmp_path / "vb")
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "vb" / "metrics.json").read_text())
    assert any(abs(v - 0.19) < 1e-6 for v in metrics.values())  # seed 004's 1/Lambda_ii
    assert (tmp_path / "vb" / "metric_info.json").is_file()
    html = (tmp_path / "vb" / "report.html").read_text()
    (tmp_path / "vb" / "report.html").unlink()
    assert invoke("report", tmp_path / "vb").exit_code == 0
    assert (tmp_path / "vb" / "report.html").read_text().count("<img") == html.count("<img")


def test_regression_method_needs_a_label_column(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    target = X @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=80)
    csv = tmp_path / "reg.csv"
    csv.write_text("a,b,c,target\n" + "\n".join(
        ",".join(f"{v:.6f}" for v in [*row, t]) for row, t in zip(X, target)) + "\n")
    no_label = invoke("fit", "vb_linear_regression", "--data", csv, "--out", tmp_path / "r0")
    assert no_label.exit_code == 1 and "label" in no_label.output
    result = invoke("fit", "vb_linear_regression", "--data", csv, "--data-option",
                    "label=target", "--out", tmp_path / "r1")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "r1" / "metrics.json").read_text())["r2_train"] > 0.99


def test_fit_vae_then_sample(tmp_path):
    out = tmp_path / "vae"
    result = invoke("fit", "vae", "--data", "digits", "--set", "latent_dim=2",
                    "--set", "hidden_dims=(32,)", "--set", "epochs=2", "--set",
                    "architecture=mlp", "--out", out)
    assert result.exit_code == 0, result.output
    assert (out / "model" / "weights.safetensors").is_file()
    assert len((out / "history.jsonl").read_text().splitlines()) == 2
    assert "history" in (out / "figures.json").read_text()
    assert invoke("sample", out, "--n", 16).exit_code == 0
    assert (out / "samples.png").is_file()
    assert invoke("sample", out, "--n", 5, "--out", tmp_path / "s.npy").exit_code == 0
    assert np.load(tmp_path / "s.npy").shape == (5, 64)
    pca = tmp_path / "pca"
    assert invoke("fit", "pca", "--data", "digits", "--out", pca).exit_code == 0
    assert invoke("sample", pca, "--n", 3, "--out", tmp_path / "p.npy").exit_code == 0
    assert np.load(tmp_path / "p.npy").shape == (3, 64)
    km = tmp_path / "km"
    assert invoke("fit", "kmeans", "--data", "digits", "--out", km).exit_code == 0
    refused = invoke("sample", km)
    assert refused.exit_code == 1 and "cannot generate" in refused.output


def _one_line_error(result):
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return result.output.replace("\n", " ")


def test_sample_refuses_a_corrupt_or_edited_model_in_one_line(tmp_path):
    out = tmp_path / "pca"
    assert invoke("fit", "pca", "--data", "digits", "--set", "n_components=4",
                  "--out", out).exit_code == 0
    weights = out / "model" / "weights.safetensors"
    good = weights.read_bytes()
    flipped = bytearray(good)
    flipped[-5] ^= 0x01
    weights.write_bytes(bytes(flipped))
    message = _one_line_error(invoke("sample", out, "--n", 3, "--out", tmp_path / "s.npy"))
    assert "weights.safetensors" in message and "checksum" in message
    assert not (tmp_path / "s.npy").exists()
    weights.write_bytes(good)
    config_path = out / "model" / "config.json"
    config = json.loads(config_path.read_text())
    config["attributes"]["n_components_"]["value"] = "4"
    config_path.write_text(json.dumps(config))
    message = _one_line_error(invoke("sample", out, "--n", 3))
    assert "config.json" in message and "n_components_" in message and "str" in message
    config["attributes"]["n_components_"]["value"] = 4
    config_path.write_text(json.dumps(config))
    assert invoke("sample", out, "--n", 3, "--out", tmp_path / "s.npy").exit_code == 0
    assert np.load(tmp_path / "s.npy").shape == (3, 64)


def test_help_cites_the_literature_not_internal_notes():
    for cmd in ([], ["fit"], ["compare"], ["report"], ["demo"], ["datasets"], ["methods"],
                ["bayes"], ["sample"]):
        text = invoke(*cmd, "--help").output.lower()
        assert "seed 00" not in text and "lecture" not in text, cmd
    assert "bishop 2006" in invoke("bayes", "--help").output.lower()
