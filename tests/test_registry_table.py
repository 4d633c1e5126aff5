"""The registry's static table (latentlearn/_method_table.py) against the registry itself.

``latentlearn methods`` lists methods from the table without importing them, and
``get_method`` imports only the one module the table names; the table cannot drift: it must
equal what the registry holds once every estimator module is imported.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

import latentlearn
from latentlearn import registry
from latentlearn._method_table import METHOD_TABLE

ROOT = Path(latentlearn.__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("update_method_table",
                                               ROOT / "scripts" / "update_method_table.py")
update_method_table = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(update_method_table)


def test_table_equals_the_registry():
    table = update_method_table.table_from_registry()  # imports every estimator module
    assert METHOD_TABLE == table, ("the table is stale: run "
                                   "`PYTHONPATH=src python scripts/update_method_table.py`")
    # and the file is what the script writes (so rerunning it changes nothing)
    assert update_method_table.TABLE_FILE.read_text(encoding="utf-8") == \
        update_method_table.render(table)


def test_method_summaries_match_the_registered_classes():
    summaries = registry.method_summaries()
    infos = registry.list_methods()
    assert [s.name for s in summaries] == [i.name for i in infos]
    for summary, info in zip(summaries, infos):
        assert (summary.family, summary.kind, summary.summary) == (info.family, info.kind,
                                                                   info.summary)
        assert summary.location == f"{info.cls.__module__}:{info.cls.__qualname__}"
        assert summary.available  # torch is installed here
        assert summary.extra == ("neural" if info.kind == "neural" else None)


def test_a_method_registered_at_run_time_is_listed_and_found(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))

    @registry.register("my_projection", family="decomposition")
    class MyProjection:
        """A user's own projection."""

    rows = {s.name: s for s in registry.method_summaries()}
    assert rows["my_projection"].summary == "A user's own projection."
    assert rows["my_projection"].location.endswith(":" + MyProjection.__qualname__)
    assert registry.get_method("my-projection").cls is MyProjection


def test_get_method_imports_only_the_module_it_needs():
    code = ("import json, sys\nfrom latentlearn.registry import get_method\n"
            "info = get_method('pca')\n"
            "print(json.dumps([info.cls.__name__] + sorted(m for m in sys.modules if m in "
            "('torch', 'latentlearn.cluster', 'latentlearn.manifold', 'latentlearn.bayes', "
            "'latentlearn.neural.estimators', 'latentlearn.sne'))))")
    src = str(Path(latentlearn.__file__).resolve().parents[1])
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={"PYTHONPATH": src, "OMP_NUM_THREADS": "1",
                                 "PATH": "/usr/bin:/bin"}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["PCA"]


def test_unknown_name_lists_every_name_from_the_table():
    with pytest.raises(KeyError, match="Did you mean vae") as caught:
        registry.get_method("vea")
    assert all(name in str(caught.value) for name in METHOD_TABLE)
