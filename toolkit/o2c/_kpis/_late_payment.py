"""Which activities and attribute values go with paying late: days past due, or invoice to cash."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import polars as pl

from o2c._compat import keyword_only
from o2c._kpis._orders import DAYS_PAST_DUE, DUE_DATE, PAID_WITH_DUE, PAYMENT_TERMS, case_table, with_terms
from o2c._milestones import find_milestones
from o2c._stats import PooledSample
from o2c._tables import US_PER_DAY
from o2c.discovery import duration_from_microseconds
from o2c.errors import ArgumentError, check_choice, check_whole
from o2c.log import ACTIVITY, CASE_ID, TIMESTAMP, VALUE, case_values, run_boundary, validate
from o2c.model import IdealPath
from o2c.performance import _case_attributes

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


@keyword_only("ideal")
def late_payment_drivers(
    log: pl.DataFrame | pd.DataFrame,
    *,
    ideal: IdealPath | None = None,
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
    >>> from o2c import example_log
    >>> found = late_payment_drivers(example_log(), min_cases=1)  # no due dates: invoice-to-cash
    >>> found[["value", "cases_with", "median_with", "median_without", "value_days"]]
              value  cases_with      median_with   median_without  value_days
    0  Change Price           1 17 days 20:00:00 10 days 08:00:00    412500.0
    1  Check Credit           1 10 days 08:00:00 17 days 20:00:00    -90000.0
    >>> found["measure"].unique().tolist()
    ['invoice_to_cash']
    """
    return _late_payment_drivers(
        validate(log), ideal=ideal, attributes=attributes, min_cases=min_cases, measure=measure
    )


def _late_payment_drivers(
    log: pl.DataFrame,
    *,
    ideal: IdealPath | None = None,
    attributes: Sequence[str] | None = None,
    min_cases: int = 10,
    measure: str = "auto",
) -> pd.DataFrame:
    """``late_payment_drivers`` of a validated log."""
    check_whole(min_cases, argument="min_cases", function="late_payment_drivers")
    check_choice(measure, LATE_PAYMENT_MEASURES, argument="measure", function="late_payment_drivers")
    stones = find_milestones(log, ideal)
    if stones["paid"].activity is None:
        raise ArgumentError(
            "late_payment_drivers needs the 'paid' milestone, and no activity of the log looks like "
            "it; pass an IdealPath with milestones={'paid': ...}.",
            function="late_payment_drivers",
            argument="ideal",
            value=ideal,
            allowed="an IdealPath with a 'paid' milestone",
        )
    known = [name for name in _case_attributes(log) if name != DUE_DATE]
    chosen = known if attributes is None else list(attributes)
    for name in chosen:
        if name not in known:
            raise ArgumentError(
                f"The 'attributes' argument of late_payment_drivers must name case attributes "
                f"(one value per order, not {DUE_DATE!r}); {name!r} is not one. Case attributes: {known}.",
                function="late_payment_drivers",
                argument="attributes",
                value=name,
                allowed=known,
            )
    table = with_terms(case_table(log, stones), log)
    dated = table.filter(PAID_WITH_DUE).height
    if measure == "auto":
        measure = "days_past_due" if dated else "invoice_to_cash"
    if measure == "days_past_due" and not dated:
        raise ArgumentError(
            "late_payment_drivers cannot measure days past due: no paid order has a due date (the log "
            f"needs a {DUE_DATE!r} column, or {PAYMENT_TERMS!r} and the 'invoiced' milestone); use "
            "measure='invoice_to_cash' or measure='auto'.",
            function="late_payment_drivers",
            argument="measure",
            value=measure,
            allowed=("invoice_to_cash", "auto"),
        )
    if measure == "invoice_to_cash" and stones["invoiced"].activity is None:
        raise ArgumentError(
            "late_payment_drivers needs the 'invoiced' milestone to measure invoice-to-cash time, and no "
            "activity of the log looks like it; pass an IdealPath with milestones={'invoiced': ...}.",
            function="late_payment_drivers",
            argument="ideal",
            value=ideal,
            allowed="an IdealPath with an 'invoiced' milestone",
        )
    members, cases = _late_payment_candidates(log, table, measure, chosen)
    with_ = pl.col("_row").list.len().cast(pl.Int64)
    candidates = members.with_columns(cases_with=with_, cases_without=cases.height - with_).filter(
        (pl.col("cases_with") >= min_cases) & (pl.col("cases_without") >= min_cases)
    )
    compared = PooledSample(cases["_measure"].to_numpy()).compare_groups(candidates, rows="_row")
    late_total = int(cases["_late"].sum())
    late_with = pl.col("_late_with").cast(pl.Int64)
    dated_shares = measure == "days_past_due"
    result = (
        compared.with_columns(_difference=pl.col("_median") - pl.col("_others"))
        .with_columns(
            median_with=duration_from_microseconds(pl.col("_median")),
            median_without=duration_from_microseconds(pl.col("_others")),
            difference=duration_from_microseconds(pl.col("_difference")),
            value_affected=pl.col("_value_sum") if VALUE in log.columns else pl.lit(math.nan),
            late_share_with=late_with / pl.col("cases_with") if dated_shares else pl.lit(math.nan),
            late_share_without=(late_total - late_with) / pl.col("cases_without")
            if dated_shares
            else pl.lit(math.nan),
            after_due_share=pl.col("_after_due").fill_null(math.nan),
            measure=pl.lit(measure, pl.String),
        )
        .with_columns(
            value_days=pl.col("value_affected") * pl.col("_difference") / US_PER_DAY,
            _consequence=pl.col("after_due_share").fill_nan(None).fill_null(0) > CONSEQUENCE_SHARE,
        )
        .sort(
            ["_consequence", "value_days", "_difference", "attribute", "value"],
            descending=[False, True, True, False, False],
            nulls_last=True,
        )
    )
    return result.select(LATE_PAYMENT_COLUMNS).to_pandas()


def _late_payment_candidates(
    log: pl.DataFrame, table: pl.DataFrame, measure: str, chosen: Sequence[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The measured orders (``_measure`` in microseconds: days past due or invoice to cash;
    ``_late``: paid after the due date; ``value``), and per candidate (``attribute``, ``value``)
    the row numbers of the orders with it (``_row``), their summed value (``_value_sum``), how
    many of them were paid late (``_late_with``) and ``_after_due``.

    ``table`` is the per-order table (``case_table`` with due dates); orders are numbered in log
    order (the runs of the sorted log), so events find their order's row by position, without
    joining on case ids.
    """
    table = table.with_row_index("_case")  # one row per case, in log order
    if measure == "days_past_due":
        cases = table.filter(PAID_WITH_DUE).with_columns(
            _measure=DAYS_PAST_DUE * US_PER_DAY, _late=DAYS_PAST_DUE > 0
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
    rows, values, lates, dues = pl.Series(row_of_case), cases["value"], cases["_late"], cases["due"]

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
            .with_columns(
                _value=pl.lit(values).gather(pl.col("_row")),
                _late=pl.lit(lates).gather(pl.col("_row")),
                _after=after,
            )
            .group_by("value")
            .agg(
                pl.col("_row"),
                pl.col("_value").sum().alias("_value_sum"),
                pl.col("_late").sum().alias("_late_with"),
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
