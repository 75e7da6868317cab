"""``o2c assess``: read a log, assess it against the ideal path, and write the report folder.

Prints one line: what was read, what was found, where the report is. Exit codes as every
``o2c`` command: 0 done, 1 bad input (the message on stderr), 2 usage.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from o2c._assess import assess
from o2c._cli_inspect import add_log_arguments, load
from o2c._write import check_folder
from o2c.conformance import IdealPath, ProcessModel
from o2c.conformance.discover import DISCOVERY_METHODS
from o2c.errors import is_share
from o2c.io import read_ideal_path, read_process_model
from o2c.io._mapping import MAP_SECTION, MAP_SLIDERS, read_mapping_file
from o2c.io._model import MODEL_FORMATS
from o2c.plausibility import plausibility_warnings
from o2c.report import write_report

HELP = "assess an event log against the ideal path and write the report (HTML, findings.json, maps, tables)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_log_arguments(parser)
    parser.add_argument(
        "--ideal",
        metavar="FILE",
        help="the ideal path: a YAML file (steps, optional steps, target hours, milestones) or a BPMN/PNML "
        "model; without it the log's most frequent variant is used, and the report says so",
    )
    parser.add_argument(
        "--out", default="out", metavar="DIR", help="folder to write the report into (default out)"
    )
    parser.add_argument(
        "--discover",
        default="most_frequent_variant",
        choices=DISCOVERY_METHODS,
        help="how to find an ideal path when --ideal is not given (default most_frequent_variant)",
    )
    parser.add_argument(
        "--time-budget",
        type=float,
        metavar="SECONDS",
        help="the most time aligning orders to a process model (--discover inductive_miner, a BPMN "
        "or PNML model) may take; variants most frequent first, the report says how many orders "
        "were aligned (default no budget)",
    )
    parser.add_argument(
        "--top", type=int, default=10, metavar="N", help="bottlenecks and variants listed (default 10)"
    )
    parser.add_argument(
        "--annual-rate",
        type=float,
        default=0.08,
        metavar="RATE",
        help="cost of capital for the financing cost (0.08)",
    )
    parser.add_argument(
        "--min-cases",
        type=int,
        default=30,
        metavar="N",
        help="fewest orders for an attribute value to be a driver (30)",
    )
    for slider, what in zip(MAP_SLIDERS, ("events", "transitions"), strict=True):
        parser.add_argument(
            f"--map-{slider}",
            type=_share,
            metavar="SHARE",
            help=f"the maps keep the most frequent {slider} up to this share of {what}, 0 to 1 "
            f"(default 0.8, or '{slider}' in the mapping file's map section)",
        )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--fail-on-warning",
        action="store_true",
        help="exit 1 when the plausibility gate finds a serious warning (the report is written all the same)",
    )


def _share(text: str) -> float:
    """A share from 0 to 1, as ``--map-activities`` and ``--map-paths`` take it."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not is_share(value):
        raise argparse.ArgumentTypeError(f"must be a share from 0 to 1 (0.9 keeps 90%); got {text!r}")
    return value


def _map_sliders(args: argparse.Namespace, mapping_file: Mapping[str, Any]) -> dict[str, float]:
    """``write_report``'s map sliders: the mapping file's map section, the command line over it."""
    sliders = dict(mapping_file.get(MAP_SECTION, {}))
    given = {slider: getattr(args, f"map_{slider}") for slider in MAP_SLIDERS}
    sliders.update({slider: value for slider, value in given.items() if value is not None})
    return {f"map_{slider}": value for slider, value in sliders.items()}


def read_ideal(path: str) -> IdealPath | ProcessModel:
    """An ideal path file (YAML) or a process model (BPMN, PNML), by its suffix."""
    if Path(path).suffix.lower() in MODEL_FORMATS:
        return read_process_model(path)
    return read_ideal_path(path)


def run(args: argparse.Namespace) -> int:
    check_folder(Path(args.out).absolute())  # before minutes of analysis, not after
    mapping_file = read_mapping_file(args.mapping) if args.mapping else {}  # read once, checked now
    sliders = _map_sliders(args, mapping_file)
    loaded = load(args, mapping_file)
    ideal = read_ideal(args.ideal) if args.ideal else None
    progress = False if args.no_progress else None
    result = assess(
        loaded,
        ideal=ideal,
        discover=args.discover,
        annual_rate=args.annual_rate,
        min_cases=args.min_cases,
        progress=progress,
        time_budget=args.time_budget,
    )
    out = Path(args.out)
    write_report(result, out, top=args.top, explorer=True, **sliders)
    summary = result.summary
    rejected = loaded.rejects.select("source_file", "source_row").n_unique()
    working = f"; working time of {result.calendar.name}" if result.calendar else ""
    print(
        f"read {loaded.source.rows:,} rows, {rejected:,} rejected ({out / 'rejects.csv'}); "
        f"{summary['cases']:,} orders, {summary['variants']:,} variants{working}; wrote {out / 'report.html'}"
    )
    found = plausibility_warnings(result)
    serious = found[found["severity"] == "serious"]
    for code, message in zip(serious["code"], serious["message"], strict=True):
        print(f"warning: {code}: {message}", file=sys.stderr)
    return 1 if args.fail_on_warning and len(serious) else 0
