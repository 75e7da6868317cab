"""The core analyses wherever the log lives: in memory, in Parquet larger than memory, or on Spark.

``o2c.engines.directly_follows``, ``waiting_times``, ``variants``, ``rework`` and ``lead_times``
have the names, columns and results of the package's own functions and take any of:

- a polars or pandas event log: the package's in-memory function runs (the fastest path);
- a ``ScannedLog`` from ``scan_log(path)``: the events stay in Parquet and DuckDB computes the
  result within a memory limit, spilling to disk (see ``o2c.engines._duckdb`` for why DuckDB);
- a PySpark DataFrame with the canonical columns: Spark computes it, on a laptop in local mode
  or on a cluster (``pip install o2c-toolkit[spark]``).

Results are equal to the in-memory path's: counts exactly, and every duration to the
microsecond, since each engine computes the same median and 90th percentile (linear
interpolation) of the same integer microseconds; only ``waiting_times(spark_frame,
accuracy=...)`` trades exact percentiles for Spark's ``percentile_approx``, whose documented
accuracy is a rank error of at most ``n / accuracy`` among an edge's ``n`` waits.

One implementation serves DuckDB and Spark: the expressions are written once with narwhals
(``o2c.engines._frames``), on timestamps turned into integer microseconds by each engine (narwhals
cannot subtract timestamps on either). Only each case's trace (an ordered list aggregation) and
Spark's approximate percentiles are written per engine.

Examples
--------
>>> import tempfile, pathlib
>>> from o2c.simulate import example_log
>>> path = pathlib.Path(tempfile.mkdtemp()) / "log.parquet"
>>> example_log().write_parquet(path)
>>> scanned = scan_log(path, memory_limit="256MB")
>>> directly_follows(scanned).equals(directly_follows(example_log()))
True
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import polars as pl

from o2c import discovery, performance
from o2c.engines import _frames, _spark
from o2c.engines._duckdb import ScannedLog, scan_log
from o2c.errors import ArgumentError
from o2c.rework import rework as _rework_of

__all__ = ["ScannedLog", "directly_follows", "lead_times", "rework", "scan_log", "variants", "waiting_times"]

#: What the functions of ``o2c.engines`` take: an in-memory log, a ``ScannedLog``, or a Spark DataFrame.
EngineLog = pl.DataFrame | pd.DataFrame | ScannedLog | Any


def directly_follows(log: EngineLog) -> pd.DataFrame:
    """Each pair of activities that directly follow each other in a case, with how often.

    Returns
    -------
    DataFrame
        As ``o2c.directly_follows``: ``source``, ``target``, ``transitions``, ``cases``; most
        frequent first, ties by ``source``, ``target``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from o2c.simulate import example_log
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.parquet"
    >>> example_log().write_parquet(path)
    >>> directly_follows(scan_log(path)).head(3)
              source          target  transitions  cases
    0  Confirm Order      Ship Goods            3      3
    1     Ship Goods  Create Invoice            3      3
    2   Check Credit   Confirm Order            2      2
    """
    if isinstance(log, pl.DataFrame | pd.DataFrame):
        return discovery.directly_follows(log)
    return _frames.directly_follows(_events(log)).to_pandas()


def waiting_times(log: EngineLog, *, accuracy: int | None = None) -> pd.DataFrame:
    """How long cases wait on each edge a -> b of the process map.

    Parameters
    ----------
    log : DataFrame, ScannedLog or Spark DataFrame
        The event log (see ``o2c.engines``).
    accuracy : int, optional
        Spark only: compute ``wait_median`` and ``wait_p90`` with Spark's ``percentile_approx``
        at this accuracy (Spark's default is 10000), whose documented bound is a rank error of
        at most ``n / accuracy`` among an edge's ``n`` waits; it returns one of the waits, not
        an interpolation. Default: exact percentiles (Spark's ``median`` and ``percentile``,
        which hold each edge's waits on one executor).

    Returns
    -------
    DataFrame
        As ``o2c.waiting_times``: ``source``, ``target``, ``transitions``, ``cases``,
        ``wait_median``, ``wait_mean``, ``wait_p90``, ``wait_max``, ``wait_total``, ``overlaps``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from o2c.simulate import example_log
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.parquet"
    >>> example_log().write_parquet(path)
    >>> waiting_times(scan_log(path))[["source", "target", "wait_median", "wait_p90"]].head(2)
              source          target     wait_median        wait_p90
    0  Confirm Order      Ship Goods 1 days 21:00:00 2 days 09:48:00
    1     Ship Goods  Create Invoice 0 days 02:00:00 0 days 02:00:00
    """
    if isinstance(log, pl.DataFrame | pd.DataFrame):
        return performance.waiting_times(log)
    if accuracy is not None:
        if not _spark.is_spark(log):
            raise ArgumentError(
                "The 'accuracy' argument of waiting_times applies to Spark DataFrames only; "
                f"got a {type(log).__name__}, whose percentiles are exact."
            )
        return _frames.waiting_times(_events(log), aggregate=_spark.approximate_waits(accuracy)).to_pandas()
    return _frames.waiting_times(_events(log)).to_pandas()


def variants(log: EngineLog) -> pd.DataFrame:
    """The distinct traces (variants) of the log, with how many cases follow each.

    Returns
    -------
    DataFrame
        As ``o2c.variants``: ``variant_id``, ``trace``, ``cases``, ``share``,
        ``median_lead_time``; ``variant_id`` 1 has the most cases, ties by trace.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from o2c.simulate import example_log
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.parquet"
    >>> example_log().write_parquet(path)
    >>> variants(scan_log(path))[["variant_id", "cases", "median_lead_time"]]
       variant_id  cases median_lead_time
    0           1      1  1 days 07:00:00
    1           2      1 12 days 12:00:00
    2           3      1 20 days 20:00:00
    """
    if isinstance(log, pl.DataFrame | pd.DataFrame):
        return discovery.variants(log)
    if isinstance(log, ScannedLog):
        return _frames.variants(*log.traces())
    _events(log)  # checks the type and the columns
    return _frames.variants(_spark.traces(log))


def rework(log: EngineLog) -> pd.DataFrame:
    """Activities executed more than once in a case: repeats, self-loops and ping-pong.

    Returns
    -------
    DataFrame
        As ``o2c.rework``: ``activity``, ``kind``, ``other_activity``, ``cases_affected``,
        ``share_of_cases``, ``extra_executions``, ``time_added`` and, with a ``value`` column,
        ``value_affected``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from o2c.simulate import example_log
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.parquet"
    >>> example_log().write_parquet(path)
    >>> rework(scan_log(path))[["activity", "kind", "other_activity", "extra_executions"]]
            activity       kind other_activity  extra_executions
    0   Check Credit     repeat           None                 1
    1   Check Credit  self_loop           None                 1
    2  Confirm Order  ping_pong   Change Price                 1
    3  Confirm Order     repeat           None                 1
    """
    if isinstance(log, pl.DataFrame | pd.DataFrame):
        return _rework_of(log)
    has_value = log.has_value if isinstance(log, ScannedLog) else "value" in log.columns
    return _frames.rework(_events(log), has_value=has_value)


def lead_times(log: EngineLog) -> pd.DataFrame:
    """How long each case took, from the start of its first event to the end of its last.

    Returns
    -------
    DataFrame
        As ``o2c.lead_times``: one row per case, by ``case_id``: ``case_id``, ``first_event``,
        ``last_event``, ``events``, ``lead_time``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from o2c.simulate import example_log
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.parquet"
    >>> example_log().write_parquet(path)
    >>> lead_times(scan_log(path))[["case_id", "events", "lead_time"]]
      case_id  events        lead_time
    0       1       6 12 days 12:00:00
    1       2       6  1 days 07:00:00
    2       3       7 20 days 20:00:00
    """
    if isinstance(log, pl.DataFrame | pd.DataFrame):
        return performance.lead_times(log)
    return _frames.lead_times(_events(log)).to_pandas()


def _events(log: Any) -> Any:
    """The narwhals frame of a ``ScannedLog`` or a Spark DataFrame."""
    if isinstance(log, ScannedLog):
        return log.events_frame()
    if _spark.is_spark(log):
        return _spark.events(log)
    raise ArgumentError(
        "o2c.engines takes a polars or pandas event log, a ScannedLog (o2c.scan_log) or a Spark "
        f"DataFrame; got a {type(log).__name__}."
    )
