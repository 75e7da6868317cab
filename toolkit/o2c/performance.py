"""Where time goes: waiting times per edge, activity durations, lead times, bottlenecks, drivers.

The **waiting time** of an edge a -> b is the start of b (its ``start_timestamp``, or its
``timestamp`` when there is none) minus the end (``timestamp``) of a, within one case, as
pm4py's ``discover_performance_dfg`` computes it. On a log with lifecycle start/complete events
every event is a node, as in pm4py; fold the log with ``o2c.activity_instances`` first to get
waits from the complete of one activity to the start of the next, and processing times from
``activity_durations``. Durations are pandas Timedeltas (microsecond precision).

With a working calendar (``calendar=``, an ``o2c.WorkingCalendar``) every wait, duration and lead
time counts working time only: the log goes once through the calendar's working clock
(``o2c._calendar.working_log``), so the analyses take the same differences of timestamps as without one. The
duration columns keep their names and hold working time; each is followed by its calendar-time
twin with the suffix ``_calendar`` (``wait_median`` then ``wait_median_calendar``), and instants
(``first_event``) and money (``value_days``, ``financing_cost``: interest accrues on calendar
days) stay in calendar time.

Examples
--------
>>> from o2c import example_log
>>> waiting_times(example_log())[["source", "target", "wait_median"]].head(2)
          source          target     wait_median
0  Confirm Order      Ship Goods 1 days 21:00:00
1     Ship Goods  Create Invoice 0 days 02:00:00
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd
import polars as pl

from o2c import _engines
from o2c._calendar import WorkingCalendar, check_calendar, working_log
from o2c._engines import EventLog
from o2c._milestones import customer_steps
from o2c._stats import PooledSample
from o2c._tables import US_PER_DAY, duration_from_microseconds, sort_edges
from o2c.discovery import (
    SAME_CASE,
    _activity_instances,
    case_span,
    edge_counts,
    event_start,
    lazy_transitions,
)
from o2c.errors import ArgumentError, check_choice, check_number, check_whole, did_you_mean
from o2c.log import (
    ACTIVITY,
    CASE_ID,
    FIRST_OF_CASE,
    LIFECYCLE,
    RESOURCE,
    ROLES,
    SOURCE_ROW,
    START_TIMESTAMP,
    TIMESTAMP,
    VALUE,
    case_first,
    case_values,
    per_case,
    validate,
)
from o2c.model import IdealPath

#: The statistics of a set of waits (or durations), in the order the result frames show them.
STATISTICS = ("median", "mean", "p90", "max", "total")

#: What ``bottlenecks`` can rank by.
BOTTLENECK_ORDER = (
    "wait_total",
    "wait_median",
    "wait_mean",
    "wait_p90",
    "wait_max",
    "transitions",
    "cases",
    "value_days",
)

#: Who an edge's wait belongs to in ``bottlenecks``.
OWNERS = ("internal", "customer")

#: The columns of ``drivers``, in order.
DRIVER_COLUMNS = [
    "attribute",
    "value",
    "transitions",
    "cases",
    "wait_median",
    "others_wait_median",
    "ratio",
    "p_value",
    "explained_wait",
    "aliases",
]

#: A driver value whose transitions lie at least this share within a broader value's, waiting
#: longer (or shorter) as that one does, is the same effect: listed among its ``aliases``.
SAME_EFFECT = 0.9

#: The attribute ``drivers`` derives from ``value`` (quantile bands of the order value).
VALUE_BAND = "value_band"

_CANONICAL = (*ROLES, SOURCE_ROW)
_ATTRIBUTE_DTYPES = (pl.String, pl.Categorical, pl.Enum, pl.Boolean)


#: The suffix of the calendar-time twin of a duration column, when an analysis runs on a working calendar.
CALENDAR_SUFFIX = "_calendar"

_EDGE = ["source", "target"]


def _beside_calendar(working: pd.DataFrame, plain: pd.DataFrame, on: Sequence[str]) -> pd.DataFrame:
    """A result computed in working time (``working``) with the calendar-time result (``plain``,
    the same analysis of the same log without a calendar) beside it: each duration column ``c``
    followed by ``c_calendar``; instants (datetime columns) taken from ``plain``, as they are no
    durations. Rows stay in ``working``'s order (joined on ``on``)."""
    durations = [c for c in plain.columns if pd.api.types.is_timedelta64_dtype(plain[c])]
    instants = [c for c in plain.columns if pd.api.types.is_datetime64_any_dtype(plain[c])]
    twins = plain[[*on, *durations, *instants]].rename(columns={c: c + CALENDAR_SUFFIX for c in durations})
    merged = working.drop(columns=instants).merge(twins, on=list(on), how="left", validate="one_to_one")
    order = [c2 for c in working.columns for c2 in (c, c + CALENDAR_SUFFIX) if c2 in merged.columns]
    return merged[order]


def _statistics(microseconds: pl.Expr, prefix: str, suffix: str = "") -> list[pl.Expr]:
    """Median, mean, 90th percentile (linear interpolation), max and total of a duration in µs,
    named ``{prefix}_median{suffix}`` and so on."""
    return [
        duration_from_microseconds(microseconds.median()).alias(f"{prefix}_median{suffix}"),
        duration_from_microseconds(microseconds.mean()).alias(f"{prefix}_mean{suffix}"),
        duration_from_microseconds(microseconds.quantile(0.9, interpolation="linear")).alias(
            f"{prefix}_p90{suffix}"
        ),
        duration_from_microseconds(microseconds.max()).alias(f"{prefix}_max{suffix}"),
        duration_from_microseconds(microseconds.sum()).alias(f"{prefix}_total{suffix}"),
    ]


