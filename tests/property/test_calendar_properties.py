"""Working time against a brute force: every minute of random intervals, looked at one by one.

Intervals fall across weekends, holidays (dates and a country's), clock changes (Europe/Berlin,
America/New_York) and midnight; calendars have split spans. The brute force asks, minute by
minute, whether the local time is in a span of its weekday on a date that is not a holiday.
Span boundaries inside the hour the clocks repeat when they go back are left out: there the
calendar takes the boundary at its first occurrence, which a per-minute rule does not say.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays as holiday_rules
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c._calendar import WEEKDAYS, WorkingCalendar

ZONES = ("Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata")
# clock changes of 2025, and a midweek and a year's end, to start intervals near
ANCHORS = (
    dt.datetime(2025, 3, 30, 1, tzinfo=dt.UTC),  # Berlin forward
    dt.datetime(2025, 10, 26, 1, tzinfo=dt.UTC),  # Berlin back
    dt.datetime(2025, 3, 9, 7, tzinfo=dt.UTC),  # New York forward
    dt.datetime(2025, 11, 2, 6, tzinfo=dt.UTC),  # New York back
    dt.datetime(2025, 12, 24, 12, tzinfo=dt.UTC),
    dt.datetime(2025, 6, 11, 12, tzinfo=dt.UTC),
)


@st.composite
def boundaries(draw: st.DrawFn) -> int:
    """A minute of the day for a span boundary: whole hours, or half hours outside 01:00-03:00."""
    hour = draw(st.one_of(st.integers(0, 24), st.sampled_from((0, 1, 2, 3))))  # often near clock changes
    minute = 0 if hour in (1, 2, 24) else draw(st.sampled_from((0, 30)))
    return hour * 60 + minute


@st.composite
def day_spans(draw: st.DrawFn) -> list[str]:
    cuts = sorted(set(draw(st.lists(boundaries(), max_size=6))))
    pairs = [cuts[i : i + 2] for i in range(0, len(cuts) - 1, 2)]
    return [f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in pairs]


@st.composite
def calendars(draw: st.DrawFn) -> WorkingCalendar:
    hours = {day: draw(day_spans()) for day in WEEKDAYS}
    if not any(hours.values()):
        hours["monday"] = ["08:00-12:00", "13:00-17:00"]
    days = st.dates(dt.date(2025, 2, 20), dt.date(2026, 1, 10))
    country = draw(st.sampled_from((None, None, ("DE", "BE"), ("US", None))))
    return WorkingCalendar(
        working_hours=hours,
        timezone=draw(st.sampled_from(ZONES)),
        holidays=frozenset(draw(st.lists(days, max_size=20))),
        holiday_country=None if country is None else country[0],
        holiday_subdivision=None if country is None else country[1],
    )


@st.composite
def intervals(draw: st.DrawFn) -> tuple[dt.datetime, dt.datetime]:
    anchor = draw(st.sampled_from(ANCHORS))
    start = anchor + dt.timedelta(
        minutes=draw(st.one_of(st.integers(-4 * 1440, 4 * 1440), st.integers(-180, 60)))
    )
    return start, start + dt.timedelta(minutes=draw(st.integers(0, 6 * 1440)))


def brute_force_minutes(calendar: WorkingCalendar, start: dt.datetime, end: dt.datetime) -> int:
    zone = ZoneInfo(calendar.timezone)
    years = range(start.year - 1, end.year + 2)
    off = set(calendar.holidays)
    if calendar.holiday_country:
        off |= set(
            holiday_rules.country_holidays(
                calendar.holiday_country, subdiv=calendar.holiday_subdivision, years=years
            )
        )
    spans = {}
    for index, day in enumerate(WEEKDAYS):
        spans[index] = [
            (int(t[:2]) * 60 + int(t[3:5]), int(t[6:8]) * 60 + int(t[9:11]))
            for t in calendar.working_hours[day]
        ]
    count = 0
    minute = start
    while minute < end:
        local = minute.astimezone(zone)
        of_day = local.hour * 60 + local.minute
        if local.date() not in off and any(a <= of_day < b for a, b in spans[local.weekday()]):
            count += 1
        minute += dt.timedelta(minutes=1)
    return count


@settings(max_examples=150, deadline=None)
@given(calendars(), st.lists(intervals(), min_size=1, max_size=3))
def test_working_time_is_the_count_of_working_minutes(calendar: WorkingCalendar, spans: list) -> None:
    starts, ends = [s for s, _ in spans], [e for _, e in spans]
    found = calendar.working_time(starts, ends).to_list()
    expected = [dt.timedelta(minutes=brute_force_minutes(calendar, s, e)) for s, e in spans]
    assert found == expected
    # the other way round, the same time with the sign turned
    assert calendar.working_time(ends, starts).to_list() == [-t for t in expected]


@settings(max_examples=60, deadline=None)
@given(
    calendars(),
    st.lists(st.sampled_from(ANCHORS), min_size=1, max_size=1),
    st.lists(st.integers(0, 9 * 1440), min_size=3, max_size=30),
)
def test_working_clock_is_monotone_and_adds_up(
    calendar: WorkingCalendar, anchor: list, minutes: list[int]
) -> None:
    """Along sorted instants the clock never goes back, and consecutive working times sum to the whole."""
    instants = sorted(anchor[0] + dt.timedelta(minutes=m) for m in minutes)
    steps = calendar.working_time(instants[:-1], instants[1:]).to_list()
    assert all(step >= dt.timedelta(0) for step in steps)
    assert sum(steps, dt.timedelta(0)) == calendar.working_time([instants[0]], [instants[-1]]).to_list()[0]
