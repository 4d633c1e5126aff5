"""Errors that latentlearn raises on purpose.

Every error a user can cause by what they pass in derives from :class:`LatentLearnError`, so the
command line can print it as one line (no traceback) and exit with code 1. Each also derives from
the built-in class a Python user would catch (``ValueError``, ``FileNotFoundError``), so
``except ValueError`` keeps working as it does with scikit-learn.
"""

from sklearn.exceptions import NotFittedError

__all__ = [
    "LatentLearnError",
    "DataError",
    "DataFileNotFoundError",
    "ParameterError",
    "UnknownNameError",
    "CheckpointError",
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


class LegacyFormatWarning(UserWarning):
    """A saved model folder in an earlier format, loaded without the checks the current one has."""
