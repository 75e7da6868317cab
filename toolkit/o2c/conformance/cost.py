"""The cost of divergence from the ideal path, in days and in money, and flow efficiency.

Every order that leaves the ideal path (a skipped credit check, an inserted price change, an
invoice before shipment) delays the cash. Here each deviation is priced: how many orders, their
median lead time against that of conforming orders, the extra time, the order value delayed and
the financing cost of the delay: ``value delayed x extra days x annual rate / 365``.

Examples
--------
>>> from o2c.conformance.alignments import align
>>> from o2c.simulate import example_log
>>> ideal = IdealPath(("Create Sales Order", "Check Credit", "Confirm Order", "Ship Goods",
...                    "Create Invoice", "Receive Payment"))
>>> cost = cost_of_divergence(example_log(), align(example_log(), ideal))
>>> cost[["deviation", "cases", "extra_time", "financing_cost"]].head(2)
               deviation  cases      extra_time  financing_cost
0          any deviation      1 8 days 08:00:00      100.456621
1  inserted Change Price      1 8 days 08:00:00      100.456621
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl

from o2c.conformance.alignments import align
from o2c.conformance.ideal_path import IdealPath, ProcessModel
from o2c.errors import ArgumentError, ColumnMappingError
from o2c.log import ACTIVITY, CASE_ID, VALUE, per_case, validate
from o2c.performance import lead_times

#: The kinds of deviation ``cost_of_divergence`` prices, in the order of its rows' ``kind``.
DEVIATION_KINDS = ("any", "skipped", "inserted", "invoice_before_shipment")

_COLUMNS = [
    "deviation",
    "kind",
    "activity",
    "cases",
    "share_of_cases",
    "lead_time_median",
    "conforming_lead_time_median",
    "extra_time",
    "value_delayed",
    "financing_cost",
]

_DAY = pd.Timedelta(days=1)


def cost_of_divergence(
    log: pl.DataFrame | pd.DataFrame,
    alignments: pd.DataFrame,
    *,
    ideal: IdealPath | None = None,
    value: str | float | None = None,
    annual_rate: float = 0.08,
    closed_only: bool = True,
) -> pd.DataFrame:
    """What each deviation from the ideal path costs: cases, extra time, value delayed, financing.

    Parameters
    ----------
    log : DataFrame
        The validated event log that was aligned.
    alignments : DataFrame
        The result of ``o2c.align`` on ``log``; unresolved cases are left out.
    ideal : IdealPath, optional
        The ideal path; by default the one ``align`` was given. When its ``milestones`` name
        both a ``delivered`` and an ``invoiced`` step, delivered first, a row prices the orders
        invoiced before shipment: invoiced, with no delivery event before the first invoice
        event (an order invoiced and never shipped counts).
    value : str or float, optional
        The order value: a column of the log (a case's value is its first non-empty value, as
        everywhere in o2c), or one value for every order. By default the log's ``value`` column
        when it has one, else no money figures.
    annual_rate : float
        The yearly cost of capital for the financing cost (0.08 = 8 %).
    closed_only : bool
        Compare closed orders only: those with the ideal path's ``paid`` milestone step (else
        its last step). An open order's lead time is not known yet, and its missing last steps
        would count as skipped. Ignored without an ideal path (a ``ProcessModel``).

    Returns
    -------
    DataFrame
        One row per deviation: ``deviation`` (a label), ``kind`` (``any``, ``skipped``,
        ``inserted``, ``invoice_before_shipment``), ``activity`` (the step skipped or inserted,
        else None), ``cases`` (orders with the deviation at least once), ``share_of_cases``
        (of the cases compared: resolved, and closed with ``closed_only``), ``lead_time_median``
        of those cases, ``conforming_lead_time_median``,
        ``extra_time`` (the difference of the two medians; negative when those orders are
        faster, NaT without conforming cases), ``value_delayed`` (sum of their order values) and
        ``financing_cost`` (``value_delayed x extra_time in days x annual_rate / 365``). The
        ``any deviation`` row (all non-conforming cases) comes first, then the costliest
        (financing cost, then cases, then label).

    Examples
    --------
    >>> from o2c.conformance.alignments import align
    >>> from o2c.simulate import example_log
    >>> ideal = IdealPath(("Create Sales Order", "Check Credit", "Confirm Order", "Ship Goods",
    ...                    "Create Invoice", "Receive Payment"))
    >>> alignments = align(example_log(), ideal)      # order 1 conforms; order 2 is not paid yet
    >>> cost = cost_of_divergence(example_log(), alignments, annual_rate=0.1)
    >>> cost[["deviation", "cases", "lead_time_median", "financing_cost"]]
                    deviation  cases lead_time_median  financing_cost
    0           any deviation      1 20 days 20:00:00      125.570776
    1   inserted Change Price      1 20 days 20:00:00      125.570776
    2  inserted Confirm Order      1 20 days 20:00:00      125.570776
    3    skipped Check Credit      1 20 days 20:00:00      125.570776
    >>> open_too = cost_of_divergence(example_log(), alignments, closed_only=False)
    >>> open_too[["deviation", "cases", "extra_time"]].tail(2)
                     deviation  cases         extra_time
    4    inserted Check Credit      1 -12 days +19:00:00
    5  skipped Receive Payment      1 -12 days +19:00:00
    """
    log = validate(log)
    if not annual_rate >= 0:
        raise ArgumentError(
            f"The 'annual_rate' argument of cost_of_divergence must be 0 or more; got {annual_rate!r}."
        )
    ideal = ideal if ideal is not None else alignments.attrs.get("ideal")
    cases = alignments.loc[alignments["resolved"].astype(bool), ["case_id", "is_fit", "lead_time",
                                                                 "skipped_steps", "inserted_steps"]]  # fmt: skip
    if closed_only and ideal is not None:
        cases = cases[_isin(cases["case_id"], _closed_cases(log, ideal))]
    cases = cases.merge(_case_values(log, value), on="case_id", how="left")
    conforming = cases.loc[cases["is_fit"], "lead_time"].median()
    members = pd.concat(
        [
            _members(cases.loc[~cases["is_fit"], ["case_id"]], "any", None),
            _moves(cases, "skipped_steps", "skipped"),
            _moves(cases, "inserted_steps", "inserted"),
            _invoice_before_shipment(log, ideal, cases["case_id"]),
        ],
        ignore_index=True,
    ).merge(cases[["case_id", "lead_time", "value"]], on="case_id")
    grouped = members.groupby(["kind", "activity"], dropna=False, sort=False)
    table = grouped.agg(
        cases=("case_id", "size"),
        lead_time_median=("lead_time", "median"),
        value_delayed=("value", lambda v: v.sum(min_count=1)),
    ).reset_index()
    table["deviation"] = [_label(k, a) for k, a in zip(table["kind"], table["activity"], strict=True)]
    table["share_of_cases"] = table["cases"] / len(cases) if len(cases) else np.nan
    table["conforming_lead_time_median"] = conforming
    table["extra_time"] = table["lead_time_median"] - conforming
    extra_days = table["extra_time"].dt.total_seconds() / _DAY.total_seconds()
    table["financing_cost"] = table["value_delayed"] * extra_days * annual_rate / 365
    table["_first"] = table["kind"] != "any"
    table = table.sort_values(
        ["_first", "financing_cost", "cases", "deviation"],
        ascending=[True, False, False, True],
        na_position="last",
    )
    table["activity"] = table["activity"].astype(object).where(table["activity"].notna(), None)
    return table[_COLUMNS].reset_index(drop=True)


def _label(kind: str, activity: str | None) -> str:
    return {"any": "any deviation", "invoice_before_shipment": "invoice before shipment"}.get(
        kind, f"{kind} {activity}"
    )


def _members(case_ids: pd.DataFrame, kind: str, activity: str | None) -> pd.DataFrame:
    return case_ids.assign(kind=kind, activity=activity)[["case_id", "kind", "activity"]]


def _moves(cases: pd.DataFrame, column: str, kind: str) -> pd.DataFrame:
    """Each case beside each step it skipped (or had inserted), once per case and step."""
    moves = cases[["case_id", column]].explode(column).dropna().drop_duplicates()
    return moves.rename(columns={column: "activity"}).assign(kind=kind)[["case_id", "kind", "activity"]]


def _closed_cases(log: pl.DataFrame, ideal: IdealPath) -> pl.Series:
    """Case ids of the closed orders: those with the paid milestone step, else the path's last step."""
    final = ideal.milestones.get("paid", ideal.steps[-1])
    return log.filter(pl.col(ACTIVITY) == final)[CASE_ID].unique()


