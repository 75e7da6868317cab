"""Process maps: the directly-follows graph as a Graphviz drawing a client can read at a glance.

``render_map`` draws result tables: the output of ``directly_follows``, ``waiting_times`` or
``bottlenecks``, with ``start_activities``, ``end_activities`` and a backbone (the most frequent
variant) when given; or an event log, for which it calls those analyses itself. It returns a
``graphviz.Digraph``: it shows itself in Jupyter, and ``.render(name, format="svg")`` (or png,
pdf) saves it; ``.source`` is the DOT text, ``.save(path)`` writes it without Graphviz. Nodes
and edges are written in sorted order, so the same input gives the same DOT text and the same
SVG bytes. Choosing what to draw lives in ``o2c.render._simplify``, drawing it in
``o2c.render._dot``.

Examples
--------
>>> from o2c import example_log
>>> chart = render_map(example_log(), measure="wait_median")
>>> print(chart.source.splitlines()[0])
digraph "process map" {
"""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import graphviz
import pandas as pd
import polars as pl

from o2c._format import format_amount, format_count, format_duration
from o2c.discovery import end_activities, start_activities, variants
from o2c.errors import (
    ArgumentError,
    ColumnMappingError,
    check_choice,
    check_frame,
    check_names,
    check_share,
    check_whole,
    did_you_mean,
)
from o2c.performance import activity_durations, bottlenecks, waiting_times
from o2c.render._dot import COLOURS, ProcessMap, draw
from o2c.render._simplify import CAPTION_NAMES, Graph, LeftOut, left_out_of, simplify

__all__ = [
    "CAPTION_NAMES",
    "COLOURS",
    "LARGE_MAP",
    "MEASURES",
    "READABLE_MAP",
    "REWORK_EDGE_KINDS",
    "LeftOut",
    "ProcessMap",
    "format_amount",
    "format_count",
    "format_duration",
    "render_map",
    "render_maps",
]

#: What an edge label can show.
MEASURES = ("transitions", "cases", "wait_median", "wait_mean", "wait_p90", "wait_total", "value_days")

#: Kinds of rework rows (from ``o2c.rework``) that are edges on the map.
REWORK_EDGE_KINDS = ("self_loop", "ping_pong")


#: The most activities and edges of a map people can read (``o2c.draw_maps`` caps its maps so).
READABLE_MAP = (40, 100)
#: Above this many activities or edges ``render_map`` warns that the map is slow to lay out.
LARGE_MAP = (80, 300)


