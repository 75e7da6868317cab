"""``o2c assess --engine``: the same report tables from DuckDB or Spark as from memory, the tables
an engine does not compute named in the report, auto picking DuckDB for a Parquet log that does not
fit, and clear refusals (a file that is not Parquet, a flag of the in-memory reader)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from o2c import _engines
from o2c._assess_engine import NOT_ON_ENGINE
from o2c.cli import main
from tests.conftest import sample_log

#: The tables/ every engine writes as in memory (the others are named in NOT_ON_ENGINE, or kpis).
SAME = (
    "activity_durations", "alignments", "bottlenecks", "conformance", "cost_of_divergence", "directly_follows",
    "flow_efficiency", "lead_time_split", "lead_times", "milestones", "rekeyed_data", "rework", "rework_cost",
    "stuck_orders", "variants", "waiting_times",
)  # fmt: skip


@pytest.fixture(scope="module")
def in_memory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("memory") / "out"
    argv = ["assess", str(sample_log("o2c_orders.parquet")), "--engine", "memory", "--no-progress"]
    assert main([*argv, "--out", str(out)]) == 0
    return out


def test_duckdb_writes_the_tables_of_memory_and_names_the_rest(
    in_memory: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = ["assess", str(sample_log("o2c_orders.parquet")), "--engine", "duckdb", "--no-progress"]
    assert main([*argv, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "scanned 15,418 events with duckdb" in printed and "1,500 orders, 269 variants" in printed
    for name in SAME:
        assert (out / "tables" / f"{name}.csv").read_bytes() == (
            in_memory / "tables" / f"{name}.csv"
        ).read_bytes(), name
    found = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert found["engine"] == {"name": "duckdb", "not_computed": NOT_ON_ENGINE}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Computed on DuckDB" in html and "Not computed on the engine: drivers compare" in html
    assert not (out / "explorer.html").exists()  # the explorer filters events in memory


def test_auto_assesses_a_parquet_log_that_does_not_fit_with_duckdb(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parquet, csv = sample_log("o2c_orders.parquet"), sample_log("o2c_orders.csv")
    assert _engines.fits_in_memory(parquet)[0] and _engines.fits_in_memory(csv) == (
        True,
        f"{csv} is not Parquet",
    )
    monkeypatch.setattr(
        _engines, "available_memory", lambda: _engines.ASSESS_BASE
    )  # nothing left for the log
    fits, why = _engines.fits_in_memory(parquet)
    assert not fits and "GiB to assess in memory" in why
    assert main(["assess", str(parquet), "--no-progress", "--out", str(tmp_path / "auto")]) == 0
    captured = capsys.readouterr()
    assert "assessing it with DuckDB, out of core" in captured.err
    assert "scanned 15,418 events with duckdb" in captured.out
    assert main(["assess", str(csv), "--no-progress", "--out", str(tmp_path / "csv")]) == 0  # CSV: memory
    assert "read 15,418 rows" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--engine", "duckdb", "--calendar", "calendar.yaml"], "--calendar is for a log read into memory"),
        (["--engine", "spark", "--strict"], "--strict is for a log read into memory"),
        (["--engine", "spark", "--memory-limit", "1GB"], "--memory-limit is DuckDB's"),
    ],
)
def test_flags_of_the_in_memory_reader_are_refused_with_an_engine(
    extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["assess", str(sample_log("o2c_orders.parquet")), *extra, "--out", str(tmp_path / "out")]
    assert main(argv) == 1
    assert message in capsys.readouterr().err


def test_an_engine_refuses_a_file_that_is_not_parquet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = sample_log("o2c_orders.csv")
    assert main(["assess", str(csv), "--engine", "duckdb", "--out", str(tmp_path / "out")]) == 1
    assert (
        f"--engine duckdb reads Parquet (a file, or a folder of them); {csv} is not"
        in capsys.readouterr().err
    )


@pytest.mark.parametrize("limit", ["1MB", "4MB"])
def test_duckdb_out_of_its_memory_limit_is_a_message(
    limit: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Too small a --memory-limit, whether scanning (1MB) or assessing (4MB): what holds memory and
    what to do, exit 1, no traceback."""
    argv = ["assess", str(sample_log("o2c_orders.parquet")), "--engine", "duckdb", "--memory-limit", limit]
    assert main([*argv, "--no-progress", "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"DuckDB ran out of its memory limit ({limit})" in err and "Raise the limit" in err
    assert "Traceback" not in err and "did not foresee" not in err


def test_duckdb_out_of_disk_where_it_spills_is_a_message() -> None:
    """Met on 100M events: DuckDB filled the disk with its spill files. The error says where it spills."""
    import duckdb

    from o2c._assess_engine import engine_memory
    from o2c.errors import ToolkitError

    full = 'IO Error: Could not write file "/tmp/o2c-duckdb-x/duckdb_temp_1.tmp": No space left on device'
    with (
        pytest.raises(ToolkitError, match="DuckDB ran out of disk space where it spills"),
        engine_memory("5GB"),
    ):
        raise duckdb.IOException(full)
    with pytest.raises(duckdb.IOException), engine_memory("5GB"):  # any other IO error is DuckDB's own
        raise duckdb.IOException("IO Error: No files found that match the pattern")
