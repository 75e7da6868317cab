"""``o2c assess`` end to end: the sample log twice (identical bytes), exit codes, the installed
script, and the small real logs without an ideal path, checked against pm4py."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from o2c.cli import main
from o2c.conformance.discover import UNSUCCESSFUL_ENDS
from o2c.report import validate_findings
from tests.conftest import pm4py_frame, sample_log

#: The real logs small enough to assess in every test run (the large ones: see the README).
SMALL_REAL_LOGS = ["running-example.xes", "roadtraffic100traces.xes", "08_receipt.xes.gz", "helpdesk.xes.gz"]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def sample_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], Path, Path]:
    """The README's main job, run twice into two folders; the printed lines."""
    printed = []
    folders = []
    for name in ("first", "second"):
        out = tmp_path_factory.mktemp(name)
        argv = ["assess", str(sample_log("o2c_orders.csv")), "--ideal", str(sample_log("ideal_path.yaml"))]
        result = subprocess.run(
            [sys.executable, "-m", "o2c.cli", *argv, "--out", str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        printed.append(result.stdout)
        folders.append(out)
    return printed, folders[0], folders[1]


def test_the_main_job_prints_one_line_and_writes_the_report(
    sample_runs: tuple[list[str], Path, Path],
) -> None:
    printed, out, _ = sample_runs
    truth = json.loads(sample_log("truth.json").read_text())
    assert printed[0].splitlines() == [
        f"read {truth['events']:,} rows, 0 rejected ({out / 'rejects.csv'}); {truth['cases']:,} orders, "
        f"{truth['variants']:,} variants; wrote {out / 'report.html'}"
    ]
    for name in ("report.html", "findings.json", "rejects.csv", "mapping.yaml", "maps/frequency.svg",
                 "maps/waiting_time.png", "maps/waiting_time.dot", "tables/bottlenecks.csv"):  # fmt: skip
        assert (out / name).is_file(), name
    document = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    validate_findings(document)
    assert document["conformance"]["conforming_cases"] == truth["conformance"]["conforming_cases"]


def test_the_sample_report_shows_the_planted_back_office(sample_runs: tuple[list[str], Path, Path]) -> None:
    """The main job's report holds the sample's planted chain lengths, rubber stamp and re-keyed
    fields with the counts truth.json measured with plain polars (net_value is the value role)."""
    _, out, _ = sample_runs
    truth = json.loads(sample_log("truth.json").read_text())["back_office"]
    document = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    chains = {row["chain_length"]: row for row in document["approvals"]["chain_lengths"]}
    assert {label: row["orders"] for label, row in chains.items()} == {
        label: row["orders"] for label, row in truth["chain_lengths"].items()
    }
    for label, row in truth["chain_lengths"].items():
        assert chains[label]["approval_wait_median_s"] == row["approval_wait_median_seconds"]
    assert document["approvals"]["rubber_stamps"] == truth["rubber_stamps"] == ["Sales Ops Sign-off"]
    steps = {row["step"]: row for row in document["approvals"]["steps"]}
    for step, row in truth["steps"].items():
        assert steps[step]["orders"] == row["orders"], step
        assert steps[step]["rejected"] == row["rejected"], step
    fields = {row["attribute"]: row for row in document["rekeyed_values"]["attributes"]}
    for column, name in (
        ("net_value", "value"),
        ("quantity",) * 2,
        ("requested_date",) * 2,
        ("ship_to",) * 2,
    ):
        planted = truth["fields"][column]
        assert (fields[name]["orders_changed"], fields[name]["changes"]) == (
            planted["orders"],
            planted["changes"],
        )
        assert fields[name]["steps"] == planted["step"]
        if "change_median" in planted:
            assert fields[name]["change_median"] == pytest.approx(planted["change_median"], abs=0.005)
    po = truth["fields"]["customer_po"]["orders_entered_at_several_steps"]
    assert fields["customer_po"]["orders_entered_at_several_steps"] == po
    page = (out / "report.html").read_text(encoding="utf-8")
    section = page[page.index('id="approvals"') : page.index('id="conformance"')]
    sign_off = truth["steps"]["Sales Ops Sign-off"]["orders"]
    assert f"Sales Ops Sign-off approved all {sign_off:,} orders it saw" in section
    assert f"The order value changed within {truth['fields']['net_value']['orders']:,} orders" in section
    assert f"The field customer_po is typed at more than one step in {po:,} orders" in section
    days = truth["fields"]["requested_date"]["change_median"]
    assert f"<td>{days:+.1f} d</td>" in section  # a date field's change in days, signed


def test_two_runs_give_identical_bytes_in_every_file(sample_runs: tuple[list[str], Path, Path]) -> None:
    _, first, second = sample_runs
    one, two = _files(first), _files(second)
    assert sorted(one) == sorted(two) and len(one) > 20
    assert [name for name in one if one[name] != two[name]] == []


def test_the_rerun_line_in_mapping_yaml_works(
    sample_runs: tuple[list[str], Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, first, _ = sample_runs
    argv = ["assess", str(sample_log("o2c_orders.csv")), "--mapping", str(first / "mapping.yaml")]
    assert (
        main([*argv, "--ideal", str(sample_log("ideal_path.yaml")), "--out", str(tmp_path), "--no-progress"])
        == 0
    )
    assert (tmp_path / "findings.json").read_bytes() == (first / "findings.json").read_bytes()


def test_bad_input_exits_1_with_the_message(
    example_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["assess", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o")]) == 1
    assert "No such file" in capsys.readouterr().err
    bad_ideal = tmp_path / "ideal.yaml"
    bad_ideal.write_text("steps: [Create Sales Order]\nstepz: []\n")
    assert main(["assess", str(example_csv), "--ideal", str(bad_ideal), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "unknown key 'stepz'" in err and "Traceback" not in err
    assert main(["assess", str(example_csv), "--case-id", "Order", "--out", str(tmp_path / "o")]) == 1
    assert "has no column 'Order'" in capsys.readouterr().err


def test_usage_errors_exit_2(example_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess"]) == 2
    assert main(["assess", str(example_csv), "--top", "ten"]) == 2
    assert main(["assess", str(example_csv), "--discover", "alpha"]) == 2
    assert "usage: o2c assess" in capsys.readouterr().err


def test_the_installed_script_runs_quietly(example_csv: Path, tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "o2c"
    result = subprocess.run(
        [str(script), "assess", str(example_csv), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("read 19 rows, 0 rejected") and "3 orders, 3 variants" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize("name", SMALL_REAL_LOGS)
def test_real_logs_without_an_ideal_path(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pm4py

    frame = pm4py_frame(name)  # pm4py's own reading of the file skips the test when the log is absent
    path = Path(__file__).resolve().parents[2].parent / "shared" / "real_logs" / name
    assert main(["assess", str(path), "--out", str(tmp_path), "--no-progress"]) == 0
    assert "orders" in capsys.readouterr().out
    document = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    validate_findings(document)
    assert document["log"]["events"] == len(frame)
    assert document["log"]["cases"] == frame["case:concept:name"].nunique()
    dfg, _, _ = pm4py.discover_dfg(frame)
    assert {(e["source"], e["target"]): e["transitions"] for e in document["edges"]} == dict(dfg)
    variants = pm4py.get_variants(frame)
    assert document["log"]["variants"] == len(variants)
    # the rule of discover_ideal_path over pm4py's variants: the most frequent one that reaches the
    # paid step (the guessed milestone) and passes through no unsuccessful step (else: does not end
    # in one)
    paid = document["milestones"]["paid"]["activity"]
    clean = {
        v: n for v, n in variants.items() if not any(re.search(p, s) for p in UNSUCCESSFUL_ENDS for s in v)
    }
    ended_well = clean or {
        v: n for v, n in variants.items() if not any(re.search(p, v[-1]) for p in UNSUCCESSFUL_ENDS)
    }
    candidates = {v: n for v, n in ended_well.items() if paid in v} or ended_well or variants
    most = max(candidates.values())
    top = sorted(v for v, n in candidates.items() if n == most)[0]  # ties: the first trace by names
    ideal = document["ideal_path"]
    assert ideal["discovered"] is True and tuple(ideal["steps"]) == tuple(top)
    assert candidates is variants or not any(re.search(p, ideal["steps"][-1]) for p in UNSUCCESSFUL_ENDS)
    assert document["conformance"]["conforming_cases"] == variants[top]
    assert len(document["headlines"]) == 5
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "No ideal path was given" in page


def test_the_readme_shows_the_main_job_and_its_line(sample_runs: tuple[list[str], Path, Path]) -> None:
    printed, out, _ = sample_runs
    root = Path(__file__).resolve().parents[2]
    command = (
        (root / "scripts" / "main.sh").read_text(encoding="utf-8").splitlines()[-1].removesuffix(' "$@"')
    )
    assert command == "o2c assess sample_logs/o2c_orders.csv --ideal sample_logs/ideal_path.yaml --out out/"
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert f"$ {command}\n" in readme
    assert printed[0].replace(str(out), "out") in readme
