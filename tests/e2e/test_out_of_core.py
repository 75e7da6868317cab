"""Logs larger than memory: the verbs on o2c.scan_log equal the in-memory path, and stay within a limit.

The limit is real: a child process gets its address space capped (RLIMIT_AS) at its size after
start-up plus HEADROOM_MB, smaller than the in-memory log of about 4.8M events needs, so the
in-memory path dies there while DuckDB, told to stay within DUCKDB_LIMIT, spills and finishes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

import o2c
from o2c._simulate import simulate
from o2c.log import validate
from tests.conftest import sample_log
from tests.e2e.engine_checks import (
    FUNCTIONS,
    assert_alignments_equal,
    assert_assessment_equal,
    assert_divergence_equal,
    assert_verb_equal,
)

HEADROOM_MB = 700
DUCKDB_LIMIT = "200MB"
COPIES = 25  # of a simulated log of 20,000 orders: about 4.8M events, 450 MB as a polars frame

_CHILD = """
import json, re, resource, sys
import duckdb, polars as pl
import o2c
import o2c._engines._duckdb, o2c._engines._frames, o2c.rework  # the code both paths run, loaded before the limit
from o2c.log import validate

path, mode, out, headroom_mb, duckdb_limit = sys.argv[1:6]
import pyarrow as pa
# start the thread pools before the limit, so that it caps the work, not the start-up; the pools
# are fixed at two threads, so that the address space they reserve (a stack and a malloc arena
# each) does not grow with the machine's cores
pa.set_cpu_count(2)
pa.set_io_thread_count(2)
pl.DataFrame({"a": [1, 2]}).lazy().group_by("a").len().collect().to_pandas()
duckdb.connect().sql("SELECT 1").fetchall()
size = int(re.search(r"VmSize:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) * 1024
limit = size + int(headroom_mb) * 2**20
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
if mode == "memory":
    log = validate(pl.read_parquet(path))
    results = {name: getattr(o2c, name)(log) for name in ("waiting_times", "variants", "rework")}
else:
    scanned = o2c.scan_log(path, memory_limit=duckdb_limit, threads=1)
    results = {name: getattr(o2c, name)(scanned) for name in ("waiting_times", "variants", "rework")}
for name, frame in results.items():
    frame.to_pickle(f"{out}/{name}.pkl")
print(json.dumps({"limit_mb": limit / 2**20}))
"""


@pytest.fixture(scope="module")
def sample() -> tuple[pl.DataFrame, o2c.ScannedLog]:
    path = sample_log("o2c_orders.parquet")
    return o2c.read_log(path).log, o2c.scan_log(path, memory_limit="256MB")


@pytest.mark.parametrize("function", FUNCTIONS)
def test_sample_log_out_of_core_equals_in_memory(
    function: str, sample: tuple[pl.DataFrame, o2c.ScannedLog]
) -> None:
    log, scanned = sample
    assert_verb_equal(function, scanned, log)


@pytest.mark.parametrize("ideal", ["ideal_path.yaml", "inductive_miner"])
def test_alignments_out_of_core_equal_in_memory(
    ideal: str, sample: tuple[pl.DataFrame, o2c.ScannedLog]
) -> None:
    log, scanned = sample
    assert_alignments_equal(ideal, scanned, log)


@pytest.mark.parametrize("closed_only", [True, False])
def test_cost_of_divergence_and_flow_efficiency_out_of_core_equal_in_memory(
    closed_only: bool, sample: tuple[pl.DataFrame, o2c.ScannedLog]
) -> None:
    log, scanned = sample
    assert_divergence_equal(closed_only, scanned, log)


@pytest.mark.parametrize("ideal", ["ideal_path.yaml", None])
def test_assessment_out_of_core_equals_in_memory(ideal: str | None) -> None:
    path = sample_log("o2c_orders.parquet")
    assert_assessment_equal(ideal, o2c.scan_log(path, memory_limit="256MB"), o2c.read_log(path))


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """COPIES copies of a simulated log, each with its own case ids: larger than HEADROOM_MB in memory."""
    log = simulate(20_000, seed=3).log
    copies = [
        log.with_columns(pl.col("case_id") + f"-{i}", pl.col("source_row") + i * log.height)
        for i in range(COPIES)
    ]
    path = tmp_path_factory.mktemp("large") / "large.parquet"
    pl.concat(copies).write_parquet(path)
    return path


def _child(path: Path, mode: str, out: Path) -> subprocess.CompletedProcess[str]:
    program = textwrap.dedent(_CHILD)
    threads = {"POLARS_MAX_THREADS": "2", "OMP_NUM_THREADS": "2", "MALLOC_ARENA_MAX": "2"}
    return subprocess.run(
        [sys.executable, "-c", program, str(path), mode, str(out), str(HEADROOM_MB), DUCKDB_LIMIT],
        capture_output=True, text=True, timeout=600, check=False, env={**os.environ, **threads},
    )  # fmt: skip


@pytest.mark.slow
def test_in_memory_path_does_not_fit_the_limit(large: Path, tmp_path: Path) -> None:
    done = _child(large, "memory", tmp_path)
    assert done.returncode != 0, "the limit is too loose: the in-memory path fitted in it"
    out_of_memory = ("memory allocation of", "MemoryError", "OutOfMemory", "bad_alloc")
    assert any(sign in done.stderr for sign in out_of_memory), done.stderr[-2000:]
    assert not (tmp_path / "waiting_times.pkl").exists()


@pytest.mark.slow
def test_out_of_core_path_fits_the_limit_and_equals_in_memory(large: Path, tmp_path: Path) -> None:
    done = _child(large, "duckdb", tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1])["limit_mb"] > HEADROOM_MB
    log = validate(pl.read_parquet(large))
    assert log.height > 4_000_000
    for name in ("waiting_times", "variants", "rework"):
        pd.testing.assert_frame_equal(pd.read_pickle(tmp_path / f"{name}.pkl"), getattr(o2c, name)(log))
