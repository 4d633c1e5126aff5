"""Stage timings of a long fit, logged as openTSNE's ``verbose`` prints them (Policar et al.
2024, "openTSNE: a modular Python library for t-SNE dimensionality reduction and embedding").

An estimator with ``verbose`` makes one :class:`StageClock` per fit and calls
:meth:`StageClock.stage` at the end of each stage; the message goes to the estimator module's
logger at INFO when ``verbose`` is true (scikit-learn's convention: an int, 0 = quiet) and at
DEBUG otherwise, so ``verbose`` never changes what is computed. Logging is configured by the
caller (the CLI's ``--verbose``), never here.
"""

from __future__ import annotations

import logging
import time

__all__ = ["StageClock"]


class StageClock:
    """Logs ``"<prefix> <message> in <seconds> s"``: the time since the previous stage."""

    def __init__(self, logger: logging.Logger, prefix: str, verbose) -> None:
        self.logger = logger
        self.prefix = prefix
        self.level = logging.INFO if verbose else logging.DEBUG
        self.last = time.perf_counter()

    def stage(self, message: str, *args) -> None:
        now = time.perf_counter()
        if self.logger.isEnabledFor(self.level):
            self.logger.log(self.level, self.prefix + " " + message + " in %.2f s",
                            *args, now - self.last)
        self.last = now
