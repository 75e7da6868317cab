"""The core analyses where the log is not in memory: Parquet larger than memory (DuckDB), or Spark.

``o2c.directly_follows``, ``waiting_times``, ``variants``, ``rework``, ``lead_times``,
``start_activities``, ``end_activities``, ``bottlenecks``, ``log_summary``, ``case_variants``,
``activity_durations``, ``rework_cost``, ``first_time_right``, ``rekeyed_data``, ``milestones``,
``align`` (the variants aligned here, each case's variant and lead time from the engine),
``cost_of_divergence``, ``flow_efficiency`` and ``lead_time_split`` (each order's facts from the
engine, the table here; without start times, which are merged in memory only) take any of:

- a polars or pandas event log: the package's in-memory implementation runs (the fastest path);
- a ``ScannedLog`` from ``o2c.scan_log(path)``: the events stay in Parquet and DuckDB computes
  the result within a memory limit, spilling to disk (see ``o2c._engines._duckdb`` for why DuckDB);
- a PySpark DataFrame with the canonical columns: Spark computes it, on a laptop in local mode
  or on a cluster (``pip install o2c-toolkit[spark]``).

Each of those verbs asks ``is_engine_log`` at its door, before ``validate``, and hands a scanned
log or a Spark DataFrame to the same-named function here. This package sits below the analyses
(it imports ``o2c.log``, ``o2c.model``, ``o2c.io``, ``o2c._tables`` and ``o2c._milestones``
only), and loads its engines, DuckDB and narwhals, only when such a log arrives: a verb given a
polars frame imports nothing more.

Results are equal to the in-memory path's: counts exactly, and every duration to the
microsecond, since each engine computes the same median and 90th percentile (linear
interpolation) of the same integer microseconds; only ``waiting_times(spark_frame,
accuracy=...)`` trades exact percentiles for Spark's ``percentile_approx``, whose documented
accuracy is a rank error of at most ``n / accuracy`` among an edge's ``n`` waits.

One implementation serves DuckDB and Spark: the expressions are written once with narwhals
(``o2c._engines._frames``), on timestamps turned into integer microseconds by each engine (narwhals
cannot subtract timestamps on either). Only each case's trace (an ordered list aggregation) and
Spark's approximate percentiles are written per engine.

Examples
--------
>>> import tempfile, pathlib
>>> from o2c import scan_log
>>> from o2c.discovery import directly_follows as verb
>>> from o2c import example_log
>>> path = pathlib.Path(tempfile.mkdtemp()) / "log.parquet"
>>> example_log().write_parquet(path)
>>> scanned = scan_log(path, memory_limit="256MB")
>>> is_engine_log(scanned), is_engine_log(example_log())
(True, False)
>>> directly_follows(scanned).equals(verb(example_log()))
True
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import polars as pl

from o2c._milestones import steps_of_customer
from o2c.errors import ArgumentError
from o2c.log import ACTIVITY, CASE_ID, VALUE
from o2c.model import IdealPath

if TYPE_CHECKING:
    import narwhals.stable.v2 as nw

    from o2c._engines._duckdb import ScannedLog

#: What the five verbs take: an in-memory log, a ``ScannedLog``, or a Spark DataFrame (``Any``:
#: PySpark is optional).
EventLog = pl.DataFrame | pd.DataFrame | Any


#: Peak memory of ``o2c assess`` reading a Parquet log into memory: ``ASSESS_BASE`` bytes plus
#: ``ASSESS_FACTOR`` times the uncompressed size of the file's column data (``_duckdb.parquet_bytes``).
#: Measured on the simulator's logs (14 columns): 96,130 events, 3.5 MB of column data, peak 610 MB;
#: 962,007 events, 34.6 MB, peak 1,237 MB.
ASSESS_BASE, ASSESS_FACTOR = 512 * 2**20, 20


def fits_in_memory(source: str | Path) -> tuple[bool, str]:
    """Whether ``o2c assess`` of the log at ``source`` fits in the memory available: True for
    anything but Parquet (read into memory whatever its size); for Parquet, whether its uncompressed
    column data times ``ASSESS_FACTOR``, plus ``ASSESS_BASE``, is within the available memory.
    The reason, in words.

    >>> fits_in_memory("orders.csv")
    (True, 'orders.csv is not Parquet')
    """
    from o2c._engines._duckdb import parquet_bytes

    size = parquet_bytes(source)
    if size is None:
        return True, f"{source} is not Parquet"
    available = available_memory()
    needed = ASSESS_BASE + size * ASSESS_FACTOR
    words = (
        f"{Path(source).name} holds {size / 2**30:.1f} GiB of column data, which takes about "
        f"{needed / 2**30:.1f} GiB to assess in memory; {available / 2**30:.1f} GiB are available"
    )
    return needed <= available, words


def available_memory() -> int:
    """The memory available to a new process in bytes: the kernel's ``MemAvailable`` (Linux), else
    the physical memory."""
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


def is_engine_log(log: object, *, function: str | None = None) -> bool:
    """Whether ``log`` is a ``ScannedLog`` or a Spark DataFrame, so that an engine runs the verb.

    False for a polars or pandas frame (the in-memory path); ``ArgumentError`` for anything else,
    naming ``function``, rather than a failure deep inside ``validate``.
    """
    if isinstance(log, pl.DataFrame | pd.DataFrame):
        return False
    from o2c._engines import _spark
    from o2c._engines._duckdb import ScannedLog

    if isinstance(log, ScannedLog) or _spark.is_spark(log):
        return True
    hint = "; pass its .log" if hasattr(log, "log") and hasattr(log, "rejects") else ""
    raise ArgumentError(
        f"{function or 'An analysis'} takes a polars or pandas event log, a ScannedLog "
        f"(o2c.scan_log) or a Spark DataFrame; got a {type(log).__name__}{hint}.",
        function=function,
        argument="log",
        value=type(log).__name__,
        allowed="a polars or pandas DataFrame, a ScannedLog or a Spark DataFrame",
    )


def directly_follows(log: ScannedLog | Any) -> pd.DataFrame:
    """``o2c.directly_follows`` of a scanned log or a Spark DataFrame."""
    from o2c._engines import _frames

    return _frames.directly_follows(_events(log)).to_pandas()


def waiting_times(
    log: ScannedLog | Any, *, overlap_as_zero: bool = False, accuracy: int | None = None
) -> pd.DataFrame:
    """``o2c.waiting_times`` of a scanned log or a Spark DataFrame (``accuracy``: Spark only)."""
    from o2c._engines import _frames, _spark

    check_accuracy(log, accuracy)
    if accuracy is None:
        return _frames.waiting_times(_events(log), overlap_as_zero=overlap_as_zero).to_pandas()
    aggregate = _spark.approximate_waits(accuracy)
    return _frames.waiting_times(
        _events(log), overlap_as_zero=overlap_as_zero, aggregate=aggregate
    ).to_pandas()


def check_accuracy(log: object, accuracy: int | None) -> None:
    """Refuse ``waiting_times``' ``accuracy`` for any log but a Spark DataFrame (exact percentiles)."""
    from o2c._engines import _spark

    if accuracy is not None and not _spark.is_spark(log):
        raise ArgumentError(
            "The 'accuracy' argument of waiting_times applies to Spark DataFrames only; "
            f"got a {type(log).__name__}, whose percentiles are exact.",
            function="waiting_times",
            argument="accuracy",
            value=accuracy,
        )