def _edge_waits(
    log: pl.DataFrame, *, overlap_as_zero: bool = False, calendar: WorkingCalendar | None = None
) -> pl.DataFrame:
    """Per edge of a validated log: transitions, cases, the wait statistics and the overlaps
    (transitions whose wait is negative), waits of overlaps as they are or as 0 (polars). With a
    ``calendar`` the waits are working time, each statistic followed by its calendar-time twin
    (``wait_median_calendar``), both from one grouping of the transitions."""
    pairs = lazy_transitions(working_log(log, calendar)).with_columns(
        _wait=pl.col("wait").dt.total_microseconds()
    )
    wait = pl.col("_wait").clip(lower_bound=0) if overlap_as_zero else pl.col("_wait")
    twins: list[pl.Expr] = []
    signed = "_wait"
    if calendar is not None:  # the calendar-time waits, row by row beside the working ones
        plain = lazy_transitions(log).select(_plain=pl.col("wait").dt.total_microseconds())
        pairs = pl.concat([pairs, plain], how="horizontal")
        signed = "_plain"  # an overlap outside working hours waited 0 working time, and still overlapped
        twins = _statistics(
            pl.col("_plain").clip(lower_bound=0) if overlap_as_zero else pl.col("_plain"),
            "wait",
            CALENDAR_SUFFIX,
        )
    overlaps = (pl.col(signed) < 0).sum().cast(pl.Int64).alias("overlaps")
    edges = sort_edges(edge_counts(pairs, *_statistics(wait, "wait"), *twins, overlaps).collect())
    if calendar is None:
        return edges
    order = [
        c2
        for c in edges.columns
        if not c.endswith(CALENDAR_SUFFIX)
        for c2 in (c, c + CALENDAR_SUFFIX)
        if c2 in edges.columns
    ]
    return edges.select(order)


def waiting_times(
    log: EventLog,
    *,
    overlap_as_zero: bool = False,
    accuracy: int | None = None,
    calendar: WorkingCalendar | None = None,
) -> pd.DataFrame:
    """How long cases wait on each edge a -> b of the process map.

    Parameters
    ----------
    log : DataFrame, ScannedLog or Spark DataFrame
        An event log, polars or pandas (see ``o2c.log``); or a log left in Parquet
        (``o2c.scan_log``), which DuckDB analyses within its memory limit; or a PySpark
        DataFrame with the canonical columns, which Spark analyses. Same result from each.
    overlap_as_zero : bool
        Count the wait of an overlapping transition (b started before a ended) as 0, as the
        maps and ``bottlenecks`` do; by default it stays negative, as in pm4py.
    accuracy : int, optional
        Spark DataFrames only: compute ``wait_median`` and ``wait_p90`` with Spark's
        ``percentile_approx`` at this accuracy (Spark's default is 10000), whose documented
        bound is a rank error of at most ``n / accuracy`` among an edge's ``n`` waits; it
        returns one of the waits, not an interpolation. Default: exact percentiles (Spark's
        ``median`` and ``percentile``, which hold each edge's waits on one executor). Any
        other log raises ``ArgumentError``: its percentiles are exact.
    calendar : WorkingCalendar, optional
        Count working time only (``o2c.read_calendar``; polars and pandas logs): the ``wait_*``
        columns hold working time, each followed by its calendar-time twin ``wait_*_calendar``.

    Returns
    -------
    DataFrame
        One row per edge: ``source``, ``target``, ``transitions``, ``cases`` (as in
        ``directly_follows``), ``wait_median``, ``wait_mean``, ``wait_p90`` (90th percentile,
        linear interpolation), ``wait_max`` and ``wait_total`` (transitions x mean), all
        Timedeltas, and ``overlaps`` (transitions where b started before a ended). Most
        frequent first, ties by ``source``, ``target``. With a ``calendar``, the waits are
        working time and ``wait_median_calendar`` ... ``wait_total_calendar`` follow them.

    Notes
    -----
    Waiting time of a -> b: the start of b (``start_timestamp``, else ``timestamp``) minus the
    end of a, so overlapping activities give negative waits, as in pm4py; an overlap is parallel
    work, not waiting, which ``overlap_as_zero`` counts as no wait.

    Examples
    --------
    >>> from o2c import example_log
    >>> waits = waiting_times(example_log())
    >>> waits[["source", "target", "transitions", "wait_mean"]].head(4)
               source           target  transitions        wait_mean
    0   Confirm Order       Ship Goods            3  1 days 19:20:00
    1      Ship Goods   Create Invoice            3  0 days 01:40:00
    2    Check Credit    Confirm Order            2  0 days 02:30:00
    3  Create Invoice  Receive Payment            2 14 days 02:00:00
    >>> waits["wait_total"].iloc[3]
    Timedelta('28 days 04:00:00')
    >>> import pathlib, tempfile
    >>> from o2c import scan_log
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.parquet"
    >>> example_log().write_parquet(path)
    >>> waiting_times(scan_log(path)).equals(waits)  # DuckDB, out of core
    True
    >>> from o2c import WorkingCalendar
    >>> office = WorkingCalendar({day: ["09:00-17:00"] for day in ("monday", "tuesday", "wednesday", "thursday", "friday")})
    >>> waiting_times(example_log(), calendar=office)[["source", "target", "wait_median", "wait_median_calendar"]].head(1)
              source      target     wait_median wait_median_calendar
    0  Confirm Order  Ship Goods 0 days 13:00:00      1 days 21:00:00
    """
    check_calendar(calendar, function="waiting_times")
    if _engines.is_engine_log(log, function="waiting_times"):
        _no_engine_calendar(calendar, "waiting_times")
        return _engines.waiting_times(log, overlap_as_zero=overlap_as_zero, accuracy=accuracy)
    _engines.check_accuracy(log, accuracy)
    return _waiting_times(validate(log), overlap_as_zero=overlap_as_zero, calendar=calendar)


