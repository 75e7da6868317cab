"""Data-quality findings, hand-counted on small logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from o2c import example_log
from o2c.errors import RejectedRowsWarning
from o2c.io import read_log
from o2c.quality import data_quality, log_summary


def _findings(loaded) -> dict[str, tuple[int, int, str]]:  # type: ignore[no-untyped-def]
    table = data_quality(loaded)
    return {row.check: (row.count, row.of, row.example) for row in table.itertuples()}


def test_example_log_findings() -> None:
    found = _findings(read_log(example_log()))
    assert found["rows_rejected"][:2] == (0, 19)
    assert found["tied_timestamps"][0] == 0
    assert found["cases_without_usual_start"][:2] == (0, 3)
    assert found["cases_without_usual_end"] == (1, 3, "2")  # order 2 ends with Create Invoice
    assert found["single_event_cases"][0] == 0
    assert found["rare_activities"] == (1, 7, "Change Price")  # 1 event, fewer than 2


def test_messy_log_findings(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(
        "case,activity,time\n"
        "1,Create,2025-01-02 10:00\n"  # row 2
        "1,Ship ,2025-01-02 10:00\n"  # row 3: tie with row 2, stripped
        "1,Pay,2025-01-01 09:00\n"  # row 4: earlier than rows 2-3: out of file order
        "2,Create,2025-01-05 10:00\n"  # row 5
        "2,Create,2025-01-05 10:00\n"  # row 6: duplicate
        "3,,2025-01-05 10:00\n"  # row 7: missing activity
    )
    with pytest.warns(RejectedRowsWarning):
        loaded = read_log(path)
    found = _findings(loaded)
    assert found["rows_rejected"][:2] == (2, 6)
    assert found["rejected:duplicate_event"][:2] == (1, 6)
    assert found["rejected:missing_activity"][:2] == (1, 6)
    assert found["duplicate_events"][0] == 1
    assert found["tied_timestamps"] == (1, 4, "1")
    assert found["out_of_file_order"] == (1, 4, "1")
    assert found["activities_stripped"][0] == 1
    assert found["naive_timestamps"] == (4, 4, "")
    assert found["single_event_cases"] == (1, 2, "2")
    # case 1 starts with Pay once sorted by time, case 2 with Create: a tie of 1 each, broken by name
    assert found["cases_without_usual_start"][:2] == (1, 2)
    assert found["time_range"][2] == "2025-01-01 09:00:00 UTC .. 2025-01-05 10:00:00 UTC"


def test_stripped_case_ids_and_starts_after_ends_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(
        "case,activity,start,time\n"
        " 7,Create,2025-01-02 08:00,2025-01-02 09:00\n"  # ' 7' and '7 ' are case 7
        "7 ,Ship,2025-01-03 12:00,2025-01-03 10:00\n"  # starts two hours after it ends
        "8,Create,,2025-01-04 10:00\n"
    )
    found = _findings(read_log(path, mapping={"start_timestamp": "start"}))
    assert found["case_ids_stripped"][:2] == (2, 3)
    assert found["start_after_end"] == (1, 3, "7")
    assert "start_after_end" not in _findings(read_log(example_log()))  # no start times, no check


def test_log_summary_counts() -> None:
    summary = log_summary(example_log())
    assert summary == {
        "events": 19,
        "cases": 3,
        "activities": 7,
        "variants": 3,
        "first_event": "2025-01-06 09:00:00 UTC",
        "last_event": "2025-01-29 05:00:00 UTC",
    }
