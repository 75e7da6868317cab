"""The truth of a simulated log: the planted patterns measured again from the generated events.

Plain polars code, independent of the analysis modules (which the tests hold against it); what
``Simulation.truth`` holds and ``o2c simulate`` writes to ``truth.json`` (its keys are described
in ``sample_logs/README.md``).
"""

from __future__ import annotations

import itertools
import math
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from o2c._simulate._process import (
    APPROVALS,
    BATCH_PREFIX,
    CHECK_CREDIT,
    COMPLAINT,
    CONFIRM_ORDER,
    CREDIT_BLOCK,
    PICK_GOODS,
    RELEASE_BLOCK,
    SHIP_GOODS,
)
from o2c.model import IdealPath


def _median(column: pl.Series) -> float | None:
    value = column.median()
    return None if value is None else float(value)  # type: ignore[arg-type]


def _conforming_traces(ideal: IdealPath) -> set[tuple[str, ...]]:
    """Every trace equal to the ideal steps with some subset of its optional steps left out."""
    positions = [i for i, step in enumerate(ideal.steps) if step in ideal.optional]
    traces = set()
    for size in range(len(positions) + 1):
        for left_out in itertools.combinations(positions, size):
            traces.add(tuple(s for i, s in enumerate(ideal.steps) if i not in left_out))
    return traces


