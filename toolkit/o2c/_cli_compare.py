"""``o2c compare``: read a log, compare two periods or segments of its orders, write the comparison folder.

Prints one line: the sides, their orders, the changes found and where the folder is. Exit codes
as every ``o2c`` command: 0 done, 1 bad input (the message on stderr), 2 usage.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from o2c._cli_assess import read_ideal
from o2c._cli_inspect import add_log_arguments, load
from o2c._compare import PERIODS, _compare
from o2c._write import check_folder
from o2c.errors import ArgumentError
from o2c.log import validate
from o2c.report._compare import write_comparison

HELP = "compare two periods or segments of an event log's orders, with significance, and write the comparison"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_log_arguments(parser)
    sides = parser.add_mutually_exclusive_group(required=True)
    sides.add_argument("--by", choices=PERIODS, help="the latest month or quarter against the one before")
    sides.add_argument("--before", metavar="DATE", help="orders started before DATE against those since")
    sides.add_argument(
        "--segment",
        action="append",
        metavar="ATTRIBUTE=VALUE",
        help="orders with this attribute value against the rest; given twice (region=APAC --segment "
        "region=EMEA), the first value against the second",
    )
    parser.add_argument("--ideal", metavar="FILE", help="the ideal path (YAML) or a BPMN/PNML model")
    parser.add_argument(
        "--out", default="compare", metavar="DIR", help="folder to write into (default compare)"
    )
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (default 1000)")
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    parser.add_argument(
        "--top", type=int, default=10, metavar="N", help="rows of each table shown (default 10)"
    )


def _by(args: argparse.Namespace) -> Any:
    if args.by:
        return args.by
    if args.before:
        return args.before
    pairs = []
    for text in args.segment:
        attribute, equals, value = text.partition("=")
        if not equals or not attribute or not value:
            raise ArgumentError(
                f"--segment takes ATTRIBUTE=VALUE, such as region=APAC; got {text!r}.",
                function="o2c compare",
                argument="--segment",
                value=text,
                allowed="ATTRIBUTE=VALUE",
            )
        pairs.append((attribute.strip(), value.strip()))
    attributes = {attribute for attribute, _ in pairs}
    if len(pairs) > 2 or len(attributes) != 1:
        raise ArgumentError(
            f"--segment is given once (a value against the rest) or twice with the same attribute (one value "
            f"against the other); got {args.segment!r}.",
            function="o2c compare",
            argument="--segment",
            value=args.segment,
            allowed="one or two ATTRIBUTE=VALUE of one attribute",
        )
    attribute = pairs[0][0]
    return {attribute: pairs[0][1]} if len(pairs) == 1 else {attribute: (pairs[0][1], pairs[1][1])}


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    check_folder(out.absolute())
    by = _by(args)
    loaded = load(args)
    ideal = read_ideal(args.ideal) if args.ideal else None
    result = _compare(
        validate(loaded.log),
        by=by,
        ideal=ideal,
        seed=args.seed,
        resamples=args.resamples,
        alpha=args.alpha,
        calendar=loaded.calendar,  # --calendar: the waits in working time
    )
    write_comparison(result, out, top=args.top)
    changes = int(result.edges["changed"].sum())
    working = f" (working time of {result.calendar.name})" if result.calendar else ""
    shares = int(result.edges["share_changed"].sum())
    print(
        f"{result.a}: {result.orders_a:,} orders; {result.b}: {result.orders_b:,} orders; "
        f"{changes:,} edges changed their median wait{working}, {shares:,} their share of orders; "
        f"wrote {out / 'compare.html'}"
    )
    return 0
