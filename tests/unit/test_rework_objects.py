"""Rework of a log flattened from objects: the same activity again for the same object is rework,
the same activity for a sibling object (the order's other items, deliveries, invoices) is not.
Hand counts on a hand-made object-centric log, and the sample OCEL, whose simulator plants no
repeat (each item is picked once, each delivery shipped and delivered once, each invoice
created and paid once: checked on the file's own links)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from o2c import (
    assess,
    case_timeline,
    first_time_right,
    flatten,
    ping_pongs,
    read_log,
    rework,
    rework_cost,
    self_loops,
)
from o2c._explore._payload import payload
from o2c._flatten import example_ocel
from o2c._objects import ObjectCentricLog
from o2c._rework import repeated
from o2c.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "sample_logs"
T0 = datetime(2025, 3, 3, 8, tzinfo=UTC)


def _at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def _ocel() -> ObjectCentricLog:
    """Order o1 has items i1, i2, i3: i1 and i2 are picked once each, i3 twice (rework, hours 2
    and 4, i2's pick between them); i1 and i2 leave in delivery d1, i3 in d2; o1 is invoiced in
    two parts (v1, v2), each paid. Order o2 has item i4, picked once and shipped in d1 too, one
    invoice v3."""
    events = [  # event, activity, hour, objects
        ("e1", "Place Order", 0, ["o1", "i1", "i2", "i3", "c1"]),
        ("e2", "Place Order", 0.5, ["o2", "i4", "c1"]),
        ("e3", "Pick Item", 1, ["i1"]),
        ("e4", "Pick Item", 2, ["i3"]),
        ("e5", "Pick Item", 3, ["i2"]),
        ("e6", "Pick Item", 4, ["i3"]),
        ("e7", "Pick Item", 4.5, ["i4"]),
        ("e8", "Ship Delivery", 6, ["d1", "i1", "i2", "i4"]),
        ("e9", "Ship Delivery", 7, ["d2", "i3"]),
        ("e10", "Deliver", 30, ["d1"]),
        ("e11", "Deliver", 31, ["d2"]),
        ("e12", "Create Invoice", 40, ["v1", "o1"]),
        ("e13", "Create Invoice", 41, ["v3", "o2"]),
        ("e14", "Create Invoice", 60, ["v2", "o1"]),
        ("e15", "Receive Payment", 200, ["v1"]),
        ("e16", "Receive Payment", 210, ["v3"]),
        ("e17", "Receive Payment", 220, ["v2"]),
    ]
    types = {"o": "Order", "i": "Item", "d": "Delivery", "v": "Invoice", "c": "Customer"}
    objects = sorted({o for *_, linked in events for o in linked})
    o2o = [("o1", "i1"), ("o1", "i2"), ("o1", "i3"), ("o2", "i4"), ("d1", "i1"), ("d1", "i2"),
           ("d1", "i4"), ("d2", "i3"), ("v1", "o1"), ("v2", "o1"), ("v3", "o2"), ("o1", "c1"), ("o2", "c1")]  # fmt: skip
    return ObjectCentricLog.from_tables(
        events=pl.DataFrame({
            "event_id": [e for e, *_ in events],
            "activity": [a for _, a, *_ in events],
            "timestamp": [_at(h) for _, _, h, _ in events],
        }),
        objects=pl.DataFrame({"object_id": objects, "object_type": [types[o[0]] for o in objects]}),
        relations=pl.DataFrame(
            [(e, o) for e, _, _, linked in events for o in linked], schema=["event_id", "object_id"], orient="row"
        ),
        object_relations=pl.DataFrame(o2o, schema=["object_id", "related_id"], orient="row"),
    )  # fmt: skip


@pytest.fixture(scope="module")
def log() -> pl.DataFrame:
    return flatten(_ocel())


def test_each_event_carries_its_own_object(log: pl.DataFrame) -> None:
    got = dict(log.filter(pl.col("case_id") == "o1").select("event_id", "object_id").iter_rows())
    assert got == {
        "e1": "o1",  # the order's one object among its items
        "e3": "i1", "e4": "i3", "e5": "i2", "e6": "i3",
        "e8": "d1", "e9": "d2",  # the delivery, not the items it carries
        "e10": "d1", "e11": "d2",
        "e12": "v1", "e14": "v2",  # the invoice, not the order it bills
        "e15": "v1", "e17": "v2",
    }  # fmt: skip
    types = dict(log.select("object_id", "object_type").unique().iter_rows())
    assert {types[o] for o in ("o1", "i3", "d1", "v2")} == {"Order", "Item", "Delivery", "Invoice"}


def test_only_the_item_picked_twice_is_rework(log: pl.DataFrame) -> None:
    table = rework(log)
    # hand count: i3 picked at hours 2 and 4, directly one after the other among i3's events
    assert table[["activity", "kind", "cases_affected", "extra_executions"]].values.tolist() == [
        ["Pick Item", "repeat", 1, 1],
        ["Pick Item", "self_loop", 1, 1],
    ]
    assert table["time_added"].tolist() == [pd.Timedelta(hours=2)] * 2
    assert table["share_of_cases"].tolist() == [0.5, 0.5]
    assert self_loops(log)[["activity", "extra_executions"]].values.tolist() == [["Pick Item", 1]]
    assert ping_pongs(log).empty
    assert first_time_right(log) == 0.5  # o1 reworked, o2 not


def test_without_objects_the_same_log_counts_siblings() -> None:
    """The per-case count the object column replaces: o1's three picks are one activity run."""
    plain = rework(flatten(_ocel()).drop("object_id", "object_type"))
    picks = plain[(plain["activity"] == "Pick Item") & (plain["kind"] == "repeat")]
    assert picks[["cases_affected", "extra_executions"]].values.tolist() == [[1, 3]]  # 4 picks in o1
    assert {"Create Invoice", "Receive Payment"} <= set(plain["activity"])  # o1's two invoices


def test_rework_cost_compares_the_reworked_order_with_the_other(log: pl.DataFrame) -> None:
    cost = rework_cost(log)
    assert cost["cases_affected"].tolist() == [1, 1]
    assert set(cost["lead_time_with"]) == {pd.Timedelta(hours=220)}  # o1: hour 0 to hour 220
    assert set(cost["lead_time_without"]) == {pd.Timedelta(hours=209.5)}  # o2: hour 0.5 to 210


def test_timeline_and_explorer_flag_the_same_event(log: pl.DataFrame) -> None:
    timeline = case_timeline(log, "o1")
    flagged = timeline[timeline["rework"].astype(bool)]
    assert flagged[["activity", "timestamp"]].values.tolist() == [["Pick Item", pd.Timestamp(_at(4))]]
    assert not case_timeline(log, "o2")["rework"].any()
    assert int(log.select(repeated(log).sum()).item()) == int(
        rework(log).query("kind == 'repeat'")["extra_executions"].sum()
    )
    result = assess(read_log(log), progress=False)
    gaps = payload(result)["timeline"]["rework"]
    flags = [False] * result.log.height
    index = -1
    for gap in gaps:
        index += gap
        flags[index] = True
    assert flags == result.log.select(repeated(result.log)).to_series().to_list()
    assert sum(flags) == 1
    assert result.first_time_right == 0.5


def test_a_delivery_delivered_twice_is_rework_in_each_order_it_serves() -> None:
    """example_ocel's d1 carries items of o1 and o2; a second Deliver of d1 is one repeat in each."""
    ocel = example_ocel()
    again = pl.DataFrame({"event_id": ["e10"], "activity": ["Deliver"], "timestamp": [datetime(2025, 1, 12, 12, tzinfo=UTC)],
                          "source_row": [10]})  # fmt: skip
    ocel = ObjectCentricLog.from_tables(
        events=pl.concat([ocel.events, again]),
        objects=ocel.objects,
        relations=pl.concat([ocel.relations, pl.DataFrame({"event_id": ["e10"], "object_id": ["d1"], "qualifier": [None]},
                                                           schema=ocel.relations.schema)]),
        object_relations=ocel.object_relations,
    )  # fmt: skip
    table = rework(flatten(ocel, case="Order"))
    # e9 (Jan 8 18:00) and e10 (Jan 12 12:00): 3 days 18 hours, in o1 and in o2
    assert table[["activity", "kind", "cases_affected", "extra_executions"]].values.tolist() == [
        ["Deliver", "repeat", 2, 2],
        ["Deliver", "self_loop", 2, 2],
    ]
    assert table["time_added"].tolist() == [pd.Timedelta(days=7, hours=12)] * 2


def test_an_event_without_object_counts_with_the_orders_own() -> None:
    """A log with an object column left empty on some events: those are one unit per case."""
    frame = pl.DataFrame({
        "case_id": ["1"] * 5,
        "activity": ["Remind", "Pick", "Remind", "Pick", "Pick"],
        "timestamp": [_at(h) for h in range(5)],
        "object_id": [None, "a", None, "b", "a"],
    })  # fmt: skip
    table = rework(frame)
    # Remind twice without an object (hours 0, 2); Pick twice for a (hours 1, 4), b once
    assert table[["activity", "kind", "extra_executions"]].values.tolist() == [
        ["Pick", "repeat", 1],
        ["Pick", "self_loop", 1],
        ["Remind", "repeat", 1],
        ["Remind", "self_loop", 1],
    ]
    assert table["time_added"].tolist() == [pd.Timedelta(hours=3)] * 2 + [pd.Timedelta(hours=2)] * 2


def _repeats_in_file(ocel: ObjectCentricLog) -> pl.DataFrame:
    """Items, deliveries and invoices with an activity of their own more than once, from the links."""
    own = {
        "Item": ["Pick Item"],
        "Delivery": ["Ship Delivery", "Deliver"],
        "Invoice": ["Create Invoice", "Receive Payment"],
    }
    pairs = ocel.relations.join(ocel.events.select("event_id", "activity"), on="event_id").join(
        ocel.objects.select("object_id", "object_type"), on="object_id"
    )
    kept = pl.any_horizontal(
        (pl.col("object_type") == kind) & pl.col("activity").is_in(names) for kind, names in own.items()
    )
    return pairs.filter(kept).group_by("object_id", "activity").len().filter(pl.col("len") > 1)


def test_sample_ocel_reports_no_rework_where_none_is_planted(tmp_path: Path) -> None:
    loaded = read_log(SAMPLE / "o2c_objects.jsonocel")
    assert loaded.ocel is not None
    assert _repeats_in_file(loaded.ocel).is_empty()  # the simulator plants no repeat
    result = assess(loaded, progress=False)
    assert result.rework.empty
    assert result.first_time_right == 1.0
    plain = rework(result.log.drop("object_id"))  # what the per-order count made of it
    assert {("Deliver", "self_loop"), ("Pick Item", "self_loop")} <= set(
        zip(plain["activity"], plain["kind"], strict=True)
    )
    out = tmp_path / "report"
    assert main(["assess", str(SAMPLE / "o2c_objects.jsonocel"), "--out", str(out), "--no-progress"]) == 0
    findings = json.loads((out / "findings.json").read_text())
    assert findings["rework"] == []
    assert findings["headlines"][2].startswith("No activity was executed twice for the same object")
    for name in ("frequency", "waiting_time"):
        assert "#CC79A7" not in (out / "maps" / f"{name}.dot").read_text()  # no rework loop drawn
    html = (out / "report.html").read_text()
    assert "interleaves the events of its objects" in html
