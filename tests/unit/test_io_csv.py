"""Reading messy delimited exports: every row lands in the log or in the rejects."""

from __future__ import annotations

import codecs
import warnings
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from o2c.errors import (
    ColumnMappingError,
    InputFileError,
    RejectedRowError,
    RejectedRowsWarning,
    TimestampFormatError,
)
from o2c.io import read_log


def _write(tmp_path: Path, text: str, *, encoding: str = "utf-8", name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _accounted(loaded) -> bool:  # type: ignore[no-untyped-def]
    return loaded.source.rows == loaded.log.height + loaded.rejects["source_row"].n_unique()


EUROPEAN = (
    "Auftrag;Aktivität;Zeitpunkt;Bearbeiter;Nettowert;Größe\n"
    "A1;Auftrag anlegen ;13.01.2025 10:00:00;Jürgen;1.234,50;groß\n"
    "A1;Kredit prüfen;14.01.2025 11:30:00;Jürgen;1.234,50;groß\n"
    "A1;Kredit prüfen;14.01.2025 11:30:00;Jürgen;1.234,50;groß\n"  # exact duplicate of row 3
    ";Auftrag anlegen;14.01.2025 12:00:00;Anna;99,00;klein\n"  # missing case id
    "A2;Auftrag anlegen;31.02.2025 10:00:00;Anna;7,5;klein\n"  # 31 February
    "A2;Auftrag anlegen;;Anna;7,5;klein\n"  # missing timestamp
    "A2;  Liefern;20.01.2025 08:15:00;Zoë;7,5;klein\n"
    "A3;Auftrag anlegen;21.01.2025 09:00:00;Anna;3,5;klein;extra\n"  # too many fields
    "A3;Auftrag anlegen;21.01.2025 09:00:00;Anna;3,5;klein\n"
)


@pytest.fixture
def european(tmp_path: Path) -> Path:
    return _write(tmp_path, EUROPEAN, encoding="cp1252")


def test_european_export_is_read_with_exact_counts(european: Path) -> None:
    with pytest.warns(RejectedRowsWarning, match="5 of 9 rows"):
        loaded = read_log(european, timezone="Europe/Berlin")
    source = loaded.source
    assert (source.encoding, source.delimiter, source.format, source.rows) == ("cp1252", ";", "csv", 9)
    assert source.mapping.roles() == {
        "case_id": "Auftrag",
        "activity": "Aktivität",
        "timestamp": "Zeitpunkt",
        "resource": "Bearbeiter",
        "value": "Nettowert",
    }
    assert loaded.log.height == 4
    assert loaded.rejects.sort("source_row").select("source_row", "reason").rows() == [
        (4, "duplicate_event"),
        (5, "missing_case_id"),
        (6, "unparseable_timestamp"),
        (7, "missing_timestamp"),
        (9, "malformed_line"),
    ]
    assert _accounted(loaded)
    log = loaded.log
    assert log["activity"].cast(pl.String).to_list() == [
        "Auftrag anlegen",
        "Kredit prüfen",
        "Liefern",
        "Auftrag anlegen",
    ]
    assert log["case_id"].to_list() == ["A1", "A1", "A2", "A3"]
    first = log.row(0, named=True)
    assert first["case_id"] == "A1"
    assert first["activity"] == "Auftrag anlegen"
    assert first["timestamp"] == datetime(2025, 1, 13, 9, 0, tzinfo=UTC)  # 10:00 in Berlin, winter
    assert first["value"] == pytest.approx(1234.5)
    assert first["resource"] == "Jürgen"
    assert first["Größe"] == "groß"
    assert source.notes["activities_stripped"] == 2
    assert source.notes["dayfirst"] is True
    assert loaded.rejects.filter(pl.col("reason") == "unparseable_timestamp")["value"].to_list() == [
        "31.02.2025 10:00:00"
    ]


def test_source_rows_count_like_a_spreadsheet(european: Path) -> None:
    with pytest.warns(RejectedRowsWarning):
        loaded = read_log(european, timezone="Europe/Berlin")
    assert loaded.log["source_row"].to_list() == [2, 3, 8, 10]


def test_encodings_from_plain_ascii_to_latin1(tmp_path: Path) -> None:
    ascii_only = "case;activity;time\n1;Create;2025-01-06 09:00\n"
    assert read_log(_write(tmp_path, ascii_only, name="a.csv")).source.encoding == "utf-8"
    # 0x81 is not a cp1252 character: the last resort, latin-1, reads every byte
    path = tmp_path / "b.csv"
    path.write_bytes(b"case;activity;time\n1;Kredit \x81 pr\xfcfen;2025-01-06 09:00\n")
    loaded = read_log(path)
    assert loaded.source.encoding == "latin-1"
    assert loaded.log["activity"].cast(pl.String).to_list() == ["Kredit \x81 pr\u00fcfen"]


def test_utf8_bom_tsv_with_mixed_offsets(tmp_path: Path) -> None:
    text = (
        "\ufeffcase_id\tactivity\ttimestamp\n"
        "1\tCreate\t2025-03-01T10:00:00+01:00\n"
        "1\tShip\t2025-03-01T10:00:00Z\n"
        "2\tCreate\t2025-03-01 12:00:00\n"
    )
    loaded = read_log(_write(tmp_path, text, name="log.tsv"), timezone="America/New_York")
    assert loaded.source.encoding == "utf-8-sig"
    assert loaded.source.delimiter == "\t"
    stamps = dict(zip(loaded.log["source_row"], loaded.log["timestamp"], strict=True))
    assert stamps[2] == datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    assert stamps[3] == datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    assert stamps[4] == datetime(2025, 3, 1, 17, 0, tzinfo=UTC)  # naive, read in New York (UTC-5)
    assert loaded.rejects.height == 0


def test_quoted_field_over_two_lines_is_one_row(tmp_path: Path) -> None:
    text = 'case,activity,time\n1,"Check\ncredit",2025-01-01 10:00\n1,Ship,2025-01-02 10:00,x\n1,Pay,2025-01-03 10:00\n'
    with pytest.warns(RejectedRowsWarning):
        loaded = read_log(_write(tmp_path, text))
    assert loaded.log["source_row"].to_list() == [2, 4]
    assert loaded.rejects.select("source_row", "reason").rows() == [(3, "malformed_line")]


def test_ambiguous_date_order_raises_with_examples(tmp_path: Path) -> None:
    text = "case,activity,time\n1,a,01/02/2025 10:00\n1,b,03/04/2025 10:00\n"
    path = _write(tmp_path, text)
    with pytest.raises(TimestampFormatError) as caught:
        read_log(path)
    assert caught.value.column == "time"
    assert "01/02/2025 10:00" in str(caught.value) and "dayfirst" in str(caught.value)
    assert read_log(path, dayfirst=True).log["timestamp"][0] == datetime(2025, 2, 1, 10, tzinfo=UTC)
    assert read_log(path, dayfirst=False).log["timestamp"][0] == datetime(2025, 1, 2, 10, tzinfo=UTC)


def test_day_over_twelve_decides_the_order(tmp_path: Path) -> None:
    text = "case,activity,time\n1,a,01/02/2025 10:00\n1,b,25/02/2025 10:00\n"
    loaded = read_log(_write(tmp_path, text))
    assert loaded.log["timestamp"].to_list() == [
        datetime(2025, 2, 1, 10, tzinfo=UTC),
        datetime(2025, 2, 25, 10, tzinfo=UTC),
    ]


def test_missing_mapped_column_suggests_the_closest(tmp_path: Path) -> None:
    path = _write(tmp_path, "CaseID,Activity,Changed On\n1,a,2025-01-01\n")
    with pytest.raises(ColumnMappingError) as caught:
        read_log(path, mapping={"case_id": "Case ID"})
    assert caught.value.column == "Case ID"
    assert "'CaseID'" in str(caught.value) and "export.csv" in str(caught.value)


def test_unrecognised_columns_name_the_role(tmp_path: Path) -> None:
    path = _write(tmp_path, "x,y,z\n1,a,2025-01-01\n")
    with pytest.raises(ColumnMappingError, match="case_id"):
        read_log(path)
    loaded = read_log(path, mapping={"case_id": "x", "activity": "y", "timestamp": "z"})
    assert loaded.log.height == 1


def test_mapping_from_yaml_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "x,y,z\n1,a,01.02.2025\n")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("case_id: x\nactivity: y\ntimestamp: z\ndayfirst: false\n")
    assert read_log(path, mapping=mapping).log["timestamp"][0] == datetime(2025, 1, 2, tzinfo=UTC)


