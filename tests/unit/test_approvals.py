"""Approval chains on hand-made logs: the name rule, chains, chain lengths, outcomes, rubber stamps."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import polars as pl
import pytest

from o2c import IdealPath
from o2c._approvals import CHAIN_LENGTHS, approval_steps, approvals
from o2c.errors import ArgumentError, IdealPathError
from o2c.log import validate

T0 = datetime(2025, 3, 3, 8)
H = pd.Timedelta(hours=1)


def _log(
    traces: dict[str, list[tuple[str, float, str]]], values: dict[str, float] | None = None
) -> pl.DataFrame:
    """A log from {case: [(activity, hours after T0, resource), ...]}."""
    rows = [
        (case, activity, T0 + timedelta(hours=hours), resource, (values or {}).get(case, 100.0))
        for case, events in traces.items()
        for activity, hours, resource in events
    ]
    return validate(
        pl.DataFrame(rows, schema=["case_id", "activity", "timestamp", "resource", "value"], orient="row")
    )


# Order a: two approvals, nothing after them. b: one approval, then the director rejects.
# c: no approval. d: Manager Approval then a price change. e: three approvals, then a cancellation.
TRACES = {
    "a": [
        ("Create", 0, "ann"),
        ("Manager Approval", 2, "max"),
        ("Director Approval", 5, "dir"),
        ("Ship", 6, "bo"),
    ],
    "b": [
        ("Create", 0, "ann"),
        ("Manager Approval", 1, "mia"),
        ("Director Approval", 4, "dir"),
        ("Approval Rejected", 5, "dir"),
    ],
    "c": [("Create", 0, "ann"), ("Ship", 10, "bo")],
    "d": [
        ("Create", 0, "ann"),
        ("Manager Approval", 3, "max"),
        ("Change Price", 4, "ann"),
        ("Ship", 8, "bo"),
    ],
    "e": [
        ("Create", 0, "ann"),
        ("Genehmigung Vertrieb", 1, "uwe"),
        ("Manager Approval", 2, "max"),
        ("Release Credit Block", 4, "cfo"),
        ("Cancel Order", 7, "ann"),
    ],
}
VALUES = {"a": 10.0, "b": 20.0, "c": 30.0, "d": 40.0, "e": 50.0}


@pytest.fixture
def result():
    return approvals(_log(TRACES, VALUES))


def test_the_name_rule_finds_english_german_and_sap_names_and_not_rejections():
    steps, rule = approval_steps(_log(TRACES))
    assert steps == ("Director Approval", "Genehmigung Vertrieb", "Manager Approval", "Release Credit Block")
    assert "Approval Rejected" not in steps
    assert "'Manager Approval'" in rule


def test_requests_for_approval_are_not_approvals():
    log = _log({"x": [("Request Approval", 0, "a"), ("Approve Order", 1, "b"), ("Freigabe Auftrag", 2, "c")]})
    assert approval_steps(log)[0] == ("Approve Order", "Freigabe Auftrag")


def test_steps_named_outright_or_by_the_ideal_path_win_over_the_names():
    log = _log(TRACES)
    assert approval_steps(log, steps=["Ship"])[0] == ("Ship",)
    ideal = IdealPath(("Create", "Manager Approval", "Ship"), approval_steps=frozenset({"Manager Approval"}))
    steps, rule = approval_steps(log, ideal=ideal)
    assert steps == ("Manager Approval",) and "ideal path" in rule


def test_patterns_extend_the_rule():
    log = _log({"x": [("Create", 0, "a"), ("Vet Order", 1, "b"), ("Manager Approval", 2, "c")]})
    assert approval_steps(log, patterns={"vet": "^vet "})[0] == ("Vet Order",)
    with pytest.raises(ArgumentError):
        approvals(log, patterns={"bad": "("})
    with pytest.raises(ArgumentError):
        approvals(log, steps="Manager Approval")


def test_an_ideal_path_cannot_mark_an_unknown_approval_step():
    with pytest.raises(IdealPathError):
        IdealPath(("a", "b"), approval_steps=frozenset({"c"}))


def test_chains_per_order(result):
    chains = result.chains.set_index("case_id")
    assert chains.loc["a", "chain"] == ("Manager Approval", "Director Approval")
    assert chains.loc["a", "approvers"] == ("max", "dir")
    assert chains.loc["c", "chain"] == ()
    assert chains.loc["e", "chain"] == ("Genehmigung Vertrieb", "Manager Approval", "Release Credit Block")
    assert chains["chain_length"].to_dict() == {"a": 2, "b": 2, "c": 0, "d": 1, "e": 3}
    # waits before the approvals: a 2h + 3h; b 1h + 3h; d 3h; e 1h + 1h + 2h
    assert chains.loc["a", "approval_wait"] == 5 * H
    assert chains.loc["b", "approval_wait"] == 4 * H
    assert chains.loc["c", "approval_wait"] == 0 * H
    assert chains.loc["e", "approval_wait"] == 4 * H
    assert chains.loc["d", "lead_time"] == 8 * H


def test_by_length(result):
    table = result.by_length.set_index("chain_length")
    assert list(table.index) == list(CHAIN_LENGTHS)
    assert table["orders"].to_dict() == {"0": 1, "1": 1, "2": 2, "3+": 1}
    assert table.loc["2", "share"] == pytest.approx(2 / 5)
    assert table.loc["2", "value"] == 30.0  # a 10 + b 20
    # lead times: c 10h; d 8h; a 6h, b 5h; e 7h
    assert table.loc["0", "lead_time_median"] == 10 * H
    assert table.loc["2", "lead_time_median"] == 5.5 * H
    assert table.loc["2", "lead_time_p90"] == 5.9 * H  # linear between 5h and 6h
    assert table.loc["2", "approval_wait_median"] == 4.5 * H  # a 5h, b 4h
    assert table.loc["1", "wait_added"] == 3 * H  # d 3h - c 0h
    assert table.loc["2", "wait_added"] == 1.5 * H
    assert table.loc["3+", "wait_added"] == -0.5 * H  # e 4h - 4.5h
    assert table.loc["1", "lead_time_added"] == -2 * H
    assert pd.isna(table.loc["0", "wait_added"])


def test_by_length_counts_lead_times_of_closed_orders_only():
    ideal = IdealPath(("Create", "Manager Approval", "Director Approval", "Ship"))
    table = approvals(_log(TRACES, VALUES), ideal=ideal).by_length.set_index("chain_length")
    assert table["closed_orders"].to_dict() == {"0": 1, "1": 1, "2": 1, "3+": 0}
    assert table.loc["2", "lead_time_median"] == 6 * H  # only a shipped
    assert pd.isna(table.loc["3+", "lead_time_median"])


def test_outcomes_and_rubber_stamps(result):
    steps = result.steps.set_index("step")
    assert list(result.steps["step"]) == [
        "Manager Approval",
        "Director Approval",
        "Genehmigung Vertrieb",
        "Release Credit Block",
    ]  # most orders first, ties by name
    assert steps.loc["Manager Approval", "orders"] == 4
    assert steps.loc["Manager Approval", "approvers"] == ("max", "mia")
    assert steps.loc["Manager Approval", "approver_count"] == 2
    # after Manager Approval: b rejected, d changed, e cancelled; a passed
    assert steps.loc["Manager Approval", ["rejected", "changed", "cancelled"]].tolist() == [1, 1, 1]
    assert steps.loc["Manager Approval", "share_approved"] == pytest.approx(1 / 4)
    # Director Approval rejected b once: not a rubber stamp
    assert steps.loc["Director Approval", "rejected"] == 1
    assert not steps.loc["Director Approval", "rubber_stamp"]
    # the German approval was followed by a cancellation in its one order
    assert steps.loc["Genehmigung Vertrieb", "cancelled"] == 1
    assert not steps["rubber_stamp"].any()


def test_a_step_that_approves_everything_is_a_rubber_stamp():
    traces = {
        "a": [
            ("Create", 0, "ann"),
            ("Team Approval", 1, "t"),
            ("Manager Approval", 3, "m"),
            ("Ship", 4, "b"),
        ],
        "b": [
            ("Create", 0, "ann"),
            ("Team Approval", 2, "t"),
            ("Manager Approval", 3, "m"),
            ("Ship", 4, "b"),
        ],
        "c": [
            ("Create", 0, "ann"),
            ("Team Approval", 1, "u"),
            ("Manager Approval", 5, "m"),
            ("Change Price", 6, "a"),
        ],
    }
    # a change before Team Approval does not count against it
    traces["a"].insert(1, ("Change Price", 0.5, "ann"))
    result = approvals(_log(traces))
    steps = result.steps.set_index("step")
    assert steps.loc["Team Approval", "changed"] == 1  # c changed after both
    traces["c"][-1] = ("Ship", 6, "b")
    steps = approvals(_log(traces)).steps.set_index("step")
    assert steps["rubber_stamp"].tolist() == [True, True]
    assert steps.loc["Team Approval", "changed"] == 0
    # Team Approval waits 0.5h, 2h, 1h; Manager Approval 2h, 1h, 4h
    assert steps.loc["Team Approval", "time_added"] == 3.5 * H
    assert steps.loc["Manager Approval", "time_added"] == 7 * H
    assert steps.loc["Manager Approval", "time_added_per_order"] == 7 / 3 * H
    assert steps.loc["Manager Approval", "wait_median"] == 2 * H
    assert pd.isna(steps.loc["Manager Approval", "processing_median"])
    assert approvals(_log(traces)).rubber_stamps["step"].tolist() == ["Manager Approval", "Team Approval"]
    # no approval in this log is ever followed by an outcome: it cannot show one turning out otherwise
    assert not approvals(_log(traces)).outcomes_recorded


def test_outcomes_recorded_needs_one_outcome_after_an_approval(result):
    assert result.outcomes_recorded  # b, d, e
    # a rejection logged instead of the approval (not after it) is no outcome of an approval
    declined = {
        "a": [("Create", 0, "ann"), ("Manager Approval", 1, "m"), ("Ship", 2, "b")],
        "b": [("Create", 0, "ann"), ("Manager Declined", 1, "m")],
        "c": [("Create", 0, "ann"), ("Change Price", 1, "ann"), ("Manager Approval", 2, "m")],
    }
    found = approvals(_log(declined))
    assert found.rubber_stamps["step"].tolist() == ["Manager Approval"]
    assert not found.outcomes_recorded
    declined["a"].append(("Cancel Order", 3, "ann"))
    assert approvals(_log(declined)).outcomes_recorded


def test_processing_time_counts_in_the_time_added():
    log = _log({"x": [("Create", 0, "a"), ("Manager Approval", 3, "m")]}).with_columns(
        start_timestamp=pl.when(pl.col("activity") == "Manager Approval")
        .then(pl.lit(T0 + timedelta(hours=2)).dt.replace_time_zone("UTC"))
        .otherwise(pl.col("timestamp"))
        .cast(pl.Datetime("us", "UTC"))
    )
    steps = approvals(log).steps.set_index("step")
    assert steps.loc["Manager Approval", "wait_median"] == 2 * H
    assert steps.loc["Manager Approval", "processing_median"] == 1 * H
    assert steps.loc["Manager Approval", "time_added"] == 3 * H


def test_a_log_without_approvals_has_empty_chains():
    result = approvals(_log({"x": [("Create", 0, "a"), ("Ship", 1, "b")]}))
    assert result.approval_steps == ()
    assert result.steps.empty
    assert result.by_length["orders"].tolist() == [1, 0, 0, 0]
    assert "no activity name matches" in result.rule


def test_the_log_comes_first_and_options_by_keyword():
    with pytest.raises(TypeError):
        approvals(_log(TRACES), None)  # type: ignore[misc]
