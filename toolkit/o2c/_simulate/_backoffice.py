"""The back office planted into a simulated log (``simulate(back_office=True)``): approval chains
with known waits, a rubber stamp, an approval that rejects a known share, and fields re-keyed at
known steps by known sizes; and their truth, measured again from the events.

The planting is a pass over the finished log, with its own random stream (seeded from the
simulation's seed), so a log simulated without it is unchanged:

- **Sales Ops Sign-off**, the rubber stamp: every manual order without a change activity (Change
  Price, Change Quantity, Update Shipping Address) is signed off exactly ``sign_off_days`` after
  it was created; nothing is rejected, changed or cancelled after it.
- **Pricing Approval**: a share ``pricing_approval`` of the orders is approved
  ``pricing_days`` after creation (after the sign-off where there is one); of those not signed
  off, a share ``pricing_reject`` is rejected an hour later (``Pricing Approval Rejected``).
- Every later event of an order moves by the time its planted steps took; events moved past the
  period's end are cut off (the order is still open), and the due date follows the invoice.
- **Re-keyed fields**: ``net_value`` and ``value`` fall by ``price_cut`` (a share, rounded to the
  cent) at each Change Price; ``quantity`` grows by ``quantity_step`` and ``requested_date`` moves
  ``reschedule_days`` later at each Change Quantity; ``ship_to`` changes at each Update Shipping
  Address. ``customer_po`` is typed at Create Sales Order and again at Confirm Order (empty on
  the other events): a field entered at two steps.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from o2c._simulate._process import (
    CHANGE_PRICE,
    CHANGE_QUANTITY,
    CONFIRM_ORDER,
    CREATE_INVOICE,
    CREATE_ORDER,
    DIRECTOR_APPROVAL,
    MANAGER_APPROVAL,
    RELEASE_BLOCK,
    UPDATE_ADDRESS,
)
from o2c.log import validate

SIGN_OFF = "Sales Ops Sign-off"
PRICING_APPROVAL = "Pricing Approval"
PRICING_REJECTED = "Pricing Approval Rejected"
#: The planted approval steps, in chain order.
PLANTED_APPROVALS = (SIGN_OFF, PRICING_APPROVAL)
#: Every approval step of a log with the back office: the planted ones, the credit-block release
#: and the simulator's value approvals.
ALL_APPROVALS = (*PLANTED_APPROVALS, RELEASE_BLOCK, MANAGER_APPROVAL, DIRECTOR_APPROVAL)
_CHANGES = (CHANGE_PRICE, CHANGE_QUANTITY, UPDATE_ADDRESS)
_SIGNERS = ("sofia", "noah")
_PRICING = ("lukas", "ana")
_US_PER_DAY = 86_400_000_000
_US_PER_HOUR = 3_600_000_000

#: The defaults of the back-office parameters of ``simulate``.
DEFAULTS: dict[str, Any] = {
    "sign_off_days": 1.0,
    "pricing_approval": 0.3,
    "pricing_days": 2.0,
    "pricing_reject": 0.2,
    "price_cut": 0.05,
    "quantity_step": 10,
    "reschedule_days": 7,
}


def plant(log: pl.DataFrame, *, seed: int, end: int, p: dict[str, Any]) -> pl.DataFrame:
    """``log`` with the back office planted (see the module docstring); ``end`` in seconds since the epoch.

    >>> from o2c._simulate import simulate
    >>> log = simulate(40, seed=1, back_office=True).log
    >>> sorted(set(log["activity"].cast(str)) & {SIGN_OFF, PRICING_APPROVAL})
    ['Pricing Approval', 'Sales Ops Sign-off']
    """
    rng = np.random.default_rng([seed, 28])
    activity = pl.col("activity").cast(pl.String)
    cases = log.group_by("case_id", maintain_order=True).agg(
        manual=(pl.col("channel") == "manual").first(),
        changed=activity.is_in(_CHANGES).any(),
        created=pl.col("timestamp").first(),
        customer=pl.col("customer").first(),
    )
    n = cases.height
    sign = cases["manual"].to_numpy() & ~cases["changed"].to_numpy()
    pricing = rng.random(n) < p["pricing_approval"]
    reject = pricing & ~sign & (rng.random(n) < p["pricing_reject"])
    sign_us = round(p["sign_off_days"] * _US_PER_DAY)
    pricing_us = round(p["pricing_days"] * _US_PER_DAY)
    shift = sign * sign_us + pricing * pricing_us + reject * _US_PER_HOUR
    cases = cases.with_columns(
        sign=pl.Series(sign),
        pricing=pl.Series(pricing),
        reject=pl.Series(reject),
        shift=pl.Series(shift, dtype=pl.Int64),
        signer=pl.Series(np.array(_SIGNERS)[rng.integers(0, len(_SIGNERS), n)]),
        pricer=pl.Series(np.array(_PRICING)[rng.integers(0, len(_PRICING), n)]),
        quantity=pl.Series(rng.integers(1, 50, n) * 5, dtype=pl.Int64),
        po=pl.Series([f"PO-{number:06d}" for number in rng.integers(0, 1_000_000, n)]),
    )
    first = pl.col("case_id") != pl.col("case_id").shift(1)
    moved = (
        log.join(cases.select("case_id", "shift"), on="case_id", how="left", maintain_order="left")
        .with_columns(
            timestamp=pl.when(first.fill_null(True))
            .then(pl.col("timestamp"))
            .otherwise(pl.col("timestamp") + pl.duration(microseconds=pl.col("shift")))
        )
        .drop("shift")
    )
    base = log.filter(first.fill_null(True)).join(cases, on="case_id", maintain_order="left")
    created = pl.col("created")

    def inserted(mask: str, name: str, at: pl.Expr, resource: str) -> pl.DataFrame:
        return (
            base.filter(pl.col(mask))
            .with_columns(
                activity=pl.lit(name).cast(log.schema["activity"]),
                timestamp=at,
                resource=pl.col(resource),
            )
            .select(log.columns)
        )

    sign_time = pl.duration(microseconds=pl.col("sign").cast(pl.Int64) * sign_us)
    pricing_at = created + sign_time + pl.duration(microseconds=pricing_us)
    new = pl.concat(
        [
            inserted("sign", SIGN_OFF, created + pl.duration(microseconds=sign_us), "signer"),
            inserted("pricing", PRICING_APPROVAL, pricing_at, "pricer"),
            inserted("reject", PRICING_REJECTED, pricing_at + pl.duration(hours=1), "pricer"),
        ]
    )
    # the planted events come right after Create Sales Order: ahead of any later event at their time
    limit = pl.datetime(1970, 1, 1, time_zone="UTC") + pl.duration(seconds=end)
    planted = (
        pl.concat([moved.with_columns(order=pl.col("source_row") * 4), _ordered(new)])
        .filter(pl.col("timestamp") < limit)
        .sort("case_id", "timestamp", "order")
        .drop("order")
        .with_columns(source_row=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
    )
    return validate(_fields(_due_dates(planted), cases, p))


def _ordered(new: pl.DataFrame) -> pl.DataFrame:
    """The planted events with an order key between Create Sales Order (its row x 4) and the next event."""
    rank = (
        pl.col("activity")
        .cast(pl.String)
        .replace_strict({SIGN_OFF: 1, PRICING_APPROVAL: 2, PRICING_REJECTED: 3}, return_dtype=pl.Int64)
    )
    return new.with_columns(order=pl.col("source_row") * 4 + rank)


def _due_dates(log: pl.DataFrame) -> pl.DataFrame:
    """The due date of each order: its first invoice's day plus its payment terms (null before an invoice)."""
    invoice = (
        pl.col("timestamp")
        .filter(pl.col("activity").cast(pl.String) == CREATE_INVOICE)
        .min()
        .over("case_id")
        .dt.replace_time_zone(None)
        .dt.date()
    )
    due = invoice + pl.duration(days=pl.col("payment_terms_days"))
    return log.with_columns(due_date=due.cast(log.schema["due_date"]))


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