def variants(log: ScannedLog | Any) -> pd.DataFrame:
    """``o2c.variants`` of a scanned log or a Spark DataFrame."""
    from o2c._engines import _frames

    return _frames.variants(*_traces(log))


def case_variants(log: ScannedLog | Any) -> pd.DataFrame:
    """``o2c.case_variants`` of a scanned log or a Spark DataFrame."""
    from o2c._engines import _frames

    return _frames.case_variants(*_traces(log))


def variants_and_cases(log: ScannedLog | Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``o2c.variants``, ``o2c.case_variants`` and each case's lead time of a scanned log or a Spark
    DataFrame, from one pass of the engine over its cases."""
    from o2c._engines import _frames

    return _frames.variants_and_cases(*_traces(log))


def _traces(log: ScannedLog | Any) -> tuple[nw.LazyFrame, list[str] | None]:
    """One row per case (``case_id``, ``trace``, ``lead``) and the activity names its numbers
    stand for (None: the trace holds names)."""
    from o2c._engines import _spark
    from o2c._engines._duckdb import ScannedLog

    if isinstance(log, ScannedLog):
        return log.traces()
    _events(log)  # checks the type and the columns
    return _spark.traces(log), None


def rework(log: ScannedLog | Any) -> pd.DataFrame:
    """``o2c.rework`` of a scanned log or a Spark DataFrame."""
    from o2c._engines import _frames
    from o2c._engines._duckdb import ScannedLog

    has_value = log.has_value if isinstance(log, ScannedLog) else "value" in log.columns
    return _frames.rework(_events(log), has_value=has_value)


def lead_times(log: ScannedLog | Any) -> pd.DataFrame:
    """``o2c.lead_times`` of a scanned log or a Spark DataFrame."""
    from o2c._engines import _frames

    return _frames.lead_times(_events(log)).to_pandas()


def start_activities(log: ScannedLog | Any) -> pd.DataFrame:
    """``o2c.start_activities`` of a scanned log or a Spark DataFrame."""
    from o2c._engines import _frames

    return _frames.boundary_activities(_events(log), first=True).to_pandas()


def end_activities(log: ScannedLog | Any) -> pd.DataFrame:
    """``o2c.end_activities`` of a scanned log or a Spark DataFrame."""
    from o2c._engines import _frames

    return _frames.boundary_activities(_events(log), first=False).to_pandas()


def activity_durations(log: ScannedLog | Any) -> pl.DataFrame | None:
    """Per activity of a scanned log or a Spark DataFrame, what ``o2c.activity_durations`` ranks;
    None when the log has no start times."""
    from o2c._engines import _frames

    events = _events(log)
    if "start_known" not in events.collect_schema().names():
        return None
    return _frames.activity_durations(events)


def order_facts(
    log: ScannedLog | Any,
    *,
    closing_step: str | None,
    invoice_and_delivery: tuple[str, str] | None,
    value: object,
) -> tuple[pl.Series | None, pd.DataFrame, pl.Series | None]:
    """What ``o2c.cost_of_divergence`` needs of a scanned log or a Spark DataFrame: the case ids
    with ``closing_step`` (None without one), every case's order value (``value``: None for the
    log's value, or one number for all) and the case ids invoiced before shipment (None unless
    ``invoice_and_delivery`` names the two steps)."""
    from o2c._engines import _frames

    if value == VALUE:  # the mapped value column, by its name
        value = None
    if value is not None and not isinstance(value, int | float):
        raise ArgumentError(
            f"cost_of_divergence(value={value!r}) on a scanned log or a Spark DataFrame: the order value "
            "there is the mapped value column (value=None or 'value') or one number for every order.",
            function="cost_of_divergence",
            argument="value",
            value=value,
        )
    events = _events(log)
    closed = None if closing_step is None else _frames.cases_with(events, closing_step)
    early = None if invoice_and_delivery is None else _frames.invoiced_early(events, *invoice_and_delivery)
    return closed, _frames.order_values(events, value), early


def cases_with(log: ScannedLog | Any, activity: str) -> pl.Series:
    """The case ids of a scanned log or a Spark DataFrame with an event of ``activity``."""
    from o2c._engines import _frames

    return _frames.cases_with(_events(log), activity)


def case_spans(log: ScannedLog | Any) -> pl.DataFrame:
    """Each case's lead time in µs (``case_id``, ``lead``: first start to last end) on an engine."""
    from o2c._engines import _frames

    return _frames.case_leads(_events(log))


