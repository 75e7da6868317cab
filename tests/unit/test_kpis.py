"""KPIs, stuck orders and late-payment drivers: counted by hand on a five-order log, and against truth.json.

The hand-made log (times on 2025-01-DD at HH:00 UTC; ``*`` marks an automated resource):

    A  1000 due 01-20  Create Sales Order 01 10h anna, Manager Approval 01 14h greta,
                       Ship Goods 03 10h *BATCH_WMS, Create Invoice 04 10h *BATCH_BILLING,
                       Receive Payment 18 10h *BATCH_BANK                        (paid 2 days early)
    B  3000 due 01-25  Create Sales Order 02 09h *SYSTEM, Credit Block 02 09:30 *SYSTEM,
                       Release Credit Block 03 09:30 ben, Change Price 03 12h anna,
                       Ship Goods 05 09h *BATCH_WMS, Create Invoice 06 09h *BATCH_BILLING,
                       Customer Complaint 10 09h tom, Receive Payment 30 09h *BATCH_BANK (5 days late)
    C   500 due 02-01  Create Sales Order 05 08h *BATCH_EDI, Ship Goods 06 08h *BATCH_WMS,
                       Create Invoice 06 20h *BATCH_BILLING                       (open, invoiced)
    D  2000            Create Sales Order 07 10h anna, Credit Block 07 11h *SYSTEM (open, blocked)
    E  4000            Create Sales Order 08 10h anna, Manager Approval 09 10h greta,
                       Director Approval 10 10h victoria, Ship Goods 12 10h *BATCH_WMS (open, shipped)

The last event is B's payment, 2025-01-30 09:00: the default ``as_of``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest

from o2c import read_ideal_path, read_log
from o2c._kpis import KPIS, kpis, late_payment_drivers, milestones, stuck_orders
from o2c.errors import ArgumentError
from o2c.model import IdealPath
from tests.conftest import sample_log

D = pd.Timedelta(days=1)
H = pd.Timedelta(hours=1)

_EVENTS = [
    ("A", "Create Sales Order", "01 10:00", "anna"),
    ("A", "Manager Approval", "01 14:00", "greta"),
    ("A", "Ship Goods", "03 10:00", "BATCH_WMS"),
    ("A", "Create Invoice", "04 10:00", "BATCH_BILLING"),
    ("A", "Receive Payment", "18 10:00", "BATCH_BANK"),
    ("B", "Create Sales Order", "02 09:00", "SYSTEM"),
    ("B", "Credit Block", "02 09:30", "SYSTEM"),
    ("B", "Release Credit Block", "03 09:30", "ben"),
    ("B", "Change Price", "03 12:00", "anna"),
    ("B", "Ship Goods", "05 09:00", "BATCH_WMS"),
    ("B", "Create Invoice", "06 09:00", "BATCH_BILLING"),
    ("B", "Customer Complaint", "10 09:00", "tom"),
    ("B", "Receive Payment", "30 09:00", "BATCH_BANK"),
    ("C", "Create Sales Order", "05 08:00", "BATCH_EDI"),
    ("C", "Ship Goods", "06 08:00", "BATCH_WMS"),
    ("C", "Create Invoice", "06 20:00", "BATCH_BILLING"),
    ("D", "Create Sales Order", "07 10:00", "anna"),
    ("D", "Credit Block", "07 11:00", "SYSTEM"),
    ("E", "Create Sales Order", "08 10:00", "anna"),
    ("E", "Manager Approval", "09 10:00", "greta"),
    ("E", "Director Approval", "10 10:00", "victoria"),
    ("E", "Ship Goods", "12 10:00", "BATCH_WMS"),
]
_CASES = {
    "A": (1000.0, "2025-01-20", "EMEA"),
    "B": (3000.0, "2025-01-25", "AMER"),
    "C": (500.0, "2025-02-01", "EMEA"),
    "D": (2000.0, None, "AMER"),
    "E": (4000.0, None, "EMEA"),
}


def tiny_log() -> pl.DataFrame:
    rows = []
    for case, activity, when, resource in _EVENTS:
        value, due, region = _CASES[case]
        stamp = datetime.strptime(f"2025-01-{when}", "%Y-%m-%d %H:%M")
        rows.append((case, activity, stamp, resource, value, due, region))
    frame = pl.DataFrame(
        rows,
        schema=["case_id", "activity", "timestamp", "resource", "value", "due_date", "region"],
        orient="row",
    )
    return frame.with_columns(pl.col("due_date").str.to_date())


def _kpi(table: pd.DataFrame, kpi: str) -> dict[str, Any]:
    rows = table[table["kpi"] == kpi]
    assert len(rows) == 1, kpi
    return rows.iloc[0].to_dict()


@pytest.fixture(scope="module")
def tiny() -> pd.DataFrame:
    return kpis(tiny_log())


# --- kpis on the hand-made log ----------------------------------------------------------------


def test_columns_rows_and_dtypes(tiny: pd.DataFrame) -> None:
    assert list(tiny.columns) == ["kpi", "value", "duration", "unit", "orders_covered", "definition"]
    assert tuple(tiny["kpi"]) == KPIS
    assert tiny["value"].dtype == "float64"
    assert pd.api.types.is_timedelta64_dtype(tiny["duration"])
    assert tiny["orders_covered"].dtype == "int64"
    assert tiny["definition"].str.len().min() > 40
    # a row holds a number or a duration, never a duration KPI without a duration column
    durations = tiny[tiny["unit"] == "duration"]
    assert durations["value"].isna().all() and durations["duration"].notna().all()


@pytest.mark.parametrize(
    ("kpi", "duration", "covered"),
    [
        ("order_to_cash", 22 * D + 12 * H, 2),  # A 17 days, B 28 days
        ("order_to_delivery", 2 * D + 12 * H, 4),  # C 1, A 2, B 3, E 4 days
        ("delivery_to_invoice", 1 * D, 3),  # C 12 hours, A 1 day, B 1 day
        ("invoice_to_cash", 19 * D, 2),  # A 14, B 24 days
        ("invoice_to_cash_value_weighted", 21 * D + 12 * H, 2),  # (1000 x 14 + 3000 x 24) / 4000
        ("days_past_due", 1 * D + 12 * H, 2),  # A -2, B +5 days
        # o2c.approvals' steps: Manager and Director Approval, and the SAP-style Release Credit Block
        ("approval_wait", 1 * D, 3),  # A 4 hours, B 1 day (blocked 09:30, released 09:30), E 1 + 1 days
        ("credit_block_time", 1 * D, 1),  # B blocked 09:30 to 09:30 next day; D never released
    ],
)
def test_durations_by_hand(tiny: pd.DataFrame, kpi: str, duration: pd.Timedelta, covered: int) -> None:
    row = _kpi(tiny, kpi)
    assert row["duration"] == duration
    assert row["orders_covered"] == covered
    assert row["unit"] == "duration"


@pytest.mark.parametrize(
    ("kpi", "value", "covered", "unit"),
    [
        ("on_time_payment_rate", 0.5, 2, "share"),  # A on time, B late
        ("overdue_orders", 0, 1, "orders"),  # C is due 02-01, after as_of 01-30
        ("shipped_not_invoiced_orders", 1, 4, "orders"),  # E, of A B C E delivered
        ("shipped_not_invoiced_value", 4000.0, 1, "value"),
        ("open_orders", 3, 5, "orders"),  # C D E
        ("open_orders_ordered", 1, 3, "orders"),  # D
        ("open_orders_delivered", 1, 3, "orders"),  # E
        ("open_orders_invoiced", 1, 3, "orders"),  # C
        ("automation_rate", 13 / 22, 5, "share"),  # 3 + 5 + 3 + 1 + 1 of 22 events
        ("touchless_order_rate", 1 / 5, 5, "share"),  # C
        ("approval_rate", 3 / 5, 5, "share"),  # A, B (its release), E
        ("approvals_per_order", 4 / 5, 5, "per order"),
        ("rekeyed_data_per_order", 1 / 5, 5, "per order"),  # B's Change Price
        ("credit_block_rate", 2 / 5, 5, "share"),  # B, D
    ],
)
def test_numbers_by_hand(tiny: pd.DataFrame, kpi: str, value: float, covered: int, unit: str) -> None:
    row = _kpi(tiny, kpi)
    assert row["value"] == pytest.approx(value)
    assert row["orders_covered"] == covered
    assert row["unit"] == unit


def test_open_order_ages_by_hand(tiny: pd.DataFrame) -> None:
    # as_of = 01-30 09:00; C entered 01-05 08:00, D 01-07 10:00, E 01-08 10:00
    assert _kpi(tiny, "open_orders")["duration"] == 22 * D + 23 * H
    assert _kpi(tiny, "open_orders_ordered")["duration"] == 22 * D + 23 * H
    assert _kpi(tiny, "open_orders_delivered")["duration"] == 21 * D + 23 * H
    assert _kpi(tiny, "open_orders_invoiced")["duration"] == 25 * D + 1 * H


def test_definitions_name_the_guessed_milestones_and_automated_resources(tiny: pd.DataFrame) -> None:
    lead = _kpi(tiny, "order_to_cash")["definition"]
    assert "'Create Sales Order' (ordered, guessed from the activity names: creating a sales order" in lead
    assert "'Receive Payment' (paid, guessed from the activity names: receiving, posting or clearing" in lead
    automation = _kpi(tiny, "automation_rate")["definition"]
    for name in ("BATCH_BANK", "BATCH_BILLING", "BATCH_EDI", "BATCH_WMS", "SYSTEM"):
        assert repr(name) in automation
    assert "'anna'" not in automation


def test_as_of_judges_overdue_and_ignores_later_events() -> None:
    later = kpis(tiny_log(), as_of="2025-02-05")  # C (due 02-01) is now overdue
    assert _kpi(later, "overdue_orders")["value"] == 1
    early = kpis(tiny_log(), as_of=datetime(2025, 1, 20))  # B not paid yet
    assert _kpi(early, "open_orders")["value"] == 4
    assert _kpi(early, "order_to_cash")["orders_covered"] == 1
    assert _kpi(early, "order_to_cash")["duration"] == 17 * D


def test_ideal_path_milestones_are_used_and_not_called_guesses() -> None:
    ideal = IdealPath(
        ("Create Sales Order", "Ship Goods", "Create Invoice", "Receive Payment"),
        milestones={
            "ordered": "Create Sales Order",
            "delivered": "Create Invoice",
            "paid": "Receive Payment",
        },
    )
    table = kpis(tiny_log(), ideal=ideal)
    row = _kpi(table, "order_to_delivery")  # delivered is now the invoice: A 3, B 4, C 1.5 days
    assert row["duration"] == 3 * D and row["orders_covered"] == 3
    assert "'Create Invoice' (delivered)" in row["definition"]
    # invoiced is not named by the ideal path: guessed, and Create Invoice is taken, so nothing fits
    found = milestones(tiny_log(), ideal=ideal).set_index("milestone")
    assert found.loc["ordered", "guessed"] == False  # noqa: E712 (numpy bool)
    assert found.loc["invoiced", "guessed"] == True  # noqa: E712
    assert found.loc["invoiced", "activity"] is None
    missing = _kpi(table, "invoice_to_cash")
    assert np.isnan(missing["value"]) and pd.isna(missing["duration"]) and missing["orders_covered"] == 0
    assert "Not computed" in missing["definition"] and "'invoiced'" in missing["definition"]


def test_automated_resources_are_configurable() -> None:
    by_pattern = kpis(tiny_log(), automated=r"^BATCH_")
    assert _kpi(by_pattern, "automation_rate")["value"] == pytest.approx(10 / 22)  # SYSTEM is a person now
    by_name = kpis(tiny_log(), automated=["SYSTEM", "nobody"])
    assert _kpi(by_name, "automation_rate")["value"] == pytest.approx(3 / 22)
    assert _kpi(by_name, "touchless_order_rate")["value"] == 0
    with pytest.raises(ArgumentError, match="automated"):
        kpis(tiny_log(), automated="(unclosed")


def test_payment_terms_give_the_due_date_when_there_is_none() -> None:
    # terms of 10 days: A invoiced 01-04 -> due 01-14, paid 01-18 (4 late); B 01-06 -> 01-16, paid 01-30 (14)
    log = tiny_log().drop("due_date").with_columns(payment_terms_days=pl.lit(10))
    table = kpis(log)
    assert _kpi(table, "on_time_payment_rate")["value"] == 0
    assert _kpi(table, "days_past_due")["duration"] == 9 * D
    assert _kpi(table, "overdue_orders")["value"] == 1  # C: invoiced 01-06, due 01-16
    assert "payment_terms_days" in _kpi(table, "days_past_due")["definition"]


def test_missing_columns_are_said_not_guessed() -> None:
    log = tiny_log().drop("resource", "value", "due_date")
    table = kpis(log.to_pandas())  # pandas is accepted too
    for kpi in ("automation_rate", "touchless_order_rate", "on_time_payment_rate", "days_past_due",
                "overdue_orders", "invoice_to_cash_value_weighted", "shipped_not_invoiced_value"):  # fmt: skip
        row = _kpi(table, kpi)
        assert row["orders_covered"] == 0 and np.isnan(row["value"]) and pd.isna(row["duration"]), kpi
        assert "Not computed" in row["definition"], kpi
    assert _kpi(table, "order_to_cash")["duration"] == 22 * D + 12 * H  # the rest still counts


def test_as_of_before_every_event_covers_nothing() -> None:
    table = kpis(tiny_log(), as_of="2024-12-31")
    assert tuple(table["kpi"]) == KPIS
    assert (
        (table["orders_covered"] == 0).all()
        and table["value"].isna().all()
        and table["duration"].isna().all()
    )
    assert table["duration"].dtype == "timedelta64[us]"
    assert stuck_orders(tiny_log(), as_of="2024-12-31").empty


def test_bad_as_of() -> None:
    with pytest.raises(ArgumentError, match="as_of"):
        kpis(tiny_log(), as_of="next tuesday")


# --- stuck orders on the hand-made log --------------------------------------------------------------


def test_stuck_orders_by_hand() -> None:
    stuck = stuck_orders(tiny_log())
    assert list(stuck.columns) == [
        "case_id", "milestone", "last_activity", "last_event", "waiting", "wait_p90", "value"
    ]  # fmt: skip
    # most value first: E 4000, D 2000, C 500
    assert stuck["case_id"].tolist() == ["E", "D", "C"]
    assert stuck["milestone"].tolist() == ["delivered", "ordered", "invoiced"]
    assert stuck["last_activity"].tolist() == ["Ship Goods", "Credit Block", "Create Invoice"]
    # waits after each activity in the finished orders A and B: Ship Goods 1 and 1 day,
    # Credit Block 1 day, Create Invoice 14 (A) and 4 (B) days -> p90 4 + 0.9 x 10 = 13 days
    assert stuck["wait_p90"].tolist() == [1 * D, 1 * D, 13 * D]
    assert stuck["waiting"].tolist() == [17 * D + 23 * H, 22 * D + 22 * H, 23 * D + 13 * H]
    assert stuck["value"].tolist() == [4000.0, 2000.0, 500.0]


def test_stuck_orders_as_of() -> None:
    # on 01-20 only A is finished: B waits after a complaint no finished order had (not judged),
    # C after Create Invoice 13 days 4 hours < A's 14 days, D after a Credit Block A never had;
    # E waits 7 days 14 hours after Ship Goods, A waited 1 day.
    stuck = stuck_orders(tiny_log(), as_of="2025-01-20")
    assert stuck["case_id"].tolist() == ["E"]
    assert stuck["waiting"].tolist() == [7 * D + 14 * H]


# --- late-payment drivers on the hand-made log ------------------------------------------------------


def test_late_payment_drivers_by_hand() -> None:
    found = late_payment_drivers(tiny_log(), min_cases=1, measure="invoice_to_cash")
    assert list(found.columns) == [
        "attribute", "value", "cases_with", "cases_without", "median_with", "median_without", "difference",
        "value_affected", "value_days", "p_value", "measure", "late_share_with", "late_share_without",
        "after_due_share",
    ]  # fmt: skip
    assert set(found["measure"]) == {"invoice_to_cash"}
    # A (14 days to cash, 1000) against B (24 days, 3000); activities in both orders do not split them
    keys = list(zip(found["attribute"], found["value"], strict=True))
    assert keys == [
        ("activity", "Change Price"),
        ("activity", "Credit Block"),
        ("activity", "Customer Complaint"),
        ("activity", "Release Credit Block"),
        ("region", "AMER"),
        ("activity", "Manager Approval"),  # ties on value-days with A's region, broken by name
        ("region", "EMEA"),
    ]
    first = found.iloc[0]
    assert (first["cases_with"], first["cases_without"]) == (1, 1)
    assert (first["median_with"], first["median_without"], first["difference"]) == (24 * D, 14 * D, 10 * D)
    assert first["value_affected"] == 3000.0 and first["value_days"] == 30_000.0
    assert found.iloc[-1]["value_days"] == -10_000.0
    assert found["p_value"].tolist() == [1.0] * 7  # one order against one: no evidence


def test_late_payment_drivers_by_days_past_due_by_hand() -> None:
    # the log has due dates, so days past due by default: A paid 01-18, due 01-20 (-2 days);
    # B paid 01-30, due 01-25 (+5 days, late); C is not paid, D and E have no due date
    found = late_payment_drivers(tiny_log(), min_cases=1)
    assert set(found["measure"]) == {"days_past_due"}
    first = found.iloc[0]
    assert (first["attribute"], first["value"]) == ("activity", "Change Price")
    assert (first["median_with"], first["median_without"], first["difference"]) == (5 * D, -2 * D, 7 * D)
    assert (first["late_share_with"], first["late_share_without"]) == (1.0, 0.0)
    assert first["value_days"] == 3000.0 * 7
    assert found.iloc[-1]["value_days"] == 1000.0 * -7


def test_late_payment_drivers_arguments() -> None:
    assert late_payment_drivers(tiny_log()).empty  # default min_cases=10: two paid orders are too few
    only_region = late_payment_drivers(tiny_log(), attributes=["region"], min_cases=1)
    assert set(only_region["attribute"]) == {"activity", "region"}
    with pytest.raises(ArgumentError, match="case attributes"):
        late_payment_drivers(tiny_log(), attributes=["resource"])
    with pytest.raises(ArgumentError, match="min_cases"):
        late_payment_drivers(tiny_log(), min_cases=0)
    no_payment = tiny_log().filter(pl.col("activity") != "Receive Payment")
    with pytest.raises(ArgumentError, match="'paid'"):
        late_payment_drivers(no_payment)


# --- the sample log against truth.json --------------------------------------------------------------


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    return json.loads(sample_log("truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample() -> pl.DataFrame:
    return read_log(sample_log("o2c_orders.csv")).log


@pytest.fixture(scope="module")
def ideal() -> IdealPath:
    return read_ideal_path(sample_log("ideal_path.yaml"))


@pytest.fixture(scope="module")
def sample_kpis(sample: pl.DataFrame, ideal: IdealPath) -> pd.DataFrame:
    return kpis(sample, ideal=ideal)


def _seconds(seconds: float) -> pd.Timedelta:
    return pd.Timedelta(microseconds=round(seconds * 1e6))


def test_sample_lead_times_equal_truth(sample_kpis: pd.DataFrame, truth: dict[str, Any]) -> None:
    lead = truth["lead_times"] | {"delivery_to_invoice": truth["kpis"]["delivery_to_invoice"]}
    for kpi in ("order_to_cash", "order_to_delivery", "delivery_to_invoice", "invoice_to_cash"):
        row = _kpi(sample_kpis, kpi)
        assert row["duration"] == _seconds(lead[kpi]["median_seconds"]), kpi
        assert row["orders_covered"] == lead[kpi]["cases"], kpi
    weighted = _kpi(sample_kpis, "invoice_to_cash_value_weighted")
    assert weighted["duration"] == pd.Timedelta(
        seconds=round(truth["kpis"]["invoice_to_cash_value_weighted_seconds"])
    )
    assert weighted["orders_covered"] == lead["invoice_to_cash"]["cases"]


def test_sample_payment_kpis_equal_truth(sample_kpis: pd.DataFrame, truth: dict[str, Any]) -> None:
    k, late = truth["kpis"], truth["late_payment"]
    paid = late["with_complaint"]["paid_cases"] + late["without_complaint"]["paid_cases"]
    late_cases = late["with_complaint"]["late_cases"] + late["without_complaint"]["late_cases"]
    on_time = _kpi(sample_kpis, "on_time_payment_rate")
    assert on_time["value"] == pytest.approx((paid - late_cases) / paid)
    assert on_time["value"] == pytest.approx(k["paid_on_time"] / k["paid_with_due_date"])
    assert on_time["orders_covered"] == k["paid_with_due_date"] == paid
    assert _kpi(sample_kpis, "days_past_due")["duration"] == pd.Timedelta(days=k["days_past_due_median"])
    overdue = _kpi(sample_kpis, "overdue_orders")
    assert overdue["value"] == k["overdue_orders"] > 0
    assert overdue["orders_covered"] == truth["open_cases"]["by_last_milestone"].get("invoiced", 0)
    assert _kpi(sample_kpis, "shipped_not_invoiced_orders")["value"] == k["shipped_not_invoiced"]["cases"]
    assert _kpi(sample_kpis, "shipped_not_invoiced_value")["value"] == k["shipped_not_invoiced"]["value"]
    assert _kpi(sample_kpis, "shipped_not_invoiced_value")["unit"] == "EUR"


def test_sample_open_orders_equal_truth(sample_kpis: pd.DataFrame, truth: dict[str, Any]) -> None:
    by_milestone, ages = truth["open_cases"]["by_last_milestone"], truth["kpis"]["open_age_median_seconds"]
    total = _kpi(sample_kpis, "open_orders")
    assert (total["value"], total["orders_covered"]) == (truth["open_cases"]["total"], truth["cases"])
    assert total["duration"] == _seconds(ages["all"])
    for name in ("ordered", "delivered", "invoiced"):
        row = _kpi(sample_kpis, f"open_orders_{name}")
        assert row["value"] == by_milestone.get(name, 0), name
        assert pd.isna(row["duration"]) if ages[name] is None else row["duration"] == _seconds(ages[name]), (
            name
        )


def test_sample_automation_approvals_rekeying_blocks_equal_truth(
    sample_kpis: pd.DataFrame, truth: dict[str, Any]
) -> None:
    cases, batch = truth["cases"], truth["batch"]
    assert _kpi(sample_kpis, "automation_rate")["value"] == pytest.approx(
        batch["batch_events"] / truth["events"]
    )
    assert _kpi(sample_kpis, "touchless_order_rate")["value"] == pytest.approx(
        batch["touchless_cases"] / cases
    )
    # the approvals are o2c.approvals' steps: the value approvals, the credit-block release and the
    # planted back office (truth.json's back_office.approval_steps); counted here by hand with pandas
    steps = truth["back_office"]["approval_steps"]
    events = pd.read_csv(sample_log("o2c_orders.csv"), usecols=["case_id", "activity", "timestamp"])
    events["timestamp"] = pd.to_datetime(events["timestamp"], utc=True)
    events["wait"] = events.groupby("case_id")["timestamp"].diff().fillna(pd.Timedelta(0))
    approved = events[events["activity"].isin(steps)]
    with_approval = approved["case_id"].nunique()
    assert with_approval == cases - truth["back_office"]["chain_lengths"]["0"]["orders"]
    assert _kpi(sample_kpis, "approval_rate")["value"] == pytest.approx(with_approval / cases)
    assert _kpi(sample_kpis, "approvals_per_order")["value"] == pytest.approx(len(approved) / cases)
    wait = _kpi(sample_kpis, "approval_wait")
    assert wait["duration"] == approved.groupby("case_id")["wait"].sum().median()
    assert wait["orders_covered"] == with_approval
    rekeyed = sum(
        truth["activities"][a] for a in ("Update Shipping Address", "Change Quantity", "Change Price")
    )
    assert _kpi(sample_kpis, "rekeyed_data_per_order")["value"] == pytest.approx(rekeyed / cases)
    block = truth["kpis"]["credit_block"]
    assert _kpi(sample_kpis, "credit_block_rate")["value"] == pytest.approx(block["cases"] / cases)
    time = _kpi(sample_kpis, "credit_block_time")
    assert time["duration"] == _seconds(block["block_time_median_seconds"])
    assert time["orders_covered"] == block["released_cases"]


def test_sample_guessed_milestones_are_the_ideal_paths(sample: pl.DataFrame, ideal: IdealPath) -> None:
    guessed = milestones(sample)
    assert dict(zip(guessed["milestone"], guessed["activity"], strict=True)) == dict(ideal.milestones)
    assert guessed["guessed"].all()


def test_sample_stuck_orders_hold_the_planted_credit_blocks(
    sample: pl.DataFrame, ideal: IdealPath, truth: dict[str, Any]
) -> None:
    stuck = stuck_orders(sample, ideal=ideal)
    as_of = pd.Timestamp(truth["kpis"]["as_of"])
    frame = sample.to_pandas()
    # the usual wait after a credit block: Credit Block -> next event in the paid orders, numpy's p90
    paid = set(frame.loc[frame["activity"] == "Receive Payment", "case_id"])
    nxt = frame.groupby("case_id")["timestamp"].shift(-1)
    after = (nxt - frame["timestamp"])[(frame["activity"] == "Credit Block") & frame["case_id"].isin(paid)]
    p90 = pd.Timedelta(microseconds=float(np.percentile(after.dt.total_seconds() * 1e6, 90)))
    blocked_at = frame[frame["activity"] == "Credit Block"].groupby("case_id")["timestamp"].max()
    never = truth["kpis"]["credit_block"]["never_released"]
    expected = {case for case in never if as_of - blocked_at[case] > p90}
    assert 0 < len(expected) < len(never)  # the last ones were blocked too recently to be stuck yet
    found = stuck[stuck["last_activity"] == "Credit Block"]
    assert set(found["case_id"]) == expected
    assert (found["wait_p90"] - p90).abs().max() < pd.Timedelta(microseconds=1)
    assert (stuck["waiting"] > stuck["wait_p90"]).all()
    assert stuck["value"].is_monotonic_decreasing
    assert not set(stuck["case_id"]) & paid


def test_sample_late_payment_drivers_find_the_complaints(
    sample: pl.DataFrame, ideal: IdealPath, truth: dict[str, Any]
) -> None:
    # the sample log has due dates: days past due, against the planted lateness
    found = late_payment_drivers(sample, ideal=ideal)
    assert set(found["measure"]) == {"days_past_due"}
    complaint = found[(found["attribute"] == "activity") & (found["value"] == "Customer Complaint")].iloc[0]
    late = truth["late_payment"]
    assert complaint["cases_with"] == late["with_complaint"]["paid_cases"]
    assert complaint["cases_without"] == late["without_complaint"]["paid_cases"]
    assert complaint["median_with"] == late["with_complaint"]["days_late_median"] * D  # 19 days
    assert complaint["median_without"] == late["without_complaint"]["days_late_median"] * D  # -4 days
    for side, name in (("with", "with_complaint"), ("without", "without_complaint")):
        assert complaint[f"late_share_{side}"] == late[name]["late_cases"] / late[name]["paid_cases"]
    assert complaint["p_value"] < 1e-10
    # the causes by value-days, then the consequences (the planted reminders all follow the due date)
    consequence = found["after_due_share"] > 0.5
    assert found.loc[consequence, ["attribute", "value"]].values.tolist() == [
        ["activity", "Send Payment Reminder"]
    ]
    assert not consequence[: (~consequence).sum()].any()
    assert found.loc[~consequence, "value_days"].is_monotonic_decreasing
    assert found.iloc[0]["value"] == "Customer Complaint"
    terms = found[found["attribute"] == "payment_terms_days"]
    assert (terms["difference"].abs() <= D).all()  # terms no longer lengthen the measure by themselves
    # by invoice-to-cash time, against the planted invoice-to-cash medians
    found = late_payment_drivers(sample, ideal=ideal, measure="invoice_to_cash")
    complaint = found[(found["attribute"] == "activity") & (found["value"] == "Customer Complaint")].iloc[0]
    planted = truth["kpis"]["invoice_to_cash_by_complaint"]
    assert complaint["cases_with"] == planted["with_complaint"]["cases"]
    assert complaint["cases_without"] == planted["without_complaint"]["cases"]
    assert complaint["median_with"] == _seconds(planted["with_complaint"]["median_seconds"])
    assert complaint["median_without"] == _seconds(planted["without_complaint"]["median_seconds"])
    assert complaint["difference"] > pd.Timedelta(days=20)  # complaining customers pay ~21 days late
    assert complaint["p_value"] < 1e-10
    assert found["value_days"].is_monotonic_decreasing


def test_milestones_guessed_from_sap_document_names() -> None:
    # as read_sap_document_flow names documents: the transfer order and the shipment are in more
    # orders than the sales order's own creation, and must still not be taken for ordered/delivered
    traces = {
        "1": ["Create Sales Order", "Create Delivery", "Create Transfer Order", "Post Goods Movement",
              "Create Shipment", "Create Invoice", "Create Invoice List"],
        "2": ["Create Delivery", "Create Transfer Order", "Post Goods Movement", "Create Shipment",
              "Create Invoice", "Create Invoice List"],
        "3": ["Create Delivery", "Create Transfer Order", "Create Shipment", "Create Invoice"],
    }  # fmt: skip
    rows = [
        (case, a, datetime(2025, 1, 1 + i)) for case, trace in traces.items() for i, a in enumerate(trace)
    ]
    log = pl.DataFrame(rows, schema=["case_id", "activity", "timestamp"], orient="row")
    found = milestones(log)
    assert found["activity"].tolist() == ["Create Sales Order", "Post Goods Movement", "Create Invoice", None]
    paid = _kpi(kpis(log), "invoice_to_cash")
    assert "Not computed" in paid["definition"] and "'paid'" in paid["definition"]


def test_default_automation_words_are_whole_words() -> None:
    import polars as pl

    from o2c._kpis import AUTOMATED_PATTERN

    names = pl.Series(["BATCH_BILLING", "RFC-USER", "SYSTEM", "edi_in", "Meredith", "AUTOMATION", "Bottom"])
    assert names.filter(names.str.contains(AUTOMATED_PATTERN)).to_list() == [
        "BATCH_BILLING",
        "RFC-USER",
        "SYSTEM",
        "edi_in",
    ]
