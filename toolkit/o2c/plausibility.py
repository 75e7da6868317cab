"""The plausibility gate: what a consultant should know before quoting an assessment.

Each check has a code, a threshold (``THRESHOLDS``), a severity and its evidence. ``serious``
means a figure may be wrong or misleading as it stands (the report opens with it, the headline
that quotes the figure carries the caveat, ``o2c assess`` prints it and ``--fail-on-warning``
exits 1); ``notice`` means the figures rest on an assumption the reader should know.

=============================  ========  ==============================================================
code                           severity  when
=============================  ========  ==============================================================
``rejected_rows``              serious   more than 5 % of the input rows were rejected
``wait_over_a_year``           serious   an internal edge's median wait is longer than a year
``financing_cost_high``        serious   the financing cost of the deviations is above a tenth of the
                                         order value they hold
``flow_efficiency_invalid``    serious   a flow efficiency outside (0, 1]
``ideal_path_rare``            serious   the ideal path was discovered and fewer than 5 % of the
                                         orders follow it: divergence is measured from a rare variant
``most_orders_open``           notice    fewer than half of the orders reached the closing step
``date_only_timestamps``       notice    every timestamp is at midnight: waits are whole days
``naive_timestamps``           notice    timestamps without a zone, read in the zone given (UTC)
``ideal_path_discovered``      notice    no ideal path was given; the one used was found in the log
``milestones_guessed``         notice    milestones guessed from the activity names
``waits_mostly_overlaps``      notice    a top-10 edge where most transitions overlap (parallel work)
=============================  ========  ==============================================================

>>> from o2c._assess import assess
>>> from o2c.io import read_log
>>> from o2c import example_log
>>> found = plausibility_warnings(assess(read_log(example_log()), progress=False))
>>> found[["code", "severity"]].head(2)
                    code severity
0  ideal_path_discovered   notice
1     milestones_guessed   notice
"""

from __future__ import annotations

from datetime import time
from typing import Any

import pandas as pd

from o2c import _engines
from o2c._assess import Assessment
from o2c._format import format_share
from o2c.conformance import IdealPath
from o2c.conformance.cost import _closed_cases
from o2c.log import TIMESTAMP, case_count

#: The thresholds of the checks (see the module docstring).
THRESHOLDS: dict[str, Any] = {
    "rejected_rows": 0.05,  # share of input rows
    "wait_over_a_year": pd.Timedelta(days=365),  # median wait of an internal edge
    "financing_cost_high": 0.10,  # financing cost over the order value it is computed on
    "most_orders_open": 0.5,  # share of orders that reached the closing step
    "waits_mostly_overlaps": 0.5,  # overlapping transitions over all of an edge's transitions
    "ideal_path_rare": 0.05,  # share of orders that follow a discovered ideal path exactly
}
SEVERITIES = ("serious", "notice")
COLUMNS = ["code", "severity", "message", "evidence", "headline"]