def test_strict_raises_on_first_rejected_row(european: Path) -> None:
    with pytest.raises(RejectedRowError) as caught:
        read_log(european, strict=True)
    assert caught.value.rows == (4,)


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="unknown file type"):
        read_log(_write(tmp_path, "a", name="log.json"))
    with pytest.raises(InputFileError, match="No such file"):
        read_log(tmp_path / "nope.csv")


def test_no_warning_when_nothing_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, "case_id,activity,timestamp\n1,a,2025-01-01T00:00:00Z\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_log(path).rejects.height == 0


def test_windows_line_ends_and_blank_lines(tmp_path: Path) -> None:
    text = (
        "case;activity;time\r\n1;a;2025-01-01 10:00\r\n\r\n1;b;2025-01-01 11:00\r\n2;a;2025-01-01 12:00;x\r\n"
    )
    with pytest.warns(RejectedRowsWarning):
        loaded = read_log(_write(tmp_path, text))
    assert loaded.log["activity"].cast(pl.String).to_list() == ["a", "b"]
    assert loaded.log["source_row"].to_list() == [2, 3]  # the blank line is not a row
    assert loaded.rejects.select("source_row", "reason").rows() == [(4, "malformed_line")]


@pytest.mark.parametrize(
    ("stamps", "expected"),
    [
        (
            ["1736154925", "1736158525.5"],
            [
                datetime(2025, 1, 6, 9, 15, 25, tzinfo=UTC),
                datetime(2025, 1, 6, 10, 15, 25, 500000, tzinfo=UTC),
            ],
        ),
        (
            ["1736154925000", "1736158525000"],
            [datetime(2025, 1, 6, 9, 15, 25, tzinfo=UTC), datetime(2025, 1, 6, 10, 15, 25, tzinfo=UTC)],
        ),
        (
            ["06-Jan-2025 09:15", "07-Feb-2025 11:00"],
            [datetime(2025, 1, 6, 9, 15, tzinfo=UTC), datetime(2025, 2, 7, 11, 0, tzinfo=UTC)],
        ),
        (
            ["20250106091525", "20250207110000"],
            [datetime(2025, 1, 6, 9, 15, 25, tzinfo=UTC), datetime(2025, 2, 7, 11, 0, tzinfo=UTC)],
        ),
    ],
    ids=["unix-seconds", "unix-milliseconds", "month-names", "compact"],
)
def test_other_timestamp_layouts(tmp_path: Path, stamps: list[str], expected: list[datetime]) -> None:
    text = "case_id,activity,timestamp\n" + "".join(f"1,step{i},{s}\n" for i, s in enumerate(stamps))
    loaded = read_log(_write(tmp_path, text))
    assert loaded.rejects.height == 0
    assert loaded.log["timestamp"].to_list() == expected