def _no_engine_calendar(calendar: WorkingCalendar | None, function: str) -> None:
    if calendar is not None:
        raise ArgumentError(
            f"{function}(calendar=...) needs the log in memory (a polars or pandas frame); the DuckDB "
            "and Spark engines count calendar time only.",
            function=function,
            argument="calendar",
            value=calendar,
        )


def _waiting_times(
    log: pl.DataFrame, *, overlap_as_zero: bool = False, calendar: WorkingCalendar | None = None
) -> pd.DataFrame:
    """``waiting_times`` of a validated log."""
    return _edge_waits(log, overlap_as_zero=overlap_as_zero, calendar=calendar).to_pandas()


def _edges_and_waits(
    log: pl.DataFrame, *, calendar: WorkingCalendar | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``directly_follows`` and ``waiting_times`` of a validated log from one pass over its transitions.

    The edges are the waits' first four columns: both group the same transitions (a working
    calendar moves timestamps, never events) and sort them alike, so ``assess`` pairs the events
    and counts the distinct cases per edge once, not twice.

    >>> from o2c import example_log
    >>> from o2c.discovery import _directly_follows
    >>> edges, waits = _edges_and_waits(example_log())
    >>> edges.equals(_directly_follows(example_log())), waits.equals(_waiting_times(example_log()))
    (True, True)
    """
    waits = _waiting_times(log, calendar=calendar)
    return waits[["source", "target", "transitions", "cases"]].copy(), waits


def activity_durations(log: EventLog, *, calendar: WorkingCalendar | None = None) -> pd.DataFrame:
    """How long each activity takes to process, from its start to its completion.

    The **processing time** of an activity instance is its completion (``timestamp``) minus its
    start (``start_timestamp``). A lifecycle log (``lifecycle`` start/complete events) is first
    folded with ``o2c.activity_instances`` (pm4py's pairing: per case and activity, first in first
    out); a log with a ``start_timestamp`` column is used as it is. Only instances with a known
    start count: a complete without a start has no processing time (it is counted in
    ``instances_without_start``), and with complete-only logs the result has no rows.

    Returns
    -------
    DataFrame
        One row per activity with at least one instance with a known start: ``activity``,
        ``instances`` (with a known start), ``duration_median``, ``duration_mean``,
        ``duration_p90`` (linear interpolation), ``duration_max``, ``duration_total``
        (Timedeltas), ``cases`` (orders with such an instance), ``instances_without_start``
        (completions of the activity without a start, not measured) and
        ``share_of_processing`` (``duration_total`` over the sum of all activities'
        ``duration_total``, 0..1; where the measured work goes). Largest total first, ties by
        ``activity``. With a ``calendar`` (``o2c.WorkingCalendar``) the ``duration_*`` columns
        are working time, each followed by its calendar-time twin ``duration_*_calendar``, and
        ``share_of_processing`` shares out working time.

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime
    >>> log = pl.DataFrame({"case_id": ["1"] * 4, "activity": ["a", "a", "b", "b"],
    ...     "timestamp": [datetime(2025, 1, 1, h) for h in (8, 9, 11, 14)],
    ...     "lifecycle": ["start", "complete", "start", "complete"]})
    >>> activity_durations(log)[["activity", "instances", "duration_median", "share_of_processing"]]
      activity  instances duration_median  share_of_processing
    0        b          1 0 days 03:00:00                 0.75
    1        a          1 0 days 01:00:00                 0.25
    """
    if _engines.is_engine_log(log, function="activity_durations"):
        _engines.check_no_calendar(calendar, function="activity_durations")
        found = _engines.activity_durations(log)
        return _no_durations() if found is None else _ranked_durations(found.lazy())
    return _activity_durations(
        validate(log), calendar=check_calendar(calendar, function="activity_durations")
    )


def _activity_durations(log: pl.DataFrame, *, calendar: WorkingCalendar | None = None) -> pd.DataFrame:
    """``activity_durations`` of a validated log."""
    if LIFECYCLE in log.columns:
        log = _activity_instances(log)
    if calendar is None:
        return _durations(log)
    return _beside_calendar(_durations(working_log(log, calendar)), _durations(log), [ACTIVITY])


def _durations(log: pl.DataFrame) -> pd.DataFrame:
    """``activity_durations`` of a validated log of activity instances."""
    if LIFECYCLE in log.columns:
        log = _activity_instances(log)
    if START_TIMESTAMP not in log.columns:
        return _no_durations()
    known = pl.col(START_TIMESTAMP).is_not_null()
    duration = (pl.col(TIMESTAMP) - pl.col(START_TIMESTAMP)).dt.total_microseconds()
    durations = (
        log.lazy()
        .select(pl.col(ACTIVITY).cast(pl.String), CASE_ID, _known=known, _duration=duration)
        .group_by(ACTIVITY)
        .agg(
            pl.col("_known").sum().cast(pl.UInt32).alias("instances"),
            *_statistics(pl.col("_duration").filter("_known"), "duration"),
            pl.col(CASE_ID).filter("_known").n_unique().cast(pl.UInt32).alias("cases"),
            (~pl.col("_known")).sum().cast(pl.UInt32).alias("instances_without_start"),
        )
    )
    return _ranked_durations(durations)


def _ranked_durations(durations: pl.LazyFrame) -> pd.DataFrame:
    """Per activity (``instances``, the duration statistics, ``cases``, ``instances_without_start``):
    those measured at least once, with their share of processing, largest total first."""
    ranked = (
        durations.filter(pl.col("instances") > 0)
        .with_columns(
            share_of_processing=pl.col("duration_total").dt.total_microseconds()
            / pl.col("duration_total").dt.total_microseconds().sum()
        )
        .sort(["duration_total", ACTIVITY], descending=[True, False])
        .collect()
    )
    return ranked.to_pandas()


def _no_durations() -> pd.DataFrame:
    """``activity_durations`` of a log without start times: its columns, no rows."""
    statistics = [f"duration_{s}" for s in STATISTICS]
    schema = {"activity": pl.String, "instances": pl.UInt32}
    empty = pl.DataFrame(schema=schema).with_columns(
        pl.lit(None, pl.Duration("us")).alias(c) for c in statistics
    )
    empty = empty.with_columns(
        pl.lit(None, pl.UInt32).alias("cases"),
        pl.lit(None, pl.UInt32).alias("instances_without_start"),
        pl.lit(None, pl.Float64).alias("share_of_processing"),
    )
    return empty.to_pandas()


def processing_and_waiting(
    log: pl.DataFrame | pd.DataFrame, *, calendar: WorkingCalendar | None = None
) -> pd.DataFrame:
    """Each case's lead time split into processing time and waiting time.

    An order's **processing time** is the time some activity of it was in progress: the union of
    its activity instances' start-to-completion intervals (``start_timestamp`` to
    ``timestamp``, lifecycle start/complete pairs folded as in ``activity_durations``), so
    overlapping activities count once. Its **waiting time** is the rest of its lead time (first
    event's start to last event's completion, as in ``lead_times``): the time no activity was in
    progress, i.e. between steps. An instance without a known start adds no processing time; how
    many there are says ``instances_without_start``. Without any start time (a complete-only
    log) processing time is unknown and the result has no rows.

    Returns
    -------
    DataFrame
        One row per case, in log order: ``case_id``, ``lead_time``, ``processing_time``,
        ``waiting_time`` (Timedeltas; ``processing_time + waiting_time == lead_time``),
        ``instances`` (activity instances) and ``instances_without_start``. With a
        ``calendar`` the three durations are working time, each followed by its
        calendar-time twin (``lead_time_calendar``, ...).

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime
    >>> log = pl.DataFrame({"case_id": ["1"] * 6, "activity": ["a", "a", "b", "c", "b", "c"],
    ...     "timestamp": [datetime(2025, 1, 1, h) for h in (8, 9, 11, 12, 14, 15)],
    ...     "lifecycle": ["start", "complete", "start", "start", "complete", "complete"]})
    >>> processing_and_waiting(log)[["lead_time", "processing_time", "waiting_time"]]
            lead_time processing_time    waiting_time
    0 0 days 07:00:00 0 days 05:00:00 0 days 02:00:00
    """
    return _processing_and_waiting(
        validate(log), calendar=check_calendar(calendar, function="processing_and_waiting")
    )


def _processing_and_waiting(log: pl.DataFrame, *, calendar: WorkingCalendar | None = None) -> pd.DataFrame:
    """``processing_and_waiting`` of a validated log."""
    if calendar is not None:
        return _beside_calendar(
            _processing_and_waiting(working_log(log, calendar)), _processing_and_waiting(log), [CASE_ID]
        )
    if LIFECYCLE in log.columns:
        log = _activity_instances(log)
    columns: dict[str, pl.DataType] = {
        "case_id": pl.String(),
        "lead_time": pl.Duration("us"),
        "processing_time": pl.Duration("us"),
        "waiting_time": pl.Duration("us"),
        "instances": pl.UInt32(),
        "instances_without_start": pl.UInt32(),
    }
    if START_TIMESTAMP not in log.columns or log[START_TIMESTAMP].is_null().all():
        return pl.DataFrame(schema=columns).to_pandas()
    first, last = case_span(log)
    spans = per_case(
        log,
        lead_time=last - first,
        instances=pl.len().cast(pl.UInt32),
        instances_without_start=pl.col(START_TIMESTAMP).is_null().sum().cast(pl.UInt32),
    )
    busy = busy_time(log)
    split = (
        spans.join(busy, on=CASE_ID, how="left", maintain_order="left")
        .with_columns(processing_time=duration_from_microseconds(pl.col("_busy").fill_null(0)))
        .with_columns(waiting_time=pl.col("lead_time") - pl.col("processing_time"))
    )
    return split.select(list(columns)).to_pandas()


def busy_time(instances: pl.DataFrame) -> pl.DataFrame:
    """Per case with a started instance, the microseconds (``_busy``) some activity instance of
    ``instances`` (a folded log, ``start_timestamp`` to ``timestamp``) was in progress: the union
    of the intervals, so overlaps count once."""
    # each interval counts from where the ones that started before it left off (the latest end
    # so far), and nothing when it ends before that
    covered_until = pl.col("end").cum_max().shift(1)  # per case: the aggregation runs per group
    begin = pl.max_horizontal("start", covered_until.fill_null(pl.col("start")))
    return (
        instances.lazy()
        .filter(pl.col(START_TIMESTAMP).is_not_null())
        .select(CASE_ID, start=pl.col(START_TIMESTAMP), end=pl.col(TIMESTAMP))
        .sort(CASE_ID, "start", "end")
        .group_by(CASE_ID)
        .agg(_busy=(pl.col("end") - begin).dt.total_microseconds().clip(lower_bound=0).sum())
        .collect()
    )


def lead_times(log: EventLog, *, calendar: WorkingCalendar | None = None) -> pd.DataFrame:
    """How long each case took, from the start of its first event to the end of its last.

    Parameters
    ----------
    log : DataFrame, ScannedLog or Spark DataFrame
        An event log, polars or pandas (see ``o2c.log``); or a log left in Parquet
        (``o2c.scan_log``), which DuckDB analyses within its memory limit; or a PySpark
        DataFrame with the canonical columns, which Spark analyses. Same result from each.

    Returns
    -------
    DataFrame
        One row per case, in log order: ``case_id``, ``first_event`` (the earliest start,
        ``start_timestamp`` where there is one, else ``timestamp``), ``last_event`` (the latest
        ``timestamp``), ``events`` and ``lead_time`` (Timedelta; 0 for a one-event case). With
        a ``calendar`` (``o2c.WorkingCalendar``; polars and pandas logs) ``lead_time`` is working
        time, followed by ``lead_time_calendar``.

    Examples
    --------
    >>> from o2c import example_log
    >>> lead_times(example_log())[["case_id", "events", "lead_time"]]
      case_id  events        lead_time
    0       1       6 12 days 12:00:00
    1       2       6  1 days 07:00:00
    2       3       7 20 days 20:00:00
    >>> import pathlib, tempfile
    >>> from o2c import scan_log
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.parquet"
    >>> example_log().write_parquet(path)
    >>> lead_times(scan_log(path)).equals(lead_times(example_log()))  # DuckDB, out of core
    True
    """
    check_calendar(calendar, function="lead_times")
    if _engines.is_engine_log(log, function="lead_times"):
        _no_engine_calendar(calendar, "lead_times")
        return _engines.lead_times(log)
    return _lead_times(validate(log), calendar=calendar)


def _lead_times(log: pl.DataFrame, *, calendar: WorkingCalendar | None = None) -> pd.DataFrame:
    """``lead_times`` of a validated log."""
    if calendar is not None:
        return _beside_calendar(_lead_times(working_log(log, calendar)), _lead_times(log), [CASE_ID])
    first, last = case_span(log)
    spans = per_case(log, first_event=first, last_event=last, events=pl.len()).with_columns(
        lead_time=pl.col("last_event") - pl.col("first_event")
    )
    return spans.to_pandas()


def bottlenecks(
    log: EventLog,
    *,
    top: int | None = 10,
    by: str = "wait_total",
    ideal: IdealPath | None = None,
    include_customer: bool = True,
    annual_rate: float = 0.08,
    calendar: WorkingCalendar | None = None,
) -> pd.DataFrame:
    """The edges where time accumulates, ranked: by default by total waiting time.

    Parameters
    ----------
    log : DataFrame, ScannedLog or Spark DataFrame
        An event log, polars or pandas (see ``o2c.log``); or a log left in Parquet
        (``o2c.scan_log``) or a PySpark DataFrame, which DuckDB or Spark rank alike (without
        a ``calendar``: working time is counted in memory).
    top : int or None
        How many edges to return (None: all).
    by : str
        What to rank by, largest first: one of ``BOTTLENECK_ORDER`` (``wait_total``,
        ``wait_median``, ``wait_mean``, ``wait_p90``, ``wait_max``, ``transitions``, ``cases``,
        ``value_days``); ``value_days`` needs a ``value`` column.
    ideal : IdealPath, optional
        Tells the customer's waits from the company's: an edge whose *target* is one of
        ``ideal.waiting_steps_of_customer`` (its ``customer_steps``, by default the ``paid``
        milestone, e.g. ``Receive Payment``) is the customer's wait (``owner`` = ``customer``),
        every other edge is ``internal``. Without an ideal path, or one without a paid
        milestone, the paid milestone guessed from the activity names is the customer's step
        (``o2c.milestones.customer_steps``).
    include_customer : bool
        False drops the customer's waits, so that only the waits the company controls are
        ranked (and shared out).
    annual_rate : float
        The yearly cost of capital for ``financing_cost`` (0.08 = 8 %), as in
        ``o2c.cost_of_divergence``.
    calendar : WorkingCalendar, optional
        Rank by working time (``o2c.read_calendar``): the ``wait_*`` columns and
        ``share_of_wait`` are working time, each ``wait_*`` followed by its calendar-time twin
        ``wait_*_calendar``. ``value_days`` and ``financing_cost`` stay in calendar days:
        interest accrues on every day, worked or not.

    Returns
    -------
    DataFrame
        One row per edge, ranked: ``rank`` (1 = worst), ``source``, ``target``, ``owner``
        (``internal`` / ``customer``), the columns of ``waiting_times`` (``transitions``,
        ``cases``, ``wait_median``, ``wait_mean``, ``wait_p90``, ``wait_max``, ``wait_total``,
        ``overlaps``) with the wait of each overlapping transition counted as 0 (parallel work
        is not waiting), ``overlap_share`` (overlaps over transitions, 0..1),
        ``share_of_wait`` (the edge's ``wait_total`` over the sum of all ranked edges' waits,
        before ``top`` is applied; 0..1) and, when the log has a ``value`` column,
        ``value_days`` (sum over the edge's transitions of order value x waiting days: the
        order value held up there, the money-weighted bottleneck; an order without a value
        counts 0, an overlap waited 0) and ``financing_cost`` (``value_days x annual_rate /
        365``: what holding that value costs). Ties by ``source``, ``target``.

    Examples
    --------
    >>> from o2c import example_log
    >>> from o2c.model import IdealPath
    >>> bottlenecks(example_log(), top=3)[["rank", "source", "target", "owner", "share_of_wait"]]
       rank          source           target     owner  share_of_wait
    0     1  Create Invoice  Receive Payment  customer       0.813478
    1     2   Confirm Order       Ship Goods  internal       0.156438
    2     3    Check Credit    Confirm Order  internal       0.006017
    >>> ideal = IdealPath(("Create Sales Order", "Confirm Order", "Ship Goods", "Create Invoice",
    ...                    "Receive Payment"), milestones={"paid": "Receive Payment"})
    >>> bottlenecks(example_log(), top=2, ideal=ideal, include_customer=False)[
    ...     ["rank", "source", "target", "owner", "share_of_wait"]]
       rank         source         target     owner  share_of_wait
    0     1  Confirm Order     Ship Goods  internal       0.838710
    1     2   Check Credit  Confirm Order  internal       0.032258
    """
    if _engines.is_engine_log(log, function="bottlenecks"):
        _engines.check_no_calendar(calendar, function="bottlenecks")
        _check_ranking(by, top, annual_rate, has_value=_engines.has_value(log))
        edges, days = _engines.bottleneck_edges(log)
        customers = _engines.customer_steps(log, ideal)
        return _ranked_edges(
            edges, days, customers, top=top, by=by, include_customer=include_customer, annual_rate=annual_rate
        )
    return _bottlenecks(
        validate(log),
        top=top,
        by=by,
        ideal=ideal,
        include_customer=include_customer,
        annual_rate=annual_rate,
        calendar=check_calendar(calendar, function="bottlenecks"),
    )


def _bottlenecks(
    log: pl.DataFrame,
    *,
    top: int | None = 10,
    by: str = "wait_total",
    ideal: IdealPath | None = None,
    include_customer: bool = True,
    annual_rate: float = 0.08,
    calendar: WorkingCalendar | None = None,
) -> pd.DataFrame:
    """``bottlenecks`` of a validated log."""
    _check_ranking(by, top, annual_rate, has_value=VALUE in log.columns, columns=list(log.columns))
    edges = _edge_waits(log, overlap_as_zero=True, calendar=calendar)
    days = _value_days(log) if VALUE in log.columns else None
    customers = customer_steps(log, ideal)
    return _ranked_edges(
        edges, days, customers, top=top, by=by, include_customer=include_customer, annual_rate=annual_rate
    )


def _check_ranking(
    by: str, top: int | None, annual_rate: float, *, has_value: bool, columns: list[str] | None = None
) -> None:
    """``bottlenecks``' arguments, checked: ``by`` ``value_days`` needs an order value."""
    check_choice(by, BOTTLENECK_ORDER, argument="by", function="bottlenecks")
    check_whole(top, argument="top", function="bottlenecks", none=True)
    check_number(annual_rate, argument="annual_rate", function="bottlenecks")
    if by == "value_days" and not has_value:
        raise ArgumentError(
            "bottlenecks(by='value_days') needs a 'value' column (the order value); the log has "
            f"{columns if columns is not None else 'none'}. Map one with read_log(..., mapping={{'value': ...}})."
        )


