"""How long ``o2c.compare`` takes on a simulated log by quarter with 1,000 bootstrap resamples (the
issue's target: 10M events under 60 s on 2 cores), and how often two random halves of one period
differ significantly (the false-positive rate, over 100 seeds).

Run: ``.venv/bin/python bench/bench_compare.py [events] [--false-positives SEEDS]``. Prints one line
per measurement; no asserts.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import polars as pl

from o2c._compare import _compare
from o2c._simulate import simulate


def speed(target: int) -> None:
    probe = simulate(2_000, seed=1)
    cases = round(target / (probe.truth["events"] / probe.truth["cases"]))
    began = time.perf_counter()
    sim = simulate(cases, seed=1)
    made = time.perf_counter() - began
    print(f"simulate({cases:,}): {sim.log.height:,} events in {made:.1f} s", flush=True)
    # by quarter the latest quarter of the simulated 39 weeks has only its first days; the date
    # splits the orders in two halves, each side as large as it gets
    for by in ("quarter", "2025-05-19"):
        began, cpu = time.perf_counter(), time.process_time()
        result = _compare(sim.log, by=by, ideal=sim.ideal, resamples=1000)
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        print(
            f"compare(by={by!r}, resamples=1000) of {sim.log.height:,} events: {seconds:.1f} s "
            f"(CPU {cpu:.1f} s, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores) "
            f"({result.a}: {result.orders_a:,} orders, {result.b}: {result.orders_b:,} orders; "
            f"{len(result.edges)} edges, {int(result.edges['changed'].sum())} changed)",
            flush=True,
        )


def false_positives(seeds: int, cases: int = 3000) -> None:
    """Orders of one quarter split at random into two halves: any change found is a false positive."""
    found = {"edge waits": 0, "edge shares": 0, "activity waits": 0, "activity shares": 0, "any": 0}
    for seed in range(seeds):
        sim = simulate(cases, seed=seed, weeks=26)
        starts = sim.log.group_by("case_id").agg(pl.col("timestamp").min())
        first = starts.filter(pl.col("timestamp") < pl.datetime(2025, 4, 7, time_zone="UTC"))["case_id"]
        log = sim.log.filter(pl.col("case_id").is_in(first.implode()))
        ids = log["case_id"].unique(maintain_order=True)
        half = np.random.default_rng([seed, 1]).integers(0, 2, len(ids))
        log = log.join(pl.DataFrame({"case_id": ids, "half": np.where(half == 1, "B", "A")}), on="case_id")
        result = _compare(log.sort("case_id", "timestamp", "source_row"), by={"half": ("A", "B")},
                          ideal=sim.ideal, resamples=200, seed=seed)  # fmt: skip
        hits = {
            "edge waits": result.edges["changed"].any(),
            "edge shares": result.edges["share_changed"].any(),
            "activity waits": result.activities["changed"].any(),
            "activity shares": result.activities["share_changed"].any(),
        }
        hits["any"] = any(hits.values())
        for name, hit in hits.items():
            found[name] += bool(hit)
    rates = ", ".join(f"{name} {count}/{seeds}" for name, count in found.items())
    print(
        f"random halves of one quarter ({cases:,} orders simulated, alpha 0.05): seeds with a change: {rates}"
    )


def planted(seeds: int, cases: int = 4000) -> None:
    """The planted change (Ship Goods two working days later for orders created since 2025-04-07),
    orders before it against those of the six weeks after: how often exactly the planted edge
    changes, and how often the interval holds the planted size (``truth['change']``)."""
    exact = holds = 0
    for seed in range(seeds):
        sim = simulate(cases, seed=seed, change_step="Ship Goods", change_at="2025-04-07", change_days=2)
        windows = (("2025-01-06", "2025-04-07"), ("2025-04-07", "2025-05-19"))
        result = _compare(sim.log, by=windows, ideal=sim.ideal, resamples=1000, seed=seed)
        edges = result.edges
        found = edges.loc[edges["changed"] | edges["share_changed"], ["source", "target"]].values.tolist()
        exact += found == [["Pick Goods", "Ship Goods"]] and not result.activities["share_changed"].any()
        row = edges[(edges["source"] == "Pick Goods") & (edges["target"] == "Ship Goods")].iloc[0]
        size = sim.truth["change"]["planted_median_seconds"]
        holds += row["ci_low"].total_seconds() <= size <= row["ci_high"].total_seconds()
    print(
        f"planted change over {seeds} seeds ({cases:,} orders): exactly the planted edge changed on {exact}, "
        f"its 95% interval held the planted size on {holds}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("events", nargs="?", type=int, default=10_000_000)
    parser.add_argument("--false-positives", type=int, default=100, metavar="SEEDS")
    parser.add_argument("--planted", type=int, default=50, metavar="SEEDS")
    args = parser.parse_args(argv)
    if args.events:
        speed(args.events)
    if args.false_positives:
        false_positives(args.false_positives)
    if args.planted:
        planted(args.planted)


if __name__ == "__main__":
    main()
