"""The client report: an ``Assessment`` -> one self-contained HTML file, findings.json and tables.

``write_report`` writes a folder a consultant can mail and an analyst can check:

- ``report.html``: the five headline findings in sentences with numbers, the frequency and
  waiting-time maps, bottlenecks with their drivers, rework, conformance, variants, data quality
  and rejects, and an appendix with every definition; inline CSS and SVG, no script, no
  network request. Every string from the log is HTML-escaped.
- ``findings.json``: the same numbers for machines (durations in seconds), valid against the
  JSON Schema ``findings.schema.json`` shipped in the package (``findings_schema()``).
- ``maps/``: both maps as SVG, PNG and DOT; ``tables/``: every result frame as CSV (durations
  in seconds, columns ``*_s``); ``rejects.csv``; ``mapping.yaml`` (``o2c assess LOG --mapping
  mapping.yaml`` reads the file the same way again and draws the same maps: its ``map``
  section holds the sliders).

The same assessment gives the same bytes in every file: no clock, sorted tables, a fixed chart
font and SVG hash salt, and Graphviz's output for a DOT text that is itself stable.

Examples
--------
>>> from o2c.assess import assess
>>> from o2c.io import read_log
>>> from o2c.simulate import example_log
>>> result = assess(read_log(example_log()), progress=False)
>>> findings(result)["conformance"]["conforming_cases"]
1
"""

from __future__ import annotations

import html
import importlib.metadata
import json
import math
import platform
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import graphviz
import jinja2
import jsonschema
import numpy as np
import pandas as pd
import polars as pl
import yaml
from matplotlib.figure import Figure

from o2c._write import replacing_folder, spreadsheet_safe_table
from o2c.assess import Assessment
from o2c.conformance import IdealPath, closed_cases
from o2c.errors import ArgumentError, GraphvizMissingError
from o2c.io._mapping import MAP_SECTION, saved_mapping
from o2c.kpis import APPROVAL_PATTERN
from o2c.log import ACTIVITY
from o2c.milestones import REMINDER_PATTERN
from o2c.performance import DRIVER_COLUMNS
from o2c.plausibility import plausibility_warnings
from o2c.render.maps import READABLE_MAP, LeftOut, ProcessMap, render_maps
from o2c.render.plots import figure_svg, plot_bottlenecks, plot_drivers, plot_lead_times, plot_variants
from o2c.render.tables import (
    MONEY,
    NUMERIC_KINDS,
    column_kinds,
    format_amount,
    format_cell,
    format_count,
    format_share,
    kpi_kind,
)

#: The version of findings.json's layout; a change of keys or meaning raises it.
SCHEMA_VERSION = "1.0"

#: The files ``write_report`` writes besides ``maps/`` and ``tables/``.
REPORT_FILES = ("report.html", "findings.json", "rejects.csv", "mapping.yaml")

#: Keys of findings.json that ``compare_findings`` leaves out by default: where the file was.
NOT_COMPARED = ("input.path",)

_SIGNIFICANT = 0.05


# --- words and numbers ---------------------------------------------------------------------


def _duration(value: Any) -> str:
    """A duration in words, one decimal below 10 of a unit (100 for days).

    >>> [_duration(pd.Timedelta(x)) for x in ("10 days 21 hours", "4 hours 32 min", "15 hours", "35 min", "1 s")]
    ['10.9 days', '4.5 hours', '15 hours', '35 minutes', '1 seconds']
    """
    if value is None or pd.isna(value):
        return "unknown"
    seconds = pd.Timedelta(value).total_seconds()
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    for size, unit, limit in ((86_400, "days", 100), (3_600, "hours", 10), (60, "minutes", 0)):
        if seconds >= size:
            amount = seconds / size
            return f"{sign}{amount:,.1f} {unit}" if amount < limit else f"{sign}{amount:,.0f} {unit}"
    return f"{sign}{seconds:.0f} seconds"


