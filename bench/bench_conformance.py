"""Time o2c.align beside pm4py's alignments on bpic2012, helpdesk and the BPIC2019 sample.

Run: ``.venv/bin/python bench/bench_conformance.py [--logs DIR] [--pm4py-runs 1]``. For each log
the ideal path is its most frequent variant (``o2c.discover_ideal_path``); o2c aligns every
variant with the exact sequence alignment (best of three runs, as the machine may be shared),
pm4py aligns the same events to the Petri net it makes of that path
(``pm4py.conformance_diagnostics_alignments``, then its own ``replay_fitness`` evaluation, as
``pm4py.fitness_alignments`` does). Reading the file and converting the log to pm4py's format
are timed apart and not counted. Prints both times, their ratio, and whether the log fitness
and every case's cost agree (printed, not asserted: the tests check that).

Then bpic2012 against the Petri net pm4py's inductive miner discovers from it (noise 0.2, as
``o2c assess --discover inductive_miner``): ``o2c.align`` aligns every variant (on the net's
reachability graph), timed on a fresh net each run; pm4py's A* (its default, state equation)
aligns a seeded sample of the variants (``--pm4py-variants``, 30 s limit each), as aligning all
of them takes it tens of minutes. Prints o2c's seconds and CPU seconds, pm4py's per variant,
the load average beside each, and whether the sample's costs are equal.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import o2c
from o2c import _pm4py

LOGS = ("bpic2012.xes.gz", "helpdesk.xes.gz", "16_bpic2019_1t_per_variant.xes.gz")
DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "real_logs"


def _timed(label: str, call: Callable[[], Any], *, runs: int = 3) -> tuple[Any, float]:
    """Run ``call`` ``runs`` times; print and return the best time in seconds with the result."""
    best, result = float("inf"), None
    for _ in range(runs):
        began = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - began)
    print(f"  {label:<46} {best:8.2f} s")
    return result, best


def _bench(path: Path, *, pm4py_runs: int) -> None:
    print(f"== {path.name}")
    loaded, _ = _timed("o2c.read_log (not counted)", lambda: o2c.read_log(path), runs=1)
    log = loaded.log
    ideal = o2c.discover_ideal_path(log)
    assert isinstance(ideal, o2c.IdealPath)
    print(
        f"  {log.height:,} events, {log['case_id'].n_unique():,} cases; ideal path: {ideal.name}, "
        f"{len(ideal.steps)} steps"
    )
    ours, ours_seconds = _timed("o2c.align (exact sequence alignment)", lambda: o2c.align(log, ideal))
    print(f"  {ours['variant_id'].nunique():,} variants aligned")
    summary, _ = _timed("o2c.conformance_summary", lambda: o2c.conformance_summary(ours))

    pm4py = _pm4py.pm4py()
    from pm4py.algo.evaluation.replay_fitness.variants import alignment_based

    net = _pm4py.sequence_net(ideal.steps, ideal.optional)
    frame, _ = _timed("to pm4py's event log (not counted)", lambda: _event_log(pm4py, log), runs=1)

    def pm4py_align() -> tuple[list[dict[str, Any]], dict[str, float]]:
        with _pm4py.quiet():
            aligned = pm4py.conformance_diagnostics_alignments(frame, *net)
        return aligned, alignment_based.evaluate(aligned)

    (aligned, fitness), pm4py_seconds = _timed("pm4py alignments + fitness", pm4py_align, runs=pm4py_runs)
    print(f"  ratio pm4py / o2c: {pm4py_seconds / ours_seconds:,.0f}x")

    theirs = {t.attributes["concept:name"]: a["cost"] for t, a in zip(frame, aligned, strict=True)}
    same_costs = all(int(c) == theirs[k] for k, c in zip(ours["case_id"], ours["cost"], strict=True))
    print(
        f"  log fitness o2c {summary.log_fitness:.12f}, pm4py {fitness['log_fitness']:.12f}, "
        f"equal: {summary.log_fitness == fitness['log_fitness']}; every case's cost equal: {same_costs}"
    )


def _bench_inductive(path: Path, *, pm4py_variants: int) -> None:
    import os

    import numpy as np

    from o2c.conformance.alignments import _log_variants

    print(f"== {path.name} against its inductive-miner net (noise 0.2)")
    log = o2c.read_log(path).log
    traces = _log_variants(log).traces
    best = (float("inf"), 0.0)
    for _ in range(2):  # a fresh net each run: nothing remembered from the run before
        model = o2c.discover_ideal_path(log, method="inductive_miner", noise_threshold=0.2)
        assert isinstance(model, o2c.ProcessModel)
        began, cpu = time.perf_counter(), time.process_time()
        ours = o2c.align(log, model, progress=False)
        best = min(best, (time.perf_counter() - began, time.process_time() - cpu))
        print(
            f"  o2c.align, {len(traces):,} variants: {best[0]:.1f} s ({best[1]:.1f} s CPU), load {os.getloadavg()[0]:.1f}"
        )
    print(f"  every order aligned: {bool(ours['resolved'].all())} ({len(ours):,} orders)")
    assert isinstance(model, o2c.ProcessModel)
    net = (model.net, model.initial_marking, model.final_marking)
    sample = np.random.default_rng(7).choice(
        len(traces), size=min(pm4py_variants, len(traces)), replace=False
    )
    costs = ours.drop_duplicates("variant_id").set_index("variant_id")["cost"]
    began, cpu = time.perf_counter(), time.process_time()
    theirs = [_pm4py._align_with_pm4py(tuple(traces[k]), *net, 30.0) for k in sample]
    seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu
    print(
        f"  pm4py A*, {len(sample)} variants drawn: {seconds:.1f} s ({cpu_seconds:.1f} s CPU), "
        f"{seconds / len(sample):.2f} s per variant, load {os.getloadavg()[0]:.1f}; "
        f"gave up on {sum(t is None for t in theirs)}"
    )
    same = all(t is None or t["cost"] == costs[k + 1] for k, t in zip(sample, theirs, strict=True))
    print(f"  costs equal on the variants pm4py finished: {same}")


def _event_log(pm4py: Any, log: Any) -> Any:
    with _pm4py.quiet():
        return pm4py.convert_to_event_log(_pm4py.to_pm4py(log))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", type=Path, default=DEFAULT_FOLDER, help="folder of the real logs")
    parser.add_argument("--pm4py-runs", type=int, default=1, help="runs of pm4py (best is kept)")
    parser.add_argument(
        "--pm4py-variants", type=int, default=40, help="bpic2012 variants pm4py aligns to the inductive net"
    )
    args, _ = parser.parse_known_args(argv)  # bench/run.sh passes every script the same arguments
    for name in LOGS:
        path = args.logs / name
        if not path.exists():
            print(f"== {name}: not found in {args.logs}, skipped")
            continue
        _bench(path, pm4py_runs=args.pm4py_runs)
    if (args.logs / "bpic2012.xes.gz").exists():
        _bench_inductive(args.logs / "bpic2012.xes.gz", pm4py_variants=args.pm4py_variants)


if __name__ == "__main__":
    main()
