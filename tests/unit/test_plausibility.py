"""The plausibility gate on planted logs: each check fires at its threshold and not below it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from o2c import IdealPath, assess, read_log
from o2c.cli import main
from o2c.plausibility import plausibility_warnings
from o2c.report import headlines, validate_findings, write_report

STEPS = ("Create Order", "Ship Goods", "Create Invoice", "Receive Payment")
IDEAL = IdealPath(STEPS, milestones={"paid": "Receive Payment"})


def _orders(ship_days: list[float], *, hour: int = 9, value: float = 1000.0) -> pl.DataFrame:
    """One order per entry: created, shipped ``ship_days`` later, invoiced a day after, paid 30 days after."""
    rows = []
    for n, days in enumerate(ship_days):
        start = datetime(2020, 1, 6, hour) + timedelta(days=n)
        for step, at in zip(STEPS, (0, days, days + 1, days + 31), strict=True):
            rows.append((f"o{n}", step, start + timedelta(days=at), value))
    return pl.DataFrame(rows, schema=["case_id", "activity", "timestamp", "value"], orient="row")


def _codes(found) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return dict(zip(found["code"], found["severity"], strict=True))


def test_a_wait_over_a_year_is_serious_and_its_headline_says_so() -> None:
    slow = assess(read_log(_orders([400, 380, 420])), ideal=IDEAL, progress=False)
    found = plausibility_warnings(slow)
    assert _codes(found)["wait_over_a_year"] == "serious"
    row = found.set_index("code").loc["wait_over_a_year"]
    # Create Order -> Ship Goods: 380, 400, 420 days, the median 400
    assert row["evidence"]["edges"][0] == {"source": "Create Order", "target": "Ship Goods",
                                           "wait_median_days": 400.0, "orders": 3}  # fmt: skip
    assert row["headline"] == 1
    assert headlines(slow)[0].endswith("check some of these orders before quoting it.")
    quick = assess(read_log(_orders([300, 364, 360])), ideal=IDEAL, progress=False)
    assert "wait_over_a_year" not in _codes(plausibility_warnings(quick))
    assert "Caveat" not in " ".join(headlines(quick))


def test_a_wait_over_a_year_is_judged_in_calendar_time_under_a_working_calendar() -> None:
    """400 calendar days are about 103 working days of Monday to Friday: still longer than a year."""
    from o2c import WorkingCalendar

    office = WorkingCalendar(
        {d: ["08:00-17:00"] for d in ("monday", "tuesday", "wednesday", "thursday", "friday")}
    )
    slow = assess(read_log(_orders([400, 380, 420]), calendar=office), ideal=IDEAL, progress=False)
    assert slow.bottlenecks.set_index("target").loc["Ship Goods", "wait_median"] < pd.Timedelta(days=365)
    row = plausibility_warnings(slow).set_index("code").loc["wait_over_a_year"]
    assert row["evidence"]["edges"][0]["wait_median_days"] == 400.0


def test_rejected_rows_above_five_percent(tmp_path: Path) -> None:
    frame = _orders([2] * 5).with_columns(pl.col("timestamp").dt.strftime("%Y-%m-%d %H:%M:%S"))
    bad = frame.with_columns(
        timestamp=pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("soon")).otherwise("timestamp")
    )
    with pytest.warns(Warning):
        one_of_20 = read_log(bad)  # 1 of 20 rows: 5 %, not above
    assert "rejected_rows" not in _codes(plausibility_warnings(assess(one_of_20, progress=False)))
    worse = bad.with_columns(
        timestamp=pl.when(pl.int_range(pl.len()) < 2).then(pl.lit("soon")).otherwise("timestamp")
    )
    with pytest.warns(Warning):
        two_of_20 = read_log(worse)
    found = plausibility_warnings(assess(two_of_20, progress=False)).set_index("code")
    assert found.loc["rejected_rows", "severity"] == "serious"
    assert found.loc["rejected_rows", "evidence"] == {"rejected": 2, "rows": 20, "share": 0.1,
                                                      "top_reason": "unparseable_timestamp", "top_count": 2}  # fmt: skip


def test_financing_cost_above_a_tenth_of_the_value() -> None:
    """Three orders follow the path in 2 days; three insert 'Change Price' and take 2 years longer:
    at 8 % a year that is 16 % of their value (> 10 %); a week longer is not."""

    def log(extra_days: float) -> pl.DataFrame:
        fast = _orders([2, 2, 2])
        slow = _orders([2 + extra_days] * 3).with_columns(pl.col("case_id") + "s")
        inserted = slow.filter(pl.col("activity") == "Create Order").with_columns(
            activity=pl.lit("Change Price"), timestamp=pl.col("timestamp") + timedelta(hours=1)
        )
        return pl.concat([fast, slow, inserted])

    found = plausibility_warnings(assess(read_log(log(730)), ideal=IDEAL, progress=False)).set_index("code")
    evidence = found.loc["financing_cost_high", "evidence"]
    assert evidence["share"] == pytest.approx(730 * 0.08 / 365)
    assert found.loc["financing_cost_high", "headline"] == 2  # all deviations together are above it
    assert (
        "financing_cost_high"
        not in plausibility_warnings(assess(read_log(log(7)), ideal=IDEAL, progress=False))["code"].tolist()
    )


def test_notices_say_what_the_figures_rest_on() -> None:
    dates_only = _orders([3, 4, 5], hour=0)
    result = assess(read_log(dates_only), progress=False)  # no ideal path: discovered, milestones guessed
    codes = _codes(plausibility_warnings(result))
    assert codes == {
        "date_only_timestamps": "notice", "naive_timestamps": "notice", "ideal_path_discovered": "notice",
        "milestones_guessed": "notice",
    }  # fmt: skip
    aware = _orders([3, 4, 5]).with_columns(pl.col("timestamp").dt.replace_time_zone("UTC"))
    named = IdealPath(
        STEPS, milestones=dict(zip(("ordered", "delivered", "invoiced", "paid"), STEPS, strict=True))
    )
    assert set(_codes(plausibility_warnings(assess(read_log(aware), ideal=named, progress=False)))) == set()
    assert set(_codes(plausibility_warnings(assess(read_log(aware), ideal=IDEAL, progress=False)))) == {
        "milestones_guessed"  # ordered, delivered, invoiced: the ideal path names only paid
    }


def test_dates_only_are_midnight_in_the_zone_the_log_was_read_in(tmp_path: Path) -> None:
    """Dates read in Berlin are 23:00 or 22:00 UTC: still dates only; 09:00 in Berlin is not."""
    path = tmp_path / "dates.csv"
    _orders([3, 4, 5], hour=0).with_columns(pl.col("timestamp").dt.strftime("%Y-%m-%d")).write_csv(path)
    berlin = assess(read_log(path, timezone="Europe/Berlin"), progress=False)
    assert berlin.log["timestamp"].dt.hour().unique().to_list() == [23]  # held in UTC (winter)
    assert "date_only_timestamps" in _codes(plausibility_warnings(berlin))
    timed = tmp_path / "timed.csv"
    _orders([3, 4, 5]).write_csv(timed)
    at_nine = assess(read_log(timed, timezone="Europe/Berlin"), progress=False)
    assert "date_only_timestamps" not in _codes(plausibility_warnings(at_nine))


def test_a_discovered_ideal_path_few_orders_follow_is_serious_and_caveats_the_divergence() -> None:
    """``same`` orders follow one variant, each of the other 100 - ``same`` has a step of its own:
    the most frequent variant is the discovered ideal path, followed by ``same`` %."""

    def log(same: int, last: str = "Receive Payment") -> pl.DataFrame:
        rows = []
        for n in range(100):
            steps = ["Create Order", "Ship Goods"] + ([] if n < same else [f"Fix {n}"]) + [last]
            rows += [
                (f"o{n}", step, datetime(2020, 1, 1) + timedelta(days=n, hours=i))
                for i, step in enumerate(steps)
            ]
        return pl.DataFrame(rows, schema=["case_id", "activity", "timestamp"], orient="row")

    rare = assess(read_log(log(4)), progress=False)
    found = plausibility_warnings(rare).set_index("code")
    assert found.loc["ideal_path_rare", "severity"] == "serious"
    assert found.loc["ideal_path_rare", "evidence"] == {"conforming": 4, "orders": 100, "share": 0.04}
    found_headlines = headlines(rare)
    assert "Caveat: this ideal path was found in the log and few orders follow it" in found_headlines[1]
    assert found_headlines[4].startswith("Order to cash") and "Caveat" not in found_headlines[4]  # KPIs
    unpaid = headlines(assess(read_log(log(4, last="Close Case")), progress=False))
    assert unpaid[4].startswith("The costliest deviation")  # no paid milestone: no KPI headline
    assert "Caveat: this ideal path was found in the log" in unpaid[4]
    common = assess(read_log(log(5)), progress=False)  # 5 %: not below the threshold
    assert "ideal_path_rare" not in _codes(plausibility_warnings(common))
    given = assess(
        read_log(log(4)), ideal=IdealPath(("Create Order", "Ship Goods", "Receive Payment")), progress=False
    )
    assert "ideal_path_rare" not in _codes(plausibility_warnings(given))  # the client's own: a finding


def test_most_orders_open() -> None:
    log = _orders([2, 2, 2, 2, 2])
    unpaid = log.filter(
        ~((pl.col("activity") == "Receive Payment") & pl.col("case_id").is_in(["o0", "o1", "o2"]))
    )
    found = plausibility_warnings(assess(read_log(unpaid), ideal=IDEAL, progress=False)).set_index("code")
    assert found.loc["most_orders_open", "evidence"] == {
        "closed": 2,
        "orders": 5,
        "closing_step": "Receive Payment",
    }


def test_findings_report_and_cli_carry_the_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "slow.csv"
    _orders([400, 380, 420]).write_csv(path)
    out = tmp_path / "out"
    assert main(["assess", str(path), "--out", str(out), "--no-progress"]) == 0
    said = capsys.readouterr()
    assert (
        "warning: wait_over_a_year: Orders wait a median 400 days between Create Order and Ship Goods"
        in said.err
    )
    document = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    validate_findings(document)
    serious = [w for w in document["warnings"] if w["severity"] == "serious"]
    assert [w["code"] for w in serious] == ["wait_over_a_year"]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.index("Read this first") < page.index("Headline findings")
    assert main(["assess", str(path), "--out", str(out), "--no-progress", "--fail-on-warning"]) == 1
    assert (out / "report.html").exists()  # written all the same
    fine = tmp_path / "fine.csv"
    _orders([2, 3, 4]).write_csv(fine)
    assert (
        main(["assess", str(fine), "--out", str(tmp_path / "ok"), "--no-progress", "--fail-on-warning"]) == 0
    )


def test_the_report_lists_notices_in_the_data_quality_section(tmp_path: Path) -> None:
    result = assess(read_log(_orders([3, 4, 5])), progress=False)
    write_report(result, tmp_path)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Read this first" not in page
    quality = page[page.index('id="quality"') :]
    assert "What the figures rest on" in quality and "ideal_path_discovered" in quality
