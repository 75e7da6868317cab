"""``o2c inspect``: read a log and print the mapping, rows, rejects, summary and data quality."""

from __future__ import annotations

import argparse
import json
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from o2c.errors import RejectedRowsWarning
from o2c.io import LoadedLog, read_log
from o2c.io._inflate import MAX_INFLATED_BYTES
from o2c.io._mapping import read_mapping_file, saved_mapping
from o2c.io._sap import reconciliation_text
from o2c.io._xes import MAX_FIELD_BYTES, MAX_NESTING
from o2c.quality import data_quality, log_summary

HELP = "read an event log and print its mapping, rows, rejects and data-quality findings"

ROLE_FLAGS = ("case_id", "activity", "timestamp", "start_timestamp", "resource", "lifecycle", "value")


def add_log_arguments(parser: argparse.ArgumentParser) -> None:
    """The log file and the flags that say how to read it (shared with ``o2c assess``)."""
    parser.add_argument("log", help="the event log: CSV/TSV, Excel, XES(.gz) or Parquet file")
    for role in ROLE_FLAGS:
        parser.add_argument(
            f"--{role.replace('_', '-')}", dest=role, metavar="COL", help=f"column of the {role}"
        )
    parser.add_argument(
        "--mapping", metavar="FILE", help="YAML file with role: column (and timezone, dayfirst)"
    )
    parser.add_argument("--sheet", metavar="NAME", help="Excel sheet to read")
    parser.add_argument(
        "--case-type",
        metavar="TYPE",
        help="object-centric logs (OCEL): the object type whose objects are the cases "
        "(default: the one named like order, sales order, SO)",
    )
    parser.add_argument(
        "--timezone", default="UTC", metavar="TZ", help="zone of naive timestamps (default UTC)"
    )
    order = parser.add_mutually_exclusive_group()
    order.add_argument(
        "--dayfirst", dest="dayfirst", action="store_true", default=None, help="dates are day-first"
    )
    order.add_argument("--monthfirst", dest="dayfirst", action="store_false", help="dates are month-first")
    parser.add_argument(
        "--classifier",
        metavar="NAME",
        help="how events are named: auto (default: activity+lifecycle when the lifecycle column holds "
        "statuses, else activity), activity, activity+lifecycle, or a classifier the XES file declares",
    )
    parser.add_argument("--strict", action="store_true", help="stop at the first rejected row")
    parser.add_argument(
        "--calendar",
        metavar="FILE",
        help="working calendar (YAML: timezone, working_hours, holidays): waits and lead times in working time",
    )
    parser.add_argument(
        "--max-nesting",
        type=int,
        default=MAX_NESTING,
        help=f"XES: the deepest nesting of attribute lists that is read (default {MAX_NESTING})",
    )
    parser.add_argument(
        "--max-field-bytes",
        type=int,
        default=MAX_FIELD_BYTES,
        help=f"XES: the longest attribute value in bytes that is read (default {MAX_FIELD_BYTES:,})",
    )
    parser.add_argument(
        "--max-inflated-bytes",
        type=int,
        default=MAX_INFLATED_BYTES,
        help=f"the most bytes a .csv.gz or zipped table may inflate to (default {MAX_INFLATED_BYTES:,})",
    )


