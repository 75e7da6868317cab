"""Rework: repeated activities, self-loops and ping-pong, first-time-right, and what rework costs.

Every row of the event log is one execution of its activity, as pm4py counts them: a log with
separate ``start`` and ``complete`` rows (a ``lifecycle`` column) counts both, so keep one
lifecycle first (``log.filter(pl.col("lifecycle") == "complete")``) to count executions.

Events are taken in log order (``case_id``, ``timestamp``, ``source_row``): events with the same
timestamp keep their order in the file, so ``source_row`` decides whether two tied events form a
self-loop or a ping-pong.

Three kinds of rework, each counted per activity:

- ``repeat``: the activity is executed more than once in a case, at any distance;
- ``self_loop``: the activity directly follows itself (a -> a);
- ``ping_pong``: the activity comes back directly after one other activity (a -> b -> a,
  with b different from a), reported with b as ``other_activity``.

Object-centric logs: a log flattened from an object-centric file (``o2c.flatten``) names each
event's object (``object_id``): an order with three items is picked three times, once per
item, and an order in two deliveries is delivered twice. On such a log every kind is counted
per case *and object*: a repeat is the same activity again for the same object (the same item
picked twice), a self-loop or ping-pong runs through the object's own events in log order,
and the time added is summed over the case's objects. ``cases_affected`` still counts orders.
Events with an empty ``object_id`` count together, as the order's own. This holds for the
in-memory analyses; the DuckDB and Spark engines (``o2c.scan_log``, a Spark frame) count per
case and ignore ``object_id``. ``repeated`` marks the events counted as extra executions, for
``o2c.case_timeline`` and the explorer.

Examples
--------
>>> from o2c import example_log
>>> rework(example_log())[["activity", "kind", "other_activity", "cases_affected"]]
        activity       kind other_activity  cases_affected
0   Check Credit     repeat           None               1
1   Check Credit  self_loop           None               1
2  Confirm Order  ping_pong   Change Price               1
3  Confirm Order     repeat           None               1
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

import pandas as pd
import polars as pl

from o2c import _engines
from o2c._engines import EventLog
from o2c._objects import OBJECT_ID
from o2c._tables import duration_from_microseconds
from o2c.errors import ArgumentError, check_choice
from o2c.log import (
    ACTIVITY,
    CASE_ID,
    CASE_IDS,
    LIFECYCLE,
    SOURCE_ROW,
    START_TIMESTAMP,
    TIMESTAMP,
    VALUE,
    case_count,
    case_values,
    validate,
)
from o2c.performance import _lead_times

#: The kinds of rework, in the order the docs list them.
KINDS = ("repeat", "self_loop", "ping_pong")

#: Activity-name prefixes that say data was entered again (matched case-insensitively).
REKEY_PATTERNS = ("Change ", "Update ", "Correct ")

_KEYS = ["activity", "kind", "other_activity"]
_MICROSECONDS_PER_DAY = 86_400_000_000
_NOT_CASE_ATTRIBUTES = (CASE_ID, ACTIVITY, TIMESTAMP, START_TIMESTAMP, LIFECYCLE, SOURCE_ROW)


def rework(log: EventLog) -> pd.DataFrame:
    """Activities executed more than once in a case: repeats, self-loops and ping-pong.

    Parameters
    ----------
    log : DataFrame, ScannedLog or Spark DataFrame
        An event log, polars or pandas (see ``o2c.log``); or a log left in Parquet
        (``o2c.scan_log``), which DuckDB analyses within its memory limit; or a PySpark
        DataFrame with the canonical columns, which Spark analyses. Same result from each.

    Returns
    -------
    DataFrame
        One row per activity and kind: ``activity``, ``kind`` (``repeat``, ``self_loop`` or
        ``ping_pong``), ``other_activity`` (the b of a -> b -> a; None for the other kinds),
        ``cases_affected``, ``share_of_cases`` (of all cases in the log), ``extra_executions``,
        ``time_added`` (a Timedelta) and, when the log has a ``value`` column,
        ``value_affected`` (the summed order value of the affected cases; a case without a value
        counts as 0, so the column has no NaN). Most affected first, ties by ``activity``,
        ``kind``, ``other_activity``.

    Notes
    -----
    How each kind counts, per case, on completion timestamps:

    - ``repeat``: extra executions = executions - 1; time added = from the first to the last
      execution of the activity. ``a a a`` is 2 extra executions.
    - ``self_loop``: one extra execution per event directly preceded by the same activity;
      time added = the time from each such predecessor to it. ``a a a`` is 2 extra executions.
    - ``ping_pong``: one extra execution per event whose activity equals the activity two events
      earlier while the event between is another activity; time added = from that earlier
      event to it. Windows may overlap: ``a b a b a`` is ping-pong a around b twice (events 3
      and 5, time from event 1 to 5) and b around a once (event 4), one case each.

    The three kinds overlap by design: every self-loop and ping-pong return is also one of the
    activity's repeats, and no event is both a self-loop and a ping-pong return.

    When the log has an ``object_id`` column (``o2c.flatten`` writes one) each kind is counted
    per case and object, on the object's own events: an order's two items picked once each is
    no rework, one item picked twice is (see the module). The DuckDB and Spark engines ignore
    the column and count per case.

    Examples
    --------
    >>> from o2c import example_log
    >>> rework(example_log())[["activity", "kind", "extra_executions", "time_added", "value_affected"]]
            activity       kind  extra_executions      time_added  value_affected
    0   Check Credit     repeat                 1 0 days 03:00:00          3000.0
    1   Check Credit  self_loop                 1 0 days 03:00:00          3000.0
    2  Confirm Order  ping_pong                 1 0 days 06:00:00         55000.0
    3  Confirm Order     repeat                 1 0 days 06:00:00         55000.0
    >>> import pathlib, tempfile
    >>> from o2c import scan_log
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.parquet"
    >>> example_log().write_parquet(path)
    >>> rework(scan_log(path)).equals(rework(example_log()))  # DuckDB, out of core
    True
    """
    if _engines.is_engine_log(log, function="rework"):
        return _engines.rework(log)
    return _rework(validate(log))


def _rework(log: pl.DataFrame) -> pd.DataFrame:
    """``rework`` of a validated log."""
    return _summary(log, KINDS)


def self_loops(log: pl.DataFrame | pd.DataFrame) -> pd.DataFrame:
    """Activities repeated directly after themselves (a -> a) within a case.

    Parameters
    ----------
    log : DataFrame
        An event log, polars or pandas (see ``o2c.log``).

    Returns
    -------
    DataFrame
        The ``self_loop`` rows of ``rework``, one per activity: ``activity``,
        ``cases_affected``, ``share_of_cases``, ``extra_executions``, ``time_added`` and,
        when the log has a ``value`` column, ``value_affected``; most affected first, ties by
        ``activity``. ``a a a`` in one case is 2 extra executions. With an ``object_id`` column,
        a -> a of one object (see ``rework``).

    Examples
    --------
    >>> from o2c import example_log
    >>> self_loops(example_log())[["activity", "cases_affected", "extra_executions", "time_added"]]
           activity  cases_affected  extra_executions      time_added
    0  Check Credit               1                 1 0 days 03:00:00
    """
    return _self_loops(validate(log))


def _self_loops(log: pl.DataFrame) -> pd.DataFrame:
    """``self_loops`` of a validated log."""
    return _summary(log, ["self_loop"]).drop(columns=["kind", "other_activity"])


def ping_pongs(log: pl.DataFrame | pd.DataFrame) -> pd.DataFrame:
    """Activities that come back directly after one other activity (a -> b -> a) within a case.

    Parameters
    ----------
    log : DataFrame
        An event log, polars or pandas (see ``o2c.log``).

    Returns
    -------
    DataFrame
        The ``ping_pong`` rows of ``rework``, one per pair: ``activity`` (a),
        ``other_activity`` (b), ``cases_affected``, ``share_of_cases``, ``extra_executions``,
        ``time_added`` and, when the log has a ``value`` column, ``value_affected``; most
        affected first, ties by ``activity``, ``other_activity``. Overlapping windows each
        count: ``a b a b a`` is a around b twice and b around a once. With an ``object_id``
        column, on each object's own events (see ``rework``).

    Examples
    --------
    >>> from o2c import example_log
    >>> ping_pongs(example_log())[["activity", "other_activity", "cases_affected", "time_added"]]
            activity other_activity  cases_affected      time_added
    0  Confirm Order   Change Price               1 0 days 06:00:00
    """
    return _ping_pongs(validate(log))


def _ping_pongs(log: pl.DataFrame) -> pd.DataFrame:
    """``ping_pongs`` of a validated log."""
    return _summary(log, ["ping_pong"]).drop(columns=["kind"])


@overload
def first_time_right(log: EventLog, *, by: None = None) -> float: ...
@overload
def first_time_right(log: EventLog, *, by: str) -> pd.DataFrame: ...
def first_time_right(log: EventLog, *, by: str | None = None) -> float | pd.DataFrame:
    """The share of cases in which no activity is executed more than once.

    Parameters
    ----------
    log : DataFrame, ScannedLog or Spark DataFrame
        An event log, polars or pandas (see ``o2c.log``); or a scanned log or a Spark DataFrame
        (without ``by``: their views hold no attributes).
    by : str, optional
        A case attribute (a column with one value per case, such as ``region``); empty values
        of a case are ignored, and a case without any value forms its own group (None).

    Returns
    -------
    float or DataFrame
        Without ``by``: the share of first-time-right cases, a fraction 0..1 (NaN for a log
        without cases). With ``by``: one
        row per value of the attribute: ``<by>``, ``cases``, ``first_time_right_cases``,
        ``first_time_right`` (their share); sorted by the value, None last.

    Examples
    --------
    >>> from o2c import example_log
    >>> round(first_time_right(example_log()), 4)
    0.3333
    >>> first_time_right(example_log(), by="region")
      region  cases  first_time_right_cases  first_time_right
    0   AMER      1                       0               0.0
    1   EMEA      2                       1               0.5
    """
    if _engines.is_engine_log(log, function="first_time_right"):
        return _engines.first_time_right(log, by=by)
    return _first_time_right(validate(log), by=by)


@overload
def _first_time_right(log: pl.DataFrame, *, by: None = None) -> float: ...
@overload
def _first_time_right(log: pl.DataFrame, *, by: str) -> pd.DataFrame: ...
def _first_time_right(log: pl.DataFrame, *, by: str | None = None) -> float | pd.DataFrame:
    """``first_time_right`` of a validated log."""
    reworked = _repeats(_coded(log)).select("_case").unique().collect()["_case"]  # per object: see rework
    cases = log.select(CASE_IDS).with_row_index("_case")
    cases = cases.with_columns(right=~pl.col("_case").is_in(reworked.implode()))
    if by is None:
        share = cases.select(pl.col("right").mean()).item()
        return float("nan") if share is None else float(share)
    attribute = _case_attribute(log, by, function="first_time_right")
    table = (
        cases.join(attribute, on=CASE_ID, how="left")
        .group_by(by)
        .agg(cases=pl.len(), first_time_right_cases=pl.col("right").sum())
        .with_columns(first_time_right=pl.col("first_time_right_cases") / pl.col("cases"))
        .sort(by, nulls_last=True)
    )
    return table.to_pandas()


def rework_cost(log: EventLog) -> pd.DataFrame:
    """Median lead time of cases with and without each rework, and the order value it delays.

    Parameters
    ----------
    log : DataFrame
        An event log, polars or pandas (see ``o2c.log``).

    Returns
    -------
    DataFrame
        One row per row of ``rework``: ``activity``, ``kind``, ``other_activity``,
        ``cases_affected``, ``lead_time_with`` and ``lead_time_without`` (median lead time of
        the cases with and without that rework), ``lead_time_difference`` (with - without; NaT
        when every case has the rework) and, when the log has a ``value`` column,
        ``value_delayed``: the value of the affected cases times that difference in days
        (value-days; negative when reworked cases finish sooner). Largest difference first,
        NaT last, ties by ``activity``, ``kind``, ``other_activity``.

    Notes
    -----
    The lead time of a case is ``performance.lead_times``: from the start of its first event (its
    ``start_timestamp`` where the log has one) to the completion of its last event.

    Examples
    --------
    >>> from o2c import example_log
    >>> cost = rework_cost(example_log())
    >>> cost[["activity", "kind", "lead_time_with", "lead_time_without", "value_delayed"]]
            activity       kind  lead_time_with lead_time_without  value_delayed
    0  Confirm Order  ping_pong 20 days 20:00:00   6 days 21:30:00       766562.5
    1  Confirm Order     repeat 20 days 20:00:00   6 days 21:30:00       766562.5
    2   Check Credit     repeat  1 days 07:00:00  16 days 16:00:00       -46125.0
    3   Check Credit  self_loop  1 days 07:00:00  16 days 16:00:00       -46125.0
    """
    if _engines.is_engine_log(
        log, function="rework_cost"
    ):  # each case's rework, lead and value from the engine
        return _rework_cost_of(*_engines.rework_facts(log))
    return _rework_cost(validate(log))


def _rework_cost(log: pl.DataFrame) -> pd.DataFrame:
    """``rework_cost`` of a validated log."""
    values = case_values(log, VALUE) if VALUE in log.columns else None
    return _rework_cost_of(_rework_rows(log), _lead_microseconds(log), values)


def _rework_cost_of(per_case: pl.DataFrame, leads: pl.DataFrame, values: pl.DataFrame | None) -> pd.DataFrame:
    """``rework_cost`` from each case's rework (``_rework_rows``), lead time in µs (``case_id``,
    ``lead``, every case) and order value (``case_id``, ``value``; None when the log has none)."""
    affected = per_case.select(*_KEYS, CASE_ID).unique()
    leads = leads.sort("lead", CASE_ID).with_row_index("rank")
    n_cases = leads.height
    affected = affected.join(leads, on=CASE_ID, how="inner")
    with_ = affected.group_by(_KEYS).agg(
        cases_affected=pl.len().cast(pl.Int64), lead_with=pl.col("lead").median()
    )
    without = _complement_medians(affected, leads, n_cases)
    table = with_.join(without, on=_KEYS, how="left", nulls_equal=True).with_columns(
        difference=pl.col("lead_with") - pl.col("lead_without")
    )
    columns = [*_KEYS, "cases_affected", "lead_time_with", "lead_time_without", "lead_time_difference"]
    if values is not None:
        value = affected.join(values, on=CASE_ID, how="left").group_by(_KEYS).agg(pl.col(VALUE).sum())
        table = table.join(value, on=_KEYS, how="left", nulls_equal=True).with_columns(
            value_delayed=pl.col(VALUE) * pl.col("difference") / _MICROSECONDS_PER_DAY
        )
        columns.append("value_delayed")
    as_duration = {
        "lead_time_with": "lead_with",
        "lead_time_without": "lead_without",
        "lead_time_difference": "difference",
    }
    table = table.with_columns(
        duration_from_microseconds(pl.col(source)).alias(name) for name, source in as_duration.items()
    )
    table = table.select(columns).sort(
        ["lead_time_difference", *_KEYS], descending=[True, False, False, False], nulls_last=True
    )
    return _to_pandas(table)


def rekeyed_data(
    log: pl.DataFrame | pd.DataFrame, *, patterns: Sequence[str] | str = REKEY_PATTERNS
) -> pd.DataFrame:
    """Activities whose names say data was entered again, and the share of orders they touch.

    Parameters
    ----------
    log : DataFrame
        An event log, polars or pandas (see ``o2c.log``).
    patterns : sequence of str, default ("Change ", "Update ", "Correct ")
        Activity-name prefixes, matched case-insensitively; a single string is one prefix.

    Returns
    -------
    DataFrame
        One row per matching activity: ``activity``, ``cases_affected``, ``share_of_cases``,
        ``executions``, ``executions_per_case`` (executions per affected case); most affected
        first, ties by ``activity``. A last row with ``activity`` None counts the orders touched
        by any of them (the "one version of the truth" measure); its ``executions_per_case``
        is NaN when no order is touched.

    Examples
    --------
    >>> from o2c import example_log
    >>> rekeyed_data(example_log())[["activity", "cases_affected", "share_of_cases", "executions"]]
           activity  cases_affected  share_of_cases  executions
    0  Change Price               1        0.333333           1
    1          None               1        0.333333           1
    """
    if _engines.is_engine_log(log, function="rekeyed_data"):
        prefixes = _prefixes(patterns)
        rekeyed = [name for name in _engines.activity_names(log) if name.lower().startswith(tuple(prefixes))]
        per_activity, total, n_cases = _engines.activity_counts(log, rekeyed)
        return _rekeyed_table(per_activity, total, n_cases)
    return _rekeyed_data(validate(log), patterns=patterns)


def _rekeyed_data(log: pl.DataFrame, *, patterns: Sequence[str] | str = REKEY_PATTERNS) -> pd.DataFrame:
    """``rekeyed_data`` of a validated log."""
    prefixes = _prefixes(patterns)
    lowered = pl.col(ACTIVITY).str.to_lowercase()
    names = log.select(pl.col(ACTIVITY).unique().cast(pl.String))  # match the few names, not every event
    rekeyed = names.filter(pl.any_horizontal([lowered.str.starts_with(p) for p in prefixes]))[ACTIVITY]
    events = log.filter(pl.col(ACTIVITY).is_in(rekeyed.to_list())).select(
        CASE_ID, pl.col(ACTIVITY).cast(pl.String)
    )
    per_activity = events.group_by(ACTIVITY).agg(
        cases_affected=pl.col(CASE_ID).n_unique(), executions=pl.len()
    )
    total = events.select(cases_affected=pl.col(CASE_ID).n_unique(), executions=pl.len())
    return _rekeyed_table(per_activity, total, case_count(log))


def _rekeyed_table(per_activity: pl.DataFrame, total: pl.DataFrame, n_cases: int) -> pd.DataFrame:
    """``rekeyed_data`` from the re-keying activities' ``cases_affected`` and ``executions``, the
    same over all of them (``total``, one row) and the log's cases (in memory or from an engine)."""
    per_activity = per_activity.sort(["cases_affected", ACTIVITY], descending=[True, False])
    total = total.select(pl.lit(None, pl.String).alias(ACTIVITY), "cases_affected", "executions")
    table = pl.concat([per_activity, total.cast(per_activity.schema)]).with_columns(
        executions_per_case=pl.col("executions") / pl.col("cases_affected").cast(pl.Float64),
    )
    frame = _with_share(
        table.select(ACTIVITY, "cases_affected", "executions", "executions_per_case"), n_cases
    )
    frame[ACTIVITY] = _with_none(frame[ACTIVITY])
    return frame


