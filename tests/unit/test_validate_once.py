"""The log is validated once per call from outside (o2c.log: "Checked once, at the door").

Each public function validates its log at the door and hands it to its private twin; pipelines
(``assess``, ``filter_log``, ``cost_of_divergence``, ...) validate once and then call twins only.
These tests count the calls of ``o2c.log.validate`` during one call from outside.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

import polars as pl
import pytest

import o2c
import o2c._assess
import o2c._rework
import o2c.conformance
import o2c.discovery
import o2c.filtering
import o2c.log
import o2c.performance
import o2c.quality
from o2c import example_log
from o2c.io import read_log

IDEAL = o2c.IdealPath(
    (
        "Create Sales Order",
        "Check Credit",
        "Confirm Order",
        "Ship Goods",
        "Create Invoice",
        "Receive Payment",
    ),
    milestones={"paid": "Receive Payment"},
    target_hours={"Check Credit": 4.0, "Ship Goods": 24.0},
)


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Who called ``validate``, one entry per call (``module:function``), while the test runs.

    Modules import ``validate`` by name, so each module's own binding is replaced.
    """
    original = o2c.log.validate
    callers: list[str] = []

    def counting(log: Any) -> pl.DataFrame:
        caller = sys._getframe(1)
        callers.append(f"{caller.f_globals['__name__']}:{caller.f_code.co_name}")
        return original(log)

    for name, module in list(sys.modules.items()):
        if (name == "o2c" or name.startswith("o2c.")) and vars(module).get("validate") is original:
            monkeypatch.setattr(module, "validate", counting)
    return callers


# assess validates once, at its door; everything after it calls private twins.


@pytest.mark.parametrize("ideal", [IDEAL, None], ids=["given", "discovered"])
def test_assess_validates_once(ideal: o2c.IdealPath | None, validations: list[str]) -> None:
    loaded = read_log(example_log())
    validations.clear()
    o2c.assess(loaded, ideal=ideal, progress=False)
    assert validations == ["o2c._assess:assess"]


def _lifecycle_log() -> pl.DataFrame:
    stamps = [datetime(2025, 1, 1, h) for h in (8, 9, 11, 14)]
    return pl.DataFrame(
        {
            "case_id": ["1"] * 4,
            "activity": ["a", "a", "b", "b"],
            "timestamp": stamps,
            "lifecycle": ["start", "complete", "start", "complete"],
        }
    )


# Public functions that call other analyses on the way (the pipelines below assess); each
# validates its log once, at its own door. Each entry makes the call's arguments (read_log and
# align validate too) and returns the call to count.
CALLS: dict[str, Callable[[], Callable[[], object]]] = {
    "filter_log": lambda: partial(
        o2c.filter_log, example_log().to_pandas(), variants=[1, 2], min_lead_time="1 day"
    ),
    "log_summary": lambda: partial(o2c.log_summary, example_log()),
    "data_quality": lambda: partial(o2c.data_quality, read_log(example_log())),
    "align": lambda: partial(o2c.align, example_log(), IDEAL),
    "cost_of_divergence": lambda: partial(
        o2c.cost_of_divergence, example_log(), o2c.align(example_log(), IDEAL)
    ),
    "flow_efficiency": lambda: partial(o2c.flow_efficiency, example_log(), IDEAL),
    "lead_time_split": lambda: partial(o2c.lead_time_split, _lifecycle_log(), o2c.IdealPath(("a", "b"))),
    "discover_ideal_path": lambda: partial(o2c.discover_ideal_path, example_log(), paid="Receive Payment"),
    "activity_durations": lambda: partial(o2c.activity_durations, _lifecycle_log()),
    "processing_and_waiting": lambda: partial(o2c.processing_and_waiting, _lifecycle_log()),
    "bottlenecks": lambda: partial(o2c.bottlenecks, example_log(), ideal=IDEAL),
    "drivers": lambda: partial(o2c.drivers, example_log(), ("Confirm Order", "Ship Goods"), min_cases=1),
    "rework_cost": lambda: partial(o2c.rework_cost, example_log()),
    "first_time_right": lambda: partial(o2c.first_time_right, example_log(), by="region"),
    "case_variants": lambda: partial(o2c.case_variants, example_log()),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_public_function_validates_its_log_once(name: str, validations: list[str]) -> None:
    call = CALLS[name]()
    validations.clear()
    call()
    assert len(validations) == 1, validations


def test_write_report_reads_the_assessment_and_validates_nothing(validations: list[str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    assessment = o2c.assess(read_log(example_log()), ideal=IDEAL, progress=False)
    validations.clear()
    o2c.write_report(assessment, tmp_path / "report")
    assert validations == []
