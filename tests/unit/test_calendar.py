"""Working calendars: the file of the issue, hand-counted working times, and malformed files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import o2c
from o2c._calendar import WorkingCalendar, read_calendar
from o2c.errors import ArgumentError, InputFileError

ROOT = Path(__file__).resolve().parents[2]
ISSUE_FILE = """\
name: Berlin back office
timezone: Europe/Berlin
working_hours:
  monday: ["08:00-17:00"]      # several spans a day allowed: ["08:00-12:00", "13:00-17:00"]
  tuesday: ["08:00-17:00"]
  wednesday: ["08:00-17:00"]
  thursday: ["08:00-17:00"]
  friday: ["08:00-17:00"]
  saturday: []
  sunday: []
holidays: [2025-01-01, 2025-04-21, 2025-12-25, 2025-12-26]   # and/or  holiday_country: DE, holiday_subdivision: BE
"""
WEEK = {d: ["08:00-17:00"] for d in ("monday", "tuesday", "wednesday", "thursday", "friday")}


def _berlin(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.timezone(dt.timedelta(hours=1)))  # CET (winter)


@pytest.fixture
def issue_calendar(tmp_path: Path) -> WorkingCalendar:
    file = tmp_path / "calendar.yaml"
    file.write_text(ISSUE_FILE)
    return read_calendar(file)


def test_the_file_of_the_issue_reads_as_written(issue_calendar: WorkingCalendar) -> None:
    assert issue_calendar.name == "Berlin back office"
    assert issue_calendar.timezone == "Europe/Berlin"
    assert issue_calendar.working_hours["monday"] == ("08:00-17:00",)
    assert issue_calendar.working_hours["saturday"] == ()
    assert issue_calendar.holidays == {
        dt.date(2025, 1, 1),
        dt.date(2025, 4, 21),
        dt.date(2025, 12, 25),
        dt.date(2025, 12, 26),
    }
    assert issue_calendar.day_hours == 9
    assert issue_calendar.weekly_hours == 45


def test_the_sample_calendar_is_the_simulators() -> None:
    """sample_logs/calendar.yaml is the back office the simulator plants its waits in: a person's
    step follows a lognormal number of working seconds of Monday to Friday, 08:00-17:00 UTC, which
    the simulator's own week arithmetic (``_to_work``) counts; every wait of the sample log in the
    calendar's working time is that count."""
    import polars as pl

    from o2c._simulate._generator import _to_work

    calendar = read_calendar(ROOT / "sample_logs" / "calendar.yaml")
    assert (calendar.timezone, calendar.holidays, calendar.day_hours) == ("UTC", frozenset(), 9)
    log = o2c.read_log(ROOT / "sample_logs" / "o2c_orders.csv").log
    pairs = log.select(
        start=pl.col("timestamp"),
        end=pl.col("timestamp").shift(-1),
        same=pl.col("case_id") == pl.col("case_id").shift(-1),
    ).filter("same")
    found = calendar.working_time(pairs["start"], pairs["end"]).dt.total_seconds()
    seconds = [pairs[c].dt.epoch("s").to_numpy() for c in ("start", "end")]
    expected = _to_work(seconds[1]) - _to_work(seconds[0])
    assert len(found) > 10_000
    assert (found.to_numpy() == expected).all()


def test_friday_evening_to_monday_morning_is_one_working_hour(issue_calendar: WorkingCalendar) -> None:
    # Friday 18:00 -> Monday 09:00 in Berlin, 08:00-17:00 Monday to Friday: Monday 08:00-09:00
    found = issue_calendar.working_time([_berlin(2025, 3, 7, 18)], [_berlin(2025, 3, 10, 9)])
    assert found.to_list() == [dt.timedelta(hours=1)]


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (_berlin(2025, 3, 5, 10), _berlin(2025, 3, 5, 15), 5),  # within one day
        (_berlin(2025, 3, 5, 16), _berlin(2025, 3, 6, 9), 2),  # across midnight: 16-17, 8-9
        (_berlin(2025, 3, 8, 10), _berlin(2025, 3, 9, 10), 0),  # a weekend
        (_berlin(2025, 3, 5, 6), _berlin(2025, 3, 5, 7), 0),  # before work
        (_berlin(2024, 12, 31, 16), _berlin(2025, 1, 2, 9), 2),  # over New Year's Day, a holiday
        (_berlin(2025, 3, 3, 8), _berlin(2025, 3, 10, 8), 45),  # a whole week
    ],
)
def test_hand_counted_working_times(
    issue_calendar: WorkingCalendar, start: dt.datetime, end: dt.datetime, hours: int
) -> None:
    assert issue_calendar.working_time([start], [end]).to_list() == [dt.timedelta(hours=hours)]


def test_clock_changes_shift_the_working_hours_in_utc() -> None:
    # Berlin goes to summer time on Sunday 30 March 2025: Monday's 08:00 is 06:00 UTC, Friday's 07:00 UTC
    calendar = WorkingCalendar(WEEK, timezone="Europe/Berlin")
    friday_noon = dt.datetime(2025, 3, 28, 11, tzinfo=dt.UTC)  # 12:00 CET
    monday_noon = dt.datetime(2025, 3, 31, 10, tzinfo=dt.UTC)  # 12:00 CEST
    assert calendar.working_time([friday_noon], [monday_noon]).to_list() == [dt.timedelta(hours=9)]
    # a shift over the night the clocks go forward: 22:00-24:00 and 00:00-06:00 is 7 hours that night
    night = WorkingCalendar(
        {"saturday": ["22:00-24:00"], "sunday": ["00:00-06:00"]}, timezone="Europe/Berlin"
    )
    whole = night.working_time(
        [dt.datetime(2025, 3, 29, 12, tzinfo=dt.UTC)], [dt.datetime(2025, 3, 30, 12, tzinfo=dt.UTC)]
    )
    assert whole.to_list() == [dt.timedelta(hours=7)]


