"""The explorer's data: an ``Assessment`` as one compact, columnar JSON document.

The browser computes every map, table and chart for the current filter from it, so it holds
the events themselves (integer-coded, times as whole units after the first event), each
order's attributes, value, variant and conformance, the variants, and what the report's maps
keep and highlight. Nothing in it is pre-aggregated but what the browser cannot derive.

With a working calendar (the assessment's), each event also carries its **working clock**
(``wtime``, and ``wwork`` for the working time of its processing; ``o2c._calendar.on_working_clock``):
the page takes waits, processing and lead times as differences of working clocks, as the
assessment does, and shows the real timestamps; ``calendar`` says which calendar it was.
"""

from __future__ import annotations

import math
from pathlib import PurePath
from typing import Any

import polars as pl

from o2c._assess import Assessment
from o2c._calendar import WorkingCalendar, on_working_clock
from o2c._compare import Comparison
from o2c.discovery import event_start
from o2c.log import ACTIVITY, CASE_ID, RESOURCE, START_TIMESTAMP, TIMESTAMP, VALUE, case_first
from o2c.model import IdealPath
from o2c.performance import _case_attributes
from o2c.render._difference import FASTER, SLOWER, difference_colours
from o2c.render._simplify import END, START
from o2c.report._compare import calendar_sentence, comparison_json
from o2c.report._headlines import top_internal, worst_loop
from o2c.report._maps import _kept_on_maps
from o2c.timeline import MOVES, _timelines

#: Version of the payload's layout (the browser code reads this one).
PAYLOAD_VERSION = 1

#: The drill-down table shows at most this many orders, a deterministic sample beyond.
DRILL_ROWS = 500

#: The rework loop's colour on the map is the report's (``o2c.render.COLOURS``); the payload names roles only.
ROLES = ("bottleneck", "rework")


def payload(assessment: Assessment, *, activities: float = 0.8, paths: float = 0.8) -> dict[str, Any]:
    """The explorer's data for ``assessment``; ``activities`` and ``paths`` are the sliders' start.

    >>> from o2c._assess import assess
    >>> from o2c.io import read_log
    >>> from o2c import example_log
    >>> data = payload(assess(read_log(example_log()), progress=False))
    >>> len(data["cases"]["id"]), len(data["events"]["activity"]) == len(example_log())
    (3, True)
    >>> data["activities"][:2], data["cases"]["first"]  # each order's first event, then the end
    (['Change Price', 'Check Credit'], [0, 6, 12, 19])
    """
    log = assessment.log
    names = sorted(log.get_column(ACTIVITY).cast(pl.String).unique().to_list())
    code = {name: index for index, name in enumerate(names)}
    calendar = assessment.calendar
    clock = None if calendar is None else on_working_clock(log, calendar)
    unit = max(_unit(log), _unit(clock) if clock is not None else 1)
    origin = _origin(log)
    events = _events(log, code, unit, origin)
    if clock is not None:  # each event's working clock: waits and durations in working time
        working = _events(clock, code, unit, 0)
        events["wtime"] = working["time"]
        if "work" in working:
            events["wwork"] = working["work"]
    cases = _cases(assessment, unit, origin)
    variants = assessment.variants
    return {
        "version": PAYLOAD_VERSION,
        "title": PurePath(assessment.source.path).name or "event log",
        "sha256": assessment.source.sha256,
        "currency": assessment.currency,
        "origin": origin,  # epoch seconds of time 0
        "unit": unit,  # time units per second (1: seconds, 1000: milliseconds)
        "activities": names,
        "events": events,
        "cases": cases,
        "variants": {
            "id": variants["variant_id"].astype(int).tolist(),
            "trace": [[code[str(a)] for a in trace] for trace in variants["trace"]],
        },
        "ideal": _ideal(assessment),
        "milestones": {
            str(m): str(a)
            for m, a in assessment.milestones[["milestone", "activity"]].dropna().itertuples(index=False)
        },
        "keep": [code[name] for name in _kept_on_maps(assessment) if name in code],
        "highlights": _highlights(assessment, code),
        # the report caps its static maps (MAP_MAX_ACTIVITIES, MAP_MAX_EDGES) for Graphviz and
        # paper; here the sliders reach every activity and path, so the explorer sets none
        "caps": [None, None],
        "sliders": [activities, paths],
        "start": START,
        "end": END,
        "drill_rows": DRILL_ROWS,
        "timeline": _timeline(assessment, code),
        "calendar": None if calendar is None else _calendar(calendar),
    }


