"""cost_of_divergence and flow_efficiency, counted by hand on a five-order log (and, for
processing times, a two-order log with start times).

The log (lead time = last event - first event, in days; order value):

    o1  Order, Check, Ship, Invoice, Pay           10 d   1000   conforming
    o2  Order, Check, Ship, Invoice, Pay           14 d   2000   conforming
    o3  Order, Ship, Invoice, Pay                  20 d   3000   skips Check
    o4  Order, Check, Invoice, Ship, Pay           16 d   4000   invoice before shipment
    o5  Order, Check, Check, Ship, Invoice, Pay    30 d   5000   Check inserted

Conforming median lead time: 12 d. o4's swap has two optimal alignments; ours skips Ship and
inserts it after the invoice (synchronous moves first, then model moves).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import polars as pl
import pytest

from o2c.conformance import IdealPath, align, cost_of_divergence, flow_efficiency, lead_time_split
from o2c.errors import ArgumentError, ColumnMappingError

IDEAL = IdealPath(
    ("Order", "Check", "Ship", "Invoice", "Pay"),
    milestones={"ordered": "Order", "delivered": "Ship", "invoiced": "Invoice", "paid": "Pay"},
)
TRACES = {
    "o1": (["Order", "Check", "Ship", "Invoice", "Pay"], 10, 1000.0),
    "o2": (["Order", "Check", "Ship", "Invoice", "Pay"], 14, 2000.0),
    "o3": (["Order", "Ship", "Invoice", "Pay"], 20, 3000.0),
    "o4": (["Order", "Check", "Invoice", "Ship", "Pay"], 16, 4000.0),
    "o5": (["Order", "Check", "Check", "Ship", "Invoice", "Pay"], 30, 5000.0),
}
DAY = pd.Timedelta(days=1)


def _log() -> pl.DataFrame:
    rows = []
    for case, (trace, days, value) in TRACES.items():
        start = datetime(2024, 3, 1)
        for i, activity in enumerate(trace):
            # first event at day 0, the last at the lead time, the others one hour apart
            at = start + (timedelta(days=days) if i == len(trace) - 1 else timedelta(hours=i))
            rows.append((case, activity, at, value, value * 2))
    return pl.DataFrame(rows, schema=["case_id", "activity", "timestamp", "value", "gross"], orient="row")


def _financing(value: float, days: float, rate: float = 0.08) -> float:
    return value * days * rate / 365


@pytest.fixture(scope="module")
def log() -> pl.DataFrame:
    return _log()


@pytest.fixture(scope="module")
def alignments(log: pl.DataFrame) -> pd.DataFrame:
    return align(log, IDEAL)


def test_hand_counted_rows(log: pl.DataFrame, alignments: pd.DataFrame) -> None:
    cost = cost_of_divergence(log, alignments)
    assert cost["deviation"].tolist() == [
        "any deviation",
        "inserted Check",
        "skipped Check",
        "inserted Ship",
        "invoice before shipment",
        "skipped Ship",
    ]
    rows = cost.set_index("deviation")
    expected = {  # cases, median lead time (days), value delayed
        "any deviation": (3, 20, 12000.0),
        "inserted Check": (1, 30, 5000.0),
        "skipped Check": (1, 20, 3000.0),
        "inserted Ship": (1, 16, 4000.0),
        "invoice before shipment": (1, 16, 4000.0),
        "skipped Ship": (1, 16, 4000.0),
    }
    for deviation, (cases, days, value) in expected.items():
        row = rows.loc[deviation]
        assert row["cases"] == cases
        assert row["share_of_cases"] == cases / 5
        assert row["lead_time_median"] == days * DAY
        assert row["conforming_lead_time_median"] == 12 * DAY
        assert row["extra_time"] == (days - 12) * DAY
        assert row["value_delayed"] == value
        assert row["financing_cost"] == pytest.approx(_financing(value, days - 12), rel=1e-12)
    assert rows.loc["any deviation", "financing_cost"] == pytest.approx(21.0410958904, rel=1e-9)
    assert cost["kind"].tolist() == [
        "any",
        "inserted",
        "skipped",
        "inserted",
        "invoice_before_shipment",
        "skipped",
    ]
    assert cost["activity"].tolist() == [None, "Check", "Check", "Ship", None, "Ship"]


def test_columns_and_dtypes(log: pl.DataFrame, alignments: pd.DataFrame) -> None:
    cost = cost_of_divergence(log, alignments)
    assert list(cost.columns) == [
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
    for column in ("lead_time_median", "conforming_lead_time_median", "extra_time"):
        assert pd.api.types.is_timedelta64_dtype(cost[column])


def test_value_options(log: pl.DataFrame, alignments: pd.DataFrame) -> None:
    gross = cost_of_divergence(log, alignments, value="gross", annual_rate=0.1).set_index("deviation")
    assert gross.loc["skipped Check", "value_delayed"] == 6000.0
    assert gross.loc["skipped Check", "financing_cost"] == pytest.approx(_financing(6000, 8, 0.1))
    fixed = cost_of_divergence(log, alignments, value=100.0).set_index("deviation")
    assert fixed.loc["any deviation", "value_delayed"] == 300.0
    plain = cost_of_divergence(log.drop("value", "gross"), alignments)
    assert plain["value_delayed"].isna().all() and plain["financing_cost"].isna().all()
    assert plain["cases"].tolist()[0] == 3  # the days are still there
    with pytest.raises(ColumnMappingError) as info:
        cost_of_divergence(log, alignments, value="net_value")
    assert info.value.column == "net_value"
    with pytest.raises(ArgumentError, match="annual_rate"):
        cost_of_divergence(log, alignments, annual_rate=-0.1)


def test_invoice_before_shipment_needs_both_milestones_in_order(log: pl.DataFrame) -> None:
    no_milestones = IdealPath(IDEAL.steps)
    cost = cost_of_divergence(log, align(log, no_milestones))
    assert "invoice before shipment" not in cost["deviation"].tolist()
    # the ideal path given here wins over the one align stored
    cost = cost_of_divergence(log, align(log, no_milestones), ideal=IDEAL)
    assert cost.set_index("deviation").loc["invoice before shipment", "cases"] == 1
    prepaid = IdealPath(
        ("Order", "Check", "Invoice", "Ship", "Pay"), milestones={"delivered": "Ship", "invoiced": "Invoice"}
    )
    assert "invoice before shipment" not in cost_of_divergence(log, align(log, prepaid))["deviation"].tolist()


def test_invoiced_and_never_shipped_is_invoice_before_shipment(log: pl.DataFrame) -> None:
    extra = pl.DataFrame(
        {
            "case_id": ["o6"] * 3 + ["o7"] * 2,
            "activity": ["Order", "Check", "Invoice", "Order", "Check"],
            "timestamp": [datetime(2024, 3, 1, h) for h in (1, 2, 3, 1, 2)],
            "value": [600.0] * 3 + [700.0] * 2,
            "gross": [1200.0] * 3 + [1400.0] * 2,
        }
    )
    both = pl.concat([log, extra])
    cost = cost_of_divergence(both, align(both, IDEAL), closed_only=False).set_index("deviation")
    # o4 (invoice, then ship) and o6 (invoiced, never shipped); o7 is not invoiced at all
    assert cost.loc["invoice before shipment", "cases"] == 2
    assert cost.loc["invoice before shipment", "value_delayed"] == 4600.0
    # o6 and o7 are open (not paid): by default they are left out of every row
    closed = cost_of_divergence(both, align(both, IDEAL)).set_index("deviation")
    assert closed.loc["invoice before shipment", "cases"] == 1
    assert closed.loc["any deviation", "cases"] == 3
    assert closed.loc["any deviation", "share_of_cases"] == 3 / 5
    assert "skipped Ship" in closed.index and closed.loc["skipped Ship", "cases"] == 1  # o4 only
    assert cost.loc["skipped Ship", "cases"] == 3  # o4, o6 and o7
    assert cost.loc["any deviation", "share_of_cases"] == 5 / 7


def test_no_conforming_case_gives_no_extra_time(log: pl.DataFrame) -> None:
    strict = IdealPath(("Order", "Approve", "Check", "Ship", "Invoice", "Pay"))
    cost = cost_of_divergence(log, align(log, strict))
    assert cost.loc[0, "cases"] == 5
    assert cost["extra_time"].isna().all()
    assert cost["financing_cost"].isna().all()


def test_unresolved_cases_are_left_out(log: pl.DataFrame, alignments: pd.DataFrame) -> None:
    partly = alignments.copy()
    unresolved = partly["case_id"] == "o5"
    partly.loc[unresolved, "resolved"] = False
    partly.loc[unresolved, "fitness"] = np.nan
    partly.loc[unresolved, "is_fit"] = False
    partly.loc[unresolved, ["skipped_steps", "inserted_steps"]] = None
    cost = cost_of_divergence(log, partly).set_index("deviation")
    assert cost.loc["any deviation", "cases"] == 2
    assert cost.loc["any deviation", "share_of_cases"] == 2 / 4
    assert "inserted Check" not in cost.index


COLUMNS = ["theoretical_lead_time", "theoretical_from", "actual_lead_time", "flow_efficiency", "cases",
           "flow_efficiency_median", "reason"]  # fmt: skip
HOUR = pd.Timedelta(hours=1)


def test_without_target_hours_or_start_times_flow_efficiency_is_not_computed(log: pl.DataFrame) -> None:
    """The conforming orders' lead time is no value-adding time (it gave 395% on a real log)."""
    result = flow_efficiency(log, IDEAL)
    assert list(result.columns) == COLUMNS and len(result) == 1
    row = result.iloc[0]
    assert row["theoretical_from"] == "not_computed" and np.isnan(row["flow_efficiency"])
    assert row["reason"] == "no target hours in the ideal path and no start times in the log"
    assert pd.isna(row["theoretical_lead_time"])
    assert (row["actual_lead_time"], row["cases"]) == (16 * DAY, 5)  # median of 10, 14, 20, 16, 30


