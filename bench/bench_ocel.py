"""Reading a 1M-event OCEL 2.0 JSON file: o2c's polars reader against pm4py's, and flattening it.

Run: python bench/bench_ocel.py [orders]   (125,000 orders make about a million events)

The file is made by ``o2c.simulate_ocel`` and written here as OCEL 2.0 JSON with the json module
(pm4py's writer takes minutes at this size); the same log also as SQLite by pm4py's writer.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from o2c import flatten, object_facts, read_ocel, simulate_ocel
from o2c._objects import ObjectCentricLog


def ocel2_json(ocel: ObjectCentricLog) -> dict[str, object]:
    """An OCEL 2.0 JSON document of ``ocel`` (events, objects, their relationships)."""
    e2o = ocel.relations.group_by("event_id", maintain_order=True).agg(
        relationships=pl.struct(pl.col("object_id").alias("objectId"), pl.col("qualifier"))
    )
    events = (
        ocel.events.join(e2o, on="event_id", how="left")
        .select(
            id="event_id",
            type="activity",
            time=pl.col("timestamp").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            relationships="relationships",
        )
        .to_dicts()
    )
    o2o = ocel.object_relations.group_by("object_id", maintain_order=True).agg(
        relationships=pl.struct(pl.col("related_id").alias("objectId"), pl.col("qualifier"))
    )
    objects = ocel.objects.join(o2o, on="object_id", how="left").select(
        id="object_id", type="object_type", relationships=pl.col("relationships").fill_null([])
    )
    return {
        "objectTypes": [{"name": t, "attributes": []} for t in ocel.object_types],
        "eventTypes": [{"name": a, "attributes": []} for a in sorted(ocel.events["activity"].unique())],
        "objects": objects.to_dicts(),
        "events": events,
    }


def timed(label: str, call):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = call()
    print(f"{label:<44} {time.perf_counter() - start:8.1f} s", flush=True)
    return result


def main() -> None:
    orders = int(sys.argv[1]) if len(sys.argv) > 1 else 125_000
    sim = timed(f"simulate_ocel({orders:,})", lambda: simulate_ocel(orders, seed=0))
    print(f"  {sim.ocel.summary()}")
    folder = Path(tempfile.mkdtemp())
    path = folder / "big.jsonocel"
    timed("write OCEL 2.0 JSON (json module)", lambda: path.write_text(json.dumps(ocel2_json(sim.ocel))))
    print(f"  {path.stat().st_size / 1e6:,.0f} MB")
    ours = timed("read_ocel, polars reader", lambda: read_ocel(path))
    theirs = timed("read_ocel, pm4py's reader (read_ocel2_json)", lambda: read_ocel(path, reader="pm4py"))
    for name in ("events", "objects", "relations", "object_relations"):
        assert getattr(ours, name).height == getattr(theirs, name).height == getattr(sim.ocel, name).height, (
            name
        )
    log = timed("flatten to Order (items, deliveries, invoices)", lambda: flatten(ours, case="Order"))
    print(
        f"  {log.height:,} events in {log['case_id'].n_unique():,} orders (truth {sim.truth['flattened_events']:,})"
    )
    timed("object_facts", lambda: object_facts(ours, case="Order"))


if __name__ == "__main__":
    main()
