"""A lean install (``pip install latentlearn``, no extras): what works and what names its extra.

Each test runs Python in a fresh interpreter where torch, pyarrow and POT cannot be imported (no
real uninstall): a ``sys.meta_path`` finder placed first refuses them, as Python does for a
package that is not installed. The core must import and fit; a part that needs an extra must
raise an ImportError (or, on the command line, print one line) naming
``pip install 'latentlearn[EXTRA]'``. Also: ``latentlearn methods`` imports no estimator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import latentlearn

#: What the core install leaves out: torch ([neural]), pyarrow ([parquet]), POT ([ot]).
EXTRAS_MODULES = ("torch", "pyarrow", "ot")

_PRELUDE = '''
import importlib.abc, sys

class _NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, _NotInstalled())
'''


def run_python(code: str, *, blocked=EXTRAS_MODULES, cwd=None, timeout=300,
               columns: int = 400) -> subprocess.CompletedProcess:
    """``python -c PRELUDE + code`` with ``blocked`` not importable; the latentlearn under test
    first on the path; returns the finished process (``stdout``, ``stderr``, ``returncode``)."""
    src = str(Path(latentlearn.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1",
           "COLUMNS": str(columns), "LATENTLEARN_DEBUG": ""}
    env.pop("LATENTLEARN_DEBUG")
    prelude = _PRELUDE.format(blocked=set(blocked)) if blocked else ""
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)


def cli_code(*args, then: str = "") -> str:
    """Code that runs ``latentlearn ARGS`` in the subprocess, then ``then``, and exits with the
    command's exit code."""
    return textwrap.dedent(f"""
        import sys
        sys.argv = ["latentlearn", *{[str(a) for a in args]!r}]
        from latentlearn.cli import app
        try:
            app()
        except SystemExit as exc:
            exit_code = exc.code or 0
        else:
            exit_code = 0
    """) + textwrap.dedent(then) + "\nsys.exit(exit_code)\n"


#: Printed by a subprocess: the heavy modules it has imported.
HEAVY = """
import json
print(json.dumps([m for m in ("torch", "sklearn", "scipy", "numba", "matplotlib",
                              "latentlearn.base", "latentlearn.decomposition",
                              "latentlearn.neural.estimators") if m in sys.modules]))
"""


def extra_hint(extra: str) -> str:
    return f"pip install 'latentlearn[{extra}]'"


def one_line_error(result: subprocess.CompletedProcess) -> str:
    """The CLI's error line (exit code 1, no traceback)."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    text = " ".join(result.stderr.split())
    assert text.startswith("error: "), result.stderr
    return text


# --------------------------------------------------------------------------- what the core does
def test_every_module_imports_but_those_that_need_torch():
    result = run_python("""
        import importlib, json, pkgutil, latentlearn
        failed = {}
        for info in pkgutil.walk_packages(latentlearn.__path__, prefix="latentlearn."):
            try:
                importlib.import_module(info.name)
            except ImportError as exc:
                failed[info.name] = [type(exc).__name__, str(exc)]
        print(json.dumps(failed))
    """)
    assert result.returncode == 0, result.stderr
    failed = json.loads(result.stdout.splitlines()[-1])
    # Only torch's own modules fail (and the AE-vs-VAE app built on them); each names [neural].
    needs_torch = {name for name in failed
                   if name.startswith("latentlearn.neural.") and name != "latentlearn.neural.latent"}
    assert set(failed) - needs_torch == {"latentlearn.apps.neural_evidence"}, failed
    assert "latentlearn.neural.estimators" in failed and "latentlearn.neural.trainer" in failed
    for name, (kind, message) in failed.items():
        assert kind == "MissingExtraError" and extra_hint("neural") in message, (name, message)


def test_classical_estimators_fit_without_the_extras():
    result = run_python("""
        import json
        import numpy as np
        from latentlearn.cluster import KMeans
        from latentlearn.decomposition import PCA
        from latentlearn.manifold import Isomap
        from latentlearn.registry import classical_estimators, method_summaries
        from latentlearn.sne import TSNE

        X = np.random.default_rng(0).normal(size=(60, 5))
        shapes = [PCA(n_components=2).fit_transform(X).shape,
                  Isomap(n_neighbors=8).fit_transform(X).shape,
                  TSNE(perplexity=10, n_iter=250, random_state=0).fit_transform(X).shape,
                  KMeans(n_clusters=3, random_state=0).fit_predict(X).shape]
        listed = sorted(m.name for m in method_summaries() if m.kind == "classical")
        found = sorted(cls.__name__ for cls in classical_estimators())
        print(json.dumps({"shapes": shapes, "listed": listed, "found": found}))
    """)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.splitlines()[-1])
    assert out["shapes"] == [[60, 2], [60, 2], [60, 2], [60]]
    # Every classical method of the table is importable without the extras.
    from latentlearn.registry import list_methods

    classical = [m for m in list_methods() if m.kind == "classical"]
    assert out["listed"] == sorted(m.name for m in classical)
    assert out["found"] == sorted(m.cls.__name__ for m in classical)


@pytest.mark.parametrize("blocked", [EXTRAS_MODULES, ()], ids=["lean", "full"])
def test_methods_list_imports_no_estimator(blocked):
    result = run_python(cli_code("methods", then=HEAVY), blocked=blocked)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []
    from latentlearn.registry import list_methods

    rows = {line.split("│")[1].strip(): line for line in result.stdout.splitlines()
            if line.startswith("│ ")}
    assert set(rows) == {m.name for m in list_methods()}
    for info in list_methods():
        assert info.summary in rows[info.name]
        # without torch the neural methods say which extra brings them; with it, nothing
        assert (extra_hint("neural") in rows[info.name]) == (info.kind == "neural"
                                                             and bool(blocked)), rows[info.name]


def test_version_and_import_latentlearn_import_nothing_heavy():
    result = run_python(cli_code("--version", then=HEAVY), blocked=())
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"latentlearn {latentlearn.__version__}", "[]"]
    result = run_python("import sys, latentlearn\n" + HEAVY, blocked=())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_cli_fit_pca_without_the_extras(tmp_path):
    result = run_python(cli_code("fit", "pca", "--data", "digits", "--out", tmp_path / "pca"),
                        cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "pca" / "report.html").is_file()
    assert (tmp_path / "pca" / "model" / "weights.safetensors").is_file()


# ------------------------------------------------------------- what needs an extra says which
@pytest.mark.parametrize("args", [("fit", "vae", "--data", "blobs"), ("methods", "vae")],
                         ids=["fit", "methods"])
def test_cli_neural_method_without_torch_names_the_extra(args, tmp_path):
    text = one_line_error(run_python(cli_code(*args), cwd=tmp_path))
    assert "torch is needed for the neural models" in text and extra_hint("neural") in text


@pytest.mark.parametrize("statement, how", [
    ("from latentlearn.neural import VAE", "finder"),
    ("from latentlearn.neural import VAE", "sys.modules"),
    ("import latentlearn.neural.trainer", "finder"),
    ("from latentlearn.registry import get_method; get_method('beta_tcvae')", "finder"),
])
def test_neural_without_torch_raises_import_error_naming_the_extra(statement, how):
    code = f"""
        import sys
        from latentlearn.exceptions import MissingExtraError
        try:
            {statement}
        except ImportError as exc:
            assert isinstance(exc, MissingExtraError), type(exc)
            print(exc)
        else:
            print("imported")
    """
    if how == "sys.modules":  # the other common way to hide a package: None in sys.modules
        code = "import sys\nsys.modules['torch'] = None\n" + textwrap.dedent(code)
    result = run_python(code, blocked=EXTRAS_MODULES if how == "finder" else ())
    assert result.returncode == 0, result.stderr
    assert extra_hint("neural") in result.stdout, result.stdout


def test_loading_a_saved_neural_model_without_torch_names_the_extra(tmp_path):
    from latentlearn.neural import VAE

    X = np.random.default_rng(0).random((40, 6)).astype(np.float32)
    VAE(latent_dim=2, hidden_dims=(8,), epochs=1, random_state=0).fit(X).save(tmp_path / "vae")
    result = run_python(f"""
        import latentlearn
        try:
            latentlearn.load({str(tmp_path / "vae")!r})
        except ImportError as exc:
            print(type(exc).__name__, exc)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("MissingExtraError") and extra_hint("neural") in result.stdout