def _share(value: float) -> str:
    """A share as a sentence says it: ``format_share``, or ``unknown`` when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "unknown"
    return format_share(value)


def _n(count: float, noun: str) -> str:
    """A count with its noun: ``1 order``, ``1,226 orders``."""
    return f"{format_count(count)} {noun}{'' if round(count) == 1 else 's'}"


def _money(value: float, currency: str | None) -> str:
    return format_amount(float(value)) + (f" {currency}" if currency else "")


def _times(ratio: float) -> str:
    return f"{ratio:,.0f}" if ratio >= 10 else f"{ratio:,.1f}"


def _final_step(assessment: Assessment) -> str | None:
    """The step that closes an order for the cost of divergence (its ``paid`` milestone, else the last)."""
    ideal = assessment.ideal
    if not isinstance(ideal, IdealPath) or not assessment.parameters["closed_only"]:
        return None
    return ideal.closing_step


# --- headline findings ---------------------------------------------------------------------


class Headlines(tuple[str, ...]):
    """The headline findings: sentences with numbers; shows itself as a numbered list.

    >>> print(Headlines(["Orders wait.", "Orders loop."]))
    1. Orders wait.
    2. Orders loop.
    """

    __slots__ = ()

    def __str__(self) -> str:
        return "\n".join(f"{i}. {text}" for i, text in enumerate(self, start=1))

    def _repr_html_(self) -> str:
        return "<ol>" + "".join(f"<li>{html.escape(text)}</li>" for text in self) + "</ol>"


def headlines(assessment: Assessment) -> Headlines:
    """Five sentences with the numbers that matter most, computed from the assessment's frames.

    1. The worst internal bottleneck: its median wait and total, and the attribute value
       (``drivers``) whose orders wait longest there, with the ratio.
    2. How many orders leave the ideal path, how much longer they take and the order value they
       hold (``cost_of_divergence``'s ``any deviation`` row).
    3. The worst rework loop (self-loop or ping-pong with most orders, then most extra
       executions; a repeat without one):
       orders, extra executions, and how much longer those orders take (``rework_cost``).
    4. Flow efficiency: value-adding over actual lead time of the closed orders, when it is
       computed (target hours or start times); otherwise the orders' median lead time.
    5. The order-to-cash KPIs (``kpis``): order-to-cash and invoice-to-cash time, payment on
       time, open orders and the stuck ones among them (``stuck_orders``) with the value they
       hold; when no order reaches both the ordered and the paid milestone, the costliest single
       deviation from the ideal path (financing cost, then orders) instead.

    Examples
    --------
    >>> from o2c.assess import assess
    >>> from o2c.io import read_log
    >>> from o2c.simulate import example_log
    >>> from o2c.conformance import IdealPath, closed_cases
    >>> ideal = IdealPath(("Create Sales Order", "Check Credit", "Confirm Order", "Ship Goods",
    ...                    "Create Invoice", "Receive Payment"), milestones={"paid": "Receive Payment"})
    >>> found = headlines(assess(read_log(example_log()), ideal=ideal, progress=False))
    >>> print(found[1])
    50% of the orders that reached Receive Payment (1 of 2) left the ideal path 'ideal path'; they took a median 8.3 days longer than the 1 order that followed it and hold 55.0 k of order value.
    """
    return _headlines(assessment, plausibility_warnings(assessment))


def _headlines(assessment: Assessment, warnings: pd.DataFrame) -> Headlines:
    """The headlines, each whose figure failed a serious check of ``warnings`` with its caveat."""
    kpi = _kpi_sentence(assessment)
    sentences = [
        _bottleneck_sentence(assessment),
        _divergence_sentence(assessment),
        _rework_sentence(assessment),
        _flow_sentence(assessment) or _lead_time_sentence(assessment),
        kpi or _deviation_sentence(assessment),
    ]
    serious = warnings[(warnings["severity"] == "serious") & (warnings["headline"] > 0)]
    for code, number in zip(serious["code"], serious["headline"], strict=True):
        if int(number) == 5 and kpi is not None:
            continue  # the fifth headline quotes the KPIs, not the deviation the check is about
        sentences[int(number) - 1] += f" Caveat: {_CAVEATS[str(code)]}"
    return Headlines(sentences)


#: What a headline says of a figure that failed a plausibility check (``o2c.plausibility``).
_CAVEATS = {
    "wait_over_a_year": "a wait longer than a year is more often a data artefact (reused numbers, placeholder "
    "dates) than a process fact; check some of these orders before quoting it.",
    "financing_cost_high": "this financing cost is above a tenth of the order value; check the waits behind "
    "it before quoting it.",
    "flow_efficiency_invalid": "a flow efficiency outside 0-100% points to inconsistent timestamps.",
    "ideal_path_rare": "this ideal path was found in the log and few orders follow it, so this measures "
    "the distance from a rare variant; give the client's ideal path before quoting it.",
}


def _top_internal(assessment: Assessment) -> pd.Series | None:
    ranked = assessment.bottlenecks
    internal = ranked[ranked["owner"] == "internal"]
    return internal.iloc[0] if len(internal) else None


def _top_driver(assessment: Assessment, rank: int) -> pd.Series | None:
    table = assessment.drivers
    found = table[(table["rank"] == rank) & (table["ratio"] > 1) & (table["p_value"] < _SIGNIFICANT)]
    return found.iloc[0] if len(found) else None


def _bottleneck_sentence(assessment: Assessment) -> str:
    edge = _top_internal(assessment)
    if edge is None:
        return "No order has two events in a row, so there is no waiting time between steps to rank."
    ranked = assessment.bottlenecks
    internal_total = pd.Timedelta(ranked.loc[ranked["owner"] == "internal", "wait_total"].sum())
    has_customer = bool((ranked["owner"] == "customer").any())
    scope = "of the waiting the company controls" if has_customer else "of all waiting between steps"
    if internal_total <= pd.Timedelta(0):
        return "Orders do not wait between steps: every step follows the one before it at the same time."
    share = edge["wait_total"] / internal_total
    sentence = (
        f"Orders wait a median {_duration(edge['wait_median'])} between {edge['source']} and "
        f"{edge['target']}, where {_share(share)} {scope} accumulates ({_duration(edge['wait_total'])} in all, open and closed orders alike)"
    )
    driver = _top_driver(assessment, int(edge["rank"]))
    if driver is None:
        min_cases = assessment.parameters["min_cases"]
        return (
            sentence + f"; no attribute value of the orders goes with a significantly longer wait there "
            f"(at least {_n(min_cases, 'order')}, p < {_SIGNIFICANT})."
        )
    names = [n for n in str(driver.get("aliases") or "").split("; ") if n]
    also = (
        f" (with {', '.join(names[:2])}" + (f" and {len(names) - 2} more" if len(names) > 2 else "") + ")"
        if names
        else ""
    )
    return (
        sentence + f"; orders with {driver['attribute']} {driver['value']}{also} wait a median "
        f"{_duration(driver['wait_median'])} there, {_times(driver['ratio'])} times as long as the others "
        f"({_duration(driver['others_wait_median'])})."
    )


def _any_deviation(assessment: Assessment) -> pd.Series | None:
    table = assessment.cost_of_divergence
    found = table[table["kind"] == "any"]
    return found.iloc[0] if len(found) else None


def _divergence_sentence(assessment: Assessment) -> str:
    summary = assessment.conformance
    name = _ideal_name(assessment)
    final = _final_step(assessment)
    row = _any_deviation(assessment)
    scope = f"the orders that reached {final}" if final else "the orders"
    if row is None:
        return (
            f"Every one of {scope} followed the ideal path {name} "
            f"({format_count(summary.conforming_cases)} of {_n(summary.cases, 'order')} in all)."
        )
    compared = round(row["cases"] / row["share_of_cases"])
    sentence = (
        f"{_share(row['share_of_cases'])} of {scope} ({format_count(row['cases'])} of "
        f"{format_count(compared)}) left the ideal path {name}"
    )
    if pd.notna(row["extra_time"]):
        longer = "longer" if row["extra_time"] >= pd.Timedelta(0) else "less"
        sentence += (
            f"; they took a median {_duration(abs(row['extra_time']))} {longer} than the "
            f"{_n(summary.conforming_cases, 'order')} that followed it"
        )
    else:
        sentence += f"; no order followed it ({format_count(summary.conforming_cases)} conforming)"
    if pd.notna(row["value_delayed"]):
        sentence += f" and hold {_money(row['value_delayed'], assessment.currency)} of order value"
    return sentence + "."


def _rework_sentence(assessment: Assessment) -> str:
    table, worst = _by_harm(assessment.rework), _worst_loop(assessment.rework)
    row = worst.iloc[0] if len(worst) else (table.iloc[0] if len(table) else None)
    if row is None:
        return (
            "No activity was executed twice in an order: every order was first time right "
            f"({_share(assessment.first_time_right)})."
        )
    if row["kind"] == "ping_pong":
        loop = f"{row['activity']} → {row['other_activity']} → {row['activity']} (ping-pong)"
    elif row["kind"] == "self_loop":
        loop = f"{row['activity']} → {row['activity']} (self-loop)"
    else:
        loop = f"{row['activity']} executed again (repeat)"
    sentence = (
        f"The worst rework loop is {loop}: {_n(row['cases_affected'], 'order')} "
        f"({_share(row['share_of_cases'])} of all orders, open and closed), "
        f"{_n(row['extra_executions'], 'extra execution')}"
    )
    cost = assessment.rework_cost
    key = (cost["activity"] == row["activity"]) & (cost["kind"] == row["kind"])
    key &= (
        cost["other_activity"].isna()
        if row["other_activity"] is None
        else cost["other_activity"] == row["other_activity"]
    )
    difference = cost.loc[key, "lead_time_difference"]
    if len(difference) and pd.notna(difference.iloc[0]):
        delta = difference.iloc[0]
        longer = "longer" if delta >= pd.Timedelta(0) else "less"
        sentence += f"; those orders take a median {_duration(abs(delta))} {longer} than the others"
    return sentence + f". {_share(assessment.first_time_right)} of all orders are first time right."


def _flow_sentence(assessment: Assessment) -> str | None:
    """Flow efficiency of the first source (target hours, else processing times); None when not computed."""
    rows = assessment.flow_efficiency
    rows = rows[rows["flow_efficiency"].notna()]
    if not len(rows):
        return None
    row = rows.iloc[0]
    final = _final_step(assessment)
    scope = f"the orders that reached {final}" if final else "all orders"
    if row["theoretical_from"] == "target_hours":
        work = "of work by the ideal path's target hours"
    else:
        work = "in progress (from each activity's start to its completion)"
    return (
        f"Flow efficiency is {_share(row['flow_efficiency'])}: {scope} ({format_count(row['cases'])}) spend a "
        f"median {_duration(row['theoretical_lead_time'])} {work} in a median lead time of "
        f"{_duration(row['actual_lead_time'])}; the rest is waiting."
    )


def processing_sentence(assessment: Assessment) -> str:
    """Processing against waiting time of the orders flow efficiency measures, in one sentence.

    From ``lead_time_split``: the median processing time per order (some activity in progress,
    start to completion), the median waiting time between steps, and the waiting share of all
    their lead time; with how many activity instances had no start event (their time counts
    as waiting). Without start times: that processing time is unknown, and why.

    Examples
    --------
    >>> from o2c.assess import assess
    >>> from o2c.io import read_log
    >>> from o2c.simulate import example_log
    >>> print(processing_sentence(assess(read_log(example_log()), progress=False)))
    Processing time is unknown: the log has no start events, only completions, so the time between two completions is both the work on the second step and the wait before it.
    """
    split = assessment.lead_time_split
    if not len(split):
        return (
            "Processing time is unknown: the log has no start events, only completions, so the time "
            "between two completions is both the work on the second step and the wait before it."
        )
    row = split.iloc[0]
    final = row["closing_step"]
    scope = f"the orders that reached {final}" if isinstance(final, str) else "all orders"
    if not row["cases"]:
        return f"No order among {scope} lasts longer than an instant, so there is no lead time to split."
    sentence = (
        f"Work itself takes a median {_duration(row['processing_time_median'])} per order; orders spend a "
        f"median {_duration(row['waiting_time_median'])} waiting between steps, "
        f"{_share(row['waiting_share'])} of their lead time ({scope}, {_n(row['cases'], 'order')})"
    )
    missing = int(row["instances_without_start"])
    if missing:
        sentence += (
            f". {format_count(missing)} of their {format_count(row['instances'])} activity instances have no "
            "start event; their time counts as waiting"
        )
    return sentence + "."


def _lead_time_sentence(assessment: Assessment) -> str:
    """The orders' median lead time, for when flow efficiency is not computed."""
    row = assessment.flow_efficiency.iloc[0]
    final = _final_step(assessment)
    scope = f"the orders that reached {final}" if final else "all orders"
    if not row["cases"]:
        return f"No order among {scope} lasts longer than an instant, so there is no lead time to measure."
    return (
        f"Orders take a median {_duration(row['actual_lead_time'])} from first to last event "
        f"({scope}, {format_count(row['cases'])}); flow efficiency is not computed: {row['reason']}."
    )


def _kpi_sentence(assessment: Assessment) -> str | None:
    table = assessment.kpis.set_index("kpi")
    o2c = table.loc["order_to_cash"]
    if pd.isna(o2c["duration"]):
        return None
    sentence = f"Order to cash takes a median {_duration(o2c['duration'])} ({_n(o2c['orders_covered'], 'paid order')}"
    i2c = table.loc["invoice_to_cash"]
    if pd.notna(i2c["duration"]):
        sentence += f"; invoice to cash {_duration(i2c['duration'])}"
    on_time = table.loc["on_time_payment_rate"]
    if pd.notna(on_time["value"]):
        sentence += f", {_share(on_time['value'])} paid on time"
    sentence += ")"
    open_orders = table.loc["open_orders"]
    stuck = assessment.stuck_orders
    if pd.notna(open_orders["value"]):
        sentence += (
            f"; {_n(open_orders['value'], 'order')} {'is' if open_orders['value'] == 1 else 'are'} still open, "
            f"{format_count(len(stuck))} of them "
            "stuck (waiting longer after their last step than 9 in 10 finished orders did)"
        )
        held = stuck["value"].sum(min_count=1)
        if len(stuck) and pd.notna(held):
            sentence += f" with {_money(held, assessment.currency)} of order value"
    return sentence + "."


def _deviation_sentence(assessment: Assessment) -> str:
    table = assessment.cost_of_divergence
    rows = table[table["kind"] != "any"]
    if not len(rows):
        if assessment.parameters.get("closed_only"):
            return (
                "No finished order skipped a step of the ideal path or had one inserted "
                "(orders that have not reached its final step are left out)."
            )
        return "No order skipped a step of the ideal path or had one inserted."
    row = rows.iloc[0]
    what = {
        "skipped": f"skipping {row['activity']}",
        "inserted": f"an inserted {row['activity']}",
        "invoice_before_shipment": "invoicing before shipment",
    }.get(row["kind"], str(row["deviation"]))
    sentence = f"The costliest deviation from the ideal path is {what}: {_n(row['cases'], 'order')}"
    if pd.notna(row["extra_time"]):
        longer = "longer" if row["extra_time"] >= pd.Timedelta(0) else "less"
        sentence += f", a median {_duration(abs(row['extra_time']))} {longer} than conforming orders"
    if pd.notna(row["financing_cost"]):
        rate = assessment.parameters["annual_rate"]
        sentence += (
            f", {_money(row['financing_cost'], assessment.currency)} of financing cost at "
            f"{100 * rate:g}% a year on {_money(row['value_delayed'], assessment.currency)} of order value"
        )
    return sentence + "."


def _ideal_name(assessment: Assessment) -> str:
    name = getattr(assessment.ideal, "name", "ideal path")
    return f"'{name}'" + (" (discovered from the log)" if assessment.ideal_discovered else "")


# --- findings.json -------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A JSON value: numbers as int/float (NaN, infinities -> null), durations in seconds, tuples as lists."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timedelta | np.timedelta64) or hasattr(value, "total_seconds"):
        return None if pd.isna(value) else float(pd.Timedelta(value).total_seconds())
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(float(value)) else None
    if isinstance(value, tuple | list | np.ndarray):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _plain_tree(value: Any) -> Any:
    """``value`` with every leaf made plain for JSON (see ``_plain``)."""
    if isinstance(value, Mapping):
        return {str(k): _plain_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_tree(v) for v in value]
    return _plain(value)


def _records(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Rows as JSON objects; duration columns get the suffix ``_s`` and hold seconds."""
    chosen = [c for c in (columns or frame.columns) if c in frame.columns]
    names = {c: f"{c}_s" if pd.api.types.is_timedelta64_dtype(frame[c]) else c for c in chosen}
    table = _cents(frame[chosen])
    return [
        {names[c]: _plain(v) for c, v in zip(chosen, row, strict=True)}
        for row in table.itertuples(index=False, name=None)
    ]


def _cents(frame: pd.DataFrame) -> pd.DataFrame:
    """Money columns rounded to the cent (see ``o2c.render.tables.MONEY``)."""
    money = [c for c in frame.columns if MONEY.match(str(c)) and pd.api.types.is_float_dtype(frame[c])]
    return frame.assign(**{c: frame[c].round(2) for c in money}) if money else frame


#: The packages whose versions decide a report's bytes, by the name findings.json gives them.
VERSIONED_PACKAGES = {
    "o2c": "o2c-toolkit",
    "polars": "polars",
    "duckdb": "duckdb",
    "pandas": "pandas",
    "numpy": "numpy",
    "pm4py": "pm4py",
}


def _versions() -> dict[str, str]:
    """Python's version, each of ``VERSIONED_PACKAGES``' and Graphviz's (``dot -V``; "not installed")."""
    try:
        dot = ".".join(str(part) for part in graphviz.version())
    except graphviz.ExecutableNotFound:
        dot = "not installed"
    packages = {name: importlib.metadata.version(package) for name, package in VERSIONED_PACKAGES.items()}
    return {"python": platform.python_version(), **packages, "graphviz": dot}


def _mapping(assessment: Assessment) -> dict[str, Any]:
    """The mapping used to read the log, with its reading options: ``--mapping`` reads it back."""
    return saved_mapping(assessment.source.mapping, assessment.source.notes)


def _ideal_path(assessment: Assessment) -> dict[str, Any]:
    ideal = assessment.ideal
    if isinstance(ideal, IdealPath):
        return {
            "name": ideal.name,
            "kind": "ideal_path",
            "discovered": assessment.ideal_discovered,
            "steps": list(ideal.steps),
            "optional": sorted(ideal.optional),
            "target_hours": {k: float(v) for k, v in ideal.target_hours.items()},
            "milestones": dict(ideal.milestones),
            "activities": sorted(set(ideal.steps)),
            "source": ideal.source,
        }
    return {
        "name": ideal.name,
        "kind": "process_model",
        "discovered": assessment.ideal_discovered,
        "steps": None,
        "optional": [],
        "target_hours": {},
        "milestones": {},
        "activities": list(ideal.activities),
        "source": ideal.source,
    }


def findings(
    assessment: Assessment, *, top: int = 10, map_activities: float = 0.8, map_paths: float = 0.8
) -> dict[str, Any]:
    """The numbers of the report for machines: the content of findings.json, durations in seconds.

    Parameters
    ----------
    assessment : Assessment
        The result of ``o2c.assess``.
    top : int
        How many bottlenecks and variants to list (every edge is listed under ``edges``).
    map_activities, map_paths : float
        The maps' sliders, recorded under ``report`` (see ``write_report``).

    Returns
    -------
    dict
        ``schema_version``, ``input`` (``path``, ``file``, ``sha256``, ``format``, ``rows``,
        ``rejected``, ``rejects`` per reason), ``mapping``, ``log`` (``events``, ``cases``,
        ``activities``, ``variants``, ``first_event``, ``last_event``), ``ideal_path``,
        ``parameters`` (of ``assess``: ``assess(loaded, ideal=..., **parameters)`` reruns it),
        ``report`` (``top``, ``map_activities``, ``map_paths``), ``versions``, ``headlines``,
        ``warnings`` (``o2c.plausibility_warnings``: ``code``, ``severity``, ``message``,
        ``evidence``, ``headline``), ``edges``, ``bottlenecks`` (each with ``drivers``), ``rework``, ``first_time_right``, ``conformance``, ``cost_of_divergence``,
        ``flow_efficiency`` (its first source) and ``flow_efficiency_sources`` (every one),
        ``processing_times`` (``activity_durations``, one record per activity) and
        ``lead_time_split`` (``o2c.lead_time_split``), both null when the log has no start times,
        ``variants``, ``data_quality``, ``milestones``, ``kpis`` (by KPI id:
        ``value``, ``duration_s``, ``unit``, ``orders_covered``, ``definition``),
        ``stuck_orders`` (``orders``, ``value``, the ``top`` ones), ``late_payment_drivers`` and
        ``late_payment_measure`` (``days_past_due``, ``invoice_to_cash``, or null without rows);
        valid against ``findings_schema()``.

    Examples
    --------
    >>> from o2c.assess import assess
    >>> from o2c.io import read_log
    >>> from o2c.simulate import example_log
    >>> found = findings(assess(read_log(example_log()), progress=False))
    >>> found["bottlenecks"][0]["source"], found["bottlenecks"][0]["wait_median_s"]
    ('Create Invoice', 1216800.0)
    """
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ArgumentError(f"The 'top' argument of write_report must be a positive int; got {top!r}.")
    a = assessment
    source = a.source
    warnings = plausibility_warnings(a)
    reasons = a.rejects.group_by("reason").agg(pl.col("source_row").n_unique()).sort("reason")
    edges = _records(a.waiting_times)
    bottlenecks = []
    for row in _records(a.bottlenecks.head(top)):
        found = a.drivers[a.drivers["rank"] == row["rank"]]
        bottlenecks.append(row | {"drivers": _records(found, DRIVER_COLUMNS)})
    cost = a.rework_cost.rename(columns={"cases_affected": "_cases"})
    rework = a.rework.merge(
        cost[["activity", "kind", "other_activity", "lead_time_difference"]],
        on=["activity", "kind", "other_activity"],
        how="left",
    )
    summary = a.conformance
    activities = summary.activities
    divergence = a.cost_of_divergence
    any_row = _any_deviation(a)
    flow_sources = _records(a.flow_efficiency)
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "input": {
            "path": source.path,
            "file": Path(source.path).name,
            "sha256": source.sha256,
            "format": source.format,
            "rows": source.rows,
            "rejected": a.rejects["source_row"].n_unique(),
            "rejects": {str(reason): int(n) for reason, n in reasons.iter_rows()},
        },
        "mapping": _mapping(a),
        "log": {k: _plain(v) for k, v in a.summary.items()},
        "ideal_path": _ideal_path(a),
        "parameters": dict(a.parameters),
        "report": {"top": top, "map_activities": map_activities, "map_paths": map_paths},
        "versions": _versions(),
        "headlines": list(_headlines(a, warnings)),
        "warnings": [
            {**row, "evidence": _plain_tree(row["evidence"]), "headline": int(row["headline"])}
            for row in warnings.to_dict(orient="records")
        ],
        "edges": edges,
        "bottlenecks": bottlenecks,
        "rework": _records(rework),
        "first_time_right": _plain(a.first_time_right),
        "conformance": {
            "ideal_path": getattr(a.ideal, "name", "ideal path"),
            "cases": summary.cases,
            "resolved_cases": summary.resolved_cases,
            "conforming_cases": summary.conforming_cases,
            "conforming_share": _plain(summary.share_conforming),
            "log_fitness": _plain(summary.log_fitness),
            "average_trace_fitness": _plain(summary.average_trace_fitness),
            "skipped": _counts(activities, "cases_skipped"),
            "inserted": _counts(activities, "cases_inserted"),
        },
        "cost_of_divergence": {
            "closed_only": bool(a.parameters["closed_only"]),
            "closing_step": _final_step(a),
            "annual_rate": float(a.parameters["annual_rate"]),
            "currency": a.currency,
            "cases_compared": None
            if any_row is None
            else round(any_row["cases"] / any_row["share_of_cases"]),
            "deviating_cases": 0 if any_row is None else int(any_row["cases"]),
            "share_deviating": 0.0 if any_row is None else _plain(any_row["share_of_cases"]),
            "extra_time_s": None if any_row is None else _plain(any_row["extra_time"]),
            "value_delayed": None if any_row is None else _plain(round(any_row["value_delayed"], 2)),
            "financing_cost": None if any_row is None else _plain(round(any_row["financing_cost"], 2)),
            "deviations": _records(divergence),
        },
        "flow_efficiency": flow_sources[0],
        "flow_efficiency_sources": flow_sources,
        "processing_times": _records(a.activity_durations) if len(a.activity_durations) else None,
        "lead_time_split": _records(a.lead_time_split)[0] if len(a.lead_time_split) else None,
        "variants": [row | {"trace": list(row["trace"])} for row in _records(a.variants.head(top))],
        "data_quality": _records(a.data_quality),
        "milestones": {
            str(m): {"activity": _plain(activity), "guessed": bool(guessed), "rule": str(rule)}
            for m, activity, guessed, rule in a.milestones[
                ["milestone", "activity", "guessed", "rule"]
            ].itertuples(index=False)
        },
        "kpis": {row.pop("kpi"): row for row in _records(a.kpis)},
        "stuck_orders": {
            "orders": len(a.stuck_orders),
            "value": _plain(round(a.stuck_orders["value"].sum(min_count=1), 2)),
            "top": _records(a.stuck_orders.head(top)),
        },
        "late_payment_drivers": _records(a.late_payment_drivers.head(top)),
        "late_payment_measure": _late_measure(a.late_payment_drivers),
    }
    return document


def _counts(activities: pd.DataFrame, column: str) -> dict[str, int]:
    """Activity -> cases, for the activities with at least one case in ``column``."""
    found = activities[activities[column] > 0]
    return {str(a): int(n) for a, n in zip(found["activity"], found[column], strict=True)}


@cache
def findings_schema() -> dict[str, Any]:
    """The JSON Schema of findings.json (``o2c/findings.schema.json``, shipped in the package).

    >>> findings_schema()["properties"]["schema_version"]["const"]
    '1.0'
    """
    text = files("o2c").joinpath("findings.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_findings(document: Mapping[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``document`` is a valid findings.json.

    >>> validate_findings({"schema_version": "1.0"})
    Traceback (most recent call last):
    ...
    jsonschema.exceptions.ValidationError: 'input' is a required property
    ...
    """
    jsonschema.validate(document, findings_schema(), cls=jsonschema.Draft202012Validator)


def compare_findings(
    recorded: Mapping[str, Any],
    recomputed: Mapping[str, Any],
    *,
    ignore: Iterable[str] = NOT_COMPARED,
    mismatches_only: bool = False,
) -> pd.DataFrame:
    """Every value of two findings.json documents side by side: does a rerun give the same numbers?

    Parameters
    ----------
    recorded, recomputed : dict
        Two findings.json documents (``json.load``), e.g. the one delivered and a fresh
        ``findings(assess(...))`` of the same file.
    ignore : keys
        Dotted keys left out (by default ``input.path``: where the file lies is not a finding).
    mismatches_only : bool
        Keep only the rows that do not match.

    Returns
    -------
    DataFrame
        One row per value (leaf) of either document: ``key`` (dotted, list items as ``[i]``),
        ``recorded``, ``recomputed``, ``matches`` (equal values; a key missing on one side
        does not match). In the order of the recorded document, keys only in the recomputed
        one last.

    Examples
    --------
    >>> compare_findings({"log": {"cases": 3, "events": 19}}, {"log": {"cases": 3, "events": 20}})
              key  recorded  recomputed  matches
    0   log.cases         3           3     True
    1  log.events        19          20    False
    """
    left, right = _leaves(recorded), _leaves(recomputed)
    skipped = set(ignore)
    keys = [k for k in left if k not in skipped] + [k for k in right if k not in left and k not in skipped]
    missing = object()
    rows = []
    for key in keys:
        a, b = left.get(key, missing), right.get(key, missing)
        rows.append(
            (key, None if a is missing else a, None if b is missing else b, a is not missing and a == b)
        )
    frame = pd.DataFrame(rows, columns=["key", "recorded", "recomputed", "matches"])
    frame["matches"] = frame["matches"].astype(bool)
    return frame[~frame["matches"]].reset_index(drop=True) if mismatches_only else frame


def _leaves(document: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(document, Mapping):
        found: dict[str, Any] = {}
        for key, value in document.items():
            found |= _leaves(value, f"{prefix}.{key}" if prefix else str(key))
        return found
    if isinstance(document, list):
        found = {}
        for index, value in enumerate(document):
            found |= _leaves(value, f"{prefix}[{index}]")
        return found if document else {prefix: []}
    return {prefix: document}


# --- writing the folder --------------------------------------------------------------------


def write_report(
    assessment: Assessment,
    out: str | Path,
    *,
    top: int = 10,
    map_activities: float = 0.8,
    map_paths: float = 0.8,
) -> list[Path]:
    """Write the report folder: report.html, findings.json, maps/, tables/, rejects.csv, mapping.yaml.

    Parameters
    ----------
    assessment : Assessment
        The result of ``o2c.assess``.
    out : path
        The folder (created when missing; files of the same names are replaced).
    top : int
        How many bottlenecks, drivers, rework rows and variants the report and findings.json list.
    map_activities, map_paths : float
        The maps' sliders (``o2c.render_map``'s ``activities`` and ``paths``); the bottleneck,
        the worst rework loop and the activities ``draw_maps`` keeps are always drawn.

    Returns
    -------
    list of Path
        Every file written, in a fixed order. Without Graphviz's ``dot`` the maps are written
        as DOT only and the report says so.

    Examples
    --------
    >>> import tempfile
    >>> from o2c.assess import assess
    >>> from o2c.io import read_log
    >>> from o2c.simulate import example_log
    >>> written = write_report(assess(read_log(example_log()), progress=False), tempfile.mkdtemp())
    >>> [p.name for p in written][:4]
    ['report.html', 'findings.json', 'rejects.csv', 'mapping.yaml']
    """
    document = findings(assessment, top=top, map_activities=map_activities, map_paths=map_paths)
    validate_findings(document)
    folder = Path(out)
    with replacing_folder(folder) as staging:
        (staging / "maps").mkdir()
        (staging / "tables").mkdir()
        maps, map_files, left_out = _maps(assessment, staging, map_activities, map_paths)
        page = _page(assessment, document, maps, left_out, top)
        files_: dict[str, bytes] = {
            "report.html": page.encode("utf-8"),
            "findings.json": (
                json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
            ).encode("utf-8"),
            "rejects.csv": spreadsheet_safe_table(assessment.rejects).write_csv().encode("utf-8"),
            "mapping.yaml": yaml.safe_dump(
                _mapping(assessment) | {MAP_SECTION: {"activities": map_activities, "paths": map_paths}},
                sort_keys=False,
                allow_unicode=True,
            ).encode("utf-8"),
        }
        for name, frame in sorted(assessment.frames().items()):
            files_[f"tables/{name}.csv"] = _csv(frame).encode("utf-8")
        for name, content in files_.items():
            (staging / name).write_bytes(content)
    return [folder / name for name in files_] + [folder / p.relative_to(staging) for p in map_files]


def _csv(frame: pd.DataFrame) -> str:
    """A frame as CSV: durations in seconds (``*_s``), tuples of names joined by `` → ``.

    Written by polars (a million-row table in a fraction of a second); cells read as pandas
    would write them: empty for missing values and NaN, ``True``/``False``, times with their offset.
    Texts (and column names) a spreadsheet would evaluate get a leading ``'`` (``spreadsheet_safe_table``).
    """
    table = _cents(frame)
    columns: list[pl.Series] = []
    for name in table.columns:
        values = table[name]
        if pd.api.types.is_timedelta64_dtype(values):
            columns.append(pl.Series(f"{name}_s", values.dt.total_seconds().to_numpy()))
        elif values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) not in (
            "string",
            "empty",
        ):
            codes, distinct = pd.factorize(values)  # each distinct cell is made text once; missing: -1
            texts = pl.Series(str(name), [*map(_csv_cell, distinct), None], dtype=pl.String)
            columns.append(texts.gather(np.where(codes < 0, len(distinct), codes)))
        else:
            columns.append(pl.from_pandas(values).alias(str(name)))
    written = pl.DataFrame(columns).with_columns(
        pl.col(pl.Float32, pl.Float64).fill_nan(None),
        pl.col(pl.String).replace("", None),  # polars quotes an empty text; pandas wrote nothing
        pl.col(pl.Boolean).replace_strict({True: "True", False: "False"}, return_dtype=pl.String),
    )
    written = spreadsheet_safe_table(written)
    return written.write_csv(datetime_format="%Y-%m-%d %H:%M:%S%.f%:z", line_terminator="\n")


def _csv_cell(value: Any) -> str | None:
    """One cell of an object column as text: names of a tuple joined by `` → ``, nothing when missing."""
    if isinstance(value, tuple):
        return " → ".join(map(str, value))
    return (
        None
        if value is None or value is pd.NaT or (isinstance(value, float) and value != value)
        else str(value)
    )


def _highlights(assessment: Assessment) -> list[Any]:
    """The top internal bottleneck and the worst rework loop, as ``render_map`` highlights them."""
    marked: list[Any] = []
    edge = _top_internal(assessment)
    if edge is not None:
        marked.append((str(edge["source"]), str(edge["target"])))
    loop = _worst_loop(assessment.rework)
    if len(loop):
        marked.append(loop)
    return marked


def _by_harm(rework: pd.DataFrame) -> pd.DataFrame:
    """``o2c.rework`` rows, most orders affected first, then most extra executions (stable)."""
    return rework.sort_values(["cases_affected", "extra_executions"], ascending=False, kind="stable")


def _worst_loop(rework: pd.DataFrame) -> pd.DataFrame:
    """The ``o2c.rework`` row of the worst self-loop or ping-pong (``_by_harm``); none without one."""
    ranked = _by_harm(rework)
    return ranked[ranked["kind"].isin(["self_loop", "ping_pong"])].head(1)


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
        a ``graphviz.Digraph`` that shows itself in Jupyter. Where the log has start times, each
        box also shows its activity's median processing time (``activity_durations``). Their
        ``left_out`` says what simplification left out (the same for both maps).

    Examples
    --------
    >>> from o2c.assess import assess
    >>> from o2c.io import read_log
    >>> from o2c.simulate import example_log
    >>> maps = draw_maps(assess(read_log(example_log()), progress=False))
    >>> sorted(maps), "#D55E00" in maps["waiting_time"].source
    (['frequency', 'waiting_time'], True)
    >>> maps["frequency"].left_out.caption()
    'Left out: 1 activity (Change Price) and 3 paths (18.8% of transitions)'
    """
    names = {"transitions": "frequency", "wait_median": "waiting_time"}
    maps = render_maps(
        assessment.log,
        measures=list(names),
        activities=activities,
        paths=paths,
        highlight=_highlights(assessment) or None,
        max_activities=MAP_MAX_ACTIVITIES,
        max_edges=MAP_MAX_EDGES,
        durations=assessment.activity_durations,
        keep=_kept_on_maps(assessment),
    )
    return {names[measure]: chart for measure, chart in maps.items()}


def _kept_on_maps(assessment: Assessment) -> list[str]:
    """The activities ``draw_maps`` always draws (see its docstring), by name."""
    ideal = assessment.ideal
    steps = ideal.steps if isinstance(ideal, IdealPath) else ideal.activities
    milestones = assessment.milestones["activity"].dropna()
    names = assessment.log.get_column(ACTIVITY).unique().cast(pl.String)
    named = names.filter(names.str.contains(APPROVAL_PATTERN) | names.str.contains(REMINDER_PATTERN))
    return sorted({*steps, *map(str, milestones), *named})


def _maps(
    assessment: Assessment, folder: Path, activities: float, paths: float
) -> tuple[dict[str, str | None], list[Path], LeftOut]:
    """Draw both maps into ``folder/maps``; return their inline SVG (None without Graphviz), the
    files, and what the maps left out."""
    inline: dict[str, str | None] = {}
    written: list[Path] = []
    maps = draw_maps(assessment, activities=activities, paths=paths)
    for name, chart in maps.items():
        dot = folder / "maps" / f"{name}.dot"
        dot.write_text(chart.source, encoding="utf-8")
        written.append(dot)
        try:
            svg = chart.pipe(format="svg")
            png = chart.pipe(format="png")
        except GraphvizMissingError:
            inline[name] = None
            continue
        for suffix, content in (("svg", svg), ("png", png)):
            path = folder / "maps" / f"{name}.{suffix}"
            path.write_bytes(content)
            written.append(path)
        inline[name] = _readable(_inline_svg(svg.decode("utf-8")))
    return inline, written, maps["frequency"].left_out


#: The smallest text of the report, in CSS pixels, at any window width: a map is not shrunk
#: below the width that draws its smallest font at this size; its box scrolls sideways instead.
READABLE_TEXT_PX = 11


def _readable(svg: str) -> str:
    """A Graphviz SVG element with the smallest width (``min-width``) at which its smallest text
    is ``READABLE_TEXT_PX`` pixels: the page's CSS shrinks a map to the page's width down to it."""
    view = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) [\d.]+"', svg)
    sizes = [float(size) for size in re.findall(r'font-size="([\d.]+)"', svg)]
    if view is None or not sizes:
        return svg
    width = math.ceil(float(view.group(1)) * READABLE_TEXT_PX / min(sizes))
    return svg.replace("<svg ", f'<svg style="min-width: {width}px" ', 1)


