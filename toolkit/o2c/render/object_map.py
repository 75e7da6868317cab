"""The object-centric process map (OC-DFG): each object type's directly-follows graph in one
drawing, the edges coloured by object type.

Examples
--------
>>> from o2c._flatten import example_ocel, object_directly_follows
>>> chart = render_object_map(object_directly_follows(example_ocel()))
>>> "Delivery" in chart.source and "#E69F00" in chart.source
True
"""

from __future__ import annotations

import html

import pandas as pd
import polars as pl

from o2c._format import format_count
from o2c.errors import check_choice
from o2c.render._dot import ProcessMap

#: Okabe-Ito colours (safe for colour-blind readers), one per object type in name order, repeated.
TYPE_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
#: What the edge labels can show.
OBJECT_MAP_MEASURES = ("transitions", "event_couples", "objects")


def render_object_map(
    edges: pd.DataFrame | pl.DataFrame, *, measure: str = "event_couples", max_edges: int = 60
) -> ProcessMap:
    """Draw ``o2c.object_directly_follows`` as one map: activities as boxes, each object type's
    edges in its own colour, labelled with ``measure``; the legend names the types.

    Parameters
    ----------
    edges : DataFrame
        The result of ``o2c.object_directly_follows``.
    measure : str
        ``event_couples`` (default: distinct pairs of events, pm4py's edge frequency),
        ``transitions`` (one per object) or ``objects``.
    max_edges : int
        The most edges drawn, most frequent first (per the measure); the caption says how many
        were left out.

    Returns
    -------
    ProcessMap
        A ``graphviz.Digraph`` that shows itself in Jupyter; nodes and edges in sorted order.
    """
    check_choice(measure, OBJECT_MAP_MEASURES, argument="measure", function="render_object_map")
    table = edges.to_pandas() if isinstance(edges, pl.DataFrame) else edges
    ranked = table.sort_values(
        [measure, "object_type", "source", "target"], ascending=[False, True, True, True], kind="stable"
    )
    shown = ranked.head(max_edges)
    types = sorted(table["object_type"].astype(str).unique())
    colour = {t: TYPE_COLOURS[i % len(TYPE_COLOURS)] for i, t in enumerate(types)}
    chart = ProcessMap("object_centric_map", graph_attr={"rankdir": "TB", "fontname": "Helvetica"})
    chart.attr("node", shape="box", style="rounded", fontname="Helvetica", fontsize="11")
    chart.attr("edge", fontname="Helvetica", fontsize="9")
    activities = sorted(set(shown["source"].astype(str)) | set(shown["target"].astype(str)))
    names = {activity: f"a{i}" for i, activity in enumerate(activities)}
    for activity in activities:
        chart.node(names[activity], label=f"<{html.escape(activity)}>")
    for row in shown.sort_values(["object_type", "source", "target"], kind="stable").itertuples(index=False):
        kind = str(row.object_type)
        label = f"{html.escape(kind)} {format_count(getattr(row, measure))}"
        chart.edge(
            names[str(row.source)], names[str(row.target)], label=f"<{label}>", color=colour[kind],
            fontcolor=colour[kind], penwidth="1.6",
        )  # fmt: skip
    rows = "".join(
        f'<TR><TD><FONT COLOR="{colour[t]}">&#9632;</FONT></TD><TD ALIGN="LEFT">{html.escape(t)}</TD></TR>'
        for t in types
    )
    left = len(table) - len(shown)
    caption = f'<TR><TD COLSPAN="2">{format_count(left)} rarer edges left out</TD></TR>' if left else ""
    chart.node(
        "legend",
        label=f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2">{rows}{caption}</TABLE>>',
        shape="plaintext",
    )
    return chart
