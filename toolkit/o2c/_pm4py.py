"""The only module that imports pm4py: quiet, and speaking our column names.

pm4py prints a licence banner and progress bars; both are switched off here before pm4py is
imported, and its output streams are silenced while it works.
"""

from __future__ import annotations

import contextlib
import io
import sys
import warnings
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pandas as pd
import polars as pl

_PM4PY_COLUMNS = {
    "case_id": "case:concept:name",
    "activity": "concept:name",
    "timestamp": "time:timestamp",
    "resource": "org:resource",
    "lifecycle": "lifecycle:transition",
}


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence pm4py's banner, progress bars, prints and warnings inside the block."""
    sink = io.StringIO()
    with (
        contextlib.redirect_stdout(sink),
        contextlib.redirect_stderr(sink),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        yield


def pm4py() -> ModuleType:
    """The pm4py module, imported quietly, with its progress bars off."""
    sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]  # pm4py's own "banner shown" flag
    with quiet():
        import pm4py as module
        from pm4py.util import constants

    constants.SHOW_PROGRESS_BAR = False
    constants.SHOW_INTERNAL_WARNINGS = False
    return module


def version() -> str:
    """pm4py's version, for report footers.

    >>> version().count(".") >= 2
    True
    """
    return str(pm4py().__version__)


def to_pm4py(log: pl.DataFrame) -> pd.DataFrame:
    """Our event log as a pandas frame in pm4py's format (XES keys, UTC timestamps)."""
    renamed = log.rename({k: v for k, v in _PM4PY_COLUMNS.items() if k in log.columns})
    frame = renamed.with_columns(pl.col("concept:name").cast(pl.String)).to_pandas()
    return frame


def read_xes(path: str, **options: Any) -> pd.DataFrame:
    """Read an XES file with pm4py's own importer (our fallback reader)."""
    module = pm4py()
    with quiet():
        return module.read_xes(path, **options)