def _inline_svg(svg: str) -> str:
    """An SVG document as an element to put in HTML: no XML prolog, doctype, metadata or comments."""
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>", "", svg, flags=re.DOTALL)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL)
    return svg.strip()


def _figure_svg(figure: Figure) -> str:
    return _inline_svg(figure_svg(figure))


# --- the HTML page -------------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("o2c", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["duration"] = _duration
    env.filters["duration_s"] = lambda seconds: _duration(
        None if seconds is None else pd.Timedelta(seconds=seconds)
    )
    env.filters["share"] = _share
    env.filters["count"] = format_count
    return env


def _table(
    frame: pd.DataFrame, headers: Mapping[str, str], currency: str | None, *, limit: int | None = None
) -> dict[str, Any]:
    """A frame as header and rows of text for the template: the ``headers`` (column -> header)
    it has, each cell as ``o2c.styled`` shows it (``o2c.render.tables.column_kinds``) but for the
    currency of money columns, which their header states once (narrow tables fit the page)."""
    shown = frame if limit is None else frame.head(limit)
    chosen = [c for c in headers if c in shown.columns]
    kinds = column_kinds(shown)
    rows = [
        [format_cell(value, kinds[c]) for c, value in zip(chosen, row, strict=True)]
        for row in shown[chosen].itertuples(index=False, name=None)
    ]
    units = {"money": f" ({currency})", "value_days": f" ({currency}-days)"} if currency else {}
    return {
        "headers": [headers[c] + units.get(kinds[c], "") for c in chosen],
        "rows": rows,
        "numeric": [kinds[c] in NUMERIC_KINDS for c in chosen],
        "more": max(0, len(frame) - len(shown)),
    }