def load(args: argparse.Namespace, mapping_file: Mapping[str, Any] | None = None) -> LoadedLog:
    """Read the log named by the arguments of ``add_log_arguments``; ``mapping_file``: the
    ``--mapping`` file when the caller has read it already.

    An SAP document-flow table (VBFA) read without a mapping becomes one case per sales order
    (``read_log`` recognises it).
    """
    mapping: dict[str, Any] = {}
    if args.mapping:
        mapping.update(read_mapping_file(args.mapping) if mapping_file is None else mapping_file)
    mapping.update({role: getattr(args, role) for role in ROLE_FLAGS if getattr(args, role)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RejectedRowsWarning)  # the command prints the rejects itself
        return read_log(
            args.log,
            mapping=mapping or None,
            timezone=args.timezone,
            strict=args.strict,
            sheet=args.sheet,
            dayfirst=args.dayfirst,
            max_inflated_bytes=args.max_inflated_bytes,
            classifier=args.classifier,
            max_nesting=args.max_nesting,
            max_field_bytes=args.max_field_bytes,
            case_type=getattr(args, "case_type", None),
            calendar=getattr(args, "calendar", None),
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_log_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    parser.add_argument(
        "--save-mapping", metavar="FILE", help="write the mapping used as YAML, for an identical rerun"
    )


def inspection(loaded: LoadedLog) -> dict[str, Any]:
    """What ``o2c inspect`` prints, as plain data."""
    source = loaded.source
    reasons = loaded.rejects.group_by("reason").len().sort("reason")
    quality = data_quality(loaded)
    return {
        "input": {
            "path": source.path,
            "sha256": source.sha256,
            "format": source.format,
            "reader": source.reader,
            "encoding": source.encoding,
            "delimiter": source.delimiter,
            "sheet": source.sheet,
            "rows": source.rows,
            "rejected": loaded.rejects.select("source_file", "source_row").n_unique(),
        },
        "mapping": saved_mapping(source.mapping, source.notes),
        "classifiers": dict(source.notes.get("classifiers", {})),
        "rejects": {reason: n for reason, n in reasons.iter_rows()},
        "log": log_summary(loaded.log),
        "data_quality": quality.to_dict(orient="records"),
        "objects": dict(source.notes.get("flatten", {})),
        **(
            {"calendar": loaded.calendar.to_dict() | {"text": loaded.calendar.describe()}}
            if loaded.calendar
            else {}
        ),
    }


def run(args: argparse.Namespace) -> int:
    loaded = load(args)
    found = inspection(loaded)
    if args.save_mapping:
        Path(args.save_mapping).write_text(
            yaml.safe_dump(found["mapping"], sort_keys=False, allow_unicode=True), encoding="utf-8"
        )
    if args.json:
        print(json.dumps(found, indent=2, ensure_ascii=False, default=str))
        return 0
    print(_text(found))
    if loaded.source.format == "sap_vbfa":  # an SAP VBFA table: show how its documents reconcile
        print(reconciliation_text(loaded))
    return 0


def _events(n: int) -> str:
    return f"{n:,} event" + ("" if n == 1 else "s")


def _text(found: dict[str, Any]) -> str:
    source, log = found["input"], found["log"]
    how = ", ".join(
        str(part)
        for part in (
            source["format"],
            source["reader"],
            source["encoding"],
            f"delimiter {source['delimiter']!r}" if source["delimiter"] else None,
            f"sheet {source['sheet']!r}" if source["sheet"] else None,
        )
        if part
    )
    lines = [
        f"file      {source['path']} ({how})",
        f"sha256    {source['sha256']}" if source["sha256"] else "",
        "mapping   " + ", ".join(f"{k}={v!r}" for k, v in found["mapping"].items() if v is not None),
        f"rows      {source['rows']:,} read, {source['rejected']:,} rejected",
    ]
    objects = found.get("objects")
    if objects:
        lines.append(
            f"objects   cases are the {objects['case_type']!r} objects ({objects['case_type_chosen']}; "
            f"--case-type TYPE), with the events of their {', '.join(objects['through']) or 'own only'}; "
            f"{_events(objects['events_shared'])} shared by several, {_events(objects['events_unlinked'])} in none"
        )
    if found["classifiers"]:
        offered = "; ".join(f"{name!r} ({' '.join(keys)})" for name, keys in found["classifiers"].items())
        lines.append(f"offered   classifiers the file declares (--classifier NAME): {offered}")
    lines += [f"            {reason:<28}{n:>8,}" for reason, n in found["rejects"].items()]
    lines += [
        f"log       {log['events']:,} events, {log['cases']:,} cases, {log['activities']:,} activities, {log['variants']:,} variants",
        f"time      {log['first_event']} .. {log['last_event']}"
        if log["events"]
        else "time      (no events)",
        *([f"calendar  {found['calendar']['text']}"] if "calendar" in found else []),
        "data quality",
    ]
    width = max(len(q["check"]) for q in found["data_quality"])
    for q in found["data_quality"]:
        if q["check"] == "time_range":
            continue
        example = f"  e.g. {q['example']!r}" if q["example"] else ""
        lines.append(
            f"  {q['check']:<{width}} {q['count']:>9,} of {q['of']:<9,} {q['share']:>6.1%}  {q['detail']}{example}"
        )
    return "\n".join(line for line in lines if line)
