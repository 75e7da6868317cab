"""The per-order table the KPIs, the stuck orders and the late-payment drivers read.

One row per order: its first and last event, last activity, the time each milestone was first
reached (``at_ordered`` ... ``at_paid``), its value and its due date (``due_date``, else the
invoice date plus ``payment_terms_days``). Events after ``as_of`` are ignored; ``as_of``
defaults to the last timestamp of the log, never to the clock.

>>> from o2c._milestones import find_milestones
>>> from o2c import example_log
>>> log = example_log()
>>> case_table(log, find_milestones(log)).select("case_id", "last_activity", "at_paid")
shape: (3, 3)
┌─────────┬─────────────────┬─────────────────────────┐
│ case_id ┆ last_activity   ┆ at_paid                 │
│ ---     ┆ ---             ┆ ---                     │
│ str     ┆ str             ┆ datetime[μs, UTC]       │
╞═════════╪═════════════════╪═════════════════════════╡
│ 1       ┆ Receive Payment ┆ 2025-01-18 21:00:00 UTC │
│ 2       ┆ Create Invoice  ┆ null                    │
│ 3       ┆ Receive Payment ┆ 2025-01-29 05:00:00 UTC │
└─────────┴─────────────────┴─────────────────────────┘
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl

from o2c import _engines
from o2c._milestones import Milestone, milestones_from_counts
from o2c.discovery import event_start
from o2c.errors import ArgumentError
from o2c.log import ACTIVITY, CASE_ID, TIMESTAMP, UTC, VALUE, Moment, as_utc, per_case
from o2c.model import MILESTONES, IdealPath

#: Case attributes the payment KPIs read: the due date, or the payment terms in days.
DUE_DATE = "due_date"
PAYMENT_TERMS = "payment_terms_days"

#: Over the per-order table: paid orders with a due date, and their days past due (payment date
#: minus due date in whole days; negative when paid early), as the KPI and the drivers count them.
PAID_WITH_DUE = pl.col("at_paid").is_not_null() & pl.col("due").is_not_null()
DAYS_PAST_DUE = (pl.col("at_paid").dt.date() - pl.col("due")).dt.total_days()


def events_until(log: pl.DataFrame, as_of: Moment | None, *, function: str) -> pl.DataFrame:
    """The events up to ``as_of`` (all of them without one); ``function`` is named in errors."""
    if as_of is None:
        return log
    return log.filter(pl.col(TIMESTAMP) <= pl.lit(as_utc(as_of, argument="as_of", function=function), UTC))


def as_of_moment(log: pl.DataFrame, as_of: Moment | None, *, function: str) -> datetime:
    """The moment orders are judged at: ``as_of`` in UTC, else the last timestamp of the log."""
    if as_of is not None:
        return as_utc(as_of, argument="as_of", function=function)
    if log.height == 0:
        raise ArgumentError(
            "The event log has no events (before 'as_of'); there is nothing to judge.",
            function=function,
            argument="log",
            allowed="a log with events",
        )
    last = log[TIMESTAMP].max()
    assert isinstance(last, datetime)
    return last


def case_table(log: pl.DataFrame, stones: dict[str, Milestone]) -> pl.DataFrame:
    """One row per order: first and last event, last activity, milestone times, value, due date."""
    reached = [
        (
            pl.col(TIMESTAMP).filter(pl.col(ACTIVITY) == stones[m].activity).min()
            if stones[m].activity is not None
            else pl.lit(None, UTC)
        ).alias(f"at_{m}")
        for m in MILESTONES
    ]
    value = pl.col(VALUE).drop_nulls().first() if VALUE in log.columns else pl.lit(None, pl.Float64)
    table = per_case(
        log,
        event_start(log).min().alias("first_event"),
        pl.col(TIMESTAMP).last().alias("last_event"),
        pl.col(ACTIVITY).last().alias("last_activity"),
        *reached,
        value.cast(pl.Float64).alias("value"),
        _due_date(log).alias("due"),
    ).with_columns(pl.col("last_activity").cast(pl.String))
    return table


def engine_orders(log: Any, ideal: IdealPath | None = None) -> tuple[dict[str, Milestone], pl.DataFrame]:
    """The milestones of a scanned log or a Spark DataFrame (``o2c._milestones.find_milestones``, from
    the engine's cases per activity) and its ``case_table``, made by the engine (no due dates)."""
    stones = milestones_from_counts(_engines.activity_cases(log), ideal)
    return stones, _engines.case_table(log, {name: stone.activity for name, stone in stones.items()})


def _due_date(log: pl.DataFrame) -> pl.Expr:
    """Each order's due date (a Date), or null: ``due_date``, else invoice date + payment terms."""
    if DUE_DATE in log.columns:
        dtype = log.schema[DUE_DATE]
        column = pl.col(DUE_DATE)
        if isinstance(dtype, pl.Datetime):
            column = column.dt.date()
        elif dtype != pl.Date:
            column = column.cast(pl.String).str.strip_chars().str.to_date(strict=False)
        return column.drop_nulls().first().cast(pl.Date)
    return pl.lit(None, pl.Date)


def with_terms(cases: pl.DataFrame, log: pl.DataFrame) -> pl.DataFrame:
    """Fill due dates from ``payment_terms_days`` and the invoice date where there is none."""
    if DUE_DATE in log.columns or PAYMENT_TERMS not in log.columns:
        return cases
    terms = per_case(log, _terms=pl.col(PAYMENT_TERMS).drop_nulls().first().cast(pl.Int64, strict=False))
    return (
        cases.join(terms, on=CASE_ID, how="left", maintain_order="left")
        .with_columns(due=pl.col("at_invoiced").dt.date() + pl.duration(days=pl.col("_terms")))
        .drop("_terms")
    )


def furthest_milestone(stones: dict[str, Milestone]) -> pl.Expr:
    expr = pl.lit(None, pl.String)
    for name in MILESTONES[:-1]:
        expr = pl.when(pl.col(f"at_{name}").is_not_null()).then(pl.lit(name)).otherwise(expr)
    return expr