_WAIT_COLUMNS = {
    "rank": "#",
    "source": "from",
    "target": "to",
    "owner": "whose wait",
    "transitions": "transitions",
    "cases": "orders",
    "wait_median": "median",
    "wait_mean": "mean",
    "wait_total": "total",
    "share_of_wait": "share",
    "value_days": "value held",
    "financing_cost": "financing cost",
}
_DRIVER_COLUMNS = {
    "attribute": "attribute",
    "value": "value",
    "cases": "orders",
    "wait_median": "median wait",
    "others_wait_median": "others' median",
    "ratio": "ratio",
    "p_value": "p-value",
    "explained_wait": "waiting explained",
    "aliases": "the same effect",
}
_PROCESSING_COLUMNS = {
    "activity": "activity",
    "instances": "instances",
    "cases": "orders",
    "duration_median": "median",
    "duration_p90": "90th pct",
    "duration_total": "total",
    "share_of_processing": "share of all processing",
    "instances_without_start": "without start",
}
_REWORK_COLUMNS = {
    "activity": "activity",
    "kind": "kind",
    "other_activity": "around",
    "cases_affected": "orders",
    "share_of_cases": "share of orders",
    "extra_executions": "extra executions",
    "time_added": "time added",
    "lead_time_difference": "longer lead time (median)",
    "value_affected": "order value",
}
_CONFORMANCE_COLUMNS = {
    "activity": "step",
    "cases_skipped": "orders skipping it",
    "share_skipped": "share",
    "cases_inserted": "orders with it inserted",
    "share_inserted": "share",
}
_COST_COLUMNS = {
    "deviation": "deviation",
    "cases": "orders",
    "share_of_cases": "share",
    "lead_time_median": "median lead time",
    "extra_time": "extra time",
    "value_delayed": "order value",
    "financing_cost": "financing cost",
}
_VARIANT_COLUMNS = {
    "variant_id": "#",
    "cases": "orders",
    "share": "share",
    "median_lead_time": "median lead time",
    "trace": "trace",
}
_QUALITY_COLUMNS = {
    "check": "check",
    "count": "count",
    "of": "of",
    "share": "share",
    "example": "example",
    "detail": "detail",
}
_REJECT_COLUMNS = {
    "source_row": "row",
    "column": "column",
    "value": "value",
    "reason": "reason",
}
_STUCK_COLUMNS = {
    "case_id": "order",
    "milestone": "reached",
    "last_activity": "last step",
    "waiting": "waiting since",
    "wait_p90": "usual wait (90th pct)",
    "value": "order value",
}
_LATE_COLUMNS = {
    "attribute": "attribute",
    "value": "value",
    "cases_with": "orders with",
    "median_with": "invoice to cash",
    "median_without": "others",
    "difference": "difference",
    "value_days": "value × days",
    "p_value": "p-value",
}
#: The late-payment table when it is measured in days past due: medians in days, shares paid late.
_LATE_DUE_COLUMNS = {
    "attribute": "attribute",
    "value": "value",
    "cases_with": "orders with",
    "median_with": "days past due (median)",
    "median_without": "others",
    "difference": "difference",
    "late_share_with": "paid late",
    "late_share_without": "others paid late",
    "after_due_share": "after the due date",
    "value_days": "value × days",
    "p_value": "p-value",
}