def measured_truth(
    log: pl.DataFrame, ideal: IdealPath, *, parameters: dict[str, Any], begin: int, end: int
) -> dict[str, Any]:
    """The truth of ``log``, simulated with ``parameters`` over ``begin`` to ``end`` (seconds since
    the epoch): a JSON-ready dict, conformance measured against ``ideal``.

    >>> from o2c._simulate import simulate
    >>> sim = simulate(20, seed=2)
    >>> truth = measured_truth(sim.log, sim.ideal, parameters=sim.truth["parameters"], begin=0, end=86_400)
    >>> truth["cases"], truth["events"] == sim.log.height, truth["period"]["end"]
    (20, True, '1970-01-02T00:00:00Z')
    """
    events = log.select(
        "case_id",
        "resource",
        "region",
        "due_date",
        activity=pl.col("activity").cast(pl.String),
        t=pl.col("timestamp").dt.epoch("s"),
    )
    same = pl.col("case_id") == pl.col("case_id").shift(-1)
    pairs = events.with_columns(
        target=pl.col("activity").shift(-1),
        wait=pl.col("t").shift(-1) - pl.col("t"),
        third=pl.col("activity").shift(-2),
        same2=same & (pl.col("case_id") == pl.col("case_id").shift(-2)),
        same=same,
    )
    edges = (
        pairs.filter("same")
        .group_by("activity", "target")
        .agg(
            transitions=pl.len(),
            cases=pl.col("case_id").n_unique(),
            wait_median_seconds=pl.col("wait").median(),
            wait_mean_seconds=pl.col("wait").mean(),
            wait_p90_seconds=pl.col("wait").quantile(0.9, interpolation="linear"),
            wait_total_seconds=pl.col("wait").sum(),
        )
        .rename({"activity": "source"})
        .sort(["transitions", "source", "target"], descending=[True, False, False])
    )
    customer_steps = ideal.waiting_steps_of_customer
    by_total = edges.sort(["wait_total_seconds", "source", "target"], descending=[True, False, False])
    company = by_total.filter(~pl.col("target").is_in(sorted(customer_steps)))

    per_case = events.group_by("case_id", maintain_order=True).agg(
        trace=pl.col("activity"),
        first=pl.col("t").first(),
        last=pl.col("t").last(),
        batch=pl.col("resource").str.starts_with(BATCH_PREFIX).all(),
        approvals=pl.col("activity").is_in(APPROVALS).sum(),
        **{
            f"at:{step}": pl.col("t").filter(pl.col("activity") == step).min()
            for step in (CHECK_CREDIT, CONFIRM_ORDER, *ideal.milestones.values(), COMPLAINT)
        },
        due_date=pl.col("due_date").first(),
    )
    keyed = per_case.with_columns(key=pl.col("trace").list.join("\x1f"))
    variants = (
        keyed.group_by("key")
        .agg(cases=pl.len(), trace=pl.col("trace").first())
        .sort(["cases", "key"], descending=[True, False])
    )
    allowed = ["\x1f".join(trace) for trace in sorted(_conforming_traces(ideal))]
    conforming = keyed.filter(pl.col("key").is_in(allowed))

    counts = events.group_by("case_id", "activity").agg(executions=pl.len()).filter(pl.col("executions") > 1)
    rework = counts.group_by("activity").agg(
        cases=pl.len(), extra_executions=(pl.col("executions") - 1).sum()
    )
    loops = (
        pairs.filter(pl.col("same") & (pl.col("activity") == pl.col("target")))
        .group_by("activity")
        .agg(cases=pl.col("case_id").n_unique(), transitions=pl.len())
    )
    ping_pongs = (
        pairs.filter(
            pl.col("same2")
            & (pl.col("activity") != pl.col("target"))
            & (pl.col("activity") == pl.col("third"))
        )
        .group_by("activity", "target")
        .agg(cases=pl.col("case_id").n_unique(), occurrences=pl.len())
        .sort(["cases", "activity", "target"], descending=[True, False, False])
    )

    def at(step: str) -> pl.Expr:
        return pl.col(f"at:{step}")

    milestones = ideal.milestones
    ordered, delivered, invoiced, paid = (milestones[m] for m in ("ordered", "delivered", "invoiced", "paid"))
    open_cases = per_case.filter(at(paid).is_null()).with_columns(
        milestone=pl.when(at(invoiced).is_not_null())
        .then(pl.lit("invoiced"))
        .when(at(delivered).is_not_null())
        .then(pl.lit("delivered"))
        .when(at(ordered).is_not_null())
        .then(pl.lit("ordered"))
        .otherwise(pl.lit("none"))
    )

    def lead(begin_step: str, end_step: str) -> dict[str, Any]:
        both = per_case.filter(at(begin_step).is_not_null() & at(end_step).is_not_null())
        return {
            "cases": both.height,
            "median_seconds": _median(both.select(at(end_step) - at(begin_step)).to_series()),
        }

    payments = per_case.filter(at(paid).is_not_null()).with_columns(
        days_late=(pl.from_epoch(at(paid), time_unit="s").dt.date() - pl.col("due_date")).dt.total_days(),
        complained=at(COMPLAINT).is_not_null(),
    )

    def lateness(group: pl.DataFrame) -> dict[str, Any]:
        return {
            "paid_cases": group.height,
            "late_cases": group.filter(pl.col("days_late") > 0).height,
            "days_late_median": _median(group["days_late"]),
        }

    resources = (
        events.filter(pl.col("resource").str.starts_with(BATCH_PREFIX))
        .group_by("resource")
        .agg(events=pl.len())
    )
    bottleneck = None
    region = parameters["bottleneck_region"]
    if region is not None:
        edge = pairs.filter(
            pl.col("same") & (pl.col("activity") == PICK_GOODS) & (pl.col("target") == SHIP_GOODS)
        )
        driver, others = edge.filter(pl.col("region") == region), edge.filter(pl.col("region") != region)
        ranks = {
            "rank_by_wait_total": by_total,
            "rank_by_wait_total_excluding_customer_steps": company,
        }
        bottleneck = {
            "source": PICK_GOODS,
            "target": SHIP_GOODS,
            "attribute": "region",
            "value": region,
            "transitions_value": driver.height,
            "transitions_others": others.height,
            "wait_median_seconds_value": _median(driver["wait"]),
            "wait_median_seconds_others": _median(others["wait"]),
            **{name: _rank(frame, PICK_GOODS, SHIP_GOODS) for name, frame in ranks.items()},
        }

    approvals = per_case.group_by("approvals").agg(cases=pl.len()).sort("approvals")
    return _plain(
        {
            "parameters": parameters,
            "period": {
                "start": _iso(begin),
                "end": _iso(end),
            },
            "events": log.height,
            "cases": per_case.height,
            "variants": variants.height,
            "top_variants": [
                {"trace": row["trace"], "cases": row["cases"]}
                for row in variants.head(10).iter_rows(named=True)
            ],
            "activities": _count(events.group_by("activity").agg(events=pl.len()), "activity", "events"),
            "start_activities": _count(
                per_case.group_by(pl.col("trace").list.first()).agg(n=pl.len()), "trace", "n"
            ),
            "end_activities": _count(
                per_case.group_by(pl.col("trace").list.last()).agg(n=pl.len()), "trace", "n"
            ),
            "edges": edges.to_dicts(),
            "bottleneck": bottleneck,
            "rework": {
                row["activity"]: {k: row[k] for k in ("cases", "extra_executions")}
                for row in rework.to_dicts()
            },
            "self_loops": {
                row["activity"]: {k: row[k] for k in ("cases", "transitions")} for row in loops.to_dicts()
            },
            "ping_pongs": [
                {
                    "activity": row["activity"],
                    "via": row["target"],
                    "cases": row["cases"],
                    "occurrences": row["occurrences"],
                }
                for row in ping_pongs.to_dicts()
            ],
            "skipped_credit_checks": per_case.filter(
                at(CONFIRM_ORDER).is_not_null() & at(CHECK_CREDIT).is_null()
            ).height,
            "invoice_before_shipment": per_case.filter(
                at(invoiced).is_not_null() & (at(delivered).is_null() | (at(invoiced) < at(delivered)))
            ).height,
            "conformance": {
                "ideal_path": ideal.name,
                "conforming_cases": conforming.height,
                "conforming_variants": conforming["key"].n_unique(),
            },
            "open_cases": {
                "total": open_cases.height,
                "by_last_milestone": _count(
                    open_cases.group_by("milestone").agg(n=pl.len()), "milestone", "n"
                ),
            },
            "lead_times": {
                "order_to_delivery": lead(ordered, delivered),
                "order_to_invoice": lead(ordered, invoiced),
                "order_to_cash": lead(ordered, paid),
                "invoice_to_cash": lead(invoiced, paid),
                "case_duration": {
                    "cases": per_case.height,
                    "median_seconds": _median(per_case["last"] - per_case["first"]),
                },
            },
            "late_payment": {
                "with_complaint": lateness(payments.filter("complained")),
                "without_complaint": lateness(payments.filter(~pl.col("complained"))),
            },
            "batch": {
                "batch_events": int(resources["events"].sum()),
                "by_user": _count(resources, "resource", "events"),
                "touchless_cases": per_case.filter("batch").height,
            },
            "approvals": {
                "cases_with_approval": per_case.filter(pl.col("approvals") > 0).height,
                "orders_by_approvals": {str(row["approvals"]): row["cases"] for row in approvals.to_dicts()},
                "events": {a: events.filter(pl.col("activity") == a).height for a in APPROVALS},
                "order_to_delivery_median_seconds_by_approvals": {
                    str(k): _median(group.select(at(delivered) - at(ordered)).to_series().drop_nulls())
                    for (k,), group in sorted(per_case.group_by("approvals"), key=lambda item: item[0])
                },
            },
            "kpis": _kpi_truth(log, ideal),
        }
    )


