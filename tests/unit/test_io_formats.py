"""Excel, Parquet, pandas and polars frames go through the same mapping and checks as CSV."""

from __future__ import annotations

import gzip
import hashlib
import warnings
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from o2c import example_log
from o2c.errors import ArgumentError, ColumnMappingError, InputFileError, RejectedRowsWarning
from o2c.io import ColumnMapping, read_log
from o2c.io._parquet import read_parquet
from o2c.log import validate


def _events() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "Order": ["7", "7", "8"],
            "Step": ["Create", "Ship", "Create"],
            "Done": [datetime(2025, 1, 6, 9), datetime(2025, 1, 7, 15, 30), datetime(2025, 1, 6, 10)],
            "Net Value": [100.5, 100.5, 20.0],
            "Region": ["EMEA", "EMEA", "AMER"],
        }
    )


def test_excel_single_sheet(tmp_path: Path) -> None:
    path = tmp_path / "orders.xlsx"
    _events().write_excel(path, worksheet="Orders")
    loaded = read_log(path)
    assert loaded.source.sheet == "Orders"
    assert loaded.source.mapping.roles() == {
        "case_id": "Order",
        "activity": "Step",
        "timestamp": "Done",
        "value": "Net Value",
    }
    assert loaded.log["source_row"].to_list() == [2, 3, 4]
    assert loaded.log["timestamp"].to_list() == [
        datetime(2025, 1, 6, 9, tzinfo=UTC),
        datetime(2025, 1, 7, 15, 30, tzinfo=UTC),
        datetime(2025, 1, 6, 10, tzinfo=UTC),
    ]
    assert loaded.log["value"].to_list() == [100.5, 100.5, 20.0]


