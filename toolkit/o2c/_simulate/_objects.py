"""A seeded object-centric order-to-cash log with planted truth (``simulate_ocel``).

Orders have items; the items are picked, then shipped in deliveries cut from the stream of
picked items in time order, so one order's items leave in several deliveries (split) and one
delivery carries several orders' items (consolidation); each order gets one invoice, or two
(partial invoicing), each paid later. Customers are master data: each order's customer is
an object of the ``Place Order`` event, shared by many orders.

Object types: ``Order``, ``Item``, ``Delivery``, ``Invoice``, ``Customer``. Events:
``Place Order`` (order, its items, its customer), ``Pick Item`` (item), ``Ship Delivery``
(delivery, its items), ``Deliver`` (delivery), ``Create Invoice`` (invoice, order),
``Receive Payment`` (invoice). Object-to-object links: order contains item, order placed by
customer, delivery carries item, invoice bills order.

The ``truth`` is computed from the generator's own arrays, never from the log: the number of
events, objects and links; per order its items, deliveries, invoices and the events its case
holds when flattened through items, deliveries and invoices (``1 + items + 2 x deliveries +
2 x invoices``); per delivery its orders; the span from an order's first to its last
delivery (each dated by its ``Deliver`` event).

Examples
--------
>>> sim = simulate_ocel(50, seed=3)
>>> sim.ocel.summary()["events"] == sim.truth["events"]
True
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from o2c._objects import EVENT_ID, OBJECT_ID, OBJECT_TYPE, QUALIFIER, RELATED_ID, ObjectCentricLog

_START = datetime(2025, 1, 6, 8, tzinfo=UTC)


@dataclass(frozen=True)
class ObjectCentricSimulation:
    """An object-centric log and the truth planted in it (see ``o2c._simulate._objects``)."""

    ocel: ObjectCentricLog
    truth: dict[str, Any]
    orders: pd.DataFrame  # per order: case_id, items, deliveries, invoices, events, delivery_span


def simulate_ocel(
    orders: int = 300, *, seed: int = 0, partial_invoicing: float = 0.2, mean_items: float = 1.5
) -> ObjectCentricSimulation:
    """A seeded object-centric order-to-cash log of ``orders`` orders, with its planted truth.

    Roughly 8 events per order (a million events: 125,000 orders).

    >>> sim = simulate_ocel(20, seed=1)
    >>> sorted(sim.ocel.object_types)
    ['Customer', 'Delivery', 'Invoice', 'Item', 'Order']
    """
    rng = np.random.default_rng(seed)
    n = int(orders)
    # whole seconds, as ERP systems record them (and as pm4py's OCEL JSON writer keeps them)
    hours = lambda low, high, size: np.round(rng.uniform(low, high, size) * 3600) * 1_000_000  # noqa: E731
    placed = np.cumsum(np.round(rng.exponential(2.0, n) * 3600) * 1_000_000).astype(np.int64)
    customer = rng.integers(0, max(1, n // 10), n)
    items_of = np.minimum(1 + rng.poisson(mean_items, n), 8)
    item_order = np.repeat(np.arange(n), items_of)
    m = item_order.size
    picked = placed[item_order] + hours(2, 48, m).astype(np.int64)
    by_pick = np.argsort(picked, kind="stable")
    sizes = np.minimum(1 + rng.poisson(1.5, m), 6)
    cuts = np.cumsum(sizes)
    cuts = cuts[cuts < m]
    delivery_of_sorted = np.zeros(m, dtype=np.int64)
    delivery_of_sorted[cuts] = 1
    delivery_of_sorted = np.cumsum(delivery_of_sorted)
    item_delivery = np.empty(m, dtype=np.int64)
    item_delivery[by_pick] = delivery_of_sorted
    d = int(item_delivery.max()) + 1
    last_pick = np.zeros(d, dtype=np.int64)
    np.maximum.at(last_pick, item_delivery, picked)
    shipped = last_pick + hours(1, 24, d).astype(np.int64)
    delivered = shipped + hours(12, 72, d).astype(np.int64)
    order_last_delivery = np.zeros(n, dtype=np.int64)
    np.maximum.at(order_last_delivery, item_order, delivered[item_delivery])
    invoices_of = 1 + (rng.random(n) < partial_invoicing).astype(np.int64)
    invoice_order = np.repeat(np.arange(n), invoices_of)
    second = np.concatenate([[False], invoice_order[1:] == invoice_order[:-1]])
    invoiced = order_last_delivery[invoice_order] + hours(1, 48, invoice_order.size).astype(np.int64)
    invoiced = invoiced + np.where(second, hours(24, 96, invoice_order.size), 0).astype(np.int64)
    paid = invoiced + hours(5 * 24, 40 * 24, invoice_order.size).astype(np.int64)

    order_ids = np.array([f"o{i + 1}" for i in range(n)], dtype=object)
    item_ids = np.array([f"i{j + 1}" for j in range(m)], dtype=object)
    delivery_ids = np.array([f"d{k + 1}" for k in range(d)], dtype=object)
    invoice_ids = np.array([f"v{k + 1}" for k in range(invoice_order.size)], dtype=object)
    customer_ids = np.array([f"c{c + 1}" for c in customer], dtype=object)

    kinds = [
        ("Place Order", placed, order_ids),
        ("Pick Item", picked, item_ids),
        ("Ship Delivery", shipped, delivery_ids),
        ("Deliver", delivered, delivery_ids),
        ("Create Invoice", invoiced, invoice_ids),
        ("Receive Payment", paid, invoice_ids),
    ]
    frames = []
    for activity, at, owner in kinds:
        frames.append(pl.DataFrame({"activity": activity, "_at": at, "_owner": owner.tolist()}))
    events = pl.concat(frames).with_columns(pl.col("_at").cast(pl.Int64)).sort("_at", "activity", "_owner")
    events = events.with_row_index("_n", offset=1).with_columns(
        pl.concat_str(pl.lit("e"), pl.col("_n").cast(pl.String)).alias(EVENT_ID),
        (pl.lit(_START) + pl.duration(microseconds=pl.col("_at"))).alias("timestamp"),
    )
    key = events.select(EVENT_ID, "activity", "_owner")

    def event_of(activity: str, owners: np.ndarray) -> pl.Series:
        table = key.filter(pl.col("activity") == activity).select("_owner", EVENT_ID)
        return pl.DataFrame({"_owner": owners.tolist()}).join(table, on="_owner", how="left")[EVENT_ID]

    relations = pl.concat(
        [
            pl.DataFrame({EVENT_ID: event_of("Place Order", order_ids), OBJECT_ID: order_ids.tolist(), QUALIFIER: "order"}),
            pl.DataFrame({EVENT_ID: event_of("Place Order", order_ids[item_order]), OBJECT_ID: item_ids.tolist(),
                          QUALIFIER: "item"}),
            pl.DataFrame({EVENT_ID: event_of("Place Order", order_ids), OBJECT_ID: customer_ids.tolist(),
                          QUALIFIER: "customer"}),
            pl.DataFrame({EVENT_ID: event_of("Pick Item", item_ids), OBJECT_ID: item_ids.tolist(), QUALIFIER: "item"}),
            pl.DataFrame({EVENT_ID: event_of("Ship Delivery", delivery_ids), OBJECT_ID: delivery_ids.tolist(),
                          QUALIFIER: "delivery"}),
            pl.DataFrame({EVENT_ID: event_of("Ship Delivery", delivery_ids[item_delivery]), OBJECT_ID: item_ids.tolist(),
                          QUALIFIER: "item"}),
            pl.DataFrame({EVENT_ID: event_of("Deliver", delivery_ids), OBJECT_ID: delivery_ids.tolist(),
                          QUALIFIER: "delivery"}),
            pl.DataFrame({EVENT_ID: event_of("Create Invoice", invoice_ids), OBJECT_ID: invoice_ids.tolist(),
                          QUALIFIER: "invoice"}),
            pl.DataFrame({EVENT_ID: event_of("Create Invoice", invoice_ids), OBJECT_ID: order_ids[invoice_order].tolist(),
                          QUALIFIER: "order"}),
            pl.DataFrame({EVENT_ID: event_of("Receive Payment", invoice_ids), OBJECT_ID: invoice_ids.tolist(),
                          QUALIFIER: "invoice"}),
        ]
    )  # fmt: skip
    unique_customers = sorted(set(customer_ids.tolist()), key=lambda c: int(c[1:]))
    objects = pl.DataFrame(
        {
            OBJECT_ID: [*order_ids, *item_ids, *delivery_ids, *invoice_ids, *unique_customers],
            OBJECT_TYPE: ["Order"] * n + ["Item"] * m + ["Delivery"] * d + ["Invoice"] * invoice_ids.size
            + ["Customer"] * len(unique_customers),
        }
    )  # fmt: skip
    object_relations = pl.concat(
        [
            pl.DataFrame({OBJECT_ID: order_ids[item_order].tolist(), RELATED_ID: item_ids.tolist(), QUALIFIER: "contains"}),
            pl.DataFrame({OBJECT_ID: order_ids.tolist(), RELATED_ID: customer_ids.tolist(), QUALIFIER: "placed by"}),
            pl.DataFrame({OBJECT_ID: delivery_ids[item_delivery].tolist(), RELATED_ID: item_ids.tolist(),
                          QUALIFIER: "carries"}),
            pl.DataFrame({OBJECT_ID: invoice_ids.tolist(), RELATED_ID: order_ids[invoice_order].tolist(),
                          QUALIFIER: "bills"}),
        ]
    )  # fmt: skip
    ocel = ObjectCentricLog.from_tables(
        events=events.select(EVENT_ID, "activity", "timestamp"),
        objects=objects,
        relations=relations,
        object_relations=object_relations,
    )
    per_order = _truth_per_order(n, items_of, item_order, item_delivery, invoices_of, delivered, order_ids)
    pairs = pd.DataFrame({"order": item_order, "delivery": item_delivery}).drop_duplicates()
    orders_per_delivery = pairs.groupby("delivery").size()
    consolidated = int((orders_per_delivery > 1).sum())
    truth = {
        "orders": n,
        "items": m,
        "deliveries": d,
        "invoices": int(invoice_ids.size),
        "customers": len(unique_customers),
        "events": events.height,
        "relations": relations.height,
        "object_relations": object_relations.height,
        "flattened_events": int(per_order["events"].sum()),
        "events_shared": 2 * consolidated,
        "facts": {
            "items_per_order": _stats(per_order["items"]),
            "deliveries_per_order": _stats(per_order["deliveries"]),
            "orders_per_delivery": _stats(orders_per_delivery.to_numpy()),
            "invoices_per_order": _stats(per_order["invoices"]),
            "delivered_in_one_shipment": {
                "counted": n,
                "share": float((per_order["deliveries"] == 1).mean()),
            },
            "first_to_last_delivery": {
                "counted": n,
                "share": float((per_order["delivery_span"] > pd.Timedelta(0)).mean()),
                "time_median_s": pd.Timedelta(per_order["delivery_span"].median()).total_seconds(),
                "time_max_s": pd.Timedelta(per_order["delivery_span"].max()).total_seconds(),
            },
        },
    }
    return ObjectCentricSimulation(ocel=ocel, truth=truth, orders=per_order)


def _truth_per_order(
    n: int,
    items_of: np.ndarray,
    item_order: np.ndarray,
    item_delivery: np.ndarray,
    invoices_of: np.ndarray,
    delivered: np.ndarray,
    order_ids: np.ndarray,
) -> pd.DataFrame:
    pairs = pd.DataFrame({"order": item_order, "delivery": item_delivery}).drop_duplicates()
    deliveries_of = pairs.groupby("order").size().reindex(range(n), fill_value=0).to_numpy()
    pairs["at"] = delivered[pairs["delivery"].to_numpy()]
    span = pairs.groupby("order")["at"].agg(lambda at: at.max() - at.min()).reindex(range(n), fill_value=0)
    return pd.DataFrame(
        {
            "case_id": order_ids,
            "items": items_of,
            "deliveries": deliveries_of,
            "invoices": invoices_of,
            "events": 1 + items_of + 2 * deliveries_of + 2 * invoices_of,
            "delivery_span": pd.to_timedelta(span.to_numpy(), unit="us"),
        }
    )


def _stats(values: Any) -> dict[str, float | int]:
    array = np.asarray(values, dtype=float)
    return {
        "counted": int(array.size),
        "mean": float(array.mean()),
        "median": float(np.median(array)),
        "max": float(array.max()),
        "share": float((array > 1).mean()),
    }
