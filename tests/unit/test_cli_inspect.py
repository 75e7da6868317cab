"""``o2c inspect``: exit codes, printed lines, JSON, and a saved mapping that reruns identically."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from o2c import example_log
from o2c.cli import main


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    path = tmp_path / "orders.csv"
    frame = example_log().rename({"case_id": "Order", "activity": "Step", "timestamp": "Changed On"})
    frame.drop("source_row").write_csv(path)
    return path


def test_inspect_prints_mapping_rows_and_quality(log_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(log_file)]) == 0
    out = capsys.readouterr().out
    assert "mapping   case_id='Order', activity='Step', timestamp='Changed On'" in out
    assert "rows      19 read, 0 rejected" in out
    assert "log       19 events, 3 cases, 7 activities, 3 variants" in out
    assert "time      2025-01-06 09:00:00 UTC .. 2025-01-29 05:00:00 UTC" in out
    assert "cases_without_usual_end" in out


def test_inspect_json_and_saved_mapping_rerun(
    log_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "mapping.yaml"
    assert main(["inspect", str(log_file), "--json", "--save-mapping", str(saved)]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["input"]["rows"] == 19 and first["input"]["rejected"] == 0
    assert first["log"]["variants"] == 3
    assert first["mapping"]["case_id"] == "Order"
    renamed = tmp_path / "same.csv"
    renamed.write_bytes(log_file.read_bytes())
    assert main(["inspect", str(renamed), "--json", "--mapping", str(saved)]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["mapping"] == first["mapping"]
    assert second["log"] == first["log"]
    assert second["input"]["sha256"] == first["input"]["sha256"]


def test_bad_input_exits_1_with_message(log_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(log_file), "--case-id", "Case ID"]) == 1
    err = capsys.readouterr().err
    assert "has no column 'Case ID' for case_id" in err
    assert "Traceback" not in err


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect"]) == 2
    assert main(["no-such-command"]) == 2


def test_installed_script_runs_without_pm4py_output(log_file: Path) -> None:
    script = Path(sys.executable).parent / "o2c"
    result = subprocess.run(
        [str(script), "inspect", str(log_file)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "19 events" in result.stdout
    assert "PM4Py" not in result.stderr and "pm4py" not in result.stderr.lower()


def test_pm4py_is_silent_when_used_from_a_script() -> None:
    code = "from o2c import _pm4py; import pandas as pd; print(_pm4py.version())"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("2.")
    assert result.stderr == ""
