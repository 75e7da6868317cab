"""How long the simulator takes to generate about a million events (and their truth).

Run: ``.venv/bin/python bench/bench_simulate.py [events]``. Prints one line per step; no asserts.
"""

from __future__ import annotations

import sys
import time

from o2c._simulate import simulate


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    target = int(args[0]) if args else 1_000_000
    probe = simulate(2_000, seed=1)
    per_case = probe.truth["events"] / probe.truth["cases"]
    cases = round(target / per_case)
    began = time.perf_counter()
    sim = simulate(cases, seed=1)
    seconds = time.perf_counter() - began
    events = sim.log.height
    print(
        f"simulate({cases:,}): {events:,} events, {sim.truth['variants']:,} variants in {seconds:.2f} s "
        f"({events / seconds / 1e6:.2f} M events/s, log and truth)"
    )


if __name__ == "__main__":
    main()