def test_parquet_without_pyarrow_names_the_extra(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "points.parquet"
    pq.write_table(pa.table({"a": [0.0, 1.0, 2.0], "b": [1.0, 0.5, 0.0]}), path)
    result = run_python(f"""
        from latentlearn.datasets import load
        try:
            load({str(path)!r})
        except ImportError as exc:
            print(type(exc).__name__, exc)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("MissingExtraError") and extra_hint("parquet") in result.stdout
    text = one_line_error(run_python(cli_code("fit", "pca", "--data", path), cwd=tmp_path))
    assert "pyarrow is needed for reading .parquet files" in text and extra_hint("parquet") in text


def test_exact_emd_without_pot_names_the_extra_and_highs_needs_none():
    result = run_python("""
        import numpy as np
        from latentlearn.divergences import earth_movers_distance
        x, y = np.array([[0.0], [1.0]]), np.array([[0.0], [2.0]])
        print(earth_movers_distance([0.5, 0.5], [0.5, 0.5], x=x, y=y, solver="highs").distance)
        try:
            earth_movers_distance([0.5, 0.5], [0.5, 0.5], x=x, y=y)
        except ImportError as exc:
            print(type(exc).__name__, exc)
    """)
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.splitlines()
    assert float(first) == pytest.approx(0.5, abs=1e-12)  # half the mass moves by 1
    assert second.startswith("MissingExtraError") and extra_hint("ot") in second


def test_mnist_features_and_tsne_on_cuda_without_torch_name_the_extra():
    result = run_python("""
        import numpy as np
        from latentlearn.metrics.feature_network import mnist_features
        from latentlearn.sne import TSNE
        for call in (lambda: mnist_features(np.zeros((2, 784), np.float32)),
                     lambda: TSNE(device="cuda").fit(np.zeros((10, 3)))):
            try:
                call()
            except ImportError as exc:
                print(type(exc).__name__, exc)
    """)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2, result.stdout
    assert all(line.startswith("MissingExtraError") and extra_hint("neural") in line
               for line in lines), lines
    assert "feature network" in lines[0] and "t-SNE on device='cuda'" in lines[1]


def test_neural_lazy_names_are_its_public_names():
    import latentlearn.neural as neural
    from latentlearn.neural import estimators, trainer

    assert set(neural._LAZY) == set(neural.__all__)
    for name in neural.__all__:
        module = estimators if neural._LAZY[name] == ".estimators" else trainer
        assert getattr(neural, name) is getattr(module, name), name
    assert set(neural.__all__) <= set(dir(neural))
    with pytest.raises(AttributeError, match="no attribute 'NoSuchModel'"):
        neural.NoSuchModel
