"""Reading is faithful: what is written to CSV, in any row order, is what is read back."""

from __future__ import annotations

import re
import tempfile
import warnings
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.io import read_log
from o2c.io._csv import _has_blank_lines
from o2c.io._timestamps import _first_distinct
from tests.property.strategies import logs


def _write(frame: pl.DataFrame, order: list[int], folder: Path, name: str) -> Path:
    path = folder / name
    shuffled = frame[order].with_columns(pl.col("timestamp").dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    shuffled.write_csv(path)
    return path


def _events(log: pl.DataFrame) -> pl.DataFrame:
    return log.select("case_id", pl.col("activity").cast(pl.String), "timestamp", "value")


@settings(max_examples=40, deadline=None)
@given(log=logs(), data=st.data())
def test_csv_round_trip_in_any_row_order(log: pl.DataFrame, data: st.DataObject) -> None:
    order = data.draw(st.permutations(range(log.height)))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        in_order = read_log(_write(log, list(range(log.height)), folder, "a.csv"))
        shuffled = read_log(_write(log, list(order), folder, "b.csv"))
    for loaded in (in_order, shuffled):
        assert loaded.source.rows == loaded.log.height + loaded.rejects["source_row"].n_unique()
        assert loaded.rejects.height == 0
        assert _events(loaded.log).equals(_events(log.sort("case_id", "timestamp")))
    # shuffling the input rows changes nothing in the log but where each event came from
    assert _events(shuffled.log).equals(_events(in_order.log))
    assert sorted(shuffled.log["source_row"].to_list()) == list(range(2, log.height + 2))


@settings(max_examples=30, deadline=None)
@given(log=logs(ties=True), broken=st.lists(st.integers(0, 30), max_size=4))
def test_every_row_is_accounted_for(log: pl.DataFrame, broken: list[int]) -> None:
    text = log.with_columns(pl.col("timestamp").dt.strftime("%Y-%m-%d %H:%M:%S")).write_csv()
    lines = text.splitlines()
    for position in broken:  # break some rows: empty activity or garbage timestamp
        index = 1 + position % max(1, len(lines) - 1)
        if index < len(lines):
            fields = lines[index].split(",")
            fields[1 + position % 2] = "" if position % 2 == 0 else "not a time"
            lines[index] = ",".join(fields)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.csv"
        path.write_text("\n".join(lines) + "\n")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loaded = read_log(path)
    assert loaded.source.rows == len(lines) - 1
    assert loaded.log.height + loaded.rejects["source_row"].n_unique() == loaded.source.rows
    assert set(loaded.log["source_row"]).isdisjoint(set(loaded.rejects["source_row"]))


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.integers(0, 60).map(str), max_size=400), n=st.integers(1, 12))
def test_the_timestamp_sample_is_the_first_distinct_values_of_the_whole_column(
    values: list[str], n: int
) -> None:
    column = pl.Series(values, dtype=pl.String)
    whole = list(dict.fromkeys(values))[:n]  # first appearances, in order
    assert _first_distinct(column, n).to_list() == whole


@settings(max_examples=300, deadline=None)
@given(data=st.lists(st.sampled_from([b"a", b",", b"\r", b"\n", b" "]), max_size=30).map(b"".join))
def test_blank_lines_are_found_in_place_as_in_the_stripped_text(data: bytes) -> None:
    body = data.strip(b"\r\n")
    assert _has_blank_lines(data) == (b"\n\n" in body or b"\n\r\n" in body)


# --- broken exports: one mutated line costs that line at most --------------------------------------

_CLEAN = "case,activity,time,customer,line\n" + "".join(
    f"A{n // 4},Step {n % 4},2025-02-{1 + n // 4:02d} {8 + n % 4}:15,Müller {n},{n + 2}\n" for n in range(40)
)
_MUTATIONS = {
    "quote": lambda line, at: line[:at] + '"' + line[at:],
    "delimiter": lambda line, at: line[:at] + "," + line[at:],
    "semicolon": lambda line, at: line[:at] + ";" + line[at + 1 :],
    "cr": lambda line, at: line[:at] + "\r" + line[at:],
    "drop": lambda line, at: line[:at] + line[at + 1 :],
}


@settings(max_examples=60, deadline=None)
@given(
    line=st.integers(2, 41),
    at=st.integers(0, 30),
    mutation=st.sampled_from(sorted(_MUTATIONS)),
    cp1252=st.booleans(),
)
def test_a_mutated_line_costs_at_most_that_line(line: int, at: int, mutation: str, cp1252: bool) -> None:
    """Counted independently: the physical lines, and the `line` column of the events kept."""
    lines = _CLEAN.split("\n")
    lines[line - 1] = _MUTATIONS[mutation](lines[line - 1], at)
    data = "\n".join(lines).encode("utf-8")
    if cp1252:  # the same line also in another encoding
        raw = data.split(b"\n")
        raw[line - 1] = lines[line - 1].encode("cp1252", errors="replace")
        data = b"\n".join(raw)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        path.write_bytes(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loaded = read_log(path)
    physical = [n for n, text in enumerate(re.split(rb"\r\n|\n|\r", data), start=1) if text.strip()]
    assert loaded.source.rows == len(physical) - 1  # every line a record, none swallowed
    assert loaded.log.height + loaded.rejects["source_row"].n_unique() == loaded.source.rows
    kept = set(loaded.log["line"].cast(pl.Int64).to_list())
    assert set(range(2, 42)) - {line} <= kept  # every untouched line reached the log
    # the mutated line's own physical lines (two where a CR alone now breaks it), and no other
    parts = [text for text in re.split(r"\r\n|\n|\r", lines[line - 1]) if text.strip()]
    assert set(loaded.rejects["source_row"].to_list()) <= set(range(line, line + max(len(parts), 1)))