def test_amounts_with_currency(tmp_path: Path) -> None:
    text = 'case;activity;time;Net Value\n1;a;2025-01-01;"€ 1.234,50"\n2;a;2025-01-01;12,00 EUR\n3;a;2025-01-01;n/a\n'
    loaded = read_log(_write(tmp_path, text))
    assert loaded.log["value"].to_list() == [1234.5, 12.0, None]
    assert loaded.source.notes["value_unparseable"] == 1


def test_a_local_time_skipped_by_daylight_saving_is_rejected_as_such(tmp_path: Path) -> None:
    path = tmp_path / "dst.csv"
    path.write_text(
        "case,activity,time\n1,a,2025-03-30 01:30\n1,b,2025-03-30 02:30\n1,c,not a time\n", encoding="utf-8"
    )
    with pytest.warns(RejectedRowsWarning):
        loaded = read_log(path, timezone="Europe/Berlin")
    assert loaded.rejects.select("source_row", "reason").rows() == [
        (3, "nonexistent_local_time"),
        (4, "unparseable_timestamp"),
    ]
    with pytest.warns(RejectedRowsWarning):
        assert read_log(path).rejects["reason"].to_list() == ["unparseable_timestamp"]  # 02:30 exists in UTC


@pytest.mark.parametrize("suffix", [".zip", ".gz", ".zst", ".csv.gz"])
def test_plain_text_named_like_a_compressed_file_is_read_as_text(tmp_path: Path, suffix: str) -> None:
    """DuckDB is told the compression; it never guesses one from the name (a zip member named 'VBFA.zip')."""
    from o2c.io._csv import read_csv

    text = "case;activity;time\nA1;Create;2025-01-13 10:00:00\nA1;Ship;2025-01-14 11:30:00\n"
    path = _write(tmp_path, text, name=f"export{suffix}")
    read = read_csv(path, path.read_bytes())
    assert read.frame.drop("source_row").rows() == [
        ("A1", "Create", "2025-01-13 10:00:00"),
        ("A1", "Ship", "2025-01-14 11:30:00"),
    ]
    assert read.rows == 2 and read.malformed.height == 0