def executed_steps(log: ScannedLog | Any, activities: list[str]) -> pl.DataFrame:
    """Each case of a scanned log or a Spark DataFrame beside each of ``activities`` it executed, once."""
    from o2c._engines import _frames

    return _frames.executed_steps(_events(log), activities)


def refuse_start_times(log: ScannedLog | Any, *, function: str) -> None:
    """Refuse a scanned log or a Spark DataFrame with start times where ``function`` would need
    the time its activities were in progress (their intervals merged): that is computed in memory
    only, for now."""
    if "start_known" in _events(log).collect_schema().names():
        raise ArgumentError(
            f"{function} of a log with start times needs the time its activities were in progress, "
            "computed in memory only; pass the log read with o2c.read_log.",
            function=function,
            argument="log",
        )


def rework_facts(log: ScannedLog | Any) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame | None]:
    """What ``o2c.rework_cost`` needs of a scanned log or a Spark DataFrame: each case's rework
    (``case_id``, ``activity``, ``kind``, ``other_activity``), each case's lead time in µs
    (``case_id``, ``lead``, a float) and, where the log has values, each case's order value."""
    from o2c._engines import _frames

    events = _events(log)
    rows = _frames.collect(_frames.rework_rows(events)).with_columns(
        pl.col(CASE_ID, ACTIVITY, "kind", "other_activity").cast(pl.String)
    )
    leads = _frames.case_leads(events).with_columns(pl.col("lead").cast(pl.Float64))
    values = None
    if has_value(log):
        values = _frames.collect(_frames.case_values(events)).select(
            pl.col(CASE_ID).cast(pl.String), pl.col(VALUE).cast(pl.Float64)
        )
    return rows, leads, values


