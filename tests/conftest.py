"""Shared fixtures: the tiny example log, the sample logs, and the real public logs."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from o2c._simulate import example_log as _example_log
from o2c.io import LoadedLog, read_log

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


@pytest.fixture
def example_csv(tmp_path: Path) -> Path:
    """The example log written as ``orders.csv`` in the test's folder, for the command line."""
    path = tmp_path / "orders.csv"
    _example_log().drop("source_row").write_csv(path)
    return path


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


def pm4py_frame(name: str) -> pd.DataFrame:
    """A real XES log as pm4py's own Python importer (iterparse) reads it, parsed once per run.

    Each call returns a fresh copy: pm4py's routines add columns to the frames they are given.
    """
    return _pm4py_frame(name).copy()


@functools.cache
def _pm4py_frame(name: str) -> pd.DataFrame:
    from o2c._pm4py import pm4py

    path = real_log(name)
    return pm4py().read_xes(str(path), variant="iterparse")


@functools.cache
def loaded_real_log(name: str) -> LoadedLog:
    """A real log read by ``o2c.read_log``; cached per test run (do not modify it)."""
    return read_log(real_log(name))
