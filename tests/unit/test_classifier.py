"""How events are named (classifiers): lifecycle statuses, transitions, XES declarations, CLI and mapping."""

from __future__ import annotations

import warnings
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from o2c import assess, first_time_right, read_log
from o2c.cli import main
from o2c.errors import ArgumentError
from o2c.io._xes import declared_classifiers
from o2c.quality import data_quality
from tests.conftest import real_log

# An IT-incident log: the activity is the team's queue, the lifecycle value the ticket's status
# (as in public incident logs). Ticket t1 goes through four statuses in "Accepted".
INCIDENTS = [
    ("t1", "Queued", "Awaiting Assignment"),
    ("t1", "Accepted", "In Progress"),
    ("t1", "Accepted", "Wait - User"),
    ("t1", "Accepted", "In Progress"),
    ("t1", "Completed", "Resolved"),
    ("t2", "Queued", "Awaiting Assignment"),
    ("t2", "Accepted", "In Progress"),
    ("t2", "Completed", "Resolved"),
    ("t2", "Completed", "Closed"),
    ("t3", "Accepted", "In Progress"),
    ("t3", "Completed", "Closed"),
]


def _incidents() -> pl.DataFrame:
    start = datetime(2025, 3, 3, 8)
    return pl.DataFrame(
        {
            "ticket": [t for t, _, _ in INCIDENTS],
            "queue": [a for _, a, _ in INCIDENTS],
            "status": [s for _, _, s in INCIDENTS],
            "changed": [start + timedelta(hours=i) for i in range(len(INCIDENTS))],
        }
    )


def _read(frame: pl.DataFrame, **options):  # type: ignore[no-untyped-def]
    mapping = {"case_id": "ticket", "activity": "queue", "timestamp": "changed", "lifecycle": "status"}
    return read_log(frame, mapping=mapping, **options)


def test_statuses_are_joined_to_the_activity_by_default() -> None:
    loaded = _read(_incidents())
    expected = [f"{a}+{s}" for _, a, s in sorted(INCIDENTS, key=lambda r: r[0])]  # cases in order, then time
    assert loaded.log["activity"].cast(pl.String).to_list() == expected
    assert "lifecycle" not in loaded.log.columns  # it is in the name now
    notes = loaded.source.notes
    assert notes["classifier"]["name"] == "activity+lifecycle"
    assert notes["classifier"]["keys"] == ["activity", "lifecycle"]
    assert "statuses" in notes["classifier"]["rule"]
    assert notes["activities_renamed"] == len(INCIDENTS)
    assert notes["lifecycle_statuses"] == {
        "In Progress": 4, "Awaiting Assignment": 2, "Closed": 2, "Resolved": 2, "Wait - User": 1,
    }  # fmt: skip
    ledger = data_quality(loaded).set_index("check")
    assert ledger.loc["activities_renamed", "count"] == 11
    assert "'In Progress' 4" in ledger.loc["activities_renamed", "detail"]
    assert loaded.source.mapping.classifier == "activity+lifecycle"  # saved for an identical rerun


def test_statuses_are_not_rework() -> None:
    """By the activity alone, t1 repeats Accepted and t2 Completed: 1 of 3 tickets is first time
    right. Named with their statuses only t1's second 'In Progress' repeats: 2 of 3."""
    assert first_time_right(_read(_incidents(), classifier="activity").log) == pytest.approx(1 / 3)
    assert first_time_right(_read(_incidents()).log) == pytest.approx(2 / 3)


def test_transitions_keep_the_activity_alone() -> None:
    frame = pl.DataFrame(
        {
            "case_id": ["1"] * 5,
            "activity": ["a", "a", "b", "b", "b"],
            "timestamp": [datetime(2025, 1, 1, h) for h in (8, 9, 10, 11, 12)],
            "lifecycle": ["START", "COMPLETE", "schedule", "start", "complete"],
        }
    )
    loaded = read_log(frame)
    assert loaded.log["activity"].cast(pl.String).to_list() == ["a", "a", "b", "b", "b"]
    assert loaded.source.notes["classifier"]["name"] == "activity"
    assert loaded.source.notes["activities_renamed"] == 0
    joined = read_log(frame, classifier="activity+lifecycle")
    assert joined.log["activity"].cast(pl.String).to_list() == [
        "a+START", "a+COMPLETE", "b+schedule", "b+start", "b+complete",
    ]  # fmt: skip
    # assess folds the transitions: the scheduled, started and completed b is one execution
    result = assess(loaded)
    assert result.parameters["fold_lifecycle"] is True
    assert result.first_time_right == 1.0
    assert first_time_right(loaded.log) == 0.0  # unfolded, b's three events repeat it