def first_time_right(log: ScannedLog | Any, *, by: str | None) -> float:
    """``o2c.first_time_right`` of a scanned log or a Spark DataFrame (the share only: no ``by``)."""
    from o2c._engines import _frames

    if by is not None:
        raise ArgumentError(
            f"first_time_right(by={by!r}) needs the case attributes, which a scanned log or a Spark "
            "DataFrame does not carry to the engine; pass the log read with o2c.read_log.",
            function="first_time_right",
            argument="by",
            value=by,
        )
    reworked, cases = _frames.reworked_cases(_events(log))
    return (cases - reworked) / cases if cases else float("nan")


def activity_names(log: ScannedLog | Any) -> list[str]:
    """The distinct activity names of a scanned log or a Spark DataFrame, sorted."""
    from o2c._engines import _frames

    return _frames.activity_names(_events(log))


def activity_counts(log: ScannedLog | Any, activities: list[str]) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """For the events of ``activities`` in a scanned log or a Spark DataFrame: per activity the
    cases with it (``cases_affected``) and its ``executions``, the same over them all (one row),
    and the log's cases."""
    from o2c._engines import _frames

    return _frames.activity_counts(_events(log), activities)


def has_value(log: ScannedLog | Any) -> bool:
    """Whether a scanned log or a Spark DataFrame has an order ``value``."""
    from o2c._engines._duckdb import ScannedLog

    return log.has_value if isinstance(log, ScannedLog) else VALUE in log.columns


def bottleneck_edges(log: ScannedLog | Any) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """What ``o2c.bottlenecks`` ranks, from an engine: each edge's waits with overlaps as 0 (as
    ``waiting_times(overlap_as_zero=True)``, polars), and its ``value_days`` when the log has values."""
    from o2c._engines import _frames

    events = _events(log)
    edges = _frames.waiting_times(events, overlap_as_zero=True)
    return edges, _frames.value_days(events) if has_value(log) else None