def test_a_gzipped_csv_is_read_from_its_content(tmp_path: Path) -> None:
    import gzip

    text = "case,activity,time\nA1,Create,2025-01-13 10:00:00\nA1,Ship,2025-01-14 11:30:00\n"
    path = tmp_path / "export.csv.gz"
    path.write_bytes(gzip.compress(text.encode()))
    loaded = read_log(path)
    assert loaded.log["activity"].cast(pl.String).to_list() == ["Create", "Ship"] and _accounted(loaded)


def test_timestamps_outside_1900_to_2200_are_rejected_as_implausible(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "case,activity,time\nA,Create,2025-01-06 10:00\nA,Ship,9999-12-31\nB,Create,0001-01-01\n"
        "B,Ship,2025-02-01 08:00\nC,Create,1900-01-01\nC,Ship,2200-12-31 23:59\n",
    )
    with pytest.warns(RejectedRowsWarning, match="SAP writes 9999-12-31 for an open date"):
        loaded = read_log(path)
    assert loaded.rejects.select("source_row", "value", "reason").rows() == [
        (3, "9999-12-31", "implausible_timestamp"),
        (4, "0001-01-01", "implausible_timestamp"),
    ]
    assert loaded.log["source_row"].to_list() == [2, 5, 6, 7] and _accounted(loaded)


# --- broken files: every physical line in the log or in the rejects, with its number ------------------

#: A small clean export: one event per line, the line number (header = 1) in the `line` column.
CLEAN = "case,activity,time,customer,line\n" + "".join(
    f"A{n // 3},Step {n % 3},2025-01-{6 + n // 3:02d} {10 + n % 3}:00,Kühn {n},{n + 2}\n" for n in range(12)
)


def _lines(loaded) -> list[int]:  # type: ignore[no-untyped-def]
    """The `line` column of the events kept: which input lines reached the log."""
    return [int(v) for v in loaded.log["line"].to_list()]


def _read_quietly(path: Path):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RejectedRowsWarning)
        return read_log(path)


def _with_line(text: str, number: int, new: str) -> str:
    lines = text.split("\n")
    lines[number - 1] = new
    return "\n".join(lines)


