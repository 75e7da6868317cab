"""Waiting times, activity durations, lead times, bottlenecks and drivers, by hand and by planted truth."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import polars as pl
import pytest

from o2c.errors import ArgumentError
from o2c.io import read_ideal_path, read_log
from o2c.model import IdealPath
from o2c.performance import (
    BOTTLENECK_ORDER,
    activity_durations,
    bottlenecks,
    case_attributes,
    drivers,
    lead_times,
    processing_and_waiting,
    waiting_times,
)
from o2c.render.maps import render_map
from tests.conftest import sample_log

T0 = datetime(2025, 3, 3, 8)
H = pd.Timedelta(hours=1)


def _log(rows: list[tuple[str, str, float]], **extra: list[object]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "case_id": [r[0] for r in rows],
            "activity": [r[1] for r in rows],
            "timestamp": [T0 + timedelta(hours=r[2]) for r in rows],
            **extra,
        }
    )


@pytest.fixture
def tiny() -> pl.DataFrame:
    """Order 1: a b b pay; order 2: a b pay; order 3: a (one event); order 4: b b b b (self-loops only)."""
    rows = [
        ("1", "a", 0),
        ("1", "b", 2),
        ("1", "b", 4),
        ("1", "pay", 100),
        ("2", "a", 0),
        ("2", "b", 10),
        ("2", "pay", 20),
        ("3", "a", 7),
        ("4", "b", 0),
        ("4", "b", 1),
        ("4", "b", 3),
        ("4", "b", 13),
    ]
    values = {"1": 1000.0, "2": 50.0, "3": 10.0, "4": None}
    return _log(rows, value=[values[r[0]] for r in rows])


def test_waiting_times_by_hand(tiny: pl.DataFrame) -> None:
    waits = waiting_times(tiny).set_index(["source", "target"])
    assert list(waits.columns) == [
        "transitions",
        "cases",
        "wait_median",
        "wait_mean",
        "wait_p90",
        "wait_max",
        "wait_total",
        "overlaps",
    ]
    assert waits["overlaps"].sum() == 0  # complete events only: nothing runs in parallel
    # b -> b: order 1 waits 2 h, order 4 waits 1, 2 and 10 h
    loop = waits.loc[("b", "b")]
    assert (loop["transitions"], loop["cases"]) == (4, 2)
    assert loop["wait_median"] == 2 * H
    assert loop["wait_mean"] == 3.75 * H
    assert loop["wait_p90"] == (2 + 0.7 * 8) * H  # linear: position 2.7 of [1, 2, 2, 10]
    assert loop["wait_max"] == 10 * H
    assert loop["wait_total"] == 15 * H
    pay = waits.loc[("b", "pay")]
    assert (pay["wait_median"], pay["wait_total"]) == (53 * H, 106 * H)  # 96 h and 10 h
    assert waits.loc[("a", "b"), "wait_mean"] == 6 * H


def test_waits_run_from_end_to_start() -> None:
    log = _log([("1", "a", 1), ("1", "b", 5)]).with_columns(
        start_timestamp=pl.Series([T0, T0 + timedelta(hours=3)])
    )
    assert waiting_times(log)["wait_median"].iloc[0] == 2 * H  # b starts at 3, a ended at 1


def test_activity_durations_by_hand() -> None:
    log = _log(
        [
            ("1", "a", 0),
            ("1", "a", 1),
            ("1", "b", 2),
            ("1", "b", 5),
            ("2", "a", 0),
            ("2", "a", 3),
            ("2", "c", 4),
        ],
        lifecycle=["start", "complete", "start", "complete", "start", "complete", "complete"],
    )
    durations = activity_durations(log)
    assert list(durations["activity"]) == ["a", "b"]  # c has no start: no duration
    a = durations.iloc[0]
    assert (a["instances"], a["duration_median"], a["duration_max"], a["duration_total"]) == (
        2,
        2 * H,
        3 * H,
        4 * H,
    )
    assert durations.iloc[1]["duration_mean"] == 3 * H


def test_complete_only_log_has_no_durations(tiny: pl.DataFrame) -> None:
    durations = activity_durations(tiny)
    assert durations.empty
    assert list(durations.columns)[:2] == ["activity", "instances"]


def test_lead_times_by_hand(tiny: pl.DataFrame) -> None:
    leads = lead_times(tiny)
    assert list(leads.columns) == ["case_id", "first_event", "last_event", "events", "lead_time"]
    assert list(leads["lead_time"]) == [100 * H, 20 * H, pd.Timedelta(0), 13 * H]
    assert list(leads["events"]) == [4, 3, 1, 4]


def test_bottlenecks_rank_by_total_wait(tiny: pl.DataFrame) -> None:
    ranked = bottlenecks(tiny)
    assert list(ranked["rank"]) == list(range(1, len(ranked) + 1))
    assert list(zip(ranked["source"], ranked["target"], strict=True))[:3] == [
        ("b", "pay"),
        ("b", "b"),
        ("a", "b"),
    ]
    # all waits: a->b 12 h, b->b 15 h, b->pay 106 h
    assert ranked["share_of_wait"].iloc[0] == pytest.approx(106 / 133)
    assert ranked["share_of_wait"].sum() == pytest.approx(1.0)
    # without an ideal path the guessed paid milestone ("pay") is the customer's step
    assert list(ranked["owner"]) == ["customer", "internal", "internal"]


def test_value_days_weigh_waits_by_order_value(tiny: pl.DataFrame) -> None:
    ranked = bottlenecks(tiny, by="value_days").set_index(["source", "target"])
    assert ranked.loc[("b", "pay"), "value_days"] == pytest.approx(1000 * 96 / 24 + 50 * 10 / 24)
    assert ranked.loc[("b", "b"), "value_days"] == pytest.approx(1000 * 2 / 24)  # order 4 has no value
    assert ranked.loc[("b", "pay"), "rank"] == 1


def test_customer_waits_are_told_apart(tiny: pl.DataFrame) -> None:
    ideal = IdealPath(("a", "b", "pay"), milestones={"paid": "pay"})
    both = bottlenecks(tiny, ideal=ideal).set_index(["source", "target"])
    assert both.loc[("b", "pay"), "owner"] == "customer"
    assert both.loc[("b", "b"), "owner"] == "internal"
    internal = bottlenecks(tiny, ideal=ideal, include_customer=False)
    assert ("b", "pay") not in set(zip(internal["source"], internal["target"], strict=True))
    assert internal["share_of_wait"].iloc[0] == pytest.approx(15 / 27)


def test_customer_steps_override_the_paid_milestone(tiny: pl.DataFrame) -> None:
    ideal = IdealPath(("a", "b", "pay"), milestones={"paid": "pay"}, customer_steps=frozenset({"b"}))
    owners = bottlenecks(tiny, ideal=ideal).set_index(["source", "target"])["owner"]
    assert owners[("a", "b")] == "customer"
    assert owners[("b", "b")] == "customer"
    assert owners[("b", "pay")] == "internal"


def test_bottleneck_arguments_are_checked(tiny: pl.DataFrame) -> None:
    with pytest.raises(ArgumentError, match="did you mean: 'wait_total'"):
        bottlenecks(tiny, by="total")
    with pytest.raises(ArgumentError, match="'top'"):
        bottlenecks(tiny, top=0)
    with pytest.raises(ArgumentError, match="value"):
        bottlenecks(tiny.drop("value"), by="value_days")
    assert len(bottlenecks(tiny, top=1)) == 1
    assert "value_days" in BOTTLENECK_ORDER


def test_case_attributes_are_constant_within_cases() -> None:
    log = _log(
        [("1", "a", 0), ("1", "b", 1), ("2", "a", 0), ("2", "b", 1)],
        region=["N", "N", "S", "S"],
        step_note=["x", "y", "x", "x"],  # varies within case 1
        amount=[1.5, 1.5, 2.0, 2.0],  # a measurement, not a group
        resource=["ann", "bob", "ann", "bob"],
    )
    assert case_attributes(log) == ["region"]


def test_drivers_by_hand() -> None:
    rows, regions, resources = [], [], []
    # edge a -> b: 3 North cases wait 10, 12, 14 h; 3 South cases wait 1, 2, 3 h
    for i, (region, wait) in enumerate([("N", 10), ("N", 12), ("N", 14), ("S", 1), ("S", 2), ("S", 3)]):
        rows += [(str(i), "a", 0), (str(i), "b", wait)]
        regions += [region, region]
        resources += ["ann" if i % 2 else "bob", "carl"]
    log = _log(rows, region=regions, resource=resources)
    found = drivers(log, ("a", "b"), min_cases=3)
    first = found.iloc[0]
    assert (first["attribute"], first["value"], first["transitions"], first["cases"]) == ("region", "N", 3, 3)
    assert (first["wait_median"], first["others_wait_median"]) == (12 * H, 2 * H)
    assert first["ratio"] == pytest.approx(6.0)
    assert first["p_value"] == pytest.approx(0.1)  # exact two-sided U test, 3 vs 3 fully separated: 2/20
    assert found.iloc[-1]["value"] == "S"
    assert set(found["attribute"]) == {"region", "resource"}
    assert drivers(log, ("a", "b"), min_cases=4).empty


def test_value_bands_are_quantiles_of_case_values() -> None:
    rows, values = [], []
    for i, value in enumerate([100.0, 200.0, 300.0, 400.0]):
        rows += [(str(i), "a", 0), (str(i), "b", 1 + i)]
        values += [value, value]
    found = drivers(_log(rows, value=values), ("a", "b"), min_cases=1, value_bands=2)
    assert list(found["value"]) == ["250 to 400", "up to 250"]
    assert list(found["cases"]) == [2, 2]


def test_drivers_check_their_arguments(tiny: pl.DataFrame) -> None:
    with pytest.raises(ArgumentError, match="does not occur"):
        drivers(tiny, ("a", "pay"))
    with pytest.raises(ArgumentError, match="did you mean"):
        drivers(tiny, ("a", "bb"))
    with pytest.raises(ArgumentError, match="attributes"):
        drivers(tiny, ("a", "b"), attributes=["regoin"])
    with pytest.raises(ArgumentError, match="min_cases"):
        drivers(tiny, ("a", "b"), min_cases=0)


@pytest.fixture(scope="module")
def sample() -> pl.DataFrame:
    return read_log(sample_log("o2c_orders.csv")).log


@pytest.fixture(scope="module")
def truth() -> dict[str, object]:
    return json.loads(sample_log("truth.json").read_text())


def test_planted_bottleneck_ranks_as_planted(
    sample: pl.DataFrame, truth: dict[str, dict[str, object]]
) -> None:
    planted = truth["bottleneck"]
    ideal = read_ideal_path(sample_log("ideal_path.yaml"))
    edge = (planted["source"], planted["target"])
    everything = bottlenecks(sample, top=None, ideal=ideal)
    ranks = dict(
        zip(zip(everything["source"], everything["target"], strict=True), everything["rank"], strict=True)
    )
    assert ranks[edge] == planted["rank_by_wait_total"]
    internal = bottlenecks(sample, top=1, ideal=ideal, include_customer=False)
    assert (internal["source"].iloc[0], internal["target"].iloc[0]) == edge
    assert internal["owner"].iloc[0] == "internal"
    customer = everything[everything["owner"] == "customer"]
    assert (customer["rank"] < ranks[edge]).any()  # the customer's payment wait outranks it


def test_planted_driver_comes_first(sample: pl.DataFrame, truth: dict[str, dict[str, object]]) -> None:
    planted = truth["bottleneck"]
    found = drivers(sample, (str(planted["source"]), str(planted["target"])))
    first = found.iloc[0]
    assert (first["attribute"], first["value"]) == (planted["attribute"], planted["value"])
    assert first["transitions"] == planted["transitions_value"]
    edge = waiting_times(sample).set_index(["source", "target"]).loc[(planted["source"], planted["target"])]
    assert edge["transitions"] - first["transitions"] == planted["transitions_others"]
    assert first["wait_median"].total_seconds() == pytest.approx(planted["wait_median_seconds_value"])
    assert first["others_wait_median"].total_seconds() == pytest.approx(planted["wait_median_seconds_others"])
    assert first["p_value"] < 1e-6


def test_drivers_without_any_wait_have_no_ratio() -> None:
    rows, regions = [], []
    for i, (region, wait) in enumerate([("N", 0), ("S", 0), ("S", 0), ("E", 5)]):
        rows += [(str(i), "a", 0), (str(i), "b", wait)]
        regions += [region, region]
    found = drivers(_log(rows, region=regions), ("a", "b"), min_cases=1)
    # E: 5 h against 0 (infinite ratio), explains 1 x 5 h; N: 0 against 0 (no ratio), explains
    # nothing; S: 0 against a median of 2.5 h, explains 2 x -2.5 h
    assert list(found["value"]) == ["E", "N", "S"]
    assert list(found["explained_wait"]) == [5 * H, 0 * H, -5 * H]
    assert (
        found["ratio"].iloc[0] == float("inf")
        and pd.isna(found["ratio"].iloc[1])
        and found["ratio"].iloc[2] == 0.0
    )


def test_values_that_are_one_effect_are_one_driver() -> None:
    """20 orders on edge a -> b. Region APAC (orders 0-9) waits 10 h, the rest 1 h. Sales org SG01
    is APAC exactly; customer Kaito is orders 0-8 (all within APAC); customer Mori is orders 9-11,
    two thirds outside APAC (not within it); resource ann finished a in orders 0-9 and 19, 10 of
    her 11 within APAC (91% >= 90%), bob 10-13, carl 14-18. EMEA and DE01 (orders 10-19) wait 1 h,
    less than the others: one effect the other way, with customer Quick (12-19), carl and bob
    within it (listed from the broadest attribute and the most orders down). By hand: APAC explains 10 x (10 h - 1 h) = 90 h, EMEA the opposite."""
    rows, extra = [], {"region": [], "sales_org": [], "customer": [], "resource": []}
    for i in range(20):
        wait = 10 if i < 10 else 1
        rows += [(str(i), "a", 0), (str(i), "b", wait)]
        region, org = ("APAC", "SG01") if i < 10 else ("EMEA", "DE01")
        customer = "Kaito" if i < 9 else "Mori" if i < 12 else "Quick"
        resource = "ann" if i < 10 or i == 19 else "bob" if i < 14 else "carl"
        for name, value in (
            ("region", region),
            ("sales_org", org),
            ("customer", customer),
            ("resource", resource),
        ):
            extra[name] += [value, value]
    found = drivers(_log(rows, **extra), ("a", "b"), min_cases=1).set_index(["attribute", "value"])
    apac = found.loc[("region", "APAC")]
    assert apac["aliases"] == "sales_org SG01; resource ann; customer Kaito"
    assert apac["explained_wait"] == 90 * H
    assert found.index[0] == ("region", "APAC")
    assert ("sales_org", "SG01") not in found.index and ("customer", "Kaito") not in found.index
    assert ("customer", "Mori") in found.index  # two thirds of its orders are outside APAC
    emea = found.loc[("region", "EMEA")]
    assert emea["aliases"] == "sales_org DE01; customer Quick; resource carl; resource bob"
    assert emea["explained_wait"] == -90 * H and found.index[-1] == ("region", "EMEA")
    assert set(found.index) == {("region", "APAC"), ("region", "EMEA"), ("customer", "Mori")}


def _overlapping() -> pl.DataFrame:
    """Order X: a 0-5 h, b 3-6 h (b starts 2 h before a ends); order Y: a 0-1 h, b 2-3 h (waits 1 h)."""
    base = datetime(2025, 1, 6)
    rows = [("X", "a", 0, 5), ("X", "b", 3, 6), ("Y", "a", 0, 1), ("Y", "b", 2, 3)]
    return pl.DataFrame(
        [(c, a, base + timedelta(hours=end), base + timedelta(hours=start)) for c, a, start, end in rows],
        schema=["case_id", "activity", "timestamp", "start_timestamp"],
        orient="row",
    )


def test_an_overlap_is_counted_and_is_no_wait_in_the_ranking_and_the_map() -> None:
    log = _overlapping()
    signed = waiting_times(log).set_index(["source", "target"]).loc[("a", "b")]
    assert (signed["overlaps"], signed["wait_median"], signed["wait_total"]) == (1, -0.5 * H, -1 * H)
    zero = waiting_times(log, overlap_as_zero=True).set_index(["source", "target"]).loc[("a", "b")]
    assert (zero["overlaps"], zero["wait_median"], zero["wait_total"]) == (1, 0.5 * H, 1 * H)
    ranked = bottlenecks(log).iloc[0]
    assert (ranked["wait_total"], ranked["wait_max"], ranked["overlap_share"]) == (1 * H, 1 * H, 0.5)
    assert (bottlenecks(log)["wait_median"] >= pd.Timedelta(0)).all()
    label = render_map(log, measure="wait_median").source
    assert "&#160;30 min>" in label and "-30 min" not in label  # the median of 0 and 1 h, not of -2 and 1 h


def test_an_overlap_holds_no_order_value() -> None:
    """X (value 1,000) overlaps a -> b by 2 h: it waited 0, not -2 h; Y (value 240) waited 1 h."""
    log = _overlapping().with_columns(value=pl.when(pl.col("case_id") == "X").then(1000.0).otherwise(240.0))
    edge = bottlenecks(log, annual_rate=0.1).set_index(["source", "target"]).loc[("a", "b")]
    assert edge["value_days"] == pytest.approx(1000 * 0 + 240 * 1 / 24)  # 10 value-days, not -73.3
    assert edge["financing_cost"] == pytest.approx(10 * 0.1 / 365)


def _interval_log(rows: list[tuple[str, str, float | None, float]]) -> pl.DataFrame:
    """Activity instances (case, activity, start hour or None, end hour) with ``start_timestamp``."""
    rows = sorted(rows, key=lambda r: (r[0], r[3]))
    return pl.DataFrame(
        {
            "case_id": [r[0] for r in rows],
            "activity": [r[1] for r in rows],
            "timestamp": [T0 + timedelta(hours=r[3]) for r in rows],
            "start_timestamp": [None if r[2] is None else T0 + timedelta(hours=r[2]) for r in rows],
        }
    )


def test_activity_durations_count_what_they_could_not_measure() -> None:
    # b: one instance 2 -> 5 h, one complete at 9 h without a start; c: no start at all
    log = _interval_log(
        [("1", "a", 0, 1), ("1", "b", 2, 5), ("1", "b", None, 9), ("2", "a", 0, 3), ("2", "c", None, 4)]
    )
    durations = activity_durations(log).set_index("activity")
    assert list(durations.index) == ["a", "b"]  # c has no measured instance: no row
    assert durations.loc["a", ["instances", "cases", "instances_without_start"]].tolist() == [2, 2, 0]
    assert durations.loc["b", ["instances", "cases", "instances_without_start"]].tolist() == [1, 1, 1]
    # shares of all measured work: a 1 h + 3 h, b 3 h
    assert durations["share_of_processing"].tolist() == pytest.approx([4 / 7, 3 / 7])


def test_processing_and_waiting_by_hand() -> None:
    # order 1: a 0-2 h, b 1-4 h (overlaps a), c 6-7 h: in progress 0-4 and 6-7 = 5 h of a 7 h lead time
    # order 2: a 0-1 h, d completed at 10 h without a start: 1 h in progress, 9 h waiting
    log = _interval_log(
        [("1", "a", 0, 2), ("1", "b", 1, 4), ("1", "c", 6, 7), ("2", "a", 0, 1), ("2", "d", None, 10)]
    )
    split = processing_and_waiting(log).set_index("case_id")
    assert list(split.columns) == [
        "lead_time", "processing_time", "waiting_time", "instances", "instances_without_start"
    ]  # fmt: skip
    assert split.loc["1", ["lead_time", "processing_time", "waiting_time"]].tolist() == [7 * H, 5 * H, 2 * H]
    assert split.loc["2", ["lead_time", "processing_time", "waiting_time"]].tolist() == [10 * H, 1 * H, 9 * H]
    assert split.loc["2", ["instances", "instances_without_start"]].tolist() == [2, 1]


def test_processing_and_waiting_agree_with_a_minute_by_minute_count() -> None:
    """Brute force: mark every minute some activity of the case is in progress."""
    rng = np.random.default_rng(7)
    rows = []
    for case in range(40):
        for i in range(int(rng.integers(1, 7))):
            start = int(rng.integers(0, 600))
            end = start + int(rng.integers(0, 180))
            known = rng.random() > 0.15
            rows.append((f"c{case}", f"x{i % 3}", start / 60 if known else None, end / 60))
    split = processing_and_waiting(_interval_log(rows)).set_index("case_id")
    for case in {r[0] for r in rows}:
        mine = [r for r in rows if r[0] == case]
        busy = {m for _, _, s, e in mine if s is not None for m in range(round(s * 60), round(e * 60))}
        first = min(round((s if s is not None else e) * 60) for _, _, s, e in mine)
        last = max(round(e * 60) for *_, e in mine)
        assert split.loc[case, "processing_time"] == pd.Timedelta(minutes=len(busy)), case
        assert split.loc[case, "lead_time"] == pd.Timedelta(minutes=last - first), case
        assert split.loc[case, "waiting_time"] == pd.Timedelta(minutes=last - first - len(busy)), case


def test_a_complete_only_log_has_no_processing_time(tiny: pl.DataFrame) -> None:
    assert processing_and_waiting(tiny).empty
    assert activity_durations(tiny).empty


def test_bottlenecks_rank_waits_only_never_processing_time() -> None:
    """Two logs with the same waits between steps but b's processing time 1 h or 10 days: the
    ranking is the same, and its totals are the waits counted by hand (complete -> next start)."""

    def log(b_hours: float) -> pl.DataFrame:
        # a 0-1 h, wait 2 h, b 3 h-(3 + b_hours), wait 5 h, c
        rows = []
        for case in ("1", "2"):
            b_end = 3 + b_hours
            rows += [(case, "a", 0, 1), (case, "b", 3, b_end), (case, "c", b_end + 5, b_end + 6)]
        return _interval_log(rows)

    short, long = bottlenecks(log(1)), bottlenecks(log(240))
    columns = ["rank", "source", "target", "transitions", "wait_median", "wait_total", "share_of_wait"]
    pd.testing.assert_frame_equal(short[columns], long[columns])
    assert long.set_index(["source", "target"])["wait_total"].to_dict() == {
        ("b", "c"): 10 * H,
        ("a", "b"): 4 * H,
    }
    assert not any("duration" in c or "processing" in c for c in long.columns)
