"""Drawing a simplified process map as DOT text: nodes and edges in sorted order, so that the
same map gives the same text and the same SVG bytes."""

from __future__ import annotations

import datetime
import html
import math
from collections.abc import Mapping
from typing import Any

import graphviz
import pandas as pd

from o2c._format import format_amount, format_count, format_duration
from o2c.errors import GraphvizMissingError
from o2c.render._simplify import END, START, Graph, LeftOut

#: Okabe-Ito colours (safe for colour-blind readers), by role on the map.
COLOURS = {
    "node": "#0072B2",  # blue: activity fill, darker = more events
    "start": "#009E73",  # bluish green
    "end": "#000000",
    "edge": "#6E6E6E",
    "bottleneck": "#D55E00",  # vermillion
    "rework": "#CC79A7",  # reddish purple
}


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

#: A map that left nothing out (``ProcessMap``'s default).
_NOTHING_LEFT_OUT = LeftOut()


class ProcessMap(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose drawing says how to install Graphviz when ``dot`` is missing,
    and which says what simplification left out (``left_out``, a ``LeftOut``)."""

    def __init__(self, *args: Any, left_out: LeftOut = _NOTHING_LEFT_OUT, **kwargs: Any) -> None:
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


def draw(
    graph: Graph,
    measure: str,
    nodes: set[str],
    kept: Mapping[tuple[str, str], int],
    marked: Mapping[tuple[str, str], str],
    left_out: LeftOut,
    *,
    working_day: datetime.timedelta | None = None,
) -> ProcessMap:
    """The map of ``graph`` with the ``nodes`` and ``kept`` edges that ``simplify`` chose, edge labels
    showing ``measure``, the ``marked`` edges in their role's colour and a legend that says what
    was ``left_out``; ``working_day``: durations are working time, in working days of this length."""
    day = None if working_day is None else pd.Timedelta(working_day)
    chart = ProcessMap("process map", encoding="utf-8", left_out=left_out)
    chart.attr(rankdir="TB", nodesep="0.35", ranksep="0.45", fontname=_FONT, bgcolor="white", pad="0.2")
    chart.attr("node", shape="box", style="rounded,filled", fontname=_FONT, fontsize="12", margin="0.15,0.06")
    chart.attr("edge", fontname=_FONT, fontsize="11", arrowsize="0.7")
    names = sorted(nodes)
    ids = {name: f"a{i}" for i, name in enumerate(names, start=1)}
    ids.update({START: "start", END: "end"})
    heaviest = max((graph.weights.get(n, 0.0) for n in names), default=1.0) or 1.0
    on_backbone = set(graph.backbone)
    if any(s == START for s, _ in kept):
        chart.node("start", label="start", shape="circle", style="filled", fillcolor=COLOURS["start"],
                   fontcolor="white", fontsize="10", width="0.5", fixedsize="true")  # fmt: skip
    for name in names:
        share = graph.weights.get(name, 0.0) / heaviest
        fill = _tint(COLOURS["node"], 0.12 + 0.78 * share)
        label = f"<b>{html.escape(name)}</b>"
        facts = [format_count(graph.weights.get(name, 0.0))] if graph.counted else []
        if name in graph.processing:
            facts.append(f"{_WORK} {format_duration(graph.processing[name], day=day)}")
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
    if any(t == END for _, t in kept):
        chart.node("end", label="end", shape="doublecircle", style="filled", fillcolor=COLOURS["end"],
                   fontcolor="white", fontsize="10", width="0.45", fixedsize="true")  # fmt: skip
    values = _edge_values(graph, measure)
    widest = max(kept.values(), default=1) or 1
    backbone_edges = set(zip(graph.backbone, graph.backbone[1:], strict=False))
    for edge in sorted(kept, key=_edge_sort_key):
        source, target = edge
        width = f"{1 + 5 * kept[edge] / widest:.2f}"
        if START in edge or END in edge:
            label = f"<{_GAP}{format_count(kept[edge])}>" if measure in ("transitions", "cases") else ""
            chart.edge(ids[source], ids[target], label=label, style="dashed", color=COLOURS["edge"],
                       fontcolor=COLOURS["edge"], penwidth=width)  # fmt: skip
            continue
        role = marked.get(edge)
        colour = COLOURS[role] if role else COLOURS["edge"]
        text = html.escape(_format(measure, values.get(edge), day))
        chart.edge(
            ids[source],
            ids[target],
            label=f"<{_GAP}<b>{text}</b>>" if role else f"<{_GAP}{text}>",
            color=colour,
            fontcolor=colour if role else "#333333",
            penwidth=width,
            weight="10" if edge in backbone_edges else "1",
        )
    legend = _legend(
        measure, set(marked.values()), processing=bool(graph.processing), left_out=left_out, day=day
    )
    chart.attr(label=legend, labelloc="b", labeljust="l", fontsize="11")
    return chart


def _edge_sort_key(edge: tuple[str, str]) -> tuple[int, str, int, str]:
    """Start edges first, end edges last, the rest by name."""
    source, target = edge
    return (0 if source == START else 1, source, 1 if target == END else 0, target)


def _edge_values(graph: Graph, measure: str) -> dict[tuple[str, str], Any]:
    return {
        (str(s), str(t)): value
        for s, t, value in graph.edges[["source", "target", measure]].itertuples(index=False)
    }


def _legend(
    measure: str, roles: set[str], *, processing: bool, left_out: LeftOut, day: pd.Timedelta | None = None
) -> str:
    boxes = "activities with their events"
    if processing:
        boxes += f" and '{_WORK}', the median processing time (start to completion)"
    parts = [f"Boxes: {boxes}. Edge labels: {_MEASURE_WORDS[measure]}; thickness: transitions."]
    if day is not None and (processing or measure.startswith("wait_")):
        hours = f"{day.total_seconds() / 3600:g}"
        parts[0] += f" Working time: wd = a working day of {hours} h, wh = a working hour."
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


def _format(measure: str, value: Any, day: pd.Timedelta | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if measure in ("transitions", "cases"):
        return format_count(value)
    if measure == "value_days":
        return format_amount(value)
    return format_duration(value, day=day)
