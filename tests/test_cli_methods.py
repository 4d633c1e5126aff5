"""`latentlearn --version`, `latentlearn methods NAME`, shell completion and flags in --help."""

import inspect
import re

import pytest
from rich.console import Console
from scipy._lib._docscrape import NumpyDocString  # a reference numpydoc reader (tests only)
from typer.testing import CliRunner

import latentlearn
from latentlearn import cli
from latentlearn.registry import describe_parameters, get_method, list_methods

runner = CliRunner()


@pytest.fixture
def wide(monkeypatch):
    """A console wide enough that the parameter table's rows are not wrapped."""
    monkeypatch.setattr(cli, "console", Console(width=400))


def invoke(*args):
    return runner.invoke(cli.app, [str(a) for a in args])


def _row(output: str, name: str) -> str:
    rows = [line for line in output.splitlines() if re.match(rf"^│ {name}\s+│", line)]
    assert len(rows) == 1, output
    return rows[0]


def test_version_is_the_package_version():
    result = invoke("--version")
    assert result.exit_code == 0, result.output
    assert result.output == f"latentlearn {latentlearn.__version__}\n"


def test_methods_pca_lists_defaults_and_allowed_values(wide):
    result = invoke("methods", "pca")
    assert result.exit_code == 0, result.output
    cells = [c.strip() for c in _row(result.output, "n_components").split("│")[1:-1]]
    assert cells[:2] == ["n_components", "None"]
    assert cells[2] == "an integer in [1, inf) or a real number in (0, 1) or None"
    assert cells[3].startswith("Number of components k to keep")
    solver = [c.strip() for c in _row(result.output, "svd_solver").split("│")[1:-1]]
    assert solver[:3] == ["svd_solver", "'auto'",
                          "one of 'auto', 'covariance_eigh', 'full', 'randomized'"]
    assert _row(result.output, "whiten").split("│")[2].strip() == "False"


def test_methods_vae_gives_the_meaning_of_beta(wide):
    result = invoke("methods", "vae")
    assert result.exit_code == 0, result.output
    cells = [c.strip() for c in _row(result.output, "beta").split("│")[1:-1]]
    assert cells == ["beta", "1.0", "a real number in [0, inf)",
                     "Weight of the KL term (1: the ELBO; others: a beta-VAE, Higgins et al. "
                     "2017)."]


def test_methods_without_name_keeps_the_list():
    result = invoke("methods")
    assert result.exit_code == 0
    assert "pca" in result.output and "vae" in result.output and "family" in result.output


@pytest.mark.parametrize("name, words", [
    ("nosuch", ["unknown method 'nosuch'", "No registered name is close", "pca", "tsne"]),
    ("tnse", ["unknown method 'tnse'", "Did you mean tsne", "kmeans"]),
])
def test_methods_unknown_name_exits_1_with_close_matches(name, words):
    result = invoke("methods", name)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    text = " ".join(result.output.split())
    for word in words:
        assert word in text, text


def _plain(text: str) -> str:
    return " ".join(re.sub(r":\w+:`~?", "", text).replace("`", "").split())


@pytest.mark.parametrize("info", list_methods(), ids=lambda i: i.name)
def test_parameter_table_matches_signature_and_a_numpydoc_reader(info):
    """Defaults from the signature; meanings agree with scipy's numpydoc reader."""
    rows = {r.name: r for r in describe_parameters(info.name)}
    signature = inspect.signature(info.cls).parameters
    assert list(rows) == [n for n, p in signature.items()
                          if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    for name, row in rows.items():
        assert row.default == repr(signature[name].default)
        assert row.allowed, name
    reference = {}
    for param in NumpyDocString(inspect.cleandoc(info.cls.__doc__ or ""))["Parameters"]:
        for name in param.name.split(","):
            reference[name.strip()] = _plain(" ".join(param.desc))
    for name, row in rows.items():
        ref = reference.get(name, "")
        assert bool(row.meaning) == bool(ref), (name, row.meaning, ref)
        assert ref.startswith(_plain(row.meaning)), (name, row.meaning, ref)
        # A whole sentence (or the whole description), not a line cut short.
        assert _plain(row.meaning) == ref or row.meaning[-1] in ".!?", (name, row.meaning)


def test_completion_offered_and_mentioned():
    import typer.main

    options = {p.name for p in typer.main.get_command(cli.app).params}
    assert {"install_completion", "show_completion"} <= options
    result = invoke("--show-completion", "bash")
    assert result.exit_code == 0, result.output
    assert "_LATENTLEARN_COMPLETE=complete_bash" in result.output
    result = invoke("--help")
    assert result.exit_code == 0
    assert "latentlearn --install-completion" in " ".join(result.output.split())


@pytest.mark.parametrize("command", [c.name or c.callback.__name__
                                     for c in cli.app.registered_commands])
def test_bool_options_are_flags_in_help(command):
    """Every bool option is a flag (--x or --x/--no-x) shown without a value, never `--x true`."""
    import typer.main

    click_command = typer.main.get_command(cli.app).commands[command]
    help_lines = invoke(command, "--help").output.splitlines()
    for param in click_command.params:
        if param.param_type_name != "option" or param.bare_type() != "bool":
            continue
        assert param.is_flag, (command, param.name)
        line = [ln for ln in help_lines if re.search(rf"{param.opts[0]}(?![-\w])", ln)]
        assert line and "<bool>" not in line[0], (command, param.name, help_lines)
