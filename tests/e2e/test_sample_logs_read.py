"""The sample logs read back the same from every format, and the messy export with exactly
the defects that sample_logs/README.md documents."""

from __future__ import annotations

import warnings

import polars as pl
import pytest

from o2c.errors import RejectedRowsWarning
from o2c.io import read_log
from tests.conftest import sample_log

EVENTS = ["case_id", "activity", "timestamp", "resource", "value"]


def _events(log: pl.DataFrame) -> pl.DataFrame:
    return log.select(pl.col("case_id"), pl.col("activity").cast(pl.String), "timestamp", "resource", "value")


@pytest.fixture(scope="module")
def csv_log() -> pl.DataFrame:
    loaded = read_log(sample_log("o2c_orders.csv"))
    assert loaded.rejects.height == 0
    return loaded.log


@pytest.mark.parametrize("name", ["o2c_orders.parquet", "o2c_orders.xes.gz"])
def test_every_format_reads_the_same_events(name: str, csv_log: pl.DataFrame) -> None:
    loaded = read_log(sample_log(name))
    assert loaded.rejects.height == 0
    assert _events(loaded.log).equals(_events(csv_log))


def test_workbook_holds_the_first_orders(csv_log: pl.DataFrame) -> None:
    loaded = read_log(sample_log("o2c_orders.xlsx"))
    assert loaded.source.sheet == "orders"
    orders = loaded.log["case_id"].unique()
    assert orders.len() == 300
    assert _events(loaded.log).equals(_events(csv_log.filter(pl.col("case_id").is_in(orders.implode()))))


def test_messy_export_rejects_exactly_the_planted_defects(csv_log: pl.DataFrame) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = read_log(sample_log("o2c_orders_export.csv"), mapping=sample_log("mapping_export.yaml"))
    assert any(issubclass(w.category, RejectedRowsWarning) for w in caught)
    source = loaded.source
    assert (source.encoding, source.delimiter, source.rows) == ("cp1252", ";", 3145)
    rejects = sorted(loaded.rejects.select("source_row", "reason").iter_rows())
    assert rejects == [
        (155, "missing_case_id"),
        (720, "missing_case_id"),
        (1372, "unparseable_timestamp"),
        (1889, "missing_case_id"),
        (2804, "unparseable_timestamp"),
        (3072, "duplicate_event"),
    ]
    assert source.notes["activities_stripped"] == 5
    assert loaded.log.height == 3145 - 6
    # every event that survived is the same event as in the clean CSV: Berlin time read as UTC,
    # decimal comma values, German headers mapped
    clean = _events(csv_log).join(_events(loaded.log), on=EVENTS, how="semi")
    assert clean.height == loaded.log.height