def _ranked_edges(
    edges: pl.DataFrame,
    value_days: pl.DataFrame | None,
    customers: frozenset[str],
    *,
    top: int | None,
    by: str,
    include_customer: bool,
    annual_rate: float,
) -> pd.DataFrame:
    """The edges' waits (overlaps as 0) ranked as ``bottlenecks`` ranks them, with their owner and,
    given the edges' ``value_days``, the financing cost; in memory or from an engine alike."""
    edges = edges.with_columns(overlap_share=pl.col("overlaps") / pl.col("transitions"))
    edges = edges.with_columns(
        owner=pl.when(pl.col("target").is_in(sorted(customers)))
        .then(pl.lit("customer"))
        .otherwise(pl.lit("internal"))
    )
    if value_days is not None:
        edges = edges.join(value_days, on=["source", "target"], how="left").with_columns(
            financing_cost=pl.col("value_days") * annual_rate / 365
        )
    if not include_customer:
        edges = edges.filter(pl.col("owner") == "internal")
    total = edges["wait_total"].dt.total_microseconds().sum()
    edges = edges.with_columns(
        share_of_wait=pl.col("wait_total").dt.total_microseconds() / total if total else pl.lit(0.0)
    )
    ranked = edges.sort([by, "source", "target"], descending=[True, False, False], nulls_last=True)
    if top is not None:
        ranked = ranked.head(top)
    ranked = ranked.with_row_index("rank", offset=1).with_columns(pl.col("rank").cast(pl.Int64))
    first = ["rank", "source", "target", "owner"]
    return ranked.select(first + [c for c in ranked.columns if c not in first]).to_pandas()