def customer_steps(log: ScannedLog | Any, ideal: IdealPath | None) -> frozenset[str]:
    """``o2c._milestones.customer_steps`` of a scanned log or a Spark DataFrame."""
    return steps_of_customer(ideal, lambda: activity_cases(log))


def activity_cases(log: ScannedLog | Any) -> pl.DataFrame:
    """How many cases of a scanned log or a Spark DataFrame each activity occurs in (what milestones
    are guessed from): ``activity``, ``cases``."""
    from o2c._engines import _frames

    return _frames.activity_cases(_events(log))


def log_counts(log: ScannedLog | Any) -> tuple[int, int, int, int | None, int | None]:
    """Events, cases and activities of a scanned log or a Spark DataFrame, and its first and last
    event time in µs (None without events): ``o2c.log_summary``'s figures but the variants."""
    from o2c._engines import _frames

    found = _frames.summary(_events(log))
    return (
        int(found["events"]),
        int(found["cases"]),
        int(found["activities"]),
        found["first_us"],
        found["last_us"],
    )


def case_table(log: ScannedLog | Any, activities: dict[str, str | None]) -> pl.DataFrame:
    """``o2c._kpis._orders.case_table`` of a scanned log or a Spark DataFrame (no due dates):
    ``activities`` maps each milestone to its activity (None: not in the log)."""
    from o2c._engines import _frames

    return _frames.case_table(_events(log), activities)


def currency(log: ScannedLog | Any) -> str | None:
    """The one value of the ``currency`` column of a scanned log's files or a Spark DataFrame, when
    it has that column and exactly one value in it (as ``Assessment.currency`` in memory)."""
    from o2c._engines import _spark
    from o2c._engines._duckdb import ScannedLog

    if isinstance(log, ScannedLog):
        values = log.distinct_values("currency")
    elif _spark.is_spark(log) and "currency" in log.columns:
        values = [row[0] for row in log.select("currency").dropna().distinct().limit(2).collect()]
    else:
        values = []
    return str(values[0]) if len(values) == 1 else None


def waits_after(log: ScannedLog | Any, paid: str | None) -> pl.DataFrame:
    """Per activity of a scanned log or a Spark DataFrame, the 90th percentile (linear) of the waits
    from it to the next event in the orders with a ``paid`` event (none without ``paid``):
    ``last_activity``, ``wait_p90`` (a Duration), as ``o2c.stuck_orders`` judges open orders by."""
    from o2c._engines import _frames

    return _frames.waits_after(_events(log), paid)


def all_at_midnight(log: ScannedLog | Any) -> bool:
    """Whether every event of a scanned log or a Spark DataFrame happens at midnight UTC (date-only times)."""
    from o2c._engines import _frames

    return _frames.all_at_midnight(_events(log))


def check_no_calendar(calendar: object, *, function: str) -> None:
    """Refuse a working calendar where the log is on an engine: working time is counted in memory."""
    if calendar is not None:
        raise ArgumentError(
            f"{function} counts working time (calendar=...) in memory only; pass the log read with "
            "o2c.read_log, or leave the calendar out for a scanned log or a Spark DataFrame.",
            function=function,
            argument="calendar",
        )


def _events(log: Any) -> nw.LazyFrame:
    """The narwhals frame of a ``ScannedLog`` or a Spark DataFrame."""
    from o2c._engines import _spark
    from o2c._engines._duckdb import ScannedLog

    if isinstance(log, ScannedLog):
        return log.events_frame()
    if _spark.is_spark(log):
        return _spark.events(log)
    raise ArgumentError(
        "An analysis takes a polars or pandas event log, a ScannedLog (o2c.scan_log) or a Spark "
        f"DataFrame; got a {type(log).__name__}.",
        argument="log",
        value=type(log).__name__,
    )
