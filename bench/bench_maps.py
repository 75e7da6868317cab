"""Time directly_follows, waiting_times and variants beside pm4py on simulated 1M- and 10M-event logs.

Run: ``.venv/bin/python bench/bench_maps.py [--events 1000000 10000000] [--seed 1] [--runs 3]``.
Each log is simulated once with ``o2c.simulate`` (about 9.6 events per order) and cached as
Parquet under ``bench/.cache/``; loading it is not counted. o2c's functions run on the loaded,
sorted polars log (best of ``--runs``, as the machine may be shared); pm4py's
``discover_dfg``, ``discover_performance_dfg`` and ``get_variants`` run once on the same events in
pm4py's pandas format (the conversion is timed apart and not counted). Prints the seconds of
each, their ratio, and whether the edge and variant counts agree (printed, not asserted: the
tests check that on real logs).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from o2c import _pm4py
from o2c._simulate import simulate
from o2c.discovery import directly_follows, variants
from o2c.log import validate
from o2c.performance import waiting_times

CACHE = Path(__file__).resolve().parent / ".cache"
EVENTS_PER_ORDER = 9.62  # measured on simulate(104_000, seed=1): 1,000,794 events


def _timed(call: Callable[[], Any], *, runs: int) -> tuple[Any, float]:
    """The result of ``call`` and its best time in seconds over ``runs`` runs."""
    best, result = float("inf"), None
    for _ in range(runs):
        began = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - began)
    return result, best


def _log(events: int, seed: int) -> pl.DataFrame:
    cases = round(events / EVENTS_PER_ORDER)
    path = CACHE / f"maps_{cases}_orders_seed{seed}.parquet"
    if not path.exists():
        print(f"  simulating {cases:,} orders (seed {seed}), cached as {path.name}")
        CACHE.mkdir(exist_ok=True)
        simulate(cases, seed=seed).log.write_parquet(path)
    log, seconds = _timed(lambda: validate(pl.read_parquet(path)), runs=1)
    print(
        f"  loaded {log.height:,} events, {log['case_id'].n_unique():,} cases in {seconds:.1f} s (not counted)"
    )
    return log


def _bench(events: int, *, seed: int, runs: int) -> None:
    print(f"== about {events:,} events")
    log = _log(events, seed)
    ours: dict[str, tuple[Any, float]] = {
        "directly_follows": _timed(lambda: directly_follows(log), runs=runs),
        "waiting_times": _timed(lambda: waiting_times(log), runs=runs),
        "variants": _timed(lambda: variants(log), runs=runs),
    }
    pm4py = _pm4py.pm4py()
    frame, seconds = _timed(lambda: _pm4py.to_pm4py(log), runs=1)
    print(f"  to pm4py's pandas format in {seconds:.1f} s (not counted)")

    def quietly(call: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            with _pm4py.quiet():
                return call()

        return run

    theirs: dict[str, tuple[Any, float]] = {
        "directly_follows": _timed(quietly(lambda: pm4py.discover_dfg(frame)[0]), runs=1),
        "waiting_times": _timed(quietly(lambda: pm4py.discover_performance_dfg(frame)[0]), runs=1),
        "variants": _timed(quietly(lambda: pm4py.get_variants(frame)), runs=1),
    }
    print(f"  {'':<18} {'o2c':>8} {'pm4py':>8} {'ratio':>8}")
    for name in ours:
        mine, other = ours[name][1], theirs[name][1]
        print(f"  {name:<18} {mine:7.2f}s {other:7.2f}s {other / mine:7.1f}x")
    mine, other = sum(t for _, t in ours.values()), sum(t for _, t in theirs.values())
    print(f"  {'all three':<18} {mine:7.2f}s {other:7.2f}s {other / mine:7.1f}x")

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
    parser.add_argument("--runs", type=int, default=3, help="runs of each o2c function (best counts)")
    args = parser.parse_args(argv)
    for events in args.events:
        _bench(events, seed=args.seed, runs=args.runs)


if __name__ == "__main__":
    main()
