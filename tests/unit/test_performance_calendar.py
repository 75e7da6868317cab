"""Waits, durations and lead times in working time, on a hand-made log counted by hand.

Calendar: Berlin, Monday to Friday 08:00-12:00 and 13:00-17:00, New Year's Day off. Times below
are Berlin's (winter: UTC+1). Working hours counted by hand:

order A (value 1000): Create Fri 3 Jan 16:00 -> Confirm Mon 6 Jan 09:00: Fri 16-17, Mon 8-9 = 2 h
                      (calendar 65 h); Confirm -> Ship Mon 14:00: 9-12, 13-14 = 4 h (calendar 5 h)
order B (value 2000): Create Tue 31 Dec 11:00 -> Confirm Thu 2 Jan 10:00: Tue 11-12, 13-17, Wed
                      holiday, Thu 8-10 = 7 h (47 h); Confirm -> Ship Thu 12:30: 10-12 = 2 h (2.5 h)
order C (value 500):  Create Sat 4 Jan 10:00 -> Confirm Sun 5 Jan 18:00: 0 h (32 h)
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import polars as pl
import pytest

import o2c
from o2c import WorkingCalendar
from o2c.errors import ArgumentError

BERLIN = dt.timezone(dt.timedelta(hours=1))
CALENDAR = WorkingCalendar(
    {day: ["08:00-12:00", "13:00-17:00"] for day in ("monday", "tuesday", "wednesday", "thursday", "friday")},
    timezone="Europe/Berlin",
    name="Berlin office",
    holidays=frozenset({dt.date(2025, 1, 1)}),
)
H = pd.Timedelta(hours=1)


def _at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN).astimezone(dt.UTC)


@pytest.fixture
def log() -> pl.DataFrame:
    rows = [
        ("A", "Create", _at(2025, 1, 3, 16), 1000.0),
        ("A", "Confirm", _at(2025, 1, 6, 9), 1000.0),
        ("A", "Ship", _at(2025, 1, 6, 14), 1000.0),
        ("B", "Create", _at(2024, 12, 31, 11), 2000.0),
        ("B", "Confirm", _at(2025, 1, 2, 10), 2000.0),
        ("B", "Ship", _at(2025, 1, 2, 12, 30), 2000.0),
        ("C", "Create", _at(2025, 1, 4, 10), 500.0),
        ("C", "Confirm", _at(2025, 1, 5, 18), 500.0),
    ]
    return pl.DataFrame(rows, schema=["case_id", "activity", "timestamp", "value"], orient="row")


def test_waiting_times_in_working_hours_with_calendar_time_beside(log: pl.DataFrame) -> None:
    waits = o2c.waiting_times(log, calendar=CALENDAR).set_index(["source", "target"])
    create = waits.loc[("Create", "Confirm")]
    assert create["wait_median"] == 2 * H  # of 0, 2, 7 h
    assert create["wait_total"] == 9 * H
    assert create["wait_max"] == 7 * H
    assert create["wait_median_calendar"] == 47 * H  # of 32, 47, 65 h
    assert create["wait_total_calendar"] == 144 * H
    confirm = waits.loc[("Confirm", "Ship")]
    assert confirm["wait_median"] == 3 * H  # of 2, 4 h
    assert confirm["wait_median_calendar"] == pd.Timedelta(hours=3.75)  # of 2.5, 5 h
    columns = list(waits.columns)
    assert columns.index("wait_median_calendar") == columns.index("wait_median") + 1
    # without a calendar: the calendar-time figures under the plain names, and no twins
    plain = o2c.waiting_times(log).set_index(["source", "target"])
    assert plain.loc[("Create", "Confirm"), "wait_median"] == 47 * H
    assert not any(c.endswith("_calendar") for c in plain.columns)


def test_lead_times_in_working_hours(log: pl.DataFrame) -> None:
    leads = o2c.lead_times(log, calendar=CALENDAR).set_index("case_id")
    assert leads["lead_time"].to_dict() == {"A": 6 * H, "B": 9 * H, "C": pd.Timedelta(0)}
    assert leads["lead_time_calendar"].to_dict() == {"A": 70 * H, "B": pd.Timedelta(hours=49.5), "C": 32 * H}
    # instants stay real dates
    assert leads.loc["A", "first_event"] == pd.Timestamp(_at(2025, 1, 3, 16))
    assert list(leads.index) == ["A", "B", "C"]


def test_bottlenecks_rank_by_working_time_and_price_calendar_days(log: pl.DataFrame) -> None:
    ranked = o2c.bottlenecks(log, top=None, calendar=CALENDAR)
    assert ranked[["source", "target"]].values.tolist() == [["Create", "Confirm"], ["Confirm", "Ship"]]
    assert ranked["share_of_wait"].tolist() == pytest.approx([9 / 15, 6 / 15])
    assert ranked["wait_total_calendar"].tolist() == [144 * H, pd.Timedelta(hours=7.5)]
    # value x calendar days: interest accrues on every day
    assert ranked["value_days"].iloc[0] == pytest.approx((1000 * 65 + 2000 * 47 + 500 * 32) / 24)
    assert ranked["value_days"].iloc[0] == pytest.approx(o2c.bottlenecks(log, top=None)["value_days"].iloc[0])


def test_activity_durations_in_working_hours() -> None:
    # Pick started Friday 16:30 and completed Monday 08:30: 30 + 30 working minutes, 64 calendar hours
    log = pl.DataFrame(
        {
            "case_id": ["A", "A"],
            "activity": ["Pick", "Pick"],
            "timestamp": [_at(2025, 1, 3, 16, 30), _at(2025, 1, 6, 8, 30)],
            "lifecycle": ["start", "complete"],
        }
    )
    durations = o2c.activity_durations(log, calendar=CALENDAR)
    assert durations["duration_median"].tolist() == [H]
    assert durations["duration_median_calendar"].tolist() == [64 * H]
    split = o2c.processing_and_waiting(log, calendar=CALENDAR)
    assert split[["lead_time", "processing_time", "lead_time_calendar"]].values.tolist()[0] == [H, H, 64 * H]


def test_drivers_compare_working_waits(log: pl.DataFrame) -> None:
    log = log.with_columns(region=pl.col("case_id").replace({"A": "EMEA", "B": "APAC", "C": "EMEA"}))
    found = o2c.drivers(log, ("Create", "Confirm"), attributes=["region"], min_cases=1, calendar=CALENDAR)
    apac = found.set_index("value").loc["APAC"]
    assert apac["wait_median"] == 7 * H
    assert apac["others_wait_median"] == H  # of 0 and 2 h


def test_a_calendar_must_be_one() -> None:
    with pytest.raises(ArgumentError) as raised:
        o2c.waiting_times(o2c.example_log(), calendar="calendar.yaml")
    assert raised.value.argument == "calendar"


def test_an_overlap_outside_working_hours_is_still_an_overlap() -> None:
    # b starts Saturday 10:00 and a ends Saturday 11:00: b started before a ended, on a weekend
    log = pl.DataFrame(
        {
            "case_id": ["1", "1"],
            "activity": ["a", "b"],
            "timestamp": [_at(2025, 1, 4, 11), _at(2025, 1, 4, 12)],
            "start_timestamp": [_at(2025, 1, 4, 9), _at(2025, 1, 4, 10)],
        }
    )
    waits = o2c.waiting_times(log, calendar=CALENDAR)
    assert waits["overlaps"].tolist() == [1]
    assert waits["wait_median"].tolist() == [pd.Timedelta(0)]  # no working time between them
    assert waits["wait_median_calendar"].tolist() == [-H]
