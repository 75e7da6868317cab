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


def test_cost_of_divergence_in_working_time_priced_on_calendar_days() -> None:
    """Order A follows Create -> Ship (Mon 09:00 -> Mon 15:00: 5 working hours, 9-12 and 13-15;
    6 calendar hours); order B inserts Check and takes Mon 09:00 -> Tue 10:00: 9 working hours
    (9-12, 13-17, 8-10), 25 calendar hours. B's extra time: 4 working hours, 19 calendar hours;
    its financing cost takes the calendar hours: 2400 x 19/24 days x 8% / 365."""
    rows = [
        ("A", "Create", _at(2025, 1, 6, 9), 1000.0),
        ("A", "Ship", _at(2025, 1, 6, 15), 1000.0),
        ("B", "Create", _at(2025, 1, 6, 9), 2400.0),
        ("B", "Check", _at(2025, 1, 6, 12), 2400.0),
        ("B", "Ship", _at(2025, 1, 7, 10), 2400.0),
    ]
    log = pl.DataFrame(rows, schema=["case_id", "activity", "timestamp", "value"], orient="row")
    ideal = o2c.IdealPath(("Create", "Ship"))
    aligned = o2c.align(log, ideal, calendar=CALENDAR).set_index("case_id")
    assert aligned["lead_time"].to_dict() == {"A": 5 * H, "B": 9 * H}
    assert aligned["lead_time_calendar"].to_dict() == {"A": 6 * H, "B": 25 * H}
    cost = o2c.cost_of_divergence(log, o2c.align(log, ideal, calendar=CALENDAR), ideal=ideal)
    row = cost.set_index("kind").loc["any"]
    assert row["extra_time"] == 4 * H
    assert row["extra_time_calendar"] == 19 * H
    assert row["financing_cost"] == pytest.approx(2400 * 19 / 24 * 0.08 / 365)
    plain = o2c.cost_of_divergence(log, o2c.align(log, ideal), ideal=ideal).set_index("kind").loc["any"]
    assert plain["financing_cost"] == pytest.approx(row["financing_cost"])
    assert "extra_time_calendar" not in plain.index


def test_charts_draw_working_time_in_working_days(log: pl.DataFrame) -> None:
    ranked = o2c.bottlenecks(log, top=None, calendar=CALENDAR)
    figure = o2c.plot_bottlenecks(ranked, working_day=CALENDAR.working_day)
    axis = figure.axes[0]
    assert axis.get_xlabel() == "total waiting time (working days)"
    # Create -> Confirm waited 9 working hours in all: one working day of 8 hours and an eighth
    assert max(p.get_width() for p in axis.patches) == pytest.approx(9 / 8)
    plain = o2c.plot_bottlenecks(o2c.bottlenecks(log, top=None)).axes[0]
    assert plain.get_xlabel() == "total waiting time (days)"
    assert max(p.get_width() for p in plain.patches) == pytest.approx(144 / 24)