def render_map(
    edges_or_log: pd.DataFrame | pl.DataFrame,
    *,
    measure: str = "transitions",
    activities: float = 0.8,
    paths: float = 0.8,
    highlight: Any = None,
    max_activities: int | None = None,
    max_edges: int | None = None,
    durations: pd.DataFrame | None = None,
    keep: Iterable[str] = (),
    starts: pd.DataFrame | pl.DataFrame | None = None,
    ends: pd.DataFrame | pl.DataFrame | None = None,
    backbone: Sequence[str] | None = None,
    working_day: datetime.timedelta | None = None,
) -> graphviz.Digraph:
    """Draw the process map: activities as boxes, directly-follows edges as arrows.

    Parameters
    ----------
    edges_or_log : DataFrame
        A table of edges with ``source``, ``target``, ``transitions`` and the measure's column
        (``directly_follows``, ``waiting_times`` or ``bottlenecks(log, top=None)`` output), or
        an event log (polars or pandas): the map then computes the waiting times (an overlap
        waited 0, as in ``bottlenecks``), start and end activities, variants and processing
        times of the log itself.
    measure : str
        What the edge labels show, one of ``MEASURES``: ``transitions`` (default), ``cases``,
        ``wait_median``, ``wait_mean``, ``wait_p90``, ``wait_total`` or ``value_days``. Edge
        thickness always shows how many transitions an edge has.
    activities : float
        Share of events (0..1) the kept activities must cover, most frequent first (like
        Disco's activity slider); 1 keeps every activity.
    paths : float
        Share of transitions (0..1) the kept edges among kept activities must cover, most
        frequent first; 1 keeps every edge. Edges are then added back, widest first, until every
        kept activity can be reached from the start and can reach the end (this may bring back
        an activity that connects them). Numbers on the map are those of the full log.
    highlight : optional
        Edges to draw in colour: a frame with ``source``, ``target`` (e.g.
        ``bottlenecks(log).head(1)``, in vermillion), a frame of ``o2c.rework`` rows (``activity``,
        ``kind``, ``other_activity``; ``self_loop`` rows highlight a -> a and ``ping_pong`` rows
        a -> b and b -> a, in purple; ``repeat`` rows are not edges and are skipped), a list of
        ``(source, target)`` tuples, or a list of such frames. Highlighted edges are always
        drawn.
    max_activities, max_edges : int, optional
        At most this many activities, and edges among them, however much the sliders ask for
        (the most frequent first; the edges added back to connect the map and highlighted edges
        come on top). Graphviz takes minutes to lay out a map of hundreds of activities and
        thousands of edges, which nobody can read either; ``o2c.draw_maps`` caps its maps.
    durations : DataFrame, optional
        ``o2c.activity_durations`` output: each activity's box then shows its median
        processing time (start to completion), e.g. ``1,234 · work 2.0 h``. From a log it is
        computed when not given; a log without start times (no rows) draws the boxes as
        before, and an activity without any measured instance shows no time.
    keep : list of str
        Activities simplification never leaves out, however rare (the ideal path's steps,
        approvals, ...), on top of the sliders and of ``max_activities``; they are connected to
        the start and end like the others. Names the log does not have are ignored.
    starts, ends : DataFrame, optional
        ``o2c.start_activities`` and ``o2c.end_activities`` output (``activity``, ``cases``),
        given together: the map then has start and end nodes, and each box shows its events
        (every event is the first of its case or the target of one transition, so the edges
        must be all of the log's). Without them a table of edges has neither, and its boxes are
        shaded by their transitions. From a log they are computed when not given.
    backbone : list of str, optional
        Activities drawn as a straight line down the map, such as the most frequent variant's
        trace (``o2c.variants(log)["trace"].iloc[0]``, the default for a log) or the ideal
        path's steps; its edges are always drawn.
    working_day : timedelta, optional
        The edges' and boxes' durations are working time (computed with a ``calendar=``, e.g.
        an ``Assessment``'s with a calendar): they are labelled in working days of this length
        (``WorkingCalendar.working_day``), ``2.1 wd``, and the legend says so.

    Returns
    -------
    graphviz.Digraph
        The map (a ``ProcessMap``). Drawing it (Jupyter, ``.render``, ``.pipe``) needs Graphviz's
        ``dot``; without it ``o2c.errors.GraphvizMissingError`` says how to install it, and the
        DOT text stays available as ``.source`` (``.render`` writes the DOT file first). Its
        ``left_out`` (a ``LeftOut``) says which activities and how many paths simplification left
        out, and the share of transitions they carry; the drawing says it under the legend.

    Examples
    --------
    >>> from o2c import example_log
    >>> from o2c.performance import bottlenecks
    >>> log = example_log()
    >>> chart = render_map(log, measure="wait_median", highlight=bottlenecks(log).head(1))
    >>> [line.strip() for line in chart.source.splitlines() if "#D55E00" in line][0]
    'a3 -> a5 [label=<&#160;&#160;<b>14 d</b>> color="#D55E00" fontcolor="#D55E00" penwidth=4.33 weight=1]'

    The one price change of the example log is too rare for the default sliders; ``keep`` draws it:

    >>> render_map(log).left_out.caption()
    'Left out: 1 activity (Change Price) and 3 paths (18.8% of transitions)'
    >>> render_map(log, keep=["Change Price"]).left_out
    LeftOut(activities=(), paths=1, share=0.0625)

    From result tables (as ``o2c.draw_maps`` draws an ``Assessment``), nothing is computed
    again, and the map is the log's:

    >>> from o2c.discovery import end_activities, start_activities, variants
    >>> tables = render_map(bottlenecks(log, top=None), starts=start_activities(log),
    ...                     ends=end_activities(log), backbone=variants(log)["trace"].iloc[0])
    >>> tables.source == render_map(log).source
    True
    """
    options = {"activities": activities, "paths": paths, "highlight": highlight, "durations": durations}
    maps = _render_maps(
        edges_or_log,
        [measure],
        **options,
        working_day=working_day,
        caps=(max_activities, max_edges),
        keep=keep,
        boundaries=(starts, ends, backbone),
        function="render_map",
    )
    return maps[measure]


