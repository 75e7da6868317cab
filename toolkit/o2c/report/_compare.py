"""The comparison report folder: compare.html (headlines, the differential map, the tables),
compare.json (the same tables), one CSV per table, the map as DOT and SVG, and explorer.html
(the interactive explorer in its comparison mode, ``o2c.explore(comparison)``)."""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from o2c._compare import Comparison
from o2c._format import format_amount, format_count, format_share
from o2c._write import replacing_folder
from o2c.errors import GraphvizMissingError
from o2c.render._difference import render_difference
from o2c.render.tables import column_kinds, format_cell, kpi_kind
from o2c.report._headlines import duration_words
from o2c.report._html import inline_svg, readable_svg
from o2c.report._write import _csv

#: The columns of the KPI table whose kind is the row's ``unit`` (``kpi_kind``).
_KPI_VALUES = ("value_a", "value_b", "value_diff", "ci_low", "ci_high")
#: The files ``write_comparison`` writes besides ``tables/`` and ``maps/``.
COMPARE_FILES = ("compare.html", "compare.json")
#: The interactive explorer of the comparison, written beside compare.html.
EXPLORER_FILE = "explorer.html"
#: The tables of a comparison, as ``compare.json`` and ``tables/`` name them.
COMPARE_TABLES = ("edges", "activities", "kpis", "variants")


def comparison_headlines(comparison: Comparison, *, top: int = 5) -> list[str]:
    """Sentences of what changed, largest change first: waits in days (with their interval, the
    orders and the order value of side B on the edge), then shares of orders.

    >>> from o2c import simulate
    >>> from o2c._compare import compare
    >>> sim = simulate(2000, seed=4, change_step="Ship Goods", change_at="2025-05-05", change_days=2)
    >>> result = compare(sim.log, by="2025-05-05", ideal=sim.ideal, resamples=200)
    >>> [sentence[:52] for sentence in comparison_headlines(result)[:2]]  # recent orders: still open
    ["Caveat: 32% of side B's orders (since 2025-05-05) ar", 'Pick Goods -> Ship Goods waits 3.9 days longer since']
    """
    edges = comparison.edges
    sentences = _caveats(comparison)
    waits = edges[edges["changed"]]
    day = working_day(comparison)  # working time in working days, when there is a calendar

    def words(value: Any) -> str:
        return duration_words(value, day)

    for row in _rows(waits.head(top)):
        diff = row["wait_median_diff"]
        longer = diff > pd.Timedelta(0)
        low, high = (row["ci_low"], row["ci_high"]) if longer else (-row["ci_high"], -row["ci_low"])
        when = _when(comparison)
        sentence = (
            f"{row['source']} -> {row['target']} waits {words(abs(diff))} "
            f"{'longer' if longer else 'shorter'} {when} (median {words(row['wait_median_b'])} against "
            f"{words(row['wait_median_a'])}; {_level(comparison)} CI {words(low)} to "
            f"{words(high)}; {format_count(row['orders_b'])} orders)"
        )
        if not math.isnan(row["value_b"]):
            unit = f" {comparison.currency}" if comparison.currency else ""
            sentence += f"; {format_amount(row['value_b'])}{unit} of order value affected"
        sentences.append(sentence + ".")
    shares = edges[edges["share_changed"] & ~edges["changed"]]
    for row in _rows(shares.head(max(0, top - len(sentences)))):
        sentences.append(
            f"{format_share(row['share_b'])} of orders in {comparison.b} pass {row['source']} -> {row['target']}, "
            f"against {format_share(row['share_a'])} in {comparison.a} ({_points(row['share_diff'])}; "
            f"{_level(comparison)} CI {_points(row['share_ci_low'])} to {_points(row['share_ci_high'])})."
        )
    if len(sentences) == len(_caveats(comparison)):
        sentences.append(
            f"No significant change between {comparison.a} ({format_count(comparison.orders_a)} orders) and "
            f"{comparison.b} ({format_count(comparison.orders_b)} orders) at the "
            f"{format_share(comparison.parameters['alpha'])} level."
        )
    return sentences


#: A caveat is written when the shares of open orders of the two sides differ by this much.
OPEN_GAP = 0.05


def _caveats(comparison: Comparison) -> list[str]:
    """A warning first when one side has many more open orders than the other (a recent period
    whose orders have not finished yet): their late steps are missing, not faster or rarer."""
    found = _rows(comparison.kpis[comparison.kpis["kpi"] == "open_orders"])
    if not found:
        return []
    row = found[0]
    shares = [float(row[f"value_{side}"]) / max(int(row[f"orders_{side}"]), 1) for side in "ab"]
    if any(math.isnan(share) for share in shares) or abs(shares[1] - shares[0]) < OPEN_GAP:
        return []
    return [
        f"Caveat: {format_share(shares[1])} of side B's orders ({comparison.b}) are still open, against "
        f"{format_share(shares[0])} of side A's ({comparison.a}); the steps they have not reached yet are missing "
        "from the log, so the shares and waits of late steps compare unlike orders. Compare periods "
        "whose orders have finished (two windows) to avoid it."
    ]


