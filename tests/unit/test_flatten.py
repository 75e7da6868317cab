"""flatten, object_facts and deduplicated_waiting_times: hand counts, a brute-force walk of the
links in plain Python, and the planted truth of simulate_ocel; o2c assess on an OCEL file."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pytest

from o2c import deduplicated_waiting_times, flatten, object_facts, simulate_ocel, waiting_times
from o2c._flatten import example_ocel, guess_case_type
from o2c._objects import ObjectCentricLog
from o2c.cli import main
from o2c.errors import ArgumentError, ColumnMappingError
from o2c.log import validate

SAMPLE = Path(__file__).resolve().parents[2] / "sample_logs"


def _brute_force(ocel: ObjectCentricLog, case: str, through: set[str]) -> dict[str, set[str]]:
    """Each case object's events, walking the links in plain Python: breadth first over object
    types, each type at its shortest distance from the case type, links followed outward only."""
    kind = dict(ocel.objects.select("object_id", "object_type").iter_rows())
    events_of: dict[str, set[str]] = defaultdict(set)
    objects_of: dict[str, set[str]] = defaultdict(set)
    for event, obj in ocel.relations.select("event_id", "object_id").iter_rows():
        events_of[obj].add(event)
        objects_of[event].add(obj)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for a, b in ocel.object_relations.select("object_id", "related_id").iter_rows():
        neighbours[a].add(b)
        neighbours[b].add(a)
    result = {}
    for root in (o for o, t in kind.items() if t == case):
        frontier, seen_types, reached = {root}, {case}, {root}
        while frontier:
            found = set()
            for obj in frontier:
                linked = set(neighbours[obj])
                for event in events_of[obj]:
                    linked |= objects_of[event]
                found |= {o for o in linked if kind[o] in through and kind[o] not in seen_types}
            seen_types |= {kind[o] for o in found}
            reached |= found
            frontier = found
        result[root] = {event for obj in reached for event in events_of[obj]}
    return result


def _cases(log: pl.DataFrame) -> dict[str, set[str]]:
    return {case: set(group["event_id"]) for (case,), group in log.group_by("case_id")}


# --- flatten ------------------------------------------------------------------------------------------


def test_example_by_hand() -> None:
    log = flatten(example_ocel(), case="Order", through=("Item", "Delivery"))
    assert _cases(log) == {"o1": {"e1", "e3", "e5", "e9", "e6", "e7", "e8"}, "o2": {"e2", "e4", "e5", "e9"}}
    shared = dict(log.select("event_id", "shared_by").unique().iter_rows())
    assert shared == {"e1": 1, "e2": 1, "e3": 1, "e4": 1, "e5": 2, "e6": 1, "e7": 1, "e8": 1, "e9": 2}
    assert validate(log).equals(log)  # sorted and canonical as it comes
    only_own = flatten(example_ocel(), case="Order", through=())
    assert _cases(only_own) == {"o1": {"e1", "e8"}, "o2": {"e2"}}


def test_a_delivery_does_not_lead_back_to_another_orders_items() -> None:
    # d1 carries i1 (o1) and i3 (o2): o1 gets d1's events, never i3's pick (e4)
    log = flatten(example_ocel(), case="Order", through=("Item", "Delivery"))
    assert "e4" not in _cases(log)["o1"]


@pytest.mark.parametrize("seed", [1, 2])
def test_flatten_agrees_with_a_brute_force_walk_and_the_planted_truth(seed: int) -> None:
    sim = simulate_ocel(150, seed=seed)
    through = ("Item", "Delivery", "Invoice")
    log = flatten(sim.ocel, case="Order", through=through)
    assert _cases(log) == _brute_force(sim.ocel, "Order", set(through))
    per_order = dict(log.group_by("case_id").len().iter_rows())
    assert per_order == dict(zip(sim.orders["case_id"], sim.orders["events"].astype(int), strict=True))
    assert log.height == sim.truth["flattened_events"]
    assert log.filter(pl.col("shared_by") > 1)["event_id"].n_unique() == sim.truth["events_shared"]
    # shared_by is the number of cases holding the event, and weights 1/shared_by count each event once
    counted = log.group_by("event_id").agg(pl.len(), pl.col("shared_by").first())
    assert (counted["len"] == counted["shared_by"]).all()
    assert round(float((1 / log["shared_by"]).sum()), 9) == log["event_id"].n_unique()


def test_default_follows_documents_not_master_data() -> None:
    sim = simulate_ocel(60, seed=3)
    log = flatten(sim.ocel)  # "order" matches the type "Order"; through guessed
    assert _cases(log) == _brute_force(sim.ocel, "Order", {"Item", "Delivery", "Invoice"})
    customer_events = set(sim.ocel.relations.filter(pl.col("object_id").str.starts_with("c"))["event_id"])
    assert customer_events <= set(log["event_id"])  # the Place Order events, through the orders themselves
    assert log["case_id"].n_unique() == 60


def test_case_type_is_checked_and_guessed() -> None:
    ocel = example_ocel()
    with pytest.raises(ArgumentError, match="did you mean: 'Order'") as caught:
        flatten(ocel, case="Ordr")
    assert caught.value.argument == "case" and "Delivery" in caught.value.allowed
    with pytest.raises(ArgumentError, match="'through'"):
        flatten(ocel, case="Order", through=("Items",))
    assert guess_case_type(ocel) == "Order"
    for names, expected in (
        (["customers", "items", "orders", "packages", "products"], "orders"),
        (["Sales Order", "Order Item", "Delivery"], "Sales Order"),
        (["SO", "Invoice"], "SO"),
        (["Invoice", "Payment", "Purchase Order"], "Purchase Order"),
        (["Ticket", "Agent"], None),
    ):
        objects = pl.DataFrame({"object_id": [f"x{i}" for i in range(len(names))], "object_type": names})
        empty = pl.DataFrame(schema={"event_id": pl.String, "object_id": pl.String})
        fake = ObjectCentricLog.from_tables(events=pl.DataFrame(schema={"event_id": pl.String, "activity": pl.String,
                                            "timestamp": pl.Datetime("us", "UTC")}), objects=objects, relations=empty)  # fmt: skip
        assert guess_case_type(fake) == expected, names


# --- object_facts --------------------------------------------------------------------------------------


def test_object_facts_by_hand() -> None:
    facts = object_facts(example_ocel(), case="Order").set_index("fact")
    # items: o1 2, o2 1; deliveries: o1 d1 d2, o2 d1; d1 serves both; invoice v1 for o1 only
    assert facts.loc["items_per_order", ["counted", "mean", "max", "share"]].tolist() == [2, 1.5, 2.0, 0.5]
    assert facts.loc["orders_per_delivery", ["counted", "mean", "share"]].tolist() == [2, 1.5, 0.5]
    assert facts.loc["invoices_per_order", ["mean", "share"]].tolist() == [0.5, 0.0]
    assert facts.loc["delivered_in_one_shipment", "share"] == 0.5  # o2: d1 carries its only item
    # deliveries dated by their last event: d1 e9 (8 Jan 18:00), d2 e7 (10 Jan 12:00); o1 spans 42 h
    assert facts.loc["first_to_last_delivery", "time_max"] == pd.Timedelta(hours=42)
    assert facts.loc["first_to_last_delivery", "time_median"] == pd.Timedelta(hours=21)


@pytest.mark.parametrize("seed", [0, 7])
def test_object_facts_recover_the_planted_truth_exactly(seed: int) -> None:
    sim = simulate_ocel(400, seed=seed)
    facts = object_facts(sim.ocel, case="Order").set_index("fact")
    for fact, planted in sim.truth["facts"].items():
        for key, value in planted.items():
            column = key.removesuffix("_s")
            found = facts.loc[fact, column]
            found = found.total_seconds() if isinstance(found, pd.Timedelta) else found
            assert found == pytest.approx(value, abs=1e-6), (fact, key)


def test_document_types_leave_out_cancellations_and_pro_formas() -> None:
    from o2c._flatten import document_types

    names = ["Sales Order", "Delivery", "Returns Delivery for Order", "Invoice", "Invoice Cancellation",
             "Pro Forma Invoice", "Invoice List", "Credit Memo", "Order Item", "Payment"]  # fmt: skip
    objects = pl.DataFrame({"object_id": [f"x{i}" for i in range(len(names))], "object_type": names})
    fake = ObjectCentricLog.from_tables(
        events=pl.DataFrame(
            schema={"event_id": pl.String, "activity": pl.String, "timestamp": pl.Datetime("us", "UTC")}
        ),
        objects=objects,
        relations=pl.DataFrame(schema={"event_id": pl.String, "object_id": pl.String}),
    )
    assert document_types(fake, case="Sales Order") == {
        "item": ["Order Item"], "delivery": ["Delivery"], "invoice": ["Invoice"], "payment": ["Payment"],
    }  # fmt: skip


def test_object_facts_roles_can_be_named_or_left_out() -> None:
    facts = object_facts(example_ocel(), case="Order", invoice=(), item=["Item"])
    assert "invoices_per_order" not in set(facts["fact"])
    with pytest.raises(ArgumentError, match="'delivery'"):
        object_facts(example_ocel(), case="Order", delivery=["Lorry"])


# --- waits counted once ----------------------------------------------------------------------------------


def test_deduplicated_waits_by_hand() -> None:
    log = flatten(example_ocel(), case="Order", through=("Item", "Delivery"))
    waits = deduplicated_waiting_times(log).set_index(["source", "target"])
    # e5 -> e9 (Ship Delivery -> Deliver, 6 hours) is in both orders: once here, twice as seen
    row = waits.loc[("Ship Delivery", "Deliver")]
    assert (row["transitions"], row["transitions_seen"], row["cases"]) == (1, 2, 2)
    assert row["wait_total"] == pd.Timedelta(hours=6)
    seen = waiting_times(log).set_index(["source", "target"])
    assert seen.loc[("Ship Delivery", "Deliver"), "wait_total"] == pd.Timedelta(hours=12)


def test_deduplicated_waits_count_distinct_event_pairs() -> None:
    log = flatten(simulate_ocel(120, seed=5).ocel)
    waits = deduplicated_waiting_times(log)
    seen = waiting_times(log)
    frame = log.to_pandas()
    frame["next_event"] = frame.groupby("case_id")["event_id"].shift(-1)
    frame["next_time"] = frame.groupby("case_id")["timestamp"].shift(-1)
    pairs = frame.dropna(subset=["next_event"]).drop_duplicates(["event_id", "next_event"])
    assert waits["transitions"].sum() == len(pairs)
    assert waits["transitions_seen"].sum() == seen["transitions"].sum()
    assert waits["wait_total"].sum() == (pairs["next_time"] - pairs["timestamp"]).sum()
    with pytest.raises(ColumnMappingError, match="event_id"):
        deduplicated_waiting_times(log.drop("event_id"))


# --- o2c assess on an OCEL 2.0 JSON file -------------------------------------------------------------------


def test_assess_cli_reports_the_planted_object_facts(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "report"
    code = main(["assess", str(SAMPLE / "o2c_objects.jsonocel"), "--out", str(out), "--no-progress"])
    assert code == 0, capsys.readouterr().err
    truth = json.loads((SAMPLE / "truth_objects.json").read_text(encoding="utf-8"))
    found = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    objects = found["objects"]
    assert objects["case_type"] == "Order" and objects["through"] == ["Item", "Delivery", "Invoice"]
    assert objects["events_shared"] == truth["events_shared"] and objects["orders"] == truth["orders"]
    assert found["input"]["rows"] == truth["events"] and found["log"]["events"] == truth["flattened_events"]
    for row in objects["facts"]:
        for key, value in truth["facts"][row["fact"]].items():
            assert row[key] == pytest.approx(value, abs=1e-6), (row["fact"], key)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Orders and their objects" in html and "split deliveries" in html
    assert (out / "tables" / "object_facts.csv").exists() and (out / "maps" / "objects.dot").exists()
    assert "The object-centric map" in html


# --- the object-centric map (OC-DFG) ---------------------------------------------------------------------


def test_object_directly_follows_agrees_with_pm4pys_ocdfg(tmp_path: Path) -> None:
    import sys

    from o2c import object_directly_follows, read_ocel, write_ocel

    sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]
    import pm4py

    path = tmp_path / "objects.jsonocel"
    write_ocel(simulate_ocel(80, seed=6).ocel, path)
    ocdfg = pm4py.discover_ocdfg(pm4py.read_ocel2_json(str(path)))
    couples, total, unique = (ocdfg["edges"][k] for k in ("event_couples", "total_objects", "unique_objects"))
    theirs = {
        (kind, a, b): (len(pairs), len(total[kind][(a, b)]), len(unique[kind][(a, b)]))
        for kind in couples
        for (a, b), pairs in couples[kind].items()
    }
    edges = object_directly_follows(read_ocel(path))
    mine = {
        (row.object_type, row.source, row.target): (row.event_couples, row.transitions, row.objects)
        for row in edges.itertuples()
    }
    assert mine == theirs


def test_object_map_colours_each_type_and_escapes_names() -> None:
    from o2c import object_directly_follows, render_object_map

    ocel = example_ocel()
    renamed = ObjectCentricLog.from_tables(
        events=ocel.events.with_columns(pl.col("activity").replace({"Deliver": "Deliver <b>&</b>"})),
        objects=ocel.objects,
        relations=ocel.relations,
    )
    chart = render_object_map(object_directly_follows(renamed))
    assert "Deliver &lt;b&gt;&amp;&lt;/b&gt;" in chart.source and "<b>&</b>" not in chart.source
    assert chart.source.count("#0072B2") >= 2 and "#E69F00" in chart.source  # Customer, Delivery, ...
    with pytest.raises(ArgumentError):
        render_object_map(object_directly_follows(ocel), measure="cases")
