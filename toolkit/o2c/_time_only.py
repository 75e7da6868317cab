"""Steps that only add time: a short, conservative list of the steps whose orders would have taken
the same path, with the same outcome, without them; evidence, never a verdict.

**Which steps are weighed.** Every activity that some orders pass and others do not, that is
neither an outcome itself (a rejection, change or cancellation: ``o2c._approvals.OUTCOME_PATTERNS``)
nor a required step of the ideal path, and that comes before the order's first invoice (the
``invoiced`` milestone) in at least half of its executions: after invoicing, steps answer the
customer (complaints, reminders, credit memos) and act on money the path does not show.

**The same path.** An order that passed step A takes *the same path without it* when its path
with A's executions removed is a path (a variant, every activity in order) that orders which never
passed A take too. The path holds the rest of what happened to the order, so such an order's
rework (an activity repeated) and cancellation are those of its twins without A. ``same_path_share``
is the share of A's orders with such twins.

**Paid on time.** Among the orders with the same path, the share paid on or before the due date
(the ``paid`` milestone and a due date, as the ``days_past_due`` KPI counts them) of those that
passed A and of their twins without it, the difference (with A minus without) and its 95%
Poisson-bootstrap interval (seeded); the interval only with ``min_orders`` such orders on each
side (NaN otherwise).

**Time.** What A adds: the wait before each execution (from the end of the event before it) plus
its processing time (``timestamp - start_timestamp`` where there are starts), median and total.

**A candidate** has ``min_orders`` orders on each side, ``same_path_share`` of at least
``min_same_path``, a positive median time added, and, when the log has any order paid with a
due date, a difference interval inside plus or minus ``tolerance`` (a log without payments is
judged on the path alone): the data show no effect of the step large enough to see. It is evidence that the step may only add time, not proof: whoever routes orders
through it may know something the log does not.

Examples
--------
>>> import polars as pl
>>> from datetime import datetime, timedelta
>>> from o2c.log import validate
>>> t = datetime(2025, 1, 1)
>>> rows = [(f"{k}{i}", a, t + timedelta(days=d)) for k, path in (("s", [("Create", 0), ("Stamp", 1),
...         ("Ship", 2)]), ("p", [("Create", 0), ("Ship", 1)])) for i in range(40) for a, d in path]
>>> table = time_only_steps(validate(pl.DataFrame(rows, schema=["case_id", "activity", "timestamp"],
...                                               orient="row")))
>>> table[["step", "orders", "orders_without", "same_path_share", "time_added_median", "candidate"]]
    step  orders  orders_without  same_path_share time_added_median  candidate
0  Stamp      40              40              1.0            1 days       True
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from o2c._approvals import OUTCOME_PATTERNS, _events
from o2c._format import format_duration, format_share
from o2c._kpis._orders import DAYS_PAST_DUE, PAID_WITH_DUE, case_table, with_terms
from o2c._milestones import Milestone, find_milestones
from o2c._stats import share_interval
from o2c._tables import duration_from_microseconds
from o2c.errors import check_share, check_whole
from o2c.log import CASE_ID, validate
from o2c.model import IdealPath

#: The defaults of the candidate rule: orders on each side, share with twins, on-time tolerance.
MIN_ORDERS, MIN_SAME_PATH, TOLERANCE = 30, 0.9, 0.05
_SEPARATOR = "\x1f"  # joins a path's activities into one key (no activity name holds it)
_COLUMNS = [
    "step",
    "orders",
    "orders_without",
    "same_path_orders",
    "same_path_share",
    "on_time_with",
    "on_time_without",
    "on_time_diff",
    "on_time_ci_low",
    "on_time_ci_high",
    "time_added_median",
    "time_added",
    "candidate",
    "evidence",
]


def time_only_steps(
    log: pl.DataFrame | pd.DataFrame,
    *,
    ideal: IdealPath | None = None,
    min_orders: int = MIN_ORDERS,
    min_same_path: float = MIN_SAME_PATH,
    tolerance: float = TOLERANCE,
    seed: int = 0,
    resamples: int = 2000,
) -> pd.DataFrame:
    """Per optional step: whether its orders would have taken the same path and been paid on
    time as often without it, and the time it adds; candidates first (the module docstring
    defines each figure).

    Parameters
    ----------
    log : DataFrame
        An event log, polars or pandas (see ``o2c.log``).
    ideal : IdealPath, optional
        Its required steps are not weighed; its milestones say which step is ``paid``.
    min_orders : int
        The fewest orders on each side (with the step, without it) for a candidate.
    min_same_path : float
        The smallest ``same_path_share`` for a candidate.
    tolerance : float
        How far the interval of the on-time difference may reach from 0 for a candidate.
    seed, resamples : int
        The bootstrap of the interval.

    Returns
    -------
    DataFrame
        One row per step weighed: ``step``, ``orders``, ``orders_without``, ``same_path_orders``,
        ``same_path_share``, ``on_time_with``, ``on_time_without`` (shares over the same-path
        orders paid with a due date), ``on_time_diff``, ``on_time_ci_low``, ``on_time_ci_high``,
        ``time_added_median``, ``time_added``, ``candidate`` and ``evidence`` (one sentence);
        candidates first, then most time added.
    """
    function = "time_only_steps"
    check_whole(min_orders, argument="min_orders", function=function)
    check_share(min_same_path, argument="min_same_path", function=function)
    check_share(tolerance, argument="tolerance", function=function)
    check_whole(seed, argument="seed", function=function, least=0)
    check_whole(resamples, argument="resamples", function=function)
    return _time_only_steps(
        validate(log),
        ideal=ideal,
        min_orders=min_orders,
        min_same_path=min_same_path,
        tolerance=tolerance,
        seed=seed,
        resamples=resamples,
    )


def _time_only_steps(
    log: pl.DataFrame,
    *,
    ideal: IdealPath | None = None,
    min_orders: int = MIN_ORDERS,
    min_same_path: float = MIN_SAME_PATH,
    tolerance: float = TOLERANCE,
    seed: int = 0,
    resamples: int = 2000,
) -> pd.DataFrame:
    """``time_only_steps`` of a validated log."""
    events = _events(log, ())
    n = events[CASE_ID].n_unique()
    stones = find_milestones(log, ideal)
    outcome = pl.any_horizontal(*OUTCOME_PATTERNS)
    invoiced = stones["invoiced"].activity
    early = pl.lit(True)
    if invoiced is not None:
        invoice = pl.col("position").filter(pl.col("step") == invoiced).min().over(CASE_ID)
        early = invoice.is_null() | (pl.col("position") < invoice)
    passed = (
        events.with_columns(early=early)
        .group_by("step")
        .agg(
            orders=pl.col(CASE_ID).n_unique().cast(pl.Int64),
            is_outcome=outcome.first(),
            early=pl.col("early").mean(),
        )
    )
    required = set(ideal.required_steps) if ideal is not None else set()
    steps = passed.filter(
        (pl.col("orders") < n)
        & ~pl.col("is_outcome")
        & ~pl.col("step").is_in(list(required))
        & (pl.col("early") >= 0.5)
    ).select("step")
    if steps.height == 0:
        return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in _COLUMNS})
    # the variants (distinct paths) with their orders and payments: the comparison runs on them
    on_time = pl.col("on_time")
    variants = (
        events.group_by(CASE_ID, maintain_order=True)
        .agg(key=pl.col("step").sort_by("position").str.join(_SEPARATOR))
        .join(_on_time(log, stones), on=CASE_ID, how="left")
        .group_by("key")
        .agg(
            count=pl.len().cast(pl.Int64),
            paid=on_time.is_not_null().sum().cast(pl.Int64),
            in_time=on_time.fill_null(False).sum().cast(pl.Int64),
        )
        .with_row_index("variant")
    )
    visits = variants.select(
        "variant",
        step=pl.col("key").str.split(_SEPARATOR),
        position=pl.int_ranges(pl.col("key").str.split(_SEPARATOR).list.len()),
    ).explode("step", "position")
    weighed = visits.select("variant", "step").unique().join(steps, on="step").rename({"step": "weighed"})
    # each variant's path without each weighed step it holds; its twins are the variants with that path
    rests = (
        weighed.join(visits, on="variant")
        .filter(pl.col("step") != pl.col("weighed"))
        .group_by("variant", "weighed")
        .agg(rest=pl.col("step").sort_by("position").str.join(_SEPARATOR))
    )
    rests = weighed.join(rests, on=["variant", "weighed"], how="left").with_columns(
        pl.col("rest").fill_null("")
    )
    twins = variants.select(rest="key", twin="variant")
    rests = rests.join(twins, on="rest", how="left")
    facts = variants.select("variant", "count", "paid", "in_time")
    with_side = (
        rests.join(facts, on="variant")
        .group_by("weighed")
        .agg(
            orders=pl.col("count").sum(),
            same_path_orders=pl.col("count").filter(pl.col("twin").is_not_null()).sum(),
            paid_with=pl.col("paid").filter(pl.col("twin").is_not_null()).sum(),
            on_time_with_n=pl.col("in_time").filter(pl.col("twin").is_not_null()).sum(),
        )
    )
    without_side = (
        rests.select("weighed", variant="twin")
        .drop_nulls()
        .unique()
        .join(facts, on="variant")
        .group_by("weighed")
        .agg(paid_without=pl.col("paid").sum(), on_time_without_n=pl.col("in_time").sum())
    )
    counts = (
        with_side.join(without_side, on="weighed", how="left")
        .with_columns(
            pl.col("paid_without", "on_time_without_n").fill_null(0),
            orders_without=n - pl.col("orders"),
        )
        .with_columns(pl.col("same_path_orders", "paid_with", "on_time_with_n").cast(pl.Int64))
    )
    added = pl.col("wait").dt.total_microseconds() + pl.col("processing").dt.total_microseconds().fill_null(0)
    times = (
        events.join(steps, on="step")
        .group_by("step")
        .agg(
            time_added_median=duration_from_microseconds(added.median()),
            time_added=duration_from_microseconds(added.sum()),
        )
        .rename({"step": "weighed"})
    )
    table = counts.join(times, on="weighed").rename({"weighed": "step"}).sort("step").to_pandas()
    return _judged(table, min_orders, min_same_path, tolerance, np.random.default_rng(seed), resamples)


def _judged(
    table: pd.DataFrame,
    min_orders: int,
    min_same_path: float,
    tolerance: float,
    rng: np.random.Generator,
    resamples: int,
) -> pd.DataFrame:
    """The shares, the interval of the on-time difference, the candidates and their evidence."""
    table["same_path_share"] = table["same_path_orders"] / table["orders"]
    with np.errstate(invalid="ignore", divide="ignore"):
        table["on_time_with"] = table["on_time_with_n"] / table["paid_with"].where(table["paid_with"] > 0)
        table["on_time_without"] = table["on_time_without_n"] / table["paid_without"].where(
            table["paid_without"] > 0
        )
    table["on_time_diff"] = table["on_time_with"] - table["on_time_without"]
    intervals = [
        share_interval((int(c), int(n)), (int(a), int(m)), rng, resamples, (0.025, 0.975))
        if min(n, m) >= min_orders
        else (np.nan, np.nan)
        for a, m, c, n in table[
            ["on_time_with_n", "paid_with", "on_time_without_n", "paid_without"]
        ].itertuples(index=False, name=None)
    ]
    table["on_time_ci_low"] = [low for low, _ in intervals]
    table["on_time_ci_high"] = [high for _, high in intervals]
    # without payment data in the log, the path alone speaks; with it, payment must be compared
    unseen = pd.Series(not (table["paid_with"] + table["paid_without"]).any(), index=table.index)
    inside = (table["on_time_ci_low"] >= -tolerance) & (table["on_time_ci_high"] <= tolerance)
    table["candidate"] = (
        (table["orders"] >= min_orders)
        & (table["orders_without"] >= min_orders)
        & (table["same_path_share"] >= min_same_path)
        & (table["time_added_median"] > pd.Timedelta(0))
        & (unseen | inside)
    )
    table["evidence"] = [_evidence(row) for row in table.to_dict("records")]
    table = table.sort_values(["candidate", "time_added", "step"], ascending=[False, False, True])
    return table[_COLUMNS].reset_index(drop=True)


def _evidence(r: Mapping[Hashable, Any]) -> str:
    """One sentence: who passed the step, how many have twins without it, payment, time."""
    if pd.isna(r["on_time_ci_low"]):
        payment = "payment not compared (too few orders paid with a due date among them and their twins)"
    else:
        payment = (
            f"paid on time {format_share(r['on_time_with'])} with it, {format_share(r['on_time_without'])} "
            f"without (difference {r['on_time_diff']:+.1%}, 95% interval {r['on_time_ci_low']:+.1%} to "
            f"{r['on_time_ci_high']:+.1%})"
        )
    return (
        f"{r['orders']:,} orders passed it and {r['orders_without']:,} did not; "
        f"{format_share(r['same_path_share'])} of those that passed it took a path that orders without it "
        f"take too; {payment}; it adds a median {format_duration(r['time_added_median'], words=True)}."
    )


def _dtype(column: str) -> str:
    if column == "step" or column == "evidence":
        return "object"
    if column in ("orders", "orders_without", "same_path_orders"):
        return "int64"
    if column.startswith("time_added"):
        return "timedelta64[ns]"
    if column == "candidate":
        return "bool"
    return "float64"


def _on_time(log: pl.DataFrame, stones: dict[str, Milestone]) -> pl.DataFrame:
    """Per order: paid on or before its due date (null when not paid or without a due date)."""
    if stones["paid"].activity is None:
        return log.select(pl.col(CASE_ID).unique(maintain_order=True), on_time=pl.lit(None, pl.Boolean))
    table = with_terms(case_table(log, stones), log)
    return table.select(CASE_ID, on_time=pl.when(PAID_WITH_DUE).then(DAYS_PAST_DUE <= 0))
