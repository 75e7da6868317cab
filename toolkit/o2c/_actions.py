"""What to fix first: each lever the analyses found, priced in days saved and cash freed.

``actions(result)`` reads an ``Assessment`` (its ``drivers``, ``rework_cost``,
``cost_of_divergence``, ``late_payment_drivers`` and ideal path) and turns each finding into a
**lever** with a stated counterfactual, what "fixed" means:

- ``bottleneck``: orders with a driver value (``drivers``: significant, ``p_value`` at most
  ``SIGNIFICANT``, a median wait at least ``MATERIAL_RATIO`` times the others', as the headlines
  require, so that a group waiting about as long as the others is no lever; ``value_band`` is no
  lever, an order's value is not something to fix) wait on the edge no longer than the others'
  median wait (``others_wait_median``); an order that waited less keeps its wait.
- ``rework``: a self-loop or ping-pong of ``rework_cost`` does not happen: the order goes on
  from the loop's first execution, so every wait from its first to its last execution is saved.
- ``deviation``: an inserted step of ``cost_of_divergence`` (log move, ``extra_time`` above 0)
  is not inserted: the wait into each execution beyond those the ideal path has is saved.
- ``optional_step``: an approval the ideal path marks optional (an approval step of
  ``o2c.approvals``: the ideal path's ``approval_steps``, else by name) is left out: the wait
  into it, from the event before, is saved; the wait after it stays. Other optional steps (an
  optional delivery or invoice in a discovered path) are no lever.
- ``late_payment``: an activity that goes with paying late (``late_payment_drivers``:
  ``attribute`` ``activity``, significant, a cause rather than a consequence such as a reminder)
  is resolved: its orders are paid as far past due (or as long after the invoice) as the orders
  without it (``median_without``); an order paid earlier keeps its day. The days saved are the
  last days of the customer's waits before the first payment (the wait into it, then the
  customer's waits before that), never more than those waits.

**Whose days.** The customer's days are the wait into the paid step (the ideal path's customer
steps, as in ``bottlenecks``' ``owner``) and the waits into steps off the ideal path after the
order's first invoice (complaints, credit memos, reminders). Only ``late_payment`` levers move
them (complaint handling, invoice accuracy, dunning: levers the company controls); the other
levers claim the company's days only.

**No double counting.** Every lever claims days of single waits of single orders: the wait
into one event of one order. A claim of ``s`` days on a wait is its *last* ``s`` days (the part
above the reference level; a whole wait when removed), so two claims on one wait share
``min(s1, s2)`` days. Levers are taken in order of the cash their claims free on their own
(largest first, ties by name); each gets the days of its claims no lever before it took, and
the rest is its ``overlap``. So the days saved of any set of levers add up to what one lever
claiming all of their claims would save: never more than the wait, never a day twice.

**Money.** ``orders`` are the orders with days saved after attribution (a claim a lever before
it took in full does not count); ``saved_median`` and ``saved_mean`` are the
days saved per such order, ``saved_total`` their sum. ``order_to_cash_saved`` is the days saved
on paid orders over the number of paid orders: how much shorter the mean order-to-cash time of
the paid orders would have been. ``dso_saved`` is the value-weighted mean days saved per order
over every order of the log (sum of value x days saved over summed value): how many days sooner
the average unit of revenue turns into cash (counting days before the invoice too, since payment
terms run from the invoice). ``daily_revenue`` is the log's summed order value over its span in
days (first to last event, at least one day); ``working_capital`` is ``daily_revenue x dso_saved`` (the cash no
longer tied up) and ``financing_cost`` its cost per year at ``annual_rate``. Waits are counted in
calendar time: interest accrues on every day.

**Intervals.** Every figure has a 90 % interval (``_low``, ``_high``: the 5th and 95th
percentiles) from a bootstrap over orders: ``resamples`` resamples of the log's orders with
replacement (``numpy.random.default_rng(seed)``), each lever's claims and attribution kept, every
figure recomputed per resample (medians as the weighted lower median).

Examples
--------
>>> from o2c import example_log, IdealPath
>>> from o2c.io import read_log
>>> from o2c._assess import assess
>>> ideal = IdealPath(("Create Sales Order", "Check Credit", "Confirm Order", "Ship Goods",
...                    "Create Invoice", "Receive Payment"), optional=frozenset({"Check Credit"}),
...                   approval_steps=frozenset({"Check Credit"}))
>>> table = actions(assess(read_log(example_log()), ideal=ideal, progress=False), resamples=200)
>>> table[["kind", "orders", "saved_total", "overlap"]]
            kind  orders     saved_total         overlap
0         rework       1 0 days 06:00:00 0 days 00:00:00
1  optional_step       2 0 days 06:00:00 0 days 00:00:00
2         rework       0 0 days 00:00:00 0 days 03:00:00
3      deviation       0 0 days 00:00:00 0 days 05:00:00
4      deviation       0 0 days 00:00:00 0 days 01:00:00
>>> table["lever"].tolist()[:2]
['loop Confirm Order -> Change Price -> Confirm Order', 'skip Check Credit']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import polars as pl

from o2c._format import format_duration
from o2c._kpis._late_payment import CONSEQUENCE_SHARE
from o2c._kpis._orders import DAYS_PAST_DUE, PAID_WITH_DUE, case_table, with_terms
from o2c._milestones import customer_steps, find_milestones
from o2c._tables import US_PER_DAY
from o2c.discovery import event_start
from o2c.errors import check_number, check_share, check_whole
from o2c.log import ACTIVITY, CASE_ID, RESOURCE, TIMESTAMP
from o2c.model import IdealPath

if TYPE_CHECKING:
    from o2c._approvals import Approvals
    from o2c._assess import Assessment

#: A driver or late-payment cause is a lever when its p-value is at most this.
SIGNIFICANT = 0.05
#: The least ratio of a driver's median wait to the others' for a bottleneck lever.
MATERIAL_RATIO = 1.25

#: What ``actions`` draws by default: resamples of the bootstrap, its seed, the interval's level.
RESAMPLES = 1000
SEED = 0
LEVEL = 0.9

#: The kinds of lever, in the order the module docstring defines them.
KINDS = ("bottleneck", "rework", "deviation", "optional_step", "late_payment")

#: The figures of each lever that get an interval, in the order of the columns.
FIGURES = (
    "orders",
    "saved_median",
    "saved_mean",
    "saved_total",
    "order_to_cash_saved",
    "dso_saved",
    "working_capital",
    "financing_cost",
)
_DURATIONS = ("saved_median", "saved_mean", "saved_total", "order_to_cash_saved", "dso_saved")

#: The columns of ``actions``, in order.
ACTION_COLUMNS = [
    "rank",
    "lever",
    "kind",
    "fixed",
    "owner",
    *(f"{figure}{end}" for figure in FIGURES for end in ("", "_low", "_high")),
    "overlap",
]

_CELLS = 4_000_000  # resample weights held at once (resamples x orders), to bound memory


@dataclass(frozen=True)
class _Lever:
    """One lever: its claims on waits (event rows of the log, microseconds claimed on each)."""

    lever: str
    kind: str
    fixed: str
    owner: str
    rows: np.ndarray
    claims: np.ndarray


def actions(
    result: Assessment,
    *,
    annual_rate: float | None = None,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    level: float = LEVEL,
) -> pd.DataFrame:
    """What to fix first: one row per lever the analyses found, ranked by the cash it frees.

    Parameters
    ----------
    result : Assessment
        The result of ``o2c.assess``.
    annual_rate : float, optional
        Yearly cost of capital for ``financing_cost``; default the assessment's ``annual_rate``
        (the rate of the cost of divergence).
    resamples : int
        Bootstrap resamples of the orders for the intervals.
    seed : int
        Seed of the bootstrap (``numpy.random.default_rng``).
    level : float
        Coverage of the intervals (0.9: the 5th to the 95th percentile).

    Returns
    -------
    DataFrame
        One row per lever (see the module docstring for the definitions): ``rank``, ``lever``,
        ``kind`` (one of ``KINDS``), ``fixed`` (the counterfactual, a sentence), ``owner``
        (``company`` or ``customer``: whose days it saves), then each of ``FIGURES`` with its
        interval (``orders``, ``orders_low``, ``orders_high``, ...): ``orders`` (int), the
        durations ``saved_median``, ``saved_mean``, ``saved_total``, ``order_to_cash_saved``,
        ``dso_saved`` (Timedeltas), ``working_capital`` and ``financing_cost`` (money, per year),
        and ``overlap`` (days its claims share with levers ranked before it in the attribution,
        counted there). Most working capital first, ties by ``lever``; a log without order
        values (daily revenue 0) ranks and attributes by ``saved_total`` instead. ``attrs``
        holds ``resamples``, ``seed``, ``level``, ``annual_rate`` and ``daily_revenue``.
    """
    rate = float(result.parameters.get("annual_rate", 0.08)) if annual_rate is None else annual_rate
    check_number(rate, argument="annual_rate", function="actions")
    check_whole(resamples, argument="resamples", function="actions")
    check_whole(seed, argument="seed", function="actions", least=0)
    check_share(level, argument="level", function="actions")
    return _actions(result, annual_rate=rate, resamples=resamples, seed=seed, level=level)


def _actions(
    result: Assessment,
    *,
    annual_rate: float,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    level: float = LEVEL,
) -> pd.DataFrame:
    """``actions`` of an assessment, arguments checked."""
    log = result.log
    ideal = result.ideal if isinstance(result.ideal, IdealPath) else None
    events = _events(log, ideal)
    cases = _cases(log, ideal)
    levers = [
        *_bottleneck_levers(result.drivers, events, log),
        *_rework_levers(result.rework_cost, events),
        *_deviation_levers(result.cost_of_divergence, events, ideal),
        *_optional_levers(ideal, events, result.approvals),
        *_late_payment_levers(
            result.late_payment_drivers, events, cases, find_milestones(log, ideal)["paid"].activity
        ),
    ]
    levers = [lever for lever in levers if lever.rows.size and lever.claims.sum() > 0]
    values = np.nan_to_num(cases["value"].to_numpy().astype(float))
    paid = cases["at_paid"].is_not_null().to_numpy()
    span_us = log.select((pl.col(TIMESTAMP).max() - pl.col(TIMESTAMP).min()).dt.total_microseconds()).item()
    span_days = max((span_us or 0) / US_PER_DAY, 1.0)  # at least a day: a log of one instant
    daily_revenue = float(values.sum()) / span_days
    case_of = events["_case"].to_numpy()
    priced = bool(values.sum() > 0)  # without order values, levers rank by the days they save
    standalone = [
        float(((values[case_of[lever.rows]] if priced else 1.0) * lever.claims).sum()) for lever in levers
    ]  # value x µs: the cash each lever frees alone (µs without values)
    order = sorted(range(len(levers)), key=lambda i: (-standalone[i], levers[i].lever))
    n = cases.height
    saved = np.zeros((n, len(levers)))  # microseconds, attributed
    affected = np.zeros((n, len(levers)), dtype=bool)
    overlap = np.zeros(len(levers))
    taken = np.zeros(events.height)
    for i in order:
        lever = levers[i]
        net, taken[lever.rows] = _attribute(lever.claims, taken[lever.rows])
        saved[:, i] = np.bincount(case_of[lever.rows], weights=net, minlength=n)
        affected[:, i] = np.bincount(case_of[lever.rows], weights=net > 0, minlength=n) > 0
        overlap[i] = float(lever.claims.sum() - net.sum())
    point = _figures(saved, affected, values, paid, np.ones((1, n)), span_days, annual_rate)
    low, high = _bootstrap(saved, affected, values, paid, span_days, annual_rate, resamples, seed, level)
    rows: list[dict[str, Any]] = []
    for i, lever in enumerate(levers):
        row: dict[str, Any] = {
            "lever": lever.lever,
            "kind": lever.kind,
            "fixed": lever.fixed,
            "owner": lever.owner,
        }
        for f, figure in enumerate(FIGURES):
            row[figure], row[f"{figure}_low"], row[f"{figure}_high"] = point[f][0, i], low[f][i], high[f][i]
        row["overlap"] = overlap[i]
        rows.append(row)
    frame = pd.DataFrame(rows, columns=[c for c in ACTION_COLUMNS if c != "rank"])
    for figure in _DURATIONS:
        for end in ("", "_low", "_high"):
            frame[f"{figure}{end}"] = _timedelta(frame[f"{figure}{end}"])
    frame["overlap"] = _timedelta(frame["overlap"])
    for end in ("", "_low", "_high"):
        frame[f"orders{end}"] = frame[f"orders{end}"].round().astype("int64")
    key = "working_capital" if priced else "saved_total"
    frame = frame.sort_values([key, "lever"], ascending=[False, True], kind="stable")
    frame.insert(0, "rank", np.arange(1, len(frame) + 1, dtype="int64"))
    frame = frame.reset_index(drop=True)
    frame.attrs.update(
        resamples=resamples, seed=seed, level=level, annual_rate=annual_rate, daily_revenue=daily_revenue
    )
    return frame


def _attribute(claims: np.ndarray, taken: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The days of ``claims`` not yet ``taken`` on the same waits, and what is taken after them.

    A claim is the last days of its wait, so claims on one wait nest: the union of two is the
    larger, and a claim gets only what exceeds what levers before it took.

    >>> net, taken = _attribute(np.array([5.0, 3.0]), np.array([2.0, 4.0]))
    >>> net.tolist(), taken.tolist()
    ([3.0, 0.0], [5.0, 4.0])
    """
    return np.maximum(claims - taken, 0.0), np.maximum(claims, taken)


