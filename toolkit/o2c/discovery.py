"""Directly-follows relations, variants, start and end activities of the sorted event log.

Examples
--------
>>> from o2c.simulate import example_log
>>> transitions(example_log()).height
16
"""

from __future__ import annotations

import pandas as pd
import polars as pl

from o2c.log import ACTIVITY, CASE_ID, START_TIMESTAMP, TIMESTAMP, validate

#: True where the next row belongs to the same case (the log is sorted by case, time, row).
SAME_CASE = pl.col(CASE_ID) == pl.col(CASE_ID).shift(-1)


def transitions(log: pl.DataFrame | pd.DataFrame) -> pl.DataFrame:
    """Each event beside the next event of its case; the last event of each case is dropped.

    The waiting time of a transition a -> b is the start of b (its ``start_timestamp`` where
    the log has one, else its ``timestamp``) minus the end (``timestamp``) of a.

    Returns a polars frame with ``case_id``, ``source``, ``target`` (categorical), ``wait``
    (a duration) and ``source_row`` (of the source event), in log order.

    >>> from o2c.simulate import example_log
    >>> transitions(example_log()).row(0)[:3]
    ('1', 'Create Sales Order', 'Check Credit')
    """
    log = validate(log)
    start_of_next = (
        pl.col(START_TIMESTAMP).fill_null(pl.col(TIMESTAMP)) if START_TIMESTAMP in log.columns else pl.col(TIMESTAMP)
    )
    return log.select(
        pl.col(CASE_ID),
        source=pl.col(ACTIVITY),
        target=pl.col(ACTIVITY).shift(-1),
        wait=start_of_next.shift(-1) - pl.col(TIMESTAMP),
        source_row=pl.col("source_row"),
        same_case=SAME_CASE,
    ).filter("same_case").drop("same_case")
