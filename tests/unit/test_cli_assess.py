"""``o2c assess``'s map sliders: --map-activities and --map-paths, the mapping file's map section,
which wins, and the messages for values that are not shares."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from o2c.cli import main


def _sliders(out: Path) -> tuple[dict[str, float], dict[str, float]]:
    """The sliders findings.json records and the map section of the mapping.yaml written."""
    report = json.loads((out / "findings.json").read_text(encoding="utf-8"))["report"]
    written = yaml.safe_load((out / "mapping.yaml").read_text(encoding="utf-8"))["map"]
    return {k: report[f"map_{k}"] for k in ("activities", "paths")}, written


def test_the_mapping_file_sets_the_sliders_and_the_command_line_wins(
    example_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("case_id: case_id\nmap:\n  activities: 0.9\n  paths: 0.95\n", encoding="utf-8")
    argv = ["assess", str(example_csv), "--mapping", str(mapping), "--no-progress"]
    assert main([*argv, "--out", str(tmp_path / "file")]) == 0
    assert _sliders(tmp_path / "file") == ({"activities": 0.9, "paths": 0.95},) * 2
    assert main([*argv, "--map-paths", "0.5", "--out", str(tmp_path / "both")]) == 0
    assert _sliders(tmp_path / "both") == ({"activities": 0.9, "paths": 0.5},) * 2
    assert main(["assess", str(example_csv), "--map-activities", "1", "--out", str(tmp_path / "flag")]) == 0
    assert _sliders(tmp_path / "flag") == ({"activities": 1.0, "paths": 0.8},) * 2
    # the written mapping.yaml reruns with the same sliders
    again = ["assess", str(example_csv), "--mapping", str(tmp_path / "both" / "mapping.yaml")]
    assert main([*again, "--out", str(tmp_path / "again"), "--no-progress"]) == 0
    same = (tmp_path / "again" / "report.html").read_bytes() == (
        tmp_path / "both" / "report.html"
    ).read_bytes()
    assert same
    capsys.readouterr()


@pytest.mark.parametrize("option", ["--map-activities", "--map-paths"])
@pytest.mark.parametrize("value", ["1.5", "-0.1", "90%", "nan"])
def test_a_slider_that_is_not_a_share_is_a_usage_error(
    example_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    assert main(["assess", str(example_csv), option, value, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"argument {option}: must be a share from 0 to 1 (0.9 keeps 90%); got '{value}'" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("section", "said"),
    [("{activities: 1.5}", "sets map: activities to 1.5; it must be a share from 0 to 1"),
     ("{paths: true}", "sets map: paths to True; it must be a share"),
     ("{paths: '0.9'}", "sets map: paths to '0.9'; it must be a share"),
     ("{activity: 0.9}", "unknown key 'activity' in its map section; keys are 'activities', 'paths'. "
                         "did you mean: 'activities'?"),
     ("[0.9, 0.9]", "has a map section that is a list")],
)  # fmt: skip
def test_a_bad_map_section_names_the_file_key_and_value(
    example_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], section: str, said: str
) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(f"case_id: case_id\nmap: {section}\n", encoding="utf-8")
    argv = ["assess", str(example_csv), "--mapping", str(mapping), "--out", str(tmp_path / "out")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert f"The mapping file {mapping} " in err and said in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
