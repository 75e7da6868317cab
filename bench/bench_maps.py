"""Time directly_follows, waiting_times and variants beside pm4py on simulated 1M- and 10M-event logs.

Run: ``.venv/bin/python bench/bench_maps.py [--events 1000000 10000000] [--seed 1] [--runs 5]
[--shapes simulated many-variants]``.
Each log is simulated once with ``o2c.simulate`` (about 9.6 events per order) and cached as
Parquet under ``bench/.cache/``; loading it is not counted. Two shapes of each size:

- ``simulated``: the simulator's log as it is (about a thousand variants per million events);
- ``many-variants``: the same events with 15.5 % of their activities replaced by one drawn at
  random (seeded), the orders renamed ``SO-<n>`` in a shuffled order and the rows shuffled
  (``many_variants``): about 48,000 variants per million events, whose names sort unlike their
  first appearance.

o2c's functions run on the loaded, sorted polars log, in one process, once to warm up and then
``--runs`` times (the median counts, as the machine may be shared); ``shared pass`` is what
``assess`` runs for the maps: ``variants`` plus directly-follows and waits from one pass over the
transitions. pm4py's ``discover_dfg``, ``discover_performance_dfg`` and ``get_variants`` run once
on the same events in pm4py's pandas format (the conversion is timed apart and not counted).
Prints the wall-clock and the CPU seconds of each (CPU: all the process's threads; polars runs
on every core, pm4py on one; on a shared machine the CPU time is the steadier figure), their
ratios, whether the issue's target (the three at least 25x
pm4py's) is met, and whether the edge and variant counts agree (printed, not asserted: the
tests check that on real logs).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from o2c import _pm4py
from o2c._simulate import simulate
from o2c.discovery import _variants, directly_follows, variants
from o2c.log import validate
from o2c.performance import _edges_and_waits, waiting_times

CACHE = Path(__file__).resolve().parent / ".cache"
EVENTS_PER_ORDER = 9.62  # measured on simulate(104_000, seed=1): 1,000,794 events
#: The share of activities ``many_variants`` replaces: 48k variants among 104k orders (1M events).
REPLACED = 0.155
#: The issue's target: directly-follows, waits and variants together at least this many times pm4py's speed.
TARGET = 25.0


def _timed(call: Callable[[], Any], *, runs: int) -> tuple[Any, float, float]:
    """The result of ``call`` and its median wall-clock and CPU seconds (all threads of the process)
    over ``runs`` runs, after one to warm up when ``runs`` > 1."""
    result, wall, cpu = call() if runs > 1 else None, [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        result = call()
        wall.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    return result, statistics.median(wall), statistics.median(cpu)


def many_variants(log: pl.DataFrame, *, seed: int, replaced: float = REPLACED) -> pl.DataFrame:
    """The simulator's ``log`` made into one of many variants, as a file would bring it (unvalidated).

    A ``replaced`` share of the events (drawn with ``seed``) get an activity drawn among the log's
    own; orders are renamed ``SO-1`` ... in a shuffled order (so ``SO-10`` sorts before ``SO-2``
    and the orders' log order is not their simulation order); the rows are shuffled. Keeps
    ``case_id``, ``activity``, ``timestamp`` and ``source_row``.

    >>> log = simulate(200, seed=1).log
    >>> many = validate(many_variants(log, seed=1))
    >>> many.height == log.height, many["case_id"].n_unique() == log["case_id"].n_unique()
    (True, True)
    >>> len(variants(many)) > len(variants(log))
    True
    """
    rng = np.random.default_rng(seed)
    events = log.select("case_id", pl.col("activity").cast(pl.String), "timestamp", "source_row")
    case = events.select(pl.col("case_id").rle_id()).to_series().to_numpy()
    names = np.array(sorted(events["activity"].unique().to_list()), dtype=object)
    activity = events["activity"].to_numpy().astype(object)
    chosen = np.flatnonzero(rng.random(events.height) < replaced)
    activity[chosen] = rng.choice(names, chosen.size)
    numbers = rng.permutation(int(case[-1]) + 1 if case.size else 0) + 1
    ids = np.char.add("SO-", numbers.astype(str))
    renamed = events.with_columns(case_id=pl.Series(ids[case]), activity=pl.Series(activity, dtype=pl.String))
    return renamed.sample(fraction=1.0, shuffle=True, seed=seed)


def _log(events: int, seed: int, shape: str) -> pl.DataFrame:
    cases = round(events / EVENTS_PER_ORDER)
    path = CACHE / f"maps_{cases}_orders_seed{seed}.parquet"
    if not path.exists():
        print(f"  simulating {cases:,} orders (seed {seed}), cached as {path.name}")
        CACHE.mkdir(exist_ok=True)
        simulate(cases, seed=seed).log.write_parquet(path)
    if shape == "many-variants":
        source = path.with_name(f"maps_{cases}_orders_seed{seed}_many_variants.parquet")
        if not source.exists():
            many_variants(pl.read_parquet(path), seed=seed).write_parquet(source)
        path = source
    log, seconds, _ = _timed(lambda: validate(pl.read_parquet(path)), runs=1)
    print(
        f"  loaded {log.height:,} events, {log['case_id'].n_unique():,} cases in {seconds:.1f} s (not counted)"
    )
    return log


def _bench(events: int, *, seed: int, runs: int, shape: str) -> None:
    print(f"== about {events:,} events, {shape}")
    log = _log(events, seed, shape)
    ours: dict[str, tuple[Any, float, float]] = {
        "directly_follows": _timed(lambda: directly_follows(log), runs=runs),
        "waiting_times": _timed(lambda: waiting_times(log), runs=runs),
        "variants": _timed(lambda: variants(log), runs=runs),
    }
    print(f"  {len(ours['variants'][0]):,} variants, {len(ours['directly_follows'][0]):,} edges")
    _, shared, shared_cpu = _timed(lambda: (_variants(log), _edges_and_waits(log)), runs=runs)
    pm4py = _pm4py.pm4py()
    frame, seconds, _ = _timed(lambda: _pm4py.to_pm4py(log), runs=1)
    print(f"  to pm4py's pandas format in {seconds:.1f} s (not counted)")

    def quietly(call: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            with _pm4py.quiet():
                return call()

        return run

    theirs: dict[str, tuple[Any, float, float]] = {
        "directly_follows": _timed(quietly(lambda: pm4py.discover_dfg(frame)[0]), runs=1),
        "waiting_times": _timed(quietly(lambda: pm4py.discover_performance_dfg(frame)[0]), runs=1),
        "variants": _timed(quietly(lambda: pm4py.get_variants(frame)), runs=1),
    }
    print(f"  {'':<18} {'o2c':>8} {'pm4py':>8} {'ratio':>8}   {'o2c cpu':>8} {'pm4py cpu':>9} {'ratio':>8}")

    def row(name: str, mine: tuple[float, float], other: tuple[float, float]) -> None:
        print(
            f"  {name:<18} {mine[0]:7.3f}s {other[0]:7.2f}s {other[0] / mine[0]:7.1f}x   "
            f"{mine[1]:7.3f}s {other[1]:8.2f}s {other[1] / mine[1]:7.1f}x"
        )

    for name in ours:
        row(name, ours[name][1:], theirs[name][1:])
    mine = (sum(t[1] for t in ours.values()), sum(t[2] for t in ours.values()))
    other = (sum(t[1] for t in theirs.values()), sum(t[2] for t in theirs.values()))
    row("all three", mine, other)
    row("shared pass", (shared, shared_cpu), other)
    met = "met" if other[0] / mine[0] >= TARGET else "NOT met"
    print(
        f"  target: the three at least {TARGET:.0f}x pm4py's: {met} ({other[0] / mine[0]:.1f}x; "
        f"{other[1] / mine[1]:.1f}x in CPU time, steadier where the machine is shared)"
    )

    edges = ours["directly_follows"][0]
    counts = dict(zip(zip(edges["source"], edges["target"], strict=True), edges["transitions"], strict=True))
    table = ours["variants"][0]
    print(
        f"  edge counts equal to pm4py's: {counts == {k: int(v) for k, v in theirs['directly_follows'][0].items()}}; "
        f"variant counts equal: {dict(zip(table['trace'], table['cases'], strict=True)) == theirs['variants'][0]}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="runs of each o2c function (the median counts)")
    parser.add_argument(
        "--shapes", nargs="+", default=["simulated", "many-variants"], choices=["simulated", "many-variants"]
    )
    args = parser.parse_args(argv)
    for events in args.events:
        for shape in args.shapes:
            _bench(events, seed=args.seed, runs=args.runs, shape=shape)


if __name__ == "__main__":
    main()
