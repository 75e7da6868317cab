"""Late-payment drivers by days past due, against invoice-to-cash, on a planted log counted by hand.

The planted log: 16 orders of 1,000 each, ordered 2025-03-03 09:00 UTC and invoiced 2025-03-04
10:00 UTC, so every due date is 2025-03-04 + terms. Orders 01-08 have 30-day terms (due 04-03),
09-16 60-day terms (due 05-03). Orders 01, 02, 09 and 10 have a "Handle Complaint" (03-10) and
pay 19 days after their due date; order 08 pays 2 days late; the others pay 4 days early. Every
payment is at 14:00 UTC.

    days past due   complaint 01 02 09 10: +19 +19 +19 +19
                    others 03-07, 11-16: -4 (11 orders), 08: +2
    invoice to cash (4 hours beyond whole days): terms + days past due
                    30-day: 01 02 49 d, 03-07 26 d, 08 32 d; 60-day: 09 10 79 d, 11-16 56 d

By days past due the complaint goes with 23 more days (19 against -4) and all its orders pay late
(4 of 4, against 1 of 12); 30-day terms (-4 x 5, 2, 19, 19) and 60-day terms (-4 x 6, 19, 19) both
have a median of -4 days, and 3 of 8 against 2 of 8 paid late. By invoice-to-cash time 60-day terms come first: 56 days
against 26, 30 days more on 8,000 of orders (240,000 value-days) against the complaint's 20 days on
4,000 (64 days against 44: 26 x 5, 32, 56 x 6 have the middle values 32 and 56).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import polars as pl
import pytest
from scipy.stats import mannwhitneyu

from o2c._kpis import LATE_PAYMENT_COLUMNS, kpis, late_payment_drivers
from o2c.errors import ArgumentError

D = pd.Timedelta(days=1)
H = pd.Timedelta(hours=1)

COMPLAINED = {"01", "02", "09", "10"}
DAYS_PAST_DUE = {f"{n:02d}": 19 if f"{n:02d}" in COMPLAINED else 2 if n == 8 else -4 for n in range(1, 17)}
TERMS = {f"{n:02d}": 30 if n <= 8 else 60 for n in range(1, 17)}
INVOICED = datetime(2025, 3, 4, 10)


def planted_log(*, terms: bool = True, due_dates: bool = False) -> pl.DataFrame:
    """The planted log: ``payment_terms_days`` (``terms``) and/or a text ``due_date`` column."""
    rows = []
    for case, late in DAYS_PAST_DUE.items():
        due = INVOICED.date() + timedelta(days=TERMS[case])
        paid = datetime.combine(due + timedelta(days=late), datetime.min.time()) + timedelta(hours=14)
        steps = [("Create Sales Order", datetime(2025, 3, 3, 9)), ("Create Invoice", INVOICED)]
        if case in COMPLAINED:
            steps.append(("Handle Complaint", datetime(2025, 3, 10, 11)))
        steps.append(("Receive Payment", paid))
        for activity, stamp in steps:
            rows.append((case, activity, stamp, 1000.0, TERMS[case], due.isoformat()))
    frame = pl.DataFrame(
        rows,
        schema=["case_id", "activity", "timestamp", "value", "payment_terms_days", "due_date"],
        orient="row",
    ).with_columns(pl.col("timestamp").dt.replace_time_zone("UTC"))
    if not terms:
        frame = frame.drop("payment_terms_days")
    if not due_dates:
        frame = frame.drop("due_date")
    return frame


def row(found: pd.DataFrame, attribute: str, value: str) -> pd.Series:
    match = found[(found["attribute"] == attribute) & (found["value"] == value)]
    assert len(match) == 1, (attribute, value, found[["attribute", "value"]])
    return match.iloc[0]


def test_days_past_due_ranks_the_complaint_first_and_not_the_terms() -> None:
    found = late_payment_drivers(planted_log(), min_cases=3)
    assert list(found.columns) == LATE_PAYMENT_COLUMNS
    assert set(found["measure"]) == {"days_past_due"}  # auto: the orders have due dates
    keys = list(zip(found["attribute"], found["value"], strict=True))
    assert keys == [
        ("activity", "Handle Complaint"),  # 4,000 x 23 days
        ("payment_terms_days", "30"),  # no difference: ties by value
        ("payment_terms_days", "60"),
    ]
    complaint = row(found, "activity", "Handle Complaint")
    assert (complaint["cases_with"], complaint["cases_without"]) == (4, 12)
    assert (complaint["median_with"], complaint["median_without"]) == (19 * D, -4 * D)
    assert complaint["difference"] == 23 * D
    assert (complaint["late_share_with"], complaint["late_share_without"]) == (1.0, 1 / 12)
    assert complaint["value_affected"] == 4000.0 and complaint["value_days"] == 92_000.0
    thirty = row(found, "payment_terms_days", "30")
    assert (thirty["median_with"], thirty["median_without"], thirty["difference"]) == (-4 * D, -4 * D, 0 * D)
    assert (thirty["late_share_with"], thirty["late_share_without"]) == (3 / 8, 2 / 8)
    assert thirty["value_days"] == 0.0
    # the p-value is scipy's test of the two lists of days past due
    with_ = [DAYS_PAST_DUE[c] for c in sorted(COMPLAINED)]
    without = [d for c, d in DAYS_PAST_DUE.items() if c not in COMPLAINED]
    expected = mannwhitneyu(with_, without, alternative="two-sided").pvalue
    assert complaint["p_value"] == pytest.approx(expected, rel=1e-12)
    for column in ("median_with", "median_without", "difference"):  # the dtype of invoice-to-cash
        assert found[column].dtype == "timedelta64[us]"


def test_invoice_to_cash_ranks_the_terms_first() -> None:
    found = late_payment_drivers(planted_log(), min_cases=3, measure="invoice_to_cash")
    assert set(found["measure"]) == {"invoice_to_cash"}
    assert found["late_share_with"].isna().all() and found["late_share_without"].isna().all()
    keys = list(zip(found["attribute"], found["value"], strict=True))
    assert keys == [
        ("payment_terms_days", "60"),  # 8,000 x 30 days
        ("activity", "Handle Complaint"),  # 4,000 x 20 days
        ("payment_terms_days", "30"),
    ]
    sixty = row(found, "payment_terms_days", "60")
    assert (sixty["median_with"], sixty["median_without"]) == (56 * D + 4 * H, 26 * D + 4 * H)
    assert sixty["value_days"] == 240_000.0
    complaint = row(found, "activity", "Handle Complaint")
    assert (complaint["median_with"], complaint["median_without"]) == (64 * D + 4 * H, 44 * D + 4 * H)
    assert complaint["value_days"] == 80_000.0


def test_without_terms_or_due_dates_auto_falls_back_to_invoice_to_cash() -> None:
    found = late_payment_drivers(planted_log(terms=False), min_cases=3)
    assert set(found["measure"]) == {"invoice_to_cash"}
    complaint = row(found, "activity", "Handle Complaint")
    assert (complaint["median_with"], complaint["median_without"]) == (64 * D + 4 * H, 44 * D + 4 * H)
    with pytest.raises(ArgumentError, match="days past due"):
        late_payment_drivers(planted_log(terms=False), min_cases=3, measure="days_past_due")


def test_a_due_date_column_gives_the_same_days_and_is_no_candidate() -> None:
    by_terms = late_payment_drivers(planted_log(), min_cases=3)
    by_date = late_payment_drivers(planted_log(due_dates=True), min_cases=3)
    pd.testing.assert_frame_equal(by_date, by_terms)
    assert "due_date" not in set(by_date["attribute"])  # a text column, one value per order
    with pytest.raises(ArgumentError, match="due_date"):
        late_payment_drivers(planted_log(due_dates=True), attributes=["due_date"])


def test_orders_without_a_due_date_are_left_out() -> None:
    # orders 07 and 16 (both paying 4 days early) lose their due date: 14 orders are measured
    log = planted_log(terms=False, due_dates=True).with_columns(
        due_date=pl.when(pl.col("case_id").is_in(["07", "16"])).then(None).otherwise(pl.col("due_date"))
    )
    found = late_payment_drivers(log, min_cases=3)
    complaint = row(found, "activity", "Handle Complaint")
    assert (complaint["cases_with"], complaint["cases_without"]) == (4, 10)
    assert complaint["late_share_without"] == 1 / 10
    covered = kpis(log).set_index("kpi").loc["days_past_due", "orders_covered"]
    assert complaint["cases_with"] + complaint["cases_without"] == covered == 14


def test_measure_argument() -> None:
    with pytest.raises(ArgumentError, match="'measure' argument of late_payment_drivers") as raised:
        late_payment_drivers(planted_log(), measure="days_passed_due")
    assert "did you mean" in str(raised.value)


def test_a_reminder_sent_after_the_due_date_is_ranked_as_a_consequence() -> None:
    """Every order that pays late (01, 02, 08, 09, 10) gets a reminder 3 days after its due date,
    and two orders paid early (03, 04) one the day before theirs: 7 orders with a reminder, 5 of
    them after the due date (71% > 50%). The reminder goes with more value-days than the
    complaint, yet it follows from paying late: the complaint, which comes first, ranks first."""
    log = planted_log()
    reminded = {"01": 3, "02": 3, "08": 3, "09": 3, "10": 3, "03": -1, "04": -1}
    extra = [
        (case, "Send Payment Reminder", datetime.combine(INVOICED.date() + timedelta(days=TERMS[case] + shift),
         datetime.min.time()) + timedelta(hours=8), 1000.0, TERMS[case])
        for case, shift in reminded.items()
    ]  # fmt: skip
    reminders = pl.DataFrame(
        extra, schema=["case_id", "activity", "timestamp", "value", "payment_terms_days"], orient="row"
    ).with_columns(pl.col("timestamp").dt.replace_time_zone("UTC"))
    found = late_payment_drivers(pl.concat([log, reminders]), min_cases=3)
    reminder, complaint = (
        row(found, "activity", "Send Payment Reminder"),
        row(found, "activity", "Handle Complaint"),
    )
    assert reminder["after_due_share"] == pytest.approx(5 / 7)
    assert complaint["after_due_share"] == 0.0  # 03-10, before every due date
    # reminded: +19 x 4, +2, -4 x 2 -> median +19; not reminded: -4 x 9 -> 23 days more on 7,000
    assert reminder["difference"] == 23 * D and reminder["value_days"] == 7000 * 23
    assert reminder["value_days"] > complaint["value_days"]  # 161,000 against 92,000
    keys = list(zip(found["attribute"], found["value"], strict=True))
    assert keys[0] == ("activity", "Handle Complaint")
    assert keys[-1] == ("activity", "Send Payment Reminder")  # the one consequence, after every cause
    assert found["after_due_share"].isna().sum() == sum(a != "activity" for a, _ in keys)  # attributes: NaN