def working_day(comparison: Comparison) -> pd.Timedelta | None:
    """The length of a working day when the waits were compared in working time, else None."""
    return None if comparison.calendar is None else pd.Timedelta(comparison.calendar.working_day)


def calendar_sentence(comparison: Comparison) -> str:
    """What the waits count, for the page: working time of the calendar, or calendar time."""
    calendar = comparison.calendar
    if calendar is None:
        return "Waits count calendar time (every hour of every day)."
    return (
        f"Waits count working time of the calendar {calendar.describe()}: wd = a working day of "
        f"{calendar.day_hours:g} h, wh = a working hour. The sides (an order's first event) and the "
        "KPIs count calendar time."
    )


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _when(comparison: Comparison) -> str:
    b = comparison.b
    if b.startswith("since "):
        return b
    return f"in {b} than in {comparison.a}"


def _level(comparison: Comparison) -> str:
    return format_share(1 - float(comparison.parameters["alpha"]))


def _points(share: float) -> str:
    return f"{100 * share:+.1f} points"


def comparison_json(comparison: Comparison) -> dict[str, Any]:
    """``compare.json``: the sides, the parameters and every table (durations in seconds, ``*_s``)."""
    return {
        "a": comparison.a,
        "b": comparison.b,
        "orders_a": comparison.orders_a,
        "orders_b": comparison.orders_b,
        "currency": comparison.currency,
        "parameters": dict(comparison.parameters),
        "headlines": comparison_headlines(comparison),
        **{name: _records(getattr(comparison, name)) for name in COMPARE_TABLES},
    }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    columns: dict[str, list[Any]] = {}
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_timedelta64_dtype(values):
            seconds = values.dt.total_seconds().to_numpy()
            columns[f"{name}_s"] = [None if math.isnan(s) else float(s) for s in seconds]
        elif pd.api.types.is_bool_dtype(values):
            columns[str(name)] = [bool(v) for v in values]
        elif pd.api.types.is_integer_dtype(values):
            columns[str(name)] = [int(v) for v in values]
        elif pd.api.types.is_float_dtype(values):
            columns[str(name)] = [None if math.isnan(v) else float(v) for v in values]
        else:
            columns[str(name)] = [
                list(v) if isinstance(v, tuple) else (None if v is None else str(v)) for v in values
            ]
    return (
        [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]
        if columns
        else []
    )


