"""The CSV reader's typed fast path reads any file as the exact (text) path does.

Files are drawn cell by cell: the first rows from values of one shape (so columns are read
typed), the rest from those and, one cell in six, a near miss (another format, a sign, a blank, an
impossible date, leading zeros, a decimal comma; now and then a ragged line): values DuckDB's
cast reads but the exact path reads otherwise or rejects. The log, the rejects and the notes must be
those of the exact path; only speed may differ.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import o2c.io
from o2c.io import _csv

TIMESTAMPS = ["2025-01-06T10:00:00+01:00", "2025-01-07T11:30:00.5+0100", "2025-03-30T02:30:00Z"]
NAIVE = ["2025-01-06 10:00:00", "2025-10-26 02:30:00", "2025-10-26 02:30:00.125"]
NUMBERS = ["12", "-3", "0", "2997.62", "0.5"]
DATES = ["2025-02-07", "2024-02-29"]
# Near misses: values DuckDB's cast reads that the exact path reads otherwise or rejects.
NEAR_TIMESTAMPS = [
    "", " ", "2025-01-06T24:00:00Z", "2025-01-06T10:00:60Z", "2025-01-06T10:00:00z",
    "2025-01-06 10:00:00+01:00", "2025-01-06T10:00+01:00", "2025-01-06T10:00:00.1234567+01:00",
    "2025-01-06T10:00:00+01", "2025-02-30T10:00:00Z", "13.01.2025 10:00", "2025-01-06",
    "9999-12-31T00:00:00Z", "1736150400",
]  # fmt: skip
NEAR_NUMBERS = [
    "",
    " ",
    "007",
    "+5",
    " 5",
    "1e5",
    ".5",
    "5.",
    "-0",
    "n/a",
    "1,5",
    "12345678901234567890",
    "5.0",
]
NEAR_DATES = ["", "2025-1-6", "2025-02-30", "07.02.2025", "2025-02-07T00:00:00", "2025-03-30 02:30:00"]
POOLS = {
    "done_at": (TIMESTAMPS, NEAR_TIMESTAMPS),
    "local": (NAIVE, NEAR_TIMESTAMPS),
    "amount": (NUMBERS, NEAR_NUMBERS),
    "terms": (NUMBERS[:3], NEAR_NUMBERS),
    "due": (DATES, NEAR_DATES),
}


def _cell(draw: st.DrawFn, pools: tuple[list[str], list[str]], hostile: bool) -> str:
    """A value of the column's pool; after the first rows, one in six a near miss."""
    if hostile and draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from(pools[1]))
    return draw(st.sampled_from(pools[0]))


@st.composite
def _files(draw: st.DrawFn) -> str:
    rows = draw(st.integers(min_value=1, max_value=10))
    lines = ["order,step," + ",".join(POOLS)]
    for row in range(rows):
        hostile = row >= 2
        cells = [draw(st.sampled_from(["A1", "A2", "7", "007", ""] if hostile else ["A1", "A2"])), "Create"]
        cells += [_cell(draw, pools, hostile) for pools in POOLS.values()]
        if hostile and draw(st.integers(0, 19)) == 0:
            cells = cells[:-1] if draw(st.booleans()) else [*cells, "extra"]
        lines.append(",".join(f'"{c}"' if "," in c else c for c in cells))
    return "\n".join(lines) + "\n"


def _read(path: Path, typed: bool, timezone: str) -> Any:
    original = _csv.read_csv

    def reader(*args: Any, **kwargs: Any) -> _csv.CsvRead:
        return original(*args, **(kwargs | {"typed": typed and kwargs.get("typed", False)}))

    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        patch.setattr(o2c.io, "read_csv", reader)
        patch.setattr(_csv, "_HEAD", 2)
        try:
            return o2c.io.read_log(path, timezone=timezone)
        except o2c.errors.ToolkitError as error:  # the same error, or none, on both paths
            return type(error), str(error)


@settings(max_examples=60, deadline=None)
@given(text=_files(), timezone=st.sampled_from(["UTC", "Europe/Berlin"]))
def test_the_typed_path_reads_what_the_text_path_reads(text: str, timezone: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        path.write_text(text, encoding="utf-8")
        fast, exact = _read(path, True, timezone), _read(path, False, timezone)
    if isinstance(exact, tuple):
        assert fast == exact
        return
    assert_frame_equal(fast.log, exact.log)
    assert_frame_equal(fast.rejects, exact.rejects)
    assert fast.source == exact.source
