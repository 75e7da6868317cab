"""``assess`` of a log on an engine: a ``ScannedLog`` (``o2c.scan_log``, DuckDB) or a Spark DataFrame.

The tables the engines compute (``o2c._engines``) come from the same public verbs as in memory,
each equal to its in-memory twin on the same data: the summary, the variants, the maps' edges,
waits and bottlenecks, activity durations, lead times, rework and its cost, first time right,
re-keyed data, the milestones, the alignments (variants aligned here, orders joined back on the
engine), the cost of divergence, flow efficiency and the lead-time split, the KPIs of each order's
milestone times and value (``o2c._kpis._table.engine_kpis``; each KPI it leaves out says why in
its definition) and the stuck orders. The engine's view holds the case, activity, times and order
value only, so what reads other columns or every event in memory is not computed there:
``NOT_ON_ENGINE`` names each such table with the reason, the assessment carries them in
``not_computed``, and the report says so beside each.

Examples
--------
>>> import tempfile, pathlib
>>> from o2c import example_log, scan_log
>>> path = pathlib.Path(tempfile.mkdtemp()) / "log.parquet"
>>> example_log().write_parquet(path)
>>> tables = engine_tables(scan_log(path), ideal=None, discover="most_frequent_variant",
...                        annual_rate=0.08, closed_only=True, time_budget=None)
>>> tables["summary"]["cases"], tables["ideal_discovered"], sorted(tables["not_computed"])[:2]
(3, True, ['actions', 'approvals'])
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from o2c import _engines
from o2c._kpis._milestones import _table as milestones_table
from o2c._kpis._orders import engine_orders
from o2c._kpis._stuck import engine_stuck_orders
from o2c._kpis._table import engine_kpis
from o2c._rework import first_time_right, rekeyed_data, rework, rework_cost
from o2c.conformance import IdealPath, ProcessModel, conformance_summary
from o2c.conformance.alignments import align
from o2c.conformance.cost import cost_of_divergence, flow_efficiency, lead_time_split
from o2c.conformance.discover import discover_ideal_path
from o2c.discovery import directly_follows, end_activities, start_activities, variants
from o2c.errors import ToolkitError
from o2c.log import ROLES
from o2c.model import ColumnMapping, SourceInfo
from o2c.performance import activity_durations, bottlenecks, lead_times, waiting_times
from o2c.quality import engine_summary

#: What the engine's view does not carry (case, activity, times and order value only).
_ATTRIBUTES = "the case attributes (region, customer, resource ...), which the engine's view does not carry"

#: The tables of an assessment not computed on an engine, each with the reason.
NOT_ON_ENGINE = {
    "data_quality": "rows are accounted for (rejected, de-duplicated) where a file is read into memory "
    "(o2c.read_log); a scanned Parquet file is taken whole, and an empty case, activity or time refused",
    "drivers": f"drivers compare the waits of orders by {_ATTRIBUTES}",
    "late_payment_drivers": f"late-payment drivers compare orders by {_ATTRIBUTES}",
    "payment_risk": f"payment risk learns from {_ATTRIBUTES}",
    "approvals": "approval chains read the resources, which the engine's view does not carry",
    "rekeyed_values": "re-keyed values compare the attributes within orders, which the engine's view does "
    "not carry",
    "time_only_steps": "time-only steps are found in memory only, for now",
    "actions": "the levers are attributed event by event, in memory",
}


def engine_tables(
    log: Any,
    *,
    ideal: IdealPath | ProcessModel | None,
    discover: str,
    annual_rate: float,
    closed_only: bool,
    time_budget: float | None,
    tick: Callable[[], object] = lambda: None,
) -> dict[str, Any]:
    """The ``Assessment`` fields an engine computes for ``log`` (``tick`` is called before each step
    of ``o2c._assess.STEPS`` but the first), with ``ideal``, ``ideal_discovered`` and ``not_computed``."""
    variant_table = variants(log)
    tick()  # variants
    summary = engine_summary(log, variants=len(variant_table))
    starts, ends = start_activities(log), end_activities(log)
    tick()  # waiting_times
    edges, waits = directly_follows(log), waiting_times(log)
    durations, leads = activity_durations(log), lead_times(log)
    tick()  # bottlenecks
    ranked = bottlenecks(
        log, top=None, ideal=ideal if isinstance(ideal, IdealPath) else None, annual_rate=annual_rate
    )
    tick()  # drivers (not on the engine)
    tick()  # rework
    loops, loop_cost, right, rekeyed = rework(log), rework_cost(log), first_time_right(log), rekeyed_data(log)
    tick()  # conformance
    discovered = ideal is None
    # the milestones and each order's row, made once: the KPIs and the stuck orders read both; a
    # discovered path's paid step is the guess, and its KPIs keep the guessing rule
    orders = engine_orders(log, ideal if isinstance(ideal, IdealPath) else None)
    if ideal is None:
        ideal = discover_ideal_path(log, method=discover, paid=orders[0]["paid"].activity)
    alignments = align(log, ideal, progress=False, time_budget=time_budget)
    tick()  # cost_of_divergence
    path = ideal if isinstance(ideal, IdealPath) else None
    divergence = cost_of_divergence(
        log, alignments, ideal=path, annual_rate=annual_rate, closed_only=closed_only
    )
    efficiency = flow_efficiency(log, ideal, closed_only=closed_only)
    split = lead_time_split(log, ideal, closed_only=closed_only)
    tick()  # kpis
    return {
        "ideal": ideal,
        "ideal_discovered": discovered,
        "summary": summary,
        "variants": variant_table,
        "directly_follows": edges,
        "start_activities": starts,
        "end_activities": ends,
        "waiting_times": waits,
        "bottlenecks": ranked,
        "activity_durations": durations,
        "lead_times": leads,
        "rework": loops,
        "rework_cost": loop_cost,
        "first_time_right": right,
        "rekeyed_data": rekeyed,
        "alignments": alignments,
        "conformance": conformance_summary(alignments),
        "cost_of_divergence": divergence,
        "flow_efficiency": efficiency,
        "lead_time_split": split,
        "milestones": milestones_table(orders[0]),
        "kpis": engine_kpis(log, orders=orders),
        "stuck_orders": engine_stuck_orders(log, orders=orders),
        "currency": _engines.currency(log),
        "not_computed": dict(NOT_ON_ENGINE),
    }


@contextmanager
def engine_memory(memory_limit: str | None) -> Iterator[None]:
    """Turn DuckDB running out of its ``memory_limit``, or of disk where it spills, into a
    ``ToolkitError`` that says what holds memory there and what to do (a message, not a traceback,
    on the command line)."""
    try:
        yield
    except Exception as error:
        import duckdb

        said = str(error).splitlines()[0]
        if isinstance(error, duckdb.IOException) and "No space left" in said:
            raise ToolkitError(
                "DuckDB ran out of disk space where it spills what does not fit in its memory limit (a "
                "temporary folder: o2c.scan_log(temp_directory=...) puts it elsewhere); free disk space, or "
                f"raise the memory limit. DuckDB said: {said}"
            ) from error
        if not isinstance(error, duckdb.OutOfMemoryException):
            raise
        limit = memory_limit or "its default, 80% of the machine's memory"
        raise ToolkitError(
            f"DuckDB ran out of its memory limit ({limit}). What it cannot spill to disk: each edge's waits, "
            "held for their exact medians and percentiles (8 bytes per transition), and each order's trace, "
            "for the variants. Raise the limit (--memory-limit, o2c.scan_log(memory_limit=...)), or use "
            f"Spark. DuckDB said: {said}"
        ) from error


def engine_name(log: Any) -> str:
    """``duckdb`` for a ``ScannedLog``, ``spark`` for a Spark DataFrame."""
    from o2c._engines import _spark

    return "spark" if _spark.is_spark(log) else "duckdb"


def parquet_source(files: Sequence[str], mapping: ColumnMapping, rows: int, *, reader: str) -> SourceInfo:
    """The ``SourceInfo`` of a log in Parquet ``files``: the file, or their folder when they are
    several; the file's sha256, or the sha256 of the files' sha256 digests in name order."""
    digests = []
    for name in files:
        with open(name, "rb") as data:
            digests.append(hashlib.file_digest(data, "sha256"))
    sha256 = (
        digests[0].hexdigest()
        if len(digests) == 1
        else hashlib.sha256(b"".join(d.digest() for d in digests)).hexdigest()
    )
    path = files[0] if len(files) == 1 else str(Path(files[0]).parent)
    return SourceInfo(path=path, sha256=sha256, format="parquet", mapping=mapping, rows=rows, reader=reader)


def engine_source(log: Any, events: int) -> SourceInfo:
    """Where an engine's log lives: a ``ScannedLog``'s Parquet files (``parquet_source``), or a
    Spark DataFrame (no file, its canonical columns); its ``events`` (the summary's count) are the rows."""
    from o2c._engines._duckdb import ScannedLog

    if isinstance(log, ScannedLog):
        return parquet_source(log.files, log.mapping, events, reader="duckdb (o2c.scan_log)")
    roles: dict[str, Any] = {role: role for role in ROLES if role in log.columns}  # canonical names
    return SourceInfo(
        path="a Spark DataFrame",
        sha256=None,
        format="spark",
        mapping=ColumnMapping(**roles),
        rows=events,
        reader="spark",
    )
