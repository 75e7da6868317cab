"""Process maps: the directly-follows graph as a Graphviz drawing a client can read at a glance.

``render_map`` draws the output of ``directly_follows``, ``waiting_times`` or ``bottlenecks``, or
an event log (it then calls those analyses itself). It returns a ``graphviz.Digraph``: it shows
itself in Jupyter, and ``.render(name, format="svg")`` (or png, pdf) saves it; ``.source`` is
the DOT text, ``.save(path)`` writes it without Graphviz. Nodes and edges are written in sorted
order, so the same input gives the same DOT text and the same SVG bytes.

Examples
--------
>>> from o2c.simulate import example_log
>>> chart = render_map(example_log(), measure="wait_median")
>>> print(chart.source.splitlines()[0])
digraph "process map" {
"""

from __future__ import annotations

import heapq
import html
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import graphviz
import pandas as pd
import polars as pl

from o2c.discovery import end_activities, start_activities, variants
from o2c.errors import (
    ArgumentError,
    ColumnMappingError,
    GraphvizMissingError,
    check_choice,
    did_you_mean,
    is_share,
)
from o2c.performance import activity_durations, bottlenecks, waiting_times
from o2c.render.tables import format_amount, format_count, format_duration

#: What an edge label can show.
MEASURES = ("transitions", "cases", "wait_median", "wait_mean", "wait_p90", "wait_total", "value_days")

#: Okabe-Ito colours (safe for colour-blind readers), by role on the map.
COLOURS = {
    "node": "#0072B2",  # blue: activity fill, darker = more events
    "start": "#009E73",  # bluish green
    "end": "#000000",
    "edge": "#6E6E6E",
    "bottleneck": "#D55E00",  # vermillion
    "rework": "#CC79A7",  # reddish purple
}

#: Kinds of rework rows (from ``o2c.rework``) that are edges on the map.
REWORK_EDGE_KINDS = ("self_loop", "ping_pong")

_START, _END = "__start__", "__end__"
#: Before a box's median processing time. A word, not a stopwatch sign: Graphviz's fonts have
#: no glyph for U+23F1, which the PNG maps drew as an empty box.
_WORK = "work"
_FONT = "Helvetica"
_GAP = "&#160;&#160;"  # keeps an edge label clear of a thick edge
_MEASURE_WORDS = {
    "transitions": "transitions",
    "cases": "cases",
    "wait_median": "median waiting time",
    "wait_mean": "mean waiting time",
    "wait_p90": "90th percentile of waiting time",
    "wait_total": "total waiting time",
    "value_days": "order value x waiting days",
}
_INSTALL = (
    "Graphviz's 'dot' program is not installed, so the map cannot be drawn as {what}. Install it: "
    "'apt-get install graphviz' (Debian/Ubuntu), 'conda install graphviz' (conda), "
    "'brew install graphviz' (macOS), or see https://graphviz.org/download/. "
    "The DOT text is still available: {where}"
)


@dataclass(frozen=True)
class LeftOut:
    """What a simplified map does not draw: ``activities`` (most events first, ties by name),
    how many directly-follows edges (``paths``) among activities, and ``share``, the share of
    transitions (0..1) those edges carry. Start and end edges are not paths.

    >>> LeftOut(("Change Price", "Credit Block"), 14, 0.0312).caption()
    'Left out: 2 activities (Change Price, Credit Block) and 14 paths (3.1% of transitions)'
    >>> LeftOut((), 0, 0.0).caption()
    ''
    """

    activities: tuple[str, ...] = ()
    paths: int = 0
    share: float = 0.0

    def caption(self) -> str:
        """The map's caption in words; names are listed up to ``CAPTION_NAMES``, else counted."""
        parts = []
        if self.activities:
            count = len(self.activities)
            parts.append(f"{count} {'activity' if count == 1 else 'activities'}")
            if count <= CAPTION_NAMES:
                parts[-1] += f" ({', '.join(self.activities)})"
        if self.paths:
            share = f"{self.share:.1%}" if self.share >= 0.0005 else "under 0.1%"
            parts.append(f"{self.paths} {'path' if self.paths == 1 else 'paths'} ({share} of transitions)")
        return f"Left out: {' and '.join(parts)}" if parts else ""


#: A map's caption names the activities it left out up to this many, and counts them above.
CAPTION_NAMES = 5


