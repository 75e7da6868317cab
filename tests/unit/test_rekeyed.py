"""Re-keyed data from the values, on hand-made logs: every dtype, empty cells, entries, both sources."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import polars as pl
import pytest

from o2c import rekeyed_data
from o2c._rekeyed import rekeyed_values
from o2c.errors import ArgumentError
from o2c.log import validate

T0 = datetime(2025, 3, 3, 8)


def _log(rows: list[tuple], columns: list[str], schema: dict | None = None) -> pl.DataFrame:
    """A log from rows (case, activity, hours after T0, resource, *attributes)."""
    frame = pl.DataFrame(
        [(c, a, T0 + timedelta(hours=h), r, *rest) for c, a, h, r, *rest in rows],
        schema=["case_id", "activity", "timestamp", "resource", *columns],
        orient="row",
    )
    if schema:
        frame = frame.with_columns(*(pl.col(c).cast(t) for c, t in schema.items()))
    return validate(frame)


# order 1: price 100 -> 90 at Change Price (eve) -> 95 at Correct Price (eve); address text changes once;
# delivery date moves 2 days later at Reschedule (bob)
# order 2: nothing changes; price missing on one event (not a change)
# order 3: address changes twice (at Update Address by ann, then back at Check by bob)
ROWS = [
    ("1", "Create Order", 0, "ann", 100.0, "Main St 1", date(2025, 3, 10)),
    ("1", "Change Price", 1, "eve", 90.0, "Main St 1", date(2025, 3, 10)),
    ("1", "Update Address", 2, "ann", 90.0, "Main St 2", date(2025, 3, 10)),
    ("1", "Correct Price", 3, "eve", 95.0, "Main St 2", date(2025, 3, 10)),
    ("1", "Reschedule", 4, "bob", 95.0, "Main St 2", date(2025, 3, 12)),
    ("2", "Create Order", 0, "ann", 50.0, "Elm 5", date(2025, 3, 11)),
    ("2", "Check", 1, "bob", None, "Elm 5", date(2025, 3, 11)),
    ("2", "Ship", 2, "bob", 50.0, "Elm 5", date(2025, 3, 11)),
    ("3", "Create Order", 0, "ann", 70.0, "Oak 1", date(2025, 3, 12)),
    ("3", "Update Address", 1, "ann", 70.0, "Oak 2", date(2025, 3, 12)),
    ("3", "Check", 2, "bob", 70.0, "Oak 1", date(2025, 3, 12)),
]
COLUMNS = ["price", "address", "delivery"]


@pytest.fixture
def result():
    return rekeyed_values(_log(ROWS, COLUMNS))


def test_numbers_change_with_their_size(result):
    row = result.attributes.set_index("attribute").loc["price"]
    assert row["kind"] == "number" and row["source"] == "values"
    assert row["orders_changed"] == 1 and row["changes"] == 2  # 100 -> 90 -> 95; order 2's gap is no change
    assert row["share_of_orders"] == pytest.approx(1 / 3)
    assert row["steps"] == ("Change Price", "Correct Price")  # one change each, ties by name
    assert row["resources"] == ("eve",)
    assert row["change_median"] == pytest.approx(-2.5)  # median of -10 and +5
    assert row["change_abs_median"] == pytest.approx(7.5)
    changes = result.changes[result.changes["attribute"] == "price"]
    assert changes["change"].tolist() == [-10.0, 5.0]
    assert changes["old_value"].tolist() == ["100.0", "90.0"]


def test_text_changes_counted_per_order_and_step(result):
    row = result.attributes.set_index("attribute").loc["address"]
    assert row["kind"] == "text"
    assert row["orders_changed"] == 2 and row["changes"] == 3
    assert row["changes_per_order"] == pytest.approx(1.5)
    assert row["steps"] == ("Update Address", "Check")  # 2 changes, then 1
    assert row["resources"] == ("ann", "bob")
    assert pd.isna(row["change_median"])
    steps = result.steps[result.steps["attribute"] == "address"].set_index("step")
    assert steps.loc["Update Address", "orders"] == 2 and steps.loc["Update Address", "changes"] == 2
    assert steps.loc["Check", "resources"] == ("bob",)


def test_dates_change_in_days(result):
    row = result.attributes.set_index("attribute").loc["delivery"]
    assert row["kind"] == "date"
    assert row["orders_changed"] == 1 and row["change_median"] == pytest.approx(2.0)
    assert row["steps"] == ("Reschedule",)


def test_datetimes_categoricals_and_flags():
    rows = [
        ("1", "A", 0, "x", datetime(2025, 1, 1, 0), "red", True),
        ("1", "B", 1, "y", datetime(2025, 1, 1, 12), "blue", True),
        ("1", "C", 2, "y", datetime(2025, 1, 1, 12), "blue", False),
    ]
    log = _log(rows, ["due", "colour", "flag"], {"colour": pl.Categorical})
    table = rekeyed_values(log).attributes.set_index("attribute")
    assert table.loc["due", "change_median"] == pytest.approx(0.5)
    assert table.loc["colour", ["kind", "changes"]].tolist() == ["text", 1]
    assert table.loc["flag", ["kind", "changes"]].tolist() == ["text", 1]
    assert rekeyed_values(log).changes.set_index("attribute").loc["flag", "new_value"] == "false"


def test_a_field_entered_at_more_than_one_step():
    # order 1 types the same quantity at Create and again at Confirm (an empty event between);
    # order 2 carries it on every event (an export copying it): entered once
    rows = [
        ("1", "Create", 0, "a", 5),
        ("1", "Check", 1, "b", None),
        ("1", "Confirm", 2, "c", 5),
        ("2", "Create", 0, "a", 7),
        ("2", "Check", 1, "b", 7),
        ("2", "Confirm", 2, "c", 7),
        ("3", "Create", 0, "a", 1),
        ("3", "Create", 1, "a", None),
        ("3", "Create", 2, "a", 1),  # entered twice, but at one step
    ]
    row = rekeyed_values(_log(rows, ["quantity"])).attributes.iloc[0]
    assert row["orders_entered_at_several_steps"] == 1
    assert row["orders_changed"] == 0
    assert row["orders_with_value"] == 3


def test_change_activities_by_name_stay_a_labelled_second_source(result):
    by_name = result.by_name
    assert set(by_name["source"]) == {"activity name"}
    old = rekeyed_data(_log(ROWS, COLUMNS))
    pd.testing.assert_frame_equal(by_name.drop(columns="source"), old)
    # orders re-keyed by either source: 1 (values and names), 3 (values and names)
    assert result.orders == 3 and result.orders_rekeyed == 2


def test_attributes_argument():
    log = _log(ROWS, COLUMNS)
    assert rekeyed_values(log, attributes=["price"]).attributes["attribute"].tolist() == ["price"]
    with pytest.raises(ArgumentError):
        rekeyed_values(log, attributes=["prise"])
    with pytest.raises(ArgumentError):
        rekeyed_values(log, attributes="price")
    with pytest.raises(ArgumentError):
        rekeyed_values(log, attributes=["resource"])  # a role, not an attribute


def test_attributes_sorted_by_orders_changed(result):
    assert result.attributes["attribute"].tolist() == ["address", "delivery", "price"]
    assert result.attributes.dtypes["changes"] == "int64"


def test_a_log_without_attributes():
    rows = [("1", "A", 0, "x"), ("1", "B", 1, "y")]
    result = rekeyed_values(_log(rows, []))
    assert result.attributes.empty and result.changes.empty and result.steps.empty
    assert result.orders_rekeyed == 0
