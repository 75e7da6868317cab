"""Flatten an object-centric log to orders, following its links, each event once per order.

An order's case holds its own events and the events of the objects linked to it through the
object types named in ``through`` (items, deliveries, packages, invoices). Links are the
object-to-object relations (either direction) and the events two objects share. The walk goes
outward from the orders, one object type at a time: each type is reached at its shortest
distance from the order type and links are only followed to types not reached before. So an
order reaches its items, the items reach their deliveries, and a delivery that also carries
another order's items does *not* lead back to those items (nor their events) -- but the
delivery's own events, shared by both orders, are in both cases.

Such a shared event (convergence) is one event in the file and one row in each order's case:
``shared_by`` counts the orders it serves (1 when it is the order's alone). What each order
saw is the flattened log as it is: its lead time, its waits, its trace. Counted once, each
event weighs ``1 / shared_by`` (the weights of a shared event sum to one event), and each wait
between two events shared by the same orders is counted once by
``o2c.deduplicated_waiting_times``, where ``o2c.waiting_times`` counts it once per order.

Each row also names the event's **object** in the order (``object_id``, ``object_type``), the
one object of the order the event is about, so that work done again can be told from the same
step done for a sibling object: an order with three items is picked three times, once per
item, and ``o2c.rework`` counts a repeat only when the same object sees the activity again.
Of the objects of the order the event is linked to, the object is the one

1. of a type the activity always concerns exactly one of (every ``Ship Delivery`` event has one
   delivery but may carry several items: the delivery; every ``Place Order`` event has one
   order but several items: the order);
2. then the farthest from the order along the links (an invoice rather than the order it
   bills, so a second invoice of a partially invoiced order is not a repeat);
3. then the first by id.

An event that reaches the order through the order alone carries the order.

Examples
--------
>>> from o2c._flatten import example_ocel
>>> log = flatten(example_ocel(), case="Order", through=("Item", "Delivery"))
>>> log.group_by("case_id").len().sort("case_id").rows()
[('o1', 7), ('o2', 4)]
>>> log.filter(pl.col("shared_by") > 1)["activity"].unique().sort().to_list()
['Deliver', 'Ship Delivery']
>>> o1 = log.filter(pl.col("case_id") == "o1")     # invoices not followed: the invoice's event is the order's
>>> list(zip(o1["activity"], o1["object_id"]))[3:]
[('Deliver', 'd1'), ('Pick Item', 'i2'), ('Ship Delivery', 'd2'), ('Create Invoice', 'o1')]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import polars as pl

from o2c._objects import EVENT_ID, OBJECT_ID, OBJECT_TYPE, RELATED_ID, ObjectCentricLog
from o2c._tables import duration_from_microseconds
from o2c.errors import ArgumentError, did_you_mean
from o2c.log import ACTIVITY, CASE_ID, ROLES, SOURCE_ROW, TIMESTAMP, sort_log

SHARED_BY = "shared_by"

#: Object type names that look like the order (the case of a flattened log), best first.
CASE_TYPE_PATTERNS = (
    r"sales ?orders?|customer ?orders?|so|vbak",
    r"orders?",
    r"(purchase ?)?orders?|po",
    r".*\border\b.*",
)
#: Object type names of each role an order's documents play, for ``through`` and ``object_facts``.
ROLE_PATTERNS = {
    "item": r".*\b(items?|order ?items?|lines?|order ?lines?|positions?|elements?|vbap)\b.*",
    "delivery": r".*\b(deliver(y|ies)|packages?|shipments?|parcels?|likp)\b.*",
    "invoice": r".*\b(invoices?|bill(s|ing)?|vbrk)\b.*",
    "payment": r".*\b(payments?)\b.*",
}


def _matches(pattern: str, name: str) -> bool:
    return re.fullmatch(pattern, name.strip().lower().replace("_", " ").replace("-", " ")) is not None


def guess_case_type(ocel: ObjectCentricLog) -> str | None:
    """The object type that looks like the order (``Order``, ``orders``, ``Sales Order``, ``SO``), or None.

    >>> guess_case_type(example_ocel())
    'Order'
    """
    types = ocel.object_types
    for pattern in CASE_TYPE_PATTERNS:
        found = [t for t in types if _matches(pattern, t) and not _role_of(t)]
        if found:
            return found[0]
    return None


#: Document types that undo, precede or bundle the documents of a role (an invoice cancellation, a
#: pro forma invoice, a returns delivery, an invoice list): never guessed as that role.
NOT_A_ROLE = r".*\b(cancel\w*|reversal|pro ?forma|returns?|credit|debit|requests?|lists?)\b.*"


def _role_of(name: str) -> str | None:
    if _matches(NOT_A_ROLE, name):
        return None
    return next((role for role, pattern in ROLE_PATTERNS.items() if _matches(pattern, name)), None)


def document_types(ocel: ObjectCentricLog, *, case: str) -> dict[str, list[str]]:
    """The object types that look like an order's items, deliveries, invoices and payments.

    >>> document_types(example_ocel(), case="Order")
    {'item': ['Item'], 'delivery': ['Delivery'], 'invoice': ['Invoice'], 'payment': []}
    """
    roles: dict[str, list[str]] = {role: [] for role in ROLE_PATTERNS}
    for name in ocel.object_types:
        role = _role_of(name)
        if role is not None and name != case:
            roles[role].append(name)
    return roles


def _check_type(ocel: ObjectCentricLog, name: Any, *, argument: str) -> str:
    types = ocel.object_types
    if isinstance(name, str):
        if name in types:
            return name
        folded = [t for t in types if t.lower() == name.lower()]
        if len(folded) == 1:
            return folded[0]
    hint = did_you_mean(str(name), types)
    raise ArgumentError(
        f"The {argument!r} argument of flatten must be an object type of the log, one of "
        f"{', '.join(repr(t) for t in types)}; got {name!r}.{hint}",
        function="flatten",
        argument=argument,
        value=name,
        allowed=types,
    )


def flatten(
    ocel: ObjectCentricLog, *, case: str | None = "order", through: Sequence[str] | None = None
) -> pl.DataFrame:
    """An order-level event log of an object-centric log: each order's events and its objects'.

    Parameters
    ----------
    ocel : ObjectCentricLog
        As ``o2c.read_ocel`` returns it.
    case : str, optional
        The object type whose objects become the cases (case-insensitive); None guesses it
        from the type names (``guess_case_type``).
    through : sequence of str, optional
        The object types whose events join their orders' cases (see the module for how links
        are followed). Default: the types named like items, deliveries/packages, invoices and
        payments (``document_types``); never master data such as customers or products, whose
        events would join every order of the customer. ``()`` keeps only the orders' own events.

    Returns
    -------
    DataFrame
        A validated event log (``o2c.log``): ``case_id`` (the order's object id), ``activity``,
        ``timestamp``, ``source_row`` (the event's position in the file), ``event_id``,
        ``shared_by`` (how many orders the event is in), ``object_id`` and ``object_type`` (the
        event's object in the order: see the module), the event attributes, then the order
        object's attributes; sorted by ``case_id``, ``timestamp``, ``source_row``.

    Examples
    --------
    >>> log = flatten(example_ocel(), case="order", through=())
    >>> log.select("case_id", "activity", "object_id").rows()
    [('o1', 'Place Order', 'o1'), ('o1', 'Create Invoice', 'o1'), ('o2', 'Place Order', 'o2')]
    """
    log, _ = _flatten(ocel, case=case, through=through)
    return log


def _flatten(
    ocel: ObjectCentricLog, *, case: str | None, through: Sequence[str] | None
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """``flatten`` plus what it did: ``notes`` with the case type, the types followed, and the
    events that reached no order (``unlinked``: a frame of ``event_id``, ``source_row``)."""
    case_type, how = _case_type(ocel, case)
    followed = _through(ocel, case_type, through)
    reached = reach(ocel, case=case_type, through=followed)
    pairs = _event_objects(ocel, reached).with_columns(
        pl.len().over(EVENT_ID).cast(pl.Int64).alias(SHARED_BY)
    )
    events = ocel.events.rename({"activity": ACTIVITY, "timestamp": TIMESTAMP})
    event_attributes = [c for c in events.columns if c not in (EVENT_ID, ACTIVITY, TIMESTAMP, SOURCE_ROW)]
    taken = {CASE_ID, EVENT_ID, SHARED_BY, OBJECT_ID, OBJECT_TYPE, SOURCE_ROW, *ROLES, *event_attributes}
    clashing = [c for c in event_attributes if c in (*ROLES, CASE_ID, SHARED_BY, OBJECT_ID, OBJECT_TYPE)]
    events = events.rename({c: f"event_{c}" for c in clashing})
    event_attributes = [f"event_{c}" if c in clashing else c for c in event_attributes]
    case_objects = ocel.objects.filter(pl.col(OBJECT_TYPE) == case_type)
    case_attributes = [c for c in case_objects.columns if c not in (OBJECT_ID, OBJECT_TYPE, SOURCE_ROW)]
    renamed = {c: (c if c not in taken else f"order_{c}") for c in case_attributes}
    case_frame = case_objects.select(
        pl.col(OBJECT_ID).alias(CASE_ID), *[pl.col(c).alias(renamed[c]) for c in case_attributes]
    )
    flat = (
        pairs.join(events.lazy(), on=EVENT_ID)
        .join(case_frame.lazy(), on=CASE_ID, how="left")
        .select(
            CASE_ID,
            ACTIVITY,
            TIMESTAMP,
            SOURCE_ROW,
            EVENT_ID,
            SHARED_BY,
            OBJECT_ID,
            OBJECT_TYPE,
            *event_attributes,
            *renamed.values(),
        )
        .collect()
    )
    log = sort_log(flat.with_columns(pl.col(ACTIVITY).cast(pl.Categorical)))
    linked = log.select(EVENT_ID).unique()
    unlinked = ocel.events.join(linked, on=EVENT_ID, how="anti").select(EVENT_ID, SOURCE_ROW, "activity")
    types_reached = reached.group_by(OBJECT_TYPE).agg(pl.col(OBJECT_ID).n_unique()).sort(OBJECT_TYPE)
    notes = {
        "case_type": case_type,
        "case_type_chosen": how,
        "through": list(followed),
        "objects_reached": dict(types_reached.iter_rows()),
        "orders": case_objects.height,
        "orders_without_events": case_objects.height - log[CASE_ID].n_unique(),
        "events_shared": int(log.filter(pl.col(SHARED_BY) > 1)[EVENT_ID].n_unique()),
        "events_linked": linked.height,
        "events_unlinked": unlinked.height,
        "unlinked": unlinked,
    }
    return log, notes


def _event_objects(ocel: ObjectCentricLog, reached: pl.DataFrame) -> pl.LazyFrame:
    """Each order with each event it reaches and the event's object in it (see ``flatten``):
    ``case_id``, ``event_id``, ``object_id``, ``object_type``."""
    e2o = ocel.relations.lazy().select(EVENT_ID, OBJECT_ID).unique()
    activity = ocel.events.lazy().select(EVENT_ID, "activity")
    per_event = (  # how many objects of each type each event concerns
        e2o.join(ocel.objects.lazy().select(OBJECT_ID, OBJECT_TYPE), on=OBJECT_ID)
        .group_by(EVENT_ID, OBJECT_TYPE)
        .agg(n=pl.len())
        .join(activity, on=EVENT_ID)
    )
    own = (  # the types of which every event of the activity concerns exactly one object
        per_event.group_by("activity", OBJECT_TYPE)
        .agg(single=(pl.col("n") == 1).sum())
        .join(activity.group_by("activity").agg(events=pl.len()), on="activity")
        .filter(pl.col("single") == pl.col("events"))
        .select("activity", OBJECT_TYPE, own=pl.lit(True))
    )
    return (
        reached.lazy()
        .select(CASE_ID, OBJECT_ID, OBJECT_TYPE, "level")
        .join(e2o, on=OBJECT_ID)
        .join(activity, on=EVENT_ID)
        .join(own, on=["activity", OBJECT_TYPE], how="left")
        .with_columns(pl.col("own").fill_null(False))
        .sort([CASE_ID, EVENT_ID, "own", "level", OBJECT_ID], descending=[False, False, True, True, False])
        .unique([CASE_ID, EVENT_ID], keep="first", maintain_order=True)
        .select(CASE_ID, EVENT_ID, OBJECT_ID, OBJECT_TYPE)
    )


def _case_type(ocel: ObjectCentricLog, case: str | None) -> tuple[str, str]:
    if case is not None:
        if case == "order" and case not in ocel.object_types:
            guessed = guess_case_type(ocel)
            if guessed is not None and guessed.lower() in ("order", "orders"):
                return guessed, "named"
        return _check_type(ocel, case, argument="case"), "named"
    guessed = guess_case_type(ocel)
    if guessed is None:
        raise ArgumentError(
            "No object type of the log looks like the order (types: "
            f"{', '.join(repr(t) for t in ocel.object_types)}); name it: flatten(ocel, case='...') "
            "or --case-type NAME.",
            function="flatten",
            argument="case",
            value=None,
            allowed=ocel.object_types,
        )
    return guessed, "guessed from the type names"


def _through(ocel: ObjectCentricLog, case_type: str, through: Sequence[str] | None) -> tuple[str, ...]:
    if through is None:
        roles = document_types(ocel, case=case_type)
        return tuple(name for names in roles.values() for name in names)
    if isinstance(through, str):
        through = (through,)
    return tuple(_check_type(ocel, name, argument="through") for name in through if name != case_type)


def reach(ocel: ObjectCentricLog, *, case: str, through: Iterable[str]) -> pl.DataFrame:
    """Each object of type ``case`` with every object it reaches through the types ``through``.

    Returns ``case_id`` (the case object's id), ``object_id``, ``object_type``, ``level`` (0
    for the case object itself, then the number of links walked). See the module for the walk.

    >>> reach(example_ocel(), case="Order", through=["Item"]).filter(pl.col("case_id") == "o1").rows()
    [('o1', 'o1', 'Order', 0), ('o1', 'i1', 'Item', 1), ('o1', 'i2', 'Item', 1)]
    """
    allowed = set(through) - {case}
    types = ocel.objects.select(OBJECT_ID, OBJECT_TYPE)
    frontier = ocel.objects.filter(pl.col(OBJECT_TYPE) == case).select(
        pl.col(OBJECT_ID).alias(CASE_ID), OBJECT_ID, OBJECT_TYPE, pl.lit(0, pl.Int64).alias("level")
    )
    found = [frontier]
    links = pl.concat(
        [
            ocel.object_relations.select(OBJECT_ID, RELATED_ID),
            ocel.object_relations.select(
                pl.col(RELATED_ID).alias(OBJECT_ID), pl.col(OBJECT_ID).alias(RELATED_ID)
            ),
        ]
    ).unique()
    e2o = ocel.relations.select(EVENT_ID, OBJECT_ID).unique()
    seen = {case}
    level = 0
    while frontier.height and allowed - seen:
        level += 1
        open_types = pl.Series(sorted(allowed - seen), dtype=pl.String).implode()
        by_o2o = (
            frontier.select(CASE_ID, OBJECT_ID)
            .join(links, on=OBJECT_ID)
            .select(CASE_ID, pl.col(RELATED_ID).alias(OBJECT_ID))
        )
        by_event = (
            frontier.select(CASE_ID, OBJECT_ID)
            .join(e2o, on=OBJECT_ID)
            .select(CASE_ID, EVENT_ID)
            .unique()
            .join(e2o, on=EVENT_ID)
            .select(CASE_ID, OBJECT_ID)
        )
        frontier = (
            pl.concat([by_o2o, by_event])
            .join(types, on=OBJECT_ID)
            .filter(pl.col(OBJECT_TYPE).is_in(open_types))
            .unique([CASE_ID, OBJECT_ID])
            .with_columns(pl.lit(level, pl.Int64).alias("level"))
        )
        seen |= set(frontier[OBJECT_TYPE].unique().to_list())
        found.append(frontier.select(CASE_ID, OBJECT_ID, OBJECT_TYPE, "level"))
    return pl.concat(found).sort(CASE_ID, "level", OBJECT_ID)


# --- object-centric facts ------------------------------------------------------------------------

#: The facts ``object_facts`` reports, in order.
FACTS = (
    "items_per_order",
    "deliveries_per_order",
    "orders_per_delivery",
    "invoices_per_order",
    "delivered_in_one_shipment",
    "first_to_last_delivery",
)


def object_facts(
    ocel: ObjectCentricLog,
    *,
    case: str | None = "order",
    item: Sequence[str] | None = None,
    delivery: Sequence[str] | None = None,
    invoice: Sequence[str] | None = None,
) -> pd.DataFrame:
    """What an order-to-cash consultant asks of the objects: items, split and consolidated
    deliveries, partial invoicing, complete shipments, and the spread of an order's deliveries.

    Parameters
    ----------
    ocel : ObjectCentricLog
        As ``o2c.read_ocel`` returns it.
    case : str, optional
        The order type (as in ``flatten``; None: guessed).
    item, delivery, invoice : sequence of str, optional
        The object types of each role; default: guessed from the names (``document_types``:
        items, lines, positions; deliveries, packages, shipments; invoices, bills).
        ``()`` leaves a role out.

    Returns
    -------
    DataFrame
        One row per fact of ``FACTS`` whose object types exist: ``fact``; ``per`` (``order``
        or ``delivery``: what is counted); ``counted`` (how many orders or deliveries);
        ``mean``, ``median``, ``max`` (of the count per order or delivery; for
        ``first_to_last_delivery`` null); ``share`` (the share of those counted with more than
        one: split deliveries, consolidated deliveries, partial invoicing, orders of several
        items; for ``delivered_in_one_shipment`` the share of delivered orders whose items all
        left in one delivery; for ``first_to_last_delivery`` the share of delivered orders whose
        deliveries span more than zero time); ``time_median``, ``time_max`` (Timedelta, only for
        ``first_to_last_delivery``: from the order's first to its last delivery, each delivery
        dated by its last event).

        An order counts its objects of a role as ``flatten`` reaches them with every document
        type followed (items through the order, deliveries through the order or its items,
        invoices through the order, its items or deliveries). Orders with none of a role count
        0 in ``items_per_order``, ``deliveries_per_order`` and ``invoices_per_order``; the
        delivery facts count delivered orders only.

    Examples
    --------
    >>> object_facts(example_ocel(), case="Order")[["fact", "counted", "mean", "share"]]
                            fact  counted  mean  share
    0            items_per_order        2   1.5    0.5
    1       deliveries_per_order        2   1.5    0.5
    2        orders_per_delivery        2   1.5    0.5
    3         invoices_per_order        2   0.5    0.0
    4  delivered_in_one_shipment        2   NaN    0.5
    5     first_to_last_delivery        2   NaN    0.5
    """
    case_type, _ = _case_type(ocel, case)
    guessed = document_types(ocel, case=case_type)
    roles = {
        "item": guessed["item"] if item is None else [_check_type(ocel, t, argument="item") for t in item],
        "delivery": guessed["delivery"] if delivery is None else [_check_type(ocel, t, argument="delivery") for t in delivery],
        "invoice": guessed["invoice"] if invoice is None else [_check_type(ocel, t, argument="invoice") for t in invoice],
    }  # fmt: skip
    followed = [t for names in roles.values() for t in names]
    reached = reach(ocel, case=case_type, through=followed)
    orders = reached.filter(pl.col("level") == 0).select(CASE_ID)
    rows: list[dict[str, Any]] = []

    def of_role(role: str) -> pl.DataFrame:
        return reached.filter(pl.col(OBJECT_TYPE).is_in(pl.Series(roles[role], dtype=pl.String).implode()))

    def counts(role: str) -> pl.DataFrame:
        per_order = of_role(role).group_by(CASE_ID).agg(n=pl.col(OBJECT_ID).n_unique())
        return orders.join(per_order, on=CASE_ID, how="left").with_columns(pl.col("n").fill_null(0))

    def add(fact: str, per: str, values: pl.Series, share: float | None) -> None:
        rows.append({
            "fact": fact, "per": per, "counted": values.len(),
            "mean": values.mean(), "median": values.median(), "max": values.max(), "share": share,
        })  # fmt: skip

    for fact, role in (("items_per_order", "item"), ("deliveries_per_order", "delivery")):
        if roles[role]:
            n = counts(role)["n"]
            add(fact, "order", n.cast(pl.Float64), _share(n > 1))
    deliveries = of_role("delivery")
    if roles["delivery"]:
        per_delivery = deliveries.group_by(OBJECT_ID).agg(n=pl.col(CASE_ID).n_unique())["n"]
        add("orders_per_delivery", "delivery", per_delivery.cast(pl.Float64), _share(per_delivery > 1))
    if roles["invoice"]:
        n = counts("invoice")["n"]
        add("invoices_per_order", "order", n.cast(pl.Float64), _share(n > 1))
    if roles["delivery"]:
        delivered = deliveries.group_by(CASE_ID).agg(deliveries=pl.col(OBJECT_ID).n_unique())
        complete = delivered
        if roles["item"]:
            items = of_role("item").select(CASE_ID, pl.col(OBJECT_ID).alias("item"))
            shipped = _linked(ocel, items["item"].unique(), deliveries[OBJECT_ID].unique())
            undelivered = (
                items.join(shipped, on="item", how="left")
                .group_by(CASE_ID)
                .agg(missing=pl.col("delivery").is_null().sum())
            )
            complete = delivered.join(undelivered, on=CASE_ID, how="left").with_columns(
                pl.col("missing").fill_null(0)
            )
        else:
            complete = delivered.with_columns(missing=pl.lit(0))
        one = (complete["deliveries"] == 1) & (complete["missing"] == 0)
        rows.append({"fact": "delivered_in_one_shipment", "per": "order", "counted": complete.height,
                     "share": _share(one)})  # fmt: skip
        dated = (
            ocel.relations.join(ocel.events.select(EVENT_ID, "timestamp"), on=EVENT_ID)
            .group_by(OBJECT_ID)
            .agg(at=pl.col("timestamp").max())
        )
        spans = (
            deliveries.join(dated, on=OBJECT_ID)
            .group_by(CASE_ID)
            .agg(span=(pl.col("at").max() - pl.col("at").min()).dt.total_microseconds())
        )["span"]
        rows.append({
            "fact": "first_to_last_delivery", "per": "order", "counted": spans.len(), "share": _share(spans > 0),
            "time_median": _duration(spans.median()), "time_max": _duration(spans.max()),
        })  # fmt: skip
    columns = ["fact", "per", "counted", "mean", "median", "max", "share", "time_median", "time_max"]
    table = pd.DataFrame(rows, columns=columns)
    table["counted"] = table["counted"].astype("int64")
    for column in ("mean", "median", "max", "share"):
        table[column] = table[column].astype("float64")
    for column in ("time_median", "time_max"):
        table[column] = pd.to_timedelta(table[column])
    return table


def _share(mask: pl.Series) -> float | None:
    return float(mask.mean()) if mask.len() else None  # type: ignore[arg-type]


def _duration(microseconds: Any) -> pd.Timedelta | None:
    if microseconds is None:
        return None
    return pd.Timedelta(pl.select(duration_from_microseconds(pl.lit(float(microseconds)))).item())


def _linked(ocel: ObjectCentricLog, items: pl.Series, deliveries: pl.Series) -> pl.DataFrame:
    """Each item with each delivery it is linked to (o2o either way, or a shared event): ``item``, ``delivery``."""
    is_item = pl.col("item").is_in(items.implode())
    is_delivery = pl.col("delivery").is_in(deliveries.implode())
    o2o = ocel.object_relations
    direct = pl.concat([
        o2o.select(pl.col(OBJECT_ID).alias("item"), pl.col(RELATED_ID).alias("delivery")),
        o2o.select(pl.col(RELATED_ID).alias("item"), pl.col(OBJECT_ID).alias("delivery")),
    ])  # fmt: skip
    e2o = ocel.relations.select(EVENT_ID, OBJECT_ID)
    shared = (
        e2o.rename({OBJECT_ID: "item"}).join(e2o.rename({OBJECT_ID: "delivery"}), on=EVENT_ID).drop(EVENT_ID)
    )
    return pl.concat([direct, shared]).filter(is_item & is_delivery).unique()


def example_ocel() -> ObjectCentricLog:
    """A tiny object-centric log of two orders: order o1 has items i1, i2 shipped in deliveries
    d1 and d2 and an invoice v1; order o2 has item i3, shipped with i1 in delivery d1, which
    is shipped (e5) and delivered (e9) for both orders.

    >>> example_ocel().summary()["events"]
    9
    """
    at = [
        datetime(2025, 1, d, h, tzinfo=UTC)
        for d, h in ((6, 9), (6, 10), (7, 8), (7, 9), (8, 12), (9, 8), (10, 12), (11, 12), (8, 18))
    ]
    events = pl.DataFrame({
        EVENT_ID: [f"e{i}" for i in range(1, 10)],
        "activity": ["Place Order", "Place Order", "Pick Item", "Pick Item", "Ship Delivery", "Pick Item",
                     "Ship Delivery", "Create Invoice", "Deliver"],
        "timestamp": at,
    })  # fmt: skip
    objects = pl.DataFrame({
        OBJECT_ID: ["o1", "o2", "i1", "i2", "i3", "d1", "d2", "v1", "c1"],
        OBJECT_TYPE: ["Order", "Order", "Item", "Item", "Item", "Delivery", "Delivery", "Invoice", "Customer"],
    })  # fmt: skip
    relations = pl.DataFrame(
        [("e1", "o1"), ("e1", "i1"), ("e1", "i2"), ("e1", "c1"), ("e2", "o2"), ("e2", "i3"), ("e3", "i1"),
         ("e4", "i3"), ("e5", "d1"), ("e5", "i1"), ("e5", "i3"), ("e6", "i2"), ("e7", "d2"), ("e7", "i2"),
         ("e8", "v1"), ("e8", "o1"), ("e9", "d1")],
        schema=[EVENT_ID, OBJECT_ID], orient="row",
    )  # fmt: skip
    object_relations = pl.DataFrame(
        [("o1", "i1", "contains"), ("o1", "i2", "contains"), ("o2", "i3", "contains"), ("o1", "c1", "placed by")],
        schema=[OBJECT_ID, RELATED_ID, "qualifier"], orient="row",
    )  # fmt: skip
    return ObjectCentricLog.from_tables(
        events=events, objects=objects, relations=relations, object_relations=object_relations
    )


# --- the directly-follows graph of each object type (OC-DFG) ---------------------------------------


def object_directly_follows(ocel: ObjectCentricLog, *, types: Sequence[str] | None = None) -> pd.DataFrame:
    """The directly-follows graph of each object type: each object's events in time order, and
    each pair of consecutive events of one object an edge of the object's type (pm4py's OC-DFG).

    Parameters
    ----------
    ocel : ObjectCentricLog
        As ``o2c.read_ocel`` returns it.
    types : sequence of str, optional
        The object types to draw (default: every type).

    Returns
    -------
    DataFrame
        One row per object type and edge: ``object_type``, ``source``, ``target``,
        ``transitions`` (pairs of consecutive events, one per object), ``event_couples``
        (distinct pairs of events: pm4py's edge frequency, a delivery's pair counted once
        however many items it carries), ``objects`` (objects with the edge), ``wait_median``,
        ``wait_total`` (over the transitions); by type, most transitions first, ties by name.
        Events at the same time keep file order.

    Examples
    --------
    >>> edges = object_directly_follows(example_ocel(), types=["Delivery"])
    >>> edges[["object_type", "source", "target", "transitions", "wait_median"]]
      object_type         source   target  transitions     wait_median
    0    Delivery  Ship Delivery  Deliver            1 0 days 06:00:00
    """
    chosen = ocel.object_types if types is None else [_check_type(ocel, t, argument="types") for t in types]
    objects = ocel.objects.filter(pl.col(OBJECT_TYPE).is_in(pl.Series(chosen, dtype=pl.String).implode()))
    steps = (
        ocel.relations.lazy()
        .select(EVENT_ID, OBJECT_ID)
        .unique()
        .join(objects.lazy().select(OBJECT_ID, OBJECT_TYPE), on=OBJECT_ID)
        .join(ocel.events.lazy().select(EVENT_ID, "activity", "timestamp", SOURCE_ROW), on=EVENT_ID)
        .sort(OBJECT_ID, "timestamp", SOURCE_ROW)
        .select(
            OBJECT_TYPE,
            OBJECT_ID,
            source=pl.col("activity"),
            target=pl.col("activity").shift(-1),
            source_event=pl.col(EVENT_ID),
            target_event=pl.col(EVENT_ID).shift(-1),
            wait=(pl.col("timestamp").shift(-1) - pl.col("timestamp")).dt.total_microseconds(),
            same=pl.col(OBJECT_ID) == pl.col(OBJECT_ID).shift(-1),
        )
        .filter("same")
    )
    edges = (
        steps.group_by(OBJECT_TYPE, "source", "target")
        .agg(
            transitions=pl.len().cast(pl.Int64),
            event_couples=pl.struct("source_event", "target_event").n_unique().cast(pl.Int64),
            objects=pl.col(OBJECT_ID).n_unique().cast(pl.Int64),
            wait_median=duration_from_microseconds(pl.col("wait").median()),
            wait_total=duration_from_microseconds(pl.col("wait").sum()),
        )
        .sort([OBJECT_TYPE, "transitions", "source", "target"], descending=[False, True, False, False])
        .collect()
    )
    return edges.to_pandas()
