"""Time rework on a simulated log of about a million events, beside pm4py's rework count.

Run: ``.venv/bin/python bench/bench_rework.py [--cases 104000] [--seed 1]``. Prints the size of
the log, the seconds each o2c rework function takes on the sorted polars log, and the seconds
pm4py's ``get_rework_cases_per_activity`` takes on the same events in pm4py's pandas format
(conversion timed separately); each the best of three runs, as the machine may be shared.
Whether the two repeat counts agree is printed, not asserted: the tests check that.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from o2c import _pm4py
from o2c._rework import first_time_right, ping_pongs, rekeyed_data, rework, rework_cost, self_loops
from o2c._simulate import simulate


def _timed(label: str, call: Callable[[], Any], *, runs: int = 3) -> Any:
    """Run ``call`` ``runs`` times, print the best time in seconds under ``label``, return its result."""
    best = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - began)
    print(f"  {label:<42} {best:7.2f} s")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases", type=int, default=104_000, help="orders to simulate (about 9.6 events each)"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    print(f"simulating {args.cases:,} orders (seed {args.seed})")
    log = _timed("o2c.simulate", lambda: simulate(args.cases, seed=args.seed).log, runs=1)
    print(
        f"  {log.height:,} events, {log['case_id'].n_unique():,} cases, {log['activity'].n_unique()} activities"
    )

    print("o2c (sorted polars log)")
    table = _timed("rework", lambda: rework(log))
    _timed("self_loops", lambda: self_loops(log))
    _timed("ping_pongs", lambda: ping_pongs(log))
    _timed("first_time_right", lambda: first_time_right(log))
    _timed("first_time_right(by='region')", lambda: first_time_right(log, by="region"))
    _timed("rework_cost", lambda: rework_cost(log))
    _timed("rekeyed_data", lambda: rekeyed_data(log))

    print("pm4py")
    pm4py = _pm4py.pm4py()
    frame = _timed("to pm4py's pandas format (not counted)", lambda: _pm4py.to_pm4py(log))

    def pm4py_rework() -> dict[str, int]:
        with _pm4py.quiet():
            return dict(pm4py.get_rework_cases_per_activity(frame))

    counted = _timed("get_rework_cases_per_activity", pm4py_rework)

    repeats = table[table["kind"] == "repeat"]
    ours = dict(zip(repeats["activity"], repeats["cases_affected"], strict=True))
    same = ours == {str(k): int(v) for k, v in counted.items()}
    print(f"repeat cases per activity equal to pm4py's: {same} ({len(ours)} activities)")
    print(table.head(8).to_string(index=False))


if __name__ == "__main__":
    main()