def _value_days(log: pl.DataFrame) -> pl.DataFrame:
    """Per edge: sum of the case's order value x waiting days (cases without a value count 0; an
    overlap waited 0, as in the ranking's waits)."""
    # transitions and the filtered log are aligned row by row (see _edge_attributes)
    values = log.lazy().select(_value=case_first(VALUE), _same=SAME_CASE).filter("_same").drop("_same")
    pairs = pl.concat([lazy_transitions(log), values], how="horizontal")
    weighted = pl.col("_value") * pl.col("wait").dt.total_microseconds().clip(lower_bound=0) / US_PER_DAY
    return (
        pairs.group_by("source", "target")
        .agg(value_days=weighted.sum())
        .with_columns(pl.col("source", "target").cast(pl.String))
        .collect()
    )


def case_attributes(log: pl.DataFrame | pd.DataFrame) -> list[str]:
    """The columns beyond the canonical ones that are constant within every case (by name).

    Only columns that name groups are considered: text, categorical, boolean and integer
    columns; measurements (floats, dates) vary too finely to compare groups of cases.

    >>> from o2c import example_log
    >>> case_attributes(example_log())
    ['region']
    """
    return _case_attributes(validate(log))


def _case_attributes(log: pl.DataFrame) -> list[str]:
    """``case_attributes`` of a validated log."""
    candidates = [
        c
        for c, dtype in log.schema.items()
        if c not in _CANONICAL and (isinstance(dtype, _ATTRIBUTE_DTYPES) or dtype.is_integer())
    ]
    if not candidates:
        return []
    # constant within every case: no row differs from the row before it in the same case
    varies = log.select(
        (~FIRST_OF_CASE & pl.col(c).ne_missing(pl.col(c).shift(1))).any().alias(c) for c in candidates
    )
    return sorted(c for c in candidates if not varies[c][0])


