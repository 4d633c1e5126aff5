"""
The command line and run folders
================================

``latentlearn fit METHOD --data NAME`` fits a registered method and writes a *run folder*:
``config.json`` (method, parameters, seed, data), ``metrics.json``, the embedding or labels,
the fitted model (``model/config.json`` + ``model/weights.safetensors``, never a pickle),
``figures/`` and a self-contained ``report.html``. The same is one call from Python,
:func:`latentlearn.runs.run_method`; the command line is a thin layer over it.
"""

import json
import tempfile
from pathlib import Path

from typer.testing import CliRunner

import latentlearn
from latentlearn.cli import app
from latentlearn.datasets import load
from latentlearn.registry import list_methods
from latentlearn.runs import run_method

print(len(list_methods()), "methods registered, e.g.", [m.name for m in list_methods()][:6])

out = Path(tempfile.mkdtemp()) / "pca"
run = run_method("pca", load("digits"), out, params={"n_components": 10}, seed=0)
print(sorted(p.name for p in run.iterdir()))
print({k: round(v, 3) for k, v in json.loads((run / "metrics.json").read_text()).items()
       if isinstance(v, float)})
pca = latentlearn.load(run / "model")  # checked by SHA-256 on load
print(type(pca).__name__, pca.n_components_)

# %%
# The same from the shell (here through Typer's test runner): one method's parameters, then a
# fit of k-means on the digits.
runner = CliRunner()
print(runner.invoke(app, ["methods", "kmeans"], env={"COLUMNS": "100"}).output[:1200])
result = runner.invoke(app, ["fit", "kmeans", "--data", "digits", "--set", "n_clusters=10",
                             "--out", str(out.parent / "kmeans")])
print("exit code", result.exit_code)
print(sorted(p.name for p in (out.parent / "kmeans").iterdir()))
