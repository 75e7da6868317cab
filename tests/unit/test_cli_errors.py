"""Broken inputs to the command end in one foreseen message naming the file, exit code 1, no traceback."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from o2c.cli import main


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.startswith("error: ") and "Traceback" not in err and "did not foresee" not in err, err
    return err


def test_a_csv_gz_that_is_not_gzip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "plain.csv.gz").write_text("case,activity,time\n")
    assert "plain.csv.gz is not a complete gzip file" in _run(
        ["inspect", str(tmp_path / "plain.csv.gz")], capsys
    )


def test_a_cut_short_csv_gz(example_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    whole = gzip.compress(example_csv.read_bytes())
    (tmp_path / "cut.csv.gz").write_bytes(whole[: len(whole) // 2])
    assert "cut.csv.gz is not a complete gzip file" in _run(["inspect", str(tmp_path / "cut.csv.gz")], capsys)


@pytest.mark.parametrize(
    ("content", "said"),
    [(None, "Cannot read the mapping file"), ("case_id: [unclosed\n", "is not valid YAML"),
     ("- case_id\n- activity\n", "must hold 'role: column' lines"), (b"case_id: Auftr\xe4g\n", "is not UTF-8")],
)  # fmt: skip
def test_a_missing_or_malformed_mapping_file(
    example_csv: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str | bytes | None,
    said: str,
) -> None:
    mapping = tmp_path / "mapping.yaml"
    if isinstance(content, bytes):
        mapping.write_bytes(content)
    elif content is not None:
        mapping.write_text(content)
    err = _run(
        ["assess", str(example_csv), "--mapping", str(mapping), "--out", str(tmp_path / "out")], capsys
    )
    assert said in err and str(mapping) in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("hours", ["abc", "true", "[1, 2]"])
def test_target_hours_that_are_not_numbers(
    example_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], hours: str
) -> None:
    ideal = tmp_path / "ideal.yaml"
    ideal.write_text(f"steps: [Create Sales Order, Ship Goods]\ntarget_hours: {{Ship Goods: {hours}}}\n")
    err = _run(["assess", str(example_csv), "--ideal", str(ideal), "--out", str(tmp_path / "out")], capsys)
    assert "ideal.yaml: target_hours of 'Ship Goods' must be a number of hours" in err


def test_simulate_with_too_few_orders_for_the_planted_defects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _run(["simulate", "--cases", "1", "--out", str(tmp_path / "sim")], capsys)
    assert "Simulate more orders (--cases)" in err


def test_debug_before_the_command_shows_the_traceback(tmp_path: Path) -> None:
    (tmp_path / "plain.csv.gz").write_text("x")
    with pytest.raises(Exception, match="not a complete gzip file"):
        main(["--debug", "inspect", str(tmp_path / "plain.csv.gz")])


@pytest.mark.parametrize("command", [[], ["assess"], ["inspect"], ["simulate"]])
def test_help_of_every_command_prints_and_exits_0(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*command, "--help"]) == 0
    said = capsys.readouterr()
    assert "usage: o2c" in said.out and "--max-memory" in said.out and said.err == ""
