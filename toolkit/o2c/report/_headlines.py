"""The headline findings: five sentences with the numbers that matter, their caveats, and the
words and numbers they are written in."""

from __future__ import annotations

import html
import math
from typing import Any

import pandas as pd

from o2c._assess import Assessment
from o2c._format import format_amount, format_count, format_duration, format_share
from o2c._objects import OBJECT_ID
from o2c.conformance import IdealPath
from o2c.log import VALUE
from o2c.plausibility import plausibility_warnings
from o2c.render.maps import REWORK_EDGE_KINDS

_SIGNIFICANT = 0.05
#: A driver is quoted in a headline only when its orders wait at least this many times as long as
#: the others: on large logs a 1.01x difference is significant and says nothing.
_MATERIAL_RATIO = 1.25


# --- words and numbers ---------------------------------------------------------------------


def duration_words(value: Any, day: pd.Timedelta | None = None) -> str:
    """A duration in words (``format_duration(words=True)``), or ``unknown`` when missing;
    with ``day`` (a working day's length) working time in working days and hours.

    >>> [duration_words(pd.Timedelta(x)) for x in ("10 days 21 hours", "4 hours 32 min", "15 hours", "35 min", "1 s")]
    ['10.9 days', '4.5 hours', '15 hours', '35 minutes', '1 second']
    >>> duration_words(pd.Timedelta(hours=21), pd.Timedelta(hours=8))
    '2.6 working days'
    """
    if value is None or pd.isna(value):
        return "unknown"
    return format_duration(pd.Timedelta(value), words=True, day=day)


def working_day(assessment: Assessment) -> pd.Timedelta | None:
    """The length of a working day when the assessment counted working time, else None (24-hour days)."""
    return None if assessment.calendar is None else pd.Timedelta(assessment.calendar.working_day)


def share_words(value: float) -> str:
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


