"""The report's two process maps, drawn from the tables of an ``Assessment``."""

from __future__ import annotations

from typing import Any

import polars as pl

from o2c._assess import Assessment
from o2c._kpis import APPROVAL_PATTERN
from o2c._milestones import REMINDER_PATTERN
from o2c.conformance import IdealPath
from o2c.log import ACTIVITY
from o2c.render.maps import READABLE_MAP, ProcessMap, render_maps
from o2c.render.object_map import render_object_map
from o2c.report._headlines import (
    top_internal,
    worst_loop,
)

#: The most activities and edges a map of the report shows (a readable map, laid out in seconds).
MAP_MAX_ACTIVITIES, MAP_MAX_EDGES = READABLE_MAP


def draw_maps(
    assessment: Assessment, *, activities: float = 0.8, paths: float = 0.8
) -> dict[str, ProcessMap]:
    """The report's two process maps, the worst internal bottleneck and rework loop highlighted.

    However rare, the maps keep the steps of the ideal path (or the activities of the process
    model), the milestones (given or guessed), approvals (``o2c.kpis.APPROVAL_PATTERN``) and
    payment reminders (``o2c.milestones.REMINDER_PATTERN``): what a client asks about first.

    Parameters
    ----------
    assessment : Assessment
        The result of ``o2c.assess``.
    activities, paths : float
        ``o2c.render_map``'s sliders (shares of events and of transitions kept); at most
        ``MAP_MAX_ACTIVITIES`` activities and ``MAP_MAX_EDGES`` edges are drawn, besides the
        activities kept and those that connect them.

    Returns
    -------
    dict
        ``frequency`` (edge labels: transitions) and ``waiting_time`` (labels: median wait), each
        a ``graphviz.Digraph`` that shows itself in Jupyter, drawn from the assessment's tables
        (``bottlenecks``, ``start_activities``, ``end_activities``, the most frequent of the
        ``variants`` as the backbone), nothing computed again. Where the log has start times, each
        box also shows its activity's median processing time (``activity_durations``). Their
        ``left_out`` says what simplification left out (the same for both maps). For an
        object-centric log also ``objects``: each object type's directly-follows graph in one map
        (``o2c.render_object_map``).

    Examples
    --------
    >>> from o2c._assess import assess
    >>> from o2c.io import read_log
    >>> from o2c import example_log
    >>> maps = draw_maps(assess(read_log(example_log()), progress=False))
    >>> sorted(maps), "#D55E00" in maps["waiting_time"].source
    (['frequency', 'waiting_time'], True)
    >>> maps["frequency"].left_out.caption()
    'Left out: 1 activity (Change Price) and 3 paths (18.8% of transitions)'
    """
    names = {"transitions": "frequency", "wait_median": "waiting_time"}
    maps = render_maps(
        assessment.bottlenecks,  # every edge, an overlap waited 0
        measures=list(names),
        starts=assessment.start_activities,
        ends=assessment.end_activities,
        backbone=assessment.variants["trace"].iloc[0],
        activities=activities,
        paths=paths,
        highlight=_highlights(assessment) or None,
        max_activities=MAP_MAX_ACTIVITIES,
        max_edges=MAP_MAX_EDGES,
        durations=assessment.activity_durations,
        keep=_kept_on_maps(assessment),
        working_day=None if assessment.calendar is None else assessment.calendar.working_day,
    )
    drawn = {names[measure]: chart for measure, chart in maps.items()}
    if assessment.object_directly_follows is not None:  # an object-centric log: its OC-DFG too
        drawn["objects"] = render_object_map(assessment.object_directly_follows, max_edges=MAP_MAX_EDGES)
    return drawn


def _kept_on_maps(assessment: Assessment) -> list[str]:
    """The activities ``draw_maps`` always draws (see its docstring), by name."""
    ideal = assessment.ideal
    steps = ideal.steps if isinstance(ideal, IdealPath) else ideal.activities
    milestones = assessment.milestones["activity"].dropna()
    # every activity: on an edge, or the start of an order of one event
    edges, starts = assessment.directly_follows, assessment.start_activities
    names = pl.Series([*edges["source"], *edges["target"], *starts[ACTIVITY]], dtype=pl.String).unique()
    named = names.filter(names.str.contains(APPROVAL_PATTERN) | names.str.contains(REMINDER_PATTERN))
    return sorted({*steps, *map(str, milestones), *named})


def _highlights(assessment: Assessment) -> list[Any]:
    """The top internal bottleneck and the worst rework loop, as ``render_map`` highlights them."""
    marked: list[Any] = []
    edge = top_internal(assessment)
    if edge is not None:
        marked.append((str(edge["source"]), str(edge["target"])))
    loop = worst_loop(assessment.rework)
    if len(loop):
        marked.append(loop)
    return marked
