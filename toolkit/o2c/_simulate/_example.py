"""The tiny example log of the docstrings: 3 orders, 19 events, fixed.

>>> log = example_log()
>>> log.height, log["case_id"].n_unique()
(19, 3)
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from o2c.log import validate

_EXAMPLE_TRACES = {
    # order: (region, value, [(activity, hours after the order was created, resource)])
    "1": (
        "EMEA",
        12_000.0,
        [
            ("Create Sales Order", 0, "anna"),
            ("Check Credit", 2, "ben"),
            ("Confirm Order", 5, "anna"),
            ("Ship Goods", 50, "carl"),
            ("Create Invoice", 52, "BATCH_BILLING"),
            ("Receive Payment", 300, "BATCH_BANK"),
        ],
    ),
    "2": (
        "AMER",
        3_000.0,
        [
            ("Create Sales Order", 0, "dora"),
            ("Check Credit", 1, "ben"),
            ("Check Credit", 4, "ben"),
            ("Confirm Order", 6, "dora"),
            ("Ship Goods", 30, "carl"),
            ("Create Invoice", 31, "BATCH_BILLING"),
        ],
    ),
    "3": (
        "EMEA",
        55_000.0,
        [
            ("Create Sales Order", 0, "anna"),
            ("Confirm Order", 3, "anna"),
            ("Change Price", 8, "erik"),
            ("Confirm Order", 9, "anna"),
            ("Ship Goods", 70, "carl"),
            ("Create Invoice", 72, "BATCH_BILLING"),
            ("Receive Payment", 500, "BATCH_BANK"),
        ],
    ),
}


def example_log() -> pl.DataFrame:
    """A tiny, fixed order-to-cash log: 3 orders, 19 events, for examples and hand counts.

    Order 1 follows the ideal path; order 2 checks credit twice in a row and is not yet paid;
    order 3 skips the credit check and confirms twice around a price change (a ping-pong).
    Columns: ``case_id``, ``activity``, ``timestamp``, ``resource``, ``value``, ``source_row``,
    ``region``. Orders start on Monday 2025-01-06 at 09:00 UTC, one day apart.

    >>> example_log().filter(case_id="2")["activity"].to_list()[:3]
    ['Create Sales Order', 'Check Credit', 'Check Credit']
    """
    rows = []
    start = datetime(2025, 1, 6, 9)
    for offset, (case_id, (region, value, events)) in enumerate(_EXAMPLE_TRACES.items()):
        for activity, hours, resource in events:
            created = start + timedelta(days=offset)
            rows.append((case_id, activity, created + timedelta(hours=hours), resource, value, region))
    frame = pl.DataFrame(
        rows,
        schema=["case_id", "activity", "timestamp", "resource", "value", "region"],
        orient="row",
    )
    return validate(frame)