def drivers(
    log: pl.DataFrame | pd.DataFrame,
    edge: tuple[str, str],
    *,
    attributes: Sequence[str] | None = None,
    min_cases: int = 30,
    value_bands: int = 4,
    calendar: WorkingCalendar | None = None,
) -> pd.DataFrame:
    """Which attribute values go with a longer wait on one edge of the process map.

    For every value of every attribute, the edge's transitions with that value are compared
    with the edge's other transitions: median waits, their ratio, and a two-sided Mann-Whitney U
    test (``scipy.stats.mannwhitneyu``) of the two sets of waits.

    Parameters
    ----------
    log : DataFrame
        An event log, polars or pandas (see ``o2c.log``).
    edge : (str, str)
        The edge ``(source, target)``, e.g. a row of ``bottlenecks``.
    attributes : list of str, optional
        What to compare by. Default: every case attribute (``case_attributes``: columns beyond
        the canonical ones that are constant within each case), ``value_band`` when the log
        has a ``value`` (the order value in ``value_bands`` quantile bands of the cases, e.g.
        ``3,000 to 12,000``, upper bound included) and ``resource`` (of the *source* event:
        who finished a before the wait) when the log has one.
    min_cases : int
        Values with fewer cases on this edge are left out (too few to judge).
    value_bands : int
        Number of quantile bands of ``value_band``.
    calendar : WorkingCalendar, optional
        Compare waits in working time (``o2c.read_calendar``): the waits, medians and
        ``explained_wait`` are working time.

    Returns
    -------
    DataFrame
        One row per attribute value: ``attribute``, ``value`` (as text), ``transitions``,
        ``cases``, ``wait_median`` (of these transitions), ``others_wait_median`` (of the
        edge's other transitions), ``ratio`` (``wait_median / others_wait_median``; empty when
        both are 0), ``p_value``, ``explained_wait`` (``cases`` x (``wait_median`` -
        ``others_wait_median``): the waiting the value explains, negative when its orders wait
        less) and ``aliases`` (the values that are the same effect, "sales_org SG01; customer
        Kaito", empty when none). A value whose transitions lie for at least ``SAME_EFFECT`` of
        them within those of a value of a broader attribute (fewer values on the edge; then more
        transitions) that waits longer or shorter alike is not a row of its own but an alias of
        that one: region APAC with its sales organisation, its customers, its resources. Most waiting explained first (empty last),
        ties by ``ratio`` (descending), ``p_value``, ``attribute``, ``value``.

    Examples
    --------
    >>> from o2c import example_log
    >>> found = drivers(example_log(), ("Confirm Order", "Ship Goods"), attributes=["region"], min_cases=1)
    >>> found[["attribute", "value", "cases", "wait_median", "others_wait_median", "ratio"]]
      attribute value  cases     wait_median others_wait_median     ratio
    0    region  EMEA      2 2 days 05:00:00    1 days 00:00:00  2.208333
    1    region  AMER      1 1 days 00:00:00    2 days 05:00:00  0.452830
    """
    working = working_log(validate(log), check_calendar(calendar, function="drivers"))
    return _drivers(working, edge, attributes=attributes, min_cases=min_cases, value_bands=value_bands)