class ProcessMap(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose drawing says how to install Graphviz when ``dot`` is missing,
    and which says what simplification left out (``left_out``, a ``LeftOut``)."""

    def __init__(self, *args: Any, left_out: LeftOut = LeftOut(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.left_out = left_out

    def _copy_kwargs(self, **kwargs: Any) -> Any:  # .copy() keeps what was left out
        return {**super()._copy_kwargs(**kwargs), "left_out": self.left_out}

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound as exc:
            what = kwargs.get("format") or (args[0] if args else None) or self.format
            raise GraphvizMissingError(
                _INSTALL.format(what=what, where="the map's .source attribute, or .save(path) to write it.")
            ) from exc

    def render(self, *args: Any, **kwargs: Any) -> str:
        try:
            return str(super().render(*args, **kwargs))
        except graphviz.ExecutableNotFound as exc:
            path = self.filepath
            what = kwargs.get("format") or self.format
            raise GraphvizMissingError(
                _INSTALL.format(what=what, where=f"it was written to {path}."), path=path
            ) from exc


@dataclass
class _Graph:
    """What the map is drawn from: edges with their numbers, activity weights, start and end."""

    edges: pd.DataFrame
    weights: dict[str, float]
    counted: bool  # weights are event counts (from a log), not estimates
    starts: dict[str, int] = field(default_factory=dict)
    ends: dict[str, int] = field(default_factory=dict)
    backbone: tuple[str, ...] = ()
    processing: dict[str, pd.Timedelta] = field(default_factory=dict)  # median processing time


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
) -> graphviz.Digraph:
    """Draw the process map: activities as boxes, directly-follows edges as arrows.

    Parameters
    ----------
    edges_or_log : DataFrame
        An event log (polars or pandas), or a table of edges with ``source``, ``target``,
        ``transitions`` and the measure's column (``directly_follows``, ``waiting_times`` or
        ``bottlenecks(log, top=None)`` output). From a log the map also has start and end
        nodes, event counts, and the most frequent variant drawn as a straight backbone.
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
    >>> from o2c.simulate import example_log
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
    """
    options = {"activities": activities, "paths": paths, "highlight": highlight, "durations": durations}
    maps = _render_maps(
        edges_or_log,
        [measure],
        **options,
        caps=(max_activities, max_edges),
        keep=keep,
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
) -> dict[str, ProcessMap]:
    """``render_map`` for each of ``measures``, by measure; from a log its analyses run once.

    The maps are those ``render_map`` draws one by one (the same DOT text), but the waiting
    times, start and end activities and variants of a log are computed once for all of them
    (and once more for ``value_days``, which needs the money-weighted edges). The arguments,
    ``keep`` among them, are ``render_map``'s.

    >>> from o2c.simulate import example_log
    >>> maps = render_maps(example_log(), measures=["transitions", "wait_median"])
    >>> maps["wait_median"].source == render_map(example_log(), measure="wait_median").source
    True
    """
    if isinstance(measures, str):
        raise ArgumentError(
            f"The 'measures' argument of render_maps must be a list of measures such as "
            f"['transitions', 'wait_median']; got the text {measures!r}."
        )
    options = {"activities": activities, "paths": paths, "highlight": highlight, "durations": durations}
    return _render_maps(
        edges_or_log,
        list(measures),
        **options,
        caps=(max_activities, max_edges),
        keep=keep,
        function="render_maps",
    )


def _render_maps(
    edges_or_log: pd.DataFrame | pl.DataFrame,
    measures: list[str],
    *,
    activities: float,
    paths: float,
    highlight: Any,
    caps: tuple[int | None, int | None],
    keep: Iterable[str],
    function: str,
    durations: pd.DataFrame | None,
) -> dict[str, ProcessMap]:
    """The maps of ``render_map`` or ``render_maps`` (``function``, named in errors), their
    arguments checked first."""
    for measure in measures:
        check_choice(
            measure,
            MEASURES,
            argument="measure" if function == "render_map" else "measures",
            function=function,
        )
    for name, share in (("activities", activities), ("paths", paths)):
        if not is_share(share):
            raise ArgumentError(
                f"The {name!r} argument of {function} must be a share from 0 to 1; got {share!r}."
            )
    for name, cap in zip(("max_activities", "max_edges"), caps, strict=True):
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
            raise ArgumentError(
                f"The {name!r} argument of {function} must be a whole number from 1; got {cap!r}."
            )
    names = () if isinstance(keep, str) else tuple(keep)
    if isinstance(keep, str) or not all(isinstance(name, str) for name in names):
        raise ArgumentError(
            f"The 'keep' argument of {function} must be a list of activity names such as "
            f"['Manager Approval']; got {keep!r}."
        )
    # a log's graph, and so its highlights and simplification, serve every measure but
    # value_days; a table of edges is checked per measure
    laid_out: dict[
        Any, tuple[_Graph, dict[tuple[str, str], str], set[str], dict[tuple[str, str], int], LeftOut]
    ] = {}
    maps: dict[str, ProcessMap] = {}
    processing = _median_processing(edges_or_log, durations, function)
    for measure in measures:
        key = measure if _is_edges(edges_or_log) else measure == "value_days"
        if key not in laid_out:
            graph = _graph(edges_or_log, measure)
            graph.processing = processing
            marked = _highlights(highlight, graph)
            nodes, kept = _simplify(graph, activities, paths, marked, caps=caps, keep=names)
            if len(nodes) > LARGE_MAP[0] or len(kept) > LARGE_MAP[1]:
                warnings.warn(
                    f"{function}: the map has {len(nodes)} activities and {len(kept)} edges; Graphviz may "
                    "take minutes to lay it out and few can read it. Pass max_activities= and max_edges= "
                    f"(draw_maps uses {READABLE_MAP[0]} and {READABLE_MAP[1]}) or lower the sliders.",
                    stacklevel=3,
                )
            laid_out[key] = graph, marked, nodes, kept, _left_out(graph, nodes, kept)
        graph, marked, nodes, kept, left_out = laid_out[key]
        maps[measure] = _draw(graph, measure, nodes, kept, marked, left_out)
    return maps


#: The most activities and edges of a map people can read (``o2c.draw_maps`` caps its maps so).
READABLE_MAP = (40, 100)
#: Above this many activities or edges ``render_map`` warns that the map is slow to lay out.
LARGE_MAP = (80, 300)


def _is_edges(frame: pd.DataFrame | pl.DataFrame) -> bool:
    return {"source", "target"} <= set(frame.columns)


def _graph(edges_or_log: pd.DataFrame | pl.DataFrame, measure: str) -> _Graph:
    if not isinstance(edges_or_log, pd.DataFrame | pl.DataFrame):
        raise ArgumentError(
            f"render_map draws an event log or a table of edges (a DataFrame); got {type(edges_or_log).__name__}."
        )
    if _is_edges(edges_or_log):
        edges = edges_or_log.to_pandas() if isinstance(edges_or_log, pl.DataFrame) else edges_or_log
        for column in ("transitions", measure):
            if column not in edges.columns:
                raise ColumnMappingError(
                    f"render_map(measure={measure!r}) needs a {column!r} column in the edges; they have "
                    f"{list(edges.columns)}. Pass waiting_times(log) or bottlenecks(log, top=None), or the log.",
                    column=column,
                )
        edges = edges.assign(source=edges["source"].astype(str), target=edges["target"].astype(str))
        weights: dict[str, float] = {}
        for side in ("source", "target"):
            for name, total in edges.groupby(side)["transitions"].sum().items():
                weights[str(name)] = max(weights.get(str(name), 0.0), float(total))
        return _Graph(edges=edges, weights=weights, counted=False)
    if measure == "value_days":
        edges = bottlenecks(edges_or_log, top=None, by="value_days")
    else:
        edges = waiting_times(edges_or_log, overlap_as_zero=True)  # parallel work is not waiting
    starts = dict(start_activities(edges_or_log)[["activity", "cases"]].itertuples(index=False, name=None))
    ends = dict(end_activities(edges_or_log)[["activity", "cases"]].itertuples(index=False, name=None))
    # every event is either the first of its case or the target of exactly one transition
    events = {name: float(n) for name, n in starts.items()}
    for name, total in edges.groupby("target")["transitions"].sum().items():
        events[str(name)] = events.get(str(name), 0.0) + float(total)
    table = variants(edges_or_log)
    backbone = tuple(table["trace"].iloc[0]) if len(table) else ()
    return _Graph(edges=edges, weights=events, counted=True, starts=starts, ends=ends, backbone=backbone)


def _median_processing(
    edges_or_log: pd.DataFrame | pl.DataFrame, durations: pd.DataFrame | None, function: str
) -> dict[str, pd.Timedelta]:
    """Activity -> median processing time, from ``durations`` or, for a log, its own durations."""
    if durations is None:
        if not isinstance(edges_or_log, pd.DataFrame | pl.DataFrame) or _is_edges(edges_or_log):
            return {}
        durations = activity_durations(edges_or_log)
    if not isinstance(durations, pd.DataFrame) or not {"activity", "duration_median"} <= set(
        durations.columns
    ):
        raise ArgumentError(
            f"The 'durations' argument of {function} takes o2c.activity_durations output (a frame with "
            f"'activity' and 'duration_median'); got {type(durations).__name__}."
        )
    return {
        str(activity): pd.Timedelta(median)
        for activity, median in durations[["activity", "duration_median"]].itertuples(index=False)
        if pd.notna(median)
    }


def _highlights(highlight: Any, graph: _Graph) -> dict[tuple[str, str], str]:
    """Edge -> role (``bottleneck`` or ``rework``) of every highlighted edge."""
    if highlight is None:
        return {}
    items = (
        list(highlight) if isinstance(highlight, list | tuple) and not _is_pair(highlight) else [highlight]
    )
    marked: dict[tuple[str, str], str] = {}
    for item in items:
        for edge, role in _highlight_edges(item):
            marked.setdefault(edge, role)
    known = set(zip(graph.edges["source"], graph.edges["target"], strict=True))
    for source, target in sorted(marked):
        if (source, target) not in known:
            labels = sorted(f"{s} -> {t}" for s, t in known)
            raise ArgumentError(
                f"render_map cannot highlight {source!r} -> {target!r}: the map has no such edge."
                + did_you_mean(f"{source} -> {target}", labels)
            )
    return marked


def _is_pair(item: Any) -> bool:
    return isinstance(item, tuple | list) and len(item) == 2 and all(isinstance(a, str) for a in item)


def _highlight_edges(item: Any) -> Iterable[tuple[tuple[str, str], str]]:
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
        "The 'highlight' argument of render_map takes a frame with 'source' and 'target' columns, rows "
        f"of o2c.rework, (source, target) tuples, or a list of these; got {item!r}."
    )


def _simplify(
    graph: _Graph,
    activities: float,
    paths: float,
    marked: Mapping[tuple[str, str], str],
    *,
    caps: tuple[int | None, int | None] = (None, None),
    keep: Iterable[str] = (),
) -> tuple[set[str], dict[tuple[str, str], int]]:
    """The activities and edges to draw (edges with their transitions; start/end edges included);
    ``caps``: at most that many activities and edges before connecting, highlighting and adding
    the activities of ``keep`` that the graph has."""
    most_activities, most_edges = (float("inf") if cap is None else cap for cap in caps)
    by_weight = sorted(graph.weights, key=lambda name: (-graph.weights[name], name))
    total = sum(graph.weights.values())
    nodes: set[str] = set()
    covered = 0.0
    for name in by_weight:
        if nodes and (covered >= activities * total - 1e-9 or len(nodes) >= most_activities):
            break
        nodes.add(name)
        covered += graph.weights[name]
    nodes.update(name for name in keep if name in graph.weights)

    full = _all_edges(graph)
    among = {
        edge: n for edge, n in full.items() if all(end in nodes or end in (_START, _END) for end in edge)
    }
    ranked = sorted(among, key=lambda edge: (-among[edge], edge))
    target = paths * sum(among.values())
    kept: dict[tuple[str, str], int] = {}
    for edge in ranked:
        if kept and (sum(kept.values()) >= target - 1e-9 or len(kept) >= most_edges):
            break
        kept[edge] = among[edge]
    for edge in zip(graph.backbone, graph.backbone[1:], strict=False):
        if edge in among:
            kept[edge] = among[edge]
    for edge in marked:
        kept[edge] = full[edge]
        nodes.update(edge)
    if full:
        _connect(full, nodes, kept, graph)
    return nodes, kept


def _left_out(graph: _Graph, nodes: set[str], kept: Mapping[tuple[str, str], int]) -> LeftOut:
    """The activities of ``graph`` not among ``nodes``, and its edges between activities not
    ``kept``, with the share of transitions those edges carry."""
    activities = sorted(
        (name for name in graph.weights if name not in nodes), key=lambda name: (-graph.weights[name], name)
    )
    edges = graph.edges[["source", "target", "transitions"]].itertuples(index=False)
    transitions = [(int(n), (str(s), str(t)) in kept) for s, t, n in edges]
    total = sum(n for n, _ in transitions)
    dropped = [n for n, drawn in transitions if not drawn]
    return LeftOut(tuple(activities), len(dropped), sum(dropped) / total if total else 0.0)


def _all_edges(graph: _Graph) -> dict[tuple[str, str], int]:
    edges = {
        (str(s), str(t)): int(n)
        for s, t, n in graph.edges[["source", "target", "transitions"]].itertuples(index=False)
    }
    edges.update({(_START, name): n for name, n in graph.starts.items()})
    edges.update({(name, _END): n for name, n in graph.ends.items()})
    return edges


def _connect(
    full: Mapping[tuple[str, str], int], nodes: set[str], kept: dict[tuple[str, str], int], graph: _Graph
) -> None:
    """Add the widest paths that make every kept activity reachable from the start and able to reach the end."""
    if graph.starts:
        sources, sinks = {_START}, {_END}
    else:  # a table of edges: anchor on the activities nothing leads to / that lead nowhere
        targets = {t for _, t in full}
        origins = {s for s, _ in full}
        sources = {s for s in origins if s not in targets} or {
            max(graph.weights, key=lambda n: (graph.weights[n], n))
        }
        sinks = {t for t in targets if t not in origins} or sources
    forward: dict[str, list[tuple[str, int]]] = {}
    backward: dict[str, list[tuple[str, int]]] = {}
    for (s, t), n in sorted(full.items()):
        forward.setdefault(s, []).append((t, n))
        backward.setdefault(t, []).append((s, n))
    for reverse, anchors, links in ((False, sources, forward), (True, sinks, backward)):
        order = sorted(nodes, key=lambda name: (-graph.weights.get(name, 0.0), name))
        for name in order:
            reached = _reach(anchors, kept, reverse=reverse)
            if name in reached:
                continue
            path = _widest_path(reached, name, links)
            for a, b in path:
                edge = (b, a) if reverse else (a, b)
                kept[edge] = full[edge]
                nodes.update(x for x in edge if x not in (_START, _END))


def _reach(anchors: set[str], kept: Mapping[tuple[str, str], int], *, reverse: bool) -> set[str]:
    links: dict[str, list[str]] = {}
    for s, t in kept:
        a, b = (t, s) if reverse else (s, t)
        links.setdefault(a, []).append(b)
    seen = set(anchors)
    stack = list(anchors)
    while stack:
        for nxt in links.get(stack.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _widest_path(
    reached: set[str], goal: str, links: Mapping[str, list[tuple[str, int]]]
) -> list[tuple[str, str]]:
    """Steps from the reached set to ``goal`` whose smallest edge is largest (ties by name)."""
    best: dict[str, float] = dict.fromkeys(reached, math.inf)
    came: dict[str, str] = {}
    heap = [(-math.inf, name) for name in sorted(reached)]
    while heap:
        negative, name = heapq.heappop(heap)
        width = -negative
        if width < best.get(name, -1.0):
            continue  # a wider way here was found after this entry was queued
        if name == goal:
            break
        for nxt, n in links.get(name, []):
            through = min(width, float(n))
            if nxt not in reached and through > best.get(nxt, -1.0):
                best[nxt] = through
                came[nxt] = name
                heapq.heappush(heap, (-through, nxt))
    steps = []
    name = goal
    while name in came:
        steps.append((came[name], name))
        name = came[name]
    return steps[::-1]


def _draw(
    graph: _Graph,
    measure: str,
    nodes: set[str],
    kept: Mapping[tuple[str, str], int],
    marked: Mapping[tuple[str, str], str],
    left_out: LeftOut,
) -> ProcessMap:
    chart = ProcessMap("process map", encoding="utf-8", left_out=left_out)
    chart.attr(rankdir="TB", nodesep="0.35", ranksep="0.45", fontname=_FONT, bgcolor="white", pad="0.2")
    chart.attr("node", shape="box", style="rounded,filled", fontname=_FONT, fontsize="12", margin="0.15,0.06")
    chart.attr("edge", fontname=_FONT, fontsize="11", arrowsize="0.7")
    names = sorted(nodes)
    ids = {name: f"a{i}" for i, name in enumerate(names, start=1)}
    ids.update({_START: "start", _END: "end"})
    heaviest = max((graph.weights.get(n, 0.0) for n in names), default=1.0) or 1.0
    on_backbone = set(graph.backbone)
    if any(s == _START for s, _ in kept):
        chart.node("start", label="start", shape="circle", style="filled", fillcolor=COLOURS["start"],
                   fontcolor="white", fontsize="10", width="0.5", fixedsize="true")  # fmt: skip
    for name in names:
        share = graph.weights.get(name, 0.0) / heaviest
        fill = _tint(COLOURS["node"], 0.12 + 0.78 * share)
        label = f"<b>{html.escape(name)}</b>"
        facts = [format_count(graph.weights.get(name, 0.0))] if graph.counted else []
        if name in graph.processing:
            facts.append(f"{_WORK} {format_duration(graph.processing[name])}")
        if facts:
            label += f'<br/><font point-size="10">{" · ".join(facts)}</font>'
        chart.node(
            ids[name],
            label=f"<{label}>",
            fillcolor=fill,
            fontcolor=_text_colour(fill),
            color=COLOURS["node"],
            **({"group": "backbone"} if name in on_backbone else {}),
        )
    if any(t == _END for _, t in kept):
        chart.node("end", label="end", shape="doublecircle", style="filled", fillcolor=COLOURS["end"],
                   fontcolor="white", fontsize="10", width="0.45", fixedsize="true")  # fmt: skip
    values = _edge_values(graph, measure)
    widest = max(kept.values(), default=1) or 1
    backbone_edges = set(zip(graph.backbone, graph.backbone[1:], strict=False))
    for edge in sorted(kept, key=_edge_sort_key):
        source, target = edge
        width = f"{1 + 5 * kept[edge] / widest:.2f}"
        if _START in edge or _END in edge:
            label = f"<{_GAP}{format_count(kept[edge])}>" if measure in ("transitions", "cases") else ""
            chart.edge(ids[source], ids[target], label=label, style="dashed", color=COLOURS["edge"],
                       fontcolor=COLOURS["edge"], penwidth=width)  # fmt: skip
            continue
        role = marked.get(edge)
        colour = COLOURS[role] if role else COLOURS["edge"]
        text = html.escape(_format(measure, values.get(edge)))
        chart.edge(
            ids[source],
            ids[target],
            label=f"<{_GAP}<b>{text}</b>>" if role else f"<{_GAP}{text}>",
            color=colour,
            fontcolor=colour if role else "#333333",
            penwidth=width,
            weight="10" if edge in backbone_edges else "1",
        )
    legend = _legend(measure, set(marked.values()), processing=bool(graph.processing), left_out=left_out)
    chart.attr(label=legend, labelloc="b", labeljust="l", fontsize="11")
    return chart


def _edge_sort_key(edge: tuple[str, str]) -> tuple[int, str, int, str]:
    """Start edges first, end edges last, the rest by name."""
    source, target = edge
    return (0 if source == _START else 1, source, 1 if target == _END else 0, target)


def _edge_values(graph: _Graph, measure: str) -> dict[tuple[str, str], Any]:
    return {
        (str(s), str(t)): value
        for s, t, value in graph.edges[["source", "target", measure]].itertuples(index=False)
    }


def _legend(measure: str, roles: set[str], *, processing: bool, left_out: LeftOut) -> str:
    boxes = "activities with their events"
    if processing:
        boxes += f" and '{_WORK}', the median processing time (start to completion)"
    parts = [f"Boxes: {boxes}. Edge labels: {_MEASURE_WORDS[measure]}; thickness: transitions."]
    if "bottleneck" in roles:
        parts.append(f'<font color="{COLOURS["bottleneck"]}"><b>&#9632; bottleneck</b></font>')
    if "rework" in roles:
        parts.append(f'<font color="{COLOURS["rework"]}"><b>&#9632; rework loop</b></font>')
    caption = left_out.caption()
    below = f'<br align="left"/>{html.escape(caption)}.<br align="left"/>' if caption else ""
    return "<" + "   ".join(parts) + below + ">"


def _tint(colour: str, strength: float) -> str:
    """``colour`` mixed with white: strength 0 is white, 1 the colour itself."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mix = [round(255 - (255 - c) * strength) for c in (red, green, blue)]
    return "#{:02X}{:02X}{:02X}".format(*mix)


def _text_colour(fill: str) -> str:
    """Black or white, whichever contrasts more with ``fill`` (WCAG relative luminance)."""
    channels = [int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "black" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "white"


def _format(measure: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if measure in ("transitions", "cases"):
        return format_count(value)
    if measure == "value_days":
        return format_amount(value)
    return format_duration(value)