def write_comparison(
    comparison: Comparison, out: str | Path, *, top: int = 10, explorer: bool = True
) -> list[Path]:
    """Write the comparison folder: compare.html, compare.json, tables/*.csv, maps/difference.dot
    (and .svg with Graphviz) and, with ``explorer``, explorer.html (``o2c.explore(comparison)``:
    the differential map, the sides as a filter, the orders behind each edge); written into a
    staging folder and renamed into place.

    >>> import tempfile
    >>> from o2c import simulate
    >>> from o2c._compare import compare
    >>> sim = simulate(600, seed=2)
    >>> result = compare(sim.log, by={"channel": "EDI"}, ideal=sim.ideal, resamples=100)
    >>> [p.name for p in write_comparison(result, tempfile.mkdtemp())][:3]
    ['compare.html', 'compare.json', 'edges.csv']
    """
    folder = Path(out)
    day = working_day(comparison)
    chart = render_difference(comparison.edges, a=comparison.a, b=comparison.b, working_day=day)
    try:
        svg: str | None = readable_svg(inline_svg(chart.pipe(format="svg").decode("utf-8")))
    except GraphvizMissingError:
        svg = None
    document = comparison_json(comparison)
    page: str | None = None
    if explorer and comparison.log is not None:
        from o2c._explore import explore  # the explorer builds on report's maps: imported when used

        page = explore(comparison).html()
    files: dict[str, bytes] = {
        "compare.html": _page(comparison, document["headlines"], svg, top, explorer=page is not None).encode(
            "utf-8"
        ),
        "compare.json": (json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode(),
    }
    for name in COMPARE_TABLES:
        files[f"tables/{name}.csv"] = _csv(getattr(comparison, name)).encode("utf-8")
    files["maps/difference.dot"] = chart.source.encode("utf-8")
    if svg is not None:
        files["maps/difference.svg"] = svg.encode("utf-8")
    if page is not None:
        files[EXPLORER_FILE] = page.encode("utf-8")
    with replacing_folder(folder) as staging:
        (staging / "tables").mkdir()
        (staging / "maps").mkdir()
        for name, content in files.items():
            (staging / name).write_bytes(content)
    return [folder / name for name in files]


def _page(
    comparison: Comparison, headlines: list[str], svg: str | None, top: int, *, explorer: bool = False
) -> str:
    """The self-contained HTML page; every name from the log is escaped."""
    e = html.escape
    day = working_day(comparison)  # the waits in working days, when there is a calendar
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(comparison.b)} against {e(comparison.a)}</title>",
        "<style>body{font-family:Helvetica,Arial,sans-serif;margin:2em;max-width:1100px}"
        "table{border-collapse:collapse;font-size:13px}td,th{padding:3px 8px;border-bottom:1px solid #ddd;"
        "text-align:right}td:first-child,th:first-child{text-align:left}.scroll{overflow-x:auto;max-width:100%}.map svg{max-width:100%;height:auto}"
        "</style></head><body>",
        f"<h1>What changed: {e(comparison.b)} against {e(comparison.a)}</h1>",
        f"<p>{format_count(comparison.orders_a)} orders in {e(comparison.a)}, "
        f"{format_count(comparison.orders_b)} orders in {e(comparison.b)}; orders belong to a side by their "
        f"first event. Seed {comparison.parameters['seed']}, {comparison.parameters['resamples']:,} bootstrap "
        f"resamples, significance level {comparison.parameters['alpha']} after Benjamini-Hochberg.</p>",
        f"<p class='calendar'>{e(calendar_sentence(comparison))}</p>",
        f"<p>Explore the orders behind each change: <a href='{EXPLORER_FILE}'>{EXPLORER_FILE}</a> "
        "(the differential map, either side as a filter, each order's timeline).</p>"
        if explorer
        else "",
        "<h2>Headlines</h2><ul>",
        *(f"<li>{e(sentence)}</li>" for sentence in headlines),
        "</ul><h2>Differential map</h2>",
        f"<div class='map'>{svg}</div>"
        if svg
        else "<p>Graphviz is not installed: see maps/difference.dot.</p>",
        "<h2>Edges</h2>",
        _table(
            comparison.edges.head(max(top, int(comparison.edges["changed"].sum()))),
            day=day,
            columns=[
                "source",
                "target",
                "orders_a",
                "orders_b",
                "share_a",
                "share_b",
                "wait_median_a",
                "wait_median_b",
                "wait_median_diff",
                "ci_low",
                "ci_high",
                "p_adjusted",
                "changed",
                "share_p_adjusted",
                "share_changed",
            ],
            currency=comparison.currency,
        ),
        "<h2>Activities</h2>",
        _table(
            comparison.activities.head(top),
            day=day,
            columns=[
                "activity",
                "orders_a",
                "orders_b",
                "share_a",
                "share_b",
                "wait_median_a",
                "wait_median_b",
                "wait_median_diff",
                "p_adjusted",
                "changed",
            ],
            currency=comparison.currency,
        ),
        "<h2>KPIs and conformance</h2>",
        _table(
            comparison.kpis,
            columns=[
                "kpi",
                "unit",
                "value_a",
                "value_b",
                "duration_a",
                "duration_b",
                "duration_diff",
                "duration_ci_low",
                "duration_ci_high",
                "value_diff",
                "ci_low",
                "ci_high",
                "orders_a",
                "orders_b",
            ],
            currency=comparison.currency,
        ),
        "<h2>Variants that changed most</h2>",
        _table(
            comparison.variants.head(top),
            columns=["trace", "orders_a", "orders_b", "share_a", "share_b", "status"],
            currency=comparison.currency,
        ),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _table(
    frame: pd.DataFrame,
    *,
    columns: list[str],
    currency: str | None,
    day: pd.Timedelta | None = None,
) -> str:
    """A result table as the report writes it: each column by its kind (``column_kinds``), the
    KPIs' values by their unit (``kpi_kind``), durations in working days of ``day`` when given;
    a wide table scrolls rather than widen the page."""
    shown = frame[columns]
    kinds = column_kinds(shown)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    rows = []
    for record in shown.to_dict("records"):
        cells = []
        for name in columns:
            kind, money = kinds[name], currency
            if name in _KPI_VALUES and "unit" in record:
                kind, unit_currency = kpi_kind(str(record["unit"]))
                money = unit_currency or currency
            text = format_cell(record[name], kind, currency=money, day=day)
            cells.append(f"<td>{html.escape(text)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<div class='scroll'><table><tr>{head}</tr>{''.join(rows)}</table></div>"