def _drivers(
    log: pl.DataFrame,
    edge: tuple[str, str],
    *,
    attributes: Sequence[str] | None = None,
    min_cases: int = 30,
    value_bands: int = 4,
) -> pd.DataFrame:
    """``drivers`` of a validated log."""
    source, target = _check_edge(log, edge)
    available = _driver_attributes(log)
    chosen = available if attributes is None else list(attributes)
    for name in chosen:
        check_choice(name, available, argument="attributes", function="drivers")
    check_whole(min_cases, argument="min_cases", function="drivers")

    on_edge = _edge_attributes(log, source, target, chosen, value_bands)
    groups = pl.concat(  # one row per attribute value, with the row numbers of its transitions
        [
            pl.DataFrame(
                schema={
                    "attribute": pl.String,
                    "value": pl.String,
                    "transitions": pl.Int64,
                    "cases": pl.Int64,
                    "rows": pl.List(pl.UInt32),
                }
            ),
            *(
                on_edge.select(pl.col("_case"), value=pl.col(name).cast(pl.String))
                .with_row_index("_row")
                .filter(pl.col("value").is_not_null())
                .group_by("value")
                .agg(
                    attribute=pl.lit(name),
                    transitions=pl.len(),
                    cases=pl.col("_case").n_unique(),
                    rows="_row",
                )
                for name in chosen
            ),
        ],
        how="diagonal_relaxed",
    ).filter((pl.col("cases") >= min_cases) & (pl.col("transitions") < on_edge.height))
    table = PooledSample(on_edge["_wait"].to_numpy()).compare_groups(groups)
    table = table.with_columns(
        wait_median=duration_from_microseconds(pl.col("_median")),
        others_wait_median=duration_from_microseconds(pl.col("_others")),
        # both medians 0: no ratio (null, listed last); only the others' 0: an infinite ratio
        ratio=pl.when((pl.col("_median") == 0) & (pl.col("_others") == 0))
        .then(None)
        .otherwise(pl.col("_median") / pl.col("_others")),
        explained_wait=duration_from_microseconds(pl.col("cases") * (pl.col("_median") - pl.col("_others"))),
    )
    table = _same_effects(table, on_edge, chosen).sort(
        ["explained_wait", "ratio", "p_value", "attribute", "value"],
        descending=[True, True, False, False, False],
        nulls_last=True,
    )
    return table.select(DRIVER_COLUMNS).to_pandas()