def comparison_payload(comparison: Comparison, case_ids: list[str]) -> dict[str, Any]:
    """The explorer's comparison mode: the two sides (``side`` of each order of ``case_ids``,
    0 for A and 1 for B), the headlines, and the rows of ``Comparison.edges`` as ``compare.json``
    writes them (durations in seconds, ``*_s``), with the colour and width of each edge whose
    median wait changed as the differential map draws it (``difference_colours``): the page
    shows these, it recomputes none of them."""
    if comparison.cases is None:
        raise ValueError("the comparison holds no orders (made by an older o2c)")
    side_of = dict(zip(comparison.cases["case_id"], comparison.cases["side"], strict=True))
    document = comparison_json(comparison)
    colours = difference_colours(comparison.edges)
    return {
        "a": comparison.a,
        "b": comparison.b,
        "orders": [comparison.orders_a, comparison.orders_b],
        "side": [None if side_of.get(i) is None else int(side_of[i] == "b") for i in case_ids],
        "headlines": document["headlines"],
        "calendar": calendar_sentence(comparison),
        "alpha": comparison.parameters["alpha"],
        "edges": document["edges"],
        "colours": [[s, t, colour, width] for (s, t), (colour, width) in colours.items()],
        "slower": SLOWER,
        "faster": FASTER,
    }


def _calendar(calendar: WorkingCalendar) -> dict[str, Any]:
    """What the page says of the working calendar, and the length of its working day (seconds)."""
    return {
        "name": calendar.name,
        "text": calendar.describe(),
        "day_seconds": calendar.working_day.total_seconds(),
    }


def _unit(log: pl.DataFrame) -> int:
    """1 when every time is a whole second, else 1000 (milliseconds; finer parts are rounded)."""
    columns = [c for c in (TIMESTAMP, START_TIMESTAMP) if c in log.columns]
    fractional = log.select(
        pl.any_horizontal((pl.col(c).dt.epoch("us") % 1_000_000 != 0).fill_null(False).any() for c in columns)
    ).item()
    return 1000 if fractional else 1


def _origin(log: pl.DataFrame) -> int:
    """The whole second at or before the log's earliest time (epoch seconds)."""
    if not len(log):
        return 0
    earliest = log.select(pl.min_horizontal(event_start(log).min(), pl.col(TIMESTAMP).min())).item()
    return math.floor(earliest.timestamp())


def _times(column: pl.Expr, unit: int, origin: int) -> pl.Expr:
    microseconds = column.dt.epoch("us") - origin * 1_000_000
    return (microseconds * unit / 1_000_000).round(0).cast(pl.Int64)


def _events(log: pl.DataFrame, code: dict[str, int], unit: int, origin: int) -> dict[str, Any]:
    """The events in log order: ``activity`` codes; ``time`` (completion) as the time since the
    previous event of the order (the first: since time 0), which the browser adds up again;
    where the log has them, each event's ``work`` (completion minus start; null where the
    start is unknown) and ``resource`` codes into ``resources``."""
    activity = pl.col(ACTIVITY).cast(pl.String).replace_strict(code, return_dtype=pl.Int32)
    time = _times(pl.col(TIMESTAMP), unit, origin)
    first = pl.col(CASE_ID) != pl.col(CASE_ID).shift(1)
    columns = [
        activity.alias("activity"),
        pl.when(first.fill_null(True)).then(time).otherwise(time - time.shift(1)).alias("time"),
    ]
    if START_TIMESTAMP in log.columns:
        columns.append((time - _times(pl.col(START_TIMESTAMP), unit, origin)).alias("work"))
    resources: list[str] = []
    if RESOURCE in log.columns:
        resources = sorted(log.get_column(RESOURCE).drop_nulls().unique().to_list())
        lookup = {name: index for index, name in enumerate(resources)}
        columns.append(
            pl.col(RESOURCE).replace_strict(lookup, default=None, return_dtype=pl.Int32).alias("resource")
        )
    table = log.select(columns)
    events: dict[str, Any] = {name: table.get_column(name).to_list() for name in table.columns}
    events["resources"] = resources
    return events


def _cases(assessment: Assessment, unit: int, origin: int) -> dict[str, Any]:
    """The orders in log order: ``id``, ``first`` (index of each one's first event, and one past
    the last event at the end), ``variant`` (index into the variants), ``conforming``, ``value``
    and the case ``attributes`` (each as ``values`` and a ``code`` per order)."""
    log = assessment.log
    firsts = log.select(pl.col(CASE_ID).rle_id().alias("n")).with_row_index("row")
    firsts = firsts.group_by("n", maintain_order=True).agg(pl.col("row").first())
    ids = log.get_column(CASE_ID).unique(maintain_order=True)
    variant_index = {int(v): i for i, v in enumerate(assessment.variants["variant_id"])}
    aligned = pl.from_pandas(assessment.alignments[["case_id", "variant_id", "is_fit"]])
    per_case = pl.DataFrame({"case_id": ids}).join(aligned, on="case_id", how="left", maintain_order="left")
    attributes = [name for name in _case_attributes(log) if name not in (VALUE,)]
    first_rows = log.select(
        pl.col(CASE_ID), *(case_first(name).cast(pl.String) for name in attributes),
        *([case_first(VALUE)] if VALUE in log.columns else []),
    ).unique(CASE_ID, keep="first", maintain_order=True)  # fmt: skip
    coded: dict[str, Any] = {}
    for name in attributes:
        column = first_rows.get_column(name)
        values = sorted(column.drop_nulls().unique().to_list())
        lookup = {value: index for index, value in enumerate(values)}
        coded[name] = {
            "values": values,
            "code": column.replace_strict(lookup, default=None, return_dtype=pl.Int32).to_list(),
        }
    return {
        "id": ids.to_list(),
        "first": [*firsts.get_column("row").to_list(), len(log)],
        "variant": [variant_index.get(v) for v in per_case.get_column("variant_id").to_list()],
        "conforming": per_case.get_column("is_fit").to_list(),
        "value": first_rows.get_column(VALUE).to_list() if VALUE in log.columns else None,
        "attributes": coded,
    }