def _isin(case_ids: pd.Series, among: pl.Series) -> np.ndarray:
    """``case_ids.isin(among)`` as a mask, computed by polars (pandas takes seconds on a million texts)."""
    return pl.from_pandas(case_ids).is_in(among.implode()).to_numpy()


def _case_values(log: pl.DataFrame, value: str | float | None) -> pd.DataFrame:
    """Each case's order value (its first non-empty value in the column), or NaN without one."""
    if value is None or isinstance(value, str):
        column = VALUE if value is None else value
        if column not in log.columns:
            if value is None:
                return per_case(log, value=pl.lit(None, dtype=pl.Float64)).to_pandas()
            raise ColumnMappingError(
                f"cost_of_divergence: the log has no column {value!r} for the order value; "
                f"columns are {list(log.columns)}.",
                column=value,
            )
        frame = per_case(log, value=pl.col(column).cast(pl.Float64).drop_nulls().first())
    else:
        frame = per_case(log, value=pl.lit(float(value), dtype=pl.Float64))
    return frame.to_pandas()


def _invoice_before_shipment(log: pl.DataFrame, ideal: IdealPath | None, case_ids: pd.Series) -> pd.DataFrame:
    """Cases invoiced with no delivery event before their first invoice event."""
    empty = pd.DataFrame({"case_id": pd.Series([], dtype=object), "kind": [], "activity": []})
    if ideal is None:
        return empty
    delivered, invoiced = ideal.milestones.get("delivered"), ideal.milestones.get("invoiced")
    if delivered is None or invoiced is None or ideal.steps.index(delivered) > ideal.steps.index(invoiced):
        return empty
    activity, position = pl.col(ACTIVITY), pl.int_range(pl.len())
    first = per_case(
        log,
        invoice=position.filter(activity == invoiced).min(),
        delivery=position.filter(activity == delivered).min(),
    )
    before = pl.col("delivery").is_null() | (pl.col("invoice") < pl.col("delivery"))
    early = first.filter(pl.col("invoice").is_not_null() & before).select(CASE_ID).to_pandas()
    early = early[_isin(early["case_id"], pl.from_pandas(case_ids))]
    return _members(early, "invoice_before_shipment", None)


