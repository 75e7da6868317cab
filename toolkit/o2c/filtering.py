"""Case-level filters: keep the cases of a segment, so every analysis and map works on it.

Examples
--------
>>> from o2c import example_log
>>> filter_log(example_log(), ends_with="Receive Payment")["case_id"].unique().sort().to_list()
['1', '3']
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import polars as pl

from o2c.discovery import _case_variants, _variants, event_start
from o2c.errors import ArgumentError, ColumnMappingError, check_choice, did_you_mean
from o2c.log import ACTIVITY, CASE_ID, TIMESTAMP, Moment, as_utc, validate

#: How ``start`` and ``end`` select cases: by the case's first event, last event, or both.
TIMEFRAMES = ("started", "ended", "contained", "intersecting")

Span = str | timedelta | pd.Timedelta


def filter_log(
    log: pl.DataFrame | pd.DataFrame,
    *,
    start: Moment | None = None,
    end: Moment | None = None,
    timeframe: str = "started",
    attributes: Mapping[str, Any] | None = None,
    variants: Collection[int | tuple[str, ...]] | None = None,
    min_lead_time: Span | None = None,
    max_lead_time: Span | None = None,
    starts_with: str | Collection[str] | None = None,
    ends_with: str | Collection[str] | None = None,
) -> pl.DataFrame:
    """The log restricted to the cases that pass every given filter; whole cases, never parts.

    Parameters
    ----------
    log : DataFrame
        An event log, polars or pandas (see ``o2c.log``).
    start, end : str, datetime or Timestamp, optional
        A time window ``[start, end)``; naive times are UTC. Which cases it keeps depends on
        ``timeframe``.
    timeframe : str
        ``started`` (default): the case's first event is in the window (orders created in the
        period); ``ended``: its last event is; ``contained``: all of its events are;
        ``intersecting``: the case runs during part of the window.
    attributes : dict, optional
        Column -> value or list of values. A case is kept when at least one of its events has
        one of the listed values in that column (for a case attribute: the case has it); every
        column given must match.
    variants : list, optional
        ``variant_id`` numbers (as in ``o2c.variants``) or traces (tuples of activity names).
    min_lead_time, max_lead_time : str, timedelta or Timedelta, optional
        Bounds (inclusive) on the lead time of ``o2c.lead_times``, e.g. ``"10 days"``.
    starts_with, ends_with : str or list of str, optional
        Keep cases whose first (last) activity is one of these.

    Returns
    -------
    DataFrame
        A validated polars event log with the kept cases' events, in log order.

    Raises
    ------
    ArgumentError
        An activity, variant or timeframe that the log does not know (with a "did you mean").
    ColumnMappingError
        An ``attributes`` column that the log does not have.

    Examples
    --------
    >>> from o2c import example_log
    >>> log = example_log()
    >>> filter_log(log, attributes={"region": "EMEA"}, min_lead_time="15 days")["case_id"].unique().to_list()
    ['3']
    >>> filter_log(log, start="2025-01-07", end="2025-01-08")["case_id"].unique().to_list()
    ['2']
    """
    return _filter_log(
        validate(log),
        start=start,
        end=end,
        timeframe=timeframe,
        attributes=attributes,
        variants=variants,
        min_lead_time=min_lead_time,
        max_lead_time=max_lead_time,
        starts_with=starts_with,
        ends_with=ends_with,
    )


def _filter_log(
    log: pl.DataFrame,
    *,
    start: Moment | None = None,
    end: Moment | None = None,
    timeframe: str = "started",
    attributes: Mapping[str, Any] | None = None,
    variants: Collection[int | tuple[str, ...]] | None = None,
    min_lead_time: Span | None = None,
    max_lead_time: Span | None = None,
    starts_with: str | Collection[str] | None = None,
    ends_with: str | Collection[str] | None = None,
) -> pl.DataFrame:
    """``filter_log`` of a validated log."""
    check_choice(timeframe, TIMEFRAMES, argument="timeframe", function="filter_log")
    cases = (
        log.lazy()
        .group_by(CASE_ID)
        .agg(
            _first=event_start(log).min(),
            _last=pl.col(TIMESTAMP).max(),
            _first_activity=pl.col(ACTIVITY).first().cast(pl.String),
            _last_activity=pl.col(ACTIVITY).last().cast(pl.String),
        )
    )
    keep: list[pl.Expr] = []
    lower, upper = _moment(start, "start"), _moment(end, "end")
    first, last = pl.col("_first"), pl.col("_last")
    if lower is not None:
        keep.append(
            {"started": first, "ended": last, "contained": first, "intersecting": last}[timeframe] >= lower
        )
    if upper is not None:
        keep.append(
            {"started": first, "ended": last, "contained": last, "intersecting": first}[timeframe] < upper
        )
    if min_lead_time is not None:
        keep.append(last - first >= _span(min_lead_time, "min_lead_time"))
    if max_lead_time is not None:
        keep.append(last - first <= _span(max_lead_time, "max_lead_time"))
    if starts_with is not None:
        keep.append(pl.col("_first_activity").is_in(_activities(log, starts_with, "starts_with")))
    if ends_with is not None:
        keep.append(pl.col("_last_activity").is_in(_activities(log, ends_with, "ends_with")))
    kept = cases.filter(*keep) if keep else cases
    selected = kept.select(CASE_ID).collect()
    if attributes:
        selected = selected.join(_cases_with_attributes(log, attributes), on=CASE_ID, how="semi")
    if variants is not None:
        selected = selected.join(_cases_of_variants(log, variants), on=CASE_ID, how="semi")
    return log.filter(pl.col(CASE_ID).is_in(selected[CASE_ID].implode()))


def _moment(value: Moment | None, argument: str) -> datetime | None:
    return None if value is None else as_utc(value, argument=argument, function="filter_log")


def _span(value: Span, argument: str) -> timedelta:
    try:
        span = pd.Timedelta(value)
    except (ValueError, TypeError) as exc:
        raise ArgumentError.must_be(
            "a duration such as '10 days'",
            value,
            argument=argument,
            function="filter_log",
            allowed="a duration",
        ) from exc
    return span.to_pytimedelta()


def _activities(log: pl.DataFrame, names: str | Collection[str], argument: str) -> list[str]:
    if not isinstance(names, str | Collection):
        raise ArgumentError.must_be(
            "an activity name or a list of them", names, argument=argument, function="filter_log"
        )
    wanted = [names] if isinstance(names, str) else list(names)
    known = log[ACTIVITY].cast(pl.String).unique().sort().to_list()
    for name in wanted:
        if name not in known:
            raise ArgumentError(
                f"The {argument!r} argument of filter_log names {name!r}, which is not an activity of "
                f"the log.{did_you_mean(str(name), known)}",
                function="filter_log",
                argument=argument,
                value=name,
                allowed=known,
            )
    return wanted


def _cases_with_attributes(log: pl.DataFrame, attributes: Mapping[str, Any]) -> pl.DataFrame:
    conditions = []
    for column, values in attributes.items():
        if column not in log.columns:
            raise ColumnMappingError(
                f"filter_log: the log has no column {column!r}.{did_you_mean(column, log.columns)}",
                column=column,
            )
        listed = list(values) if isinstance(values, list | tuple | set | frozenset) else [values]
        dtype = log.schema[column]
        target = pl.col(column).cast(pl.String) if dtype == pl.Categorical else pl.col(column)
        conditions.append(target.is_in(pl.Series(listed).implode()).any().alias(column))
    matches = log.group_by(CASE_ID).agg(conditions)
    return matches.filter(pl.all_horizontal(pl.col(list(attributes)).fill_null(False))).select(CASE_ID)


def _cases_of_variants(log: pl.DataFrame, chosen: Collection[int | tuple[str, ...]]) -> pl.DataFrame:
    table = _variants(log)
    known = dict(zip(table["trace"], table["variant_id"], strict=True))
    ids = set()
    for item in chosen:
        if isinstance(item, tuple | list) and tuple(item) in known:
            ids.add(int(known[tuple(item)]))
        elif isinstance(item, int) and not isinstance(item, bool) and 1 <= item <= len(table):
            ids.add(item)
        else:
            raise ArgumentError(
                f"The 'variants' argument of filter_log takes variant_id numbers from 1 to {len(table)} "
                f"or traces of the log (tuples of activity names); got {item!r}.",
                function="filter_log",
                argument="variants",
                value=item,
                allowed=f"variant_id numbers from 1 to {len(table)} or traces of the log",
            )
    per_case = pl.from_pandas(_case_variants(log))
    return per_case.filter(pl.col("variant_id").is_in(sorted(ids))).select(CASE_ID)
