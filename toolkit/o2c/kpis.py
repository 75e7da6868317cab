"""Order-to-cash KPIs, the stuck-order escalation list, and what goes with late payment.

The KPIs hang on four **milestones** an order passes on its way to cash: ``ordered``,
``delivered``, ``invoiced`` and ``paid``. They come from the ideal path's ``milestones``; a
milestone the ideal path does not name (or every milestone, without an ideal path) is guessed
from the activity names, and the guess is written into the ``definition`` of every KPI that uses
it. A milestone is reached at the *first* event of its activity in the order.

Every KPI is computed only over the orders where all of its events exist and says how many
orders that is (``orders_covered``). Events after ``as_of`` are ignored; ``as_of`` defaults to
the last timestamp of the log, never to the clock, so a rerun gives the same numbers.

Examples
--------
>>> from o2c.simulate import example_log
>>> table = kpis(example_log())
>>> row = table.set_index("kpi").loc["invoice_to_cash"]
>>> print(row["duration"], row["orders_covered"])
14 days 02:00:00 2
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from o2c._stats import PooledSample, row_groups
from o2c.discovery import duration_from_microseconds, event_start, lazy_transitions
from o2c.errors import ArgumentError, check_choice
from o2c.log import (
    ACTIVITY,
    CASE_ID,
    RESOURCE,
    TIMESTAMP,
    UTC,
    VALUE,
    case_count,
    case_values,
    per_case,
    run_boundary,
    validate,
)
from o2c.milestones import Milestone, find_milestones
from o2c.model import MILESTONES, IdealPath
from o2c.performance import case_attributes
from o2c.rework import rekeyed_data

#: Resources whose names match this (case-insensitive) pattern count as automated: one of the
#: words, not inside a longer word ("BATCH_BILLING", "RFC-USER" are automated; "Meredith" is not).
AUTOMATED_PATTERN = r"(?i)(^|[^a-z])(batch|system|rfc|auto|bot|edi)([^a-z]|$)"

#: Activity-name patterns (case-insensitive) of approvals, credit blocks and their release.
APPROVAL_PATTERN = r"(?i)approv"
CREDIT_BLOCK_PATTERN = r"(?i)credit.*block|block.*credit"
RELEASE_PATTERN = r"(?i)release|unblock|lift|remove"

#: Case attributes the payment KPIs read: the due date, or the payment terms in days.
DUE_DATE = "due_date"
PAYMENT_TERMS = "payment_terms_days"

#: What ``late_payment_drivers`` measures paying late by (``measure``), and the columns it returns.
LATE_PAYMENT_MEASURES = ("auto", "days_past_due", "invoice_to_cash")
LATE_PAYMENT_COLUMNS = [
    "attribute",
    "value",
    "cases_with",
    "cases_without",
    "median_with",
    "median_without",
    "difference",
    "value_affected",
    "value_days",
    "p_value",
    "measure",
    "late_share_with",
    "late_share_without",
    "after_due_share",
]

#: An activity that first happens after the due date in more than this share of its orders (a
#: reminder, dunning, a collection call) follows from paying late: ``late_payment_drivers`` ranks
#: it after the candidates that can cause it.
CONSEQUENCE_SHARE = 0.5


_US_PER_DAY = 86_400_000_000

#: Over the per-order table: paid orders with a due date, and their days past due (payment date
#: minus due date in whole days; negative when paid early), as the KPI and the drivers count them.
_PAID_WITH_DUE = pl.col("at_paid").is_not_null() & pl.col("due").is_not_null()
_DAYS_PAST_DUE = (pl.col("at_paid").dt.date() - pl.col("due")).dt.total_days()

#: The KPIs in the order ``kpis`` returns them.
KPIS = (
    "order_to_cash",
    "order_to_delivery",
    "delivery_to_invoice",
    "invoice_to_cash",
    "invoice_to_cash_value_weighted",
    "on_time_payment_rate",
    "days_past_due",
    "overdue_orders",
    "shipped_not_invoiced_orders",
    "shipped_not_invoiced_value",
    "open_orders",
    "open_orders_ordered",
    "open_orders_delivered",
    "open_orders_invoiced",
    "automation_rate",
    "touchless_order_rate",
    "approval_rate",
    "approvals_per_order",
    "approval_wait",
    "rekeyed_data_per_order",
    "credit_block_rate",
    "credit_block_time",
)

_COLUMNS = ["kpi", "value", "duration", "unit", "orders_covered", "definition"]


def kpis(
    log: pl.DataFrame | pd.DataFrame,
    ideal: IdealPath | None = None,
    *,
    automated: str | Collection[str] | None = None,
    as_of: datetime | str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Order-to-cash KPIs, each with the sentence that defines it and the orders it covers.

    Parameters
    ----------
    log : DataFrame
        An event log, polars or pandas (see ``o2c.log``). Optional columns used: ``resource``
        (automation), ``value`` (money figures), ``due_date`` or ``payment_terms_days``
        (on-time payment; the due date is the invoice date plus the terms when only the terms
        are there), ``currency`` (the unit of money figures when it has one value).
    ideal : IdealPath, optional
        Its ``milestones`` say which activities mean ordered, delivered, invoiced and paid;
        milestones it does not name are guessed from activity names (``create ... sales order``,
        ``order``, ``create`` -> ordered; ``ship goods``/``goods issue``/``post goods movement``,
        ``ship``, ``deliver`` -> delivered; ``invoice``/``bill`` -> invoiced; ``pay``/``clear`` ->
        paid; the first pattern that names an activity wins, among its matches the activity in
        most orders), and the guess is stated in the definitions.
    automated : str or collection of str, optional
        Which resources are programs, not people: a regular expression matched against the
        resource names (default ``AUTOMATED_PATTERN``: the words batch, system, rfc, auto, bot, edi)
        or the resource names themselves. The names found are listed in the definition.
    as_of : datetime or str, optional
        The moment the open orders are judged at; events after it are ignored. Naive times are
        UTC. Default: the last timestamp of the log (never the clock).

    Returns
    -------
    DataFrame
        One row per KPI, in the order of ``KPIS``: ``kpi`` (a stable snake_case id),
        ``value`` (a number: a count, a share 0..1, a sum of order value or a mean per order;
        NaN for durations), ``duration`` (a Timedelta for the time KPIs, NaT otherwise; for the
        ``open_orders*`` rows the median age of those orders beside their count), ``unit``
        (``duration``, ``share``, ``orders``, ``per order`` or the currency / ``value``),
        ``orders_covered`` (the orders the KPI is computed over) and ``definition``. A KPI
        whose events or columns are missing has NaN / NaT, covers 0 orders, and its
        definition says what is missing.

    Notes
    -----
    Lead times run from the first event of one milestone's activity to the first event of the
    next one's (negative when invoiced before delivered). On-time means paid on a UTC date on or
    before the due date. Ages and overdue orders are judged at ``as_of``.

    Examples
    --------
    >>> from o2c.simulate import example_log
    >>> kpis(example_log())[["kpi", "value", "duration", "orders_covered"]].head(7)
                                  kpi  value         duration  orders_covered
    0                   order_to_cash    NaN 16 days 16:00:00               2
    1               order_to_delivery    NaN  2 days 02:00:00               3
    2             delivery_to_invoice    NaN  0 days 02:00:00               3
    3                 invoice_to_cash    NaN 14 days 02:00:00               2
    4  invoice_to_cash_value_weighted    NaN 16 days 11:45:40               2
    5            on_time_payment_rate    NaN              NaT               0
    6                   days_past_due    NaN              NaT               0
    >>> kpis(example_log()).set_index("kpi").loc["automation_rate", "definition"]
    "Share of events done by automated resources: 'BATCH_BANK', 'BATCH_BILLING' (resource names matching '(?i)(^|[^a-z])(batch|system|rfc|auto|bot|edi)([^a-z]|$)'), over 19 events with a resource."
    """
    log = _at(validate(log), as_of)
    moment = _as_of(log, as_of)
    stones = find_milestones(log, ideal)
    cases = _case_table(log, stones)
    rows: list[dict[str, Any]] = []
    rows += _lead_time_rows(cases, stones)
    rows += _payment_rows(log, cases, stones, moment)
    rows += _open_rows(log, cases, stones, moment)
    rows += _automation_rows(log, automated)
    rows += _approval_rows(log, cases)
    rows += _rekey_rows(log)
    rows += _credit_block_rows(log)
    table = pd.DataFrame(rows, columns=_COLUMNS)
    table["value"] = table["value"].astype("float64")
    durations = pd.Series([row["duration"] for row in rows], dtype=object)
    table["duration"] = pd.to_timedelta(durations).astype("timedelta64[us]")
    table["orders_covered"] = table["orders_covered"].astype("int64")
    return table


