"""What changed between two groups of orders: ``compare`` and its ``Comparison``.

Two **sides** of orders, A and B, are compared: two periods (``by="quarter"``, ``"month"``, a
date, two windows) or two segments (``by={"region": "APAC"}`` against the rest,
``by={"region": ("APAC", "EMEA")}``). An order belongs to a side by its **first event** (when it
started) or by the first non-empty value of the attribute in its events; it is never split.

For every edge (and every activity) the comparison gives the orders and share of orders that
pass it on each side, the median waiting time on each side and the difference B minus A with

- a **confidence interval** from a seeded bootstrap over orders (an order's waits are resampled
  together: waits within one order are not independent), the percentile interval of the
  difference of the two medians;
- a **p-value**: the two-sided Mann-Whitney U test of the orders' waits, one value per order
  (its mean wait on the edge; most orders pass an edge once), so that every value is an
  independent order; the shares of orders are tested with Fisher's exact test;
- the p-values **adjusted** with Benjamini-Hochberg over every test of the table (the waits and
  the shares of all edges are one family, those of all activities another); only an adjusted
  p-value under ``alpha`` is a change.

With a working calendar (``calendar=``) the waits of the edges and activities are compared in
working time, as ``o2c.assess(..., calendar=)`` counts them: an order that waited over a weekend
waited no longer than one that did not. The sides (an order's first event) and the KPIs (payment
runs on every day, as in the report) stay in calendar time.

Examples
--------
>>> from o2c import simulate
>>> sim = simulate(2000, seed=4, change_step="Ship Goods", change_at="2025-05-05", change_factor=3.0)
>>> result = compare(sim.log, by="2025-05-05", ideal=sim.ideal, resamples=200)
>>> result.a, result.b
('before 2025-05-05', 'since 2025-05-05')
>>> result.edges.loc[result.edges["changed"], ["source", "target"]].values.tolist()
[['Pick Goods', 'Ship Goods']]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
from scipy.stats import false_discovery_control, fisher_exact, mannwhitneyu

from o2c._assess import _has_transitions
from o2c._calendar import WorkingCalendar, check_calendar, working_log
from o2c._kpis._orders import case_table
from o2c._kpis._table import _kpis
from o2c._milestones import find_milestones
from o2c._stats import share_interval as _share_interval
from o2c.conformance.alignments import _align, conformance_summary
from o2c.conformance.discover import _discover_ideal_path
from o2c.discovery import CASE_NUMBER, _activity_instances, _variant_table, event_start, lazy_transitions
from o2c.errors import ArgumentError, ToolkitError, check_number, check_share, check_whole
from o2c.log import ACTIVITY, CASE_ID, TIMESTAMP, VALUE, as_utc, validate
from o2c.model import IdealPath, ProcessModel

#: The periods ``by`` can name: the period of the latest order start against the one before it.
PERIODS = ("month", "quarter")
#: A side with fewer orders than this is refused.
MIN_ORDERS = 30

_EDGE_COLUMNS = [
    "source", "target", "orders_a", "orders_b", "share_a", "share_b", "share_diff", "share_ci_low",
    "share_ci_high", "share_p_value", "share_p_adjusted", "share_changed", "transitions_a",
    "transitions_b", "wait_median_a", "wait_median_b", "wait_median_diff", "ci_low", "ci_high",
    "p_value", "p_adjusted", "changed", "value_a", "value_b",
]  # fmt: skip


class SideTooSmallError(ToolkitError):
    """A side of a comparison has fewer than ``MIN_ORDERS`` orders (``.side``, ``.orders``)."""

    def __init__(self, message: str, *, side: str, orders: int) -> None:
        super().__init__(message)
        self.side = side
        self.orders = orders


@dataclass(frozen=True, eq=False)
class Comparison:
    """What changed from side ``a`` to side ``b`` (their names), each table one row per thing compared.

    ``orders_a`` and ``orders_b`` count the orders of each side. ``edges``: one row per
    directly-follows edge seen on either side: ``source``, ``target``, ``orders_a``,
    ``orders_b`` (orders passing it), ``share_a``, ``share_b`` (of the side's orders),
    ``share_diff`` (b minus a) with ``share_ci_low``/``share_ci_high``, ``share_p_value``
    (Fisher), ``share_p_adjusted`` (Benjamini-Hochberg), ``share_changed``; ``transitions_a``,
    ``transitions_b``; ``wait_median_a``, ``wait_median_b``, ``wait_median_diff`` (b minus a)
    with ``ci_low``/``ci_high`` (Timedeltas), ``p_value`` (Mann-Whitney over orders),
    ``p_adjusted``, ``changed`` (``p_adjusted < alpha``); ``value_a``, ``value_b`` (order value of
    the orders passing it). Changes first, the largest difference first, ties by name.
    ``activities``: the same per activity (orders with it; waits are those into it, from the
    previous event of the order) with ``activity`` for ``source``/``target``. ``kpis``: the KPIs of
    ``o2c.kpis`` (each side's orders, judged at the end of the log) and the conformance
    figures (``share_conforming``, ``log_fitness``, ``average_trace_fitness``) of each side:
    ``kpi``, ``unit``, ``value_a``, ``value_b``, ``value_diff`` with ``ci_low``/``ci_high`` (for
    the shares of orders), ``duration_a``, ``duration_b``, ``duration_diff`` with
    ``duration_ci_low``/``duration_ci_high`` (for the lead times, medians over orders),
    ``orders_a``, ``orders_b``; intervals are NaN/NaT for the other KPIs. ``variants``: ``trace``, ``orders_a``, ``orders_b``, ``share_a``, ``share_b``,
    ``share_diff``, ``status`` (``appeared``, ``disappeared``, ``both``), largest change first.
    ``calendar``: the working calendar whose working time the waits of ``edges`` and
    ``activities`` count, None for calendar time. ``cases``: ``case_id`` and ``side`` (``a`` or
    ``b``) of each order compared, in log order; ``log``: their events (validated, lifecycle
    folded as compared) and ``ideal``: the ideal path, for ``o2c.explore(comparison)``.
    """

    a: str
    b: str
    orders_a: int
    orders_b: int
    edges: pd.DataFrame = field(repr=False)
    activities: pd.DataFrame = field(repr=False)
    kpis: pd.DataFrame = field(repr=False)
    variants: pd.DataFrame = field(repr=False)
    parameters: Mapping[str, Any] = field(repr=False)
    currency: str | None = None
    calendar: WorkingCalendar | None = field(default=None, repr=False)
    cases: pd.DataFrame | None = field(default=None, repr=False)
    log: pl.DataFrame | None = field(default=None, repr=False)
    ideal: IdealPath | ProcessModel | None = field(default=None, repr=False)


def compare(
    log: pl.DataFrame | pd.DataFrame,
    *,
    by: Any,
    ideal: IdealPath | ProcessModel | None = None,
    seed: int = 0,
    resamples: int = 1000,
    alpha: float = 0.05,
    fold_lifecycle: bool | None = None,
    calendar: WorkingCalendar | None = None,
) -> Comparison:
    """Compare two groups of orders: frequencies, waits, KPIs, conformance and variants, with significance.

    Parameters
    ----------
    log : DataFrame
        An event log, polars or pandas (see ``o2c.log``).
    by : str, date, pair of windows or dict
        The two sides. ``"quarter"`` or ``"month"``: the period (calendar, UTC) of the latest order
        start (B) against the one before it (A); the latest period may still be running. A date
        (``"2025-07-01"``): orders started before it (A) against those started on or after it
        (B). Two windows ``((start, end), (start, end))``: orders started in each, ``start <= t <
        end``. ``{"region": "APAC"}``: orders with that value (B) against all other orders with a
        value (A); ``{"region": ("APAC", "EMEA")}``: the first value (A) against the second (B).
    ideal : IdealPath or ProcessModel, optional
        What conformance and the KPIs' milestones refer to; discovered from the whole log (both
        sides) when not given, as ``assess`` does.
    seed : int
        Seed of ``numpy.random.default_rng`` for the bootstrap: the same seed, the same intervals.
    resamples : int
        Bootstrap resamples of the orders of each side.
    alpha : float
        Significance level: a difference whose Benjamini-Hochberg adjusted p-value is below it is
        a change; the intervals are ``1 - alpha`` intervals.
    fold_lifecycle : bool, optional
        Fold lifecycle start/complete events into activity instances first, as ``o2c.assess``
        does; default: when the log's ``lifecycle`` holds transitions other than ``complete``.
    calendar : WorkingCalendar, optional
        Compare the waits in working time (``o2c.read_calendar``): the ``wait_*``, ``ci_*``
        columns of ``edges`` and ``activities`` hold working time. The sides and the KPIs stay
        in calendar time.

    Returns
    -------
    Comparison
        ``a``, ``b``, ``orders_a``, ``orders_b``, ``edges``, ``activities``, ``kpis``, ``variants``.

    Raises
    ------
    SideTooSmallError
        When a side has fewer than ``MIN_ORDERS`` (30) orders; the message names it and its count.

    Notes
    -----
    Waits of overlapping transitions (b started before a ended) count as 0, as on the maps. The
    bootstrap is the Poisson bootstrap (each order drawn a Poisson(1) number of times), computed
    without materialising a resample: the median of a resample can only lie near the median of
    the waits, so orders whose waits all lie far below or above it are drawn by groups.

    Examples
    --------
    >>> from o2c import simulate
    >>> sim = simulate(1000, seed=1)
    >>> result = compare(sim.log, by={"region": ("EMEA", "APAC")}, ideal=sim.ideal, resamples=200)
    >>> result.a, result.b, result.orders_a > 30
    ('region = EMEA', 'region = APAC', True)
    >>> row = result.edges.set_index(["source", "target"]).loc[("Pick Goods", "Ship Goods")]
    >>> bool(row["changed"]), row["wait_median_diff"] > pd.Timedelta(days=5)
    (True, True)
    """
    return _compare(
        validate(log),
        by=by,
        ideal=ideal,
        seed=seed,
        resamples=resamples,
        alpha=alpha,
        fold_lifecycle=fold_lifecycle,
        calendar=check_calendar(calendar, function="compare"),
    )


def _compare(
    log: pl.DataFrame,
    *,
    by: Any,
    ideal: IdealPath | ProcessModel | None = None,
    seed: int = 0,
    resamples: int = 1000,
    alpha: float = 0.05,
    fold_lifecycle: bool | None = None,
    calendar: WorkingCalendar | None = None,
) -> Comparison:
    """``compare`` of a validated log; with a ``calendar`` the waits in working time."""
    check_whole(seed, argument="seed", function="compare", least=0)
    check_whole(resamples, argument="resamples", function="compare", least=10)
    check_share(alpha, argument="alpha", function="compare")
    check_number(alpha, argument="alpha", function="compare", above=True)
    fold = _has_transitions(log) if fold_lifecycle is None else bool(fold_lifecycle)
    if fold:
        log = _activity_instances(log)
    side, names = _sides(log, by)
    counts = np.bincount(side[side >= 0], minlength=2)
    for index in (0, 1):
        if counts[index] < MIN_ORDERS:
            raise SideTooSmallError(
                f"Side {'AB'[index]} of the comparison ({names[index]}) has {counts[index]:,} orders; "
                f"compare needs at least {MIN_ORDERS} on each side (the other has "
                f"{counts[1 - index]:,}). {_advice(by)}",
                side=names[index],
                orders=int(counts[index]),
            )
    rng = np.random.default_rng(seed)
    values = _case_value(log)
    working = working_log(log, calendar)  # timestamp differences are the waits compared
    waits = _side_waits(working, side)
    edges = _table(waits, counts, values, rng, resamples, alpha)
    activities = _table(_activity_waits(working, side), counts, values, rng, resamples, alpha)
    chosen = _side_log(log, side)
    if ideal is None:
        ideal = _discover_ideal_path(chosen)
    end = pd.Timestamp(log.select(pl.col(TIMESTAMP).max()).item())  # open orders judged at the log's end
    kpi_table = _kpi_table(chosen, side, ideal, end, rng, resamples, alpha)
    parameters = {
        "by": _plain(by), "seed": seed, "resamples": resamples, "alpha": alpha,
        "ideal": list(ideal.steps) if isinstance(ideal, IdealPath) else "process model",
        "fold_lifecycle": fold,
        "calendar": None if calendar is None else {**calendar.to_dict(), "text": calendar.describe()},
    }  # fmt: skip
    return Comparison(
        a=names[0],
        b=names[1],
        orders_a=int(counts[0]),
        orders_b=int(counts[1]),
        edges=edges,
        activities=activities,
        kpis=kpi_table,
        variants=_variant_changes(log, side, counts),
        parameters=parameters,
        currency=_currency(log),
        calendar=calendar,
        cases=_side_cases(log, side),
        log=chosen,
        ideal=ideal,
    )


# --- the two sides ---------------------------------------------------------------------------


def _sides(log: pl.DataFrame, by: Any) -> tuple[np.ndarray, tuple[str, str]]:
    """Per case in log order: 0 (side A), 1 (side B) or -1 (neither); and the sides' names."""
    if isinstance(by, Mapping):
        return _segments(log, by)
    starts = _case_starts(log)
    if isinstance(by, str) and by in PERIODS:
        return _periods(starts, by)
    if isinstance(by, tuple | list) and len(by) == 2 and all(isinstance(w, tuple | list) for w in by):
        windows = [tuple(_moment(t) for t in window) for window in by]
        if any(len(window) != 2 or window[0] >= window[1] for window in windows):
            raise _bad_by(by)
        side = np.full(len(starts), -1, dtype=np.int64)
        for index, (begin, end) in enumerate(windows):
            inside = (starts >= _micros(begin)) & (starts < _micros(end))
            side[inside & (side < 0)] = index
        names = tuple(f"{_day(begin)} to {_day(end)}" for begin, end in windows)
        return side, (names[0], names[1])
    if isinstance(by, str | date | datetime | pd.Timestamp):
        try:
            moment = _moment(by)
        except ArgumentError:
            raise _bad_by(by) from None
        side = (starts >= _micros(moment)).astype(np.int64)
        return side, (f"before {_day(moment)}", f"since {_day(moment)}")
    raise _bad_by(by)


def _advice(by: Any) -> str:
    """What to do about a side with too few orders."""
    if isinstance(by, str) and by in PERIODS:
        return (
            f"The latest {by} (of the latest order start) may have just begun: compare from a date "
            "(by='2025-07-01', --before 2025-07-01) or two windows instead."
        )
    if isinstance(by, Mapping):
        return "Choose a value with more orders, or compare it with all the others."
    return "Choose a date or windows that leave more orders on each side."


def _bad_by(by: Any) -> ArgumentError:
    return ArgumentError.must_be(
        "'month', 'quarter', a date, two windows ((start, end), (start, end)), or an attribute "
        "such as {'region': 'APAC'} or {'region': ('APAC', 'EMEA')}",
        by,
        argument="by",
        function="compare",
        allowed="'month', 'quarter', a date, two windows, {attribute: value(s)}",
    )


def _moment(value: Any) -> datetime:
    return as_utc(value, argument="by", function="compare")


def _micros(moment: datetime) -> int:
    return int(pd.Timestamp(moment).value // 1000)


def _day(moment: datetime) -> str:
    stamp = pd.Timestamp(moment)
    return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else stamp.strftime("%Y-%m-%d %H:%M")


def _case_starts(log: pl.DataFrame) -> np.ndarray:
    """When each case (in log order) started: its first event's start, in µs since the epoch."""
    run = pl.col(CASE_ID).rle_id().alias("_run")
    starts = log.lazy().group_by(run, maintain_order=True).agg(event_start(log).min().alias("_start"))
    return starts.collect()["_start"].dt.epoch("us").to_numpy().astype(np.int64)


def _periods(starts: np.ndarray, by: str) -> tuple[np.ndarray, tuple[str, str]]:
    every = "1mo" if by == "month" else "1q"
    period = pl.Series(starts).cast(pl.Datetime("us", "UTC")).dt.truncate(every)
    codes = (period.dt.year() * 12 + period.dt.month() - 1).to_numpy().astype(np.int64)
    latest = int(codes.max())
    step = 1 if by == "month" else 3
    side = np.where(codes == latest, 1, np.where(codes == latest - step, 0, -1))
    names = tuple(_period_name(code, by) for code in (latest - step, latest))
    return side, (names[0], names[1])


def _period_name(code: int, by: str) -> str:
    year, month = divmod(code, 12)
    return f"{year}-{month + 1:02d}" if by == "month" else f"{year} Q{month // 3 + 1}"


def _segments(log: pl.DataFrame, by: Mapping[Any, Any]) -> tuple[np.ndarray, tuple[str, str]]:
    if len(by) != 1:
        raise _bad_by(by)
    ((attribute, chosen),) = by.items()
    if attribute not in log.columns:
        raise ArgumentError(
            f"The 'by' argument of compare names the attribute {attribute!r}, which the log does not "
            f"have; its columns are {log.columns}.",
            function="compare",
            argument="by",
            value=by,
            allowed=tuple(log.columns),
        )
    run = pl.col(CASE_ID).rle_id().alias("_run")
    first = (
        log.lazy()
        .group_by(run, maintain_order=True)
        .agg(pl.col(attribute).drop_nulls().first().cast(pl.String).alias("_value"))
        .collect()["_value"]
    )
    if isinstance(chosen, tuple | list):
        if len(chosen) != 2 or str(chosen[0]) == str(chosen[1]):
            raise _bad_by(by)
        one, other = (str(v) for v in chosen)
        side = np.where(
            (first == one).fill_null(False).to_numpy(), 0, np.where((first == other).fill_null(False), 1, -1)
        )
        return side.astype(np.int64), (f"{attribute} = {one}", f"{attribute} = {other}")
    value = str(chosen)
    has = first.is_not_null().to_numpy()
    side = np.where(has, np.where((first == value).fill_null(False).to_numpy(), 1, 0), -1)
    return side.astype(np.int64), (f"{attribute} other than {value}", f"{attribute} = {value}")


def _side_cases(log: pl.DataFrame, side: np.ndarray) -> pd.DataFrame:
    """``case_id`` and ``side`` (``a``, ``b``) of the orders on either side, in log order."""
    ids = log.select(pl.col(CASE_ID).unique(maintain_order=True))[CASE_ID].to_numpy()
    chosen = side >= 0
    return pd.DataFrame({CASE_ID: ids[chosen], "side": np.where(side[chosen] == 0, "a", "b")})


def _side_log(log: pl.DataFrame, side: np.ndarray) -> pl.DataFrame:
    """The events of the orders on either side (still sorted and canonical)."""
    keep = pl.Series(side >= 0).gather(pl.Series(_case_numbers(log)))
    return log.filter(keep)


def _case_numbers(log: pl.DataFrame) -> np.ndarray:
    return log.select(pl.col(CASE_ID).rle_id())[CASE_ID].to_numpy().astype(np.int64)


def _case_value(log: pl.DataFrame) -> np.ndarray:
    """Each case's value (its first non-empty ``value``), NaN where none; in log order."""
    if VALUE not in log.columns:
        return np.full(int(log.select(pl.col(CASE_ID).rle_id().max()).item() or 0) + 1, np.nan)
    run = pl.col(CASE_ID).rle_id().alias("_run")
    values = log.lazy().group_by(run, maintain_order=True).agg(pl.col(VALUE).drop_nulls().first()).collect()
    return values[VALUE].cast(pl.Float64).fill_null(np.nan).to_numpy()


def _currency(log: pl.DataFrame) -> str | None:
    if "currency" not in log.columns:
        return None
    values = log["currency"].drop_nulls().cast(pl.String).unique()
    return str(values[0]) if values.len() == 1 else None


# --- waits per side --------------------------------------------------------------------------


_HALF = 1 << 32


def _side_waits(log: pl.DataFrame, side: np.ndarray) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Transitions of the orders on either side: ``key`` (one integer per edge), ``case``,
    ``side``, ``wait`` (µs, overlaps as 0); and the edges' names by ``key`` (``source``, ``target``)."""
    dtype = log.schema[ACTIVITY]
    pairs = lazy_transitions(log).select(
        key=pl.col("source").to_physical().cast(pl.UInt64) * _HALF
        + pl.col("target").to_physical().cast(pl.UInt64),
        case=pl.col(CASE_NUMBER),
        wait=pl.col("wait").dt.total_microseconds().clip(lower_bound=0),
    )
    frame = _with_side(pairs, side)
    keys = frame.select(pl.col("key").unique().sort())
    names = keys.with_columns(
        source=(pl.col("key") // _HALF).cast(pl.UInt32).cat.to(dtype).cast(pl.String),
        target=(pl.col("key") % _HALF).cast(pl.UInt32).cat.to(dtype).cast(pl.String),
    )
    return frame, names


def _activity_waits(log: pl.DataFrame, side: np.ndarray) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per event of the orders on either side: ``key`` (the activity's code), ``case``, ``side``
    and ``wait`` (µs since the previous event's end in the order, overlaps as 0; null for an
    order's first event); and the activities' names by ``key``."""
    run = pl.col(CASE_ID).rle_id()
    dtype = log.schema[ACTIVITY]
    events = log.lazy().select(
        key=pl.col(ACTIVITY).to_physical().cast(pl.UInt64),
        case=run,
        wait=pl.when(run == run.shift(1)).then(
            (event_start(log) - pl.col(TIMESTAMP).shift(1)).dt.total_microseconds().clip(lower_bound=0)
        ),
    )
    frame = _with_side(events, side)
    keys = frame.select(pl.col("key").unique().sort())
    names = keys.with_columns(activity=pl.col("key").cast(pl.UInt32).cat.to(dtype).cast(pl.String))
    return frame, names


def _with_side(frame: pl.LazyFrame, side: np.ndarray) -> pl.DataFrame:
    sides = pl.Series("side", side, dtype=pl.Int64)
    return (
        frame.with_columns(pl.col("case").cast(pl.Int64))
        .with_columns(side=pl.col("case").map_batches(lambda c: sides.gather(c), return_dtype=pl.Int64))
        .filter(pl.col("side") >= 0)
        .collect()
    )


def _table(
    waits: tuple[pl.DataFrame, pl.DataFrame],
    counts: np.ndarray,
    values: np.ndarray,
    rng: np.random.Generator,
    resamples: int,
    alpha: float,
) -> pd.DataFrame:
    """One row per key (edge or activity): frequencies, median waits and their differences."""
    frame, names = waits
    keys = [name for name in names.columns if name != "key"]
    names = names.sort("key")
    # each row's group: its key's number among the names, times two, plus its side; rows ordered by
    # group with numpy's stable sort (a radix sort on 16-bit numbers), their file order kept
    numbered = frame.join(names.select("key").with_row_index("_number"), on="key", how="left")
    group = (numbered["_number"].cast(pl.Int64) * 2 + numbered["side"]).to_numpy()
    small = np.uint16 if 2 * names.height <= np.iinfo(np.uint16).max else np.uint32
    order = np.argsort(group.astype(small), kind="stable")
    group = group[order]
    cases = numbered["case"].to_numpy()[order]
    wait_column = numbered["wait"]
    wait_values = wait_column.cast(pl.Float64).fill_null(np.nan).to_numpy()[order]
    slices = _group_slices(group)
    frequency = np.zeros((names.height, 2, 3))  # orders, transitions, value
    rows = []
    quantiles = (alpha / 2, 1 - alpha / 2)
    for number in range(names.height):
        medians, boots, tested = [], [], []
        for index in (0, 1):
            start, stop = slices.get(number * 2 + index, (0, 0))
            chunk_cases, chunk_waits = cases[start:stop], wait_values[start:stop]
            orders, owner = np.unique(chunk_cases, return_inverse=True)
            has_wait = ~np.isnan(chunk_waits)
            waits_here, owners_here = chunk_waits[has_wait], owner[has_wait]
            frequency[number, index] = (len(orders), len(waits_here), np.nansum(values[orders]))
            sorting = np.argsort(waits_here, kind="stable")
            waits_here, owners_here = waits_here[sorting], owners_here[sorting]
            medians.append(float(np.median(waits_here)) if len(waits_here) else math.nan)
            boots.append(bootstrap_medians(waits_here, owners_here, rng, resamples))
            # one value per order for the test: its mean wait here
            per_order = np.bincount(owners_here, minlength=len(orders))
            sums = np.bincount(owners_here, weights=waits_here, minlength=len(orders))
            tested.append(sums[per_order > 0] / per_order[per_order > 0])
        diff = boots[1] - boots[0]
        finite = diff[np.isfinite(diff)]
        low, high = np.quantile(finite, quantiles) if len(finite) else (math.nan, math.nan)
        p = (
            float(mannwhitneyu(tested[1], tested[0], alternative="two-sided").pvalue)
            if len(tested[0]) and len(tested[1])
            else math.nan
        )
        rows.append((medians[0], medians[1], medians[1] - medians[0], low, high, p))
    table = names.to_pandas()
    for index in (0, 1):
        for position, name in enumerate(("orders", "transitions", "value")):
            table[f"{name}_{index}"] = frequency[:, index, position]
    stats = pd.DataFrame(rows, columns=["_a", "_b", "_diff", "_low", "_high", "p_value"], dtype="float64")
    orders_a, orders_b = (table[f"orders_{index}"].to_numpy().astype(np.int64) for index in (0, 1))
    share = _share_tests(orders_a, orders_b, counts, rng, resamples, alpha)
    out = pd.DataFrame({key: table[key].astype(object) for key in keys})
    out["orders_a"], out["orders_b"] = orders_a.astype("int64"), orders_b.astype("int64")
    out = pd.concat([out, share], axis=1)
    out["transitions_a"] = table["transitions_0"].astype("int64")
    out["transitions_b"] = table["transitions_1"].astype("int64")
    for name, column in (("wait_median_a", "_a"), ("wait_median_b", "_b"), ("wait_median_diff", "_diff"),
                         ("ci_low", "_low"), ("ci_high", "_high")):  # fmt: skip
        out[name] = _timedeltas(stats[column])
    out["p_value"] = stats["p_value"].to_numpy()
    # one family per table: the waits and the shares of all its rows, adjusted together
    both = adjusted(np.concatenate([out["p_value"].to_numpy(), out["share_p_value"].to_numpy()]))
    out["p_adjusted"], out["share_p_adjusted"] = both[: len(out)], both[len(out) :]
    out["changed"] = out["p_adjusted"].to_numpy() < alpha
    out["share_changed"] = out["share_p_adjusted"].to_numpy() < alpha
    has_value = bool(np.isfinite(values).any())
    out["value_a"] = table["value_0"].astype("float64") if has_value else math.nan
    out["value_b"] = table["value_1"].astype("float64") if has_value else math.nan
    size = out["wait_median_diff"].abs().fillna(pd.Timedelta(0))
    out = out.assign(_size=size).sort_values(
        ["changed", "share_changed", "_size", *keys], ascending=[False, False, False, *[True] * len(keys)],
        kind="stable",
    )  # fmt: skip
    columns = _EDGE_COLUMNS if keys == ["source", "target"] else ["activity", *_EDGE_COLUMNS[2:]]
    return out[columns].reset_index(drop=True)


def _group_slices(groups: np.ndarray) -> dict[int, tuple[int, int]]:
    """Row ranges of each value of a sorted array of group numbers."""
    if not len(groups):
        return {}
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    stops = np.r_[starts[1:], len(groups)]
    return {int(groups[a]): (int(a), int(b)) for a, b in zip(starts, stops, strict=True)}


def _timedeltas(microseconds: pd.Series) -> pd.Series:
    return pd.to_timedelta(microseconds.round(), unit="us").astype("timedelta64[us]")


def _share_tests(
    with_a: np.ndarray,
    with_b: np.ndarray,
    counts: np.ndarray,
    rng: np.random.Generator,
    resamples: int,
    alpha: float,
) -> pd.DataFrame:
    """Shares of orders per side, their difference with a Poisson-bootstrap interval and Fisher's p."""
    n_a, n_b = int(counts[0]), int(counts[1])
    quantiles = (alpha / 2, 1 - alpha / 2)
    share_a, share_b = with_a / n_a, with_b / n_b
    lows, highs, ps = [], [], []
    for a, b in zip(with_a.tolist(), with_b.tolist(), strict=True):
        low, high = _share_interval((a, n_a), (b, n_b), rng, resamples, quantiles)
        lows.append(low)
        highs.append(high)
        ps.append(float(fisher_exact([[a, n_a - a], [b, n_b - b]]).pvalue))
    p = np.array(ps, dtype=np.float64)
    return pd.DataFrame(
        {
            "share_a": share_a.astype("float64"),
            "share_b": share_b.astype("float64"),
            "share_diff": (share_b - share_a).astype("float64"),
            "share_ci_low": np.array(lows, dtype=np.float64),
            "share_ci_high": np.array(highs, dtype=np.float64),
            "share_p_value": p,
            "share_p_adjusted": np.nan,
            "share_changed": False,
        }
    )


def adjusted(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (``scipy.stats.false_discovery_control``); NaN stays NaN
    and is not counted among the tests.

    >>> adjusted(np.array([0.01, np.nan, 0.04, 0.03])).round(3).tolist()
    [0.03, nan, 0.04, 0.04]
    """
    p_values = np.asarray(p_values, dtype=np.float64)
    out = np.full(len(p_values), np.nan)
    tested = np.isfinite(p_values)
    if tested.any():
        out[tested] = false_discovery_control(p_values[tested], method="bh")
    return out


# --- the bootstrap ---------------------------------------------------------------------------


def bootstrap_medians(
    values: np.ndarray, owners: np.ndarray, rng: np.random.Generator, resamples: int
) -> np.ndarray:
    """The medians of ``resamples`` Poisson-bootstrap resamples of the orders behind ``values``.

    ``values`` are sorted ascending; ``owners`` says which order (any integer id) each value
    belongs to; a resample draws every order a Poisson(1) number of times, with all its values.
    The median of a resample (the mean of its two middle values; NaN when it drew none) can
    only lie near the middle of ``values``: orders with no value within a window of 5 standard
    deviations of the median's rank around it are drawn by groups of the same numbers of values
    below and above the window, the others one by one, so the cost grows with the window, not
    with the number of values. A median outside the window (beyond 5 standard deviations) is
    taken as the window's edge.

    >>> rng = np.random.default_rng(0)
    >>> medians = bootstrap_medians(np.arange(100.0), np.arange(100), rng, 2000)
    >>> np.quantile(medians, [0.025, 0.5, 0.975]).tolist()
    [40.0, 49.5, 59.0]
    """
    n = len(values)
    if n == 0:
        return np.full(resamples, np.nan)
    _, owner = np.unique(owners, return_inverse=True)
    per_order = np.bincount(owner)
    orders = len(per_order)
    half = math.ceil(2.5 * math.sqrt(float(np.sum(per_order.astype(np.float64) ** 2)))) + 20
    low, high = max(0, (n - 1) // 2 - half), min(n, n // 2 + half + 1)
    below = np.bincount(owner[:low], minlength=orders)
    above = np.bincount(owner[high:], minlength=orders)
    window_owner = owner[low:high]
    inside = np.zeros(orders, dtype=bool)
    inside[window_owner] = True
    # the orders with a value in the window, one by one, in the order of their first value there
    single, first_place = np.unique(window_owner, return_index=True)
    single = single[np.argsort(first_place, kind="stable")]
    rank = np.empty(orders, dtype=np.int64)
    rank[single] = np.arange(len(single))
    # the other orders, grouped by how many values they have below and above the window
    pattern = below[~inside] * (int(per_order.max()) + 1) + above[~inside]
    kinds, first, sizes = np.unique(pattern, return_index=True, return_counts=True)
    group_below = below[~inside][first]
    group_total = per_order[~inside][first]
    drawn_single = poisson_ones(rng, (resamples, len(single)))
    drawn_groups = rng.poisson(sizes.astype(np.float64), size=(resamples, len(kinds)))
    count_below = drawn_groups @ group_below + drawn_single @ below[single]
    total = drawn_groups @ group_total + drawn_single @ per_order[single]
    window = values[low:high]
    width = len(window)
    columns = rank[window_owner]
    one_each = len(single) == width  # every order in the window has one value there: no gather
    weights = drawn_single if one_each else drawn_single[:, columns]
    # one binary search for every resample: row r of the running counts, shifted by r times a
    # bound above them all, follows row r - 1 in one sorted array
    cumulative = np.cumsum(weights, axis=1, dtype=np.int64)
    bound = int(cumulative[:, -1].max()) + 1
    offsets = np.arange(resamples, dtype=np.int64) * bound
    cumulative += offsets[:, None]
    shifted = cumulative.ravel()
    found = []
    for middle in ((total - 1) // 2, total // 2):
        place = middle - count_below
        index = np.searchsorted(shifted, place + offsets, side="right")
        index = index - np.arange(resamples) * width
        found.append(window[np.clip(index, 0, width - 1)])
    medians = (found[0] + found[1]) / 2
    return np.where(total > 0, medians, np.nan)


#: Poisson(1)'s distribution function at 0, 1, ..., 10 (float32), for ``poisson_ones``.
_POISSON_CDF = np.cumsum([math.exp(-1.0) / math.factorial(k) for k in range(11)]).astype(np.float32)


def poisson_ones(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Poisson(1) counts (int32) by inverting float32 uniform draws: twice as fast as
    ``rng.poisson``; counts above 10 (probability under 1e-8) come out as 10 or 11.

    >>> counts = poisson_ones(np.random.default_rng(0), (1000, 1000))
    >>> round(float(counts.mean()), 2), round(float(counts.var()), 2)
    (1.0, 1.0)
    """
    uniform = rng.random(shape, dtype=np.float32)
    return np.searchsorted(_POISSON_CDF, uniform, side="right").astype(np.int32)


# --- KPIs, conformance and variants ------------------------------------------------------------


#: The KPIs of ``o2c.kpis`` that are medians over orders of the time between two milestones.
_LEAD_TIMES = {
    "order_to_cash": ("ordered", "paid"),
    "order_to_delivery": ("ordered", "delivered"),
    "delivery_to_invoice": ("delivered", "invoiced"),
    "invoice_to_cash": ("invoiced", "paid"),
}
#: The KPIs of ``o2c.kpis`` that are shares of the orders they cover.
_ORDER_SHARES = ("on_time_payment_rate", "touchless_order_rate", "approval_rate", "credit_block_rate")


def _kpi_table(
    log: pl.DataFrame,
    side: np.ndarray,
    ideal: IdealPath | ProcessModel,
    as_of: pd.Timestamp,
    rng: np.random.Generator,
    resamples: int,
    alpha: float,
) -> pd.DataFrame:
    """The KPIs of each side beside each other, and the conformance figures; intervals for the
    medians over orders (lead times) and the shares of orders."""
    case_side = pl.Series(side[side >= 0])
    event_side = case_side.gather(pl.Series(_case_numbers(log)))
    path = ideal if isinstance(ideal, IdealPath) else None
    logs = [log.filter(event_side == index) for index in (0, 1)]
    parts = [_kpis(part, ideal=path, as_of=as_of) for part in logs]
    table = parts[0][["kpi", "unit"]].copy()
    for name, part in zip("ab", parts, strict=True):
        table[f"value_{name}"] = part["value"].to_numpy()
        table[f"duration_{name}"] = part["duration"].to_numpy()
        table[f"orders_{name}"] = part["orders_covered"].to_numpy()
    quantiles = (alpha / 2, 1 - alpha / 2)
    spans = [_lead_time_spans(part, path) for part in logs]
    low, high, duration_low, duration_high = [], [], [], []
    for kpi, n_a, n_b, a, b in zip(table["kpi"], table["orders_a"], table["orders_b"], table["value_a"],
                                   table["value_b"], strict=True):  # fmt: skip
        interval = (math.nan, math.nan)
        times = (math.nan, math.nan)
        if kpi in _LEAD_TIMES:
            boots = [bootstrap_medians(s[kpi], np.arange(len(s[kpi])), rng, resamples) for s in spans]
            diff = boots[1] - boots[0]
            times = tuple(np.nanquantile(diff, quantiles)) if np.isfinite(diff).any() else times
        elif kpi in _ORDER_SHARES and n_a and n_b:
            interval = _share_interval(
                (round(a * n_a), n_a), (round(b * n_b), n_b), rng, resamples, quantiles
            )
        low.append(interval[0])
        high.append(interval[1])
        duration_low.append(times[0])
        duration_high.append(times[1])
    table["value_diff"] = table["value_b"] - table["value_a"]
    table["duration_diff"] = table["duration_b"] - table["duration_a"]
    table["ci_low"], table["ci_high"] = low, high
    table["duration_ci_low"] = _timedeltas(pd.Series(duration_low, dtype="float64"))
    table["duration_ci_high"] = _timedeltas(pd.Series(duration_high, dtype="float64"))
    alignments = _align(log, ideal, progress=False)
    ids = log.select(pl.col(CASE_ID).unique(maintain_order=True)).with_columns(_side=case_side)
    aligned_side = pl.DataFrame({CASE_ID: alignments[CASE_ID].astype(str)}).join(ids, on=CASE_ID, how="left")
    summaries = [
        conformance_summary(alignments[(aligned_side["_side"] == index).to_numpy()]) for index in (0, 1)
    ]
    rows = []
    for attribute, unit in (("share_conforming", "share"), ("log_fitness", "fitness"),
                            ("average_trace_fitness", "fitness")):  # fmt: skip
        a, b = (float(getattr(summary, attribute)) for summary in summaries)
        interval = (math.nan, math.nan)
        if attribute == "share_conforming":
            fits = [(summary.conforming_cases, summary.resolved_cases) for summary in summaries]
            interval = _share_interval(fits[0], fits[1], rng, resamples, quantiles)
        rows.append(
            {"kpi": attribute, "unit": unit, "value_a": a, "value_b": b, "orders_a": summaries[0].resolved_cases,
             "orders_b": summaries[1].resolved_cases, "value_diff": b - a, "ci_low": interval[0],
             "ci_high": interval[1]}
        )  # fmt: skip
    table = pd.concat([table, pd.DataFrame(rows)], ignore_index=True)
    for column in ("duration_a", "duration_b", "duration_diff", "duration_ci_low", "duration_ci_high"):
        table[column] = pd.to_timedelta(table[column]).astype("timedelta64[us]")
    for column in ("orders_a", "orders_b"):
        table[column] = table[column].astype("int64")
    columns = ["kpi", "unit", "value_a", "value_b", "value_diff", "ci_low", "ci_high", "duration_a", "duration_b",
               "duration_diff", "duration_ci_low", "duration_ci_high", "orders_a", "orders_b"]  # fmt: skip
    return table[columns]


def _lead_time_spans(log: pl.DataFrame, ideal: IdealPath | None) -> dict[str, np.ndarray]:
    """Per lead-time KPI, each order's time (µs) between the first events of its two milestones,
    sorted: the values whose median ``o2c.kpis`` reports."""
    cases = case_table(log, find_milestones(log, ideal))
    spans = {}
    for kpi, (begin, end) in _LEAD_TIMES.items():
        both = cases.filter(pl.col(f"at_{begin}").is_not_null() & pl.col(f"at_{end}").is_not_null())
        micros = (both[f"at_{end}"] - both[f"at_{begin}"]).dt.total_microseconds()
        spans[kpi] = np.sort(micros.to_numpy().astype(np.float64))
    return spans


def _variant_changes(log: pl.DataFrame, side: np.ndarray, counts: np.ndarray) -> pd.DataFrame:
    """Per variant: orders and share on each side; appeared, disappeared or on both; largest change first."""
    table = _variant_table(log, with_cases=True)
    members = table.select("variant_id", "case").explode("case")
    members = members.with_columns(side=pl.Series(side).gather(members["case"]))
    tally = (
        members.filter(pl.col("side") >= 0)
        .group_by("variant_id")
        .agg(a=(pl.col("side") == 0).sum(), b=(pl.col("side") == 1).sum())
    )
    per_variant = table.select("variant_id", pl.col("names").alias("trace")).join(
        tally, on="variant_id", how="left"
    )
    per_variant = per_variant.fill_null(0).sort("variant_id")
    a = per_variant["a"].to_numpy()
    b = per_variant["b"].to_numpy()
    frame = pd.DataFrame({"trace": [tuple(t) for t in per_variant["trace"].to_list()]})
    frame["orders_a"], frame["orders_b"] = a.astype("int64"), b.astype("int64")
    frame["share_a"], frame["share_b"] = a / counts[0], b / counts[1]
    frame["share_diff"] = frame["share_b"] - frame["share_a"]
    frame["status"] = np.where(a == 0, "appeared", np.where(b == 0, "disappeared", "both"))
    frame = frame[(a + b) > 0]
    frame = frame.assign(_size=frame["share_diff"].abs(), _name=frame["trace"].map(" ".join))
    frame = frame.sort_values(["_size", "_name"], ascending=[False, True], kind="stable")
    return frame.drop(columns=["_size", "_name"]).reset_index(drop=True)


def _plain(value: Any) -> Any:
    """``by`` as JSON can hold it."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, date | datetime | pd.Timestamp):
        return value.isoformat()
    return value
