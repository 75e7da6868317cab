"""Truths of the simulator over many seeds: determinism, a well-formed log, parameters that plant what they say."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c._simulate import ACTIVITIES, BATCH_PREFIX, REGIONS, RESOURCES, WORKING_HOURS, Simulation, simulate
from o2c.log import validate

FEW = settings(max_examples=8, deadline=None)
seeds = st.integers(0, 2**32 - 1)
shares = st.sampled_from([0.0, 0.1, 0.5, 1.0])


def _traces(sim: Simulation) -> dict[str, list[str]]:
    frame = sim.log.group_by("case_id", maintain_order=True).agg(pl.col("activity").cast(pl.String))
    return dict(zip(frame["case_id"], frame["activity"].to_list(), strict=True))


@FEW
@given(seed=seeds, cases=st.integers(1, 60))
def test_same_seed_gives_the_same_log_and_truth(seed: int, cases: int) -> None:
    first, second = simulate(cases, seed=seed), simulate(cases, seed=seed)
    assert first.log.equals(second.log)
    assert first.truth == second.truth


@FEW
@given(seed=seeds, cases=st.integers(20, 60))
def test_different_seeds_give_different_logs(seed: int, cases: int) -> None:
    assert not simulate(cases, seed=seed).log.equals(simulate(cases, seed=seed + 1).log)


@FEW
@given(
    seed=seeds,
    cases=st.integers(1, 80),
    weeks=st.integers(1, 12),
    ping_pong=shares,
    self_loop=shares,
    skip=shares,
    early=shares,
    stuck=shares,
)
def test_the_log_is_well_formed(
    seed: int,
    cases: int,
    weeks: int,
    ping_pong: float,
    self_loop: float,
    skip: float,
    early: float,
    stuck: float,
) -> None:
    sim = simulate(
        cases,
        seed=seed,
        weeks=weeks,
        ping_pong=ping_pong,
        self_loop=self_loop,
        skip_credit_check=skip,
        invoice_before_shipment=early,
        stuck=stuck,
    )
    log = sim.log
    assert validate(log).equals(log), "canonical columns, dtypes and order"
    assert log["source_row"].to_list() == list(range(1, log.height + 1))
    assert (log["value"] == log["net_value"]).all()
    assert set(log["activity"].cast(pl.String)) <= set(ACTIVITIES)
    assert set(log["resource"]) <= set(RESOURCES)
    assert (sim.truth["cases"], sim.truth["events"]) == (cases, log.height)

    # every order starts with Create Sales Order, once; times strictly increase within an order
    traces = _traces(sim)
    assert len(traces) == cases
    assert all(t[0] == "Create Sales Order" and t.count("Create Sales Order") == 1 for t in traces.values())
    steps = log.select(
        same=pl.col("case_id") == pl.col("case_id").shift(-1),
        step=pl.col("timestamp").shift(-1) - pl.col("timestamp"),
    ).filter("same")
    assert (steps["step"] > timedelta(0)).all()

    # inside the period; people only in working hours on working days
    begin = date(2025, 1, 6)
    assert log["timestamp"].dt.date().min() >= begin
    end = log.select(pl.lit(begin).cast(pl.Datetime("us", "UTC")) + pl.duration(weeks=weeks)).item()
    assert log["timestamp"].max() < end
    people = log.filter(~pl.col("resource").str.starts_with(BATCH_PREFIX))
    assert (people["timestamp"].dt.weekday() <= 5).all()
    low, high = WORKING_HOURS
    assert people["timestamp"].dt.hour().is_between(low, high - 1).all()

    # case attributes are constant within an order
    constant = log.group_by("case_id").agg(
        pl.col(c).n_unique() for c in ("region", "customer", "sales_org", "channel", "net_value", "due_date")
    )
    assert (constant.drop("case_id").max_horizontal() == 1).all()

    # payment comes last, once; the due date is the invoice date plus the payment terms
    assert all(
        t.count("Receive Payment") <= 1 and t[-1] == "Receive Payment"
        for t in traces.values()
        if "Receive Payment" in t
    )
    invoices = (
        log.filter(pl.col("activity") == "Create Invoice")
        .group_by("case_id")
        .agg(
            due=pl.col("timestamp").min().dt.date() + pl.duration(days=pl.col("payment_terms_days").first()),
            stated=pl.col("due_date").first(),
        )
    )
    assert (invoices["due"] == invoices["stated"]).all()
    uninvoiced = log.filter(~pl.col("case_id").is_in(invoices["case_id"].implode()))
    assert uninvoiced["due_date"].null_count() == uninvoiced.height

    # approvals follow the order's value and sales organisation
    orders = log.group_by("case_id").agg(
        value=pl.col("net_value").first(),
        org=pl.col("sales_org").first(),
        confirmed=(pl.col("activity") == "Confirm Order").any(),
        manager=(pl.col("activity") == "Manager Approval").any(),
        director=(pl.col("activity") == "Director Approval").any(),
    )
    confirmed = orders.filter("confirmed")
    assert (confirmed["manager"] == ((confirmed["value"] > 10_000) | (confirmed["org"] == "FR01"))).all()
    assert (confirmed["director"] == (confirmed["value"] > 50_000)).all()


@FEW
@given(seed=seeds, cases=st.integers(30, 120))
def test_a_pattern_set_to_zero_is_not_planted(seed: int, cases: int) -> None:
    sim = simulate(
        cases,
        seed=seed,
        ping_pong=0.0,
        self_loop=0.0,
        skip_credit_check=0.0,
        invoice_before_shipment=0.0,
        complaint=0.0,
        stuck=0.0,
        bottleneck_region=None,
    )
    truth = sim.truth
    assert truth["activities"].get("Change Price", 0) == 0
    assert truth["activities"].get("Customer Complaint", 0) == 0
    assert "Update Shipping Address" not in truth["self_loops"]
    assert truth["ping_pongs"] == []
    assert (truth["skipped_credit_checks"], truth["invoice_before_shipment"]) == (0, 0)
    assert truth["bottleneck"] is None
    blocked = [t for t in _traces(sim).values() if "Credit Block" in t and t[-1] != "Credit Block"]
    assert all("Release Credit Block" in t for t in blocked)


@FEW
@given(seed=seeds, cases=st.integers(30, 120))
def test_a_pattern_set_to_one_is_everywhere(seed: int, cases: int) -> None:
    sim = simulate(cases, seed=seed, ping_pong=1.0, skip_credit_check=1.0, stuck=0.0)
    traces = _traces(sim).values()
    assert all("Check Credit" not in t for t in traces)
    confirmed = [t for t in traces if "Confirm Order" in t]
    continued = [t[t.index("Confirm Order") + 1 :] for t in confirmed if t[-1] != "Confirm Order"]
    assert all(rest[0] == "Change Price" for rest in continued)
    assert sim.truth["skipped_credit_checks"] == len(confirmed)


@settings(max_examples=4, deadline=None)
@given(seed=seeds, region=st.sampled_from(REGIONS))
def test_the_planted_bottleneck_ranks_first_among_the_companys_edges(seed: int, region: str) -> None:
    bottleneck = simulate(800, seed=seed, bottleneck_region=region).truth["bottleneck"]
    assert bottleneck["value"] == region
    assert bottleneck["rank_by_wait_total_excluding_customer_steps"] == 1
    assert bottleneck["wait_median_seconds_value"] > 10 * bottleneck["wait_median_seconds_others"]