def test_split_spans_leave_out_the_lunch_break() -> None:
    calendar = WorkingCalendar({"monday": ["08:00-12:00", "13:00-17:00"]}, timezone="America/New_York")
    start = dt.datetime(2025, 1, 6, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    end = dt.datetime(2025, 1, 6, 13, 45, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert calendar.working_time([start], [end]).to_list() == [dt.timedelta(minutes=75)]
    assert calendar.day_hours == 8


def test_country_holidays_come_from_the_holidays_package() -> None:
    # Thursday 17:00 to Tuesday 08:00 over Easter: Good Friday and Easter Monday are Berlin's holidays
    calendar = WorkingCalendar(WEEK, timezone="Europe/Berlin", holiday_country="DE", holiday_subdivision="BE")
    summer = dt.timezone(dt.timedelta(hours=2))  # CEST
    start, end = dt.datetime(2025, 4, 17, 17, tzinfo=summer), dt.datetime(2025, 4, 22, 8, tzinfo=summer)
    easter = calendar.working_time([start], [end])
    assert easter.to_list() == [dt.timedelta(0)]  # Good Friday and Easter Monday off
    assert "public holidays of DE-BE" in calendar.describe()


def test_nulls_stay_null_and_the_public_name() -> None:
    calendar = WorkingCalendar(WEEK)
    found = calendar.working_time(
        [dt.datetime(2025, 1, 6, 9), None], [dt.datetime(2025, 1, 6, 10), dt.datetime(2025, 1, 6, 10)]
    )
    assert found.to_list() == [dt.timedelta(hours=1), None]
    assert o2c.WorkingCalendar is WorkingCalendar
    assert o2c.read_calendar is read_calendar


@pytest.mark.parametrize(
    ("text", "key", "shown"),
    [
        ("working_hours: {mondy: ['08:00-17:00']}", "working_hours", "mondy"),
        ("working_hours: {monday: ['08:00-25:00']}", "working_hours.monday", "25:00"),
        ("working_hours: {monday: ['08:00-12:00', '11:00-17:00']}", "working_hours.monday", "'11:00-17:00'"),
        ("working_hours: {monday: ['17:00-08:00']}", "working_hours.monday", "'17:00-08:00'"),
        ("working_hours: {monday: ['8 to 5']}", "working_hours.monday", "'8 to 5'"),
        ("working_hours: {monday: ['08:00-17:00']}\nholiday_country: XX", "holiday_country", "'XX'"),
        (
            "working_hours: {monday: ['08:00-17:00']}\nholiday_country: DE\nholiday_subdivision: ZZ",
            "holiday_subdivision",
            "'ZZ'",
        ),
        (
            "working_hours: {monday: ['08:00-17:00']}\ntimezone: Europe/Berlinn",
            "timezone",
            "'Europe/Berlinn'",
        ),
        ("working_hours: {monday: ['08:00-17:00']}\nholidays: [2025-02-30]", "holidays", "2025-02-30"),
        ("working_hours: {monday: []}", "working_hours", "no span"),
        ("working_hours: {monday: ['08:00-17:00']}\nholiday_contry: DE", "holiday_contry", "holiday_country"),
        ("[1, 2]", None, "mapping"),
    ],
)
def test_malformed_files_name_file_key_and_value(
    tmp_path: Path, text: str, key: str | None, shown: str
) -> None:
    file = tmp_path / "office.yaml"
    file.write_text(text)
    with pytest.raises(InputFileError) as raised:
        read_calendar(file)
    assert raised.value.path == str(file)
    assert raised.value.column == key
    assert "office.yaml" in str(raised.value)
    assert shown in str(raised.value)


def test_constructor_checks_itself() -> None:
    with pytest.raises(ArgumentError) as raised:
        WorkingCalendar({"funday": ["08:00-17:00"]})
    assert raised.value.argument == "working_hours"
    with pytest.raises(ArgumentError):
        WorkingCalendar(WEEK, hours_per_day=0)
    assert WorkingCalendar(WEEK, hours_per_day=8).working_day == dt.timedelta(hours=8)


def test_read_log_takes_a_calendar_or_its_file(tmp_path: Path) -> None:
    frame = o2c.example_log()
    assert o2c.read_log(frame).calendar is None
    assert o2c.read_log(frame, calendar=WorkingCalendar(WEEK)).calendar == WorkingCalendar(WEEK)
    assert (
        o2c.read_log(frame, calendar=ROOT / "sample_logs" / "calendar.yaml").calendar.name
        == "simulated back office"
    )
    with pytest.raises(ArgumentError) as raised:
        o2c.read_log(frame, calendar=9)
    assert raised.value.argument == "calendar"
    with pytest.raises(InputFileError) as missing:
        o2c.read_log(frame, calendar=tmp_path / "nowhere.yaml")
    assert missing.value.path == str(tmp_path / "nowhere.yaml")