def final_step(assessment: Assessment) -> str | None:
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
       orders, extra executions, and how much longer those orders take (``rework_cost``); in a
       log flattened from objects, work done again for the same object (see ``o2c.rework``).
    4. Flow efficiency: value-adding over actual lead time of the closed orders, when it is
       computed (target hours or start times); otherwise the orders' median lead time.
    5. The order-to-cash KPIs (``kpis``): order-to-cash and invoice-to-cash time, payment on
       time, open orders and the stuck ones among them (``stuck_orders``) with the value they
       hold; when no order reaches both the ordered and the paid milestone, the costliest single
       deviation from the ideal path (financing cost, then orders) instead.

    Examples
    --------
    >>> from o2c._assess import assess
    >>> from o2c.io import read_log
    >>> from o2c import example_log
    >>> from o2c.conformance import IdealPath, closed_cases
    >>> ideal = IdealPath(("Create Sales Order", "Check Credit", "Confirm Order", "Ship Goods",
    ...                    "Create Invoice", "Receive Payment"), milestones={"paid": "Receive Payment"})
    >>> found = headlines(assess(read_log(example_log()), ideal=ideal, progress=False))
    >>> print(found[1])
    50% of the orders that reached Receive Payment (1 of 2) left the ideal path 'ideal path'; they took a median 8.3 days longer than the 1 order that followed it and hold 55.0 k of order value.
    """
    return caveated_headlines(assessment, plausibility_warnings(assessment))


def caveated_headlines(assessment: Assessment, warnings: pd.DataFrame) -> Headlines:
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
        numbers = {int(number)} | ({5} if code in _EVERY_DEVIATION else set())
        for n in sorted(numbers):
            if n == 5 and kpi is not None:
                continue  # the fifth headline quotes the KPIs, not the deviation the check is about
            sentences[n - 1] += f" Caveat: {_CAVEATS[str(code)]}"
    return Headlines(sentences)


#: Checks about every deviation from the ideal path: they also caveat the fifth headline when it
#: quotes the costliest deviation.
_EVERY_DEVIATION = {"ideal_path_rare"}


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


def top_internal(assessment: Assessment) -> pd.Series | None:
    ranked = assessment.bottlenecks
    internal = ranked[ranked["owner"] == "internal"]
    return internal.iloc[0] if len(internal) else None


def _top_driver(assessment: Assessment, rank: int) -> pd.Series | None:
    table = assessment.drivers
    found = table[
        (table["rank"] == rank) & (table["ratio"] >= _MATERIAL_RATIO) & (table["p_value"] < _SIGNIFICANT)
    ]
    return found.iloc[0] if len(found) else None


def _bottleneck_sentence(assessment: Assessment) -> str:
    day = working_day(assessment)  # working time in working days, when there is a calendar
    edge = top_internal(assessment)
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
        f"Orders wait a median {duration_words(edge['wait_median'], day)} between {edge['source']} and "
        f"{edge['target']}, where {share_words(share)} {scope} accumulates ({duration_words(edge['wait_total'], day)} in all, open and closed orders alike)"
    )
    if "drivers" in assessment.not_computed:
        return sentence + "; what goes with the longest waits there was not computed on the engine."
    driver = _top_driver(assessment, int(edge["rank"]))
    if driver is None:
        min_cases = assessment.parameters["min_cases"]
        return (
            sentence + f"; no attribute value of the orders goes with a significantly longer wait there "
            f"(at least {_n(min_cases, 'order')}, p < {_SIGNIFICANT}, at least {_MATERIAL_RATIO:g} times as long)."
        )
    names = [n for n in str(driver.get("aliases") or "").split("; ") if n]
    also = (
        f" (with {', '.join(names[:2])}" + (f" and {len(names) - 2} more" if len(names) > 2 else "") + ")"
        if names
        else ""
    )
    return (
        sentence + f"; orders with {driver['attribute']} {driver['value']}{also} wait a median "
        f"{duration_words(driver['wait_median'], day)} there, {_times(driver['ratio'])} times as long as the others "
        f"({duration_words(driver['others_wait_median'], day)})."
    )


def any_deviation(assessment: Assessment) -> pd.Series | None:
    table = assessment.cost_of_divergence
    found = table[table["kind"] == "any"]
    return found.iloc[0] if len(found) else None


def _divergence_sentence(assessment: Assessment) -> str:
    day = working_day(assessment)  # working lead times in working days, when there is a calendar
    summary = assessment.conformance
    name = _ideal_name(assessment)
    final = final_step(assessment)
    row = any_deviation(assessment)
    scope = f"the orders that reached {final}" if final else "the orders"
    partly = (  # a time budget or pm4py's limit per variant left some orders unaligned
        f" Only {format_count(summary.resolved_cases)} of {_n(summary.cases, 'order')} were aligned "
        "in time (the time budget or pm4py's limit per variant); these figures count them alone."
        if summary.resolved_cases < summary.cases
        else ""
    )
    if row is None:
        return (
            f"Every one of {scope} followed the ideal path {name} "
            f"({format_count(summary.conforming_cases)} of {_n(summary.cases, 'order')} in all)." + partly
        )
    compared = round(row["cases"] / row["share_of_cases"])
    sentence = (
        f"{share_words(row['share_of_cases'])} of {scope} ({format_count(row['cases'])} of "
        f"{format_count(compared)}) left the ideal path {name}"
    )
    if pd.notna(row["extra_time"]):
        longer = "longer" if row["extra_time"] >= pd.Timedelta(0) else "less"
        sentence += (
            f"; they took a median {duration_words(abs(row['extra_time']), day)} {longer} than the "
            f"{_n(summary.conforming_cases, 'order')} that followed it"
        )
    else:
        sentence += f"; no order followed it ({format_count(summary.conforming_cases)} conforming)"
    if pd.notna(row["value_delayed"]):
        sentence += f" and hold {_money(row['value_delayed'], assessment.currency)} of order value"
    return sentence + "." + partly


def _rework_sentence(assessment: Assessment) -> str:
    table, worst = _by_harm(assessment.rework), worst_loop(assessment.rework)
    row = worst.iloc[0] if len(worst) else (table.iloc[0] if len(table) else None)
    # flattened from objects: o2c.rework counts per object (an engine's view has no objects)
    by_object = assessment.engine is None and OBJECT_ID in assessment.log.columns
    if row is None:
        where = (
            "for the same object of an order (items, deliveries, invoices told apart)"
            if by_object
            else "in an order"
        )
        return (
            f"No activity was executed twice {where}: every order was first time right "
            f"({share_words(assessment.first_time_right)})."
        )
    if row["kind"] == "ping_pong":
        loop = f"{row['activity']} → {row['other_activity']} → {row['activity']} (ping-pong)"
    elif row["kind"] == "self_loop":
        loop = f"{row['activity']} → {row['activity']} (self-loop)"
    else:
        loop = f"{row['activity']} executed again (repeat)"
    if by_object:
        loop += " for the same object"
    sentence = (
        f"The worst rework loop is {loop}: {_n(row['cases_affected'], 'order')} "
        f"({share_words(row['share_of_cases'])} of all orders, open and closed), "
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
        sentence += f"; those orders take a median {duration_words(abs(delta))} {longer} than the others"
    return sentence + f". {share_words(assessment.first_time_right)} of all orders are first time right."


def _flow_sentence(assessment: Assessment) -> str | None:
    """Flow efficiency of the first source (target hours, else processing times); None when not computed."""
    day = working_day(assessment)  # working time in working days, when there is a calendar
    rows = assessment.flow_efficiency
    rows = rows[rows["flow_efficiency"].notna()]
    if not len(rows):
        return None
    row = rows.iloc[0]
    final = final_step(assessment)
    scope = f"the orders that reached {final}" if final else "all orders"
    if row["theoretical_from"] == "target_hours":
        work = "of work by the ideal path's target hours"
    else:
        work = "in progress (from each activity's start to its completion)"
    return (
        f"Flow efficiency is {share_words(row['flow_efficiency'])}: {scope} ({format_count(row['cases'])}) spend a "
        f"median {duration_words(row['theoretical_lead_time'], day)} {work} in a median lead time of "
        f"{duration_words(row['actual_lead_time'], day)}; the rest is waiting."
    )


def processing_sentence(assessment: Assessment) -> str:
    """Processing against waiting time of the orders flow efficiency measures, in one sentence.

    From ``lead_time_split``: the median processing time per order (some activity in progress,
    start to completion), the median waiting time between steps, and the waiting share of all
    their lead time; with how many activity instances had no start event (their time counts
    as waiting). Without start times: that processing time is unknown, and why.

    Examples
    --------
    >>> from o2c._assess import assess
    >>> from o2c.io import read_log
    >>> from o2c import example_log
    >>> print(processing_sentence(assess(read_log(example_log()), progress=False)))
    Processing time is unknown: the log has no start events, only completions, so the time between two completions is both the work on the second step and the wait before it.
    """
    day = working_day(assessment)  # working time in working days, when there is a calendar
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
        f"Work itself takes a median {duration_words(row['processing_time_median'], day)} per order; orders spend a "
        f"median {duration_words(row['waiting_time_median'], day)} waiting between steps, "
        f"{share_words(row['waiting_share'])} of their lead time ({scope}, {_n(row['cases'], 'order')})"
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
    day = working_day(assessment)  # working time in working days, when there is a calendar
    row = assessment.flow_efficiency.iloc[0]
    final = final_step(assessment)
    scope = f"the orders that reached {final}" if final else "all orders"
    if not row["cases"]:
        return f"No order among {scope} lasts longer than an instant, so there is no lead time to measure."
    return (
        f"Orders take a median {duration_words(row['actual_lead_time'], day)} from first to last event "
        f"({scope}, {format_count(row['cases'])}); flow efficiency is not computed: {row['reason']}."
    )


def _kpi_sentence(assessment: Assessment) -> str | None:
    table = assessment.kpis.set_index("kpi")
    o2c = table.loc["order_to_cash"]
    if pd.isna(o2c["duration"]):
        return None
    sentence = f"Order to cash takes a median {duration_words(o2c['duration'])} ({_n(o2c['orders_covered'], 'paid order')}"
    i2c = table.loc["invoice_to_cash"]
    if pd.notna(i2c["duration"]):
        sentence += f"; invoice to cash {duration_words(i2c['duration'])}"
    on_time = table.loc["on_time_payment_rate"]
    if pd.notna(on_time["value"]):
        sentence += f", {share_words(on_time['value'])} paid on time"
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
    day = working_day(assessment)  # working lead times in working days, when there is a calendar
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
        sentence += (
            f", a median {duration_words(abs(row['extra_time']), day)} {longer} than conforming orders"
        )
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


def _by_harm(rework: pd.DataFrame) -> pd.DataFrame:
    """``o2c.rework`` rows, most orders affected first, then most extra executions (stable)."""
    return rework.sort_values(["cases_affected", "extra_executions"], ascending=False, kind="stable")


def worst_loop(rework: pd.DataFrame) -> pd.DataFrame:
    """The ``o2c.rework`` row of the worst self-loop or ping-pong (``_by_harm``); none without one."""
    ranked = _by_harm(rework)
    return ranked[ranked["kind"].isin(REWORK_EDGE_KINDS)].head(1)


# --- the back office: approval chains, rubber stamps, re-keyed data ---------------------------


#: The fewest orders a back-office sentence rests on: a rubber stamp seen on fewer orders, a
#: chain length or a field entered twice in fewer, gets no sentence (the tables still show them).
#: A step that turns down one order in ten shows none in 30 orders 4% of the time (0.9 ** 30).
CLAIM_MIN_ORDERS = 30


def back_office_sentences(assessment: Assessment) -> Headlines:
    """The sentences of the section "Approvals and re-keyed data", each only when it matters:
    what the longest chain of approvals costs (``approvals.by_length``: only with
    ``CLAIM_MIN_ORDERS`` orders on it and time to show), the rubber stamps (``approvals.rubber_stamps``
    seen on ``CLAIM_MIN_ORDERS`` orders or more, most time added first; none when the log shows no
    approval ever turning out otherwise, ``Approvals.outcomes_recorded``), the field re-keyed most
    and the field typed again most (``rekeyed_values``). The five headlines stay five; these lead
    their own section.

    >>> from o2c._assess import assess
    >>> from o2c.io import read_log
    >>> from o2c import example_log
    >>> list(back_office_sentences(assess(read_log(example_log()), progress=False)))
    []
    """
    sentences: list[str] = []
    chains, rekeyed = assessment.approvals, assessment.rekeyed_values
    if chains is not None and chains.approval_steps:
        chain = _chain_sentence(chains.by_length, chains.steps)
        if chain:
            sentences.append(chain)
        stamps = chains.rubber_stamps
        if chains.outcomes_recorded:
            stamps = stamps[(stamps["orders"] >= CLAIM_MIN_ORDERS) & (stamps["time_added"] > pd.Timedelta(0))]
            stamps = stamps.sort_values(["time_added", "step"], ascending=[False, True])
            for step, orders, per_order, total in stamps.head(2)[
                ["step", "orders", "time_added_per_order", "time_added"]
            ].itertuples(index=False, name=None):
                sentences.append(
                    f"{step} approved all {_n(orders, 'order')} it saw (none was rejected, changed or "
                    f"cancelled after it) and added a mean {duration_words(per_order)} to each, "
                    f"{duration_words(total)} in all: a candidate to drop."
                )
    if rekeyed is not None:
        sentences.extend(_rekeyed_sentences(rekeyed.attributes, rekeyed.orders_rekeyed))
    return Headlines(sentences)


def _rekeyed_sentences(attributes: pd.DataFrame, orders_rekeyed: int) -> list[str]:
    sentences = []
    changed = attributes[attributes["orders_changed"] > 0]
    if len(changed):
        top = changed.iloc[0]
        size = ""
        if top["kind"] == "number":
            size = f"; the median change is {top['change_median']:+,.2f}"
        elif top["kind"] == "date":
            size = f"; the median change is {top['change_median']:+,.1f} days"
        steps = ", ".join(str(s) for s in top["steps"][:3])
        others = "".join(
            f", {_field(row['attribute'])} in {_n(row['orders_changed'], 'order')}"
            for _, row in changed.iloc[1:4].iterrows()
        )
        also = f" Also changed: {others.removeprefix(', ')}." if others else ""
        sentences.append(
            f"The {_field(top['attribute'])} changed within {_n(top['orders_changed'], 'order')} "
            f"({share_words(top['share_of_orders'])}), {_n(top['changes'], 'time')}, most at {steps}{size}; "
            f"{_n(orders_rekeyed, 'order')} in all had data re-keyed (changed values or change "
            f"activities).{also}"
        )
    typed = attributes[
        (attributes["orders_changed"] == 0)
        & (attributes["orders_entered_at_several_steps"] >= CLAIM_MIN_ORDERS)
    ].sort_values(["orders_entered_at_several_steps", "attribute"], ascending=[False, True])
    if len(typed):
        top = typed.iloc[0]
        sentences.append(
            f"The {_field(top['attribute'])} is typed at more than one step in "
            f"{_n(top['orders_entered_at_several_steps'], 'order')}, with the same value each time: "
            "entered again."
        )
    return sentences


def _field(attribute: str) -> str:
    """How a sentence names an attribute: the value role is the order value."""
    return "order value" if attribute == VALUE else f"field {attribute}"


def _chain_sentence(by_length: pd.DataFrame, steps: pd.DataFrame) -> str | None:
    """What the longest chain length with ``CLAIM_MIN_ORDERS`` orders waits for its approvals and
    how much longer its closed orders take than those without approval (only when longer, each
    side with ``CLAIM_MIN_ORDERS`` closed orders); None when it waits nothing and takes no longer."""
    table = by_length.set_index("chain_length")
    approved = int(table["orders"].iloc[1:].sum())
    total = int(table["orders"].sum())
    enough = [label for label in table.index[1:] if table.loc[label, "orders"] >= CLAIM_MIN_ORDERS]
    if not enough or not total:
        return None
    longest = enough[-1]
    row = table.loc[longest]
    levels = {"1": "one approval", "2": "two approvals", "3+": "three or more approvals"}[str(longest)]
    clauses = []
    wait = row["approval_wait_median"]
    if isinstance(wait, pd.Timedelta) and wait > pd.Timedelta(0):
        clauses.append(
            f"the {_n(row['orders'], 'order')} with {levels} wait a median {duration_words(wait)} for them"
        )
    base, lead = table.loc["0", "lead_time_median"], row["lead_time_median"]
    if (
        min(table.loc["0", "closed_orders"], row["closed_orders"]) >= CLAIM_MIN_ORDERS
        and isinstance(base, pd.Timedelta)
        and isinstance(lead, pd.Timedelta)
        and lead > base
    ):
        subject = "closed ones" if clauses else f"closed orders with {levels}"
        clauses.append(
            f"{subject} take a median {duration_words(lead - base)} longer than orders without approval "
            "(all else that differs between them included)"
        )
    if not clauses:
        return None
    return (
        f"{share_words(approved / total)} of the orders ({format_count(approved)}) pass at least one "
        f"approval ({', '.join(str(s) for s in steps['step'].head(5))}); " + ", and ".join(clauses) + "."
    )
