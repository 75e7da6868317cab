"""The differential map of a comparison: one map, edges coloured by the direction and size of their
significant change in median wait, the other edges grey.

Examples
--------
>>> import pandas as pd
>>> edges = pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"], "transitions_a": [40, 40],
...     "transitions_b": [50, 45], "wait_median_diff": pd.to_timedelta(["2 days", "1 hour"]),
...     "changed": [True, False]})
>>> chart = render_difference(edges, a="Q1", b="Q2")
>>> [line.split(" color")[0].strip() for line in chart.source.splitlines() if "->" in line]
['a1 -> a2 [label=<&#160;&#160;<b>+2.0 d</b>>', 'a2 -> a3 [color="#BBBBBB" penwidth=2.89]']
"""

from __future__ import annotations

import html

import pandas as pd

from o2c._format import format_duration
from o2c.render._dot import COLOURS, ProcessMap, _edge_sort_key, _tint
from o2c.render._simplify import END, START, Graph, left_out_of, simplify

#: Colours of the differential map (Okabe-Ito): longer waits vermillion, shorter bluish green.
SLOWER, FASTER = COLOURS["bottleneck"], COLOURS["start"]
_FONT = "Helvetica"
_GAP = "&#160;&#160;"


def difference_colours(edges: pd.DataFrame) -> dict[tuple[str, str], tuple[str, float]]:
    """The colour and pen width of each edge whose median wait changed (``changed``), by the
    direction and size of ``wait_median_diff``: vermillion when longer, bluish green when
    shorter, darker and thicker the larger the change (relative to the largest change). The
    differential map and the explorer's comparison mode both draw these.

    >>> edges = pd.DataFrame({"source": ["a", "b", "c"], "target": ["b", "c", "d"],
    ...     "wait_median_diff": pd.to_timedelta(["2 days", "-1 day", "1 hour"]), "changed": [True, True, False]})
    >>> difference_colours(edges)
    {('a', 'b'): ('#D55E00', 6.0), ('b', 'c'): ('#46B99A', 4.9)}
    """
    changed = edges[edges["changed"].astype(bool) & edges["wait_median_diff"].notna()]
    largest = max((abs(d.total_seconds()) for d in changed["wait_median_diff"]), default=1.0) or 1.0
    colours = {}
    for source, target, diff in zip(
        changed["source"], changed["target"], changed["wait_median_diff"], strict=True
    ):
        strength = 0.45 + 0.55 * abs(diff.total_seconds()) / largest
        colour = _tint(SLOWER if diff.total_seconds() > 0 else FASTER, strength)
        colours[(str(source), str(target))] = (colour, round(2 + 4 * strength, 2))
    return colours


def render_difference(
    edges: pd.DataFrame,
    *,
    a: str,
    b: str,
    activities: float = 0.9,
    paths: float = 0.9,
    working_day: pd.Timedelta | None = None,
) -> ProcessMap:
    """The differential map of a ``Comparison``'s ``edges``: every edge whose median wait changed
    (``changed``) is drawn and labelled with the difference B minus A, vermillion when longer,
    green when shorter, darker and thicker the larger the change; the others are grey. The map
    keeps the most frequent activities and edges (both sides together) up to ``activities`` and
    ``paths`` (shares), as ``render_map`` does. ``working_day``: the waits are working time (a
    comparison with a calendar), labelled in working days of this length (``2.1 wd``)."""
    frame = edges.assign(
        source=edges["source"].astype(str),
        target=edges["target"].astype(str),
        transitions=edges["transitions_a"] + edges["transitions_b"],
    )
    weights: dict[str, float] = {}
    for side in ("source", "target"):
        for name, total in frame.groupby(side)["transitions"].sum().items():
            weights[str(name)] = max(weights.get(str(name), 0.0), float(total))
    graph = Graph(edges=frame, weights=weights, counted=False)
    changed = frame[frame["changed"].astype(bool)]
    marked = {(s, t): "changed" for s, t in zip(changed["source"], changed["target"], strict=True)}
    nodes, kept = simplify(graph, activities, paths, marked)
    left_out = left_out_of(graph, nodes, kept)
    colours = difference_colours(frame)
    diffs = {
        (s, t): d for s, t, d in zip(frame["source"], frame["target"], frame["wait_median_diff"], strict=True)
    }
    chart = ProcessMap("differential map", encoding="utf-8", left_out=left_out)
    chart.attr(rankdir="TB", nodesep="0.35", ranksep="0.45", fontname=_FONT, bgcolor="white", pad="0.2")
    chart.attr("node", shape="box", style="rounded,filled", fontname=_FONT, fontsize="12", margin="0.15,0.06")
    chart.attr("edge", fontname=_FONT, fontsize="11", arrowsize="0.7")
    names = sorted(n for n in nodes if n not in (START, END))
    ids = {name: f"a{i}" for i, name in enumerate(names, start=1)}
    for name in names:
        chart.node(ids[name], label=f"<<b>{html.escape(name)}</b>>", fillcolor="#F2F2F2", color="#6E6E6E")
    widest = max(kept.values(), default=1) or 1
    for edge in sorted((e for e in kept if START not in e and END not in e), key=_edge_sort_key):
        source, target = edge
        diff = diffs.get(edge)
        if edge in colours and diff is not None:
            colour, width = colours[edge]
            sign = "+" if diff.total_seconds() > 0 else ""
            text = html.escape(sign + format_duration(diff, day=working_day))
            chart.edge(ids[source], ids[target], label=f"<{_GAP}<b>{text}</b>>", color=colour,
                       fontcolor=colour, penwidth=f"{width:.2f}")  # fmt: skip
        else:
            chart.edge(ids[source], ids[target], color="#BBBBBB",
                       penwidth=f"{1 + 2 * kept[edge] / widest:.2f}")  # fmt: skip
    legend = (
        f"Median waiting time, {html.escape(b)} against {html.escape(a)}: "
        f'<font color="{SLOWER}"><b>&#9632; longer</b></font>   '
        f'<font color="{FASTER}"><b>&#9632; shorter</b></font>   '
        "grey: no significant change"
    )
    if working_day is not None:
        hours = f"{working_day.total_seconds() / 3600:g}"
        legend += f'<br align="left"/>Working time: wd = a working day of {hours} h, wh = a working hour.'
    caption = left_out.caption()
    if caption:
        legend += f'<br align="left"/>{html.escape(caption)}.<br align="left"/>'
    chart.attr(label=f"<{legend}>", labelloc="b", labeljust="l", fontsize="11")
    return chart
