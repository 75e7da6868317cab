"""o2c assess --calendar on the sample log: the report and findings.json say which calendar, and
working-time waits lie below the calendar-time ones; assess takes the loaded log's calendar."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

import o2c
from o2c.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_logs"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("calendar") / "out"
    argv = ["assess", str(SAMPLE / "o2c_orders.csv"), "--ideal", str(SAMPLE / "ideal_path.yaml")]
    assert main([*argv, "--calendar", str(SAMPLE / "calendar.yaml"), "--out", str(out), "--no-progress"]) == 0
    return out


def test_the_report_states_the_calendar(report: Path) -> None:
    page = (report / "report.html").read_text(encoding="utf-8")
    assert "simulated back office" in page
    assert "(UTC; Mon-Fri 08:00-17:00" in page
    assert "a working day is 9 hours" in page
    found = json.loads((report / "findings.json").read_text(encoding="utf-8"))
    jsonschema.validate(found, o2c.findings_schema())
    assert found["calendar"]["name"] == "simulated back office"
    assert found["calendar"]["hours_per_day"] == 9
    assert found["calendar"]["working_hours"]["friday"] == ["08:00-17:00"]
    assert found["calendar"]["holidays"] == []
    assert "working days" in found["headlines"][0] or "working hours" in found["headlines"][0]
    # the waiting-time map labels working time in working days and says so
    dot = (report / "maps" / "waiting_time.dot").read_text(encoding="utf-8")
    assert " wd<" in dot or " wh<" in dot
    assert "wd = a working day of 9 h" in dot


def test_working_medians_lie_below_the_calendar_ones(report: Path) -> None:
    found = json.loads((report / "findings.json").read_text(encoding="utf-8"))
    for edge in found["edges"]:
        assert edge["wait_median_s"] <= edge["wait_median_calendar_s"]
        assert edge["wait_total_s"] <= edge["wait_total_calendar_s"]
    waits = [
        (e["wait_median_s"], e["wait_median_calendar_s"]) for e in found["edges"] if e["transitions"] >= 100
    ]
    assert waits and all(working < calendar for working, calendar in waits)
    # a working week has 45 of the week's 168 hours: the total working wait is at most a little
    # over that share of the total calendar wait (spans start and end inside working hours)
    total = sum(e["wait_total_s"] for e in found["edges"]) / sum(
        e["wait_total_calendar_s"] for e in found["edges"]
    )
    assert 0.2 < total < 45 / 168 + 0.1
    table = pd.read_csv(report / "tables" / "bottlenecks.csv")
    assert (table["wait_median_s"] <= table["wait_median_calendar_s"]).all()


def test_without_a_calendar_nothing_changes(tmp_path: Path) -> None:
    loaded = o2c.read_log(SAMPLE / "o2c_orders.csv", calendar=SAMPLE / "calendar.yaml")
    assert loaded.calendar == o2c.read_calendar(SAMPLE / "calendar.yaml")
    ideal = o2c.read_ideal_path(SAMPLE / "ideal_path.yaml")
    working = o2c.assess(loaded, ideal=ideal, progress=False)
    plain = o2c.assess(replace(loaded, calendar=None), ideal=ideal, progress=False)
    assert working.calendar == loaded.calendar and plain.calendar is None
    # the calendar-time twins of the working assessment are the plain assessment's figures
    twins = working.waiting_times.set_index(["source", "target"])["wait_median_calendar"]
    assert twins.equals(plain.waiting_times.set_index(["source", "target"])["wait_median"].rename(twins.name))
    # the analyses called by themselves agree with the pipeline
    direct = o2c.waiting_times(loaded.log, calendar=loaded.calendar)
    assert direct["wait_median"].tolist() == working.waiting_times["wait_median"].tolist()
    # money stays in calendar days (to the last bits of a float sum, whose order polars may change)
    pd.testing.assert_series_equal(
        working.bottlenecks.set_index(["source", "target"])["value_days"].sort_index(),
        plain.bottlenecks.set_index(["source", "target"])["value_days"].sort_index(),
        check_exact=False,
        rtol=1e-12,
    )
    assert o2c.findings(plain)["calendar"] is None


def test_a_bad_calendar_file_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "office.yaml"
    bad.write_text("timezone: Europe/Berlin\nworking_hours: {monday: ['09:00-12:00', '11:00-17:00']}\n")
    argv = ["assess", str(SAMPLE / "o2c_orders.csv"), "--calendar", str(bad), "--out", str(tmp_path / "out")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "office.yaml" in err and "'11:00-17:00'" in err
    assert not (tmp_path / "out").exists()


def test_findings_with_processing_times_in_working_time_are_valid() -> None:
    """A log with start and complete events: processing times get their calendar twins in findings.json."""
    import datetime as dt

    import polars as pl

    hours = [(8, 9), (10, 16), (9, 11)]  # per order: start of a, complete of a; b ends a day later
    rows = []
    for i in range(40):
        day = dt.datetime(2025, 3, 3 + i % 5, tzinfo=dt.UTC)
        start, end = hours[i % 3]
        rows += [
            (str(i), "a", day + dt.timedelta(hours=start), "start"),
            (str(i), "a", day + dt.timedelta(hours=end), "complete"),
            (str(i), "b", day + dt.timedelta(days=1, hours=end), "start"),
            (str(i), "b", day + dt.timedelta(days=1, hours=end + 1), "complete"),
        ]
    frame = pl.DataFrame(rows, schema=["case_id", "activity", "timestamp", "lifecycle"], orient="row")
    loaded = o2c.read_log(frame, calendar=SAMPLE / "calendar.yaml")
    found = o2c.findings(o2c.assess(loaded, progress=False))
    jsonschema.validate(found, o2c.findings_schema())
    by_activity = {row["activity"]: row for row in found["processing_times"]}
    assert by_activity["b"]["duration_median_s"] == 3600  # b runs an hour within working hours
    # a: 1 h, 6 h or 2 h of work (8-9, 10-16, 9-11), all within 08:00-17:00: the same in both times
    assert by_activity["a"]["duration_median_s"] == by_activity["a"]["duration_median_calendar_s"] == 2 * 3600
