"""Self-contained HTML reports of run folders: one run, or several side by side.

:func:`build_report` turns a run folder (config.json, metrics.json, figures.json, figures/) into
``report.html`` in that folder; :func:`build_comparison` puts several runs on one page. Pages
embed their style and images and load nothing from elsewhere. A folder without a readable
config.json raises :class:`RunFolderError` (a :class:`~latentlearn.exceptions.DataError`).
"""

from ._run import RunFolderError
from .html import build_comparison, build_report

__all__ = ["build_report", "build_comparison", "RunFolderError"]