def _rework_rows(log: pl.DataFrame) -> pl.DataFrame:
    """Per case and rework: ``case_id``, ``activity``, ``kind``, ``other_activity``,
    ``extra`` and ``time``.

    Rework is found on integers (``_found``) and only the rows found are named again.
    """
    _, rows = _found(log, KINDS)
    case_ids = log.select(CASE_IDS)[CASE_ID]
    return rows.select(
        pl.Series(CASE_ID, case_ids.gather(rows["_case"])),
        _name(log, "_code").alias("activity"),
        pl.col("kind"),
        _name(log, "_other").alias("other_activity"),
        pl.col("extra").cast(pl.Int64),
        pl.col("time"),
    )


def _found(log: pl.DataFrame, kinds: Sequence[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The events as integers (``_coded``), and per case number and rework of ``kinds`` found in
    them: ``_case``, ``_code``, ``kind``, ``_other`` (activity code of b in a -> b -> a),
    ``extra`` and ``time``."""
    events = _coded(log)
    found = [_loops(events, kind, by_object=OBJECT_ID in log.columns) for kind in kinds if kind != "repeat"]
    if "repeat" in kinds:
        repeats = _repeats(events).with_columns(kind=pl.lit("repeat"), _other=pl.lit(None, pl.UInt32))
        found.insert(0, repeats)
    order = ["_case", "_code", "kind", "_other", "extra", "time"]
    return events, pl.concat([f.select(order) for f in found], how="vertical").collect()


def _name(log: pl.DataFrame, code: str) -> pl.Expr:
    """The activity name of the activity code in column ``code``."""
    return pl.col(code).cast(pl.UInt32).cat.to(log.schema[ACTIVITY]).cast(pl.String)


def repeated(log: pl.DataFrame) -> pl.Expr:
    """True on each event of a sorted log whose activity already happened earlier in its case
    (for the same object, when the log has an ``object_id`` column): the events ``rework``
    counts as extra executions of its repeats, one definition for the timeline and explorer.

    >>> from o2c import example_log
    >>> example_log().filter(repeated(example_log()))["activity"].to_list()
    ['Check Credit', 'Confirm Order']
    """
    return pl.int_range(pl.len()).over(*_unit_keys(log), pl.col(ACTIVITY)) > 0


def _unit_keys(log: pl.DataFrame) -> list[pl.Expr]:
    """What rework is counted within: the case, and its object where the log names one."""
    case = pl.col(CASE_ID).rle_id()
    return [case, pl.col(OBJECT_ID)] if OBJECT_ID in log.columns else [case]


def _coded(log: pl.DataFrame) -> pl.DataFrame:
    """The events as integers, in log order: ``_case`` (case number), ``_unit`` (what rework is
    counted within: the case number, or a number per case and object when the log has an
    ``object_id``, rising with the case), ``_code`` (activity code), ``_time`` and ``_pair``
    (unit number and activity code in one integer)."""
    case, code = pl.col(CASE_ID).rle_id(), pl.col(ACTIVITY).to_physical()
    unit = case
    if OBJECT_ID in log.columns:  # objects numbered within their case: empty ones first, as one
        object_rank = pl.col(OBJECT_ID).rank("dense").fill_null(0).cast(pl.UInt64)
        unit = (case.cast(pl.UInt64) * (1 << 32) + object_rank).rank("dense").cast(pl.UInt32)
    return log.select(_case=case, _unit=unit, _code=code, _time=pl.col(TIMESTAMP)).with_columns(
        _pair=pl.col("_unit").cast(pl.UInt64) * (1 << 32) + pl.col("_code").cast(pl.UInt64)
    )


def _repeats(events: pl.DataFrame) -> pl.LazyFrame:
    """Per case number and activity code executed more than once in a unit: ``extra`` executions
    and ``time`` from the first to the last, summed over the case's units.

    Sorted, a (unit, activity) pair that occurs again sits next to itself, so only the events
    of repeated pairs are grouped, not every event of the log.
    """
    pairs = events["_pair"].sort()
    again = pairs.filter(pairs == pairs.shift(1)).unique()
    per_unit = (
        events.lazy()
        .filter(pl.col("_pair").is_in(again.implode()))
        .group_by("_unit", "_code")
        .agg(pl.col("_case").first(), extra=pl.len() - 1, time=pl.col("_time").max() - pl.col("_time").min())
    )
    return per_unit.group_by("_case", "_code").agg(pl.col("extra").sum(), pl.col("time").sum())


def _loops(events: pl.DataFrame, kind: str, *, by_object: bool) -> pl.LazyFrame:
    """Per case number and self-loop (a -> a) or ping-pong (a -> b -> a): returns and their time.

    On completion times (``timestamp``): a self-loop's time runs from the completion of a to
    that of the next a, a ping-pong's from a to the a after b. The events are taken by unit
    (case, or case and object), in log order within it, so the event two places on is in the
    same unit when its unit number is.
    """
    frame = events.lazy()
    if by_object:  # each object's events together, in log order
        frame = frame.sort("_unit", maintain_order=True)
    case, code, time = pl.col("_unit"), pl.col("_code"), pl.col("_time")
    if kind == "self_loop":
        found = (case == case.shift(-1)) & (code == code.shift(-1))
        other, wait = pl.lit(None, pl.UInt32), time.shift(-1) - time
    else:
        found = (case == case.shift(-2)) & (code != code.shift(-1)) & (code == code.shift(-2))
        other, wait = code.shift(-1), time.shift(-2) - time
    returns = frame.select("_case", code, _other=other, _wait=wait, _found=found).filter("_found")
    return (
        returns.group_by("_case", "_code", "_other")
        .agg(extra=pl.len(), time=pl.col("_wait").sum())
        .with_columns(kind=pl.lit(kind))
    )


def _summary(log: pl.DataFrame, kinds: Sequence[str]) -> pd.DataFrame:
    """Per activity, kind and other activity: cases, share, extra executions, time, value.

    Counted on the integers of ``_found``; only the summary's rows are named.
    """
    events, rows = _found(log, kinds)
    aggregates = [
        pl.len().alias("cases_affected"),
        pl.col("extra").cast(pl.Int64).sum().alias("extra_executions"),
        pl.col("time").sum().alias("time_added"),
    ]
    if VALUE in log.columns:
        values = case_values(events.select("_case", log[VALUE]), VALUE, by="_case")
        rows = rows.join(values, on="_case", how="left")
        aggregates.append(pl.col(VALUE).sum().alias("value_affected"))
    table = (
        rows.group_by("_code", "kind", "_other")
        .agg(aggregates)
        .select(
            _name(log, "_code").alias("activity"),
            "kind",
            _name(log, "_other").alias("other_activity"),
            pl.col("cases_affected").cast(pl.Int64),
            "extra_executions",
            "time_added",
            *(["value_affected"] if VALUE in log.columns else []),
        )
        .sort(["cases_affected", *_KEYS], descending=[True, False, False, False], nulls_last=True)
    )
    n_cases = int(events["_case"][-1]) + 1 if events.height else 0
    return _with_share(table, n_cases)


def _lead_microseconds(log: pl.DataFrame) -> pl.DataFrame:
    """Each case's ``performance.lead_times`` in microseconds (Float64, for medians)."""
    spans = pl.from_pandas(_lead_times(log)[[CASE_ID, "lead_time"]])
    return spans.select(CASE_ID, lead=pl.col("lead_time").dt.total_microseconds().cast(pl.Float64))


def _complement_medians(affected: pl.DataFrame, leads: pl.DataFrame, n_cases: int) -> pl.DataFrame:
    """Per rework key, the median lead time of the cases it does not affect, without a cross join.

    ``leads`` is sorted by lead time with a global ``rank`` (0-based). For a key whose affected
    cases have ranks a_1 < ... < a_m, the g_j = a_j - (j - 1) unaffected cases rank below a_j;
    the unaffected case at position p (0-based, among the unaffected) has rank p + #{j: g_j <= p}.
    The median is the mean of positions (u - 1) // 2 and u // 2, u = n_cases - m.
    """
    keys = affected.select(_KEYS).unique().with_row_index("key")
    affected = affected.join(keys, on=_KEYS, how="left", nulls_equal=True)
    ranked = (
        affected.sort("rank")
        .with_columns(j=pl.int_range(1, pl.len() + 1).over("key"))
        .with_columns(g=pl.col("rank").cast(pl.Int64) - pl.col("j") + 1)
        .group_by("key", "g")
        .agg(pl.col("j").max())
        .sort("g")
    )
    positions = (
        affected.group_by("key")
        .agg(u=n_cases - pl.len())
        .filter(pl.col("u") > 0)
        .with_columns(lo=(pl.col("u") - 1) // 2, hi=pl.col("u") // 2)
        .unpivot(index="key", on=["lo", "hi"], variable_name="end", value_name="p")
        .with_columns(pl.col("p").cast(pl.Int64))
        .sort("p")
    )
    found = positions.join_asof(
        ranked, left_on="p", right_on="g", by="key", strategy="backward", check_sortedness=False
    )
    found = found.with_columns(rank=(pl.col("p") + pl.col("j").fill_null(0)).cast(leads.schema["rank"]))
    medians = (
        found.join(leads.select("rank", "lead"), on="rank", how="left")
        .group_by("key")
        .agg(lead_without=pl.col("lead").mean())
    )
    return keys.join(medians, on="key", how="left").drop("key")


def _case_attribute(log: pl.DataFrame, by: str, *, function: str) -> pl.DataFrame:
    """One row per case with its value of the case attribute ``by`` (first non-empty value)."""
    allowed = [c for c in log.columns if c not in _NOT_CASE_ATTRIBUTES]
    check_choice(by, allowed, argument="by", function=function)
    values = log.group_by(CASE_ID).agg(
        pl.col(by).drop_nulls().first(), varying=pl.col(by).drop_nulls().n_unique()
    )
    varying = values.filter(pl.col("varying") > 1).sort(CASE_ID)
    if varying.height:
        example = varying[CASE_ID][0]
        shown = log.filter(pl.col(CASE_ID) == example)[by].drop_nulls().unique(maintain_order=True).head(3)
        raise ArgumentError(
            f"The 'by' argument of {function} must name a case attribute (one value per case); "
            f"{by!r} varies within {varying.height} cases, e.g. case {example!r} has {shown.to_list()}."
        )
    return values.select(CASE_ID, by)


def _prefixes(patterns: Sequence[str] | str) -> list[str]:
    """Lower-cased prefixes; a single string is one prefix, an empty set is an error."""
    prefixes = [patterns] if isinstance(patterns, str) else list(patterns)
    if not prefixes or not all(isinstance(p, str) and p for p in prefixes):
        raise ArgumentError(
            "The 'patterns' argument of rekeyed_data must be non-empty strings, such as "
            f"('Change ', 'Update '); got {patterns!r}."
        )
    return [p.lower() for p in prefixes]


def _to_pandas(table: pl.DataFrame) -> pd.DataFrame:
    """The result as pandas, with ``other_activity`` None (not NaN) where there is none."""
    frame = table.to_pandas()
    if "other_activity" in frame.columns:
        frame["other_activity"] = _with_none(frame["other_activity"])
    return frame


def _with_share(table: pl.DataFrame, n_cases: int) -> pd.DataFrame:
    """The result as pandas with ``share_of_cases`` after ``cases_affected``.

    Divided in pandas: polars multiplies by the reciprocal of a scalar divisor, which makes
    3 / 5 come out as 0.6000000000000001.
    """
    frame = _to_pandas(table)
    share = frame["cases_affected"].astype("float64") / max(n_cases, 1)
    frame.insert(list(frame.columns).index("cases_affected") + 1, "share_of_cases", share)
    return frame


def _with_none(column: pd.Series) -> pd.Series:
    return column.astype(object).where(column.notna(), None)
