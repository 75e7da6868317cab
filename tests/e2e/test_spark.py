"""The core analyses on Spark (local mode) equal the polars path on the sample log.

Counts and durations are equal exactly with Spark's exact percentiles (the default). With
``accuracy`` Spark's ``percentile_approx`` gives, as its documentation states, one of the
waits whose rank is within ``n / accuracy`` of the exact one among an edge's ``n`` waits (its
exact rank is the smallest r with r >= q * n); the tests check that bound, with a coarse accuracy
so that the approximation really differs from the interpolated percentile.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest

import o2c
from o2c.cli import main
from o2c.discovery import transitions
from tests.conftest import sample_log
from tests.e2e.engine_checks import (
    FUNCTIONS,
    assert_alignments_equal,
    assert_assessment_equal,
    assert_divergence_equal,
    assert_verb_equal,
)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """One local Spark session for the module: 2 threads, no UI, few shuffle partitions, UTC."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyspark warns that it does not yet fully support pandas 3
        from pyspark.sql import SparkSession

        session = (
            SparkSession.builder.master("local[2]")
            .appName("o2c-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .getOrCreate()
        )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def logs(spark: Any) -> tuple[pl.DataFrame, Any]:
    """The sample log in memory (polars) and as a Spark DataFrame with the same columns."""
    log = o2c.read_log(sample_log("o2c_orders.parquet")).log
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = spark.createDataFrame(log.with_columns(pl.col("activity").cast(pl.String)).to_pandas())
    return log, frame.cache()


@pytest.mark.parametrize("function", FUNCTIONS)
def test_spark_equals_polars(function: str, logs: tuple[pl.DataFrame, Any]) -> None:
    log, frame = logs
    assert_verb_equal(function, frame, log)


@pytest.mark.parametrize("ideal", ["ideal_path.yaml", "inductive_miner"])
def test_alignments_on_spark_equal_in_memory(ideal: str, logs: tuple[pl.DataFrame, Any]) -> None:
    log, frame = logs
    assert_alignments_equal(ideal, frame, log)


@pytest.mark.parametrize("closed_only", [True, False])
def test_cost_of_divergence_and_flow_efficiency_on_spark_equal_in_memory(
    closed_only: bool, logs: tuple[pl.DataFrame, Any]
) -> None:
    log, frame = logs
    assert_divergence_equal(closed_only, frame, log)


def test_assessment_on_spark_equals_in_memory(logs: tuple[pl.DataFrame, Any]) -> None:
    assert_assessment_equal("ideal_path.yaml", logs[1], o2c.read_log(sample_log("o2c_orders.parquet")))


def test_the_command_reads_a_parquet_file_into_spark_with_its_mapping(
    spark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``o2c assess --engine spark``: the file read with its mapping into the local session (this
    module's, running already: the command takes the process's session), its tables those of the
    in-memory path (above, table by table), the report naming the file and its mapping."""
    log = o2c.example_log().rename({"case_id": "Order", "activity": "Step", "timestamp": "Done"})
    log.drop("source_row").write_parquet(tmp_path / "orders.parquet")
    roles = ["--case-id", "Order", "--activity", "Step", "--timestamp", "Done"]
    argv = ["assess", str(tmp_path / "orders.parquet"), "--engine", "spark", *roles, "--no-progress"]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 0
    assert "scanned 19 events with spark" in capsys.readouterr().out
    found = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert found["engine"]["name"] == "spark" and found["mapping"]["case_id"] == "Order"
    assert found["input"]["file"] == "orders.parquet" and len(found["input"]["sha256"]) == 64
    assert found["log"] == {k: v for k, v in o2c.log_summary(o2c.example_log()).items()}


def test_start_times_on_spark_equal_polars(spark: Any, logs: tuple[pl.DataFrame, Any]) -> None:
    """The sample log with start times (every fifth missing): durations, waits to the next start
    and lead times from the earliest start, as in memory."""
    log = logs[0].with_columns(
        start_timestamp=pl.when(pl.col("source_row") % 5 == 0)
        .then(None)
        .otherwise(pl.col("timestamp") - pl.duration(minutes=pl.col("source_row") % 97))
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = spark.createDataFrame(log.with_columns(pl.col("activity").cast(pl.String)).to_pandas())
        found = {
            name: getattr(o2c, name)(frame) for name in ("activity_durations", "waiting_times", "lead_times")
        }
    assert found["activity_durations"]["instances_without_start"].sum() == log.height // 5
    for name, table in found.items():
        pd.testing.assert_frame_equal(table, getattr(o2c, name)(log))


def test_spark_overlap_as_zero_equals_polars(logs: tuple[pl.DataFrame, Any]) -> None:
    log, frame = logs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = o2c.waiting_times(frame, overlap_as_zero=True)
    pd.testing.assert_frame_equal(found, o2c.waiting_times(log, overlap_as_zero=True))


@pytest.mark.parametrize("accuracy", [10_000, 20])
def test_approximate_percentiles_within_sparks_documented_accuracy(
    accuracy: int, logs: tuple[pl.DataFrame, Any]
) -> None:
    log, frame = logs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = o2c.waiting_times(frame, accuracy=accuracy)
    exact = o2c.waiting_times(log)
    pd.testing.assert_frame_equal(found.drop(columns=["wait_median", "wait_p90"]),
                                  exact.drop(columns=["wait_median", "wait_p90"]))  # fmt: skip
    waits = transitions(log).with_columns(pl.col("source", "target").cast(pl.String))
    by_edge = {key: np.sort(group["wait"].dt.total_microseconds().to_numpy())
               for key, group in waits.group_by("source", "target")}  # fmt: skip
    off = 0
    for row in found.itertuples():
        values = by_edge[(row.source, row.target)]
        n = len(values)
        for quantile, approximate in ((0.5, row.wait_median), (0.9, row.wait_p90)):
            microseconds = approximate // pd.Timedelta(microseconds=1)
            ranks = np.flatnonzero(values == microseconds) + 1  # 1-based ranks holding that value
            assert len(ranks), f"{row.source} -> {row.target}: {approximate} is not one of the waits"
            target = math.ceil(quantile * n)
            distance = int(np.min(np.abs(ranks - target)))
            assert distance <= math.ceil(n / accuracy), (row.source, row.target, quantile, distance, n)
            off += distance > 0
    if accuracy == 20:
        assert off > 0, "a coarse accuracy should give some percentile away from the exact rank"


def test_spark_frame_without_canonical_columns_is_refused(spark: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = spark.createDataFrame(pd.DataFrame({"Order": ["1"], "Step": ["a"]}))
    with pytest.raises(o2c.ColumnMappingError) as raised:
        o2c.directly_follows(frame)
    assert raised.value.column == "case_id"
