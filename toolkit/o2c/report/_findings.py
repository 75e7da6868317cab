"""findings.json: the numbers of the report for machines, its JSON Schema, and checking or
comparing such documents."""

from __future__ import annotations

import importlib.metadata
import json
import math
import platform
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import graphviz
import jsonschema
import numpy as np
import pandas as pd
import polars as pl

from o2c._assess import Assessment
from o2c.conformance import IdealPath
from o2c.errors import check_whole
from o2c.io._mapping import saved_mapping
from o2c.performance import DRIVER_COLUMNS
from o2c.plausibility import plausibility_warnings
from o2c.render.tables import (
    MONEY,
)
from o2c.report._headlines import (
    any_deviation,
    back_office_sentences,
    caveated_headlines,
    final_step,
)

#: The version of findings.json's layout; a change of keys or meaning raises it.
SCHEMA_VERSION = "1.0"


#: Keys of findings.json that ``compare_findings`` leaves out by default: where the file was.
NOT_COMPARED = ("input.path",)


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
    table = cents(frame[chosen])
    return [
        {names[c]: _plain(v) for c, v in zip(chosen, row, strict=True)}
        for row in table.itertuples(index=False, name=None)
    ]


def cents(frame: pd.DataFrame) -> pd.DataFrame:
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


def mapping_of(assessment: Assessment) -> dict[str, Any]:
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
        ``calendar`` (the working calendar, null for calendar time: with one, the ``*_s``
        durations of ``edges``, ``bottlenecks``, ``processing_times``, ``flow_efficiency``,
        ``lead_time_split`` and ``cost_of_divergence`` are working seconds, their twins
        ``*_calendar_s`` calendar seconds),
        ``report`` (``top``, ``map_activities``, ``map_paths``), ``versions``, ``headlines``,
        ``warnings`` (``o2c.plausibility_warnings``: ``code``, ``severity``, ``message``,
        ``evidence``, ``headline``), ``edges``, ``bottlenecks`` (each with ``drivers``), ``rework``, ``first_time_right``, ``conformance``, ``cost_of_divergence``,
        ``flow_efficiency`` (its first source) and ``flow_efficiency_sources`` (every one),
        ``processing_times`` (``activity_durations``, one record per activity) and
        ``lead_time_split`` (``o2c.lead_time_split``), both null when the log has no start times,
        ``variants``, ``data_quality``, ``milestones``, ``objects`` (only for an object-centric
        input: the order type, the types followed, the events shared, ``o2c.object_facts`` and
        the waits counted once against as the orders saw them), ``kpis`` (by KPI id:
        ``value``, ``duration_s``, ``unit``, ``orders_covered``, ``definition``),
        ``stuck_orders`` (``orders``, ``value``, the ``top`` ones), ``late_payment_drivers`` and
        ``late_payment_measure`` (``days_past_due``, ``invoice_to_cash``, or null without rows),
        ``actions`` (``o2c.actions``: ``resamples``, ``seed``, ``level``, ``annual_rate``,
        ``daily_revenue``, ``currency`` and every lever, durations in seconds),
        ``payment_risk`` (``o2c.payment_risk``: ``backtest`` with ``auc``, ``brier`` and
        ``calibration``, the ``top`` open orders by value at risk; or ``skipped`` with the reason);
        ``approvals`` (``rule``, ``approval_steps``, ``sentences``, ``chain_lengths``, ``steps``,
        ``rubber_stamps``, ``outcomes_recorded``: ``o2c.approvals``), ``rekeyed_values`` (``orders``,
        ``orders_rekeyed``, ``attributes``, ``by_name``: ``o2c.rekeyed_values``) and
        ``time_only_steps`` (the candidates of ``o2c.time_only_steps``, with their evidence);
        valid against ``findings_schema()``.

    Examples
    --------
    >>> from o2c._assess import assess
    >>> from o2c.io import read_log
    >>> from o2c import example_log
    >>> found = findings(assess(read_log(example_log()), progress=False))
    >>> found["bottlenecks"][0]["source"], found["bottlenecks"][0]["wait_median_s"]
    ('Create Invoice', 1216800.0)
    """
    check_whole(top, argument="top", function="findings")
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
    any_row = any_deviation(a)
    flow_sources = _records(a.flow_efficiency)
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "input": {
            "path": source.path,
            "file": Path(source.path).name,
            "sha256": source.sha256,
            "format": source.format,
            "rows": source.rows,
            "rejected": a.rejects.select("source_file", "source_row").n_unique(),
            "rejects": {str(reason): int(n) for reason, n in reasons.iter_rows()},
        },
        "mapping": mapping_of(a),
        "log": {k: _plain(v) for k, v in a.summary.items()},
        "ideal_path": _ideal_path(a),
        "parameters": dict(a.parameters),
        "calendar": _calendar(a),
        "engine": None if a.engine is None else {"name": a.engine, "not_computed": dict(a.not_computed)},
        "report": {"top": top, "map_activities": map_activities, "map_paths": map_paths},
        "versions": _versions(),
        "headlines": list(caveated_headlines(a, warnings)),
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
            "closing_step": final_step(a),
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
        "late_payment_measure": late_measure(a.late_payment_drivers),
        "actions": _actions(a),
        "payment_risk": _payment_risk(a, top),
    }
    if a.object_facts is not None:
        document["objects"] = _objects(a)
    document |= _back_office(a)
    return document


def _back_office(a: Assessment) -> dict[str, Any]:
    """findings.json's ``approvals`` and ``rekeyed_values`` (when the assessment has them)."""
    document: dict[str, Any] = {}
    if a.approvals is not None:
        chains = a.approvals
        document["approvals"] = {
            "rule": chains.rule,
            "approval_steps": list(chains.approval_steps),
            "sentences": list(back_office_sentences(a)),
            "chain_lengths": _records(chains.by_length),
            "steps": _records(chains.steps),
            "rubber_stamps": chains.rubber_stamps["step"].tolist(),
            "outcomes_recorded": chains.outcomes_recorded,
        }
    if a.rekeyed_values is not None:
        rekeyed = a.rekeyed_values
        document["rekeyed_values"] = {
            "orders": rekeyed.orders,
            "orders_rekeyed": rekeyed.orders_rekeyed,
            "attributes": _records(rekeyed.attributes),
            "by_name": _records(rekeyed.by_name),
        }
    if a.time_only_steps is not None:
        steps = a.time_only_steps
        document["time_only_steps"] = _records(steps[steps["candidate"]].drop(columns="candidate"))
    return document


