"""Errors that latentlearn raises on purpose.

Every error a user can cause by what they pass in derives from :class:`LatentLearnError`, so the
command line can print it as one line (no traceback) and exit with code 1. Each also derives from
the built-in class a Python user would catch (``ValueError``, ``FileNotFoundError``), so
``except ValueError`` keeps working as it does with scikit-learn.
"""

__all__ = [
    "LatentLearnError",
    "DataError",
    "DataFileNotFoundError",
    "ParameterError",
    "UnknownNameError",
    "CheckpointError",
    "MissingExtraError",
    "LegacyFormatWarning",
    "NotFittedError",
]


class LatentLearnError(Exception):
    """Base class of the errors a user can cause; the CLI shows them as one line."""


class DataError(LatentLearnError, ValueError):
    """Data that cannot be used as given (NaN, wrong shape, non-numeric cell, ragged images...)."""


class DataFileNotFoundError(LatentLearnError, FileNotFoundError):
    """A data file or folder that does not exist."""


class ParameterError(LatentLearnError, ValueError):
    """A parameter value outside what the method allows."""


class UnknownNameError(LatentLearnError, KeyError):
    """A dataset or method name that is not registered."""

    def __str__(self):  # KeyError quotes its message; we want it plain.
        return str(self.args[0]) if self.args else ""


class CheckpointError(LatentLearnError, ValueError):
    """A saved model folder that is missing, not ours, or corrupt."""


class MissingExtraError(LatentLearnError, ImportError):
    """A part of latentlearn used without the optional dependency it needs; the message names
    the extra that installs it (``pip install 'latentlearn[neural]'``)."""


class LegacyFormatWarning(UserWarning):
    """A saved model folder in an earlier format, loaded without the checks the current one has."""


def __getattr__(name):
    # scikit-learn's NotFittedError, re-exported on first use: importing sklearn takes about a
    # second, and this module is imported by `latentlearn methods` and `--version`.
    if name == "NotFittedError":
        from sklearn.exceptions import NotFittedError

        return NotFittedError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