def test_excel_sheet_is_chosen_or_asked_for(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "book.xlsx"
    with xlsxwriter.Workbook(path) as book:
        pl.DataFrame({"note": ["read me"]}).write_excel(book, worksheet="Cover")
        _events().write_excel(book, worksheet="Events")
    assert read_log(path).source.sheet == "Events"
    with pytest.raises(InputFileError, match="no sheet 'Evnts'") as caught:
        read_log(path, sheet="Evnts")
    assert "did you mean: 'Events'" in str(caught.value)
    with pytest.raises(ColumnMappingError):
        read_log(path, sheet="Cover")


def test_parquet_keeps_types_and_rows(tmp_path: Path) -> None:
    path = tmp_path / "log.parquet"
    example_log().write_parquet(path)
    loaded = read_log(path)
    assert loaded.source.format == "parquet"
    assert loaded.log.select("case_id", "activity", "timestamp", "value", "source_row").equals(
        example_log().select("case_id", "activity", "timestamp", "value", "source_row")
    )
    assert loaded.log["region"].to_list() == example_log()["region"].to_list()


def _parquet_in_time_order(tmp_path: Path, events: pl.DataFrame) -> Path:
    """``events`` in time order (as an ERP exports them) as ``log.parquet``, and as ``log.csv``."""
    ordered = events.sort("Done", maintain_order=True)
    ordered.write_parquet(tmp_path / "log.parquet")
    ordered.with_columns(pl.col("Done").dt.to_string("%Y-%m-%d %H:%M:%S")).write_csv(tmp_path / "log.csv")
    return tmp_path / "log.parquet"


@pytest.mark.parametrize("ids", [pl.String, pl.Int64])
def test_parquet_in_time_order_reads_as_the_same_table_in_csv(tmp_path: Path, ids: pl.DataType) -> None:
    """Parquet is ordered while it is read: the same log and rejects as the CSV reader's sort."""
    orders = [10, 9, 10, 9, 10, 11, 9, 9, None]
    events = pl.DataFrame(
        {
            "Order": pl.Series(orders, dtype=pl.Int64).cast(ids),
            "Step": ["Create", "Create", "Ship", "Ship", "Bill", "Create", "Bill", "Bill", "Create"],
            "Done": [datetime(2025, 1, 1 + d, h) for d, h in ((0, 9), (0, 8), (1, 9), (2, 8), (3, 9), (3, 9),
                                                              (4, 8), (4, 8), (0, 7))],
            "Region": ["EMEA", "AMER", "EMEA", "AMER", "EMEA", "APAC", "AMER", "AMER", "EMEA"],
        }
    )  # fmt: skip
    parquet = _parquet_in_time_order(tmp_path, events)
    with pytest.warns(RejectedRowsWarning):
        from_parquet = read_log(parquet)
    with pytest.warns(RejectedRowsWarning):
        from_csv = read_log(tmp_path / "log.csv")
    # CSV rows are numbered from the header line, Parquet rows from the first row
    csv_log = from_csv.log.with_columns(pl.col("source_row") - 1)
    assert from_parquet.log.drop("timestamp").equals(csv_log.drop("timestamp"))
    assert from_parquet.log["case_id"].to_list() == ["10", "10", "10", "11", "9", "9", "9"]
    assert from_parquet.log["source_row"].to_list() == [3, 4, 6, 7, 2, 5, 8]
    assert from_parquet.rejects["reason"].to_list() == ["missing_case_id", "duplicate_event"]
    assert from_parquet.rejects["source_row"].to_list() == [1, 9]
    assert (from_csv.rejects["source_row"] - 1).to_list() == [1, 9]


def test_parquet_with_its_own_rows_keeps_file_order_for_ties(tmp_path: Path) -> None:
    events = pl.DataFrame(
        {
            "case_id": ["b", "a", "a", "a"],
            "activity": ["x", "late", "first", "second"],
            "timestamp": [datetime(2025, 1, 1, h) for h in (1, 3, 2, 2)],
            "source_row": [5, 4, 4, 4],
        }
    )
    events.write_parquet(tmp_path / "log.parquet")
    log = read_log(tmp_path / "log.parquet", keep_duplicates=True).log
    assert log["activity"].cast(pl.String).to_list() == ["first", "second", "late", "x"]


@pytest.mark.parametrize("blank", [False, True])
def test_parquet_in_case_order_is_read_as_it_is_and_its_case_ids_marked_sorted(
    tmp_path: Path, blank: bool
) -> None:
    """A file in log order keeps polars' sorted mark on its case ids as read, but not with a case
    id missing in the middle (the order check passes over it, so the mark would be false); either
    way the log comes out sorted and marked, the row without a case id rejected."""
    ids = ["a", "a", None if blank else "a", "b", "c"]
    events = pl.DataFrame({"case_id": ids, "activity": ["x", "y", "z", "x", "x"],
                           "timestamp": [datetime(2025, 1, 1, h) for h in (1, 2, 3, 1, 1)]})  # fmt: skip
    events.write_parquet(tmp_path / "log.parquet")
    raw, _ = read_parquet(tmp_path / "log.parquet", ColumnMapping())
    assert raw["case_id"].flags["SORTED_ASC"] is not blank
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RejectedRowsWarning)
        read = read_log(tmp_path / "log.parquet")
    assert read.log["case_id"].flags["SORTED_ASC"]
    assert read.log["case_id"].to_list() == [i for i in ids if i is not None]
    assert read.rejects["source_row"].to_list() == ([3] if blank else [])


def test_the_sha256_of_a_file_read_in_chunks_is_that_of_its_bytes(tmp_path: Path) -> None:
    path = tmp_path / "log.parquet"
    example_log().write_parquet(path)
    assert read_log(path).source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_duplicates_are_found_among_events_tied_on_case_and_time_and_at_the_log_end() -> None:
    at = [datetime(2025, 1, 1, h) for h in (1, 1, 1, 2, 3, 3)]
    frame = pl.DataFrame(
        {
            "case_id": ["a", "a", "a", "a", "b", "b"],
            "activity": ["x", "y", "x", "x", "z", "z"],  # row 3 repeats row 1 with row 2 between
            "timestamp": at,
        }
    )
    with pytest.warns(RejectedRowsWarning):
        loaded = read_log(frame)
    assert loaded.rejects["reason"].to_list() == ["duplicate_event", "duplicate_event"]
    assert loaded.rejects["source_row"].to_list() == [3, 6]
    assert loaded.log["source_row"].to_list() == [1, 2, 4, 5]