def plausibility_warnings(assessment: Assessment) -> pd.DataFrame:
    """The warnings of ``assessment``: one row per failed check, serious ones first.

    Returns
    -------
    DataFrame
        ``code``, ``severity`` (``serious`` or ``notice``), ``message`` (a sentence with the
        figures), ``evidence`` (a dict: the figures, orders, rows behind it) and ``headline``
        (the number, 1 to 5, of the headline whose figure failed the check, or 0).
    """
    found: list[dict[str, Any]] = []
    for check in (
        _rejected,
        _long_waits,
        _financing,
        _flow,
        _open,
        _dates,
        _naive,
        _discovered,
        _guessed,
        _overlaps,
    ):
        found += check(assessment)
    table = pd.DataFrame(found, columns=COLUMNS)
    order = table["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    return (
        table.assign(_order=order)
        .sort_values("_order", kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def _warning(
    code: str, severity: str, message: str, evidence: dict[str, Any], headline: int = 0
) -> dict[str, Any]:
    return {
        "code": code,
        "severity": severity,
        "message": message,
        "evidence": evidence,
        "headline": headline,
    }


def _rejected(a: Assessment) -> list[dict[str, Any]]:
    rows = a.source.rows
    rejected = a.rejects.select("source_file", "source_row").n_unique()
    if not rows or rejected / rows <= THRESHOLDS["rejected_rows"]:
        return []
    reasons = a.rejects.group_by("reason").len().sort(["len", "reason"], descending=[True, False])
    top: tuple[str, int] = (str(reasons[0, "reason"]), int(reasons[0, "len"])) if reasons.height else ("", 0)
    return [
        _warning(
            "rejected_rows",
            "serious",
            f"{format_share(rejected / rows)} of the input rows ({rejected:,} of {rows:,}) were rejected, most as "
            f"{top[0]} ({top[1]:,}); the figures describe the rest only. See rejects.csv.",
            {
                "rejected": rejected,
                "rows": rows,
                "share": rejected / rows,
                "top_reason": top[0],
                "top_count": top[1],
            },
        )
    ]


def _long_waits(a: Assessment) -> list[dict[str, Any]]:
    ranked = a.bottlenecks
    internal = ranked[ranked["owner"] == "internal"]
    # a year of the calendar, not of working time: with a working calendar its twin is the one to judge
    median = "wait_median_calendar" if "wait_median_calendar" in internal.columns else "wait_median"
    long = internal[internal[median] > THRESHOLDS["wait_over_a_year"]]
    if not len(long):
        return []
    top_rank = int(internal["rank"].iloc[0]) if len(internal) else 0
    edges = [
        {"source": r["source"], "target": r["target"], "wait_median_days": r[median].total_seconds() / 86_400,
         "orders": int(r["cases"])}
        for r in long.head(5).to_dict(orient="records")
    ]  # fmt: skip
    first = edges[0]
    return [
        _warning(
            "wait_over_a_year",
            "serious",
            f"Orders wait a median {first['wait_median_days']:,.0f} days between {first['source']} and "
            f"{first['target']} ({first['orders']:,} orders)"
            + (f" and on {len(long) - 1} more edges" if len(long) > 1 else "")
            + ": longer than a year. Reused document numbers, placeholder dates or documents created years "
            "later for housekeeping do this; check a few of these orders in the source system first.",
            {"edges": edges, "threshold_days": THRESHOLDS["wait_over_a_year"].days},
            headline=1 if int(long["rank"].iloc[0]) == top_rank else 0,
        )
    ]


def _financing(a: Assessment) -> list[dict[str, Any]]:
    """The deviations (all together, then each) whose financing cost is above the threshold share
    of the order value it is computed on; one warning, naming the worst."""
    table = a.cost_of_divergence
    priced = table[table["value_delayed"].notna() & (table["value_delayed"] > 0)]
    share = priced["financing_cost"] / priced["value_delayed"]
    high = priced[share > THRESHOLDS["financing_cost_high"]]
    if not len(high):
        return []
    worst = high.loc[(high["financing_cost"] / high["value_delayed"]).idxmax()]
    cost, value = float(worst["financing_cost"]), float(worst["value_delayed"])
    what = "leaving the ideal path" if worst["kind"] == "any" else str(worst["deviation"])
    first = table[table["kind"] != "any"].head(1)  # the deviation the fifth headline may quote
    quoted = (
        2 if (high["kind"] == "any").any() else (5 if worst["deviation"] in set(first["deviation"]) else 0)
    )
    return [
        _warning(
            "financing_cost_high",
            "serious",
            f"The financing cost of {what} is {cost / value:.0%} of the order value it is computed on "
            f"({cost:,.0f} of {value:,.0f}), which needs those orders to take well over a year longer; "
            f"{len(high)} of the priced deviations are above {THRESHOLDS['financing_cost_high']:.0%}. Check "
            "the waits (and the annual rate) before quoting it.",
            {
                "deviation": str(worst["deviation"]),
                "financing_cost": cost,
                "value": value,
                "share": cost / value,
                "deviations_above": len(high),
            },
            headline=quoted,
        )
    ]


def _flow(a: Assessment) -> list[dict[str, Any]]:
    bad = a.flow_efficiency[
        a.flow_efficiency["flow_efficiency"].notna()
        & ~a.flow_efficiency["flow_efficiency"].between(0, 1, inclusive="right")
    ]
    return [
        _warning(
            "flow_efficiency_invalid",
            "serious",
            f"Flow efficiency from {r['theoretical_from']} is {r['flow_efficiency']:.0%}, outside (0, 100%]; it is "
            "not a fact about the process but a sign of inconsistent data.",
            {"theoretical_from": r["theoretical_from"], "flow_efficiency": float(r["flow_efficiency"])},
            headline=4,
        )
        for r in bad.to_dict(orient="records")
    ]


def _open(a: Assessment) -> list[dict[str, Any]]:
    ideal = a.ideal
    # the analysed log's orders (lifecycle transitions folded); on an engine, the summary's
    cases = int(a.summary["cases"]) if a.engine is not None else case_count(a.log)
    if not isinstance(ideal, IdealPath) or not cases:
        return []
    closing = ideal.closing_step
    closed = _closed_cases(a.log, ideal).len()
    if closed / cases >= THRESHOLDS["most_orders_open"]:
        return []
    return [
        _warning(
            "most_orders_open",
            "notice",
            f"Only {closed:,} of {cases:,} orders ({format_share(closed / cases)}) reached {closing}; the lead times, "
            "flow efficiency and cost of divergence describe these closed orders, not the open ones.",
            {"closed": closed, "orders": cases, "closing_step": closing},
        )
    ]


def _dates(a: Assessment) -> list[dict[str, Any]]:
    # midnight where the log was written: timestamps are held in UTC, read in the noted zone
    zone = a.source.notes.get("timezone") or "UTC"
    if a.engine is not None:  # a scanned log's or a Spark DataFrame's times are UTC instants
        if not a.summary["events"] or not _engines.all_at_midnight(a.log):
            return []
    else:
        stamps = a.log[TIMESTAMP].dt.convert_time_zone(zone)
        if not len(stamps) or (stamps.dt.time() != time(0)).any():
            return []
    return [
        _warning(
            "date_only_timestamps",
            "notice",
            "Every timestamp is at midnight: the log holds dates only, so waits are whole days and steps on "
            "one day count as simultaneous.",
            {"events": len(stamps)},
        )
    ]


def _naive(a: Assessment) -> list[dict[str, Any]]:
    notes = a.source.notes
    if not notes.get("timestamp_naive"):
        return []
    zone = notes.get("timezone", "UTC")
    return [
        _warning(
            "naive_timestamps",
            "notice",
            f"The timestamps carry no time zone and were read as {zone}; give the system's zone "
            "(--timezone) if it is another, or waits across a clock change are off by an hour.",
            {"timezone": zone},
        )
    ]


def _discovered(a: Assessment) -> list[dict[str, Any]]:
    if not a.ideal_discovered:
        return []
    source = getattr(a.ideal, "source", None) or a.parameters.get("discover", "")
    found = [
        _warning(
            "ideal_path_discovered",
            "notice",
            f"No ideal path was given; the one used was found in the log ({source}). Conformance and the "
            "cost of divergence measure against it; give the client's own with --ideal.",
            {"rule": str(source)},
        )
    ]
    summary = a.conformance
    share = summary.conforming_cases / summary.cases if summary.cases else 1.0
    if share < THRESHOLDS["ideal_path_rare"]:
        found.insert(
            0,
            _warning(
                "ideal_path_rare",
                "serious",
                f"Only {format_share(share)} of the orders ({summary.conforming_cases:,} of {summary.cases:,}) follow "
                "the ideal path found in the log, so the share that leaves it and the cost of divergence "
                "measure the distance from a rare variant, not from the standard process. Give the "
                "client's ideal path with --ideal before quoting them.",
                {"conforming": summary.conforming_cases, "orders": summary.cases, "share": share},
                headline=2,
            ),
        )
    return found


def _guessed(a: Assessment) -> list[dict[str, Any]]:
    stones = a.milestones
    guessed = stones[stones["guessed"] & stones["activity"].notna()]
    if not len(guessed):
        return []
    rows = guessed.to_dict(orient="records")
    names = "; ".join(f"{r['milestone']} = {r['activity']} ({r['rule']})" for r in rows)
    return [
        _warning(
            "milestones_guessed",
            "notice",
            f"Milestones guessed from the activity names: {names}. The KPIs count from them; name them in "
            "the ideal path if a guess is wrong.",
            {"milestones": {r["milestone"]: r["activity"] for r in rows}},
        )
    ]


def _overlaps(a: Assessment) -> list[dict[str, Any]]:
    top = a.bottlenecks.head(10)
    mostly = top[top["overlap_share"] > THRESHOLDS["waits_mostly_overlaps"]]
    if not len(mostly):
        return []
    edges = [
        {"source": r["source"], "target": r["target"], "overlap_share": float(r["overlap_share"])}
        for r in mostly.to_dict(orient="records")
    ]
    return [
        _warning(
            "waits_mostly_overlaps",
            "notice",
            f"On {len(edges)} of the top edges most transitions overlap (the next step starts before the "
            f"previous one ends), e.g. {edges[0]['source']} -> {edges[0]['target']} "
            f"({format_share(edges[0]['overlap_share'])}); their waits count as 0 and the work runs in parallel.",
            {"edges": edges},
        )
    ]
