"""Case-level filters, checked by hand on the example log (3 orders) and a tiny log."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest

from o2c.discovery import directly_follows
from o2c.errors import ArgumentError, ColumnMappingError
from o2c.filtering import filter_log


def _cases(log: pl.DataFrame) -> list[str]:
    return log["case_id"].unique(maintain_order=True).to_list()


def test_no_filter_keeps_the_log(example_log: pl.DataFrame) -> None:
    assert filter_log(example_log).equals(example_log)


def test_whole_cases_are_kept(example_log: pl.DataFrame) -> None:
    kept = filter_log(example_log, starts_with="Create Sales Order", ends_with="Create Invoice")
    assert _cases(kept) == ["2"]
    assert kept.height == 6  # every event of order 2
    assert directly_follows(kept)["transitions"].sum() == 5


@pytest.mark.parametrize(
    ("timeframe", "expected"),
    [
        # orders start on Jan 6, 7, 8 at 09:00 and end after 300 h, 31 h and 500 h
        ("started", ["2"]),
        ("ended", []),
        ("contained", []),
        ("intersecting", ["1", "2"]),
    ],
)
def test_timeframes(example_log: pl.DataFrame, timeframe: str, expected: list[str]) -> None:
    kept = filter_log(example_log, start="2025-01-07", end="2025-01-08", timeframe=timeframe)
    assert _cases(kept) == expected


def test_timeframe_ended_and_contained(example_log: pl.DataFrame) -> None:
    # order 2 ends on Jan 8 16:00; order 1 on Jan 18 21:00; order 3 on Jan 29 05:00
    assert _cases(filter_log(example_log, start="2025-01-08", end="2025-01-09", timeframe="ended")) == ["2"]
    assert _cases(filter_log(example_log, start="2025-01-06", end="2025-01-20", timeframe="contained")) == [
        "1",
        "2",
    ]
    assert _cases(filter_log(example_log, end=datetime(2025, 1, 8, 9))) == [
        "1",
        "2",
    ]  # started before (exclusive)


def test_attributes(example_log: pl.DataFrame) -> None:
    assert _cases(filter_log(example_log, attributes={"region": "EMEA"})) == ["1", "3"]
    assert _cases(filter_log(example_log, attributes={"region": ["AMER", "EMEA"]})) == ["1", "2", "3"]
    # an event attribute: some event of the case was done by erik
    assert _cases(filter_log(example_log, attributes={"resource": "erik"})) == ["3"]
    assert _cases(filter_log(example_log, attributes={"region": "EMEA", "resource": "ben"})) == ["1"]


def test_lead_time_bounds(example_log: pl.DataFrame) -> None:
    # lead times: 300 h, 31 h, 500 h
    assert _cases(filter_log(example_log, min_lead_time="300 hours")) == ["1", "3"]
    assert _cases(filter_log(example_log, max_lead_time=timedelta(hours=300))) == ["1", "2"]
    assert _cases(filter_log(example_log, min_lead_time="2 days", max_lead_time="13 days")) == ["1"]


def test_variants_by_id_and_trace(example_log: pl.DataFrame) -> None:
    # variant 1 is order 2's trace (ties by trace: Check Credit twice sorts first)
    assert _cases(filter_log(example_log, variants=[1])) == ["2"]
    trace = (
        "Create Sales Order",
        "Confirm Order",
        "Change Price",
        "Confirm Order",
        "Ship Goods",
        "Create Invoice",
        "Receive Payment",
    )
    assert _cases(filter_log(example_log, variants=[trace, 2])) == ["1", "3"]


def test_filters_accept_pandas(example_log: pl.DataFrame) -> None:
    assert _cases(filter_log(example_log.to_pandas(), ends_with=["Receive Payment"])) == ["1", "3"]


def test_errors_name_the_problem(example_log: pl.DataFrame) -> None:
    with pytest.raises(ArgumentError, match="did you mean: 'Create Invoice'"):
        filter_log(example_log, ends_with="Create Invoce")
    with pytest.raises(ArgumentError, match="'starts_with' argument of filter_log must be an activity name"):
        filter_log(example_log, starts_with=1)  # type: ignore[arg-type]
    with pytest.raises(ColumnMappingError) as info:
        filter_log(example_log, attributes={"regoin": "EMEA"})
    assert info.value.column == "regoin"
    with pytest.raises(ArgumentError, match="variant_id numbers from 1 to 3"):
        filter_log(example_log, variants=[4])
    with pytest.raises(ArgumentError, match="timeframe"):
        filter_log(example_log, start="2025-01-01", timeframe="during")
    with pytest.raises(ArgumentError, match="min_lead_time"):
        filter_log(example_log, min_lead_time="soon")
    with pytest.raises(ArgumentError, match="'start'"):
        filter_log(example_log, start="yesterday-ish")
