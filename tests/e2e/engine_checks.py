"""What the DuckDB and Spark tests check alike: an engine's results equal the in-memory ones on the
sample log, verb by verb, for the alignments, for the cost of divergence and flow efficiency, and
for the whole assessment, table by table."""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd
import polars as pl

import o2c
from tests.conftest import sample_log

#: The verbs that take an engine's log, compared with the in-memory result on the sample log.
FUNCTIONS = (
    "directly_follows", "waiting_times", "variants", "rework", "lead_times", "start_activities", "end_activities",
    "bottlenecks", "log_summary", "case_variants", "activity_durations", "rework_cost", "first_time_right",
    "rekeyed_data", "milestones",
)  # fmt: skip


def assert_verb_equal(function: str, engine_log: Any, log: pl.DataFrame) -> None:
    """``function`` of ``engine_log`` equals its result on ``log`` in memory."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyspark warns that it does not yet fully support pandas 3
        found = getattr(o2c, function)(engine_log)
    expected = getattr(o2c, function)(log)
    if isinstance(expected, dict | float):  # log_summary, first_time_right
        assert found == expected
    else:
        pd.testing.assert_frame_equal(found, expected)


def assert_alignments_equal(ideal: str, engine_log: Any, log: pl.DataFrame) -> None:
    """Variants and each case's variant and lead time from the engine, aligned here: the same
    table as in memory, to the sample's ideal path (``ideal`` a YAML file: sequence alignment) or
    to a Petri net discovered with ``ideal`` as the method."""
    path = (
        o2c.read_ideal_path(sample_log(ideal))
        if ideal.endswith(".yaml")
        else o2c.discover_ideal_path(log, method=ideal)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = o2c.align(engine_log, path)
    pd.testing.assert_frame_equal(found, o2c.align(log, path))


def assert_divergence_equal(closed_only: bool, engine_log: Any, log: pl.DataFrame) -> None:
    """Each order's value, closing and invoicing before shipment, lead time and target hours from
    the engine: the same cost of divergence, flow efficiency and milestones as in memory, on the
    sample's ideal path (with milestones and target hours)."""
    ideal = o2c.read_ideal_path(sample_log("ideal_path.yaml"))
    assert ideal.target_hours and {"delivered", "invoiced"} <= set(ideal.milestones)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cost = o2c.cost_of_divergence(engine_log, o2c.align(engine_log, ideal), closed_only=closed_only)
        efficiency = o2c.flow_efficiency(engine_log, ideal, closed_only=closed_only)
        stones = o2c.milestones(engine_log, ideal=ideal)
    expected = o2c.cost_of_divergence(log, o2c.align(log, ideal), closed_only=closed_only)
    assert "invoice before shipment" in set(expected["deviation"])
    pd.testing.assert_frame_equal(cost, expected)
    pd.testing.assert_frame_equal(efficiency, o2c.flow_efficiency(log, ideal, closed_only=closed_only))
    pd.testing.assert_frame_equal(stones, o2c.milestones(log, ideal=ideal))


def assert_assessment_equal(ideal: str | None, engine_log: Any, loaded: o2c.LoadedLog) -> None:
    """``o2c.assess`` of the engine's log equals the in-memory assessment table by table, to the
    sample's ideal path (``ideal``, a YAML file) or to the path both discover (None); the tables
    the engine leaves out are empty and named with a reason, and the KPIs it leaves out say why."""
    from o2c._assess_engine import NOT_ON_ENGINE
    from o2c._kpis._table import NOT_ON_ENGINE as KPIS_NOT_ON_ENGINE

    path = None if ideal is None else o2c.read_ideal_path(sample_log(ideal))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = o2c.assess(engine_log, ideal=path, progress=False)
    expected = o2c.assess(loaded, ideal=path, progress=False)
    assert found.engine in ("duckdb", "spark") and expected.engine is None
    assert dict(found.not_computed) == NOT_ON_ENGINE
    assert found.ideal == expected.ideal and found.ideal_discovered == expected.ideal_discovered
    assert found.summary == expected.summary and found.currency == expected.currency
    assert found.first_time_right == expected.first_time_right
    assert repr(found.conformance) == repr(expected.conformance)  # its figures; its activities below
    frames, expected_frames = found.frames(), expected.frames()
    compared = [name for name in frames if name not in NOT_ON_ENGINE and name != "kpis"]
    assert len(compared) == 16, compared
    for name in compared:
        pd.testing.assert_frame_equal(frames[name], expected_frames[name], obj=name)
    for name in ("start_activities", "end_activities"):
        pd.testing.assert_frame_equal(getattr(found, name), getattr(expected, name), obj=name)
    for name in NOT_ON_ENGINE:
        assert name not in frames or frames[name].empty, name
    left_out = found.kpis["kpi"].isin(list(KPIS_NOT_ON_ENGINE))
    assert left_out.sum() == len(KPIS_NOT_ON_ENGINE)
    pd.testing.assert_frame_equal(
        found.kpis[~left_out].reset_index(drop=True),
        expected.kpis[~expected.kpis["kpi"].isin(list(KPIS_NOT_ON_ENGINE))].reset_index(drop=True),
    )
    assert found.kpis[left_out]["definition"].str.contains("Not computed: on the engine").all()
    assert (found.kpis[left_out]["orders_covered"] == 0).all()
