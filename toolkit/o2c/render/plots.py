"""Charts of the result frames (matplotlib): where the waiting time goes, what drives it, how
long orders take on and off the ideal path, and how few variants cover most orders.

Each function takes a result frame, returns a ``matplotlib.figure.Figure`` (a ``Chart``: no
pyplot, no global state; it shows itself in Jupyter as SVG and ``fig.savefig`` writes it) and draws with the
DejaVu Sans font that ships with matplotlib and the Okabe-Ito colours of the process maps, so
the same frame gives the same drawing on every machine. Durations are shown in days.

Examples
--------
>>> from o2c.performance import bottlenecks
>>> from o2c import example_log
>>> fig = plot_bottlenecks(bottlenecks(example_log(), top=None))
>>> fig.axes[0].get_xlabel()
'total waiting time (days)'
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.figure import Figure

from o2c._format import format_duration
from o2c.errors import ColumnMappingError
from o2c.render.maps import COLOURS

#: The style every chart is drawn in: a font that ships with matplotlib, quiet axes.
STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10.0,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "svg.fonttype": "path",
    "svg.hashsalt": "o2c",
}

_DAY_SECONDS = 86_400.0
_WIDTH = 7.5
#: The size of the charts' smallest text (bar labels, legends), in points: 12 px where a chart is
#: shown at its size (a point is 4/3 px), above the report's 11 px floor (8 pt drew 10.7 px).
_SMALL = 9.0


def _title(ax: Any, text: str) -> None:
    """A chart's title over the whole figure, from its left edge: a title centred over the bars
    alone is cut off when the bar labels take half the width. Tick labels with thousands
    separators, never an offset such as ``1e6``."""
    ax.figure.suptitle(
        text, x=0.01, ha="left", fontsize=STYLE["axes.titlesize"], fontweight=STYLE["axes.titleweight"]
    )
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(nbins=5))  # room for "1,750,000"
    ax.xaxis.set_major_formatter(
        mpl.ticker.FuncFormatter(lambda v, _pos: f"{v:,.0f}" if abs(v) >= 10 else f"{v:g}")
    )


@contextmanager
def chart_style() -> Iterator[None]:
    """Draw (and save) inside this block to get the charts' fixed font and style.

    >>> with chart_style():
    ...     import matplotlib
    ...     matplotlib.rcParams["font.family"]
    ['DejaVu Sans']
    """
    with mpl.rc_context(STYLE):  # type: ignore[arg-type]  # matplotlib types keys as literals
        yield


class Chart(Figure):
    """A matplotlib ``Figure`` that shows itself in Jupyter as SVG, without pyplot or a backend.

    >>> Chart()._repr_svg_().startswith("<?xml")
    True
    """

    def _repr_svg_(self) -> str:
        return figure_svg(self)


def figure_svg(figure: Figure) -> str:
    """A figure as SVG text, the same bytes on every run: fixed hash salt and font, no date.

    >>> from o2c.discovery import variants
    >>> from o2c import example_log
    >>> figure_svg(plot_variants(variants(example_log()))) == figure_svg(plot_variants(variants(example_log())))
    True
    """
    buffer = io.StringIO()
    with chart_style():
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _days(values: pd.Series, working_day: datetime.timedelta | None = None) -> np.ndarray:
    """Durations in days: of 24 hours, or working days of ``working_day``."""
    day = _DAY_SECONDS if working_day is None else working_day.total_seconds()
    return np.asarray(pd.to_timedelta(values).dt.total_seconds(), dtype=float) / day


def _unit(working_day: datetime.timedelta | None) -> str:
    return "days" if working_day is None else "working days"


def _label(text: object) -> str:
    """Text from the log, safe for matplotlib (a ``$`` would start mathematics)."""
    return str(text).replace("$", r"\$")


def _need(frame: pd.DataFrame, columns: tuple[str, ...], function: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ColumnMappingError(
            f"{function} needs the column {missing[0]!r}; the frame has {list(frame.columns)}.",
            column=missing[0],
        )


def plot_bottlenecks(
    bottlenecks: pd.DataFrame, *, top: int = 10, working_day: datetime.timedelta | None = None
) -> Figure:
    """Bars of the total waiting time of the worst edges, the customer's waits in grey.

    Parameters
    ----------
    bottlenecks : DataFrame
        ``o2c.bottlenecks`` output (``rank``, ``source``, ``target``, ``wait_total``, and
        ``owner`` when an ideal path told the customer's waits apart).
    top : int
        How many edges to draw, in rank order.
    working_day : timedelta, optional
        The durations are working time (computed with a ``calendar=``): drawn in working days
        of this length (``WorkingCalendar.working_day``), and the axis says so.

    Returns
    -------
    Figure
        One horizontal bar per edge (worst on top), labelled with its median wait; the worst
        internal edge in vermillion, the customer's waits in grey.

    Examples
    --------
    >>> from o2c.performance import bottlenecks
    >>> from o2c import example_log
    >>> fig = plot_bottlenecks(bottlenecks(example_log(), top=None), top=3)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['Check Credit → Confirm Order', 'Confirm Order → Ship Goods', 'Create Invoice → Receive Payment']
    """
    _need(bottlenecks, ("source", "target", "wait_total", "wait_median"), "plot_bottlenecks")
    shown = bottlenecks.head(top).iloc[::-1]
    owner = shown["owner"] if "owner" in shown.columns else pd.Series("internal", index=shown.index)
    internal = bottlenecks[
        (bottlenecks["owner"] == "internal") if "owner" in bottlenecks.columns else slice(None)
    ]
    worst = tuple(internal[["source", "target"]].iloc[0]) if len(internal) else None
    colours = [
        COLOURS["bottleneck"] if (s, t) == worst else ("#BBBBBB" if o == "customer" else COLOURS["node"])
        for s, t, o in zip(shown["source"], shown["target"], owner, strict=True)
    ]
    with chart_style():
        fig = Chart(figsize=(_WIDTH, 0.45 * len(shown) + 1.1), layout="constrained")
        ax = fig.add_subplot()
        days = _days(shown["wait_total"], working_day)
        labels = [_label(f"{s} → {t}") for s, t in zip(shown["source"], shown["target"], strict=True)]
        ax.barh(labels, days, color=colours)
        for y, (total, median) in enumerate(zip(days, shown["wait_median"], strict=True)):
            ax.annotate(
                f"  median {format_duration(median, day=None if working_day is None else pd.Timedelta(working_day))}",
                (total, y),
                va="center",
                fontsize=_SMALL,
                color="#333333",
                annotation_clip=False,
            )
        ax.set_xlabel(f"total waiting time ({_unit(working_day)})")
        _title(ax, "Where the waiting time goes, open and closed orders (customer's waits in grey)")
        ax.margins(x=0.25)
    return fig


def plot_drivers(
    drivers: pd.DataFrame, *, top: int = 8, working_day: datetime.timedelta | None = None
) -> Figure:
    """Median wait on one edge for the attribute values that go with the longest waits.

    Parameters
    ----------
    drivers : DataFrame
        ``o2c.drivers`` output for one edge (``attribute``, ``value``, ``wait_median``,
        ``others_wait_median``, ``ratio``), or ``Assessment.drivers``: then only the rows of its
        first edge (``source``, ``target``: the worst internal bottleneck) are drawn.
    top : int
        How many values to draw, largest ratio first.
    working_day : timedelta, optional
        The durations are working time (computed with a ``calendar=``): drawn in working days
        of this length (``WorkingCalendar.working_day``), and the axis says so.

    Returns
    -------
    Figure
        A bar per value (median wait of its orders, in days) beside a grey bar for the other
        orders, labelled with the ratio.

    Examples
    --------
    >>> from o2c.performance import drivers
    >>> from o2c import example_log
    >>> found = drivers(example_log(), ("Confirm Order", "Ship Goods"), attributes=["region"], min_cases=1)
    >>> [t.get_text() for t in plot_drivers(found).axes[0].get_yticklabels()]
    ['region AMER', 'region EMEA']
    """
    _need(drivers, ("attribute", "value", "wait_median", "others_wait_median", "ratio"), "plot_drivers")
    if {"source", "target"} <= set(drivers.columns) and len(drivers):
        first = (drivers["source"] == drivers["source"].iloc[0]) & (
            drivers["target"] == drivers["target"].iloc[0]
        )
        drivers = drivers[first]
    shown = drivers.head(top).iloc[::-1]
    with chart_style():
        fig = Chart(figsize=(_WIDTH, 0.5 * len(shown) + 1.1), layout="constrained")
        ax = fig.add_subplot()
        y = np.arange(len(shown))
        these, others = (
            _days(shown["wait_median"], working_day),
            _days(shown["others_wait_median"], working_day),
        )
        ax.barh(y + 0.2, these, height=0.4, color=COLOURS["bottleneck"], label="orders with this value")
        ax.barh(y - 0.2, others, height=0.4, color="#BBBBBB", label="all other orders")
        for row, (value, ratio) in enumerate(zip(these, shown["ratio"], strict=True)):
            ax.annotate(
                f"  {ratio:,.1f}×", (value, row + 0.2), va="center", fontsize=_SMALL, annotation_clip=False
            )
        ax.set_yticks(
            y, [_label(f"{a} {v}") for a, v in zip(shown["attribute"], shown["value"], strict=True)]
        )
        ax.set_xlabel(f"median waiting time ({_unit(working_day)})")
        _title(ax, "What goes with the longest waits here (open and closed orders)")
        ax.legend(loc="lower right", frameon=False, fontsize=_SMALL)
        ax.margins(x=0.15)
    return fig


def plot_lead_times(
    alignments: pd.DataFrame,
    *,
    bins: int = 30,
    orders: str = "orders (open ones: time so far)",
    working_day: datetime.timedelta | None = None,
) -> Figure:
    """Histogram of the orders' lead times, orders on the ideal path against the others.

    Parameters
    ----------
    alignments : DataFrame
        ``o2c.align`` output (``lead_time``, ``is_fit``).
    bins : int
        Number of bins, shared by both groups.
    orders : str
        Which orders ``alignments`` holds, for the title ("How long {orders} take, ..."); pass
        e.g. ``"the 1,200 closed orders"`` with the rows of ``o2c.conformance.closed_cases``.
    working_day : timedelta, optional
        The durations are working time (computed with a ``calendar=``): drawn in working days
        of this length (``WorkingCalendar.working_day``), and the axis says so.

    Returns
    -------
    Figure
        Two overlaid histograms of lead time in days: conforming orders (green) and deviating
        orders (vermillion), each with a dashed line at its median.

    Examples
    --------
    >>> from o2c.conformance import IdealPath, align
    >>> from o2c import example_log
    >>> ideal = IdealPath(("Create Sales Order", "Check Credit", "Confirm Order", "Ship Goods",
    ...                    "Create Invoice", "Receive Payment"))
    >>> fig = plot_lead_times(align(example_log(), ideal))
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['on the ideal path (1)', 'off it (2)']
    """
    _need(alignments, ("lead_time", "is_fit"), "plot_lead_times")
    days = _days(alignments["lead_time"], working_day)
    fit = alignments["is_fit"].to_numpy(dtype=bool)
    with chart_style():
        fig = Chart(figsize=(_WIDTH, 3.0), layout="constrained")
        ax = fig.add_subplot()
        edges = np.histogram_bin_edges(days, bins=bins) if len(days) else np.linspace(0, 1, bins + 1)
        for mask, colour, label in (
            (fit, COLOURS["start"], "on the ideal path"),
            (~fit, COLOURS["bottleneck"], "off it"),
        ):
            ax.hist(
                days[mask], bins=list(edges), color=colour, alpha=0.6, label=f"{label} ({int(mask.sum()):,})"
            )
            if mask.any():
                ax.axvline(float(np.median(days[mask])), color=colour, linestyle="--", linewidth=1.2)
        ax.set_xlabel(f"lead time ({_unit(working_day)}); dashed: medians")
        ax.set_ylabel("orders")
        _title(ax, f"How long {orders} take, on and off the ideal path")
        ax.legend(frameon=False, fontsize=_SMALL)
    return fig


def plot_variants(variants: pd.DataFrame, *, top: int = 50) -> Figure:
    """The share of orders the most frequent variants cover, one after another (a Pareto curve).

    Parameters
    ----------
    variants : DataFrame
        ``o2c.variants`` output (``variant_id``, ``cases``, ``share``), most frequent first.
    top : int
        How many variants to draw.

    Returns
    -------
    Figure
        Bars of each variant's share of orders and a line of the cumulative share (in %).

    Examples
    --------
    >>> from o2c.discovery import variants
    >>> from o2c import example_log
    >>> fig = plot_variants(variants(example_log()))
    >>> fig.axes[0].get_ylabel()
    'share of orders (%)'
    """
    _need(variants, ("variant_id", "share"), "plot_variants")
    shown = variants.head(top)
    with chart_style():
        fig = Chart(figsize=(_WIDTH, 2.8), layout="constrained")
        ax = fig.add_subplot()
        x = np.arange(1, len(shown) + 1)
        share = 100 * shown["share"].to_numpy(dtype=float)
        ax.bar(x, share, color=COLOURS["node"], width=0.8)
        ax.plot(x, np.cumsum(share), color=COLOURS["bottleneck"], marker="o", markersize=3, linewidth=1.5)
        ax.set_ylim(0, 100)
        ax.set_xlabel(f"variants, most frequent first ({len(variants):,} in all)")
        ax.set_ylabel("share of orders (%)")
        _title(ax, "How many variants cover the orders, open and closed (line: cumulative)")
    return fig


#: How ``plot_case_timeline`` colours a step by its move against the ideal path.
_MOVE_COLOURS = {"on path": COLOURS["node"], "inserted": COLOURS["bottleneck"], "skipped": "#999999"}


def plot_case_timeline(timeline: pd.DataFrame) -> Figure:
    """One order's walk-through: its steps on a time axis, the waits between them, its milestones.

    Parameters
    ----------
    timeline : DataFrame
        ``o2c.case_timeline`` output for one order (``step``, ``activity``, ``timestamp``,
        ``resource``, ``wait``, ``processing``, ``move``, ``rework``, ``milestone``,
        ``days_past_due``).

    Returns
    -------
    Figure
        One row per step, top to bottom in time order: a grey bar for the wait before the step
        (from the end of the previous step to its start), a bar for its processing time where
        the log has start times, a dot at its end: blue on the ideal path, vermillion inserted,
        ringed in purple when it is rework. Skipped steps of the ideal path are grey crosses at
        the point of the walk where the alignment puts them. Milestones are dotted lines,
        labelled beside their step with the resource and the wait; the title gives the order's
        span, its deviations and its days past due.

    Examples
    --------
    >>> from o2c import IdealPath, case_timeline, example_log
    >>> ideal = IdealPath(("Create Sales Order", "Check Credit", "Confirm Order", "Ship Goods",
    ...                    "Create Invoice", "Receive Payment"))
    >>> fig = plot_case_timeline(case_timeline(example_log(), "2", ideal=ideal))
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()][1:4]
    ['2  Check Credit', '3  Check Credit', '4  Confirm Order']
    >>> fig.texts[0].get_text()
    'Order 2: 6 steps over 1.3 d; 1 inserted, 1 skipped, 1 rework'
    """
    _need(
        timeline,
        (
            "case_id",
            "step",
            "activity",
            "timestamp",
            "resource",
            "wait",
            "processing",
            "move",
            "rework",
            "milestone",
        ),
        "plot_case_timeline",
    )
    rows = timeline.reset_index(drop=True)
    ends = pd.to_datetime(rows["timestamp"], utc=True).dt.tz_localize(None)
    end = np.asarray(mdates.date2num(ends.to_numpy()), dtype=np.float64)  # days; NaN where skipped
    work = np.maximum(_days(rows["processing"].fillna(pd.Timedelta(0))), 0.0)  # overlaps wait 0
    wait = np.maximum(_days(rows["wait"].fillna(pd.Timedelta(0))), 0.0)
    start = end - work
    # a skipped step sits where the walk is: at the end of the step before it (else the first end)
    known = pd.Series(end).ffill().bfill().to_numpy()
    skipped = (rows["move"] == "skipped").to_numpy()
    rework = rows["rework"].fillna(False).to_numpy(dtype=bool)
    n = len(rows)
    with chart_style():
        fig = Chart(figsize=(_WIDTH, 0.3 * n + 1.6), layout="constrained")
        ax = fig.add_subplot()
        y = np.arange(n)
        events = ~skipped
        ax.barh(y[events], wait[events], left=(start - wait)[events], height=0.35, color="#CCCCCC",
                label="wait before the step")  # fmt: skip
        colours = [_MOVE_COLOURS.get(str(m), "#999999") for m in rows["move"]]
        has_work = events & (work > 0)
        ax.barh(y[has_work], work[has_work], left=start[has_work], height=0.6,
                color=[colours[i] for i in np.flatnonzero(has_work)], alpha=0.5)  # fmt: skip
        for move in ("on path", "inserted"):
            chosen = events & (rows["move"] == move).to_numpy()
            ax.scatter(end[chosen], y[chosen], s=36, color=_MOVE_COLOURS[move], zorder=3, label=move)
        ax.scatter(known[skipped], y[skipped], s=40, marker="x", color=_MOVE_COLOURS["skipped"], zorder=3,
                   label="skipped (not in the log)")  # fmt: skip
        ax.scatter(end[rework], y[rework], s=110, facecolors="none", edgecolors=COLOURS["rework"],
                   linewidths=1.5, zorder=4, label="rework (done before)")  # fmt: skip
        timed = n > 0 and not np.isnan(known).all()
        first = float(np.nanmin(np.append(start - wait, known))) if timed else 0.0
        last = float(np.nanmax(known)) if timed else 1.0
        span = max(last - first, 1 / 24)
        for i in range(n):  # notes right of the dot, left of it in the right half (no clipping)
            right = known[i] <= first + 0.55 * span
            ax.annotate(_row_note(rows.iloc[i]), (known[i], i), xytext=(8 if right else -8, 0),
                        textcoords="offset points", ha="left" if right else "right", va="center",
                        fontsize=_SMALL, color="#333333", annotation_clip=False, zorder=5)  # fmt: skip
            if isinstance(rows["milestone"].iloc[i], str):
                ax.axvline(end[i], color=COLOURS["start"], linestyle=":", linewidth=1.2, zorder=1)
        labels = [
            _label(f"{'' if pd.isna(s) else s}  {a}")
            for s, a in zip(rows["step"], rows["activity"], strict=True)
        ]
        ax.set_yticks(y, labels)
        for tick, is_skipped in zip(ax.get_yticklabels(), skipped, strict=True):
            if is_skipped:
                tick.set_color("#777777")
                tick.set_fontstyle("italic")
        ax.set_ylim(n - 0.5, -0.5)
        _title(ax, _timeline_title(rows))
        locator = mdates.AutoDateLocator(maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.set_xlabel("time (UTC); dotted: milestones")
        ax.set_xlim(first - 0.04 * span, last + 0.06 * span)
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3, frameon=False, fontsize=_SMALL)
    return fig


def _row_note(row: pd.Series) -> str:
    """Beside a step: its milestone, resource and wait, or that it was skipped."""
    if row["move"] == "skipped":
        return "skipped"
    parts = []
    if isinstance(row["milestone"], str):
        parts.append(row["milestone"].upper())
    if isinstance(row["resource"], str):
        parts.append(f"by {row['resource']}")
    if pd.notna(row["wait"]):
        wait = pd.Timedelta(row["wait"])
        second = pd.Timedelta(seconds=1)
        parts.append(
            f"waited {format_duration(wait)}"
            if wait >= second
            else f"overlaps the step before by {format_duration(-wait)}"
            if wait <= -second
            else "no wait"
            if wait == pd.Timedelta(0)
            else "waited under 1 s"
            if wait > pd.Timedelta(0)
            else "overlaps the step before by under 1 s"
        )
    if pd.notna(row["processing"]):
        parts.append(f"took {format_duration(pd.Timedelta(row['processing']))}")
    return _label(" · ".join(parts))


def _timeline_title(rows: pd.DataFrame) -> str:
    """The order, its steps and span, its deviations and its days past due, in one line."""
    events = rows[rows["move"] != "skipped"]
    moves = rows["move"].value_counts()
    span = events["timestamp"].max() - events["timestamp"].min() if len(events) else pd.Timedelta(0)
    parts = [f"{int(moves.get(k, 0))} {k}" for k in ("inserted", "skipped") if moves.get(k, 0)]
    if rows["rework"].fillna(False).any():
        parts.append(f"{int(rows['rework'].fillna(False).sum())} rework")
    title = f"Order {rows['case_id'].iloc[0] if len(rows) else '?'}: {len(events)} steps over {format_duration(span)}"
    title += f"; {', '.join(parts)}" if parts else "; on the ideal path"
    if "days_past_due" in rows.columns and len(rows) and pd.notna(rows["days_past_due"].iloc[0]):
        days = float(rows["days_past_due"].iloc[0])
        title += (
            f"; paid {abs(days):,.0f} days {'late' if days > 0 else 'early'}"
            if days
            else "; paid on the due date"
        )
    return _label(title)


def plot_approval_chains(by_length: pd.DataFrame, *, working_day: datetime.timedelta | None = None) -> Figure:
    """Lead time by approval chain length: median and 90th percentile bars, orders on each.

    Parameters
    ----------
    by_length : DataFrame
        ``o2c.approvals(log).by_length`` (``chain_length``, ``orders``, ``closed_orders``,
        ``lead_time_median``, ``lead_time_p90``, ``approval_wait_median``).
    working_day : timedelta, optional
        The durations are working time: drawn in working days of this length.

    Returns
    -------
    Figure
        One group of bars per chain length (0, 1, 2, 3+): the median lead time of its closed
        orders and its 90th percentile, the median wait for approvals inside the median bar;
        labelled with the closed orders counted.

    Examples
    --------
    >>> from o2c import approvals, simulate
    >>> fig = plot_approval_chains(approvals(simulate(100, seed=1, back_office=True).log).by_length)
    >>> [t.get_text() for t in fig.axes[0].get_xticklabels()][:2]
    ['0 approvals', '1 approval']
    """
    _need(
        by_length,
        ("chain_length", "closed_orders", "lead_time_median", "lead_time_p90", "approval_wait_median"),
        "plot_approval_chains",
    )
    labels = [f"{c} approval{'' if c == '1' else 's'}" for c in by_length["chain_length"]]
    median = np.nan_to_num(_days(by_length["lead_time_median"], working_day))
    p90 = np.nan_to_num(_days(by_length["lead_time_p90"], working_day))
    waits = np.nan_to_num(_days(by_length["approval_wait_median"], working_day))
    x = np.arange(len(labels))
    with chart_style():
        fig = Chart(figsize=(_WIDTH, 3.0), layout="constrained")
        ax = fig.add_subplot()
        ax.bar(x - 0.2, median, width=0.4, color=COLOURS["start"], label="median lead time")
        ax.bar(x - 0.2, waits, width=0.4, color=COLOURS["bottleneck"], label="of which waiting for approvals")
        ax.bar(x + 0.2, p90, width=0.4, color=COLOURS["start"], alpha=0.45, label="90th percentile")
        for i, closed in enumerate(by_length["closed_orders"]):
            ax.annotate(
                f"{int(closed):,} closed",
                (x[i], max(median[i], p90[i])),
                ha="center",
                va="bottom",
                fontsize=_SMALL,
                xytext=(0, 2),
                textcoords="offset points",
            )
        _title(ax, "Lead time of closed orders by the number of approvals they passed")
        ax.set_xticks(x, labels)  # after _title, which sets the x ticks of the bar charts
        ax.set_ylabel(_unit(working_day))
        top = float(max(np.max(p90, initial=0.0), np.max(median, initial=0.0)))
        ax.set_ylim(0, top * 1.3 if top > 0 else 1)  # room for the legend above the bars
        ax.legend(frameon=False, fontsize=_SMALL, loc="upper left", ncols=3)
    return fig