def _ideal(assessment: Assessment) -> dict[str, Any]:
    ideal = assessment.ideal
    if isinstance(ideal, IdealPath):
        return {
            "name": ideal.name,
            "steps": list(ideal.steps),
            "optional": sorted(ideal.optional),
            "discovered": assessment.ideal_discovered,
        }
    return {
        "name": "process model",
        "steps": sorted(ideal.activities),
        "optional": [],
        "discovered": assessment.ideal_discovered,
    }


def _highlights(assessment: Assessment, code: dict[str, int]) -> list[list[Any]]:
    """[source code, target code, role] of the edges the report's maps highlight: the worst
    internal bottleneck and the worst rework loop (a self-loop, or a ping-pong's two edges)."""
    marked: list[list[Any]] = []
    edge = top_internal(assessment)
    if edge is not None:
        marked.append([code[str(edge["source"])], code[str(edge["target"])], "bottleneck"])
    for activity, kind, other in worst_loop(assessment.rework)[
        ["activity", "kind", "other_activity"]
    ].itertuples(index=False):
        pairs = [(activity, activity)] if kind == "self_loop" else [(activity, other), (other, activity)]
        marked += [
            [code[str(s)], code[str(t)], "rework"]
            for s, t in pairs
            if [code[str(s)], code[str(t)], "bottleneck"] not in marked
        ]
    return marked


def _timeline(assessment: Assessment, code: dict[str, int]) -> dict[str, Any]:
    """What an order's timeline (``o2c.timeline``) adds to its events, compactly: the ``move``
    of each event (an index into ``moves``; null where pm4py gave up on the variant), the events
    that reach a ``milestone`` (event index, index into
    ``milestone_names``), the required steps each order ``skipped`` (case index -> [events
    before it, activity code], codes past the activities' into ``extra``) and each order's
    ``days_past_due``, and the events that are ``rework`` (``o2c.case_timeline``'s flag, the one
    definition of ``o2c._rework.repeated``: per object in a log flattened from objects), as the
    gaps between their event indices (the first: its index + 1). The browser rebuilds each row
    from these and the events (wait, processing time, timestamp, resource), as
    ``o2c.case_timeline`` gives them."""
    rows = _timelines(
        assessment.log, ideal=assessment.ideal, time_budget=assessment.parameters.get("time_budget")
    )
    rows = rows.with_columns(
        _case=pl.col(CASE_ID).rle_id(),
        _events_before=(pl.col("step").is_not_null().cum_sum().over(pl.col(CASE_ID).rle_id())).cast(pl.Int64),
    )
    events = rows.filter(pl.col("step").is_not_null())  # one per event, in log order
    stones = sorted(events.get_column("milestone").drop_nulls().unique().to_list())
    index = pl.int_range(pl.len())
    reworked = index.filter(pl.col("rework"))
    extra = sorted(set(rows.filter(pl.col("step").is_null()).get_column(ACTIVITY).to_list()) - set(code))
    activity_code = {**code, **{name: len(code) + i for i, name in enumerate(extra)}}
    skipped: dict[str, list[list[int]]] = {}
    for case, before, activity in (
        rows.filter(pl.col("step").is_null()).select("_case", "_events_before", ACTIVITY).iter_rows()
    ):
        skipped.setdefault(str(case), []).append([before, activity_code[activity]])
    per_case = events.group_by("_case", maintain_order=True).agg(pl.col("days_past_due").first())
    return {
        "moves": list(MOVES),
        "move": events.get_column("move")
        .replace_strict({m: i for i, m in enumerate(MOVES)}, default=None, return_dtype=pl.Int8)
        .to_list(),
        "milestone_names": stones,
        "milestone": events.select(
            index.filter(pl.col("milestone").is_not_null()),
            pl.col("milestone")
            .filter(pl.col("milestone").is_not_null())
            .replace_strict({m: i for i, m in enumerate(stones)}, return_dtype=pl.Int8),
        ).rows(),
        "skipped": skipped,
        "rework": events.select(reworked.diff().fill_null(reworked + 1)).to_series().to_list(),
        "extra": extra,
        "days_past_due": [
            None if v is None or math.isnan(v) else v for v in per_case.get_column("days_past_due").to_list()
        ],
    }