def _late_measure(late: pd.DataFrame) -> str | None:
    """What the late-payment drivers were measured by (``days_past_due``, ``invoice_to_cash``); None without rows."""
    if late.empty or "measure" not in late.columns:
        return None
    return str(late["measure"].iloc[0])


_REKEY_COLUMNS = {
    "activity": "activity",
    "cases_affected": "orders",
    "share_of_cases": "share of orders",
    "executions": "executions",
}


def _kpi_rows(kpis: pd.DataFrame) -> list[list[str]]:
    """KPI name, its figure in the KPI's own unit (``o2c.render.tables.kpi_kind``), orders covered,
    definition; durations and open orders' median age in words."""
    rows = []
    for kpi, value, duration, unit, covered, definition in kpis[
        ["kpi", "value", "duration", "unit", "orders_covered", "definition"]
    ].itertuples(index=False, name=None):
        if unit == "duration":
            figure = _duration(duration) if pd.notna(duration) else ""
        else:
            kind, currency = kpi_kind(unit)
            figure = format_cell(value, kind, currency=currency)
            if unit == "orders" and figure and pd.notna(duration):
                figure += f" (median age {_duration(duration)})"
        rows.append([str(kpi).replace("_", " "), figure, format_count(covered), str(definition)])
    return rows


def _lead_time_chart(assessment: Assessment) -> Figure:
    """Lead times of the orders the cost of divergence compares: the closed ones, when it does."""
    a, ideal = assessment, assessment.ideal
    if _final_step(a) is None or not isinstance(ideal, IdealPath):
        return plot_lead_times(a.alignments, orders="all orders (open ones: time so far)")
    closed = a.alignments[a.alignments["case_id"].isin(closed_cases(a.log, ideal).to_list())]
    return plot_lead_times(closed, orders=f"the {format_count(len(closed))} closed orders")


