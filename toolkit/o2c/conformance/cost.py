"""The cost of divergence from the ideal path, in days and in money, and flow efficiency.

Every order that leaves the ideal path (a skipped credit check, an inserted price change, an
invoice before shipment) delays the cash. Here each deviation is priced: how many orders, their
median lead time against that of conforming orders, the extra time, the order value delayed and
the financing cost of the delay: ``value delayed x extra days x annual rate / 365``.

Examples
--------
>>> from o2c.conformance.alignments import align
>>> from o2c import example_log
>>> ideal = IdealPath(("Create Sales Order", "Check Credit", "Confirm Order", "Ship Goods",
...                    "Create Invoice", "Receive Payment"))
>>> cost = cost_of_divergence(example_log(), align(example_log(), ideal))
>>> cost[["deviation", "cases", "extra_time", "financing_cost"]].head(2)
               deviation  cases      extra_time  financing_cost
0          any deviation      1 8 days 08:00:00      100.456621
1  inserted Change Price      1 8 days 08:00:00      100.456621
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from o2c import _engines
from o2c._calendar import WorkingCalendar, check_calendar, working_log
from o2c._engines import EventLog
from o2c.discovery import _activity_instances, case_span
from o2c.errors import ColumnMappingError, check_number
from o2c.log import ACTIVITY, CASE_ID, LIFECYCLE, START_TIMESTAMP, VALUE, per_case, validate
from o2c.model import IdealPath, ProcessModel
from o2c.performance import _processing_and_waiting, busy_time

#: The kinds of deviation ``cost_of_divergence`` prices, in the order of its rows' ``kind``.
DEVIATION_KINDS = ("any", "skipped", "inserted", "invoice_before_shipment")

_COLUMNS = [
    "deviation",
    "kind",
    "activity",
    "cases",
    "share_of_cases",
    "lead_time_median",
    "conforming_lead_time_median",
    "extra_time",
    "value_delayed",
    "financing_cost",
]

_DAY = pd.Timedelta(days=1)


@dataclass(frozen=True)
class OrderFacts:
    """What ``cost_of_divergence`` needs of the log besides the alignments, one fact per order:
    ``closed`` (case ids with the ideal path's closing step; None without an ideal path),
    ``values`` (``case_id``, ``value``: the order value, NaN without one) and ``invoiced_early``
    (case ids invoiced before shipment; None when the ideal path does not ship first)."""

    closed: pl.Series | None
    values: pd.DataFrame
    invoiced_early: pl.Series | None


def cost_of_divergence(
    log: EventLog,
    alignments: pd.DataFrame,
    *,
    ideal: IdealPath | None = None,
    value: str | float | None = None,
    annual_rate: float = 0.08,
    closed_only: bool = True,
) -> pd.DataFrame:
    """What each deviation from the ideal path costs: cases, extra time, value delayed, financing.

    Parameters
    ----------
    log : DataFrame, ScannedLog or Spark DataFrame
        The event log that was aligned (in memory, or on DuckDB or Spark: the engine finds each
        order's value, whether it closed and whether it was invoiced before shipment).
    alignments : DataFrame
        The result of ``o2c.align`` on ``log``; unresolved cases are left out.
    ideal : IdealPath, optional
        The ideal path; by default the one ``align`` was given. When its ``milestones`` name
        both a ``delivered`` and an ``invoiced`` step, delivered first, a row prices the orders
        invoiced before shipment: invoiced, with no delivery event before the first invoice
        event (an order invoiced and never shipped counts).
    value : str or float, optional
        The order value: a column of the log (a case's value is its first non-empty value, as
        everywhere in o2c), or one value for every order. By default the log's ``value`` column
        when it has one, else no money figures.
    annual_rate : float
        The yearly cost of capital for the financing cost (0.08 = 8 %).
    closed_only : bool
        Compare closed orders only: those with the ideal path's ``paid`` milestone step (else
        its last step). An open order's lead time is not known yet, and its missing last steps
        would count as skipped. Ignored without an ideal path (a ``ProcessModel``).

    Returns
    -------
    DataFrame
        One row per deviation: ``deviation`` (a label), ``kind`` (``any``, ``skipped``,
        ``inserted``, ``invoice_before_shipment``), ``activity`` (the step skipped or inserted,
        else None), ``cases`` (orders with the deviation at least once), ``share_of_cases``
        (of the cases compared: resolved, and closed with ``closed_only``), ``lead_time_median``
        of those cases, ``conforming_lead_time_median``,
        ``extra_time`` (the difference of the two medians; negative when those orders are
        faster, NaT without conforming cases), ``value_delayed`` (sum of their order values) and
        ``financing_cost`` (``value_delayed x extra_time in days x annual_rate / 365``). With
        alignments made with a working calendar (``align(..., calendar=...)``) the three times
        are working time, each followed by its calendar-time twin (``extra_time_calendar``), and
        ``financing_cost`` is taken on the calendar days: interest accrues on every day. The
        ``any deviation`` row (all non-conforming cases) comes first, then the costliest
        (financing cost, then cases, then label).

    Examples
    --------
    >>> from o2c.conformance.alignments import align
    >>> from o2c import example_log
    >>> ideal = IdealPath(("Create Sales Order", "Check Credit", "Confirm Order", "Ship Goods",
    ...                    "Create Invoice", "Receive Payment"))
    >>> alignments = align(example_log(), ideal)      # order 1 conforms; order 2 is not paid yet
    >>> cost = cost_of_divergence(example_log(), alignments, annual_rate=0.1)
    >>> cost[["deviation", "cases", "lead_time_median", "financing_cost"]]
                    deviation  cases lead_time_median  financing_cost
    0           any deviation      1 20 days 20:00:00      125.570776
    1   inserted Change Price      1 20 days 20:00:00      125.570776
    2  inserted Confirm Order      1 20 days 20:00:00      125.570776
    3    skipped Check Credit      1 20 days 20:00:00      125.570776
    >>> open_too = cost_of_divergence(example_log(), alignments, closed_only=False)
    >>> open_too[["deviation", "cases", "extra_time"]].tail(2)
                     deviation  cases         extra_time
    4    inserted Check Credit      1 -12 days +19:00:00
    5  skipped Receive Payment      1 -12 days +19:00:00
    """
    if _engines.is_engine_log(log, function="cost_of_divergence"):
        check_number(annual_rate, argument="annual_rate", function="cost_of_divergence")
        path = ideal if ideal is not None else alignments.attrs.get("ideal")
        closing = path.closing_step if path is not None and closed_only else None
        found = _engines.order_facts(
            log, closing_step=closing, invoice_and_delivery=invoice_and_delivery(path), value=value
        )
        return _divergence(alignments, OrderFacts(*found), annual_rate=annual_rate, closed_only=closed_only)
    return _cost_of_divergence(
        validate(log), alignments, ideal=ideal, value=value, annual_rate=annual_rate, closed_only=closed_only
    )


def _cost_of_divergence(
    log: pl.DataFrame,
    alignments: pd.DataFrame,
    *,
    ideal: IdealPath | None = None,
    value: str | float | None = None,
    annual_rate: float = 0.08,
    closed_only: bool = True,
) -> pd.DataFrame:
    """``cost_of_divergence`` of a validated log."""
    check_number(annual_rate, argument="annual_rate", function="cost_of_divergence")
    ideal = ideal if ideal is not None else alignments.attrs.get("ideal")
    facts = OrderFacts(
        closed=_closed_cases(log, ideal) if ideal is not None and closed_only else None,
        values=_case_values(log, value),
        invoiced_early=_invoiced_early(log, ideal),
    )
    return _divergence(alignments, facts, annual_rate=annual_rate, closed_only=closed_only)


def _divergence(
    alignments: pd.DataFrame,
    facts: OrderFacts,
    *,
    annual_rate: float,
    closed_only: bool,
) -> pd.DataFrame:
    """``cost_of_divergence`` from the alignments and the orders' facts (in memory or from an engine)."""
    times = [c for c in ("lead_time", "lead_time_calendar") if c in alignments.columns]
    cases = alignments.loc[alignments["resolved"].astype(bool), ["case_id", "is_fit", *times,
                                                                 "skipped_steps", "inserted_steps"]]  # fmt: skip
    if closed_only and facts.closed is not None:
        cases = cases[_isin(cases["case_id"], facts.closed)]
    cases = cases.merge(facts.values, on="case_id", how="left")
    early = pd.DataFrame({"case_id": pd.Series([], dtype=object)})
    if facts.invoiced_early is not None:
        early = pd.DataFrame({"case_id": facts.invoiced_early.to_pandas()})
        early = early[_isin(early["case_id"], pl.from_pandas(cases["case_id"]))]
    conforming = cases.loc[cases["is_fit"], times].median()
    members = pd.concat(
        [
            _members(cases.loc[~cases["is_fit"], ["case_id"]], "any", None),
            _moves(cases, "skipped_steps", "skipped"),
            _moves(cases, "inserted_steps", "inserted"),
            _members(early, "invoice_before_shipment", None),
        ],
        ignore_index=True,
    ).merge(cases[["case_id", *times, "value"]], on="case_id")
    grouped = members.groupby(["kind", "activity"], dropna=False, sort=False)
    table = grouped.agg(
        cases=("case_id", "size"),
        **{f"{t}_median": (t, "median") for t in times},  # lead_time_median, lead_time_calendar_median
        value_delayed=("value", lambda v: v.sum(min_count=1)),
    ).reset_index()
    table["deviation"] = [_label(k, a) for k, a in zip(table["kind"], table["activity"], strict=True)]
    table["share_of_cases"] = table["cases"] / len(cases) if len(cases) else np.nan
    twin = "_calendar" if "lead_time_calendar" in times else ""  # the calendar-time figures, if any
    for suffix in dict.fromkeys(("", twin)):
        table[f"lead_time_median{suffix}"] = table.pop(f"lead_time{suffix}_median")
        table[f"conforming_lead_time_median{suffix}"] = conforming[f"lead_time{suffix}"]
        table[f"extra_time{suffix}"] = table[f"lead_time_median{suffix}"] - conforming[f"lead_time{suffix}"]
    extra_days = table[f"extra_time{twin}"].dt.total_seconds() / _DAY.total_seconds()  # money: calendar days
    table["financing_cost"] = table["value_delayed"] * extra_days * annual_rate / 365
    table["_first"] = table["kind"] != "any"
    table = table.sort_values(
        ["_first", "financing_cost", "cases", "deviation"],
        ascending=[True, False, False, True],
        na_position="last",
    )
    table["activity"] = table["activity"].astype(object).where(table["activity"].notna(), None)
    columns = [c2 for c in _COLUMNS for c2 in (c, f"{c}{twin}") if c2 in table.columns]
    return table[list(dict.fromkeys(columns))].reset_index(drop=True)


def _label(kind: str, activity: str | None) -> str:
    return {"any": "any deviation", "invoice_before_shipment": "invoice before shipment"}.get(
        kind, f"{kind} {activity}"
    )


def _members(case_ids: pd.DataFrame, kind: str, activity: str | None) -> pd.DataFrame:
    return case_ids.assign(kind=kind, activity=activity)[["case_id", "kind", "activity"]]


def _moves(cases: pd.DataFrame, column: str, kind: str) -> pd.DataFrame:
    """Each case beside each step it skipped (or had inserted), once per case and step."""
    moves = cases[["case_id", column]].explode(column).dropna().drop_duplicates()
    return moves.rename(columns={column: "activity"}).assign(kind=kind)[["case_id", "kind", "activity"]]


def closed_cases(log: pl.DataFrame | pd.DataFrame, ideal: IdealPath) -> pl.Series:
    """Case ids of the closed orders: those with the ideal path's ``closing_step`` (the paid
    milestone step, else the path's last step), each once.

    >>> from o2c import example_log
    >>> ideal = IdealPath(("Create Sales Order", "Confirm Order", "Ship Goods", "Create Invoice",
    ...                    "Receive Payment"))
    >>> list(closed_cases(example_log(), ideal))
    ['1', '3']
    """
    return _closed_cases(validate(log), ideal)


def _closed_cases(log: pl.DataFrame, ideal: IdealPath) -> pl.Series:
    """``closed_cases`` of a validated log, or of a ``ScannedLog`` or Spark DataFrame (an engine's
    ``Assessment.log``; its case ids come sorted)."""
    if not isinstance(log, pl.DataFrame):
        return _engines.cases_with(log, ideal.closing_step)
    return log.filter(pl.col(ACTIVITY) == ideal.closing_step)[CASE_ID].unique(maintain_order=True)


def _isin(case_ids: pd.Series, among: pl.Series) -> np.ndarray:
    """``case_ids.isin(among)`` as a mask, computed by polars (pandas takes seconds on a million texts)."""
    return pl.from_pandas(case_ids).is_in(among.implode()).to_numpy()


def _case_values(log: pl.DataFrame, value: str | float | None) -> pd.DataFrame:
    """Each case's order value (its first non-empty value in the column), or NaN without one."""
    if value is None or isinstance(value, str):
        column = VALUE if value is None else value
        if column not in log.columns:
            if value is None:
                return per_case(log, value=pl.lit(None, dtype=pl.Float64)).to_pandas()
            raise ColumnMappingError(
                f"cost_of_divergence: the log has no column {value!r} for the order value; "
                f"columns are {list(log.columns)}.",
                column=value,
            )
        frame = per_case(log, value=pl.col(column).cast(pl.Float64).drop_nulls().first())
    else:
        frame = per_case(log, value=pl.lit(float(value), dtype=pl.Float64))
    return frame.to_pandas()


def invoice_and_delivery(ideal: IdealPath | None) -> tuple[str, str] | None:
    """The ideal path's invoiced and delivered steps when it ships before it invoices, else None
    (then no order counts as invoiced before shipment)."""
    if ideal is None:
        return None
    delivered, invoiced = ideal.milestones.get("delivered"), ideal.milestones.get("invoiced")
    if delivered is None or invoiced is None or ideal.steps.index(delivered) > ideal.steps.index(invoiced):
        return None
    return invoiced, delivered


def _invoiced_early(log: pl.DataFrame, ideal: IdealPath | None) -> pl.Series | None:
    """Case ids of the orders invoiced with no delivery event before their first invoice event
    (None when the ideal path does not ship before it invoices)."""
    steps = invoice_and_delivery(ideal)
    if steps is None:
        return None
    invoiced, delivered = steps
    activity, position = pl.col(ACTIVITY), pl.int_range(pl.len())
    first = per_case(
        log,
        invoice=position.filter(activity == invoiced).min(),
        delivery=position.filter(activity == delivered).min(),
    )
    before = pl.col("delivery").is_null() | (pl.col("invoice") < pl.col("delivery"))
    return first.filter(pl.col("invoice").is_not_null() & before)[CASE_ID]


#: Where an order's value-adding time comes from, in the order of ``flow_efficiency``'s rows.
VALUE_ADDING_SOURCES = ("target_hours", "processing_times")


def flow_efficiency(
    log: EventLog,
    ideal: IdealPath | ProcessModel,
    *,
    alignments: pd.DataFrame | None = None,
    closed_only: bool = True,
    calendar: WorkingCalendar | None = None,
) -> pd.DataFrame:
    """Value-adding time over lead time of the closed orders: never above 100%, or not computed.

    An order's value-adding time comes from either of two sources, one row each where it exists:

    - ``target_hours``: the ideal path's target hours of the distinct steps the order executed
      (a step done twice counts once: rework adds no value);
    - ``processing_times``: the time the order's activities were in progress, from start to
      completion (``start_timestamp``, or lifecycle start/complete pairs), overlapping
      activities counted once.

    An order's value-adding time is capped at its lead time (first event's start to last
    event), so no order exceeds 100%; orders with a lead time of 0 are left out. When neither
    source exists (no target hours, no start times), the one row says ``not_computed`` and why:
    the median lead time of orders that follow the ideal path is no value-adding time.

    Parameters
    ----------
    log : DataFrame
        A validated event log.
    ideal : IdealPath or ProcessModel
        The ideal path (its ``target_hours``; a ``ProcessModel`` has none).
    alignments : DataFrame, optional
        Ignored; kept so that calls that pass ``align``'s result still work (removed in 0.3).
    closed_only : bool
        Measure closed orders only (with the ideal path's ``paid`` milestone step, else its last
        step), as ``cost_of_divergence`` does; ignored for a ``ProcessModel``.
    calendar : WorkingCalendar, optional
        Measure lead times and processing times in working time (``o2c.read_calendar``): value-
        adding time over the working lead time, the share of the working hours an order was
        worked on.

    Returns
    -------
    DataFrame
        One row per source (``target_hours`` first): ``theoretical_lead_time`` (median
        value-adding time per order), ``theoretical_from`` (the source, or ``not_computed``),
        ``actual_lead_time`` (median lead time), ``flow_efficiency`` (total value-adding time
        over total lead time, a fraction in [0, 1]), ``cases`` (orders measured),
        ``flow_efficiency_median`` (median of the orders' own fractions), ``reason`` (why not
        computed, else empty).

    Examples
    --------
    >>> from o2c import example_log
    >>> ideal = IdealPath(("Create Sales Order", "Check Credit", "Confirm Order", "Ship Goods",
    ...                    "Create Invoice", "Receive Payment"),
    ...                   target_hours={"Check Credit": 2, "Ship Goods": 24, "Receive Payment": 72})
    >>> result = flow_efficiency(example_log(), ideal)
    >>> result[["theoretical_lead_time", "theoretical_from", "actual_lead_time", "flow_efficiency"]]
      theoretical_lead_time theoretical_from actual_lead_time  flow_efficiency
    0       4 days 01:00:00     target_hours 16 days 16:00:00           0.2425
    >>> flow_efficiency(example_log(), IdealPath(ideal.steps)).loc[0, ["theoretical_from", "reason"]].tolist()
    ['not_computed', 'no target hours in the ideal path and no start times in the log']
    """
    if _engines.is_engine_log(log, function="flow_efficiency"):
        _engines.check_no_calendar(calendar, function="flow_efficiency")
        path = ideal if isinstance(ideal, IdealPath) else None
        spans = _engines.case_spans(log)
        closed = _engines.cases_with(log, path.closing_step) if path is not None and closed_only else None
        target = None
        if path is not None and path.target_hours:
            target = _target_time(_engines.executed_steps(log, list(path.target_hours)), path)
        _engines.refuse_start_times(log, function="flow_efficiency")
        return _efficiency_table(spans, closed, target, None)
    working = working_log(validate(log), check_calendar(calendar, function="flow_efficiency"))
    return _flow_efficiency(working, ideal, alignments=alignments, closed_only=closed_only)


def _flow_efficiency(
    log: pl.DataFrame,
    ideal: IdealPath | ProcessModel,
    *,
    alignments: pd.DataFrame | None = None,
    closed_only: bool = True,
) -> pd.DataFrame:
    """``flow_efficiency`` of a validated log."""
    del alignments
    first, last = case_span(log)
    spans = per_case(log, first_event=first, last_event=last).select(
        CASE_ID, lead=(pl.col("last_event") - pl.col("first_event")).dt.total_microseconds()
    )
    path = ideal if isinstance(ideal, IdealPath) else None
    closed = _closed_cases(log, path) if path is not None and closed_only else None
    target = None
    if path is not None and path.target_hours:
        target = _target_time(log.select(CASE_ID, pl.col(ACTIVITY).cast(pl.String)).unique(), path)
    return _efficiency_table(spans, closed, target, _processing_time(log))


def _efficiency_table(
    spans: pl.DataFrame,
    closed: pl.Series | None,
    target: pl.DataFrame | None,
    processing: pl.DataFrame | None,
) -> pd.DataFrame:
    """``flow_efficiency`` from each order's lead (``case_id``, ``lead`` in µs), the closed orders'
    ids (None: all count) and each source's value-adding time per order (None: no such source)."""
    if closed is not None:
        spans = spans.filter(pl.col(CASE_ID).is_in(closed.implode()))
    spans = spans.filter(pl.col("lead") > 0)
    sources = {"target_hours": target, "processing_times": processing}
    rows = [_efficiency(spans, source, time) for source, time in sources.items() if time is not None]
    if not rows:
        rows = [
            _efficiency(spans, "not_computed", None)
            | {"reason": "no target hours in the ideal path and no start times in the log"}
        ]
    frame = pd.DataFrame(rows)
    for column in ("theoretical_lead_time", "actual_lead_time"):
        frame[column] = pd.to_timedelta(frame[column], unit="us").astype("timedelta64[us]")
    return frame


#: The columns of ``lead_time_split`` with their dtypes, in order.
SPLIT_COLUMNS: dict[str, Any] = {
    "cases": "int64",
    "closing_step": object,
    "lead_time_median": "timedelta64[us]",
    "processing_time_median": "timedelta64[us]",
    "waiting_time_median": "timedelta64[us]",
    "lead_time_total": "timedelta64[us]",
    "processing_time_total": "timedelta64[us]",
    "waiting_time_total": "timedelta64[us]",
    "processing_share": "float64",
    "waiting_share": "float64",
    "instances": "int64",
    "instances_without_start": "int64",
}


def lead_time_split(
    log: EventLog,
    ideal: IdealPath | ProcessModel,
    *,
    closed_only: bool = True,
    calendar: WorkingCalendar | None = None,
) -> pd.DataFrame:
    """How the closed orders' lead time splits into processing time and waiting time.

    Each order's lead time is split as ``o2c.processing_and_waiting`` splits it: processing
    time is the time some activity of the order was in progress (start to completion, overlaps
    counted once), waiting time the rest, between steps. Orders are those ``flow_efficiency``
    measures: the closed ones (with the ideal path's ``paid`` milestone step, else its last
    step) when ``closed_only``, and only orders with a lead time above 0; so ``processing_share``
    equals flow efficiency from processing times. Activity instances without a known start add
    no processing time: their time counts as waiting (``instances_without_start`` says how many).

    Returns
    -------
    DataFrame
        One row, or none when the log has no start times (processing time is unknown):
        ``cases`` (orders measured), ``closing_step`` (the step that closes an order, empty
        when all orders count), ``lead_time_median``, ``processing_time_median``,
        ``waiting_time_median`` (medians over the orders, each taken on its own, so they need
        not add up), ``lead_time_total``, ``processing_time_total``, ``waiting_time_total``
        (sums; processing + waiting = lead), ``processing_share`` and ``waiting_share`` (of the
        total lead time, 0..1, adding up to 1; empty without orders), ``instances`` and
        ``instances_without_start`` (activity instances of these orders, and those among them
        without a known start). With a ``calendar`` (``o2c.read_calendar``) the times are
        working time.

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime
    >>> stamps = [datetime(2025, 1, 1, h) for h in (8, 10, 11, 14)]  # a: 8-10, b: 11-14
    >>> log = pl.DataFrame({"case_id": "1", "activity": ["a", "a", "b", "b"], "timestamp": stamps,
    ...                     "lifecycle": ["start", "complete"] * 2})
    >>> split = lead_time_split(log, IdealPath(("a", "b")))
    >>> split[["cases", "processing_time_median", "waiting_time_median", "processing_share"]]
       cases processing_time_median waiting_time_median  processing_share
    0      1        0 days 05:00:00     0 days 01:00:00          0.833333
    """
    if _engines.is_engine_log(log, function="lead_time_split"):  # without start times: no rows
        _engines.check_no_calendar(calendar, function="lead_time_split")
        _engines.refuse_start_times(log, function="lead_time_split")
        return _no_split()
    working = working_log(validate(log), check_calendar(calendar, function="lead_time_split"))
    return _lead_time_split(working, ideal, closed_only=closed_only)


def _lead_time_split(
    log: pl.DataFrame, ideal: IdealPath | ProcessModel, *, closed_only: bool = True
) -> pd.DataFrame:
    """``lead_time_split`` of a validated log."""
    if LIFECYCLE in log.columns:
        log = _activity_instances(log)
    split = _processing_and_waiting(log)
    if not len(split):
        return _no_split()
    closing = None
    if closed_only and isinstance(ideal, IdealPath):
        closing = ideal.closing_step
        split = split[_isin(split["case_id"], _closed_cases(log, ideal))]
    split = split[split["lead_time"] > pd.Timedelta(0)]
    totals = {c: pd.Timedelta(split[c].sum()) for c in ("lead_time", "processing_time", "waiting_time")}
    lead = totals["lead_time"].total_seconds()
    row = {
        "cases": len(split),
        "closing_step": closing,
        **{f"{c}_median": split[c].median() for c in totals},
        **{f"{c}_total": total for c, total in totals.items()},
        "processing_share": totals["processing_time"].total_seconds() / lead if lead else np.nan,
        "waiting_share": totals["waiting_time"].total_seconds() / lead if lead else np.nan,
        "instances": int(split["instances"].sum()),
        "instances_without_start": int(split["instances_without_start"].sum()),
    }
    return pd.DataFrame([row]).astype(SPLIT_COLUMNS)


def _no_split() -> pd.DataFrame:
    """``lead_time_split`` of a log without start times: its columns, no rows."""
    return pd.DataFrame({c: pd.Series(dtype=dtype) for c, dtype in SPLIT_COLUMNS.items()})


def _efficiency(spans: pl.DataFrame, source: str, time: pl.DataFrame | None) -> dict[str, object]:
    """One row of ``flow_efficiency``: each order's value-adding ``time`` (µs) against its lead."""
    if time is None:
        measured = spans.with_columns(adding=pl.lit(None, pl.Int64))
    else:
        measured = spans.join(time, on=CASE_ID, how="left").with_columns(
            adding=pl.min_horizontal(pl.col("adding").fill_null(0), pl.col("lead"))
        )
    found = measured.select(
        theoretical_lead_time=pl.col("adding").median(),
        theoretical_from=pl.lit(source),
        actual_lead_time=pl.col("lead").median(),
        flow_efficiency=pl.col("adding").sum() / pl.col("lead").sum(),
        cases=pl.len(),
        flow_efficiency_median=(pl.col("adding") / pl.col("lead")).median(),
        reason=pl.lit(""),
    ).row(0, named=True)
    if time is None or not found["cases"]:
        found |= {"theoretical_lead_time": None, "flow_efficiency": np.nan, "flow_efficiency_median": np.nan}
    return found


def _target_time(steps: pl.DataFrame, ideal: IdealPath) -> pl.DataFrame:
    """Per order, the target hours (in µs) of the distinct ideal-path steps it executed, from each
    order's distinct steps (``case_id``, ``activity``)."""
    hours = pl.DataFrame(
        {ACTIVITY: list(ideal.target_hours), "hours": [float(h) for h in ideal.target_hours.values()]}
    )
    return (
        steps.join(hours, on=ACTIVITY)
        .group_by(CASE_ID)
        .agg(adding=(pl.col("hours").sum() * 3_600_000_000).cast(pl.Int64))
    )


def _processing_time(log: pl.DataFrame) -> pl.DataFrame | None:
    """Per order, the time (µs) some activity was in progress: the union of its activities'
    start-to-completion intervals; None when the log has no start times."""
    instances = _activity_instances(log)
    if START_TIMESTAMP not in instances.columns or instances[START_TIMESTAMP].is_null().all():
        return None
    return busy_time(instances).select(CASE_ID, adding="_busy")