def test_flow_efficiency_from_target_hours(log: pl.DataFrame) -> None:
    """Per order, the hours of the distinct steps it did: 54 h (Check, Ship, Invoice), o3 50 h
    (no Check), o5 54 h (Check twice counts once); lead times 240, 336, 480, 384, 720 h."""
    timed = IdealPath(
        ("Order", "Check", "Ship", "Check", "Invoice", "Pay"),
        target_hours={"Check": 4, "Ship": 48, "Invoice": 2},
    )
    row = flow_efficiency(log, timed).iloc[0]
    assert row["theoretical_from"] == "target_hours" and row["reason"] == ""
    assert row["theoretical_lead_time"] == 54 * HOUR
    assert row["flow_efficiency"] == pytest.approx((4 * 54 + 50) / 2160)
    assert row["flow_efficiency_median"] == pytest.approx(54 / 384)


def test_an_order_faster_than_its_target_hours_counts_as_100_percent(log: pl.DataFrame) -> None:
    slow_targets = IdealPath(IDEAL.steps, target_hours={"Ship": 24 * 40}, milestones=IDEAL.milestones)
    row = flow_efficiency(log, slow_targets).iloc[0]
    assert row["flow_efficiency"] == 1.0 and row["flow_efficiency_median"] == 1.0
    assert row["theoretical_lead_time"] == row["actual_lead_time"]


