"""Directly-follows relations, variants, start and end activities of the sorted event log.

Every function takes the event log as it is: one row per event, in log order (``case_id``,
``timestamp``, ``source_row``). On a log with lifecycle start/complete events every event is a
node, as in pm4py; ``activity_instances`` folds each start into its complete event first.

Examples
--------
>>> from o2c import example_log
>>> transitions(example_log()).height
16
>>> directly_follows(example_log()).head(3)
          source          target  transitions  cases
0  Confirm Order      Ship Goods            3      3
1     Ship Goods  Create Invoice            3      3
2   Check Credit   Confirm Order            2      2
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl

from o2c import _engines
from o2c._engines import EventLog
from o2c._tables import duration_from_microseconds, sort_edges
from o2c.log import (
    ACTIVITY,
    CASE_ID,
    LIFECYCLE,
    SOURCE_ROW,
    START_TIMESTAMP,
    TIMESTAMP,
    run_boundary,
    sort_log,
    validate,
)

#: True where the next row belongs to the same case (the log is sorted by case, time, row).
SAME_CASE = pl.col(CASE_ID) == pl.col(CASE_ID).shift(-1)


def event_start(log: pl.DataFrame) -> pl.Expr:
    """When each event of ``log`` began: its ``start_timestamp`` where there is one, else its ``timestamp``.

    >>> from o2c import example_log
    >>> example_log().select(event_start(example_log()))["timestamp"][0]
    datetime.datetime(2025, 1, 6, 9, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
    """
    if START_TIMESTAMP in log.columns:
        return pl.col(START_TIMESTAMP).fill_null(pl.col(TIMESTAMP))
    return pl.col(TIMESTAMP)


def transitions(log: pl.DataFrame | pd.DataFrame) -> pl.DataFrame:
    """Each event beside the next event of its case; the last event of each case is dropped.

    The waiting time of a transition a -> b is the start of b (its ``start_timestamp`` where
    the log has one, else its ``timestamp``) minus the end (``timestamp``) of a.

    Returns a polars frame with ``case_id``, ``source``, ``target`` (categorical), ``wait``
    (a duration) and ``source_row`` (of the source event), in log order.

    >>> from o2c import example_log
    >>> transitions(example_log()).row(0)[:3]
    ('1', 'Create Sales Order', 'Check Credit')
    """
    return _transitions(validate(log))


def _transitions(log: pl.DataFrame) -> pl.DataFrame:
    """``transitions`` of a validated log."""
    return lazy_transitions(log).drop(CASE_NUMBER).collect()


#: Column of ``lazy_transitions``: the case's number in log order (0, 1, ...), cheaper than its id.
CASE_NUMBER = "case_number"


def lazy_transitions(log: pl.DataFrame) -> pl.LazyFrame:
    """``transitions`` of an already validated log, lazily, plus ``case_number``.

    Lazy, so that columns a caller does not use (such as the ``case_id`` text) are never
    gathered; ``case_number`` numbers the cases in log order, for cheap counting of cases.

    >>> from o2c import example_log
    >>> lazy_transitions(example_log()).select("case_number", "wait").collect().row(15)
    (2, datetime.timedelta(days=17, seconds=72000))
    """
    case_number = pl.col(CASE_NUMBER)
    return (
        log.lazy()
        .select(
            pl.col(CASE_ID),
            source=pl.col(ACTIVITY),
            target=pl.col(ACTIVITY).shift(-1),
            wait=event_start(log).shift(-1) - pl.col(TIMESTAMP),
            source_row=pl.col(SOURCE_ROW),
            case_number=pl.col(CASE_ID).rle_id(),
        )
        .filter(case_number == case_number.shift(-1))
    )


def edge_counts(pairs: pl.LazyFrame, *more: pl.Expr) -> pl.LazyFrame:
    """Per edge (``source``, ``target``): ``transitions`` (rows), ``cases`` (distinct cases) and ``more``.

    ``pairs`` is a lazy frame with categorical ``source`` and ``target`` and an integer
    ``case_number``, such as ``lazy_transitions``. Edges are grouped on one integer made of the
    two activity codes (cheaper to hash than two columns), named again after the aggregation.
    Distinct cases are the distinct case numbers (half the time of counting where the case
    number changes within each edge). Only the columns the counts read are gathered, and
    grouped as a frame: a lazy group_by runs on polars' streaming engine, which counts distinct
    values at a quarter of the in-memory engine's speed (1M events: 20 ms, not 5 ms).

    >>> from o2c import example_log
    >>> edge_counts(lazy_transitions(example_log())).collect().height
    9
    """
    dtype = pairs.collect_schema()["source"]
    key = _code("source") * _HALF + _code("target")
    read = sorted({name for expression in more for name in expression.meta.root_names()} - {CASE_NUMBER})
    columns = pairs.select(key.alias(_EDGE), CASE_NUMBER, *read).collect()
    counts = columns.group_by(_EDGE).agg(
        pl.len().alias("transitions"), pl.col(CASE_NUMBER).n_unique().alias("cases"), *more
    )
    return counts.lazy().select(
        (pl.col(_EDGE) // _HALF).cast(pl.UInt32).cat.to(dtype).alias("source"),
        (pl.col(_EDGE) % _HALF).cast(pl.UInt32).cat.to(dtype).alias("target"),
        pl.exclude(_EDGE),
    )


_EDGE, _HALF = "_edge", 1 << 32


def _code(column: str) -> pl.Expr:
    """The categorical code of ``column`` as an unsigned 64-bit integer."""
    return pl.col(column).to_physical().cast(pl.UInt64)


def directly_follows(log: EventLog) -> pd.DataFrame:
    """Each pair of activities that directly follow each other in a case, with how often.

    Parameters
    ----------
    log : DataFrame, ScannedLog or Spark DataFrame
        An event log, polars or pandas (see ``o2c.log``); or a log left in Parquet
        (``o2c.scan_log``), which DuckDB analyses within its memory limit; or a PySpark
        DataFrame with the canonical columns, which Spark analyses. Same result from each.

    Returns
    -------
    DataFrame
        One row per edge a -> b: ``source``, ``target``, ``transitions`` (how many times b
        directly follows a; pm4py's ``discover_dfg`` count) and ``cases`` (in how many cases it
        does at least once). Most frequent first, ties by ``source``, ``target``.

    Examples
    --------
    >>> from o2c import example_log
    >>> directly_follows(example_log())
                   source           target  transitions  cases
    0       Confirm Order       Ship Goods            3      3
    1          Ship Goods   Create Invoice            3      3
    2        Check Credit    Confirm Order            2      2
    3      Create Invoice  Receive Payment            2      2
    4  Create Sales Order     Check Credit            2      2
    5        Change Price    Confirm Order            1      1
    6        Check Credit     Check Credit            1      1
    7       Confirm Order     Change Price            1      1
    8  Create Sales Order    Confirm Order            1      1
    >>> import pathlib, tempfile
    >>> from o2c import scan_log
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.parquet"
    >>> example_log().write_parquet(path)
    >>> directly_follows(scan_log(path)).equals(directly_follows(example_log()))  # DuckDB, out of core
    True
    """
    if _engines.is_engine_log(log, function="directly_follows"):
        return _engines.directly_follows(log)
    return _directly_follows(validate(log))


def _directly_follows(log: pl.DataFrame) -> pd.DataFrame:
    """``directly_follows`` of a validated log."""
    edges = edge_counts(lazy_transitions(log)).collect()
    return sort_edges(edges).to_pandas()


def start_activities(log: EventLog) -> pd.DataFrame:
    """The activities that cases start with, and how many cases start with each.

    ``log`` is an event log in memory, a ``ScannedLog`` (``o2c.scan_log``) or a Spark DataFrame.

    Returns
    -------
    DataFrame
        ``activity``, ``cases``, ``share`` (of all cases, 0..1); most cases first, ties by name.

    Examples
    --------
    >>> from o2c import example_log
    >>> start_activities(example_log())
                 activity  cases  share
    0  Create Sales Order      3    1.0
    """
    if _engines.is_engine_log(log, function="start_activities"):
        return _engines.start_activities(log)
    return _start_activities(validate(log))


def _start_activities(log: pl.DataFrame) -> pd.DataFrame:
    """``start_activities`` of a validated log."""
    return _boundary_activities(log, first=True)


def end_activities(log: EventLog) -> pd.DataFrame:
    """The activities that cases end with, and how many cases end with each.

    ``log`` is an event log in memory, a ``ScannedLog`` (``o2c.scan_log``) or a Spark DataFrame.

    Returns
    -------
    DataFrame
        ``activity``, ``cases``, ``share`` (of all cases, 0..1); most cases first, ties by name.

    Examples
    --------
    >>> from o2c import example_log
    >>> end_activities(example_log())
              activity  cases     share
    0  Receive Payment      2  0.666667
    1   Create Invoice      1  0.333333
    """
    if _engines.is_engine_log(log, function="end_activities"):
        return _engines.end_activities(log)
    return _end_activities(validate(log))


def _end_activities(log: pl.DataFrame) -> pd.DataFrame:
    """``end_activities`` of a validated log."""
    return _boundary_activities(log, first=False)


def _boundary_activities(log: pl.DataFrame, *, first: bool) -> pd.DataFrame:
    counts = (
        log.lazy()
        .filter(run_boundary(CASE_ID, first=first))
        .group_by(ACTIVITY)
        .agg(cases=pl.len())
        .with_columns(pl.col(ACTIVITY).cast(pl.String), share=pl.col("cases") / pl.col("cases").sum())
        .sort(["cases", ACTIVITY], descending=[True, False])
        .collect()
    )
    return counts.to_pandas()


def case_span(log: pl.DataFrame) -> tuple[pl.Expr, pl.Expr]:
    """Aggregations of a case's first start and last end (for its lead time) in a sorted log.

    The first start is the earliest ``start_timestamp`` (else ``timestamp``); without start
    times it is simply the first event's timestamp, as the log is sorted by time within a case.

    >>> from o2c import example_log
    >>> first, last = case_span(example_log())
    >>> example_log().group_by("case_id").agg(lead=last - first).sort("case_id")["lead"].to_list()[1]
    datetime.timedelta(days=1, seconds=25200)
    """
    first = event_start(log).min() if START_TIMESTAMP in log.columns else pl.col(TIMESTAMP).first()
    return first, pl.col(TIMESTAMP).last()


def _case_traces(log: pl.DataFrame) -> pl.LazyFrame:
    """One row per case in log order: ``case`` (run number), ``trace`` (activity codes), ``lead`` (µs).

    The case ids are compared once, for the run numbers; one aggregation over those runs then
    takes traces and leads (1M events: 5.9 ms; traces and case boundaries apart took 7.6 ms).
    """
    case = pl.col(CASE_ID).rle_id().set_sorted().alias("case")
    first, last = case_span(log)
    return (
        log.lazy()
        .group_by(case, maintain_order=True)
        .agg(trace=pl.col(ACTIVITY).to_physical(), lead=(last - first).dt.total_microseconds())
    )


#: A trace key packs a trace's first activities into at most this many 64-bit words; a longer
#: trace keeps the rest as a list beside them.
_WORDS = 4


def _name_ranks(codes: np.ndarray, dtype: pl.DataType) -> tuple[np.ndarray, list[str]]:
    """Categorical ``codes`` (of ``dtype``) as ranks in name order (1 = ``names[0]``, ``uint64``), and the names.

    Ranks, not the codes (which follow the order in which names first appeared), so that traces
    compared rank by rank compare name by name.

    >>> from o2c import example_log
    >>> log = example_log()
    >>> ranks, names = _name_ranks(log["activity"].to_physical().to_numpy(), log.schema["activity"])
    >>> names[ranks[0] - 1], names[:2]
    ('Create Sales Order', ['Change Price', 'Check Credit'])
    """
    present = np.flatnonzero(np.bincount(codes)).astype(np.uint32)
    names = pl.Series(present).cat.to(dtype).cast(pl.String)
    order = names.arg_sort().to_numpy()
    lookup = np.zeros(int(present[-1]) + 1 if present.size else 0, dtype=np.uint64)
    lookup[present[order]] = np.arange(1, present.size + 1, dtype=np.uint64)
    return lookup[codes], names.gather(order).to_list()


def _trace_keys(ranks: np.ndarray, bounds: np.ndarray, kinds: int) -> pl.DataFrame:
    """One row per trace: key columns ``w0``, ``w1``, ... (and ``tail``) that sort as the traces do.

    Trace ``i`` is ``ranks[bounds[i]:bounds[i + 1]]``, ranks from 1 to ``kinds``. They are packed,
    first activity in the highest bits, into 64-bit words of ``64 // bits`` activities each,
    zeros after the last: equal keys are equal traces, and keys compared word by word compare
    traces rank by rank, a trace before its continuations. Activities past ``_WORDS`` words go
    into a ``tail`` list (null for shorter traces, so that those sort first), when there are any.

    >>> keys = _trace_keys(np.array([2, 1, 2, 2], dtype=np.uint64), np.array([0, 2, 3, 4]), 2)
    >>> keys["w0"].to_list() == [(2 << 62) | (1 << 60), 2 << 62, 2 << 62]
    True
    """
    bits = max(kinds.bit_length(), 1)
    per_word = 64 // bits
    lengths = np.diff(bounds)
    starts = bounds[:-1]
    words = min(-(-int(lengths.max(initial=1)) // per_word), _WORDS)
    limit = words * per_word
    position = np.arange(ranks.size, dtype=np.int64) - np.repeat(starts, lengths)
    packed = position < limit
    every = bool(packed.all())
    chosen = None if every else np.flatnonzero(packed)
    inside, at = (ranks, position) if chosen is None else (ranks[chosen], position[chosen])
    # per position within the trace (a small table): its shift within its word, and whether it opens one
    place = np.arange(limit, dtype=np.int64)
    shift = (bits * (per_word - 1 - place % per_word)).astype(np.uint64)
    opens = np.flatnonzero((place % per_word == 0)[at])
    keys = np.zeros(lengths.size * words, dtype=np.uint64)
    if opens.size:
        trace = np.searchsorted(starts, opens if chosen is None else chosen[opens], side="right") - 1
        keys[trace * words + at[opens] // per_word] = np.bitwise_or.reduceat(inside << shift[at], opens)
    table = pl.DataFrame({f"w{i}": keys[i::words] for i in range(words)})
    if every:
        return table
    rest = np.flatnonzero(~packed)
    trace = (np.searchsorted(starts, rest, side="right") - 1).astype(np.uint32)
    tails = (
        pl.DataFrame({"trace": trace, "tail": ranks[rest]}).group_by("trace", maintain_order=True).agg("tail")
    )
    return table.with_row_index("trace").join(tails, on="trace", how="left").drop("trace")


def _ranked_variants(
    log: pl.DataFrame, *, with_cases: bool, spell: bool = True
) -> tuple[pl.DataFrame, list[tuple[str, ...]]]:
    """Variants ranked by cases (descending), ties by trace name by name, and their traces (none
    unless ``spell``).

    The table has ``variant_id`` (1 = the most frequent), ``cases``, ``median_lead`` (µs) and,
    ``with_cases``, ``case``: the numbers of its cases (0 = the first case of the log). Cases
    are grouped on their traces as lists of categorical codes; only the variants' traces are
    then renumbered in name order and packed into keys (``_trace_keys``) to rank them, and
    spelled from a table of names, so that each name is one Python string however often it
    occurs (never a list of names per variant, sorted or turned into Python objects one by one).
    """
    extra = [pl.col("case")] if with_cases else []
    table = (
        _case_traces(log)
        .group_by("trace")
        .agg(*extra, cases=pl.len(), median_lead=pl.col("lead").median())
        .collect()
    )
    codes = table["trace"].explode().to_numpy()
    lengths = table["trace"].list.len().to_numpy().astype(np.int64)
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    ranks, names = _name_ranks(codes, log.schema[ACTIVITY])
    keys = _trace_keys(ranks, bounds, len(names))
    ranked = (
        pl.concat([table.drop("trace").with_row_index("_row"), keys], how="horizontal")
        .sort(["cases", *keys.columns], descending=[True] + [False] * keys.width)
        .with_row_index("variant_id", offset=1)
    )
    table = ranked.select("variant_id", *extra, "cases", "median_lead")
    if not spell:
        return table, []
    row = ranked["_row"].to_numpy()
    offsets = bounds[:-1][row]
    ends = offsets + lengths[row]
    spelled = np.array([None, *names], dtype=object)[ranks].tolist()
    traces = [tuple(spelled[a:b]) for a, b in zip(offsets.tolist(), ends.tolist(), strict=True)]
    return table, traces


def _variant_table(log: pl.DataFrame, *, with_cases: bool) -> pl.DataFrame:
    """Variants ranked by cases (descending), ties by trace; ``variant_id`` 1 is the most frequent.

    Columns ``variant_id``, ``case`` (``with_cases``: the numbers of its cases), ``cases``,
    ``median_lead`` (µs) and ``names`` (the trace, a list of activity names).
    """
    table, traces = _ranked_variants(log, with_cases=with_cases)
    return table.with_columns(names=pl.Series(traces, dtype=pl.List(pl.String)))


def variants(log: EventLog) -> pd.DataFrame:
    """The distinct traces (variants) of the log, with how many cases follow each.

    Parameters
    ----------
    log : DataFrame, ScannedLog or Spark DataFrame
        An event log, polars or pandas (see ``o2c.log``); or a log left in Parquet
        (``o2c.scan_log``), which DuckDB analyses within its memory limit; or a PySpark
        DataFrame with the canonical columns, which Spark analyses. Same result from each.

    Returns
    -------
    DataFrame
        One row per variant: ``variant_id`` (1 = most cases; ties by trace, compared name by
        name, so the numbering is stable for the same log), ``trace`` (tuple of activity
        names), ``cases``, ``share`` (of all cases, 0..1) and ``median_lead_time`` (Timedelta;
        lead time as in ``o2c.lead_times``: the case's first start to its last event).

    Examples
    --------
    >>> from o2c import example_log
    >>> variants(example_log())[["variant_id", "cases", "median_lead_time"]]
       variant_id  cases median_lead_time
    0           1      1  1 days 07:00:00
    1           2      1 12 days 12:00:00
    2           3      1 20 days 20:00:00
    >>> variants(example_log())["trace"][0][:3]
    ('Create Sales Order', 'Check Credit', 'Check Credit')
    >>> import pathlib, tempfile
    >>> from o2c import scan_log
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.parquet"
    >>> example_log().write_parquet(path)
    >>> variants(scan_log(path)).equals(variants(example_log()))  # DuckDB, out of core
    True
    """
    if _engines.is_engine_log(log, function="variants"):
        return _engines.variants(log)
    return _variants(validate(log))


def _variants(log: pl.DataFrame) -> pd.DataFrame:
    """``variants`` of a validated log."""
    table, traces = _ranked_variants(log, with_cases=False)
    total = table["cases"].sum()
    result = table.select(
        pl.col("variant_id").cast(pl.Int64),
        "cases",
        share=pl.col("cases") / total,
        median_lead_time=duration_from_microseconds(pl.col("median_lead")),
    ).to_pandas()
    result.insert(1, "trace", pd.Series(traces, dtype=object))
    return result


def case_variants(log: EventLog) -> pd.DataFrame:
    """The variant of each case, numbered as in ``variants``.

    ``log`` is an event log in memory, a ``ScannedLog`` (``o2c.scan_log``) or a Spark DataFrame.

    Returns
    -------
    DataFrame
        One row per case, in log order: ``case_id``, ``variant_id``.

    Examples
    --------
    >>> from o2c import example_log
    >>> case_variants(example_log())
      case_id  variant_id
    0       1           2
    1       2           1
    2       3           3
    """
    if _engines.is_engine_log(log, function="case_variants"):
        return _engines.case_variants(log)
    return _case_variants(validate(log))


def _case_variants(log: pl.DataFrame) -> pd.DataFrame:
    """``case_variants`` of a validated log."""
    table, _ = _ranked_variants(log, with_cases=True, spell=False)
    per_case = table.select(pl.col("variant_id").cast(pl.Int64), "case").explode("case").sort("case")
    case_ids = log.select(pl.col(CASE_ID).unique(maintain_order=True))
    return case_ids.with_columns(per_case["variant_id"]).to_pandas()


def activity_instances(log: pl.DataFrame | pd.DataFrame) -> pl.DataFrame:
    """Fold lifecycle start/complete events into one row per activity instance.

    Each complete event takes the timestamp of its start event as ``start_timestamp``; start
    events, and events of other transitions (``schedule``, ``suspend``, ...), are dropped. Starts
    and completes are paired as pm4py's ``interval_lifecycle.to_interval`` pairs them: per case
    and activity, first in first out, a complete without a pending start gets no start
    (``start_timestamp`` null), a start never completed is dropped. Events without a lifecycle
    value count as complete; lifecycle values are compared case-insensitively. A log without a
    ``lifecycle`` column is returned as it is. The result keeps the complete events' columns
    (without ``lifecycle``), in log order, so waits of ``o2c.waiting_times`` on it run from the
    end of one activity to the start of the next.

    Instances keep the log's order, by completion time. pm4py orders an interval log by start
    time instead, so where activities overlap within a case the directly-follows edges differ
    (on BPIC 2012, whose work items span other events, 138 edges here against pm4py's 101);
    the pairing and each wait's arithmetic are the same.

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime
    >>> log = pl.DataFrame({"case_id": ["1"] * 4, "activity": ["a", "a", "b", "b"],
    ...     "timestamp": [datetime(2025, 1, 1, h) for h in (8, 9, 11, 12)],
    ...     "lifecycle": ["start", "complete", "start", "complete"]})
    >>> activity_instances(log).select("activity", "start_timestamp", "timestamp").rows()
    [('a', datetime.datetime(2025, 1, 1, 8, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC')), datetime.datetime(2025, 1, 1, 9, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))), ('b', datetime.datetime(2025, 1, 1, 11, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC')), datetime.datetime(2025, 1, 1, 12, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC')))]
    """
    return _activity_instances(validate(log))


def _activity_instances(log: pl.DataFrame) -> pl.DataFrame:
    """``activity_instances`` of a validated log."""
    if LIFECYCLE not in log.columns:
        return log
    transition = pl.col(LIFECYCLE).str.to_lowercase().fill_null("complete")
    group = [CASE_ID, ACTIVITY]
    marked = (
        log.lazy()
        .with_columns(_start=transition == "start", _complete=transition == "complete")
        .with_columns(
            _starts=pl.col("_start").cast(pl.Int64).cum_sum().over(group),
            _completes=pl.col("_complete").cast(pl.Int64).cum_sum().over(group),
        )
    )
    # Completes that find no pending start are lost, as in a queue: their number so far is the
    # running maximum of (completes - starts), floored at 0 (a reflected walk); the k-th
    # complete that does find one takes the start numbered k - lost.
    marked = marked.with_columns(
        _lost=(pl.col("_completes") - pl.col("_starts")).clip(lower_bound=0).cum_max().over(group)
    ).with_columns(
        _lost_before=pl.col("_lost").shift(1).over(group).fill_null(0),
    )
    starts = marked.filter("_start").select(*group, _number=pl.col("_starts"), _started=pl.col(TIMESTAMP))
    completes = marked.filter("_complete").with_columns(
        _number=pl.when(pl.col("_lost") == pl.col("_lost_before"))
        .then(pl.col("_completes") - pl.col("_lost"))
        .otherwise(None)
    )
    folded = completes.join(starts, on=[*group, "_number"], how="left", maintain_order="left")
    started = pl.col("_started")
    if START_TIMESTAMP in log.columns:
        started = started.fill_null(pl.col(START_TIMESTAMP))
    columns = [c for c in log.columns if c != LIFECYCLE]
    if START_TIMESTAMP not in columns:
        columns.insert(columns.index(TIMESTAMP) + 1, START_TIMESTAMP)
    # the log's canonical columns, in their order, with START_TIMESTAMP where it belongs
    result = folded.with_columns(started.alias(START_TIMESTAMP)).select(columns).collect()
    return sort_log(result)