def flow_efficiency(
    log: pl.DataFrame | pd.DataFrame,
    ideal: IdealPath | ProcessModel,
    *,
    alignments: pd.DataFrame | None = None,
    closed_only: bool = True,
) -> pd.DataFrame:
    """Theoretical lead time divided by the actual median lead time of the orders.

    The theoretical lead time is the sum of the ideal path's ``target_hours`` (each step of the
    path that has one; a step listed twice counts twice) when it has any, else the median lead
    time of the conforming cases (``align``'s ``is_fit``); ``theoretical_from`` says which.
    A case's lead time is from its first event's start to its last event.

    Parameters
    ----------
    log : DataFrame
        A validated event log.
    ideal : IdealPath or ProcessModel
        The ideal path.
    alignments : DataFrame, optional
        ``align(log, ideal)`` when already computed (only needed without target hours).
    closed_only : bool
        Measure the actual lead time over closed orders only (with the ideal path's ``paid``
        milestone step, else its last step), as ``cost_of_divergence`` does; ignored for a
        ``ProcessModel``.

    Returns
    -------
    DataFrame
        One row: ``theoretical_lead_time``, ``theoretical_from`` (``target_hours`` or
        ``conforming_cases``), ``actual_lead_time`` (median over the cases measured: all, or the
        closed ones), ``flow_efficiency`` (theoretical / actual, a fraction; NaN when either is
        missing or actual is 0), ``cases`` (the cases measured).

    Examples
    --------
    >>> from o2c.simulate import example_log
    >>> ideal = IdealPath(("Create Sales Order", "Check Credit", "Confirm Order", "Ship Goods",
    ...                    "Create Invoice", "Receive Payment"),
    ...                   target_hours={"Check Credit": 2, "Ship Goods": 24, "Receive Payment": 72})
    >>> result = flow_efficiency(example_log(), ideal)
    >>> result[["theoretical_lead_time", "theoretical_from", "actual_lead_time", "flow_efficiency"]]
      theoretical_lead_time theoretical_from actual_lead_time  flow_efficiency
    0       4 days 02:00:00     target_hours 16 days 16:00:00            0.245
    """
    log = validate(log)
    spans = lead_times(log)
    if closed_only and isinstance(ideal, IdealPath):
        spans = spans[_isin(spans[CASE_ID], _closed_cases(log, ideal))]
    measured = spans["lead_time"]
    actual = measured.median()
    if isinstance(ideal, IdealPath) and ideal.target_hours:
        hours = sum(float(ideal.target_hours.get(step, 0.0)) for step in ideal.steps)
        theoretical = pd.Timedelta(hours=hours)
        source = "target_hours"
    else:
        aligned = alignments if alignments is not None else align(log, ideal)
        theoretical = aligned.loc[aligned["is_fit"], "lead_time"].median()
        source = "conforming_cases"
    usable = bool(pd.notna(theoretical) and pd.notna(actual) and pd.Timedelta(actual) > pd.Timedelta(0))
    return pd.DataFrame(
        {
            "theoretical_lead_time": pd.Series([theoretical], dtype="timedelta64[us]"),
            "theoretical_from": [source],
            "actual_lead_time": pd.Series([actual], dtype="timedelta64[us]"),
            "flow_efficiency": [theoretical / actual if usable else np.nan],
            "cases": [len(measured)],
        }
    )
