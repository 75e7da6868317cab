"""Shared fixtures: the tiny example log, the sample logs, and the real public logs."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from o2c.simulate import example_log as _example_log

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_LOGS = ROOT / "sample_logs"
REAL_LOGS = ROOT.parent / "shared" / "real_logs"

#: Every XES file among the real logs, by file name.
REAL_XES = [
    "running-example.xes",
    "08_receipt.xes.gz",
    "10_orders.xes.gz",
    "helpdesk.xes.gz",
    "roadtraffic100traces.xes",
    "bpic2012.xes.gz",
    "16_bpic2019_1t_per_variant.xes.gz",
]


@pytest.fixture
def example_log() -> pl.DataFrame:
    return _example_log()


def real_log(name: str) -> Path:
    """The path of a real public log; skips the test with a reason when it is absent."""
    path = REAL_LOGS / name
    if not path.exists():
        pytest.skip(f"real log {name} not found beside the checkout at {REAL_LOGS}")
    return path


def sample_log(name: str) -> Path:
    """The path of a sample log shipped in sample_logs/."""
    path = SAMPLE_LOGS / name
    assert path.exists(), f"sample log {name} is missing from {SAMPLE_LOGS}"
    return path