def _timed_log(lifecycle: bool) -> pl.DataFrame:
    """Order A: a 0-2 h, b 1-3 h (overlapping: 3 h in progress), c 9-10 h: 4 h of a 10 h lead time.
    Order B: a 0-1 h, c 5-6 h: 2 h of 6 h. As start_timestamp or as lifecycle start/complete pairs."""
    base = datetime(2025, 1, 6)
    spans = {"A": [("a", 0, 2), ("b", 1, 3), ("c", 9, 10)], "B": [("a", 0, 1), ("c", 5, 6)]}
    rows = []
    for case, steps in spans.items():
        for activity, start, end in steps:
            if lifecycle:
                rows += [(case, activity, base + timedelta(hours=start), "start"),
                         (case, activity, base + timedelta(hours=end), "complete")]  # fmt: skip
            else:
                rows.append((case, activity, base + timedelta(hours=end), base + timedelta(hours=start)))
    fourth = "lifecycle" if lifecycle else "start_timestamp"
    return pl.DataFrame(rows, schema=["case_id", "activity", "timestamp", fourth], orient="row")


@pytest.mark.parametrize("lifecycle", [False, True])
def test_flow_efficiency_from_processing_times(lifecycle: bool) -> None:
    row = flow_efficiency(_timed_log(lifecycle), IdealPath(("a", "b", "c"))).iloc[0]
    assert row["theoretical_from"] == "processing_times"
    assert row["flow_efficiency"] == pytest.approx(6 / 16)  # (4 + 2) h of (10 + 6) h
    assert row["flow_efficiency_median"] == pytest.approx((4 / 10 + 2 / 6) / 2)
    assert row["theoretical_lead_time"] == 3 * HOUR and row["actual_lead_time"] == 8 * HOUR