def milestones(log: pl.DataFrame | pd.DataFrame, ideal: IdealPath | None = None) -> pd.DataFrame:
    """The activity of each milestone: from the ideal path, else guessed from activity names.

    Returns
    -------
    DataFrame
        One row per milestone (``ordered``, ``delivered``, ``invoiced``, ``paid``):
        ``milestone``, ``activity`` (None when nothing fits), ``guessed`` (True when the
        ideal path does not name it) and ``rule`` (what made the guess, in words; see
        ``o2c.milestones.GUESSES``).

    Examples
    --------
    >>> from o2c.simulate import example_log
    >>> milestones(example_log())[["milestone", "activity", "guessed"]]
       milestone            activity  guessed
    0    ordered  Create Sales Order     True
    1  delivered          Ship Goods     True
    2   invoiced      Create Invoice     True
    3       paid     Receive Payment     True
    """
    stones = find_milestones(validate(log), ideal)
    return pd.DataFrame(
        {
            "milestone": list(MILESTONES),
            "activity": pd.Series([stones[m].activity for m in MILESTONES], dtype=object),
            "guessed": [stones[m].guessed for m in MILESTONES],
            "rule": [stones[m].rule for m in MILESTONES],
        }
    )


def stuck_orders(
    log: pl.DataFrame | pd.DataFrame,
    *,
    ideal: IdealPath | None = None,
    as_of: datetime | str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Open orders waiting longer after their last step than 9 in 10 finished orders did.

    An order is finished when it has reached the ``paid`` milestone (from ``ideal``, or guessed
    from the activity names as in ``kpis``), open otherwise. For every activity, the usual wait
    after it is the 90th percentile (linear interpolation) of the waiting times from that
    activity to the next event, over the finished orders. An open order is stuck when the time
    from its last event to ``as_of`` exceeds that percentile for its last activity; an activity
    never followed by another event in a finished order gives no percentile, and orders
    waiting after it are not judged. This is the order-status view with escalation: what to
    chase first.

    Parameters
    ----------
    log : DataFrame
        An event log, polars or pandas (see ``o2c.log``).
    ideal : IdealPath, optional
        Names the ``paid`` milestone; guessed from activity names without it.
    as_of : datetime or str, optional
        The moment the orders are judged at; later events are ignored. Naive times are UTC.
        Default: the last timestamp of the log (never the clock).

    Returns
    -------
    DataFrame
        One row per stuck order: ``case_id``, ``milestone`` (the furthest of ordered,
        delivered, invoiced it reached; None before ordered), ``last_activity``,
        ``last_event`` (its timestamp), ``waiting`` (``as_of`` - ``last_event``), ``wait_p90``
        (the usual 90th percentile after ``last_activity``), ``value`` (the order value; NaN
        without a ``value`` column). Most value at risk first, then longest ``waiting``, ties
        by ``case_id``.

    Examples
    --------
    >>> from o2c.simulate import example_log
    >>> stuck_orders(example_log(), as_of="2025-02-10")[["case_id", "last_activity", "waiting", "wait_p90"]]
      case_id   last_activity           waiting         wait_p90
    0       2  Create Invoice 32 days 08:00:00 17 days 02:00:00
    """
    log = _at(validate(log), as_of)
    moment = _as_of(log, as_of)
    stones = find_milestones(log, ideal)
    cases = _case_table(log, stones)
    paid = "at_paid"
    finished = cases.filter(pl.col(paid).is_not_null()).select(CASE_ID)
    usual = (
        lazy_transitions(log)
        .join(finished.lazy(), on=CASE_ID, how="semi")
        .group_by("source")
        .agg(_p90=pl.col("wait").dt.total_microseconds().quantile(0.9, interpolation="linear"))
        .select(
            last_activity=pl.col("source").cast(pl.String),
            wait_p90=duration_from_microseconds(pl.col("_p90")),
        )
        .collect()
    )
    open_cases = cases.filter(pl.col(paid).is_null()).with_columns(
        waiting=pl.lit(moment, UTC) - pl.col("last_event")
    )
    stuck = (
        open_cases.join(usual, on="last_activity", how="inner")
        .filter(pl.col("waiting") > pl.col("wait_p90"))
        .with_columns(milestone=_furthest(stones))
        .sort(["value", "waiting", CASE_ID], descending=[True, True, False], nulls_last=True)
    )
    columns = [CASE_ID, "milestone", "last_activity", "last_event", "waiting", "wait_p90", "value"]
    return stuck.select(columns).to_pandas()


def late_payment_drivers(
    log: pl.DataFrame | pd.DataFrame,
    ideal: IdealPath | None = None,
    *,
    attributes: Sequence[str] | None = None,
    min_cases: int = 10,
    measure: str = "auto",
) -> pd.DataFrame:
    """Which activities and attribute values go with paying late: more days past due, or a longer
    invoice-to-cash time where the log has no due dates.

    Each candidate splits the measured orders in two: those with it and those without.
    Candidates are every activity present in some of these orders but not all (a complaint, a
    credit memo, a price change, an address update, a payment reminder, ...) and every value of
    every case attribute (``payment_terms_days`` included: long terms may really go with paying
    late; ``due_date`` never, a date per order is not a driver). The two groups are compared on
    the ``measure``: medians, their difference, and a two-sided Mann-Whitney U test
    (``scipy.stats.mannwhitneyu``).

    **Days past due** (``measure="days_past_due"``) is the ``days_past_due`` KPI's: payment date
    (the UTC date of the first ``paid`` event) minus due date (``due_date``, else the UTC date of
    the first ``invoiced`` event plus ``payment_terms_days``) in whole days, negative when paid
    early, over the paid orders with a due date; **orders without a due date are left out**. An
    order is *paid late* when it was paid after its due date (one day past due or more). Payment
    terms no longer lengthen the measure by themselves, so 60-day terms only rank when orders on
    them really pay later against their own due date.

    **Invoice-to-cash** (``measure="invoice_to_cash"``) is the time from the first ``invoiced``
    event to the first ``paid`` event, over the orders with both. It is the fallback: longer
    terms lengthen it whether or not anyone pays late, so terms and channels can outrank the
    real cause.

    ``measure="auto"`` takes days past due when any paid order has a due date, else
    invoice-to-cash; the ``measure`` column says which was used.

    Parameters
    ----------
    log : DataFrame
        An event log, polars or pandas (see ``o2c.log``).
    ideal : IdealPath, optional
        Names the ``invoiced`` and ``paid`` milestones; guessed from activity names without it.
    attributes : list of str, optional
        Case attributes to compare by; default every case attribute (``o2c.performance.
        case_attributes``: columns beyond the canonical ones with one value per order) except
        ``due_date``.
    min_cases : int
        Candidates with fewer orders on either side are left out (too few to judge).
    measure : {"auto", "days_past_due", "invoice_to_cash"}
        What paying late is measured by (see above).

    Returns
    -------
    DataFrame
        One row per candidate: ``attribute`` (``activity`` for activities present in the order,
        else the attribute's name), ``value`` (the activity or the attribute value, as text),
        ``cases_with``, ``cases_without``, ``median_with``, ``median_without`` (Timedeltas: days
        past due, whole days and negative when early, or invoice-to-cash time), ``difference``
        (``median_with - median_without``), ``value_affected`` (summed order value of the orders
        with it; NaN without a ``value`` column), ``value_days`` (``value_affected`` x
        ``difference`` in days: money held up), ``p_value``, ``measure`` (``"days_past_due"`` or
        ``"invoice_to_cash"``), ``late_share_with`` and ``late_share_without`` (share of each
        side's orders paid late; NaN with invoice-to-cash), ``after_due_share`` (activities,
        days past due only: the share of the orders with it where it first happened after the
        due date; NaN otherwise). Candidates that can cause late payment first, then those that
        follow from it (``after_due_share`` above ``CONSEQUENCE_SHARE``: reminders, dunning);
        within each, most value-days first, then largest difference, ties by ``attribute``,
        ``value``.

    Examples
    --------
    >>> from o2c.simulate import example_log
    >>> found = late_payment_drivers(example_log(), min_cases=1)  # no due dates: invoice-to-cash
    >>> found[["value", "cases_with", "median_with", "median_without", "value_days"]]
              value  cases_with      median_with   median_without  value_days
    0  Change Price           1 17 days 20:00:00 10 days 08:00:00    412500.0
    1  Check Credit           1 10 days 08:00:00 17 days 20:00:00    -90000.0
    >>> found["measure"].unique().tolist()
    ['invoice_to_cash']
    """
    log = validate(log)
    if isinstance(min_cases, bool) or not isinstance(min_cases, int) or min_cases < 1:
        raise ArgumentError(
            f"The 'min_cases' argument of late_payment_drivers must be a positive int; got {min_cases!r}."
        )
    check_choice(measure, LATE_PAYMENT_MEASURES, argument="measure", function="late_payment_drivers")
    stones = find_milestones(log, ideal)
    if stones["paid"].activity is None:
        raise ArgumentError(
            "late_payment_drivers needs the 'paid' milestone, and no activity of the log looks like "
            "it; pass an IdealPath with milestones={'paid': ...}."
        )
    known = [name for name in case_attributes(log) if name != DUE_DATE]
    chosen = known if attributes is None else list(attributes)
    for name in chosen:
        if name not in known:
            raise ArgumentError(
                f"The 'attributes' argument of late_payment_drivers must name case attributes "
                f"(one value per order, not {DUE_DATE!r}); {name!r} is not one. Case attributes: {known}."
            )
    table = _with_terms(_case_table(log, stones), log)
    dated = table.filter(_PAID_WITH_DUE).height
    if measure == "auto":
        measure = "days_past_due" if dated else "invoice_to_cash"
    if measure == "days_past_due" and not dated:
        raise ArgumentError(
            "late_payment_drivers cannot measure days past due: no paid order has a due date (the log "
            f"needs a {DUE_DATE!r} column, or {PAYMENT_TERMS!r} and the 'invoiced' milestone); use "
            "measure='invoice_to_cash' or measure='auto'."
        )
    if measure == "invoice_to_cash" and stones["invoiced"].activity is None:
        raise ArgumentError(
            "late_payment_drivers needs the 'invoiced' milestone to measure invoice-to-cash time, and no "
            "activity of the log looks like it; pass an IdealPath with milestones={'invoiced': ...}."
        )
    members, cases = _late_payment_candidates(log, table, measure, chosen)
    pooled = PooledSample(cases["_measure"].to_numpy())
    late = cases["_late"].to_numpy() if measure == "days_past_due" else None
    late_total = int(late.sum()) if late is not None else 0
    has_value = VALUE in log.columns
    rows = []
    candidates = members.select("attribute", "value", "_value_sum", "_valued", "_after_due").iter_rows()
    for (attribute, value, value_sum, valued, after_due), members_of in zip(
        candidates, row_groups(members["_row"]), strict=True
    ):
        with_, without = len(members_of), cases.height - len(members_of)
        if with_ < min_cases or without < min_cases:
            continue
        median, others_median, p_value = pooled.compare(members_of)
        difference = median - others_median
        affected = float(value_sum) if has_value and valued else (0.0 if has_value else float("nan"))
        late_with = int(late[members_of].sum()) if late is not None else 0
        shares = (
            (late_with / with_, (late_total - late_with) / without)
            if late is not None
            else (math.nan, math.nan)
        )
        after = after_due if after_due is not None else math.nan
        rows.append(
            (
                attribute,
                value,
                with_,
                without,
                median,
                others_median,
                difference,
                affected,
                p_value,
                *shares,
                after,
            )
        )
    result = pl.DataFrame(
        rows,
        schema={
            "attribute": pl.String,
            "value": pl.String,
            "cases_with": pl.Int64,
            "cases_without": pl.Int64,
            "_with": pl.Float64,
            "_without": pl.Float64,
            "_difference": pl.Float64,
            "value_affected": pl.Float64,
            "p_value": pl.Float64,
            "late_share_with": pl.Float64,
            "late_share_without": pl.Float64,
            "after_due_share": pl.Float64,
        },
        orient="row",
    )
    result = result.with_columns(
        median_with=duration_from_microseconds(pl.col("_with")),
        median_without=duration_from_microseconds(pl.col("_without")),
        difference=duration_from_microseconds(pl.col("_difference")),
        value_days=pl.col("value_affected") * pl.col("_difference") / _US_PER_DAY,
        measure=pl.lit(measure, pl.String),
        _consequence=pl.col("after_due_share").fill_nan(None).fill_null(0) > CONSEQUENCE_SHARE,
    ).sort(
        ["_consequence", "value_days", "_difference", "attribute", "value"],
        descending=[False, True, True, False, False],
        nulls_last=True,
    )
    return result.select(LATE_PAYMENT_COLUMNS).to_pandas()


def _late_payment_candidates(
    log: pl.DataFrame, table: pl.DataFrame, measure: str, chosen: Sequence[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The measured orders (``_measure`` in microseconds: days past due or invoice to cash;
    ``_late``: paid after the due date; ``value``), and per candidate (``attribute``, ``value``)
    the row numbers of the orders with it (``_row``), their summed value and how many have one.

    ``table`` is the per-order table (``_case_table`` with due dates); orders are numbered in log
    order (the runs of the sorted log), so events find their order's row by position, without
    joining on case ids.
    """
    table = table.with_row_index("_case")  # one row per case, in log order
    if measure == "days_past_due":
        cases = table.filter(_PAID_WITH_DUE).with_columns(
            _measure=_DAYS_PAST_DUE * _US_PER_DAY, _late=_DAYS_PAST_DUE > 0
        )
    else:
        cases = table.filter(
            pl.col("at_invoiced").is_not_null() & pl.col("at_paid").is_not_null()
        ).with_columns(
            _measure=(pl.col("at_paid") - pl.col("at_invoiced")).dt.total_microseconds(),
            _late=pl.lit(None, pl.Boolean),
        )
    cases = cases.with_row_index("_row")
    row_of_case = np.full(table.height, -1, dtype=np.int64)
    row_of_case[cases["_case"].to_numpy()] = np.arange(cases.height)
    rows, values, dues = pl.Series(row_of_case), cases["value"], cases["due"]

    def grouped(found: pl.LazyFrame, attribute: str) -> pl.LazyFrame:
        """``found`` (``_case``, ``value``, for activities ``_time``: the first occurrence) grouped by
        value over the measured orders; ``_after_due``: the share of them where it first happened
        after the due date (days past due only)."""
        timed = "_time" in found.collect_schema() and measure == "days_past_due"
        after = (
            pl.col("_time").dt.date() > pl.lit(dues).gather(pl.col("_row"))
            if timed
            else pl.lit(None, pl.Boolean)
        )
        return (
            found.with_columns(_row=pl.lit(rows).gather(pl.col("_case")))
            .filter(pl.col("_row") >= 0)
            .with_columns(_value=pl.lit(values).gather(pl.col("_row")), _after=after)
            .group_by("value")
            .agg(
                pl.col("_row"),
                pl.col("_value").sum().alias("_value_sum"),
                pl.col("_value").is_not_null().sum().alias("_valued"),
                pl.col("_after").cast(pl.Float64).mean().alias("_after_due"),
            )
            .select(
                pl.lit(attribute).alias("attribute"), pl.col("value").cast(pl.String), pl.exclude("value")
            )
        )

    number, code = pl.col(CASE_ID).rle_id(), pl.col(ACTIVITY).to_physical()
    pairs = (  # distinct (order, activity) pairs: sorted stably, a repeat sits after its first
        log.lazy()
        .select(_pair=number.cast(pl.UInt64) * (1 << 32) + code.cast(pl.UInt64), _time=pl.col(TIMESTAMP))
        .sort("_pair", maintain_order=True)
        .filter(run_boundary("_pair"))
    )
    present = pairs.select(
        _case=(pl.col("_pair") // (1 << 32)).cast(pl.UInt32),
        value=(pl.col("_pair") % (1 << 32)).cast(pl.UInt32).cat.to(log.schema[ACTIVITY]),
        _time="_time",
    )
    groups = [grouped(present, "activity")]
    for name in chosen:
        first = case_values(log.select(_case=number, value=pl.col(name)), "value", by="_case")
        groups.append(grouped(first.lazy(), name))
    members = pl.concat(groups).sort("attribute", "value").collect()
    return members, cases


# --- milestones and the per-order table --------------------------------------------------------


def _at(log: pl.DataFrame, as_of: datetime | str | pd.Timestamp | None) -> pl.DataFrame:
    """The events up to ``as_of`` (all of them without one)."""
    if as_of is None:
        return log
    return log.filter(pl.col(TIMESTAMP) <= pl.lit(_timestamp(as_of), UTC))


def _as_of(log: pl.DataFrame, as_of: datetime | str | pd.Timestamp | None) -> datetime:
    if as_of is not None:
        return _timestamp(as_of)
    if log.height == 0:
        raise ArgumentError("The event log has no events (before 'as_of'); there is nothing to judge.")
    last = log[TIMESTAMP].max()
    assert isinstance(last, datetime)
    return last


def _timestamp(value: datetime | str | pd.Timestamp) -> datetime:
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ArgumentError(
            f"The 'as_of' argument must be a datetime or an ISO date-time like '2025-10-01'; got {value!r}."
        ) from exc
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime()


def _case_table(log: pl.DataFrame, stones: dict[str, Milestone]) -> pl.DataFrame:
    """One row per order: first and last event, last activity, milestone times, value, due date."""
    reached = [
        (
            pl.col(TIMESTAMP).filter(pl.col(ACTIVITY) == stones[m].activity).min()
            if stones[m].activity is not None
            else pl.lit(None, UTC)
        ).alias(f"at_{m}")
        for m in MILESTONES
    ]
    value = pl.col(VALUE).drop_nulls().first() if VALUE in log.columns else pl.lit(None, pl.Float64)
    table = per_case(
        log,
        event_start(log).min().alias("first_event"),
        pl.col(TIMESTAMP).last().alias("last_event"),
        pl.col(ACTIVITY).last().alias("last_activity"),
        *reached,
        value.cast(pl.Float64).alias("value"),
        _due_date(log).alias("due"),
    ).with_columns(pl.col("last_activity").cast(pl.String))
    return table


def _due_date(log: pl.DataFrame) -> pl.Expr:
    """Each order's due date (a Date), or null: ``due_date``, else invoice date + payment terms."""
    if DUE_DATE in log.columns:
        dtype = log.schema[DUE_DATE]
        column = pl.col(DUE_DATE)
        if isinstance(dtype, pl.Datetime):
            column = column.dt.date()
        elif dtype != pl.Date:
            column = column.cast(pl.String).str.strip_chars().str.to_date(strict=False)
        return column.drop_nulls().first().cast(pl.Date)
    return pl.lit(None, pl.Date)


def _with_terms(cases: pl.DataFrame, log: pl.DataFrame) -> pl.DataFrame:
    """Fill due dates from ``payment_terms_days`` and the invoice date where there is none."""
    if DUE_DATE in log.columns or PAYMENT_TERMS not in log.columns:
        return cases
    terms = per_case(log, _terms=pl.col(PAYMENT_TERMS).drop_nulls().first().cast(pl.Int64, strict=False))
    return (
        cases.join(terms, on=CASE_ID, how="left", maintain_order="left")
        .with_columns(due=pl.col("at_invoiced").dt.date() + pl.duration(days=pl.col("_terms")))
        .drop("_terms")
    )


def _furthest(stones: dict[str, Milestone]) -> pl.Expr:
    expr = pl.lit(None, pl.String)
    for name in MILESTONES[:-1]:
        expr = pl.when(pl.col(f"at_{name}").is_not_null()).then(pl.lit(name)).otherwise(expr)
    return expr


# --- the KPI rows ----------------------------------------------------------------------------------


def _row(
    kpi: str,
    definition: str,
    *,
    value: float | None = None,
    duration: Any = None,
    unit: str,
    covered: int,
    missing: str | None = None,
) -> dict[str, Any]:
    if missing is not None:
        return {
            "kpi": kpi,
            "value": float("nan"),
            "duration": pd.NaT,
            "unit": unit,
            "orders_covered": 0,
            "definition": f"{definition} Not computed: {missing}.",
        }
    return {
        "kpi": kpi,
        "value": float("nan") if value is None else float(value),
        "duration": pd.NaT if duration is None else pd.Timedelta(duration),
        "unit": unit,
        "orders_covered": int(covered),
        "definition": definition,
    }


def _median_duration(values: pl.Series) -> pd.Timedelta | None:
    """The median of a duration series (µs precision), None when empty."""
    micros = values.dt.total_microseconds().drop_nulls()
    if micros.is_empty():
        return None
    return pd.Timedelta(microseconds=round(float(micros.median())))  # type: ignore[arg-type]


def _missing_milestones(stones: dict[str, Milestone], *names: str) -> str | None:
    absent = [n for n in names if stones[n].activity is None]
    if not absent:
        return None
    return "no activity of the log looks like the " + " or ".join(repr(n) for n in absent) + " milestone"


def _lead_time_rows(cases: pl.DataFrame, stones: dict[str, Milestone]) -> list[dict[str, Any]]:
    rows = []
    for kpi, begin, end, extra in (
        ("order_to_cash", "ordered", "paid", ""),
        ("order_to_delivery", "ordered", "delivered", ""),
        ("delivery_to_invoice", "delivered", "invoiced", " Negative when invoiced before delivered."),
        ("invoice_to_cash", "invoiced", "paid", " A proxy of days sales outstanding (DSO)."),
    ):
        definition = (
            f"Median time from the first {stones[begin].label()} to the first {stones[end].label()} "
            f"of each order, over the orders with both.{extra}"
        )
        missing = _missing_milestones(stones, begin, end)
        both = cases.filter(pl.col(f"at_{begin}").is_not_null() & pl.col(f"at_{end}").is_not_null())
        spans = both[f"at_{end}"] - both[f"at_{begin}"]
        rows.append(
            _row(
                kpi,
                definition,
                duration=_median_duration(spans),
                unit="duration",
                covered=both.height,
                missing=missing,
            )
        )
    definition = (
        f"Invoice-to-cash time weighted by order value: sum of value x time from the first "
        f"{stones['invoiced'].label()} to the first {stones['paid'].label()}, divided by the summed "
        "value, over the orders with both and a value (to the second). Large orders count more."
    )
    missing = _missing_milestones(stones, "invoiced", "paid")
    if missing is None and cases["value"].is_null().all():
        missing = "the log has no 'value' column (order value)"
    both = cases.filter(
        pl.col("at_invoiced").is_not_null() & pl.col("at_paid").is_not_null() & pl.col("value").is_not_null()
    )
    weighted = None
    total = math.fsum(both["value"].to_list())
    if total:
        micros = (both["at_paid"] - both["at_invoiced"]).dt.total_microseconds().cast(pl.Float64)
        weighted = pd.Timedelta(seconds=round(math.fsum((micros * both["value"]).to_list()) / total / 1e6))
    rows.append(
        _row(
            "invoice_to_cash_value_weighted",
            definition,
            duration=weighted,
            unit="duration",
            covered=both.height,
            missing=missing,
        )
    )
    return rows


def _money_unit(log: pl.DataFrame) -> str:
    if "currency" in log.columns:
        currencies = log["currency"].drop_nulls().unique()
        if currencies.len() == 1:
            return str(currencies[0])
    return "value"


def _payment_rows(
    log: pl.DataFrame, cases: pl.DataFrame, stones: dict[str, Milestone], moment: datetime
) -> list[dict[str, Any]]:
    cases = _with_terms(cases, log)
    source = (
        f"the {DUE_DATE!r} column"
        if DUE_DATE in log.columns
        else f"the invoice date plus {PAYMENT_TERMS!r}"
        if PAYMENT_TERMS in log.columns
        else None
    )
    missing = _missing_milestones(stones, "paid")
    if missing is None and source is None:
        missing = f"the log has no {DUE_DATE!r} or {PAYMENT_TERMS!r} column"
    due_text = source or f"the {DUE_DATE!r} column"
    paid = cases.filter(_PAID_WITH_DUE).with_columns(days=_DAYS_PAST_DUE)
    on_time = paid.filter(pl.col("days") <= 0).height
    rows = [
        _row(
            "on_time_payment_rate",
            f"Share of paid orders whose first {stones['paid'].label()} falls on a UTC date on or before "
            f"the due date ({due_text}), over the paid orders with a due date.",
            value=on_time / paid.height if paid.height else None,
            unit="share",
            covered=paid.height,
            missing=missing,
        ),
        _row(
            "days_past_due",
            f"Median of payment date minus due date ({due_text}) in whole days, over the paid orders with "
            f"a due date; negative when paid early. Payment date: the UTC date of the first "
            f"{stones['paid'].label()}.",
            duration=None if paid.is_empty() else pd.Timedelta(days=float(paid["days"].median())),  # type: ignore[arg-type]
            unit="duration",
            covered=paid.height,
            missing=missing,
        ),
    ]
    invoiced_open = cases.filter(
        pl.col("at_invoiced").is_not_null() & pl.col("at_paid").is_null() & pl.col("due").is_not_null()
    )
    overdue = invoiced_open.filter(pl.col("due") < moment.date())
    missing_overdue = _missing_milestones(stones, "invoiced", "paid") or (None if source else missing)
    rows.append(
        _row(
            "overdue_orders",
            f"Orders invoiced ({stones['invoiced'].label()}) and not paid whose due date ({due_text}) is "
            f"before the UTC date of as_of ({moment:%Y-%m-%d %H:%M} UTC), out of the invoiced, unpaid orders "
            "with a due date.",
            value=overdue.height,
            unit="orders",
            covered=invoiced_open.height,
            missing=missing_overdue,
        )
    )
    delivered = cases.filter(pl.col("at_delivered").is_not_null())
    waiting = delivered.filter(pl.col("at_invoiced").is_null())
    missing_sni = _missing_milestones(stones, "delivered", "invoiced")
    rows.append(
        _row(
            "shipped_not_invoiced_orders",
            f"Orders delivered ({stones['delivered'].label()}) and not yet invoiced "
            f"({stones['invoiced'].label()}) at as_of, out of the delivered orders.",
            value=waiting.height,
            unit="orders",
            covered=delivered.height,
            missing=missing_sni,
        )
    )
    valued = waiting.filter(pl.col("value").is_not_null())
    rows.append(
        _row(
            "shipped_not_invoiced_value",
            "Summed order value of the orders delivered and not yet invoiced at as_of (revenue waiting "
            "to be billed), over those of them with a value.",
            value=float(valued["value"].sum()),
            unit=_money_unit(log),
            covered=valued.height,
            missing=missing_sni or (None if VALUE in log.columns else "the log has no 'value' column"),
        )
    )
    return rows


def _open_rows(
    log: pl.DataFrame, cases: pl.DataFrame, stones: dict[str, Milestone], moment: datetime
) -> list[dict[str, Any]]:
    open_cases = cases.filter(pl.col("at_paid").is_null()).with_columns(
        milestone=_furthest(stones), age=pl.lit(moment, UTC) - pl.col("first_event")
    )
    missing = _missing_milestones(stones, "paid")
    rows = [
        _row(
            "open_orders",
            f"Orders without {stones['paid'].label()} at as_of ({moment:%Y-%m-%d %H:%M} UTC), out of all "
            "orders; duration: their median age (as_of minus the order's first event).",
            value=open_cases.height,
            duration=_median_duration(open_cases["age"]),
            unit="orders",
            covered=cases.height,
            missing=missing,
        )
    ]
    for name in MILESTONES[:-1]:
        at = open_cases.filter(pl.col("milestone") == name)
        rows.append(
            _row(
                f"open_orders_{name}",
                f"Open orders (not paid at as_of) whose furthest milestone is {stones[name].label()}, in the "
                "order ordered < delivered < invoiced, out of the open orders; duration: their median age "
                "(as_of minus the order's first event).",
                value=at.height,
                duration=_median_duration(at["age"]),
                unit="orders",
                covered=open_cases.height,
                missing=missing or _missing_milestones(stones, name),
            )
        )
    return rows


def _automated_names(log: pl.DataFrame, automated: str | Collection[str] | None) -> tuple[list[str], str]:
    names = log[RESOURCE].drop_nulls().unique().sort()
    if automated is None or isinstance(automated, str):
        pattern = AUTOMATED_PATTERN if automated is None else automated
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ArgumentError(
                f"The 'automated' argument of kpis must be a regular expression or resource names; "
                f"{pattern!r} is not a valid expression: {exc}."
            ) from exc
        chosen = names.filter(names.str.contains(pattern)).to_list()
        return chosen, f"resource names matching {pattern!r}"
    given = sorted(set(automated))
    return [n for n in given if n in set(names.to_list())], "resources named in 'automated'"


def _automation_rows(log: pl.DataFrame, automated: str | Collection[str] | None) -> list[dict[str, Any]]:
    if RESOURCE not in log.columns:
        missing: str | None = "the log has no 'resource' column"
        chosen: list[str] = []
        how = ""
    else:
        chosen, how = _automated_names(log, automated)
        missing = None
    shown = ", ".join(repr(n) for n in chosen[:10]) + (
        f" and {len(chosen) - 10} more" if len(chosen) > 10 else ""
    )
    who = f"{shown} ({how})" if chosen else f"none found ({how})"
    with_resource = log.filter(pl.col(RESOURCE).is_not_null()) if missing is None else log.clear()
    is_auto = pl.col(RESOURCE).is_in(chosen) if missing is None else pl.lit(False)
    events = with_resource.height
    share = with_resource.select(is_auto.mean()).item() if events else None
    orders = (
        per_case(log, touchless=(pl.col(RESOURCE).is_in(chosen).fill_null(False)).all())
        if missing is None
        else pl.DataFrame(
            {CASE_ID: [], "touchless": []}, schema={CASE_ID: pl.String, "touchless": pl.Boolean}
        )
    )
    return [
        _row(
            "automation_rate",
            f"Share of events done by automated resources: {who}, over {events:,} events with a resource.",
            value=share,
            unit="share",
            covered=with_resource[CASE_ID].n_unique(),
            missing=missing,
        ),
        _row(
            "touchless_order_rate",
            f"Share of orders whose every event is done by an automated resource ({who}); an event without "
            "a resource is not automated.",
            value=orders["touchless"].mean() if orders.height else None,  # type: ignore[arg-type]
            unit="share",
            covered=orders.height,
            missing=missing,
        ),
    ]


def _approval_rows(log: pl.DataFrame, cases: pl.DataFrame) -> list[dict[str, Any]]:
    names = _activities_matching(log, APPROVAL_PATTERN)
    missing = None if names else f"no activity name matches {APPROVAL_PATTERN!r}"
    listed = ", ".join(repr(n) for n in names) or "none"
    counts = per_case(log, approvals=pl.col(ACTIVITY).cast(pl.String).is_in(names).sum())
    with_approval = counts.filter(pl.col("approvals") > 0)
    waits = (
        lazy_transitions(log)
        .filter(pl.col("target").cast(pl.String).is_in(names))
        .group_by(CASE_ID)
        .agg(wait=pl.col("wait").sum())
        .collect()
    )
    # an order whose first event is an approval waited 0 for it
    waits = (
        with_approval.select(CASE_ID)
        .join(waits, on=CASE_ID, how="left")
        .with_columns(pl.col("wait").fill_null(pl.duration(microseconds=0)))
    )
    n = cases.height
    return [
        _row(
            "approval_rate",
            f"Share of orders with at least one approval ({listed}: activity names matching "
            f"{APPROVAL_PATTERN!r}), over all orders.",
            value=with_approval.height / n if n else None,
            unit="share",
            covered=n,
            missing=missing,
        ),
        _row(
            "approvals_per_order",
            f"Mean number of approval events ({listed}) per order, over all orders.",
            value=float(counts["approvals"].sum()) / n if n else None,
            unit="per order",
            covered=n,
            missing=missing,
        ),
        _row(
            "approval_wait",
            f"Median, over the orders with an approval ({listed}), of the time they spent waiting for "
            "approvals: the sum of the waiting times from the event before each approval to the approval.",
            duration=_median_duration(waits["wait"]),
            unit="duration",
            covered=waits.height,
            missing=missing,
        ),
    ]


def _rekey_rows(log: pl.DataFrame) -> list[dict[str, Any]]:
    table = rekeyed_data(log)
    total = table[table["activity"].isna()].iloc[0]
    named = table[table["activity"].notna()]["activity"].tolist()
    listed = ", ".join(repr(n) for n in named) or "none"
    n = case_count(log)
    return [
        _row(
            "rekeyed_data_per_order",
            f"Mean number of re-keying events per order (activities whose names say data was entered again, "
            f"o2c.rekeyed_data: {listed}), over all orders.",
            value=float(total["executions"]) / n if n else None,
            unit="per order",
            covered=n,
            missing=None if named else "no activity name says data was entered again (Change/Update/Correct)",
        )
    ]


def _credit_block_rows(log: pl.DataFrame) -> list[dict[str, Any]]:
    matching = _activities_matching(log, CREDIT_BLOCK_PATTERN)
    releases = [n for n in matching if re.search(RELEASE_PATTERN, n)]
    blocks = [n for n in matching if n not in releases]
    n = case_count(log)
    missing = None if blocks else f"no activity name matches {CREDIT_BLOCK_PATTERN!r}"
    shown = ", ".join(repr(b) for b in blocks) or "none"
    activity = pl.col(ACTIVITY).cast(pl.String)
    blocked = per_case(
        log,
        blocked=pl.col(TIMESTAMP).filter(activity.is_in(blocks)).min(),
        releases=pl.col(TIMESTAMP).filter(activity.is_in(releases)),
    ).filter(pl.col("blocked").is_not_null())
    released = (
        blocked.explode("releases")
        .filter(pl.col("releases") >= pl.col("blocked"))
        .group_by(CASE_ID)
        .agg(time=(pl.col("releases").min() - pl.col("blocked").first()))
    )
    shown_release = ", ".join(repr(r) for r in releases) or "none"
    missing_time = missing or (None if releases else f"no credit-block activity matches {RELEASE_PATTERN!r}")
    return [
        _row(
            "credit_block_rate",
            f"Share of orders with a credit block ({shown}), over all orders.",
            value=blocked.height / n if n else None,
            unit="share",
            covered=n,
            missing=missing,
        ),
        _row(
            "credit_block_time",
            f"Median time from an order's first credit block ({shown}) to the first release after it "
            f"({shown_release}), over the orders blocked and released; orders still blocked are left out.",
            duration=_median_duration(released["time"]),
            unit="duration",
            covered=released.height,
            missing=missing_time,
        ),
    ]


def _activities_matching(log: pl.DataFrame, pattern: str) -> list[str]:
    names = log.select(pl.col(ACTIVITY).cast(pl.String).unique())[ACTIVITY]
    return sorted(names.filter(names.str.contains(pattern)).to_list())