def render_maps(
    edges_or_log: pd.DataFrame | pl.DataFrame,
    *,
    measures: Sequence[str],
    activities: float = 0.8,
    paths: float = 0.8,
    highlight: Any = None,
    max_activities: int | None = None,
    max_edges: int | None = None,
    durations: pd.DataFrame | None = None,
    keep: Iterable[str] = (),
    starts: pd.DataFrame | pl.DataFrame | None = None,
    ends: pd.DataFrame | pl.DataFrame | None = None,
    backbone: Sequence[str] | None = None,
    working_day: datetime.timedelta | None = None,
) -> dict[str, ProcessMap]:
    """``render_map`` for each of ``measures``, by measure; from a log its analyses run once.

    The maps are those ``render_map`` draws one by one (the same DOT text), but the waiting
    times, start and end activities, variants and processing times of a log are computed once
    for all of them (the edges once more for ``value_days``, which needs the money-weighted
    ones). The arguments, ``keep``, ``starts``, ``ends`` and ``backbone`` among them, are
    ``render_map``'s.

    >>> from o2c import example_log
    >>> maps = render_maps(example_log(), measures=["transitions", "wait_median"])
    >>> maps["wait_median"].source == render_map(example_log(), measure="wait_median").source
    True
    """
    if isinstance(measures, str):
        raise ArgumentError(
            f"The 'measures' argument of render_maps must be a list of measures such as "
            f"['transitions', 'wait_median']; got the text {measures!r}.",
            function="render_maps",
            argument="measures",
            value=measures,
            allowed="a list of measures",
        )
    options = {"activities": activities, "paths": paths, "highlight": highlight, "durations": durations}
    return _render_maps(
        edges_or_log,
        list(measures),
        **options,
        working_day=working_day,
        caps=(max_activities, max_edges),
        keep=keep,
        boundaries=(starts, ends, backbone),
        function="render_maps",
    )


_Boundaries = tuple[
    pd.DataFrame | pl.DataFrame | None, pd.DataFrame | pl.DataFrame | None, Sequence[str] | None
]


def _render_maps(
    edges_or_log: pd.DataFrame | pl.DataFrame,
    measures: list[str],
    *,
    activities: float,
    paths: float,
    highlight: Any,
    caps: tuple[int | None, int | None],
    keep: Iterable[str],
    boundaries: _Boundaries,
    function: str,
    durations: pd.DataFrame | None,
    working_day: datetime.timedelta | None = None,
) -> dict[str, ProcessMap]:
    """The maps of ``render_map`` or ``render_maps`` (``function``, named in errors), their
    arguments checked first; ``boundaries`` are their ``starts``, ``ends`` and ``backbone``."""
    for measure in measures:
        check_choice(
            measure,
            MEASURES,
            argument="measure" if function == "render_map" else "measures",
            function=function,
        )
    for name, share in (("activities", activities), ("paths", paths)):
        check_share(share, argument=name, function=function)
    for name, cap in zip(("max_activities", "max_edges"), caps, strict=True):
        check_whole(cap, argument=name, function=function, none=True)
    names = check_names(keep, argument="keep", function=function, such_as="['Manager Approval']")
    if not isinstance(edges_or_log, pd.DataFrame | pl.DataFrame):
        raise ArgumentError(
            f"{function} draws an event log or a table of edges (a DataFrame); got {type(edges_or_log).__name__}.",
            function=function,
            argument="edges_or_log",
            value=edges_or_log,
            allowed="an event log or a table of edges",
        )
    starts, ends, backbone = _boundaries(edges_or_log, *boundaries, function=function)
    processing = _median_processing(edges_or_log, durations, function)
    # a log's edges, and so its graph, highlights and simplification, serve every measure but
    # value_days; a table of edges is checked per measure
    laid_out: dict[
        Any, tuple[Graph, dict[tuple[str, str], str], set[str], dict[tuple[str, str], int], LeftOut]
    ] = {}
    maps: dict[str, ProcessMap] = {}
    for measure in measures:
        key = measure if _is_edges(edges_or_log) else measure == "value_days"
        if key not in laid_out:
            graph = _graph(_edges(edges_or_log, measure), starts, ends, backbone, processing)
            marked = _highlights(highlight, graph, function)
            nodes, kept = simplify(graph, activities, paths, marked, caps=caps, keep=names)
            if len(nodes) > LARGE_MAP[0] or len(kept) > LARGE_MAP[1]:
                warnings.warn(
                    f"{function}: the map has {len(nodes)} activities and {len(kept)} edges; Graphviz may "
                    "take minutes to lay it out and few can read it. Pass max_activities= and max_edges= "
                    f"(draw_maps uses {READABLE_MAP[0]} and {READABLE_MAP[1]}) or lower the sliders.",
                    stacklevel=3,
                )
            laid_out[key] = graph, marked, nodes, kept, left_out_of(graph, nodes, kept)
        graph, marked, nodes, kept, left_out = laid_out[key]
        maps[measure] = draw(graph, measure, nodes, kept, marked, left_out, working_day=working_day)
    return maps


