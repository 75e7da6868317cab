"""The planted back office (simulate(back_office=True)): approvals and rekeyed_values recover the truth."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pytest

from o2c import approvals, rekeyed_values, simulate
from o2c._simulate._backoffice import DEFAULTS, PRICING_APPROVAL, PRICING_REJECTED, SIGN_OFF

SECOND = pd.Timedelta(seconds=1)


@pytest.fixture(scope="module")
def sim():
    return simulate(800, seed=11, back_office=True)


@pytest.fixture(scope="module")
def found(sim):
    return approvals(sim.log, ideal=sim.ideal)


def test_without_the_back_office_the_log_is_unchanged():
    plain, again = simulate(60, seed=4), simulate(60, seed=4, back_office=False)
    assert plain.log.equals(again.log) and "back_office" not in plain.truth
    assert "back_office" not in plain.truth["parameters"]
    planted = simulate(60, seed=4, back_office=True)
    assert planted.truth["parameters"]["back_office"] == DEFAULTS
    # the planting never moves an order's creation, and keeps every original activity count or cuts it at the end
    first = pl.col("timestamp").first()
    created = lambda log: log.group_by("case_id").agg(first).sort("case_id")  # noqa: E731
    assert created(plain.log).equals(created(planted.log))


def test_chain_lengths_and_their_waits(sim, found):
    truth = sim.truth["back_office"]["chain_lengths"]
    table = found.by_length.set_index("chain_length")
    for label, row in truth.items():
        assert table.loc[label, "orders"] == row["orders"]
        assert table.loc[label, "approval_wait_median"] == row["approval_wait_median_seconds"] * SECOND
    assert table["orders"].sum() == 800


def test_the_planted_steps_wait_exactly_their_planted_days(found):
    steps = found.steps.set_index("step")
    assert steps.loc[SIGN_OFF, "wait_median"] == pd.Timedelta(days=DEFAULTS["sign_off_days"])
    assert steps.loc[SIGN_OFF, "wait_p90"] == pd.Timedelta(days=DEFAULTS["sign_off_days"])
    assert steps.loc[PRICING_APPROVAL, "wait_median"] == pd.Timedelta(days=DEFAULTS["pricing_days"])
    assert steps.loc[SIGN_OFF, "time_added"] == steps.loc[SIGN_OFF, "orders"] * pd.Timedelta(days=1)


def test_the_rubber_stamp_and_the_rejecting_step(sim, found):
    truth = sim.truth["back_office"]
    assert sorted(found.approval_steps) == truth["approval_steps"]
    assert found.rubber_stamps["step"].tolist() == truth["rubber_stamps"] == [SIGN_OFF]
    steps = found.steps.set_index("step")
    for step, row in truth["steps"].items():
        assert steps.loc[step, "orders"] == row["orders"], step
        assert steps.loc[step, "rejected"] == row["rejected"], step
        assert (
            round(steps.loc[step, "orders"] * (1 - steps.loc[step, "share_approved"]))
            == row["orders_with_outcome_after"]
        )
        assert steps.loc[step, "time_added"] == row["wait_total_seconds"] * SECOND
    assert steps.loc[PRICING_APPROVAL, "rejected"] > 0
    assert PRICING_REJECTED not in found.approval_steps


def test_the_re_keyed_fields(sim):
    truth = sim.truth["back_office"]["fields"]
    table = rekeyed_values(sim.log).attributes.set_index("attribute")
    for field in ("net_value", "quantity", "requested_date", "ship_to"):
        expected = truth[field]
        assert table.loc[field, "orders_changed"] == expected["orders"], field
        assert table.loc[field, "changes"] == expected["changes"] == expected["step_executions"], field
        assert list(table.loc[field, "steps"]) == expected["step"], field
        if "change_median" in expected:
            assert table.loc[field, "change_median"] == pytest.approx(expected["change_median"]), field
    assert table.loc["quantity", "change_median"] == DEFAULTS["quantity_step"]
    assert table.loc["requested_date", "change_median"] == DEFAULTS["reschedule_days"]
    po = truth["customer_po"]
    assert (
        table.loc["customer_po", "orders_entered_at_several_steps"] == po["orders_entered_at_several_steps"]
    )
    assert table.loc["customer_po", "changes"] == po["changes"] == 0


def test_the_back_office_argument_is_checked():
    from o2c.errors import ArgumentError

    with pytest.raises(ArgumentError):
        simulate(10, back_office="yes")  # type: ignore[arg-type]
