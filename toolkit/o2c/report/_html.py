"""The report's HTML page: the template environment, its tables, charts and inline SVG."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import jinja2
import pandas as pd
from matplotlib.figure import Figure

from o2c._assess import Assessment
from o2c._format import format_count, format_duration, format_number
from o2c._time_only import MIN_ORDERS as TIME_ONLY_MIN_ORDERS
from o2c._time_only import MIN_SAME_PATH
from o2c._time_only import TOLERANCE as TIME_ONLY_TOLERANCE
from o2c.conformance import IdealPath
from o2c.conformance.cost import _closed_cases, _isin
from o2c.performance import CALENDAR_SUFFIX
from o2c.render.maps import LeftOut
from o2c.render.plots import (
    figure_svg,
    plot_approval_chains,
    plot_bottlenecks,
    plot_drivers,
    plot_lead_times,
    plot_variants,
)
from o2c.render.tables import (
    NUMERIC_KINDS,
    column_kinds,
    format_cell,
    kpi_kind,
)
from o2c.report._findings import late_measure
from o2c.report._headlines import (
    CLAIM_MIN_ORDERS,
    duration_words,
    final_step,
    processing_sentence,
    share_words,
    top_internal,
    working_day,
)
from o2c.report._maps import MAP_MAX_ACTIVITIES, MAP_MAX_EDGES

#: The smallest text of the report, in CSS pixels, at any window width: a map is not shrunk
#: below the width that draws its smallest font at this size; its box scrolls sideways instead.
READABLE_TEXT_PX = 11


def readable_svg(svg: str) -> str:
    """A Graphviz SVG element with the smallest width (``min-width``) at which its smallest text
    is ``READABLE_TEXT_PX`` pixels: the page's CSS shrinks a map to the page's width down to it."""
    view = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) [\d.]+"', svg)
    sizes = [float(size) for size in re.findall(r'font-size="([\d.]+)"', svg)]
    if view is None or not sizes:
        return svg
    width = math.ceil(float(view.group(1)) * READABLE_TEXT_PX / min(sizes))
    return svg.replace("<svg ", f'<svg style="min-width: {width}px" ', 1)


def inline_svg(svg: str) -> str:
    """An SVG document as an element to put in HTML: no XML prolog, doctype, metadata or comments."""
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>", "", svg, flags=re.DOTALL)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL)
    return svg.strip()


def _figure_svg(figure: Figure) -> str:
    return inline_svg(figure_svg(figure))


# --- the HTML page -------------------------------------------------------------------------


def _environment(day: pd.Timedelta | None = None) -> jinja2.Environment:
    """The template environment; ``day``: the working day of the assessment's calendar, in which
    the ``duration`` filters write working time (the page passes them working-time figures only)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("o2c.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["duration"] = lambda value: duration_words(value, day)
    env.filters["duration_s"] = lambda seconds: duration_words(
        None if seconds is None else pd.Timedelta(seconds=seconds), day
    )
    env.filters["share"] = share_words
    env.filters["count"] = format_count
    return env


def _risk_tables(a: Assessment, top: int) -> dict[str, Any]:
    """The escalation list by value at risk and the backtest's calibration, probabilities shown as
    shares; empty without ``payment_risk``."""
    if a.payment_risk is None:
        return {"risk": None, "calibration": None}
    orders = a.payment_risk.open_orders.rename(
        columns={"probability": "late_share", "low": "late_share_low", "high": "late_share_high"}
    )
    orders = orders.assign(overdue=orders["overdue"].map({True: "yes", False: ""}))
    orders = orders.assign(stuck=orders["stuck"].map({True: "yes", False: ""}))
    calibration = a.payment_risk.backtest.calibration.rename(
        columns={
            "predicted": "predicted_share",
            "observed": "observed_share",
            "observed_low": "observed_share_low",
            "observed_high": "observed_share_high",
        }
    )
    return {
        "risk": _table(orders, _RISK_COLUMNS, a.currency, limit=top),
        "calibration": _table(calibration, _CALIBRATION_COLUMNS, a.currency),
    }


def _table(
    frame: pd.DataFrame,
    headers: Mapping[str, str],
    currency: str | None,
    *,
    limit: int | None = None,
    day: pd.Timedelta | None = None,
) -> dict[str, Any]:
    """A frame as header and rows of text for the template: the ``headers`` (column -> header)
    it has, each cell as ``o2c.styled`` shows it (``o2c.render.tables.column_kinds``) but for the
    currency of money columns, which their header states once (narrow tables fit the page).
    ``day``: the frame's durations are working time, shown in working days of this length, but
    for their calendar-time twins (``*_calendar``), shown in days of 24 hours."""
    shown = frame if limit is None else frame.head(limit)
    chosen = [c for c in headers if c in shown.columns]
    kinds = column_kinds(shown)
    days = {c: None if c.endswith(CALENDAR_SUFFIX) else day for c in chosen}
    rows = [
        [format_cell(value, kinds[c], day=days[c]) for c, value in zip(chosen, row, strict=True)]
        for row in shown[chosen].itertuples(index=False, name=None)
    ]
    units = {"money": f" ({currency})", "value_days": f" ({currency}-days)"} if currency else {}
    return {
        "headers": [headers[c] + units.get(kinds[c], "") for c in chosen],
        "rows": rows,
        "numeric": [kinds[c] in NUMERIC_KINDS for c in chosen],
        "more": max(0, len(frame) - len(shown)),
    }


_OBJECT_COLUMNS = {
    "fact": "fact",
    "counted": "counted",
    "mean": "mean",
    "median": "median",
    "max": "max",
    "share": "share",
    "time_median": "median time",
    "time_max": "longest time",
}

#: What each object-centric fact's ``share`` is the share of, for the report's table.
_FACT_WORDS = {
    "items_per_order": "items per order (share: orders of several items)",
    "deliveries_per_order": "deliveries per order (share: split deliveries)",
    "orders_per_delivery": "orders per delivery (share: consolidated deliveries)",
    "invoices_per_order": "invoices per order (share: partial invoicing)",
    "delivered_in_one_shipment": "delivered complete in one shipment (share of delivered orders)",
    "first_to_last_delivery": "first to last delivery (share: orders whose deliveries arrived at different times)",
}


def _object_facts_table(facts: pd.DataFrame | None, currency: str | None) -> dict[str, Any] | None:
    if facts is None:
        return None
    shown = facts.assign(fact=facts["fact"].map(_FACT_WORDS).fillna(facts["fact"]))
    return _table(shown, _OBJECT_COLUMNS, currency)


_WAIT_COLUMNS = {
    "rank": "#",
    "source": "from",
    "target": "to",
    "owner": "whose wait",
    "transitions": "transitions",
    "cases": "orders",
    "wait_median": "median",
    "wait_median_calendar": "median, calendar time",
    "wait_mean": "mean",
    "wait_total": "total",
    "wait_total_calendar": "total, calendar time",
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
    "duration_median_calendar": "median, calendar time",
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
    "extra_time_calendar": "extra time, calendar time",
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
_RISK_COLUMNS = {
    "rank": "rank",
    "case_id": "order",
    "last_activity": "last step",
    "late_share": "probability late",
    "late_share_low": "interval from",
    "late_share_high": "to",
    "overdue": "overdue",
    "value": "order value",
    "value_at_risk": "value at risk",
    "stuck": "stuck",
}
_CALIBRATION_COLUMNS = {
    "bin": "predicted",
    "rows": "rows",
    "orders": "orders",
    "predicted_share": "mean predicted",
    "observed_share": "observed late",
    "observed_share_low": "95% from",
    "observed_share_high": "to",
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


_REKEY_COLUMNS = {
    "activity": "activity",
    "cases_affected": "orders",
    "share_of_cases": "share of orders",
    "executions": "executions",
}

_CHAIN_COLUMNS = {
    "chain_length": "approvals",
    "orders": "orders",
    "share": "share",
    "value": "order value",
    "closed_orders": "closed",
    "lead_time_median": "median lead time",
    "lead_time_p90": "p90 lead time",
    "approval_wait_median": "median approval wait",
    "wait_added": "wait the level adds",
}

_APPROVAL_STEP_COLUMNS = {
    "step": "approval step",
    "orders": "orders",
    "approver_count": "approvers",
    "wait_median": "median wait before",
    "processing_median": "median processing",
    "rejected": "rejected after",
    "changed": "changed after",
    "cancelled": "cancelled after",
    "share_approved": "untouched",
    "rubber_stamp": "rubber stamp",
    "time_added": "time added",
}

_REKEYED_VALUE_COLUMNS = {
    "attribute": "field",
    "kind": "kind",
    "orders_changed": "orders changed",
    "share_of_orders": "share of orders",
    "changes": "changes",
    "steps": "changed at",
    "change_median": "median change",
    "orders_entered_at_several_steps": "orders entering it at several steps",
}

_TIME_ONLY_COLUMNS = {
    "step": "step",
    "orders": "orders",
    "orders_without": "orders without it",
    "same_path_share": "same path without it",
    "on_time_diff": "paid on time: difference",
    "time_added_median": "median time it adds",
    "evidence": "evidence",
}


def _change_size(kind: str, size: float) -> str:
    """A field's median change as the table shows it: signed, dates in days, whole numbers whole.

    >>> _change_size("date", 7.0), _change_size("number", -199.52), _change_size("number", 10.0)
    ('+7.0 d', '-199.52', '+10')
    """
    if pd.isna(size):
        return ""
    if kind == "date":
        return f"{size:+,.1f} d"
    return f"{size:+,.0f}" if float(size).is_integer() else f"{size:+,.2f}"


def _back_office(a: Assessment) -> dict[str, Any]:
    """The chart and tables of the section "Approvals and re-keyed data" (empty without them)."""
    chains, rekeyed = a.approvals, a.rekeyed_values
    found: dict[str, Any] = {
        "chart": None,
        "chains": None,
        "steps": None,
        "fields": None,
        "outcomes_recorded": False,
        "rule": None,
        "time_only": None,
    }
    if chains is not None and chains.approval_steps:
        found["chart"] = _figure_svg(plot_approval_chains(chains.by_length))
        found["chains"] = _table(chains.by_length, _CHAIN_COLUMNS, a.currency)
        columns = _APPROVAL_STEP_COLUMNS
        hidden = set() if chains.steps["processing_median"].notna().any() else {"processing_median"}
        if not chains.outcomes_recorded:  # every step would look like a rubber stamp: show none
            hidden |= {"share_approved", "rubber_stamp"}
        columns = {k: v for k, v in columns.items() if k not in hidden}
        steps = chains.steps.assign(rubber_stamp=chains.steps["rubber_stamp"].map({True: "yes", False: ""}))
        found["steps"] = _table(steps, columns, a.currency)
        found["outcomes_recorded"] = chains.outcomes_recorded
        found["rule"] = (
            "found by their names: approvals, authorisations, sign-offs, Genehmigung, Freigabe, SAP "
            "releases; requests and rejections are not approvals (o2c.approvals' APPROVAL_PATTERNS; "
            "findings.json gives the rule in full)"
            if chains.rule.startswith("activity names matching")
            else chains.rule.split(":", 1)[0]
        )
    if rekeyed is not None:
        changed = rekeyed.attributes[
            (rekeyed.attributes["orders_changed"] > 0)
            | (rekeyed.attributes["orders_entered_at_several_steps"] > 0)
        ]
        if len(changed):
            sizes = [
                _change_size(kind, size)
                for kind, size in zip(changed["kind"], changed["change_median"], strict=True)
            ]
            changed = changed.assign(change_median=sizes)
            found["fields"] = _table(changed, _REKEYED_VALUE_COLUMNS, a.currency, limit=10)
    if a.time_only_steps is not None and a.time_only_steps["candidate"].any():
        candidates = a.time_only_steps[a.time_only_steps["candidate"]]
        points = [f"{difference * 100:+.1f} points" for difference in candidates["on_time_diff"]]
        candidates = candidates.assign(on_time_diff=points)
        found["time_only"] = _table(candidates, _TIME_ONLY_COLUMNS, a.currency, limit=10)
    return found


def _kpi_rows(kpis: pd.DataFrame) -> list[list[str]]:
    """KPI name, its figure in the KPI's own unit (``o2c.render.tables.kpi_kind``), orders covered,
    definition; durations and open orders' median age in words."""
    rows = []
    for kpi, value, duration, unit, covered, definition in kpis[
        ["kpi", "value", "duration", "unit", "orders_covered", "definition"]
    ].itertuples(index=False, name=None):
        if unit == "duration":
            figure = duration_words(duration) if pd.notna(duration) else ""
        else:
            kind, currency = kpi_kind(unit)
            figure = format_cell(value, kind, currency=currency)
            if unit == "orders" and figure and pd.notna(duration):
                figure += f" (median age {duration_words(duration)})"
        rows.append([str(kpi).replace("_", " "), figure, format_count(covered), str(definition)])
    return rows


def _lead_time_chart(assessment: Assessment) -> Figure:
    """Lead times of the orders the cost of divergence compares: the closed ones, when it does."""
    a, ideal = assessment, assessment.ideal
    day = None if a.calendar is None else a.calendar.working_day
    if final_step(a) is None or not isinstance(ideal, IdealPath):
        return plot_lead_times(a.alignments, orders="all orders (open ones: time so far)", working_day=day)
    closed = a.alignments[_isin(a.alignments["case_id"], _closed_cases(a.log, ideal))]
    return plot_lead_times(closed, orders=f"the {format_count(len(closed))} closed orders", working_day=day)


#: How many levers the report's "What to fix first" lists (tables/actions.csv has them all).
ACTIONS_SHOWN = 10


def _action_table(actions: pd.DataFrame | None, currency: str | None) -> dict[str, Any] | None:
    """The report's ranked levers with their intervals as text, ``value (low to high)``: the levers
    that free cash after attribution, at most ``ACTIONS_SHOWN``; without order values (daily
    revenue 0), the levers that save days, without the money columns."""
    if actions is None:
        return None
    priced = actions.attrs.get("daily_revenue", 0.0) > 0
    saving = actions["working_capital"] > 0 if priced else actions["saved_total"] > pd.Timedelta(0)
    shown = actions[saving].head(ACTIONS_SHOWN)

    def days(row: Any, column: str) -> str:
        def one(value: Any) -> str:
            return "n/a" if pd.isna(value) else format_duration(pd.Timedelta(value))

        return f"{one(row[column])}\n({one(row[column + '_low'])} to {one(row[column + '_high'])})"

    def money(row: Any, column: str) -> str:
        low, high = format_number(row[column + "_low"]), format_number(row[column + "_high"])
        return f"{format_number(row[column])}\n({low} to {high})"

    unit = f" ({currency})" if currency else ""
    columns: list[tuple[str, Callable[[Any], str]]] = [
        ("#", lambda row: str(row["rank"])),
        ("lever: what fixed means", lambda row: f"{row['lever']}\n{row['fixed']}"),
        ("whose days", lambda row: str(row["owner"])),
        ("orders", lambda row: f"{format_count(row['orders'])}\n({format_count(row['orders_low'])} to {format_count(row['orders_high'])})"),
        ("days saved per order (median)", lambda row: days(row, "saved_median")),
        ("days saved in total", lambda row: days(row, "saved_total")),
    ]  # fmt: skip
    if shown["order_to_cash_saved"].notna().any():  # else no order was paid: no such figure
        columns.append(
            ("order-to-cash days saved (mean over paid orders)", lambda row: days(row, "order_to_cash_saved"))
        )
    if priced:
        columns += [
            ("DSO days saved", lambda row: days(row, "dso_saved")),
            (f"working capital freed{unit}", lambda row: money(row, "working_capital")),
            (f"financing cost saved a year{unit}", lambda row: money(row, "financing_cost")),
        ]
    return {
        "headers": [header for header, _ in columns],
        "rows": [[cell(row) for _, cell in columns] for _, row in shown.iterrows()],
        "numeric": [True, False, False, *([True] * (len(columns) - 3))],
        "more": max(0, len(actions) - len(shown)),
    }


def html_page(
    assessment: Assessment,
    document: Mapping[str, Any],
    maps: Mapping[str, str | None],
    left_out: LeftOut,
    top: int,
    *,
    explorer: bool = False,
) -> str:
    a = assessment
    edge = top_internal(a)
    drivers = a.drivers[a.drivers["rank"] == edge["rank"]] if edge is not None else a.drivers.head(0)
    rework = a.rework.merge(
        a.rework_cost[["activity", "kind", "other_activity", "lead_time_difference"]],
        on=["activity", "kind", "other_activity"],
        how="left",
    )
    rekeyed = a.rekeyed_data.assign(activity=a.rekeyed_data["activity"].fillna("any of them"))
    working = None if a.calendar is None else a.calendar.working_day  # durations in working days
    charts = {
        "bottlenecks": _figure_svg(plot_bottlenecks(a.bottlenecks, top=top, working_day=working))
        if len(a.bottlenecks)
        else None,
        "drivers": _figure_svg(plot_drivers(drivers, top=8, working_day=working)) if len(drivers) else None,
        "lead_times": _figure_svg(_lead_time_chart(a)),
        "variants": _figure_svg(plot_variants(a.variants)),
    }
    rejects = a.rejects.head(20).to_pandas()
    day = working_day(a)
    template = _environment(day).get_template("report.html.j2")
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
        final_step=final_step(a),
        currency=a.currency,
        tables={
            "bottlenecks": _table(a.bottlenecks, _WAIT_COLUMNS, a.currency, limit=top, day=day),
            "processing": _table(a.activity_durations, _PROCESSING_COLUMNS, a.currency, day=day),
            "drivers": _table(drivers, _DRIVER_COLUMNS, a.currency, limit=top, day=day),
            "rework": _table(rework, _REWORK_COLUMNS, a.currency, limit=top),
            "rekeyed": _table(rekeyed, _REKEY_COLUMNS, a.currency),
            "conformance": _table(a.conformance.activities, _CONFORMANCE_COLUMNS, a.currency),
            "cost": _table(a.cost_of_divergence, _COST_COLUMNS, a.currency, day=day),
            "variants": _table(a.variants, _VARIANT_COLUMNS, a.currency, limit=top),
            "quality": _table(a.data_quality, _QUALITY_COLUMNS, a.currency),
            "rejects": _table(rejects, _REJECT_COLUMNS, a.currency),
            "stuck": _table(a.stuck_orders, _STUCK_COLUMNS, a.currency, limit=top),
            **_risk_tables(a, top),
            "objects": _object_facts_table(a.object_facts, a.currency),
            "actions": _action_table(a.actions, a.currency),
            "late": _table(
                a.late_payment_drivers,
                _LATE_DUE_COLUMNS
                if late_measure(a.late_payment_drivers) == "days_past_due"
                else _LATE_COLUMNS,
                a.currency,
                limit=top,
            ),
        },
        kpi_rows=_kpi_rows(a.kpis),
        back_office=_back_office(a),
        back_office_sentences=document.get("approvals", {}).get("sentences", []),
        claim_min_orders=CLAIM_MIN_ORDERS,
        time_only_tolerance=TIME_ONLY_TOLERANCE,
        time_only_same_path=MIN_SAME_PATH,
        time_only_min_orders=TIME_ONLY_MIN_ORDERS,
        milestones=document["milestones"],
        parameters=document["parameters"],
        report=document["report"],
        mapping=document["mapping"],
        calendar=document["calendar"],
        explorer=explorer,
    )
