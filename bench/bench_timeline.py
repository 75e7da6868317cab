"""Time every order's timeline (``o2c.timeline._timelines``) on BPIC 2012 and a simulated log.

Run: ``.venv/bin/python bench/bench_timeline.py [--cases 100000] [--seed 1]``. Prints the size
of each log, the seconds ``_timelines`` takes for all orders (aligned once per variant and
joined back; the ideal path discovered as ``assess`` does, or the sample's ideal path), and one
order's ``case_timeline``; each the best of three runs, as the machine may be shared.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from o2c import activity_instances, case_timeline, read_ideal_path, read_log, simulate
from o2c.timeline import _timelines

ROOT = Path(__file__).resolve().parents[1]
BPIC2012 = ROOT.parent / "shared" / "real_logs" / "bpic2012.xes.gz"


def _timed(label: str, call: Callable[[], Any], *, runs: int = 3) -> Any:
    """Run ``call`` ``runs`` times, print the best time in seconds under ``label``, return its result."""
    best = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - began)
    print(f"  {label:<48} {best:7.2f} s")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="orders to simulate")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    if BPIC2012.exists():
        log = read_log(BPIC2012).log
        folded = activity_instances(log)
        for name, events in (("BPIC 2012, every event", log), ("BPIC 2012, activity instances", folded)):
            cases = events["case_id"].n_unique()
            print(f"{name}: {events.height:,} events, {cases:,} orders")
            rows = _timed(
                "_timelines (ideal path discovered)", lambda events=events: _timelines(events, ideal=None)
            )
            print(f"    {rows.height:,} rows")
        some = log["case_id"][log.height // 2]
        _timed(f"case_timeline(log, {some!r})", lambda: case_timeline(log, some))
    else:
        print(f"BPIC 2012 not found at {BPIC2012}; skipped")

    ideal = read_ideal_path(ROOT / "sample_logs" / "ideal_path.yaml")
    simulated = simulate(args.cases, seed=args.seed).log
    print(f"simulated: {simulated.height:,} events, {args.cases:,} orders")
    rows = _timed("_timelines (the sample's ideal path)", lambda: _timelines(simulated, ideal=ideal))
    print(f"    {rows.height:,} rows")


if __name__ == "__main__":
    main()