def test_resource_and_lifecycle_lose_surrounding_blanks_and_empty_values() -> None:
    frame = pl.DataFrame(
        {
            "case_id": ["1", "1", "1"],
            "activity": ["a", "a", "b"],
            "timestamp": [datetime(2025, 1, 1, h) for h in (1, 2, 3)],
            "resource": [" ann", "bob ", ""],
            "lifecycle": ["start", " complete", "complete"],
        }
    )
    log = read_log(frame).log
    assert log["resource"].to_list() == ["ann", "bob", None]
    assert log["lifecycle"].to_list() == ["start", "complete", "complete"]


def test_pm4py_shaped_pandas_frame() -> None:
    frame = pd.DataFrame(
        {
            "case:concept:name": ["1", "1", "2"],
            "concept:name": ["b", "a", "a"],
            "time:timestamp": pd.to_datetime(["2025-01-02", "2025-01-01", "2025-01-01"], utc=True),
            "org:resource": ["x", "y", "z"],
        }
    )
    loaded = read_log(frame)
    assert loaded.source.format == "frame"
    assert loaded.log["activity"].cast(pl.String).to_list() == ["a", "b", "a"]
    assert loaded.log["resource"].to_list() == ["y", "x", "z"]
    assert loaded.log["source_row"].to_list() == [2, 1, 3]


def test_frame_with_explicit_mapping_object() -> None:
    loaded = read_log(_events(), mapping=ColumnMapping(case_id="Order", activity="Step", timestamp="Done"))
    assert loaded.log.height == 3
    assert loaded.source.mapping.value == "Net Value"  # open roles are still guessed
    assert loaded.log.columns == ["case_id", "activity", "timestamp", "value", "source_row", "Region"]


def test_validate_accepts_a_pandas_log_and_sorts_it() -> None:
    shuffled = example_log().sample(fraction=1.0, shuffle=True, seed=3)
    assert validate(shuffled.to_pandas()).equals(example_log())


def test_an_unknown_time_zone_is_named_in_a_clear_error() -> None:
    frame = pd.DataFrame({"case_id": ["1"], "activity": ["a"], "timestamp": ["2025-01-01 09:00"]})
    with pytest.raises(
        ArgumentError, match=r"'timezone' argument of read_log must be an IANA zone.*'Mars/Base'"
    ):
        read_log(frame, timezone="Mars/Base")
    with pytest.raises(ArgumentError, match=r"read_log's mapping.*'Nowhere'"):
        read_log(frame, mapping={"timezone": "Nowhere"})


def test_validate_takes_numbers_as_ids_and_names_and_rejects_text_times_and_values() -> None:
    times = pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03"])
    numbers = pd.DataFrame({"case_id": [1.0, 1.0, 2.0], "activity": [10, 20, 10], "timestamp": times})
    log = validate(numbers)
    assert log["case_id"].to_list() == ["1", "1", "2"]  # floats pandas made of integer ids lose ".0"
    assert log["activity"].cast(pl.String).to_list() == ["10", "20", "10"]
    assert validate(numbers.assign(case_id=[1.5, 1.5, 2.0]))["case_id"].to_list() == ["1.5", "1.5", "2.0"]
    with pytest.raises(
        ColumnMappingError, match="'timestamp' column holds String values such as '2025-01-01'"
    ):
        validate(numbers.assign(timestamp=["2025-01-01", "2025-01-02", "2025-01-03"]))
    with pytest.raises(ColumnMappingError, match="'value' column holds String values such as '1,5'") as error:
        validate(numbers.assign(value=["1,5", "2", None]))
    assert error.value.column == "value"


def test_read_log_writes_whole_float_ids_without_their_decimals() -> None:
    frame = pd.DataFrame(
        {"case_id": [1.0, 1.0, None, 2.0], "activity": ["a", "b", "c", "d"], "timestamp": ["2025-01-01"] * 4}
    )
    with pytest.warns(RejectedRowsWarning):
        loaded = read_log(frame)
    assert loaded.log["case_id"].to_list() == ["1", "1", "2"]
    assert loaded.rejects["reason"].to_list() == ["missing_case_id"]