def test_both_sources_give_a_row_each_target_hours_first() -> None:
    ideal = IdealPath(("a", "b", "c"), target_hours={"a": 1, "c": 1})
    result = flow_efficiency(_timed_log(False), ideal)
    assert result["theoretical_from"].tolist() == ["target_hours", "processing_times"]
    assert result["flow_efficiency"].iloc[0] == pytest.approx(4 / 16)  # A: a, c = 2 h; B: a, c = 2 h
    assert ((result["flow_efficiency"] > 0) & (result["flow_efficiency"] <= 1)).all()


def test_flow_efficiency_of_closed_orders(log: pl.DataFrame) -> None:
    unpaid = pl.DataFrame(
        {
            "case_id": ["o6", "o6"],
            "activity": ["Order", "Check"],
            "timestamp": [datetime(2024, 3, 1), datetime(2024, 3, 2)],
            "value": [1.0, 1.0],
            "gross": [2.0, 2.0],
        }
    )
    both = pl.concat([log, unpaid])
    closed = flow_efficiency(both, IDEAL).iloc[0]
    assert (closed["cases"], closed["actual_lead_time"]) == (5, 16 * DAY)
    everything = flow_efficiency(both, IDEAL, closed_only=False).iloc[0]
    assert (everything["cases"], everything["actual_lead_time"]) == (
        6,
        15 * DAY,
    )  # median of 1,10,14,16,20,30


def test_a_varying_value_counts_as_the_first_non_empty_one_as_in_rework() -> None:
    """An order whose value changes (a price change) is priced the same in every analysis."""
    from o2c import rework

    log = pd.DataFrame(
        {
            "case_id": ["1"] * 3,
            "activity": ["Order", "Ship", "Ship"],
            "timestamp": pd.to_datetime(["2025-01-06 09:00", "2025-01-06 10:00", "2025-01-06 11:00"]),
            "value": [None, 5.0, 7.0],
        }
    )
    aligned = align(log, IdealPath(("Order", "Ship")), progress=False)
    cost = cost_of_divergence(log, aligned, closed_only=False)
    assert cost["value_delayed"].tolist() == [5.0, 5.0]
    assert rework(log)["value_affected"].tolist() == [5.0, 5.0]


@pytest.mark.parametrize("lifecycle", [False, True])
def test_lead_time_split_by_hand(lifecycle: bool) -> None:
    # A: 4 h in progress, 6 h waiting of 10 h; B: 2 h in progress, 4 h waiting of 6 h (see _timed_log)
    row = lead_time_split(_timed_log(lifecycle), IdealPath(("a", "b", "c"))).iloc[0]
    assert (row["cases"], row["closing_step"], row["instances"], row["instances_without_start"]) == (
        2,
        "c",
        5,
        0,
    )
    assert row["processing_time_median"] == 3 * HOUR and row["waiting_time_median"] == 5 * HOUR
    assert row["lead_time_median"] == 8 * HOUR
    assert (row["processing_time_total"], row["waiting_time_total"], row["lead_time_total"]) == (
        6 * HOUR,
        10 * HOUR,
        16 * HOUR,
    )
    assert (row["processing_share"], row["waiting_share"]) == (pytest.approx(6 / 16), pytest.approx(10 / 16))
    # the same orders and the same processing time as flow efficiency from processing times
    flow = flow_efficiency(_timed_log(lifecycle), IdealPath(("a", "b", "c"))).iloc[0]
    assert row["processing_share"] == pytest.approx(flow["flow_efficiency"])
    assert row["cases"] == flow["cases"]


def test_lead_time_split_counts_closed_orders_only() -> None:
    # order B never reaches c when c is left out of it: only A is closed
    log = _timed_log(False).filter(~((pl.col("case_id") == "B") & (pl.col("activity") == "c")))
    closed = lead_time_split(log, IdealPath(("a", "b", "c"))).iloc[0]
    assert (closed["cases"], closed["processing_time_total"], closed["waiting_time_total"]) == (
        1,
        4 * HOUR,
        6 * HOUR,
    )
    everything = lead_time_split(log, IdealPath(("a", "b", "c")), closed_only=False).iloc[0]
    assert everything["cases"] == 2 and pd.isna(everything["closing_step"])
    assert everything["processing_time_total"] == 5 * HOUR  # B: a 0-1 h, a lead time of 1 h, no wait


def test_without_start_times_the_lead_time_split_has_no_rows(log: pl.DataFrame) -> None:
    split = lead_time_split(log, IDEAL)
    assert split.empty and "processing_share" in split.columns
