"""The back office planted into a simulated log (``simulate(back_office=True)``): approval chains
with known waits, a rubber stamp, an approval that rejects a known share, and fields re-keyed at
known steps by known sizes; and their truth, measured again from the events.

The approvals are steps of the generator (``o2c._simulate._generator._back_office``), between
the value approvals and Confirm Order, drawn from their own random stream (seeded from the
simulation's seed), so a log simulated without them is unchanged and every later step starts
from them (people still work Monday to Friday, 08:00 to 17:00; the programs keep their runs):

- **Sales Ops Sign-off**, the rubber stamp: every live manual order without a change activity
  (Change Price, Change Quantity, Update Shipping Address) is signed off ``sign_off_days``
  working days after its last step; nothing is rejected, changed or cancelled after it.
- **Pricing Approval**: a share ``pricing_approval`` of the live orders is approved
  ``pricing_days`` working days later (after the sign-off where there is one); of those not signed
  off, a share ``pricing_reject`` is rejected a working hour later (``Pricing Approval Rejected``).

The re-keyed fields are a pass over the finished log (``rekey``, another stream of the seed):
``net_value`` and ``value`` fall by ``price_cut`` (a share, rounded to the cent) at each Change
Price; ``quantity`` grows by ``quantity_step`` and ``requested_date`` moves ``reschedule_days``
later at each Change Quantity; ``ship_to`` changes at each Update Shipping Address.
``customer_po`` is typed at Create Sales Order and again at Confirm Order (empty on the other
events): a field entered at two steps.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import polars as pl

from o2c._simulate._process import (
    CHANGE_PRICE,
    CHANGE_QUANTITY,
    CONFIRM_ORDER,
    CREATE_ORDER,
    DIRECTOR_APPROVAL,
    IDEAL_PATH,
    MANAGER_APPROVAL,
    PRICING_APPROVAL,
    PRICING_REJECTED,
    RELEASE_BLOCK,
    SIGN_OFF,
    UPDATE_ADDRESS,
)
from o2c.log import validate

#: The planted approval steps, in chain order.
PLANTED_APPROVALS = (SIGN_OFF, PRICING_APPROVAL)
#: Every approval step of a log with the back office: the planted ones, the credit-block release
#: and the simulator's value approvals.
ALL_APPROVALS = (*PLANTED_APPROVALS, RELEASE_BLOCK, MANAGER_APPROVAL, DIRECTOR_APPROVAL)
#: The ideal path of a log with the back office: the planted approvals are optional steps of the
#: company's standard order, before Confirm Order (a quarter of an hour of work each).
IDEAL_PATH_BACK_OFFICE = dataclasses.replace(
    IDEAL_PATH,
    steps=(
        *IDEAL_PATH.steps[: IDEAL_PATH.steps.index(CONFIRM_ORDER)],
        *PLANTED_APPROVALS,
        *IDEAL_PATH.steps[IDEAL_PATH.steps.index(CONFIRM_ORDER) :],
    ),
    optional=IDEAL_PATH.optional | frozenset(PLANTED_APPROVALS),
    target_hours={**IDEAL_PATH.target_hours, **dict.fromkeys(PLANTED_APPROVALS, 0.25)},
)
_CHANGES = (CHANGE_PRICE, CHANGE_QUANTITY, UPDATE_ADDRESS)

#: The defaults of the back-office parameters of ``simulate`` (days are working days).
DEFAULTS: dict[str, Any] = {
    "sign_off_days": 1.0,
    "pricing_approval": 0.3,
    "pricing_days": 2.0,
    "pricing_reject": 0.2,
    "price_cut": 0.05,
    "quantity_step": 10,
    "reschedule_days": 7,
}


def rekey(log: pl.DataFrame, *, seed: int, p: dict[str, Any]) -> pl.DataFrame:
    """``log`` with the re-keyed fields (see the module docstring): each order's first quantity and
    purchase order number drawn from the seed's own stream, then ``_fields``.

    >>> from o2c._simulate import simulate
    >>> log = simulate(40, seed=1, back_office=True).log
    >>> sorted(set(log.columns) - set(simulate(40, seed=1).log.columns))
    ['customer_po', 'quantity', 'requested_date', 'ship_to']
    """
    rng = np.random.default_rng([seed, 29])
    orders = log["case_id"].unique(maintain_order=True)
    n = orders.len()
    cases = pl.DataFrame(
        {
            "case_id": orders,
            "quantity": pl.Series(rng.integers(1, 50, n) * 5, dtype=pl.Int64),
            "po": [f"PO-{number:06d}" for number in rng.integers(0, 1_000_000, n)],
        }
    )
    return validate(_fields(log, cases, p))


def _fields(log: pl.DataFrame, cases: pl.DataFrame, p: dict[str, Any]) -> pl.DataFrame:
    """The re-keyed fields: each event carries the values as they stand after it."""
    activity = pl.col("activity").cast(pl.String)

    def so_far(name: str) -> pl.Expr:
        return (activity == name).cast(pl.Int64).cum_sum().over("case_id")

    prices, quantities, addresses = so_far(CHANGE_PRICE), so_far(CHANGE_QUANTITY), so_far(UPDATE_ADDRESS)
    value = (pl.col("net_value") * pl.lit(1.0 - p["price_cut"]).pow(prices)).round(2)
    order_day = pl.col("timestamp").min().over("case_id").dt.replace_time_zone(None).dt.date()
    frame = log.join(
        cases.select("case_id", "quantity", "po"), on="case_id", how="left", maintain_order="left"
    )
    return frame.with_columns(
        net_value=value,
        value=value,
        quantity=pl.col("quantity") + p["quantity_step"] * quantities,
        requested_date=order_day + pl.duration(days=14 + p["reschedule_days"] * quantities),
        ship_to=pl.when(addresses == 0)
        .then(pl.col("customer") + ", main site")
        .otherwise(pl.col("customer") + ", site " + (addresses + 1).cast(pl.String)),
        customer_po=pl.when(activity.is_in([CREATE_ORDER, CONFIRM_ORDER])).then(pl.col("po")),
    ).drop("po")


def truth(log: pl.DataFrame) -> dict[str, Any]:
    """The planted back office measured again from the events, with plain polars (independent of
    ``o2c.approvals`` and ``o2c.rekeyed_values``); keys in ``sample_logs/README.md``.

    >>> from o2c._simulate import simulate
    >>> sorted(simulate(40, seed=1, back_office=True).truth["back_office"])
    ['approval_steps', 'chain_lengths', 'fields', 'rubber_stamps', 'steps']
    """
    events = log.select(
        "case_id",
        activity=pl.col("activity").cast(pl.String),
        t=pl.col("timestamp").dt.epoch("us"),
        previous=pl.col("timestamp").dt.epoch("us").shift(1),
        same=pl.col("case_id") == pl.col("case_id").shift(1),
        row=pl.int_range(pl.len()),
    )
    approvals = events.filter(pl.col("activity").is_in(ALL_APPROVALS))
    orders = log["case_id"].unique()
    waits = (
        approvals.group_by("case_id")
        .agg(length=pl.len(), wait=(pl.col("t") - pl.col("previous")).sum())
        .join(pl.DataFrame({"case_id": orders}), on="case_id", how="right")
        .with_columns(pl.col("length", "wait").fill_null(0))
        .with_columns(
            label=pl.when(pl.col("length") >= 3)
            .then(pl.lit("3+"))
            .otherwise(pl.col("length").cast(pl.String))
        )
    )
    chain_lengths = {
        str(label): {
            "orders": int(group.height),
            "approval_wait_median_seconds": float(np.median(group["wait"].to_numpy())) / 1e6,
        }
        for (label,), group in sorted(waits.group_by("label"), key=lambda item: str(item[0]))
    }
    outcome_rows = (
        events.filter(pl.col("activity").is_in([PRICING_REJECTED, *_CHANGES]))
        .group_by("case_id")
        .agg(last=pl.col("row").max())
    )
    steps = {}
    for step in ALL_APPROVALS:
        seen = approvals.filter(pl.col("activity") == step).join(outcome_rows, on="case_id", how="left")
        after = seen.filter(pl.col("last") > pl.col("row"))
        rejections = (
            events.filter(pl.col("activity") == PRICING_REJECTED)
            .group_by("case_id")
            .agg(last_rejection=pl.col("row").max())
        )
        rejected = seen.join(rejections, on="case_id").filter(pl.col("last_rejection") > pl.col("row"))
        steps[step] = {
            "orders": int(seen["case_id"].n_unique()),
            "orders_with_outcome_after": int(after["case_id"].n_unique()),
            "rejected": int(rejected["case_id"].n_unique()),
            "wait_total_seconds": float((seen["t"] - seen["previous"]).sum()) / 1e6,
            "wait_median_seconds": float((seen["t"] - seen["previous"]).median() or 0) / 1e6,  # type: ignore[arg-type]
        }
    fields = {}
    for column, step in (
        ("net_value", CHANGE_PRICE),
        ("quantity", CHANGE_QUANTITY),
        ("requested_date", CHANGE_QUANTITY),
        ("ship_to", UPDATE_ADDRESS),
    ):
        pairs = log.select(
            "case_id",
            activity=pl.col("activity").cast(pl.String),
            new=pl.col(column),
            old=pl.col(column).shift(1),
            same=pl.col("case_id") == pl.col("case_id").shift(1),
        ).filter(pl.col("same") & (pl.col("new") != pl.col("old")))
        entry: dict[str, Any] = {
            "step": sorted(set(pairs["activity"].to_list())),
            "changes": pairs.height,
            "orders": int(pairs["case_id"].n_unique()),
            "step_executions": int((log["activity"].cast(pl.String) == step).sum()),
        }
        if column in ("net_value", "quantity"):
            sizes = (pairs["new"] - pairs["old"]).cast(pl.Float64)
            entry["change_median"] = float(sizes.median()) if pairs.height else None  # type: ignore[arg-type]
        elif column == "requested_date":
            days = (pairs["new"] - pairs["old"]).dt.total_days()
            entry["change_median"] = float(days.median()) if pairs.height else None  # type: ignore[arg-type]
        fields[column] = entry
    # entered: typed on an event whose previous event in the order carried nothing (or another value)
    typed = log.select(
        "case_id",
        "activity",
        po=pl.col("customer_po"),
        before=pl.when(pl.col("case_id") == pl.col("case_id").shift(1)).then(pl.col("customer_po").shift(1)),
    ).filter(pl.col("po").is_not_null() & (pl.col("before").is_null() | (pl.col("before") != pl.col("po"))))
    entered = typed.group_by("case_id").agg(steps=pl.col("activity").n_unique()).filter(pl.col("steps") > 1)
    fields["customer_po"] = {"orders_entered_at_several_steps": entered.height, "changes": 0}
    return {
        "approval_steps": sorted(ALL_APPROVALS),
        "chain_lengths": chain_lengths,
        "rubber_stamps": sorted(
            s for s in ALL_APPROVALS if steps[s]["orders"] and not steps[s]["orders_with_outcome_after"]
        ),
        "steps": steps,
        "fields": fields,
    }
