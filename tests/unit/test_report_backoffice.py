"""The report's "Approvals and re-keyed data" on a log with the back office planted, against its truth."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from pathlib import Path

import jsonschema
import polars as pl
import pytest

from o2c import assess, findings_schema, simulate, time_only_steps, write_report
from o2c import example_log as o2c_example_log
from o2c._approvals import approvals
from o2c._simulate._backoffice import SIGN_OFF
from o2c.io import read_log
from o2c.log import validate
from o2c.report._headlines import CLAIM_MIN_ORDERS, back_office_sentences


@pytest.fixture(scope="module")
def planted():
    return simulate(400, seed=5, back_office=True)


@pytest.fixture(scope="module")
def assessed(planted):
    return assess(read_log(planted.log), ideal=planted.ideal, progress=False)


@pytest.fixture(scope="module")
def folder(assessed, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "r"
    write_report(assessed, out)
    return out


def test_findings_hold_the_planted_chains_rubber_stamp_and_fields(planted, folder: Path) -> None:
    document = json.loads((folder / "findings.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, findings_schema())
    truth = planted.truth["back_office"]
    chains = {row["chain_length"]: row for row in document["approvals"]["chain_lengths"]}
    for label, row in truth["chain_lengths"].items():
        assert chains[label]["orders"] == row["orders"]
        assert chains[label]["approval_wait_median_s"] == row["approval_wait_median_seconds"]
    assert sorted(document["approvals"]["rubber_stamps"]) == truth["rubber_stamps"]
    fields = {row["attribute"]: row for row in document["rekeyed_values"]["attributes"]}
    for name in ("net_value", "quantity", "requested_date", "ship_to"):
        assert fields[name]["orders_changed"] == truth["fields"][name]["orders"]
        assert fields[name]["changes"] == truth["fields"][name]["changes"]
        assert fields[name]["steps"] == truth["fields"][name]["step"]
    assert {row["source"] for row in document["rekeyed_values"]["by_name"]} == {"activity name"}


def test_the_section_shows_the_chart_the_rubber_stamp_and_the_fields(planted, assessed, folder: Path) -> None:
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert 'id="approvals"' in page and "Approvals and re-keyed data" in page
    section = page[page.index('id="approvals"') : page.index('id="conformance"')]
    assert "<svg" in section
    truth = planted.truth["back_office"]
    assert SIGN_OFF in truth["rubber_stamps"]
    sentences = list(back_office_sentences(assessed))
    # the sentences name the planted rubber stamps seen on enough orders, and no other
    named = [s.split(" approved all ")[0] for s in sentences if " approved all " in s]
    assert named and set(named) == {
        s for s in truth["rubber_stamps"] if truth["steps"][s]["orders"] >= CLAIM_MIN_ORDERS
    }
    orders = truth["steps"][SIGN_OFF]["orders"]
    assert any(s.startswith(f"{SIGN_OFF} approved all {orders} orders it saw") for s in sentences)
    assert f"<td>{SIGN_OFF}</td>" in section
    for sentence in sentences:
        assert sentence.replace("'", "&#39;") in section
    for name in ("net_value", "quantity", "requested_date", "ship_to", "customer_po"):
        assert f"<td>{name}</td>" in section
    assert (folder / "tables" / "approval_steps.csv").exists()
    assert (folder / "tables" / "rekeyed_values.csv").exists()


def test_a_log_without_approvals_or_changes_has_no_section(tmp_path: Path, example_log) -> None:
    result = assess(read_log(example_log), progress=False)
    assert result.approvals is not None and result.approvals.approval_steps == ()
    write_report(result, tmp_path / "r")
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert 'id="approvals"' not in page
    assert list(back_office_sentences(result)) == []


T0 = datetime(2025, 3, 3, 8)


def _with(base, log: pl.DataFrame):
    """``base`` (an assessment) with the approvals of ``log`` and no re-keyed values."""
    return dataclasses.replace(base, approvals=approvals(log), rekeyed_values=None)


def _orders(n: int, step: str, wait_hours: float, *, first: int = 0) -> list[tuple[str, str, datetime]]:
    """``n`` orders Create -> ``step`` (``wait_hours`` later) -> Ship (an hour after that)."""
    rows = []
    for i in range(first, first + n):
        rows += [
            (f"o{i}", "Create", T0),
            (f"o{i}", step, T0 + timedelta(hours=wait_hours)),
            (f"o{i}", "Ship", T0 + timedelta(hours=wait_hours + 1)),
        ]
    return rows


def _frame(rows: list[tuple[str, str, datetime]]) -> pl.DataFrame:
    return validate(pl.DataFrame(rows, schema=["case_id", "activity", "timestamp"], orient="row"))


@pytest.fixture(scope="module")
def base():
    """An assessment of the example log, whose approvals the tests replace."""
    return assess(read_log(o2c_example_log()), progress=False)


def test_a_rubber_stamp_is_named_only_on_enough_orders_and_recorded_outcomes(base) -> None:
    rejected = [
        ("r", "Create", T0),
        ("r", "Manager Approval", T0 + timedelta(hours=24)),
        ("r", "Approval Rejected", T0 + timedelta(hours=25)),
    ]
    # 40 orders through Team Approval a day after creation, one rejected after Manager Approval
    sentences = list(back_office_sentences(_with(base, _frame(_orders(40, "Team Approval", 24) + rejected))))
    stamp = [s for s in sentences if "approved all" in s]
    assert stamp == [
        "Team Approval approved all 40 orders it saw (none was rejected, changed or cancelled after it) "
        "and added a mean 1.0 days to each, 40.0 days in all: a candidate to drop."
    ]
    # 41 orders pass one approval, each waiting a day for it
    assert "the 41 orders with one approval wait a median 1.0 days for them" in sentences[0]
    # too few orders to call it one
    few = CLAIM_MIN_ORDERS - 1
    sentences = list(back_office_sentences(_with(base, _frame(_orders(few, "Team Approval", 24) + rejected))))
    assert not [s for s in sentences if "approved all" in s]
    # no approval in the log is ever followed by an outcome: say nothing about rubber stamps
    lone = _with(base, _frame(_orders(40, "Team Approval", 24)))
    assert lone.approvals.rubber_stamps["step"].tolist() == ["Team Approval"]
    assert not [s for s in back_office_sentences(lone) if "approved all" in s]


def test_no_chain_sentence_without_time_or_orders_to_show(base) -> None:
    # approvals at the moment of creation, and no order without approval to compare: nothing to say
    assert list(back_office_sentences(_with(base, _frame(_orders(40, "Team Approval", 0))))) == []
    # a chain length with fewer orders than CLAIM_MIN_ORDERS is not the one the sentence speaks of
    rows = _orders(35, "Team Approval", 24)
    for i in range(3):
        rows += [
            (f"x{i}", "Create", T0),
            (f"x{i}", "Team Approval", T0 + timedelta(hours=24)),
            (f"x{i}", "Manager Approval", T0 + timedelta(hours=72)),
        ]
    sentences = list(back_office_sentences(_with(base, _frame(rows))))
    assert "the 35 orders with one approval wait a median 1.0 days" in sentences[0]
    # with 30 closed orders without approval a day faster, the lead-time clause appears
    rows += [
        (f"z{i}", a, T0 + timedelta(hours=h)) for i in range(30) for a, h in (("Create", 0), ("Ship", 1))
    ]
    sentences = list(back_office_sentences(_with(base, _frame(rows))))
    assert "closed ones take a median 1.0 days longer than orders without approval" in sentences[0]


def test_the_page_calls_nothing_a_rubber_stamp_when_no_outcome_is_recorded(base, tmp_path: Path) -> None:
    lone = _with(base, _frame(_orders(40, "Team Approval", 24)))
    write_report(lone, tmp_path / "r")
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    section = page[page.index('id="approvals"') : page.index('id="conformance"')]
    assert "no step is called a rubber stamp" in section and "rubber stamp</th>" not in section
    document = json.loads((tmp_path / "r" / "findings.json").read_text(encoding="utf-8"))
    assert document["approvals"]["outcomes_recorded"] is False


def test_steps_that_may_only_add_time_are_listed_with_their_evidence(base, tmp_path: Path) -> None:
    # 40 orders wait a day for Stamp and go on as 40 orders without it do: a candidate
    rows = _orders(40, "Stamp", 24) + [
        (f"p{i}", a, T0 + timedelta(hours=h)) for i in range(40) for a, h in (("Create", 0), ("Ship", 1))
    ]
    steps = time_only_steps(_frame(rows))
    assert steps["candidate"].tolist() == [True]
    result = dataclasses.replace(base, time_only_steps=steps)
    write_report(result, tmp_path / "r")
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    section = page[page.index('id="approvals"') : page.index('id="conformance"')]
    assert "Steps that may only add time" in section and "<td>Stamp</td>" in section
    assert steps.loc[0, "evidence"] in section
    document = json.loads((tmp_path / "r" / "findings.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, findings_schema())
    (row,) = document["time_only_steps"]
    assert (row["step"], row["orders"], row["orders_without"], row["same_path_share"]) == (
        "Stamp",
        40,
        40,
        1.0,
    )
    assert row["time_added_median_s"] == 86_400 and row["time_added_s"] == 40 * 86_400
    # without a candidate, no list
    write_report(dataclasses.replace(base, time_only_steps=steps.assign(candidate=False)), tmp_path / "n")
    assert "Steps that may only add time" not in (tmp_path / "n" / "report.html").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "n" / "findings.json").read_text(encoding="utf-8"))["time_only_steps"] == []