# --- broken XES: no crash, nothing printed, no value silently made 0 ------------------------------------

_TYPED = (
    '<?xml version="1.0"?><log><trace><string key="concept:name" value="1"/>'
    '<event><string key="concept:name" value="a"/><date key="time:timestamp" value="2025-01-01T00:00:00"/>'
    '<float key="amount" value="1,5"/><int key="n" value="x"/></event>'
    '<event><string key="concept:name" value="b"/><date key="time:timestamp" value="not a date"/></event>'
    '<event><string key="concept:name" value="c"/><date key="time:timestamp" value="2025-01-02T00:00:00"/>'
    '<float key="amount" value="2.5"/><boolean key="flag" value="true"/></event></trace>'
    '<trace><string key="concept:name" value="2"/><boolean key="vip" value="maybe"/>'
    '<event><string key="concept:name" value="a"/><date key="time:timestamp" value="2025-01-03T00:00:00"/></event>'
    "</trace></log>"
)


def test_typed_xes_values_that_fail_their_type_are_rejected_not_zeroed(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "typed.xes"
    path.write_text(_TYPED)
    with pytest.warns(RejectedRowsWarning):
        loaded = read_log(path)
    assert capfd.readouterr().err == ""  # the parser's own complaints do not reach the terminal
    assert loaded.rejects.select("source_row", "column", "value", "reason").rows() == [
        (1, "amount", "1,5", "invalid_typed_value"),
        (1, "n", "x", "invalid_typed_value"),
        (2, "time:timestamp", "not a date", "unparseable_timestamp"),
        (4, "case:vip", "maybe", "invalid_typed_value"),
    ]
    assert loaded.log["activity"].cast(pl.String).to_list() == ["c"] and loaded.log["value"].to_list() == [
        2.5
    ]
    assert loaded.source.rows == 4 == loaded.log.height + loaded.rejects["source_row"].n_unique()


def test_a_cut_short_xes_gz_is_an_error_not_a_panic(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    whole = gzip.compress(_TYPED.replace("1,5", "1.5").encode() * 1)
    path = tmp_path / "cut.xes.gz"
    path.write_bytes(whole[: len(whole) - 20])
    with pytest.raises(InputFileError, match=r"cut\.xes\.gz could not be read as XES") as error:
        read_log(path)
    assert error.value.path == str(path) and "panicked" not in capfd.readouterr().err


def _nested(depth: int) -> str:
    lists = '<list key="l">' * depth + '<string key="leaf" value="x"/>' + "</list>" * depth
    return (
        '<?xml version="1.0"?><log><trace><string key="concept:name" value="1"/><event>'
        '<string key="concept:name" value="a"/><date key="time:timestamp" value="2025-01-01T00:00:00"/>'
        f"{lists}</event></trace></log>"
    )


def test_attribute_lists_nested_too_deep_are_refused_before_the_parser_crashes(tmp_path: Path) -> None:
    """5,000 nested lists crash rustxes (a segmentation fault): in a child process, so a crash fails only this test."""
    import subprocess
    import sys

    path = tmp_path / "deep.xes"
    path.write_text(_nested(5000))
    done = subprocess.run(
        [sys.executable, "-m", "o2c.cli", "inspect", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1, done.stderr[-500:]
    assert done.stderr.startswith("error: deep.xes: attribute lists or containers nest more than 100 levels")


def test_attribute_lists_within_the_limit_are_read(tmp_path: Path) -> None:
    path = tmp_path / "lists.xes"
    path.write_text(_nested(100))
    assert read_log(path).log["activity"].cast(pl.String).to_list() == ["a"]


def test_the_nesting_limit_is_an_option(tmp_path: Path) -> None:
    path = tmp_path / "lists.xes"
    path.write_text(_nested(150))
    with pytest.raises(
        InputFileError, match=r"nest more than 100 levels deep .*max_nesting=\.\.\. \(--max-nesting\)"
    ):
        read_log(path)
    assert read_log(path, max_nesting=150).log.height == 1
    with pytest.raises(InputFileError, match="nest more than 149 levels"):
        read_log(path, max_nesting=149)


def _long_value(size: int) -> bytes:
    return (
        b'<?xml version="1.0"?><log><trace><string key="concept:name" value="1"/><event>'
        b'<string key="concept:name" value="a"/><date key="time:timestamp" value="2025-01-01T00:00:00"/>\n'
        b'<string key="note" value="' + b"x" * size + b'"/></event></trace></log>'
    )


def test_a_value_of_250_mb_in_a_small_gzip_is_refused_before_parsing(tmp_path: Path) -> None:
    """255 KB of gzip inflate to one 250 MB attribute value, which made the parser panic and hang."""
    import gzip

    path = tmp_path / "bomb.xes.gz"
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(_long_value(0)[: -len(b'"/></event></trace></log>')])
        for _ in range(250):
            out.write(b"x" * (1 << 20))
        out.write(b'"/></event></trace></log>')
    assert path.stat().st_size < 400_000
    with pytest.raises(
        InputFileError, match=r"near line 2 runs longer than 2,097,152 bytes.*--max-field-bytes"
    ):
        read_log(path)


def test_a_long_value_within_a_raised_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "long.xes"
    path.write_bytes(_long_value(3_000_000))
    with pytest.raises(InputFileError, match="runs longer than 2,097,152 bytes"):
        read_log(path)
    loaded = read_log(path, max_field_bytes=4_000_000)
    assert len(loaded.log["note"][0]) == 3_000_000


@pytest.mark.parametrize(
    "name", ["o2c_orders.csv", "o2c_orders.parquet", "o2c_orders.xlsx", "o2c_orders.xes.gz"]
)
def test_columns_reads_only_those_and_the_mapped_ones_with_the_same_events(name: str) -> None:
    """``read_log(columns=...)``: the same events as a whole read, with the roles' columns and
    those asked for only; every row still in the log or the rejects."""
    path = Path(__file__).parents[2] / "sample_logs" / name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RejectedRowsWarning)
        whole = read_log(path, progress=False)
        part = read_log(path, columns=["region"], mapping=whole.source.mapping.roles(), progress=False)
    roles = {"case_id", "activity", "timestamp", "start_timestamp", "resource", "lifecycle", "value"}
    assert set(part.log.columns) == ({"region", "source_row"} | (roles & set(whole.log.columns)))
    assert part.log.equals(whole.log.select(part.log.columns))
    assert part.source.rows == whole.source.rows
    assert part.source.notes["columns"] == [c for c in part.source.notes["columns"] if c != "source_row"]
    assert "region" in part.source.notes["columns"]
    assert "columns" not in whole.source.notes


def test_columns_of_a_parquet_file_are_the_only_ones_read(tmp_path: Path) -> None:
    path = tmp_path / "log.parquet"
    _events().write_parquet(path)
    frame, mapping = read_parquet(path, ColumnMapping(case_id="Order"), columns=["Step", "Done"])
    assert frame.columns == ["Order", "Step", "Done", "source_row"]
    assert mapping.activity == "Step" and mapping.timestamp == "Done"
    assert frame["source_row"].to_list() == [1, 2, 3]


def test_columns_judge_duplicates_on_the_columns_read() -> None:
    """Two events apart only in a column left unread are one event read twice: rejected, counted."""
    events = _events().with_columns(pl.lit("7").alias("Order"), pl.lit("Create").alias("Step"),
                                    pl.lit(datetime(2025, 1, 6, 9)).alias("Done"))  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RejectedRowsWarning)
        whole = read_log(events, progress=False)
        part = read_log(events, columns=["Order", "Step", "Done"], progress=False)
    assert whole.log.height == 2  # the rows differ in Net Value and Region
    assert part.log.height == 1
    assert part.rejects["reason"].to_list() == ["duplicate_event", "duplicate_event"]
    assert part.log.height + part.rejects["source_row"].n_unique() == part.source.rows == 3


def test_columns_name_a_missing_column_and_refuse_what_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "log.parquet"
    _events().write_parquet(path)
    with pytest.raises(ColumnMappingError, match=r"log.parquet has no column 'Regoin' to read.*did you mean"):
        read_log(path, columns=["Regoin"])
    with pytest.raises(ColumnMappingError, match=r"<frame> has no column 'Plant'"):
        read_log(_events(), columns=["Plant"])
    with pytest.raises(ArgumentError, match="a list of column names"):
        read_log(path, columns="Region")
    ocel = Path(__file__).parents[2] / "sample_logs" / "o2c_objects.jsonocel"
    with pytest.raises(ArgumentError, match="object-centric"):
        read_log(ocel, columns=["Region"])


# --- the limits' scan: what it counts, whatever the chunks and the gzip members ----------------------


def _scan_by_hand(data: bytes) -> tuple[int, bool, bool]:
    """<event> elements, a list or container anywhere, valid UTF-8: by regex and str.decode."""
    import re

    try:
        data.decode("utf-8")
        utf8 = True
    except UnicodeDecodeError:
        utf8 = False
    return len(re.findall(rb"<event[\s>/]", data)), bool(re.search(rb"<list|<container", data)), utf8


_PIECES = [b"<event>", b"<event ", b"<event/", b"<event\t", b"<events>", b"</event>", b"<list>", b"<container ",
           b"<contain", b"x" * 7, b"\n", b"<", b"\xc3\xa9", b"\xc3", b"<eve", b"nt>", b"<trace>"]  # fmt: skip


@pytest.mark.parametrize("chunk", [3, 7, 10, 11, 64, 1 << 24])
def test_the_scan_counts_as_a_regex_over_the_whole_file_at_any_chunk_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    import random

    from o2c.io import _xes

    monkeypatch.setattr(_xes, "_CHUNK", chunk)
    nesting_measured: list[Path] = []  # the expat pass runs only where a list or container was seen
    monkeypatch.setattr(_xes, "_check_nesting", lambda path, limit: nesting_measured.append(path))
    rng = random.Random(chunk)
    for i in range(60):
        data = b"".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 30)))
        events, lists, utf8 = _scan_by_hand(data)
        for name, content in ((f"{i}.xes", data), (f"{i}.xes.gz", gzip.compress(data))):
            (tmp_path / name).write_bytes(content)
            nesting_measured.clear()
            scan = _xes._check_limits(tmp_path / name, max_nesting=100, max_field_bytes=1 << 20)
            assert scan == _xes._Scan(events, utf8) and bool(nesting_measured) == lists, (chunk, data)