def _page(
    assessment: Assessment,
    document: Mapping[str, Any],
    maps: Mapping[str, str | None],
    left_out: LeftOut,
    top: int,
) -> str:
    a = assessment
    edge = _top_internal(a)
    drivers = a.drivers[a.drivers["rank"] == edge["rank"]] if edge is not None else a.drivers.head(0)
    rework = a.rework.merge(
        a.rework_cost[["activity", "kind", "other_activity", "lead_time_difference"]],
        on=["activity", "kind", "other_activity"],
        how="left",
    )
    rekeyed = a.rekeyed_data.assign(activity=a.rekeyed_data["activity"].fillna("any of them"))
    charts = {
        "bottlenecks": _figure_svg(plot_bottlenecks(a.bottlenecks, top=top)) if len(a.bottlenecks) else None,
        "drivers": _figure_svg(plot_drivers(drivers, top=8)) if len(drivers) else None,
        "lead_times": _figure_svg(_lead_time_chart(a)),
        "variants": _figure_svg(plot_variants(a.variants)),
    }
    rejects = a.rejects.head(20).to_pandas()
    template = _environment().get_template("report.html.j2")
    return template.render(
        doc=document,
        headlines=document["headlines"],
        warnings=document["warnings"],
        maps=maps,
        map_limits=(MAP_MAX_ACTIVITIES, MAP_MAX_EDGES),
        left_out=left_out.caption(),
        charts=charts,
        edge=None if edge is None else {"source": edge["source"], "target": edge["target"]},
        processing=processing_sentence(a),
        ideal=document["ideal_path"],
        final_step=_final_step(a),
        currency=a.currency,
        tables={
            "bottlenecks": _table(a.bottlenecks, _WAIT_COLUMNS, a.currency, limit=top),
            "processing": _table(a.activity_durations, _PROCESSING_COLUMNS, a.currency),
            "drivers": _table(drivers, _DRIVER_COLUMNS, a.currency, limit=top),
            "rework": _table(rework, _REWORK_COLUMNS, a.currency, limit=top),
            "rekeyed": _table(rekeyed, _REKEY_COLUMNS, a.currency),
            "conformance": _table(a.conformance.activities, _CONFORMANCE_COLUMNS, a.currency),
            "cost": _table(a.cost_of_divergence, _COST_COLUMNS, a.currency),
            "variants": _table(a.variants, _VARIANT_COLUMNS, a.currency, limit=top),
            "quality": _table(a.data_quality, _QUALITY_COLUMNS, a.currency),
            "rejects": _table(rejects, _REJECT_COLUMNS, a.currency),
            "stuck": _table(a.stuck_orders, _STUCK_COLUMNS, a.currency, limit=top),
            "late": _table(
                a.late_payment_drivers,
                _LATE_DUE_COLUMNS
                if _late_measure(a.late_payment_drivers) == "days_past_due"
                else _LATE_COLUMNS,
                a.currency,
                limit=top,
            ),
        },
        kpi_rows=_kpi_rows(a.kpis),
        milestones=document["milestones"],
        parameters=document["parameters"],
        report=document["report"],
        mapping=document["mapping"],
    )
