"""latentlearn: unsupervised representation learning."""
__version__ = "0.1.0"

__all__ = ["load", "__version__"]


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
    """
    from .persistence import load as _load

    return _load(folder, device=device, **modules)