def _actions(a: Assessment) -> dict[str, Any]:
    """findings.json's ``actions``: the bootstrap's settings, the daily revenue and every lever."""
    table = a.actions if a.actions is not None else pd.DataFrame()
    money = [c for c in table.columns if c.startswith(("working_capital", "financing_cost"))]
    return {
        "resamples": int(table.attrs.get("resamples", 0)),
        "seed": int(table.attrs.get("seed", 0)),
        "level": float(table.attrs.get("level", 0.9)),
        "annual_rate": float(table.attrs.get("annual_rate", a.parameters["annual_rate"])),
        "daily_revenue": _plain(round(float(table.attrs.get("daily_revenue", math.nan)), 2)),
        "currency": a.currency,
        "levers": _records(table.round(dict.fromkeys(money, 2))),
    }


def _payment_risk(a: Assessment, top: int) -> dict[str, Any]:
    """findings.json's ``payment_risk``: the backtest and the escalation list's ``top`` orders by
    value at risk, or why it was skipped."""
    risk = a.payment_risk
    if risk is None:
        return {"skipped": a.payment_risk_skipped, "backtest": None, "top": []}
    back, orders = risk.backtest, risk.open_orders
    return {
        "skipped": None,
        "as_of": risk.as_of.isoformat(),
        "train_orders": risk.train_orders,
        "open_orders": len(orders),
        "overdue_orders": int(orders["overdue"].sum()),
        "value_at_risk": _plain(round(orders["value_at_risk"].sum(min_count=1), 2)),
        "backtest": {
            "cut": back.cut.isoformat(),
            "train_orders": back.train_orders,
            "train_rows": back.train_rows,
            "test_orders": back.test_orders,
            "test_rows": back.test_rows,
            "late_share": _plain(back.late_share),
            "auc": _plain(back.auc),
            "brier": _plain(back.brier),
            "calibration": _records(back.calibration),
        },
        "top": _records(orders.head(top)),
    }


def _objects(a: Assessment) -> dict[str, Any]:
    """findings.json's ``objects``: how an object-centric log was flattened, its facts, and its
    waits counted once against as each order saw them."""
    flat = dict(a.source.notes.get("flatten", {}))
    shared = a.deduplicated_waiting_times
    waits = None
    if shared is not None:
        seen = "wait_total_calendar" if "wait_total_calendar" in a.waiting_times.columns else "wait_total"
        waits = {
            "transitions": int(shared["transitions"].sum()),
            "transitions_seen": int(shared["transitions_seen"].sum()),
            "wait_total_s": _plain(shared["wait_total"].sum()),
            # in calendar time, as the waits counted once are (a calendar's working time is beside)
            "wait_total_seen_s": _plain(a.waiting_times[seen].sum()),
        }
    return {
        "case_type": flat.get("case_type"),
        "case_type_chosen": flat.get("case_type_chosen"),
        "through": list(flat.get("through", [])),
        "objects_reached": {str(k): int(v) for k, v in flat.get("objects_reached", {}).items()},
        "orders": flat.get("orders"),
        "events_linked": flat.get("events_linked"),
        "events_shared": flat.get("events_shared"),
        "events_unlinked": flat.get("events_unlinked"),
        "facts": _records(a.object_facts) if a.object_facts is not None else [],
        "deduplicated_waits": waits,
    }


def _calendar(assessment: Assessment) -> dict[str, Any] | None:
    """The working calendar the durations were counted in (``o2c.WorkingCalendar.to_dict`` with
    its description under ``text``), or None for calendar time."""
    calendar = assessment.calendar
    return None if calendar is None else calendar.to_dict() | {"text": calendar.describe()}


def _counts(activities: pd.DataFrame, column: str) -> dict[str, int]:
    """Activity -> cases, for the activities with at least one case in ``column``."""
    found = activities[activities[column] > 0]
    return {str(a): int(n) for a, n in zip(found["activity"], found[column], strict=True)}


@cache
def findings_schema() -> dict[str, Any]:
    """The JSON Schema of findings.json (``o2c/report/findings.schema.json``, shipped in the package).

    >>> findings_schema()["properties"]["schema_version"]["const"]
    '1.0'
    """
    text = files("o2c.report").joinpath("findings.schema.json").read_text(encoding="utf-8")
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


def late_measure(late: pd.DataFrame) -> str | None:
    """What the late-payment drivers were measured by (``days_past_due``, ``invoice_to_cash``); None without rows."""
    if late.empty or "measure" not in late.columns:
        return None
    return str(late["measure"].iloc[0])
