"""The typed fast path of the CSV reader gives the exact path's log, rejects and notes.

Each file is read twice: by ``read_log`` as it is (DuckDB casts the numbers and ISO timestamps
it can, ``read_csv(typed=True)``) and with the reader forced to text (``typed=False``, the exact
path: every column parsed in polars). ``_HEAD``, the rows that decide a column's shape, is made
small so that hostile values come after it, where only the whole-column check can catch them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import o2c.io
from o2c.errors import RejectedRowError
from o2c.io import _csv
from o2c.io._csv import SHAPES, _shapes
from o2c.model import LoadedLog

HEADER = "order,step,done_at,amount,terms,due,note\n"
CLEAN = [
    "A1,Create,2025-01-06T10:00:00.250000+01:00,2997.62,30,2025-02-07,x",
    "A1,Ship,2025-01-07T11:30:00.000000+01:00,2997.62,30,2025-02-07,y",
    "A2,Create,2025-01-08T09:15:00.500000-05:00,12.50,14,2025-02-09,z",
]


def _read(path: Path, *, typed: bool, **options: Any) -> tuple[LoadedLog, dict[str, str]]:
    """``read_log(path)`` with the CSV reader typed or not, and the columns it typed."""
    seen: dict[str, str] = {}
    original: Callable[..., _csv.CsvRead] = _csv.read_csv

    def reader(*args: Any, **kwargs: Any) -> _csv.CsvRead:
        read = original(*args, **(kwargs | {"typed": typed and kwargs.get("typed", False)}))
        seen.update(read.typed)
        return read

    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        patch.setattr(o2c.io, "read_csv", reader)
        return o2c.io.read_log(path, **options), seen


def _same(path: Path, **options: Any) -> dict[str, str]:
    """Assert both paths read ``path`` alike; the columns the fast path kept typed."""
    fast, typed = _read(path, typed=True, **options)
    exact, untyped = _read(path, typed=False, **options)
    assert untyped == {}
    assert_frame_equal(fast.log, exact.log)
    assert_frame_equal(fast.rejects, exact.rejects)
    assert fast.source == exact.source
    assert fast.source.rows == fast.log.height + fast.rejects["source_row"].n_unique()
    return typed


@pytest.fixture(autouse=True)
def _small_head(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_csv, "_HEAD", 2)


def _write(tmp_path: Path, lines: list[str], header: str = HEADER, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_clean_file_is_read_typed_and_equal(tmp_path: Path) -> None:
    typed = _same(_write(tmp_path, CLEAN * 3))
    assert typed == {"done_at": "timestamp_offset_t", "amount": "decimal", "terms": "integer", "due": "date"}


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ("A3,Pay,13.01.2025 10:00,5.00,30,2025-02-07,w", "done_at"),  # another timestamp format
        ("A3,Pay,2025-02-30T10:00:00+01:00,5.00,30,2025-02-07,w", "done_at"),  # 30 February
        ("A3,Pay,2025-01-09T24:00:00+01:00,5.00,30,2025-02-07,w", "done_at"),  # 24:00
        ("A3,Pay,2025-01-09 10:00:00+01:00,5.00,30,2025-02-07,w", "done_at"),  # space, not T
        ("A3,Pay,2025-01-09T10:00:00z,5.00,30,2025-02-07,w", "done_at"),  # lower-case zulu
        ("A3,Pay,2025-01-09T10:00:00+01,5.00,30,2025-02-07,w", "done_at"),  # hours-only offset
        ("A3,Pay,2025-01-09T10:00:00.1234567+01:00,5.00,30,2025-02-07,w", "done_at"),  # 7 digits
        ("A3,Pay,,5.00,30,2025-02-07,w", None),  # missing timestamp: typed, rejected alike
        ("A3,Pay,2025-01-09T10:00:00+01:00,1e5,30,2025-02-07,w", "amount"),  # exponent
        ("A3,Pay,2025-01-09T10:00:00+01:00, 5.00,30,2025-02-07,w", "amount"),  # blank
        ('A3,Pay,2025-01-09T10:00:00+01:00,"1,234.50",30,2025-02-07,w', "amount"),  # thousands
        ("A3,Pay,2025-01-09T10:00:00+01:00,+5,30,2025-02-07,w", "amount"),  # sign
        ("A3,Pay,2025-01-09T10:00:00+01:00,EUR 5,30,2025-02-07,w", "amount"),  # currency
        ("A3,Pay,2025-01-09T10:00:00+01:00,n/a,30,2025-02-07,w", "amount"),  # not a number
        ("A3,Pay,2025-01-09T10:00:00+01:00,5.00,007,2025-02-07,w", "terms"),  # leading zeros: an id
        ("A3,Pay,2025-01-09T10:00:00+01:00,5.00,2.5,2025-02-07,w", "terms"),  # integers, then a decimal
        ("A3,Pay,2025-01-09T10:00:00+01:00,5.00,1234567890123456789,2025-02-07,w", "terms"),  # 19 digits
        ("A3,Pay,2025-01-09T10:00:00+01:00,5.00,.5,2025-02-07,w", "terms"),
        ("A3,Pay,2025-01-09T10:00:00+01:00,5.00,30,2025-02-30,w", "due"),  # 30 February
        ("A3,Pay,2025-01-09T10:00:00+01:00,5.00,30,07.02.2025,w", "due"),  # day first
        ("A3,Pay,2025-01-09T10:00:00+01:00,5.00,30,2025-02-07,w,extra", None),  # too many fields
        ("A3,Pay,2025-01-09T10:00:00+01:00,5.00", None),  # too few fields
    ],
)
def test_a_hostile_row_after_the_first_rows_gives_the_exact_result(
    tmp_path: Path, line: str, column: str | None
) -> None:
    typed = _same(_write(tmp_path, [*CLEAN, line, *CLEAN]))
    if column is not None:
        assert column not in typed  # that column read as text, the others still typed
    assert set(typed) - {column} == {"done_at", "amount", "terms", "due"} - {column}


def test_a_decimal_comma_elsewhere_makes_the_numbers_text(tmp_path: Path) -> None:
    """With '3,5' in one column, the exact path reads every number with a decimal comma
    (2997.62 is then no number); the fast path asks for the text and gives the same."""
    lines = [f"{line};3,5" for line in (row.replace(",", ";") for row in CLEAN)]
    path = _write(tmp_path, lines, header=HEADER.replace(",", ";").rstrip() + ";rate\n")
    _same(path)
    loaded, _ = _read(path, typed=True)
    assert loaded.source.notes["decimal_comma"]
    assert loaded.log["terms"].dtype == pl.Float64  # 30 read with a decimal comma, as the exact path does


@pytest.mark.parametrize(
    "line",
    [
        "A3,Pay,9999-12-31T00:00:00.000000+00:00,5.00,30,2025-02-07,w",  # SAP's open date
        "A3,Pay,1899-12-31T00:00:00.000000+00:00,5.00,30,2025-02-07,w",
    ],
)
def test_rejected_timestamps_show_their_text(tmp_path: Path, line: str) -> None:
    path = _write(tmp_path, [*CLEAN, line])
    _same(path)
    loaded, _ = _read(path, typed=True)
    assert loaded.rejects["value"].to_list() == [line.split(",")[2]]


def test_local_times_that_do_not_exist_are_rejected_alike(tmp_path: Path) -> None:
    """Naive timestamps read in Europe/Berlin: 02:30 on 30 March 2025 never happened there."""
    lines = [
        "A1,Create,2025-03-29 10:00:00,1.5,30,2025-03-30 02:30:00,x",  # an attribute in the gap
        "A1,Ship,2025-03-30 02:30:00,1.5,30,2025-03-31 08:00:00,y",  # the timestamp in the gap
        "A2,Create,2025-03-31 08:00:00,1.5,30,2025-04-01 08:00:00,z",
    ]
    _same(_write(tmp_path, lines), timezone="Europe/Berlin")
    typed = _same(
        _write(tmp_path, [lines[0], lines[2]], name="no_gap_in_times.csv"), timezone="Europe/Berlin"
    )
    assert typed["done_at"] == "timestamp"


def test_naive_dates_and_times_are_read_in_the_zone(tmp_path: Path) -> None:
    lines = [
        "A1,Create,2025-01-06T10:00:00,1,30,2025-02-07,x",
        "A1,Ship,2025-01-07T10:00:00.5,2,30,2025-02-08,y",  # a fraction where others have none
        "A2,Create,2025-07-06T10:00:00,3,30,2025-08-07,z",
    ]
    typed = _same(_write(tmp_path, lines), timezone="America/New_York")
    assert typed == {"done_at": "timestamp_t", "amount": "integer", "terms": "integer", "due": "date"}


def test_numeric_case_ids_stay_text_and_epoch_timestamps_are_read_exactly(tmp_path: Path) -> None:
    lines = ["1000001,Create,1736150400,5,30,2025-02-07,x", "0000002,Ship,1736236800,5,30,2025-02-07,y"]
    header = "case_id,activity,timestamp,amount,terms,due,note\n"
    _same(_write(tmp_path, lines, header=header))
    loaded, _ = _read(tmp_path / "export.csv", typed=True)
    assert loaded.log["case_id"].to_list() == ["0000002", "1000001"]


def test_a_mapping_and_strict_behave_alike(tmp_path: Path) -> None:
    path = _write(tmp_path, [*CLEAN, "A3,Pay,2025-02-30T10:00:00+01:00,5.00,30,2025-02-07,w"])
    mapping = {"case_id": "order", "activity": "step", "timestamp": "done_at", "value": "amount"}
    _same(path, mapping=mapping)
    errors = []
    for typed in (True, False):
        with pytest.raises(RejectedRowError) as caught:
            _read(path, typed=typed, strict=True)
        errors.append((caught.value.rows, caught.value.column, str(caught.value)))
    assert errors[0] == errors[1]


def test_crlf_quotes_and_non_ascii_text(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    text = (
        HEADER + '"A1","Créer",2025-01-06T10:00:00.000000+01:00,"2997.62",30,2025-02-07,"Zoë, ""the"" one"\n'
    )
    path.write_bytes((text + "\n".join(CLEAN) + "\n").replace("\n", "\r\n").encode("utf-8"))
    assert _same(path)["amount"] == "decimal"


def test_shapes_are_strict() -> None:
    """Every shape refuses what DuckDB's cast would take but the exact path reads otherwise."""
    refused = {
        "integer": ["007", "+5", " 5", "-0", "1_000", "5.0", "1e3", "1234567890123456789"],
        "decimal": ["1e5", "inf", "nan", ".5", "5.", "+5", "007.5", "1,5", " 5"],
        "date": ["2025-1-6", "25-01-06", " 2025-01-06", "0000-01-01"],
        "timestamp_offset_t": ["2025-01-06T24:00:00Z", "2025-01-06T10:00:60Z", "2025-01-06T10:00Z"],
    }
    for shape, values in refused.items():
        for value in values:
            assert _shapes(pl.DataFrame({"c": [value]})).get("c") != shape, (shape, value)
    assert set(SHAPES) == set(_shapes(pl.DataFrame({s: [v] for s, v in _EXAMPLES.items()})).values())


_EXAMPLES = {
    "integer": "-12",
    "decimal": "0.5",
    "timestamp_offset_t": "2025-01-06T10:00:00.5+0100",
    "timestamp_offset": "2025-01-06 10:00:00Z",
    "timestamp_t": "2025-01-06T10:00:00",
    "timestamp": "2025-01-06 10:00:00.123456",
    "date": "2025-01-06",
}