def _figures(
    saved: np.ndarray,
    affected: np.ndarray,
    values: np.ndarray,
    paid: np.ndarray,
    weights: np.ndarray,
    span_days: float,
    annual_rate: float,
) -> list[np.ndarray]:
    """Each of ``FIGURES`` (resamples x levers) for orders counted ``weights`` times (resamples x
    orders); durations in microseconds."""
    orders = weights @ affected
    total = weights @ saved
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(orders > 0, total / orders, np.nan)
        paid_orders = weights @ paid.astype(float)
        o2c = (weights @ (saved * paid[:, None])) / paid_orders[:, None]
        value_days = weights @ (saved * values[:, None]) / US_PER_DAY
        summed = weights @ values
        dso = value_days / summed[:, None] * US_PER_DAY
    capital = value_days / span_days
    median = np.full(total.shape, np.nan)
    for i in range(saved.shape[1]):
        members = np.flatnonzero(affected[:, i])
        if members.size:
            median[:, i] = _weighted_median(saved[members, i], weights[:, members])
    return [orders, median, mean, total, o2c, dso, capital, capital * annual_rate]


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per row of ``weights``: the median of ``values`` counted that often (the mean of the two
    middle values when the count is even, as ``numpy.median``; NaN for no values).

    >>> _weighted_median(np.array([3.0, 1.0, 2.0, 10.0]), np.array([[1, 1, 1, 1], [0, 2, 1, 0], [0, 0, 0, 0]]))
    array([2.5, 1. , nan])
    """
    order = np.argsort(values, kind="stable")
    ranked, counts = values[order], weights[:, order]
    cumulative = np.cumsum(counts, axis=1)
    total = cumulative[:, -1]
    lower = (cumulative < ((total + 1) // 2)[:, None]).sum(axis=1)  # 0-based rank (total+1)//2 - 1
    upper = (cumulative < (total // 2 + 1)[:, None]).sum(axis=1)  # 0-based rank total//2
    last = len(ranked) - 1
    middle = (ranked[np.minimum(lower, last)] + ranked[np.minimum(upper, last)]) / 2
    return np.where(total > 0, middle, np.nan)


def _bootstrap(
    saved: np.ndarray,
    affected: np.ndarray,
    values: np.ndarray,
    paid: np.ndarray,
    span_days: float,
    annual_rate: float,
    resamples: int,
    seed: int,
    level: float,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The ``level`` interval of each figure (lists of arrays per lever): orders resampled with
    replacement ``resamples`` times, in chunks of at most ``_CELLS`` weights."""
    n, width = saved.shape
    rng = np.random.default_rng(seed)
    chunk = max(1, _CELLS // max(n, 1))
    draws: list[list[np.ndarray]] = [[] for _ in FIGURES]
    done = 0
    while done < resamples and n:
        size = min(chunk, resamples - done)
        picks = rng.integers(0, n, size=(size, n)) + n * np.arange(size)[:, None]
        weights = np.bincount(picks.ravel(), minlength=size * n).reshape(size, n).astype(float)
        for f, figure in enumerate(_figures(saved, affected, values, paid, weights, span_days, annual_rate)):
            draws[f].append(figure)
        done += size
    tail = (1 - level) / 2
    lows, highs = [], []
    for parts in draws:
        stacked = np.concatenate(parts) if parts else np.full((1, width), np.nan)
        known = ~np.isnan(stacked).all(axis=0)  # a figure no resample measured (no paid orders) stays NaN
        low, high = np.full(width, np.nan), np.full(width, np.nan)
        if known.any():
            low[known], high[known] = np.nanquantile(stacked[:, known], [tail, 1 - tail], axis=0)
        lows.append(low)
        highs.append(high)
    return lows, highs


def _timedelta(microseconds: pd.Series) -> pd.Series:
    """Microseconds (float, NaN for none) as Timedeltas."""
    return pd.to_timedelta(microseconds.astype(float).round(), unit="us").astype("timedelta64[us]")


def _events(log: pl.DataFrame, ideal: IdealPath | None) -> pl.DataFrame:
    """One row per event of the sorted log: ``_case`` (its order's number in log order),
    ``activity`` and ``source`` (the event before it in its order, null for the first), ``_wait``
    (µs from the end of the event before to the start of this one, an overlap 0, null first),
    ``_occurrence`` (1 for its activity's first execution in the order), ``_customer`` (the wait
    is the customer's: see the module docstring), ``_resource`` (of the event before)."""
    same = pl.col(CASE_ID) == pl.col(CASE_ID).shift(1)
    paying = sorted(customer_steps(log, ideal))
    invoiced = find_milestones(log, ideal)["invoiced"].activity
    steps = sorted(set(ideal.steps)) if ideal is not None else None
    case = pl.col(CASE_ID).rle_id()
    invoice_before = (
        ((pl.col(ACTIVITY) == invoiced).cast(pl.Int64).cum_sum().over(case) - (pl.col(ACTIVITY) == invoiced))
        > 0
        if invoiced is not None
        else pl.lit(False)
    )
    off_path = ~pl.col(ACTIVITY).cast(pl.String).is_in(steps) if steps is not None else pl.lit(False)
    return log.select(
        _case=case,
        activity=pl.col(ACTIVITY).cast(pl.String),
        source=pl.when(same).then(pl.col(ACTIVITY).cast(pl.String).shift(1)),
        _wait=pl.when(same).then(
            (event_start(log) - pl.col(TIMESTAMP).shift(1)).dt.total_microseconds().clip(lower_bound=0)
        ),
        _occurrence=pl.int_range(1, pl.len() + 1).over(case, pl.col(ACTIVITY)),
        _customer=pl.col(ACTIVITY).cast(pl.String).is_in(paying) | (off_path & invoice_before),
        _resource=pl.when(same).then(pl.col(RESOURCE).shift(1)) if RESOURCE in log.columns else pl.lit(None),
    )


def _cases(log: pl.DataFrame, ideal: IdealPath | None) -> pl.DataFrame:
    """One row per order in log order (``case_table`` with due dates): ``at_paid``, ``value``, ``due``."""
    return with_terms(case_table(log, find_milestones(log, ideal)), log)


def _company(events: pl.DataFrame, mask: pl.Expr) -> np.ndarray:
    """The rows matching ``mask`` whose wait is the company's and known."""
    return (
        events.with_row_index("_row")
        .filter(mask & ~pl.col("_customer") & pl.col("_wait").is_not_null())["_row"]
        .to_numpy()
        .astype(np.int64)
    )


def _days(microseconds: float) -> str:
    return format_duration(pd.Timedelta(microseconds=microseconds), words=True)


def _bottleneck_levers(drivers: pd.DataFrame, events: pl.DataFrame, log: pl.DataFrame) -> list[_Lever]:
    levers = []
    chosen = drivers[
        (drivers["p_value"] <= SIGNIFICANT)
        & (drivers["wait_median"] > drivers["others_wait_median"])
        & (drivers["wait_median"] >= MATERIAL_RATIO * drivers["others_wait_median"])
        & (drivers["attribute"] != "value_band")
    ]
    waits = events["_wait"].to_numpy()
    for source, target, attribute, value, others in chosen[
        ["source", "target", "attribute", "value", "others_wait_median"]
    ].itertuples(index=False):
        if attribute == RESOURCE:
            column = events["_resource"].cast(pl.String)
        elif attribute in log.columns:
            column = log[attribute].cast(pl.String)
        else:
            continue
        level = pd.Timedelta(others) / pd.Timedelta(microseconds=1)
        on_edge = (pl.col("source") == source) & (pl.col("activity") == target)
        rows = _company(events.with_columns(_attribute=column), on_edge & (pl.col("_attribute") == value))
        levers.append(
            _Lever(
                lever=f"{source} -> {target} for {attribute} {value}",
                kind="bottleneck",
                fixed=(
                    f"Orders with {attribute} {value} wait at {source} -> {target} no longer than the "
                    f"other orders' median ({_days(level)})."
                ),
                owner="company",
                rows=rows,
                claims=np.maximum(waits[rows] - level, 0.0),
            )
        )
    return levers


def _rework_levers(rework_cost: pd.DataFrame, events: pl.DataFrame) -> list[_Lever]:
    levers = []
    waits = events["_wait"].to_numpy()
    for activity, kind, other in rework_cost[rework_cost["kind"].isin(["self_loop", "ping_pong"])][
        ["activity", "kind", "other_activity"]
    ].itertuples(index=False):
        if kind == "self_loop":
            pattern = (pl.col("activity") == activity) & (pl.col("source") == activity)
            name = f"{activity} -> {activity}"
        else:
            pattern = (
                (pl.col("activity") == activity)
                & (pl.col("source") == other)
                & (pl.col("source").shift(1) == activity)
                & (pl.col("_case") == pl.col("_case").shift(1))
            )
            name = f"{activity} -> {other} -> {activity}"
        is_activity = pl.col("activity") == activity
        seen = is_activity.cast(pl.Int64).cum_sum().over("_case")
        looped = events.with_columns(
            _looped=pattern.any().over("_case"),
            _after_first=(seen - is_activity.cast(pl.Int64)) >= 1,
            _until_last=seen < is_activity.cast(pl.Int64).sum().over("_case") + is_activity.cast(pl.Int64),
        )
        rows = _company(looped, pl.col("_looped") & pl.col("_after_first") & pl.col("_until_last"))
        levers.append(
            _Lever(
                lever=f"loop {name}",
                kind="rework",
                fixed=(
                    f"Orders with the loop {name} go on from their first {activity}: the waits from the first "
                    f"to the last {activity} are saved."
                ),
                owner="company",
                rows=rows,
                claims=waits[rows].astype(float),
            )
        )
    return levers


def _deviation_levers(
    divergence: pd.DataFrame, events: pl.DataFrame, ideal: IdealPath | None
) -> list[_Lever]:
    levers = []
    waits = events["_wait"].to_numpy()
    chosen = divergence[(divergence["kind"] == "inserted") & (divergence["extra_time"] > pd.Timedelta(0))]
    for activity in chosen["activity"]:
        allowed = ideal.steps.count(activity) if ideal is not None else 0
        rows = _company(events, (pl.col("activity") == activity) & (pl.col("_occurrence") > allowed))
        levers.append(
            _Lever(
                lever=f"no inserted {activity}",
                kind="deviation",
                fixed=(
                    f"Orders no longer insert {activity} beyond the ideal path: the wait into each such "
                    f"{activity} is saved."
                ),
                owner="company",
                rows=rows,
                claims=waits[rows].astype(float),
            )
        )
    return levers


def _optional_levers(
    ideal: IdealPath | None, events: pl.DataFrame, approvals: Approvals | None
) -> list[_Lever]:
    """A lever per optional step of the ideal path that is an approval (``o2c.approvals``' rule):
    an optional delivery or invoice is no step to drop. A rubber stamp (``Approvals.rubber_stamps``,
    where the log records outcomes) is called one."""
    if ideal is None or approvals is None:
        return []
    levers = []
    waits = events["_wait"].to_numpy()
    stamps = set(approvals.rubber_stamps["step"]) if approvals.outcomes_recorded else set()
    for step in sorted(ideal.optional & set(approvals.approval_steps)):
        rows = _company(events, pl.col("activity") == step)
        stamp = (
            " and a rubber stamp (it approved every order it saw: none was rejected, changed or cancelled after it)"
            if step in stamps
            else ""
        )
        levers.append(
            _Lever(
                lever=f"skip {step}",
                kind="optional_step",
                fixed=(
                    f"Orders leave out {step}, optional on the ideal path{stamp}: the wait into it, from "
                    "the event before, is saved; the wait after it stays."
                ),
                owner="company",
                rows=rows,
                claims=waits[rows].astype(float),
            )
        )
    return levers


def _late_payment_levers(
    drivers: pd.DataFrame, events: pl.DataFrame, cases: pl.DataFrame, paid: str | None
) -> list[_Lever]:
    chosen = drivers[
        (drivers["attribute"] == "activity")
        & (drivers["p_value"] <= SIGNIFICANT)
        & (drivers["difference"] > pd.Timedelta(0))
        & ~(drivers["after_due_share"].fillna(0) > CONSEQUENCE_SHARE)
    ]
    if chosen.empty or paid is None:
        return []
    measure = str(chosen["measure"].iloc[0])
    late = (
        pl.when(PAID_WITH_DUE).then(DAYS_PAST_DUE * US_PER_DAY)
        if measure == "days_past_due"
        else (pl.col("at_paid") - pl.col("at_invoiced")).dt.total_microseconds()
    )
    measured = cases.select(_late=late.cast(pl.Float64))["_late"].to_numpy()
    is_paid = pl.col("activity") == paid
    first_paid = is_paid & (is_paid.cast(pl.Int64).cum_sum().over("_case") == 1)
    waits = events["_wait"].to_numpy()
    case_of = events["_case"].to_numpy()
    what = "days past due" if measure == "days_past_due" else "invoice-to-cash time"
    levers = []
    for activity, median_without in chosen[["value", "median_without"]].itertuples(index=False):
        reference = pd.Timedelta(median_without) / pd.Timedelta(microseconds=1)
        with_activity = (pl.col("activity") == activity).any().over("_case")
        until_paid = first_paid.cast(pl.Int64).cum_sum().over("_case") - first_paid.cast(pl.Int64) == 0
        paid_case = first_paid.any().over("_case")
        chain = (
            events.with_row_index("_row")
            .filter(with_activity & paid_case & (until_paid | first_paid) & pl.col("_customer"))
            .filter(pl.col("_wait").is_not_null())
            .with_columns(_later=pl.col("_wait").cum_sum(reverse=True).over("_case") - pl.col("_wait"))
        )
        rows = chain["_row"].to_numpy().astype(np.int64)
        excess = np.nan_to_num(np.maximum(measured[case_of[rows]] - reference, 0.0))
        claims = np.clip(excess - chain["_later"].to_numpy(), 0.0, waits[rows])
        levers.append(
            _Lever(
                lever=f"resolve {activity}",
                kind="late_payment",
                fixed=(
                    f"Orders with a {activity} are paid with the {what} of the orders without one (median "
                    f"{_days(reference)}): the {activity} is resolved before it holds up payment."
                ),
                owner="customer",
                rows=rows,
                claims=claims,
            )
        )
    return levers
