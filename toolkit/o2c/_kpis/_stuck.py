"""The stuck-order escalation list: open orders waiting longer than 9 in 10 finished orders did."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import polars as pl

from o2c import _engines
from o2c._kpis._orders import as_of_moment, case_table, engine_orders, events_until, furthest_milestone
from o2c._milestones import Milestone, find_milestones
from o2c.discovery import duration_from_microseconds, lazy_transitions
from o2c.log import CASE_ID, UTC, validate
from o2c.model import IdealPath


def stuck_orders(
    log: pl.DataFrame | pd.DataFrame,
    *,
    ideal: IdealPath | None = None,
    as_of: datetime | str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Open orders waiting longer after their last step than 9 in 10 finished orders did.

    An order is finished when it has reached the ``paid`` milestone (from ``ideal``, or guessed
    from the activity names as in ``kpis``), open otherwise. For every activity, the usual wait
    after it is the 90th percentile (linear interpolation) of the waiting times from that
    activity to the next event, over the finished orders. An open order is stuck when the time
    from its last event to ``as_of`` exceeds that percentile for its last activity; an activity
    never followed by another event in a finished order gives no percentile, and orders
    waiting after it are not judged. This is the order-status view with escalation: what to
    chase first.

    Parameters
    ----------
    log : DataFrame
        An event log, polars or pandas (see ``o2c.log``).
    ideal : IdealPath, optional
        Names the ``paid`` milestone; guessed from activity names without it.
    as_of : datetime or str, optional
        The moment the orders are judged at; later events are ignored. Naive times are UTC.
        Default: the last timestamp of the log (never the clock).

    Returns
    -------
    DataFrame
        One row per stuck order: ``case_id``, ``milestone`` (the furthest of ordered,
        delivered, invoiced it reached; None before ordered), ``last_activity``,
        ``last_event`` (its timestamp), ``waiting`` (``as_of`` - ``last_event``), ``wait_p90``
        (the usual 90th percentile after ``last_activity``), ``value`` (the order value; NaN
        without a ``value`` column). Most value at risk first, then longest ``waiting``, ties
        by ``case_id``.

    Examples
    --------
    >>> from o2c import example_log
    >>> stuck_orders(example_log(), as_of="2025-02-10")[["case_id", "last_activity", "waiting", "wait_p90"]]
      case_id   last_activity           waiting         wait_p90
    0       2  Create Invoice 32 days 08:00:00 17 days 02:00:00
    """
    return _stuck_orders(validate(log), ideal=ideal, as_of=as_of)


def _stuck_orders(
    log: pl.DataFrame, *, ideal: IdealPath | None = None, as_of: datetime | str | pd.Timestamp | None = None
) -> pd.DataFrame:
    """``stuck_orders`` of a validated log."""
    log = events_until(log, as_of, function="stuck_orders")
    moment = as_of_moment(log, as_of, function="stuck_orders")
    stones = find_milestones(log, ideal)
    cases = case_table(log, stones)
    paid = "at_paid"
    finished = cases.filter(pl.col(paid).is_not_null()).select(CASE_ID)
    usual = (
        lazy_transitions(log)
        .join(finished.lazy(), on=CASE_ID, how="semi")
        .group_by("source")
        .agg(_p90=pl.col("wait").dt.total_microseconds().quantile(0.9, interpolation="linear"))
        .select(
            last_activity=pl.col("source").cast(pl.String),
            wait_p90=duration_from_microseconds(pl.col("_p90")),
        )
        .collect()
    )
    return _stuck_of(cases, usual, stones, moment)


def engine_stuck_orders(
    log: Any,
    *,
    ideal: IdealPath | None = None,
    orders: tuple[dict[str, Milestone], pl.DataFrame] | None = None,
) -> pd.DataFrame:
    """``stuck_orders`` of a scanned log or a Spark DataFrame at its last event: each order's row
    and the 90th percentile of the waits after each activity in the finished orders come from the
    engine (``o2c._kpis._orders.engine_orders``, made once when ``orders`` are given; and
    ``o2c._engines.waits_after``)."""
    stones, cases = orders or engine_orders(log, ideal)
    moment = cases["last_event"].max()
    assert isinstance(moment, datetime)
    usual = _engines.waits_after(log, stones["paid"].activity)
    return _stuck_of(cases, usual, stones, moment)


def _stuck_of(
    cases: pl.DataFrame, usual: pl.DataFrame, stones: dict[str, Milestone], moment: datetime
) -> pd.DataFrame:
    """The stuck orders among ``cases`` (``case_table``) at ``moment``, by the ``wait_p90`` after each
    ``last_activity`` in the finished orders (``usual``)."""
    paid = "at_paid"
    open_cases = cases.filter(pl.col(paid).is_null()).with_columns(
        waiting=pl.lit(moment, UTC) - pl.col("last_event")
    )
    stuck = (
        open_cases.join(usual, on="last_activity", how="inner")
        .filter(pl.col("waiting") > pl.col("wait_p90"))
        .with_columns(milestone=furthest_milestone(stones))
        .sort(["value", "waiting", CASE_ID], descending=[True, True, False], nulls_last=True)
    )
    columns = [CASE_ID, "milestone", "last_activity", "last_event", "waiting", "wait_p90", "value"]
    return stuck.select(columns).to_pandas()
