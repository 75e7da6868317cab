"""What to fix first: levers counted by hand on a tiny log, no day counted twice, and the
simulator's planted causes found with their planted size inside the intervals."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest

import o2c
from o2c._actions import ACTION_COLUMNS, KINDS, _attribute, _weighted_median
from o2c.errors import ArgumentError
from o2c.io import read_log
from o2c.report._findings import validate_findings

DAY = pd.Timedelta(days=1)
START = datetime(2025, 3, 3, 9, tzinfo=UTC)

# order: (value, [(activity, day)]); "approve" is optional, "fix" is off the ideal path
_ORDERS = {
    "1": (100.0, [("create", 0), ("approve", 2), ("ship", 3), ("invoice", 4), ("pay", 34)]),
    "2": (300.0, [("create", 0), ("ship", 1), ("invoice", 2), ("pay", 32)]),
    "3": (200.0, [("create", 0), ("approve", 5), ("ship", 6), ("invoice", 7), ("pay", 37)]),
    "4": (400.0, [("create", 0), ("fix", 1), ("fix", 3), ("ship", 4), ("invoice", 5), ("pay", 35)]),
}
IDEAL = o2c.IdealPath(
    ("create", "approve", "ship", "invoice", "pay"),
    optional=frozenset({"approve"}),
    milestones={"ordered": "create", "delivered": "ship", "invoiced": "invoice", "paid": "pay"},
)


def _hand_log() -> pl.DataFrame:
    rows = [
        (case, activity, START + timedelta(days=day), value)
        for case, (value, steps) in _ORDERS.items()
        for activity, day in steps
    ]
    return pl.DataFrame(rows, schema=["case_id", "activity", "timestamp", "value"], orient="row")


@pytest.fixture(scope="module")
def hand() -> o2c.Assessment:
    return o2c.assess(read_log(_hand_log()), ideal=IDEAL, progress=False)


@pytest.fixture(scope="module")
def hand_actions(hand: o2c.Assessment) -> pd.DataFrame:
    return o2c.actions(hand, resamples=300, seed=1)


def _lever(table: pd.DataFrame, name: str) -> pd.Series:
    found = table[table["lever"] == name]
    assert len(found) == 1, (name, table["lever"].tolist())
    return found.iloc[0]


def test_columns_and_kinds(hand_actions: pd.DataFrame) -> None:
    assert list(hand_actions.columns) == ACTION_COLUMNS
    assert set(hand_actions["kind"]) <= set(KINDS)
    assert hand_actions["rank"].tolist() == list(range(1, len(hand_actions) + 1))
    assert hand_actions["working_capital"].is_monotonic_decreasing
    assert hand_actions.attrs["resamples"] == 300 and hand_actions.attrs["seed"] == 1


def test_optional_step_counted_by_hand(hand_actions: pd.DataFrame) -> None:
    row = _lever(hand_actions, "skip approve")
    assert row["kind"] == "optional_step" and row["owner"] == "company"
    # orders 1 and 3 wait 2 and 5 days for the approval
    assert row["orders"] == 2
    assert row["saved_total"] == 7 * DAY
    assert row["saved_median"] == 3.5 * DAY and row["saved_mean"] == 3.5 * DAY
    assert row["order_to_cash_saved"] == 7 * DAY / 4  # over the 4 paid orders
    summed = sum(value for value, _ in _ORDERS.values())
    assert row["dso_saved"] == (100 * 2 + 200 * 5) / summed * DAY
    span_days = 37  # first event day 0, last day 37
    assert row["working_capital"] == pytest.approx((100 * 2 + 200 * 5) / span_days)
    assert row["financing_cost"] == pytest.approx(row["working_capital"] * 0.08)
    assert hand_actions.attrs["daily_revenue"] == pytest.approx(summed / span_days)


def test_two_levers_on_the_same_days_add_up_to_the_combined_lever(hand_actions: pd.DataFrame) -> None:
    # order 4: create -1d-> fix -2d-> fix. The deviation lever claims both waits into fix (3 days),
    # the self-loop lever the wait into the second fix (2 days): the same 2 days of the same order.
    deviation = _lever(hand_actions, "no inserted fix")
    loop = _lever(hand_actions, "loop fix -> fix")
    assert deviation["kind"] == "deviation" and loop["kind"] == "rework"
    combined = 3 * DAY  # the union of their claims, counted by hand
    assert deviation["saved_total"] + loop["saved_total"] == combined  # not 5 days
    assert deviation["saved_total"] == 3 * DAY and loop["saved_total"] == 0 * DAY
    assert loop["overlap"] == 2 * DAY
    together = deviation["working_capital"] + loop["working_capital"]
    assert together == pytest.approx(400 * 3 / 37)


def test_attribution_never_counts_a_day_twice() -> None:
    rng = np.random.default_rng(3)
    waits = rng.uniform(0, 10, 50)
    claims = [np.minimum(rng.uniform(0, 12, 50), waits) for _ in range(4)]
    taken = np.zeros(50)
    nets = []
    for claim in claims:
        net, taken = _attribute(claim, taken)
        nets.append(net)
    # claims are the last days of each wait, so together they cover the largest claim, per wait
    assert np.allclose(sum(nets), np.max(claims, axis=0))
    # two levers with the same claims: the second gets nothing
    net, after = _attribute(claims[0], np.zeros(50))
    again, _ = _attribute(claims[0], after)
    assert np.allclose(net + again, claims[0])


def test_weighted_median_agrees_with_numpy_on_repeated_values() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=7)
    weights = rng.integers(0, 4, size=(20, 7))
    expected = [np.median(np.repeat(values, w)) if w.sum() else np.nan for w in weights]
    assert np.allclose(_weighted_median(values, weights), expected, equal_nan=True)


def test_intervals_hold_the_estimate_and_reruns_are_identical(hand: o2c.Assessment) -> None:
    first = o2c.actions(hand, resamples=200, seed=4)
    again = o2c.actions(hand, resamples=200, seed=4)
    pd.testing.assert_frame_equal(first, again)
    for figure in ("orders", "saved_total", "working_capital"):
        assert (first[f"{figure}_low"] <= first[f"{figure}_high"]).all()


@pytest.mark.parametrize(
    ("argument", "value"), [("resamples", -1), ("seed", 1.5), ("level", 2.0), ("annual_rate", -0.1)]
)
def test_bad_arguments(hand: o2c.Assessment, argument: str, value: Any) -> None:
    with pytest.raises(ArgumentError) as raised:
        o2c.actions(hand, **{argument: value})
    assert raised.value.argument == argument


def test_assess_computes_actions_once(hand: o2c.Assessment, hand_actions: pd.DataFrame) -> None:
    assert hand.actions is not None
    assert set(hand.actions["lever"]) == set(hand_actions["lever"])
    assert "actions" in hand.frames()


# --- the planted causes -----------------------------------------------------------------------------


def _covers(row: pd.Series, figure: str, seconds: float) -> bool:
    planted = pd.Timedelta(seconds=seconds)
    return bool(row[f"{figure}_low"] <= planted <= row[f"{figure}_high"])


def _check_planted(result: o2c.Assessment, truth: dict[str, Any], region: str) -> None:
    table = result.actions
    assert table is not None
    effects = truth["planted_effects"]
    # the approval and the complaint: the lever's counterfactual is the planted one (no approval
    # wait; the usual payment day), so median and mean; the bottleneck's counterfactual is the
    # other orders' median wait, the planted one each order's own usual wait: the median only
    levers = {
        "skip Manager Approval": (effects["approvals"]["Manager Approval"], ("saved_median", "saved_mean")),
        "skip Director Approval": (effects["approvals"]["Director Approval"], ("saved_median", "saved_mean")),
        f"Pick Goods -> Ship Goods for region {region}": (effects["bottleneck"], ("saved_median",)),
        "resolve Customer Complaint": (effects["complaint"], ("saved_median", "saved_mean")),
    }
    for name, (planted, figures) in levers.items():
        row = _lever(table, name)
        assert row["orders_low"] <= planted["orders"] <= row["orders_high"], name
        for figure in figures:
            seconds = planted[figure.replace("saved_", "") + "_seconds"]
            assert _covers(row, figure, seconds), (name, figure, planted, row[figure])


@pytest.fixture(scope="module")
def sample() -> o2c.Assessment:
    root = Path(__file__).resolve().parents[2] / "sample_logs"
    return o2c.assess(
        o2c.read_log(root / "o2c_orders.csv"),
        ideal=o2c.read_ideal_path(root / "ideal_path.yaml"),
        progress=False,
    )


def test_sample_log_planted_causes_inside_the_intervals(sample: o2c.Assessment) -> None:
    truth = json.loads((Path(__file__).resolve().parents[2] / "sample_logs" / "truth.json").read_text())
    _check_planted(sample, truth, "APAC")
    table = sample.actions
    assert table is not None
    # the customer's days are moved only by the late-payment lever
    assert set(table.loc[table["owner"] == "customer", "kind"]) == {"late_payment"}
    # the three planted causes lead the list
    assert set(table["lever"].head(3)) == {
        "Pick Goods -> Ship Goods for region APAC",
        "resolve Customer Complaint",
        "skip Manager Approval",
    }
    # the planted rubber stamp is priced at the waits truth.json measured into it, and called one
    stamp, planted = (
        _lever(table, "skip Sales Ops Sign-off"),
        truth["back_office"]["steps"]["Sales Ops Sign-off"],
    )
    assert stamp["orders"] == planted["orders"] and "a rubber stamp" in stamp["fixed"]
    assert stamp["saved_total"] == pd.Timedelta(seconds=planted["wait_total_seconds"])
    assert stamp["saved_median"] == pd.Timedelta(seconds=planted["wait_median_seconds"])
    assert "rubber stamp" not in _lever(table, "skip Pricing Approval")["fixed"]


def test_planted_causes_of_other_sizes_inside_the_intervals() -> None:
    sim = o2c.simulate(
        2000, seed=11, bottleneck_region="AMER", bottleneck_days=4, complaint=0.1, complaint_delay_days=35,
        approval_wait_hours=(20.0, 16.0),
    )  # fmt: skip
    result = o2c.assess(read_log(sim.log), ideal=sim.ideal, progress=False)
    _check_planted(result, sim.truth, "AMER")


def test_report_opens_with_what_to_fix_first(sample: o2c.Assessment, tmp_path: Path) -> None:
    o2c.write_report(sample, tmp_path / "out")
    html = (tmp_path / "out" / "report.html").read_text()
    after = html[html.index('id="findings"') :]
    assert re.findall(r"<h2[^>]*>([^<]*)</h2>", after)[:2] == ["Headline findings", "What to fix first"]
    found = json.loads((tmp_path / "out" / "findings.json").read_text())
    validate_findings(found)
    levers = found["actions"]["levers"]
    assert found["actions"]["resamples"] == 1000
    assert [lever["lever"] for lever in levers] == sample.actions["lever"].tolist()  # type: ignore[index]
    assert levers[0]["working_capital"] == round(float(sample.actions["working_capital"].iloc[0]), 2)  # type: ignore[index]


@pytest.mark.parametrize(("ratio", "present"), [(1.2, False), (1.3, True)])
def test_a_driver_is_a_lever_only_when_its_wait_is_material(
    sample: o2c.Assessment, ratio: float, present: bool
) -> None:
    # the headlines' rule: significant and at least 1.25 times the others' median wait
    drivers = sample.drivers.copy()
    apac = (drivers["attribute"] == "region") & (drivers["value"] == "APAC")
    apac &= (drivers["source"] == "Pick Goods") & (drivers["target"] == "Ship Goods")
    assert apac.sum() == 1
    drivers.loc[apac, "wait_median"] = drivers.loc[apac, "others_wait_median"] * ratio
    table = o2c.actions(dataclasses.replace(sample, drivers=drivers), resamples=50)
    assert ("Pick Goods -> Ship Goods for region APAC" in set(table["lever"])) is present


def test_only_an_optional_approval_is_a_lever_to_skip() -> None:
    # an optional delivery is no step to drop; an optional approval (by name) is
    ideal = dataclasses.replace(IDEAL, optional=frozenset({"approve", "ship"}))
    table = o2c.actions(o2c.assess(read_log(_hand_log()), ideal=ideal, progress=False), resamples=50)
    skips = set(table.loc[table["kind"] == "optional_step", "lever"])
    assert skips == {"skip approve"}
