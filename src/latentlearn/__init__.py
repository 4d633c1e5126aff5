"""latentlearn: unsupervised representation learning.

``import latentlearn`` imports nothing heavy: the subpackages (``latentlearn.decomposition``,
``latentlearn.neural``...) load on first attribute access (PEP 562), so that the command line
starts at once and the core works without the optional extras (``pip install
'latentlearn[neural]'`` for torch, ``[parquet]``, ``[ot]``, ``[all]``).
"""
__version__ = "0.1.0"

__all__ = ["load", "__version__"]

#: Subpackages and modules reachable as ``latentlearn.NAME`` without importing them first.
_SUBMODULES = frozenset({
    "apps", "base", "bayes", "cluster", "datasets", "decomposition", "divergences",
    "exceptions", "figures", "fileio", "manifold", "metrics", "neighbors", "neural",
    "persistence", "plots", "registry", "report", "runs", "sne",
})


def load(folder, *, device="auto", **modules):
    """Rebuild any estimator saved with ``est.save(folder)`` (classical or neural).

    Reads config.json + weights.safetensors, verifies each file's SHA-256 and every entry's
    kind, and builds the class named in config.json from the one registry; never unpickles.
    See :func:`latentlearn.persistence.load` (imported here on first call, so that
    ``import latentlearn`` stays light). A neural estimator fitted with a user ``encoder=`` /
    ``decoder=`` module needs it passed again: ``load(folder, encoder=MyEncoder(...))``.

    Raises
    ------
    latentlearn.exceptions.CheckpointError
        A missing, truncated, altered, edited or foreign folder, naming the file and the fault.
    latentlearn.exceptions.MissingExtraError
        The folder holds a neural model and torch is not installed (``pip install
        'latentlearn[neural]'``).
    """
    from .persistence import load as _load

    return _load(folder, device=device, **modules)


def __getattr__(name):
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES)
