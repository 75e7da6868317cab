"""The milestones table: which activity marks ordered, delivered, invoiced and paid, given or guessed."""

from __future__ import annotations

import pandas as pd
import polars as pl

from o2c import _engines
from o2c._compat import keyword_only
from o2c._engines import EventLog
from o2c._milestones import Milestone, find_milestones, milestones_from_counts
from o2c.log import validate
from o2c.model import MILESTONES, IdealPath


@keyword_only("ideal")
def milestones(log: EventLog, *, ideal: IdealPath | None = None) -> pd.DataFrame:
    """The activity of each milestone: from the ideal path, else guessed from activity names.

    ``log`` is an event log in memory, a ``ScannedLog`` (``o2c.scan_log``) or a Spark DataFrame
    (which counts the cases per activity the guesses rank by).

    Returns
    -------
    DataFrame
        One row per milestone (``ordered``, ``delivered``, ``invoiced``, ``paid``):
        ``milestone``, ``activity`` (None when nothing fits), ``guessed`` (True when the
        ideal path does not name it) and ``rule`` (what made the guess, in words; see
        ``o2c.milestones.GUESSES``).

    Examples
    --------
    >>> from o2c import example_log
    >>> milestones(example_log())[["milestone", "activity", "guessed"]]
       milestone            activity  guessed
    0    ordered  Create Sales Order     True
    1  delivered          Ship Goods     True
    2   invoiced      Create Invoice     True
    3       paid     Receive Payment     True
    """
    if _engines.is_engine_log(log, function="milestones"):
        return _table(milestones_from_counts(_engines.activity_cases(log), ideal))
    return _milestones(validate(log), ideal=ideal)


def _milestones(log: pl.DataFrame, *, ideal: IdealPath | None = None) -> pd.DataFrame:
    """``milestones`` of a validated log."""
    return _table(find_milestones(log, ideal))


def _table(stones: dict[str, Milestone]) -> pd.DataFrame:
    """The milestones table of the milestones found."""
    return pd.DataFrame(
        {
            "milestone": list(MILESTONES),
            "activity": pd.Series([stones[m].activity for m in MILESTONES], dtype=object),
            "guessed": [stones[m].guessed for m in MILESTONES],
            "rule": [stones[m].rule for m in MILESTONES],
        }
    )