def test_columns_and_xes_keys_can_be_joined() -> None:
    frame = _incidents().with_columns(team=pl.Series(["x", "y"] * 5 + ["x"]))
    loaded = _read(frame, classifier=["concept:name", "team"])
    assert loaded.log["activity"].cast(pl.String).to_list()[:2] == ["Queued+x", "Accepted+y"]
    assert "lifecycle" in loaded.log.columns  # not part of the name: kept
    with pytest.raises(ArgumentError, match=r"'tema'.*did you mean"):
        _read(frame, classifier=["activity", "tema"])
    with pytest.raises(ArgumentError, match="Unknown classifier 'activty'"):
        _read(frame, classifier="activty")
    with pytest.raises(ArgumentError, match="a list of column names; got 3"):
        _read(frame, classifier=3)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="needs a lifecycle column"):
        read_log(frame.drop("status"), mapping={"case_id": "ticket", "activity": "queue",
                 "timestamp": "changed"}, classifier="activity+lifecycle")  # fmt: skip


XES = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <classifier name="Activity classifier" keys="concept:name lifecycle:transition"/>
  <classifier name="Resource classifier" keys="org:resource"/>
  <trace><string key="concept:name" value="1"/>
    <event><string key="concept:name" value="Accepted"/><string key="lifecycle:transition" value="In Progress"/>
      <string key="org:resource" value="Ann"/><date key="time:timestamp" value="2025-01-01T08:00:00+00:00"/></event>
    <event><string key="concept:name" value="Accepted"/><string key="lifecycle:transition" value="Wait"/>
      <string key="org:resource" value="Bob"/><date key="time:timestamp" value="2025-01-01T09:00:00+00:00"/></event>
  </trace>
</log>
"""


def test_xes_classifiers_are_read_and_offered(tmp_path: Path) -> None:
    path = tmp_path / "incidents.xes"
    path.write_text(XES, encoding="utf-8")
    loaded = read_log(path, classifier="resource classifier")  # names match case-insensitively
    assert loaded.source.notes["classifiers"] == {
        "Activity classifier": ["concept:name", "lifecycle:transition"],
        "Resource classifier": ["org:resource"],
    }
    assert loaded.log["activity"].cast(pl.String).to_list() == ["Ann", "Bob"]
    assert read_log(path, classifier="Activity classifier").log["activity"].cast(pl.String).to_list() == [
        "Accepted+In Progress", "Accepted+Wait",
    ]  # fmt: skip


@pytest.mark.parametrize("name", ["running-example.xes", "roadtraffic100traces.xes", "08_receipt.xes.gz"])
def test_declared_classifiers_equal_pm4pys(name: str) -> None:
    from pm4py.objects.log.importer.xes import importer

    path = real_log(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = importer.apply(
            str(path), variant=importer.Variants.ITERPARSE, parameters={"show_progress_bar": False}
        )
    assert declared_classifiers(path) == dict(theirs.classifiers)


def test_cli_and_mapping_file_choose_the_classifier(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "incidents.csv"
    _incidents().write_csv(log)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "case_id: ticket\nactivity: queue\ntimestamp: changed\nlifecycle: status\nclassifier: activity\n"
    )
    assert main(["inspect", str(log), "--mapping", str(mapping), "--json"]) == 0
    found = capsys.readouterr().out
    assert '"classifier": "activity"' in found and '"activities": 3' in found
    assert (
        main(["inspect", str(log), "--mapping", str(mapping), "--classifier", "activity+lifecycle", "--json"])
        == 0
    )
    assert '"activities": 5' in capsys.readouterr().out  # the 5 (queue, status) pairs of INCIDENTS
    xes = tmp_path / "incidents.xes"
    xes.write_text(XES, encoding="utf-8")
    assert main(["inspect", str(xes)]) == 0
    assert "'Activity classifier' (concept:name lifecycle:transition)" in capsys.readouterr().out
