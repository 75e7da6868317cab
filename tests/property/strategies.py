"""Hypothesis strategies for event logs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import strategies as st

ACTIVITIES = [
    "Create Sales Order",
    "Check Credit",
    "Confirm Order",
    "Ship Goods",
    "Create Invoice",
    "Zahlung prüfen",
]
START = datetime(2025, 1, 6, 9, tzinfo=UTC)


@st.composite
def logs(draw: st.DrawFn, *, max_cases: int = 8, max_events: int = 6, ties: bool = False) -> pl.DataFrame:
    """A canonical-shaped log (case_id, activity, timestamp, value) in case order.

    Without ``ties`` the timestamps within a case are distinct, so time alone orders a case.
    """
    rows = []
    for case in range(draw(st.integers(1, max_cases))):
        value = draw(st.floats(0, 1e6, allow_nan=False).map(lambda v: round(v, 2)))
        minutes = draw(
            st.lists(st.integers(0, 60 * 24 * 30), min_size=1, max_size=max_events, unique=not ties)
        )
        for minute in sorted(minutes):
            activity = draw(st.sampled_from(ACTIVITIES))
            rows.append((f"C{case:03d}", activity, START + timedelta(minutes=minute), value))
    return pl.DataFrame(rows, schema=["case_id", "activity", "timestamp", "value"], orient="row")