def _same_effects(table: pl.DataFrame, on_edge: pl.DataFrame, chosen: Sequence[str]) -> pl.DataFrame:
    """``table`` with each value that is another's effect (see ``SAME_EFFECT``) folded into that
    one's ``aliases``: values are taken from the broadest attribute (fewest values on the edge:
    a region before its customers) and the most transitions down, each joining the first value
    taken before it that holds it. Shared transitions are counted per pair of attributes with one
    group-by of the edge's transitions, not per pair of values."""
    shared: dict[tuple[str, str, str, str], int] = {}
    for i, first in enumerate(chosen):
        for second in chosen[i + 1 :]:
            pairs = on_edge.select(
                a=pl.col(first).cast(pl.String), b=pl.col(second).cast(pl.String)
            ).drop_nulls()
            for a, b, n in pairs.group_by("a", "b").len().iter_rows():
                shared[(first, a, second, b)] = shared[(second, b, first, a)] = n
    order = {name: i for i, name in enumerate(chosen)}
    breadth = {name: on_edge[name].n_unique() for name in chosen}  # fewer values: a broader attribute
    entries = sorted(
        table.select("attribute", "value", "transitions", "_median", "_others").iter_rows(),
        key=lambda e: (breadth[e[0]], -e[2], order[e[0]], e[1]),
    )
    kept: list[tuple[str, str, float]] = []  # attribute, value, sign of the effect
    aliases: dict[tuple[str, str], list[str]] = {}
    for attribute, value, transitions, median, others in entries:
        sign = float(np.sign(median - others))
        home = next(
            (
                (a, v)
                for a, v, s in kept
                if s == sign
                and a != attribute
                and shared.get((attribute, value, a, v), 0) >= SAME_EFFECT * transitions
            ),
            None,
        )
        if home is None:
            kept.append((attribute, value, sign))
            aliases[(attribute, value)] = []
        else:
            aliases[home].append(f"{attribute} {value}")
    names = pl.DataFrame(
        [(a, v, "; ".join(found)) for (a, v), found in aliases.items()],
        schema={"attribute": pl.String, "value": pl.String, "aliases": pl.String},
        orient="row",
    )
    return table.join(names, on=["attribute", "value"], how="inner")


def _check_edge(log: pl.DataFrame, edge: tuple[str, str]) -> tuple[str, str]:
    if not (isinstance(edge, tuple | list) and len(edge) == 2 and all(isinstance(a, str) for a in edge)):
        raise ArgumentError(
            f"The 'edge' argument of drivers must be a (source, target) tuple of names; got {edge!r}."
        )
    source, target = edge
    if not log.select(_on_edge(source, target).any()).item():
        names = (
            edge_counts(lazy_transitions(log)).collect().select(pl.col("source", "target").cast(pl.String))
        )
        labels = {f"{s} -> {t}": (s, t) for s, t in names.iter_rows()}
        hint = did_you_mean(f"{source} -> {target}", sorted(labels))
        raise ArgumentError(f"The edge {source!r} -> {target!r} does not occur in the log.{hint}")
    return source, target


def _driver_attributes(log: pl.DataFrame) -> list[str]:
    names = _case_attributes(log)
    if VALUE in log.columns:
        names.append(VALUE_BAND)
    if RESOURCE in log.columns:
        names.append(RESOURCE)
    return names


def _edge_attributes(
    log: pl.DataFrame, source: str, target: str, attributes: Sequence[str], value_bands: int
) -> pl.DataFrame:
    """The edge's transitions with ``_wait`` (µs), ``_case`` and the chosen attributes.

    A transition is the row of its source event: case attributes and ``resource`` (who
    finished the source activity) are read there, the wait from the next row.
    """
    case_columns = [a for a in attributes if a not in (VALUE_BAND, RESOURCE)]
    columns = [pl.col(RESOURCE)] if RESOURCE in attributes else []
    columns += [pl.col(c) for c in case_columns]
    if VALUE_BAND in attributes:
        columns.append(case_first(VALUE).alias(VALUE_BAND))  # the band is given to the few rows kept
    wait = event_start(log).shift(-1) - pl.col(TIMESTAMP)
    on_edge = (
        log.lazy()
        .select(
            pl.col(CASE_ID),
            *columns,
            _case=pl.col(CASE_ID).rle_id(),
            _wait=wait.dt.total_microseconds().clip(lower_bound=0),  # an overlap waited 0
            _on_edge=_on_edge(source, target),
        )
        .filter("_on_edge")
        .drop("_on_edge")
    )
    if VALUE_BAND in attributes:
        on_edge = on_edge.with_columns(_value_band(log, value_bands, pl.col(VALUE_BAND)))
    return on_edge.collect()


def _on_edge(source: str, target: str) -> pl.Expr:
    """True on the rows of a sorted log whose event is directly followed by ``target`` in its case."""
    return SAME_CASE & (pl.col(ACTIVITY) == source) & (pl.col(ACTIVITY).shift(-1) == target)


def _value_band(log: pl.DataFrame, bands: int, value: pl.Expr) -> pl.Expr:
    """An order ``value`` as one of ``bands`` quantile bands of the values of the cases of ``log``,
    labelled with its bounds."""
    known = case_values(log, VALUE)[VALUE].to_numpy()
    if len(known) == 0 or bands < 2:
        return pl.lit(None, pl.String).alias(VALUE_BAND)
    breaks = sorted(set(np.quantile(known, np.linspace(0, 1, bands + 1)[1:-1]).tolist()))
    bounds = [float(known.min()), *breaks, float(known.max())]
    labels = [f"{_number(lo)} to {_number(hi)}" for lo, hi in itertools.pairwise(bounds)]
    labels[0] = f"up to {_number(bounds[1])}"
    band = pl.sum_horizontal([(value > b).cast(pl.Int64) for b in breaks]) if breaks else pl.lit(0, pl.Int64)
    label = band.replace_strict(dict(enumerate(labels)), return_dtype=pl.String)
    return pl.when(value.is_null()).then(None).otherwise(label).alias(VALUE_BAND)


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"