def test_a_quote_inside_an_unquoted_field_is_kept_as_text(tmp_path: Path) -> None:
    line4 = CLEAN.split("\n")[3]
    path = _write(tmp_path, _with_line(CLEAN, 4, line4.replace("Kühn", 'K"ühn')))
    loaded = read_log(path)
    assert loaded.rejects.height == 0 and _lines(loaded) == list(range(2, 14)) and loaded.source.rows == 12
    assert loaded.log["customer"].to_list()[2] == 'K"ühn 2'


def test_an_unbalanced_quote_at_a_field_start_loses_its_own_line_only(tmp_path: Path) -> None:
    line6 = CLEAN.split("\n")[5]
    path = _write(tmp_path, _with_line(CLEAN, 6, line6.replace(",Step", ',"Step', 1)))
    loaded = _read_quietly(path)
    assert loaded.rejects.select("source_row", "reason").rows() == [(6, "malformed_line")]
    assert _lines(loaded) == [n for n in range(2, 14) if n != 6] and _accounted(loaded)


@pytest.mark.parametrize(
    "broken",
    [
        lambda line: line + ",one too many",  # a ragged row
        lambda line: line.replace(",", ";", 1),  # a delimiter missing
    ],
    ids=["ragged", "missing delimiter"],
)
def test_one_bad_line_is_rejected_not_the_file(tmp_path: Path, broken) -> None:  # type: ignore[no-untyped-def]
    line5 = CLEAN.split("\n")[4]
    loaded = _read_quietly(_write(tmp_path, _with_line(CLEAN, 5, broken(line5))))
    assert loaded.rejects.select("source_row", "reason").rows() == [(5, "malformed_line")]
    assert _lines(loaded) == [n for n in range(2, 14) if n != 5] and _accounted(loaded)


def test_a_stray_cr_ends_a_line_as_in_an_editor_and_costs_only_its_two_halves(tmp_path: Path) -> None:
    line5 = CLEAN.split("\n")[4]
    loaded = _read_quietly(_write(tmp_path, _with_line(CLEAN, 5, line5.replace(",", "\r", 1))))
    assert loaded.source.rows == 13  # 12 events, one of them now two lines
    assert loaded.rejects.select("source_row", "reason").rows() == [
        (5, "malformed_line"),
        (6, "malformed_line"),
    ]
    assert _lines(loaded) == [n for n in range(2, 14) if n != 5] and _accounted(loaded)


def test_a_cp1252_line_in_a_utf8_file_is_rejected_not_the_file_reinterpreted(tmp_path: Path) -> None:
    lines = CLEAN.encode("utf-8").split(b"\n")
    lines[6] = CLEAN.split("\n")[6].encode("cp1252")
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"\n".join(lines))
    loaded = _read_quietly(path)
    assert loaded.source.encoding == "utf-8"
    assert loaded.rejects.select("source_row", "reason").rows() == [(7, "encoding_error")]
    assert all(c.startswith("Kühn") for c in loaded.log["customer"].to_list())  # no 'KÃ¼hn'
    assert _lines(loaded) == [n for n in range(2, 14) if n != 7]


def test_a_byte_order_mark_in_front_of_a_cp1252_export(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + CLEAN.encode("cp1252"))
    loaded = read_log(path)
    assert loaded.source.encoding == "cp1252" and loaded.source.mapping.case_id == "case"
    assert loaded.log["customer"].to_list()[0] == "Kühn 0" and _lines(loaded) == list(range(2, 14))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_a_byte_order_mark(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "unicode.txt"
    body = CLEAN.replace(",", "\t").encode(encoding)
    path.write_bytes((codecs.BOM_UTF16_BE if encoding == "utf-16-be" else b"") + body)
    loaded = read_log(path)
    assert loaded.source.encoding == encoding[:6] and loaded.source.delimiter == "\t"
    assert loaded.log["customer"].to_list()[0] == "Kühn 0" and _lines(loaded) == list(range(2, 14))


def test_leading_blank_lines_are_skipped(tmp_path: Path) -> None:
    loaded = read_log(_write(tmp_path, "\n\r\n" + CLEAN))
    assert loaded.source.mapping.case_id == "case" and _lines(loaded) == list(range(2, 14))
