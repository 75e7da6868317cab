"""Simplifying a process map: which activities and edges to draw, and what that leaves out.

``Graph`` is what a map is drawn from (edges with their numbers, activity weights, start and
end counts, the backbone); ``simplify`` chooses the activities and edges the sliders and caps
keep, and connects them to the start and the end; ``left_out_of`` says what it left out.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

#: The start and end nodes of a map, as edge ends (no activity has these names).
START, END = "__start__", "__end__"


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


@dataclass
class Graph:
    """What the map is drawn from: edges with their numbers, activity weights, start and end."""

    edges: pd.DataFrame
    weights: dict[str, float]
    counted: bool  # weights are event counts (from start counts and edges), not estimates
    starts: dict[str, int] = field(default_factory=dict)
    ends: dict[str, int] = field(default_factory=dict)
    backbone: tuple[str, ...] = ()
    processing: dict[str, pd.Timedelta] = field(default_factory=dict)  # median processing time


def simplify(
    graph: Graph,
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
    among = {edge: n for edge, n in full.items() if all(end in nodes or end in (START, END) for end in edge)}
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


def left_out_of(graph: Graph, nodes: set[str], kept: Mapping[tuple[str, str], int]) -> LeftOut:
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


def _all_edges(graph: Graph) -> dict[tuple[str, str], int]:
    edges = {
        (str(s), str(t)): int(n)
        for s, t, n in graph.edges[["source", "target", "transitions"]].itertuples(index=False)
    }
    edges.update({(START, name): n for name, n in graph.starts.items()})
    edges.update({(name, END): n for name, n in graph.ends.items()})
    return edges


def _connect(
    full: Mapping[tuple[str, str], int], nodes: set[str], kept: dict[tuple[str, str], int], graph: Graph
) -> None:
    """Add the widest paths that make every kept activity reachable from the start and able to reach the end."""
    if graph.starts:
        sources, sinks = {START}, {END}
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
                nodes.update(x for x in edge if x not in (START, END))


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
