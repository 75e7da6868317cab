"""The interactive process explorer: one self-contained HTML file a coach can open offline and mail.

``explore(result_or_log)`` turns an ``Assessment`` (or an event log, assessed first) into an
``Explorer``: ``.save(path)`` writes the page, and in JupyterLab or VS Code it shows itself
inline. The page holds the map (activity and path sliders with o2c's simplification, a measure
switch, the bottleneck and the worst rework loop highlighted, zoom and pan on a layout that
stays put), the orders through a clicked activity or edge, each order's timeline beside the
ideal path, filters (time window, attribute values, variant, conforming), a replay of the
orders over the map and a dotted chart. Everything is inline: the vendored Cytoscape.js and
cytoscape-dagre (MIT; rebuilt from ``js/package-lock.json`` by ``scripts/build_explorer.sh``),
our script and style, and the data (``_payload``); the page makes no network request.

In the page, ``window.o2cExplorer`` is a small API for embedding and tests:
``setSliders(activities, paths)``, ``setMeasure(name)``, ``visibleEdges()``
(``[{source, target, value}]``), ``ordersThrough(source, target)`` (order ids),
``timeline(orderId)`` (rows as ``o2c.case_timeline``) and ``setFilter({from, to, attributes,
variants, conforming})``; the README's section "The explorer" documents them.

Examples
--------
>>> from o2c import example_log
>>> explorer = explore(example_log())
>>> page = explorer.html()
>>> page.startswith("<!DOCTYPE html>"), "window.o2cExplorer" in page
(True, True)
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import pandas as pd
import polars as pl

from o2c._assess import Assessment, assess
from o2c._calendar import WorkingCalendar, check_calendar
from o2c._compare import Comparison
from o2c._explore._html import LIBRARIES, explorer_page
from o2c._explore._payload import DRILL_ROWS, comparison_payload, payload
from o2c.errors import ArgumentError, check_share
from o2c.io import read_log
from o2c.model import IdealPath, LoadedLog, ProcessModel

__all__ = ["DRILL_ROWS", "LIBRARIES", "Explorer", "explore"]


class Explorer:
    """An explorer page: ``save(path)`` writes it; notebooks show it inline (an ``<iframe>``)."""

    def __init__(self, page: str, *, height: int = 900) -> None:
        self._page = page
        self.height = height

    def html(self) -> str:
        """The whole page, one self-contained HTML document."""
        return self._page

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (replaced whole: a half-written page is never left behind)."""
        target = Path(path)
        staging = target.with_name(f".{target.name}.partial")
        staging.write_text(self._page, encoding="utf-8")
        os.replace(staging, target)
        return target

    def _repr_html_(self) -> str:
        """The page in an ``<iframe srcdoc>`` (its own document, so its script runs in
        JupyterLab and VS Code, which do not run scripts of inline HTML output)."""
        return (
            f'<iframe srcdoc="{html.escape(self._page, quote=True)}" '
            f'style="width:100%;height:{self.height}px;border:1px solid #ddd" '
            'sandbox="allow-scripts" title="o2c process explorer"></iframe>'
        )

    def __repr__(self) -> str:
        return f"<Explorer: {len(self._page.encode('utf-8')):,} bytes; .save(path) writes it>"


def explore(
    result_or_log: Assessment | Comparison | LoadedLog | pl.DataFrame | pd.DataFrame,
    *,
    ideal: IdealPath | ProcessModel | None = None,
    calendar: WorkingCalendar | None = None,
    activities: float = 0.8,
    paths: float = 0.8,
    height: int = 900,
) -> Explorer:
    """The interactive process explorer of an assessment or of an event log.

    Parameters
    ----------
    result_or_log : Assessment, Comparison, LoadedLog or DataFrame
        The result of ``o2c.assess`` (its tables and ideal path are used), or a log
        (``o2c.read_log``'s ``LoadedLog``, or an event log frame), which is assessed first. A
        ``Comparison`` (``o2c.compare``) opens the comparison mode: its orders (both sides,
        assessed with its ideal path and calendar), the differential map (edges coloured by the
        direction and size of their significant change, from ``Comparison.edges``), the sides as
        a filter, the headlines and the edges table.
    ideal : IdealPath or ProcessModel, optional
        For a log: the ideal path to assess it against (else one is discovered, as ``assess``
        does). An assessment has its own; passing another one is an error.
    calendar : WorkingCalendar, optional
        For a log: count waits, processing and lead times in working time (``o2c.read_calendar``),
        as ``o2c.assess(..., calendar=)`` does; default: the calendar a ``LoadedLog`` was read
        with. An assessment has its own (``Assessment.calendar``), which the page follows:
        waits in working days (``wd``, ``wh``), timestamps real, the calendar named.
    activities, paths : float
        Where the map's sliders start (shares of events and transitions, 0..1), as
        ``o2c.render_map``'s.
    height : int
        Height in pixels of the page shown inline in a notebook.

    Returns
    -------
    Explorer
        ``.save(path)`` writes the page; ``.html()`` returns it; a notebook shows it inline.

    Examples
    --------
    >>> from o2c import example_log
    >>> explore(example_log(), activities=1.0)
    <Explorer: ... bytes; .save(path) writes it>
    """
    for name, share in (("activities", activities), ("paths", paths)):
        check_share(share, argument=name, function="explore")
    calendar = check_calendar(calendar, function="explore")
    comparison = result_or_log if isinstance(result_or_log, Comparison) else None
    if isinstance(result_or_log, Assessment | Comparison):
        for argument, given in (("ideal", ideal), ("calendar", calendar)):
            if given is not None:
                raise ArgumentError(
                    f"explore({type(result_or_log).__name__.lower()}, {argument}=...) cannot change its {argument}; "
                    f"pass the log instead, or assess it with that {argument} first.",
                    function="explore",
                    argument=argument,
                    value=given,
                    allowed="None for an Assessment or a Comparison",
                )
    if comparison is not None:
        if comparison.log is None:
            raise ArgumentError(
                "explore(comparison) needs the orders compared; this Comparison holds none "
                "(compare the log again with o2c.compare).",
                function="explore",
                argument="result_or_log",
                value=comparison,
                allowed="a Comparison made by o2c.compare",
            )
        # the compared log is read already: keep every event of it (an XES log keeps its duplicates)
        orders = read_log(comparison.log, keep_duplicates=True)
        assessment = assess(orders, ideal=comparison.ideal, calendar=comparison.calendar, progress=False)
    elif isinstance(result_or_log, Assessment):
        assessment = result_or_log
    elif isinstance(result_or_log, LoadedLog | pl.DataFrame | pd.DataFrame):
        loaded = result_or_log if isinstance(result_or_log, LoadedLog) else read_log(result_or_log)
        assessment = assess(loaded, ideal=ideal, calendar=calendar, progress=False)
    else:
        raise ArgumentError(
            f"explore takes an Assessment (o2c.assess), a Comparison (o2c.compare), a LoadedLog "
            f"(o2c.read_log) or an event log (a DataFrame); got {type(result_or_log).__name__}.",
            function="explore",
            argument="result_or_log",
            value=result_or_log,
            allowed="an Assessment, a Comparison, a LoadedLog or an event log",
        )
    data = payload(assessment, activities=activities, paths=paths)
    if comparison is not None:
        data["comparison"] = comparison_payload(comparison, data["cases"]["id"])
        data["title"] = f"{comparison.b} against {comparison.a}"
    return Explorer(explorer_page(data), height=height)