def _is_edges(frame: pd.DataFrame | pl.DataFrame) -> bool:
    return {"source", "target"} <= set(frame.columns)


def _edges(edges_or_log: pd.DataFrame | pl.DataFrame, measure: str) -> pd.DataFrame:
    """The edges to draw ``measure`` from: the table given, checked, or a log's own."""
    if not _is_edges(edges_or_log):
        if measure == "value_days":
            return bottlenecks(edges_or_log, top=None, by="value_days")
        return waiting_times(edges_or_log, overlap_as_zero=True)  # parallel work is not waiting
    edges = edges_or_log.to_pandas() if isinstance(edges_or_log, pl.DataFrame) else edges_or_log
    for column in ("transitions", measure):
        if column not in edges.columns:
            raise ColumnMappingError(
                f"render_map(measure={measure!r}) needs a {column!r} column in the edges; they have "
                f"{list(edges.columns)}. Pass waiting_times(log) or bottlenecks(log, top=None), or the log.",
                column=column,
            )
    return edges.assign(source=edges["source"].astype(str), target=edges["target"].astype(str))


def _boundaries(
    edges_or_log: pd.DataFrame | pl.DataFrame,
    starts: pd.DataFrame | pl.DataFrame | None,
    ends: pd.DataFrame | pl.DataFrame | None,
    backbone: Sequence[str] | None,
    *,
    function: str,
) -> tuple[dict[str, int] | None, dict[str, int] | None, tuple[str, ...]]:
    """Cases per start activity and per end activity (None for neither), and the backbone: those
    given, checked, or for a log its own."""
    if (starts is None) != (ends is None):
        raise ArgumentError(
            f"The 'starts' and 'ends' arguments of {function} go together (start_activities(log) and "
            f"end_activities(log)); got only {'starts' if ends is None else 'ends'}.",
            function=function,
            argument="ends" if ends is None else "starts",
            allowed="given together with the other",
        )
    log = None if _is_edges(edges_or_log) else edges_or_log
    if starts is None and log is not None:
        starts, ends = start_activities(log), end_activities(log)
    if backbone is None and log is not None:
        table = variants(log)
        backbone = table["trace"].iloc[0] if len(table) else ()
    names = (
        ()
        if backbone is None
        else check_names(
            backbone, argument="backbone", function=function, such_as="variants(log)['trace'].iloc[0]"
        )
    )
    return _cases(starts, "starts", function), _cases(ends, "ends", function), names


def _cases(table: pd.DataFrame | pl.DataFrame | None, name: str, function: str) -> dict[str, int] | None:
    """Activity -> cases of ``start_activities`` or ``end_activities`` output (argument ``name``)."""
    if table is None:
        return None
    if isinstance(table, pl.DataFrame):
        table = table.to_pandas()
    made_by = "start_activities" if name == "starts" else "end_activities"
    check_frame(table, ("activity", "cases"), argument=name, function=function, made_by=made_by)
    return dict(table[["activity", "cases"]].itertuples(index=False, name=None))