def _kpi_truth(log: pl.DataFrame, ideal: IdealPath) -> dict[str, Any]:
    """Figures behind ``o2c.kpis``, ``stuck_orders`` and ``late_payment_drivers``, from the events.

    Ages and overdue orders are judged at the last timestamp of the log; payment dates are UTC dates.
    """
    events = log.select(
        "case_id", "timestamp", "value", "due_date", activity=pl.col("activity").cast(pl.String)
    ).with_columns(
        t=pl.col("timestamp").dt.epoch("s"),
        gap=pl.col("timestamp").dt.epoch("s") - pl.col("timestamp").dt.epoch("s").shift(1).over("case_id"),
    )
    as_of = int(events["t"].max())  # type: ignore[arg-type]

    def first(step: str) -> pl.Expr:
        return pl.col("t").filter(pl.col("activity") == step).min()

    m = ideal.milestones
    cases = events.group_by("case_id").agg(
        start=pl.col("t").min(),
        value=pl.col("value").first(),
        due=pl.col("due_date").first(),
        complained=(pl.col("activity") == COMPLAINT).any(),
        approval_wait=pl.col("gap").filter(pl.col("activity").is_in(APPROVALS)).fill_null(0).sum(),
        approvals=pl.col("activity").is_in(APPROVALS).sum(),
        blocked=first(CREDIT_BLOCK),
        released=first(RELEASE_BLOCK),
        **{name: first(step) for name, step in m.items()},
    )
    paid = cases.filter(pl.col("paid").is_not_null())
    days_late = (pl.from_epoch("paid", time_unit="s").dt.date() - pl.col("due")).dt.total_days()
    both = cases.filter(pl.col("invoiced").is_not_null() & pl.col("paid").is_not_null())
    to_cash = both["paid"] - both["invoiced"]
    open_cases = cases.filter(pl.col("paid").is_null()).with_columns(age=as_of - pl.col("start"))
    unpaid = open_cases.filter(pl.col("invoiced").is_not_null())
    shipped = cases.filter(pl.col("delivered").is_not_null() & pl.col("invoiced").is_null())
    blocked = cases.filter(pl.col("blocked").is_not_null())
    released = blocked.filter(pl.col("released").is_not_null())

    def furthest(name: str) -> pl.DataFrame:
        later = [n for n in ("delivered", "invoiced") if ("ordered", "delivered", "invoiced").index(n) >
                 ("ordered", "delivered", "invoiced").index(name)]  # fmt: skip
        mask = pl.col(name).is_not_null()
        for n in later:
            mask = mask & pl.col(n).is_null()
        return open_cases.filter(mask)

    def to_cash_of(group: pl.DataFrame) -> dict[str, Any]:
        return {"cases": group.height, "median_seconds": _median(group["paid"] - group["invoiced"])}

    return {
        "as_of": _iso(as_of),
        "delivery_to_invoice": {
            "cases": cases.filter(
                pl.col("delivered").is_not_null() & pl.col("invoiced").is_not_null()
            ).height,
            "median_seconds": _median(
                cases.select(pl.col("invoiced") - pl.col("delivered")).to_series().drop_nulls()
            ),
        },
        # fsum: exact, so the same bytes on every run; None when no order is both invoiced and paid
        "invoice_to_cash_value_weighted_seconds": (
            math.fsum((to_cash * both["value"]).to_list()) / math.fsum(both["value"].to_list())
            if math.fsum(both["value"].to_list()) > 0
            else None
        ),
        "paid_with_due_date": paid.filter(pl.col("due").is_not_null()).height,
        "paid_on_time": paid.filter(days_late <= 0).height,
        "days_past_due_median": _median(paid.select(days_late).to_series().drop_nulls()),
        "overdue_orders": unpaid.filter(pl.col("due") < pl.lit(_iso(as_of)[:10]).str.to_date()).height,
        "shipped_not_invoiced": {"cases": shipped.height, "value": float(shipped["value"].sum())},
        "open_age_median_seconds": {
            "all": _median(open_cases["age"]),
            **{name: _median(furthest(name)["age"]) for name in ("ordered", "delivered", "invoiced")},
        },
        "approval_wait_median_seconds": _median(cases.filter(pl.col("approvals") > 0)["approval_wait"]),
        "credit_block": {
            "cases": blocked.height,
            "released_cases": released.height,
            "block_time_median_seconds": _median(released["released"] - released["blocked"]),
            "never_released": sorted(blocked.filter(pl.col("released").is_null())["case_id"].to_list()),
        },
        "invoice_to_cash_by_complaint": {
            "with_complaint": to_cash_of(both.filter("complained")),
            "without_complaint": to_cash_of(both.filter(~pl.col("complained"))),
        },
    }


def _rank(frame: pl.DataFrame, source: str, target: str) -> int | None:
    found = frame.with_row_index("rank", offset=1).filter(
        (pl.col("source") == source) & (pl.col("target") == target)
    )
    return None if found.is_empty() else int(found["rank"][0])


def _count(frame: pl.DataFrame, key: str, value: str) -> dict[str, int]:
    return {str(k): int(v) for k, v in sorted(zip(frame[key], frame[value], strict=True))}


def _iso(seconds: int) -> str:
    return (datetime(1970, 1, 1) + timedelta(seconds=seconds)).isoformat() + "Z"


def _plain(value: Any) -> Any:
    """Python ints, floats, strings, lists and dicts only (numpy and polars scalars converted)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
