"""``o2c assess``: read a log, assess it against the ideal path, and write the report folder.

Prints one line: what was read, what was found, where the report is. Exit codes as every
``o2c`` command: 0 done, 1 bad input (the message on stderr), 2 usage.
"""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from o2c._assess import assess
from o2c._assess_engine import engine_memory, parquet_source
from o2c._cli_inspect import ROLE_FLAGS, add_log_arguments, load
from o2c._engines import fits_in_memory
from o2c._engines._duckdb import parquet_bytes, scan_log
from o2c._engines._spark import read_parquet
from o2c._write import check_folder
from o2c.conformance import IdealPath, ProcessModel
from o2c.conformance.discover import DISCOVERY_METHODS
from o2c.errors import ArgumentError, is_share
from o2c.io import read_ideal_path, read_process_model
from o2c.io._inflate import MAX_INFLATED_BYTES
from o2c.io._mapping import MAP_SECTION, MAP_SLIDERS, read_mapping_file
from o2c.io._model import MODEL_FORMATS
from o2c.io._xes import MAX_FIELD_BYTES, MAX_NESTING
from o2c.model import ColumnMapping
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
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="where the tables are computed: memory (read_log), duckdb (the Parquet file or folder left "
        "on disk, within --memory-limit), spark (local Spark); auto: duckdb for a Parquet log that does "
        "not fit in memory, else memory (default auto)",
    )
    parser.add_argument(
        "--memory-limit",
        metavar="SIZE",
        help="--engine duckdb: the memory DuckDB may use before it spills to disk, such as 4GB "
        "(default DuckDB's: 80%% of the machine's memory)",
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


#: The choices of ``--engine``.
ENGINES = ("auto", "memory", "duckdb", "spark")

#: Flags that shape how a file is read into memory, with their defaults: an engine reads typed
#: Parquet as it is, so setting one of them with --engine duckdb or spark is refused.
_MEMORY_ONLY = {
    "sheet": None, "case_type": None, "timezone": "UTC", "dayfirst": None, "classifier": None,
    "strict": False, "calendar": None, "max_nesting": MAX_NESTING, "max_field_bytes": MAX_FIELD_BYTES,
    "max_inflated_bytes": MAX_INFLATED_BYTES,
}  # fmt: skip


def _engine(args: argparse.Namespace) -> str:
    """``memory``, ``duckdb`` or ``spark``: ``--engine``, with ``auto`` decided from the log's size
    against the memory available (said on stderr when it picks DuckDB)."""
    if args.engine != "auto":
        if args.engine != "memory":
            _check_engine_flags(args)
        return str(args.engine)
    fits, why = fits_in_memory(args.log)
    if fits:
        return "memory"
    print(
        f"o2c: {why}; assessing it with DuckDB, out of core (--engine memory to read it all the same)",
        file=sys.stderr,
    )
    _check_engine_flags(args)
    return "duckdb"


def _check_engine_flags(args: argparse.Namespace) -> None:
    """Refuse the flags of a log read into memory (``_MEMORY_ONLY``) with an engine."""
    for name, default in _MEMORY_ONLY.items():
        if getattr(args, name, default) != default:
            flag = "--" + name.replace("_", "-")
            raise ArgumentError(
                f"{flag} is for a log read into memory; with the engine it is not used (the engine reads typed "
                "Parquet as it is). Leave it out, or assess with --engine memory.",
                argument=flag,
                value=getattr(args, name),
            )


def _engine_log(
    args: argparse.Namespace, mapping_file: Mapping[str, Any], engine: str
) -> tuple[Any, tuple[list[str], ColumnMapping] | None]:
    """The ``ScannedLog`` (duckdb) or Spark DataFrame (spark) of the ``--engine`` named; for Spark,
    the files it reads and the mapping (its DataFrame holds the renamed columns only)."""
    if parquet_bytes(args.log) is None:
        raise ArgumentError(
            f"--engine {engine} reads Parquet (a file, or a folder of them); {args.log} is not. Assess it in "
            "memory (--engine memory), or write it to Parquet first.",
            argument="--engine",
            value=engine,
        )
    mapping: dict[str, Any] = {k: v for k, v in mapping_file.items() if k != MAP_SECTION}
    mapping.update({role: getattr(args, role) for role in ROLE_FLAGS if getattr(args, role)})
    if engine == "duckdb":
        with engine_memory(args.memory_limit):
            return scan_log(args.log, mapping=mapping or None, memory_limit=args.memory_limit), None
    if args.memory_limit is not None:
        raise ArgumentError(
            "--memory-limit is DuckDB's (--engine duckdb); Spark takes its memory from its own settings.",
            argument="--memory-limit",
            value=args.memory_limit,
        )
    # pyspark warns that it does not yet fully support pandas 3: not the user's concern
    warnings.filterwarnings("ignore", category=UserWarning, module=r"pyspark\.")
    frame, files, used = read_parquet(args.log, mapping=mapping or None)
    return frame, (files, used)


def read_ideal(path: str) -> IdealPath | ProcessModel:
    """An ideal path file (YAML) or a process model (BPMN, PNML), by its suffix."""
    if Path(path).suffix.lower() in MODEL_FORMATS:
        return read_process_model(path)
    return read_ideal_path(path)


def run(args: argparse.Namespace) -> int:
    check_folder(Path(args.out).absolute())  # before minutes of analysis, not after
    mapping_file = read_mapping_file(args.mapping) if args.mapping else {}  # read once, checked now
    sliders = _map_sliders(args, mapping_file)
    engine = _engine(args)
    loaded, spark_file = (
        (load(args, mapping_file), None) if engine == "memory" else _engine_log(args, mapping_file, engine)
    )
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
    if spark_file is not None:  # the Spark DataFrame's file and mapping, for the report and a rerun
        files, used = spark_file
        result = replace(result, source=parquet_source(files, used, result.source.rows, reader="spark"))
    out = Path(args.out)
    write_report(result, out, top=args.top, explorer=result.engine is None, **sliders)
    summary = result.summary
    rejected = result.rejects.select("source_file", "source_row").n_unique()
    working = f"; working time of {result.calendar.name}" if result.calendar else ""
    read = (
        f"read {result.source.rows:,} rows, {rejected:,} rejected ({out / 'rejects.csv'})"
        if result.engine is None
        else f"scanned {result.source.rows:,} events with {result.engine} ({len(result.not_computed)} tables "
        "not computed there: see the report)"
    )
    print(
        f"{read}; {summary['cases']:,} orders, {summary['variants']:,} variants{working}; "
        f"wrote {out / 'report.html'}"
    )
    found = plausibility_warnings(result)
    serious = found[found["severity"] == "serious"]
    for code, message in zip(serious["code"], serious["message"], strict=True):
        print(f"warning: {code}: {message}", file=sys.stderr)
    return 1 if args.fail_on_warning and len(serious) else 0
