"""The order-to-cash KPI table: each KPI with the sentence that defines it and the orders it covers.

The KPIs hang on four **milestones** an order passes on its way to cash: ``ordered``,
``delivered``, ``invoiced`` and ``paid``. They come from the ideal path's ``milestones``; a
milestone the ideal path does not name (or every milestone, without an ideal path) is guessed
from the activity names, and the guess is written into the ``definition`` of every KPI that uses
it. A milestone is reached at the *first* event of its activity in the order.

Every KPI is computed only over the orders where all of its events exist and says how many
orders that is (``orders_covered``). Events after ``as_of`` are ignored; ``as_of`` defaults to
the last timestamp of the log, never to the clock, so a rerun gives the same numbers.

>>> from o2c import example_log
>>> table = kpis(example_log())
>>> row = table.set_index("kpi").loc["invoice_to_cash"]
>>> print(row["duration"], row["orders_covered"])
14 days 02:00:00 2
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from datetime import datetime
from typing import Any

import pandas as pd
import polars as pl

from o2c import _engines
from o2c._approvals import approval_steps
from o2c._compat import keyword_only
from o2c._kpis._orders import (
    DAYS_PAST_DUE,
    DUE_DATE,
    PAID_WITH_DUE,
    PAYMENT_TERMS,
    as_of_moment,
    case_table,
    engine_orders,
    events_until,
    furthest_milestone,
    with_terms,
)
from o2c._milestones import Milestone, find_milestones
from o2c._rework import _rekeyed_data, rekeyed_data
from o2c.discovery import lazy_transitions
from o2c.errors import ArgumentError
from o2c.log import ACTIVITY, CASE_ID, RESOURCE, TIMESTAMP, UTC, VALUE, case_count, per_case, validate
from o2c.model import MILESTONES, IdealPath

#: Resources whose names match this (case-insensitive) pattern count as automated: one of the
#: words, not inside a longer word ("BATCH_BILLING", "RFC-USER" are automated; "Meredith" is not).
AUTOMATED_PATTERN = r"(?i)(^|[^a-z])(batch|system|rfc|auto|bot|edi)([^a-z]|$)"

#: Activity-name patterns (case-insensitive) of approvals (the maps keep these steps; the approval
#: KPIs take o2c.approvals' rule), credit blocks and their release.
APPROVAL_PATTERN = r"(?i)approv"
CREDIT_BLOCK_PATTERN = r"(?i)credit.*block|block.*credit"
RELEASE_PATTERN = r"(?i)release|unblock|lift|remove"

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


@keyword_only("ideal")
def kpis(
    log: pl.DataFrame | pd.DataFrame,
    *,
    ideal: IdealPath | None = None,
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
    >>> from o2c import example_log
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
    return _kpis(validate(log), ideal=ideal, automated=automated, as_of=as_of)


def _kpis(
    log: pl.DataFrame,
    *,
    ideal: IdealPath | None = None,
    automated: str | Collection[str] | None = None,
    as_of: datetime | str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """``kpis`` of a validated log."""
    log = events_until(log, as_of, function="kpis")
    moment = as_of_moment(log, as_of, function="kpis")
    stones = find_milestones(log, ideal)
    cases = case_table(log, stones)
    rows: list[dict[str, Any]] = []
    rows += _lead_time_rows(cases, stones)
    rows += _payment_rows(log, cases, stones, moment)
    rows += _open_rows(log, cases, stones, moment)
    rows += _automation_rows(log, automated)
    rows += _approval_rows(log, cases, ideal)
    rows += _rekey_rows(_rekeyed_data(log), case_count(log))
    rows += _credit_block_rows(log)
    return _table(rows)


#: The KPIs ``engine_kpis`` leaves out, and why.
NOT_ON_ENGINE = {
    **dict.fromkeys(
        ("on_time_payment_rate", "days_past_due", "overdue_orders"),
        "the engine's view carries no due date or payment terms",
    ),
    **dict.fromkeys(("automation_rate", "touchless_order_rate"), "the engine's view carries no resource"),
    **dict.fromkeys(
        ("approval_rate", "approvals_per_order", "approval_wait", "credit_block_rate", "credit_block_time"),
        "counted in memory only, for now",
    ),
}


def engine_kpis(
    log: Any,
    *,
    ideal: IdealPath | None = None,
    orders: tuple[dict[str, Milestone], pl.DataFrame] | None = None,
) -> pd.DataFrame:
    """``kpis`` of a scanned log or a Spark DataFrame at its last event: the KPIs of each order's
    milestone times and value (from the engine's one row per order, ``o2c._kpis._orders.engine_orders``,
    made once when ``orders`` are given) and re-keying; the KPIs of ``NOT_ON_ENGINE`` have NaN,
    cover 0 orders, and say why."""
    stones, cases = orders or engine_orders(log, ideal)
    moment = cases["last_event"].max()
    assert isinstance(moment, datetime)
    # the columns the engine's view carries, without rows: what the row builders ask the log for
    view: dict[str, pl.DataType] = {CASE_ID: pl.String(), ACTIVITY: pl.String(), TIMESTAMP: UTC}
    if _engines.has_value(log):
        view[VALUE] = pl.Float64()
    shape = validate(pl.DataFrame(schema=view))
    rows = [
        *_lead_time_rows(cases, stones),
        *_payment_rows(shape, cases, stones, moment),
        *_open_rows(shape, cases, stones, moment),
        *_automation_rows(shape, None),
        *_approval_rows(shape, cases, ideal),
        *_rekey_rows(rekeyed_data(log), cases.height),
        *_credit_block_rows(shape),
    ]
    money = _engines.currency(log)
    rows = [_not_on_engine(row) if row["kpi"] in NOT_ON_ENGINE else row for row in rows]
    return _table([{**row, "unit": money} if money and row["unit"] == "value" else row for row in rows])


def _not_on_engine(row: dict[str, Any]) -> dict[str, Any]:
    """A KPI row an engine does not compute: NaN, 0 orders, and the reason in its definition."""
    definition = str(row["definition"]).split(" Not computed: ")[0]
    reason = f"on the engine, {NOT_ON_ENGINE[row['kpi']]}"
    return _row(row["kpi"], definition, unit=row["unit"], covered=0, missing=reason)


def _table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The KPI frame of its rows, typed."""
    table = pd.DataFrame(rows, columns=_COLUMNS)
    table["value"] = table["value"].astype("float64")
    durations = pd.Series([row["duration"] for row in rows], dtype=object)
    table["duration"] = pd.to_timedelta(durations).astype("timedelta64[us]")
    table["orders_covered"] = table["orders_covered"].astype("int64")
    return table


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
    cases = with_terms(cases, log)
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
    paid = cases.filter(PAID_WITH_DUE).with_columns(days=DAYS_PAST_DUE)
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
        milestone=furthest_milestone(stones), age=pl.lit(moment, UTC) - pl.col("first_event")
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
                f"{pattern!r} is not a valid expression: {exc}.",
                function="kpis",
                argument="automated",
                value=pattern,
                allowed="a regular expression or resource names",
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


def _approval_rows(log: pl.DataFrame, cases: pl.DataFrame, ideal: IdealPath | None) -> list[dict[str, Any]]:
    """The approval KPIs, of the approval steps ``o2c.approvals`` finds (its rule, the same steps)."""
    found, rule = approval_steps(log, ideal=ideal)
    names = list(found)
    missing = None if names else rule
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
            f"Share of orders with at least one approval ({listed}; o2c.approvals' rule: {rule}), over all "
            "orders.",
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


def _rekey_rows(table: pd.DataFrame, n: int) -> list[dict[str, Any]]:
    """The re-keying KPI of ``o2c.rekeyed_data``'s ``table`` of a log of ``n`` orders."""
    total = table[table["activity"].isna()].iloc[0]
    named = table[table["activity"].notna()]["activity"].tolist()
    listed = ", ".join(repr(n) for n in named) or "none"
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
