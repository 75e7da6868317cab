"""``o2c explore``: read a log, assess it, and write the interactive explorer (one HTML file).

Takes the mapping and ideal-path flags of ``o2c assess``; prints one line. Exit codes as every
``o2c`` command: 0 done, 1 bad input (the message on stderr), 2 usage.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from o2c._assess import assess
from o2c._cli_assess import _share, read_ideal
from o2c._cli_inspect import add_log_arguments, load
from o2c._explore import explore
from o2c.conformance.discover import DISCOVERY_METHODS
from o2c.errors import OutputFolderError
from o2c.io._mapping import MAP_SECTION, MAP_SLIDERS, read_mapping_file

HELP = "write the interactive process explorer of an event log: one HTML file that opens offline"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_log_arguments(parser)
    parser.add_argument(
        "--ideal", metavar="FILE", help="the ideal path (YAML) or a BPMN/PNML model, as for assess"
    )
    parser.add_argument(
        "--discover",
        default="most_frequent_variant",
        choices=DISCOVERY_METHODS,
        help="how to find an ideal path when --ideal is not given (default most_frequent_variant)",
    )
    parser.add_argument(
        "--out", default="explorer.html", metavar="FILE", help="the page to write (default explorer.html)"
    )
    for slider, what in zip(MAP_SLIDERS, ("events", "transitions"), strict=True):
        parser.add_argument(
            f"--map-{slider}",
            type=_share,
            metavar="SHARE",
            help=f"where the {slider} slider starts: a share of {what}, 0 to 1 (default 0.8, or the "
            "mapping file's map section)",
        )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.is_dir() or not out.absolute().parent.is_dir():
        raise OutputFolderError(
            f"o2c explore writes one file; {str(out)!r} is a folder or its folder does not exist. "
            "Give a file name such as --out explorer.html.",
            path=out,
        )
    mapping_file = read_mapping_file(args.mapping) if args.mapping else {}
    sliders = dict(mapping_file.get(MAP_SECTION, {}))
    sliders.update(
        {s: getattr(args, f"map_{s}") for s in MAP_SLIDERS if getattr(args, f"map_{s}") is not None}
    )
    loaded = load(args, mapping_file)
    ideal = read_ideal(args.ideal) if args.ideal else None
    result = assess(loaded, ideal=ideal, discover=args.discover, progress=False if args.no_progress else None)
    explorer = explore(result, **sliders)
    explorer.save(out)
    summary = result.summary
    print(
        f"read {loaded.source.rows:,} rows; {summary['cases']:,} orders, {summary['variants']:,} variants; "
        f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)"
    )
    return 0
