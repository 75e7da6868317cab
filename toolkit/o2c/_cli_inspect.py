"""``o2c inspect``: read a log and print what was found (filled in by the import work)."""

from __future__ import annotations

import argparse

HELP = "read an event log and print its mapping, rows, rejects and data-quality findings"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("log", help="the event log file")


def run(args: argparse.Namespace) -> int:
    raise NotImplementedError