def test_the_scan_reads_each_gzip_member_and_refuses_a_broken_gzip(tmp_path: Path) -> None:
    from o2c.io import _xes

    xes = b'<log><trace><event a="1"/><event>\xc3\xa9</event></trace></log>'
    one = gzip.compress(xes)
    broken_checksum = one[:-8] + bytes([one[-8] ^ 0xFF]) + one[-7:]
    outcomes = {}
    for name, content in {
        "two_members": one + gzip.compress(xes),
        "zero_padding": one + bytes(100),
        "padding_between": one + bytes(2) + one,
        "trailing_junk": one + b"junk",
        "cut_short": one[:-10],
        "broken_checksum": broken_checksum,
        "not_gzip": xes,
    }.items():
        path = tmp_path / f"{name}.xes.gz"
        path.write_bytes(content)
        scan = _xes._check_limits(path, max_nesting=100, max_field_bytes=1000)
        try:  # what Python's gzip module reads, beside
            whole = gzip.decompress(content)
        except (OSError, EOFError):
            whole = None
        assert (scan is None) == (whole is None), name
        outcomes[name] = None if scan is None else scan.events
        if whole is not None:
            assert scan == _xes._Scan(_scan_by_hand(whole)[0], True), name
    assert outcomes == {"two_members": 4, "zero_padding": 2, "padding_between": 4, "trailing_junk": None,
                        "cut_short": None, "broken_checksum": None, "not_gzip": None}  # fmt: skip
