"""The planted back office (simulate(back_office=True)): approvals and rekeyed_values recover the truth."""

from __future__ import annotations

from datetime import date

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


def _working_seconds(times: pl.Expr) -> pl.Expr:
    """Working seconds since 2025-01-06 (a Monday) of the simulator's calendar, Monday to Friday
    08:00 to 17:00 UTC, counted by hand: nine hours per whole working day before, plus the part
    of the day's working hours already gone."""
    day = times.dt.date()
    whole = (
        pl.date_ranges(pl.lit(date(2025, 1, 6)), day, closed="left")
        .list.eval((pl.element().dt.weekday() <= 5).cast(pl.Int64))
        .list.sum()
    )
    into = (times - times.dt.truncate("1d")).dt.total_seconds() - 8 * 3600
    today = pl.when(day.dt.weekday() <= 5).then(into.clip(0, 9 * 3600)).otherwise(0)
    return whole * 9 * 3600 + today


def test_the_planted_steps_wait_exactly_their_planted_working_days(sim, found):
    waits = (
        sim.log.with_columns(work=_working_seconds(pl.col("timestamp")))
        .with_columns(wait=pl.col("work") - pl.col("work").shift(1).over("case_id"))
        .filter(pl.col("activity").cast(pl.String).is_in([SIGN_OFF, PRICING_APPROVAL]))
        .group_by("activity")
        .agg(pl.col("wait").unique())
    )
    planted = {SIGN_OFF: DEFAULTS["sign_off_days"], PRICING_APPROVAL: DEFAULTS["pricing_days"]}
    for activity, unique in waits.iter_rows():
        after = sim.log.filter(pl.col("activity").cast(pl.String) == activity)
        assert (after["timestamp"].dt.weekday() <= 5).all() and after["timestamp"].dt.hour().is_between(
            8, 16
        ).all()
        # from a step in working hours exactly the planted working days; from one at night less
        assert max(unique) == planted[activity] * 9 * 3600, activity
    steps = found.steps.set_index("step")
    # most sign-offs fall on the next calendar day (a Friday's on Monday)
    assert steps.loc[SIGN_OFF, "wait_median"] == pd.Timedelta(days=DEFAULTS["sign_off_days"])
    assert steps.loc[SIGN_OFF, "wait_p90"] == pd.Timedelta(days=3)


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