def _graph(
    edges: pd.DataFrame,
    starts: dict[str, int] | None,
    ends: dict[str, int] | None,
    backbone: tuple[str, ...],
    processing: dict[str, pd.Timedelta],
) -> Graph:
    """What the map is drawn from: with start and end counts each activity weighs its events,
    without them the most transitions into or out of it (an estimate)."""
    if starts is None or ends is None:
        weights: dict[str, float] = {}
        for side in ("source", "target"):
            for name, total in edges.groupby(side)["transitions"].sum().items():
                weights[str(name)] = max(weights.get(str(name), 0.0), float(total))
        return Graph(edges=edges, weights=weights, counted=False, backbone=backbone, processing=processing)
    # every event is either the first of its case or the target of exactly one transition
    events = {name: float(n) for name, n in starts.items()}
    for name, total in edges.groupby("target")["transitions"].sum().items():
        events[str(name)] = events.get(str(name), 0.0) + float(total)
    return Graph(
        edges=edges,
        weights=events,
        counted=True,
        starts=starts,
        ends=ends,
        backbone=backbone,
        processing=processing,
    )


def _median_processing(
    edges_or_log: pd.DataFrame | pl.DataFrame, durations: pd.DataFrame | None, function: str
) -> dict[str, pd.Timedelta]:
    """Activity -> median processing time, from ``durations`` or, for a log, its own durations."""
    if durations is None:
        if _is_edges(edges_or_log):
            return {}
        durations = activity_durations(edges_or_log)
    check_frame(
        durations,
        ("activity", "duration_median"),
        argument="durations",
        function=function,
        made_by="activity_durations",
    )
    return {
        str(activity): pd.Timedelta(median)
        for activity, median in durations[["activity", "duration_median"]].itertuples(index=False)
        if pd.notna(median)
    }


def _highlights(highlight: Any, graph: Graph, function: str) -> dict[tuple[str, str], str]:
    """Edge -> role (``bottleneck`` or ``rework``) of every highlighted edge."""
    if highlight is None:
        return {}
    items = (
        list(highlight) if isinstance(highlight, list | tuple) and not _is_pair(highlight) else [highlight]
    )
    marked: dict[tuple[str, str], str] = {}
    for item in items:
        for edge, role in _highlight_edges(item, function):
            marked.setdefault(edge, role)
    known = set(zip(graph.edges["source"], graph.edges["target"], strict=True))
    for source, target in sorted(marked):
        if (source, target) not in known:
            labels = sorted(f"{s} -> {t}" for s, t in known)
            raise ArgumentError(
                f"{function} cannot highlight {source!r} -> {target!r}: the map has no such edge."
                + did_you_mean(f"{source} -> {target}", labels),
                function=function,
                argument="highlight",
                value=(source, target),
                allowed=labels,
            )
    return marked


def _is_pair(item: Any) -> bool:
    return isinstance(item, tuple | list) and len(item) == 2 and all(isinstance(a, str) for a in item)


def _highlight_edges(item: Any, function: str) -> Iterable[tuple[tuple[str, str], str]]:
    if isinstance(item, pl.DataFrame):
        item = item.to_pandas()
    if _is_pair(item):
        return [((str(item[0]), str(item[1])), "bottleneck")]
    if isinstance(item, pd.DataFrame) and {"activity", "kind", "other_activity"} <= set(item.columns):
        found = []
        for activity, kind, other in item[["activity", "kind", "other_activity"]].itertuples(index=False):
            if kind == "self_loop":
                found.append(((str(activity), str(activity)), "rework"))
            elif kind == "ping_pong":
                found += [((str(activity), str(other)), "rework"), ((str(other), str(activity)), "rework")]
        return found
    if isinstance(item, pd.DataFrame) and _is_edges(item):
        return [
            ((str(s), str(t)), "bottleneck") for s, t in item[["source", "target"]].itertuples(index=False)
        ]
    raise ArgumentError(
        f"The 'highlight' argument of {function} takes a frame with 'source' and 'target' columns, rows "
        f"of o2c.rework, (source, target) tuples, or a list of these; got {item!r}.",
        function=function,
        argument="highlight",
        value=item,
        allowed="edges, rows of o2c.rework, (source, target) tuples, or a list of these",
    )
